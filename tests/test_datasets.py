"""The bundled data sets through every command: wine, breast_cancer and digits (SPEC 7)."""

import csv
import json

import numpy as np
import pytest
import sklearn.datasets
from conftest import error, ok, run

from iris_nn.data.datasets import DATASETS
from iris_nn.data.values import feature_name
from iris_nn.estimators.cv import SVC_MAX_ROWS, missing_models
from iris_nn.settings import config as cfg
from iris_nn.store.model_file import load_model

LOADERS = {
    "iris": sklearn.datasets.load_iris,
    "wine": sklearn.datasets.load_wine,
    "breast_cancer": sklearn.datasets.load_breast_cancer,
    "digits": sklearn.datasets.load_digits,
}
TARGETS = {"iris": "species", "wine": "cultivar", "breast_cancer": "diagnosis", "digits": "digit"}


@pytest.mark.parametrize("name", list(LOADERS))
def test_the_registry_is_scikit_learns_tables_named_by_the_name_function(name):
    bunch = LOADERS[name]()
    info = DATASETS[name]
    assert info.features == tuple(feature_name(f) for f in bunch.feature_names)
    assert info.classes == tuple(str(c) for c in bunch.target_names)
    assert info.target == TARGETS[name]
    X, y = info.rows()
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    assert "od280_od315_of_diluted_wines" in DATASETS["wine"].features
    assert DATASETS["breast_cancer"].features[:2] == ("mean_radius", "mean_texture")
    assert DATASETS["digits"].features[-1] == "pixel_7_7"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Return the --out directory with one small run of each bundled data set but Iris."""
    out = tmp_path_factory.mktemp("datasets")
    for name in ("wine", "breast_cancer", "digits"):
        ok("train", "--data", name, "--epochs", "20", "--out", out, "--name", name, "--no-plots")
    return out


@pytest.mark.parametrize("name", ["wine", "breast_cancer", "digits"])
def test_train_predict_evaluate_on_each_data_set(trained, name):
    run_dir = trained / name
    model = load_model(run_dir)
    info = DATASETS[name]
    assert model.meta["dataset"] == name and model.meta["target"] == TARGETS[name]
    assert tuple(model.features) == info.features and tuple(model.classes) == info.classes
    X, _ = info.rows()
    split = json.loads((run_dir / "split.json").read_text())
    row = split["test"][0]
    values = [f"{v:g}" for v in X[row]]
    expected = model.classes[int(model.logits(X[[row]]).argmax())]
    out = json.loads(ok("predict", "-m", run_dir, *values, "--format", "json"))
    assert out[0]["prediction"] == expected
    assert set(out[0]["probabilities"]) == set(info.classes)
    bunch = LOADERS[name]()
    named = [f"{heading}={v}" for heading, v in zip(bunch.feature_names, values, strict=True)]
    assert json.loads(ok("predict", "-m", run_dir, *named, "--format", "json")) == out
    saved = json.loads((run_dir / "metrics.json").read_text())
    scored = json.loads(ok("evaluate", run_dir, "--format", "json"))
    assert scored["accuracy"] == saved["test"]["accuracy"] and scored["n"] == len(split["test"])
    table = ok("evaluate", run_dir)
    assert f"{info.nouns}" in table.splitlines()[0] and f"rows = true {TARGETS[name]}" in table
    steps = ok("predict", "-m", run_dir, *values, "--explain").split("\n\nprediction")[0]
    assert steps.startswith(f"Each {info.noun} goes through")
    assert max(map(len, steps.splitlines())) <= 110  # digits' 64 inputs wrap
    assert "(cm)" not in steps and "flower" not in steps


def test_runs_lists_the_data_set(trained):
    listed = {
        r["name"]: r["dataset"]
        for r in json.loads(ok("runs", "--out", trained, "--format", "json"))
    }
    assert listed == {"wine": "wine", "breast_cancer": "breast_cancer", "digits": "digits"}
    table = ok("runs", "--out", trained)
    assert "breast_cancer" in table and "digits" in table


@pytest.mark.slow
def test_plot_draws_every_figure_of_breast_cancer(trained):
    report = ok("plot", trained / "breast_cancer").strip()
    assert report.endswith("report.html")
    page = (trained / "breast_cancer" / "report.html").read_text()
    assert "Per diagnosis, on the test tumours" in page and "flower" not in page


def test_a_csv_in_scikit_learns_spelling_feeds_a_wine_model(trained, tmp_path):
    bunch = sklearn.datasets.load_wine()
    path = tmp_path / "wines.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*bunch.feature_names, "target"])  # od280/od315_of_diluted_wines
        writer.writerows([*row, t] for row, t in zip(bunch.data, bunch.target, strict=True))
    out = ok("predict", "-m", trained / "wine", "-i", path)
    assert "accuracy " in out and out.splitlines()[0].split()[-1] == "cultivar"
    scored = json.loads(ok("evaluate", trained / "wine", "-i", path, "--format", "json"))
    model = load_model(trained / "wine")
    right = model.logits(bunch.data).argmax(axis=1) == bunch.target
    assert scored["n"] == 178 and scored["accuracy"] == pytest.approx(right.mean())


def test_digits_classes_are_numbers_so_indices_are_names(trained, tmp_path):
    path = tmp_path / "digits.csv"
    bunch = sklearn.datasets.load_digits()
    lines = [",".join([*DATASETS["digits"].features, "digit"])]
    lines += [
        ",".join([*(f"{v:g}" for v in row), str(t)])
        for row, t in zip(bunch.data[:5], bunch.target[:5], strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    out = json.loads(ok("predict", "-m", trained / "digits", "-i", path, "--format", "json"))
    assert [o["digit"] for o in out] == [str(t) for t in bunch.target[:5]]
    path.write_text(path.read_text().replace(",0\n", ",zero\n", 1))
    line = error(run("predict", "-m", trained / "digits", "-i", path), 2)
    assert "column 'digit': unknown digit 'zero'; allowed: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9" in line


def test_cv_on_another_data_set(tmp_path):
    args = ["--folds", "2", "--repeats", "1", "--epochs", "5", "--jobs", "1", "--format", "json"]
    out = json.loads(ok("cv", "--data", "wine", *args))
    assert set(out["models"]) == {
        "iris_nn",
        "mlp_classifier",
        "logistic_regression",
        "svc",
        "lda",
        "dummy",
    }
    small = tmp_path / "small.csv"
    bunch = sklearn.datasets.load_iris()
    rows = [*range(0, 100), 100, 101, 102]  # three virginica
    small.write_text(
        "a,b,c,d,species\n"
        + "".join(f"{','.join(map(str, bunch.data[r]))},{bunch.target[r]}\n" for r in rows)
    )
    assert error(run("cv", "--data", small, "--folds", "5", "--epochs", "1")) == (
        "Error: --folds 5: class '2' has 3 rows; stratified 5-fold needs at least 5 of every "
        "class; allowed: --folds 3 or fewer"
    )


def test_svc_is_left_out_above_20000_rows():
    config = cfg.load()
    assert "svc" not in missing_models(config, SVC_MAX_ROWS)
    assert "20,000 rows" in missing_models(config, SVC_MAX_ROWS + 1)["svc"]


def test_csv_only_keys_are_refused_for_bundled_data():
    with pytest.raises(cfg.ConfigError, match="data.target = 'kind' is for CSV files"):
        cfg.load(sets=["data.dataset=wine", "data.target=kind"])
    with pytest.raises(cfg.ConfigError, match="data.exclude"):
        cfg.load(sets=['data.exclude=["Id"]'])
    assert cfg.load(sets=["data.dataset=wine", "data.target=cultivar"]).data.target == "cultivar"
    assert cfg.load(sets=['data.features=["petal width (cm)"]']).data.features == (
        "petal width (cm)",
    )
