"""The ``iris-nn`` command line: parse, call the library, format.

Library errors become one ``Error: ...`` line and an exit code (SPEC 5): 2 for bad usage, config or
input values; 1 for missing or corrupt models, unusable output directories, failed writes and
divergence; 130 / 143 after an interrupted run is saved. Heavy imports (scikit-learn, matplotlib)
happen inside the commands that need them, so ``predict`` starts fast.
"""

from __future__ import annotations

import functools
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from types import FrameType
from typing import Any

import click

from iris_nn import __version__
from iris_nn.config import ConfigError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
EXIT_USAGE, EXIT_FAILURE = 2, 1
SIGNAL_EXIT: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Failure(click.ClickException):
    """An error reported as one ``Error:`` line with a chosen exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE):
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        """Print ``Error: message`` on one line to stderr."""
        message = " ".join(self.format_message().split())
        click.echo(f"Error: {message}", err=True)


def usage_error(message: str) -> Failure:
    """Return the exit-2 failure for bad usage, config or input values."""
    return Failure(message, EXIT_USAGE)


class IrisGroup(click.Group):
    """A group whose every error, click's own usage errors included, is one ``Error:`` line."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        """Run the command line and exit with SPEC 5's exit codes; never show a traceback."""
        extra.pop("standalone_mode", None)
        try:
            code = super().main(args, prog_name or "iris-nn", standalone_mode=False, **extra)
            sys.exit(code if isinstance(code, int) else 0)
        except click.exceptions.NoArgsIsHelpError as e:
            click.echo(e.ctx.get_help() if e.ctx else str(e))
            sys.exit(0)
        except click.UsageError as e:
            hint = f" (see '{e.ctx.command_path} --help')" if e.ctx else ""
            Failure(e.format_message() + hint, EXIT_USAGE).show()
            sys.exit(EXIT_USAGE)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("Error: aborted", err=True)
            sys.exit(130)
        except KeyboardInterrupt:
            click.echo("Error: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (``| head``): nothing left to say
            sys.exit(EXIT_FAILURE)
        except (ConfigError, ValueError) as e:
            Failure(str(e), EXIT_USAGE).show()
            sys.exit(EXIT_USAGE)
        except MemoryError:
            Failure("out of memory; try a smaller model or input").show()
            sys.exit(EXIT_FAILURE)
        except OSError as e:
            Failure(f"{e.strerror or e}: {e.filename or ''}".rstrip(": ")).show()
            sys.exit(EXIT_FAILURE)
        except Exception as e:  # a bug: still one line, and a way to report it
            Failure(f"internal error ({type(e).__name__}: {e}); please report it").show()
            sys.exit(EXIT_FAILURE)


@click.group("iris-nn", cls=IrisGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="iris-nn", message="%(prog)s %(version)s")
def cli() -> None:
    """Train a from-scratch numpy neural network on the Iris flowers and see every step.

    The forward pass gives raw outputs, SoftMax turns them into probabilities, cross-entropy
    scores them, backpropagation and gradient descent improve the weights, and ArgMax picks
    the species at predict time.

    \b
    Examples:
      iris-nn train                       train the default network, write outputs/<run>/
      iris-nn predict 5.1 3.5 1.4 0.2     species and SoftMax probabilities of one flower
      iris-nn softmax 1.43 -0.4 0.23      the lesson's SoftMax and ArgMax on raw outputs
      iris-nn evaluate                    metrics of the newest run on its test flowers
      iris-nn runs                        the runs in outputs/, newest first
      iris-nn cv --folds 5 --repeats 5    the network beside scikit-learn baselines
    """


def main() -> None:
    """Run the ``iris-nn`` command line."""
    cli.main(prog_name="iris-nn")


# ----------------------------------------------------------------------------- train


@contextmanager
def on_signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """Call ``handler`` on SIGINT and SIGTERM inside the block; restore the old handlers after."""
    previous = {s: signal.getsignal(s) for s in SIGNAL_EXIT}
    for s in SIGNAL_EXIT:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def stop_on_signals(control: Any) -> Any:
    """Return a block in which SIGINT and SIGTERM ask training to stop after the current epoch."""

    def handler(signum: int, frame: FrameType | None) -> None:
        control.stop = True
        control.signal = signum

    return on_signals(handler)


def _loss(x: float) -> str:
    return f"{x:.4f}" if x < 1000 else f"{x:.3g}"  # a diverging loss stays readable


def lower_lr_hint(config: Any) -> str:
    """Return a learning rate to suggest after a failed run: a tenth, at most the default."""
    from iris_nn.config import TrainConfig

    return f"--lr {min(config.train.lr / 10, TrainConfig().lr):g}"


class Interrupted(BaseException):
    """A signal that ends a command at once (scikit-learn swallows KeyboardInterrupt)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def raise_on_signals() -> Any:
    """Return a block in which SIGINT and SIGTERM raise ``Interrupted`` at once."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    return on_signals(handler)


class ProgressLine:
    """Training progress on stderr: a live bar on a terminal, a line now and then otherwise."""

    def __init__(self, epochs: int, quiet: bool):
        self.epochs, self.quiet = epochs, quiet
        self.tty = sys.stderr.isatty()
        self.started = time.perf_counter()
        self.last_line = -1e9  # the first report prints at once
        self.shown = False

    def __call__(self, epoch: int, history: Any) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if not self.tty and now - self.last_line < 2.0 and epoch < self.epochs:
            return
        self.last_line = now
        c = history.columns
        done = epoch / self.epochs if self.epochs else 1.0
        elapsed = now - self.started
        left = elapsed * (1 - done) / done if done > 0 else 0.0
        text = f"epoch {epoch}/{self.epochs}  train loss {_loss(c['train_loss'][epoch])}"
        if c["val_loss"][epoch] == c["val_loss"][epoch]:  # not NaN: there are validation rows
            text += (
                f"  val loss {_loss(c['val_loss'][epoch])}  val acc {c['val_accuracy'][epoch]:.3f}"
            )
        if self.tty:
            width = 20
            bar = "#" * int(done * width) + "-" * (width - int(done * width))
            click.echo(f"\r[{bar}] {text}  {left:4.1f}s left ", err=True, nl=False)
            self.shown = True
        else:
            click.echo(text, err=True)

    def close(self) -> None:
        """End the live line so the summary starts on a fresh one."""
        if self.shown:
            click.echo("", err=True)


def config_options(f: Any) -> Any:
    """Add the options that build a config (shared by ``train`` and ``cv``).

    The command receives the resolved config as ``config``.
    """
    options = [
        click.option(
            "-c",
            "--config",
            "config_path",
            type=click.Path(dir_okay=False),
            help="TOML config file (see configs/default.toml for every key).",
        ),
        click.option("--epochs", type=int, help="Epochs (train.epochs)."),
        click.option("--lr", type=float, help="Learning rate (train.lr)."),
        click.option("--hidden", help="Hidden widths: 8, 16,16 or none (model.hidden)."),
        click.option(
            "--activation",
            help="Hidden activation (model.activation): relu, "
            "leaky_relu, tanh, sigmoid, softplus, identity.",
        ),
        click.option("--optimizer", help="gd, sgd, momentum or adam (train.optimizer)."),
        click.option(
            "--batch-size", type=int, help="Mini-batch rows, 0 = full (train.batch_size)."
        ),
        click.option("--seed", type=int, help="Seed of split, initialisation and shuffling."),
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="KEY=VALUE",
            help="Set any config key, e.g. --set train.l2=0.001 (repeatable).",
        ),
    ]

    @functools.wraps(f)
    def command(
        *args: Any,
        config_path: str | None,
        epochs: int | None,
        lr: float | None,
        hidden: str | None,
        activation: str | None,
        optimizer: str | None,
        batch_size: int | None,
        seed: int | None,
        sets: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        named = {
            "train.epochs": epochs,
            "train.lr": lr,
            "model.hidden": hidden,
            "model.activation": activation,
            "train.optimizer": optimizer,
            "train.batch_size": batch_size,
            "seed": seed,
        }
        return f(*args, config=resolve_config(config_path, sets, named), **kwargs)

    for option in reversed(options):
        command = option(command)
    return command


def resolve_config(config_path: str | None, sets: tuple[str, ...], named: dict[str, Any]) -> Any:
    """Return the config from file, ``--set`` and named options; bad values exit 2."""
    from iris_nn import config as cfg

    option_names = {
        "train.epochs": "--epochs",
        "train.lr": "--lr",
        "model.hidden": "--hidden",
        "model.activation": "--activation",
        "train.optimizer": "--optimizer",
        "train.batch_size": "--batch-size",
        "seed": "--seed",
    }
    try:
        options: dict[str, Any] = {}
        for key, value in named.items():
            if value is None:
                continue
            try:
                options[key] = cfg.parse_hidden(value) if key == "model.hidden" else value
                cfg.check_value(key, options[key])
            except ConfigError as e:
                raise ConfigError(f"{option_names[key]}: {e}") from None
        return cfg.load(config_path, sets, options)
    except ConfigError as e:
        raise usage_error(str(e)) from None


@cli.command(context_settings=CONTEXT)
@config_options
@click.option("--name", help="Run name [default: <config name>-<YYYYmmdd-HHMMSS>].")
@click.option(
    "--out",
    default="outputs",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory the run directory is written in.",
)
@click.option("--no-plots", is_flag=True, help="Skip the plots and the report page.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the run's path, on stdout.")
def train(
    config: Any,
    name: str | None,
    out: str,
    no_plots: bool,
    quiet: bool,
) -> None:
    """Train the network and write a run directory under --out.

    The run holds the model, its resolved config, per-epoch history, metrics, the split, the
    tracked SoftMax probabilities, plots and report.html. Precedence: built-in defaults <
    --config file < --set (last wins) < named options.

    \b
    Examples:
      iris-nn train
      iris-nn train -c configs/statquest.toml
      iris-nn train --hidden 16,16 --optimizer adam --lr 0.01 --epochs 500
      iris-nn train --set train.l2=0.001 --set data.scaling=minmax -q
    """
    from iris_nn.experiment import train_run
    from iris_nn.store import RunError, check_name
    from iris_nn.train import Control, DivergenceError

    if name is not None:
        try:
            check_name(name)
        except ValueError as e:
            raise usage_error(f"--name: {e}") from None
    control = Control()
    progress = ProgressLine(config.train.epochs, quiet)
    try:
        with stop_on_signals(control):
            result = train_run(config, out, name, control, progress, plots=not no_plots)
    except DivergenceError as e:
        progress.close()
        raise Failure(
            f"training diverged: {e}; no run was saved. Try a lower learning rate "
            f"({lower_lr_hint(config)})"
        ) from None
    except RunError as e:
        progress.close()
        raise Failure(str(e)) from None
    except ValueError as e:
        progress.close()
        raise usage_error(str(e)) from None
    progress.close()
    m = result.metrics
    if quiet:
        click.echo(str(result.path))
    else:
        test = m["test"]
        shape = "-".join(str(s) for s in result.net.sizes)
        correct = round(test["accuracy"] * test["n"])
        how = {
            "epochs": f"trained {m['epochs_run']} epochs",
            "early_stopping": f"stopped early after {m['epochs_run']} epochs "
            f"(best epoch {m['best_epoch']}, its weights kept)",
            "interrupted": f"interrupted after {m['epochs_run']} epochs",
        }[m["stop_reason"]]
        click.echo(
            f"{config.name}: {shape} {config.model.activation}, {config.train.optimizer}, "
            f"{how} in {m['wall_time_s']:.2f} s"
        )
        click.echo(
            f"test accuracy {test['accuracy']:.3f} ({correct}/{test['n']})   "
            f"test log loss {test['log_loss']:.4f}"
        )
        click.echo(f"run: {result.path}")
    loss = result.history.columns["train_loss"]
    if len(loss) > 1 and loss[-1] >= loss[0]:
        click.echo(
            f"Warning: the training loss rose from {_loss(loss[0])} to {_loss(loss[-1])}: the "
            f"learning rate is probably too high; try {lower_lr_hint(config)}",
            err=True,
        )
    # A signal stopped training, or came while the run was being saved: exit as interrupted.
    if control.signal is not None or m["status"] == "interrupted":
        click.echo(f"Interrupted: the run was saved with status '{m['status']}'", err=True)
        sys.exit(SIGNAL_EXIT.get(control.signal or signal.SIGINT, 130))


# ----------------------------------------------------------------------------- predict, softmax


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
    from iris_nn.store import ModelError, RunError, load_model, newest_run

    try:
        path = Path(model_path) if model_path else newest_run(out)
        return load_model(path), path
    except (ModelError, RunError) as e:
        raise Failure(str(e)) from None


def read_input(input_path: str, model: Any) -> Any:
    """Return the flowers of the ``--input`` CSV (``-`` = stdin); bad content exits 2."""
    from iris_nn.predict import read_csv_file

    try:
        stdin = sys.stdin
        return read_csv_file(input_path, model.features, model.classes, stdin)
    except ValueError as e:
        raise usage_error(f"--input: {e}") from None


def check_input_exists(input_path: str | None) -> None:
    """Exit 2 when the ``--input`` file is missing, before any model is loaded."""
    if input_path not in (None, "-") and not Path(input_path).exists():
        raise usage_error(f"--input: input file {input_path!r} does not exist")


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
INPUT_OPTION = click.option(
    "-i",
    "--input",
    "input_path",
    metavar="CSV|-",
    help="CSV with a header row, or - for standard input; columns matched by feature name "
    "('petal width (cm)' matches petal_width); a species column (setosa, Iris-setosa or 0-2) "
    "gives the true species.",
)


@cli.command(
    cls=NumbersCommand,
    context_settings=CONTEXT,
    short_help="Predict species: ArgMax of the SoftMax probabilities.",
)
@click.argument("values", nargs=-1, metavar="[VALUES]...")
@click.option(
    "-m",
    "--model",
    "model_path",
    metavar="RUN_DIR|model.npz",
    help="Run directory or model file [default: the newest completed run in --out].",
)
@OUT_OPTION
@INPUT_OPTION
@format_option("table", "json", "csv", help="table for people; json or csv for programs.")
@click.option(
    "--explain",
    is_flag=True,
    help="Walk each flower through the lesson's steps: inputs, scaled inputs, raw outputs, "
    "SoftMax probabilities, ArgMax one-hot.",
)
def predict(
    values: tuple[str, ...],
    model_path: str | None,
    out: str,
    input_path: str | None,
    fmt: str,
    explain: bool,
) -> None:
    """Predict the species of flowers: the ArgMax of the SoftMax probabilities.

    VALUES are one flower's measurements in cm: numbers in the model's feature order (the
    default model: sepal_length sepal_width petal_length petal_width), or name=value pairs in
    any order. Negative numbers need no --. Many flowers: --input CSV, one vectorised pass.

    \b
    Examples:
      iris-nn predict 5.1 3.5 1.4 0.2
      iris-nn predict petal_width=1.8 petal_length=5.1 sepal_width=3 sepal_length=6.3
      iris-nn predict 6.3 3.3 6.0 2.5 --explain
      iris-nn predict -m outputs/RUN -i flowers.csv --format csv > predictions.csv
      cat flowers.csv | iris-nn predict -i - --format json
    """
    from iris_nn import predict as prediction

    if values and input_path is not None:
        raise usage_error("give VALUES or --input, not both")
    if explain and fmt == "csv":
        raise usage_error("--explain works with --format table or json, not csv")
    check_input_exists(input_path)
    model, _ = load_run_model(model_path, out)
    if input_path is not None:
        inputs = read_input(input_path, model)
    else:
        try:
            inputs = prediction.parse_values(values, model.features)
        except ValueError as e:
            raise usage_error(str(e)) from None
    result = prediction.predict(model, inputs)
    if fmt == "json":
        click.echo(prediction.to_json(result, explain))
    elif fmt == "csv":
        click.echo(prediction.to_csv(result))
    else:
        if explain:
            click.echo(prediction.explain(result) + "\n")
        click.echo(prediction.to_table(result, numbered=input_path is not None))


@cli.command("softmax", cls=NumbersCommand, context_settings=CONTEXT)
@click.argument("values", nargs=-1, required=True)
@click.option(
    "--labels",
    metavar="A,B,C",
    help="Names of the raw outputs, comma-separated, one per value.",
)
@format_option("table", "json")
def softmax_command(values: tuple[str, ...], labels: str | None, fmt: str) -> None:
    """Show the lesson's SoftMax and ArgMax on any raw output values.

    SoftMax(i) = e^(raw output i) / sum over j of e^(raw output j): probabilities between 0 and
    1 that sum to 1. ArgMax sets the largest to 1 and the others to 0. Also the SoftMax
    derivatives: dp_i/dz_i = p_i (1 - p_i), dp_i/dz_j = -p_i p_j. Negative numbers need no --.

    \b
    Examples:
      iris-nn softmax 1.43 -0.4 0.23
      iris-nn softmax 1.43 -0.4 0.23 --labels setosa,versicolor,virginica
      iris-nn softmax 2 1 0.1 --format json
    """
    from iris_nn import lesson
    from iris_nn.store import dumps

    try:
        z = lesson.parse_raw_outputs(values)
        names = lesson.parse_labels(labels, len(z)) if labels is not None else None
    except ValueError as e:
        raise usage_error(str(e)) from None
    steps = lesson.softmax_steps(z, names)
    click.echo(dumps(steps) if fmt == "json" else lesson.format_steps(steps))


# ----------------------------------------------------------------------------- evaluate, runs


@cli.command(
    context_settings=CONTEXT, short_help="Score a saved model on its test split or a labelled CSV."
)
@click.argument("run_dir", required=False, metavar="[RUN_DIR]")
@OUT_OPTION
@INPUT_OPTION
@format_option(
    "table", "json", help="table for people; json (shaped as metrics.json) for programs."
)
def evaluate(run_dir: str | None, out: str, input_path: str | None, fmt: str) -> None:
    """Score a saved model on its run's test split, or on a labelled CSV.

    Accuracy, log loss, per-class precision, recall and F1, and the confusion matrix (rows =
    true species, columns = predicted). RUN_DIR defaults to the newest completed run in --out; it may
    also name a model.npz.

    \b
    Examples:
      iris-nn evaluate
      iris-nn evaluate outputs/RUN --format json
      iris-nn evaluate -i labelled.csv
    """
    from iris_nn.evaluate import evaluate as score
    from iris_nn.evaluate import format_metrics, held_out_rows
    from iris_nn.store import RunError, dumps

    check_input_exists(input_path)
    model, path = load_run_model(run_dir, out)
    if input_path is not None:
        inputs = read_input(input_path, model)
        if inputs.species is None:
            raise usage_error(
                f"--input: {input_path!r} has no species column; evaluate needs the true "
                "species (setosa, Iris-setosa or 0-2)"
            )
        source = "standard input" if input_path == "-" else input_path
    else:
        run = path if path.is_dir() else path.parent
        try:
            inputs = held_out_rows(model, run)
        except RunError as e:
            raise Failure(str(e)) from None
        source = f"{run.name}, test split"
    metrics = score(model, inputs)
    click.echo(dumps(metrics) if fmt == "json" else format_metrics(metrics, source))


@cli.command(context_settings=CONTEXT)
@out_option(help="Directory of runs.")
@format_option("table", "json")
def runs(out: str, fmt: str) -> None:
    """List the runs in --out, newest first.

    Each run: name, creation time (UTC), hidden widths, activation, epochs run, test accuracy
    and log loss, status. Temporary (hidden) directories of runs in progress are not runs.

    \b
    Examples:
      iris-nn runs
      iris-nn runs --out experiments --format json
    """
    from iris_nn.runs import format_runs, run_summaries
    from iris_nn.store import dumps

    summaries = run_summaries(out)
    if fmt == "json":
        click.echo(dumps(summaries))
    elif not summaries:
        click.echo(f"no runs in {out}/ yet: run `iris-nn train` to make one")
    else:
        click.echo(format_runs(summaries))


# ----------------------------------------------------------------------------- plot


@cli.command(
    context_settings=CONTEXT, short_help="Redraw a run's plots and report.html without retraining."
)
@click.argument("run_dir", metavar="RUN_DIR")
def plot(run_dir: str) -> None:
    """Redraw a run's plots and report.html from its saved files, without retraining.

    Reads model.npz, history.csv, metrics.json, split.json, probabilities.csv and config.toml
    and rewrites every PNG under RUN_DIR/plots/ and RUN_DIR/report.html; prints the report's path.

    \b
    Examples:
      iris-nn plot outputs/default-20260101-120000
      iris-nn plot "$(iris-nn train -q --no-plots)"
    """
    from iris_nn.report import render_run
    from iris_nn.store import ModelError, RunError

    try:
        written = render_run(run_dir)
    except (ModelError, RunError) as e:
        raise Failure(str(e)) from None
    except OSError as e:
        raise Failure(f"could not write the plots of {run_dir}: {e.strerror or e}") from None
    click.echo(str(written[-1]))


# ----------------------------------------------------------------------------- cv


class FoldProgress:
    """A progress bar over the folds on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.started = time.perf_counter()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.tty:
            return
        elapsed = time.perf_counter() - self.started
        left = elapsed * (total - done) / done
        width = 20
        bar = "#" * (done * width // total) + "-" * (width - done * width // total)
        click.echo(f"\r[{bar}] fold {done}/{total}  {left:4.1f}s left ", err=True, nl=False)
        self.shown = True

    def close(self) -> None:
        """End the live line so the results start on a fresh one."""
        if self.shown:
            click.echo("", err=True)


@cli.command(
    context_settings=CONTEXT, short_help="Cross-validate the network beside scikit-learn baselines."
)
@config_options
@click.option(
    "--folds", default=5, show_default=True, type=click.IntRange(2, 50), help="K of K-fold."
)
@click.option(
    "--repeats",
    default=5,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Repeats of K-fold.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 1024),
    help="Processes sharing the folds [default: all cores].",
)
@format_option("table", "json")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False),
    help="Write box plots of accuracy and log loss per model to this PNG.",
)
def cv(
    config: Any,
    folds: int,
    repeats: int,
    jobs: int | None,
    fmt: str,
    plot_path: str | None,
) -> None:
    """Cross-validate the network beside scikit-learn baselines on the same folds.

    Repeated stratified K-fold over all 150 flowers: in each fold the network trains with the
    config (its validation rows and scaler from the training fold only), and so do
    mlp_classifier (mirroring the config), logistic_regression, svc, lda and dummy, each with
    the same scaling. Prints mean and std of accuracy and log loss, and mean fit time. --seed
    seeds the folds and the network alike; the results are the same for every --jobs.

    \b
    Examples:
      iris-nn cv --folds 5 --repeats 5 --seed 0
      iris-nn cv -c configs/statquest.toml --jobs 1 --format json
      iris-nn cv --set train.l2=0.01 --plot cv.png
    """
    from iris_nn.cv import box_plot, cross_validate, format_table
    from iris_nn.store import dumps
    from iris_nn.train import DivergenceError

    plot_file = None
    if plot_path:
        plot_file = Path(plot_path) if Path(plot_path).suffix else Path(plot_path + ".png")
        if not plot_file.parent.is_dir():
            raise Failure(f"cannot write the plot {plot_file}: no directory {plot_file.parent}")
    progress = FoldProgress()
    try:
        with raise_on_signals():
            result = cross_validate(config, folds, repeats, jobs, progress)
    except Interrupted as e:
        progress.close()
        click.echo("Error: interrupted; no results", err=True)
        sys.exit(SIGNAL_EXIT.get(e.signum, 130))
    except DivergenceError as e:
        progress.close()
        raise Failure(
            f"training diverged in a fold: {e}. Try a lower learning rate ({lower_lr_hint(config)})"
        ) from None
    except ValueError as e:
        progress.close()
        raise usage_error(str(e)) from None
    progress.close()
    if fmt == "json":
        click.echo(dumps(result.summary()))
        for model, why in result.missing.items():
            click.echo(f"Note: {model} is absent: {why}", err=True)
    else:
        click.echo(format_table(result))
    if plot_file:
        try:
            box_plot(result, config.name).savefig(plot_file, dpi=150)
        except OSError as e:
            raise Failure(f"could not write the plot {plot_file}: {e.strerror or e}") from None
        if fmt != "json":
            click.echo(f"plot: {plot_file}")
