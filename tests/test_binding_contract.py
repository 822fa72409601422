"""The binding contract: what the layout promises the compendium's binding, from both sides.

``reportgen.binding`` renumbers every report page's folio in the bound book by rewriting one
form XObject per page; its docstring states the promises it relies on, and
``reportgen.layout.chrome`` keeps them. Layout side: real demo reports, read with pikepdf and
pypdfium2 (never with the binding's own code), really have each promise. Binding side:
reports that break one promise each make binding fail with an error naming the page and the
promise, instead of a book with wrong folios.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from reportgen.batch import run_batch
from reportgen.binding import BindingError, Book, Folio, FolioError, SourcePdf
from reportgen.build import BuiltReport, build_country
from reportgen.compendium import build_compendium
from reportgen.errors import ReportgenError
from reportgen.layout._fonts import register_fonts
from reportgen.layout.chrome import CANONICAL_CHARACTERS, folio_font, page_geometry
from reportgen.load import Dataset
from reportgen.phrases import load_phrases
from reportgen.style import Style
from tests.conftest import DEMO_DIR

# Operators a folio form may use besides its one line of text: graphics state and colour.
SETUP = {"q", "Q", "cm", "g", "G", "rg", "RG", "k", "K", "cs", "CS", "sc", "SC", "scn", "SCN"}
SETUP |= {"gs", "TL", "T*"}


@pytest.fixture(scope="module")
def reports(demo: Dataset, style: Style) -> dict[str, BuiltReport]:
    """Two demo reports in two languages (the Spanish folio has a letter outside ASCII)."""
    return {
        "en": build_country(demo, "XAT", style, "en"),
        "es": build_country(demo, "XAQ", style, "es"),
    }


def _folio(language: str, page: int, pages: int) -> str:
    return load_phrases(language).text("meta.page", page=page, pages=pages)


def _to_unicode(font: pikepdf.Object) -> dict[int, str]:
    """A font's code → character map, read from its /ToUnicode CMap (bfchar entries)."""
    cmap = font.ToUnicode.read_bytes().decode("ascii")
    assert "bfrange" not in cmap  # reportlab writes one bfchar line per code
    return {
        int(code, 16): chr(int(char, 16))
        for code, char in re.findall(r"<([0-9A-Fa-f]{2})>\s*<([0-9A-Fa-f]{4})>", cmap)
    }


def _folio_form(doc: pikepdf.Pdf, page: int) -> pikepdf.Stream:
    """Page ``page``'s (1-based) folio form, by the name the contract gives it."""
    form = doc.pages[page - 1].obj.Resources.XObject[f"/FormXob.rgfolio{page}"]
    assert isinstance(form, pikepdf.Stream)
    return form


# --- the layout side: real reports keep every promise -------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_page_has_a_folio_form_of_its_own(
    reports: dict[str, BuiltReport], language: str
) -> None:
    """Promise 1: page N's folio is the form /FormXob.rgfolio<N>, drawn once, by no other page."""
    built = reports[language]
    with pikepdf.open(io.BytesIO(built.pdf)) as doc:
        assert len(doc.pages) == built.pages > 2
        forms = []
        for number, page in enumerate(doc.pages, start=1):
            name = f"/FormXob.rgfolio{number}"
            form = page.obj.Resources.XObject[name]
            assert form.Subtype == "/Form" and form.is_indirect
            forms.append(form.objgen)
            drawn = [
                op.operands[0]
                for op in pikepdf.parse_content_stream(page)
                if str(op.operator) == "Do"
            ]
            assert drawn.count(pikepdf.Name(name)) == 1, number
        assert len(set(forms)) == len(forms)  # no form shared between pages


