"""Pictures as pictures (SPEC 16): data.image_shape, images.png, unit_weights.png, the shade
pictures of predict --explain and backprop, on digits (8 x 8) and a 28 x 28 table."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import error, ok, run
from digits28 import write_digits28

import iris_nn
from iris_nn.core.functional import softmax
from iris_nn.views import images
from iris_nn.views.figures import PICTURES_NOTE, figures_for, load_view

SWEEPS = {"probability_curves.png", "decision_regions.png", "node_surfaces.png"}
PICTURES = {"images.png", "unit_weights.png"}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("images")


@pytest.fixture(scope="module")
def csv28(out):
    """Return a 28 x 28 digits table of 200 rows (label, pixel0 .. pixel783)."""
    return write_digits28(out / "digits28.csv", rows=200)


@pytest.fixture(scope="module")
def digits(out):
    """Return a digits network (64-32-10) trained for a few epochs, figures and report drawn."""
    return iris_nn.train(
        dataset="digits", hidden=[32], epochs=40, out=out / "runs", name="digits"
    ).path


@pytest.fixture(scope="module")
def table28(out, csv28):
    """Return a 784-16-10 network trained on the 28 x 28 table for a few epochs, drawn."""
    return iris_nn.train(
        dataset=str(csv28),
        image_shape=[28, 28],
        hidden=[16],
        epochs=20,
        out=out / "runs",
        name="table28",
    ).path


# the 28 x 28 run (training and drawing 784 inputs) with the slow tests; digits' 8 x 8 everyday
TABLE28 = pytest.param("table28", marks=pytest.mark.slow)


# ----------------------------------------------------------------------------- data.image_shape


def test_digits_are_8_by_8_pictures_unless_a_subset_of_pixels_is_chosen():
    whole = iris_nn.train(dataset="digits", hidden=[], epochs=0, save=False)
    assert whole.model.stored.meta["image_shape"] == [8, 8]
    some = iris_nn.train(
        dataset="digits", features=["pixel_0_0", "pixel_3_4"], hidden=[], epochs=0, save=False
    )
    assert "image_shape" not in some.model.stored.meta and "decision_regions" in some.figures()
    assert "images" in whole.figures() and "decision_regions" not in whole.figures()


def test_a_csv_is_a_picture_only_when_it_says_so(csv28):
    plain = iris_nn.train(dataset=str(csv28), hidden=[], epochs=0, save=False)
    assert "image_shape" not in plain.model.stored.meta
    declared = iris_nn.train(
        dataset=str(csv28), image_shape=[28, 28], hidden=[], epochs=0, save=False
    )
    assert declared.model.stored.meta["image_shape"] == [28, 28]
    assert declared.model.stored.image_shape == (28, 28)


def test_an_image_shape_that_is_not_the_number_of_inputs_is_one_clear_error(csv28, tmp_path):
    line = error(
        run("train", "--data", csv28, "--set", "data.image_shape=[28, 27]", "--out", tmp_path)
    )
    assert line == (
        "Error: data.image_shape = [28, 27] is 756 pixels, but data set 'digits28.csv' gives 784 "
        "inputs; allowed: [H, W] with H x W = 784, or [] for none"
    )
    line = error(run("train", "--data", "digits", "--set", "data.image_shape=[4, 4]"))
    assert "is 16 pixels, but data set 'digits' gives 64 inputs" in line
    for bad in ("[28]", "[0, 784]", "[1, 2, 3]"):
        line = error(run("train", "--data", csv28, "--set", f"data.image_shape={bad}"))
        assert line.startswith("Error: data.image_shape") and "[H, W]" in line, line
    assert not list(tmp_path.iterdir())  # nothing half-written


# ----------------------------------------------------------------------------- the figures


@pytest.mark.parametrize("which", ["digits", TABLE28])
def test_pictures_replace_the_sweeps_and_the_report_says_why(request, which):
    path = request.getfixturevalue(which)
    drawn = {p.name for p in (path / "plots").iterdir()}
    assert drawn >= PICTURES and not SWEEPS & drawn
    view = load_view(path)
    assert {spec.name for spec in figures_for(view)} == drawn
    page = " ".join((path / "report.html").read_text().split())
    noun = view.info.noun
    note = PICTURES_NOTE.format(noun=noun, nouns=noun + "s").replace("'", "&#x27;")
    assert note in page


@pytest.mark.parametrize("which", ["digits", TABLE28])
def test_the_unit_images_are_the_first_layers_weights_reshaped(request, which):
    view = load_view(request.getfixturevalue(which))
    model, shape = view.run.model, view.image_shape
    W1, W2, b1 = model.net.W(1), model.net.W(2), model.net.b(1)
    fig = images.unit_weights_figure(model, shape, "r")
    shown = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert len(shown) == min(32, W1.shape[1])
    outgoing = np.abs(W2).sum(axis=1)
    units = [int(ax.get_title().split()[1]) - 1 for ax in shown]  # "unit 7\nb = 0.12": 1-based
    assert list(outgoing[units]) == sorted(outgoing, reverse=True)[: len(units)]
    for unit, ax in zip(units, shown, strict=True):
        assert np.array_equal(ax.images[0].get_array(), W1[:, unit].reshape(shape))
        assert ax.get_title() == f"unit {unit + 1}\nb = {b1[unit]:.2f}"
    scale = np.abs(W1).max()  # every unit is shown: one colour scale for all, symmetric about 0
    assert all(ax.images[0].get_clim() == (-scale, scale) for ax in shown)


def test_images_shows_the_wrong_test_digits_first_framed_with_their_true_class(digits):
    view = load_view(digits)
    model, shape, test = view.run.model, view.image_shape, view.run.split.test
    P = softmax(model.net.forward((view.X[test] - model.scaler.center) / model.scaler.scale))
    guess = P.argmax(axis=1)
    wrong = test[guess != view.y[test]]
    assert 0 < len(wrong) < 40  # a few epochs: some wrong, some right
    fig = images.images_figure(model, shape, view.X, view.y, test, "r")
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 40
    pictures = {r: view.X[r].reshape(shape) for r in test}
    for k, ax in enumerate(panels):
        framed = ax.spines["top"].get_visible()
        assert framed == (k < len(wrong))
        row = wrong[k] if framed else None
        if framed:
            assert np.array_equal(ax.images[0].get_array(), pictures[row])
            p = P[list(test).index(row)]
            classes = model.classes
            assert ax.get_title() == (
                f"{classes[p.argmax()]} ({p.max():.2f})\ntrue {classes[view.y[row]]}"
            )
        else:
            assert "true" not in ax.get_title()
    assert f"{len(wrong)} wrong" in fig.texts[0].get_text()


# ----------------------------------------------------------------------------- shade pictures


def shade_oracle(x, shape):
    """Return the picture as the SPEC says: blank for the row's smallest value, @ its largest."""
    shades = " .:-=+*#%@"
    low, high = min(x), max(x)
    lines = []
    for i in range(shape[0]):
        cells = x[i * shape[1] : (i + 1) * shape[1]]
        lines.append("".join(2 * shades[round((v - low) / (high - low) * 9)] for v in cells))
    return lines


