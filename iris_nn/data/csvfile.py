"""Reading CSV files of examples, for training and for ``predict``/``evaluate -i`` alike.

A CSV has a header row, then one row per example: comma-separated (a ``;`` or tab file is detected
from the header), optionally quoted, UTF-8 with or without a byte order mark, CRLF or LF line ends.
``csvopen`` opens one (its bytes and header, a ``CsvFile``); this module reads its columns.
Headings become names by ``values.feature_name``; numbers follow ``values.NUMBER``; a cell is missing
when, stripped, it is empty or one of ``MISSING``. Every error is a BadInputError that names the
file's line (1-based, the header is line 1), the column and the text, and reading stops at the first
bad cell.

Two readers give the same result, both from the bytes read once and hashed (``CsvFile.raw``; a file
replaced meanwhile is never parsed). The fast one hands an unquoted file to numpy's C parser (the
one ``numpy.loadtxt`` uses, fed those bytes a chunk at a time; one record per row; class labels are
looked up in a dict, in C but for each new label) after a byte scan for the one thing that parser
accepts beyond our grammar (a ``.`` without a digit on both sides: ``.5``, ``5.``), and then checks
the cells it read as not finite (``nan``, ``inf``); its numpy half (the records, the parse, the
byte scans) is ``csvnumpy``. Anything it cannot settle (quotes, missing cells, a bad cell) goes to
the plain reader: Python's ``csv`` module and one cell at a time, which names the first bad cell
exactly. The fast reader takes 1.0 to 1.15 times what ``numpy.loadtxt`` alone takes
(``benchmarks/bench_csv.py``); its errors come from the plain reader's checks, so both readers say
the same.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array
from iris_nn.data import csvnumpy
from iris_nn.data.values import NUMBER, NUMBER_HELP, feature_name, unit_of

MISSING = frozenset(("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?"))
MISSING_POLICIES = ("error", "drop", "impute")

# A label converter turns a stripped class cell (never a missing one) into a class code; it raises
# BadInputError (without a line: the reader adds it) for a label it refuses.
LabelCode = Callable[[str], int]


def _or_missing(code: LabelCode) -> LabelCode:
    """Return ``code`` that also takes a missing cell, as -1."""
    return lambda cell: -1 if cell in MISSING else code(cell)


class NotANumberError(BadInputError):
    """A cell of a column read as numbers that is text: ``column`` (0-based) may be a text column."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.column = column

    def __reduce__(self) -> tuple[type, tuple[str, int]]:
        return type(self), (str(self), self.column)


LONE_CR = (
    "a carriage return (CR) alone ends a line (old Mac line ends); allowed: LF or CRLF line "
    "ends (save the file again as CSV)"
)


def csv_error_text(error: Exception) -> str:
    """Return the csv module's complaint in the reader's own words where Python's own would mislead."""
    if "new-line character seen in unquoted field" in str(error):
        return LONE_CR
    return str(error)


@dataclass(frozen=True)
class CsvFile:
    """A CSV file read into memory with its header parsed; the columns are read on demand."""

    where: str  # how messages name it: the path as given, or "standard input"
    path: Path | None  # None for standard input
    raw: bytes  # the whole file, byte order mark removed
    delimiter: str
    header: tuple[str, ...]  # headings as written, stripped
    digest: Digest  # SHA-256 of the file's bytes as stored

    @cached_property
    def ascii(self) -> bool:
        """Return whether the file is ASCII (so any 8-bit decoding reads it as UTF-8 does)."""
        return self.raw.isascii()

    @property
    def sha256(self) -> str:
        """Return the SHA-256 of the file's bytes (hex), as the model's meta records it."""
        return self.digest.hexdigest()

    @cached_property  # once per file: callers index it per column (784 columns: 614,656 calls)
    def names(self) -> tuple[str, ...]:
        """Return the feature name of every heading (``values.feature_name``)."""
        return tuple(feature_name(h, k) for k, h in enumerate(self.header, 1))

    @cached_property
    def units(self) -> tuple[str, ...]:
        """Return the unit of every heading: its trailing parenthesised part, else ""."""
        return tuple(unit_of(h) for h in self.header)

    def column(self, k: int) -> str:
        """Return column ``k`` (0-based) as messages name it: its heading, quoted."""
        return repr(self.header[k])

    def read(
        self,
        numeric: Sequence[int],
        label: int | None = None,
        code: LabelCode | None = None,
        missing: str = "error",
        hint: str = "",
        text: Sequence[LabelCode] | None = None,
        text_columns: Sequence[int] = (),
    ) -> Columns:
        """Return the ``numeric`` columns as numbers and the ``label`` column as class codes.

        ``code`` turns a label cell into its class code (-1 = missing). With ``missing = "drop"``,
        rows with a missing cell in these columns are dropped; with ``"error"`` the first one is
        an error; with ``"impute"`` a missing number is NaN and a missing text cell -1 (a row
        missing its class is dropped). ``hint`` ends the message about a cell that is not a
        number (what to try). ``text_columns`` are read as codes, ``text[j]`` turning a stripped
        cell of the j-th into its code (``Columns.codes``); a cell of a numeric column that is not
        a number raises ``NotANumberError`` naming its column.
        """
        if missing not in MISSING_POLICIES:
            raise BadInputError(
                f"data.missing = {missing!r}; allowed: {', '.join(MISSING_POLICIES)}"
            )
        read = _Reader(self, list(numeric), label, code, missing, hint)
        read.text, read.text_codes = list(text_columns), list(text or ())
        columns = read.fast() or read.plain()
        if not text_columns:
            return columns
        n = len(numeric)  # the text columns' codes were read after the numbers
        codes = columns.X[:, n:].astype(np.intp)  # (n_kept, n_text)
        return Columns(
            columns.X[:, :n],
            columns.labels,
            columns.rows,
            columns.n_rows,
            columns.dropped_lines,
            codes,
        )


