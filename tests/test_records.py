"""What a run records beyond the model: snapshots, the init seed that made it, dead units."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import error, run
from sklearn.datasets import load_iris

from iris_nn.core import network
from iris_nn.core.network import Network
from iris_nn.data.split import seeds
from iris_nn.experiments import experiment
from iris_nn.store import rundir
from iris_nn.store.model_file import load_model

ROOT = Path(__file__).resolve().parents[1]
STATQUEST = ROOT / "configs" / "statquest.toml"
X_IRIS = load_iris().data


def train(out, name, *args):
    result = run("train", "--out", out, "--name", name, "--no-plots", "-q", *args)
    assert result.exit_code == 0, result.output
    return out / name


def probabilities_csv(path):
    with open(path / "probabilities.csv") as f:
        return list(csv.DictReader(f))


def split(path):
    return json.loads((path / "split.json").read_text())


# ----------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize(
    "args",
    [
        "--epochs 300",
        "--epochs 2000 --lr 3 --set data.val_size=0.2 --set train.early_stopping=true "
        "--set train.patience=5",
    ],
)
def test_every_run_has_snapshots_at_the_epochs_of_probabilities_csv(out, args):
    path = train(out, "r", *args.split())
    model = load_model(path)
    metrics = json.loads((path / "metrics.json").read_text())
    epochs, theta = rundir.read_snapshots(path, len(model.net.theta))
    records = probabilities_csv(path)
    kept = metrics["kept_epoch"]
    # with early stopping, up to the kept epoch: the last row is always the saved model
    assert epochs.tolist() == sorted({int(r["epoch"]) for r in records if int(r["epoch"]) <= kept})
    assert epochs[-1] == kept
    np.testing.assert_array_equal(theta[-1], model.net.theta)
    # the oracle: each snapshot gives back the probabilities recorded at its epoch
    for r in records:
        if int(r["epoch"]) > kept:
            continue
        at = epochs.tolist().index(int(r["epoch"]))
        net = Network(model.net.sizes, model.net.activation, theta[at])
        p = net.predict_proba(model.scale_inputs(X_IRIS[[int(r["row"])]]))[0]
        np.testing.assert_allclose(p, [float(r[c]) for c in model.classes], atol=1e-13)


def test_snapshots_are_thinned_evenly_to_the_cap(out, monkeypatch):
    n_params = 4 * 16 + 16 + 16 * 3 + 3  # the default 4-16-3 network
    limit = 65_536 + 12 * (n_params + 1) * 8  # room for 12 snapshots
    monkeypatch.setattr(rundir, "SNAPSHOTS_LIMIT", limit)
    path = train(out, "r", "--epochs", "3000")
    assert (path / "snapshots.npz").stat().st_size <= limit
    epochs, theta = rundir.read_snapshots(path, n_params)
    assert 10 <= len(epochs) <= 12 and epochs[0] == 0 and epochs[-1] == 3000
    assert set(epochs.tolist()) <= {int(r["epoch"]) for r in probabilities_csv(path)}
    steps = np.diff(np.log(epochs + 1.0))[2:]  # the first steps are whole epochs apart
    assert steps.max() < 1.3 * steps.min()
    np.testing.assert_array_equal(theta[-1], load_model(path).net.theta)


def test_no_snapshots_when_two_do_not_fit_and_the_reader_says_why(out, monkeypatch):
    n_params = 4 * 16 + 16 + 16 * 3 + 3
    monkeypatch.setattr(rundir, "SNAPSHOTS_LIMIT", 65_536 + (n_params + 1) * 8)  # one fits
    path = train(out, "r", "--epochs", "30")
    assert not (path / "snapshots.npz").exists()
    with pytest.raises(rundir.RunError, match="snapshots.npz was not written: two snapshots of "):
        rundir.read_snapshots(path, n_params)
    monkeypatch.undo()
    with pytest.raises(rundir.RunError, match=r"snapshots.npz is missing \(a run from before"):
        rundir.read_snapshots(path, n_params)


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"not a zip"),
        lambda p: np.savez(p, epochs=np.array([0, 1]), theta=np.zeros((2, 5))),
        lambda p: np.savez(p, epochs=np.array([3, 1]), theta=np.zeros((2, 131))),
        lambda p: np.savez(p, theta=np.zeros((2, 131))),
        lambda p: np.savez(p, epochs=np.array([0, 1]), theta=np.array([None, None])),  # pickles
    ],
)
def test_a_damaged_snapshots_file_is_one_clear_error(tmp_path, damage):
    target = tmp_path / "snapshots.npz"
    damage(target)
    with pytest.raises(rundir.RunError, match="snapshots.npz"):
        rundir.read_snapshots(tmp_path, 131)


# ----------------------------------------------------------------------------- train.init_seed


def initial_weights(path):
    return load_model(path).net.theta


def test_without_init_seed_the_weights_come_from_seed_as_before(out):
    path = train(out, "r", "--epochs", "0", "--seed", "5")
    _, init_stream, _ = seeds(5)  # how the initial weights were always drawn
    expected = Network.initialised([4, 16, 3], "tanh", np.random.default_rng(init_stream))
    np.testing.assert_array_equal(initial_weights(path), expected.theta)
    assert "init_seed" not in (path / "config.toml").read_text()


def test_init_seed_seeds_the_weights_alone(out):
    base = train(out, "base", "--epochs", "0")
    a = train(out, "a", "--epochs", "0", "--set", "train.init_seed=7")
    b = train(out, "b", "--epochs", "0", "--set", "train.init_seed=7", "--seed", "3")
    init_stream, _ = np.random.SeedSequence(7).spawn(2)
    expected = Network.initialised([4, 16, 3], "tanh", np.random.default_rng(init_stream))
    np.testing.assert_array_equal(initial_weights(a), expected.theta)
    np.testing.assert_array_equal(initial_weights(b), expected.theta)  # whatever the seed
    assert split(a) == split(base) and split(b) != split(base)  # the split is the seed's
    assert "init_seed = 7" in (a / "config.toml").read_text()


def test_init_seed_reproduces_through_config_toml(out):
    args = ["--epochs", "20", "--optimizer", "adam", "--batch-size", "16"]
    a = train(out, "a", *args, "--set", "train.init_seed=11")
    again = train(out, "again", "-c", a / "config.toml")
    other = train(out, "other", *args, "--set", "train.init_seed=12")
    np.testing.assert_array_equal(initial_weights(a), initial_weights(again))
    assert not np.array_equal(initial_weights(a), initial_weights(other))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "train.init_seed = -1 is not allowed; allowed: an integer 0 .. 4294967295"),
        ("4294967296", "train.init_seed = 4294967296 is not allowed"),
        ("1.5", "train.init_seed = 1.5: expected an integer"),
        ("seven", "train.init_seed = 'seven': expected an integer"),
    ],
)
def test_bad_init_seed_is_one_error_line(out, value, message):
    line = error(run("train", "--out", out, "--set", f"train.init_seed={value}"), 2)
    assert message in line


# ----------------------------------------------------------------------------- dead units


def test_dead_units_are_named_in_metrics_and_warned_about(out):
    # statquest's two ReLU units: this init seed leaves unit 1 at 0 for every training flower
    args = ["--name", "dead", "--no-plots", "-q", "--epochs", "300", "--set", "train.init_seed=1"]
    result = run("train", "-c", STATQUEST, "--out", out, *args)
    assert result.exit_code == 0, result.output
    path = out / "dead"
    metrics = json.loads((path / "metrics.json").read_text())
    # the oracle: the saved first layer on the saved training rows
    model = load_model(path)
    X = model.scale_inputs(X_IRIS[split(path)["train"]][:, [3, 1]])  # petal and sepal width
    A = np.maximum(X @ model.net.W(1) + model.net.b(1), 0.0)
    dead = [{"layer": 1, "unit": int(u) + 1} for u in np.flatnonzero((A == 0).all(axis=0))]
    assert metrics["dead_units"] == dead == [{"layer": 1, "unit": 1}]
    warning = result.stderr.strip().splitlines()[-1]
    assert warning.startswith("Warning: 1 dead hidden unit (layer 1 unit 1): it outputs 0 for ")
    assert "--seed" in warning and "leaky_relu" in warning and "--lr" in warning
    # dead means it no longer learns: its incoming weights and bias stay put, unit 2's move
    _, theta = rundir.read_snapshots(path, len(model.net.theta))
    before, after = (Network(model.net.sizes, "relu", t).layers[0] for t in theta[-2:])
    np.testing.assert_array_equal(before[:, 0], after[:, 0])
    assert not np.array_equal(before[:, 1], after[:, 1])


def test_statquest_seed_keeps_its_two_relu_units_alive(out):
    # why statquest.toml sets its seed: the lesson's network on seed 0 loses both ReLU units
    path = train(out, "own", "-c", STATQUEST, "--epochs", 100)
    assert json.loads((path / "metrics.json").read_text())["dead_units"] == []
    path = train(out, "seed0", "-c", STATQUEST, "--epochs", 100, "--seed", 0)
    dead = json.loads((path / "metrics.json").read_text())["dead_units"]
    assert dead == [{"layer": 1, "unit": 1}, {"layer": 1, "unit": 2}]


def test_dead_units_are_found_a_chunk_at_a_time(monkeypatch):
    # 2-3-2-2: layer 1's unit 1 is never positive, unit 2 only on the last row (alone in the
    # last chunk of 3 rows), unit 3 everywhere; layer 2's unit 2 gets no positive input
    monkeypatch.setattr(network, "CHUNK_PRODUCT", 3 * 9)  # the largest product 2 + 1 by 3
    monkeypatch.setattr(network, "MIN_CHUNK_ROWS", 1)
    net = Network([2, 3, 2, 2], "relu")
    net.W(1)[...] = [[-1.0, 0.0, 1.0], [-1.0, 1.0, 1.0]]
    net.b(1)[...] = [0.0, -8.5, 0.0]
    net.W(2)[...] = [[0.0, -1.0], [1.0, -1.0], [1.0, -1.0]]
    X = np.column_stack([np.ones(10), np.arange(10.0)])  # the second input reaches 9 on the last
    assert net.chunk_rows() == 3
    A1 = np.maximum(X @ net.W(1) + net.b(1), 0.0)
    A2 = np.maximum(A1 @ net.W(2) + net.b(2), 0.0)
    assert [c for c in range(3) if not A1[:, c].any()] == [0]  # the oracle, in one pass
    assert [c for c in range(2) if not A2[:, c].any()] == [1]
    assert experiment.dead_units(net, X) == [{"layer": 1, "unit": 1}, {"layer": 2, "unit": 2}]
    assert experiment.dead_units(net, X[:9]) == [
        {"layer": 1, "unit": 1},
        {"layer": 1, "unit": 2},
        {"layer": 2, "unit": 2},
    ]


def test_a_live_network_has_no_dead_units(out):
    args = ["--name", "live", "--no-plots", "--epochs", "300", "--set", "train.init_seed=0"]
    result = run("train", "-c", STATQUEST, "--out", out, *args)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "live" / "metrics.json").read_text())["dead_units"] == []
    assert "dead" not in result.stderr


def test_summary_says_when_early_stopping_kept_an_earlier_epoch_without_stopping(out):
    # patience longer than the run: it never stops early, yet the best epoch's weights are kept
    args = "--epochs 60 --lr 3 --set data.val_size=0.2 --set train.early_stopping=true"
    args += " --set train.patience=1000 --name r --no-plots"
    result = run("train", "--out", out, *args.split())
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "r" / "metrics.json").read_text())
    assert metrics["stop_reason"] == "epochs" and metrics["kept_epoch"] < 60
    assert metrics["kept_epoch"] == metrics["best_epoch"]
    first = result.stdout.splitlines()[0]
    assert f"trained 60 epochs (best epoch {metrics['best_epoch']}, its weights kept)" in first
