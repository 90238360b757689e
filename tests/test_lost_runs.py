"""Runs that were lost (issue 24.3): huge but finite losses, and class names that are also the
columns of a run's files, give runs that are saved and drawn like any other."""

import csv
import json

import numpy as np
import pytest
from conftest import ok, run
from sklearn.datasets import load_iris
from sklearn.metrics import log_loss

from iris_nn.core.functional import softmax
from iris_nn.inference.evaluate import held_out_rows
from iris_nn.store import rundir
from iris_nn.store.model_file import load_model


def _history(run_dir):
    with open(run_dir / "history.csv", newline="") as f:
        return list(csv.DictReader(f))


def _exact_cross_entropy(run_dir, part="test"):
    """Return -mean log SoftMax(z)[true class] of the saved model on its test rows, in the
    test's own arithmetic (log-sum-exp with the max subtracted)."""
    model = load_model(run_dir / "model.npz")
    inputs = held_out_rows(model, run_dir)
    Z = model.logits(inputs.X)
    m = Z.max(axis=1)
    lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
    return float(np.mean(lse - Z[np.arange(len(Z)), inputs.truth])), Z, inputs.truth


def test_metrics_log_loss_is_scikit_learns_when_no_probability_is_clipped(trained_run):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    _, Z, y = _exact_cross_entropy(trained_run)
    P = softmax(Z)
    assert P.min() > np.finfo(np.float64).eps  # below it, scikit-learn clips
    expected = log_loss(y, P, labels=[0, 1, 2])
    assert metrics["test"]["log_loss"] == pytest.approx(expected, rel=1e-12)
    evaluated = json.loads(ok("evaluate", trained_run, "--format", "json"))
    assert evaluated["log_loss"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.slow
def test_a_run_with_huge_finite_losses_is_saved_and_drawn(tmp_path):
    """`--lr 1000 --activation relu --epochs 50 --animate`: losses about 1e290 failed the
    animation's log axis ("OverflowError: cannot convert float infinity to integer") and the
    run was discarded; metrics.json said 34.5 (a clipped log loss) for the same weights."""
    out = tmp_path / "o"
    args = ["--lr", "1000", "--activation", "relu", "--epochs", "50", "--seed", "0"]
    result = run("train", *args, "--animate", "--out", out, "--name", "huge", "-q")
    assert result.exit_code == 0, result.output
    run_dir = out / "huge"
    assert (run_dir / "plots" / "training.gif").is_file() and (run_dir / "report.html").is_file()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    last = _history(run_dir)[-1]
    assert int(last["epoch"]) == metrics["epochs_run"]  # the last row: the saved weights
    exact, _, _ = _exact_cross_entropy(run_dir)
    assert exact > 1e200 and np.isfinite(exact)
    assert metrics["test"]["log_loss"] == pytest.approx(exact, rel=1e-12)
    assert metrics["test"]["log_loss"] == pytest.approx(float(last["test_loss"]), rel=1e-12)
    assert metrics["train"]["log_loss"] == pytest.approx(float(last["train_loss"]), rel=1e-12)
    for command in (("plot", run_dir, "--animate"), ("animate", run_dir)):
        result = run(*command)
        assert result.exit_code == 0, result.output
    table = ok("evaluate", run_dir)
    shown = f"{metrics['test']['log_loss']:.3g}"  # 3 digits, not all 290 of them
    assert "e+2" in shown and f"log loss {shown}" in table


NAMES = ["row", "epoch", "a\nb", "prediction"]


def test_probabilities_round_trip_with_classes_named_as_its_columns(tmp_path):
    classes = ["row", "epoch", "a\nb"]
    records = [(0, 1, np.array([0.2, 0.3, 0.5])), (7, 0, np.array([0.1, 0.8, 0.1]))]
    rundir.write_probabilities(tmp_path, classes, records)
    epochs, rows, P = rundir.read_probabilities(tmp_path, classes, n_rows=2)
    assert epochs.tolist() == [0, 7] and rows.tolist() == [1, 0]
    assert P.tolist() == [[0.2, 0.3, 0.5], [0.1, 0.8, 0.1]]


def class_csv(path, names):
    """Write Iris as a CSV whose three classes are ``names``, target column ``kind``."""
    d = load_iris()
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x1", "x2", "x3", "x4", "kind"])
        for x, t in zip(d.data, d.target, strict=True):
            w.writerow([*x, names[t]])
    return path


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_a_class_named_as_a_run_file_column_works_with_every_file_and_figure(tmp_path, name):
    data = class_csv(tmp_path / "d.csv", [name, "other", "third"])
    out = tmp_path / "o"
    result = run("train", "--data", data, "--target", "kind", "--epochs", "20", "--out", out,
                 "--name", "r", "--animate", "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    for command in (
        ("plot", out / "r", "--animate"),
        ("evaluate", out / "r", "--format", "json"),
        ("predict", "-m", out / "r", "-i", data, "--format", "json"),
        ("runs", "--out", out),
    ):
        result = run(*command)
        assert result.exit_code == 0, (command, result.output)
