"""Model files and run directories.

A model is a plain ``.npz`` (no pickle): ``W1..WL``, ``b1..bL``, ``scaler_center``,
``scaler_scale`` and ``meta``, a JSON string. A run is a directory of ``--out`` holding
``model.npz`` and ``metrics.json``; it is built under a hidden temporary name and renamed when
complete, so no other command ever sees half a run. This module imports neither scikit-learn nor
matplotlib: ``predict`` loads models through it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn.config import ACTIVATION_NAMES, CLASSES, FEATURES, NAME_PATTERN
from iris_nn.functional import Array
from iris_nn.model import Network

MODEL_FORMAT = "iris-nn/1"
MODEL_FILE = "model.npz"
METRICS_FILE = "metrics.json"


class ModelError(Exception):
    """A model file that is missing, unreadable, corrupt or of an unknown format."""


class RunError(Exception):
    """A run directory that cannot be found, created or written."""


def json_safe(value: Any) -> Any:
    """Return ``value`` with numpy scalars and arrays made plain, and NaN or infinity made None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def dumps(value: Any) -> str:
    """Return strict JSON (never NaN or Infinity), indented for people."""
    return json.dumps(json_safe(value), indent=2, allow_nan=False)


@dataclass(frozen=True)
class Model:
    """A loaded model: the network, its input scaling and its metadata."""

    net: Network
    center: Array  # (n_features,)
    scale: Array  # (n_features,)
    meta: dict[str, Any]

    @property
    def features(self) -> list[str]:
        """Return the input feature names, in the network's order."""
        return list(self.meta["features"])

    @property
    def classes(self) -> list[str]:
        """Return the class names, in output order."""
        return list(self.meta["classes"])

    @property
    def temperature(self) -> float:
        """Return the SoftMax temperature (logits are divided by it); 1 when absent."""
        return float(self.meta.get("temperature", 1.0))

    def scale_inputs(self, X: Array) -> Array:
        """Return the network inputs ``(X - center) / scale`` of raw measurements X (cm)."""
        return (np.asarray(X, dtype=np.float64) - self.center) / self.scale

    def logits(self, X: Array) -> Array:
        """Return the raw outputs (n_samples, n_classes) for raw measurements X, after temperature."""
        return self.net.forward(self.scale_inputs(X)) / self.temperature


def save_model(path: Path, net: Network, center: Array, scale: Array, meta: dict[str, Any]) -> None:
    """Write the model to ``path`` (an ``.npz``) without pickling anything."""
    arrays: dict[str, Any] = dict(net.state_dict())
    arrays["scaler_center"] = np.asarray(center, dtype=np.float64)
    arrays["scaler_scale"] = np.asarray(scale, dtype=np.float64)
    arrays["meta"] = np.array(json.dumps(json_safe(meta), allow_nan=False))
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _bad(path: Path, why: str) -> ModelError:
    return ModelError(f"{path} is not a usable iris-nn model: {why}")


def model_path(path: str | Path) -> Path:
    """Return the model file named by ``path``: a ``model.npz`` or a run directory holding one."""
    p = Path(path)
    if p.is_dir():
        p = p / MODEL_FILE
        if not p.exists():
            raise ModelError(f"{path} holds no {MODEL_FILE}: not a run directory")
    elif not p.exists():
        raise ModelError(f"model {str(path)!r} does not exist")
    return p


