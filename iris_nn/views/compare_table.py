"""A comparison of runs as text: an aligned table for people, a Markdown table to paste.

Both put the runs side by side, one column each: first the config keys whose values differ (only
those), then the metrics.
"""

from __future__ import annotations

from typing import Any

from iris_nn.comparison.compare import Comparison, show_value
from iris_nn.views.tables import aligned

METRIC_ROWS = (  # (key in the comparison, row label, format)
    ("test_accuracy", "test accuracy", ".3f"),
    ("test_log_loss", "test log loss", ".4f"),
    ("best_epoch", "best epoch", "d"),
    ("epochs_run", "epochs run", "d"),
    ("train_time_s", "train time (s)", ".2f"),
    ("status", "status", "s"),
)


def _metric(value: Any, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def rows(comparison: Comparison) -> tuple[list[list[str]], list[list[str]]]:
    """Return the text cells: one row per differing key, and one per metric (label first)."""
    keys = [[key, *map(show_value, values)] for key, values in comparison.differences.items()]
    metrics = [
        [label, *(_metric(r.metrics[key], fmt) for r in comparison.runs)]
        for key, label, fmt in METRIC_ROWS
    ]
    return keys, metrics


def _same_note(comparison: Comparison) -> str:
    n_keys = len(comparison.runs[0].config)
    n_diff = len(comparison.differences)
    if not n_diff:
        return f"The configs are identical: all {n_keys} keys have the same values."
    return f"Only the config keys whose values differ are shown ({n_diff} of {n_keys})."


def format_table(comparison: Comparison) -> str:
    """Return the comparison as aligned text: the differing keys, a blank line, the metrics."""
    keys, metrics = rows(comparison)
    header = ["", *(r.label for r in comparison.runs)]
    blank = [[""] * len(header)] if keys else []
    align = "l" + "r" * len(comparison.runs)
    return "\n".join(
        [*aligned(header, [*keys, *blank, *metrics], align), "", _same_note(comparison)]
    )


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def format_markdown(comparison: Comparison) -> str:
    """Return the comparison as a Markdown table (config keys in code spans), then a note."""
    keys, metrics = rows(comparison)
    keys = [[f"`{key}`", *values] for key, *values in keys]
    lines = [
        "| | " + " | ".join(_cell(r.label) for r in comparison.runs) + " |",
        "|---|" + "---:|" * len(comparison.runs),
        *("| " + " | ".join(map(_cell, row)) + " |" for row in [*keys, *metrics]),
    ]
    return "\n".join([*lines, "", _same_note(comparison)])
