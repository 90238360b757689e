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
HUGE = 1e150  # columns of larger magnitudes are fitted as X / max|X| (sums of squares overflow)


@dataclass(frozen=True)
class Scaler:
    """Scale inputs as ``(X - center) / scale``; ``center`` and ``scale`` are (n_features,)."""

    center: Array
    scale: Array

    @classmethod
    def fit(cls, X: Array, scaling: str, unscaled: Array | None = None) -> Scaler:
        """Return the scaler of the rows ``X`` (n_samples, n_features) for ``scaling``.

        A constant column gets scale 1, so it maps to 0 instead of dividing by zero. The inputs
        ``unscaled`` marks (n_features,) bool, a table's ``column=value`` 0/1 inputs, stay as
        they are (centre 0, scale 1): ``train`` and the estimator both fit this way.
        """
        scaler = cls._fit(X, scaling)
        if unscaled is None or not np.any(unscaled):
            return scaler
        unscaled = np.asarray(unscaled, dtype=bool)
        return cls(np.where(unscaled, 0.0, scaler.center), np.where(unscaled, 1.0, scaler.scale))

    @classmethod
    def _fit(cls, X: Array, scaling: str) -> Scaler:
        """Return the scaler of every input of ``X`` for ``scaling``."""
        n_features = X.shape[1]
        if scaling == "none":  # no pass over X: on a million rows its max and min cost 0.1 s
            return cls(np.zeros(n_features), np.ones(n_features))
        # Any finite value is allowed (up to about 1.8e308), but the sums below overflow past
        # about 1e154: a column that large is fitted on X / m (m its largest magnitude, so every
        # value is in [-1, 1]) and its centre and scale multiplied back. Other columns take the
        # plain arithmetic, bit for bit what it always was.
        m = np.maximum(X.max(axis=0), -X.min(axis=0)) if len(X) else np.zeros(n_features)
        m = np.where(m > HUGE, m, 1.0)
        X = X / m if (m != 1.0).any() else X
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
        else:
            raise BadInputError(f"unknown scaling {scaling!r}; allowed: {', '.join(SCALINGS)}")
        # a range wider than the largest float (-1.7e308 .. 1.7e308) is held as that float:
        # the column then scales into [0, 2) instead of [0, 1]
        center, scale = center * m, np.minimum(scale, np.finfo(np.float64).max / m) * m
        scale = np.where(scale > 0, scale, 1.0)
        return cls(center.astype(np.float64), scale.astype(np.float64))

    def __call__(self, X: Array, out: Array | None = None) -> Array:
        """Return the network inputs ``(X - center) / scale`` (n_samples, n_features) of ``X``.

        Written into ``out`` when given (``X`` itself scales in place), else into one new array.
        """
        X = np.asarray(X, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):  # inf: too far out; callers check
            if (np.abs(self.center) > HUGE).any():
                # X - center can overflow (1.7e308 - -1.7e308) where X / scale - center / scale
                # does not: |center| > HUGE only when fitted on values that large
                return np.subtract(
                    np.divide(X, self.scale, out=out), self.center / self.scale, out=out
                )
            out = np.subtract(X, self.center, out=out)
            out /= self.scale
        return out
