"""The method's rules at their edges: bands on both sides, rounding, printed decimals, cuts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reportgen.rules import (
    CPR_BANDS,
    ESR_BANDS,
    cut_with_ties,
    printed,
    printed_share,
    quartile,
    round_half_away,
    score_places,
)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0.0, "very_bad"),
        (3.4999, "very_bad"),
        (3.5, "bad"),
        (5.9999, "bad"),
        (6.0, "fair"),
        (7.9999, "fair"),
        (8.0, "good"),
        (10.0, "good"),
    ],
)
def test_cpr_band_edges(score: float, band: str) -> None:
    assert CPR_BANDS.band_of(score) == band


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (74.99, "very_bad"),
        (75.0, "bad"),
        (84.99, "bad"),
        (85.0, "fair"),
        (94.99, "fair"),
        (95.0, "good"),
    ],
)
def test_esr_band_edges(score: float, band: str) -> None:
    assert ESR_BANDS.band_of(score) == band


def test_rounding_is_half_away_from_zero_on_the_written_number() -> None:
    assert round_half_away(62.5) == 63  # Python's round() gives 62
    assert round_half_away(37.5) == 38
    assert round_half_away(2.25, 1) == Decimal("2.3")  # round() gives 2.2
    assert round_half_away(86.45, 1) == Decimal("86.5")  # the float is 86.4499999…
    assert round_half_away(-0.04, 1) == Decimal("0.0")  # never "-0.0"
    assert str(round_half_away(2.5, 1)) == "2.5"
    assert printed_share(5 / 8) == 63 and printed_share(3 / 8) == 38
    assert printed_share(1 / 8) == 13


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (7.962, 2, "7.96"),  # 8.0 would be 'good'; 7.962 is 'fair'
        (7.94, 1, "7.9"),
        (7.95, 2, "7.95"),  # half away from zero would print 8.0
        (5.999, 3, "5.999"),
        (6.04, 1, "6.0"),  # rounding down into its own band is fine
        (3.46, 2, "3.46"),
        (10.0, 1, "10.0"),
    ],
)
def test_scores_print_with_the_decimals_their_band_needs(
    value: float, places: int, shown: str
) -> None:
    assert score_places(value, CPR_BANDS) == places
    assert str(printed(value, CPR_BANDS)) == shown
    assert CPR_BANDS.band_of(float(printed(value, CPR_BANDS))) == CPR_BANDS.band_of(value)


def test_percentages_print_with_the_decimals_their_band_needs() -> None:
    assert str(printed(94.96, ESR_BANDS)) == "94.96"
    assert str(printed(94.94, ESR_BANDS)) == "94.9"
    assert str(printed(84.95, ESR_BANDS)) == "84.95"


@pytest.mark.parametrize(
    ("rank", "n", "q"),
    [(1, 87, 1), (21, 87, 1), (22, 87, 2), (43, 87, 2), (44, 87, 3), (65, 87, 3), (66, 87, 4)],
)
def test_quartiles(rank: int, n: int, q: int) -> None:
    assert quartile(rank, n) == q  # top quarter: rank ≤ n/4 = 21.75


def test_a_cut_never_splits_a_tie() -> None:
    counts = [9, 8, 7, 6, 5, 4, 3, 2, 2, 2, 1]
    kept, rest, value = cut_with_ties(counts, 8, 12, key=lambda c: c)
    assert kept == (9, 8, 7, 6, 5, 4, 3, 2, 2, 2) and rest == 0 and value is None
    kept, rest, value = cut_with_ties([9, 8, 7, 6, 5, 4, 3, 2, 1], 8, 12, key=lambda c: c)
    assert kept == (9, 8, 7, 6, 5, 4, 3, 2) and rest == 0  # no tie at the cut
    wide = [9, 8, 7, 6, 5, *([1] * 10)]
    kept, rest, value = cut_with_ties(wide, 8, 12, key=lambda c: c)
    assert kept == (9, 8, 7, 6, 5) and rest == 10 and value == 1  # "10 other groups, each …"
    assert cut_with_ties([3, 2], 8, 12, key=lambda c: c) == ((3, 2), 0, None)
