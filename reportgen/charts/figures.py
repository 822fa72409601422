"""Draw a chart specification: ``ChartSpec`` + ``Style`` + a width → ``VectorDrawing``.

In:  a chart spec from the report model (its data and every word it prints), the style, and
     the width in points of the column it will fill.
Out: ``reportgen.vector.VectorDrawing`` of that width; its height follows the content (rows,
     panels), never more than ``MAX_HEIGHT``.

Each chart type has one ``Sheet`` (a reused matplotlib figure, see ``_kit``). A chart is built
in three steps, one function per type: measure the words it must fit and derive fixed margins
from them; size the figure; place every mark and word at computed positions in points. There
is no ``tight_layout`` and no autoscaling: limits, ticks and positions are set explicitly, so
the same spec gives the same drawing whatever was drawn before it.

Colours come from the style only: bands in their band colour (light shading behind data,
solid for marks), this country in ``highlight``, other countries in ``others``, the second
benchmark in ``global_best``, words in ``text``/``muted``, gridlines in ``rule``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportgen.charts._cloud import layout_cloud
from reportgen.charts._kit import (
    ASCENT,
    BAND_ALPHA,
    DESCENT,
    NUMBER_FORMAT,
    Axis,
    Frame,
    Key,
    Palette,
    Sheet,
    Sizes,
    Tagged,
    baseline_for_centre,
    draw_legend,
    fmt_pct,
    fmt_score,
    fmt_share,
    fmt_tick,
    legend_row_height,
    legend_rows,
    line_height,
    place_band_labels,
    shorten,
    text_ink,
    text_width,
    truncate,
    widest,
    wrap,
    x_axis,
    y_axis,
)
from reportgen.model import (
    AtRiskChart,
    BandScaleSpec,
    ChartSpec,
    ChartTexts,
    ComparisonChart,
    EsrRightsChart,
    EsrTrendChart,
    HeadlineChart,
    RightsChart,
    TrendChart,
)
from reportgen.style import BandName, Style
from reportgen.vector import Op, VectorDrawing

__all__ = ["MAX_HEIGHT", "render_chart"]

MAX_HEIGHT = 640.0
"""No chart is taller than this (points): it must fit on a page with its caption."""

MIN_WIDTH = 240.0
"""Narrower than this, labels and plots cannot share the width: refused."""

_SHEETS: dict[str, Sheet] = {}


def _sheet(kind: str) -> Sheet:
    """The reused figure of a chart type (created on first use, kept for the process)."""
    sheet = _SHEETS.get(kind)
    if sheet is None:
        sheet = _SHEETS[kind] = Sheet()
    return sheet


# --- shared geometry --------------------------------------------------------------------------


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(k * step, 6) for k in range(first, last + 1)]


def _value_ticks(scale: BandScaleSpec) -> list[float]:
    """Ticks of a 0..maximum scale: every 2 on 0–10, every 20 on 0–100."""
    step = 2.0 if scale.maximum <= 10 else 20.0 if scale.maximum <= 100 else scale.maximum / 5
    return _ticks(0.0, scale.maximum, step)


def _tick_block(sizes: Sizes) -> float:
    """Room under a plot for its tick labels."""
    return 3.0 + (ASCENT + DESCENT) * sizes.tick + 1.0


def _axis_label_block(texts: ChartTexts, sizes: Sizes) -> float:
    return (ASCENT + DESCENT) * sizes.label + 4.0 if texts.axis else 0.0


def _band_row(texts: ChartTexts, sizes: Sizes) -> float:
    """Room above a plot for band names."""
    return (ASCENT + DESCENT) * sizes.small + 5.0 if texts.band_labels else 0.0


def _draw_band_shading_x(
    sheet: Sheet, scale: BandScaleSpec, x: Axis, y0: float, y1: float, pal: Palette
) -> None:
    """Vertical band stripes over [y0, y1] (band limits clipped to the axis)."""
    for band, lower, upper in scale.bands:
        a, b = x(x.clip(lower)), x(x.clip(upper))
        if b - a > 0.01:
            sheet.rect(a, y0, b - a, y1 - y0, pal.band[band], alpha=BAND_ALPHA, front=False)


def _draw_band_labels_x(
    sheet: Sheet,
    scale: BandScaleSpec,
    texts: ChartTexts,
    x: Axis,
    y_top: float,
    sizes: Sizes,
    pal: Palette,
) -> None:
    """Band names above the plot, centred over their stripes where they fit."""
    if not texts.band_labels:
        return
    spans = [
        (texts.band_labels.get(band, ""), x(x.clip(lower)), x(x.clip(upper)))
        for band, lower, upper in scale.bands
        if texts.band_labels.get(band)
    ]
    baseline = y_top + 3.0 + DESCENT * sizes.small
    for label, centre in place_band_labels(spans, sizes.small, x.start, x.end):
        sheet.text(centre, baseline, label, sizes.small, pal.muted, ha="center")


def _draw_axis_label(
    sheet: Sheet, texts: ChartTexts, x: Axis, y_plot_bottom: float, sizes: Sizes, pal: Palette
) -> None:
    """The value-axis label, centred under the tick labels."""
    if not texts.axis:
        return
    baseline = y_plot_bottom - _tick_block(sizes) - 1.0 - ASCENT * sizes.label
    label = truncate(texts.axis, sizes.label, sheet.width - 2.0)
    centre = (x.start + x.end) / 2
    half = text_width(label, sizes.label) / 2
    centre = min(max(centre, half + 0.5), sheet.width - half - 0.5)
    sheet.text(centre, baseline, label, sizes.label, pal.muted, ha="center")


def _draw_row_label(
    sheet: Sheet,
    lines: Sequence[str],
    right: float,
    y_centre: float,
    size: float,
    color: tuple[float, float, float],
    bold: bool = False,
) -> None:
    """A right-aligned label of one or more lines, centred on ``y_centre``."""
    lh = line_height(size)
    first = baseline_for_centre(y_centre, size) + (len(lines) - 1) * lh / 2
    for k, line in enumerate(lines):
        sheet.text(right, first - k * lh, line, size, color, bold=bold, ha="right")


def _band_color(pal: Palette, band: BandName | None) -> tuple[float, float, float]:
    return pal.band[band] if band is not None else pal.muted


# --- 1. headline scores ---------------------------------------------------------------------


def _headline(spec: HeadlineChart, pal: Palette, sizes: Sizes, width: float) -> VectorDrawing:
    """Each headline score as a bar over a track shaded by its four bands.

    Band names are written over the first track of each scale (direct labels, readable in
    greyscale, where a colour legend would not be), band limits under every track.
    """
    frame = Frame.of(spec.texts, width, sizes)
    items = spec.items
    labels = [wrap(i.label, sizes.label, width * 0.3, bold=True) for i in items]
    label_col = max((widest(lines, sizes.label, True) for lines in labels), default=0.0)
    value_col = widest([i.value_text for i in items], sizes.label, bold=True) + 6.0
    track_x0 = label_col + 12.0
    track_x1 = width - value_col - 1.0
    track_h, bar_h = 12.0, 6.0
    names_h = (ASCENT + DESCENT) * sizes.small + 3.0
    threshold_h = 2.5 + (ASCENT + DESCENT) * sizes.small
    seen: list[tuple[object, ...]] = []
    named: list[bool] = []
    for item in items:
        key = (item.scale.bands, item.scale.maximum)
        named.append(bool(spec.texts.band_labels) and key not in seen)
        seen.append(key)
    row_h = [
        max(track_h, len(lines) * line_height(sizes.label))
        + threshold_h
        + (names_h if show else 0.0)
        + 9.0
        for lines, show in zip(labels, named, strict=True)
    ]
    height = frame.title_height + sum(row_h) + frame.source_height - 6.0

    sheet = _sheet("headline")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    top = height - frame.title_height
    for i, item in enumerate(items):
        x = Axis(0.0, item.scale.maximum, track_x0, track_x1)
        if named[i]:
            spans = [
                (spec.texts.band_labels.get(band, ""), x(x.clip(lower)), x(x.clip(upper)))
                for band, lower, upper in item.scale.bands
                if spec.texts.band_labels.get(band)
            ]
            baseline = top - ASCENT * sizes.small
            for name, centre in place_band_labels(spans, sizes.small, x.start, x.end):
                sheet.text(centre, baseline, name, sizes.small, pal.muted, ha="center")
        yc = top - (names_h if named[i] else 0.0) - track_h / 2 - 1.0
        for band, lower, upper in item.scale.bands:
            a, b = x(x.clip(lower)), x(x.clip(upper))
            if b - a > 0.01:
                sheet.rect(a, yc - track_h / 2, b - a, track_h, pal.band[band], alpha=0.22)
        _draw_row_label(sheet, labels[i], label_col, yc, sizes.label, pal.text, bold=True)
        baseline = baseline_for_centre(yc, sizes.label)
        if item.value is None:
            sheet.text(track_x0 + 4.0, baseline, item.value_text, sizes.label, pal.muted)
        else:
            end = x(x.clip(item.value))
            sheet.rect(track_x0, yc - bar_h / 2, end - track_x0, bar_h, _band_color(pal, item.band))
            sheet.text(end + 4.0, baseline, item.value_text, sizes.label, pal.text, bold=True)
        _draw_thresholds(sheet, item.scale, x, yc - track_h / 2 - 2.5, sizes, pal)
        top -= row_h[i]
    return sheet.record()


def _draw_thresholds(
    sheet: Sheet, scale: BandScaleSpec, x: Axis, y_top: float, sizes: Sizes, pal: Palette
) -> None:
    """Band limits under a track (interior limits first, then the ends, where they fit)."""
    suffix = "%" if scale.unit.strip() == "%" else ""
    interior = sorted({v for _b, lo, hi in scale.bands for v in (lo, hi) if 0 < v < scale.maximum})
    candidates = [(v, "center") for v in interior] + [(0.0, "left"), (scale.maximum, "right")]
    taken: list[tuple[float, float]] = []
    baseline = y_top - ASCENT * sizes.small
    for value, align in candidates:
        label = fmt_tick(value) + suffix
        w = text_width(label, sizes.small)
        px = x(value)
        left = px - w / 2 if align == "center" else px if align == "left" else px - w
        right = left + w
        if left < x.start - 0.01 or right > x.end + 0.01:
            continue
        if any(left < b + 3.0 and right > a - 3.0 for a, b in taken):
            continue
        taken.append((left, right))
        sheet.text(left, baseline, label, sizes.small, pal.muted)


# --- 2. a dimension's rights ------------------------------------------------------------------


def _rights(spec: RightsChart, pal: Palette, sizes: Sizes, width: float) -> VectorDrawing:
    """One row per right: 10th–90th percentile band, dot at the score, value label."""
    frame = Frame.of(spec.texts, width, sizes)
    items = spec.items
    n = max(len(items), 1)
    labels = [wrap(i.label, sizes.label, width * 0.36) for i in items]
    label_col = max((widest(lines, sizes.label) for lines in labels), default=0.0)
    values = [fmt_score(i.mean) for i in items]
    value_room = widest(values, sizes.value, bold=True) + 14.0
    pitch = 26.0 if any(len(lines) > 1 for lines in labels) else 22.0
    plot_h = n * pitch
    band_row = _band_row(spec.texts, sizes)
    bottom = _tick_block(sizes) + _axis_label_block(spec.texts, sizes)
    height = frame.title_height + band_row + plot_h + bottom + frame.source_height

    px0, px1 = label_col + 12.0, width - value_room
    py1 = height - frame.title_height - band_row
    py0 = py1 - plot_h
    scale = spec.scale
    x = Axis(0.0, scale.maximum, px0, px1)

    sheet = _sheet("rights")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    ticks = _value_ticks(scale)
    x_axis(sheet, x, ticks, [fmt_tick(t) for t in ticks], py0, py1, pal, sizes)
    _draw_band_shading_x(sheet, scale, x, py0, py1, pal)
    _draw_band_labels_x(sheet, scale, spec.texts, x, py1, sizes, pal)

    for i, item in enumerate(items):
        yc = py1 - (i + 0.5) * pitch
        color = pal.band[item.band]
        lo, hi = x(x.clip(item.lo)), x(x.clip(item.hi))
        sheet.segments([((lo, yc), (hi, yc))], color, 5.0, alpha=0.4)
        end = hi
        if item.lo < 0:
            sheet.dots([lo - 2.5], [yc], color, 5.0, marker="<", alpha=0.7)
        if item.hi > scale.maximum:
            sheet.dots([hi + 2.5], [yc], color, 5.0, marker=">", alpha=0.7)
            end = hi + 5.0
        dot = x(x.clip(item.mean))
        end = max(end, dot + 4.25)
        sheet.dots([dot], [yc], color, 8.5)
        sheet.text(
            end + 5.0,
            baseline_for_centre(yc, sizes.value),
            values[i],
            sizes.value,
            pal.text,
            bold=True,
        )
        _draw_row_label(sheet, labels[i], label_col, yc, sizes.label, pal.text)
    _draw_axis_label(sheet, spec.texts, x, py0, sizes, pal)
    return sheet.record()


# --- 3. one right across countries -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CompareLayout:
    """Where everything of a comparison chart goes (depends on the highlight only through the
    label column, which widens for a long highlighted name)."""

    frame: Frame
    height: float
    pitch: float
    size: float  # row label type size
    labels: tuple[str, ...]  # every row as printed when muted (shortened, cut to the column)
    highlight_label: str  # the highlighted row's label, in full where it fits
    label_col: float
    value_room: float
    x: Axis
    py0: float
    py1: float
    highlight: int  # row index, -1 for none

    def row_y(self, i: int) -> float:
        """Centre of row ``i`` in points."""
        return self.py1 - 2.0 - (i + 0.5) * self.pitch


def _compare_layout(spec: ComparisonChart, sizes: Sizes, width: float) -> _CompareLayout:
    frame = Frame.of(spec.texts, width, sizes)
    items = spec.items
    n = max(len(items), 1)
    band_row = _band_row(spec.texts, sizes)
    bottom = _tick_block(sizes) + _axis_label_block(spec.texts, sizes)
    fixed = frame.title_height + band_row + bottom + frame.source_height
    pitch = min(10.6, (MAX_HEIGHT - fixed - 4.0) / n)
    size = min(sizes.label, round(pitch * 0.78, 2))
    plot_h = n * pitch + 4.0
    height = fixed + plot_h
    highlight = next(
        (i for i, item in enumerate(items) if item.label == spec.highlight),
        next((i for i, item in enumerate(items) if item.highlight), -1),
    )
    labels = [shorten(item.label) for item in items]
    label_col = widest([s for i, s in enumerate(labels) if i != highlight], size)
    if highlight >= 0:
        # This country's name is not shortened to 34 characters: the label column grows for
        # it, up to half the width (beyond that it too is cut).
        labels[highlight] = truncate(items[highlight].label, size, width * 0.5, bold=True)
        label_col = max(label_col, text_width(labels[highlight], size, bold=True))
    label_col = min(label_col, width * 0.5)
    highlight_label = labels[highlight] if highlight >= 0 else ""
    muted = [truncate(shorten(item.label), size, label_col) for item in items]
    value_room = text_width("10.0", sizes.value, bold=True) + 14.0
    px0, px1 = label_col + 10.0, width - value_room
    py1 = height - frame.title_height - band_row
    return _CompareLayout(
        frame=frame,
        height=height,
        pitch=pitch,
        size=size,
        labels=tuple(muted),
        highlight_label=highlight_label,
        label_col=label_col,
        value_room=value_room,
        x=Axis(0.0, spec.scale.maximum, px0, px1),
        py0=py1 - plot_h,
        py1=py1,
        highlight=highlight,
    )


def _draw_comparison(
    sheet: Sheet,
    spec: ComparisonChart,
    lay: _CompareLayout,
    pal: Palette,
    sizes: Sizes,
    *,
    frame: bool,
    rows: Sequence[int],
    highlight: bool,
) -> None:
    """Draw the frame (if ``frame``), ``rows`` muted (each tagged with its index), and the
    highlighted row (if ``highlight``), in that order within every group of the sheet."""
    items, x, scale = spec.items, lay.x, spec.scale
    if frame:
        lay.frame.draw(sheet, pal, sizes)
        ticks = _value_ticks(scale)
        x_axis(sheet, x, ticks, [fmt_tick(t) for t in ticks], lay.py0, lay.py1, pal, sizes)
        _draw_band_shading_x(sheet, scale, x, lay.py0, lay.py1, pal)
        _draw_band_labels_x(sheet, scale, spec.texts, x, lay.py1, sizes, pal)
        _draw_axis_label(sheet, spec.texts, x, lay.py0, sizes, pal)
    left = [i for i in rows if items[i].lo < 0]
    right = [i for i in rows if items[i].hi > scale.maximum]
    for i in rows:
        sheet.tag = i
        y = lay.row_y(i)
        sheet.segments(
            [((x(x.clip(items[i].lo)), y), (x(x.clip(items[i].hi)), y))], pal.others, 1.3
        )
    for i in left:
        sheet.tag = i
        sheet.dots([x.start - 2.0], [lay.row_y(i)], pal.others, 3.5, marker="<")
    for i in right:
        sheet.tag = i
        sheet.dots([x.end + 2.0], [lay.row_y(i)], pal.others, 3.5, marker=">")
    for i in rows:
        sheet.tag = i
        sheet.dots([x(x.clip(items[i].mean))], [lay.row_y(i)], pal.others, 5.0)
    for i in rows:
        sheet.tag = i
        sheet.text(
            lay.label_col,
            baseline_for_centre(lay.row_y(i), lay.size),
            lay.labels[i],
            lay.size,
            pal.muted,
            ha="right",
        )
    sheet.tag = None
    if not highlight or lay.highlight < 0:
        return
    h = lay.highlight
    item = items[h]
    y = lay.row_y(h)
    sheet.rect(
        0.0,
        y - lay.pitch / 2,
        x.end + lay.value_room - 1.0,
        lay.pitch,
        pal.highlight,
        alpha=0.09,
        front=False,
    )
    lo, hi = x(x.clip(item.lo)), x(x.clip(item.hi))
    sheet.segments([((lo, y), (hi, y))], pal.highlight, 2.4)
    end = hi
    if item.lo < 0:
        sheet.dots([x.start - 2.5], [y], pal.highlight, 4.5, marker="<")
    if item.hi > scale.maximum:
        sheet.dots([x.end + 2.5], [y], pal.highlight, 4.5, marker=">")
        end = x.end + 5.0
    dot = x(x.clip(item.mean))
    end = max(end, dot + 3.75)
    sheet.dots([dot], [y], pal.highlight, 7.5)
    sheet.text(
        end + 4.0,
        baseline_for_centre(y, sizes.value),
        fmt_score(item.mean),
        sizes.value,
        pal.highlight,
        bold=True,
    )
    sheet.text(
        lay.label_col,
        baseline_for_centre(y, lay.size),
        lay.highlight_label,
        lay.size,
        pal.text,
        bold=True,
        ha="right",
    )


_BaseKey = tuple[object, ...]
_BASES: OrderedDict[_BaseKey, tuple[VectorDrawing, Tagged]] = OrderedDict()
_MAX_BASES = 48
"""Comparison bases kept per process: a release has a few dozen (right x year) charts."""


def _comparison(spec: ComparisonChart, pal: Palette, sizes: Sizes, width: float) -> VectorDrawing:
    """Every country best first, a dot and its 10th–90th band; this country highlighted.

    The chart is the same for every country of a release but for the highlight, so it is
    drawn once with every row muted (the base, cached) and, per country, the highlighted row
    is taken out of the base and drawn alone on top: the result is op for op the drawing
    ``_comparison_direct`` makes, at a fraction of the cost.
    """
    lay = _compare_layout(spec, sizes, width)
    key: _BaseKey = (
        tuple((i.label, i.mean, i.lo, i.hi) for i in spec.items),
        spec.scale,
        _texts_key(spec.texts),
        width,
        lay.label_col,
        pal.key(),
        sizes,
        NUMBER_FORMAT.get(),
    )
    cached = _BASES.get(key)
    if cached is None:
        sheet = _sheet("comparison")
        sheet.begin(width, lay.height)
        _draw_comparison(
            sheet, spec, lay, pal, sizes, frame=True, rows=range(len(spec.items)), highlight=False
        )
        base = sheet.record()
        if sheet.tagged is None:  # not one op per primitive: draw it the plain way
            return _comparison_direct(spec, pal, sizes, width)
        cached = (base, sheet.tagged)
        _BASES[key] = cached
        if len(_BASES) > _MAX_BASES:
            _BASES.popitem(last=False)
    else:
        _BASES.move_to_end(key)
    base, tagged = cached
    if lay.highlight < 0:
        return base
    sheet = _sheet("comparison_highlight")
    sheet.begin(width, lay.height)
    _draw_comparison(sheet, spec, lay, pal, sizes, frame=False, rows=(), highlight=True)
    overlay = sheet.record()
    if sheet.tagged is None:
        return _comparison_direct(spec, pal, sizes, width)
    return _splice(base, tagged, lay.highlight, overlay, sheet.tagged.ends)


def _comparison_direct(
    spec: ComparisonChart, pal: Palette, sizes: Sizes, width: float
) -> VectorDrawing:
    """The comparison chart drawn in one go (the reference the cached route reproduces)."""
    lay = _compare_layout(spec, sizes, width)
    sheet = _sheet("comparison")
    sheet.begin(width, lay.height)
    others = [i for i in range(len(spec.items)) if i != lay.highlight]
    _draw_comparison(sheet, spec, lay, pal, sizes, frame=True, rows=others, highlight=True)
    return sheet.record()


def _splice(
    base: VectorDrawing, tagged: Tagged, drop: object, overlay: VectorDrawing, ends: Sequence[int]
) -> VectorDrawing:
    """``base`` without the ops tagged ``drop``, each group followed by ``overlay``'s group."""
    ops: list[Op] = []
    b0 = o0 = 0
    for b1, o1 in zip(tagged.ends, ends, strict=True):
        ops.extend(
            op for op, tag in zip(base.ops[b0:b1], tagged.tags[b0:b1], strict=True) if tag != drop
        )
        ops.extend(overlay.ops[o0:o1])
        b0, o0 = b1, o1
    return VectorDrawing(base.width, base.height, tuple(ops))


