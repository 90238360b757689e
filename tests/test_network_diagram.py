"""network.png: every weight and bias of a small network on the diagram, wide layers pruned to
their strongest units, legible text for the statquest, default, deep and 64-input networks."""

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from made_models import IRIS, SPECIES, random_model
from made_models import NETWORKS as SHARED_NETWORKS
from matplotlib.collections import LineCollection
from textcheck import drawn_texts, text_problems

from iris_nn.core.functional import softmax
from iris_nn.views import network_diagram as nd
from iris_nn.views import network_labels as labels
from iris_nn.views import network_layout as layout
from iris_nn.views.style import DPI

ROOT = Path(__file__).resolve().parents[1]


def model(features, hidden, classes, activation="relu", seed=0):
    """Return a model of random weights and biases (no training needed to draw one)."""
    return random_model(features, hidden, classes, activation, seed, sd=1.5)


def draw(m):
    x = np.linspace(-1.0, 1.0, len(m.features))
    return nd.network_figure(m, x, 7, m.classes[0], "run"), x


def numbers(texts):
    """Return the texts of edge weights (coloured by sign), with their x positions (inches)."""
    colours = {layout.POSITIVE, layout.NEGATIVE}
    return [(t.get_position()[0], t.get_text()) for t in texts if t.get_color() in colours]


