"""Legends and change marks of the charts: keys wrapped into rows, arrows up and down.

In:  ``Key`` entries (a swatch, a line sample, a dot or a change mark, and its label), the room
     a legend has, a ``Sheet`` to draw on.
Out: legend rows (labels wrapped, never cut) and their height; the drawn legend; the change
     arrows of the scorecard (filled for a clear change, outlined for a slight one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reportgen.charts._kit import RGB, Palette, Sheet
from reportgen.charts._text import CAP, baseline_for_centre, line_height, text_width, wrap

# --- change marks ----------------------------------------------------------------------------

Direction = Literal["up", "down"]


def arrow_points(
    x_centre: float, y_centre: float, height: float, direction: Direction
) -> list[tuple[float, float]]:
    """An arrow ``height`` points tall centred on (x, y): a head and a stem, pointing
    ``direction``; as wide as ``0.84 * height``. The first point is the middle of the stem's
    end, so an outline drawn from it closes on a straight edge."""
    sign = 1.0 if direction == "up" else -1.0
    half = height / 2
    head = height * 0.55
    hw, sw = height * 0.42, height * 0.15
    tip = y_centre + sign * half
    base = tip - sign * head
    end = y_centre - sign * half
    return [
        (x_centre, end),
        (x_centre + sw, end),
        (x_centre + sw, base),
        (x_centre + hw, base),
        (x_centre, tip),
        (x_centre - hw, base),
        (x_centre - sw, base),
        (x_centre - sw, end),
        (x_centre, end),
    ]


def draw_arrow(
    sheet: Sheet,
    x_centre: float,
    y_centre: float,
    height: float,
    direction: Direction,
    color: RGB,
    *,
    filled: bool,
) -> None:
    """A filled arrow (a clear change) or its outline (a slight one)."""
    points = arrow_points(x_centre, y_centre, height, direction)
    if filled:
        sheet.polygon(points[:-1], color)
    else:
        # The outline's stroke stays inside the filled arrow's outline, so both read alike.
        inner = arrow_points(x_centre, y_centre, height - _OUTLINE, direction)
        sheet.line([p[0] for p in inner], [p[1] for p in inner], color, _OUTLINE)


_OUTLINE = 0.9  # stroke width of an outlined change mark


# --- legends ---------------------------------------------------------------------------------

KeyKind = Literal["box", "line", "dashed", "dot", "up", "down", "up_open", "down_open", "flat"]
_KEY_WIDTH: dict[KeyKind, float] = {
    "box": 8.0,
    "line": 16.0,
    "dashed": 16.0,
    "dot": 6.0,
    "up": 7.0,
    "down": 7.0,
    "up_open": 7.0,
    "down_open": 7.0,
    "flat": 7.0,
}
_KEY_GAP = 4.0  # between a key and its label
_ENTRY_GAP = 12.0  # between entries
FLAT = "–"
"""The mark of an unchanged score (an en dash), in tables of change and their legends."""


@dataclass(frozen=True, slots=True)
class Key:
    """A legend entry: a swatch, line sample, dot or change mark, and its label."""

    label: str
    color: RGB
    kind: KeyKind = "box"
    alpha: float = 1.0


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """A key with its label wrapped to the room it has; ``width`` from swatch to text end."""

    key: Key
    lines: tuple[str, ...]
    width: float


def legend_rows(keys: Sequence[Key], size: float, width: float) -> list[list[LegendEntry]]:
    """Break ``keys`` into rows no wider than ``width`` points; a label too long for a row
    of its own wraps onto more lines (never cut)."""
    rows: list[list[LegendEntry]] = [[]]
    used = 0.0
    for key in keys:
        kw = _KEY_WIDTH[key.kind]
        lines = wrap(key.label, size, max(width - kw - _KEY_GAP, 1.0)) or ("",)
        need = kw + _KEY_GAP + max(text_width(line, size) for line in lines)
        if rows[-1] and used + _ENTRY_GAP + need > width:
            rows.append([])
            used = 0.0
        used += (_ENTRY_GAP if rows[-1] else 0.0) + need
        rows[-1].append(LegendEntry(key, lines, need))
    return [row for row in rows if row]


def _row_height(row: Sequence[LegendEntry], size: float) -> float:
    return max(len(entry.lines) for entry in row) * line_height(size) + 2.0


def legend_height(rows: Sequence[Sequence[LegendEntry]], size: float) -> float:
    """The height the legend ``rows`` take (0 for none)."""
    return sum(_row_height(row, size) for row in rows)


def draw_legend(
    sheet: Sheet,
    rows: Sequence[Sequence[LegendEntry]],
    x: float,
    y_top: float,
    size: float,
    pal: Palette,
) -> None:
    """Draw legend ``rows`` (from ``legend_rows``) from ``x``, the first row's top at ``y_top``.

    Each key is centred on its label's first line; further lines of a label follow below.
    """
    for row in rows:
        _draw_legend_row(sheet, row, x, y_top - (line_height(size) + 2.0) / 2, size, pal)
        y_top -= _row_height(row, size)


def _draw_legend_row(
    sheet: Sheet,
    entries: Sequence[LegendEntry],
    x: float,
    y_centre: float,
    size: float,
    pal: Palette,
) -> None:
    baseline = baseline_for_centre(y_centre, size)
    for entry in entries:
        key = entry.key
        kw = _KEY_WIDTH[key.kind]
        if key.kind == "box":
            side = CAP * size + 1.0
            sheet.rect(x, y_centre - side / 2, kw, side, key.color, alpha=key.alpha)
        elif key.kind == "dot":
            sheet.dots([x + kw / 2], [y_centre], key.color, kw, alpha=key.alpha)
        elif key.kind in ("up", "down", "up_open", "down_open"):
            direction: Direction = "up" if key.kind.startswith("up") else "down"
            draw_arrow(
                sheet,
                x + kw / 2,
                y_centre,
                CAP * size + 1.5,
                direction,
                key.color,
                filled=not key.kind.endswith("_open"),
            )
        elif key.kind == "flat":
            sheet.text(x + kw / 2, baseline, FLAT, size, key.color, bold=True, ha="center")
        else:
            dashes = (3.0, 2.0) if key.kind == "dashed" else None
            sheet.line([x, x + kw], [y_centre, y_centre], key.color, 1.6, dashes=dashes)
        lx = x + kw + _KEY_GAP
        for k, line in enumerate(entry.lines):
            sheet.text(lx, baseline - k * line_height(size), line, size, pal.text)
        x += entry.width + _ENTRY_GAP
