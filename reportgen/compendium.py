"""Compendium stage: a batch's profiles (or full reports) → one annual book.

In:  a reports directory written by ``reportgen batch`` (``manifest.json`` and the PDFs it
     lists), a language, a style and the format to bind: the two-page profiles (the default)
     or the full reports.
Out: ``compendium-<release year>-<language>[-profile].pdf`` in that directory (or ``output``),
     written atomically: a cover, about this compendium with the method explained once for
     the whole book and the data source, contents (regions and countries with page numbers),
     per region a divider carrying the region's table of headline scores (banded, each row
     linking to the country) then each country's PDF as built, an appendix of every right
     of every country in band colours (per dimension and region), and an index of countries.
     A full report is bound without its own "How to read this report" and "Data sources and
     citation" (``reportgen.layout.tagging.trim``: the pages that held only them removed,
     their content cut from the page where they begin). Nested bookmarks (region › country
     › the PDF's own sections), page labels (i, ii, … for the front matter, 1, 2, … from the
     first region on), continuous folios ("page 57 of 414") on every page, links from
     contents, dividers, appendix and index to each country, and fonts stored once (every
     PDF seeds the same first font subsets).

The steps, in order: read and check the manifest and the files it lists (full reports:
leave out their closing sections); order the countries (codebook region order, then name);
lay out the compendium's own pages once to learn their page counts; number every page; lay
them out again with the numbers; bind the pages, renumbering each report page's folio; store
identical objects once; add links, bookmarks and page labels; merge the structure trees
(``reportgen.layout.tagging.merge_into``, with qpdf); write. The compendium is
tagged as each report is — Document › the front matter's sections, per region a ``Part``
holding its divider's section and each report's tree as an ``Art``, the appendix and the
index; parent-tree keys renumbered; each link attached to its ``Link`` element — and stored
with object streams. Reports built before tagging make an untagged compendium.

Binding — everything done to PDF objects — is ``reportgen.binding``'s (with pikepdf), whose docstring states what it relies on from the layout (the binding
contract: each page's folio its own form XObject, the seeded first font subsets).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

from reportgen.binding import BindingError, Book, BookmarkRef, Folio, FolioError, SourcePdf
from reportgen.codebook import Codebook, load_codebook
from reportgen.errors import ReportgenError
from reportgen.layout.compendium_pages import (
    Cell,
    CountryLine,
    LegendItem,
    MatterPlan,
    MatterTexts,
    RegionPart,
    RenderedMatter,
    RightsTable,
    render_matter,
    sort_key,
)
from reportgen.layout.tagging import (
    BookLink,
    DocumentInfo,
    Graft,
    Group,
    TreeSource,
    merge_into,
)
from reportgen.layout.tagging.trim import leave_out_sections
from reportgen.manifest import MANIFEST, Entry, read_manifest
from reportgen.manifest import Release as _Release
from reportgen.model import Span
from reportgen.outputs import write_atomic
from reportgen.phrases import Phrases, load_phrases
from reportgen.style import BAND_NAMES, BandScale, Style, load_style

__all__ = ["build_compendium", "compendium_filename"]

_RERUN = (
    "Re-run `reportgen batch` with the same --out to rebuild it, then bind the compendium again"
)


# --- input: the manifest and the reports ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Report:
    """One country report to bind: what the manifest says and the file's bytes."""

    code: str
    name: str
    region: str
    file: str
    pages: int  # the pages bound
    data: bytes
    scores: Mapping[str, float | None] | None  # by dimension and right key; None: not recorded
    printed: int = 0  # its pages as built, which its own folios count ("page 3 of 14"); 0: pages

    @property
    def own_pages(self) -> int:
        """How many pages the report's own folios count."""
        return self.printed or self.pages


@dataclass(frozen=True, slots=True)
class _Region:
    """A region and its reports, in reading order."""

    key: str
    name: str
    reports: tuple[_Report, ...]


def _read_manifest(reports_dir: Path) -> tuple[_Release, tuple[Entry, ...]]:
    """The release and the reports of the manifest (``ManifestError`` when it cannot be read)."""
    manifest = read_manifest(reports_dir)
    return manifest.release, manifest.entries


