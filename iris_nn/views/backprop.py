"""One backpropagation step as text, in the order a teacher writes it on the board.

The forward pass as ``predict --explain`` shows it, the loss, the output delta ``p - y``, then layer
by layer from the output down: every gradient as its chain-rule product with the numbers, the
central-difference gradient and the difference beside it, the new value, and the deltas one layer
down; last the loss after the step. A batch shows its first rows' forward passes and deltas.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap

import numpy as np

from iris_nn.core.functional import Array, derivative
from iris_nn.inference.backprop import ATOL, RTOL, STEP, LayerGradient, Step
from iris_nn.inference.predict import LayerStep, Prediction
from iris_nn.views.prediction import LINE_WIDTH, SPELLED_UNITS, explain, value_text
from iris_nn.views.tables import aligned

SHOWN_ROWS = 3  # a batch shows the forward pass and deltas of its first rows
SHOWN_GRADIENTS = 8  # a wide layer shows its largest gradients by size


def to_json(step: Step) -> str:
    """Return the JSON ``backprop --format json`` prints: ``lr, rows, loss_before, loss_after, forward, layers``."""
    return json.dumps(step.to_dict(), indent=1, allow_nan=False)


def _v(x: float) -> str:
    """Return ``x`` as ``value_text`` writes it, in brackets when negative (it follows a sign)."""
    text = value_text(x)
    return f"({text})" if text.startswith("-") else text


def _first_rows(pred: Prediction, n: int) -> Prediction:
    """Return the prediction of its first ``n`` rows."""
    cut = slice(0, n)
    layers = tuple(LayerStep(s.W, s.b, s.Z[cut], s.A[cut], s.activation) for s in pred.layers)
    return dataclasses.replace(
        pred,
        X=pred.X[cut],
        X_scaled=pred.X_scaled[cut],
        Z=pred.Z[cut],
        P=pred.P[cut],
        truth=None if pred.truth is None else pred.truth[cut],
        layers=layers,
    )


def _unit_names(step: Step, layer: int) -> list[str]:
    """Return the names of layer ``layer``'s units (0: the inputs): features, units, classes."""
    pred = step.forward
    if layer == 0:
        return list(pred.features)
    if layer == len(step.layers):
        return list(pred.classes)
    prefix = "unit " if len(step.layers) == 2 else f"unit {layer}."
    return [f"{prefix}{u + 1}" for u in range(step.layers[layer - 1].b.size)]


def _inputs_of(step: Step, layer: int) -> Array:
    """Return what layer ``layer`` multiplies its weights by (n, n_in): the scaled inputs or the
    activations of the layer below."""
    pred = step.forward
    return pred.X_scaled if layer == 1 else pred.layers[layer - 2].A


def _check(g: float, g_num: float | None) -> tuple[str, str]:
    """Return the central-difference gradient and ``|g - g_num|`` as text, ``-`` when skipped."""
    if g_num is None:
        return "-", "-"
    diff = abs(g - g_num)
    mark = "" if diff <= ATOL + RTOL * abs(g_num) else "  <- too far"
    return value_text(g_num), f"{diff:.1e}{mark}"


