"""The PDF as a reader gets it: fonts, structure, metadata, bookmarks, text, pages that look right.

Page images are compared with baselines in ``tests/snapshots/pages``; refresh them after an
intended visual change with

    REPORTGEN_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_pdf.py -k visual

and look at the new PNGs before committing them. A failing comparison saves the rendered
page and a difference image under ``tests/_failures``.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops, ImageStat

from reportgen.build import BuiltReport, build_country
from reportgen.load import Dataset
from reportgen.model import Paragraph
from reportgen.style import Style, load_style

from .pdfcheck import (
    blank_below,
    chapter_ends,
    char_boxes,
    outline,
    page_texts,
    render,
    unembedded_fonts,
)

PAGES = Path(__file__).parent / "snapshots" / "pages"
FAILURES = Path(__file__).parent / "_failures"
UPDATE = os.environ.get("REPORTGEN_UPDATE_SNAPSHOTS") == "1"
DEMO_CODES = ["XDK", "XAQ", "XAT", "XFT", "XGF"]


@pytest.fixture(scope="module")
def demo_pdfs(demo: Dataset, style: Style) -> dict[str, BuiltReport]:
    return {code: build_country(demo, code, style) for code in DEMO_CODES}


@pytest.fixture(scope="module")
def kaz(hrmi: Dataset, style: Style) -> BuiltReport:
    return build_country(hrmi, "KAZ", style)


def _all(demo_pdfs: dict[str, BuiltReport]) -> list[BuiltReport]:
    return list(demo_pdfs.values())


def test_every_font_is_embedded(demo_pdfs: dict[str, BuiltReport]) -> None:
    for built in _all(demo_pdfs):
        assert unembedded_fonts(built.pdf) == [], built.filename


def test_structure_is_clean(demo_pdfs: dict[str, BuiltReport]) -> None:
    for built in _all(demo_pdfs):
        with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
            assert pdf.check_pdf_syntax() == [], built.filename


def test_metadata(demo_pdfs: dict[str, BuiltReport]) -> None:
    built = demo_pdfs["XAQ"]
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Kestrel Islands: human rights country report 2026"
        assert str(info["/Author"]) == "reportgen demo"
        assert "Kestrel Islands" in str(info["/Subject"])
        assert "quality of life" in str(info["/Keywords"])
        assert str(info["/CreationDate"]).startswith("D:20260101")
        assert str(pdf.Root.Lang) == "en-GB"
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)


def test_same_input_gives_identical_bytes(
    demo: Dataset, style: Style, demo_pdfs: dict[str, BuiltReport]
) -> None:
    again = build_country(demo, "XDK", style)
    assert again.pdf == demo_pdfs["XDK"].pdf


def test_bookmarks_follow_the_sections(demo_pdfs: dict[str, BuiltReport]) -> None:
    for built in _all(demo_pdfs):
        expected = [(s.title, s.level - 1) for s in built.report.walk()]
        items = outline(built.pdf)
        assert [(i.title, i.level) for i in items] == expected, built.filename
        texts = page_texts(built.pdf)
        for item in items:
            assert item.title in texts[item.page], f"{item.title} not on its bookmarked page"


def test_text_follows_reading_order(demo_pdfs: dict[str, BuiltReport]) -> None:
    """Every paragraph is extractable, in the order of the report."""
    for built in _all(demo_pdfs):
        text = " ".join(page_texts(built.pdf))
        text = re.sub(r"\s+", " ", text)
        position = 0
        for section in built.report.walk():
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    words = block.text.split()
                    probe = " ".join(words[:8])
                    found = text.find(probe, position)
                    assert found >= 0, f"{built.filename}: paragraph not found in order: {probe!r}"
                    position = found


def test_every_page_is_numbered_and_marked(demo_pdfs: dict[str, BuiltReport]) -> None:
    for built in _all(demo_pdfs):
        texts = page_texts(built.pdf)
        for number, text in enumerate(texts, start=1):
            assert f"page {number} of {len(texts)}" in text
            assert "ILLUSTRATIVE DATA" in text


def test_page_counts(demo_pdfs: dict[str, BuiltReport]) -> None:
    counts = {code: len(page_texts(b.pdf)) for code, b in demo_pdfs.items()}
    assert 14 <= counts["XDK"] <= 32, counts
    assert 4 <= counts["XAT"] <= 9, counts  # no survey data: quality of life only


def test_charts_are_vector_with_searchable_text(demo_pdfs: dict[str, BuiltReport]) -> None:
    built = demo_pdfs["XDK"]
    text = " ".join(page_texts(built.pdf))
    for chart in built.report.charts():
        assert chart.spec.texts.title in text, chart.id
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        images = [k for page in pdf.pages for k in page.get_images()]
    assert images == []


def test_first_page_figures_link_to_their_sections(demo_pdfs: dict[str, BuiltReport]) -> None:
    """The headline figures on the first page link to the pages of their sections."""
    built = demo_pdfs["XDK"]
    texts = page_texts(built.pdf)
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        targets = []
        for annot in pdf.pages[0].get("/Annots", []):
            if annot.get("/Subtype") == "/Link":
                dest = annot.get("/Dest") or annot["/A"]["/D"]
                targets.append(pages[dest[0].objgen])
    titles = [
        s.title for s in built.report.walk() if s.id in ("cpr-empowerment", "cpr-safety", "qol")
    ]
    assert len(targets) == 3
    for page, title in zip(sorted(targets), titles, strict=True):
        assert title in texts[page]


def test_long_names_stay_inside_the_page(demo_pdfs: dict[str, BuiltReport]) -> None:
    """The longest names ("Federated Isles of Saint Amaranth …") never spill off the text column."""
    built = demo_pdfs["XFT"]
    pages = len(page_texts(built.pdf))
    for page in range(pages):
        (width, height), boxes = char_boxes(built.pdf, page)
        for ch, (left, bottom, right, top) in boxes:
            assert left >= 20 and right <= width - 20, (page, ch, left, right)
            assert bottom >= 10 and top <= height - 10, (page, ch, bottom, top)


def test_letter_theme_composes(demo: Dataset) -> None:
    style = load_style("letter-slate")
    built = build_country(demo, "XAT", style)
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        box = [float(v) for v in pdf.pages[0].mediabox]
    assert box == [0, 0, 612, 792]


def test_markup_in_names_is_escaped(demo: Dataset, style: Style) -> None:
    names = dict(demo.names)
    names["XAT"] = replace(names["XAT"], name='Trinidad & <Tobago> "Isles"')
    tricky = replace(demo, names=names)
    built = build_country(tricky, "XAT", style)
    assert 'Trinidad & <Tobago> "Isles"' in " ".join(page_texts(built.pdf))


def test_kazakhstan_report(kaz: BuiltReport) -> None:
    texts = page_texts(kaz.pdf)
    text = " ".join(texts)
    # findings first and each thing once: 23 pages before the redesign, 14 asked for
    assert 12 <= len(texts) <= 14
    assert "Key findings" in texts[0] and "Of the 13 rights measured" in texts[0]
    assert unembedded_fonts(kaz.pdf) == []
    for phrase in (
        "2.5/10",
        "5.4/10",
        "86.5%",
        "could in fact be performing worse than Saudi Arabia",
        "among the very worst of the 29 countries",
        "99.2%",
    ):
        assert phrase in text
    assert len(kaz.report.charts()) >= 20
    assert "ILLUSTRATIVE" not in text


def test_build_command_writes_pdfs_and_prints_paths(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reportgen",
            "build",
            "XAT",
            "kestrel islands",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    paths = result.stdout.split()
    assert [Path(p).name for p in paths] == [
        "XAT-united-lowland-provinces-of-erevandia-2026-en.pdf",
        "XAQ-kestrel-islands-2026-en.pdf",
    ]
    assert all(Path(p).read_bytes().startswith(b"%PDF") for p in paths)


def test_build_command_refuses_unknown_country_without_output(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reportgen",
            "build",
            "XAT",
            "Atlantis",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Unknown country 'Atlantis'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


# --- full pages ------------------------------------------------------------------------------

BLANK_LIMIT = 0.25


def _over_a_quarter_blank(pdf: bytes) -> list[tuple[int, str]]:
    """Pages (1-based) more than a quarter blank that do not end a chapter, with the share."""
    ends = chapter_ends(pdf)
    shares = [blank_below(render(pdf, page, dpi=50)) for page in range(len(page_texts(pdf)))]
    return [
        (page + 1, f"{share:.0%}")
        for page, share in enumerate(shares)
        if share > BLANK_LIMIT and page not in ends
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_page_is_a_quarter_blank_but_a_chapter_end(
    demo: Dataset, style: Style, language: str
) -> None:
    """Upper Velmora's all-countries charts run to 46 rows (taller than the rest of a page
    after their text): the next section's text fills the page before such a chart."""
    built = build_country(demo, "XAB", style, language)
    assert _over_a_quarter_blank(built.pdf) == []


