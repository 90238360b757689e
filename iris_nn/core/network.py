"""The network: hidden layers with one activation, then a SoftMax output layer.

Layer ``i`` (numbered from 1) maps ``A_{i-1} (n, n_in) @ W_i (n_in, n_out) + b_i (n_out,)``, the layout
of scikit-learn's ``MLPClassifier.coefs_`` / ``intercepts_``. All parameters live in one flat
float64 vector ``theta``: each layer is a view ``Wb_i (n_in + 1, n_out)`` whose last row is ``b_i``.
That layout lets an input with a trailing column of ones compute ``X @ W + b`` as one matmul,
``A.T @ dZ`` give the gradients of ``W`` and ``b`` at once, and an optimiser update every parameter
with one vector operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import (
    Array,
    activate,
    cross_entropy,
    cross_entropy_grad,
    derivative,
    get_activation,
    log_softmax,
    softmax,
)

# train.dtype -> the engine's working precision. Networks are float64 (saved, shown, predicting);
# training in float32 runs a float32 copy of the network and copies its weights back.
DTYPES: dict[str, type[np.floating]] = {"float64": np.float64, "float32": np.float32}
CHUNK_PRODUCT = 2**19  # multiply-adds of a chunk's largest product, in passes over many rows
# but rows enough that a wide layer is read rarely: an exact pass over 40,000 rows of 784-64-10
# took 0.089 s in chunks of 128 rows, 0.076 s in chunks of 512 (and 20-64-3's 390 as fast as 512)
MIN_CHUNK_ROWS = 512


def describe(sizes: Sequence[int], activation: str | None) -> str:
    """Return a network's shape for people: ``4-16-3 tanh``, or for no hidden layer
    ``4-3 softmax regression (no hidden layer)`` (its activation would be used nowhere)."""
    shape = "-".join(str(s) for s in sizes)
    if len(sizes) <= 2:
        return f"{shape} softmax regression (no hidden layer)"
    return f"{shape} {activation}"


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
        if theta.shape != (n_params,) or theta.dtype not in DTYPES.values():
            raise ValueError(
                f"theta must be float64 (or float32, to train in it) of shape ({n_params},), "
                f"got {theta.dtype} {theta.shape}"
            )
        self.theta = theta
        self.layers: list[Array] = []  # Wb_i views into theta, (n_in + 1, n_out)
        # 1 on weights, 0 on biases: L2 skips biases
        self.weight_mask = np.ones(n_params, theta.dtype)
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
            raise BadInputError("no weight arrays W1.. in the parameters")
        expected = {f"{p}{i}" for p in "Wb" for i in range(1, n_layers + 1)}
        if set(params) != expected:
            missing, extra = sorted(expected - set(params)), sorted(set(params) - expected)
            raise BadInputError(
                f"expected arrays W1..W{n_layers}, b1..b{n_layers}; "
                f"missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        sizes: list[int] = []
        for i in range(1, n_layers + 1):
            W, b = np.asarray(params[f"W{i}"]), np.asarray(params[f"b{i}"])
            if W.ndim != 2 or b.shape != (W.shape[1],) or (sizes and W.shape[0] != sizes[-1]):
                raise BadInputError(
                    f"layer {i} has inconsistent shapes: W{i} {W.shape}, b{i} {b.shape}"
                )
            sizes += [W.shape[0], W.shape[1]] if i == 1 else [W.shape[1]]
        net = cls(sizes, activation)
        for i in range(1, n_layers + 1):
            net.W(i)[...] = params[f"W{i}"]
            net.b(i)[...] = params[f"b{i}"]
        return net

    def forward(self, X: Array) -> Array:
        """Return the raw outputs (logits), shape (n_samples, n_classes), of inputs ``X``.

        Many rows go through a chunk at a time, so memory beyond the result stays a few MB.
        """
        return self._outputs(X, lambda Z: Z)

    def _outputs(self, X: Array, then: Callable[[Array], Array]) -> Array:
        """Return ``then`` of the raw outputs (n_samples, n_classes), a chunk of rows at a time.

        One sample (n_features,) gives its outputs (n_classes,).
        """
        X = np.asarray(X, dtype=np.float64)  # (n, n_features)
        if X.ndim == 1:
            return self._outputs(X[None, :], then)[0]
        out = np.empty((len(X), self.sizes[-1]))  # (n, n_classes)
        for rows, hidden in self.hidden_chunks(X):
            out[rows] = then(hidden[-1] @ self.W(self.n_layers) + self.b(self.n_layers))
        return out

    def chunk_rows(self) -> int:
        """Return the rows of one chunk of a pass over many rows: its largest product is
        ``CHUNK_PRODUCT``.

        Large enough that numpy's per-call cost is small against the arithmetic, small enough that
        the buffers stay in cache and that BLAS keeps to its single-threaded kernels for small
        matrices: its threads, on a machine whose other core is busy, cost far more than they save
        (a forward pass over 800,000 rows of a 20-64-3 network: 0.24 s in chunks of 512 rows,
        1.1 s in chunks of 4,096).
        """
        return max(MIN_CHUNK_ROWS, CHUNK_PRODUCT // max(Wb.size for Wb in self.layers))

    def hidden_chunks(self, X: Array) -> Iterator[tuple[slice, list[Array]]]:
        """Yield, a chunk of rows of ``X`` at a time, the rows and their activations per layer.

        The list holds the chunk's inputs, then each hidden layer's outputs ``A_i`` (rows,
        sizes[i]); only one chunk's activations are alive at a time.
        """
        X = np.asarray(X, dtype=np.float64)  # (n, n_features)
        step = self.chunk_rows()
        for start in range(0, max(len(X), 1), step):
            rows = slice(start, start + step)
            hidden = [X[rows]]
            for i in range(1, self.n_layers):
                Z = hidden[-1] @ self.W(i) + self.b(i)  # (rows, hidden_i)
                hidden.append(self.act.forward(Z, Z))
            yield rows, hidden

    def forward_layers(self, X: Array) -> tuple[list[Array], list[Array]]:
        """Return every layer's ``Z`` and every ``A`` of a forward pass, to show or backpropagate.

        ``zs[i - 1]`` is layer i's ``A_{i-1} @ W_i + b_i`` (n_samples, sizes[i]); ``activations[0]``
        is ``X`` and ``activations[i]`` is f(``zs[i - 1]``), except that the last is the raw
        outputs themselves (SoftMax is applied by whoever needs probabilities).
        """
        activations = [np.asarray(X, dtype=np.float64)]  # (n, n_features)
        zs = []
        for i in range(1, self.n_layers + 1):
            Z = activations[-1] @ self.W(i) + self.b(i)  # (n, sizes[i])
            zs.append(Z)
            activations.append(activate(self.activation, Z) if i < self.n_layers else Z)
        return zs, activations

    def predict_proba(self, X: Array) -> Array:
        """Return the SoftMax probabilities (n_samples, n_classes) of the logits."""
        return self._outputs(X, softmax)

    def predict(self, X: Array) -> NDArray[np.intp]:
        """Return the ArgMax class index of every row."""
        return self.forward(X).argmax(axis=1)

    def loss(self, X: Array, y: NDArray[np.integer], l2: float = 0.0) -> float:
        """Return mean cross-entropy plus ``l2 / 2 * sum(W**2) / n`` (weights only)."""
        logp = log_softmax(self.forward(X))
        ce = -float(np.mean(logp[np.arange(len(y)), y]))
        return ce + self.l2_penalty(l2, len(y))

    def gradient(self, X: Array, y: NDArray[np.integer], l2: float = 0.0) -> tuple[float, Array]:
        """Return the loss and its gradient as a flat vector laid out like ``theta``.

        The textbook backpropagation (Nielsen's ``backprop``, batch-first): keep every ``Z`` and
        ``A`` of the forward pass; the output delta is SoftMax and cross-entropy fused,
        ``(P - Y) / n``; each layer's gradient is ``A_prev.T @ delta``, and the delta moves one
        layer down as ``(delta @ W.T) * f'(Z_prev)``. The fast engine (``engine.Batch``) is tested
        against this.
        """
        n, L = len(y), self.n_layers
        zs, activations = self.forward_layers(X)
        nabla = Network(self.sizes, self.activation)  # zeros, laid out like theta
        delta = cross_entropy_grad(zs[-1], y)  # (n, n_classes)
        for i in range(L, 0, -1):
            nabla.W(i)[...] = activations[i - 1].T @ delta + (l2 / n) * self.W(i)  # (n_in, n_out)
            nabla.b(i)[...] = delta.sum(axis=0)  # (n_out,)
            if i > 1:
                delta = (delta @ self.W(i).T) * derivative(self.activation, zs[i - 2])
        return cross_entropy(zs[-1], y) + self.l2_penalty(l2, n), nabla.theta

    def l2_penalty(self, l2: float, n: int) -> float:
        """Return ``l2 / 2 * sum(W**2) / n`` over the weights (not the biases)."""
        if not l2:
            return 0.0
        w = self.theta * self.weight_mask
        return 0.5 * l2 * float(w @ w) / n

    def unflatten(self, flat: Array) -> dict[str, Array]:
        """Return a flat vector laid out like ``theta`` as ``{"W1": ..., "b1": ..., ...}`` arrays."""
        return Network(self.sizes, self.activation, flat).state_dict()
