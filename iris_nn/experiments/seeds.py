"""The seeds study: one config trained N times, differing only in ``train.init_seed``.

The lesson warns (section 5.2) that SoftMax probabilities depend on the random initial weights.
Network k is trained with ``train.init_seed = k`` on the split of the config's ``seed``, exactly as
``iris-nn train --set train.init_seed=k`` trains it, so any network of the study can be reproduced
alone. The networks train in worker processes (``workers.run_tasks``) and come back in seed order,
so the study is the same for every ``jobs``.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn.core.errors import BadInputError, IrisNNWarning
from iris_nn.core.functional import Array
from iris_nn.core.network import Network
from iris_nn.data.prepare import Dataset
from iris_nn.experiments.experiment import (
    build_data,
    dead_units,
    recorded,
    tracked_rows,
    train_network,
)
from iris_nn.inference.metrics import classification_metrics
from iris_nn.parallel.workers import Progress, run_tasks
from iris_nn.settings.config import Config, to_flat, to_toml
from iris_nn.store import rundir
from iris_nn.store.jsontext import dumps
from iris_nn.store.outdir import RunDir

SEEDS_FILE = "seeds.json"
MAX_SEEDS = 1000


@dataclass
class SeedNetwork:
    """One network of the study, trained with ``train.init_seed = seed``."""

    seed: int
    sizes: list[int]
    activation: str
    theta: Array  # (n_params,) the trained parameters (a Network does not pickle to a worker)
    epochs_run: int
    dead_units: list[dict[str, int]]
    train_loss: Array  # (epochs_run + 1,) the training cross-entropy per epoch
    test_probabilities: Array  # (n_test, n_classes) SoftMax probabilities of the test rows
    tracked_probabilities: Array  # (n_track, n_classes) the tracked rows' final probabilities

    def network(self) -> Network:
        """Return the trained network."""
        return Network(self.sizes, self.activation, self.theta)


@dataclass
class SeedsStudy:
    """The N networks of a study, the data they share and its summary as ``seeds.json`` holds it."""

    config: Config
    data: Dataset
    tracked: list[int]  # data set indices of the tracked rows
    networks: list[SeedNetwork]
    record: dict[str, Any]
    path: Path | None = None


def with_init_seed(config: Config, seed: int) -> Config:
    """Return ``config`` with ``train.init_seed = seed``."""
    return dataclasses.replace(config, train=dataclasses.replace(config.train, init_seed=seed))


def train_one(shared: tuple[Config, Dataset], seed: int) -> SeedNetwork:
    """Train network ``seed`` of the study as ``train`` would, and return what the study keeps.

    ``shared`` is the study's config and its data, read and split once by the parent.
    """
    config, data = shared
    with warnings.catch_warnings():  # the study says them once, when it reads the data itself
        warnings.simplefilter("ignore", IrisNNWarning)
        trained = train_network(with_init_seed(config, seed), data=data)
    net, X = trained.net, trained.parts["train"][0]
    X_test = trained.parts["test"][0]
    return SeedNetwork(
        seed,
        list(net.sizes),
        net.activation,
        net.theta.copy(),
        trained.history.epochs_run,
        dead_units(net, X),
        np.asarray(trained.history.columns["train_loss"]),
        net.predict_proba(X_test),
        net.predict_proba(X[trained.track.index]),
    )


def _spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": float(np.median(values)), "max": max(values)}


def summarise(config: Config, data: Dataset, networks: list[SeedNetwork]) -> dict[str, Any]:
    """Return the study as ``seeds.json`` holds it."""
    classes = data.classes
    _, y_test = data.scaled("test")
    tracked = [int(r) for r in tracked_rows(data).rows]
    scores = [classification_metrics(y_test, n.test_probabilities, classes) for n in networks]
    seeds = [
        {
            "seed": n.seed,
            "test_accuracy": s["accuracy"],
            "test_log_loss": s["log_loss"],
            "epochs_run": n.epochs_run,
            "dead_units": n.dead_units,
            "probabilities": {
                str(row): {c: float(p) for c, p in zip(classes, P, strict=True)}
                for row, P in zip(tracked, n.tracked_probabilities, strict=True)
            },
        }
        for n, s in zip(networks, scores, strict=True)
    ]
    losses = [s["test_log_loss"] for s in seeds]
    # The lower median: an actual network of the study, never an average of two.
    median = seeds[int(np.argsort(losses, kind="stable")[(len(losses) - 1) // 2])]
    ensemble = classification_metrics(
        y_test, np.mean([n.test_probabilities for n in networks], axis=0), classes
    )
    return {
        "n": len(networks),
        "config": _nested(to_flat(config)),
        "seeds": seeds,
        "summary": {
            key: _spread([s[key] for s in seeds]) for key in ("test_accuracy", "test_log_loss")
        },
        "ensemble": {
            "test_accuracy": ensemble["accuracy"],
            "test_log_loss": ensemble["log_loss"],
        },
        "median_single": {
            "test_accuracy": median["test_accuracy"],
            "test_log_loss": median["test_log_loss"],
        },
    }


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"a.b": v}`` as ``{"a": {"b": v}}``, leaving out keys whose value is None."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        if value is None:
            continue
        *parents, leaf = key.split(".")
        node = tree
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = list(value) if isinstance(value, tuple) else value
    return tree


def default_study_name(config: Config) -> str:
    """Return ``<config name>-seeds-<YYYYmmdd-HHMMSS>`` in local time."""
    return f"{config.name}-seeds-{time.strftime('%Y%m%d-%H%M%S')}"


def study(config: Config, n: int, jobs: int, progress: Progress | None = None) -> SeedsStudy:
    """Train networks ``0..n-1`` of ``config`` over ``jobs`` processes; return the study."""
    if config.model.init:
        raise BadInputError(
            f"model.init = {config.model.init!r}: seeds trains from random initial weights "
            "(train.init_seed = 0..N-1); starting weights are for train"
        )
    data = build_data(config)  # once: every network trains on the same split
    networks = run_tasks(train_one, list(range(n)), jobs, progress, shared=(config, data))
    tracked = [int(r) for r in tracked_rows(data).rows]
    config = recorded(config, data)  # the CSV's SHA-256, as a run's config.toml holds it
    return SeedsStudy(config, data, tracked, networks, summarise(config, data, networks))


def run_study(
    config: Config,
    n: int,
    jobs: int,
    out: str | Path = "outputs",
    name: str | None = None,
    progress: Progress | None = None,
    draw: Any = None,
) -> SeedsStudy:
    """Run the study and write ``OUT/NAME/`` (``seeds.json``, ``config.toml``, and what ``draw``
    writes: the figure and the page); return it with its path.

    Built like a run: under a hidden temporary name, renamed when complete, and removed on any
    failure or interrupt. It has no ``model.npz``, so no command takes it for a run.
    """
    with RunDir(out, name or default_study_name(config), what="study") as directory:
        result = study(config, n, jobs, progress)
        rundir.write_config(directory.tmp, to_toml(result.config))
        (directory.tmp / SEEDS_FILE).write_text(dumps(result.record) + "\n")
        if draw is not None:
            draw(result, directory.tmp, directory.reserve())
        result.path = directory.commit()
        return result
