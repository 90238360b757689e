"""Opening a CSV file: its bytes, within the line limit and as UTF-8, and its header.

A path is read whole only when it is a regular file; standard input is read a chunk at a time, so
an endless one ends at the line limit. The delimiter (``,``, ``;`` or tab) is the header row's most
frequent one. The result is a ``csvfile.CsvFile``, whose columns are read on demand.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import BinaryIO

from iris_nn.core.errors import BadInputError
from iris_nn.data.csvfile import CsvFile, Digest
from iris_nn.data.limits import LIMITS, size_text

DELIMITERS = (",", ";", "\t")
READ_CHUNK = 1 << 20  # bytes per read of a stream


def open_csv(path: str | Path) -> CsvFile:
    """Return the CSV file at ``path`` with its header parsed; raise BadInputError if unusable."""
    p = Path(path)
    where = repr(str(path))
    if not p.exists():
        raise BadInputError(f"CSV file {where} does not exist")
    if p.is_dir():
        raise BadInputError(f"CSV file {where} is a directory")
    if not p.is_file():  # a device or a pipe may never end: read whole only what has an end
        raise BadInputError(f"CSV file {where} is not a regular file; allowed: a .csv file")
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise BadInputError(f"cannot read CSV file {where}: {e.strerror}") from None
    return parse_header(raw, where, p)


def read_stream(stream: BinaryIO, where: str) -> bytes:
    """Return all the bytes of a stream that may never end (standard input, a pipe).

    It is read a chunk at a time, and a line still open past the CSV line limit ends the read at
    once (``cat /dev/zero | iris-nn predict -i -``); ``parse_header`` checks every line later.
    """
    limit = min(LIMITS["CSV line"], csv.field_size_limit())
    chunks: list[bytes] = []
    open_line = 0  # bytes since the last line end
    while chunk := stream.read(READ_CHUNK):
        chunks.append(chunk)
        last = chunk.rfind(b"\n")
        open_line = open_line + len(chunk) if last < 0 else len(chunk) - 1 - last
        if open_line > limit:
            line = sum(c.count(b"\n") for c in chunks) + 1
            raise BadInputError(
                f"{where} line {line} is longer than {size_text(limit)}, the limit for a CSV line"
            )
    return b"".join(chunks)


def _check_line_lengths(raw: bytes, where: str) -> None:
    """Raise BadInputError when a line of ``raw`` passes the CSV line limit (a field the size of a
    book is a wrong file, and the csv module refuses fields past 128 KB anyway).

    A line past the limit holds a whole stretch of half the limit, aligned to a multiple of it,
    without a line end: only such stretches are looked at (a few thousand searches in C for a
    file of 166 MB), and only their lines measured.
    """
    limit = min(LIMITS["CSV line"], csv.field_size_limit())
    half = max(limit // 2, 1)
    start = 0
    while start + half <= len(raw):
        if raw.find(b"\n", start, start + half) >= 0:
            start += half
            continue
        begin = raw.rfind(b"\n", 0, start) + 1
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end
        if end - begin > limit:
            line = raw.count(b"\n", 0, begin) + 1
            raise BadInputError(
                f"{where} line {line} is longer than {size_text(limit)}, the limit for a CSV line"
            )
        start = end + 1


def parse_header(raw: bytes, where: str, path: Path | None = None) -> CsvFile:
    """Return ``raw`` (a CSV file's bytes) with its header parsed; ``where`` names it in messages."""
    digest = Digest(raw)
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    _check_line_lengths(raw, where)
    if not raw.isascii():  # ASCII is UTF-8: only other text needs the full check
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw.count(b"\n", 0, e.start) + 1
            raise BadInputError(
                f"{where} is not UTF-8 text (line {line}); save it as UTF-8 CSV"
            ) from None
    first = _first_record(raw)
    if first is None:
        raise BadInputError(f"{where} is empty; expected a header row naming the columns")
    delimiter = _detect_delimiter(first)
    try:
        header = next(csv.reader([first], delimiter=delimiter))
    except (csv.Error, StopIteration) as e:
        raise BadInputError(f"{where} line 1 (the header): {e}") from None
    header = [h.strip() for h in header]
    return CsvFile(where, path, raw, delimiter, tuple(header), digest)


def _first_record(raw: bytes) -> str | None:
    """Return the header row's text: the first line that is not blank."""
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end
        text = raw[start:end].decode("utf-8", errors="replace").strip("\r")
        if text.strip():
            return text
        start = end + 1
    return None


def _detect_delimiter(header: str) -> str:
    """Return the delimiter of a header row: the most frequent of ``,`` ``;`` tab outside quotes."""
    bare = re.sub(r'"[^"]*"', "", header)
    counts = [bare.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))] if max(counts) else ","
