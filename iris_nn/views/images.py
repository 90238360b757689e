"""Pictures as pictures (SPEC 16): rows of image data drawn as images, and each first-layer unit's
incoming weights drawn as the image it looks for.

An image row's inputs are its pixels row by row, so ``x.reshape(H, W)`` is the picture and the
first layer's column ``W1[:, j].reshape(H, W)`` is what unit ``j`` adds up: bright where a dark
pixel pushes its ``z`` up, the opposite colour where it pushes it down. ``W1`` is
(n_inputs, n_units), acting on the scaled inputs.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from iris_nn.core.functional import Array
from iris_nn.data.datasets import Labels
from iris_nn.store.model_file import Model
from iris_nn.views.style import DPI, probabilities

MAX_IMAGES = 40  # test rows drawn by images.png
MAX_UNITS = 32  # first-layer units drawn by unit_weights.png
COLUMNS = 8
INK = "gray_r"  # light background, dark ink: digits look as written
WEIGHTS = "RdBu"  # diverging: red negative, white 0, blue positive (the network figure's colours)
WRONG_COLOUR = "#D55E00"  # Okabe-Ito's vermilion: the frame of a wrong prediction


def unit_order(model: Model) -> NDArray[np.intp]:
    """Return the first layer's units, those with the largest outgoing weights first.

    Without hidden layers the first layer's units are the outputs, in class order.
    """
    net = model.net
    if net.n_layers == 1:
        return np.arange(net.sizes[1])
    outgoing = np.abs(net.W(2)).sum(axis=1)  # (n_units,)
    return np.argsort(-outgoing, kind="stable").astype(np.intp)


def unit_images(
    model: Model, shape: tuple[int, int], limit: int = MAX_UNITS
) -> tuple[NDArray[np.intp], Array, Array]:
    """Return up to ``limit`` first-layer units, their weights as images and their biases.

    Returns
    -------
    units : (n_shown,) the unit indices (0-based), largest outgoing weights first
    images : (n_shown, H, W) unit ``units[k]``'s incoming weights ``W1[:, units[k]]``, reshaped
    biases : (n_shown,)
    """
    units = unit_order(model)[:limit]
    W1, b1 = model.net.W(1), model.net.b(1)  # (n_inputs, n_units), (n_units,)
    images = W1[:, units].T.reshape(len(units), *shape)
    return units, images, b1[units]


def shown_rows(
    model: Model, X: Array, y: Labels, rows: NDArray[np.integer], limit: int = MAX_IMAGES
) -> tuple[NDArray[np.intp], NDArray[np.intp], Array]:
    """Return up to ``limit`` of ``rows``, the wrongly predicted ones first (in row order), with
    each one's predicted class and its SoftMax probability."""
    rows = np.asarray(rows, dtype=np.intp)
    P = probabilities(model, X[rows]) if len(rows) else np.zeros((0, len(model.classes)))
    predicted = P.argmax(axis=1) if len(rows) else np.zeros(0, dtype=np.intp)
    wrong = predicted != y[rows]
    order = np.concatenate([np.flatnonzero(wrong), np.flatnonzero(~wrong)])[:limit]
    return rows[order], predicted[order].astype(np.intp), P[order, predicted[order]]


