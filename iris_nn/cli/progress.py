"""Progress on stderr: a live bar on a terminal, a line now and then otherwise.

One ``Bar`` draws every command's progress (epochs of ``train``, folds of ``cv``); what is counted
and what the line says are the caller's.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click


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


def stderr_is_terminal() -> bool:
    """Return whether stderr is a live terminal (not closed, not missing, not a file or pipe)."""
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (OSError, ValueError):  # ValueError: a closed stream
        return False


class Bar:
    """Progress of ``total`` steps on stderr: a live bar on a terminal, else a line at most every
    ``every`` seconds; both say how long is left."""

    WIDTH = 20

    def __init__(self, total: int, quiet: bool = False, every: float = 2.0):
        self.total, self.quiet, self.every = total, quiet, every
        self.tty = stderr_is_terminal()
        self.started = time.perf_counter()
        self.last_line = -1e9  # the first report prints at once
        self.shown = False

    def show(self, done: int, text: str) -> None:
        """Report ``done`` of ``total`` steps with ``text``."""
        if self.quiet:
            return
        now = time.perf_counter()
        if not self.tty and now - self.last_line < self.every and done < self.total:
            return
        self.last_line = now
        fraction = done / self.total if self.total else 1.0
        left = (now - self.started) * (1 - fraction) / fraction if fraction > 0 else 0.0
        if self.tty:
            filled = int(fraction * self.WIDTH)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            click.echo(f"\r[{bar}] {text}  {duration_text(left)} left ", err=True, nl=False)
            self.shown = True
        elif done < self.total:
            click.echo(f"{text}  ({duration_text(left)} left)", err=True)
        else:
            click.echo(text, err=True)

    def close(self) -> None:
        """End the live line so what follows starts on a fresh one."""
        if self.shown:
            click.echo("", err=True)
            self.shown = False


class EpochProgress(Bar):
    """``train``'s progress: epoch, train loss, and validation loss and accuracy when present."""

    def __call__(self, epoch: int, history: Any) -> None:
        c = history.columns
        text = f"epoch {epoch}/{self.total}  train loss {loss_text(c['train_loss'][epoch])}"
        if c["val_loss"][epoch] == c["val_loss"][epoch]:  # not NaN: there are validation rows
            text += (
                f"  val loss {loss_text(c['val_loss'][epoch])}"
                f"  val acc {c['val_accuracy'][epoch]:.3f}"
            )
        self.show(epoch, text)


class FoldProgress(Bar):
    """``cv``'s progress over the folds."""

    def __init__(self) -> None:
        super().__init__(0)

    def __call__(self, done: int, total: int) -> None:
        self.total = total
        self.show(done, f"fold {done}/{total}")
