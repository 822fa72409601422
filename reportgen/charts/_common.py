"""What every chart drawing shares: limits, sheets, ticks, band shading and labels, row labels."""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportgen.charts._kit import Axis, Palette, Sheet, Sizes, x_axis
from reportgen.charts._text import (
    ASCENT,
    DESCENT,
    baseline_for_centre,
    line_height,
    place_band_labels,
    text_width,
    widest,
    wrap,
)
from reportgen.model import BandScaleSpec, ChartTexts
from reportgen.style import BandName

MAX_HEIGHT = 640.0
"""No chart is taller than this (points): it must fit on a page with its caption."""

MIN_WIDTH = 220.0
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


def _axis_label_lines(texts: ChartTexts, sizes: Sizes, width: float) -> tuple[str, ...]:
    """The value-axis label wrapped to the chart's width."""
    return wrap(texts.axis, sizes.label, width - 2.0)


def _axis_label_block(texts: ChartTexts, sizes: Sizes, width: float) -> float:
    """Room under the tick labels for the value-axis label (all its lines)."""
    lines = _axis_label_lines(texts, sizes, width)
    if not lines:
        return 0.0
    return (ASCENT + DESCENT) * sizes.label + (len(lines) - 1) * line_height(sizes.label) + 4.0


def _band_row(texts: ChartTexts, sizes: Sizes, compact: bool = False) -> float:
    """Room above a plot for band names (``compact``: closer to the plot)."""
    if not texts.band_labels:
        return 0.0
    return (ASCENT + DESCENT) * sizes.small + (2.0 if compact else 5.0)


def _draw_band_shading_x(
    sheet: Sheet, scale: BandScaleSpec, x: Axis, y0: float, y1: float, pal: Palette
) -> None:
    """Vertical band stripes over [y0, y1] in the band tints (limits clipped to the axis)."""
    for band, lower, upper in scale.bands:
        a, b = x(x.clip(lower)), x(x.clip(upper))
        if b - a > 0.01:
            sheet.rect(a, y0, b - a, y1 - y0, pal.tint[band], front=False)


def _draw_band_labels_x(
    sheet: Sheet,
    scale: BandScaleSpec,
    texts: ChartTexts,
    x: Axis,
    y_top: float,
    sizes: Sizes,
    pal: Palette,
    gap: float = 3.0,
) -> None:
    """Band names ``gap`` points above the plot, centred over their stripes where they fit."""
    if not texts.band_labels:
        return
    spans = [
        (texts.band_labels.get(band, ""), x(x.clip(lower)), x(x.clip(upper)))
        for band, lower, upper in scale.bands
        if texts.band_labels.get(band)
    ]
    baseline = y_top + gap + DESCENT * sizes.small
    for label, centre in place_band_labels(spans, sizes.small, x.start, x.end):
        sheet.text(centre, baseline, label, sizes.small, pal.muted, ha="center")


def _draw_axis_label(
    sheet: Sheet, texts: ChartTexts, x: Axis, y_plot_bottom: float, sizes: Sizes, pal: Palette
) -> None:
    """The value-axis label, centred under the tick labels (wrapped if it must be)."""
    lines = _axis_label_lines(texts, sizes, sheet.width)
    if not lines:
        return
    baseline = y_plot_bottom - _tick_block(sizes) - 1.0 - ASCENT * sizes.label
    centre = (x.start + x.end) / 2
    half = widest(lines, sizes.label) / 2
    centre = min(max(centre, half + 0.5), sheet.width - half - 0.5)
    for line in lines:
        sheet.text(centre, baseline, line, sizes.label, pal.muted, ha="center")
        baseline -= line_height(sizes.label)


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


def _draw_years_and_bands(
    sheet: Sheet,
    x: Axis,
    y: Axis,
    years: Sequence[int],
    scale: BandScaleSpec,
    left: float,
    width: float,
    py0: float,
    py1: float,
    pal: Palette,
    sizes: Sizes,
) -> None:
    """Year labels (no grid) under a panel and its band shading, for the charts over time."""
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
            sheet.rect(left, a, width, b - a, pal.tint[band], front=False)
