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

from iris_nn.core.engine import tracked_right
from iris_nn.core.epochs import ChunkedEpochs, OneBatchEpochs, Parts, Tracked
from iris_nn.core.errors import BadInputError, DivergenceError
from iris_nn.core.functional import Array
from iris_nn.core.network import DTYPES, Network
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
    dtype: str = "float64"  # the engine's working precision, a key of network.DTYPES

    @property
    def full_batch(self) -> bool:
        """Return whether every update uses every training row (a full-batch optimiser, or 0)."""
        return self.optimizer in FULL_BATCH or self.batch_size == 0


@dataclass
class Control:
    """Set ``stop`` (from a signal handler, say) to end training after the current epoch."""

    stop: bool = False
    signal: int | None = None  # the signal that asked to stop, if any


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


class Trainer:
    """Training that goes one epoch at a time and keeps everything between epochs.

    Made from a network, the rows (``Parts``), the settings and the mini-batch generator, it
    measures state 0 at once; each ``step()`` makes one epoch's updates and measures the state
    they reach. Between steps the caller may pause as long as it likes or edit ``net.theta`` in
    place: the optimiser's moments, the generator's state, the early-stopping counters and the
    history carry on. ``fit`` drives the same object, so a stepped run and ``fit`` agree to the
    bit. After an edit, call ``edited()``. Stepping past ``settings.epochs`` is allowed (the
    history grows); ``stop_reason`` says when ``fit`` would stop. ``step`` leaves numpy's overflow warnings to the caller (``fit`` and
    ``run`` silence them once for many epochs: divergence is checked, not warned).
    """

    def __init__(
        self,
        net: Network,
        parts: Parts,
        settings: TrainSettings,
        rng: np.random.Generator,
        *,
        progress: Progress | None = None,
        max_snapshots: int = 0,
    ):
        parts = parts.present()
        n = len(parts.X)
        full_batch = settings.full_batch
        batch_size = n if full_batch else settings.batch_size
        if batch_size > n:
            raise BadInputError(
                f"train.batch_size = {batch_size} is larger than the {n} training rows"
            )
        self.net, self.parts, self.settings = net, parts, settings
        self.step_rows = n % batch_size or batch_size  # the fewest rows one update averages over
        # In another precision than the network's, a copy of it in that precision trains, and
        # each epoch's weights are copied back into ``net``. The rows stay as they are: each
        # mini-batch or chunk is converted as it is copied into the engine's buffers (a float32
        # copy of every row first cost a tenth of a float32 fit on a million rows).
        dtype = DTYPES[settings.dtype]
        self.work = net if net.theta.dtype == dtype else working_copy(net, dtype)
        opt = make_optimizer(settings.optimizer, self.work.theta, settings.lr, settings.momentum,
                             settings.nesterov)  # fmt: skip
        self.optimizer = opt
        chunk = net.chunk_rows()
        self.runner: OneBatchEpochs | ChunkedEpochs
        if full_batch and parts.rows <= chunk:
            self.runner = OneBatchEpochs(self.work, parts, opt.step, settings.l2)
        else:
            self.runner = ChunkedEpochs(self.work, parts, opt.step, settings.l2, batch_size,
                                        chunk, rng)  # fmt: skip
        # metrics[e]: losses and accuracies of train, val and test, and which tracked rows are
        # right (Batch.metrics' layout); grown when stepping past settings.epochs
        self.metrics = np.full((settings.epochs + 1, 2, 4), np.nan)
        self.history = History(self._views(), 0, 0, "epochs")
        self._plan_records(max_snapshots)
        self.best_loss, self.wait = math.inf, 0
        self.best_theta: Array | None = None
        self.watch = settings.early_stopping and parts.X_val is not None
        self.min_delta = settings.min_delta if self.watch else 0.0
        self.monitor = 1 if parts.X_val is not None else 0  # the loss that picks the best epoch
        self.progress, self.next_report = progress, time.perf_counter()  # epoch 0 reports at once
        self.epoch = 0
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._observe()

    def _plan_records(self, max_snapshots: int) -> None:
        """Choose the epochs whose tracked probabilities and parameters are recorded."""
        logged = np.flatnonzero(log_spaced_epochs(self.settings.epochs)).tolist()
        keep = self.parts.track is not None or max_snapshots >= 2
        self.record = set(logged) if keep else set()
        # The last planned epoch gives its row to the weights training ends with, wherever it stops.
        self.snap_epochs = thin_evenly(logged, max_snapshots)[:-1] if max_snapshots >= 2 else []
        self.snap_row = {e: i for i, e in enumerate(self.snap_epochs)}
        self.snaps = np.empty((len(self.snap_epochs), len(self.net.theta)))
        self.max_snapshots = max_snapshots

    def step(self) -> None:
        """Make one epoch's updates and measure the state they reach."""
        e = self.epoch = self.epoch + 1
        if e == len(self.metrics):
            grown = np.full((2 * e, 2, 4), np.nan)
            grown[:e] = self.metrics
            self.metrics = grown
            self.history.columns = self._views()
        self.runner.update(e, self.metrics[e], self._report)
        if self.work is not self.net:
            np.copyto(self.net.theta, self.work.theta)
        self._observe()

    @np.errstate(over="ignore", invalid="ignore", divide="ignore")
    def run(self, epochs: int, control: Control | None = None) -> str | None:
        """Step at most ``epochs`` epochs, stopping where ``fit`` would; return why it stopped."""
        for _ in range(epochs):
            if self.stop_reason(control) is not None:
                break
            self.step()
        return self.stop_reason(control)

    @np.errstate(over="ignore", invalid="ignore", divide="ignore")
    def edited(self) -> None:
        """Measure the current state again after ``net.theta`` was edited in place.

        The next update starts from the last measured pass (a full batch reuses its gradient), so
        an edit between epochs must be followed by this call. The row of the current epoch then
        holds the edited weights' metrics (with mini-batches, its train columns stay as trained).
        """
        e = self.epoch
        if self.work is not self.net:
            np.copyto(self.work.theta, self.net.theta)
        self.runner.measure(e, self.metrics[e])
        loss = self.metrics[e, 0, 0]
        if not math.isfinite(loss):
            raise DivergenceError(f"the training loss became {loss} at epoch {e}", self.step_rows)

    def stop_reason(self, control: Control | None = None) -> str | None:
        """Return why ``fit`` would stop here (``epochs``, ``early_stopping``, ``interrupted``)."""
        if self.epoch >= self.settings.epochs:
            return "epochs"
        if self.watch and self.wait >= self.settings.patience:
            return "early_stopping"
        if control is not None and control.stop:
            return "interrupted"
        return None

    def _observe(self) -> None:
        """Measure the current state into its metrics row; follow the best and the records."""
        e, row, history = self.epoch, self.metrics[self.epoch], self.history
        self.runner.measure(e, row)
        losses = row[0].tolist()  # Python floats compare faster than numpy scalars, every epoch
        loss = losses[0]
        if not math.isfinite(loss):
            raise DivergenceError(f"the training loss became {loss} at epoch {e}", self.step_rows)
        if e in self.record:
            track = self.parts.track
            if track is not None:
                history.probabilities += _tracked(e, track, self.runner.probabilities())
            if e in self.snap_row:
                self.snaps[self.snap_row[e]] = self.net.theta
        monitored = losses[self.monitor]
        if monitored < self.best_loss - self.min_delta:
            self.best_loss, history.best_epoch, self.wait = monitored, e, 0
            if self.watch:
                self.best_theta = self.net.theta.copy()
        else:
            self.wait += 1
        history.epochs_run = e
        self._report(e, e)

    def _report(self, e: int, done: float) -> None:
        """Call ``progress`` with row ``e`` and ``done`` epochs of updates, now and then."""
        if self.progress is not None and time.perf_counter() >= self.next_report:
            self.history.done = done
            self.progress(e, self.history)
            self.next_report = time.perf_counter() + REPORT_EVERY_S

    def _views(self) -> dict[str, Array]:
        """Return the history's columns as views of every row of ``metrics``, filled or not."""
        M = self.metrics
        return {
            "epoch": np.arange(len(M), dtype=np.float64),
            "train_loss": M[:, 0, 0],
            "train_accuracy": M[:, 1, 0],
            "val_loss": M[:, 0, 1],
            "val_accuracy": M[:, 1, 1],
            "lr": np.full(len(M), self.settings.lr),
            "test_loss": M[:, 0, 2],
            "test_accuracy": M[:, 1, 2],
        }

    def columns(self) -> dict[str, Array]:
        """Return the history's columns, one row per state from 0 to the current epoch."""
        last = self.epoch + 1
        columns = {k: np.ascontiguousarray(c[:last]) for k, c in self._views().items()}
        # Means by matmul can miss count / n by an ulp; accuracies are exact fractions.
        p = self.parts
        for part, Xp in (("train", p.X), ("val", p.X_val), ("test", p.X_test)):
            if Xp is not None:
                acc = columns[f"{part}_accuracy"]
                columns[f"{part}_accuracy"] = np.round(acc * len(Xp)) / len(Xp)
        return columns

    def finish(self, stop_reason: str) -> History:
        """Return the history of the epochs run, the best weights put back under early stopping.

        Raises DivergenceError if a weight is no longer finite.
        """
        net, history, track, e = self.net, self.history, self.parts.track, self.epoch
        if not np.all(np.isfinite(net.theta)):
            raise DivergenceError(f"a weight became non-finite by epoch {e}", self.step_rows)
        history.stop_reason = stop_reason
        history.columns = self.columns()
        if track is not None:
            X = self.parts.X
            if e not in self.record:
                history.probabilities += _tracked(e, track, net.predict_proba(X[track.index]))
            _right_epochs(history, tracked_right(self.metrics[: e + 1, 1, 3], len(track.index)))
        if self.watch and self.best_theta is not None:
            net.theta[:] = self.best_theta
            history.restored = True
            if track is not None and history.best_epoch not in self.record:
                P = net.predict_proba(X[track.index])
                history.probabilities += _tracked(history.best_epoch, track, P)
                history.probabilities.sort(key=lambda r: r[0])  # stable: rows keep their order
        if self.max_snapshots >= 2:
            kept = history.kept_epoch
            earlier = [i for i, epoch in enumerate(self.snap_epochs) if epoch < kept]
            history.snapshot_epochs = [self.snap_epochs[i] for i in earlier] + [kept]
            history.snapshots = np.vstack([self.snaps[earlier], net.theta])
        if self.progress:
            history.done = e
            self.progress(e, history)
        return history


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # divergence is checked, not warned
def fit(
    net: Network,
    parts: Parts,
    settings: TrainSettings,
    rng: np.random.Generator,
    *,
    control: Control | None = None,
    progress: Progress | None = None,
    max_snapshots: int = 0,
) -> History:
    """Train ``net`` in place on ``parts.X`` (n_samples, n_features), ``parts.y``; return the history.

    Row ``e`` of the history is the state after ``e`` updates (epochs). Every row measures the
    validation rows (early stopping watches them), the test rows (recorded for display only:
    nothing here reads them to train, stop or choose weights) and the tracked rows, whose
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
    trainer = Trainer(net, parts, settings, rng, progress=progress, max_snapshots=max_snapshots)
    while (reason := trainer.stop_reason(control)) is None:
        trainer.step()
    return trainer.finish(reason)


def working_copy(net: Network, dtype: type[np.floating]) -> Network:
    """Return a copy of ``net`` whose parameters are in ``dtype``."""
    return Network(net.sizes, net.activation, net.theta.astype(dtype))


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
