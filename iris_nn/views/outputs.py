"""The figures of what a trained network outputs: SoftMax probability curves, the confusion
matrix, and raw outputs to SoftMax to ArgMax for single rows (the decision regions are in
``views.regions``).

``info`` is the data set (``DatasetInfo``): axis labels with units, and the words for a row and its
class (``flower``, ``species``); without it the figures say ``row`` and ``class``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from iris_nn.core.functional import Array, argmax_one_hot, softmax
from iris_nn.data.categorical import Layout
from iris_nn.data.datasets import DatasetInfo
from iris_nn.store.model_file import Model
from iris_nn.views import style
from iris_nn.views.run_view import RunView
from iris_nn.views.style import (
    MAX_CLASSES_SHOWN,
    MAX_FEATURE_PANELS,
    article,
    class_colour,
    legend_columns,
    new_figure,
    probabilities,
    sample_rows,
    sweep_range,
    title,
)

Labels = NDArray[np.intp]
SWEEP_POINTS = 300  # per probability curve: smooth at 150 dpi, cheap to evaluate
OTHERS_COLOUR = "#888888"  # the classes beyond the ten shown, together


def _words(info: DatasetInfo | None, model: Model) -> tuple[str, str, str]:
    """Return what a row is, its plural and the class column's name, for text."""
    if info is None:
        return "row", "rows", model.target.replace("_", " ")
    return info.noun, info.nouns, info.target.replace("_", " ")


def _winner_image(P: Array, alpha: float) -> Array:
    """Return an RGBA row (1, n, 4) coloured by the ArgMax class of each row of ``P``."""
    rgb = np.array([to_rgb(class_colour(k)) for k in range(P.shape[1])])
    image = np.empty((1, len(P), 4))
    image[0, :, :3] = rgb[P.argmax(axis=1)]
    image[0, :, 3] = alpha
    return image


def panel_columns(layout: Layout, ranking: Sequence[int]) -> list[tuple[str, slice]]:
    """Return the original columns that get a panel, each with its encoded inputs' slice.

    A text column is one panel (its bars), never one per ``column=value`` input: all columns (in
    order) up to eight, else the eight whose inputs move the probabilities most (most first).
    """
    blocks = layout.blocks()
    if len(blocks) <= MAX_FEATURE_PANELS:
        return blocks
    place = {j: n for n, j in enumerate(ranking)}
    by_influence = sorted(blocks, key=lambda b: min(place[j] for j in range(b[1].start, b[1].stop)))
    return by_influence[:MAX_FEATURE_PANELS]


def _short(text: str, most: int = 14) -> str:
    """Return ``text`` cut to ``most`` characters (an ellipsis when cut), for a tick label."""
    return text if len(text) <= most else text[: most - 1] + "\u2026"


def _bars(
    ax: Axes, P: Array, values: Sequence[str], curves: Sequence[int], others: Sequence[int]
) -> None:
    """Draw one text column's panel: per value, its classes' probabilities stacked to 1."""
    x = np.arange(len(values))
    bottom = np.zeros(len(values))
    stacks = [(class_colour(k), P[:, k]) for k in curves]
    if others:
        stacks.append((OTHERS_COLOUR, P[:, list(others)].sum(axis=1)))
    for colour, heights in stacks:
        ax.bar(x, heights, bottom=bottom, width=0.8, color=colour, edgecolor="white", lw=0.3)
        bottom += heights
    size = 8 if len(values) <= 12 else 7
    ax.set_xticks(x, [_short(v) for v in values], fontsize=size)
    if len(values) > 4 or max(len(v) for v in values) > 6:
        ax.tick_params(axis="x", labelrotation=90)
    ax.set_xlim(-0.6, len(values) - 0.4)
    ax.set_ylim(0.0, 1.03)


def _grid_shape(n: int) -> tuple[int, int]:
    return {1: (1, 1), 2: (1, 2), 3: (1, 3), 4: (2, 2), 5: (2, 3), 6: (2, 3)}.get(n, (2, 4))


