"""The figures of what a trained network outputs: SoftMax probability curves, decision regions,
the confusion matrix, and raw outputs to SoftMax to ArgMax for single rows.

``label`` turns a feature name into its axis label with the unit (the data set registry's
``DatasetInfo.label``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from iris_nn.core.functional import Array, argmax_one_hot, softmax
from iris_nn.data.split import Split
from iris_nn.runs.model_file import Model
from iris_nn.views.style import (
    MISS_COLOUR,
    class_colour,
    class_handles,
    class_marker,
    new_figure,
    probabilities,
    sweep_range,
    title,
)

Labels = NDArray[np.intp]
SWEEP_POINTS = 300  # per probability curve: smooth at 150 dpi, cheap to evaluate
GRID_POINTS = 300  # per side of the decision-region image; imshow smooths the rest


def _winner_image(P: Array, alpha: float) -> Array:
    """Return an RGBA row (1, n, 4) coloured by the ArgMax class of each row of ``P``."""
    rgb = np.array([to_rgb(class_colour(k)) for k in range(P.shape[1])])
    image = np.empty((1, len(P), 4))
    image[0, :, :3] = rgb[P.argmax(axis=1)]
    image[0, :, 3] = alpha
    return image


def probability_curves_figure(
    model: Model,
    X: Array,
    y: Labels,
    split: Split,
    run_name: str,
    label: Callable[[str], str] = str,
) -> Figure:
    """Return one panel per input feature: the SoftMax probability of each class along it.

    Each feature is swept a little beyond its observed range while the others stay at their
    training median; the ArgMax winner is shaded behind the curves and the training flowers are
    marked below the axis, one row of ticks per species.

    Parameters
    ----------
    model : Model
        The trained model.
    X : ndarray of shape (n_samples, n_features)
        All measurements (cm), in the model's feature order.
    y : ndarray of shape (n_samples,)
        The species of each row.
    split : Split
        The run's row indices; the training rows give the medians and the marks.
    run_name : str
        Shown in the title.
    """
    features, classes = model.features, model.classes
    n = len(features)
    rows, cols = (2, 2) if n == 4 else (1, n)
    fig = new_figure(max(4.3 * cols + 0.2, 7.0), 3.1 * rows + 1.0)  # wide enough for the legend
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    train = split.train
    median = np.median(X[train], axis=0)
    rug_step = 0.055
    for j, ax in enumerate(axes):
        lo, hi = sweep_range(X[:, j])
        grid = np.linspace(lo, hi, SWEEP_POINTS)
        Xs = np.tile(median, (SWEEP_POINTS, 1))  # (points, n_features)
        Xs[:, j] = grid
        P = probabilities(model, Xs)  # (points, n_classes)
        ax.imshow(
            _winner_image(P, 0.16),
            extent=(lo, hi, 0.0, 1.0),
            aspect="auto",
            interpolation="nearest",
            zorder=0,
        )
        for k in range(len(classes)):
            ax.plot(grid, P[:, k], color=class_colour(k), lw=2.0, zorder=2)
            x_k = X[train][y[train] == k, j]
            ax.plot(
                x_k,
                np.full(len(x_k), -rug_step * (k + 1)),
                "|",
                color=class_colour(k),
                ms=6,
                mew=1.2,
            )
        ax.set_xlim(lo, hi)
        ax.set_ylim(-rug_step * (len(classes) + 0.8), 1.03)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.axhline(0, color="#444444", lw=0.6)
        ax.set_xlabel(label(features[j]))
        if j % cols == 0:
            ax.set_ylabel("SoftMax probability")
        ax.grid(True, axis="y", alpha=0.3, lw=0.5)
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=class_colour(k), lw=2, label=c) for k, c in enumerate(classes)
    ]
    handles += [
        Patch(color="#999999", alpha=0.35, label="shade: ArgMax winner"),
        Line2D([], [], color="#444444", marker="|", ls="", ms=7, label="training flowers"),
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles) if cols > 1 else 3,
        fontsize=8,
        frameon=False,
    )
    others = "the other feature at its" if n == 2 else "the other features at their"
    what = "SoftMax probability along each input"
    if n > 1:
        what += f" ({others} training median)"
    title(fig, what, run_name)
    return fig


# ----------------------------------------------------------------------------- decision regions


def plane_features(features: Sequence[str], preferred: Sequence[str] = ()) -> tuple[int, int]:
    """Return the columns drawn as the decision plane: the ``preferred`` pair, else the first two."""
    if len(preferred) == 2 and all(f in features for f in preferred):
        return features.index(preferred[0]), features.index(preferred[1])
    return 0, 1


def _shaded_regions(P: Array, shape: tuple[int, ...]) -> Array:
    """Return an RGB image: the ArgMax class colour, paler where SoftMax is less confident."""
    n_classes = P.shape[-1]
    rgb = np.array([to_rgb(class_colour(k)) for k in range(n_classes)])
    winner = P.argmax(axis=-1)
    # 0 where all classes tie (1/K), 1 where the winner is certain.
    confidence = (P.max(axis=-1) - 1 / n_classes) / (1 - 1 / n_classes)
    # Pale at best, so flowers drawn in the same colours stay visible on top.
    strength = (0.08 + 0.42 * confidence)[..., None]
    image = 1 - strength * (1 - rgb[winner])  # blend the class colour with white
    return image.reshape(*shape, 3)


def _confidence_bar(fig: Figure, ax: Axes, n_classes: int) -> None:
    cmap = LinearSegmentedColormap.from_list("confidence", [(0.88, 0.88, 0.88), (0.28, 0.28, 0.28)])
    bar = fig.colorbar(
        ScalarMappable(Normalize(1 / n_classes, 1.0), cmap), ax=ax, shrink=0.6, pad=0.02
    )
    bar.set_label("SoftMax confidence of the winner\n(paler = less sure)", fontsize=8)
    bar.ax.tick_params(labelsize=7)


def _flowers(
    ax: Axes, xs: Array, ys: Array, y: Labels, wrong: NDArray[np.bool_], test: bool
) -> None:
    """Draw flowers in their species' colour and marker (test ones edged black), mistakes ringed."""
    style = {
        "s": 38 if test else 22,
        "edgecolors": "black" if test else "white",
        "linewidths": 0.9 if test else 0.5,
    }
    # Iris repeats measurements across species, so the wrong flowers are drawn again on top:
    # the ringed marker is then the flower that is wrong, not a neighbour hiding it.
    for subset, zorder in ((np.ones(len(y), dtype=bool), 4 if test else 3), (wrong, 6)):
        for k in np.unique(y[subset]):
            m = subset & (y == k)
            ax.scatter(
                xs[m],
                ys[m],
                marker=class_marker(int(k)),
                color=class_colour(int(k)),
                zorder=zorder,
                **style,  # type: ignore[arg-type]
            )
    if wrong.any():
        ax.scatter(
            xs[wrong],
            ys[wrong],
            s=200,
            facecolors="none",
            edgecolors=MISS_COLOUR,
            linewidths=1.5,
            zorder=7,
        )