def _load_reports(
    reports_dir: Path, release: _Release, entries: Sequence[Entry], language: str, fmt: str
) -> list[_Report]:
    """The manifest's PDFs of ``fmt`` in ``language``, each file read and checked against its
    SHA-256."""
    path = reports_dir / MANIFEST
    chosen = [e for e in entries if e.language == language and e.format == fmt]
    if not chosen:
        what = "reports" if fmt == "report" else "profiles"
        have = sorted({f"{e.language} {e.format}s" for e in entries})
        listed = f"it has: {', '.join(have)}" if have else "it lists none"
        other = "report" if fmt == "profile" else "profile"
        hint = (
            f", or bind its {other}s with --format {other}"
            if any(e.language == language and e.format == other for e in entries)
            else ""
        )
        raise ReportgenError(
            f"{path} lists no {what} in language '{language}' ({listed}). Build them with "
            f"`reportgen batch --format {fmt} --lang {language} --out {reports_dir}`{hint}."
        )
    reports: list[_Report] = []
    for entry in chosen:
        if entry.release_year != release.year or entry.release != release.title:
            raise ReportgenError(
                f"{path} mixes releases: {entry.file} is from '{entry.release}' "
                f"({entry.release_year}), the manifest from '{release.title}' ({release.year}). "
                "Build each release into its own --out directory."
            )
        pdf = reports_dir / entry.file
        try:
            data = pdf.read_bytes()
        except FileNotFoundError:
            raise ReportgenError(f"{pdf} is listed in {path} but missing. {_RERUN}.") from None
        except OSError as exc:
            raise ReportgenError(f"Cannot read {pdf}: {exc.strerror}.") from None
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise ReportgenError(
                f"{pdf} has changed since `reportgen batch` wrote it (its SHA-256 no longer "
                f"matches {path}). {_RERUN}."
            )
        scores = dict(entry.scores) if entry.scores else None  # {}: not recorded
        reports.append(
            _Report(entry.country, entry.name, entry.region, entry.file, entry.pages, data, scores)
        )
    return reports


# The sections of a full report that a book of reports gives once (the front matter's "How to
# read the scores" and "Data source and citation"), by their structure identifiers.
_CLOSING = ("how-to-read", "sources")


def _without_closing(
    reports: Sequence[_Report], sources: Mapping[str, SourcePdf], phrases: Phrases
) -> tuple[list[_Report], bool]:
    """``reports`` without their closing sections (``_CLOSING``: left out of their PDFs in
    ``sources``, in place), and whether every one could be trimmed (a report built before its
    sections were identified is bound whole)."""
    idents = tuple(f"section:{key}" for key in _CLOSING)
    titles = (phrases.text("headings.how_to_read"), phrases.text("headings.sources"))
    out: list[_Report] = []
    for report in reports:
        kept = leave_out_sections(sources[report.code].pdf, idents, titles)
        out.append(report if kept is None else replace(report, pages=kept, printed=report.pages))
    return out, all(r.printed for r in out)


def _regions(reports: Iterable[_Report], book: Codebook) -> list[_Region]:
    """Group by region in codebook order (unknown regions last, by key), names alphabetical."""
    order = {key: i for i, key in enumerate(book.regions)}
    by_region: dict[str, list[_Report]] = {}
    for report in reports:
        by_region.setdefault(report.region, []).append(report)
    keys = sorted(by_region, key=lambda k: (order.get(k, len(order)), k))
    return [
        _Region(
            key,
            book.regions.get(key, key),
            tuple(sorted(by_region[key], key=lambda r: sort_key(r.name))),
        )
        for key in keys
    ]


