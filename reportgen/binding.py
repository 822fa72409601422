"""Binding: PDFs made by the layout → one book (the compendium's post-processing, with pypdf).

In:  PDFs made by reportgen's layout (``SourcePdf``: country reports, the compendium's own
     pages), and what the compendium decides: which pages go where, what each report page's
     folio is to say, the links, bookmarks, page labels and metadata of the book.
Out: the book's bytes (``Book.write``), untagged; the compendium merges the structure trees
     after (``reportgen.layout.tagging.merge_structure``).

This is the only module that imports pypdf, and it uses pypdf's public API only: pages are
appended with ``PdfWriter.append``/``add_page``, a folio form is parsed and rewritten as a
``ContentStream`` (operators and operands, not bytes matched by a pattern), annotations are
added with ``add_annotation``, the XMP packet with ``xmp_metadata``.

The binding contract
--------------------
The book renumbers every report page's folio ("page 3 of 8" → "page 57 of 4411") by
rewriting one small form XObject per page, without laying the report out again. That is only
right if the layout keeps these promises (its side is in ``reportgen.layout.chrome``, which
keeps them; ``tests/test_binding_contract.py`` checks both sides):

1. **Folio form.** Page N (1-based) of a report has its folio in a form XObject of its own,
   ``/FormXob.rgfolio<N>`` (``folio_xobject(N)``) in the page's ``/Resources /XObject``; no
   other page uses that form.
2. **Only the folio text.** The form's content is one text object, ``BT 1 0 0 1 x y Tm /F Tf
   (folio) Tj ET``: an unscaled text matrix, one font, one ``Tj`` showing the whole folio,
   right-aligned (the text ends at the right margin), optionally with graphics-state, colour,
   ``TL`` and ``T*`` operators; nothing else is drawn.
3. **Seeded first subset.** The font is the first subset (``/F<k>+0``) of one of reportgen's
   faces, seeded with ``CANONICAL_CHARACTERS`` in that order, so that ``folio_font`` gives the
   code of every character without reading the report's font: the old folio decodes to the
   text the report printed, and the new one is encoded with the same codes. The first subsets
   of regular, bold and italic are named ``F1+0``, ``F2+0``, ``F3+0``; the compendium's own
   pages name theirs as the first report does (``SourcePdf.font_order``), so that identical
   fonts are stored once.

What binding does when a promise is broken: ``Book.add_report`` raises ``FolioError`` naming
the page and the promise (no form; the form draws something else; a font that is not a
seeded first subset; a folio that does not read as the report printed it, which is what a
subset seeded differently looks like; a new folio with characters outside the subset). It
never writes a folio it had to guess.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    ContentStream,
    Destination,
    DictionaryObject,
    Fit,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from reportgen.errors import ReportgenError
from reportgen.layout.chrome import folio_font, folio_xobject
from reportgen.layout.tagging import DocumentInfo, xmp_packet

__all__ = [
    "BindingError",
    "Book",
    "BookmarkRef",
    "Folio",
    "FolioError",
    "SourceBookmark",
    "SourcePdf",
]

Rect = tuple[float, float, float, float]


class BindingError(ReportgenError):
    """A PDF cannot be bound: it cannot be read, or it breaks the binding contract."""


class FolioError(BindingError):
    """A report page's folio cannot be renumbered.

    ``promise`` is the promise of the binding contract the page breaks (1, 2 or 3), or None
    when the page keeps them all but the new folio cannot be written in its font subset.
    """

    def __init__(self, page: int, problem: str, promise: int | None) -> None:
        super().__init__(f"page {page}: {problem}")
        self.page, self.problem, self.promise = page, problem, promise


@dataclass(frozen=True, slots=True)
class Folio:
    """A report page's folio: what the report printed (``was``) and what the book prints."""

    was: str
    now: str


@dataclass(frozen=True, slots=True)
class SourceBookmark:
    """A bookmark of a source PDF: its title, page (0-based), height and nested bookmarks."""

    title: str
    page: int
    top: float | None
    children: tuple[SourceBookmark, ...] = ()


@dataclass(frozen=True, slots=True)
class BookmarkRef:
    """A bookmark made in the book, to nest others under it."""

    reference: IndirectObject


def _dict(obj: Any) -> DictionaryObject:
    """``obj`` resolved to a dictionary (an empty one if it is missing or not a dictionary)."""
    resolved = obj.get_object() if obj is not None else None
    return resolved if isinstance(resolved, DictionaryObject) else DictionaryObject()


