"""plots.style (SPEC 17): talk and dark figures 1920 px wide with no text under 14 pt, thicker
lines, the GIF at least 1280 px wide, the report's base font at least 20 px; dark text at 4.5:1
and lines and markers at 3:1 against the ground (WCAG's ratios, computed from the colours drawn)."""

import io
import re
import tomllib

import numpy as np
import pytest
from conftest import ok
from matplotlib.collections import Collection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image
from textcheck import text_problems, texts_drawn

from iris_nn.settings.config import ConfigError, load
from iris_nn.settings.schema import PLOT_STYLES
from iris_nn.views import presentation as pr
from iris_nn.views.animation import render_animation
from iris_nn.views.figures import FIGURES, figures_for, load_view
from iris_nn.views.report import DARK_STYLE, page_style
from iris_nn.views.style import png_bytes


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Return the default run (3000 epochs, as the README shows it) and the lesson's run, without
    figures (the tests draw them in the style they check)."""
    out = tmp_path_factory.mktemp("styles")
    default = ok("train", "--out", out, "--name", "default", "-q", "--no-plots")
    lesson = ok("train", "-c", "configs/lesson.toml", "--out", out, "--name", "lesson", "-q",
                "--no-plots")  # fmt: skip
    return {"default": default.strip(), "lesson": lesson.strip()}


@pytest.fixture(scope="module")
def rendered(trained):
    """Return a function giving, for a run and a style, every figure restyled as the report does,
    each rendered once as a PNG: ``(spec, figure, its PNG's size, the texts the PNG drew)``.
    A figure at 1920 px takes a second to render: the size and text tests share the renderings."""
    done = {}

    def get(run, style):
        if (run, style) not in done:
            view = load_view(trained[run], style=style)
            figures = []
            for spec in figures_for(view):  # tables here: the sweeps, not the pictures
                fig = pr.present(spec.draw(view), pr.get_style(style), spec.fit)
                with texts_drawn(fig) as texts:
                    png = png_bytes(fig)
                with Image.open(io.BytesIO(png)) as im:
                    figures.append((spec, fig, im.size, texts))
            done[run, style] = figures
        return done[run, style]

    return get


def test_contrast_ratios_by_hand():
    assert pr.contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert pr.contrast("#123456", "#123456") == pytest.approx(1.0)
    # WCAG's own example: #777777 on white is just under 4.5 (4.48)
    assert pr.contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    lifted = pr.lifted("#332288", "#121212", 3.0)  # indigo on the dark ground, raised to 3:1
    assert 3.0 <= pr.contrast(lifted, "#121212") < 3.3


def test_the_styles_are_the_configs_names_and_a_bad_one_is_refused():
    assert tuple(pr.STYLES) == PLOT_STYLES
    with pytest.raises(ConfigError, match=r"plots.style.*'neon'.*paper, talk, dark"):
        load(None, (), {"plots.style": "neon"})
    with open("configs/default.toml", "rb") as f:
        assert tomllib.load(f)["plots"]["style"] == "paper"


def legends_on_tick_labels(fig):
    """Return the tick labels that an axes' legend (its lines and markers too) sits on."""
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        labels = ax.get_yticklabels() + ax.get_yticklabels(minor=True) + ax.get_xticklabels()
        found += [
            t.get_text()
            for t in labels
            if t.get_text() and t.get_window_extent(renderer).overlaps(box)
        ]
    return found


# dark is talk's layout on a dark ground: the everyday run renders the lesson's run in dark (the
# contrast tests need it too); the other renderings (seconds each at 1920 px) run with the slow tests
SLOW_DEFAULT = pytest.param("default", marks=pytest.mark.slow)


@pytest.mark.parametrize("style", [pytest.param("talk", marks=pytest.mark.slow), "dark"])
@pytest.mark.parametrize("run", [SLOW_DEFAULT, "lesson"])
def test_every_figure_is_1920_pixels_wide_with_text_of_14_pt_or_more(rendered, run, style):
    smallest = {}
    for spec, fig, size, texts in rendered(run, style):
        assert size[0] == 1920, spec.name
        smallest[spec.name] = min(t.get_fontsize() for t in texts)
        assert text_problems(fig, texts) == [], spec.name
        assert legends_on_tick_labels(fig) == [], spec.name
    # every figure, node_surfaces.png too (laid out for the room: 3 panels a line, not scaled)
    assert (
        len(smallest) == len([f for f in FIGURES if f.data != "images"])
        and min(smallest.values()) >= 14
    ), smallest


def colours_against_ground(fig, drawn, ground):
    """Return (text colours, line and marker colours) drawn on ``fig``, blended over ``ground``
    (``drawn``: the texts its rendering drew); a text's colour comes with what it is written on
    (a light cell of a matrix, or ``ground``)."""
    dark = pr.STYLES["dark"]
    texts = [
        (pr.over(t.get_color(), under), under)
        for t in drawn
        for under in [pr.text_ground(t, dark) if ground == dark.background else ground]
    ]
    marks = []
    grid = {id(g) for ax in fig.axes for g in ax.xaxis.get_gridlines() + ax.yaxis.get_gridlines()}
    for line in fig.findobj(Line2D):
        if id(line) in grid:
            continue  # a grid is a faint guide, not a line of the data
        if not line.get_visible() or not len(line.get_xdata()) or line.get_alpha() == 0:
            continue
        alpha = line.get_alpha() if line.get_alpha() is not None else 1.0
        if line.get_linestyle() not in ("None", "", " ") and line.get_linewidth() > 0:
            marks.append(pr.over(to_rgba(line.get_color(), alpha), ground))
        if line.get_marker() not in ("None", "", " ", None):
            for c in (line.get_markerfacecolor(), line.get_markeredgecolor()):
                if to_rgba(c)[3] > 0:
                    marks.append(pr.over(to_rgba(c, alpha), ground))
    for coll in fig.findobj(Collection):
        if not coll.get_visible() or coll.get_array() is not None:
            continue  # colours mapped from data (a colour scale) are the data
        if np.asarray(coll.get_linewidth()).max(initial=0) > 0:
            marks += [pr.over(tuple(c), ground) for c in coll.get_edgecolor() if c[3] >= 0.5]
        marks += [
            pr.over(tuple(c), ground)
            for c in coll.get_facecolor()
            if c[3] >= 0.5 and pr.luminance(tuple(c)) != pr.luminance(ground)
        ]
    for patch in fig.findobj(Patch):
        edge = to_rgba(patch.get_edgecolor())
        if patch.get_visible() and patch.get_linewidth() > 0 and edge[3] >= 0.5:
            marks.append(pr.over(edge, ground))
    return texts, marks


@pytest.mark.parametrize("run", [SLOW_DEFAULT, "lesson"])
def test_dark_text_and_marks_stand_out_from_the_ground(rendered, run):
    ground = pr.STYLES["dark"].background
    for spec, fig, _, drawn in rendered(run, "dark"):
        assert pr.contrast(fig.get_facecolor(), ground) == pytest.approx(1.0)
        texts, marks = colours_against_ground(fig, drawn, ground)
        low_text = sorted({(c, under) for c, under in texts if pr.contrast(c, under) < 4.5})
        low_marks = sorted({c for c in marks if pr.contrast(c, ground) < 3.0})
        assert texts and marks and low_text == [] and low_marks == [], spec.name


@pytest.mark.parametrize("style", ["talk", "dark"])
def test_the_animation_is_at_least_1280_pixels_wide(trained, style):
    view = load_view(trained["lesson"], style=style)
    with Image.open(render_animation(trained["lesson"], view=view)) as gif:
        assert gif.size[0] >= 1280
        gif.seek(0)
        frame = gif.convert("RGB")
    # the moving parts (the regions, the bars, the heading) are on the frame, not only the still
    # ones: the ground covers about 3/4 of it (it covered 95% when they were drawn elsewhere)
    ground = max(frame.getcolors(frame.size[0] * frame.size[1]))[0]
    assert ground / (frame.size[0] * frame.size[1]) < 0.85


def test_the_reports_base_font_and_colours():
    for style in ("talk", "dark"):
        css = page_style(style)
        sizes = [int(px) for px in re.findall(r"body \{[^}]*font-size: (\d+)px", css)]
        assert sizes and sizes[-1] >= 20
    # every text colour of the dark page against the grounds it is written on
    colours = re.findall(r"(?<![-\w])color: (#\w{6})", DARK_STYLE)
    assert len(colours) >= 4
    for ground in ("#121212", "#1E1E1E"):  # the page, and a code block
        assert min(pr.contrast(c, ground) for c in colours) >= 4.5
    assert re.search(r"body \{ font: 15px", page_style("paper"))


@pytest.mark.slow  # draws every figure twice, once at 1920 px: seconds
def test_plot_style_redraws_once_and_the_config_keeps_its_own(trained, tmp_path):
    import shutil

    run_dir = tmp_path / "lesson"
    shutil.copytree(trained["lesson"], run_dir)
    config = (run_dir / "config.toml").read_text()
    ok("plot", "--style", "talk", run_dir)
    with Image.open(run_dir / "plots" / "loss.png") as im:
        assert im.size[0] == 1920
    assert "font-size: 20px" in (run_dir / "report.html").read_text()
    assert (run_dir / "config.toml").read_text() == config  # still plots.style = "paper"
    ok("plot", run_dir)
    with Image.open(run_dir / "plots" / "loss.png") as im:
        assert im.size[0] < 1920
