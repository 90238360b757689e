"""One page's training session: a config, its data, a network, a ``Trainer``, and what the page shows.

The session knows nothing of the web: ``app.py`` turns messages into these method calls and sends
``state()`` back. Every method takes the session's lock, so the training thread (``play``) and the
messages take turns between chunks of epochs.

"Start" is the weights at the last reset or edit: an edit (a weight, or a training setting) makes
the current weights the new start and begins a fresh ``Trainer`` from them (fresh optimiser
moments and mini-batch order, as ``train`` would begin from a ``model.init`` file), so that ``save``
can write a run that ``iris-nn train -c RUN/config.toml`` reproduces: ``model.init`` = the start,
``train.epochs`` = the epochs run since.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from iris_nn.core.errors import BadInputError, CannotUseError, DivergenceError, IrisNNWarning
from iris_nn.core.network import Network
from iris_nn.core.train import Parts, Trainer
from iris_nn.data.categorical import decode
from iris_nn.data.datasets import DATASETS
from iris_nn.data.prepare import Dataset
from iris_nn.experiments.experiment import (
    build,
    check_plots,
    seed_sequences,
    tracked_rows,
    train_run,
)
from iris_nn.server import edits, upload
from iris_nn.server.pictures import drawn_forward, drawn_pixels, image_view
from iris_nn.server.upload import MAX_UPLOAD as MAX_UPLOAD
from iris_nn.server.views import Plane, explain
from iris_nn.settings.config import Config, apply, to_flat, to_toml, train_settings
from iris_nn.store import rundir
from iris_nn.store.jsontext import json_safe
from iris_nn.store.outdir import check_name
from iris_nn.store.rundata import file_sha256

MAX_TRAINING = 4  # pages training at once; a paused page frees its place
FULL_SPEED_SLICE_S = 0.02  # at full speed, the lock is released this often: messages get a turn
UPDATE_S = 0.08  # a watched speed runs its epochs once per update: 12 updates a second, 10 on a busy machine
# Settings that only change how training goes on: the current weights become the new start.
# Any other setting (data, network, seeds) builds the network again from the seeds, as reset.
CONTINUE_KEYS = frozenset(
    {
        "train.optimizer",
        "train.lr",
        "train.epochs",
        "train.batch_size",
        "train.momentum",
        "train.nesterov",
        "train.l2",
        "train.early_stopping",
        "train.patience",
        "train.min_delta",
    }
)
VIEW_KEYS = frozenset({"plots.plane", "plots.row"})  # what the page draws: training is untouched
# warnings.catch_warnings swaps the process's filters and hook: pages read their data one at a
# time, so one page's reader warnings never land in (or vanish from) another's notes
READING = threading.Lock()


class Slots:
    """At most ``size`` sessions training at once, across every page of the server."""

    def __init__(self, size: int = MAX_TRAINING):
        self.size, self.holders, self.lock = size, set[int](), threading.Lock()

    def take(self, holder: int) -> bool:
        """Return True if ``holder`` holds a place now (it may already hold one)."""
        with self.lock:
            if holder not in self.holders and len(self.holders) >= self.size:
                return False
            self.holders.add(holder)
            return True

    def give_back(self, holder: int) -> None:
        """Free ``holder``'s place, if it holds one."""
        with self.lock:
            self.holders.discard(holder)


class SettingError(BadInputError):
    """A setting the page may not change this way (a path to a file of the machine, say)."""


