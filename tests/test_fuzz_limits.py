"""Fuzzing what issue 24 found (24.3, 24.8, 24.9): values near the float limits in every numeric
position of a CSV, and class names equal to every run-file column name and to predict's keys.

Each example trains a small network, so these carry the ``slow`` marker. A failing example is
printed (``note``) with the command that failed and its output, so it can be reproduced.
"""

import csv
import json

import pytest
from conftest import run
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris

from iris_nn.inference.predict import ROW_KEYS

NEAR_LIMITS = [
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "1e308",
    "-1e308",
    "1.4e154",
    "-1e200",
    "2.2250738585072014e-308",
    "5e-324",
    "-5e-324",
    "0",
    "1e-300",
]


def _iris_rows():
    d = load_iris()
    return [
        [repr(float(v)) for v in x] + [str(d.target_names[t])]
        for x, t in zip(d.data, d.target, strict=True)
    ]


def _write(path, header, rows):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def say(text):
    """Note ``text`` for a failing hypothesis example; print it in a plain test."""
    try:
        note(text)
    except Exception:  # outside hypothesis: pytest shows what was printed when a test fails
        print(text)


def _works(*args):
    """Run ``iris-nn ARGS``; assert exit 0 and nothing but the tool's own warnings on stderr."""
    result = run(*args)
    say(f"iris-nn {' '.join(map(str, args))} -> exit {result.exit_code}: {result.output[-600:]}")
    assert result.exit_code == 0, result.output
    assert all(line.startswith("Warning: ") for line in result.stderr.splitlines()), result.stderr
    return result.stdout


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cells=st.lists(
        st.tuples(
            st.integers(0, 149), st.integers(0, 3), st.sampled_from(NEAR_LIMITS)
        ),  # (row, column, value)
        min_size=1,
        max_size=4,
    ),
    activation=st.sampled_from(["relu", "tanh", "identity"]),
    scaling=st.sampled_from(["standard", "minmax"]),
)
def test_values_near_the_float_limits_anywhere_give_a_run_that_works(
    tmp_path_factory, cells, activation, scaling
):
    rows = _iris_rows()
    for i, j, text in cells:
        rows[i][j] = text
    tmp = tmp_path_factory.mktemp("limits")
    data = _write(tmp / "d.csv", ["a", "b", "c", "d", "species"], rows)
    out = tmp / "o"
    _works("train", "--data", data, "--out", out, "--name", "r", "--epochs", "5", "-q",
           "--no-plots", "--activation", activation, "--set", f"data.scaling={scaling}")  # fmt: skip
    metrics = json.loads((out / "r" / "metrics.json").read_text())
    assert metrics["status"] == "completed"
    evaluated = json.loads(_works("evaluate", out / "r", "--format", "json"))
    assert evaluated["accuracy"] == metrics["test"]["accuracy"]  # its own test rows, as trained
    assert (evaluated["log_loss"] is None) == (metrics["test"]["log_loss"] is None)
    result = run("predict", "-m", out / "r", "-i", data, "--format", "csv")
    say(f"predict -> exit {result.exit_code}: {result.output[-600:]}")
    # a row whose raw outputs overflow is the user's value, refused in one line naming it
    assert result.exit_code == 0 or (
        result.exit_code == 2
        and result.stderr.count("\n") == 1
        and "the raw outputs overflow" in result.stderr
    ), result.output


# Every column name of the run's files, and every key of predict's rows.
RUN_FILE_COLUMNS = [
    "epoch", "row", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr",
    "test_loss", "test_accuracy",
]  # fmt: skip
NAMES = sorted({*RUN_FILE_COLUMNS, *ROW_KEYS, "species", "p_setosa", "a\nb"})


@pytest.mark.slow
@pytest.mark.parametrize("start", range(0, len(NAMES), 3))
def test_class_names_equal_to_run_file_columns_and_predict_keys(tmp_path, start):
    names = [*NAMES[start : start + 3], "other", "third"][:3]
    d = load_iris()
    rows = [[*map(repr, map(float, x)), names[t]] for x, t in zip(d.data, d.target, strict=True)]
    data = _write(tmp_path / "d.csv", ["w", "x", "y", "z", "kind"], rows)
    out = tmp_path / "o"
    _works("train", "--data", data, "--target", "kind", "--out", out, "--name", "r",
           "--epochs", "10", "-q", "--animate")  # fmt: skip
    _works("plot", out / "r")
    _works("evaluate", out / "r")
    objects = json.loads(_works("predict", "-m", out / "r", "-i", data, "--format", "json"))
    assert all(set(o["probabilities"]) == set(names) and o["kind"] in names for o in objects)
    table = list(csv.reader(_works("predict", "-m", out / "r", "-i", data, "--format", "csv")
                            .splitlines(keepends=True)))  # fmt: skip
    assert len(set(table[0])) == len(table[0])
