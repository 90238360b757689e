"""CSV files as data (SPEC 7): one test per rule, through the library and through `iris-nn train`.

The plain reader (Python's csv module, one cell at a time) is the oracle of the fast one (numpy's C
parser): both must give the same numbers, classes and errors.
"""

import csv
import hashlib
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import error, ok, run
from sklearn.datasets import load_iris

from iris_nn.core.errors import BadInputError, IrisNNWarning
from iris_nn.data import csvfile, csvnumpy, csvopen
from iris_nn.data.csv_dataset import class_order, read_csv_dataset
from iris_nn.data.values import feature_name, is_number, parse_number

IRIS = load_iris()
HEADER = [*IRIS.feature_names, "species"]


def iris_rows():
    return [
        [*(f"{x:g}" for x in row), IRIS.target_names[t]]
        for row, t in zip(IRIS.data, IRIS.target, strict=True)
    ]


def write_csv(path, rows, header=HEADER, delimiter=",", newline="\n", bom=False, quote=False):
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote else csv.QUOTE_MINIMAL
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerows([header, *rows])
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), newline="")
    return path


def both_readers(path, numeric, label=None, missing="error"):
    """Return the columns read by the fast reader and by the plain one (the oracle)."""
    file = csvopen.open_csv(path)
    codes = {}

    def code(cell):
        return codes.setdefault(cell, len(codes))

    fast = file.read(numeric, label, code, missing)
    plain = csvfile._Reader(file, list(numeric), label, code, missing, "").plain()
    return fast, plain


def same(a, b):
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.rows, b.rows)
    assert (a.labels is None) == (b.labels is None)
    if a.labels is not None:
        np.testing.assert_array_equal(a.labels, b.labels)
    assert (a.n_rows, a.dropped_lines) == (b.n_rows, b.dropped_lines)


def read_error(path, numeric=(0, 1, 2, 3), label=4, missing="error"):
    """Return the message of reading ``path``, asserting both readers raise it."""
    file = csvopen.open_csv(path)
    messages = []
    for reader in ("fast", "plain"):
        r = csvfile._Reader(file, list(numeric), label, lambda c: 0, missing, "")
        with pytest.raises(BadInputError) as e:
            if reader == "fast":
                r.fast() or r.plain()
            else:
                r.plain()
        messages.append(str(e.value))
    assert messages[0] == messages[1]
    return messages[0]


# ----------------------------------------------------------------------------- names and numbers


@pytest.mark.parametrize(
    ("heading", "name"),
    [
        ("petal width (cm)", "petal_width"),
        ("PetalWidthCm", "petal_width_cm"),
        ("Petal.Width", "petal_width"),
        ("od280/od315_of_diluted_wines", "od280_od315_of_diluted_wines"),
        ("  Mean Radius ", "mean_radius"),
        ("(cm)", "column_3"),
        ("é", "column_3"),
    ],
)
def test_the_name_function(heading, name):
    assert feature_name(heading, 3) == name


@pytest.mark.parametrize("text", ["5", "-0.4", "+1.5e-3", "1E5", " 7 ", "007"])
def test_numbers_of_the_grammar(text):
    assert is_number(text)
    assert parse_number(text, "x") == float(text)


@pytest.mark.parametrize("text", ["5_1", ".5", "5.", "0x10", "1e", "1.2.3", "١", "--1", "", "1 2"])
def test_not_numbers(text):
    assert not is_number(text)
    with pytest.raises(BadInputError, match="is not a number"):
        parse_number(text, "x")


def test_class_names_sort_as_numbers_when_they_all_are():
    assert class_order(["10", "2", "1"]) == ["1", "2", "10"]
    assert class_order(["b", "10", "a"]) == ["10", "a", "b"]


# ----------------------------------------------------------------------------- dialects


@pytest.mark.parametrize(
    "options",
    [
        {"delimiter": ";"},
        {"delimiter": "\t"},
        {"quote": True},
        {"bom": True},
        {"newline": "\r\n"},
        {"delimiter": ";", "newline": "\r\n", "bom": True, "quote": True},
    ],
)
def test_dialects_read_as_the_plain_comma_file(tmp_path, options):
    reference = read_csv_dataset(write_csv(tmp_path / "a.csv", iris_rows()))
    other = read_csv_dataset(write_csv(tmp_path / "b.csv", iris_rows(), **options))
    assert (
        other.features
        == reference.features
        == (
            "sepal_length",
            "sepal_width",
            "petal_length",
            "petal_width",
        )
    )
    assert other.units == ("cm",) * 4 and other.target == "species"
    np.testing.assert_array_equal(other.rows()[0], reference.rows()[0])
    np.testing.assert_array_equal(other.rows()[1], IRIS.target)
    np.testing.assert_array_equal(reference.rows()[0], IRIS.data)


