"""The playground on image data (SPEC 16): a drawing's forward pass and the unit-weights view.

The page paints a grid of H x W cells with the mouse and sends the grey levels; the engine computes
the drawing's raw outputs, SoftMax and ArgMax, exactly as ``predict`` would on the same pixels.
The unit-weights view is each first-layer unit's incoming weights ``W1[:, j]`` as an H x W image.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iris_nn.core.errors import BadInputError
from iris_nn.core.functional import Array
from iris_nn.core.network import Network
from iris_nn.data.prepare import Dataset
from iris_nn.inference.predict import Inputs, predict, row_objects
from iris_nn.server.views import model_of

MAX_UNITS = 16  # unit images the page shows: those with the largest outgoing weights


def levels(data: Dataset) -> tuple[float, float]:
    """Return the data's smallest and largest pixel value: a stroke's grey levels lie between."""
    kept = data.X[data.y >= 0]
    finite = kept[np.isfinite(kept)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def image_view(data: Dataset, net: Network) -> dict[str, Any] | None:
    """Return the drawing grid's shape and levels and the first-layer units as images, or None
    when the inputs are not an image's pixels."""
    if not data.image_shape:
        return None
    low, high = levels(data)
    W1, b1 = net.W(1), net.b(1)  # (n_inputs, n_units), (n_units,)
    if net.n_layers > 1:
        order = np.argsort(-np.abs(net.W(2)).sum(axis=1), kind="stable")[:MAX_UNITS]
    else:
        order = np.arange(W1.shape[1])[:MAX_UNITS]
    return {
        "shape": list(data.image_shape),
        "low": low,
        "high": high,
        "units": [int(u) + 1 for u in order],  # 1-based, as the figures name them
        "unit_weights": W1[:, order].T.tolist(),  # (n_shown, H * W), row by row
        "unit_biases": b1[order].tolist(),
        "hidden": net.n_layers > 1,
    }


def drawn_pixels(data: Dataset, pixels: Any) -> Array:
    """Return the drawing ``pixels`` as (1, n_features); raise BadInputError naming what is wrong."""
    n = len(data.features)
    if not data.image_shape:
        raise BadInputError(f"draw is for image data; data set {data.info.name!r} is no picture")
    low, high = levels(data)
    if not isinstance(pixels, list) or len(pixels) != n:
        raise BadInputError(f"pixels: allowed: a list of {n} numbers, the image row by row")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pixels):
        raise BadInputError("pixels: allowed: numbers only")
    x = np.asarray(pixels, dtype=np.float64)[None, :]
    if not np.all(np.isfinite(x)) or x.min() < low or x.max() > high:
        raise BadInputError(f"pixels: allowed: grey levels {low:g} .. {high:g}")
    return x


def drawn_forward(data: Dataset, net: Network, x: Array) -> dict[str, Any]:
    """Return the drawing ``x`` (1, n_features)'s forward pass as ``state().selected`` holds it."""
    pred = predict(model_of(data, net), Inputs(x, None))
    return {
        "row": None,
        "drawn": True,
        "inputs": dict(zip(data.features, x[0].tolist(), strict=True)),
        "raw_outputs": pred.Z[0].tolist(),
        "probabilities": pred.P[0].tolist(),
        "prediction": data.classes[int(pred.predicted[0])],
        "true_class": None,
        "explain": row_objects(pred, explain=True)[0],
    }
