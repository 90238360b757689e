"""The playground's page in a real browser: Debian's Chromium driven by Playwright.

No browser is downloaded: the tests launch ``/usr/bin/chromium`` (or ``IRIS_NN_CHROMIUM``). In CI
(``CI`` set, as ``.ci/run`` sets it, which installs Chromium with apt when it is missing) a missing
browser fails them; elsewhere they skip with a message. What needs no browser is tested in
``test_serve.py`` with Starlette's test client.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("IRIS_NN_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LESSON = Path(__file__).resolve().parent.parent / "configs" / "lesson.toml"


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI runs the browser tests (.ci/run installs Chromium with apt)")
    pytest.skip(f"{why}: the browser tests skip outside CI")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        _missing(f"no Chromium at {CHROMIUM} (set IRIS_NN_CHROMIUM to another)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[dev]')")
    flags = [*FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=flags)
        yield chromium
        chromium.close()


def iris_nn(*args, check=True):
    return subprocess.run(
        [sys.executable, "-m", "iris_nn", *args], capture_output=True, text=True, check=check
    )


class Server:
    """``iris-nn serve`` in a subprocess on a free port."""

    def __init__(self, out: Path, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "iris_nn", "serve", "--port", "0", "--out", str(out), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.process.stderr.read()

    def stop(self) -> None:
        self.process.terminate()
        self.process.communicate(timeout=20)


@pytest.fixture
def serve(tmp_path):
    servers: list[Server] = []

    def start(*args: str) -> Server:
        servers.append(Server(tmp_path / "runs", *args))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def page(browser):
    """A page at 1280 x 800 whose console errors and uncaught exceptions fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert errors == [], "the page logged errors"


