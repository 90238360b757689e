"""Configuration: frozen dataclasses with commented defaults, TOML overrides, ``--set`` parsing.

Precedence, lowest first: the defaults below (equal to ``configs/default.toml``) < a config file <
``--set KEY=VALUE`` (in order) < the named CLI options. Every value is checked against ``FIELDS``;
a bad one raises ``ConfigError`` naming the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import ACTIVATIONS
from iris_nn.core.optim import OPTIMIZERS
from iris_nn.core.train import TrainSettings
from iris_nn.data.csvfile import MISSING_POLICIES
from iris_nn.data.datasets import DATASETS, DEFAULT_DATASET, get_dataset, is_csv
from iris_nn.data.limits import read_text
from iris_nn.data.scaler import SCALINGS
from iris_nn.data.values import feature_name, parse_integer

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # SPEC 4: names start alphanumeric


class ConfigError(BadInputError):
    """A config value, key or file that cannot be used; the message names it."""


@dataclass(frozen=True)
class DataConfig:
    dataset: str = DEFAULT_DATASET  # a registered data set (data/datasets.py) or a .csv file
    target: str = ""  # CSV only: the class column; "" = species, class, label, target, y, or last
    missing: str = "error"  # CSV only: a row with a missing cell is an error, or is dropped
    exclude: tuple[str, ...] = ()  # CSV only: columns that are not features (an id, say)
    features: tuple[str, ...] = ()  # network inputs, in this order; () = all of the data set's
    test_size: float = 0.2  # fraction of all rows held out for the final test, stratified
    val_size: float = 0.0  # fraction of all rows for validation (0 = none), stratified
    scaling: str = "standard"  # standard | minmax | none, fitted on the training rows only


@dataclass(frozen=True)
class ModelConfig:
    hidden: tuple[int, ...] = (16,)  # hidden-layer widths; () is softmax regression
    activation: str = "tanh"  # hidden layers only
    init: str = ""  # a .toml or .npz file of starting weights W1.., b1..; "" = random, seeded


@dataclass(frozen=True)
class TrainConfig:
    optimizer: str = "gd"  # gd (full batch) | sgd | momentum | adam
    lr: float = 0.3  # learning rate
    epochs: int = 3000  # 0 saves the initialised, untrained network
    batch_size: int = 0  # mini-batch rows; 0 = full batch; ignored by gd
    momentum: float = 0.9  # for the momentum optimizer
    nesterov: bool = False  # Nesterov's look-ahead, for the momentum optimizer
    l2: float = 0.3  # L2 strength: loss += l2 / 2 * sum(W**2) / n_rows (weights only)
    early_stopping: bool = False  # stop on validation loss, restoring the best weights
    patience: int = 200  # epochs without improvement before stopping
    min_delta: float = 0.0  # the smallest decrease of validation loss that counts
    init_seed: int | None = (
        None  # seeds initial weights and mini-batch order alone; None: from seed
    )

    def settings(self) -> TrainSettings:
        """Return the plain settings the training loop reads."""
        names = [f.name for f in dataclasses.fields(TrainSettings)]
        return TrainSettings(**{name: getattr(self, name) for name in names})


@dataclass(frozen=True)
class Config:
    name: str = "default"  # used in run names
    seed: int = 0  # split, initialisation and shuffling draw independent streams from it
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


@dataclass(frozen=True)
class Field:
    """How one dotted key is typed and bounded."""

    kind: str  # str | int | float | bool | list[str] | list[int]
    check: Callable[[Any], bool]
    allowed: str


def _choice(options: Iterable[str]) -> Field:
    opts = tuple(options)
    return Field("str", lambda v: v in opts, "one of " + ", ".join(opts))


FIELDS: dict[str, Field] = {
    "name": Field(
        "str",
        lambda v: bool(NAME_PATTERN.fullmatch(v)) and len(v) <= 100,
        "a letter or digit, then letters, digits, '.', '_', '-', at most 100 characters",
    ),
    "seed": Field("int", lambda v: 0 <= v <= 2**32 - 1, "an integer 0 .. 4294967295"),
    "data.dataset": Field(
        "str",
        lambda v: v in DATASETS or is_csv(v),
        f"{', '.join(DATASETS)}, or a path to a .csv file",
    ),
    "data.target": Field(
        "str",
        lambda v: True,
        "a column of the CSV; empty: species, class, label, target or y, else the last column",
    ),
    "data.missing": _choice(MISSING_POLICIES),
    "data.exclude": Field(
        "list[str]",
        lambda v: len(v) == len(set(v)),
        "a list of distinct columns of the CSV",
    ),
    "data.features": Field(
        "list[str]",
        lambda v: len(v) == len(set(v)),
        "a list of distinct feature names of the data set; [] = all",
    ),
    "data.test_size": Field("float", lambda v: 0 < v < 1, "0 < x < 1"),
    "data.val_size": Field("float", lambda v: 0 <= v < 1, "0 <= x < 1"),
    "data.scaling": _choice(SCALINGS),
    "model.hidden": Field(
        "list[int]",
        lambda v: len(v) <= 8 and all(1 <= w <= 4096 for w in v),
        "0 to 8 widths, each 1 .. 4096 (e.g. [], [8], [16, 16])",
    ),
    "model.activation": _choice(ACTIVATIONS),
    "model.init": Field(
        "str",
        lambda v: v == "" or Path(v).suffix.lower() in (".toml", ".npz"),
        'a path to a .toml or .npz file of weights W1.., b1.., or "" for random ones',
    ),
    "train.optimizer": _choice(OPTIMIZERS),
    "train.lr": Field("float", lambda v: 0 < v <= 1e3, "0 < x <= 1000"),
    "train.epochs": Field("int", lambda v: 0 <= v <= 1_000_000, "an integer 0 .. 1000000"),
    "train.batch_size": Field("int", lambda v: v >= 0, "an integer >= 0 (0 = full batch)"),
    "train.momentum": Field("float", lambda v: 0 <= v < 1, "0 <= x < 1"),
    "train.nesterov": Field("bool", lambda v: True, "true or false"),
    "train.l2": Field("float", lambda v: v >= 0, "x >= 0"),
    "train.early_stopping": Field("bool", lambda v: True, "true or false"),
    "train.patience": Field("int", lambda v: 1 <= v <= 1_000_000, "an integer 1 .. 1000000"),
    "train.min_delta": Field("float", lambda v: v >= 0, "x >= 0"),
    "train.init_seed": Field("int", lambda v: 0 <= v <= 2**32 - 1, "an integer 0 .. 4294967295"),
}
# Keys whose default is "absent": config.toml and default.toml leave them out (a comment there).
ABSENT_BY_DEFAULT = frozenset({"train.init_seed"})
SECTIONS = ("data", "model", "train")
# Keys holding a path: relative to the config file that names them, else to the current
# directory; the resolved config holds them absolute, so a run's config.toml works from anywhere.
# (data.dataset is a path only when it names a .csv file.)
PATH_KEYS = ("data.dataset", "model.init")


def _show(value: Any, limit: int = 80) -> str:
    """Return ``value`` as TOML-like text for a message, shortened past ``limit`` characters."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(_show(v, limit) for v in value[:limit]) + "]"
    elif isinstance(value, dict):
        text = "{...}"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_value(key: str, value: Any) -> Any:
    """Return ``value`` converted to the type of ``key``; raise ConfigError if it is not allowed."""
    if key not in FIELDS:
        raise ConfigError(f"unknown config key {key!r}{_suggest(key, FIELDS)}")
    spec = FIELDS[key]
    bad = f"{key} = {_show(value)}"
    kind = spec.kind
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{bad}: expected a number, {spec.allowed}")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{bad}: not a finite number; allowed: {spec.allowed}")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{bad}: expected an integer; allowed: {spec.allowed}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{bad}: expected true or false")
    elif kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{bad}: expected a string; allowed: {spec.allowed}")
    else:
        item = str if kind == "list[str]" else int
        if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, item) and not isinstance(v, bool) for v in value
        ):
            raise ConfigError(
                f"{bad}: expected a list of {item.__name__}s; allowed: {spec.allowed}"
            )
        value = tuple(value)
    if not spec.check(value):
        hint = _suggest(value, spec.allowed.replace(",", " ").split()) if kind == "str" else ""
        raise ConfigError(f"{bad} is not allowed{hint}; allowed: {spec.allowed}")
    return value


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Return a nested TOML table as ``{"section.key": value}``; unknown sections are errors."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = prefix + key
        if isinstance(value, dict):
            if prefix or key not in SECTIONS:
                raise ConfigError(f"unknown config section [{dotted}]{_suggest(dotted, SECTIONS)}")
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def to_flat(config: Config) -> dict[str, Any]:
    """Return every key of ``config`` as ``{"section.key": value}``."""
    flat: dict[str, Any] = {"name": config.name, "seed": config.seed}
    for section in SECTIONS:
        for f in dataclasses.fields(getattr(config, section)):
            flat[f"{section}.{f.name}"] = getattr(getattr(config, section), f.name)
    return flat


