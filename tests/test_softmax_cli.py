"""`iris-nn softmax`: the lesson's SoftMax, ArgMax and derivatives on any raw outputs."""

import json
import math

import numpy as np
import pytest
from conftest import error, run

from iris_nn.cli import cli
from iris_nn.views.lesson import softmax_steps


def test_lesson_example_exactly_as_typed():
    result = run("softmax", "1.43", "-0.4", "0.23")
    assert result.exit_code == 0, result.output
    out = result.stdout
    # The table's rows, recomputed by hand: e^z / (e^1.43 + e^-0.4 + e^0.23), to 3 and 2 decimals.
    total = math.exp(1.43) + math.exp(-0.4) + math.exp(0.23)
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line[:1].isdigit()}
    for n, (z, hot) in enumerate([("1.43", "1"), ("-0.4", "0"), ("0.23", "0")], 1):
        p = math.exp(float(z)) / total
        assert rows[str(n)] == [z, f"{p:.3f}", f"{p:.2f}", hot]
    assert [f"{math.exp(z) / total:.2f}" for z in (1.43, -0.4, 0.23)] == ["0.68", "0.11", "0.21"]
    assert "ArgMax one-hot: [1, 0, 0]" in out
    # The lesson prints 0.69, 0.10, 0.21 (its text, section 4.2): said beside the computed values.
    assert "The lesson rounds these probabilities to 0.69, 0.10, 0.21;" in out
    assert "computed, they are 0.684, 0.110, 0.206." in out
    assert "dp_i/dz_j" in out


def test_lesson_note_only_for_the_lesson_example():
    assert "The lesson rounds" not in run("softmax", "1", "2", "3").stdout


def test_json_matches_the_formulas():
    result = run(
        "softmax",
        "1.43",
        "-0.4",
        "0.23",
        "--labels",
        "setosa,versicolor,virginica",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"values", "probabilities", "argmax", "jacobian", "labels"}
    z = np.array([1.43, -0.4, 0.23])
    p = np.exp(z) / np.exp(z).sum()
    assert data["values"] == [1.43, -0.4, 0.23]
    np.testing.assert_allclose(data["probabilities"], p, rtol=0, atol=1e-15)
    assert data["argmax"] == [1, 0, 0]
    assert data["labels"] == ["setosa", "versicolor", "virginica"]
    J = np.array(data["jacobian"])
    np.testing.assert_allclose(np.diag(J), p * (1 - p), atol=1e-15)
    np.testing.assert_allclose(J[0, 1], -p[0] * p[1], atol=1e-15)
    assert "labels" not in json.loads(run("softmax", "1", "2", "--format", "json").stdout)


def test_jacobian_equals_central_differences():
    z = np.array([0.3, -1.2, 2.0, 0.0])
    J = np.array(softmax_steps(z)["jacobian"])
    h = 1e-6
    for j in range(len(z)):
        dz = np.zeros_like(z)
        dz[j] = h
        up = np.array(softmax_steps(z + dz)["probabilities"])
        down = np.array(softmax_steps(z - dz)["probabilities"])
        np.testing.assert_allclose(J[:, j], (up - down) / (2 * h), atol=1e-9)


@pytest.mark.parametrize("values", [["1e300", "-1e300", "0"], ["-1e308", "1e308"], ["1e4", "1e4"]])
def test_huge_values_give_finite_probabilities(values):
    result = run("softmax", *values, "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    p = np.array(data["probabilities"])
    assert np.isfinite(p).all() and abs(p.sum() - 1) < 1e-12
    assert np.isfinite(np.array(data["jacobian"])).all()
    assert sum(data["argmax"]) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["1", "nan"],
            "Error: raw output 2: 'nan' is not finite; allowed: finite numbers (no nan or inf)",
        ),
        (
            ["-inf", "1"],
            "Error: raw output 1: '-inf' is not finite; allowed: finite numbers (no nan or inf)",
        ),
        (
            ["1", "x"],
            "Error: raw output 2: 'x' is not a number; allowed: numbers such as 5.1, -0.4 or 1e-3 "
            "([+-]digits[.digits][(e|E)[+-]digits])",
        ),
        (
            ["1", "2", "--labels", "a,b,c"],
            "Error: --labels 'a,b,c' gives 3 labels for 2 raw outputs; allowed: 2 non-empty names "
            "separated by commas",
        ),
        (
            ["1", "2", "--labels", "a,"],
            "Error: --labels 'a,' has an empty label; allowed: non-empty names",
        ),
        (
            ["1", "2", "--labels", "a,a"],
            "Error: --labels 'a,a' repeats a label; allowed: distinct names",
        ),
    ],
)
def test_bad_values_exit_2(args, message):
    assert error(run("softmax", *args)) == message


def test_missing_values_and_unknown_option_exit_2():
    assert error(run("softmax")).startswith("Error: Missing argument")
    line = error(run("softmax", "1", "--bogus"))
    assert line.startswith("Error: No such option") and "--bogus" in line


@pytest.mark.parametrize("command", cli.list_commands(None))
def test_help_has_an_example(command):
    for flag in ("-h", "--help"):
        result = run(command, flag)
        assert result.exit_code == 0 and "Example" in result.stdout


def test_at_most_ten_thousand_values():
    assert error(run("softmax", *["1"] * 10_001)) == (
        "Error: 10001 raw outputs given; allowed: at most 10,000 (their SoftMax derivatives are "
        "a matrix of n x n numbers)"
    )


def test_the_table_shows_derivatives_up_to_ten_values_and_json_stays_whole():
    z = np.linspace(-3, 3, 40)
    values = [f"{x:.6f}" for x in z]
    table = run("softmax", *values[:10]).stdout
    assert "dp_10" in table and "gives them all" not in table
    table = run("softmax", *values[:11]).stdout
    assert "dp_1" not in table
    assert table.rstrip().endswith(
        "With 11 raw outputs they are 11 x 11 numbers, shown here for at most 10; "
        "--format json gives them all."
    )
    data = json.loads(
        run("softmax", *values, "--format", "json", "--labels", ",".join(values)).stdout
    )
    assert list(data) == ["values", "probabilities", "argmax", "jacobian", "labels"]
    p = np.array(data["probabilities"])
    np.testing.assert_array_equal(data["jacobian"], np.diag(p) - np.outer(p, p))  # to the bit
