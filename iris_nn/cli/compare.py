"""``iris-nn compare``: runs side by side, the config keys that differ and the metrics."""

from __future__ import annotations

import click

from iris_nn.cli.app import CONTEXT, Failure, cli
from iris_nn.cli.options import format_option, out_option, plot_target
from iris_nn.cli.streams import stdout_is_product


@cli.command(
    context_settings=CONTEXT,
    short_help="Compare runs: the config keys that differ, and the metrics side by side.",
)
@click.argument("runs", nargs=-1, metavar="[RUN]...")
@out_option(
    help="Directory of runs: a RUN may name one in it; no RUN: its two newest completed runs."
)
@format_option(
    "table",
    "json",
    "markdown",
    help="table for people; json for programs; markdown to paste in an issue or a notebook.",
)
@click.option(
    "--plot",
    "plot_path",
    metavar="PATH",
    help="Also draw every run's training and test loss curves into PATH (.png, .svg or .pdf).",
)
def compare(runs: tuple[str, ...], out: str, fmt: str, plot_path: str | None) -> None:
    """Compare runs: the config keys whose values differ, then the metrics side by side.

    Each RUN is a run directory or the name of a run in --out; without RUN, the two newest
    completed runs in --out (a damaged one is skipped with a warning). 2 to 20 runs. Only the
    config keys whose values differ are shown (a key that an older run's config.toml lacks takes
    its default first); then test accuracy and log loss, best epoch, epochs run, training time
    and status of each run.

    \b
    Examples:
      iris-nn compare
      iris-nn compare lr-0.3 lr-3 --plot compare.png
      iris-nn compare outputs/a outputs/b outputs/c --format json
    """
    stdout_is_product()
    from iris_nn.comparison.compare import check_count, compare
    from iris_nn.store.jsontext import dumps
    from iris_nn.views.compare_table import format_markdown, format_table

    check_count(len(runs))
    target = plot_target(plot_path) if plot_path is not None else None

    def warn(message: str) -> None:
        click.echo(f"Warning: {message}", err=True)

    comparison = compare(runs, out, with_history=target is not None, warn=warn)
    if fmt == "json":
        click.echo(dumps(comparison.as_json()))
    elif fmt == "markdown":
        click.echo(format_markdown(comparison))
    else:
        click.echo(format_table(comparison))
    if target is not None:
        from iris_nn.store.rundir import write_atomic
        from iris_nn.views.compare_plot import compare_figure
        from iris_nn.views.style import figure_bytes

        path, plot_format = target
        try:
            write_atomic(path, figure_bytes(compare_figure(comparison), plot_format))
        except OSError as e:
            raise Failure(f"could not write the plot {path}: {e.strerror or e}") from None
        if fmt == "table":
            click.echo(f"plot: {path}")
