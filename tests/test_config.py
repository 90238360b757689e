"""Config: defaults equal configs/default.toml, precedence, and one clear error per bad value."""

import dataclasses
import tomllib
from pathlib import Path

import pytest

from iris_nn.settings import config as C
from iris_nn.settings import schema as S

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


def documented_keys(text):
    """Return ``{dotted key: (default text or None when commented out, comment)}`` of a
    default.toml-style file: a comment's continuation lines are indented ``#`` lines."""
    keys, section, last = {}, "", None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section, last = stripped[1:-1] + ".", None
        elif "=" in line and "  # " in line and not line.startswith(" "):
            assignment, _, comment = line.partition("  # ")
            commented = assignment.startswith("# ")
            key, _, value = assignment.removeprefix("# ").partition("=")
            last = section + key.strip()
            keys[last] = (None if commented else value.strip(), comment.strip())
        elif stripped.startswith("# ") and line.startswith(" ") and last:
            default, comment = keys[last]
            keys[last] = (default, comment + " " + stripped[2:])
    return keys


def test_default_toml_is_held_to_the_schema():
    text = (ROOT / "configs" / "default.toml").read_text()
    documented = documented_keys(text)
    assert list(documented) == list(S.SETTINGS), "default.toml lists every key, in schema order"
    for key, (default, comment) in documented.items():
        setting = S.SETTINGS[key]
        assert comment.startswith(setting.help), (key, comment, setting.help)
        if setting.default is None:
            assert default is None, f"{key} is absent by default: a commented line"
        else:
            value = tomllib.loads(f"v = {default}")["v"]
            assert C.check_value(key, value) == setting.default, key
    assert C.load(ROOT / "configs" / "default.toml") == C.Config()
    flat = C.flatten(tomllib.loads(text))
    assert {k: v for k, v in C.to_flat(C.Config()).items() if v is not None} == {
        k: tuple(v) if isinstance(v, list) else v for k, v in flat.items()
    }


def test_registry_names_are_listed_from_the_registries():
    from iris_nn.core.functional import ACTIVATIONS
    from iris_nn.core.optim import OPTIMIZERS
    from iris_nn.data.scaler import SCALINGS

    for key, registry in [
        ("model.activation", ACTIVATIONS),
        ("train.optimizer", OPTIMIZERS),
        ("data.scaling", SCALINGS),
    ]:
        assert S.SETTINGS[key].constraint.allowed == "one of " + ", ".join(registry)


def test_python_names_are_unique_and_the_estimator_takes_the_training_settings():
    assert len(S.BY_PYTHON_NAME) == len(S.SCHEMA)
    assert S.SETTINGS["name"].python == "config_name"
    assert S.SETTINGS["seed"].estimator_name == "random_state"
    assert all(s.estimator for s in S.SCHEMA if s.section == "train")


CONFIGS = sorted(p for p in (ROOT / "configs").glob("*.toml") if not p.stem.endswith("-weights"))


@pytest.mark.parametrize("path", CONFIGS)
def test_every_shipped_config_loads_as_written(path):
    # tomllib is the oracle: each key the file sets is loaded as written, every other key keeps
    # its default (a key dropped or renamed on the way would show here)
    with open(path, "rb") as f:
        written = C.flatten(tomllib.load(f))
    loaded, defaults = C.to_flat(C.load(path)), C.to_flat(C.Config())
    for key, value in loaded.items():
        expected = written.get(key, defaults[key])
        if key == "model.init" and expected:  # a file named beside the config
            expected = str(path.parent / expected)
        assert value == (tuple(expected) if isinstance(expected, list) else expected), key


