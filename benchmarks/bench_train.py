"""Microseconds per training epoch: our loop, a plain numpy loop, and scikit-learn's MLPClassifier.

All three train the same architecture on the default training split with full-batch gradient
descent, the default learning rate and the same number of epochs, without L2 (scikit-learn's
``alpha=0``) and without early stopping. Ours runs ``train.fit`` exactly as ``iris-nn train`` does,
with validation rows (``data.val_size = 0.1``, whatever the default): validation and test loss and
accuracy every epoch, tracked SoftMax probabilities, divergence check, history and a progress
callback. The
plain loop starts from the same weights and must reach the same weights as ours after 100 epochs
(the same math); scikit-learn draws its own.

Run ``python benchmarks/bench_train.py`` (``--quick`` for a few-second smoke run). Timings on a
shared machine are noisy: the figures are medians over repeats, interleaved so that a busy moment
hurts every contender alike; ``--cpu`` measures CPU time, which a busy machine disturbs less.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from iris_nn.core.train import Control, Parts, fit
from iris_nn.experiments.experiment import build, tracked_rows
from iris_nn.settings.config import Config, ModelConfig, train_settings

ARCHITECTURES = [((8,), "relu"), ((16, 16), "tanh")]
clock = time.perf_counter  # bench_cli.py sets time.process_time for CPU times

PLAIN_ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    # f(Z) and f'(Z) given Z and A = f(Z), as anyone would first write them
    "relu": (lambda Z: np.maximum(Z, 0.0), lambda Z, A: (Z > 0).astype(float)),
    "tanh": (np.tanh, lambda Z, A: 1.0 - A**2),
}


def plain_loop(Ws: list, bs: list, X, y, activation: str, lr: float, epochs: int) -> None:
    """Train ``Ws``, ``bs`` in place with a straightforward numpy loop: no buffers, no tricks."""
    f, df = PLAIN_ACTIVATIONS[activation]
    n = len(X)
    Y = np.eye(Ws[-1].shape[1])[y]  # (n, n_classes)
    for _ in range(epochs):
        As, Zs = [X], []
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            Zs.append(As[-1] @ W + b)  # (n, hidden)
            As.append(f(Zs[-1]))
        Z = As[-1] @ Ws[-1] + bs[-1]  # (n, n_classes)
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        P = E / E.sum(axis=1, keepdims=True)
        dZ = (P - Y) / n
        for i in range(len(Ws) - 1, -1, -1):
            dW = As[i].T @ dZ
            db = dZ.sum(axis=0)
            if i > 0:
                dZ = (dZ @ Ws[i].T) * df(Zs[i - 1], As[i])
            Ws[i] -= lr * dW
            bs[i] -= lr * db


def time_ours(config: Config) -> tuple[float, np.ndarray]:
    """Return the seconds ``fit`` takes as ``iris-nn train`` runs it, and the final weights."""
    data, net, rng = build(config)
    X, y = data.scaled("train")
    X_val, y_val = data.scaled("val")
    X_test, y_test = data.scaled("test")
    track = tracked_rows(data)
    started = clock()
    fit(
        net,
        Parts(X, y, X_val, y_val, X_test, y_test, track),
        train_settings(config),
        rng,
        control=Control(),
        progress=lambda e, h: None,
    )
    return clock() - started, net.theta


def time_plain(config: Config) -> tuple[float, np.ndarray]:
    """Return the seconds the plain loop takes from our initial weights, and its final weights."""
    data, net, _ = build(config)
    X, y = data.scaled("train")
    Ws = [net.W(i).copy() for i in range(1, net.n_layers + 1)]
    bs = [net.b(i).copy() for i in range(1, net.n_layers + 1)]
    started = clock()
    plain_loop(Ws, bs, X, y, config.model.activation, config.train.lr, config.train.epochs)
    elapsed = clock() - started
    for i in range(net.n_layers):
        net.W(i + 1)[...], net.b(i + 1)[...] = Ws[i], bs[i]
    return elapsed, net.theta


def time_sklearn(config: Config) -> float:
    """Return the seconds scikit-learn's MLPClassifier takes for the same full-batch epochs."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    data, _, _ = build(config)
    X, y = data.scaled("train")
    epochs = config.train.epochs
    clf = MLPClassifier(
        hidden_layer_sizes=config.model.hidden,
        activation=config.model.activation,
        solver="sgd",
        learning_rate_init=config.train.lr,
        momentum=0.0,
        alpha=0.0,
        batch_size=len(X),
        tol=0.0,
        shuffle=False,
        n_iter_no_change=epochs + 1,
        max_iter=epochs,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = clock()
        clf.fit(X, y)
        elapsed = clock() - started
    assert clf.n_iter_ == epochs, clf.n_iter_
    return elapsed


def check_same_math(config: Config) -> None:
    """Exit unless our loop and the plain one reach the same weights from the same start.

    A short run: over thousands of epochs at a large learning rate, gradient descent can amplify
    rounding differences of 1e-16 into visible ones, which would say nothing about the math.
    """
    gap = float(np.max(np.abs(time_ours(config)[1] - time_plain(config)[1])))
    if gap > 1e-10:
        raise SystemExit(f"our weights differ from the plain loop's by {gap:.3g}")


def blas_kernel() -> str:
    """Return the BLAS library and the kernel it picked for this processor."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(f"{i['internal_api']} {i.get('architecture', '?')}" for i in infos) or "none"


def main() -> None:
    """Print microseconds per epoch of the three loops and the ratios, per architecture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few epochs and repeats: a smoke run")
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--cpu", action="store_true", help="CPU time instead of wall time (a busy machine)"
    )
    args = parser.parse_args()
    epochs, repeats = (200, 2) if args.quick else (args.epochs, args.repeats)
    global clock
    clock = time.process_time if args.cpu else time.perf_counter
    kind = "CPU" if args.cpu else "wall"
    print(f"epochs {epochs}, repeats {repeats} (medians of {kind} time), BLAS: {blas_kernel()}")
    for hidden, activation in ARCHITECTURES:
        base = Config()
        config = replace(
            base,
            data=replace(base.data, val_size=0.1),
            model=ModelConfig(hidden=hidden, activation=activation),
            train=replace(base.train, optimizer="gd", epochs=epochs, l2=0.0, early_stopping=False),
        )
        check_same_math(replace(config, train=replace(config.train, epochs=100)))
        times: dict[str, list[float]] = {"ours": [], "plain": [], "sklearn": []}
        for _ in range(repeats):
            times["ours"].append(time_ours(config)[0])
            times["plain"].append(time_plain(config)[0])
            times["sklearn"].append(time_sklearn(config))
        us = {k: statistics.median(v) / epochs * 1e6 for k, v in times.items()}
        data, net, _ = build(config)
        shape = "-".join(str(s) for s in net.sizes)
        print(
            f"{shape} {activation} ({len(data.split.train)} train + {len(data.split.val)} val + "
            f"{len(data.split.test)} test rows): "
            f"ours {us['ours']:.1f} us/epoch, plain numpy {us['plain']:.1f}, "
            f"scikit-learn {us['sklearn']:.1f}"
        )
        print(
            f"  ratio ours/plain {us['ours'] / us['plain']:.2f}x (target <= 0.7x), "
            f"ours/scikit-learn {us['ours'] / us['sklearn']:.2f}x (target <= 0.35x)"
        )


if __name__ == "__main__":
    main()
