"""The network against oracles: central differences and scikit-learn's MLPClassifier.

Both gradients are held to them: the textbook ``Network.gradient`` and the engine's ``Batch``.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from iris_nn.core import network
from iris_nn.core.engine import Batch
from iris_nn.core.functional import ACTIVATIONS
from iris_nn.core.network import Network

SKLEARN_NAMES = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic", "identity": "identity"}
X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_STD = StandardScaler().fit_transform(X_IRIS)


def engine_gradient(net, X, y, l2):
    """Return the loss and gradient as training computes them, with the fast engine."""
    batch = Batch(net, X, y)
    batch.forward()
    ce, _ = batch.loss_accuracy()
    return ce + net.l2_penalty(l2, len(y)), batch.backward(batch.output_delta(), l2).copy()


GRADIENTS = {
    "textbook": lambda net, X, y, l2: net.gradient(X, y, l2),
    "engine": engine_gradient,
}


def _net(hidden, activation, seed=0, n_in=4, k=3):
    net = Network.initialised([n_in, *hidden, k], activation, np.random.default_rng(seed))
    # random, non-zero biases exercise the bias gradients too
    net.theta += np.random.default_rng(seed + 1).normal(0, 0.1, net.theta.shape) * (
        1 - net.weight_mask
    )
    return net


@pytest.mark.parametrize("source", list(GRADIENTS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("hidden", [[], [5], [4, 3]])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_gradient_matches_central_differences(source, activation, hidden, l2):
    rng = np.random.default_rng(42)
    X = rng.normal(size=(7, 4))
    y = np.array([0, 1, 2, 0, 1, 2, 1])
    net = _net(hidden, activation)
    loss, grad = GRADIENTS[source](net, X, y, l2)
    assert loss == pytest.approx(net.loss(X, y, l2), rel=1e-13)
    h = 1e-5  # balances truncation (h**2) against round-off (eps / h)
    numeric = np.empty_like(grad)
    for j in range(len(net.theta)):
        orig = net.theta[j]
        net.theta[j] = orig + h
        up = net.loss(X, y, l2)
        net.theta[j] = orig - h
        down = net.loss(X, y, l2)
        net.theta[j] = orig
        numeric[j] = (up - down) / (2 * h)
    rel = np.abs(grad - numeric) / np.maximum(np.abs(grad) + np.abs(numeric), 1e-7)
    assert rel.max() < 1e-6


def _sklearn_with(net, activation, lr=0.1, batch_size=None):
    n = len(X_STD)
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(net.hidden),
        activation=SKLEARN_NAMES[activation],
        solver="sgd",
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=batch_size or n,
        learning_rate_init=lr,
        max_iter=1,
        shuffle=False,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_STD, Y_IRIS)  # builds the structures; its weights are replaced below
    clf.coefs_ = [net.W(i).copy() for i in range(1, net.n_layers + 1)]
    clf.intercepts_ = [net.b(i).copy() for i in range(1, net.n_layers + 1)]
    return clf


@pytest.mark.parametrize("source", list(GRADIENTS))
@pytest.mark.parametrize("activation", list(SKLEARN_NAMES))
@pytest.mark.parametrize("hidden", [[8], [6, 5]])
def test_predict_proba_and_one_step_equal_sklearn(source, activation, hidden):
    net = _net(hidden, activation, seed=3)
    clf = _sklearn_with(net, activation)
    np.testing.assert_allclose(
        net.predict_proba(X_STD), clf.predict_proba(X_STD), rtol=0, atol=1e-12
    )
    assert (net.predict(X_STD) == clf.predict(X_STD)).all()

    _, grad = GRADIENTS[source](net, X_STD, Y_IRIS, 0.0)
    net.theta -= 0.1 * grad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X_STD, Y_IRIS)  # one epoch of one full batch: one step
    for i in range(1, net.n_layers + 1):
        np.testing.assert_allclose(net.W(i), clf.coefs_[i - 1], rtol=0, atol=1e-12)
        np.testing.assert_allclose(net.b(i), clf.intercepts_[i - 1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("activation", list(SKLEARN_NAMES))
def test_forward_a_chunk_at_a_time_equals_sklearn(activation, monkeypatch):
    # a 4-8-7-3 network's largest product is 8 + 1 by 7: 5 rows at a time, the last chunk full
    monkeypatch.setattr(network, "CHUNK_PRODUCT", 5 * 63)
    monkeypatch.setattr(network, "MIN_CHUNK_ROWS", 1)
    net = _net([8, 7], activation, seed=4)
    assert net.chunk_rows() == 5
    np.testing.assert_allclose(
        net.predict_proba(X_STD), _sklearn_with(net, activation).predict_proba(X_STD), atol=1e-12
    )
    assert net.forward(X_STD[:0]).shape == (0, 3)
    np.testing.assert_array_equal(net.predict_proba(X_STD[7]), net.predict_proba(X_STD[7:8])[0])
    rows = [(r.start, len(h[0]), [a.shape[1] for a in h]) for r, h in net.hidden_chunks(X_STD[:12])]
    assert rows == [(0, 5, [4, 8, 7]), (5, 5, [4, 8, 7]), (10, 2, [4, 8, 7])]


@pytest.mark.parametrize("activation", list(SKLEARN_NAMES))
def test_one_mini_batch_step_equals_sklearn(activation):
    # As training does it: one Batch per batch length, loaded with each mini-batch's rows.
    net = _net([8, 5], activation, seed=6)
    rows = np.random.default_rng(0).permutation(len(X_STD))[:32]
    clf = _sklearn_with(net, activation, batch_size=32)
    batch = Batch(net, X_STD[:32], Y_IRIS[:32])
    batch.forward()
    batch.softmax()
    batch.output_delta()  # the one-hot of the previous rows is built
    batch.load(X_STD, Y_IRIS[rows], rows)
    batch.forward()
    batch.softmax()
    net.theta -= 0.1 * batch.backward(batch.output_delta())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X_STD[rows], Y_IRIS[rows])  # 32 rows, batch_size 32: one step
    for i in range(1, net.n_layers + 1):
        np.testing.assert_allclose(net.W(i), clf.coefs_[i - 1], rtol=0, atol=1e-12)
        np.testing.assert_allclose(net.b(i), clf.intercepts_[i - 1], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "n_in, hidden, k",
    [(784, [64], 10), (20, [64], 50)],  # SPEC 18's wide shape and its many classes
    ids=["784-inputs", "50-classes"],
)
def test_probabilities_and_one_mini_batch_step_equal_sklearn_at_wide_shapes(n_in, hidden, k):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3 * k + 40, n_in))
    y = np.concatenate([np.arange(k), rng.integers(0, k, len(X) - k)])  # every class present
    net = _net(hidden, "relu", seed=8, n_in=n_in, k=k)
    rows = rng.permutation(len(X))[:32]
    clf = MLPClassifier(
        tuple(hidden), solver="sgd", momentum=0.0, nesterovs_momentum=False, alpha=0.0,
        batch_size=32, learning_rate_init=0.1, max_iter=1, shuffle=False, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)  # builds the structures; its weights are replaced below
    clf.coefs_ = [net.W(i).copy() for i in range(1, net.n_layers + 1)]
    clf.intercepts_ = [net.b(i).copy() for i in range(1, net.n_layers + 1)]
    np.testing.assert_allclose(net.predict_proba(X), clf.predict_proba(X), rtol=0, atol=1e-12)
    batch = Batch(net, X[:32], y[:32])  # as training does: loaded with the mini-batch's rows
    batch.load(X, y[rows], rows)
    batch.forward()
    probabilities = Batch(net, X[rows], y[rows], track=range(32))
    probabilities.forward()
    probabilities.softmax()
    np.testing.assert_allclose(
        probabilities.probabilities(), clf.predict_proba(X[rows]), rtol=0, atol=1e-12
    )
    loss, accuracy = batch.loss_accuracy()  # the mini-batch's, before its step
    P = clf.predict_proba(X[rows])
    assert loss == pytest.approx(-np.mean(np.log(P[np.arange(32), y[rows]])), rel=1e-12)
    assert accuracy == np.mean(P.argmax(axis=1) == y[rows])
    net.theta -= 0.1 * batch.backward(batch.output_delta())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X[rows], y[rows])  # 32 rows, batch_size 32: one step
    for i in range(1, net.n_layers + 1):
        np.testing.assert_allclose(net.W(i), clf.coefs_[i - 1], rtol=0, atol=1e-12)
        np.testing.assert_allclose(net.b(i), clf.intercepts_[i - 1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("k", [3, 50])  # the max row by row, and in one reduction
@pytest.mark.parametrize("margin", [30.0, 800.0])
def test_the_max_over_the_classes_counts_the_first_class(k, margin):
    # Class 0's logit tops every other by ``margin`` and each row's true class is the runner-up.
    # SoftMax is the same whatever is subtracted, so only these rows tell a max that skips class
    # 0 apart: at 30 the runner-up looks like the max (each row counted right), at 800 exp(D)
    # overflows (probabilities NaN, the loss infinite).
    from scipy.special import logsumexp
    from scipy.special import softmax as scipy_softmax

    rng = np.random.default_rng(11)
    net = _net([64], "relu", seed=12, n_in=20, k=k)
    X = rng.normal(size=(50, 20))
    Z = net.forward(X)
    net.b(2)[0] += Z[:, 1:].max() - Z[:, 0].min() + margin  # now every row's class 0 leads
    Z = net.forward(X)
    y = 1 + Z[:, 1:].argmax(axis=1)  # the runner-up
    assert (Z[:, 0] - Z[np.arange(50), y]).min() >= margin
    batch = Batch(net, X, y, track=range(50))
    batch.forward()
    loss, accuracy = batch.loss_accuracy()
    assert accuracy == 0.0
    assert loss == pytest.approx(np.mean(logsumexp(Z, axis=1) - Z[np.arange(50), y]), rel=1e-12)
    np.testing.assert_allclose(batch.probabilities(), scipy_softmax(Z, axis=1), rtol=0, atol=1e-12)


def test_state_dict_round_trip_and_layout():
    net = _net([8, 4], "tanh")
    params = net.state_dict()
    assert sorted(params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert params["W1"].shape == (4, 8)
    assert params["b1"].shape == (8,)
    assert params["W3"].shape == (4, 3)
    back = Network.from_state_dict(params, "tanh")
    assert back.sizes == [4, 8, 4, 3]
    np.testing.assert_array_equal(back.theta, net.theta)
    X = np.random.default_rng(1).normal(size=(3, 4))
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    params["W1"][0, 0] += 1  # copies: the network is untouched
    assert back.W(1)[0, 0] != params["W1"][0, 0]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"W1": np.zeros((4, 3))},
        {"W1": np.zeros((4, 3)), "b1": np.zeros(4)},
        {"W1": np.zeros((4, 3)), "b1": np.zeros(3), "W2": np.zeros((5, 3)), "b2": np.zeros(3)},
    ],
)
def test_from_state_dict_rejects_bad_shapes(params):
    with pytest.raises(ValueError):
        Network.from_state_dict(params, "relu")


def test_softmax_regression_has_one_layer():
    net = _net([], "relu")
    assert net.n_layers == 1 and net.hidden == []
    X = np.random.default_rng(2).normal(size=(5, 4))
    np.testing.assert_allclose(net.forward(X), X @ net.W(1) + net.b(1), atol=1e-14)


def test_initialisation_is_seeded_he_or_glorot():
    a = Network.initialised([4, 200, 3], "relu", np.random.default_rng(7))
    b = Network.initialised([4, 200, 3], "relu", np.random.default_rng(7))
    np.testing.assert_array_equal(a.theta, b.theta)
    assert np.all(a.b(1) == 0) and np.all(a.b(2) == 0)
    assert np.std(a.W(2)) == pytest.approx(np.sqrt(2 / 200), rel=0.1)  # He
    g = Network.initialised([4, 200, 3], "tanh", np.random.default_rng(7))
    assert np.abs(g.W(2)).max() <= np.sqrt(6 / 203)  # Glorot uniform bound


# He for the ReLU family (flat for negative inputs), Glorot for the activations symmetric about 0
SCHEMES = {
    "relu": "He",
    "leaky_relu": "He",
    "softplus": "He",
    "tanh": "Glorot",
    "sigmoid": "Glorot",
    "identity": "Glorot",
}


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_each_activation_gets_its_initialisation(activation):
    assert set(SCHEMES) == set(ACTIVATIONS)
    W = Network.initialised([4, 400, 3], activation, np.random.default_rng(3)).W(2)  # (400, 3)
    bound = np.sqrt(6 / 403)  # Glorot's uniform bound for 400 inputs and 3 outputs
    if SCHEMES[activation] == "He":  # normal, std sqrt(2 / 400): some weights beyond the bound
        assert np.std(W) == pytest.approx(np.sqrt(2 / 400), rel=0.1)
        assert np.abs(W).max() > bound
    else:  # uniform in -bound..bound
        assert np.abs(W).max() <= bound
        assert np.std(W) == pytest.approx(bound / np.sqrt(3), rel=0.1)


def test_plain_gradient_descent_learns_iris():
    net = Network.initialised([4, 8, 3], "relu", np.random.default_rng(0))
    for _ in range(500):
        _, grad = net.gradient(X_STD, Y_IRIS)
        net.theta -= 0.2 * grad
    assert np.mean(net.predict(X_STD) == Y_IRIS) >= 0.95
