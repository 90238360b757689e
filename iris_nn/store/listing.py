"""The runs under ``--out`` as one summary record each, newest first (``iris-nn runs``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from iris_nn.data.datasets import DEFAULT_DATASET
from iris_nn.store.outdir import scan_runs


def run_summaries(
    out: str | Path, warn: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    """Return ``{name, created, dataset, hidden, activation, epochs_run, test_accuracy,
    test_log_loss, status}`` for every run in ``out``, newest first (a run without a data set in
    its meta is an Iris run).

    A damaged run (a hand-edited field of the wrong type, say) is left out and reported through
    ``warn``, naming its file and field; it never stops the others from being listed.
    """
    runs, damaged = scan_runs(out)
    if warn is not None:
        for e in damaged:
            warn(f"skipped a damaged run: {e.problem}")
    summaries = []
    for run in runs:
        test = run.metrics.get("test") or {}
        summaries.append(
            {
                "name": run.path.name,
                "created": run.created,
                "dataset": run.meta.get("dataset", DEFAULT_DATASET),
                "hidden": run.meta.get("hidden"),
                # none without hidden layers, also for older runs whose meta named one
                "activation": run.meta.get("activation") if run.meta.get("hidden") != [] else None,
                "epochs_run": run.metrics.get("epochs_run"),
                "test_accuracy": test.get("accuracy"),
                "test_log_loss": test.get("log_loss"),
                "status": run.metrics.get("status"),
            }
        )
    return summaries
