"""`iris-nn evaluate` and `iris-nn runs`."""

import json
import shutil

import numpy as np
import pytest
from conftest import error, ok, run
from sklearn.datasets import load_iris

KEYS = {
    "name",
    "created",
    "dataset",
    "hidden",
    "activation",
    "epochs_run",
    "test_accuracy",
    "test_log_loss",
    "status",
}


def test_evaluate_on_the_test_split_equals_metrics_json(trained_run):
    saved = json.loads((trained_run / "metrics.json").read_text())
    for target in (trained_run, trained_run / "model.npz"):
        data = json.loads(ok("evaluate", target, "--format", "json"))
        assert set(data) == {"accuracy", "log_loss", "n", "per_class", "confusion_matrix"}
        assert data["n"] == saved["test"]["n"]
        assert data["accuracy"] == saved["test"]["accuracy"]
        assert abs(data["log_loss"] - saved["test"]["log_loss"]) < 1e-12
        assert data["per_class"] == saved["per_class"]
        assert data["confusion_matrix"] == saved["confusion_matrix"]
    table = ok("evaluate", trained_run)
    assert "test split" in table and "precision" in table and "confusion matrix" in table


def test_evaluate_newest_run_by_default(trained_run, tmp_path):
    out = tmp_path / "outputs"
    shutil.copytree(trained_run, out / "small")
    assert ok("evaluate", "--out", out) == ok("evaluate", trained_run)


def test_evaluate_labelled_csv_and_stdin(trained_run, tmp_path):
    bunch = load_iris()
    lines = ["sepal length (cm),sepal width (cm),petal length (cm),petal width (cm),species"]
    lines += [
        ",".join([*map(str, row), str(t)]) for row, t in zip(bunch.data, bunch.target, strict=True)
    ]
    path = tmp_path / "iris.csv"
    path.write_text("\n".join(lines) + "\n")
    data = json.loads(ok("evaluate", trained_run, "-i", path, "--format", "json"))
    assert data["n"] == 150 and sum(map(sum, data["confusion_matrix"]["matrix"])) == 150
    assert data == json.loads(
        ok("evaluate", trained_run, "-i", "-", "--format", "json", input=path.read_text())
    )


def test_evaluate_errors(trained_run, tmp_path):
    unlabelled = tmp_path / "u.csv"
    unlabelled.write_text("sepal_length,sepal_width,petal_length,petal_width\n1,2,3,4\n")
    assert error(run("evaluate", trained_run, "-i", unlabelled), 2) == (
        f"Error: --input: {str(unlabelled)!r} has no species column; evaluate needs the true "
        "class of each row (setosa, versicolor, virginica)"
    )
    assert error(run("evaluate", trained_run, "-i", tmp_path / "nope.csv"), 2).startswith(
        "Error: --input: input file"
    )
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(trained_run / "model.npz", bare / "model.npz")
    assert error(run("evaluate", bare), 1) == (
        f"Error: {bare} has no split.json, so its test rows are unknown; evaluate a labelled "
        "CSV with --input instead"
    )
    empty = tmp_path / "outputs"
    assert error(run("evaluate", "--out", empty), 1) == (
        f"Error: no runs in {empty}/: run `iris-nn train` first"
    )


def test_runs_lists_newest_first_and_skips_hidden(trained_run, tmp_path):
    out = tmp_path / "outputs"
    for name, created in (
        ("older", "2024-01-01T00:00:00+00:00"),
        ("newer", "2025-01-01T00:00:00+00:00"),
    ):
        shutil.copytree(trained_run, out / name)
        with np.load(out / name / "model.npz", allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(str(arrays["meta"]))
        meta["created"] = created
        arrays["meta"] = np.array(json.dumps(meta))
        np.savez(out / name / "model.npz", **arrays)
    shutil.copytree(trained_run, out / ".tmp.tmp-123")  # hidden: never a run
    data = json.loads(ok("runs", "--out", out, "--format", "json"))
    assert [r["name"] for r in data] == ["newer", "older"]
    assert set(data[0]) == KEYS
    saved = json.loads((trained_run / "metrics.json").read_text())
    assert data[0]["test_accuracy"] == saved["test"]["accuracy"]
    assert data[0]["status"] == "completed" and data[0]["hidden"] == [16]
    assert data[0]["dataset"] == "iris"
    table = ok("runs", "--out", out).splitlines()
    assert table[0].split()[:4] == ["name", "created", "(UTC)", "data"]
    assert "newer" in table[1] and "older" in table[2] and ".tmp" not in "".join(table)


@pytest.mark.slow
def test_runs_of_an_older_version_are_iris_runs(trained_run, tmp_path):
    out = tmp_path / "outputs"
    shutil.copytree(trained_run, out / "old")
    with np.load(out / "old" / "model.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays["meta"]))
    del meta["dataset"], meta["target"]  # the first release wrote neither
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(out / "old" / "model.npz", **arrays)
    assert json.loads(ok("runs", "--out", out, "--format", "json"))[0]["dataset"] == "iris"
    assert ok("evaluate", out / "old") == ok("evaluate", trained_run).replace("small,", "old,")
    out_json = json.loads(
        ok("predict", "-m", out / "old", "5.1", "3.5", "1.4", "0.2", "--format", "json")
    )
    assert out_json[0]["prediction"] == "setosa"
    ok("plot", out / "old")


def test_runs_empty_is_friendly(tmp_path):
    out = tmp_path / "none"
    assert ok("runs", "--out", out) == f"no runs in {out}/ yet: run `iris-nn train` to make one\n"
    assert json.loads(ok("runs", "--out", out, "--format", "json")) == []


@pytest.mark.parametrize("n", [5, 150, 70_000])
def test_metrics_equal_scikit_learns(n):
    from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support

    from iris_nn.inference import metrics

    rng = np.random.default_rng(n)
    y = rng.integers(0, 4, n)
    P = rng.dirichlet([1.0, 1.0, 1.0, 0.01], n)  # class 3 rarely predicted, never at n = 5
    P[0] = [0.0, 0.0, 1.0, 0.0]  # a certain mistake: both clip it
    y[0] = 0
    got = metrics.classification_metrics(y, P, ("a", "b", "c", "d"))
    labels = [0, 1, 2, 3]
    assert got["log_loss"] == log_loss(y, P, labels=labels)  # exactly: the same operations
    assert got["accuracy"] == np.mean(P.argmax(axis=1) == y) and got["n"] == n
    pred = P.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        y, pred, labels=labels, zero_division=0
    )
    for i, c in enumerate("abcd"):
        assert got["per_class"][c] == {
            "precision": precision[i],
            "recall": recall[i],
            "f1": f1[i],
            "support": support[i],
        }
    assert got["confusion_matrix"] == {
        "labels": list("abcd"),
        "matrix": confusion_matrix(y, pred, labels=labels).tolist(),
    }
