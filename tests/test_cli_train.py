"""`iris-nn train` through CliRunner and the installed command: run directory, errors, quiet."""

import csv
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import run
from sklearn.datasets import load_iris
from sklearn.metrics import log_loss

from iris_nn import __version__
from iris_nn.core.functional import softmax
from iris_nn.store.model_file import load_model

FAST = ["--epochs", "30", "--no-plots"]


def train_quiet(out, *args):
    result = run("train", "--out", out, "-q", *FAST, *args)
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip())


def test_version_and_help():
    assert run("--version").stdout.strip() == f"iris-nn {__version__}"
    for args in (["-h"], ["--help"], ["train", "-h"]):
        result = run(*args)
        assert result.exit_code == 0 and "Example" in result.stdout


@pytest.mark.parametrize("command", ["train", "cv", "seeds"])
def test_help_shows_what_each_option_takes(command):
    shown = {line.split()[0]: line.split()[1] for line in run(command, "-h").stdout.splitlines()
             if line.strip().startswith("--") and len(line.split()) > 1}  # fmt: skip
    assert shown["--data"] == "NAME|CSV" and shown["--target"] == "COLUMN"
    assert shown["--hidden"] == "8|16,16|none" and shown["--lr"] == "NUMBER"
    if command == "train":
        assert shown["--init"] == "WEIGHTS" and shown["--row"] == "INTEGER"


def test_run_directory_is_complete(out):
    path = train_quiet(out, "--set", "data.val_size=0.1")
    assert path.parent == out
    names = {p.name for p in path.iterdir()}
    assert {
        "model.npz",
        "config.toml",
        "history.csv",
        "metrics.json",
        "split.json",
        "probabilities.csv",
    } <= names
    with np.load(path / "model.npz", allow_pickle=False) as npz:
        assert {"W1", "W2", "b1", "b2", "scaler_center", "scaler_scale", "meta"} <= set(npz.files)
        meta = json.loads(str(npz["meta"]))
    assert meta["format"] == "iris-nn/1" and meta["version"] == __version__
    assert meta["hidden"] == [16] and meta["classes"] == ["setosa", "versicolor", "virginica"]
    metrics = json.loads((path / "metrics.json").read_text())
    assert metrics["status"] == "completed" and metrics["epochs_run"] == 30
    assert metrics["stop_reason"] == "epochs"
    assert set(metrics["versions"]) == {"python", "numpy", "scikit-learn", "iris-nn"}
    assert metrics["test"]["n"] == 30 and metrics["val"]["n"] == 15 and metrics["train"]["n"] == 105
    assert sum(map(sum, metrics["confusion_matrix"]["matrix"])) == 30
    assert set(metrics["per_class"]) == {"setosa", "versicolor", "virginica"}
    split = json.loads((path / "split.json").read_text())
    assert sorted(split["train"] + split["val"] + split["test"]) == list(range(150))
    with open(path / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "lr",
        "test_loss",
        "test_accuracy",
    ]
    assert [int(r["epoch"]) for r in rows] == list(range(31))
    assert float(rows[-1]["val_loss"]) == pytest.approx(metrics["val"]["log_loss"], rel=1e-9)
    assert float(rows[-1]["train_loss"]) == pytest.approx(metrics["train"]["log_loss"], rel=1e-9)
    with open(path / "probabilities.csv") as f:
        probs = list(csv.DictReader(f))
    assert list(probs[0]) == ["epoch", "row", "setosa", "versicolor", "virginica"]
    tracked = {int(r["row"]) for r in probs}
    y = np.repeat([0, 1, 2], 50)
    assert sorted(y[list(tracked)]) == [0, 1, 2]
    assert all(t in split["train"] for t in tracked)
    assert {int(r["epoch"]) for r in probs} >= {0, 30}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    "args",
    [
        [],  # the default: no validation rows, every epoch run, the last weights saved
        [  # early stopping restores an earlier epoch's weights
            "--lr",
            "3",
            "--set",
            "data.val_size=0.2",
            "--set",
            "train.early_stopping=true",
            "--set",
            "train.patience=3",
        ],
    ],
)
def test_history_test_columns_measure_the_saved_model(out, args):
    path = train_quiet(out, *args)
    metrics = json.loads((path / "metrics.json").read_text())
    with open(path / "history.csv") as f:
        rows = list(csv.DictReader(f))
    # the row of the saved weights: the best epoch's when early stopping restored them
    if metrics["stop_reason"] == "early_stopping":
        saved = metrics["best_epoch"]
        assert saved < metrics["epochs_run"]
    else:
        saved = metrics["epochs_run"]
    row = rows[saved]
    assert int(row["epoch"]) == saved
    # the oracle: the saved model on the saved test split, scored by scikit-learn
    X, y = load_iris(return_X_y=True)
    test = json.loads((path / "split.json").read_text())["test"]
    P = softmax(load_model(path).logits(X[test]))
    assert float(row["test_loss"]) == pytest.approx(log_loss(y[test], P), rel=1e-9)
    assert float(row["test_accuracy"]) == np.mean(P.argmax(axis=1) == y[test])
    assert float(row["test_loss"]) == pytest.approx(metrics["test"]["log_loss"], rel=1e-9)
    assert float(row["test_accuracy"]) == metrics["test"]["accuracy"]
    assert all(r["test_loss"] and r["test_accuracy"] for r in rows)  # every epoch measured


