"""Options and argument handling shared by the commands."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import click

from iris_nn.cli.app import Failure, usage_error, warn
from iris_nn.core.errors import BadInputError
from iris_nn.data.values import parse_integer, parse_number


class Number(click.ParamType):
    """A numeric option read as every number outside TOML is: ASCII decimals (click's own types would read
    ``5_1`` as 51 and take ``inf``); integers only when ``integer``; within ``low .. high`` when
    given."""

    def __init__(self, integer: bool = False, low: float | None = None, high: float | None = None):
        self.integer, self.low, self.high = integer, low, high
        self.name = "integer" if integer else "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Return the option's text as an int or a finite float; fail with what is allowed."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            x = value  # a default
        else:
            try:
                x = parse_integer(value, "") if self.integer else parse_number(value, "")
            except BadInputError as e:
                self.fail(str(e), param, ctx)
        if (self.low is not None and x < self.low) or (self.high is not None and x > self.high):
            self.fail(f"{x} is not in the range {self.low}<=x<={self.high}", param, ctx)
        return x


INTEGER, NUMBER = Number(integer=True), Number()


class FilePath(click.Path):
    """A file's path; one no file can have (a NUL byte in it) fails as a bad value, not a bug."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Return the path as click checks it; fail naming a path that cannot exist."""
        try:
            return super().convert(value, param, ctx)
        except ValueError:  # os.stat refuses the name itself
            self.fail(f"{value!r} is not a usable path", param, ctx)


def setting_option(key: str) -> Any:
    """Return the command-line option of the config ``key``, its help written by the schema."""
    from iris_nn.settings.schema import SETTINGS

    s = SETTINGS[key]
    assert s.flag is not None, f"{key} has no command-line flag"
    kind = {"int": INTEGER, "float": NUMBER}.get(s.kind)
    return click.option(
        s.flag,
        s.python,
        type=kind,
        metavar=s.metavar or (None if kind else "LIST" if s.kind.startswith("list") else "TEXT"),
        help=f"{s.help} ({key}); allowed: {s.constraint.allowed}.",
    )


def config_options(f: Any = None, *, plots: bool = False) -> Any:
    """Add the options that build a config (``train``, ``cv``, ``seeds``): ``-c``, ``--set`` and
    the schema's settings that have a flag (those of ``[plots]`` only with ``plots``).

    The command receives the resolved config as ``config``.
    """
    from iris_nn.settings.schema import SCHEMA

    if f is None:
        return functools.partial(config_options, plots=plots)
    flagged = [s for s in SCHEMA if s.flag and (plots or s.section != "plots")]
    options = [
        click.option(
            "-c",
            "--config",
            "config_path",
            type=FilePath(dir_okay=False),
            help="TOML config file (see configs/default.toml for every key).",
        ),
        *(setting_option(s.key) for s in flagged),
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="KEY=VALUE",
            help="Set any config key, e.g. --set train.l2=0.001 (repeatable).",
        ),
    ]

    @functools.wraps(f)
    def command(*args: Any, config_path: str | None, sets: tuple[str, ...], **kwargs: Any) -> Any:
        named = {s.key: kwargs.pop(s.python) for s in flagged}
        return f(*args, config=resolve_config(config_path, sets, named), **kwargs)

    for option in reversed(options):
        command = option(command)
    return command


def resolve_config(config_path: str | None, sets: tuple[str, ...], named: dict[str, Any]) -> Any:
    """Return the config from file, ``--set`` and named options; bad values exit 2."""
    from iris_nn.settings import config as cfg

    try:
        options: dict[str, Any] = {}
        for key, value in named.items():
            if value is None:
                continue
            try:
                options[key] = cfg.check_value(key, cfg.parse_option(key, value))
            except cfg.ConfigError as e:
                raise cfg.ConfigError(f"{cfg.setting(key).flag}: {e}") from None
        return cfg.load(config_path, sets, options)
    except cfg.ConfigError as e:
        raise usage_error(str(e)) from None


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


