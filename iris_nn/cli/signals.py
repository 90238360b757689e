"""SIGINT and SIGTERM: ask training to stop after the current epoch, or end a command at once."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNAL_EXIT: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


@contextmanager
def on_signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """Call ``handler`` on SIGINT and SIGTERM inside the block; restore the old handlers after."""
    previous = {s: signal.getsignal(s) for s in SIGNAL_EXIT}
    for s in SIGNAL_EXIT:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def stop_on_signals(control: Any) -> Any:
    """Return a block in which SIGINT and SIGTERM ask training to stop after the current epoch."""

    def handler(signum: int, frame: FrameType | None) -> None:
        control.stop = True
        control.signal = signum

    return on_signals(handler)


class Interrupted(BaseException):
    """A signal that ends a command at once (scikit-learn swallows KeyboardInterrupt)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def raise_on_signals() -> Any:
    """Return a block in which SIGINT and SIGTERM raise ``Interrupted`` at once."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    return on_signals(handler)
