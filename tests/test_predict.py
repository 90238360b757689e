"""`iris-nn predict` and iris_nn.predict: input forms, formats, oracles, errors, speed, imports."""

import csv
import io
import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import error, ok, run
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from iris_nn.data.csvopen import parse_header
from iris_nn.data.values import feature_name, names_match
from iris_nn.inference.predict import Inputs, parse_values, predict, read_inputs
from iris_nn.store.model_file import load_model

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
CLASSES = ["setosa", "versicolor", "virginica"]
EXPECTS = "this model expects 4: sepal_length, sepal_width, petal_length, petal_width"


def predict_ok(trained_run, *args, input=None):
    result = run("predict", "-m", trained_run, *args, input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def iris_csv(path, header=None, species=None, newline="\n", bom=False):
    bunch = load_iris()
    header = header or [*bunch.feature_names, "species"]
    rows = [
        [*(f"{x:g}" for x in row), species(t) if species else bunch.target_names[t]]
        for row, t in zip(bunch.data, bunch.target, strict=True)
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows([header, *rows])
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), newline="")
    return path


def sklearn_with(model):
    """Return an MLPClassifier holding the model's weights (the oracle for probabilities)."""
    names = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic", "identity": "identity"}
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(model.net.hidden),
        activation=names[model.net.activation],
        max_iter=1,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(model.scale_inputs(X), y)  # builds the structures; the weights are replaced below
    clf.coefs_ = [model.net.W(i).copy() for i in range(1, model.net.n_layers + 1)]
    clf.intercepts_ = [model.net.b(i).copy() for i in range(1, model.net.n_layers + 1)]
    return clf


# ----------------------------------------------------------------------------- oracles


def test_all_150_flowers_equal_in_process_predictions(trained_run, tmp_path):
    model = load_model(trained_run)
    X, y = load_iris(return_X_y=True)
    expected = model.net.forward(model.scale_inputs(X)).argmax(axis=1)
    out = predict_ok(trained_run, "-i", iris_csv(tmp_path / "iris.csv"), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 150
    assert [r["prediction"] for r in rows] == [CLASSES[i] for i in expected]
    assert [r["species"] for r in rows] == [CLASSES[i] for i in y]


def test_json_probabilities_sum_to_1_and_equal_sklearn(trained_run, tmp_path):
    model = load_model(trained_run)
    X, _ = load_iris(return_X_y=True)
    objects = json.loads(
        predict_ok(trained_run, "-i", iris_csv(tmp_path / "iris.csv"), "--format", "json")
    )
    P = np.array([[o["probabilities"][c] for c in CLASSES] for o in objects])
    Z = np.array([[o["logits"][c] for c in CLASSES] for o in objects])
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        P, sklearn_with(model).predict_proba(model.scale_inputs(X)), atol=1e-12
    )
    np.testing.assert_allclose(Z, model.logits(X), atol=1e-12)
    assert [o["prediction"] for o in objects] == [CLASSES[i] for i in P.argmax(axis=1)]
    assert set(objects[0]) == {"prediction", "probabilities", "logits", "species"}


def test_values_forms_agree(trained_run):
    plain = json.loads(predict_ok(trained_run, "5.1", "3.5", "1.4", "0.2", "--format", "json"))
    named = json.loads(
        predict_ok(
            trained_run,
            "petal_width=0.2",
            "Petal Length (cm)=1.4",
            "sepal-width=3.5",
            "sepal_length=5.1",
            "--format",
            "json",
        )
    )
    assert plain == named and len(plain) == 1
    assert set(plain[0]) == {"prediction", "probabilities", "logits"}
    assert plain[0]["prediction"] == "setosa"


def test_negative_values_need_no_double_dash(trained_run):
    out = predict_ok(trained_run, "-5.1", "-3.5", "1.4", "-0.2", "--format", "csv")
    assert out.splitlines()[0] == "prediction,p_setosa,p_versicolor,p_virginica"
    assert out.count("\n") == 2


def test_table_and_explain(trained_run):
    table = predict_ok(trained_run, "6.3", "3.3", "6.0", "2.5")
    assert table.splitlines()[0].split() == ["prediction", *CLASSES]
    assert table.splitlines()[1].split()[0] == "virginica"
    explained = predict_ok(trained_run, "6.3", "3.3", "6.0", "2.5", "--explain")
    for step in ("inputs (cm)", "scaled inputs", "raw outputs", "SoftMax", "ArgMax", "[0, 0, 1]"):
        assert step in explained
    data = json.loads(
        predict_ok(trained_run, "6.3", "3.3", "6.0", "2.5", "--explain", "--format", "json")
    )
    assert data[0]["argmax"] == [0, 0, 1] and data[0]["inputs"]["petal_width"] == 2.5