def apply(config: Config, overrides: Mapping[str, Any]) -> Config:
    """Return ``config`` with dotted-key ``overrides`` applied, each checked; then check the whole."""
    flat = to_flat(config)
    for key, value in overrides.items():
        flat[key] = check_value(key, value)
    sections = {
        s: {k.split(".", 1)[1]: v for k, v in flat.items() if k.startswith(s + ".")}
        for s in SECTIONS
    }
    result = Config(
        name=flat["name"],
        seed=flat["seed"],
        data=DataConfig(**sections["data"]),
        model=ModelConfig(**sections["model"]),
        train=TrainConfig(**sections["train"]),
    )
    check_consistency(result)
    return result


def check_consistency(config: Config) -> None:
    """Raise ConfigError where keys that are fine alone do not fit together."""
    d, t = config.data, config.train
    if is_csv(d.dataset):
        path = Path(d.dataset)
        if not path.is_file():
            if path.is_dir():
                why = "is a directory"
            elif path.exists():  # a device or a pipe: it may never end
                why = "is not a regular file; allowed: a .csv file"
            else:
                why = "does not exist"
            raise ConfigError(f"data.dataset = {d.dataset!r}: the CSV file {why}")
    else:
        info = get_dataset(d.dataset)
        known = info.features
        unknown = [f for f in d.features if f not in known and feature_name(f) not in known]
        if unknown:
            raise ConfigError(
                f"data.features = {_show(d.features)}: {_show(unknown)} not in data set "
                f"{d.dataset!r}; allowed: a list of distinct names from {', '.join(known)}; "
                "[] = all"
            )
        if d.target not in ("", info.target):
            raise ConfigError(
                f"data.target = {d.target!r} is for CSV files; data set {d.dataset!r} has its "
                f"class column {info.target!r}"
            )
        if d.exclude:
            raise ConfigError(
                f"data.exclude = {_show(d.exclude)} is for CSV files; with data set "
                f"{d.dataset!r} choose inputs with data.features"
            )
    names = [feature_name(f) for f in d.features]
    if len(set(names)) != len(names):
        raise ConfigError(
            f"data.features = {_show(d.features)} names a feature twice; allowed: distinct names"
        )
    if d.test_size + d.val_size >= 1:
        raise ConfigError(
            f"data.test_size + data.val_size = {d.test_size} + {d.val_size} leaves no training "
            "rows; allowed: a sum below 1"
        )
    if t.early_stopping and d.val_size == 0:
        raise ConfigError(
            "train.early_stopping = true needs validation rows; set data.val_size > 0 "
            "or train.early_stopping = false"
        )


