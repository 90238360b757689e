"""A prediction as text: a table for people, JSON and CSV for programs, the lesson's steps."""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Iterable, Sequence

import numpy as np

from iris_nn.core.functional import Array, argmax_one_hot
from iris_nn.inference.metrics import confusion_counts
from iris_nn.inference.predict import Prediction, row_objects, truth_key
from iris_nn.store.jsontext import json_safe
from iris_nn.views.shades import shade_lines
from iris_nn.views.tables import aligned, confusion_lines


def _finite(A: Array) -> bool:
    return bool(np.isfinite(A).all())


def to_json(pred: Prediction, explain: bool = False) -> str:
    """Return a JSON list with one object per row: prediction, probabilities, logits (+ the truth).

    The objects are ``inference.predict.row_objects``'s: with ``explain``, each row's every step.
    """
    objects = row_objects(pred, explain)
    finite = not explain or all(_finite(s.Z) and _finite(s.A) for s in pred.layers)
    if not (finite and _finite(pred.P) and _finite(pred.Z) and _finite(pred.X_scaled)):
        objects = json_safe(objects)  # JSON has no NaN or Infinity: they become null
    # one object per line: valid JSON that still reads (and greps) well for many rows
    lines = ",\n".join("  " + json.dumps(obj, allow_nan=False) for obj in objects)
    return f"[\n{lines}\n]" if objects else "[]"


def to_csv(pred: Prediction) -> str:
    """Return ``prediction,p_<class>...`` rows (plus the target column when known) with a header.

    The target column is named as ``truth_key`` says: ``_true`` is added to its name when that
    is already a column (a target ``prediction``, or ``p_a`` beside a class ``a``).
    """
    out = io.StringIO()
    import csv  # only here: a table or JSON starts without it

    writer = csv.writer(out, lineterminator="\n")
    header = ["prediction", *(f"p_{c}" for c in pred.classes)]
    names = [pred.classes[i] for i in pred.predicted]
    P = pred.P.tolist()
    if pred.truth is None:
        writer.writerow(header)
        writer.writerows([name, *p] for name, p in zip(names, P, strict=True))
    else:
        writer.writerow([*header, truth_key(pred.target, header)])
        truth = [pred.classes[i] for i in pred.truth]
        writer.writerows([name, *p, s] for name, p, s in zip(names, P, truth, strict=True))
    return out.getvalue().rstrip("\n")


def to_table(pred: Prediction, numbered: bool) -> str:
    """Return the predicted class and every class's probability as aligned columns, for people.

    With true classes, each row shows its own (wrong predictions marked), then accuracy and a
    confusion matrix follow.
    """
    classes, predicted = pred.classes, pred.predicted
    header = ["prediction", *classes]
    align = "l" + "r" * len(classes)
    rows = [
        [classes[i], *(f"{p:.3f}" for p in ps)] for i, ps in zip(predicted, pred.P, strict=True)
    ]
    if pred.truth is not None:
        header.append(pred.target)
        align += "l"
        for row, s, i in zip(rows, pred.truth, predicted, strict=True):
            row.append(classes[s] + ("  <- wrong" if s != i else ""))
    if numbered:
        header.insert(0, "row")
        align = "r" + align
        for n, row in enumerate(rows, 1):
            row.insert(0, str(n))
    lines = aligned(header, rows, align)
    if pred.truth is not None:
        correct = int(np.count_nonzero(predicted == pred.truth))
        matrix = confusion_counts(pred.truth, predicted, len(classes))
        lines += [
            "",
            f"accuracy {correct / len(pred):.3f} ({correct}/{len(pred)} right)",
            *confusion_lines(matrix, classes, pred.target),
        ]
    return "\n".join(lines)


def _named_lines(label: str, names: Sequence[str], values: Iterable[float], fmt: str) -> list[str]:
    """Return ``label  name value   name value ...`` wrapped at LINE_WIDTH between the pairs
    (digits' 64 inputs take several lines, Iris's four one)."""
    indent = 18  # "  " + the label padded to 15 + " "
    lines: list[str] = []
    current = ""
    for name, v in zip(names, values, strict=True):
        pair = f"{name} {v:{fmt}}"
        if current and indent + len(current) + 3 + len(pair) > LINE_WIDTH:
            lines.append(current)
            current = pair
        else:
            current = f"{current}   {pair}" if current else pair
    lines.append(current)
    return [f"  {label:<15} {lines[0]}", *(" " * indent + line for line in lines[1:])]


SPELLED_UNITS = 8  # layers up to this wide show each unit's arithmetic; wider ones a vector
SPELLED_TERMS = 8  # a unit's w . x written term by term up to this many inputs
SHOWN_VALUES = 64  # a wide layer's vector is cut after this many values (JSON has them all)
LINE_WIDTH = 100  # wide vectors wrap here


def value_text(v: float) -> str:
    """Return ``v`` in at most 6 significant digits when that is exact (hand-made weights such
    as 1.04625 stay whole), else rounded to 4 (trained weights); never with a minus on zero."""
    for digits in range(1, 7):
        text = f"{v:.{digits}g}"
        if abs(float(text) - v) <= 1e-9 * max(1.0, abs(v)):
            break
    else:
        text = f"{v:.4g}"
    return "0" if text in ("-0", "0") else text