def decision_regions_figure(
    model: Model,
    X: Array,
    y: Labels,
    split: Split,
    run_name: str,
    label: Callable[[str], str] = str,
    plane: Sequence[str] = (),
) -> Figure:
    """Return the plane of two features coloured by ArgMax class, shaded by SoftMax confidence.

    The plane is the ``plane`` pair when both are inputs, else the first two inputs; any
    other inputs stay at their training median. Training flowers (white edge) and test flowers
    (black edge) are drawn on top; flowers the model gets wrong (with all their measurements) are
    ringed. A one-feature model gets the same as a strip along its axis, one row per species.
    """
    features, classes = model.features, model.classes
    n_classes = len(classes)
    median = np.median(X[split.train], axis=0)
    parts = [(split.train, False), (split.test, True)]
    predicted = probabilities(model, X).argmax(axis=1)
    if len(features) == 1:
        fig = new_figure(8.0, 3.6)
        ax = fig.subplots()
        lo, hi = sweep_range(X[:, 0])
        grid = np.linspace(lo, hi, 4 * GRID_POINTS)[:, None]
        image = _shaded_regions(probabilities(model, grid), (1, len(grid)))
        ax.imshow(
            image, extent=(lo, hi, -0.6, n_classes - 0.4), aspect="auto", interpolation="nearest"
        )
        jitter = np.random.default_rng(0).uniform(-0.22, 0.22, len(y))  # fixed: redraws match
        for rows, test in parts:
            _flowers(
                ax, X[rows, 0], y[rows] + jitter[rows], y[rows], predicted[rows] != y[rows], test
            )
        ax.set_xlim(lo, hi)
        ax.set_ylim(-0.6, n_classes - 0.4)
        ax.set_yticks(range(n_classes), classes)
        ax.set_ylabel("true species")
        ax.set_xlabel(label(features[0]))
        what = "ArgMax species along the only input"
    else:
        fig = new_figure(7.6, 6.0)
        ax = fig.subplots()
        i, j = plane_features(features, plane)
        (x0, x1), (y0, y1) = sweep_range(X[:, i], 0.05), sweep_range(X[:, j], 0.05)
        gx, gy = np.linspace(x0, x1, GRID_POINTS), np.linspace(y0, y1, GRID_POINTS)
        GX, GY = np.meshgrid(gx, gy)
        Xg = np.tile(median, (GX.size, 1))  # (points, n_features)
        Xg[:, i], Xg[:, j] = GX.ravel(), GY.ravel()
        image = _shaded_regions(probabilities(model, Xg), GX.shape)
        # Bilinear smoothing hides the pixel grid; the borders stay where the classes change.
        ax.imshow(
            image, extent=(x0, x1, y0, y1), origin="lower", aspect="auto", interpolation="bilinear"
        )
        for rows, test in parts:
            _flowers(ax, X[rows, i], X[rows, j], y[rows], predicted[rows] != y[rows], test)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel(label(features[i]))
        ax.set_ylabel(label(features[j]))
        what = "ArgMax species over two inputs"
        if len(features) > 2:
            what += " (the others at their training median)"
    _confidence_bar(fig, ax, n_classes)
    handles: list[Line2D | Patch] = list(class_handles(classes, "patch"))
    handles += [
        Line2D([], [], marker="o", ls="", color="#BBBBBB", mec="white", label="train"),
        Line2D([], [], marker="o", ls="", color="#BBBBBB", mec="black", label="test"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="none",
            mec=MISS_COLOUR,
            mew=1.8,
            ms=10,
            label="misclassified",
        ),
    ]
    fig.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False
    )
    title(fig, what, run_name)
    return fig


