import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def out(tmp_path):
    """Return a fresh --out directory."""
    path = tmp_path / "outputs"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """Return the run directory of one small model, trained once for every test that reads one."""
    from click.testing import CliRunner

    from iris_nn.cli import cli

    out = tmp_path_factory.mktemp("trained") / "outputs"
    args = ["train", "--out", str(out), "--epochs", "300", "--no-plots", "-q", "--name", "small"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out / "small"
