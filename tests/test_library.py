"""The Python library (SPEC 12): iris_nn.train, iris_nn.load, Run, Model."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import ok, run

import iris_nn


def test_import_iris_nn_loads_neither_sklearn_nor_matplotlib():
    code = "import sys, iris_nn; print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'matplotlib')))"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
        == "[]"
    )
    assert sorted(iris_nn.__all__) == sorted(
        ["BadInputError", "CannotUseError", "IrisNNClassifier", "__version__", "load", "train"]
    )


def test_train_then_load_gives_the_probabilities_of_predict(library_run):
    import json

    r = library_run
    assert 0 <= r.metrics["test"]["accuracy"] <= 1
    assert r.figure("loss") is not None
    got = iris_nn.load(r.path).model.predict_proba(
        [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]
    )
    out = json.loads(
        ok("predict", "-m", str(r.path), "--format", "json", "5.1", "3.5", "1.4", "0.2")
    )
    np.testing.assert_allclose(got[0], list(out[0]["probabilities"].values()), rtol=0, atol=1e-15)


FLOWER = {"sepal_length": 6.3, "sepal_width": 3.3, "petal_length": 6.0, "petal_width": 2.5}


def files_under(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.mark.slow  # the CLI and the library each train and draw a run
def test_a_run_kept_in_memory_is_saved_later_as_the_cli_writes_it(tmp_path):
    import json
    import tomllib

    cli_out, lib_out = tmp_path / "cli", tmp_path / "lib"
    ok("train", "--out", cli_out, "--epochs", "30", "--hidden", "5", "--name", "r", "-q")
    r = iris_nn.train(epochs=30, hidden=[5], out=lib_out, save=False, name="r")
    assert r.path is None and not lib_out.exists()  # nothing written yet
    proba = r.model.predict_proba([FLOWER])
    path = r.save(lib_out)
    assert path == lib_out / "r" and r.path == path
    assert [p.name for p in lib_out.iterdir()] == ["r"]  # no hidden directory left
    assert files_under(path) == files_under(cli_out / "r")  # figures and report included
    cli_model, lib_model = np.load(cli_out / "r" / "model.npz"), np.load(path / "model.npz")
    for key in cli_model.files:
        if key != "meta":
            np.testing.assert_array_equal(lib_model[key], cli_model[key])
    for name in ("history.csv", "split.json", "probabilities.csv"):
        assert (path / name).read_bytes() == (cli_out / "r" / name).read_bytes(), name
    config = tomllib.loads((path / "config.toml").read_text())
    assert config == tomllib.loads((cli_out / "r" / "config.toml").read_text())
    metrics = json.loads((path / "metrics.json").read_text())
    assert metrics["status"] == "completed" and metrics["test"] == r.metrics["test"]
    assert r.config == iris_nn.load(path).config
    np.testing.assert_array_equal(iris_nn.load(path).model.predict_proba([FLOWER]), proba)


@pytest.fixture
def no_figures(monkeypatch):
    """Save runs without drawing their figures and report, for tests that read neither (drawing
    takes seconds; test_a_run_kept_in_memory_is_saved_later_as_the_cli_writes_it checks it)."""
    monkeypatch.setattr("iris_nn.library.run._draw", lambda directory, name, data: None)


def test_saving_twice_or_drawing_in_memory_says_what_to_do(tmp_path, no_figures):
    r = iris_nn.train(epochs=2, out=tmp_path, save=False)
    with pytest.raises(iris_nn.BadInputError, match=r"in memory only: save it first"):
        r.figure("loss")
    r.save(tmp_path)
    with pytest.raises(iris_nn.BadInputError, match="saved already"):
        r.save(tmp_path)


def test_progress_shows_the_epochs_on_stderr_as_the_cli_does(tmp_path, capfd):
    iris_nn.train(epochs=20, out=tmp_path, save=False, progress=True)
    last = capfd.readouterr().err.splitlines()[-1]
    assert last.startswith("epoch 20/20  train loss ")
    assert last in run("train", "--out", tmp_path, "--epochs", 20, "--no-plots").stderr
    iris_nn.train(epochs=20, out=tmp_path, save=False)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("save", [True, False])
def test_ctrl_c_saves_the_run_as_interrupted_then_raises(tmp_path, monkeypatch, save):
    import _thread

    if not save:  # the run saved later is an ordinary save: its figures are checked elsewhere
        monkeypatch.setattr("iris_nn.library.run._draw", lambda directory, name, data: None)

    from iris_nn.views.progress import EpochProgress

    shown = EpochProgress.__call__

    def interrupting(self, epoch, history):  # a Ctrl-C arriving while epoch 5 is reported
        shown(self, epoch, history)
        if epoch >= 5:
            _thread.interrupt_main()  # SIGINT's handler, without a real signal

    monkeypatch.setattr(EpochProgress, "__call__", interrupting)
    monkeypatch.setattr("iris_nn.core.train.REPORT_EVERY_S", 0.0)  # every epoch reports
    with pytest.raises(KeyboardInterrupt) as caught:
        iris_nn.train(epochs=5000, out=tmp_path, name="stopped", progress=True, save=save)
    r = caught.value.run
    assert r.metrics["status"] == "interrupted" and 5 <= r.metrics["epochs_run"] < 5000
    assert len(r.history["epoch"]) == r.metrics["epochs_run"] + 1
    if save:
        assert r.path == tmp_path / "stopped" and "saved in" in str(caught.value)
        assert iris_nn.load(r.path).metrics["status"] == "interrupted"
    else:
        assert r.path is None and not tmp_path.joinpath("stopped").exists()
        assert r.save(tmp_path) == tmp_path / "stopped"


def test_evaluate_equals_evaluate_input_json(trained_run):
    import json

    got = iris_nn.load(trained_run).evaluate("examples/flowers.csv")
    cli = ok("evaluate", trained_run, "-i", "examples/flowers.csv", "--format", "json")
    assert got == json.loads(cli)


def test_evaluate_needs_a_class_column(trained_run, tmp_path):
    csv = tmp_path / "unlabelled.csv"
    csv.write_text("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n")
    with pytest.raises(iris_nn.BadInputError, match="has no species column"):
        iris_nn.load(trained_run).evaluate(csv)


def test_explain_equals_predict_explain_json(trained_run):
    import json

    model = iris_nn.load(trained_run).model
    cli = json.loads(
        ok("predict", "-m", trained_run, "--explain", "--format", "json", "6.3", "3.3", "6", "2.5")
    )
    assert model.explain(FLOWER) == cli[0]
    assert model.explain([6.3, 3.3, 6.0, 2.5]) == cli[0]
    with pytest.raises(iris_nn.BadInputError, match="one row of 4 values"):
        model.explain([[6.3, 3.3, 6.0, 2.5]])


def test_repr_html_shows_the_summary_table_and_the_loss_figure(library_run, tmp_path):
    import base64
    import re

    saved = library_run
    memory = iris_nn.train(epochs=20, out=tmp_path, save=False)
    report = (saved.path / "report.html").read_text()
    for r in (saved, memory):
        page = r._repr_html_()
        table = re.search(r"<table>.*?</table>", page).group(0)
        assert "test accuracy" in table and "created (UTC)" in table
        png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert re.search(r"<table>.*?</table>", saved._repr_html_()).group(0) in report
    assert "in memory, not saved" in memory._repr_html_()


def test_backprop_equals_backprop_json(tmp_path):
    import json

    out = tmp_path / "o"
    ok("train", "-c", "configs/lesson.toml", "--out", out, "--name", "lesson", "--no-plots", "-q")
    ok("train", "--out", out, "--name", "l2", "--set", "train.l2=0.3", "--epochs", 5, "--no-plots")
    for run_name, label in (("lesson", "setosa"), ("l2", 2)):
        run_dir = out / run_name
        model = iris_nn.load(run_dir).model
        x = [0.4, 3.8] if run_name == "lesson" else [6.3, 3.3, 6.0, 2.5]
        cli = ["backprop", "-m", run_dir, *x, "--label", str(label), "--format", "json"]
        if run_name == "l2":
            cli[-3] = "virginica"  # the CLI takes the class name; the library also its index
        assert model.backprop(x, label) == json.loads(ok(*cli))
        assert model.backprop(x, label, lr=0.5) == json.loads(ok(*cli, "--lr", 0.5))
    beside = iris_nn.load(out / "l2" / "model.npz").model  # its run's config beside it
    assert beside.backprop(x, 2) == model.backprop(x, 2)
    (tmp_path / "bare").mkdir()
    bare_file = tmp_path / "bare" / "model.npz"
    bare_file.write_bytes((out / "l2" / "model.npz").read_bytes())
    bare = iris_nn.load(bare_file).model
    with pytest.raises(iris_nn.BadInputError, match="without its run's config: give lr"):
        bare.backprop(x, "virginica")
    cli = ["backprop", "-m", bare_file, *x, "--label", "virginica", "--format", "json"]
    assert bare.backprop(x, "virginica", lr=0.1) == json.loads(ok(*cli, "--lr", 0.1))  # L2 0
    with pytest.raises(iris_nn.BadInputError, match="train.lr = 0"):
        model.backprop(x, "virginica", lr=0)
