"""What every figure shares: size and resolution, class colours and markers, titles, saving.

Only matplotlib's object API is used (no pyplot, so no global state and no display needed);
saving is separate from drawing (``png_bytes``). Every figure gives each class the same
colour-blind-safe colour (Okabe-Ito) and marker, labels its axes with units and carries the run's
name in its title. ``X`` is always the raw inputs in the data set's units,
``(n_samples, n_features)``; the model scales them itself.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from iris_nn.core.functional import Array, softmax
from iris_nn.runs.model_file import Model

DPI = 150
# Okabe & Ito's palette: blue, orange and bluish green stay apart under every common colour
# blindness; the markers repeat the distinction for grey-scale prints.
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73")
CLASS_MARKERS = ("o", "s", "^")
TRAIN_COLOUR, VAL_COLOUR = "#222222", "#888888"  # neutral: loss curves are not species
TEST_COLOUR = "#CC79A7"  # Okabe-Ito's reddish purple: no class colour, and apart from both greys
MISS_COLOUR = "black"  # rings round mistakes: no hue, so it never reads as a species

Labels = NDArray[np.intp]


def class_colour(k: int) -> str:
    """Return the colour of class ``k`` (the same in every figure)."""
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


def class_marker(k: int) -> str:
    """Return the marker of class ``k`` (the same in every figure)."""
    return CLASS_MARKERS[k % len(CLASS_MARKERS)]


def new_figure(width: float, height: float) -> Figure:
    """Return an empty ``width`` x ``height`` inch figure at 150 dpi, laid out automatically."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def png_bytes(fig: Figure) -> bytes:
    """Return the figure encoded as PNG at its own size and 150 dpi."""
    buf = io.BytesIO()
    # No "Software" stamp: a redraw of unchanged data gives byte-identical files. zlib level 2
    # instead of 6 makes the files about 15% larger and encodes them in a third of the time.
    fig.savefig(
        buf, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 2}
    )
    return buf.getvalue()


VECTOR_FORMATS = ("svg", "pdf")
# No creation dates: a redraw of unchanged data gives identical files.
_VECTOR_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}


def vector_bytes(fig: Figure, fmt: str) -> bytes:
    """Return the figure encoded as ``svg`` or ``pdf`` (for slides and papers)."""
    buf = io.BytesIO()
    with rc_context({"svg.hashsalt": "iris-nn"}):  # fixed element ids, not random ones
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=_VECTOR_METADATA[fmt])
    return buf.getvalue()


def title(fig: Figure, what: str, run_name: str) -> None:
    fig.suptitle(f"{what}\n{run_name}", fontsize=11)


def class_handles(classes: Sequence[str], kind: str = "line") -> list[Line2D | Patch]:
    if kind == "patch":
        return [Patch(color=class_colour(k), label=c) for k, c in enumerate(classes)]
    return [
        Line2D([], [], color=class_colour(k), marker=class_marker(k), label=c, markersize=5)
        for k, c in enumerate(classes)
    ]


def probabilities(model: Model, X: Array) -> Array:
    """Return the SoftMax probabilities (n_samples, n_classes) of raw measurements ``X`` (cm)."""
    return softmax(model.logits(X))


def sweep_range(values: Array, margin: float = 0.1) -> tuple[float, float]:
    """Return the observed range of ``values`` widened by ``margin`` of its width on each side."""
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = margin * (hi - lo) if hi > lo else 0.5
    return lo - pad, hi + pad
