"""Starting weights (`model.init`, `--init`): the lesson checked by hand, .npz runs, clear errors."""

import json
import math
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import error, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iris_nn.settings import config as C
from iris_nn.store.init_weights import read_init_weights
from iris_nn.store.model_file import load_model

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "configs" / "lesson.toml"


def npz_arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


@pytest.fixture(scope="module")
def lesson_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson")
    result = run("train", "-c", LESSON, "--out", out, "--name", "lesson", "--no-plots")
    assert result.exit_code == 0, result.output
    return out / "lesson"


def test_the_lesson_by_hand(lesson_run):
    """Flower 44 (a setosa: petal width 0.4 cm, sepal width 3.8 cm) through the 2-2-3 network of
    configs/lesson-weights.toml, worked out by hand: the oracle for predict's numbers."""
    # minmax scaling over the training rows: petal width 0.1 .. 2.5 cm, sepal width 2.0 .. 4.4 cm
    petal, sepal = (0.4 - 0.1) / (2.5 - 0.1), (3.8 - 2.0) / (4.4 - 2.0)  # 0.125, 0.75
    unit_1 = max(0.0, -2.5 * petal + 0.6 * sepal + 1.6)  # relu(1.7375)
    unit_2 = max(0.0, -1.5 * petal + 0.4 * sepal + 0.7)  # relu(0.8125)
    setosa = -0.1 * unit_1 + 1.5 * unit_2 + 0.385  # 1.43
    versicolor = 2.4 * unit_1 - 5.2 * unit_2 - 0.345  # -0.40
    virginica = -2.2 * unit_1 + 3.7 * unit_2 + 1.04625  # 0.23
    total = math.exp(setosa) + math.exp(versicolor) + math.exp(virginica)
    softmax = [math.exp(setosa) / total, math.exp(versicolor) / total, math.exp(virginica) / total]

    result = run("predict", "-m", lesson_run, "0.4", "3.8", "--explain", "--format", "json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert list(row["scaled_inputs"].values()) == pytest.approx([petal, sepal], abs=1e-12)
    [hidden] = row["layers"]
    assert hidden["a"] == pytest.approx([unit_1, unit_2], abs=1e-12)
    assert list(row["logits"].values()) == pytest.approx([setosa, versicolor, virginica], abs=1e-12)
    assert list(row["probabilities"].values()) == pytest.approx(softmax, abs=1e-12)
    assert row["argmax"] == [1, 0, 0] and row["prediction"] == "setosa"
    # ... and they are the lesson's numbers
    assert [setosa, versicolor, virginica] == pytest.approx([1.43, -0.40, 0.23], abs=1e-12)
    assert [round(p, 3) for p in softmax] == [0.684, 0.110, 0.206]

    text = run("predict", "-m", lesson_run, "0.4", "3.8", "--explain").stdout
    for line in (
        "    unit 1  z = -2.5*0.125 + 0.6*0.75 + 1.6 = 1.7375   relu(z) = 1.7375",
        "    unit 2  z = -1.5*0.125 + 0.4*0.75 + 0.7 = 0.8125   relu(z) = 0.8125",
        "    setosa      z = -0.1*1.7375 + 1.5*0.8125 + 0.385 = 1.43",
        "    versicolor  z = 2.4*1.7375 - 5.2*0.8125 - 0.345 = -0.4",
        "    virginica   z = -2.2*1.7375 + 3.7*0.8125 + 1.04625 = 0.23",
        "  SoftMax         setosa 0.684   versicolor 0.110   virginica 0.206   (sum 1.000)",
        "  ArgMax          [1, 0, 0]  ->  setosa",
    ):
        assert line in text.splitlines(), line


def test_the_lesson_keeps_its_weights_and_names_a_training_flower(lesson_run):
    with open(ROOT / "configs" / "lesson-weights.toml", "rb") as f:
        weights = tomllib.load(f)
    saved = npz_arrays(lesson_run / "model.npz")
    for name in ("W1", "b1", "W2", "b2"):  # epochs = 0 keeps exactly the file's weights
        np.testing.assert_array_equal(saved[name], np.array(weights[name]))
    assert 44 in json.loads((lesson_run / "split.json").read_text())["train"]
    model = load_model(lesson_run)
    np.testing.assert_allclose(model.scaler.center, [0.1, 2.0], atol=1e-12)
    np.testing.assert_allclose(model.scaler.scale, [2.4, 2.4], atol=1e-12)
    # the run's config names the weights by their absolute path, so it reproduces from anywhere
    stored = C.load(lesson_run / "config.toml")
    assert stored.model.init == str(ROOT / "configs" / "lesson-weights.toml")


def test_a_runs_model_npz_continues_its_training(tmp_path):
    """Full-batch gd is deterministic: 30 epochs, then 5 from those weights, equal 35 at once."""
    out = tmp_path / "o"
    fast = ["--out", out, "--no-plots", "-q"]
    assert run("train", *fast, "--name", "a30", "--epochs", "30").exit_code == 0
    assert run("train", *fast, "--name", "a35", "--epochs", "35").exit_code == 0
    result = run("train", *fast, "--name", "b5", "--epochs", "5", "--init", out / "a30/model.npz")
    assert result.exit_code == 0, result.output
    a35, b5 = npz_arrays(out / "a35/model.npz"), npz_arrays(out / "b5/model.npz")
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(b5[name], a35[name], rtol=1e-12, atol=1e-12)
    # epochs 0 keeps the weights exactly
    result = run("train", *fast, "--name", "same", "--epochs", "0", "--init", out / "a30/model.npz")
    assert result.exit_code == 0, result.output
    same, a30 = npz_arrays(out / "same/model.npz"), npz_arrays(out / "a30/model.npz")
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(same[name], a30[name])


def test_paths_are_relative_to_the_config_file_or_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "configs").mkdir()
    shutil.copy(ROOT / "configs" / "lesson-weights.toml", tmp_path / "configs" / "w.toml")
    config = tmp_path / "configs" / "c.toml"
    config.write_text(
        'name = "c"\nseed = 4\n[data]\nfeatures = ["petal_width", "sepal_width"]\n'
        'scaling = "minmax"\n[model]\nhidden = [2]\nactivation = "relu"\ninit = "w.toml"\n'
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert C.load(config).model.init == str(tmp_path / "configs" / "w.toml")
    assert C.load(None, ["model.init=w.toml"]).model.init == str(elsewhere / "w.toml")
    monkeypatch.chdir(tmp_path / "configs")
    result = run(
        "train",
        "-c",
        "c.toml",
        "--init",
        "w.toml",
        "--out",
        "o",
        "--epochs",
        "0",
        "--no-plots",
        "-q",
    )
    assert result.exit_code == 0, result.output
    stored = C.load(Path(result.stdout.strip()) / "config.toml")
    assert stored.model.init == str(tmp_path / "configs" / "w.toml")


def lesson_with(tmp_path, text: str, suffix: str = ".toml") -> list:
    """Return train arguments for the lesson's network starting from weights ``text``."""
    path = tmp_path / f"w{suffix}"
    path.write_text(text)
    return [
        "train",
        "--out",
        tmp_path / "o",
        "--epochs",
        "0",
        "--no-plots",
        "-c",
        LESSON,
        "--init",
        path,
    ]


GOOD = "W1 = [[1, 2], [3, 4]]\nb1 = [0, 0]\nW2 = [[1, 2, 3], [4, 5, 6]]\nb2 = [0, 0, 0]\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("W1 = [[1, 2], [3, 4]]", "W1 = [[1, 2, 5], [3, 4, 5]]"),
            "W1 has shape (2, 3); expected (2, 2) (2 inputs to 2 units of hidden layer 1)",
        ),
        (
            GOOD.replace("b2 = [0, 0, 0]", "b2 = [0, 0]"),
            "b2 has shape (2,); expected (3,) (one bias per unit of the outputs)",
        ),
        (GOOD.replace("b2 = [0, 0, 0]\n", ""), "has no b2; the 2-2-3 network needs W1, b1, W2, b2"),
        (GOOD + "W3 = [[1]]\nb3 = [1]\n", "has W3, b3, but the 2-2-3 network needs W1, b1, W2, b2"),
        (GOOD + "lr = 0.1\n", "unexpected key 'lr'; allowed: W1, b1, W2, b2, ..."),
        (GOOD.replace("[0, 0]", '["a", 0]'), "b1 must hold numbers only"),
        (GOOD.replace("[0, 0]", "[true, 0]"), "b1 must hold numbers only"),
        (GOOD.replace("[3, 4]", "[3]"), "W1 has rows of different lengths"),
        (GOOD.replace("[0, 0]", "[nan, 0]"), "b1 holds a value that is not a finite number"),
        ("W1 = [[1, 2]", "is not valid TOML"),
    ],
)
def test_bad_toml_weights_are_one_error_line(tmp_path, text, message):
    line = error(run(*lesson_with(tmp_path, text)), 2)
    assert line.startswith("Error: model.init '") and message in line, line
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_bad_npz_weights_are_one_error_line(tmp_path):
    out = tmp_path / "o"
    assert (
        run("train", "--out", out, "--name", "four", "--epochs", "1", "--no-plots").exit_code == 0
    )
    four = out / "four" / "model.npz"
    # a model of other features, or of the same ones in another order, is refused by its meta
    line = error(run("train", "-c", LESSON, "--out", out, "--init", four), 2)
    assert "was made for features sepal_length, sepal_width, petal_length, petal_width" in line
    assert "this run's features are petal_width, sepal_width" in line
    reordered = [
        "--set",
        'data.features=["sepal_width", "sepal_length", "petal_length", "petal_width"]',
    ]
    line = error(run("train", "--out", out, *reordered, "--init", four), 2)
    assert "(the same, in this order, are needed)" in line
    # without meta the shapes are what is checked
    arrays = npz_arrays(four)
    bare = tmp_path / "bare.npz"
    np.savez(bare, **{k: v for k, v in arrays.items() if k[0] in "Wb"})
    line = error(run("train", "-c", LESSON, "--out", out, "--init", bare), 2)
    assert "W1 has shape (4, 16); expected (2, 2)" in line
    # not a zip file, a pickle, a missing file, a file of another kind
    fake = tmp_path / "fake.npz"
    fake.write_bytes(b"\x80\x04K\x01.")
    assert "is not a .npz file" in error(run("train", "--out", out, "--init", fake), 2)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, W1=np.array([{"a": 1}], dtype=object))
    line = error(run("train", "--out", out, "--init", pickled), 2)
    assert "is not a valid .npz file (or holds pickled objects)" in line
    assert "does not exist" in error(run("train", "--out", out, "--init", tmp_path / "no.npz"), 2)
    line = error(run("train", "--out", out, "--init", tmp_path / "w.json"), 2)
    assert line.startswith("Error: --init: model.init = '") and ".toml or .npz" in line
    assert sorted(p.name for p in out.iterdir()) == ["four"]  # nothing half-made


