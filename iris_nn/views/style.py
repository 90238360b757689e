"""What every figure shares: size and resolution, class colours and markers, titles, saving.

Only matplotlib's object API is used (no pyplot, so no global state and no display needed);
saving is separate from drawing (``png_bytes``). Every figure gives each class the same
colour-blind-safe colour and marker, labels its axes with units and carries the run's name in its
title. ``X`` is always the raw inputs in the data set's units, ``(n_samples, n_features)``; the model
scales them itself.

Any shape of data fits: a figure shows at most ``MAX_FEATURE_PANELS`` features (the most
influential, ``views.influence``), at most ``MAX_CLASSES_SHOWN`` classes, and scatters at most
``MAX_SCATTER`` rows (``sample_rows``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, NullFormatter
from numpy.typing import NDArray

from iris_nn.core.functional import Array, softmax
from iris_nn.store.model_file import Model

DPI = 150
# Ten colours that stay apart under protanopia, deuteranopia and tritanopia (at least 17 CIELAB
# units between any two, simulated as Machado et al. 2009 do; tests/test_plots.py checks it):
# Okabe & Ito's blue, orange, bluish green, vermillion and reddish purple, then Paul Tol's cyan,
# wine, indigo, sand and olive. Markers repeat the distinction for grey-scale prints; with more
# than ten classes a colour comes back, but never with the same marker.
CLASS_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#66CCEE",
    "#AA3377",
    "#332288",
    "#DDCC77",
    "#666633",
)
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "p", "h", "<", ">", "d", "*")  # 13: prime to 10
MAX_FEATURE_PANELS = 8  # a figure with a panel per feature shows the most influential ones
MAX_CLASSES_SHOWN = 10  # ... and at most this many classes
MAX_SCATTER = 2000  # rows drawn as points: a stratified sample beyond this
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


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """Return the figure encoded as ``fmt`` (png, svg or pdf) at 150 dpi."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=DPI)
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


def article(word: str) -> str:
    """Return "an" before a word said with a vowel first ("an image", "an 8"), else "a"."""
    spoken_vowel = word[:1].lower() in "aeiou" or word.startswith(("8", "11", "18"))
    return "an" if spoken_vowel else "a"


def title(fig: Figure, what: str, run_name: str) -> None:
    fig.suptitle(f"{what}\n{run_name}", fontsize=11)


def class_handles(classes: Sequence[str], kind: str = "line") -> list[Line2D | Patch]:
    if kind == "patch":
        return [Patch(color=class_colour(k), label=c) for k, c in enumerate(classes)]
    return [
        Line2D([], [], color=class_colour(k), marker=class_marker(k), label=c, markersize=5)
        for k, c in enumerate(classes)
    ]


def legend_columns(labels: Sequence[str], width: float, fontsize: float = 8) -> int:
    """Return how many columns of legend entries fit side by side in ``width`` inches (at least 1),
    balanced over the rows they need.

    matplotlib fills a legend column by column, each as wide as its widest text plus the handle
    (2 em) and its gap (0.8 em), with 2 em between columns; the texts are measured in the font.
    """
    font = FontProperties(size=fontsize)
    texts = [TextToPath().get_text_width_height_descent(t, font, ismath=False)[0] for t in labels]
    em = fontsize
    for columns in range(len(labels), 1, -1):
        rows, large = divmod(len(labels), columns)  # as matplotlib splits them: big columns first
        sizes = [rows + 1] * large + [rows] * (columns - large)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        widest = [max(texts[a : a + n]) for a, n in zip(starts, sizes, strict=True)]
        needed = sum(w + 2.8 * em for w in widest) + 2.0 * em * (columns - 1) + 2 * em
        if needed / 72 <= width:
            rows = -(-len(labels) // columns)
            return -(-len(labels) // rows)  # as few columns as these rows need: balanced
    return 1


def probabilities(model: Model, X: Array) -> Array:
    """Return the SoftMax probabilities (n_samples, n_classes) of raw measurements ``X`` (cm)."""
    return softmax(model.logits(X))


def sample_rows(rows: NDArray[np.integer], y: Labels, limit: int = MAX_SCATTER) -> NDArray[np.intp]:
    """Return at most ``limit`` of ``rows``, a stratified sample (every class keeps its share).

    The same rows come back on every call (a fixed seed), so a redrawn figure is identical.
    """
    index = np.asarray(rows, dtype=np.intp)
    if len(index) <= limit:
        return index
    rng = np.random.default_rng(0)
    classes, counts = np.unique(y[index], return_counts=True)
    quota = np.maximum(1, np.floor(counts * limit / len(index))).astype(int)
    picked = [
        rng.choice(index[y[index] == k], size=min(q, n), replace=False)
        for k, q, n in zip(classes, quota, counts, strict=True)
    ]
    return np.sort(np.concatenate(picked)).astype(np.intp)


def sampled_note(shown: int, total: int, nouns: str) -> str:
    """Return the caption words for a scatter sample: "" when every row is drawn."""
    if shown >= total:
        return ""
    return f"{shown:,} of {total:,} {nouns} drawn (a stratified sample)"


AXIS_LIMIT = 1e306


def sweep_range(values: Array, margin: float = 0.1) -> tuple[float, float]:
    """Return the observed range of ``values`` widened by ``margin`` of its width on each side."""
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = margin * hi - margin * lo if hi > lo else 0.5  # not (hi - lo): -1e308 .. 1e308 fits
    # linspace and matplotlib's ticks take hi - lo and more: within +-1e306 both work (values
    # beyond are drawn at the edge)
    return max(lo - pad, -AXIS_LIMIT), min(hi + pad, AXIS_LIMIT)


def log_y_axis(ax: Axes) -> None:
    """Put ``ax``'s y axis on a log scale labelled in plain numbers, safe at any finite value.

    Near the largest float (a loss of 1e300 from a far too high learning rate) matplotlib's log
    locator places ticks past it, at infinity, where its own formatter fails (OverflowError in
    ``round``): those ticks are left unlabelled.
    """
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if np.isfinite(v) else ""))
    ax.yaxis.set_minor_formatter(NullFormatter())
