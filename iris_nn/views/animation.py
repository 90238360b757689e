"""Training in motion: ``plots/training.gif`` drawn from a run's ``snapshots.npz``.

One frame per chosen snapshot epoch (at most 60, spread evenly on a log scale, as training changes
fastest at the start): the decision regions with the rows, the tracked rows' SoftMax bars, and the
loss curve up to that epoch (on image data, ``image_animation``'s unit weights and test images
instead of the regions and bars). One figure is drawn once and only its artists change from frame to
frame (the image, the bar heights, the curve, the title), so a frame costs one canvas draw.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from numpy.typing import NDArray
from PIL import Image

from iris_nn.core.functional import Array, softmax
from iris_nn.core.network import Network
from iris_nn.store.rundir import PLOTS_DIR, read_snapshots, write_atomic
from iris_nn.views.figures import RunView, load_view
from iris_nn.views.presentation import get_style, present
from iris_nn.views.regions import shaded_regions
from iris_nn.views.style import (
    TEST_COLOUR,
    TRAIN_COLOUR,
    class_colour,
    class_handles,
    class_marker,
    log_y_axis,
    sample_rows,
    sampled_note,
    sweep_range,
)

ANIMATION_FILE = "training.gif"
MAX_FRAMES = 60
FRAME_DPI = 80  # at most 100: the GIF stays small
FRAME_MS = 120  # each frame's display time in the GIF and the report's player
LAST_FRAME_MS = 1500  # the trained network stays on screen a little longer
GRID = 120  # points per axis of the decision-regions image
MAX_BAR_ROWS = 4


def frame_indices(epochs: NDArray[np.int64], max_frames: int = MAX_FRAMES) -> NDArray[np.intp]:
    """Return the indices of at most ``max_frames`` snapshots, spread evenly on the log scale of
    ``epoch + 1``; the first and the last snapshot are always among them."""
    if len(epochs) <= max_frames:
        return np.arange(len(epochs))
    targets = np.geomspace(epochs[0] + 1, epochs[-1] + 1, max_frames) - 1
    nearest = np.abs(epochs[None, :] - targets[:, None]).argmin(axis=1)
    return np.unique(np.concatenate(([0], nearest, [len(epochs) - 1])))


class LossSoFar:
    """The loss panel: the curves so far on a symmetric-log epoch axis, full range from the start.

    Each curve is drawn faint in full once; ``show_upto`` draws it bold up to an epoch.
    """

    def __init__(self, ax: Axes, history: Mapping[str, Array]):
        self.epochs = np.asarray(history["epoch"])  # (n_rows,) epoch 0 included
        self.lines: list[tuple[Line2D, Array]] = []
        for column, colour, label in (
            ("train_loss", TRAIN_COLOUR, "training rows"),
            ("test_loss", TEST_COLOUR, "test rows (display only)"),
        ):
            values = np.asarray(history[column])
            if np.all(np.isnan(values)):
                continue
            ax.plot(self.epochs, values, color=colour, lw=0.8, alpha=0.2)
            (line,) = ax.plot([], [], color=colour, lw=1.6, label=label)
            self.lines.append((line, values))
        ax.set_xscale("symlog", linthresh=1)
        if all(np.nanmin(values) > 0 for _, values in self.lines):  # a loss of 0 has no log
            log_y_axis(ax)
        ax.set_xlim(0, max(1, int(self.epochs[-1])))
        ax.set_xlabel("epoch")
        ax.set_ylabel("cross-entropy")
        ax.legend(fontsize=8, loc="lower left")
        ax.set_title("loss so far", fontsize=9)

    def show_upto(self, epoch: int) -> None:
        """Draw each curve bold up to ``epoch``."""
        upto = self.epochs <= epoch
        for line, values in self.lines:
            line.set_data(self.epochs[upto], values[upto])


def styled_heading(fig: Figure, view: RunView) -> Text:
    """Return the figure's (empty) heading, after styling the figure for ``view.style``."""
    heading = fig.suptitle("", fontsize=11)
    style = get_style(view.style)
    if style.name != "paper":  # a room's frames: larger text, and at least 1280 pixels wide
        present(fig, style)
        fig.set_dpi(style.gif_width_px / fig.get_size_inches()[0])
    return heading


