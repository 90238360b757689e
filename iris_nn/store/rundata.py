"""The data a saved run was trained on, read again (``evaluate``, ``plot``, the figures).

A bundled table comes from the registry. A CSV is read from the path in the run's ``config.toml``
(made absolute when the config was read) with the run's data options, after checking that the file's SHA-256 still equals
the one in the model's meta: a missing or changed file is a CannotUseError naming it (exit 1), since
the run's row numbers and scaler describe the file as it was. The file is read once, and the bytes
hashed are the bytes parsed, so a file replaced between the check and the parse is never scored. A model without ``dataset`` in its
meta is an Iris model.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np

from iris_nn.core.errors import BadInputError, CannotUseError, IrisNNWarning
from iris_nn.core.functional import Array
from iris_nn.data.csv_dataset import read_csv_dataset
from iris_nn.data.csvfile import Digest
from iris_nn.data.csvopen import parse_header, read_file
from iris_nn.data.datasets import DatasetInfo, Labels, get_dataset, is_csv
from iris_nn.store import rundir
from iris_nn.store.model_file import Model
from iris_nn.store.rundir import RunError


class DataFileError(CannotUseError):
    """A run's CSV data file that is missing or has changed since training."""


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_dataset(run_dir: str | Path, model: Model) -> DatasetInfo:
    """Return the data set the run in ``run_dir`` was trained on, its rows ready to load."""
    if not is_csv(model.dataset):
        return get_dataset(model.dataset)
    options = rundir.read_config(Path(run_dir))
    path = Path(str(options["data.dataset"]))
    if not is_csv(str(path)):
        raise RunError(
            f"cannot use the run: {Path(run_dir) / rundir.CONFIG_FILE} names no CSV file, "
            f"though the model was trained on {model.dataset!r}"
        )
    if not path.is_file():
        raise DataFileError(
            f"the run's data file {str(path)!r} is missing; this command reads the rows again"
        )
    try:  # read once: the bytes hashed are the bytes parsed, whatever replaces the file meanwhile
        raw = read_file(path)
    except BadInputError as e:
        raise DataFileError(f"the run's data file: {e}") from None
    digest = Digest(raw)
    expected = model.meta.get("dataset_sha256")
    if expected and digest.hexdigest() != expected:
        raise DataFileError(
            f"the run's data file {str(path)!r} has changed since the run was trained (its "
            "SHA-256 differs), so its rows no longer match the run's split and scaler; restore "
            "the file, or train again"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IrisNNWarning)  # said once, when the run was trained
        return read_csv_dataset(
            parse_header(raw, repr(str(path)), path, digest),
            model.meta.get("columns") or model.features,
            options["data.target"],
            options["data.missing"],
            options["data.exclude"],
            # the model's own text columns and values; none in an old model: text is an error
            "onehot" if model.meta.get("categories") else "error",
            model.meta.get("categories") or {},
        )


def run_rows(run_dir: str | Path, model: Model) -> tuple[DatasetInfo, Array, Labels]:
    """Return the run's data set and its rows: ``X`` in the model's feature order, ``y``.

    A model that fills missing cells (SPEC 14) has them filled as training filled them (rows
    dropped for a missing class stay NaN): the figures and ``evaluate`` see the rows it saw.
    """
    info = run_dataset(run_dir, model)
    X, y = info.rows(model.features)
    if model.fill:
        from iris_nn.data.categorical import apply_fill

        kept = y >= 0
        rows = X[kept]  # a copy, filled and put back: the data set's own rows stay as read
        apply_fill(rows, model.layout, model.fill)
        X = X.copy()
        X[kept] = rows
    return info, X, y


def check_rows_kept(split_rows: np.ndarray, y: Labels, path: Path) -> None:
    """Raise RunError when a split names a row that the data set dropped (class -1)."""
    if len(split_rows) and np.any(y[split_rows] < 0):
        raise RunError(f"cannot use the run: {path} names a row that the data set drops")
