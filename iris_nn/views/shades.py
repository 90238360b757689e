"""An image row drawn in text (SPEC 16): ``predict --explain`` and ``backprop`` show the input
as H lines of shade characters before the numbers. numpy only: ``predict`` loads no matplotlib."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SHADES = " .:-=+*#%@"  # from blank to full ink


def shade_lines(x: Sequence[float], shape: tuple[int, int]) -> list[str]:
    """Return the input row ``x`` as ``H`` lines of shade characters, two per pixel.

    The shades run from the row's smallest value (blank) to its largest (``@``), so that the
    picture reads the same whatever the pixels' units.
    """
    pixels = np.asarray(x, dtype=np.float64).reshape(shape)
    finite = pixels[np.isfinite(pixels)]
    low = float(finite.min()) if finite.size else 0.0
    span = float(finite.max()) - low if finite.size else 0.0
    top = len(SHADES) - 1
    if span > 0:
        with np.errstate(invalid="ignore"):
            levels = np.rint((pixels - low) / span * top)
    else:
        levels = np.zeros(shape)
    levels = np.where(np.isfinite(levels), levels, 0).astype(int)
    return ["".join(SHADES[v] * 2 for v in line) for line in np.clip(levels, 0, top)]
