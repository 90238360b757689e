"""``iris-nn predict`` and ``iris-nn softmax``: ArgMax of the SoftMax probabilities, and the lesson
on any raw outputs."""

from __future__ import annotations

import click

from iris_nn.cli.app import CONTEXT, cli, usage_error
from iris_nn.cli.options import (
    INPUT_OPTION,
    NumbersCommand,
    check_input_exists,
    format_option,
    load_run_model,
    read_input,
    rows_and_model,
)
from iris_nn.cli.streams import stdout_gone, stdout_is_product


@cli.command(
    cls=NumbersCommand,
    context_settings=CONTEXT,
    short_help="Predict classes: ArgMax of the SoftMax probabilities.",
)
@rows_and_model
@INPUT_OPTION
@format_option("table", "json", "csv", help="table for people; json or csv for programs.")
@click.option(
    "--explain",
    is_flag=True,
    help="Walk each row through the lesson's steps: inputs, scaled inputs, raw outputs, "
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
    """Predict the class of rows (an Iris flower's species): ArgMax of the SoftMax probabilities.

    VALUES are one row's inputs: numbers in the model's feature order (an Iris model:
    sepal_length sepal_width petal_length petal_width, in cm), or name=value pairs in any order.
    Negative numbers need no --. Many rows: --input CSV, one vectorised pass.

    \b
    Examples:
      iris-nn predict 5.1 3.5 1.4 0.2
      iris-nn predict petal_width=1.8 petal_length=5.1 sepal_width=3 sepal_length=6.3
      iris-nn predict 6.3 3.3 6.0 2.5 --explain
      iris-nn predict -m outputs/RUN -i flowers.csv --format csv > predictions.csv
      cat flowers.csv | iris-nn predict -i - --format json
    """
    stdout_is_product()
    from iris_nn.inference import predict as prediction
    from iris_nn.views import prediction as text

    if values and input_path is not None:
        raise usage_error("give VALUES or --input, not both")
    if explain and fmt == "csv":
        raise usage_error("--explain works with --format table or json, not csv")
    check_input_exists(input_path)
    model, _ = load_run_model(model_path, out)
    if input_path is not None:
        inputs = read_input(input_path, model)
    else:
        inputs = prediction.parse_model_values(values, model)
    result = prediction.predict(model, inputs)
    if fmt == "json":
        click.echo(text.to_json(result, explain))
    elif fmt == "csv":
        click.echo(text.to_csv(result))
    else:
        if explain:
            click.echo(text.explain(result) + "\n")
        click.echo(text.to_table(result, numbered=input_path is not None))


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
    stdout_is_product()
    from iris_nn.views import lesson

    z = lesson.parse_raw_outputs(values)
    names = lesson.parse_labels(labels, len(z)) if labels is not None else None
    if fmt == "json":  # whole, written a derivative row at a time
        for piece in lesson.steps_json(lesson.softmax_steps(z, names, jacobian=False)):
            click.echo(piece, nl=False)
            if stdout_gone():  # `| head`: nobody reads the other rows of 10,000
                break
        click.echo()
    else:
        steps = lesson.softmax_steps(z, names, len(z) <= lesson.MAX_TABLE_DERIVATIVES)
        click.echo(lesson.format_steps(steps))
