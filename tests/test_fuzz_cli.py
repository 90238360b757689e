"""CLI fuzzing: random argument lists for every command end in exit 0, or 1/2 with one Error line.

Accepted runs are kept cheap by appending named options that win over earlier ones (few epochs,
no plots, a temporary --out, two folds); everything before them is random.
"""

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iris_nn.cli import cli

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


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_fuzz_command(name, trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a random relative path (a --plot file, say) lands here
    command = cli.commands[name]
    scratch = str(tmp_path / "scratch")
    runner = CliRunner()
    run_dir, other_run = sorted(trained.iterdir())
    paths = [str(trained), str(run_dir), str(run_dir / "model.npz"), str(other_run), "fz-b"]
    plots = [str(tmp_path / f"plot.{ext}") for ext in ("png", "svg", "pdf", "jpg", "")]
    valid = {**VALID, "--plot": [*plots, str(tmp_path / "missing" / "p.png")]}

    @settings(
        max_examples=EXAMPLES.get(name, DEFAULT_EXAMPLES),
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


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(st.one_of(st.sampled_from([*SPECIAL, *cli.commands]), st.text(max_size=5)), max_size=4)
)
def test_fuzz_top_level(argv):
    if argv and argv[0] in cli.commands and argv[0] in ("train", "cv"):
        argv = ["--help"]  # commands are fuzzed above with cheap settings
    check_outcome(CliRunner().invoke(cli, argv, input=""))
