"""Shared drawing kit of the chart figures: palette, type sizes, measured text, reusable sheets.

In:  a ``Style`` (colours, chart font size) and the words of a chart.
Out: ``Palette``, ``Sizes`` and ``Options`` (the style turned into matplotlib-ready values;
     no chart text under ``MIN_TEXT``), ``Frame`` (title and source, wrapped), value axes
     drawn as plain lines and texts, and ``Sheet``: one per chart type, collecting a chart's
     primitives (shapes, segments, lines, markers, texts) and recording them into a
     ``VectorDrawing`` op for op as matplotlib draws them, without drawing (matplotlib's own
     drawing of the same figure is the tested reference). Text measurement and wrapping live
     in ``_text``, legends and change marks in ``_legend``.

Everything here works in PDF points with the origin at the bottom-left corner (the figures are
drawn at 72 dpi, where matplotlib's display units are points). Positions are computed from
measured text, never by ``tight_layout``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from matplotlib.path import Path
from matplotlib.transforms import (
    Affine2D,
    Bbox,
    BboxTransformFrom,
    BboxTransformTo,
    IdentityTransform,
    TransformedBbox,
    TransformWrapper,
)

from reportgen.charts._primitives import BOLD, DPI, REGULAR, segments, text_layout
from reportgen.charts._text import (
    ASCENT,
    DESCENT,
    baseline_for_centre,
    line_height,
    wrap,
)
from reportgen.model import ChartTexts
from reportgen.style import BAND_NAMES, BandName, Style
from reportgen.vector import Op, PathOp, PathSegment, TextOp, VectorDrawing

if TYPE_CHECKING:  # (matplotlib's figures and artists: imported only to draw, see Sheet)
    from matplotlib.axes import Axes
    from matplotlib.collections import LineCollection, PathCollection, PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.text import Text

RGB = tuple[float, float, float]
HAlign = Literal["left", "center", "right"]


MIN_TEXT = 7.0
"""No chart text is set smaller than this (points): the house style's floor."""


_IDENTITY = IdentityTransform()


# --- the style, ready for matplotlib ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Palette:
    """The style's named colours as RGB tuples (components 0..1).

    ``band`` are the solid band colours (marks of a band), ``tint`` the light band tints
    (shading behind data); ``highlight`` is this country among others.
    """

    text: RGB
    muted: RGB
    accent: RGB
    rule: RGB
    highlight: RGB
    others: RGB
    global_best: RGB
    female: RGB
    male: RGB
    band: dict[BandName, RGB]
    tint: dict[BandName, RGB]

    def key(self) -> tuple[object, ...]:
        """A hashable value equal for equal palettes (for caches)."""
        return (
            self.text,
            self.muted,
            self.accent,
            self.rule,
            self.highlight,
            self.others,
            self.global_best,
            self.female,
            self.male,
            tuple(sorted(self.band.items())),
            tuple(sorted(self.tint.items())),
        )

    @staticmethod
    def of(style: Style) -> Palette:
        """Style → palette."""
        c = style.colors
        return Palette(
            text=c.text.rgb,
            muted=c.muted.rgb,
            accent=c.accent.rgb,
            rule=c.rule.rgb,
            highlight=c.highlight.rgb,
            others=c.others.rgb,
            global_best=c.global_best.rgb,
            female=c.female.rgb,
            male=c.male.rgb,
            band={b: c.band[b].rgb for b in BAND_NAMES},
            tint={b: c.band_tint[b].rgb for b in BAND_NAMES},
        )


@dataclass(frozen=True, slots=True)
class Options:
    """The style's chart switches (``[charts]``)."""

    word_cloud: bool = False

    @staticmethod
    def of(style: Style) -> Options:
        """Style → options."""
        return Options(word_cloud=style.charts.word_cloud)


