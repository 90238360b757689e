"""Predict: inputs in, SoftMax probabilities and the ArgMax class out.

Inputs come as command-line values (numbers in the model's feature order, or ``name=value`` pairs)
or as a CSV with a header (read by ``data.csvfile``, as training reads one); either way they become one
array ``X (n_samples, n_features)`` in the data set's units that goes through the network in one
vectorised forward pass. Bad input raises BadInputError naming the bad
value and what is allowed. This module imports neither scikit-learn nor matplotlib, so
``iris-nn predict`` starts fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, TypeVar

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array, argmax, argmax_one_hot, softmax
from iris_nn.data.values import feature_name, is_number, names_match, parse_number
from iris_nn.store.model_file import Model

if TYPE_CHECKING:  # the CSV reader is imported when a CSV is read: predict on numbers starts faster
    from iris_nn.data.csvfile import CsvFile, LabelCode


@dataclass(frozen=True)
class Inputs:
    """Rows to predict: their inputs and, when known, their true classes."""

    X: Array  # (n_samples, n_features), in the model's feature order and units
    truth: NDArray[np.intp] | None = None  # (n_samples,) class indices


@dataclass(frozen=True)
class LayerStep:
    """One layer of a forward pass: its parameters, ``Z = A_prev @ W + b`` and ``A = f(Z)``."""

    W: Array  # (n_in, n_out)
    b: Array  # (n_out,)
    Z: Array  # (n, n_out)
    A: Array  # (n, n_out); the output layer's A is its Z (SoftMax comes after)
    activation: str | None  # None for the output layer


@dataclass(frozen=True)
class Prediction:
    """Every step of a prediction: inputs, scaled inputs, each layer, raw outputs, SoftMax, ArgMax."""

    features: list[str]
    classes: list[str]
    X: Array  # (n, n_features), in the data set's units
    X_scaled: Array  # (n, n_features), what the network sees
    Z: Array  # (n, n_classes), raw outputs (logits), divided by the temperature
    P: Array  # (n, n_classes), SoftMax probabilities
    truth: NDArray[np.intp] | None  # (n,) true classes when known
    temperature: float = 1.0
    layers: tuple[LayerStep, ...] = ()  # every layer, hidden ones first, the output layer last
    target: str = "species"  # the name of the class column, for headings
    noun: str = "flower"  # what one row is, for text
    units: tuple[str, ...] = ()  # one per feature; "" when it has none
    image_shape: tuple[int, int] | None = None  # (H, W) when the inputs are pixels (SPEC 16)

    @property
    def hidden(self) -> tuple[LayerStep, ...]:
        """Return the hidden layers' steps (none for softmax regression)."""
        return self.layers[:-1]

    @property
    def predicted(self) -> NDArray[np.intp]:
        """Return the ArgMax class index of every row."""
        return argmax(self.P)

    def __len__(self) -> int:
        return len(self.X)


def predict(model: Model, inputs: Inputs) -> Prediction:
    """Return the prediction of ``model`` for every row of ``inputs``, in one forward pass."""
    net = model.net
    with np.errstate(over="ignore", invalid="ignore"):  # absurd inputs give inf, not warnings
        X_scaled = model.scale_inputs(inputs.X)  # (n, n_features)
        zs, activations = net.forward_layers(X_scaled)
        Z = zs[-1] / model.temperature  # (n, n_classes)
        P = softmax(Z)
    check_finite_outputs(Z, inputs.X, model.features)
    layers = tuple(
        LayerStep(
            net.W(i),
            net.b(i),
            zs[i - 1],
            activations[i],
            net.activation if i < net.n_layers else None,
        )
        for i in range(1, net.n_layers + 1)
    )
    return Prediction(
        model.features,
        model.classes,
        inputs.X,
        X_scaled,
        Z,
        P,
        inputs.truth,
        model.temperature,
        layers,
        model.target,
        model.noun,
        tuple(model.unit(f) for f in model.features),
        model.image_shape,
    )


ROW_KEYS = ("prediction", "probabilities", "logits", "inputs", "scaled_inputs", "layers", "argmax")


def truth_key(target: str, taken: Sequence[str]) -> str:
    """Return the key (or CSV column) of the true class: the target's name, with ``_true`` added
    (again, until it is free) when that name is already one of ``taken``.

    So a class column named ``prediction`` gives ``prediction_true``, never a second
    ``prediction``; the output is unambiguous whatever the names.
    """
    key = target
    while key in taken:
        key += "_true"
    return key


