"""The run a figure draws: its saved files, its data set's rows, and what several figures share."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.functional import Array
from iris_nn.data.categorical import Layout
from iris_nn.data.datasets import DatasetInfo, Labels
from iris_nn.store.rundir import RunError, RunFiles, read_config
from iris_nn.views import influence


def first_of_each_class(y: Labels, rows: NDArray[np.integer], n_classes: int) -> list[int]:
    """Return the first of ``rows`` of each class that has one (one test row per class)."""
    rows = np.asarray(rows, dtype=np.intp)
    return [int(rows[y[rows] == k][0]) for k in range(n_classes) if np.any(y[rows] == k)]


@dataclass(frozen=True)
class RunView:
    """What a figure may draw from: a run's files, its data set's rows and the name for titles."""

    run: RunFiles
    info: DatasetInfo
    X: Array  # (n_samples, n_features): every row, the model's features, the data set's units
    y: Labels  # (n_samples,)
    name: str
    row: int | None = None  # the example row, when given instead of the config's plots.row
    style: str = "paper"  # plots.style: the run's own, or plot --style's

    @property
    def image_shape(self) -> tuple[int, int] | None:
        """Return ``(H, W)`` when the model's inputs are an image's pixels (SPEC 16), else None."""
        return self.run.model.image_shape

    @cached_property
    def training(self) -> influence.Spread:
        """Return the training rows' medians and percentiles: one exact pass for every figure."""
        return influence.spread(self.X, self.run.split.train, self.layout)

    @cached_property
    def example_rows(self) -> list[int]:
        """Return the rows the figures walk through: ``plots.row`` first when the config sets it,
        then the first test row of each class."""
        rows = first_of_each_class(self.y, self.run.split.test, len(self.run.model.classes))
        chosen = self.row if self.row is not None else self.settings.get("plots.row")
        if not isinstance(chosen, int):
            return rows
        if chosen >= len(self.y) or self.y[chosen] < 0:
            raise RunError(
                f"plots.row = {chosen}: not a row of the run's data set, or a row it dropped "
                f"for a missing cell; allowed: a kept row 0 .. {len(self.y) - 1}"
            )
        return [chosen, *(r for r in rows if r != chosen)]

    @cached_property
    def settings(self) -> dict[str, object]:
        """Return the run's config as ``{dotted key: value}`` (defaults for keys it lacks)."""
        return read_config(self.run.path)

    @cached_property
    def ranking(self) -> list[int]:
        """Return the feature columns from the most influential (``influence.ranked``)."""
        return influence.ranked(self.run.model, self.training, self.layout)

    @cached_property
    def layout(self) -> Layout:
        """Return the model's original columns and the encoded inputs made of them."""
        return self.run.model.layout

    @cached_property
    def numeric(self) -> list[bool]:
        """Return, per encoded input, whether it is a number (a plane or a sweep may use it)."""
        return influence.numeric_inputs(self.layout, len(self.run.model.features))

    def plane(self) -> tuple[int, int]:
        """Return the decision plane's two inputs: ``(k, k)`` when there is one input to sweep."""
        features = self.run.model.features
        if len(features) == 1:
            return 0, 0
        return influence.plane_features(features, self.ranking, self.info.plane, self.numeric)
