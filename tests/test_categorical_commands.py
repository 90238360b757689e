"""cv, seeds, compare, the Python library and a subset of a table's columns on text and gaps.

The oracles: scikit-learn's ``SimpleImputer`` and ``OneHotEncoder`` fitted on a fold's own
training rows (cv), ``predict``'s own answer for the same values (the library), and the columns
chosen (``data.features``).
"""

import json

import numpy as np
import pytest
from conftest import ok, run
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder
from test_categorical import HEADER, as_missing, table, write

import iris_nn
from iris_nn.core.errors import BadInputError
from iris_nn.estimators import cv
from iris_nn.estimators.classifier import IrisNNClassifier
from iris_nn.settings.config import Config, apply

TEXT = (0, 3)  # island and sex: the text columns of test_categorical.table


def expected_rows(raw, train, columns):
    """Return the encoded, filled rows of ``raw``'s ``columns``, fitted on the rows ``train``."""
    out = []
    for j in columns:
        column = raw[:, j : j + 1]
        if j in TEXT:
            imputer = SimpleImputer(strategy="most_frequent").fit(column[train])
            present = column[[c == c for c in column[:, 0]]]  # categories over all the file
            out.append(OneHotEncoder(sparse_output=False).fit(present).transform(
                imputer.transform(column)))  # fmt: skip
        else:
            numbers = column.astype(float)
            out.append(SimpleImputer(strategy="median").fit(numbers[train]).transform(numbers))
    return np.hstack(out)


@pytest.fixture(scope="module")
def gaps(tmp_path_factory):
    """Return (csv path, raw cells) of the made-up table with text columns and gaps."""
    rows = table(90, seed=7)
    path = write(tmp_path_factory.mktemp("gaps") / "g.csv", rows)
    raw = np.array([[as_missing(c) for c in r[:4]] for r in rows], dtype=object)
    return path, raw


def test_cv_fills_each_fold_from_its_own_training_rows(gaps, monkeypatch):
    path, raw = gaps
    seen = []

    def spy(config, X, y, train, test, seed, models, unscaled):
        seen.append((X.copy(), train, unscaled))
        return {"iris_nn": (1.0, 0.1, 0.0)}

    monkeypatch.setattr(cv, "run_fold", spy)
    config = apply(Config(), {"data.dataset": str(path), "data.missing": "impute", "seed": 3})
    cv.cross_validate(config, folds=3, repeats=1, jobs=1, models=("iris_nn",))
    assert len(seen) == 3
    mask = np.array([c.startswith(("island=", "sex=")) for c in
                     ["island=Biscoe", "island=Dream", "island=Torgersen", "bill", "flipper",
                      "sex=female", "sex=male"]])  # fmt: skip
    fills = set()
    for X, train, unscaled in seen:
        np.testing.assert_array_equal(X, expected_rows(raw, train, range(4)))
        np.testing.assert_array_equal(unscaled, mask)  # the 0/1 inputs stay unscaled, as in train
        fills.add(tuple(np.median(X[train][:, 3:5], axis=0)))
    assert len(fills) > 1  # the folds' medians differ: no fold saw another's training rows


def test_the_estimator_and_the_baselines_leave_the_0_1_inputs_unscaled(gaps):
    _, raw = gaps
    X = expected_rows(raw, np.arange(len(raw)), range(4))
    y = np.array([r[4] for r in table(90, seed=7)])
    mask = np.array([True, True, True, False, False, True, True])
    net = IrisNNClassifier(epochs=5, random_state=0).fit(X, y, unscaled=mask)
    np.testing.assert_array_equal(net.center_[mask], 0.0)
    np.testing.assert_array_equal(net.scale_[mask], 1.0)
    np.testing.assert_allclose(net.center_[~mask], X[:, ~mask].mean(axis=0))
    np.testing.assert_allclose(net.scale_[~mask], X[:, ~mask].std(axis=0))
    step = cv.scaler("standard", mask).fit(X)
    scaled = step.transform(X)  # the scaled inputs first, then the 0/1 ones as they were
    np.testing.assert_array_equal(scaled[:, 2:], X[:, mask])
    np.testing.assert_allclose(scaled[:, :2].mean(axis=0), 0.0, atol=1e-12)
    with pytest.raises(BadInputError, match="one bool per input"):
        IrisNNClassifier(epochs=1).fit(X, y, unscaled=mask[:3])


def test_cv_and_seeds_and_compare_run_on_text_and_gaps(gaps, tmp_path):
    path, _ = gaps
    common = ["--data", path, "--set", "data.missing=impute", "--epochs", "20"]
    scores = json.loads(ok("cv", *common, "--folds", "2", "--repeats", "1", "--jobs", "1",
                           "--format", "json"))  # fmt: skip
    assert set(scores["models"]) >= {"iris_nn", "logistic_regression"}
    assert scores["models"]["iris_nn"]["accuracy_mean"] > 0.5
    study = json.loads(ok("seeds", *common, "--n", "2", "--jobs", "1", "--out", tmp_path,
                          "--name", "s", "--format", "json"))  # fmt: skip
    assert len(study["seeds"]) == 2
    assert (tmp_path / "s" / "plots" / "seeds.png").is_file()
    for name in ("a", "b"):
        ok("train", *common, "--out", tmp_path, "--name", name, "--no-plots", "-q",
           "--set", f"train.lr={0.05 if name == 'a' else 0.1}")  # fmt: skip
    table_text = ok("compare", tmp_path / "a", tmp_path / "b")
    assert "train.lr" in table_text and "accuracy" in table_text


