"""The command line: the app and its error mapping, shared options, progress, one module per command
group. A command's module is imported when the command is used (``app.COMMANDS``)."""

from iris_nn.cli.app import cli, main

__all__ = ["cli", "main"]
