"""The run directory: every file's name, its writer and its reader, as pairs, in this one module.

A run is a non-hidden directory of ``--out`` holding ``model.npz`` and ``metrics.json``. It is built
under a hidden temporary name (``OUT/.NAME.tmp-<pid>``) and renamed when complete, so no other
command ever sees half a run. Readers check what they read and raise ``RunError`` naming the file.
This module imports neither scikit-learn nor matplotlib.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError, CannotUseError
from iris_nn.core.functional import Array
from iris_nn.data.split import Split
from iris_nn.runs.config import NAME_PATTERN, Config, ConfigError, check_value, flatten, to_flat
from iris_nn.runs.jsontext import dumps
from iris_nn.runs.model_file import MODEL_FILE, Model, load_model, meta_problem

CONFIG_FILE = "config.toml"
HISTORY_FILE = "history.csv"
METRICS_FILE = "metrics.json"
SPLIT_FILE = "split.json"
PROBABILITIES_FILE = "probabilities.csv"
SNAPSHOTS_FILE = "snapshots.npz"
SNAPSHOTS_LIMIT = 100_000_000  # bytes: at most 100 MB of snapshots.npz
PLOTS_DIR = "plots"
REPORT_FILE = "report.html"

HISTORY_COLUMNS = (
    "epoch",
    "train_loss",
    "train_accuracy",
    "val_loss",
    "val_accuracy",
    "lr",
    "test_loss",
    "test_accuracy",
)
# Columns added after the first release: an older history.csv lacks them, and reads as all NaN.
HISTORY_OPTIONAL = ("test_loss", "test_accuracy")


class RunError(CannotUseError):
    """A run directory that cannot be found, created, read or written."""


def _bad(path: Path, why: str) -> RunError:
    return RunError(f"cannot use the run: {path} {why}")


def read_text(path: Path) -> str:
    """Return the text of a run file; raise RunError naming it when missing or unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _bad(path, "is missing") from None
    except (OSError, UnicodeDecodeError) as e:
        raise _bad(path, f"is unreadable ({e})") from None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError:
        raise _bad(path, "is not valid JSON") from None


