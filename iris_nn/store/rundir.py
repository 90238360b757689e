"""The run directory: every file's name, its writer and its reader, as pairs, in this one module.

A run is a directory holding ``model.npz``, ``metrics.json`` and the files named here (``outdir``
builds one whole and finds them). Readers check what they read (``runchecks`` holds the checks of
what a person may have edited) and raise ``RunError`` naming the file. This module imports neither
scikit-learn nor matplotlib.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array
from iris_nn.data import limits
from iris_nn.data.split import Split
from iris_nn.data.values import parse_numbers
from iris_nn.store.jsontext import dumps, loads
from iris_nn.store.model_file import Model, load_model
from iris_nn.store.runchecks import (
    MAX_EPOCHS,
    DamagedRunError,
    RunError,
    are_rows,
    check,
    check_column,
    check_history,
    check_metrics,
    check_summary,
)

CONFIG_FILE = "config.toml"
HISTORY_FILE = "history.csv"
METRICS_FILE = "metrics.json"
SPLIT_FILE = "split.json"
PROBABILITIES_FILE = "probabilities.csv"
SNAPSHOTS_FILE = "snapshots.npz"
SPLIT_BLOCK = 65_536  # row indices written at a time
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


_bad = DamagedRunError


def read_text(path: Path) -> str:
    """Return the text of a run file, within the size limit of its kind; raise RunError naming it
    when it is missing, unreadable or too large."""
    kind = {
        METRICS_FILE: "metrics file",
        SPLIT_FILE: "split file",
        HISTORY_FILE: "history file",
        PROBABILITIES_FILE: "probabilities file",
    }.get(path.name, "config file")
    try:
        return limits.read_text(path, kind)
    except FileNotFoundError:
        raise _bad(path, "is missing") from None
    except OSError as e:
        raise _bad(path, f"is unreadable ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise _bad(path, "is unreadable (not UTF-8 text)") from None


def _read_json(path: Path) -> Any:
    try:
        return loads(read_text(path))
    except ValueError:
        raise _bad(path, "is not valid JSON") from None


def _write_csv(path: Path, header: Sequence[str], rows: list[list[Any]]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _read_csv(path: Path, required: Sequence[str]) -> dict[str, Array]:
    """Return the numeric columns of a run's CSV file by name, NaN for empty cells.

    Every cell must be empty or a number (``values.NUMBER_PATTERN``), every line as long as the header.
    """
    header, cells = _read_csv_columns(path, required)
    columns: dict[str, Array] = {}
    for name, column in zip(header, cells, strict=True):
        if name in columns:
            raise _bad(path, f"has two columns {name}")
        columns[name] = column
    return columns


def _read_csv_columns(path: Path, required: Sequence[str]) -> tuple[list[str], list[Array]]:
    """Return the header of a run's CSV file and its numeric columns in order (names may repeat)."""
    try:
        # Read as a file, not line by line: a quoted name may hold a newline (a class "a\nb").
        rows = list(csv.reader(io.StringIO(read_text(path), newline="")))
    except csv.Error as e:
        raise _bad(path, f"is not a CSV file ({e})") from None
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    missing = [c for c in required if c not in header]
    if missing:
        raise _bad(path, f"has no column {', '.join(missing)}")
    if not body:
        raise _bad(path, "holds no rows")
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise _bad(path, f"line {line} has {len(row)} fields; the header has {len(header)}")
    columns: list[Array] = []
    for i, name in enumerate(header):
        cells = [row[i] for row in body]
        filled = [k for k, cell in enumerate(cells) if cell.strip()]
        column = np.full(len(cells), math.nan)

        def where(k: int, filled: list[int] = filled, name: str = name) -> str:
            return f"line {filled[k] + 2}, column {name}"

        try:
            column[filled] = parse_numbers([cells[k] for k in filled], where)
        except BadInputError as e:
            raise _bad(path, str(e)) from None
        columns.append(column)
    return header, columns


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
    import tomllib  # here, as the config: reading a model (predict) needs neither

    from iris_nn.settings.config import Config, ConfigError, check_value, flatten, to_flat

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
    # Python floats (.tolist()) format many times faster than numpy scalars: long runs have
    # hundreds of thousands of cells
    cells = [
        ["" if not math.isfinite(x) else repr(x) for x in np.asarray(columns[c], float).tolist()]
        for c in HISTORY_COLUMNS[1:]
    ]
    epochs = np.asarray(columns["epoch"]).astype(int).tolist()
    _write_csv(
        run / HISTORY_FILE, HISTORY_COLUMNS, [list(r) for r in zip(epochs, *cells, strict=True)]
    )


