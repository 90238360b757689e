"""Strict JSON for people and programs: numpy values made plain, NaN and infinity made null."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def json_safe(value: Any) -> Any:
    """Return ``value`` with numpy scalars and arrays made plain, and NaN or infinity made None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biu" or (value.dtype.kind == "f" and np.isfinite(value).all()):
            return value.tolist()  # plain already: a long history's columns skip the walk
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


def loads(text: str) -> Any:
    """Return the value of JSON ``text``; raise ValueError for anything that is not usable JSON.

    Nesting deeper than Python can parse and integers too long to convert are ValueErrors too,
    like any other bad JSON, so callers name the file instead of failing with a RecursionError.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
