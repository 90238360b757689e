"""Models of random weights for figure tests: no training is needed to draw one."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np

from iris_nn.core.network import Network
from iris_nn.data.datasets import DatasetInfo
from iris_nn.data.scaler import Scaler
from iris_nn.data.split import Split
from iris_nn.store.model_file import Model, model_meta
from iris_nn.store.rundir import RunFiles
from iris_nn.views.run_view import RunView

IRIS = ("sepal_length", "sepal_width", "petal_length", "petal_width")
SPECIES = ("setosa", "versicolor", "virginica")
PIXELS = tuple(f"pixel_{i}_{j}" for i in range(8) for j in range(8))

# (features, hidden, classes) of the networks every figure is checked on
NETWORKS = {
    "statquest 2-2-3": (("petal_width", "sepal_width"), (2,), SPECIES),
    "default 4-16-3": (IRIS, (16,), SPECIES),
    "deep 4-8-8-8-3": (IRIS, (8, 8, 8), SPECIES),
    "digits 64-16-10": (PIXELS, (16,), tuple("0123456789")),
}


def random_model(
    features, hidden, classes, activation="relu", seed=0, sd=1.0, center=0.0, scale=1.0
):
    """Return a model of normal(0, ``sd``) weights and biases that scales every input as
    ``(x - center) / scale``."""
    sizes = [len(features), *hidden, len(classes)]
    n_params = sum((a + 1) * b for a, b in pairwise(sizes))
    net = Network(sizes, activation, np.random.default_rng(seed).normal(0.0, sd, n_params))
    meta = model_meta(
        version="test",
        activation=activation,
        hidden=list(hidden),
        features=list(features),
        scaling="standard",
        created="",
        classes=tuple(classes),
        dataset="test",
        target="class",
    )
    n = len(features)
    return Model(net, Scaler(np.full(n, float(center)), np.full(n, float(scale))), meta)


def made_view(model, X, y, train, name="run"):
    """Return a ``RunView`` of ``model`` over the rows ``X``, ``y``: ``train`` are its training
    rows, and its data set has no units and calls a row a row."""
    n = len(model.features)
    info = DatasetInfo(
        "made", lambda wanted: (X, y), model.features, ("",) * n, model.classes, "class"
    )
    none = np.array([], dtype=np.intp)
    split = Split(np.asarray(train, dtype=np.intp), none, none)
    empty = (np.array([], dtype=np.int64), none, np.empty((0, len(model.classes))))
    run = RunFiles(Path(name), model, {}, {}, split, empty, "")
    return RunView(run, info, X, y, name)
