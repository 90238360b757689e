"""What to try next, said after a run went wrong: train, cv and seeds give the same advice."""

from __future__ import annotations

from typing import Any


def lower_lr_hint(config: Any) -> str:
    """Return a learning rate to suggest after a failed run: a tenth, at most the default.

    A tenth of the smallest floats (5e-324) is 0, which ``train.lr`` forbids: then say so.
    """
    from iris_nn.settings.schema import SETTINGS

    lower = min(config.train.lr / 10, SETTINGS["train.lr"].default)
    if lower > 0:
        return f"--lr {lower:g}"
    return f"no lower --lr: {config.train.lr:g} is the smallest positive one"


def dead_units_warning(dead: list[dict[str, int]], noun: str, config: Any) -> str:
    """Return the warning for ReLU units that output 0 for every training row, with what to try."""
    named = ", ".join(f"layer {d['layer']} unit {d['unit']}" for d in dead[:5])
    if len(dead) > 5:
        named += f" and {len(dead) - 5} more"
    one = len(dead) == 1
    return (
        f"Warning: {len(dead)} dead hidden unit{'' if one else 's'} ({named}): "
        f"{'it outputs' if one else 'they output'} 0 for every training {noun}, so "
        f"{'it no longer learns' if one else 'they no longer learn'}; try another --seed "
        f"(or --set train.init_seed=N), --activation leaky_relu, or a smaller learning rate "
        f"({lower_lr_hint(config)})"
    )


def divergence_hint(config: Any, error: Any) -> str:
    """Return what to try after training diverged with the ``DivergenceError`` ``error``.

    Each step shrinks the weights by the factor ``1 - lr * l2 / rows in the step``: when the L2
    term alone passes 1, the weights flip sign and grow at every step, whatever the learning
    rate does for the loss, so a smaller ``train.l2`` is the cure. Otherwise, a lower learning
    rate. The error says how many rows its smallest step had: the data set is not read again.
    """
    from iris_nn.settings.schema import SETTINGS

    t = config.train
    smaller_l2 = min(t.l2 / 10, SETTINGS["train.l2"].default)
    rows = error.step_rows or 1
    if t.lr * t.l2 / rows > 1:
        return (
            f"Try a smaller L2 strength (--set train.l2={smaller_l2:g}): "
            f"with --lr {t.lr:g} it shrinks the weights past zero at every step"
        )
    return f"Try a lower learning rate ({lower_lr_hint(config)})"
