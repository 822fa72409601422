"""Layout stage: ``Report`` + recorded charts + ``Style`` → PDF bytes (reportlab Platypus).

In:  a ``Report`` (the model), ``{chart id: VectorDrawing}`` from the charts stage, a ``Style``.
Out: the bytes of a PDF: cover page, running header (country, release) and footer
     ("page X of Y") drawn in page callbacks, headings with bookmarks (outline) and anchors,
     key-figure panels linking to their sections, charts as vector graphics with embedded,
     searchable text, tables, metadata, and the illustrative-data mark on every page.

Every flowable is created in ``_Story`` (one place), each with its structure tag, and running
heads are drawn only in page callbacks, as artifacts: the PDF is tagged (PDF/UA-1, see
``reportgen.layout.tagging``), with a structure tree written after the build. The build is multi-pass: the
page count of one pass numbers the footers of the next (the widely copied "NumberedCanvas"
recipe would break every bookmark and link). Output is byte-reproducible: reportlab's
invariant mode and a creation date taken from the release.

Page geometry, paragraph styles, the page chrome and the folio come from
``reportgen.layout.chrome``, shared with the compendium's own pages; the folio and the seeded
font subsets keep the layout's side of the binding contract stated there.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    FrameBreak,
    KeepInFrame,
    KeepTogether,
    ListItem,
    NextPageTemplate,
    PageTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as RLParagraph

from reportgen.layout._fonts import FontSet, register_fonts, register_text_faces
from reportgen.layout._replay import VectorFlowable
from reportgen.layout.chrome import (
    LOGO_COVER_HEIGHT,
    LOGO_HEAD_HEIGHT,
    FrameOfPage,
    Geometry,
    ParagraphStyles,
    band,
    define_folio,
    illustrative_mark,
    logo_flowable,
    markup,
    page_geometry,
    place_folio,
    rl_color,
    running_head,
    seed_first_subsets,
    text_markup,
)
from reportgen.layout.tagging import (
    DocumentInfo,
    Tag,
    TaggedFigure,
    TaggedList,
    TaggedParagraph,
    TaggedTable,
    TaggingCanvas,
    artifact,
    finish,
)
from reportgen.model import (
    Block,
    BulletList,
    Chart,
    ChartRow,
    KeyFigures,
    Paragraph,
    Quote,
    Report,
    Section,
    Span,
    Table,
)
from reportgen.style import Style
from reportgen.vector import VectorDrawing

# A section of at most this many paragraphs and nothing else is kept whole instead.
SHORT_SECTION = 5
# A section kept whole moves to the next page only when this share of the frame, or less, is
# left where it would start; with more room it splits (two lines at least on each side).
GAP_LIMIT = 0.12
# A chart that ends a section and does not fit where it falls lets the next section's opening
# text go first when more than this share of the page would be left blank otherwise.
SPILL_GAP = 0.15
# Space a heading needs below it before it may start a page region (heading + a few lines).
KEEP_BELOW = {1: 0.2, 2: 120.0, 3: 110.0, 4: 100.0}


# --- flowables -------------------------------------------------------------------------


class _Heading(TaggedParagraph):
    """A heading that sets its bookmark (destination + outline entry) where it is drawn."""

    def __init__(
        self,
        text: str,
        style: ParagraphStyle,
        key: str,
        title: str,
        level: int,
        tag: Tag | None = None,
    ) -> None:
        super().__init__(text, style, tag)
        self.key, self.title, self.level = key, title, level

    def draw(self) -> None:
        self.canv.bookmarkHorizontal(self.key, 0, self.height + 4)
        self.canv.addOutlineEntry(self.title, self.key, self.level, closed=self.level >= 2)
        super().draw()


class _Story:
    """Turns the model's blocks into flowables: the one place flowables are created."""

    def __init__(
        self,
        report: Report,
        drawings: Mapping[str, VectorDrawing],
        style: Style,
        fonts: FontSet,
        geometry: Geometry,
        compact: Mapping[str, Callable[[], VectorDrawing]],
    ) -> None:
        self.report = report
        self.drawings = drawings
        self.compact = compact
        self.style = style
        self.fonts = fonts
        self.geo = geometry
        # running text in the publisher's own face where the style has one (charts, heads
        # and folios keep the family's: the binding contract's folio font, chart metrics)
        text = register_text_faces(style.fonts.text_faces) if style.fonts.text_faces else fonts
        self.st = ParagraphStyles(style, text, geometry.frame_width)
        self.titles = {s.id: s.title for s in report.walk()}
        # The cover: its own section; the illustrative mark drawn on it is its first paragraph.
        self.cover_tag = Tag("Sect")
        self.mark_tag = self.cover_tag.child("P")

    def paragraph(self, block: Paragraph, parent: Tag | None) -> Flowable:
        style = {"lead": self.st.lead, "note": self.st.note, "caveat": self.st.caveat}.get(
            block.role, self.st.body
        )
        return TaggedParagraph(
            self._markup(block.spans), style, _linked(_child(parent, "P"), block.spans)
        )

    def _markup(self, spans: tuple[Span, ...]) -> str:
        return markup(spans, self.style.colors.accent.hex)

    def quote(self, block: Quote, parent: Tag | None) -> Flowable:
        """An editor's pull quote (``BlockQuote``: its paragraphs, then its source), set
        beside a rule in the accent colour and kept whole."""
        tag = _child(parent, "BlockQuote")
        parts: list[Flowable] = [
            TaggedParagraph(self._markup(p), self.st.quote, _linked(tag.child("P"), p))
            for p in block.paragraphs
        ]
        parts.append(
            TaggedParagraph(
                f"— {text_markup(block.attribution)}", self.st.quote_source, tag.child("P")
            )
        )
        return _Pulled(parts, rl_color(self.style.colors.accent), self.style.fonts.body_size)

    def bullets(self, block: BulletList, parent: Tag | None) -> Flowable:
        """A bulleted list (one ``L``); a long list of short items is set in two columns,
        read down the first, then the second."""
        lst = _child(parent, "L", attrs={"ListNumbering": "Disc"})
        columns = len(block.items) >= COLUMN_LIST_ITEMS and all(
            len(text) <= COLUMN_LIST_CHARS for text in block.texts
        )
        style = self.st.column_item if columns else self.st.list_item
        items = [
            ListItem(
                TaggedParagraph(
                    self._markup(item), style, _linked(lst.child("LI").child("LBody"), item)
                ),
                leftIndent=12,
                value="•",
            )
            for item in block.items
        ]
        if not columns:
            return self._list(items)
        half = (len(items) + 1) // 2
        return _Columns([self._list(items[:half]), self._list(items[half:])], ROW_GAP)

    def _list(self, items: list[ListItem]) -> Flowable:
        return TaggedList(
            items,
            bulletType="bullet",
            start="•",
            leftIndent=12,
            bulletFontName=self.fonts.regular,
            bulletFontSize=self.style.fonts.body_size,
            bulletColor=rl_color(self.style.colors.accent),
            spaceAfter=6,
        )

    def key_figures(self, block: KeyFigures, parent: Tag | None) -> Flowable:
        """A panel of headline figures; read as a list: each figure's label, value, band."""
        c = self.style.colors
        n = max(1, len(block.figures))
        col = self.geo.frame_width / n
        labels, values, bands = [], [], []
        panel = _child(parent, "L", attrs={"ListNumbering": "None"})
        for fig in block.figures:
            body = panel.child("LI").child("LBody")
            value = text_markup(fig.value)
            value_tag = body.child("P")
            if fig.target and fig.target in self.titles:  # (a profile has no such section)
                value = f'<a href="#{fig.target}" color="{c.accent.hex}">{value}</a>'
                title = self.titles.get(fig.target, fig.label)
                value_tag = value_tag.child("Link", contents=f"{fig.label}: {title}")
            labels.append(
                TaggedParagraph(text_markup(fig.label), self.st.figure_label, body.child("P"))
            )
            values.append(TaggedParagraph(value, self.st.figure_value, value_tag))
            chip = c.band[fig.band].hex if fig.band else c.muted.hex
            bands.append(
                TaggedParagraph(
                    f'<font color="{chip}">■</font> {text_markup(fig.band_label)}',
                    self.st.figure_band,
                    body.child("P"),
                )
            )
        table = TaggedTable([labels, values, bands], colWidths=[col] * n)
        commands: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (-1, -1), rl_color(c.panel)),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, 0), 9),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 9),
            ("TOPPADDING", (0, 1), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -2), 1),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
        ]
        for i in range(1, n):
            commands.append(("LINEBEFORE", (i, 0), (i, -1), 0.75, colors.white))
        for i, fig in enumerate(block.figures):
            if fig.band:
                commands.append(("LINEABOVE", (i, 0), (i, 0), 3, rl_color(c.band[fig.band])))
        table.setStyle(TableStyle(commands))
        return KeepTogether([table, Spacer(1, 10)])

    def table(self, block: Table, parent: Tag | None) -> Flowable | list[Flowable]:
        """A table: column headers (TH, scope Column), and each row's first cell as its header."""
        c = self.style.colors
        tag = _child(parent, "Table")

        def cell(text: str, right: bool, head: bool, cell_tag: Tag) -> Flowable:
            style = (
                (self.st.cell_head_right if right else self.st.cell_head)
                if head
                else (self.st.cell_right if right else self.st.cell)
            )
            return TaggedParagraph(text_markup(text), style, cell_tag)

        def row(texts: tuple[str, ...], head: bool) -> list[Flowable]:
            tr = tag.child("TR")
            return [
                cell(
                    t,
                    r,
                    head,
                    tr.child("TH", attrs={"Scope": "Column"})
                    if head
                    else tr.child("TH", attrs={"Scope": "Row"})
                    if i == 0
                    else tr.child("TD"),
                )
                for i, (t, r) in enumerate(zip(texts, block.numeric, strict=True))
            ]

        data = [row(block.header, True)] + [row(r, False) for r in block.rows]
        columns = len(block.header)
        if columns > 2 and all(block.numeric[1:]):
            # Labels and figures (the groups at risk): each figure column as wide as its
            # widest text, the labels the rest, so that they wrap as little as they can.
            figures = [self._column_width(block, i) for i in range(1, columns)]
            widths = [self.geo.frame_width - sum(figures), *figures]
        else:
            first = self.geo.frame_width * (0.78 if columns == 2 else 0.5)
            widths = [first] + [(self.geo.frame_width - first) / max(1, columns - 1)] * (
                columns - 1
            )
        table = TaggedTable(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, rl_color(c.accent)),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.3, rl_color(c.rule)),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        parts: list[Flowable] = [table]
        if block.caption:
            parts.append(
                TaggedParagraph(text_markup(block.caption), self.st.caption, _child(parent, "P"))
            )
        # Short tables stay whole; long ones split between rows, repeating the header.
        return KeepTogether(parts) if len(block.rows) <= 12 else parts

    def _column_width(self, block: Table, column: int) -> float:
        """The width column ``column`` of ``block`` needs: its widest cell or header, in the
        cells' fonts, with the cells' padding and a margin (at least an eighth of the frame, so
        that a column of short figures does not look squeezed)."""
        head, body = self.st.cell_head_right, self.st.cell_right
        widest: float = max(
            [stringWidth(block.header[column], head.fontName, head.fontSize)]
            + [stringWidth(row[column], body.fontName, body.fontSize) for row in block.rows]
        )
        return max(widest + 2 * 2 + 10, self.geo.frame_width / 8.0)

    def chart(self, block: Chart, parent: Tag | None) -> _Figure:
        """A chart kept whole: space, the figure, its caption if any; with its compact form
        as the alternative where the chart has one (the same tags: only one is drawn)."""
        figure_tag = _child(parent, "Figure", alt=block.alt)
        caption_tag = _child(parent, "P") if block.caption else None

        def parts(drawing: VectorDrawing) -> list[Flowable]:
            width = min(self.geo.frame_width, drawing.width)
            vector = VectorFlowable(drawing, width=width, fonts=self.fonts)
            made: list[Flowable] = [Spacer(1, 4), TaggedFigure(vector, figure_tag)]
            if caption_tag is not None:
                made.append(
                    TaggedParagraph(text_markup(block.caption), self.st.caption, caption_tag)
                )
            else:
                made.append(Spacer(1, self.style.fonts.body_size * 0.7))
            return made

        small = self.compact.get(block.id)
        return _Figure(
            parts(self.drawings[block.id]),
            (lambda: parts(small())) if small is not None else None,
        )

    def row(self, block: ChartRow, parent: Tag | None) -> _Figure:
        """Charts side by side, each a figure in reading order, their captions below; whole."""
        figures = []
        captions = []
        for chart in block.charts:
            drawing = self.drawings[chart.id]
            vector = VectorFlowable(drawing, width=drawing.width, fonts=self.fonts)
            figures.append(TaggedFigure(vector, _child(parent, "Figure", alt=chart.alt)))
            if chart.caption:
                captions.append(
                    TaggedParagraph(
                        text_markup(chart.caption), self.st.caption, _child(parent, "P")
                    )
                )
        parts: list[Flowable] = [Spacer(1, 4), _Row(figures, ROW_GAP)]
        parts += captions or [Spacer(1, self.style.fonts.body_size * 0.7)]
        return _Figure(parts)

    def block(self, block: Block, parent: Tag | None) -> list[Flowable]:
        made: Flowable | list[Flowable]
        if isinstance(block, Paragraph):
            made = self.paragraph(block, parent)
        elif isinstance(block, BulletList):
            made = self.bullets(block, parent)
        elif isinstance(block, Quote):
            made = self.quote(block, parent)
        elif isinstance(block, KeyFigures):
            made = self.key_figures(block, parent)
        elif isinstance(block, Table):
            made = self.table(block, parent)
        elif isinstance(block, ChartRow):
            made = self.row(block, parent)
        else:
            made = self.chart(block, parent)
        return made if isinstance(made, list) else [made]

    def section(self, section: Section, parent: Tag | None = None) -> list[Flowable]:
        keep = KEEP_BELOW.get(section.level, 100.0)
        need = keep * self.geo.frame_height if keep < 1 else keep
        # (identified: a book of reports finds and leaves out the sections it gives once)
        sect = _child(parent, "Sect", ident=f"section:{section.id}")
        out: list[Flowable] = [CondPageBreak(need)]
        heading = _Heading(
            text_markup(section.title),
            self.st.h[min(section.level, 4)],
            section.id,
            section.title,
            section.level - 1,
            sect.child(f"H{min(max(section.level, 1), 6)}"),
        )
        if _short_text(section):
            # a short section of text only (the sources, who is at risk) is kept whole where
            # it fits: it asks for no more room than it takes
            flowables: list[Flowable] = [heading]
            for block in section.blocks:
                flowables += self.block(block, sect)
            return [_Whole(flowables, GAP_LIMIT * self.geo.frame_height)]
        # The heading stays with the text under it; a chart that does not fit where it falls
        # floats to the next page, the text that follows it filling this one first.
        blocks = list(section.blocks)
        if blocks and (
            not isinstance(blocks[0], (Chart, ChartRow))
            or len(blocks) == 1
            or not isinstance(blocks[1], Paragraph)
        ):
            # (a heading over a chart that no text follows goes with the chart: it is never
            # left alone at a page foot; a chart with text after it floats, the heading and the
            # text filling the page first)
            first = self.block(blocks[0], sect)
            if isinstance(first[0], _Figure):
                # (the heading joins the figure's parts, in either form: a KeepTogether inside
                # another wraps as endless)
                chart = first[0]
                out.append(
                    _Figure(
                        [heading, *chart._content],
                        partial(_headed, heading, chart) if chart.has_compact else None,
                    )
                )
            else:
                out.append(KeepTogether([heading, *first]))
            blocks = blocks[1:]
        else:
            out.append(heading)
        i = 0
        floated: set[int] = set()  # children set as part of a float
        while i < len(blocks):
            block = blocks[i]
            if isinstance(block, (Chart, ChartRow)):
                # (tags are made in reading order: the chart's first, then what follows it)
                figure = (
                    self.row(block, sect)
                    if isinstance(block, ChartRow)
                    else self.chart(block, sect)
                )
                j = i + 1
                while j < len(blocks) and isinstance(blocks[j], Paragraph):
                    j += 1
                after: list[Flowable] = []
                for text in blocks[i + 1 : j]:
                    after += self.block(text, sect)
                rest: list[Flowable] = []
                if j == len(blocks):
                    # The section's last chart: the text of its children up to their first
                    # chart may fill the page before it (the chart then opens the next page).
                    for k, child in enumerate(section.children):
                        made = self.section(child, sect)
                        floated.add(k)
                        cut = next(
                            (n for n, f in enumerate(made) if isinstance(f, (_Float, _Figure))),
                            None,
                        )
                        if cut is None:
                            after += made
                            continue
                        after += made[:cut]
                        rest = made[cut:]
                        break
                out.append(_Float(figure, after))
                out += rest
                i = j
            else:
                out += self.block(block, sect)
                i += 1
        for k, child in enumerate(section.children):
            if k in floated:
                continue
            made = self.section(child, sect)
            last = _last_float(out[-1]) if out else None
            if last is not None and last.spills:
                # A section that ends with a chart too tall for the rest of its page: the
                # opening text of the next section may fill that page first (a float, as
                # books set them) rather than leave a quarter of it or more blank.
                cut = next(
                    (n for n, f in enumerate(made) if isinstance(f, (_Float, _Figure))),
                    len(made),
                )
                if any(not isinstance(f, (CondPageBreak, _Heading)) for f in made[:cut]):
                    nxt = made[cut] if cut < len(made) else None
                    then = nxt if isinstance(nxt, _Float) and nxt.spills else None
                    gap = SPILL_GAP * self.geo.frame_height
                    last.spill_into(made[:cut], then, gap)
                    made = made[cut + (then is not None) :]
            out += made
        return out

    def cover(self) -> list[Flowable]:
        cover = self.report.cover
        st = self.st
        sect = self.cover_tag
        out: list[Flowable] = []
        brand = self.report.brand
        if brand is not None:  # the publisher's logo, top right, a figure with its words
            logo = logo_flowable(brand.logo, LOGO_COVER_HEIGHT, self.geo.frame_width / 3)
            logo.hAlign = "RIGHT"
            out += [TaggedFigure(logo, sect.child("Figure", alt=brand.alt)), Spacer(1, 6)]
        out += [
            TaggedParagraph(text_markup(cover.kicker), st.cover_kicker, sect.child("P")),
            Spacer(1, 14),
            TaggedParagraph(text_markup(cover.title), st.cover_title, sect.child("H1")),
        ]
        if cover.subtitle:  # (a profile has none)
            out.append(
                TaggedParagraph(text_markup(cover.subtitle), st.cover_subtitle, sect.child("P"))
            )
        if cover.intro:  # an editor's lede: the angle, under the title, before the data's
            out.append(
                TaggedParagraph(
                    markup(cover.intro, "#ffffff"),
                    st.cover_intro,
                    _linked(sect.child("P"), cover.intro),
                )
            )
        if cover.lede:
            out.append(TaggedParagraph(text_markup(cover.lede), st.cover_lede, sect.child("P")))
        if cover.publisher:  # who publishes the report, when not the data's author: last
            out.append(
                TaggedParagraph(text_markup(cover.publisher), st.cover_publisher, sect.child("P"))
            )
        # A long name or a long statement (French runs a tenth longer) is set a little smaller
        # rather than run out of the band. The first page states the findings: the headline
        # figures and the key findings section follow under the band, on the same page.
        band = KeepInFrame(
            self.geo.frame_width,
            cover_band_text_height(self.geo, band_share(self.report, self.geo, self.style)),
            out,
            mode="shrink",
        )
        out = [band, FrameBreak(), NextPageTemplate("body")]
        if cover.figures.figures:
            out.append(self.key_figures(cover.figures, sect))
        return out

    def build(self) -> list[Flowable]:
        story = self.cover()
        sections = self.report.sections
        for i, section in enumerate(sections):
            made = self.section(section)
            figures = _trailing_figures(made)
            if i == len(sections) - 2 and figures and _short_text(sections[-1]):
                # A chapter that ends with figures, before a short closing text (a profile's
                # scorecard, or its charts, then its sources): where the first of them does not
                # fit but the text does, the text ends this page and the figures open the next.
                tail = self.section(sections[-1])
                run = _Float(figures[0], tail, only_if_fits=True, rest=figures[1:])
                return story + made[: len(made) - len(figures)] + [run]
            story += made
        return story


