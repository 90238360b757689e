"""The data of one run: a registered data set's rows, split and scaled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from iris_nn.core.functional import Array
from iris_nn.data.datasets import DatasetInfo, Labels, get_dataset
from iris_nn.data.scaler import Scaler
from iris_nn.data.split import Split, split_rows


@dataclass(frozen=True)
class Dataset:
    """All rows of a data set (unscaled), the run's split and the scaler fitted on its training rows."""

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
        return self.scaler(self.X[rows]), self.y[rows]


def prepare(
    dataset: str,
    features: Sequence[str],
    test_size: float,
    val_size: float,
    scaling: str,
    seed: int,
) -> Dataset:
    """Return the data set ``dataset`` with ``features`` (all when empty), split from ``seed``."""
    info = get_dataset(dataset)
    names = tuple(features) or info.features
    X, y = info.rows(names)
    split = split_rows(y, test_size, val_size, seed)
    return Dataset(info, X, y, names, split, Scaler.fit(X[split.train], scaling))
