"""The run report: every figure of a run redrawn from its saved files, and one HTML page.

``render_run`` reads only what ``train`` wrote (``model.npz``, ``history.csv``, ``metrics.json``,
``split.json``, ``probabilities.csv``, ``config.toml``), so ``iris-nn plot`` can redraw a run
without retraining. Every file is written to a temporary name and renamed, so a redraw that fails
half-way never leaves half a PNG or half a page.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iris_nn import plots
from iris_nn.data import Split, load_iris_data
from iris_nn.functional import Array
from iris_nn.store import Model, RunError, load_model
from iris_nn.train import HISTORY_COLUMNS

PLOTS_DIR = "plots"
REPORT_FILE = "report.html"


@dataclass(frozen=True)
class PlotInfo:
    """One figure of the report: its file name, heading and a line on how to read it."""

    name: str
    heading: str
    how_to_read: str


FIGURES = (
    PlotInfo(
        "loss.png",
        "Loss and accuracy",
        "Cross-entropy should fall and accuracy rise; with validation rows, a validation curve "
        "that turns up while the training curve keeps falling is overfitting. The star marks the "
        "lowest loss; with early stopping, that epoch's weights are the ones kept.",
    ),
    PlotInfo(
        "probability_curves.png",
        "SoftMax probability curves",
        "Move along one measurement with the others held at their training median: the curves are "
        "the SoftMax probabilities (they add up to 1 at every point), the shade behind is the "
        "species ArgMax picks, and the ticks below are the training flowers of each species.",
    ),
    PlotInfo(
        "decision_regions.png",
        "Decision regions",
        "Each point of the plane is coloured by the species ArgMax picks there, paler where "
        "SoftMax is less sure; training flowers have a white edge, test flowers a black one, and "
        "ringed flowers are the ones the model gets wrong (judged on all their measurements).",
    ),
    PlotInfo(
        "confusion_matrix.png",
        "Confusion matrix",
        "Rows are the true species of the test flowers, columns the species ArgMax predicted: "
        "everything off the diagonal is a mistake.",
    ),
    PlotInfo(
        "softmax_argmax.png",
        "From raw outputs to a prediction",
        "For one test flower of each species, read left to right: the raw outputs of the network, "
        "SoftMax turning them into probabilities between 0 and 1 that add up to 1, and ArgMax "
        "setting the largest to 1 and the rest to 0.",
    ),
    PlotInfo(
        "probability_evolution.png",
        "SoftMax probabilities during training",
        "Each panel follows one training flower: its probabilities start wherever the random "
        "initial weights put them (the dotted line is 1/3, no preference) and the true species' "
        "curve (the thicker one) should climb towards 1; the dashed line is the first epoch where "
        "ArgMax names the right species.",
    ),
)
FIGURE_NAMES = tuple(f.name for f in FIGURES)


@dataclass(frozen=True)
class RunFiles:
    """The saved files of one run, read back."""

    path: Path
    model: Model
    history: dict[str, Array]  # column -> (n_epochs + 1,)
    metrics: dict[str, Any]
    split: Split
    tracked: tuple[
        NDArray[np.integer], NDArray[np.integer], Array
    ]  # epochs (m,), rows (m,), probabilities (m, n_classes)
    config_text: str


def _bad(path: Path, why: str) -> RunError:
    return RunError(f"cannot draw the run: {path} {why}")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _bad(path, "is missing") from None
    except (OSError, UnicodeDecodeError) as e:
        raise _bad(path, f"is unreadable ({e})") from None


def _float(text: str) -> float:
    return float(text) if text.strip() else math.nan


def _read_csv(path: Path, required: tuple[str, ...]) -> dict[str, Array]:
    lines = _read_text(path).splitlines()
    reader = csv.DictReader(lines)
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise _bad(path, f"has no column {', '.join(missing)}")
    try:
        records = list(reader)
        columns = {
            c: np.array([_float(r[c] or "") for r in records]) for c in reader.fieldnames or []
        }
    except (ValueError, TypeError):
        raise _bad(path, "holds a value that is not a number") from None
    if not records:
        raise _bad(path, "holds no rows")
    return columns


def _read_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError:
        raise _bad(path, "is not valid JSON") from None


def read_run(run_dir: str | Path) -> RunFiles:
    """Return the saved files of the run in ``run_dir``; raise RunError or ModelError if unusable.

    Every file is checked as it is read, so a damaged run fails with one message naming the file.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise RunError(f"run directory {str(run_dir)!r} does not exist")
    model = load_model(path)
    history = _read_csv(path / "history.csv", HISTORY_COLUMNS)
    metrics = _read_json(path / "metrics.json")
    if not isinstance(metrics, dict) or not isinstance(metrics.get("test"), dict):
        raise _bad(path / "metrics.json", "is not a metrics record")
    raw_split = _read_json(path / "split.json")
    try:
        split = Split(*(np.asarray(raw_split[k], dtype=np.intp) for k in ("train", "val", "test")))
    except (KeyError, TypeError, ValueError):
        raise _bad(path / "split.json", "is not a train/val/test split") from None
    if any(np.any((a < 0) | (a >= 150)) for a in (split.train, split.val, split.test)) or not len(
        split.train
    ):
        raise _bad(path / "split.json", "holds row indices outside 0..149 or no training rows")
    columns = _read_csv(path / "probabilities.csv", ("epoch", "row", *model.classes))
    P = np.column_stack([columns[c] for c in model.classes])
    rows = columns["row"].astype(np.intp)
    if np.any((rows < 0) | (rows >= 150)) or not np.all(np.isfinite(P)):
        raise _bad(path / "probabilities.csv", "holds rows outside 0..149 or missing values")
    tracked = (columns["epoch"].astype(np.int64), rows, P)
    return RunFiles(path, model, history, metrics, split, tracked, _read_text(path / "config.toml"))