class _Row(Flowable):  # type: ignore[misc]
    """Figures side by side, top-aligned, ``gap`` points apart; drawn left to right."""

    def __init__(self, figures: list[Flowable], gap: float) -> None:
        super().__init__()
        self._figures, self._gap = figures, gap

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # noqa: N803
        sizes = [f.wrap(aW, aH) for f in self._figures]
        self.width = sum(w for w, _ in sizes) + self._gap * (len(sizes) - 1)
        self.height = max((h for _, h in sizes), default=0.0)
        return self.width, self.height

    def draw(self) -> None:
        x = 0.0
        for figure in self._figures:
            figure.drawOn(self.canv, x, self.height - figure.height)
            x += figure.width + self._gap


# A list of at least this many items, none longer than this many characters, takes two columns.
COLUMN_LIST_ITEMS = 6
COLUMN_LIST_CHARS = 56


class _Columns(Flowable):  # type: ignore[misc]
    """Flowables side by side in equal columns ``gap`` apart, top-aligned (never split)."""

    def __init__(self, parts: list[Flowable], gap: float) -> None:
        super().__init__()
        self._parts, self._gap = parts, gap

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # noqa: N803
        self._column = (aW - self._gap * (len(self._parts) - 1)) / len(self._parts)
        heights = [p.wrapOn(self.canv, self._column, aH)[1] for p in self._parts]
        self.width, self.height = aW, max(heights, default=0.0)
        return self.width, self.height

    def draw(self) -> None:
        for i, part in enumerate(self._parts):
            part.drawOn(self.canv, i * (self._column + self._gap), self.height - part.height)