def test_the_library_trains_loads_and_predicts_with_text_values(gaps, tmp_path):
    path, _ = gaps
    run_ = iris_nn.train(dataset=str(path), missing="impute", epochs=30, out=tmp_path, name="lib")
    model = iris_nn.load(tmp_path / "lib").model
    assert model.columns == HEADER[:4]
    rows = [["Dream", 48.0, 200.5, "male"], ["Biscoe", "NA", 190, None]]
    by_dict = [dict(zip(model.columns, r, strict=True)) for r in rows]
    P = model.predict_proba(rows)
    np.testing.assert_array_equal(P, model.predict_proba(by_dict))
    np.testing.assert_array_equal(P, run_.model.predict_proba(rows))
    for row, p in zip(rows, P, strict=True):  # predict's own answer for the same values
        cells = ["NA" if c is None else str(c) for c in row]
        got = json.loads(ok("predict", "--model", tmp_path / "lib", *cells, "--format", "json"))
        np.testing.assert_allclose(list(got[0]["probabilities"].values()), p, atol=1e-12)
    assert list(model.predict(rows)) == [model.classes[k] for k in P.argmax(axis=1)]
    encoded = model.explain(rows[0])["inputs"]
    assert encoded["island=Dream"] == 1 and encoded["island=Biscoe"] == 0
    with pytest.raises(BadInputError, match="'Mars' was not seen in training"):
        model.predict([["Mars", 48, 200, "male"]])
    with pytest.raises(BadInputError, match="allowed: 4 values of island, bill, flipper, sex"):
        model.predict([["Dream", 48]])


def test_a_subset_of_the_columns_is_filled_and_encoded(gaps, tmp_path):
    path, raw = gaps
    result = run("train", "--data", path, "--set", "data.missing=impute", "--set",
                 'data.features=["sex","bill"]', "--epochs", "10", "--out", tmp_path,
                 "--name", "sub", "--no-plots")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "filled missing cells" in result.stderr
    run_ = iris_nn.load(tmp_path / "sub")
    assert run_.model.features == ["sex=female", "sex=male", "bill"]
    meta = run_.model.stored.meta
    assert meta["columns"] == ["sex", "bill"] and meta["categories"] == {"sex": ["female", "male"]}
    train = np.array(json.loads((tmp_path / "sub" / "split.json").read_text())["train"])
    expected = expected_rows(raw, train, (3, 1))
    assert meta["fill"]["bill"] == SimpleImputer(strategy="median").fit(
        raw[train, 1:2].astype(float)).statistics_[0]  # fmt: skip
    got = run_.evaluate(path)  # every row, filled with the stored values: no error, no NaN
    assert got["n"] == len(raw)
    scaler = run_.model.stored.scaler
    np.testing.assert_array_equal(scaler.center[:2], 0.0)
    np.testing.assert_allclose(scaler.center[2], expected[train, 2].mean())
    line = run("train", "--data", path, "--set", 'data.features=["island=Dream","bill"]',
               "--set", "data.missing=impute", "--out", tmp_path, "--no-plots")  # fmt: skip
    assert line.exit_code == 2
    assert "data.features = 'island=Dream'" in line.stderr  # original columns only
    with pytest.raises(BadInputError, match="some of a text column's values"):
        run_.model.stored.layout.subset(["sex=male", "bill"])


def test_prepare_fills_a_subset_of_a_tables_columns(gaps):
    """``prepare`` given fewer columns than the table was read with (the library's own use)."""
    from iris_nn.data.csv_dataset import read_csv_dataset
    from iris_nn.data.prepare import prepare

    path, raw = gaps
    info = read_csv_dataset(path, missing="impute")  # every column
    data = prepare(info, ["sex", "bill"], 0.3, 0.0, "standard", 5)
    assert data.features == ("sex=female", "sex=male", "bill")
    assert data.layout.columns == ("sex", "bill")
    train = data.split.train
    np.testing.assert_array_equal(data.X, expected_rows(raw, train, (3, 1)))
    assert data.fill == {
        "sex": SimpleImputer(strategy="most_frequent").fit(raw[train, 3:4]).statistics_[0],
        "bill": SimpleImputer(strategy="median").fit(raw[train, 1:2].astype(float)).statistics_[0],
    }
    np.testing.assert_array_equal(data.scaler.center[:2], 0.0)
    np.testing.assert_array_equal(data.scaler.scale[:2], 1.0)
    np.testing.assert_allclose(data.scaler.center[2], data.X[train, 2].mean())