def row_objects(pred: Prediction, explain: bool = False) -> list[dict[str, Any]]:
    """Return one JSON-ready object per row: prediction, probabilities, logits (+ the truth).

    The true class, when known, is under the model's target name (``species`` for Iris), or
    ``truth_key``'s free variant of it when that name is one of ``ROW_KEYS``.

    With ``explain``, each object also holds ``inputs``, ``scaled_inputs``, ``layers`` (each
    hidden layer's ``{"layer", "activation", "z", "a"}``, ``z = w . x + b`` and ``a = f(z)`` one value
    per unit) and ``argmax``: what ``predict --explain --format json`` prints and ``backprop``'s
    ``forward`` holds. Values may be NaN or infinite; the caller makes them JSON-safe.
    """
    classes, features = pred.classes, pred.features
    names = [classes[i] for i in pred.predicted]
    P, Z = pred.P.tolist(), pred.Z.tolist()
    objects: list[dict[str, Any]] = [
        {
            "prediction": names[n],
            "probabilities": dict(zip(classes, P[n], strict=True)),
            "logits": dict(zip(classes, Z[n], strict=True)),
        }
        for n in range(len(pred))
    ]
    if pred.truth is not None:
        key = truth_key(pred.target, ROW_KEYS)
        for obj, s in zip(objects, pred.truth.tolist(), strict=True):
            obj[key] = classes[s]
    if explain:
        X, S, H = pred.X.tolist(), pred.X_scaled.tolist(), argmax_one_hot(pred.P).tolist()
        hidden = [(step.activation, step.Z.tolist(), step.A.tolist()) for step in pred.hidden]
        for n, obj in enumerate(objects):
            obj["inputs"] = dict(zip(features, X[n], strict=True))
            obj["scaled_inputs"] = dict(zip(features, S[n], strict=True))
            obj["layers"] = [
                {"layer": i, "activation": f, "z": Z[n], "a": A[n]}
                for i, (f, Z, A) in enumerate(hidden, 1)
            ]
            obj["argmax"] = H[n]
    return objects


def check_finite_outputs(Z: Array, X: Array, features: Sequence[str]) -> None:
    """Raise BadInputError naming the first row whose raw outputs Z (n, n_classes) are not finite.

    A loaded model gives finite outputs near its training data (``load_model`` checks), so
    overflow means inputs too far from it, such as 1e300 cm.
    """
    finite = np.isfinite(Z).all(axis=1)  # (n,)
    if not finite.all():
        i = int(np.argmin(finite))
        values = ", ".join(f"{f} {x:g}" for f, x in zip(features, X[i], strict=True))
        raise BadInputError(
            f"row {i + 1} ({values}): the raw outputs overflow (inf or NaN); allowed: values "
            "nearer the training data"
        )


# ----------------------------------------------------------------------------- values


def _expects(features: Sequence[str]) -> str:
    return f"this model expects {len(features)}: {', '.join(features)}"


def parse_model_values(tokens: Sequence[str], model: Model) -> Inputs:
    """Return one row for ``model`` from ``tokens``: values of its original columns, or pairs.

    A model of a table with text columns or filled cells (SPEC 14) takes its original columns:
    text as a category's exact text (``island=Biscoe``), a missing value (``NA``) filled as in
    training; any other model takes its features (``parse_values``).
    """
    if not model.has_columns:
        return parse_values(tokens, model.features)
    columns = list(model.layout.columns)
    texts = parse_texts(tokens, columns)
    X = np.array([encode_cells([texts[c] for c in columns], model)])  # (1, n_features)
    fill_missing(X, model, "the values")
    return Inputs(X)


def encode_cells(cells: Sequence[object], model: Model) -> list[float]:
    """Return the encoded inputs of one row of ``model``'s original columns (NaN where missing).

    A cell is text (a category's exact stripped text, a number, or a missing value such as
    ``NA``), a number, or None / NaN (missing). A missing cell is an error unless the model
    fills them.
    """
    from iris_nn.data.csvfile import MISSING

    layout, fill = model.layout, model.fill
    row: list[float] = []
    for column, cell in zip(layout.columns, cells, strict=True):
        text = cell.strip() if isinstance(cell, str) else None
        if cell is None or text in MISSING or (isinstance(cell, float) and np.isnan(cell)):
            if column not in fill:
                raise BadInputError(
                    f"{column} = {cell!r} is missing and this model fills no missing "
                    'cells (it was not trained with data.missing = "impute"); give a value'
                )
            row.extend([np.nan] * len(layout.inputs(column)))
        elif column in layout.categories:
            row.extend(layout.encode_cell(column, str(cell).strip()))
        elif text is not None:
            row.append(parse_number(text, column))
        elif isinstance(cell, int | float | np.number) and not isinstance(cell, bool):
            row.append(float(cell))
        else:
            raise BadInputError(f"{column} = {cell!r} is not a number")
    return row


