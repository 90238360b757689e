"""Plain-text tables for people: aligned columns and the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def aligned(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """Return header and rows as text columns; ``align`` holds ``l`` or ``r`` for each column."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(w) if a == "l" else cell.rjust(w)
            for cell, w, a in zip(r, widths, align, strict=True)
        ).rstrip()
        for r in [header, *rows]
    ]


def confusion_lines(matrix: Any, classes: Sequence[str], target: str = "species") -> list[str]:
    """Return a confusion matrix (rows = true, columns = predicted) as aligned text with a title."""
    counts = np.asarray(matrix).tolist()
    rows = [[c, *map(str, row)] for c, row in zip(classes, counts, strict=True)]
    return [
        f"confusion matrix (rows = true {target.replace('_', ' ')}, columns = predicted):",
        *aligned(["", *classes], rows, "l" + "r" * len(classes)),
    ]


def format_metrics(
    metrics: dict[str, Any], source: str, nouns: str = "flowers", target: str = "species"
) -> str:
    """Return the metrics as text for people: a summary line, per-class scores, confusion matrix.

    ``nouns`` says what the rows are (``flowers``); ``target`` names the class column.
    """
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
            f"{source}: {n} {nouns if n != 1 else nouns.removesuffix('s')}",
            f"accuracy {metrics['accuracy']:.3f} ({correct}/{n} right)   "
            f"log loss {_loss(metrics['log_loss'])}",
            "",
            *aligned(["", "precision", "recall", "f1", "support"], rows, "lrrrr"),
            "",
            *confusion_lines(cm["matrix"], cm["labels"], target),
        ]
    )


def _number(x: Any, fmt: str) -> str:
    return format(x, fmt) if isinstance(x, (int, float)) else "-"


def format_runs(summaries: list[dict[str, Any]]) -> str:
    """Return the run summaries as aligned text; ``*`` marks the newest completed run."""
    default = next((s["name"] for s in summaries if s["status"] == "completed"), None)
    rows = []
    for s in summaries:
        hidden = s["hidden"]
        shape = ",".join(map(str, hidden)) if hidden else "none" if hidden == [] else "-"
        rows.append(
            [
                ("* " if s["name"] == default else "  ") + s["name"],
                s["created"][:19].replace("T", " "),  # to the second; ISO 8601 UTC
                str(s["dataset"]),
                shape,
                str(s["activation"] or "-"),
                _number(s["epochs_run"], "d"),
                _number(s["test_accuracy"], ".3f"),
                _number(s["test_log_loss"], ".4f"),
                str(s["status"] or "-"),
            ]
        )
    header = ["  name", "created (UTC)", "data", "hidden", "activation", "epochs", "test acc"]
    lines = aligned([*header, "log loss", "status"], rows, "lllllrrrl")
    notes = [""]
    if default is None:
        notes.append("no completed run: predict and evaluate need --model")
    else:
        notes.append("* the newest completed run: predict and evaluate use it by default")
    if any(s["hidden"] == [] for s in summaries):
        notes.append("hidden none: softmax regression (no hidden layer, so no activation)")
    return "\n".join([*lines, *notes])


def _loss(x: float) -> str:
    """Return a log loss with 4 decimals, or 3 significant digits once it is huge (1e290)."""
    return f"{x:.4f}" if x < 1000 else f"{x:.3g}"