def test_table_with_species_shows_accuracy_and_confusion(trained_run, tmp_path):
    out = predict_ok(trained_run, "-i", iris_csv(tmp_path / "iris.csv"))
    assert "accuracy " in out and "confusion matrix (rows = true species" in out
    assert out.splitlines()[0].split() == ["row", "prediction", *CLASSES, "species"]


# ----------------------------------------------------------------------------- CSV dialects


@pytest.mark.parametrize(
    "options",
    [
        {},  # scikit-learn names: "sepal length (cm)"
        {"header": [*FEATURES, "species"], "newline": "\r\n", "bom": True},
        {"header": ["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm", "Species"]},
        {"header": ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width", "Species"]},
        {"species": lambda t: f"Iris-{CLASSES[t]}"},
        {"species": str},
    ],
)
def test_csv_dialects_give_the_same_predictions(trained_run, tmp_path, options):
    reference = predict_ok(trained_run, "-i", iris_csv(tmp_path / "a.csv"), "--format", "csv")
    other = predict_ok(
        trained_run, "-i", iris_csv(tmp_path / "b.csv", **options), "--format", "csv"
    )
    assert other == reference


def test_csv_quoted_fields_extra_columns_reordered_and_stdin(trained_run, tmp_path):
    text = (
        'id,"petal_width",note,petal_length,sepal_width,sepal_length\r\n'
        '1,0.2,"a, quoted ""note""",1.4,3.5,5.1\r\n'
        "\r\n"
        '2,"2.5",x,6.0,3.3,6.3\r\n'
    )
    path = tmp_path / "odd.csv"
    path.write_text(text, newline="")
    from_file = predict_ok(trained_run, "-i", path, "--format", "json")
    from_stdin = predict_ok(trained_run, "-i", "-", "--format", "json", input="\ufeff" + text)
    assert from_file == from_stdin
    assert [o["prediction"] for o in json.loads(from_file)] == ["setosa", "virginica"]


def test_headings_match_features_by_the_name_function():
    for name in ("petal width (cm)", "Petal.Width", "petal-width", " petal_width "):
        assert feature_name(name) == "petal_width"
    assert feature_name("PetalWidthCm") == "petal_width_cm"  # camelCase split (SPEC 7) ...
    for name in ("PetalWidthCm", "petal_width_mm", "Petal Width In"):
        assert names_match(name, "petal_width")  # ... and a unit word dropped to match
    assert not names_match("petal_length", "petal_width")


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "values, message",
    [
        (["5.1", "3.5", "1.4"], f"Error: got 3 values (5.1 3.5 1.4); {EXPECTS}, in this order"),
        (
            ["5.1", "abc", "1.4", "0.2"],
            "Error: sepal_width: 'abc' is not a number; allowed: numbers such as 5.1, -0.4 or 1e-3 "
            "([+-]digits[.digits][(e|E)[+-]digits])",
        ),
        (
            ["5.1", "nan", "1.4", "0.2"],
            "Error: sepal_width: 'nan' is not finite; allowed: finite numbers (no nan or inf)",
        ),
        (
            ["5.1", "3.5", "-inf", "0.2"],
            "Error: petal_length: '-inf' is not finite; allowed: finite numbers (no nan or inf)",
        ),
        (["petal=1"], f"Error: unknown feature 'petal' in 'petal=1'; {EXPECTS}"),
        (
            ["petal_width=1", "petal_width=2"],
            "Error: feature 'petal_width' given twice; give each feature once",
        ),
        (
            ["5.1", "petal_width=1"],
            "Error: mixed forms: '5.1' is a plain number but 'petal_width=1' is a name=value "
            f"pair; use one form for all values; {EXPECTS}",
        ),
        (
            ["petal_width=1"],
            f"Error: no value for sepal_length, sepal_width, petal_length; {EXPECTS}",
        ),
        ([], f"Error: no values given; {EXPECTS}"),
    ],
)
def test_bad_values_exit_2(trained_run, values, message):
    assert error(run("predict", "-m", trained_run, *values), 2) == message


