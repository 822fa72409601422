"""What the report and compendium templates share: page geometry, text styles, page chrome.

In:  a ``Style``, the registered fonts (``FontSet``), a canvas in a page callback, the text to
     show.
Out: the page's geometry (``Geometry``), the paragraph styles of the house (``ParagraphStyles``),
     reportlab markup for spans (``markup``), and drawing on the canvas: the running head, the
     accent band, the illustrative mark and the folio, each marked as an artifact (or, for the
     illustrative mark on a cover, as content under a given tag) so that tagged documents stay
     PDF/UA-clean; also the seeding of the first font subsets and the folio font.

The report template (``reportgen.layout.document``) and the compendium's own pages
(``reportgen.layout.compendium_pages``) take what they share from here, never from each other.

The binding contract: the layout's side
---------------------------------------
The compendium binds the reports as they were built and renumbers every report page's folio
("page 3 of 8" becomes "page 57 of 4411"); ``reportgen.binding`` does that, and its docstring
states the contract in full. What the layout promises, kept by the functions below:

1. **The folio is a form XObject of its own.** ``draw_folio`` draws page N's folio into a form
   named ``FOLIO_PREFIX + N`` that reportlab writes as ``/FormXob.rgfolio<N>``
   (``folio_xobject(N)``) in the page's ``/Resources /XObject``, one form per page.
2. **The form holds only the folio text**: one text object showing the whole folio with one
   ``Tj``, right-aligned at the right margin, in the regular face's first font subset.
3. **The first font subsets are seeded**: ``seed_first_subsets`` gives the characters of
   ``CANONICAL_CHARACTERS`` fixed codes, in that order, in the first subset of every face of
   every document (reports and the compendium's own pages), and names the subsets of regular,
   bold and italic ``F1``, ``F2``, ``F3`` in that order. So every report's first subsets are
   byte-identical (stored once in the book), and ``folio_font`` knows, without reading the
   report, which code draws which character: a new folio can be any text of those characters.

``tests/test_binding_contract.py`` checks each promise on a real report, and that binding
refuses a PDF that breaks one.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDocument
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame

from reportgen.layout._fonts import FontSet, register_fonts
from reportgen.layout.tagging import Tag, artifact, escape, marked
from reportgen.model import Span
from reportgen.style import Color, Style

__all__ = [
    "CANONICAL_CHARACTERS",
    "FOLIO_PREFIX",
    "LOGO_COVER_HEIGHT",
    "LOGO_HEAD_HEIGHT",
    "PAGE_SIZES",
    "FolioFont",
    "FrameOfPage",
    "Geometry",
    "ParagraphStyles",
    "band",
    "define_folio",
    "draw_folio",
    "folio_font",
    "folio_xobject",
    "illustrative_mark",
    "logo_flowable",
    "markup",
    "page_geometry",
    "place_folio",
    "rl_color",
    "running_head",
    "seed_first_subsets",
]


class FrameOfPage(Frame):  # type: ignore[misc]
    """A platypus ``Frame`` that copies cheaply: reportlab deep-copies the current frame
    each time it measures a ``KeepTogether`` (``flowables._listWrapOn``), ~50 ``deepcopy``
    calls for the numbers a frame holds. The copy is the same: its numbers and strings
    shared (immutable), anything else deep-copied."""

    def __deepcopy__(self, memo: dict[int, object]) -> FrameOfPage:
        twin: FrameOfPage = copy.copy(self)
        for name, value in vars(self).items():
            if not isinstance(value, int | float | str | None):
                setattr(twin, name, copy.deepcopy(value, memo))
        return twin


PAGE_SIZES = {"A4": A4, "Letter": LETTER}


# --- geometry, colours, markup -----------------------------------------------------------------


@dataclass(frozen=True)
class Geometry:
    """A page and its margins (points)."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def frame_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def frame_height(self) -> float:
        return self.height - self.top - self.bottom


