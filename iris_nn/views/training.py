"""The figures of training: loss and accuracy per epoch, and tracked probabilities across epochs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from numpy.typing import NDArray

from iris_nn.core.functional import Array
from iris_nn.views.style import (
    TEST_COLOUR,
    TRAIN_COLOUR,
    VAL_COLOUR,
    class_colour,
    new_figure,
    title,
)

Labels = NDArray[np.intp]


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


# (column prefix, legend label, colour, line width): every curve solid, so no gap in a dash
# pattern can hide a one-epoch dip; the test curve is drawn last and thinnest.
LOSS_PARTS = (
    ("train", "training rows", TRAIN_COLOUR, 1.6),
    ("val", "validation rows", VAL_COLOUR, 1.4),
    ("test", "test rows (shown only: never used for training)", TEST_COLOUR, 1.2),
)


def loss_figure(
    history: Mapping[str, Array], best_epoch: int, stop_reason: str, run_name: str
) -> Figure:
    """Return cross-entropy (log scale) and accuracy per epoch: train, validation and test.

    Parameters
    ----------
    history : mapping of str to ndarray of shape (n_epochs + 1,)
        The columns of ``history.csv``; ``val_*`` and ``test_*`` all NaN when the run has no such
        rows (or, for ``test_*``, predates them).
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
    # Few epochs: a marker on every point, so none hides in a line's bend.
    marker, ms = ("o", 3.0) if len(epoch) <= 50 else (None, 0.0)
    best = int(np.clip(best_epoch, 0, len(epoch) - 1))
    drawn = []
    loss_span = 1.0
    for part, label, colour, lw in LOSS_PARTS:
        loss = np.asarray(history.get(f"{part}_loss", np.full(len(epoch), np.nan)), dtype=float)
        if not np.isfinite(loss).any():
            continue
        drawn.append(part)
        loss = np.maximum(loss, 1e-12)
        finite = loss[np.isfinite(loss)]
        loss_span = max(loss_span, float(finite.max() / finite.min()))
        accuracy = np.asarray(history[f"{part}_accuracy"], dtype=float)
        style = {"color": colour, "lw": lw, "marker": marker, "ms": ms}
        ax_loss.plot(epoch, loss, label=label, **style)
        ax_acc.plot(epoch, accuracy, **style)
        # A dot on every curve at the starred epoch: what each part measured there.
        for ax, values in ((ax_loss, loss), (ax_acc, accuracy)):
            ax.plot(best, values[best], "o", color=colour, ms=4, zorder=4, clip_on=False)
    ax_loss.set_yscale("log")
    _plain_log_labels(ax_loss, loss_span)
    ax_loss.set_ylabel("cross-entropy loss (log scale)")
    ax_acc.set_ylabel("accuracy (fraction right)")
    ax_acc.set_ylim(-0.02, 1.02)
    watched = "val" if "val" in drawn else "train"
    for ax, column in ((ax_loss, f"{watched}_loss"), (ax_acc, f"{watched}_accuracy")):
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3, lw=0.5)
        ax.axvline(best, color="#555555", ls=":", lw=1)
        ax.plot(best, history[column][best], "*", color="black", ms=10, zorder=5, clip_on=False)
    # Only early stopping restores the best weights; otherwise the last epoch's are saved.
    star = (
        f"best epoch {best} (its weights kept)"
        if stop_reason == "early_stopping"
        else f"lowest {'validation' if watched == 'val' else 'training'} loss: epoch {best}"
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
    title(fig, "Loss and accuracy per epoch", run_name)
    return fig


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
    title(fig, "SoftMax probabilities of three training flowers as the network learns", run_name)
    return fig
