"""The fast engine: forward and backward passes over fixed rows, with every buffer allocated once.

``Network.gradient`` is the readable reference; this engine computes the same numbers with far
fewer numpy calls per epoch, and the tests hold it to that reference and to scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.functional import Array
from iris_nn.core.network import Network

MAX_TRACKED = 52  # tracked rows whose right/wrong bits add up exactly in one float64


def tracked_right(codes: Array, n_track: int) -> NDArray[np.bool_]:
    """Return (len(codes), n_track): whether ArgMax names the true class of each tracked row.

    ``codes`` are values of ``Batch.metrics()[1, 3]``, each ``sum_j 2**j [tracked row j right]``.
    """
    bits = np.asarray(codes).astype(np.int64)[:, None] >> np.arange(n_track)
    return (bits & 1).astype(bool)


class Batch:
    """A forward and backward pass over fixed rows, with every buffer allocated once.

    Training calls it every epoch on the same data, so each step is a handful of numpy calls into
    preallocated buffers: on Iris the cost of an epoch is per-call overhead, not arithmetic.
    Validation rows ``X_val`` and test rows ``X_test`` ride along after the ``n`` fitted rows, in
    that order: the same products carry them, so one forward pass yields the metrics of every
    part, while the gradient uses the fitted rows only. Nothing here lets the validation or test
    rows change a weight; what the training loop does with their metrics is its own choice.
    ``track`` names fitted rows (positions in ``X``) whose SoftMax probabilities and ArgMax are
    followed: they are read off the same columns.

    Inside, samples run along the columns: ``AT_i = A_i.T (n_units, N)``, ``ZT_i = Wb_i.T @ AT_aug``.
    Each unit's values are then one contiguous row, so activations write contiguous memory (numpy's
    SIMD loops) even though a row of ones sits under them for the biases, and each sample's max over
    the classes is k - 1 elementwise maximums of rows. Products use ``np.dot`` with ``out=``: on
    matrices this small it costs about 0.3 us less per call than ``@`` / ``np.matmul``.

    Per epoch: ``forward()``, then ``metrics()`` (or ``softmax()`` alone), then
    ``backward(output_delta(), l2)``.

    ``softmax()`` and ``metrics()`` repeat the max-subtraction and log-sum-exp of ``functional``
    inline, into these buffers, because calls dominate an epoch; the tests hold them to
    ``functional`` and to scikit-learn.
    """

    def __init__(
        self,
        net: Network,
        X: Array,
        y: NDArray[np.integer],
        X_val: Array | None = None,
        y_val: NDArray[np.integer] | None = None,
        track: Sequence[int] | NDArray[np.integer] = (),
        X_test: Array | None = None,
        y_test: NDArray[np.integer] | None = None,
    ):
        self.net = net
        n = len(X)
        if n == 0:
            raise ValueError("a batch needs at least one row")
        measured = [(X_val, y_val), (X_test, y_test)]  # measured every pass, never fitted
        sizes = [n] + [0 if Xp is None or yp is None else len(Xp) for Xp, yp in measured]
        self.track = np.asarray(track, dtype=np.intp)  # (n_track,) positions among the fitted rows
        if (
            len(self.track) > MAX_TRACKED
            or len(np.unique(self.track)) < len(self.track)
            or np.any((self.track < 0) | (self.track >= n))
        ):
            raise ValueError(f"track: at most {MAX_TRACKED} distinct positions in 0..{n - 1}")
        N, k = sum(sizes), net.sizes[-1]
        ends = np.cumsum(sizes).tolist()
        self.parts = [slice(end - size, end) for size, end in zip(sizes, ends, strict=True)]
        self.n, self.n_val, self.n_test = sizes
        # AT_aug[i] = [A_i.T; 1]: the row of ones turns W.T @ A.T + b into one product with Wb.T.
        self.AT_aug = [np.ones((s + 1, N)) for s in net.sizes[:-1]]
        self.AT = [a[:-1] for a in self.AT_aug]  # (s, N), contiguous
        self.ZT = [np.empty((s, N)) for s in net.sizes[1:]]
        WbT = [Wb.T for Wb in net.layers]  # (n_out, n_in + 1) views into theta
        self._forward_plan = list(zip(WbT, self.AT_aug, self.ZT, self.AT[1:], strict=False))
        self._logits_plan = WbT[-1], self.AT_aug[-1], self.ZT[-1]
        self.y_all = np.zeros(N, dtype=np.intp)
        for part, (Xp, yp) in zip(self.parts[1:], measured, strict=True):
            if part.stop > part.start:
                self.AT[0][:, part] = np.asarray(Xp).T
                self.y_all[part] = np.asarray(yp)
        # Part weights: metrics = [ce_i; correct_i] (2, N) @ weights (N, 4) gives the means of the
        # train, val and test parts in one product; NaN weights make a part without rows NaN.
        # Column 3 packs which tracked rows ArgMax gets right into one exact integer,
        # sum_j 2**j [row j right] (``tracked_right`` unpacks it): the same product records it.
        self.weights = np.zeros((N, 4))
        for j, (part, size) in enumerate(zip(self.parts, sizes, strict=True)):
            if size:
                self.weights[part, j] = 1.0 / size
            else:
                self.weights[:, j] = np.nan
        self.weights[self.track, 3] = 2.0 ** np.arange(len(self.track))
        self.YT_over_n = np.zeros((k, n))
        self.load(X, y)
        # The backward pass runs over all N columns with zero deltas outside the fitted ones:
        # the extra columns add exact zeros to the gradient, and contiguous rows make every
        # elementwise step about twice as fast as on the (., n) slices.
        self.dZT = np.zeros((k, N))
        self.dZT_fit = self.dZT[:, :n]
        self.grad = np.empty_like(net.theta)  # laid out like theta
        self.grad_layers = Network(net.sizes, net.activation, self.grad).layers
        # Per layer i from the top down to 2: [A_{i-1}.T; 1] (n_in + 1, N), dWb_i,
        # W_i (n_in, n_out), and the dA.T, Z.T, A.T of layer i - 1; layer 1 needs only its
        # inputs: no gradient reaches X.
        self._backward_plan = [
            (
                self.AT_aug[i],
                self.grad_layers[i],
                net.layers[i][:-1],
                np.empty((net.sizes[i], N)),
                self.ZT[i - 1],
                self.AT[i],
            )
            for i in range(net.n_layers - 1, 0, -1)
        ]
        logits = self.ZT[-1]
        self._first_pair = logits[0], logits[1 % k]  # k = 1: max(z, z)
        self._more_rows = list(logits[2:])
        self.m = np.empty(N)  # each sample's largest logit
        self.DT = np.empty((k, N))  # Z - m, <= 0
        self.ET = np.empty((k, N))  # exp(Z - m)
        # [1, n].T @ E.T gives each sample's sum s and n * s in one product: the output delta
        # E / (n s) - Y / n then takes two calls instead of three.
        self.sums = np.empty((2, N))
        self.s, self.ns_fit = self.sums[0], self.sums[1, :n]  # (N,), (n,)
        self.ET_fit = self.ET[:, :n]
        self.one_and_n = np.array([[1.0] * k, [float(n)] * k])  # (2, k)
        self.C = np.empty((2, N))  # per sample: cross-entropy, 1.0 if ArgMax is right
        self.z_true = np.empty(N)  # z_true - m of each sample
        self.pred = np.empty(N, dtype=np.intp)
        self._l2_scaled: tuple[float, Array] | None = None
        self._l2_term = np.empty_like(net.theta)

    def load(self, X: Array, y: NDArray[np.integer]) -> None:
        """Put new fitted rows of the same count into the buffers (mini-batches reuse one Batch)."""
        n, N = self.n, len(self.y_all)
        self.AT[0][:, :n] = np.asarray(X).T
        self.y = self.y_all[:n]
        self.y[:] = y
        self.target = self.y_all * N + np.arange(N)  # flat index of each true logit in DT
        self.YT_over_n.fill(0.0)
        self.YT_over_n[self.y, np.arange(n)] = 1.0 / n

    def forward(self) -> Array:
        """Return the logits (N, n_classes) of every row at the current parameters (a view)."""
        act = self.net.act.forward
        for WbT, AT_aug, ZT, AT in self._forward_plan:
            np.dot(WbT, AT_aug, out=ZT)  # (hidden_i, N)
            act(ZT, AT)
        WbT, AT_aug, ZT = self._logits_plan
        return np.dot(WbT, AT_aug, out=ZT).T  # (N, n_classes)

    def softmax(self) -> None:
        """Keep the max ``m``, ``D = Z - m``, ``E = exp(D)`` and the sums ``s`` of each row."""
        m = self.m
        # k - 1 elementwise maximums of contiguous rows: a reduction over a 3-long axis costs 5x more
        np.maximum(*self._first_pair, out=m)
        for z in self._more_rows:
            np.maximum(m, z, out=m)
        np.subtract(self.ZT[-1], m, out=self.DT)  # <= 0: exp cannot overflow
        np.exp(self.DT, out=self.ET)
        np.dot(self.one_and_n, self.ET, out=self.sums)  # [s; n s], cheaper than E.sum(axis=1)

    def metrics(self, out: Array | None = None) -> Array:
        """Return the metrics (2, 4) of the last forward pass: one column per part.

        Columns 0, 1, 2 are the train, val and test parts: row 0 their mean cross-entropy
        ``log(s) - (z_true - m)`` (log-sum-exp: finite for any finite logits), row 1 their
        accuracy, the share of rows whose ArgMax is the true class (the first max on ties); a part
        without rows is NaN. ``[1, 3]`` says which tracked rows are right (``tracked_right``
        unpacks it); ``[0, 3]`` means nothing. Writes into ``out`` (2, 4) when given.
        """
        self.softmax()
        C, DT = self.C, self.DT
        ce, correct = C
        np.subtract(np.log(self.s, out=ce), DT.take(self.target, out=self.z_true), out=ce)
        np.equal(DT.argmax(axis=0, out=self.pred), self.y_all, out=correct)
        return np.dot(C, self.weights, out=out)  # (2, 4)

    def loss_accuracy(self) -> tuple[float, float]:
        """Return the mean cross-entropy and ArgMax accuracy of the fitted rows (after forward)."""
        M = self.metrics()
        return float(M[0, 0]), round(float(M[1, 0]) * self.n) / self.n

    def probabilities(self) -> Array:
        """Return the SoftMax probabilities (n_track, n_classes) of the tracked rows (a new array).

        Needs ``softmax()`` (or ``metrics()``) since the last forward pass.
        """
        return (self.ET[:, self.track] / self.s[self.track]).T

    def output_delta(self) -> Array:
        """Return ((SoftMax(Z) - onehot(y)) / n).T of the fitted rows, zeros for the others.

        Needs ``softmax()`` (or ``metrics()``) since the last forward pass.
        """
        dZT = np.divide(self.ET_fit, self.ns_fit, out=self.dZT_fit)  # (n_classes, n)
        np.subtract(dZT, self.YT_over_n, out=dZT)
        return self.dZT  # (n_classes, N), zero outside the fitted columns

    def backward(self, dZT: Array, l2: float = 0.0) -> Array:
        """Return the gradient of the loss (a buffer laid out like theta), given ``output_delta()``."""
        act_backward = self.net.act.backward
        for AT_aug, grad_Wb, W, dAT, ZT, AT in self._backward_plan:
            np.dot(AT_aug, dZT.T, out=grad_Wb)  # (n_in + 1, n_out): dW and db at once
            dZT = act_backward(np.dot(W, dZT, out=dAT), ZT, AT)  # (n_in, N)
        np.dot(self.AT_aug[0], dZT.T, out=self.grad_layers[0])
        if l2:
            self.grad += np.multiply(self._l2_scale(l2), self.net.theta, out=self._l2_term)
        return self.grad

    def _l2_scale(self, l2: float) -> Array:
        if self._l2_scaled is None or self._l2_scaled[0] != l2:
            self._l2_scaled = (l2, self.net.weight_mask * (l2 / self.n))
        return self._l2_scaled[1]
