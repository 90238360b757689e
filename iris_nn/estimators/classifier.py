"""The network as a scikit-learn classifier, for pipelines, ``cross_validate`` and ``GridSearchCV``.

``IrisNNClassifier`` takes the config keys as hyperparameters (``train.lr`` is ``lr``,
``data.scaling`` is ``scaling``, ``seed`` is ``random_state``) and trains exactly as ``iris-nn train``
does: the scaler is fitted on the training rows, ``val_size`` of the rows given to ``fit`` are held
out (stratified) for validation and early stopping, and ``random_state`` seeds the split, the
initialisation and the shuffling through independent streams. Any number of features and classes and
any labels work; the network never sees more than class indices.
"""

from __future__ import annotations

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
from iris_nn.core.train import History, TrainSettings, fit
from iris_nn.data.scaler import Scaler
from iris_nn.data.split import int_seed, seeds
from iris_nn.settings.config import Config, ConfigError, check_value

_DEFAULT = Config()

# hyperparameter -> config key: the estimator checks each value as the config does
PARAM_KEYS = {
    "hidden": "model.hidden",
    "activation": "model.activation",
    "optimizer": "train.optimizer",
    "lr": "train.lr",
    "epochs": "train.epochs",
    "batch_size": "train.batch_size",
    "momentum": "train.momentum",
    "nesterov": "train.nesterov",
    "l2": "train.l2",
    "early_stopping": "train.early_stopping",
    "patience": "train.patience",
    "min_delta": "train.min_delta",
    "val_size": "data.val_size",
    "scaling": "data.scaling",
}


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


