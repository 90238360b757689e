"""The playground on a table with text columns and gaps (SPEC 14, 15), without a browser.

An uploaded CSV with text columns trains; the plane is over numeric inputs only, the other inputs
held at their training median and a text column at its most frequent value; a clicked row shows
its text values beside their encoding.
"""

from collections import Counter

import numpy as np
import pytest
from test_categorical import table
from test_serve import SMALL, Page, client, connect, upload  # skips without Starlette

from iris_nn.experiments.experiment import build_data
from iris_nn.settings.config import Config, apply

HEADER = "island,bill,flipper,sex,species\n"
ISLANDS = ["Biscoe", "Dream", "Torgersen"]


@pytest.fixture(scope="module")
def rows():
    return table(60, seed=5)


def csv_bytes(rows):
    return (HEADER + "".join(",".join(r) + "\n" for r in rows)).encode()


def test_an_uploaded_table_with_text_columns_trains_on_the_page(tmp_path, rows):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        assert page.send(type="set", key="data.missing", value="impute")["error"] is None
        state = upload(page, "penguins.csv", csv_bytes(rows))
        assert state["error"] is None, state["error"]
        assert any("'island' holds text" in n for n in state["notes"])
        assert any("filled missing cells" in n for n in state["notes"])
        features = state["features"]
        assert features[:3] == ["island=Biscoe", "island=Dream", "island=Torgersen"]
        plane = state["plane"]
        assert plane["inputs"] == ["bill", "flipper"]  # the plane's choices: numeric inputs
        assert plane["features"] == ["bill", "flipper"]
        held = [plane["median"][f] for f in features[:3]]
        assert sorted(held) == [0.0, 0.0, 1.0]  # one island held, not a median per 0/1 input
        copy = tmp_path / "same.csv"  # the same table and seed: the page's split
        copy.write_bytes(csv_bytes(rows))
        config = apply(Config(), {**SMALL, "data.dataset": str(copy), "data.missing": "impute"})
        train = build_data(config).split.train
        islands = Counter(rows[i][0] for i in train)
        top = max(sorted(v for v in islands if v in ISLANDS), key=lambda v: islands[v])
        assert held.index(1.0) == ISLANDS.index(top)  # filled cells only add to the top one
        bad = page.send(type="set", key="plots.plane", value=["island=Dream", "bill"])
        assert "is a text column's value, not a number to sweep" in bad["error"]["message"]
        assert bad["plane"]["features"] == ["bill", "flipper"]
        page.send(type="step", epochs=3)
        assert page.state["epoch"] == 3
        row = next(i for i, r in enumerate(rows) if r[0] == "Dream" and r[3] == "male")
        selected = page.send(type="select", row=row)["selected"]
        assert selected["columns"]["island"] == "Dream" and selected["columns"]["sex"] == "male"
        assert selected["columns"]["bill"] == pytest.approx(float(rows[row][1]))
        encoded = selected["explain"]["inputs"]
        assert encoded["island=Dream"] == 1 and encoded["island=Biscoe"] == 0
        assert encoded["sex=male"] == 1 and encoded["sex=female"] == 0


def test_a_filled_cell_shows_the_value_it_took(tmp_path, rows):
    gap = next(i for i, r in enumerate(rows) if r[0].strip() in ("", "NA", "?", "nan", "None"))
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        page.send(type="set", key="data.missing", value="impute")
        upload(page, "p.csv", csv_bytes(rows))
        selected = page.send(type="select", row=gap)["selected"]
        fill = next(n for n in page.state["notes"] if "filled missing cells" in n)
        assert "island: " in fill and f"(with '{selected['columns']['island']}')" in fill
        assert np.isclose(sum(selected["explain"]["inputs"][f"island={v}"]
                              for v in ("Biscoe", "Dream", "Torgersen")), 1.0)  # fmt: skip