@pytest.mark.parametrize("language", ["en", "es"])
def test_folio_form_holds_only_the_folio_right_aligned(
    reports: dict[str, BuiltReport], language: str, style: Style
) -> None:
    """Promise 2: one unscaled line showing the whole folio, ending at the right margin."""
    built = reports[language]
    geometry = page_geometry(style)
    with pikepdf.open(io.BytesIO(built.pdf)) as doc:
        for number in range(1, built.pages + 1):
            form = _folio_form(doc, number)
            ops = [
                (list(op.operands), str(op.operator)) for op in pikepdf.parse_content_stream(form)
            ]
            assert [op for _, op in ops if op not in SETUP] == ["BT", "Tm", "Tf", "Tj", "ET"]
            tm = next(operands for operands, op in ops if op == "Tm")
            assert [float(v) for v in tm[:4]] == [1, 0, 0, 1]
            font_name = str(next(operands for operands, op in ops if op == "Tf")[0])
            font = form.Resources.Font[font_name]
            assert font_name.endswith("+0")  # the first subset
            assert str(font.BaseFont).endswith("+DejaVuSans")  # the regular face
            codes = bytes(next(operands for operands, op in ops if op == "Tj")[0])
            text = "".join(_to_unicode(font)[code] for code in codes)
            assert text == _folio(language, number, built.pages)
    pdf = pdfium.PdfDocument(built.pdf)
    try:
        for number in range(built.pages):
            textpage = pdf[number].get_textpage()
            whole = textpage.get_text_range()
            folio = _folio(language, number + 1, built.pages)
            assert whole.count(folio) == 1
            right = textpage.get_charbox(whole.index(folio) + len(folio) - 1)[2]
            assert right == pytest.approx(geometry.width - geometry.right, abs=1.0)
    finally:
        pdf.close()


def test_first_subsets_are_seeded_named_and_the_same_in_every_report(
    reports: dict[str, BuiltReport],
) -> None:
    """Promise 3: F1+0, F2+0, F3+0 are regular, bold, italic, each seeded with
    CANONICAL_CHARACTERS in the codes binding assumes, byte-identical across reports."""
    fonts = register_fonts()
    faces = {"/F1+0": fonts.regular, "/F2+0": fonts.bold, "/F3+0": fonts.italic}
    seen: dict[str, list[tuple[bytes, dict[int, str]]]] = {name: [] for name in faces}
    for built in reports.values():
        with pikepdf.open(io.BytesIO(built.pdf)) as doc:
            page_fonts = doc.pages[0].obj.Resources.Font
            for name, face in faces.items():
                font = page_fonts[name]
                assert str(font.BaseFont).split("+", 1)[1] == face
                # every canonical character has a code (reportlab also maps code 127 to itself)
                codes = _to_unicode(font)
                assert set(codes.values()) - set(CANONICAL_CHARACTERS) <= {"\x7f"}
                seeded = {code: ch for code, ch in codes.items() if ch in CANONICAL_CHARACTERS}
                assert len(set(seeded.values())) == len(set(CANONICAL_CHARACTERS))
                # ... the very codes binding assumes
                assumed = folio_font(str(font.BaseFont))
                assert assumed is not None and assumed.chars == seeded
                seen[name].append((font.FontDescriptor.FontFile2.read_bytes(), codes))
    for name, copies in seen.items():
        assert all(copy == copies[0] for copy in copies), name


# --- the binding side: a report that breaks a promise is refused --------------------------------


def _bind(pdf: bytes, language: str = "en", first: int = 41, last: int = 4411) -> bytes:
    """Bind one report as the pages ``first``… of a book of ``last`` pages."""
    source = SourcePdf(pdf)
    folios = [
        Folio(_folio(language, n, source.pages), _folio(language, first + n - 1, last))
        for n in range(1, source.pages + 1)
    ]
    book = Book()
    book.add_report(source, folios)
    return book.write()


def _edit(pdf: bytes, change: Callable[[pikepdf.Pdf], None]) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        change(doc)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def _rewrite_form(page: int, change: Callable[[bytes], bytes]) -> Callable[[pikepdf.Pdf], None]:
    def edit(doc: pikepdf.Pdf) -> None:
        form = _folio_form(doc, page)
        form.write(change(form.read_bytes()))

    return edit