class IrisNNClassifier(ClassifierMixin, BaseEstimator):
    """A from-scratch numpy network with SoftMax outputs, as a scikit-learn classifier.

    Parameters
    ----------
    hidden : int or sequence of int
        Hidden-layer widths (``model.hidden``); ``()`` is softmax regression.
    activation : str
        Hidden-layer activation (``model.activation``).
    optimizer, lr, epochs, batch_size, momentum, nesterov, l2, early_stopping, patience, min_delta
        As the ``train.*`` config keys. A ``batch_size`` above the training rows means full batch.
    val_size : float
        Fraction of the rows given to ``fit`` held out, stratified, for validation (``data.val_size``).
    scaling : str
        ``standard``, ``minmax`` or ``none``, fitted on the training rows (``data.scaling``).
    random_state : int or None
        Seed of the split, initialisation and shuffling (``seed``); None draws fresh entropy.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    network_ : Network
    center_, scale_ : ndarray of shape (n_features,)
        The scaler: network input = (X - center_) / scale_.
    history_ : History
    """

    def __init__(
        self,
        hidden: Any = _DEFAULT.model.hidden,
        activation: str = _DEFAULT.model.activation,
        optimizer: str = _DEFAULT.train.optimizer,
        lr: float = _DEFAULT.train.lr,
        epochs: int = _DEFAULT.train.epochs,
        batch_size: int = _DEFAULT.train.batch_size,
        momentum: float = _DEFAULT.train.momentum,
        nesterov: bool = _DEFAULT.train.nesterov,
        l2: float = _DEFAULT.train.l2,
        early_stopping: bool = _DEFAULT.train.early_stopping,
        patience: int = _DEFAULT.train.patience,
        min_delta: float = _DEFAULT.train.min_delta,
        val_size: float = _DEFAULT.data.val_size,
        scaling: str = _DEFAULT.data.scaling,
        random_state: int | None = _DEFAULT.seed,
    ):
        self.hidden = hidden
        self.activation = activation
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.momentum = momentum
        self.nesterov = nesterov
        self.l2 = l2
        self.early_stopping = early_stopping
        self.patience = patience
        self.min_delta = min_delta
        self.val_size = val_size
        self.scaling = scaling
        self.random_state = random_state

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> IrisNNClassifier:
        """Return the classifier that trains as ``config`` says (``random_state`` = its seed)."""
        params: dict[str, Any] = {
            name: getattr(getattr(config, key.split(".")[0]), key.split(".")[1])
            for name, key in PARAM_KEYS.items()
        }
        params["random_state"] = config.seed
        params.update(overrides)
        return cls(**params)

    def _checked_params(self) -> dict[str, Any]:
        hidden = (self.hidden,) if isinstance(self.hidden, (int, np.integer)) else self.hidden
        values = {"hidden": tuple(int(w) for w in hidden) if hidden is not None else hidden}
        for name, key in PARAM_KEYS.items():
            value = values.get(name, getattr(self, name))
            if isinstance(value, np.generic):  # np.int64 from a parameter grid is an int here
                value = value.item()
            try:
                values[name] = check_value(key, value)
            except ConfigError as e:
                raise BadInputError(f"{name}: {e}") from None
        if values["early_stopping"] and values["val_size"] == 0:
            raise BadInputError("early_stopping=True needs validation rows: set val_size > 0")
        rs = self.random_state
        if rs is not None and (isinstance(rs, bool) or not isinstance(rs, (int, np.integer))):
            raise BadInputError(f"random_state = {rs!r}: expected an integer seed or None")
        return values

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
        from sklearn.model_selection import train_test_split

        counts = np.bincount(y)
        n_val = max(round(val_size * len(y)), len(counts))
        if counts.min() < 2 or len(y) - n_val < len(counts):
            if early_stopping:
                raise BadInputError(
                    f"val_size = {val_size} of {len(y)} rows cannot give each of the "
                    f"{len(counts)} classes a validation row and a training row; early stopping "
                    "needs them"
                )
            warnings.warn(
                f"{len(y)} rows are too few for stratified validation rows; training on all",
                UserWarning,
                stacklevel=3,
            )
            return rows, rows[:0]
        train, val = train_test_split(rows, test_size=n_val, stratify=y, random_state=seed)
        return np.sort(train), np.sort(val)

    def fit(self, X: Any, y: Any) -> IrisNNClassifier:
        """Train a fresh network on ``X`` (n_samples, n_features) and labels ``y``; return self."""
        p = self._checked_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        self.classes_, y_index = class_indices(y)
        entropy = None if self.random_state is None else int(self.random_state)
        split_seq, init_seq, shuffle_seq = seeds(entropy)  # type: ignore[arg-type]
        train, val = self._split(y_index, p["val_size"], p["early_stopping"], int_seed(split_seq))
        # At most one copy of the data besides the caller's (SPEC 11's memory bound): the parts
        # are copies scaled in place; without validation rows the training rows are X itself,
        # used as it is when unscaled.
        everything = len(train) == len(y)
        X_train, X_val = X if everything else X[train], X[val]
        y_train, y_val = y_index if everything else y_index[train], y_index[val]
        self.scaler_ = Scaler.fit(X_train, p["scaling"])
        self.center_, self.scale_ = self.scaler_.center, self.scaler_.scale
        if p["scaling"] != "none":
            X_train = self.scaler_(X_train, out=None if everything else X_train)
            X_val = self.scaler_(X_val, out=X_val)
        sizes = [X.shape[1], *p["hidden"], len(self.classes_)]
        self.network_ = Network.initialised(sizes, p["activation"], np.random.default_rng(init_seq))
        config = TrainSettings(
            optimizer=p["optimizer"],
            lr=p["lr"],
            epochs=p["epochs"],
            batch_size=min(p["batch_size"], len(train)),
            momentum=p["momentum"],
            nesterov=p["nesterov"],
            l2=p["l2"],
            early_stopping=p["early_stopping"],
            patience=p["patience"],
            min_delta=p["min_delta"],
        )
        self.history_: History = fit(
            self.network_,
            X_train,
            y_train,
            config,
            np.random.default_rng(shuffle_seq),
            X_val,
            y_val,
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