class Blit:
    """Blitting: the still parts are drawn once; each frame restores them and draws what moves."""

    def __init__(self, fig: Figure, canvas: FigureCanvasAgg, moving: Sequence[Artist]):
        self.fig, self.canvas, self.moving = fig, canvas, moving
        for artist in moving:
            artist.set_animated(True)
        canvas.draw()
        fig.set_layout_engine("none")  # laid out once: every frame keeps the same axes in place
        self.background = canvas.copy_from_bbox(fig.bbox)

    def frame(self) -> Image.Image:
        """Return the figure as it stands now (RGB), drawing only what moves."""
        self.canvas.restore_region(self.background)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        frame = Image.frombuffer("RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba())
        return frame.convert("RGB")


def draw_frames(view: RunView) -> tuple[list[int], list[Image.Image]]:
    """Return the epochs and the frames (RGB images) of the run's training animation.

    Raises RunError naming ``snapshots.npz`` when the run has none.
    """
    model, split = view.run.model, view.run.split
    epochs, theta = read_snapshots(view.run.path, len(model.net.theta))
    chosen = frame_indices(epochs)
    if view.image_shape is not None:  # pictures: unit weights and test images, not regions
        from iris_nn.views.image_animation import draw_image_frames

        return draw_image_frames(view, chosen, FRAME_DPI)
    classes, X, y = model.classes, view.X, view.y
    n_classes = len(classes)
    history = view.run.history

    fig = Figure(figsize=(11.0, 4.2), dpi=FRAME_DPI, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax_regions, ax_bars, ax_loss = fig.subplots(1, 3, width_ratios=[1.15, 1.0, 1.0])

    # The plane: the decision-regions figure's pair of features, the others at the median.
    i, j = view.plane()  # numeric inputs only; (k, k): a strip along the one there is
    one_feature = i == j
    kept = np.concatenate([split.train, split.val, split.test])  # a CSV's dropped rows are NaN
    (x0, x1) = sweep_range(X[kept, i], 0.05)
    (y0, y1) = (-0.6, n_classes - 0.4) if one_feature else sweep_range(X[kept, j], 0.05)
    gx, gy = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    GX, GY = np.meshgrid(gx, gy)
    grid = np.tile(view.training.median, (GX.size, 1))  # (points, n_features)
    grid[:, i] = GX.ravel()
    if not one_feature:
        grid[:, j] = GY.ravel()
    grid_inputs = model.scale_inputs(grid)
    image = ax_regions.imshow(
        np.ones((GRID, GRID, 3)),
        extent=(x0, x1, y0, y1),
        origin="lower",
        aspect="auto",
        interpolation="bilinear",
    )
    flowers = []  # drawn again over the regions' image in every frame
    everyone = np.concatenate([split.train, split.test])
    shown = sample_rows(everyone, y)  # at most MAX_SCATTER: every frame draws them
    ys = y[shown] + np.random.default_rng(0).uniform(-0.2, 0.2, len(shown)) if one_feature else None
    for k in range(n_classes):
        m = y[shown] == k
        dot = ax_regions.scatter(
            X[shown[m], i],
            (ys[m] if ys is not None else X[shown[m], j]),
            s=12,
            color=class_colour(k),
            marker=class_marker(k),
            edgecolors="white",
            linewidths=0.4,
        )
        flowers.append(dot)
    ax_regions.set_xlim(x0, x1)
    ax_regions.set_ylim(y0, y1)
    ax_regions.set_xlabel(view.info.label(model.features[i]))
    if one_feature:
        ax_regions.set_yticks(range(n_classes), classes)
    else:
        ax_regions.set_ylabel(view.info.label(model.features[j]))
    sample = sampled_note(len(shown), len(everyone), f"training and test {view.info.nouns}")
    ax_regions.set_title(
        "decision regions (ArgMax, shade = SoftMax)" + (f"\n{sample}" if sample else ""),
        fontsize=9 if not sample else 8,
    )

    # The tracked rows' SoftMax bars: one group per row, one bar per class.
    _, tracked_rows, _ = view.run.tracked
    rows = list(dict.fromkeys(int(r) for r in tracked_rows))[:MAX_BAR_ROWS]
    row_inputs = model.scale_inputs(X[rows])
    width = 0.8 / n_classes
    bars = [
        ax_bars.bar(
            np.arange(len(rows)) + (k - (n_classes - 1) / 2) * width,
            np.zeros(len(rows)),
            width,
            color=class_colour(k),
        )
        for k in range(n_classes)
    ]
    ax_bars.set_xticks(range(len(rows)), [f"#{r}\n(a {classes[y[r]]})" for r in rows], fontsize=8)
    ax_bars.set_ylim(0, 1)
    ax_bars.axhline(1 / n_classes, color="#999999", lw=0.8, ls=":")
    ax_bars.set_ylabel("SoftMax probability")
    ax_bars.set_title(f"followed training {view.info.noun}s", fontsize=9)

    loss = LossSoFar(ax_loss, history)
    (now,) = ax_loss.plot([], [], "o", color=TRAIN_COLOUR, ms=4)
    epoch_axis = loss.epochs

    fig.legend(
        handles=class_handles(classes, "patch"),
        loc="outside lower center",
        ncols=min(n_classes, 10),
        fontsize=8,
        frameon=False,
    )
    heading = styled_heading(fig, view)
    heading.set_text(f"Training, epoch {int(epochs[-1])} of {int(epochs[-1])}\n{view.name}")
    moving = [image, *flowers, *ax_regions.spines.values(), *(b for g in bars for b in g)]
    blit = Blit(fig, canvas, [*moving, *(line for line, _ in loss.lines), now, heading])
    frames, frame_epochs = [], []
    for index in chosen:
        epoch = int(epochs[index])
        net = Network(model.net.sizes, model.net.activation, theta[index].copy())
        P = softmax(net.forward(grid_inputs))  # (GRID * GRID, n_classes)
        image.set_data(shaded_regions(P, GX.shape) if not one_feature else _strip(P))
        for k, group in enumerate(bars):
            for bar, p in zip(group, softmax(net.forward(row_inputs))[:, k], strict=True):
                bar.set_height(p)
        loss.show_upto(epoch)
        at = np.searchsorted(epoch_axis, epoch)
        if at < len(epoch_axis):
            now.set_data([epoch], [history["train_loss"][at]])
        heading.set_text(f"Training, epoch {epoch} of {int(epochs[-1])}\n{view.name}")
        frames.append(blit.frame())
        frame_epochs.append(epoch)
    return frame_epochs, frames


def _strip(P: Array) -> Array:
    """Return a one-feature model's regions: the same colour in every row of the strip."""
    line = shaded_regions(P.reshape(GRID, GRID, -1)[0], (1, GRID))
    return np.repeat(line, GRID, axis=0)


def gif_bytes(frames: list[Image.Image]) -> bytes:
    """Return the frames as a looping GIF (one shared palette, so the colours do not flicker)."""
    palette = frames[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    indexed = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    durations = [FRAME_MS] * (len(frames) - 1) + [LAST_FRAME_MS]
    buf = io.BytesIO()
    indexed[0].save(
        buf, format="GIF", save_all=True, append_images=indexed[1:], duration=durations, loop=0
    )
    return buf.getvalue()


def render_animation(
    run_dir: str | Path, run_name: str | None = None, view: RunView | None = None
) -> Path:
    """Write ``run_dir/plots/training.gif`` from the run's snapshots; return its path.

    ``view`` is the run already loaded (``load_view``), so that drawing the figures as well reads
    its data set once.
    """
    view = view or load_view(run_dir, run_name)
    _, frames = draw_frames(view)
    plots = view.run.path / PLOTS_DIR
    plots.mkdir(exist_ok=True)
    write_atomic(plots / ANIMATION_FILE, gif_bytes(frames))
    return plots / ANIMATION_FILE


def gif_frames(path: Path) -> list[bytes]:
    """Return every frame of the GIF at ``path`` as PNG bytes (the report's player shows them)."""
    out = []
    with Image.open(path) as gif:
        for k in range(getattr(gif, "n_frames", 1)):
            gif.seek(k)
            buf = io.BytesIO()
            gif.convert("RGB").quantize(colors=256).save(buf, format="PNG", optimize=True)
            out.append(buf.getvalue())
    return out
