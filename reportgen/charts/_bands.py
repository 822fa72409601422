"""Band names along a value axis: every band named, over its own stripe wherever it fits.

In:  (label, start, end) of each band in axis order, in points; the plot's extent.
Out: ``BandLabels``: each name's lines and position, in tiers above the plot, and the room
     they take. A name is centred over its band, pushed aside when a neighbour needs room as
     long as it stays over its own band; one that does not fit wraps at its spaces ("très /
     mauvais", never inside a word) and the row takes the extra line; only a name that cannot
     fit even wrapped goes to a tier above, joined to its band by a leader. No name is ever
     left out or cut, and every one keeps the chart's band-name size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

from reportgen.charts._text import ASCENT, DESCENT, line_height, widest, wrap

LEADER_GAP = 4.0
"""Room between two tiers of band names, where a leader bends towards its name (points)."""

_LEADER_CLEAR = 2.0
"""A leader passes at least this far from the names of the tier it crosses (points)."""


@dataclass(frozen=True, slots=True)
class BandLabel:
    """One band's name as it is drawn: ``lines`` top first, centred on ``centre``, ``width``
    its widest line, in row ``tier`` (0 is next to the plot). A name over its own band has no
    ``leader``; one moved to a tier above has a leader meeting the band at ``anchor``."""

    lines: tuple[str, ...]
    centre: float
    width: float
    tier: int
    leader: bool
    anchor: float

    @property
    def left(self) -> float:
        return self.centre - self.width / 2

    @property
    def right(self) -> float:
        return self.centre + self.width / 2


@dataclass(frozen=True, slots=True)
class BandLabels:
    """Where the band names of a scale go: every band's name, in tiers of ``tiers`` lines
    (the tier next to the plot first), set at ``size``."""

    labels: tuple[BandLabel, ...]
    size: float
    tiers: tuple[int, ...]

    def offset(self, tier: int) -> float:
        """Height of ``tier``'s lowest baseline above that of tier 0."""
        out = 0.0
        for lines in self.tiers[:tier]:
            out += (lines - 1) * line_height(self.size) + (ASCENT + DESCENT) * self.size
            out += LEADER_GAP
        return out

    @property
    def extra(self) -> float:
        """The height the names take beyond one line in one tier (0 when that holds them)."""
        if not self.tiers:
            return 0.0
        last = len(self.tiers) - 1
        return self.offset(last) + (self.tiers[last] - 1) * line_height(self.size)


_Span = tuple[str, float, float]
_Lines = tuple[str, ...]


def place_band_labels(
    spans: Sequence[_Span],
    size: float,
    lo: float,
    hi: float,
    gap: float = 4.0,
    room: tuple[float, float] | None = None,
) -> BandLabels:
    """Lay out the name of every band of ``spans`` visible in [lo, hi], none left out.

    ``gap`` is the least room between two names, ``room`` the extent a name joined by a
    leader may use (default: the plot's). Of the layouts where every name in the row next to
    the plot sits over its own band, the one chosen moves the fewest names to a tier above,
    then has the fewest lines, then wraps the fewest names, then moves names least aside.
    """
    items = [(s, max(a, lo), min(b, hi)) for s, a, b in spans if min(b, hi) - max(a, lo) > 0.5]
    n = len(items)
    if n == 0:
        return BandLabels((), size, ())
    one: list[_Lines] = [(s,) for s, _a, _b in items]
    split = [_word_lines(s, size, b - a - gap) for s, a, b in items]
    best: tuple[tuple[float, ...], list[_Lines], dict[int, float], dict[int, float]] | None = None
    for moved in range(n + 1):
        for up in combinations(range(n), moved):
            row = [i for i in range(n) if i not in up]
            wrappable = [i for i in row if split[i] != one[i]]
            for k in range(len(wrappable) + 1):
                for wrapped in combinations(wrappable, k):
                    forms = [split[i] if i in wrapped else one[i] for i in range(n)]
                    centres = _fit_row(items, forms, row, size, lo, hi, gap)
                    if centres is None:
                        continue
                    boxes = [
                        (
                            centres[i] - widest(forms[i], size) / 2 - _LEADER_CLEAR,
                            centres[i] + widest(forms[i], size) / 2 + _LEADER_CLEAR,
                        )
                        for i in row
                    ]
                    found = {i: _free_point(items[i][1], items[i][2], boxes) for i in up}
                    anchors = {i: x for i, x in found.items() if x is not None}
                    if len(anchors) < len(found):
                        continue
                    lines = max((len(forms[i]) for i in row), default=0)
                    shift = sum(abs(centres[i] - (items[i][1] + items[i][2]) / 2) for i in row)
                    score = (float(lines), float(k), shift)
                    if best is None or score < best[0]:
                        best = (score, forms, centres, anchors)
        if best is not None:
            break
    assert best is not None  # with every name moved up, the row is empty and always fits
    _score, forms, centres, anchors = best
    labels = [
        BandLabel(forms[i], c, widest(forms[i], size), 0, False, c) for i, c in centres.items()
    ]
    tiers = [max(len(forms[i]) for i in centres)] if centres else []
    rest = sorted(anchors.items())
    room_lo, room_hi = room if room is not None else (lo, hi)
    while rest:
        taken, lines = _upper_tier(one, split, rest, size, room_lo, room_hi, gap)
        tier = len(tiers)
        for form, centre, anchor in taken.values():
            labels.append(BandLabel(form, centre, widest(form, size), tier, True, anchor))
        tiers.append(lines)
        rest = [(i, a) for i, a in rest if i not in taken]
    labels.sort(key=lambda b: (b.tier, b.centre))
    return BandLabels(tuple(labels), size, tuple(tiers))


