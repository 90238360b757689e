"""Hand-edited run files: a field of the wrong type, NaN, huge, the wrong shape or missing is one
Error line naming the file and the field for the run concerned, and never breaks `runs` or the
default `predict`/`evaluate` for the other runs (issue 17, items 7-9)."""

import json
import shutil

import pytest
from conftest import error, ok, run

from iris_nn.store import outdir, rundir


@pytest.fixture
def two_runs(trained_run, tmp_path):
    """Return an --out holding ``good`` and a copy of it, ``edited``, newer, to damage."""
    out = tmp_path / "outputs"
    shutil.copytree(trained_run, out / "good")
    shutil.copytree(trained_run, out / "edited")
    return out, out / "edited"


def _set(path, field, value):
    """Set the dotted ``field`` of the JSON file at ``path`` (MISSING deletes it)."""
    doc = json.loads(path.read_text())
    *parents, last = field.split(".")
    record = doc
    for key in parents:
        record = record[key]
    if value is MISSING:
        del record[last]
    else:
        record[last] = value
    path.write_text(json.dumps(doc))


MISSING = object()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("epochs_run", 5.0, "field epochs_run is 5.0; expected an integer 0 .. 1000000"),
        ("epochs_run", 10**400, "field epochs_run is 1000000000000000000000000000000000000..."),
        ("best_epoch", -1, "field best_epoch is -1; expected an integer 0 .. 300"),
        ("best_epoch", 301, "field best_epoch is 301; expected an integer 0 .. 300"),
        ("status", "done", 'field status is "done"; expected completed or interrupted'),
        ("stop_reason", None, "field stop_reason is null; expected epochs"),
        ("test.accuracy", "0.9", 'field test.accuracy is "0.9"; expected a number 0 .. 1'),
        ("test.log_loss", -1, "field test.log_loss is -1; expected a number >= 0"),
        ("test", [1, 2], "field test is a list; expected an object"),
        ("train.n", True, "field train.n is true; expected an integer >= 0"),
        ("val", 3, "field val is 3; expected an object or null"),
        ("per_class.setosa.f1", 2, "field per_class.setosa.f1 is 2; expected a number 0 .. 1"),
        ("confusion_matrix.matrix", [[1]], "field confusion_matrix.matrix is a list; expected a"),
        ("confusion_matrix.labels", ["a", "b", "c"], "field confusion_matrix.labels is a list"),
        ("versions", ["python"], "field versions is a list; expected an object"),
        ("wall_time_s", "fast", 'field wall_time_s is "fast"; expected a number >= 0'),
        ("kept_epoch", 1.5, "field kept_epoch is 1.5; expected an integer 0 .. 300"),
        ("tracked", [{"row": "0"}], 'field tracked is a list; expected a list of {"row", '),
        ("tracked", [{"row": 0, "first_right": 10**6}], "field tracked is a list; expected"),
        ("dead_units", [{"layer": 0, "unit": 1}], "field dead_units is a list; expected a list"),
        ("test", MISSING, "has no field test"),
        ("per_class", MISSING, "has no field per_class"),
    ],
)
def test_a_bad_metrics_field_is_named_by_plot(trained_run, tmp_path, field, value, message):
    edited = shutil.copytree(trained_run, tmp_path / "r")
    _set(edited / "metrics.json", field, value)
    line = error(run("plot", edited), 1)
    assert line.startswith(f"Error: cannot use the run: {edited / 'metrics.json'} ")
    assert message in line


def test_runs_lists_the_others_and_warns_about_the_damaged_one(two_runs):
    out, edited = two_runs
    _set(edited / "metrics.json", "epochs_run", 5.0)
    result = run("runs", "--out", out, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(result.stdout)] == ["good"]
    assert result.stderr == (
        f"Warning: skipped a damaged run: {edited / 'metrics.json'} field epochs_run is 5.0; "
        "expected an integer 0 .. 1000000\n"
    )


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("metrics.json", "[" * 100_000 + "]" * 100_000),  # deeper than Python parses
        ("metrics.json", '{"status": "completed", "epochs_run": 1' + "0" * 5000 + "}"),
        ("metrics.json", "{not json"),
        ("metrics.json", '{"status": ["completed"]}'),
    ],
)
def test_default_predict_and_evaluate_skip_a_damaged_run(two_runs, file, text):
    out, edited = two_runs
    (edited / file).write_text(text)
    expected = ok("predict", "-m", out / "good", "5.1", "3.5", "1.4", "0.2")
    result = run("predict", "--out", out, "5.1", "3.5", "1.4", "0.2")
    assert result.exit_code == 0 and result.stdout == expected
    assert result.stderr.startswith(f"Warning: skipped a damaged run: {edited / file} ")
    assert run("evaluate", "--out", out).exit_code == 0
    assert "internal error" not in run("runs", "--out", out).stderr


