"""The training loop: optimisers learn, early stopping restores the best weights, divergence stops."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from iris_nn.core import train
from iris_nn.core.engine import Batch
from iris_nn.core.errors import DivergenceError
from iris_nn.core.functional import cross_entropy
from iris_nn.core.network import Network
from iris_nn.core.train import Control, Parts, Tracked, fit, log_spaced_epochs
from iris_nn.settings import config

X, Y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
TRAIN, VAL = np.arange(0, 150, 2), np.arange(1, 150, 2)
TEST = VAL[::3]  # overlapping the validation rows on purpose: the parts are measured separately


def TrainConfig(**settings):
    """Return the loop's plain settings: the config's defaults with ``settings`` changed."""
    return config.train_settings(config.Config(train=config.TrainConfig(**settings)))


def _fit(cfg, track=None, X_test=None, y_test=None, **kw):
    net = Network.initialised([4, 8, 3], "tanh", np.random.default_rng(0))
    parts = Parts(X[TRAIN], Y[TRAIN], X[VAL], Y[VAL], X_test, y_test, track)
    h = fit(net, parts, cfg, np.random.default_rng(1), **kw)
    return net, h


@pytest.mark.parametrize(
    "cfg",
    [
        TrainConfig(optimizer="gd", lr=0.2, epochs=400, l2=0.0),
        TrainConfig(optimizer="sgd", lr=0.05, epochs=100, batch_size=16),
        TrainConfig(optimizer="momentum", lr=0.02, epochs=100, batch_size=16, nesterov=True),
        TrainConfig(optimizer="adam", lr=0.01, epochs=100, batch_size=10),
    ],
)
def test_every_optimizer_learns(cfg):
    net, h = _fit(cfg)
    assert np.mean(net.predict(X[VAL]) == Y[VAL]) >= 0.93
    assert h.columns["train_loss"][-1] < h.columns["train_loss"][0] / 5


def test_history_row_e_is_the_state_after_e_updates():
    cfg = TrainConfig(optimizer="gd", lr=0.1, epochs=5, l2=0.0)
    net0 = Network.initialised([4, 8, 3], "tanh", np.random.default_rng(0))
    net, h = _fit(cfg)
    assert h.epochs_run == 5 and len(h.columns["epoch"]) == 6
    assert h.columns["train_loss"][0] == pytest.approx(
        cross_entropy(net0.forward(X[TRAIN]), Y[TRAIN])
    )
    assert h.columns["train_loss"][-1] == pytest.approx(
        cross_entropy(net.forward(X[TRAIN]), Y[TRAIN])
    )
    assert h.columns["val_loss"][-1] == pytest.approx(cross_entropy(net.forward(X[VAL]), Y[VAL]))
    # gd by hand: five steps of theta -= lr * grad
    for _ in range(5):
        _, g = net0.gradient(X[TRAIN], Y[TRAIN])
        net0.theta -= 0.1 * g
    np.testing.assert_allclose(net.theta, net0.theta, atol=1e-14)


@pytest.mark.parametrize(
    "cfg",
    [
        TrainConfig(optimizer="gd", lr=2.0, epochs=200, early_stopping=True, patience=5),
        TrainConfig(optimizer="adam", lr=0.05, epochs=40, batch_size=8),
    ],
)
def test_test_rows_are_measured_every_epoch_and_never_change_training(cfg):
    net_a, a = _fit(cfg)
    net_b, b = _fit(cfg, X_test=X[TEST], y_test=Y[TEST])
    np.testing.assert_array_equal(net_a.theta, net_b.theta)
    assert (a.epochs_run, a.best_epoch, a.stop_reason) == (
        b.epochs_run,
        b.best_epoch,
        b.stop_reason,
    )
    for column in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_array_equal(a.columns[column], b.columns[column])
    assert np.isnan(a.columns["test_loss"]).all() and np.isnan(a.columns["test_accuracy"]).all()
    # Each test cell is an exact pass at that row's weights: row 0 at the initial ones, and the
    # row of the weights the network ends with (the best epoch's when early stopping restored
    # them, else the last row's).
    net0 = Network.initialised([4, 8, 3], "tanh", np.random.default_rng(0))
    kept = b.best_epoch if cfg.early_stopping else b.epochs_run
    assert kept < b.epochs_run if cfg.early_stopping else kept == cfg.epochs
    for row, net in ((0, net0), (kept, net_b)):
        assert b.columns["test_loss"][row] == pytest.approx(
            cross_entropy(net.forward(X[TEST]), Y[TEST]), rel=1e-13
        )
        assert b.columns["test_accuracy"][row] == np.mean(net.predict(X[TEST]) == Y[TEST])


def test_epochs_zero_keeps_the_initial_network():
    net0 = Network.initialised([4, 8, 3], "tanh", np.random.default_rng(0))
    net, h = _fit(TrainConfig(epochs=0))
    np.testing.assert_array_equal(net.theta, net0.theta)
    assert h.epochs_run == 0 and len(h.columns["train_loss"]) == 1


def test_early_stopping_restores_the_best_weights():
    cfg = TrainConfig(
        optimizer="adam",
        lr=0.05,
        epochs=3000,
        batch_size=8,
        l2=0.0,
        early_stopping=True,
        patience=30,
    )
    net, h = _fit(cfg)
    assert h.stop_reason == "early_stopping"
    assert h.epochs_run == h.best_epoch + 30
    best = h.columns["val_loss"][h.best_epoch]
    assert best == np.nanmin(h.columns["val_loss"])
    assert cross_entropy(net.forward(X[VAL]), Y[VAL]) == pytest.approx(best, rel=1e-12)


def test_min_delta_counts_only_real_improvements():
    cfg = TrainConfig(lr=0.1, epochs=3000, early_stopping=True, patience=5, min_delta=10.0)
    _, h = _fit(cfg)
    assert h.best_epoch == 0 and h.epochs_run == 5


def test_divergence_raises(recwarn):
    net = Network.initialised([4, 16, 16, 3], "identity", np.random.default_rng(0))
    with pytest.raises(DivergenceError, match="the training loss became nan at epoch"):
        fit(
            net,
            Parts(X * 100, Y),
            TrainConfig(lr=10.0, epochs=2000, l2=0.0),
            np.random.default_rng(0),
        )
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize(("batch_size", "step_rows"), [(0, len(X)), (32, len(X) % 32 or 32)])
def test_divergence_says_the_rows_of_its_smallest_step(batch_size, step_rows):
    net = Network.initialised([4, 16, 16, 3], "identity", np.random.default_rng(0))
    settings = TrainConfig(optimizer="sgd", lr=10.0, epochs=2000, l2=0.0, batch_size=batch_size)
    with pytest.raises(DivergenceError) as caught:
        fit(net, Parts(X * 100, Y), settings, np.random.default_rng(0))
    assert caught.value.step_rows == step_rows
    again = pickle.loads(pickle.dumps(caught.value))  # as it comes back from a worker
    assert (str(again), again.step_rows) == (str(caught.value), step_rows)


def test_stop_request_ends_after_the_current_epoch():
    control = Control()

    def progress(epoch, history):
        if epoch > 0:  # epoch 0 is reported at once, as training starts
            control.stop = True  # as a signal handler would, mid-run

    cfg = TrainConfig(epochs=10**6)
    net = Network.initialised([4, 8, 3], "tanh", np.random.default_rng(0))
    h = fit(
        net, Parts(X[TRAIN], Y[TRAIN]), cfg, np.random.default_rng(1), control=control,
        progress=progress,
    )  # fmt: skip
    assert h.stop_reason == "interrupted"
    assert 0 < h.epochs_run < 10**6
    assert len(h.columns["train_loss"]) == h.epochs_run + 1


def test_batch_size_larger_than_rows_is_an_error():
    with pytest.raises(ValueError, match="train.batch_size = 500 is larger than the 75"):
        _fit(TrainConfig(optimizer="sgd", batch_size=500))


def test_log_spaced_epochs_are_100_distinct_epochs_from_the_first_to_the_last():
    for epochs in [*range(0, 400), 999, 3000, 5000, 100_000, 1_000_000]:
        picks = np.flatnonzero(log_spaced_epochs(epochs))
        assert len(picks) == min(100, epochs + 1), epochs
        assert picks[0] == 0 and picks[-1] == epochs
    picks = np.flatnonzero(log_spaced_epochs(100_000))
    ratios = (picks[60:] + 1) / (picks[59:-1] + 1)  # beyond the start, one step on a log scale
    assert ratios.max() / ratios.min() < 1.05


def test_tracked_probabilities():
    index = np.array([0, 25, 50])
    _, h = _fit(TrainConfig(epochs=1000), track=Tracked(index, TRAIN[index]))
    epochs = sorted({e for e, _, _ in h.probabilities})
    assert epochs[0] == 0 and epochs[-1] == 1000 and len(epochs) == 100
    assert len(h.probabilities) == 3 * len(epochs)
    assert [r for _, r, _ in h.probabilities[:3]] == TRAIN[index].tolist()
    for _, _, p in h.probabilities:
        assert p.sum() == pytest.approx(1.0)


def test_tracked_rows_first_right_and_right_for_good_against_a_textbook_replay():
    # lr 3 makes ArgMax flip back and forth early on: some rows turn wrong again, one for good
    cfg = TrainConfig(optimizer="gd", lr=3.0, epochs=60, l2=0.0)
    index = np.arange(0, 75, 5)
    net = Network.initialised([4, 8, 3], "tanh", np.random.default_rng(2))
    replay = net.copy()
    h = fit(
        net, Parts(X[TRAIN], Y[TRAIN], track=Tracked(index, TRAIN[index])), cfg,
        np.random.default_rng(1),
    )  # fmt: skip
    # the oracle: textbook gradient descent, ArgMax of every tracked row at every epoch
    right, probabilities = [], []
    for _ in range(cfg.epochs + 1):
        right.append(replay.predict(X[TRAIN][index]) == Y[TRAIN][index])
        probabilities.append(replay.predict_proba(X[TRAIN][index]))
        replay.theta -= cfg.lr * replay.gradient(X[TRAIN], Y[TRAIN])[1]
    right = np.array(right)  # (epochs + 1, n_track)
    for j in range(len(index)):
        hits, misses = np.flatnonzero(right[:, j]), np.flatnonzero(~right[:, j])
        first = int(hits[0]) if len(hits) else None
        for_good = None if not right[-1, j] else int(misses[-1]) + 1 if len(misses) else 0
        assert (h.first_right[j], h.right_from[j]) == (first, for_good), j
    turned = [j for j in range(len(index)) if h.first_right[j] != h.right_from[j]]
    assert turned and any(h.right_from[j] is None for j in turned)  # the cases this test is for
    recorded = np.array([p for _, _, p in h.probabilities]).reshape(cfg.epochs + 1, len(index), 3)
    np.testing.assert_allclose(recorded, np.array(probabilities), atol=1e-12)


def test_early_stopping_records_the_kept_epoch_too():
    cfg = TrainConfig(optimizer="gd", lr=3.0, epochs=100_000, early_stopping=True, patience=5)
    index = np.array([0, 30, 60])
    net, h = _fit(cfg, track=Tracked(index, TRAIN[index]))
    assert h.restored and h.kept_epoch == h.best_epoch < h.epochs_run
    logged = log_spaced_epochs(cfg.epochs)
    assert not logged[h.best_epoch] and not logged[h.epochs_run]  # both added to the records
    epochs = [e for e, _, _ in h.probabilities]
    assert epochs == sorted(epochs) and {h.best_epoch, h.epochs_run} <= set(epochs)
    at_kept = [p for e, _, p in h.probabilities if e == h.kept_epoch]
    np.testing.assert_allclose(at_kept, net.predict_proba(X[TRAIN][index]), atol=1e-14)


@pytest.mark.parametrize(
    "activation, hidden",
    [("tanh", [16, 16]), ("relu", [8]), ("sigmoid", [5, 4]), ("softplus", [5])],
)
def test_every_history_row_is_a_pass_over_every_part_at_that_epochs_weights(activation, hidden):
    # The engine reuses its buffers every epoch; each row must still be what a fresh pass at that
    # row's weights (the snapshots: every epoch of so short a run) measures: to the bit with a new
    # Batch, and against the textbook network and cross-entropy (the oracle).
    cfg = TrainConfig(optimizer="gd", lr=0.5, epochs=8, l2=0.01)
    net = Network.initialised([4, *hidden, 3], activation, np.random.default_rng(3))
    index = np.array([0, 9, 40])
    parts = {"train": (X[TRAIN], Y[TRAIN]), "val": (X[VAL], Y[VAL]), "test": (X[TEST], Y[TEST])}
    h = fit(
        net, Parts(*parts["train"], *parts["val"], X[TEST], Y[TEST], Tracked(index, TRAIN[index])),
        cfg, np.random.default_rng(1), max_snapshots=100,
    )  # fmt: skip
    assert h.snapshot_epochs == list(range(cfg.epochs + 1))
    for e, theta in enumerate(h.snapshots):
        at_e = Network(net.sizes, activation, theta)
        batch = Batch(at_e, *parts["train"], *parts["val"], X_test=X[TEST], y_test=Y[TEST])
        batch.forward()
        M = batch.metrics()
        for j, (part, (Xp, yp)) in enumerate(parts.items()):
            loss, accuracy = h.columns[f"{part}_loss"][e], h.columns[f"{part}_accuracy"][e]
            assert loss == M[0, j] and accuracy == round(M[1, j] * len(yp)) / len(yp), (e, part)
            assert loss == pytest.approx(cross_entropy(at_e.forward(Xp), yp), rel=1e-13)
            assert accuracy == np.mean(at_e.predict(Xp) == yp)
        recorded = [p for epoch, _, p in h.probabilities if epoch == e]
        np.testing.assert_allclose(recorded, at_e.predict_proba(X[TRAIN][index]), atol=1e-14)


def test_history_accuracies_are_exact_fractions():
    net, h = _fit(TrainConfig(epochs=50))
    # the last row measures the final weights; count / n exactly, not a sum of 1 / n
    assert h.columns["train_accuracy"][-1] == np.mean(net.predict(X[TRAIN]) == Y[TRAIN])
    assert h.columns["val_accuracy"][-1] == np.mean(net.predict(X[VAL]) == Y[VAL])


class InOrder:
    """Stands in for the shuffling generator: mini-batches in row order (scikit-learn's
    ``shuffle=False``)."""

    def permutation(self, n):
        return np.arange(n)


def test_mini_batch_epochs_and_their_history_equal_sklearn():
    X_train, y_train = X[TRAIN], Y[TRAIN]  # 75 rows: batches of 32, 32 and 11
    net = Network.initialised([4, 8, 3], "relu", np.random.default_rng(0))
    clf = MLPClassifier(
        (8,),
        solver="sgd",
        momentum=0,
        nesterovs_momentum=False,
        alpha=0,
        batch_size=32,
        learning_rate_init=0.1,
        max_iter=1,
        shuffle=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)  # builds its structures; the weights are replaced below
        clf.coefs_ = [net.W(i).copy() for i in (1, 2)]
        clf.intercepts_ = [net.b(i).copy() for i in (1, 2)]
        clf.partial_fit(X_train, y_train)
        clf.partial_fit(X_train, y_train)
    # the textbook network, by hand: accuracy of each mini-batch before its step
    ref = Network([4, 8, 3], "relu", net.theta.copy())
    correct = []
    for _ in range(2):
        correct.append(0)
        for start in range(0, 75, 32):
            Xb, yb = X_train[start : start + 32], y_train[start : start + 32]
            correct[-1] += int(np.sum(ref.predict(Xb) == yb))
            ref.theta -= 0.1 * ref.gradient(Xb, yb)[1]

    net0 = Network([4, 8, 3], "relu", net.theta.copy())
    cfg = TrainConfig(optimizer="sgd", lr=0.1, epochs=2, batch_size=32, l2=0.0)
    h = fit(net, Parts(X_train, y_train, X[VAL], Y[VAL]), cfg, InOrder())
    for i in (1, 2):
        np.testing.assert_allclose(net.W(i), clf.coefs_[i - 1], rtol=0, atol=1e-12)
        np.testing.assert_allclose(net.b(i), clf.intercepts_[i - 1], rtol=0, atol=1e-12)
    # rows 1 and 2: the means over each epoch's mini-batches as trained, as loss_curve_
    np.testing.assert_allclose(h.columns["train_loss"][1:], clf.loss_curve_[1:], rtol=1e-12)
    assert h.columns["train_accuracy"][1:].tolist() == [c / 75 for c in correct]
    # row 0 and the validation columns: exact passes at that row's weights
    assert h.columns["train_loss"][0] == pytest.approx(
        cross_entropy(net0.forward(X_train), y_train), rel=1e-13
    )
    assert h.columns["train_accuracy"][0] == np.mean(net0.predict(X_train) == y_train)
    assert h.columns["val_loss"][2] == pytest.approx(cross_entropy(net.forward(X[VAL]), Y[VAL]))
    assert h.columns["val_accuracy"][2] == np.mean(net.predict(X[VAL]) == Y[VAL])


@pytest.mark.parametrize("optimizer", ["gd", "sgd"])
def test_chunked_exact_passes_train_as_one_batch(monkeypatch, optimizer):
    cfg = TrainConfig(optimizer=optimizer, lr=0.1, epochs=20, batch_size=16, l2=0.2)
    index = np.array([0, 25, 50])
    kw = {"track": Tracked(index, TRAIN[index]), "X_test": X[TEST], "y_test": Y[TEST]}
    one_batch, h1 = _fit(cfg, max_snapshots=5, **kw)
    monkeypatch.setattr(Network, "chunk_rows", lambda net: 7)  # every exact pass in chunks of 7
    chunked, h2 = _fit(cfg, max_snapshots=5, **kw)
    np.testing.assert_allclose(chunked.theta, one_batch.theta, rtol=0, atol=1e-13)
    for name, column in h1.columns.items():
        np.testing.assert_allclose(h2.columns[name], column, rtol=1e-13, err_msg=name)
    assert [(e, r) for e, r, _ in h2.probabilities] == [(e, r) for e, r, _ in h1.probabilities]
    for (_, _, p2), (_, _, p1) in zip(h2.probabilities, h1.probabilities, strict=True):
        np.testing.assert_allclose(p2, p1, rtol=1e-13)
    assert (h2.first_right, h2.right_from) == (h1.first_right, h1.right_from)
    assert h2.snapshot_epochs == h1.snapshot_epochs
    np.testing.assert_allclose(h2.snapshots, h1.snapshots, rtol=0, atol=1e-13)


def test_progress_inside_long_epochs(monkeypatch):
    monkeypatch.setattr(train, "REPORT_EVERY_S", 0.0)  # every report that training offers
    calls = []

    def progress(epoch, history):
        calls.append((epoch, history.done, history.columns["train_loss"][epoch]))

    cfg = TrainConfig(optimizer="sgd", lr=0.1, epochs=2, batch_size=32)
    net = Network.initialised([4, 8, 3], "relu", np.random.default_rng(0))
    h = fit(net, Parts(X[TRAIN], Y[TRAIN]), cfg, np.random.default_rng(1), progress=progress)
    assert [(e, d) for e, d, _ in calls] == [
        (0, 0),  # at once: the epochs start
        (1, 32 / 75),  # after each mini-batch of epoch 1, with its share done
        (1, 64 / 75),
        (1, 1.0),
        (1, 1),  # after epoch 1's exact passes
        (2, 1 + 32 / 75),
        (2, 1 + 64 / 75),
        (2, 2.0),
        (2, 2),
        (2, 2),  # when training ends
    ]
    assert calls[3][2] == calls[4][2] == h.columns["train_loss"][1]  # the epoch's mean, when done


@pytest.mark.parametrize("early_stopping", [False, True])
def test_snapshots_are_the_weights_at_recorded_epochs_thinned_to_fit(early_stopping):
    cfg = TrainConfig(
        optimizer="gd", lr=3.0, epochs=3000, early_stopping=early_stopping, patience=5, l2=0.0
    )
    index = np.array([0, 30, 60])
    net, h = _fit(cfg, track=Tracked(index, TRAIN[index]), max_snapshots=10)
    epochs = h.snapshot_epochs
    assert len(epochs) == len(h.snapshots) <= 10 and epochs == sorted(set(epochs))
    assert epochs[-1] == h.kept_epoch and (h.kept_epoch < h.epochs_run) == early_stopping
    np.testing.assert_array_equal(h.snapshots[-1], net.theta)  # the last row is the saved model
    recorded = {(e, r): p for e, r, p in h.probabilities}
    for epoch, theta in zip(epochs, h.snapshots, strict=True):
        # each row is the state whose forward pass recorded that epoch's probabilities
        P = Network(net.sizes, net.activation, theta).predict_proba(X[TRAIN][index])
        for r, p in zip(TRAIN[index], P, strict=True):
            np.testing.assert_allclose(recorded[epoch, r], p, atol=1e-13)
    if not early_stopping:  # thinned evenly on the log scale: steady steps of log(epoch + 1)
        assert len(epochs) == 10 and epochs[0] == 0
        steps = np.diff(np.log(np.array(epochs) + 1))[2:]  # the first are whole epochs apart
        assert steps.max() < 1.2 * steps.min()


def test_snapshots_need_room_for_two():
    _, h = _fit(TrainConfig(epochs=20), max_snapshots=1)
    assert h.snapshot_epochs == [] and h.snapshots.size == 0
    _, h = _fit(TrainConfig(epochs=20), max_snapshots=2)
    assert h.snapshot_epochs == [0, 20]
    _, h = _fit(TrainConfig(epochs=20), max_snapshots=1000)
    assert h.snapshot_epochs == list(range(21))


# ----------------------------------------------------------------------------- train.dtype


@pytest.mark.parametrize(
    "sizes, activation", [([4, 16, 3], "tanh"), ([784, 64, 10], "relu"), ([20, 64, 64, 50], "relu")]
)
def test_float32_probabilities_stay_within_1e_5_of_float64(sizes, activation):
    rng = np.random.default_rng(5)
    net = Network.initialised(sizes, activation, rng)
    X = rng.normal(size=(300, sizes[0]))
    y = rng.integers(0, sizes[-1], len(X))
    work = train.working_copy(net, np.float32)
    assert work.theta.dtype == np.float32 and net.theta.dtype == np.float64
    batch = Batch(work, X.astype(np.float32), y, track=range(40))
    batch.forward()
    batch.softmax()
    P = batch.probabilities()
    np.testing.assert_allclose(P, net.predict_proba(X[:40]), rtol=0, atol=1e-5)
    assert np.abs(P - net.predict_proba(X[:40])).max() > 0  # float32 did run: not bit-equal
    # the loss and accuracy: worked out per row in float32, their means summed in float64
    P64 = net.predict_proba(X)
    M = batch.metrics()
    assert M.dtype == np.float64
    assert abs(M[0, 0] - np.mean(-np.log(P64[np.arange(len(y)), y]))) < 1e-5
    assert M[1, 0] == np.mean(P64.argmax(axis=1) == y)


def _default_run(**changes):
    """Return the history and network of the Iris default run, with ``changes`` to its settings."""
    from dataclasses import replace

    from iris_nn.experiments.experiment import build, tracked_rows

    cfg = config.Config()
    data, net, rng = build(cfg)
    parts = Parts(*data.scaled("train"), *data.scaled("val"), *data.scaled("test"))
    parts = replace(parts, track=tracked_rows(data))
    settings = replace(config.train_settings(cfg), **changes)
    return fit(net, parts, settings, rng), net


def test_float32_iris_default_run_keeps_float64s_loss_curve_within_1e_4():
    h64, net64 = _default_run()
    h32, net32 = _default_run(dtype="float32")
    assert net32.theta.dtype == np.float64  # the saved model keeps float64 arrays
    assert h32.epochs_run == h64.epochs_run == 3000
    for column in ("train_loss", "val_loss", "test_loss"):  # val: none by default, NaN in both
        np.testing.assert_array_equal(np.isnan(h32.columns[column]), np.isnan(h64.columns[column]))
        gap = np.nan_to_num(np.abs(h32.columns[column] - h64.columns[column])).max()
        assert gap < 1e-4, (column, gap)
    assert np.abs(h32.columns["train_loss"] - h64.columns["train_loss"]).max() > 0
    np.testing.assert_allclose(net32.theta, net64.theta, rtol=0, atol=1e-3)


def test_float32_mini_batches_train_as_float64_does_and_unknown_dtypes_are_refused():
    from iris_nn.core.errors import BadInputError
    from iris_nn.estimators.classifier import IrisNNClassifier

    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 20))
    y = np.argmax(X @ rng.normal(size=(20, 5)), axis=1)
    common = dict(hidden=(32,), optimizer="adam", lr=0.01, batch_size=64, epochs=3, l2=0.0,
                  val_size=0.1, random_state=0)  # fmt: skip
    clf64 = IrisNNClassifier(**common).fit(X, y)
    clf32 = IrisNNClassifier(**common, dtype="float32").fit(X, y)
    assert clf32.network_.theta.dtype == np.float64
    np.testing.assert_allclose(clf32.predict_proba(X), clf64.predict_proba(X), atol=1e-3)
    for column in ("train_loss", "val_loss"):
        np.testing.assert_allclose(
            clf32.history_.columns[column], clf64.history_.columns[column], atol=1e-4
        )
    with pytest.raises(BadInputError, match="dtype.*float16.*one of float64, float32"):
        IrisNNClassifier(**common, dtype="float16").fit(X, y)


def test_float32_training_at_784_inputs_stays_within_spec_18s_tolerances():
    # SPEC 18's wide shape in float32, mini-batches of adam: the rows stay float64 and each chunk
    # or mini-batch is converted as it is copied in. The float32 metrics and probabilities of a
    # state stay within 1e-5 of a float64 pass over the same weights, from start to end.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(700, 784))
    y = np.argmax(X @ rng.normal(size=(784, 10)), axis=1)
    net = Network.initialised([784, 64, 10], "relu", rng)
    start = net.theta.copy()
    parts = Parts(X[:600], y[:600], X[600:], y[600:])
    settings = train.TrainSettings("adam", 0.001, 2, 32, 0.9, False, 0.0, False, 5, 0.0, "float32")
    trainer = train.Trainer(net, parts, settings, np.random.default_rng(4))
    while trainer.stop_reason() is None:
        trainer.step()
    h = trainer.finish("epochs")
    work = trainer.work
    assert work.theta.dtype == np.float32 and net.theta.dtype == np.float64
    np.testing.assert_array_equal(net.theta, work.theta)  # the float32 weights, held in float64
    assert np.abs(net.theta - start).max() > 1e-3  # it trained
    net0 = Network(net.sizes, "relu", start)
    loss0 = cross_entropy(net0.forward(X[:600]), y[:600])
    assert h.columns["train_loss"][0] == pytest.approx(loss0, abs=1e-5)  # row 0: an exact pass
    for e, theta in ((0, start), (2, net.theta)):
        ref = Network(net.sizes, "relu", theta)
        val_loss = cross_entropy(ref.forward(X[600:]), y[600:])
        assert h.columns["val_loss"][e] == pytest.approx(val_loss, abs=1e-5)
        assert h.columns["val_loss"][e] != val_loss  # float32 did run: not bit-equal
    rows = np.random.default_rng(5).permutation(600)[:32]
    batch = Batch(work, X[:32], y[:32], track=range(32))  # float64 rows into float32 buffers
    batch.load(X, y[rows], rows)
    batch.forward()
    batch.softmax()
    P = net.predict_proba(X[rows])
    np.testing.assert_allclose(batch.probabilities(), P, rtol=0, atol=1e-5)
    assert np.abs(batch.probabilities() - P).max() > 0
