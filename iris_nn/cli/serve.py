"""``iris-nn serve``: the live playground, a page on which one trains and takes apart the network.

Registering this command imports neither Starlette nor uvicorn: the server package is imported
when the command runs, so ``predict`` starts as fast as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from iris_nn.cli.app import CONTEXT, cli, warn
from iris_nn.cli.options import INTEGER, config_options, out_option


@cli.command(
    context_settings=CONTEXT, short_help="Train and take apart the network live in a page."
)
@config_options
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; another than loopback prints a warning and a token in the URL.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=INTEGER,
    help="Port to listen on; 0 takes a free one (the URL printed says which).",
)
@out_option(help="Directory the page's save button writes runs into.")
@click.option(
    "--open/--no-open",
    "open_browser",
    default=False,
    show_default=True,
    help="Open the page in the system's browser.",
)
@click.option("--verbose", is_flag=True, help="Show the web server's own log lines on stderr.")
def serve(config: Any, host: str, port: int, out: str, open_browser: bool, verbose: bool) -> None:
    """Serve the live playground: train, step, edit weights and save runs from a page.

    The page (at the URL printed on stdout) trains the network with the same engine as train,
    one epoch at a time: play, pause, step and reset it, change its settings, select a row to
    see its forward pass, edit a weight, and save the network as a run that
    'iris-nn train -c RUN/config.toml' reproduces. Listens on 127.0.0.1 unless --host says
    otherwise. Ctrl-C stops it.

    \b
    Examples:
      iris-nn serve                        the playground at http://127.0.0.1:8000/
      iris-nn serve -c configs/lesson.toml --port 0 --open
    """
    if not 0 <= port <= 65535:
        raise click.BadParameter(f"{port} is not a port; allowed: 0 .. 65535", param_hint="--port")
    from iris_nn.server.app import Serving
    from iris_nn.server.run import serve as run_server

    serving = Serving(config, Path(out), host, port)
    run_server(serving, say=lambda line: click.echo(line), warn=warn, verbose=verbose,
               open_browser=open_browser)  # fmt: skip
