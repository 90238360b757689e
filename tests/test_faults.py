"""Faults during train: signals, kills, failed writes and concurrent runs never leave half a run."""

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from iris_nn.cli import cli
from iris_nn.store import model_file, outdir

EXE = shutil.which("iris-nn", path=os.path.dirname(sys.executable)) or "iris-nn"


def _start_long_train(out: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [EXE, "train", "--out", str(out), "--epochs", "1000000", "--no-plots", "--name", "long"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The first progress line on stderr says training has started.
    line = proc.stderr.readline()
    assert line.startswith("epoch "), line
    return proc


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_saves_an_interrupted_run(out, signum, code):
    proc = _start_long_train(out)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    runs = [p for p in out.iterdir()]
    assert [p.name for p in runs] == ["long"], runs
    metrics = json.loads((runs[0] / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and metrics["stop_reason"] == "interrupted"
    assert 0 < metrics["epochs_run"] < 1_000_000
    model = model_file.load_model(runs[0])
    assert np.all(np.isfinite(model.net.theta))
    assert stdout.strip().endswith(str(runs[0]))


@pytest.mark.slow
def test_sigkill_leaves_only_a_hidden_directory_that_later_runs_ignore(out):
    proc = _start_long_train(out)
    proc.kill()
    proc.wait(timeout=30)
    leftovers = list(out.iterdir())
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".long.tmp-")
    assert outdir.list_runs(out) == []
    result = CliRunner().invoke(
        cli, ["train", "--out", str(out), "--epochs", "5", "--no-plots", "-q", "--name", "long"]
    )
    assert result.exit_code == 0, result.output
    assert [r.path.name for r in outdir.list_runs(out)] == ["long"]


def test_interrupted_run_with_early_stopping_keeps_the_best_weights(out, monkeypatch):
    from iris_nn.core import train as T

    real_fit = T.fit

    def fit_then_interrupt(*args, **kwargs):
        control, progress = kwargs["control"], kwargs["progress"]

        def stop_soon(epoch, history):
            if epoch > 300:
                control.stop = True
            if progress:
                progress(epoch, history)

        kwargs["progress"] = stop_soon
        return real_fit(*args, **kwargs)

    monkeypatch.setattr("iris_nn.experiments.experiment.fit", fit_then_interrupt)
    result = CliRunner().invoke(
        cli,
        [
            "train",
            "--out",
            str(out),
            "--no-plots",
            "-q",
            "--epochs",
            "100000",
            "--set",
            "train.early_stopping=true",
            "--set",
            "data.val_size=0.1",
            "--set",
            "train.patience=100000",
            "--optimizer",
            "adam",
            "--lr",
            "0.05",
        ],
    )
    assert result.exit_code == 130, result.output
    (run,) = out.iterdir()
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "interrupted"
    with open(run / "history.csv") as f:
        rows = [line.split(",") for line in f.read().splitlines()[1:]]
    best = min(float(r[3]) for r in rows)
    assert float(rows[metrics["best_epoch"]][3]) == best
    assert metrics["val"]["log_loss"] == pytest.approx(best, rel=1e-9)


@pytest.mark.parametrize("victim", ["history.csv", "metrics.json", "model.npz"])
def test_a_write_failing_midway_leaves_no_visible_run(out, monkeypatch, victim):
    real_open = open

    def failing_open(file, mode="r", *args, **kwargs):
        if "w" in mode and Path(file).name == victim:
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return real_open(file, mode, *args, **kwargs)

    real_write_text = Path.write_text

    def failing_write_text(self, *args, **kwargs):
        if self.name == victim:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    monkeypatch.setattr(Path, "write_text", failing_write_text)
    result = CliRunner().invoke(cli, ["train", "--out", str(out), "--epochs", "5", "--no-plots"])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: could not write the run in {out}: No space left on device"
    )
    assert list(out.iterdir()) == []


def test_a_seeds_study_failing_to_write_leaves_nothing_visible(out, monkeypatch):
    real_write_text = Path.write_text

    def failing_write_text(self, *args, **kwargs):
        if self.name == "seeds.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing_write_text)
    args = ["seeds", "--out", str(out), "--n", "2", "--epochs", "3", "--jobs", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: could not write the study in {out}: No space left on device"
    )
    assert list(out.iterdir()) == []


@pytest.mark.slow
def test_two_trains_at_once_finish_with_distinct_complete_runs(out):
    cmd = [EXE, "train", "--out", str(out), "--epochs", "200", "--no-plots", "-q", "--name", "same"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    paths = sorted(Path(p.communicate(timeout=120)[0].strip()).name for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert paths == ["same", "same-2"]
    for name in paths:
        assert model_file.load_model(out / name).net.sizes[0] == 4
        assert json.loads((out / name / "metrics.json").read_text())["status"] == "completed"
    assert sorted(p.name for p in out.iterdir()) == paths


def _group_is_gone(pgid: int, within: float = 5.0) -> bool:
    """Return whether every process of group ``pgid`` has ended within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.parametrize(
    ("jobs", "signum", "whole_group"),
    [
        ("1", signal.SIGINT, True),
        ("2", signal.SIGINT, True),  # Ctrl-C on a terminal reaches the workers too
        ("2", signal.SIGTERM, False),  # kill PID
        ("2", signal.SIGTERM, True),
    ],
)
def test_interrupting_cv_is_one_error_line_and_leaves_no_worker(jobs, signum, whole_group):
    proc = subprocess.Popen(
        [EXE, "cv", "--folds", "5", "--repeats", "20", "--epochs", "200", "--jobs", jobs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
    )
    try:
        first = proc.stderr.readline()  # a fold is done: the rest of the 100 take far longer
        assert first.startswith("fold 1/100"), first
        if whole_group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=30)
        assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[signum], stderr
        assert stdout == ""
        *progress, last = stderr.splitlines()
        assert last == "Error: interrupted; no results"
        assert all(line.startswith("fold ") for line in progress), progress
        assert _group_is_gone(proc.pid), "a worker outlived cv"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_signal_while_the_run_is_saved_still_saves_it_and_exits_130(out, monkeypatch):
    from iris_nn.experiments import experiment

    real = experiment.train_run

    def train_then_signal(*args, **kwargs):
        result = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # as if Ctrl-C came while the plots were drawn
        return result

    monkeypatch.setattr(experiment, "train_run", train_then_signal)
    result = CliRunner().invoke(cli, ["train", "--out", str(out), "--epochs", "5", "--no-plots"])
    assert result.exit_code == 130, result.output
    (run,) = out.iterdir()
    assert json.loads((run / "metrics.json").read_text())["status"] == "completed"