def page_geometry(style: Style) -> Geometry:
    """The page size and margins of ``style``."""
    width, height = PAGE_SIZES[style.page.size]
    p = style.page
    return Geometry(
        width,
        height,
        p.margin_left_mm * mm,
        p.margin_right_mm * mm,
        p.margin_top_mm * mm,
        p.margin_bottom_mm * mm,
    )


def rl_color(color: Color, alpha: float | None = None) -> colors.Color:
    """A style colour as a reportlab colour (opaque unless ``alpha`` is given)."""
    r, g, b = color.rgb
    return colors.Color(r, g, b, alpha=1 if alpha is None else alpha)


def text_markup(text: str) -> str:
    """Plain text → reportlab paragraph markup: escaped, and the narrow no-break space (French
    "86,5 %", "« bon »") made a no-break space, which reportlab never breaks at (it breaks at
    U+202F)."""
    return escape(text.replace("\u202f", "\xa0"))


def markup(spans: tuple[Span, ...], link_color: str = "") -> str:
    """Spans → reportlab paragraph markup; data text is escaped here, at the boundary. A
    link (``href``, editorial text) is set in ``link_color`` (a hex colour) and underlined."""
    out = []
    for s in spans:
        text = text_markup(s.text)
        if s.strong:
            text = f"<b>{text}</b>"
        if s.emphasis:
            text = f"<i>{text}</i>"
        if s.href:
            color = f' color="{link_color}"' if link_color else ""
            text = f'<a href="{escape(s.href).replace(chr(34), "&quot;")}"{color} underline="1">{text}</a>'
        out.append(text)
    return "".join(out)


# --- paragraph styles --------------------------------------------------------------------------


# Characters per line of running text: 70–85 reads best (the mean; lines vary around it).
MEASURE_CHARS = 84
# English prose of average letter frequencies, to measure the face's mean character width.
_MEASURE_SAMPLE = (
    "Kazakhstan scores 2.1/10 for the right to assembly and association, in the very bad "
    "range; the experts named journalists and people who protest as most at risk."
)


def measure_width(font: str, size: float) -> float:
    """The width in points of ``MEASURE_CHARS`` characters of running text in ``font``."""
    sample = float(stringWidth(_MEASURE_SAMPLE, font, size))
    return MEASURE_CHARS * sample / len(_MEASURE_SAMPLE)


