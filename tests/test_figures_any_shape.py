"""Figures for any shape of data (SPEC 6): 1 to 64 inputs, 2 to 20 classes, thousands of rows.

Every registered figure of an Iris, a wine, a digits and a 20-class CSV run is checked as a reader
meets it (text at least 7 pt, inside the canvas, never overlapping), and the limits hold: at most 8
feature panels (the most influential), at most 10 classes drawn, at most 2,000 rows scattered.
"""

import csv
from pathlib import Path

import numpy as np
import pytest
from conftest import ok
from matplotlib.collections import PathCollection
from textcheck import text_problems

from iris_nn.core.network import Network
from iris_nn.data.scaler import Scaler
from iris_nn.store.model_file import Model
from iris_nn.views import influence, style
from iris_nn.views.figures import FIGURES, figures_for, load_view
from iris_nn.views.style import probabilities

GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
]


def blobs_csv(path: Path, n_classes: int = 20, per_class: int = 130) -> Path:
    """Write a CSV of Gaussian blobs: six measured columns (with units) and a text class."""
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(n_classes, 6)) * 3
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Width (mm)", "Height (mm)", "Depth (mm)", "Mass (g)", "Hue", "Kind"])
        for k in range(n_classes):
            for row in centres[k] + rng.normal(size=(per_class, 6)):
                writer.writerow([f"{v:.3f}" for v in row[:5]] + [GREEK[k]])
    return path


def train_shapes(out, names, *options):
    """Return the runs ``names`` trained in ``out``, one per shape of data."""
    blobs = blobs_csv(out / "blobs.csv")
    shapes = {
        "iris": ["--set", "data.val_size=0.2"],
        "wine": ["--data", "wine"],
        "digits": ["--data", "digits"],
        "blobs": ["--data", blobs],
    }
    for name in names:
        ok("train", "--out", out, "--name", name, "--epochs", "30", "-q", *shapes[name], *options)
    return {name: out / name for name in names}


@pytest.fixture(scope="module")
def shaped(tmp_path_factory):
    """Return one run per shape of data: 4, 13, 64 inputs; 3, 10, 20 classes (the tests draw)."""
    names = ("iris", "wine", "digits", "blobs")
    return train_shapes(tmp_path_factory.mktemp("shapes"), names, "--no-plots")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """Return the digits and blobs runs with the figures and report train draws."""
    return train_shapes(tmp_path_factory.mktemp("drawn"), ("digits", "blobs"))


@pytest.fixture(scope="module")
def views(shaped):
    return {name: load_view(path) for name, path in shaped.items()}


# Iris every day; the other shapes, a few seconds a figure, with the slow tests.
CASES = [
    pytest.param(run, spec.name, marks=[pytest.mark.slow] if run != "iris" else [])
    for run in ("iris", "wine", "digits", "blobs")
    for spec in FIGURES
    if spec.data == "any" or (spec.data == "images") == (run == "digits")  # digits: pictures
]


@pytest.mark.parametrize(("run", "figure"), CASES)
def test_text_is_readable_inside_the_canvas_and_apart(views, run, figure):
    spec = next(s for s in FIGURES if s.name == figure)
    assert text_problems(spec.draw(views[run])) == []


@pytest.mark.slow
def test_train_writes_every_figure_and_the_report(drawn):
    for run in ("digits", "blobs"):
        path = drawn[run]
        names = [spec.name for spec in figures_for(load_view(path))]
        assert sorted(p.name for p in (path / "plots").iterdir()) == sorted(names)
        assert ("images.png" in names) == (run == "digits"), names
        assert (path / "report.html").is_file()


@pytest.mark.slow
def test_the_report_speaks_of_the_data_sets_rows(drawn):
    digits = (drawn["digits"] / "report.html").read_text()
    assert "A neural network trained on the digits data: a forward pass" in digits
    assert "one test image as the network reads it" in digits and "flower" not in digits
    assert "species" not in digits and "(cm)" not in digits
    blobs = (drawn["blobs"] / "report.html").read_text()
    assert "Per kind, on the test rows" in blobs and "flower" not in blobs


def draw(views, run, name):
    return next(s for s in FIGURES if s.name == name).draw(views[run])


