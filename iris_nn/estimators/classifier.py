"""The network as a scikit-learn classifier, for pipelines, ``cross_validate`` and ``GridSearchCV``.

``IrisNNClassifier`` takes the config keys as hyperparameters (``train.lr`` is ``lr``,
``data.scaling`` is ``scaling``, ``seed`` is ``random_state``) and trains exactly as ``iris-nn train``
does: the scaler is fitted on the training rows, ``val_size`` of the rows given to ``fit`` are held
out (stratified) for validation and early stopping, and ``random_state`` seeds the split, the
initialisation and the shuffling through independent streams. Any number of features and classes and
any labels work; the network never sees more than class indices.
"""

from __future__ import annotations

import dataclasses
import inspect
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array
from iris_nn.core.network import Network
from iris_nn.core.train import History, Parts, fit
from iris_nn.data.scaler import Scaler
from iris_nn.data.split import int_seed, seeds, stratified_split
from iris_nn.parallel.blas import training_threads
from iris_nn.settings.config import Config, ConfigError, check_value, to_flat, train_settings
from iris_nn.settings.schema import SCHEMA, Setting

# The parameters: every training setting of the schema, under its Python name (the seed is
# scikit-learn's random_state), with the schema's default.
PARAMETERS: dict[str, Setting] = {s.estimator_name: s for s in SCHEMA if s.estimator}