@dataclass(frozen=True, slots=True)
class Sizes:
    """Type sizes in points, all derived from the style's chart size."""

    label: float  # row labels, panel titles, legends
    title: float  # the chart's title, bold
    tick: float  # axis tick labels
    value: float  # value labels at marks
    small: float  # band names
    source: float  # the source line

    @staticmethod
    def of(style: Style) -> Sizes:
        """Style → sizes (the title slightly larger than the chart size, notes smaller, none
        under ``MIN_TEXT``)."""
        base = style.fonts.chart_size

        def size(factor: float) -> float:
            return max(round(base * factor, 2), MIN_TEXT)

        return Sizes(
            label=size(1.0),
            title=size(1.2),
            tick=size(0.9),
            value=size(0.9),
            small=size(0.85),
            source=size(0.85),
        )


# --- the reusable figure ----------------------------------------------------------------------

Segment = tuple[tuple[float, float], tuple[float, float]]
RGBA = tuple[float, float, float, float]


def _rgba(color: RGB, alpha: float) -> RGBA:
    return (color[0], color[1], color[2], float(alpha))


@functools.lru_cache(maxsize=64)
def _marker_path(marker: str, diameter: float) -> Path:
    """A marker outline of ``diameter`` points centred on the origin: "o", "<" or ">"."""
    r = diameter / 2
    if marker == "o":
        unit = Path.unit_circle()
        return Path(np.asarray(unit.vertices, dtype=float) * r, unit.codes)
    # An isosceles triangle pointing left or right (a clipped end), as wide as it is tall.
    tip = -r if marker == "<" else r
    return Path(
        [(tip, 0.0), (-tip, r * 0.9), (-tip, -r * 0.9), (tip, 0.0)],
        [Path.MOVETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY],
    )


class _Layer:
    """Shapes, segments and markers collected for one chart (and, once its sheet is drawn by
    matplotlib, the persistent artists they are flushed into: ``attach``)."""

    def __init__(self, with_markers: bool) -> None:
        self.with_markers = with_markers
        self.polys: PolyCollection | None = None
        self.segs: LineCollection | None = None
        self.marks: PathCollection | None = None
        self.clear()

    def attach(self, ax: Axes) -> None:
        """Create the layer's artists on ``ax``, into which ``flush`` puts the primitives."""
        from matplotlib.collections import LineCollection, PathCollection, PolyCollection

        self.polys = PolyCollection([], linewidths=0.0, edgecolors="none", zorder=1.0)
        self.segs = LineCollection([], zorder=2.0)
        self.segs.set_capstyle("butt")
        ax.add_collection(self.polys, autolim=False)
        ax.add_collection(self.segs, autolim=False)
        if self.with_markers:
            self.marks = PathCollection(
                [],
                offsets=np.zeros((0, 2)),
                offset_transform=ax.transData,
                # An affine (not IdentityTransform): matplotlib translates it per marker.
                transform=Affine2D(),
                linewidths=0.0,
                edgecolors="none",
                zorder=3.0,
            )
            ax.add_collection(self.marks, autolim=False)
        for artist in (self.polys, self.segs, self.marks):
            if artist is not None:
                artist.set_clip_on(False)

    def clear(self) -> None:
        self.poly_verts: list[list[tuple[float, float]]] = []
        self.poly_colors: list[RGBA] = []
        self.seg_list: list[Segment] = []
        self.seg_colors: list[RGBA] = []
        self.seg_widths: list[float] = []
        self.mark_paths: list[Path] = []
        self.mark_offsets: list[tuple[float, float]] = []
        self.mark_colors: list[RGBA] = []
        self.poly_tags: list[object] = []
        self.seg_tags: list[object] = []
        self.mark_tags: list[object] = []

    def flush(self) -> None:
        assert self.polys is not None and self.segs is not None, "attach() first"
        self.polys.set_verts(self.poly_verts)
        self.polys.set_facecolor(self.poly_colors or "none")
        self.segs.set_segments(self.seg_list)
        self.segs.set_color(self.seg_colors or "none")
        self.segs.set_linewidth(self.seg_widths or 0.0)
        if self.marks is not None:
            self.marks.set_paths(self.mark_paths)
            self.marks.set_offsets(np.array(self.mark_offsets, dtype=float).reshape(-1, 2))
            self.marks.set_facecolor(self.mark_colors or "none")


