"""Progress on stderr: lines with the time left, and a warning when training will take long.

The clock is injected: no test here waits or times anything.
"""

import numpy as np
import pytest
from conftest import run

from iris_nn.views import progress as P
from iris_nn.views.progress import EpochProgress, TaskProgress, duration_text


class Clock:
    """A clock that reads what the test sets."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class History:
    """What ``EpochProgress`` reads of ``train.History``."""

    def __init__(self, epochs: int, val: bool = False) -> None:
        self.columns = {
            "train_loss": np.linspace(1.0, 0.1, epochs + 1),
            "val_loss": np.full(epochs + 1, 0.5 if val else np.nan),
            "val_accuracy": np.full(epochs + 1, 0.75 if val else np.nan),
        }
        self.done = 0.0


def report(bar, history, clock, at, epoch, done=None):
    clock.now = 100.0 + at
    history.done = epoch if done is None else done
    bar(epoch, history)


def test_lines_say_the_time_left_once_epochs_are_done(capsys):
    clock, history = Clock(), History(100, val=True)
    bar = EpochProgress(100, clock=clock)
    clock.now = 50.0  # the data took 50 s to load: not the epochs' pace
    report(bar, history, clock, 0, 0)
    report(bar, history, clock, 1, 10)
    report(bar, history, clock, 2, 20)  # within 2 s of the last line: none
    report(bar, history, clock, 4, 40)
    report(bar, history, clock, 10, 100)
    assert capsys.readouterr().err.splitlines() == [
        "epoch 10/100  train loss 0.9100  val loss 0.5000  val acc 0.750  (9.0s left)",
        "epoch 40/100  train loss 0.6400  val loss 0.5000  val acc 0.750  (6.0s left)",
        "epoch 100/100  train loss 0.1000  val loss 0.5000  val acc 0.750",
    ]


def test_inside_a_long_epoch_lines_say_its_share_done(capsys):
    clock, history = Clock(), History(1)
    bar = EpochProgress(1, clock=clock)
    report(bar, history, clock, 0, 0)
    report(bar, history, clock, 0.5, 1, done=0.1)
    report(bar, history, clock, 3, 1, done=0.6)
    assert capsys.readouterr().err.splitlines() == [
        "epoch 1/1 10%  train loss 0.1000  (4.5s left)",
        "epoch 1/1 60%  train loss 0.1000  (2.0s left)",
    ]


WARNING = (
    "Warning: at this pace the 1 epochs take about 16m 40s; Ctrl-C stops training and saves "
    "the run so far, or train fewer --epochs\n"
)


@pytest.mark.parametrize(("done", "warned"), [(0.001, True), (0.0017, False)])  # 1000 s, 588 s
def test_a_long_projection_warns_once(capsys, done, warned):
    clock, history = Clock(), History(1)
    bar = EpochProgress(1, quiet=True, clock=clock)  # warnings are not progress: quiet keeps them
    report(bar, history, clock, 0, 0)
    report(bar, history, clock, 1.0, 1, done=done)
    report(bar, history, clock, 2.0, 1, done=done * 1.5)  # judged once, at the first second
    assert capsys.readouterr().err == (WARNING if warned else "")


def test_the_first_second_is_too_early_to_judge(capsys):
    clock, history = Clock(), History(1)
    bar = EpochProgress(1, quiet=True, clock=clock)
    report(bar, history, clock, 0, 0)
    report(bar, history, clock, 0.5, 1, done=0.0001)  # a slow start (imports, caches)
    assert capsys.readouterr().err == ""
    report(bar, history, clock, 1.0, 1, done=0.001)
    assert capsys.readouterr().err == WARNING


def test_the_projection_counts_epochs_after_the_first_second(capsys):
    clock, history = Clock(), History(300_000)
    bar = EpochProgress(300_000, quiet=True, clock=clock)
    report(bar, history, clock, 0, 0)
    report(bar, history, clock, 0.5, 100)
    report(bar, history, clock, 1.5, 450)  # 1.5 s for 450 epochs: 1000 s for them all
    report(bar, history, clock, 2.5, 460)
    assert capsys.readouterr().err.count("Warning: at this pace the 300000 epochs take") == 1


@pytest.mark.parametrize("noun", ["fold", "network"])
def test_task_progress_counts_from_its_start(capsys, noun):
    clock = Clock()
    bar = TaskProgress(noun)
    bar.clock, bar.started = clock, clock.now
    clock.now += 3
    bar(1, 4)
    assert capsys.readouterr().err == f"{noun} 1/4  (9.0s left)\n"


def test_durations_for_people():
    assert [duration_text(s) for s in (4.25, 185, 7620)] == ["4.2s", "3m 05s", "2h 07m"]


def test_train_warns_when_its_projection_is_long(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "LONG_RUN_S", 0.0)  # every projection is "long"
    monkeypatch.setattr(P, "PROJECT_AFTER_S", 0.0)
    result = run("train", "--out", str(tmp_path), "--epochs", "20", "--no-plots", "-q")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "the 20 epochs take about" in warnings[0]
