"""Checks of the run files a person may have edited, and the errors they raise.

Every field a reader uses is checked as it is read, and a bad one raises ``DamagedRunError`` naming
the file and the field (for a listing to skip the run with a warning), never a bare Python error.
``rundir`` reads the files and calls these.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn.core.errors import CannotUseError
from iris_nn.core.functional import Array
from iris_nn.store.jsontext import dumps


class RunError(CannotUseError):
    """A run directory that cannot be found, created, read or written."""


class DamagedRunError(RunError):
    """A run file that is missing, unreadable, too large, or holds a field that is not allowed.

    ``problem`` names the file and the field, for a warning when a listing skips the run.
    """

    def __init__(self, path: Path, why: str):
        self.problem = f"{path} {why}"
        super().__init__(f"cannot use the run: {self.problem}")


MISSING = object()
MAX_EPOCHS = 1_000_000  # the most epochs a config may ask for
STATUSES = ("completed", "interrupted")
STOP_REASONS = ("epochs", "early_stopping", "interrupted")


def _shown(value: Any) -> str:
    """Return a short text of a JSON value for a message (no megabytes, no recursion)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = dumps(value) if value is None or isinstance(value, (bool, str)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_int(x: Any, low: int = 0, high: float = math.inf) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and low <= x <= high


def _is_real(x: Any, low: float = -math.inf, high: float = math.inf) -> bool:
    return (
        isinstance(x, (int, float))
        and not isinstance(x, bool)
        and math.isfinite(x)
        and low <= x <= high
    )


def _is_score(x: Any) -> bool:
    return x is None or _is_real(x, 0, 1)


def _get(record: Any, field: str) -> Any:
    for key in field.split("."):
        if not isinstance(record, dict) or key not in record:
            return MISSING
        record = record[key]
    return record


def check(path: Path, record: Any, field: str, ok: Callable[[Any], bool], expected: str) -> Any:
    """Return ``record``'s dotted ``field``; raise DamagedRunError unless it is there and ok."""
    value = _get(record, field)
    if value is MISSING:
        raise DamagedRunError(path, f"has no field {field}")
    if not ok(value):
        raise DamagedRunError(path, f"field {field} is {_shown(value)}; expected {expected}")
    return value


def _check_part(path: Path, metrics: dict[str, Any], part: str) -> None:
    check(path, metrics, part, lambda v: isinstance(v, dict), "an object")
    check(path, metrics, f"{part}.accuracy", _is_score, "a number 0 .. 1 or null")
    check(path, metrics, f"{part}.log_loss", lambda v: v is None or _is_real(v, 0), "a number >= 0")
    check(path, metrics, f"{part}.n", _is_int, "an integer >= 0")


def check_metrics(path: Path, metrics: Any) -> dict[str, Any]:
    """Return ``metrics`` (``metrics.json`` at ``path``) if every field a reader uses is of the
    right type and range; raise DamagedRunError naming the first that is not.

    Fields added after the first release (``dead_units``, ``train_time_s``) may be absent.
    """
    m = check_summary(path, metrics)  # the fields a listing shows first, as a listing names them
    check(path, m, "stop_reason", lambda v: v in STOP_REASONS, ", ".join(STOP_REASONS))
    epochs = check(
        path, m, "epochs_run", lambda v: _is_int(v, 0, MAX_EPOCHS), f"an integer 0 .. {MAX_EPOCHS}"
    )
    check(path, m, "best_epoch", lambda v: _is_int(v, 0, epochs), f"an integer 0 .. {epochs}")
    for part in ("train", "test"):
        _check_part(path, m, part)
    if check(path, m, "val", lambda v: v is None or isinstance(v, dict), "an object or null"):
        _check_part(path, m, "val")
    per_class = check(path, m, "per_class", lambda v: isinstance(v, dict), "an object")
    for name in per_class:
        field = f"per_class.{name}"
        check(path, m, field, lambda v: isinstance(v, dict), "an object")
        for score in ("precision", "recall", "f1"):
            check(path, m, f"{field}.{score}", _is_score, "a number 0 .. 1")
        check(path, m, f"{field}.support", _is_int, "an integer >= 0")
    labels = check(
        path,
        m,
        "confusion_matrix.labels",
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "a list of class names",
    )
    check(
        path,
        m,
        "confusion_matrix.matrix",
        lambda v: (
            isinstance(v, list)
            and len(v) == len(labels)
            and all(
                isinstance(r, list) and len(r) == len(labels) and all(map(_is_int, r)) for r in v
            )
        ),
        f"a {len(labels)} x {len(labels)} list of counts",
    )
    optional: dict[str, tuple[Callable[[Any], bool], str]] = {
        "seed": (_is_int, "an integer >= 0"),
        "wall_time_s": (lambda v: _is_real(v, 0), "a number >= 0"),
        "train_time_s": (lambda v: _is_real(v, 0), "a number >= 0"),
        "versions": (
            lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
            "an object of version strings",
        ),
        "dead_units": (
            lambda v: (
                isinstance(v, list)
                and all(isinstance(d, dict) and _is_int(d.get("layer"), 1) for d in v)
                and all(_is_int(d.get("unit"), 1) for d in v)
            ),
            'a list of {"layer", "unit"} (integers from 1)',
        ),
        "kept_epoch": (lambda v: _is_int(v, 0, epochs), f"an integer 0 .. {epochs}"),
        "tracked": (
            lambda v: (
                isinstance(v, list)
                and all(isinstance(t, dict) and _is_int(t.get("row")) for t in v)
                and all(
                    t.get(k) is None or _is_int(t.get(k), 0, epochs)
                    for t in v
                    for k in ("first_right", "right_for_good_from")
                )
            ),
            'a list of {"row", "first_right", "right_for_good_from"} (epochs or null)',
        ),
    }
    for field, (ok, expected) in optional.items():
        if field in m:
            check(path, m, field, ok, expected)
    return m


def check_summary(path: Path, metrics: Any) -> dict[str, Any]:
    """Return ``metrics`` if the fields a listing of runs shows are right: ``status`` must be
    there; ``epochs_run`` and ``test``'s accuracy and log loss, when there, must be allowed.

    A value that is there but wrong is named before a field that is missing.
    """
    if not isinstance(metrics, dict):
        raise DamagedRunError(path, "is not a metrics record")
    shown: dict[str, tuple[Callable[[Any], bool], str]] = {
        "status": (lambda v: v in STATUSES, " or ".join(STATUSES)),
        "epochs_run": (lambda v: _is_int(v, 0, MAX_EPOCHS), f"an integer 0 .. {MAX_EPOCHS}"),
        "test": (lambda v: v is None or isinstance(v, dict), "an object or null"),
        "test.accuracy": (_is_score, "a number 0 .. 1 or null"),
        "test.log_loss": (lambda v: v is None or _is_real(v, 0), "a number >= 0"),
    }
    for field, (ok, expected) in shown.items():
        if _get(metrics, field) is not MISSING:
            check(path, metrics, field, ok, expected)
    check(path, metrics, "status", *shown["status"])
    return metrics


def check_column(
    path: Path, name: str, column: Array, ok: Callable[[Array], Any], expected: str
) -> None:
    """Raise DamagedRunError naming the first line of a CSV column whose value is not ok."""
    bad = ~ok(column)
    if bad.any():
        k = int(np.argmax(bad))
        shown = "empty" if np.isnan(column[k]) else f"{column[k]:g}"
        raise DamagedRunError(path, f"line {k + 2}, column {name} is {shown}; expected {expected}")


def check_history(path: Path, columns: dict[str, Array]) -> None:
    """Raise DamagedRunError naming the first cell of ``history.csv`` that is not allowed."""
    epoch = columns["epoch"]
    check_column(
        path, "epoch", epoch, lambda e: e == np.arange(len(e)), "0, 1, 2, ...: one row per epoch"
    )
    scores = {
        "loss": (lambda x: x >= 0, "a number >= 0"),
        "accuracy": ((lambda x: (x >= 0) & (x <= 1)), "a number 0 .. 1"),
    }
    for part in ("train", "val", "test"):
        for metric, (ok, expected) in scores.items():
            name = f"{part}_{metric}"
            if name not in columns:
                continue  # the test columns came after the first release
            column = columns[name]
            if part != "train" and np.isnan(column).all():
                continue  # no validation (or test) rows
            check_column(path, name, column, ok, expected)
    check_column(path, "lr", columns["lr"], lambda x: x > 0, "a number > 0")


def are_rows(v: Any, n_rows: int) -> bool:
    """Return whether ``v`` is a list of row indices ``0 .. n_rows - 1`` (integers, not bools)."""
    if not isinstance(v, list):
        return False
    if not v:
        return True
    if not set(map(type, v)) <= {int}:  # one pass in C: a million rows take milliseconds
        return False
    return min(v) >= 0 and max(v) < n_rows