def _write_csv(path: Path, header: Sequence[str], rows: list[list[Any]]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _cell(x: float) -> str:
    return "" if not np.isfinite(x) else repr(float(x))


def _float(text: str) -> float:
    return float(text) if text.strip() else math.nan


def _read_csv(path: Path, required: Sequence[str]) -> dict[str, Array]:
    reader = csv.DictReader(read_text(path).splitlines())
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise _bad(path, f"has no column {', '.join(missing)}")
    try:
        records = list(reader)
        columns = {
            c: np.array([_float(r[c] or "") for r in records]) for c in reader.fieldnames or []
        }
    except (ValueError, TypeError):
        raise _bad(path, "holds a value that is not a number") from None
    if not records:
        raise _bad(path, "holds no rows")
    return columns


# ----------------------------------------------------------------------------- file pairs


def write_config(run: Path, toml_text: str) -> None:
    """Write the resolved config's TOML text."""
    (run / CONFIG_FILE).write_text(toml_text)


def read_config_text(run: Path) -> str:
    """Return the run's config as TOML text."""
    return read_text(run / CONFIG_FILE)


def read_config(run: Path) -> dict[str, Any]:
    """Return the run's resolved config as ``{dotted key: value}``, every key present.

    A key that an older run's ``config.toml`` lacks takes its default; each value is checked and
    typed as ``train`` would (lists as tuples, float keys as floats). The keys are not checked
    against each other or against the data, so a run whose data set has moved is still readable.
    """
    path = run / CONFIG_FILE
    try:
        values = flatten(tomllib.loads(read_text(path)))
        checked = {key: check_value(key, value) for key, value in values.items()}
    except tomllib.TOMLDecodeError as e:
        raise _bad(path, f"is not valid TOML ({e})") from None
    except ConfigError as e:
        raise _bad(path, f"holds a bad config ({e})") from None
    except RecursionError:
        raise _bad(path, "is nested too deeply to be a config") from None
    return {**to_flat(Config()), **checked}


def write_history(run: Path, columns: Mapping[str, Array]) -> None:
    """Write ``history.csv``: one row per epoch, empty cells for NaN."""
    n = len(columns["epoch"])
    rows = [
        [int(columns["epoch"][i]), *(_cell(columns[c][i]) for c in HISTORY_COLUMNS[1:])]
        for i in range(n)
    ]
    _write_csv(run / HISTORY_FILE, HISTORY_COLUMNS, rows)


def read_history(run: Path) -> dict[str, Array]:
    """Return the columns of ``history.csv``, NaN for empty cells and for optional missing ones."""
    required = [c for c in HISTORY_COLUMNS if c not in HISTORY_OPTIONAL]
    columns = _read_csv(run / HISTORY_FILE, required)
    for c in HISTORY_OPTIONAL:
        columns.setdefault(c, np.full(len(columns["epoch"]), np.nan))
    return columns


def write_metrics(run: Path, metrics: Mapping[str, Any]) -> None:
    """Write ``metrics.json`` (strict JSON: NaN becomes null)."""
    (run / METRICS_FILE).write_text(dumps(metrics) + "\n")


def read_metrics(run: Path) -> dict[str, Any]:
    """Return ``metrics.json``; raise RunError unless it is a metrics record."""
    path = run / METRICS_FILE
    metrics = _read_json(path)
    if not isinstance(metrics, dict) or not isinstance(metrics.get("test"), dict):
        raise _bad(path, "is not a metrics record")
    return metrics


def write_split(run: Path, split: Split) -> None:
    """Write ``split.json``: the row indices of the train, validation and test parts."""
    (run / SPLIT_FILE).write_text(dumps(split.as_dict()) + "\n")


def read_split(run: Path, n_rows: int) -> Split:
    """Return the run's split; raise RunError unless each part is a list of row indices < n_rows."""
    path = run / SPLIT_FILE
    raw = _read_json(path)
    try:
        parts = [np.asarray(raw[k], dtype=np.intp) for k in ("train", "val", "test")]
    except (KeyError, TypeError, ValueError):
        raise _bad(path, "is not a train/val/test split") from None
    for a in parts:
        if a.ndim != 1 or np.any((a < 0) | (a >= n_rows)):
            raise _bad(path, f"holds row indices outside 0..{n_rows - 1}")
    if not len(parts[0]) or not len(parts[2]):
        raise _bad(path, "has no training or no test rows")
    return Split(*parts)


def write_probabilities(
    run: Path, classes: Sequence[str], records: Sequence[tuple[int, int, Array]]
) -> None:
    """Write ``probabilities.csv``: ``epoch,row,<class>...`` for each tracked row and epoch."""
    rows = [[e, r, *(repr(float(v)) for v in p)] for e, r, p in records]
    _write_csv(run / PROBABILITIES_FILE, ["epoch", "row", *classes], rows)


def read_probabilities(
    run: Path, classes: Sequence[str], n_rows: int
) -> tuple[NDArray[np.int64], NDArray[np.intp], Array]:
    """Return the tracked epochs (m,), rows (m,) and probabilities (m, n_classes)."""
    path = run / PROBABILITIES_FILE
    columns = _read_csv(path, ("epoch", "row", *classes))
    P = np.column_stack([columns[c] for c in classes])
    rows = columns["row"].astype(np.intp)
    if np.any((rows < 0) | (rows >= n_rows)) or not np.all(np.isfinite(P)):
        raise _bad(path, f"holds rows outside 0..{n_rows - 1} or missing values")
    return columns["epoch"].astype(np.int64), rows, P


def snapshot_capacity(n_params: int) -> int:
    """Return how many snapshots of ``n_params`` parameters fit in ``SNAPSHOTS_LIMIT``.

    Each row holds ``n_params`` float64 values and its epoch; 64 kB are left for the headers.
    """
    return (SNAPSHOTS_LIMIT - 65_536) // ((n_params + 1) * 8)


def write_snapshots(run: Path, epochs: Sequence[int], theta: Array) -> None:
    """Write ``snapshots.npz``: ``epochs`` (n,) and ``theta`` (n, n_params), plain arrays.

    Nothing is written without snapshots (training keeps none when two would pass the cap).
    """
    if not len(epochs):
        return
    with open(run / SNAPSHOTS_FILE, "wb") as f:
        np.savez(f, epochs=np.asarray(epochs, dtype=np.int64), theta=np.asarray(theta))


def read_snapshots(run: Path, n_params: int) -> tuple[NDArray[np.int64], Array]:
    """Return the snapshot epochs (n,) and parameters (n, n_params) of the run.

    Raises RunError naming the file when it is missing (saying why: a network too big for the
    cap, or a run older than snapshots), unreadable or not shaped for this network.
    """
    path = run / SNAPSHOTS_FILE
    if not path.is_file():
        if snapshot_capacity(n_params) < 2:
            mb = 2 * (n_params + 1) * 8 / 1e6
            raise _bad(
                path,
                f"was not written: two snapshots of this network's {n_params} parameters take "
                f"{mb:.0f} MB, more than the {SNAPSHOTS_LIMIT // 1_000_000} MB cap",
            )
        raise _bad(path, "is missing (a run from before snapshots: train it again)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            epochs, theta = npz["epochs"], npz["theta"]
    except Exception:  # a zip error, a pickle, a missing array: all mean the same to the user
        raise _bad(path, "is not a snapshots file (epochs and theta arrays)") from None
    if (
        epochs.ndim != 1
        or not np.issubdtype(epochs.dtype, np.integer)
        or theta.shape != (len(epochs), n_params)
        or np.any(np.diff(epochs) <= 0)
        or not np.all(np.isfinite(theta))
    ):
        raise _bad(path, f"does not hold ascending epochs and rows of {n_params} parameters")
    return epochs.astype(np.int64), theta.astype(np.float64)


@dataclass(frozen=True)
class RunFiles:
    """The saved files of one run, read back and checked."""

    path: Path
    model: Model
    history: dict[str, Array]  # column -> (n_epochs + 1,)
    metrics: dict[str, Any]
    split: Split
    tracked: tuple[NDArray[np.int64], NDArray[np.intp], Array]  # epochs, rows, probabilities
    config_text: str


def read_run(run_dir: str | Path, n_rows: int, model: Model | None = None) -> RunFiles:
    """Return every saved file of the run in ``run_dir``; ``n_rows`` bounds its row indices.

    ``model`` is the run's model when the caller has loaded it already.

    Each file is checked as it is read, so a damaged run fails with one message naming the file.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise RunError(f"run directory {str(run_dir)!r} does not exist")
    model = model or load_model(path)
    return RunFiles(
        path,
        model,
        read_history(path),
        read_metrics(path),
        read_split(path, n_rows),
        read_probabilities(path, model.classes, n_rows),
        read_config_text(path),
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: all or nothing."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------------------- directories


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid run name; raise BadInputError naming what is allowed."""
    if not NAME_PATTERN.fullmatch(name) or name.startswith(".") or len(name) > 200:
        raise BadInputError(
            f"run name {name!r} is not allowed; allowed: letters, digits, '.', '_', '-', "
            "not starting with '.', at most 200 characters"
        )
    return name


class RunDir:
    """A run under construction in ``OUT/.NAME.tmp-<pid>``, renamed to ``OUT/NAME`` when done."""

    def __init__(self, out: str | Path, name: str):
        self.out = Path(out)
        self.name = check_name(name)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RunError(f"cannot create output directory {str(out)!r}: {e.strerror}") from None
        if not self.out.is_dir():
            raise RunError(f"output directory {str(out)!r} is not a directory")
        self.tmp = self.out / f".{name}.tmp-{os.getpid()}"
        try:
            self.tmp.mkdir()
        except FileExistsError:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp.mkdir()
        except OSError as e:
            raise RunError(f"cannot write in output directory {str(out)!r}: {e.strerror}") from None
        self.final: Path | None = None

    def path(self, name: str) -> Path:
        """Return the path of file ``name`` inside the run under construction."""
        return self.tmp / name

    def commit(self) -> Path:
        """Rename the finished run to its free name (``NAME``, else ``NAME-2``, ...); return it."""
        for k in range(1, 10_000):
            candidate = self.out / (self.name if k == 1 else f"{self.name}-{k}")
            try:
                candidate.mkdir()  # reserves the name atomically against concurrent runs
            except FileExistsError:
                continue
            except OSError as e:
                raise RunError(f"cannot create run directory {candidate}: {e.strerror}") from None
            os.replace(self.tmp, candidate)  # replaces only the empty directory made just now
            self.final = candidate
            return candidate
        raise RunError(f"no free run name for {self.name!r} in {self.out}")

    def discard(self) -> None:
        """Remove the run under construction."""
        shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass(frozen=True)
class RunInfo:
    """A completed or interrupted run found under ``--out``."""

    path: Path
    meta: dict[str, Any]
    metrics: dict[str, Any]

    @property
    def created(self) -> str:
        """Return ``meta.created`` (ISO 8601 UTC)."""
        return str(self.meta.get("created", ""))


def _read_meta(npz_path: Path) -> dict[str, Any] | None:
    try:
        with np.load(npz_path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
    except Exception:  # a corrupt file is simply not a run to list
        return None
    if not isinstance(meta, dict) or meta_problem(meta):
        return None
    return meta


def iter_runs(out: str | Path) -> Iterator[RunInfo]:
    """Yield the readable runs in ``out``: non-hidden directories with a model and metrics."""
    root = Path(out)
    if not root.is_dir():
        return
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        model, metrics = child / MODEL_FILE, child / METRICS_FILE
        if not (model.is_file() and metrics.is_file()):
            continue
        meta = _read_meta(model)
        try:
            record = json.loads(metrics.read_text())
        except (OSError, ValueError):
            continue
        if meta is not None and isinstance(record, dict):
            if not isinstance(record.get("test"), (dict, type(None))):
                continue  # a metrics.json that is not ours
            yield RunInfo(child, meta, record)


def list_runs(out: str | Path) -> list[RunInfo]:
    """Return the runs in ``out``, newest (latest ``meta.created``) first."""
    return sorted(iter_runs(out), key=lambda r: r.created, reverse=True)


def newest_run(out: str | Path) -> Path:
    """Return the newest completed run in ``out``; raise RunError when there is none."""
    runs = list_runs(out)
    for run in runs:
        if run.metrics.get("status") == "completed":
            return run.path
    if runs:
        raise RunError(
            f"no completed runs in {out}/ (only {len(runs)} interrupted): "
            "run `iris-nn train` first, or name one with --model"
        )
    raise RunError(f"no runs in {out}/: run `iris-nn train` first")