def _texts_key(texts: ChartTexts) -> tuple[object, ...]:
    return (
        texts.title,
        texts.axis,
        texts.source,
        tuple(sorted(texts.band_labels.items())),
        tuple(sorted(texts.legend.items())),
    )


# --- 4. civil and political scores over time ---------------------------------------------------


def _trend(spec: TrendChart, pal: Palette, sizes: Sizes, width: float) -> VectorDrawing:
    """Small multiples: one panel per series, shared 0–10 scale, band shading.

    Band names are written beside the last panel of each row (direct labels, readable in
    greyscale); the value of the last survey year is printed at the end of each line.
    """
    frame = Frame.of(spec.texts, width, sizes)
    series = spec.series
    n = max(len(series), 1)
    cols = n if n <= 4 else 3 if n in (5, 6, 9) else 4
    rows = math.ceil(n / cols)
    scale = spec.scale
    y_ticks = _ticks(0.0, scale.maximum, scale.maximum / 2)
    y_labels = [fmt_tick(t) for t in y_ticks]
    tick_col = widest(y_labels, sizes.tick) + 4.0
    band_names = [(b, spec.texts.band_labels.get(b, ""), lo, hi) for b, lo, hi in scale.bands]
    names_col = widest([t for _b, t, _l, _h in band_names], sizes.small) + 5.0
    gap = 14.0
    panel_w = (width - tick_col - names_col - (cols - 1) * gap) / cols
    titles = [wrap(s.label, sizes.label, panel_w - 2.0, bold=k == 0) for k, s in enumerate(series)]
    title_lines = [
        max((len(titles[k]) for k in range(r * cols, min(n, (r + 1) * cols))), default=1)
        for r in range(rows)
    ]
    plot_h = 64.0
    axis_label = spec.texts.axis
    head_h = (ASCENT + DESCENT) * sizes.label + 8.0 if axis_label else 0.0
    row_h = [
        (ASCENT + DESCENT) * sizes.label
        + (lines - 1) * line_height(sizes.label)
        + 4.0
        + plot_h
        + _tick_block(sizes)
        for lines in title_lines
    ]
    row_gap = 8.0
    height = frame.title_height + head_h + sum(row_h) + row_gap * (rows - 1) + frame.source_height

    sheet = _sheet("trend")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    top = height - frame.title_height
    if axis_label:
        yc = top - (head_h - 8.0) / 2 - 1.0
        label = truncate(axis_label, sizes.label, width - 1.0)
        sheet.text(0.5, baseline_for_centre(yc, sizes.label), label, sizes.label, pal.muted)
    top -= head_h
    last_w = widest([fmt_score(s.mean[-1]) for s in series if s.mean], sizes.value, True)
    for k, s in enumerate(series):
        r, c = divmod(k, cols)
        row_top = top - sum(row_h[:r]) - row_gap * r
        px0 = tick_col + c * (panel_w + gap)
        px1 = px0 + panel_w
        title_top = row_top
        lh = line_height(sizes.label)
        for j, line in enumerate(titles[k]):
            sheet.text(
                px0,
                title_top - ASCENT * sizes.label - j * lh,
                line,
                sizes.label,
                pal.text,
                bold=k == 0,
            )
        py1 = row_top - ((ASCENT + DESCENT) * sizes.label + (title_lines[r] - 1) * lh + 4.0)
        py0 = py1 - plot_h
        y = Axis(0.0, scale.maximum, py0, py1)
        # x: the first year 6 pt in, the last leaving room for its value label.
        years = s.years or (0,)
        room = last_w + 8.0
        if len(years) > 1:
            x = Axis(float(years[0]), float(years[-1]), px0 + 8.0, px1 - room)
        else:
            centre = (px0 + px1 - room) / 2
            x = Axis(float(years[0]) - 1.0, float(years[0]) + 1.0, centre - 20.0, centre + 20.0)
        y_axis(sheet, y, y_ticks, y_labels if c == 0 else None, px0, px1, pal, sizes)
        year_ticks = _year_ticks(years, x, sizes)
        x_axis(
            sheet,
            x,
            [float(t) for t in year_ticks],
            [str(t) for t in year_ticks],
            py0,
            py1,
            pal,
            sizes,
            grid=False,
        )
        for band, lower, upper in scale.bands:
            a, b = y(y.clip(lower)), y(y.clip(upper))
            if b - a > 0.01:
                sheet.rect(px0, a, panel_w, b - a, pal.band[band], alpha=BAND_ALPHA, front=False)
        if k == min(n, (r + 1) * cols) - 1:  # the row's last panel: name the bands
            _draw_band_names_y(sheet, band_names, y, px1 + 4.0, sizes, pal)
        xs = [x(float(t)) for t in s.years]
        means = [y(y.clip(v)) for v in s.mean]
        los = [y(y.clip(v)) for v in s.lo]
        his = [y(y.clip(v)) for v in s.hi]
        if len(xs) > 1:
            sheet.polygon(
                list(zip(xs, his, strict=True)) + list(zip(xs[::-1], los[::-1], strict=True)),
                pal.accent,
                alpha=0.16,
            )
            sheet.line(xs, means, pal.accent, 1.6)
        elif xs:
            sheet.segments([((xs[0], los[0]), (xs[0], his[0]))], pal.accent, 3.0, alpha=0.3)
        if xs and means:
            sheet.dots(xs, means, pal.accent, 4.5)
            label = fmt_score(s.mean[-1])
            sheet.text(
                xs[-1] + 5.0,
                baseline_for_centre(means[-1], sizes.value),
                label,
                sizes.value,
                pal.accent,
                bold=True,
            )
    return sheet.record()