def test_precedence_file_then_set_then_options(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[train]\nlr = 0.5\nepochs = 7\n[model]\nhidden = [3]\n")
    cfg = C.load(path)
    assert (cfg.train.lr, cfg.train.epochs, cfg.model.hidden) == (0.5, 7, (3,))
    cfg = C.load(path, ["train.lr=0.25", "train.lr=0.125", "model.hidden=16,16"])
    assert cfg.train.lr == 0.125 and cfg.model.hidden == (16, 16)
    cfg = C.load(path, ["train.lr=0.25"], {"train.lr": 0.01, "train.epochs": None})
    assert cfg.train.lr == 0.01 and cfg.train.epochs == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", ()),
        ("[]", ()),
        ("8", (8,)),
        ("16,16", (16, 16)),
        ("[16, 16]", (16, 16)),
    ],
)
def test_hidden_forms(text, expected):
    assert C.parse_hidden(text) == expected
    assert C.parse_assignment(f"model.hidden={text}") == ("model.hidden", expected)


def test_set_parses_toml_values_and_raw_strings():
    assert C.parse_assignment("train.l2=0.001") == ("train.l2", 0.001)
    assert C.parse_assignment("train.epochs=5") == ("train.epochs", 5)
    assert C.parse_assignment("train.nesterov=true") == ("train.nesterov", True)
    assert C.parse_assignment("data.scaling=minmax") == ("data.scaling", "minmax")
    assert C.parse_assignment("name=a=b") == ("name", "a=b")  # split at the first '='
    _, value = C.parse_assignment('data.features=["petal_width", "sepal_width"]')
    assert value == ("petal_width", "sepal_width")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("train.lr", 0.0, "train.lr = 0.0 is not allowed; allowed: 0 < x <= 1000"),
        ("train.lr", 1001.0, "train.lr = 1001.0 is not allowed"),
        ("train.lr", float("nan"), "train.lr = nan: not a finite number"),
        ("train.lr", float("inf"), "train.lr = inf: not a finite number"),
        ("train.lr", "fast", "train.lr = 'fast': expected a number"),
        ("train.epochs", -1, "train.epochs = -1 is not allowed"),
        ("train.epochs", 1_000_001, "train.epochs = 1000001 is not allowed"),
        ("train.epochs", 1.5, "train.epochs = 1.5: expected an integer"),
        ("seed", 1.0, "seed = 1.0: expected an integer"),
        ("name", "n" * 101, "at most 100 characters"),
        ("train.epochs", True, "expected an integer"),
        ("seed", -1, "seed = -1 is not allowed"),
        ("seed", 2**32, "seed = 4294967296 is not allowed"),
        ("data.test_size", 0.0, "data.test_size = 0.0 is not allowed"),
        ("data.test_size", 1.0, "data.test_size = 1.0 is not allowed"),
        ("data.val_size", -0.1, "data.val_size = -0.1 is not allowed"),
        ("data.val_size", 1.0, "data.val_size = 1.0 is not allowed"),
        ("data.features", ["petal_width", "petal_width"], "is not allowed"),
        ("data.scaling", "robust", "data.scaling = 'robust' is not allowed"),
        ("model.hidden", [0], "model.hidden = [0] is not allowed"),
        ("model.hidden", [4097], "is not allowed"),
        ("model.hidden", [1] * 9, "is not allowed"),
        ("model.hidden", "8", "expected a list of ints"),
        ("model.activation", "rellu", "(did you mean 'relu'?)"),
        ("train.optimizer", "adamw", "(did you mean 'adam'?)"),
        ("train.momentum", 1.0, "train.momentum = 1.0 is not allowed"),
        ("train.batch_size", -1, "train.batch_size = -1 is not allowed"),
        ("train.patience", 0, "train.patience = 0 is not allowed"),
        ("train.l2", -1.0, "train.l2 = -1.0 is not allowed"),
        ("train.min_delta", -1.0, "train.min_delta = -1.0 is not allowed"),
        ("train.nesterov", 1, "expected true or false"),
        ("name", "a/b", "name = 'a/b' is not allowed"),
        ("name", ".hidden", "is not allowed"),
        ("train.rate", 0.1, "unknown config key 'train.rate'"),
        ("train.learning_rate", 0.1, "unknown config key"),
    ],
)
def test_bad_values_name_key_value_and_allowed(key, value, message):
    with pytest.raises(C.ConfigError) as info:
        C.check_value(key, value)
    assert message in str(info.value)
    assert key in str(info.value)


