"""Seeds and the stratified train/validation/test split of a data set's rows.

One seed gives independent streams for the split, the initialisation and the shuffling;
scikit-learn's ``train_test_split`` makes the stratified parts (it gets integer seeds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError

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
        raise BadInputError(
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
        raise BadInputError(
            f"data.test_size + data.val_size = {test_size} + {val_size} leaves "
            f"{n - n_test - n_val} training rows; allowed: at least {n_classes}"
        )
    rows = np.arange(n)
    rest, test = train_test_split(rows, test_size=n_test, stratify=y, random_state=seed)
    val = np.array([], dtype=np.intp)
    if n_val:
        rest, val = train_test_split(rest, test_size=n_val, stratify=y[rest], random_state=seed)
    return Split(np.sort(rest), np.sort(val), np.sort(test))