def _draw_band_names_y(
    sheet: Sheet,
    bands: Sequence[tuple[BandName, str, float, float]],
    y: Axis,
    x: float,
    sizes: Sizes,
    pal: Palette,
) -> None:
    """Band names left-aligned at ``x``, centred on their (visible) span where they fit."""
    for _band, name, lower, upper in bands:
        a, b = y(y.clip(lower)), y(y.clip(upper))
        if not name or b - a <= 0.01:
            continue
        _w, ink_h, _d = text_ink(name, sizes.small)
        if b - a >= ink_h + 1.0:
            sheet.text(
                x, baseline_for_centre((a + b) / 2, sizes.small), name, sizes.small, pal.muted
            )


def _year_ticks(years: Sequence[int], x: Axis, sizes: Sizes) -> list[int]:
    """Year ticks (integers only), thinned from the last year back when labels would touch."""
    if not years:
        return []
    first, last = years[0], years[-1]
    label_w = text_width("8888", sizes.tick) + 6.0
    every = 1
    if last > first:
        per_year = abs(x(float(first + 1)) - x(float(first)))
        every = max(1, math.ceil(label_w / per_year))
    return list(range(last, first - 1, -every))[::-1]


# --- 5. quality of life over time ----------------------------------------------------------------


def _esr_trend(spec: EsrTrendChart, pal: Palette, sizes: Sizes, width: float) -> VectorDrawing:
    """Both benchmarks over the years, y in % from just below the data to 100."""
    frame = Frame.of(spec.texts, width, sizes)
    scale = spec.scale
    values = [v for v in (*spec.income_adjusted, *spec.global_best) if math.isfinite(v)]
    top_value = scale.maximum
    low = min(values, default=0.0)
    lo = max(0.0, math.floor((low - 4.0) / 10.0) * 10.0)
    lo = min(lo, top_value - 20.0)
    step = 10.0 if top_value - lo <= 60 else 20.0
    y_ticks = _ticks(lo, top_value, step)
    y_labels = [fmt_tick(t) for t in y_ticks]
    tick_col = widest(y_labels, sizes.tick) + 5.0
    band_names = [spec.texts.band_labels.get(b, "") for b, _l, _h in scale.bands]
    band_col = widest(band_names, sizes.small) + 8.0 if spec.texts.band_labels else 0.0
    series = [
        ("income_adjusted", spec.income_adjusted, pal.accent, None, True),
        ("global_best", spec.global_best, pal.global_best, (4.0, 2.5), False),
    ]
    last_labels = [fmt_pct(vals[-1]) for _k, vals, _c, _d, _b in series if vals]
    value_room = widest(last_labels, sizes.value, bold=True) + 8.0
    keys = [
        Key(spec.texts.legend.get(key, key), color, "dashed" if dash else "line")
        for key, vals, color, dash, _b in series
        if vals
    ]
    legend = legend_rows(keys, sizes.label, width - 1.0)
    legend_h = len(legend) * legend_row_height(sizes.label) + 4.0
    axis_h = (ASCENT + DESCENT) * sizes.label + 8.0 if spec.texts.axis else 0.0
    plot_h = 150.0
    height = (
        frame.title_height + legend_h + axis_h + plot_h + _tick_block(sizes) + frame.source_height
    )

    px0, px1 = tick_col, width - band_col
    py1 = height - frame.title_height - legend_h - axis_h
    py0 = py1 - plot_h
    years = spec.years or (0,)
    if len(years) > 1:
        x = Axis(float(years[0]), float(years[-1]), px0 + 10.0, px1 - value_room)
    else:
        centre = (px0 + px1 - value_room) / 2
        x = Axis(float(years[0]) - 1.0, float(years[0]) + 1.0, centre - 20.0, centre + 20.0)
    y = Axis(lo, top_value, py0, py1)

    sheet = _sheet("esr_trend")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    top = height - frame.title_height
    draw_legend(sheet, legend, 0.5, top, sizes.label, pal)
    if spec.texts.axis:
        sheet.text(0.5, py1 + 7.0 + DESCENT * sizes.label, spec.texts.axis, sizes.label, pal.muted)
    y_axis(sheet, y, y_ticks, y_labels, px0, px1, pal, sizes)
    year_ticks = _year_ticks(years, x, sizes)
    x_axis(
        sheet,
        x,
        [float(t) for t in year_ticks],
        [str(t) for t in year_ticks],
        py0,
        py1,
        pal,
        sizes,
        grid=False,
    )
    for band, lower, upper in scale.bands:
        a, b = y(y.clip(lower)), y(y.clip(upper))
        if b - a > 0.01:
            sheet.rect(px0, a, px1 - px0, b - a, pal.band[band], alpha=BAND_ALPHA, front=False)
    names = [(b, spec.texts.band_labels.get(b, ""), lo, hi) for b, lo, hi in scale.bands]
    _draw_band_names_y(sheet, names, y, px1 + 4.0, sizes, pal)
    ends: list[tuple[float, str, tuple[float, float, float], bool]] = []
    for _key, vals, color, dash, bold in series:
        if not vals:
            continue
        xs = [x(float(t)) for t in years[: len(vals)]]
        ys = [y(y.clip(v)) for v in vals]
        if len(xs) > 1:
            sheet.line(xs, ys, color, 1.8 if bold else 1.4, dashes=dash)
        if bold or len(xs) == 1:
            sheet.dots(xs, ys, color, 3.6 if len(xs) > 1 else 5.0)
        ends.append((ys[-1], fmt_pct(vals[-1]), color, bold))
    if ends:
        x_end = x(float(years[len(spec.income_adjusted or spec.global_best) - 1])) + 5.0
        placed = _spread([e[0] for e in ends], (ASCENT + DESCENT) * sizes.value + 1.0, py0, py1)
        for (_y, label, color, bold), yc in zip(ends, placed, strict=True):
            sheet.text(
                x_end, baseline_for_centre(yc, sizes.value), label, sizes.value, color, bold=bold
            )
    return sheet.record()


