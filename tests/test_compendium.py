"""Compendium: what a reader of the bound book sees — order, contents, folios, links, size,
the region tables of headline scores and the appendix of every right.

The book of two-page profiles (what ``build_compendium`` binds by default) is built on a small
demo selection (12 countries in 6 regions, survey and non-survey) and, when ``HRMI_DATA_DIR``
is set, on the whole real release; the book of full reports on the demo selection only (a
batch of every real report is costly). Each is built once per module, its batch making only
the format it binds. A profile book's page budget is checked on every country of the demo
release (the selection is too small for it) and of the real one. Expected values come from
the manifest, the PDFs as built and the raw CSV files (``tests.independent``), never from the
compendium itself.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from reportgen.batch import run_batch
from reportgen.codebook import load_codebook
from reportgen.compendium import build_compendium
from reportgen.errors import ReportgenError
from reportgen.layout.compendium_pages import sort_key
from reportgen.phrases import load_phrases
from reportgen.style import Style, load_style
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
APPENDIX = "Appendix: every right"
INDEX = "Index of countries"
DASH = "–"
NOT_RECORDED = "were not recorded when these reports were built"
# The head of a region's table of headline scores, as its text reads (on every page it runs on).
DIVIDER_HEAD = (
    "Country Empowerment score out of 10 Safety from the state score out of 10 "
    "Quality of life % of feasible Page"
)
MAX_PAGES_PER_COUNTRY = 2.3  # of a profile book, front and back matter included
DPI = 144


@dataclass(frozen=True)
class Dimension:
    """A dimension as the books show it: its heading, its rights (column headings, in the
    codebook's order) and the independent checker's metric codes of those rights."""

    heading: str
    esr: bool  # quality of life (% of feasible); else civil and political (/10)
    columns: tuple[str, ...]
    metrics: tuple[str, ...]

    def printed(self, value: float | None) -> str:
        if value is None:
            return DASH
        return independent.printed_pct(value) if self.esr else independent.printed_score(value)

    def band(self, value: float) -> str:
        return independent.band_esr(value) if self.esr else independent.band_cpr(value)


DIMENSIONS = (
    Dimension(
        "Empowerment",
        False,
        ("Assembly and association", "Opinion and expression", "Participation in government"),
        ("assem", "express", "polpart"),
    ),
    Dimension(
        "Safety from the state",
        False,
        (
            "Freedom from arbitrary arrest",
            "Freedom from disappearance",
            "Freedom from the death penalty",
            "Freedom from extrajudicial killing",
            "Freedom from torture",
        ),
        ("arrest", "disap", "dpex", "exkill", "tort"),
    ),
    Dimension(
        "Quality of life",
        True,
        ("Education", "Food", "Health", "Housing", "Work"),
        ("Education", "Food", "Health", "Housing", "Work"),
    ),
)


@dataclass(frozen=True)
class Expected:
    """A country's scores recomputed from the raw CSV files: the three headline scores (in
    the order of ``DIMENSIONS``) and each right's, per dimension."""

    headline: tuple[float | None, ...]
    rights: tuple[tuple[float | None, ...], ...]

    def has(self, dimension: int) -> bool:
        """Whether the country has a score for at least one right of ``dimension``."""
        return any(v is not None for v in self.rights[dimension])

    def headline_cells(self) -> list[str]:
        return [d.printed(v) for d, v in zip(DIMENSIONS, self.headline, strict=True)]

    def right_cells(self, dimension: int) -> list[str]:
        return [DIMENSIONS[dimension].printed(v) for v in self.rights[dimension]]


def _right(
    rel: independent.Release, q: independent.QolExpect | None, code: str, metric: str, esr: bool
) -> float | None:
    """A right's score: its survey-year mean (civil and political), or its income-adjusted
    value at its latest year under the country's standard (quality of life)."""
    if esr:
        figure = q[metric] if q is not None else None
        return figure.value if figure is not None else None
    cpr = independent.cpr_right(rel, code, metric)
    return cpr.mean if cpr is not None else None


