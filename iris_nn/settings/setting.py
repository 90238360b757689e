"""One setting's declaration: ``Setting`` (key, type, default, constraint, help, names) and
``Control``, how the playground page shows it. The table of all settings is ``schema.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iris_nn.settings.constraints import Constraint


@dataclass(frozen=True)
class Control:
    """How the playground shows a setting: a slider (its range and scale), a choice, a number,
    a list, a toggle or a text box; ``hidden`` for what the page does not offer."""

    kind: str  # slider | choice | number | list | toggle | text | hidden
    low: float | None = None
    high: float | None = None
    scale: str = "linear"  # linear | log, for sliders


SLIDER_LOG = "log"
CHOICE, NUMBER, LIST = Control("choice"), Control("number"), Control("list")
TOGGLE, TEXT, HIDDEN = Control("toggle"), Control("text"), Control("hidden")


@dataclass(frozen=True)
class Setting:
    """One config key, declared once."""

    key: str  # dotted: "train.lr"
    kind: str  # str | int | float | bool | list[str] | list[int]
    default: Any  # None: absent unless set (config.toml leaves it out)
    constraint: Constraint
    control: Control
    help: str  # one line
    flag: str | None = None  # the command-line option, e.g. "--lr"
    metavar: str | None = None  # what --help shows after the flag, when not its type's name
    estimator: bool = False  # an IrisNNClassifier parameter (a training setting)
    # the keyword of iris_nn.train (and of IrisNNClassifier when ``estimator``); "": the field
    python: str = ""

    def __post_init__(self) -> None:
        if not self.python:
            object.__setattr__(self, "python", self.field)

    @property
    def section(self) -> str:
        """Return the table holding the key ("" for a top-level key)."""
        return self.key.rpartition(".")[0]

    @property
    def field(self) -> str:
        """Return the key's name inside its section."""
        return self.key.rpartition(".")[2]

    @property
    def estimator_name(self) -> str:
        """Return the IrisNNClassifier parameter name: scikit-learn calls the seed random_state."""
        return "random_state" if self.key == "seed" else self.python