@dataclass(frozen=True, slots=True)
class Tagged:
    """Which primitive each recorded op came from: ``tags[i]`` is the ``Sheet.tag`` in force
    when op ``i``'s primitive was added; ``ends[g]`` is the op index ending group ``g`` of
    ``GROUPS`` (ops are recorded group by group, in order of addition within a group)."""

    tags: tuple[object, ...]
    ends: tuple[int, ...]


GROUPS = ("back shapes", "back segments", "shapes", "segments", "lines", "markers", "texts")
"""The drawing order of a ``Sheet``: each group's ops follow the previous group's."""


_DRAWN = False
"""Whether ``Sheet.record`` has matplotlib draw the figure (``drawn_by_matplotlib``)."""


@contextlib.contextmanager
def drawn_by_matplotlib() -> Iterator[None]:
    """Within the block, sheets are recorded by drawing their figure with matplotlib (the
    reference the direct recording is tested against) instead of directly."""
    global _DRAWN
    before, _DRAWN = _DRAWN, True
    try:
        yield
    finally:
        _DRAWN = before


@dataclass(frozen=True, slots=True)
class _Line:
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    color: RGB
    width: float
    dashes: tuple[float, float] | None
    alpha: float


@dataclass(frozen=True, slots=True)
class _Text:
    x: float
    y: float
    text: str
    size: float
    color: RGB
    bold: bool
    ha: HAlign
    alpha: float | None


@functools.lru_cache(maxsize=64)
def _geometry(width: float, height: float) -> tuple[Any, float, float]:
    """The data → points matrix of a sheet of ``width`` x ``height`` points, and its size as
    matplotlib reports it (inches times dpi: the width but for rounding).

    The matrix is the identity but for rounding: the transforms of a figure of that size at
    72 dpi and of a full-figure axes limited to (0, width) x (0, height), built as ``Figure``
    and ``Axes`` build them (the same objects, the same arithmetic: equal to the last bit to
    the drawn figure's ``transData``, which the tests compare), without a figure.
    """
    inches = Bbox.from_bounds(0, 0, width / DPI, height / DPI)
    figure_box = TransformedBbox(inches, Affine2D().scale(DPI))
    axes_box = TransformedBbox(Bbox.from_bounds(0.0, 0.0, 1.0, 1.0), BboxTransformTo(figure_box))
    view = Bbox.unit()
    view.intervalx = (0.0, width)
    view.intervaly = (0.0, height)
    scale = TransformWrapper(IdentityTransform())
    data = scale + (BboxTransformFrom(TransformedBbox(view, scale)) + BboxTransformTo(axes_box))
    return data.get_matrix(), float(figure_box.width), float(figure_box.height)


