"""The seeds study shown: its table, ``plots/seeds.png`` and its ``report.html``.

The figure shows the lesson's caution (section 5.2): the same data, the same config, networks
differing only in their random initial weights, and how far apart their SoftMax probabilities,
their training and their decision regions end.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure, SubFigure

from iris_nn.core.functional import Array, softmax
from iris_nn.experiments.seeds import SeedsStudy
from iris_nn.store.model_file import Model
from iris_nn.store.rundir import PLOTS_DIR, REPORT_FILE, write_atomic
from iris_nn.views.influence import numeric_inputs, plane_features, ranked, spread
from iris_nn.views.regions import shaded_regions
from iris_nn.views.style import (
    TRAIN_COLOUR,
    class_colour,
    class_handles,
    class_marker,
    log_y_axis,
    new_figure,
    png_bytes,
    sweep_range,
    title,
)

FIGURE_FILE = "seeds.png"
MAX_REGIONS = 12  # decision-region panels
MAX_ROWS_SHOWN = 4  # tracked-row panels
GRID = 60  # points per axis of a small decision-region panel


def dead_text(dead: list[dict[str, int]]) -> str:
    """Return the dead units as ``L1U2, L1U1``, or ``-`` when there are none."""
    return ", ".join(f"L{d['layer']}U{d['unit']}" for d in dead) or "-"


def format_table(result: SeedsStudy) -> str:
    """Return the study as a text table: one line per network, the spread and the ensemble."""
    r, classes, data = result.record, result.data.classes, result.data
    # Per tracked row, the final probability of its own class: the spread the lesson warns about.
    heads = [f"p({classes[data.y[row]]})" for row in result.tracked]
    header = f"{'seed':>5}  {'test acc':>8}  {'log loss':>8}  {'epochs':>7}  " + "  ".join(
        f"{h:>{max(len(h), 6)}}" for h in heads
    )
    lines = [header + "  dead units"]
    for s in r["seeds"]:
        probs = [s["probabilities"][str(row)][classes[data.y[row]]] for row in result.tracked]
        cells = "  ".join(f"{p:>{max(len(h), 6)}.3f}" for p, h in zip(probs, heads, strict=True))
        dead = dead_text(s["dead_units"])
        lines.append(
            f"{s['seed']:>5}  {s['test_accuracy']:>8.3f}  {s['test_log_loss']:>8.4f}  "
            f"{s['epochs_run']:>7}  {cells}  {dead + ('  <- dead' if s['dead_units'] else '')}"
        )
    acc, loss = r["summary"]["test_accuracy"], r["summary"]["test_log_loss"]
    n_dead = sum(1 for s in r["seeds"] if s["dead_units"])
    ens, med = r["ensemble"], r["median_single"]
    median_seed = next(s["seed"] for s in r["seeds"] if s["test_log_loss"] == med["test_log_loss"])
    lines += [
        "",
        f"test accuracy   min {acc['min']:.3f}  median {acc['median']:.3f}  max {acc['max']:.3f}",
        f"test log loss   min {loss['min']:.4f}  median {loss['median']:.4f}  "
        f"max {loss['max']:.4f}",
        f"networks with dead units: {n_dead} of {r['n']}",
    ]
    labels = [f"ensemble of {r['n']} (mean SoftMax)", f"median single network (seed {median_seed})"]
    width = max(len(label) for label in labels)
    lines += [
        f"{label:<{width}}  test accuracy {m['test_accuracy']:.3f}  "
        f"test log loss {m['test_log_loss']:.4f}"
        for label, m in zip(labels, (ens, med), strict=True)
    ]
    lines.append(
        f"(median single network: the lower of the two middle test log losses, as {r['n']} is even)"
        if r["n"] % 2 == 0
        else f"(median single network: the middle test log loss of the {r['n']})"
    )
    return "\n".join(lines)


def _regions(
    result: SeedsStudy, i: int, j: int, extent: tuple[float, ...], base: Array
) -> list[Array]:
    """Return the shaded decision-region image of each of the first 12 networks.

    ``base`` (n_features,) holds the other inputs: the training median, a text column's most
    frequent value.
    """
    data = result.data
    x0, x1, y0, y1 = extent
    GX, GY = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
    Xg = np.tile(base, (GX.size, 1))  # (points, features)
    Xg[:, i], Xg[:, j] = GX.ravel(), GY.ravel()
    inputs = data.scaler(Xg)
    return [
        shaded_regions(softmax(n.network().forward(inputs)), GX.shape)
        for n in result.networks[:MAX_REGIONS]
    ]


def seeds_figure(result: SeedsStudy, name: str) -> Figure:
    """Return ``plots/seeds.png``: the tracked rows' probabilities per seed, every seed's training
    loss, and the decision regions of up to 12 seeds."""
    data, classes = result.data, result.data.classes
    rows = result.tracked[:MAX_ROWS_SHOWN]
    n_regions = min(len(result.networks), MAX_REGIONS)
    region_cols = 6
    region_rows = -(-n_regions // region_cols) if len(data.features) >= 2 else 0
    fig = new_figure(12.0, 3.4 + 2.1 * region_rows)
    top: Figure | SubFigure = fig
    bottom: SubFigure | None = None
    if region_rows:
        parts = fig.subfigures(2, 1, height_ratios=[3.4, 2.1 * region_rows], squeeze=False)
        top, bottom = parts[0, 0], parts[1, 0]
    axes = top.subplots(1, len(rows) + 1, width_ratios=[1] * len(rows) + [1.6])
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, len(result.networks))  # fixed
    for ax, t, row in zip(axes, range(len(rows)), rows, strict=False):
        P = np.array([n.tracked_probabilities[t] for n in result.networks])  # (n_seeds, n_classes)
        for k in range(len(classes)):
            ax.scatter(
                k + jitter,
                P[:, k],
                s=14,
                color=class_colour(k),
                marker=class_marker(k),
                alpha=0.7,
                linewidths=0,
            )
            ax.hlines(np.median(P[:, k]), k - 0.3, k + 0.3, color="black", lw=1.2)
        ax.set_xticks(range(len(classes)), classes, fontsize=8, rotation=20)
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"training {data.info.noun} #{row}\n(a {classes[data.y[row]]})", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].set_ylabel("final SoftMax probability\n(one dot per seed, bar = median)", fontsize=8)
    loss_ax = axes[-1]
    for dead in (False, True):  # the networks with dead units drawn on top, so they stand out
        for n in result.networks:
            if bool(n.dead_units) == dead:
                loss_ax.plot(
                    np.arange(len(n.train_loss)),
                    n.train_loss,
                    color="#D55E00" if dead else TRAIN_COLOUR,
                    lw=1.0 if dead else 0.8,
                    alpha=1.0 if dead else 0.35,
                )
    loss_ax.set_xscale("symlog", linthresh=1)  # epoch 0 included
    if all(np.all(n.train_loss > 0) for n in result.networks):  # a loss of exactly 0 has no log
        log_y_axis(loss_ax)
    loss_ax.set_xlabel("epoch", fontsize=8)
    loss_ax.set_ylabel("training cross-entropy", fontsize=8)
    n_dead = sum(1 for n in result.networks if n.dead_units)
    loss_ax.set_title(
        f"training loss of all {len(result.networks)} seeds\n"
        + (f"(orange: the {n_dead} with dead units)" if n_dead else "(none has a dead unit)"),
        fontsize=9,
    )
    loss_ax.tick_params(labelsize=8)
    if bottom is not None:
        # the decision-regions figure's plane: the data set's pair, else the features that move
        # network 0's probabilities most
        first = Model(result.networks[0].network(), data.scaler, {"features": list(data.features)})
        layout = data.layout
        training = spread(data.X, data.split.train, layout)
        ranking = ranked(first, training, layout)
        numeric = numeric_inputs(layout, len(data.features))
        i, j = plane_features(list(data.features), ranking, data.info.plane, numeric)
        shown = np.concatenate([data.split.train, data.split.val, data.split.test])  # not NaN
        (x0, x1), (y0, y1) = (
            sweep_range(data.X[shown, i], 0.05),
            sweep_range(data.X[shown, j], 0.05),
        )
        images = _regions(result, i, j, (x0, x1, y0, y1), training.median)
        panels = bottom.subplots(region_rows, region_cols, squeeze=False).ravel()
        train = data.split.train
        for ax, image, n in zip(panels, images, result.networks, strict=False):
            ax.imshow(
                image,
                extent=(x0, x1, y0, y1),
                origin="lower",
                aspect="auto",
                interpolation="bilinear",
            )
            for k in range(len(classes)):
                m = train[data.y[train] == k]
                ax.scatter(data.X[m, i], data.X[m, j], s=4, color=class_colour(k), linewidths=0)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"seed {n.seed}" + (" (dead unit)" if n.dead_units else ""), fontsize=8)
        for ax in panels[len(images) :]:
            ax.set_axis_off()
        bottom.supxlabel(
            f"decision regions of seeds 0-{len(images) - 1}: x {data.info.label(data.features[i])}"
            f", y {data.info.label(data.features[j])}",
            fontsize=8,
        )
    fig.legend(
        handles=class_handles(classes),
        loc="outside upper right",
        ncols=len(classes),
        fontsize=8,
        frameon=False,
    )
    title(fig, f"The same network from {len(result.networks)} random initial weights", name)
    return fig


HOW_TO_READ = (
    "Every network here saw the same training rows with the same config; only the random initial "
    "weights (train.init_seed) differ. Top left: for each followed training row, every seed's final "
    "SoftMax probability of each class; a wide spread is the lesson's caution that the "
    "probabilities depend on the initial weights. Top right: every seed's training loss; below: "
    "where each of the first seeds draws its class borders."
)


def render_study(result: SeedsStudy, directory: Path, name: str) -> list[Path]:
    """Write ``plots/seeds.png`` and ``report.html`` of the study into ``directory``."""
    plots = directory / PLOTS_DIR
    plots.mkdir(exist_ok=True)
    png = png_bytes(seeds_figure(result, name))
    write_atomic(plots / FIGURE_FILE, png)
    report = directory / REPORT_FILE
    write_atomic(report, study_html(result, name, png).encode("utf-8"))
    return [plots / FIGURE_FILE, report]


def study_html(result: SeedsStudy, name: str, png: bytes) -> str:
    """Return the study's self-contained page: the table and the figure."""
    from iris_nn.views.report import STYLE

    e = html.escape
    image = base64.b64encode(png).decode("ascii")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>iris-nn seeds {e(name)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>iris-nn seeds {e(name)}</h1>\n"
        f'<p class="sub">{result.record["n"]} trainings of one config, differing only in '
        "their random initial weights (and mini-batch order): "
        "<code>iris-nn train --set train.init_seed=K</code> reproduces network K.</p>\n"
        f"<h2>Networks</h2>\n<pre>{e(format_table(result))}</pre>\n"
        f'<h2>Plots</h2>\n<figure><img src="data:image/png;base64,{image}" alt="seeds">'
        f"<figcaption>{e(HOW_TO_READ)}</figcaption></figure>\n"
        "</body>\n</html>\n"
    )
