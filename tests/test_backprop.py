"""iris-nn backprop (SPEC 13): one gradient-descent step with every number, checked against the
textbook Network.gradient, central differences, one gd epoch of train, and hand arithmetic."""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import error, ok, run
from made_models import random_model
from sklearn.datasets import load_iris

from iris_nn.core.network import Network
from iris_nn.inference import backprop as bp
from iris_nn.store.model_file import load_model

CONFIGS = Path(__file__).parents[1] / "configs"
IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
SPECIES = ("setosa", "versicolor", "virginica")


def lesson_run(tmp_path_factory, *options):
    """Return the run of configs/lesson.toml (its weights untrained) with ``options``."""
    out = tmp_path_factory.mktemp("lesson") / "outputs"
    ok("train", "-c", CONFIGS / "lesson.toml", "--out", out, "--name", "lesson", "--no-plots", "-q",
       *options)  # fmt: skip
    return out / "lesson"


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    """Return the run of configs/lesson.toml: no L2 term."""
    return lesson_run(tmp_path_factory)


@pytest.fixture(scope="module")
def lesson_l2(tmp_path_factory):
    """Return the lesson's run with L2 0.3 (the default), so that the step's L2 term is worked."""
    return lesson_run(tmp_path_factory, "--set", "train.l2=0.3")


def write_csv(path, X, labels, features=IRIS_FEATURES, target="species"):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*features, target])
        w.writerows([*map(repr, row), label] for row, label in zip(X, labels, strict=True))
    return path


# ----------------------------------------------------------------------------- gradients


@pytest.mark.parametrize(
    ("hidden", "activation", "l2"),
    [((3,), "relu", 0.0), ((5,), "tanh", 0.7), ((4, 3), "sigmoid", 0.2), ((), "relu", 0.5)],
)
def test_gradients_are_the_textbook_ones_and_central_differences_agree(hidden, activation, l2):
    model = random_model(IRIS_FEATURES, hidden, SPECIES, activation, seed=3, sd=0.8)
    rng = np.random.default_rng(0)
    X = rng.normal([5.8, 3.0, 3.8, 1.2], [0.8, 0.4, 1.7, 0.7], size=(7, 4))
    labels = list(rng.choice(SPECIES, size=7))
    result = bp.backprop(model, X, labels, lr=0.1, l2=l2)
    net = model.net
    y = np.array([SPECIES.index(s) for s in labels])
    loss, grad = net.gradient(model.scale_inputs(X), y, l2)
    expected = net.unflatten(grad)
    assert result["loss_before"] == pytest.approx(loss, abs=1e-12)
    assert result["rows"] == 7 and len(result["forward"]) == 7
    for i, layer in enumerate(result["layers"], 1):
        assert layer["layer"] == i
        for key in ("W", "b"):
            g = np.array(layer[key]["grad"])
            g_num = np.array(layer[key]["numeric_grad"])
            np.testing.assert_allclose(g, expected[f"{key}{i}"], rtol=0, atol=1e-12)
            assert np.all(np.abs(g - g_num) <= 1e-7 + 1e-5 * np.abs(g_num)), (key, i)
            np.testing.assert_array_equal(layer[key]["value"], getattr(net, key)(i))
            np.testing.assert_allclose(
                layer[key]["new"], getattr(net, key)(i) - 0.1 * g, rtol=0, atol=1e-15
            )


