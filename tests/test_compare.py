"""`iris-nn compare`: the config keys that differ, the metrics side by side, the loss figure."""

import csv
import itertools
import json
import os
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import error, ok, run
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.text import Text

from iris_nn.comparison.compare import ComparedRun, Comparison, compare, differences
from iris_nn.settings.schema import ABSENT_BY_DEFAULT
from iris_nn.settings.schema import SETTINGS as FIELDS
from iris_nn.store.rundir import read_config
from iris_nn.views.compare_plot import RUN_COLOURS, compare_figure, oscillates

TINY = ("--epochs", "5", "--no-plots", "-q")
RUNS = {  # name -> train options; each differs from "base" in the keys its name says
    "base": [],
    "same": [],
    "wine": ["--data", "wine"],  # another data set: 13 features and other classes
    "lr": ["--lr", "0.1"],
    "lr-hidden": ["--lr", "0.1", "--hidden", "4"],
    "petals": ["--hidden", "none", "--set", 'data.features=["petal_width", "petal_length"]'],
}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    """Return an --out directory with the tiny runs of RUNS, trained in that order."""
    out = tmp_path_factory.mktemp("compare") / "outputs"
    for name, options in RUNS.items():
        ok("train", "--out", out, "--name", name, *TINY, *options)
    return out


def copy_runs(out, tmp_path, *names):
    """Return a fresh --out holding copies of the runs ``names`` (to damage them safely)."""
    fresh = tmp_path / "outputs"
    for name in names:
        shutil.copytree(out / name, fresh / name)
    return fresh


ROOT = Path(__file__).resolve().parents[1]


def toml_values(path):
    """Return a config file (or a run's config.toml) as {dotted key: value}, read by tomllib
    alone: the oracle."""
    path = path / "config.toml" if path.is_dir() else path
    tree = tomllib.loads(path.read_text())
    flat = {k: v for k, v in tree.items() if not isinstance(v, dict)}
    for section, table in tree.items():
        if isinstance(table, dict):
            flat.update({f"{section}.{k}": v for k, v in table.items()})
    return flat


def compare_json(*args):
    return json.loads(ok("compare", *args, "--format", "json"))


# ----------------------------------------------------------------------------- what differs


@pytest.mark.parametrize(
    ("other", "keys"),
    [
        ("same", set()),
        ("wine", {"data.dataset"}),
        ("lr", {"train.lr"}),
        ("lr-hidden", {"train.lr", "model.hidden"}),
        ("petals", {"data.features", "model.hidden"}),
    ],
)
def test_json_lists_exactly_the_keys_that_differ_and_the_metrics_of_both(out, other, keys):
    data = compare_json("base", other, "--out", out)
    assert set(data) == {"runs", "differences", "metrics"}
    assert data["runs"] == ["base", other]
    a, b = toml_values(out / "base"), toml_values(out / other)
    # every key written (but those absent by default): tomllib is a full oracle
    assert a.keys() == b.keys() == set(FIELDS) - ABSENT_BY_DEFAULT
    expected = {k: [a[k], b[k]] for k in a if a[k] != b[k]}
    assert data["differences"] == expected and set(expected) == keys
    for name in ("base", other):
        saved = json.loads((out / name / "metrics.json").read_text())
        assert data["metrics"][name] == {
            "test_accuracy": saved["test"]["accuracy"],
            "test_log_loss": saved["test"]["log_loss"],
            "best_epoch": saved["best_epoch"],
            "epochs_run": saved["epochs_run"],
            "train_time_s": saved.get("train_time_s", saved["wall_time_s"]),
            "status": "completed",
        }


def test_runs_are_named_by_path_or_by_name_in_out_and_keep_their_order(out, monkeypatch):
    monkeypatch.chdir(out.parent)
    data = compare_json("outputs/lr", "base", "petals", "--out", out)
    assert data["runs"] == ["outputs/lr", "base", "petals"]
    assert list(data["metrics"]) == data["runs"]
    assert data["differences"]["train.lr"] == [0.1, 0.3, 0.3]
    assert data["differences"]["model.hidden"] == [[16], [16], []]


