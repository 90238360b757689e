"""Starting weights from a file (``model.init``, ``--init``) instead of random ones.

A ``.toml`` file holds ``W1 = [[...], ...]``, ``b1 = [...]``, ... ; a ``.npz`` file holds the same
arrays (a run's ``model.npz`` works: its scaler is ignored, and its ``meta``, when present, must
name the run's features and classes in the same order). The arrays are in the model's layout
(``W_i`` is ``(n_in, n_out)``, as in ``model.npz``) and act on the inputs as the run scales them. Every problem
is a ConfigError (exit 2) naming the file, the array, its shape and the expected one.
"""

from __future__ import annotations

import io
import json
import re
import tomllib
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn.core.functional import Array
from iris_nn.data.limits import read_bytes
from iris_nn.settings.config import ConfigError

PARAMETER = re.compile(r"[Wb][1-9][0-9]*")
MODEL_FILE_EXTRAS = ("scaler_center", "scaler_scale", "meta")  # what a run's model.npz adds


def read_init_weights(
    path: str | Path,
    sizes: Sequence[int],
    features: Sequence[str],
    classes: Sequence[str],
    raw: bytes | None = None,
) -> dict[str, Array]:
    """Return ``{"W1": ..., "b1": ..., ...}`` from ``path`` for a network of layer ``sizes``.

    Parameters
    ----------
    path : str or Path
        A ``.toml`` or ``.npz`` file.
    sizes : sequence of int
        ``[n_features, *hidden, n_classes]`` of the network the weights must fit.
    features, classes : sequence of str
        The run's inputs and classes, in order: a ``.npz`` whose meta names others is refused.
    raw : bytes, optional
        The file's bytes as ``init_file_bytes`` read them (and a caller checked their SHA-256):
        parsed as they are, so the weights used are the bytes checked.
    """
    where = f"model.init {str(path)!r}"
    if raw is None:
        raw = init_file_bytes(path)
    if Path(path).suffix.lower() == ".toml":
        arrays = _read_toml(raw, where)
    else:
        arrays = _read_npz(raw, where, features, classes)
    return _checked(arrays, sizes, where)


def init_file_bytes(path: str | Path) -> bytes:
    """Return the bytes of the weights file ``path``, read once."""
    p = Path(path)
    where = f"model.init {str(path)!r}"
    if not p.exists():
        raise ConfigError(f"{where} does not exist")
    if not p.is_file():
        raise ConfigError(f"{where} is not a file")
    try:
        return read_bytes(p, "model file")
    except OSError as e:
        raise ConfigError(f"cannot read {where}: {e.strerror or e}") from None


def _read_toml(raw: bytes, where: str) -> dict[str, Array]:
    try:
        tree = tomllib.loads(raw.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{where} is not valid TOML: {e}") from None
    arrays = {}
    for name, value in tree.items():
        if not PARAMETER.fullmatch(name):
            raise ConfigError(f"{where}: unexpected key {name!r}; allowed: W1, b1, W2, b2, ...")
        if not _all_numbers(value):
            raise ConfigError(
                f"{where}: {name} must hold numbers only (a list, or a list of lists)"
            )
        try:
            arrays[name] = np.array(value, dtype=np.float64)
        except ValueError:  # rows of different lengths
            raise ConfigError(f"{where}: {name} has rows of different lengths") from None
    return arrays


def _all_numbers(value: Any) -> bool:
    if isinstance(value, list):
        return all(_all_numbers(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_npz(
    raw: bytes, where: str, features: Sequence[str], classes: Sequence[str]
) -> dict[str, Array]:
    if raw[:4] != b"PK\x03\x04":  # np.load would read other files as pickles
        raise ConfigError(f"{where} is not a .npz file")
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except OSError as e:
        raise ConfigError(f"cannot read {where}: {e.strerror or e}") from None
    except (ValueError, EOFError, KeyError, zipfile.BadZipFile):
        raise ConfigError(f"{where} is not a valid .npz file (or holds pickled objects)") from None
    except Exception as e:  # zipfile and zlib raise a zoo of errors on corrupt data
        raise ConfigError(f"{where} is corrupt ({type(e).__name__})") from None
    if "meta" in arrays:
        _check_meta(arrays["meta"], where, features, classes)
    out = {}
    for name, a in arrays.items():
        if name in MODEL_FILE_EXTRAS:
            continue
        if not PARAMETER.fullmatch(name):
            raise ConfigError(f"{where}: unexpected array {name!r}; allowed: W1, b1, W2, b2, ...")
        if a.dtype.kind not in "fiu":
            raise ConfigError(f"{where}: {name} is not numeric")
        out[name] = a.astype(np.float64)
    return out


def _check_meta(
    meta_array: Array, where: str, features: Sequence[str], classes: Sequence[str]
) -> None:
    try:
        meta = json.loads(str(meta_array))
    except (json.JSONDecodeError, TypeError, RecursionError):
        raise ConfigError(f"{where}: its meta is not JSON") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"{where}: its meta is not a JSON object")
    for key, ours in (("features", features), ("classes", classes)):
        if key not in meta:
            continue
        theirs = meta[key]
        # a string is a sequence too: "abcd" would be read as four names a, b, c, d
        if not isinstance(theirs, list) or not all(isinstance(n, str) for n in theirs):
            raise ConfigError(
                f"{where}: its meta's {key} is {json.dumps(theirs)[:60]}; allowed: a list of names"
            )
        if theirs != list(ours):
            raise ConfigError(
                f"{where} was made for {key} {', '.join(map(str, theirs))}; this run's {key} are "
                f"{', '.join(ours)} (the same, in this order, are needed)"
            )


def _checked(arrays: dict[str, Array], sizes: Sequence[int], where: str) -> dict[str, Array]:
    """Return ``arrays`` if they are exactly the network's W1..WL, b1..bL with its shapes."""
    n_layers = len(sizes) - 1
    names = [f"{p}{i}" for i in range(1, n_layers + 1) for p in "Wb"]
    shape = "-".join(map(str, sizes))
    needs = f"the {shape} network needs {', '.join(names)}"
    extra = sorted(set(arrays) - set(names), key=lambda n: (int(n[1:]), n))
    if extra:
        raise ConfigError(f"{where} has {', '.join(extra)}, but {needs}")
    missing = [n for n in names if n not in arrays]
    if missing:
        raise ConfigError(f"{where} has no {', '.join(missing)}; {needs}")
    for i in range(1, n_layers + 1):
        n_in, n_out = sizes[i - 1], sizes[i]
        into = "the outputs" if i == n_layers else f"hidden layer {i}"
        for name, expected in ((f"W{i}", (n_in, n_out)), (f"b{i}", (n_out,))):
            a = arrays[name]
            if a.shape != expected:
                raise ConfigError(
                    f"{where}: {name} has shape {_shape(a.shape)}; expected {_shape(expected)} "
                    f"({n_in} inputs to {n_out} units of {into})"
                    if name.startswith("W")
                    else f"{where}: {name} has shape {_shape(a.shape)}; expected "
                    f"{_shape(expected)} (one bias per unit of {into})"
                )
            if not np.all(np.isfinite(a)):
                raise ConfigError(f"{where}: {name} holds a value that is not a finite number")
    return {n: arrays[n] for n in names}


def _shape(shape: tuple[int, ...]) -> str:
    return f"({', '.join(map(str, shape))}{',' if len(shape) == 1 else ''})"