@pytest.mark.parametrize("which", ["digits", TABLE28])
def test_predict_explain_and_backprop_draw_the_input_in_shades(request, which, tmp_path):
    path = request.getfixturevalue(which)
    view = load_view(path)
    row = int(view.run.split.test[0])
    x = [float(v) for v in view.X[row]]
    model = view.run.model
    given = tmp_path / "row.csv"
    given.write_text(",".join(model.features) + "\n" + ",".join(f"{v:g}" for v in x) + "\n")
    picture = [f"    |{line}|" for line in shade_oracle(x, view.image_shape)]
    height, width = view.image_shape
    heading = (
        f"  the picture ({height} x {width} pixels; blank = its smallest value, @ = its largest)"
    )
    explained = ok("predict", "-m", path, "--explain", "-i", given).splitlines()
    at = explained.index(heading)
    assert explained[at + 1 : at + 1 + height] == picture
    assert explained[at + 1 + height].startswith("  inputs")
    label = model.classes[view.y[row]]
    stepped = ok("backprop", "-m", path, "--label", label, *[f"{v:g}" for v in x]).splitlines()
    at = stepped.index(heading)
    assert stepped[at + 1 : at + 1 + height] == picture


def test_a_table_that_is_no_picture_draws_none(trained_run):
    text = ok("predict", "-m", trained_run, "--explain", "5.1", "3.5", "1.4", "0.2")
    assert "pixels;" not in text and "|" not in text


# ----------------------------------------------------------------------------- the playground

DIGITS_PAGE = {"data.dataset": "digits", "model.hidden": [12], "train.epochs": 20}