# ----------------------------------------------------------------------------- confusion matrix


def confusion_matrix_figure(matrix: Array, classes: Sequence[str], run_name: str) -> Figure:
    """Return the test confusion matrix: rows the true species, columns the ArgMax prediction."""
    M = np.asarray(matrix, dtype=int)  # (n_classes, n_classes)
    fig = new_figure(5.0, 4.6)
    ax = fig.subplots()
    # A light grey at most, so black counts stay readable on the fullest cells.
    ax.imshow(M, cmap="Greys", vmin=0, vmax=max(int(M.max()), 1) * 2.5)
    totals = M.sum(axis=1)
    for t in range(M.shape[0]):
        for p in range(M.shape[1]):
            share = f"\n{M[t, p] / totals[t]:.0%} of row" if M[t, p] else ""
            ax.text(
                p,
                t,
                f"{M[t, p]}{share}",
                ha="center",
                va="center",
                fontsize=10 if t == p else 9,
                fontweight="bold" if t == p else "normal",
                color="black",
            )
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    for k, label in enumerate(ax.get_xticklabels()):
        label.set_color(class_colour(k))
    for k, label in enumerate(ax.get_yticklabels()):
        label.set_color(class_colour(k))
    ax.set_xlabel("predicted species (ArgMax)")
    ax.set_ylabel("true species")
    ax.tick_params(length=0)
    n, right = int(M.sum()), int(np.trace(M))
    accuracy = f"{right}/{n} right ({right / n:.1%})" if n else "no test rows"
    title(fig, f"Confusion matrix on the test flowers: {accuracy}", run_name)
    return fig


