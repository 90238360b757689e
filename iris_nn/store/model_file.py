"""Model files: a plain ``.npz`` (no pickle) written and read here, and nowhere else.

It holds ``W1..WL``, ``b1..bL``, ``scaler_center``, ``scaler_scale`` and ``meta``, a JSON string.
This module imports neither scikit-learn nor matplotlib: ``predict`` loads models through it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn.core.errors import BadInputError, CannotUseError
from iris_nn.core.functional import ACTIVATIONS, Array
from iris_nn.core.network import Network
from iris_nn.data.categorical import Fill, Layout, layout_of, read_fill
from iris_nn.data.datasets import DATASETS, DEFAULT_DATASET, DatasetInfo
from iris_nn.data.limits import LIMITS, TooLargeError, read_npz
from iris_nn.data.scaler import Scaler
from iris_nn.store.jsontext import json_safe, loads

MODEL_FORMAT = "iris-nn/1"
MODEL_FILE = "model.npz"
UNUSED_ACTIVATION = "identity"  # what a network without hidden layers is built with: never applied


class ModelError(CannotUseError):
    """A model file that is missing, unreadable, corrupt or of an unknown format."""


@dataclass(frozen=True)
class Model:
    """A loaded model: the network, its input scaling and its metadata."""

    net: Network
    scaler: Scaler
    meta: dict[str, Any]

    @property
    def features(self) -> list[str]:
        """Return the input feature names, in the network's order."""
        return list(self.meta["features"])

    @property
    def layout(self) -> Layout:
        """Return its original input columns and their encoded inputs (SPEC 14)."""
        return layout_of(self.meta, self.features)

    @property
    def has_columns(self) -> bool:
        """Return whether its inputs are encoded from original columns (text ones, or filled)."""
        return bool(self.meta.get("columns"))

    @property
    def fill(self) -> Fill:
        """Return the value each column's missing cells take ({} when the model does not impute)."""
        return read_fill(self.meta)

    @property
    def classes(self) -> list[str]:
        """Return the class names, in output order."""
        return list(self.meta["classes"])

    @property
    def dataset(self) -> str:
        """Return the name of the data set it was trained on (a model without one is Iris's)."""
        return str(self.meta.get("dataset", DEFAULT_DATASET))

    @property
    def info(self) -> DatasetInfo | None:
        """Return the registry entry of its data set, or None for a CSV's model."""
        return DATASETS.get(self.dataset)

    @property
    def target(self) -> str:
        """Return the name of its class column (``species`` for a model without one: Iris)."""
        info = self.info
        return str(self.meta.get("target") or (info.target if info else "class"))

    @property
    def noun(self) -> str:
        """Return what one row of its data is, for text: ``flower``, ``wine``, ``row``."""
        info = self.info
        return info.noun if info else "row"

    def unit(self, feature: str) -> str:
        """Return the unit of ``feature`` ("" when the data set names none)."""
        info = self.info
        return info.unit(feature) if info else ""

    @property
    def image_shape(self) -> tuple[int, int] | None:
        """Return ``(H, W)`` when the inputs are an image's pixels row by row (SPEC 16), else None."""
        shape = self.meta.get("image_shape")
        if not shape:
            return None
        height, width = shape
        return int(height), int(width)

    @property
    def temperature(self) -> float:
        """Return the SoftMax temperature (logits are divided by it); 1 when absent."""
        return float(self.meta.get("temperature", 1.0))

    def scale_inputs(self, X: Array) -> Array:
        """Return the network inputs ``(X - center) / scale`` of raw measurements X (cm)."""
        return self.scaler(X)

    def logits(self, X: Array) -> Array:
        """Return the raw outputs (n_samples, n_classes) for raw measurements X, after temperature.

        Inputs too far from the training data may overflow to inf or NaN, silently: callers check.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            return self.net.forward(self.scale_inputs(X)) / self.temperature


def save_model(path: Path, net: Network, scaler: Scaler, meta: dict[str, Any]) -> None:
    """Write the model to ``path`` (an ``.npz``) without pickling anything."""
    arrays: dict[str, Any] = dict(net.state_dict())
    arrays["scaler_center"] = np.asarray(scaler.center, dtype=np.float64)
    arrays["scaler_scale"] = np.asarray(scaler.scale, dtype=np.float64)
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
        arrays = read_npz(p, "model file")
    except TooLargeError as e:
        raise _bad(p, str(e.strerror)) from None
    except Exception as e:  # zipfile and zlib raise a zoo of errors on corrupt data
        import zipfile  # loaded already when read_npz needed it

        if not isinstance(e, (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError)):
            raise _bad(p, f"corrupt ({type(e).__name__})") from None
        why = "it holds a pickled object" if "pickle" in str(e) else "not a valid .npz file"
        raise _bad(p, why) from None
    if "meta" not in arrays:
        raise _bad(p, "no 'meta' entry")
    meta = parse_meta(arrays.pop("meta"))
    if meta is None:
        raise _bad(p, "'meta' is not JSON")
    if not isinstance(meta, dict):
        raise _bad(p, "'meta' is not a JSON object")
    if meta.get("format") != MODEL_FORMAT:
        raise _bad(p, f"unknown format {meta.get('format')!r}; this version reads {MODEL_FORMAT!r}")
    for key in ("activation", "features", "classes"):
        if key not in meta:
            raise _bad(p, f"meta has no {key!r}")
    # A network without hidden layers has no activation: its meta says null (older files named one).
    activation = meta["activation"]
    if activation is not None and activation not in ACTIVATIONS:
        raise _bad(p, f"unknown activation {activation!r}")
    features, classes = meta["features"], meta["classes"]
    if (
        not isinstance(features, list)
        or not features
        or not all(isinstance(f, str) and f for f in features)
        or len(set(features)) != len(features)
    ):
        raise _bad(p, f"bad feature list {features!r}")
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise _bad(p, f"bad class list {classes!r}")
    problem = meta_problem(meta)
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
            {k: v.astype(np.float64) for k, v in arrays.items()}, activation or UNUSED_ACTIVATION
        )
    except BadInputError as e:
        raise _bad(p, str(e)) from None
    if activation is None and net.hidden:
        raise _bad(p, f"meta activation is null but the weights have hidden layers {net.hidden}")
    n_features = len(features)
    if center.shape != (n_features,) or scale.shape != (n_features,):
        raise _bad(p, "scaler shapes do not match the features")
    if np.any(scale <= 0):
        raise _bad(p, "scaler_scale holds a value <= 0; every feature's scale must be positive")
    if net.sizes[0] != n_features or net.sizes[-1] != len(classes):
        raise _bad(
            p, f"layer sizes {net.sizes} do not match {n_features} features, {len(classes)} classes"
        )
    if "hidden" in meta and list(meta["hidden"]) != net.hidden:
        raise _bad(p, f"meta hidden {meta['hidden']} does not match the weights {net.hidden}")
    model = Model(net, Scaler(center.astype(np.float64), scale.astype(np.float64)), meta)
    if not np.isfinite(model.logits(typical_inputs(model.scaler))).all():
        raise _bad(
            p,
            "its weights or scaler make the raw outputs overflow (inf or NaN) even for inputs "
            "near the training data's centre",
        )
    return model


def typical_inputs(scaler: Scaler) -> Array:
    """Return inputs (5, n_features) that any usable model must turn into finite raw outputs:
    the training data's centre, and that centre moved by one scale and by one unit either way.

    A scale so small that one unit of a measurement overflows the network is caught here, as are
    weights too large for the centre itself.
    """
    c, s = scaler.center, scaler.scale
    with np.errstate(over="ignore"):  # past the largest float, the largest float
        inputs = np.array([c, c + s, c - s, c + 1, c - 1])
    big = np.finfo(np.float64).max
    return np.clip(inputs, -big, big)


def parse_meta(entry: np.ndarray) -> Any:
    """Return the JSON value of a model's ``meta`` entry, or None when it is not JSON text.

    Text past the limit for a model meta, or nested deeper than Python can parse, is not JSON
    either.
    """
    if entry.dtype.kind != "U" or entry.nbytes > LIMITS["model meta"]:
        return None
    try:
        return loads(str(entry))
    except ValueError:
        return None


def meta_problem(meta: dict[str, Any]) -> str | None:
    """Return what is wrong with the types of ``meta``'s optional fields, or None."""
    hidden = meta.get("hidden", [])
    if not isinstance(hidden, list) or not all(
        isinstance(w, int) and not isinstance(w, bool) for w in hidden
    ):
        return f"meta hidden {hidden!r} is not a list of widths"
    for key in ("created", "version", "scaling", "dataset", "target", "dataset_sha256"):
        if key in meta and not isinstance(meta[key], str):
            return f"meta {key} {meta[key]!r} is not a string"
    shape = meta.get("image_shape", [])
    features = meta.get("features")
    if shape != [] and not (
        isinstance(shape, list)
        and len(shape) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape)
        and isinstance(features, list)
        and shape[0] * shape[1] == len(features)
    ):
        return f"meta image_shape {shape!r} is not [H, W] with H x W = the number of features"
    return None


