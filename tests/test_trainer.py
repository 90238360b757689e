"""The resumable trainer: stepped with pauses, it reaches what ``train`` reaches, to the bit."""

import dataclasses
import threading

import numpy as np
import pytest

from iris_nn.core.functional import cross_entropy
from iris_nn.core.network import Network
from iris_nn.core.train import Parts, Trainer, fit
from iris_nn.experiments.experiment import build, tracked_rows, train_network
from iris_nn.settings.config import Config, apply, train_settings

CASES = {
    "gd": {"train.optimizer": "gd", "train.epochs": 300},
    "sgd": {"train.optimizer": "sgd", "train.batch_size": 16, "train.lr": 0.1},
    "momentum": {"train.optimizer": "momentum", "train.batch_size": 16, "train.lr": 0.05},
    "nesterov": {
        "train.optimizer": "momentum",
        "train.batch_size": 32,
        "train.lr": 0.05,
        "train.nesterov": True,
    },
    "adam": {"train.optimizer": "adam", "train.batch_size": 16, "train.lr": 0.01},
    "adam full batch": {"train.optimizer": "adam", "train.lr": 0.01},
    "gd early stopping": {
        "train.lr": 3.0,
        "train.epochs": 100_000,
        "train.early_stopping": True,
        "train.patience": 20,
    },
    "adam early stopping": {
        "train.optimizer": "adam",
        "train.batch_size": 16,
        "train.lr": 0.05,
        "train.epochs": 100_000,
        "train.early_stopping": True,
        "train.patience": 20,
    },
}


def _config(case: dict) -> Config:
    settings = {"train.epochs": 120, "data.val_size": 0.2, "model.hidden": [6], **case}
    return apply(Config(), settings)


def _trainer(config: Config) -> tuple[Trainer, Network]:
    """Return a trainer over ``config``'s data and network, as ``train_network`` builds them."""
    data, net, rng = build(config)
    parts = Parts(*data.scaled("train"), *data.scaled("val"), *data.scaled("test"),
                  tracked_rows(data))  # fmt: skip
    return Trainer(net, parts, train_settings(config), rng), net


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_a_stepped_trainer_with_pauses_reaches_trains_weights_and_history(case):
    config = _config(case)
    expected = train_network(config)  # what ``iris-nn train`` trains
    trainer, net = _trainer(config)
    chunks = np.random.default_rng(5)
    while trainer.stop_reason() is None:
        if chunks.random() < 0.5:
            trainer.step()
        else:
            trainer.run(int(chunks.integers(1, 40)))  # play for a while
        trainer.columns()  # a page reads the state between epochs
        net.copy()
        trainer.run(0)  # a pause
    # paused in another thread too, as the server's training threads are
    worker = threading.Thread(target=trainer.run, args=(0,))
    worker.start()
    worker.join()
    history = trainer.finish(trainer.stop_reason() or "")
    assert net.theta.tobytes() == expected.net.theta.tobytes()
    assert history.columns.keys() == expected.history.columns.keys()
    for name, column in expected.history.columns.items():
        assert history.columns[name].tobytes() == column.tobytes(), name
    for field in ("epochs_run", "best_epoch", "stop_reason", "restored"):
        assert getattr(history, field) == getattr(expected.history, field), field
    if case.get("train.early_stopping"):
        assert history.stop_reason == "early_stopping" and history.restored
    recorded = [(e, r, p.tobytes()) for e, r, p in history.probabilities]
    assert recorded == [(e, r, p.tobytes()) for e, r, p in expected.history.probabilities]


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_stepping_past_the_planned_epochs_goes_on_as_a_longer_run(optimizer):
    short = _config({"train.optimizer": optimizer, "train.epochs": 30, "train.lr": 0.05})
    trainer, net = _trainer(short)
    assert trainer.run(1000) == "epochs" and trainer.epoch == 30
    for _ in range(70):  # past the 30 planned: the history grows
        trainer.step()
    longer = train_network(dataclasses.replace(short, train=dataclasses.replace(short.train,
                                                                                epochs=100)))  # fmt: skip
    assert net.theta.tobytes() == longer.net.theta.tobytes()
    columns = trainer.columns()
    for name in ("train_loss", "val_loss", "test_accuracy", "epoch"):
        assert columns[name].tobytes() == longer.history.columns[name].tobytes(), name


def test_an_edit_between_epochs_is_what_the_next_epoch_trains_from():
    # gd keeps no moments: after an edit, the rest is plain gradient descent from the edited
    # weights, which the textbook network computes independently
    config = _config({"train.optimizer": "gd", "train.lr": 0.3, "train.l2": 0.0})
    trainer, net = _trainer(config)
    trainer.run(10)
    net.W(1)[0, 0] = 2.5  # as the page's setWeight does
    net.b(2)[1] = -1.0
    trainer.edited()
    reference = net.copy()
    X, y = trainer.parts.X, trainer.parts.y
    trainer.run(5)
    for _ in range(5):
        reference.theta -= 0.3 * reference.gradient(X, y)[1]
    np.testing.assert_allclose(net.theta, reference.theta, rtol=0, atol=1e-12)
    loss = trainer.columns()["train_loss"][15]  # measured at the last state: the oracle's
    assert loss == pytest.approx(cross_entropy(reference.forward(X), y), rel=1e-12)


def test_fit_is_the_trainer_run_to_its_stop():
    config = _config(CASES["adam"])
    data, net, rng = build(config)
    parts = Parts(*data.scaled("train"), *data.scaled("val"))
    history = fit(net, parts, train_settings(config), rng)
    trainer, net2 = _trainer(config)
    assert history.epochs_run == config.train.epochs
    assert trainer.run(10**6) == "epochs"
    np.testing.assert_array_equal(net.theta, net2.theta)
