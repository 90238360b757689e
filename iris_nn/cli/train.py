"""``iris-nn train``: train from a config, write a run directory, print a short summary."""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from iris_nn.cli.app import CONTEXT, Failure, cli, usage_error
from iris_nn.cli.hints import dead_units_warning, divergence_hint, lower_lr_hint
from iris_nn.cli.options import config_options, name_option, out_option
from iris_nn.cli.signals import SIGNAL_EXIT, stop_on_signals
from iris_nn.cli.streams import stdout_is_product
from iris_nn.views.progress import EpochProgress, loss_text


def with_init(config: Any, init_path: str) -> Any:
    """Return ``config`` starting from the weights in ``init_path`` (``--init``); bad: exit 2."""
    from iris_nn.settings import config as cfg

    try:
        value = cfg.absolute_path("model.init", cfg.check_value("model.init", init_path))
        return cfg.apply(config, {"model.init": value, "model.init_sha256": None})
    except cfg.ConfigError as e:
        raise usage_error(f"--init: {e}") from None


def draw_run(run_dir: Any, run_name: str | None = None, data: Any = None) -> list[Any]:
    """Draw the run's figures and report; ``data`` is the run's ``Dataset`` when in memory."""
    from iris_nn.views.figures import load_view
    from iris_nn.views.report import render_run

    return render_run(run_dir, run_name, view=load_view(run_dir, run_name, _rows(data)))


def draw_with_animation(run_dir: Any, run_name: str | None = None, data: Any = None) -> list[Any]:
    """Draw the run's animation, then its figures and report (which shows the animation)."""
    from iris_nn.views.animation import render_animation
    from iris_nn.views.figures import load_view
    from iris_nn.views.report import render_run

    view = load_view(run_dir, run_name, _rows(data))  # the data set read once for both
    render_animation(run_dir, run_name, view)
    return render_run(run_dir, run_name, view=view)


def _rows(data: Any) -> Any:
    """Return a ``Dataset``'s rows as ``load_view`` takes them, or None to read them again."""
    return None if data is None else (data.info, data.X, data.y)


@cli.command(context_settings=CONTEXT)
@config_options(plots=True)
@name_option("Run name [default: <config name>-<YYYYmmdd-HHMMSS>].")
@out_option(help="Directory the run directory is written in.")
@click.option(
    "--init",
    "init_path",
    metavar="WEIGHTS",
    help="Start from these weights, not random ones (model.init): a .toml file of W1 = [[...]], "
    "b1 = [...], ... or a .npz such as a run's model.npz.",
)
@click.option("--no-plots", is_flag=True, help="Skip the plots and the report page.")
@click.option(
    "--animate", is_flag=True, help="Also draw plots/training.gif, training epoch by epoch."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the run's path, on stdout.")
def train(
    config: Any,
    name: str | None,
    out: str,
    init_path: str | None,
    no_plots: bool,
    animate: bool,
    quiet: bool,
) -> None:
    """Train the network and write a run directory under --out.

    The run holds the model, its resolved config, per-epoch history, metrics, the split, the
    tracked SoftMax probabilities, plots and report.html. Precedence: built-in defaults <
    --config file < --set (last wins) < named options. The data: Iris by default, or --data
    wine, breast_cancer, digits, or a CSV file with a class column (--target).

    \b
    Examples:
      iris-nn train
      iris-nn train -c configs/statquest.toml
      iris-nn train -c configs/wine.toml
      iris-nn train --data examples/wine.csv --target Cultivar
      iris-nn train --hidden 16,16 --optimizer adam --lr 0.01 --epochs 500
      iris-nn train --set train.l2=0.001 --set data.scaling=minmax -q
      iris-nn train -c configs/lesson.toml
      iris-nn train --init outputs/RUN/model.npz --epochs 500
      iris-nn train --animate
    """
    stdout_is_product()
    from iris_nn.core.errors import DivergenceError
    from iris_nn.core.network import describe
    from iris_nn.core.train import Control
    from iris_nn.experiments.experiment import train_run

    if init_path is not None:
        config = with_init(config, init_path)
    if animate and no_plots:
        raise usage_error("--animate draws plots: it cannot go with --no-plots")
    finish = None
    if animate:
        finish = draw_with_animation
    elif not no_plots:
        finish = draw_run
    control = Control()
    progress = EpochProgress(config.train.epochs, quiet)
    try:
        with stop_on_signals(control):
            result = train_run(config, out, name, control, progress, finish)
    except DivergenceError as e:
        raise Failure(
            f"training diverged: {e}; no run was saved. {divergence_hint(config, e)}"
        ) from None
    finally:
        progress.close()
    m = result.metrics
    if name is not None and result.path is not None and result.path.name != name:
        click.echo(
            f"Note: a run named {name!r} already exists in {out}; this run is {result.path}",
            err=True,
        )
    if quiet:
        click.echo(str(result.path))
    else:
        test = m["test"]
        network = describe(result.net.sizes, config.model.activation)
        correct = round(test["accuracy"] * test["n"])
        how = {
            "epochs": f"trained {m['epochs_run']} epochs"
            + (
                f" (best epoch {m['best_epoch']}, its weights kept)"
                if m["kept_epoch"] != m["epochs_run"]
                else ""
            ),
            "early_stopping": f"stopped early after {m['epochs_run']} epochs "
            f"(best epoch {m['best_epoch']}, its weights kept)",
            "interrupted": f"interrupted after {m['epochs_run']} epochs",
        }[m["stop_reason"]]
        # the epochs alone, as compare shows; the run's whole time (data, evaluation) beside it
        click.echo(
            f"{config.name}: {network}, {config.train.optimizer}, {how} in "
            f"{m['train_time_s']:.2f} s ({m['wall_time_s']:.2f} s in all)"
        )
        click.echo(
            f"test accuracy {test['accuracy']:.3f} ({correct}/{test['n']})   "
            f"test log loss {loss_text(test['log_loss'])}"
        )
        click.echo(f"run: {result.path}")
    loss = result.history.columns["train_loss"]
    if len(loss) > 1 and loss[-1] > loss[0]:  # equal: too small a step to move, not too big
        click.echo(
            f"Warning: the training loss rose from {loss_text(loss[0])} to {loss_text(loss[-1])}: the "
            f"learning rate is probably too high; try {lower_lr_hint(config)}",
            err=True,
        )
    dead = m.get("dead_units") or []
    if dead:
        click.echo(dead_units_warning(dead, result.data.info.noun, config), err=True)
    # A signal stopped training, or came while the run was being saved: exit as interrupted.
    if control.signal is not None or m["status"] == "interrupted":
        click.echo(f"Interrupted: the run was saved with status '{m['status']}'", err=True)
        sys.exit(SIGNAL_EXIT.get(control.signal or signal.SIGINT, 130))
