"""The runs under ``--out`` as one summary record each, newest first (``iris-nn runs``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iris_nn.store import list_runs
from iris_nn.text import aligned


def run_summaries(out: str | Path) -> list[dict[str, Any]]:
    """Return ``{name, created, hidden, activation, epochs_run, test_accuracy, test_log_loss,
    status}`` for every run in ``out``, newest first."""
    summaries = []
    for run in list_runs(out):
        test = run.metrics.get("test") or {}
        summaries.append(
            {
                "name": run.path.name,
                "created": run.created,
                "hidden": run.meta.get("hidden"),
                "activation": run.meta.get("activation"),
                "epochs_run": run.metrics.get("epochs_run"),
                "test_accuracy": test.get("accuracy"),
                "test_log_loss": test.get("log_loss"),
                "status": run.metrics.get("status"),
            }
        )
    return summaries


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
                shape,
                str(s["activation"] or "-"),
                _number(s["epochs_run"], "d"),
                _number(s["test_accuracy"], ".3f"),
                _number(s["test_log_loss"], ".4f"),
                str(s["status"] or "-"),
            ]
        )
    header = ["  name", "created (UTC)", "hidden", "activation", "epochs", "test acc", "log loss"]
    lines = aligned([*header, "status"], rows, "llllrrrl")
    if default is None:
        return "\n".join([*lines, "", "no completed run: predict and evaluate need --model"])
    return "\n".join(
        [*lines, "", "* the newest completed run: predict and evaluate use it by default"]
    )