# --- sources -----------------------------------------------------------------------------------


class SourcePdf:
    """A PDF to bind, read once: a country report or the compendium's own pages."""

    def __init__(self, data: bytes) -> None:
        """Read ``data``; raise ``BindingError`` (saying why) when it is not a readable PDF."""
        try:
            self._reader = PdfReader(io.BytesIO(data))
            self.pages = len(self._reader.pages)
        except (PyPdfError, ValueError, KeyError, TypeError) as exc:
            raise BindingError(f"not a readable PDF ({exc})") from None
        self.data = data

    @property
    def page_size(self) -> tuple[float, float]:
        """The first page's width and height in points (its media box)."""
        box = self._reader.pages[0].mediabox
        return float(box.width), float(box.height)

    @property
    def author(self) -> str | None:
        """The document information's author (the publisher), if any."""
        return self._info("/Author")

    @property
    def created(self) -> str | None:
        """The creation date as the PDF gives it ("D:20200101000000+00'00'"), if any."""
        return self._info("/CreationDate")

    def _info(self, key: str) -> str | None:
        value = _dict(self._reader.metadata).get(key)
        return None if value is None else str(value)

    @property
    def tagged(self) -> bool:
        """Whether the PDF has a structure tree (reports built before tagging have none)."""
        return "/K" in _dict(self._reader.root_object.get("/StructTreeRoot"))

    @property
    def font_order(self) -> tuple[str, ...]:
        """The faces of the first font subsets, in the order of their names (F1, F2, …)."""
        fonts = _dict(_dict(_dict(self._reader.pages[0]).get("/Resources")).get("/Font"))
        named = []
        for name, ref in fonts.items():
            match = re.fullmatch(r"/F(\d+)\+0", str(name))
            base = _dict(ref).get("/BaseFont")
            if match and base is not None:
                named.append((int(match[1]), str(base).lstrip("/").split("+", 1)[-1]))
        return tuple(face for _, face in sorted(named))

    def bookmarks(self) -> tuple[SourceBookmark, ...]:
        """The outline, nested; bookmarks that lead to no page are left out."""
        return self._bookmarks(self._reader.outline)

    def _bookmarks(self, nodes: Sequence[Any]) -> tuple[SourceBookmark, ...]:
        # pypdf gives a bookmark's children as a list right after it.
        out: list[SourceBookmark] = []
        for node in nodes:
            if isinstance(node, list):
                if out:
                    last = out[-1]
                    out[-1] = SourceBookmark(
                        last.title, last.page, last.top, last.children + self._bookmarks(node)
                    )
                continue
            dest = cast(Destination, node)
            page = self._reader.get_destination_page_number(dest)
            if page is None or page < 0:
                continue
            out.append(SourceBookmark(str(dest.title), page, dest.top))
        return tuple(out)


# Keys of the objects that make a font (font file, descriptor, font, ToUnicode map): the
# objects ``Book.store_identical_once`` puts in one order of keys before merging.
_FONT_KEYS = frozenset({"/Length1", "/FontFile2", "/FontDescriptor", "/BaseFont", "/Widths"})


# --- the book ----------------------------------------------------------------------------------