def _remove_form(doc: pikepdf.Pdf) -> None:
    del doc.pages[1].obj.Resources.XObject["/FormXob.rgfolio2"]


def _share_form(doc: pikepdf.Pdf) -> None:
    doc.pages[1].obj.Resources.XObject["/FormXob.rgfolio2"] = _folio_form(doc, 1)


def _helvetica(doc: pikepdf.Pdf) -> None:
    """Page 2's folio in Helvetica (its form's own resources: the fonts are shared)."""
    form = _folio_form(doc, 2)
    helvetica = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1)
    helvetica.BaseFont = pikepdf.Name.Helvetica
    form.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary({"/F1+0": helvetica}))


def _seeded_otherwise(doc: pikepdf.Pdf) -> None:
    """Page 2's folio in other codes, as a first subset seeded in another order would have it."""
    form = _folio_form(doc, 2)
    ops = []
    for op in pikepdf.parse_content_stream(form):
        operands = list(op.operands)
        if str(op.operator) == "Tj":
            operands = [pikepdf.String(bytes(b + 1 for b in bytes(operands[0])))]
        ops.append(pikepdf.ContentStreamInstruction(operands, op.operator))
    form.write(pikepdf.unparse_content_stream(ops))


BREAKS = [
    pytest.param(_remove_form, 1, r"page 2: it has no folio form /FormXob\.rgfolio2", id="no-form"),
    pytest.param(
        _share_form, 1, r"page 2: /FormXob\.rgfolio2 is not a folio form of its own", id="shared"
    ),
    pytest.param(
        _rewrite_form(2, lambda c: c + b"\n0 0 10 10 re f\n"),
        2,
        r"page 2: its folio form .* does more than show one unscaled line of text",
        id="draws-more",
    ),
    pytest.param(
        _rewrite_form(2, lambda c: re.sub(rb"\((page )(.*?)\) Tj", rb"(\1) Tj (\2) Tj", c)),
        2,
        r"page 2: .* one unscaled line of text",
        id="split-text",
    ),
    pytest.param(
        _rewrite_form(2, lambda c: c.replace(b"BT 1 0 0 1 ", b"BT 1.2 0 0 1.2 ")),
        2,
        r"page 2: .* one unscaled line of text",
        id="scaled",
    ),
    pytest.param(_helvetica, 3, r"page 2: its folio is set in /F1\+0 \(/Helvetica\)", id="font"),
    pytest.param(
        _seeded_otherwise, 3, r"page 2: its folio reads “.*”, not “page 2 of \d+”", id="seeding"
    ),
]


@pytest.mark.parametrize(("change", "promise", "message"), BREAKS)
def test_a_report_that_breaks_a_promise_is_refused(
    reports: dict[str, BuiltReport],
    change: Callable[[pikepdf.Pdf], None],
    promise: int,
    message: str,
) -> None:
    broken = _edit(reports["en"].pdf, change)
    with pytest.raises(FolioError, match=message) as caught:
        _bind(broken)
    assert caught.value.promise == promise and caught.value.page == 2
    assert f"promise {promise}" in str(caught.value) or f"promises 2 and {promise}" in str(
        caught.value
    )


def test_the_untouched_report_binds(reports: dict[str, BuiltReport]) -> None:
    """Guard for the refusals above: the report they were made from binds."""
    _bind(_edit(reports["en"].pdf, lambda doc: None))


def test_a_folio_outside_the_first_subset_is_refused(reports: dict[str, BuiltReport]) -> None:
    source = SourcePdf(reports["en"].pdf)
    folios = [
        Folio(_folio("en", n, source.pages), f"第 {n} 页") for n in range(1, source.pages + 1)
    ]
    with pytest.raises(FolioError, match=r"page 1: “第 1 页” has letters outside") as caught:
        Book().add_report(source, folios)
    assert caught.value.promise is None