def test_quoted_delimiters_and_blank_lines(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('a,"b, with a comma",kind\n\n1,2,"x, y"\n3,4,z\n\n', newline="")
    info = read_csv_dataset(path)
    X, y = info.rows()
    assert info.features == ("a", "b_with_a_comma") and info.classes == ("x, y", "z")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(y, [0, 1])


def test_fast_and_plain_readers_agree(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 5)) * 10.0 ** rng.integers(-3, 4, size=5)
    rows = [
        [repr(float(v)) for v in row] + [f"c{k}"]
        for row, k in zip(X, rng.integers(0, 4, 500), strict=True)
    ]
    path = write_csv(tmp_path / "r.csv", rows, header=["a", "b", "c", "d", "e", "class"])
    fast, plain = both_readers(path, [4, 0, 2], 5)
    same(fast, plain)
    np.testing.assert_array_equal(fast.X, X[:, [4, 0, 2]])


@pytest.mark.parametrize(
    ("numeric", "label", "delimiter", "newline", "text"),
    [
        ([0, 1, 2], 4, ",", "\n", "note"),  # a text column left out
        ([2, 0, 2], 4, ",", "\r\n", "note"),  # reordered, one column twice, CRLF
        ([4, 1], 3, ";", "\n", "note"),  # the class column in the middle
        ([0, 1, 2], 4, "\t", "\n", "café ünï"),  # UTF-8 beyond ASCII in a left-out column
        ([0, 2], None, ",", "\n", "note"),  # no class column (predict without truth)
    ],
)
def test_numpys_c_reader_and_loadtxt_read_alike(
    tmp_path, monkeypatch, numeric, label, delimiter, newline, text
):
    # the fast reader hands the bytes to numpy's C reader a chunk at a time; without that reader
    # it goes through numpy.loadtxt a line at a time: both as the plain reader (the oracle)
    assert csvnumpy.C_READER is not None, "numpy's C reader moved: CSV reading is 5-10% slower"
    rng = np.random.default_rng(5)
    rows = [
        [
            f"{rng.normal():.4f}",
            str(int(rng.integers(0, 9))),
            f"{rng.normal():.3e}",
            text,
            f"c{i % 3}",
        ]
        for i in range(300)
    ]
    if label == 3:
        rows = [[a, b, c, k, f"{i}.5"] for i, (a, b, c, _, k) in enumerate(rows)]
    header = ["a", "b", "c", "d", "e"]
    path = write_csv(tmp_path / "r.csv", rows, header, delimiter, newline)
    fast, plain = both_readers(path, numeric, label)
    same(fast, plain)
    monkeypatch.setattr(csvnumpy, "C_READER", None)
    by_loadtxt, _ = both_readers(path, numeric, label)
    same(by_loadtxt, plain)
    rows[150][numeric[0]] = "1.5.5"
    bad = write_csv(tmp_path / "bad.csv", rows, header, delimiter, newline)
    column = repr(header[numeric[0]])
    message = f"line 152, column {column}: '1.5.5' is not a number"
    assert message in read_error(bad, numeric, label)
    monkeypatch.undo()
    assert message in read_error(bad, numeric, label)


@pytest.mark.parametrize(
    "labels",
    [
        lambda i: f"c{i % 3}",  # a few, compared row by row
        lambda i: f"class {(i * 7) % 30}",  # many: sorted
        lambda i: "a" if i < 150 else "a class name longer than the first rows'",  # cut: again
        lambda i: [" a", "a ", "a", "b"][i % 4],  # spaces round a label are not part of it
        lambda i: ["1", "01", "1.0", "+1"][i % 4],  # numbers keep their text
    ],
)
def test_class_cells_read_as_bytes_are_the_plain_readers_classes(tmp_path, labels):
    rows = [[str(i), f"{i / 7:.3f}", labels(i)] for i in range(400)]
    path = write_csv(tmp_path / "c.csv", rows, header=["a", "b", "y"])
    file = csvopen.open_csv(path)
    calls: dict[str, list[str]] = {"fast": [], "plain": []}
    read = {}
    for reader, seen in calls.items():

        def code(cell, seen=seen):
            if cell not in seen:
                seen.append(cell)
            return seen.index(cell)

        r = csvfile._Reader(file, [0, 1], 2, code, "error", "")
        read[reader] = r.fast() if reader == "fast" else r.plain()
    assert calls["fast"] == calls["plain"]  # the same cells, in the order they first appear
    same(read["fast"], read["plain"])
    assert len(calls["fast"]) == len({labels(i).strip() for i in range(400)})


