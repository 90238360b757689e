"""The terminal streams: what a command shows there is a courtesy, never a condition of its work.

A closed or full stdout or stderr (EPIPE when the reader of ``| head`` has gone, ENOSPC for
``2>/dev/full``, EBADF or no stream at all for ``2>&-``) is not a failed write. The command still
finishes its work, writes its files and exits with the code it earned. So for the length of a
command ``sys.stdout`` and ``sys.stderr`` are ``Courteous`` streams: every writer (click, the
progress bar, warnings, the ``Error:`` line itself) goes through them, and the first write that
fails silences the stream for good instead of raising.

Where stdout is the product (``predict``, ``evaluate``, ``softmax``, ``runs``, ``compare``, ``cv``,
``seeds``, ``backprop``, the path ``train`` prints) the command says so with ``stdout_is_product``;
then a write that failed for a reason other than a reader going away (ENOSPC, EIO, as in
``> /dev/full``) is reported by ``product_failure`` once the command is done, and the app makes it
exit 1: output cut short is never exit 0 (as ``cat file > /dev/full``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO


class Courteous:
    """A text stream that stops showing, instead of failing, once a write to it fails."""

    def __init__(self, stream: TextIO | None):
        self.stream = stream
        self.silenced = stream is None  # Python sets a closed standard stream to None
        self.failure: OSError | None = None  # the write error that silenced the stream
        self.product = False  # set by ``stdout_is_product``

    @property
    def encoding(self) -> str:
        """Return the encoding of the stream (UTF-8 when there is none)."""
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        """Return the stream's handling of characters its encoding lacks."""
        return getattr(self.stream, "errors", None) or "strict"

    def write(self, text: str) -> int:
        """Write ``text``; after a failed write, and from then on, drop it silently."""
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if not self.silenced:
            try:
                self.stream.write(text)  # type: ignore[union-attr]
            except (OSError, ValueError) as e:  # ValueError: the stream was closed
                if isinstance(e, UnicodeError):
                    raise
                self.silence(e)
        return len(text)

    def flush(self) -> None:
        """Flush the stream; a failure silences it."""
        if not self.silenced:
            try:
                self.stream.flush()  # type: ignore[union-attr]
            except (OSError, ValueError) as e:
                self.silence(e)

    def isatty(self) -> bool:
        """Return whether the stream is a live terminal."""
        if self.silenced:
            return False
        try:
            return bool(self.stream.isatty())  # type: ignore[union-attr]
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        """Return the stream's file descriptor."""
        if self.stream is None:
            raise OSError("no stream")
        return self.stream.fileno()

    def writable(self) -> bool:
        """Return True: writing is always allowed (and may be dropped)."""
        return True

    def silence(self, error: BaseException | None = None) -> None:
        """Drop every later write. Point the descriptor at the null device too, so that the text
        still buffered in the stream does not fail again when Python flushes it at exit."""
        if isinstance(error, OSError) and self.failure is None:
            self.failure = error
        self.silenced = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            fd = self.stream.fileno()  # type: ignore[union-attr]
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)


@contextlib.contextmanager
def courteous_streams() -> Iterator[None]:
    """Make ``sys.stdout`` and ``sys.stderr`` courteous inside the block; restore them after."""
    saved: tuple[Any, Any] = (sys.stdout, sys.stderr)
    out, err = Courteous(sys.stdout), Courteous(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = saved


def stdout_is_product() -> None:
    """Declare that what this command writes on stdout is its product (SPEC 5): a write to it that
    fails for a reason other than a reader going away makes the command fail."""
    if isinstance(sys.stdout, Courteous):
        sys.stdout.product = True


# A reader that went away (``| head``) is no failure: EPIPE, or ECONNRESET over a socket.
_READER_GONE = {errno.EPIPE, errno.ECONNRESET}


def product_failure() -> str | None:
    """Flush stdout; return why the product written there was cut short, or None.

    None when stdout is not the command's product, when every write went through, or when the
    reader went away (EPIPE).
    """
    out = sys.stdout
    if not isinstance(out, Courteous) or not out.product:
        return None
    out.flush()
    error = out.failure
    if error is None or error.errno in _READER_GONE:
        return None
    return f"could not write the output to stdout: {error.strerror or error}"


def stdout_gone() -> bool:
    """Return whether stdout has stopped taking writes (a command made only of output can stop)."""
    return bool(getattr(sys.stdout, "silenced", False))


def reserve_standard_descriptors() -> None:
    """Open the null device on any of descriptors 0, 1, 2 that is closed (``2>&-``).

    Otherwise the next file the command opens (a model, a run file) would get that number, and
    anything written to the terminal stream at the C level would land in it.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)  # the lowest free number: ``fd`` itself
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