class ParagraphStyles:
    """The house paragraph styles derived from the ``Style``, built once per document."""

    def __init__(self, style: Style, fonts: FontSet, frame_width: float | None = None) -> None:
        """``frame_width``: the text frame's width; running text is then set to a measure of
        about ``MEASURE_CHARS`` characters, leaving the rest of the frame to charts."""
        f, c = style.fonts, style.colors
        text = rl_color(c.text)
        base = ParagraphStyle(
            "body",
            fontName=fonts.regular,
            fontSize=f.body_size,
            leading=f.leading,
            textColor=text,
            spaceAfter=f.body_size * 0.6,
            alignment=TA_LEFT,
            hyphenationLang=None,
            # never one line of a paragraph alone at a page's foot or head
            allowWidows=0,
            allowOrphans=0,
        )
        self.body = base
        self.lead = ParagraphStyle(
            "lead",
            base,
            fontSize=f.body_size * 1.12,
            leading=f.leading * 1.12,
            spaceAfter=f.body_size,
        )
        self.note = ParagraphStyle(
            "note",
            base,
            fontSize=f.small_size + 0.5,
            leading=(f.small_size + 0.5) * 1.35,
            textColor=rl_color(c.muted),
        )
        self.caveat = ParagraphStyle("caveat", self.note, fontName=fonts.italic, borderPadding=0)
        self.caption = ParagraphStyle(
            "caption", self.note, fontName=fonts.italic, spaceBefore=2, spaceAfter=f.body_size
        )
        self.h = {
            1: ParagraphStyle(
                "h1",
                base,
                fontName=fonts.bold,
                fontSize=f.h1_size,
                leading=f.h1_size * 1.2,
                textColor=rl_color(c.accent),
                spaceBefore=f.h1_size * 0.6,
                spaceAfter=f.h1_size * 0.5,
            ),
            2: ParagraphStyle(
                "h2",
                base,
                fontName=fonts.bold,
                fontSize=f.h2_size,
                leading=f.h2_size * 1.25,
                textColor=rl_color(c.accent),
                spaceBefore=f.h2_size * 0.9,
                spaceAfter=f.h2_size * 0.4,
            ),
            3: ParagraphStyle(
                "h3",
                base,
                fontName=fonts.bold,
                fontSize=f.h3_size,
                leading=f.h3_size * 1.3,
                textColor=text,
                spaceBefore=f.h3_size * 1.0,
                spaceAfter=f.h3_size * 0.35,
            ),
            4: ParagraphStyle(
                "h4",
                base,
                fontName=fonts.bold,
                fontSize=f.body_size,
                leading=f.leading,
                textColor=rl_color(c.muted),
                spaceBefore=f.body_size * 0.8,
                spaceAfter=f.body_size * 0.3,
            ),
        }
        self.cell = ParagraphStyle(
            "cell",
            base,
            fontSize=f.body_size - 0.5,
            leading=(f.body_size - 0.5) * 1.3,
            spaceAfter=0,
        )
        self.cell_right = ParagraphStyle("cell_right", self.cell, alignment=TA_RIGHT)
        self.cell_head = ParagraphStyle("cell_head", self.cell, fontName=fonts.bold)
        self.cell_head_right = ParagraphStyle("cell_head_right", self.cell_head, alignment=TA_RIGHT)
        self.figure_label = ParagraphStyle(
            "fig_label",
            base,
            fontSize=f.small_size + 0.5,
            leading=(f.small_size + 0.5) * 1.3,
            textColor=rl_color(c.muted),
            spaceAfter=0,
        )
        self.figure_value = ParagraphStyle(
            "fig_value",
            base,
            fontName=fonts.bold,
            fontSize=f.h1_size,
            leading=f.h1_size * 1.15,
            textColor=rl_color(c.accent),
            spaceAfter=0,
        )
        self.figure_band = ParagraphStyle(
            "fig_band",
            base,
            fontName=fonts.bold,
            fontSize=f.small_size + 0.5,
            leading=(f.small_size + 0.5) * 1.3,
            spaceAfter=0,
        )
        self.cover_kicker = ParagraphStyle(
            "kicker",
            base,
            fontName=fonts.bold,
            fontSize=f.h3_size,
            leading=f.h3_size * 1.3,
            textColor=colors.white,
        )
        self.cover_title = ParagraphStyle(
            "cover_title",
            base,
            fontName=fonts.bold,
            fontSize=f.h1_size * 1.8,
            leading=f.h1_size * 2.05,
            textColor=colors.white,
            spaceAfter=6,
        )
        self.cover_subtitle = ParagraphStyle(
            "cover_subtitle",
            base,
            fontSize=f.h3_size,
            leading=f.h3_size * 1.35,
            textColor=colors.white,
        )
        # list items: the body face, set to the width of their column
        self.list_item = ParagraphStyle("list_item", base, spaceAfter=f.body_size * 0.45)
        # an editor's pull quote: larger, italic, beside a rule; its source below it
        self.quote = ParagraphStyle(
            "quote",
            base,
            fontName=fonts.italic,
            fontSize=f.body_size * 1.18,
            leading=f.leading * 1.22,
            spaceAfter=f.body_size * 0.4,
        )
        self.quote_source = ParagraphStyle("quote_source", self.figure_label)  # (small, muted)
        if frame_width is not None:
            indent = max(0.0, frame_width - measure_width(fonts.regular, f.body_size))
            for st in (
                self.body,
                self.lead,
                self.note,
                self.caveat,
                self.caption,
                self.list_item,
                self.quote,
                self.quote_source,
            ):
                st.rightIndent = indent
        # an item of a list set in columns fills its column
        self.column_item = ParagraphStyle("column_item", self.list_item, rightIndent=0)
        self.cover_lede = ParagraphStyle(
            "cover_lede",
            base,
            fontSize=f.h3_size + 0.5,
            leading=(f.h3_size + 0.5) * 1.4,
            textColor=colors.white,
            spaceBefore=10,
        )
        self.cover_publisher = ParagraphStyle(
            "cover_publisher",
            self.cover_lede,
            fontName=fonts.bold,
            fontSize=f.small_size + 1,
            leading=(f.small_size + 1) * 1.4,
            spaceBefore=6,
        )
        # an editor's lede: the generated lede's size, in italic
        self.cover_intro = ParagraphStyle("cover_intro", self.cover_lede, fontName=fonts.italic)


