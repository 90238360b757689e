"""iris-nn: a neural network written from scratch in numpy, trained on the Iris flowers."""

from typing import Any

from iris_nn.core.errors import BadInputError, CannotUseError

__version__ = "0.1.0"
__all__ = [
    "BadInputError",
    "CannotUseError",
    "IrisNNClassifier",
    "__version__",
    "load",
    "train",
]


def __getattr__(name: str) -> Any:
    """Return ``IrisNNClassifier``, ``train`` or ``load`` on first use, so ``import iris_nn``
    loads neither scikit-learn nor matplotlib."""
    if name == "IrisNNClassifier":
        from iris_nn.estimators.classifier import IrisNNClassifier

        return IrisNNClassifier
    if name in ("train", "load"):
        from iris_nn.library import run

        return getattr(run, name)
    raise AttributeError(f"module 'iris_nn' has no attribute {name!r}")