def _trailing_figures(made: list[Flowable]) -> list[_Figure]:
    """The figures that end a section's flowables with nothing after them: a lone figure
    under its heading, or charts each a float with no text to fill the page before it."""
    figures: list[_Figure] = []
    for item in reversed(made):
        if isinstance(item, _Figure):
            figures.append(item)
        elif isinstance(item, _Float) and not item._after and not item._rest:
            figures.append(item._chart)
        else:
            break
    return figures[::-1]


def _short_text(section: Section) -> bool:
    """Whether ``section`` is a short text only (what ``_Whole`` keeps together)."""
    return (
        not section.children
        and len(section.blocks) <= SHORT_SECTION
        and all(isinstance(b, Paragraph) for b in section.blocks)
    )


def _headed(heading: Flowable, chart: _Figure) -> list[Flowable]:
    """``chart``'s compact parts under ``heading``."""
    return [heading, *chart.compact_parts()]


class _Whole(KeepTogether):  # type: ignore[misc]
    """Flowables kept together where the page has little room left (at most ``gap`` points):
    they then open the next page; with more room they split as text does, rather than leave
    the rest of the page blank. The heading always keeps its first paragraph."""

    def __init__(self, flowables: list[Flowable], gap: float) -> None:
        super().__init__(flowables)
        self._gap = gap

    def split(self, aW: float, aH: float) -> list[Flowable]:  # noqa: N803
        if aH > self._gap and len(self._content) >= 3:
            head = KeepTogether(self._content[:2])
            head.wrapOn(self.canv, aW, aH)  # (sets _H: a KeepTogether wraps as endless)
            if aH >= head._H:
                # (the frame places the first part whole: a zero-height spacer, then the
                # heading and its paragraph, which fit, and the rest splitting as text does)
                return [Spacer(0, 0), *self._content]
        return super().split(aW, aH)  # type: ignore[no-any-return]


