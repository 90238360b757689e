"""node_surfaces.png: each unit's surface over the plane, titled with its formula; SoftMax panels
add up to 1 everywhere and raw outputs are the weighted sum of the hidden surfaces."""

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from made_models import IRIS, SPECIES, made_view, random_model
from made_models import NETWORKS as SHARED_NETWORKS
from textcheck import drawn_texts, text_problems

from iris_nn.data.scaler import Scaler
from iris_nn.views import node_surfaces as ns
from iris_nn.views.style import DPI

ROOT = Path(__file__).resolve().parents[1]


def model(features, hidden, classes, activation="relu", seed=0):
    """Return a model of random weights and biases, scaling by a unit center and scale."""
    return random_model(features, hidden, classes, activation, seed, center=3.0, scale=2.0)


def rows(m, n=60, seed=1):
    """Return ``n`` made-up rows of raw measurements for ``m``'s inputs (all of them training)."""
    X = np.random.default_rng(seed).uniform(0.0, 7.0, (n, len(m.features)))
    return X, np.arange(n)


def draw(m, plane=(0, 1)):
    X, train = rows(m)
    y = np.arange(len(X)) % len(m.classes)
    return ns.node_surfaces_figure(made_view(m, X, y, train), plane), X, train


def surface_images(fig):
    """Return the panels' images (GRID x GRID), top to bottom and left to right; not colour bars."""
    images = [im for im in fig.axes[0].images if im.get_array().shape == (ns.GRID, ns.GRID)]
    return [np.asarray(im.get_array(), dtype=float) for im in images]


def test_softmax_panels_add_up_to_one_everywhere():
    m = model(IRIS, (16,), SPECIES, "tanh")
    fig, _, _ = draw(m)
    images = surface_images(fig)
    assert len(images) == 8 + 3 + 3
    softmax = images[-3:]
    np.testing.assert_allclose(sum(softmax), 1.0, atol=1e-12)
    assert all(p.min() >= 0 and p.max() <= 1 for p in softmax)


def test_raw_outputs_add_up_the_hidden_surfaces():
    """With every hidden unit drawn, each raw output surface is sum_u W2[u, k] h_u + b2[k]."""
    m = model(("petal_width", "sepal_width"), (3,), SPECIES, "relu")
    fig, X, _ = draw(m)
    *hidden, z0, z1, z2, _, _, _ = surface_images(fig)
    W2, b2 = m.net.W(2), m.net.b(2)
    for k, z in enumerate((z0, z1, z2)):
        np.testing.assert_allclose(z, sum(W2[u, k] * hidden[u] for u in range(3)) + b2[k])
    # and each hidden surface is relu(w . x_scaled + b) at the plane's points, by hand at a corner
    (x0, _), (y0, _) = ns.sweep_range(X[:, 0], 0.05), ns.sweep_range(X[:, 1], 0.05)
    corner = (np.array([x0, y0]) - 3.0) / 2.0  # the scaler: (x - 3) / 2
    for u in range(3):
        by_hand = max(0.0, corner @ m.net.W(1)[:, u] + m.net.b(1)[u])
        assert hidden[u][0, 0] == pytest.approx(by_hand, abs=1e-12)


def test_titles_are_formulas_with_the_numbers():
    with open(ROOT / "configs" / "lesson-weights.toml", "rb") as f:
        weights = tomllib.load(f)
    m = model(("petal_width", "sepal_width"), (2,), SPECIES, "relu")
    for i in (1, 2):
        m.net.W(i)[...] = weights[f"W{i}"]
        m.net.b(i)[...] = weights[f"b{i}"]
    fig, _, _ = draw(m)
    texts = " ".join(t.get_text() for t in drawn_texts(fig)).replace("\n", " ")
    # the scaler (x - 3) / 2 folded in: w / 2 and b - 3 * (w1 + w2) / 2, by hand
    for title in (
        "h1 = relu(-1.25 petal_width + 0.30 sepal_width + 4.45)",  # 1.60 + 3.75 - 0.90
        "h2 = relu(-0.75 petal_width + 0.20 sepal_width + 2.35)",  # 0.70 + 2.25 - 0.60
        "setosa = -0.10 h1 + 1.50 h2 + 0.39",
        "versicolor = 2.40 h1 - 5.20 h2 - 0.34",  # -0.345 rounds to even
        "virginica = -2.20 h1 + 3.70 h2 + 1.05",
        "p(setosa) by SoftMax",
    ):
        assert title in texts, title


TERM = re.compile(r"([+-]?)\s*(\d+(?:\.\d+)?(?:e-?\d+)?)(?:\s+([A-Za-z_]\w*))?")


