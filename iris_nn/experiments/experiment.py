"""One training run from a config: data, network, training loop, metrics and the run directory."""

from __future__ import annotations

import hashlib
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn import __version__
from iris_nn.core.errors import CannotUseError
from iris_nn.core.functional import softmax
from iris_nn.core.network import Network
from iris_nn.core.train import Control, History, Parts, Progress, Tracked, fit
from iris_nn.data.prepare import Dataset, open_dataset, prepare
from iris_nn.data.split import int_seed, seeds
from iris_nn.inference.metrics import classification_metrics
from iris_nn.parallel.blas import training_threads
from iris_nn.settings.config import Config, ConfigError, apply, to_toml, train_settings
from iris_nn.store import rundir
from iris_nn.store.init_weights import init_file_bytes, read_init_weights
from iris_nn.store.model_file import MODEL_FILE, Model, model_meta, save_model, utc_now
from iris_nn.store.outdir import RunDir
from iris_nn.store.rundata import file_sha256


@dataclass
class RunResult:
    """What a finished run produced; ``path`` is None while it is in memory only."""

    path: Path | None
    metrics: dict[str, Any]
    history: History
    net: Network
    data: Dataset
    created: str  # UTC, when training ended: the model's ``created``


def versions() -> dict[str, str]:
    """Return the versions of Python and of the libraries that shaped a run."""
    from importlib.metadata import version  # not `import sklearn`: a second of train's time

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": version("scikit-learn"),
        "iris-nn": __version__,
    }


MAX_TRACKED_ROWS = 10


def tracked_rows(data: Dataset) -> Tracked:
    """Return the first training row of each class (of the first 10 classes), to follow."""
    y_train = data.y[data.split.train]
    n_classes = min(len(data.classes), MAX_TRACKED_ROWS)
    index = np.array([np.flatnonzero(y_train == c)[0] for c in range(n_classes)], dtype=np.intp)
    return Tracked(index, data.split.train[index])


def tracked_summary(history: History, data: Dataset, track: Tracked) -> list[dict[str, Any]]:
    """Return, per tracked row, its class and the epochs ArgMax first and for good names it."""
    return [
        {
            "row": int(row),
            "class": data.classes[data.y[row]],
            "first_right": first,
            "right_for_good_from": for_good,
        }
        for row, first, for_good in zip(
            track.rows, history.first_right, history.right_from, strict=True
        )
    ]


def seed_sequences(config: Config) -> tuple[np.random.SeedSequence, ...]:
    """Return the seeds of ``config``'s split, initial weights and mini-batch order."""
    split_seq, init_seq, shuffle_seq = seeds(config.seed)
    if config.train.init_seed is not None:
        init_seq, shuffle_seq = np.random.SeedSequence(config.train.init_seed).spawn(2)
    return split_seq, init_seq, shuffle_seq


def build_data(config: Config) -> Dataset:
    """Return ``config``'s data set, split by its seed and scaled on the training rows.

    A CSV file whose SHA-256 is not the one the config records (``data.sha256``) is refused,
    naming the file; so are a ``plots.row`` or ``plots.plane`` the data set does not have.
    """
    split_seq = seeds(config.seed)[0]
    d = config.data
    info = open_dataset(d.dataset, d.features, d.target, d.missing, d.exclude, d.categorical)
    if d.sha256 is not None and info.sha256 != d.sha256:
        raise CannotUseError(changed_file("data.dataset", d.dataset, "data.sha256", info.sha256))
    data = prepare(
        info, d.features, d.test_size, d.val_size, d.scaling, int_seed(split_seq), d.image_shape
    )
    check_plots(config, data)
    return data


def build(
    config: Config, data: Dataset | None = None
) -> tuple[Dataset, Network, np.random.Generator]:
    """Return the data, the initialised network and the shuffling generator of ``config``.

    ``data``, when given, is ``build_data(config)`` made earlier (the data set is not read again).
    The network starts from ``model.init``'s weights when the config names a file, else from
    random ones drawn from the seed. ``train.init_seed``, when set, seeds those random weights and
    the mini-batch order alone, so networks that differ only in it share their split (``iris-nn
    seeds`` trains such networks). A weights file whose SHA-256 is not the one the config
    records (``model.init_sha256``) is refused, naming the file.
    """
    _, init_seq, shuffle_seq = seed_sequences(config)
    if data is None:
        data = build_data(config)
    sizes = [len(data.features), *config.model.hidden, len(data.classes)]
    net = Network.initialised(sizes, config.model.activation, np.random.default_rng(init_seq))
    if config.model.init:
        raw = init_file_bytes(config.model.init)  # hashed and parsed: the same bytes
        wanted = config.model.init_sha256
        if wanted is not None and hashlib.sha256(raw).hexdigest() != wanted:
            raise CannotUseError(
                changed_file("model.init", config.model.init, "model.init_sha256", "")
            )
        start = read_init_weights(config.model.init, sizes, data.features, data.classes, raw)
        for i in range(1, net.n_layers + 1):
            net.W(i)[...] = start[f"W{i}"]
            net.b(i)[...] = start[f"b{i}"]
    return data, net, np.random.default_rng(shuffle_seq)


