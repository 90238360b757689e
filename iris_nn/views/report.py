"""The run report: every figure of a run redrawn from its saved files, and one HTML page.

``render_run`` reads only what ``train`` wrote (``model.npz``, ``history.csv``, ``metrics.json``,
``split.json``, ``probabilities.csv``, ``config.toml``), so ``iris-nn plot`` can redraw a run
without retraining. Every file is written to a temporary name and renamed, so a redraw that fails
half-way never leaves half a PNG or half a page.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn.core.network import describe
from iris_nn.data.datasets import DatasetInfo, get_dataset
from iris_nn.store.rundir import PLOTS_DIR, REPORT_FILE, SNAPSHOTS_FILE, RunFiles, write_atomic
from iris_nn.views.figures import FIGURES, PICTURES_NOTE, RunView, figures_for, load_view
from iris_nn.views.presentation import get_style, present
from iris_nn.views.style import png_bytes, vector_bytes


def render_run(
    run_dir: str | Path,
    run_name: str | None = None,
    formats: Sequence[str] = (),
    view: RunView | None = None,
) -> list[Path]:
    """Draw every figure of the run into ``run_dir/plots/`` and write ``run_dir/report.html``.

    Parameters
    ----------
    run_dir : str or Path
        A run directory (or one under construction) holding the files ``train`` writes.
    run_name : str, optional
        The name shown in titles; the directory's name when omitted.
    formats : sequence of str
        ``svg`` and/or ``pdf``: each figure is also written in these formats beside its PNG.
    view : RunView, optional
        The run already loaded (``load_view``): its data set is then not read again.

    Returns
    -------
    list of Path
        The files written: the figures, then the report.
    """
    view = view or load_view(run_dir, run_name)
    out = view.run.path / PLOTS_DIR
    out.mkdir(exist_ok=True)
    written, images = [], {}
    style = get_style(view.style)
    for spec in figures_for(view):  # one at a time: a figure's memory is freed before the next
        fig = present(spec.draw(view), style, spec.fit)
        png = png_bytes(fig)
        write_atomic(out / spec.name, png)
        written.append(out / spec.name)
        images[spec.name] = png
        for fmt in formats:
            path = (out / spec.name).with_suffix(f".{fmt}")
            write_atomic(path, vector_bytes(fig, fmt))
            written.append(path)
    report = view.run.path / REPORT_FILE
    motion = motion_section(view.run.path / PLOTS_DIR)
    page = report_html(view.run, view.name, images, motion, view.info, view.style)
    write_atomic(report, page.encode("utf-8"))
    written.append(report)
    return written


# ----------------------------------------------------------------------------- the page

STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 70rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0; word-break: break-all; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin-top: .2rem; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { padding: .25rem .8rem; border-bottom: 1px solid #e4e4e4; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
thead th { border-bottom: 2px solid #bbb; }
pre { background: #f6f6f6; padding: .8rem 1rem; overflow-x: auto; font-size: 13px; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; max-width: 52rem; }
.grid { display: flex; flex-wrap: wrap; gap: 0 3rem; }
"""
# plots.style: talk is read across a room (a larger base font, the whole width), dark is talk in
# light text on a dark ground; every colour pair stays at WCAG's 4.5:1 or more
TALK_STYLE = """
body { font-size: 20px; max-width: 96rem; }
pre { font-size: 18px; }
"""
DARK_STYLE = """
body { background: #121212; color: #F0F0F0; }
.sub { color: #C8C8C8; }
figcaption { color: #DCDCDC; }
pre { background: #1E1E1E; color: #F0F0F0; }
th, td { border-bottom-color: #555; }
h2 { border-bottom-color: #555; }
a { color: #8AB4F8; }
figure img { border-color: #333; }
"""


