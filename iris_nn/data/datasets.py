"""The registry of data sets: one entry each, with its loader, feature names, units and classes.

Nothing outside this module names a feature or a class of a particular data set: config checks,
model files, predict, figures and the report read them from the entry. scikit-learn serves the
bundled tables (no network is needed); it is imported only when rows are loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array

Labels = NDArray[np.intp]


@dataclass(frozen=True)
class DatasetInfo:
    """One data set: how to load it and what its columns and classes are called."""

    name: str
    load: Callable[[], tuple[Array, Labels]]  # all rows: X (n_samples, n_features), y (n_samples,)
    features: tuple[str, ...]  # snake_case, in the table's column order
    units: tuple[str, ...]  # one per feature; "" when it has none
    classes: tuple[str, ...]  # in class-index order
    target: str  # the name of the class column, e.g. "species"
    noun: str = "row"  # what one row is, for text: "flower"
    plane: tuple[str, ...] = ()  # the two features the decision-regions figure prefers

    def unit(self, feature: str) -> str:
        """Return the unit of ``feature`` ("" when it has none)."""
        return self.units[self.features.index(feature)] if feature in self.features else ""

    def label(self, feature: str) -> str:
        """Return ``feature`` for an axis or a table: ``petal width (cm)``."""
        unit = self.unit(feature)
        words = feature.replace("_", " ")
        return f"{words} ({unit})" if unit else words

    def rows(self, features: Sequence[str] = ()) -> tuple[Array, Labels]:
        """Return the inputs in ``features`` order (all when empty) and the class indices."""
        X, y = self.load()
        if features:
            X = X[:, [self.features.index(f) for f in features]]
        return np.ascontiguousarray(X, dtype=np.float64), np.asarray(y, dtype=np.intp)


def _load_iris() -> tuple[Array, Labels]:
    from sklearn.datasets import load_iris

    bunch = load_iris()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.intp)


DATASETS: dict[str, DatasetInfo] = {
    "iris": DatasetInfo(
        name="iris",
        load=_load_iris,
        features=("sepal_length", "sepal_width", "petal_length", "petal_width"),
        units=("cm", "cm", "cm", "cm"),
        classes=("setosa", "versicolor", "virginica"),
        target="species",
        noun="flower",
        plane=("petal_length", "petal_width"),
    ),
}
DEFAULT_DATASET = "iris"


def get_dataset(name: str) -> DatasetInfo:
    """Return the registered data set ``name``; raise BadInputError listing the valid ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise BadInputError(f"unknown data set {name!r}; allowed: {', '.join(DATASETS)}") from None
