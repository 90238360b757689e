"""The fast CSV reader's numpy half: rows parsed into records by numpy's C reader.

``csvfile``'s fast reader decides what to read and checks it; this module does the parsing.
``record_dtype`` lays one row out as a numpy record (the numeric columns side by side, then the
class cell), ``parse`` hands the file's bytes to numpy's C reader (the one ``numpy.loadtxt`` uses,
fed those bytes a chunk at a time) to fill an array of such records, and ``label_codes`` turns the
class cells, kept as bytes (``label_width`` of them), into class codes in C.
"""

from __future__ import annotations

import importlib
import io
import warnings
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError

_CHUNK = 1 << 20  # bytes per step of the byte scan: big enough to be fast, small enough for cache
_LABEL_BYTES = 64  # class cells kept as bytes at most this long; longer ones are coded in Python
_SNIFF_ROWS = 100  # rows whose class cells set the width kept
_FEW_LABELS = 16  # distinct class cells found by comparing all rows with each; more are sorted


def record_dtype(
    n_columns: int, read: Sequence[int], label: int | None, label_width: int, ascii: bool
) -> np.dtype:
    """Return the numpy record of one row: a field for every column, in the file's order.

    The ``read`` columns (the numeric ones, then the text columns' codes, all float64) lie side by
    side from offset 0, so they are one (n, len(read)) block; then the class cell, ``label_width``
    bytes of it (coded by ``label_codes``) or, when 0, its code as a float64 from a converter;
    every other column is read as one character, in C (it is only checked to be there).
    """
    other = "S1" if ascii else "U1"
    fields: dict[int, tuple[str, str, int]] = {}
    for k in read:
        fields.setdefault(k, (f"x{len(fields)}", "f8", 8 * len(fields)))
    offset = 8 * len(fields)
    if label is not None:
        fields[label] = ("label", f"S{label_width}" if label_width else "f8", offset)
        offset += label_width or 8
    for k in range(n_columns):
        if k not in fields:
            fields[k] = (f"c{k}", other, offset)
            offset += 1 if other == "S1" else 4
    names, formats, offsets = zip(*(fields[k] for k in range(n_columns)), strict=True)
    return np.dtype(
        {
            "names": list(names),
            "formats": list(formats),
            "offsets": list(offsets),
            "itemsize": -(-offset // 8) * 8,  # whole words: the float64 block stays aligned
        }
    )


def label_width(raw: bytes, delimiter: str, label: int | None, ascii: bool) -> int:
    """Return how many bytes of each class cell to keep, or 0 to code them in Python instead.

    Room for the longest class cell of the first rows and a few bytes, in whole 8-byte words
    (a longer cell later costs a second parse); 0 when bytes would not tell the cells apart
    exactly (a file not ASCII, or with a NUL byte, which numpy drops from the end of a cell) or
    the cells are longer than ``_LABEL_BYTES``.
    """
    if label is None or not ascii or b"\0" in raw:
        return 0
    longest = 0
    start = raw.find(b"\n") + 1  # the first data row (a header of one line, as loadtxt skips)
    for _ in range(_SNIFF_ROWS):
        end = raw.find(b"\n", start)
        cells = raw[start : end if end >= 0 else len(raw)].split(delimiter.encode())
        if label < len(cells):
            longest = max(longest, len(cells[label].rstrip(b"\r")))
        if end < 0:
            break
        start = end + 1
    width = -(-(longest + 4) // 8) * 8  # a few bytes to spare: 8 up to 4 bytes, 16 up to 12
    return width if width <= _LABEL_BYTES else 0


def label_codes(
    A: NDArray[np.void], width: int, at: int, code: Callable[[str], int]
) -> NDArray[np.intp] | None:
    """Return each row's class code from the bytes of its class cell.

    The class cell is ``width`` bytes at byte ``at`` of each record. Rows are sorted into their
    distinct cells in C, 8 bytes at a time: one comparison of all rows per class cell while there
    are few, else one sort. ``code`` (-1 for a missing cell) is called once per distinct stripped
    cell, in the order the cells first appear, as the plain reader calls it. None when a cell may
    have been cut at ``width`` bytes, or ``code`` refuses one (raises BadInputError).
    """
    n = len(A)
    # each 8 bytes of the cells as one contiguous column: compared faster than in the records
    words = np.ndarray((width // 8, n), np.uint64, A, at, (8, A.itemsize)).copy()  # (w, n)
    if words[-1].view(np.uint8)[7::8].any():  # the cells' last bytes, in the contiguous copy
        return None  # a cell that fills its width may be longer
    which: NDArray[np.integer] = np.zeros(n, dtype=np.uint8)  # (n,) the row's distinct cell
    seen = np.zeros(n, dtype=bool)  # (n,) rows whose cell has been found
    firsts: list[int] = []  # the first row of each distinct cell
    row = 0
    while len(firsts) < _FEW_LABELS:
        same = words[0] == words[0, row]
        for i in range(1, width // 8):
            same &= words[i] == words[i, row]
        seen |= same
        if firsts:  # adding is cheaper than writing where
            which += same.view(np.uint8) * np.uint8(len(firsts))
        firsts.append(row)
        rest = ~seen[row + 1 :]
        if not rest.any():
            break
        row += 1 + int(np.argmax(rest))
    else:  # many distinct cells: one sort of them all
        cells = np.ascontiguousarray(words.T).view(f"V{width}").ravel()
        _, first, inverse = np.unique(cells, return_index=True, return_inverse=True)
        order = np.argsort(first)
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        which, firsts = rank[inverse.ravel()], first[order].tolist()
    texts = A["label"]
    codes = np.empty(len(firsts), dtype=np.intp)
    for j, first_row in enumerate(firsts):
        try:
            codes[j] = code(texts[first_row].decode("ascii").strip())
        except BadInputError:
            return None  # the plain reader says where
    return codes[which]


def parse(
    raw: bytes,
    delimiter: str,
    encoding: str,
    dtype: np.dtype,
    converters: dict[int | str, Callable[[str], float]] | None,
    max_rows: int | None,
) -> NDArray[np.void]:
    """Return the rows of ``raw`` after its header line as ``dtype`` records, parsed by numpy.

    ``numpy.loadtxt`` hands its C reader a file it opens by name a megabyte at a time, but any
    other source a line at a time, one Python object per line (+5 to 10% on a file of 4 columns).
    The bytes in memory go to that reader as a file, as loadtxt passes the files it opens; with a
    numpy that has no such reader, through ``loadtxt`` a line at a time.
    """
    if C_READER is not None:
        text = io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline="")
        try:
            return C_READER(
                text,
                delimiter=delimiter,
                comment=None,
                quote='"',
                imaginary_unit="j",
                usecols=None,
                skiplines=1,
                max_rows=-1 if max_rows is None else max_rows,
                converters=converters,
                dtype=dtype,
                encoding=encoding,
                filelike=True,
                byte_converters=False,
            )
        except TypeError:
            pass  # another numpy's reader, called otherwise: loadtxt knows how
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
        return np.loadtxt(
            io.BytesIO(raw),  # a buffer over the bytes, not a text copy: +33% time
            delimiter=delimiter,
            skiprows=1,
            comments=None,
            encoding=encoding,
            converters=converters,
            ndmin=1,
            max_rows=max_rows,
            dtype=dtype,
        )


def c_reader() -> Callable[..., NDArray[np.void]] | None:
    """Return numpy's C reader of text files, as ``numpy.loadtxt`` calls it, if numpy has one."""
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # 2, 1
        try:
            reader: Callable[..., NDArray[np.void]] = importlib.import_module(
                module
            )._load_from_filelike
            return reader
        except (ImportError, AttributeError):
            continue
    return None


C_READER = c_reader()


class Codes(dict[str, float]):
    """The class code of each raw label cell, worked out once per distinct cell.

    ``code`` takes a stripped cell (a missing one too: -1). numpy calls ``__getitem__`` once per
    row; for a label seen before that is a lookup in C.
    """

    def __init__(self, code: Callable[[str], int]):
        super().__init__()
        self.code = code

    def __missing__(self, cell: str) -> float:
        value = self[cell] = float(self.code(cell.strip()))
        return value


def loose_dots(raw: bytes) -> Iterator[int]:
    """Yield the offset of every ``.`` in ``raw`` without a digit on both sides, in order.

    numpy reads numbers such as ``.5`` and ``5.``, the tool does not; the caller checks the lines
    these dots stand in. A megabyte at a time, so a caller that stops early scans no further.
    """
    if b"." not in raw:
        return  # a file of integers: a byte search, not a scan (a fiftieth of its read)
    b = np.frombuffer(raw, dtype=np.uint8)
    n = len(b)
    # the same few buffers for every chunk: a new array each time costs a fresh process
    # page faults on every chunk (a third of the scan's time)
    shifted = np.empty(_CHUNK + 2, dtype=np.uint8)
    digit = np.empty(_CHUNK + 2, dtype=bool)
    dot = np.empty(_CHUNK, dtype=bool)
    flanked = np.empty(_CHUNK, dtype=bool)
    for start in range(1, n, _CHUNK):
        block = b[start - 1 : min(start + _CHUNK + 1, n)]  # one byte of context each side
        m = len(block) - 2  # the bytes looked at
        np.subtract(block, 48, out=shifted[: m + 2])  # uint8 wraps: '0'..'9' stay below 10
        np.less(shifted[: m + 2], 10, out=digit[: m + 2])
        np.equal(block[1:-1], 46, out=dot[:m])
        np.logical_and(digit[:m], digit[2 : m + 2], out=flanked[:m])
        bad = np.greater(dot[:m], flanked[:m], out=dot[:m])  # a dot, not between digits
        yield from (np.flatnonzero(bad) + start).tolist()
        if start + _CHUNK >= n and raw.endswith(b"."):  # the last byte has no right neighbour
            yield n - 1
