"""A check of a figure's text, as a reader meets it: every text drawn is at least 7 pt, lies inside
the canvas and overlaps no other text. Extents come from matplotlib's own renderer."""

from unittest import mock

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

MIN_POINTS = 7
SLACK = 1.0  # pixels: anti-aliasing may touch a neighbour without the glyphs meeting


def drawn_texts(fig: Figure) -> list[Text]:
    """Return every non-empty text the figure draws (tick labels outside the view are not drawn)."""
    drawn: list[Text] = []
    draw = Text.draw

    def record(self: Text, renderer) -> None:
        draw(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)

    FigureCanvasAgg(fig)
    with mock.patch.object(Text, "draw", record):
        fig.canvas.draw()
    return drawn


def text_problems(fig: Figure) -> list[str]:
    """Return what is wrong with the figure's text: too small, outside the canvas, overlapping."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    problems = []
    for t, box in boxes:
        name = repr(t.get_text()[:40])
        if t.get_fontsize() < MIN_POINTS:
            problems.append(f"{name} is {t.get_fontsize():.1f} pt")
        if box.x0 < -SLACK or box.y0 < -SLACK or box.x1 > width + SLACK or box.y1 > height + SLACK:
            problems.append(f"{name} leaves the canvas: {box.bounds} in {width}x{height}")
    for n, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[n + 1 :]:
            overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if overlap_x > SLACK and overlap_y > SLACK:
                problems.append(f"{a.get_text()[:30]!r} overlaps {b.get_text()[:30]!r}")
    return problems
