"""Seeds and the stratified train/validation/test split of a data set's rows.

One seed gives independent streams for the split, the initialisation and the shuffling;
the stratified parts are scikit-learn's ``train_test_split``'s (from integer seeds), drawn here in
numpy without importing it.
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


def split_rows(
    y: Labels, test_size: float, val_size: float, seed: int, classes: Sequence[str] = ()
) -> Split:
    """Return a stratified split of the rows of ``y`` into train, validation and test parts.

    Rows of class -1 (dropped for a missing cell) belong to no part.
    """
    check_class_sizes(y, classes or [str(k) for k in range(int(y.max()) + 1)], val_size > 0)
    kept = np.flatnonzero(y >= 0)
    n, n_classes = len(kept), int(np.count_nonzero(np.bincount(y[kept])))
    n_test = _part_size(test_size, n, "data.test_size", n_classes)
    n_val = _part_size(val_size, n, "data.val_size", n_classes) if val_size > 0 else 0
    if n - n_test - n_val < n_classes:
        raise BadInputError(
            f"data.test_size + data.val_size = {test_size} + {val_size} leaves "
            f"{n - n_test - n_val} training rows; allowed: at least {n_classes}"
        )
    rest, test = stratified_split(kept, y[kept], n_test, seed)
    val = np.array([], dtype=np.intp)
    if n_val:
        rest, val = stratified_split(rest, y[rest], n_val, seed)
    return Split(np.sort(rest), np.sort(val), np.sort(test))


def stratified_split(
    rows: NDArray[np.intp], y: Labels, n_test: int, seed: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Return ``rows`` split in two, ``n_test`` of them in the second part, stratified by ``y``.

    The same parts, in the same order, as scikit-learn's ``train_test_split(rows,
    test_size=n_test, stratify=y, random_state=seed)`` (so runs keep their splits), drawn with the
    same random numbers; in whole-array numpy steps, without importing scikit-learn (a second of
    ``train``'s start) or its per-row Python lists (a second more on a million rows).
    """
    rng = np.random.RandomState(seed)
    counts = np.bincount(y)
    classes = np.flatnonzero(counts)  # np.unique(y), as y holds class codes >= 0
    class_counts = counts[classes]
    rank = np.zeros(len(counts), dtype=np.intp)
    rank[classes] = np.arange(len(classes))
    by_class = np.split(np.argsort(rank[y], kind="stable"), np.cumsum(class_counts)[:-1])
    n_i = _approximate_mode(class_counts, len(y) - n_test, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    first, second = [], []
    for members, n, t, count in zip(by_class, n_i, t_i, class_counts, strict=True):
        shuffled = members.take(rng.permutation(count), mode="clip")
        first.append(shuffled[:n])
        second.append(shuffled[n : n + t])
    return (
        rows[rng.permutation(np.concatenate(first))],
        rows[rng.permutation(np.concatenate(second))],
    )


def _approximate_mode(
    class_counts: NDArray[np.intp], n_draws: int, rng: np.random.RandomState
) -> NDArray[np.intp]:
    """Return how many of ``n_draws`` rows each class gets: its share, floored, plus one for the
    largest remainders (ties broken by ``rng``), as scikit-learn's ``_approximate_mode``."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in sorted(set(remainder.tolist()), reverse=True):
            (ties,) = np.where(remainder == value)
            add_now = min(len(ties), need_to_add)
            floored[rng.choice(ties, size=add_now, replace=False)] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(int)
