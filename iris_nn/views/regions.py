"""The decision-regions figure: which class ArgMax picks over a plane of two inputs.

The plane is the data set's own pair (Iris: petal length x petal width), else the two most
influential inputs (``views.influence``); any other inputs stay at their training median, so with
more than two inputs the background is a slice through the input space. A row's own prediction
uses all of its inputs and may differ from the colour under it: each row's marker is its own
prediction (its colour is its true class), the mistakes are ringed, and the figure says how many rows
sit on a colour other than their own prediction.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PathCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from iris_nn.core.functional import Array
from iris_nn.data.datasets import Labels
from iris_nn.data.split import Split
from iris_nn.views.run_view import RunView
from iris_nn.views.style import (
    MAX_SCATTER,
    MISS_COLOUR,
    article,
    class_colour,
    class_marker,
    legend_columns,
    new_figure,
    probabilities,
    sample_rows,
    sampled_note,
    sweep_range,
    title,
)

GRID_POINTS = 300  # per side of the region image; imshow smooths the rest
# How each part of the split is drawn: edge colour, marker area, z-order (test on top).
PARTS = {
    "train": ("white", 22, 3),
    "val": ("#777777", 30, 4),
    "test": ("black", 38, 5),
}
PART_NAMES = {"train": "training", "val": "validation", "test": "test"}
SLICE_COLOUR = "#666666"  # thin rings: right, though the slice under them says otherwise


def shaded_regions(P: Array, shape: tuple[int, ...]) -> Array:
    """Return an RGB image: the ArgMax class colour, paler where SoftMax is less confident.

    ``P`` is (n_points, n_classes), the probabilities at the points of an image of ``shape``.
    """
    n_classes = P.shape[-1]
    rgb = np.array([to_rgb(class_colour(k)) for k in range(n_classes)])
    winner = P.argmax(axis=-1)
    # 0 where all classes tie (1/K), 1 where the winner is certain.
    confidence = (P.max(axis=-1) - 1 / n_classes) / (1 - 1 / n_classes)
    # Pale at best, so rows drawn in the same colours stay visible on top.
    strength = (0.08 + 0.42 * confidence)[..., None]
    image = 1 - strength * (1 - rgb[winner])  # blend the class colour with white
    return image.reshape(*shape, 3)


def confidence_bar(fig: Figure, ax: Axes, n_classes: int) -> None:
    """Add the colour bar of ``shaded_regions``'s shade: the winner's SoftMax confidence."""
    cmap = LinearSegmentedColormap.from_list("confidence", [(0.88, 0.88, 0.88), (0.28, 0.28, 0.28)])
    bar = fig.colorbar(
        ScalarMappable(Normalize(1 / n_classes, 1.0), cmap), ax=ax, shrink=0.6, pad=0.02
    )
    bar.set_label("SoftMax confidence of the winner\n(paler = less sure)", fontsize=8)
    bar.ax.tick_params(labelsize=7)


def plane_grid(
    median: Array, i: int, j: int, x_range: tuple[float, float], y_range: tuple[float, float]
) -> tuple[Array, Array, Array]:
    """Return the grid of the plane of columns ``i`` x ``j``, the other inputs at ``median``.

    Returns the x and y coordinates (GRID_POINTS,) and the inputs (GRID_POINTS**2, n_features).
    """
    gx = np.linspace(*x_range, GRID_POINTS)
    gy = np.linspace(*y_range, GRID_POINTS)
    GX, GY = np.meshgrid(gx, gy)
    Xg = np.tile(median, (GX.size, 1))  # (points, n_features)
    Xg[:, i], Xg[:, j] = GX.ravel(), GY.ravel()
    return gx, gy, Xg


def shown_rows(split: Split, y: Labels, limit: int = MAX_SCATTER) -> dict[str, NDArray[np.intp]]:
    """Return the rows to draw of each part: all of them, or a stratified sample of ``limit``."""
    parts = {"train": split.train, "val": split.val, "test": split.test}
    total = sum(len(rows) for rows in parts.values())
    return {
        part: sample_rows(
            rows, y, max(1, round(limit * len(rows) / total)) if total > limit else limit
        )
        for part, rows in parts.items()
        if len(rows)
    }


def jitter(values: Array, seed: int) -> Array | None:
    """Return small offsets for a column of few distinct values (pixels 0..16), else None.

    Rows with equal inputs would hide each other; a fixed seed keeps redraws identical.
    """
    distinct = np.unique(values)
    if len(distinct) > 20 or len(distinct) < 2:
        return None
    step = float(np.min(np.diff(distinct)))
    return np.random.default_rng(seed).uniform(-0.3 * step, 0.3 * step, len(values))


def _rows(
    ax: Axes,
    xs: Array,
    ys: Array,
    truth: Labels,
    predicted: Labels,
    part: str,
    off_slice: NDArray[np.bool_] | None = None,
) -> None:
    """Draw one part's rows: colour = true class, marker = own prediction, mistakes ringed;
    right rows whose colour underneath is another class's (``off_slice``) get a thin grey ring."""
    edge, size, zorder = PARTS[part]
    wrong = predicted != truth
    # Data sets repeat measurements across classes, so the wrong rows are drawn again on top: the
    # ringed marker is then the row that is wrong, not a neighbour hiding it.
    for subset, z, gid in ((np.ones(len(truth), dtype=bool), zorder, part), (wrong, 7, None)):
        for k in np.unique(predicted[subset]):
            m = subset & (predicted == k)
            collection = ax.scatter(
                xs[m],
                ys[m],
                marker=class_marker(int(k)),
                c=[class_colour(int(t)) for t in truth[m]],
                s=size,
                edgecolors=edge,
                linewidths=0.9 if part == "test" else 0.6,
                zorder=z,
            )
            if gid:
                collection.set_gid(f"{gid}:predicted={int(k)}")

    def ring(rows: NDArray[np.bool_], size: float, colour: str, width: float) -> PathCollection:
        return ax.scatter(
            xs[rows],
            ys[rows],
            s=size,
            facecolors="none",
            edgecolors=colour,
            linewidths=width,
            zorder=8,
        )

    if wrong.any():
        ring(wrong, 200, MISS_COLOUR, 1.5)
    if off_slice is not None and (off_slice & ~wrong).any():
        ring(off_slice & ~wrong, 130, SLICE_COLOUR, 1.0).set_gid(f"{part}:off-slice")