# ----------------------------------------------------------------------------- bad cells


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("5_1", "'5_1' is not a number"),
        (".5", "'.5' is not a number"),
        ("5.", "'5.' is not a number"),
        ("inf", "'inf' is not finite"),
        ("1e999", "'1e999' is too large"),
    ],
)
def test_a_bad_number_names_line_column_and_text(tmp_path, cell, why):
    rows = iris_rows()
    rows[6][2] = cell
    message = read_error(write_csv(tmp_path / "bad.csv", rows))
    assert message.startswith(f"'{tmp_path / 'bad.csv'}' line 8, column 'petal length (cm)': {why}")


def test_reading_stops_at_the_first_bad_cell(tmp_path):
    rows = iris_rows()
    rows[20][0] = "x"  # line 22: numpy's parser stops here
    rows[9][1] = ".5"  # line 11: numpy reads it; the dot check finds it first
    rows[100][3] = "NA"  # line 102: a missing cell after both
    path = write_csv(tmp_path / "bad.csv", rows)
    assert " line 11, " in read_error(path)
    rows[9][1] = "3.5"
    rows[4][1] = "nan"  # line 6: numpy reads NaN; a missing cell before the 'x'
    assert " line 6, column 'sepal width (cm)': a missing value 'nan'" in read_error(
        write_csv(tmp_path / "bad2.csv", rows)
    )


