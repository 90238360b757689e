"""``iris-nn cv``: the network beside scikit-learn baselines on the same folds."""

from __future__ import annotations

import sys
from typing import Any

import click

from iris_nn.cli.app import CONTEXT, Failure, cli
from iris_nn.cli.hints import divergence_hint
from iris_nn.cli.options import (
    Number,
    config_options,
    format_option,
    plot_option,
    plot_target,
)
from iris_nn.cli.signals import SIGNAL_EXIT, Interrupted, raise_on_signals
from iris_nn.cli.streams import stdout_is_product
from iris_nn.views.progress import TaskProgress


@cli.command(
    context_settings=CONTEXT, short_help="Cross-validate the network beside scikit-learn baselines."
)
@config_options
@click.option(
    "--folds", default=5, show_default=True, type=Number(True, 2, 50), help="K of K-fold."
)
@click.option(
    "--repeats",
    default=5,
    show_default=True,
    type=Number(True, 1, 100),
    help="Repeats of K-fold.",
)
@click.option(
    "--jobs",
    type=Number(True, 1, 1024),
    help="Processes sharing the folds [default: all cores].",
)
@format_option("table", "json")
@plot_option(
    "Write box plots of accuracy and log loss per model to this file; its extension (.png, "
    ".svg or .pdf) chooses the format."
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

    Repeated stratified K-fold over all rows of the data set: in each fold the network trains
    with the config (its validation rows and scaler from the training fold only), and so do
    mlp_classifier (mirroring the config), logistic_regression, svc (left out above 20,000
    rows), lda and dummy, each with the same scaling. Prints mean and std of accuracy and log
    loss, and mean fit time. --seed seeds the folds and the network alike; the results are the
    same for every --jobs.

    \b
    Examples:
      iris-nn cv --folds 5 --repeats 5 --seed 0
      iris-nn cv -c configs/statquest.toml --jobs 1 --format json
      iris-nn cv --data wine --folds 3 --repeats 2
      iris-nn cv --set train.l2=0.01 --plot cv.png
    """
    stdout_is_product()
    from iris_nn.core.errors import DivergenceError
    from iris_nn.estimators.cv import cross_validate
    from iris_nn.store.jsontext import dumps
    from iris_nn.views.cv_table import format_table

    target = plot_target(plot_path) if plot_path is not None else None
    progress = TaskProgress("fold")
    try:
        with raise_on_signals():
            result = cross_validate(config, folds, repeats, jobs, progress)
    except Interrupted as e:
        click.echo("Error: interrupted; no results", err=True)
        sys.exit(SIGNAL_EXIT.get(e.signum, 130))
    except DivergenceError as e:
        raise Failure(f"training diverged in a fold: {e}. {divergence_hint(config, e)}") from None
    finally:
        progress.close()
    if fmt == "json":
        click.echo(dumps(result.summary()))
        for model, why in result.missing.items():
            click.echo(f"Note: {model} is absent: {why}", err=True)
    else:
        click.echo(format_table(result))
    if target is not None:
        from iris_nn.store.rundir import write_atomic
        from iris_nn.views.cv_plot import box_plot
        from iris_nn.views.style import figure_bytes

        path, plot_format = target
        setup = f"{folds}-fold x {repeats} cross-validation, seed {result.seed}"
        figure = box_plot(result.scores, setup, config.name)
        try:
            write_atomic(path, figure_bytes(figure, plot_format))
        except OSError as e:
            raise Failure(f"could not write the plot {path}: {e.strerror or e}") from None
        if fmt != "json":
            click.echo(f"plot: {path}")
