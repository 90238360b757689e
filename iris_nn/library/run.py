"""``iris_nn.train`` and ``iris_nn.load``: a run from Python, its files as Python values.

``Run`` holds what ``iris-nn train`` writes: the model (``Model``, which predicts, explains and
works a backpropagation step from raw feature values), the resolved config, metrics, the history
as a dict of numpy arrays, the split and the run directory; ``figure(name)`` draws any registered
figure, not saved. A run trained with ``save=False`` lives in memory until ``Run.save(out)``.
"""

from __future__ import annotations

import base64
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import numpy as np

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array
from iris_nn.core.train import Control, History
from iris_nn.store import rundir
from iris_nn.store.model_file import Model as StoredModel
from iris_nn.store.model_file import load_model

if TYPE_CHECKING:  # imported when training: ``import iris_nn`` stays light
    from iris_nn.experiments.experiment import RunResult
    from iris_nn.settings.config import Config
    from iris_nn.views.figures import RunView


class Model:
    """A trained network that predicts from raw feature values (it scales them itself).

    ``train`` is its run's ``(train.lr, train.l2)``, None for a bare ``model.npz``.
    """

    def __init__(self, stored: StoredModel, train: tuple[float, float] | None = None):
        self.stored, self.train = stored, train
        self.features, self.classes = stored.features, stored.classes
        self.columns = list(stored.layout.columns)  # the original input columns (SPEC 14)

    def _rows(self, X: Any) -> Array:
        """Return ``X`` (a 2-D array, or a list of dicts by column name) as (n, n_features).

        A model of a table with text columns or filled cells (SPEC 14) takes rows of its
        original columns (``self.columns``: text as a category's text, None or NaN missing,
        filled as in training), or an array of its encoded inputs (``self.features``).
        """
        if self.stored.has_columns and not _numbers(X, len(self.features)):
            return self._column_rows(X)
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

    def _column_rows(self, X: Any) -> Array:
        """Return rows of the original columns (sequences, or dicts by column) encoded, filled."""
        from iris_nn.inference.predict import encode_cells, fill_missing

        columns = self.columns
        if isinstance(X, np.ndarray):
            X = X.tolist()
        if not isinstance(X, Sequence) or isinstance(X, str):
            raise BadInputError(f"X: allowed: rows of {', '.join(columns)}")
        rows = []
        for row in X:
            if isinstance(row, Mapping):
                missing = [c for c in columns if c not in row]
                if missing:
                    raise BadInputError(f"X: {missing} missing; allowed: dicts of {columns}")
                row = [row[c] for c in columns]
            if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != len(columns):
                raise BadInputError(
                    f"X: a row of {np.shape(row)} values; allowed: {len(columns)} values of "
                    + ", ".join(columns)
                )
            rows.append(encode_cells(row, self.stored))
        out = np.array(rows, dtype=np.float64).reshape(len(rows), len(self.features))
        fill_missing(out, self.stored, "X")
        return out

    def _row(self, x: Any) -> Array:
        """Return one row ``x`` (values in feature order, or a dict by column name) as (1, n)."""
        if isinstance(x, Mapping) or np.ndim(x) == 1:
            return self._rows([x])
        raise BadInputError(
            f"x of shape {np.shape(x)}: allowed: one row of {len(self.features)} values ("
            + ", ".join(self.features)
            + ") or a dict of them"
        )

    def predict_proba(self, X: Any) -> Array:
        """Return the SoftMax probabilities, shape (n_samples, n_classes)."""
        return self.stored.net.predict_proba(self.stored.scale_inputs(self._rows(X)))

    def predict(self, X: Any) -> np.ndarray:
        """Return the ArgMax class name of every row, shape (n_samples,)."""
        return np.asarray(self.classes)[self.predict_proba(X).argmax(axis=1)]

    def explain(self, x: Any) -> dict[str, Any]:
        """Return the forward pass of one row as ``predict --explain --format json`` gives it."""
        from iris_nn.inference.predict import Inputs, predict, row_objects
        from iris_nn.store.jsontext import json_safe

        objects: list[dict[str, Any]] = json_safe(
            row_objects(predict(self.stored, Inputs(self._row(x))), explain=True)
        )
        return objects[0]

    def backprop(self, x: Any, label: str | int, lr: float | None = None) -> dict[str, Any]:
        """Return one gradient-descent step on row ``x`` of class ``label`` as ``iris-nn backprop
        --format json`` gives it; ``lr`` defaults to the run's ``train.lr``, L2 is ``train.l2``."""
        from iris_nn.inference.backprop import backprop
        from iris_nn.settings.config import check_value

        if lr is None and self.train is None:
            raise BadInputError(
                "this model was loaded without its run's config: give lr (and L2 is 0)"
            )
        run_lr, l2 = self.train or (0.0, 0.0)
        lr = check_value("train.lr", run_lr if lr is None else lr)
        return backprop(self.stored, self._row(x), [label], lr, l2)


