"""A 28 x 28 handwritten-digit table as users bring it (``label``, ``pixel0`` .. ``pixel783``),
made from scikit-learn's 8 x 8 digits upsampled (bilinear) to 28 x 28 grey levels 0 .. 255."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SIDE = 28


def digits28(rows: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Return the first ``rows`` digits (the classes take turns) as (rows, 784) grey levels 0..255
    and their labels."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = bunch.images[:rows]  # (rows, 8, 8), levels 0..16
    big = np.stack([zoom(image, SIDE / 8, order=1) for image in images])  # (rows, 28, 28)
    pixels = np.clip(np.rint(big * 255 / 16), 0, 255).astype(np.int64)
    return pixels.reshape(len(images), SIDE * SIDE), bunch.target[:rows]


def write_digits28(path: Path, rows: int = 300) -> Path:
    """Write the table to ``path`` as a CSV and return the path."""
    X, y = digits28(rows)
    header = "label," + ",".join(f"pixel{k}" for k in range(SIDE * SIDE))
    lines = [header] + [f"{label}," + ",".join(map(str, x)) for x, label in zip(X, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path
