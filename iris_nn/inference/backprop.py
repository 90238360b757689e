"""One step of backpropagation and gradient descent on given rows, with every number kept.

The rows go forward as ``predict --explain`` walks them (``inference.predict``); the loss is the
mean cross-entropy plus ``l2 / 2 * sum(W**2) / n``; the gradients are the textbook
``Network.gradient`` (STYLE 2b). Beside them this module keeps what a teacher writes on the board:
each row's delta per layer, ``dL/dZ`` of that row's own loss (``p - y`` at the output,
``(delta @ W.T) * f'(Z)`` one layer down), so that ``dL/dW = A_prev.T @ delta / n + l2 / n * W``
and ``dL/db = mean of delta``; the central-difference gradient of every parameter (step 1e-6); the
new values ``theta - lr * grad``; and the loss after the step.

Math names: ``X`` the scaled inputs (n, n_features), ``y`` the class indices (n,), ``A`` a layer's
outputs, ``Z`` its ``A_prev @ W + b``, ``delta`` the per-row ``dL/dZ``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError, CannotUseError
from iris_nn.core.functional import Array, derivative, log_softmax, one_hot
from iris_nn.core.network import Network
from iris_nn.inference.predict import Inputs, Prediction, class_codes, predict, row_objects
from iris_nn.store.jsontext import json_safe
from iris_nn.store.model_file import Model

STEP = 1e-6  # central differences: (L(w + h) - L(w - h)) / 2h
CHECK_LIMIT = 10_000 * 2_000  # parameters x rows beyond which the central differences are skipped
ATOL, RTOL = 1e-7, 1e-5  # |g - g_num| <= ATOL + RTOL |g_num|


@dataclass(frozen=True)
class LayerGradient:
    """One layer's part of the step: its deltas, and its weights and biases before and after."""

    delta: Array  # (n, n_out): dL_row/dZ of each row's own loss
    W: Array  # (n_in, n_out), before the step
    b: Array  # (n_out,)
    dW: Array  # noqa: N815  (n_in, n_out), Network.gradient's
    db: Array  # (n_out,)
    dW_num: Array | None  # noqa: N815 (n_in, n_out), central differences; None when skipped
    db_num: Array | None  # (n_out,)
    W_new: Array  # (n_in, n_out) = W - lr * dW
    b_new: Array  # (n_out,)


@dataclass(frozen=True)
class Step:
    """One gradient-descent step on the rows of ``forward``, every number of it."""

    forward: Prediction  # the forward pass, as predict --explain shows it
    y: NDArray[np.intp]  # (n,) the true classes
    lr: float
    l2: float
    cross_entropy: float  # mean -log p[true class], before the step
    l2_term: float  # l2 / 2 * sum(W**2) / n, before the step
    loss_after: float
    layers: tuple[LayerGradient, ...]  # layer 1 first
    notes: tuple[str, ...] = field(default=())

    @property
    def loss_before(self) -> float:
        """Return the loss the step starts from: cross-entropy plus the L2 term."""
        return self.cross_entropy + self.l2_term

    @property
    def checked(self) -> bool:
        """Return whether the central differences were computed."""
        return self.layers[0].dW_num is not None

    def to_dict(self) -> dict[str, Any]:
        """Return the content of ``backprop --format json``: ``lr, rows, loss_before, loss_after, forward, layers``.

        Arrays are nested lists in the model's layout (``W_i`` is (n_in, n_out), as in ``model.npz``); ``delta`` is (rows, units);
        ``numeric_grad`` is null when the check was skipped. Non-finite numbers become null.
        """

        def part(value: Array, grad: Array, numeric: Array | None, new: Array) -> dict[str, Any]:
            return {
                "value": value.tolist(),
                "grad": grad.tolist(),
                "numeric_grad": None if numeric is None else numeric.tolist(),
                "new": new.tolist(),
            }

        content = {
            "lr": self.lr,
            "rows": len(self.y),
            "loss_before": self.loss_before,
            "loss_after": self.loss_after,
            "forward": row_objects(self.forward, explain=True),
            "layers": [
                {
                    "layer": i,
                    "delta": g.delta.tolist(),
                    "W": part(g.W, g.dW, g.dW_num, g.W_new),
                    "b": part(g.b, g.db, g.db_num, g.b_new),
                }
                for i, g in enumerate(self.layers, 1)
            ],
        }
        return json_safe(content)


