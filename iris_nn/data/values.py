"""Names and numbers as the tool reads them from text: one place for each rule."""

from __future__ import annotations

import math
import re

from iris_nn.core.errors import BadInputError


def normalise_name(name: str) -> str:
    """Return a column or feature name in the form ``petal_width``.

    ``petal width (cm)`` (scikit-learn), ``Petal.Width`` (R), ``PetalWidthCm`` (Kaggle) and
    ``petal-width`` all become ``petal_width``.
    """
    name = re.sub(r"\([^)]*\)", " ", name.replace("\ufeff", ""))  # units such as "(cm)"
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())  # CamelCase -> Camel_Case
    name = re.sub(r"[\s.\-]+", "_", name.lower()).strip("_")
    return name.removesuffix("_cm")


def parse_number(text: str, what: str) -> float:
    """Return ``text`` as a finite float; raise BadInputError naming ``what`` and the bad text."""
    try:
        x = float(text)
    except ValueError:
        raise BadInputError(
            f"{what}: {text!r} is not a number; allowed: decimal numbers such as 5.1 or -0.4"
        ) from None
    if not math.isfinite(x):
        raise BadInputError(
            f"{what}: {text!r} is not finite; allowed: finite numbers (no nan or inf)"
        )
    return x
