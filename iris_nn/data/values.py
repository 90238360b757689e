"""Names and numbers as the tool reads them from text: one place for each rule."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError


def normalise_name(name: str) -> str:
    """Return a column or feature name in the form ``petal_width``.

    ``petal width (cm)`` (scikit-learn), ``Petal.Width`` (R), ``PetalWidthCm`` (Kaggle) and
    ``petal-width`` all become ``petal_width``.
    """
    name = re.sub(r"\([^)]*\)", " ", name.replace("\ufeff", ""))  # units such as "(cm)"
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())  # CamelCase -> Camel_Case
    name = re.sub(r"[\s.\-]+", "_", name.lower()).strip("_")
    return name.removesuffix("_cm")


# SPEC 7: how the tool reads a number anywhere outside TOML (predict and softmax values, CSV
# cells, numeric options, run files): ASCII decimals. Python's float() would also take "5_1" (as
# 51), "١٢" (Arabic-Indic digits), "infinity" and " 5 \n"; none of those is a number here.
NUMBER = r"[+-]?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?"
INTEGER = r"[+-]?[0-9]+"
NUMBER_FORM = "numbers such as 5.1, -0.4 or 1e-3 ([+-]digits[.digits][e[+-]digits])"
_NUMBER, _INTEGER = re.compile(NUMBER), re.compile(INTEGER)
_NON_FINITE = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan")


def _not_a_number(text: str, what: str, noun: str = "a number", form: str = NUMBER_FORM) -> str:
    where = f"{what}: " if what else ""
    if text.strip().lower() in _NON_FINITE:
        return f"{where}{text!r} is not finite; allowed: finite numbers (no nan or inf)"
    return f"{where}{text!r} is not {noun}; allowed: {form}"


def parse_number(text: str, what: str) -> float:
    """Return ``text`` as a finite float; raise BadInputError naming ``what`` and the bad text.

    ``text`` must be an ASCII decimal (SPEC 7), with spaces or tabs around it at most. An empty
    ``what`` leaves the name out of the message.
    """
    if not _NUMBER.fullmatch(text.strip(" \t")):
        raise BadInputError(_not_a_number(text, what))
    x = float(text)
    if not math.isfinite(x):  # 1e999
        where = f"{what}: " if what else ""
        raise BadInputError(
            f"{where}{text!r} is too large; allowed: finite numbers, at most about 1.8e308"
        )
    return x


def parse_integer(text: str, what: str) -> int:
    """Return ``text`` as an int (ASCII digits, an optional sign); raise BadInputError otherwise.

    An empty ``what`` leaves the name out of the message.
    """
    if not _INTEGER.fullmatch(text.strip(" \t")):
        raise BadInputError(
            _not_a_number(text, what, "an integer", "integers in ASCII digits, such as 3 or -2")
        )
    return int(text)


_NUMBER_BYTES = b"0123456789+-.e \t"


def _all_numbers(cells: Sequence[str]) -> bool:
    """Return whether every cell is a number of SPEC 7, checked over all cells at once.

    numpy converts text as Python's float() does; the cells it takes that SPEC 7 refuses are
    those with other characters (``5_1``, ``inf``, ``1E5``, non-ASCII digits) and those with a
    dot that lacks a digit on either side (``.5``, ``5.``). A line break would let one cell pass
    as two numbers.
    """
    if not cells:
        return True
    try:
        data = "\n".join(cells).encode("ascii")
    except UnicodeEncodeError:
        return False
    if data.translate(None, _NUMBER_BYTES + b"\n") or data.count(b"\n") != len(cells) - 1:
        return False
    a = np.frombuffer(data, dtype=np.uint8)
    digit = (a >= ord("0")) & (a <= ord("9"))
    dot = a == ord(".")
    return not (len(a) == 0 or dot[0] or dot[-1] or np.any(dot[1:-1] & ~(digit[:-2] & digit[2:])))


def parse_numbers(cells: Sequence[str], what: Callable[[int], str]) -> NDArray[np.float64]:
    """Return the cells as finite floats (n,), in one vectorised pass for millions of cells.

    A bad cell raises BadInputError from ``parse_number``, named by ``what(index)``.
    """
    if _all_numbers(cells):
        try:
            X = np.array(cells, dtype=np.float64)  # (n,)
        except ValueError:  # 1.2.3, 1e+-5: the slow path names it
            pass
        else:
            if np.isfinite(X).all():
                return X
    # slow path, one cell at a time, only to name the first bad one
    return np.array([parse_number(cell, what(i)) for i, cell in enumerate(cells)], dtype=np.float64)
