"""The two-page country profile: the profiles of both releases, read back.

Every profile in English and French, and every survey country's in Spanish and Portuguese
(``benchmarks/bench_profiles.py`` checks the page count of all of them), is built (``reportgen.build.build_profile``) and its PDF read with pypdfium2:
at most two pages; every character on the page, above 7 pt, with no "…"; and every figure its
text states (a score "2.5/10", a share or score in per cent, in its sentences, tables and
charts' alternative texts) is one the country's full report states too (the numbers come from
the same facts and rules: a profile that rounded differently, or printed a number the report
does not have, fails). Its
key findings are the report's, word for word, and its scorecard is the report's. Three
profiles go through the PDF/UA-1 checkers; one is built twice to the same bytes; the
``build --format`` command writes both formats or, refused, nothing.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import page
import pypdfium2 as pdfium
import pytest
from pdfua import validate

from reportgen.build import build_model, build_profile
from reportgen.errors import NoDataError
from reportgen.facts import CountryFacts
from reportgen.load import Dataset
from reportgen.model import BulletList, Chart, Report, Table
from reportgen.style import Style
from reportgen.textrender import render_text

LANGUAGES = ["en", "fr", "es", "pt"]
MIN_TEXT = 7.0  # points: nothing printed smaller (the project's floor)
# A printed score ("2.5/10", "10,0/10") or per-cent figure ("86.5%", "86,5 %").
_FIGURE = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)?(?:/10|\s?%)")


def _figures(text: str) -> set[str]:
    return {re.sub(r"\s", "", m.group(0)) for m in _FIGURE.finditer(text)}


def _pages_text_and_sizes(pdf: bytes) -> tuple[int, str, list[str]]:
    """The page count, the text, and what is wrong with any character: outside its page,
    smaller than 7 pt, or an ellipsis (a cut label)."""
    doc = pdfium.PdfDocument(io.BytesIO(pdf))
    problems: list[str] = []
    texts = []
    try:
        for number, pg in enumerate(doc, start=1):
            width, height = pg.get_size()
            tp = pg.get_textpage()
            texts.append(tp.get_text_range())
            for i in range(tp.count_chars()):
                char = tp.get_text_range(i, 1)
                if not char.strip():
                    continue
                left, bottom, right, top = tp.get_charbox(i)
                if left < 0 or bottom < 0 or right > width or top > height:
                    problems.append(f"page {number}: {char!r} outside the page")
                size = pdfium.raw.FPDFText_GetFontSize(tp.raw, i)
                if size < MIN_TEXT - 0.01:
                    problems.append(f"page {number}: {char!r} set at {size:.2f} pt")
                if char == "…":
                    problems.append(f"page {number}: a cut label (…)")
        return len(doc), "\n".join(texts), problems
    finally:
        doc.close()


def _findings(report: Report) -> list[str]:
    for section in report.sections:
        if section.id == "key-findings":
            return [t for b in section.blocks if isinstance(b, BulletList) for t in b.texts]
    return []


def _scorecard(report: Report) -> object | None:
    found = [c.spec for c in report.charts() if c.id == "chart-scorecard"]
    return found[0] if found else None


def _check_release(
    dataset: Dataset, style: Style, language: str, survey_only: bool = False
) -> tuple[int, list[str]]:
    """Build every profile of ``dataset`` in ``language`` (``survey_only``: of the countries
    with survey data); the number built, and failures."""
    failures: list[str] = []
    built = 0
    for code in sorted(dataset.countries["country"]):
        try:
            facts, report = build_model(dataset, code, style, language)
        except NoDataError:
            continue
        if survey_only and not facts.has_survey:
            continue
        profile = build_profile(dataset, code, style, language)
        built += 1
        pages, _text, problems = _pages_text_and_sizes(profile.pdf)
        where = f"{code} {language}"
        if not 1 <= pages <= 2:
            failures.append(f"{where}: {pages} pages")
        failures += [f"{where}: {p}" for p in problems[:3]]
        # (the profile's words, tables and charts' alternative texts: a chart's axis ticks
        # and benchmark labels are drawn from the same values in both)
        extra = _figures(render_text(profile.report)) - _figures(render_text(report))
        if extra:
            failures.append(f"{where}: figures the full report does not print: {sorted(extra)}")
        if _findings(profile.report) != _findings(report):
            failures.append(f"{where}: key findings differ from the report's")
        if _scorecard(profile.report) != _scorecard(report):
            failures.append(f"{where}: scorecard differs from the report's")
        failures += [f"{where}: {p}" for p in _first_tier_split(facts, profile.report)]
        if language == "en":
            failures += [f"{where}: {p}" for p in _sexes_unexplained(facts, _text)]
    return built, failures


def _first_tier_split(facts: CountryFacts, profile: Report) -> list[str]:
    """What is wrong with the profile's table of groups at risk: the key findings count the
    groups named for the most rights ("Six groups were each named …"); the table lists them
    all when they fit in its six rows (tier computed from the facts, not the narrative)."""
    if not facts.frequent_groups:
        return []
    most = max(g.rights for g in facts.frequent_groups)
    tier = sum(1 for g in facts.frequent_groups if g.rights == most)
    at_risk = next(s for s in profile.sections if s.id == "at-risk")
    table = next(b for b in at_risk.blocks if isinstance(b, Table))
    listed = sum(1 for row in table.rows if row[1] == str(most))
    if tier <= 6 and listed < tier:
        return [f"the table lists {listed} of the {tier} groups named for {most} rights"]
    return []


def _sexes_unexplained(facts: CountryFacts, text: str) -> list[str]:
    """What is wrong with a quality-of-life-only profile's chart of women and men: it has no
    text of its own, so when a right's overall score (in the scorecard) lies outside its
    women's and men's, its caption says why; otherwise it does not."""
    q = facts.quality_of_life
    if facts.has_survey or q is None:
        return []
    outside = []
    for r in q.rights:
        women, men = r.sexes.female, r.sexes.male
        if women is None or men is None:
            continue
        if not min(women, men) <= r.income_adjusted <= max(women, men):
            outside.append(r.key)
    said = "need not lie between" in re.sub(r"\s+", " ", text)
    if bool(outside) != said:
        return [f"overall outside women's and men's for {outside}, explained: {said}"]
    return []


# Every profile in English and French (the longest); in Spanish and Portuguese, those of the
# survey countries (the fullest pages) — ``benchmarks/bench_profiles.py`` builds them all.
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_real_profile(hrmi: Dataset, style: Style, language: str) -> None:
    survey_only = language in ("es", "pt")
    built, failures = _check_release(hrmi, style, language, survey_only)
    assert built > (30 if survey_only else 180)  # every country with a score
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_demo_profile(demo: Dataset, style: Style, language: str) -> None:
    survey_only = language in ("es", "pt")
    built, failures = _check_release(demo, style, language, survey_only)
    assert built > (30 if survey_only else 180)
    assert not failures, "\n".join(failures[:20])


def test_a_survey_profile_is_two_pages_in_letter_too(hrmi: Dataset, style: Style) -> None:
    from dataclasses import replace

    letter = replace(style, page=replace(style.page, size="Letter"))
    for code in ("KAZ", "USA", "COD", "VCT"):
        for language in ("en", "fr"):
            pages, _text, problems = _pages_text_and_sizes(
                build_profile(hrmi, code, letter, language).pdf
            )
            assert pages <= 2 and not problems, (code, language, pages, problems[:3])


def test_the_check_sees_a_figure_the_report_lacks() -> None:
    # the figure comparison is what catches a profile printing another number
    report = "Kazakhstan scores 2.5/10 for empowerment; quality of life 86.5%."
    assert _figures("Empowerment 2.5/10, 86.5 %") <= _figures(report)
    assert _figures("Empowerment 2.6/10") - _figures(report) == {"2.6/10"}


@pytest.mark.parametrize("code", ["KAZ", "ARG", "VCT"])
def test_profiles_pass_pdf_ua_checkers(
    hrmi: Dataset, style: Style, code: str, tmp_path: Path
) -> None:
    pdf = build_profile(hrmi, code, style, "fr" if code == "KAZ" else "en").pdf
    result = page.validate_pdf_bytes(pdf, profile="ua1")
    assert result.is_compliant and result.rules.failed == 0, [
        f"{f.rule_id}: {f.message}" for f in result.failures
    ]
    path = tmp_path / "profile.pdf"
    path.write_bytes(pdf)
    assert [f"{f.rule_id}: {f.message}" for f in validate(str(path)).findings] == []


def test_a_profile_is_reproducible(demo: Dataset, style: Style) -> None:
    assert build_profile(demo, "XAQ", style).pdf == build_profile(demo, "XAQ", style).pdf


def test_profile_content(hrmi: Dataset, style: Style) -> None:
    profile = build_profile(hrmi, "KAZ", style).report
    assert profile.format == "profile"
    ids = [s.id for s in profile.sections]
    assert ids == ["key-findings", "at-risk", "over-time", "scorecard", "sources"]
    # the method is not said: the profile has no "How to read", so nothing refers to it
    assert "How to read" not in render_text(profile)
    text = render_text(profile)
    assert "KAZ-kazakhstan-2020-en.pdf" in text  # where the full report is
    # the groups most often named, with the number of rights for which each was and its
    # average share over them (the report's summary list, in its order: rights, then share)
    at_risk = next(s for s in profile.sections if s.id == "at-risk")
    table = at_risk.blocks[1]
    assert isinstance(table, Table)
    assert table.rows[:2] == (
        ("People engaged in or suspected of political violence", "5", "72%"),
        ("Journalists", "5", "70%"),
    )
    charts = [c for c in profile.charts() if isinstance(c, Chart)]
    assert [c.id for c in charts] == ["chart-trend-dimensions", "chart-scorecard"]


def test_a_quality_of_life_profile_states_each_score_once_on_one_page(
    hrmi: Dataset, style: Style
) -> None:
    # Antigua and Barbuda: three quality of life rights of 2017, no survey, no earlier
    # score in the scorecard. Its scorecard gives each right's score; a chart of the same
    # scores under it said them twice and sent the sources alone to a second page.
    latest = hrmi.esr[(hrmi.esr["country"] == "ATG") & (hrmi.esr["group"] == "All")]
    latest = latest[latest["year"] == latest["year"].max()]
    scores = {str(r.metric): f"{r.adj:.1f}%" for r in latest.itertuples()}
    assert len(scores) == 3
    profile = build_profile(hrmi, "ATG", style)
    pages, text, _problems = _pages_text_and_sizes(profile.pdf)
    assert pages == 1
    assert "Data sources and citation" in text
    said = " ".join(_findings(profile.report))
    for metric, score in scores.items():
        # once in the scorecard, and in the findings where they name it
        assert text.count(score) == 1 + said.count(score), (metric, score)
    # no legend of change marks the scorecard does not show (it has no earlier score)...
    for words in ("clear change", "slight change", "about the same"):
        assert words not in text
    # A quality of life score has no uncertainty: its change is the earlier score, with no
    # mark that would call it clear or slight (Argentina's rise from 89.5% in 2007 to 93.4%
    # in 2015 was marked 'slight change')
    argentina = hrmi.esr[
        (hrmi.esr["country"] == "ARG")
        & (hrmi.esr["group"] == "All")
        & (hrmi.esr["metric"] == "SER_Average")
        & (hrmi.esr["standard"] == "Core")
    ].sort_values("year")
    first = argentina.iloc[0]
    argentina_text = _pages_text_and_sizes(build_profile(hrmi, "ARG", style).pdf)[1]
    assert f"{first.adj:.1f}% in {first.year}" in argentina_text
    for words in ("clear change", "slight change"):
        assert words not in argentina_text
    for code in ("KAZ", "ARG"):
        spec = _scorecard(build_profile(hrmi, code, style).report)
        qol = spec.panels[-1]  # type: ignore[attr-defined]
        assert [row.direction for row in qol.rows] == ["none"] * len(qol.rows), code
    # ...and Kazakhstan's names the marks its rows have (its civil and political ones), and
    # only those
    kazakhstan = build_profile(hrmi, "KAZ", style)
    spec = _scorecard(kazakhstan.report)
    rows = [row for panel in spec.panels for row in panel.rows]  # type: ignore[attr-defined]
    marks = {
        "clear change": any(r.direction in ("up", "down") and r.clear for r in rows),
        "slight change": any(r.direction in ("up", "down") and not r.clear for r in rows),
        "about the same": any(r.direction == "flat" for r in rows),
    }
    assert any(marks.values())
    kazakhstan_text = _pages_text_and_sizes(kazakhstan.pdf)[1]
    assert {words: words in kazakhstan_text for words in marks} == marks


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportgen", *args], capture_output=True, text=True, check=False
    )


def test_build_writes_both_formats(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _cli("build", "XAQ", "--format", "report,profile", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "XAQ-kestrel-islands-2026-en-profile.pdf",
        "XAQ-kestrel-islands-2026-en.pdf",
        "manifest.json",  # (as a batch records them: distribute works after build)
    ]
    refused = _cli("build", "XAQ", "--format", "pamphlet", "--out", str(tmp_path / "no"))
    assert refused.returncode == 1
    assert "--format must be report, profile or report,profile, not 'pamphlet'" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "no").exists()


_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}


def test_a_country_without_headline_scores_opens_with_what_its_data_have(
    hrmi: Dataset, hrmi_dir: Path, style: Style
) -> None:
    """A country with neither survey nor overall quality of life score (Saint Vincent and
    the Grenadines: three of the five rights; Curaçao: one) had nothing under its name: no
    headline figure and no lede. Its lede now says how many rights have scores and that there is no
    overall score (counted from the release's files, ``tests/independent``); a country with
    an overall score never says so."""
    from reportgen.build import profile_model
    from reportgen.facts import compute_facts
    from tests import independent

    rel = independent.load(hrmi_dir)
    checked = 0
    for code in hrmi.country_codes():
        q = independent.qol(rel, code)
        survey = any(
            independent.cpr_dimension(rel, code, d) is not None for d in ("empower", "physint")
        )
        if q is None or survey:
            continue
        facts = compute_facts(hrmi, code, style)
        lede = profile_model(hrmi, facts, style, "en").cover.lede
        rights = [m for m in independent.ESR_RIGHTS if q[m] is not None]
        if q.overall is None and rights:
            assert lede.startswith(
                f"The data give scores for {_WORDS[len(rights)]} of the five quality of life "
                "rights in "
                if len(rights) > 1
                else "The data give a score for only one of the five quality of life rights in "
            ), (code, lede)
            assert lede.endswith(", and no overall quality of life score."), (code, lede)
            checked += 1
        else:
            assert "no overall" not in lede, (code, lede)
    assert checked >= 5, checked  # (the 2020 release has 64 such countries, 7 with one right)


@pytest.mark.parametrize(
    ("code", "has"),
    [
        ("KAZ", "each right’s cross-country chart, rank, trend and people at risk, and"),
        ("FSM", "each right’s cross-country chart, rank and people at risk, and"),  # one survey
        ("VCT", "each right’s score against both benchmarks and"),  # no survey
    ],
)
def test_a_profile_promises_what_its_full_report_has_and_is_cited_as_a_profile(
    hrmi: Dataset, style: Style, code: str, has: str
) -> None:
    """The profile sent every reader to the full report for "each right's cross-country
    chart, rank, trend and people at risk", which a quality of life country's report does
    not have (nor a trend, one surveyed once); and asked to be cited as a "country report"."""
    text = " ".join(render_text(build_profile(hrmi, code, style).report).split())
    assert f"gives {has} explains the method." in text
    assert ": human rights country profile. HRMI 2020 release." in text
    assert "country report." not in text


@pytest.mark.parametrize("kind", ["report", "profile"])
def test_the_metadata_names_only_what_the_document_has(
    hrmi: Dataset, style: Style, kind: str
) -> None:
    """A quality of life country's PDF said 'Civil and political rights and quality of life'
    in its subject, and 'people at risk' in its keywords (what a catalogue or a search shows
    of it), though it has neither."""
    import pikepdf

    from reportgen.build import build_country

    build = build_profile if kind == "profile" else build_country
    for code, subject, keywords in [
        (
            "VCT",
            "Quality of life in Saint Vincent and the Grenadines, from the HRMI 2020 release",
            "human rights, Saint Vincent and the Grenadines, quality of life, 2020",
        ),
        (
            "KAZ",
            "Civil and political rights and quality of life in Kazakhstan, from the HRMI 2020 "
            "release",
            "human rights, Kazakhstan, civil and political rights, quality of life, people at "
            "risk, 2020",
        ),
    ]:
        with pikepdf.open(io.BytesIO(build(hrmi, code, style).pdf)) as pdf:
            assert str(pdf.docinfo["/Subject"]) == subject
            assert str(pdf.docinfo["/Keywords"]) == keywords
