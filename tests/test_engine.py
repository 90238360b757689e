"""The fast engine against the textbook network: the same numbers from fewer numpy calls."""

import numpy as np
import pytest
from test_network import X_STD, Y_IRIS, _net

from iris_nn.core.engine import MAX_TRACKED, Batch, Rows, tracked_right
from iris_nn.core.functional import ACTIVATIONS, Activation, cross_entropy, softmax
from iris_nn.core.network import CHUNK_PRODUCT, MIN_CHUNK_ROWS, Network


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("hidden", [[], [6], [5, 4, 3]])
def test_engine_gradient_equals_the_textbook_backprop(activation, hidden):
    net = _net(hidden, activation, seed=7)
    batch = Batch(net, X_STD, Y_IRIS)
    logits = batch.forward()
    np.testing.assert_allclose(logits, net.forward(X_STD), rtol=0, atol=1e-12)
    loss, accuracy = batch.loss_accuracy()
    assert loss == pytest.approx(cross_entropy(net.forward(X_STD), Y_IRIS), rel=1e-13)
    assert accuracy == np.mean(net.predict(X_STD) == Y_IRIS)
    grad = batch.backward(batch.output_delta(), 0.3)
    np.testing.assert_allclose(grad, net.gradient(X_STD, Y_IRIS, 0.3)[1], rtol=0, atol=1e-14)


def test_batch_with_val_test_and_tracked_rows_measures_each_part_and_fits_only_the_first():
    net = _net([6, 5], "tanh", seed=4)
    X, y = X_STD[::2], Y_IRIS[::2]
    X_val, y_val = X_STD[1::10], Y_IRIS[1::10]
    X_test, y_test = X_STD[5::4], Y_IRIS[5::4]
    track = [3, 38, 70]  # positions among the fitted rows
    batch = Batch(net, X, y, X_val, y_val, track, X_test=X_test, y_test=y_test)
    batch.forward()
    M = batch.metrics()
    for part, (Xp, yp) in enumerate([(X, y), (X_val, y_val), (X_test, y_test)]):
        assert M[0, part] == pytest.approx(cross_entropy(net.forward(Xp), yp), rel=1e-13)
        assert M[1, part] == pytest.approx(np.mean(net.predict(Xp) == yp), rel=1e-13)
    np.testing.assert_allclose(batch.probabilities(), softmax(net.forward(X[track])), atol=1e-15)
    right = tracked_right(M[1, 3:], len(track))[0]
    np.testing.assert_array_equal(right, net.predict(X[track]) == y[track])
    assert not right.all() and right.any()  # both kinds of answer, so the bits are tested
    grad = batch.backward(batch.output_delta(), l2=0.2)
    np.testing.assert_allclose(grad, net.gradient(X, y, l2=0.2)[1], rtol=0, atol=1e-15)


def test_batch_without_test_rows_has_a_nan_test_column():
    batch = Batch(_net([4], "relu"), X_STD, Y_IRIS, X_STD[:5], Y_IRIS[:5])
    batch.forward()
    M = batch.metrics()
    assert np.isfinite(M[:, :2]).all() and np.isnan(M[:, 2]).all()


def test_batch_accuracy_follows_argmax_on_ties():
    net = Network([4, 3, 3], "relu")  # all-zero weights: every logit ties, ArgMax says class 0
    batch = Batch(net, X_STD, Y_IRIS)
    batch.forward()
    loss, accuracy = batch.loss_accuracy()
    assert accuracy == np.mean(Y_IRIS == 0)
    assert loss == pytest.approx(np.log(3), rel=1e-14)
    assert np.isnan(batch.metrics()[:, 1]).all()  # no validation rows


def test_accuracy_takes_the_first_of_tied_maxima():
    # zero weights and biases (0, 1, 1): classes 1 and 2 tie for the max; ArgMax names class 1
    net = Network([4, 3], "relu")
    net.b(1)[...] = [0.0, 1.0, 1.0]
    y = np.array([0, 1, 2, 1])
    batch = Batch(net, X_STD[:4], y)
    batch.forward()
    assert batch.loss_accuracy()[1] == 0.5
    assert np.array_equal(net.predict(X_STD[:4]) == y, [False, True, False, True])