class Sheet:
    """One reusable figure per chart type, on which a chart's primitives are collected and
    recorded as a ``VectorDrawing``.

    Everything is drawn in points on two full-figure canvases: ``back`` (band shading,
    gridlines) and ``front`` (data: shapes, then lines, then markers); texts come last.
    ``record`` writes the ops straight from the collected primitives, as matplotlib would
    draw them through ``reportgen.charts._record`` (same order, same arithmetic, the same
    text metrics): the two are equal op for op, which the tests check on every chart of the
    demo and real releases (``drawn_by_matplotlib`` records by drawing). Drawing the figure
    took two thirds of a chart's time.

    Each primitive yields exactly one recorded op, in ``GROUPS`` order; ``tagged`` (after
    ``record``) says which op came from which primitive, so a recorded drawing can be edited
    (one row taken out, another put in) without drawing it again.
    """

    def __init__(self) -> None:
        # (the figure, once drawn, its canvases' limits and ``width``/``height`` always agree:
        # a chart of the last one's size sets none of them again)
        self.width = self.height = 100.0
        self._figure: Figure | None = None
        self._front_ax: Axes | None = None
        self._back = _Layer(with_markers=False)
        self._front = _Layer(with_markers=True)
        self._line_artists: list[Line2D] = []
        self._text_artists: list[Text] = []
        self._lines: list[_Line] = []
        self._texts: list[_Text] = []
        self._line_tags: list[object] = []
        self._text_tags: list[object] = []
        self.tag: object = None
        self.tagged: Tagged | None = None

    @property
    def figure(self) -> Figure:
        """The matplotlib figure the sheet is drawn on (``drawn_by_matplotlib``), made on first
        use: recording directly needs none (nor matplotlib's figures and artists)."""
        if self._figure is None:
            from reportgen.charts._record import new_figure

            figure = new_figure(self.width, self.height)
            figure.patch.set_visible(False)  # transparent: never paints over the page
            self._back.attach(self._canvas(figure, zorder=-1.0))
            self._front_ax = self._canvas(figure, zorder=1.0)
            self._front.attach(self._front_ax)
            self._figure = figure
        return self._figure

    def _canvas(self, figure: Figure, zorder: float) -> Axes:
        ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_axis_off()
        ax.patch.set_visible(False)
        ax.set_zorder(zorder)
        ax.set_autoscale_on(False)
        ax.set_xlim(0.0, self.width)
        ax.set_ylim(0.0, self.height)
        return ax

    def begin(self, width: float, height: float) -> None:
        """Start a chart of ``width`` x ``height`` points, forgetting the previous chart."""
        if (float(width), float(height)) != (self.width, self.height):
            # (setting the same size again would invalidate every transform of the figure)
            self.width, self.height = float(width), float(height)
            if self._figure is not None:
                self._figure.set_size_inches(self.width / DPI, self.height / DPI)
                for ax in self._figure.axes:
                    ax.set_xlim(0.0, self.width)
                    ax.set_ylim(0.0, self.height)
        for layer in (self._back, self._front):
            layer.clear()
        self._lines = []
        self._texts = []
        self._line_tags = []
        self._text_tags = []
        self.tag = None
        self.tagged = None

    def record(self) -> VectorDrawing:
        """The chart as recorded drawing operations (and ``tagged`` set, see the class)."""
        if _DRAWN:
            return self._record_drawn()
        ops: list[Op] = []
        tags: list[object] = []
        ends: list[int] = []
        # The canvases' data → points transform: the identity but for rounding (the figure's
        # size in inches times 72 need not give back the width), applied as matplotlib does.
        matrix, width, height = _geometry(self.width, self.height)
        a, e = float(matrix[0, 0]), float(matrix[0, 2])
        d, f = float(matrix[1, 1]), float(matrix[1, 2])

        def fill(
            group: Sequence[Sequence[tuple[float, float]]],
            colors: Sequence[RGBA],
            group_tags: Sequence[object],
        ) -> None:
            for points, rgba, tag in zip(group, colors, group_tags, strict=True):
                if rgba[3] <= 0.0 or not points:
                    continue
                first, *rest = ((x * a + e, y * d + f) for x, y in points)
                path = (
                    PathSegment("M", (first,)),
                    *(PathSegment("L", (p,)) for p in rest),
                    PathSegment("Z"),
                )
                ops.append(PathOp(path, rgba, None))
                tags.append(tag)

        def stroke(
            points: Sequence[tuple[float, float]],
            rgba: RGBA,
            line_width: float,
            dash: tuple[float, ...],
            tag: object,
        ) -> None:
            if line_width <= 0.0 or rgba[3] <= 0.0:
                return
            moved = [(x * a + e, y * d + f) for x, y in points]
            if len(moved) >= 128 or not all(
                0.0 <= x <= width and 0.0 <= y <= height for x, y in moved
            ):
                # Long (simplified) or leaving the canvas (clipped): as matplotlib does it.
                cleaned = Path(np.asarray(points, dtype=float)).cleaned(
                    transform=Affine2D(matrix),
                    remove_nans=True,
                    clip=(0.0, 0.0, width, height),
                    simplify=len(moved) >= 128,
                    curves=True,
                )
                path = segments(cleaned)
            else:
                path = (
                    PathSegment("M", (moved[0],)),
                    *(PathSegment("L", (p,)) for p in moved[1:]),
                )
            if path:
                ops.append(PathOp(path, None, rgba, line_width, dash, "butt", "round"))
                tags.append(tag)

        for layer in (self._back, self._front):
            fill(layer.poly_verts, layer.poly_colors, layer.poly_tags)
            ends.append(len(ops))
            for seg, rgba, w, tag in zip(
                layer.seg_list, layer.seg_colors, layer.seg_widths, layer.seg_tags, strict=True
            ):
                stroke(seg, rgba, w, (), tag)
            ends.append(len(ops))
        for line, tag in zip(self._lines, self._line_tags, strict=True):
            dash = () if line.dashes is None else tuple(x * line.width for x in line.dashes)
            stroke(
                tuple(zip(line.xs, line.ys, strict=True)),
                _rgba(line.color, line.alpha),
                line.width,
                dash,
                tag,
            )
        ends.append(len(ops))
        marks = self._front
        for marker, (x0, y0), rgba, tag in zip(
            marks.mark_paths, marks.mark_offsets, marks.mark_colors, marks.mark_tags, strict=True
        ):
            if rgba[3] <= 0.0:
                continue
            x0, y0 = x0 * a + e, y0 * d + f
            path = tuple(
                PathSegment(s.code, tuple((px + x0, py + y0) for px, py in s.points))
                for s in _marker_segments(marker)
            )
            ops.append(PathOp(path, rgba, None))
            tags.append(tag)
        ends.append(len(ops))
        for text, tag in zip(self._texts, self._text_tags, strict=True):
            alpha = 1.0 if text.alpha is None else float(text.alpha)
            if alpha <= 0.0:
                continue
            ref = BOLD if text.bold else REGULAR
            text_w, offset = text_layout(text.text, ref, text.size)
            shift = 0 if text.ha == "left" else text_w if text.ha == "right" else text_w / 2
            color = (float(text.color[0]), float(text.color[1]), float(text.color[2]), alpha)
            x, y = (0.0 - shift) + text.x, offset + text.y
            ops.append(TextOp(x, y, text.text, text.size, ref, color, 0.0, None))
            tags.append(tag)
        ends.append(len(ops))
        self.tagged = Tagged(tuple(tags), tuple(ends))
        return VectorDrawing(width=width, height=height, ops=tuple(ops))

    def _record_drawn(self) -> VectorDrawing:
        """``record``, by handing the primitives to matplotlib artists and drawing them."""
        from matplotlib.lines import Line2D

        from reportgen.charts._record import record

        figure = self.figure
        assert self._front_ax is not None
        self._back.flush()
        self._front.flush()
        for artist in self._line_artists + self._text_artists:
            artist.set_visible(False)
        for k, line in enumerate(self._lines):
            if k == len(self._line_artists):
                new = Line2D(
                    [],
                    [],
                    solid_capstyle="butt",
                    dash_capstyle="butt",
                    solid_joinstyle="round",
                    zorder=2.5,
                )
                new.set_clip_on(False)
                self._front_ax.add_line(new)
                self._line_artists.append(new)
            artist = self._line_artists[k]
            artist.set_data(list(line.xs), list(line.ys))
            artist.set_color(line.color)
            artist.set_alpha(line.alpha)
            artist.set_linewidth(line.width)
            if line.dashes is None:
                artist.set_linestyle("-")
            else:
                artist.set_dashes(line.dashes)
            artist.set_visible(True)
        for k, text in enumerate(self._texts):
            if k == len(self._text_artists):
                self._text_artists.append(
                    figure.text(0.0, 0.0, "", transform=_IDENTITY, va="baseline", clip_on=False)
                )
            label = self._text_artists[k]
            label.set_position((text.x, text.y))
            label.set_text(text.text)
            label.set_fontsize(text.size)
            label.set_fontweight("bold" if text.bold else "normal")
            label.set_color(text.color)
            label.set_alpha(text.alpha)
            label.set_horizontalalignment(text.ha)
            label.set_visible(True)
        drawing = record(figure)
        groups = (
            self._back.poly_tags,
            self._back.seg_tags,
            self._front.poly_tags,
            self._front.seg_tags,
            self._line_tags,
            self._front.mark_tags,
            self._text_tags,
        )
        ends: list[int] = []
        tags: list[object] = []
        for group in groups:
            tags.extend(group)
            ends.append(len(tags))
        # One op per primitive is what makes the tags trustworthy; otherwise give none.
        self.tagged = Tagged(tuple(tags), tuple(ends)) if len(tags) == len(drawing.ops) else None
        return drawing

    # -- primitives (points, origin bottom-left) ----------------------------------------------

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        color: RGB,
        *,
        alpha: float = 1.0,
        front: bool = True,
    ) -> None:
        """A filled rectangle (no outline); ``front=False`` puts it under the gridlines."""
        if w <= 0 or h <= 0:
            return
        self.polygon(
            [(x, y), (x + w, y), (x + w, y + h), (x, y + h)], color, alpha=alpha, front=front
        )

    def polygon(
        self,
        points: Sequence[tuple[float, float]],
        color: RGB,
        *,
        alpha: float = 1.0,
        front: bool = True,
    ) -> None:
        """A filled polygon (no outline)."""
        layer = self._front if front else self._back
        layer.poly_verts.append(list(points))
        layer.poly_colors.append(_rgba(color, alpha))
        layer.poly_tags.append(self.tag)

    def segments(
        self,
        segments: Sequence[Segment],
        color: RGB,
        width: float,
        *,
        alpha: float = 1.0,
        front: bool = True,
    ) -> None:
        """Straight segments ((x0, y0), (x1, y1)) with butt ends."""
        layer = self._front if front else self._back
        rgba = _rgba(color, alpha)
        for segment in segments:
            layer.seg_list.append(segment)
            layer.seg_colors.append(rgba)
            layer.seg_widths.append(width)
            layer.seg_tags.append(self.tag)

    def dots(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        color: RGB,
        diameter: float,
        *,
        marker: str = "o",
        alpha: float = 1.0,
    ) -> None:
        """Markers ("o", "<", ">") of ``diameter`` points centred on (x, y), no outline."""
        path = _marker_path(marker, round(diameter, 3))
        rgba = _rgba(color, alpha)
        layer = self._front
        for x, y in zip(xs, ys, strict=True):
            layer.mark_paths.append(path)
            layer.mark_offsets.append((x, y))
            layer.mark_colors.append(rgba)
            layer.mark_tags.append(self.tag)

    def line(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        color: RGB,
        width: float,
        *,
        dashes: tuple[float, float] | None = None,
        alpha: float = 1.0,
    ) -> None:
        """A polyline with round joins, solid or dashed, over the shapes and segments."""
        if len(xs) != len(ys):
            raise ValueError(f"a line of {len(xs)} x and {len(ys)} y values")
        if not xs:
            return
        self._lines.append(
            _Line(tuple(map(float, xs)), tuple(map(float, ys)), color, width, dashes, alpha)
        )
        self._line_tags.append(self.tag)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        color: RGB,
        *,
        bold: bool = False,
        ha: HAlign = "left",
        alpha: float | None = None,
    ) -> None:
        """One line of text with its baseline at (x, y) points, aligned ``ha``."""
        if not text:
            return
        if "\n" in text:
            raise ValueError(f"a chart text is one line: {text!r}")
        self._texts.append(_Text(float(x), float(y), text, float(size), color, bold, ha, alpha))
        self._text_tags.append(self.tag)