def _sized(
    style: Style,
    reports: list[_Report],
    sources: dict[str, SourcePdf],
    asked: str | None,
    reports_dir: Path,
) -> Style:
    """``style`` with the page size of the reports it binds (their media boxes), checked
    against the size ``asked`` for (any case), if any."""
    from reportgen.layout.chrome import PAGE_SIZES

    def named(size: tuple[float, float]) -> str:
        for name, (w, h) in PAGE_SIZES.items():
            if abs(size[0] - w) < 1 and abs(size[1] - h) < 1:
                return name
        return f"{size[0]:.0f} × {size[1]:.0f} pt"

    by_size: dict[str, list[str]] = {}
    for r in reports:
        by_size.setdefault(named(sources[r.code].page_size), []).append(r.file)
    if len(by_size) > 1:
        counts = "; ".join(f"{n}: {len(f)} (e.g. {f[0]})" for n, f in sorted(by_size.items()))
        raise ReportgenError(
            f"The reports in {reports_dir} are of {len(by_size)} page sizes ({counts}): a book "
            "has one. Build them again with one --page-size (reportgen batch --force --page-size …)."
        )
    size = next(iter(by_size))
    if asked is not None:
        wanted = {n.lower(): n for n in PAGE_SIZES}.get(asked.strip().lower())
        if wanted is None:
            raise ReportgenError(f"--page-size must be A4 or Letter, not {asked!r}.")
        if wanted != size:
            raise ReportgenError(
                f"--page-size {wanted}: the reports in {reports_dir} are {size}. Build them "
                f"again with --page-size {wanted}, or leave --page-size out to bind them as "
                "they are."
            )
    if size not in PAGE_SIZES:
        raise ReportgenError(
            f"The reports in {reports_dir} are {size}, neither A4 nor Letter. Build them "
            "again with --page-size A4 or Letter."
        )
    page_size: Literal["A4", "Letter"] = "A4" if size == "A4" else "Letter"
    return replace(style, page=replace(style.page, size=page_size))


def _open(report: _Report, reports_dir: Path) -> SourcePdf:
    try:
        source = SourcePdf(report.data)
    except BindingError as exc:
        raise ReportgenError(f"{reports_dir / report.file} is {exc}. {_RERUN}.") from None
    if source.pages != report.pages:
        raise ReportgenError(
            f"{reports_dir / report.file} has {source.pages} pages, the manifest says "
            f"{report.pages}. {_RERUN}."
        )
    return source


# --- numbering ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Numbers:
    """Every page's place: front matter pages, printed numbers of each part and country.

    ``segments`` maps the compendium's own pages to printed numbers: (first page of the
    rendered matter, one past its last, printed number of the first).
    """

    front: int
    about: int  # page index of "about this compendium" (front matter, numbered i, ii, …)
    regions: dict[str, int]
    countries: dict[str, int]
    appendix: int
    index: int
    last: int
    segments: tuple[tuple[int, int, int], ...]

    def physical(self, printed: int) -> int:
        """The 0-based page index of printed (arabic) page number ``printed``."""
        return self.front + printed - 1

    def printed_of_matter(self, page: int) -> int | None:
        """The printed number of page ``page`` of the rendered matter (None: front matter)."""
        for start, end, first in self.segments:
            if start <= page < end:
                return first + page - start
        return None

    def matter_physical(self, page: int) -> int:
        """The 0-based compendium page of page ``page`` of the rendered matter."""
        printed = self.printed_of_matter(page)
        return page if printed is None else self.physical(printed)


def _number(matter: RenderedMatter, regions: Sequence[_Region]) -> _Numbers:
    """Number every page, given the page counts of a layout of the compendium's own pages."""
    starts = [matter.anchors[f"region:{r.key}"].page for r in regions]
    starts += [matter.anchors["appendix"].page, matter.anchors["index"].page, matter.pages]
    printed = 1
    region_pages: dict[str, int] = {}
    country_pages: dict[str, int] = {}
    segments: list[tuple[int, int, int]] = []
    for i, region in enumerate(regions):
        region_pages[region.key] = printed
        segments.append((starts[i], starts[i + 1], printed))
        printed += starts[i + 1] - starts[i]
        for report in region.reports:
            country_pages[report.code] = printed
            printed += report.pages
    appendix = printed
    segments.append((starts[-3], starts[-2], printed))
    printed += starts[-2] - starts[-3]
    index = printed
    segments.append((starts[-2], starts[-1], printed))
    printed += starts[-1] - starts[-2]
    return _Numbers(
        starts[0],
        matter.anchors["about"].page,
        region_pages,
        country_pages,
        appendix,
        index,
        printed - 1,
        tuple(segments),
    )


