"""Training in motion on image data (SPEC 16): the animation's frames for pictures.

Instead of the decision regions, each frame shows the first-layer units' weights as images and a
dozen test images with the network's prediction under each, both changing epoch by epoch, beside
the loss so far. As in ``animation``, one figure is drawn once and only what moves is redrawn.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray
from PIL import Image

from iris_nn.core.functional import Array, softmax
from iris_nn.core.network import Network
from iris_nn.store.rundir import read_snapshots
from iris_nn.views.animation import Blit, LossSoFar, styled_heading
from iris_nn.views.figures import RunView
from iris_nn.views.images import INK, WEIGHTS, WRONG_COLOUR, unit_order

UNITS_SHOWN = 16  # a 4 x 4 mosaic of unit images
TESTS_SHOWN = 12  # a 3 x 4 mosaic of test images
MOSAIC_COLUMNS = 4


def mosaic(images: Array, columns: int = MOSAIC_COLUMNS) -> Array:
    """Return the images (n, H, W) tiled ``columns`` wide with a blank (NaN) line between them."""
    n, height, width = images.shape
    lines = max(1, -(-n // columns))
    out = np.full((lines * (height + 1) - 1, columns * (width + 1) - 1), np.nan)
    for k in range(n):
        r, c = divmod(k, columns)
        out[
            r * (height + 1) : r * (height + 1) + height, c * (width + 1) : c * (width + 1) + width
        ] = images[k]
    return out


def unit_mosaic(net: Network, units: NDArray[np.intp], shape: tuple[int, int]) -> Array:
    """Return the first-layer ``units``' incoming weights as images, tiled (``mosaic``)."""
    return mosaic(net.W(1)[:, units].T.reshape(len(units), *shape))


def draw_image_frames(
    view: RunView, chosen: NDArray[np.intp], frame_dpi: float
) -> tuple[list[int], list[Image.Image]]:
    """Return the epochs and frames (RGB images) of the snapshots ``chosen`` of an image run."""
    shape = view.image_shape
    assert shape is not None
    model, split, history = view.run.model, view.run.split, view.run.history
    epochs, theta = read_snapshots(view.run.path, len(model.net.theta))
    units = unit_order(model)[:UNITS_SHOWN]
    tests = np.asarray(split.test, dtype=np.intp)[:TESTS_SHOWN]
    test_inputs = model.scale_inputs(view.X[tests])
    classes = model.classes

    fig = Figure(figsize=(11.0, 4.4), dpi=frame_dpi, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax_units, ax_tests, ax_loss = fig.subplots(1, 3, width_ratios=[1.0, 1.0, 1.1])
    weights = ax_units.imshow(
        unit_mosaic(model.net, units, shape), cmap=WEIGHTS, interpolation="nearest"
    )
    ax_units.set_axis_off()
    units_title = ax_units.set_title("", fontsize=9)
    pictures = mosaic(view.X[tests].reshape(len(tests), *shape))
    ax_tests.imshow(pictures, cmap=INK, interpolation="nearest")
    ax_tests.set_axis_off()
    ax_tests.set_title("test images: what the network says now", fontsize=9)
    height, width = shape
    labels = []
    for k in range(len(tests)):
        r, c = divmod(k, MOSAIC_COLUMNS)
        labels.append(
            ax_tests.text(
                c * (width + 1) + width / 2 - 0.5,
                r * (height + 1) + height - 0.5,
                "",
                ha="center",
                va="top",
                fontsize=8,
                fontweight="bold",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            )
        )

    loss = LossSoFar(ax_loss, history)
    heading = styled_heading(fig, view)
    blit = Blit(
        fig, canvas, [weights, units_title, *labels, heading, *(line for line, _ in loss.lines)]
    )
    frames, frame_epochs = [], []
    for index in chosen:
        epoch = int(epochs[index])
        net = Network(model.net.sizes, model.net.activation, theta[index].copy())
        tiles = unit_mosaic(net, units, shape)
        limit = float(np.nanmax(np.abs(tiles))) or 1.0
        weights.set_data(tiles)
        weights.set_clim(-limit, limit)
        units_title.set_text(
            f"first-layer units' weights (red < 0 < blue, up to ±{limit:.2f})"
            if net.n_layers > 1
            else f"each class's weights (red < 0 < blue, up to ±{limit:.2f})"
        )
        P = softmax(net.forward(test_inputs))  # (n_tests, n_classes)
        for label, p, truth in zip(labels, P, view.y[tests], strict=True):
            guess = int(p.argmax())
            label.set_text(f"{classes[guess]} {p[guess]:.2f}")
            label.set_color("black" if guess == truth else WRONG_COLOUR)
        loss.show_upto(epoch)
        heading.set_text(f"Training, epoch {epoch} of {int(epochs[-1])}\n{view.name}")
        frames.append(blit.frame())
        frame_epochs.append(epoch)
    return frame_epochs, frames