@pytest.mark.parametrize("second", [[0.0, 0.0, 2.0, 0.0], [0.0, 0.0, -1.0, 0.0]])
def test_a_measured_row_with_infinite_logits_is_scored_by_argmax(second):
    # A validation row of 1e308 overflows a logit to inf: D = Z - m is NaN there, and the sample
    # has no maximum at 0, so accuracy comes from ArgMax, as the textbook's, never NaN; also
    # when the other row's logits tie (0, 0, -1), so that the count of maxima comes out right.
    net = Network([4, 3], "identity")
    net.W(1)[...] = [[10.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    X_val = np.array([[1e308, 5.0, 0.0, 0.0], second])
    with np.errstate(over="ignore"):
        assert np.isinf(net.forward(X_val)[0, 0])
    for y_val in ([0, 2], [1, 2], [2, 1], [0, 1], [1, 1]):
        batch = Batch(net, X_STD[:4], Y_IRIS[:4], X_val, np.array(y_val))
        with np.errstate(over="ignore", invalid="ignore"):
            batch.forward()
            accuracy = batch.metrics()[1, 1]
            assert accuracy == np.mean(net.predict(X_val) == y_val), y_val


def test_load_gathers_rows_as_a_new_batch_would():
    net = _net([6], "tanh", seed=2)
    rows = np.array([140, 3, 77, 3, 56])
    reused = Batch(net, X_STD[:5], Y_IRIS[:5])
    reused.forward()
    reused.softmax()
    reused.output_delta()  # its one-hot is built for the first rows
    reused.load(X_STD, Y_IRIS[rows], rows)
    fresh = Batch(net, X_STD[rows], Y_IRIS[rows])
    for batch in (reused, fresh):
        batch.forward()
    np.testing.assert_array_equal(reused.metrics(), fresh.metrics())
    np.testing.assert_array_equal(
        reused.backward(reused.output_delta(), 0.1).copy(),
        fresh.backward(fresh.output_delta(), 0.1),
    )


@pytest.mark.parametrize("chunk", [1, 7, 64, 150, 1000])
def test_chunked_passes_add_up_to_the_whole(chunk):
    net = _net([5, 4], "sigmoid", seed=5)
    rows = Rows(net, X_STD, Y_IRIS, chunk)
    assert len(rows.bounds) == -(-150 // chunk)
    whole = Batch(net, X_STD, Y_IRIS)
    whole.forward()
    expected = whole.metrics()[:, 0].copy()
    np.testing.assert_allclose(rows.metrics(np.empty(2)), expected, rtol=1e-14)
    out = np.empty(2)
    grad = rows.gradient(0.3, out)
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    np.testing.assert_allclose(grad, net.gradient(X_STD, Y_IRIS, 0.3)[1], rtol=0, atol=1e-15)


def test_chunks_keep_to_small_products():
    net = Network([8, 32, 3], "relu")
    rows = net.chunk_rows()
    assert rows * 9 * 32 <= CHUNK_PRODUCT < (rows + 1) * 9 * 32 and rows > MIN_CHUNK_ROWS
    small = Network([4, 3], "relu").chunk_rows()  # 4 + 1 by 3 weights: many rows a chunk
    assert small * 15 <= CHUNK_PRODUCT < (small + 1) * 15 and small > rows
    # a layer of 2049 x 300 weights gets no fewer rows than MIN_CHUNK_ROWS, not 0 or 1
    assert Network([2, 2048, 300, 2], "relu").chunk_rows() == MIN_CHUNK_ROWS


def test_tracked_right_unpacks_every_bit_exactly():
    rng = np.random.default_rng(0)
    right = rng.random((200, MAX_TRACKED)) < 0.5
    codes = right.astype(float) @ (2.0 ** np.arange(MAX_TRACKED))  # as metrics() sums them
    np.testing.assert_array_equal(tracked_right(codes, MAX_TRACKED), right)


@pytest.mark.parametrize("track", [[0, 0], [-1], [150], list(range(MAX_TRACKED + 1))])
def test_tracked_positions_are_checked(track):
    with pytest.raises(ValueError, match="distinct positions"):
        Batch(_net([4], "relu"), X_STD, Y_IRIS, track=track)


def test_a_new_activation_is_one_entry(monkeypatch):
    def softsign(Z, out):
        return np.divide(Z, 1.0 + np.abs(Z), out=out)

    def slope(A, out):  # f'(z) = 1 / (1 + |z|)**2 = (1 - |f(z)|)**2
        return np.square(np.subtract(1.0, np.abs(A, out), out), out)

    def backward(dA, Z, A):
        return np.multiply(dA, slope(A, Z), out=dA)

    monkeypatch.setitem(ACTIVATIONS, "softsign", Activation(softsign, backward, False, slope))
    net = _net([5, 4], "softsign", seed=3)
    X, y = X_STD[::5], Y_IRIS[::5]
    batch = Batch(net, X, y)
    batch.forward()
    batch.softmax()
    grad = batch.backward(batch.output_delta()).copy()
    h, numeric = 1e-6, np.empty_like(grad)
    for j in range(len(net.theta)):  # central differences of the loss
        step = np.zeros_like(net.theta)
        step[j] = h
        up = Network(net.sizes, "softsign", net.theta + step).forward(X)
        down = Network(net.sizes, "softsign", net.theta - step).forward(X)
        numeric[j] = (cross_entropy(up, y) - cross_entropy(down, y)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("activation", ["relu", "identity", "softplus", "leaky_relu"])
def test_a_test_rows_overflowing_activation_never_reaches_the_gradient(activation):
    """Issue 24.9: a finite 1e308 in a test row made its hidden activation inf; the gradient's
    product over all columns then took 0 * inf = NaN and training 'diverged' at any rate."""
    net = _net([6, 5], activation, seed=3)
    X, y = X_STD[::2], Y_IRIS[::2]
    X_test, y_test = X_STD[1::2].copy(), Y_IRIS[1::2]
    X_test[4] = 1.7e308  # finite, but W @ x overflows
    X_test[5] = -1.7e308
    batch = Batch(net, X, y, X_test=X_test, y_test=y_test)
    with np.errstate(all="ignore"):
        batch.forward()
        M = batch.metrics()
        assert not np.isfinite(batch.AT_aug[1]).all()  # the case: an activation is inf
        grad = batch.backward(batch.output_delta(), l2=0.1)
    assert np.isfinite(grad).all()
    # the fitted rows' loss and accuracy are theirs, not NaN from the test row's 0 * NaN
    assert M[0, 0] == pytest.approx(cross_entropy(net.forward(X), y), rel=1e-13)
    assert M[1, 0] == np.mean(net.predict(X) == y)
    # the textbook gradient of the fitted rows (a batch of another width may differ in the last bit)
    np.testing.assert_allclose(grad, net.gradient(X, y, l2=0.1)[1], rtol=0, atol=1e-14)


@pytest.mark.parametrize("n_rows", [40, 150, 3000])
def test_the_gradient_over_the_fitted_columns_is_the_full_product_bit_for_bit(n_rows):
    """Restricting the gradient's products to the fitted columns drops exact zeros only."""
    rng = np.random.default_rng(n_rows)
    X = rng.normal(size=(n_rows, 4))
    y = rng.integers(0, 3, n_rows)
    net = _net([7, 5], "tanh", seed=1)
    n = n_rows * 3 // 4
    batch = Batch(net, X[:n], y[:n], X[n:], y[n:], X_test=X[n:], y_test=y[n:])
    batch.forward()
    batch.metrics()
    dZT = batch.output_delta()
    grad = batch.backward(dZT, 0.0).copy()
    # the former products, over every column (zero deltas outside the fitted ones)
    full = np.empty_like(grad)
    layers = Network(net.sizes, net.activation, full).layers
    batch._slopes(batch.A_block, batch.Z_block)
    d = dZT
    for i in range(net.n_layers - 1, 0, -1):
        np.dot(batch.AT_aug[i], d.T, layers[i])
        d = np.dot(net.layers[i][:-1], d) * batch.Z_block[_rows_of(net, i - 1)]
    np.dot(batch.AT_aug[0], d.T, layers[0])
    np.testing.assert_array_equal(grad, full)


def _rows_of(net, layer):
    """Return the rows of ``Z_block`` that hold hidden layer ``layer`` (from 0)."""
    start = sum(s + 1 for s in net.hidden[:layer])
    return slice(start, start + net.hidden[layer])
