"""Tests of the independent checker (tests/independent.py) itself.

On the real 2020 release the checker must reproduce facts known independently of any code: those of
HRMI's published Kazakhstan spotlight. Small synthetic releases pin the edge rules of the spec.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from tests import independent as ind

COUNTRIES_HEADER = [
    "country_code",
    "country_status",
    "related_country_code",
    "high_income_country",
    "region_code",
    "subregion_code",
    "group_codes",
    "treaty_codes",
    "OECD_country",
    "gov_respondents",
]
CPR_HEADER = ["year", "country_code", "metric_code", "mean", "sd", "lobound_10", "upbound_90"]
ESR_HEADER = [
    "country_code",
    "year",
    "metric_code",
    "group",
    "standard",
    "score_wrt_immediate_duty",
    "score_wrt_global_best",
    "average_immediate_duty_wrt_global_best",
]
RISK_HEADER = [
    "year",
    "country_code",
    "metric_code",
    "people_code",
    "count",
    "proportion",
    "total_respondents",
]

Row = Sequence[object]


def _write(path: Path, header: list[str], rows: Sequence[Row], bom: bool = False) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _release(
    directory: Path,
    *,
    countries: Sequence[tuple[str, int]] = (("AAA", 0), ("BBB", 0)),
    cpr: Sequence[Row] = (),
    esr: Sequence[Row] = (),
    risk: Sequence[Row] = (),
) -> ind.Release:
    """Write a minimal release with the real headers (and a decoy grammar file), then load it."""
    directory.mkdir(parents=True, exist_ok=True)
    _write(
        directory / "countries_t.csv",
        COUNTRIES_HEADER,
        [(code, "", "", hi, "r", "", "g", "t", "", "") for code, hi in countries],
        bom=True,
    )
    # Must be ignored: it matches countries*.csv but is the grammar file.
    _write(directory / "countries_grammar_t.csv", ["country_code", "x"], [("ZZZ", "1")])
    cpr_rows = list(cpr) or [(2019, "AAA", "assem", "5", ".1", "4.9", "5.1")]
    _write(directory / "cpr-scores_t.csv", CPR_HEADER, cpr_rows)
    _write(directory / "esr-scores_t.csv", ESR_HEADER, list(esr), bom=True)
    risk_rows = list(risk) or [(2019, "AAA", "assem_atrisk", 0, 1, "1", 1)]
    _write(directory / "people-at-risk_t.csv", RISK_HEADER, risk_rows)
    return ind.load(directory)


def _risk_rows(code: str, metric: str, counts: dict[int, int], total: int) -> list[Row]:
    """Rows of every people code 0-33 (zero counts included), written as the real file does."""
    return [
        (
            2019,
            code,
            metric,
            people,
            counts.get(people, 0),
            _stata(counts.get(people, 0) / total),
            total,
        )
        for people in range(34)
    ]


def _stata(x: float) -> str:
    """A proportion as the release writes it: ".625", no leading zero."""
    text = repr(x)
    return text[1:] if text.startswith("0.") else text


# --------------------------------------------------------------------------- the real release


@pytest.fixture(scope="module")
def real(hrmi_dir: Path) -> ind.Release:
    return ind.load(hrmi_dir)


def test_real_release_years(real: ind.Release) -> None:
    assert real.survey_year == 2019
    assert real.risk_year == 2019
    # the years the reports' data sources name (HRMI: survey 2017–2019, statistics 2007–2017)
    assert real.cpr_years == (2017, 2018, 2019)
    assert real.esr_years == tuple(range(2007, 2018))
    assert "KAZ" in real.countries
    assert "ZZZ" not in real.countries
    assert not real.high_income("KAZ")


def test_kaz_dimensions(real: ind.Release) -> None:
    empower = ind.cpr_dimension(real, "KAZ", "empower")
    safety = ind.cpr_dimension(real, "KAZ", "physint")
    assert empower is not None and safety is not None
    assert empower.printed == "2.5"
    assert safety.printed == "5.4"
    assert empower.band == "very_bad"
    assert safety.band == "bad"
    assert empower.years == (2017, 2018, 2019)


def test_kaz_assembly(real: ind.Release) -> None:
    assem = ind.cpr_right(real, "KAZ", "assem")
    assert assem is not None
    assert ind.printed_score(assem.mean) == assem.printed == "2.1"
    assert (assem.rank, assem.n) == (28, 29)
    assert assem.could_be_worse_than == ("SAU",)
    assert assem.position == "very_worst"
    assert assem.best_rank <= assem.rank <= assem.worst_rank
    assert assem.since_previous is not None and assem.since_previous.since == 2018
    assert assem.since_first is not None and assem.since_first.since == 2017


def test_kaz_quality_of_life(real: ind.Release) -> None:
    q = ind.qol(real, "KAZ")
    assert q is not None
    assert q.default_standard == "Core"
    overall = q.overall
    assert overall is not None
    assert (overall.printed, overall.standard, overall.year) == ("86.5", "Core", 2017)
    assert not overall.fallback
    work, education = q["Work"], q["Education"]
    assert work is not None and education is not None
    assert work.printed == "99.2"
    assert work.top_quarter and work.quartile == 1
    assert education.printed == "77.4"
    assert q.worst == ("Education",)
    assert q.trend is not None and q.trend.years[-1] == 2017


def test_kaz_assembly_at_risk(real: ind.Release) -> None:
    risk = ind.at_risk(real, "KAZ", "assem")
    assert risk is not None
    shares = {people: ind.printed_share(p) for people, _, p in risk.groups}
    assert shares[21] == "86"
    assert shares[17] == "79"
    assert risk.groups[0][0] == 21 and risk.groups[1][0] == 17
    assert risk.all_people is not None and ind.printed_share(risk.all_people) == "38"
    assert risk.respondents == 29


def test_kaz_expression_named_groups(real: ind.Release) -> None:
    risk = ind.at_risk(real, "KAZ", "express")
    assert risk is not None
    codes = [people for people, _, _ in risk.groups]
    assert ind.ALL_PEOPLE not in codes and ind.NO_ONE not in codes
    # The spotlight counts 31 groups named, "All people" among them when experts named it.
    assert risk.named_count == 31 - (1 if risk.all_people is not None else 0)
    assert risk.named_count == len(codes)


def _everything(rel: ind.Release) -> int:
    computed = 0
    for code in rel.countries:
        for right in ind.CPR_RIGHTS:
            computed += ind.cpr_right(rel, code, right) is not None
        for dimension in ind.CPR_DIMENSIONS:
            computed += ind.cpr_dimension(rel, code, dimension) is not None
        for prefix in ind.RISK_METRICS:
            computed += ind.at_risk(rel, code, prefix) is not None
        computed += ind.qol(rel, code) is not None
        computed += len(ind.frequent_groups(rel, code))
        computed += ind.all_people_frequent(rel, code)
        computed += len(ind.qol_risk_groups(rel, code))
    return computed


def test_every_real_country_recomputes(hrmi_dir: Path) -> None:
    """Every figure of every country recomputes without an error (speed is not asserted here:
    the checker indexes the rows once, about 0.3 s for the whole release)."""
    rel = ind.load(hrmi_dir)
    assert _everything(rel) > 0
    assert len(rel.countries) > 200


# --------------------------------------------------------------------------- pure functions


def test_printed_share_halves_round_away() -> None:
    assert ind.printed_share(5 / 8) == "63"
    assert ind.printed_share(3 / 8) == "38"
    assert ind.printed_share(0.125) == "13"
    assert ind.printed_share(0.0) == "0"
    assert ind.printed_share(1.0) == "100"


def test_printed_score_band_safe() -> None:
    assert ind.printed_score(7.962) == "7.96"
    assert ind.printed_score(7.94) == "7.9"
    assert ind.printed_score(5.999) == "5.999"
    assert ind.printed_score(3.46) == "3.46"  # "3.5" would read as bad; 3.46 is very bad
    assert ind.printed_score(10) == "10.0"
    assert ind.printed_score(2.05) == "2.1"


def test_printed_score_more_decimals_when_band_changes() -> None:
    assert ind.band_cpr(3.46) == "very_bad"
    assert ind.band_cpr(Decimal("3.5")) == "bad"


def test_printed_pct_band_safe() -> None:
    assert ind.printed_pct(94.96) == "94.96"
    assert ind.printed_pct(94.94) == "94.9"
    assert ind.printed_pct(86.5) == "86.5"
    assert ind.printed_pct(74.99) == "74.99"
    assert ind.printed_pct(100.0) == "100.0"


def test_round_half_away_uses_shortest_repr() -> None:
    assert ind.round_half_away(2.675, 2) == Decimal("2.68")  # the float is 2.67499999...
    assert ind.round_half_away(-2.5, 0) == Decimal("-3")
    assert ind.round_half_away(0.05, 1) == Decimal("0.1")


def test_bands() -> None:
    assert [ind.band_cpr(x) for x in (3.49, 3.5, 5.99, 6, 7.99, 8)] == [
        "very_bad",
        "bad",
        "bad",
        "fair",
        "fair",
        "good",
    ]
    assert [ind.band_esr(x) for x in (74.9, 75, 84.9, 85, 94.9, 95)] == [
        "very_bad",
        "bad",
        "bad",
        "fair",
        "fair",
        "good",
    ]


def test_position_rules() -> None:
    # A range from rank 1 to the middle (not in the top half, not the top fifth): unplaced.
    assert ind.cpr_position(1, 20, 29) == "unplaced"
    assert ind.cpr_position(10, 29, 29) == "unplaced"
    assert ind.cpr_position(25, 29, 29) == "very_worst"
    assert ind.cpr_position(1, 5, 29) == "very_best"
    assert ind.cpr_position(1, 6, 30) == "very_best"
    assert ind.cpr_position(16, 29, 30) == "bottom_half"
    assert ind.cpr_position(1, 15, 30) == "top_half"
    assert ind.cpr_position(5, 20, 30) == "middle"


def test_quartile() -> None:
    assert ind.quartile(22, 87) == 2
    assert ind.quartile(21, 87) == 1
    assert ind.quartile(87, 87) == 4
    assert ind.quartile(1, 1) == 4


# --------------------------------------------------------------------------- synthetic releases


def test_synthetic_five_eighths_share(tmp_path: Path) -> None:
    rel = _release(tmp_path, risk=_risk_rows("AAA", "tort_atrisk", {0: 1, 1: 3, 7: 5}, 8))
    risk = ind.at_risk(rel, "AAA", "tort")
    assert risk is not None
    assert risk.groups == ((7, 5, 0.625),)
    assert ind.printed_share(risk.groups[0][2]) == "63"
    assert risk.all_people is not None and ind.printed_share(risk.all_people) == "38"
    assert risk.no_one == 0.125
    assert risk.named_count == 1
    assert risk.respondents == 8
    assert ind.at_risk(rel, "AAA", "assem") is None
    assert ind.at_risk(rel, "BBB", "tort") is None


def test_synthetic_eighth_row_tie_kept(tmp_path: Path) -> None:
    # Counts by people code; the 8th group (count 2) is tied with two later groups: 10 rows.
    counts = {2: 9, 3: 8, 4: 7, 5: 6, 6: 5, 7: 4, 8: 3, 12: 2, 10: 2, 11: 2, 9: 1, 1: 4}
    rel = _release(tmp_path, risk=_risk_rows("AAA", "disap_atrisk", counts, 20))
    risk = ind.at_risk(rel, "AAA", "disap")
    assert risk is not None
    assert [g[0] for g in risk.groups] == [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 9]
    assert risk.table_rows == (2, 3, 4, 5, 6, 7, 8, 10, 11, 12)
    assert risk.rest is None
    assert risk.named_count == 11


def test_synthetic_eighth_row_tie_too_many(tmp_path: Path) -> None:
    # The tier of count 2 runs from row 8 to row 13: more than 12 rows, so it collapses.
    counts = {2: 9, 3: 8, 4: 7, 5: 6, 6: 5, 7: 4, 8: 3, 9: 1}
    counts |= dict.fromkeys(range(10, 16), 2)
    rel = _release(tmp_path, risk=_risk_rows("AAA", "exkill_atrisk", counts, 20))
    risk = ind.at_risk(rel, "AAA", "exkill")
    assert risk is not None
    assert risk.table_rows == (2, 3, 4, 5, 6, 7, 8)
    assert risk.rest == (6, 0.1)
    assert ind.printed_share(risk.rest[1]) == "10"


def test_table_cut_without_tie() -> None:
    groups = tuple((people, 20 - people, (20 - people) / 20) for people in range(2, 14))
    shown, rest = ind.table_cut(groups)
    assert shown == (2, 3, 4, 5, 6, 7, 8, 9)
    assert rest is None


def _esr(code: str, year: int, metric: str, standard: str, value: float, group: str = "All") -> Row:
    return (code, year, metric, group, standard, value, value, 100)


def test_synthetic_high_income_fallback(tmp_path: Path) -> None:
    esr: list[Row] = []
    for metric, value in zip(ind.QOL_METRICS, (80.0, 90.0, 70.0, 96.0, 85.0, 84.2), strict=True):
        esr.append(_esr("HHH", 2017, metric, "Core", value))
        esr.append(_esr("LLL", 2017, metric, "Core", value - 1))
    esr.append(_esr("HHH", 2017, "Health", "HiY", 88.0))
    esr.append(_esr("HHH", 2017, "Health", "HiY", 87.0, "Female"))
    esr.append(_esr("HHH", 2017, "Health", "HiY", 89.0, "Male"))
    rel = _release(tmp_path, countries=(("HHH", 1), ("LLL", 0)), esr=esr)
    assert rel.high_income("HHH") and not rel.high_income("LLL")
    q = ind.qol(rel, "HHH")
    assert q is not None
    assert q.default_standard == "HiY"
    health = q["Health"]
    assert health is not None
    assert (health.standard, health.fallback, health.value) == ("HiY", False, 88.0)
    assert (health.rank, health.n) == (1, 1)  # the only country using HiY for Health
    assert (health.female, health.male) == (87.0, 89.0)
    for metric in ("Education", "Food", "Housing", "Work", "SER_Average"):
        figure = q[metric]
        assert figure is not None
        assert figure.standard == "Core" and figure.fallback
        assert (figure.rank, figure.n) == (1, 2)  # ranked among the Core users, LLL included
    assert q.best == ("Housing",)
    assert q.worst == ("Education",)
    low = ind.qol(rel, "LLL")
    assert low is not None
    assert all(m is not None and not m.fallback for m in low.metrics.values())
    low_health = low["Health"]
    assert low_health is not None and (low_health.rank, low_health.n) == (1, 1)


def test_synthetic_rights_later_than_overall(tmp_path: Path) -> None:
    esr: list[Row] = [
        _esr("AAA", 2014, "SER_Average", "Core", 80.04),
        _esr("AAA", 2016, "SER_Average", "Core", 81.05),
        _esr("AAA", 2015, "Education", "Core", 70.0),
        _esr("AAA", 2018, "Education", "Core", 72.0),
        _esr("AAA", 2016, "Food", "Core", 90.0),
    ]
    rel = _release(tmp_path, esr=esr)
    q = ind.qol(rel, "AAA")
    assert q is not None
    education, food, overall = q["Education"], q["Food"], q.overall
    assert education is not None and food is not None and overall is not None
    assert (education.year, education.value) == (2018, 72.0)
    assert (food.year, overall.year) == (2016, 2016)
    assert q["Health"] is None and q["Work"] is None
    trend = q.trend
    assert trend is not None
    assert trend.years == (2014, 2016)
    assert trend.printed == ("80.0", "81.1")
    assert trend.delta == Decimal("1.1")
    assert (trend.direction, trend.steady, trend.gaps) == ("rose", True, (2015,))
    assert ind.qol(rel, "BBB") is None


def test_synthetic_certain_ten_and_clipped_peer(tmp_path: Path) -> None:
    cpr: list[Row] = [
        (2019, "TEN", "dpex", "10", "0", "10", "10"),
        (2019, "PEER", "dpex", "9.5", ".7", "8.62", "10.38"),
        (2019, "LOW", "dpex", "5", ".5", "4.4", "5.6"),
    ]
    rel = _release(tmp_path, countries=(("TEN", 0), ("PEER", 0), ("LOW", 0)), cpr=cpr)
    ten = ind.cpr_right(rel, "TEN", "dpex")
    peer = ind.cpr_right(rel, "PEER", "dpex")
    assert ten is not None and peer is not None
    assert (ten.lo_clipped, ten.hi_clipped) == (10.0, 10.0)
    assert peer.hi == 10.38 and peer.hi_clipped == 10.0
    assert ten.could_be_worse_than == ()  # 10.38 would overlap; clipped 10 does not (strict)
    assert peer.could_be_better_than == ()
    assert (ten.rank, ten.best_rank, ten.worst_rank, ten.n) == (1, 1, 1, 3)
    # The spec's strict comparisons meet at equal bounds: TEN is not "certainly above" PEER
    # (lo' 10 is not > hi' 10), so PEER's best plausible rank is 1, although TEN is not listed
    # among the countries PEER could be better than (lo' 10 is not < hi' 10 either).
    assert (peer.rank, peer.best_rank, peer.worst_rank) == (2, 1, 2)
    assert ten.position == "top_half"  # of 3, W = 1 > 0.2 * 3: not "very best"
    assert ten.since_previous is None and ten.since_first is None


def test_synthetic_changes_and_ties(tmp_path: Path) -> None:
    cpr: list[Row] = [
        (2017, "AAA", "assem", "4.0", ".3", "3.6", "4.4"),
        (2018, "AAA", "assem", "4.96", ".3", "4.6", "5.3"),
        (2019, "AAA", "assem", "5.0", ".3", "4.6", "5.4"),
        (2019, "BBB", "assem", "5.0", ".3", "4.6", "5.4"),
        (2018, "BBB", "assem", "5.04", ".3", "4.6", "5.4"),
    ]
    rel = _release(tmp_path, cpr=cpr)
    a = ind.cpr_right(rel, "AAA", "assem")
    b = ind.cpr_right(rel, "BBB", "assem")
    assert a is not None and b is not None
    assert (a.rank, a.tied, b.rank, b.tied) == (1, 1, 1, 1)
    assert a.years == (2017, 2018, 2019)
    assert a.since_previous == ind.Change(2018, 4.96, 5.0, "flat", None)
    assert a.since_first == ind.Change(2017, 4.0, 5.0, "rose", "clearly")
    assert b.since_previous == ind.Change(2018, 5.04, 5.0, "flat", None)
    assert b.since_first is None  # fewer than 3 years
