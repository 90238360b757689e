"""The settings schema: every config key declared once.

Each ``Setting`` holds a dotted key, its type, its default (None: absent), a constraint that both
checks a value and writes its own "allowed" text (as scikit-learn's ``Interval`` and
``StrOptions`` do), a one-line help, its command-line flag if any, its Python name (the keyword of
``iris_nn.train`` and, for the training settings, of ``IrisNNClassifier``) and the playground
control that shows it. The config checks and messages, the command-line options and their
``--help``, the estimator's parameters, the training loop's settings and the test of
``configs/default.toml`` all read ``SCHEMA``. Adding a setting is one entry here, its line in
``configs/default.toml`` and the code that uses it.

Registry names (activations, optimisers, data sets, scalings, missing-cell policies) are read from
their registries. This module imports nothing heavier than numpy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iris_nn.core.functional import ACTIVATIONS
from iris_nn.core.optim import OPTIMIZERS
from iris_nn.data.datasets import DATASETS, DEFAULT_DATASET, is_csv
from iris_nn.data.scaler import SCALINGS

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a name starts alphanumeric
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
MAX_SEED = 2**32 - 1


# ----------------------------------------------------------------------------- constraints


@dataclass(frozen=True)
class Interval:
    """Numbers from ``low`` to ``high`` (None: unbounded), each end closed or open."""

    integer: bool
    low: float | None
    high: float | None
    closed: str = "both"  # both | left | right | neither
    note: str = ""  # what a special value means, after the range: " (0 = full batch)"

    def check(self, value: Any) -> bool:
        """Return whether the number ``value`` lies in the interval."""
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and (value < self.low if left else value <= self.low):
            return False
        return self.high is None or (value <= self.high if right else value < self.high)

    @property
    def allowed(self) -> str:
        """Return the interval as a message writes it: ``0 < x <= 1000``, ``an integer 1 .. 8``."""
        if self.integer:
            if self.high is None:
                text = f"an integer >= {_number(self.low)}"
            else:
                text = f"an integer {_number(self.low)} .. {_number(self.high)}"
        else:
            lo = "<=" if self.closed in ("both", "left") else "<"
            hi = "<=" if self.closed in ("both", "right") else "<"
            if self.high is None:
                text = f"x {'>=' if lo == '<=' else '>'} {_number(self.low)}"
            else:
                text = f"{_number(self.low)} {lo} x {hi} {_number(self.high)}"
        return text + self.note


def _number(x: float | None) -> str:
    return f"{x:g}" if isinstance(x, float) and not x.is_integer() else str(int(x or 0))


@dataclass(frozen=True)
class Options:
    """The names of a registry (read when checked, so a new entry needs no second list).

    ``registry`` is the registry, or a function returning it when importing it up front would
    slow a command that never reads it (the CSV reader's policies, for ``predict``).
    """

    registry: Mapping[str, Any] | Iterable[str] | Callable[[], Iterable[str]]

    @property
    def names(self) -> tuple[str, ...]:
        """Return the allowed names, in the registry's order."""
        registry = self.registry
        return tuple(registry() if callable(registry) else registry)

    def check(self, value: Any) -> bool:
        """Return whether ``value`` is one of the names."""
        return value in self.names

    @property
    def allowed(self) -> str:
        """Return ``one of a, b, c``."""
        return "one of " + ", ".join(self.names)


@dataclass(frozen=True)
class Rule:
    """Any other check, with the text that says what it allows."""

    test: Callable[[Any], bool]
    text: str

    def check(self, value: Any) -> bool:
        """Return ``test(value)``."""
        return self.test(value)

    @property
    def allowed(self) -> str:
        """Return the text."""
        return self.text


Constraint = Interval | Options | Rule


def _missing_policies() -> Iterable[str]:
    from iris_nn.data.csvfile import MISSING_POLICIES

    return MISSING_POLICIES


def _distinct(v: Any) -> bool:
    return len(v) == len(set(v))


# ----------------------------------------------------------------------------- controls


@dataclass(frozen=True)
class Control:
    """How the playground shows a setting: a slider (its range and scale), a choice, a number,
    a list, a toggle or a text box; ``hidden`` for what the page does not offer."""

    kind: str  # slider | choice | number | list | toggle | text | hidden
    low: float | None = None
    high: float | None = None
    scale: str = "linear"  # linear | log, for sliders


# plots.style's names: views/presentation.py's STYLES, keyed by them (views come after settings)
PLOT_STYLES = ("paper", "talk", "dark")
SLIDER_LOG = "log"
CHOICE, NUMBER, LIST = Control("choice"), Control("number"), Control("list")
TOGGLE, TEXT, HIDDEN = Control("toggle"), Control("text"), Control("hidden")


# ----------------------------------------------------------------------------- the schema


@dataclass(frozen=True)
class Setting:
    """One config key, declared once."""

    key: str  # dotted: "train.lr"
    kind: str  # str | int | float | bool | list[str] | list[int]
    default: Any  # None: absent unless set (config.toml leaves it out)
    constraint: Constraint
    help: str  # one line
    python: str  # the keyword of iris_nn.train (and of IrisNNClassifier when ``estimator``)
    control: Control
    flag: str | None = None  # the command-line option, e.g. "--lr"
    metavar: str | None = None  # what --help shows after the flag, when not its type's name
    estimator: bool = False  # an IrisNNClassifier parameter (a training setting)

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


SCHEMA: tuple[Setting, ...] = (
    Setting(
        "name",
        "str",
        "default",
        Rule(
            lambda v: bool(NAME_PATTERN.fullmatch(v)) and len(v) <= 100,
            "a letter or digit, then letters, digits, '.', '_', '-', at most 100 characters",
        ),
        "used in run names",
        "config_name",
        TEXT,
    ),
    Setting(
        "seed",
        "int",
        0,
        Interval(True, 0, MAX_SEED),
        "one seed: split, initialisation and shuffling draw independent streams from it",
        "seed",
        NUMBER,
        flag="--seed",
        estimator=True,
    ),
    Setting(
        "data.dataset",
        "str",
        DEFAULT_DATASET,
        Rule(
            lambda v: v in DATASETS or is_csv(v),
            f"{', '.join(DATASETS)}, or a path to a .csv file",
        ),
        "the data set: a bundled one or a .csv file",
        "dataset",
        CHOICE,
        flag="--data",
        metavar="NAME|CSV",
    ),
    Setting(
        "data.target",
        "str",
        "",
        Rule(
            lambda v: True,
            "a column of the CSV; empty: species, class, label, target or y, else the last column",
        ),
        "CSV only: the class column",
        "target",
        TEXT,
        flag="--target",
        metavar="COLUMN",
    ),
    Setting(
        "data.missing",
        "str",
        "error",
        Options(_missing_policies),
        "CSV only: a row with a missing cell is an error, or is dropped",
        "missing",
        CHOICE,
    ),
    Setting(
        "data.sha256",
        "str",
        None,
        Rule(lambda v: bool(SHA256_PATTERN.fullmatch(v)), "64 hex digits (lower case)"),
        "CSV only: the file's SHA-256; a changed file is refused",
        "sha256",
        HIDDEN,
    ),
    Setting(
        "data.exclude",
        "list[str]",
        (),
        Rule(_distinct, "a list of distinct columns of the CSV"),
        "CSV only: columns that are not features",
        "exclude",
        LIST,
    ),
    Setting(
        "data.features",
        "list[str]",
        (),
        Rule(_distinct, "a list of distinct feature names of the data set; [] = all"),
        "inputs, in this order; [] = all",
        "features",
        LIST,
    ),
    Setting(
        "data.test_size",
        "float",
        0.2,
        Interval(False, 0, 1, "neither"),
        "fraction of all rows held out for the test, stratified",
        "test_size",
        Control("slider", 0.05, 0.5),
    ),
    Setting(
        "data.val_size",
        "float",
        0.0,
        Interval(False, 0, 1, "left"),
        "fraction of all rows for validation, stratified; 0 = none",
        "val_size",
        Control("slider", 0.0, 0.5),
        estimator=True,
    ),
    Setting(
        "data.scaling",
        "str",
        "standard",
        Options(SCALINGS),
        "input scaling, fitted on the training rows only",
        "scaling",
        CHOICE,
        estimator=True,
    ),
    Setting(
        "model.hidden",
        "list[int]",
        (16,),
        Rule(
            lambda v: len(v) <= 8 and all(1 <= w <= 4096 for w in v),
            "0 to 8 widths, each 1 .. 4096 (e.g. [], [8], [16, 16])",
        ),
        "hidden-layer widths; [] = softmax regression",
        "hidden",
        LIST,
        flag="--hidden",
        metavar="8|16,16|none",
        estimator=True,
    ),
    Setting(
        "model.activation",
        "str",
        "tanh",
        Options(ACTIVATIONS),
        "hidden-layer activation",
        "activation",
        CHOICE,
        flag="--activation",
        estimator=True,
    ),
    Setting(
        "model.init",
        "str",
        "",
        Rule(
            lambda v: v == "" or Path(v).suffix.lower() in (".toml", ".npz"),
            'a path to a .toml or .npz file of weights W1.., b1.., or "" for random ones',
        ),
        "start from these weights, not random ones",
        "init",
        HIDDEN,
    ),
    Setting(
        "model.init_sha256",
        "str",
        None,
        Rule(lambda v: bool(SHA256_PATTERN.fullmatch(v)), "64 hex digits (lower case)"),
        "the model.init file's SHA-256; a changed file is refused",
        "init_sha256",
        HIDDEN,
    ),
    Setting(
        "train.optimizer",
        "str",
        "gd",
        Options(OPTIMIZERS),
        "gd is full batch; the others use mini-batches",
        "optimizer",
        CHOICE,
        flag="--optimizer",
        estimator=True,
    ),
    Setting(
        "train.lr",
        "float",
        0.3,
        Interval(False, 0, 1e3, "right"),
        "learning rate",
        "lr",
        Control("slider", 1e-4, 10.0, SLIDER_LOG),
        flag="--lr",
        estimator=True,
    ),
    Setting(
        "train.epochs",
        "int",
        3000,
        Interval(True, 0, 1_000_000),
        "epochs; 0 saves the initialised, untrained network",
        "epochs",
        Control("slider", 0, 100_000, SLIDER_LOG),
        flag="--epochs",
        estimator=True,
    ),
    Setting(
        "train.batch_size",
        "int",
        0,
        Interval(True, 0, None, note=" (0 = full batch)"),
        "mini-batch rows; 0 = full batch; ignored by gd",
        "batch_size",
        NUMBER,
        flag="--batch-size",
        estimator=True,
    ),
    Setting(
        "train.momentum",
        "float",
        0.9,
        Interval(False, 0, 1, "left"),
        "momentum, for optimizer momentum",
        "momentum",
        Control("slider", 0.0, 0.99),
        estimator=True,
    ),
    Setting(
        "train.nesterov",
        "bool",
        False,
        Rule(lambda v: True, "true or false"),
        "Nesterov's look-ahead, for optimizer momentum",
        "nesterov",
        TOGGLE,
        estimator=True,
    ),
    Setting(
        "train.l2",
        "float",
        0.3,
        Interval(False, 0, None, "left"),
        "L2 strength: loss += l2 / 2 * sum(W**2) / n_rows, weights only",
        "l2",
        Control("slider", 0.0, 10.0),
        estimator=True,
    ),
    Setting(
        "train.early_stopping",
        "bool",
        False,
        Rule(lambda v: True, "true or false"),
        "stop when validation loss stops improving, restoring the best weights",
        "early_stopping",
        TOGGLE,
        estimator=True,
    ),
    Setting(
        "train.patience",
        "int",
        200,
        Interval(True, 1, 1_000_000),
        "epochs without improvement before early stopping",
        "patience",
        NUMBER,
        estimator=True,
    ),
    Setting(
        "train.min_delta",
        "float",
        0.0,
        Interval(False, 0, None, "left"),
        "the smallest decrease of validation loss that counts",
        "min_delta",
        NUMBER,
        estimator=True,
    ),
    Setting(
        "train.init_seed",
        "int",
        None,
        Interval(True, 0, MAX_SEED),
        "seeds the initial weights and mini-batch order alone; absent: from seed",
        "init_seed",
        NUMBER,
        estimator=True,
    ),
    Setting(
        "plots.row",
        "int",
        None,
        Interval(True, 0, None),
        "the example row (0-based, as in split.json) the figures walk through",
        "row",
        NUMBER,
        flag="--row",
    ),
    Setting(
        "plots.plane",
        "list[str]",
        (),
        Rule(
            lambda v: len(v) in (0, 2) and _distinct(v),
            "two distinct feature names, or [] for the two most influential",
        ),
        "the two inputs of the decision-regions plane; [] = the data set's or most influential",
        "plane",
        LIST,
    ),
    Setting(
        "plots.style",
        "str",
        "paper",
        Options(PLOT_STYLES),
        "figures for print (paper) or a projector (talk: 1920 px wide, large text; dark: talk on a "
        "dark ground)",
        "style",
        CHOICE,
        flag="--style",
    ),
)

SETTINGS: dict[str, Setting] = {s.key: s for s in SCHEMA}
BY_PYTHON_NAME: dict[str, Setting] = {s.python: s for s in SCHEMA}
# Keys whose default is "absent": config.toml and default.toml leave them out (a comment there).
ABSENT_BY_DEFAULT = frozenset(s.key for s in SCHEMA if s.default is None)
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(s.section for s in SCHEMA if s.section))
# Keys holding a path: relative to the config file that names them, else to the current
# directory; the resolved config holds them absolute, so a run's config.toml works from anywhere.
# (data.dataset is a path only when it names a .csv file.)
PATH_KEYS = ("data.dataset", "model.init")


def defaults() -> dict[str, Any]:
    """Return every key's default as ``{dotted key: value}`` (None for an absent key)."""
    return {s.key: s.default for s in SCHEMA}