@functools.lru_cache(maxsize=64)
def _marker_segments(marker: Path) -> tuple[PathSegment, ...]:
    return segments(marker.cleaned(curves=True))


class Axis:
    """A linear value scale mapped onto [start, end] points."""

    __slots__ = ("end", "hi", "lo", "start")

    def __init__(self, lo: float, hi: float, start: float, end: float) -> None:
        self.lo, self.hi, self.start, self.end = lo, hi, start, end

    def __call__(self, value: float) -> float:
        """The position in points of ``value``."""
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)

    def clip(self, value: float) -> float:
        """``value`` kept inside the scale's range."""
        return min(max(value, self.lo), self.hi)


def x_axis(
    sheet: Sheet,
    x: Axis,
    ticks: Sequence[float],
    labels: Sequence[str],
    y0: float,
    y1: float,
    pal: Palette,
    sizes: Sizes,
    *,
    grid: bool = True,
) -> None:
    """Vertical gridlines over [y0, y1] at ``ticks`` and their labels centred under ``y0``."""
    if grid:
        sheet.segments([((x(t), y0), (x(t), y1)) for t in ticks], pal.rule, 0.5, front=False)
    baseline = y0 - 3.0 - ASCENT * sizes.tick
    for t, label in zip(ticks, labels, strict=True):
        sheet.text(x(t), baseline, label, sizes.tick, pal.muted, ha="center")