def _spread(centres: Sequence[float], min_gap: float, lo: float, hi: float) -> list[float]:
    """Move label centres apart by at least ``min_gap``, keeping their order, inside [lo, hi]."""
    order = sorted(range(len(centres)), key=lambda i: centres[i])
    ys = [centres[i] for i in order]
    half = min_gap / 2
    for _ in range(4):
        for k in range(1, len(ys)):
            if ys[k] - ys[k - 1] < min_gap:
                mid = (ys[k] + ys[k - 1]) / 2
                ys[k - 1], ys[k] = mid - min_gap / 2, mid + min_gap / 2
        ys = [min(max(v, lo + half), hi - half) for v in ys]
        for k in range(1, len(ys)):
            ys[k] = max(ys[k], ys[k - 1] + min_gap)
        for k in range(len(ys) - 2, -1, -1):
            ys[k] = min(ys[k], ys[k + 1] - min_gap)
    out = [0.0] * len(ys)
    for rank, i in enumerate(order):
        out[i] = ys[rank]
    return out


# --- 6. quality of life rights --------------------------------------------------------------------


def _esr_rights(spec: EsrRightsChart, pal: Palette, sizes: Sizes, width: float) -> VectorDrawing:
    """Two bars per right (the two benchmarks, or women and men), value labels, band shading."""
    frame = Frame.of(spec.texts, width, sizes)
    items = spec.items
    if spec.by_sex:
        kinds = [("female", pal.highlight), ("male", pal.accent)]
    else:
        kinds = [("income_adjusted", pal.accent), ("global_best", pal.global_best)]

    def value(item: object, key: str) -> float | None:
        v = getattr(item, key)
        return None if v is None else float(v)

    shown = [k for k in kinds if any(value(i, k[0]) is not None for i in items)]
    keys = [Key(spec.texts.legend.get(k, k), c, "box") for k, c in shown]
    labels = [wrap(i.label, sizes.label, width * 0.3) for i in items]
    label_col = max((widest(lines, sizes.label) for lines in labels), default=0.0)
    value_room = text_width("100.0%", sizes.value) + 6.0
    bar_h, bar_gap = 7.5, 1.5
    n_bars = max(len(shown), 1)
    group_h = n_bars * bar_h + (n_bars - 1) * bar_gap
    pitch = max(group_h + 9.0, max((len(lines) for lines in labels), default=1) * 10.0 + 6.0)
    n = max(len(items), 1)
    plot_h = n * pitch
    legend = legend_rows(keys, sizes.label, width - label_col - 11.0)
    legend_h = len(legend) * legend_row_height(sizes.label) + 4.0 if keys else 0.0
    band_row = _band_row(spec.texts, sizes)
    bottom = _tick_block(sizes) + _axis_label_block(spec.texts, sizes)
    height = frame.title_height + legend_h + band_row + plot_h + bottom + frame.source_height

    px0, px1 = label_col + 10.0, width - value_room
    py1 = height - frame.title_height - legend_h - band_row
    py0 = py1 - plot_h
    scale = spec.scale
    x = Axis(0.0, scale.maximum, px0, px1)

    sheet = _sheet("esr_rights")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    if keys:
        draw_legend(sheet, legend, px0, height - frame.title_height, sizes.label, pal)
    ticks = _value_ticks(scale)
    x_axis(sheet, x, ticks, [fmt_tick(t) for t in ticks], py0, py1, pal, sizes)
    _draw_band_shading_x(sheet, scale, x, py0, py1, pal)
    _draw_band_labels_x(sheet, scale, spec.texts, x, py1, sizes, pal)
    for i, item in enumerate(items):
        yc = py1 - (i + 0.5) * pitch
        _draw_row_label(sheet, labels[i], label_col, yc, sizes.label, pal.text)
        # The bars an item has, stacked in legend order and centred on its row.
        present = [(v, color) for key, color in shown if (v := value(item, key)) is not None]
        y_top = yc + (len(present) * bar_h + (len(present) - 1) * bar_gap) / 2
        for j, (v, color) in enumerate(present):
            y0 = y_top - (j + 1) * bar_h - j * bar_gap
            end = x(x.clip(v))
            sheet.rect(px0, y0, end - px0, bar_h, color)
            sheet.text(
                end + 3.0,
                baseline_for_centre(y0 + bar_h / 2, sizes.value),
                fmt_pct(v),
                sizes.value,
                pal.text,
            )
    _draw_axis_label(sheet, spec.texts, x, py0, sizes, pal)
    return sheet.record()


