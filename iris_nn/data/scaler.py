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
STD_BLOCK = 65536  # rows per block of the standard deviation's pass


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
            center = X.mean(axis=0)
            # X.std(axis=0), without its temporary as large as X: squared deviations summed a
            # block of rows at a time (one block, as on Iris, is exactly what X.std computes)
            squares = sum(
                ((X[i : i + STD_BLOCK] - center) ** 2).sum(axis=0)
                for i in range(0, len(X), STD_BLOCK)
            )
            scale = np.sqrt(squares / len(X))
        elif scaling == "minmax":
            center, scale = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
        elif scaling == "none":
            center, scale = np.zeros(n_features), np.ones(n_features)
        else:
            raise BadInputError(f"unknown scaling {scaling!r}; allowed: {', '.join(SCALINGS)}")
        scale = np.where(scale > 0, scale, 1.0)
        return cls(center.astype(np.float64), scale.astype(np.float64))

    def __call__(self, X: Array, out: Array | None = None) -> Array:
        """Return the network inputs ``(X - center) / scale`` (n_samples, n_features) of ``X``.

        Written into ``out`` when given (``X`` itself scales in place), else into one new array.
        """
        out = np.subtract(np.asarray(X, dtype=np.float64), self.center, out=out)
        out /= self.scale
        return out
