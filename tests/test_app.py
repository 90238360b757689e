"""The app's one error mapping: the library's hierarchy to SPEC 5's exit codes, bugs to exit 1."""

import pytest
from conftest import error, run

from iris_nn.core.errors import BadInputError, CannotUseError, DivergenceError


@pytest.mark.parametrize(
    ("raised", "code", "line"),
    [
        (BadInputError("x = 3 is not allowed; allowed: 1 .. 2"), 2, "Error: x = 3 is not allowed"),
        (CannotUseError("model 'm' does not exist"), 1, "Error: model 'm' does not exist"),
        (DivergenceError("the loss became nan"), 1, "Error: the loss became nan"),
        (ValueError("a numpy bug"), 1, "Error: internal error (ValueError: a numpy bug)"),
        (KeyError("k"), 1, "Error: internal error (KeyError: 'k')"),
    ],
)
def test_errors_map_to_exit_codes_in_one_place(monkeypatch, raised, code, line):
    from iris_nn.store import listing

    def broken(out, warn=None):
        raise raised

    monkeypatch.setattr(listing, "run_summaries", broken)
    assert error(run("runs"), code).startswith(line)