def test_a_key_an_older_config_lacks_takes_its_default_first(out, tmp_path):
    fresh = copy_runs(out, tmp_path, "base", "lr")
    for name in ("base", "lr"):  # an older version wrote fewer keys
        path = fresh / name / "config.toml"
        kept = [ln for ln in path.read_text().splitlines() if not ln.startswith(("nesterov", "l2"))]
        path.write_text("\n".join(kept) + "\n")
    assert compare_json("base", "lr", "--out", fresh)["differences"] == {"train.lr": [0.3, 0.1]}
    path = fresh / "lr" / "config.toml"  # without its lr line, run "lr" has the default lr
    path.write_text(path.read_text().replace("lr = 0.1\n", ""))
    assert compare_json("base", "lr", "--out", fresh)["differences"] == {}
    assert read_config(fresh / "lr")["train.lr"] == read_config(fresh / "base")["train.lr"] == 0.3


def test_read_config_of_a_bare_config_is_every_documented_default(tmp_path):
    (tmp_path / "config.toml").write_text('name = "old"\n[train]\nlr = 1\n')
    documented = toml_values(ROOT / "configs" / "default.toml")
    config = read_config(tmp_path)
    assert set(config) == set(FIELDS) == set(documented) | ABSENT_BY_DEFAULT
    expected = {**documented, "name": "old", "train.lr": 1.0}
    expected.update(dict.fromkeys(ABSENT_BY_DEFAULT))
    assert {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()} == expected
    assert isinstance(config["train.lr"], float)


def test_differences_keep_config_order_and_compare_every_run():
    configs = [{"a": 1, "b": (1,), "c": "x"}, {"a": 1, "b": (2,), "c": "x"}, {"a": 2, "b": (1,)}]
    assert differences(configs) == {"a": [1, 1, 2], "b": [(1,), (2,), (1,)], "c": ["x", "x", None]}
    assert differences(configs[:1] * 3) == {}


def test_train_time_prefers_train_time_s_and_falls_back_on_wall_time_s(out, tmp_path):
    fresh = copy_runs(out, tmp_path, "base", "lr")
    path = fresh / "lr" / "metrics.json"
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "train_time_s": 0.125}))
    older = fresh / "base" / "metrics.json"  # a run from before train_time_s
    base = {k: v for k, v in json.loads(older.read_text()).items() if k != "train_time_s"}
    older.write_text(json.dumps(base))
    metrics = compare_json("base", "lr", "--out", fresh)["metrics"]
    assert metrics["lr"]["train_time_s"] == 0.125
    assert metrics["base"]["train_time_s"] == base["wall_time_s"]


# ----------------------------------------------------------------------------- formats


def test_table_shows_the_differing_keys_then_the_metrics(out):
    lines = ok("compare", "base", "lr-hidden", "--out", out).splitlines()
    assert lines[0].split() == ["base", "lr-hidden"]
    assert [ln.split()[:3] for ln in lines[1:3]] == [
        ["model.hidden", "[16]", "[4]"],
        ["train.lr", "0.3", "0.1"],
    ]
    assert lines[3] == ""
    labels = ["test accuracy", "test log loss", "best epoch", "epochs run", "train time (s)"]
    assert [ln[: len(label)] for ln, label in zip(lines[4:9], labels, strict=True)] == labels
    assert lines[9].split() == ["status", "completed", "completed"]
    saved = json.loads((out / "lr-hidden" / "metrics.json").read_text())
    assert lines[4].split()[-1] == f"{saved['test']['accuracy']:.3f}"
    assert lines[5].split()[-1] == f"{saved['test']['log_loss']:.4f}"
    keys = len(FIELDS)  # every config key, however many later versions add
    assert lines[-1] == f"Only the config keys whose values differ are shown (2 of {keys})."


def test_table_of_identical_configs_says_so(out):
    text = ok("compare", "base", "same", "--out", out)
    assert text.splitlines()[1].startswith("test accuracy")
    ending = f"The configs are identical: all {len(FIELDS)} keys have the same values."
    assert text.rstrip().endswith(ending)


