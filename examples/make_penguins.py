"""Write ``penguins_made_up.csv``: a small made-up penguin-like table with text columns and gaps.

Nothing here is real data: three species with bill, flipper and mass measurements drawn around
made-up means, an ``island`` and a ``sex`` column of text, and a few cells left empty or ``NA``, so
that training shows text inputs (``island=Biscoe``) and missing cells filled from the training
rows. Run ``python examples/make_penguins.py`` to write it again (the seed fixes every cell).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SPECIES = {  # bill length (mm), flipper length (mm), body mass (g), islands it lives on
    "Adelie": (38.8, 190.0, 3700.0, ("Biscoe", "Dream", "Torgersen")),
    "Chinstrap": (48.8, 196.0, 3730.0, ("Dream",)),
    "Gentoo": (47.5, 217.0, 5080.0, ("Biscoe",)),
}
ROWS_PER_SPECIES = 40


def rows(seed: int = 0) -> list[list[str]]:
    """Return the table's rows (header first), every cell as text."""
    rng = np.random.default_rng(seed)
    out = [["species", "island", "bill_length_mm", "flipper_length_mm", "body_mass_g", "sex"]]
    for name, (bill, flipper, mass, islands) in SPECIES.items():
        for _ in range(ROWS_PER_SPECIES):
            out.append(
                [
                    name,
                    str(rng.choice(islands)),
                    f"{rng.normal(bill, 2.5):.1f}",
                    f"{rng.normal(flipper, 6.0):.0f}",
                    f"{rng.normal(mass, 350.0):.0f}",
                    str(rng.choice(["female", "male"])),
                ]
            )
    for k, gap in zip(
        rng.choice(np.arange(1, len(out)), 8, replace=False), ["", "NA"] * 4, strict=False
    ):
        out[k][int(rng.choice([2, 4, 5]))] = gap  # a few cells of the measurements and of sex
    return out


if __name__ == "__main__":
    path = Path(__file__).with_name("penguins_made_up.csv")
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows())
    print(f"wrote {path}")
