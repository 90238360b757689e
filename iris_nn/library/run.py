"""``iris_nn.train`` and ``iris_nn.load``: a run from Python, its files as Python values.

``Run`` holds what ``iris-nn train`` writes: the model (``Model``, which predicts from raw feature
values), the resolved config, metrics, the history as a dict of numpy arrays, the split and the
run directory; ``figure(name)`` draws any registered figure, not saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array
from iris_nn.store import rundir
from iris_nn.store.model_file import Model as StoredModel
from iris_nn.store.model_file import load_model


class Model:
    """A trained network that predicts from raw feature values (it scales them itself)."""

    def __init__(self, stored: StoredModel):
        self.stored = stored
        self.features, self.classes = stored.features, stored.classes

    def _rows(self, X: Any) -> Array:
        """Return ``X`` (a 2-D array, or a list of dicts by column name) as (n, n_features)."""
        if isinstance(X, Sequence) and X and isinstance(X[0], Mapping):
            missing = [f for f in self.features if f not in X[0]]
            if missing:
                raise BadInputError(f"X: {missing} missing; allowed: dicts of {self.features}")
            X = [[row[f] for f in self.features] for row in X]
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.features):
            raise BadInputError(
                f"X of shape {X.shape}: allowed: (n, {len(self.features)}) rows of "
                + ", ".join(self.features)
            )
        return X

    def predict_proba(self, X: Any) -> Array:
        """Return the SoftMax probabilities, shape (n_samples, n_classes)."""
        return self.stored.net.predict_proba(self.stored.scale_inputs(self._rows(X)))

    def predict(self, X: Any) -> np.ndarray:
        """Return the ArgMax class name of every row, shape (n_samples,)."""
        return np.asarray(self.classes)[self.predict_proba(X).argmax(axis=1)]


@dataclass
class Run:
    """A run: its model and its files as Python values."""

    path: Path | None
    model: Model
    config: dict[str, Any]
    metrics: dict[str, Any]
    history: dict[str, Array] | None
    split: Any

    def figures(self) -> list[str]:
        """Return the names of the figures ``figure`` draws."""
        from iris_nn.views.figures import FIGURES

        return [spec.name.removesuffix(".png") for spec in FIGURES]

    def figure(self, name: str) -> Any:
        """Return the registered figure ``name`` (``"loss"``, ``"network"``, ...), drawn."""
        from iris_nn.views.figures import FIGURES, load_view

        specs = {spec.name.removesuffix(".png"): spec for spec in FIGURES}
        if name not in specs:
            raise BadInputError(f"figure {name!r} is not allowed; allowed: {', '.join(specs)}")
        if self.path is None:
            raise BadInputError("the run is in memory only: save it first (Run.save(out))")
        return specs[name].draw(load_view(self.path))

    def _repr_html_(self) -> str:
        test = self.metrics.get("test") or {}
        return (
            f"<p>run {self.path}: test accuracy {test.get('accuracy', float('nan')):.3f}, "
            f"test log loss {test.get('log_loss', float('nan')):.4f}</p>"
        )


def load(path: str | Path) -> Run:
    """Return the run in the directory ``path`` (a ``model.npz``: a Run without history)."""
    path = Path(path)
    stored = load_model(path)
    if path.is_file():
        return Run(None, Model(stored), {}, {}, None, None)
    return Run(
        path,
        Model(stored),
        rundir.read_config(path),
        rundir.read_metrics(path),
        rundir.read_history(path),
        rundir.read_split(path, 2**62),
    )


def train(
    config: str | Path | Mapping[str, Any] | None = None,
    *,
    out: str | Path = "outputs",
    name: str | None = None,
    progress: bool = False,
    **settings: Any,
) -> Run:
    """Train as ``iris-nn train --no-plots`` does and return the run; ``settings`` by Python name
    (``lr=0.1, hidden=[16], dataset="wine"``), ``config`` a TOML file or a dict of dotted keys."""
    from iris_nn.experiments.experiment import train_run
    from iris_nn.settings import config as cfg
    from iris_nn.settings.schema import BY_PYTHON_NAME

    overrides: dict[str, Any] = {}
    if isinstance(config, Mapping):
        overrides.update(config)
        config = None
    for key, value in settings.items():
        if key not in BY_PYTHON_NAME:
            raise BadInputError(
                f"unknown setting {key!r}; allowed: {', '.join(sorted(BY_PYTHON_NAME))}"
            )
        overrides[BY_PYTHON_NAME[key].key] = value
    for key, value in list(overrides.items()):
        if cfg.setting(key).kind.startswith("list") and isinstance(value, list):
            overrides[key] = tuple(value)
    resolved = cfg.load(config, (), overrides)
    result = train_run(resolved, out, name)
    return load(result.path)
