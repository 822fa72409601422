"""Layout of the compendium's own pages: ``MatterPlan`` + ``Style`` → one PDF (reportlab Platypus).

In:  a ``MatterPlan`` (every word and number the pages show, decided by
     ``reportgen.compendium``) and a ``Style``.
Out: ``RenderedMatter``: the bytes of one PDF holding, in this order, the front matter
     (cover, about this compendium, contents), one divider per region (its table of headline
     scores under the band), the appendix of every right (a table per dimension and region)
     and the index of countries; where each part starts (``anchors``); and
     the rectangle of every entry that should link to a country (``links``), which the
     compendium turns into link annotations once the reports are bound in.

The pages are tagged as the reports are (``reportgen.layout.tagging``): each part is a ``Sect``
whose element identifier (/ID) is ``part:<anchor key>``, so that the compendium can place it in
the merged structure tree; each entry that will link to a country is a ``Link`` element whose
identifier its ``LinkArea`` carries, for the compendium to attach the link annotation to.

The pages use the reports' geometry, paragraph styles, colours and page chrome
(``reportgen.layout.chrome``) and the same seeded first font subsets, named in the reports'
order (``MatterPlan.font_order``), so that the fonts of these pages and of every report are
byte-identical and stored once in the compendium. Folios are given by the plan
(``page 57 of 4411``) and drawn as plain text, as they are final: the compendium lays these
pages out once to learn their page counts, numbers every page, then lays them out again with
the numbers.

Why one module of about a thousand lines: it is one document — the plan it is given, the
flowables of its entries, the story of its six kinds of page and their page templates — and
each part is read with the others (a change to the plan is a change to the story). The plan
and its result (the first ~250 lines, data only) are the natural piece to move out if it grows.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    FrameBreak,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    TableStyle,
)

from reportgen.layout._fonts import FontSet, register_fonts
from reportgen.layout.chrome import (
    FrameOfPage,
    Geometry,
    ParagraphStyles,
    band,
    illustrative_mark,
    markup,
    page_geometry,
    rl_color,
    running_head,
    seed_first_subsets,
)
from reportgen.layout.tagging import (
    DocumentInfo,
    Tag,
    TaggedParagraph,
    TaggedStr,
    TaggedTable,
    TaggingCanvas,
    artifact,
    escape,
    finish,
    marked,
)
from reportgen.model import Span
from reportgen.style import BandName, Color, Style

__all__ = [
    "Anchor",
    "Cell",
    "CountryLine",
    "LegendItem",
    "LinkArea",
    "MatterPlan",
    "MatterTexts",
    "RegionPart",
    "RenderedMatter",
    "RightsTable",
    "render_matter",
]

Spans = tuple[Span, ...]
Rect = tuple[float, float, float, float]

# Share of the page filled by the accent band: the cover's is larger than a report cover's,
# a divider's smaller, so that most of its region's table of scores fits under it.
_COVER_BAND = 0.56
_DIVIDER_BAND = 0.26
_COLUMN_GAP = 9 * mm
_DOT_PITCH = 2.6  # distance between the dots of leaders, in points
HEAD_PAD = 1.5  # side padding of the appendix's column headings (long words at 7 pt)


def _widest_word(texts: Sequence[str], font: str, size: float) -> float:
    """The width in points of the widest word of ``texts`` in ``font`` at ``size`` (0: none):
    the least a column whose heading wraps between words can be."""
    return max(
        (pdfmetrics.stringWidth(w, font, size) for text in texts for w in text.split()),
        default=0.0,
    )


# --- the plan: what the pages show ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """A score cell of the appendix: the text shown and the band that colours it (or None)."""

    text: str
    band: BandName | None


@dataclass(frozen=True, slots=True)
class CountryLine:
    """A country as the front matter, its divider, the appendix and the index show it."""

    code: str
    name: str
    page: int  # the printed number of its first page
    cells: tuple[Cell, ...]  # headline scores, in the order of ``MatterTexts.score_columns``
    rights: tuple[tuple[str, Cell], ...] = ()  # each right's score, by right key (appendix)


@dataclass(frozen=True, slots=True)
class RegionPart:
    """A region: its divider's words and page, and its countries in reading order."""

    key: str
    name: str
    kicker: str  # "Region 2 of 6"
    count: str  # "41 countries"
    page: int
    countries: tuple[CountryLine, ...]


@dataclass(frozen=True, slots=True)
class RightsTable:
    """A table of the appendix: one dimension's rights, a row per country that has a score."""

    title: str  # "Empowerment"
    unit: str  # "score out of 10"
    columns: tuple[tuple[str, str], ...]  # (right key, column heading)


@dataclass(frozen=True, slots=True)
class LegendItem:
    """One band of the legend: its colour, label and range on each scale ("below 3.5")."""

    band: BandName
    label: str
    ranges: tuple[str, ...]  # in the order of ``MatterTexts.legend_scales``


