"""Charts of civil and political scores: the headline scores, a dimension's rights, one right
across countries (with a cached base drawing per right and year), and scores over time."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from reportgen.charts._bands import BandLabels
from reportgen.charts._common import (
    MAX_HEIGHT,
    _axis_label_block,
    _band_color,
    _band_labels_x,
    _band_name_pitch,
    _band_row,
    _draw_axis_label,
    _draw_band_labels_x,
    _draw_band_names_y,
    _draw_band_shading_x,
    _draw_row_label,
    _draw_years_and_bands,
    _sheet,
    _tick_block,
    _ticks,
    _value_ticks,
)
from reportgen.charts._kit import (
    MIN_TEXT,
    Axis,
    Frame,
    Palette,
    Sheet,
    Sizes,
    Tagged,
    x_axis,
    y_axis,
)
from reportgen.charts._text import (
    ASCENT,
    DESCENT,
    NUMBER_FORMAT,
    baseline_for_centre,
    fmt_score,
    fmt_tick,
    line_height,
    text_width,
    widest,
    wrap,
)
from reportgen.model import (
    BandScaleSpec,
    ChartTexts,
    ComparisonChart,
    HeadlineChart,
    RightsChart,
    TrendChart,
)
from reportgen.vector import Op, VectorDrawing

# --- 1. headline scores ---------------------------------------------------------------------


def _headline(spec: HeadlineChart, pal: Palette, sizes: Sizes, width: float) -> VectorDrawing:
    """Each headline score as a bar over a track shaded by its four bands.

    Band names are written over the first track of each scale (direct labels, readable in
    greyscale, where a colour legend would not be), band limits under every track.
    """
    frame = Frame.of(spec.texts, width, sizes)
    items = spec.items
    labels = [wrap(i.label, sizes.label, width * 0.3, bold=True) or ("",) for i in items]
    label_col = max((widest(lines, sizes.label, True) for lines in labels), default=0.0)
    value_col = widest([i.value_text for i in items], sizes.label, bold=True) + 6.0
    track_x0 = label_col + 12.0
    track_x1 = width - value_col - 1.0
    track_h, bar_h = 12.0, 6.0
    names_h = (ASCENT + DESCENT) * sizes.small + 3.0
    threshold_h = 2.5 + (ASCENT + DESCENT) * sizes.small
    seen: list[tuple[object, ...]] = []
    named: list[BandLabels | None] = []  # the band names over the first track of each scale
    for item in items:
        key = (item.scale.bands, item.scale.maximum)
        x = Axis(0.0, item.scale.maximum, track_x0, track_x1)
        show = bool(spec.texts.band_labels) and key not in seen
        named.append(_band_labels_x(item.scale, spec.texts, x, sizes) if show else None)
        seen.append(key)
    names = [names_h + bands.extra if bands is not None else 0.0 for bands in named]
    row_h = [
        max(track_h, len(lines) * line_height(sizes.label)) + threshold_h + extra + 9.0
        for lines, extra in zip(labels, names, strict=True)
    ]
    height = frame.title_height + sum(row_h) + frame.source_height - 6.0

    sheet = _sheet("headline")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    top = height - frame.title_height
    for i, item in enumerate(items):
        x = Axis(0.0, item.scale.maximum, track_x0, track_x1)
        yc = top - names[i] - track_h / 2 - 1.0
        bands = named[i]
        if bands is not None:  # the names' lowest ink 4 pt above the track
            _draw_band_labels_x(sheet, bands, yc + track_h / 2, pal, gap=4.0)
        for band, lower, upper in item.scale.bands:
            a, b = x(x.clip(lower)), x(x.clip(upper))
            if b - a > 0.01:
                sheet.rect(a, yc - track_h / 2, b - a, track_h, pal.tint[band])
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


def _rights(
    spec: RightsChart, pal: Palette, sizes: Sizes, width: float, *, compact: bool = False
) -> VectorDrawing:
    """One row per right: 10th–90th percentile band, dot at the score, value label.

    ``compact``: rows as close as their labels allow, the title and band names closer to the
    plot; the same words at the same sizes.
    """
    frame = Frame.of(spec.texts, width, sizes, compact=compact)
    items = spec.items
    labels = [wrap(i.label, sizes.label, width * 0.36) or ("",) for i in items]
    label_col = max((widest(lines, sizes.label) for lines in labels), default=0.0)
    values = [fmt_score(i.mean) for i in items]
    value_room = widest(values, sizes.value, bold=True) + 14.0
    # Rows of 22 pt; each further line of the longest label adds about 4 pt to every row (two
    # lines: 26 pt), which leaves the lines room within their row.
    most = max((len(lines) for lines in labels), default=1)
    pitch = 22.0 + (most - 1) * max(line_height(sizes.label) - 5.5, 4.0)
    if compact:  # each row as tall as its own label's lines and a little room, or the dot
        rows = [max(13.0, len(lines) * line_height(sizes.label) + 2.5) for lines in labels]
        offsets = [sum(rows[:i]) + rows[i] / 2 for i in range(len(rows))]  # row centres
        plot_h = sum(rows) or 13.0
    else:
        offsets = [(i + 0.5) * pitch for i in range(len(items))]
        plot_h = max(len(items), 1) * pitch
    px0, px1 = label_col + 12.0, width - value_room
    scale = spec.scale
    x = Axis(0.0, scale.maximum, px0, px1)
    bands = _band_labels_x(scale, spec.texts, x, sizes, room=(0.5, width - 0.5))
    band_row = _band_row(spec.texts, sizes, compact=compact, bands=bands)
    bottom = _tick_block(sizes) + _axis_label_block(spec.texts, sizes, width, compact=compact)
    height = frame.title_height + band_row + plot_h + bottom + frame.source_height

    py1 = height - frame.title_height - band_row
    py0 = py1 - plot_h

    sheet = _sheet("rights")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    ticks = _value_ticks(scale)
    x_axis(sheet, x, ticks, [fmt_tick(t) for t in ticks], py0, py1, pal, sizes)
    _draw_band_shading_x(sheet, scale, x, py0, py1, pal)
    _draw_band_labels_x(sheet, bands, py1, pal, gap=1.5 if compact else 3.0)

    for i, item in enumerate(items):
        yc = py1 - offsets[i]
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
    """Where everything of a comparison chart goes. It does not depend on the highlight: every
    label is wrapped as the bold highlighted label would be, so one base drawing serves every
    country of a release."""

    frame: Frame
    height: float
    size: float  # row label type size
    lines: tuple[tuple[str, ...], ...]  # every row's label, wrapped to the label column
    centres: tuple[float, ...]  # every row's centre (points)
    heights: tuple[float, ...]  # every row's height (points)
    label_col: float
    value_room: float
    axis_beside: bool  # the axis label sits left of the tick labels, in the label column
    x: Axis
    py0: float
    py1: float
    highlight: int  # row index, -1 for none
    bands: BandLabels  # the band names over the plot

    def row_y(self, i: int) -> float:
        """Centre of row ``i`` in points."""
        return self.centres[i]


_COMPARE_PAD = 0.75
"""Room above the first row and below the last one inside the plot (points)."""


def _compare_layout(spec: ComparisonChart, sizes: Sizes, width: float) -> _CompareLayout:
    """A compact chart: rows about 8 pt apart at 7 pt (scaled with the chart size); a label
    too wide for the column wraps and its row grows by a line. The label column takes up to
    40% of the width, more only when the chart would otherwise outgrow ``MAX_HEIGHT``."""
    frame = Frame.of(spec.texts, width, sizes, compact=True)
    items = spec.items
    size = max(MIN_TEXT, round(sizes.label * 0.875, 2))
    pitch = max(8.0, round(sizes.label * 1.0, 2))
    lh = line_height(size)
    value_room = text_width("10.0", sizes.value, bold=True) + 12.0
    axis_w = text_width(spec.texts.axis, sizes.label) if spec.texts.axis else 0.0
    highlight = next(
        (i for i, item in enumerate(items) if item.label == spec.highlight),
        next((i for i, item in enumerate(items) if item.highlight), -1),
    )
    widest_label = widest([item.label for item in items], size, bold=True)
    lines: list[tuple[str, ...]] = []
    label_col = 0.0
    heights: list[float] = []
    height = 0.0
    axis_beside = False
    bands = BandLabels((), sizes.small, ())
    band_row = 0.0
    for share in (0.4, 0.5, 0.6):
        label_col = min(widest_label, width * share)
        lines = [wrap(item.label, size, label_col, bold=True) or ("",) for item in items]
        label_col = max((widest(ls, size, bold=True) for ls in lines), default=0.0)
        x = Axis(0.0, spec.scale.maximum, label_col + 10.0, width - value_room)
        bands = _band_labels_x(spec.scale, spec.texts, x, sizes, room=(0.5, width - 0.5))
        band_row = _band_row(spec.texts, sizes, compact=True, bands=bands)
        # The axis label goes left of the tick labels when the label column holds it.
        axis_beside = bool(spec.texts.axis) and axis_w <= max(label_col, 1.0)
        bottom = _tick_block(sizes) + (
            0.0 if axis_beside else _axis_label_block(spec.texts, sizes, width)
        )
        heights = [pitch + (len(ls) - 1) * lh for ls in lines]
        fixed = frame.title_height + band_row + bottom + frame.source_height
        height = fixed + sum(heights) + 2 * _COMPARE_PAD
        if height <= MAX_HEIGHT:
            break
    if height > MAX_HEIGHT:  # very many rows: close them up, never below the text's height
        rows_h = sum(heights)
        floor = (ASCENT + DESCENT) * size / pitch
        factor = max((MAX_HEIGHT - (height - rows_h)) / rows_h, floor)
        heights = [h * factor for h in heights]
        height += sum(heights) - rows_h
    px0, px1 = label_col + 10.0, width - value_room
    py1 = height - frame.title_height - band_row
    centres: list[float] = []
    top = py1 - _COMPARE_PAD
    for h in heights:
        centres.append(top - h / 2)
        top -= h
    return _CompareLayout(
        frame=frame,
        height=height,
        size=size,
        lines=tuple(lines),
        centres=tuple(centres),
        heights=tuple(heights),
        label_col=label_col,
        value_room=value_room,
        axis_beside=axis_beside,
        x=Axis(0.0, spec.scale.maximum, px0, px1),
        py0=top - _COMPARE_PAD,
        py1=py1,
        highlight=highlight,
        bands=bands,
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
        _draw_band_labels_x(sheet, lay.bands, lay.py1, pal, gap=1.5)
        if lay.axis_beside:
            baseline = lay.py0 - 3.0 - ASCENT * sizes.tick
            sheet.text(lay.label_col, baseline, spec.texts.axis, sizes.label, pal.muted, ha="right")
        else:
            _draw_axis_label(sheet, spec.texts, x, lay.py0, sizes, pal)
    left = [i for i in rows if items[i].lo < 0]
    right = [i for i in rows if items[i].hi > scale.maximum]
    for i in rows:
        sheet.tag = i
        y = lay.row_y(i)
        sheet.segments(
            [((x(x.clip(items[i].lo)), y), (x(x.clip(items[i].hi)), y))], pal.others, 1.2
        )
    for i in left:
        sheet.tag = i
        sheet.dots([x.start - 2.0], [lay.row_y(i)], pal.others, 3.5, marker="<")
    for i in right:
        sheet.tag = i
        sheet.dots([x.end + 2.0], [lay.row_y(i)], pal.others, 3.5, marker=">")
    for i in rows:
        sheet.tag = i
        sheet.dots([x(x.clip(items[i].mean))], [lay.row_y(i)], pal.others, 4.5)
    for i in rows:
        sheet.tag = i
        _draw_row_label(sheet, lay.lines[i], lay.label_col, lay.row_y(i), lay.size, pal.muted)
    sheet.tag = None
    if not highlight or lay.highlight < 0:
        return
    h = lay.highlight
    item = items[h]
    y = lay.row_y(h)
    # A light neutral band across the row (the band tints show through it).
    sheet.rect(
        0.0,
        y - lay.heights[h] / 2,
        x.end + lay.value_room - 1.0,
        lay.heights[h],
        pal.highlight,
        alpha=_HIGHLIGHT_ROW_ALPHA,
        front=False,
    )
    lo, hi = x(x.clip(item.lo)), x(x.clip(item.hi))
    sheet.segments([((lo, y), (hi, y))], pal.highlight, 2.0)
    end = hi
    if item.lo < 0:
        sheet.dots([x.start - 2.5], [y], pal.highlight, 4.5, marker="<")
    if item.hi > scale.maximum:
        sheet.dots([x.end + 2.5], [y], pal.highlight, 4.5, marker=">")
        end = x.end + 5.0
    dot = x(x.clip(item.mean))
    end = max(end, dot + 3.5)
    sheet.dots([dot], [y], pal.highlight, 7.0)
    sheet.text(
        end + 3.0,
        baseline_for_centre(y, sizes.value),
        fmt_score(item.mean),
        sizes.value,
        pal.highlight,
        bold=True,
    )
    _draw_row_label(sheet, lay.lines[h], lay.label_col, y, lay.size, pal.text, bold=True)


_HIGHLIGHT_ROW_ALPHA = 0.08
"""The highlighted row's background: the highlight ink at this opacity, a light grey."""


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


