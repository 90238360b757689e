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


def confusion_lines(matrix: Any, classes: Sequence[str]) -> list[str]:
    """Return a confusion matrix (rows = true, columns = predicted) as aligned text with a title."""
    counts = np.asarray(matrix).tolist()
    rows = [[c, *map(str, row)] for c, row in zip(classes, counts, strict=True)]
    return [
        "confusion matrix (rows = true species, columns = predicted):",
        *aligned(["", *classes], rows, "l" + "r" * len(classes)),
    ]
