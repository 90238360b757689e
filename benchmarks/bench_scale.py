"""Rows per second and peak memory on a million rows: iris-nn against scikit-learn (SPEC 11).

Each fit runs in a fresh process, as a user's run does, after ``numpy.load`` of a ``.npy`` file
(1,000,000 x 20 float64, 3 classes, written once into a temporary directory); the contenders
alternate, and the figures are medians over the repeats:

- ours: ``IrisNNClassifier(hidden=(64,), activation="relu", optimizer="sgd", batch_size=256,
  lr=0.05, epochs=1, l2=0, val_size=0, scaling="none")``, which records the history as ``train``
  does (row 0 an exact pass over every row, then the epoch's mini-batch losses as trained);
- scikit-learn: ``MLPClassifier((64,), solver="sgd", momentum=0, nesterovs_momentum=False,
  alpha=0, batch_size=256, learning_rate_init=0.05, max_iter=1)``;
- for reference, a plain numpy loop over the same shuffled mini-batches, without any metrics;
- ours in float32 (``dtype="float32"``, SPEC 18: at least 1.4x the rows per second of float64).

Rows per second count the fit alone, in wall time and in CPU time (the process's own, which a busy
machine disturbs less); peak memory is the ``ru_maxrss`` of that process, against SPEC 11's limit
of twice the data's float64 size plus 200 MB. A 1,000,000-row CSV (20 numeric columns and a
text class) is also read by iris-nn's reader and by ``numpy.loadtxt`` (its numeric columns), and
trained on end to end, wall time and peak memory: ``iris-nn train --data big.csv ... --epochs 1``
against a script doing ``numpy.loadtxt`` and ``MLPClassifier.fit``.

Run ``python benchmarks/bench_scale.py`` (``--quick`` for a few-second smoke run on 20,000 rows).
Timings on a shared machine are noisy: the spread of the repeats is printed beside each median.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

FEATURES, CLASSES, HIDDEN, BATCH, LR = 20, 3, 64, 256, 0.05
CONTENDERS = ("ours", "scikit-learn", "plain numpy", "ours float32")
CLASS_NAMES = np.array(["alpha", "beta", "gamma"])
MB = 1e6  # bytes: SPEC 11's "twice the data's float64 size plus 200 MB" in decimal megabytes


def make_data(directory: Path, rows: int) -> None:
    """Write ``X.npy`` (rows, 20) and ``y.npy`` (rows,): 3 classes a linear teacher draws, noisily."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, FEATURES))
    y = np.argmax(
        X @ rng.normal(size=(FEATURES, CLASSES)) + rng.normal(size=(rows, CLASSES)), axis=1
    )
    np.save(directory / "X.npy", X)
    np.save(directory / "y.npy", y)


def plain_epoch(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
    """Train a 20-64-3 relu network one epoch of sgd mini-batches, as anyone would write it."""
    W1 = rng.normal(0, np.sqrt(2 / FEATURES), (FEATURES, HIDDEN))
    W2 = rng.normal(0, np.sqrt(2 / HIDDEN), (HIDDEN, CLASSES))
    b1, b2 = np.zeros(HIDDEN), np.zeros(CLASSES)
    order = rng.permutation(len(X))
    for start in range(0, len(X), BATCH):
        rows = order[start : start + BATCH]
        Xb, yb, m = X[rows], y[rows], len(rows)
        Z1 = Xb @ W1 + b1  # (m, hidden)
        A1 = np.maximum(Z1, 0.0)
        Z2 = A1 @ W2 + b2  # (m, classes)
        E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
        dZ2 = E / E.sum(axis=1, keepdims=True)
        dZ2[np.arange(m), yb] -= 1.0
        dZ2 /= m
        dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
        W2 -= LR * (A1.T @ dZ2)
        b2 -= LR * dZ2.sum(axis=0)
        W1 -= LR * (Xb.T @ dZ1)
        b1 -= LR * dZ1.sum(axis=0)


def make_fit(
    kind: str,
    X: np.ndarray,
    y: np.ndarray,
    hidden: tuple[int, ...] = (HIDDEN,),
    activation: str = "relu",
    solver: str = "sgd",
    batch: int = BATCH,
    lr: float = LR,
    **ours: object,
) -> Callable[[], object]:
    """Return a call that fits one contender once on ``X``, ``y``, on the same settings for both.

    ``kind`` is ``ours`` (``IrisNNClassifier``, with ``ours`` as extra parameters) or
    ``scikit-learn`` (``MLPClassifier``): one epoch, no L2, no validation rows, no scaling, and
    for sgd no momentum. ``bench_shapes.py`` fits other shapes with it.
    """
    if kind == "ours":
        from iris_nn import IrisNNClassifier

        clf = IrisNNClassifier(
            hidden=hidden,
            activation=activation,
            optimizer=solver,
            batch_size=batch,
            lr=lr,
            epochs=1,
            l2=0,
            val_size=0,
            scaling="none",
            **ours,
        )
        return lambda: clf.fit(X, y)
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    mlp = MLPClassifier(
        hidden,
        activation=activation,
        solver=solver,
        momentum=0,
        nesterovs_momentum=False,
        alpha=0,
        batch_size=batch,
        learning_rate_init=lr,
        max_iter=1,
    )
    return lambda: mlp.fit(X, y)


def timed(fit: Callable[[], object]) -> dict[str, float]:
    """Call ``fit`` once; return its wall and CPU seconds and the process's peak memory."""
    started, cpu_started = time.perf_counter(), time.process_time()
    fit()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_mb()}