@dataclass(frozen=True, slots=True)
class MatterTexts:
    """Every word of the compendium's own pages, in the compendium's language."""

    running_head: str
    publisher: str
    illustrative_mark: str | None
    cover_kicker: str
    cover_title: str
    cover_subtitle: str
    cover_count: str
    cover_note: Spans | None  # the illustrative-data warning, when the data are
    about_title: str
    about: tuple[Spans, ...]
    how_title: str
    how: tuple[Spans, ...]
    source_title: str
    source: tuple[Spans, ...]
    navigate: tuple[Spans, ...]  # how the PDF leads to each country, where the method is
    contents_title: str
    front_entries: tuple[
        tuple[str, str, str], ...
    ]  # (anchor key, title, printed page) of the front matter
    appendix_title: str
    appendix_intro: tuple[Spans, ...]
    legend_title: str
    legend_scales: tuple[str, ...]  # row labels of the legend ("score out of 10")
    legend: tuple[LegendItem, ...]
    country_column: str
    score_columns: tuple[tuple[str, str], ...]  # (name, unit) per score column
    page_column: str
    index_title: str
    missing: str = "–"  # a cell without a score
    rights_tables: tuple[RightsTable, ...] = ()  # the appendix's, after the legend


@dataclass(frozen=True, slots=True)
class MatterPlan:
    """What to lay out: words, regions and countries with their page numbers, and folios.

    ``folios[i]`` is the footer of page ``i`` of the rendered document ("" for none); pages
    beyond the tuple get ``folio_placeholder`` (the first, sizing, pass has no numbers yet).
    """

    texts: MatterTexts
    regions: tuple[RegionPart, ...]
    appendix_page: int
    index_page: int
    folios: tuple[str, ...]
    folio_placeholder: str
    title: str
    subject: str
    keywords: tuple[str, ...]
    language: str
    created: str  # PDF date, e.g. "D:20200101000000+00'00'"
    font_order: tuple[str, ...] = ()  # faces in the order the reports name them (F1, F2, …)
    # The about page's text set a little denser: the about text and the method are one page,
    # and in some languages (or with an organisation's own words) they would spill over.
    dense_about: bool = False


# --- the result ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a part starts: a page of the rendered document (0-based) and a height on it."""

    page: int
    top: float


@dataclass(frozen=True, slots=True)
class LinkArea:
    """A rectangle (x0, y0, x1, y1, in points) on a page (0-based) that links to a country.

    ``ident`` is the element identifier of the entry's ``Link`` structure element, ``label``
    what the entry says (the link's description).
    """

    page: int
    rect: Rect
    target: str  # ISO3 code
    ident: str = ""
    label: str = ""


@dataclass(frozen=True, slots=True)
class RenderedMatter:
    """The laid-out pages, where each part starts and the link areas.

    ``anchors`` keys: ``cover``, ``about``, ``contents``, ``region:<key>`` (each divider),
    ``appendix``, ``index``.
    """

    pdf: bytes
    pages: int
    anchors: dict[str, Anchor]
    links: tuple[LinkArea, ...]
    untagged: tuple[str, ...] = ()  # drawing outside every tag (empty for a correct layout)


@dataclass
class _Recorder:
    """Collects anchors and link areas while the pages are drawn."""

    anchors: dict[str, Anchor] = field(default_factory=dict)
    links: list[LinkArea] = field(default_factory=list)

    def anchor(self, key: str, canv: Canvas, top: float) -> None:
        _, y = canv.absolutePosition(0, top)
        self.anchors.setdefault(key, Anchor(canv.getPageNumber() - 1, y))

    def link(
        self,
        canv: Canvas,
        target: str,
        rect: Rect,
        ident: str = "",
        label: str = "",
    ) -> None:
        ax0, ay0 = canv.absolutePosition(rect[0], rect[1])
        ax1, ay1 = canv.absolutePosition(rect[2], rect[3])
        self.links.append(
            LinkArea(canv.getPageNumber() - 1, (ax0, ay0, ax1, ay1), target, ident, label)
        )


# --- colours -------------------------------------------------------------------------------


def _luminance(color: Color) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _ink_on(background: Color, dark: Color) -> Color:
    """White or ``dark``, whichever contrasts more with ``background`` (WCAG contrast)."""
    bg = _luminance(background)
    on_white = (1.05) / (bg + 0.05)
    on_dark = (max(bg, _luminance(dark)) + 0.05) / (min(bg, _luminance(dark)) + 0.05)
    return Color("#ffffff") if on_white >= on_dark else dark


# --- flowables -----------------------------------------------------------------------------


class _Title(TaggedParagraph):
    """A paragraph that records where it is drawn as the anchor ``key``."""

    def __init__(
        self,
        text: str,
        style: ParagraphStyle,
        key: str,
        recorder: _Recorder,
        tag: Tag | None = None,
    ) -> None:
        super().__init__(text, style, tag)
        self.key, self.recorder = key, recorder

    def draw(self) -> None:
        self.recorder.anchor(self.key, self.canv, self.height + self.style.fontSize * 0.4)
        super().draw()