class _Figure(KeepTogether):  # type: ignore[misc]
    """A chart (or a row of charts) with its caption, kept whole: what a float places.

    ``compact`` is the same chart in its compact form (shorter, the same text at the same
    size), set instead where the page has room for it but not for the chart."""

    def __init__(
        self, parts: list[Flowable], compact: Callable[[], list[Flowable]] | None = None
    ) -> None:
        super().__init__(parts)
        self._make_compact = compact  # drawn only when first asked for (most never are)
        self._compact: _Figure | None = None

    @property
    def has_compact(self) -> bool:
        return self._make_compact is not None

    def compact_parts(self) -> list[Flowable]:
        """The compact form's parts (drawn on first use, then kept)."""
        if self._compact is None:
            assert self._make_compact is not None
            self._compact = _Figure(self._make_compact())
        return list(self._compact._content)

    def fits_compact(self, canv: Canvas, aW: float, aH: float) -> bool:  # noqa: N803
        """Whether the compact form fits in ``aH`` where the chart itself does not."""
        if self._make_compact is None:
            return False
        self.wrapOn(canv, aW, aH)
        if aH >= self._H:
            return False
        self.compact_parts()
        assert self._compact is not None
        self._compact.wrapOn(canv, aW, aH)
        return bool(aH >= self._compact._H)

    def split(self, aW: float, aH: float) -> list[Flowable]:  # noqa: N803
        if self.fits_compact(self.canv, aW, aH):
            # (a zero-height spacer first: the frame places the first part without asking)
            assert self._compact is not None
            return [Spacer(0, 0), self._compact]
        return super().split(aW, aH)  # type: ignore[no-any-return]


