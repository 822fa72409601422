"""What every chart drawing shares: limits, sheets, ticks, band shading and labels, row labels."""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportgen.charts._bands import LEADER_GAP, BandLabels, place_band_labels
from reportgen.charts._kit import Axis, Palette, Sheet, Sizes, x_axis
from reportgen.charts._text import (
    ASCENT,
    DESCENT,
    baseline_for_centre,
    line_height,
    text_ink,
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


def _axis_label_block(
    texts: ChartTexts, sizes: Sizes, width: float, compact: bool = False
) -> float:
    """Room under the tick labels for the value-axis label (all its lines; ``compact``: less
    room under it, the source keeping its own gap)."""
    lines = _axis_label_lines(texts, sizes, width)
    if not lines:
        return 0.0
    pad = 1.5 if compact else 4.0
    return (ASCENT + DESCENT) * sizes.label + (len(lines) - 1) * line_height(sizes.label) + pad


def _band_row(
    texts: ChartTexts, sizes: Sizes, compact: bool = False, bands: BandLabels | None = None
) -> float:
    """Room above a plot for band names (``compact``: closer to the plot), with the further
    lines and tiers of ``bands`` (wrapped names, names joined to their band by a leader)."""
    if not texts.band_labels:
        return 0.0
    extra = bands.extra if bands is not None else 0.0
    return (ASCENT + DESCENT) * sizes.small + (2.0 if compact else 5.0) + extra


def _band_labels_x(
    scale: BandScaleSpec,
    texts: ChartTexts,
    x: Axis,
    sizes: Sizes,
    room: tuple[float, float] | None = None,
) -> BandLabels:
    """Where the band names go over a plot whose value axis is ``x`` (every one of them)."""
    spans = [
        (texts.band_labels.get(band, ""), x(x.clip(lower)), x(x.clip(upper)))
        for band, lower, upper in scale.bands
        if texts.band_labels.get(band)
    ]
    return place_band_labels(spans, sizes.small, x.start, x.end, room=room)


def _draw_band_shading_x(
    sheet: Sheet, scale: BandScaleSpec, x: Axis, y0: float, y1: float, pal: Palette
) -> None:
    """Vertical band stripes over [y0, y1] in the band tints (limits clipped to the axis)."""
    for band, lower, upper in scale.bands:
        a, b = x(x.clip(lower)), x(x.clip(upper))
        if b - a > 0.01:
            sheet.rect(a, y0, b - a, y1 - y0, pal.tint[band], front=False)


def _draw_band_labels_x(
    sheet: Sheet, bands: BandLabels, y_top: float, pal: Palette, gap: float = 3.0
) -> None:
    """Band names laid out by ``_band_labels_x``: the lowest line ``gap`` points above the
    plot, whose top is ``y_top``; a name in a tier above joined to its band by a leader."""
    size = bands.size
    lh = line_height(size)
    base = y_top + gap + DESCENT * size
    for label in bands.labels:
        bottom = base + bands.offset(label.tier)  # baseline of the label's last line
        last = len(label.lines) - 1
        for k, line in enumerate(label.lines):
            sheet.text(label.centre, bottom + (last - k) * lh, line, size, pal.muted, ha="center")
        if label.leader:
            ink = bottom - DESCENT * size
            end = min(max(label.anchor, label.left + 1.0), label.right - 1.0)
            sheet.line(
                [label.anchor, label.anchor, end],
                [y_top, ink - LEADER_GAP / 2, ink - 0.5],
                pal.muted,
                0.5,
            )


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


def _band_name_pitch(names: Sequence[str], sizes: Sizes) -> float:
    """The least distance between the centres of two band names set one above the other."""
    inks = [text_ink(name, sizes.small) for name in names if name]
    if not inks:
        return 0.0
    return max(h - d for _w, h, d in inks) + max(d for _w, _h, d in inks) + 1.5


def _draw_band_names_y(
    sheet: Sheet,
    bands: Sequence[tuple[BandName, str, float, float]],
    y: Axis,
    x: float,
    sizes: Sizes,
    pal: Palette,
) -> None:
    """Band names left-aligned at ``x``, right of a plot (ending 4 pt before ``x``) whose
    value axis is ``y``: each centred on its visible span; where spans are too narrow to hold
    the names, they move apart (inside the plot's height), and one moved off its own band is
    joined to it by a short leader. Every band visible on the axis is named."""
    shown = [
        (name, a, b)
        for _band, name, lower, upper in bands
        if name and (b := y(y.clip(upper))) - (a := y(y.clip(lower))) > 0.5
    ]
    if not shown:
        return
    pitch = _band_name_pitch([name for name, _a, _b in shown], sizes)
    lo, hi = min(y.start, y.end), max(y.start, y.end)
    centres = _spread([(a + b) / 2 for _n, a, b in shown], pitch, lo, hi)
    for (name, a, b), yc in zip(shown, centres, strict=True):
        sheet.text(x, baseline_for_centre(yc, sizes.small), name, sizes.small, pal.muted)
        if not a - 0.01 <= yc <= b + 0.01:
            anchor = (a + b) / 2 if b - a < 2.0 else min(max(yc, a + 1.0), b - 1.0)
            sheet.line([x - 4.0, x - 1.0], [anchor, yc], pal.muted, 0.5)