def test_kazakhstan_has_no_page_a_quarter_blank_but_a_chapter_end(kaz: BuiltReport) -> None:
    assert _over_a_quarter_blank(kaz.pdf) == []


def test_a_quality_of_life_chart_without_an_overall_score_keeps_its_text(
    hrmi: Dataset, style: Style
) -> None:
    """The Congo has no overall quality of life score: what its chart of each right shows
    (best, bands, lowest) is said after the chart, in its section, so the chapter's opening
    does not push the chart off a page it then leaves a third blank (in French)."""
    built = build_country(hrmi, "COD", style, "fr")
    assert _over_a_quarter_blank(built.pdf) == []


# --- visual regression ---------------------------------------------------------------------

VISUAL = [("XAQ", 0), ("XAQ", 1), ("XAQ", 3), ("XAT", 2)]


@pytest.mark.parametrize(("code", "page"), VISUAL)
def test_visual(demo_pdfs: dict[str, BuiltReport], code: str, page: int) -> None:
    image = render(demo_pdfs[code].pdf, page, dpi=40)
    baseline = PAGES / f"{code}-p{page + 1}.png"
    if UPDATE:
        PAGES.mkdir(parents=True, exist_ok=True)
        image.save(baseline)
        return
    assert baseline.exists(), f"no baseline {baseline.name}: run with REPORTGEN_UPDATE_SNAPSHOTS=1"
    expected = Image.open(baseline).convert("RGB")
    assert expected.size == image.size, "page size changed"
    diff = ImageChops.difference(expected, image).convert("L")
    changed = sum(diff.histogram()[49:]) / (diff.width * diff.height)
    mean = ImageStat.Stat(diff).mean[0]
    if changed > 0.005 or mean > 1.0:
        FAILURES.mkdir(exist_ok=True)
        image.save(FAILURES / f"{code}-p{page + 1}-actual.png")
        diff.point(lambda v: 255 if v > 48 else 0).save(FAILURES / f"{code}-p{page + 1}-diff.png")
        pytest.fail(
            f"{code} page {page + 1} differs from its baseline in {changed:.2%} of pixels "
            f"(mean {mean:.2f}); see {FAILURES}"
        )


