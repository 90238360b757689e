"""Runs side by side (``iris-nn compare``): the config keys whose values differ, and the metrics.

A comparison reads only what it shows, each file through ``rundir``: ``config.toml`` (a key an
older run lacks takes its default first, so only real differences remain), ``metrics.json`` and,
for the loss figure, ``history.csv``. The weights are loaded only to say what is wrong with a
run too damaged to be listed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iris_nn.core.errors import BadInputError, CannotUseError
from iris_nn.core.functional import Array
from iris_nn.store import outdir, rundir
from iris_nn.store.model_file import MODEL_FILE, load_model
from iris_nn.store.rundir import RunError

MIN_RUNS, MAX_RUNS = 2, 20


@dataclass(frozen=True)
class ComparedRun:
    """One run of a comparison: how it was named, and what was read of it."""

    label: str  # the RUN as given (a path or a name); the run's name when chosen by default
    path: Path
    config: dict[str, Any]  # every dotted key, defaults filled in
    metrics: dict[str, Any]  # test_accuracy, test_log_loss, ..., status; None where absent
    history: dict[str, Array] | None  # the columns of history.csv, when asked for

    @property
    def name(self) -> str:
        """Return the run's name: its directory's name."""
        return Path(os.path.abspath(self.path)).name


@dataclass(frozen=True)
class Comparison:
    """The runs in the order given and the config keys whose values differ among them."""

    runs: list[ComparedRun]
    differences: dict[str, list[Any]]  # dotted key -> one value per run, in config order

    def as_json(self) -> dict[str, Any]:
        """Return the record ``compare --format json`` prints: ``{"runs", "differences", "metrics"}`` keyed by RUN as given."""
        return {
            "runs": [r.label for r in self.runs],
            "differences": {
                key: [list(v) if isinstance(v, tuple) else v for v in values]
                for key, values in self.differences.items()
            },
            "metrics": {r.label: dict(r.metrics) for r in self.runs},
        }


def show_value(value: Any) -> str:
    """Return a config value as text: lists as written in TOML, ``-`` for an absent value."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        items = (
            '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            if isinstance(v, str)
            else show_value(v)
            for v in value
        )
        return "[" + ", ".join(items) + "]"
    return repr(value) if isinstance(value, float) else str(value)


def check_count(n_runs: int) -> None:
    """Raise BadInputError unless ``n_runs`` named runs can be compared (none means the default)."""
    if n_runs and not MIN_RUNS <= n_runs <= MAX_RUNS:
        raise BadInputError(
            f"compare got {n_runs} run{'s' if n_runs != 1 else ''}; allowed: {MIN_RUNS} to "
            f"{MAX_RUNS} runs, or none for the two newest completed runs in --out"
        )


