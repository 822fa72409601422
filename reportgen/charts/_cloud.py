"""A small deterministic word-cloud layout: phrases sized by share, packed into a rectangle.

In:  (label, share) pairs, shares in 0..1 (the share of experts naming the group), a
     rectangle's size in points, and a text-measuring function (the recorder's DejaVu metrics).
Out: ``PlacedWord`` blocks (the label broken into 1–5 centred lines, its type size, its box
     inside the rectangle); no two boxes overlap, none leaves the rectangle.

Type size is a fixed function of the share (``cloud_size``: linear from ``min_size`` at 0 to
``max_size`` at 100%), whatever else is in the cloud: a group named by 1 expert in 27 is set
small even when it is the most named of its right, and never as large as one named by most
experts. Sizes are never scaled to fit; the caller gives the cloud more room instead (see
``reportgen.charts.risk``). Words are placed largest first, each at the free spot nearest the
rectangle's centre, found on an occupancy grid with a summed-area table (no random numbers, no
spiral walk: the same input gives the same cloud). Long phrases are broken into balanced lines
so blocks stay compact. Words that find no room, the smallest as they are placed last, are
left out (``layout_cloud`` says which). Nothing ever overlaps.
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
"""The largest words a cloud must show: the caller grows the rectangle until they fit."""

MIN_SIZE = 7.0
"""Type size of a share of 0 (the house style's smallest chart text)."""

MAX_SIZE = 16.0
"""Type size of a share of 100%."""

BOLD_FROM = 0.5
"""Shares from this up are set in bold (groups most experts named)."""

VERTICAL_WEIGHT = 2.0
"""How much more a vertical step away from the centre costs than a horizontal one."""

LINE_SPACING = 1.16
"""Baseline distance of a phrase's lines, in type sizes: just clear of accents and descenders."""


@dataclass(frozen=True, slots=True)
class PlacedWord:
    """A phrase laid out in the cloud: lines centred in the box (x, y, width, height)."""

    label: str
    share: float
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
    """(widest line at 1 pt, lines) of the break of ``words`` into ``parts`` balanced lines:
    the break whose widest line is narrowest (dynamic programming over the break points)."""
    n = len(words)
    parts = max(1, min(parts, n))
    if parts == 1:
        return widths.unit(words), (" ".join(words),)
    unit = [widths.unit([w]) for w in words]
    prefix = [0.0]
    for w in unit:
        prefix.append(prefix[-1] + w)

    def line(i: int, j: int) -> float:  # words[i:j] on one line
        return prefix[j] - prefix[i] + widths.space * (j - i - 1)

    # best[k][j]: (widest line, previous break) of words[:j] on k lines
    inf = float("inf")
    best = [[(inf, 0)] * (n + 1) for _ in range(parts + 1)]
    best[0][0] = (0.0, 0)
    for k in range(1, parts + 1):
        for j in range(k, n - (parts - k) + 1):
            for i in range(k - 1, j):
                widest = max(best[k - 1][i][0], line(i, j))
                if widest < best[k][j][0]:
                    best[k][j] = (widest, i)
    lines: list[str] = []
    j = n
    for k in range(parts, 0, -1):
        i = best[k][j][1]
        lines.append(" ".join(words[i:j]))
        j = i
    return best[parts][n][0], tuple(reversed(lines))


MAX_LINES = 5
"""A phrase is set on at most this many lines in the cloud."""


def _breaks(label: str, widths: _Widths) -> list[tuple[float, tuple[str, ...]]]:
    """The balanced forms of ``label`` on 1 to ``MAX_LINES`` lines: (widest line at 1 pt, lines)."""
    words = [word for word in label.split(" ") if word]  # a no-break space holds
    return [_split(words, parts, widths) for parts in range(1, min(MAX_LINES, len(words)) + 1)]


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


def cloud_size(share: float, min_size: float = MIN_SIZE, max_size: float = MAX_SIZE) -> float:
    """The type size of a phrase named by ``share`` (0..1) of the experts: linear from
    ``min_size`` at 0 to ``max_size`` at 1, on a quarter-point grid (fewer distinct sizes,
    more measurement-cache hits)."""
    share = min(max(share, 0.0), 1.0)
    return round((min_size + (max_size - min_size) * share) * 4) / 4


@dataclass(frozen=True, slots=True)
class Cloud:
    """A laid-out cloud: the words placed, and the ranks (largest first) of those left out."""

    placed: tuple[PlacedWord, ...]
    left_out: tuple[int, ...]

    @property
    def complete(self) -> bool:
        """Whether the ``PROTECTED`` largest words all found room."""
        return not any(rank < PROTECTED for rank in self.left_out)


def layout_cloud(
    items: Sequence[tuple[str, float]],
    width: float,
    height: float,
    measure: Measure,
    *,
    min_size: float = MIN_SIZE,
    max_size: float = MAX_SIZE,
    bold_from: float = BOLD_FROM,
    pad: float = 1.6,
    cell: float = 2.0,
) -> Cloud:
    """Pack ``items`` (label, share 0..1) into ``width`` x ``height`` points; see the module."""
    if width < 4 * cell or height < 4 * cell or not items:
        return Cloud((), tuple(range(len(items))))
    order = sorted(range(len(items)), key=lambda i: (-items[i][1], i))
    sizes = [cloud_size(items[i][1], min_size, max_size) for i in order]
    regular, bold = _Widths(measure, False), _Widths(measure, True)
    forms = [_breaks(items[i][0], bold if items[i][1] >= bold_from else regular) for i in order]
    placed, failed = _attempt_layout(
        items, order, forms, sizes, width, height, bold_from, pad, cell
    )
    return Cloud(tuple(placed), tuple(failed))


def _attempt_layout(
    items: Sequence[tuple[str, float]],
    order: list[int],
    forms: list[list[tuple[float, tuple[str, ...]]]],
    sizes: list[float],
    width: float,
    height: float,
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
        label, share = items[index]
        size = sizes[rank]
        bold = share >= bold_from
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
            placed.append(PlacedWord(label, share, lines, size, bold, x, y, bw, bh))
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
