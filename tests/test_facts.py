"""Facts: every data-derived figure of the Kazakhstan spotlight, and every country computes."""

from __future__ import annotations

import pytest

from reportgen.errors import UnknownCountryError
from reportgen.facts import (
    CountryFacts,
    CprRight,
    Estimate,
    classify_change,
    classify_position,
    compute_facts,
    resolve_country,
)
from reportgen.load import Dataset
from reportgen.style import Style


@pytest.fixture(scope="module")
def kaz(hrmi: Dataset, style: Style) -> CountryFacts:
    return compute_facts(hrmi, "KAZ", style)


def _right(facts: CountryFacts, key: str) -> CprRight:
    dims = [d for d in (facts.empowerment, facts.safety) if d]
    return next(r for d in dims for r in d.rights if r.key == key)


def test_kazakhstan_headline_scores(kaz: CountryFacts) -> None:
    assert kaz.empowerment and kaz.empowerment.score and kaz.safety and kaz.safety.score
    assert round(kaz.empowerment.score.mean, 1) == 2.5
    assert round(kaz.safety.score.mean, 1) == 5.4
    assert kaz.empowerment.band == "very_bad"
    assert kaz.quality_of_life and kaz.quality_of_life.income_adjusted == 86.5


@pytest.mark.parametrize(
    ("right", "score"),
    [
        ("assembly", 2.1),
        ("expression", 2.2),
        ("participation", 2.3),
        ("torture", 2.8),
        ("arrest", 1.9),
    ],
)
def test_kazakhstan_right_scores(kaz: CountryFacts, right: str, score: float) -> None:
    assert round(_right(kaz, right).score.mean, 1) == score


def test_assembly_rank_and_overlap(kaz: CountryFacts) -> None:
    """ "28 other countries"; Saudi Arabia's band overlaps below; "among the very worst of the 29"."""
    assembly = _right(kaz, "assembly")
    assert (assembly.rank, assembly.of) == (28, 29)
    assert [p.code for p in assembly.could_be_worse_than] == ["SAU"]
    assert assembly.position == "very_worst"


def test_trends_match_the_spotlight(kaz: CountryFacts) -> None:
    participation = _right(kaz, "participation").trend
    assert participation.since_previous and participation.since_first
    # "gone down slightly from the previous year, but has improved since 2017"
    assert (participation.since_previous.direction, participation.since_previous.size) == (
        "fell",
        "slightly",
    )
    assert (participation.since_first.direction, participation.since_first.since) == ("rose", 2017)
    # torture: "no improvement over the last three years"
    torture = _right(kaz, "torture").trend
    assert torture.since_previous and torture.since_first
    assert torture.since_previous.direction != "rose" and torture.since_first.direction != "rose"
    assert len(torture.points) == 3


def test_people_at_risk_shares(kaz: CountryFacts) -> None:
    assembly = _right(kaz, "assembly").at_risk
    assert assembly is not None
    shares = {g.code: round(g.share * 100) for g in assembly.groups}
    assert shares["21"] == 86  # people engaged in or suspected of political violence
    assert shares["17"] == 79  # journalists
    assert shares["20"] == 45  # people who protest
    assert assembly.all_people is not None and round(assembly.all_people * 100) == 38
    expression = _right(kaz, "expression").at_risk
    # the spotlight's "31 groups" counted "All people" as a group: 30 groups were named
    assert expression is not None and expression.named_count == 30
    assert expression.all_people is not None
    assert round((expression.all_people or 0) * 100) == 34
    arrest = _right(kaz, "arrest").at_risk
    assert arrest is not None
    assert {g.code: round(g.share * 100) for g in arrest.groups[:4]} == {
        "21": 83,
        "17": 76,
        "19": 59,
        "18": 48,
    }


def test_quality_of_life(kaz: CountryFacts) -> None:
    q = kaz.quality_of_life
    assert q is not None
    rights = {r.key: r for r in q.rights}
    assert q.standard == "Core" and q.year == 2017
    assert rights["work"].income_adjusted == 99.2 and rights["work"].quartile == 1
    assert rights["education"].income_adjusted == 77.4
    assert (q.best_rights, q.worst_rights) == (("work",), ("education",))
    assert q.trend and q.trend.direction == "rose" and q.trend.years[0] == 2007
    # "homeless people and people with low social or economic status" most at risk
    assert {g.code for g in q.at_risk_groups[:3]} >= {"27", "26"}


def test_summary_groups(kaz: CountryFacts) -> None:
    codes = [g.code for g in kaz.frequent_groups]
    assert codes[0] == "21"  # political violence
    assert "17" in codes and "27" in codes  # journalists, homeless people
    assert kaz.all_people_frequent


def test_every_real_country_computes(hrmi: Dataset, style: Style) -> None:
    with_survey = 0
    for code in hrmi.country_codes():
        facts = compute_facts(hrmi, code, style)
        with_survey += facts.has_survey
    assert with_survey == 33


def test_every_demo_country_computes(demo: Dataset, style: Style) -> None:
    kinds = set()
    for code in demo.country_codes():
        facts = compute_facts(demo, code, style)
        q = facts.quality_of_life
        kinds.add(
            (
                "survey" if facts.has_survey else "no survey",
                "qol" if q and q.income_adjusted is not None else "no qol",
            )
        )
        assert facts.illustrative
    assert kinds >= {("survey", "qol"), ("no survey", "qol")}


def test_change_rules() -> None:
    before = Estimate(2017, 3.0, 2.5, 3.5)
    assert classify_change(before, Estimate(2019, 3.04, 2.9, 3.2)).direction == "flat"
    assert classify_change(before, Estimate(2019, 3.3, 3.0, 3.6)).size == "slightly"
    clear = classify_change(before, Estimate(2019, 3.8, 3.5, 4.1))
    assert (clear.direction, clear.size) == ("rose", "clearly")
    assert classify_change(before, Estimate(2019, 2.2, 2.0, 2.4)).direction == "fell"


def test_position_rules() -> None:
    # (best plausible rank, worst plausible rank, n)
    assert classify_position(26, 29, 29) == "very_worst"
    assert classify_position(1, 4, 29) == "very_best"
    assert classify_position(17, 26, 29) == "bottom_half"
    assert classify_position(4, 13, 29) == "top_half"
    assert classify_position(6, 24, 29) == "middle"
    # a range reaching first or last place cannot be called the middle (MHL torture: 1st–32nd)
    assert classify_position(1, 32, 32) == "unplaced"
    assert classify_position(5, 29, 29) == "unplaced"
    # the edges of the fifths and halves, on both sides
    assert classify_position(24, 29, 29) == "very_worst"  # 24 > 0.8 × 29 = 23.2
    assert classify_position(23, 29, 29) == "bottom_half"
    assert classify_position(2, 20, 100) == "very_best"  # 20 ≤ 0.2 × 100
    assert classify_position(2, 21, 100) == "top_half"
    assert classify_position(51, 99, 100) == "bottom_half"  # 51 > 50
    assert classify_position(50, 99, 100) == "middle"


@pytest.mark.parametrize("text", ["KAZ", "kaz", "Kazakhstan", "kazakhstan"])
def test_country_by_code_or_name(hrmi: Dataset, text: str) -> None:
    assert resolve_country(hrmi, text) == "KAZ"


def test_unknown_country_suggests_close_matches(hrmi: Dataset) -> None:
    with pytest.raises(UnknownCountryError, match=r"Did you mean: Kazakhstan \(KAZ\)"):
        resolve_country(hrmi, "Kazakstan")