# --- page chrome -------------------------------------------------------------------------------


def running_head(
    canvas: Canvas,
    page: Geometry,
    style: Style,
    fonts: FontSet,
    text: str,
    logo: Flowable | None = None,
) -> None:
    """The running head at the top of a body page, with a rule under it; the publisher's
    ``logo`` (``logo_flowable``, fitted to the line) at its right end."""
    y = page.height - page.top + 10
    with artifact(canvas, "/Type /Pagination /Subtype /Header"):
        canvas.setFont(fonts.regular, style.fonts.small_size)
        canvas.setFillColor(rl_color(style.colors.muted))
        canvas.drawString(page.left, y, text)
        canvas.setStrokeColor(rl_color(style.colors.rule))
        canvas.setLineWidth(0.5)
        canvas.line(page.left, y - 4, page.width - page.right, y - 4)
        if logo is not None:
            width, _ = logo.wrapOn(canvas, page.frame_width, page.height)
            logo.drawOn(canvas, page.width - page.right - width, y - 1.5)


class _Drawn(Flowable):  # type: ignore[misc]
    """A reportlab drawing (an SVG logo) drawn with ``font`` as its renderer's initial font:
    reportlab's own default is Helvetica, a font no report embeds (PDF/UA wants every font
    embedded, even one only set and never shown)."""

    def __init__(self, drawing: Flowable, font: str) -> None:
        super().__init__()
        self._drawing, self._font = drawing, font
        self.width, self.height = drawing.width, drawing.height

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def draw(self) -> None:
        from reportlab.graphics import shapes

        before = shapes.STATE_DEFAULTS["fontName"]
        shapes.STATE_DEFAULTS["fontName"] = self._font
        try:
            self._drawing.drawOn(self.canv, 0, 0)
        finally:
            shapes.STATE_DEFAULTS["fontName"] = before


LOGO_HEAD_HEIGHT = 9.0  # points: the logo in the running head
LOGO_COVER_HEIGHT = 34.0  # points: the logo on the cover


def logo_flowable(path: str, height: float, max_width: float) -> Flowable:
    """The publisher's logo (SVG, drawn as vectors, or PNG) scaled to ``height`` points, or
    narrower to fit ``max_width``; ``ValueError`` for a file that is neither."""
    if path.lower().endswith(".svg"):
        from svglib.svglib import svg2rlg

        drawing = svg2rlg(path)
        if drawing is None or not drawing.width or not drawing.height:
            raise ValueError(f"{path}: not an SVG image that can be drawn")
        scale = min(height / drawing.height, max_width / drawing.width)
        drawing.scale(scale, scale)
        drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
        return _Drawn(drawing, register_fonts().regular)
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    width, tall = ImageReader(path).getSize()
    scale = min(height / tall, max_width / width)
    return Image(path, width=width * scale, height=tall * scale, mask="auto")


def band(canvas: Canvas, page: Geometry, style: Style, share: float) -> None:
    """The accent band across the top ``share`` of a cover or divider page."""
    height = share * page.height
    with artifact(canvas, "/Type /Layout"):
        canvas.setFillColor(rl_color(style.colors.accent))
        canvas.rect(0, page.height - height, page.width, height, stroke=0, fill=1)


