"""Repeated stratified K-fold cross-validation of the network beside scikit-learn baselines.

Every model sees identical folds of all rows (``RepeatedStratifiedKFold`` seeded with the config's
seed; rows a CSV drops for a missing cell take no part). In each fold the network trains as the config says, its validation rows (``val_size`` of all
rows, stratified) taken from the training fold, its scaler fitted on its training rows; each baseline
is a pipeline of the same scaling, fitted on the training fold. A fold's seeds derive from the seed
and the fold's index alone, so the results are the same however many processes share the folds.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array
from iris_nn.core.optim import FULL_BATCH
from iris_nn.data.categorical import Layout, apply_fill, fit_fill
from iris_nn.data.prepare import open_dataset
from iris_nn.data.split import int_seed
from iris_nn.parallel.workers import run_tasks
from iris_nn.settings.config import Config

MODEL_NAMES = ("iris_nn", "mlp_classifier", "logistic_regression", "svc", "lda", "dummy")
METRICS = ("accuracy", "log_loss", "fit_time")
FOLDS_RANGE, REPEATS_RANGE = (2, 50), (1, 100)
SVC_MAX_ROWS = 20_000  # SVC's fit is quadratic in the rows: above this it would take hours

# our activation name -> MLPClassifier's; the others have no scikit-learn counterpart
MLP_ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic", "identity": "identity"}
# our optimiser -> MLPClassifier's solver (gd is sgd on one batch of every training row)
MLP_SOLVERS = {"gd": "sgd", "sgd": "sgd", "momentum": "sgd", "adam": "adam"}

Folds = list[tuple[NDArray[np.intp], NDArray[np.intp]]]
Progress = Callable[[int, int], None]


def make_folds(y: NDArray[np.intp], n_splits: int, n_repeats: int, seed: int) -> Folds:
    """Return the (train rows, test rows) of every fold of repeated stratified K-fold."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    rskf = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)
    return [(np.asarray(a, np.intp), np.asarray(b, np.intp)) for a, b in rskf.split(y, y)]


def scaler(scaling: str, unscaled: Array | None = None) -> Any:
    """Return the scikit-learn step that scales as ``data.scaling`` says.

    The inputs ``unscaled`` marks (a table's ``column=value`` 0/1 inputs) pass through as the
    network's own scaler leaves them.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    steps = {"standard": StandardScaler, "minmax": MinMaxScaler}
    if scaling not in steps:
        return "passthrough"
    if unscaled is None or not np.any(unscaled):
        return steps[scaling]()
    scaled = np.flatnonzero(~np.asarray(unscaled, dtype=bool))
    return ColumnTransformer([("scale", steps[scaling](), scaled)], remainder="passthrough")


def mlp_classifier(config: Config, n_train: int, n_val: int, seed: int) -> Any:
    """Return the MLPClassifier that mirrors ``config`` (activation, solver, batch, L2, epochs, early stopping), or None if it cannot.

    Without early stopping it runs all ``epochs``, as the network does (scikit-learn's own
    stopping rule, a loss change below 1e-4 for 10 epochs, is switched off: it would compare a
    shorter training with ours). With early stopping it holds out ``n_val`` of its ``n_train``
    rows and stops after ``patience`` epochs without a ``min_delta`` improvement, as ours does.
    """
    from sklearn.neural_network import MLPClassifier

    t = config.train
    if config.model.activation not in MLP_ACTIVATIONS or t.optimizer not in MLP_SOLVERS:
        return None
    n_fit = n_train - n_val if t.early_stopping else n_train
    solver = MLP_SOLVERS[t.optimizer]
    batch = n_fit if t.optimizer == "gd" or t.batch_size == 0 else min(t.batch_size, n_fit)
    return MLPClassifier(
        hidden_layer_sizes=config.model.hidden,
        activation=MLP_ACTIVATIONS[config.model.activation],
        solver=solver,
        alpha=t.l2,
        batch_size=batch,
        learning_rate_init=t.lr,
        max_iter=max(t.epochs, 1),
        momentum=t.momentum if t.optimizer == "momentum" else 0.0,
        nesterovs_momentum=t.nesterov and t.optimizer == "momentum",
        early_stopping=t.early_stopping,
        validation_fraction=n_val / n_train if t.early_stopping else 0.1,
        n_iter_no_change=t.patience if t.early_stopping else max(t.epochs, 1),
        tol=t.min_delta if t.early_stopping else 0.0,
        random_state=seed,
    )


def baselines(
    config: Config,
    n_train: int,
    n_val: int,
    seed: int,
    models: Sequence[str] = MODEL_NAMES,
    unscaled: Array | None = None,
) -> dict[str, Any]:
    """Return the scikit-learn baselines of one fold, each in a pipeline with the config's scaling.

    Only those of ``models`` are built.
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    makers = {
        "mlp_classifier": lambda: mlp_classifier(config, n_train, n_val, seed),
        "logistic_regression": lambda: LogisticRegression(max_iter=1000),
        "svc": lambda: SVC(probability=True, random_state=seed),
        "lda": LinearDiscriminantAnalysis,
        "dummy": lambda: DummyClassifier(strategy="prior"),
    }
    built = {name: make() for name, make in makers.items() if name in models}
    return {
        name: make_pipeline(scaler(config.data.scaling, unscaled), model)
        for name, model in built.items()
        if model is not None
    }