# --- 7. people at risk --------------------------------------------------------------------------


def _at_risk(spec: AtRiskChart, pal: Palette, sizes: Sizes, width: float) -> VectorDrawing:
    """The top shares as labelled bars (left) and every group named as a word cloud (right)."""
    frame = Frame.of(spec.texts, width, sizes)
    bars = spec.bars
    left_w = round(width * 0.56, 1) if spec.cloud else width
    labels = [wrap(b.label, sizes.label, left_w * 0.46) for b in bars]
    label_col = max((widest(lines, sizes.label) for lines in labels), default=0.0)
    values = [fmt_share(b.share) for b in bars]
    value_room = widest(values, sizes.value, bold=True) + 6.0
    pitch = 22.0 if any(len(lines) > 1 for lines in labels) else 16.0
    plot_h = max(len(bars), 1) * pitch
    bottom = _tick_block(sizes) + _axis_label_block(spec.texts, sizes)
    cloud_h = min(170.0, 50.0 + 9.0 * len(spec.cloud)) if spec.cloud else 0.0
    content_h = max(plot_h + bottom + 4.0, cloud_h)
    height = frame.title_height + content_h + frame.source_height

    px0, px1 = label_col + 10.0, left_w - value_room
    py1 = height - frame.title_height - 2.0
    py0 = py1 - plot_h
    x = Axis(0.0, 100.0, px0, px1)

    sheet = _sheet("at_risk")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    if bars:
        ticks = _ticks(0.0, 100.0, 25.0 if px1 - px0 >= 110 else 50.0)
        x_axis(sheet, x, ticks, [fmt_tick(t) for t in ticks], py0, py1, pal, sizes)
        bar_h = min(10.0, pitch * 0.55)
        for i, item in enumerate(bars):
            yc = py1 - (i + 0.5) * pitch
            end = x(x.clip(item.share * 100.0))
            sheet.rect(px0, yc - bar_h / 2, end - px0, bar_h, pal.accent)
            sheet.text(
                end + 3.0,
                baseline_for_centre(yc, sizes.value),
                values[i],
                sizes.value,
                pal.text,
                bold=True,
            )
            _draw_row_label(sheet, labels[i], label_col, yc, sizes.label, pal.text)
        _draw_axis_label(sheet, spec.texts, x, py0, sizes, pal)
    if spec.cloud:
        cx0 = left_w + 14.0 if bars else 0.5
        cy0 = frame.source_height
        cy1 = height - frame.title_height
        _draw_cloud(sheet, spec, cx0, cy0, width - 0.5 - cx0, cy1 - cy0, pal)
    return sheet.record()


