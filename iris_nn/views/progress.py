"""Progress on stderr: a live bar on a terminal, a line now and then otherwise.

One ``Bar`` draws every command's progress (epochs of ``train``, folds of ``cv``) and that of
``iris_nn.train(progress=True)``; what is counted and what the line says are the caller's.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any


def duration_text(seconds: float) -> str:
    """Return a duration for people: ``4.2s``, ``3m 05s``, ``2h 07m``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def loss_text(x: float) -> str:
    """Return a loss for people: 4 decimals, or 3 significant digits once it is huge."""
    return f"{x:.4f}" if x < 1000 else f"{x:.3g}"  # a diverging loss stays readable


def echo(text: str, nl: bool = True) -> None:
    """Write ``text`` on stderr at once (nothing when the process has no stderr)."""
    stream = sys.stderr
    if stream is None:
        return
    stream.write(text + "\n" if nl else text)
    stream.flush()


def stderr_is_terminal() -> bool:
    """Return whether stderr is a live terminal (not closed, not missing, not a file or pipe)."""
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (OSError, ValueError):  # ValueError: a closed stream
        return False


class Bar:
    """Progress of ``total`` steps on stderr: a live bar on a terminal, else a line at most every
    ``every`` seconds; both say how long is left once a step is done. ``clock`` (seconds) is
    ``time.perf_counter`` unless a test gives its own."""

    WIDTH = 20

    def __init__(
        self,
        total: int,
        quiet: bool = False,
        every: float = 2.0,
        clock: Callable[[], float] = time.perf_counter,
    ):
        self.total, self.quiet, self.every, self.clock = total, quiet, every, clock
        self.tty = stderr_is_terminal()
        self.started = clock()
        self.last_line = -math.inf  # the first report prints at once
        self.shown = False

    def show(self, done: float, text: str) -> None:
        """Report ``done`` of ``total`` steps (fractions allowed) with ``text``."""
        if self.quiet:
            return
        now = self.clock()
        if not self.tty and now - self.last_line < self.every and done < self.total:
            return
        self.last_line = now
        fraction = done / self.total if self.total else 1.0
        left = ""  # unknown until a step is done
        if 0 < fraction < 1:
            left = f"{duration_text((now - self.started) * (1 - fraction) / fraction)} left"
        if self.tty:
            filled = int(fraction * self.WIDTH)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            echo(f"\r\033[K[{bar}] {text}  {left}", nl=False)
            self.shown = True
        else:
            echo(f"{text}  ({left})" if left else text)

    def close(self) -> None:
        """End the live line so what follows starts on a fresh one."""
        if self.shown:
            echo("")
            self.shown = False


LONG_RUN_S = 600.0  # a training projected to take longer than this gets a warning
PROJECT_AFTER_S = 1.0  # seconds of epochs before the projection is trusted


class EpochProgress(Bar):
    """``train``'s progress: epoch, train loss, and validation loss and accuracy when present.

    The clock starts with the epochs (training reports epoch 0 at once), not with loading the
    data; lines start with the next report.
    Once the epochs have run ``PROJECT_AFTER_S``, the pace so far projects the whole training,
    and a projection beyond ``LONG_RUN_S`` is a warning (also with ``quiet``), so that nobody waits
    hours unknowingly.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.projected = False

    def __call__(self, epoch: int, history: Any) -> None:
        now = self.clock()
        if epoch == 0 and history.done == 0:  # training calls at once: the epochs start now
            self.started = now
            return
        done = min(history.done, self.total)
        if not self.projected and now - self.started >= PROJECT_AFTER_S and done > 0:
            self.projected = True
            self.warn_if_long((now - self.started) * self.total / done)
        c = history.columns
        text = f"epoch {epoch}/{self.total}"
        if done < epoch:  # inside a long epoch: its share done, its loss so far
            text += f" {done - (epoch - 1):.0%}"
        text += f"  train loss {loss_text(c['train_loss'][epoch])}"
        if c["val_loss"][epoch] == c["val_loss"][epoch]:  # not NaN: measured validation rows
            text += (
                f"  val loss {loss_text(c['val_loss'][epoch])}"
                f"  val acc {c['val_accuracy'][epoch]:.3f}"
            )
        self.show(done, text)

    def warn_if_long(self, projected: float) -> None:
        """Print one warning line when ``projected`` seconds exceed ``LONG_RUN_S``."""
        if projected > LONG_RUN_S:
            self.close()
            echo(
                f"Warning: at this pace the {self.total} epochs take about "
                f"{duration_text(projected)}; Ctrl-C stops training and saves the run so far, "
                "or train fewer --epochs"
            )


class TaskProgress(Bar):
    """Progress over tasks that finish whole, ``fold 3/25``: cv's folds, seeds' networks."""

    def __init__(self, noun: str) -> None:
        super().__init__(0)
        self.noun = noun

    def __call__(self, done: int, total: int) -> None:
        self.total = total
        self.show(done, f"{self.noun} {done}/{total}")
