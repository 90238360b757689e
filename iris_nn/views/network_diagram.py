"""The network as the lesson draws it: inputs, hidden units, raw outputs, then SoftMax and ArgMax,
with every weight written on its edge and every bias beside its unit.

Units are placed by ``network_layout`` and numbers by ``network_labels``: each weight's number on
its own edge only, strongest edges first. On the right, one example row's raw outputs go through
SoftMax and ArgMax.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from iris_nn.core.functional import Array, activate, argmax_one_hot, softmax
from iris_nn.store.model_file import Model
from iris_nn.views.network_labels import number_edges, text_box, two_decimals, write_boxed
from iris_nn.views.network_layout import (
    BOX_W,
    CHAR_W,
    HEAD,
    MAX_EDGES,
    NEGATIVE,
    POSITIVE,
    SMALL,
    Column,
    R,
    Sizes,
    Taken,
    canvas,
    unit_name,
)
from iris_nn.views.presentation import PlotStyle, font_size
from iris_nn.views.style import class_colour, title


def _glyph(ax: Axes, x: float, y: float, activation: str) -> None:
    """Draw the activation's curve inside a unit, as the lesson draws its bent ReLU line."""
    z = np.linspace(-2.0, 2.0, 41)
    a = activate(activation, z)
    lo, hi = float(a.min()), float(a.max())
    ya = (a - lo) / (hi - lo if hi > lo else 1.0) - 0.5  # -0.5 .. 0.5
    ax.plot(x + z * 0.31 * R, y + ya * 1.1 * R, color="#333333", lw=0.9, zorder=4)


def draw_edges(
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


def draw_units(
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
            write_boxed(ax, backs, box, col.x, above, bias, fontsize=sz.small, color="#222222")
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


def softmax_argmax(
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
    layers = draw_edges(ax, columns, Ws, sz.line)
    draw_units(ax, taken, backs, columns, model, head_y, sz=sz)
    biggest = max(float(np.abs(W).max()) for W in Ws) or 1.0
    lines = np.concatenate(  # (all edges, 5): the ends and half the drawn width, inches
        [np.column_stack([seg, edge_width(w, biggest, sz.line) / 72 / 2]) for seg, w, _ in layers]
    )
    numbered = sum(number_edges(ax, taken, backs, *layer, lines=lines, sz=sz) for layer in layers)
    ax.add_collection(PatchCollection(backs, fc="white", ec="none", alpha=0.9, zorder=5))
    softmax_argmax(ax, model, x_example, columns[-1], c.class_w, head_y, f"{noun} {row}", sz)
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