class _Entry(Flowable):  # type: ignore[misc]
    """One entry of a list: a label, optional dot leaders and a page number, and a link area.

    A label too wide for its column is set up to 10 % smaller; if it still does not fit, it
    wraps onto a second line (indented), which carries the leaders and the number. A second
    line still too long is cut with an ellipsis. ``link_extra`` widens the link area (left,
    bottom, right, top), e.g. to a whole table row.
    """

    _GAP = 4.0  # between the label, the leaders and the number
    _HANG = 8.0  # indent of a wrapped second line

    def __init__(
        self,
        label: str,
        number: str,
        *,
        font: str,
        size: float,
        leading: float,
        color: colors.Color,
        number_color: colors.Color,
        rule_color: colors.Color,
        indent: float = 0.0,
        leaders: bool = True,
        target: str | None = None,
        recorder: _Recorder | None = None,
        link_extra: Rect = (0.0, 0.0, 0.0, 0.0),
        space_before: float = 0.0,
        tag: Tag | None = None,
    ) -> None:
        super().__init__()
        self.tag = tag
        self.label, self.number = label, number
        self.font, self.size, self.leading = font, size, leading
        self.color, self.number_color, self.rule_color = color, number_color, rule_color
        self.indent, self.leaders = indent, leaders
        self.target, self.recorder, self.link_extra = target, recorder, link_extra
        self.spaceBefore = space_before
        self.lines: list[str] = [label]
        self.label_size = size

    def _width(self, text: str, size: float | None = None) -> float:
        return float(pdfmetrics.stringWidth(text, self.font, size or self.label_size))

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        number = self._width(self.number, self.size) + 3 * self._GAP if self.number else 0.0
        room = availWidth - self.indent - number
        self.label_size = self.size
        while self.label_size > self.size * 0.9 and self._width(self.label) > room:
            self.label_size -= 0.25
        if self._width(self.label) <= room:
            self.lines = [self.label]
        else:
            self.label_size = self.size
            self.lines = self._two_lines(availWidth - self.indent, room - self._HANG)
        self.height = self.leading * len(self.lines)
        return availWidth, self.height

    def _two_lines(self, first_room: float, last_room: float) -> list[str]:
        words = self.label.split(" ")
        first = words[0]
        for n in range(len(words) - 1, 0, -1):
            candidate = " ".join(words[:n])
            if self._width(candidate) <= first_room:
                first = candidate
                break
        rest = self.label[len(first) :].strip()
        if self._width(rest) > last_room:
            while rest and self._width(rest + "…") > last_room:
                rest = rest[:-1]
            rest = rest.rstrip() + "…"
        return [first, rest] if rest else [first]

    def draw(self) -> None:
        canv = self.canv
        baseline = (self.leading - self.size) / 2 + self.size * 0.22
        canv.saveState()
        canv.setFont(self.font, self.label_size)
        canv.setFillColor(self.color)
        x = self.indent
        with marked(canv, self.tag, self):
            for i, line in enumerate(self.lines):
                x = self.indent + (self._HANG if i else 0.0)
                # a wrapped line ends with a space, for the words of the structure's text
                text = line + " " if i < len(self.lines) - 1 else line
                canv.drawString(x, baseline + self.leading * (len(self.lines) - 1 - i), text)
        if self.number:
            number_width = self._width(self.number, self.size)
            canv.setFont(self.font, self.size)
            canv.setFillColor(self.number_color)
            with marked(canv, self.tag, None):
                canv.drawRightString(self.width, baseline, " " + self.number)
            # Dots on a fixed grid, so that they line up from one line to the next.
            label_end = x + self._width(self.lines[-1])
            start = math.ceil((label_end + self._GAP) / _DOT_PITCH) * _DOT_PITCH
            end = math.floor((self.width - number_width - self._GAP) / _DOT_PITCH) * _DOT_PITCH
            if self.leaders and end - start > 2 * _DOT_PITCH:
                with artifact(canv):
                    canv.setStrokeColor(self.rule_color)
                    canv.setLineWidth(0.9)
                    canv.setLineCap(1)
                    canv.setDash([0.01, _DOT_PITCH - 0.01])
                    canv.line(start, baseline + 0.6, end, baseline + 0.6)
        canv.restoreState()
        if self.target and self.recorder is not None:
            left, bottom, right, top = self.link_extra
            rect = (self.indent - left, -bottom, self.width + right, self.height + top)
            ident = self.tag.ident if self.tag is not None and self.tag.ident else ""
            self.recorder.link(canv, self.target, rect, ident, self.label)


# --- the document --------------------------------------------------------------------------


