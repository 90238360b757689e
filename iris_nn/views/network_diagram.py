"""The network as the lesson draws it: inputs, hidden units, raw outputs, then SoftMax and ArgMax,
with every weight written on its edge and every bias beside its unit.

The canvas is measured in inches (one axes covers the whole figure, one data unit = one inch), so
text sizes in points and distances between units compare directly when numbers are placed: each
weight's number goes to the first spot along its own edge where it overlaps no other text and no
other edge crosses it, strongest edges first; an edge with no such spot goes unnumbered. A layer wider
than 12 units shows the 12 with the largest weights; a layer with more than 60 edges, or with units
left out, writes numbers on its strongest edges only. On the right, one example row's raw outputs
go through SoftMax and ArgMax.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.textpath import TextToPath
from numpy.typing import NDArray

from iris_nn.core.functional import Array, activate, argmax_one_hot, softmax
from iris_nn.store.model_file import Model
from iris_nn.views.presentation import PlotStyle, font_size
from iris_nn.views.style import DPI, class_colour, title

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


def text_box(x: float, y: float, text: str, points: float, ha: str = "center") -> Array:
    """Return the rectangle (x0, y0, x1, y1), padded, that one line of ``text`` at (x, y) covers."""
    w, h = len(text) * points * CHAR_W + 2 * PAD, points / 72 * 1.25 + 2 * PAD
    x0 = {"center": x - w / 2, "left": x - PAD, "right": x - w + PAD}[ha]
    return np.array([x0, y - h / 2, x0 + w, y + h / 2])


def two_decimals(v: float) -> str:
    """Return ``v`` with 2 decimals (a weight or a bias), never as -0.00."""
    text = f"{v:.2f}"
    return "0.00" if text == "-0.00" else text


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


def _glyph(ax: Axes, x: float, y: float, activation: str) -> None:
    """Draw the activation's curve inside a unit, as the lesson draws its bent ReLU line."""
    z = np.linspace(-2.0, 2.0, 41)
    a = activate(activation, z)
    lo, hi = float(a.min()), float(a.max())
    ya = (a - lo) / (hi - lo if hi > lo else 1.0) - 0.5  # -0.5 .. 0.5
    ax.plot(x + z * 0.31 * R, y + ya * 1.1 * R, color="#333333", lw=0.9, zorder=4)