def model_meta(
    *,
    version: str,
    activation: str | None,
    hidden: list[int],
    features: list[str],
    scaling: str,
    created: str,
    classes: tuple[str, ...],
    dataset: str,
    target: str,
    sha256: str = "",
    image_shape: tuple[int, ...] = (),
) -> dict[str, Any]:
    """Return the ``meta`` record of a model file (``temperature`` is never written: it is 1).

    Without hidden layers ``activation`` is stored as null: there is nothing to apply it to.
    ``sha256`` is a CSV data set's hash (``dataset_sha256``), so that commands that read the data
    again can tell when the file has changed. ``image_shape`` is ``[H, W]`` when the inputs are
    an image's pixels row by row (SPEC 16); absent otherwise.
    """
    meta = {
        "format": MODEL_FORMAT,
        "version": version,
        "activation": activation if hidden else None,
        "hidden": list(hidden),
        "features": list(features),
        "classes": list(classes),
        "scaling": scaling,
        "created": created,
        "dataset": dataset,
        "target": target,
    }
    if sha256:
        meta["dataset_sha256"] = sha256
    if image_shape:
        meta["image_shape"] = list(image_shape)
    return meta


def utc_now() -> str:
    """Return the current time as ISO 8601 UTC with microseconds (orders runs)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
