"""A report says each thing once: repeated sentence templates and figures, measured.

The measure (``tests/textmetrics.py``): names, numbers and right names replaced by
placeholders, the share of a report's visible sentences whose template another of its
sentences shares; and any score or share stated more than twice outside tables.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from reportgen.codebook import load_codebook
from reportgen.facts import compute_facts
from reportgen.load import Dataset
from reportgen.model import Paragraph, Section, Span
from reportgen.narrative import build_report
from reportgen.style import Style
from tests.textmetrics import measure, report_names, subject_names, template


def test_template_replaces_names_numbers_and_lists() -> None:
    names = re.compile(r"(?<!\w)(?:the\s+)?(?:Kazakhstan|Saudi Arabia|Vietnam|journalists)(?!\w)")
    a = template("Kazakhstan could be worse than Saudi Arabia or Vietnam, 2.1/10 in 2019.", names)
    b = template("Kazakhstan could be worse than Vietnam, 3.4/10 in 2018.", names)
    assert a == b == "‹name› could be worse than ‹name›, ‹n› in ‹n›."
    assert template("Three of the eight scores fell.", None) == "‹n› of the ‹n› scores fell."


def _metrics(dataset: Dataset, style: Style, code: str, language: str = "en"):  # type: ignore[no-untyped-def]
    report = build_report(dataset, compute_facts(dataset, code, style), style, language)
    book = load_codebook(language)
    return measure(report, report_names(book, dataset), subject_names(book))


def test_kazakhstan_says_each_thing_once(hrmi: Dataset, style: Style) -> None:
    m = _metrics(hrmi, style, "KAZ")
    assert len(m.sentences) > 80  # the measure reads the whole report
    assert m.repeated_share <= 0.15, m.repeated_templates()  # the target
    assert not m.figures_over_twice, m.figures_over_twice


@pytest.mark.parametrize("language", ["en", "fr", "es", "pt"])
def test_survey_countries_repeat_little(hrmi: Dataset, style: Style, language: str) -> None:
    # Issue 14's targets, for every country the survey covered, in each shipped language.
    over: dict[str, object] = {}
    surveyed = 0
    for code in hrmi.country_codes():
        if not compute_facts(hrmi, code, style).has_survey:
            continue
        surveyed += 1
        m = _metrics(hrmi, style, code, language)
        found: list[object] = []
        if m.repeated_share > 0.15:
            found.append((f"{m.repeated_share:.1%}", m.repeated_templates()[:5]))
        if m.figures_over_twice:
            found.append(m.figures_over_twice)
        if found:
            over[code] = found
    assert surveyed >= 30  # the whole survey, not a sample
    assert not over, over


def _sections(*texts: tuple[str, str, str]) -> tuple[Section, ...]:
    """Sections of one paragraph each: (id, title, text); a "-risk" id is the "Who is at
    risk?" of the section before it."""
    out: list[Section] = []
    for where, title, text in texts:
        block = (Paragraph((Span(text),)),)
        if where.endswith("-risk"):
            parent = out.pop()
            out.append(replace(parent, children=(Section(where, title, 4, block),)))
        else:
            out.append(Section(where, title, 3, block))
    return tuple(out)


def test_a_figure_is_a_fact_of_its_right(hrmi: Dataset, style: Style) -> None:
    """The same share said of three rights ("this right") is three facts; one score said
    three times, wherever, is one fact said three times."""
    kaz = build_report(hrmi, compute_facts(hrmi, "KAZ", style), style)
    book = load_codebook("en")
    no_one = "22% of the experts said that no one in Kazakhstan is at risk of having this right violated."
    texts = []
    for key in ("assembly", "expression", "participation"):
        texts += [
            (f"cpr-{key}", book.rights[key].name, "A right."),
            (f"cpr-{key}-risk", "Who is at risk?", no_one),
        ]
    report = replace(kaz, cover=replace(kaz.cover, lede=""), sections=_sections(*texts))
    assert not measure(report, report_names(book, hrmi), subject_names(book)).figures_over_twice
    # said three times of one right (its section and its "Who is at risk?"): one fact
    texts = [
        ("cpr-assembly", "Assembly and association", no_one),
        ("cpr-assembly-risk", "Who is at risk?", f"{no_one} {no_one}"),
    ]
    report = replace(kaz, cover=replace(kaz.cover, lede=""), sections=_sections(*texts))
    m = measure(report, report_names(book, hrmi), subject_names(book))
    assert [n for _, n in m.figures_over_twice] == [3]
    score = "Kazakhstan scores 2.1/10 for the right to assembly and association, a very bad score."
    texts = [
        ("key-findings", "Key findings", score),
        ("cpr-empowerment", "Empowerment", score),
        ("cpr-assembly", "Assembly and association", score),
    ]
    report = replace(kaz, cover=replace(kaz.cover, lede=""), sections=_sections(*texts))
    m = measure(report, report_names(book, hrmi), subject_names(book))
    assert [n for _, n in m.figures_over_twice] == [3]


def test_without_variants_the_measure_sees_the_repetition(
    hrmi: Dataset, style: Style, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Plant the old behaviour (one wording for every right): the measure must catch it.
    from reportgen.narrative._context import Context

    monkeypatch.setattr(Context, "variant", lambda self, key, per="": key)
    m = _metrics(hrmi, style, "KAZ")
    assert m.repeated_share > 0.25
