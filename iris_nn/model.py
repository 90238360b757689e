"""The network: hidden layers with one activation, then a SoftMax output layer.

Layer ``i`` (numbered from 1) maps ``A_{i-1} (n, n_in) @ W_i (n_in, n_out) + b_i (n_out,)``, the layout
of scikit-learn's ``MLPClassifier.coefs_`` / ``intercepts_``. All parameters live in one flat
float64 vector ``theta``: each layer is a view ``Wb_i (n_in + 1, n_out)`` whose last row is ``b_i``.
That layout lets an input with a trailing column of ones compute ``X @ W + b`` as one matmul,
``A.T @ dZ`` give the gradients of ``W`` and ``b`` at once, and an optimiser update every parameter
with one vector operation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from iris_nn.functional import Array, get_activation, log_softmax, softmax


class Network:
    """A fully connected classifier ``sizes[0] -> ... -> sizes[-1]`` with SoftMax outputs.

    Parameters
    ----------
    sizes : sequence of int
        ``[n_features, *hidden, n_classes]``; no hidden widths is softmax regression.
    activation : str
        Name of the hidden-layer activation in ``functional.ACTIVATIONS``.
    theta : ndarray of shape (n_params,), optional
        The flat parameter vector (zeros when omitted); used as is, not copied.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", theta: Array | None = None):
        self.sizes = [int(s) for s in sizes]
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"layer sizes must be >= 1 with an input and an output: {sizes}")
        self.activation = activation
        self.act = get_activation(activation)
        shapes = [
            (n_in + 1, n_out) for n_in, n_out in zip(self.sizes, self.sizes[1:], strict=False)
        ]
        n_params = sum(r * c for r, c in shapes)
        if theta is None:
            theta = np.zeros(n_params)
        if theta.shape != (n_params,) or theta.dtype != np.float64:
            raise ValueError(f"theta must be float64 of shape ({n_params},), got {theta.shape}")
        self.theta = theta
        self.layers: list[Array] = []  # Wb_i views into theta, (n_in + 1, n_out)
        self.weight_mask = np.ones(n_params)  # 1 on weights, 0 on biases: L2 skips biases
        offset = 0
        for r, c in shapes:
            self.layers.append(theta[offset : offset + r * c].reshape(r, c))
            self.weight_mask[offset + (r - 1) * c : offset + r * c] = 0.0
            offset += r * c

    @classmethod
    def initialised(
        cls, sizes: Sequence[int], activation: str, rng: np.random.Generator
    ) -> Network:
        """Return a network with He (relu-like) or Glorot weights drawn from ``rng``, biases zero."""
        net = cls(sizes, activation)
        for Wb in net.layers:
            n_in, n_out = Wb.shape[0] - 1, Wb.shape[1]
            if net.act.relu_like:
                Wb[:-1] = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out))
            else:
                bound = np.sqrt(6.0 / (n_in + n_out))
                Wb[:-1] = rng.uniform(-bound, bound, (n_in, n_out))
        return net

    @property
    def n_layers(self) -> int:
        """Return the number of weight layers (hidden layers + 1)."""
        return len(self.layers)

    @property
    def hidden(self) -> list[int]:
        """Return the hidden-layer widths."""
        return self.sizes[1:-1]

    def W(self, i: int) -> Array:
        """Return the weights of layer ``i`` (from 1), a view of shape (n_in, n_out)."""
        return self.layers[i - 1][:-1]

    def b(self, i: int) -> Array:
        """Return the biases of layer ``i`` (from 1), a view of shape (n_out,)."""
        return self.layers[i - 1][-1]

    def copy(self) -> Network:
        """Return an independent copy."""
        return Network(self.sizes, self.activation, self.theta.copy())

    def state_dict(self) -> dict[str, Array]:
        """Return the parameters as ``{"W1": ..., "b1": ..., ...}`` (copies)."""
        out: dict[str, Array] = {}
        for i in range(1, self.n_layers + 1):
            out[f"W{i}"] = self.W(i).copy()
            out[f"b{i}"] = self.b(i).copy()
        return out

    @classmethod
    def from_state_dict(cls, params: dict[str, Array], activation: str) -> Network:
        """Return the network whose parameters are ``W1..WL``, ``b1..bL``; check every shape."""
        n_layers = sum(1 for k in params if k.startswith("W") and k[1:].isdigit())
        if n_layers == 0:
            raise ValueError("no weight arrays W1.. in the parameters")
        expected = {f"{p}{i}" for p in "Wb" for i in range(1, n_layers + 1)}
        if set(params) != expected:
            missing, extra = sorted(expected - set(params)), sorted(set(params) - expected)
            raise ValueError(
                f"expected arrays W1..W{n_layers}, b1..b{n_layers}; "
                f"missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        sizes: list[int] = []
        for i in range(1, n_layers + 1):
            W, b = np.asarray(params[f"W{i}"]), np.asarray(params[f"b{i}"])
            if W.ndim != 2 or b.shape != (W.shape[1],) or (sizes and W.shape[0] != sizes[-1]):
                raise ValueError(
                    f"layer {i} has inconsistent shapes: W{i} {W.shape}, b{i} {b.shape}"
                )
            sizes += [W.shape[0], W.shape[1]] if i == 1 else [W.shape[1]]
        net = cls(sizes, activation)
        for i in range(1, n_layers + 1):
            net.W(i)[...] = params[f"W{i}"]
            net.b(i)[...] = params[f"b{i}"]
        return net

    def forward(self, X: Array) -> Array:
        """Return the raw outputs (logits), shape (n_samples, n_classes), of inputs ``X``."""
        A = np.asarray(X, dtype=np.float64)  # (n, n_features)
        for i in range(1, self.n_layers):
            Z = A @ self.W(i) + self.b(i)  # (n, hidden_i)
            A = self.act.forward(Z, Z)
        return A @ self.W(self.n_layers) + self.b(self.n_layers)  # (n, n_classes)

    def predict_proba(self, X: Array, temperature: float = 1.0) -> Array:
        """Return SoftMax probabilities (n_samples, n_classes) of the logits divided by temperature."""
        return softmax(self.forward(X) / temperature)

    def predict(self, X: Array) -> NDArray[np.intp]:
        """Return the ArgMax class index of every row."""
        return self.forward(X).argmax(axis=1)

    def loss(self, X: Array, y: NDArray[np.integer], l2: float = 0.0) -> float:
        """Return mean cross-entropy plus ``l2 / 2 * sum(W**2) / n`` (weights only)."""
        logp = log_softmax(self.forward(X))
        ce = -float(np.mean(logp[np.arange(len(y)), y]))
        return ce + self.l2_penalty(l2, len(y))

    def gradient(self, X: Array, y: NDArray[np.integer], l2: float = 0.0) -> tuple[float, Array]:
        """Return the loss and its gradient as a flat vector laid out like ``theta``."""
        batch = Batch(self, X, y)
        batch.forward()
        ce, _ = batch.loss_accuracy()
        grad = batch.backward(batch.output_delta(), l2).copy()
        return ce + self.l2_penalty(l2, len(y)), grad

    def l2_penalty(self, l2: float, n: int) -> float:
        """Return ``l2 / 2 * sum(W**2) / n`` over the weights (not the biases)."""
        if not l2:
            return 0.0
        w = self.theta * self.weight_mask
        return 0.5 * l2 * float(w @ w) / n

    def unflatten(self, flat: Array) -> dict[str, Array]:
        """Return a flat vector laid out like ``theta`` as ``{"W1": ..., "b1": ..., ...}`` arrays."""
        return Network(self.sizes, self.activation, flat).state_dict()


class Batch:
    """A forward and backward pass over fixed rows, with every buffer allocated once.

    Training calls it every epoch on the same data, so each step is a handful of numpy calls into
    preallocated buffers: on Iris the cost of an epoch is per-call overhead, not arithmetic.
    Validation rows ``X_val`` and tracked rows ``X_track`` ride along below the ``n`` fitted rows:
    the same matmuls carry them, so one forward pass yields the metrics of both parts and the tracked
    probabilities, while the gradient uses the fitted rows only.

    Per epoch: ``forward()``, then ``metrics()`` (or ``softmax()`` alone), then
    ``backward(output_delta(), l2)``. Products use ``np.dot`` with ``out=``: on matrices this small
    it costs about 0.3 us less per call than ``@`` / ``np.matmul``, whose generic ufunc machinery
    dominates.
    """

    def __init__(
        self,
        net: Network,
        X: Array,
        y: NDArray[np.integer],
        X_val: Array | None = None,
        y_val: NDArray[np.integer] | None = None,
        X_track: Array | None = None,
    ):
        self.net = net
        n = len(X)
        if n == 0:
            raise ValueError("a batch needs at least one row")
        n_val = 0 if X_val is None or y_val is None else len(X_val)
        n_track = 0 if X_track is None else len(X_track)
        N, k = n + n_val + n_track, net.sizes[-1]
        self.n, self.n_val = n, n_val
        # A_aug[i] = [A_i, 1]: the ones column turns X @ W + b into one matmul with Wb.
        self.A_aug = [np.ones((N, s + 1)) for s in net.sizes[:-1]]
        self.A = [a[:, :-1] for a in self.A_aug]
        self.Z = [np.empty((N, s)) for s in net.sizes[1:]]
        self._forward_plan = list(zip(self.A_aug, net.layers, self.Z, self.A[1:], strict=False))
        self.y_all = np.zeros(N, dtype=np.intp)  # tracked rows get class 0; no metric reads it
        if X_val is not None and y_val is not None:
            self.A[0][n : n + n_val] = X_val
            self.y_all[n : n + n_val] = y_val
        if X_track is not None:
            self.A[0][n + n_val :] = X_track
        # Part weights: metrics = [ce_i; correct_i] (2, N) @ weights (N, 2) gives the means of
        # both parts in one matmul. NaN weights make the val column NaN when there are no val rows.
        self.weights = np.zeros((N, 2))
        self.weights[:n, 0] = 1.0 / n
        self.weights[n : n + n_val, 1] = 1.0 / max(n_val, 1)
        if not n_val:
            self.weights[:, 1] = np.nan
        self.track = slice(n + n_val, N)
        self.Y_over_n = np.zeros((n, k))
        self.load(X, y)
        self.dZ = np.empty((n, k))
        self.grad = np.empty_like(net.theta)  # laid out like theta
        self.grad_layers = Network(net.sizes, net.activation, self.grad).layers
        # Views of the fitted rows, built once (a slice costs as much as a small ufunc). Per layer
        # i from the top down to 2: A_{i-1}^T with ones (n_in + 1, n), dWb_i, W_i^T (n_out, n_in),
        # and the dA, Z, A of layer i - 1; layer 1 needs only its A^T: no gradient reaches X.
        self._backward_plan = [
            (
                self.A_aug[i][:n].T,
                self.grad_layers[i],
                net.layers[i][:-1].T,
                np.empty((n, net.sizes[i])),
                self.Z[i - 1][:n],
                self.A[i][:n],
            )
            for i in range(net.n_layers - 1, 0, -1)
        ]
        self._first_A_T = self.A_aug[0][:n].T  # (n_features + 1, n)
        logits = self.Z[-1]
        self.logit_columns = [logits[:, j : j + 1] for j in range(k)]  # (N, 1) each
        self._first_pair = self.logit_columns[0], self.logit_columns[1 % k]  # k = 1: max(z, z)
        self._more_columns = self.logit_columns[2:]
        self.m = np.empty((N, 1))
        self.D = np.empty((N, k))
        self.E = np.empty((N, k))
        # E @ [1, n] gives each row's sum s and n * s in one matmul: the output delta
        # E / (n s) - Y / n then takes two calls instead of three.
        self.sums = np.empty((N, 2))
        self.s, self.ns_fit = self.sums[:, :1], self.sums[:n, 1:]  # (N, 1), (n, 1)
        self.E_fit = self.E[:n]
        self.one_and_n = np.tile([1.0, n], (k, 1))  # (k, 2)
        self.C = np.empty((2, N))  # per row: cross-entropy, 1.0 if ArgMax is right
        self.z_true = np.empty(N)  # z_true - m of each row
        self.s_flat = self.sums[:, 0]  # (N,) view of s
        self.pred = np.empty(N, dtype=np.intp)
        self._l2_scaled: tuple[float, Array] | None = None
        self._l2_term = np.empty_like(net.theta)

    def load(self, X: Array, y: NDArray[np.integer]) -> None:
        """Put new fitted rows of the same count into the buffers (mini-batches reuse one Batch)."""
        n, k = self.n, self.net.sizes[-1]
        self.A[0][:n] = X
        self.y = self.y_all[:n]
        self.y[:] = y
        self.target = np.arange(len(self.y_all)) * k + self.y_all  # flat index of each true logit
        self.Y_over_n.fill(0.0)
        self.Y_over_n[np.arange(n), self.y] = 1.0 / n

    def forward(self) -> Array:
        """Return the logits (N, n_classes) of every row at the current parameters (a buffer)."""
        act = self.net.act.forward
        for A_aug, Wb, Z, A in self._forward_plan:
            np.dot(A_aug, Wb, out=Z)  # (N, hidden_i)
            act(Z, A)
        return np.dot(self.A_aug[-1], self.net.layers[-1], out=self.Z[-1])  # (N, n_classes)

    def softmax(self) -> None:
        """Keep the row max ``m``, ``D = Z - m``, ``E = exp(D)`` and row sums ``s`` of the logits."""
        m = self.m
        # k - 1 elementwise maximums of columns: a reduction along a 3-wide axis costs 5x more.
        np.maximum(*self._first_pair, out=m)
        for c in self._more_columns:
            np.maximum(m, c, out=m)
        np.subtract(self.Z[-1], m, out=self.D)  # <= 0: exp cannot overflow
        np.exp(self.D, out=self.E)
        np.dot(self.E, self.one_and_n, out=self.sums)  # [s, n s], cheaper than E.sum(axis=1)

    def metrics(self, out: Array | None = None) -> Array:
        """Return [[train loss, val loss], [train accuracy, val accuracy]] of the last forward pass.

        Loss is mean cross-entropy ``log(s) - (z_true - m)`` (log-sum-exp: finite for any finite
        logits); accuracy the share of rows whose ArgMax is the true class (the first max on ties).
        The val column is NaN without validation rows. Writes into ``out`` (2, 2) when given.
        """
        self.softmax()
        C, D = self.C, self.D
        ce, correct = C
        np.subtract(np.log(self.s_flat, out=ce), D.take(self.target, out=self.z_true), out=ce)
        np.equal(D.argmax(axis=1, out=self.pred), self.y_all, out=correct)
        return np.dot(C, self.weights, out=out)  # (2, 2)

    def loss_accuracy(self, Z: Array | None = None) -> tuple[float, float]:
        """Return the mean cross-entropy and ArgMax accuracy of the fitted rows (after forward)."""
        M = self.metrics()
        return float(M[0, 0]), round(float(M[1, 0]) * self.n) / self.n

    def probabilities(self) -> Array:
        """Return the SoftMax probabilities (n_track, n_classes) of the tracked rows (a new array)."""
        return self.E[self.track] / self.s[self.track]

    def output_delta(self, Z: Array | None = None) -> Array:
        """Return (SoftMax(Z) - onehot(y)) / n of the fitted rows (a buffer), after ``softmax()``."""
        dZ = np.divide(self.E_fit, self.ns_fit, out=self.dZ)  # (n, n_classes)
        return np.subtract(dZ, self.Y_over_n, out=dZ)

    def backward(self, dZ: Array, l2: float = 0.0) -> Array:
        """Return the gradient of the loss (a buffer laid out like theta), given the output delta."""
        act_backward = self.net.act.backward
        for A_T, grad_Wb, W_T, dA, Z, A in self._backward_plan:
            np.dot(A_T, dZ, out=grad_Wb)  # (n_in + 1, n_out): dW and db at once
            dZ = act_backward(np.dot(dZ, W_T, out=dA), Z, A)  # (n, n_in)
        np.dot(self._first_A_T, dZ, out=self.grad_layers[0])
        if l2:
            self.grad += np.multiply(self._l2_scale(l2), self.net.theta, out=self._l2_term)
        return self.grad

    def _l2_scale(self, l2: float) -> Array:
        if self._l2_scaled is None or self._l2_scaled[0] != l2:
            self._l2_scaled = (l2, self.net.weight_mask * (l2 / self.n))
        return self._l2_scaled[1]
