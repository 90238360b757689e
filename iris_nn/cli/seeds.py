"""``iris-nn seeds``: one config trained N times from different random initial weights."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from iris_nn.cli.app import CONTEXT, Failure, cli
from iris_nn.cli.hints import lower_lr_hint
from iris_nn.cli.options import config_options, format_option, name_option, out_option
from iris_nn.cli.signals import SIGNAL_EXIT, Interrupted, raise_on_signals
from iris_nn.cli.streams import stdout_is_product
from iris_nn.views.progress import TaskProgress


@cli.command(
    context_settings=CONTEXT,
    short_help="Train one config from N random initial weights and compare the networks.",
)
@config_options
@click.option(
    "--n",
    "n",
    default=10,
    show_default=True,
    type=click.IntRange(2, 1000),
    help="Networks to train (train.init_seed = 0..N-1).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 1024),
    help="Processes sharing the networks [default: all cores].",
)
@out_option(help="Directory the study's directory is written in.")
@name_option("Directory name [default: <config name>-seeds-<YYYYmmdd-HHMMSS>].")
@format_option("table", "json")
def seeds(config: Any, n: int, jobs: int | None, out: str, name: str | None, fmt: str) -> None:
    """Train one config N times, differing only in the random initial weights.

    Network k uses train.init_seed = k on the same split, so `iris-nn train --set
    train.init_seed=k` reproduces it; the results are the same for every --jobs. Prints, per
    network, the test accuracy and log loss, epochs run, each followed training row's final
    probability of its own class and its dead units; then the spread, and the ensemble (the mean
    of the N networks' SoftMax probabilities) beside the median single network. Writes
    OUT/NAME/seeds.json, plots/seeds.png and report.html.

    \b
    Examples:
      iris-nn seeds -c configs/statquest.toml --n 20
      iris-nn seeds --n 10 --jobs 2 --format json
      iris-nn seeds --epochs 500 --name quick
    """
    stdout_is_product()
    from iris_nn.core.errors import DivergenceError
    from iris_nn.experiments.seeds import run_study
    from iris_nn.store.jsontext import dumps
    from iris_nn.views.seeds import format_table, render_study

    progress = TaskProgress("network")
    try:
        with raise_on_signals():
            result = run_study(
                config, n, jobs or os.cpu_count() or 1, out, name, progress, render_study
            )
    except Interrupted as e:
        progress.close()
        click.echo("Error: interrupted; nothing was saved", err=True)
        sys.exit(SIGNAL_EXIT.get(e.signum, 130))
    except DivergenceError as e:
        raise Failure(
            f"training diverged for one of the seeds: {e}; nothing was saved. Try a lower "
            f"learning rate ({lower_lr_hint(config)})"
        ) from None
    finally:
        progress.close()
    click.echo(dumps(result.record) if fmt == "json" else format_table(result))
    if fmt != "json":
        click.echo(f"study: {result.path}")