def open_page(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_function("window.irisnn !== undefined && window.irisnn.state() !== null")
    return ready(page)


def ready(page) -> dict:
    return page.evaluate("window.irisnn.ready()")


def arrays(weights: dict) -> dict:
    return {k: np.array(v) for k, v in weights.items()}


def run_weights(run: Path) -> dict:
    with np.load(run / "model.npz") as f:
        return {k: f[k] for k in f.files if k[0] in "Wb" and k[1:].isdigit()}


def test_ten_steps_give_the_weights_of_train_for_ten_epochs(serve, page, tmp_path):
    state = open_page(page, serve().url)
    assert state["epoch"] == 0 and set(state) == {
        "epoch", "settings", "weights", "history", "selected", "error", "settled"
    }  # fmt: skip
    for _ in range(10):
        page.click("#step")
    state = ready(page)
    assert state["epoch"] == 10 and len(state["history"]["train_loss"]) == 11
    iris_nn(
        "train", "--epochs", "10", "--no-plots", "--out", str(tmp_path / "cli"), "--name", "ten"
    )
    (run,) = (tmp_path / "cli").iterdir()
    expected, got = run_weights(run), arrays(state["weights"])
    assert expected.keys() == got.keys()
    for k in expected:
        np.testing.assert_allclose(got[k], expected[k], rtol=0, atol=1e-12)


def test_play_lowers_the_loss_and_pause_stops(serve, page):
    open_page(page, serve().url)
    page.select_option("#speed", "5")  # 5 epochs an update: slow enough to catch it training
    page.click("#play")
    page.wait_for_function("window.irisnn.state().epoch >= 40")
    assert page.text_content("#play") == "pause"
    page.click("#play")
    state = ready(page)
    loss = state["history"]["train_loss"]
    assert state["epoch"] >= 40 and loss[-1] < loss[0]
    assert page.text_content("#play") == "play"
    epoch = state["epoch"]
    page.wait_for_timeout(300)
    assert ready(page)["epoch"] == epoch  # paused: training stays where it stopped


def test_a_clicked_row_is_predict_explain_of_the_saved_run(serve, page, tmp_path):
    open_page(page, serve("--epochs", "30", "--hidden", "5").url)  # narrow: z and a per unit
    for _ in range(3):
        page.click("#step")
    ready(page)
    x, y = page.evaluate("window.irisnn.where(100)")
    page.mouse.click(x, y)
    state = ready(page)
    # rows with the same two inputs lie on one point: the click picks one of them
    row = state["selected"]["row"]
    assert page.evaluate(f"window.irisnn.where({row})") == pytest.approx([x, y], abs=0.5)
    page.click("#save")
    page.wait_for_selector("#saved:not([hidden])")
    run = page.text_content("#saved").removeprefix("saved to ").strip()
    inputs = state["selected"]["inputs"]
    out = iris_nn("predict", "-m", run, "--explain", "--format", "json",
                  *(f"{k}={v!r}" for k, v in inputs.items()))  # fmt: skip
    (expected,) = json.loads(out.stdout)
    selected = state["selected"]
    assert selected["inputs"] == expected["inputs"]
    np.testing.assert_allclose(
        selected["raw_outputs"], list(expected["logits"].values()), atol=1e-12
    )
    np.testing.assert_allclose(
        selected["probabilities"], list(expected["probabilities"].values()), atol=1e-12
    )
    assert selected["prediction"] == expected["prediction"]
    # the forward pass shown on the page is the same numbers, rounded as --explain rounds them
    table = page.text_content("#explain-table")
    for layer in expected["layers"]:
        for z, a in zip(layer["z"], layer["a"], strict=True):
            assert f"{z:.3f} → {a:.3f}" in table
    assert f"[{', '.join(str(h) for h in expected['argmax'])}]" in table
    assert "true class" in table


def test_a_bad_learning_rate_shows_the_schemas_message_and_the_page_keeps_working(serve, page):
    state = open_page(page, serve().url)
    lr = state["settings"]["train.lr"]
    page.fill('[name="train.lr"]', "0")
    page.press('[name="train.lr"]', "Enter")
    state = ready(page)
    message = page.locator('.message[data-key="train.lr"]')
    assert message.is_visible()
    assert "0 < x <= 1000" in message.text_content()  # the schema's allowed text
    assert state["error"]["key"] == "train.lr" and state["settings"]["train.lr"] == lr
    page.click("#step")
    assert ready(page)["epoch"] == 1
    page.fill('[name="train.lr"]', "0.05")
    page.press('[name="train.lr"]', "Enter")
    state = ready(page)
    assert state["settings"]["train.lr"] == 0.05 and state["error"] is None
    assert not message.is_visible()


def test_lesson_mode_opens_on_the_lessons_flower(serve, page):
    state = open_page(page, serve("-c", str(LESSON)).url)
    selected = state["selected"]
    assert selected["row"] == 44
    np.testing.assert_allclose(selected["raw_outputs"], [1.43, -0.40, 0.23], atol=0.005)
    np.testing.assert_allclose(selected["probabilities"], [0.684, 0.110, 0.206], atol=0.0005)
    assert selected["prediction"] == "setosa"
    table = page.text_content("#explain-table")
    assert "setosa 0.684, versicolor 0.110, virginica 0.206 (sum 1.000)" in table
    assert "[1, 0, 0]" in table and "true class setosa" in table
    assert "0.684" in page.text_content("#softmax")


def test_controls_come_from_the_schema_and_a_link_keeps_the_setup(serve, page):
    server = serve()
    open_page(page, server.url)
    for key in ("train.lr", "model.hidden", "model.activation", "data.dataset", "plots.plane"):
        assert page.locator(f'[name="{key}"]').count() == 1, key
    assert page.locator('[name="data.dataset"] option').all_text_contents()[:2] == ["iris", "wine"]
    slider = page.locator('[aria-label="train.lr slider"]')
    assert float(slider.get_attribute("min")) == pytest.approx(-4)  # a log slider, in decades
    slider.fill("-2")  # moving the slider moves its field
    assert page.input_value('[name="train.lr"]') == "0.01"
    assert ready(page)["settings"]["train.lr"] == 0.01
    page.fill('[name="model.hidden"]', "4, 3")
    page.press('[name="model.hidden"]', "Enter")
    page.select_option("#plane-x", "sepal_length")
    state = ready(page)
    assert state["settings"]["model.hidden"] == [4, 3] and state["weights"]["W2"] != []
    assert state["settings"]["plots.plane"] == ["sepal_length", "petal_width"]
    link = page.url
    assert "model.hidden" in link and "train.lr" in link
    other = page.context.new_page()
    state = open_page(other, link)
    assert state["settings"]["model.hidden"] == [4, 3]
    assert state["settings"]["train.lr"] == 0.01
    assert state["settings"]["plots.plane"] == ["sepal_length", "petal_width"]
    other.close()


def test_set_weight_moves_the_outputs_without_training(serve, page):
    open_page(page, serve("-c", str(LESSON)).url)
    before = ready(page)
    page.evaluate("window.irisnn.setWeight('b2', 0, 1.0)")
    after = ready(page)
    assert after["epoch"] == 0 and after["weights"]["b2"][0] == 1.0
    shift = after["selected"]["raw_outputs"][0] - before["selected"]["raw_outputs"][0]
    assert shift == pytest.approx(1.0 - before["weights"]["b2"][0], abs=1e-12)
    page.locator("#network .edge").first.dispatch_event("click")  # an edge opens its editor
    page.fill("#weight-value", "2.5")
    page.press("#weight-value", "Enter")
    assert ready(page)["weights"]["W1"][0][0] == 2.5
    assert page.text_content('label[for="weight-value"]') == "W1[0, 0] ="
    page.click("#step")  # training moves the weight: the editor shows where it is now
    moved = ready(page)["weights"]["W1"][0][0]
    assert moved != 2.5 and float(page.input_value("#weight-value")) == moved
    page.click("#reset")  # new weights: the editor no longer shows the old one
    ready(page)
    assert page.text_content('label[for="weight-value"]').startswith("click a weight")
    assert page.input_value("#weight-value") == "" and page.is_disabled("#weight-value")


ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


def forward(x, weights: dict, activation: str) -> np.ndarray:
    """The raw outputs of ``weights`` on unscaled ``x``, written out here (the oracle)."""
    A = np.asarray(x, dtype=np.float64)  # (n_features,)
    layers = len(weights) // 2
    for layer in range(1, layers + 1):
        Z = A @ np.array(weights[f"W{layer}"]) + np.array(weights[f"b{layer}"])
        A = ACTIVATIONS[activation](Z) if layer < layers else Z
    return A


def drag(page, pixels: int, fine: bool = False) -> None:
    box = page.locator("#weight-drag").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    if fine:
        page.keyboard.down("Shift")
    page.mouse.move(x, y - pixels, steps=4)
    page.mouse.up()
    if fine:
        page.keyboard.up("Shift")


def test_an_edited_weights_outputs_are_an_independent_forward_pass(serve, page, tmp_path):
    server = serve("--hidden", "3", "--set", "data.scaling=none", "--set", "train.l2=0")
    open_page(page, server.url)
    page.evaluate("window.irisnn.select(7)")
    before = ready(page)
    page.locator('#network .edge[data-name="W2"][data-i="1"][data-j="2"]').dispatch_event("click")
    drag(page, 50)  # up 50 pixels: + 0.50
    state = ready(page)
    w = before["weights"]["W2"][1][2]
    assert state["weights"]["W2"][1][2] == pytest.approx(w + 0.5, abs=0.006)
    drag(page, -30, fine=True)  # down 30 pixels with shift: - 0.030
    state = ready(page)
    assert state["weights"]["W2"][1][2] == pytest.approx(w + 0.47, abs=0.006)
    page.locator("#network .unit:has(text.bias)").nth(1).dispatch_event("click")  # b1[1]
    page.fill("#weight-value", "-1.25")
    page.press("#weight-value", "Enter")
    state = ready(page)
    assert state["epoch"] == 0 and state["weights"]["b1"][1] == -1.25
    raw = forward(list(state["selected"]["inputs"].values()), state["weights"], "tanh")
    np.testing.assert_allclose(state["selected"]["raw_outputs"], raw, rtol=0, atol=1e-12)
    assert raw.tolist() != before["selected"]["raw_outputs"]
    table = page.text_content("#explain-table")  # the forward pass shown follows the edit
    assert f"{raw[0]:.2f}" in table
    page.click("#save")  # the run starts from the edited weights and is them, 0 epochs on
    page.wait_for_selector("#saved:not([hidden])")
    run = Path(page.text_content("#saved").removeprefix("saved to ").strip())
    saved = run_weights(run)
    with np.load(run / "start.npz") as start:
        for k, value in arrays(state["weights"]).items():
            np.testing.assert_array_equal(saved[k], value)
            np.testing.assert_array_equal(start[k], value)


def test_the_step_shown_is_iris_nn_backprops_step(serve, page, tmp_path):
    open_page(page, serve("-c", str(LESSON)).url)
    page.click("#backprop")
    state = ready(page)
    step = page.evaluate("window.irisnn.step()")
    assert state["selected"]["row"] == 44 and page.text_content("#backprop") == "hide the step"
    page.click("#save")
    page.wait_for_selector("#saved:not([hidden])")
    run = page.text_content("#saved").removeprefix("saved to ").strip()
    x = [str(v) for v in state["selected"]["inputs"].values()]
    out = iris_nn("backprop", "-m", run, *x, "--label", "setosa", "--format", "json")
    expected = json.loads(out.stdout)
    assert step["loss_before"] == pytest.approx(expected["loss_before"], abs=1e-12)
    assert step["loss_after"] == pytest.approx(expected["loss_after"], abs=1e-12)
    for got, want in zip(step["layers"], expected["layers"], strict=True):
        for part in ("W", "b"):
            np.testing.assert_allclose(got[part]["new"], want[part]["new"], rtol=0, atol=1e-12)
            np.testing.assert_allclose(got[part]["grad"], want[part]["grad"], rtol=0, atol=1e-12)
    # on the page: every gradient on its edge, the deltas beside the units, the losses
    grads = page.locator("#network text.grad")
    assert grads.count() == 2 * 2 + 2 * 3  # W1 (2 x 2) and W2 (2 x 3)
    g = step["layers"][1]["W"]["grad"][1][2]
    edge = page.locator('#network text.grad[data-name="W2"][data-i="1"][data-j="2"]')
    assert edge.text_content() == f"{g:.3f}"
    assert page.locator("#network text.delta").count() == 2 + 3
    assert page.text_content("#loss-before") == f"{expected['loss_before']:.6f}"
    assert page.text_content("#loss-after") == f"{expected['loss_after']:.6f}"
    new = expected["layers"][0]["W"]["new"][0][1]
    assert f"= {new:.4f}" in page.text_content(
        '#step-view tr[data-name="W1"][data-i="0"][data-j="1"]'
    )
    page.click("#apply")
    state = ready(page)
    for i, layer in enumerate(expected["layers"], 1):
        np.testing.assert_allclose(state["weights"][f"W{i}"], layer["W"]["new"], atol=1e-12)


SHAPES = "width,height,kind\n" + "".join(
    f"{1 + i % 5}.{i % 7},{2 + i % 3}.{i % 4},{'tall' if i % 2 else 'short'}\n" for i in range(30)
)


def test_an_uploaded_csv_trains_and_saves(serve, page, tmp_path):
    open_page(page, serve().url)
    table = tmp_path / "shapes.csv"
    table.write_text(SHAPES)
    page.set_input_files("#upload", str(table))
    page.wait_for_function("window.irisnn.state().settings['data.dataset'].endsWith('shapes.csv')")
    state = ready(page)
    assert state["error"] is None and state["weights"]["W1"] and len(state["weights"]["W1"]) == 2
    assert "shapes.csv (uploaded)" in page.text_content('[name="data.dataset"]')
    # the link cannot carry the file: it leaves out where the file is, and says so
    page.fill('[name="train.lr"]', "0.02")
    page.press('[name="train.lr"]', "Enter")
    ready(page)
    link = page.url
    assert "data.dataset" not in link and "shapes" not in link and "train.lr=0.02" in link
    assert "opens on iris" in page.text_content("#upload-link")
    other = page.context.new_page()
    opened = open_page(other, link)
    assert opened["error"] is None and opened["settings"]["data.dataset"] == "iris"
    assert opened["settings"]["train.lr"] == 0.02
    other.close()
    for _ in range(3):
        page.click("#step")
    assert ready(page)["epoch"] == 3
    page.click("#save")
    page.wait_for_selector("#saved:not([hidden])")
    run = Path(page.text_content("#saved").removeprefix("saved to ").strip())
    assert (run / "data.csv").read_text() == SHAPES
    again = iris_nn("train", "-c", str(run / "config.toml"), "--out", str(tmp_path / "again"),
                    "--name", "again", "--no-plots", "-q")  # fmt: skip
    assert again.returncode == 0
    saved, retrained = run_weights(run), run_weights(tmp_path / "again" / "again")
    for k in saved:
        np.testing.assert_allclose(retrained[k], saved[k], rtol=0, atol=1e-12)


def test_a_bad_upload_shows_the_readers_message(serve, page, tmp_path):
    open_page(page, serve().url)
    bad = tmp_path / "one.csv"
    bad.write_text("a,b\n1,2\n3,2\n")
    page.set_input_files("#upload", str(bad))
    page.wait_for_function("window.irisnn.state().error !== null")
    state = ready(page)
    message = page.locator('.message[data-key="data.upload"]')
    assert message.is_visible()
    assert message.text_content() == f"Error: {state['error']['message']}"
    assert "'one.csv': the class column 'b' holds one class only" in message.text_content()
    assert not page.is_visible("#error")  # beside the upload control, not at the top
    assert state["settings"]["data.dataset"] == "iris"


BOXES = """(selector) => [...document.querySelectorAll(selector)].map((t) => {
    const b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; })"""


def overlaps(boxes, others):
    return [(a, b) for a in boxes for b in others
            if a is not b and not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])]  # fmt: skip


