"""Time iris-nn's CSV reading against ``numpy.loadtxt`` at every shape SPEC 18 names.

Shapes: 4, 20, 64 and 784 numeric columns, decimals or integers, with a text or an integer class
column. iris-nn reads each file as ``train`` does (``read_csv_dataset``: header, class column,
classes, every number checked against SPEC 7's grammar, the row-id check, the SHA-256 of the very
bytes it parses); ``numpy.loadtxt`` reads only the numeric columns and checks nothing.

Each read runs alone in a fresh process, timed after its imports (as a user's ``train`` reads);
the two readers alternate, and the medians are compared (SPEC 18: at most 1.15x). The load average
is printed beside the numbers: on a busy machine they mean little. Usage:

    python benchmarks/bench_csv.py              # every shape, 5 rounds
    python benchmarks/bench_csv.py --rounds 9   # more rounds
    python benchmarks/bench_csv.py --only 1 2   # the table's first two files
    python benchmarks/bench_csv.py --quick      # every shape at 1/50 of its rows, 1 round: a smoke run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

CLASSES = np.array(["setosa", "versicolor", "virginica"])
TARGET = 1.15


class Shape(NamedTuple):
    rows: int
    columns: int
    numbers: str  # a printf format ("%.4f"), or "int" for integers 0..255 (pixels)
    label: str  # "text" or "int"

    def describe(self) -> str:
        kind = "integers" if self.numbers == "int" else f"{self.numbers[2:-1]} decimals"
        return f"{self.rows:,} x {self.columns} {kind}, {self.label} class"


SHAPES = (
    Shape(400_000, 4, "%.4f", "int"),
    Shape(400_000, 4, "int", "text"),
    Shape(300_000, 20, "%.4f", "text"),
    Shape(1_000_000, 20, "%.6f", "int"),  # SPEC 11's file
    Shape(300_000, 20, "int", "int"),
    Shape(40_000, 64, "%.4f", "int"),
    Shape(40_000, 64, "int", "text"),
    Shape(4_000, 784, "int", "int"),  # the handwritten-digit shape
    Shape(4_000, 784, "%.4f", "text"),
)


def write_csv(path: Path, shape: Shape) -> None:
    """Write a CSV of ``shape``: a header, then the numbers and the class, 50,000 rows at a time."""
    rng = np.random.default_rng(0)
    with open(path, "w") as f:
        f.write(",".join([*(f"x{j}" for j in range(shape.columns)), "label"]) + "\n")
        for start in range(0, shape.rows, 50_000):
            n = min(50_000, shape.rows - start)
            if shape.numbers == "int":  # mostly zeros, as pixels are
                X = rng.integers(0, 256, (n, shape.columns)) * (
                    rng.random((n, shape.columns)) < 0.3
                )
                numbers = X.astype(str)
            else:
                numbers = np.char.mod(shape.numbers, rng.normal(size=(n, shape.columns)) * 10)
            codes = rng.integers(0, len(CLASSES), n)
            labels = CLASSES[codes] if shape.label == "text" else codes.astype(str)
            lines = [
                ",".join(row) + "," + label for row, label in zip(numbers, labels, strict=True)
            ]
            f.write("\n".join(lines) + "\n")


def read_once(reader: str, path: str, columns: int) -> float:
    """Return the seconds one read takes in this process (imports done beforehand)."""
    if reader == "iris-nn":
        from iris_nn.data.csv_dataset import read_csv_dataset

        started = time.perf_counter()
        info = read_csv_dataset(path)
        assert len(info.sha256) == 64 and len(info.features) == columns
    else:
        started = time.perf_counter()
        np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(columns))
    return time.perf_counter() - started


def timed_in_fresh_process(reader: str, path: Path, columns: int) -> float:
    done = subprocess.run(
        [sys.executable, __file__, "--read", reader, str(path), str(columns)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def main() -> None:
    """Print, for every shape, both medians, their spread and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/50 of the rows, 1 round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--only", type=int, nargs="+", metavar="N", help="the files to read (from 1, in order)"
    )
    parser.add_argument(
        "--read", nargs=3, metavar=("READER", "PATH", "COLUMNS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.only and not set(args.only) <= set(range(1, len(SHAPES) + 1)):
        parser.error(f"--only takes file numbers 1 to {len(SHAPES)}")
    if args.read:
        print(read_once(args.read[0], args.read[1], int(args.read[2])))
        return
    rounds = 1 if args.quick else args.rounds
    print(f"read alone in a fresh process after its imports, alternating, median of {rounds}:")
    print(f"{'file':<42} {'iris-nn':>8} {'loadtxt':>8} {'ratio':>6}  load average")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for number, shape in enumerate(SHAPES, start=1):
            if args.only and number not in args.only:
                continue
            if args.quick:
                shape = shape._replace(rows=max(shape.rows // 50, 100))
            path = Path(tmp) / "data.csv"
            write_csv(path, shape)
            times: dict[str, list[float]] = {"iris-nn": [], "numpy.loadtxt": []}
            for _ in range(rounds):
                for reader in times:
                    times[reader].append(timed_in_fresh_process(reader, path, shape.columns))
            ours, theirs = (float(np.median(t)) for t in times.values())
            worst = max(worst, ours / theirs)
            spread = "  ".join(f"{min(t):.2f}-{max(t):.2f}" for t in times.values())
            load = os.getloadavg()[0]
            print(
                f"{shape.describe():<42} {ours:7.3f}s {theirs:7.3f}s {ours / theirs:5.2f}x"
                f"  {load:.1f}   (spread {spread})"
            )
    print(f"worst ratio {worst:.2f}x   (SPEC 18: at most {TARGET}x)")


if __name__ == "__main__":
    main()