def roman(number: int) -> str:
    """Lower-case roman numerals: 4 → "iv" (as PDF page labels of style /r show them)."""
    out = []
    for value, letters in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


# --- the words and numbers of the compendium's own pages ----------------------------------------


class _Words:
    """Builds the ``MatterPlan``: every text of the compendium's own pages, from the phrases."""

    def __init__(
        self,
        phrases: Phrases,
        book: Codebook,
        style: Style,
        release: _Release,
        regions: Sequence[_Region],
        first: SourcePdf,
        fmt: str,
        trimmed: bool = False,
    ) -> None:
        self.ph, self.book, self.style, self.release = phrases, book, style, release
        self.regions, self.fmt, self.trimmed = regions, fmt, trimmed
        # Publisher, date and font names as the reports have them.
        self.publisher = first.author or ""
        # the data's author, credited for the data (the publisher where the manifest is older)
        self.data_author = release.data_author or self.publisher
        self.created = first.created or f"D:{release.year}0101000000+00'00'"
        self.font_order = first.font_order
        self.count = sum(len(r.reports) for r in regions)
        # scores of the rights: recorded by batches since the appendix shows them
        self.recorded = all(
            any(k in (rep.scores or {}) for k in book.rights) for r in regions for rep in r.reports
        )
        self._made_cells: dict[tuple[float | None, str], Cell] = {}
        self.texts = self._texts()

    def _v(self) -> dict[str, Any]:
        return {
            # (the release as this language's sentences name it, as its reports do)
            "release": self.release.title_in(self.ph.language) or self.release.title,
            "year": self.release.year,
            "publisher": self.publisher,
            "data": self.data_author,
            "n": self.count,
            "regions": len(self.regions),
            "profiles": self.fmt == "profile",
            "trimmed": self.trimmed,
        }

    def t(self, key: str, **values: Any) -> str:
        return self.ph.text(key, **(self._v() | values))

    def p(self, key: str, **values: Any) -> tuple[Span, ...]:
        return self.ph.render(key, **(self._v() | values))

    def _ranges(self, kind: str, scale: BandScale) -> dict[str, str]:
        """The range of each band on the scale of ``kind`` ("below 3.5", "75% to 85%")."""

        def v(x: float) -> str:
            return self.t(f"compendium.bound.{kind}", v=x)

        return {
            "very_bad": self.t("compendium.range.below", hi=v(scale.very_bad)),
            "bad": self.t("compendium.range.between", lo=v(scale.very_bad), hi=v(scale.bad)),
            "fair": self.t("compendium.range.between", lo=v(scale.bad), hi=v(scale.fair)),
            "good": self.t("compendium.range.above", lo=v(scale.fair)),
        }

    def _texts(self) -> MatterTexts:
        cpr, esr = self.style.cpr_bands, self.style.esr_bands
        cpr_ranges, esr_ranges = self._ranges("cpr", cpr), self._ranges("esr", esr)
        legend = tuple(
            LegendItem(band, self.book.bands.get(band, band), (cpr_ranges[band], esr_ranges[band]))
            for band in BAND_NAMES
        )
        illustrative = self.release.illustrative
        intro = [self.p("compendium.appendix_intro")]
        if not self.recorded:
            intro.append(self.p("compendium.appendix_not_recorded"))
        # (illustrative data: the cover says so, and every page's mark; the about text not again)
        about = [self.p("compendium.about"), self.p("compendium.organisation")]
        return MatterTexts(
            running_head=self.t("compendium.running_head"),
            publisher=self.publisher,
            illustrative_mark=self.t("meta.illustrative") if illustrative else None,
            cover_kicker=self.t("compendium.cover_kicker"),
            cover_title=self.t("compendium.title"),
            cover_subtitle=self.t("compendium.cover_subtitle"),
            cover_count=self.t("compendium.cover_count"),
            cover_note=self.p("compendium.illustrative") if illustrative else None,
            about_title=self.t("compendium.about_title"),
            about=tuple(about),
            how_title=self.t("compendium.how_title"),
            how=self._method(),
            source_title=self.t("compendium.source_title"),
            source=(self.p("compendium.source"), self.p("compendium.cite")),
            navigate=self._navigate(),
            contents_title=self.t("meta.contents"),
            front_entries=(),
            appendix_title=self.t("compendium.appendix_title"),
            appendix_intro=tuple(intro),
            legend_title=self.t("compendium.legend"),
            legend_scales=(self.t("compendium.unit.cpr"), self.t("compendium.unit.esr")),
            legend=legend,
            country_column=self.t("compendium.column.country"),
            score_columns=tuple(
                (dim.name, self.t(f"compendium.unit.{dim.kind}"))
                for dim in self.book.dimensions.values()
            ),
            page_column=self.t("compendium.column.page"),
            index_title=self.t("compendium.index_title"),
            missing=self.t("compendium.missing"),
            rights_tables=tuple(
                RightsTable(
                    dim.name,
                    self.t(f"compendium.unit.{dim.kind}"),
                    tuple((key, self.book.rights[key].name) for key in dim.rights),
                )
                for dim in self.book.dimensions.values()
            ),
        )

    def _cell(self, value: float | None, kind: str) -> Cell:
        """A score as the tables print it, in its band's colour (a dash for none); each made
        once (both layout passes print every country's)."""
        made = self._made_cells.get((value, kind))
        if made is not None:
            return made
        if value is None:
            made = Cell(self.t("compendium.missing"), None)
        else:
            scale = self.style.cpr_bands if kind == "cpr" else self.style.esr_bands
            key = "compendium.value" if kind == "cpr" else "compendium.value_pct"
            made = Cell(self.t(key, v=value), scale.band_of(value))
        self._made_cells[(value, kind)] = made
        return made

    def _method(self) -> tuple[tuple[Span, ...], ...]:
        """The method, once for the whole book, as a report's "How to read" gives it for
        every scale: what the bands are (their ranges are the legend's, which opens it), the
        two dimensions and their rights, the uncertainty, changes, people at risk, quality of
        life and its benchmarks."""
        dims = [
            {
                "name": dim.phrase,
                "rights": [self.book.rights[k].phrase for k in dim.rights],
            }
            for dim in self.book.dimensions.values()
            if dim.kind == "cpr"
        ]
        method = [
            self.p("overview.caveat"),
            self.p("how.dimensions", dims=dims),
            # (the profiles have no chart of a right across countries)
            self.p("how.uncertainty", charts=self.fmt == "report"),
            self.p("how.trends"),
            self.p("how.risk"),
            self.p("how.qol"),
            self.p("qol.benchmarks"),
        ]
        return tuple(method)

    def _navigate(self) -> tuple[tuple[Span, ...], ...]:
        """How the PDF leads to each country, and (reports bound without their "How to
        read") where the method they refer to is, for the cover."""
        out = [self.p("compendium.navigate")]
        if self.trimmed:
            heading, here = self.t("headings.how_to_read"), self.t("compendium.how_title")
            out.append(self.p("compendium.how_refer", heading=heading, here=here))
        return tuple(out)

    def _cells(self, report: _Report) -> tuple[Cell, ...]:
        """The headline scores of ``report``, in the codebook's order of dimensions."""
        scores = report.scores or {}
        return tuple(
            self._cell(scores.get(key), dim.kind) for key, dim in self.book.dimensions.items()
        )

    def _rights(self, report: _Report) -> tuple[tuple[str, Cell], ...]:
        """Each right's score of ``report`` that the manifest records, by right key."""
        scores = report.scores or {}
        return tuple(
            (key, self._cell(scores[key], right.kind))
            for key, right in self.book.rights.items()
            if scores.get(key) is not None
        )

    def plan(self, numbers: _Numbers | None, folios: tuple[str, ...]) -> MatterPlan:
        """The plan of the compendium's own pages; without ``numbers``, a sizing plan."""
        # The sizing pass prints the widest number the compendium may need.
        guess = 10 ** len(str(sum(rep.pages for r in self.regions for rep in r.reports) + 99)) - 1

        def page_of(table: Mapping[str, int] | None, key: str) -> int:
            return guess if table is None else table[key]

        regions = []
        for i, region in enumerate(self.regions, start=1):
            countries = tuple(
                CountryLine(
                    rep.code,
                    rep.name,
                    page_of(numbers.countries if numbers else None, rep.code),
                    self._cells(rep),
                    self._rights(rep),
                )
                for rep in region.reports
            )
            regions.append(
                RegionPart(
                    region.key,
                    region.name,
                    self.t("compendium.region_kicker", i=i, count=len(self.regions))
                    if len(self.regions) > 1
                    else self.texts.cover_title,
                    self.t("compendium.region_count", count=len(countries)),
                    page_of(numbers.regions if numbers else None, region.key),
                    countries,
                )
            )
        placeholder = self.t("meta.page", page=guess, pages=guess)
        about = roman(numbers.about + 1) if numbers else "viii"
        texts = replace(self.texts, front_entries=(("about", self.texts.about_title, about),))
        return MatterPlan(
            texts=texts,
            regions=tuple(regions),
            appendix_page=numbers.appendix if numbers else guess,
            index_page=numbers.index if numbers else guess,
            folios=folios,
            folio_placeholder=placeholder,
            title=self.t("compendium.title"),
            subject=self.t("compendium.subject"),
            keywords=tuple(k.strip() for k in self.t("compendium.keywords").split(";")),
            language=self.ph.locale.replace("_", "-"),
            created=self.created,
            font_order=self.font_order,
        )

    def folios(self, matter: RenderedMatter, numbers: _Numbers) -> tuple[str, ...]:
        """The footer of each page of the rendered matter: none on the cover."""
        out = []
        for page in range(matter.pages):
            printed = numbers.printed_of_matter(page)
            if page == 0:
                out.append("")
            elif printed is None:
                out.append(self.t("compendium.folio_front", page=roman(page + 1)))
            else:
                out.append(self.t("meta.page", page=printed, pages=numbers.last))
        return tuple(out)


