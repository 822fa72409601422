"""Binding: PDFs made by the layout → one book (the compendium's post-processing, with pikepdf).

In:  PDFs made by reportgen's layout (``SourcePdf``: country reports, the compendium's own
     pages), and what the compendium decides: which pages go where, what each report page's
     folio is to say, the links, bookmarks, page labels and metadata of the book.
Out: the book's bytes (``Book.write``), untagged; the compendium has the structure trees
     merged into it before it is saved (``reportgen.layout.tagging.merge_into``).

It binds with pikepdf (qpdf copies the pages and everything they use, in C++): pages are
appended with ``Pdf.pages``, a folio form is parsed and rewritten as a content stream
(operators and operands, not bytes matched by a pattern), and the outline is written with
pikepdf's ``Outline``. (It used pypdf until its pure-Python parser took two thirds of the
compendium's time: reading the 203 reports of a release alone took 8 s.)

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

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator, String

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


@dataclass(eq=False, slots=True)
class BookmarkRef:
    """A bookmark made in the book, to nest others under it."""

    title: str
    page: int
    top: float
    is_open: bool
    children: list[BookmarkRef] = field(default_factory=list)


def _dict(obj: Any) -> Dictionary:
    """``obj`` as a dictionary (an empty one if it is missing or not a dictionary)."""
    return obj if isinstance(obj, Dictionary) else Dictionary()


def _real(value: float) -> Decimal:
    """``value`` as a PDF real of at most four decimals (as the layout writes them)."""
    return Decimal(f"{value:.4f}").normalize() if value != int(value) else Decimal(int(value))


# --- sources -----------------------------------------------------------------------------------


class SourcePdf:
    """A PDF to bind, read once: a country report or the compendium's own pages."""

    def __init__(self, data: bytes) -> None:
        """Read ``data``; raise ``BindingError`` (saying why) when it is not a readable PDF."""
        try:
            self._pdf = pikepdf.open(io.BytesIO(data))
            if not self._pdf.pages:
                raise ValueError("it has no pages")
        except (pikepdf.PdfError, ValueError, KeyError, TypeError) as exc:
            raise BindingError(f"not a readable PDF ({exc})") from None

    @property
    def pages(self) -> int:
        """How many pages it has."""
        return len(self._pdf.pages)

    @property
    def pdf(self) -> pikepdf.Pdf:
        """The PDF as read, to be edited before it is bound (``reportgen.layout.tagging``
        leaves sections out of it, and rewrites its structure tree into the book's)."""
        return self._pdf

    @property
    def page_size(self) -> tuple[float, float]:
        """The first page's width and height in points (its media box)."""
        x0, y0, x1, y1 = (float(v) for v in self._pdf.pages[0].mediabox)
        return x1 - x0, y1 - y0

    @property
    def author(self) -> str | None:
        """The document information's author (the publisher), if any."""
        return self._info("/Author")

    @property
    def created(self) -> str | None:
        """The creation date as the PDF gives it ("D:20200101000000+00'00'"), if any."""
        return self._info("/CreationDate")

    def _info(self, key: str) -> str | None:
        value = self._pdf.docinfo.get(key)
        return None if value is None else str(value)

    @property
    def tagged(self) -> bool:
        """Whether the PDF has a structure tree (reports built before tagging have none)."""
        return "/K" in _dict(self._pdf.Root.get("/StructTreeRoot"))

    @property
    def font_order(self) -> tuple[str, ...]:
        """The faces of the first font subsets, in the order of their names (F1, F2, …)."""
        fonts = _dict(_dict(self._pdf.pages[0].obj.get("/Resources")).get("/Font"))
        named = []
        for name, font in fonts.items():
            match = re.fullmatch(r"/F(\d+)\+0", str(name))
            base = _dict(font).get("/BaseFont")
            if match and base is not None:
                named.append((int(match[1]), str(base).lstrip("/").split("+", 1)[-1]))
        return tuple(face for _, face in sorted(named))

    def bookmarks(self) -> tuple[SourceBookmark, ...]:
        """The outline, nested; bookmarks that lead to no page are left out."""
        pages = {page.obj.objgen: i for i, page in enumerate(self._pdf.pages)}
        with self._pdf.open_outline() as outline:
            return self._bookmarks(outline.root, pages)

    def _bookmarks(
        self, items: Sequence[pikepdf.OutlineItem], pages: dict[tuple[int, int], int]
    ) -> tuple[SourceBookmark, ...]:
        # The layout writes each bookmark's destination as [page /XYZ left top zoom].
        out: list[SourceBookmark] = []
        for item in items:
            dest: Any = item.destination
            target = dest[0] if isinstance(dest, Array) and len(dest) else None
            page = pages.get(target.objgen) if isinstance(target, Dictionary) else None
            if page is None:
                continue
            top = dest[3] if len(dest) > 3 and dest[1] == "/XYZ" else None
            out.append(
                SourceBookmark(
                    str(item.title),
                    page,
                    None if top is None or isinstance(top, pikepdf.Object) else float(top),
                    self._bookmarks(item.children, pages),
                )
            )
        return tuple(out)


