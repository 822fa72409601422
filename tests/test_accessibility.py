"""Accessibility: reports and the compendium are tagged PDFs that PDF/UA checkers accept.

Three reports — Kazakhstan (full report), Argentina (quality of life only, both from the real
release when ``HRMI_DATA_DIR`` is set) and a demo country — and a compendium are run through
the PDF/UA-1 profile of ``page-validation`` and through ``pdfua``; the structure tree is read
back (``reportgen.check.read_structure``) and compared with the report model: headings in
order, alternative text on every chart carrying the chart's key number, header cells in every
table, paragraph text with its words apart, every marked-content id referenced exactly once.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import page
import pikepdf
import pytest
from pdfua import validate

from reportgen.batch import run_batch
from reportgen.build import BuiltReport, build_country
from reportgen.charts import render_chart
from reportgen.check import Structure, check_command, check_pdf, read_structure
from reportgen.compendium import build_compendium
from reportgen.layout.compendium_pages import RenderedMatter
from reportgen.layout.document import RenderedPdf, render_pdf, text_width
from reportgen.load import Dataset
from reportgen.model import (
    AtRiskChart,
    ChartSpec,
    ComparisonChart,
    EsrRightsChart,
    EsrTrendChart,
    HeadlineChart,
    Paragraph,
    Report,
    RightsChart,
    Scorecard,
    Table,
    TrendChart,
)
from reportgen.style import Style
from tests.independent import printed_pct, printed_score, printed_share

from .conftest import DEMO_DIR

REPORTS = ["KAZ", "ARG", "XAQ"]  # full report, quality of life only, demo country


@pytest.fixture(scope="module")
def reports(request: pytest.FixtureRequest, demo: Dataset, style: Style) -> dict[str, BuiltReport]:
    out = {"XAQ": build_country(demo, "XAQ", style)}
    hrmi: Dataset = request.getfixturevalue("hrmi")
    out["KAZ"] = build_country(hrmi, "KAZ", style)
    out["ARG"] = build_country(hrmi, "ARG", style)
    return out


@pytest.fixture(scope="module")
def demo_reports(demo: Dataset, style: Style) -> dict[str, BuiltReport]:
    """Demo reports only (these tests run without the real release too)."""
    return {code: build_country(demo, code, style) for code in ("XAQ", "XAT", "XDK")}


def _structure(pdf: bytes) -> Structure:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return read_structure(doc)


def _pdfua_findings(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    report = validate(str(path))
    return [f"{f.rule_id}: {f.message}" for f in report.findings]


# --- the checkers ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", REPORTS)
def test_reports_pass_pdf_ua_checkers(
    reports: dict[str, BuiltReport], code: str, tmp_path: Path
) -> None:
    pdf = reports[code].pdf
    result = page.validate_pdf_bytes(pdf, profile="ua1")
    failures = [f"{f.rule_id}: {f.message}" for f in result.failures]
    assert result.is_compliant and result.rules.failed == 0, failures
    assert result.rules.passed == result.rules.total > 100
    assert _pdfua_findings(pdf, tmp_path) == []
    assert check_pdf(pdf).passed, check_pdf(pdf).render()


@pytest.mark.parametrize("code", ["XAT", "XDK"])
def test_demo_reports_pass_pdf_ua_checkers(
    demo_reports: dict[str, BuiltReport], code: str, tmp_path: Path
) -> None:
    pdf = demo_reports[code].pdf
    result = page.validate_pdf_bytes(pdf, profile="ua1")
    assert result.is_compliant, [f"{f.rule_id}: {f.message}" for f in result.failures]
    assert _pdfua_findings(pdf, tmp_path) == []


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler's pdfinfo is not installed")
def test_pdfinfo_says_tagged(demo_reports: dict[str, BuiltReport], tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(demo_reports["XAQ"].pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M)


def test_catalog_and_metadata(demo_reports: dict[str, BuiltReport]) -> None:
    built = demo_reports["XAQ"]
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        assert bool(pdf.Root.MarkInfo.Marked)
        assert str(pdf.Root.Lang) == built.report.metadata.language
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
        assert built.report.metadata.title in xmp
        for page_ in pdf.pages:
            assert page_.obj.Tabs == "/S"
            for annot in page_.obj.get("/Annots", []):
                assert str(annot.Contents).strip() and int(annot.F) & 4


# --- the structure tree against the report model ------------------------------------------


def _headings(report: Report) -> list[tuple[str, str]]:
    return [("H1", report.cover.title)] + [(f"H{s.level}", s.title) for s in report.walk()]


def _key_number(spec: ChartSpec) -> str:
    """The number a reader most needs from a chart, as the report prints it."""
    if isinstance(spec, HeadlineChart):
        return next(i.value_text for i in spec.items if i.value is not None).split("/")[0]
    if isinstance(spec, ComparisonChart):
        return printed_score(next(i for i in spec.items if i.highlight).mean)
    if isinstance(spec, RightsChart):
        return printed_score(spec.items[0].mean)
    if isinstance(spec, TrendChart):
        return printed_score(spec.series[0].mean[-1])
    if isinstance(spec, EsrTrendChart):
        return printed_pct(spec.income_adjusted[-1])
    if isinstance(spec, EsrRightsChart):
        item = spec.items[0]
        value = item.female if spec.by_sex and item.female is not None else item.income_adjusted
        return printed_pct(value)
    if isinstance(spec, Scorecard):
        return spec.panels[0].rows[0].value_text
    assert isinstance(spec, AtRiskChart)
    return f"{printed_share(spec.bars[0].share)}%"


def _check_tree(built: BuiltReport) -> None:
    structure = _structure(built.pdf)
    elements = structure.elements()
    # Document › sections; headings in the order and at the levels of the report
    assert structure.root is not None and structure.root.kids[0].role == "Document"
    headings = [(e.role, structure.text(e)) for e in elements if re.fullmatch(r"H\d", e.role)]
    assert headings == _headings(built.report)
    # every chart is a Figure whose alternative text is the model's, with its key number
    charts = built.report.charts()
    figures = [e for e in elements if e.role == "Figure"]
    # in the order they are read on the page: a chart that floats to the next page comes
    # after the text set before it, so the tree holds the same figures, each once
    assert Counter(f.alt for f in figures) == Counter(c.alt for c in charts)
    by_alt = {f.alt: f for f in figures}
    for chart in charts:
        figure = by_alt[chart.alt]
        assert figure.alt and _key_number(chart.spec) in figure.alt, (chart.id, figure.alt)
        assert "BBox" in figure.attrs
    # every table has header cells: a header row, and each row's first cell
    tables = [b for s in built.report.walk() for b in s.blocks if isinstance(b, Table)]
    tagged = [e for e in elements if e.role == "Table"]
    assert len(tagged) == len(tables)
    for table, element in zip(tables, tagged, strict=True):
        rows = [r for r in element.kids if r.role == "TR"]
        assert len(rows) == len(table.rows) + 1
        assert [structure.text(c) for c in rows[0].kids] == list(table.header)
        assert all(c.role == "TH" and c.attrs["Scope"] == "Column" for c in rows[0].kids)
        assert all(r.kids[0].role == "TH" and r.kids[0].attrs["Scope"] == "Row" for r in rows[1:])
    # paragraphs: the whole text, words kept apart where lines wrap, in reading order
    texts = [structure.text(e) for e in elements if e.role == "P"]
    position = 0
    for section in built.report.walk():
        for block in section.blocks:
            if isinstance(block, Paragraph):
                expected = re.sub(r"\s+", " ", block.text).strip()
                assert expected in texts[position:], expected
                position = texts.index(expected, position)
    # every marked-content id is referenced exactly once, and the parent tree agrees
    assert structure.mcids, "no marked content"
    assert set(structure.references) == set(structure.mcids)
    assert all(n == 1 for n in structure.references.values())
    assert structure.parent_tree_errors == []
    assert structure.annotation_errors == []
    assert structure.untagged == []


@pytest.mark.parametrize("code", REPORTS)
def test_structure_tree_follows_the_report(reports: dict[str, BuiltReport], code: str) -> None:
    _check_tree(reports[code])


@pytest.mark.parametrize("code", ["XAT", "XDK"])
def test_demo_structure_tree_follows_the_report(
    demo_reports: dict[str, BuiltReport], code: str
) -> None:
    _check_tree(demo_reports[code])


def test_lists_and_links_are_tagged(demo_reports: dict[str, BuiltReport]) -> None:
    structure = _structure(demo_reports["XDK"].pdf)
    elements = structure.elements()
    items = [e for e in elements if e.role == "LI"]
    assert items and all(
        [k.role for k in item.kids] in (["Lbl", "LBody"], ["LBody"]) for item in items
    )
    assert any(structure.text(k) == "•" for item in items for k in item.kids if k.role == "Lbl")
    # each headline figure on the first page links to its section, once
    links = [e for e in elements if e.role == "Link"]
    figures = demo_reports["XDK"].report.cover.figures.figures
    assert len(links) == len(figures) == 3
    assert all(len(link.annotations) == 1 for link in links)


# --- untagged drawing: the lint ----------------------------------------------------------------


def _render(dataset: Dataset, code: str, style: Style, tagged: bool = True) -> RenderedPdf:
    from reportgen.facts import compute_facts
    from reportgen.narrative import build_report

    report = build_report(dataset, compute_facts(dataset, code, style), style, "en")
    drawings = {c.id: render_chart(c.spec, style, text_width(style)) for c in report.charts()}
    return render_pdf(report, drawings, style, tagged=tagged)


@pytest.mark.parametrize("code", ["XDK", "XAT", "XFT"])
def test_no_untagged_drawing_in_reports(demo: Dataset, style: Style, code: str) -> None:
    assert _render(demo, code, style).untagged == ()


def test_no_untagged_drawing_in_kazakhstan(hrmi: Dataset, style: Style) -> None:
    assert _render(hrmi, "KAZ", style).untagged == ()


def test_untagged_build_is_the_same_picture(demo: Dataset, style: Style) -> None:
    """Tagging changes no page: the untagged build renders identically."""
    from .pdfcheck import render

    tagged, plain = _render(demo, "XAQ", style), _render(demo, "XAQ", style, tagged=False)
    assert tagged.pages == plain.pages
    for number in range(tagged.pages):
        assert render(tagged.data, number, 30).tobytes() == render(plain.data, number, 30).tobytes()


# --- the compendium ------------------------------------------------------------------------------


def _bind(
    release: Path, out: Path, codes: list[str] | None, fmt: str = "profile"
) -> tuple[bytes, list[RenderedMatter]]:
    """Build profiles (or reports) and their compendium; also return every layout of its own
    pages."""
    import reportgen.compendium as compendium

    made: list[RenderedMatter] = []
    original: Callable[..., RenderedMatter] = getattr(compendium, "render_matter")  # noqa: B009

    def spy(*args: Any, **kwargs: Any) -> RenderedMatter:
        matter = original(*args, **kwargs)
        made.append(matter)
        return matter

    result = run_batch(release, out, codes, formats=(fmt,))
    assert not result.failed
    setattr(compendium, "render_matter", spy)  # noqa: B010
    try:
        path = build_compendium(out, format=fmt)
    finally:
        setattr(compendium, "render_matter", original)  # noqa: B010
    return path.read_bytes(), made


def _check_book(pdf: bytes, reports_dir: Path, tmp_path: Path) -> None:
    result = page.validate_pdf_bytes(pdf, profile="ua1")
    assert result.is_compliant, [f"{f.rule_id}: {f.message}" for f in result.failures]
    assert _pdfua_findings(pdf, tmp_path) == []
    report = check_pdf(pdf)
    assert report.passed, report.render()
    structure = _structure(pdf)
    document = structure.elements()[1]
    roles = [k.role for k in document.kids]
    assert roles[:3] == ["Sect", "Sect", "Sect"] and roles[-2:] == ["Sect", "Sect"]
    parts = [k for k in document.kids if k.role == "Part"]
    reports = [a for p in parts for a in p.kids if a.role == "Art"]
    files = sorted(reports_dir.glob("*.pdf"))
    files = [f for f in files if not f.name.startswith("compendium")]
    assert len(reports) == len(files)
    # each report's tree is there whole: as many figures and headings as in the reports
    figures = sum(
        sum(e.role == "Figure" for e in _structure(f.read_bytes()).elements()) for f in files
    )
    assert sum(e.role == "Figure" for e in structure.elements()) == figures
    assert all(n == 1 for n in structure.references.values())
    links = [e for e in structure.elements() if e.role == "Link"]
    assert all(len(link.annotations) == 1 for link in links)


@pytest.mark.parametrize("fmt", ["profile", "report"])
def test_demo_compendium_is_tagged(tmp_path: Path, fmt: str) -> None:
    pdf, matters = _bind(DEMO_DIR, tmp_path / "book", ["XAW", "XAK", "XAQ", "XAT", "XAB"], fmt)
    assert matters and all(m.untagged == () for m in matters)
    _check_book(pdf, tmp_path / "book", tmp_path)


def test_release_compendium_is_tagged(hrmi_dir: Path, tmp_path: Path) -> None:
    """The book of profiles of the whole release (the default book)."""
    pdf, matters = _bind(hrmi_dir, tmp_path / "book", None)
    assert all(m.untagged == () for m in matters)
    _check_book(pdf, tmp_path / "book", tmp_path)


# --- the check command -------------------------------------------------------------------------


def test_check_command_passes_a_report(
    demo_reports: dict[str, BuiltReport], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(demo_reports["XAT"].pdf)
    assert check_command(path) == 0
    printed = capsys.readouterr().out
    assert "Verdict: ACCESSIBLE" in printed and "FAIL" not in printed


def test_check_command_fails_an_untagged_pdf(
    demo: Dataset, style: Style, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plain.pdf"
    path.write_bytes(_render(demo, "XAT", style, tagged=False).data)
    assert check_command(path) == 1
    printed = capsys.readouterr().out
    for check in ("tagged", "PDF/UA identifier", "untagged content"):
        assert re.search(rf"FAIL\s+{re.escape(check)}:", printed), check
    assert "Verdict: NOT ACCESSIBLE" in printed


def test_check_command_refuses_a_non_pdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("not a PDF")
    assert check_command(path) == 1  # bad input, not bad usage
    assert "notes.pdf is not a PDF" in capsys.readouterr().err
    assert check_command(tmp_path / "missing.pdf") == 1


def test_check_finds_a_figure_without_alt_text(demo_reports: dict[str, BuiltReport]) -> None:
    with pikepdf.open(io.BytesIO(demo_reports["XAT"].pdf)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure":
                del obj["/Alt"]
                break
        out = io.BytesIO()
        pdf.save(out)
    report = check_pdf(out.getvalue())
    failed = [f for f in report.findings if not f.passed]
    assert [f.check for f in failed] == ["alternative text"]


def test_chart_alt_text_is_required() -> None:
    from reportlab.platypus import Spacer

    from reportgen.layout.tagging import Tag, TaggedFigure

    with pytest.raises(ValueError, match="alternative text"):
        TaggedFigure(Spacer(1, 1), Tag("Figure"))
