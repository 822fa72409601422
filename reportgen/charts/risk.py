"""The people-at-risk chart: exact shares as bars and every group named in a word cloud."""

from __future__ import annotations

from reportgen.charts._cloud import layout_cloud
from reportgen.charts._common import (
    _axis_label_block,
    _draw_axis_label,
    _draw_row_label,
    _sheet,
    _tick_block,
    _ticks,
)
from reportgen.charts._kit import Axis, Frame, Palette, Sheet, Sizes, x_axis
from reportgen.charts._text import (
    baseline_for_centre,
    fmt_share,
    fmt_tick,
    text_width,
    widest,
    wrap,
)
from reportgen.model import AtRiskChart
from reportgen.vector import VectorDrawing

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
