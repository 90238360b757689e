"""The input scaler: network input = ``(X - center) / scale``, per feature.

A pair of vectors, so a saved model needs no scikit-learn to use it; fitted on the training rows
only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array

SCALINGS = ("standard", "minmax", "none")


@dataclass(frozen=True)
class Scaler:
    """Scale inputs as ``(X - center) / scale``; ``center`` and ``scale`` are (n_features,)."""

    center: Array
    scale: Array

    @classmethod
    def fit(cls, X: Array, scaling: str) -> Scaler:
        """Return the scaler of the rows ``X`` (n_samples, n_features) for ``scaling``.

        A constant column gets scale 1, so it maps to 0 instead of dividing by zero.
        """
        n_features = X.shape[1]
        if scaling == "standard":
            center, scale = X.mean(axis=0), X.std(axis=0)
        elif scaling == "minmax":
            center, scale = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
        elif scaling == "none":
            center, scale = np.zeros(n_features), np.ones(n_features)
        else:
            raise BadInputError(f"unknown scaling {scaling!r}; allowed: {', '.join(SCALINGS)}")
        scale = np.where(scale > 0, scale, 1.0)
        return cls(center.astype(np.float64), scale.astype(np.float64))

    def __call__(self, X: Array) -> Array:
        """Return the network inputs ``(X - center) / scale`` (n_samples, n_features) of ``X``."""
        return (np.asarray(X, dtype=np.float64) - self.center) / self.scale
