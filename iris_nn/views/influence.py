"""Which inputs move the SoftMax probabilities most (the figures show only the few that matter most).

Each feature is swept over its training range (from its 2nd to its 98th percentile, so that a few
extreme rows, such as the rare ink in a digit's corner pixel, do not decide) while the others stay
at their training median; its influence is the largest swing of any class's probability along that
sweep. A text column's ``column=value`` inputs are never swept as numbers (SPEC 14): the column is
held at its most frequent training value, and its influence is the swing over its values. A figure with a panel
per feature shows the most influential ones, and the decision regions lie in the plane of the two
most influential, unless the data set names its own plane (Iris: petal length x petal width).

The medians and percentiles are exact over every training row, however many: ``spread`` takes them
a block of columns at a time, so a million rows need a few MB beside the data, not a copy of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.functional import Array
from iris_nn.data.categorical import Layout, hold_most_frequent
from iris_nn.store.model_file import Model
from iris_nn.views.style import probabilities

SWEEP_POINTS = 25  # per feature: enough to catch a swing, cheap for thousands of features
MAX_BATCH = 2_000_000  # numbers per forward pass, so thousands of features need little memory
MAX_BLOCK = 1_000_000  # numbers of training rows copied at a time for their medians (8 MB)


@dataclass(frozen=True)
class Spread:
    """Where the training rows lie: each feature's median and its 2nd and 98th percentiles."""

    median: Array  # (n_features,)
    low: Array  # (n_features,) 2nd percentile
    high: Array  # (n_features,) 98th percentile


def spread(
    X: Array, rows: NDArray[np.integer] | None = None, layout: Layout | None = None
) -> Spread:
    """Return the ``Spread`` of ``X``'s ``rows`` (all rows when None), exact.

    A block of columns at a time, each the same numbers as ``np.median`` and ``np.percentile``
    over the whole ``X[rows]`` (both work column by column), without copying all of it. A text
    column of ``layout`` is held at its most frequent value (ties: the first in sorted order, as
    its fill value), its inputs ranging over 0 and 1: the median of each 0/1 input alone could be
    a row of no value at all.
    """
    index = np.arange(len(X)) if rows is None else np.asarray(rows, dtype=np.intp)
    n_features = X.shape[1]
    median, low, high = np.empty(n_features), np.empty(n_features), np.empty(n_features)
    width = max(1, MAX_BLOCK // max(len(index), 1))
    for first in range(0, n_features, width):
        columns = slice(first, min(first + width, n_features))
        block = np.take(X[:, columns], index, axis=0)  # (n_rows, width)
        low[columns], high[columns] = np.percentile(block, [2, 98], axis=0)
        median[columns] = np.median(block, axis=0, overwrite_input=True)
    if layout is not None and layout.categories:
        hold_most_frequent(median, np.take(X, index, axis=0), layout)
        for s in categorical_blocks(layout):
            low[s], high[s] = 0.0, 1.0
    return Spread(median, low, high)


def categorical_blocks(layout: Layout | None) -> list[slice]:
    """Return the slice of encoded inputs of each text column of ``layout`` (none when None)."""
    if layout is None:
        return []
    return [s for column, s in layout.blocks() if column in layout.categories]


def numeric_inputs(layout: Layout | None, n_features: int) -> list[bool]:
    """Return, per encoded input, whether it is a number (not a ``column=value`` 0/1 input)."""
    if layout is None or not layout.categories:
        return [True] * n_features
    return [not c for c in layout.categorical_mask().tolist()]


def influence(model: Model, training: Spread, layout: Layout | None = None) -> Array:
    """Return each feature's influence (n_features,): the largest swing of a class probability.

    Parameters
    ----------
    model : Model
        The trained model.
    training : Spread
        The training rows' ``spread``, in the data set's units: the ranges and the medians.
    layout : Layout, optional
        The model's columns: each input of a text column gets the swing over that column's
        values (the other inputs held where they are), not a sweep from 0 to 1.
    """
    median, lo, hi = training.median, training.low, training.high
    n_features = len(median)
    steps = np.linspace(0.0, 1.0, SWEEP_POINTS)
    swing = np.zeros(n_features)
    chunk = max(1, MAX_BATCH // (SWEEP_POINTS * n_features))
    for first in range(0, n_features, chunk):
        features = np.arange(first, min(first + chunk, n_features))
        Xs = np.tile(median, (len(features) * SWEEP_POINTS, 1))  # (chunk * points, n_features)
        rows = np.arange(len(Xs))
        column = np.repeat(features, SWEEP_POINTS)
        Xs[rows, column] = lo[column] + np.tile(steps, len(features)) * (hi - lo)[column]
        P = probabilities(model, Xs).reshape(len(features), SWEEP_POINTS, -1)
        swing[features] = (P.max(axis=1) - P.min(axis=1)).max(axis=1)
    for s in categorical_blocks(layout):
        Xs = np.tile(median, (s.stop - s.start, 1))  # (n_values, n_features): one row per value
        Xs[:, s] = np.eye(s.stop - s.start)
        P = probabilities(model, Xs)
        swing[s] = (P.max(axis=0) - P.min(axis=0)).max()
    return swing


def ranked(model: Model, training: Spread, layout: Layout | None = None) -> list[int]:
    """Return the feature columns from the most influential to the least (ties in column order)."""
    swing = influence(model, training, layout)
    return [int(j) for j in np.argsort(-swing, kind="stable")]


def plane_features(
    features: Sequence[str],
    ranking: Sequence[int],
    preferred: Sequence[str] = (),
    numeric: Sequence[bool] | None = None,
) -> tuple[int, int]:
    """Return the two columns of the decision plane: the ``preferred`` pair when both are inputs,
    else the two most influential of ``ranking`` (in column order, so axes keep the data's order).

    Only ``numeric`` inputs make the plane (a ``column=value`` input is never swept as a number);
    with one numeric input the plane is that input against itself (a strip), and with none, the
    two most influential as before (a table of text columns alone has no plane to sweep).
    """
    if len(preferred) == 2 and all(f in features for f in preferred):
        return features.index(preferred[0]), features.index(preferred[1])
    if numeric is not None:
        candidates = [k for k in ranking if numeric[k]]
        if len(candidates) == 1:
            return candidates[0], candidates[0]
        if candidates:
            ranking = candidates
    i, j = sorted(ranking[:2])
    return i, j
