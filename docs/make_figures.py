"""Remake the pictures the README and docs/*.md show: train the default config and copy its
figures into docs/.

Run from the repository root (or anywhere) with the package installed:

    python docs/make_figures.py [DIRECTORY]

The runs are trained in a temporary directory (nothing is left in outputs/): the default config,
drawn with the run name "default" (every figure and the animation), then the README's learning
rates 0.3 and 3, compared as ``compare.png``, then ``configs/digits.toml`` (64-32-10) for the
handwritten digits' pictures (``digits_images.png``, ``digits_unit_weights.png``) and, when
Chromium and Playwright are there, a screenshot of the playground's drawing grid on that config
(``playground_digits.png``). The pictures replace those in docs/, or go to DIRECTORY when one is
given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from iris_nn.comparison.compare import compare
from iris_nn.experiments.experiment import train_run
from iris_nn.settings import config
from iris_nn.store.rundir import PLOTS_DIR
from iris_nn.views.animation import render_animation
from iris_nn.views.compare_plot import compare_figure
from iris_nn.views.figures import figures_for, load_view
from iris_nn.views.report import render_run
from iris_nn.views.style import figure_bytes

DOCS = Path(__file__).resolve().parent
DEFAULT_CONFIG = DOCS.parent / "configs" / "default.toml"
DIGITS_CONFIG = DOCS.parent / "configs" / "digits.toml"
DIGITS_PICTURES = {"images.png": "digits_images.png", "unit_weights.png": "digits_unit_weights.png"}
SCREENSHOT = "playground_digits.png"
CHROMIUM = os.environ.get("IRIS_NN_CHROMIUM", "/usr/bin/chromium")
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
        drawn = [spec.name for spec in figures_for(load_view(result.path))]
        for name in (*drawn, "training.gif"):
            shutil.copyfile(result.path / PLOTS_DIR / name, target / name)
            made.append(target / name)
        for name, lr in COMPARED.items():
            train_run(config.apply(default, {"train.lr": lr}), out=tmp, name=name)
        fig = compare_figure(compare(list(COMPARED), tmp, with_history=True))
        (target / "compare.png").write_bytes(figure_bytes(fig, "png"))
        made.append(target / "compare.png")
        digits = train_run(config.load(DIGITS_CONFIG), out=tmp, name="digits")
        render_run(digits.path, "digits")
        for name, saved in DIGITS_PICTURES.items():
            shutil.copyfile(digits.path / PLOTS_DIR / name, target / saved)
            made.append(target / saved)
    shot = playground_screenshot(target / SCREENSHOT)
    made += [shot] if shot else []
    for path in made:
        print(path)
    return made


def playground_screenshot(path: Path) -> Path | None:
    """Write the playground on ``configs/digits.toml``, trained on the page and a 7 drawn on its
    grid, as a PNG at ``path``; return it, or None (saying why) without Chromium or Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("no screenshot: Playwright is not installed (pip install -e '.[dev]')")
        return None
    if not Path(CHROMIUM).exists():
        print(f"no screenshot: no Chromium at {CHROMIUM} (set IRIS_NN_CHROMIUM)")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [sys.executable, "-m", "iris_nn", "serve", "-c", str(DIGITS_CONFIG), "--port", "0",
             "--out", tmp],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            flags = ["--disable-gpu", *(["--no-sandbox"] if os.geteuid() == 0 else [])]
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=flags)
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.goto(url)
                page.wait_for_function("window.irisnn && window.irisnn.state() !== null")
                page.evaluate("window.irisnn.ready()")
                page.click("#play")  # the config's 100 epochs of Adam, then it stops
                page.wait_for_function("window.irisnn.state().epoch >= 100", timeout=120_000)
                page.evaluate("window.irisnn.ready()")
                for stroke in ([(1, 1), (1, 6), (6, 3)], [(4, 2), (4, 5)]):  # a 7, crossed
                    x, y = page.evaluate(f"window.irisnn.cell({stroke[0][0]}, {stroke[0][1]})")
                    page.mouse.move(x, y)
                    page.mouse.down()
                    for i, j in stroke[1:]:
                        x, y = page.evaluate(f"window.irisnn.cell({i}, {j})")
                        page.mouse.move(x, y, steps=12)
                    page.mouse.up()
                page.evaluate("window.irisnn.ready()")
                page.screenshot(path=str(path), full_page=False)
                browser.close()
        finally:
            server.terminate()
            server.communicate(timeout=20)
    return path


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS)