def differences(configs: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Return ``{dotted key: [value per config]}`` for the keys whose values are not all equal."""
    keys = dict.fromkeys(key for config in configs for key in config)  # config order
    table = {key: [config.get(key) for config in configs] for key in keys}
    return {key: values for key, values in table.items() if any(v != values[0] for v in values)}


# ----------------------------------------------------------------------------- finding runs


def _is_hidden(path: Path) -> bool:
    return Path(os.path.abspath(path)).name.startswith(".")


def find_run(run: str, out: str | Path) -> Path:
    """Return the run directory that ``run`` names: a run directory, else a run name in ``out``.

    Raise RunError naming ``run`` and what is allowed when it is neither.
    """
    allowed = f"allowed: a run directory, or the name of a run in {out}/ (see `iris-nn runs`)"
    candidates = [Path(run), Path(out) / run]
    for path in candidates:
        if path.is_dir() and any((path / f).exists() for f in (MODEL_FILE, rundir.METRICS_FILE)):
            if _is_hidden(path):
                raise RunError(
                    f"{run!r} is a hidden directory (a run in progress, or left by a stopped "
                    f"train), never a run; {allowed}"
                )
            return path
    if any(path.exists() for path in candidates):
        raise RunError(
            f"{run!r} is not a run: a run is a directory holding {MODEL_FILE} and "
            f"{rundir.METRICS_FILE}; {allowed}"
        )
    raise RunError(
        f"no run {run!r}: no such directory, and no run of that name in {out}/; {allowed}"
    )


def _metric(path: Path, field: str, value: Any, kind: str) -> Any:
    """Return ``value`` if it is None or of ``kind`` (int, number, str); raise RunError if not."""
    if value is None:
        return None
    fits = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value),
        "str": isinstance(value, str),
    }[kind]
    if not fits:
        what = {"int": "an integer", "number": "a finite number", "str": "a string"}[kind]
        raise RunError(
            f"cannot use the run: {path / rundir.METRICS_FILE} field {field} = "
            f"{repr(value)[:40]} is not {what}"
        )
    return value


def metric_values(path: Path, record: Mapping[str, Any]) -> dict[str, Any]:
    """Return the compared metrics of a ``metrics.json`` record, None where absent.

    ``train_time_s`` falls back on ``wall_time_s``, which older runs wrote instead.
    """
    test = record["test"]
    time_field = "train_time_s" if record.get("train_time_s") is not None else "wall_time_s"
    return {
        "test_accuracy": _metric(path, "test.accuracy", test.get("accuracy"), "number"),
        "test_log_loss": _metric(path, "test.log_loss", test.get("log_loss"), "number"),
        "best_epoch": _metric(path, "best_epoch", record.get("best_epoch"), "int"),
        "epochs_run": _metric(path, "epochs_run", record.get("epochs_run"), "int"),
        "train_time_s": _metric(path, time_field, record.get(time_field), "number"),
        "status": _metric(path, "status", record.get("status"), "str"),
    }


def read_compared(path: Path, label: str, with_history: bool = False) -> ComparedRun:
    """Return what a comparison shows of the run in ``path``; raise RunError naming a bad file."""
    if not (path / MODEL_FILE).is_file():
        raise RunError(f"cannot use the run: {path / MODEL_FILE} is missing")
    return ComparedRun(
        label,
        path,
        rundir.read_config(path),
        metric_values(path, rundir.read_metrics(path)),
        rundir.read_history(path) if with_history else None,
    )


def unlisted_runs(out: str | Path, listed: Collection[Path]) -> list[tuple[str, str]]:
    """Return ``(name, what is wrong)`` of each run in ``out`` too damaged to be listed.

    These hold a model and metrics, but one of them cannot be read, so their age is unknown.
    """
    root = Path(out)
    damaged = []
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        files = (child / MODEL_FILE, child / rundir.METRICS_FILE)
        if child.name.startswith(".") or child in listed or not all(f.is_file() for f in files):
            continue
        try:
            rundir.read_metrics(child)
            load_model(child)
        except CannotUseError as e:
            damaged.append((child.name, str(e)))
    return damaged


def newest_runs(
    out: str | Path, with_history: bool = False, warn: Callable[[str], None] = lambda _: None
) -> list[ComparedRun]:
    """Return the two newest completed runs in ``out``, the older first, each labelled by name.

    A damaged run is skipped, and ``warn`` told why: each one met on the way, newest first, and
    every run too damaged to tell its age. RunError when fewer than two remain.
    """
    runs = outdir.list_runs(out)
    for name, why in unlisted_runs(out, {info.path for info in runs}):
        warn(f"skipping {name}: {why}")
    picked: list[ComparedRun] = []
    for info in runs:
        if info.metrics.get("status") != "completed":
            continue
        try:
            picked.append(read_compared(info.path, info.path.name, with_history))
        except RunError as e:
            warn(f"skipping {info.path.name}: {e}")
            continue
        if len(picked) == MIN_RUNS:
            return picked[::-1]  # in the order they were made: what changed reads left to right
    if picked:
        raise RunError(
            f"only one completed run in {out}/ ({picked[0].name}), and compare needs two: train "
            "another, or name the runs to compare"
        )
    raise RunError(f"no completed runs in {out}/ to compare: run `iris-nn train` twice first")


def compare(
    runs: Sequence[str],
    out: str | Path = "outputs",
    with_history: bool = False,
    warn: Callable[[str], None] = lambda _: None,
) -> Comparison:
    """Return the comparison of ``runs`` (paths or names in ``out``; none: the two newest).

    Raise BadInputError for a wrong number of runs or one named twice, RunError for a name that
    is not a run or a damaged run (the message names the file).
    """
    check_count(len(runs))
    if not runs:
        compared = newest_runs(out, with_history, warn)
    else:
        paths = [find_run(run, out) for run in runs]
        first: dict[str, str] = {}  # real path -> the RUN that named it first
        for run, path in zip(runs, paths, strict=True):
            real = os.path.realpath(path)
            if real in first:
                again = (
                    "is given twice"
                    if first[real] == run
                    else f"is the same run as {first[real]!r}"
                )
                raise BadInputError(f"run {run!r} {again}; allowed: distinct runs")
            first[real] = run
        compared = [read_compared(p, r, with_history) for r, p in zip(runs, paths, strict=True)]
    return Comparison(compared, differences([r.config for r in compared]))