def read_file(path: str | Path) -> dict[str, Any]:
    """Return the dotted-key values of a TOML config file; raise ConfigError if unusable.

    The file is read within the size limit of a config file; a byte order mark is dropped.
    """
    try:
        tree = parse_toml(read_text(path, "config file"))
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {str(path)!r} is a directory") from None
    except OSError as e:
        raise ConfigError(f"cannot read config file {str(path)!r}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {e}") from None
    return flatten(tree)


def parse_toml(text: str) -> dict[str, Any]:
    """Return the table of TOML ``text``; nesting too deep to parse is a TOMLDecodeError too."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or tables nested too deeply") from None


def parse_hidden(text: str) -> tuple[int, ...]:
    """Return hidden widths from ``none``, ``[]``, ``8``, ``16,16`` or ``[16, 16]``."""
    body = text.strip()
    if body.lower() in ("none", "[]"):
        return ()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    try:  # '', '8,,8' and '1_6' are not widths
        widths = tuple(parse_integer(part, "model.hidden") for part in body.split(","))
    except BadInputError:
        raise ConfigError(
            f"model.hidden = {_show(text)} is not allowed; allowed: none, [], 8, 16,16 or [16, 16]"
        ) from None
    return check_value("model.hidden", widths)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Return ``(key, value)`` from ``KEY=VALUE``: VALUE is TOML, raw text for string keys."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {_show(text)}: expected KEY=VALUE, e.g. train.lr=0.05")
    if key not in FIELDS:
        raise ConfigError(f"unknown config key {key!r}{_suggest(key, FIELDS)}")
    if key == "model.hidden":
        return key, parse_hidden(raw)
    if FIELDS[key].kind == "str":
        return key, raw
    try:
        value = parse_toml(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # not TOML: check_value says what type the key wants
    return key, check_value(key, value)


def load(
    path: str | Path | None = None,
    sets: Iterable[str] = (),
    options: Mapping[str, Any] | None = None,
) -> Config:
    """Return the resolved config: defaults < file < ``--set`` assignments < named options.

    Paths in the file are relative to the file; the others to the current directory.
    """
    overrides: dict[str, Any] = {}
    if path is not None:
        base = Path(path).parent
        for key, value in read_file(path).items():
            overrides[key] = absolute_path(key, check_value(key, value), base)
    for text in sets:
        key, value = parse_assignment(text)
        overrides[key] = absolute_path(key, value)
    for key, value in (options or {}).items():
        if value is not None:
            overrides[key] = absolute_path(key, check_value(key, value))
    return apply(Config(), overrides)


def absolute_path(key: str, value: Any, base: Path = Path()) -> Any:
    """Return the path ``value`` of a PATH_KEYS ``key`` made absolute from ``base``; others as is."""
    if key not in PATH_KEYS or not value or Path(value).is_absolute():
        return value
    if key == "data.dataset" and not is_csv(value):
        return value  # a bundled data set's name
    return os.path.abspath(base / value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def to_toml(config: Config) -> str:
    """Return ``config`` as TOML text that ``load`` reads back to an equal config."""
    flat = to_flat(config)
    lines = [f"name = {_toml_value(flat['name'])}", f"seed = {flat['seed']}"]
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        lines += [
            f"{k.split('.', 1)[1]} = {_toml_value(v)}"
            for k, v in flat.items()
            if k.startswith(section + ".") and v is not None  # TOML has no null: absent
        ]
    return "\n".join(lines) + "\n"
