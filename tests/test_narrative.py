"""Narrative: golden text per section, the spotlight's statements, every country, any facts.

Refresh the snapshots after an intended change of wording:

    REPORTGEN_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_narrative.py

then read the diff (``git diff tests/snapshots``) before committing it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.errors import NoDataError
from reportgen.facts import (
    AtRisk,
    Change,
    CountryFacts,
    CprDimension,
    CprRight,
    Direction,
    EsrRight,
    EsrTrend,
    Estimate,
    FrequentGroup,
    GroupShare,
    Peer,
    QualityOfLife,
    Sexes,
    SurveyTrend,
    compute_facts,
)
from reportgen.load import Dataset, load_release
from reportgen.model import Report
from reportgen.narrative import build_report
from reportgen.style import BAND_NAMES, BandName, Style
from reportgen.textrender import render_section, render_text
from tests.snapshot import SNAPSHOTS, UPDATE, check_text_snapshots

# Demo countries chosen to reach different branches (see the test ids).
DEMO_CASES = {
    "XBQ": "very bad, flat, no overall quality of life (a right missing)",
    "XDK": "good, rising, quality of life very bad",
    "XAQ": "plural name with article, bad, falling",
    "XGF": "a whole dimension missing (no safety from the state)",
    "XAT": "no survey data, high-income standard",
    "XEZ": "long name with article, fair, quality of life falling",
    "XBO": "survey only, no quality of life data",
}


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _check_cover_snapshot(case: str, report: Report) -> None:
    """The cover is not a section, but it carries the report's statement (the lede) and the
    headline figures: its text is kept beside the sections' as ``cover.txt``."""
    full = render_text(report)
    body = "\n\n".join(render_section(s) for s in report.sections) + "\n"
    assert full.endswith(body)
    cover = full[: -len(body)]
    path = SNAPSHOTS / case / "cover.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(cover, encoding="utf-8")
        return
    assert path.is_file(), f"no cover snapshot for {case}: run with REPORTGEN_UPDATE_SNAPSHOTS=1"
    assert cover == path.read_text(encoding="utf-8"), (
        f"the cover of {case} changed (refresh with REPORTGEN_UPDATE_SNAPSHOTS=1)"
    )


def _check_snapshots(case: str, dataset: Dataset, style: Style, code: str) -> None:
    report = build_report(dataset, compute_facts(dataset, code, style), style)
    check_text_snapshots(case, report)
    _check_cover_snapshot(case, report)


@pytest.mark.parametrize("code", list(DEMO_CASES), ids=list(DEMO_CASES.values()))
def test_demo_snapshots(demo: Dataset, style: Style, code: str) -> None:
    _check_snapshots(f"demo-{code}", demo, style, code)


def test_kazakhstan_snapshots(hrmi: Dataset, style: Style) -> None:
    _check_snapshots("hrmi-KAZ", hrmi, style, "KAZ")


