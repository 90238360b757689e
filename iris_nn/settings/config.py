"""Configuration: frozen dataclasses with commented defaults, TOML overrides, ``--set`` parsing.

Precedence, lowest first: the defaults below (equal to ``configs/default.toml``) < a config file <
``--set KEY=VALUE`` (in order) < the named CLI options. Every value is checked against its entry
in the schema (``settings/schema.py``); a bad one raises ``ConfigError`` naming the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from iris_nn.core.errors import BadInputError
from iris_nn.core.train import TrainSettings
from iris_nn.data.datasets import get_dataset, is_csv
from iris_nn.data.limits import read_text
from iris_nn.data.values import feature_name, parse_integer
from iris_nn.settings.schema import PATH_KEYS, SCHEMA, SECTIONS, SETTINGS, Options, Setting


class ConfigError(BadInputError):
    """A config value, key or file that cannot be used; the message names it."""


def _section_class(section: str) -> Any:
    """Return the frozen dataclass of ``section``'s keys, with the schema's defaults."""
    fields = [(s.field, Any, field(default=s.default)) for s in SCHEMA if s.section == section]
    name = section.capitalize() + "Config"
    cls = dataclasses.make_dataclass(name, fields, frozen=True)
    cls.__module__ = __name__  # pickled (cross-validation workers) by this module's name
    return cls


# The sections' dataclasses, built from the schema: ``config.train.lr`` reads as before.
DataConfig = _section_class("data")
ModelConfig = _section_class("model")
TrainConfig = _section_class("train")
PlotsConfig = _section_class("plots")
SECTION_CLASSES: dict[str, Any] = {
    "data": DataConfig,
    "model": ModelConfig,
    "train": TrainConfig,
    "plots": PlotsConfig,
}
assert tuple(SECTION_CLASSES) == SECTIONS, "a section of the schema without its dataclass"


@dataclass(frozen=True)
class Config:
    """A resolved config: the top-level keys and one dataclass per section."""

    name: str = SETTINGS["name"].default
    seed: int = SETTINGS["seed"].default
    data: Any = field(default_factory=DataConfig)
    model: Any = field(default_factory=ModelConfig)
    train: Any = field(default_factory=TrainConfig)
    plots: Any = field(default_factory=PlotsConfig)


def train_settings(config: Config) -> TrainSettings:
    """Return the plain settings the training loop reads, from ``config``'s keys of those names."""
    flat = to_flat(config)
    by_name = {SETTINGS[k].field: v for k, v in flat.items() if SETTINGS[k].section == "train"}
    return TrainSettings(**{f.name: by_name[f.name] for f in dataclasses.fields(TrainSettings)})


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


def setting(key: str) -> Setting:
    """Return the schema's entry of ``key``; raise ConfigError naming an unknown key."""
    if key not in SETTINGS:
        raise ConfigError(f"unknown config key {key!r}{_suggest(key, SETTINGS)}")
    return SETTINGS[key]


def check_value(key: str, value: Any) -> Any:
    """Return ``value`` converted to the type of ``key``; raise ConfigError if it is not allowed."""
    spec = setting(key)
    if value is None and spec.default is None:
        return None  # absent, as by default (from Python: TOML has no null)
    bad = f"{key} = {_show(value)}"
    kind = spec.kind
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{bad}: expected a number, {spec.constraint.allowed}")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{bad}: not a finite number; allowed: {spec.constraint.allowed}")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{bad}: expected an integer; allowed: {spec.constraint.allowed}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{bad}: expected true or false")
    elif kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{bad}: expected a string; allowed: {spec.constraint.allowed}")
    else:
        item = str if kind == "list[str]" else int
        if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, item) and not isinstance(v, bool) for v in value
        ):
            raise ConfigError(
                f"{bad}: expected a list of {item.__name__}s; allowed: {spec.constraint.allowed}"
            )
        value = tuple(value)
    if not spec.constraint.check(value):
        rule = spec.constraint
        hint = _suggest(value, rule.names) if isinstance(rule, Options) else ""
        raise ConfigError(f"{bad} is not allowed{hint}; allowed: {rule.allowed}")
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
    """Return every key of ``config`` as ``{"section.key": value}``, in the schema's order."""
    return {
        s.key: getattr(getattr(config, s.section) if s.section else config, s.field) for s in SCHEMA
    }


