"""One backpropagation step drawn on the network (``backprop --plot``): the layout of
``network.png`` (``network_layout.canvas``), with each edge's gradient ``dL/dw`` instead of its
weight (blue positive, red negative, width by size, the number on the edge), each unit's delta
``dL/dz`` beside it, and arrowheads pointing backwards, from the outputs towards the inputs, the way
the deltas travel. On the right, the output deltas ``p - y`` that start it all.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from iris_nn.inference.backprop import Step
from iris_nn.store.model_file import Model
from iris_nn.views import network_diagram as nd
from iris_nn.views import network_labels as labels
from iris_nn.views import network_layout as layout
from iris_nn.views.style import class_colour, title

ARROW_AT = (
    0.16,
    0.06,
)  # an edge's arrowhead: from this fraction of the way from its source to this


def gradient_text(g: float) -> str:
    """Return a gradient in 3 significant digits (``-0.579``, ``0.0612``), ``0`` for zero."""
    if g == 0:
        return "0"
    text = f"{g:.3g}"
    return text.replace("e-0", "e-")


def backprop_figure(model: Model, step: Step, run_name: str = "") -> Figure:
    """Return the network with the step's gradients on its edges and deltas beside its units.

    The units drawn are those with the largest gradients (at most 12 a column, as network.png
    draws the largest weights). A batch's deltas are their means over the rows.
    """
    grads = [g.dW for g in step.layers]  # (n_in, n_out) each
    mean_delta = [g.delta.mean(axis=0) for g in step.layers]  # (n_out,) each
    n = len(step.y)
    right = 1.6  # p, y and p - y for each class
    c = layout.canvas(model, grads, right, n_notes=3, top=1.65)
    ax, columns = c.ax, c.columns
    delta_name = "δ" if n == 1 else "mean δ"

    def beside(layer: int, unit: int) -> str:
        return f"{delta_name} {gradient_text(float(mean_delta[layer - 1][unit]))}"

    layers = nd.draw_edges(ax, columns, grads)
    for segments, values, _ in layers:
        for (x0, y0, x1, y1), v in zip(segments, values, strict=True):
            tail = (x0 + ARROW_AT[0] * (x1 - x0), y0 + ARROW_AT[0] * (y1 - y0))
            tip = (x0 + ARROW_AT[1] * (x1 - x0), y0 + ARROW_AT[1] * (y1 - y0))
            ax.add_patch(
                FancyArrowPatch(
                    tail,
                    tip,
                    arrowstyle="-|>",
                    mutation_scale=9,
                    lw=0,
                    color=layout.POSITIVE if v >= 0 else layout.NEGATIVE,
                    alpha=0.85,
                    zorder=2,
                )
            )
    nd.draw_units(ax, c.taken, c.backs, columns, model, c.head_y, beside)
    numbered = sum(
        labels.number_edges(ax, c.taken, c.backs, *layer, fmt=gradient_text) for layer in layers
    )
    ax.add_collection(PatchCollection(c.backs, fc="white", ec="none", alpha=0.9, zorder=5))

    # the output deltas p - y, right of the output units
    out = columns[-1]
    P, Y = step.forward.P.mean(axis=0), np.bincount(step.y, minlength=len(model.classes)) / n
    x_name = out.x + layout.R + 0.1
    x_delta = x_name + c.class_w + 0.25
    for unit, yy in zip(out.units, out.ys, strict=True):
        ax.text(
            x_name,
            yy,
            model.classes[unit],
            ha="left",
            va="center",
            fontsize=layout.NAME,
            color=class_colour(int(unit)),
            fontweight="bold",
        )
        ax.text(
            x_delta,
            yy,
            f"{P[unit]:.3f} - {gradient_text(float(Y[unit]))} = "
            f"{gradient_text(float(mean_delta[-1][unit]))}",
            ha="left",
            va="center",
            fontsize=layout.NAME,
        )
    head = "p - y" if n == 1 else f"mean p - y\nover {n} rows"
    ax.text(x_delta + 0.55, c.head_y, head, ha="center", va="bottom", fontsize=layout.HEAD)
    ax.add_patch(  # the direction of the whole pass, above the columns
        FancyArrowPatch(
            (columns[-1].x, c.head_y + 0.55),
            (columns[0].x, c.head_y + 0.55),
            arrowstyle="-|>",
            mutation_scale=12,
            lw=1.2,
            color="#555555",
        )
    )
    ax.text(
        (columns[0].x + columns[-1].x) / 2,
        c.head_y + 0.6,
        "backpropagation: the deltas travel from the outputs back to the inputs",
        ha="center",
        va="bottom",
        fontsize=layout.SMALL,
        color="#333333",
    )
    total = sum(g.size for g in grads)
    rows = f"{step.forward.noun} 1" if n == 1 else f"the mean over {n} rows"
    notes = [
        "Edges: dL/dw = a * δ, blue = positive gradient (the step lowers the weight), red = negative"
        " (it raises it), thicker = larger; arrows point backwards.",
        f"δ = dL/dz of the unit ({rows}): p - y at the outputs, (sum of w * δ above) * f'(z) below."
        f" lr {step.lr:g}, L2 {step.l2:g}" + ("." if not step.l2 else " (in dL/dw: + l2 / n * w)."),
        "Numbers on every gradient."
        if numbered == total
        else f"Numbers on {numbered} of the {total} gradients: in crowded layers, the largest only.",
    ]
    if c.any_left_out:
        notes.insert(2, nd.LEFT_OUT_NOTE.replace("largest weights", "largest gradients"))
    ax.text(
        0.25,
        0.2,
        "\n".join(notes),
        ha="left",
        va="bottom",
        fontsize=layout.SMALL,
        color="#333333",
        linespacing=1.5,
    )
    loss = f"loss {step.loss_before:.4g} -> {step.loss_after:.4g} after the step"
    title(
        c.fig,
        "One step of backpropagation: gradients on the edges, deltas beside the units",
        f"{run_name}  {loss}".strip(),
    )
    return c.fig
