"""The training loop: epochs of forward pass, loss, backward pass and optimiser step.

Epoch ``e`` of the history is the state after ``e`` updates: its forward pass sees the weights before
update ``e + 1``, and row 0 is the initialised network. A run of ``E`` epochs makes ``E`` updates and
``E + 1`` forward passes; the last one measures the final weights. Early stopping watches the
validation loss of each state and restores the best one. With mini-batches, the training rows are
not passed over again: their columns of row ``e >= 1`` are the means over epoch ``e``'s
mini-batches as they were trained.

Two ways to run the epochs share the loop: ``OneBatchEpochs`` when every row fits one ``Batch``
(Iris: call overhead dominates, so one fused pass per epoch), ``ChunkedEpochs`` otherwise (a
million rows: arithmetic and memory dominate, so mini-batches gather their rows and exact passes go
in chunks).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.engine import Batch, Rows, tracked_right
from iris_nn.core.errors import BadInputError, DivergenceError
from iris_nn.core.functional import Array
from iris_nn.core.network import Network
from iris_nn.core.optim import FULL_BATCH, make_optimizer


@dataclass(frozen=True)
class TrainSettings:
    """How to train: the ``train.*`` config keys that the loop reads, as plain values.

    The settings layer builds it from the schema (``settings.config.train_settings``), where each
    key's default and allowed values are declared.
    """

    optimizer: str  # a key of optim.OPTIMIZERS
    lr: float
    epochs: int
    batch_size: int  # 0 = full batch; ignored by full-batch optimisers
    momentum: float
    nesterov: bool
    l2: float
    early_stopping: bool  # on validation loss, restoring the best weights
    patience: int
    min_delta: float


@dataclass
class Control:
    """Set ``stop`` (from a signal handler, say) to end training after the current epoch."""

    stop: bool = False
    signal: int | None = None  # the signal that asked to stop, if any


@dataclass(frozen=True)
class Tracked:
    """Training rows followed through training: their SoftMax probabilities and ArgMax."""

    index: NDArray[np.intp]  # (n_track,) their positions in the training rows ``X``
    rows: NDArray[np.intp]  # (n_track,) their indices in the data set, for the records


@dataclass
class History:
    """Per-epoch metrics, one row per state; the tracked rows' records; parameter snapshots."""

    columns: dict[str, Array]
    epochs_run: int
    best_epoch: int
    stop_reason: str
    restored: bool = False  # early stopping put the best epoch's weights back
    probabilities: list[tuple[int, int, Array]] = field(default_factory=list)  # (epoch, row, p)
    done: float = 0.0  # epochs of updates done, fractional inside a long epoch
    # Per tracked row, from every epoch's pass: the first epoch whose ArgMax names its class, and
    # the epoch from which ArgMax names it at every epoch up to the last one run (None: never).
    first_right: list[int | None] = field(default_factory=list)
    right_from: list[int | None] = field(default_factory=list)
    snapshot_epochs: list[int] = field(default_factory=list)  # ascending; the last is kept_epoch
    snapshots: Array = field(default_factory=lambda: np.empty((0, 0)))  # (n_snapshots, n_params)

    @property
    def kept_epoch(self) -> int:
        """Return the epoch whose weights the network holds after training."""
        return self.best_epoch if self.restored else self.epochs_run


def log_spaced_epochs(epochs: int, count: int = 100) -> NDArray[np.bool_]:
    """Return a mask over 0..epochs, true at ``count`` distinct epochs spaced evenly on a log scale.

    All epochs when there are at most ``count``; always epoch 0 and the last. Rounding merges
    neighbours at the start, where log steps are below one epoch, so more points are asked of
    ``geomspace`` until ``count`` distinct epochs remain.
    """
    mask = np.zeros(epochs + 1, dtype=bool)
    asked = count
    while True:
        picks = np.unique(np.round(np.geomspace(1, epochs + 1, asked)).astype(int) - 1)
        if len(picks) >= min(count, epochs + 1):
            break
        asked += count - len(picks)
    mask[picks] = True
    mask[0] = mask[epochs] = True
    return mask


def thin_evenly(epochs: Sequence[int], keep: int) -> list[int]:
    """Return at most ``keep`` of the ascending ``epochs``, spread evenly on a log scale.

    All of them when they fit; else, for ``keep`` points spaced evenly on the log scale from the
    first to the last, the nearest of ``epochs`` (two points that land on one epoch make one).
    """
    if keep >= len(epochs):
        return list(epochs)
    if keep <= 0:
        return []
    log_epochs = np.log(np.asarray(epochs) + 1.0)  # + 1: epoch 0 has a place
    targets = np.linspace(log_epochs[0], log_epochs[-1], keep)
    nearest = np.abs(log_epochs[None, :] - targets[:, None]).argmin(axis=1)  # (keep,)
    return [epochs[i] for i in np.unique(nearest)]