@pytest.mark.parametrize(
    ("split", "message"),
    [
        ({"train": [0, 1], "val": [], "test": [0.5, 1.5]}, "field test is a list; expected a list"),
        ({"train": [0, 1], "val": [], "test": [True]}, "field test is a list; expected a list"),
        ({"train": [0, 1], "val": [], "test": [150]}, "expected a list of row indices 0 .. 149"),
        ({"train": [0, 1], "val": [], "test": [10**30]}, "expected a list of row indices"),
        ({"train": [0, 1], "test": [3]}, "has no field val"),
        ({"train": [0, 1], "val": [], "test": []}, "has no training or no test rows"),
        ([[0], [], [1]], "is not a train/val/test split"),
    ],
)
def test_evaluate_refuses_a_split_that_is_not_row_indices(trained_run, tmp_path, split, message):
    edited = shutil.copytree(trained_run, tmp_path / "r")
    (edited / "split.json").write_text(json.dumps(split))
    line = error(run("evaluate", edited), 1)
    assert line.startswith(f"Error: cannot use the run: {edited / 'split.json'} ")
    assert message in line


def _edit_csv(path, line, column, value):
    rows = [r.split(",") for r in path.read_text().splitlines()]
    rows[line - 1][rows[0].index(column)] = value
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "message"),
    [
        ("history.csv", 3, "train_loss", "nan", "line 3, column train_loss: 'nan' is not finite"),
        ("history.csv", 3, "train_loss", "-1", "line 3, column train_loss is -1; expected a num"),
        ("history.csv", 3, "train_loss", "", "line 3, column train_loss is empty; expected a"),
        (
            "history.csv",
            4,
            "train_accuracy",
            "1.5",
            "line 4, column train_accuracy is 1.5; expected",
        ),
        ("history.csv", 5, "epoch", "7", "line 5, column epoch is 7; expected 0, 1, 2, ...: one"),
        ("history.csv", 5, "lr", "1e999", "line 5, column lr: '1e999' is too large"),
        ("history.csv", 2, "val_loss", "0.5", "line 3, column val_loss is empty; expected a"),
        ("history.csv", 6, "epoch", "5_1", "line 6, column epoch: '5_1' is not a number"),
        ("probabilities.csv", 2, "row", "0.5", "line 2, column row is 0.5; expected a row index"),
        ("probabilities.csv", 2, "row", "150", "line 2, column row is 150; expected a row index"),
        ("probabilities.csv", 3, "epoch", "-1", "line 3, column epoch is -1; expected an epoch 0"),
        (
            "probabilities.csv",
            3,
            "epoch",
            "1e20",
            "line 3, column epoch is 1e+20; expected an epoch",
        ),
        ("probabilities.csv", 3, "setosa", "2", "line 3, column setosa is 2; expected a probab"),
        ("probabilities.csv", 3, "setosa", "x", "line 3, column setosa: 'x' is not a number"),
    ],
)
def test_a_bad_csv_cell_is_named_by_line_and_column(
    trained_run, tmp_path, file, line, column, value, message
):
    edited = shutil.copytree(trained_run, tmp_path / "r")
    _edit_csv(edited / file, line, column, value)
    line = error(run("plot", edited), 1)
    assert line.startswith(f"Error: cannot use the run: {edited / file} {message}"), line


def test_a_csv_of_the_wrong_shape_is_named(trained_run, tmp_path):
    edited = shutil.copytree(trained_run, tmp_path / "r")
    path = edited / "history.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1] + ",9", *lines[2:]]) + "\n")
    assert error(run("plot", edited), 1) == (
        f"Error: cannot use the run: {path} line 2 has 9 fields; the header has 8"
    )
    path.write_text(lines[0].replace("train_loss", "loss") + "\n" + "\n".join(lines[1:]))
    assert error(run("plot", edited), 1).endswith("has no column train_loss")


def test_run_files_past_their_size_limit_are_refused_at_once(trained_run, tmp_path, monkeypatch):
    from iris_nn.data import limits

    monkeypatch.setitem(limits.LIMITS, "split file", 100)
    edited = shutil.copytree(trained_run, tmp_path / "r")
    assert error(run("evaluate", edited), 1) == (
        f"Error: cannot use the run: {edited / 'split.json'} is unreadable (larger than "
        "100 bytes, the limit for a split file)"
    )


def test_the_listing_checks_only_what_it_shows(tmp_path, trained_run):
    out = tmp_path / "outputs"
    shutil.copytree(trained_run, out / "r")
    _set(out / "r" / "metrics.json", "per_class", "not shown by runs")
    assert [r.path.name for r in outdir.list_runs(out)] == ["r"]
    assert "per_class" in error(run("plot", out / "r"), 1)


def test_snapshots_past_their_limit_are_refused(trained_run, monkeypatch):
    from iris_nn.data import limits

    monkeypatch.setitem(limits.LIMITS, "snapshots file", 100)
    model = rundir.load_model(trained_run)
    with pytest.raises(rundir.RunError, match="snapshots.npz is unreadable .larger than 100 bytes"):
        rundir.read_snapshots(trained_run, len(model.net.theta))