def check_plots(config: Config, data: Dataset) -> None:
    """Raise ConfigError unless ``plots.row`` is a kept row and ``plots.plane`` names inputs."""
    row, plane = config.plots.row, config.plots.plane
    if row is not None and row >= len(data.y):
        raise ConfigError(
            f"plots.row = {row}: the data set has {len(data.y)} rows; allowed: 0 .. {len(data.y) - 1}"
        )
    if row is not None and data.y[row] < 0:
        raise ConfigError(
            f"plots.row = {row}: that row was dropped for a missing cell; allowed: a kept row"
        )
    numeric = [f for f, n in zip(data.features, data.numeric, strict=True) if n]
    unknown = [f for f in plane if f not in data.features]
    if unknown:
        raise ConfigError(
            f"plots.plane = {list(plane)}: {unknown} not among the inputs; allowed: two of "
            + ", ".join(numeric)
        )
    text = [f for f in plane if f not in numeric]
    if text:  # a column=value input is 0 or 1: a plane would sweep it as a number
        raise ConfigError(
            f"plots.plane = {list(plane)}: {text} {'is' if len(text) == 1 else 'are'} a text "
            "column's value, not a number to sweep; allowed: two of the numeric inputs "
            + (", ".join(numeric) or "(the data set has none)")
        )


def changed_file(key: str, path: str, hash_key: str, found: str) -> str:
    """Return the message for a file whose SHA-256 is not the one the config records."""
    now = f" (its SHA-256 is now {found})" if found else ""
    return (
        f"{key} = {path!r} has changed since {hash_key} was recorded{now}; "
        f"allowed: the file with that SHA-256, or remove {hash_key} to use the file as it is"
    )


def recorded(config: Config, data: Dataset) -> Config:
    """Return ``config`` with the SHA-256 of its CSV file and weights file, for ``config.toml``."""
    found: dict[str, Any] = {}
    if data.info.sha256:
        found["data.sha256"] = data.info.sha256
    if config.model.init:
        found["model.init_sha256"] = file_sha256(Path(config.model.init))
    return apply(config, found) if found else config


ScaledParts = dict[str, tuple[np.ndarray, np.ndarray]]  # part -> scaled inputs, labels


@dataclass
class Trained:
    """A network trained from a config, with the data, scaled parts and tracked rows it used."""

    data: Dataset
    net: Network
    history: History
    parts: ScaledParts  # train, val and test: as ``data.scaled`` returns them
    track: Tracked
    fit_seconds: float  # the epochs alone


def train_network(
    config: Config,
    control: Control | None = None,
    progress: Progress | None = None,
    snapshots: bool = False,
    data: Dataset | None = None,
) -> Trained:
    """Build ``config``'s data (unless ``data`` is given) and network and train it as ``iris-nn
    train`` does.

    The test rows ride along (measured every epoch, for display only), so every caller trains
    exactly the same network from the same config. With ``snapshots``, the history keeps the
    weights at epochs spread on a log scale, as many as ``snapshots.npz`` may hold.
    """
    data, net, shuffle_rng = build(config, data)
    parts = {part: data.scaled(part) for part in ("train", "val", "test")}
    (X, y), (X_val, y_val), (X_test, y_test) = parts.values()
    track = tracked_rows(data)
    settings = train_settings(config)
    started = time.perf_counter()
    with training_threads(net, settings, len(X)):
        history = fit(
            net,
            Parts(X, y, X_val, y_val, X_test, y_test, track),
            settings,
            shuffle_rng,
            control=control,
            progress=progress,
            max_snapshots=rundir.snapshot_capacity(len(net.theta)) if snapshots else 0,
        )
    return Trained(data, net, history, parts, track, time.perf_counter() - started)


def run_model(config: Config, result: RunResult, created: str) -> Model:
    """Return the trained network with its scaler and metadata, as ``model.npz`` holds them."""
    data = result.data
    meta = model_meta(
        version=__version__,
        activation=config.model.activation,
        hidden=list(config.model.hidden),
        features=list(data.features),
        scaling=config.data.scaling,
        created=created,
        classes=data.classes,
        dataset=data.info.name,
        target=data.info.target,
        sha256=data.info.sha256,
        image_shape=data.image_shape,
    )
    meta.update(data_layout_meta(data))
    return Model(result.net, data.scaler, meta)


def data_layout_meta(data: Dataset) -> dict[str, Any]:
    """Return the meta fields of a table with text columns or filled cells (SPEC 14); {} else."""
    layout = data.layout
    if not layout.categories and not data.fill:
        return {}  # every input its own numeric column, nothing filled: as models always were
    return {
        "columns": list(layout.columns),
        "categories": {c: list(v) for c, v in layout.categories.items()},
        "fill": dict(data.fill),
    }


