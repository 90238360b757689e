"""Text in a figure, as drawn: at least 7 pt, inside the canvas, no two pieces overlapping.

The texts checked are exactly those matplotlib draws (``Text.draw`` is watched while the figure
renders), measured with the renderer's own extents, so hidden tick labels and empty strings do not
count and nothing is estimated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

MIN_POINTS = 7.0
SLACK = 1.0  # pixels: anti-aliasing and rounding, not overlap


@contextmanager
def texts_drawn(fig: Figure) -> Iterator[list[Text]]:
    """Yield a list that fills with the non-empty texts drawn inside the block: draw ``fig`` once
    there (``fig.canvas.draw()``, or save it as a PNG) and both the picture and its texts are had
    from one rendering."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        # a bare Figure has no renderer until a canvas is attached; with one, savefig to PNG draws
        # on it, so its renderer measures the texts as the file has them
        FigureCanvasAgg(fig)
    drawn: list[Text] = []
    draw, draw_figure = Text.draw, Figure.draw

    def watch(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return draw(self, renderer)

    def start(self, renderer):  # savefig may lay the figure out in a first pass: keep the last
        if self is fig:
            drawn.clear()
        return draw_figure(self, renderer)

    with mock.patch.object(Text, "draw", watch), mock.patch.object(Figure, "draw", start):
        yield drawn


def drawn_texts(fig: Figure) -> list[Text]:
    """Return the non-empty texts that drawing ``fig`` puts on the canvas."""
    with texts_drawn(fig) as drawn:
        fig.canvas.draw()
    return drawn


def text_problems(fig: Figure, texts: list[Text] | None = None) -> list[str]:
    """Return what is wrong with the text of ``fig``: too small, outside, or overlapping.

    ``texts``: those ``drawn_texts`` or ``texts_drawn`` found in the figure's last drawing (its
    renderer measures them); without them the figure is drawn again."""
    if texts is None:
        texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    problems = []
    boxes = []
    for t in texts:
        box = t.get_window_extent(renderer)
        boxes.append((box.x0, box.y0, box.x1, box.y1))
        if t.get_fontsize() < MIN_POINTS:
            problems.append(f"{t.get_text()!r} is {t.get_fontsize()} pt")
        if box.x0 < -SLACK or box.y0 < -SLACK or box.x1 > width + SLACK or box.y1 > height + SLACK:
            problems.append(f"{t.get_text()!r} leaves the canvas: {box.bounds}")
    b = np.array(boxes).reshape(-1, 4)
    overlap_x = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    overlap_y = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    both = (overlap_x > SLACK) & (overlap_y > SLACK)
    for i, j in zip(*np.nonzero(np.triu(both, 1)), strict=True):
        problems.append(f"{texts[i].get_text()!r} overlaps {texts[j].get_text()!r}")
    return problems