def apply(config: Config, overrides: Mapping[str, Any]) -> Config:
    """Return ``config`` with dotted-key ``overrides`` applied, each checked; then check the whole."""
    flat = to_flat(config)
    for key, value in overrides.items():
        flat[key] = check_value(key, value)
    top = {s.field: flat[s.key] for s in SCHEMA if not s.section}
    sections = {
        section: cls(**{s.field: flat[s.key] for s in SCHEMA if s.section == section})
        for section, cls in SECTION_CLASSES.items()
    }
    result = Config(**top, **sections)
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
    if d.sha256 is not None and not is_csv(d.dataset):
        raise ConfigError(
            f"data.sha256 is for CSV files; data set {d.dataset!r} is bundled: remove data.sha256"
        )
    if config.model.init_sha256 is not None and not config.model.init:
        raise ConfigError("model.init_sha256 needs model.init, the file it is the SHA-256 of")
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
    except ValueError:  # a NUL byte in the path: no file can have that name
        raise ConfigError(f"config file {str(path)!r} is not a usable path") from None
    return flatten(tree)


def parse_toml(text: str) -> dict[str, Any]:
    """Return the table of TOML ``text``; nesting too deep to parse is a TOMLDecodeError too."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or tables nested too deeply") from None


def parse_int_list(key: str, text: str) -> tuple[int, ...]:
    """Return a list of integers from ``none``, ``[]``, ``8``, ``16,16`` or ``[16, 16]``."""
    body = text.strip()
    if body.lower() in ("none", "[]"):
        return ()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    try:  # '', '8,,8' and '1_6' are not widths
        values = tuple(parse_integer(part, key) for part in body.split(","))
    except BadInputError:
        raise ConfigError(
            f"{key} = {_show(text)} is not allowed; allowed: none, [], 8, 16,16 or [16, 16]"
        ) from None
    return check_value(key, values)


def parse_hidden(text: str) -> tuple[int, ...]:
    """Return hidden widths from ``none``, ``[]``, ``8``, ``16,16`` or ``[16, 16]``."""
    return parse_int_list("model.hidden", text)


def parse_option(key: str, text: Any) -> Any:
    """Return the value of a named option for ``key``: a list from its text, others as given."""
    return parse_int_list(key, text) if setting(key).kind == "list[int]" else text


def parse_assignment(text: str) -> tuple[str, Any]:
    """Return ``(key, value)`` from ``KEY=VALUE``: VALUE is TOML, raw text for string keys."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {_show(text)}: expected KEY=VALUE, e.g. train.lr=0.05")
    kind = setting(key).kind
    if kind == "list[int]":
        return key, parse_int_list(key, raw)
    if kind == "str":
        return key, raw
    try:
        value = parse_toml(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # not TOML: check_value says what type the key wants
    return key, check_value(key, value)


# A file key and the key of its SHA-256, which a run's config.toml records.
FILE_HASHES = {"data.dataset": "data.sha256", "model.init": "model.init_sha256"}


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
    from_file = dict(overrides)
    for text in sets:
        key, value = parse_assignment(text)
        overrides[key] = absolute_path(key, value)
    for key, value in (options or {}).items():
        if value is not None:
            overrides[key] = absolute_path(key, check_value(key, value))
    for file_key, hash_key in FILE_HASHES.items():
        # a hash recorded in the file is of the file it names, not of one named after it
        moved = overrides.get(file_key) != from_file.get(file_key)
        if moved and hash_key in from_file and overrides[hash_key] == from_file[hash_key]:
            overrides[hash_key] = None
    return apply(Config(), overrides)


def absolute_path(key: str, value: Any, base: Path = Path()) -> Any:
    """Return the path ``value`` of a PATH_KEYS ``key`` made absolute from ``base``; others as is."""
    if key not in PATH_KEYS or not value or Path(value).is_absolute():
        return value
    if key == "data.dataset" and not is_csv(value):
        return value  # a bundled data set's name
    return os.path.abspath(base / value)


def to_toml(config: Config) -> str:
    """Return ``config`` as TOML text that ``load`` reads back to an equal config.

    An absent key (None) is left out: TOML has no null.
    """
    tree: dict[str, Any] = {}
    for key, value in to_flat(config).items():
        if value is None:
            continue
        section = SETTINGS[key].section
        table = tree.setdefault(section, {}) if section else tree
        table[SETTINGS[key].field] = list(value) if isinstance(value, tuple) else value
    return tomli_w.dumps(tree)