def _trend(
    spec: TrendChart, pal: Palette, sizes: Sizes, width: float, *, compact: bool = False
) -> VectorDrawing:
    """Small multiples: one panel per series, shared 0–10 scale, band shading.

    Band names are written beside the last panel of each row (direct labels, readable in
    greyscale); the value of the last survey year is printed at the end of each line.
    ``compact``: lower panels (room enough for the band names beside them and the tick
    labels), rows and the title closer together; the same words at the same sizes.
    """
    frame = Frame.of(spec.texts, width, sizes, compact=compact)
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
    titles = [
        wrap(s.label, sizes.label, panel_w - 2.0, bold=k == 0) or ("",)
        for k, s in enumerate(series)
    ]
    title_lines = [
        max((len(titles[k]) for k in range(r * cols, min(n, (r + 1) * cols))), default=1)
        for r in range(rows)
    ]
    if compact:
        shown = [
            t for _b, t, lower, upper in band_names if t and upper > 0 and lower < scale.maximum
        ]
        stack = len(shown) * _band_name_pitch(shown, sizes) + 2.0
        plot_h = max(38.0, stack, (len(y_ticks) - 1) * ((ASCENT + DESCENT) * sizes.tick + 6.0))
    else:
        plot_h = 64.0
    axis_lines = wrap(spec.texts.axis, sizes.label, width - 1.0)
    head_h = (
        (ASCENT + DESCENT) * sizes.label
        + (len(axis_lines) - 1) * line_height(sizes.label)
        + (5.0 if compact else 8.0)
        if axis_lines
        else 0.0
    )
    title_gap = 3.0 if compact else 4.0
    row_h = [
        (ASCENT + DESCENT) * sizes.label
        + (lines - 1) * line_height(sizes.label)
        + title_gap
        + plot_h
        + _tick_block(sizes)
        for lines in title_lines
    ]
    row_gap = 5.0 if compact else 8.0
    height = frame.title_height + head_h + sum(row_h) + row_gap * (rows - 1) + frame.source_height

    sheet = _sheet("trend")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    top = height - frame.title_height
    baseline = baseline_for_centre(top - (ASCENT + DESCENT) * sizes.label / 2 - 1.0, sizes.label)
    for line in axis_lines:
        sheet.text(0.5, baseline, line, sizes.label, pal.muted)
        baseline -= line_height(sizes.label)
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
        py1 = row_top - ((ASCENT + DESCENT) * sizes.label + (title_lines[r] - 1) * lh + title_gap)
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
        _draw_years_and_bands(sheet, x, y, years, scale, px0, panel_w, py0, py1, pal, sizes)
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
