"""Advice and messages that must hold (issue 24.4 and 24.9): following the tool's own advice
gives a run that works everywhere, and no message names a value the user cannot act on."""

import json

import numpy as np
import pytest
from conftest import error, ok, run

from iris_nn.data.csv_dataset import looks_like_row_id


def dup_csv(path, n=60):
    """Write a CSV with header ``a,a,b,kind``: the two ``a`` columns differ (the second is the
    informative one), ``n`` rows."""
    rng = np.random.default_rng(0)
    kind = np.arange(n) % 3
    first = rng.normal(size=n)  # noise
    second = kind + 0.1 * rng.normal(size=n)  # the class, nearly
    b = rng.normal(size=n)
    lines = ["a,a,b,kind"] + [
        f"{x!r},{y!r},{z!r},{'xyz'[k]}"
        for x, y, z, k in zip(first.tolist(), second.tolist(), b.tolist(), kind, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path, second


@pytest.mark.slow  # trains twice and draws every figure: seconds
def test_leaving_one_duplicate_out_as_advised_gives_a_run_that_works_everywhere(tmp_path):
    data, second = dup_csv(tmp_path / "dup.csv")
    out = tmp_path / "o"
    refused = error(run("train", "--data", data, "--out", out, "--no-plots"), 2)
    assert "leave one out with data.exclude" in refused
    ok("train", "--data", data, "--out", out, "--name", "d", "--epochs", "50", "-q", "--no-plots",
       "--set", 'data.exclude=["a"]')  # fmt: skip
    run_dir = out / "d"
    # the second 'a' (the one left in) is the feature: its training mean is the scaler's centre
    split = json.loads((run_dir / "split.json").read_text())
    model = np.load(run_dir / "model.npz")
    assert model["scaler_center"][0] == pytest.approx(second[split["train"]].mean(), rel=1e-12)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    evaluated = json.loads(ok("evaluate", run_dir, "--format", "json"))
    assert evaluated["accuracy"] == metrics["test"]["accuracy"]
    assert evaluated["log_loss"] == pytest.approx(metrics["test"]["log_loss"], rel=1e-12)
    ok("plot", run_dir)  # the figures and report of a run without a duplicate column
    assert (out / "d" / "report.html").is_file()
    ok("train", "-c", run_dir / "config.toml", "--out", out, "--name", "again", "-q", "--no-plots")
    again = np.load(out / "again" / "model.npz")
    assert np.array_equal(again["W1"], model["W1"])  # the reproduction picks the same column


@pytest.mark.parametrize("n", [3, 10, 63, 64, 65, 200])
def test_row_ids_are_found_in_columns_of_any_length(n):
    assert looks_like_row_id(np.arange(n, dtype=float))
    shuffled = np.arange(n, dtype=float)
    shuffled[-1] = -1.0
    assert not looks_like_row_id(shuffled)
    assert not looks_like_row_id(np.arange(n) + 0.5)


def _iris_rows():
    from sklearn.datasets import load_iris

    d = load_iris()
    return [
        [repr(float(v)) for v in x] + [str(d.target_names[t])]
        for x, t in zip(d.data, d.target, strict=True)
    ]


def _write(path, rows):
    path.write_text("\n".join(",".join(r) for r in [["a", "b", "c", "d", "species"], *rows]) + "\n")
    return path


@pytest.mark.parametrize("activation", ["relu", "identity"])
def test_a_finite_1e308_in_a_test_row_is_no_divergence(tmp_path, activation):
    """Issue 24.9: 'training diverged ... try a lower learning rate' at any learning rate."""
    rows = _iris_rows()
    out = tmp_path / "o"
    args = ["--epochs", "20", "--no-plots", "-q", "--activation", activation, "--out", out]
    ok("train", "--data", _write(tmp_path / "plain.csv", rows), *args, "--name", "plain")
    test_row = json.loads((out / "plain" / "split.json").read_text())["test"][0]
    rows[test_row][:4] = ["1e308"] * 4
    ok("train", "--data", _write(tmp_path / "big.csv", rows), *args, "--name", "big")
    plain = json.loads((out / "plain" / "metrics.json").read_text())
    big = json.loads((out / "big" / "metrics.json").read_text())
    assert big["train"] == pytest.approx(plain["train"], rel=1e-9)  # training never saw it


def test_the_lowest_learning_rate_is_never_advised_to_go_to_0():
    from types import SimpleNamespace

    from iris_nn.cli.hints import lower_lr_hint

    def hint(lr):
        return lower_lr_hint(SimpleNamespace(train=SimpleNamespace(lr=lr)))

    assert hint(5.0) == "--lr 0.3"  # at most the default
    assert hint(0.02) == "--lr 0.002"
    assert "--lr 0" not in hint(5e-324) and "smallest" in hint(5e-324)


def test_a_cv_message_names_the_val_size_the_user_set(tmp_path):
    """Issue 24.9: the estimator's share of a fold (0.423...) was reported as val_size."""
    rng = np.random.default_rng(1)
    lines = ["a,b,kind"] + [
        f"{rng.random() + i % 2},{rng.random()},{'xy'[i % 2]}" for i in range(40)
    ]
    lines += [f"{rng.random() + 3},{rng.random()},z" for _ in range(2)]  # a class of 2 rows
    data = tmp_path / "small.csv"
    data.write_text("\n".join(lines) + "\n")
    message = error(run("cv", "--data", data, "--folds", "2", "--repeats", "1", "--epochs", "5",
                        "--set", "data.val_size=0.2", "--set", "train.early_stopping=true"), 2)  # fmt: skip
    assert message.startswith("Error: data.val_size = 0.2 gives 8 validation rows, but a training")
    assert "val_size = 0.4" not in message


@pytest.mark.slow  # two trainings with every figure drawn: seconds
def test_a_run_saved_under_the_next_free_name_is_titled_with_it(tmp_path):
    """Issue 24.9: the report of a run saved as same-2 was titled 'same'."""
    out = tmp_path / "o"
    for _ in range(2):
        ok("train", "--out", out, "--name", "same", "--epochs", "5", "-q")
    assert "<title>iris-nn run same-2</title>" in (out / "same-2" / "report.html").read_text()
    assert "<title>iris-nn run same</title>" in (out / "same" / "report.html").read_text()