Progress = Callable[[int, History], None]
REPORT_EVERY_S = 0.05  # how often training calls its progress callback


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # divergence is checked, not warned
def fit(
    net: Network,
    X: Array,
    y: NDArray[np.intp],
    config: TrainSettings,
    rng: np.random.Generator,
    X_val: Array | None = None,
    y_val: NDArray[np.intp] | None = None,
    track: Tracked | None = None,
    control: Control | None = None,
    progress: Progress | None = None,
    X_test: Array | None = None,
    y_test: NDArray[np.intp] | None = None,
    max_snapshots: int = 0,
) -> History:
    """Train ``net`` in place on ``X`` (n_samples, n_features), ``y``; return the history.

    Row ``e`` of the history is the state after ``e`` updates (epochs). Every row measures the
    validation rows (early stopping watches them), the test rows (recorded for display only:
    nothing here reads them to train, stop or choose weights) and the ``track`` rows, whose
    SoftMax probabilities are recorded at 100 log-spaced epochs (``log_spaced_epochs``), plus the
    last epoch run and the kept one, and whose ArgMax is checked at every epoch. With full batches
    the train columns are exact passes at that state too; with mini-batches the train columns of
    rows >= 1 are the means over that epoch's mini-batches as they were trained (scikit-learn's
    ``loss_curve_``), and row 0's an exact pass.

    At most ``max_snapshots`` copies of all parameters are kept: at those log-spaced epochs
    (thinned evenly when they do not all fit), the last row being the weights the network ends
    with; fewer than two keep none. ``rng`` reshuffles mini-batches. ``progress(epoch, history)``
    is called as the epochs start and then about every 50 ms, also inside long epochs
    (``history.done`` then says how far). Raises DivergenceError when the loss or a weight stops
    being finite.
    """
    control = control or Control()
    epochs, n = config.epochs, len(X)
    if X_val is None or y_val is None or len(X_val) == 0:
        X_val = y_val = None
    if X_test is None or y_test is None or len(X_test) == 0:
        X_test = y_test = None
    has_val = X_val is not None
    full_batch = config.optimizer in FULL_BATCH or config.batch_size == 0
    batch_size = n if full_batch else config.batch_size
    if batch_size > n:
        raise BadInputError(f"train.batch_size = {batch_size} is larger than the {n} training rows")
    opt = make_optimizer(config.optimizer, net.theta, config.lr, config.momentum, config.nesterov)
    parts = Parts(X, y, X_val, y_val, X_test, y_test, track)
    chunk = net.chunk_rows()
    epoch_runner: OneBatchEpochs | ChunkedEpochs
    if full_batch and parts.rows <= chunk:
        epoch_runner = OneBatchEpochs(net, parts, opt.step, config.l2)
    else:
        epoch_runner = ChunkedEpochs(net, parts, opt.step, config.l2, batch_size, chunk, rng)

    # metrics[e]: losses and accuracies of train, val and test, and which tracked rows are right
    # (Batch.metrics' layout)
    metrics = np.full((epochs + 1, 2, 4), np.nan)
    cols = {
        "epoch": np.arange(epochs + 1, dtype=np.float64),
        "train_loss": metrics[:, 0, 0],
        "train_accuracy": metrics[:, 1, 0],
        "val_loss": metrics[:, 0, 1],
        "val_accuracy": metrics[:, 1, 1],
        "lr": np.full(epochs + 1, config.lr),
        "test_loss": metrics[:, 0, 2],
        "test_accuracy": metrics[:, 1, 2],
    }
    history = History(cols, 0, 0, "epochs")
    logged = np.flatnonzero(log_spaced_epochs(epochs)).tolist()
    record = set(logged) if track is not None or max_snapshots >= 2 else set()
    # The last planned epoch gives its row to the weights training ends with, wherever it stops.
    snap_epochs = thin_evenly(logged, max_snapshots)[:-1] if max_snapshots >= 2 else []
    snap_row = {e: i for i, e in enumerate(snap_epochs)}
    snaps = np.empty((len(snap_epochs), len(net.theta)))  # filled as training passes them

    best_loss, best_theta, wait = math.inf, None, 0
    watch = config.early_stopping and has_val
    min_delta = config.min_delta if watch else 0.0
    monitor = 1 if has_val else 0  # the column of metrics[e, 0] that decides the best epoch
    clock = time.perf_counter
    next_report = clock()  # epoch 0 reports at once: the epochs start

    def report(e: int, done: float) -> None:
        """Call ``progress`` with row ``e`` and ``done`` epochs of updates, now and then."""
        nonlocal next_report
        if progress is not None and clock() >= next_report:
            history.done = done
            progress(e, history)
            next_report = clock() + REPORT_EVERY_S

    measure, update = epoch_runner.measure, epoch_runner.update  # looked up once, not per epoch
    e, row = 0, metrics[0]
    while True:
        measure(e, row)
        losses = row[0].tolist()  # Python floats compare faster than numpy scalars, every epoch
        loss = losses[0]
        if not math.isfinite(loss):
            raise DivergenceError(
                f"the training loss became {loss} at epoch {e}", n % batch_size or batch_size
            )
        if e in record:
            if track is not None:
                history.probabilities += _tracked(e, track, epoch_runner.probabilities())
            if e in snap_row:
                snaps[snap_row[e]] = net.theta
        monitored = losses[monitor]
        if monitored < best_loss - min_delta:
            best_loss, history.best_epoch, wait = monitored, e, 0
            if watch:
                best_theta = net.theta.copy()
        else:
            wait += 1
        history.epochs_run = e
        report(e, e)
        if e == epochs:
            break
        if watch and wait >= config.patience:
            history.stop_reason = "early_stopping"
            break
        if control.stop:
            history.stop_reason = "interrupted"
            break
        e += 1
        row = metrics[e]
        update(e, row, report)

    if not np.all(np.isfinite(net.theta)):
        raise DivergenceError(
            f"a weight became non-finite by epoch {e}", n % batch_size or batch_size
        )
    last = history.epochs_run + 1
    history.columns = {k: np.ascontiguousarray(c[:last]) for k, c in cols.items()}
    # Means by matmul can miss count / n by an ulp; accuracies are exact fractions.
    for part, Xp in (("train", X), ("val", X_val), ("test", X_test)):
        if Xp is not None:
            acc, rows_in_part = history.columns[f"{part}_accuracy"], len(Xp)
            history.columns[f"{part}_accuracy"] = np.round(acc * rows_in_part) / rows_in_part
    if track is not None:
        if history.epochs_run not in record:
            P = net.predict_proba(X[track.index])
            history.probabilities += _tracked(history.epochs_run, track, P)
        _right_epochs(history, tracked_right(metrics[:last, 1, 3], len(track.index)))
    if watch and best_theta is not None:
        net.theta[:] = best_theta
        history.restored = True
        if track is not None and history.best_epoch not in record:
            P = net.predict_proba(X[track.index])
            history.probabilities += _tracked(history.best_epoch, track, P)
            history.probabilities.sort(key=lambda r: r[0])  # stable: rows keep their order
    if max_snapshots >= 2:
        kept = history.kept_epoch
        earlier = [i for i, epoch in enumerate(snap_epochs) if epoch < kept]
        history.snapshot_epochs = [snap_epochs[i] for i in earlier] + [kept]
        history.snapshots = np.vstack([snaps[earlier], net.theta])
    if progress:
        history.done = history.epochs_run
        progress(history.epochs_run, history)
    return history