def test_no_validation_rows_leaves_val_columns_empty(out):
    path = train_quiet(out, "--set", "data.val_size=0")
    assert json.loads((path / "metrics.json").read_text())["val"] is None
    with open(path / "history.csv") as f:
        assert {r["val_loss"] for r in csv.DictReader(f)} == {""}


def test_same_config_same_weights_and_config_toml_reproduces(out):
    a = train_quiet(out, "--seed", "7", "--optimizer", "adam", "--batch-size", "16")
    b = train_quiet(out, "--seed", "7", "--optimizer", "adam", "--batch-size", "16")
    assert a != b  # two runs in the same second get distinct names
    c = train_quiet(out, "-c", a / "config.toml")
    wa, wb, wc = (load_model(p).net.theta for p in (a, b, c))
    np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(wa, wc)
    d = train_quiet(out, "--seed", "8", "--optimizer", "adam", "--batch-size", "16")
    assert not np.array_equal(wa, load_model(d).net.theta)


def test_saved_config_is_resolved(out, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('name = "mine"\n[model]\nhidden = [3]\n')
    path = train_quiet(out, "-c", cfg, "--set", "train.lr=0.05", "--lr", "0.02", "--hidden", "5,4")
    saved = tomllib.loads((path / "config.toml").read_text())
    assert saved["name"] == "mine" and path.name.startswith("mine-")
    assert saved["train"]["lr"] == 0.02 and saved["model"]["hidden"] == [5, 4]
    assert saved["train"]["epochs"] == 30


def test_named_runs_never_overwrite(out):
    a = train_quiet(out, "--name", "exp")
    b = train_quiet(out, "--name", "exp")
    assert (a.name, b.name) == ("exp", "exp-2")


def test_epochs_zero_saves_the_initialised_network(out):
    path = train_quiet(out, "--epochs", "0")
    assert json.loads((path / "metrics.json").read_text())["epochs_run"] == 0


def test_summary(out):
    result = run("train", "--out", out, *FAST)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "test accuracy" in lines[1] and "test log loss" in lines[1]
    assert lines[-1].startswith("run: ")
    assert "30 epochs" in lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--epochs", "-1"],
            "Error: --epochs: train.epochs = -1 is not allowed; allowed: an integer 0 .. 1000000",
        ),
        (["--lr", "nan"], "Error: Invalid value for '--lr': 'nan' is not finite"),
        (["--lr", "5_1"], "Error: Invalid value for '--lr': '5_1' is not a number"),
        (["--lr", "0"], "Error: --lr: train.lr = 0.0 is not allowed; allowed: 0 < x <= 1000"),
        (["--activation", "rellu"], "(did you mean 'relu'?)"),
        (["--optimizer", "adamw"], "(did you mean 'adam'?)"),
        (["--hidden", "8,x"], "Error: --hidden: model.hidden = '8,x' is not allowed"),
        (["--hidden", "0"], "Error: --hidden: model.hidden = [0] is not allowed"),
        (
            ["--set", "train.epoch=3"],
            "Error: unknown config key 'train.epoch' (did you mean 'train.epochs'?)",
        ),
        (["--set", "nonsense"], "Error: --set 'nonsense': expected KEY=VALUE"),
        (["--name", "../escape"], "Error: --name: run name '../escape' is not allowed"),
        (["-c", "missing.toml"], "Error: config file 'missing.toml' does not exist"),
        (["--epochs", "ten"], "Error: Invalid value for '--epochs': 'ten' is not an integer"),
        (["--epochs", "1_0"], "Error: Invalid value for '--epochs': '1_0' is not an integer"),
        (["--hidden", "1_6"], "Error: --hidden: model.hidden = '1_6' is not allowed"),
        (["--bogus"], "--bogus"),
        (
            ["--set", "train.optimizer=sgd", "--set", "train.batch_size=1000"],
            "Error: train.batch_size = 1000 is larger than the 120 training rows",
        ),
        (["--set", "data.test_size=0.01"], "Error: data.test_size = 0.01 gives 2 of 150 rows"),
    ],
)
def test_bad_input_is_one_error_line_exit_2(out, args, message):
    result = run("train", "--out", out, *FAST, *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], lines
    assert list(out.iterdir()) == []


