"""The math of the lesson as pure numpy functions.

Names follow the math: ``Z`` are raw outputs (logits) or pre-activations, shape
``(n_samples, n_units)``; ``A = f(Z)`` are activations; ``P`` are SoftMax probabilities; ``y`` holds
class indices ``(n_samples,)``; ``Y`` is its one-hot matrix; ``dA``, ``dZ`` are gradients of the loss.
Every numerical safeguard of the package lives here: SoftMax subtracts the row max, log-SoftMax and
cross-entropy use log-sum-exp, so logits of magnitude 1e4 give neither ``log(0)`` nor overflow.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError

Array = NDArray[np.float64]

LEAKY_SLOPE = 0.01


class Activation(NamedTuple):
    """A hidden-layer activation, with what the reference network and the fast engine need of it.

    ``forward`` and ``backward`` write in place (``out`` may be ``Z`` itself); ``backward`` may
    overwrite ``Z`` with scratch values: the backward pass has no further use for it, and reusing
    it spares a temporary per layer and epoch. The last two fields serve the engine alone, which
    runs every epoch: a ``numpy_call`` is called from C, without the Python frame of ``forward``,
    and a ``slope`` lets it take f'(Z) of all hidden layers in one pass before multiplying.
    """

    forward: Callable[[Array, Array], Array]  # (Z, out) -> out = f(Z)
    backward: Callable[[Array, Array, Array], Array]  # (dA, Z, A) -> dA *= f'(Z), in place
    relu_like: bool  # chooses He (True) or Glorot (False) initialisation
    # (A, out) -> out = f'(Z), from A = f(Z) alone; None where f' needs Z itself
    slope: Callable[[Array, Array], Array] | None = None
    # zeros shaped like Z -> f, called as f(Z, out=A): a ufunc or a partial of one giving the
    # values of ``forward``; None: the engine calls ``forward``
    numpy_call: Callable[[Array], Callable[..., Array]] | None = None


def _sigmoid(Z: Array, out: Array) -> Array:
    # 0.5 * (1 + tanh(Z / 2)) is the logistic function with no exp to overflow.
    np.multiply(Z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _relu_slope(A: Array, out: Array) -> Array:
    return np.greater(A, 0.0, out)  # 1.0 where z > 0, else 0.0: a float mask multiplies faster


def _tanh_slope(A: Array, out: Array) -> Array:
    return np.subtract(1.0, np.multiply(A, A, out), out)  # 1 - tanh(z)**2


def _sigmoid_slope(A: Array, out: Array) -> Array:
    return np.multiply(np.subtract(1.0, A, out), A, out)  # sigma(z) (1 - sigma(z))


def _times_slope(slope: Callable[[Array, Array], Array]) -> Callable[[Array, Array, Array], Array]:
    """Return the in-place ``backward`` of an activation whose derivative ``slope`` gets from A."""

    def backward(dA: Array, Z: Array, A: Array) -> Array:
        return np.multiply(dA, slope(A, Z), out=dA)  # Z holds f'(Z) as scratch

    return backward


def _leaky_forward(Z: Array, out: Array) -> Array:
    return np.maximum(Z, LEAKY_SLOPE * Z, out=out)  # max(z, 0.01 z): z for z > 0, else 0.01 z


def _leaky_backward(dA: Array, Z: Array, A: Array) -> Array:
    return np.multiply(dA, np.where(Z > 0, 1.0, LEAKY_SLOPE), out=dA)


def _softplus_backward(dA: Array, Z: Array, A: Array) -> Array:
    return np.multiply(dA, _sigmoid(Z, Z), out=dA)


def _identity_forward(Z: Array, out: Array) -> Array:
    np.copyto(out, Z)
    return out


# Relu's numpy call is max(zeros, Z): numpy's SIMD maximum covers two arrays, not an array and a
# scalar, and runs twice as fast.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(
        lambda Z, out: np.maximum(Z, 0.0, out=out),
        _times_slope(_relu_slope),
        True,
        _relu_slope,
        lambda zeros: partial(np.maximum, zeros),
    ),
    "leaky_relu": Activation(_leaky_forward, _leaky_backward, True),
    "tanh": Activation(
        lambda Z, out: np.tanh(Z, out=out),
        _times_slope(_tanh_slope),
        False,
        _tanh_slope,
        lambda zeros: np.tanh,
    ),
    "sigmoid": Activation(_sigmoid, _times_slope(_sigmoid_slope), False, _sigmoid_slope),
    "softplus": Activation(lambda Z, out: np.logaddexp(0.0, Z, out=out), _softplus_backward, True),
    "identity": Activation(_identity_forward, lambda dA, Z, A: dA, False),
}


def get_activation(name: str) -> Activation:
    """Return the activation registered under ``name``; raise BadInputError listing the valid ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        allowed = ", ".join(ACTIVATIONS)
        raise BadInputError(f"unknown activation {name!r}; allowed: {allowed}") from None


