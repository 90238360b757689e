"""What the page's views draw, computed with the engine: the controls, the plane, a row's forward pass.

The page paints these numbers and computes none: the decision regions' probabilities over a grid
of the plane (the other inputs at their training median), each row's place, part and own
prediction (as ``decision_regions.png`` marks them), and the selected row's forward pass as
``predict --explain --format json`` prints it (``inference.predict``'s own objects).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iris_nn.core.network import Network
from iris_nn.data.categorical import hold_most_frequent
from iris_nn.data.datasets import DATASETS
from iris_nn.data.prepare import Dataset
from iris_nn.inference.backprop import Step, step
from iris_nn.inference.predict import Inputs, predict, row_objects
from iris_nn.settings.config import Config
from iris_nn.settings.schema import SCHEMA, Interval, Options
from iris_nn.store.model_file import Model

GRID = 60  # points per side of the regions' grid: the page smooths the rest
MAX_ROWS_SHOWN = 2000  # rows drawn on the plane; an even sample beyond this
PARTS = ("train", "val", "test")


def controls(start: Config) -> list[dict[str, Any]]:
    """Return the schema's settings as the page builds its controls (hidden ones left out)."""
    shown = []
    for s in SCHEMA:
        control = s.control
        if control.kind == "hidden":
            continue
        entry: dict[str, Any] = {
            "key": s.key,
            "kind": control.kind,
            "type": s.kind,
            "help": s.help,
            "allowed": s.constraint.allowed,
        }
        if control.kind == "slider":
            entry.update(low=control.low, high=control.high, scale=control.scale)
            if isinstance(s.constraint, Interval):
                entry["integer"] = s.constraint.integer
        if isinstance(s.constraint, Options):
            entry["options"] = list(s.constraint.names)
        shown.append(entry)
    dataset = next(e for e in shown if e["key"] == "data.dataset")
    if start.data.dataset not in DATASETS:  # the CSV given at start is a choice too
        dataset["options"] = [*DATASETS, start.data.dataset]
    else:
        dataset["options"] = list(DATASETS)
    dataset["kind"] = "choice"
    return shown


def model_of(data: Dataset, net: Network) -> Model:
    """Return ``net`` with the data's scaler and names, as ``predict`` reads a model."""
    meta = {
        "features": list(data.features),
        "classes": list(data.classes),
        "dataset": data.info.name,
        "target": data.info.target,
    }
    return Model(net, data.scaler, meta)


def plane_columns(config: Config, data: Dataset) -> tuple[int, int]:
    """Return the plane's two columns: ``plots.plane``, else the data set's pair, else the first two.

    Numeric inputs only: one gives a plane of that input against itself (a line, drawn as a band).
    """
    features = list(data.features)
    numeric = [f for f, n in zip(features, data.numeric, strict=True) if n]
    for pair in (config.plots.plane, data.info.plane):
        if len(pair) == 2 and all(f in numeric for f in pair):
            return features.index(pair[0]), features.index(pair[1])
    # a column=value input is never swept as a number (SPEC 14): the first two numeric inputs
    first = [features.index(f) for f in numeric[:2]] or [0]
    return first[0], first[-1]


class Plane:
    """The plane's fixed parts for one data set: its columns, ranges, grid and shown rows."""

    def __init__(self, config: Config, data: Dataset):
        i, j = plane_columns(config, data)
        kept = np.flatnonzero(data.y >= 0)
        X = np.asarray(data.X, dtype=np.float64)
        train = np.asarray(data.split.train)
        median = np.median(X[train], axis=0)  # (n_features,)
        hold_most_frequent(median, X[train], data.layout)  # a text column: its commonest value
        ranges = []
        for c in (i, j):
            lo, hi = float(X[kept, c].min()), float(X[kept, c].max())
            pad = 0.05 * (hi - lo) if hi > lo else 0.5
            ranges.append((lo - pad, hi + pad))
        gx = np.linspace(*ranges[0], GRID)
        gy = np.linspace(*ranges[1], GRID)
        GX, GY = np.meshgrid(gx, gy)  # row 0 of the grid is the lowest y
        grid = np.tile(median, (GX.size, 1))  # (GRID**2, n_features)
        grid[:, i], grid[:, j] = GX.ravel(), GY.ravel()
        grid_scaled = data.scaler(grid)  # (GRID**2, n_features)
        part_of = np.full(len(data.y), -1)
        for k, part in enumerate(PARTS):
            part_of[np.asarray(getattr(data.split, part), dtype=np.intp)] = k
        rows = np.flatnonzero(part_of >= 0)
        if len(rows) > MAX_ROWS_SHOWN:
            rows = rows[np.linspace(0, len(rows) - 1, MAX_ROWS_SHOWN).astype(np.intp)]
        self.rows = rows
        shown = data.scaler(X[rows].copy())  # (n_shown, n_features)
        self.points = np.vstack([grid_scaled, shown])  # one engine pass for the grid and the rows
        self.fixed = {
            "features": [data.features[i], data.features[j]],
            "inputs": [f for f, n in zip(data.features, data.numeric, strict=True) if n],
            "x": list(ranges[0]),
            "y": list(ranges[1]),
            "grid": GRID,
            "median": dict(zip(data.features, median.tolist(), strict=True)),
            "rows": rows.tolist(),
            "xs": X[rows, i].tolist(),
            "ys": X[rows, j].tolist(),
            "truth": data.y[rows].tolist(),
            "part": [PARTS[k] for k in part_of[rows]],
        }

    def state(self, net: Network) -> dict[str, Any]:
        """Return the plane with ``net``'s probabilities over the grid and each row's prediction.

        The probabilities are in ten-thousandths (integers 0 .. 10000, ``probabilities_e4``): JSON
        writes 10,800 integers twenty times faster than as many floats, and the page needs no
        more to colour the regions.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            P = net.predict_proba(self.points)  # (GRID**2 + n_shown, n_classes)
        P = np.where(np.isfinite(P), P, 0.0)
        grid = GRID * GRID
        return {
            **self.fixed,
            "probabilities_e4": np.rint(P[:grid] * 10_000).astype(np.int64).tolist(),
            "predicted": P[grid:].argmax(axis=1).tolist(),
        }


def explain(data: Dataset, net: Network, row: int) -> dict[str, Any]:
    """Return row ``row``'s forward pass as ``predict --explain --format json`` prints it."""
    X = np.asarray(data.X[row : row + 1], dtype=np.float64)  # (1, n_features)
    truth = np.asarray([data.y[row]], dtype=np.intp)
    pred = predict(model_of(data, net), Inputs(X, truth))
    return row_objects(pred, explain=True)[0]


def one_step(data: Dataset, net: Network, row: int, lr: float, l2: float) -> Step:
    """Return row ``row``'s step of backprop as ``iris-nn backprop`` takes it (the run's lr, l2)."""
    X = np.asarray(data.X[row : row + 1], dtype=np.float64)  # (1, n_features)
    truth = np.asarray([data.y[row]], dtype=np.intp)
    return step(model_of(data, net), Inputs(X, truth), lr, l2)
