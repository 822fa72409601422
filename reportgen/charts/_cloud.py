"""A small deterministic word-cloud layout: weighted phrases packed into a rectangle.

In:  (label, weight) pairs, weights in 0..1 (1 = the most named group), a rectangle's size
     in points, and a text-measuring function (the recorder's DejaVu metrics).
Out: ``PlacedWord`` blocks (the label broken into 1–3 centred lines, its type size, its box
     inside the rectangle); no two boxes overlap, none leaves the rectangle.

Type size grows with the square root of the weight between ``min_size`` and ``max_size`` (area
then follows the weight). Words are placed largest first, each at the free spot nearest the
rectangle's centre, found on an occupancy grid with a summed-area table (no random numbers, no
spiral walk: the same input gives the same cloud). Long phrases are broken into balanced lines
so blocks stay compact. If one of the largest words finds no room, or the cloud would show too
few groups, every size is reduced (to half at most) and the layout restarts; words that still
find no room, the smallest as they are placed last, are left out. Nothing ever overlaps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.charts._text import ASCENT, DESCENT

Measure = Callable[[str, float, bool], float]
"""(text, size, bold) → width in points, as the recorder measures it."""

PROTECTED = 5
"""The largest words that are never dropped: the layout shrinks every size to fit them."""

WANTED = 14
"""A cloud shrinks until it shows at least this many groups (or all of them)..."""

MIN_SCALE = 0.5
"""...but type is never scaled below half its size for that."""

VERTICAL_WEIGHT = 2.0
"""How much more a vertical step away from the centre costs than a horizontal one."""

LINE_SPACING = 1.16
"""Baseline distance of a phrase's lines, in type sizes: just clear of accents and descenders."""


@dataclass(frozen=True, slots=True)
class PlacedWord:
    """A phrase laid out in the cloud: lines centred in the box (x, y, width, height)."""

    label: str
    weight: float
    lines: tuple[str, ...]
    size: float
    bold: bool
    x: float
    y: float
    width: float
    height: float

    def baselines(self, measure: Measure) -> list[tuple[float, float, str]]:
        """(x, baseline y, text) of each line, relative to the rectangle's bottom-left corner."""
        out = []
        y = self.y + self.height - ASCENT * self.size
        for line in self.lines:
            w = measure(line, self.size, self.bold)
            out.append((self.x + (self.width - w) / 2, y, line))
            y -= LINE_SPACING * self.size
        return out


class _Widths:
    """Line widths from per-word widths at 1 pt (text without kerning is nearly additive).

    A phrase is measured word by word once; every candidate line break and type size is then
    arithmetic, not a font call.
    """

    def __init__(self, measure: Measure, bold: bool) -> None:
        self.measure = measure
        self.bold = bold
        self.space = measure("a a", 100.0, bold) / 100.0 - 2 * measure("a", 100.0, bold) / 100.0
        self._words: dict[str, float] = {}

    def unit(self, words: Sequence[str]) -> float:
        """Width at 1 pt of ``words`` joined by spaces."""
        total = 0.0
        for word in words:
            w = self._words.get(word)
            if w is None:
                w = self._words[word] = self.measure(word, 100.0, self.bold) / 100.0
            total += w
        return total + self.space * max(len(words) - 1, 0)


def _split(words: list[str], parts: int, widths: _Widths) -> tuple[float, tuple[str, ...]]:
    """(widest line at 1 pt, lines) of the break of ``words`` into ``parts`` balanced lines."""
    n = len(words)
    if parts <= 1 or n < 2:
        return widths.unit(words), (" ".join(words),)
    best: tuple[float, tuple[str, ...]] | None = None
    if parts == 2 or n < 3:
        for k in range(1, n):
            widest = max(widths.unit(words[:k]), widths.unit(words[k:]))
            if best is None or widest < best[0]:
                best = (widest, (" ".join(words[:k]), " ".join(words[k:])))
    else:
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                widest = max(
                    widths.unit(words[:i]), widths.unit(words[i:j]), widths.unit(words[j:])
                )
                if best is None or widest < best[0]:
                    best = (
                        widest,
                        (" ".join(words[:i]), " ".join(words[i:j]), " ".join(words[j:])),
                    )
    assert best is not None
    return best


def _breaks(label: str, widths: _Widths) -> list[tuple[float, tuple[str, ...]]]:
    """The balanced 1-, 2- and 3-line forms of ``label``: (widest line at 1 pt, lines)."""
    words = label.split()
    return [_split(words, parts, widths) for parts in range(1, min(3, len(words)) + 1)]


def _blocks(
    forms: list[tuple[float, tuple[str, ...]]],
    size: float,
    max_width: float,
) -> Iterator[tuple[tuple[str, ...], float, float]]:
    """The ways to set a phrase at ``size`` as (lines, width, height), best first.

    Best is the fewest lines that keep it no wider than ~60% of the cloud (long phrases become
    compact blocks); the other forms that fit follow, in order of line count, as fallbacks for
    a phrase that finds no room in its best shape. Widths come from the per-word widths with
    a safety margin (the sum of words is within 0.2% of the measured line), so trying sizes
    and shapes costs no font calls: only the lines finally drawn are measured.
    """
    target = 0.6 * max_width
    fitting = [(w, lines) for w, lines in forms if _boxed(w, size) <= max_width]
    compact = [(w, lines) for w, lines in fitting if _boxed(w, size) <= target]
    order = compact[:1] + [form for form in fitting if not compact or form != compact[0]]
    for unit_width, lines in order:
        height = (ASCENT + DESCENT) * size + (len(lines) - 1) * LINE_SPACING * size
        yield lines, _boxed(unit_width, size), height