def _legend_handles(
    classes: Sequence[str], parts: Sequence[str], slice_ring: bool
) -> list[Line2D | Patch]:
    handles: list[Line2D | Patch] = [
        Line2D([], [], ls="", marker=class_marker(k), color=class_colour(k), markersize=6, label=c)
        for k, c in enumerate(classes)
    ]
    for part in parts:
        edge, _, _ = PARTS[part]
        handles.append(
            Line2D([], [], marker="o", ls="", color="#BBBBBB", mec=edge, label=PART_NAMES[part])
        )
    handles.append(
        Line2D(
            [], [], marker="o", ls="", mfc="none", mec=MISS_COLOUR, mew=1.8, ms=10, label="wrong"
        )
    )
    if slice_ring:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                mfc="none",
                mec=SLICE_COLOUR,
                mew=1.0,
                ms=8,
                label="right, off the slice",
            )
        )
    return handles


def decision_regions_figure(view: RunView) -> Figure:
    """Return the plane of two inputs coloured by ArgMax class, shaded by SoftMax confidence.

    The plane is the data set's preferred one, else the two most influential inputs, with the
    others at their training median. The run's train, validation and test rows are drawn (at
    most ``MAX_SCATTER`` in all, a stratified sample), each coloured by its true class and shaped
    as the network's prediction. A one-input model gets the same as a strip along its axis, one
    row per true class.
    """
    model, X, y, split, info = view.run.model, view.X, view.y, view.run.split, view.info
    median, run_name = view.training.median, view.name
    features, classes = model.features, model.classes
    n_classes = len(classes)
    label, noun, nouns = info.label, info.noun, info.nouns
    target = info.target.replace("_", " ")
    drawn = shown_rows(split, y)
    n_drawn = sum(len(r) for r in drawn.values())
    n_total = len(split.train) + len(split.val) + len(split.test)
    i, j = view.plane()  # numeric inputs only; (k, k): a strip along the one there is
    one = i == j
    slice_ring = len(features) > 2  # until too many rows would need a ring
    width = 8.0 if one else 7.6
    labels = [*classes, *(PART_NAMES[p] for p in drawn), "wrong", "right, off the slice"]
    columns = legend_columns(labels, width)
    legend_rows = -(-len(labels) // columns)
    notes = []
    if one:
        fig = new_figure(width, 2.6 + 0.22 * n_classes + 0.25 * legend_rows)
        ax = fig.subplots()
        lo, hi = sweep_range(X[np.concatenate(list(drawn.values())), i])
        grid = np.tile(median, (4 * GRID_POINTS, 1))  # (points, n_features)
        grid[:, i] = np.linspace(lo, hi, 4 * GRID_POINTS)
        image = shaded_regions(probabilities(model, grid), (1, len(grid)))
        ax.imshow(
            image, extent=(lo, hi, -0.6, n_classes - 0.4), aspect="auto", interpolation="nearest"
        )
        lift = np.random.default_rng(0).uniform(-0.22, 0.22, len(y))  # fixed: redraws match
        for part, rows in drawn.items():
            predicted = probabilities(model, X[rows]).argmax(axis=1)
            _rows(ax, X[rows, i], y[rows] + lift[rows], y[rows], predicted, part)
        ax.set_xlim(lo, hi)
        ax.set_ylim(-0.6, n_classes - 0.4)
        ax.set_yticks(range(n_classes), classes, fontsize=8 if n_classes <= 12 else 7)
        ax.set_ylabel(f"true {target}")
        ax.set_xlabel(label(features[i]))
        what = f"ArgMax {target} along " + (
            "the only input" if len(features) == 1 else f"{features[i]}, the only numeric input"
        )
    else:
        fig = new_figure(width, 6.0 + 0.25 * (legend_rows - 1))
        ax = fig.subplots()
        every = np.concatenate(list(drawn.values()))
        x_range, y_range = sweep_range(X[every, i], 0.05), sweep_range(X[every, j], 0.05)
        _, _, Xg = plane_grid(median, i, j, x_range, y_range)
        image = shaded_regions(probabilities(model, Xg), (GRID_POINTS, GRID_POINTS))
        # Bilinear smoothing hides the pixel grid; the borders stay where the classes change.
        ax.imshow(
            image,
            extent=(*x_range, *y_range),
            origin="lower",
            aspect="auto",
            interpolation="bilinear",
        )
        jitters = [jitter(X[every, i], 1), jitter(X[every, j], 2)]
        predicted, off = {}, {}
        for part, rows in drawn.items():
            predicted[part] = probabilities(model, X[rows]).argmax(axis=1)
            on_plane = np.tile(median, (len(rows), 1))  # the rows moved onto the slice
            on_plane[:, [i, j]] = X[rows][:, [i, j]]
            off[part] = probabilities(model, on_plane).argmax(axis=1) != predicted[part]
        off_slice = sum(int(np.count_nonzero(o)) for o in off.values())
        # Rings help find a few rows; round most rows they would only hide the markers.
        slice_ring = slice_ring and off_slice <= 0.2 * n_drawn
        start = 0
        for part, rows in drawn.items():
            xs, ys = X[rows, i].copy(), X[rows, j].copy()
            for values, offsets in zip((xs, ys), jitters, strict=True):
                if offsets is not None:
                    values += offsets[start : start + len(rows)]
            start += len(rows)
            _rows(ax, xs, ys, y[rows], predicted[part], part, off[part] if slice_ring else None)
        ax.set_xlim(*x_range)
        ax.set_ylim(*y_range)
        ax.set_xlabel(label(features[i]))
        ax.set_ylabel(label(features[j]))
        words = [f.replace("_", " ") for f in (features[i], features[j])]
        what = f"ArgMax {target} over {words[0]} and {words[1]}"
        others = len(features) - 2
        if others:
            how_many = f"{off_slice:,} of the {n_drawn:,} drawn do"
            notes.append(
                f"The background is a slice: the other {others} input{'s' * (others != 1)} "
                "held at their training median"
                + (" (a text column at its most frequent value)" if view.layout.categories else "")
                + ". A marker is the network's own prediction from "
                f"all of {article(noun)} {noun}'s inputs, so {article(noun)} {noun} can sit on "
                "another colour and still be right"
                + (f" (grey ring): {how_many}." if slice_ring else f": {how_many}.")
            )
        if any(offsets is not None for offsets in jitters):
            notes.append(f"The {nouns} are jittered a little: the inputs take few values.")
    notes.insert(0, f"Colour: true {target}; marker: predicted {target}; ringed: wrong.")
    sample = sampled_note(n_drawn, n_total, nouns)
    if sample:
        notes.append(sample[0].upper() + sample[1:] + ".")
    ax.set_title("\n".join(textwrap.wrap(" ".join(notes), 100)), fontsize=8, loc="left")
    confidence_bar(fig, ax, n_classes)
    fig.legend(
        handles=_legend_handles(classes, list(drawn), slice_ring),
        loc="outside lower center",
        ncols=columns,
        fontsize=8,
        frameon=False,
    )
    title(fig, what, run_name)
    return fig
