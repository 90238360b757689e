"""Classification metrics of SoftMax probabilities, shaped as ``metrics.json`` holds them.

scikit-learn computes them (it is the reference); this module only arranges the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.functional import Array

LOG_LOSS_ROWS = 1 << 16  # rows per call of scikit-learn's log_loss: its temporaries stay ~10 MB


def confusion_counts(
    y: NDArray[np.integer], pred: NDArray[np.integer], n_classes: int
) -> NDArray[np.intp]:
    """Return the confusion counts (n_classes, n_classes): rows = true class, columns = predicted."""
    counts = np.bincount(y * n_classes + pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def classification_metrics(
    y: NDArray[np.integer], P: Array, classes: Sequence[str], detail: bool = True
) -> dict[str, Any]:
    """Return accuracy, log loss and n of probabilities ``P`` (n_samples, n_classes) against ``y``.

    With ``detail``, also ``per_class`` (precision, recall, f1, support) and ``confusion_matrix``
    (rows = true class, columns = predicted).
    """
    from sklearn.metrics import precision_recall_fscore_support

    labels = list(range(len(classes)))
    y = np.asarray(y)
    pred = np.asarray(P).argmax(axis=1)
    out: dict[str, Any] = {
        "accuracy": float(np.mean(pred == y)) if len(y) else None,
        "log_loss": _log_loss(y, np.asarray(P), labels) if len(y) else None,
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
            "matrix": confusion_counts(y, pred, len(classes)).tolist(),
        }
    return out


def _log_loss(y: NDArray[np.integer], P: Array, labels: list[int]) -> float:
    """Return scikit-learn's mean log loss of ``P`` against ``y``, a block of rows at a time.

    Its temporaries are several times the size of ``P``; in blocks they stay small. One block
    (up to 65,536 rows) is exactly ``log_loss``; more add up its per-block sums.
    """
    from sklearn.metrics import log_loss

    if len(y) <= LOG_LOSS_ROWS:
        return float(log_loss(y, P, labels=labels))
    total = sum(
        log_loss(y[i : i + LOG_LOSS_ROWS], P[i : i + LOG_LOSS_ROWS], labels=labels, normalize=False)
        for i in range(0, len(y), LOG_LOSS_ROWS)
    )
    return float(total) / len(y)