def test_features_are_checked_against_the_data_set():
    assert C.load(sets=["data.features=[]"]).data.features == ()  # [] = all of them
    with pytest.raises(C.ConfigError, match=r"'petal_colour'\] not in data set 'iris'; allowed"):
        C.load(sets=['data.features=["petal_colour"]'])


def test_unknown_key_suggests_a_near_miss():
    with pytest.raises(
        C.ConfigError, match=r"unknown config key 'train\.epoch' \(did you mean 'train\.epochs'\?\)"
    ):
        C.load(sets=["train.epoch=3"])


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[trian]\nlr = 1\n", "unknown config section [trian] (did you mean 'train'?)"),
        ("[train]\nlr = 'x'\n", "train.lr = 'x': expected a number"),
        ("lr = 0.1\n", "unknown config key 'lr'"),
        ("[train\n", "is not valid TOML"),
        ("[data]\ntest_size = 0.5\nval_size = 0.5\n", "leaves no training rows"),
        ("[train]\nearly_stopping = true\n[data]\nval_size = 0.0\n", "needs validation rows"),
        ("[train.sub]\nx = 1\n", "unknown config section [train.sub]"),
    ],
)
def test_bad_files(tmp_path, toml, message):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(C.ConfigError) as info:
        C.load(path)
    assert message in str(info.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(C.ConfigError, match="does not exist"):
        C.load(tmp_path / "nope.toml")
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(C.ConfigError, match="not valid TOML"):
        C.load(path)


@pytest.mark.parametrize("text", ["", ",8", "8,,8", "8,", "[8,,8]", "eight"])
def test_malformed_hidden_is_an_error(text):
    with pytest.raises(C.ConfigError, match="model.hidden = .* is not allowed"):
        C.parse_hidden(text)


def test_set_errors():
    with pytest.raises(C.ConfigError, match="expected KEY=VALUE"):
        C.parse_assignment("train.lr")
    with pytest.raises(C.ConfigError, match="train.lr = 'abc': expected a number"):
        C.parse_assignment("train.lr=abc")
    with pytest.raises(C.ConfigError, match="model.hidden = 'a,b' is not allowed"):
        C.parse_assignment("model.hidden=a,b")


def test_toml_round_trip():
    cfg = C.apply(
        C.Config(),
        {
            "name": "a.b_c-1",
            "train.lr": 1e-05,
            "model.hidden": (),
            "data.features": ("petal_width",),
        },
    )
    back = C.apply(C.Config(), {k: v for k, v in C.flatten(tomllib.loads(C.to_toml(cfg))).items()})
    assert back == cfg
    assert dataclasses.asdict(back) == dataclasses.asdict(cfg)


EDGES = {  # key: (just below the allowed range, just above it); None where a side is unbounded
    "seed": (-1, 2**32),
    "data.test_size": (0.0, 1.0),
    "data.val_size": (-1e-9, 1.0),
    "train.lr": (0.0, 1000.0001),
    "train.epochs": (-1, 1_000_001),
    "train.batch_size": (-1, None),  # its upper bound is the training rows: see test_cli_train
    "train.momentum": (-0.01, 1.0),
    "train.l2": (-1e-12, None),
    "train.patience": (0, 1_000_001),
    "train.min_delta": (-1e-12, None),
}


@pytest.mark.parametrize(
    ("key", "value"),
    [(k, v) for k, pair in sorted(EDGES.items()) for v in pair if v is not None],
)
def test_every_range_is_checked_on_both_sides(key, value, tmp_path):
    section, _, leaf = key.rpartition(".")
    text = f"{leaf} = {value!r}\n" if not section else f"[{section}]\n{leaf} = {value!r}\n"
    path = tmp_path / "edge.toml"
    path.write_text(text)
    with pytest.raises(C.ConfigError, match=f"^{key.replace('.', '[.]')} = .* is not allowed"):
        C.load(path)


def test_every_key_has_a_valid_value_accepted_at_its_bounds():
    low = {
        "seed": 0,
        "data.test_size": 0.01,
        "data.val_size": 0.0,
        "train.lr": 1e-12,
        "train.epochs": 0,
        "train.batch_size": 0,
        "train.momentum": 0.0,
        "train.l2": 0.0,
        "train.patience": 1,
        "train.min_delta": 0.0,
    }
    high = {
        "seed": 2**32 - 1,
        "data.test_size": 0.99,
        "data.val_size": 0.99,
        "train.lr": 1000.0,
        "train.epochs": 1_000_000,
        "train.momentum": 0.999,
        "train.l2": 1e300,
        "train.patience": 1_000_000,
        "train.min_delta": 1e300,
    }
    for key, value in [*low.items(), *high.items()]:
        assert C.check_value(key, value) == value


def test_an_endless_config_file_ends_at_once():
    with pytest.raises(
        C.ConfigError, match="cannot read config file '/dev/zero': larger than 1 MB"
    ):
        C.load("/dev/zero")


def test_a_config_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbfname = "bom"\n[train]\nepochs = 7\n')
    config = C.load(path)
    assert (config.name, config.train.epochs) == ("bom", 7)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_a_config_error(tmp_path, depth):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(C.ConfigError, match="is not valid TOML: arrays or tables nested too deep"):
        C.load(path)
    for key in ("train.lr", "model.hidden", "data.features"):
        with pytest.raises(C.ConfigError, match=rf"{key} = .*\.\.\."):  # shown, but shortened
            C.load(sets=[f"{key}=" + "[" * depth + "]" * depth])


@pytest.mark.parametrize("name", ["-x", "_x", ".x", "-"])
def test_names_start_with_a_letter_or_digit(name):
    with pytest.raises(C.ConfigError, match="allowed: a letter or digit, then"):
        C.check_value("name", name)


def test_hidden_widths_are_ascii_integers():
    with pytest.raises(C.ConfigError, match="model.hidden = '1_6' is not allowed"):
        C.parse_hidden("1_6")
    assert C.parse_hidden(" 8, 4") == (8, 4)


def test_one_allowed_text_from_every_door(tmp_path, iris):
    """``--lr 0``, ``train.lr = 0`` in a file, ``--set train.lr=0`` and ``IrisNNClassifier(lr=0)``
    report the allowed text that the schema's one declaration writes."""
    from click.testing import CliRunner

    from iris_nn.cli import cli
    from iris_nn.estimators.classifier import IrisNNClassifier

    allowed = S.SETTINGS["train.lr"].constraint.allowed
    assert allowed == "0 < x <= 1000"
    path = tmp_path / "c.toml"
    path.write_text("[train]\nlr = 0\n")
    for args in (["--lr", "0"], ["-c", str(path)], ["--set", "train.lr=0"]):
        result = CliRunner().invoke(cli, ["train", "--out", str(tmp_path), *args])
        assert result.exit_code == 2, result.output
        assert result.output.strip().endswith(f"is not allowed; allowed: {allowed}"), args
    with pytest.raises(ValueError, match=f"lr: train.lr = 0 is not allowed; allowed: {allowed}$"):
        IrisNNClassifier(lr=0).fit(*iris)


HOSTILE = "q\"uo'te \\back\\slash\nnew\r\tline \x00\x01\x1b\x7f ctrl \u2028 emoji \U0001f33c"


def test_hostile_text_in_every_string_key_survives_config_toml():
    strings = [s for s in S.SCHEMA if s.kind in ("str", "list[str]")]
    cfg = C.Config()
    tree = C.to_flat(cfg)
    for s in strings:
        tree[s.key] = HOSTILE if s.kind == "str" else (HOSTILE, HOSTILE + "2")
    # bypass the checks: the writer must carry any text, whatever a check would say of it
    sections = {
        name: cls(**{s.field: tree[s.key] for s in S.SCHEMA if s.section == name})
        for name, cls in C.SECTION_CLASSES.items()
    }
    hostile = C.Config(name=HOSTILE, seed=0, **sections)
    back = C.flatten(tomllib.loads(C.to_toml(hostile)))
    for s in strings:
        value = back[s.key]
        assert (tuple(value) if isinstance(value, list) else value) == tree[s.key], s.key