_ABOUT_PAGE = 1  # the about text and the method: page ii, after the cover


def _lay_out(
    words: _Words, regions: Sequence[_Region], style: Style
) -> tuple[RenderedMatter, _Numbers, MatterPlan]:
    """Lay out the compendium's own pages until their page counts are stable (two passes).

    The first pass prints the widest page numbers the book may need, only to count pages
    (untagged, no text set: neither changes a line); its page counts number every page, and
    the second pass prints those numbers. When the about text and the method spill over
    their page, they are set a little denser (one more sizing pass).
    """
    sizing = words.plan(None, ())
    matter = render_matter(sizing, style, sizing=True)
    dense = matter.anchors["contents"].page > _ABOUT_PAGE + 1  # the about page spilled over
    if dense:
        matter = render_matter(replace(sizing, dense_about=True), style, sizing=True)
    for _ in range(4):
        numbers = _number(matter, regions)
        plan = replace(words.plan(numbers, words.folios(matter, numbers)), dense_about=dense)
        again = render_matter(plan, style)
        if _number(again, regions) == numbers:
            return again, numbers, plan
        matter = again
    raise ReportgenError(
        "The compendium's contents did not settle on a page count; please report it."
    )


# --- binding ------------------------------------------------------------------------------------


class _Binder:
    """Assembles the compendium in a ``reportgen.binding.Book``: what goes where."""

    def __init__(self, matter: RenderedMatter, numbers: _Numbers, words: _Words) -> None:
        self.book = Book()
        self.matter, self.numbers, self.words = matter, numbers, words
        self.matter_source = SourcePdf(matter.pdf)
        self.first_page: dict[str, int] = {}
        self.tagged = False  # whether the book gets a structure tree (every report is tagged)
        self.sources: list[TreeSource] = []  # the tagged PDFs bound, the matter first
        self.document = Group("Document", ())
        self.links: list[BookLink] = []  # link annotations made here, with their elements

    def add_matter(self, start: int, end: int) -> None:
        self.book.add_pages(self.matter_source, range(start, end))

    def add_report(self, report: _Report, source: SourcePdf, reports_dir: Path) -> int:
        """Append ``report``'s pages and renumber their folios; return its first page index."""
        first = self.book.pages
        page_text = self.words.t
        folios = [
            Folio(
                page_text("meta.page", page=offset + 1, pages=report.own_pages),
                page_text(
                    "meta.page",
                    page=first + offset - self.numbers.front + 1,
                    pages=self.numbers.last,
                ),
            )
            for offset in range(report.pages)
        ]
        try:
            self.book.add_report(source, folios)
        except FolioError as exc:
            fix = (
                "Re-run `reportgen batch --force` with the same --out: the report was not laid "
                "out as this reportgen binds it."
                if exc.promise
                else f"Write the phrase 'meta.page' ({self.words.ph.language}) with those letters."
            )
            raise ReportgenError(
                f"{reports_dir / report.file} cannot be renumbered, {exc}. {fix}"
            ) from None
        self.first_page[report.code] = first
        return first

    # -- navigation -------------------------------------------------------------------------
    def destination(self, target: str) -> int:
        if target.startswith("region:"):
            return self.numbers.physical(self.numbers.regions[target.removeprefix("region:")])
        return self.first_page[target]

    def store_once(self) -> None:
        """Store identical objects (the reports' fonts) once: before the structure is merged,
        whose many small objects are all different and would only slow the search."""
        self.book.store_identical_once()

    # -- structure --------------------------------------------------------------------------
    def plan_structure(self, regions: Sequence[_Region], sources: Mapping[str, SourcePdf]) -> None:
        """Plan the book's structure tree from the trees of its own pages and of every report.

        Document › the front matter's sections, per region a ``Part`` (its divider's section,
        then each report's tree as an ``Art``), the appendix's and the index's sections. Only
        when every report is tagged (reports built before tagging make an untagged book).
        """
        self.tagged = self.matter_source.tagged and all(s.tagged for s in sources.values())
        if not self.tagged:
            return
        numbers = self.numbers
        pages = tuple(numbers.matter_physical(p) for p in range(self.matter_source.pages))
        self.sources = [TreeSource(self.matter.pdf, pages)]
        regions_kids: list[Graft | Group] = []
        for region in regions:
            kids: list[Graft | Group] = [Graft(0, f"part:region:{region.key}")]
            for report in region.reports:
                first = self.first_page[report.code]
                self.sources.append(
                    TreeSource(sources[report.code].pdf, tuple(range(first, first + report.pages)))
                )
                kids.append(Graft(len(self.sources) - 1, None, "Art"))
            regions_kids.append(Group("Part", tuple(kids)))
        self.document = Group(
            "Document",
            (
                Graft(0, "part:cover"),
                Graft(0, "part:about"),
                Graft(0, "part:contents"),
                *regions_kids,
                Graft(0, "part:appendix"),
                Graft(0, "part:index"),
            ),
        )

    def add_links(self) -> None:
        for area in self.matter.links:
            page = self.numbers.matter_physical(area.page)
            index = self.book.add_link(page, area.rect, self.destination(area.target), area.label)
            if self.tagged and area.ident:
                self.links.append(BookLink(page, index, 0, area.ident))

    def _matter_item(self, key: str, title: str, parent: BookmarkRef | None = None) -> None:
        anchor = self.matter.anchors[key]
        self.book.add_bookmark(title, self.numbers.matter_physical(anchor.page), parent, anchor.top)

    def add_outline(
        self, regions: Sequence[_Region], sources: Mapping[str, SourcePdf], texts: MatterTexts
    ) -> None:
        self.book.add_bookmark(texts.cover_title, 0)
        self._matter_item("about", texts.about_title)
        self._matter_item("contents", texts.contents_title)
        for region in regions:
            anchor = self.matter.anchors[f"region:{region.key}"]
            # regions open: a reader sees every country at a glance
            region_item = self.book.add_bookmark(
                region.name,
                self.numbers.matter_physical(anchor.page),
                None,
                anchor.top,
                is_open=True,
            )
            for report in region.reports:
                first = self.first_page[report.code]
                country = self.book.add_bookmark(report.name, first, region_item)
                self.book.add_bookmarks(sources[report.code].bookmarks(), first, country)
        self._matter_item("appendix", texts.appendix_title)
        self._matter_item("index", texts.index_title)

    def finish(self, plan: MatterPlan) -> bytes:
        numbers = self.numbers
        if self.book.pages != numbers.front + numbers.last:
            raise ReportgenError(
                f"The compendium has {self.book.pages} pages, {numbers.front + numbers.last} "
                "were planned; please report it."
            )
        self.book.set_page_labels(numbers.front)
        info = DocumentInfo(
            plan.title,
            plan.texts.publisher,
            plan.subject,
            ", ".join(plan.keywords),
            plan.language,
            plan.created,
        )
        self.book.set_metadata(info, producer="reportgen (pikepdf)", ua=self.tagged)
        if not self.tagged:
            return self.book.write(compact=True)
        tree = partial(merge_into, sources=self.sources, document=self.document, links=self.links)
        return self.book.write(tree, compact=True)


