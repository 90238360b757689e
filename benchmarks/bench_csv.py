"""Time iris-nn's CSV reading against ``numpy.loadtxt`` on a big file (SPEC 11).

The file: 1,000,000 rows of 20 numeric columns (4 decimals, as a measuring instrument writes
them) and a text class column of three values. iris-nn reads it as ``train`` does
(``read_csv_dataset``: header, class column, classes, numbers checked against SPEC 7's grammar,
the row-id check, the file's SHA-256); ``numpy.loadtxt`` reads only the 20 numeric columns and
checks nothing. The two alternate, and the medians are compared. Usage:

    python benchmarks/bench_csv.py              # 1,000,000 rows, 5 rounds
    python benchmarks/bench_csv.py --quick      # 20,000 rows, 2 rounds: a smoke run
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from iris_nn.data.csv_dataset import read_csv_dataset

CLASSES = np.array(["setosa", "versicolor", "virginica"])


def write_big_csv(path: Path, n_rows: int, n_columns: int = 20) -> None:
    """Write ``n_rows`` rows of ``n_columns`` numbers and a text class, 100,000 rows at a time."""
    rng = np.random.default_rng(0)
    with open(path, "w") as f:
        f.write(",".join([*(f"x{j}" for j in range(n_columns)), "species"]) + "\n")
        for start in range(0, n_rows, 100_000):
            n = min(100_000, n_rows - start)
            X = rng.normal(size=(n, n_columns)) * 10
            labels = CLASSES[rng.integers(0, len(CLASSES), n)]
            numbers = np.char.mod("%.4f", X)
            lines = [
                ",".join(row) + "," + label for row, label in zip(numbers, labels, strict=True)
            ]
            f.write("\n".join(lines) + "\n")


def ours(path: Path) -> None:
    info = read_csv_dataset(path)
    assert len(info.sha256) == 64


def numpy_loadtxt(path: Path) -> None:
    np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(20))


def main() -> None:
    """Print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows, 2 rounds")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows, rounds = (20_000, 2) if args.quick else (args.rows, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        write_big_csv(path, rows)
        size = path.stat().st_size / 1e6
        times: dict[str, list[float]] = {"iris-nn": [], "numpy.loadtxt": []}
        for _ in range(rounds):
            for name, read in (("iris-nn", ours), ("numpy.loadtxt", numpy_loadtxt)):
                started = time.perf_counter()
                read(path)
                times[name].append(time.perf_counter() - started)
    medians = {name: float(np.median(t)) for name, t in times.items()}
    print(f"{rows:,} rows x 21 columns ({size:.0f} MB), median of {rounds} alternating rounds:")
    for name, seconds in medians.items():
        print(f"  {name:<14} {seconds:6.2f} s   ({', '.join(f'{t:.2f}' for t in times[name])})")
    print(
        f"  ratio          {medians['iris-nn'] / medians['numpy.loadtxt']:.2f}x   (target <= 1.1x)"
    )


if __name__ == "__main__":
    main()
