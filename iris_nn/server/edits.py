"""The page's edits to the weights: one weight set by hand, one row's step of backprop taken.

Each function checks what the page sent and changes only ``net``: the session then makes the
edited weights the new start (``Session._restart``), as ``set_weight`` and ``apply_step`` say.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iris_nn.core.errors import BadInputError, CannotUseError
from iris_nn.core.network import Network
from iris_nn.data.prepare import Dataset
from iris_nn.server.views import one_step


def set_weight(net: Network, name: Any, i: Any, j: Any, value: Any) -> None:
    """Set ``W<l>[i, j]`` or ``b<l>[i]`` of ``net`` to ``value``; raise BadInputError if bad."""
    layers = net.n_layers
    allowed = f"allowed: W1..W{layers}, b1..b{layers}"
    if not isinstance(name, str) or len(name) < 2 or name[0] not in "Wb":
        raise BadInputError(f"weight {name!r} is not allowed; {allowed}")
    layer = int(name[1:]) if name[1:].isdigit() else 0
    if not 1 <= layer <= layers:
        raise BadInputError(f"weight {name!r} is not allowed; {allowed}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise BadInputError(f"{name} value {value!r} is not allowed; allowed: a finite number")
    array = net.W(layer) if name[0] == "W" else net.b(layer)
    index = (i, j) if name[0] == "W" else (i,)
    if any(isinstance(k, bool) or not isinstance(k, int) for k in index) or not all(
        0 <= k < size for k, size in zip(index, array.shape, strict=True)
    ):
        shape = " x ".join(str(s) for s in array.shape)
        raise BadInputError(f"{name} index {list(index)} is outside its shape {shape}")
    array[index] = float(value)


def take_step(data: Dataset, net: Network, row: int | None, lr: float, l2: float) -> None:
    """Give ``net`` the weights after row ``row``'s step of backprop (``backprop``'s step)."""
    if row is None:
        raise BadInputError("no row is selected; click a row (select) to take its step")
    s = one_step(data, net, row, lr, l2)
    for i, layer in enumerate(s.layers, 1):
        net.W(i)[...] = layer.W_new
        net.b(i)[...] = layer.b_new


def step_view(data: Dataset, net: Network, row: int, lr: float, l2: float) -> dict[str, Any]:
    """Return row ``row``'s step as ``backprop --format json`` prints it, or the reason it has none."""
    try:
        return one_step(data, net, row, lr, l2).to_dict()
    except (BadInputError, CannotUseError) as e:
        return {"error": str(e)}
