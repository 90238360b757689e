"""iris-nn: a neural network written from scratch in numpy, trained on the Iris flowers."""

from typing import Any

__version__ = "0.1.0"
__all__ = ["IrisNNClassifier", "__version__"]


def __getattr__(name: str) -> Any:
    """Return ``IrisNNClassifier`` on first use, so ``import iris_nn`` never loads scikit-learn."""
    if name == "IrisNNClassifier":
        from iris_nn.estimators.classifier import IrisNNClassifier

        return IrisNNClassifier
    raise AttributeError(f"module 'iris_nn' has no attribute {name!r}")