def fit_child(kind: str, directory: Path) -> dict[str, float]:
    """Load the data, fit one contender once; return its seconds and the process's peak memory."""
    X, y = np.load(directory / "X.npy"), np.load(directory / "y.npy")
    if kind == "plain numpy":
        rng = np.random.default_rng(0)
        return timed(lambda: plain_epoch(X, y, rng))
    if kind == "ours float32":
        return timed(make_fit("ours", X, y, dtype="float32"))
    return timed(make_fit(kind, X, y))


def peak_mb() -> float:
    """Return this process's peak resident memory so far, in MB (``ru_maxrss`` is in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


def run_child(*args: str, script: str = __file__) -> dict[str, float]:
    """Run ``script`` (this one) as a fresh process with ``args``; return the JSON it prints."""
    done = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        name = Path(script).name
        raise SystemExit(f"{name} {' '.join(args)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def spread(values: list[float]) -> str:
    """Return the median and the range of ``values`` as text."""
    return f"{statistics.median(values):,.0f} (range {min(values):,.0f}-{max(values):,.0f})"


def bench_fit(directory: Path, rows: int, repeats: int) -> None:
    """Fit each contender ``repeats`` times, alternating; print rows/s, peak memory and ratios."""
    results: dict[str, list[dict[str, float]]] = {k: [] for k in CONTENDERS}
    for _ in range(repeats):
        for kind in CONTENDERS:
            results[kind].append(run_child("--child", kind, str(directory)))
    peak = {k: [r["peak_mb"] for r in v] for k, v in results.items()}
    data_mb = rows * FEATURES * 8 / MB
    print(f"{rows:,} rows x {FEATURES} features, float64 ({data_mb:.0f} MB), {repeats} repeats")
    for clock, key in (("wall", "seconds"), ("CPU", "cpu_seconds")):
        speed = {k: [rows / r[key] for r in v] for k, v in results.items()}
        for kind in CONTENDERS:
            print(f"  {kind:<13} rows per {clock} second {spread(speed[kind])}")
        median = {k: statistics.median(v) for k, v in speed.items()}
        print(
            f"  ratio ours/scikit-learn rows/s ({clock}) "
            f"{median['ours'] / median['scikit-learn']:.2f}x (target >= 2x, stretch 2.5x); "
            f"plain numpy/scikit-learn {median['plain numpy'] / median['scikit-learn']:.2f}x"
        )
        print(
            f"  ratio ours float32/ours float64 rows/s ({clock}) "
            f"{median['ours float32'] / median['ours']:.2f}x (target >= 1.4x, SPEC 18)"
        )
    for kind in CONTENDERS:
        print(f"  {kind:<13} peak memory MB {spread(peak[kind])}")
    limit = 2 * data_mb + 200
    ours_peak = statistics.median(peak["ours"])
    print(
        f"  ratio ours peak memory/limit {ours_peak / limit:.2f}x (target < 1x: "
        f"{ours_peak:.0f} MB against 2 x {data_mb:.0f} + 200 = {limit:.0f} MB); "
        f"scikit-learn's {statistics.median(peak['scikit-learn']):.0f} MB"
    )


USER_SCRIPT = f"""\
import sys, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

