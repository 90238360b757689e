"""The figures of a run (SPEC 6), each drawn from data into a ``matplotlib.figure.Figure``.

Only matplotlib's object API is used (no pyplot, so no global state and no display needed);
saving is separate from drawing (``png_bytes``). Every figure gives each species the same
colour-blind-safe colour (Okabe-Ito) and marker, labels its axes with units and carries the run's
name in its title. ``X`` is always the raw measurements in cm, ``(n_samples, n_features)``; the
model scales them itself.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from numpy.typing import NDArray

from iris_nn.data import Split
from iris_nn.functional import Array, argmax_one_hot, softmax
from iris_nn.store import Model

DPI = 150
# Okabe & Ito's palette: blue, orange and bluish green stay apart under every common colour
# blindness; the markers repeat the distinction for grey-scale prints.
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73")
CLASS_MARKERS = ("o", "s", "^")
TRAIN_COLOUR, VAL_COLOUR = "#222222", "#888888"  # neutral: loss curves are not species
MISS_COLOUR = "black"  # rings round mistakes: no hue, so it never reads as a species
FEATURE_LABELS = {
    "sepal_length": "sepal length (cm)",
    "sepal_width": "sepal width (cm)",
    "petal_length": "petal length (cm)",
    "petal_width": "petal width (cm)",
}
SWEEP_POINTS = 300  # per probability curve: smooth at 150 dpi, cheap to evaluate
GRID_POINTS = 300  # per side of the decision-region image; imshow smooths the rest

Labels = NDArray[np.intp]


def class_colour(k: int) -> str:
    """Return the colour of class ``k`` (the same in every figure)."""
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


def class_marker(k: int) -> str:
    """Return the marker of class ``k`` (the same in every figure)."""
    return CLASS_MARKERS[k % len(CLASS_MARKERS)]


def feature_label(name: str) -> str:
    """Return the axis label of feature ``name``, with its unit."""
    return FEATURE_LABELS.get(name, name)


def new_figure(width: float, height: float) -> Figure:
    """Return an empty ``width`` x ``height`` inch figure at 150 dpi, laid out automatically."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def png_bytes(fig: Figure) -> bytes:
    """Return the figure encoded as PNG at its own size and 150 dpi."""
    buf = io.BytesIO()
    # No "Software" stamp: a redraw of unchanged data gives byte-identical files.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _title(fig: Figure, what: str, run_name: str) -> None:
    fig.suptitle(f"{what}\n{run_name}", fontsize=11)


def _class_handles(classes: Sequence[str], kind: str = "line") -> list[Line2D | Patch]:
    if kind == "patch":
        return [Patch(color=class_colour(k), label=c) for k, c in enumerate(classes)]
    return [
        Line2D([], [], color=class_colour(k), marker=class_marker(k), label=c, markersize=5)
        for k, c in enumerate(classes)
    ]


def probabilities(model: Model, X: Array) -> Array:
    """Return the SoftMax probabilities (n_samples, n_classes) of raw measurements ``X`` (cm)."""
    return softmax(model.logits(X))


# ----------------------------------------------------------------------------- loss


def _plain_log_labels(ax: Axes, span: float) -> None:
    """Label a log y axis with plain decimals (0.05, not 5e-02), and some minor ticks too.

    A loss that falls less than three decades shows only one or two powers of ten; labelling
    2 and 5 times them (and 3, in narrower ranges) lets a reader take values off the axis.
    """
    mantissas = (2, 3, 5) if span < 30 else (2, 5) if span < 1000 else ()

    def minor(v: float, _: object) -> str:
        return f"{v:g}" if round(v / 10 ** np.floor(np.log10(v))) in mantissas else ""

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))


