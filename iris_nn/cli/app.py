"""The ``iris-nn`` app: the command group and the one place where errors become exit codes.

Every error is one ``Error: ...`` line and an exit code: the library's ``BadInputError``
(bad usage, config, values or data files) is 2; its ``CannotUseError`` (missing or corrupt models,
no run to use, unusable output directories, failed writes, divergence) is 1; 130 / 143 after an
interrupted run is saved (a signal before a command sets its own policy ends it at once, with the
same codes). Anything else is a bug: one "internal error" line and exit 1, never blamed on the
user's input. The terminal streams are courteous for the whole command (``streams``): a closed or
full stdout or stderr costs what it would have shown, never the work or the exit code. Heavy imports (scikit-learn, matplotlib) happen inside the commands
that need them, so ``predict`` starts fast.
"""

from __future__ import annotations

import importlib
import signal
import sys
import warnings
from typing import Any

import click

from iris_nn import __version__
from iris_nn.cli.signals import SIGNAL_EXIT, Interrupted, raise_on_signals
from iris_nn.cli.streams import courteous_streams, product_failure, reserve_standard_descriptors
from iris_nn.core.errors import BadInputError, CannotUseError, IrisNNNote, IrisNNWarning

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Every command, and the module of ``iris_nn.cli`` that defines it (with ``@cli.command``). A module
# is imported only when one of its commands runs (or help lists them all), so ``predict`` starts
# without the imports of ``train``, ``cv`` or ``plot``. A new command is one line here.
COMMANDS = {
    "animate": "runs",
    "backprop": "backprop",
    "compare": "compare",
    "cv": "cv",
    "evaluate": "runs",
    "plot": "runs",
    "predict": "predict",
    "runs": "runs",
    "seeds": "seeds",
    "serve": "serve",
    "softmax": "predict",
    "train": "train",
}
EXIT_USAGE, EXIT_FAILURE = 2, 1


class Failure(click.ClickException):
    """An error reported as one ``Error:`` line with a chosen exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE):
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        """Print ``Error: message`` on one line to stderr."""
        message = " ".join(self.format_message().split())
        click.echo(f"Error: {message}", err=True)


def warn(message: str) -> None:
    """Print ``Warning: message`` on stderr."""
    click.echo(f"Warning: {message}", err=True)


def usage_error(message: str) -> Failure:
    """Return the exit-2 failure for bad usage, config or input values."""
    return Failure(message, EXIT_USAGE)


def warning_printer() -> Any:
    """Return a ``warnings.showwarning`` that prints the package's warnings as one ``Warning: ...``
    line on stderr and drops the others.

    numpy's and matplotlib's warnings (an overflow the tool checks for itself, a glyph missing
    from a font, a layout that did not fit) are notes about their own internals, several lines of
    source each: what matters to the user the tool checks and says in its own words.
    """

    def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, IrisNNWarning):
            kind = "Note" if issubclass(category, IrisNNNote) else "Warning"
            click.echo(f"{kind}: {message}", err=True)

    return show


class IrisGroup(click.Group):
    """A group whose every error, click's own usage errors included, is one ``Error:`` line, and
    whose commands are imported when used (``COMMANDS``)."""

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        """Return the name of every command, sorted."""
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        """Return the command ``cmd_name``, importing its module on first use; None if unknown."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"iris_nn.cli.{COMMANDS[cmd_name]}")
        return self.commands.get(cmd_name)

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        """Run the command line and exit with the codes above (0, 1, 2, 130, 143); never show a traceback."""
        extra.pop("standalone_mode", None)
        with courteous_streams(), raise_on_signals():
            try:
                self._main(args, prog_name, **extra)
            except SystemExit as e:
                cut_short = product_failure() if e.code in (0, None) else None
                if cut_short:  # the work is done, but its product did not all reach stdout
                    Failure(cut_short).show()
                    sys.exit(EXIT_FAILURE)
                raise

    def _main(self, args: Any, prog_name: str | None, **extra: Any) -> None:
        try:
            with warnings.catch_warnings():
                warnings.showwarning = warning_printer()
                warnings.simplefilter("always", IrisNNWarning)
                code = super().main(args, prog_name or "iris-nn", standalone_mode=False, **extra)
            sys.exit(code if isinstance(code, int) else 0)
        except click.exceptions.NoArgsIsHelpError as e:
            click.echo(e.ctx.get_help() if e.ctx else str(e))
            sys.exit(0)
        except click.UsageError as e:
            hint = f" (see '{e.ctx.command_path} --help')" if e.ctx else ""
            Failure(e.format_message() + hint, EXIT_USAGE).show()
            sys.exit(EXIT_USAGE)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("Error: interrupted", err=True)
            sys.exit(130)
        except Interrupted as e:
            click.echo("Error: interrupted", err=True)
            sys.exit(SIGNAL_EXIT.get(e.signum, 130))
        except BadInputError as e:
            Failure(str(e), EXIT_USAGE).show()
            sys.exit(EXIT_USAGE)
        except CannotUseError as e:
            Failure(str(e), EXIT_FAILURE).show()
            sys.exit(EXIT_FAILURE)
        except MemoryError:
            Failure("out of memory; try a smaller model or input").show()
            sys.exit(EXIT_FAILURE)
        except OSError as e:
            Failure(f"{e.strerror or e}: {e.filename or ''}".rstrip(": ")).show()
            sys.exit(EXIT_FAILURE)
        except Exception as e:
            signum = interrupt_behind(e)
            if signum is not None:  # a library wrapped the interrupt in an error of its own
                click.echo("Error: interrupted", err=True)
                sys.exit(SIGNAL_EXIT.get(signum, 130))
            # a bug: still one line, and a way to report it
            Failure(f"internal error ({type(e).__name__}: {e}); please report it").show()
            sys.exit(EXIT_FAILURE)


def interrupt_behind(error: BaseException) -> int | None:
    """Return the signal of an interrupt that ``error`` was raised from, or None.

    A signal that lands while a compiled module initialises comes back as that module's
    ImportError ("initialization failed"), the interrupt kept as its cause.
    """
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, Interrupted):
            return cause.signum
        if isinstance(cause, KeyboardInterrupt):
            return signal.SIGINT
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


@click.group("iris-nn", cls=IrisGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="iris-nn", message="%(prog)s %(version)s")
def cli() -> None:
    """Train a from-scratch numpy neural network on the Iris flowers and see every step.

    The forward pass gives raw outputs, SoftMax turns them into probabilities, cross-entropy
    scores them, backpropagation and gradient descent improve the weights, and ArgMax picks
    the species at predict time.

    \b
    Examples:
      iris-nn train                       train the default network, write outputs/<run>/
      iris-nn train --data wine           the same on another data set (or your own CSV)
      iris-nn predict 5.1 3.5 1.4 0.2     species and SoftMax probabilities of one flower
      iris-nn softmax 1.43 -0.4 0.23      the lesson's SoftMax and ArgMax on raw outputs
      iris-nn evaluate                    metrics of the newest run on its test flowers
      iris-nn runs                        the runs in outputs/, newest first
      iris-nn compare                     the two newest runs side by side
      iris-nn cv --folds 5 --repeats 5    the network beside scikit-learn baselines
    """


def main() -> None:
    """Run the ``iris-nn`` command line."""
    reserve_standard_descriptors()
    cli.main(prog_name="iris-nn")
