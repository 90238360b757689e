"""The playground's speed in a real browser (SPEC 15), on Iris, medians:

- from a changed control (``train.lr``, ``train.init_seed``) to the updated regions: <= 100 ms;
- from an edited weight (``window.irisnn.setWeight``) to the updated regions: <= 100 ms;
- the default config's 3,000 epochs at full speed on the page, from the click on play to the last
  state drawn, against ``train_time_s`` of ``iris-nn train --no-plots`` on the same config:
  <= 2 x train_time_s + 0.5 s; and the page's weights against that run's (<= 1e-12 apart).

"Updated regions" is the page's redraw after the answer (``window.irisnn.drawn`` counts them),
measured with the page's own clock from the change. Each repeat starts a fresh server and a fresh
``iris-nn train`` process, alternating them. Debian's Chromium (``/usr/bin/chromium``, or
``IRIS_NN_CHROMIUM``) is driven by Playwright; nothing is downloaded.
Run ``python benchmarks/bench_serve.py`` (``--quick`` for a short smoke run: fewer repeats, 300
epochs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CHROMIUM = os.environ.get("IRIS_NN_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]  # fmt: skip
LATENCY_TARGET_MS = 100.0

# Change a control as a learner does (type, then leave the field), or a weight as a script does,
# and return the milliseconds until the views were drawn with the answer.
TIMED = """async ([kind, key, value]) => {
  const drawn = window.irisnn.drawn;
  const t0 = performance.now();
  if (kind === "control") {
    const field = document.querySelector(`[name="${key}"]`);
    field.value = String(value);
    field.dispatchEvent(new Event("change"));
  } else {
    window.irisnn.setWeight("W1", 0, 0, value);
  }
  await window.irisnn.ready();
  while (window.irisnn.drawn === drawn) await new Promise(requestAnimationFrame);
  return performance.now() - t0;
}"""

# Click play at full speed; return the seconds until the last epoch's state was drawn.
TRAINED = """async (epochs) => {
  const t0 = performance.now();
  document.getElementById("play").click();
  for (;;) {
    await new Promise(requestAnimationFrame);
    const s = window.irisnn.state();
    if (s.epoch >= epochs && s.settled) break;
  }
  const drawn = window.irisnn.drawn;
  while (window.irisnn.drawn === drawn) await new Promise(requestAnimationFrame);
  return (performance.now() - t0) / 1000;
}"""


class Server:
    """``iris-nn serve`` on a free port, in a fresh process."""

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
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url)
    page.wait_for_function("window.irisnn !== undefined && window.irisnn.state() !== null")
    page.evaluate("window.irisnn.ready()")
    return page


def latencies(browser, out: Path, repeats: int, per_server: int) -> dict[str, list[float]]:
    """Return the milliseconds of each kind of change, ``per_server`` of each on each server."""
    times: dict[str, list[float]] = {"train.lr": [], "train.init_seed": [], "weight": []}
    for r in range(repeats):
        with Server(out) as server:
            page = open_page(browser, server.url)
            for k in range(per_server):
                lr = (0.1, 0.2)[k % 2]
                times["train.lr"].append(page.evaluate(TIMED, ["control", "train.lr", lr]))
                seed = 1 + r * per_server + k
                times["train.init_seed"].append(
                    page.evaluate(TIMED, ["control", "train.init_seed", seed])
                )
                times["weight"].append(page.evaluate(TIMED, ["weight", "", 0.5 + 0.01 * k]))
            page.close()
    return times


def page_training(browser, out: Path, epochs: int) -> tuple[float, dict[str, np.ndarray]]:
    """Return the page's seconds for ``epochs`` epochs at full speed, and its weights."""
    with Server(out, "--epochs", str(epochs)) as server:
        page = open_page(browser, server.url)
        page.select_option("#speed", "0")
        page.evaluate("window.irisnn.ready()")
        seconds = page.evaluate(TRAINED, epochs)
        weights = page.evaluate("window.irisnn.state().weights")
        page.close()
    return seconds, {k: np.array(v) for k, v in weights.items()}


def cli_training(out: Path, epochs: int, name: str) -> tuple[float, dict[str, np.ndarray]]:
    """Return ``train_time_s`` of ``iris-nn train --no-plots`` and its weights."""
    subprocess.run(
        [sys.executable, "-m", "iris_nn", "train", "--no-plots", "-q", "--epochs", str(epochs),
         "--out", str(out), "--name", name],
        check=True, capture_output=True,
    )  # fmt: skip
    run = out / name
    metrics = json.loads((run / "metrics.json").read_text())
    with np.load(run / "model.npz") as f:
        weights = {k: f[k] for k in f.files if k[0] in "Wb" and k[1:].isdigit()}
    return float(metrics.get("train_time_s", metrics.get("wall_time_s"))), weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    repeats, per_server, runs, epochs = (1, 3, 1, 300) if args.quick else (3, 7, 3, 3000)
    if not Path(CHROMIUM).exists():
        sys.exit(f"Error: no Chromium at {CHROMIUM}; set IRIS_NN_CHROMIUM to another")
    from playwright.sync_api import sync_playwright

    flags = [*FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        out = Path(tmp)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=flags)
        times = latencies(browser, out / "page", repeats, per_server)
        print(
            f"playground speed on Iris in Chromium (medians; target <= {LATENCY_TARGET_MS:.0f} ms)"
        )
        for kind, label in (("train.lr", "changed control train.lr"),
                            ("train.init_seed", "changed control train.init_seed"),
                            ("weight", "edited weight W1[0, 0]")):  # fmt: skip
            median = statistics.median(times[kind])
            print(f"  {label:34s} to updated regions: {median:6.1f} ms over {len(times[kind])}, "
                  f"ratio to target {median / LATENCY_TARGET_MS:.2f}x")  # fmt: skip
        page_s, cli_s, differences = [], [], []
        for r in range(runs):  # alternate: the page, then train, in fresh processes
            seconds, page_weights = page_training(browser, out / f"page-train-{r}", epochs)
            train_s, cli_weights = cli_training(out / "cli", epochs, f"run-{r}")
            page_s.append(seconds)
            cli_s.append(train_s)
            differences.append(max(float(np.max(np.abs(page_weights[k] - cli_weights[k])))
                                    for k in cli_weights))  # fmt: skip
        browser.close()
    page, train = statistics.median(page_s), statistics.median(cli_s)
    limit = 2 * train + 0.5
    print(f"full-speed training, {epochs} epochs of the default config (median of {runs}):")
    print(f"  page {page:.3f} s, train_time_s {train:.3f} s, ratio page/train {page / train:.2f}x; "
          f"target page <= 2 x train + 0.5 s = {limit:.2f} s: {'met' if page <= limit else 'NOT met'}")  # fmt: skip
    print(
        f"  page weights against train's: max |difference| {max(differences):.1e} (target <= 1e-12)"
    )


if __name__ == "__main__":
    main()