# Each data-derived statement of the spotlight, as our report words it. A sentence said of many
# rights takes its wordings in turn (Context.variant), so a statement about a later right reads in
# that right's wording; its numbers, names and claim are the spotlight's.
SPOTLIGHT = [
    # the cover's statement
    "Kazakhstan scores a very low 2.5/10 for empowerment and a low 5.4/10 for safety from the state.",
    "At 86.5% (2017), Kazakhstan also has room to improve in quality of life rights",
    # "Of 13 rights measured …": the spotlight names only work as 'good'; the death penalty's
    # 10.0/10 is 'good' too
    "Of the 13 rights measured, Kazakhstan scores ‘good’ on two",
    "the right to freedom from the death penalty and the right to work are the only rights in the "
    "‘good’ range",
    "They are not a full description of a country’s performance",
    "Kazakhstan’s empowerment score of 2.5/10 suggests that a large number of people are not "
    "enjoying their civil liberties and political freedoms",
    "Kazakhstan needs to make major improvements on all three rights of this group",
    "Kazakhstan scores 2.1/10 for the right to assembly and association",
    "with the scores of the 28 other countries surveyed in 2019",
    "could in fact be performing worse than Saudi Arabia",
    "is performing among the very worst of the 29 countries with assembly and association data for 2019",
    "38% of the experts thought that everyone in Kazakhstan is at real risk",
    "86% of the experts identified people engaged in or suspected of political violence",
    "79% identified journalists",
    "45% identified members of labour unions and people who protest or engage in non-violent "
    "political activity",
    "For the right to opinion and expression, Kazakhstan scores 2.2/10",
    "86% of the experts named people engaged in or suspected of political violence as at risk, "
    "followed by journalists (83%)",
    "and members of labour unions (59%)",
    # the spotlight's "31 groups" counts "All people" as a group; 30 groups were named
    "In total, the experts named 30 groups of people as at risk",
    "Disturbingly, 34% of the experts thought that everyone in Kazakhstan",
    "People who protest or engage in non-violent political activity 38%, People with particular "
    "religious beliefs or practices 34%",
    "People with low social or economic status 24%",
    "On the right to participate in government, Kazakhstan’s 2019 score is 2.3/10",
    "score has gone down slightly from the previous year, but is clearly better than in 2017",
    "Kazakhstan’s safety from the state score of 5.4/10 suggests that a significant number of "
    "people are not safe from all of the following",
    "Over the last three years, Kazakhstan’s score on the right to freedom from torture and "
    "ill-treatment shows no improvement",
    "Kazakhstan’s score for the right to freedom from arbitrary arrest in 2019 is 1.9/10",
    "Kazakhstan receives a score of 2.8/10 for the right to freedom from torture and ill-treatment "
    "in 2019",
    "52% of the experts saw immigrants as at risk of having this right violated; 34% said the same "
    "of journalists and people engaged in or suspected of political violence",
    "People engaged in or suspected of political violence were named at risk by 83% of the experts",
    "members of labour unions by 59%",
    "human rights advocates by 48%",
    "Kazakhstan is doing 86.5% of what should be possible right now with the resources it has",
    "Since anything less than 100% indicates that a country is not meeting its current duty",
    "Kazakhstan turns in its best performance on the right to work, scoring 99.2%",
    "income-adjusted score in the top quarter of all countries in our sample",
    "Kazakhstan’s scores fall in the ‘bad’ or ‘fair’ ranges",
    "Kazakhstan’s lowest quality of life score is for the right to education, at 77.4%",
    "Kazakhstan has been increasing its quality of life score since at least 2007",
    "Experts identified people who are homeless, and street children and homeless youth as most at risk",
    "People with low social or economic status",
    "consistently identified by high numbers of our experts",
    # "Furthermore, all people were frequently identified as being at risk", counted
    "Everyone in Kazakhstan, not only particular groups, was named at risk by at least 30% of the "
    "experts for three of the 13 rights",
    "is not yet fully meeting its quality of life obligations under international law",
    "The global-best benchmark scores every country against the same high standard",
    "The income-adjusted benchmark asks what a country could be expected to achieve given its income",
]


def test_spotlight_statements_appear(hrmi: Dataset, style: Style) -> None:
    text = _collapse(render_text(build_report(hrmi, compute_facts(hrmi, "KAZ", style), style)))
    missing = [s for s in SPOTLIGHT if _collapse(s) not in text]
    assert not missing, missing
    summary = text[text.index("# Summary") :]
    for group in (
        "People engaged in or suspected of political violence",
        "Journalists",
        "People who are homeless",
    ):
        assert group in summary


RESIDUE = re.compile(r"\bNone\b|\bnan\b|\{\{|\}\}|\{%|  |\ue000|\ue001| \.|\.\.")


def _assert_clean(text: str) -> None:
    found = RESIDUE.search(text)
    assert found is None, (
        f"residue {found.group()!r} near: {text[max(0, found.start() - 80) : found.end() + 80]!r}"
    )


def test_every_real_country_has_clean_text(hrmi: Dataset, style: Style) -> None:
    built = 0
    for code in hrmi.country_codes():
        facts = compute_facts(hrmi, code, style)
        try:
            report = build_report(hrmi, facts, style)
        except NoDataError:
            assert not facts.has_survey and facts.quality_of_life is None
            continue
        _assert_clean(render_text(report))
        built += 1
    assert built >= 190