# ----------------------------------------------------------------------------- SoftMax / ArgMax


def example_rows(y: Labels, rows: NDArray[np.integer], n_classes: int) -> list[int]:
    """Return the first of ``rows`` of each species that has one (one test flower per species)."""
    rows = np.asarray(rows, dtype=np.intp)
    return [int(rows[y[rows] == k][0]) for k in range(n_classes) if np.any(y[rows] == k)]


def softmax_argmax_figure(
    model: Model,
    X: Array,
    y: Labels,
    rows: Sequence[int],
    run_name: str,
    label: Callable[[str], str] = str,
) -> Figure:
    """Return the lesson's three steps for each flower in ``rows``: raw outputs, SoftMax, ArgMax.

    One row of panels per flower: the network's raw output for each species, SoftMax turning them
    into probabilities between 0 and 1 that add up to 1, and ArgMax picking the largest as a
    one-hot [1, 0, 0]-style answer.
    """
    classes, features = model.classes, model.features
    rows = list(rows)
    Z = model.logits(X[rows])  # (n_rows, n_classes)
    P = softmax(Z)
    H = argmax_one_hot(P)
    fig = new_figure(9.5, 1.1 + 2.0 * max(len(rows), 1))
    axes = fig.subplots(max(len(rows), 1), 3, squeeze=False)
    colours = [class_colour(k) for k in range(len(classes))]
    span = float(np.abs(Z).max()) if Z.size else 1.0
    pos = np.arange(len(classes))
    for r, row in enumerate(rows):
        ax_z, ax_p, ax_h = axes[r]
        truth = classes[y[row]]
        ax_z.bar(pos, Z[r], color=colours, edgecolor="black", lw=0.5)
        ax_z.axhline(0, color="black", lw=0.6)
        ax_z.set_ylim(-1.3 * span, 1.3 * span)  # one scale for all rows: sizes compare
        ax_p.bar(pos, P[r], color=colours, edgecolor="black", lw=0.5)
        ax_p.set_ylim(0, 1.25)
        ax_h.bar(pos, H[r], color=colours, edgecolor="black", lw=0.5)
        ax_h.set_ylim(0, 1.25)
        ax_h.set_yticks([0, 1])
        texts = (
            (ax_z, Z[r], [f"{v:.2f}" for v in Z[r]]),
            # SoftMax is never exactly 0: say so rather than print 0.000.
            (ax_p, P[r], [f"{v:.3f}" if v >= 0.0005 else "<0.001" for v in P[r]]),
            (ax_h, H[r], [str(v) for v in H[r]]),
        )
        for ax, values, labels in texts:
            for k, (v, text) in enumerate(zip(values, labels, strict=True)):
                top = v >= 0
                ax.text(
                    k,
                    v + (0.04 if ax is not ax_z else 0.06 * span) * (1 if top else -1),
                    text,
                    ha="center",
                    va="bottom" if top else "top",
                    fontsize=8,
                )
            ax.set_xticks(pos, classes, fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
        measured = ", ".join(f"{X[row, j]:g}" for j in range(len(features)))
        ax_z.set_ylabel(f"row {row}: a {truth}\n({measured})", fontsize=8)
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
            ax_z.set_title("Raw outputs (logits)\n", fontsize=10, loc="left")
            ax_p.set_title(
                "SoftMax: probabilities\nbetween 0 and 1, adding up to 1", fontsize=10, loc="left"
            )
            ax_h.set_title("ArgMax: 1 for the largest,\n0 for the rest", fontsize=10, loc="left")
    inputs = ", ".join(label(f) for f in features)
    what = f"From raw outputs to a prediction: one test flower of each species\n(measured {inputs})"
    title(fig, what, run_name)
    return fig
