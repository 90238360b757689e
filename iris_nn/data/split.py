"""Seeds and the stratified train/validation/test split of a data set's rows.

One seed gives independent streams for the split, the initialisation and the shuffling;
scikit-learn's ``train_test_split`` draws every stratified part, the estimator's validation rows
too (it gets integer seeds).
"""

from __future__ import annotations

from collections.abc import Sequence
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


def _part_size(fraction: float, n: int, key: str, n_classes: int) -> int:
    size = round(fraction * n)
    if size < n_classes:
        raise BadInputError(
            f"{key} = {fraction} gives {size} of {n} rows; a stratified split needs at least "
            f"{n_classes} (one per class): allowed: {key} >= {n_classes / n:.3f}"
        )
    return size


def check_class_sizes(y: Labels, classes: Sequence[str], validation: bool) -> None:
    """Raise BadInputError naming a class with too few rows to split: 2, or 3 with validation."""
    need = 3 if validation else 2
    counts = np.bincount(y[y >= 0], minlength=len(classes))
    for k, count in enumerate(counts.tolist()):
        if count < need:
            parts = "training, validation and test" if validation else "training and test"
            name = classes[k] if k < len(classes) else str(k)
            raise BadInputError(
                f"class {name!r} has {count} row{'s' * (count != 1)}; every class needs at least "
                f"{need} (one each for the {parts} parts)"
            )


def draw_stratified(
    rows: NDArray[np.intp], y: Labels, size: int, seed: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Return ``rows`` less ``size`` of them drawn with the class shares of ``y`` (the classes of
    ``rows``), and those ``size`` rows; both in scikit-learn's shuffled order."""
    from sklearn.model_selection import train_test_split

    rest, drawn = train_test_split(rows, test_size=size, stratify=y, random_state=seed)
    return rest, drawn


def split_rows(
    y: Labels, test_size: float, val_size: float, seed: int, classes: Sequence[str] = ()
) -> Split:
    """Return a stratified split of the rows of ``y`` into train, validation and test parts.

    Rows of class -1 (dropped for a missing cell) belong to no part.
    """
    check_class_sizes(y, classes or [str(k) for k in range(int(y.max()) + 1)], val_size > 0)
    kept = np.flatnonzero(y >= 0)
    n, n_classes = len(kept), len(np.unique(y[kept]))
    n_test = _part_size(test_size, n, "data.test_size", n_classes)
    n_val = _part_size(val_size, n, "data.val_size", n_classes) if val_size > 0 else 0
    if n - n_test - n_val < n_classes:
        raise BadInputError(
            f"data.test_size + data.val_size = {test_size} + {val_size} leaves "
            f"{n - n_test - n_val} training rows; allowed: at least {n_classes}"
        )
    rest, test = draw_stratified(kept, y[kept], n_test, seed)
    val = np.array([], dtype=np.intp)
    if n_val:
        rest, val = draw_stratified(rest, y[rest], n_val, seed)
    return Split(np.sort(rest), np.sort(val), np.sort(test))