# --- the book ----------------------------------------------------------------------------------


class Book:
    """The book being bound: pages in order, then links, bookmarks, labels and metadata."""

    def __init__(self) -> None:
        self._pdf = pikepdf.new()
        self._outline: list[BookmarkRef] = []

    @property
    def pages(self) -> int:
        """Pages bound so far."""
        return len(self._pdf.pages)

    def page_top(self, page: int) -> float:
        """The top of page ``page`` (0-based), in points."""
        return float(self._pdf.pages[page].mediabox[3])

    def add_pages(self, source: SourcePdf, pages: range) -> None:
        """Append pages ``pages`` of ``source`` as they are."""
        for page in pages:
            self._pdf.pages.append(source._pdf.pages[page])

    def add_report(self, source: SourcePdf, folios: Sequence[Folio]) -> int:
        """Append every page of ``source``, replacing page i's folio ``folios[i].was`` by
        ``folios[i].now``; return the book's page index of its first page.

        Raises ``FolioError`` when a page breaks the binding contract (see the module).
        """
        if len(folios) != source.pages:
            raise ValueError(f"{len(folios)} folios for {source.pages} pages")
        first = self.pages
        # qpdf copies the pages with what they use, once per source: a link's destination is
        # the copy of its page.
        self._pdf.pages.extend(source._pdf.pages)
        forms: set[tuple[int, int]] = set()
        for offset, folio in enumerate(folios):
            _renumber(self._pdf.pages[first + offset], offset + 1, folio, forms)
        return first

    def store_identical_once(self) -> None:
        """Store identical fonts and images (every report's copy of the same subset) once.

        Each font or image a page's resources (or a form's on it) name is keyed by a digest
        of everything it is made of (its dictionaries and the bytes of its streams, followed
        through references); every name then refers to the first of its kind, and saving
        leaves the others out (it writes only what is referred to).
        """
        digests: dict[tuple[int, int], bytes] = {}
        first: dict[bytes, Any] = {}
        done: set[tuple[int, int]] = set()

        def shared(obj: Any) -> Any:
            if not obj.is_indirect:
                return obj
            key = digests.get(obj.objgen)
            if key is None:
                key = digests[obj.objgen] = _digest(obj)
            return first.setdefault(key, obj)

        def visit(resources: Any) -> None:
            if not isinstance(resources, Dictionary):
                return
            if resources.is_indirect:
                if resources.objgen in done:
                    return
                done.add(resources.objgen)
            fonts = resources.get("/Font")
            if isinstance(fonts, Dictionary):
                for name in list(fonts.keys()):
                    fonts[name] = shared(fonts[name])
            xobjects = resources.get("/XObject")
            if isinstance(xobjects, Dictionary):
                for name in list(xobjects.keys()):
                    xobject = xobjects[name]
                    if xobject.get("/Subtype") == "/Image":
                        xobjects[name] = shared(xobject)
                    elif xobject.get("/Subtype") == "/Form":
                        visit(xobject.get("/Resources"))

        for page in self._pdf.pages:
            visit(page.obj.get("/Resources"))

    def add_link(self, page: int, rect: Rect, target: int, label: str) -> int:
        """A link from ``rect`` on page ``page`` to the top of page ``target``, described by
        ``label``; return its index among the page's annotations."""
        annotation = self._pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                F=4,
                Contents=String(label),
                Rect=Array([_real(round(v, 3)) for v in rect]),
                Border=Array([0, 0, 0]),
                Dest=self._destination(target),
            )
        )
        page_obj = self._pdf.pages[page].obj
        if "/Annots" not in page_obj:
            page_obj.Annots = Array()
        page_obj.Annots.append(annotation)
        return len(page_obj.Annots) - 1

    def _destination(self, page: int, top: float | None = None) -> Array:
        """[page /XYZ 0 top 0]: ``page`` at height ``top`` (None: its top)."""
        height = self.page_top(page) if top is None else top
        return Array([self._pdf.pages[page].obj, Name.XYZ, 0, _real(height), 0])

    def add_bookmark(
        self,
        title: str,
        page: int,
        parent: BookmarkRef | None = None,
        top: float | None = None,
        is_open: bool = False,
    ) -> BookmarkRef:
        """A bookmark to page ``page`` at height ``top`` (None: the top of the page)."""
        made = BookmarkRef(title, page, self.page_top(page) if top is None else top, is_open)
        (self._outline if parent is None else parent.children).append(made)
        return made

    def add_bookmarks(
        self, bookmarks: Sequence[SourceBookmark], first: int, parent: BookmarkRef
    ) -> None:
        """A source's bookmarks under ``parent``, its page 0 being the book's page ``first``."""
        for bookmark in bookmarks:
            made = self.add_bookmark(bookmark.title, first + bookmark.page, parent, bookmark.top)
            self.add_bookmarks(bookmark.children, first, made)

    def set_page_labels(self, front: int) -> None:
        """Pages before ``front`` are labelled i, ii, …; the rest 1, 2, …"""
        nums: list[Any] = [0, Dictionary(S=Name.r)] if front else []
        nums += [front, Dictionary(S=Name.D, St=1)]
        self._pdf.Root.PageLabels = self._pdf.make_indirect(Dictionary(Nums=Array(nums)))

    def set_metadata(self, info: DocumentInfo, *, producer: str, ua: bool) -> None:
        """Document information, XMP metadata (with the PDF/UA identifier when ``ua``), the
        language, and a viewer that opens with the bookmarks and shows the title."""
        pdf = self._pdf
        pdf.docinfo = pdf.make_indirect(
            Dictionary(
                {
                    "/Title": String(info.title),
                    "/Author": String(info.author),
                    "/Subject": String(info.subject),
                    "/Keywords": String(info.keywords),
                    "/Creator": String("reportgen"),
                    "/Producer": String(producer),
                    "/CreationDate": String(info.created),
                    "/ModDate": String(info.created),
                }
            )
        )
        root = pdf.Root
        root.Lang = String(info.language)
        root.PageMode = Name.UseOutlines
        root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        metadata = pdf.make_stream(xmp_packet(info, producer, ua=ua))
        metadata.Type = Name.Metadata
        metadata.Subtype = Name.XML
        root.Metadata = metadata
        for page in pdf.pages:
            page.obj.Tabs = Name.S  # tab order: the structure's

    def write(
        self, finish: Callable[[pikepdf.Pdf], None] | None = None, compact: bool = False
    ) -> bytes:
        """The book's bytes: its outline written, then ``finish`` called with the book's PDF
        (``reportgen.layout.tagging.merge_into`` gives it one structure tree), then saved —
        with object streams when ``compact`` (a structure tree is many small objects). The
        PDFs its pages came from must still be open (qpdf copies their streams as it saves)."""
        if self._outline:
            with self._pdf.open_outline() as outline:
                outline.root.extend(self._item(b) for b in self._outline)
        if finish is not None:
            finish(self._pdf)
        buffer = io.BytesIO()
        mode = pikepdf.ObjectStreamMode.generate if compact else pikepdf.ObjectStreamMode.preserve
        self._pdf.save(buffer, object_stream_mode=mode, deterministic_id=True)
        return buffer.getvalue()

    def _item(self, bookmark: BookmarkRef) -> pikepdf.OutlineItem:
        item = pikepdf.OutlineItem(bookmark.title, self._destination(bookmark.page, bookmark.top))
        item.is_closed = not bookmark.is_open
        item.children.extend(self._item(b) for b in bookmark.children)
        return item