def draw(run: RunFiles, run_name: str) -> dict[str, Callable[[], Any]]:
    """Return one drawing function per figure file name (called one at a time to save memory)."""
    X, y = load_iris_data(tuple(run.model.features))
    m = run.metrics
    cm = m.get("confusion_matrix") or {}
    classes = run.model.classes
    epochs, rows, P = run.tracked
    return {
        "loss.png": lambda: plots.loss_figure(
            run.history,
            int(m.get("best_epoch") or run.history["epoch"][-1]),
            str(m.get("stop_reason")),
            run_name,
        ),
        "probability_curves.png": lambda: plots.probability_curves_figure(
            run.model, X, y, run.split, run_name
        ),
        "decision_regions.png": lambda: plots.decision_regions_figure(
            run.model, X, y, run.split, run_name
        ),
        "confusion_matrix.png": lambda: plots.confusion_matrix_figure(
            np.asarray(cm.get("matrix", np.zeros((len(classes),) * 2))), classes, run_name
        ),
        "softmax_argmax.png": lambda: plots.softmax_argmax_figure(
            run.model, X, y, plots.example_rows(y, run.split.test, len(classes)), run_name
        ),
        "probability_evolution.png": lambda: plots.probability_evolution_figure(
            epochs, rows, P, y, classes, run_name
        ),
    }


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: all or nothing."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def render_run(run_dir: str | Path, run_name: str | None = None) -> list[Path]:
    """Draw every figure of the run into ``run_dir/plots/`` and write ``run_dir/report.html``.

    Parameters
    ----------
    run_dir : str or Path
        A run directory (or one under construction) holding the files ``train`` writes.
    run_name : str, optional
        The name shown in titles; the directory's name when omitted.

    Returns
    -------
    list of Path
        The files written: the PNGs, then the report.
    """
    run = read_run(run_dir)
    name = run_name or run.path.resolve().name
    out = run.path / PLOTS_DIR
    out.mkdir(exist_ok=True)
    written, images = [], {}
    for file_name, make in draw(run, name).items():
        png = plots.png_bytes(make())
        write_atomic(out / file_name, png)
        written.append(out / file_name)
        images[file_name] = png
    write_atomic(run.path / REPORT_FILE, report_html(run, name, images).encode("utf-8"))
    written.append(run.path / REPORT_FILE)
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


def _summary(run: RunFiles) -> str:
    """Return the run's summary as a two-column table, every value escaped."""
    m, meta = run.metrics, run.model.meta
    net = run.model.net
    test = m.get("test") or {}
    shape = "-".join(str(s) for s in net.sizes)
    if net.hidden:
        layers = "layer" if len(net.hidden) == 1 else "layers"
        network = f"{shape}: {net.activation} hidden {layers}, SoftMax outputs"
    else:
        network = f"{shape}: no hidden layer (softmax regression)"
    rows = [
        ("status", _e(m.get("status"))),
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
        ("training time", _num(m.get("wall_time_s"), "{:.2f} s")),
        ("versions", _e(", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items()))),
    ]
    body = "".join(
        f'<tr><th scope="row">{_e(k)}</th><td class="text">{v}</td></tr>' for k, v in rows
    )
    return f"<table><tbody>{body}</tbody></table>"


def _metrics(run: RunFiles) -> str:
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
    per_class = [
        [_e(c)]
        + [_num(v.get(k), "{:.3f}") for k in ("precision", "recall", "f1")]
        + [_num(v.get("support"), "{:d}")]
        for c, v in (m.get("per_class") or {}).items()
        if isinstance(v, dict)
    ]
    return (
        '<div class="grid"><div><h3>Per split</h3>'
        + _table(["split", "flowers", "accuracy", "log loss"], parts)
        + "</div><div><h3>Per species, on the test flowers</h3>"
        + _table(["species", "precision", "recall", "F1", "support"], per_class)
        + "</div></div>"
    )


def report_html(run: RunFiles, name: str, images: dict[str, bytes]) -> str:
    """Return the self-contained report page of ``run`` with the PNGs in ``images`` embedded."""
    figures = []
    for f in FIGURES:
        if f.name not in images:
            continue
        data = base64.b64encode(images[f.name]).decode("ascii")
        figures.append(
            f'<figure id="{_e(f.name[:-4])}"><h3>{_e(f.heading)}</h3>'
            f'<img src="data:image/png;base64,{data}" alt="{_e(f.heading)}">'
            f"<figcaption>{_e(f.how_to_read)}</figcaption></figure>"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>iris-nn run {_e(name)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>iris-nn run {_e(name)}</h1>\n"
        '<p class="sub">A neural network trained on the Iris flowers: a forward pass to raw '
        "outputs, SoftMax to probabilities, cross-entropy loss, backpropagation and gradient "
        "descent; ArgMax picks the species.</p>\n"
        f"<h2>Summary</h2>\n{_summary(run)}\n"
        f"<h2>Metrics</h2>\n{_metrics(run)}\n"
        f"<h2>Plots</h2>\n{''.join(figures)}\n"
        "<h2>Config</h2>\n<p>The resolved config, saved as the run's <code>config.toml</code>: "
        "<code>iris-nn train -c RUN/config.toml</code> reproduces identical weights.</p>\n"
        f"<pre>{_e(run.config_text)}</pre>\n"
        "</body>\n</html>\n"
    )