@pytest.mark.parametrize("language", ["fr", "es", "pt"])
def test_numbers_follow_the_language_everywhere(demo: Dataset, style: Style, language: str) -> None:
    """Text, tables and chart labels all use the language's decimal comma and percent sign."""
    built = build_country(demo, "XAQ", style, language)
    text = " ".join(page_texts(built.pdf))
    english = re.compile(r"(?<![\d.])\d+\.\d(?![\d.])")  # "3.5", not the version "0.1.0"
    assert english.search(text) is None, text[english.search(text).start() - 40 :][:60]  # type: ignore[union-attr]
    assert re.search(r"\d,\d/10", text)
    # French puts a narrow no-break space before "%" (extracted as a space); the others none.
    assert re.search(r"\d,\d %" if language == "fr" else r"\d,\d%", text)
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        assert str(pdf.Root.Lang).startswith(language)


def test_demo_release_is_the_default_from_any_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reportgen", "build", "XAQ", "--out", "out"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "XAQ-kestrel-islands-2026-en.pdf").exists()


def test_a_paragraph_measured_again_breaks_its_lines_for_the_new_width() -> None:
    """A tagged paragraph keeps its measured lines only for the width they were measured at:
    measured at another width, it breaks as a paragraph measured there first would."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph as PlainParagraph

    from reportgen.layout.tagging.marking import Tag, TaggedParagraph

    text = " ".join(["Every country's people are entitled to every right."] * 6)
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=12)

    def lines(paragraph: PlainParagraph) -> list[str]:
        return [" ".join(words) for _, words in paragraph.blPara.lines]

    tagged = TaggedParagraph(text, body, Tag("P"))
    for width in (300.0, 300.0, 150.0, 300.0, 150.0):
        plain = PlainParagraph(text, body)
        assert tagged.wrap(width, 1000.0) == plain.wrap(width, 1000.0)
        assert lines(tagged) == lines(plain)
        assert tagged.split(width, 30.0)[0].height == plain.split(width, 30.0)[0].height