def load_model(path: str | Path) -> Model:
    """Return the model at ``path`` (run directory or ``.npz``); raise ModelError if unusable.

    Nothing is unpickled: an object array is refused, not loaded.
    """
    p = model_path(path)
    try:
        with open(p, "rb") as f:
            # np.load reads any non-zip file as .npy or pickle: refuse those before it tries
            is_npz = f.read(4) == b"PK\x03\x04"
    except OSError as e:
        raise _bad(p, f"unreadable ({e.strerror})") from None
    if not is_npz:
        raise _bad(p, "not a .npz file")
    try:
        with np.load(p, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
        why = "it holds a pickled object" if "pickle" in str(e) else "not a valid .npz file"
        raise _bad(p, why) from None
    except Exception as e:  # zipfile and zlib raise a zoo of errors on corrupt data
        raise _bad(p, f"corrupt ({type(e).__name__})") from None
    if "meta" not in arrays:
        raise _bad(p, "no 'meta' entry")
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except (json.JSONDecodeError, TypeError):
        raise _bad(p, "'meta' is not JSON") from None
    if not isinstance(meta, dict):
        raise _bad(p, "'meta' is not a JSON object")
    if meta.get("format") != MODEL_FORMAT:
        raise _bad(p, f"unknown format {meta.get('format')!r}; this version reads {MODEL_FORMAT!r}")
    for key in ("activation", "features", "classes"):
        if key not in meta:
            raise _bad(p, f"meta has no {key!r}")
    if meta["activation"] not in ACTIVATION_NAMES:
        raise _bad(p, f"unknown activation {meta['activation']!r}")
    features, classes = meta["features"], meta["classes"]
    if (
        not isinstance(features, list)
        or not features
        or not all(f in FEATURES for f in features)
        or len(set(features)) != len(features)
    ):
        raise _bad(p, f"bad feature list {features!r}")
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise _bad(p, f"bad class list {classes!r}")
    problem = _meta_problem(meta)
    if problem:
        raise _bad(p, problem)
    temperature = meta.get("temperature", 1.0)
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not 0 < temperature < math.inf
    ):
        raise _bad(p, f"bad temperature {temperature!r}")
    for name, a in arrays.items():
        if a.dtype.kind not in "fiu":
            raise _bad(p, f"{name} is not numeric")
        if not np.all(np.isfinite(a)):
            raise _bad(p, f"{name} holds non-finite values")
    center, scale = arrays.pop("scaler_center", None), arrays.pop("scaler_scale", None)
    if center is None or scale is None:
        raise _bad(p, "no scaler_center or scaler_scale")
    try:
        net = Network.from_state_dict(
            {k: v.astype(np.float64) for k, v in arrays.items()}, meta["activation"]
        )
    except ValueError as e:
        raise _bad(p, str(e)) from None
    n_features = len(features)
    if center.shape != (n_features,) or scale.shape != (n_features,) or np.any(scale == 0):
        raise _bad(p, "scaler shapes do not match the features")
    if net.sizes[0] != n_features or net.sizes[-1] != len(classes):
        raise _bad(
            p, f"layer sizes {net.sizes} do not match {n_features} features, {len(classes)} classes"
        )
    if "hidden" in meta and list(meta["hidden"]) != net.hidden:
        raise _bad(p, f"meta hidden {meta['hidden']} does not match the weights {net.hidden}")
    return Model(net, center.astype(np.float64), scale.astype(np.float64), meta)


def _meta_problem(meta: dict[str, Any]) -> str | None:
    """Return what is wrong with the types of ``meta``'s optional fields, or None."""
    hidden = meta.get("hidden", [])
    if not isinstance(hidden, list) or not all(
        isinstance(w, int) and not isinstance(w, bool) for w in hidden
    ):
        return f"meta hidden {hidden!r} is not a list of widths"
    for key in ("created", "version", "scaling"):
        if key in meta and not isinstance(meta[key], str):
            return f"meta {key} {meta[key]!r} is not a string"
    return None


def model_meta(
    *,
    version: str,
    activation: str,
    hidden: list[int],
    features: list[str],
    scaling: str,
    created: str,
    classes: tuple[str, ...] = CLASSES,
) -> dict[str, Any]:
    """Return the ``meta`` record of a model file (``temperature`` is never written: it is 1)."""
    return {
        "format": MODEL_FORMAT,
        "version": version,
        "activation": activation,
        "hidden": list(hidden),
        "features": list(features),
        "classes": list(classes),
        "scaling": scaling,
        "created": created,
    }


def utc_now() -> str:
    """Return the current time as ISO 8601 UTC with microseconds (orders runs)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


# ----------------------------------------------------------------------------- run directories


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid run name; raise ValueError naming what is allowed."""
    if not NAME_PATTERN.fullmatch(name) or name.startswith(".") or len(name) > 200:
        raise ValueError(
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
    if not isinstance(meta, dict) or _meta_problem(meta):
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