def loss_figure(
    history: Mapping[str, Array], best_epoch: int, stop_reason: str, run_name: str
) -> Figure:
    """Return cross-entropy (log scale) and accuracy per epoch, train and validation.

    Parameters
    ----------
    history : mapping of str to ndarray of shape (n_epochs + 1,)
        The columns of ``history.csv``; ``val_*`` all NaN without validation rows.
    best_epoch : int
        The epoch of the lowest monitored loss (marked); early stopping keeps its weights.
    stop_reason : str
        ``epochs``, ``early_stopping`` or ``interrupted``; an early stop is marked too.
    run_name : str
        Shown in the title.
    """
    fig = new_figure(9.0, 3.6)
    ax_loss, ax_acc = fig.subplots(1, 2)
    epoch = np.asarray(history["epoch"])
    has_val = bool(np.isfinite(np.asarray(history["val_loss"], dtype=float)).any())
    marker = "o" if len(epoch) < 3 else None  # a run of 0 or 1 epochs would draw no line
    parts = [("train", TRAIN_COLOUR, "-")] + ([("val", VAL_COLOUR, "--")] if has_val else [])
    loss_span = 1.0
    for part, colour, style in parts:
        label = "training rows" if part == "train" else "validation rows"
        loss = np.maximum(np.asarray(history[f"{part}_loss"], dtype=float), 1e-12)
        finite = loss[np.isfinite(loss)]
        if len(finite):
            loss_span = max(loss_span, float(finite.max() / finite.min()))
        ax_loss.plot(epoch, loss, style, color=colour, lw=1.4, marker=marker, label=label)
        ax_acc.plot(epoch, history[f"{part}_accuracy"], style, color=colour, lw=1.4, marker=marker)
    ax_loss.set_yscale("log")
    _plain_log_labels(ax_loss, loss_span)
    ax_loss.set_ylabel("cross-entropy loss (log scale)")
    ax_acc.set_ylabel("accuracy (fraction right)")
    ax_acc.set_ylim(-0.02, 1.02)
    watched = "val" if has_val else "train"
    best = int(np.clip(best_epoch, 0, len(epoch) - 1))
    for ax, column in ((ax_loss, f"{watched}_loss"), (ax_acc, f"{watched}_accuracy")):
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3, lw=0.5)
        ax.axvline(best, color="#555555", ls=":", lw=1)
        ax.plot(best, history[column][best], "*", color="black", ms=10, zorder=5, clip_on=False)
    # Only early stopping restores the best weights; otherwise the last epoch's are saved.
    star = (
        f"best epoch {best} (its weights kept)"
        if stop_reason == "early_stopping"
        else f"lowest {'validation' if has_val else 'training'} loss: epoch {best}"
    )
    ax_loss.plot([], [], "*", color="black", ms=9, label=star)
    last = int(epoch[-1])
    if stop_reason in ("early_stopping", "interrupted"):
        what = "early stop" if stop_reason == "early_stopping" else "interrupted"
        for ax in (ax_loss, ax_acc):
            ax.axvline(last, color="#555555", ls="-.", lw=1)
        ax_loss.plot([], [], "-.", color="#555555", label=f"{what} at epoch {last}")
    ax_loss.legend(fontsize=8, frameon=False)
    ax_loss.set_title("Cross-entropy (lower is better)", fontsize=10)
    ax_acc.set_title("Accuracy: ArgMax right (higher is better)", fontsize=10)
    _title(fig, "Loss and accuracy per epoch", run_name)
    return fig


# ----------------------------------------------------------------------------- probability curves


def sweep_range(values: Array, margin: float = 0.1) -> tuple[float, float]:
    """Return the observed range of ``values`` widened by ``margin`` of its width on each side."""
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = margin * (hi - lo) if hi > lo else 0.5
    return lo - pad, hi + pad


def _winner_image(P: Array, alpha: float) -> Array:
    """Return an RGBA row (1, n, 4) coloured by the ArgMax class of each row of ``P``."""
    rgb = np.array([to_rgb(class_colour(k)) for k in range(P.shape[1])])
    image = np.empty((1, len(P), 4))
    image[0, :, :3] = rgb[P.argmax(axis=1)]
    image[0, :, 3] = alpha
    return image


