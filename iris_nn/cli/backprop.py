"""``iris-nn backprop``: one step of backpropagation and gradient descent, with every number."""

from __future__ import annotations

from pathlib import Path

import click

from iris_nn.cli.app import CONTEXT, Failure, cli, usage_error
from iris_nn.cli.options import (
    INPUT_OPTION,
    NUMBER,
    NumbersCommand,
    check_input_exists,
    format_option,
    load_run_model,
    plot_option,
    plot_target,
    read_input,
    rows_and_model,
)
from iris_nn.cli.streams import stdout_is_product


def run_settings(path: Path) -> tuple[float, float] | None:
    """Return the run's ``train.lr`` and ``train.l2`` for a model at ``path``, or None when the
    model is a bare ``.npz`` (no run's ``config.toml`` beside it)."""
    from iris_nn.store.rundir import CONFIG_FILE, read_config

    run = path if path.is_dir() else path.parent
    if not (run / CONFIG_FILE).is_file():
        return None
    config = read_config(run)
    return float(config["train.lr"]), float(config["train.l2"])


@cli.command(
    cls=NumbersCommand,
    context_settings=CONTEXT,
    short_help="One step of backpropagation with every number.",
)
@rows_and_model
@click.option("--label", metavar="CLASS", help="The true class of the VALUES row (e.g. setosa).")
@INPUT_OPTION
@click.option(
    "--lr",
    type=NUMBER,
    help="Learning rate [default: the run's train.lr; required for a bare model.npz].",
)
@format_option("table", "json")
@plot_option(
    "Also draw the network with each weight's gradient and each unit's delta; "
    "png, svg or pdf by the extension."
)
def backprop(
    values: tuple[str, ...],
    model_path: str | None,
    out: str,
    label: str | None,
    input_path: str | None,
    lr: float | None,
    fmt: str,
    plot_path: str | None,
) -> None:
    """Work one step of backpropagation and gradient descent, with every number.

    VALUES are one row's inputs (as for predict) and --label its true class; or --input CSV gives
    rows with a class column, one batch whose gradient is their mean. Shown: the forward pass, the
    loss, the output delta p - y, every gradient as its chain-rule product (beside it the
    central-difference one), every new value w - lr * dL/dw, and the loss after the step. The L2
    term is the run's train.l2.

    \b
    Examples:
      iris-nn train -c configs/lesson.toml --name lesson
      iris-nn backprop -m outputs/lesson 0.4 3.8 --label setosa
      iris-nn backprop -m outputs/lesson 0.4 3.8 --label setosa --plot step.png
      iris-nn backprop -i flowers.csv --format json
      iris-nn backprop -m model.npz 5.1 3.5 1.4 0.2 --label setosa --lr 0.1
    """
    stdout_is_product()
    from iris_nn.inference import backprop as bp
    from iris_nn.inference.predict import Inputs, parse_model_values
    from iris_nn.views import backprop as text

    if values and input_path is not None:
        raise usage_error("give VALUES with --label, or --input, not both")
    if input_path is not None and label is not None:
        raise usage_error("--label is for VALUES; --input takes the classes from its class column")
    if not values and input_path is None:
        raise usage_error("no row given; allowed: VALUES with --label CLASS, or --input CSV")
    if input_path is None and label is None:
        raise usage_error("--label CLASS is required with VALUES: the row's true class")
    if lr is not None and not lr > 0:
        raise usage_error(f"--lr {lr:g} is not allowed; allowed: a number > 0")
    target = plot_target(plot_path) if plot_path is not None else None
    check_input_exists(input_path)
    model, path = load_run_model(model_path, out)
    settings = run_settings(path)
    if settings is None:
        if lr is None:
            raise usage_error(
                f"{path} is a bare model file without its run's config: give --lr (and L2 is 0)"
            )
        l2 = 0.0
        click.echo("Note: a bare model file has no train.l2: the step uses L2 0", err=True)
    else:
        lr = settings[0] if lr is None else lr
        l2 = settings[1]
    if input_path is not None:
        inputs = read_input(input_path, model)
        if inputs.truth is None:
            raise usage_error(
                f"--input: {input_path} has no class column ({model.target}); backprop needs "
                "each row's true class"
            )
    else:
        row = parse_model_values(values, model)
        assert label is not None
        inputs = Inputs(row.X, bp.labels_of(model, [label]))
    step = bp.step(model, inputs, lr, l2)
    for note in step.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(text.to_json(step) if fmt == "json" else text.to_text(step))
    if target is not None:
        from iris_nn.store.rundir import write_atomic
        from iris_nn.views.backprop_diagram import backprop_figure
        from iris_nn.views.style import figure_bytes

        plot_file, plot_format = target
        figure = backprop_figure(model, step, path.name if path.is_dir() else path.parent.name)
        try:
            write_atomic(plot_file, figure_bytes(figure, plot_format))
        except OSError as e:
            raise Failure(f"could not write the plot {plot_file}: {e.strerror or e}") from None
        if fmt == "table":
            click.echo(f"plot: {plot_file}")
