"""The math against independent oracles: finite differences, the lesson's hand-worked example."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from iris_nn.core import functional as F

LESSON_Z = np.array([1.43, -0.40, 0.23])

logit_rows = arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(2, 5)),
    elements=st.floats(-1e4, 1e4, allow_nan=False),
)


def test_lesson_worked_example():
    p = F.softmax(LESSON_Z)
    np.testing.assert_allclose(p, [0.684, 0.110, 0.206], atol=1e-3)
    # By hand: e^1.43 = 4.179, e^-0.4 = 0.670, e^0.23 = 1.259; over their sum 6.108 that is 0.684,
    # 0.110, 0.206. To two decimals they are 0.68, 0.11, 0.21; the lesson prints 0.69, 0.10, 0.21
    # (its own rounding, off by 0.01; `softmax` says so beside the computed values).
    assert np.round(p, 2).tolist() == [0.68, 0.11, 0.21]
    assert np.abs(p - [0.69, 0.10, 0.21]).max() < 0.01
    assert F.argmax_one_hot(LESSON_Z).tolist() == [1, 0, 0]
    assert F.argmax_one_hot(p).tolist() == [1, 0, 0]


def test_jacobian_formula_and_finite_differences():
    J = F.softmax_jacobian(LESSON_Z)
    p = F.softmax(LESSON_Z)
    for i in range(3):
        for j in range(3):
            expected = p[i] * (1 - p[i]) if i == j else -p[i] * p[j]
            assert J[i, j] == pytest.approx(expected, abs=1e-15)
    h = 1e-6
    numeric = np.empty((3, 3))
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        numeric[:, j] = (F.softmax(LESSON_Z + e) - F.softmax(LESSON_Z - e)) / (2 * h)
    np.testing.assert_allclose(J, numeric, atol=1e-9)


@given(logit_rows, st.floats(-1e3, 1e3))
def test_softmax_properties(Z, c):
    P = F.softmax(Z)
    assert np.all(np.isfinite(P))
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(F.softmax(Z + c), P, atol=1e-9)


@given(logit_rows)
def test_log_softmax_and_cross_entropy(Z):
    logp = F.log_softmax(Z)
    assert np.all(np.isfinite(logp))
    P = F.softmax(Z)
    finite = P > 1e-300
    np.testing.assert_allclose(logp[finite], np.log(P[finite]), rtol=1e-9, atol=1e-9)
    y = np.arange(len(Z)) % Z.shape[1]
    ce = F.cross_entropy(Z, y)
    assert np.isfinite(ce)
    assert ce >= 0


@pytest.mark.parametrize("k", [2, 3, 10])
def test_cross_entropy_of_equal_logits_is_log_k(k):
    Z = np.full((4, k), 7.5)
    assert F.cross_entropy(Z, np.zeros(4, dtype=int)) == pytest.approx(np.log(k), rel=1e-14)


def test_extreme_logits_give_finite_loss_and_gradient():
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]])
    y = np.array([1, 2])
    assert F.cross_entropy(Z, y) == pytest.approx(1e4, rel=1e-12)
    assert np.all(np.isfinite(F.cross_entropy_grad(Z, y)))


def test_cross_entropy_grad_matches_finite_differences():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(5, 3))
    y = np.array([0, 1, 2, 1, 0])
    G = F.cross_entropy_grad(Z, y)
    np.testing.assert_allclose(G, (F.softmax(Z) - F.one_hot(y, 3)) / 5, atol=1e-15)
    h = 1e-6
    for idx in np.ndindex(Z.shape):
        e = np.zeros_like(Z)
        e[idx] = h
        numeric = (F.cross_entropy(Z + e, y) - F.cross_entropy(Z - e, y)) / (2 * h)
        assert G[idx] == pytest.approx(numeric, abs=1e-9)


@pytest.mark.parametrize("name", list(F.ACTIVATIONS))
def test_activation_derivatives_match_finite_differences(name):
    Z = np.linspace(-4, 4, 41) + 0.013  # stay off the kinks of relu-like functions at 0
    h = 1e-6
    numeric = (F.activate(name, Z + h) - F.activate(name, Z - h)) / (2 * h)
    np.testing.assert_allclose(F.derivative(name, Z), numeric, rtol=1e-6, atol=1e-9)


def test_activation_values():
    Z = np.array([-2.0, 0.5])
    np.testing.assert_allclose(F.activate("relu", Z), [0.0, 0.5])
    np.testing.assert_allclose(F.activate("leaky_relu", Z), [-0.02, 0.5])
    np.testing.assert_allclose(F.activate("sigmoid", Z), 1 / (1 + np.exp(-Z)), rtol=1e-14)
    np.testing.assert_allclose(F.activate("softplus", Z), np.log1p(np.exp(Z)), rtol=1e-14)
    np.testing.assert_allclose(F.activate("tanh", Z), np.tanh(Z))
    np.testing.assert_allclose(F.activate("identity", Z), Z)
    big = np.array([-1e4, 1e4])
    for name in F.ACTIVATIONS:
        assert np.all(np.isfinite(F.activate(name, big)))


def test_unknown_activation_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown activation 'swish'; allowed: relu, leaky_relu"):
        F.get_activation("swish")


def test_argmax_ties_take_the_first():
    assert F.argmax(np.array([[1.0, 3.0, 3.0]])).tolist() == [1]
    assert F.argmax_one_hot(np.array([[1.0, 3.0, 3.0]])).tolist() == [[0, 1, 0]]


@pytest.mark.parametrize("name", list(F.ACTIVATIONS))
def test_the_engines_fields_give_the_values_of_forward_and_backward(name):
    act = F.ACTIVATIONS[name]
    Z = np.linspace(-4, 4, 40).reshape(4, 10) + 0.013
    A = act.forward(Z, np.empty_like(Z))
    if act.numpy_call is not None:
        out = np.empty_like(Z)
        act.numpy_call(np.zeros_like(Z))(Z, out=out)
        np.testing.assert_array_equal(out, A)
    if act.slope is not None:  # bit for bit what backward multiplies by
        np.testing.assert_array_equal(act.slope(A, np.empty_like(Z)), F.derivative(name, Z))
