"""Figures of a table with text columns (SPEC 14): a ``column=value`` input is never swept.

The penguin-like table of ``test_categorical`` (two text columns, gaps everywhere) and a table with
one text column of 30 values: the decision plane and the node surfaces use numeric inputs only,
the probability curves show a text column as one panel of bars, the diagram names its inputs
``island=Biscoe``, and ``plots.plane`` may not name a text column's value.
"""

from collections import Counter

import numpy as np
import pytest
from conftest import run
from test_categorical import table, write

from iris_nn.views import influence, network_diagram, node_surfaces, outputs, regions
from iris_nn.views.figures import load_view
from iris_nn.views.style import probabilities


def text_of(fig):
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def many_values(n=300, seed=4):
    """Return rows with a text column of 30 values ("site00".."site29") and two numeric ones."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        s = i % 3
        site = int(rng.integers(0, 30))
        rows.append([f"{s + rng.normal() + 0.05 * site:.3f}", f"site{site:02d}",
                     f"{2 * s + rng.normal():.3f}", "abc"[s]])  # fmt: skip
    return rows


@pytest.fixture(scope="module", params=["penguins", "thirty"])
def text_run(request, tmp_path_factory):
    """Return (view, raw rows) of a small run on a table with text columns."""
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "penguins":
        rows = table(120, seed=3)
        path = write(tmp / "p.csv", rows)
    else:
        rows = many_values()
        path = write(tmp / "t.csv", rows, header=["x", "site", "z", "species"])
    result = run("train", "--data", path, "--set", "data.missing=impute", "--epochs", "40",
                 "--out", tmp / "o", "--name", "r", "--no-plots", "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    return load_view(tmp / "o" / "r"), rows


def test_the_held_point_takes_a_text_columns_most_frequent_value(text_run):
    view, rows = text_run
    layout, train = view.layout, view.run.split.train
    median = view.training.median
    for k, (column, block) in enumerate(layout.blocks()):
        if column not in layout.categories:
            continue
        cells = Counter(rows[i][k].strip() for i in train)
        values = layout.categories[column]
        counts = [cells[v] + (cells[""] if v == view.run.model.fill.get(column) else 0)
                  for v in values]  # fmt: skip
        expected = np.zeros(len(values))
        expected[int(np.argmax(counts))] = 1.0  # the first of the ties, sorted: as fit_fill
        np.testing.assert_array_equal(median[block], expected)
        assert median[block].sum() == 1


def test_a_text_columns_influence_is_its_swing_over_its_values(text_run):
    view, _ = text_run
    model, layout, median = view.run.model, view.layout, view.training.median
    swing = influence.influence(model, view.training, layout)
    for column, block in layout.blocks():
        if column in layout.categories:
            P = []
            for j in range(block.start, block.stop):  # each value in turn, by hand
                x = median.copy()
                x[block] = 0.0
                x[j] = 1.0
                P.append(probabilities(model, x[None, :])[0])
            P = np.array(P)
            np.testing.assert_allclose(swing[block], (P.max(axis=0) - P.min(axis=0)).max())


def test_no_plane_or_sweep_axis_is_a_text_columns_value(text_run):
    view, _ = text_run
    features, numeric = view.run.model.features, view.numeric
    i, j = view.plane()
    assert numeric[i] and numeric[j] and i != j
    assert [f for f, n in zip(features, numeric, strict=True) if not n] == [
        f for f in features if "=" in f
    ]
    text_inputs = {view.info.label(f) for f, n in zip(features, numeric, strict=True) if not n}
    plane = {view.info.label(features[i]), view.info.label(features[j])}
    fig = regions.decision_regions_figure(view)
    assert {fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()} == plane
    texts = set(text_of(fig)) | set(text_of(node_surfaces.node_surfaces_figure(view)))
    assert plane <= texts and not texts & text_inputs
    fig = outputs.probability_curves_figure(view)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert not any(ax.get_xlabel() in text_inputs for ax in shown)
    by_label = {ax.get_xlabel(): ax for ax in shown}
    n_classes = len(view.run.model.classes)
    for column, values in view.layout.categories.items():
        ax = by_label[column]  # one panel of bars: one stacked bar per value and class
        assert len(ax.patches) == len(values) * n_classes
        assert not ax.get_lines()  # nothing swept along it
        heights = np.array([p.get_height() for p in ax.patches]).reshape(n_classes, len(values))
        np.testing.assert_allclose(heights.sum(axis=0), 1.0)  # the probabilities add up to 1


def test_the_diagram_labels_its_inputs_column_equals_value(text_run):
    view, _ = text_run
    model = view.run.model
    row = view.example_rows[0]
    fig = network_diagram.network_figure(
        model, view.X[row], row, model.classes[view.y[row]], view.name, view.info.noun
    )
    texts = " ".join(text_of(fig))
    column, values = next(iter(view.layout.categories.items()))
    shown = [v for v in values if f"{column}={v}" in texts]
    assert shown, texts  # wide input layers show some of their inputs, each by its full name


def test_plots_plane_may_not_name_a_text_columns_value(tmp_path):
    path = write(tmp_path / "p.csv", table(60, seed=3))
    result = run("train", "--data", path, "--set", "data.missing=impute", "--set",
                 'plots.plane=["island=Dream","bill"]', "--out", tmp_path, "--no-plots")  # fmt: skip
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "Error: plots.plane = ['island=Dream', 'bill']: ['island=Dream'] is a text column's "
        "value, not a number to sweep; allowed: two of the numeric inputs bill, flipper"
    )