class _Float(Flowable):  # type: ignore[misc]
    """A chart and the paragraphs after it: the chart first where it fits, else the paragraphs
    fill the rest of this page and the chart opens the next (a float, as books set them).
    ``only_if_fits``: the paragraphs go first only when all of them fit the rest of the page
    (otherwise the order is kept: the chart, then the paragraphs, on the next page); ``rest``:
    more charts that come between the chart and the paragraphs, each set where it fits, the
    paragraphs taking the place of the first that does not; ``min_gap``: with ``only_if_fits``,
    the paragraphs go first only where more than this many points are left (less is a page
    foot the chart may leave blank)."""

    def __init__(
        self,
        chart: _Figure,
        after: list[Flowable],
        *,
        only_if_fits: bool = False,
        rest: Sequence[_Figure] = (),
        min_gap: float = 0.0,
    ) -> None:
        super().__init__()
        self._chart, self._after, self._only_if_fits = chart, after, only_if_fits
        self._rest = list(rest)
        self._min_gap = min_gap
        self._spill: _Fill | None = None

    @property
    def spills(self) -> bool:
        """Whether the next section's opening text may follow this float (``spilling``)."""
        return bool(self._after) and not self._only_if_fits and not self._rest and not self._spill

    def spill_into(self, opening: list[Flowable], then: _Float | None, gap: float) -> None:
        """Let the next section's ``opening`` text and ``then``, that section's first chart
        if it is a float, follow this float: where this chart does not fit after its own
        paragraphs, that text fills the page before it (see ``_Fill``)."""
        self._spill = _Fill(self._chart, opening, then, gap)

    def continued(self, after: list[Flowable]) -> _Float:
        """This float's chart with ``after`` for its paragraphs, what follows it kept."""
        made = _Float(self._chart, after)
        made._spill = self._spill
        return made

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # noqa: N803
        return aW, 0xFFFFFF  # always split: the frame asks where the parts go

    def split(self, aW: float, aH: float) -> list[Flowable]:  # noqa: N803
        self._chart.wrapOn(self.canv, aW, aH)
        if aH >= self._chart._H or not self._after or self._chart.fits_compact(self.canv, aW, aH):
            if self._rest:  # the next chart decides in its turn
                later = _Float(self._rest[0], self._after, only_if_fits=True, rest=self._rest[1:])
                return [Spacer(0, 0), self._chart, later]
            return [Spacer(0, 0), self._chart, *self._after, *self._next()]
        if self._only_if_fits:
            if aH <= self._min_gap:
                return [Spacer(0, 0), self._chart, *self._rest, *self._after]
            height = 0.0
            for part in self._after:
                if isinstance(part, CondPageBreak):
                    # (its wrap would break the frame: it asks for room, it takes none)
                    if aH - height < part.height:
                        height = aH + 1.0
                    continue
                _, h = part.wrapOn(self.canv, aW, aH)
                # (a KeepTogether wraps as endless: its height is its _H)
                height += getattr(part, "_H", h) if isinstance(part, KeepTogether) else h
                height += part.getSpaceBefore() + part.getSpaceAfter()
            if height > aH:
                return [Spacer(0, 0), self._chart, *self._rest, *self._after]
            return [Spacer(0, 0), *self._after, self._chart, *self._rest]
        # (the frame places the first part whole: a zero-height spacer, then the paragraphs
        # as usual, splitting across the page if they must)
        if self._spill is not None:
            return [Spacer(0, 0), *self._after, self._spill]
        return [Spacer(0, 0), *self._after, self._chart]

    def _next(self) -> list[Flowable]:
        """What follows this float's paragraphs in reading order: the next section's opening
        and first chart where they were given to it (``spilling``), else nothing."""
        if self._spill is None:
            return []
        return [*self._spill._opening, *([self._spill._then] if self._spill._then else [])]


