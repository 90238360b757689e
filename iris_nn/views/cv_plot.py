"""The cross-validation figure: box plots of accuracy and log loss per model across the folds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from iris_nn.core.functional import Array

# Okabe-Ito: distinguishable with every common colour-vision deficiency
MODEL_COLOURS = {
    "iris_nn": "#0072B2",
    "mlp_classifier": "#56B4E9",
    "logistic_regression": "#E69F00",
    "svc": "#009E73",
    "lda": "#CC79A7",
    "dummy": "#999999",
}


def box_plot(scores: Mapping[str, Mapping[str, Array]], setup: str, title: str = "") -> Figure:
    """Return a Figure of box plots of accuracy and log loss per model across the folds.

    ``scores[model][metric]`` holds one value per fold; ``setup`` says how the folds were made.
    """
    # dummy (always the class prior) is a reference, not a contender: a box at 0.33 would squash
    # every real model into the top of the accuracy axis, so its level is written above instead.
    names: Sequence[str] = [n for n in scores if n != "dummy"]
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, metric, label in zip(
        axes,
        ("accuracy", "log_loss"),
        ("accuracy (fraction correct)", "log loss (nats)"),
        strict=True,
    ):
        box = ax.boxplot(
            [scores[n][metric] for n in names],
            tick_labels=names,
            patch_artist=True,
            medianprops={"color": "black"},
        )
        for patch, name in zip(box["boxes"], names, strict=True):
            patch.set_facecolor(MODEL_COLOURS.get(name, "#999999"))
        ax.set_ylabel(label)
        ax.tick_params(axis="x", labelrotation=30)
        ax.grid(axis="y", alpha=0.3)
        if "dummy" in scores:
            level = float(np.mean(scores["dummy"][metric]))
            ax.set_title(f"dummy (class prior), off the scale: {level:.3f}", fontsize=9)
    axes[1].set_yscale("log")
    fig.suptitle((title + ": " if title else "") + setup)
    return fig
