"""Optimisers against scikit-learn's own SGD (momentum, Nesterov) and Adam updates."""

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from iris_nn.core.optim import make_optimizer


def _run(ours_name, theirs, steps=5, **kw):
    rng = np.random.default_rng(0)
    theta = rng.normal(size=12)
    ref = [theta.copy()]
    theirs = theirs(ref)
    opt = make_optimizer(ours_name, theta, **kw)
    for _ in range(steps):
        g = rng.normal(size=12)
        opt.step(g)
        theirs.update_params(ref, [g.copy()])
    np.testing.assert_allclose(theta, ref[0], rtol=0, atol=1e-14)


def test_gd_is_theta_minus_lr_grad():
    theta = np.array([1.0, -2.0])
    make_optimizer("gd", theta, lr=0.5).step(np.array([2.0, 2.0]))
    np.testing.assert_array_equal(theta, [0.0, -3.0])


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_sklearn(nesterov):
    _run(
        "momentum",
        lambda p: SGDOptimizer(p, learning_rate_init=0.1, momentum=0.8, nesterov=nesterov),
        lr=0.1,
        momentum=0.8,
        nesterov=nesterov,
    )


def test_adam_matches_sklearn():
    _run("adam", lambda p: AdamOptimizer(p, learning_rate_init=0.01), steps=20, lr=0.01)


def test_unknown_optimizer():
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; allowed: gd, sgd"):
        make_optimizer("rmsprop", np.zeros(2), lr=0.1)