@dataclass(frozen=True)
class Parts:
    """The rows training fits (``X``, ``y``) and those it only measures, absent ones None."""

    X: Array
    y: NDArray[np.intp]
    X_val: Array | None
    y_val: NDArray[np.intp] | None
    X_test: Array | None
    y_test: NDArray[np.intp] | None
    track: Tracked | None

    @property
    def rows(self) -> int:
        """Return how many rows a Batch holding every part needs."""
        return len(self.X) + sum(0 if Xp is None else len(Xp) for Xp in (self.X_val, self.X_test))


Report = Callable[[int, float], None]  # (row being filled, epochs of updates done)


class OneBatchEpochs:
    """Full-batch epochs when every row fits one Batch, as on Iris.

    The training, validation and test rows ride in one Batch, so one forward pass per epoch
    measures every part and the tracked rows, and its output feeds the update.
    """

    def __init__(self, net: Network, parts: Parts, step: Callable[[Array], None], l2: float):
        p = parts
        track = () if p.track is None else p.track.index
        self.batch = Batch(net, p.X, p.y, p.X_val, p.y_val, track, p.X_test, p.y_test)
        self.step, self.l2 = step, l2
        self.probabilities = self.batch.probabilities

    def measure(self, e: int, row: Array) -> None:
        """Fill ``row`` (2, 4) with the metrics of state ``e`` (the current weights)."""
        self.batch.forward()
        self.batch.metrics(row)

    def update(self, e: int, row: Array, report: Report) -> None:
        """Make epoch ``e``'s update from the last measured forward pass."""
        batch = self.batch
        self.step(batch.backward(batch.output_delta(), self.l2))


