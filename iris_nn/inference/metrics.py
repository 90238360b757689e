"""Classification metrics of SoftMax probabilities, shaped as ``metrics.json`` holds them.

scikit-learn is the reference (the tests compare every number with its ``log_loss``,
``precision_recall_fscore_support`` and ``confusion_matrix``), but the numbers are computed here
in a few numpy passes: its input checks took as long as training on a million rows, and importing
it costs ``train`` a second. Given a model's logits, the log loss is their exact cross-entropy
from log-sum-exp, as ``history.csv`` holds it, where ``log_loss`` clips each probability at the
machine epsilon (the two agree whenever no probability is below that clip; past it, a run with a
loss of 1e290 would report 34.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.functional import Array, cross_entropy


def confusion_counts(
    y: NDArray[np.integer], pred: NDArray[np.integer], n_classes: int
) -> NDArray[np.intp]:
    """Return the confusion counts (n_classes, n_classes): rows = true class, columns = predicted."""
    counts = np.bincount(y * n_classes + pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def classification_metrics(
    y: NDArray[np.integer],
    P: Array,
    classes: Sequence[str],
    detail: bool = True,
    logits: Array | None = None,
) -> dict[str, Any]:
    """Return accuracy, log loss and n of probabilities ``P`` (n_samples, n_classes) against ``y``.

    Given the ``logits`` (n_samples, n_classes) that ``P`` is the SoftMax of, the log loss is
    their exact cross-entropy; otherwise ``log_loss`` of ``P`` (clipped as scikit-learn's). With
    ``detail``, also ``per_class`` (precision, recall, f1, support) and ``confusion_matrix`` (rows
    = true class, columns = predicted).
    """
    y = np.asarray(y)
    P = np.asarray(P)
    pred = P.argmax(axis=1)
    out: dict[str, Any] = {
        "accuracy": float(np.mean(pred == y)) if len(y) else None,
        "log_loss": None
        if not len(y)
        else cross_entropy(logits, y)
        if logits is not None
        else log_loss(y, P),
        "n": len(y),
    }
    if detail:
        confusion = confusion_counts(y, pred, len(classes))  # (true, predicted)
        tp = np.diag(confusion).astype(np.float64)
        true_sum, pred_sum = confusion.sum(axis=1), confusion.sum(axis=0)
        precision, recall = _divide(tp, pred_sum), _divide(tp, true_sum)
        f1 = _divide(2 * tp, true_sum + pred_sum)  # as scikit-learn writes F1 (no 0/0)
        out["per_class"] = {
            c: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(true_sum[i]),
            }
            for i, c in enumerate(classes)
        }
        out["confusion_matrix"] = {"labels": list(classes), "matrix": confusion.tolist()}
    return out


def _divide(a: Array, b: NDArray[np.integer]) -> Array:
    """Return ``a / b``, 0 where ``b`` is 0 (scikit-learn's ``zero_division=0``)."""
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def log_loss(y: NDArray[np.integer], P: Array) -> float:
    """Return the mean cross-entropy of ``P`` (n_samples, n_classes) against class codes ``y``.

    As scikit-learn's ``log_loss``: each probability of the true class clipped to [eps, 1 - eps],
    eps the float type's machine epsilon, and the mean of ``-log`` of them.
    """
    eps = np.finfo(P.dtype).eps
    p = np.clip(P[np.arange(len(y)), y], eps, 1 - eps)  # (n_samples,)
    return float(np.mean(-np.log(p)))
