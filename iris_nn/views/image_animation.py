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
from iris_nn.views.figures import RunView
from iris_nn.views.images import INK, WEIGHTS, WRONG_COLOUR, unit_order
from iris_nn.views.presentation import get_style, present
from iris_nn.views.style import TEST_COLOUR, TRAIN_COLOUR, log_y_axis

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

    epoch_axis = np.asarray(history["epoch"])
    loss_lines = []
    for column, colour, label in (
        ("train_loss", TRAIN_COLOUR, "training rows"),
        ("test_loss", TEST_COLOUR, "test rows (display only)"),
    ):
        values = np.asarray(history[column])
        if np.all(np.isnan(values)):
            continue
        ax_loss.plot(epoch_axis, values, color=colour, lw=0.8, alpha=0.2)
        (line,) = ax_loss.plot([], [], color=colour, lw=1.6, label=label)
        loss_lines.append((line, values))
    ax_loss.set_xscale("symlog", linthresh=1)
    if all(np.nanmin(values) > 0 for _, values in loss_lines):
        log_y_axis(ax_loss)
    ax_loss.set_xlim(0, max(1, int(epoch_axis[-1])))
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.legend(fontsize=8, loc="lower left")
    ax_loss.set_title("loss so far", fontsize=9)
    heading = fig.suptitle("", fontsize=11)
    style = get_style(view.style)
    if style.name != "paper":
        present(fig, style)
        fig.set_dpi(style.gif_width_px / fig.get_size_inches()[0])

    moving = [weights, units_title, *labels, heading, *(line for line, _ in loss_lines)]
    for artist in moving:
        artist.set_animated(True)
    canvas.draw()
    fig.set_layout_engine("none")  # laid out once: every frame keeps the same axes in place
    background = canvas.copy_from_bbox(fig.bbox)
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
        upto = epoch_axis <= epoch
        for line, values in loss_lines:
            line.set_data(epoch_axis[upto], values[upto])
        heading.set_text(f"Training, epoch {epoch} of {int(epochs[-1])}\n{view.name}")
        canvas.restore_region(background)
        for artist in moving:
            fig.draw_artist(artist)
        frame = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
        frames.append(frame.convert("RGB"))
        frame_epochs.append(epoch)
    return frame_epochs, frames
