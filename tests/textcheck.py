"""Text in a figure, as drawn: at least 7 pt, inside the canvas, no two pieces overlapping.

The texts checked are exactly those matplotlib draws (``Text.draw`` is watched while the figure
renders), measured with the renderer's own extents, so hidden tick labels and empty strings do not
count and nothing is estimated.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

MIN_POINTS = 7.0
SLACK = 1.0  # pixels: anti-aliasing and rounding, not overlap


def drawn_texts(fig: Figure) -> list[Text]:
    """Return the non-empty texts that drawing ``fig`` puts on the canvas."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)  # a bare Figure has no renderer until a canvas is attached
    drawn: list[Text] = []
    draw = Text.draw

    def watch(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return draw(self, renderer)

    with mock.patch.object(Text, "draw", watch):
        fig.canvas.draw()
    return drawn


def text_problems(fig: Figure) -> list[str]:
    """Return what is wrong with the text of ``fig``: too small, outside, or overlapping."""
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