def probability_curves_figure(view: RunView) -> Figure:
    """Return one panel per input feature: the SoftMax probability of each class along it.

    Each feature is swept a little beyond its observed range while the others stay at their
    training median; the ArgMax winner is shaded behind the curves and the training rows are
    marked below the axis, one row of ticks per class. With more than eight features, the eight
    that move the probabilities most get a panel; with more than ten classes, the ten that reach
    the highest probability get a curve and the others one grey curve together.
    """
    model, X, y, split, info = view.run.model, view.X, view.y, view.run.split, view.info
    median, ranking, run_name = view.training.median, view.ranking, view.name
    features, classes = model.features, model.classes
    _, nouns, target = _words(info, model)
    label = info.label
    train = split.train
    layout = view.layout
    shown = panel_columns(layout, ranking)
    rows, cols = _grid_shape(len(shown))
    sweeps: list[tuple[str, int, Array | None, Array]] = []
    for column, block in shown:
        j = block.start
        if column in layout.categories:  # never swept: the probabilities at each of its values
            Xs = np.tile(median, (block.stop - j, 1))  # (n_values, n_features)
            Xs[:, block] = np.eye(block.stop - j)
            sweeps.append((column, j, None, probabilities(model, Xs)))
            continue
        lo, hi = sweep_range(X[:, j][train])
        along = np.linspace(lo, hi, SWEEP_POINTS)
        Xs = np.tile(median, (SWEEP_POINTS, 1))  # (points, n_features)
        Xs[:, j] = along
        sweeps.append((column, j, along, probabilities(model, Xs)))  # P: (points, n_classes)
    n_classes = len(classes)
    if n_classes > MAX_CLASSES_SHOWN:
        peak = np.max([P.max(axis=0) for *_, P in sweeps], axis=0)
        curves = sorted(np.argsort(-peak, kind="stable")[:MAX_CLASSES_SHOWN].tolist())
    else:
        curves = list(range(n_classes))
    others = [k for k in range(n_classes) if k not in curves]
    marked = sample_rows(train, y)
    rug_rows = len(curves) + (1 if others else 0)
    rug_step = min(0.055, 0.3 / rug_rows)
    width = max((4.3 if cols <= 3 else 3.3) * cols + 0.2, 7.0)
    labels = [classes[k] for k in curves] + [f"{len(others)} others"] * bool(others)
    labels += ["shade: ArgMax winner", f"training {nouns}"]
    columns = legend_columns(labels, width)
    legend_rows = -(-len(labels) // columns)
    bars = any(g is None for _, _, g, _ in sweeps)  # rotated value names need room below
    fig = new_figure(width, (3.9 if bars else 3.1) * rows + 0.8 + 0.2 * legend_rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes[len(shown) :]:
        ax.set_visible(False)
    for n, (ax, (column, j, swept, P)) in enumerate(zip(axes, sweeps, strict=False)):
        if n % cols == 0:
            ax.set_ylabel("SoftMax probability")
        if swept is None:
            _bars(ax, P, layout.categories[column], curves, others)
            ax.set_xlabel(column.replace("_", " "), fontsize=9 if cols > 3 else 10)
            ax.tick_params(axis="y", labelsize=8 if cols > 3 else 9)
            ax.grid(True, axis="y", alpha=0.3, lw=0.5)
            continue
        grid = swept
        lo, hi = grid[0], grid[-1]
        ax.imshow(
            _winner_image(P, 0.16),
            extent=(lo, hi, 0.0, 1.0),
            aspect="auto",
            interpolation="nearest",
            zorder=0,
        )
        for r, k in enumerate(curves):
            ax.plot(grid, P[:, k], color=class_colour(k), lw=2.0, zorder=2)
            x_k = X[marked][y[marked] == k, j]
            ax.plot(x_k, np.full(len(x_k), -rug_step * (r + 1)), "|", color=class_colour(k), ms=6)
        if others:
            ax.plot(grid, P[:, others].sum(axis=1), color=OTHERS_COLOUR, lw=1.5, ls="--", zorder=2)
            x_o = X[marked][np.isin(y[marked], others), j]
            ax.plot(x_o, np.full(len(x_o), -rug_step * rug_rows), "|", color=OTHERS_COLOUR, ms=6)
        ax.set_xlim(lo, hi)
        ax.set_ylim(-rug_step * (rug_rows + 0.8), 1.03)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.axhline(0, color="#444444", lw=0.6)
        ax.set_xlabel(label(features[j]), fontsize=9 if cols > 3 else 10)
        ax.tick_params(labelsize=8 if cols > 3 else 9)
        ax.grid(True, axis="y", alpha=0.3, lw=0.5)
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=class_colour(k), lw=2, label=classes[k]) for k in curves
    ]
    if others:
        handles.append(
            Line2D([], [], color=OTHERS_COLOUR, lw=1.5, ls="--", label=f"{len(others)} others")
        )
    handles += [
        Patch(color="#999999", alpha=0.35, label="shade: ArgMax winner"),
        Line2D([], [], color="#444444", marker="|", ls="", ms=7, label=f"training {nouns}"),
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=columns,
        fontsize=8,
        frameon=False,
    )
    n = len(layout.columns)
    what = "SoftMax probability along each input"
    if n > MAX_FEATURE_PANELS:
        what = (
            f"SoftMax probability along the {len(shown)} of {n} inputs that move it most "
            "(others at their training median)"
        )
    elif n > 1:
        others_text = "the other feature at its" if n == 2 else "the other features at their"
        what += f" ({others_text} training median)"
    notes = [style.sampled_note(len(marked), len(train), f"training {nouns}")]
    if bars:
        notes.append(
            "A text column's bars: the probabilities at each of its values (stacked to 1); "
            "held elsewhere at its most frequent value"
        )
    if others:
        notes.append(f"{n_classes} {target} classes: the {len(curves)} most probable drawn")
    what += "".join(f"\n{note}" for note in notes if note)
    title(fig, what, run_name)
    return fig


