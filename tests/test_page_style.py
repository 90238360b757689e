"""plots.style on the page (SPEC 17): the run's setting chosen on the page restyles it without
touching training; talk's base font is 20 px or more; dark's text stands at 4.5:1 and its lines at
3:1 against the grounds they sit on, computed from the colours room.css actually declares."""

import re
from pathlib import Path

import numpy as np
from test_serve import Page, client, connect, weights

from iris_nn.views.presentation import contrast

STATIC = Path(__file__).resolve().parents[1] / "iris_nn" / "server" / "static"
ROOM = (STATIC / "room.css").read_text()


def rules(style):
    """Return {property: [values]} of the rules whose selectors name ``style``."""
    found: dict[str, list[str]] = {}
    for selectors, body in re.findall(
        r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", ROOM, flags=re.S)
    ):
        if f'data-style="{style}"' in selectors:
            for prop, value in re.findall(r"([\w-]+)\s*:\s*([^;]+);", body):
                found.setdefault(prop, []).append(value.strip())
    return found


def test_talk_and_dark_set_a_base_font_of_20_px_or_more():
    for style in ("talk", "dark"):
        sizes = [int(v[:-2]) for v in rules(style)["font-size"] if v.endswith("px")]
        assert sizes and min(sizes[:2]) >= 20  # the root (every rem) and the body
    assert 'data-style="paper"' not in ROOM  # paper is the page as it was


def test_dark_text_and_lines_stand_out_from_their_grounds():
    dark = rules("dark")
    grounds = dark["background"]  # the page, and the header and settings panels
    texts = dark["color"]
    lines = [v for p, vs in dark.items() if p.startswith("border") for v in vs]
    assert len(grounds) >= 2 and len(texts) >= 5 and len(lines) >= 3
    for ground in grounds:
        assert min(contrast(c, ground) for c in texts) >= 4.5, ground
        assert min(contrast(c, ground) for c in lines) >= 3.0, ground
    # the page's light cards (drawings) stand apart from the dark ground too
    assert contrast("#FFFFFF", grounds[0]) >= 3.0


def test_the_page_loads_room_css_and_takes_the_runs_style():
    assert 'href="static/room.css' in (STATIC / "index.html").read_text()
    main = (STATIC / "main.js").read_text()
    assert 'dataset.style = state.settings["plots.style"]' in main


def test_choosing_a_style_on_the_page_leaves_training_alone(tmp_path):
    c = client(tmp_path)
    assert c.get("/static/room.css").headers["content-type"].startswith("text/css")
    with connect(c) as ws:
        page = Page(ws)
        assert any(e["key"] == "plots.style" for e in page.controls["controls"])
        before = page.send(type="step", epochs=3)
        after = page.send(type="set", key="plots.style", value="dark")
        assert after["error"] is None and after["settings"]["plots.style"] == "dark"
        assert after["epoch"] == before["epoch"] == 3
        for name, value in weights(before).items():
            np.testing.assert_array_equal(weights(after)[name], value)
        assert page.send(type="set", key="plots.style", value="neon")["error"] is not None


def test_every_text_colour_of_the_page_is_set_again_for_dark():
    page = (STATIC / "page.css").read_text()
    coloured = {
        sel.strip()
        for sels, body in re.findall(r"([^{}]+)\{([^}]*)\}", page)
        if re.search(r"(?<![-\w])color:", body)
        for sel in sels.split(",")
    }
    dark = {
        sel.strip().removeprefix(':root[data-style="dark"]').strip()
        for sels, body in re.findall(r"([^{}]+)\{([^}]*)\}", ROOM)
        if re.search(r"(?<![-\w])color:", body)
        for sel in sels.split(",")
    }
    own_ground = {"button.on"}  # white on its own blue
    assert coloured - own_ground - dark == set()