def activate(name: str, Z: Array) -> Array:
    """Return f(Z) for the activation ``name``, as a new array."""
    Z = np.asarray(Z, dtype=np.float64)
    return get_activation(name).forward(Z, np.empty_like(Z))


def derivative(name: str, Z: Array) -> Array:
    """Return f'(Z) elementwise for the activation ``name``."""
    Z = np.asarray(Z, dtype=np.float64)
    act = get_activation(name)
    return act.backward(np.ones_like(Z), Z.copy(), act.forward(Z, np.empty_like(Z)))


def logsumexp(Z: Array) -> Array:
    """Return ``log(sum(exp(Z)))`` over the last axis, without overflow."""
    Z = np.asarray(Z, dtype=np.float64)
    m = Z.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(Z - m).sum(axis=-1, keepdims=True)))[..., 0]


def softmax(Z: Array) -> Array:
    """Return SoftMax over the last axis of ``Z``: positive values that sum to 1."""
    Z = np.asarray(Z, dtype=np.float64)
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))  # the largest term is exp(0): no overflow
    return E / E.sum(axis=-1, keepdims=True)


def log_softmax(Z: Array) -> Array:
    """Return log(SoftMax(Z)) by log-sum-exp: finite even where SoftMax underflows to 0."""
    Z = np.asarray(Z, dtype=np.float64)
    return Z - logsumexp(Z)[..., None]


def one_hot(y: NDArray[np.integer], n_classes: int) -> Array:
    """Return the one-hot matrix (n_samples, n_classes) of class indices ``y``."""
    Y = np.zeros((len(y), n_classes))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def cross_entropy(Z: Array, y: NDArray[np.integer]) -> float:
    """Return the mean cross-entropy of SoftMax(Z) against classes ``y``, computed from logits."""
    Z = np.asarray(Z, dtype=np.float64)
    return float(np.mean(logsumexp(Z) - Z[np.arange(len(y)), y]))


def cross_entropy_grad(Z: Array, y: NDArray[np.integer]) -> Array:
    """Return d(cross_entropy)/dZ = (SoftMax(Z) - onehot(y)) / n, the fused output delta."""
    dZ = softmax(Z)
    dZ[np.arange(len(y)), y] -= 1.0
    dZ /= len(y)
    return dZ


def argmax(P: Array) -> NDArray[np.intp]:
    """Return the index of the largest value in each row (the first one on ties)."""
    return np.asarray(P).argmax(axis=-1)


def argmax_one_hot(P: Array) -> NDArray[np.int64]:
    """Return ArgMax as 0/1 rows: 1 at the largest value, 0 elsewhere (the lesson's [1, 0, 0])."""
    P = np.asarray(P)
    out = np.zeros(P.shape, dtype=np.int64)
    np.put_along_axis(out, argmax(P)[..., None], 1, axis=-1)
    return out


def softmax_jacobian(z: Array) -> Array:
    """Return the matrix dp_i/dz_j of SoftMax at one vector of raw outputs ``z``.

    It is p_i (1 - p_i) on the diagonal and -p_i p_j off it.
    """
    p = softmax(np.asarray(z, dtype=np.float64).reshape(-1))
    return np.diag(p) - np.outer(p, p)
