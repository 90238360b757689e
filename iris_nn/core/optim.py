"""Gradient-descent optimisers over the network's flat parameter vector ``theta``.

Each ``step(grad)`` updates ``theta`` in place with a handful of vector operations, whatever the
number of layers. Momentum follows scikit-learn's ``SGDOptimizer`` (``v = mu v - lr g``; Nesterov adds
``mu v - lr g``), Adam its ``AdamOptimizer`` (beta1 0.9, beta2 0.999, eps 1e-8).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array


class GD:
    """Plain gradient descent: ``theta -= lr * grad`` (gd and sgd differ only in their batches)."""

    def __init__(self, theta: Array, lr: float):
        self.theta = theta
        self.lr = np.array(lr, theta.dtype)  # 0-d: numpy converts it faster than a Python float
        self._buf = np.empty_like(theta)

    def step(self, grad: Array) -> None:
        """Move ``theta`` one step against ``grad``."""
        np.multiply(grad, self.lr, out=self._buf)
        np.subtract(self.theta, self._buf, out=self.theta)


class Momentum:
    """Gradient descent with momentum ``mu``, optionally with Nesterov's look-ahead."""

    def __init__(self, theta: Array, lr: float, momentum: float, nesterov: bool = False):
        self.theta, self.lr, self.mu, self.nesterov = theta, lr, momentum, nesterov
        self.velocity = np.zeros_like(theta)
        self._buf = np.empty_like(theta)

    def step(self, grad: Array) -> None:
        """Update the velocity with ``grad`` and move ``theta`` along it."""
        v, buf = self.velocity, self._buf
        np.multiply(grad, self.lr, out=buf)
        v *= self.mu
        v -= buf  # v = mu v - lr g
        if self.nesterov:
            np.multiply(v, self.mu, out=buf)
            np.subtract(buf, np.multiply(grad, self.lr), out=buf)  # mu v - lr g
            self.theta += buf
        else:
            self.theta += v


class Adam:
    """Adam with bias-corrected first and second moment estimates."""

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, theta: Array, lr: float):
        self.theta, self.lr, self.t = theta, lr, 0
        self.m = np.zeros_like(theta)
        self.v = np.zeros_like(theta)
        self._buf = np.empty_like(theta)

    def step(self, grad: Array) -> None:
        """Update the moment estimates with ``grad`` and move ``theta``."""
        # Every operation writes into a buffer: a temporary of a large layer's size costs a fresh
        # allocation (page faults) per step, as much as the arithmetic on it.
        self.t += 1
        b1, b2, m, v, buf = self.beta1, self.beta2, self.m, self.v, self._buf
        m *= b1
        np.multiply(grad, 1 - b1, out=buf)
        m += buf  # m = b1 m + (1 - b1) g
        v *= b2
        np.multiply(grad, grad, out=buf)
        buf *= 1 - b2
        v += buf  # v = b2 v + (1 - b2) g**2
        lr_t = self.lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)  # a Python float
        np.sqrt(v, out=buf)
        buf += self.eps
        np.divide(m, buf, out=buf)
        buf *= lr_t
        self.theta -= buf


Optimizer = GD | Momentum | Adam

# name -> (theta, lr, momentum, nesterov) -> optimiser; gd and sgd differ only in their batches
OPTIMIZERS: dict[str, Callable[[Array, float, float, bool], Optimizer]] = {
    "gd": lambda theta, lr, mu, nesterov: GD(theta, lr),
    "sgd": lambda theta, lr, mu, nesterov: GD(theta, lr),
    "momentum": Momentum,
    "adam": lambda theta, lr, mu, nesterov: Adam(theta, lr),
}
FULL_BATCH = frozenset({"gd"})  # optimisers that always use every training row per step


def make_optimizer(
    name: str, theta: Array, lr: float, momentum: float = 0.9, nesterov: bool = False
) -> Optimizer:
    """Return the optimiser registered as ``name`` over ``theta``; raise BadInputError if unknown."""
    try:
        factory = OPTIMIZERS[name]
    except KeyError:
        raise BadInputError(
            f"unknown optimizer {name!r}; allowed: {', '.join(OPTIMIZERS)}"
        ) from None
    return factory(theta, lr, momentum, nesterov)
