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
import io
import struct
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, BinaryIO, Protocol

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

    A file as ``numpy.savez`` writes it (members stored, not compressed) is read here, its
    CRC-32s checked, without the zip module (``predict`` starts some milliseconds sooner); any
    other zip, or one that fails a check here, is read by the zip module, which says what is wrong.
    """
    limit = LIMITS[kind]
    wanted = None if names is None else set(names)
    with open(path, "rb") as f:
        stored = _stored_members(f)
        if stored is not None:
            members = {n: m for n, m in stored.items() if wanted is None or n in wanted}
            if sum(size for _, size, _ in members.values()) > limit:
                raise TooLargeError(kind, path)
            arrays = {}
            for name, (offset, size, crc) in members.items():
                f.seek(offset)
                data = f.read(size)
                if len(data) != size or zlib.crc32(data) != crc:
                    break  # damaged: the zip module names the damage
                _check_npy_header(name, io.BytesIO(data), size)
                arrays[name] = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
            else:
                return arrays
    import zipfile

    with zipfile.ZipFile(path) as archive:
        infos = {
            info.filename.removesuffix(".npy"): info
            for info in archive.infolist()
            if wanted is None or info.filename.removesuffix(".npy") in wanted
        }
        if sum(info.file_size for info in infos.values()) > limit:
            raise TooLargeError(kind, path)
        arrays = {}
        for name, info in infos.items():
            with archive.open(info) as member:
                _check_npy_header(name, member, info.file_size)
            with archive.open(info) as member:
                arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
    return arrays


def _check_npy_header(name: str, f: IO[bytes], size: int) -> None:
    """Raise ValueError unless ``f`` starts an array of numbers that its ``size`` bytes can hold."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    else:  # 3.0 is for structured arrays with non-ASCII field names: not a model's
        raise ValueError(f"{name} is in .npy format {version}")
    if dtype.hasobject:
        raise ValueError(f"{name} holds pickled objects")
    if int(np.prod(shape, dtype=object)) * dtype.itemsize > size:
        raise ValueError(f"{name} declares more data than it holds")


_END = struct.Struct("<IHHHHIIH")  # a zip's end of central directory record
_ENTRY = struct.Struct("<IHHHHHHIIIHHHHHII")  # a central directory entry
_LOCAL = struct.Struct("<IHHHHHIIIHH")  # a local file header


def _stored_members(f: BinaryIO) -> dict[str, tuple[int, int, int]] | None:
    """Return where each member of a zip file lies: name (less ``.npy``) -> offset, size, CRC-32.

    Only a plain zip of stored members is read (what ``numpy.savez`` writes: no comment, no
    compression, no encryption, no zip64 directory); None for anything else.
    """
    end = f.seek(0, 2)
    if end < _END.size:
        return None
    f.seek(end - _END.size)
    sig, disk, cd_disk, n_here, n, cd_size, cd_offset, comment = _END.unpack(f.read(_END.size))
    if sig != 0x06054B50 or comment or disk or cd_disk or n_here != n:
        return None
    if cd_offset + cd_size != end - _END.size:
        return None
    f.seek(cd_offset)
    directory = f.read(cd_size)
    members: dict[str, tuple[int, int, int]] = {}
    at = 0
    for _ in range(n):
        if at + _ENTRY.size > len(directory):
            return None
        entry = _ENTRY.unpack_from(directory, at)
        sig, flags, method, crc, size, full_size = entry[0], entry[3], entry[4], *entry[7:10]
        name_length, extra_length, comment_length, local = *entry[10:13], entry[16]
        name = directory[at + _ENTRY.size : at + _ENTRY.size + name_length]
        at += _ENTRY.size + name_length + extra_length + comment_length
        if sig != 0x02014B50 or flags & 1 or method != 0 or size != full_size:
            return None  # not a member, encrypted, or compressed
        if 0xFFFFFFFF in (size, local) or not name.isascii():
            return None  # its real size or place is in a zip64 field; a name in another coding
        f.seek(local)
        header = f.read(_LOCAL.size)
        if len(header) != _LOCAL.size:
            return None
        local_sig, _, _, local_method, *_, local_name_length, local_extra_length = _LOCAL.unpack(
            header
        )
        if local_sig != 0x04034B50 or local_method != 0 or f.read(local_name_length) != name:
            return None
        offset = local + _LOCAL.size + local_name_length + local_extra_length
        if offset + size > cd_offset:
            return None
        members[name.decode("ascii").removesuffix(".npy")] = (offset, size, crc)
    return members if at == len(directory) else None