def test_divergence_exit_1_and_no_run(out):
    result = run(
        "train",
        "--out",
        out,
        "--no-plots",
        "--hidden",
        "16,16",
        "--activation",
        "identity",
        "--lr",
        "50",
        "--set",
        "data.scaling=none",
        "--set",
        "train.l2=0",
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: training diverged: the training loss became")
    assert "lower learning rate (--lr 0.3)" in result.stderr  # a tenth of 50, capped at the default
    assert list(out.iterdir()) == []


def test_a_rising_training_loss_is_warned_about(out):
    result = run("train", "--out", out, "--no-plots", "--lr", "100", "--epochs", "300")
    assert result.exit_code == 0, result.output
    warning = result.stderr.strip().splitlines()[-1]
    assert warning.startswith("Warning: the training loss rose from ")
    assert warning.endswith("the learning rate is probably too high; try --lr 0.3")
    quiet = run("train", "--out", out, "--no-plots", "--epochs", "300")
    assert "Warning" not in quiet.stderr


def test_unwritable_output_is_exit_1(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("train", "--out", blocker / "sub", *FAST)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot create output directory")


@pytest.mark.slow
def test_installed_command_in_a_subprocess(tmp_path):
    exe = shutil.which("iris-nn", path=os.path.dirname(sys.executable)) or shutil.which("iris-nn")
    assert exe, "iris-nn is not installed"
    proc = subprocess.run(
        [exe, "train", "--out", tmp_path, "-q", *FAST], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    path = Path(proc.stdout.strip())
    assert proc.stdout == f"{path}\n" and (path / "model.npz").is_file()
    proc = subprocess.run(
        [sys.executable, "-m", "iris_nn", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.stdout.strip() == f"iris-nn {__version__}"


def _set_meta(model_path, **changes):
    """Rewrite ``meta`` of a model file in place (an older version's file, say)."""
    with np.load(model_path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays["meta"]))
    meta.update(changes)
    arrays["meta"] = np.array(json.dumps(meta))
    with open(model_path, "wb") as f:
        np.savez(f, **arrays)


@pytest.mark.slow
def test_no_hidden_layer_is_softmax_regression_everywhere(out):
    """Issue 18 item 5: `--hidden none` never pretends to have an activation."""
    result = run("train", "--out", out, "--name", "flat", "--hidden", "none", "--epochs", "20")
    assert result.exit_code == 0, result.output
    summary = result.stdout.splitlines()[0]
    assert summary.startswith("default: 4-3 softmax regression (no hidden layer), gd,"), summary
    assert "tanh" not in result.stdout
    with np.load(out / "flat" / "model.npz", allow_pickle=False) as npz:
        assert json.loads(str(npz["meta"]))["activation"] is None
    assert "4-3 softmax regression (no hidden layer)" in (out / "flat" / "report.html").read_text()
    # An older run stored the config's activation beside no hidden layer: it reads the same way.
    shutil.copytree(out / "flat", out / "old")
    _set_meta(out / "old" / "model.npz", activation="tanh", created="2020-01-01T00:00:00+00:00")
    listed = json.loads(run("runs", "--out", out, "--format", "json").stdout)
    assert [(r["name"], r["hidden"], r["activation"]) for r in listed] == [
        ("flat", [], None),
        ("old", [], None),
    ]
    table = run("runs", "--out", out).stdout
    assert "tanh" not in table
    assert "hidden none: softmax regression (no hidden layer, so no activation)" in table
    for name in ("flat", "old"):
        assert load_model(out / name).net.hidden == []
        assert run("predict", "-m", out / name, "5.1", "3.5", "1.4", "0.2").exit_code == 0
    # A null activation with hidden layers is a damaged file, not a network.
    hidden = train_quiet(out, "--name", "deep")
    _set_meta(hidden / "model.npz", activation=None)
    result = run("predict", "-m", hidden, "5.1", "3.5", "1.4", "0.2")
    assert result.exit_code == 1 and "activation is null" in result.stderr


def test_divergence_from_a_huge_l2_suggests_a_smaller_l2(out):
    # -q: on a busy machine a progress line would come first
    result = run("train", "--out", out, "--no-plots", "-q", "--set", "train.l2=10000")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: training diverged: ")
    assert result.stderr.rstrip().endswith(
        "Try a smaller L2 strength (--set train.l2=0.3): with --lr 0.3 it shrinks the weights "
        "past zero at every step"
    )


def test_train_on_a_csv_without_plots_imports_no_scikit_learn(tmp_path):
    # scikit-learn (and scipy behind it) took a second of train's start; the split, the metrics
    # and the versions in metrics.json need none of it
    rows = ["a,b,species", *(f"{i % 7}.5,{i % 5}.25,{'xy'[i % 2]}" for i in range(40))]
    data = tmp_path / "d.csv"
    data.write_text("\n".join(rows) + "\n")
    code = (
        "import sys\n"
        "from iris_nn.cli import main\n"
        "sys.argv = ['iris-nn', 'train', '--data', sys.argv[1], '--out', sys.argv[2],\n"
        "            '--epochs', '3', '--no-plots', '-q', '--set', 'data.val_size=0.2']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'matplotlib'})\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(data), str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "HEAVY []"
    metrics = json.loads(next((tmp_path / "out").iterdir()).joinpath("metrics.json").read_text())
    assert metrics["versions"]["scikit-learn"] == importlib.metadata.version("scikit-learn")


def test_the_summary_times_the_epochs_and_gives_the_whole_run_beside_them(out):
    result = run("train", "--out", out, *FAST, "--name", "timed")
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "timed" / "metrics.json").read_text())
    line = result.stdout.splitlines()[0]
    epochs, whole = metrics["train_time_s"], metrics["wall_time_s"]
    assert line.endswith(f"trained 30 epochs in {epochs:.2f} s ({whole:.2f} s in all)"), line
    assert epochs <= whole


def test_a_taken_name_gets_a_suffix_and_a_note_naming_the_run_written(out):
    first = train_quiet(out, "--name", "twice")
    result = run("train", "--out", out, "-q", *FAST, "--name", "twice")
    assert result.exit_code == 0, result.output
    second = Path(result.stdout.strip())
    assert first.name == "twice" and second.name == "twice-2"
    assert f"Note: a run named 'twice' already exists in {out}; this run is {second}" in (
        result.stderr.splitlines()
    )
    assert "Note:" not in run("train", "--out", out, "-q", *FAST, "--name", "once").stderr
