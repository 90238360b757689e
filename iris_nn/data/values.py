"""Names and numbers as the tool reads them from text: one place for each rule.

``feature_name`` turns any column heading into a feature name (``petal width (cm)`` ->
``petal_width``); training, ``predict`` and ``evaluate`` all use it, so a name means the same thing
everywhere. ``parse_number`` reads the one number grammar the tool accepts outside TOML: ASCII
decimals ``[+-]digits[.digits][(e|E)[+-]digits]``, so ``5_1``, ``.5``, ``0x10`` and ``١`` are not numbers
even though Python's ``float`` takes some of them.
"""

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


UNIT_WORDS = ("cm", "mm", "in")  # dropped from the end of a name when matching columns to features

_TRAILING_PARENS = re.compile(r"\s*\(([^()]*)\)\s*$")


def unit_of(heading: str) -> str:
    """Return the trailing parenthesised part of a column heading: ``cm`` for ``petal width (cm)``."""
    match = _TRAILING_PARENS.search(heading)
    return match.group(1).strip() if match else ""


def feature_name(heading: str, position: int = 0) -> str:
    """Return the feature name of a column heading: ``petal width (cm)`` -> ``petal_width``.

    Drop a trailing parenthesised part, split camelCase (``PetalWidthCm`` -> ``petal_width_cm``),
    turn every run of characters other than ASCII letters and digits into ``_``, lower-case, and
    strip ``_`` at the ends. An empty result is ``column_<position>`` (1-based).
    """
    name = _TRAILING_PARENS.sub("", heading.replace("\ufeff", ""))
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)  # camelCase -> camel_Case
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)  # HTMLParser -> HTML_Parser
    name = re.sub(r"[^A-Za-z0-9]+", "_", name).lower().strip("_")
    return name or f"column_{position}"


def without_unit(name: str) -> str:
    """Return a feature name without a trailing unit word: ``petal_width_cm`` -> ``petal_width``."""
    for unit in UNIT_WORDS:
        if name.endswith("_" + unit):
            return name[: -len(unit) - 1]
    return name


def names_match(heading: str, feature: str) -> bool:
    """Return whether a column heading names ``feature``: equal after ``feature_name``, or
    after also dropping a trailing unit word on either side (``PetalWidthCm`` is ``petal_width``)."""
    name = feature_name(heading)
    return name == feature or without_unit(name) == without_unit(feature)


def is_number(text: str) -> bool:
    """Return whether ``text`` (surrounding spaces aside) is a number of the tool's grammar."""
    return NUMBER.fullmatch(text.strip()) is not None


# How the tool reads a number anywhere outside TOML (predict and softmax values, CSV
# cells, numeric options, run files): ASCII decimals. Python's float() would also take "5_1" (as
# 51), "١٢" (Arabic-Indic digits), "infinity" and " 5 \n"; none of those is a number here.
NUMBER_PATTERN = r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"  # e or E, as spreadsheets write it
INTEGER_PATTERN = r"[+-]?[0-9]+"
NUMBER_FORM = "numbers such as 5.1, -0.4 or 1e-3 ([+-]digits[.digits][(e|E)[+-]digits])"
NUMBER_HELP = NUMBER_FORM
NUMBER, _INTEGER = re.compile(NUMBER_PATTERN, re.ASCII), re.compile(INTEGER_PATTERN, re.ASCII)
_NUMBER = NUMBER
_NON_FINITE = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan")


def _not_a_number(text: str, what: str, noun: str = "a number", form: str = NUMBER_FORM) -> str:
    where = f"{what}: " if what else ""
    if text.strip().lower() in _NON_FINITE:
        return f"{where}{text!r} is not finite; allowed: finite numbers (no nan or inf)"
    return f"{where}{text!r} is not {noun}; allowed: {form}"


def parse_number(text: str, what: str) -> float:
    """Return ``text`` as a finite float; raise BadInputError naming ``what`` and the bad text.

    ``text`` must be an ASCII decimal (``NUMBER_PATTERN``), with spaces or tabs around it at most. An empty
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


_NUMBER_BYTES = b"0123456789+-.eE \t"


def _all_numbers(cells: Sequence[str]) -> bool:
    """Return whether every cell is a number as ``NUMBER_PATTERN`` reads one, checked over all cells at once.

    numpy converts text as Python's float() does; the cells it takes that this module refuses are
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
