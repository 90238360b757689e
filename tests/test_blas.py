"""BLAS threads while training: one while a fit's products are mid-sized, BLAS's own otherwise."""

from dataclasses import replace

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from iris_nn.core.network import Network
from iris_nn.parallel import blas
from iris_nn.settings.config import Config, apply, train_settings


def settings(optimizer="sgd", batch_size=256):
    return replace(train_settings(Config()), optimizer=optimizer, batch_size=batch_size)


def blas_threads():
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_the_largest_product_by_hand():
    deep = Network([20, 64, 64, 3], "relu")
    # a mini-batch of 256 rows through the 65 x 64 weights of the second layer
    assert blas.largest_product(deep, settings(), 200_000) == 256 * 65 * 64
    # full batches of few rows: all of them at once (Iris: 120 rows by 5 x 16)
    iris = Network([4, 16, 3], "relu")
    assert blas.largest_product(iris, settings("gd"), 120) == 120 * 5 * 16
    assert blas.largest_product(iris, settings("sgd", 0), 120) == 120 * 5 * 16
    assert blas.largest_product(iris, settings("sgd", 120), 120) == 120 * 5 * 16
    # full batches of many rows: a chunk at a time
    assert blas.largest_product(deep, settings("gd"), 10**6) == deep.chunk_rows() * 65 * 64


@pytest.mark.parametrize(
    ("sizes", "batch", "one_thread"),
    [
        ([20, 64, 64, 3], 256, True),  # 1.06 million multiply-adds: split, and slower for it
        ([20, 64, 50], 256, True),
        ([784, 64, 10], 128, False),  # 6.4 million: two cores pay
        ([4, 16, 3], 32, False),  # 2,560: never split
    ],
)
def test_mid_sized_products_train_on_one_blas_thread(sizes, batch, one_thread):
    before = blas_threads()
    with blas.training_threads(Network(sizes, "relu"), settings("adam", batch), 100_000):
        inside = blas_threads()
    assert blas_threads() == before
    assert inside == ([1] * len(before) if one_thread else before)


def test_the_estimator_and_train_fit_inside_it(monkeypatch):
    from iris_nn.estimators import classifier
    from iris_nn.experiments import experiment

    seen = []

    def recording(fit):
        def wrapped(*args, **kwargs):
            seen.append(blas_threads())
            return fit(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(classifier, "fit", recording(classifier.fit))
    monkeypatch.setattr(experiment, "fit", recording(experiment.fit))
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(600, 20)), rng.integers(0, 3, 600)
    classifier.IrisNNClassifier(hidden=(64, 64), batch_size=256, epochs=1, val_size=0).fit(X, y)
    config = apply(Config(), {"model.hidden": [64, 64], "train.optimizer": "sgd",
                              "train.batch_size": 64, "train.epochs": 1})  # fmt: skip
    experiment.train_network(config)  # Iris, 64 rows by 65 x 64: 266,240 multiply-adds
    assert seen == [[1] * len(blas_threads())] * 2