def test_a_file_that_is_not_a_pdf_is_refused() -> None:
    with pytest.raises(BindingError, match="not a readable PDF"):
        SourcePdf(b"%PDF-1.4\nnot really\n")


@pytest.mark.parametrize("language", ["en", "es"])
def test_bound_folios_read_anew_and_end_where_the_old_ones_did(
    reports: dict[str, BuiltReport], language: str
) -> None:
    built = reports[language]
    book = _bind(built.pdf, language)
    old, new = pdfium.PdfDocument(built.pdf), pdfium.PdfDocument(book)
    try:
        for page in range(built.pages):
            boxes = []
            for doc, folio in (
                (old, _folio(language, page + 1, built.pages)),
                (new, _folio(language, 41 + page, 4411)),
            ):
                textpage = doc[page].get_textpage()
                whole = textpage.get_text_range()
                assert whole.count(folio) == 1, (page, folio)
                end = whole.index(folio) + len(folio) - 1
                boxes.append(textpage.get_charbox(end, loose=True))  # to the glyph's advance
            (_, old_bottom, old_right, _), (_, new_bottom, new_right, _) = boxes
            assert new_right == pytest.approx(old_right, abs=0.05)
            assert new_bottom == pytest.approx(old_bottom, abs=0.05)
    finally:
        old.close()
        new.close()


def test_the_compendium_refuses_a_report_that_breaks_the_contract(tmp_path: Path) -> None:
    """End to end: the error names the file and the page, and no compendium is written."""
    out = tmp_path / "reports"
    result = run_batch(DEMO_DIR, out, ["XAW", "XAK"])
    assert not result.failed
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = manifest["reports"][0]
    victim = out / entry["file"]
    victim.write_bytes(_edit(victim.read_bytes(), _seeded_otherwise))
    entry["sha256"] = hashlib.sha256(victim.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    pattern = rf"{re.escape(victim.name)} cannot be renumbered, page 2: .* Re-run `reportgen batch --force`"
    with pytest.raises(ReportgenError, match=pattern):
        build_compendium(out, format="report")
    assert not list(out.glob("compendium*"))


def _pdf_with_font(widths: list[int], first_char: int = 32) -> SourcePdf:
    """A one-page PDF showing text in a font whose dictionary has ``widths``."""
    pdf = pikepdf.new()
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/Test"))
    )
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name("/Test"),
            FirstChar=first_char,
            LastChar=first_char + len(widths) - 1,
            Widths=pikepdf.Array(widths),
            FontDescriptor=descriptor,
        )
    )
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 10 10 Td (ab) Tj ET")
    data = io.BytesIO()
    pdf.save(data)
    return SourcePdf(data.getvalue())


def _bound_fonts(*sources: SourcePdf) -> list[list[int]]:
    book = Book()
    for source in sources:
        book.add_pages(source, range(source.pages))
    book.store_identical_once()
    with pikepdf.open(io.BytesIO(book.write())) as pdf:
        fonts = {
            page.Resources.Font.F1.objgen: [int(w) for w in page.Resources.Font.F1.Widths]
            for page in pdf.pages
        }
    return sorted(fonts.values())


def test_fonts_are_stored_once_only_when_every_part_of_them_is_the_same() -> None:
    """Identical fonts of two PDFs are stored once; fonts that differ in one glyph's width,
    or in where their widths start, are both kept (a shared one would misplace glyphs)."""
    same = [278, 556, 556, 889]
    assert _bound_fonts(_pdf_with_font(same), _pdf_with_font(same)) == [same]
    wider = [278, 556, 600, 889]
    assert _bound_fonts(_pdf_with_font(same), _pdf_with_font(wider)) == [same, wider]
    shifted = _bound_fonts(_pdf_with_font(same), _pdf_with_font(same, first_char=33))
    assert len(shifted) == 2