def evaluate(printed, values):
    """Return the value of a printed formula ``-1.25 petal_width + 0.30 sepal_width + 4.45`` at
    ``values`` ({name: array}), and the most its rounded numbers can be off by there."""
    total, slack = 0.0, 0.0
    for sign, number, name in TERM.findall(printed):
        x = values[name] if name else 1.0
        total = total + (-1.0 if sign == "-" else 1.0) * float(number) * x
        digits = len(number.split(".")[1]) if "." in number else 0
        ulp = (
            10.0**-digits if "e" not in number and float(number) >= 0.005 else 0.05 * float(number)
        )
        slack = slack + 0.5 * ulp * np.abs(x) * (1 + 1e-9)
    return total, slack


ACTIVATE = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "identity": lambda z: z}


@pytest.mark.parametrize(
    "features, hidden, activation",
    [(IRIS, (16,), "relu"), (("petal_width", "sepal_width"), (2,), "tanh"), (IRIS, (), "identity")],
)
def test_printed_formulas_give_the_panel_at_the_axes_values(features, hidden, activation):
    """Parse each panel's title, plug in the axis values (cm) and the other inputs' medians, and
    get the value drawn there: the run's scaling (Iris' own, standard) is folded into the title."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    columns = [IRIS.index(f) for f in features]
    X = iris.data[:, columns]
    m = random_model(features, hidden, SPECIES, activation if hidden else "relu", seed=3)
    m = type(m)(m.net, Scaler.fit(X[::2], "minmax" if len(features) == 2 else "standard"), m.meta)
    train = np.arange(0, 150, 2)
    plane = (features.index("petal_width"), features.index("sepal_width"))
    fig = ns.node_surfaces_figure(made_view(m, X, iris.target, train), plane)
    (x0, x1), (y0, y1) = ns.sweep_range(X[:, plane[0]], 0.05), ns.sweep_range(X[:, plane[1]], 0.05)
    gx, gy = np.linspace(x0, x1, ns.GRID), np.linspace(y0, y1, ns.GRID)
    median = np.median(X[train], axis=0)
    values = {name: np.full((ns.GRID, ns.GRID), median[k]) for k, name in enumerate(features)}
    values[features[plane[0]]], values[features[plane[1]]] = np.meshgrid(gx, gy)
    heads = [
        t.get_text().replace("\n", " ")
        for t in drawn_texts(fig)
        if re.match(r"(h\d+|setosa|versicolor|virginica) = ", t.get_text())
    ]
    images = surface_images(fig)
    if hidden:
        heads, images = heads[: len(images) - 6], images[: len(images) - 6]  # the hidden units
    else:
        heads, images = heads[:3], images[:3]  # the raw outputs, on the inputs themselves
    assert heads and len(heads) == len(images)
    act = ACTIVATE[activation]
    for head, image in zip(heads, images, strict=True):
        inside = re.search(r"\((.*)\)$", head)
        printed = inside.group(1) if hidden else head.split(" = ", 1)[1]
        z, slack = evaluate(printed, values)
        assert "more" not in printed and np.all(np.abs(act(z) - image) <= slack + 1e-9), head
        # the scaled-input numbers would miss by far more than the rounding allows
        assert slack.max() < 0.2


def test_formulas_keep_the_four_largest_terms():
    weights = np.array([0.1, -3.0, 0.2, 2.0, -0.5, 1.0])
    names = [f"x{k}" for k in range(6)]
    assert (
        ns.formula(weights, names, -0.25)
        == "-3.00 x1 + 2.00 x3 - 0.50 x4 + 1.00 x5 + 2 more - 0.25"
    )


def test_at_most_eight_units_with_the_largest_outgoing_weights():
    m = model(IRIS, (16,), SPECIES)
    panels, n_classes = ns.surfaces(m, np.zeros((4, 4)), (2, 2))
    hidden = [p.heading.split("\u00a0")[0] for p in panels if p.row == "hidden"]
    strongest = np.sort(np.argsort(-np.abs(m.net.W(2)).sum(axis=1))[:8])
    assert hidden == [f"h{u + 1}" for u in strongest] and n_classes == 3


NETWORKS = {
    **SHARED_NETWORKS,
    "20 classes": (IRIS, (8,), tuple(f"class_{k}" for k in range(20))),
    "softmax regression": (IRIS, (), SPECIES),
    "one input": (("petal_length",), (3,), SPECIES),
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_text_is_legible(name):
    m = model(*NETWORKS[name])
    fig, _, _ = draw(m, (0, 0) if len(m.features) == 1 else (0, 1))
    assert text_problems(fig) == []
    width, height = fig.get_size_inches() * DPI
    assert 500 <= width <= 2200 and 400 <= height <= (1600 if len(m.classes) <= 5 else 2100)
    assert fig.get_suptitle().splitlines()[-1] == "run"
    texts = " ".join(t.get_text() for t in drawn_texts(fig))
    if name == "20 classes":
        assert "The first 10 of 20 classes." in texts
        assert len(surface_images(fig)) == 8 + 10 + 10
    if name == "digits 64-16-10":
        assert "+ 60 more" in texts.replace("\n", " ")
