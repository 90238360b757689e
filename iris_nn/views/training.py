"""The figures of training: loss and accuracy per epoch, and tracked probabilities across epochs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
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
    history: Mapping[str, Array],
    best_epoch: int,
    stop_reason: str,
    run_name: str,
    kept_epoch: int | None = None,
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
    kept_epoch : int, optional
        The epoch whose weights the model holds (``metrics.json`` ``kept_epoch``); when absent,
        the best epoch after an early stop, else the last.
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
        ax.axvline(best, color="#555555", ls=":", lw=1, zorder=1)  # under the curves: a dip shows
        ax.plot(best, history[column][best], "*", color="black", ms=10, zorder=5, clip_on=False)
    last = int(epoch[-1])
    # Only early stopping restores the best weights; otherwise the last epoch's are saved.
    if kept_epoch is None:
        kept_epoch = best if stop_reason == "early_stopping" else last
    star = f"lowest {'validation' if watched == 'val' else 'training'} loss: epoch {best}"
    if kept_epoch == best:
        star += " (its weights kept)"
    ax_loss.plot([], [], "*", color="black", ms=9, label=star)
    if stop_reason in ("early_stopping", "interrupted"):
        what = "early stop" if stop_reason == "early_stopping" else "interrupted"
        for ax in (ax_loss, ax_acc):
            ax.axvline(last, color="#555555", ls="-.", lw=1, zorder=1)
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


# The epochs marked on each panel: a first right answer that does not last, the epoch from which
# ArgMax stays right, and the epoch whose weights early stopping kept.
MARKS: dict[str, dict[str, Any]] = {
    "first": {"color": "black", "ls": "--", "lw": 0.9, "zorder": 1},  # under the curves
    "for_good": {"color": "black", "lw": 1.1, "zorder": 1},
    "kept": {"color": "#555555", "ls": ":", "lw": 1.4, "zorder": 1},
}


def right_epochs_text(first: int | None, for_good: int | None) -> str:
    """Return what ArgMax did for one tracked row, from the two epochs training recorded."""
    if first is None:
        return "ArgMax never names it"
    if for_good == first:
        return f"ArgMax right from epoch {first} on"
    if for_good is None:
        return f"ArgMax first right at epoch {first},\nwrong again at the end"
    return f"ArgMax first right at epoch {first},\nright for good from epoch {for_good}"


def probability_evolution_figure(
    epochs: NDArray[np.integer],
    rows: NDArray[np.integer],
    P: Array,
    y: Labels,
    classes: Sequence[str],
    run_name: str,
    right: Mapping[int, tuple[int | None, int | None]] | None = None,
    kept_epoch: int | None = None,
    noun: str = "row",
) -> Figure:
    """Return the SoftMax probabilities of each tracked row across the epochs.

    Parameters
    ----------
    epochs, rows : ndarray of shape (n_records,)
        The epoch and the dataset row of each record of ``probabilities.csv``.
    P : ndarray of shape (n_records, n_classes)
        The SoftMax probabilities recorded.
    y : ndarray of shape (n_samples,)
        The class of every dataset row.
    classes : sequence of str
        The class names, in output order.
    run_name : str
        Shown in the title.
    right : mapping of row to (first right, right for good from), optional
        The epochs training found, checking ArgMax at every epoch (``metrics.json`` ``tracked``;
        None marks "never" and, for the second, "wrong again at the end"). Without it (a run
        older than this record), the first recorded epoch that is right is marked instead.
    kept_epoch : int, optional
        The epoch whose weights the model holds, marked when it is not the last one drawn (early
        stopping restored it).
    noun : str
        What one row is, for the title ("flower").

    Beyond 30 epochs the x axis is symlog: linear between 0 and 1 so that epoch 0 (the untrained
    network) has a place, logarithmic beyond, where most of the change happens early.
    """
    tracked = list(dict.fromkeys(int(r) for r in rows))  # first-seen order
    n_cols = min(max(len(tracked), 1), 4)  # titles of two lines of up to 40 characters fit
    n_rows = -(-max(len(tracked), 1) // n_cols)
    fig = new_figure(10.0, 0.5 + 3.2 * n_rows)
    axes = fig.subplots(n_rows, n_cols, squeeze=False, sharey=True).ravel()
    last = max(int(np.max(epochs)) if len(epochs) else 1, 1)
    show_kept = kept_epoch is not None and kept_epoch < last
    log_x = last > 30
    used: set[str] = set()  # the kinds of epoch marks drawn, for the legend
    for ax, row in zip(axes, tracked, strict=False):
        m = rows == row
        e, p = epochs[m], P[m]
        truth = int(y[row])
        marker = "o" if len(e) <= 30 else None  # few records: every one visible as a point
        for k in range(len(classes)):
            lw = 2 if k == truth else 1.3
            ax.plot(e, p[:, k], color=class_colour(k), lw=lw, marker=marker, ms=3)
        ax.axhline(1 / len(classes), color="#bbbbbb", lw=0.8, zorder=0)
        if right is not None and row in right:
            first, for_good = right[row]
            note = right_epochs_text(first, for_good)
        else:
            first, for_good = first_right_epoch(e, p, truth), None
            note = (
                "ArgMax never names it at a recorded epoch"
                if first is None
                else f"ArgMax first right at recorded epoch {first}"
            )
        if first is not None and first != for_good:
            ax.axvline(first, **MARKS["first"])
            used.add("first")
        if for_good is not None:
            ax.axvline(for_good, **MARKS["for_good"])
            used.add("for_good")
        if show_kept:
            ax.axvline(kept_epoch, **MARKS["kept"])
            used.add("kept")
        if log_x:
            ax.set_xscale("symlog", linthresh=1.0, linscale=0.6)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 100, not 10^2
            ax.set_xlim(-0.05, last)  # a line at epoch 0 stays clear of the frame
            ax.set_xlabel("epoch (0, then log scale)")
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlim(-0.02 * last, last * 1.02)
            ax.set_xlabel("epoch")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"row {row}: a {classes[truth]}\n{note}", fontsize=9 if n_cols < 4 else 8)
        ax.grid(True, alpha=0.3, lw=0.5)
    for ax in axes[len(tracked) :]:
        ax.set_visible(False)
    for ax in axes[::n_cols]:
        ax.set_ylabel("SoftMax probability")
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=class_colour(k), lw=2, label=c) for k, c in enumerate(classes)
    ]
    labels = {
        "first": "ArgMax first right",
        "for_good": "ArgMax right from here on",
        "kept": f"weights kept: epoch {kept_epoch}",
    }
    handles += [Line2D([], [], **MARKS[k], label=labels[k]) for k in MARKS if k in used]
    handles.append(
        Line2D([], [], color="#bbbbbb", lw=0.8, label=f"1/{len(classes)}: no preference")
    )
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(len(handles), 4 if len(classes) > 3 else 7),
        fontsize=8,
        frameon=False,
    )
    count = {1: "one", 2: "two", 3: "three"}.get(len(tracked), str(len(tracked)))
    what = f"{count} training {noun}{'' if len(tracked) == 1 else 's'}"
    title(fig, f"SoftMax probabilities of {what} as the network learns", run_name)
    return fig
