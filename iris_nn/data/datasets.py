"""The data sets: the registry of scikit-learn's bundled tables, and CSV files.

Nothing outside this package names a feature or a class of a particular data set: config checks,
model files, predict, figures and the report read them from a ``DatasetInfo``. Every feature name
is made from its column heading by the one name function, ``values.feature_name``. scikit-learn
serves the bundled tables (no network is needed); it is imported only when rows are loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array
from iris_nn.data.categorical import Layout
from iris_nn.data.values import feature_name, unit_of

Labels = NDArray[np.intp]


@dataclass(frozen=True)
class DatasetInfo:
    """One data set: how to load it and what its columns and classes are called."""

    name: str  # the registry name, or the CSV's file name
    load: Callable[[Sequence[str]], tuple[Array, Labels]]  # X (n_samples, n_features), y
    features: tuple[str, ...]  # snake_case, in the table's column order
    units: tuple[str, ...]  # one per feature; "" when it has none
    classes: tuple[str, ...]  # in class-index order
    target: str  # the name of the class column, e.g. "species"
    noun: str = "row"  # what one row is, for text: "flower"
    plane: tuple[str, ...] = ()  # the two features the decision-regions figure prefers
    sha256: str = ""  # a CSV file's SHA-256; "" for a bundled table
    # a CSV's original input columns, when it has text ones (SPEC 14); () when each is a feature
    columns: tuple[str, ...] = ()
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # column -> values
    impute: bool = False  # data.missing = "impute": missing cells are NaN until filled
    image_shape: tuple[int, ...] = ()  # (H, W) when each row is an image, its pixels row by row

    @property
    def layout(self) -> Layout:
        """Return the original input columns and their encoded inputs."""
        return Layout(self.columns or self.features, self.categories)

    def inputs(self, given: Sequence[str]) -> tuple[str, ...]:
        """Return the encoded inputs ``given`` names: features, or text columns (all their inputs)."""
        out: list[str] = []
        for g in given:
            name = feature_name(g)
            if g not in self.features and name in self.categories:
                out.extend(self.layout.inputs(name))
            else:
                out.append(self.feature(g))
        return tuple(out)

    def __getstate__(self) -> dict[str, object]:
        """Return the state to pickle, without the loader (a closure, which does not pickle).

        A copy sent to a worker process describes the data set; the rows travel beside it,
        already loaded.
        """
        return {**self.__dict__, "load": _not_sent}

    @property
    def nouns(self) -> str:
        """Return the plural of ``noun``: ``flowers``."""
        return self.noun + "s"

    def unit(self, feature: str) -> str:
        """Return the unit of ``feature`` ("" when it has none)."""
        return self.units[self.features.index(feature)] if feature in self.features else ""

    def label(self, feature: str) -> str:
        """Return ``feature`` for an axis or a table: ``petal width (cm)``."""
        unit = self.unit(feature)
        words = feature.replace("_", " ")
        return f"{words} ({unit})" if unit else words

    def feature(self, given: str, key: str = "data.features") -> str:
        """Return the feature that ``given`` names (a feature name or a column heading)."""
        name = feature_name(given)
        if given in self.features:
            return given
        if name in self.features:
            return name
        raise BadInputError(
            f"{key}: {given!r} is not a feature of data set {self.name!r}; allowed: "
            f"{', '.join(self.features)}"
        )

    def rows(self, features: Sequence[str] = ()) -> tuple[Array, Labels]:
        """Return the inputs in ``features`` order (all when empty) and the class indices.

        Rows dropped for a missing cell (a CSV with ``data.missing = "drop"``) stay in place as NaN
        with class -1, so that row ``i`` is always data row ``i`` of the file.
        """
        names = self.inputs(features) or self.features
        X, y = self.load(names)
        return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.intp)


def _not_sent(features: Sequence[str]) -> tuple[Array, Labels]:
    raise RuntimeError("a data set sent to another process carries no loader: send its rows")


def _bundled(loader: str) -> Callable[[Sequence[str]], tuple[Array, Labels]]:
    def load(features: Sequence[str]) -> tuple[Array, Labels]:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, loader)()
        names = [feature_name(c) for c in bunch.feature_names]
        X = np.asarray(bunch.data, dtype=np.float64)[:, [names.index(f) for f in features]]
        return np.ascontiguousarray(X), np.asarray(bunch.target, dtype=np.intp)

    return load


def bundled(
    name: str,
    loader: str,
    columns: Sequence[str],
    classes: Sequence[str],
    target: str,
    noun: str,
    plane: tuple[str, ...] = (),
    image_shape: tuple[int, ...] = (),
) -> DatasetInfo:
    """Return the entry of one of scikit-learn's tables; ``columns`` are its own headings."""
    return DatasetInfo(
        name=name,
        load=_bundled(loader),
        features=tuple(feature_name(c) for c in columns),
        units=tuple(unit_of(c) for c in columns),
        classes=tuple(classes),
        target=target,
        noun=noun,
        plane=plane,
        image_shape=image_shape,
    )