def test_at_most_eight_feature_panels_the_most_influential(views):
    v = views["digits"]
    fig = draw(views, "digits", "probability_curves.png")
    shown = [ax.get_xlabel() for ax in fig.axes if ax.get_visible()]
    top = influence.ranked(v.run.model, v.training)[:8]
    assert shown == [v.info.label(v.run.model.features[j]) for j in top]
    assert "the 8 of 64 inputs that move it most" in fig.get_suptitle()


def test_at_most_ten_classes_drawn(views):
    fig = draw(views, "blobs", "probability_curves.png")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len([t for t in labels if t in GREEK]) == 10 and "10 others" in labels
    fig = draw(views, "blobs", "softmax_argmax.png")
    bars = [len(ax.patches) for ax in fig.axes]
    assert max(bars) == 10 and len(fig.axes) == 3 * 5  # five example rows of three panels


def scattered(fig):
    """Return the row markers of the decision regions by part: {gid: offsets}."""
    return {
        c.get_gid(): c.get_offsets()
        for c in fig.axes[0].collections
        if isinstance(c, PathCollection) and c.get_gid() and "predicted" in c.get_gid()
    }


def test_at_most_2000_rows_scattered_a_stratified_sample(views):
    v = views["blobs"]  # 2,600 rows
    fig = draw(views, "blobs", "decision_regions.png")
    assert sum(len(offsets) for offsets in scattered(fig).values()) <= style.MAX_SCATTER
    assert "2,000 of 2,600 rows drawn (a stratified sample)" in fig.axes[0].get_title(
        loc="left"
    ).replace("\n", " ")
    rows = style.sample_rows(v.run.split.train, v.y, 500)
    counts = np.bincount(v.y[rows], minlength=20)
    assert len(rows) <= 500 and counts.min() >= 24  # every class keeps its share
    np.testing.assert_array_equal(rows, style.sample_rows(v.run.split.train, v.y, 500))


def test_decision_regions_mark_each_rows_own_prediction_and_the_validation_rows(views):
    """Issue 18 item 4: the regions are a slice, so each row shows its own prediction."""
    v = views["iris"]  # 4 inputs, validation rows
    model, split = v.run.model, v.run.split
    fig = draw(views, "iris", "decision_regions.png")
    i, j = 2, 3  # petal length x petal width
    own = probabilities(model, v.X).argmax(axis=1)
    markers = scattered(fig)
    for part in ("train", "val", "test"):
        rows = getattr(split, part)
        assert len(rows)
        drawn = []
        for k in range(3):
            offsets = markers.get(f"{part}:predicted={k}", np.empty((0, 2)))
            expected = rows[own[rows] == k]
            np.testing.assert_array_equal(offsets, v.X[expected][:, [i, j]])
            drawn += expected.tolist()
        assert sorted(drawn) == sorted(rows.tolist())  # validation rows are drawn too
    note = fig.axes[0].get_title(loc="left").replace("\n", " ")
    assert "The background is a slice: the other 2 inputs held at their training median" in note
    median = np.median(v.X[split.train], axis=0)
    every = np.concatenate([split.train, split.val, split.test])
    on_plane = np.tile(median, (len(every), 1))
    on_plane[:, [i, j]] = v.X[every][:, [i, j]]
    off = int(np.sum(probabilities(model, on_plane).argmax(axis=1) != own[every]))
    assert f"{off} of the 150 drawn do" in note
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"training", "validation", "test", "wrong"} <= set(legend)


def test_influence_finds_the_one_input_that_matters():
    W = np.zeros((5, 3))
    W[3] = [2.0, -1.0, -1.0]  # only the fourth input reaches the outputs
    net = Network.from_state_dict({"W1": W, "b1": np.zeros(3)}, "identity")
    model = Model(net, Scaler(np.zeros(5), np.ones(5)), {"features": list("abcde"), "classes": []})
    X = np.random.default_rng(0).normal(size=(50, 5))
    swing = influence.influence(model, influence.spread(X))
    assert swing[3] > 0.5 and np.all(swing[[0, 1, 2, 4]] == 0)
    assert influence.ranked(model, influence.spread(X)) == [3, 0, 1, 2, 4]