def probability_curves_figure(
    model: Model, X: Array, y: Labels, split: Split, run_name: str
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
        ax.set_xlabel(feature_label(features[j]))
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
    _title(fig, what, run_name)
    return fig


# ----------------------------------------------------------------------------- decision regions


def plane_features(features: Sequence[str]) -> tuple[int, int]:
    """Return the columns drawn as the decision plane: petal length x width, else the first two."""
    if "petal_length" in features and "petal_width" in features:
        return features.index("petal_length"), features.index("petal_width")
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
    model: Model, X: Array, y: Labels, split: Split, run_name: str
) -> Figure:
    """Return the plane of two features coloured by ArgMax class, shaded by SoftMax confidence.

    The plane is petal length x petal width when both are inputs, else the first two inputs; any
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
        ax.set_xlabel(feature_label(features[0]))
        what = "ArgMax species along the only input"
    else:
        fig = new_figure(7.6, 6.0)
        ax = fig.subplots()
        i, j = plane_features(features)
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
        ax.set_xlabel(feature_label(features[i]))
        ax.set_ylabel(feature_label(features[j]))
        what = "ArgMax species over two inputs"
        if len(features) > 2:
            what += " (the others at their training median)"
    _confidence_bar(fig, ax, n_classes)
    handles: list[Line2D | Patch] = list(_class_handles(classes, "patch"))
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
    _title(fig, what, run_name)
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
    _title(fig, f"Confusion matrix on the test flowers: {accuracy}", run_name)
    return fig


# ----------------------------------------------------------------------------- SoftMax / ArgMax


def example_rows(y: Labels, rows: NDArray[np.integer], n_classes: int) -> list[int]:
    """Return the first of ``rows`` of each species that has one (one test flower per species)."""
    rows = np.asarray(rows, dtype=np.intp)
    return [int(rows[y[rows] == k][0]) for k in range(n_classes) if np.any(y[rows] == k)]


def softmax_argmax_figure(
    model: Model, X: Array, y: Labels, rows: Sequence[int], run_name: str
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
            for k, (v, label) in enumerate(zip(values, labels, strict=True)):
                top = v >= 0
                ax.text(
                    k,
                    v + (0.04 if ax is not ax_z else 0.06 * span) * (1 if top else -1),
                    label,
                    ha="center",
                    va="bottom" if top else "top",
                    fontsize=8,
                )
            ax.set_xticks(pos, classes, fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
        measured = ", ".join(f"{X[row, j]:g}" for j in range(len(features)))
        ax_z.set_ylabel(f"row {row}: a {truth}\n({measured} cm)", fontsize=8)
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
    inputs = ", ".join(feature_label(f).removesuffix(" (cm)") for f in features)
    what = f"From raw outputs to a prediction: one test flower of each species\n(measured {inputs})"
    _title(fig, what, run_name)
    return fig


# ----------------------------------------------------------------------------- evolution


def first_right_epoch(epochs: NDArray[np.integer], P: Array, truth: int) -> int | None:
    """Return the first recorded epoch whose ArgMax names ``truth``, or None if none does."""
    right = np.flatnonzero(np.asarray(P).argmax(axis=1) == truth)
    return int(epochs[right[0]]) if len(right) else None


def probability_evolution_figure(
    epochs: NDArray[np.integer],
    rows: NDArray[np.integer],
    P: Array,
    y: Labels,
    classes: Sequence[str],
    run_name: str,
) -> Figure:
    """Return the SoftMax probabilities of each tracked flower across the epochs.

    Parameters
    ----------
    epochs, rows : ndarray of shape (n_records,)
        The epoch and the dataset row of each record of ``probabilities.csv``.
    P : ndarray of shape (n_records, n_classes)
        The SoftMax probabilities recorded.
    y : ndarray of shape (150,)
        The species of every dataset row.
    classes : sequence of str
        The class names, in output order.
    run_name : str
        Shown in the title.

    The x axis is symlog: linear between 0 and 1 so that epoch 0 (the untrained network) has a
    place, logarithmic beyond, where most of the change happens early.
    """
    tracked = list(dict.fromkeys(int(r) for r in rows))  # first-seen order
    fig = new_figure(10.0, 3.7)
    axes = fig.subplots(1, max(len(tracked), 1), squeeze=False, sharey=True)[0]
    last = max(int(np.max(epochs)) if len(epochs) else 1, 1)
    for ax, row in zip(axes, tracked, strict=False):
        m = rows == row
        e, p = epochs[m], P[m]
        truth = int(y[row])
        marker = "o" if len(e) < 3 else None
        for k in range(len(classes)):
            ax.plot(e, p[:, k], color=class_colour(k), lw=2 if k == truth else 1.3, marker=marker)
        ax.axhline(1 / len(classes), color="#777777", ls=":", lw=0.8)
        first = first_right_epoch(e, p, truth)
        if first is None:
            note = "ArgMax never names it"
        else:
            ax.axvline(first, color="black", ls="--", lw=0.9)
            note = f"ArgMax right from epoch {first}"
        ax.set_xscale("symlog", linthresh=1.0, linscale=0.6)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 100, not 10^2
        ax.set_xlim(0, last)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("epoch (0, then log scale)")
        ax.set_title(f"row {row}: a {classes[truth]}\n{note}", fontsize=9)
        ax.grid(True, alpha=0.3, lw=0.5)
    axes[0].set_ylabel("SoftMax probability")
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=class_colour(k), lw=2, label=c) for k, c in enumerate(classes)
    ]
    handles += [
        Line2D([], [], color="black", ls="--", lw=0.9, label="ArgMax first right"),
        Line2D([], [], color="#777777", ls=":", lw=0.8, label=f"1/{len(classes)}: no preference"),
    ]
    fig.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False
    )
    _title(fig, "SoftMax probabilities of three training flowers as the network learns", run_name)
    return fig
