"""Score candidate configs with the network's part of ``iris-nn cv`` on tuning seeds.

Each candidate is a list of ``--set`` assignments over the built-in defaults (and ``--data``); each
is scored by the mean accuracy and log loss of repeated 5-fold cross-validation on every tuning
seed (not seed 0, which the README reports). ``--baseline`` also scores logistic regression on the
same folds, the bar the configs of configs/ must clear. Usage:

    python benchmarks/tune_default.py                        # the grid below, seeds 1, 2, 3
    python benchmarks/tune_default.py --seeds 1,2 "train.l2=1.0 model.hidden=[]"
    python benchmarks/tune_default.py --data wine --repeats 2 --baseline "" "train.l2=1.0"
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from iris_nn.estimators.cv import cross_validate
from iris_nn.settings import config as cfg

GRID = [
    "",  # the default: 16 tanh units, gd, lr 0.3, l2 0.3, no validation rows
    *(f"train.l2={l2}" for l2 in (0.1, 1.0)),
    "model.hidden=[8]",
    "data.val_size=0.1",
    "model.hidden=[] train.l2=0.1",
]


def score(
    sets: list[str], seeds: list[int], jobs: int, repeats: int = 5, model: str = "iris_nn"
) -> tuple[float, float, float]:
    """Return ``model``'s mean accuracy and log loss over ``seeds`` and the seconds it took."""
    started = time.perf_counter()
    accuracy, log_loss = [], []
    for seed in seeds:
        config = cfg.load(None, [*sets, f"seed={seed}"])
        result = cross_validate(config, 5, repeats, jobs=jobs, models=(model,))
        accuracy.append(result.scores[model]["accuracy"].mean())
        log_loss.append(result.scores[model]["log_loss"].mean())
    return float(np.mean(accuracy)), float(np.mean(log_loss)), time.perf_counter() - started


def main() -> None:
    """Print one line per candidate: mean accuracy, mean log loss, seconds, the assignments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="*", help="space-separated KEY=VALUE assignments")
    parser.add_argument("--seeds", default="1,2,3", help="tuning seeds (default: 1,2,3)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (default: 1)")
    parser.add_argument("--data", default="iris", help="data set (data.dataset; default: iris)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of 5-fold (default: 5)")
    parser.add_argument(
        "--baseline", action="store_true", help="also score logistic_regression on the folds"
    )
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    data = [f"data.dataset={args.data}"]
    print(f"{args.data}, seeds {seeds}: accuracy  log loss  seconds  candidate")
    if args.baseline:
        accuracy, log_loss, seconds = score(
            data, seeds, args.jobs, args.repeats, "logistic_regression"
        )
        print(f"{accuracy:.4f}  {log_loss:.4f}  {seconds:6.1f}  (logistic_regression)")
    for candidate in args.candidates or GRID:
        accuracy, log_loss, seconds = score(
            [*data, *candidate.split()], seeds, args.jobs, args.repeats
        )
        print(
            f"{accuracy:.4f}  {log_loss:.4f}  {seconds:6.1f}  {candidate or '(defaults)'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
