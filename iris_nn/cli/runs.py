"""``iris-nn evaluate``, ``runs`` and ``plot``: saved runs scored, listed and redrawn."""

from __future__ import annotations

import click

from iris_nn.cli.app import CONTEXT, Failure, cli, usage_error, warn
from iris_nn.cli.options import (
    INPUT_OPTION,
    OUT_OPTION,
    check_input_exists,
    format_option,
    load_run_model,
    out_option,
    read_input,
    setting_option,
)
from iris_nn.cli.streams import stdout_is_product
from iris_nn.settings.schema import PLOT_STYLES


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
    true classes, columns = predicted). RUN_DIR defaults to the newest completed run in --out; it
    may also name a model.npz. A run trained on a CSV reads that file again: it must still be
    where it was, unchanged.

    \b
    Examples:
      iris-nn evaluate
      iris-nn evaluate outputs/RUN --format json
      iris-nn evaluate -i labelled.csv
    """
    stdout_is_product()
    from iris_nn.inference.evaluate import evaluate as score
    from iris_nn.inference.evaluate import held_out_rows
    from iris_nn.store.jsontext import dumps
    from iris_nn.views.tables import format_metrics

    check_input_exists(input_path)
    model, path = load_run_model(run_dir, out)
    if input_path is not None:
        inputs = read_input(input_path, model)
        if inputs.truth is None:
            raise usage_error(
                f"--input: {input_path!r} has no {model.target} column; evaluate needs the true "
                f"class of each row ({', '.join(model.classes[:5])}"
                f"{', ...' if len(model.classes) > 5 else ''})"
            )
        source = "standard input" if input_path == "-" else input_path
    else:
        run = path if path.is_dir() else path.parent
        inputs = held_out_rows(model, run)
        source = f"{run.name}, test split"
    metrics = score(model, inputs, own_rows=input_path is None)
    if fmt == "json":
        click.echo(dumps(metrics))
    else:
        click.echo(format_metrics(metrics, source, model.noun + "s", model.target))


@cli.command(context_settings=CONTEXT)
@out_option(help="Directory of runs.")
@format_option("table", "json")
def runs(out: str, fmt: str) -> None:
    """List the runs in --out, newest first.

    Each run: name, creation time (UTC), data set, hidden widths, activation, epochs run, test
    accuracy and log loss, status. Temporary (hidden) directories of runs in progress are not runs.

    \b
    Examples:
      iris-nn runs
      iris-nn runs --out experiments --format json
    """
    stdout_is_product()
    from iris_nn.store.jsontext import dumps
    from iris_nn.store.listing import run_summaries
    from iris_nn.views.tables import format_runs

    summaries = run_summaries(out, warn)
    if fmt == "json":
        click.echo(dumps(summaries))
    elif not summaries:
        click.echo(f"no runs in {out}/ yet: run `iris-nn train` to make one")
    else:
        click.echo(format_runs(summaries))


@cli.command(
    context_settings=CONTEXT, short_help="Redraw a run's plots and report.html without retraining."
)
@click.argument("run_dir", metavar="RUN_DIR")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="svg or pdf: also write every figure in that format beside its PNG.",
)
@click.option("--animate", is_flag=True, help="Also draw plots/training.gif (see `animate`).")
@setting_option("plots.row")
@click.option(
    "--style",
    type=click.Choice(PLOT_STYLES),
    default=None,
    help="Redraw this once as paper (print), talk (a projector: 1920 px wide, large text) or "
    "dark (talk on a dark ground); the run's config.toml keeps its own plots.style.",
)
def plot(run_dir: str, fmt: str, animate: bool, row: int | None, style: str | None) -> None:
    """Redraw a run's plots and report.html from its saved files, without retraining.

    Reads model.npz, history.csv, metrics.json, split.json, probabilities.csv and config.toml
    and rewrites every PNG under RUN_DIR/plots/ (with --format svg or pdf, also an SVG or PDF
    of each, for slides and papers) and RUN_DIR/report.html; prints the report's path.

    \b
    Examples:
      iris-nn plot outputs/default-20260101-120000
      iris-nn plot outputs/default-20260101-120000 --format svg
      iris-nn plot --animate outputs/default-20260101-120000
      iris-nn plot --style talk outputs/default-20260101-120000
      iris-nn plot "$(iris-nn train -q --no-plots)"
    """
    from iris_nn.views.figures import load_view
    from iris_nn.views.report import render_run

    try:
        view = load_view(
            run_dir, row=row, style=style
        )  # the data set read once, for the animation too
        if animate:
            from iris_nn.views.animation import render_animation

            render_animation(run_dir, view=view)
        written = render_run(run_dir, formats=[fmt] if fmt != "png" else [], view=view)
    except OSError as e:
        raise Failure(f"could not write the plots of {run_dir}: {e.strerror or e}") from None
    click.echo(str(written[-1]))


@cli.command(
    context_settings=CONTEXT, short_help="Draw a run's training as an animation (training.gif)."
)
@click.argument("run_dir", metavar="RUN_DIR")
def animate(run_dir: str) -> None:
    """Draw RUN_DIR/plots/training.gif: the run's training, epoch by epoch.

    From the run's snapshots.npz, at most 60 frames spread evenly on a log scale of the epochs:
    the decision regions with the rows, the followed training rows' SoftMax bars and the loss
    so far. Rewrites report.html with a "Training, epoch by epoch" section (an epoch slider and
    play/pause); prints the GIF's path.

    \b
    Examples:
      iris-nn animate outputs/default-20260101-120000
      iris-nn train --animate
    """
    from iris_nn.views.animation import render_animation
    from iris_nn.views.figures import load_view
    from iris_nn.views.report import render_run

    try:
        view = load_view(run_dir)  # the data set read once for both
        gif = render_animation(run_dir, view=view)
        render_run(run_dir, view=view)
    except OSError as e:
        raise Failure(f"could not write the animation of {run_dir}: {e.strerror or e}") from None
    click.echo(str(gif))
