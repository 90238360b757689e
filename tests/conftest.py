import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def out(tmp_path):
    """Return a fresh --out directory."""
    path = tmp_path / "outputs"
    path.mkdir()
    return path