# --- the stage ---------------------------------------------------------------------------------


def compendium_filename(year: int, language: str, fmt: str) -> str:
    """``compendium-2020-en-profile.pdf`` (a book of profiles), ``compendium-2020-en.pdf``
    (of full reports): named as the PDFs it binds."""
    return f"compendium-{year}-{language}{'-profile' if fmt == 'profile' else ''}.pdf"


def build_compendium(
    reports_dir: Path,
    language: str = "en",
    output: Path | None = None,
    style: str = "base",
    format: str = "profile",
    page_size: str | None = None,
) -> Path:
    """Bind the profiles (``format="report"``: the full reports) of ``reports_dir`` in
    ``language`` into the annual compendium.

    In:  a directory written by ``reportgen batch`` (``manifest.json`` + PDFs), a language,
         a style name or path (colours and sizes of the compendium's own pages), the format
         of the PDFs to bind, and the page size (``page_size``, "A4" or "Letter"; default:
         the reports', which the compendium's own pages take).
    Out: the path written: ``output`` or ``reports_dir/`` + ``compendium_filename``.
    Raises ``ReportgenError`` (nothing written) when the manifest is missing, a listed file is
    missing or has changed, or there are no reports in ``language``; ``OutputError`` when the
    file cannot be written (a full disk, ``output`` is a folder). Reports of two page sizes, or
    of another size than ``page_size``, are a ``ReportgenError``: a book has one page size.
    """
    reports_dir = Path(reports_dir)
    # 1. The manifest and the files it lists, checked.
    release, entries = _read_manifest(reports_dir)
    reports = _load_reports(reports_dir, release, entries, language, format)
    book, phrases, the_style = load_codebook(language), load_phrases(language), load_style(style)
    sources = {r.code: _open(r, reports_dir) for r in reports}
    the_style = _sized(the_style, reports, sources, page_size, reports_dir)
    trimmed = False
    if format == "report":
        # A book of full reports gives the method and the sources once, in its front matter:
        # each report's own "How to read" and "Data sources" are left out.
        reports, trimmed = _without_closing(reports, sources, phrases)
    regions = _regions(reports, book)
    # 2. The words of the compendium's own pages.
    first = sources[regions[0].reports[0].code]
    words = _Words(phrases, book, the_style, release, regions, first, format, trimmed)
    # 3. Lay out the own pages, number every page, lay out again with the numbers.
    matter, numbers, plan = _lay_out(words, regions, the_style)
    # 4. Bind: front matter, then per region its divider and reports, appendix, index.
    binder = _Binder(matter, numbers, words)
    dividers, back = numbers.segments[: len(regions)], numbers.segments[len(regions) :]
    binder.add_matter(0, numbers.front)
    for (start, end, _), region in zip(dividers, regions, strict=True):
        binder.add_matter(start, end)
        for report in region.reports:
            binder.add_report(report, sources[report.code], reports_dir)
    for start, end, _ in back:
        binder.add_matter(start, end)
    # 5. Fonts and shared objects stored once; the structure trees merged (when every report
    #    is tagged); links, bookmarks, page labels.
    binder.store_once()
    binder.plan_structure(regions, sources)
    binder.add_links()
    binder.add_outline(regions, sources, plan.texts)
    data = binder.finish(plan)
    # 6. Write atomically: a reader never sees a partial compendium, and a full disk or a
    #    folder in the way is one OutputError that leaves the previous compendium as it was.
    path = output or reports_dir / compendium_filename(release.year, language, format)
    write_atomic(Path(path), data, option="--output")
    return Path(path)
