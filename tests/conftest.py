"""Fixtures and the CLI helpers every test module shares (``from conftest import run, ok, error``)."""

import os

import pytest
from click.testing import CliRunner
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

# Hypothesis: a short profile for the desk, a longer one where CI is set (as .ci/run sets it).
# A test that needs more examples than most asks for ``examples(n)``: n under ci, a quarter of it
# under dev.
settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def examples(ci: int) -> int:
    """Return how many examples a test of ``ci`` examples under the ci profile runs now."""
    return max(10, ci * settings().max_examples // 200)


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


@pytest.fixture(scope="session")
def drawn_run(tmp_path_factory):
    """Return the run directory of one default run of 30 epochs named ``r``, trained by the CLI with
    every figure and the report drawn, for every test that only reads a drawn run (drawing takes
    seconds). A test that changes the run works on a copy."""
    out = tmp_path_factory.mktemp("drawn") / "outputs"
    ok("train", "--out", out, "--name", "r", "--epochs", "30", "-q")
    return out / "r"


@pytest.fixture(scope="session")
def library_run(tmp_path_factory):
    """Return one small run trained and saved by ``iris_nn.train`` (figures and report drawn), for
    every test that only reads a saved library run: drawing a run's figures takes seconds."""
    import iris_nn

    return iris_nn.train(epochs=20, hidden=[8], out=tmp_path_factory.mktemp("library"), name="lib")