def _word_lines(label: str, size: float, max_width: float) -> _Lines:
    """``label`` broken at its spaces to fit ``max_width`` where it can; a word is never
    broken (a word wider than the measure has a line of its own)."""
    return wrap(label, size, max(max_width, widest(label.split(" "), size))) or (label,)


def _push(
    widths: Sequence[float], targets: Sequence[float], lo: float, hi: float, gap: float
) -> list[float]:
    """Centres as near ``targets`` as boxes of ``widths`` allow, kept in order inside [lo, hi]
    and ``gap`` apart (where they can be)."""
    centres = list(targets)
    n = len(widths)
    for _ in range(3):
        for i in range(n):  # push right, inside [lo, hi]
            left = (
                lo + widths[i] / 2
                if i == 0
                else centres[i - 1] + (widths[i - 1] + widths[i]) / 2 + gap
            )
            centres[i] = max(centres[i], left)
        for i in reversed(range(n)):  # push left
            right = (
                hi - widths[i] / 2
                if i == n - 1
                else centres[i + 1] - (widths[i + 1] + widths[i]) / 2 - gap
            )
            centres[i] = min(centres[i], right)
    return centres


def _fit_row(
    items: Sequence[_Span],
    forms: Sequence[_Lines],
    row: Sequence[int],
    size: float,
    lo: float,
    hi: float,
    gap: float,
) -> dict[int, float] | None:
    """The centres of the names ``row`` (indices into ``items``) in the tier next to the plot,
    or None unless each sits over its own band: its centre within the band, more of it over
    its band than over any other, inside [lo, hi], and ``gap`` clear of its neighbours."""
    widths = [widest(forms[i], size) for i in row]
    centres = _push(widths, [(items[i][1] + items[i][2]) / 2 for i in row], lo, hi, gap)
    last_right = -1e9
    for i, w, c in zip(row, widths, centres, strict=True):
        _s, a, b = items[i]
        left, right = c - w / 2, c + w / 2
        if not a - 0.01 <= c <= b + 0.01:
            return None
        if left < lo - 0.01 or right > hi + 0.01 or left < last_right + gap - 0.01:
            return None
        own = min(right, b) - max(left, a)
        if any(min(right, b2) - max(left, a2) > own + 0.01 for _s2, a2, b2 in items):
            return None
        last_right = right
    return dict(zip(row, centres, strict=True))


def _free_point(a: float, b: float, boxes: Sequence[tuple[float, float]]) -> float | None:
    """The point of [a, b] nearest its middle that no box covers (None if they cover it all)."""
    free = [(a, b)]
    for left, right in boxes:
        free = [
            piece
            for x0, x1 in free
            for piece in ((x0, min(x1, left)), (max(x0, right), x1))
            if piece[1] - piece[0] > 0.25
        ]
    if not free:
        return None
    mid = (a + b) / 2
    return min((min(max(mid, x0 + 0.1), x1 - 0.1) for x0, x1 in free), key=lambda x: abs(x - mid))


def _upper_tier(
    one: Sequence[_Lines],
    split: Sequence[_Lines],
    rest: Sequence[tuple[int, float]],
    size: float,
    lo: float,
    hi: float,
    gap: float,
) -> tuple[dict[int, tuple[_Lines, float, float]], int]:
    """A tier above the plot: the names ``rest`` ((index, anchor) in axis order) in a row
    inside [lo, hi], each as near its anchor as it can be, on one line or else wrapped; if
    even wrapped they do not all fit, as many as do (at least one), the others for a further
    tier (which four band names in a chart of 220 pt or more never need).
    Out: index → (lines, centre, anchor) of the names taken, and the tier's number of lines.
    """
    attempts = [(one, len(rest))] + [(split, count) for count in range(len(rest), 0, -1)]
    for forms, count in attempts:
        chosen = rest[:count]
        widths = [widest(forms[i], size) for i, _a in chosen]
        centres = _push(widths, [a for _i, a in chosen], lo, hi, gap)
        boxes = [(c - w / 2, c + w / 2) for c, w in zip(centres, widths, strict=True)]
        inside = boxes[0][0] >= lo - 0.01 and boxes[-1][1] <= hi + 0.01
        apart = all(q[0] >= p[1] + gap - 0.01 for p, q in pairwise(boxes))
        if not (inside and apart):
            if count > 1:
                continue
            centres = [lo + widths[0] / 2]  # one name wider than the room: from its left
        taken = {i: (forms[i], c, a) for (i, a), c in zip(chosen, centres, strict=True)}
        return taken, max(len(forms[i]) for i, _a in chosen)
    raise AssertionError("unreachable: the last attempt takes one name")