# An indirect reference in an object's unparsed text (or a string that reads like one).
_REFERENCE = re.compile(rb"\d+ \d+ R")


def _digest(obj: Any, seen: frozenset[tuple[int, int]] = frozenset()) -> bytes:
    """A digest of ``obj`` and everything it refers to (streams by their encoded bytes)."""
    h = hashlib.sha256()
    if isinstance(obj, pikepdf.Stream | Dictionary):
        if obj.is_indirect:
            if obj.objgen in seen:
                return b"cycle"
            seen = seen | {obj.objgen}
        h.update(b"s" if isinstance(obj, pikepdf.Stream) else b"d")
        for key in sorted(obj.keys()):
            if key != "/Length":
                h.update(key.encode() + _digest(obj[key], seen))
        if isinstance(obj, pikepdf.Stream):
            h.update(obj.read_raw_bytes())
    elif isinstance(obj, Array):
        text = obj.unparse()
        if _REFERENCE.search(text) is None:  # numbers, names, strings (a font's widths): as is
            h.update(b"A" + text)
        else:
            h.update(b"a")
            for item in obj:
                h.update(_digest(item, seen))
    else:
        h.update(obj.unparse() if isinstance(obj, pikepdf.Object) else repr(obj).encode())
    return h.digest()


# --- folios ------------------------------------------------------------------------------------

