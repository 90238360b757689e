"""The playground on image data in a real browser (SPEC 16): strokes drawn with the mouse on the
grid, and the page's SoftMax equal to ``iris-nn predict`` on the same pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_page import browser, iris_nn, open_page, page, ready, run_weights, serve  # noqa: F401

pytestmark = pytest.mark.slow

SETUP = ("--data", "digits", "--hidden", "12")


def stroke(tab, cells):
    """Draw one stroke through ``cells`` (row, column) of the grid, holding the mouse button."""
    x, y = tab.evaluate(f"window.irisnn.cell({cells[0][0]}, {cells[0][1]})")
    tab.mouse.move(x, y)
    tab.mouse.down()
    for i, j in cells[1:]:
        x, y = tab.evaluate(f"window.irisnn.cell({i}, {j})")
        tab.mouse.move(x, y, steps=8)
    tab.mouse.up()


def test_strokes_on_the_grid_give_predicts_probabilities(serve, page, tmp_path):  # noqa: F811
    iris_nn("train", *SETUP, "--epochs", "0", "--no-plots", "--out", str(tmp_path), "--name", "d")
    state = open_page(page, serve(*SETUP).url)
    assert page.is_visible("#drawing-view") and not page.is_visible("#plane-view")
    assert len(page.query_selector_all("#unit-weights canvas")) == 12
    for k, v in run_weights(tmp_path / "d").items():  # the page's network is train's at epoch 0
        np.testing.assert_array_equal(np.array(state["weights"][k]), v)
    stroke(page, [(1, 3), (6, 3)])  # down the middle
    stroke(page, [(2, 1), (2, 6)])  # and across: a cross
    state = ready(page)
    drawn = state["selected"]
    pixels = np.array(list(drawn["inputs"].values())).reshape(8, 8)
    inked = {(i, j) for i in range(8) for j in range(8) if pixels[i, j] == 16}
    assert inked == {(i, 3) for i in range(1, 7)} | {(2, j) for j in range(1, 7)}
    assert pixels[pixels != 16].tolist() == [0.0] * (64 - len(inked))
    out = iris_nn(
        "predict", "-m", str(tmp_path / "d"), "--format", "json",
        *(f"{k}={v!r}" for k, v in drawn["inputs"].items()),
    )  # fmt: skip
    (expected,) = json.loads(out.stdout)
    np.testing.assert_allclose(
        drawn["probabilities"], list(expected["probabilities"].values()), rtol=0, atol=1e-12
    )
    assert drawn["prediction"] == expected["prediction"]
    assert page.text_content("#drawn-prediction").startswith(f"ArgMax → {expected['prediction']}")
    shown = page.query_selector_all("#softmax .value")
    assert [s.text_content() for s in shown] == [f"{p:.3f}" for p in drawn["probabilities"]]
    page.click("#clear")
    assert set(ready(page)["selected"]["inputs"].values()) == {0.0}
