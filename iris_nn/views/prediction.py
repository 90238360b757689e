"""A prediction as text: a table for people, JSON and CSV for programs, the lesson's steps."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.functional import Array, argmax_one_hot
from iris_nn.runs.jsontext import json_safe
from iris_nn.runs.predict import Prediction
from iris_nn.views.tables import aligned, confusion_lines


def _finite(A: Array) -> bool:
    return bool(np.isfinite(A).all())


def to_json(pred: Prediction, explain: bool = False) -> str:
    """Return a JSON list with one object per row: prediction, probabilities, logits (+species).

    With ``explain``, each object also holds ``inputs``, ``scaled_inputs`` and ``argmax``.
    """
    classes, features = pred.classes, pred.features
    names = [classes[i] for i in pred.predicted]
    P, Z = pred.P.tolist(), pred.Z.tolist()
    objects: list[dict[str, Any]] = [
        {
            "prediction": names[n],
            "probabilities": dict(zip(classes, P[n], strict=True)),
            "logits": dict(zip(classes, Z[n], strict=True)),
        }
        for n in range(len(pred))
    ]
    if pred.species is not None:
        for obj, s in zip(objects, pred.species.tolist(), strict=True):
            obj["species"] = classes[s]
    if explain:
        X, S, H = pred.X.tolist(), pred.X_scaled.tolist(), argmax_one_hot(pred.P).tolist()
        for n, obj in enumerate(objects):
            obj["inputs"] = dict(zip(features, X[n], strict=True))
            obj["scaled_inputs"] = dict(zip(features, S[n], strict=True))
            obj["argmax"] = H[n]
    if not (_finite(pred.P) and _finite(pred.Z) and _finite(pred.X_scaled)):
        objects = json_safe(objects)  # JSON has no NaN or Infinity: they become null
    # one object per line: valid JSON that still reads (and greps) well for many rows
    lines = ",\n".join("  " + json.dumps(obj, allow_nan=False) for obj in objects)
    return f"[\n{lines}\n]" if objects else "[]"


def to_csv(pred: Prediction) -> str:
    """Return ``prediction,p_<class>...`` rows (plus ``species`` when known) with a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["prediction", *(f"p_{c}" for c in pred.classes)]
    names = [pred.classes[i] for i in pred.predicted]
    P = pred.P.tolist()
    if pred.species is None:
        writer.writerow(header)
        writer.writerows([name, *p] for name, p in zip(names, P, strict=True))
    else:
        writer.writerow([*header, "species"])
        truth = [pred.classes[i] for i in pred.species]
        writer.writerows([name, *p, s] for name, p, s in zip(names, P, truth, strict=True))
    return out.getvalue().rstrip("\n")


def confusion(y: NDArray[np.intp], pred: NDArray[np.intp], n_classes: int) -> NDArray[np.intp]:
    """Return the confusion counts (n_classes, n_classes): rows = true class, columns = predicted."""
    counts = np.bincount(y * n_classes + pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def to_table(pred: Prediction, numbered: bool) -> str:
    """Return the predicted species and every class's probability as aligned columns, for people.

    With true species, each row shows it (wrong predictions marked), then accuracy and a
    confusion matrix follow.
    """
    classes, predicted = pred.classes, pred.predicted
    header = ["prediction", *classes]
    align = "l" + "r" * len(classes)
    rows = [
        [classes[i], *(f"{p:.3f}" for p in ps)] for i, ps in zip(predicted, pred.P, strict=True)
    ]
    if pred.species is not None:
        header.append("species")
        align += "l"
        for row, s, i in zip(rows, pred.species, predicted, strict=True):
            row.append(classes[s] + ("  <- wrong" if s != i else ""))
    if numbered:
        header.insert(0, "row")
        align = "r" + align
        for n, row in enumerate(rows, 1):
            row.insert(0, str(n))
    lines = aligned(header, rows, align)
    if pred.species is not None:
        correct = int(np.count_nonzero(predicted == pred.species))
        lines += [
            "",
            f"accuracy {correct / len(pred):.3f} ({correct}/{len(pred)} right)",
            *confusion_lines(confusion(pred.species, predicted, len(classes)), classes),
        ]
    return "\n".join(lines)


def _named(names: Sequence[str], values: Iterable[float], fmt: str) -> str:
    return "   ".join(f"{n} {v:{fmt}}" for n, v in zip(names, values, strict=True))


def explain(pred: Prediction) -> str:
    """Return each row walked through the lesson's steps, from inputs (cm) to the ArgMax one-hot."""
    features, classes = pred.features, pred.classes
    raw = "raw outputs" + (f" / temperature {pred.temperature:g}" if pred.temperature != 1 else "")
    lines = [
        "Each flower goes through the lesson's steps:",
        "  1. inputs (cm) are scaled as the training rows were: (x - center) / scale",
        "  2. the network turns the scaled inputs into raw output values, one per species",
        "  3. SoftMax turns the raw outputs into probabilities between 0 and 1 that sum to 1:",
        "     SoftMax(i) = e^(raw output i) / sum over j of e^(raw output j)",
        "  4. ArgMax sets the largest probability to 1 and the others to 0: the prediction",
    ]
    hot = argmax_one_hot(pred.P)
    for n in range(len(pred)):
        i = int(pred.predicted[n])
        lines += [
            "",
            f"flower {n + 1}",
            f"  inputs (cm)     {_named(features, pred.X[n], 'g')}",
            f"  scaled inputs   {_named(features, pred.X_scaled[n], '.4g')}",
            f"  {raw:<15} {_named(classes, pred.Z[n], '.4g')}",
            f"  SoftMax         {_named(classes, pred.P[n], '.3f')}   (sum {pred.P[n].sum():.3f})",
            f"  ArgMax          {hot[n].tolist()}  ->  {classes[i]}",
        ]
        if pred.species is not None:
            s = int(pred.species[n])
            lines[-1] += f"  (true species: {classes[s]}{', right' if s == i else ', wrong'})"
    return "\n".join(lines)