def test_every_demo_country_has_clean_text(demo: Dataset, style: Style) -> None:
    for code in demo.country_codes():
        facts = compute_facts(demo, code, style)
        if not facts.has_survey and facts.quality_of_life is None:
            with pytest.raises(NoDataError):
                build_report(demo, facts, style)
            continue
        text = render_text(build_report(demo, facts, style))
        _assert_clean(text)
        assert "ILLUSTRATIVE DATA" in text


def test_sentences_vary_with_the_data(demo: Dataset, style: Style) -> None:
    """Different facts choose different sentences, not one paragraph with numbers swapped."""
    texts = {
        code: render_text(build_report(demo, compute_facts(demo, code, style), style))
        for code in DEMO_CASES
    }
    assert "very low" in texts["XBQ"] and "very low" not in texts["XDK"]
    assert "could in fact be performing" in texts["XDK"]
    # no survey data: no civil and political chapter, the cover says what the report covers
    assert "# Civil and political rights" not in texts["XAT"]
    assert "Quality of life: the rights to education" in texts["XAT"]
    assert "high-income standard" in texts["XAT"]
    # survey only: no quality of life chapter
    assert (
        "# Quality of life" not in texts["XBO"] and "# Civil and political rights" in texts["XBO"]
    )
    # no safety from the state score: none on the cover, a missing right said in its section
    assert "- Safety from the state:" not in texts["XGF"] and "- Empowerment:" in texts["XGF"]
    assert "No score was produced for the right to freedom from the death penalty" in texts["XGF"]
    assert "The release has no overall quality of life score" in texts["XBQ"]


def test_markup_characters_in_names_pass_intact(demo_copy: Path, style: Style) -> None:
    """A name with <, & and quotes reaches the text unchanged (escaping is the renderer's job)."""
    path = next(demo_copy.glob("country-names*.csv"))
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    tricky = 'Trinidad & <Tobago> "Isles"'
    for row in rows:
        if row["country_code"] == "XDK":
            row["name_en"] = tricky
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    dataset = load_release(demo_copy)
    text = render_text(build_report(dataset, compute_facts(dataset, "XDK", style), style))
    assert f"{tricky} scores" in text


# --- property-based: any plausible facts give clean text -----------------------------------

DIRECTIONS: tuple[Direction, ...] = ("rose", "fell", "flat")
scores = st.floats(0, 10, allow_nan=False)
years = st.integers(2000, 2030)
bands: st.SearchStrategy[BandName] = st.sampled_from(BAND_NAMES)


@st.composite
def estimates(draw: st.DrawFn, year: int) -> Estimate:
    mean = draw(scores)
    width = draw(st.floats(0, 2))
    return Estimate(year, mean, mean - width, mean + width)


@st.composite
def trends(draw: st.DrawFn) -> SurveyTrend:
    n = draw(st.integers(1, 4))
    points = tuple(draw(estimates(2016 + i)) for i in range(n))
    changes = [
        Change(p.year, p.mean, points[-1].mean, draw(st.sampled_from(DIRECTIONS)), None)
        for p in points[:-1]
    ]
    changes = [
        replace(
            c,
            size=None if c.direction == "flat" else draw(st.sampled_from(["slightly", "clearly"])),
        )
        for c in changes
    ]
    return SurveyTrend(points, changes[-1] if changes else None, changes[0] if n >= 3 else None)


codes = st.sampled_from(["XAB", "XAC", "XAQ", "XBL", "XDK", "XEZ", "XFT"])
groups = st.lists(
    st.builds(
        GroupShare,
        st.sampled_from([str(i) for i in range(2, 34)]),
        st.floats(0.01, 1),
        st.integers(1, 40),
    ),
    max_size=12,
    unique_by=lambda g: g.code,
)


@st.composite
def at_risks(draw: st.DrawFn, right: str) -> AtRisk | None:
    if draw(st.booleans()):
        return None
    gs = sorted(draw(groups), key=lambda g: (-g.count, -g.share))
    return AtRisk(
        right,
        2025,
        draw(st.integers(1, 40)),
        tuple(gs),
        draw(st.none() | st.floats(0, 1)),
        draw(st.none() | st.floats(0, 1)),
    )