def y_axis(
    sheet: Sheet,
    y: Axis,
    ticks: Sequence[float],
    labels: Sequence[str] | None,
    x0: float,
    x1: float,
    pal: Palette,
    sizes: Sizes,
) -> None:
    """Horizontal gridlines over [x0, x1] at ``ticks``; labels right-aligned left of ``x0``."""
    sheet.segments([((x0, y(t)), (x1, y(t))) for t in ticks], pal.rule, 0.5, front=False)
    if labels is None:
        return
    for t, label in zip(ticks, labels, strict=True):
        sheet.text(
            x0 - 4.0,
            baseline_for_centre(y(t), sizes.tick),
            label,
            sizes.tick,
            pal.muted,
            ha="right",
        )


# --- the frame every chart shares: title, source -------------------------------------------


@dataclass(frozen=True, slots=True)
class Frame:
    """Title lines at the top and source lines at the bottom, and the room they take."""

    title: tuple[str, ...]
    source: tuple[str, ...]
    title_height: float  # from the top edge to below the title's descenders, plus a gap
    source_height: float  # from the bottom edge to above the source's capitals, plus a gap

    @staticmethod
    def of(texts: ChartTexts, width: float, sizes: Sizes, *, compact: bool = False) -> Frame:
        """Wrap the title (bold) and the source to the chart's width, on as many lines as
        they need; ``compact`` leaves less room between them and the plot."""
        title = wrap(texts.title, sizes.title, width - 2.0, bold=True)
        source = wrap(texts.source, sizes.source, width - 2.0)
        title_gap, source_gap = (4.0, 3.5) if compact else (9.0, 7.0)
        title_height = (
            ASCENT * sizes.title + (len(title) - 1) * line_height(sizes.title) + title_gap
            if title
            else 2.0
        )
        source_height = (
            DESCENT * sizes.source
            + 1.0
            + (len(source) - 1) * line_height(sizes.source)
            + ASCENT * sizes.source
            + source_gap
            if source
            else 2.0
        )
        return Frame(title, source, title_height, source_height)

    def draw(self, sheet: Sheet, pal: Palette, sizes: Sizes) -> None:
        """Title top-left in bold; source bottom-left, small and muted."""
        y = sheet.height - 0.5 - ASCENT * sizes.title
        for line in self.title:
            sheet.text(0.5, y, line, sizes.title, pal.text, bold=True)
            y -= line_height(sizes.title)
        # Top line first, so the source reads in order when the text is extracted.
        y = DESCENT * sizes.source + 1.0 + (len(self.source) - 1) * line_height(sizes.source)
        for line in self.source:
            sheet.text(0.5, y, line, sizes.source, pal.muted)
            y -= line_height(sizes.source)