def fill_missing(X: Array, model: Model, where: str) -> None:
    """Fill the missing cells of ``X`` (encoded) as in training, and say so in a ``Note:``."""
    if not np.isnan(X).any():
        return
    import warnings

    from iris_nn.core.errors import IrisNNNote
    from iris_nn.data.categorical import apply_fill, counts_text

    fill = model.fill
    counts = apply_fill(X, model.layout, fill)
    warnings.warn(
        f"filled missing cells of {where} as in training: {counts_text(counts, fill)}",
        IrisNNNote,
        stacklevel=3,
    )


def parse_texts(tokens: Sequence[str], columns: Sequence[str]) -> dict[str, str]:
    """Return each column's text from ``tokens``: values in ``columns`` order, or pairs."""
    if not tokens:
        raise BadInputError(f"no values given; {_expects(columns)}")
    if not all("=" in t for t in tokens):
        _check_count(tokens, columns)
        return dict(zip(columns, tokens, strict=True))
    return _pairs(tokens, columns, "column", lambda text, column: text)


def parse_values(tokens: Sequence[str], features: Sequence[str]) -> Inputs:
    """Return one row from ``tokens``: numbers in ``features`` order, or ``name=value`` pairs.

    Names match features as CSV headings do (``petal_width``, ``PetalWidthCm``, ``petal.width``).
    """
    if not tokens:
        raise BadInputError(f"no values given; {_expects(features)}")
    named = [t for t in tokens if "=" in t]
    if named and len(named) != len(tokens):
        plain = next(t for t in tokens if "=" not in t)
        raise BadInputError(
            f"mixed forms: {plain!r} is a plain number but {named[0]!r} is a name=value pair; "
            f"use one form for all values; {_expects(features)}"
        )
    if not named:
        _check_count(tokens, features)
        row = [parse_number(t, f) for t, f in zip(tokens, features, strict=True)]
        return Inputs(np.array([row], dtype=np.float64))
    values = _pairs(tokens, features, "feature", parse_number)
    return Inputs(np.array([[values[f] for f in features]], dtype=np.float64))


def _check_count(tokens: Sequence[str], names: Sequence[str]) -> None:
    """Raise unless there is one token per name (values given in order)."""
    if len(tokens) != len(names):
        raise BadInputError(
            f"got {len(tokens)} value{'s' * (len(tokens) != 1)} ({' '.join(tokens)}); "
            f"{_expects(names)}, in this order"
        )


_Value = TypeVar("_Value")


def _pairs(
    tokens: Sequence[str], names: Sequence[str], what: str, read: Callable[[str, str], _Value]
) -> dict[str, _Value]:
    """Return each name's value from ``name=value`` tokens, ``read(text, name)``.

    A token's name matches one of ``names`` as CSV headings do; ``what`` is what messages call
    them ("column", "feature"). Every name needs one token.
    """
    values: dict[str, _Value] = {}
    for token in tokens:
        given, _, text = token.partition("=")
        found = [name for name in names if names_match(given, name)]
        if len(found) != 1:
            raise BadInputError(f"unknown {what} {given!r} in {token!r}; {_expects(names)}")
        key = found[0]
        if key in values:
            raise BadInputError(f"{what} {key!r} given twice; give each {what} once")
        values[key] = read(text, key)
    missing = [name for name in names if name not in values]
    if missing:
        raise BadInputError(f"no value for {', '.join(missing)}; {_expects(names)}")
    return values


# ----------------------------------------------------------------------------- CSV

# Columns that give the true class when none is named as the model's target: the class column
# names training looks for (``csv_dataset.TARGET_NAMES``), and "variety", as some copies of the
# Iris data call it.
TRUTH_COLUMNS = ("species", "class", "label", "target", "y", "variety")


def class_codes(classes: Sequence[str], dataset: str = "", target: str = "class") -> LabelCode:
    """Return the function that turns a cell into a class index, for a model's ``classes``.

    A cell equal to a class name is that class (in any case, when that is unambiguous); a 0-based
    class index is accepted only when no class name is an integer; Iris also takes the UCI
    spelling ``Iris-setosa``.
    """
    exact = {c: i for i, c in enumerate(classes)}
    folded: dict[str, int] = {}
    for i, c in enumerate(classes):
        folded[c.lower()] = i if c.lower() not in folded else -1  # -1: two classes fold together
    if not any(is_number(c) and float(c) == int(float(c)) for c in classes):
        for i in range(len(classes)):
            exact.setdefault(str(i), i)
            exact.setdefault(f"{i}.0", i)
    if dataset == "iris":
        for i, c in enumerate(classes):
            for sep in "- _.":
                folded.setdefault(f"iris{sep}{c}".lower(), i)
    allowed = ", ".join(classes)
    if "0" in exact and "0" not in classes:
        allowed += f" (or 0-{len(classes) - 1})"
    if dataset == "iris":
        allowed += f", also Iris-{classes[0]} style"

    def code(cell: str) -> int:
        i = exact.get(cell, folded.get(cell.lower(), -1))
        if i < 0:
            raise BadInputError(f"unknown {target} {cell!r}; allowed: {allowed}")
        return i

    return code


