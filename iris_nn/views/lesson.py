"""The lesson on any raw outputs: SoftMax probabilities, the ArgMax one-hot and SoftMax's derivatives.

``z`` holds raw output values (one per class), ``p = SoftMax(z)``. The derivatives are
``dp_i/dz_i = p_i (1 - p_i)`` and ``dp_i/dz_j = -p_i p_j``: smooth and non-zero, which is why
training uses SoftMax, while ArgMax (a constant 0 or 1) has zero derivatives and only picks the
prediction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import argmax_one_hot, softmax, softmax_jacobian
from iris_nn.data.values import parse_number
from iris_nn.views.tables import aligned

# The lesson's worked example (Setosa, Versicolor, Virginica) and the probabilities it prints.
LESSON_RAW = (1.43, -0.4, 0.23)
LESSON_ROUNDED = (0.69, 0.10, 0.21)


def parse_raw_outputs(tokens: Sequence[str]) -> list[float]:
    """Return the raw outputs in ``tokens`` as finite floats; raise BadInputError naming a bad one."""
    if not tokens:
        raise BadInputError(
            "no raw outputs given; allowed: one or more numbers, e.g. 1.43 -0.4 0.23"
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


def softmax_steps(values: Sequence[float], labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Return ``values``, SoftMax ``probabilities``, the ``argmax`` one-hot and the ``jacobian``.

    ``jacobian[i][j]`` is dp_i/dz_j; ``labels`` is added when given.
    """
    z = np.asarray(values, dtype=np.float64)  # (n,)
    with np.errstate(over="ignore"):  # z - max(z) may reach -inf for 1e308-sized gaps: exp gives 0
        p = softmax(z)
        jacobian = softmax_jacobian(z)
    steps: dict[str, Any] = {
        "values": z.tolist(),
        "probabilities": p.tolist(),
        "argmax": argmax_one_hot(p).tolist(),
        "jacobian": jacobian.tolist(),
    }
    if labels is not None:
        steps["labels"] = list(labels)
    return steps


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
    short = [label if len(label) <= 12 else label[:11] + "." for label in labels]
    jac = [
        [f"dp_{a}", *(f"{x:.4f}" for x in row)]
        for a, row in zip(short, steps["jacobian"], strict=True)
    ]
    lines += [
        "",
        "SoftMax derivatives dp_i/dz_j (row i, column j): p_i (1 - p_i) on the diagonal,",
        "-p_i p_j elsewhere: smooth, so backpropagation can use them; ArgMax's are 0 or undefined.",
        *aligned(["", *(f"dz_{a}" for a in short)], jac, "l" + "r" * len(z)),
    ]
    return "\n".join(lines)
