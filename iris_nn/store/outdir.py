"""The ``--out`` directory: runs built there whole, and the runs found there.

A run is built under a hidden temporary name (``OUT/.NAME.tmp-<pid>``) and renamed when complete,
so no other command ever sees half a run. A run is a non-hidden directory of ``OUT`` holding a
model and metrics; listings skip a damaged one with a warning that names its file and field.
This module imports neither scikit-learn nor matplotlib.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iris_nn.core.errors import BadInputError
from iris_nn.data import limits
from iris_nn.store.model_file import MODEL_FILE, meta_problem, parse_meta
from iris_nn.store.runchecks import DamagedRunError, RunError
from iris_nn.store.rundir import METRICS_FILE, read_metrics

_bad = DamagedRunError


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid run name; raise BadInputError naming what is allowed."""
    from iris_nn.settings.schema import NAME_PATTERN

    if not NAME_PATTERN.fullmatch(name) or len(name) > 200:
        raise BadInputError(
            f"run name {name!r} is not allowed; allowed: a letter or digit, then letters, "
            "digits, '.', '_', '-', at most 200 characters"
        )
    return name


def _in_the_way(directory: Path) -> str | None:
    """Return why ``directory`` cannot be made, or None: the nearest part of it that exists (or
    is a link) must be a directory; a dangling link or a file is in the way."""
    for part in (directory, *directory.parents):
        if part.is_symlink() and not part.exists():
            return f"{part} is a symbolic link to {os.readlink(part)}, which does not exist"
        if part.exists():
            return None if part.is_dir() else f"{part} is not a directory"
    return None


class RunDir:
    """A run under construction in ``OUT/.NAME.tmp-<pid>``, renamed to ``OUT/NAME`` when done.

    As a context manager it is removed on any failure or interrupt inside the block, and an
    OSError there becomes a RunError saying that the ``what`` (a run, a study) could not be
    written in ``OUT``.
    """

    def __init__(self, out: str | Path, name: str, what: str = "run"):
        self.out, self.what = Path(out), what
        self.name = check_name(name)
        blocked = _in_the_way(self.out)
        if blocked:
            raise RunError(f"cannot create output directory {str(out)!r}: {blocked}")
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

    def __enter__(self) -> RunDir:
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, trace: Any) -> None:
        if error is None:
            return
        self.discard()
        if isinstance(error, OSError):
            why = error.strerror or error
            raise RunError(f"could not write the {self.what} in {self.out}: {why}") from None


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


def _read_meta(npz_path: Path) -> dict[str, Any]:
    """Return the ``meta`` of a run's model, reading nothing else; raise DamagedRunError."""
    try:
        entry = limits.read_npz(npz_path, "model meta", ["meta"]).get("meta")
    except Exception:  # zipfile and zlib raise a zoo of errors on corrupt data
        entry = None
    meta = parse_meta(entry) if entry is not None else None
    if not isinstance(meta, dict):
        raise _bad(npz_path, "is not a usable model (its meta is missing or not JSON)")
    problem = meta_problem(meta)
    if problem:
        raise _bad(npz_path, f"is not a usable model: {problem}")
    return meta


def scan_runs(out: str | Path) -> tuple[list[RunInfo], list[DamagedRunError]]:
    """Return the runs in ``out``, newest (latest ``meta.created``) first, and the errors of the
    damaged ones, each naming its file and field.

    A run is a non-hidden directory holding a model and metrics; others are not runs at all.
    """
    root = Path(out)
    runs, damaged = [], []
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        if child.name.startswith(".") or not child.is_dir():
            continue
        model, metrics = child / MODEL_FILE, child / METRICS_FILE
        if not (model.is_file() and metrics.is_file()):
            continue
        try:
            runs.append(RunInfo(child, _read_meta(model), read_metrics(child, summary=True)))
        except DamagedRunError as e:
            damaged.append(e)
    runs.sort(key=lambda r: r.created, reverse=True)
    return runs, damaged


def list_runs(out: str | Path) -> list[RunInfo]:
    """Return the readable runs in ``out``, newest (latest ``meta.created``) first."""
    return scan_runs(out)[0]


def newest_run(out: str | Path, warn: Callable[[str], None] | None = None) -> Path:
    """Return the newest completed run in ``out``; raise RunError when there is none.

    Damaged runs are skipped, each reported through ``warn``.
    """
    runs, damaged = scan_runs(out)
    if warn is not None:
        for e in damaged:
            warn(f"skipped a damaged run: {e.problem}")
    for run in runs:
        if run.metrics["status"] == "completed":
            return run.path
    if runs:
        raise RunError(
            f"no completed runs in {out}/ (only {len(runs)} interrupted): "
            "run `iris-nn train` first, or name one with --model"
        )
    if damaged:
        raise RunError(f"no usable runs in {out}/: {damaged[0].problem}")
    raise RunError(f"no runs in {out}/: run `iris-nn train` first")