def test_markdown_is_one_table_ready_to_paste(out):
    text = ok("compare", "base", "petals", "--out", out, "--format", "markdown")
    table = text.split("\n\n")[0].splitlines()
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in table]
    assert cells[0] == ["", "base", "petals"]
    assert cells[1] == ["---", "---:", "---:"]
    assert cells[2] == ["`data.features`", "[]", '["petal_width", "petal_length"]']
    assert cells[3] == ["`model.hidden`", "[16]", "[]"]
    assert [row[0] for row in cells[4:]] == [
        "test accuracy",
        "test log loss",
        "best epoch",
        "epochs run",
        "train time (s)",
        "status",
    ]
    assert all(len(row) == 3 for row in cells) and all(r.endswith("|") for r in table)


# ----------------------------------------------------------------------------- which runs


def test_default_is_the_two_newest_completed_runs_older_first(out):
    data = compare_json("--out", out)
    assert data["runs"] == ["lr-hidden", "petals"]
    assert ok("compare", "--out", out).splitlines()[0].split() == ["lr-hidden", "petals"]


def set_status(run_dir, status):
    path = run_dir / "metrics.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "status": status}))


def test_an_interrupted_run_is_compared_when_named_and_skipped_by_default(out, tmp_path):
    fresh = copy_runs(out, tmp_path, "base", "lr", "petals")
    set_status(fresh / "petals", "interrupted")
    data = compare_json("petals", "base", "--out", fresh)
    assert [data["metrics"][r]["status"] for r in ("petals", "base")] == [
        "interrupted",
        "completed",
    ]
    assert ok("compare", "petals", "base", "--out", fresh).splitlines()[-3].split() == [
        "status",
        "interrupted",
        "completed",
    ]
    assert compare_json("--out", fresh)["runs"] == ["base", "lr"]