_MEASURES = (
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
)

# scikit-learn's headings, written out so that the registry needs no import of scikit-learn
DATASETS: dict[str, DatasetInfo] = {
    "iris": bundled(
        "iris",
        "load_iris",
        [f"{part} {size} (cm)" for part in ("sepal", "petal") for size in ("length", "width")],
        ("setosa", "versicolor", "virginica"),
        target="species",
        noun="flower",
        plane=("petal_length", "petal_width"),
    ),
    "wine": bundled(
        "wine",
        "load_wine",
        (
            "alcohol",
            "malic_acid",
            "ash",
            "alcalinity_of_ash",
            "magnesium",
            "total_phenols",
            "flavanoids",
            "nonflavanoid_phenols",
            "proanthocyanins",
            "color_intensity",
            "hue",
            "od280/od315_of_diluted_wines",
            "proline",
        ),
        ("class_0", "class_1", "class_2"),
        target="cultivar",
        noun="wine",
    ),
    "breast_cancer": bundled(
        "breast_cancer",
        "load_breast_cancer",
        [f"mean {m}" for m in _MEASURES]
        + [f"{m} error" for m in _MEASURES]
        + [f"worst {m}" for m in _MEASURES],
        ("malignant", "benign"),
        target="diagnosis",
        noun="tumour",
    ),
    "digits": bundled(
        "digits",
        "load_digits",
        [f"pixel_{row}_{column}" for row in range(8) for column in range(8)],
        tuple(str(d) for d in range(10)),
        target="digit",
        noun="image",
        image_shape=(8, 8),
    ),
}
DEFAULT_DATASET = "iris"


def image_shape(
    info: DatasetInfo, features: Sequence[str], declared: Sequence[int] = ()
) -> tuple[int, ...]:
    """Return ``(H, W)`` when the inputs ``features`` are an image's pixels row by row, else ``()``.

    ``declared`` is ``data.image_shape``: ``[]`` takes the data set's own (digits: 8 x 8), which
    holds only while every pixel is an input, in order (a feature subset turns it off). A declared
    shape must have as many pixels as there are inputs, else BadInputError saying both numbers.
    """
    if declared:
        height, width = (int(n) for n in declared)
        if height * width != len(features):
            raise BadInputError(
                f"data.image_shape = [{height}, {width}] is {height * width} pixels, but data set "
                f"{info.name!r} gives {len(features)} inputs; allowed: [H, W] with H x W = "
                f"{len(features)}, or [] for none"
            )
        return height, width
    if info.image_shape and tuple(features) == info.features:
        return info.image_shape
    return ()


def is_csv(dataset: str) -> bool:
    """Return whether ``data.dataset`` names a CSV file rather than a bundled table."""
    return dataset.lower().endswith(".csv")


def get_dataset(name: str) -> DatasetInfo:
    """Return the registered data set ``name``; raise BadInputError listing the valid ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise BadInputError(
            f"unknown data set {name!r}; allowed: {', '.join(DATASETS)}, or a .csv file"
        ) from None
