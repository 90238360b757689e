"""Text input columns and missing cells (SPEC 14): one-hot inputs and fill values.

A CSV input column whose cells are not all numbers is categorical: each of its distinct values
(sorted as text, at most ``MAX_CATEGORIES``) becomes one 0/1 input named ``column=value``, never
scaled. A missing cell is NaN (every input of a categorical column's block is NaN) until it is
filled: a numeric column takes its median over the training rows, a categorical one its most
frequent value there (ties: the first in sorted order), as scikit-learn's ``SimpleImputer``.
The ``Layout`` says which encoded inputs belong to which original column; the model's meta keeps
it (``columns``, ``categories``) with the fill values (``fill``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array

MAX_CATEGORIES = 50
Fill = dict[str, float | str]  # original column -> the value its missing cells take


class Levels(dict[str, int]):
    """The code of each distinct text of one column, in order of first appearance (at most 50)."""

    def __init__(self, column: str, where: str):
        super().__init__()
        self.column, self.where = column, where

    def __call__(self, cell: str) -> int:
        code = self.get(cell)
        if code is None:
            if len(self) == MAX_CATEGORIES:
                raise BadInputError(
                    f"column {self.column!r} of {self.where} has more than {MAX_CATEGORIES} "
                    "distinct text values, so it looks like free text or an id, not a category; "
                    f'leave it out with data.exclude = ["{self.column}"]'
                )
            code = self[cell] = len(self)
        return code

    def sorted_codes(self) -> tuple[tuple[str, ...], NDArray[np.intp]]:
        """Return the values sorted as text, and each code's position among them."""
        values = tuple(sorted(self))
        where = np.empty(len(self), dtype=np.intp)
        for text, code in self.items():
            where[code] = values.index(text)
        return values, where


def category_name(column: str, value: str) -> str:
    """Return the name of the input that is 1 when ``column`` holds ``value``: ``island=Biscoe``."""
    return f"{column}={value}"


@dataclass(frozen=True)
class Layout:
    """The original input columns and the encoded inputs made of them, in order."""

    columns: tuple[str, ...]  # the original input columns' feature names
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # text column -> values

    @property
    def features(self) -> tuple[str, ...]:
        """Return the encoded inputs: a numeric column's name, or ``column=value`` per value."""
        return tuple(name for column in self.columns for name in self.inputs(column))

    def inputs(self, column: str) -> tuple[str, ...]:
        """Return the encoded inputs of one original column."""
        values = self.categories.get(column)
        if values is None:
            return (column,)
        return tuple(category_name(column, v) for v in values)

    def subset(self, features: Sequence[str]) -> Layout:
        """Return the layout of the encoded inputs ``features`` (in their order): whole columns.

        Raise BadInputError when ``features`` holds some of a text column's inputs but not all,
        or not in the column's order (the CSV reader refuses such names first: SPEC 14's
        ``data.features`` names original columns).
        """
        if tuple(features) == self.features:
            return self
        owner = {name: column for column in self.columns for name in self.inputs(column)}
        columns: list[str] = []
        for name in features:
            column = owner.get(name, name)
            if not columns or columns[-1] != column:
                columns.append(column)
        layout = Layout(tuple(columns), {c: v for c, v in self.categories.items() if c in columns})
        if layout.features != tuple(features):
            raise BadInputError(
                f"inputs {list(features)} hold some of a text column's values, or not in their "
                "order; allowed: whole columns (data.features names original columns)"
            )
        return layout

    def blocks(self) -> list[tuple[str, slice]]:
        """Return each original column with the slice of its encoded inputs."""
        out, start = [], 0
        for column in self.columns:
            n = len(self.inputs(column))
            out.append((column, slice(start, start + n)))
            start += n
        return out

    def categorical_mask(self) -> Array:
        """Return, per encoded input, whether it is a 0/1 category input (never scaled)."""
        return np.array(
            [
                column in self.categories
                for column, s in self.blocks()
                for _ in range(s.start, s.stop)
            ],
            dtype=bool,
        )

    def encode_cell(self, column: str, text: str) -> list[float]:
        """Return the encoded inputs of one cell of ``column`` (a category's exact stripped text).

        Raise BadInputError naming the value and listing the known ones when it is not one.
        """
        values = self.categories.get(column)
        if values is None:
            raise BadInputError(f"{column!r} is not a text column")  # callers parse numbers
        if text not in values:
            raise BadInputError(
                f"{column} = {text!r} was not seen in training; allowed: {', '.join(values)}"
            )
        return [1.0 if v == text else 0.0 for v in values]


