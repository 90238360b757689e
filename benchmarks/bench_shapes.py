"""Rows per second at the shapes users bring: iris-nn against scikit-learn (SPEC 18).

Each shape of SPEC 18's table is fitted for one epoch, each fit in a fresh process after
``numpy.load`` of a ``.npy`` file (float64 inputs drawn from a normal, classes a noisy linear
teacher draws), alternating ours and scikit-learn's ``MLPClassifier`` on the same settings (relu
where not said, no L2, no validation rows, no scaling, sgd without momentum; learning rate 0.05
for sgd, 0.001 for adam). The fits are made exactly as ``bench_scale.py`` makes them
(``bench_scale.make_fit``). Rows per second count the fit alone, in wall time; the table shows
the medians over the repeats, their range, and the ratio of the medians against SPEC 18's floor.
``--dtype float32`` fits ours in float32 (``train.dtype``); scikit-learn stays in float64.

Run ``python benchmarks/bench_shapes.py`` (about 3 minutes on a quiet machine; ``--quick`` for a
smoke run on a twentieth of the rows, one repeat). Timings on a shared machine are noisy: two
processes running beside it make BLAS many times slower for both; ``--threads 1`` pins BLAS to one
thread in every child.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from bench_scale import make_fit, run_child, timed


@dataclass(frozen=True)
class Shape:
    """One row of SPEC 18's table."""

    rows: int
    inputs: int
    hidden: tuple[int, ...]
    classes: int
    activation: str
    solver: str
    batch: int
    floor: float  # SPEC 18's "at least", ours / scikit-learn rows per second

    def name(self, rows: int) -> str:
        """Return the shape as SPEC 18 writes it, with ``rows`` rows."""
        hidden = ", ".join(map(str, self.hidden))
        act = f" ({self.activation})" if self.activation != "relu" else ""
        return f"{rows:,} x {self.inputs} -> {hidden} -> {self.classes}{act}"

    @property
    def lr(self) -> float:
        """Return the learning rate: scikit-learn's default for adam, bench_scale's for sgd."""
        return 0.001 if self.solver == "adam" else 0.05


SHAPES = [
    Shape(200_000, 4, (16,), 3, "tanh", "adam", 32, 1.5),
    Shape(200_000, 30, (64,), 2, "relu", "sgd", 128, 1.5),
    Shape(100_000, 64, (32,), 10, "relu", "adam", 128, 1.5),
    Shape(40_000, 784, (64,), 10, "relu", "adam", 128, 1.0),
    Shape(200_000, 20, (64, 64), 3, "relu", "sgd", 256, 1.5),
    Shape(100_000, 20, (64,), 50, "relu", "adam", 256, 1.5),
]
CONTENDERS = ("ours", "scikit-learn")


def make_data(directory: Path, shape: Shape, rows: int) -> None:
    """Write ``X.npy`` (rows, inputs) and ``y.npy`` (rows,): every class drawn by a noisy teacher."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, shape.inputs))
    teacher = rng.normal(size=(shape.inputs, shape.classes)) / np.sqrt(shape.inputs)
    y = np.argmax(X @ teacher + 0.5 * rng.normal(size=(rows, shape.classes)), axis=1)
    y[: shape.classes] = np.arange(shape.classes)  # both contenders see every class
    np.save(directory / "X.npy", X)
    np.save(directory / "y.npy", y)


def fit_child(kind: str, index: int, directory: Path, dtype: str) -> dict[str, float]:
    """Load the data, fit one contender once at shape ``index``; return its seconds."""
    shape = SHAPES[index]
    X, y = np.load(directory / "X.npy"), np.load(directory / "y.npy")
    ours = {"dtype": dtype} if kind == "ours" and dtype != "float64" else {}
    fit = make_fit(kind, X, y, shape.hidden, shape.activation, shape.solver, shape.batch,
                   shape.lr, **ours)  # fmt: skip
    return timed(fit)


def bench(shape: Shape, index: int, rows: int, repeats: int, dtype: str) -> float:
    """Fit both contenders ``repeats`` times, alternating; print one table row; return the ratio."""
    speed: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    with tempfile.TemporaryDirectory() as tmp:
        make_data(Path(tmp), shape, rows)
        for _ in range(repeats):
            for kind in CONTENDERS:
                args = ("--child", kind, str(index), tmp, dtype)
                speed[kind].append(rows / run_child(*args, script=__file__)["seconds"])
    median = {k: statistics.median(v) for k, v in speed.items()}
    ratio = median["ours"] / median["scikit-learn"]
    cells = [
        f"{median[k]:>9,.0f} ({min(v):,.0f}-{max(v):,.0f})".ljust(30) for k, v in speed.items()
    ]
    print(
        f"{shape.name(rows):<34} {shape.solver} {shape.batch:<4} {cells[0]} {cells[1]} "
        f"ratio {ratio:.2f}x (at least {shape.floor:.1f}x)",
        flush=True,
    )
    return ratio


def main() -> None:
    """Print SPEC 18's table; with ``--child``, time one fit and print its seconds as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a twentieth of the rows, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="ours' train.dtype (scikit-learn stays float64)")  # fmt: skip
    parser.add_argument("--threads", type=int, help="BLAS threads in every child (default: BLAS's)")
    parser.add_argument("--only", type=int, nargs="*", help="the table's rows to run (from 1)")
    parser.add_argument("--child", nargs=4, metavar=("KIND", "SHAPE", "DIR", "DTYPE"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.child:
        kind, index, directory, dtype = args.child
        print(json.dumps(fit_child(kind, int(index), Path(directory), dtype)))
        return
    if args.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)  # the children inherit it
    repeats = 1 if args.quick else args.repeats
    print(
        f"rows per second of one epoch's fit, medians of {repeats} (range); ours in {args.dtype}, "
        f"scikit-learn in float64; BLAS threads: {args.threads or 'default'}"
    )
    print(f"{'shape':<34} {'opt batch':<9} {'ours':<30} {'scikit-learn':<30}")
    ratios = []
    for i, shape in enumerate(SHAPES):
        if args.only and i + 1 not in args.only:
            continue
        rows = shape.rows // 20 if args.quick else shape.rows
        ratios.append(bench(shape, i, rows, repeats, args.dtype) / shape.floor)
    print(f"ratio worst against its floor {min(ratios):.2f}x (at least 1.00x at every shape)")


if __name__ == "__main__":
    sys.exit(main())
