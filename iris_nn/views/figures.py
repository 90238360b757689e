"""The figure registry: each figure of a run declared once, by name, title, how to read it and the
function that draws it. ``train``, ``plot`` and the report all read ``FIGURES``; the tests iterate it.

Adding a figure is one ``FigureSpec`` here plus its drawing function.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import numpy as np
from matplotlib.figure import Figure

from iris_nn.core.functional import Array
from iris_nn.data.datasets import DatasetInfo, Labels
from iris_nn.store.model_file import load_model
from iris_nn.store.rundata import check_rows_kept, run_rows
from iris_nn.store.rundir import SPLIT_FILE, RunError, read_config, read_run
from iris_nn.views import images, network_diagram, node_surfaces, outputs, regions, training
from iris_nn.views.presentation import get_style
from iris_nn.views.run_view import RunView


def load_view(
    run_dir: str | Path,
    run_name: str | None = None,
    rows: tuple[DatasetInfo, Array, Labels] | None = None,
    row: int | None = None,
    style: str | None = None,
) -> RunView:
    """Return the run in ``run_dir`` with its data set's rows; raise RunError or ModelError.

    ``rows`` are the data set, ``X`` (in the model's feature order) and ``y`` when the caller
    holds them already (``train`` drawing the run it has just trained): a million rows are then
    not read and parsed again. ``style`` overrides the run's ``plots.style`` for this drawing.
    """
    if not Path(run_dir).is_dir():
        raise RunError(f"run directory {str(run_dir)!r} does not exist")
    model = load_model(run_dir)
    info, X, y = rows or run_rows(run_dir, model)
    run = read_run(run_dir, len(y), model)
    saved = read_config(run.path)
    plane = saved.get("plots.plane")
    if plane:  # the config's plane replaces the data set's own in every figure
        info = dataclasses.replace(info, plane=tuple(plane))
    split = run.split
    check_rows_kept(np.concatenate([split.train, split.val, split.test]), y, run.path / SPLIT_FILE)
    return RunView(
        run,
        info,
        X,
        y,
        run_name or run.path.resolve().name,
        row,
        style or saved.get("plots.style") or "paper",
    )


@dataclass(frozen=True)
class FigureSpec:
    """One figure: its file name under ``plots/``, its heading and a line on how to read it.

    ``how_to_read`` may say ``{noun}``, ``{nouns}`` and ``{target}``: ``reading`` fills in the data
    set's words (flower, flowers, species for Iris).
    """

    name: str
    title: str
    how_to_read: str
    draw: Callable[[RunView], Figure]
    fit: str = "relayout"  # how it takes plots.style (presentation.present): laid out by
    # matplotlib again, or "native" (draw lays it out for the style)
    data: str = "any"  # any | tables (sweeps of one or two inputs: not for pixels) | images

    def applies(self, view: RunView) -> bool:
        """Return whether the run draws this figure (SPEC 16: pictures for image data)."""
        pictures = view.image_shape is not None
        return self.data == "any" or (self.data == "images") == pictures

    def reading(self, info: DatasetInfo) -> str:
        """Return ``how_to_read`` in the words of the data set ``info``."""
        words = {"noun": info.noun, "nouns": info.nouns, "target": info.target.replace("_", " ")}
        return self.how_to_read.format(**words)


def _whole(value: object) -> TypeGuard[int]:
    """Return whether ``value`` read from JSON is a whole number >= 0 (an epoch or a row)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _loss(v: RunView) -> Figure:
    m, last = v.run.metrics, int(v.run.history["epoch"][-1])
    best, kept = m.get("best_epoch"), m.get("kept_epoch")
    return training.loss_figure(
        v.run.history,
        best if _whole(best) else last,
        str(m.get("stop_reason")),
        v.name,
        kept if _whole(kept) else None,
    )


def _confusion(v: RunView) -> Figure:
    classes = v.run.model.classes
    cm = v.run.metrics.get("confusion_matrix") or {}
    matrix = np.asarray(cm.get("matrix", np.zeros((len(classes),) * 2)))
    return outputs.confusion_matrix_figure(matrix, classes, v.name, v.info)


def _softmax_argmax(v: RunView) -> Figure:
    return outputs.softmax_argmax_figure(v.run.model, v.X, v.y, v.example_rows, v.name, v.info)


def _network(v: RunView) -> Figure:
    model = v.run.model
    row = v.example_rows[0]
    truth = model.classes[v.y[row]]
    style = get_style(v.style)
    return network_diagram.network_figure(model, v.X[row], row, truth, v.name, v.info.noun, style)


def _shape(v: RunView) -> tuple[int, int]:
    shape = v.image_shape
    if shape is None:
        raise RunError(f"the run {v.name!r} is not image data: it has no pictures to draw")
    return shape


def _images(v: RunView) -> Figure:
    nouns = v.info.nouns if v.info.noun != "row" else "images"  # a CSV's rows are pictures here
    return images.images_figure(v.run.model, _shape(v), v.X, v.y, v.run.split.test, v.name, nouns)


def _unit_weights(v: RunView) -> Figure:
    return images.unit_weights_figure(v.run.model, _shape(v), v.name)


def _evolution(v: RunView) -> Figure:
    epochs, rows, P = v.run.tracked
    m = v.run.metrics
    right = {
        t["row"]: (t.get("first_right"), t.get("right_for_good_from"))
        for t in m.get("tracked") or []
        if isinstance(t, dict)
        and _whole(t.get("row"))
        and all(
            _whole(t.get(k)) or t.get(k) is None for k in ("first_right", "right_for_good_from")
        )
    }
    kept = m.get("kept_epoch")
    return training.probability_evolution_figure(
        epochs,
        rows,
        P,
        v.y,
        v.run.model.classes,
        v.name,
        right if "tracked" in m else None,
        kept if _whole(kept) else None,
        v.info.noun,
    )


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        "loss.png",
        "Loss and accuracy",
        "Cross-entropy should fall and accuracy rise; with validation rows, a validation curve "
        "that turns up while the training curve keeps falling is overfitting. The test curve "
        "(purple) is measured at every epoch for display only: it never trains, stops or chooses "
        "the weights. The star marks the lowest training or validation loss, with a dot on each "
        "curve at that epoch; with early stopping, that epoch's weights are the ones kept.",
        _loss,
    ),
    FigureSpec(
        "probability_curves.png",
        "SoftMax probability curves",
        "Move along one input with the others held at their training median: the curves are "
        "the SoftMax probabilities (they add up to 1 at every point), the shade behind is the "
        "{target} ArgMax picks, and the ticks below are the training {nouns} of each {target}. "
        "With more than eight inputs, the eight that move the probabilities most get a panel. "
        "A text column is never swept: its panel's bars are the probabilities at each of its "
        "values, and elsewhere it holds its most frequent value.",
        outputs.probability_curves_figure,
        data="tables",
    ),
    FigureSpec(
        "decision_regions.png",
        "Decision regions",
        "Each point of the plane is coloured by the {target} ArgMax picks there, paler where "
        "SoftMax is less sure. Each {noun} is coloured by its true {target} and shaped as the "
        "network's prediction from all of its inputs; training {nouns} have a white edge, "
        "validation ones a grey edge, test ones a black edge, and ringed ones are wrong. With "
        "more than two inputs the plane is a slice (the others at their training median), so a "
        "{noun} can sit on another colour and still be predicted right.",
        regions.decision_regions_figure,
        data="tables",
    ),
    FigureSpec(
        "confusion_matrix.png",
        "Confusion matrix",
        "Rows are the true {target} of the test {nouns}, columns the {target} ArgMax predicted: "
        "everything off the diagonal is a mistake.",
        _confusion,
    ),
    FigureSpec(
        "softmax_argmax.png",
        "From raw outputs to a prediction",
        "For one test {noun} of each {target}, read left to right: the raw outputs of the "
        "network, SoftMax turning them into probabilities between 0 and 1 that add up to 1, and "
        "ArgMax setting the largest to 1 and the rest to 0.",
        _softmax_argmax,
    ),
    FigureSpec(
        "probability_evolution.png",
        "SoftMax probabilities during training",
        "Each panel follows one training {noun}: its probabilities start wherever the random "
        "initial weights put them (the grey line is 1 over the number of classes, no preference) "
        "and the true {target}'s curve (the thicker one) should climb towards 1. Training checks "
        "ArgMax at every epoch: the solid line is the epoch from which it names the right "
        "{target} until the end; when an earlier right answer did not last, a dashed line marks "
        "the first. With early stopping, the dotted line is the epoch whose weights were kept. "
        "The curves join the recorded epochs: every epoch of a short run, 100 spread evenly on "
        "the log scale of a long one.",
        _evolution,
    ),
    FigureSpec(
        "network.png",
        "The network, with its weights and biases",
        "Read left to right as the lesson draws it: each hidden unit adds up its inputs times the "
        "weights on its edges (blue positive, red negative, thicker = larger), adds its bias b and "
        "applies its activation (the curve drawn in it); each raw output does the same with the "
        "last hidden layer, then SoftMax turns the raw outputs into probabilities and ArgMax picks "
        "the largest, shown on the right for one test {noun}. Wide layers show their 12 units with "
        "the largest weights.",
        _network,
        fit="native",
    ),
    FigureSpec(
        "node_surfaces.png",
        "What each unit computes",
        "Each panel is one unit over the decision-regions plane, titled with its formula: the "
        "first hidden layer's units (blue where positive, white where 0, red where negative), "
        "each class's raw output adding those surfaces up with its weights, and each class's "
        "SoftMax probability, which add up to 1 at every point; the dots are the training "
        "{nouns}.",
        node_surfaces.node_surfaces_figure,
        fit="native",
        data="tables",
    ),
    FigureSpec(
        "images.png",
        "Test images and what the network said",
        "Each picture is one test {noun} as the network reads it, pixel by pixel; under it the "
        "{target} ArgMax picked and its SoftMax probability. The wrong ones come first, framed, "
        "with their true {target} under the guess: look at them to see whether the network "
        "was careless or the writing really is ambiguous.",
        _images,
        data="images",
    ),
    FigureSpec(
        "unit_weights.png",
        "What each hidden unit looks for",
        "Each picture is one first-layer unit's incoming weights, one per pixel, laid out as the "
        "image: blue pixels push the unit's z up where the {noun} has more ink, red ones push it "
        "down, white ones do not matter. A unit responds most to a {noun} whose ink sits on its "
        "blue and avoids its red; the bias b is added after. Units with the largest outgoing "
        "weights (the ones the outputs listen to most) come first.",
        _unit_weights,
        data="images",
    ),
)
FIGURE_NAMES = tuple(f.name for f in FIGURES)
PICTURES_NOTE = (
    "The inputs are the pixels of an image, so the figures that sweep one input or a plane of two "
    "with the others held at their median (probability curves, decision regions, what each unit "
    "computes) are left out: every point of them would be a picture of no {noun} at all. The "
    "test {nouns} with their predictions and the units' weights drawn as images take their place."
)


def figures_for(view: RunView) -> tuple[FigureSpec, ...]:
    """Return the figures the run ``view`` draws, in the registry's order."""
    return tuple(f for f in FIGURES if f.applies(view))