class _Layout:
    """Paragraph styles and the story of the compendium's own pages."""

    def __init__(
        self,
        plan: MatterPlan,
        style: Style,
        fonts: FontSet,
        geo: Geometry,
        recorder: _Recorder,
    ) -> None:
        self.plan, self.style, self.fonts, self.geo, self.rec = plan, style, fonts, geo, recorder
        self.st = ParagraphStyles(style, fonts)
        f, c = style.fonts, style.colors
        white = colors.white
        self.kicker = ParagraphStyle("c_kicker", self.st.cover_kicker, textColor=white)
        self.cover_title = ParagraphStyle(
            "c_title",
            self.st.cover_title,
            fontSize=f.h1_size * 2.1,
            leading=f.h1_size * 2.4,
            spaceAfter=f.h1_size * 0.6,
        )
        self.cover_subtitle = self.st.cover_subtitle
        self.cover_count = ParagraphStyle(
            "c_count", self.st.h[2], spaceBefore=0, textColor=rl_color(c.accent)
        )
        self.divider_title = ParagraphStyle(
            "d_title", self.st.cover_title, fontSize=f.h1_size * 1.6, leading=f.h1_size * 1.9
        )
        self.divider_count = ParagraphStyle("d_count", self.st.cover_subtitle)
        self.header = ParagraphStyle("th", self.st.cell_head, fontSize=f.small_size + 1)
        self.header_right = ParagraphStyle("th_r", self.header, alignment=TA_RIGHT)
        self.header_centre = ParagraphStyle("th_c", self.header, alignment=TA_CENTER)
        self.unit = ParagraphStyle(
            "unit",
            self.header_centre,
            fontName=fonts.regular,
            fontSize=f.small_size,
            leading=f.small_size * 1.25,
            textColor=rl_color(c.muted),
        )
        self.legend_range = ParagraphStyle("legend_range", self.unit, alignment=TA_CENTER)
        self.legend_scale = ParagraphStyle("legend_scale", self.unit, alignment=TA_LEFT)
        self.size = f.body_size - 0.5
        self.leading = f.body_size * 1.45
        self.links = 0  # Link elements made so far (their identifiers are numbered)
        self.cover_tag = self.part("cover")
        self.mark_tag = self.cover_tag.child("P")  # the illustrative mark, on the cover

    # -- pieces ------------------------------------------------------------------------
    def part(self, key: str) -> Tag:
        """The section of a part; its identifier lets the compendium place it in its tree."""
        return Tag("Sect", ident=f"part:{key}")

    def link(self, parent: Tag, label: str) -> Tag:
        """A ``Link`` element for an entry that will link to a country (identified by number)."""
        self.links += 1
        return parent.child("Link", contents=label, ident=f"link:{self.links}")

    def paragraphs(
        self, items: Sequence[Spans], parent: Tag, style: ParagraphStyle | None = None
    ) -> list[Any]:
        return [
            TaggedParagraph(markup(spans), style or self.st.body, parent.child("P"))
            for spans in items
        ]

    def entry(
        self,
        label: str,
        number: int | str | None,
        *,
        parent: Tag,
        target: str | None = None,
        strong: bool = False,
        indent: float = 0.0,
        space_before: float = 0.0,
    ) -> _Entry:
        c = self.style.colors
        return _Entry(
            label,
            "" if number is None else str(number),
            font=self.fonts.bold if strong else self.fonts.regular,
            size=self.size,
            leading=self.leading,
            color=rl_color(c.accent if strong else c.text),
            number_color=rl_color(c.text if strong else c.muted),
            rule_color=rl_color(c.muted),
            indent=indent,
            target=target,
            recorder=self.rec,
            space_before=space_before,
            tag=self.link(parent, label) if target else parent.child("P"),
        )

    def country_entries(
        self, countries: Sequence[CountryLine], indent: float, toc: Tag
    ) -> list[Any]:
        return [
            self.entry(c.name, c.page, parent=toc.child("TOCI"), target=c.code, indent=indent)
            for c in countries
        ]

    # -- parts -------------------------------------------------------------------------
    def cover(self) -> list[Any]:
        t = self.plan.texts
        sect = self.cover_tag
        out: list[Any] = [
            TaggedParagraph(escape(t.cover_kicker), self.kicker, sect.child("P")),
            Spacer(1, 16),
            _Title(escape(t.cover_title), self.cover_title, "cover", self.rec, sect.child("H1")),
            TaggedParagraph(escape(t.cover_subtitle), self.cover_subtitle, sect.child("P")),
            FrameBreak(),
            TaggedParagraph(escape(t.cover_count), self.cover_count, sect.child("P")),
        ]
        if len(self.plan.regions) > 1:
            out.append(self.cover_regions(sect))
        out += [
            Spacer(1, 12),
            TaggedParagraph(escape(t.publisher), self.st.body, sect.child("P")),
        ]
        if t.cover_note is not None:
            out += [
                Spacer(1, 10),
                TaggedParagraph(markup(t.cover_note), self.st.caveat, sect.child("P")),
            ]
        # How the PDF leads to each country, then the data and how to cite the book, under
        # the publisher (an imprint, as a title page gives it): after the method they went
        # alone to a page of their own.
        out += [
            Spacer(1, 10),
            *self.paragraphs(t.navigate, sect, self.st.note),
            Spacer(1, 8),
            TaggedParagraph(escape(t.source_title), self.st.h[3], sect.child("H2")),
            *self.paragraphs(t.source, sect, self.st.note),
            NextPageTemplate("body"),
            PageBreak(),
        ]
        return out

    def cover_regions(self, parent: Tag) -> Flowable:
        """The regions and their number of countries, in two columns (read down each column)."""
        c = self.style.colors
        regions = parent.child("L", attrs={"ListNumbering": "None"})
        items = [regions.child("LI") for _ in self.plan.regions]
        cells: list[Any] = [
            TaggedParagraph(
                f'<b>{escape(r.name)}</b> <font color="{c.muted.hex}">· {escape(r.count)}</font>',
                self.st.body,
                item.child("LBody"),
            )
            for r, item in zip(self.plan.regions, items, strict=True)
        ]
        half = (len(cells) + 1) // 2
        left, right = cells[:half], cells[half:] + [""] * (2 * half - len(cells))
        table = TaggedTable(
            [list(pair) for pair in zip(left, right, strict=True)],
            colWidths=[self.geo.frame_width / 2] * 2,
            hAlign="LEFT",
            order=items,
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return table

    def about(self) -> list[Any]:
        t = self.plan.texts
        sect = self.part("about")
        out: list[Any] = [
            _Title(escape(t.about_title), self.st.h[1], "about", self.rec, sect.child("H1"))
        ]
        body = self.st.body
        if self.plan.dense_about:
            f = self.style.fonts
            body = ParagraphStyle(
                "about_dense",
                body,
                fontSize=f.body_size - 0.5,
                leading=f.leading - 1.0,
                spaceAfter=(f.body_size - 0.5) * 0.5,
            )
        out += self.paragraphs(t.about, sect, body)
        out.append(TaggedParagraph(escape(t.how_title), self.st.h[2], sect.child("H2")))
        # the bands first: the legend gives their ranges and colours (in words they would be
        # said twice), then what they mean and the rest of the method
        out.append(self.legend(sect))
        out += self.paragraphs(t.how, sect, body)
        return out

    def contents(self) -> list[Any]:
        t = self.plan.texts
        sect = self.part("contents")
        toc = sect.child("TOC")
        out: list[Any] = [
            NextPageTemplate("columns_first"),
            PageBreak(),
            _Title(escape(t.contents_title), self.st.h[1], "contents", self.rec, sect.child("H1")),
            NextPageTemplate("columns"),
            FrameBreak(),
        ]
        for _, title, number in t.front_entries:
            out.append(self.entry(title, number, parent=toc.child("TOCI"), strong=True))
        for i, region in enumerate(self.plan.regions):
            item = toc.child("TOCI")
            head = self.entry(
                region.name,
                region.page,
                parent=item,
                target=f"region:{region.key}",
                strong=True,
                space_before=self.leading * 0.6 if i or t.front_entries else 0,
            )
            lines = self.country_entries(region.countries, indent=10, toc=item.child("TOC"))
            out.append(KeepTogether([head, *lines[:3]]))
            out += lines[3:]
        out.append(
            self.entry(
                t.appendix_title,
                self.plan.appendix_page,
                parent=toc.child("TOCI"),
                strong=True,
                space_before=12,
            )
        )
        out.append(
            self.entry(t.index_title, self.plan.index_page, parent=toc.child("TOCI"), strong=True)
        )
        return out

    def divider(self, number: int, region: RegionPart) -> list[Any]:
        sect = self.part(f"region:{region.key}")
        out: list[Any] = [
            NextPageTemplate("divider"),
            PageBreak(),
            TaggedParagraph(escape(region.kicker), self.kicker, sect.child("P")),
            Spacer(1, 10),
            _Title(
                escape(region.name),
                self.divider_title,
                f"region:{region.key}",
                self.rec,
                sect.child("H1"),
            ),
            TaggedParagraph(escape(region.count), self.divider_count, sect.child("P")),
            NextPageTemplate("body"),
            FrameBreak(),
            # the region's scorecard: every country's headline scores, banded, with its page
            self.score_table(region, sect),
        ]
        return out

    def legend(self, parent: Tag) -> Flowable:
        """The bands: a row of coloured labels, then one row of ranges per scale."""
        t, c = self.plan.texts, self.style.colors
        n = max(1, len(t.legend))
        label_width = self.geo.frame_width * 0.2
        band_width = (self.geo.frame_width - label_width) / n
        caption = TaggedParagraph(escape(t.legend_title), self.st.note, parent.child("P"))
        table_tag = parent.child("Table")
        head = table_tag.child("TR")
        rows: list[list[Any]] = [
            [
                TaggedStr("", head.child("TD")),
                *(
                    TaggedStr(item.label, head.child("TH", attrs={"Scope": "Column"}))
                    for item in t.legend
                ),
            ]
        ]
        for r, scale in enumerate(t.legend_scales):
            tr = table_tag.child("TR")
            rows.append(
                [
                    TaggedParagraph(
                        escape(scale), self.legend_scale, tr.child("TH", attrs={"Scope": "Row"})
                    ),
                    *(
                        TaggedParagraph(escape(item.ranges[r]), self.legend_range, tr.child("TD"))
                        for item in t.legend
                    ),
                ]
            )
        table = TaggedTable(rows, colWidths=[label_width, *([band_width] * n)], hAlign="LEFT")
        commands: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
            ("FONTNAME", (0, 0), (-1, 0), self.fonts.bold),
            ("FONTSIZE", (0, 0), (-1, 0), self.style.fonts.small_size + 1),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("LINEAFTER", (1, 0), (-2, 0), 2, colors.white),
            ("LINEBELOW", (1, 1), (-1, -2), 0.3, rl_color(c.rule)),
        ]
        for i, item in enumerate(t.legend, start=1):
            fill = c.band[item.band]
            commands += [
                ("BACKGROUND", (i, 0), (i, 0), rl_color(fill)),
                ("TEXTCOLOR", (i, 0), (i, 0), rl_color(_ink_on(fill, c.text))),
            ]
        table.setStyle(TableStyle(commands))
        return KeepTogether([caption, table, Spacer(1, 10)])

    def appendix(self) -> list[Any]:
        t = self.plan.texts
        sect = self.part("appendix")
        out: list[Any] = [
            NextPageTemplate("body"),
            PageBreak(),
            _Title(escape(t.appendix_title), self.st.h[1], "appendix", self.rec, sect.child("H1")),
        ]
        out += self.paragraphs(t.appendix_intro, sect)
        out.append(self.legend(sect))
        for table in t.rights_tables:
            keys = [key for key, _ in table.columns]
            heading = TaggedParagraph(escape(table.title), self.st.h[2], sect.child("H2"))
            first = True
            for region in self.plan.regions:
                rows = [c for c in region.countries if any(k in dict(c.rights) for k in keys)]
                if not rows:
                    continue
                head = [heading] if first else []
                first = False
                sub = TaggedParagraph(escape(region.name), self.st.h[3], sect.child("H3"))
                # a heading never ends a page: kept with the table's first rows
                out.append(CondPageBreak(90))
                out += [*head, sub, self.rights_table(table, rows, sect)]
        return out

    def rights_table(
        self, table: RightsTable, countries: Sequence[CountryLine], parent: Tag
    ) -> Flowable:
        """One dimension's rights for ``countries``: a banded cell per right, "–" for none."""
        t, c = self.plan.texts, self.style.colors
        width = self.geo.frame_width
        n = len(table.columns)
        score_width = min(72.0, (width * 0.72) / max(1, n))
        name_width = width - n * score_width
        pad = 3.0
        # The headings wrap between words, never inside one: the longest word sets their
        # size (down to 7 pt)
        titles = [title for _, title in table.columns]
        size = float(self.header.fontSize)
        while size > 7 and _widest_word(titles, self.fonts.bold, size) > score_width - 2 * HEAD_PAD:
            size -= 0.25
        # (at 7 pt a word can still be wider than its column, "desaparecimento" by 2 pt: the
        # columns then widen to it, the countries' column giving the room)
        longest = _widest_word(titles, self.fonts.bold, size)
        if longest > score_width - 2 * HEAD_PAD:
            score_width = min(longest + 2 * HEAD_PAD + 0.5, width * 0.8 / max(1, n))
            name_width = width - n * score_width
        heading = ParagraphStyle("th_right", self.header_centre, fontSize=size, leading=size * 1.2)
        table_tag = parent.child("Table")
        head = table_tag.child("TR")
        header: list[Any] = [
            TaggedParagraph(
                escape(t.country_column), self.header, head.child("TH", attrs={"Scope": "Column"})
            )
        ]
        for _, title in table.columns:
            th = head.child("TH", attrs={"Scope": "Column"})
            header.append(TaggedParagraph(escape(title), heading, th))
        rows: list[list[Any]] = [header]
        commands: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
            ("FONTSIZE", (0, 1), (-1, -1), self.size),
            ("LEADING", (0, 1), (-1, -1), self.leading),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
            ("ALIGN", (1, 1), (-1, -1), "CENTER"),
            ("TEXTCOLOR", (0, 1), (-1, -1), rl_color(c.text)),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, rl_color(c.accent)),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, rl_color(c.rule)),
            ("LINEAFTER", (1, 1), (-2, -1), 1.5, colors.white),
            ("LEFTPADDING", (1, 0), (-1, 0), HEAD_PAD),
            ("RIGHTPADDING", (1, 0), (-1, 0), HEAD_PAD),
        ]
        for r, country in enumerate(countries, start=1):
            tr = table_tag.child("TR")
            row: list[Any] = [self.row_name(country, tr, (pad, 1.5, width - name_width + pad, 1.5))]
            cells = dict(country.rights)
            for col, (key, _) in enumerate(table.columns, start=1):
                cell = cells.get(key, Cell(t.missing, None))
                row.append(TaggedStr(cell.text, tr.child("TD")))
                commands += self.banded(cell, col, r)
            rows.append(row)
        grid = TaggedTable(
            rows, colWidths=[name_width, *([score_width] * n)], repeatRows=1, hAlign="LEFT"
        )
        grid.setStyle(TableStyle(commands))
        return grid

    def banded(self, cell: Cell, col: int, row: int) -> list[tuple[Any, ...]]:
        """The table style of a score cell in its band's colour (none for a dash)."""
        if cell.band is None:
            return []
        fill, text = self.style.colors.band[cell.band], self.style.colors.text
        return [
            ("BACKGROUND", (col, row), (col, row), rl_color(fill)),
            ("TEXTCOLOR", (col, row), (col, row), rl_color(_ink_on(fill, text))),
        ]

    def row_name(self, country: CountryLine, tr: Tag, extra: Rect) -> _Entry:
        """A table row's country name, a link to the country that covers the whole row
        (``extra``: how far the link reaches beyond the name)."""
        c = self.style.colors
        return _Entry(
            country.name,
            "",
            font=self.fonts.regular,
            size=self.size,
            leading=self.leading,
            color=rl_color(c.text),
            number_color=rl_color(c.muted),
            rule_color=rl_color(c.rule),
            leaders=False,
            target=country.code,
            recorder=self.rec,
            link_extra=extra,
            tag=self.link(tr.child("TH", attrs={"Scope": "Row"}), country.name),
        )

    def score_table(self, region: RegionPart, parent: Tag) -> Flowable:
        t, c = self.plan.texts, self.style.colors
        width = self.geo.frame_width
        n = len(t.score_columns)
        pad = 4.0
        # The headings wrap between words, never inside one: a column is as wide as its
        # longest word ("Autonomisation" is wider than 80 pt less the padding, "Página" than
        # 34 pt), up to where the countries' column would be left too little.
        head, centre, unit = self.header_right, self.header_centre, self.unit
        page_width = max(
            34.0, _widest_word([t.page_column], head.fontName, head.fontSize) + 2 * pad + 1
        )
        longest = max(
            _widest_word([name for name, _ in t.score_columns], centre.fontName, centre.fontSize),
            _widest_word([unit_ for _, unit_ in t.score_columns], unit.fontName, unit.fontSize),
        )
        share = (width - page_width) / max(1, n)  # (of the width the countries leave)
        score_width = min(max(min(80.0, share * 0.55), longest + 2 * pad + 1), share * 0.7)
        name_width = width - page_width - n * score_width
        table_tag = parent.child("Table")
        head = table_tag.child("TR")

        def column(tr: Tag = head) -> Tag:
            return tr.child("TH", attrs={"Scope": "Column"})

        header: list[Any] = [TaggedParagraph(escape(t.country_column), self.header, column())]
        for name, unit in t.score_columns:
            th = column()
            header.append(
                [
                    TaggedParagraph(escape(name), self.header_centre, th),
                    TaggedParagraph(escape(unit), self.unit, th),
                ]
            )
        header.append(TaggedParagraph(escape(t.page_column), self.header_right, column()))
        rows: list[list[Any]] = [header]
        commands: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
            ("FONTSIZE", (0, 1), (-1, -1), self.size),
            ("LEADING", (0, 1), (-1, -1), self.leading),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (1, 1), (n, -1), "CENTER"),
            ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
            ("TEXTCOLOR", (0, 1), (-1, -1), rl_color(c.text)),
            ("TEXTCOLOR", (-1, 1), (-1, -1), rl_color(c.muted)),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, rl_color(c.accent)),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, rl_color(c.rule)),
            ("LINEAFTER", (1, 1), (n - 1, -1), 1.5, colors.white),
        ]
        for r, country in enumerate(region.countries, start=1):
            tr = table_tag.child("TR")
            row: list[Any] = [self.row_name(country, tr, (pad, 1.5, width - name_width + pad, 1.5))]
            for col, cell in enumerate(country.cells, start=1):
                row.append(TaggedStr(cell.text, tr.child("TD")))
                commands += self.banded(cell, col, r)
            row.append(TaggedStr(str(country.page), tr.child("TD")))
            rows.append(row)
        table = TaggedTable(
            rows,
            colWidths=[name_width, *([score_width] * n), page_width],
            repeatRows=1,
            hAlign="LEFT",
        )
        table.setStyle(TableStyle(commands))
        return table

    def index(self) -> list[Any]:
        t = self.plan.texts
        sect = self.part("index")
        out: list[Any] = [
            NextPageTemplate("columns_first"),
            PageBreak(),
            _Title(escape(t.index_title), self.st.h[1], "index", self.rec, sect.child("H1")),
            NextPageTemplate("columns"),
            FrameBreak(),
        ]
        everyone = [c for region in self.plan.regions for c in region.countries]
        letter = ""
        entries = sect.child("L", attrs={"ListNumbering": "None"})
        for country in sorted(everyone, key=lambda c: sort_key(c.name)):
            initial = _initial(country.name)
            if initial != letter:
                # each letter: a heading, then its countries as a list
                entries = Tag("L", sect, attrs={"ListNumbering": "None"})
            item = entries.child("LI").child("LBody")
            line = self.entry(country.name, country.page, parent=item, target=country.code)
            if initial != letter:
                letter = initial
                head = _Entry(
                    initial,
                    "",
                    font=self.fonts.bold,
                    size=self.size + 1,
                    leading=self.leading * 1.1,
                    color=rl_color(self.style.colors.accent),
                    number_color=rl_color(self.style.colors.accent),
                    rule_color=rl_color(self.style.colors.rule),
                    leaders=False,
                    space_before=self.leading * 0.5,
                    tag=sect.child("H2"),
                )
                out.append(KeepTogether([head, line]))
            else:
                out.append(line)
        return out

    def story(self) -> list[Any]:
        story = self.cover() + self.about() + self.contents()
        for number, region in enumerate(self.plan.regions, start=1):
            story += self.divider(number, region)
        return story + self.appendix() + self.index()