def test_cv_refuses_starting_weights(tmp_path):
    weights = ROOT / "configs" / "lesson-weights.toml"
    line = error(run("cv", "-c", LESSON, "--set", f"model.init={weights}", "--folds", "2"), 2)
    assert "model.init" in line and "cv trains every fold from random initial weights" in line


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def _npz_with_meta(path, meta):
    """Write the lesson's 2-2-3 weights with ``meta`` (any JSON text) to ``path``."""
    W = {"W1": np.ones((2, 2)), "b1": np.zeros(2), "W2": np.ones((2, 3)), "b2": np.zeros(3)}
    np.savez(path, meta=np.array(meta), **W)


@pytest.mark.parametrize(
    "field, value, shown",
    [
        ("features", 5, "5"),
        ("features", "abcd", '"abcd"'),
        ("classes", [1, 2, 3], "[1, 2, 3]"),
        ("classes", None, "null"),
        ("features", {"a": 1}, '{"a": 1}'),
    ],
)
def test_init_meta_of_another_json_type_is_one_clear_error(tmp_path, field, value, shown):
    """Issue 24.6: ``"features": 5`` was an internal error, ``"abcd"`` four features a, b, c, d."""
    weights = tmp_path / "w.npz"
    _npz_with_meta(weights, json.dumps({field: value}))
    line = error(run("train", "-c", LESSON, "--out", tmp_path / "o", "--init", weights), 2)
    assert line == (
        f"Error: model.init '{weights}': its meta's {field} is {shown}; allowed: a list of names"
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    meta=st.dictionaries(st.sampled_from(["features", "classes", "hidden", "format"]), JSON_VALUES)
    | JSON_VALUES
)
def test_init_metas_of_every_json_type_are_used_or_refused_cleanly(tmp_path, meta):
    """Fuzz: any JSON meta either fits the lesson's network or is one ConfigError, never another
    exception; a meta naming the run's own features and classes is accepted."""
    weights = tmp_path / "w.npz"
    _npz_with_meta(weights, json.dumps(meta))
    features, classes = ("petal_width", "sepal_width"), ("setosa", "versicolor", "virginica")
    try:
        arrays = read_init_weights(weights, [2, 2, 3], features, classes)
    except C.ConfigError as e:
        assert "\n" not in str(e) and str(e).startswith(f"model.init '{weights}'"), str(e)
        fits = isinstance(meta, dict) and all(
            meta.get(k, ours) == list(ours)
            for k, ours in (("features", features), ("classes", classes))
        )
        assert not fits, str(e)
    else:
        assert isinstance(meta, dict) and set(arrays) == {"W1", "b1", "W2", "b2"}
        for key, ours in (("features", features), ("classes", classes)):
            assert key not in meta or meta[key] == list(ours)
