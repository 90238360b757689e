"""Evaluate a saved model: metrics on its run's own test split or on labelled flowers.

The metrics are those ``metrics.json`` holds for the test split (accuracy, log loss, n, per-class
precision, recall and F1, confusion matrix), computed by ``metrics.classification_metrics``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn.data import load_iris_data
from iris_nn.functional import softmax
from iris_nn.metrics import classification_metrics
from iris_nn.predict import Inputs
from iris_nn.store import Model, RunError
from iris_nn.text import aligned, confusion_lines

SPLIT_FILE = "split.json"


def held_out_rows(model: Model, run_dir: Path) -> Inputs:
    """Return the test rows of the run in ``run_dir`` (from ``split.json``) with their species."""
    path = run_dir / SPLIT_FILE
    if not path.is_file():
        raise RunError(
            f"{run_dir} has no {SPLIT_FILE}, so its test rows are unknown; "
            "evaluate a labelled CSV with --input instead"
        )
    try:
        rows = json.loads(path.read_text())["test"]
        index = np.asarray(rows, dtype=np.intp)
    except (OSError, ValueError, KeyError, TypeError):
        raise RunError(f"{path} is unreadable or has no list of test rows") from None
    X, y = load_iris_data(tuple(model.features))
    if index.ndim != 1 or len(index) == 0 or index.min() < 0 or index.max() >= len(y):
        raise RunError(f"{path}: test rows must be indices 0..{len(y) - 1}")
    return Inputs(X[index], y[index])


def evaluate(model: Model, inputs: Inputs) -> dict[str, Any]:
    """Return ``{accuracy, log_loss, n, per_class, confusion_matrix}`` of ``model`` on ``inputs``."""
    if inputs.species is None:
        raise ValueError("the flowers have no species column; evaluate needs the true species")
    with np.errstate(over="ignore", invalid="ignore"):
        P = softmax(model.logits(inputs.X))  # (n, n_classes)
    return classification_metrics(inputs.species, P, model.classes)


def format_metrics(metrics: dict[str, Any], source: str) -> str:
    """Return the metrics as text for people: a summary line, per-class scores, confusion matrix."""
    n = metrics["n"]
    correct = round(metrics["accuracy"] * n)
    per_class = metrics["per_class"]
    rows = [
        [c, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["support"])]
        for c, s in per_class.items()
    ]
    cm = metrics["confusion_matrix"]
    return "\n".join(
        [
            f"{source}: {n} flowers",
            f"accuracy {metrics['accuracy']:.3f} ({correct}/{n} right)   "
            f"log loss {metrics['log_loss']:.4f}",
            "",
            *aligned(["", "precision", "recall", "f1", "support"], rows, "lrrrr"),
            "",
            *confusion_lines(cm["matrix"], cm["labels"]),
        ]
    )
