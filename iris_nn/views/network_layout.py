"""The network diagram's layout: which units are drawn, where, and at what text sizes.

The canvas is measured in inches (one axes covers the whole figure, one data unit = one inch), so
text sizes in points and distances between units compare directly when labels are placed
(``network_labels``). A layer wider than 12 units shows the 12 with the largest weights (fewer
for a room). ``network.png`` (``network_diagram``) and ``backprop.png`` (``backprop_diagram``)
both draw on a ``canvas``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from numpy.typing import NDArray

from iris_nn.core.functional import Array
from iris_nn.store.model_file import Model
from iris_nn.views.presentation import PlotStyle, font_size
from iris_nn.views.style import DPI

MAX_UNITS = 12  # units drawn per layer
MAX_EDGES = 60  # a layer with more edges than this writes numbers on its strongest only
MAX_NUMBERS = 16  # numbers on such a crowded layer's edges, at most
POSITIVE, NEGATIVE = "#2166AC", "#B2182B"  # blue and red stay apart for colour-blind readers
R = 0.15  # unit radius, inches
SMALL, NAME, HEAD = 7.0, 8.0, 8.5  # font sizes, points
CHAR_W = 0.62 / 72  # inches per character and point of font size (a digit of DejaVu Sans)
PAD = 0.035  # inches of white round each number
BOX_W, ARROW_W = 0.62, 0.55  # the SoftMax and ArgMax boxes; a number column and its arrow


@dataclass(frozen=True)
class Sizes:
    """The diagram's text sizes (points) and the room they need, for one ``plots.style``."""

    small: float = SMALL  # weights, biases, the key
    name: float = NAME  # inputs, classes, the SoftMax column's numbers
    head: float = HEAD  # column headers
    arrow_w: float = ARROW_W  # a number column and its arrow, inches
    page_w: float = 14.0  # inches the columns spread over
    line: float = 1.0  # line widths times this
    units: int = MAX_UNITS  # units drawn per layer: fewer for a room, so numbers find room

    @classmethod
    def of(cls, style: PlotStyle | None) -> Sizes:
        """Return the sizes of ``style`` (paper's when None)."""
        if style is None or style.name == "paper":
            return cls()
        return cls(
            font_size(SMALL, style),
            font_size(NAME, style),
            font_size(HEAD, style),
            ARROW_W * font_size(NAME, style) / NAME,
            (style.width_px or 1920) / DPI,
            1.5,  # thicker, but a layer's 32 edges still leave room for numbers
            8,
        )


@dataclass(frozen=True)
class Column:
    """One layer's units as drawn: their indices in the layer and their centres (inches)."""

    x: float
    units: NDArray[np.intp]  # (shown,) indices into the layer, ascending
    ys: NDArray[np.floating]  # (shown,) heights, top unit first
    size: int  # units in the layer, drawn or not

    @property
    def left_out(self) -> int:
        """Return how many of the layer's units are not drawn."""
        return self.size - len(self.units)


class Taken:
    """Rectangles already used on the canvas: a new number goes only where it overlaps none."""

    def __init__(self) -> None:
        self.boxes = np.empty((0, 4))  # (m, 4): x0, y0, x1, y1

    def free(self, box: Array) -> bool:
        """Return whether ``box`` (x0, y0, x1, y1) overlaps no rectangle taken so far."""
        b = self.boxes
        overlap = (b[:, 0] < box[2]) & (box[0] < b[:, 2]) & (b[:, 1] < box[3]) & (box[1] < b[:, 3])
        return not overlap.any()

    def take(self, box: Array) -> None:
        """Mark ``box`` as used."""
        self.boxes = np.vstack([self.boxes, box])


def unit_name(layer: int, unit: int, n_hidden_layers: int) -> str:
    """Return a hidden unit's name, from 1: ``h3``, or ``h2_3`` (unit 3 of hidden layer 2) in a
    network with more than one hidden layer; node_surfaces.png's formulas use the same names."""
    return f"h{unit + 1}" if n_hidden_layers == 1 else f"h{layer}_{unit + 1}"


def drawn_units(scores: Array, limit: int = MAX_UNITS) -> NDArray[np.intp]:
    """Return the indices of the (at most 12, or ``limit``) units with the largest ``scores``, in
    layer order."""
    if len(scores) <= limit:
        return np.arange(len(scores))
    return np.sort(np.argsort(-scores, kind="stable")[:limit])


def unit_scores(Ws: Sequence[Array]) -> list[Array]:
    """Return, per column, each unit's weight: the sum of its outgoing |w| (incoming for outputs)."""
    return [np.abs(W).sum(axis=1) for W in Ws] + [np.abs(Ws[-1]).sum(axis=0)]


@dataclass
class Canvas:
    """A network's figure before drawing: its axes in inches, its columns, the space taken."""

    fig: Figure
    ax: Axes
    columns: list[Column]
    taken: Taken
    backs: list[FancyBboxPatch]
    head_y: float  # where the columns' headers sit
    class_w: float  # inches of the longest class name drawn
    any_left_out: bool


def canvas(
    model: Model,
    Ws: Sequence[Array],
    right: float,
    n_notes: int,
    top: float = 1.2,
    sz: Sizes | None = None,
) -> Canvas:
    """Return the canvas of ``model``'s network with its units placed: at most 12 per column,
    chosen by the size of ``Ws`` (the weights, or any per-edge values of their shapes).

    ``right`` is the room (inches) right of the output units past their names; ``n_notes``
    the lines of the key below, beside one about units left out; ``top`` the inches above the
    columns' headers' baseline for the headers and the title.
    """
    features, classes = model.features, model.classes
    L = len(Ws)
    scores = unit_scores(Ws)
    sz = sz or Sizes()
    picks = [drawn_units(s, sz.units) for s in scores]
    n_rows = max(len(p) for p in picks)
    # between the units of a column: room for a unit and the bias written above it
    step = max(min(0.8, 7.4 / n_rows), 2 * R + 0.1 + 1.6 * sz.small / 72)
    name_w = max(len(features[i]) for i in picks[0]) * sz.name * CHAR_W
    class_w = max(len(classes[i]) for i in picks[-1]) * sz.name * CHAR_W
    left = 0.3 + name_w + R
    right = max(R + 0.1 + class_w + 0.2, 0.75) + right
    gap = float(np.clip((sz.page_w - left - right) / L, 0.9, 2.7))
    any_left_out = any(len(p) < len(s) for p, s in zip(picks, scores, strict=True))
    n_notes += any_left_out
    bottom = 0.3 + 1.5 * 1.1 * sz.small / 72 * n_notes + (0.45 if any_left_out else 0.2)
    top *= sz.head / HEAD
    width, height = left + L * gap + right, bottom + n_rows * step + top
    fig = Figure(figsize=(width, height), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    middle, head_y = bottom + n_rows * step / 2, bottom + n_rows * step + 0.2 * sz.head / HEAD
    columns = [
        Column(left + c * gap, p, middle + ((len(p) - 1) / 2 - np.arange(len(p))) * step, len(s))
        for c, (p, s) in enumerate(zip(picks, scores, strict=True))
    ]
    taken, backs = Taken(), list[FancyBboxPatch]()
    for col in columns:
        for yy in col.ys:
            taken.take(np.array([col.x - R, yy - R, col.x + R, yy + R]))
    return Canvas(fig, ax, columns, taken, backs, head_y, class_w, any_left_out)