def illustrative_mark(
    canvas: Canvas,
    page: Geometry,
    style: Style,
    fonts: FontSet,
    mark: str | None,
    y: float,
    tag: Tag | None = None,
) -> None:
    """The illustrative-data mark centred at ``y``, on a white label that reads on any
    background. With ``tag`` it is content (the cover says it); elsewhere an artifact."""
    if not mark:
        return
    size = style.fonts.small_size + 0.5
    width = pdfmetrics.stringWidth(mark, fonts.bold, size)
    with artifact(canvas, "/Type /Layout"):
        canvas.setFillColor(colors.white)
        canvas.rect(page.width / 2 - width / 2 - 6, y - 3.5, width + 12, size + 5, stroke=0, fill=1)
    with (
        marked(canvas, tag, tag)
        if tag is not None
        else artifact(canvas, "/Type /Pagination /Subtype /Watermark")
    ):
        canvas.setFillColor(rl_color(style.colors.illustrative))
        canvas.setFont(fonts.bold, size)
        canvas.drawCentredString(page.width / 2, y, mark)


# --- the folio and the first font subsets (the binding contract, promises 1-3) ---------------

FOLIO_PREFIX = "rgfolio"  # reportlab names the form of page N "FormXob.rgfolio<N>"

# Characters given fixed codes, in this order, in the first font subset of every document.
# Every report then embeds byte-identical first subsets, which the compendium stores once;
# characters outside this set (rare letters in a name) go to a small second subset.
CANONICAL_CHARACTERS = (
    "".join(chr(c) for c in range(32, 127))
    + "".join(chr(c) for c in range(0xC0, 0x100))
    + "«»°©§’‘“”–—•■…·−×→"
    + "ĀāĂăĄąĆćČčĎďĐđĒēĘęĚěĞğĪīİıŁłŃńŇňŌōŐőŒœŘřŚśŞşŠšŢţŤťŪūŮůŰűŸŹźŻżŽžȘșȚț"
    + "€≥≤‰†‡‹›„‚™"  # fills the subset to its 256 codes
)


def folio_xobject(page: int) -> str:
    """The PDF name of page ``page``'s folio form (1-based): ``/FormXob.rgfolio<page>``."""
    return f"/FormXob.{FOLIO_PREFIX}{page}"


def draw_folio(
    canvas: Canvas, page: Geometry, style: Style, fonts: FontSet, number: int, text: str, y: float
) -> None:
    """Page ``number``'s folio ``text``, right-aligned at the right margin on baseline ``y``,
    drawn into a form XObject of its own (promises 1 and 2), so that the compendium can
    renumber the page by rewriting just this form. Call it inside the footer's artifact."""
    name = f"{FOLIO_PREFIX}{number}"
    canvas.beginForm(name)
    canvas.setFont(fonts.regular, style.fonts.small_size)
    canvas.setFillColor(rl_color(style.colors.muted))
    canvas.drawRightString(page.width - page.right, y, text)
    canvas.endForm()
    canvas.doForm(name)


def place_folio(canvas: Canvas, number: int) -> None:
    """Show page ``number``'s folio form here, to be drawn once the page count is known
    (``define_folio``, before the canvas is saved): one layout pass gives "page X of Y"."""
    canvas.doForm(f"{FOLIO_PREFIX}{number}")


def define_folio(
    canvas: Canvas, page: Geometry, style: Style, fonts: FontSet, number: int, text: str, y: float
) -> None:
    """Draw page ``number``'s folio form, placed earlier by ``place_folio``: ``text``
    right-aligned at the right margin on baseline ``y`` (promises 1 and 2)."""
    name = f"{FOLIO_PREFIX}{number}"
    canvas.beginForm(name)
    canvas.setFont(fonts.regular, style.fonts.small_size)
    canvas.setFillColor(rl_color(style.colors.muted))
    canvas.drawRightString(page.width - page.right, y, text)
    canvas.endForm()


