"""``iris-nn seeds``: N networks differing only in train.init_seed, reproducible one by one."""

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import error, ok, run
from sklearn.metrics import accuracy_score, log_loss

from iris_nn.experiments.seeds import study
from iris_nn.parallel import workers
from iris_nn.settings.config import Config, apply, load

EXE = shutil.which("iris-nn", path=os.path.dirname(sys.executable)) or "iris-nn"
STATQUEST = Path(__file__).parent.parent / "configs" / "statquest.toml"
QUICK = ("-c", STATQUEST, "--epochs", "300")


@pytest.fixture(scope="module")
def statquest_study(tmp_path_factory):
    """Return the directory and printed JSON of a small statquest study (4 networks)."""
    out = tmp_path_factory.mktemp("seeds") / "outputs"
    printed = ok(
        "seeds", *QUICK, "--n", "4", "--jobs", "2", "--out", out, "--name", "sq", "--format", "json"
    )
    return out / "sq", json.loads(printed)


def test_the_study_is_written_like_a_run_but_is_not_one(statquest_study):
    path, record = statquest_study
    assert json.loads((path / "seeds.json").read_text()) == record
    assert (path / "plots" / "seeds.png").stat().st_size > 10_000
    assert "data:image/png;base64," in (path / "report.html").read_text()
    assert [p.name for p in path.parent.iterdir()] == ["sq"]  # no temporary directory left
    assert set(record) == {"n", "config", "seeds", "summary", "ensemble", "median_single"}
    assert record["n"] == 4 and [s["seed"] for s in record["seeds"]] == [0, 1, 2, 3]
    assert set(record["seeds"][0]) == {
        "seed",
        "test_accuracy",
        "test_log_loss",
        "epochs_run",
        "dead_units",
        "probabilities",
    }
    assert "no runs in" in ok("runs", "--out", path.parent)
    error(run("predict", "--out", path.parent, "1", "2"), 1)


@pytest.mark.parametrize("k", [0, 3])
def test_train_with_init_seed_k_reproduces_network_k(statquest_study, tmp_path, k):
    _, record = statquest_study
    ok(
        "train",
        *QUICK,
        "--set",
        f"train.init_seed={k}",
        "--out",
        tmp_path,
        "--name",
        "one",
        "--no-plots",
        "-q",
    )
    metrics = json.loads((tmp_path / "one" / "metrics.json").read_text())
    network = record["seeds"][k]
    assert network["test_accuracy"] == metrics["test"]["accuracy"]
    # seeds scores probabilities (-log p), train the logits (log-sum-exp): equal to rounding
    assert network["test_log_loss"] == pytest.approx(metrics["test"]["log_loss"], rel=1e-12)
    assert network["epochs_run"] == metrics["epochs_run"]
    assert network["dead_units"] == metrics["dead_units"]
    rows = {int(r) for r in network["probabilities"]}
    assert rows == {t["row"] for t in metrics["tracked"]}


def test_dead_units_are_flagged_for_statquest(statquest_study, tmp_path):
    _, record = statquest_study
    dead = [s["seed"] for s in record["seeds"] if s["dead_units"]]
    assert dead, "statquest's two ReLU units die for some of the first seeds"
    table = ok("seeds", *QUICK, "--n", "4", "--jobs", "1", "--out", tmp_path)
    flagged = [int(line.split()[0]) for line in table.splitlines() if line.endswith("<- dead")]
    assert flagged == dead
    assert f"networks with dead units: {len(dead)} of 4" in table


def test_results_are_the_same_for_every_jobs(statquest_study, tmp_path):
    _, record = statquest_study
    again = ok("seeds", *QUICK, "--n", "4", "--jobs", "1", "--out", tmp_path, "--format", "json")
    assert json.loads(again) == record


def test_ensemble_and_median_single_against_scikit_learn():
    config = load(STATQUEST, (), {"train.epochs": 200})
    result = study(config, 5, 1)
    _, y_test = result.data.scaled("test")
    labels = range(len(result.data.classes))
    mean_P = np.mean([n.test_probabilities for n in result.networks], axis=0)
    ensemble = result.record["ensemble"]
    assert ensemble["test_log_loss"] == pytest.approx(log_loss(y_test, mean_P, labels=labels))
    assert ensemble["test_accuracy"] == accuracy_score(y_test, mean_P.argmax(axis=1))
    losses = sorted(log_loss(y_test, n.test_probabilities, labels=labels) for n in result.networks)
    assert result.record["median_single"]["test_log_loss"] == pytest.approx(losses[2])
    summary = result.record["summary"]["test_log_loss"]
    assert summary["min"] == pytest.approx(losses[0]) and summary["max"] == pytest.approx(
        losses[-1]
    )


