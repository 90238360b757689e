"""Figures for a room: ``plots.style`` = ``paper`` (as drawn), ``talk`` or ``dark`` (SPEC 17).

A figure is drawn once, for print; ``present`` then restyles it in place for a projector: 1920
pixels wide at 150 dpi, every text at least 14 pt (paper's 7 pt smallest text becomes 14 pt and
larger text grows by 1.5 pt a point, so a title still stands above the labels), lines and markers
thicker. ``dark`` is ``talk`` on a dark
ground: every text colour brought to a contrast of at least 4.5:1 against it and every line and
marker to 3:1 (WCAG 2's ratios of relative luminance), by mixing the colour with white only as
much as it needs, so the classes keep their hues.

Figures laid out by matplotlib (``layout="constrained"``) lay themselves out again around the
larger text; the figures that place every piece themselves in inches (the network, the node
surfaces) take the same style as a parameter and lay out for it.
"""

from __future__ import annotations

import itertools
import textwrap
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection, PatchCollection
from matplotlib.colors import to_hex, to_rgba
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from iris_nn.settings.schema import PLOT_STYLES
from iris_nn.views.style import DPI


@dataclass(frozen=True)
class PlotStyle:
    """How figures, the animation and the report look in one ``plots.style``."""

    name: str
    width_px: int | None  # every figure this wide at 150 dpi; None: as drawn
    min_font: float  # the smallest text, points: paper's 7 pt becomes this, larger text grows
    font_growth: float  # ... by this many points per point it had above 7
    line_scale: float  # line widths times this
    marker_scale: float  # marker sizes (diameter) times this
    background: str
    foreground: str  # text, axes, ticks
    gif_width_px: int  # the animation's frames at least this wide
    report_font_px: int  # the report's base font size
    dark: bool = False


STYLES: dict[str, PlotStyle] = {
    "paper": PlotStyle("paper", None, 7.0, 1.0, 1.0, 1.0, "#FFFFFF", "#000000", 880, 15),
    "talk": PlotStyle("talk", 1920, 14.0, 1.5, 2.0, 1.7, "#FFFFFF", "#000000", 1280, 20),
    "dark": PlotStyle("dark", 1920, 14.0, 1.5, 2.0, 1.7, "#121212", "#F0F0F0", 1280, 20, True),
}
assert tuple(STYLES) == PLOT_STYLES  # the config's names, one registry


def get_style(name: str) -> PlotStyle:
    """Return the style named ``name`` (a ``plots.style`` value, checked by the config)."""
    return STYLES[name]


# ----------------------------------------------------------------------------- contrast


def luminance(colour: object) -> float:
    """Return WCAG 2's relative luminance of a colour (alpha ignored): 0 black .. 1 white."""
    rgb: np.ndarray = np.asarray(to_rgba(colour)[:3])  # type: ignore[arg-type]
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a: object, b: object) -> float:
    """Return WCAG 2's contrast ratio of two colours, 1 (none) .. 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def over(colour: object, background: str) -> str:
    """Return ``colour`` as seen over ``background``: its alpha blended in."""
    r, g, b, a = to_rgba(colour)  # type: ignore[arg-type]
    bg = np.asarray(to_rgba(background)[:3])
    return to_hex(tuple(np.array([r, g, b]) * a + bg * (1 - a)))


def lifted(colour: object, background: str, ratio: float) -> str:
    """Return ``colour`` (opaque, over ``background``) mixed with white just enough to stand at
    ``ratio`` or more against a dark ``background``; as it is when it already does."""
    seen = np.asarray(to_rgba(over(colour, background))[:3])
    for t in np.linspace(0.0, 1.0, 101):
        mixed = to_hex(tuple(seen + (1.0 - seen) * t))
        if contrast(mixed, background) >= ratio:
            return mixed
    return "#FFFFFF"


# ----------------------------------------------------------------------------- restyling


def _texts(fig: Figure) -> list[Text]:
    return [a for a in fig.findobj(Text) if isinstance(a, Text)]


def _ground(artist: Artist, style: PlotStyle) -> str:
    """Return the colour behind ``artist``: its axes' face when that is opaque, else the page's."""
    ax = artist.axes
    if ax is not None and ax.patch.get_visible() and ax.patch.get_alpha() in (None, 1.0):
        return to_hex(ax.patch.get_facecolor())
    return style.background


def text_ground(text: Text, style: PlotStyle) -> str:
    """Return the colour behind ``text``: the image cell it is written on (a confusion matrix's
    count), else its axes' face or the page (``_ground``)."""
    ax = text.axes
    if ax is not None and text.get_transform() == ax.transData:
        x, y = text.get_position()
        for image in ax.get_images():
            A = image.get_array()
            if A is None or np.ndim(A) != 2:
                continue
            left, right, bottom, top = image.get_extent()
            fx, fy = (x - left) / (right - left), (y - bottom) / (top - bottom)
            if 0 <= fx < 1 and 0 <= fy < 1:
                rows, cols = np.shape(A)
                row = int((fy if image.origin == "lower" else 1 - fy) * rows)
                cell = image.to_rgba(A[min(row, rows - 1), int(fx * cols)])
                return over(cell, _ground(text, style))
    return _ground(text, style)