def _write(
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


def _number_edges(
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
                _write(
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


def _edges(
    ax: Axes, columns: Sequence[Column], Ws: Sequence[Array], line: float = 1.0
) -> list[tuple[Array, Array, bool]]:
    """Draw the edges between drawn units; return per layer the edges (x0, y0, x1, y1), their
    weights, and whether the layer is crowded (units left out, or more than 60 edges)."""
    biggest = max(float(np.abs(W).max()) for W in Ws) or 1.0
    layers: list[tuple[Array, Array, bool]] = []
    for i, W in enumerate(Ws):
        a, b = columns[i], columns[i + 1]
        w = W[np.ix_(a.units, b.units)].ravel()  # (shown in * shown out,), row-major
        ya, yb = np.repeat(a.ys, len(b.ys)), np.tile(b.ys, len(a.ys))
        segments = np.column_stack([np.full_like(ya, a.x + R), ya, np.full_like(yb, b.x - R), yb])
        ax.add_collection(
            LineCollection(
                list(segments.reshape(-1, 2, 2)),  # (edges, 2 ends, x y)
                colors=np.where(w >= 0, POSITIVE, NEGATIVE),
                linewidths=edge_width(w, biggest, line),
                alpha=0.75,
                zorder=1,
            )
        )
        crowded = a.left_out > 0 or b.left_out > 0 or W.size > MAX_EDGES
        layers.append((segments, w, crowded))
    return layers


def edge_width(w: Array, biggest: float, line: float = 1.0) -> Array:
    """Return the drawn widths (points) of edges of weights ``w``: thicker = larger."""
    return (0.35 + 2.8 * np.abs(w) / biggest) * line


def _units(
    ax: Axes,
    taken: Taken,
    backs: list[FancyBboxPatch],
    columns: Sequence[Column],
    model: Model,
    head_y: float,
    beside: Callable[[int, int], str] | None = None,
    sz: Sizes | None = None,
) -> None:
    """Draw every column's units with their names or biases, its header, and what is left out.

    ``beside(layer, unit)`` writes the text above a hidden or output unit after its name (its bias
    ``b 0.12`` when None).
    """
    sz = sz or Sizes()
    net, features = model.net, model.features
    L = net.n_layers
    for c, col in enumerate(columns):
        kind = "input" if c == 0 else "output" if c == L else "hidden"
        for unit, yy in zip(col.units, col.ys, strict=True):
            ring = class_colour(int(unit)) if kind == "output" else "#444444"
            face = "#E6E6E6" if kind == "input" else "white"
            lw = 1.8 if kind == "output" else 1.0
            ax.add_patch(Circle((col.x, yy), R, fc=face, ec=ring, lw=lw, zorder=3))
            if kind == "hidden":
                _glyph(ax, col.x, yy, net.activation)
            if kind == "input":
                x_name = col.x - R - 0.07
                ax.text(x_name, yy, features[unit], ha="right", va="center", fontsize=sz.name)
                taken.take(text_box(x_name, yy, features[unit], sz.name, "right"))
                continue
            # hidden units by name, as node_surfaces.png and a layer with units left out need
            tag = f"{unit_name(c, int(unit), L - 1)}  " if kind == "hidden" else ""
            said = beside(c, int(unit)) if beside else f"b {two_decimals(float(net.b(c)[unit]))}"
            bias = f"{tag}{said}"
            above = yy + R + 0.04 + sz.small / 72 * 0.8  # clear of the unit at any text size
            box = text_box(col.x, above, bias, sz.small)
            taken.take(box)
            _write(ax, backs, box, col.x, above, bias, fontsize=sz.small, color="#222222")
        if kind == "input":
            head = "inputs\n(scaled)" if col.size > 1 else "input\n(scaled)"
        elif kind == "output":
            head = "raw outputs"
        else:
            head = f"hidden layer {c}\n{col.size} {net.activation} unit{'s' * (col.size > 1)}"
        ax.text(col.x, head_y, head, ha="center", va="bottom", fontsize=sz.head, fontweight="bold")
        if col.left_out:
            what = {"input": "input", "output": "class", "hidden": "unit"}[kind]
            many = {"input": "inputs", "class": "classes", "unit": "units"}[what]
            note = f"+ {col.left_out} {many if col.left_out > 1 else what} not drawn"
            ax.text(
                col.x,
                col.ys.min() - R - 0.12,
                note,
                ha="center",
                va="top",
                fontsize=sz.small,
                color="#444444",
                style="italic",
            )
            taken.take(text_box(col.x, col.ys.min() - R - 0.2, note, sz.small))


def _softmax_argmax(
    ax: Axes,
    model: Model,
    x_example: Array,
    out: Column,
    class_w: float,
    head_y: float,
    who: str,
    sz: Sizes | None = None,
) -> None:
    """Draw one row's raw outputs going through SoftMax and ArgMax, right of the output units."""
    sz = sz or Sizes()
    classes = model.classes
    z = model.logits(x_example[None, :])[0]  # (n_classes,)
    p = softmax(z)
    hot = argmax_one_hot(p)  # (n_classes,)
    x_name = out.x + R + 0.1
    x_raw = max(x_name + class_w + 0.2, out.x + 0.75)  # headers "raw outputs" and "row 17" apart
    x_box1 = x_raw + sz.arrow_w + 0.12
    x_p = x_box1 + BOX_W + 0.2
    x_box2 = x_p + sz.arrow_w + 0.12
    x_hot = x_box2 + BOX_W + 0.2
    lo, hi = out.ys.min() - R - 0.05, out.ys.max() + R + 0.05
    for x_box, label in ((x_box1, "SoftMax"), (x_box2, "ArgMax")):
        ax.add_patch(
            FancyBboxPatch(
                (x_box, lo),
                BOX_W,
                hi - lo,
                boxstyle="round,pad=0,rounding_size=0.08",
                fc="#F0F0F0",
                ec="#555555",
                lw=1.0,
                zorder=2,
            )
        )
        upright = len(out.units) > 2  # a short box has no room for the word across
        ax.text(
            x_box + BOX_W / 2,
            (lo + hi) / 2,
            label,
            ha="center",
            va="center",
            fontsize=sz.name,
            fontweight="bold",
            rotation=90 if upright else 0,
            zorder=3,
        )
    arrows = (
        (x_raw + sz.arrow_w - 0.1, x_box1),
        (x_box1 + BOX_W, x_p - 0.06),
        (x_p + sz.arrow_w - 0.1, x_box2),
        (x_box2 + BOX_W, x_hot - 0.06),
    )
    for unit, yy in zip(out.units, out.ys, strict=True):
        ax.text(
            x_name,
            yy,
            classes[unit],
            ha="left",
            va="center",
            fontsize=sz.name,
            color=class_colour(int(unit)),
            fontweight="bold",
        )
        ax.text(x_raw, yy, f"{z[unit]:.2f}", ha="left", va="center", fontsize=sz.name)
        ax.text(x_p, yy, f"{p[unit]:.3f}", ha="left", va="center", fontsize=sz.name)
        ax.text(
            x_hot,
            yy,
            str(hot[unit]),
            ha="left",
            va="center",
            fontsize=sz.name,
            fontweight="bold" if hot[unit] else "normal",
        )
        for x0, x1 in arrows:
            ax.add_patch(
                FancyArrowPatch(
                    (x0, yy),
                    (x1, yy),
                    arrowstyle="-|>",
                    mutation_scale=7,
                    lw=0.8,
                    color="#555555",
                    zorder=2,
                )
            )
    for x, head in (
        (x_raw + 0.2, f"{who}:\nraw output"),
        (x_p + 0.22, "probability"),
        (x_hot + 0.05, "one-hot"),
    ):
        ax.text(x, head_y, head, ha="center", va="bottom", fontsize=sz.head)


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


LEFT_OUT_NOTE = (
    "Layers of more than 12 show the 12 units with the largest weights; the others' edges are not "
    "drawn."
)


def network_figure(
    model: Model,
    x_example: Array,
    row: int,
    truth: str,
    run_name: str,
    noun: str = "flower",
    style: PlotStyle | None = None,
) -> Figure:
    """Return the network drawn as the lesson draws it, with its weights and biases.

    Inputs on the left, then each hidden layer (the activation's curve drawn in each unit), then
    one raw output per class; every weight written on its edge (blue positive, red negative,
    width by size) and every bias beside its unit, to 2 decimals. On the right one example row
    goes through SoftMax and ArgMax.

    Parameters
    ----------
    model : Model
        The trained model: its weights, features, classes and activation.
    x_example : ndarray of shape (n_features,)
        One row's raw measurements, for the SoftMax and ArgMax columns.
    row, truth : int, str
        That row's index in the data set and its true class, for the key.
    run_name : str
        Shown in the title.
    noun : str
        What a row is ("flower").
    style : PlotStyle, optional
        ``plots.style``: the text sizes and line widths laid out for (paper's when omitted).
    """
    sz = Sizes.of(style)
    net = model.net
    L = net.n_layers
    Ws = [net.W(i) for i in range(1, L + 1)]  # (n_in, n_out) each
    # the SoftMax and ArgMax columns, then room for the last header, "one-hot"
    right = 2 * (sz.arrow_w + 0.12 + BOX_W + 0.2) + 0.45 * sz.head / HEAD
    wide = sz.small != SMALL  # a room's text: the key's lines wrap, about twice as many
    c = canvas(model, Ws, right, n_notes=7 if wide else 3, sz=sz)
    ax, columns, taken, backs, head_y = c.ax, c.columns, c.taken, c.backs, c.head_y

    # ------------------------------------------------------------------ drawing
    layers = _edges(ax, columns, Ws, sz.line)
    _units(ax, taken, backs, columns, model, head_y, sz=sz)
    biggest = max(float(np.abs(W).max()) for W in Ws) or 1.0
    lines = np.concatenate(  # (all edges, 5): the ends and half the drawn width, inches
        [np.column_stack([seg, edge_width(w, biggest, sz.line) / 72 / 2]) for seg, w, _ in layers]
    )
    numbered = sum(_number_edges(ax, taken, backs, *layer, lines=lines, sz=sz) for layer in layers)
    ax.add_collection(PatchCollection(backs, fc="white", ec="none", alpha=0.9, zorder=5))
    _softmax_argmax(ax, model, x_example, columns[-1], c.class_w, head_y, f"{noun} {row}", sz)
    names = {1: "", 2: "; h3 = hidden unit 3"}.get(L, "; h2_3 = unit 3 of hidden layer 2")
    total = sum(W.size for W in Ws)
    notes = [
        "Edges: blue = positive weight, red = negative, thicker = larger. b = the unit's bias"
        f"{names}. Numbers rounded to 2 decimals; the weights act on the scaled inputs.",
        "Numbers on every weight."
        if numbered == total
        else f"Numbers on {numbered} of the {total} weights: each only where it fits on its own "
        "edge and on no other line (in crowded layers, among the strongest only).",
        f"Right: {noun} {row} (a {truth}) through SoftMax (probabilities adding up to 1) and "
        "ArgMax (1 for the largest, 0 for the rest).",
    ]
    if c.any_left_out:
        notes.insert(2, LEFT_OUT_NOTE.replace("12", str(sz.units)))
    width = c.fig.get_size_inches()[0]
    chars = int((width - 0.5) / (sz.small * CHAR_W * 0.9))  # characters in a line of the key
    key = "\n".join(line for note in notes for line in textwrap.wrap(note, chars))
    ax.text(
        0.25, 0.2, key, ha="left", va="bottom", fontsize=sz.small, color="#333333", linespacing=1.5
    )
    title(c.fig, "The network: weights on the edges, biases beside the units", run_name)
    if style is not None and wide:  # the title grows with the text
        c.fig.suptitle(c.fig.get_suptitle(), fontsize=font_size(11.0, style))
    return c.fig
