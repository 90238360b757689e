"""The layout: sub-packages by responsibility, dependencies pointing one way, registries as the
one list of names."""

import ast
from pathlib import Path

import pytest

import iris_nn
from iris_nn.core.functional import ACTIVATIONS
from iris_nn.core.optim import OPTIMIZERS
from iris_nn.data.datasets import DATASETS
from iris_nn.data.scaler import SCALINGS
from iris_nn.settings import config as C

PACKAGE = Path(iris_nn.__file__).parent
# Lowest first: a module may import its own layer and those below it, never one above.
LAYERS = (
    "core",
    "parallel",
    "data",
    "settings",
    "store",
    "inference",
    "experiments",
    "comparison",
    "views",
    "library",
    "estimators",
    "server",
    "cli",
)
STDLIB_AND_NUMPY = {
    "__future__",
    "numpy",
    "collections",
    "dataclasses",
    "functools",
    "math",
    "time",
    "typing",
}


def imports(path: Path) -> set[str]:
    """Return every module that ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).glob("*.py"))


@pytest.mark.parametrize("layer", LAYERS)
def test_dependencies_point_one_way(layer):
    allowed = LAYERS[: LAYERS.index(layer) + 1]
    for path in modules(layer):
        for name in imports(path):
            parts = name.split(".")
            if parts[0] == "iris_nn" and len(parts) > 1 and parts[1] in LAYERS:
                assert parts[1] in allowed, f"{layer}/{path.name} imports {name}"


def test_the_network_package_imports_numpy_and_itself_only():
    for path in modules("core"):
        for name in imports(path):
            top = name.split(".")[0]
            assert top in STDLIB_AND_NUMPY or name.startswith("iris_nn.core"), (path.name, name)


@pytest.mark.parametrize(
    ("key", "registry"),
    [
        ("model.activation", ACTIVATIONS),
        ("train.optimizer", OPTIMIZERS),
        ("data.dataset", DATASETS),
        ("data.scaling", SCALINGS),
    ],
)
def test_the_config_accepts_exactly_the_registry_names(key, registry):
    for name in registry:
        assert C.check_value(key, name) == name
    allowed = C.SETTINGS[key].constraint.allowed.removeprefix("one of ")
    allowed = allowed.removesuffix(", or a path to a .csv file")  # data.dataset: CSV files too
    assert allowed.split(", ") == list(registry)
    with pytest.raises(C.ConfigError, match="is not allowed"):
        C.check_value(key, "not-a-registered-name")


def test_every_optimizer_has_a_scikit_learn_mirror_or_a_note():
    from iris_nn.estimators.cv import MLP_SOLVERS, missing_models

    for name in OPTIMIZERS:
        config = C.load(sets=[f"train.optimizer={name}"])
        assert name in MLP_SOLVERS or "mlp_classifier" in missing_models(config)


def test_run_file_names_are_written_in_one_module():
    names = ("model.npz", "metrics.json", "split.json", "history.csv", "probabilities.csv")
    owners = {"rundir.py", "model_file.py"}
    for path in PACKAGE.rglob("*.py"):
        if path.name in owners:
            continue
        code = path.read_text()
        for name in names:
            assert f'"{name}"' not in code, f"{path.name} spells {name}"


def test_no_function_in_core_is_longer_than_80_lines():
    """Each function of the math reads in one sitting (the training loop included)."""
    long = [
        f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in modules("core")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 80
    ]
    assert not long