def one_hot(codes: NDArray[np.intp], n_values: int) -> Array:
    """Return the 0/1 inputs (n, n_values) of ``codes`` (n,); a code of -1 (missing) is all NaN."""
    out = np.zeros((len(codes), n_values))  # (n, n_values)
    known = codes >= 0
    out[np.flatnonzero(known), codes[known]] = 1.0
    out[~known] = np.nan
    return out


def fit_fill(X: Array, layout: Layout) -> Fill:
    """Return the fill value of every column from the rows ``X`` (the training rows, encoded).

    A numeric column's median of its present values; a categorical column's most frequent value
    (ties: the first in sorted order). Raise BadInputError for a column with no value at all in
    those rows and a missing cell to fill.
    """
    fill: Fill = {}
    for column, s in layout.blocks():
        block = X[:, s]  # (n, n_inputs)
        present = ~np.isnan(block[:, 0])
        if not present.any():
            if len(block):
                raise BadInputError(
                    f"column {column!r} has no value in any training row, so its missing cells "
                    f'have nothing to be filled from; leave it out with data.exclude = ["{column}"]'
                )
            continue
        if column in layout.categories:
            counts = block[present].sum(axis=0)
            fill[column] = layout.categories[column][int(np.argmax(counts))]  # first of the ties
        else:
            fill[column] = float(np.median(block[present, 0]))
    return fill


def hold_most_frequent(point: Array, X: Array, layout: Layout) -> Array:
    """Set each text column's inputs of ``point`` (n_features,) to its most frequent value in
    the rows ``X`` (ties: the first in sorted order, as its fill value); return ``point``.

    The point the figures and the page hold the other inputs at: a median per 0/1 input alone
    could be a row of no value, or of two.
    """
    for column, s in layout.blocks():
        if column in layout.categories:
            counts = np.nansum(X[:, s], axis=0)  # (n_values,)
            point[s] = 0.0
            point[s.start + int(np.argmax(counts))] = 1.0
    return point


def decode(x: Array, layout: Layout) -> dict[str, float | str]:
    """Return one encoded row ``x`` (n_features,) as its original columns: text for a text
    column (the value whose input is 1), the number for a numeric one."""
    out: dict[str, float | str] = {}
    for column, s in layout.blocks():
        if column in layout.categories:
            out[column] = layout.categories[column][int(np.argmax(x[s]))]
        else:
            out[column] = float(x[s.start])
    return out


def apply_fill(X: Array, layout: Layout, fill: Mapping[str, float | str]) -> dict[str, int]:
    """Fill the missing cells of the encoded rows ``X`` in place; return the count per column."""
    counts: dict[str, int] = {}
    for column, s in layout.blocks():
        missing = np.isnan(X[:, s.start])
        n = int(missing.sum())
        if not n:
            continue
        if column not in fill:
            raise BadInputError(f"column {column!r} has a missing cell and no fill value")
        value = fill[column]
        if column in layout.categories:
            X[np.ix_(missing, np.arange(s.start, s.stop))] = layout.encode_cell(column, str(value))
        else:
            X[missing, s.start] = float(value)
        counts[column] = n
    return counts


def counts_text(counts: Mapping[str, int], fill: Mapping[str, float | str]) -> str:
    """Return the filled cells per column for a ``Note:`` line: ``bill_mm: 2 (with 44.5)``."""
    return ", ".join(
        f"{c}: {n} (with {fill[c]!r})"
        if isinstance(fill[c], str)
        else f"{c}: {n} (with {fill[c]:g})"
        for c, n in counts.items()
    )


def read_fill(meta: Mapping[str, object]) -> Fill:
    """Return the fill values a model's meta holds (none for a model that does not impute)."""
    raw = meta.get("fill") or {}
    assert isinstance(raw, dict)
    return {str(k): v if isinstance(v, str) else float(v) for k, v in raw.items()}


def layout_of(meta: Mapping[str, object], features: Sequence[str]) -> Layout:
    """Return the layout a model's meta describes (every feature its own column: an old model)."""
    columns = meta.get("columns")
    raw = meta.get("categories") or {}
    assert isinstance(raw, dict)
    categories = {str(k): tuple(str(v) for v in values) for k, values in raw.items()}
    if not columns:
        return Layout(tuple(features), categories)
    assert isinstance(columns, list)
    return Layout(tuple(str(c) for c in columns), categories)
