"""A CSV file as a data set: its class column, its feature columns, its classes.

The class column is ``data.target``, else the first column called ``species``, ``class``,
``label``, ``target`` or ``y`` (in that order of preference, any case), else the last one. The
features are the other columns less ``data.exclude``, or ``data.features``. Class names are the
class column's distinct values as text, sorted (as numbers when they all are integers).
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import numpy as np

from iris_nn.core.errors import BadInputError, IrisNNNote, IrisNNWarning
from iris_nn.core.functional import Array
from iris_nn.data.categorical import Layout, Levels, one_hot
from iris_nn.data.csvfile import MISSING, Columns, CsvFile, NotANumberError
from iris_nn.data.csvopen import open_csv
from iris_nn.data.datasets import DatasetInfo, Labels
from iris_nn.data.values import NUMBER, feature_name

TARGET_NAMES = ("species", "class", "label", "target", "y")
MAX_CLASSES = 50
CATEGORICAL_POLICIES = ("onehot", "error")
# The head of the file that tells most text columns before the read: at most GUESS_BYTES, and at
# most GUESS_ROWS rows of it (checking 64 KiB of a narrow file cost 6% of its read)
GUESS_BYTES, GUESS_ROWS = 1 << 16, 256


def _columns(file: CsvFile) -> str:
    return ", ".join(repr(h) for h in file.header)


def find_column(file: CsvFile, given: str, key: str, taken: Collection[int] = ()) -> int:
    """Return the index of the column ``given`` names (its heading, or its feature name).

    When several columns have that name (a header ``a,a``), the first one not in ``taken`` (the
    class column and the excluded ones) is meant: after ``data.exclude = ["a"]`` has left the
    first ``a`` out, ``data.features = ["a"]`` names the one left in, so the run's own features
    find their column again in ``evaluate`` and ``plot``.
    """
    name = feature_name(given)
    for matches in (
        lambda k: file.header[k] == given and k not in taken,
        lambda k: file.names[k] == name and k not in taken,
        lambda k: file.header[k] == given,
        lambda k: file.names[k] == name,
    ):
        for k in range(len(file.header)):
            if matches(k):
                return k
    raise BadInputError(
        f"{key} = {given!r}: {file.where} has no such column; columns: {_columns(file)}"
    )


def target_column(file: CsvFile, target: str = "") -> int:
    """Return the index of the class column: ``target``, else a usual name, else the last."""
    if target:
        return find_column(file, target, "data.target")
    names = [n.lower() for n in file.names]
    for usual in TARGET_NAMES:
        if usual in names:
            return names.index(usual)
    return len(file.header) - 1


def feature_columns(
    file: CsvFile, target: int, exclude: Sequence[str] = (), features: Sequence[str] = ()
) -> list[int]:
    """Return the indices of the feature columns, in ``features`` order (file order when empty)."""
    excluded = {find_column(file, e, "data.exclude") for e in exclude}
    if target in excluded:
        raise BadInputError(
            f"data.exclude names the class column {file.header[target]!r}; it is never a feature"
        )
    if features:
        chosen = [find_column(file, f, "data.features", {target, *excluded}) for f in features]
        for k in chosen:
            if k == target or k in excluded:
                why = "the class column" if k == target else "excluded by data.exclude"
                raise BadInputError(
                    f"data.features names {file.header[k]!r}, which is {why}; allowed: "
                    f"{', '.join(repr(file.header[c]) for c in range(len(file.header)) if c != target and c not in excluded)}"
                )
    else:
        chosen = [k for k in range(len(file.header)) if k != target and k not in excluded]
    if not chosen:
        raise BadInputError(
            f"{file.where} has no feature column besides the class column "
            f"{file.header[target]!r}; columns: {_columns(file)}"
        )
    names = file.names
    for k in chosen:  # data.exclude would find the class column by that name: say what works
        if names[k] == names[target]:
            raise BadInputError(
                f"{file.where}: column {k + 1} {file.header[k]!r} has the class column's name "
                f"(column {target + 1} {file.header[target]!r}); rename one of them"
            )
    seen: dict[str, int] = {}
    for k in chosen:
        if names[k] in seen:
            first = file.header[seen[names[k]]]
            raise BadInputError(
                f"{file.where}: columns {first!r} and {file.header[k]!r} both make the feature "
                f"name {names[k]!r}; rename one, or leave one out with data.exclude"
            )
        seen[names[k]] = k
    return chosen


def class_order(names: Sequence[str]) -> list[str]:
    """Return class names sorted: as numbers when all are integers (2 before 10), else as text."""
    try:
        return sorted(names, key=int)
    except ValueError:
        return sorted(names)


def read_csv_dataset(
    path: str | Path | CsvFile,
    features: Sequence[str] = (),
    target: str = "",
    missing: str = "error",
    exclude: Sequence[str] = (),
    categorical: str = "onehot",
    categories: Mapping[str, Sequence[str]] | None = None,
) -> DatasetInfo:
    """Return the CSV file at ``path`` (or already read) as a data set, its rows read and checked.

    With ``categorical = "onehot"`` a column whose cells are not all numbers becomes one 0/1
    input per value (SPEC 14); ``categories``, a model's own, names its text columns and their
    values. Raise BadInputError for a file that cannot be used; warn (IrisNNWarning) about
    dropped rows and about a feature column that looks like a row id; note (IrisNNNote) the text
    columns turned into inputs.
    """
    if categorical not in CATEGORICAL_POLICIES:
        raise BadInputError(
            f"data.categorical = {categorical!r}; allowed: {', '.join(CATEGORICAL_POLICIES)}"
        )
    file = path if isinstance(path, CsvFile) else open_csv(path)
    if len(file.header) < 2:
        raise BadInputError(
            f"{file.where} has {len(file.header)} column; expected a class column and at least "
            "one feature column (comma, semicolon or tab separated)"
        )
    t = target_column(file, target)
    chosen = feature_columns(file, t, exclude, features)
    found: dict[str, int] = {}  # class name -> code, in order of first appearance

    def code(cell: str) -> int:
        if cell not in found:
            if len(found) == MAX_CLASSES:
                raise BadInputError(
                    f"the class column {file.header[t]!r} has more than {MAX_CLASSES} distinct "
                    f"values, so it is probably not a class column (an id?); name the class "
                    f"column with --target (data.target); columns: {_columns(file)}"
                )
            found[cell] = len(found)
        return found[cell]

    hint = (
        "; to leave a text column out, list the features to use in data.features "
        "(or name it in data.exclude)"
    )
    if categories is not None:
        text = [k for k in chosen if file.names[k] in categories]
    else:
        text = guess_text_columns(file, chosen) if categorical == "onehot" else []
    while True:  # a text cell past the head of the file: read again with its column as text
        levels = {k: Levels(file.header[k], file.where) for k in text}
        numeric = [k for k in chosen if k not in levels]
        try:
            columns = file.read(numeric, t, code, missing, hint, list(levels.values()), text)
            break
        except NotANumberError as e:
            if categorical != "onehot" or categories is not None or e.column in text:
                raise
            text = [k for k in chosen if k in {*text, e.column}]
    X_read, inputs = encode_columns(file, chosen, columns, levels)
    if columns.n_rows and not len(columns.rows):
        n = columns.n_rows
        raise BadInputError(
            f"{file.where}: every one of its {n} row{'s' * (n != 1)} has a missing cell, and "
            'data.missing = "drop" dropped them all; fill the cells in, or leave the columns '
            "that miss them out with data.exclude"
        )
    if columns.labels is None or not len(columns.labels):
        raise BadInputError(f"{file.where} has a header but no rows to learn from")
    # bincount, not np.unique: that imports numpy.ma on first use (50 ms of a small file's read)
    present = np.bincount(columns.labels, minlength=len(found)) > 0
    names = [name for name, c in found.items() if present[c]]
    classes = class_order(names)
    if len(classes) < 2:
        raise BadInputError(
            f"{file.where}: the class column {file.header[t]!r} holds one class only "
            f"({classes[0]!r}); a classifier needs at least 2 (name another column with --target)"
        )
    remap = np.full(len(found), -1, dtype=np.intp)
    for name in names:
        remap[found[name]] = classes.index(name)
    if columns.dropped_lines:  # dropped rows stay in place, NaN with class -1
        X = np.full((columns.n_rows, X_read.shape[1]), np.nan)  # (n_rows, n_features)
        y = np.full(columns.n_rows, -1, dtype=np.intp)
        X[columns.rows] = X_read
        y[columns.rows] = remap[columns.labels]
    else:
        X, y = X_read, remap[columns.labels]
    if columns.dropped_lines:
        n = len(columns.dropped_lines)
        shown = ", ".join(map(str, columns.dropped_lines[:5])) + (" ..." if n > 5 else "")
        cell = "a missing class cell" if missing == "impute" else "a missing cell"
        warnings.warn(
            f"dropped {n} row{'s' * (n != 1)} of {file.where} with {cell} "
            f'(data.missing = "{missing}"): line{"s" * (n != 1)} {shown}',
            IrisNNWarning,
            stacklevel=2,
        )
    for j, k in enumerate(numeric):
        if looks_like_row_id(columns.X[:, j]):
            warnings.warn(
                f"column {file.header[k]!r} of {file.where} looks like a row id (strictly "
                "increasing integers): as a feature it would leak the row order; leave it out "
                f'with data.exclude = ["{file.header[k]}"]',
                IrisNNWarning,
                stacklevel=2,
            )
    feature_names = inputs.features

    def load(wanted: Sequence[str]) -> tuple[Array, Labels]:
        if tuple(wanted) == feature_names:
            return X, y  # no copy of what may be a million rows
        return X[:, [feature_names.index(f) for f in wanted]], y

    return DatasetInfo(
        name=file.path.name if file.path else file.where,
        load=load,
        features=feature_names,
        units=tuple(
            file.units[k] if k not in levels else ""
            for k in chosen
            for _ in inputs.inputs(file.names[k])
        ),
        classes=tuple(classes),
        target=file.names[t],
        noun="row",
        sha256=file.sha256,
        columns=inputs.columns if levels else (),
        categories=inputs.categories,
        impute=missing == "impute",
    )


def guess_text_columns(file: CsvFile, chosen: Sequence[int]) -> list[int]:
    """Return the columns of ``chosen`` with a text cell in the head of the file.

    A guess that saves reading the whole file twice: a text cell further on still makes its
    column a text one (the read stops there and starts again).
    """
    lines = file.raw[:GUESS_BYTES].split(b"\n", GUESS_ROWS + 1)  # the header, the rows, the rest
    if len(lines) > GUESS_ROWS + 1 or len(file.raw) > GUESS_BYTES:
        lines.pop()  # whole lines only
    head = b"\n".join(lines).decode("utf-8", errors="replace")
    text: set[int] = set()
    try:
        for record in list(csv.reader(io.StringIO(head, newline=""), delimiter=file.delimiter))[1:]:
            if len(record) != len(file.header):
                continue  # the read says what is wrong with it
            for k in chosen:
                cell = record[k].strip()
                if k not in text and cell not in MISSING and not NUMBER.fullmatch(cell):
                    text.add(k)
    except csv.Error:
        pass  # the read says what is wrong
    return [k for k in chosen if k in text]


def encode_columns(
    file: CsvFile, chosen: Sequence[int], columns: Columns, levels: Mapping[int, Levels]
) -> tuple[Array, Layout]:
    """Return the rows read with each text column as its 0/1 inputs, and the layout.

    Say in a ``Note:`` which inputs each text column became.
    """
    if not levels:
        return columns.X, Layout(tuple(file.names[k] for k in chosen))
    assert columns.codes is not None
    parts: list[Array] = []
    categories: dict[str, tuple[str, ...]] = {}
    numeric = iter(range(columns.X.shape[1]))
    text_index = {k: j for j, k in enumerate(levels)}
    for k in chosen:
        if k not in levels:
            parts.append(columns.X[:, [next(numeric)]])
            continue
        values, position = levels[k].sorted_codes()
        codes = columns.codes[:, text_index[k]]
        sorted_codes = np.where(codes >= 0, position[np.maximum(codes, 0)], -1)
        parts.append(one_hot(sorted_codes, len(values)))
        categories[file.names[k]] = values
    layout = Layout(tuple(file.names[k] for k in chosen), categories)
    for column, values in categories.items():
        names = layout.inputs(column)
        shown = ", ".join(names) if len(names) <= 10 else ", ".join(names[:6]) + ", ..."
        warnings.warn(
            f"column {column!r} holds text: {len(values)} input"
            f"{'s' * (len(values) != 1)} {shown} (0 or 1, not scaled)",
            IrisNNNote,
            stacklevel=3,
        )
    return np.hstack(parts), layout


def looks_like_row_id(column: Array) -> bool:
    """Return whether a column holds strictly increasing integers (at least 3 of them)."""
    # compared, not subtracted: 1.7e308 - -1.7e308 overflows
    head = column[:64]  # most columns fail at once
    if len(column) < 3 or not np.all(head[1:] > head[:-1]):
        return False
    return bool(np.all(column[1:] > column[:-1])) and bool(np.all(column == np.round(column)))