def _layer_lines(step: Step, layer: int) -> list[str]:
    """Return layer ``layer``'s gradients, checks and new values, and the deltas one layer down."""
    g: LayerGradient = step.layers[layer - 1]
    n = len(step.y)
    L = len(step.layers)
    A = _inputs_of(step, layer)  # (n, n_in)
    sources, targets = _unit_names(step, layer - 1), _unit_names(step, layer)
    a_name = "x" if layer == 1 else "a"
    head = "output layer" if layer == L else f"hidden layer {layer}"
    l2_part = f" + l2 / n * w = {_v(step.l2 / n)} * w" if step.l2 else ""
    product = f"{a_name} * delta" if n == 1 else f"mean over the rows of {a_name} * delta"
    mean_delta = "delta" if n == 1 else "mean of delta"
    lines = [
        f"layer {layer} ({head}): dL/dw = {product}{l2_part}, dL/db = {mean_delta};"
        f" new = value - lr * dL",
    ]
    n_in, n_out = g.W.shape
    wide = n_in > SPELLED_UNITS or n_out > SPELLED_UNITS
    pairs = [(j, k) for j in range(n_in) for k in range(n_out)]
    if wide:
        order = np.argsort(-np.abs(g.dW).ravel(), kind="stable")[:SHOWN_GRADIENTS]
        pairs = [pairs[e] for e in order]
    rows = []
    for j, k in pairs:
        w, grad = float(g.W[j, k]), float(g.dW[j, k])
        if n == 1:
            formula = f"{_v(float(A[0, j]))} * {_v(float(g.delta[0, k]))}"
        else:
            formula = f"{value_text(float(A[:, j] @ g.delta[:, k] / n))}"
        if step.l2:
            formula += f" + {_v(step.l2 / n)} * {_v(w)}"
        numeric, diff = _check(grad, None if g.dW_num is None else float(g.dW_num[j, k]))
        new = f"{value_text(w)} - {_v(step.lr)} * {_v(grad)} = {value_text(float(g.W_new[j, k]))}"
        rows.append(
            [f"{sources[j]} -> {targets[k]}", f"{formula} = {value_text(grad)}", numeric, diff, new]
        )
    for k in range(n_out) if not wide else []:
        b, grad = float(g.b[k]), float(g.db[k])
        numeric, diff = _check(grad, None if g.db_num is None else float(g.db_num[k]))
        new = f"{value_text(b)} - {_v(step.lr)} * {_v(grad)} = {value_text(float(g.b_new[k]))}"
        rows.append([f"bias of {targets[k]}", value_text(grad), numeric, diff, new])
    table = aligned(
        ["  weight", "dL/dw", "numeric", "|g - g_num|", "new"],
        [["  " + r[0], *r[1:]] for r in rows],
        "llrrl",
    )
    lines += ["  " + line for line in table]
    if wide:
        shown = len(pairs)
        lines.append(
            f"    ... the {shown} largest of {g.W.size} weight gradients by size; "
            f"{g.W.size - shown} more and the {n_out} biases in --format json"
        )
        lines += [f"    dL/db (rounded)  {_rounded(g.db)}"]
    if layer > 1:
        lines += _delta_down_lines(step, layer)
    return lines


def _rounded(values: Array, limit: int = 16) -> str:
    """Return a vector rounded to 4 significant digits, cut after ``limit`` values, wrapped at
    100 characters (continued lines indented by 21)."""
    items = [f"{v:.4g}" for v in values[:limit]]
    more = len(values) - limit
    text = "[" + ", ".join(items) + (f", ... {more} more]" if more > 0 else "]")
    indent = " " * 21
    lines = textwrap.wrap(text, LINE_WIDTH, initial_indent=indent, subsequent_indent=indent)
    return "\n".join(lines).lstrip()


def _delta_down_lines(step: Step, layer: int) -> list[str]:
    """Return the deltas of layer ``layer - 1``, each written as its chain-rule sum."""
    below = step.layers[layer - 2]
    g = step.layers[layer - 1]
    f = step.forward.layers[layer - 2].activation
    Z = step.forward.layers[layer - 2].Z  # (n, n_units below)
    names = _unit_names(step, layer - 1)
    lines = [
        f"  delta one layer down: delta_j = (sum over k of w_jk * delta_k) * {f}'(z_j)",
    ]
    for n in range(min(len(step.y), SHOWN_ROWS)):
        if len(step.y) > 1:
            lines.append(f"    {step.forward.noun} {n + 1}")
        fz = derivative(f or "identity", Z[n])
        if len(names) > SPELLED_UNITS or g.W.shape[1] > SPELLED_UNITS:
            lines.append(f"    delta (rounded)  {_rounded(below.delta[n])}")
            continue
        for j, name in enumerate(names):
            terms = " + ".join(
                f"{_v(float(g.W[j, k]))} * {_v(float(g.delta[n, k]))}" for k in range(g.W.shape[1])
            )
            lines.append(
                f"    {name}  ({terms}) * {_v(float(fz[j]))} = {value_text(float(below.delta[n, j]))}"
            )
    return lines


