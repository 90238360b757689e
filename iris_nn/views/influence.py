"""Which inputs move the SoftMax probabilities most (SPEC 6).

Each feature is swept over its training range (from its 2nd to its 98th percentile, so that a few
extreme rows, such as the rare ink in a digit's corner pixel, do not decide) while the others stay
at their training median; its influence is the largest swing of any class's probability along that
sweep. A figure with a panel
per feature shows the most influential ones, and the decision regions lie in the plane of the two
most influential, unless the data set names its own plane (Iris: petal length x petal width).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from iris_nn.core.functional import Array
from iris_nn.runs.model_file import Model
from iris_nn.views.style import probabilities

SWEEP_POINTS = 25  # per feature: enough to catch a swing, cheap for thousands of features
MAX_BATCH = 2_000_000  # numbers per forward pass, so thousands of features need little memory


def influence(model: Model, X_train: Array) -> Array:
    """Return each feature's influence (n_features,): the largest swing of a class probability.

    Parameters
    ----------
    model : Model
        The trained model.
    X_train : ndarray of shape (n_samples, n_features)
        The training rows, in the data set's units: they give the ranges and the medians.
    """
    n_features = X_train.shape[1]
    median = np.median(X_train, axis=0)
    lo, hi = np.percentile(X_train, [2, 98], axis=0)
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


def ranked(model: Model, X_train: Array) -> list[int]:
    """Return the feature columns from the most influential to the least (ties in column order)."""
    swing = influence(model, X_train)
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