def page_client(tmp_path, settings):
    import warnings

    warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)
    testclient = pytest.importorskip("starlette.testclient")
    from iris_nn.server.app import Serving, create_app
    from iris_nn.settings.config import Config, apply

    serving = Serving(apply(Config(), settings), tmp_path / "runs", "127.0.0.1", 8000)
    client = testclient.TestClient(create_app(serving), base_url="http://127.0.0.1:8000")
    return client.websocket_connect("ws://127.0.0.1:8000/ws")


def answer(ws, n, **message):
    ws.send_json({**message, "id": n})
    while (reply := ws.receive_json())["answered"] != n:
        pass
    return reply["state"]


def test_a_drawing_is_the_input_the_page_follows_computed_by_the_engine(tmp_path):
    from iris_nn.experiments.experiment import build
    from iris_nn.settings.config import Config, apply

    data, net, _ = build(apply(Config(), DIGITS_PAGE))
    with page_client(tmp_path, DIGITS_PAGE) as ws:
        assert ws.receive_json()["type"] == "controls"
        state = ws.receive_json()["state"]
        image = state["image"]
        assert image["shape"] == [8, 8] and (image["low"], image["high"]) == (0.0, 16.0)
        order = np.argsort(-np.abs(net.W(2)).sum(axis=1), kind="stable")
        assert image["units"] == [int(u) + 1 for u in order]
        for u, weights in zip(order, image["unit_weights"], strict=True):
            assert weights == net.W(1)[:, u].tolist()  # the unit's weights, row by row
        pixels = [0.0] * 64
        for k in (3, 4, 11, 12, 19, 27, 35, 43, 51, 59):  # a stroke down the middle: a "1"
            pixels[k] = 16.0
        selected = answer(ws, 2, type="draw", pixels=pixels)["selected"]
        P = net.predict_proba(data.scaler(np.array([pixels])))[0]
        np.testing.assert_allclose(selected["probabilities"], P, rtol=0, atol=1e-15)
        assert selected["row"] is None and selected["drawn"] is True
        assert list(selected["inputs"].values()) == pixels
        assert selected["prediction"] == data.classes[int(P.argmax())]
        for bad, why in (
            ([0.0] * 63, "a list of 64 numbers"),
            ([17.0] * 64, "grey levels 0 .. 16"),
        ):
            assert why in answer(ws, 3, type="draw", pixels=bad)["error"]["message"]
        assert answer(ws, 4, type="select", row=5)["selected"]["row"] == 5  # a row again


def test_a_table_has_no_drawing_grid(tmp_path):
    with page_client(tmp_path, {"train.epochs": 5}) as ws:
        ws.receive_json()
        assert ws.receive_json()["state"]["image"] is None
        message = answer(ws, 2, type="draw", pixels=[0, 0, 0, 0])["error"]["message"]
        assert message == "draw is for image data; data set 'iris' is no picture"


# ----------------------------------------------------------------------------- the animation


@pytest.mark.slow  # renders every frame of an image run
def test_the_animation_shows_the_unit_weights_and_test_predictions_changing(out):
    from iris_nn.store.rundir import read_snapshots
    from iris_nn.views.animation import draw_frames, frame_indices
    from iris_nn.views.image_animation import UNITS_SHOWN, mosaic, unit_mosaic

    ok("train", "--data", "digits", "--hidden", "8", "--epochs", "30", "--animate", "-q",
       "--out", out / "animated", "--name", "a")  # fmt: skip
    path = out / "animated" / "a"
    view = load_view(path)
    epochs, frames = draw_frames(view)
    snapshot_epochs, _ = read_snapshots(path, len(view.run.model.net.theta))
    assert epochs == snapshot_epochs[frame_indices(snapshot_epochs)].tolist()
    assert len(frames) == len(epochs) > 2 and frames[0].size == frames[-1].size
    assert frames[0].tobytes() != frames[-1].tobytes()
    net, units = view.run.model.net, images.unit_order(view.run.model)[:UNITS_SHOWN]
    tiles = unit_mosaic(net, units, (8, 8))  # the last frame's: the trained weights
    assert np.array_equal(tiles[:8, :8], net.W(1)[:, units[0]].reshape(8, 8))
    assert np.array_equal(tiles[:8, 9:17], net.W(1)[:, units[1]].reshape(8, 8))
    assert np.isnan(tiles[8]).all() and np.isnan(tiles[:, 8]).all()  # a blank line between
    assert mosaic(np.ones((5, 2, 3))).shape == (5, 15)  # 2 lines of 4 columns
    assert (path / "plots" / "training.gif").is_file()