def seed_first_subsets(doc: PDFDocument, fonts: FontSet, order: Sequence[str] = ()) -> None:
    """Seed the first subset of every face with ``CANONICAL_CHARACTERS`` and name the faces
    (promise 3). Call it before anything is drawn (``beforeDocument``).

    The subset names (``F1+0`` …) are part of the font objects, which must be byte-identical
    across documents to be stored once: regular, bold, italic are named in that order, or in
    ``order`` (faces as a report already bound names them), the rest after.
    """
    faces = (fonts.regular, fonts.bold, fonts.italic, fonts.bold_italic)
    for face in faces:
        _seed(pdfmetrics.getFont(face), doc)
    named = [face for face in order if face in faces]
    named += [face for face in faces[:3] if face not in named]
    for face in named:
        pdfmetrics.getFont(face).getSubsetInternalName(0, doc)


# What seeding leaves in a font's state for a document, by font: the same every time (the
# codes are given in the order of CANONICAL_CHARACTERS), so copied after the first instead of
# assigned character by character again in every document.
_SEEDED: dict[TTFont, tuple[dict[int, int], list[list[int]], int]] = {}


def _seed(font: TTFont, doc: PDFDocument) -> None:
    """``font.splitString(CANONICAL_CHARACTERS, doc)`` for a document that has drawn nothing
    in ``font`` yet: its assignments, subsets and next code, copied from the first one's."""
    if doc in font.state:  # (drawn in already: reportlab's loop assigns what is new)
        font.splitString(CANONICAL_CHARACTERS, doc)
        return
    seeded = _SEEDED.get(font)
    if seeded is None:
        font.splitString(CANONICAL_CHARACTERS, doc)
        state = font.state[doc]
        if not state.frozen:  # (a font embedded whole has nothing to seed)
            subsets = [list(subset) for subset in state.subsets]
            _SEEDED[font] = (dict(state.assignments), subsets, state.nextCode)
        return
    assignments, subsets, next_code = seeded
    state = font.state[doc] = TTFont.State(font._asciiReadable, font)
    state.assignments = dict(assignments)
    state.subsets = [list(subset) for subset in subsets]
    state.nextCode = next_code


@dataclass(frozen=True, slots=True)
class FolioFont:
    """A registered face as every document's first subset encodes it (promise 3)."""

    face: str
    codes: dict[str, int]  # character → code in subset 0
    chars: dict[int, str]  # code → character

    def width(self, text: str, size: float) -> float:
        """The width of ``text`` at ``size`` points."""
        return float(pdfmetrics.stringWidth(text, self.face, size))

    def encode(self, text: str) -> bytes | None:
        """``text`` as subset-0 codes, or None if a character is outside the subset."""
        try:
            return bytes(self.codes[ch] for ch in text)
        except KeyError:
            return None

    def decode(self, codes: bytes) -> str:
        """Subset-0 codes back to text (unknown codes become U+FFFD)."""
        return "".join(self.chars.get(b, "\ufffd") for b in codes)


@cache
def folio_font(base_font: str) -> FolioFont | None:
    """The first subset of a face, from its PDF ``/BaseFont`` ("AAAAAA+DejaVuSans"), or None.

    None when the face is not one of ours (the PDF was not made by reportgen's layout). The
    codes are those ``seed_first_subsets`` gives, found by seeding a document of our own.
    """
    fonts = register_fonts()
    face = base_font.lstrip("/").split("+", 1)[-1]
    if face not in (fonts.regular, fonts.bold, fonts.italic, fonts.bold_italic):
        return None
    doc = PDFDocument()
    font = pdfmetrics.getFont(face)
    font.splitString(CANONICAL_CHARACTERS, doc)
    codes: dict[str, int] = {}
    for ch in dict.fromkeys(CANONICAL_CHARACTERS):
        [(subset, code)] = font.splitString(ch, doc)
        if subset == 0:
            codes[ch] = code[0]
    return FolioFont(face, codes, {v: k for k, v in codes.items()})
