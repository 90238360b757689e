"""SIGINT and SIGTERM: ask training to stop after the current epoch, or end a command at once."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNAL_EXIT: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


@contextmanager
def on_signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """Call ``handler`` on SIGINT and SIGTERM inside the block; restore the old handlers after,
    unless the handler itself replaced them (to ignore a second signal while the command ends).

    Only the main thread can set handlers: elsewhere (a command run from a thread) the block
    changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNAL_EXIT}
    for s in SIGNAL_EXIT:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            if signal.getsignal(s) is handler:
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
    """Return a block in which SIGINT and SIGTERM raise ``Interrupted`` at once.

    The first signal decides: later ones are ignored, so that a second Ctrl-C cannot cut short
    the clean-up (workers terminated, temporary files removed) on the way out.
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        for s in SIGNAL_EXIT:
            signal.signal(s, signal.SIG_IGN)
        raise Interrupted(signum)

    return on_signals(handler)
