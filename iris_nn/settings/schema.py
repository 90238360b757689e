"""The settings schema: the table of every config key, each declared once.

Each ``Setting`` (``setting.py``) holds a dotted key, its type, its default (None: absent), a
constraint that both checks a value and writes its own "allowed" text (``constraints.py``), the
playground control that shows it, a one-line help, its command-line flag if any and its Python
name (the keyword of ``iris_nn.train`` and, for the training settings, of ``IrisNNClassifier``).
The config checks and messages, the command-line options and their ``--help``, the estimator's
parameters, the training loop's settings and the test of ``configs/default.toml`` all read
``SCHEMA``. Adding a setting is one entry in the table below, its line in
``configs/default.toml`` and the code that uses it.

Registry names (activations, optimisers, data sets, scalings, missing-cell policies) are read from
their registries. This module imports nothing heavier than numpy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from iris_nn.core.functional import ACTIVATIONS
from iris_nn.core.network import DTYPES
from iris_nn.core.optim import OPTIMIZERS
from iris_nn.data.datasets import DATASETS, DEFAULT_DATASET, is_csv
from iris_nn.data.scaler import SCALINGS
from iris_nn.settings.constraints import Constraint, Interval, Options, Rule
from iris_nn.settings.setting import (
    CHOICE,
    HIDDEN,
    LIST,
    NUMBER,
    SLIDER_LOG,
    TEXT,
    TOGGLE,
    Control,
    Setting,
)

__all__ = [  # what the rest of the package imports from here
    "ABSENT_BY_DEFAULT",
    "BY_PYTHON_NAME",
    "NAME_PATTERN",
    "PATH_KEYS",
    "PLOT_STYLES",
    "SCHEMA",
    "SECTIONS",
    "SETTINGS",
    "Constraint",
    "Control",
    "Interval",
    "Options",
    "Rule",
    "Setting",
    "defaults",
]

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a name starts alphanumeric
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
MAX_SEED = 2**32 - 1
# plots.style's names: views/presentation.py's STYLES, keyed by them (views come after settings)
PLOT_STYLES = ("paper", "talk", "dark")


def _missing_policies() -> tuple[str, ...]:
    from iris_nn.data.csvfile import MISSING_POLICIES

    return tuple(MISSING_POLICIES)


def _categorical_policies() -> tuple[str, ...]:
    from iris_nn.data.csv_dataset import CATEGORICAL_POLICIES

    return CATEGORICAL_POLICIES


def _is_name(v: str) -> bool:
    return bool(NAME_PATTERN.fullmatch(v)) and len(v) <= 100


def _is_dataset(v: str) -> bool:
    return v in DATASETS or is_csv(v)


def _is_weights_file(v: str) -> bool:
    return v == "" or Path(v).suffix.lower() in (".toml", ".npz")


def _widths(v: list[int]) -> bool:
    return len(v) <= 8 and all(1 <= w <= 4096 for w in v)


def _image_shape(v: list[int]) -> bool:
    return len(v) == 0 or (len(v) == 2 and all(1 <= n <= 4096 for n in v))


def _distinct(v: Any) -> bool:
    return len(v) == len(set(v))


def _is_plane(v: list[str]) -> bool:
    return len(v) in (0, 2) and _distinct(v)


def _any(v: Any) -> bool:
    return True


_DATASETS_ALLOWED = f"{', '.join(DATASETS)}, or a path to a .csv file"
SHA256 = Rule(lambda v: bool(SHA256_PATTERN.fullmatch(v)), "64 hex digits (lower case)")
BOOLEAN = Rule(_any, "true or false")


# One entry a setting: key, type, default (None: absent), what it allows, how the page shows it and
# a one-line help; then, where it has them, its command-line flag, that flag's metavar, whether it
# is an IrisNNClassifier parameter, and a Python keyword other than the key's last part. The table
# is laid out by hand, a setting in two or three lines, so that the eye reads it down its columns.
# fmt: off
SCHEMA: tuple[Setting, ...] = (
    Setting("name", "str", "default", Rule(_is_name, "a letter or digit, then letters, digits, "
            "'.', '_', '-', at most 100 characters"), TEXT, "used in run names",
            python="config_name"),
    Setting("seed", "int", 0, Interval(True, 0, MAX_SEED), NUMBER,
            "one seed: split, initialisation and shuffling draw independent streams from it",
            flag="--seed", estimator=True),
    # data: what is read and how it is split and scaled
    Setting("data.dataset", "str", DEFAULT_DATASET, Rule(_is_dataset, _DATASETS_ALLOWED), CHOICE,
            "the data set: a bundled one or a .csv file", flag="--data", metavar="NAME|CSV"),
    Setting("data.target", "str", "", Rule(_any, "a column of the CSV; empty: species, class, "
            "label, target or y, else the last column"), TEXT, "CSV only: the class column",
            flag="--target", metavar="COLUMN"),
    Setting("data.missing", "str", "error", Options(_missing_policies), CHOICE,
            "CSV only: a row with a missing cell is an error, is dropped, or is filled from the "
            "training rows"),
    Setting("data.categorical", "str", "onehot", Options(_categorical_policies), CHOICE,
            "CSV only: a text input column becomes one 0/1 input per value, or is an error"),
    Setting("data.sha256", "str", None, SHA256, HIDDEN,
            "CSV only: the file's SHA-256; a changed file is refused"),
    Setting("data.exclude", "list[str]", (), Rule(_distinct, "a list of distinct columns of the "
            "CSV"), LIST, "CSV only: columns that are not features"),
    Setting("data.features", "list[str]", (), Rule(_distinct, "a list of distinct feature names "
            "of the data set; [] = all"), LIST, "inputs, in this order; [] = all"),
    Setting("data.image_shape", "list[int]", (), Rule(_image_shape, "[] or [H, W], each 1 .. 4096, "
            "with H x W = the number of inputs"), LIST,
            "the inputs are an image's pixels row by row: [H, W]; [] = the data set's own"),
    Setting("data.test_size", "float", 0.2, Interval(False, 0, 1, "neither"),
            Control("slider", 0.05, 0.5), "fraction of all rows held out for the test, stratified"),
    Setting("data.val_size", "float", 0.0, Interval(False, 0, 1, "left"),
            Control("slider", 0.0, 0.5), "fraction of all rows for validation, stratified; 0 = "
            "none", estimator=True),
    Setting("data.scaling", "str", "standard", Options(SCALINGS), CHOICE,
            "input scaling, fitted on the training rows only", estimator=True),
    # model: the network's shape and first weights
    Setting("model.hidden", "list[int]", (16,), Rule(_widths, "0 to 8 widths, each 1 .. 4096 "
            "(e.g. [], [8], [16, 16])"), LIST, "hidden-layer widths; [] = softmax regression",
            flag="--hidden", metavar="8|16,16|none", estimator=True),
    Setting("model.activation", "str", "tanh", Options(ACTIVATIONS), CHOICE,
            "hidden-layer activation", flag="--activation", estimator=True),
    Setting("model.init", "str", "", Rule(_is_weights_file, "a path to a .toml or .npz file of "
            'weights W1.., b1.., or "" for random ones'), HIDDEN,
            "start from these weights, not random ones"),
    Setting("model.init_sha256", "str", None, SHA256, HIDDEN,
            "the model.init file's SHA-256; a changed file is refused"),
    # train: the optimiser and the loop
    Setting("train.optimizer", "str", "gd", Options(OPTIMIZERS), CHOICE,
            "gd is full batch; the others use mini-batches", flag="--optimizer", estimator=True),
    Setting("train.lr", "float", 0.3, Interval(False, 0, 1e3, "right"),
            Control("slider", 1e-4, 10.0, SLIDER_LOG), "learning rate",
            flag="--lr", estimator=True),
    Setting("train.epochs", "int", 3000, Interval(True, 0, 1_000_000),
            Control("slider", 0, 100_000, SLIDER_LOG),
            "epochs; 0 saves the initialised, untrained network", flag="--epochs", estimator=True),
    Setting("train.batch_size", "int", 0, Interval(True, 0, None, note=" (0 = full batch)"),
            NUMBER, "mini-batch rows; 0 = full batch; ignored by gd",
            flag="--batch-size", estimator=True),
    Setting("train.momentum", "float", 0.9, Interval(False, 0, 1, "left"),
            Control("slider", 0.0, 0.99), "momentum, for optimizer momentum", estimator=True),
    Setting("train.nesterov", "bool", False, BOOLEAN, TOGGLE,
            "Nesterov's look-ahead, for optimizer momentum", estimator=True),
    Setting("train.l2", "float", 0.3, Interval(False, 0, None, "left"),
            Control("slider", 0.0, 10.0),
            "L2 strength: loss += l2 / 2 * sum(W**2) / n_rows, weights only", estimator=True),
    Setting("train.early_stopping", "bool", False, BOOLEAN, TOGGLE,
            "stop when validation loss stops improving, restoring the best weights",
            estimator=True),
    Setting("train.patience", "int", 200, Interval(True, 1, 1_000_000), NUMBER,
            "epochs without improvement before early stopping", estimator=True),
    Setting("train.min_delta", "float", 0.0, Interval(False, 0, None, "left"), NUMBER,
            "the smallest decrease of validation loss that counts", estimator=True),
    Setting("train.dtype", "str", "float64", Options(DTYPES), HIDDEN,
            "the engine's working precision; float32 trains large data faster, the saved model "
            "stays float64", estimator=True),
    Setting("train.init_seed", "int", None, Interval(True, 0, MAX_SEED), NUMBER,
            "seeds the initial weights and mini-batch order alone; absent: from seed",
            estimator=True),
    # plots: what the figures show and for which room
    Setting("plots.row", "int", None, Interval(True, 0, None), NUMBER,
            "the example row (0-based, as in split.json) the figures walk through", flag="--row"),
    Setting("plots.plane", "list[str]", (), Rule(_is_plane, "two distinct feature names, or [] "
            "for the two most influential"), LIST,
            "the two inputs of the decision-regions plane; [] = the data set's or most "
            "influential"),
    Setting("plots.style", "str", "paper", Options(PLOT_STYLES), CHOICE,
            "figures for print (paper) or a projector (talk: 1920 px wide, large text; dark: talk "
            "on a dark ground)", flag="--style"),
)
# fmt: on

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
