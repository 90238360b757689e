"""Whole-process wall times of ``iris-nn`` commands against what a user would run instead.

- ``iris-nn predict 5.1 3.5 1.4 0.2`` against ``python -c "import numpy, click"`` (target <= 1.3x);
- ``iris-nn train --no-plots -q`` (default config) against the scikit-learn script a user would write
  instead: load_iris, StandardScaler, MLPClassifier with the same epochs and ``tol=0`` (<= 1.0x);
- the full ``iris-nn train`` with plots and report (reported);
- an epoch of ``iris-nn train`` itself, 4-8-3 relu full-batch gd without L2: the difference between
  a 20,000-epoch and a 0-epoch run, per epoch, so history, progress, tracked rows and whatever else
  a run records each epoch are included, against the plain numpy loop and scikit-learn's
  ``MLPClassifier`` per epoch on the same rows (<= 0.9x and <= 0.45x);
- ``iris-nn cv --folds 5 --repeats 5``: the network's mean fit time against ``mlp_classifier``'s
  (<= 0.4x), and the wall time with ``--jobs 2`` against ``--jobs 1`` (<= 0.6x).

Every command runs in a temporary directory (its ``outputs/`` is thrown away), several times
after a warm-up run; the figures are medians. Python caches compiled bytecode as it does on a
user's machine: ``PYTHONDONTWRITEBYTECODE``, which some environments set, is dropped for the timed
commands (numpy and click come precompiled from their wheels, iris-nn from its source tree). A
command this version of iris-nn lacks is reported as skipped.
Run ``python benchmarks/bench_cli.py`` (``--quick`` for a few-second smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from iris_nn.settings.config import Config

USER_SCRIPT = """\
import warnings