def _matching(file: CsvFile, wanted: str, match: Callable[[str, str], bool]) -> int | None:
    found = [k for k, h in enumerate(file.header) if match(h, wanted)]
    if len(found) > 1:
        names = ", ".join(repr(file.header[k]) for k in found)
        raise BadInputError(f"{file.where}: columns {names} all match {wanted}; keep one of them")
    return found[0] if found else None


def read_inputs(file: CsvFile, model: Model) -> Inputs:
    """Return the rows of a CSV for ``model``: its features, matched by name, and the true class.

    Columns match features by ``data.values.feature_name`` (``petal width (cm)`` is ``petal_width``);
    other columns are ignored, but a column named as the model's target (else ``species``,
    ``class``, ``label``, ``target``, ``y`` or ``variety``) gives the true classes.
    """
    if model.has_columns:
        return read_column_inputs(file, model)
    features = model.features
    columns = []
    for f in features:
        k = _matching(file, f, names_match)
        if k is None:
            shown = ", ".join(repr(h) for h in file.header)
            raise BadInputError(
                f"{file.where} has no {f} column (columns: {shown}); {_expects(features)}; "
                "'petal width (cm)' style names match too"
            )
        columns.append(k)
    label = truth_column(file, model, columns)
    code = class_codes(model.classes, model.dataset, model.target)
    read = file.read(columns, label, code)
    if not len(read.X):
        raise BadInputError(f"{file.where} has a header but no rows")
    return Inputs(read.X, read.labels)


def truth_column(file: CsvFile, model: Model, columns: Sequence[int]) -> int | None:
    """Return the column of the true classes: the model's target, else a usual class column."""
    for name in (model.target, *TRUTH_COLUMNS):
        label = _matching(file, name, lambda h, n: feature_name(h) == n)
        if label is not None and label not in columns:
            return label
    return None


def read_column_inputs(file: CsvFile, model: Model) -> Inputs:
    """Return the rows of a CSV for a model of original columns (SPEC 14), encoded and filled.

    A text cell must be one of its column's categories (its exact stripped text); a missing cell
    is filled as in training, or an error naming its line and column when the model fills none.
    """
    from iris_nn.data.categorical import one_hot

    layout = model.layout
    found: dict[str, int] = {}
    for column in layout.columns:
        k = _matching(file, column, names_match)
        if k is None:
            shown = ", ".join(repr(h) for h in file.header)
            raise BadInputError(
                f"{file.where} has no {column} column (columns: {shown}); "
                f"{_expects(layout.columns)}"
            )
        found[column] = k
    text = [c for c in layout.columns if c in layout.categories]
    numeric = [found[c] for c in layout.columns if c not in layout.categories]

    def category(column: str) -> LabelCode:
        values = layout.categories[column]
        index = {v: i for i, v in enumerate(values)}

        def code(cell: str) -> int:
            if cell not in index:
                raise BadInputError(
                    f"{file.where}: column {file.header[found[column]]!r}: {cell!r} was not seen "
                    f"in training; allowed: {', '.join(values)}"
                )
            return index[cell]

        return code

    label = truth_column(file, model, list(found.values()))
    code = class_codes(model.classes, model.dataset, model.target)
    missing = "impute" if model.fill else "error"
    read = file.read(
        numeric, label, code, missing, "", [category(c) for c in text], [found[c] for c in text]
    )
    if not len(read.X):
        raise BadInputError(f"{file.where} has a header but no rows")
    assert read.codes is not None
    parts, n = [], 0
    for column in layout.columns:
        if column in layout.categories:
            j = text.index(column)
            parts.append(one_hot(read.codes[:, j], len(layout.categories[column])))
        else:
            parts.append(read.X[:, [n]])
            n += 1
    X = np.hstack(parts)  # (n, n_features)
    fill_missing(X, model, file.where)
    return Inputs(X, read.labels)


def read_csv_file(path: str, model: Model, stdin: BinaryIO | TextIO | None = None) -> Inputs:
    """Return the rows of the CSV file at ``path`` for ``model``, or of ``stdin`` when ``path`` is ``-``."""
    from iris_nn.data.csvopen import open_csv, parse_header, read_stream

    if path != "-":
        return read_inputs(open_csv(path), model)
    if stdin is None:
        raise BadInputError("no standard input to read the CSV from")
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        raw = read_stream(buffer, "standard input")
    else:  # a text stream without bytes underneath (io.StringIO)
        text = stdin.read()
        raw = text.encode("utf-8") if isinstance(text, str) else text
    return read_inputs(parse_header(raw, "standard input"), model)