warnings.simplefilter("ignore", ConvergenceWarning)
path = sys.argv[1]
X = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range({FEATURES}))
y = np.loadtxt(path, delimiter=",", skiprows=1, usecols={FEATURES}, dtype=str)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=0
)
clf = MLPClassifier(
    ({HIDDEN},), solver="sgd", momentum=0, nesterovs_momentum=False, alpha=0,
    batch_size={BATCH}, learning_rate_init={LR}, max_iter=1, random_state=0,
).fit(X_train, y_train)
print("test accuracy", clf.score(X_test, y_test))
"""


def make_csv(path: Path, rows: int) -> None:
    """Write ``rows`` rows of 20 numeric columns and a text class column, with a header."""
    rng = np.random.default_rng(1)
    teacher = rng.normal(size=(FEATURES, CLASSES))
    header = ",".join([*(f"x{j}" for j in range(FEATURES)), "class"])
    with path.open("w") as f:
        f.write(header + "\n")
        for start in range(0, rows, 100_000):
            X = rng.normal(size=(min(100_000, rows - start), FEATURES))
            y = CLASS_NAMES[np.argmax(X @ teacher + rng.normal(size=(len(X), CLASSES)), axis=1)]
            line = ",".join(["%.6f"] * FEATURES) + ",%s\n"
            f.write("".join(line % (*x, c) for x, c in zip(X.tolist(), y.tolist(), strict=True)))


def read_child(kind: str, path: Path) -> dict[str, float]:
    """Read the CSV once with iris-nn's reader or ``numpy.loadtxt``; return seconds and memory."""
    started = time.perf_counter()
    if kind == "iris-nn":
        from iris_nn.data.prepare import open_dataset

        open_dataset(str(path)).rows()
    else:
        np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(FEATURES))
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb()}


def measure_child(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Run ``cmd`` in ``cwd``; return its wall time and its peak memory (its own ``ru_maxrss``).

    This process runs nothing else, so the largest resident size of its children is the command's.
    """
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.strip()}")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / MB
    return {"seconds": seconds, "peak_mb": peak}


def bench_csv(directory: Path, rows: int, repeats: int) -> None:
    """Read a CSV with iris-nn and numpy.loadtxt, and train on it end to end against a script."""
    path = directory / "big.csv"
    make_csv(path, rows)
    reads: dict[str, list[float]] = {"iris-nn": [], "numpy.loadtxt": []}
    for _ in range(repeats):
        for kind in reads:
            reads[kind].append(run_child("--read", kind, str(path))["seconds"])
    ours, numpy_s = (statistics.median(v) for v in reads.values())
    print(
        f"CSV of {rows:,} rows ({path.stat().st_size / MB:.0f} MB): iris-nn reads it in "
        f"{ours:.2f} s (range {min(reads['iris-nn']):.2f}-{max(reads['iris-nn']):.2f}), "
        f"numpy.loadtxt its numeric columns in {numpy_s:.2f} s"
    )
    print(f"  ratio read iris-nn/numpy.loadtxt {ours / numpy_s:.2f}x (target <= 1.15x, SPEC 18)")
    script = directory / "user_mlp.py"
    script.write_text(USER_SCRIPT)
    iris = [str(Path(sys.executable).with_name("iris-nn"))]
    train = [*iris, "train", "--data", str(path), "--hidden", str(HIDDEN), "--activation", "relu"]
    train += ["--optimizer", "sgd", "--batch-size", str(BATCH), "--lr", str(LR), "--epochs", "1"]
    train += ["--set", "train.l2=0", "--set", "data.scaling=none", "--no-plots", "-q"]
    runs: dict[str, list[dict[str, float]]] = {"train": [], "script": []}
    commands = {
        "train": [*train, "--out", str(directory / "outputs")],
        "script": [sys.executable, str(script), str(path)],
    }
    for _ in range(repeats):
        for kind, cmd in commands.items():
            runs[kind].append(run_child("--measure", str(directory), *cmd))
    t_train, t_script = (statistics.median(r["seconds"] for r in v) for v in runs.values())
    m_train, m_script = (statistics.median(r["peak_mb"] for r in v) for v in runs.values())
    print(
        f"  iris-nn train --data big.csv ... --epochs 1: {t_train:.2f} s, peak {m_train:.0f} MB; "
        f"numpy.loadtxt + MLPClassifier.fit script: {t_script:.2f} s, peak {m_script:.0f} MB"
    )
    print(f"  ratio train/script {t_train / t_script:.2f}x (wall time)")


def main() -> None:
    """Print the scale benchmarks; with ``--child``, ``--read`` or ``--measure``, time one thing.

    Each of those runs in a fresh process and prints its seconds and peak memory as JSON.
    """
    if sys.argv[1:2] == ["--measure"]:  # --measure DIR CMD...: CMD's options are not ours
        print(json.dumps(measure_child(sys.argv[3:], Path(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows, one repeat: a smoke run")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--read", nargs=2, metavar=("KIND", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(fit_child(args.child[0], Path(args.child[1]))))
        return
    if args.read:
        print(json.dumps(read_child(args.read[0], Path(args.read[1]))))
        return
    rows, repeats = (20_000, 1) if args.quick else (args.rows, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        make_data(directory, rows)
        bench_fit(directory, rows, repeats)
        bench_csv(directory, rows, repeats)


if __name__ == "__main__":
    main()
