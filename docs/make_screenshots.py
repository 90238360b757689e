"""Remake the README's pictures of the playground: ``iris-nn serve`` in Chromium, screenshots into docs/.

Run from the repository root (or anywhere) with the package and Playwright installed:

    python docs/make_screenshots.py [DIRECTORY]

Debian's Chromium (``/usr/bin/chromium``, or ``IRIS_NN_CHROMIUM``) is driven by Playwright; nothing
is downloaded. Four pictures, 1280 x 860 pixels: the lesson's network as ``serve -c
configs/lesson.toml`` opens it (``playground-lesson.png``), the default config trained 300 epochs
(``playground-training.png``), the lesson with an edited weight (``playground-edited.png``), and the
lesson's step of backprop shown (``playground-step.png``). Runs saved by nothing: the server's
``--out`` is a temporary directory. The pictures replace those in docs/, or go to DIRECTORY.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
LESSON = DOCS.parent / "configs" / "lesson.toml"
CHROMIUM = os.environ.get("IRIS_NN_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 860}
FLAGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--hide-scrollbars"]  # fmt: skip


class Server:
    """``iris-nn serve`` on a free port, stopped on leaving."""

    def __init__(self, out: Path, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "iris_nn", "serve", "--port", "0", "--out", str(out), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.communicate(timeout=20)


def open_page(browser, url: str):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url)
    page.wait_for_function("window.irisnn !== undefined && window.irisnn.state() !== null")
    settle(page)
    return page


def settle(page) -> None:
    """Wait for every answer, then for the views drawn from the last one."""
    page.evaluate("""async () => {
      await window.irisnn.ready();
      const drawn = window.irisnn.drawn;
      await new Promise(requestAnimationFrame);
      while (window.irisnn.drawn === drawn && !window.irisnn.state().settled) {
        await new Promise(requestAnimationFrame);
      }
      await new Promise(requestAnimationFrame);
    }""")


def main(target: Path = DOCS) -> list[Path]:
    """Write every playground picture the README shows into ``target``; return their paths."""
    from playwright.sync_api import sync_playwright

    target.mkdir(parents=True, exist_ok=True)
    made = []

    def shot(page, name: str) -> None:
        settle(page)
        page.screenshot(path=str(target / name))
        made.append(target / name)

    flags = [*FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=flags)
        with Server(Path(tmp), "-c", str(LESSON)) as server:
            page = open_page(browser, server.url)
            shot(page, "playground-lesson.png")
            page.locator('#network .edge[data-name="W2"][data-i="1"][data-j="0"]').dispatch_event(
                "click"
            )
            page.fill("#weight-value", "2.5")
            page.press("#weight-value", "Enter")
            shot(page, "playground-edited.png")
            page.click("#reset")
            settle(page)
            page.click("#backprop")
            shot(page, "playground-step.png")
            page.close()
        with Server(Path(tmp), "--hidden", "6") as server:
            page = open_page(browser, server.url)
            page.evaluate("window.irisnn.select(60)")
            page.select_option("#speed", "20")
            page.click("#play")
            page.wait_for_function("window.irisnn.state().epoch >= 300")
            page.click("#play")
            shot(page, "playground-training.png")
            page.close()
        browser.close()
    return made


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS):
        print(path)