class Book:
    """The book being bound: pages in order, then links, bookmarks, labels and metadata."""

    def __init__(self) -> None:
        self._writer = PdfWriter()

    @property
    def pages(self) -> int:
        """Pages bound so far."""
        return len(self._writer.pages)

    def page_top(self, page: int) -> float:
        """The top of page ``page`` (0-based), in points."""
        return float(self._writer.pages[page].mediabox.top)

    def add_pages(self, source: SourcePdf, pages: range) -> None:
        """Append pages ``pages`` of ``source`` as they are."""
        for page in pages:
            self._writer.add_page(source._reader.pages[page])

    def add_report(self, source: SourcePdf, folios: Sequence[Folio]) -> int:
        """Append every page of ``source``, replacing page i's folio ``folios[i].was`` by
        ``folios[i].now``; return the book's page index of its first page.

        Raises ``FolioError`` when a page breaks the binding contract (see the module).
        """
        if len(folios) != source.pages:
            raise ValueError(f"{len(folios)} folios for {source.pages} pages")
        first = self.pages
        self._writer.append(source._reader, import_outline=False)
        forms: set[int] = set()
        for offset, folio in enumerate(folios):
            _renumber(self._writer.pages[first + offset], offset + 1, folio, forms)
        return first

    def store_identical_once(self) -> None:
        """Store identical objects (the reports' fonts) once, repeating until nothing changes.

        One pass merges identical leaves (font files, ToUnicode maps); only then do the
        objects that refer to them (font descriptors, then fonts, then resource dictionaries)
        become identical, so each further pass climbs one level.
        """
        # Identical objects whose keys were written in another order (a PDF saved again by
        # qpdf: a trimmed report) hash differently: the keys of the fonts' dictionaries are
        # put in one order first.
        for obj in self._writer._objects:
            if isinstance(obj, DictionaryObject) and _FONT_KEYS & obj.keys():
                items = sorted(obj.items())
                obj.clear()
                obj.update(items)
        # Every object of a new writer is "in the increment": its length counts the objects.
        count = len(self._writer.list_objects_in_increment())
        for _ in range(10):
            self._writer.compress_identical_objects(
                remove_duplicates=True, remove_unreferenced=True
            )
            now = len(self._writer.list_objects_in_increment())
            if now == count:
                return
            count = now

    def add_link(self, page: int, rect: Rect, target: int, label: str) -> int:
        """A link from ``rect`` on page ``page`` to the top of page ``target``, described by
        ``label``; return its index among the page's annotations."""
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/F"): NumberObject(4),
                NameObject("/Contents"): TextStringObject(label),
                NameObject("/Rect"): ArrayObject(FloatObject(round(v, 3)) for v in rect),
                NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
                NameObject("/Dest"): ArrayObject(
                    [
                        self._writer.pages[target].indirect_reference,
                        NameObject("/XYZ"),
                        NumberObject(0),
                        FloatObject(self.page_top(target)),
                        NumberObject(0),
                    ]
                ),
            }
        )
        self._writer.add_annotation(page, annotation)
        annotations = self._writer.pages[page].annotations
        assert annotations is not None  # add_annotation made the array
        return len(annotations) - 1

    def add_bookmark(
        self,
        title: str,
        page: int,
        parent: BookmarkRef | None = None,
        top: float | None = None,
        is_open: bool = False,
    ) -> BookmarkRef:
        """A bookmark to page ``page`` at height ``top`` (None: the top of the page)."""
        fit = Fit.xyz(0, self.page_top(page) if top is None else top, 0)
        reference = self._writer.add_outline_item(
            title=title,
            page_number=page,
            parent=None if parent is None else parent.reference,
            fit=fit,
            is_open=is_open,
        )
        return BookmarkRef(reference)

    def add_bookmarks(
        self, bookmarks: Sequence[SourceBookmark], first: int, parent: BookmarkRef
    ) -> None:
        """A source's bookmarks under ``parent``, its page 0 being the book's page ``first``."""
        for bookmark in bookmarks:
            made = self.add_bookmark(bookmark.title, first + bookmark.page, parent, bookmark.top)
            self.add_bookmarks(bookmark.children, first, made)

    def set_page_labels(self, front: int) -> None:
        """Pages before ``front`` are labelled i, ii, …; the rest 1, 2, …"""
        self._writer.set_page_label(0, front - 1, style=PageLabelStyle.LOWERCASE_ROMAN)
        self._writer.set_page_label(front, self.pages - 1, style=PageLabelStyle.DECIMAL, start=1)

    def set_metadata(self, info: DocumentInfo, *, producer: str, ua: bool) -> None:
        """Document information, XMP metadata (with the PDF/UA identifier when ``ua``), the
        language, and a viewer that opens with the bookmarks and shows the title."""
        writer = self._writer
        writer.add_metadata(
            {
                "/Title": info.title,
                "/Author": info.author,
                "/Subject": info.subject,
                "/Keywords": info.keywords,
                "/Creator": "reportgen",
                "/Producer": producer,
                "/CreationDate": info.created,
                "/ModDate": info.created,
            }
        )
        root = writer.root_object
        root[NameObject("/Lang")] = TextStringObject(info.language)
        root[NameObject("/PageMode")] = NameObject("/UseOutlines")
        root[NameObject("/ViewerPreferences")] = DictionaryObject(
            {NameObject("/DisplayDocTitle"): BooleanObject(True)}
        )
        writer.xmp_metadata = xmp_packet(info, producer, ua=ua)
        metadata = cast(StreamObject, root["/Metadata"].get_object())
        metadata[NameObject("/Type")] = NameObject("/Metadata")
        metadata[NameObject("/Subtype")] = NameObject("/XML")
        for page in writer.pages:
            page[NameObject("/Tabs")] = NameObject("/S")  # tab order: the structure's

    def write(self) -> bytes:
        """The book's bytes."""
        buffer = io.BytesIO()
        self._writer.write(buffer)
        return buffer.getvalue()