class NumbersCommand(click.Command):
    """A command whose negative numbers (``-0.4``, ``-1e3``, ``-inf``) are values, not options.

    Options and their values move in front of a ``--`` and the values after it, in their order, so
    click never reads ``-inf`` as ``-i nf``, while an unknown option such as ``--bogus`` still fails.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {
            name
            for p in self.params
            if isinstance(p, click.Option) and not p.is_flag
            for name in p.opts
        }
        options: list[str] = []
        values: list[str] = []
        tokens = iter(args)
        for token in tokens:
            if token == "--":
                values.extend(tokens)
            elif token.startswith("-") and token != "-" and not _is_number(token):
                options.append(token)
                if token in takes_value:
                    options.extend(islice(tokens, 1))
            else:
                values.append(token)
        return super().parse_args(ctx, [*options, "--", *values])


def load_run_model(model_path: str | None, out: str) -> tuple[Any, Path]:
    """Return the model at ``model_path`` (else the newest completed run in ``out``); exit 1."""
    from iris_nn.store.model_file import load_model

    if model_path:
        path = Path(model_path)
    else:  # the run directory's machinery only when a run must be found: predict starts fast
        from iris_nn.store.outdir import newest_run

        path = newest_run(out, warn)
    return load_model(path), path


def read_input(input_path: str, model: Any) -> Any:
    """Return the rows of the ``--input`` CSV (``-`` = stdin); bad content exits 2."""
    from iris_nn.core.errors import BadInputError
    from iris_nn.inference.predict import read_csv_file

    try:
        return read_csv_file(input_path, model, sys.stdin)
    except BadInputError as e:
        raise usage_error(f"--input: {e}") from None


def check_input_exists(input_path: str | None) -> None:
    """Exit 2 when the ``--input`` file is missing, before any model is loaded."""
    if input_path not in (None, "-") and not Path(input_path).exists():
        raise usage_error(f"--input: input file {input_path!r} does not exist")


PLOT_FORMATS = ("png", "svg", "pdf")


def plot_option(help: str) -> Any:
    """Return the ``--plot PATH`` option (``cv``, ``compare``); check it with ``plot_target``."""
    return click.option("--plot", "plot_path", metavar="PATH", help=help)


def plot_target(plot_path: str) -> tuple[Path, str]:
    """Return the ``--plot`` file and its format, checked before any work is done.

    The extension chooses the format: another or none is bad usage (exit 2), and nothing is
    appended to it; a directory that does not exist or cannot be written is exit 1.
    """
    path = Path(plot_path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in PLOT_FORMATS:
        raise usage_error(
            f"--plot {plot_path!r}: the extension chooses the format; allowed: "
            + ", ".join(f".{f}" for f in PLOT_FORMATS)
        )
    folder = path.parent
    if path.is_dir():
        raise Failure(f"cannot write the plot {plot_path}: it is a directory")
    if not folder.is_dir():
        raise Failure(f"cannot write the plot {plot_path}: no directory {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Failure(f"cannot write the plot {plot_path}: directory {folder} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise Failure(f"cannot write the plot {plot_path}: it is not writable")
    return path, fmt


def format_option(*choices: str, help: str = "table for people; json for programs.") -> Any:
    """Return the ``--format`` option with ``choices`` (the first is the default)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


def name_option(help: str) -> Any:
    """Return the ``--name`` option, its value checked as a run's name before any work."""

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        from iris_nn.store.outdir import check_name  # the rule of run names, where runs are made

        if value is not None:
            try:
                check_name(value)
            except BadInputError as e:
                raise usage_error(f"--name: {e}") from None
        return value

    return click.option("--name", help=help, callback=check)


def out_option(
    help: str = "Directory of runs; without a model, the newest completed run in it is used.",
) -> Any:
    """Return the ``--out`` option (default ``outputs``)."""
    return click.option(
        "--out",
        default="outputs",
        show_default=True,
        type=click.Path(file_okay=False),
        help=help,
    )


OUT_OPTION = out_option()
MODEL_OPTION = click.option(
    "-m",
    "--model",
    "model_path",
    metavar="RUN_DIR|model.npz",
    help="Run directory or model file [default: the newest completed run in --out].",
)


def rows_and_model(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the VALUES of one row, ``--model`` and ``--out``: what predict and backprop read."""
    values = click.argument("values", nargs=-1, metavar="[VALUES]...")
    return values(MODEL_OPTION(OUT_OPTION(command)))


INPUT_OPTION = click.option(
    "-i",
    "--input",
    "input_path",
    metavar="CSV|-",
    help="CSV with a header row, or - for standard input; columns matched by feature name "
    "('petal width (cm)' matches petal_width); a column named as the model's target (species "
    "for Iris: setosa, Iris-setosa or 0-2) gives the true classes.",
)