def page_style(style: str) -> str:
    """Return the report's CSS for ``plots.style``."""
    extra = {"paper": "", "talk": TALK_STYLE, "dark": TALK_STYLE + DARK_STYLE}[style]
    return STYLE + extra


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any, fmt: str = "{:.4f}") -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "—" if value is None else _e(value)
    return _e(fmt.format(value))


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Return an HTML table; ``header`` is escaped here, the cells must already be."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def summary_table(run: RunFiles, info: DatasetInfo) -> str:
    """Return the run's summary as a two-column table, every value escaped."""
    m, meta = run.metrics, run.model.meta
    net = run.model.net
    test = m.get("test") or {}
    shape = "-".join(str(s) for s in net.sizes)
    if net.hidden:
        layers = "layer" if len(net.hidden) == 1 else "layers"
        network = f"{shape}: {net.activation} hidden {layers}, SoftMax outputs"
    else:
        network = f"{describe(net.sizes, None)}, SoftMax outputs"
    rows = [
        ("status", _e(m.get("status"))),
        ("data", _e(f"{info.name}: {len(info.classes)} classes of {info.target}")),
        ("network", _e(network)),
        ("inputs", _e(", ".join(run.model.features))),
        ("scaling", _e(meta.get("scaling"))),
        ("epochs run", _e(m.get("epochs_run"))),
        ("stopped because", _e(str(m.get("stop_reason")).replace("_", " "))),
        ("best epoch", _e(m.get("best_epoch"))),
        ("test accuracy", _num(test.get("accuracy"), "{:.3f}")),
        ("test log loss", _num(test.get("log_loss"))),
        ("seed", _e(m.get("seed"))),
        ("created (UTC)", _e(meta.get("created"))),
        ("training time (epochs)", _num(m.get("train_time_s", m.get("wall_time_s")), "{:.2f} s")),
        ("run time (in all)", _num(m.get("wall_time_s"), "{:.2f} s")),
        ("versions", _e(", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items()))),
    ]
    body = "".join(
        f'<tr><th scope="row">{_e(k)}</th><td class="text">{v}</td></tr>' for k, v in rows
    )
    return f"<table><tbody>{body}</tbody></table>"


def _metrics(run: RunFiles, info: DatasetInfo) -> str:
    m = run.metrics
    parts = []
    for part in ("train", "val", "test"):
        r = m.get(part)
        if isinstance(r, dict):
            parts.append(
                [
                    _e(part),
                    _num(r.get("n"), "{:d}"),
                    _num(r.get("accuracy"), "{:.3f}"),
                    _num(r.get("log_loss")),
                ]
            )
        else:
            parts.append([_e(part), "0", "—", "—"])
    target = info.target.replace("_", " ")
    per_class = [
        [_e(c)]
        + [_num(v.get(k), "{:.3f}") for k in ("precision", "recall", "f1")]
        + [_num(v.get("support"), "{:d}")]
        for c, v in (m.get("per_class") or {}).items()
        if isinstance(v, dict)
    ]
    return (
        '<div class="grid"><div><h3>Per split</h3>'
        + _table(["split", info.nouns, "accuracy", "log loss"], parts)
        + f"</div><div><h3>Per {_e(target)}, on the test {_e(info.nouns)}</h3>"
        + _table([target, "precision", "recall", "F1", "support"], per_class)
        + "</div></div>"
    )


MOTION_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("motion-frames").textContent);
  var img = document.getElementById("motion-frame"), slider = document.getElementById("motion-slider");
  var label = document.getElementById("motion-epoch"), button = document.getElementById("motion-play");
  var last = data.frames.length - 1, timer = null;
  function show(k) {
    k = Math.max(0, Math.min(k, last));
    slider.value = k; img.src = data.frames[k];
    label.textContent = "epoch " + data.epochs[k] + " (frame " + (k + 1) + " of " + data.frames.length + ")";
  }
  function stop() { clearInterval(timer); timer = null; button.textContent = "Play"; }
  slider.addEventListener("input", function () { stop(); show(+slider.value); });
  document.getElementById("motion-previous").addEventListener("click", function () { stop(); show(+slider.value - 1); });
  document.getElementById("motion-next").addEventListener("click", function () { stop(); show(+slider.value + 1); });
  button.addEventListener("click", function () {
    if (timer) { stop(); return; }
    if (+slider.value === last) show(0);
    button.textContent = "Pause";
    timer = setInterval(function () {
      var k = +slider.value + 1;
      if (k > last) { stop(); return; }
      show(k);
    }, data.ms);
  });
  document.getElementById("motion-controls").hidden = false;
  // #frame=N counts from 1, as the label does, and brings the player into view
  function fromHash() {
    var m = /frame=(\\d+)/.exec(location.hash);
    if (!m) return false;
    stop(); show(+m[1] - 1);
    document.getElementById("motion").scrollIntoView();
    return true;
  }
  window.addEventListener("hashchange", fromHash);
  if (!fromHash()) show(last);
})();
"""


def motion_section(plots: Path) -> str:
    """Return the "Training, epoch by epoch" section from ``plots/training.gif``, or "" without it.

    The page holds the GIF's own frames (so they cannot differ from it), an epoch slider and a
    play button; without JavaScript it shows the GIF itself.
    """
    from iris_nn.store.jsontext import dumps
    from iris_nn.views.animation import ANIMATION_FILE, FRAME_MS, frame_indices, gif_frames

    gif = plots / ANIMATION_FILE
    if not gif.is_file():
        return ""
    frames = gif_frames(gif)
    try:
        with np.load(plots.parent / SNAPSHOTS_FILE) as npz:
            epochs = [int(e) for e in npz["epochs"][frame_indices(npz["epochs"])]]
    except Exception:  # snapshots gone since the GIF was drawn: frames are still frames
        epochs = []
    if len(epochs) != len(frames):
        epochs = list(range(len(frames)))
    data = {
        "ms": FRAME_MS,
        "epochs": epochs,
        "frames": ["data:image/png;base64," + base64.b64encode(f).decode("ascii") for f in frames],
    }
    gif_uri = "data:image/gif;base64," + base64.b64encode(gif.read_bytes()).decode("ascii")
    return (
        '<h2 id="motion">Training, epoch by epoch</h2>\n'
        "<p>The network as training moved it, at the epochs of <code>snapshots.npz</code> (spread "
        "evenly on a log scale: training changes fastest at the start): the decision regions, the "
        "SoftMax probabilities of the followed training flowers, and the loss so far. Drag the "
        "slider, step with the arrows or press Play; <code>#frame=N</code> at the end of the "
        "page's address opens frame N (from 1).</p>\n"
        f'<figure><img id="motion-frame" src="{gif_uri}" alt="training, epoch by epoch">\n'
        '<div id="motion-controls" hidden><button id="motion-play" type="button">Play</button> '
        '<button id="motion-previous" type="button" aria-label="previous frame">&#9664;</button> '
        '<button id="motion-next" type="button" aria-label="next frame">&#9654;</button> '
        f'<input id="motion-slider" type="range" min="0" max="{len(frames) - 1}" '
        f'value="{len(frames) - 1}" style="width: 40rem; max-width: 70%"> '
        '<span id="motion-epoch"></span></div></figure>\n'
        # "</" never appears inside the JSON of data URIs and numbers, so the script block is safe.
        f'<script type="application/json" id="motion-frames">{dumps(data)}</script>\n'
        f"<script>{MOTION_SCRIPT}</script>\n"
    )


def report_html(
    run: RunFiles,
    name: str,
    images: dict[str, bytes],
    motion: str = "",
    info: DatasetInfo | None = None,
    style: str = "paper",
) -> str:
    """Return the self-contained report page of ``run`` with the PNGs in ``images`` embedded.

    ``motion`` is the "Training, epoch by epoch" section (empty without an animation); ``info`` is
    the run's data set (the registry's entry of the model's data set when omitted).
    """
    info = info or get_dataset(run.model.dataset)
    trained_on = "the Iris flowers" if info.name == "iris" else f"the {info.name} data"
    figures = []
    for f in FIGURES:
        if f.name not in images:
            continue
        data = base64.b64encode(images[f.name]).decode("ascii")
        figures.append(
            f'<figure id="{_e(f.name[:-4])}"><h3>{_e(f.title)}</h3>'
            f'<img src="data:image/png;base64,{data}" alt="{_e(f.title)}">'
            f"<figcaption>{_e(f.reading(info))}</figcaption></figure>"
        )
    pictures = ""
    if "images.png" in images:  # image data: say why the sweeps are not there (SPEC 16)
        words = {"noun": info.noun, "nouns": info.nouns}
        pictures = f"<p>{_e(PICTURES_NOTE.format(**words))}</p>\n"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>iris-nn run {_e(name)}</title>\n<style>{page_style(style)}</style>\n</head>\n<body>\n"
        f"<h1>iris-nn run {_e(name)}</h1>\n"
        f'<p class="sub">A neural network trained on {_e(trained_on)}: a forward pass to raw '
        "outputs, SoftMax to probabilities, cross-entropy loss, backpropagation and gradient "
        f"descent; ArgMax picks the {_e(info.target.replace('_', ' '))}.</p>\n"
        f"<h2>Summary</h2>\n{summary_table(run, info)}\n"
        f"<h2>Metrics</h2>\n{_metrics(run, info)}\n"
        f"<h2>Plots</h2>\n{pictures}{''.join(figures)}\n"
        f"{motion}"
        "<h2>Config</h2>\n<p>The resolved config, saved as the run's <code>config.toml</code>: "
        "<code>iris-nn train -c RUN/config.toml</code> reproduces identical weights.</p>\n"
        f"<pre>{_e(run.config_text)}</pre>\n"
        "</body>\n</html>\n"
    )