def test_field_counts_and_other_damage(tmp_path):
    rows = iris_rows()
    rows[3] = rows[3][:4]
    assert read_error(write_csv(tmp_path / "short.csv", rows)).endswith(
        "line 5 has 4 fields; the header (line 1) has 5"
    )
    rows = iris_rows()
    rows[0] = [*rows[0], "extra"]
    assert read_error(write_csv(tmp_path / "long.csv", rows)).endswith(
        "line 2 has 6 fields; the header (line 1) has 5"
    )
    (tmp_path / "latin1.csv").write_bytes("a,b\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(BadInputError, match="is not UTF-8 text \\(line 2\\)"):
        csvopen.open_csv(tmp_path / "latin1.csv")
    (tmp_path / "huge.csv").write_text('a,b\n1,"' + "x" * 200_000 + '"\n')
    with pytest.raises(
        BadInputError, match="line 2 is longer than 128 KB, the limit for a CSV line"
    ):
        read_csv_dataset(tmp_path / "huge.csv")


# ----------------------------------------------------------------------------- missing cells


@pytest.mark.parametrize("cell", ["", " ", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?"])
def test_missing_cells_are_errors_or_dropped(tmp_path, cell):
    rows = iris_rows()
    rows[2][1] = cell
    rows[7][4] = cell  # a missing class too
    path = write_csv(tmp_path / "m.csv", rows)
    message = read_error(path)
    assert " line 4, column 'sepal width (cm)': " in message
    assert 'data.missing = "drop"' in message
    fast, plain = both_readers(path, [0, 1, 2, 3], 4, missing="drop")
    same(fast, plain)
    assert fast.dropped_lines == (4, 9) and fast.n_rows == 150
    assert 2 not in fast.rows and 7 not in fast.rows and len(fast.rows) == 148


def test_dropped_rows_keep_the_file_row_numbers(tmp_path, monkeypatch):
    rows = iris_rows()
    rows[0][0] = "NA"
    monkeypatch.chdir(tmp_path)
    write_csv(Path("m.csv"), rows)
    result = run(
        "train", "--data", "m.csv", "--set", "data.missing=drop", "--epochs", "5",
        "--out", "o", "--name", "r", "--no-plots", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Warning: dropped 1 row of '{tmp_path / 'm.csv'}' with a missing cell "
        '(data.missing = "drop"): line 2\n'
    )
    split = json.loads(Path("o/r/split.json").read_text())
    every = sorted(split["train"] + split["val"] + split["test"])
    assert every == list(range(1, 150))  # data row 0 was dropped; the others keep their number
    evaluated = json.loads(ok("evaluate", "o/r", "--format", "json"))
    assert evaluated["n"] == len(split["test"])


# ----------------------------------------------------------------------------- columns and classes


def test_exclude_and_the_row_id_warning(tmp_path):
    rows = [[str(n), *r] for n, r in enumerate(iris_rows(), 1)]
    path = write_csv(tmp_path / "id.csv", rows, header=["Id", *HEADER])
    with pytest.warns(IrisNNWarning, match="column 'Id' .* looks like a row id"):
        info = read_csv_dataset(path)
    assert info.features[0] == "id"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        info = read_csv_dataset(path, exclude=["Id"])
    assert info.features == ("sepal_length", "sepal_width", "petal_length", "petal_width")


def test_features_target_and_exclude_pick_columns(tmp_path):
    rows = [[r[4], *r[:4]] for r in iris_rows()]
    path = write_csv(tmp_path / "t.csv", rows, header=["variety", *IRIS.feature_names])
    with pytest.raises(BadInputError, match="'variety'"):  # not a usual name: the last column
        read_csv_dataset(path, categorical="error")
    info = read_csv_dataset(path, target="Variety", features=["petal width (cm)", "sepal_length"])
    assert info.target == "variety" and info.features == ("petal_width", "sepal_length")
    np.testing.assert_array_equal(info.rows()[0], IRIS.data[:, [3, 0]])
    with pytest.raises(BadInputError, match="data.target = 'colour': .* has no such column"):
        read_csv_dataset(path, target="colour")
    with pytest.raises(BadInputError, match="data.exclude = 'colour'"):
        read_csv_dataset(path, target="variety", exclude=["colour"])


def test_two_columns_with_one_name(tmp_path):
    rows = [[r[0], *r] for r in iris_rows()]
    path = write_csv(tmp_path / "d.csv", rows, header=["Sepal.Length", *HEADER])
    with pytest.raises(BadInputError) as e:
        read_csv_dataset(path)
    assert "columns 'Sepal.Length' and 'sepal length (cm)' both make the feature name" in str(e)


def test_class_limits(tmp_path):
    rows = iris_rows()
    with pytest.raises(BadInputError, match=r"one class only \('setosa'\)"):
        read_csv_dataset(write_csv(tmp_path / "one.csv", rows[:50]))
    ids = [[*r[:4], str(n)] for n, r in enumerate(rows)]
    with pytest.raises(BadInputError) as e:
        read_csv_dataset(write_csv(tmp_path / "ids.csv", ids))
    assert "line 52, column 'species'" in str(e.value) and "more than 50 distinct" in str(e.value)
    assert "--target" in str(e.value)


def test_a_class_too_small_to_split(tmp_path, monkeypatch):
    rows = iris_rows()[:100] + iris_rows()[100:102]  # two virginica
    monkeypatch.chdir(tmp_path)
    write_csv(Path("small.csv"), rows)
    args = ("train", "--data", "small.csv", "--epochs", "5", "--out", "o", "--no-plots")
    ok(*args, "-q")  # two rows: one to train, one to test
    assert error(run(*args, "--set", "data.val_size=0.1")) == (
        "Error: class 'virginica' has 2 rows; every class needs at least 3 (one each for the "
        "training, validation and test parts)"
    )
    write_csv(Path("tiny.csv"), iris_rows()[:101])
    assert "class 'virginica' has 1 row;" in error(run("train", "--data", "tiny.csv", "--out", "o"))
    assert len(list(Path("o").iterdir())) == 1  # the failed trainings wrote nothing


def test_a_text_feature_column_suggests_data_features(tmp_path, monkeypatch):
    rows = [[*r[:4], "red", r[4]] for r in iris_rows()]
    monkeypatch.chdir(tmp_path)
    write_csv(Path("c.csv"), rows, header=[*HEADER[:4], "colour", "species"])
    line = error(run("train", "--data", "c.csv", "--set", "data.categorical=error", "--out", "o"))
    assert line.startswith(
        f"Error: '{tmp_path / 'c.csv'}' line 2, column 'colour': 'red' is not a number"
    )
    assert "data.features" in line and "data.exclude" in line
    assert not Path("o").exists() or not list(Path("o").iterdir())  # nothing written
    ok("train", "--data", "c.csv", "--set", 'data.exclude=["colour"]', "--epochs", "5",
       "--out", "o", "--no-plots", "-q")  # fmt: skip


# ----------------------------------------------------------------------------- paths and changes


def test_a_relative_path_in_a_config_is_relative_to_the_config(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    write_csv(tmp_path / "data" / "flowers.csv", iris_rows())
    config = tmp_path / "data" / "flowers.toml"
    config.write_text('name = "flowers"\n[data]\ndataset = "flowers.csv"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    run_dir = Path(
        ok("train", "-c", config, "--epochs", "5", "--out", "o", "--no-plots", "-q").strip()
    )
    saved = (run_dir / "config.toml").read_text()
    assert f'dataset = "{tmp_path / "data" / "flowers.csv"}"' in saved  # stored absolute
    with np.load(run_dir / "model.npz") as npz:
        meta = json.loads(str(npz["meta"]))
    digest = hashlib.sha256((tmp_path / "data" / "flowers.csv").read_bytes()).hexdigest()
    assert (meta["dataset"], meta["target"], meta["dataset_sha256"]) == (
        "flowers.csv",
        "species",
        digest,
    )
    again = ok("train", "-c", run_dir / "config.toml", "--out", "o", "--no-plots", "-q").strip()
    with np.load(run_dir / "model.npz") as a, np.load(Path(again) / "model.npz") as b:
        np.testing.assert_array_equal(a["W1"], b["W1"])
    assert error(run("train", "--data", "flowers.csv", "--out", "o")) == (
        f"Error: data.dataset = '{elsewhere / 'flowers.csv'}': the CSV file does not exist"
    )


def test_a_changed_or_missing_csv_is_exit_1_for_commands_that_read_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_csv(Path("f.csv"), iris_rows())
    run_dir = ok("train", "--data", "f.csv", "--epochs", "5", "--out", "o", "--no-plots", "-q")
    run_dir = run_dir.strip()
    ok("evaluate", run_dir)
    ok("predict", "-m", run_dir, "5.1", "3.5", "1.4", "0.2")
    path.write_text(path.read_text().replace("5.1,3.5", "5.2,3.5", 1))
    for command in (("evaluate", run_dir), ("plot", run_dir)):
        line = error(run(*command), 1)
        assert line == (
            f"Error: the run's data file '{tmp_path / 'f.csv'}' has changed since the run was "
            "trained (its SHA-256 differs), so its rows no longer match the run's split and "
            "scaler; restore the file, or train again"
        )
    ok("predict", "-m", run_dir, "5.1", "3.5", "1.4", "0.2")  # predict needs the model only
    path.unlink()
    assert error(run("evaluate", run_dir), 1) == (
        f"Error: the run's data file '{tmp_path / 'f.csv'}' is missing; this command reads the "
        "rows again"
    )


def test_a_csv_that_never_ends_is_refused_at_once(tmp_path):
    from conftest import error, run

    endless = tmp_path / "endless.csv"
    endless.symlink_to("/dev/zero")
    line = error(run("train", "--data", endless, "--out", tmp_path / "o"), 2)
    assert line.endswith("endless.csv': the CSV file is not a regular file; allowed: a .csv file")
    assert not (tmp_path / "o").exists()


def test_spaces_round_a_number_are_stripped_by_both_readers(tmp_path):
    rows = iris_rows()
    rows[0][0], rows[1][1], rows[2][2] = " 5.1\t", "3\x0c", "\xa01.3"  # a cell is stripped
    fast, plain = both_readers(write_csv(tmp_path / "s.csv", rows), [0, 1, 2, 3], 4)
    same(fast, plain)
    np.testing.assert_array_equal(fast.X, IRIS.data)


def test_standard_input_that_never_ends_is_refused_at_once():
    class Endless:  # cat /dev/zero | iris-nn predict -i -
        def read(self, size):
            return b"\0" * size

    with pytest.raises(BadInputError, match="standard input line 1 is longer than 128 KB"):
        csvopen.read_stream(Endless(), "standard input")


@pytest.mark.parametrize("seed", range(20))
def test_the_line_limit_agrees_with_measuring_every_line(monkeypatch, seed):
    from iris_nn.data import limits

    monkeypatch.setitem(limits.LIMITS, "CSV line", 50)
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 60, size=rng.integers(1, 40))
    raw = b"\n".join(b"x" * int(n) for n in lengths)
    too_long = [k for k, n in enumerate(lengths) if n > 50]  # the oracle: every line measured
    if too_long:
        with pytest.raises(BadInputError, match=rf"f line {too_long[0] + 1} is longer than 50"):
            csvopen._check_line_lengths(raw, "f")
    else:
        csvopen._check_line_lengths(raw, "f")


@pytest.mark.slow
def test_a_csv_with_dropped_rows_draws_every_figure_the_animation_and_seeds(tmp_path, monkeypatch):
    rows = iris_rows()
    rows[0][0] = "NA"  # data row 0 is dropped: it stays in the data as NaN, in no part
    monkeypatch.chdir(tmp_path)
    write_csv(Path("m.csv"), rows)
    drop = ("--data", "m.csv", "--set", "data.missing=drop", "--epochs", "5", "--out", "o")
    run_dir = Path(ok("train", *drop, "--name", "r", "--animate", "-q").strip())
    assert (run_dir / "plots" / "training.gif").is_file() and (run_dir / "report.html").is_file()
    ok("seeds", *drop, "--n", "2", "--jobs", "1", "--name", "s")
    assert (Path("o") / "s" / "plots" / "seeds.png").is_file()


# --------------------------------------------------------------- messages that said the wrong thing


def test_a_quoted_newline_inside_a_header_cell_is_one_heading(tmp_path):
    header = ["sepal\nlength", *HEADER[1:]]  # RFC 4180: a quoted cell may hold a line end
    path = write_csv(tmp_path / "d.csv", iris_rows(), header=header)
    assert path.read_text().startswith('"sepal\nlength",')
    info = read_csv_dataset(path)
    assert info.features[0] == "sepal_length" and len(info.features) == 4
    np.testing.assert_array_equal(info.rows()[0], IRIS.data)


def test_lone_cr_line_ends_are_named(tmp_path):
    path = write_csv(tmp_path / "d.csv", iris_rows(), newline="\r")
    with pytest.raises(BadInputError) as e:
        read_csv_dataset(path)
    assert str(e.value) == (
        f"{str(path)!r} line 1: a carriage return (CR) alone ends a line (old Mac line ends); "
        "allowed: LF or CRLF line ends (save the file again as CSV)"
    )
    line = error(run("train", "--data", path, "--out", tmp_path / "o", "--no-plots"))
    assert "universal-newline" not in line and "old Mac line ends" in line


def test_a_feature_with_the_class_columns_name(tmp_path):
    rows = [[*r, r[4]] for r in iris_rows()]
    path = write_csv(tmp_path / "d.csv", rows, header=[*HEADER, "species"])
    with pytest.raises(BadInputError) as e:
        read_csv_dataset(path)
    assert str(e.value) == (
        f"{str(path)!r}: column 6 'species' has the class column's name "
        "(column 5 'species'); rename one of them"
    )


def test_a_file_whose_every_row_is_dropped(tmp_path):
    rows = [[*r[:3], "", r[4]] for r in iris_rows()[:3]]
    path = write_csv(tmp_path / "d.csv", rows)
    with pytest.raises(BadInputError) as e:
        read_csv_dataset(path, missing="drop")
    assert str(e.value) == (
        f"{str(path)!r}: every one of its 3 rows has a missing cell, and "
        'data.missing = "drop" dropped them all; fill the cells in, or leave the columns that '
        "miss them out with data.exclude"
    )


@pytest.mark.parametrize("exponent", ["e", "E"])
def test_an_exponent_is_e_or_E_in_every_reader(tmp_path, exponent):
    rows = [[f"{float(x) * 10:.1f}{exponent}-1" for x in r[:4]] + [r[4]] for r in iris_rows()]
    path = write_csv(tmp_path / "d.csv", rows)
    for reader in ("fast", "plain"):
        file = csvopen.open_csv(path)
        read = csvfile._Reader(file, [0, 1, 2, 3], None, None, "error", "")
        columns = getattr(read, reader)()
        assert columns is not None
        np.testing.assert_allclose(columns.X, IRIS.data, rtol=1e-15)
    assert is_number(f"1{exponent}5") and parse_number(f"1{exponent}5", "x") == 1e5


@pytest.mark.parametrize("n", [3, 40, 63, 64, 65, 200])
def test_row_id_check_at_any_length(n):
    from iris_nn.data.csv_dataset import looks_like_row_id

    assert looks_like_row_id(np.arange(n, dtype=float))
    assert not looks_like_row_id(np.r_[np.arange(n - 1, dtype=float), 0.0])
    assert not looks_like_row_id(np.arange(n) + 0.5)
