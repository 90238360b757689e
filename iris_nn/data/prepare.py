"""The data of one run: a data set's rows (a bundled table or a CSV file), split and scaled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from iris_nn.core.functional import Array
from iris_nn.data.datasets import DatasetInfo, Labels, get_dataset, is_csv
from iris_nn.data.scaler import Scaler
from iris_nn.data.split import Split, split_rows


def open_dataset(
    dataset: str,
    features: Sequence[str] = (),
    target: str = "",
    missing: str = "error",
    exclude: Sequence[str] = (),
) -> DatasetInfo:
    """Return the data set ``dataset``: a registered name, or a CSV file read with the options."""
    if is_csv(dataset):
        from iris_nn.data.csv_dataset import read_csv_dataset

        return read_csv_dataset(dataset, features, target, missing, exclude)
    return get_dataset(dataset)


@dataclass(frozen=True)
class Dataset:
    """All rows of a data set (unscaled), the run's split and the scaler fitted on its training rows.

    Row ``i`` is data row ``i`` of the source; rows a CSV dropped for a missing cell are NaN with
    class -1 and belong to no part of the split.
    """

    info: DatasetInfo
    X: Array  # (n_samples, n_features), in the data set's units
    y: Labels  # (n_samples,)
    features: tuple[str, ...]
    split: Split
    scaler: Scaler

    @property
    def classes(self) -> tuple[str, ...]:
        """Return the class names, in class-index order."""
        return self.info.classes

    def scaled(self, part: str) -> tuple[Array, Labels]:
        """Return the scaled inputs and the labels of ``part`` (train, val or test)."""
        rows = getattr(self.split, part)
        X = np.asarray(self.X[rows], dtype=np.float64)  # a new array already: scaled in place
        return self.scaler(X, out=X), self.y[rows]


def prepare(
    info: DatasetInfo,
    features: Sequence[str],
    test_size: float,
    val_size: float,
    scaling: str,
    seed: int,
) -> Dataset:
    """Return the data set ``info`` with ``features`` (all when empty), split from ``seed``."""
    names = tuple(info.feature(f) for f in features) or info.features
    X, y = info.rows(names)
    split = split_rows(y, test_size, val_size, seed, info.classes)
    return Dataset(info, X, y, names, split, Scaler.fit(X[split.train], scaling))
