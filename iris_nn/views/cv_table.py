"""Cross-validation results as a text table: one row per model, mean ± std over the folds."""

from __future__ import annotations

from typing import Any


def format_table(result: Any) -> str:
    """Return the summary as a text table, one row per model in the order of ``MODEL_NAMES``.

    ``result`` is a ``CVResult`` of ``estimators.cv`` (which this layer cannot import).
    """
    rows = result.summary()["models"]
    lines = [
        f"repeated stratified {result.folds}-fold cross-validation, {result.repeats} "
        f"repeat{'s' * (result.repeats != 1)} "
        f"(seed {result.seed}): mean ± std over {result.folds * result.repeats} folds",
        "",
        f"{'model':<20} {'accuracy':>15} {'log loss':>17} {'fit time':>10}",
    ]
    for name, m in rows.items():
        lines.append(
            f"{name:<20} {m['accuracy_mean']:>7.3f} ± {m['accuracy_std']:.3f} "
            f"{m['log_loss_mean']:>8.4f} ± {m['log_loss_std']:.4f} "
            f"{m['fit_time_mean'] * 1000:>7.1f} ms"
        )
    for name, why in result.missing.items():
        lines.append(f"{name:<20} absent: {why}")
    return "\n".join(lines)
