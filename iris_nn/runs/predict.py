"""Predict: measurements in, SoftMax probabilities and the ArgMax species out.

Inputs come as command-line values (numbers in the model's feature order, or ``name=value`` pairs)
or as a CSV with a header; either way they become one array ``X (n_samples, n_features)`` in cm that
goes through the network in one vectorised forward pass. Bad input raises BadInputError naming the bad
value and what is allowed. This module imports neither scikit-learn nor matplotlib, so
``iris-nn predict`` starts fast.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array, argmax, softmax
from iris_nn.data.limits import Lines, TooLargeError, bounded_lines
from iris_nn.data.values import normalise_name, parse_number, parse_numbers
from iris_nn.runs.model_file import Model

# The header of a true-species column, in order of preference (R and Kaggle call it "Species",
# scikit-learn's data frame "target", some copies "variety" or "class").
SPECIES_COLUMNS = ("species", "target", "variety", "class")


@dataclass(frozen=True)
class Inputs:
    """Flowers to predict: measurements and, when known, their true species."""

    X: Array  # (n_samples, n_features), cm, in the model's feature order
    species: NDArray[np.intp] | None = None  # (n_samples,) class indices


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
    X: Array  # (n, n_features), cm
    X_scaled: Array  # (n, n_features), what the network sees
    Z: Array  # (n, n_classes), raw outputs (logits), divided by the temperature
    P: Array  # (n, n_classes), SoftMax probabilities
    species: NDArray[np.intp] | None  # (n,) true classes when known
    temperature: float = 1.0
    layers: tuple[LayerStep, ...] = ()  # every layer, hidden ones first, the output layer last

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
        inputs.species,
        model.temperature,
        layers,
    )


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


def parse_values(tokens: Sequence[str], features: Sequence[str]) -> Inputs:
    """Return one flower from ``tokens``: numbers in ``features`` order, or ``name=value`` pairs."""
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
        if len(tokens) != len(features):
            raise BadInputError(
                f"got {len(tokens)} value{'s' * (len(tokens) != 1)} ({' '.join(tokens)}); "
                f"{_expects(features)}, in this order"
            )
        row = [parse_number(t, f) for t, f in zip(tokens, features, strict=True)]
        return Inputs(np.array([row], dtype=np.float64))
    values: dict[str, float] = {}
    for token in tokens:
        name, _, text = token.partition("=")
        key = normalise_name(name)
        if key not in features:
            raise BadInputError(f"unknown feature {name!r} in {token!r}; {_expects(features)}")
        if key in values:
            raise BadInputError(f"feature {key!r} given twice; give each feature once")
        values[key] = parse_number(text, key)
    missing = [f for f in features if f not in values]
    if missing:
        raise BadInputError(f"no value for {', '.join(missing)}; {_expects(features)}")
    return Inputs(np.array([[values[f] for f in features]], dtype=np.float64))


# ----------------------------------------------------------------------------- CSV


def species_aliases(classes: Sequence[str]) -> dict[str, int]:
    """Return the accepted spellings (lower case) of each class: ``setosa``, ``iris-setosa``, ``0``."""
    aliases: dict[str, int] = {}
    for i, c in enumerate(classes):
        for alias in (c, f"iris-{c}", f"iris {c}", f"iris_{c}", f"iris.{c}", str(i), f"{i}.0"):
            aliases[alias.lower()] = i
    return aliases


def _species_codes(cells: list[str], classes: Sequence[str], where: str) -> NDArray[np.intp]:
    aliases = species_aliases(classes)
    codes: dict[str, int] = {}
    for cell in set(cells):  # a handful of distinct labels, however many rows
        code = aliases.get(cell.strip().lower())
        if code is None:
            row = cells.index(cell) + 1
            allowed = ", ".join(classes)
            raise BadInputError(
                f"{where} row {row}: unknown species {cell!r}; allowed: {allowed} "
                f"(also Iris-{classes[0]} style, or 0-{len(classes) - 1})"
            )
        codes[cell] = code
    return np.fromiter(map(codes.__getitem__, cells), dtype=np.intp, count=len(cells))


def _column(keys: list[str], header: list[str], wanted: str, where: str) -> int | None:
    found = [i for i, k in enumerate(keys) if k == wanted]
    if len(found) > 1:
        names = ", ".join(repr(header[i]) for i in found)
        raise BadInputError(f"{where}: columns {names} all match {wanted}; keep one of them")
    return found[0] if found else None


def read_csv(
    stream: Lines, features: Sequence[str], classes: Sequence[str], where: str = "CSV"
) -> Inputs:
    """Return the flowers of a CSV with a header; columns are matched by feature name.

    Extra columns are ignored; a species column (``setosa``, ``Iris-setosa`` or 0-2) gives the
    true classes. ``where`` names the source in error messages.
    """
    try:
        rows = list(csv.reader(bounded_lines(stream)))
    except TooLargeError as e:
        raise BadInputError(f"{where} has a line {e.strerror}") from None
    while rows and not rows[0]:  # blank lines before the header
        rows.pop(0)
    if not rows:
        raise BadInputError(f"{where} is empty; expected a header row naming {', '.join(features)}")
    header, rows = rows[0], rows[1:]
    if [] in rows:  # blank lines between rows
        rows = [r for r in rows if r]
    if not rows:
        raise BadInputError(f"{where} has a header but no rows")
    keys = [normalise_name(h) for h in header]
    columns = []
    for f in features:
        i = _column(keys, header, f, where)
        if i is None:
            shown = ", ".join(repr(h) for h in header)
            raise BadInputError(
                f"{where} has no {f} column (columns: {shown}); {_expects(features)}; "
                "'petal width (cm)' style names match too"
            )
        columns.append(i)
    species_col = None
    for name in SPECIES_COLUMNS:
        species_col = _column(keys, header, name, where)
        if species_col is not None:
            break
    needed = max(columns + ([species_col] if species_col is not None else []))
    if min(map(len, rows)) <= needed:
        row = next(n for n, r in enumerate(rows, 1) if len(r) <= needed)
        raise BadInputError(
            f"{where} row {row} has {len(rows[row - 1])} fields; the header has {len(header)}"
        )
    n_features = len(features)
    cells = [row[i] for row in rows for i in columns]  # row by row, so the first bad cell is named

    def cell(k: int) -> str:
        return f"{where} row {k // n_features + 1}, {features[k % n_features]}"

    X = parse_numbers(cells, cell).reshape(len(rows), n_features)  # one conversion for all rows
    species = None
    if species_col is not None:
        species = _species_codes([r[species_col] for r in rows], classes, where)
    return Inputs(X, species)


def read_csv_file(
    path: str, features: Sequence[str], classes: Sequence[str], stdin: TextIO | None = None
) -> Inputs:
    """Return the flowers of the CSV file at ``path``, or of ``stdin`` when ``path`` is ``-``."""
    if path == "-":
        if stdin is None:
            raise BadInputError("no standard input to read the CSV from")
        return _read_utf8(stdin, features, classes, "standard input")
    p = Path(path)
    if not p.exists():
        raise BadInputError(f"input file {path!r} does not exist")
    if p.is_dir():
        raise BadInputError(f"input {path!r} is a directory, not a CSV file")
    # utf-8-sig drops a byte order mark; newline="" lets csv handle CRLF and quoted newlines
    with open(p, encoding="utf-8-sig", newline="") as f:
        return _read_utf8(f, features, classes, repr(path))


def _read_utf8(
    stream: TextIO, features: Sequence[str], classes: Sequence[str], where: str
) -> Inputs:
    try:
        return read_csv(_without_bom(stream), features, classes, where)
    except UnicodeDecodeError:
        raise BadInputError(f"{where} is not UTF-8 text; expected a CSV") from None


class _without_bom:  # noqa: N801 - a thin stream
    """A text stream whose first line loses a byte order mark (standard input keeps it)."""

    def __init__(self, stream: TextIO):
        self.stream, self.first = stream, True

    def readline(self, size: int = -1, /) -> str:
        line = self.stream.readline(size)
        if self.first:
            self.first = False
            line = line.removeprefix("\ufeff")
        return line
