"""Classification metrics of SoftMax probabilities, shaped as ``metrics.json`` holds them.

scikit-learn computes them (it is the reference); this module only arranges the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.functional import Array


def classification_metrics(
    y: NDArray[np.integer], P: Array, classes: Sequence[str], detail: bool = True
) -> dict[str, Any]:
    """Return accuracy, log loss and n of probabilities ``P`` (n_samples, n_classes) against ``y``.

    With ``detail``, also ``per_class`` (precision, recall, f1, support) and ``confusion_matrix``
    (rows = true class, columns = predicted).
    """
    from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support

    labels = list(range(len(classes)))
    y = np.asarray(y)
    pred = np.asarray(P).argmax(axis=1)
    out: dict[str, Any] = {
        "accuracy": float(np.mean(pred == y)) if len(y) else None,
        "log_loss": float(log_loss(y, P, labels=labels)) if len(y) else None,
        "n": len(y),
    }
    if detail:
        precision, recall, f1, support = precision_recall_fscore_support(
            y, pred, labels=labels, zero_division=0
        )
        out["per_class"] = {
            c: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, c in enumerate(classes)
        }
        out["confusion_matrix"] = {
            "labels": list(classes),
            "matrix": confusion_matrix(y, pred, labels=labels).tolist(),
        }
    return out
