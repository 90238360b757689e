"""Time iris-nn's CSV reading of a table with text input columns against the same table without.

SPEC 11's file (1,000,000 rows x 20 numeric columns and a text class column) with two unquoted
text input columns of at most 10 values each must read within 1.3x the time of the same file
without them (issue 31): the text columns go through numpy's C parser as codes (a dict lookup per
cell, in C but for each new value), beside the numbers. Both files are read as ``train`` reads them
(``read_csv_dataset``: one-hot inputs, classes, every number checked, the SHA-256), each alone in
a fresh process after its imports, alternating; medians are compared. Usage:

    python benchmarks/bench_csv_text.py              # 1,000,000 rows, 5 rounds
    python benchmarks/bench_csv_text.py --quick      # 20,000 rows, 1 round: a smoke run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CLASSES = np.array(["setosa", "versicolor", "virginica"])
ISLANDS = np.array([f"island{k}" for k in range(10)])
COLOURS = np.array(["red", "green", "blue", "grey", "black", "white", "pink"])
TARGET = 1.3


def write_csv(path: Path, rows: int, text: bool) -> None:
    """Write 20 numeric columns (with ``text``, two text columns among them) and the class."""
    rng = np.random.default_rng(0)
    header = [f"x{j}" for j in range(20)] + (["island", "colour"] if text else []) + ["label"]
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for start in range(0, rows, 50_000):
            n = min(50_000, rows - start)
            numbers = np.char.mod("%.6f", rng.normal(size=(n, 20)) * 10)
            labels = CLASSES[rng.integers(0, 3, n)]
            islands = ISLANDS[rng.integers(0, len(ISLANDS), n)]
            colours = COLOURS[rng.integers(0, len(COLOURS), n)]
            if text:
                cells = zip(numbers, islands, colours, labels, strict=True)
                lines = [",".join(r) + f",{i},{c},{y}" for r, i, c, y in cells]
            else:
                lines = [",".join(r) + f",{y}" for r, y in zip(numbers, labels, strict=True)]
            f.write("\n".join(lines) + "\n")


def read_once(path: str) -> float:
    """Return the seconds one read takes in this process (imports done beforehand)."""
    import warnings

    from iris_nn.data.csv_dataset import read_csv_dataset

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Note: lines about the text columns
        info = read_csv_dataset(path)
    assert len(info.sha256) == 64
    return time.perf_counter() - started


def timed_in_fresh_process(path: Path) -> float:
    done = subprocess.run(
        [sys.executable, __file__, "--read", str(path)], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def main() -> None:
    """Print both medians, their spread and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows, 1 round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--read", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        print(read_once(args.read))
        return
    rounds = 1 if args.quick else args.rounds
    rows = 20_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"with text": Path(tmp) / "text.csv", "numbers only": Path(tmp) / "plain.csv"}
        for name, path in paths.items():
            write_csv(path, rows, name == "with text")
        times: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(rounds):
            for name, path in paths.items():
                times[name].append(timed_in_fresh_process(path))
    ours, plain = (float(np.median(t)) for t in times.values())
    spread = "  ".join(f"{min(t):.2f}-{max(t):.2f}" for t in times.values())
    print(f"{rows:,} rows x 20 numbers + class, median of {rounds} fresh processes:")
    print(
        f"with two text columns {ours:7.3f}s   numbers only {plain:7.3f}s   ratio {ours / plain:.2f}x"
    )
    print(f"(spread {spread}; load average {os.getloadavg()[0]:.1f}; target at most {TARGET}x)")


if __name__ == "__main__":
    main()
