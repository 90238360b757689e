"""Score candidate default configs with the network's part of ``iris-nn cv`` on tuning seeds.

Each candidate is a list of ``--set`` assignments over the built-in defaults; each is scored by the
mean accuracy and log loss of 5-fold x 5 repeated cross-validation on every tuning seed (not seed 0,
which the README reports). Usage:

    python benchmarks/tune_default.py                        # the grid below, seeds 1, 2, 3
    python benchmarks/tune_default.py --seeds 1,2 "train.l2=1.0 model.hidden=[]"
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from iris_nn.estimators.cv import cross_validate
from iris_nn.runs import config as cfg

GRID = [
    "",  # the default: 16 tanh units, gd, lr 0.3, l2 0.3, no validation rows
    *(f"train.l2={l2}" for l2 in (0.1, 1.0)),
    "model.hidden=[8]",
    "data.val_size=0.1",
    "model.hidden=[] train.l2=0.1",
]


def score(sets: list[str], seeds: list[int], jobs: int) -> tuple[float, float, float]:
    """Return the mean accuracy and log loss over ``seeds`` and the seconds it took."""
    started = time.perf_counter()
    accuracy, log_loss = [], []
    for seed in seeds:
        config = cfg.load(None, [*sets, f"seed={seed}"])
        result = cross_validate(config, 5, 5, jobs=jobs, models=("iris_nn",))
        accuracy.append(result.scores["iris_nn"]["accuracy"].mean())
        log_loss.append(result.scores["iris_nn"]["log_loss"].mean())
    return float(np.mean(accuracy)), float(np.mean(log_loss)), time.perf_counter() - started


def main() -> None:
    """Print one line per candidate: mean accuracy, mean log loss, seconds, the assignments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="*", help="space-separated KEY=VALUE assignments")
    parser.add_argument("--seeds", default="1,2,3", help="tuning seeds (default: 1,2,3)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (default: 1)")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"seeds {seeds}: accuracy  log loss  seconds  candidate")
    for candidate in args.candidates or GRID:
        accuracy, log_loss, seconds = score(candidate.split(), seeds, args.jobs)
        print(f"{accuracy:.4f}  {log_loss:.4f}  {seconds:6.1f}  {candidate or '(defaults)'}")


if __name__ == "__main__":
    main()