def _sum_text(w: Array, x: Array, b: float, symbol: str) -> str:
    """Return ``w . x + b`` written out: ``-2.5*0.125 + 0.6*1 + 1.6``, or summed when long."""
    if len(w) > SPELLED_TERMS:
        return f"w . {symbol} + b = {value_text(float(w @ x))} + {value_text(b)}".replace(
            "+ -", "- "
        )
    parts = []
    for k, (wk, xk) in enumerate(zip(w.tolist(), x.tolist(), strict=True)):
        xs = value_text(xk) if xk >= 0 else f"({value_text(xk)})"
        term = f"{value_text(abs(wk))}*{xs}"
        parts.append(
            (f"-{term}" if wk < 0 else term) if k == 0 else ("- " if wk < 0 else "+ ") + term
        )
    parts.append(("- " if b < 0 else "+ ") + value_text(abs(b)))
    return " ".join(parts)


def _vector(label: str, values: Array) -> list[str]:
    """Return ``label  [v1, v2, ...]`` rounded to 2 decimals, wrapped, cut after 64 values."""
    items = [f"{v:.2f}".replace("-0.00", "0.00") for v in values[:SHOWN_VALUES]]
    more = len(values) - SHOWN_VALUES
    indent = " " * (len(label) + 7)
    lines = textwrap.wrap(
        "[" + ", ".join(items) + ("," if more > 0 else "]"),
        LINE_WIDTH,
        initial_indent=f"    {label}  ",
        subsequent_indent=indent,
    )
    if more > 0:
        lines.append(f"{indent}... {more} more (--format json has them all)]")
    return lines


def _layer_lines(pred: Prediction, n: int, names: Sequence[str]) -> list[str]:
    """Return the arithmetic of every layer for row ``n``; ``names`` are the output units'."""
    lines = []
    x, symbol = pred.X_scaled[n], "x"  # a layer's inputs: the scaled inputs, then activations
    for i, step in enumerate(pred.layers, 1):
        last = i == len(pred.layers)
        width = step.W.shape[1]
        f = step.activation
        formula = f"z = w . {symbol} + b" + ("" if last else f", then {f}(z)")
        head = "output layer" if last else f"hidden layer {i} ({width} {f} unit{'s' * (width > 1)})"
        if width > SPELLED_UNITS:
            lines.append(f"  {head}: {formula}, rounded")
            lines += _vector("z".ljust(len(f or "") + 3), step.Z[n])
            if not last:
                lines += _vector(f"{f}(z)", step.A[n])
        else:
            lines.append(f"  {head}: {formula}")
            labels = list(names) if last else [f"unit {u + 1}" for u in range(width)]
            pad = max(map(len, labels))
            for u, label in enumerate(labels):
                arithmetic = _sum_text(step.W[:, u], x, float(step.b[u]), symbol)
                text = f"    {label:<{pad}}  z = {arithmetic}"
                text += f" = {value_text(float(step.Z[n, u]))}"
                if not last:
                    text += f"   {f}(z) = {value_text(float(step.A[n, u]))}"
                lines.append(text)
        x, symbol = step.A[n], "a"
    return lines


def _picture(pred: Prediction, n: int) -> list[str]:
    """Return row ``n`` drawn as its H x W picture in shade characters, when it is an image."""
    if pred.image_shape is None:
        return []
    height, width = pred.image_shape
    return [
        f"  the picture ({height} x {width} pixels; blank = its smallest value, @ = its largest)",
        *(f"    |{line}|" for line in shade_lines(pred.X[n], pred.image_shape)),
    ]


def explain(pred: Prediction) -> str:
    """Return each row walked through the lesson's steps, from its inputs to the ArgMax one-hot.

    Every layer is shown: for at most 8 units, each unit's ``z = w . x + b`` with the numbers and
    its activation; wider layers as rounded vectors.
    """
    features, classes = pred.features, pred.classes
    raw = "raw outputs" + (f" / temperature {pred.temperature:g}" if pred.temperature != 1 else "")
    units = set(pred.units)
    inputs = f"inputs ({units.pop()})" if len(units) == 1 and "" not in units else "inputs"
    target = pred.target.replace("_", " ")
    if pred.hidden:
        f = pred.hidden[0].activation
        network = [
            "  2. each hidden unit adds up its inputs times its weights, plus its bias,",
            f"     z = w . x + b, and passes on {f}(z); each output unit does the same with the",
            f"     last hidden layer's values, without an activation: one raw output per {target}",
        ]
    else:
        network = [
            "  2. each output unit adds up the scaled inputs times its weights, plus its bias,",
            f"     z = w . x + b: one raw output per {target} (no hidden layer)",
        ]
    lines = [
        f"Each {pred.noun} goes through the lesson's steps:",
        f"  1. {inputs} are scaled as the training rows were: (x - center) / scale",
        *network,
        "  3. SoftMax turns the raw outputs into probabilities between 0 and 1 that sum to 1:",
        "     SoftMax(i) = e^(raw output i) / sum over j of e^(raw output j)",
        "  4. ArgMax sets the largest probability to 1 and the others to 0: the prediction",
    ]
    hot = argmax_one_hot(pred.P)
    for n in range(len(pred)):
        i = int(pred.predicted[n])
        softmax = _named_lines("SoftMax", classes, pred.P[n], ".3f")
        softmax[-1] += f"   (sum {pred.P[n].sum():.3f})"
        lines += [
            "",
            f"{pred.noun} {n + 1}",
            *_picture(pred, n),
            *_named_lines(inputs, features, pred.X[n], "g"),
            *_named_lines("scaled inputs", features, pred.X_scaled[n], ".4g"),
            *_layer_lines(pred, n, classes),
            *_named_lines(raw, classes, pred.Z[n], ".4g"),
            *softmax,
            f"  ArgMax          {hot[n].tolist()}  ->  {classes[i]}",
        ]
        if pred.truth is not None:
            s = int(pred.truth[n])
            lines[-1] += f"  (true {target}: {classes[s]}{', right' if s == i else ', wrong'})"
    return "\n".join(lines)
