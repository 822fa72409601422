"""The scorecard: every right of a country in one graphic, one row per right.

In:  a ``Scorecard`` (panels of rows: a right, or a dimension's or the overall score; every
     word printed, already in the report's language), palette, sizes, and a width from about
     260 pt (half a page) to the full text column.
Out: a ``VectorDrawing`` whose height follows the rows.

Columns, left to right: the right's name (headline rows in bold, a rule above them); the
printed score; a chip in the band's colour and the band's name; a small scale shaded with the
four band tints, the score as a dot in the highlight ink and, where given, its uncertainty
band as a line; the change mark (an arrow up or down, filled for a clear change and outlined
for a slight one, a dash for no change, nothing when there is no earlier score) and the
earlier score it is measured from. Column heads at the top, a legend of the change marks the
rows show at the bottom. ``texts.axis`` is not printed: the panels have different scales, and each
panel's title and the ends printed over its scale give its unit. Where the width cannot give the names a fair column (narrower than about 330 pt)
each name takes a line of its own above its row's marks. Names wrap; nothing is ever cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reportgen.charts._common import _sheet
from reportgen.charts._kit import Axis, Frame, Palette, Sheet, Sizes
from reportgen.charts._legend import (
    FLAT,
    Key,
    LegendEntry,
    draw_arrow,
    draw_legend,
    legend_height,
    legend_rows,
)
from reportgen.charts._text import (
    ASCENT,
    CAP,
    DESCENT,
    baseline_for_centre,
    fmt_tick_unit,
    line_height,
    text_width,
    widest,
    wrap,
)
from reportgen.model import BandScaleSpec, Scorecard, ScorecardRow
from reportgen.vector import VectorDrawing

_GAP = 8.0  # between columns
_NARROW_GAP = 6.0  # between columns when the names take a line of their own
_BAND_GAP = 3.0  # between a chip and its band name, an arrow and its change text
_MIN_SCALE = 50.0  # the scale is never narrower (points)
_RULE = 0.6  # rules under the heads and above headline rows
_UNCERTAINTY_ALPHA = 0.45  # the uncertainty line: the highlight ink, lighter
# The legend of the change marks: a filled arrow is a clear change, an outline one a slight
# change (which way it points says up or down); the dash is about the same.
_LEGEND_KEYS: tuple[tuple[str, Literal["up", "down", "flat", "up_open"]], ...] = (
    ("clear", "up"),
    ("slight", "up_open"),
    ("flat", "flat"),
)


@dataclass(frozen=True, slots=True)
class _Columns:
    """Horizontal positions (points). ``stacked``: names on a line of their own."""

    stacked: bool
    label_w: float  # the names' column (the full width when stacked)
    value_x0: float  # the score's column
    value_x1: float  # the score, right-aligned here
    band_x0: float  # the chip, then the band name
    scale_x0: float
    scale_x1: float
    change_x0: float  # the change mark, then the change text
    has_change: bool


@dataclass(frozen=True, slots=True)
class _Metrics:
    """Sizes of the marks, derived from the type sizes."""

    row_min: float  # height of a row of one line
    track_h: float  # the scale's height
    dot: float  # the score's dot (diameter)
    chip: float  # the band chip's side
    arrow: float  # the change arrow's height
    arrow_w: float  # room for the change mark


def _metrics(sizes: Sizes) -> _Metrics:
    arrow = CAP * sizes.label + 2.0
    return _Metrics(
        row_min=round(sizes.label * 2.0, 2),
        track_h=round(sizes.label * 0.875, 2),
        dot=round(sizes.label * 0.75, 2),
        chip=CAP * sizes.small + 1.5,
        arrow=arrow,
        arrow_w=arrow * 0.84 + 1.0,
    )


def _columns(spec: Scorecard, sizes: Sizes, width: float, m: _Metrics) -> _Columns:
    """Measure the fixed columns, give the scale about a quarter of the width and the names
    the rest; if the names would get less than ~30% (at least 90 pt), stack them."""
    rows = [row for panel in spec.panels for row in panel.rows]
    legend = spec.texts.legend
    value_w = widest([r.value_text for r in rows], sizes.label, bold=True)
    band_w = m.chip + _BAND_GAP + widest([r.band_text for r in rows], sizes.small)
    head = legend.get("score", "")
    band_w = max(band_w, text_width(head, sizes.small, bold=True) - value_w - 5.0)
    has_change = any(r.direction != "none" or r.change for r in rows)
    change_w = 0.0
    if has_change:
        change_w = m.arrow_w + _BAND_GAP + widest([r.change for r in rows], sizes.small)
        change_w = max(change_w, text_width(legend.get("change", ""), sizes.small, bold=True))
    right = width - 0.5
    fixed = value_w + 5.0 + band_w + (change_w + _GAP if has_change else 0.0)
    scale_w = min(max(width * 0.24, _MIN_SCALE), 140.0)
    label_min = max(90.0, width * 0.3)
    label_w = right - 0.5 - fixed - scale_w - 2 * _GAP
    if label_w < label_min:
        scale_w = max(_MIN_SCALE, scale_w - (label_min - label_w))
        label_w = right - 0.5 - fixed - scale_w - 2 * _GAP
    if label_w >= label_min:
        value_x1 = 0.5 + label_w + _GAP + value_w
        band_x0 = value_x1 + 5.0
        scale_x0 = band_x0 + band_w + _GAP
        scale_x1 = scale_x0 + scale_w
        change_x0 = scale_x1 + _GAP
        return _Columns(
            False,
            label_w,
            value_x1 - value_w,
            value_x1,
            band_x0,
            scale_x0,
            scale_x1,
            change_x0,
            has_change,
        )
    # Stacked: the marks on a line of their own, the scale taking the width that is left.
    value_x1 = 0.5 + value_w
    band_x0 = value_x1 + 5.0
    scale_x0 = band_x0 + band_w + _NARROW_GAP
    change_x0 = right - change_w if has_change else right
    scale_x1 = change_x0 - _NARROW_GAP if has_change else right
    scale_x1 = max(scale_x1, scale_x0 + 1.0)
    return _Columns(
        True, right - 0.5, 0.5, value_x1, band_x0, scale_x0, scale_x1, change_x0, has_change
    )


@dataclass(frozen=True, slots=True)
class _Row:
    row: ScorecardRow
    lines: tuple[str, ...]
    height: float


@dataclass(frozen=True, slots=True)
class _Panel:
    title: tuple[str, ...]
    title_h: float
    rows: tuple[_Row, ...]
    scale: BandScaleSpec


def _head_h(sizes: Sizes) -> float:
    return (ASCENT + DESCENT) * sizes.small + 4.0


def _panels(spec: Scorecard, sizes: Sizes, cols: _Columns, m: _Metrics) -> list[_Panel]:
    lh = line_height(sizes.label)
    title_room = (cols.scale_x0 - _GAP - 0.5) if not cols.stacked else cols.scale_x0 - 0.5
    out = []
    for panel in spec.panels:
        title = wrap(panel.title, sizes.label, max(title_room, 40.0), bold=True)
        title_h = max(len(title), 1) * lh + 4.0
        rows = []
        for row in panel.rows:
            lines = wrap(row.label, sizes.label, cols.label_w, bold=row.headline) or ("",)
            if cols.stacked:
                height = 3.0 + len(lines) * lh + max(lh, m.track_h, m.dot) + 3.5
            else:
                height = max(m.row_min, len(lines) * lh + 6.5)
            rows.append(_Row(row, lines, height))
        out.append(_Panel(title, title_h, tuple(rows), panel.scale))
    return out


def _legend_keys(spec: Scorecard, pal: Palette) -> list[Key]:
    """The legend's keys of the change marks the rows show (none when they show none)."""
    legend = spec.texts.legend
    rows = [row for panel in spec.panels for row in panel.rows]
    arrows = [row.clear for row in rows if row.direction in ("up", "down")]
    shown = {
        "clear": any(arrows),
        "slight": not all(arrows),  # (an arrow not filled; none when there is no arrow)
        "flat": any(row.direction == "flat" for row in rows),
    }
    return [
        Key(legend[name], pal.text, kind)
        for name, kind in _LEGEND_KEYS
        if legend.get(name) and shown[name]
    ]