NETWORKS = {
    **SHARED_NETWORKS,
    "softmax regression": (IRIS, (), SPECIES),
    "one input": (("petal_length",), (3,), SPECIES),
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_text_is_legible(name):
    fig, _ = draw(model(*NETWORKS[name]))
    assert text_problems(fig) == []
    width, height = fig.get_size_inches() * DPI
    assert 500 <= width <= 2200 and 400 <= height <= 1600
    assert fig.get_suptitle().splitlines()[-1] == "run"


def test_a_small_network_shows_every_weight_and_bias():
    m = model(*NETWORKS["statquest 2-2-3"])
    fig, x = draw(m)
    texts = [t.get_text() for t in drawn_texts(fig)]
    net = m.net
    weights = sorted(labels.two_decimals(w) for i in (1, 2) for w in net.W(i).ravel())
    assert sorted(text for _, text in numbers(drawn_texts(fig))) == weights  # 4 + 6, each once
    for u, b in enumerate(net.b(1)):  # hidden units by name, as node_surfaces.png names them
        assert f"h{u + 1}  b {labels.two_decimals(b)}" in texts
    for b in net.b(2):
        assert f"b {labels.two_decimals(b)}" in texts
    assert "petal_width" in texts and "sepal_width" in texts and "setosa" in texts
    assert "hidden layer 1\n2 relu units" in texts
    assert "Numbers on every weight." in "\n".join(texts)
    p = softmax(m.logits(x[None, :]))[0]  # the example row through SoftMax and ArgMax
    for k in range(3):
        assert f"{p[k]:.3f}" in texts
    assert texts.count("1") == 1 and texts.count("0") == 2  # the one-hot


def test_wide_layers_show_their_strongest_units_and_edges():
    m = model(*NETWORKS["default 4-16-3"])
    fig, _ = draw(m)
    texts = drawn_texts(fig)
    strings = [t.get_text() for t in texts]
    outgoing = np.abs(m.net.W(2)).sum(axis=1)  # (16,): each hidden unit's outgoing weights
    kept = sorted(np.argsort(-outgoing)[:12] + 1)
    tags = [s for s in strings if re.fullmatch(r"h\d+  b -?\d+\.\d\d", s)]
    shown = sorted(int(s.split()[0][1:]) for s in tags)
    assert shown == kept  # "hk  b ..." tags: the 12 units with the largest weights
    assert "+ 4 units not drawn" in strings
    hidden_x = next(t.get_position()[0] for t in texts if t.get_text() == tags[0])
    for layer, W in ((1, m.net.W(1)[:, np.array(kept) - 1]), (2, m.net.W(2)[np.array(kept) - 1])):
        written = [float(text) for x, text in numbers(texts) if (x < hidden_x) == (layer == 1)]
        assert 0 < len(written) <= layout.MAX_NUMBERS  # a crowded layer: among its strongest only
        candidates = np.sort(np.abs(W.ravel()))[-2 * layout.MAX_NUMBERS :]
        assert min(map(abs, written)) >= candidates.min() - 0.005


def test_sixty_four_inputs_are_pruned_to_twelve():
    m = model(*NETWORKS["digits 64-16-10"])
    fig, _ = draw(m)
    strings = [t.get_text() for t in drawn_texts(fig)]
    inputs = [s for s in strings if s.startswith("pixel_")]
    strongest = np.argsort(-np.abs(m.net.W(1)).sum(axis=1))[:12]
    assert sorted(inputs) == sorted(m.features[i] for i in strongest)
    assert "+ 52 inputs not drawn" in strings and "+ 4 units not drawn" in strings


def edge_lines(fig, m):
    """Return per drawn layer its edges (x0, y0, x1, y1, half width, inches) and their weights,
    read from the figure's line collections; the weights from the model, in the same order."""
    ax = fig.axes[0]
    collections = [c for c in ax.collections if isinstance(c, LineCollection)]
    Ws = [m.net.W(i) for i in range(1, m.net.n_layers + 1)]
    picks = [layout.drawn_units(s) for s in layout.unit_scores(Ws)]
    layers = []
    for i, (c, W) in enumerate(zip(collections, Ws, strict=True)):
        segments = np.array([seg.ravel() for seg in c.get_segments()])  # (edges, 4), inches
        widths = np.broadcast_to(c.get_linewidths(), len(segments)) / 72 / 2
        layers.append((np.column_stack([segments, widths]), W[np.ix_(picks[i], picks[i + 1])]))
    return layers


def label_problems(fig, m):
    """Return each weight's number whose box (matplotlib's own extent) crosses a drawn edge
    other than one edge of that weight, or which no edge of that weight passes through."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    to_inches = fig.dpi_scale_trans.inverted()
    lines, weights = zip(*edge_lines(fig, m), strict=True)
    lines = np.concatenate(lines)
    values = np.array([labels.two_decimals(w) for W in weights for w in W.ravel()])
    problems = []
    for t in texts:
        if t.get_color() not in (layout.POSITIVE, layout.NEGATIVE):
            continue
        box = t.get_window_extent(renderer).transformed(to_inches)
        hit = labels.crosses(np.array([box.x0, box.y0, box.x1, box.y1]), lines)
        if hit.sum() != 1 or values[hit][0] != t.get_text():
            problems.append(f"{t.get_text()} crosses {sorted(values[hit])}")
    return problems


@pytest.mark.parametrize("name", ["lesson", "default", "wine", "digits"])
def test_each_number_sits_on_its_own_edge_and_no_other(name):
    """The lesson's weights, and trained-like networks of the default, wine and digits shapes:
    each number's box is crossed by exactly one drawn edge, its own."""
    shapes = {
        "lesson": NETWORKS["statquest 2-2-3"],
        "default": (IRIS, (16,), SPECIES),
        "wine": (tuple(f"wine_feature_{k}" for k in range(13)), (16,), ("c0", "c1", "c2")),
        "digits": NETWORKS["digits 64-16-10"],
    }
    m = model(*shapes[name])
    if name == "lesson":
        with open(ROOT / "configs" / "lesson-weights.toml", "rb") as f:
            weights = tomllib.load(f)
        for i in (1, 2):
            m.net.W(i)[...] = weights[f"W{i}"]
            m.net.b(i)[...] = weights[f"b{i}"]
    fig, _ = draw(m)
    assert label_problems(fig, m) == []
    written = len(numbers(drawn_texts(fig)))
    # every weight of the lesson; crowded layers fewer (measured: 11, 9 and 3 of their strongest)
    assert written >= {"lesson": 10, "default": 8, "wine": 6, "digits": 2}[name]


def test_the_crossing_test_by_hand():
    box = np.array([0.0, 0.0, 1.0, 0.5])
    lines = np.array(
        [
            [-1.0, 0.25, 2.0, 0.25],  # straight through
            [-1.0, 0.6, 2.0, 0.6],  # above
            [-1.0, 0.6, 2.0, 0.6],  # above, but 0.2 wide each side reaches it
            [0.5, -1.0, 0.5, -0.1],  # stops short of it
            [-1.0, -1.0, 2.0, 2.0],  # diagonally across
            [1.5, -1.0, 2.5, 1.0],  # diagonal, to its right
        ]
    )
    lines = np.column_stack([lines[:, :4], [0, 0, 0.2, 0, 0, 0]])
    assert labels.crosses(box, lines).tolist() == [True, False, True, False, True, False]
