"""The command line: the app and its error mapping, shared options, progress, one module per command
group. Importing this package registers every command on ``cli``."""

from iris_nn.cli import backprop, compare, cv, predict, runs, seeds, serve, train  # noqa: F401  (registers the commands)
from iris_nn.cli.app import cli, main

__all__ = ["cli", "main"]
