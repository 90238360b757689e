"""The fast engine: forward and backward passes over fixed rows, with every buffer allocated once.

``Network.gradient`` is the readable reference; this engine computes the same numbers with far
fewer numpy calls per epoch, and the tests hold it to that reference and to scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.functional import Activation, Array
from iris_nn.core.network import Network

MAX_TRACKED = 52  # tracked rows whose right/wrong bits add up exactly in one float64
MAX_ROW_BY_ROW = 4  # classes up to which each sample's max is taken row by row, not reduced


def tracked_right(codes: Array, n_track: int) -> NDArray[np.bool_]:
    """Return (len(codes), n_track): whether ArgMax names the true class of each tracked row.

    ``codes`` are values of ``Batch.metrics()[1, 3]``, each ``sum_j 2**j [tracked row j right]``.
    """
    bits = np.asarray(codes).astype(np.int64)[:, None] >> np.arange(n_track)
    return (bits & 1).astype(bool)


def _activation_call(act: Activation, zeros: Array) -> Callable[..., Array]:
    """Return f(Z, out=A) of a hidden layer: the activation's numpy call where it has one."""
    return act.forward if act.numpy_call is None else act.numpy_call(zeros)


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
    the classes is k - 1 elementwise maximums of rows. Only the inputs keep one sample per row,
    ``X_aug (N, n_features + 1)`` with a column of ones: a mini-batch gathers its rows of the data
    set straight into it, and BLAS reads ``X_aug.T`` without a copy. Products use ``np.dot`` with
    ``out=``: on matrices this small it costs about 0.3 us less per call than ``@`` / ``np.matmul``.

    Per epoch: ``forward()``, then ``metrics()`` (or ``softmax()`` alone), then
    ``backward(output_delta(), l2)``. ``load()`` puts other rows of the same count in (one Batch
    serves every mini-batch of a length). A batch that is one chunk of ``divisor`` rows reports
    its share of their means and gradient, so that the chunks' results add up to the whole's.

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
        divisor: int | None = None,
    ):
        self.net = net
        # The working precision is theta's (train.dtype): every buffer but the metrics' has it.
        self.dtype = dtype = net.theta.dtype
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
        self.N = N
        self.divisor = float(divisor or n)  # the rows whose mean the fitted rows are a part of
        # AT_aug[i] = [A_i.T; 1]: the row of ones turns W.T @ A.T + b into one product with Wb.T.
        self.X_aug = np.ones((N, net.sizes[0] + 1), dtype)  # one sample per row, then a 1
        self.X_fit = self.X_aug[:n, :-1]  # (n, n_features), where load() puts the fitted rows
        self._gathered: Array | None = None  # (n, n_features), where load() gathers rows first
        # The hidden layers' [A_i.T; 1] lie in one block, and their Z_i.T in a block shaped
        # alike: f'(Z) of every hidden layer then takes one elementwise pass, not one per layer.
        rows = [0, *np.cumsum([s + 1 for s in net.hidden]).tolist()]  # first row of each layer
        self.A_block = np.ones((rows[-1], N), dtype)
        self.Z_block = np.empty((rows[-1], N), dtype)
        layers = list(zip(rows[:-1], net.hidden, strict=True))
        self.AT_aug = [self.X_aug.T] + [self.A_block[r : r + s + 1] for r, s in layers]
        self.AT = [a[:-1] for a in self.AT_aug]  # (s, N), contiguous from layer 1 on
        self.ZT = [self.Z_block[r : r + s] for r, s in layers] + [np.empty((k, N), dtype)]
        WbT = [Wb.T for Wb in net.layers]  # (n_out, n_in + 1) views into theta
        zeros = np.zeros((max(net.hidden, default=0), N), dtype)
        acts = [_activation_call(net.act, zeros[:s]) for s in net.hidden]  # act(Z, out=A) of each
        self._forward_plan = list(zip(WbT, self.AT_aug, self.ZT, self.AT[1:], acts, strict=False))
        self._logits_plan = WbT[-1], self.AT_aug[-1], self.ZT[-1]
        y_all = np.zeros(N, dtype=np.intp)
        for part, (Xp, yp) in zip(self.parts[1:], measured, strict=True):
            if Xp is not None and yp is not None:
                self.X_aug[part, :-1] = Xp
                y_all[part] = yp
        # Part weights: metrics = [ce_i; correct_i] (2, N) @ weights (N, 4) gives the means of the
        # train, val and test parts in one product; NaN weights make a part without rows NaN.
        # Column 3 packs which tracked rows ArgMax gets right into one exact integer,
        # sum_j 2**j [row j right] (``tracked_right`` unpacks it): the same product records it.
        self.weights = np.zeros((N, 4))
        for j, (part, size) in enumerate(zip(self.parts, sizes, strict=True)):
            if size:
                self.weights[part, j] = 1.0 / (self.divisor if j == 0 else size)
            else:
                self.weights[:, j] = np.nan
        self.weights[self.track, 3] = 2.0 ** np.arange(len(self.track))
        self.columns = np.arange(N)
        self.target = y_all * N + self.columns  # flat index of each true logit in DT (k, N)
        self.YT = np.zeros((k, N), self.dtype)  # one-hot of the fitted rows' classes, over divisor
        self.load(X, y)
        self._lay_out_backward(net, n, N, k)
        self._lay_out_softmax(n, N, k)

    def _lay_out_backward(self, net: Network, n: int, N: int, k: int) -> None:
        """Allocate the backward pass's buffers and plan its layers, top down."""
        # The backward pass runs over all N columns with zero deltas outside the fitted ones:
        # the extra columns add exact zeros to the gradient, and contiguous rows make every
        # elementwise step about twice as fast as on the (., n) slices.
        self.dZT = np.zeros((k, N), self.dtype)
        self.dZT_fit = self.dZT[:, :n]
        self.grad = np.empty_like(net.theta)  # laid out like theta
        self.grad_layers = Network(net.sizes, net.activation, self.grad).layers
        # Per layer i from the top down to 2: [A_{i-1}.T; 1] (n_in + 1, N), dWb_i,
        # W_i (n_in, n_out), the dA.T of layer i - 1 and how to multiply it by f'(Z); layer 1
        # needs only its inputs: no gradient reaches X.
        self._slopes = net.act.slope if net.hidden else None
        self._backward_plan = [
            (
                self.AT_aug[i],
                self.grad_layers[i],
                net.layers[i][:-1],
                np.empty((net.sizes[i], N), self.dtype),
                self._times_slope(i - 1),
            )
            for i in range(net.n_layers - 1, 0, -1)
        ]

    def _lay_out_softmax(self, n: int, N: int, k: int) -> None:
        """Allocate the buffers of SoftMax, the loss and the metrics over the N columns."""
        self.logits = logits = self.ZT[-1]  # (k, N)
        self._z0, self._z1 = logits[0], logits[1 % k]  # k = 1: max(z, z)
        self._more_rows = list(logits[2:]) if k <= MAX_ROW_BY_ROW else None
        self.m = np.empty(N, self.dtype)  # each sample's largest logit
        self.DT = np.empty((k, N), self.dtype)  # Z - m, <= 0
        self.ET = np.empty((k, N), self.dtype)  # exp(Z - m)
        # [1, n].T @ E.T gives each sample's sum s and n * s in one product: the output delta
        # E / (n s) - Y / n then takes two calls instead of three.
        self.sums = np.empty((2, N), self.dtype)
        self.s, self.ns_fit = self.sums[0], self.sums[1, :n]  # (N,), (n,)
        self.ET_fit = self.ET[:, :n]
        self.one_and_n = np.array([[1.0] * k, [self.divisor] * k], self.dtype)  # (2, k)
        self.C = np.empty((2, N))  # per sample: cross-entropy, 1.0 if ArgMax is right
        # worked out in the working precision (a float32 ufunc writing float64 goes through
        # numpy's casting buffers: a third of a float32 mini-batch's metrics), summed in float64
        self.C_work = self.C if self.dtype == np.float64 else np.empty((2, N), self.dtype)
        self.ce, self.correct = self.C_work  # views kept: unpacking an array every epoch costs
        self.z_true = np.empty(N, self.dtype)  # z_true - m of each sample
        # Each sample's max gives one zero of D = Z - m, and a tie more: without ties, D has
        # exactly (k - 1) N nonzero entries (a NaN counts as nonzero, as it is no maximum).
        self.nonzero_without_ties = (k - 1) * N
        self.pred = np.empty(N, dtype=np.intp)
        self._l2_scaled: tuple[float, Array] | None = None
        self._l2_term = np.empty_like(self.net.theta)

    def load(self, X: Array, y: NDArray[np.integer], rows: NDArray[np.intp] | None = None) -> None:
        """Make ``X[rows]`` (all of ``X`` without ``rows``) the fitted rows, ``y`` their classes.

        Their count must be ``n``. Only the fitted rows' inputs, classes and one-hot change.
        """
        if rows is None:
            np.copyto(self.X_fit, X)
        else:
            # numpy gathers into a strided ``out`` through a temporary of its own (4x slower at
            # 784 inputs): gather into a contiguous buffer, then copy. "clip": rows are in range.
            if self._gathered is None:
                self._gathered = np.empty(self.X_fit.shape, X.dtype)
            np.copyto(self.X_fit, np.take(X, rows, axis=0, out=self._gathered, mode="clip"))
        target = self.target[: self.n]
        np.multiply(y, self.N, out=target)
        np.add(target, self.columns[: self.n], out=target)
        self._stale_onehot = True  # output_delta() rebuilds YT; passes that only measure never do

    def forward(self) -> Array:
        """Return the logits (N, n_classes) of every row at the current parameters (a view)."""
        dot = np.dot  # positional ``out``: numpy parses keywords more slowly
        for WbT, AT_aug, ZT, AT, act in self._forward_plan:
            act(dot(WbT, AT_aug, ZT), out=AT)  # (hidden_i, N)
        WbT, AT_aug, ZT = self._logits_plan
        return dot(WbT, AT_aug, ZT).T  # (N, n_classes)

    def softmax(self) -> None:
        """Keep the max ``m``, ``D = Z - m``, ``E = exp(D)`` and the sums ``s`` of each row."""
        m, maximum, z0, z1 = self.m, np.maximum, self._z0, self._z1
        if self._more_rows is None:  # many classes: one reduction, 5x faster than 49 calls at 50
            maximum.reduce(self.logits, axis=0, out=m)
        else:  # k - 1 elementwise maximums of contiguous rows: cheaper than a reduction at k <= 4
            maximum(z0, z1, out=m)  # numpy deprecates a positional ``out`` for maximum
            for z in self._more_rows:
                maximum(m, z, out=m)
        DT, ET = self.DT, self.ET
        np.subtract(self.logits, m, DT)  # <= 0: exp cannot overflow
        np.exp(DT, ET)
        np.dot(self.one_and_n, ET, self.sums)  # [s; n s], cheaper than E.sum(axis=1)

    def metrics(self, out: Array | None = None) -> Array:
        """Return the metrics (2, 4) of the last forward pass: one column per part.

        Columns 0, 1, 2 are the train, val and test parts: row 0 their mean cross-entropy
        ``log(s) - (z_true - m)`` (log-sum-exp: finite for any finite logits), row 1 their
        accuracy, the share of rows whose ArgMax is the true class (the first max on ties); a part
        without rows is NaN. ``[1, 3]`` says which tracked rows are right (``tracked_right``
        unpacks it); ``[0, 3]`` means nothing. Writes into ``out`` (2, 4) when given.
        """
        self.softmax()
        DT, ce, correct, z_true = self.DT, self.ce, self.correct, self.z_true
        np.subtract(np.log(self.s, ce), DT.take(self.target, out=z_true), ce)
        # ArgMax is right where the true logit is the max (z_true - m = 0), unless it ties with
        # an earlier class's: argmax settles ties (the first max wins) but costs 20 times more
        # on many rows, so it runs only when some sample has two maxima. As z_true - m <= 0,
        # heaviside(z_true - m, 1) is 1.0 just where it is 0: the test ``== 0`` with no cast from
        # bool to float (a third faster). A non-finite logit leaves its sample no zero in D (a tie
        # elsewhere could hide that from the count) and makes its cross-entropy NaN, which the
        # product carries into every column of row 0, the tracked rows' too (never NaN from
        # finite logits): argmax then answers instead.
        np.heaviside(z_true, 1.0, correct)
        M = self._means(out)
        tracked_ce = M.item(0, 3)
        if np.count_nonzero(DT) != self.nonzero_without_ties or tracked_ce != tracked_ce:
            np.equal(DT.argmax(axis=0, out=self.pred), self.target // self.N, correct)
            M = self._means(out)
            if M.item(0, 3) != M.item(0, 3):
                # A NaN cross-entropy (a test row's logits overflowed: a finite 1e308 input)
                # times a zero weight is NaN in every part's mean: each part sums its own.
                for j, part in enumerate(self.parts):
                    if part.stop > part.start:
                        M[:, j] = self.C[:, part] @ self.weights[part, j]
                M[:, 3] = self.C[:, self.track] @ self.weights[self.track, 3]
        return M

    def _means(self, out: Array | None) -> Array:
        """Return the parts' means (2, 4) of the per-sample cross-entropy and rightness, in float64."""
        if self.C_work is not self.C:
            np.copyto(self.C, self.C_work)
        return np.dot(self.C, self.weights, out)

    def loss_accuracy(self) -> tuple[float, float]:
        """Return the mean cross-entropy and ArgMax accuracy of the fitted rows (after forward)."""
        M = self.metrics()
        return float(M[0, 0]), round(float(M[1, 0]) * self.n) / self.n

    def probabilities(self) -> Array:
        """Return the SoftMax probabilities (n_track, n_classes) of the tracked rows (a new array).

        Needs ``softmax()`` (or ``metrics()``) since the last forward pass.
        """
        return (self.ET[:, self.track] / self.s[self.track]).T.astype(np.float64, copy=False)

    def output_delta(self) -> Array:
        """Return ((SoftMax(Z) - onehot(y)) / n).T of the fitted rows, zeros for the others.

        ``n`` is the divisor (the fitted rows' count unless they are a chunk of more). Needs
        ``softmax()`` (or ``metrics()``) since the last forward pass.
        """
        if self._stale_onehot:
            self.YT.fill(0.0)
            self.YT.put(self.target[: self.n], 1.0 / self.divisor)
            self._stale_onehot = False
        np.divide(self.ET_fit, self.ns_fit, self.dZT_fit)  # (n_classes, n)
        # Over all N columns, where 0 - 0 keeps the zeros: contiguous rows subtract 3x faster.
        return np.subtract(self.dZT, self.YT, self.dZT)  # (n_classes, N)

    def _times_slope(self, i: int) -> Callable[[Array, Array], Array]:
        """Return how to write dA * f'(Z) of hidden layer ``i`` (from 0) into a buffer."""
        if self._slopes is not None:  # f'(Z) is computed for all layers first, into Z_block
            return partial(np.multiply, self.ZT[i])
        backward, ZT, AT = self.net.act.backward, self.ZT[i], self.AT[i + 1]
        return lambda dAT, out: backward(dAT, ZT, AT)  # in place: ``out`` is ``dAT`` here

    def backward(self, dZT: Array, l2: float = 0.0) -> Array:
        """Return the gradient of the loss (a buffer laid out like theta), given ``output_delta()``."""
        dot = np.dot
        if self._slopes is not None:
            self._slopes(self.A_block, self.Z_block)  # f'(Z) of every hidden layer, over Z
        delta = dZT
        for AT_aug, grad_Wb, W, dAT, times_slope in self._backward_plan:
            dot(AT_aug, dZT.T, grad_Wb)  # (n_in + 1, n_out): dW and db at once
            dZT = times_slope(dot(W, dZT, dAT), dAT)  # (n_in, N)
        dot(self.AT_aug[0], dZT.T, self.grad_layers[0])
        if self.n < self.N and not np.isfinite(self.grad).all():
            # A val or test row's activation overflowed to inf (a finite 1e308 input) and its
            # zero delta made 0 * inf = NaN: sum over the fitted columns only. Only then, since
            # BLAS may add a shorter sum in another order (the last bit of a normal gradient).
            # A batch of fitted rows alone (every mini-batch) has no such columns: no check.
            self._fitted_products(delta)
        if l2:
            self.grad += np.multiply(self._l2_scale(l2), self.net.theta, out=self._l2_term)
        return self.grad

    def _fitted_products(self, dZT: Array) -> None:
        """Write the gradient's products into ``grad`` again, summing over the fitted columns only.

        Each layer's dZ.T is still in its ``dAT`` buffer from the pass just made: its fitted
        columns depend on the fitted columns alone, so they are right.
        """
        n = self.n
        for AT_aug, grad_Wb, _, dAT, _ in self._backward_plan:
            np.dot(AT_aug[:, :n], dZT[:, :n].T, grad_Wb)  # (n_in + 1, n_out)
            dZT = dAT
        np.dot(self.AT_aug[0][:, :n], dZT[:, :n].T, self.grad_layers[0])

    def _l2_scale(self, l2: float) -> Array:
        if self._l2_scaled is None or self._l2_scaled[0] != l2:
            self._l2_scaled = (l2, self.net.weight_mask * (l2 / self.divisor))
        return self._l2_scaled[1]


class Rows:
    """Exact passes over fixed rows, a chunk at a time, in memory bounded by the chunk.

    A pass yields the mean cross-entropy and accuracy of all the rows at the current parameters,
    and for full-batch training their gradient. Each chunk is the fitted part of a ``Batch`` whose
    divisor is the number of rows, so the chunks' shares add up to the whole's means and gradient;
    one Batch serves every chunk of a length, and a single chunk stays loaded between passes.
    """

    def __init__(self, net: Network, X: Array, y: NDArray[np.integer], chunk: int):
        self.net, self.X, self.y, self.n = net, X, y, len(X)
        self.bounds = [(s, min(s + chunk, self.n)) for s in range(0, self.n, chunk)]
        self.batches: dict[int, Batch] = {}
        for start, stop in self.bounds[:1] + self.bounds[-1:]:
            if stop - start not in self.batches:
                rows = slice(start, stop)
                self.batches[stop - start] = Batch(net, X[rows], y[rows], divisor=self.n)
        self.grad = np.empty_like(net.theta)

    def _forward(self) -> Iterator[Batch]:
        """Yield the batch of each chunk in turn, after its forward pass."""
        reload = len(self.bounds) > 1
        for start, stop in self.bounds:
            batch = self.batches[stop - start]
            if reload:
                batch.load(self.X[start:stop], self.y[start:stop])
            batch.forward()
            yield batch

    def metrics(self, out: Array) -> Array:
        """Write [mean cross-entropy, accuracy] (2,) of all the rows into ``out``; return it."""
        out[:] = 0.0
        for batch in self._forward():
            out += batch.metrics()[:, 0]
        return out

    def gradient(self, l2: float, out: Array) -> Array:
        """Return the full-batch gradient (a buffer laid out like theta) as ``Batch.backward``.

        The same forward passes write [mean cross-entropy, accuracy] (2,) into ``out``.
        """
        out[:] = 0.0
        self.grad[:] = 0.0
        for batch in self._forward():
            out += batch.metrics()[:, 0]
            self.grad += batch.backward(batch.output_delta(), l2)
            l2 = 0.0  # the penalty's gradient belongs to the whole, once
        return self.grad
