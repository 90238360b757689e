"""The figures: every PNG of a run decodes at 150 dpi and is not blank, for 1 to 64 inputs and 2 to
20 classes; text is readable (at least 7 pt, inside the canvas, never overlapping); the decision
regions say what they show."""

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.image import imread
from PIL import Image  # matplotlib's own PNG reader: always installed with it
from textcheck import text_problems

from iris_nn.cli import cli
from iris_nn.data.datasets import get_dataset
from iris_nn.views import influence, outputs, regions, style, training
from iris_nn.views.figures import FIGURES, figures_for, load_view
from iris_nn.views.run_view import first_of_each_class

FIGURE_SPECS = {spec.name: spec for spec in FIGURES}

MODELS = {
    "default": [],
    "statquest": [
        "--set",
        'data.features=["petal_width", "sepal_width"]',
        "--set",
        "data.scaling=minmax",
    ],
    "one-feature": ["--set", 'data.features=["petal_length"]'],
    "three-features": ["--set", 'data.features=["sepal_width", "petal_width", "sepal_length"]'],
    "no-hidden": ["--hidden", "none"],
    "early-stop": [
        "--set",
        "data.val_size=0.1",
        "--set",
        "train.early_stopping=true",
        "--set",
        "train.patience=1",
    ],
}


def train(out: Path, name: str, *args: str) -> Path:
    result = CliRunner().invoke(
        cli, ["train", "--out", str(out), "--name", name, "--epochs", "30", "-q", *args]
    )
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip())


@pytest.fixture(scope="module")
def runs(tmp_path_factory, drawn_run):
    """Return one trained run per model of MODELS; only the default one (the shared drawn run of
    conftest, 30 epochs as ``train`` here) has its plots drawn."""
    out = tmp_path_factory.mktemp("outputs")
    trained = {name: train(out, name, *args, "--no-plots") for name, args in MODELS.items() if args}
    return {"default": drawn_run, **trained}


def check_png(path: Path) -> tuple[int, int]:
    """Assert the PNG decodes, is 150 dpi and is not blank; return its (width, height)."""
    data = path.read_bytes()
    pixels = imread(io.BytesIO(data))  # (height, width, 4), floats in 0..1
    assert pixels.ndim == 3 and pixels.shape[2] in (3, 4)
    rgb = pixels[..., :3].reshape(-1, 3)
    assert rgb.std() > 0.05, f"{path.name} looks blank"
    packed = (rgb[::7] * 255).astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    assert len(np.unique(packed)) > 50, f"{path.name} has no detail"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert np.allclose(image.info["dpi"], (150, 150), atol=0.5)
        assert image.size == (pixels.shape[1], pixels.shape[0])
        return image.size


@pytest.mark.parametrize(
    "model", [m if m == "default" else pytest.param(m, marks=pytest.mark.slow) for m in MODELS]
)
def test_every_figure_is_drawn(runs, tmp_path, model):
    run = runs[model] if model == "default" else train(tmp_path, model, *MODELS[model])
    plots_dir = run / "plots"
    names = [spec.name for spec in figures_for(load_view(run))]  # the sweeps: not for pictures
    assert sorted(p.name for p in plots_dir.iterdir()) == sorted(names)
    for name in names:
        width, height = check_png(plots_dir / name)
        assert 500 <= width <= 2200 and 400 <= height <= 1600


def test_train_without_plots_draws_nothing(tmp_path):
    run = train(tmp_path, "bare", "--no-plots")
    assert not (run / "plots").exists() and not (run / "report.html").exists()


def test_each_figure_function_returns_a_figure(runs):
    view = load_view(runs["default"])
    drawn = [spec.draw(view) for spec in figures_for(view)]
    for spec, fig in zip(
        figures_for(view), drawn, strict=True
    ):  # what train saved: byte for byte, 150 dpi
        saved = runs["default"] / "plots" / spec.name
        assert style.png_bytes(fig) == saved.read_bytes(), spec.name
        pixels = np.array(check_png(saved))
        assert (np.abs(pixels - fig.get_size_inches() * 150) < 1).all(), spec.name
    run, X, y = view.run, view.X, view.y
    epochs, rows, P = run.tracked
    figures = [
        training.loss_figure(run.history, 3, "early_stopping", "r"),
        outputs.probability_curves_figure(replace(view, name="r")),
        regions.decision_regions_figure(replace(view, name="r")),
        outputs.confusion_matrix_figure(np.eye(3, dtype=int) * 10, run.model.classes, "r"),
        outputs.softmax_argmax_figure(run.model, X, y, [0, 50, 100], "r"),
        training.probability_evolution_figure(epochs, rows, P, y, run.model.classes, "r"),
    ]
    figures += drawn
    for fig in figures:
        assert isinstance(fig, Figure) and fig.dpi == style.DPI
        assert fig.get_suptitle().splitlines()[-1] in ("r", view.name)  # titled with the run name