@st.composite
def cpr_rights(draw: st.DrawFn, key: str) -> CprRight:
    trend = draw(trends())
    peers = st.lists(st.builds(Peer, codes, scores, scores, scores), max_size=7)
    return CprRight(
        key,
        trend.points[-1],
        draw(bands),
        draw(st.integers(1, 40)),
        draw(st.integers(1, 40)),
        tuple(draw(peers)),
        tuple(draw(peers)),
        draw(st.integers(0, 5)),
        draw(st.integers(0, 30)),
        draw(st.integers(0, 30)),
        draw(
            st.sampled_from(
                ["very_best", "top_half", "middle", "unplaced", "bottom_half", "very_worst"]
            )
        ),
        trend,
        draw(at_risks(key)),
    )


@st.composite
def dimensions(draw: st.DrawFn, key: str, rights: list[str]) -> CprDimension | None:
    if draw(st.booleans()):
        return None
    present = draw(st.lists(st.sampled_from(rights), unique=True, min_size=1))
    trend = draw(trends())
    return CprDimension(
        key,
        trend.points[-1] if draw(st.booleans()) else None,
        draw(bands),
        tuple(draw(cpr_rights(k)) for k in present),
        tuple(k for k in rights if k not in present),
        trend,
    )


@st.composite
def qols(draw: st.DrawFn) -> QualityOfLife | None:
    if draw(st.booleans()):
        return None
    keys = draw(
        st.lists(
            st.sampled_from(["education", "food", "health", "housing", "work"]),
            unique=True,
            min_size=1,
        )
    )
    pct = st.floats(0, 100)
    rights = tuple(
        EsrRight(
            k,
            draw(st.sampled_from([2015, 2020, 2025])),
            draw(st.sampled_from(["Core", "HiY"])),
            draw(st.booleans()),
            draw(pct),
            draw(st.none() | pct),
            draw(bands),
            3,
            100,
            draw(st.integers(1, 4)),
            Sexes(draw(st.none() | pct), draw(st.none() | pct)),
            None,
        )
        for k in keys
    )
    overall = draw(st.none() | pct)
    n = draw(st.integers(1, 11))
    direction: Direction = draw(st.sampled_from(DIRECTIONS))
    steady = direction != "flat" and draw(st.booleans())
    trend = (
        None
        if draw(st.booleans()) or n < 2
        else EsrTrend(
            tuple(range(2015, 2015 + n)),
            tuple(draw(pct) for _ in range(n)),
            tuple(draw(pct) for _ in range(n)),
            direction,
            steady,
            1.0,
            draw(st.sampled_from([(), (2016,), (2016, 2017, 2019)])),
            None if steady or direction == "flat" else draw(st.none() | st.just(2015)),
        )
    )
    ordered = sorted(rights, key=lambda r: -r.income_adjusted)
    standard = draw(st.sampled_from(["Core", "HiY"]))
    return QualityOfLife(
        2025,
        standard,
        None if overall is None else draw(st.sampled_from(["Core", "HiY"])),
        overall,
        None if overall is None else 50.0,
        None if overall is None else draw(bands),
        5,
        100,
        2,
        rights,
        tuple(k for k in ("education", "food", "health", "housing", "work") if k not in keys),
        (ordered[0].key,) if len(ordered) > 1 else (),
        (ordered[-1].key,) if len(ordered) > 1 else (),
        Sexes(None, None),
        trend,
        tuple(draw(groups)),
        tuple(draw(st.lists(st.sampled_from(["education", "food", "health"]), unique=True))),
    )


@st.composite
def country_facts(draw: st.DrawFn) -> CountryFacts:
    emp = draw(dimensions("empowerment", ["assembly", "expression", "participation"]))
    safety = draw(
        dimensions(
            "safety",
            ["arrest", "disappearance", "death_penalty", "extrajudicial_killing", "torture"],
        )
    )
    return CountryFacts(
        draw(codes),
        "europe-central-asia",
        draw(st.booleans()),
        2026,
        True,
        2025 if emp or safety else None,
        45,
        emp,
        safety,
        draw(qols()),
        tuple(FrequentGroup(g.code, 3, g.share) for g in draw(groups)),
        draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=country_facts())
def test_any_facts_give_clean_text(demo: Dataset, style: Style, facts: CountryFacts) -> None:
    if not facts.has_survey and facts.quality_of_life is None:
        with pytest.raises(NoDataError):
            build_report(demo, facts, style)
        return
    _assert_clean(render_text(build_report(demo, facts, style)))