def class_indices(y: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """Return the sorted classes of the labels ``y`` and each label's index among them.

    Small non-negative integers, the usual labels of a big table, take one count and one lookup
    (a million labels in milliseconds); any other labels are checked as scikit-learn checks
    classification targets (continuous values are refused) and sorted.
    """
    small = y.dtype.kind in "iu" and np.can_cast(y.dtype, np.intp) and len(y) > 0
    if small and y.min() >= 0 and y.max() < 2**16:
        present = np.bincount(y) > 0
        lookup = np.cumsum(present) - 1  # label -> its index among the classes present
        return np.flatnonzero(present).astype(y.dtype), lookup[y]
    check_classification_targets(y)
    classes = np.unique(y)
    return classes, np.searchsorted(classes, y)  # as return_inverse, without a second sort


class ValidationRowsError(BadInputError):
    """Too few rows for a stratified validation row and training row of every class."""

    def __init__(self, message: str, n_rows: int, n_classes: int):
        super().__init__(message)
        self.n_rows, self.n_classes = n_rows, n_classes


class IrisNNClassifier(ClassifierMixin, BaseEstimator):
    """A from-scratch numpy network with SoftMax outputs, as a scikit-learn classifier.

    Parameters
    ----------
    Every training setting of the schema (``settings/schema.py``), keyword only, each checked by
    ``fit`` as the config checks its key. A ``batch_size`` above the training rows means full
    batch; ``random_state`` None draws fresh entropy.

    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    network_ : Network
    center_, scale_ : ndarray of shape (n_features,)
        The scaler: network input = (X - center_) / scale_.
    history_ : History
    """

    def __init__(self, **params: Any):
        # scikit-learn reads the parameters from the signature below; each is stored as given
        bound = _SIGNATURE.bind(self, **params)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> IrisNNClassifier:
        """Return the classifier that trains as ``config`` says (``random_state`` = its seed)."""
        flat = to_flat(config)
        params = {name: flat[s.key] for name, s in PARAMETERS.items()}
        params.update(overrides)
        return cls(**params)

    def _checked_params(self) -> Config:
        """Return the config of the parameters, each checked as the config checks its key."""
        values: dict[str, Any] = {}
        for name, s in PARAMETERS.items():
            value = getattr(self, name)
            if name == "random_state" and value is None:
                continue  # fresh entropy: no seed to check
            if name == "hidden" and isinstance(value, (int, np.integer)):
                value = (value,)
            if isinstance(
                value, (list, tuple, np.ndarray)
            ):  # np.int64 from a parameter grid is an int here
                value = tuple(v.item() if isinstance(v, np.generic) else v for v in value)
            elif isinstance(value, np.generic):
                value = value.item()
            try:
                values[s.key] = check_value(s.key, value)
            except ConfigError as e:
                raise BadInputError(f"{name}: {e}") from None
        if values["train.early_stopping"] and values["data.val_size"] == 0:
            raise BadInputError("early_stopping=True needs validation rows: set val_size > 0")
        config = Config()
        for section in ("data", "model", "train"):
            changed = {k.split(".")[1]: v for k, v in values.items() if k.startswith(section + ".")}
            config = dataclasses.replace(
                config, **{section: dataclasses.replace(getattr(config, section), **changed)}
            )
        return config

    def _split(
        self, y: NDArray[np.intp], val_size: float, early_stopping: bool, seed: int
    ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Return the training and validation rows, the latter ``val_size`` of all, stratified.

        A stratified split needs a validation row of every class; with fewer rows than that
        allows, early stopping is an error and otherwise the network trains on every row.
        """
        rows = np.arange(len(y))
        if val_size == 0:
            return rows, rows[:0]
        counts = np.bincount(y)
        n_val = max(round(val_size * len(y)), len(counts))
        if counts.min() < 2 or len(y) - n_val < len(counts):
            if early_stopping:
                raise ValidationRowsError(
                    f"val_size = {val_size} of {len(y)} rows cannot give each of the "
                    f"{len(counts)} classes a validation row and a training row; early stopping "
                    "needs them",
                    len(y),
                    len(counts),
                )
            warnings.warn(
                f"{len(y)} rows are too few for stratified validation rows; training on all",
                UserWarning,
                stacklevel=3,
            )
            return rows, rows[:0]
        train, val = stratified_split(rows, y, n_val, seed)
        return np.sort(train), np.sort(val)

    def fit(self, X: Any, y: Any, unscaled: Any = None) -> IrisNNClassifier:
        """Train a fresh network on ``X`` (n_samples, n_features) and labels ``y``; return self.

        ``unscaled`` (n_features,) bool, when given, marks inputs the scaler leaves as they are:
        a table's ``column=value`` 0/1 inputs, as ``train`` leaves them (``cv`` passes them).
        """
        config = self._checked_params()
        d, t = config.data, config.train
        X, y = validate_data(self, X, y, dtype=np.float64)
        self.classes_, y_index = class_indices(y)
        entropy = None if self.random_state is None else int(self.random_state)
        split_seq, init_seq, shuffle_seq = seeds(entropy)  # type: ignore[arg-type]
        if t.init_seed is not None:  # as iris-nn train: the split stays, the rest re-seeded
            init_seq, shuffle_seq = np.random.SeedSequence(t.init_seed).spawn(2)
        train, val = self._split(y_index, d.val_size, t.early_stopping, int_seed(split_seq))
        # At most one copy of the data besides the caller's, so that memory stays within twice
        # the data: the parts are copies scaled in place; without validation rows the training
        # rows are X itself, used as it is when unscaled.
        everything = len(train) == len(y)
        X_train, X_val = X if everything else X[train], X[val]
        y_train, y_val = y_index if everything else y_index[train], y_index[val]
        if unscaled is not None and np.shape(unscaled) != (X.shape[1],):
            raise BadInputError(
                f"unscaled has shape {np.shape(unscaled)}; allowed: one bool per input, "
                f"({X.shape[1]},)"
            )
        self.scaler_ = Scaler.fit(X_train, d.scaling, unscaled)
        self.center_, self.scale_ = self.scaler_.center, self.scaler_.scale
        if d.scaling != "none":
            X_train = self.scaler_(X_train, out=None if everything else X_train)
            X_val = self.scaler_(X_val, out=X_val)
        sizes = [X.shape[1], *config.model.hidden, len(self.classes_)]
        rng = np.random.default_rng(init_seq)
        self.network_ = Network.initialised(sizes, config.model.activation, rng)
        settings = dataclasses.replace(
            train_settings(config), batch_size=min(t.batch_size, len(train))
        )
        parts = Parts(X_train, y_train, X_val, y_val)
        with training_threads(self.network_, settings, len(train)):
            self.history_: History = fit(
                self.network_, parts, settings, np.random.default_rng(shuffle_seq)
            )
        return self

    def _scaled(self, X: Any) -> Array:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.scaler_(X)

    def predict_proba(self, X: Any) -> Array:
        """Return the SoftMax probabilities, shape (n_samples, n_classes), in ``classes_`` order."""
        X = self._scaled(X)
        return self.network_.predict_proba(X)

    def predict(self, X: Any) -> NDArray[Any]:
        """Return the ArgMax class label of every row, shape (n_samples,)."""
        X = self._scaled(X)
        return self.classes_[self.network_.predict(X)]

    def __getstate__(self) -> dict[str, Any]:
        """Return the state to pickle, the network as plain arrays (its activation is rebuilt)."""
        state = dict(super().__getstate__())
        net = state.pop("network_", None)
        if net is not None:
            state["network_"] = (net.sizes, net.activation, net.theta)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled classifier, rebuilding its network from the arrays."""
        net = state.get("network_")
        if isinstance(net, tuple):
            state["network_"] = Network(*net)
        super().__setstate__(state)


def _parameters_doc() -> str:
    """Return the numpydoc lines of the parameters, written from the schema."""
    lines = []
    for name, s in PARAMETERS.items():
        lines += [f"{name} : {s.kind}", f"    {s.help} (``{s.key}``); {s.constraint.allowed}."]
    return "\n    ".join(lines)


_SIGNATURE = inspect.Signature(
    [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    + [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=s.default)
        for name, s in PARAMETERS.items()
    ]
)
IrisNNClassifier.__init__.__signature__ = _SIGNATURE  # type: ignore[attr-defined]
if IrisNNClassifier.__doc__:
    IrisNNClassifier.__doc__ = IrisNNClassifier.__doc__.replace("{parameters}", _parameters_doc())