@cache
def _expected(release: Path) -> dict[str, Expected]:
    """Per country: empowerment and safety (their survey-year means) and quality of life
    (overall, income-adjusted, latest year, under the country's standard), and each right's
    score likewise, by the independent checker."""
    rel = independent.load(release)
    out: dict[str, Expected] = {}
    for code in rel.countries:
        q = independent.qol(rel, code)
        emp = independent.cpr_dimension(rel, code, "empower")
        safety = independent.cpr_dimension(rel, code, "physint")
        overall = q.overall if q is not None else None
        out[code] = Expected(
            (
                emp.mean if emp else None,
                safety.mean if safety else None,
                overall.value if overall else None,
            ),
            tuple(tuple(_right(rel, q, code, m, d.esr) for m in d.metrics) for d in DIMENSIONS),
        )
    return out


@dataclass
class Book:
    """A compendium and the PDFs of ``fmt`` ("profile" or "report") it was bound from."""

    release_dir: Path
    reports_dir: Path
    path: Path
    fmt: str = "profile"

    @cached_property
    def pdf(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def manifest(self) -> dict[str, object]:
        data: dict[str, object] = json.loads((self.reports_dir / "manifest.json").read_text())
        return data

    @property
    def entries(self) -> list[dict[str, object]]:
        """The manifest's entries the book binds: English, of its format."""
        reports = self.manifest["reports"]
        assert isinstance(reports, list)
        return [
            e for e in reports if e.get("format", "report") == self.fmt and e["language"] == "en"
        ]

    @property
    def title(self) -> str:
        """ "Human rights country profiles 2026" (or "… reports 2026")."""
        return f"Human rights country {self.fmt}s {self.manifest['release_year']}"

    @property
    def kicker(self) -> str:
        """What the first page of each profile (report) carries above the country's name."""
        return f"Human rights country {self.fmt} · {self.manifest['release_year']}"

    @cached_property
    def texts(self) -> list[str]:
        return page_texts(self.pdf)

    @cached_property
    def raw_texts(self) -> list[str]:
        """The text of each page with its line breaks (a table row starts a line)."""
        doc = pdfium.PdfDocument(self.pdf)
        try:
            return [page.get_textpage().get_text_range() for page in doc]
        finally:
            doc.close()

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

    def dividers(self, region_name: str) -> range:
        """The divider pages of a region: from its bookmark to its first country's cover."""
        first = self.covers[str(self.countries_of(region_name)[0]["name"])]
        return range(self.part(region_name).start, first)

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
    def spans(self) -> dict[str, range]:
        """Country name → the pages its PDF takes in the book: from its cover to the next
        cover, divider or the appendix."""
        ends = sorted(
            {
                *self.covers.values(),
                *(self.part(r).start for r in self.region_names),
                self.part(APPENDIX).start,
            }
        )
        return {name: range(c, ends[ends.index(c) + 1]) for name, c in self.covers.items()}

    @cached_property
    def codes(self) -> dict[str, str]:
        """Country name → code."""
        return {str(e["name"]): str(e["country"]) for e in self.entries}

    @cached_property
    def covers(self) -> dict[str, int]:
        """Country name → 0-based page of its cover, found by its text (kicker + big title)."""
        found: dict[str, int] = {}
        names = {str(e["name"]) for e in self.entries}
        for i, text in enumerate(self.texts):
            if self.kicker in text:
                after = text.split(self.kicker, 1)[1]
                name = next(
                    (n for n in sorted(names, key=len, reverse=True) if f" {n} " in after[:200]),
                    None,
                )
                if name is not None:
                    found.setdefault(name, i)
        return found


def _build(release: Path, out: Path, codes: list[str] | None, fmt: str) -> Book:
    result = run_batch(release, out, codes, formats=(fmt,))
    assert not result.failed, result.failed
    return Book(release, out, build_compendium(out, format=fmt), fmt)


@pytest.fixture(scope="module")
def demo_profile_book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    return _build(DEMO_DIR, tmp_path_factory.mktemp("demo-profiles"), SELECTION, "profile")


@pytest.fixture(scope="module")
def demo_report_book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    return _build(DEMO_DIR, tmp_path_factory.mktemp("demo-reports"), SELECTION, "report")


@pytest.fixture(scope="module")
def hrmi_profile_book(hrmi_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Book:
    return _build(hrmi_dir, tmp_path_factory.mktemp("hrmi-profiles"), None, "profile")


@pytest.fixture(scope="module")
def whole_demo_book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    """The profile book of every country of the demo release (the selection is too small to
    tell how many pages a whole book takes)."""
    return _build(DEMO_DIR, tmp_path_factory.mktemp("demo-whole"), None, "profile")


@pytest.fixture(scope="module", params=["demo-profile", "demo-report", "hrmi-profile"])
def book(request: pytest.FixtureRequest) -> Book:
    """The demo selection's book of profiles and of reports; with HRMI_DATA_DIR, the whole
    real release's book of profiles."""
    found: Book = request.getfixturevalue(f"{str(request.param).replace('-', '_')}_book")
    return found


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    """A few demo countries in both formats, bound as by default (the profiles)."""
    out = tmp_path_factory.mktemp("demo-small")
    result = run_batch(DEMO_DIR, out, SELECTION[:4], formats=("report", "profile"))
    assert not result.failed, result.failed
    return Book(DEMO_DIR, out, build_compendium(out))


# --- helpers: text ----------------------------------------------------------------------------


def _find(text: str, needle: str, pos: int) -> int:
    """Where ``needle`` (whole words) ends in ``text``, looking from ``pos`` on."""
    match = re.compile(rf"(?:^| ){re.escape(needle)}(?= |$)").search(text, pos)
    assert match is not None, f"{needle!r} not found after {text[pos : pos + 300]!r}"
    return match.end()


_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Row:
    """A table row in a page's text: the country, where its name starts and the cells that
    follow it (text, index in the page's text)."""

    page: int
    name: str
    start: int
    cells: tuple[tuple[str, int], ...]

    @property
    def texts(self) -> list[str]:
        return [text for text, _ in self.cells]


def _rows(book: Book, page: int, names: Iterable[str], cells: int) -> list[Row]:
    """The rows of ``page`` that start a line with one of ``names`` (a wrapped name too), each
    with the ``cells`` words that follow; a name inside a longer one ("Guinea" in "Papua New
    Guinea") is not a row."""
    whole = book.raw_texts[page]
    found: list[tuple[str, int, int]] = []
    for name in sorted(names, key=len, reverse=True):
        words = r"\s+".join(re.escape(w) for w in name.split())
        for m in re.finditer(rf"(?m)^{words}(?=\s)", whole):
            if not any(s <= m.start() < e for _, s, e in found):
                found.append((name, m.start(), m.end()))
    return [
        Row(
            page,
            name,
            start,
            tuple(
                (t.group(), t.start()) for t in itertools.islice(_TOKEN.finditer(whole, end), cells)
            ),
        )
        for name, start, end in sorted(found, key=lambda f: f[1])
    ]


def _divider_rows(book: Book, region: str) -> list[Row]:
    """The rows of a region's table of headline scores: three scores and the page."""
    rows: list[Row] = []
    for page in book.dividers(region):
        rows += _rows(book, page, book.codes, len(DIMENSIONS) + 1)
    return rows


_HEADING = re.compile(rf"(?m)^({'|'.join(re.escape(d.heading) for d in DIMENSIONS)})\r?$")


def _appendix_rows(book: Book) -> list[tuple[int, Row]]:
    """The appendix's rows, each with the index (in ``DIMENSIONS``) of the dimension whose
    heading it follows (a dimension's tables may run on from an earlier page)."""
    headings = [d.heading for d in DIMENSIONS]
    current: int | None = None
    out: list[tuple[int, Row]] = []
    for page in book.part(APPENDIX):
        marks = [
            (m.start(), headings.index(m.group(1))) for m in _HEADING.finditer(book.raw_texts[page])
        ]
        for row in _rows(book, page, book.codes, 5):
            before = [d for start, d in marks if start < row.start]
            dimension = before[-1] if before else current
            assert dimension is not None, f"{row.name} before the first dimension's heading"
            n = len(DIMENSIONS[dimension].columns)
            out.append((dimension, Row(row.page, row.name, row.start, row.cells[:n])))
        if marks:
            current = marks[-1][1]
    return out


def _appendix_text(book: Book) -> str:
    return " ".join(book.texts[p] for p in book.part(APPENDIX))


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


def test_title_kicker_and_about_name_what_the_book_binds(book: Book) -> None:
    """A book of profiles says so on its cover, in its about text and on each profile's first
    page; no page of it is a full report's (and the other way round)."""
    assert book.title in book.texts[0]
    about = " ".join(book.texts[p] for p in book.part("About this compendium"))
    if book.fmt == "profile":
        assert "brings together the country profiles (one or two pages each) built from" in about
        other = "Human rights country report ·"
    else:
        assert "brings together the country reports built from" in about
        other = "Human rights country profile ·"
    assert "The appendix sets out the score of every right in every country" in about
    assert sorted(book.covers) == sorted(book.codes)
    assert sum(text.count(book.kicker) for text in book.texts) == len(book.entries)
    assert not [p for p, text in enumerate(book.texts) if other in text]


def test_the_front_matter_is_the_cover_and_one_page_of_method_before_the_contents(
    book: Book,
) -> None:
    """The data, the citation and how the PDF leads to each country are the cover's imprint;
    the about text, the method and the bands' colours fill page ii, and the contents begin on
    page iii (the citation, or the colours, went alone to a page of their own)."""
    cover = book.texts[0]
    assert "Data source and citation" in cover
    assert "Cite as: " in cover
    assert "In the PDF, every entry of the contents" in cover
    trimmed = book.fmt == "report"  # the reports are bound without their "How to read"
    refer = "refers to “How to read this report”, it means “How to read the scores”, on the next"
    assert (refer in cover) == trimmed
    assert list(book.part("About this compendium")) == [1]
    method = book.texts[1]
    assert "How to read the scores" in method
    assert (
        "Scores are grouped into four bands; in the tables, the colour of a score shows its "
        "band, and a dash that no score was produced" in method
    )
    assert "Contents" in book.texts[2]
    # the charts of a right across countries are the full reports' (a profile has none)
    assert ("Each chart of a right shows every country" in method) == (book.fmt == "report")


# How each language titles the method, begins its last paragraph and titles the contents.
_FRONT_WORDS = {
    "fr": ("Comment lire les scores", "Deux références sont utilisées.", "Sommaire"),
    "es": ("Cómo leer las puntuaciones", "Se utilizan dos referencias.", "Índice"),
    "pt": ("Como ler as pontuações", "São utilizadas duas referências.", "Índice"),
}


@pytest.mark.parametrize("release", ["demo", "hrmi"])
@pytest.mark.parametrize("language", sorted(_FRONT_WORDS))
def test_the_method_and_the_bands_fill_one_page_in_every_language(
    language: str, release: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """In French, Spanish and Portuguese the method is longer: its bands' legend, printed after
    it, went alone to page iii (97% blank). The legend now opens the method in place of the
    paragraph that gave the same ranges in words, and page ii holds all of it (set a little
    denser when it would spill over, as the real release's French and Spanish would)."""
    how, last, contents = _FRONT_WORDS[language]
    directory = DEMO_DIR if release == "demo" else request.getfixturevalue("hrmi_dir")
    codes = SELECTION[:2] if release == "demo" else ["KAZ", "ARG"]
    result = run_batch(directory, tmp_path, codes, languages=(language,), formats=("profile",))
    assert not result.failed, result.failed
    texts = page_texts(build_compendium(tmp_path, language, format="profile").read_bytes())
    method = texts[1]
    assert how in method and last in method, method[-300:]
    assert contents in texts[2][:200], texts[2][:200]  # after the running head
    # the ranges are said once: by the legend, not by a paragraph of the report's "How to read"
    assert method.count("3,5") == 2  # "moins de 3,5" and "de 3,5 à 6", the legend's cells
    # the cover names the release as the language's reports do (it said "HRMI 2020 release"
    # or "Demonstration release", in English, on every book)
    assert _RELEASE_WORDS[release][language] in texts[0].replace("\n", " ").lower()
    assert "release" not in texts[0]
    # The regional tables' headings wrap between words, never inside one (the French book
    # printed "Autonomisatio" over "n" on every region's page).
    book, phrases = load_codebook(language), load_phrases(language)
    unit = phrases.text("compendium.unit.cpr")

    def plain(text: str) -> str:
        return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())

    appendix = plain(phrases.text("compendium.appendix_title"))
    dividers = [p for p in texts[3:] if unit in p and appendix not in plain(p)]
    assert dividers
    for page in dividers:
        words = set(page.split())
        for heading in [*(d.name for d in book.dimensions.values()), "compendium.column.page"]:
            heading = phrases.text(heading) if heading.startswith("compendium.") else heading
            assert set(heading.split()) <= words, (heading, page[:400])
    # … and so do the appendix's ("Proteção contra o desaparecime" over "nto forçado")
    start = next(i for i, p in enumerate(texts) if i > 2 and appendix in plain(p))
    index = plain(phrases.text("compendium.index_title"))
    end = next(i for i, p in enumerate(texts) if i > start and index in plain(p))
    shown = set().union(*(p.split() for p in texts[start:end]))
    for right in (r for r in book.rights.values() if r.kind == "cpr"):
        assert set(right.name.split()) <= shown, (right.name, sorted(shown)[:50])


# How each language's sentences name the release (demo: its release.toml; the real release:
# phrase meta.release), without the article.
_RELEASE_WORDS = {
    "demo": {
        "fr": "édition de démonstration",
        "es": "edición de demostración",
        "pt": "edição de demonstração",
    },
    "hrmi": {
        "fr": "édition 2020 des données hrmi",
        "es": "edición 2020 de los datos de la hrmi",
        "pt": "edição de 2020 dos dados da hrmi",
    },
}


def test_page_labels_are_roman_then_arabic(book: Book) -> None:
    roman = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
    assert 3 <= book.front <= len(roman)
    assert book.labels[: book.front] == roman[: book.front]
    arabic = book.labels[book.front :]
    assert arabic == [str(n) for n in range(1, len(arabic) + 1)]
    # page 1 is the first region's divider; then every page of each PDF as bound (a profile's
    # every page, see the bookmarks), the other dividers, the appendix and the index
    assert book.labels[book.part(book.region_names[0]).start] == "1"
    pages = sum(len(span) for span in book.spans.values())
    assert len(arabic) > pages


def test_bookmarks_nest_region_country_and_sections(book: Book) -> None:
    tops = [item.title for item in book.outline if item.level == 0]
    assert tops == [
        book.title,
        "About this compendium",
        "Contents",
        *book.region_names,
        APPENDIX,
        INDEX,
    ]
    items = book.outline
    # a book of reports may give the reports' guide to reading and list of sources once, in
    # its front matter, and say so: the reports are then bound without those sections
    about = " ".join(book.texts[p] for p in book.part("About this compendium"))
    trimmed = "without its guide to reading and its list of sources" in about
    phrases = load_phrases("en")
    left_out = (
        {phrases.text("headings.how_to_read"), phrases.text("headings.sources")}
        if trimmed
        else set()
    )
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
            own = [o for o in own if not (o.level == 0 and o.title in left_out)]
            span, pages = len(book.spans[bookmark.title]), int(str(entry["pages"]))
            assert span <= pages if trimmed else span == pages, bookmark.title
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
    expected_labels += [APPENDIX, INDEX]
    assert [label for label, _ in entries] == expected_labels
    for label, number in entries:
        target = book.texts[book.page(number)]
        if label in book.codes:
            # the page printed in the contents is that country's cover
            assert book.page(number) == book.covers[label], label
        elif label in book.region_names:
            assert re.search(rf"Region \d+ of \d+ {re.escape(label)} \d+ countr", target), label
        else:
            assert label in target


def _strip(book: Book, text: str, title: str) -> str:
    """The entries of a page: without illustrative mark, running head, footer and title."""
    mark = load_phrases("en").text("meta.illustrative")
    for fixed in (mark, book.title, _publisher(book)):
        text = text.replace(fixed, " ")
    text = re.sub(r"page [ivxl\d]+(?: of \d+)?", " ", text).replace(title, " ", 1)
    return re.sub(r"\s+", " ", text).strip()


def _publisher(book: Book) -> str:
    with pikepdf.open(book.reports_dir / str(book.entries[0]["file"])) as doc:
        return str(doc.docinfo["/Author"])


def test_index_lists_every_country_alphabetically_with_its_page(book: Book) -> None:
    entries: list[tuple[str, str]] = []
    for page in book.part(INDEX):
        body = _strip(book, book.texts[page], INDEX)
        # letter headings ("A", "B", …) stand alone before their first country
        body = re.sub(r"(^| )[A-ZÀ-Ž](?= )", " ", body).strip()
        entries += _entries(body)
    expected = sorted(book.codes, key=sort_key)
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
    span = book.spans[str(entry["name"])]
    first = span.start
    for offset in range(len(span)):
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


@pytest.mark.parametrize("release", ["demo", "hrmi"])
def test_a_profile_book_averages_at_most_2_3_pages_per_country(
    request: pytest.FixtureRequest, release: str
) -> None:
    """Cover, front matter, dividers, appendix and index included: a whole release's profiles
    make a book little more than twice as long as its number of countries."""
    whole: Book = request.getfixturevalue(
        "whole_demo_book" if release == "demo" else "hrmi_profile_book"
    )
    countries = len(whole.entries)
    assert countries >= 150  # the whole release: the selection is too small for a budget
    assert len(whole.covers) == countries
    assert len(whole.labels) / countries <= MAX_PAGES_PER_COUNTRY, (len(whole.labels), countries)


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
    names = set(book.codes)
    regions = {book.part(r).start for r in book.region_names}
    own = {*range(book.front), *book.part(APPENDIX), *book.part(INDEX)}
    for region in book.region_names:
        own |= set(book.dividers(region))
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
                assert dest in regions and region in book.texts[dest]
    finally:
        doc.close()
    # the contents, the country's divider, the index, and each table of the appendix that
    # lists it (one per dimension in which it has a score for a right) each link it
    expected = _expected(book.release_dir)
    counts = {
        name: 3 + sum(expected[code].has(d) for d in range(len(DIMENSIONS)))
        for name, code in book.codes.items()
    }
    assert seen == counts


def test_links_inside_reports_stay_inside_their_report(book: Book) -> None:
    owner = {page: span for span in book.spans.values() for page in span}
    for page, _, dest in _links(book.pdf):
        if page in owner:
            assert dest in owner[page], (page, dest)


# --- region dividers: each region's table of headline scores ------------------------------------


def test_divider_tables_show_each_countrys_headline_scores_and_page(book: Book) -> None:
    expected = _expected(book.release_dir)
    for region in book.region_names:
        pages = book.dividers(region)
        assert len(pages) >= 1, region
        for page in pages:  # a table that runs on repeats its head
            assert book.texts[page].count(DIVIDER_HEAD) == 1, (region, page)
        # the region's countries, alphabetically, each with its scores and the page of its cover
        text = " ".join(book.texts[p] for p in pages)
        pos = 0
        for entry in book.countries_of(region):
            name = str(entry["name"])
            cells = " ".join(expected[str(entry["country"])].headline_cells())
            pos = _find(text, f"{name} {cells} {book.labels[book.covers[name]]}", pos)
        # ... and no other country
        assert [r.name for r in _divider_rows(book, region)] == [
            e["name"] for e in book.countries_of(region)
        ]


def test_each_region_table_starts_on_its_divider_page(book: Book) -> None:
    """The table begins under the region's band, on the divider page itself."""
    doc = pdfium.PdfDocument(book.pdf)
    try:
        for region in book.region_names:
            page = book.dividers(region)[0]
            count = re.search(rf"{re.escape(region)} (\d+ countr\w+)", book.texts[page])
            assert count is not None, region  # the divider page: its band names the region
            first = str(book.countries_of(region)[0]["name"])
            rows = _rows(book, page, [first], 0)
            assert [r.name for r in rows] == [first], region
            textpage = doc[page].get_textpage()
            whole = book.raw_texts[page]
            band_bottom = textpage.get_charbox(whole.index(count[1]))[1]
            head_top = textpage.get_charbox(whole.index("Country"))[3]
            assert head_top < band_bottom, region
    finally:
        doc.close()


# --- appendix: every right ---------------------------------------------------------------------


def test_appendix_shows_each_rights_score_for_each_country(book: Book) -> None:
    expected = _expected(book.release_dir)
    text = _appendix_text(book)
    assert NOT_RECORDED not in text
    # dimension by dimension, region by region (only regions with a country listed), the
    # countries alphabetically, each with its rights' scores in the codebook's order
    pos = 0
    for d, dim in enumerate(DIMENSIONS):
        pos = _find(text, dim.heading, pos)
        for region in book.region_names:
            listed = [e for e in book.countries_of(region) if expected[str(e["country"])].has(d)]
            if not listed:
                continue
            pos = _find(text, region, pos)
            for entry in listed:
                cells = " ".join(expected[str(entry["country"])].right_cells(d))
                pos = _find(text, f"{entry['name']} {cells}", pos)
    # exactly one row for each country in each dimension it has a score in: a country with
    # quality of life scores only is not listed under empowerment
    rows = _appendix_rows(book)
    want = sorted(
        (d, name)
        for name, code in book.codes.items()
        for d in range(len(DIMENSIONS))
        if expected[code].has(d)
    )
    assert sorted((d, row.name) for d, row in rows) == want
    for d, row in rows:
        assert row.texts == expected[book.codes[row.name]].right_cells(d), (d, row.name)


def test_appendix_columns_are_the_rights_of_each_dimension(book: Book) -> None:
    """Each table's head reads Country and the names of its dimension's rights, whole."""
    expected = _expected(book.release_dir)
    text = _appendix_text(book)
    pos = 0
    for d, dim in enumerate(DIMENSIONS):
        pos = _find(text, dim.heading, pos)
        for region in book.region_names:
            if any(expected[str(e["country"])].has(d) for e in book.countries_of(region)):
                pos = _find(text, region, pos)
                pos = _find(text, " ".join(("Country", *dim.columns)), pos)


@pytest.mark.parametrize("kept", ["nothing", "headline"])
def test_appendix_says_when_scores_were_not_recorded(
    demo_book: Book, tmp_path: Path, kept: str
) -> None:
    """A manifest of older batches: without scores, or with the headline scores only."""
    copy = tmp_path / "reports"
    shutil.copytree(demo_book.reports_dir, copy, ignore=shutil.ignore_patterns("compendium-*"))
    manifest = json.loads((copy / "manifest.json").read_text())
    headline = ("empowerment", "safety", "quality_of_life")
    for entry in manifest["reports"]:
        scores = entry.pop("scores", None) or {}
        if kept == "headline":
            entry["scores"] = {k: v for k, v in scores.items() if k in headline}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    old = Book(demo_book.release_dir, copy, build_compendium(copy))
    text = _appendix_text(old)
    assert NOT_RECORDED in text
    assert [row.name for _, row in _appendix_rows(old)] == []  # no right has a score
    expected = _expected(old.release_dir)
    for region in old.region_names:
        for row in _divider_rows(old, region):
            headline_cells = expected[old.codes[row.name]].headline_cells()
            cells = headline_cells if kept == "headline" else [DASH] * len(DIMENSIONS)
            assert row.texts == [*cells, old.labels[old.covers[row.name]]], row.name


def _fill(
    image: Image.Image, textpage: pdfium.PdfTextPage, height: float, index: int
) -> tuple[float, ...]:
    """The colour (0-1) just left of the character at ``index``: inside its table cell."""
    box = textpage.get_charbox(index)
    x, y = box[0] - 3, (box[1] + box[3]) / 2
    pixel = image.getpixel((round(x * DPI / 72), round((height - y) * DPI / 72)))
    assert isinstance(pixel, tuple)
    return tuple(p / 255 for p in pixel)


def _near(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(abs(p - e) < 0.04 for p, e in zip(a, b, strict=True))


def _check_cells(
    book: Book,
    style: Style,
    page: int,
    cells: Sequence[tuple[Row, Sequence[tuple[Dimension, float | None]]]],
) -> int:
    """Check that each score of ``cells`` (rows of ``page``, each cell's dimension and value)
    sits on its band's colour and each dash on none; return how many scores were checked."""
    bands = {band: style.colors.band[band].rgb for band in ("very_bad", "bad", "fair", "good")}
    image = render(book.pdf, page, dpi=DPI)
    doc = pdfium.PdfDocument(book.pdf)
    checked = 0
    try:
        textpage = doc[page].get_textpage()
        height = doc[page].get_size()[1]
        for row, values in cells:
            for (text, index), (dim, value) in zip(row.cells, values, strict=False):
                fill = _fill(image, textpage, height, index)
                if value is None:
                    assert text == DASH, row.name
                    assert not any(_near(fill, rgb) for rgb in bands.values()), (row.name, fill)
                    continue
                assert text == dim.printed(value), row.name
                assert _near(fill, bands[dim.band(value)]), (row.name, dim.heading, value, fill)
                checked += 1
    finally:
        doc.close()
    return checked


def test_score_cells_are_coloured_by_band(book: Book) -> None:
    """On the dividers' tables (headline scores) and in the appendix (every right)."""
    style = load_style("base")
    expected = _expected(book.release_dir)
    on_dividers = 0
    for region in book.region_names:
        for page in book.dividers(region):
            rows = [r for r in _divider_rows(book, region) if r.page == page]
            cells = [
                (r, list(zip(DIMENSIONS, expected[book.codes[r.name]].headline, strict=True)))
                for r in rows
            ]
            on_dividers += _check_cells(book, style, page, cells)
    in_appendix = 0
    listed = _appendix_rows(book)
    for page in sorted({row.page for _, row in listed}):
        cells = [
            (row, [(DIMENSIONS[d], v) for v in expected[book.codes[row.name]].rights[d]])
            for d, row in listed
            if row.page == page
        ]
        in_appendix += _check_cells(book, style, page, cells)
    assert on_dividers >= 3 and in_appendix >= 3, (on_dividers, in_appendix)


# --- selection, order, names, errors -----------------------------------------------------------


def test_a_regional_compendium_has_one_region(tmp_path: Path) -> None:
    out = tmp_path / "americas"
    run_batch(DEMO_DIR, out, ["XAW", "XAK"], formats=("profile",))
    book = Book(DEMO_DIR, out, build_compendium(out, output=tmp_path / "americas.pdf"))
    tops = [i.title for i in book.outline if i.level == 0]
    assert tops[3:] == ["Americas", APPENDIX, INDEX]
    assert book.path == tmp_path / "americas.pdf"
    assert "2 countries" in book.texts[0]


def test_same_reports_give_the_same_bytes(demo_book: Book, tmp_path: Path) -> None:
    again = build_compendium(demo_book.reports_dir, output=tmp_path / "again.pdf")
    assert again.read_bytes() == demo_book.path.read_bytes()


def test_default_name_carries_release_year_language_and_format(
    demo_book: Book, tmp_path: Path
) -> None:
    year = tomllib.loads((DEMO_DIR / "release.toml").read_text())["release"]["publication_year"]
    assert demo_book.path == demo_book.reports_dir / f"compendium-{year}-en-profile.pdf"
    copy = tmp_path / "reports"
    shutil.copytree(demo_book.reports_dir, copy, ignore=shutil.ignore_patterns("compendium-*"))
    path = build_compendium(copy, format="report")
    assert path == copy / f"compendium-{year}-en.pdf"
    # ... and that book is the reports'
    reports = Book(DEMO_DIR, copy, path, "report")
    assert reports.title in reports.texts[0] and len(reports.covers) == len(SELECTION[:4])
    assert sorted(p.name for p in copy.glob("compendium-*")) == [path.name]


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(("compendium", ".")))


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportgenError, match=r"No manifest\.json in .*reportgen batch"):
        build_compendium(tmp_path)
    assert _leftovers(tmp_path) == []


def test_a_batch_of_reports_only_is_a_clear_error_naming_format_report(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run_batch(DEMO_DIR, out, ["XAK"], formats=("report",))
    assert not result.failed, result.failed
    manifest, folder = re.escape(str(out / "manifest.json")), re.escape(str(out))
    pattern = (
        rf"^{manifest} lists no profiles in language 'en' \(it has: en reports\)\. Build them "
        rf"with `reportgen batch --format profile --lang en --out {folder}`, or bind its "
        r"reports with --format report\.$"
    )
    with pytest.raises(ReportgenError, match=pattern):
        build_compendium(out)
    assert _leftovers(out) == []
    run = subprocess.run(
        [sys.executable, "-m", "reportgen", "compendium", "--reports", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "--format report" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and _leftovers(out) == []


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


@pytest.mark.parametrize("fmt", ["profile", "report"])
def test_unknown_language_is_a_clear_error(demo_book: Book, fmt: str) -> None:
    with pytest.raises(
        ReportgenError,
        match=rf"no {fmt}s in language 'fr' \(it has: en profiles, en reports\)\. Build them "
        rf"with `reportgen batch --format {fmt} --lang fr --out [^`]+`\.$",
    ):
        build_compendium(demo_book.reports_dir, "fr", format=fmt)


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
    for fmt in ("profile", "report"):
        entries = Book(DEMO_DIR, demo_book.reports_dir, demo_book.path, fmt).entries
        assert len(entries) == len(SELECTION[:4])
        for entry in entries:
            data = (demo_book.reports_dir / str(entry["file"])).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