# ----------------------------------------------------------------------------- confusion matrix


def confusion_matrix_figure(
    matrix: Array, classes: Sequence[str], run_name: str, info: DatasetInfo | None = None
) -> Figure:
    """Return the test confusion matrix: rows the true class, columns the ArgMax prediction.

    Up to six classes each cell shows its count and its share of the row; up to twenty, its
    count; beyond, the shade alone (with a colour bar).
    """
    M = np.asarray(matrix, dtype=int)  # (n_classes, n_classes)
    n = M.shape[0]
    nouns = info.nouns if info else "rows"
    target = info.target.replace("_", " ") if info else "class"
    longest = max((len(c) for c in classes), default=1)
    side = (0.42 if n <= 10 else 0.32) * n + 0.07 * min(longest, 24)
    fig = new_figure(max(5.0, side + 2.2), max(4.6, side + 1.8))
    ax = fig.subplots()
    # A light grey at most, so black counts stay readable on the fullest cells.
    image = ax.imshow(M, cmap="Greys", vmin=0, vmax=max(int(M.max()), 1) * 2.5)
    totals = M.sum(axis=1)
    if n <= 20:
        for t in range(n):
            for p in range(n):
                if n > 6 and not M[t, p]:
                    continue  # beyond six classes, empty cells stay empty: the counts stand out
                share = f"\n{M[t, p] / totals[t]:.0%} of row" if M[t, p] and n <= 6 else ""
                ax.text(
                    p,
                    t,
                    f"{M[t, p]}{share}",
                    ha="center",
                    va="center",
                    fontsize=(10 if t == p else 9) if n <= 6 else 7,
                    fontweight="bold" if t == p else "normal",
                    color="black",
                )
    else:
        bar = fig.colorbar(image, ax=ax, shrink=0.6)
        bar.set_label("rows (darker = more)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    font = 10 if n <= 6 else 8 if n <= 12 else 7
    vertical = n > 6 or longest * n > 40
    ax.set_xticks(range(n), classes, fontsize=font, rotation=90 if vertical else 0)
    ax.set_yticks(range(n), classes, fontsize=font)
    if n <= 8:  # the first eight class colours are dark enough for text
        for k, label in enumerate(ax.get_xticklabels()):
            label.set_color(class_colour(k))
        for k, label in enumerate(ax.get_yticklabels()):
            label.set_color(class_colour(k))
    ax.set_xlabel(f"predicted {target} (ArgMax)")
    ax.set_ylabel(f"true {target}")
    ax.tick_params(length=0)
    total, right = int(M.sum()), int(np.trace(M))
    accuracy = f"{right}/{total} right ({right / total:.1%})" if total else f"no test {nouns}"
    title(fig, f"Confusion matrix on the test {nouns}: {accuracy}", run_name)
    return fig


# ----------------------------------------------------------------------------- SoftMax / ArgMax

MAX_EXAMPLES = 5  # rows of the SoftMax figure beyond three classes: each row is three panels
MAX_BARS = 10  # classes per bar chart: the largest raw outputs


def softmax_argmax_figure(
    model: Model,
    X: Array,
    y: Labels,
    rows: Sequence[int],
    run_name: str,
    info: DatasetInfo | None = None,
) -> Figure:
    """Return the lesson's three steps for each row in ``rows``: raw outputs, SoftMax, ArgMax.

    One line of panels per row (at most ``MAX_EXAMPLES`` beyond three): the network's raw output
    for each class, SoftMax turning them into probabilities between 0 and 1 that add up to 1, and
    ArgMax picking the largest as a one-hot [1, 0, 0]-style answer. With more than ten classes,
    the ten largest raw outputs of each row get a bar.
    """
    classes, features = model.classes, model.features
    noun, _, target = _words(info, model)
    label = info.label if info else str
    rows = list(rows)
    cut = len(rows) > 3 and len(rows) > MAX_EXAMPLES
    rows = rows[:MAX_EXAMPLES] if cut else rows
    Z = model.logits(X[rows])  # (n_rows, n_classes)
    P = softmax(Z)
    H = argmax_one_hot(P)
    n_bars = min(len(classes), MAX_BARS)
    vertical = n_bars > 4  # the numbers above the bars stand on end
    # class names stand on end when they would not fit side by side under a 2.9-inch panel
    on_end = sum(sorted((len(c) for c in classes), reverse=True)[:n_bars]) > 30
    per_row = 2.0 if len(rows) <= 3 else 1.75
    fig = new_figure(9.5, 1.1 + per_row * max(len(rows), 1) + (0.3 if vertical else 0))
    axes = fig.subplots(max(len(rows), 1), 3, squeeze=False)
    span = float(np.abs(Z).max()) if Z.size else 1.0
    pos = np.arange(n_bars)
    for r, row in enumerate(rows):
        ax_z, ax_p, ax_h = axes[r]
        shown = np.argsort(-Z[r], kind="stable")[:n_bars] if len(classes) > n_bars else pos
        shown = np.sort(shown)
        colours = [class_colour(int(k)) for k in shown]
        names = [classes[k] for k in shown]
        truth = classes[y[row]]
        ax_z.bar(pos, Z[r, shown], color=colours, edgecolor="black", lw=0.5)
        ax_z.axhline(0, color="black", lw=0.6)
        ax_z.set_ylim(-1.3 * span, 1.3 * span)  # one scale for all rows: sizes compare
        ax_p.bar(pos, P[r, shown], color=colours, edgecolor="black", lw=0.5)
        ax_p.set_ylim(0, 1.25 if not vertical else 1.45)
        ax_h.bar(pos, H[r, shown], color=colours, edgecolor="black", lw=0.5)
        ax_h.set_ylim(0, 1.25 if not vertical else 1.45)
        ax_h.set_yticks([0, 1])
        texts = (
            (ax_z, Z[r, shown], [f"{v:.2f}" for v in Z[r, shown]]),
            # SoftMax is never exactly 0: say so rather than print 0.000.
            (ax_p, P[r, shown], [f"{v:.3f}" if v >= 0.0005 else "<0.001" for v in P[r, shown]]),
            (ax_h, H[r, shown], [str(v) for v in H[r, shown]]),
        )
        for ax, values, labels in texts:
            for k, (v, text) in enumerate(zip(values, labels, strict=True)):
                top = v >= 0
                gap = (0.04 if ax is not ax_z else 0.06 * span) * (1 if top else -1)
                ax.text(
                    k,
                    v + gap,
                    text,
                    ha="center",
                    va="bottom" if top else "top",
                    fontsize=7 if vertical else 8,
                    rotation=90 if vertical else 0,
                )
            ax.set_xticks(pos, names, fontsize=7 if on_end else 8, rotation=90 if on_end else 0)
            ax.tick_params(axis="y", labelsize=7)
        if vertical:
            ax_z.set_ylim(-1.6 * span, 1.6 * span)
        measured = ""
        if len(features) <= 4:
            measured = "\n(" + ", ".join(f"{X[row, j]:g}" for j in range(len(features))) + ")"
        ax_z.set_ylabel(f"row {row}: {article(truth)} {truth}{measured}", fontsize=8)
        guess = classes[int(H[r].argmax())]
        ax_h.yaxis.set_label_position("right")
        ax_h.set_ylabel(
            f"predicts {guess}\n({'right' if guess == truth else 'wrong'})",
            fontsize=8,
            rotation=0,
            ha="left",
            va="center",
        )
        if r == 0:
            top_n = f" (the {n_bars} largest)" if len(classes) > n_bars else ""
            ax_z.set_title(f"Raw outputs (logits){top_n}\n", fontsize=10, loc="left")
            ax_p.set_title(
                "SoftMax: probabilities\nbetween 0 and 1, adding up to 1", fontsize=10, loc="left"
            )
            ax_h.set_title("ArgMax: 1 for the largest,\n0 for the rest", fontsize=10, loc="left")
    each = f"one test {noun} of each {target}"
    if cut:
        each = (
            f"one test {noun} of each of the first {len(rows)} of {len(classes)} {target} classes"
        )
    what = f"From raw outputs to a prediction: {each}"
    if len(features) <= 4:
        what += f"\n(measured {', '.join(label(f) for f in features)})"
    title(fig, what, run_name)
    return fig