@dataclass(frozen=True)
class Columns:
    """Columns of a CSV: numbers, class codes, and which data rows were kept."""

    X: Array  # (n_kept, n_numeric)
    labels: NDArray[np.intp] | None  # (n_kept,) class codes
    rows: NDArray[np.intp]  # (n_kept,) 0-based data-row numbers (header and blank lines excluded)
    n_rows: int  # data rows in the file, dropped ones included
    dropped_lines: tuple[int, ...]  # 1-based lines of the dropped rows
    codes: NDArray[np.intp] | None = None  # (n_kept, n_text) codes of the text columns, -1 missing


class Digest:
    """The SHA-256 of some bytes, computed in a thread while the columns are parsed.

    hashlib releases the GIL on large inputs, so on a second core the hash costs no time.
    """

    def __init__(self, data: bytes):
        self._hash = hashlib.sha256()
        self._thread = threading.Thread(target=self._hash.update, args=(data,), daemon=True)
        self._thread.start()

    def hexdigest(self) -> str:
        self._thread.join()
        return self._hash.hexdigest()


# ----------------------------------------------------------------------------- reading columns


class _Reader:
    """One read of some columns of a CsvFile: the fast path, and the plain one behind it."""

    def __init__(
        self,
        file: CsvFile,
        numeric: list[int],
        label: int | None,
        code: LabelCode | None,
        missing: str,
        hint: str,
    ):
        self.file, self.numeric, self.label, self.missing, self.hint = (
            file,
            numeric,
            label,
            missing,
            hint,
        )
        self.code: LabelCode = code or (lambda cell: 0)
        self.n_columns = len(file.header)
        self.text: list[int] = []  # columns read as codes (after the numeric ones)
        self.text_codes: list[LabelCode] = []

    # -- messages

    def _bad_number(self, line: int, column: int, text: str) -> BadInputError:
        what = f"{self.file.where} line {line}, column {self.file.column(column)}"
        stripped = text.strip()
        if re.fullmatch(r"[+-]?(?:inf|infinity)", stripped, re.IGNORECASE):
            why = "is not finite; allowed: finite numbers"
        elif NUMBER.fullmatch(stripped):
            why = "is too large; allowed: finite numbers (at most about 1.8e308)"
        else:
            why = f"is not a number; allowed: {NUMBER_HELP}"
            return NotANumberError(f"{what}: {text!r} {why}{self.hint}", column)
        return BadInputError(f"{what}: {text!r} {why}{self.hint}")

    def _missing(self, line: int, column: int, text: str) -> BadInputError:
        shown = "an empty cell" if not text.strip() else f"a missing value {text.strip()!r}"
        return BadInputError(
            f"{self.file.where} line {line}, column {self.file.column(column)}: {shown}; "
            'fill it in, drop such rows with data.missing = "drop", or fill them from the '
            'training rows with data.missing = "impute"'
        )

    def _fields(self, line: int, got: int) -> BadInputError:
        return BadInputError(
            f"{self.file.where} line {line} has {got} field{'s' * (got != 1)}; "
            f"the header (line 1) has {self.n_columns}"
        )

    def _label(self, line: int, cell: str) -> int:
        try:
            return self.code(cell)
        except BadInputError as e:
            raise BadInputError(
                f"{self.file.where} line {line}, column {self.file.column(self.label or 0)}: {e}"
            ) from None

    @property
    def n_read(self) -> int:
        """Return how many columns of numbers a row gives: the numeric ones, then the text ones."""
        return len(self.numeric) + len(self.text)

    # -- one record, exactly

    def _check_record(self, line: int, cells: Sequence[str]) -> tuple[list[float], int] | None:
        """Return a record's numbers and class code, None to drop it; raise at a bad cell."""
        if len(cells) != self.n_columns:
            raise self._fields(line, len(cells))
        values = []
        drop = False
        for k in self.numeric:
            text = cells[k]
            stripped = text.strip()
            if stripped in MISSING:
                if self.missing == "error":
                    raise self._missing(line, k, text)
                if self.missing == "impute":
                    values.append(math.nan)
                else:
                    drop = True
                continue
            if not NUMBER.fullmatch(stripped):
                raise self._bad_number(line, k, text)
            x = float(stripped)
            if math.isinf(x):
                raise self._bad_number(line, k, text)
            values.append(x)
        for k, text_code in zip(self.text, self.text_codes, strict=True):
            stripped = cells[k].strip()
            if stripped not in MISSING:
                values.append(float(text_code(stripped)))
            elif self.missing == "error":
                raise self._missing(line, k, cells[k])
            else:
                values.append(-1.0)
                drop |= self.missing == "drop"
        code = 0
        if self.label is not None:
            cell = cells[self.label].strip()
            if cell in MISSING:
                if self.missing == "error":
                    raise self._missing(line, self.label, cells[self.label])
                drop = True
            else:
                code = self._label(line, cell)
        return None if drop else (values, code)

    # -- the plain reader

    def plain(self) -> Columns:
        """Return the columns read one record at a time with Python's csv module."""
        text = self.file.raw.decode("utf-8")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.file.delimiter)
        header_seen = False
        values: list[list[float]] = []
        codes: list[int] = []
        rows: list[int] = []
        dropped: list[int] = []
        n_rows = 0
        line = 1
        try:
            for record in reader:
                start, line = line, reader.line_num + 1
                if not record:
                    continue  # a blank line
                if not header_seen:
                    header_seen = True
                    continue
                checked = self._check_record(start, record)
                if checked is None:
                    dropped.append(start)
                else:
                    values.append(checked[0])
                    codes.append(checked[1])
                    rows.append(n_rows)
                n_rows += 1
        except csv.Error as e:
            raise BadInputError(f"{self.file.where} line {line}: {csv_error_text(e)}") from None
        X = np.array(values, dtype=np.float64).reshape(len(values), self.n_read)
        return Columns(
            X,
            np.array(codes, dtype=np.intp) if self.label is not None else None,
            np.array(rows, dtype=np.intp),
            n_rows,
            tuple(dropped),
        )

    # -- the fast reader

    def fast(self) -> Columns | None:
        """Return the columns read by numpy's C parser, or None when the plain reader must decide."""
        raw = self.file.raw
        lone_cr = b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n")  # old Mac line ends
        if b'"' in raw or lone_cr:
            return None  # quotes, or old Mac line ends
        if raw[:1] in (b"\r", b"\n"):
            return None  # blank lines before the header
        bad_dot = self._first_bad_dot()
        if bad_dot is not None and self.missing != "error":
            return None
        columns = self._load(bad_dot[0] if bad_dot else None)
        if bad_dot is not None and columns is not None:
            raise bad_dot[1]  # every row before it is fine
        return columns

    def _load(self, max_rows: int | None, label_width: int | None = None) -> Columns | None:
        """Return the first ``max_rows`` data rows (all when None) read by numpy.

        Raise the exact error of the first bad row, or return None when only the plain reader can
        tell (or drop rows). ``label_width`` is how the class cells are read
        (``csvnumpy.record_dtype``); None picks it from the first rows.
        """
        label = self.label
        if max_rows == 0:
            return self._empty()
        file = self.file
        width = label_width
        if width is None:
            width = csvnumpy.label_width(file.raw, file.delimiter, label, file.ascii)
        read = self.numeric + self.text
        parsed = list(dict.fromkeys(read))  # a column asked for twice is read once
        converters: dict[int | str, Callable[[str], float]] = {
            k: csvnumpy.Codes(_or_missing(text_code)).__getitem__
            for k, text_code in zip(self.text, self.text_codes, strict=True)
        }
        if label is not None and not width:
            # C lookups but for new labels
            converters[label] = csvnumpy.Codes(_or_missing(self.code)).__getitem__
        try:
            A = csvnumpy.parse(  # through the module: a test hooks it
                # the bytes hashed, never the path again: a file replaced since it was read must
                # not be parsed
                file.raw,
                file.delimiter,
                "latin1" if file.ascii else "utf-8",  # latin1: a plain copy
                # numpy checks every row has all the fields
                csvnumpy.record_dtype(self.n_columns, read, label, width, file.ascii),
                converters or None,
                max_rows,
            )
        except ValueError as e:
            if self.missing != "error":
                return None  # rows to drop: the plain reader decides which and why
            match = re.search(r"at row (\d+)", str(e))
            if isinstance(e.__cause__, BadInputError) or not match:
                return None  # a class label the caller refuses: the plain reader says where
            near = int(match.group(1))  # numpy counts from 0 or 1, depending on the error
            for row in (near - 1, near, near + 1):
                if row >= 0 and (max_rows is None or row < max_rows):
                    self._load(row)  # raises at an earlier bad row, if there is one
                    self._check_row(row)
            return None
        n = len(A)
        if not n:
            return self._empty()
        # the numeric columns, then the text columns' codes, are one block at the start of each
        # record: a view, no copy
        X = np.ndarray((n, len(parsed)), np.float64, A, 0, (A.itemsize, 8))  # (n, n_read)
        if len(parsed) < len(read):
            X = X[:, [parsed.index(k) for k in read]]
        labels = None
        if label is not None:
            labels = (
                csvnumpy.label_codes(A, width, 8 * len(parsed), _or_missing(self.code))
                if width
                else A["label"].astype(np.intp)
            )
            if labels is None:  # a long class cell, or one refused: a Python call per row
                return self._load(max_rows, 0)
        # nan, inf (numpy reads them) or a missing label: one sum over all of X first (not finite
        # when a number is not), as a rule there are none and the rows need no look
        codes = X[:, len(self.numeric) :]  # (n_rows, n_text); -1: missing
        if (
            not np.isfinite(X.sum())
            or (labels is not None and labels.min(initial=0) < 0)
            or codes.min(initial=0) < 0
        ):
            bad = ~np.isfinite(X).all(axis=1) | (codes < 0).any(axis=1)
            if labels is not None:
                bad |= labels < 0
            if bad.any():
                if self.missing == "error":
                    self._check_row(int(np.argmax(bad)))
                return None  # rows to drop: the plain reader decides which and why
        return Columns(X, labels, np.arange(n, dtype=np.intp), n, ())

    def _empty(self) -> Columns:
        labels = np.empty(0, dtype=np.intp) if self.label is not None else None
        rows = np.empty(0, dtype=np.intp)
        return Columns(np.empty((0, self.n_read)), labels, rows, 0, ())

    def _line_starts(self) -> NDArray[np.intp]:
        """Return the byte offset of every data row (non-empty line after the header)."""
        b = np.frombuffer(self.file.raw, dtype=np.uint8)
        starts = np.concatenate(([0], np.flatnonzero(b == 10) + 1))
        starts = starts[starts < len(b)]
        second = b[np.minimum(starts + 1, len(b) - 1)]
        blank = (b[starts] == 10) | ((b[starts] == 13) & (second == 10))
        return starts[~blank][1:]

    def _record_at(self, offset: int) -> tuple[int, list[str]]:
        """Return the 1-based line and the cells of the unquoted line starting at ``offset``."""
        raw = self.file.raw
        end = raw.find(b"\n", offset)
        text = raw[offset : end if end >= 0 else len(raw)].decode("utf-8").removesuffix("\r")
        return raw.count(b"\n", 0, offset) + 1, text.split(self.file.delimiter)

    def _check_row(self, row: int) -> None:
        """Raise the error of data row ``row`` (0-based), if it has one."""
        starts = self._line_starts()
        if 0 <= row < len(starts):
            self._check_record(*self._record_at(int(starts[row])))

    def _first_bad_dot(self) -> tuple[int, BadInputError] | None:
        """Return the data row and error of the first number such as ``.5`` or ``5.``, if any.

        numpy reads those, the tool does not: a ``.`` in a number needs a digit on both sides. Text
        columns may hold dots anywhere, so each line with a suspicious dot is checked exactly.
        """
        raw = self.file.raw
        checked = -1
        for position in csvnumpy.loose_dots(raw):
            offset = raw.rfind(b"\n", 0, position) + 1
            if offset == 0 or offset <= checked:
                continue  # the header, or a line already checked
            checked = offset
            try:
                self._check_record(*self._record_at(offset))
            except BadInputError as e:
                return int(np.searchsorted(self._line_starts(), offset)), e
        return None
