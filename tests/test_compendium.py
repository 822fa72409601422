"""Compendium: what a reader of the bound book sees — order, contents, folios, links, size.

Every test runs on a small demo selection (12 countries in 6 regions, survey and
non-survey) and, when ``HRMI_DATA_DIR`` is set, on the whole real release (built once per
module). Expected values come from the manifest, the reports as built and the raw CSV files,
never from the compendium itself.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from reportgen.batch import run_batch
from reportgen.codebook import load_codebook
from reportgen.compendium import build_compendium
from reportgen.errors import ReportgenError
from reportgen.layout.compendium_pages import sort_key
from reportgen.phrases import load_phrases
from reportgen.style import load_style
from tests import independent
from tests.conftest import DEMO_DIR
from tests.pdfcheck import OutlineItem, outline, page_texts, render

# Countries of the demo release in all six regions, with and without survey data, with
# accented names (Ébrassa, Skålvøy, Đorava, Türkavia) and the longest name of the release.
SELECTION = [
    "XAW",  # Türkavia, americas, survey
    "XBO",  # Salvessa, americas, survey
    "XAK",  # Aurelian Islands, americas
    "XAQ",  # Kestrel Islands, east-asia-pacific, survey
    "XAD",  # Verdania, east-asia-pacific
    "XAH",  # Ébrassa, europe-central-asia
    "XAT",  # United Lowland Provinces of Erevandia, europe-central-asia
    "XBD",  # Skålvøy, europe-central-asia
    "XAJ",  # Côte de Mirelle, middle-east-north-africa
    "XBR",  # Castrelle, south-asia, survey
    "XAX",  # Đorava, sub-saharan-africa
    "XAB",  # Upper Velmora, sub-saharan-africa, survey
]
FOLIO = re.compile(r"page (\d+) of (\d+)")
TITLE = "Human rights country reports"
KICKER = "Human rights country report ·"


@dataclass
class Book:
    """A compendium and the reports it was bound from."""

    release_dir: Path
    reports_dir: Path
    path: Path

    @cached_property
    def pdf(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def manifest(self) -> dict[str, object]:
        data: dict[str, object] = json.loads((self.reports_dir / "manifest.json").read_text())
        return data

    @property
    def entries(self) -> list[dict[str, object]]:
        reports = self.manifest["reports"]
        assert isinstance(reports, list)
        return reports

    @cached_property
    def texts(self) -> list[str]:
        return page_texts(self.pdf)

    @cached_property
    def labels(self) -> list[str]:
        with pikepdf.open(io.BytesIO(self.pdf)) as doc:
            return [str(page.label) for page in doc.pages]

    @cached_property
    def outline(self) -> list[OutlineItem]:
        return outline(self.pdf)

    @cached_property
    def front(self) -> int:
        """Pages before page "1"."""
        return self.labels.index("1")

    @cached_property
    def last(self) -> int:
        return int(self.labels[-1])

    def page(self, label: str) -> int:
        """The 0-based page whose label is ``label``."""
        return self.labels.index(label)

    def part(self, title: str) -> range:
        """The pages of a top-level bookmark (up to the next one)."""
        tops = [item for item in self.outline if item.level == 0]
        i = next(i for i, item in enumerate(tops) if item.title == title)
        end = tops[i + 1].page if i + 1 < len(tops) else len(self.labels)
        return range(tops[i].page, end)

    @cached_property
    def region_names(self) -> list[str]:
        """Region names in reading order: codebook order, only regions with reports."""
        book = load_codebook("en")
        present = {str(e["region"]) for e in self.entries}
        return [name for key, name in book.regions.items() if key in present]

    def countries_of(self, region_name: str) -> list[dict[str, object]]:
        key = next(k for k, n in load_codebook("en").regions.items() if n == region_name)
        chosen = [e for e in self.entries if e["region"] == key]
        return sorted(chosen, key=lambda e: sort_key(str(e["name"])))

    @cached_property
    def covers(self) -> dict[str, int]:
        """Country name → 0-based page of its cover, found by its text (kicker + big title)."""
        found: dict[str, int] = {}
        names = {str(e["name"]) for e in self.entries}
        for i, text in enumerate(self.texts):
            if KICKER in text:
                after = text.split(KICKER, 1)[1]
                name = next(
                    (n for n in sorted(names, key=len, reverse=True) if f" {n} " in after[:200]),
                    None,
                )
                if name is not None:
                    found.setdefault(name, i)
        return found


def _build(release: Path, out: Path, codes: list[str] | None) -> Book:
    result = run_batch(release, out, codes)
    assert not result.failed, result.failed
    return Book(release, out, build_compendium(out))


@pytest.fixture(scope="module", params=["demo", "hrmi"])
def book(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Book:
    """The demo selection's compendium; with HRMI_DATA_DIR, the whole real release's."""
    if request.param == "demo":
        return _build(DEMO_DIR, tmp_path_factory.mktemp("demo-book"), SELECTION)
    release = request.getfixturevalue("hrmi_dir")
    return _build(release, tmp_path_factory.mktemp("hrmi-book"), None)


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    return _build(DEMO_DIR, tmp_path_factory.mktemp("demo-small"), SELECTION[:4])


# --- structure -----------------------------------------------------------------------------


def test_file_is_valid_and_fonts_are_stored_once(book: Book) -> None:
    with pikepdf.open(io.BytesIO(book.pdf)) as doc:
        assert doc.check_pdf_syntax() == []
        fonts = [
            obj
            for obj in doc.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"
        ]
        faces = [str(f.get("/BaseFont")) for f in fonts]
        assert all(f.get("/Subtype") == "/TrueType" for f in fonts), faces  # no Helvetica
        # one first subset per face for the whole book, not one per report
        first_subsets = [f for f in fonts if str(f.get("/Name")).endswith("+0")]
        assert len(first_subsets) == len({str(f.get("/BaseFont")) for f in first_subsets})
    summed = sum(int(str(e["bytes"])) for e in book.entries)
    assert len(book.pdf) <= 0.5 * summed


def test_page_labels_are_roman_then_arabic(book: Book) -> None:
    roman = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
    assert 3 <= book.front <= len(roman)
    assert book.labels[: book.front] == roman[: book.front]
    arabic = book.labels[book.front :]
    assert arabic == [str(n) for n in range(1, len(arabic) + 1)]
    pages = sum(int(str(e["pages"])) for e in book.entries)
    assert len(arabic) > pages  # every report page, plus dividers, appendix and index


def test_bookmarks_nest_region_country_and_sections(book: Book) -> None:
    tops = [item.title for item in book.outline if item.level == 0]
    assert tops == [
        f"{TITLE} {book.manifest['release_year']}",
        "About this compendium",
        "Contents",
        *book.region_names,
        "Appendix: headline scores",
        "Index of countries",
    ]
    items = book.outline
    for region in book.region_names:
        start = next(i for i, it in enumerate(items) if it.level == 0 and it.title == region)
        end = next((i for i in range(start + 1, len(items)) if items[i].level == 0), len(items))
        countries = [it for it in items[start + 1 : end] if it.level == 1]
        expected = book.countries_of(region)
        assert [c.title for c in countries] == [e["name"] for e in expected]
        for bookmark, entry in zip(countries, expected, strict=True):
            # the country's bookmark opens its cover ...
            assert bookmark.page == book.covers[str(entry["name"])]
            # ... and holds the report's own bookmarks, at the same pages of the report
            own = outline((book.reports_dir / str(entry["file"])).read_bytes())
            i = items.index(bookmark)
            nested = items[i + 1 : i + 1 + len(own)]
            assert [(n.title, n.level - 2, n.page - bookmark.page) for n in nested] == [
                (o.title, o.level, o.page) for o in own
            ]


def _entries(text: str) -> list[tuple[str, str]]:
    """(label, page number) pairs of a contents or index page, in reading order."""
    return [
        (m["label"].strip(), m["number"])
        for m in re.finditer(r"(?P<label>\S.*?) (?P<number>\d+|[ivxl]+)(?= |$)", text)
    ]


def test_contents_page_numbers_lead_to_each_country(book: Book) -> None:
    pages = book.part("Contents")
    entries: list[tuple[str, str]] = []
    for page in pages:
        entries += _entries(_strip(book, book.texts[page], "Contents"))
    expected_labels = ["About this compendium"]
    for region in book.region_names:
        expected_labels.append(region)
        expected_labels += [str(e["name"]) for e in book.countries_of(region)]
    expected_labels += ["Appendix: headline scores", "Index of countries"]
    assert [label for label, _ in entries] == expected_labels
    names = {str(e["name"]) for e in book.entries}
    for label, number in entries:
        target = book.texts[book.page(number)]
        if label in names:
            # the page printed in the contents is that country's cover
            assert book.page(number) == book.covers[label], label
        elif label in book.region_names:
            assert re.search(rf"Region \d+ of \d+ {re.escape(label)} \d+ countr", target), label
        else:
            assert label in target


def _strip(book: Book, text: str, title: str) -> str:
    """The entries of a page: without illustrative mark, running head, footer and title."""
    mark = load_phrases("en").text("meta.illustrative")
    for fixed in (mark, f"{TITLE} {book.manifest['release_year']}", _publisher(book)):
        text = text.replace(fixed, " ")
    text = re.sub(r"page [ivxl\d]+(?: of \d+)?", " ", text).replace(title, " ", 1)
    return re.sub(r"\s+", " ", text).strip()


def _publisher(book: Book) -> str:
    with pikepdf.open(book.reports_dir / str(book.entries[0]["file"])) as doc:
        return str(doc.docinfo["/Author"])


def test_index_lists_every_country_alphabetically_with_its_page(book: Book) -> None:
    entries: list[tuple[str, str]] = []
    for page in book.part("Index of countries"):
        body = _strip(book, book.texts[page], "Index of countries")
        # letter headings ("A", "B", …) stand alone before their first country
        body = re.sub(r"(^| )[A-ZÀ-Ž](?= )", " ", body).strip()
        entries += _entries(body)
    expected = sorted((str(e["name"]) for e in book.entries), key=sort_key)
    assert [label for label, _ in entries] == expected
    for label, number in entries:
        assert book.page(number) == book.covers[label]


def test_folios_run_through_the_whole_book(book: Book) -> None:
    assert not FOLIO.search(book.texts[0]) and " page " not in book.texts[0]  # the cover
    for page in range(1, book.front):
        assert re.findall(r"\bpage ([ivxl]+)\b", book.texts[page]) == [book.labels[page]]
    for page in range(book.front, len(book.texts)):
        # exactly one folio, with the page's own label and the last page number
        assert FOLIO.findall(book.texts[page]) == [(book.labels[page], str(book.last))], page


def test_folio_keeps_its_place_on_report_pages(book: Book) -> None:
    """The new folio ends where the report's own folio ended (right margin, same line)."""
    entry = book.entries[0]
    report = (book.reports_dir / str(entry["file"])).read_bytes()
    first = book.covers[str(entry["name"])]
    for offset in range(int(str(entry["pages"]))):
        own = _folio_box(report, offset)
        bound = _folio_box(book.pdf, first + offset)
        assert bound[2] == pytest.approx(own[2], abs=0.6)  # right edge
        assert bound[1] == pytest.approx(own[1], abs=0.3)  # baseline