def _recolour(fig: Figure, style: PlotStyle) -> None:
    """Bring the figure onto the dark ground: pale faces darken, every text and mark is lifted."""
    fig.patch.set_facecolor(style.background)
    for ax in fig.axes:
        if luminance(ax.patch.get_facecolor()) > 0.5:
            ax.patch.set_facecolor(style.background)
        for spine in ax.spines.values():
            spine.set_edgecolor(lifted(spine.get_edgecolor(), style.background, 3.0))
        ax.tick_params(colors=style.foreground, which="both")
    for legend in fig.findobj(Legend):
        assert isinstance(legend, Legend)
        legend.get_frame().set_facecolor(style.background)
    for text in _texts(fig):
        r, g, b, _ = to_rgba(text.get_color())
        neutral = max(r, g, b) - min(r, g, b) < 0.1  # black or grey text: the page's own
        ground = text_ground(text, style)
        if neutral:  # the page's light text, or dark where it is written on a light cell
            light = contrast(style.foreground, ground) >= contrast(style.background, ground)
            text.set_color(style.foreground if light else style.background)
        else:
            text.set_color(lifted(text.get_color(), ground, 4.5))
        box = text.get_bbox_patch()
        if box is not None and luminance(box.get_facecolor()) > 0.5:
            box.set_facecolor(style.background)
    for line in fig.findobj(Line2D):
        assert isinstance(line, Line2D)
        ground = _ground(line, style)
        line.set_color(lifted(line.get_color(), ground, 3.0))
        for get, put in (
            (line.get_markerfacecolor, line.set_markerfacecolor),
            (line.get_markeredgecolor, line.set_markeredgecolor),
        ):
            if to_rgba(get())[3] > 0:
                put(lifted(get(), ground, 3.0))
    for coll in fig.findobj(Collection):
        assert isinstance(coll, Collection)
        ground = _ground(coll, style)
        faces, edges = np.asarray(coll.get_facecolor()), np.asarray(coll.get_edgecolor())
        if len(edges) and np.asarray(coll.get_linewidth()).max(initial=0) > 0:
            coll.set_edgecolor([lifted(tuple(c), ground, 3.0) for c in edges])
            if (coll.get_alpha() or 1.0) >= 0.5:
                coll.set_alpha(None)  # the lifted colours have the alpha folded in
        if len(faces) and coll.get_array() is None:  # a mapped colour is data: kept
            # a mark (a scatter point) is lifted, a pale box behind text becomes the ground, a
            # light shade (alpha under 0.5: a band, a region) is left as it is
            coll.set_facecolor(
                [
                    tuple(c)
                    if c[3] < 0.5
                    else style.background
                    if luminance(tuple(c)) > 0.8 and isinstance(coll, PatchCollection)
                    else lifted(tuple(c), ground, 3.0)
                    for c in faces
                ]
            )
    for patch in fig.findobj(Patch):
        assert isinstance(patch, Patch)
        if patch is fig.patch or any(patch is ax.patch for ax in fig.axes):
            continue
        face, edge = to_rgba(patch.get_facecolor()), to_rgba(patch.get_edgecolor())
        if face[3] > 0 and luminance(face) > 0.8:
            patch.set_facecolor(style.background)  # a pale box (SoftMax's) becomes the ground
        if edge[3] > 0 and patch.get_linewidth() > 0:
            patch.set_edgecolor(lifted(edge, _ground(patch, style), 3.0))


def _scale_marks(fig: Figure, style: PlotStyle) -> None:
    """Make lines and markers thicker (``line_scale``, ``marker_scale``)."""
    for line in fig.findobj(Line2D):
        assert isinstance(line, Line2D)
        line.set_linewidth(line.get_linewidth() * style.line_scale)
        line.set_markersize(line.get_markersize() * style.marker_scale)
    for coll in fig.findobj(Collection):
        assert isinstance(coll, Collection)
        coll.set_linewidth(list(np.asarray(coll.get_linewidth()) * style.line_scale))
        sizes = coll.get_sizes() if hasattr(coll, "get_sizes") else None
        if sizes is not None and len(sizes):
            coll.set_sizes(np.asarray(sizes) * style.marker_scale**2)  # type: ignore[attr-defined]
    for patch in fig.findobj(Patch):
        assert isinstance(patch, Patch)
        if patch is not fig.patch:
            patch.set_linewidth(patch.get_linewidth() * style.line_scale)


def font_size(points: float, style: PlotStyle) -> float:
    """Return the size in ``style`` of text drawn at ``points`` for paper."""
    return style.min_font + max(points - 7.0, 0.0) * style.font_growth


FITS = ("relayout", "native")  # how a figure takes a style: see ``present``


