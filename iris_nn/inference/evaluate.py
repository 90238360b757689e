"""Evaluate a saved model: metrics on its run's own test split or on labelled rows of a CSV.

The metrics are those ``metrics.json`` holds for the test split (accuracy, log loss, n, per-class
precision, recall and F1, confusion matrix), computed by ``metrics.classification_metrics``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import softmax
from iris_nn.inference.metrics import classification_metrics
from iris_nn.inference.predict import Inputs, check_finite_outputs
from iris_nn.store import rundir
from iris_nn.store.model_file import Model
from iris_nn.store.rundata import check_rows_kept, run_rows


def held_out_rows(model: Model, run_dir: Path) -> Inputs:
    """Return the test rows of the run in ``run_dir`` (from ``split.json``) with their classes."""
    if not (run_dir / rundir.SPLIT_FILE).is_file():
        raise rundir.RunError(
            f"{run_dir} has no {rundir.SPLIT_FILE}, so its test rows are unknown; "
            "evaluate a labelled CSV with --input instead"
        )
    _, X, y = run_rows(run_dir, model)
    index = rundir.read_split(run_dir, len(y)).test
    check_rows_kept(index, y, run_dir / rundir.SPLIT_FILE)
    return Inputs(X[index], y[index])  # filled as training filled them (run_rows)


def evaluate(model: Model, inputs: Inputs, own_rows: bool = False) -> dict[str, Any]:
    """Return ``{accuracy, log_loss, n, per_class, confusion_matrix}`` of ``model`` on ``inputs``.

    Rows given by the user whose raw outputs overflow are refused; the run's ``own_rows`` (its
    test split) were accepted when it trained, so they are scored as ``metrics.json`` scored them
    (a log loss that overflowed is null there).
    """
    if inputs.truth is None:
        raise BadInputError("the rows have no class column; evaluate needs the true classes")
    Z = model.logits(inputs.X)  # (n, n_classes)
    if not own_rows:
        check_finite_outputs(Z, inputs.X, model.features)
    P = softmax(Z)
    return classification_metrics(inputs.truth, P, model.classes, logits=Z)