def test_the_chain_rule_products_shown_make_the_gradients():
    """dL/dw = mean of a_j * delta_k (+ l2 / n * w) from the shown activations and deltas, and
    delta_j = (sum over k of w_jk delta_k) * f'(z_j) one layer down."""
    model = random_model(IRIS_FEATURES, (4, 3), SPECIES, "tanh", seed=5, sd=0.8)
    X = np.array([[5.1, 3.5, 1.4, 0.2], [6.3, 2.5, 5.0, 1.9], [5.7, 2.8, 4.1, 1.3]])
    l2, n = 0.3, 3
    result = bp.backprop(model, X, ["setosa", "virginica", 1], lr=0.5, l2=l2)
    rows = result["forward"]
    inputs = [np.array([list(r["scaled_inputs"].values()) for r in rows])]
    inputs += [np.array([r["layers"][k]["a"] for r in rows]) for k in range(2)]
    zs = [np.array([r["layers"][k]["z"] for r in rows]) for k in range(2)]
    layers = result["layers"]
    for i, layer in enumerate(layers):
        A, delta, W = inputs[i], np.array(layer["delta"]), np.array(layer["W"]["value"])
        np.testing.assert_allclose(
            layer["W"]["grad"], A.T @ delta / n + l2 / n * W, rtol=0, atol=1e-12
        )
        np.testing.assert_allclose(layer["b"]["grad"], delta.mean(axis=0), rtol=0, atol=1e-12)
        if i > 0:  # the delta below, by the chain rule, tanh'(z) = 1 - tanh(z)^2
            below = (delta @ W.T) * (1 - np.tanh(zs[i - 1]) ** 2)
            np.testing.assert_allclose(layers[i - 1]["delta"], below, rtol=0, atol=1e-15)
    P = np.array([list(r["probabilities"].values()) for r in rows])
    Y = np.eye(3)[[0, 2, 1]]
    np.testing.assert_allclose(layers[-1]["delta"], P - Y, rtol=0, atol=1e-15)


def test_loss_after_is_the_loss_of_the_new_weights():
    model = random_model(IRIS_FEATURES, (6,), SPECIES, "relu", seed=1, sd=0.8)
    X = np.array([[5.1, 3.5, 1.4, 0.2], [6.3, 2.5, 5.0, 1.9]])
    result = bp.backprop(model, X, ["versicolor", "virginica"], lr=0.2, l2=0.4)
    params = {}
    for i, layer in enumerate(result["layers"], 1):
        params[f"W{i}"] = np.array(layer["W"]["new"])
        params[f"b{i}"] = np.array(layer["b"]["new"])
    new = Network.from_state_dict(params, "relu")
    expected = new.loss(model.scale_inputs(X), np.array([1, 2]), 0.4)
    assert result["loss_after"] == pytest.approx(expected, abs=1e-12)
    assert result["loss_after"] < result["loss_before"]


