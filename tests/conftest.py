"""Fixtures and the CLI helpers every test module shares (``from conftest import run, ok, error``)."""

import os

import pytest
from click.testing import CliRunner

os.environ.setdefault("MPLBACKEND", "Agg")


def run(*args, input=None):
    """Return the result of ``iris-nn ARGS`` run in-process (arguments may be paths or numbers)."""
    from iris_nn.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def ok(*args, input=None):
    """Return the stdout of ``iris-nn ARGS``, asserting exit 0."""
    result = run(*args, input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def error(result, code=2):
    """Return the one ``Error:`` line of a failed command, asserting its exit code and nothing on
    stdout."""
    assert result.exit_code == code, result.output
    lines = result.stderr.splitlines()
    assert result.stdout == "" and len(lines) == 1 and lines[0].startswith("Error: "), lines
    return lines[0]


@pytest.fixture
def out(tmp_path):
    """Return a fresh --out directory."""
    path = tmp_path / "outputs"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """Return the run directory of one small model, trained once for every test that reads one."""
    out = tmp_path_factory.mktemp("trained") / "outputs"
    ok("train", "--out", out, "--epochs", "300", "--no-plots", "-q", "--name", "small")
    return out / "small"