def _folio_box(pdf: bytes, page: int) -> tuple[float, float, float, float]:
    doc = pdfium.PdfDocument(pdf)
    try:
        text = doc[page].get_textpage()
        whole = text.get_text_range()
        match = list(FOLIO.finditer(whole))[-1]
        left = text.get_charbox(match.start())
        right = text.get_charbox(match.end() - 1)
        return left[0], left[1], right[2], right[3]
    finally:
        doc.close()


# --- links -------------------------------------------------------------------------------------


def _links(pdf: bytes) -> list[tuple[int, tuple[float, float, float, float], int]]:
    """Every link annotation: (page, rectangle, destination page)."""
    out = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        index = {page.obj.objgen: i for i, page in enumerate(doc.pages)}
        for i, page in enumerate(doc.pages):
            for annot in page.obj.get("/Annots", []):
                if annot.get("/Subtype") != "/Link" or "/Dest" not in annot:
                    continue
                rect = tuple(float(v) for v in annot["/Rect"])
                out.append(
                    (i, (rect[0], rect[1], rect[2], rect[3]), index[annot["/Dest"][0].objgen])
                )
    return out


def test_contents_dividers_appendix_and_index_link_to_each_country(book: Book) -> None:
    names = {str(e["name"]) for e in book.entries}
    dividers = {i.page for i in book.outline if i.level == 0 and i.title in book.region_names}
    own = {*range(book.front), *dividers}
    own |= {*book.part("Appendix: headline scores"), *book.part("Index of countries")}
    seen: dict[str, int] = {}
    doc = pdfium.PdfDocument(book.pdf)
    try:
        for page, rect, dest in _links(book.pdf):
            if page not in own:
                continue
            under = re.sub(r"\s+", " ", doc[page].get_textpage().get_text_bounded(*rect)).strip()
            name = next((n for n in sorted(names, key=len, reverse=True) if n in under), None)
            if name is not None:
                assert dest == book.covers[name], (page, under)
                seen[name] = seen.get(name, 0) + 1
            else:  # a region in the contents: it opens the region's divider
                region = next(r for r in book.region_names if under.startswith(r))
                assert dest in dividers and region in book.texts[dest]
    finally:
        doc.close()
    # the contents, the country's divider, the appendix and the index each link it
    assert seen == dict.fromkeys(names, 4)


