"""Where the network diagram's numbers go: each weight's number on its own edge only.

Each weight's number goes to the first spot along its own edge where it overlaps no other text
and no other edge crosses it, strongest edges first; an edge with no such spot goes unnumbered
rather than seem to belong to another edge. A layer with more than 60 edges, or with units left
out, writes numbers on its strongest edges only. Distances are inches on the layout's canvas
(``network_layout``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch
from matplotlib.textpath import TextToPath
from numpy.typing import NDArray

from iris_nn.core.functional import Array
from iris_nn.views.network_layout import CHAR_W, MAX_NUMBERS, NEGATIVE, PAD, POSITIVE, Sizes, Taken


def text_box(x: float, y: float, text: str, points: float, ha: str = "center") -> Array:
    """Return the rectangle (x0, y0, x1, y1), padded, that one line of ``text`` at (x, y) covers."""
    w, h = len(text) * points * CHAR_W + 2 * PAD, points / 72 * 1.25 + 2 * PAD
    x0 = {"center": x - w / 2, "left": x - PAD, "right": x - w + PAD}[ha]
    return np.array([x0, y - h / 2, x0 + w, y + h / 2])


def two_decimals(v: float) -> str:
    """Return ``v`` with 2 decimals (a weight or a bias), never as -0.00."""
    text = f"{v:.2f}"
    return "0.00" if text == "-0.00" else text


def write_boxed(
    ax: Axes,
    backs: list[FancyBboxPatch],
    box: Array,
    x: float,
    y: float,
    text: str,
    **style: object,
) -> None:
    """Write ``text`` centred at (x, y) on a pale rounded ``box`` (drawn later, all at once)."""
    backs.append(
        FancyBboxPatch(
            (box[0] + PAD / 2, box[1] + PAD / 2),
            box[2] - box[0] - PAD,
            box[3] - box[1] - PAD,
            boxstyle="round,pad=0,rounding_size=0.03",
        )
    )
    ax.text(x, y, text, ha="center", va="center", zorder=6, **style)  # type: ignore[arg-type]


def number_edges(
    ax: Axes,
    taken: Taken,
    backs: list[FancyBboxPatch],
    segments: Array,
    weights: Array,
    crowded: bool,
    fmt: Callable[[float], str] | None = None,
    lines: Array | None = None,
    sz: Sizes | None = None,
) -> int:
    """Write each weight on its own edge where its box crosses no other drawn line (``lines``,
    every edge of the diagram with its half width) and overlaps no other text; return how many
    were written.

    ``fmt`` writes a number (``two_decimals`` when None); ``weights`` may be any per-edge values
    (backprop.png writes gradients). ``lines`` are every drawn edge, (x0, y0, x1, y1, half width)
    in inches; the layer's own ``segments`` when None.

    Strongest edges first; an edge with no such spot goes without a number rather than put one
    where it would seem to belong to another edge. A crowded layer numbers at most 16 edges, and
    only among its 32 strongest.
    """
    sz = sz or Sizes()
    # Spots along an edge, as fractions of the way from its source: the middle, then outwards.
    spots = 0.5 + np.array([0.0, *(s * k for k in np.arange(0.03, 0.4, 0.03) for s in (-1, 1))])
    order = np.argsort(-np.abs(weights), kind="stable")
    written = 0
    for e in order[: 2 * MAX_NUMBERS] if crowded else order:
        if crowded and written == MAX_NUMBERS:
            break
        x0, y0, x1, y1 = segments[e]
        points = np.column_stack([x0 + spots * (x1 - x0), y0 + spots * (y1 - y0)])  # (spots, 2)
        drawn = np.column_stack([segments, np.zeros(len(segments))]) if lines is None else lines
        own = np.all(drawn[:, :4] == segments[e], axis=1)
        others = drawn[~own]
        text = (fmt or two_decimals)(float(weights[e]))
        w, h, _ = TextToPath().get_text_width_height_descent(
            text, FontProperties(size=sz.small), False
        )
        ink = np.array([-w / 2 - 1, -h * 0.8 - 1, w / 2 + 1, h * 0.8 + 1]) / 72  # a point round
        for x, y in points:
            box = text_box(x, y, text, sz.small)
            if taken.free(box) and not crosses(ink + np.array([x, y, x, y]), others).any():
                taken.take(box)
                colour = POSITIVE if weights[e] >= 0 else NEGATIVE
                write_boxed(
                    ax,
                    backs,
                    ink + np.array([x, y, x, y]) + PAD / 2 * np.array([-1, -1, 1, 1]),
                    x,
                    y,
                    text,
                    fontsize=sz.small,
                    color=colour,
                )
                written += 1
                break
    return written


def crosses(box: Array, lines: Array) -> NDArray[np.bool_]:
    """Return, per line (x0, y0, x1, y1[, half width]), whether it passes through ``box`` (x0, y0,
    x1, y1) grown by the line's half width: the segment is clipped to the box (Liang-Barsky)."""
    if not len(lines):
        return np.zeros(0, dtype=bool)
    grow = lines[:, 4] if lines.shape[1] > 4 else np.zeros(len(lines))
    a, d = lines[:, :2], lines[:, 2:4] - lines[:, :2]  # (m, 2) start and direction
    lo = np.column_stack([box[0] - grow, box[1] - grow])  # (m, 2)
    hi = np.column_stack([box[2] + grow, box[3] + grow])
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (lo - a) / d, (hi - a) / d  # (m, 2): where each slab is entered and left
    flat = d == 0  # parallel to a slab: inside it for every t, or never
    inside = (a >= lo) & (a <= hi)
    t_in = np.where(flat, np.where(inside, -np.inf, np.inf), np.minimum(t1, t2))
    t_out = np.where(flat, np.where(inside, np.inf, -np.inf), np.maximum(t1, t2))
    enter, leave = np.maximum(t_in.max(axis=1), 0.0), np.minimum(t_out.min(axis=1), 1.0)
    return enter <= leave
