"""A report says each thing once: repeated sentence templates and figures, measured.

The measure (``tests/textmetrics.py``): names, numbers and right names replaced by
placeholders, the share of a report's visible sentences whose template another of its
sentences shares; and any score or share stated more than twice outside tables.
"""

from __future__ import annotations

import re

import pytest

from reportgen.codebook import load_codebook
from reportgen.facts import compute_facts
from reportgen.load import Dataset
from reportgen.narrative import build_report
from reportgen.style import Style
from tests.textmetrics import measure, report_names, template


def test_template_replaces_names_numbers_and_lists() -> None:
    names = re.compile(r"(?<!\w)(?:the\s+)?(?:Kazakhstan|Saudi Arabia|Vietnam|journalists)(?!\w)")
    a = template("Kazakhstan could be worse than Saudi Arabia or Vietnam, 2.1/10 in 2019.", names)
    b = template("Kazakhstan could be worse than Vietnam, 3.4/10 in 2018.", names)
    assert a == b == "‹name› could be worse than ‹name›, ‹n› in ‹n›."
    assert template("Three of the eight scores fell.", None) == "‹n› of the ‹n› scores fell."


def _metrics(dataset: Dataset, style: Style, code: str, language: str = "en"):  # type: ignore[no-untyped-def]
    report = build_report(dataset, compute_facts(dataset, code, style), style, language)
    return measure(report, report_names(load_codebook(language), dataset))


def test_kazakhstan_says_each_thing_once(hrmi: Dataset, style: Style) -> None:
    m = _metrics(hrmi, style, "KAZ")
    assert len(m.sentences) > 80  # the measure reads the whole report
    assert m.repeated_share <= 0.15, m.repeated_templates()  # the target
    assert not m.figures_over_twice, m.figures_over_twice


@pytest.mark.parametrize("code", ["SAU", "USA", "NZL"])
def test_survey_countries_repeat_little(hrmi: Dataset, style: Style, code: str) -> None:
    m = _metrics(hrmi, style, code)
    # Issue 14's target is 15%; these three stay above it (see the CHANGELOG): pinned so
    # that the share can only go down.
    assert m.repeated_share <= 0.30, m.repeated_templates()
    assert len(m.figures_over_twice) <= 2, m.figures_over_twice


def test_without_variants_the_measure_sees_the_repetition(
    hrmi: Dataset, style: Style, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Plant the old behaviour (one wording for every right): the measure must catch it.
    from reportgen.narrative._context import Context

    monkeypatch.setattr(Context, "variant", lambda self, key: key)
    m = _metrics(hrmi, style, "KAZ")
    assert m.repeated_share > 0.25
