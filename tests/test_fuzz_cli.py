"""CLI fuzzing: random argument lists for every command end in exit 0, or 1/2 with one Error line.

Accepted runs are kept cheap by appending named options that win over earlier ones (few epochs,
no plots, a temporary --out, two folds); everything before them is random.
"""

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iris_nn.cli import cli

pytestmark = pytest.mark.slow  # fuzzing: hundreds of CLI runs (seeds 24 s, animate 10 s)

SPECIAL = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "1e309",
    "-1e300",
    "-1",
    "0",
    "1",
    "2",
    "3",
    "0.5",
    "-0.4",
    "1.43",
    "0.23",
    "5.1",
    "3.5",
    "1.4",
    "0.2",
    "",
    " ",
    "none",
    "[]",
    "8",
    "16,16",
    "[16, 16]",
    "relu",
    "tanh",
    "adam",
    "sgd",
    "gd",
    "momentum",
    "x",
    "é",
    "🌸",
    "--",
    "-",
    "=",
    "a=b",
    "train.lr=0.1",
    "train.lr=nan",
    "train.epochs=-3",
    "model.hidden=0",
    "seed=1",
    'data.features=["petal_width"]',
    "data.val_size=0",
    "train.early_stopping=true",
    "data.scaling=minmax",
    "name=../x",
    "petal_width=1",
    "sepal_length=5",
    "species=setosa",
    "table",
    "json",
    "csv",
    "a,b,c",
    "a,b",
    ",",
    "outputs",
    "/dev/null",
    "/nonexistent/x",
    "-h",
    "--help",
    "--version",
    "\x00",
    "\n",
    "1,2",
    "99999999999999999999",
]


ROOT = Path(__file__).resolve().parents[1]
VALID = {  # plausible values, so that a fair share of the random commands is accepted
    "--epochs": ["0", "1", "3"],
    "--lr": ["0.01", "0.5", "1"],
    "--hidden": ["none", "3", "4,3", "[2]"],
    "--activation": ["relu", "leaky_relu", "tanh", "sigmoid", "softplus", "identity"],
    "--optimizer": ["gd", "sgd", "momentum", "adam"],
    "--batch-size": ["0", "8", "50"],
    "--seed": ["0", "7", "4294967295"],
    "--name": ["fz", "a.b-c_1"],
    "--set": [
        "train.l2=0.01",
        "data.scaling=none",
        "train.nesterov=true",
        "data.val_size=0",
        'data.features=["petal_width", "sepal_width"]',
        "model.hidden=[]",
    ],
    "-c": [str(p) for p in sorted((ROOT / "configs").glob("*.toml"))],  # weights too: an error
    "--config": [str(ROOT / "configs" / "default.toml")],
    "--format": ["table", "json", "csv"],
    "--labels": ["a,b,c", "setosa,versicolor,virginica"],
    "--folds": ["2", "3"],
    "--repeats": ["1"],
    "--jobs": ["1"],
    # the data-set options and CSV files (SPEC 7): bundled tables, shipped CSVs, class columns
    "--data": [
        "iris",
        "wine",
        str(ROOT / "examples" / "wine.csv"),
        str(ROOT / "examples" / "flowers.csv"),
    ],
    "--target": ["cultivar", "species", "class", "no_such_column"],
    "--init": [str(ROOT / "configs" / "lesson-weights.toml")],
}


def _value_options(command: click.Command) -> list[str]:
    return [
        o for p in command.params if isinstance(p, click.Option) and not p.is_flag for o in p.opts
    ]


def _flags(command: click.Command) -> list[str]:
    flags = [o for p in command.params if isinstance(p, click.Option) and p.is_flag for o in p.opts]
    return flags or ["-h"]


RANDOM = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=6),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**6), 10**6).map(str),
)


FLOWER = st.lists(st.floats(-10, 10).map(lambda x: f"{x:.3g}"), min_size=4, max_size=4)
NAMED_FLOWER = st.permutations(
    ["sepal_length=5.1", "sepal_width=3.5", "petal_length=1.4", "petal_width=0.2"]
)