@pytest.mark.parametrize(
    "options",
    [
        ["--hidden", "5", "--activation", "tanh", "--set", "train.l2=0.05", "--lr", "0.4"],
        ["--hidden", "4,3", "--activation", "relu"],  # default l2 0.3, lr 0.3
    ],
)
def test_new_weights_equal_one_gd_epoch_of_train(out, tmp_path, options):
    common = ["--out", out, "--no-plots", "-q", "--optimizer", "gd", *options]
    ok("train", "--epochs", "0", "--name", "start", *common)
    start = out / "start"
    ok("train", "--epochs", "1", "--init", start / "model.npz", "--name", "one", *common)
    train_rows = json.loads((start / "split.json").read_text())["train"]
    iris = load_iris()
    rows = write_csv(
        tmp_path / "train.csv",
        iris.data[train_rows].tolist(),
        [SPECIES[t] for t in iris.target[train_rows]],
    )
    result = json.loads(ok("backprop", "-m", start, "-i", rows, "--format", "json"))
    assert result["rows"] == len(train_rows) == 120
    trained = load_model(out / "one").net
    for i, layer in enumerate(result["layers"], 1):
        np.testing.assert_allclose(layer["W"]["new"], trained.W(i), rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer["b"]["new"], trained.b(i), rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- the lesson


@pytest.mark.parametrize(("run", "l2"), [("lesson", 0.0), ("lesson_l2", 0.3)])
def test_the_lesson_flower_step_by_hand(request, run, l2):
    """Flower 44 (petal width 0.4 cm, sepal width 3.8 cm, a setosa) on configs/lesson.toml: lr 0.3
    (the default it keeps), L2 0 (its own) or 0.3, worked as on the board."""
    lesson = request.getfixturevalue(run)
    result = json.loads(
        ok("backprop", "-m", lesson, "0.4", "3.8", "--label", "setosa", "--format", "json")
    )
    lr = 0.3
    W1, b1 = [[-2.5, -1.5], [0.6, 0.4]], [1.6, 0.7]
    W2, b2 = [[-0.1, 2.4, -2.2], [1.5, -5.2, 3.7]], [0.385, -0.345, 1.04625]
    x = [(0.4 - 0.1) / 2.4, (3.8 - 2.0) / 2.4]  # minmax over the training rows: 0.125, 0.75
    a = [1.7375, 0.8125]  # relu(-2.5*0.125 + 0.6*0.75 + 1.6), relu(-1.5*0.125 + 0.4*0.75 + 0.7)
    z = [1.43, -0.40, 0.23]  # the lesson's raw outputs
    e = [math.exp(v) for v in z]
    p = [v / sum(e) for v in e]  # 0.684, 0.110, 0.206
    y = [1, 0, 0]
    delta2 = [p[k] - y[k] for k in range(3)]  # -0.316, 0.110, 0.206
    delta1 = [sum(W2[j][k] * delta2[k] for k in range(3)) * 1.0 for j in range(2)]  # relu' = 1
    squares = sum(w * w for W in (W1, W2) for row in W for w in row)  # 62.61
    assert result["lr"] == lr and result["rows"] == 1
    assert result["loss_before"] == pytest.approx(-math.log(p[0]) + l2 / 2 * squares, abs=1e-12)
    out, hidden = result["layers"][1], result["layers"][0]
    np.testing.assert_allclose(out["delta"], [delta2], atol=1e-12)
    np.testing.assert_allclose(hidden["delta"], [delta1], atol=1e-12)
    dW2 = [[a[j] * delta2[k] + l2 * W2[j][k] for k in range(3)] for j in range(2)]
    dW1 = [[x[i] * delta1[j] + l2 * W1[i][j] for j in range(2)] for i in range(2)]
    np.testing.assert_allclose(out["W"]["grad"], dW2, atol=1e-12)
    np.testing.assert_allclose(out["b"]["grad"], delta2, atol=1e-12)
    np.testing.assert_allclose(hidden["W"]["grad"], dW1, atol=1e-12)
    np.testing.assert_allclose(hidden["b"]["grad"], delta1, atol=1e-12)
    new_W2 = [[W2[j][k] - lr * dW2[j][k] for k in range(3)] for j in range(2)]
    new_b1 = [b1[j] - lr * delta1[j] for j in range(2)]
    np.testing.assert_allclose(out["W"]["new"], new_W2, atol=1e-12)
    np.testing.assert_allclose(hidden["b"]["new"], new_b1, atol=1e-12)
    np.testing.assert_allclose(out["b"]["new"], [b2[k] - lr * delta2[k] for k in range(3)])
    # the loss after, by hand from the new weights
    new_W1 = [[W1[i][j] - lr * dW1[i][j] for j in range(2)] for i in range(2)]
    new_b2 = [b2[k] - lr * delta2[k] for k in range(3)]
    h = [max(0.0, sum(x[i] * new_W1[i][j] for i in range(2)) + new_b1[j]) for j in range(2)]
    z_new = [sum(h[j] * new_W2[j][k] for j in range(2)) + new_b2[k] for k in range(3)]
    ce = math.log(sum(math.exp(v) for v in z_new)) - z_new[0]
    squares_new = sum(w * w for W in (new_W1, new_W2) for row in W for w in row)
    assert result["loss_after"] == pytest.approx(ce + l2 / 2 * squares_new, abs=1e-12)
    forward = result["forward"][0]
    assert forward["layers"][0]["a"] == pytest.approx(a) and forward["argmax"] == [1, 0, 0]


def test_the_lesson_table_writes_the_products(lesson, lesson_l2):
    with_l2 = ok("backprop", "-m", lesson_l2, "0.4", "3.8", "--label", "setosa")
    assert "unit 1 -> setosa      1.7375 * (-0.3158) + 0.3 * (-0.1) = -0.5787" in with_l2
    text = ok("backprop", "-m", lesson, "0.4", "3.8", "--label", "setosa")
    assert "setosa      0.6842 - 1 = -0.3158" in text
    assert "unit 1 -> setosa      1.7375 * (-0.3158) = -0.5487" in text
    assert "L2 term        l2 / 2 * sum(W**2) / n = 0 / 2 * 62.61 / 1 = 0" in text
    assert "-log(p[setosa]) = -log(0.6842) = 0.3795" in text
    assert "15 of 15 gradients agree with central differences" in text
    assert text.index("2. The loss") < text.index("3. The output delta") < text.index("layer 2")
    assert text.index("layer 2 (output layer)") < text.index("layer 1 (hidden layer 1)")


def test_json_has_exactly_spec_13s_keys(lesson):
    result = json.loads(
        ok("backprop", "-m", lesson, "0.4", "3.8", "--label", "setosa", "--format", "json")
    )
    assert list(result) == ["lr", "rows", "loss_before", "loss_after", "forward", "layers"]
    for layer in result["layers"]:
        assert list(layer) == ["layer", "delta", "W", "b"]
        assert list(layer["W"]) == list(layer["b"]) == ["value", "grad", "numeric_grad", "new"]
    explained = json.loads(
        ok("predict", "-m", lesson, "0.4", "3.8", "--explain", "--format", "json")
    )
    forward = result["forward"][0]
    assert forward.pop("species") == "setosa"
    assert forward == explained[0]


def test_the_check_is_skipped_with_a_note_beyond_the_limit(lesson, monkeypatch):
    monkeypatch.setattr(bp, "CHECK_LIMIT", 10)  # 15 parameters x 1 row is beyond it
    result = run("backprop", "-m", lesson, "0.4", "3.8", "--label", "setosa", "--format", "json")
    assert result.exit_code == 0
    assert "Note: the central-difference check is skipped" in result.stderr
    for layer in json.loads(result.stdout)["layers"]:
        assert layer["W"]["numeric_grad"] is None and layer["b"]["numeric_grad"] is None


def test_the_run_lr_is_the_default_and_lr_overrides_it(lesson):
    result = json.loads(
        ok(
            "backprop",
            "-m",
            lesson,
            "0.4",
            "3.8",
            "--label",
            "0",
            "--lr",
            "0.05",
            "--format",
            "json",
        )
    )
    layer = result["layers"][1]
    assert result["lr"] == 0.05
    np.testing.assert_allclose(
        layer["b"]["new"], np.array(layer["b"]["value"]) - 0.05 * np.array(layer["b"]["grad"])
    )


# ----------------------------------------------------------------------------- bad input


def test_a_bare_model_file_needs_lr_and_steps_without_l2(lesson, tmp_path):
    bare = tmp_path / "model.npz"
    bare.write_bytes((lesson / "model.npz").read_bytes())
    message = error(run("backprop", "-m", bare, "0.4", "3.8", "--label", "setosa"))
    assert "--lr" in message and "bare model file" in message
    result = run("backprop", "-m", bare, "0.4", "3.8", "--label", "setosa", "--lr", "0.3")
    assert result.exit_code == 0
    assert "Note: a bare model file has no train.l2: the step uses L2 0" in result.stderr
    assert "L2 0)" in result.stdout


def test_an_unknown_label_lists_the_classes(lesson):
    message = error(run("backprop", "-m", lesson, "0.4", "3.8", "--label", "rose"))
    assert "'rose'" in message and "setosa, versicolor, virginica" in message


def test_values_need_a_label(lesson):
    assert "--label" in error(run("backprop", "-m", lesson, "0.4", "3.8"))


def test_no_row_at_all_says_both_ways_to_give_one(lesson):
    assert error(run("backprop", "-m", lesson, "--label", "setosa")) == (
        "Error: no row given; allowed: VALUES with --label CLASS, or --input CSV"
    )
    assert "no row given" in error(run("backprop", "-m", lesson))


def test_values_of_the_wrong_count(lesson):
    message = error(run("backprop", "-m", lesson, "0.4", "3.8", "1.0", "--label", "setosa"))
    assert "got 3 values" in message and "petal_width, sepal_width" in message


def test_an_input_file_without_the_class_column(lesson, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("petal_width,sepal_width\n0.4,3.8\n")
    message = error(run("backprop", "-m", lesson, "-i", path))
    assert "no class column (species)" in message


def test_values_and_input_together_or_label_with_input(lesson, tmp_path):
    path = write_csv(tmp_path / "r.csv", [[0.4, 3.8]], ["setosa"], ("petal_width", "sepal_width"))
    error(run("backprop", "-m", lesson, "0.4", "3.8", "--label", "setosa", "-i", path))
    error(run("backprop", "-m", lesson, "-i", path, "--label", "setosa"))
    assert json.loads(ok("backprop", "-m", lesson, "-i", path, "--format", "json"))["rows"] == 1


def test_a_model_whose_outputs_overflow_is_exit_1(lesson, tmp_path):
    huge = tmp_path / "huge.npz"
    arrays = dict(np.load(lesson / "model.npz"))
    arrays["W1"], arrays["W2"] = arrays["W1"] * 1e200, arrays["W2"] * 1e200  # finite weights
    np.savez(huge, **arrays)
    message = error(
        run("backprop", "-m", huge, "0.4", "3.8", "--label", "setosa", "--lr", "0.1"), 1
    )
    assert "overflow" in message


def test_a_step_that_overflows_is_exit_1(lesson):
    message = error(
        run("backprop", "-m", lesson, "0.4", "3.8", "--label", "setosa", "--lr", "1e308"), code=1
    )
    assert "overflow" in message and "--lr" in message


def test_bad_lr_is_exit_2(lesson):
    error(run("backprop", "-m", lesson, "0.4", "3.8", "--label", "setosa", "--lr", "0"))


# ----------------------------------------------------------------------------- the plot


def test_plot_extension_is_checked_before_any_work(tmp_path):
    missing = tmp_path / "nothing"
    message = error(
        run("backprop", "-m", missing, "1", "--label", "x", "--plot", tmp_path / "a.gif")
    )
    assert ".png, .svg, .pdf" in message


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_is_written(lesson, tmp_path, suffix):
    path = tmp_path / f"step.{suffix}"
    text = ok("backprop", "-m", lesson, "0.4", "3.8", "--label", "setosa", "--plot", path)
    assert text.rstrip().endswith(f"plot: {path}")
    head = path.read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if suffix == "png" else b"<?xml" in head or b"<svg" in head


def test_plot_shows_every_gradient_and_delta_of_the_lesson(lesson):
    from textcheck import drawn_texts, text_problems

    from iris_nn.views.backprop_diagram import backprop_figure, gradient_text

    model = load_model(lesson)
    step = bp.step(model, bp.Inputs(np.array([[0.4, 3.8]]), np.array([0])), 0.3, 0.3)
    fig = backprop_figure(model, step, "lesson")
    assert text_problems(fig) == []
    texts = [t.get_text() for t in drawn_texts(fig)]
    for g in step.layers:
        for v in g.dW.ravel():
            assert gradient_text(float(v)) in texts
    assert "δ -0.316" in texts and "h1  δ -0.158" in texts
