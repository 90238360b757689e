"""report.html and `iris-nn plot`: a valid self-contained page, escaped strings, safe redraws."""

import base64
import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from conftest import run
from matplotlib.image import imread

from iris_nn.views import training
from iris_nn.views.figures import FIGURES, figures_for, load_view
from iris_nn.views.report import render_run
from iris_nn.views.style import vector_bytes

VOID = {"meta", "img", "br", "hr", "link", "input", "col", "area", "base", "wbr", "source"}


class Page(HTMLParser):
    """Collect the images of a page and check that every element is closed in order."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.images: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])
            assert dict(attrs).get("alt")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    page = Page()
    page.feed(text)
    page.close()
    assert page.stack == [], f"unclosed: {page.stack}"
    return page


@pytest.fixture
def run_dir(drawn_run):
    """Return the shared drawn run (conftest), which these tests only read or copy."""
    return drawn_run


def test_report_is_valid_and_self_contained(run_dir):
    page = parse(run_dir / "report.html")
    assert {"html", "head", "title", "body", "table", "figure", "figcaption", "pre"} <= page.tags
    assert len(page.images) == len(figures_for(load_view(run_dir)))
    for src in page.images:
        assert src.startswith("data:image/png;base64,")  # nothing fetched: opens offline
        pixels = imread(io.BytesIO(base64.b64decode(src.split(",", 1)[1], validate=True)))
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    text = " ".join(page.text)
    for words in ("Summary", "Metrics", "Config", "per species", "test", "val", "precision"):
        assert words.lower() in text.lower()
    for species in ("setosa", "versicolor", "virginica"):
        assert species in text


def test_embedded_strings_are_escaped(run_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    with open(copy / "config.toml", "a") as f:
        f.write('# </pre><script>alert("config")</script>\n')
    render_run(copy, run_name='<script>alert("name")</script>&')
    html = (copy / "report.html").read_text()
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;&amp;" in html
    assert "&lt;/pre&gt;&lt;script&gt;" in html
    parse(copy / "report.html")


@pytest.mark.slow
def test_plot_redraws_the_same_files(drawn_run, tmp_path):
    run_dir = tmp_path / drawn_run.name  # a copy: the shared run stays as train drew it
    shutil.copytree(drawn_run, run_dir)
    before = {p.name: p.read_bytes() for p in (run_dir / "plots").iterdir()}
    report = (run_dir / "report.html").read_bytes()
    for p in (run_dir / "plots").iterdir():
        p.unlink()
    (run_dir / "report.html").unlink()
    result = run("plot", run_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(run_dir / "report.html")
    after = {p.name: p.read_bytes() for p in (run_dir / "plots").iterdir()}
    assert after == before  # the same names, byte for byte
    assert (run_dir / "report.html").read_bytes() == report
    assert not [p for p in run_dir.rglob(".*")]  # no temporary file left behind


def older_run(run_dir: Path, tmp_path: Path) -> Path:
    """Return a copy of ``run_dir`` without the fields added after the first release."""
    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    lines = (old / "history.csv").read_text().splitlines()
    assert lines[0].endswith(",lr,test_loss,test_accuracy")
    (old / "history.csv").write_text("".join(",".join(x.split(",")[:6]) + "\n" for x in lines))
    metrics = json.loads((old / "metrics.json").read_text())
    for key in ("tracked", "kept_epoch", "dead_units", "train_time_s"):
        del metrics[key]
    (old / "metrics.json").write_text(json.dumps(metrics))
    (old / "snapshots.npz").unlink()
    return old


@pytest.mark.slow
def test_an_older_run_still_loads_and_draws(run_dir, tmp_path):
    old = older_run(run_dir, tmp_path)
    result = run("plot", old)
    assert result.exit_code == 0, result.output
    history = load_view(old).run.history
    assert np.isnan(history["test_loss"]).all() and np.isnan(history["test_accuracy"]).all()
    labels = training.loss_figure(history, 3, "epochs", "r").axes[0].get_legend_handles_labels()[1]
    assert labels[0] == "training rows" and not [x for x in labels if x.startswith("test")]
    view = load_view(old)
    epochs, rows, P = view.run.tracked
    evolution = next(f for f in FIGURES if f.name == "probability_evolution.png").draw(view)
    for ax, row in zip(evolution.axes, dict.fromkeys(rows), strict=True):
        first = training.first_right_epoch(epochs[rows == row], P[rows == row], view.y[row])
        said = "never names it" if first is None else f"first right at recorded epoch {first}"
        assert said in ax.get_title()  # from the recorded epochs alone
    new = load_view(run_dir).run.history
    labels = training.loss_figure(new, 3, "epochs", "r").axes[0].get_legend_handles_labels()[1]
    assert "test rows (shown only: never used for training)" in labels


def test_plot_help_has_an_example():
    result = run("plot", "--help")
    assert result.exit_code == 0 and "Example" in result.stdout and "RUN_DIR" in result.stdout


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "model.npz").unlink(), "holds no model.npz"),
        (lambda d: (d / "model.npz").write_bytes(b"not a zip"), "not a usable iris-nn model"),
        (lambda d: (d / "history.csv").unlink(), "history.csv is missing"),
        (lambda d: (d / "history.csv").write_text("epoch,nonsense\n1,2\n"), "has no column"),
        (lambda d: (d / "metrics.json").write_text("{"), "metrics.json is not valid JSON"),
        (lambda d: (d / "split.json").write_text('{"train": [999]}'), "split.json"),
        (lambda d: (d / "probabilities.csv").write_text("epoch,row\n"), "probabilities.csv"),
    ],
)
def test_plot_of_a_broken_run_fails_in_one_line(run_dir, tmp_path, damage, message):
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    damage(broken)
    result = run("plot", broken)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_plot_of_a_missing_run_fails(tmp_path):
    result = run("plot", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert result.stderr == f"Error: run directory '{tmp_path / 'nowhere'}' does not exist\n"


@pytest.mark.slow
def test_plot_also_writes_vector_figures(run_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    result = run("plot", copy, "--format", "svg")
    assert result.exit_code == 0, result.output
    pngs = sorted(p.stem for p in (copy / "plots").glob("*.png"))
    assert sorted(p.stem for p in (copy / "plots").glob("*.svg")) == pngs
    for name in pngs:
        assert b"<svg" in (copy / "plots" / f"{name}.svg").read_bytes()[:2000]
    assert not list((run_dir / "plots").glob("*.svg"))  # without --format, PNGs only
    # pdf goes the same way; a redraw is identical in both formats (no dates, no random ids)
    view = load_view(copy)
    for fmt in ("svg", "pdf"):
        once, again = (vector_bytes(FIGURES[3].draw(view), fmt) for _ in range(2))
        assert once == again and (once.startswith(b"%PDF-") or fmt == "svg")


def test_plot_refuses_other_formats(run_dir):
    result = run("plot", run_dir, "--format", "jpg")
    assert result.exit_code == 2 and "'jpg' is not one of 'png', 'svg', 'pdf'" in result.stderr


def test_the_report_says_how_to_read_every_figure(run_dir):
    page = parse(run_dir / "report.html")
    text = " ".join(" ".join(page.text).split())
    view = load_view(run_dir)
    info = view.info  # captions speak of the data set's rows: flowers, species
    for spec in figures_for(view):
        assert spec.title in text and " ".join(spec.reading(info).split()) in text, spec.name
        assert "{" not in spec.reading(info), spec.name


def test_the_summary_gives_the_epochs_time_and_the_whole_runs_beside_it(run_dir):
    m = json.loads((run_dir / "metrics.json").read_text())
    page = (run_dir / "report.html").read_text()
    assert f'training time (epochs)</th><td class="text">{m["train_time_s"]:.2f} s<' in page
    assert f'run time (in all)</th><td class="text">{m["wall_time_s"]:.2f} s<' in page
