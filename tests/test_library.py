"""The Python library (SPEC 12): iris_nn.train, iris_nn.load, Run, Model."""

import subprocess
import sys

import numpy as np
from conftest import ok

import iris_nn


def test_import_iris_nn_loads_neither_sklearn_nor_matplotlib():
    code = "import sys, iris_nn; print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'matplotlib')))"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
        == "[]"
    )
    assert sorted(iris_nn.__all__) == sorted(
        ["BadInputError", "CannotUseError", "IrisNNClassifier", "__version__", "load", "train"]
    )


def test_train_then_load_gives_the_probabilities_of_predict(tmp_path):
    import json

    r = iris_nn.train(epochs=50, hidden=[8], out=tmp_path)
    assert 0 <= r.metrics["test"]["accuracy"] <= 1
    assert r.figure("loss") is not None
    got = iris_nn.load(r.path).model.predict_proba(
        [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]
    )
    out = json.loads(
        ok("predict", "-m", str(r.path), "--format", "json", "5.1", "3.5", "1.4", "0.2")
    )
    np.testing.assert_allclose(got[0], list(out[0]["probabilities"].values()), rtol=0, atol=1e-15)
