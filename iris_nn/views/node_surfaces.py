"""What each unit computes, as a surface over the decision-regions plane: the first hidden layer's
units (their activations), each class's raw output, and each class's SoftMax probability.

For the lesson's network this is the whole story in one picture: two ReLU units bend the plane,
each raw output adds the bent surfaces up with its weights, and SoftMax turns the raw outputs into
probability surfaces that add up to 1 everywhere. Any other inputs stay at their training median.
Every panel is titled with its formula, numbers filled in (at most 4 terms, then "+ k more"); each
row of panels shares one colour scale, shown by its colour bar. A formula on the inputs is written
in the units of the axes: the run's scaling ``(x - center) / scale`` is folded into the weights
(``w / scale``) and the bias (``b - sum of w * center / scale``), so the axis values plugged into
the title give the panel's value.

All panels are drawn on one canvas measured in inches (one axes over the whole figure): twenty
axes with their own ticks would cost several times the drawing itself, so the few ticks needed
(left column and bottom row of each group) are drawn by hand. For a room (``plots.style`` talk or
dark) the canvas is laid out again, not scaled: 1920 pixels wide, text of the style's sizes, three
panels to a line and at most six hidden units, every distance grown with the text (``Look``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextToPath
from matplotlib.ticker import MaxNLocator

from iris_nn.core.functional import Array, softmax
from iris_nn.store.model_file import Model
from iris_nn.views.network_layout import unit_name
from iris_nn.views.presentation import PlotStyle, font_size, get_style
from iris_nn.views.run_view import RunView
from iris_nn.views.style import DPI, sample_rows, sampled_note, sweep_range, title

MAX_UNITS = 8  # first-layer units drawn: those with the largest outgoing weights
MAX_CLASSES = 10
MAX_TERMS = 4  # terms of a formula written out; the rest are "+ k more"
GRID = 120  # points per side of a surface: a cell is about 2 pixels, so no smoothing is needed
# (smoothed images cost a quarter more to draw and twice the bytes)
PT = 7.5  # panel titles, ticks and labels
MIN_SIDE, MAX_SIDE = 1.2, 2.3  # a panel's width, inches
MAX_HEIGHT = (10.5, 13.5)  # inches, for at most 4 lines of panels, and for more
NBSP = "\u00a0"  # keeps a coefficient and its input on one line when a title wraps

# name, caption, what a value is, colour map: the rows of panels, top to bottom
ROWS = (
    ("hidden", "First hidden layer: each unit's activation", "activation", "RdBu"),
    ("raw", "Raw outputs: each class's score, before SoftMax", "raw output", "RdBu"),
    ("softmax", "SoftMax probabilities: at every point they add up to 1", "probability", "viridis"),
)


@dataclass(frozen=True)
class Look:
    """The figure's text sizes (points) and room for one ``plots.style``; ``k`` grows every
    distance set by the text (paper: 1)."""

    pt: float = PT  # panel titles, ticks and labels
    caption: float = 9.0  # each row's caption
    k: float = 1.0  # distances between and round the panels, times this
    line: float = 1.0  # line widths times this
    page: float | None = None  # inches wide, exactly; None: the panels' own width
    columns: int = 0  # panels to a line at most; 0: paper's 4 hidden units or 5 classes
    units: int = MAX_UNITS  # first-layer units drawn

    @classmethod
    def of(cls, style: PlotStyle | None) -> Look:
        """Return the look of ``style`` (paper's when None or paper)."""
        if style is None or style.width_px is None:
            return cls()
        pt = font_size(PT, style)
        return cls(pt, font_size(9.0, style), pt / PT, 2.0, style.width_px / DPI, 3, 6)


@dataclass(frozen=True)
class Panel:
    """One surface: its values over the grid and its title; panels of a ``row`` share a scale."""

    values: Array  # (GRID, GRID), or (1, GRID) for a one-input model
    heading: str
    row: str  # "hidden", "raw" or "softmax"


def _number(x: float) -> str:
    """Return ``|x|`` with 2 decimals, or 2 significant digits when that would print ``0.00``
    (a weight on a feature measured in hundreds, folded, is small but not zero)."""
    return f"{abs(x):.2f}" if abs(x) >= 0.005 or x == 0 else f"{abs(x):.2g}"


def formula(
    weights: Array,
    names: Sequence[str],
    bias: float,
    wrap: bool = False,
    strength: Array | None = None,
) -> str:
    """Return ``1.32 petal_width - 2.10 sepal_width + 0.41``: the 4 largest terms in input order,
    then ``+ k more`` for the others, then the bias. With ``wrap``, the spaces inside a term are
    no-break spaces, so that a line break falls only between terms. ``strength`` (one per term)
    chooses the terms kept instead of the weights' sizes: a folded weight's size depends on its
    input's unit."""
    size = np.abs(weights) if strength is None else np.abs(strength)
    keep = np.sort(np.argsort(-size, kind="stable")[:MAX_TERMS])
    parts = []
    for k, j in enumerate(keep):
        w = float(weights[j])
        sign = ("-" if w < 0 else "") if k == 0 else ("-" if w < 0 else "+") + NBSP
        parts.append(f"{sign}{_number(w)}{NBSP}{names[j]}")
    if len(weights) > len(keep):
        parts.append(f"+{NBSP}{len(weights) - len(keep)}{NBSP}more")
    parts.append(f"{'-' if bias < 0 else '+'}{NBSP}{_number(bias)}")
    return " ".join(parts).replace(NBSP, " ") if not wrap else " ".join(parts)


def raw_units(model: Model, W: Array, b: Array) -> tuple[Array, Array]:
    """Return the first layer's ``W`` (n_features, n_units) and ``b`` (n_units,) folded so that
    they act on raw measurements: ``w / scale`` and ``b - sum of w * center / scale``."""
    center, scale = model.scaler.center, model.scaler.scale
    W_raw = W / scale[:, None]  # (n_features, n_units)
    return W_raw, b - center @ W_raw


def surfaces(
    model: Model, Xg: Array, shape: tuple[int, int], units: int = MAX_UNITS
) -> tuple[list[Panel], int]:
    """Return the panels over the grid rows ``Xg`` (raw measurements) and how many classes.

    One pass through the network gives every panel: the activations of the first hidden layer's
    (at most 8, or ``units``) units with the largest outgoing weights, then each class's raw output and SoftMax
    probability (the first 10 classes).
    """
    net, features, classes = model.net, model.features, model.classes
    zs, activations = net.forward_layers(model.scale_inputs(Xg))
    P = softmax(zs[-1] / model.temperature)  # (points, n_classes)
    n_hidden, last = len(net.hidden), net.n_layers
    panels = []
    if n_hidden:
        W1, b1 = raw_units(model, net.W(1), net.b(1))
        strength = np.abs(net.W(2)).sum(axis=1)  # (hidden_1,): each unit's outgoing weights
        for u in np.sort(np.argsort(-strength, kind="stable")[:units]):
            inside = formula(W1[:, u], features, float(b1[u]), True, net.W(1)[:, u])
            heading = f"{unit_name(1, int(u), n_hidden)}{NBSP}={NBSP}{net.activation}({inside})"
            panels.append(Panel(activations[1][:, u].reshape(shape), heading, "hidden"))
        inputs = [unit_name(last - 1, j, n_hidden) for j in range(net.sizes[-2])]
    else:
        inputs = list(features)
    n_classes = min(len(classes), MAX_CLASSES)
    W_out, b_out = (net.W(last), net.b(last)) if n_hidden else raw_units(model, net.W(1), net.b(1))
    W_out, b_out = W_out / model.temperature, b_out / model.temperature  # as the panels are drawn
    for k in range(n_classes):
        weighed = formula(W_out[:, k], inputs, float(b_out[k]), True, net.W(last)[:, k])
        heading = f"{classes[k]}{NBSP}={NBSP}{weighed}"
        panels.append(Panel((zs[-1][:, k] / model.temperature).reshape(shape), heading, "raw"))
    for k in range(n_classes):
        panels.append(Panel(P[:, k].reshape(shape), f"p({classes[k]}) by SoftMax", "softmax"))
    return panels, n_classes


def _limits(panels: Sequence[Panel], row: str) -> tuple[float, float]:
    """Return a row's shared scale: 0..1 for probabilities, else symmetric about 0 (white)."""
    if row == "softmax":
        return 0.0, 1.0
    span = max(float(np.abs(p.values).max()) for p in panels)
    return (-span, span) if span > 0 else (-1.0, 1.0)


def _wrap(text: str, inches: float, pt: float = PT) -> str:
    """Return ``text`` broken between terms to fit ``inches`` at the panel font size.

    Widths are measured in the font; a term too long for a line on its own (an input such as
    ``od280_od315_of_diluted_wines``) breaks after an underscore.
    """
    font = FontProperties(size=pt)

    def fits(line: str) -> bool:
        shown = line.replace(NBSP, " ")
        return TextToPath().get_text_width_height_descent(shown, font, False)[0] <= inches * 72

    pieces: list[tuple[str, str]] = []  # (text, what joins it to the piece before)
    for word in text.split(" "):
        joiner = " "
        while not fits(word) and "_" in word[:-1]:
            cuts = [k + 1 for k, c in enumerate(word[:-1]) if c == "_" and fits(word[: k + 1])]
            cut = cuts[-1] if cuts else word.index("_") + 1
            pieces.append((word[:cut], joiner))
            word, joiner = word[cut:], ""
        pieces.append((word, joiner))
    lines: list[str] = []
    for piece, joiner in pieces:
        if lines and fits(lines[-1] + joiner + piece):
            lines[-1] += joiner + piece
        else:
            lines.append(piece)
    return "\n".join(lines).replace(NBSP, " ")


def _ticks(lo: float, hi: float) -> Array:
    return np.array([t for t in MaxNLocator(nbins=4).tick_values(lo, hi) if lo <= t <= hi])


@dataclass(frozen=True)
class Box:
    """A panel's place on the canvas, inches: lower-left corner and size."""

    x: float
    y: float
    w: float
    h: float


def _axis_ticks(
    ax: Axes, box: Box, lo: float, hi: float, vertical: bool, name: str, look: Look
) -> None:
    """Draw hand-made ticks and an axis label along the left (vertical) or bottom of ``box``.

    A vertical label stands clear of the widest tick label (``1600`` is wider than ``4``).
    """
    pt, k, lw = look.pt, look.k, 0.6 * look.line
    font = FontProperties(size=pt)
    widest = max(
        TextToPath().get_text_width_height_descent(f"{t:g}", font, False)[0] / 72
        for t in _ticks(lo, hi)
    )
    for t in _ticks(lo, hi):
        f = (t - lo) / (hi - lo)
        if vertical:
            y = box.y + f * box.h
            ax.plot([box.x - 0.04 * k, box.x], [y, y], color="black", lw=lw)
            ax.text(box.x - 0.06 * k, y, f"{t:g}", ha="right", va="center", fontsize=pt)
        else:
            x = box.x + f * box.w
            ax.plot([x, x], [box.y - 0.04 * k, box.y], color="black", lw=lw)
            ax.text(x, box.y - 0.06 * k, f"{t:g}", ha="center", va="top", fontsize=pt)
    if vertical:
        ax.text(
            box.x - max(0.36 * k, (0.06 + 0.1) * k + widest),
            box.y + box.h / 2,
            name,
            ha="center",
            va="center",
            fontsize=pt,
            rotation=90,
        )
    else:
        ax.text(box.x + box.w / 2, box.y - 0.22 * k, name, ha="center", va="top", fontsize=pt)


def _colour_bar(ax: Axes, box: Box, cmap: Colormap, lo: float, hi: float, look: Look) -> None:
    """Draw a vertical colour bar from ``lo`` to ``hi`` in ``box``, with a few labelled values."""
    gradient = np.linspace(lo, hi, 256)[:, None]
    ax.imshow(
        gradient,
        extent=(box.x, box.x + box.w, box.y, box.y + box.h),
        origin="lower",
        aspect="auto",
        cmap=cmap,
        norm=Normalize(lo, hi),
        interpolation="bilinear",
    )
    k, lw = look.k, 0.6 * look.line
    ax.add_patch(Rectangle((box.x, box.y), box.w, box.h, fill=False, lw=lw))
    for t in _ticks(lo, hi):
        y = box.y + (t - lo) / (hi - lo) * box.h
        ax.plot([box.x + box.w, box.x + box.w + 0.04 * k], [y, y], color="black", lw=lw)
        ax.text(box.x + box.w + 0.06 * k, y, f"{t:g}", ha="left", va="center", fontsize=look.pt)


def node_surfaces_figure(view: RunView, plane: tuple[int, int] | None = None) -> Figure:
    """Return every first-layer hidden unit, raw output and SoftMax probability as a surface.

    The surfaces span ``plane``, the inputs on the x and y axes (by default the decision-regions
    plane), with the other inputs at their training median; a one-input model draws curves along
    its input instead. The training rows are drawn on top (at most ``MAX_SCATTER``: a sample that
    keeps each class's share). The layout is the view's ``plots.style``'s (``Look``).
    """
    look = Look.of(get_style(view.style))
    pt, k = look.pt, look.k
    model, X, y, train = view.run.model, view.X, view.y, view.run.split.train
    median, run_name, label, noun = view.training.median, view.name, view.info.label, view.info.noun
    features = model.features
    if plane is None:
        plane = view.plane()  # numeric inputs only: a column=value input is never swept
    i, j = plane
    flat = i == j  # curves along the one input, not surfaces
    kept = np.isfinite(X).all(axis=1)  # rows a CSV dropped for a missing cell are NaN
    (x0, x1) = sweep_range(X[kept, i], 0.05)
    (y0, y1) = (0.0, 1.0) if flat else sweep_range(X[kept, j], 0.05)
    gx, gy = np.linspace(x0, x1, GRID), np.linspace(y0, y1, 1 if flat else GRID)
    Xg = np.tile(median, (len(gx) * len(gy), 1))  # (points, n_features)
    Xg[:, i] = np.tile(gx, len(gy))
    if not flat:
        Xg[:, j] = np.repeat(gy, len(gx))
    panels, n_classes = surfaces(model, Xg, (len(gy), len(gx)), look.units)

    # ------------------------------------------------------------------ the canvas, in inches
    rows = [r for r in ROWS if any(p.row == r[0] for p in panels)]
    n_hidden = sum(p.row == "hidden" for p in panels)
    n_cols = max(min(n_hidden, look.columns or 4), min(n_classes, look.columns or 5))
    lines = [
        (name, [p for p in panels if p.row == name][k : k + n_cols])
        for name, *_ in rows
        for k in range(0, sum(p.row == name for p in panels), n_cols)
    ]
    # x ticks go under the lowest panel of each column only: every panel shares the plane
    lowest = [max(n for n, (_, ps) in enumerate(lines) if len(ps) > c) for c in range(n_cols)]
    ticked = [n in lowest for n in range(len(lines))]
    gap, left, right, top, bottom = 0.3 * k, 0.75 * k, 1.05 * k, 0.8 * k, 0.4 * k
    space = 0.3 * k  # between panels
    if look.page is None:
        w = float(np.clip(10.6 / n_cols - 0.3, MIN_SIDE, MAX_SIDE))
    else:  # exactly the page's width: a room's figure is laid out at its size, not scaled
        w = (look.page - left - right) / n_cols - space
    while True:  # as wide as the page allows, then narrower until it is short enough
        h = w * (0.4 if flat else 0.8)
        heads = {id(p): _wrap(p.heading, w + 0.1 * k, pt) for p in panels}
        line_h = [
            h
            + (0.5 * k if ticked[n] else 0.1 * k)
            + 0.05 * k
            + 0.13 * k * max(heads[id(p)].count("\n") + 1 for p in ps)
            for n, (_, ps) in enumerate(lines)
        ]
        height = top + sum(line_h) + gap * len(rows) + bottom
        if look.page is not None or height <= MAX_HEIGHT[len(lines) > 4] or w <= MIN_SIDE:
            break
        w = max(w - 0.1, MIN_SIDE)
    width = left + n_cols * (w + space) + right
    fig = Figure(figsize=(width, height), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()

    # ------------------------------------------------------------------ panels, line by line
    drawn = sample_rows(train, y)
    train_x, train_y = X[drawn, i], X[drawn, j]
    dots: list[Array] = []  # (n_rows, 2) canvas positions of the training rows, per panel
    cursor = height - top
    for name, caption, value, cmap_name in rows:
        cmap = colormaps[cmap_name]
        lo, hi = _limits([p for p in panels if p.row == name], name)
        if flat:  # curves: 5% of room above and below, and the values on a tick axis instead
            lo, hi = lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)
        elif name == "hidden":
            caption += (
                " (white = 0: the unit is off there)"
                if model.net.activation in ("relu", "leaky_relu")
                else " (white = 0)"
            )
        cursor -= gap
        ax.text(
            left,
            cursor + 0.02 * k,
            caption,
            ha="left",
            va="bottom",
            fontsize=look.caption,
            fontweight="bold",
        )
        boxes = []
        for n, (line_row, line) in enumerate(lines):
            if line_row != name:
                continue
            y_box = cursor - line_h[n] + (0.5 * k if ticked[n] else 0.1 * k)
            for c, p in enumerate(line):
                box = Box(left + c * (w + space), y_box, w, h)
                boxes.append(box)
                u = box.x + (train_x - x0) / (x1 - x0) * w  # the training rows on this panel
                if flat:
                    curve = box.y + (p.values[0] - lo) / (hi - lo) * h
                    ax.plot(
                        box.x + (gx - x0) / (x1 - x0) * w,
                        curve,
                        color="#333333",
                        lw=1.4 * look.line,
                    )
                    ax.plot(
                        u,
                        np.full(len(u), box.y + 0.03 * k),
                        "|",
                        color="#555555",
                        alpha=0.35,
                        ms=4 * k,
                    )
                else:
                    extent = (box.x, box.x + w, box.y, box.y + h)
                    ax.imshow(
                        p.values,
                        extent=extent,
                        origin="lower",
                        aspect="auto",
                        interpolation="nearest",
                        cmap=cmap,
                        norm=Normalize(lo, hi),
                    )
                    dots.append(np.column_stack([u, box.y + (train_y - y0) / (y1 - y0) * h]))
                ax.add_patch(
                    Rectangle((box.x, box.y), w, h, fill=False, lw=0.6 * look.line, zorder=3)
                )
                ax.text(
                    box.x, box.y + h + 0.05 * k, heads[id(p)], ha="left", va="bottom", fontsize=pt
                )
                if c == 0:
                    if flat:
                        _axis_ticks(ax, box, lo, hi, True, value, look)
                    else:
                        _axis_ticks(ax, box, y0, y1, True, label(features[j]), look)
                if ticked[n] and lowest[c] == n:
                    _axis_ticks(ax, box, x0, x1, False, label(features[i]), look)
            cursor -= line_h[n]
        if not flat:
            low, high = min(b.y for b in boxes), max(b.y for b in boxes) + h
            bar = Box(width - right + 0.2 * k, low, 0.12 * k, high - low)
            _colour_bar(ax, bar, cmap, lo, hi, look)
    if dots:
        xy = np.concatenate(dots)
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=4 * k * k,
            c="white",
            edgecolors="black",
            linewidths=0.3 * look.line,
            alpha=0.6,
            zorder=2,
        )
    # ------------------------------------------------------------------ the key
    hidden = model.net.hidden
    sample = sampled_note(len(drawn), len(train), f"training {noun}s")
    notes = [
        f"{'Ticks along the bottom' if flat else 'Dots'}: {sample or f'the training {noun}s'}."
    ]
    notes.append("Formulas on the raw inputs, in the axes' units (the scaling folded in).")
    if len(hidden) == 1:
        notes.append("h1, h2, ...: the hidden units.")
    elif hidden:
        notes.append("h2_3 = unit 3 of hidden layer 2.")
    if hidden and n_hidden < hidden[0]:
        notes.append(
            f"The {n_hidden} of {hidden[0]} first-layer units with the largest outgoing weights."
        )
    if n_classes < len(model.classes):
        notes.append(f"The first {n_classes} of {len(model.classes)} classes.")
    key = _wrap(
        " ".join(notes).replace(" ", NBSP).replace(f".{NBSP}", ". "), width - left - 0.2, pt
    )
    ax.text(left, 0.12 * k, key, ha="left", va="bottom", fontsize=pt, color="#333333")
    others = " (other inputs at their training median)" if len(features) > 2 else ""
    where = "along the input" if flat else f"over the plane{others}"
    title(fig, f"What each unit computes {where}", run_name)
    if look.page is not None:  # the title grows with the text
        fig.suptitle(fig.get_suptitle(), fontsize=11.0 * k)
    return fig
