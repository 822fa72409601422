"""The people-at-risk chart: the exact shares of the top groups as bars, and (if the style asks
for it, ``[charts] word_cloud``) every group named as a word cloud sized by absolute share."""

from __future__ import annotations

from reportgen.charts._cloud import Cloud, layout_cloud
from reportgen.charts._common import (
    MAX_HEIGHT,
    _axis_label_block,
    _draw_axis_label,
    _draw_row_label,
    _sheet,
    _tick_block,
    _ticks,
)
from reportgen.charts._kit import Axis, Frame, Options, Palette, Sheet, Sizes, x_axis
from reportgen.charts._text import (
    baseline_for_centre,
    fmt_share,
    fmt_tick,
    line_height,
    text_width,
    widest,
    wrap,
)
from reportgen.model import AtRiskChart
from reportgen.vector import VectorDrawing

# --- 7. people at risk --------------------------------------------------------------------------

_CLOUD_ACCENT_FROM = 0.25
"""Cloud words of groups named by at least this share are set in the accent, others muted."""


def _at_risk(
    spec: AtRiskChart, pal: Palette, sizes: Sizes, width: float, opts: Options | None = None
) -> VectorDrawing:
    """The top shares as labelled bars, the share printed at each; by default the bars take
    the full width. With ``opts.word_cloud`` the bars take the left 56% and every group named
    is a word cloud on the right, each word sized by its share (``_cloud.cloud_size``)."""
    frame = Frame.of(spec.texts, width, sizes)
    bars = spec.bars
    cloud_items = [(item.label, item.share) for item in spec.cloud if item.share > 0]
    with_cloud = bool(opts is not None and opts.word_cloud and cloud_items)
    left_w = round(width * 0.56, 1) if with_cloud and bars else width
    # beside another chart (half a column) the names take half the width: bars need less
    share = 0.46 if with_cloud else (0.5 if left_w < 300 else 0.42)
    labels = [wrap(b.label, sizes.label, left_w * share) or ("",) for b in bars]
    label_col = max((widest(lines, sizes.label) for lines in labels), default=0.0)
    values = [fmt_share(b.share) for b in bars]
    value_room = widest(values, sizes.value, bold=True) + 6.0
    most = max((len(lines) for lines in labels), default=1)
    pitch = max(15.0, most * line_height(sizes.label) + 3.5)
    plot_h = len(bars) * pitch
    bottom = _tick_block(sizes) + _axis_label_block(spec.texts, sizes, width)
    bars_h = plot_h + bottom + 4.0 if bars else 0.0
    fixed = frame.title_height + frame.source_height

    cloud: Cloud | None = None
    cloud_x0 = left_w + 14.0 if bars else 0.5
    cloud_w = width - 0.5 - cloud_x0
    content_h = bars_h
    if with_cloud:
        # Sizes are fixed by share: a cloud that cannot hold its largest words gets taller
        # (never smaller type), up to the page's limit.
        cloud_h = max(bars_h, min(170.0, 50.0 + 9.0 * len(cloud_items)))
        while True:
            cloud = layout_cloud(cloud_items, cloud_w, cloud_h, text_width)
            if cloud.complete or fixed + cloud_h * 1.15 > MAX_HEIGHT:
                break
            cloud_h *= 1.15
        content_h = max(bars_h, cloud_h)
    height = fixed + content_h

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
    if cloud is not None:
        top = height - frame.title_height
        _draw_cloud(sheet, cloud, cloud_x0, top - content_h, pal)
    return sheet.record()


def _draw_cloud(sheet: Sheet, cloud: Cloud, x0: float, y0: float, pal: Palette) -> None:
    for word in cloud.placed:
        color = pal.accent if word.share >= _CLOUD_ACCENT_FROM else pal.muted
        for lx, ly, line in word.baselines(_width_of):
            sheet.text(x0 + lx, y0 + ly, line, word.size, color, bold=word.bold)


def _width_of(text: str, size: float, bold: bool) -> float:
    return text_width(text, size, bold)
