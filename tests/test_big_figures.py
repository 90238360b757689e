"""Figures of many rows (SPEC 6, SPEC 11): exact passes a block at a time, scatters sampled.

What is computed over all rows (the training medians and percentiles) must equal the one-pass
numbers; what is drawn as points is at most 2,000 rows, a stratified sample the figure says it
is; and a command that draws reads the data set once, and holds one copy of it.
"""

import csv

import numpy as np
import pytest
from conftest import ok
from matplotlib.collections import PathCollection

from iris_nn.views import animation, figures, influence, style
from iris_nn.views.figures import FIGURES, load_view
from iris_nn.views.node_surfaces import GRID

ROWS = 5000


@pytest.fixture(scope="module")
def big_run(tmp_path_factory):
    """Return a run of one mini-batch epoch on a 5,000-row CSV (6 inputs, 3 classes)."""
    out = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, ROWS)
    X = rng.normal(size=(ROWS, 6)) + y[:, None]
    with open(out / "many.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([f"x{j}" for j in range(6)] + ["class"])
        for row, k in zip(X, y, strict=True):
            writer.writerow([f"{v:.4f}" for v in row] + [f"c{k}"])
    args = ["--data", out / "many.csv", "--optimizer", "sgd", "--batch-size", "256"]
    ok("train", "--out", out, "--name", "many", "--epochs", "1", "-q", "--no-plots", *args)
    return out / "many"


@pytest.fixture(scope="module")
def view(big_run):
    return load_view(big_run)


def draw(view, name):
    return next(s for s in FIGURES if s.name == name).draw(view)


def test_spread_is_exact_a_block_of_columns_at_a_time(monkeypatch):
    X = np.random.default_rng(0).normal(size=(3001, 7))[:, 1:]  # not contiguous, as a CSV's are
    rows = np.random.default_rng(1).permutation(3001)[:2000]
    monkeypatch.setattr(influence, "MAX_BLOCK", 4000)  # two columns a block, the last one alone
    got = influence.spread(X, rows)
    np.testing.assert_array_equal(got.median, np.median(X[rows], axis=0))
    low, high = np.percentile(X[rows], [2, 98], axis=0)
    np.testing.assert_array_equal(got.low, low)
    np.testing.assert_array_equal(got.high, high)
    np.testing.assert_array_equal(influence.spread(X).median, np.median(X, axis=0))


def test_node_surfaces_draw_a_stratified_sample_and_say_so(view):
    train = view.run.split.train
    sample = style.sample_rows(train, view.y)
    assert len(train) > style.MAX_SCATTER >= len(sample)
    fig = draw(view, "node_surfaces.png")
    dots = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    n_panels = sum(im.get_array().shape == (GRID, GRID) for im in fig.axes[0].images)
    assert len(dots) == 1 and len(dots[0].get_offsets()) == n_panels * len(sample)
    key = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert (
        f"Dots: {len(sample):,} of {len(train):,} training rows drawn (a stratified sample)." in key
    )


def test_animation_draws_a_stratified_sample_and_says_so(view, monkeypatch):
    canvases = []

    class Recording(animation.FigureCanvasAgg):
        def __init__(self, fig):
            super().__init__(fig)
            canvases.append(self)

    monkeypatch.setattr(animation, "FigureCanvasAgg", Recording)
    animation.draw_frames(view)
    ax = canvases[0].figure.axes[0]
    drawn = sum(len(c.get_offsets()) for c in ax.collections)
    everyone = len(view.run.split.train) + len(view.run.split.test)
    assert everyone > style.MAX_SCATTER >= drawn
    assert f"{drawn:,} of {everyone:,} training and test rows drawn (a stratified sample)" in (
        ax.get_title().replace("\n", " ")
    )


def test_figures_share_one_exact_pass_over_the_training_rows(view):
    train = view.X[view.run.split.train]
    np.testing.assert_array_equal(view.training.median, np.median(train, axis=0))
    curves = draw(view, "probability_curves.png")
    panels = [ax for ax in curves.axes if ax.get_visible()]
    rug = [sum(len(li.get_xdata()) for li in ax.lines if li.get_marker() == "|") for ax in panels]
    assert rug == [len(style.sample_rows(view.run.split.train, view.y))] * 6
    assert f"of {len(view.run.split.train):,} training rows drawn (a stratified sample)" in (
        curves.get_suptitle()
    )


@pytest.mark.slow
def test_plot_with_the_animation_reads_the_data_set_once(big_run, monkeypatch):
    reads = []
    real = figures.run_rows
    monkeypatch.setattr(figures, "run_rows", lambda *a: reads.append(a) or real(*a))
    ok("plot", "--animate", big_run)
    assert len(reads) == 1
    reads.clear()
    ok("animate", big_run)
    assert len(reads) == 1


def test_a_csv_data_set_is_held_once(big_run, view):
    X, _ = view.info.rows()  # every column, in order: the rows themselves
    again, _ = view.info.rows(view.info.features)
    assert np.shares_memory(X, again)
    some, _ = view.info.rows(["x3", "x1"])
    np.testing.assert_array_equal(some, X[:, [3, 1]])
    assert not np.shares_memory(some, X)


@pytest.mark.slow
def test_train_draws_from_the_rows_it_trained_on(big_run, monkeypatch):
    """``train`` hands its rows to the figures: the data set is read once, to train."""
    csv_file = big_run.parent / "many.csv"
    monkeypatch.setattr(figures, "run_rows", lambda *a: pytest.fail("read again"))
    args = ["--data", csv_file, "--optimizer", "sgd", "--batch-size", "256", "--epochs", "1"]
    ok("train", "--out", big_run.parent, "--name", "drawn", "-q", "--animate", *args)
    drawn = big_run.parent / "drawn"
    assert {"report.html", "plots"} <= {p.name for p in drawn.iterdir()}
    assert (drawn / "plots" / "training.gif").is_file()
    monkeypatch.undo()
    again = load_view(drawn)  # the rows the figures were drawn from are the file's rows
    view = load_view(big_run)
    np.testing.assert_array_equal(again.X, view.X)
    np.testing.assert_array_equal(again.y, view.y)