def write_run_files(run: RunDir, config: Config, result: RunResult, created: str) -> None:
    """Write model, config, history, metrics, split, probabilities and snapshots into ``run``."""
    data, history = result.data, result.history
    model = run_model(config, result, created)
    save_model(run.path(MODEL_FILE), model.net, model.scaler, model.meta)
    rundir.write_config(run.tmp, to_toml(recorded(config, data)))
    rundir.write_history(run.tmp, history.columns)
    rundir.write_metrics(run.tmp, result.metrics)
    rundir.write_split(run.tmp, data.split)
    rundir.write_probabilities(run.tmp, data.classes, history.probabilities)
    rundir.write_snapshots(run.tmp, history.snapshot_epochs, history.snapshots)


def dead_units(net: Network, X: np.ndarray) -> list[dict[str, int]]:
    """Return the ReLU hidden units that output 0 for every row of ``X`` (n_samples, n_features).

    Such a unit passes no gradient back (ReLU's slope is 0 wherever it is 0), so training can no
    longer revive it. Layers and units are numbered from 1.
    """
    if net.activation != "relu":
        return []
    alive = [np.zeros(n, dtype=bool) for n in net.hidden]  # per layer: some row's output > 0
    for _, hidden in net.hidden_chunks(X):
        for seen, A in zip(alive, hidden[1:], strict=True):
            seen |= (A != 0).any(axis=0)
    return [
        {"layer": i, "unit": int(u) + 1}
        for i, seen in enumerate(alive, 1)
        for u in np.flatnonzero(~seen)
    ]


def evaluate_parts(net: Network, data: Dataset, parts: ScaledParts) -> dict[str, Any]:
    """Return ``train``, ``val`` and ``test`` metrics, with per-class and confusion on test.

    ``parts`` maps each part to its scaled inputs and labels, as ``data.scaled`` returns them.
    """
    out: dict[str, Any] = {}
    for part in ("train", "val", "test"):
        X, y = parts[part]
        Z = net.forward(X)  # (n, n_classes)
        out[part] = (
            classification_metrics(y, softmax(Z), data.classes, part == "test", logits=Z)
            if len(y)
            else None
        )
    out["per_class"] = out["test"].pop("per_class")
    out["confusion_matrix"] = out["test"].pop("confusion_matrix")
    return out


def default_run_name(config: Config) -> str:
    """Return ``<config name>-<YYYYmmdd-HHMMSS>`` in local time."""
    return f"{config.name}-{time.strftime('%Y%m%d-%H%M%S')}"


def measured_run(
    config: Config, control: Control | None = None, progress: Progress | None = None
) -> RunResult:
    """Train ``config`` and measure the network, in memory: the result's ``path`` is None until
    ``save_run`` writes it."""
    started = time.perf_counter()
    trained = train_network(config, control, progress, snapshots=True)
    data, net, history = trained.data, trained.net, trained.history
    interrupted = history.stop_reason == "interrupted"
    metrics: dict[str, Any] = {
        "status": "interrupted" if interrupted else "completed",
        "epochs_run": history.epochs_run,
        "best_epoch": history.best_epoch,
        "kept_epoch": history.kept_epoch,
        "stop_reason": history.stop_reason,
        "seed": config.seed,
        "train_time_s": round(trained.fit_seconds, 4),  # the epochs alone
        "wall_time_s": 0.0,
        "versions": versions(),
        "tracked": tracked_summary(history, data, trained.track),
        "dead_units": dead_units(net, trained.parts["train"][0]),
    }
    if data.info.impute:
        metrics["imputed"] = dict(data.imputed)
    metrics.update(evaluate_parts(net, data, trained.parts))
    del trained  # the scaled parts: as large as the data, and no longer needed
    metrics["wall_time_s"] = round(time.perf_counter() - started, 4)
    return RunResult(None, metrics, history, net, data, utc_now())


def save_run(
    run: RunDir,
    config: Config,
    result: RunResult,
    finish: Callable[[Path, str, Dataset], Any] | None = None,
) -> Path:
    """Write ``result`` into ``run``, call ``finish`` on the files, rename the run into place and
    return its path (see ``train_run``)."""
    write_run_files(run, config, result, result.created)
    if finish is not None:
        finish(run.tmp, run.reserve(), result.data)  # titled with the name it will have
    result.path = run.commit()
    return result.path


def train_run(
    config: Config,
    out: str | Path = "outputs",
    name: str | None = None,
    control: Control | None = None,
    progress: Progress | None = None,
    finish: Callable[[Path, str, Dataset], Any] | None = None,
) -> RunResult:
    """Train ``config`` and write its run directory under ``out``; return the result.

    ``finish(directory, run name, data)`` runs on the saved files before the run is renamed into
    place (the command line draws the figures and ``report.html`` there, from the rows in memory),
    so a visible run always has its report.

    The directory is created first (so an unwritable ``out`` fails before training), filled under a
    hidden temporary name, and renamed when complete. On any failure nothing visible is left.
    """
    with RunDir(out, name or default_run_name(config)) as run:
        result = measured_run(config, control or Control(), progress)
        save_run(run, config, result, finish)
        return result