def _grid(n: int) -> tuple[int, int]:
    columns = max(1, min(COLUMNS, n))
    return columns, max(1, -(-n // columns))


def _cell_size(shape: tuple[int, int]) -> float:
    """Return the inches of one picture: at least the room of its caption's two lines."""
    height, width = shape
    return 1.05 * min(1.6, max(0.75, width / height))


def images_figure(
    model: Model,
    shape: tuple[int, int],
    X: Array,
    y: Labels,
    test_rows: NDArray[np.integer],
    name: str,
    nouns: str = "images",
) -> Figure:
    """Return up to 40 test rows drawn as images, each with the network's prediction and its
    SoftMax probability under it; the wrong ones first, framed, with their true class."""
    rows, predicted, p = shown_rows(model, X, y, test_rows)
    classes = model.classes
    columns, lines = _grid(len(rows))
    cell = _cell_size(shape)
    fig = Figure(figsize=(columns * cell + 0.3, lines * (cell + 0.25) + 0.9), dpi=DPI)
    fig.set_layout_engine("constrained", h_pad=0.02, w_pad=0.02)
    axes = fig.subplots(lines, columns, squeeze=False)
    kept = np.isfinite(X[rows]).all(axis=1) if len(rows) else np.zeros(0, dtype=bool)
    low = float(np.min(X[rows][kept])) if kept.any() else 0.0
    high = float(np.max(X[rows][kept])) if kept.any() else 1.0
    for ax in axes.ravel():
        ax.set_axis_off()
    wrong_count = int(np.sum(predicted != y[rows]))
    for k, (row, guess, prob) in enumerate(zip(rows, predicted, p, strict=True)):
        ax = axes.ravel()[k]
        ax.set_axis_on()
        ax.imshow(X[row].reshape(shape), cmap=INK, vmin=low, vmax=high, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        right = guess == y[row]
        text = f"{classes[guess]} ({prob:.2f})"
        if not right:
            text += f"\ntrue {classes[y[row]]}"
        ax.set_title(text, fontsize=7.5, pad=2, color="black" if right else WRONG_COLOUR)
        for spine in ax.spines.values():
            spine.set_visible(not right)
            spine.set_color(WRONG_COLOUR)
            spine.set_linewidth(2.5)
    total = len(np.asarray(test_rows))
    shown = (
        f"{len(rows)} of {total} test {nouns}" if len(rows) < total else f"all {total} test {nouns}"
    )
    fig.suptitle(
        f"Test {nouns} and what the network said: {shown}, {wrong_count} wrong "
        f"(framed, first)\n{name}",
        fontsize=10,
    )
    return fig


def unit_weights_figure(model: Model, shape: tuple[int, int], name: str) -> Figure:
    """Return each first-layer unit's incoming weights drawn as an image on one diverging colour
    scale, symmetric about 0, titled with the unit and its bias (up to 32 units)."""
    units, images, biases = unit_images(model, shape)
    hidden = model.net.n_layers > 1
    columns, lines = _grid(len(units))
    cell = _cell_size(shape)
    fig = Figure(figsize=(columns * cell + 1.0, lines * (cell + 0.25) + 1.0), dpi=DPI)
    fig.set_layout_engine("constrained", h_pad=0.02, w_pad=0.02)
    axes = fig.subplots(lines, columns, squeeze=False)
    limit = float(np.max(np.abs(images))) if images.size else 1.0
    limit = limit if np.isfinite(limit) and limit > 0 else 1.0
    picture = None
    for ax in axes.ravel():
        ax.set_axis_off()
    for k, (unit, image, bias) in enumerate(zip(units, images, biases, strict=True)):
        ax = axes.ravel()[k]
        picture = ax.imshow(image, cmap=WEIGHTS, vmin=-limit, vmax=limit, interpolation="nearest")
        label = f"unit {unit + 1}" if hidden else str(model.classes[unit])
        ax.set_title(f"{label}\nb = {bias:.2f}", fontsize=7.5, pad=2)
    if picture is not None:
        bar = fig.colorbar(picture, ax=axes, shrink=0.8, aspect=30, pad=0.02)
        bar.set_label("weight (blue: a larger pixel raises z; red: lowers it)", fontsize=8)
        bar.ax.tick_params(labelsize=7.5)
    if hidden:
        total = model.net.sizes[1]
        what = f"{len(units)} of {total}" if len(units) < total else f"all {total}"
        heading = (
            f"What each first-layer unit looks for: {what} hidden units' weights as images, "
            "largest outgoing weights first"
        )
    else:
        heading = "What each class looks for: its output's weights as an image"
    fig.suptitle(f"{heading}\n{name}", fontsize=10)
    return fig