def test_damaged_runs_are_skipped_by_default_with_a_warning(out, tmp_path):
    fresh = copy_runs(out, tmp_path, "base", "same", "lr", "lr-hidden", "petals")
    (fresh / "petals" / "config.toml").unlink()
    (fresh / "lr-hidden" / "metrics.json").write_text(
        '{"status": "completed", "test": {}, "epochs_run": "five"}'
    )
    (fresh / "same" / "model.npz").write_bytes(b"junk")  # its age is unknown: always named
    result = run("compare", "--out", fresh, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"] == ["base", "lr"]
    assert result.stderr.splitlines() == [  # those too damaged to be listed first
        f"Warning: skipping lr-hidden: cannot use the run: {fresh / 'lr-hidden' / 'metrics.json'} "
        'field epochs_run is "five"; expected an integer 0 .. 1000000',
        f"Warning: skipping same: {fresh / 'same' / 'model.npz'} is not a usable iris-nn model: "
        "not a .npz file",
        f"Warning: skipping petals: cannot use the run: {fresh / 'petals' / 'config.toml'} "
        "is missing",
    ]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("n", [1, 21])
def test_fewer_than_2_or_more_than_20_runs_exit_2(out, n):
    names = [f"run{k}" for k in range(n)]  # counted before anything is read
    assert error(run("compare", *names, "--out", out), 2) == (
        f"Error: compare got {n} run{'s' if n > 1 else ''}; allowed: 2 to 20 runs, or none for "
        "the two newest completed runs in --out"
    )


def test_runs_named_twice_exit_2(out, monkeypatch):
    assert error(run("compare", "base", "base", "--out", out), 2) == (
        "Error: run 'base' is given twice; allowed: distinct runs"
    )
    monkeypatch.chdir(out.parent)
    assert error(run("compare", "base", "outputs/base/", "--out", out), 2) == (
        "Error: run 'outputs/base/' is the same run as 'base'; allowed: distinct runs"
    )


def test_a_name_that_is_not_a_run_exit_1(out, tmp_path):
    allowed = f"allowed: a run directory, or the name of a run in {out}/ (see `iris-nn runs`)"
    assert error(run("compare", "base", "nope", "--out", out), 1) == (
        f"Error: no run 'nope': no such directory, and no run of that name in {out}/; {allowed}"
    )
    (tmp_path / "plain").mkdir()
    assert error(run("compare", "base", tmp_path / "plain", "--out", out), 1) == (
        f"Error: '{tmp_path / 'plain'}' is not a run: a run is a directory holding model.npz and "
        f"metrics.json; {allowed}"
    )
    model = out / "base" / "model.npz"
    assert error(run("compare", "base", model, "--out", out), 1) == (
        f"Error: '{model}' is not a run: a run is a directory holding model.npz and "
        f"metrics.json; {allowed}"
    )
    hidden = tmp_path / ".base.tmp-1"
    shutil.copytree(out / "base", hidden)
    assert error(run("compare", "base", hidden, "--out", out), 1) == (
        f"Error: '{hidden}' is a hidden directory (a run in progress, or left by a stopped "
        f"train), never a run; {allowed}"
    )


@pytest.mark.parametrize(
    ("damage", "file", "why"),
    [
        (lambda r: (r / "config.toml").unlink(), "config.toml", "is missing"),
        (lambda r: (r / "model.npz").unlink(), "model.npz", "is missing"),
        (lambda r: (r / "metrics.json").write_text("{"), "metrics.json", "is not valid JSON"),
        (
            lambda r: (r / "config.toml").write_text("[train]\nlr = -1\n"),
            "config.toml",
            "holds a bad config (train.lr = -1 is not allowed; allowed: 0 < x <= 1000)",
        ),
        (
            lambda r: (r / "config.toml").write_text("lr = "),
            "config.toml",
            "is not valid TOML (Invalid value (at end of document))",
        ),
        (
            lambda r: (r / "metrics.json").write_text('{"test": {"log_loss": NaN}}'),
            "metrics.json",
            "field test.log_loss is nan; expected a number >= 0",
        ),
    ],
)
def test_a_damaged_named_run_exit_1_naming_the_file(out, tmp_path, damage, file, why):
    fresh = copy_runs(out, tmp_path, "base", "lr")
    damage(fresh / "lr")
    assert error(run("compare", "base", "lr", "--out", fresh), 1) == (
        f"Error: cannot use the run: {fresh / 'lr' / file} {why}"
    )


def test_a_missing_history_is_damage_only_for_the_figure(out, tmp_path):
    fresh = copy_runs(out, tmp_path, "base", "lr")
    (fresh / "lr" / "history.csv").unlink()
    ok("compare", "base", "lr", "--out", fresh)
    plot = tmp_path / "c.png"
    assert error(run("compare", "base", "lr", "--out", fresh, "--plot", plot), 1) == (
        f"Error: cannot use the run: {fresh / 'lr' / 'history.csv'} is missing"
    )
    assert not plot.exists()


def test_too_few_runs_for_the_default_exit_1(out, tmp_path):
    empty = tmp_path / "empty"
    assert error(run("compare", "--out", empty), 1) == (
        f"Error: no completed runs in {empty}/ to compare: run `iris-nn train` twice first"
    )
    one = copy_runs(out, tmp_path, "base")
    assert error(run("compare", "--out", one), 1) == (
        f"Error: only one completed run in {one}/ (base), and compare needs two: train another, "
        "or name the runs to compare"
    )


@pytest.mark.parametrize("name", ["loss.jpg", "loss", "loss.png.txt", "png"])
def test_plot_without_a_known_extension_exit_2_before_any_work(tmp_path, name):
    # The runs do not exist: the --plot error comes first, so nothing was read.
    assert error(run("compare", "a", "b", "--out", tmp_path, "--plot", tmp_path / name), 2) == (
        f"Error: --plot '{tmp_path / name}': the extension chooses the format; allowed: .png, "
        ".svg, .pdf"
    )
    assert list(tmp_path.iterdir()) == []


def test_plot_in_a_missing_or_unwritable_directory_exit_1_before_any_work(tmp_path):
    target = tmp_path / "no" / "c.png"
    assert error(run("compare", "a", "b", "--plot", target), 1) == (
        f"Error: cannot write the plot {target}: no directory {target.parent}"
    )
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        result = run("compare", "a", "b", "--plot", locked / "c.png", "--out", tmp_path)
        if os.access(locked, os.W_OK):  # as root every directory is writable: runs come next
            assert error(result, 1).startswith("Error: no run 'a'")
        else:
            assert error(result, 1) == (
                f"Error: cannot write the plot {locked / 'c.png'}: directory {locked} is not "
                "writable"
            )
    finally:
        locked.chmod(0o700)


# ----------------------------------------------------------------------------- the figure


@pytest.mark.parametrize(
    ("fmt", "magic"), [("png", b"\x89PNG\r\n\x1a\n"), ("svg", b"<?xml"), ("pdf", b"%PDF")]
)
def test_plot_writes_the_format_its_extension_names(out, tmp_path, fmt, magic):
    plot = tmp_path / f"loss.{fmt.upper() if fmt == 'pdf' else fmt}"
    text = ok("compare", "base", "lr", "--out", out, "--plot", plot)
    assert text.splitlines()[-1] == f"plot: {plot}"
    assert plot.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [plot.name]  # no temporary file left
    json.loads(ok("compare", "base", "lr", "--out", out, "--plot", plot, "--format", "json"))


def history(epochs, scale=1.0, test=True):
    e = np.arange(epochs + 1, dtype=float)
    train = scale * (1.1 * np.exp(-e / 40) + 0.05)
    columns = {"epoch": e, "train_loss": train}
    if test:
        columns["test_loss"] = train * 1.2 + 0.01
    return columns


def comparison(n, test=lambda k: True, keys=2):
    configs = [
        {"name": "default", "train.lr": 0.1 * (k + 1), "model.hidden": (k + 2,)} for k in range(n)
    ]
    if keys > 2:
        for k, config in enumerate(configs):
            config.update({f"train.extra_{j}": k for j in range(keys - 2)})
    runs = [
        ComparedRun(
            f"run-{k}",
            Path(f"outputs/default-2026010{k % 10}-12000{k}"),
            configs[k],
            {},
            history(50 * (k + 1), 1 + 0.1 * k, test(k)),
        )
        for k in range(n)
    ]
    return Comparison(runs, differences(configs))


def shown_ticklabels(axis):
    """Return the labels of the ticks inside the axis's view (others are not drawn)."""
    lo, hi = sorted(axis.get_view_interval())
    ticks = axis.get_major_ticks() + axis.get_minor_ticks()
    return [t.label1 for t in ticks if t.get_loc() is not None and lo <= t.get_loc() <= hi]


def drawn_texts(fig):
    """Return every non-empty text the figure draws, each once."""
    texts = [fig._suptitle, *fig.texts]
    for legend in fig.legends:
        texts += [*legend.get_texts(), legend.get_title()]
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        texts += shown_ticklabels(ax.xaxis) + shown_ticklabels(ax.yaxis)
        if ax.get_legend():
            texts += ax.get_legend().get_texts()
    shown = [t for t in texts if isinstance(t, Text) and t.get_visible() and t.get_text().strip()]
    return list({id(t): t for t in shown}.values())


def text_problems(fig):
    """Return the texts under 7 pt, outside the canvas, or overlapping another text."""
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    boxes = [(t, t.get_window_extent(renderer)) for t in drawn_texts(fig)]
    problems = [
        f"{t.get_text()!r} is {t.get_fontsize()} pt" for t, _ in boxes if t.get_fontsize() < 7
    ]
    problems += [
        f"{t.get_text()!r} leaves the canvas"
        for t, b in boxes
        if b.x0 < canvas.x0 - 1
        or b.y0 < canvas.y0 - 1
        or b.x1 > canvas.x1 + 1
        or b.y1 > canvas.y1 + 1
    ]
    for (s, a), (t, b) in itertools.combinations(boxes, 2):
        if a.overlaps(b) and a.intersection(a, b).width > 1 and a.intersection(a, b).height > 1:
            problems.append(f"{s.get_text()!r} overlaps {t.get_text()!r}")
    return problems


@pytest.mark.parametrize("n", [2, 10, pytest.param(20, marks=pytest.mark.slow)])
@pytest.mark.parametrize("test", ["all", "some", "none"])
def test_figure_is_legible_for_2_to_20_runs(n, test):
    has_test = {"all": lambda k: True, "some": lambda k: k % 2 == 0, "none": lambda k: False}[test]
    fig = compare_figure(comparison(n, has_test))
    assert text_problems(fig) == []


def test_figure_draws_each_runs_curves_in_its_own_colour_labelled_with_its_values():
    c = comparison(3, test=lambda k: k != 1)
    fig = compare_figure(c)
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata())]
    assert len(lines) == 5  # train for all three, test for two
    for k, compared in enumerate(c.runs):
        mine = [ln for ln in lines if ln.get_color() == RUN_COLOURS[k]]
        assert np.allclose(mine[0].get_ydata(), compared.history["train_loss"])
        if k != 1:
            assert mine[1].get_linestyle() == "--"
            assert np.allclose(mine[1].get_ydata(), compared.history["test_loss"])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == "default-20260100-120000: lr = 0.1, hidden = [2]"
    assert labels[1] == "default-20260101-120001: lr = 0.2, hidden = [3]\n  (no test curve)"
    assert "where recorded" in ax.get_title()