def test_links_inside_reports_stay_inside_their_report(book: Book) -> None:
    spans = {}
    for entry in book.entries:
        first = book.covers[str(entry["name"])]
        spans[first] = range(first, first + int(str(entry["pages"])))
    starts = sorted(spans)
    for page, _, dest in _links(book.pdf):
        owner = max((s for s in starts if s <= page), default=None)
        if owner is not None and page in spans[owner]:
            assert dest in spans[owner], (page, dest)


# --- appendix ----------------------------------------------------------------------------------


def _headline_values(release: Path) -> dict[str, tuple[float | None, float | None, float | None]]:
    """Empowerment, safety (latest survey year) and quality of life, recomputed from the raw CSV
    files by the independent checker."""
    rel = independent.load(release)
    out: dict[str, tuple[float | None, float | None, float | None]] = {}
    for code in rel.countries:
        emp = independent.cpr_dimension(rel, code, "empower")
        safety = independent.cpr_dimension(rel, code, "physint")
        q = independent.qol(rel, code)
        overall = q.overall if q else None
        out[code] = (
            emp.mean if emp else None,
            safety.mean if safety else None,
            overall.value if overall else None,
        )
    return out


def _printed(values: tuple[float | None, float | None, float | None]) -> list[str]:
    printers = (independent.printed_score, independent.printed_score, independent.printed_pct)
    return ["–" if v is None else p(v) for v, p in zip(values, printers, strict=True)]


