"""Text input columns and missing cells (SPEC 14), against scikit-learn's encoder and imputer.

``OneHotEncoder`` (sorted categories) and ``SimpleImputer`` (median, most_frequent) fitted on the
training rows are the oracles of the encoding and the fill values; a run's own test rows given
back to ``evaluate -i`` score what ``metrics.json`` recorded.
"""

import csv
import io
import json
import warnings

import numpy as np
import pytest
from conftest import error, ok, run
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder

from iris_nn.core.errors import BadInputError, IrisNNNote
from iris_nn.data.csv_dataset import read_csv_dataset
from iris_nn.data.prepare import prepare

HEADER = ["island", "bill", "flipper", "sex", "species"]
MISSING_TEXTS = ["", "NA", "?", "nan", "None"]


def table(n=90, seed=1):
    """Return rows of a made-up table: two text columns, two numeric, gaps in all four."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        s = i % 3
        rows.append(
            [
                ["Biscoe", "Dream", "Torgersen", "Biscoe"][rng.integers(0, 3 + (s == 0))],
                f"{40 + 4 * s + rng.normal():.2f}",
                f"{190 + 10 * s + 3 * rng.normal():.1f}",
                ["female", "male"][rng.integers(0, 2)],
                ["Adelie", "Chinstrap", "Gentoo"][s],
            ]
        )
    for k in rng.choice(n, 20, replace=False):  # gaps: never in the class column
        rows[k][int(rng.integers(0, 4))] = MISSING_TEXTS[int(rng.integers(0, len(MISSING_TEXTS)))]
    return rows


def write(path, rows, header=HEADER, quote=False):
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote else csv.QUOTE_MINIMAL
    csv.writer(buffer, lineterminator="\n", quoting=quoting).writerows([header, *rows])
    path.write_text(buffer.getvalue())
    return path


def as_missing(cell):
    return np.nan if cell.strip() in MISSING_TEXTS else cell


@pytest.mark.parametrize("quote", [False, True])  # the fast reader, and the plain one
def test_encoding_and_fill_equal_scikit_learns(tmp_path, quote):
    rows = table()
    path = write(tmp_path / "t.csv", rows, quote=quote)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        info = read_csv_dataset(path, missing="impute")
        data = prepare(info, (), 0.3, 0.0, "standard", 5)
    notes = [str(w.message) for w in caught if issubclass(w.category, IrisNNNote)]
    assert any("'island' holds text: 3 inputs island=Biscoe, island=Dream" in n for n in notes)
    assert any("filled missing cells" in n for n in notes)
    assert info.features == (
        "island=Biscoe", "island=Dream", "island=Torgersen", "bill", "flipper",
        "sex=female", "sex=male",
    )  # fmt: skip
    raw = np.array([[as_missing(c) for c in r[:4]] for r in rows], dtype=object)
    train = data.split.train
    expected = []
    for j in range(4):
        column = raw[:, j : j + 1]
        if j in (0, 3):
            imputer = SimpleImputer(strategy="most_frequent", missing_values=np.nan)
            imputer.fit(column[train])
            present = column[[c == c for c in column[:, 0]]]  # categories over all the file
            encoder = OneHotEncoder(sparse_output=False).fit(present)
            filled = imputer.transform(column)
            expected.append(encoder.transform(filled))
            assert data.fill[info.layout.columns[j]] == imputer.statistics_[0]
        else:
            numbers = column.astype(float)
            imputer = SimpleImputer(strategy="median").fit(numbers[train])
            expected.append(imputer.transform(numbers))
            assert data.fill[info.layout.columns[j]] == imputer.statistics_[0]
    np.testing.assert_array_equal(data.X, np.hstack(expected))
    n_missing = {c: 0 for c in info.layout.columns}
    for r in raw:
        for c, cell in zip(info.layout.columns, r, strict=True):
            n_missing[c] += cell != cell
    assert data.imputed == {c: n for c, n in n_missing.items() if n}
    # the 0/1 inputs are not scaled; the numeric ones are, on the filled training rows
    mask = info.layout.categorical_mask()
    np.testing.assert_array_equal(data.scaler.center[mask], 0.0)
    np.testing.assert_array_equal(data.scaler.scale[mask], 1.0)
    np.testing.assert_allclose(data.scaler.center[~mask], data.X[train][:, ~mask].mean(axis=0))


def test_most_frequent_ties_take_the_first_in_sorted_order(tmp_path):
    rows = [["b", "1", "x"], ["a", "2", "y"], ["b", "3", "x"], ["a", "NA", "y"], ["", "5", "x"]]
    rows += [["c", "6", "y"], ["c", "7", "x"]]
    path = write(tmp_path / "t.csv", rows, header=["t", "n", "species"])
    info = read_csv_dataset(path, missing="impute")
    X, _ = info.rows()
    from iris_nn.data.categorical import fit_fill

    fill = fit_fill(X, info.layout)  # a, b and c twice each: "a"
    assert fill == {"t": "a", "n": 4.0}  # the median of 1, 2, 3, 5, 6, 7


def test_a_text_cell_past_the_head_of_the_file_makes_a_text_column(tmp_path):
    rows = [[f"{i % 7}", f"{i * 0.5:g}", "ab"[i % 2]] for i in range(12000)]
    rows[11000][0] = "seven"  # past the head of the file the reader looks at first
    path = write(tmp_path / "t.csv", rows, header=["code", "x", "species"])
    info = read_csv_dataset(path)
    assert info.categories == {"code": ("0", "1", "2", "3", "4", "5", "6", "seven")}
    X, _ = info.rows()
    assert X[11000, :8].tolist() == [0] * 7 + [1] and X[3, :8].tolist() == [0, 0, 0, 1, 0, 0, 0, 0]


def test_clear_errors(tmp_path):
    rows = [[f"id{i}", "1", "ab"[i % 2]] for i in range(51)]
    path = write(tmp_path / "t.csv", rows, header=["name", "x", "species"])
    with pytest.raises(BadInputError, match="'name' .* more than 50 distinct text values.*exclude"):
        read_csv_dataset(path)
    read_csv_dataset(write(tmp_path / "u.csv", rows[:50], header=["name", "x", "species"]))
    with pytest.raises(BadInputError, match="line 2, column 'name': 'id0' is not a number"):
        read_csv_dataset(path, categorical="error")
    with pytest.raises(BadInputError, match="data.categorical = 'x'; allowed: onehot, error"):
        read_csv_dataset(path, categorical="x")


@pytest.fixture(scope="module")
def penguin_run(tmp_path_factory):
    """Return (csv, run) of a model trained on a table with text columns and gaps."""
    tmp = tmp_path_factory.mktemp("penguins")
    path = write(tmp / "p.csv", table(120, seed=3))
    result = run("train", "--data", path, "--set", "data.missing=impute", "--epochs", "60",
                 "--out", tmp / "o", "--name", "p", "--no-plots")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Note: " in result.stderr and "island=Biscoe" in result.stderr
    return path, tmp / "o" / "p"


def test_evaluate_the_runs_test_rows_scores_what_metrics_json_recorded(penguin_run, tmp_path):
    path, run_dir = penguin_run
    lines = path.read_text().splitlines()
    test = json.loads((run_dir / "split.json").read_text())["test"]
    given = tmp_path / "test.csv"
    given.write_text("\n".join([lines[0], *(lines[1 + i] for i in test)]) + "\n")
    got = json.loads(ok("evaluate", run_dir, "-i", given, "--format", "json"))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert got["n"] == metrics["test"]["n"] == len(test)
    assert abs(got["accuracy"] - metrics["test"]["accuracy"]) <= 1e-12
    assert abs(got["log_loss"] - metrics["test"]["log_loss"]) <= 1e-12
    assert sum(metrics["imputed"].values()) == 20
    again = json.loads(ok("evaluate", run_dir, "--format", "json"))  # the split, read again
    assert abs(again["log_loss"] - metrics["test"]["log_loss"]) <= 1e-12


def test_predict_speaks_the_original_columns(penguin_run):
    _, run_dir = penguin_run
    by_name = ok("predict", "--model", run_dir, "island=Dream", "bill=48", "flipper=200.5",
                 "sex=male", "--format", "json")  # fmt: skip
    in_order = ok("predict", "--model", run_dir, "Dream", "48", "200.5", "male", "--format", "json")
    assert json.loads(by_name) == json.loads(in_order)
    explained = json.loads(ok("predict", "--model", run_dir, "Dream", "48", "200.5", "male",
                              "--explain", "--format", "json"))  # fmt: skip
    inputs = explained[0]["inputs"]
    assert inputs["island=Dream"] == 1 and inputs["island=Biscoe"] == 0 and inputs["bill"] == 48
    result = run("predict", "--model", run_dir, "Dream", "NA", "200.5", "male")
    assert result.exit_code == 0 and "Note: filled missing cells" in result.stderr


def test_unseen_and_mismatched_values_are_clear_errors(penguin_run, tmp_path):
    _, run_dir = penguin_run
    line = error(run("predict", "--model", run_dir, "Mars", "48", "200", "male"))
    assert line == (
        "Error: island = 'Mars' was not seen in training; allowed: Biscoe, Dream, Torgersen"
    )
    numbers = write(tmp_path / "n.csv", [["3.5", "48", "200", "male", "Adelie"]])
    line = error(run("evaluate", run_dir, "-i", numbers))  # text in training, a number now
    assert "column 'island': '3.5' was not seen in training; allowed: Biscoe, Dream" in line


def test_a_text_column_given_to_an_old_model_is_an_error(trained_run, tmp_path):
    rows = [["5.1", "3.5", "wide", "0.2", "setosa"]]
    path = write(tmp_path / "t.csv", rows, header=[
        "sepal_length", "sepal_width", "petal_length", "petal_width", "species"])  # fmt: skip
    line = error(run("evaluate", trained_run, "-i", path))
    assert "line 2, column 'petal_length': 'wide' is not a number" in line


def test_a_missing_cell_without_imputation_names_line_and_column(tmp_path):
    rows = table(60, seed=2)
    complete = [r for r in rows if not any(c in MISSING_TEXTS for c in r)]
    path = write(tmp_path / "c.csv", complete)
    ok("train", "--data", path, "--epochs", "5", "--out", tmp_path / "o", "--name", "c",
       "--no-plots", "-q")  # fmt: skip
    gap = write(tmp_path / "g.csv", [complete[0], ["Dream", "", "200", "male", "Adelie"]])
    line = error(run("evaluate", tmp_path / "o" / "c", "-i", gap))
    assert "line 3, column 'bill': an empty cell" in line
    line = error(run("predict", "--model", tmp_path / "o" / "c", "Dream", "NA", "200", "male"))
    assert "bill = 'NA' is missing and this model fills no missing cells" in line