def test_the_step_on_the_default_network_keeps_its_numbers_apart(serve, page):
    # 16 hidden units, 12 of them drawn: each unit's bias and delta must not cover another's
    open_page(page, serve().url)
    page.evaluate("window.irisnn.select(60)")
    ready(page)
    page.click("#backprop")
    assert ready(page) and page.locator("#network .delta").count() == 12 + 3
    boxes = page.evaluate(BOXES, "#network .bias, #network .delta")
    assert len(boxes) == 2 * (12 + 3)
    assert overlaps(boxes, boxes) == []


@pytest.mark.parametrize("args", [("-c", str(LESSON)), ("--hidden", "8")], ids=["lesson", "4-8-3"])
def test_the_steps_numbers_sit_on_their_edges_clear_of_everything_else(serve, page, args):
    # the lesson's hidden units fan out to three outputs: at one fraction of the way along every
    # edge, two of its six gradients sat on one spot
    open_page(page, serve(*args).url)
    page.evaluate("window.irisnn.select(60)")
    ready(page)
    page.click("#backprop")
    ready(page)
    labels = page.evaluate(BOXES, "#network text.grad")
    drawn = page.evaluate(BOXES, "#network text:not(.grad):not(:empty), #network circle")
    assert overlaps(labels, labels) == [] and overlaps(labels, drawn) == []
    if args[0] == "-c":
        assert len(labels) == 2 * 2 + 2 * 3  # the lesson's every gradient, at 1280 px
    else:
        assert len(labels) >= (4 * 8 + 8 * 3) * 3 // 4  # crowded: the most that fit
    # each number's middle lies on its own edge (within its height of the line)
    for (
        name,
        i,
        j,
        x,
        y,
    ) in page.evaluate("""() => [...document.querySelectorAll('#network text.grad')]
            .map((t) => { const b = t.getBBox();
                return [t.dataset.name, t.dataset.i, t.dataset.j, b.x + b.width / 2, b.y + b.height / 2]; })"""):
        line = page.locator(f'#network line.edge[data-name="{name}"][data-i="{i}"][data-j="{j}"]')
        x1, y1, x2, y2 = (float(line.get_attribute(a)) for a in ("x1", "y1", "x2", "y2"))
        distance = abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / np.hypot(x2 - x1, y2 - y1)
        assert distance < 14 and min(x1, x2) < x < max(x1, x2), (name, i, j)


def test_a_table_with_text_columns_plane_and_clicked_row(serve, page):
    penguins = Path(__file__).resolve().parent.parent / "examples" / "penguins_made_up.csv"
    server = serve("--data", str(penguins), "--set", "data.missing=impute", "--epochs", "20")
    state = open_page(page, server.url)
    assert state["error"] is None
    numeric = ["bill_length_mm", "flipper_length_mm", "body_mass_g"]
    for select in ("#plane-x", "#plane-y"):  # a column=value input is never a plane axis
        options = page.eval_on_selector(select, "s => Array.from(s.options, o => o.value)")
        assert options == numeric
    lines = penguins.read_text().splitlines()
    row = next(i for i, line in enumerate(lines[1:]) if ",Dream," in line and ",NA" not in line)
    page.evaluate(f"window.irisnn.select({row})")
    ready(page)
    table = page.text_content("#explain-table")
    assert "columns" in table and "island Dream" in table  # the text value, then its encoding
    assert "island=Dream 1.000" in table and "island=Biscoe 0.000" in table
