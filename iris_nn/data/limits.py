"""How much the tool reads: every kind of file's size limit, and the readers that keep to them.

Every file the tool reads goes through one of these readers, so that ``iris-nn train -c /dev/zero``
or a hand-made model of 50 GB ends at once with one error instead of filling the memory. Each limit
leaves room for the largest inputs the tool accepts: a history of 1,000,000 epochs, a model of 8 hidden layers of 4096
units, CSV files of millions of rows (which are bounded per line, not as a whole). A file too large
raises ``TooLargeError``, an ``OSError`` (EFBIG, "File too large"), so that every reader's existing
"cannot read" path reports it with the file's name.
"""

from __future__ import annotations

import errno
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

KB, MB, GB = 1 << 10, 1 << 20, 1 << 30

# kind of file -> the most bytes the tool reads of it
LIMITS: dict[str, int] = {
    "config file": 1 * MB,  # a few dozen keys
    "model file": 2 * GB,  # 8 hidden layers of 4096 units: 7 x 4096 x 4096 float64 = 0.9 GB
    "model meta": 16 * MB,  # the model's JSON: names of thousands of features
    # a run's files
    "metrics file": 16 * MB,  # per-class scores of at most 50 classes, dead units of 8 x 4096
    "split file": 256 * MB,  # row indices: 10,000,000 rows take about 90 MB
    "history file": 512 * MB,  # 1,000,000 epochs of 8 columns take about 160 MB
    "probabilities file": 64 * MB,  # about 100 epochs of at most 10 tracked rows
    "snapshots file": 128 * MB,  # the weights at those epochs: at most 100 MB as written
    "CSV line": 16 * MB,  # one line of a CSV, its header of thousands of columns included
}


class TooLargeError(OSError):
    """A file (or a line of one) larger than the limit for its kind."""

    def __init__(self, kind: str, path: str | Path | None = None):
        what = "longer" if kind == "CSV line" else "larger"
        super().__init__(
            errno.EFBIG, f"{what} than {size_text(LIMITS[kind])}, the limit for a {kind}", path
        )
        self.kind = kind


def size_text(n: int) -> str:
    """Return a size in bytes for people: ``16 MB``, ``2 GB``."""
    for unit, size in (("GB", GB), ("MB", MB), ("KB", KB)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def read_bytes(path: str | Path, kind: str) -> bytes:
    """Return the bytes of the file at ``path``; raise TooLargeError past the limit of ``kind``.

    Reads at most one byte more than the limit, so an endless file (``/dev/zero``) ends at once.
    """
    limit = LIMITS[kind]
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise TooLargeError(kind, path)
    return data


def read_text(path: str | Path, kind: str) -> str:
    """Return the UTF-8 text of the file at ``path`` (a byte order mark dropped), within its limit.

    Raises UnicodeDecodeError for text that is not UTF-8.
    """
    return read_bytes(path, kind).decode("utf-8-sig")


class Lines(Protocol):
    """A text stream read line by line (an open file, standard input, ``io.StringIO``)."""

    def readline(self, size: int = -1, /) -> str:
        """Return the next line, at most ``size`` characters of it; '' at the end."""
        ...


def bounded_lines(stream: Lines, where: str | Path | None = None) -> Iterator[str]:
    """Yield the lines of a text stream, raising TooLargeError for one past the CSV line limit.

    ``where`` names the stream in the error. A line is read no further than one character past
    the limit, so an endless one ends at once.
    """
    limit = LIMITS["CSV line"]
    while line := stream.readline(limit + 1):
        if len(line) > limit:
            raise TooLargeError("CSV line", where)
        yield line


def read_npz(
    path: str | Path, kind: str, names: Iterable[str] | None = None
) -> dict[str, np.ndarray]:
    """Return the arrays of an ``.npz`` file (only ``names`` when given), never unpickling.

    The file, and every array as its header declares it, must fit in the limit of ``kind``:
    numpy allocates an array as declared before reading it, and a compressed member can expand
    far beyond its stored size. Raises TooLargeError past the limit, ValueError (and the zip
    module's errors) for a file that is not a valid ``.npz``.
    """
    limit = LIMITS[kind]
    with zipfile.ZipFile(path) as archive:
        members = {
            info.filename.removesuffix(".npy"): info
            for info in archive.infolist()
            if names is None or info.filename.removesuffix(".npy") in names
        }
        if sum(info.file_size for info in members.values()) > limit:
            raise TooLargeError(kind, path)
        arrays = {}
        for name, info in members.items():
            with archive.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:  # 3.0 is for structured arrays with non-ASCII field names: not a model's
                    raise ValueError(f"{name} is in .npy format {version}")
                if dtype.hasobject:
                    raise ValueError(f"{name} holds pickled objects")
                if int(np.prod(shape, dtype=object)) * dtype.itemsize > info.file_size:
                    raise ValueError(f"{name} declares more data than it holds")
            with archive.open(info) as f:
                arrays[name] = np.lib.format.read_array(f, allow_pickle=False)
    return arrays
