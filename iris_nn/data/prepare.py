"""The data of one run: a data set's rows (a bundled table or a CSV file), split and scaled."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from iris_nn.core.errors import IrisNNNote
from iris_nn.core.functional import Array
from iris_nn.data.categorical import Fill, Layout, apply_fill, counts_text, fit_fill
from iris_nn.data.datasets import DatasetInfo, Labels, get_dataset, image_shape, is_csv
from iris_nn.data.scaler import Scaler
from iris_nn.data.split import Split, split_rows


def open_dataset(
    dataset: str,
    features: Sequence[str] = (),
    target: str = "",
    missing: str = "error",
    exclude: Sequence[str] = (),
    categorical: str = "onehot",
) -> DatasetInfo:
    """Return the data set ``dataset``: a registered name, or a CSV file read with the options."""
    if is_csv(dataset):
        from iris_nn.data.csv_dataset import read_csv_dataset

        return read_csv_dataset(dataset, features, target, missing, exclude, categorical)
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
    fill: Fill = field(default_factory=dict)  # column -> the value its missing cells took
    imputed: dict[str, int] = field(default_factory=dict)  # column -> cells filled
    image_shape: tuple[int, ...] = ()  # (H, W) when the inputs are an image's pixels (SPEC 16)

    @property
    def layout(self) -> Layout:
        """Return the original columns of ``features`` and their encoded inputs."""
        return self.info.layout.subset(self.features)

    @property
    def numeric(self) -> list[bool]:
        """Return, per input, whether it is a number (not a ``column=value`` 0/1 input)."""
        return [not c for c in self.layout.categorical_mask().tolist()]

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
    shape: Sequence[int] = (),
) -> Dataset:
    """Return the data set ``info`` with ``features`` (all when empty), split from ``seed``.

    ``shape`` is ``data.image_shape``, checked against the number of inputs (``image_shape``).
    """
    names = info.inputs(features) or info.features
    pixels = image_shape(info, names, shape)  # checked before the rows are read
    X, y = info.rows(names)
    split = split_rows(y, test_size, val_size, seed, info.classes)
    layout = info.layout.subset(names)  # the chosen columns, whichever of the table's they are
    fill: Fill = {}
    imputed: dict[str, int] = {}
    if info.impute:
        X = X.copy()  # the data set's own rows stay as read: each split fills its own
        fill = fit_fill(X[split.train], layout)
        kept = y >= 0  # rows dropped for a missing class stay NaN, in no part of the split
        rows = X[kept]
        imputed = apply_fill(rows, layout, fill)
        X[kept] = rows
        if imputed:
            warnings.warn(
                'filled missing cells from the training rows (data.missing = "impute"): '
                + counts_text(imputed, fill),
                IrisNNNote,
                stacklevel=2,
            )
    scaler = Scaler.fit(X[split.train], scaling, layout.categorical_mask())  # 0/1 stay 0/1
    return Dataset(info, X, y, names, split, scaler, fill, imputed, pixels)
