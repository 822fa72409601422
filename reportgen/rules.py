"""The method's rules: thresholds, rounding and cut-offs that turn numbers into words.

In:  numbers (scores, shares, ranks).
Out: categories and printed decimals: a band, a rounded value, how many decimals a score needs,
     a quartile, where a list may be cut.

Everything here is the *method* (what HRMI's scores mean and how a report states them), not
the look of the page: the visual style (``styles/*.toml``) never changes a word. Each rule is
documented where it is defined and in the README ("How numbers become words"); the facts and
narrative stages import these, so a rule is stated once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, TypeVar

BandName = Literal["very_bad", "bad", "fair", "good"]
BAND_NAMES: tuple[BandName, ...] = ("very_bad", "bad", "fair", "good")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BandScale:
    """Band thresholds of one score type: a score below ``very_bad`` is very bad, etc."""

    unit: str
    very_bad: float
    bad: float
    fair: float
    maximum: float

    def band_of(self, score: float) -> BandName:
        """The band of ``score``, decided on the exact value (thresholds are lower limits)."""
        if score < self.very_bad:
            return "very_bad"
        if score < self.bad:
            return "bad"
        if score < self.fair:
            return "fair"
        return "good"

    def clip(self, value: float) -> float:
        """``value`` limited to the scale (0 to ``maximum``): uncertainty bands are compared
        clipped, so a certain 10/10 is never "possibly worse" than a band reaching 10.4."""
        return min(max(value, 0.0), self.maximum)


# HRMI's bands. Civil and political rights, 0–10; quality of life, % of what is feasible.
CPR_BANDS = BandScale("/10", 3.5, 6.0, 8.0, 10.0)
ESR_BANDS = BandScale("%", 75.0, 85.0, 95.0, 100.0)

# --- rounding -------------------------------------------------------------------------------

SCORE_DECIMALS = 1  # scores and percentages print with one decimal …
MAX_DECIMALS = 4  # … or more, up to this, where one decimal would cross a band boundary


def round_half_away(value: float, places: int = 0) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals, as an exact ``Decimal``.

    Rounds the shortest decimal form of the float (``repr``), so 0.625 × 100 is 62.5 and
    prints as 63 (Python's ``round`` gives 62), and 86.45 stays 86.45 before rounding.
    The one rounding of the project: text, tables, chart labels, alt text and mail.
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot round {value!r}")
    exact = Decimal(repr(float(value)))
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded  # never "-0.0"


def score_places(value: float, bands: BandScale) -> int:
    """Decimals to print ``value`` with: one, or more where one would cross a band boundary.

    "8.0/10 … in the fair range" for 7.962 is a contradiction on the page; 7.96 is not.
    """
    band = bands.band_of(value)
    places = SCORE_DECIMALS
    while places < MAX_DECIMALS and bands.band_of(float(round_half_away(value, places))) != band:
        places += 1
    return places


def printed(value: float, bands: BandScale) -> Decimal:
    """``value`` as a report prints it (band-safe decimals, half away from zero)."""
    return round_half_away(value, score_places(value, bands))


def printed_share(share: float) -> Decimal:
    """A proportion of experts (0–1) as printed: whole per cent (5 of 8 → 63)."""
    return round_half_away(share * 100.0, 0)


# --- positions among countries ----------------------------------------------------------------

Position = Literal["very_best", "top_half", "middle", "unplaced", "bottom_half", "very_worst"]
VERY_FAR = (
    0.2  # "among the very best/worst": the whole plausible rank range in the top/bottom fifth
)
HALF = 0.5


def classify_position(best_rank: int, worst_rank: int, n: int) -> Position:
    """Place a plausible rank range (``best_rank``…``worst_rank`` of ``n``, 1 = best).

    ``very_worst`` when even the best plausible rank is in the bottom fifth; ``bottom_half``
    when it is in the bottom half; ``very_best`` / ``top_half`` mirror these. Otherwise the
    range straddles the middle: ``unplaced`` when it reaches first or last place (the
    country cannot be placed with confidence), ``middle`` when it does not.
    """
    if best_rank > (1 - VERY_FAR) * n:
        return "very_worst"
    if worst_rank <= VERY_FAR * n:
        return "very_best"
    if best_rank > HALF * n:
        return "bottom_half"
    if worst_rank <= HALF * n:
        return "top_half"
    if best_rank == 1 or worst_rank == n:
        return "unplaced"
    return "middle"


def quartile(rank: int, n: int) -> int:
    """The quarter a rank falls in (1 = top): top quarter means rank ≤ n/4."""
    return min(4, max(1, math.ceil(4 * rank / n)))


def competition_rank(value: float, pool: Sequence[float]) -> int:
    """1 + the number of values in ``pool`` strictly greater than ``value`` (ties share a rank)."""
    return 1 + sum(v > value for v in pool)


# --- trends ---------------------------------------------------------------------------------

ESR_FLAT = 1.0  # a quality of life score that moved less than this (printed) "changed little"


# --- people at risk ---------------------------------------------------------------------------

FREQUENT_SHARE = 0.30  # the summary's groups: named by at least this share of experts …
FREQUENT_RIGHTS = 3  # … for at least this many rights
ALL_PEOPLE_HIGH = 0.30  # "Disturbingly, …" when at least this share thought everyone at risk
RISK_TIERS = 3  # "X% identified A, while Y% identified B …": this many tiers of equal share …
RISK_TIERS_MAX = 5  # … and more, up to this, while at least RISK_TIER_SHARE of experts named them
RISK_TIER_SHARE = 0.4
NAMED_PEERS = 4  # overlap sentences name this many countries, then "or N other countries"
TABLE_ROWS = 8  # rows of an at-risk table …
TABLE_ROWS_MAX = 12  # … more only to keep a tie at the cut whole, up to this
QOL_GROUP_ROWS, QOL_GROUP_ROWS_MAX = 12, 16  # the quality of life list of groups, likewise
QOL_TOP_GROUPS, QOL_TOP_GROUPS_MAX = 2, 4  # "most at risk" across quality of life rights
SUMMARY_GROUPS, SUMMARY_GROUPS_MAX = 8, 10  # the summary's list of frequent groups
SEX_GAP = 1.0  # a women/men gap is named only when the printed gap exceeds this (points)


def cut_with_ties(
    items: Sequence[T], n: int, limit: int, key: Callable[[T], object]
) -> tuple[tuple[T, ...], int, object | None]:
    """The first ``n`` of ``items`` (sorted best first), never splitting a tie at the cut.

    Items tied with the ``n``-th (equal ``key``) are kept too while the list stays within
    ``limit``; otherwise the whole tied tier is left out and returned as
    (number left out of that tier, its shared key) for a closing "and N others at X" line.
    Items below the tier are dropped silently: they are below the cut.
    """
    if len(items) <= n:
        return tuple(items), 0, None
    edge = key(items[n - 1])
    if key(items[n]) != edge:
        return tuple(items[:n]), 0, None
    start = next(i for i in range(n) if key(items[i]) == edge)
    end = next((i for i in range(n, len(items)) if key(items[i]) != edge), len(items))
    if end <= limit:
        return tuple(items[:end]), 0, None
    return tuple(items[:start]), end - start, edge