def test_bad_n_and_name_are_usage_errors(tmp_path):
    assert "--n" in error(run("seeds", "--n", "1", "--out", tmp_path))
    assert "--name" in error(run("seeds", "--name", ".hidden", "--out", tmp_path))


def _children(pid):
    """Return the pids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def _alive(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its exit status is left


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads worker processes from /proc")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_seeds_with_no_worker_and_nothing_visible_left(tmp_path, signum, code):
    proc = subprocess.Popen(
        [EXE, "seeds", "--n", "1000", "--jobs", "2", "--epochs", "1000", "--out", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stderr.readline()  # the first network done: the workers are busy with the next
    assert line.startswith("network 1/1000"), line
    workers = _children(proc.pid)
    assert workers
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)
    assert [p for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
    assert list(tmp_path.iterdir()) == []


def test_init_weights_with_seeds_is_an_error(tmp_path):
    from conftest import error, run

    configs = Path(__file__).parents[1] / "configs"
    line = error(run("seeds", "--init", configs / "lesson-weights.toml", "--out", tmp_path), 2)
    assert "No such option '--init'" in line
    line = error(run("seeds", "-c", configs / "lesson.toml", "--n", 2, "--out", tmp_path), 2)
    assert "model.init" in line and "seeds trains from random initial weights" in line
    assert list(tmp_path.iterdir()) == []


def test_a_csv_study_records_the_data_hash_as_a_run_does(tmp_path):
    csv = tmp_path / "wine.csv"
    shutil.copy("examples/wine.csv", csv)
    out = tmp_path / "outputs"
    common = ["--data", csv, "--target", "Cultivar", "--epochs", "5"]
    ok("seeds", *common, "--n", "2", "--jobs", "1", "--out", out, "--name", "s")
    ok("train", *common, "--out", out, "--name", "r", "--no-plots", "-q")
    study = tomllib.loads((out / "s" / "config.toml").read_text())
    run_config = tomllib.loads((out / "r" / "config.toml").read_text())
    assert study["data"]["sha256"] == hashlib.sha256(csv.read_bytes()).hexdigest()
    assert study["data"] == run_config["data"]
    assert json.loads((out / "s" / "seeds.json").read_text())["config"]["data"] == study["data"]
    csv.write_bytes(csv.read_bytes() + b"\n")  # changed since: the study cannot be repeated on it
    message = error(run("seeds", "-c", out / "s" / "config.toml", "--n", "2", "--out", out), 1)
    assert "has changed since data.sha256 was recorded" in message


@pytest.mark.parametrize(
    "data", ["iris", str(Path(__file__).parent.parent / "examples" / "wine.csv")]
)
def test_spawned_workers_train_the_same_networks_as_forked_ones(monkeypatch, data):
    # A spawned worker gets the shared data pickled, once: the data set's loader stays behind.
    config = apply(Config(), {"train.epochs": 30, "model.hidden": [4], "data.dataset": data})
    forked = study(config, 2, 2)
    get_context = multiprocessing.get_context
    monkeypatch.setattr(workers.multiprocessing, "get_context", lambda: get_context("spawn"))
    spawned = study(config, 2, 2)
    for a, b in zip(forked.networks, spawned.networks, strict=True):
        np.testing.assert_array_equal(a.theta, b.theta)
    assert forked.record == spawned.record


@pytest.mark.parametrize("n", [4, 3])
def test_the_table_says_which_network_is_the_median_single_one(n):
    """With an even N the median single network is the lower of the two middle ones: sorted
    losses[1] of 4, and the table says so under it; with an odd N, the middle one."""
    from iris_nn.views.seeds import format_table

    result = study(load(STATQUEST, (), {"train.epochs": 100}), n, 1)
    losses = sorted(s["test_log_loss"] for s in result.record["seeds"])
    assert result.record["median_single"]["test_log_loss"] == losses[(n - 1) // 2]
    last = format_table(result).splitlines()[-1]
    if n % 2 == 0:
        assert last == (
            "(median single network: the lower of the two middle test log losses, as 4 is even)"
        )
    else:
        assert last == "(median single network: the middle test log loss of the 3)"