def read_history(run: Path) -> dict[str, Array]:
    """Return the columns of ``history.csv``, NaN for empty cells and for optional missing ones;
    raise RunError naming the line and column of a value that is not allowed."""
    path = run / HISTORY_FILE
    required = [c for c in HISTORY_COLUMNS if c not in HISTORY_OPTIONAL]
    columns = _read_csv(path, required)
    check_history(path, columns)
    for c in HISTORY_OPTIONAL:
        columns.setdefault(c, np.full(len(columns["epoch"]), np.nan))
    return columns


def write_metrics(run: Path, metrics: Mapping[str, Any]) -> None:
    """Write ``metrics.json`` (strict JSON: NaN becomes null)."""
    (run / METRICS_FILE).write_text(dumps(metrics) + "\n")


def read_metrics(run: Path, summary: bool = False) -> dict[str, Any]:
    """Return ``metrics.json``; raise RunError naming the first field that is not allowed.

    With ``summary``, only the fields a listing shows are checked (see ``check_summary``).
    """
    path = run / METRICS_FILE
    return (check_summary if summary else check_metrics)(path, _read_json(path))


def write_split(run: Path, split: Split) -> None:
    """Write ``split.json``: the row indices of the train, validation and test parts.

    Each part is one line (a million indices would be a million lines, and slow to write),
    written a block of indices at a time (their text would take 70 MB at once).
    """
    with open(run / SPLIT_FILE, "w") as f:
        for opening, part in (("{\n", "train"), (",\n", "val"), (",\n", "test")):
            rows = getattr(split, part)
            f.write(f'{opening}  "{part}": [')
            for i in range(0, len(rows), SPLIT_BLOCK):
                f.write(", " * (i > 0) + ", ".join(map(str, rows[i : i + SPLIT_BLOCK].tolist())))
            f.write("]")
        f.write("\n}\n")


def read_split(run: Path, n_rows: int) -> Split:
    """Return the run's split; raise RunError unless each part is a list of row indices < n_rows
    (integers: ``0.5`` or ``true`` is not a row)."""
    path = run / SPLIT_FILE
    raw = _read_json(path)
    if not isinstance(raw, dict):
        raise _bad(path, "is not a train/val/test split")
    expected = f"a list of row indices 0 .. {n_rows - 1}"
    parts = [
        check(path, raw, part, lambda v: are_rows(v, n_rows), expected)
        for part in ("train", "val", "test")
    ]
    if not parts[0] or not parts[2]:
        raise _bad(path, "has no training or no test rows")
    return Split(*(np.array(part, dtype=np.intp) for part in parts))


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
    layout = ["epoch", "row", *classes]
    header, cells = _read_csv_columns(path, layout)
    if header == layout:  # as written: by position, so a class may be named "row" or "epoch"
        epochs, rows, per_class = cells[0], cells[1], cells[2:]
    else:  # a hand-edited file: by name, each once
        columns = _read_csv(path, layout)
        epochs, rows, per_class = columns["epoch"], columns["row"], [columns[c] for c in classes]
    check_column(
        path,
        "epoch",
        epochs,
        lambda x: (x >= 0) & (x <= MAX_EPOCHS) & (x == np.round(x)),
        f"an epoch 0 .. {MAX_EPOCHS}",
    )
    check_column(
        path,
        "row",
        rows,
        lambda x: (x >= 0) & (x < n_rows) & (x == np.round(x)),
        f"a row index 0 .. {n_rows - 1}",
    )
    for c, column in zip(classes, per_class, strict=True):
        check_column(path, c, column, lambda x: (x >= 0) & (x <= 1), "a probability 0 .. 1")
    P = np.column_stack(per_class)  # (m, n_classes)
    return epochs.astype(np.int64), rows.astype(np.intp), P


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
        arrays = limits.read_npz(path, "snapshots file", ("epochs", "theta"))
        epochs, theta = arrays["epochs"], arrays["theta"]
    except limits.TooLargeError as e:
        raise _bad(path, f"is unreadable ({e.strerror})") from None
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
    run = RunFiles(
        path,
        model,
        read_history(path),
        read_metrics(path),
        read_split(path, n_rows),
        read_probabilities(path, model.classes, n_rows),
        read_config_text(path),
    )
    last_epoch = len(run.history["epoch"]) - 1
    metrics_path = path / METRICS_FILE
    for field in ("best_epoch", "kept_epoch"):
        if field in run.metrics:
            check(
                metrics_path,
                run.metrics,
                field,
                lambda v: v <= last_epoch,
                f"an epoch of {HISTORY_FILE} (0 .. {last_epoch})",
            )
    check(
        metrics_path,
        run.metrics,
        "confusion_matrix.labels",
        lambda v: v == model.classes,
        f"the model's classes {model.classes}",
    )
    return run


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