def _numbers(X: Any, n_features: int) -> bool:
    """Return whether ``X`` is an array of numbers, ``n_features`` wide (encoded inputs)."""
    return (
        isinstance(X, np.ndarray)
        and X.dtype.kind in "fiu"
        and X.ndim == 2
        and X.shape[1] == n_features
    )


def _tracked(history: History) -> tuple[Any, Any, Array]:
    """Return the tracked rows' records as ``probabilities.csv`` reads back: epochs, rows, P."""
    records = history.probabilities
    if not records:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp), np.zeros((0, 0))
    epochs, rows, P = zip(*records, strict=True)
    return np.array(epochs, dtype=np.int64), np.array(rows, dtype=np.intp), np.vstack(P)


@dataclass
class Run:
    """A run: its model and its files as Python values (``path`` None while in memory only)."""

    path: Path | None
    model: Model
    config: dict[str, Any]
    metrics: dict[str, Any]
    history: dict[str, Array] | None
    split: Any
    # Until saved: the resolved config, what training produced and the run's name, if given.
    _unsaved: tuple[Config, RunResult, str | None] | None = field(default=None, repr=False)

    def figures(self) -> list[str]:
        """Return the names of the figures ``figure`` draws."""
        from iris_nn.views.figures import FIGURES

        pictures = self.model.stored.image_shape is not None
        return [
            spec.name.removesuffix(".png")
            for spec in FIGURES
            if spec.data == "any" or (spec.data == "images") == pictures
        ]

    def figure(self, name: str) -> Any:
        """Return the registered figure ``name`` (``"loss"``, ``"network"``, ...), drawn."""
        from iris_nn.views.figures import FIGURES, load_view

        drawn = set(self.figures())
        specs = {n: s for s in FIGURES if (n := s.name.removesuffix(".png")) in drawn}
        if name not in specs:
            raise BadInputError(f"figure {name!r} is not allowed; allowed: {', '.join(specs)}")
        if self.path is None:
            raise BadInputError("the run is in memory only: save it first (Run.save(out))")
        return specs[name].draw(load_view(self.path))

    def save(self, out: str | Path = "outputs", name: str | None = None) -> Path:
        """Write the run kept in memory (``train(save=False)``) under ``out`` as ``iris-nn train``
        does, figures and report included; return its directory. ``name`` as ``--name``."""
        from iris_nn.experiments.experiment import default_run_name, save_run
        from iris_nn.store.outdir import RunDir

        if self._unsaved is None:
            raise BadInputError(f"the run is saved already, in {self.path}")
        config, result, given = self._unsaved
        with RunDir(out, name or given or default_run_name(config)) as directory:
            self.path = save_run(directory, config, result, _draw)
        self._unsaved = None
        return self.path

    def evaluate(self, path: str | Path) -> dict[str, Any]:
        """Return the metrics of the model on the labelled CSV ``path``, as ``iris-nn evaluate -i
        PATH --format json`` gives them."""
        from iris_nn.inference.evaluate import evaluate
        from iris_nn.inference.predict import read_csv_file
        from iris_nn.store.jsontext import json_safe

        stored = self.model.stored
        inputs = read_csv_file(str(path), stored)
        if inputs.truth is None:
            raise BadInputError(
                f"{str(path)!r} has no {stored.target} column; evaluate needs the true class of "
                f"each row ({', '.join(stored.classes[:5])}{', ...' if len(stored.classes) > 5 else ''})"
            )
        metrics: dict[str, Any] = json_safe(evaluate(stored, inputs))
        return metrics

    def _view(self) -> RunView:
        """Return the run as the figures read it: from its directory, or from memory."""
        from iris_nn.views.figures import RunView, load_view

        if self._unsaved is None:
            assert self.path is not None
            return load_view(self.path)
        config, result, given = self._unsaved
        data = result.data
        files = rundir.RunFiles(
            Path(given or config.name),
            self.model.stored,
            result.history.columns,
            self.metrics,
            data.split,
            _tracked(result.history),
            "",
        )
        return RunView(files, data.info, data.X, data.y, given or config.name)

    def _repr_html_(self) -> str:
        """Return the run's summary table and its loss figure (an embedded PNG), for Jupyter."""
        from iris_nn.views.figures import FIGURES
        from iris_nn.views.report import summary_table
        from iris_nn.views.style import png_bytes

        view = self._view()
        loss = next(spec for spec in FIGURES if spec.name == "loss.png")
        png = base64.b64encode(png_bytes(loss.draw(view))).decode("ascii")
        where = "in memory, not saved" if self.path is None else str(self.path)
        return (
            f"<div><p><b>{_escape(view.name)}</b> ({_escape(where)})</p>"
            f"{summary_table(view.run, view.info)}"
            f'<img alt="{_escape(loss.title)}" src="data:image/png;base64,{png}"></div>'
        )


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _draw(directory: Path, name: str, data: Any) -> None:
    """Draw the figures and ``report.html`` of a run being saved, from its rows in memory."""
    from iris_nn.views.figures import load_view
    from iris_nn.views.report import render_run

    render_run(directory, name, view=load_view(directory, name, (data.info, data.X, data.y)))


