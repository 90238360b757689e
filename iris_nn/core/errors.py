"""The package's own exceptions: one base, a bad-input branch and a cannot-use branch.

The command line maps the branches to exit codes in one place (``cli/app.py``): ``BadInputError`` is exit 2
(bad usage, config, values or data files), ``CannotUseError`` exit 1 (a model or run that cannot be
used, an output that cannot be written, training that diverged). Anything else that escapes is a bug
and is reported as an internal error, never blamed on the user's input.
"""

from __future__ import annotations


class IrisNNError(Exception):
    """An error of iris-nn whose message names the bad value and what is allowed."""


class BadInputError(IrisNNError, ValueError):
    """A value, config or data file given by the user that is not allowed (exit 2).

    It is a ``ValueError`` too, as scikit-learn expects of a bad parameter.
    """


class CannotUseError(IrisNNError):
    """A model, run or output that cannot be used or written, or training that failed (exit 1)."""


class DivergenceError(CannotUseError):
    """Training produced a non-finite loss or weight.

    ``step_rows`` is the fewest rows one update of that training averaged over (its last, partial
    mini-batch, or every training row), for the hint that follows: L2 shrinks the weights most
    in that step.
    """

    def __init__(self, message: str, step_rows: int | None = None):
        super().__init__(message)
        self.step_rows = step_rows

    def __reduce__(self) -> tuple[type, tuple[str, int | None]]:
        return type(self), (str(self), self.step_rows)  # from a worker process, step_rows too


class IrisNNWarning(UserWarning):
    """Something the user should know about their data or run that does not stop it.

    The command line prints each as one ``Warning: ...`` line on stderr.
    """


class IrisNNNote(IrisNNWarning):
    """Something the tool did with the user's data that they should hear of (a ``Note: ...`` line).

    Text columns turned into inputs, missing cells filled: not a problem, but not silent either.
    """