def _boxed(unit_width: float, size: float) -> float:
    """Width reserved for a line whose words add up to ``unit_width`` at 1 pt."""
    return unit_width * size * 1.015 + 0.5


def layout_cloud(
    items: Sequence[tuple[str, float]],
    width: float,
    height: float,
    measure: Measure,
    *,
    min_size: float = 6.5,
    max_size: float = 18.0,
    bold_from: float = 0.75,
    pad: float = 1.6,
    cell: float = 2.0,
) -> list[PlacedWord]:
    """Pack ``items`` (label, weight 0..1) into ``width`` x ``height`` points; see the module."""
    if width < 4 * cell or height < 4 * cell or not items:
        return []
    order = sorted(range(len(items)), key=lambda i: (-items[i][1], i))
    base_sizes = [
        min_size + (max_size - min_size) * math.sqrt(min(max(items[i][1], 0.0), 1.0)) for i in order
    ]
    regular, bold = _Widths(measure, False), _Widths(measure, True)
    forms = [_breaks(items[i][0], bold if items[i][1] >= bold_from else regular) for i in order]
    # The largest few words must be in the cloud and a cloud should show a good number of
    # groups: while either fails, every size shrinks (down to MIN_SCALE) and the layout
    # restarts. Words that still find no room (the smallest, placed last) are left out.
    protected = min(len(order), PROTECTED)
    wanted = min(len(order), WANTED)
    scale = 1.0
    placed: list[PlacedWord] = []
    while True:
        placed, failed = _attempt_layout(
            items,
            order,
            forms,
            base_sizes,
            scale,
            width,
            height,
            min_size,
            bold_from,
            pad,
            cell,
        )
        complete = not any(rank < protected for rank in failed) and len(placed) >= wanted
        if complete or scale * 0.9 < MIN_SCALE:
            break
        scale *= 0.9
    return placed


def _attempt_layout(
    items: Sequence[tuple[str, float]],
    order: list[int],
    forms: list[list[tuple[float, tuple[str, ...]]]],
    base_sizes: list[float],
    scale: float,
    width: float,
    height: float,
    min_size: float,
    bold_from: float,
    pad: float,
    cell: float,
) -> tuple[list[PlacedWord], list[int]]:
    cols = int(width // cell)
    rows = int(height // cell)
    occupied = np.zeros((rows, cols), dtype=np.int32)
    placed: list[PlacedWord] = []
    failed: list[int] = []
    for rank, index in enumerate(order):
        label, weight = items[index]
        # Sizes on a quarter-point grid: fewer distinct sizes, more measurement-cache hits.
        size = max(min_size, round(base_sizes[rank] * scale * 4) / 4)
        bold = weight >= bold_from
        table = np.zeros((rows + 1, cols + 1), dtype=np.int32)
        table[1:, 1:] = occupied.cumsum(0).cumsum(1)
        for lines, bw, bh in _blocks(forms[rank], size, width - 2 * pad):
            spot = _free_spot(table, rows, cols, bw, bh, pad, cell)
            if spot is None:
                continue
            r, c, need_r, need_c = spot
            occupied[r : r + need_r, c : c + need_c] = 1
            # Centre the block in its cells (the cells round the box up).
            x = c * cell + (need_c * cell - bw) / 2
            y = r * cell + (need_r * cell - bh) / 2
            placed.append(PlacedWord(label, weight, lines, size, bold, x, y, bw, bh))
            break
        else:
            failed.append(rank)
    return placed, failed


def _free_spot(
    table: np.ndarray, rows: int, cols: int, bw: float, bh: float, pad: float, cell: float
) -> tuple[int, int, int, int] | None:
    """(row, column, rows, columns) of the free cells nearest the centre that hold a box of
    ``bw`` x ``bh`` points plus ``pad`` around it; None if there are none.

    ``table`` is the summed-area table of the occupied cells (one row and column of zeros
    first), so the occupancy of every window is four lookups, for all windows at once.
    """
    need_c = math.ceil((bw + 2 * pad) / cell)
    need_r = math.ceil((bh + 2 * pad) / cell)
    if need_c > cols or need_r > rows:
        return None
    window = (
        table[need_r:, need_c:]
        - table[:-need_r, need_c:]
        - table[need_r:, :-need_c]
        + table[:-need_r, :-need_c]
    )
    free = window == 0
    if not free.any():
        return None
    r_idx = np.arange(free.shape[0], dtype=np.float64) + need_r / 2 - rows / 2
    c_idx = np.arange(free.shape[1], dtype=np.float64) + need_c / 2 - cols / 2
    # Distance from the centre in units of the rectangle's sides, vertical counting double:
    # the cloud grows as a wide ellipse, which suits phrases (wide blocks) best.
    distance = VERTICAL_WEIGHT * (r_idx[:, None] / rows) ** 2 + (c_idx[None, :] / cols) ** 2
    distance[~free] = np.inf
    r, c = divmod(int(np.argmin(distance)), free.shape[1])
    return r, c, need_r, need_c