class _Fill(Flowable):  # type: ignore[misc]
    """A chart that did not fit after its section's text, then the next section's opening
    text and that section's first chart (``then``, a float). Where more than ``gap`` points are
    left, the text fills the rest of this page, split between lines as usual (the text after
    ``then``'s chart too, once the opening is set), and the chart opens the next page, followed
    by the rest; with less room the chart simply opens the next page, in reading order."""

    def __init__(
        self, chart: _Figure, opening: list[Flowable], then: _Float | None, gap: float
    ) -> None:
        super().__init__()
        self._chart, self._opening, self._then, self._gap = chart, opening, then, gap

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # noqa: N803
        return aW, 0xFFFFFF  # always split: the frame asks where the parts go

    def split(self, aW: float, aH: float) -> list[Flowable]:  # noqa: N803
        self._chart.wrapOn(self.canv, aW, aH)
        later: list[Flowable] = [self._then] if self._then is not None else []
        in_order: list[Flowable] = [Spacer(0, 0), self._chart, *self._opening, *later]
        if aH >= self._chart._H or aH <= self._gap or self._chart.fits_compact(self.canv, aW, aH):
            return in_order
        text = [*self._opening, *(self._then._after if self._then is not None else [])]
        head, tail, k = _fill(self.canv, text, aW, aH)
        if all(isinstance(f, (CondPageBreak, _Heading)) for f in head):
            return in_order
        if self._then is None:
            return [Spacer(0, 0), *head, self._chart, *tail]
        if k < len(self._opening):  # the page ends in the opening: its chart as it was
            rest = tail[: len(tail) - len(self._then._after)]
            return [Spacer(0, 0), *head, self._chart, *rest, self._then]
        # the page ends in the text after ``then``'s chart: that chart comes next, then the rest
        return [Spacer(0, 0), *head, self._chart, self._then.continued(tail)]


def _last_float(made: Flowable) -> _Float | None:
    """The float that comes last in reading order through ``made``, a float whose opening
    text of the next section and its chart follow it (``_Float.spill_into``), and so on; None
    when ``made`` is not a float."""
    if not isinstance(made, _Float):
        return None
    last: _Float = made
    while last._spill is not None and last._spill._then is not None:
        last = last._spill._then
    return last


def _fill(
    canv: Canvas, parts: list[Flowable], width: float, height: float
) -> tuple[list[Flowable], list[Flowable], int]:
    """``parts`` set ``width`` wide in ``height`` points as a frame would → (what fits, the
    rest, the index of the first part not set whole). A paragraph splits between lines (its
    style's widow and orphan rules hold); a part kept together, or one asking for room (``CondPageBreak``) that
    is not there, ends what fits."""
    head: list[Flowable] = []
    room = height
    for k, part in enumerate(parts):
        if isinstance(part, CondPageBreak):
            if room < part.height:
                return head, parts[k + 1 :], k + 1
            continue
        before, after = part.getSpaceBefore(), part.getSpaceAfter()
        _, h = part.wrapOn(canv, width, room)
        h = getattr(part, "_H", h) if isinstance(part, KeepTogether) else h
        if before + h + after <= room:
            head.append(part)
            room -= before + h + after
            continue
        if isinstance(part, RLParagraph) and not isinstance(part, _Heading):
            pieces = part.split(width, room - before)
            if len(pieces) >= 2:
                return [*head, pieces[0]], [*pieces[1:], *parts[k + 1 :]], k
        return head, parts[k:], k
    return head, [], len(parts)


