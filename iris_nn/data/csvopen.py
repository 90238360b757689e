"""Opening a CSV file: its bytes, within the line limit and as UTF-8, and its header.

A path is read whole only when it is a regular file; standard input is read a chunk at a time, so
an endless one ends at the line limit. The delimiter (``,``, ``;`` or tab) is the header row's most
frequent one. The result is a ``csvfile.CsvFile``, whose columns are read on demand.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import BinaryIO

from iris_nn.core.errors import BadInputError
from iris_nn.data.csvfile import LONE_CR, CsvFile, Digest, csv_error_text
from iris_nn.data.limits import LIMITS, size_text

DELIMITERS = (",", ";", "\t")
READ_CHUNK = 1 << 20  # bytes per read of a stream


def open_csv(path: str | Path) -> CsvFile:
    """Return the CSV file at ``path`` with its header parsed; raise BadInputError if unusable."""
    return parse_header(read_file(path), repr(str(path)), Path(path))


def read_file(path: str | Path) -> bytes:
    """Return the bytes of the CSV file at ``path``, read once: they are hashed and parsed."""
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
    return raw


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


def parse_header(
    raw: bytes, where: str, path: Path | None = None, digest: Digest | None = None
) -> CsvFile:
    """Return ``raw`` (a CSV file's bytes) with its header parsed; ``where`` names it in messages.

    ``digest`` is the SHA-256 of ``raw`` when the caller has begun it already.
    """
    digest = digest or Digest(raw)
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    _check_line_ends(raw, where)
    _check_line_lengths(raw, where)
    is_ascii = raw.isascii()
    if not is_ascii:  # ASCII is UTF-8: only other text needs the full check
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw.count(b"\n", 0, e.start) + 1
            raise BadInputError(
                f"{where} is not UTF-8 text (line {line}); save it as UTF-8 CSV"
            ) from None
    first = _first_line(raw)
    if first is None:
        raise BadInputError(f"{where} is empty; expected a header row naming the columns")
    start, text = first
    delimiter = _detect_delimiter(text)
    # the header record, which may go on past its first line inside quotes (RFC 4180)
    lines = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace", newline="")
    lines.seek(start)
    try:
        header = next(csv.reader(lines, delimiter=delimiter))
    except (csv.Error, StopIteration) as e:
        raise BadInputError(f"{where} line 1 (the header): {csv_error_text(e)}") from None
    header = [h.strip() for h in header]
    file = CsvFile(where, path, raw, delimiter, tuple(header), digest)
    file.__dict__["ascii"] = is_ascii  # the cached property, known already (a pass over the bytes)
    return file


def _first_line(raw: bytes) -> tuple[int, str] | None:
    """Return the byte offset and the text of the header row's first line: the first not blank."""
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end
        text = raw[start:end].decode("utf-8", errors="replace").strip("\r")
        if text.strip():
            return start, text
        start = end + 1
    return None


def _check_line_ends(raw: bytes, where: str) -> None:
    """Raise BadInputError when the first line of ``raw`` ends in a CR alone (no LF after it).

    Such a file is one line for every reader that splits at LF; said here, before the line limit
    would call it one long line. A CR inside quotes is the csv module's to judge.
    """
    cr = raw.find(b"\r")
    if cr < 0 or raw[cr + 1 : cr + 2] == b"\n":
        return
    lf = raw.find(b"\n")
    if (lf < 0 or cr < lf) and b'"' not in raw[:cr]:
        line = raw.count(b"\r", 0, cr) + 1 if lf < 0 else 1
        raise BadInputError(f"{where} line {line}: {LONE_CR}")


def _detect_delimiter(header: str) -> str:
    """Return the delimiter of a header row: the most frequent of ``,`` ``;`` tab outside quotes."""
    bare = re.sub(r'"[^"]*"', "", header)
    counts = [bare.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))] if max(counts) else ","