# --- folios ------------------------------------------------------------------------------------

# What a folio form may do besides showing its text (promise 2): graphics state and colour.
_SETUP = frozenset(b"q Q cm g G rg RG k K cs CS sc SC scn SCN gs TL T*".split())
_TEXT = (b"Tm", b"Tf", b"Tj")  # the operators whose operands the folio is rewritten from


def _renumber(page: PageObject, number: int, folio: Folio, forms: set[int]) -> None:
    """Rewrite the folio form of ``page`` (page ``number`` of its report) to show ``folio.now``."""
    name = folio_xobject(number)
    xobjects = _dict(_dict(page.get("/Resources")).get("/XObject"))
    ref = xobjects.get(name)
    form = ref.get_object() if isinstance(ref, IndirectObject) else None
    if not isinstance(ref, IndirectObject) or not isinstance(form, StreamObject):
        raise FolioError(number, f"it has no folio form {name} (promise 1)", 1)
    if form.get("/Subtype") != "/Form" or ref.idnum in forms:
        raise FolioError(number, f"{name} is not a folio form of its own (promise 1)", 1)
    forms.add(ref.idnum)
    # 1. The form's operations: one line of text (promise 2).
    content = ContentStream(form, None)
    operations = list(content.operations)
    at = {op: i for i, (_, op) in enumerate(operations)}
    shape = [op for _, op in operations if op not in _SETUP]
    matrix, font_operands, shown = (operations[at[op]][0] if op in at else [] for op in _TEXT)
    if (
        shape != [b"BT", b"Tm", b"Tf", b"Tj", b"ET"]
        or len(matrix) != 6
        or not all(isinstance(v, NumberObject | FloatObject) for v in matrix)
        or [float(v) for v in matrix[:4]] != [1, 0, 0, 1]
        or len(font_operands) != 2
        or not isinstance(font_operands[1], NumberObject | FloatObject)
        or len(shown) != 1
        or not isinstance(shown[0], TextStringObject | ByteStringObject)
    ):
        drawn = " ".join(op.decode("latin-1") for _, op in operations)
        raise FolioError(
            number,
            f"its folio form {name} does more than show one unscaled line of text ({drawn}) "
            "(promise 2)",
            2,
        )
    font_name, size = str(font_operands[0]), float(font_operands[1])
    # 2. Its font: a seeded first subset of one of our faces (promise 3).
    fonts = _dict(_dict(form.get("/Resources")).get("/Font"))
    base_font = _dict(fonts.get(font_name)).get("/BaseFont")
    font = folio_font(str(base_font)) if base_font is not None else None
    if font is None or not re.fullmatch(r"/F\d+\+0", font_name):
        raise FolioError(
            number,
            f"its folio is set in {font_name} ({base_font}), not in the first subset of one of "
            "reportgen's faces (promise 3)",
            3,
        )
    text = shown[0]
    printed = font.decode(text.original_bytes if isinstance(text, TextStringObject) else text)
    if printed != folio.was:
        raise FolioError(
            number,
            f"its folio reads “{printed}”, not “{folio.was}” as the report printed it: the form "
            "shows other text, or the first font subset is not seeded with "
            "CANONICAL_CHARACTERS (promises 2 and 3)",
            3,
        )
    # 3. The new folio, in the same codes, ending where the old one ended (right-aligned).
    encoded = font.encode(folio.now)
    if encoded is None:
        raise FolioError(
            number,
            f"“{folio.now}” has letters outside the reports' first font subset "
            "(CANONICAL_CHARACTERS), so it cannot replace the folio",
            None,
        )
    x = float(matrix[4]) + font.width(printed, size) - font.width(folio.now, size)
    operations[at[b"Tm"]] = ([*matrix[:4], FloatObject(round(x, 4)), matrix[5]], b"Tm")
    operations[at[b"Tj"]] = ([ByteStringObject(encoded)], b"Tj")
    content.operations = operations
    try:
        form.set_data(content.get_data())
    except PyPdfError as exc:  # a filter pypdf cannot encode (reportlab's ASCII85 is off)
        raise FolioError(number, f"its folio form cannot be rewritten ({exc})", 2) from None
