"""Charts of quality of life: the overall score over time and each right under both benchmarks."""

from __future__ import annotations

import math

from reportgen.charts._common import (
    _axis_label_block,
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
    _spread,
    _tick_block,
    _ticks,
    _value_ticks,
)
from reportgen.charts._kit import Axis, Frame, Palette, Sizes, x_axis, y_axis
from reportgen.charts._legend import Key, draw_legend, legend_height, legend_rows
from reportgen.charts._text import (
    ASCENT,
    DESCENT,
    baseline_for_centre,
    fmt_pct,
    fmt_tick,
    line_height,
    text_ink,
    text_width,
    widest,
    wrap,
)
from reportgen.model import EsrRightsChart, EsrTrendChart
from reportgen.vector import VectorDrawing

# --- 5. quality of life over time ----------------------------------------------------------------


def _esr_trend(
    spec: EsrTrendChart, pal: Palette, sizes: Sizes, width: float, *, compact: bool = False
) -> VectorDrawing:
    """Both benchmarks over the years, y in % from just below the data to 100.

    ``compact``: a plot about half as tall (still 14 pt or more between gridlines, and room
    for every band name beside it), the title, legend and axis label closer to it.
    """
    frame = Frame.of(spec.texts, width, sizes, compact=compact)
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
    legend_h = legend_height(legend, sizes.label) + (2.0 if compact else 4.0)
    axis_lines = wrap(spec.texts.axis, sizes.label, width - 1.0)
    axis_gap = 5.0 if compact else 8.0
    axis_h = (
        (ASCENT + DESCENT) * sizes.label
        + (len(axis_lines) - 1) * line_height(sizes.label)
        + axis_gap
        if axis_lines
        else 0.0
    )
    names = [
        (b, spec.texts.band_labels.get(b, ""), lower, upper) for b, lower, upper in scale.bands
    ]
    if compact:
        shown = [t for _b, t, lower, upper in names if t and upper > lo and lower < top_value]
        stack = len(shown) * _band_name_pitch(shown, sizes) + 4.0
        ends_h = 2 * ((ASCENT + DESCENT) * sizes.value + 1.0) + 4.0
        plot_h = max(84.0, (len(y_ticks) - 1) * 14.0, stack, ends_h)
    else:
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
    baseline = (
        py1
        + axis_gap
        - 1.0
        + DESCENT * sizes.label
        + (len(axis_lines) - 1) * line_height(sizes.label)
    )
    for line in axis_lines:
        sheet.text(0.5, baseline, line, sizes.label, pal.muted)
        baseline -= line_height(sizes.label)
    y_axis(sheet, y, y_ticks, y_labels, px0, px1, pal, sizes)
    _draw_years_and_bands(sheet, x, y, years, scale, px0, px1 - px0, py0, py1, pal, sizes)
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
        # The second benchmark's grey is a mark colour (3:1); its value is set in muted text.
        ends.append((ys[-1], fmt_pct(vals[-1]), color if bold else pal.muted, bold))
    if ends:
        x_end = x(float(years[len(spec.income_adjusted or spec.global_best) - 1])) + 5.0
        placed = _spread([e[0] for e in ends], (ASCENT + DESCENT) * sizes.value + 1.0, py0, py1)
        for (_y, label, color, bold), yc in zip(ends, placed, strict=True):
            sheet.text(
                x_end, baseline_for_centre(yc, sizes.value), label, sizes.value, color, bold=bold
            )
    return sheet.record()


# --- 6. quality of life rights --------------------------------------------------------------------


def _esr_rights(
    spec: EsrRightsChart, pal: Palette, sizes: Sizes, width: float, *, compact: bool = False
) -> VectorDrawing:
    """Two bars per right (the two benchmarks, or women and men), value labels, band shading.

    ``compact``: thinner bars (each still as tall as its value label), closer rows, the title,
    legend and band names closer to the plot; the same words at the same sizes.
    """
    frame = Frame.of(spec.texts, width, sizes, compact=compact)
    items = spec.items
    if spec.by_sex:
        kinds = [("female", pal.female), ("male", pal.male)]
    else:
        kinds = [("income_adjusted", pal.accent), ("global_best", pal.global_best)]

    def value(item: object, key: str) -> float | None:
        v = getattr(item, key)
        return None if v is None else float(v)

    shown = [k for k in kinds if any(value(i, k[0]) is not None for i in items)]
    keys = [Key(spec.texts.legend.get(k, k), c, "box") for k, c in shown]
    labels = [wrap(i.label, sizes.label, width * 0.3) or ("",) for i in items]
    label_col = max((widest(lines, sizes.label) for lines in labels), default=0.0)
    value_room = text_width("100.0%", sizes.value) + 6.0
    values = [fmt_pct(v) for i in items for k, _c in shown if (v := value(i, k)) is not None]
    if compact:
        # Bars as close as their value labels (each centred on its bar) stack 1 pt apart.
        bar_gap = 1.0
        bar_h = max(max((text_ink(t, sizes.value)[1] for t in values), default=0.0) + 1.0, 5.0)
        bar_h -= bar_gap
    else:
        bar_h, bar_gap = 7.5, 1.5
    n_bars = max(len(shown), 1)
    group_h = n_bars * bar_h + (n_bars - 1) * bar_gap
    lh = line_height(sizes.label)
    if compact:  # each row as tall as its own label or bars need, 4 pt between bars of rows
        rows = [max(group_h + 4.0, len(lines) * lh + 2.0) for lines in labels]
        offsets = [sum(rows[:i]) + rows[i] / 2 for i in range(len(rows))]  # row centres
        plot_h = sum(rows) or group_h + 4.0
    else:
        most = max((len(lines) for lines in labels), default=1)
        pitch = max(group_h + 9.0, most * lh + 6.0)
        offsets = [(i + 0.5) * pitch for i in range(len(items))]
        plot_h = max(len(items), 1) * pitch
    legend = legend_rows(keys, sizes.label, width - label_col - 11.0)
    legend_h = legend_height(legend, sizes.label) + (2.0 if compact else 4.0) if keys else 0.0
    px0, px1 = label_col + 10.0, width - value_room
    scale = spec.scale
    x = Axis(0.0, scale.maximum, px0, px1)
    bands = _band_labels_x(scale, spec.texts, x, sizes, room=(0.5, width - 0.5))
    band_row = _band_row(spec.texts, sizes, compact=compact, bands=bands)
    bottom = _tick_block(sizes) + _axis_label_block(spec.texts, sizes, width, compact=compact)
    height = frame.title_height + legend_h + band_row + plot_h + bottom + frame.source_height

    py1 = height - frame.title_height - legend_h - band_row
    py0 = py1 - plot_h

    sheet = _sheet("esr_rights")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    if keys:
        draw_legend(sheet, legend, px0, height - frame.title_height, sizes.label, pal)
    ticks = _value_ticks(scale)
    x_axis(sheet, x, ticks, [fmt_tick(t) for t in ticks], py0, py1, pal, sizes)
    _draw_band_shading_x(sheet, scale, x, py0, py1, pal)
    _draw_band_labels_x(sheet, bands, py1, pal, gap=1.5 if compact else 3.0)
    for i, item in enumerate(items):
        yc = py1 - offsets[i]
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