def missing_models(config: Config, n_rows: int = 0) -> dict[str, str]:
    """Return the models left out for ``config`` on ``n_rows`` rows, each with the reason."""
    missing = {}
    if config.model.activation not in MLP_ACTIVATIONS:
        missing["mlp_classifier"] = (
            f"scikit-learn's MLPClassifier has no {config.model.activation!r} "
            "activation (it has relu, tanh, logistic, identity)"
        )
    elif config.train.optimizer not in MLP_SOLVERS:
        missing["mlp_classifier"] = (
            f"scikit-learn's MLPClassifier has no solver like the "
            f"{config.train.optimizer!r} optimizer"
        )
    if n_rows > SVC_MAX_ROWS:
        missing["svc"] = (
            f"left out above {SVC_MAX_ROWS:,} rows (this data has {n_rows:,}): its fit time grows "
            "with the square of the rows"
        )
    return missing


def run_fold(
    config: Config,
    X: NDArray[np.float64],
    y: NDArray[np.intp],
    train: NDArray[np.intp],
    test: NDArray[np.intp],
    fold_seed: np.random.SeedSequence,
    models: Sequence[str] = MODEL_NAMES,
    unscaled: Array | None = None,
) -> dict[str, tuple[float, float, float]]:
    """Return ``{model: (accuracy, log loss, fit seconds)}`` of each of ``models`` on one fold.

    ``unscaled`` marks the ``column=value`` inputs every model's scaler leaves as they are.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import log_loss

    from iris_nn.estimators.classifier import IrisNNClassifier, ValidationRowsError

    net_seq, sk_seq = fold_seed.spawn(2)
    n_val = round(config.data.val_size * len(y))
    # val_size is a fraction of all rows; the estimator takes it of the rows it is given
    net = IrisNNClassifier.from_config(
        config, val_size=n_val / len(train), random_state=int_seed(net_seq)
    )
    candidates = {
        "iris_nn": net,
        **baselines(config, len(train), n_val, int_seed(sk_seq), models, unscaled),
    }
    labels = np.unique(y)
    out: dict[str, tuple[float, float, float]] = {}
    for name, model in candidates.items():
        if name not in models:
            continue
        started = time.perf_counter()
        with warnings.catch_warnings():
            # max_iter = epochs is the mirror, not a mistake; log loss needs probability=True
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.filterwarnings("ignore", "The `probability` parameter", FutureWarning)
            # LDA on constant or collinear inputs (digits' blank pixels) still fits; say nothing
            warnings.filterwarnings("ignore", "Variables are collinear", UserWarning)
            try:
                if name == "iris_nn":
                    model.fit(X[train], y[train], unscaled=unscaled)
                else:
                    model.fit(X[train], y[train])
            except ValidationRowsError as e:
                # the estimator was given val_size as a share of this fold, not the user's
                raise BadInputError(
                    f"data.val_size = {config.data.val_size} gives {n_val} validation rows, but a "
                    f"training fold of {e.n_rows} rows cannot give each of its {e.n_classes} "
                    "classes a validation row and a training row; early stopping needs them "
                    "(or set train.early_stopping = false)"
                ) from None
        fit_time = time.perf_counter() - started
        P = model.predict_proba(X[test])  # (n_test, n_classes)
        accuracy = float(np.mean(labels[P.argmax(axis=1)] == y[test]))
        out[name] = (accuracy, float(log_loss(y[test], P, labels=labels)), fit_time)
    return out


def _fold_task(
    shared: tuple[Config, NDArray[np.float64], NDArray[np.intp], Layout], fold: tuple[Any, ...]
) -> dict[str, tuple[float, float, float]]:
    config, X, y, layout = shared  # sent to each worker once: a fold carries only its row indices
    if np.isnan(X).any():  # data.missing = "impute": each fold fills from its own training rows
        X = X.copy()
        apply_fill(X, layout, fit_fill(X[fold[0]], layout))
    train, test, seed, models = fold
    return run_fold(config, X, y, train, test, seed, models, layout.categorical_mask())


@dataclass
class CVResult:
    """Per-fold scores of every model: ``scores[model][metric]`` has one value per fold."""

    folds: int
    repeats: int
    seed: int
    scores: dict[str, dict[str, NDArray[np.float64]]]
    missing: dict[str, str] = field(default_factory=dict)  # model -> why it is absent

    def summary(self) -> dict[str, Any]:
        """Return the JSON document ``cv --format json`` prints: means and standard deviations per model."""
        models = {
            name: {
                "accuracy_mean": float(s["accuracy"].mean()),
                "accuracy_std": float(s["accuracy"].std()),
                "log_loss_mean": float(s["log_loss"].mean()),
                "log_loss_std": float(s["log_loss"].std()),
                "fit_time_mean": float(s["fit_time"].mean()),
            }
            for name, s in self.scores.items()
        }
        return {"folds": self.folds, "repeats": self.repeats, "seed": self.seed, "models": models}


def check_int(name: str, value: int, bounds: tuple[int, int]) -> None:
    """Raise BadInputError unless ``value`` is an integer within ``bounds`` (inclusive)."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInputError(
            f"{name} = {value!r} is not allowed; allowed: an integer {low} .. {high}"
        )