def _chunks(
    command: click.Command, paths: list[str], valid: dict[str, list[str]]
) -> st.SearchStrategy[list[str]]:
    """Return pieces of an argument list: an option with a value, a flag, numbers, or noise."""
    options = _value_options(command) or ["--help"]
    with_value = st.sampled_from(options).flatmap(
        lambda o: st.tuples(
            st.just(o),
            st.one_of(*[st.sampled_from(valid.get(o, SPECIAL))] * 3, RANDOM),
        )
    )
    return st.one_of(
        *[with_value.map(list)] * 4,
        st.sampled_from(_flags(command)).map(lambda f: [f]),
        st.lists(st.floats(-10, 10).map(lambda x: f"{x:.3g}"), min_size=1, max_size=5),
        FLOWER,
        NAMED_FLOWER,
        st.sampled_from(paths).map(lambda p: [p]),
        st.lists(st.sampled_from(paths), min_size=2, max_size=3),
        RANDOM.map(lambda t: [t]),
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("fuzz-runs")
    for name, lr in (("fz-a", "0.3"), ("fz-b", "0.1")):  # two runs: compare has a default pair
        args = ["--out", str(out), "--epochs", "20", "--no-plots", "-q", "--name", name, "--lr", lr]
        result = CliRunner().invoke(cli, ["train", *args])
        assert result.exit_code == 0, result.output
    return out


def _cheap_suffix(name: str, out: str, scratch: str) -> list[str]:
    if name == "train":
        return ["--epochs", "2", "--no-plots", "--out", scratch]
    if name == "seeds":
        return ["--n", "2", "--epochs", "2", "--jobs", "1", "--out", scratch]
    if name == "cv":
        return ["--folds", "2", "--repeats", "1", "--epochs", "2", "--jobs", "1"]
    if name in ("predict", "evaluate", "runs", "compare"):
        return ["--out", out]
    if name == "serve":  # a free port; the server itself returns at once (test_fuzz_command)
        return ["--port", "0", "--out", scratch]
    return []


def check_outcome(result) -> None:
    """Fail unless the outcome is exit 0, or exit 1/2 with exactly one Error line on stderr."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert "internal error" not in result.stderr, result.stderr
    if result.exit_code != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1, result.stderr
        assert result.stderr.rstrip("\n").splitlines()[-1].startswith("Error: "), result.stderr


EXAMPLES = {"train": 250, "cv": 25, "plot": 100}
DEFAULT_EXAMPLES = 600


@pytest.mark.parametrize("name", cli.list_commands(None))
def test_fuzz_command(name, trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a random relative path (a --plot file, say) lands here
    if name == "serve":  # everything up to serving: options, config, port; then no forever
        monkeypatch.setattr("uvicorn.Server.run", lambda server, sockets=None: None)
    command = cli.get_command(None, name)
    scratch = str(tmp_path / "scratch")
    runner = CliRunner()
    run_dir, other_run = sorted(trained.iterdir())
    paths = [str(trained), str(run_dir), str(run_dir / "model.npz"), str(other_run), "fz-b"]
    plots = [str(tmp_path / f"plot.{ext}") for ext in ("png", "svg", "pdf", "jpg", "")]
    valid = {**VALID, "--plot": [*plots, str(tmp_path / "missing" / "p.png")]}

    @settings(
        max_examples=examples(EXAMPLES.get(name, DEFAULT_EXAMPLES)),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(st.lists(_chunks(command, paths, valid), max_size=5))
    def run(chunks):
        argv = [token for chunk in chunks for token in chunk]
        args = [name, *argv, *_cheap_suffix(name, str(trained), scratch)]
        check_outcome(runner.invoke(cli, args, input=""))

    run()


@settings(max_examples=examples(300), deadline=None, derandomize=True)
@given(
    st.lists(
        st.one_of(st.sampled_from([*SPECIAL, *cli.list_commands(None)]), st.text(max_size=5)),
        max_size=4,
    )
)
def test_fuzz_top_level(argv):
    if argv and argv[0] in ("train", "cv", "serve"):
        argv = ["--help"]  # commands are fuzzed above with cheap settings (serve would not end)
    check_outcome(CliRunner().invoke(cli, argv, input=""))


# ----------------------------------------------------------------------------- hand-edited runs
# A copy of a run has one of its files edited at random (a JSON field replaced or deleted, a CSV
# cell, line or header changed, the file cut short); then `runs`, the default `predict`, `evaluate`
# and `compare`, and `evaluate`/`compare`/`plot` of that run must end in exit 0 or one Error line,
# and the other run in the directory must stay usable.

import io  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402

RUN_FILES = ("metrics.json", "split.json", "history.csv", "probabilities.csv")
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=6),
        st.sampled_from([5.0, 0.5, -1, 150, 10**400, "completed", "interrupted", "epochs"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
CELLS = st.one_of(
    st.sampled_from(
        ["", " ", "nan", "inf", "-1", "0", "1", "2", "0.5", "150", "1e999", "1e308", "5_1", "x"]
    ),
    st.sampled_from(["1e-320", "-0", "1.", ".5", "1E1", "٥", '"', '"1"', "1,2", "\x00"]),
    st.text(max_size=6),
    st.floats().map(repr),
    st.integers(-(10**6), 10**20).map(str),
)


def _near_misses(value):
    """Return values a hand edit might put in place of ``value``: its type changed slightly."""
    misses = [None, True, "", [], {}, -1, 10**30, 1e308, float("nan"), float("inf"), "[" * 3000]
    if isinstance(value, bool):
        misses += [1, "true"]
    elif isinstance(value, int):
        misses += [float(value), value + 0.5, str(value), -value - 1, value * 10**6]
    elif isinstance(value, float):
        misses += [str(value), -value, value * 1e300, int(value) if abs(value) < 1e18 else 0]
    elif isinstance(value, str):
        misses += [value.upper(), value + "x", 1, [value]]
    elif isinstance(value, list):
        misses += [value[:1], value * 2, [str(v) for v in value], [[v] for v in value]]
    elif isinstance(value, dict):
        misses += [list(value), {k: str(v) for k, v in value.items()}]
    return misses


def _edit_json(text, data):
    doc = json.loads(text)
    how = data.draw(st.sampled_from(["field", "field", "field", "field", "whole"]))
    if how == "whole":
        return data.draw(
            st.one_of(
                JSON_VALUES.map(json.dumps),
                st.sampled_from(["[" * 5000, "{", "", "1" * 5000, '{"status": "completed"}']),
                st.just(text[: len(text) // 2]),
            )
        )
    for _ in range(data.draw(st.integers(1, 3))):
        record, key = None, None
        node = doc
        while isinstance(node, (dict, list)) and node:  # walk down, stopping anywhere
            record, key = (
                node,
                data.draw(
                    st.sampled_from(list(node) if isinstance(node, dict) else range(len(node)))
                ),
            )
            node = node[key]
            if not data.draw(st.booleans()):
                break
        if record is None:
            break
        if data.draw(st.integers(0, 4)) == 0:
            del record[key]
        else:
            record[key] = data.draw(st.one_of(st.sampled_from(_near_misses(node)), JSON_VALUES))
    return json.dumps(doc)


def _edit_csv(text, data):
    lines = text.splitlines()
    how = data.draw(st.sampled_from(["cell", "cell", "cell", "drop", "copy", "cut", "header"]))
    i = data.draw(st.integers(0, len(lines) - 1))
    if how == "drop":
        del lines[i]
    elif how == "copy":
        lines.insert(i, lines[i])
    elif how == "cut":
        return text[: data.draw(st.integers(0, len(text)))]
    else:
        cells = lines[0 if how == "header" else i].split(",")
        cells[data.draw(st.integers(0, len(cells) - 1))] = data.draw(CELLS)
        lines[0 if how == "header" else i] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Return the directories of two runs, ``good`` and the newer ``base`` (edited by copies)."""
    out = tmp_path_factory.mktemp("fuzz-edited")
    for name in ("good", "base"):
        args = ["train", "--out", str(out), "--epochs", "20", "--no-plots", "-q", "--name", name]
        assert CliRunner().invoke(cli, args).exit_code == 0
    return out / "good", out / "base"


def _edited_copy(two_runs, tmp_path, data):
    """Return an --out holding ``good`` and ``edited``, a copy of ``base`` with one file edited."""
    good, base = two_runs
    out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(good, out / "good")
    edited = shutil.copytree(base, out / "edited")
    name = data.draw(st.sampled_from(RUN_FILES))
    path = edited / name
    edit = _edit_json if name.endswith(".json") else _edit_csv
    path.write_text(edit(path.read_text(), data), encoding="utf-8", errors="surrogatepass")
    return out, edited


EDITED_EXAMPLES = 200


@settings(
    max_examples=examples(EDITED_EXAMPLES),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@given(data=st.data())
def test_fuzz_hand_edited_run_files(two_runs, tmp_path_factory, data):
    out, edited = _edited_copy(two_runs, tmp_path_factory.mktemp("e"), data)
    runner = CliRunner()
    listing = runner.invoke(cli, ["runs", "--out", str(out), "--format", "json"])
    check_outcome(listing)
    assert listing.exit_code == 0 and "good" in [r["name"] for r in json.loads(listing.stdout)]
    table = runner.invoke(cli, ["runs", "--out", str(out)])
    check_outcome(table)
    assert table.exit_code == 0 and " good " in table.stdout
    predicted = runner.invoke(cli, ["predict", "--out", str(out), "5.1", "3.5", "1.4", "0.2"])
    check_outcome(predicted)
    assert predicted.exit_code == 0  # the model is intact, whichever run is the default
    for args in (
        ["evaluate", "--out", str(out)],
        ["evaluate", str(edited)],
        ["compare", "--out", str(out)],
        ["compare", "good", "edited", "--out", str(out), "--format", "json"],
    ):
        check_outcome(runner.invoke(cli, args))


def _small_png(fig):
    """Draw the figure in full, as ``png_bytes`` does, but at 10 dpi: the fuzz is about the data."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=10)
    return buf.getvalue()


@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@given(data=st.data())
def test_fuzz_plot_of_hand_edited_run_files(two_runs, tmp_path_factory, data):
    _, edited = _edited_copy(two_runs, tmp_path_factory.mktemp("p"), data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("iris_nn.views.report.png_bytes", _small_png)
        check_outcome(CliRunner().invoke(cli, ["plot", str(edited)]))