def _lr_l2(config: Mapping[str, Any]) -> tuple[float, float]:
    return float(config["train.lr"]), float(config["train.l2"])


def load(path: str | Path) -> Run:
    """Return the run in the directory ``path`` (a ``model.npz``: a Run without history)."""
    path = Path(path)
    stored = load_model(path)
    if path.is_file():  # beside its run's config.toml, as the CLI, it steps with train.lr and l2
        beside = path.parent / rundir.CONFIG_FILE
        train = _lr_l2(rundir.read_config(path.parent)) if beside.is_file() else None
        return Run(None, Model(stored, train), {}, {}, None, None)
    config = rundir.read_config(path)
    return Run(
        path,
        Model(stored, _lr_l2(config)),
        config,
        rundir.read_metrics(path),
        rundir.read_history(path),
        rundir.read_split(path, 2**62),
    )


@contextmanager
def _ctrl_c_stops(control: Control) -> Iterator[None]:
    """Inside the block, Ctrl-C (SIGINT) asks training to stop after the current epoch, as in
    ``iris-nn train``; the old handler is back after. Off the main thread it changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        control.stop, control.signal = True, signum

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def train(
    config: str | Path | Mapping[str, Any] | None = None,
    *,
    out: str | Path = "outputs",
    name: str | None = None,
    save: bool = True,
    progress: bool = False,
    **settings: Any,
) -> Run:
    """Train as ``iris-nn train`` does and return the run.

    ``settings`` by Python name (``lr=0.1, hidden=[16], dataset="wine"``), ``config`` a TOML file
    or a dict of dotted keys. ``save`` writes the run directory under ``out`` (figures and report
    included); without it the run stays in memory until ``Run.save``. ``progress`` shows the
    epochs on stderr. Ctrl-C stops training after the current epoch: the run is saved (when
    ``save``) with status ``interrupted``, then ``KeyboardInterrupt`` is raised, its ``run``
    attribute holding the Run.
    """
    from iris_nn.experiments.experiment import (
        default_run_name,
        measured_run,
        run_model,
        save_run,
    )
    from iris_nn.settings import config as cfg
    from iris_nn.settings.schema import BY_PYTHON_NAME
    from iris_nn.store.outdir import RunDir, check_name
    from iris_nn.views.progress import EpochProgress

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
    if name is not None:
        check_name(name)
    control = Control()
    bar = EpochProgress(resolved.train.epochs) if progress else None
    with _ctrl_c_stops(control):  # also while saving: the run is saved whole, as by the CLI
        try:
            if save:  # the directory first, as the CLI: an unwritable out fails before training
                with RunDir(out, name or default_run_name(resolved)) as directory:
                    result = measured_run(resolved, control, bar)
                    save_run(directory, resolved, result, _draw)
            else:
                result = measured_run(resolved, control, bar)
        finally:
            if bar is not None:
                bar.close()
    if result.path is not None:
        run = load(result.path)
    else:
        recorded = cfg.to_flat(_recorded(resolved, result))
        columns = {k: np.asarray(v) for k, v in result.history.columns.items()}
        model = Model(run_model(resolved, result, result.created), _lr_l2(recorded))
        unsaved = (resolved, result, name)
        run = Run(None, model, recorded, result.metrics, columns, result.data.split, unsaved)
    if control.signal is not None or result.metrics["status"] == "interrupted":
        where = f"saved in {run.path}" if run.path else "in memory only (Run.save writes it)"
        interrupt = KeyboardInterrupt(f"training interrupted: the run is {where}")
        interrupt.run = run  # type: ignore[attr-defined]
        raise interrupt
    return run


def _recorded(config: Config, result: RunResult) -> Config:
    from iris_nn.experiments.experiment import recorded

    return recorded(config, result.data)