# What a folio form may do besides showing its text (promise 2): graphics state and colour.
_SETUP = frozenset(
    [
        "q",
        "Q",
        "cm",
        "g",
        "G",
        "rg",
        "RG",
        "k",
        "K",
        "cs",
        "CS",
        "sc",
        "SC",
        "scn",
        "SCN",
        "gs",
        "TL",
        "T*",
    ]
)
_TEXT = ("Tm", "Tf", "Tj")  # the operators whose operands the folio is rewritten from


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _renumber(page: pikepdf.Page, number: int, folio: Folio, forms: set[tuple[int, int]]) -> None:
    """Rewrite the folio form of ``page`` (page ``number`` of its report) to show ``folio.now``."""
    name = folio_xobject(number)
    xobjects = _dict(_dict(page.obj.get("/Resources")).get("/XObject"))
    form = xobjects.get(name)
    if not isinstance(form, pikepdf.Stream) or not form.is_indirect:
        raise FolioError(number, f"it has no folio form {name} (promise 1)", 1)
    if form.get("/Subtype") != "/Form" or form.objgen in forms:
        raise FolioError(number, f"{name} is not a folio form of its own (promise 1)", 1)
    forms.add(form.objgen)
    # 1. The form's operations: one line of text (promise 2).
    try:
        operations: list[tuple[list[Any], str]] = [
            (list(i.operands), str(i.operator))
            if isinstance(i, pikepdf.ContentStreamInstruction)
            else ([], "BI")  # an inline image: not a folio
            for i in pikepdf.parse_content_stream(form)
        ]
    except pikepdf.PdfError as exc:
        raise FolioError(number, f"its folio form cannot be read ({exc})", 2) from None
    at = {op: i for i, (_, op) in enumerate(operations)}
    shape = [op for _, op in operations if op not in _SETUP]
    matrix, font_operands, shown = (operations[at[op]][0] if op in at else [] for op in _TEXT)
    if (
        shape != ["BT", "Tm", "Tf", "Tj", "ET"]
        or len(matrix) != 6
        or not all(_is_number(v) for v in matrix)
        or [float(v) for v in matrix[:4]] != [1, 0, 0, 1]
        or len(font_operands) != 2
        or not isinstance(font_operands[0], Name)
        or not _is_number(font_operands[1])
        or len(shown) != 1
        or not isinstance(shown[0], String)
    ):
        drawn = " ".join(op for _, op in operations)
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
    printed = font.decode(bytes(shown[0]))
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
    operations[at["Tm"]] = ([*matrix[:4], _real(round(x, 4)), matrix[5]], "Tm")
    operations[at["Tj"]] = ([String(encoded)], "Tj")
    form.write(pikepdf.unparse_content_stream([(ops, Operator(op)) for ops, op in operations]))