def to_text(step: Step) -> str:
    """Return the step for people, every number of it, in the order it is worked by hand."""
    pred, y, n = step.forward, step.y, len(step.y)
    classes, noun = pred.classes, pred.noun
    rows_word = f"{n} {noun}{'s' * (n != 1)}"
    lines = [
        f"One step of gradient descent on {rows_word} (lr {value_text(step.lr)}, "
        f"L2 {value_text(step.l2)}), from the weights before the update.",
        "",
        "1. The forward pass",
        "",
    ]
    shown = min(n, SHOWN_ROWS)
    lines.append(explain(_first_rows(pred, shown)))
    if n > shown:
        lines.append(f"... {n - shown} more {noun}s (--format json has them all)")
    mean = " (mean over the rows)" if n > 1 else ""
    lines += ["", f"2. The loss: cross-entropy -log(p[true class]){mean}, plus the L2 term"]
    for r in range(shown):
        p = float(pred.P[r, y[r]])
        lines.append(
            f"  {noun} {r + 1}  -log(p[{classes[y[r]]}]) = -log({value_text(p)}) = "
            f"{value_text(-float(np.log(p)) if p > 0 else float('inf'))}"
        )
    with np.errstate(over="ignore"):  # weights too large to square are shown as inf
        weights = sum(float((g.W**2).sum()) for g in step.layers)
    lines += [
        f"  cross-entropy  {value_text(step.cross_entropy)}",
        f"  L2 term        l2 / 2 * sum(W**2) / n = {value_text(step.l2)} / 2 * "
        f"{value_text(weights)} / {n} = {value_text(step.l2_term)}",
        f"  loss           {value_text(step.cross_entropy)} + {value_text(step.l2_term)} = "
        f"{value_text(step.loss_before)}",
        "",
        "3. The output delta: SoftMax and cross-entropy together give dL/d raw output = p - y",
        "   (y the one-hot true class)",
    ]
    out = step.layers[-1]
    for r in range(shown):
        lines.append(f"  {noun} {r + 1} (a {classes[y[r]]})")
        if len(classes) > SPELLED_UNITS:
            lines.append(f"    p - y (rounded)  {_rounded(out.delta[r])}")
            continue
        pad = max(map(len, classes))
        for k, c in enumerate(classes):
            hot = int(k == y[r])
            lines.append(
                f"    {c:<{pad}}  {value_text(float(pred.P[r, k]))} - {hot} = "
                f"{value_text(float(out.delta[r, k]))}"
            )
    lines += ["", "4. Layer by layer, from the output down"]
    for layer in range(len(step.layers), 0, -1):
        lines += ["", *_layer_lines(step, layer)]
    total = sum(g.W.size + g.b.size for g in step.layers)
    lines.append("")
    if step.checked:
        good = sum(
            int(np.count_nonzero(np.abs(a - b) <= ATOL + RTOL * np.abs(b)))
            for g in step.layers
            for a, b in ((g.dW, g.dW_num), (g.db, g.db_num))
            if b is not None
        )
        lines.append(
            f"5. The check: {good} of {total} gradients agree with central differences "
            f"(step {_exp(STEP)}) within |g - g_num| <= {_exp(ATOL)} + {_exp(RTOL)} |g_num|"
        )
    else:
        lines.append(f"5. The check: skipped ({'; '.join(step.notes)})")
    ce_after = step.loss_after - _l2_after(step)
    lines += [
        "",
        f"6. The loss after the step, with the new weights: cross-entropy {value_text(ce_after)}"
        f" + L2 term {value_text(_l2_after(step))} = {value_text(step.loss_after)}"
        f" (before: {value_text(step.loss_before)})",
    ]
    return "\n".join(lines)


def _exp(x: float) -> str:
    """Return a power of ten as ``1e-6`` (not ``1e-06``)."""
    return f"{x:g}".replace("e-0", "e-")


def _l2_after(step: Step) -> float:
    """Return the L2 term of the new weights."""
    if not step.l2:
        return 0.0
    with np.errstate(over="ignore"):
        weights = sum(float((g.W_new**2).sum()) for g in step.layers)
    return 0.5 * step.l2 * weights / len(step.y)