def _appendix_text(book: Book) -> str:
    return " ".join(book.texts[p] for p in book.part("Appendix: headline scores"))


def test_appendix_shows_each_countrys_headline_scores(book: Book) -> None:
    if any("scores" not in e for e in book.entries):
        pytest.skip("this batch does not record headline scores in the manifest yet")
    text = _appendix_text(book)
    scores = _headline_values(book.release_dir)
    for entry in book.entries:
        name, code = str(entry["name"]), str(entry["country"])
        cells = " ".join(_printed(scores[code]))
        page = book.labels[book.covers[name]]
        assert f"{name} {cells} {page}" in text, name


def test_appendix_says_when_scores_were_not_recorded(demo_book: Book, tmp_path: Path) -> None:
    copy = tmp_path / "reports"
    shutil.copytree(demo_book.reports_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    for entry in manifest["reports"]:
        entry.pop("scores", None)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    text = " ".join(page_texts(build_compendium(copy).read_bytes()))
    assert "were not recorded when these reports were built" in text
    for entry in manifest["reports"]:
        assert re.search(rf"{re.escape(entry['name'])} – – – \d+", text)


def test_score_cells_are_coloured_by_band(book: Book) -> None:
    if any("scores" not in e for e in book.entries):
        pytest.skip("this batch does not record headline scores in the manifest yet")
    style = load_style("base")
    bands = (independent.band_cpr, independent.band_cpr, independent.band_esr)
    scores = _headline_values(book.release_dir)
    checked = 0
    doc = pdfium.PdfDocument(book.pdf)
    try:
        for page in book.part("Appendix: headline scores"):
            textpage = doc[page].get_textpage()
            image = render(book.pdf, page, dpi=144)
            height = doc[page].get_size()[1]
            whole = textpage.get_text_range()
            for entry in book.entries:
                values = scores[str(entry["country"])]
                # a row starts a line ("Samoa" must not match inside "American Samoa")
                row = re.search(rf"(?m)^{re.escape(str(entry['name']))} ", whole)
                if row is None or all(v is None for v in values):
                    continue
                row_y = textpage.get_charbox(row.start())[1]
                for value, band_of, cell in zip(values, bands, _printed(values), strict=True):
                    if value is None:
                        continue
                    box = _box_of(textpage, whole, cell, row_y, after=row.start())
                    x, y = box[0] - 3, (box[1] + box[3]) / 2  # inside the cell, left of the text
                    pixel = image.getpixel((round(x * 2), round((height - y) * 2)))
                    assert isinstance(pixel, tuple)
                    expected = style.colors.band[band_of(value)].rgb
                    assert all(
                        abs(p / 255 - e) < 0.04 for p, e in zip(pixel, expected, strict=True)
                    ), (
                        entry["name"],
                        value,
                    )
                    checked += 1
    finally:
        doc.close()
    assert checked >= 3


def _box_of(
    textpage: pdfium.PdfTextPage, whole: str, needle: str, row_y: float, after: int
) -> tuple[float, float, float, float]:
    for match in re.finditer(re.escape(needle), whole):
        if match.start() < after:
            continue
        box = textpage.get_charbox(match.start())
        if abs(box[1] - row_y) < 4:
            return box  # type: ignore[no-any-return]
    raise AssertionError(f"{needle} not found on the row")


# --- selection, order, errors ----------------------------------------------------------------


def test_a_regional_compendium_has_one_region(tmp_path: Path) -> None:
    out = tmp_path / "americas"
    run_batch(DEMO_DIR, out, ["XAW", "XAK"])
    book = Book(DEMO_DIR, out, build_compendium(out, output=tmp_path / "americas.pdf"))
    tops = [i.title for i in book.outline if i.level == 0]
    assert tops[3:] == ["Americas", "Appendix: headline scores", "Index of countries"]
    assert book.path == tmp_path / "americas.pdf"
    assert "2 countries" in book.texts[0]


def test_same_reports_give_the_same_bytes(demo_book: Book, tmp_path: Path) -> None:
    again = build_compendium(demo_book.reports_dir, output=tmp_path / "again.pdf")
    assert again.read_bytes() == demo_book.path.read_bytes()


def test_default_name_carries_release_year_and_language(demo_book: Book) -> None:
    year = demo_book.manifest["release_year"]
    assert demo_book.path == demo_book.reports_dir / f"compendium-{year}-en.pdf"


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(("compendium", ".")))


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportgenError, match=r"No manifest\.json in .*reportgen batch"):
        build_compendium(tmp_path)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_changed_or_missing_report_is_a_clear_error(
    demo_book: Book, tmp_path: Path, damage: str
) -> None:
    copy = tmp_path / "reports"
    shutil.copytree(demo_book.reports_dir, copy, ignore=shutil.ignore_patterns("compendium-*"))
    victim = copy / str(demo_book.entries[1]["file"])
    if damage == "changed":
        victim.write_bytes(victim.read_bytes() + b"\n% edited\n")
        pattern = rf"{re.escape(victim.name)} has changed .* Re-run `reportgen batch`"
    else:
        victim.unlink()
        pattern = (
            rf"{re.escape(victim.name)} is listed in .* but missing\. Re-run `reportgen batch`"
        )
    with pytest.raises(ReportgenError, match=pattern):
        build_compendium(copy)
    assert _leftovers(copy) == []


def test_unknown_language_is_a_clear_error(demo_book: Book) -> None:
    with pytest.raises(
        ReportgenError, match=r"no reports in language 'fr' \(it has reports in: en\)"
    ):
        build_compendium(demo_book.reports_dir, "fr")


def test_cli_reports_errors_without_a_traceback(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "reportgen", "compendium", "--reports", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "manifest.json" in run.stderr and "Traceback" not in run.stderr


def test_manifest_checksums_are_what_batch_wrote(demo_book: Book) -> None:
    """Guard for the error tests: the manifest's SHA-256 is the file's, as batch wrote it."""
    for entry in demo_book.entries:
        data = (demo_book.reports_dir / str(entry["file"])).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
