"""A report without its closing sections, as a book of full reports binds it.

The expectations come from the report as built, read with other tools (pdfium's text,
pypdf's outline, pikepdf's page objects): the page where "How to read this report" begins,
the text before it, the pages before it byte for byte.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import NamedTuple

import page
import pikepdf
import pytest
from pdfua import validate

from reportgen.build import BuiltReport, build_country
from reportgen.check import check_pdf
from reportgen.layout.tagging.trim import leave_out_sections
from reportgen.load import Dataset
from reportgen.phrases import load_phrases
from reportgen.style import Style
from tests.pdfcheck import outline, page_texts


class Trimmed(NamedTuple):
    data: bytes
    pages: int


def without_sections(
    data: bytes, idents: tuple[str, ...], titles: tuple[str, ...]
) -> Trimmed | None:
    """``data`` with ``leave_out_sections`` applied, saved: its bytes and the pages it keeps
    (None: it is bound whole)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        kept = leave_out_sections(pdf, idents, titles)
        if kept is None:
            return None
        out = io.BytesIO()
        pdf.save(out)
        return Trimmed(out.getvalue(), kept)


CLOSING = ("section:how-to-read", "section:sources")
PHRASES = load_phrases("en")
TITLES = (PHRASES.text("headings.how_to_read"), PHRASES.text("headings.sources"))


@pytest.fixture(scope="module", params=["XAQ", "XAT", "XAB"])
def report(request: pytest.FixtureRequest, demo: Dataset, style: Style) -> BuiltReport:
    """A survey country (XAQ, XAB: long) and a quality-of-life-only one (XAT: short)."""
    return build_country(demo, str(request.param), style)


def _heading_page(pdf: bytes, title: str) -> int:
    """The page where a closing heading is set (its bookmark's page), found by pypdf."""
    return next(item.page for item in outline(pdf) if item.title == title and item.level == 0)


def _content(pdf: bytes, number: int) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return bytes(doc.pages[number].obj.Contents.read_bytes())


def test_the_closing_sections_are_left_out_and_the_rest_kept(report: BuiltReport) -> None:
    trimmed = without_sections(report.pdf, CLOSING, TITLES)
    assert trimmed is not None
    first = _heading_page(report.pdf, TITLES[0])
    before = page_texts(report.pdf)[first].split(TITLES[0])[0]
    # the pages before the method stay, the ones after it go; its own page stays when the
    # report's previous section ends on it
    # (the running head, the watermark and the folio are no part of the summary)
    chrome = r"^.*?Human rights country report 2026|ILLUSTRATIVE DATA — [^.]*?measurements|"
    chrome += r"reportgen demo page \d+ of \d+"
    kept_last = bool(re.sub(chrome, "", before).strip())
    assert trimmed.pages == (first + 1 if kept_last else first)
    with pikepdf.open(io.BytesIO(trimmed.data)) as doc:
        assert len(doc.pages) == trimmed.pages
    for number in range(first):
        assert _content(trimmed.data, number) == _content(report.pdf, number)
    texts = page_texts(trimmed.data)
    whole = " ".join(texts)
    # (the title itself stays in the captions that refer to it: "see How to read this report")
    method = page_texts(report.pdf)[first].split(TITLES[0])[-1].strip()[:60]
    assert method and method not in whole
    # nor the words that followed the sources' heading
    sources_page = page_texts(report.pdf)[_heading_page(report.pdf, TITLES[1])]
    assert sources_page.split(TITLES[1])[1].strip()[:60] not in whole
    if kept_last:  # the end of the summary is still there, as it was
        summary_end = before.strip().split(" ")[-4:]
        assert " ".join(summary_end) in texts[-1]
    titles = [item.title for item in outline(trimmed.data)]
    assert titles == [t.title for t in outline(report.pdf) if t.title not in TITLES]


def test_the_trimmed_report_is_still_valid_pdf_ua(report: BuiltReport, tmp_path: Path) -> None:
    trimmed = without_sections(report.pdf, CLOSING, TITLES)
    assert trimmed is not None
    with pikepdf.open(io.BytesIO(trimmed.data)) as doc:
        assert doc.check_pdf_syntax() == []
        root = doc.Root.StructTreeRoot
        ids = list(root.IDTree.Names)
        assert not set(CLOSING) & {str(ids[i]) for i in range(0, len(ids), 2)}
        # the parent tree lists no page that is gone, and each page's marked content as drawn
        keys = {int(p.obj.StructParents) for p in doc.pages}
        nums = list(root.ParentTree.Nums)
        listed = {int(nums[i]) for i in range(0, len(nums), 2)}
        assert keys <= listed
        by_key = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for key in keys:
            assert all(isinstance(e, pikepdf.Dictionary) for e in by_key[key])
    result = page.validate_pdf_bytes(trimmed.data, profile="ua1")
    assert result.is_compliant, [f"{f.rule_id}: {f.message}" for f in result.failures]
    path = tmp_path / "trimmed.pdf"
    path.write_bytes(trimmed.data)
    assert [f.rule_id for f in validate(str(path)).findings] == []
    assert check_pdf(trimmed.data).passed, check_pdf(trimmed.data).render()


def test_sections_that_are_not_the_closing_part_are_not_trimmed(report: BuiltReport) -> None:
    # the summary is followed by the method: leaving it out would leave a hole
    assert without_sections(report.pdf, ("section:summary",), ()) is None
    # a section the report does not have
    assert without_sections(report.pdf, ("section:epilogue",), ()) is None


def test_an_untagged_pdf_is_bound_whole(demo: Dataset, style: Style) -> None:
    from reportgen.build import build_model
    from reportgen.charts import render_chart
    from reportgen.layout.document import chart_width, render_pdf

    _, model = build_model(demo, "XAT", style)
    drawings = {c.id: render_chart(c.spec, style, chart_width(style, c)) for c in model.charts()}
    plain = render_pdf(model, drawings, style, tagged=False).data
    assert without_sections(plain, CLOSING, TITLES) is None