def _draw_cloud(
    sheet: Sheet, spec: AtRiskChart, x0: float, y0: float, w: float, h: float, pal: Palette
) -> None:
    top = max((item.share for item in spec.cloud), default=0.0)
    if top <= 0:
        return
    items = [(item.label, item.share / top) for item in spec.cloud if item.share > 0]
    for word in layout_cloud(items, w, h, _width_of):
        color = pal.accent if word.weight >= 0.3 else pal.muted
        alpha = 1.0 if word.weight >= 0.55 or word.weight < 0.3 else 0.8
        for lx, ly, line in word.baselines(_width_of):
            sheet.text(x0 + lx, y0 + ly, line, word.size, color, bold=word.bold, alpha=alpha)


def _width_of(text: str, size: float, bold: bool) -> float:
    return text_width(text, size, bold)


# --- entry point ------------------------------------------------------------------------------

_DRAW: dict[type, Callable[..., VectorDrawing]] = {
    HeadlineChart: _headline,
    RightsChart: _rights,
    ComparisonChart: _comparison,
    TrendChart: _trend,
    EsrTrendChart: _esr_trend,
    EsrRightsChart: _esr_rights,
    AtRiskChart: _at_risk,
}


def render_chart(
    spec: ChartSpec,
    style: Style,
    width: float,
    decimal: str = ".",
    percent: str = "{}%",
) -> VectorDrawing:
    """Draw ``spec`` in ``style`` at ``width`` points wide → a recorded ``VectorDrawing``.

    Numbers are printed with the report language's ``decimal`` sign and ``percent`` pattern
    ("{}" stands for the number). The height follows the content (at most ``MAX_HEIGHT``).
    Not thread-safe: figures and the recording renderer are reused within a process.
    """
    if width < MIN_WIDTH:
        raise ValueError(f"chart width {width:.0f} pt is too narrow: use at least {MIN_WIDTH:.0f}")
    draw = _DRAW.get(type(spec))
    if draw is None:
        raise TypeError(f"not a chart specification: {type(spec).__name__}")
    token = NUMBER_FORMAT.set((decimal, percent))
    try:
        return draw(spec, Palette.of(style), Sizes.of(style), float(width))
    finally:
        NUMBER_FORMAT.reset(token)