class ChunkedEpochs:
    """Epochs in mini-batches, or full-batch epochs over more rows than one Batch holds.

    Exact passes (row 0, the validation and test rows, and every epoch's training rows with full
    batches) go chunk by chunk through ``Rows``; no buffer grows with the data set. The tracked
    rows have a Batch of their own. Mini-batches gather their rows straight into one Batch per
    batch length, and their losses and accuracies as trained make the epoch's train columns.
    """

    def __init__(
        self,
        net: Network,
        parts: Parts,
        step: Callable[[Array], None],
        l2: float,
        batch_size: int,
        chunk: int,
        rng: np.random.Generator,
    ):
        X, y = self.X, self.y = parts.X, parts.y
        self.step, self.l2, self.batch_size, self.rng = step, l2, batch_size, rng
        self.train_rows = Rows(net, X, y, chunk)
        measured = [(parts.X_val, parts.y_val), (parts.X_test, parts.y_test)]
        self.measured = [
            None if Xp is None or yp is None else Rows(net, Xp, yp, chunk) for Xp, yp in measured
        ]
        index = None if parts.track is None else parts.track.index
        self.tracked = (
            None if index is None else Batch(net, X[index], y[index], track=range(len(index)))
        )
        self.full_batch = batch_size == len(X)
        self.grad: Array | None = None
        # One Batch per mini-batch length: the batch size, and a shorter last one.
        n, b = len(X), batch_size
        lengths = {b, n % b} - {0} if not self.full_batch else set()
        self.batches = {m: Batch(net, X[:m], y[:m]) for m in lengths}

    def measure(self, e: int, row: Array) -> None:
        """Fill ``row`` (2, 4) with what exact passes measure of state ``e``."""
        if self.full_batch:
            self.grad = self.train_rows.gradient(self.l2, row[:, 0])
        elif e == 0:
            self.train_rows.metrics(row[:, 0])
        for column, rows in enumerate(self.measured, start=1):
            if rows is not None:
                rows.metrics(row[:, column])
        if self.tracked is not None:
            self.tracked.forward()
            row[1, 3] = self.tracked.metrics()[1, 3]

    def probabilities(self) -> Array:
        """Return the SoftMax probabilities of the tracked rows at the last measured state."""
        assert self.tracked is not None
        return self.tracked.probabilities()

    def update(self, e: int, row: Array, report: Report) -> None:
        """Make epoch ``e``'s updates; with mini-batches, fill the train column of ``row``."""
        if self.full_batch:
            assert self.grad is not None
            self.step(self.grad)
            return
        X, b, n, step, l2 = self.X, self.batch_size, len(self.X), self.step, self.l2
        batches = self.batches
        order = self.rng.permutation(n)
        y_order = self.y[order]  # one gather per epoch instead of one per mini-batch
        loss = correct = 0.0
        for start in range(0, n, b):
            rows = order[start : start + b]
            batch = batches[len(rows)]
            batch.load(X, y_order[start : start + b], rows)
            batch.forward()
            M = batch.metrics()  # the mini-batch's mean loss and accuracy, as trained
            loss += M[0, 0] * len(rows)
            correct += M[1, 0] * len(rows)
            step(batch.backward(batch.output_delta(), l2))
            seen = start + len(rows)
            row[0, 0], row[1, 0] = loss / seen, correct / seen  # the means so far
            report(e, e - 1 + seen / n)


def _tracked(epoch: int, track: Tracked, P: Array) -> list[tuple[int, int, Array]]:
    return [(epoch, int(r), p) for r, p in zip(track.rows, P, strict=True)]


def _right_epochs(history: History, right: NDArray[np.bool_]) -> None:
    """Set ``first_right`` and ``right_from`` from ``right`` (n_epochs_run + 1, n_track)."""
    for j in range(right.shape[1]):
        hits, misses = np.flatnonzero(right[:, j]), np.flatnonzero(~right[:, j])
        history.first_right.append(int(hits[0]) if len(hits) else None)
        if not right[-1, j]:
            history.right_from.append(None)
        else:
            history.right_from.append(int(misses[-1]) + 1 if len(misses) else 0)
