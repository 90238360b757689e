"""Which inputs move the SoftMax probabilities most (the figures show only the few that matter most).

Each feature is swept over its training range (from its 2nd to its 98th percentile, so that a few
extreme rows, such as the rare ink in a digit's corner pixel, do not decide) while the others stay
at their training median; its influence is the largest swing of any class's probability along that
sweep. A figure with a panel
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


def spread(X: Array, rows: NDArray[np.integer] | None = None) -> Spread:
    """Return the ``Spread`` of ``X``'s ``rows`` (all rows when None), exact.

    A block of columns at a time, each the same numbers as ``np.median`` and ``np.percentile``
    over the whole ``X[rows]`` (both work column by column), without copying all of it.
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
    return Spread(median, low, high)


def influence(model: Model, training: Spread) -> Array:
    """Return each feature's influence (n_features,): the largest swing of a class probability.

    Parameters
    ----------
    model : Model
        The trained model.
    training : Spread
        The training rows' ``spread``, in the data set's units: the ranges and the medians.
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
    return swing


def ranked(model: Model, training: Spread) -> list[int]:
    """Return the feature columns from the most influential to the least (ties in column order)."""
    swing = influence(model, training)
    return [int(j) for j in np.argsort(-swing, kind="stable")]


def plane_features(
    features: Sequence[str], ranking: Sequence[int], preferred: Sequence[str] = ()
) -> tuple[int, int]:
    """Return the two columns of the decision plane: the ``preferred`` pair when both are inputs,
    else the two most influential of ``ranking`` (in column order, so axes keep the data's order).
    """
    if len(preferred) == 2 and all(f in features for f in preferred):
        return features.index(preferred[0]), features.index(preferred[1])
    i, j = sorted(ranking[:2])
    return i, j