def labels_of(model: Model, labels: Sequence[str | int]) -> NDArray[np.intp]:
    """Return the class index of every label: a class name (or, as in CSV cells, its index).

    An unknown name raises BadInputError listing the classes.
    """
    code = class_codes(model.classes, model.dataset, model.target)
    out = []
    for label in labels:
        if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
            if not 0 <= label < len(model.classes):
                raise BadInputError(
                    f"class index {label} is out of range; allowed: 0 .. {len(model.classes) - 1} "
                    f"({', '.join(model.classes)})"
                )
            out.append(int(label))
        else:
            out.append(code(str(label)))
    return np.array(out, dtype=np.intp)


def backprop(
    model: Model,
    X: Array,
    labels: Sequence[str | int],
    lr: float,
    l2: float = 0.0,
) -> dict[str, Any]:
    """Return one gradient-descent step on rows ``X`` with classes ``labels``, as ``backprop --format json`` shows it.

    Parameters
    ----------
    model : Model
        The loaded model (``store.model_file.load_model``); it is not changed.
    X : ndarray of shape (n_samples, n_features) or (n_features,)
        Raw rows, in the data set's units and the model's feature order.
    labels : sequence of str or int, length n_samples
        Each row's true class: a class name, or its index.
    lr : float
        The learning rate: every new value is ``w - lr * dL/dw``.
    l2 : float
        The L2 strength (the run's ``train.l2``; 0 for a bare model file).

    Returns
    -------
    dict
        ``{"lr", "rows", "loss_before", "loss_after", "forward", "layers"}`` (see ``Step.to_dict``).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != len(model.features):
        raise BadInputError(
            f"rows of shape {X.shape}; this model expects {len(model.features)} values per row: "
            + ", ".join(model.features)
        )
    y = labels_of(model, labels)
    if len(y) != len(X):
        raise BadInputError(f"{len(X)} rows but {len(y)} labels; give one label per row")
    return step(model, Inputs(X, y), lr, l2).to_dict()


def step(model: Model, inputs: Inputs, lr: float, l2: float = 0.0) -> Step:
    """Return one gradient-descent step of ``model`` on ``inputs`` (their true classes known)."""
    if inputs.truth is None:
        raise BadInputError(f"backprop needs each row's true class ({model.target})")
    if not (lr > 0 and np.isfinite(lr)):
        raise BadInputError(f"learning rate {lr}; allowed: a number > 0")
    if not (l2 >= 0 and np.isfinite(l2)):
        raise BadInputError(f"L2 strength {l2}; allowed: a number >= 0")
    if model.temperature != 1:
        raise CannotUseError(
            f"the model's SoftMax temperature is {model.temperature:g}; backprop steps a model as "
            "training does, with temperature 1"
        )
    forward = predict(model, inputs)  # overflowing inputs are refused here, as in predict
    net, y, n = model.net, inputs.truth, len(inputs.truth)
    with np.errstate(all="ignore"):
        loss, grad = net.gradient(forward.X_scaled, y, l2)  # (n_params,)
        deltas = _deltas(net, forward, y)
        new = Network(net.sizes, net.activation, net.theta - lr * grad)
        loss_after = new.loss(forward.X_scaled, y, l2)
    if not (np.isfinite(loss) and np.isfinite(grad).all()):
        raise CannotUseError(
            "the loss or its gradient overflows (inf or NaN) on these rows; the model's raw "
            "outputs are too large to step from"
        )
    if not (np.isfinite(new.theta).all() and np.isfinite(loss_after)):
        raise CannotUseError(
            f"the step with lr {lr:g} makes the weights or the loss overflow (inf or NaN); "
            "allowed: a smaller --lr"
        )
    notes: list[str] = []
    numeric = None
    if net.theta.size * n <= CHECK_LIMIT:
        numeric = numeric_gradient(net, forward.X_scaled, y, l2)
    else:
        notes.append(
            f"the central-difference check is skipped: {net.theta.size:,} parameters x {n:,} rows "
            f"is beyond {CHECK_LIMIT:,} (10,000 parameters x 2,000 rows)"
        )
    g, g_num = net.unflatten(grad), None if numeric is None else net.unflatten(numeric)
    after = new.state_dict()
    layers = tuple(
        LayerGradient(
            deltas[i - 1],
            net.W(i).copy(),
            net.b(i).copy(),
            g[f"W{i}"],
            g[f"b{i}"],
            None if g_num is None else g_num[f"W{i}"],
            None if g_num is None else g_num[f"b{i}"],
            after[f"W{i}"],
            after[f"b{i}"],
        )
        for i in range(1, net.n_layers + 1)
    )
    ce = loss - net.l2_penalty(l2, n)
    return Step(forward, y, lr, l2, ce, net.l2_penalty(l2, n), loss_after, layers, tuple(notes))


def _deltas(net: Network, forward: Prediction, y: NDArray[np.intp]) -> list[Array]:
    """Return each layer's per-row ``delta = dL_row/dZ`` (n, n_out), layer 1 first.

    At the output SoftMax and cross-entropy together give ``P - Y``; one layer down
    ``delta_j = (sum over k of w_jk delta_k) * f'(z_j)``, i.e. ``(delta @ W.T) * f'(Z)``.
    """
    delta = forward.P - one_hot(y, net.sizes[-1])  # (n, n_classes)
    deltas = [delta]
    for i in range(net.n_layers, 1, -1):
        delta = (delta @ net.W(i).T) * derivative(net.activation, forward.layers[i - 2].Z)
        deltas.insert(0, delta)
    return deltas


def numeric_gradient(net: Network, X: Array, y: NDArray[np.intp], l2: float) -> Array:
    """Return the central-difference gradient of the loss, laid out like ``theta``.

    Each parameter of layer i moves by +-``STEP`` alone: only column k of ``Z_i`` changes (by
    +-h times the input it multiplies, 1 for a bias), so the layers below are computed once and
    only those above again. The L2 term differs only in the moved weight, so its difference is
    taken on that weight alone (the others would cancel, up to rounding).
    """
    zs, activations = net.forward_layers(X)
    n, L, h = len(y), net.n_layers, STEP
    rows = np.arange(n)
    out = Network(net.sizes, net.activation)  # zeros, laid out like theta

    def loss_from(i: int, Z: Array) -> float:
        """Return the cross-entropy when layer i's pre-activations are ``Z``."""
        for k in range(i + 1, L + 1):
            A = net.act.forward(Z, np.empty_like(Z))
            Z = A @ net.W(k) + net.b(k)
        return -float(np.mean(log_softmax(Z)[rows, y]))

    for i in range(1, L + 1):
        A_prev = np.column_stack([activations[i - 1], np.ones(n)])  # (n, n_in + 1): bias last
        Wb = net.layers[i - 1]  # (n_in + 1, n_out)
        grad = out.layers[i - 1]
        Z = zs[i - 1]
        for j in range(Wb.shape[0]):
            for k in range(Wb.shape[1]):
                column = Z[:, k].copy()
                Z[:, k] = column + h * A_prev[:, j]
                up = loss_from(i, Z)
                Z[:, k] = column - h * A_prev[:, j]
                down = loss_from(i, Z)
                Z[:, k] = column
                grad[j, k] = (up - down) / (2 * h)
                if l2 and j < Wb.shape[0] - 1:  # a weight, not a bias
                    w = Wb[j, k]
                    grad[j, k] += 0.5 * l2 * ((w + h) ** 2 - (w - h) ** 2) / n / (2 * h)
    return out.theta
