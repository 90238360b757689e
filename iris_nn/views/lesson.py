"""The lesson on any raw outputs: SoftMax probabilities, the ArgMax one-hot and SoftMax's derivatives.

``z`` holds raw output values (one per class), ``p = SoftMax(z)``. The derivatives are
``dp_i/dz_i = p_i (1 - p_i)`` and ``dp_i/dz_j = -p_i p_j``: smooth and non-zero, which is why
training uses SoftMax, while ArgMax (a constant 0 or 1) has zero derivatives and only picks the
prediction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import argmax_one_hot, softmax, softmax_jacobian
from iris_nn.data.values import parse_number
from iris_nn.store.jsontext import dumps, json_safe
from iris_nn.views.tables import aligned

# The lesson's worked example (Setosa, Versicolor, Virginica) and the probabilities it prints.
LESSON_RAW = (1.43, -0.4, 0.23)
LESSON_ROUNDED = (0.69, 0.10, 0.21)
MAX_VALUES = 10_000  # the derivatives of n values are n x n: 10,000 make 100 million in JSON
MAX_TABLE_DERIVATIVES = 10  # a wider matrix is unreadable as text; JSON gives it whole


def parse_raw_outputs(tokens: Sequence[str]) -> list[float]:
    """Return the raw outputs in ``tokens`` as finite floats; raise BadInputError naming a bad one."""
    if not tokens:
        raise BadInputError(
            "no raw outputs given; allowed: one or more numbers, e.g. 1.43 -0.4 0.23"
        )
    if len(tokens) > MAX_VALUES:
        raise BadInputError(
            f"{len(tokens)} raw outputs given; allowed: at most {MAX_VALUES:,} (their SoftMax "
            "derivatives are a matrix of n x n numbers)"
        )
    return [parse_number(t, f"raw output {n}") for n, t in enumerate(tokens, 1)]


def parse_labels(text: str, n_values: int) -> list[str]:
    """Return the comma-separated ``text`` as labels, one per raw output."""
    labels = [label.strip() for label in text.split(",")]
    if not all(labels):
        raise BadInputError(f"--labels {text!r} has an empty label; allowed: non-empty names")
    if len(set(labels)) != len(labels):
        raise BadInputError(f"--labels {text!r} repeats a label; allowed: distinct names")
    if len(labels) != n_values:
        raise BadInputError(
            f"--labels {text!r} gives {len(labels)} label{'s' * (len(labels) != 1)} for "
            f"{n_values} raw output{'s' * (n_values != 1)}; allowed: {n_values} non-empty "
            "names separated by commas"
        )
    return labels


def softmax_steps(
    values: Sequence[float], labels: Sequence[str] | None = None, jacobian: bool = True
) -> dict[str, Any]:
    """Return ``values``, SoftMax ``probabilities``, the ``argmax`` one-hot and the ``jacobian``.

    ``jacobian[i][j]`` is dp_i/dz_j (left out when ``jacobian`` is false); ``labels`` is added
    when given.
    """
    z = np.asarray(values, dtype=np.float64)  # (n,)
    with np.errstate(over="ignore"):  # z - max(z) may reach -inf for 1e308-sized gaps: exp gives 0
        p = softmax(z)
    steps: dict[str, Any] = {
        "values": z.tolist(),
        "probabilities": p.tolist(),
        "argmax": argmax_one_hot(p).tolist(),
    }
    if jacobian:
        with np.errstate(over="ignore"):
            steps["jacobian"] = softmax_jacobian(z).tolist()
    if labels is not None:
        steps["labels"] = list(labels)
    return steps


def dumps_line(value: Any) -> str:
    """Return strict JSON of ``value`` on one line (NaN and infinity made null)."""
    return json.dumps(json_safe(value), allow_nan=False)


def jacobian_rows(probabilities: Sequence[float]) -> Iterator[list[float]]:
    """Yield the rows of SoftMax's derivative matrix, dp_i/dz_j = p_i (delta_ij - p_j), one at a
    time (the same numbers as ``softmax_jacobian``, without n x n of them in memory)."""
    p = np.asarray(probabilities, dtype=np.float64)  # (n,)
    for i, p_i in enumerate(p):
        row = -p_i * p  # (n,)
        row[i] += p_i
        yield row.tolist()


def steps_json(steps: dict[str, Any]) -> Iterator[str]:
    """Yield the JSON document of ``softmax_steps(..., jacobian=False)`` with the ``jacobian``
    added after ``argmax``, in pieces: one derivative row per line."""
    head = dumps({k: v for k, v in steps.items() if k != "labels"})
    yield head.removesuffix("\n}") + ',\n  "jacobian": [\n'
    n = len(steps["probabilities"])
    for i, row in enumerate(jacobian_rows(steps["probabilities"])):
        yield "    " + dumps_line(row) + (",\n" if i < n - 1 else "\n")
    labels = steps.get("labels")
    yield "  ]" + (f',\n  "labels": {dumps_line(labels)}' if labels is not None else "") + "\n}"


def is_lesson_example(values: Sequence[float]) -> bool:
    """Return whether ``values`` are the lesson's raw outputs 1.43, -0.4, 0.23."""
    return len(values) == len(LESSON_RAW) and bool(np.allclose(values, LESSON_RAW, atol=1e-12))