def test_axes_carry_units(runs):
    view = load_view(runs["statquest"])
    fig = regions.decision_regions_figure(view)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "petal width (cm)" and ax.get_ylabel() == "sepal width (cm)"
    fig = outputs.probability_curves_figure(view)
    assert [a.get_xlabel() for a in fig.axes] == ["petal width (cm)", "sepal width (cm)"]


# Machado, Oliveira & Fernandes (2009): linear-RGB matrices simulating full protanopia,
# deuteranopia and tritanopia; the oracle for "colour-blind-safe".
VISION = {
    "normal": np.eye(3),
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}  # fmt: skip


def cielab(rgb):
    """Return CIELAB (D65) of sRGB colours (n, 3) in 0..1."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                             [0.0193, 0.1192, 0.9505]]).T / [0.95047, 1.0, 1.08883]  # fmt: skip
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1
    )


@pytest.mark.parametrize("vision", list(VISION))
def test_ten_class_colours_stay_apart_for_colour_blind_eyes(vision):
    rgb = np.array([to_rgb(style.class_colour(k)) for k in range(10)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ np.array(VISION[vision]).T, 0, 1)
    srgb = np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)
    lab = cielab(srgb)
    distance = np.sqrt(((lab[:, None] - lab[None]) ** 2).sum(-1)) + np.eye(10) * 1e9
    assert distance.min() > 15  # CIELAB units: a clear difference, even side by side
    assert style.class_colour(10) == style.class_colour(0)  # ten, then they come back


def test_classes_differ_in_colour_or_marker_up_to_fifty():
    looks = {(style.class_colour(k), style.class_marker(k)) for k in range(50)}
    assert len(looks) == 50 and len(set(style.CLASS_MARKERS)) == len(style.CLASS_MARKERS)


def test_plane_features_prefers_the_data_sets_pair():
    petals = get_dataset("iris").plane
    features = ["sepal_length", "petal_width", "petal_length"]
    assert influence.plane_features(features, [0, 1, 2], petals) == (2, 1)
    assert influence.plane_features(["petal_width", "sepal_width"], [1, 0], petals) == (0, 1)
    assert influence.plane_features(["a", "b", "c", "d"], [3, 1, 0, 2]) == (1, 3)


def test_sweep_range_reaches_beyond_the_data():
    assert style.sweep_range(np.array([1.0, 3.0])) == pytest.approx((0.8, 3.2))
    lo, hi = style.sweep_range(np.array([2.0, 2.0]))  # a constant feature still gets a range
    assert lo < 2.0 < hi


def test_first_right_epoch():
    epochs = np.array([0, 1, 3, 10])
    P = np.array([[0.5, 0.3, 0.2], [0.4, 0.45, 0.15], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1]])
    assert training.first_right_epoch(epochs, P, 1) == 1
    assert training.first_right_epoch(epochs, P, 0) == 0
    assert training.first_right_epoch(epochs, P, 2) is None


def test_example_rows_take_one_flower_per_species():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert first_of_each_class(y, np.array([1, 3, 5, 0]), 3) == [1, 3, 5]
    assert first_of_each_class(y, np.array([0, 4]), 3) == [0, 4]


def curves(ax):
    """Return the data lines of ``ax``: more than two points (not marks, stars or epoch lines)."""
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 2]


@pytest.fixture(scope="module")
def long_early_stop(tmp_path_factory):
    """Return a run of many epochs stopped early: its star sits on a one-epoch dip."""
    deep_adam = Path(__file__).parent.parent / "configs" / "deep-adam.toml"
    out = tmp_path_factory.mktemp("long")
    return train(out, "long", "-c", str(deep_adam), "--epochs", "2000", "--no-plots")


@pytest.mark.parametrize("model", ["default", "early-stop", "long-early-stop"])
def test_loss_curves_are_solid_and_the_star_sits_on_a_point(runs, long_early_stop, model):
    view = load_view(runs.get(model, long_early_stop))
    fig = FIGURE_SPECS["loss.png"].draw(view)
    best = view.run.metrics["best_epoch"]
    for ax in fig.axes:
        assert curves(ax) and all(line.get_linestyle() == "-" for line in curves(ax))
        (star,) = [
            line for line in ax.get_lines() if line.get_marker() == "*" and len(line.get_xdata())
        ]
        x, y = star.get_xdata()[0], star.get_ydata()[0]
        assert x == best
        # the star is a point of a drawn curve, and every curve has a dot at that epoch
        assert any(line.get_ydata()[best] == y for line in curves(ax))
        dots = [
            line
            for line in ax.get_lines()
            if line.get_marker() == "o" and len(line.get_xdata()) == 1
        ]
        assert len(dots) == len(curves(ax)) and all(d.get_xdata()[0] == best for d in dots)


def test_best_epoch_0_is_starred_and_kept(tmp_path):
    # the learning rate is so high that the untrained network has the lowest validation loss
    run = train(
        tmp_path,
        "best0",
        "--lr",
        "5",
        "--optimizer",
        "sgd",
        "--batch-size",
        "8",
        "--set",
        "data.val_size=0.2",
        "--set",
        "train.early_stopping=true",
        "--set",
        "train.patience=5",
        "--no-plots",
    )
    view = load_view(run)
    m = view.run.metrics
    assert (m["best_epoch"], m["kept_epoch"], m["epochs_run"]) == (0, 0, 5)
    loss = FIGURE_SPECS["loss.png"].draw(view)
    labels = loss.axes[0].get_legend_handles_labels()[1]
    assert "lowest validation loss: epoch 0 (its weights kept)" in labels
    assert "early stop at epoch 5" in labels
    for ax in loss.axes:
        (star,) = [
            line for line in ax.get_lines() if line.get_marker() == "*" and len(line.get_xdata())
        ]
        assert star.get_xdata()[0] == 0
    evolution = FIGURE_SPECS["probability_evolution.png"].draw(view)
    assert "weights kept: epoch 0" in [t.get_text() for t in evolution.legends[0].get_texts()]
    # every epoch of this short run is recorded: the probabilities are the oracle of the
    # epochs ArgMax is right, which training found from its own passes
    epochs, rows, P = view.run.tracked
    titles = [ax.get_title() for ax in evolution.axes if ax.get_visible()]
    for t, title in zip(m["tracked"], titles, strict=True):
        right = P[rows == t["row"]].argmax(axis=1) == view.y[t["row"]]
        assert epochs[rows == t["row"]].tolist() == list(range(6))
        hits, misses = np.flatnonzero(right), np.flatnonzero(~right)
        first = int(hits[0]) if len(hits) else None
        for_good = None if not right[-1] else int(misses[-1]) + 1 if len(misses) else 0
        assert (t["first_right"], t["right_for_good_from"]) == (first, for_good)
        assert title.endswith(training.right_epochs_text(first, for_good))
    assert any("wrong again at the end" in title for title in titles)
    assert text_problems(evolution) == [] and text_problems(loss) == []


def test_right_epochs_text_says_both_facts():
    assert training.right_epochs_text(None, None) == "ArgMax never names it"
    assert training.right_epochs_text(7, 7) == "ArgMax right from epoch 7 on"
    assert training.right_epochs_text(7, 9) == (
        "ArgMax first right at epoch 7,\nright for good from epoch 9"
    )
    assert (
        training.right_epochs_text(0, None)
        == "ArgMax first right at epoch 0,\nwrong again at the end"
    )


@pytest.mark.parametrize("model", ["default", "statquest", "early-stop", "long-early-stop"])
def test_training_figures_text_is_legible_inside_and_apart(runs, long_early_stop, model):
    view = load_view(runs.get(model, long_early_stop))
    for name in ("loss.png", "probability_evolution.png"):
        assert text_problems(FIGURE_SPECS[name].draw(view)) == [], (model, name)
