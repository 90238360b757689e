"""Remake the pictures the README and docs/*.md show: train the default config and copy its
figures into docs/.

Run from the repository root (or anywhere) with the package installed:

    python docs/make_figures.py [DIRECTORY]

The runs are trained in a temporary directory (nothing is left in outputs/): the default config,
drawn with the run name "default" (every figure and the animation), then the README's learning
rates 0.3 and 3, compared as ``compare.png``. The pictures replace those in docs/, or go to
DIRECTORY when one is given.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from iris_nn.comparison.compare import compare
from iris_nn.experiments.experiment import train_run
from iris_nn.settings import config
from iris_nn.store.rundir import PLOTS_DIR
from iris_nn.views.animation import render_animation
from iris_nn.views.compare_plot import compare_figure
from iris_nn.views.figures import FIGURE_NAMES
from iris_nn.views.report import render_run
from iris_nn.views.style import figure_bytes

DOCS = Path(__file__).resolve().parent
DEFAULT_CONFIG = DOCS.parent / "configs" / "default.toml"
COMPARED = {"lr-0.3": 0.3, "lr-3": 3.0}  # the README's "Compare runs" section


def main(target: Path = DOCS) -> list[Path]:
    """Write every picture the README and docs/*.md show into ``target``; return their paths."""
    made = []
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        default = config.load(DEFAULT_CONFIG)
        result = train_run(default, out=tmp, name="default")
        render_animation(result.path, "default")
        render_run(result.path, "default")
        for name in (*FIGURE_NAMES, "training.gif"):
            shutil.copyfile(result.path / PLOTS_DIR / name, target / name)
            made.append(target / name)
        for name, lr in COMPARED.items():
            train_run(config.apply(default, {"train.lr": lr}), out=tmp, name=name)
        fig = compare_figure(compare(list(COMPARED), tmp, with_history=True))
        (target / "compare.png").write_bytes(figure_bytes(fig, "png"))
        made.append(target / "compare.png")
    for path in made:
        print(path)
    return made


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS)