from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size={test_size}, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
clf = MLPClassifier(
    hidden_layer_sizes={hidden}, activation="{activation}", alpha={alpha},
    learning_rate_init={lr}, max_iter={epochs}, tol=0, n_iter_no_change={epochs}, {solver}
    random_state=0,
).fit(scaler.transform(X_train), y_train)
print("test accuracy", clf.score(scaler.transform(X_test), y_test))
"""


def iris_nn_command() -> list[str]:
    """Return the command that starts ``iris-nn``: the console script beside this Python."""
    script = Path(sys.executable).with_name("iris-nn")
    return [str(script)] if script.exists() else [sys.executable, "-m", "iris_nn"]


def user_script(config: Config) -> str:
    """Return the scikit-learn script that mirrors ``config`` (SPEC 5's mapping for ``cv``)."""
    t = config.train
    n_train = round(150 * (1 - config.data.test_size))
    if t.optimizer == "gd":
        solver = f'solver="sgd", momentum=0, batch_size={n_train},'
    elif t.optimizer == "adam":
        solver = 'solver="adam",' + (f" batch_size={t.batch_size}," if t.batch_size else "")
    else:
        momentum = t.momentum if t.optimizer == "momentum" else 0
        batch = f" batch_size={t.batch_size}," if t.batch_size else ""
        solver = f'solver="sgd", momentum={momentum}, nesterovs_momentum={t.nesterov},{batch}'
    return USER_SCRIPT.format(
        test_size=config.data.test_size,
        hidden=tuple(config.model.hidden),
        activation=config.model.activation,
        alpha=t.l2,
        lr=t.lr,
        epochs=max(t.epochs, 1),
        solver=solver,
    )


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Return the wall time of one run of ``cmd`` and its result; raise if it fails."""
    started = time.perf_counter()
    done = subprocess.run(
        cmd, cwd=cwd, env=ENV, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()}")
    return elapsed, done


def children_cpu() -> float:
    """Return the CPU seconds (user + system) that finished child processes have used so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_times(cmds: list[list[str]], cwd: Path, repeats: int, cpu: bool = False) -> list[float]:
    """Return the median wall time (``cpu``: CPU time) of each command over ``repeats`` rounds.

    A warm-up round comes first when ``repeats`` > 1 (cold file cache, bytecode to write);
    interleaving makes a busy moment of the shared machine hurt every command alike. CPU time
    counts what the command itself computed, which other processes on a busy machine disturb
    far less than its wall time.
    """
    if repeats > 1:
        for cmd in cmds:
            run(cmd, cwd)
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(repeats):
        for cmd, t in zip(cmds, times, strict=True):
            before = children_cpu()
            wall = run(cmd, cwd)[0]
            t.append(children_cpu() - before if cpu else wall)
    return [statistics.median(t) for t in times]


def has_command(name: str, cwd: Path) -> bool:
    """Return whether this iris-nn has the subcommand ``name``."""
    done = subprocess.run([*iris_nn_command(), name, "--help"], cwd=cwd, capture_output=True)
    return done.returncode == 0


def heavy_startup_imports() -> list[str]:
    """Return the heavy modules that importing ``iris_nn.cli`` pulls in (should be none)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import iris_nn.cli"],
        capture_output=True,
        text=True,
    )
    heavy = ("sklearn", "matplotlib", "scipy")
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    return sorted(n for n in names if n.split(".")[0] in heavy)


def ratio(name: str, a: float, b: float, target: float | None) -> None:
    """Print ``a / b`` with its target."""
    goal = f" (target <= {target}x)" if target is not None else ""
    print(f"  ratio {name} {a / b:.2f}x{goal}")


def bench_predict(iris: list[str], cwd: Path, repeats: int) -> None:
    """Time ``predict -m RUN`` on one flower against importing numpy and click, in pairs.

    Each pair runs the two one after the other (a busy moment of the machine hurts both); the
    medians, their spread and the load average are printed (SPEC 18: at most 1.3x, 7+ pairs).
    """
    if not has_command("predict", cwd):
        print("predict: not in this iris-nn yet (skipped)")
        return
    run([*iris, "train", "--no-plots", "-q", "--epochs", "10", "--name", "for-predict"], cwd)
    pair = (
        [*iris, "predict", "-m", str(cwd / "outputs" / "for-predict"), "5.1", "3.5", "1.4", "0.2"],
        [sys.executable, "-c", "import numpy, click"],
    )
    for cmd in pair:  # warm-up: bytecode written, files cached
        run(cmd, cwd)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for cmd, t in zip(pair, times, strict=True):
            t.append(run(cmd, cwd)[0])
    t_predict, t_import = (statistics.median(t) for t in times)
    spread = ", ".join(f"{min(t) * 1e3:.0f}-{max(t) * 1e3:.0f}" for t in times)
    print(
        f"predict -m RUN 5.1 3.5 1.4 0.2: {t_predict * 1e3:.0f} ms; "
        f'python -c "import numpy, click": {t_import * 1e3:.0f} ms '
        f"({repeats} pairs, spread {spread} ms, load average {os.getloadavg()[0]:.1f})"
    )
    ratio("predict/import", t_predict, t_import, 1.3)


def bench_train(iris: list[str], cwd: Path, repeats: int, epochs: int | None) -> None:
    """Time ``train`` without and with plots against the user's scikit-learn script."""
    config = Config()
    extra = ["--epochs", str(epochs)] if epochs is not None else []
    if epochs is not None:
        config = replace(config, train=replace(config.train, epochs=epochs))
    script = cwd / "user_mlp.py"
    script.write_text(user_script(config))
    t_train, t_user, t_full = median_times(
        [
            [*iris, "train", "--no-plots", "-q", *extra],
            [sys.executable, str(script)],
            [*iris, "train", "-q", *extra],
        ],
        cwd,
        repeats,
    )
    print(
        f"train --no-plots -q ({config.train.epochs} epochs): {t_train * 1e3:.0f} ms; "
        f"scikit-learn script: {t_user * 1e3:.0f} ms; train with plots and report: "
        f"{t_full * 1e3:.0f} ms"
    )
    ratio("train/scikit-learn script", t_train, t_user, 1.0)


def bench_epochs(
    iris: list[str], cwd: Path, repeats: int, epochs: int, clocks: tuple[str, ...] = ("wall", "cpu")
) -> None:
    """Time an epoch of ``iris-nn train`` against the plain loop's and scikit-learn's.

    In wall time, and in CPU time (the processes' own, and ``time.process_time`` in this one),
    which a busy machine disturbs less.
    """
    import bench_train
    from bench_train import time_plain, time_sklearn

    from iris_nn.settings.config import ModelConfig

    base = Config()
    config = replace(
        base,
        model=ModelConfig(hidden=(8,), activation="relu"),
        train=replace(base.train, optimizer="gd", l2=0.0, early_stopping=False),
    )
    cmd = [*iris, "train", "--hidden", "8", "--activation", "relu", "--optimizer", "gd"]
    cmd += ["--set", "train.l2=0", "--set", "train.early_stopping=false", "--no-plots"]
    in_process = replace(config, train=replace(config.train, epochs=min(epochs, 5000)))
    for clock in clocks:
        t_epochs, t_none = median_times(
            [[*cmd, "--epochs", str(epochs)], [*cmd, "--epochs", "0"]], cwd, repeats, clock == "cpu"
        )
        ours = (t_epochs - t_none) / epochs
        bench_train.clock = time.perf_counter if clock == "wall" else time.process_time
        plain = statistics.median(time_plain(in_process)[0] for _ in range(max(repeats, 3)))
        sklearn = statistics.median(time_sklearn(in_process) for _ in range(max(repeats, 3)))
        plain, sklearn = plain / in_process.train.epochs, sklearn / in_process.train.epochs
        print(
            f"train 4-8-3 relu gd, {clock} time per epoch ({epochs} epochs less 0): "
            f"{ours * 1e6:.1f} us; plain numpy loop {plain * 1e6:.1f} us; scikit-learn "
            f"{sklearn * 1e6:.1f} us"
        )
        ratio(f"train epoch/plain ({clock})", ours, plain, 0.9)
        ratio(f"train epoch/scikit-learn ({clock})", ours, sklearn, 0.45)


def bench_cv(iris: list[str], cwd: Path, repeats: int, quick: bool) -> None:
    """Compare fit times inside ``cv`` and the wall time of ``--jobs 2`` against ``--jobs 1``."""
    if not has_command("cv", cwd):
        print("cv: not in this iris-nn yet (skipped)")
        return
    folds = ["--folds", "2", "--repeats", "1", "--epochs", "100"] if quick else []
    folds = folds or ["--folds", "5", "--repeats", "5"]
    cmd = [*iris, "cv", *folds, "--format", "json"]
    cv_help = subprocess.run([*iris, "cv", "--help"], cwd=cwd, capture_output=True, text=True)
    jobs = [1, 2] if "--jobs" in cv_help.stdout else [0]
    walls: dict[int, list[float]] = {j: [] for j in jobs}
    fits: list[float] = []
    for _ in range(max(1, repeats // 2)):
        for j in jobs:  # interleaved, so that a busy moment hurts both alike
            wall, done = run([*cmd, "--jobs", str(j)] if j else cmd, cwd)
            walls[j].append(wall)
            models = json.loads(done.stdout)["models"]
            fit = models["iris_nn"]["fit_time_mean"], models["mlp_classifier"]["fit_time_mean"]
            fits.append(fit[0] / fit[1])
    print(f"cv {' '.join(folds)}: mean fit time iris_nn / mlp_classifier")
    ratio("fit iris_nn/mlp_classifier", statistics.median(fits), 1.0, 0.4)
    if jobs == [0]:
        print("cv --jobs: not in this iris-nn yet (skipped)")
        return
    t1, t2 = statistics.median(walls[1]), statistics.median(walls[2])
    print(f"cv --jobs 1: {t1 * 1e3:.0f} ms; --jobs 2: {t2 * 1e3:.0f} ms")
    ratio("jobs 2/jobs 1", t2, t1, 0.6)


def main() -> None:
    """Run every comparison and print the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, few epochs: a smoke run")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--only", choices=("predict", "train", "epochs", "cv"), help="run one comparison only"
    )
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    iris = iris_nn_command()
    heavy = heavy_startup_imports()
    print(f"repeats {repeats} (medians); heavy imports at CLI start: {', '.join(heavy) or 'none'}")
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        env_note = os.environ.get("OPENBLAS_CORETYPE")
        if env_note:
            print(f"OPENBLAS_CORETYPE={env_note}")
        if "PYTHONDONTWRITEBYTECODE" in os.environ:
            print("PYTHONDONTWRITEBYTECODE dropped for the timed commands (bytecode cached)")
        wanted = {args.only} if args.only else {"predict", "train", "epochs", "cv"}
        if "predict" in wanted:
            bench_predict(iris, cwd, repeats)
        if "train" in wanted:
            bench_train(iris, cwd, repeats, 100 if args.quick else None)
        if "epochs" in wanted and args.quick:
            bench_epochs(iris, cwd, repeats, 200, ("cpu",))
        elif "epochs" in wanted:
            bench_epochs(iris, cwd, repeats, 20_000)
        if "cv" in wanted:
            bench_cv(iris, cwd, repeats, args.quick)


if __name__ == "__main__":
    main()
