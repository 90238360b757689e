"""The Iris data: loading, the stratified train/validation/test split, and input scaling.

scikit-learn serves the bundled data set (no network) and the stratified split; the scaler is a
pair of vectors, ``(X - center) / scale``, so a saved model needs no scikit-learn to use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from iris_nn.config import CLASSES, FEATURES, ConfigError, DataConfig
from iris_nn.functional import Array

Labels = NDArray[np.intp]


def seeds(
    seed: int,
) -> tuple[np.random.SeedSequence, np.random.SeedSequence, np.random.SeedSequence]:
    """Return independent streams for the split, the initialisation and the shuffling."""
    split, init, shuffle = np.random.SeedSequence(seed).spawn(3)
    return split, init, shuffle


def int_seed(stream: np.random.SeedSequence) -> int:
    """Return an integer seed for scikit-learn, derived from ``stream``."""
    return int(stream.generate_state(1)[0])


def load_iris_data(features: tuple[str, ...] = FEATURES) -> tuple[Array, Labels]:
    """Return the Iris inputs (150, n_features) in ``features`` order and the class indices."""
    from sklearn.datasets import load_iris

    bunch = load_iris()
    columns = [FEATURES.index(f) for f in features]
    return np.asarray(bunch.data[:, columns], dtype=np.float64), np.asarray(bunch.target, np.intp)


@dataclass(frozen=True)
class Split:
    """Row indices into the data set, one array per part (``val`` may be empty)."""

    train: NDArray[np.intp]
    val: NDArray[np.intp]
    test: NDArray[np.intp]

    def as_dict(self) -> dict[str, list[int]]:
        """Return the indices as plain lists, as ``split.json`` holds them."""
        return {k: [int(i) for i in getattr(self, k)] for k in ("train", "val", "test")}


def _part_size(fraction: float, n: int, key: str, n_classes: int) -> int:
    size = round(fraction * n)
    if size < n_classes:
        raise ConfigError(
            f"{key} = {fraction} gives {size} of {n} rows; a stratified split needs at least "
            f"{n_classes} (one per class): allowed: {key} >= {n_classes / n:.3f}"
        )
    return size


def split_rows(y: Labels, test_size: float, val_size: float, seed: int) -> Split:
    """Return a stratified split of the rows of ``y`` into train, validation and test parts."""
    from sklearn.model_selection import train_test_split

    n, n_classes = len(y), len(np.unique(y))
    n_test = _part_size(test_size, n, "data.test_size", n_classes)
    n_val = _part_size(val_size, n, "data.val_size", n_classes) if val_size > 0 else 0
    if n - n_test - n_val < n_classes:
        raise ConfigError(
            f"data.test_size + data.val_size = {test_size} + {val_size} leaves "
            f"{n - n_test - n_val} training rows; allowed: at least {n_classes}"
        )
    rows = np.arange(n)
    rest, test = train_test_split(rows, test_size=n_test, stratify=y, random_state=seed)
    val = np.array([], dtype=np.intp)
    if n_val:
        rest, val = train_test_split(rest, test_size=n_val, stratify=y[rest], random_state=seed)
    return Split(np.sort(rest), np.sort(val), np.sort(test))


def fit_scaler(X: Array, scaling: str) -> tuple[Array, Array]:
    """Return ``(center, scale)`` of the rows ``X`` (n_samples, n_features) for ``scaling``.

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
        raise ValueError(f"unknown scaling {scaling!r}; allowed: standard, minmax, none")
    scale = np.where(scale > 0, scale, 1.0)
    return center.astype(np.float64), scale.astype(np.float64)


@dataclass(frozen=True)
class Dataset:
    """The data of one run: all rows (unscaled), the split and the fitted scaler."""

    X: Array  # (150, n_features), in cm
    y: Labels  # (150,)
    features: tuple[str, ...]
    split: Split
    center: Array  # (n_features,)
    scale: Array  # (n_features,)
    classes: tuple[str, ...] = CLASSES

    def scaled(self, part: str) -> tuple[Array, Labels]:
        """Return the scaled inputs and the labels of ``part`` (train, val or test)."""
        rows = getattr(self.split, part)
        return (self.X[rows] - self.center) / self.scale, self.y[rows]


def prepare(config: DataConfig, seed: int) -> Dataset:
    """Return the data set, split from ``seed`` and scaled as ``config`` says."""
    X, y = load_iris_data(config.features)
    split = split_rows(y, config.test_size, config.val_size, seed)
    center, scale = fit_scaler(X[split.train], config.scaling)
    return Dataset(X, y, config.features, split, center, scale)