def test_unknown_option_still_fails(trained_run):
    line = error(run("predict", "-m", trained_run, "--bogus", "1", "2", "3", "4"), 2)
    assert line.startswith("Error: No such option") and "--bogus" in line


def test_values_and_input_together_and_explain_csv(trained_run, tmp_path):
    path = iris_csv(tmp_path / "iris.csv")
    assert error(run("predict", "-m", trained_run, "1", "-i", path), 2) == (
        "Error: give VALUES or --input, not both"
    )
    assert error(run("predict", "-m", trained_run, "-i", path, "--explain", "--format", "csv"), 2)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Error: --input: 'f.csv' is empty; expected a header row naming the columns"),
        (
            "sepal_length,sepal_width,petal_length,petal_width\n",
            "Error: --input: 'f.csv' has a header but no rows",
        ),
        (
            "sepal_length,sepal_width,petal_length\n1,2,3\n",
            "Error: --input: 'f.csv' has no petal_width column (columns: 'sepal_length', "
            f"'sepal_width', 'petal_length'); {EXPECTS}; 'petal width (cm)' style names match too",
        ),
        (
            "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,rose\n",
            "Error: --input: 'f.csv' line 2, column 'species': unknown species 'rose'; allowed: "
            "setosa, versicolor, virginica (or 0-2), also Iris-setosa style",
        ),
        (
            "sepal_length,sepal_width,petal_length,petal_width\n1,2,3,4\n1,2,x,4\n",
            "Error: --input: 'f.csv' line 3, column 'petal_length': 'x' is not a number; allowed: "
            "numbers such as 5.1, -0.4 or 1e-3 ([+-]digits[.digits][(e|E)[+-]digits])",
        ),
        (
            "sepal_length,sepal_width,petal_length,petal_width\n1,2,3,inf\n",
            "Error: --input: 'f.csv' line 2, column 'petal_width': 'inf' is not finite; allowed: "
            "finite numbers",
        ),
        (
            "sepal_length,sepal_width,petal_length,petal_width\n1,2,3\n",
            "Error: --input: 'f.csv' line 2 has 3 fields; the header (line 1) has 4",
        ),
        (
            "petal_width,petal width (cm),sepal_length,sepal_width,petal_length\n1,2,3,4,5\n",
            "Error: --input: 'f.csv': columns 'petal_width', 'petal width (cm)' all match "
            "petal_width; keep one of them",
        ),
    ],
)
def test_bad_csv_exit_2(trained_run, tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    Path("f.csv").write_text(text)
    assert error(run("predict", "-m", trained_run, "-i", "f.csv"), 2) == message


def test_missing_input_file_exit_2(trained_run, tmp_path):
    missing = tmp_path / "nope.csv"
    assert error(run("predict", "-m", trained_run, "-i", missing), 2) == (
        f"Error: --input: input file {str(missing)!r} does not exist"
    )


def test_model_errors_exit_1(trained_run, tmp_path):
    missing = tmp_path / "none"
    assert error(run("predict", "-m", missing, "1", "2", "3", "4"), 1) == (
        f"Error: model {str(missing)!r} does not exist"
    )
    text = tmp_path / "model.npz"
    text.write_text("not a model")
    assert error(run("predict", "-m", text, "1", "2", "3", "4"), 1) == (
        f"Error: {text} is not a usable iris-nn model: not a .npz file"
    )
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes((trained_run / "model.npz").read_bytes()[:300])
    assert "is not a usable iris-nn model" in error(
        run("predict", "-m", truncated, "1", "2", "3", "4"), 1
    )
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    assert error(run("predict", "-m", empty_dir, "1", "2", "3", "4"), 1) == (
        f"Error: {empty_dir} holds no model.npz: not a run directory"
    )


def test_unknown_format_version_exit_1(trained_run, tmp_path):
    with np.load(trained_run / "model.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays["meta"]))
    meta["format"] = "iris-nn/99"
    arrays["meta"] = np.array(json.dumps(meta))
    path = tmp_path / "future.npz"
    np.savez(path, **arrays)
    assert error(run("predict", "-m", path, "1", "2", "3", "4"), 1) == (
        f"Error: {path} is not a usable iris-nn model: unknown format 'iris-nn/99'; "
        "this version reads 'iris-nn/1'"
    )


def test_no_runs_exit_1(out):
    assert error(run("predict", "--out", out, "1", "2", "3", "4"), 1) == (
        f"Error: no runs in {out}/: run `iris-nn train` first"
    )


def test_newest_completed_run_is_the_default(trained_run, tmp_path):
    out = tmp_path / "outputs"
    shutil.copytree(trained_run, out / "a")
    (out / ".b.tmp-123").mkdir()  # a run in progress is never used
    assert predict_ok(out / "a", "5.1", "3.5", "1.4", "0.2") == (
        run("predict", "--out", out, "5.1", "3.5", "1.4", "0.2").stdout
    )


# ----------------------------------------------------------------------------- library, speed


def test_parse_values_library_raises_value_error():
    with pytest.raises(ValueError, match="this model expects 2: petal_width, sepal_width"):
        parse_values(["1"], ["petal_width", "sepal_width"])
    inputs = parse_values(["sepal_width=3", "petal_width=-1"], ["petal_width", "sepal_width"])
    np.testing.assert_array_equal(inputs.X, [[-1.0, 3.0]])


def test_100k_rows_in_one_pass(trained_run):
    model = load_model(trained_run)
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 8.0, (100_000, 4))
    text = "sepal_length,sepal_width,petal_length,petal_width\n" + "\n".join(
        ",".join(f"{x:.2f}" for x in row) for row in X
    )
    inputs = read_inputs(parse_header(text.encode(), "text"), model)
    assert inputs.X.shape == (100_000, 4) and inputs.truth is None
    calls = []
    forward = model.net.forward_layers
    model.net.forward_layers = lambda A: calls.append(len(A)) or forward(A)  # type: ignore[method-assign]
    P = predict(model, inputs).P
    assert calls == [100_000]
    np.testing.assert_allclose(P, predict(load_model(trained_run), Inputs(np.round(X, 2))).P)


# ----------------------------------------------------------------------------- installed command


def _iris_nn() -> list[str]:
    exe = shutil.which("iris-nn", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "iris_nn"]


@pytest.mark.slow
def test_train_predict_round_trip_installed(tmp_path):
    out = tmp_path / "outputs"
    train = subprocess.run(
        [*_iris_nn(), "train", "--out", out, "--epochs", "50", "--no-plots", "-q"],
        capture_output=True,
        text=True,
        check=True,
    )
    run_dir = Path(train.stdout.strip())
    result = subprocess.run(
        [*_iris_nn(), "predict", "--out", out, "--format", "json", "5.1", "3.5", "1.4", "-0.2"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    model = load_model(run_dir)
    expected = model.net.predict_proba(model.scale_inputs([[5.1, 3.5, 1.4, -0.2]]))[0]
    got = json.loads(result.stdout)[0]["probabilities"]
    np.testing.assert_allclose([got[c] for c in CLASSES], expected, atol=1e-15)


def test_predict_imports_neither_sklearn_nor_matplotlib(trained_run):
    # nor, for numbers typed in, the CSV reader or the config (its TOML parser, the training loop),
    # nor any other command's module (they are imported when used): predict's start-up is most of
    # its time
    code = (
        "import sys\n"
        "from iris_nn.cli import main\n"
        "sys.argv = ['iris-nn', 'predict', '--out', sys.argv[1], '5.1', '3.5', '1.4', '0.2', '--explain']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'matplotlib', 'scipy'))\n"
        "print('HEAVY', heavy)\n"
        "from iris_nn.cli.app import COMMANDS\n"
        "others = {f'iris_nn.cli.{m}' for m in COMMANDS.values()} - {'iris_nn.cli.predict'}\n"
        "unused = ('iris_nn.data.csvfile', 'iris_nn.settings.config', 'iris_nn.core.train', 'tomllib',\n"
        "          'iris_nn.experiments', 'iris_nn.estimators', 'iris_nn.views.figures', *sorted(others))\n"
        "print('UNUSED', [m for m in unused if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(trained_run.parent)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-2:] == ["HEAVY []", "UNUSED []"]


def test_predict_with_a_model_reads_it_without_the_zip_module_or_the_run_directories(trained_run):
    # a model file numpy wrote is read by limits.read_npz itself; the runs' machinery (listing,
    # locking, the run files' CSV) is for finding the newest run, which -m names
    code = (
        "import sys\n"
        "from iris_nn.cli import main\n"
        "sys.argv = ['iris-nn', 'predict', '-m', sys.argv[1], '5.1', '3.5', '1.4', '0.2']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "unused = ('zipfile', 'csv', 'hashlib', 'iris_nn.store.outdir', 'iris_nn.store.rundir')\n"
        "print('UNUSED', [m for m in unused if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(trained_run)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "setosa" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "UNUSED []"


# ----------------------------------------------------------------------------- hostile input files


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff\xfe\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,  # binary garbage
        b"\xff\xfe" + "sepal_length,sepal_width\n".encode("utf-16-le"),  # another encoding
        b"sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,,0.2\n",  # a missing cell
        b'sepal_length,sepal_width,petal_length,petal_width\n"5.1,3.5,1.4,0.2\n',  # open quote
    ],
)
def test_hostile_csv_is_one_error_line_exit_2(trained_run, tmp_path, content):
    path = tmp_path / "hostile.csv"
    path.write_bytes(content)
    line = error(run("predict", "-m", trained_run, "-i", path), 2)
    assert "--input" in line


@pytest.mark.parametrize("value", ["1e300", "-1e300", "1.7e308"])
def test_huge_measurements_give_finite_probabilities(trained_run, value):
    result = run("predict", "-m", trained_run, "--format", "json", value, "3.5", "1.4", "0.2")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no overflow warnings either
    (row,) = json.loads(result.stdout)
    probabilities = list(row["probabilities"].values())
    assert all(np.isfinite(probabilities)) and sum(probabilities) == pytest.approx(1.0)


# ----------------------------------------------------------------------------- --explain layers


def _layers_by_hand(run_dir, x):
    """Return every layer's (z, a) for raw inputs ``x``, from the model file's arrays (the oracle)."""
    with np.load(Path(run_dir) / "model.npz", allow_pickle=False) as npz:
        a = (np.asarray(x) - npz["scaler_center"]) / npz["scaler_scale"]
        meta = json.loads(str(npz["meta"]))
        f = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[meta["activation"]]
        out = []
        for i in range(1, len(meta["hidden"]) + 2):
            z = a @ npz[f"W{i}"] + npz[f"b{i}"]
            a = f(z) if i <= len(meta["hidden"]) else z
            out.append((z, a))
    return out


def test_explain_json_walks_every_hidden_layer(trained_run):
    x = [6.3, 3.3, 6.0, 2.5]
    data = json.loads(predict_ok(trained_run, *map(str, x), "--explain", "--format", "json"))
    (z1, a1), (z2, _) = _layers_by_hand(trained_run, x)
    [layer] = data[0]["layers"]
    assert layer["layer"] == 1 and layer["activation"] == "tanh"
    np.testing.assert_allclose(layer["z"], z1, rtol=1e-12)
    np.testing.assert_allclose(layer["a"], a1, rtol=1e-12)
    np.testing.assert_allclose(list(data[0]["logits"].values()), z2, rtol=1e-12)


def test_explain_spells_out_narrow_layers_and_rounds_wide_ones(out):
    args = ["--hidden", "3,12", "--activation", "relu", "--epochs", "30", "--no-plots"]
    ok = run("train", "--out", out, "--name", "n", *args)
    assert ok.exit_code == 0, ok.output
    x = [5.9, 3.0, 5.1, 1.8]
    text = run("predict", "-m", out / "n", *map(str, x), "--explain").stdout
    (z1, a1), (_, a2), (z3, _) = _layers_by_hand(out / "n", x)
    assert "hidden layer 1 (3 relu units): z = w . x + b, then relu(z)" in text
    for u in range(3):  # each unit: its arithmetic, its z and its activation, to 4 digits
        line = next(t for t in text.splitlines() if t.strip().startswith(f"unit {u + 1}  z = "))
        assert line.count("*") == 4  # one product per input, then the bias
        assert line.endswith(f" = {z1[u]:.4g}   relu(z) = {a1[u]:.4g}".replace("-0 ", "0 "))
    # 12 units are more than 8: a rounded vector of z and of relu(z)
    assert "hidden layer 2 (12 relu units): z = w . a + b, then relu(z), rounded" in text
    vector = next(t for t in text.splitlines() if t.strip().startswith("relu(z)  ["))
    assert vector.split("[")[1].rstrip("]").split(", ") == [
        f"{v:.2f}".replace("-0.00", "0.00") for v in a2
    ]
    # the output layer has 12 inputs, more than 8 terms: w . a and b summed
    for k, name in enumerate(CLASSES):
        line = next(t for t in text.splitlines() if t.strip().startswith(f"{name}  "))
        assert line.endswith(f" = {z3[k]:.4g}") and "w . a + b = " in line


# ----------------------------------------------------------------------------- issue 17


NAMED = ["sepal_width=3.5", "petal_length=1.4", "petal_width=0.2"]


@pytest.mark.parametrize("bad", ["5_1", "٥", ".5", "5."])
def test_numbers_outside_specs_grammar_are_refused_everywhere(trained_run, tmp_path, bad):
    expected = f"'{bad}' is not a number; allowed: numbers such as 5.1"
    assert expected in error(run("predict", "-m", trained_run, bad, "3.5", "1.4", "0.2"))
    assert expected in error(run("predict", "-m", trained_run, f"sepal_length={bad}", *NAMED))
    csv_text = f"{','.join(FEATURES)}\n5.1,3.5,1.4,0.2\n{bad},3.5,1.4,0.2\n"
    line = error(run("predict", "-m", trained_run, "-i", "-", input=csv_text))
    assert (
        line.startswith("Error: --input: standard input line 3, column 'sepal_length': ")
        and expected in line
    )


def test_inputs_that_overflow_the_network_are_refused_not_nan(tmp_path):
    out = tmp_path / "outputs"
    args = ["train", "--out", out, "--epochs", "20", "--no-plots", "-q", "--name", "relu"]
    assert run(*args, "--activation", "relu", "--hidden", "16,16").exit_code == 0
    line = error(run("predict", "--out", out, "1e308", "-1e308", "1e308", "1e308"))
    assert line.startswith("Error: row 1 (sepal_length 1e+308, sepal_width -1e+308, ")
    assert "the raw outputs overflow (inf or NaN)" in line


def test_a_csv_line_past_the_limit_is_one_error(trained_run, monkeypatch):
    from iris_nn.data import limits

    monkeypatch.setitem(limits.LIMITS, "CSV line", 1000)
    text = f"{','.join(FEATURES)}\n" + "1," * 600 + "\n"
    assert error(run("predict", "-m", trained_run, "-i", "-", input=text)) == (
        "Error: --input: standard input line 2 is longer than 1000 bytes, the limit for a CSV line"
    )


def _named_csv(path, target, classes):
    """Write Iris with class column ``target`` holding ``classes`` (for setosa, versicolor, ...)."""
    import csv as csv_module

    from sklearn.datasets import load_iris

    d = load_iris()
    with open(path, "w", newline="") as f:
        w = csv_module.writer(f)
        w.writerow(["w", "x", "y", "z", target])
        for x, t in zip(d.data, d.target, strict=True):
            w.writerow([*x, classes[t]])
    return path


@pytest.mark.parametrize(
    "target, classes, key",
    [
        ("prediction", ["a", "b", "c"], "prediction_true"),
        ("probabilities", ["a", "b", "c"], "probabilities_true"),
        ("logits", ["a", "b", "c"], "logits_true"),
        ("argmax", ["a", "b", "c"], "argmax_true"),
        ("p_a", ["a", "a_true", "c"], None),  # CSV: p_a, then p_a_true, are taken
        ("kind", ["prediction", "logits", "p_kind"], "kind"),  # class names never clash
    ],
)
def test_predict_output_is_unambiguous_whatever_the_names(tmp_path, target, classes, key):
    data = _named_csv(tmp_path / "d.csv", target, classes)
    out = tmp_path / "o"
    ok("train", "--data", data, "--target", target, "--epochs", "5", "--no-plots", "-q",
       "--out", out, "--name", "r")  # fmt: skip
    from sklearn.datasets import load_iris

    truth = [classes[t] for t in load_iris().target]
    for explain in ([], ["--explain"]):
        rows = json.loads(ok("predict", "-m", out / "r", "-i", data, "--format", "json", *explain))
        expected = key or target
        assert [r[expected] for r in rows] == truth
        assert all(r["prediction"] in classes for r in rows)
        assert all(set(r["probabilities"]) == set(classes) for r in rows)
    text = ok("predict", "-m", out / "r", "-i", data, "--format", "csv")
    header, *body = list(csv.reader(io.StringIO(text)))
    assert len(set(header)) == len(header), header  # no column twice
    # in CSV only "prediction" and the p_ columns are taken
    column = {"prediction": "prediction_true", "p_a": "p_a_true_true"}.get(target, target)
    assert header[0] == "prediction" and header[-1] == column
    assert sorted(header[1:-1]) == sorted(f"p_{c}" for c in classes)
    assert [row[-1] for row in body] == truth
    assert all(row[0] in classes for row in body)