def _linked(tag: Tag, spans: tuple[Span, ...]) -> Tag:
    """``tag`` with a ``Link`` child for each URL its ``spans`` link to (an editor's inline
    links), described by the linked words and the URL: the tagger puts each link's
    annotation in its Link."""
    links: dict[str, Tag] = {}
    for span in spans:
        if span.href and span.href not in links:
            words = "".join(s.text for s in spans if s.href == span.href).strip()
            links[span.href] = tag.child("Link", contents=f"{words} ({span.href})")
    if links:
        tag.links = links
    return tag


class _Pulled(Flowable):  # type: ignore[misc]
    """Paragraphs set beside a vertical rule (a pull quote), indented, kept whole."""

    def __init__(self, parts: list[Flowable], color: Any, size: float) -> None:
        super().__init__()
        self._parts, self._color = parts, color
        self._indent, self._rule = size * 1.4, max(1.5, size * 0.22)
        self.spaceBefore, self.spaceAfter = size * 0.5, size * 1.0

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # noqa: N803
        width = aW - self._indent
        heights = [p.wrapOn(self.canv, width, aH)[1] for p in self._parts]
        gaps = [p.getSpaceAfter() for p in self._parts[:-1]]
        self.width, self.height = aW, sum(heights) + sum(gaps)
        return self.width, self.height

    def draw(self) -> None:
        with artifact(self.canv):
            self.canv.setStrokeColor(self._color)
            self.canv.setLineWidth(self._rule)
            self.canv.line(self._rule / 2, 0, self._rule / 2, self.height)
        y = self.height
        for i, part in enumerate(self._parts):
            y -= part.height
            part.drawOn(self.canv, self._indent, y)
            if i < len(self._parts) - 1:
                y -= part.getSpaceAfter()


def _child(parent: Tag | None, role: str, **kwargs: Any) -> Tag:
    """A tag under ``parent`` (None: directly under the document)."""
    return Tag(role, parent, **kwargs)


_COVER_BAND = 0.34  # share of the first page filled by the accent band
_PROFILE_BAND = 0.23  # a profile's: its first page holds the findings and who is at risk


def band_share(report: Report, geo: Geometry | None = None, style: Style | None = None) -> float:
    """The share of the first page the accent band fills, for ``report``'s format, grown by
    what a publisher adds to it (on the page ``geo``, in ``style``): the logo, the "Published
    by" line and an editor's lede, so that they are set at their size rather than the band's
    text shrunk."""
    share = _PROFILE_BAND if report.format == "profile" else _COVER_BAND
    if geo is None or style is None:
        return share
    extra = 0.0
    if report.brand is not None:
        extra += LOGO_COVER_HEIGHT + 6
    if report.cover.publisher:
        extra += 16.0
    if report.cover.title != report.country_name:  # an editor's title, longer than a name
        size = style.fonts.h1_size * 1.8  # (ParagraphStyles.cover_title's; leading 2.05)
        lines = math.ceil(len(report.cover.title) * size * 0.55 / geo.frame_width)
        extra += max(0, lines - 1) * style.fonts.h1_size * 2.05
    if report.cover.intro:
        # (lines of the editor's lede at its size: about half an em a character)
        intro = style.fonts.h3_size + 0.5  # (ParagraphStyles.cover_intro's, the lede's size)
        chars = sum(len(s.text) for s in report.cover.intro)
        extra += math.ceil(chars * intro * 0.5 / geo.frame_width) * intro * 1.4 + 4
    # (the estimates above with a tenth and a line's room to spare: a band a little roomy,
    # never text shrunk to fit)
    return share + (extra * 1.1 + (style.fonts.leading if extra else 0.0)) / geo.height


def cover_band_text_height(geo: Geometry, share: float = _COVER_BAND) -> float:
    """The height in points of the cover band's text frame (the band less its margins)."""
    return float(share * geo.height - 8 * mm - 20 * mm)