def check_fold_sizes(config: Config, y: NDArray[np.intp], fold_rows: int, folds: int) -> None:
    """Raise BadInputError, before any fold runs, when the config does not fit a training fold
    of ``fold_rows`` rows: too many validation rows, or a batch larger than the rows it trains on
    (``train`` refuses that too; the estimator alone clips it, for grid searches)."""
    n, n_classes = len(y), len(np.unique(y))
    n_val = round(config.data.val_size * n)
    fold = f"{folds}-fold cross-validation trains on {fold_rows} of the {n} rows"
    if n_val and fold_rows - n_val < n_classes:
        most = max(fold_rows - n_classes, 0)
        raise BadInputError(
            f"data.val_size = {config.data.val_size} asks for {n_val} validation rows, but {fold}; "
            f"allowed: data.val_size <= {most / n:.3f} ({most} rows, leaving a training row per "
            "class)"
        )
    t = config.train
    n_train = fold_rows - n_val
    if t.optimizer not in FULL_BATCH and t.batch_size > n_train:
        less = f", less {n_val} validation rows" if n_val else ""
        raise BadInputError(
            f"train.batch_size = {t.batch_size} is larger than the {n_train} rows a fold trains "
            f"on ({fold}{less}); allowed: 0 (full batch) .. {n_train}"
        )


def cross_validate(
    config: Config,
    folds: int = 5,
    repeats: int = 5,
    jobs: int | None = None,
    progress: Progress | None = None,
    models: Sequence[str] = MODEL_NAMES,
) -> CVResult:
    """Return the scores of the network and the baselines on repeated stratified K-fold.

    ``config.seed`` seeds the folds and, through one stream per fold, every model in it. ``jobs``
    processes share the folds (None: one per core); ``progress(done, total)`` follows them.
    ``models`` picks a subset of ``MODEL_NAMES`` (tuning needs only the network).
    """
    if config.model.init:
        raise BadInputError(
            f"model.init = {config.model.init!r}: cv trains every fold from random initial "
            "weights drawn from the seed; starting weights are for train"
        )
    check_int("folds", folds, FOLDS_RANGE)
    check_int("repeats", repeats, REPEATS_RANGE)
    if jobs is None:
        jobs = os.cpu_count() or 1
    check_int("jobs", jobs, (1, 1024))
    unknown = sorted(set(models) - set(MODEL_NAMES))
    if unknown:
        raise BadInputError(f"unknown models {unknown}; allowed: {', '.join(MODEL_NAMES)}")
    d = config.data
    info = open_dataset(d.dataset, d.features, d.target, d.missing, d.exclude, d.categorical)
    names = info.inputs(d.features) or info.features  # text columns named: all their inputs
    layout = info.layout.subset(names)
    X, y = info.rows(names)
    kept = y >= 0  # rows a CSV dropped for a missing cell take no part
    X, y = X[kept], y[kept]
    counts = np.bincount(y, minlength=len(info.classes)).tolist()
    fewest = min(counts)
    if fewest < folds:
        name = info.classes[counts.index(fewest)]
        raise BadInputError(
            f"--folds {folds}: class {name!r} has {fewest} row{'s' * (fewest != 1)}; "
            f"stratified {folds}-fold needs at least {folds} of every class; allowed: "
            + (f"--folds {fewest} or fewer" if fewest >= 2 else "more rows of that class")
        )
    missing = {m: why for m, why in missing_models(config, len(y)).items() if m in models}
    models = [m for m in models if m not in missing]
    splits = make_folds(y, folds, repeats, config.seed)
    check_fold_sizes(config, y, min(len(train) for train, _ in splits), folds)
    fold_seeds = np.random.SeedSequence(config.seed).spawn(len(splits))
    tasks = [(tr, te, s, tuple(models)) for (tr, te), s in zip(splits, fold_seeds, strict=True)]
    results = run_tasks(_fold_task, tasks, jobs, progress, shared=(config, X, y, layout))
    scores = {
        name: {metric: np.array([r[name][k] for r in results]) for k, metric in enumerate(METRICS)}
        for name in MODEL_NAMES
        if name in results[0]
    }
    return CVResult(folds, repeats, config.seed, scores, missing)