def _scorecard(spec: Scorecard, pal: Palette, sizes: Sizes, width: float) -> VectorDrawing:
    """Draw the scorecard (see the module): measure, size, then place every mark and word."""
    # 1. measure: the frame, the columns, every row's lines, the legend
    frame = Frame.of(spec.texts, width, sizes)
    m = _metrics(sizes)
    cols = _columns(spec, sizes, width, m)
    panels = _panels(spec, sizes, cols, m)
    # (the legend of the change marks the rows have: a country with one year of data would
    # be shown marks it does not have)
    legend = legend_rows(_legend_keys(spec, pal), sizes.small, width - 1.0)
    legend_h = legend_height(legend, sizes.small) + 6.0 if legend else 0.0
    heads = _heads(spec, cols)
    head_h = _head_h(sizes) if heads else 0.0
    panel_gap = 6.0

    # 2. size: the rows decide the height
    body = sum(p.title_h + sum(r.height for r in p.rows) for p in panels)
    body += panel_gap * max(len(panels) - 1, 0)
    height = frame.title_height + head_h + body + legend_h + frame.source_height

    # 3. place
    sheet = _sheet("scorecard")
    sheet.begin(width, height)
    frame.draw(sheet, pal, sizes)
    top = height - frame.title_height
    if heads:
        baseline = top - 1.0 - ASCENT * sizes.small
        for x, text in heads:
            sheet.text(x, baseline, text, sizes.small, pal.muted, bold=True)
        top -= head_h
        sheet.segments([((0.0, top + 1.0), (width, top + 1.0))], pal.rule, _RULE, front=False)
    for k, panel in enumerate(panels):
        if k:
            top -= panel_gap
        _draw_panel_title(sheet, panel, cols, top, sizes, pal)
        top -= panel.title_h
        axis = Axis(0.0, panel.scale.maximum, cols.scale_x0, cols.scale_x1)
        for placed in panel.rows:
            _draw_row(sheet, placed, panel.scale, axis, cols, top, sizes, m, pal)
            top -= placed.height
    if legend:
        _draw_change_legend(sheet, legend, top - 6.0, sizes, pal)
    return sheet.record()