class _Document(BaseDocTemplate):  # type: ignore[misc]
    """The report's document template: cover and body page templates, running heads."""

    def __init__(
        self, buffer: io.BytesIO, report: Report, style: Style, fonts: FontSet, geo: Geometry
    ) -> None:
        meta = report.metadata
        super().__init__(
            buffer,
            pagesize=(geo.width, geo.height),
            leftMargin=geo.left,
            rightMargin=geo.right,
            topMargin=geo.top,
            bottomMargin=geo.bottom,
            title=meta.title,
            author=meta.author,
            subject=meta.subject,
            keywords=list(meta.keywords),
            creator="reportgen",
            lang=meta.language,
            displayDocTitle=True,
            initialFontName=fonts.regular,
            invariant=1,
            pageCompression=0,  # qpdf compresses every stream once, when the tags are written
        )
        self.report, self.style, self.fonts, self.geo = report, style, fonts, geo
        self.folios: list[tuple[int, float]] = []  # (page, baseline) of each folio
        brand = report.brand  # the publisher's logo in the running head (an artifact)
        self._logo = (
            logo_flowable(brand.logo, LOGO_HEAD_HEIGHT, geo.frame_width / 4) if brand else None
        )
        self.mark_tag: Tag | None = None  # the cover's illustrative mark is real content
        created = meta.created.replace("-", "")
        self._date = f"D:{created}000000+00'00'"
        frame = FrameOfPage(
            geo.left,
            geo.bottom,
            geo.frame_width,
            geo.frame_height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        share = band_share(report, geo, style)
        band = share * geo.height
        cover_top = FrameOfPage(
            geo.left,
            geo.height - band + 8 * mm,
            geo.frame_width,
            cover_band_text_height(geo, share),
            id="cover-top",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        cover_bottom = FrameOfPage(
            geo.left,
            geo.bottom,
            geo.frame_width,
            geo.height - band - geo.bottom - 8 * mm,
            id="cover-bottom",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate("cover", [cover_top, cover_bottom], onPage=self._cover_page),
                PageTemplate("body", [frame], onPage=self._body_page),
            ]
        )

    def beforeDocument(self) -> None:  # noqa: N802
        self.canv._doc.setDateFormatter(lambda *_: self._date)
        # Seeded first subsets, named F1 regular, F2 bold, F3 italic whatever is drawn first:
        # the binding contract (reportgen.layout.chrome), and fonts stored once in the book.
        seed_first_subsets(self.canv._doc, self.fonts)

    # -- page callbacks: running heads, footers, marks ---------------------------------------
    def _mark(self, canvas: Canvas, y: float, tag: Tag | None = None) -> None:
        illustrative_mark(
            canvas, self.geo, self.style, self.fonts, self.report.illustrative_mark, y, tag
        )

    def _footer(self, canvas: Canvas) -> None:
        geo, f, c = self.geo, self.style.fonts, self.style.colors
        y = geo.bottom - 12 * mm + 2
        canvas.setFont(self.fonts.regular, f.small_size)
        canvas.setFillColor(rl_color(c.muted))
        canvas.drawString(geo.left, y, self.report.metadata.author)
        # A form XObject of its own, which the compendium rewrites to number the book's pages
        # (the binding contract, reportgen.layout.chrome), drawn once the page count is known.
        place_folio(canvas, self.page)
        self.folios.append((self.page, y))

    def define_folios(self) -> None:
        """Draw every page's folio form, "page X of Y", now that the last page is laid out."""
        total = self.page
        for number, y in self.folios:
            text = self.report.page_label.format(page=number, pages=total)
            define_folio(self.canv, self.geo, self.style, self.fonts, number, text, y)

    def _cover_page(self, canvas: Canvas, doc: Any) -> None:
        geo = self.geo
        canvas.saveState()
        band(canvas, geo, self.style, band_share(self.report, geo, self.style))
        self._mark(canvas, geo.height - 12 * mm, self.mark_tag)
        with artifact(canvas, "/Type /Pagination /Subtype /Footer"):
            self._footer(canvas)
        canvas.restoreState()

    def _body_page(self, canvas: Canvas, doc: Any) -> None:
        geo = self.geo
        canvas.saveState()
        running_head(canvas, geo, self.style, self.fonts, self.report.running_head, self._logo)
        self._mark(canvas, geo.height - 9 * mm)
        with artifact(canvas, "/Type /Pagination /Subtype /Footer"):
            self._footer(canvas)
        canvas.restoreState()


def text_width(style: Style) -> float:
    """The width of the text column in points (full-width charts are drawn to this width)."""
    return page_geometry(style).frame_width


# Space between the charts of a row, in points.
ROW_GAP = 14.0


def chart_width(style: Style, chart: Chart) -> float:
    """The width a chart is drawn to: the text column, or half of it (less the gap) for a
    chart of a row (``size="half"``)."""
    width = text_width(style)
    return (width - ROW_GAP) / 2 if chart.size == "half" else width


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    """A laid-out report: the file's bytes, its number of pages, and any untagged drawing.

    ``untagged`` describes drawing that was outside every tag (made an artifact by the
    safety net); it is empty for a correct layout.
    """

    data: bytes
    pages: int
    untagged: tuple[str, ...] = ()


def render_pdf(
    report: Report,
    drawings: Mapping[str, VectorDrawing],
    style: Style,
    *,
    compact: Mapping[str, Callable[[], VectorDrawing]] | None = None,
    tagged: bool = True,
) -> RenderedPdf:
    """Lay out ``report``; return the PDF's bytes and page count.

    ``drawings`` has every chart's drawing by chart id; ``compact`` draws, when called, the
    compact form of the charts that have one (set where a page has room for it but not for
    the chart: few are ever drawn). The PDF
    is tagged (PDF/UA-1); ``tagged=False`` skips tagging (for measuring its cost).
    """
    fonts = register_fonts()
    geo = page_geometry(style)
    buffer = io.BytesIO()
    doc = _Document(buffer, report, style, fonts, geo)
    builder = _Story(report, drawings, style, fonts, geo, compact or {})
    doc.mark_tag = builder.mark_tag
    story = builder.build()
    # One layout pass: the folios are forms drawn after the last page (define_folios).
    doc._doSave = 0  # (reportlab's switch: build() leaves the canvas unsaved)
    doc.build(story, canvasmaker=TaggingCanvas if tagged else Canvas)
    pages = doc.page
    doc.define_folios()
    doc.canv.save()
    if not tagged:
        return RenderedPdf(buffer.getvalue(), pages)
    tagger = doc.canv.tagger
    meta = report.metadata
    info = DocumentInfo(
        meta.title,
        meta.author,
        meta.subject,
        ", ".join(meta.keywords),
        meta.language,
        doc._date,
    )
    return RenderedPdf(finish(buffer.getvalue(), tagger, info), pages, tuple(tagger.stray))