class Session:
    """One page's network, trainer and selection; ``notify()`` is called when the state changed."""

    data: Dataset
    net: Network
    start: np.ndarray  # (n_params,) the weights at the last reset or edit, laid out as theta
    trainer: Trainer
    plane: Plane  # the regions' grid and the rows drawn on it
    plane_for: tuple[str, ...] = ()  # the plots.plane it was made for

    def __init__(self, config: Config, out: Path, slots: Slots, notify: Callable[[], None]):
        self.start_config, self.config, self.out = config, config, out
        self.slots, self.notify = slots, notify
        self.lock = threading.RLock()
        self.selected: int | None = None
        self.drawn: np.ndarray | None = None  # (1, n_features): the pixels drawn on an image grid
        self.error: dict[str, Any] | None = None
        self.speed = 0  # epochs per update; 0 = full speed
        self.playing = False
        self.closed = False
        self.thread: threading.Thread | None = None
        self.showing_step = False  # the selected row's step of backprop is in the state
        self.notes: list[str] = []  # the reader's warnings about the data set last read
        self.upload: Path | None = None  # the CSV uploaded from the page, in its own directory
        self.generation = 0  # counts trainers begun: a page holds history of one generation
        self._build()
        self.selected = config.plots.row  # the lesson's flower, when the config names one

    def _build(self) -> None:
        """Build data and network from the config's seeds (or its ``model.init``).

        The reader's warnings (dropped rows, a column that looks like a row id) become ``notes``.
        """
        with READING, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", IrisNNWarning)
            data, net, _ = build(self.config)
        self._restart(net, data)
        self.notes = [str(w.message) for w in caught if issubclass(w.category, IrisNNWarning)]

    def _restart(self, net: Network, data: Dataset | None = None) -> None:
        """Make ``net``'s weights the start and begin a fresh trainer from them.

        Nothing changes when the trainer cannot be made (a batch size above the rows, say).
        """
        d = data if data is not None else self.data
        parts = Parts(*d.scaled("train"), *d.scaled("val"), *d.scaled("test"), tracked_rows(d))
        rng = np.random.default_rng(seed_sequences(self.config)[2])
        trainer = Trainer(net, parts, train_settings(self.config), rng)
        if data is not None or self.config.plots.plane != self.plane_for:
            self.plane, self.plane_for = Plane(self.config, d), self.config.plots.plane
        if data is not None:  # new data: a drawing of the old grid means nothing
            self.drawn = None
        self.data, self.net, self.start, self.trainer = d, net, net.theta.copy(), trainer
        self.generation += 1

    # --- messages -------------------------------------------------------------------------------

    def set(self, key: str, value: Any) -> None:
        """Change one setting, checked as a config file's value is; raise BadInputError if bad."""
        self._check_page_value(key, value)
        with self.lock:
            config = apply(self.config, {key: value})
            old, self.config = self.config, config
            try:
                if key == "plots.style":  # how the page looks (room.css): nothing to compute
                    pass
                elif key in VIEW_KEYS:  # training goes on untouched: only what is drawn
                    check_plots(config, self.data)
                    self.plane, self.plane_for = Plane(config, self.data), config.plots.plane
                    if key == "plots.row":
                        self.selected = config.plots.row
                elif key in CONTINUE_KEYS:
                    self._restart(self.net)
                else:
                    self._build()
            except Exception:
                self.config = old  # the session stays as it was
                raise
            if self.selected is not None and self.selected >= len(self.data.y):
                self.selected = None

    def _check_page_value(self, key: str, value: Any) -> None:
        """Refuse values that would read a file of the machine: only the start's files."""
        start = dataclasses.asdict(self.start_config)
        section, _, name = key.partition(".")
        allowed_start = start.get(section, {}).get(name) if name else None
        uploaded = str(self.upload) if self.upload is not None else None
        if key == "data.dataset" and value not in (*DATASETS, allowed_start, uploaded):
            raise SettingError(
                f"data.dataset = {value!r}: the page reads no file of the machine; allowed: "
                + ", ".join(
                    [*DATASETS, *([str(allowed_start)] if allowed_start not in DATASETS else [])]
                )
            )
        if key == "model.init" and value not in ("", allowed_start):
            raise SettingError(
                f"model.init = {value!r}: the page reads no file of the machine; edit the "
                "weights on the page instead"
            )

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs now (one by default), also past ``train.epochs``."""

        def steps() -> None:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked
                for _ in range(epochs):
                    self.trainer.step()

        with self.lock:
            self._guarded(steps)

    def reset(self) -> None:
        """Stop training and start again from the current seeds (or ``model.init``)."""
        self.pause()
        with self.lock:
            self.error = None
            self._build()

    def select(self, row: Any) -> None:
        """Select data row ``row`` (0-based, as in ``split.json``) for its forward pass."""
        n = len(self.data.y)
        if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < n:
            raise BadInputError(f"row = {row!r} is not allowed; allowed: an integer 0 .. {n - 1}")
        if self.data.y[row] < 0:
            raise BadInputError(f"row = {row} was dropped for a missing cell")
        with self.lock:
            self.selected, self.drawn = row, None

    def draw(self, pixels: Any) -> None:
        """Make the drawing ``pixels`` (grey levels, row by row) the input the page follows."""
        with self.lock:
            self.drawn = drawn_pixels(self.data, pixels)

    def set_weight(self, name: Any, i: Any, j: Any, value: Any) -> None:
        """Set ``W<l>[i, j]`` or ``b<l>[i]`` to ``value``; the weights become the new start."""
        with self.lock:
            edits.set_weight(self.net, name, i, j, value)
            self._restart(self.net)

    def show_step(self, show: Any) -> None:
        """Show the selected row's step of backprop in the state (or stop showing it)."""
        if not isinstance(show, bool):
            raise BadInputError(f"show = {show!r} is not allowed; allowed: true or false")
        with self.lock:
            self.showing_step = show

    def apply_step(self) -> None:
        """Take the selected row's step: its new weights become the new start, as an edit's do."""
        with self.lock:
            edits.take_step(self.data, self.net, self.selected, *self._lr_l2())
            self._restart(self.net)

    def use_upload(self, name: Any, file: Path) -> None:
        """Train on ``file``, a CSV uploaded from the page as ``name``, read by SPEC 7's reader.

        The file moves into this session's own directory under its name; the settings that named
        the old table's columns or weights (``NEW_DATA_KEYS``) go back to their defaults, and the
        network is built again from the seeds. A file the reader refuses leaves the session as it
        was (BadInputError with the reader's message).
        """
        path = upload.place(name, file)
        with self.lock:
            old_config, old_upload = self.config, self.upload
            try:
                self.config = apply(self.config, upload.new_data(path))
                self._build()
            except Exception as e:
                self.config = old_config
                upload.discard(path)
                if isinstance(e, (BadInputError, CannotUseError)):
                    raise upload.renamed(e, path, name) from None
                raise
            self.upload, self.selected = path, None
        if old_upload is not None:
            upload.discard(old_upload)

    def play(self) -> None:
        """Train in a thread of its own until paused, done, or the page goes."""
        with self.lock:
            if self.playing:
                return
            if self.trainer.stop_reason() is not None:
                raise CannotUseError(
                    f"training is done ({self.trainer.stop_reason()}); step on, raise "
                    "train.epochs, or reset"
                )
            if not self.slots.take(id(self)):
                raise CannotUseError(
                    f"{self.slots.size} pages are training already; pause one, or wait"
                )
            self.playing = True
            self.thread = threading.Thread(target=self._train, name="iris-nn training", daemon=True)
            self.thread.start()

    def pause(self) -> None:
        """Stop training after the current chunk of epochs; wait for the thread to end."""
        with self.lock:
            self.playing = False
            thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self.slots.give_back(id(self))

    def close(self) -> None:
        """Stop training for good, without waiting: the page went away.

        The training thread sees the flag after its current chunk of epochs, and ends.
        """
        self.closed, self.playing = True, False
        if self.thread is None or not self.thread.is_alive():
            self.slots.give_back(id(self))
        if self.upload is not None:  # the rows are in memory; a saved run has its own copy
            upload.discard(self.upload)

    def _train(self) -> None:
        """The training thread: chunks of epochs, the state offered after each."""
        try:
            while self.playing and not self.closed:
                began = time.perf_counter()
                with self.lock:
                    if not self.playing:
                        break
                    reason = self._guarded(self._chunk)
                    if reason is not None or self.error is not None:
                        self.playing = False
                self.notify()
                if self.speed:
                    time.sleep(max(0.0, UPDATE_S - (time.perf_counter() - began)))
        finally:
            self.playing = False
            self.slots.give_back(id(self))
            self.notify()

    def _chunk(self) -> str | None:
        """Run ``speed`` epochs, or at full speed as many as fit in a slice of time."""
        if self.speed:
            return self.trainer.run(self.speed)
        ends = time.perf_counter() + FULL_SPEED_SLICE_S
        reason = None
        while reason is None and time.perf_counter() < ends:
            reason = self.trainer.run(1)
        return reason

    def _guarded(self, action: Callable[[], Any]) -> Any:
        """Run ``action``; a divergence becomes the session's error, not an exception."""
        try:
            return action()
        except DivergenceError as e:
            self.error = {"key": None, "message": f"{e}; try a smaller train.lr, then reset"}
            return "diverged"

    # --- what the page shows ----------------------------------------------------------------------

    def state(self, held: tuple[int, int] | None = None) -> dict[str, Any]:
        """Return the state as ``window.irisnn.state()`` holds it (plain JSON values).

        ``held`` = (generation, entries) of the history a page already holds: when it is this
        trainer's, ``history`` has only the entries from ``history_from`` on (a page appends
        them), so an update late in a long run sends a few epochs, not all of them again.
        """
        with self.lock:
            columns = self.trainer.columns()
            length = self.trainer.epoch + 1
            start = 0
            if held is not None and held[0] == self.generation and 0 <= held[1] <= length:
                start = held[1]
            state = json_safe(
                {
                    "epoch": self.trainer.epoch,
                    "settings": to_flat_settings(self.config),
                    "weights": self.net.state_dict(),
                    "history": {k: v[start:] for k, v in columns.items() if k != "epoch"},
                    "history_from": start,
                    "generation": self.generation,
                    "selected": self._selected(),
                    "error": self.error,
                    "playing": self.playing,
                    "stop_reason": self.trainer.stop_reason(),
                    "speed": self.speed,
                    "rows": len(self.data.y),
                    "classes": list(self.data.classes),
                    "features": list(self.data.features),
                    "notes": self.notes,
                    "upload": upload.described(self.upload),
                    "step": self._step(),
                    "image": image_view(self.data, self.net),
                }
            )
            # the plane's numbers are plain already (Plane.state): they skip json_safe's walk
            state["plane"] = self.plane.state(self.net)
            return state

    def _selected(self) -> dict[str, Any] | None:
        """Return the selected row's forward pass: inputs, raw outputs, SoftMax, ArgMax."""
        if self.drawn is not None:
            return drawn_forward(self.data, self.net, self.drawn)
        row = self.selected
        if row is None:
            return None
        x = np.asarray(self.data.X[row : row + 1], dtype=np.float64)  # (1, n_features)
        scaled = self.data.scaler(x.copy())
        Z, P = self.net.forward(scaled), self.net.predict_proba(scaled)  # (1, n_classes) each
        layout = self.data.layout
        return {
            "row": row,
            # a table with text columns: the row's own values beside their encoding (SPEC 14)
            "columns": decode(x[0], layout) if layout.categories else None,
            "inputs": dict(zip(self.data.features, x[0].tolist(), strict=True)),
            "raw_outputs": Z[0].tolist(),
            "probabilities": P[0].tolist(),
            "prediction": self.data.classes[int(np.argmax(P[0]))],
            "true_class": self.data.classes[int(self.data.y[row])],
            "explain": explain(self.data, self.net, row),
        }

    def _step(self) -> dict[str, Any] | None:
        """Return the selected row's step as ``backprop --format json`` prints it, when shown."""
        if not self.showing_step or self.selected is None:
            return None
        return edits.step_view(self.data, self.net, self.selected, *self._lr_l2())

    def _lr_l2(self) -> tuple[float, float]:
        """Return the learning rate and L2 strength a step of backprop takes."""
        return float(self.config.train.lr), float(self.config.train.l2)

    # --- save -------------------------------------------------------------------------------------

    def save(self, name: str | None = None) -> Path:
        """Write a run directory into ``out`` as ``train`` writes it; return its path.

        The run's ``config.toml`` has ``model.init`` = its own ``start.npz`` (the weights at the
        last reset or edit) with ``model.init_sha256``, and ``train.epochs`` = the epochs run
        since, so ``iris-nn train -c RUN/config.toml`` reproduces the saved weights. A CSV uploaded
        from the page is copied into the run as ``data.csv``, and the config names that copy.
        """
        if name is not None:
            check_name(name)
        with self.lock:
            config, epochs, uploaded = self.config, self.trainer.epoch, self.upload
            start = Network(self.net.sizes, self.net.activation, self.start.copy())
        with tempfile.TemporaryDirectory(prefix="iris-nn-save-") as tmp:
            start_file = Path(tmp) / "start.npz"
            arrays: dict[str, Any] = start.state_dict()
            np.savez(start_file, **arrays)
            sha = file_sha256(start_file)
            staged = apply(config, {"model.init": str(start_file), "model.init_sha256": sha,
                                    "train.epochs": epochs})  # fmt: skip
            out = self.out.resolve()

            def finish(directory: Path, run_name: str, data: Any) -> None:
                shutil.copyfile(start_file, directory / "start.npz")
                final = dataclasses.replace(
                    staged,
                    model=dataclasses.replace(staged.model, init=str(out / run_name / "start.npz")),
                )
                if uploaded is not None and staged.data.dataset == str(uploaded):
                    shutil.copyfile(uploaded, directory / "data.csv")
                    final = dataclasses.replace(final, data=dataclasses.replace(
                        final.data, dataset=str(out / run_name / "data.csv"),
                        sha256=data.info.sha256))  # fmt: skip
                rundir.write_config(directory, to_toml(final))

            result = train_run(staged, out, name, finish=finish)
        assert result.path is not None  # train_run saves
        return result.path


def to_flat_settings(config: Config) -> dict[str, Any]:
    """Return every setting of ``config`` under its dotted key."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in to_flat(config).items()}