def format_steps(steps: dict[str, Any]) -> str:
    """Return the SoftMax steps as text for people: table, ArgMax, derivative matrix."""
    z, p, hot = steps["values"], steps["probabilities"], steps["argmax"]
    labels = steps.get("labels") or [str(i) for i in range(1, len(z) + 1)]
    rows = [
        [label, f"{zi:g}", f"{pi:.3f}", f"{pi:.2f}", str(h)]
        for label, zi, pi, h in zip(labels, z, p, hot, strict=True)
    ]
    rows.append(["sum", "", f"{sum(p):.3f}", "", str(sum(hot))])
    header = ["output", "raw value", "SoftMax", "(2 decimals)", "ArgMax"]
    terms = " + ".join(f"e^{zi:g}" for zi in z) if len(z) <= 6 else "sum of e^(each raw value)"
    lines = [
        "SoftMax turns raw output values into probabilities between 0 and 1 that sum to 1:",
        f"  SoftMax(i) = e^(raw value i) / ({terms})",
        "ArgMax sets the largest value to 1 and the others to 0.",
        "",
        *aligned(header, rows, "lrrrr"),
        "",
        f"ArgMax one-hot: {hot}  ->  prediction = {labels[hot.index(1)]}",
    ]
    if is_lesson_example(z):
        lines += [
            f"The lesson rounds these probabilities to {', '.join(f'{x:.2f}' for x in LESSON_ROUNDED)};",
            f"computed, they are {', '.join(f'{x:.3f}' for x in p)}.",
        ]
    lines += [
        "",
        "SoftMax derivatives dp_i/dz_j (row i, column j): p_i (1 - p_i) on the diagonal,",
        "-p_i p_j elsewhere: smooth, so backpropagation can use them; ArgMax's are 0 or undefined.",
    ]
    if "jacobian" not in steps:
        n = len(z)
        lines.append(
            f"With {n} raw outputs they are {n} x {n} numbers, shown here for at most "
            f"{MAX_TABLE_DERIVATIVES}; --format json gives them all."
        )
        return "\n".join(lines)
    short = [label if len(label) <= 12 else label[:11] + "." for label in labels]
    jac = [
        [f"dp_{a}", *(f"{x:.4f}" for x in row)]
        for a, row in zip(short, steps["jacobian"], strict=True)
    ]
    lines += aligned(["", *(f"dz_{a}" for a in short)], jac, "l" + "r" * len(z))
    return "\n".join(lines)