def _heads(spec: Scorecard, cols: _Columns) -> list[tuple[float, str]]:
    """(x, text) of the column heads that are given (no head for the names when stacked)."""
    legend = spec.texts.legend
    out = []
    if legend.get("right") and not cols.stacked:
        out.append((0.5, legend["right"]))
    if legend.get("score"):
        out.append((cols.value_x0, legend["score"]))
    if legend.get("change") and cols.has_change:
        out.append((cols.change_x0, legend["change"]))
    return out


def _draw_panel_title(
    sheet: Sheet, panel: _Panel, cols: _Columns, top: float, sizes: Sizes, pal: Palette
) -> None:
    """The panel's title (bold) and its scale's ends above the scale column."""
    lh = line_height(sizes.label)
    baseline = top - 2.0 - ASCENT * sizes.label
    for k, line in enumerate(panel.title):
        sheet.text(0.5, baseline - k * lh, line, sizes.label, pal.text, bold=True)
    last = baseline - (len(panel.title) - 1) * lh
    unit = panel.scale.unit
    sheet.text(cols.scale_x0, last, fmt_tick_unit(0.0, unit), sizes.small, pal.muted)
    sheet.text(
        cols.scale_x1,
        last,
        fmt_tick_unit(panel.scale.maximum, unit),
        sizes.small,
        pal.muted,
        ha="right",
    )


def _draw_row(
    sheet: Sheet,
    placed: _Row,
    scale: BandScaleSpec,
    x: Axis,
    cols: _Columns,
    top: float,
    sizes: Sizes,
    m: _Metrics,
    pal: Palette,
) -> None:
    row, lines = placed.row, placed.lines
    lh = line_height(sizes.label)
    if row.headline:
        sheet.segments([((0.0, top), (sheet.width, top))], pal.rule, _RULE, front=False)
    if cols.stacked:
        first = top - 3.0 - ASCENT * sizes.label
        yc = top - 3.0 - len(lines) * lh - max(lh, m.track_h, m.dot) / 2
    else:
        yc = top - placed.height / 2
        first = baseline_for_centre(yc, sizes.label) + (len(lines) - 1) * lh / 2
    for k, line in enumerate(lines):
        sheet.text(0.5, first - k * lh, line, sizes.label, pal.text, bold=row.headline)
    # the score, its band
    value_base = baseline_for_centre(yc, sizes.label)
    sheet.text(
        cols.value_x1,
        value_base,
        row.value_text,
        sizes.label,
        pal.text,
        bold=row.headline,
        ha="right",
    )
    sheet.rect(cols.band_x0, yc - m.chip / 2, m.chip, m.chip, pal.band[row.band])
    sheet.text(
        cols.band_x0 + m.chip + _BAND_GAP,
        baseline_for_centre(yc, sizes.small),
        row.band_text,
        sizes.small,
        pal.muted,
    )
    # the scale: band tints, the uncertainty band, the score
    for band, lower, upper in scale.bands:
        a, b = x(x.clip(lower)), x(x.clip(upper))
        if b - a > 0.01:
            sheet.rect(a, yc - m.track_h / 2, b - a, m.track_h, pal.tint[band], front=False)
    if row.lo is not None and row.hi is not None:
        lo, hi = x(x.clip(row.lo)), x(x.clip(row.hi))
        # In the dot's ink, lighter: the score's own uncertainty, not another mark.
        sheet.segments([((lo, yc), (hi, yc))], pal.highlight, 2.2, alpha=_UNCERTAINTY_ALPHA)
        if row.lo < 0:
            sheet.dots([x.start - 2.0], [yc], pal.highlight, 4.0, marker="<", alpha=0.7)
        if row.hi > scale.maximum:
            sheet.dots([x.end + 2.0], [yc], pal.highlight, 4.0, marker=">", alpha=0.7)
    sheet.dots([x(x.clip(row.value))], [yc], pal.highlight, m.dot)
    # the change
    if not cols.has_change:
        return
    mark_x = cols.change_x0 + m.arrow_w / 2
    if row.direction in ("up", "down"):
        draw_arrow(sheet, mark_x, yc, m.arrow, row.direction, pal.text, filled=row.clear)
    elif row.direction == "flat":
        sheet.text(
            mark_x,
            baseline_for_centre(yc, sizes.label),
            FLAT,
            sizes.label,
            pal.text,
            bold=True,
            ha="center",
        )
    if row.change:
        sheet.text(
            cols.change_x0 + m.arrow_w + _BAND_GAP,
            baseline_for_centre(yc, sizes.small),
            row.change,
            sizes.small,
            pal.muted,
        )


def _draw_change_legend(
    sheet: Sheet,
    rows: Sequence[Sequence[LegendEntry]],
    top: float,
    sizes: Sizes,
    pal: Palette,
) -> None:
    draw_legend(sheet, rows, 0.5, top, sizes.small, pal)
