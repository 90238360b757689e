"""A CSV uploaded from the page: where it is kept, the settings it resets, how the state names it.

The file lives in a directory of its own (``place``) until the page trains on another table or
goes away (``discard``); a saved run copies it, so the run never points at this directory.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from iris_nn.core.errors import BadInputError, CannotUseError
from iris_nn.settings.config import Config, to_flat

MAX_UPLOAD = 100 * 1024 * 1024  # bytes of a CSV uploaded from the page
# A new table starts from the defaults of what named the old one's columns and weights.
NEW_DATA_KEYS = ("data.sha256", "data.features", "data.target", "data.exclude", "model.init",
                 "model.init_sha256", "plots.row", "plots.plane")  # fmt: skip


def place(name: Any, file: Path) -> Path:
    """Move ``file``, uploaded as ``name``, into a directory of its own; return its new path."""
    if not isinstance(name, str) or not name.lower().endswith(".csv"):
        raise BadInputError(f"the file {name!r} is not allowed; allowed: a .csv file")
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name)
    path = Path(tempfile.mkdtemp(prefix="iris-nn-upload-")) / safe
    shutil.move(file, path)
    return path


def discard(path: Path) -> None:
    """Delete the uploaded file at ``path`` with its directory."""
    shutil.rmtree(path.parent, ignore_errors=True)


def new_data(path: Path) -> dict[str, Any]:
    """Return the settings that train on ``path``: ``NEW_DATA_KEYS`` back at their defaults."""
    defaults = to_flat(Config())
    return {"data.dataset": str(path), **{k: defaults[k] for k in NEW_DATA_KEYS}}


def renamed(e: BadInputError | CannotUseError, path: Path, name: str) -> Exception:
    """Return the reader's refusal ``e`` naming the file as the learner did, not where it was put."""
    said = str(e).replace(repr(str(path)), repr(name)).replace(str(path), name)
    return (BadInputError if isinstance(e, BadInputError) else CannotUseError)(said)


def described(path: Path | None) -> dict[str, Any] | None:
    """Return the uploaded CSV's name, its ``data.dataset`` value and what a link leaves out.

    A link cannot carry the file, and its place here is gone when the page closes: while
    the page trains on it, the link leaves out ``data.dataset`` and the settings that name
    the table's columns or weights (``NEW_DATA_KEYS``), so it opens on the start data.
    """
    if path is None:
        return None
    return {"name": path.name, "dataset": str(path), "unlinked": ["data.dataset", *NEW_DATA_KEYS]}