def sort_key(name: str) -> tuple[str, str]:
    """Alphabetical order of names, ignoring accents and case ("Côte" files under C)."""
    folded = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return bare.casefold(), name


def _initial(name: str) -> str:
    bare = sort_key(name)[0]
    return bare[:1].upper() if bare else "#"


class _MatterDocument(BaseDocTemplate):  # type: ignore[misc]
    """Page templates of the compendium's own pages: cover, body, columns, divider."""

    def __init__(
        self,
        buffer: io.BytesIO,
        plan: MatterPlan,
        style: Style,
        fonts: FontSet,
        geo: Geometry,
    ) -> None:
        super().__init__(
            buffer,
            pagesize=(geo.width, geo.height),
            leftMargin=geo.left,
            rightMargin=geo.right,
            topMargin=geo.top,
            bottomMargin=geo.bottom,
            title=plan.title,
            author=plan.texts.publisher,
            subject=plan.subject,
            keywords=list(plan.keywords),
            creator="reportgen",
            lang=plan.language,
            initialFontName=fonts.regular,
            invariant=1,
            pageCompression=1,
        )
        self.plan, self.style, self.fonts, self.geo = plan, style, fonts, geo
        self.mark_tag: Tag | None = None  # the cover's illustrative mark is real content

        def frame(fid: str, x: float, y: float, w: float, h: float) -> FrameOfPage:
            return FrameOfPage(
                x, y, w, h, id=fid, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0
            )

        g = geo
        column = (g.frame_width - _COLUMN_GAP) / 2
        right_x = g.left + column + _COLUMN_GAP

        def columns(top: float, prefix: str) -> list[FrameOfPage]:
            height = top - g.bottom
            return [
                frame(f"{prefix}-left", g.left, g.bottom, column, height),
                frame(f"{prefix}-right", right_x, g.bottom, column, height),
            ]

        body_top = g.height - g.top
        cover_band = _COVER_BAND * g.height
        divider_band = _DIVIDER_BAND * g.height
        title_height = 17 * mm
        self.addPageTemplates(
            [
                PageTemplate(
                    "cover",
                    [
                        frame(
                            "cover-top",
                            g.left,
                            g.height - cover_band + 16 * mm,
                            g.frame_width,
                            cover_band - 16 * mm - 34 * mm,
                        ),
                        frame(
                            "cover-bottom",
                            g.left,
                            g.bottom,
                            g.frame_width,
                            g.height - cover_band - g.bottom - 14 * mm,
                        ),
                    ],
                    onPage=self._cover_page,
                ),
                PageTemplate(
                    "body",
                    [frame("body", g.left, g.bottom, g.frame_width, g.frame_height)],
                    onPage=self._body_page,
                ),
                PageTemplate(
                    "columns_first",
                    [
                        frame(
                            "title", g.left, body_top - title_height, g.frame_width, title_height
                        ),
                        *columns(body_top - title_height, "cf"),
                    ],
                    onPage=self._body_page,
                ),
                PageTemplate("columns", columns(body_top, "c"), onPage=self._body_page),
                PageTemplate(
                    "divider",
                    [
                        frame(
                            "divider-top",
                            g.left,
                            g.height - divider_band + 12 * mm,
                            g.frame_width,
                            divider_band - 12 * mm - 20 * mm,
                        ),
                        # the region's table of scores, full width, under the band
                        frame(
                            "divider-table",
                            g.left,
                            g.bottom,
                            g.frame_width,
                            g.height - divider_band - 10 * mm - g.bottom,
                        ),
                    ],
                    onPage=self._divider_page,
                ),
            ]
        )

    def beforeDocument(self) -> None:  # noqa: N802 (reportlab's name)
        doc = self.canv._doc
        doc.setDateFormatter(lambda *_: self.plan.created)
        seed_first_subsets(doc, self.fonts, self.plan.font_order)

    # -- page callbacks ------------------------------------------------------------------
    def _mark(self, canvas: Canvas, y: float, tag: Tag | None = None) -> None:
        mark = self.plan.texts.illustrative_mark
        illustrative_mark(canvas, self.geo, self.style, self.fonts, mark, y, tag)

    def _footer(self, canvas: Canvas) -> None:
        geo, f, c = self.geo, self.style.fonts, self.style.colors
        index = self.page - 1
        folios = self.plan.folios
        folio = folios[index] if index < len(folios) else self.plan.folio_placeholder
        y = geo.bottom - 12 * mm + 2
        with artifact(canvas, "/Type /Pagination /Subtype /Footer"):
            canvas.setFont(self.fonts.regular, f.small_size)
            canvas.setFillColor(rl_color(c.muted))
            canvas.drawString(geo.left, y, self.plan.texts.publisher)
            if folio:
                canvas.drawRightString(geo.width - geo.right, y, folio)

    def _cover_page(self, canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        band(canvas, self.geo, self.style, _COVER_BAND)
        self._mark(canvas, self.geo.height - 12 * mm, tag=self.mark_tag)
        self._footer(canvas)
        canvas.restoreState()

    def _divider_page(self, canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        band(canvas, self.geo, self.style, _DIVIDER_BAND)
        self._mark(canvas, self.geo.height - 12 * mm)
        self._footer(canvas)
        canvas.restoreState()

    def _body_page(self, canvas: Canvas, doc: Any) -> None:
        geo = self.geo
        canvas.saveState()
        running_head(canvas, geo, self.style, self.fonts, self.plan.texts.running_head)
        self._mark(canvas, geo.height - 9 * mm)
        self._footer(canvas)
        canvas.restoreState()


class _SizingText(PDFTextObject):  # type: ignore[misc]
    """A text object that encodes no text (the cost of setting it): its cursor moves as the
    real one's, and what the sizing pass draws is thrown away."""

    def _formatText(self, text: str) -> str:  # noqa: N802 (reportlab's name)
        return ""


class _SizingCanvas(Canvas):  # type: ignore[misc]
    """A canvas for the sizing pass: pages, frames, positions and anchors as the real pass
    has them (layout never reads what was drawn), but its text objects set no text (most of
    the drawing's cost) and it writes no PDF; the pass only counts pages."""

    def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> PDFTextObject:  # noqa: N802
        return _SizingText(self, x, y, direction)

    def save(self) -> None:
        pass


def render_matter(
    plan: MatterPlan, style: Style, *, tagged: bool = True, sizing: bool = False
) -> RenderedMatter:
    """Lay out the compendium's own pages described by ``plan``; return the PDF and its map.

    The PDF is tagged (``tagged=False``: not, for measuring the cost); its structure has no
    link annotations yet (the compendium adds them to the ``Link`` elements). ``sizing``:
    only the page count, anchors and links, as the real layout has them; no PDF (``pdf`` is
    empty) and no text set, for the pass that numbers the pages.
    """
    fonts = register_fonts()
    geo = page_geometry(style)
    buffer = io.BytesIO()
    recorder = _Recorder()
    doc = _MatterDocument(buffer, plan, style, fonts, geo)
    layout = _Layout(plan, style, fonts, geo, recorder)
    doc.mark_tag = layout.mark_tag
    story = layout.story()
    tagged = tagged and not sizing
    maker = _SizingCanvas if sizing else TaggingCanvas if tagged else Canvas
    doc.build(story, canvasmaker=maker)
    data = buffer.getvalue()
    untagged: tuple[str, ...] = ()
    if tagged:
        tagger = doc.canv.tagger
        info = DocumentInfo(
            plan.title,
            plan.texts.publisher,
            plan.subject,
            ", ".join(plan.keywords),
            plan.language,
            plan.created,
        )
        # No object streams: the compendium reads these pages once, and faster without.
        data = finish(data, tagger, info, object_streams=False)
        untagged = tuple(tagger.stray)
    return RenderedMatter(data, doc.page, recorder.anchors, tuple(recorder.links), untagged)