def test_figure_of_runs_without_test_columns_says_so():
    fig = compare_figure(comparison(2, test=lambda k: False))
    assert fig.axes[0].get_title() == (
        "training rows only: these runs' history.csv files hold no test loss"
    )


def test_figure_labels_count_what_they_leave_out():
    c = comparison(2, keys=6)
    label = [t.get_text() for t in compare_figure(c).legends[0].get_texts()][1]
    assert label.replace("\n ", "") == (
        "default-20260101-120001: lr = 0.2, hidden = [3], extra_0 = 1, +3 more"
    )


def test_the_figure_of_real_runs_plots_their_history(out):
    c = compare(["base", "lr"], out, with_history=True)
    with open(out / "lr" / "history.csv") as f:
        saved = [float(row["train_loss"]) for row in csv.DictReader(f)]
    fig = compare_figure(c)
    train = next(ln for ln in fig.axes[0].get_lines() if ln.get_color() == RUN_COLOURS[1])
    assert train.get_linestyle() == "-" and np.allclose(train.get_ydata(), saved)
    assert text_problems(fig) == []


def test_an_oscillating_curve_is_drawn_as_its_running_mean_over_a_light_band():
    """The README's lr 3: a test loss alternating between 0.134 and 0.034 every epoch would hide
    the other run's curves; it is drawn as its running mean, sqrt(0.134 * 0.034) = 0.0675 (on
    a log axis the geometric mean), over its raw range, and the title names it."""
    c = comparison(2)
    epochs = len(c.runs[1].history["epoch"])
    zigzag = np.where(np.arange(epochs) % 2 == 0, 0.134, 0.034)
    c.runs[1].history["test_loss"] = zigzag
    assert oscillates(zigzag) and not oscillates(c.runs[1].history["train_loss"])
    fig = compare_figure(c)
    ax = fig.axes[0]
    mine = [ln for ln in ax.get_lines() if ln.get_color() == RUN_COLOURS[1]]
    test_line = next(ln for ln in mine if ln.get_linestyle() == "--")
    y = np.asarray(test_line.get_ydata())
    np.testing.assert_allclose(y[20:], np.sqrt(0.134 * 0.034), rtol=1e-12)  # flat: no zigzag
    # the other curves stay exactly as recorded
    smooth = next(ln for ln in mine if ln.get_linestyle() == "-")
    np.testing.assert_allclose(smooth.get_ydata(), c.runs[1].history["train_loss"])
    bands = [p for p in ax.collections if isinstance(p, PolyCollection)]
    assert len(bands) == 1 and bands[0].get_alpha() <= 0.2
    band = bands[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(0.034) and band.max() == pytest.approx(0.134)
    title = ax.get_title().replace("\n", " ")
    assert f"{c.runs[1].name} test: oscillating from epoch to epoch" in title
    assert "running mean" in title and c.runs[0].name not in title
    assert text_problems(fig) == []
