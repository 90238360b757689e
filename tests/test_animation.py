"""``iris-nn animate``, ``train --animate``, ``plot --animate`` and the report's epoch player."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest
from conftest import error, ok, run
from PIL import Image

from iris_nn.store.rundir import SNAPSHOTS_FILE
from iris_nn.views import report
from iris_nn.views.animation import MAX_FRAMES, frame_indices


class Page(HTMLParser):
    """Collect the report's tags and the motion section's JSON."""

    def __init__(self):
        super().__init__()
        self.tags, self.frames_json, self._in_frames = [], None, False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_frames = dict(attrs).get("id") == "motion-frames"

    def handle_data(self, data):
        if self._in_frames:
            self.frames_json = json.loads(data)
            self._in_frames = False


def test_frame_indices_spread_evenly_on_the_log_scale():
    epochs = np.arange(0, 3001)
    chosen = frame_indices(epochs)
    assert len(chosen) <= MAX_FRAMES + 2 and chosen[0] == 0 and chosen[-1] == 3000
    gaps = np.diff(np.log(epochs[chosen][1:] + 1))
    assert gaps.max() < 3 * np.median(gaps)  # no stretch of the log axis left bare
    assert list(frame_indices(np.arange(10))) == list(range(10))


@pytest.mark.slow
def test_train_animate_writes_the_gif_and_the_report_holds_its_frames(tmp_path):
    ok("train", "--out", tmp_path, "--name", "a", "--epochs", "200", "--animate", "-q")
    gif_path = tmp_path / "a" / "plots" / "training.gif"
    with Image.open(gif_path) as gif:
        n_frames = gif.n_frames
        assert gif.size[0] <= 11 * 100 and gif.size[1] <= 5 * 100  # at most 100 dpi
    assert 2 <= n_frames <= MAX_FRAMES + 2
    assert gif_path.stat().st_size <= 5_000_000
    html = (tmp_path / "a" / "report.html").read_text()
    page = Page()
    page.feed(html)
    assert "Training, epoch by epoch" in html
    data = page.frames_json
    assert len(data["frames"]) == len(data["epochs"]) == n_frames
    assert all(f.startswith("data:image/png;base64,") for f in data["frames"])
    with np.load(tmp_path / "a" / SNAPSHOTS_FILE) as npz:
        epochs = npz["epochs"]
    assert data["epochs"] == [int(e) for e in epochs[frame_indices(epochs)]]
    assert data["epochs"][-1] == 200
    # Readable without JavaScript: the GIF itself is the image; nothing comes from the network.
    img = next(a for t, a in page.tags if a.get("id") == "motion-frame")
    assert img["src"].startswith("data:image/gif;base64,")
    assert not re.search(r"https?://", html.replace("http://www.w3.org/2000/svg", ""))
    assert not any(t == "script" and "src" in a for t, a in page.tags)


@pytest.mark.slow
def test_animate_and_plot_animate_on_a_saved_run(trained_run, tmp_path):
    run_dir = tmp_path / "r"
    shutil.copytree(trained_run, run_dir)
    assert ok("animate", run_dir).strip() == str(run_dir / "plots" / "training.gif")
    assert "Training, epoch by epoch" in (run_dir / "report.html").read_text()
    (run_dir / "plots" / "training.gif").unlink()
    ok("plot", run_dir)
    assert "Training, epoch by epoch" not in (run_dir / "report.html").read_text()
    ok("plot", "--animate", run_dir)
    assert (run_dir / "plots" / "training.gif").is_file()


def test_a_run_without_snapshots_is_exit_1_naming_the_file(trained_run, tmp_path):
    run_dir = tmp_path / "old"
    shutil.copytree(trained_run, run_dir)
    (run_dir / SNAPSHOTS_FILE).unlink()
    message = error(run("animate", run_dir), 1)
    assert "snapshots.npz" in message and "missing" in message
    assert not (run_dir / "plots" / "training.gif").exists()


def test_animate_with_no_plots_is_a_usage_error(tmp_path):
    assert "--no-plots" in error(run("train", "--out", tmp_path, "--animate", "--no-plots"))


DOM_SHIM = """
const elements = {};
function element(id) {
  return elements[id] = elements[id] || {
    id, hidden: true, value: "", src: "", textContent: "", listeners: {}, scrolled: 0,
    addEventListener(kind, f) { (this.listeners[kind] = this.listeners[kind] || []).push(f); },
    fire(kind) { (this.listeners[kind] || []).forEach((f) => f()); },
    scrollIntoView() { this.scrolled += 1; },
  };
}
const [frames, hash] = process.argv.slice(-2);
element("motion-frames").textContent = frames;
global.document = { getElementById: element };
global.location = { hash };
global.window = { addEventListener() {} };
global.setInterval = () => 1; global.clearInterval = () => {};
eval(require("fs").readFileSync(0, "utf8"));
const seen = () => ({label: elements["motion-epoch"].textContent, src: elements["motion-frame"].src,
                     scrolled: element("motion").scrolled});
const out = [seen()];
elements["motion-next"].fire("click"); out.push(seen());
elements["motion-previous"].fire("click"); elements["motion-previous"].fire("click"); out.push(seen());
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the page's script")
@pytest.mark.parametrize(
    ("hash", "first", "scrolled"), [("#frame=2", 2, 1), ("#frame=99", 4, 1), ("", 4, 0)]
)
def test_the_players_frame_address_counts_from_one_and_steps_both_ways(
    tmp_path, hash, first, scrolled
):
    """``#frame=2`` shows the 2nd frame, labelled "frame 2 of 4", and scrolls to the player;
    next and previous step one frame, stopping at the ends. The page's own script runs in Node
    with the few page elements it uses stood in."""
    plots = tmp_path / "plots"
    plots.mkdir()
    frames = [Image.new("RGB", (8, 8), (60 * k, 0, 0)) for k in range(4)]
    frames[0].save(plots / "training.gif", save_all=True, append_images=frames[1:])
    section = report.motion_section(plots)
    data = re.search(r'id="motion-frames">(.*?)</script>', section, re.S).group(1)
    assert 'id="motion-previous"' in section and 'id="motion-next"' in section
    shown = subprocess.run(
        ["node", "-e", DOM_SHIM, data, hash],
        input=report.MOTION_SCRIPT,
        capture_output=True,
        text=True,
        check=True,
    )
    states = json.loads(shown.stdout)
    frames_json = json.loads(data)["frames"]
    after_next, after_two_back = min(first + 1, 4), max(min(first + 1, 4) - 2, 1)
    for state, k in zip(states, (first, after_next, after_two_back), strict=True):
        assert state["label"] == f"epoch {k - 1} (frame {k} of 4)"
        assert state["src"] == frames_json[k - 1]
    assert states[0]["scrolled"] == scrolled
