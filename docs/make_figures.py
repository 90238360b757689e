"""Remake the README's pictures: train the default config and copy its figures into docs/.

Run from the repository root (or anywhere) with the package installed:

    python docs/make_figures.py

The run is trained in a temporary directory (nothing is left in outputs/); its plots, drawn with
the run name "default", replace the PNGs in docs/.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from iris_nn.experiments.experiment import train_run
from iris_nn.settings import config
from iris_nn.store.rundir import PLOTS_DIR
from iris_nn.views.figures import FIGURE_NAMES
from iris_nn.views.report import render_run

DOCS = Path(__file__).resolve().parent
DEFAULT_CONFIG = DOCS.parent / "configs" / "default.toml"


def main() -> None:
    """Train the default config and copy every figure of the run into docs/."""
    with tempfile.TemporaryDirectory() as tmp:
        result = train_run(config.load(DEFAULT_CONFIG), out=tmp, name="default", finish=render_run)
        for name in FIGURE_NAMES:
            shutil.copyfile(result.path / PLOTS_DIR / name, DOCS / name)
            print(DOCS / name)


if __name__ == "__main__":
    main()
