"""How an epoch runs: the rows training fits and measures, and the two ways to run their epochs.

``OneBatchEpochs`` when every row fits one ``Batch`` (Iris: call overhead dominates, so one fused
pass per epoch), ``ChunkedEpochs`` otherwise (a million rows: arithmetic and memory dominate, so
mini-batches gather their rows and exact passes go in chunks). Both fill a metrics row laid out as
``Batch.metrics``: (2, 4) = loss and accuracy of train, val and test, and the tracked rows' code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.engine import Batch, Rows
from iris_nn.core.functional import Array
from iris_nn.core.network import Network


@dataclass(frozen=True)
class Tracked:
    """Training rows followed through training: their SoftMax probabilities and ArgMax."""

    index: NDArray[np.intp]  # (n_track,) their positions in the training rows ``X``
    rows: NDArray[np.intp]  # (n_track,) their indices in the data set, for the records


@dataclass(frozen=True)
class Parts:
    """The rows training fits (``X``, ``y``) and those it only measures, absent ones None."""

    X: Array
    y: NDArray[np.intp]
    X_val: Array | None = None
    y_val: NDArray[np.intp] | None = None
    X_test: Array | None = None
    y_test: NDArray[np.intp] | None = None
    track: Tracked | None = None

    def present(self) -> Parts:
        """Return these parts with an empty or half-given validation or test part made None."""
        val = self.X_val is not None and self.y_val is not None and len(self.X_val) > 0
        test = self.X_test is not None and self.y_test is not None and len(self.X_test) > 0
        return replace(
            self,
            X_val=self.X_val if val else None,
            y_val=self.y_val if val else None,
            X_test=self.X_test if test else None,
            y_test=self.y_test if test else None,
        )

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
