"""The ``--out`` directory: runs built there whole, and the runs found there.

A run is built under a hidden temporary name (``OUT/.NAME.tmp-<pid>-<unique>``) and renamed when
complete, so no other command ever sees half a run. The temporary directory holds a lock file its
writer keeps locked (``fcntl.flock``) until the rename; the next writer into ``OUT`` removes every
temporary directory whose lock is free, the leftovers of a writer that was killed (SPEC 5). A run is a non-hidden directory of ``OUT`` holding a
model and metrics; listings skip a damaged one with a warning that names its file and field.
This module imports neither scikit-learn nor matplotlib.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import re
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
LOCK_FILE = ".lock"
RESERVED_FILE = ".reserved"  # the final name reserved for the run, once drawing needs it
_TMP_MARK = ".tmp-"
_TEMPORARY = re.compile(r"\..+\.tmp-(\d+)(-\d+)?")  # .NAME.tmp-PID (older) or .NAME.tmp-PID-N
_serial = itertools.count(1)  # with the pid, a name no other writer in any process has


def _lock(directory: Path) -> int:
    """Return an open descriptor of ``directory``'s lock file, locked; raise OSError if taken."""
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    return fd


def _pid_alive(pid: int) -> bool:
    """Return whether process ``pid`` may still be running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _release_reserved(tmp: Path) -> None:
    """Remove the final name a killed writer had reserved, if it is still the empty directory
    made for it (``os.rmdir`` removes nothing else)."""
    try:
        name = (tmp / RESERVED_FILE).read_text()
    except OSError:
        return
    if name and "/" not in name and not name.startswith("."):
        with contextlib.suppress(OSError):
            os.rmdir(tmp.parent / name)


def remove_stale(out: str | Path) -> list[Path]:
    """Remove the temporary directories in ``out`` whose writer is gone; return them.

    A writer holds the lock of its directory's lock file until the run is renamed, so a free
    lock means it was killed (``kill -9``). A directory without a lock file (made by an older
    version, or being made this instant) is removed only when the process in its name is gone.
    """
    removed: list[Path] = []
    root = Path(out)
    try:
        children = sorted(root.iterdir())
    except OSError:
        return removed
    for child in children:
        match = _TEMPORARY.fullmatch(child.name)
        if not match or child.is_symlink() or not child.is_dir():
            continue
        if (child / LOCK_FILE).is_file():
            try:
                fd = _lock(child)
            except OSError:
                continue  # a live writer holds it (or it is not ours to lock)
            try:
                _release_reserved(child)
                shutil.rmtree(child, ignore_errors=True)
            finally:
                os.close(fd)
        elif not _pid_alive(int(match.group(1))):
            shutil.rmtree(child, ignore_errors=True)
        else:
            continue
        if not child.exists():
            removed.append(child)
    return removed


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
    """A run under construction in ``OUT/.NAME.tmp-<pid>-<n>``, renamed to ``OUT/NAME`` when done.

    Its lock is held from creation to ``commit`` or ``discard``; creating one first removes the
    temporary directories in ``OUT`` whose writer was killed.

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
        remove_stale(self.out)
        tag = f"{os.getpid()}-{next(_serial)}"
        self.tmp = self.out / f".{name}{_TMP_MARK}{tag}"
        # Locked before it takes its visible name, so no sweeper ever sees it unlocked.
        making = self.out / f".{name}.new-{tag}"
        try:
            making.mkdir()
            self._lock_fd: int | None = _lock(making)
            os.rename(making, self.tmp)
        except OSError as e:
            shutil.rmtree(making, ignore_errors=True)
            raise RunError(f"cannot write in output directory {str(out)!r}: {e.strerror}") from None
        self.final: Path | None = None

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def path(self, name: str) -> Path:
        """Return the path of file ``name`` inside the run under construction."""
        return self.tmp / name

    def reserve(self) -> str:
        """Reserve the run's final name now (``NAME``, else ``NAME-2``, ...) and return it.

        Figures and the report are titled with the name the run will have; a concurrent run of
        the same name then takes the next one. A killed writer's reservation (an empty
        directory) is removed with its temporary directory.
        """
        if self.final is None:
            self.final = self._take_free_name()
            (self.tmp / RESERVED_FILE).write_text(self.final.name)
        return self.final.name

    def _take_free_name(self) -> Path:
        """Make the empty directory of the first free name and return it."""
        for k in range(1, 10_000):
            candidate = self.out / (self.name if k == 1 else f"{self.name}-{k}")
            try:
                candidate.mkdir()  # reserves the name atomically against concurrent runs
            except FileExistsError:
                continue
            except OSError as e:
                raise RunError(f"cannot create run directory {candidate}: {e.strerror}") from None
            return candidate
        raise RunError(f"no free run name for {self.name!r} in {self.out}")

    def commit(self) -> Path:
        """Rename the finished run to its reserved or free name; return it."""
        candidate = self.final or self._take_free_name()
        os.replace(self.tmp, candidate)  # replaces only the empty directory made for it
        (candidate / RESERVED_FILE).unlink(missing_ok=True)
        # Unlocked only now that it has left its temporary name: never swept while building.
        (candidate / LOCK_FILE).unlink(missing_ok=True)
        self._unlock()
        self.final = candidate
        return candidate

    def discard(self) -> None:
        """Remove the run under construction (and the name reserved for it)."""
        _release_reserved(self.tmp)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._unlock()

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
