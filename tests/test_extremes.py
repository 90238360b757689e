"""Values near the float limits (issue 24.2): any finite number is scaled without overflow, and the
run then works in predict, evaluate, plot and animate; no numpy warning reaches stderr."""

import csv
import warnings

import numpy as np
import pytest
from conftest import run
from sklearn.datasets import load_iris

from iris_nn.data.scaler import Scaler

BIG = np.finfo(np.float64).max  # about 1.798e308


def iris_csv(path, changes=()):
    """Write Iris as a CSV at ``path`` with ``changes`` ((data row, column, text), ...) made."""
    d = load_iris()
    rows = [
        [repr(float(v)) for v in x] + [str(d.target_names[t])]
        for x, t in zip(d.data, d.target, strict=True)
    ]
    for i, j, text in changes:
        rows[i][j] = text
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([["a", "b", "c", "d", "species"], *rows])
    return path


@pytest.mark.parametrize("scaling", ["standard", "minmax"])
def test_a_column_near_the_float_limit_scales_as_hand_arithmetic_says(scaling):
    """The column (1.5e308, -1.5e308, 0) by hand: standard has centre 0 and scale
    1.5e308 * sqrt(2/3); minmax's range (3e308) is past the largest float, so it is held as that."""
    X = np.array([[1.5e308, 1.0], [-1.5e308, 2.0], [0.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, not even a warning
        s = Scaler.fit(X, scaling)
        Z = s(X)
    if scaling == "standard":
        assert s.center[0] == 0.0 and s.scale[0] == pytest.approx(1.5e308 * (2 / 3) ** 0.5)
        assert Z[:, 0] == pytest.approx([1.5 / (1.5 * (2 / 3) ** 0.5), -(1 / (2 / 3) ** 0.5), 0.0])
    else:
        assert s.center[0] == -1.5e308 and s.scale[0] == pytest.approx(BIG, rel=1e-15)
        assert Z[:, 0] == pytest.approx([2 * (1.5e308 / BIG), 0.0, 1.5e308 / BIG])
    # the ordinary column is what it always was, bit for bit
    plain = Scaler.fit(X[:, 1:], scaling)
    assert s.center[1] == plain.center[0] and s.scale[1] == plain.scale[0]
    assert np.isfinite(Z).all()


def test_ordinary_data_scales_bit_for_bit_as_before():
    X = load_iris().data
    s = Scaler.fit(X, "standard")
    assert np.array_equal(s.center, X.mean(axis=0)) and np.array_equal(s.scale, X.std(axis=0))
    assert np.array_equal(s(X), (X - X.mean(axis=0)) / X.std(axis=0))


def works_everywhere(tmp_path, data, name):
    """Assert a run trained on ``data`` works in every command, with nothing on stderr but its
    own lines (no numpy or matplotlib warning)."""
    out = tmp_path / "o"
    # --no-plots: `plot` below draws every figure and the report, as train would
    result = run("train", "--data", data, "--out", out, "--name", name, "--epochs", "5", "-q",
                 "--no-plots")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == "", result.stderr
    for args in (
        ("evaluate", out / name),
        ("predict", "-m", out / name, "-i", data, "--format", "csv"),
        ("plot", out / name),
        ("animate", out / name),
    ):
        result = run(*args)
        assert result.exit_code == 0 and "Warning" not in result.stderr, (args, result.output)
        if args[0] == "plot":  # the figures train would have drawn: not a word on stderr
            assert result.stderr == "", result.stderr


@pytest.mark.slow  # a dozen commands in subprocesses
def test_a_value_past_1e154_gives_a_run_that_works_everywhere(tmp_path):
    """Issue 24.2: 1e200 overflowed the scaler's squares, the column became zeros, and the run
    that `runs` listed as completed failed in predict, evaluate, plot and animate."""
    works_everywhere(tmp_path, iris_csv(tmp_path / "big.csv", [(5, 0, "1e200")]), "big")