def present(fig: Figure, style: PlotStyle, fit: str = "relayout") -> Figure:
    """Restyle ``fig`` in place for ``style`` and return it; ``paper`` leaves it as drawn.

    The figure is made ``width_px`` wide at 150 dpi. How its text and lines follow, by ``fit``:

    - ``relayout`` (a figure laid out by matplotlib): a third taller than in proportion, its text
      grown (``font_size``), lines and markers thicker; constrained layout makes room.
    - ``native``: the figure was drawn for the style already (it places every piece itself, in
      inches); only its size (and the dark ground's colours) change.
    """
    if style.name == "paper":
        return fig
    if style.width_px is not None:
        w, h = fig.get_size_inches()
        scale = style.width_px / DPI / w
        fig.set_size_inches(w * scale, h * scale * (4 / 3 if fit == "relayout" else 1.0))
    if fit == "relayout":
        ticks: set[int] = set()
        for ax in fig.axes:
            ticks |= _scale_ticks(ax, style)
        for text in _texts(fig):
            if id(text) not in ticks:
                text.set_fontsize(font_size(float(text.get_fontsize()), style))
        _scale_marks(fig, style)
        for ax in fig.axes:  # a legend placed for paper may sit on a curve at the new sizes
            legend = ax.get_legend()
            if legend is not None:
                legend.set_loc("best")
        _untangle(fig)
    if style.dark:
        _recolour(fig, style)  # images keep their colours: they are the data
    return fig


def _untangle(fig: Figure) -> None:
    """Make room for grown text where constrained layout cannot: an axes title wider than its
    axes is wrapped to it, class names crowding under narrow panels are turned upright, and a legend
    that sits on a tick label moves to the right-hand side, or under the figure when it sits on
    one wherever it goes."""
    # the figure's own canvas when it has one: the animation blits on it, and a new canvas would
    # take the figure from it (its frames would then show only the still parts)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    for _ in range(2):  # the layout moves once the text changes: look again
        canvas.draw()
        renderer = canvas.get_renderer()
        for ax in fig.axes:
            width = ax.get_window_extent(renderer).width
            for heading in (ax.title, ax._left_title, ax._right_title):  # type: ignore[attr-defined]
                shown = heading.get_text()
                wide = heading.get_window_extent(renderer).width
                if shown and wide > width:
                    longest = max(len(line) for line in shown.splitlines())
                    chars = max(12, int(longest * width / wide))
                    heading.set_text("\n".join(textwrap.wrap(" ".join(shown.split()), chars)))
                top = heading.get_window_extent(renderer) if heading.get_text() else None
                if top is not None and any(
                    t.get_window_extent(renderer).overlaps(top) for t in ax.texts if t.get_text()
                ):  # a value written above a bar reaches the title: more room on top
                    lo, hi = ax.get_ylim()
                    ax.set_ylim(lo, hi + 0.15 * (hi - lo))
            labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            if any(a.x1 > b.x0 for a, b in itertools.pairwise(boxes)):
                for t in labels:  # upright: tilted labels' boxes would still touch
                    t.set_rotation(90)
            legend = ax.get_legend()
            ticks = [
                t.get_window_extent(renderer)
                for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True)
                if t.get_text()
            ]
            for place in ("upper right", "center right", "lower right", "lower center"):
                if legend is None or not any(
                    legend.get_window_extent(renderer).overlaps(b) for b in ticks
                ):
                    break
                legend.set_loc(place)
                canvas.draw()  # the legend is placed when drawn
            if legend is not None and any(
                legend.get_window_extent(renderer).overlaps(b) for b in ticks
            ):  # as wide as its axes, it sits on a tick label anywhere: under the figure instead
                texts = legend.get_texts()
                pairs = [
                    (h, t.get_text()) for h, t in zip(legend.legend_handles, texts, strict=True)
                ]
                legend.remove()
                fig.legend(
                    [h for h, _ in pairs if h is not None],
                    [name for h, name in pairs if h is not None],
                    loc="outside lower center",
                    fontsize=texts[0].get_fontsize(),
                    frameon=False,
                )


def _scale_ticks(ax: Axes, style: PlotStyle) -> set[int]:
    """Make the axes' ticks and their labels as large as ``style`` calls for; return the ids of
    the tick labels (restyled here, not with the other text)."""
    labels: set[int] = set()
    for axis in (ax.xaxis, ax.yaxis):
        for which in ("major", "minor"):
            ticks = axis.get_major_ticks() if which == "major" else axis.get_minor_ticks()
            if ticks:
                t = ticks[0]
                axis.set_tick_params(
                    which=which,
                    length=t.tick1line.get_markersize() * style.marker_scale,
                    width=t.tick1line.get_markeredgewidth() * style.line_scale,
                    labelsize=font_size(float(t.label1.get_fontsize()), style),
                )
                labels |= {id(x) for tick in ticks for x in (tick.label1, tick.label2)}
    return labels
