"""Tagged PDF (PDF/UA-1): structure descriptors, a tagging canvas, tagged flowables, the pass after.

In:  flowables carrying ``Tag`` descriptors (made where the layout makes its flowables), drawn
     on a ``TaggingCanvas``; after the build, the PDF's bytes and the canvas's ``Tagger``.
Out: the same PDF tagged: marked content around every piece of real content, artifacts around
     running heads, folios, rules and backgrounds, and (written by ``finish``) the structure
     tree (Document › Sect › H1–H3, P, L/LI/Lbl/LBody, Table/TR/TH/TD, Figure with /Alt,
     Link with OBJR, TOC/TOCI), the parent tree, ``/MarkInfo``, XMP metadata with the PDF/UA
     identifier, link annotations with /Contents, tab order and clean ToUnicode maps.

How it works. A ``Tag`` is a description (role, parent tag, alternative text, attributes); it
lives on flowables and never changes, so the multi-pass build may draw a flowable any number
of times. The canvas owns all state of one pass (``Tagger``): each tag gets a structure node
the first time something of it is drawn (so the tree's order is the drawing order, which is the
visual order), every drawn piece gets a marked-content id on its page, and link annotations
become object references of the ``Link`` node open when they are made. Split pieces of a
paragraph or table share their tags: one element whose content continues on the next page.
The same flowable drawn a second time in one pass (a table's header row repeated on the next
page) is an artifact. At the end of each page, drawing outside any marked content is wrapped as
an artifact and counted (``Tagger.untagged``): the count is a lint that tests keep at 0.

Only this module knows about tagging: the layout makes tagged flowables and wraps what its page
callbacks draw in ``artifact``; ``finish`` runs once on the bytes of the final pass (pikepdf:
~1 ms per page, and object streams keep the file the size of an untagged one).

Binding: ``merge_structure`` gives a book bound from tagged PDFs (the compendium) one structure
tree made of theirs: qpdf copies the elements (their page references first replaced by the
book's page numbers, so that no page is copied along), and every parent-tree key is renumbered.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Array, Dictionary, Name
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, ListFlowable
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable
from reportlab.platypus.flowables import BulletDrawer
from reportlab.platypus.tables import TableRenderCB

__all__ = [
    "BookLink",
    "DocumentInfo",
    "Graft",
    "Group",
    "Tag",
    "TaggedList",
    "TaggedParagraph",
    "TaggedStr",
    "TaggedTable",
    "Tagger",
    "TaggingCanvas",
    "TreeSource",
    "artifact",
    "compact",
    "finish",
    "marked",
    "merge_structure",
    "tagger_of",
    "xmp_packet",
]


# --- descriptors ----------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Tag:
    """What a piece of content is: a structure type and where it belongs.

    ``parent`` None means a child of the document element. ``alt`` is the alternative text
    (figures), ``contents`` the description of a link (its annotation's /Contents), ``attrs``
    the standard attributes (``{"Scope": "Column"}``, ``{"ListNumbering": "Disc"}``) and
    ``ident`` an element identifier (/ID), by which later stages find the element.
    Compared by identity: two tags are the same element only if they are the same object.
    """

    role: str
    parent: Tag | None = None
    alt: str | None = None
    contents: str | None = None
    attrs: Mapping[str, str] = field(default_factory=dict)
    ident: str | None = None

    def child(self, role: str, **kwargs: Any) -> Tag:
        """A new tag whose parent is this one."""
        return Tag(role, self, **kwargs)


@dataclass(eq=False, slots=True)
class _Annot:
    """An annotation of a page (its index in the page's /Annots), as a structure child."""

    page: int
    index: int


class _Node:
    """The structure element of a tag in one build pass."""

    __slots__ = ("bbox", "kids", "tag")

    def __init__(self, tag: Tag) -> None:
        self.tag = tag
        self.kids: list[_Node | tuple[int, int] | _Annot] = []  # (page, MCID) for content
        self.bbox: tuple[int, tuple[float, float, float, float]] | None = None  # page, box


_PAINTING = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "Do", "sh", "BI", "'", '"'})


def _paints(code: list[str]) -> bool:
    """Whether PDF operators ``code`` paint anything (paths, text, images, forms)."""
    for token in " ".join(code).split():
        if token in _PAINTING or token.endswith(("Tj", "TJ")):
            return True
    return False


class Tagger:
    """All tagging state of one build pass; a ``TaggingCanvas`` owns one."""

    def __init__(self) -> None:
        self.root = _Node(Tag("Document"))
        self._nodes: dict[Tag, _Node] = {}
        self._drawn: dict[int, object] = {}  # what was drawn in this pass (kept alive)
        self.page = 0
        self._mcid = 0
        self.parents: list[list[_Node]] = []  # per page: the node of each MCID
        self._page_parents: list[_Node] = []
        self.annots: list[dict[int, _Node]] = []  # per page: annotation index → Link node
        self._page_annots: dict[int, _Node] = {}
        self._stack: list[_Node | None] = []  # open marked content (None: an artifact)
        self._spans: list[tuple[int, int]] = []  # top-level marked content: [start, end)
        self._opened = 0
        self.untagged = 0  # pieces of stray drawing made artifacts by the safety net
        self.stray: list[str] = []  # what they were (the first operators), for messages

    # -- the tree ------------------------------------------------------------------------
    def node(self, tag: Tag) -> _Node:
        """The node of ``tag`` in this pass, made (and attached to its parent's) on first use."""
        node = self._nodes.get(tag)
        if node is None:
            node = self._nodes[tag] = _Node(tag)
            parent = self.root if tag.parent is None else self.node(tag.parent)
            parent.kids.append(node)
        return node

    # -- marked content --------------------------------------------------------------------
    def _open(self, canvas: Canvas, operator: str, node: _Node | None) -> None:
        code: list[str] = canvas._code
        if not self._stack:
            self._opened = len(code)
        code.append(operator)
        self._stack.append(node)

    def begin(
        self,
        canvas: Canvas,
        tag: Tag,
        drawn: object | None,
        box: tuple[float, float, float, float] | None = None,
    ) -> None:
        """Open marked content for ``tag``; ``drawn`` is what is being drawn.

        The same object drawn twice in one pass is a repetition (a table header row on the
        next page) and becomes an artifact (``drawn`` None: no such check). ``box`` (x0, y0,
        x1, y1 in the current user space) records where the content is, for /BBox.
        """
        if self._stack:
            if self._stack[-1] is None:  # inside an artifact everything is artifact
                self._open(canvas, "/Artifact BMC", None)
                return
            raise RuntimeError(f"{tag.role} drawn inside {self._stack[-1].tag.role}")
        if drawn is not None:
            if id(drawn) in self._drawn:
                self._open(canvas, "/Artifact <</Type /Pagination>> BDC", None)
                return
            self._drawn[id(drawn)] = drawn
        node = self.node(tag)
        mcid = self._mcid
        self._mcid += 1
        self._page_parents.append(node)
        node.kids.append((self.page, mcid))
        if box is not None and node.bbox is None:
            node.bbox = (self.page, _absolute(canvas, box))
        self._open(canvas, f"/{tag.role} <</MCID {mcid}>> BDC", node)

    def begin_artifact(self, canvas: Canvas, kind: str = "/Type /Layout") -> None:
        """Open an artifact (``kind``: its property list entries, e.g. "/Type /Pagination")."""
        self._open(canvas, f"/Artifact <<{kind}>> BDC", None)

    def end(self, canvas: Canvas) -> None:
        """Close the innermost marked content."""
        code: list[str] = canvas._code
        code.append("EMC")
        self._stack.pop()
        if not self._stack:
            self._spans.append((self._opened, len(code)))

    def touch(self, tag: Tag) -> None:
        """Make sure ``tag`` has an element even if it draws nothing (an empty table cell)."""
        self.node(tag)

    def annotation(self, canvas: Canvas) -> None:
        """Record the annotation being added to the page as a child of the open Link."""
        index = len(canvas._annotationrefs)
        node = self._stack[-1] if self._stack else None
        if node is None or node.tag.role != "Link":
            self.untagged += 1
            self.stray.append(f"page {self.page + 1}: an annotation outside a Link")
            return
        node.kids.append(_Annot(self.page, index))
        self._page_annots[index] = node

    def end_page(self, canvas: Canvas) -> None:
        """Close the page: wrap stray drawing as artifacts (counted), keep the page's ids."""
        if self._stack:
            raise RuntimeError("marked content left open at the end of a page")
        code: list[str] = canvas._code
        gaps: list[tuple[int, int]] = []
        start = 0
        for begin, end in self._spans:
            if begin > start:
                gaps.append((start, begin))
            start = end
        if len(code) > start:
            gaps.append((start, len(code)))
        for begin, end in reversed(gaps):
            if _paints(code[begin:end]):
                self.untagged += 1
                self.stray.append(f"page {self.page + 1}: {' '.join(code[begin:end])[:120]}")
                code.insert(end, "EMC")
                code.insert(begin, "/Artifact BMC")
        self.parents.append(self._page_parents)
        self.annots.append(self._page_annots)
        self._page_parents, self._page_annots, self._spans = [], {}, []
        self._mcid = 0
        self.page += 1


def _absolute(
    canvas: Canvas, box: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """``box`` in the current user space → default user space (page coordinates)."""
    a, b, c, d, e, f = canvas._currentMatrix
    x0, y0, x1, y1 = box
    xs, ys = [], []
    for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return (min(xs), min(ys), max(xs), max(ys))


class TaggingCanvas(Canvas):  # type: ignore[misc]
    """A reportlab canvas that collects the structure of what is drawn on it (one pass)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tagger = Tagger()

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self.tagger.end_page(self)
        super().showPage()

    def _addAnnotation(self, annotation: Any, name: str | None = None, addtopage: int = 1) -> None:  # noqa: N802
        if addtopage:
            self.tagger.annotation(self)
        super()._addAnnotation(annotation, name, addtopage)


def tagger_of(canvas: Canvas) -> Tagger | None:
    """The tagger of ``canvas`` (None: an ordinary canvas, the document is not tagged).

    Nothing is tagged inside a form XObject (its marked content would belong to the form).
    """
    tagger: Tagger | None = getattr(canvas, "tagger", None)
    if tagger is None or canvas._formData is not None:
        return None
    return tagger


@contextmanager
def artifact(canvas: Canvas, kind: str = "/Type /Layout") -> Iterator[None]:
    """Draw the body of the ``with`` as an artifact (if the canvas tags)."""
    tagger = tagger_of(canvas)
    if tagger is None:
        yield
        return
    tagger.begin_artifact(canvas, kind)
    yield
    tagger.end(canvas)


@contextmanager
def marked(canvas: Canvas, tag: Tag | None, drawn: object) -> Iterator[None]:
    """Draw the body of the ``with`` as content of ``tag`` (if the canvas tags)."""
    tagger = tagger_of(canvas)
    if tagger is None or tag is None:
        yield
        return
    tagger.begin(canvas, tag, drawn)
    yield
    tagger.end(canvas)


# --- tagged flowables -----------------------------------------------------------------------


class TaggedParagraph(RLParagraph):  # type: ignore[misc]
    """A paragraph whose text is the content of ``tag`` (P, H1, TD, LBody, Link …).

    Split pieces keep the tag: one element continued on the next page. Lines that wrap get a
    trailing space when tagged, so that the structure's text keeps its words apart (the space
    is drawn after the line is placed: nothing moves).
    """

    def __init__(self, text: Any, style: Any, tag: Tag | None = None, **kwargs: Any) -> None:
        super().__init__(text, style, **kwargs)
        self.tag = tag
        self.continued = False  # a piece whose text goes on in the next piece

    def split(self, availWidth: float, availHeight: float) -> list[Any]:  # noqa: N803
        pieces: list[Any] = super().split(availWidth, availHeight)
        for i, piece in enumerate(pieces):
            if isinstance(piece, TaggedParagraph):
                piece.tag = self.tag
                piece.continued = i < len(pieces) - 1 or self.continued
        return pieces

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        tagger = tagger_of(canvas)
        if tagger is None or self.tag is None:
            super().drawOn(canvas, x, y, _sW)
            return
        _space_line_ends(self, self.continued)
        tagger.begin(canvas, self.tag, self)
        super().drawOn(canvas, x, y, _sW)
        tagger.end(canvas)


def _space_line_ends(paragraph: RLParagraph, last_too: bool) -> None:
    """End every line but the last (``last_too``: every line) with a space.

    The space goes into the drawn text only, after measuring: nothing moves.
    """
    para = getattr(paragraph, "blPara", None)
    if para is None:
        return
    lines = para.lines
    count = len(lines) if last_too else len(lines) - 1
    if para.kind == 0:
        for i in range(count):
            extra, words = lines[i]
            if words and not words[-1].endswith(" "):
                lines[i] = (extra, [*words[:-1], words[-1] + " "])
        return
    for line in lines[:count]:
        words = line.words
        for i in range(len(words) - 1, -1, -1):
            frag = words[i]
            if hasattr(frag, "cbDefn"):
                continue
            if not frag.text.endswith(" "):
                words[i] = frag.clone(text=frag.text + " ")
            break


class TaggedFigure(Flowable):  # type: ignore[misc]
    """Wraps a drawing flowable as a ``Figure`` with alternative text and a bounding box."""

    def __init__(self, content: Flowable, tag: Tag) -> None:
        super().__init__()
        if not tag.alt:
            raise ValueError("a figure needs alternative text")
        self.content, self.tag = content, tag

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width, self.height = self.content.wrap(availWidth, availHeight)
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        tagger = tagger_of(canvas)
        if tagger is None:
            self.content.drawOn(canvas, x, y, _sW)
            return
        x = self.content._hAlignAdjust(x, _sW)
        tagger.begin(canvas, self.tag, self, (x, y, x + self.width, y + self.height))
        self.content.drawOn(canvas, x, y)
        tagger.end(canvas)


class TaggedStr(str):
    """A plain-text table cell that knows its tag (reportlab draws it as any string)."""

    tag: Tag

    def __new__(cls, text: str, tag: Tag) -> TaggedStr:
        self = super().__new__(cls, text)
        self.tag = tag
        return self


class _TableTags(TableRenderCB):  # type: ignore[misc]
    """Table render callbacks: backgrounds and rules are artifacts; string cells are tagged."""

    def startTable(self, table: RLTable) -> None:  # noqa: N802
        table._tag_open = []
        tagger = tagger_of(table.canv)
        if tagger is not None:
            for tag in getattr(table, "_tag_order", ()):
                tagger.touch(tag)

    def startBG(self, table: RLTable) -> None:  # noqa: N802
        tagger = tagger_of(table.canv)
        if tagger is not None:
            tagger.begin_artifact(table.canv)

    def endBG(self, table: RLTable) -> None:  # noqa: N802
        tagger = tagger_of(table.canv)
        if tagger is not None:
            tagger.end(table.canv)

    def startRow(self, table: RLTable, row: int) -> None:  # noqa: N802
        pass

    def endRow(self, table: RLTable) -> None:  # noqa: N802
        pass

    def startCell(  # noqa: N802
        self, table: RLTable, row: int, col: int, value: Any, style: Any, pos: Any, size: Any
    ) -> None:
        tagger = tagger_of(table.canv)
        opened = False
        if tagger is not None and isinstance(value, TaggedStr):
            if value:
                tagger.begin(table.canv, value.tag, value)
                opened = True
            else:
                tagger.touch(value.tag)
        table._tag_open.append(opened)

    def endCell(self, table: RLTable) -> None:  # noqa: N802
        if table._tag_open.pop():
            tagger = tagger_of(table.canv)
            if tagger is not None:
                tagger.end(table.canv)

    def startLines(self, table: RLTable) -> None:  # noqa: N802
        self.startBG(table)

    def endLines(self, table: RLTable) -> None:  # noqa: N802
        self.endBG(table)

    def endTable(self, table: RLTable) -> None:  # noqa: N802
        pass


_TABLE_TAGS = _TableTags()


class TaggedTable(RLTable):  # type: ignore[misc]
    """A table whose cells are tagged flowables or ``TaggedStr``; rules and fills are artifacts.

    The cells' tags carry the structure (TH/TD › TR › Table): pieces of a split table need no
    tag of their own. An empty cell's tag is given with ``TaggedStr("", tag)``. ``order``:
    tags whose elements are made, in this order, before any cell is drawn (cells are drawn
    row by row; a table laid out in columns is read column by column).
    """

    def __init__(self, data: Any, *args: Any, order: Iterable[Tag] = (), **kwargs: Any) -> None:
        kwargs["renderCB"] = _TABLE_TAGS
        super().__init__(data, *args, **kwargs)
        self._tag_order = tuple(order)


class _TaggedBullet(BulletDrawer):  # type: ignore[misc]
    """A list item's bullet drawn as the item's ``Lbl``."""

    def __init__(self, bullet: BulletDrawer, tag: Tag) -> None:
        self.__dict__.update(bullet.__dict__)
        self.tag = tag

    def drawOn(self, indenter: Any, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        with marked(canvas, self.tag, self):
            super().drawOn(indenter, canvas, x, y, _sW)


class TaggedList(ListFlowable):  # type: ignore[misc]
    """A bulleted list: L › LI › (Lbl, LBody). Items must be ``TaggedParagraph``s tagged
    ``LBody`` whose parent is the ``LI``; the bullet becomes that LI's ``Lbl``."""

    def _getContent(self) -> list[Any]:  # noqa: N802
        content: list[Any] = super()._getContent()
        for indenter in content:
            bullet = indenter.__dict__.get("_bullet")
            tag = getattr(indenter.__dict__.get("_flowable"), "tag", None)
            if bullet is not None and tag is not None and tag.parent is not None:
                indenter._bullet = _TaggedBullet(bullet, tag.parent.child("Lbl"))
        return content


# --- after the build: the structure tree and the rest, written with pikepdf ----------------


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the XMP metadata says: title, author, subject, keywords, language, dates."""

    title: str
    author: str
    subject: str
    keywords: str
    language: str
    created: str  # PDF date: "D:20200101000000+00'00'"


def _xmp_date(pdf_date: str) -> str:
    m = re.match(r"D:(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?", pdf_date)
    if m is None:
        return "2000-01-01T00:00:00Z"
    y, mo, d, h, mi, s = (g or "00" for g in m.groups())
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}Z"


def xmp_packet(info: DocumentInfo, producer: str, ua: bool = True) -> bytes:
    """The XMP metadata: Dublin Core title etc., dates, and (``ua``) the PDF/UA-1 identifier."""
    date = _xmp_date(info.created)
    keywords = f"<pdf:Keywords>{escape(info.keywords)}</pdf:Keywords>" if info.keywords else ""
    subject = (
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(info.subject)}'
        "</rdf:li></rdf:Alt></dc:description>"
        if info.subject
        else ""
    )
    creator = (
        f"<dc:creator><rdf:Seq><rdf:li>{escape(info.author)}</rdf:li></rdf:Seq></dc:creator>"
        if info.author
        else ""
    )
    text = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
        "<dc:format>application/pdf</dc:format>\n"
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(info.title)}</rdf:li>'
        "</rdf:Alt></dc:title>\n"
        f"{creator}{subject}"
        f"<dc:language><rdf:Bag><rdf:li>{escape(info.language)}</rdf:li></rdf:Bag></dc:language>\n"
        f"{keywords}<pdf:Producer>{escape(producer)}</pdf:Producer>\n"
        f"<xmp:CreatorTool>reportgen</xmp:CreatorTool>\n"
        f"<xmp:CreateDate>{date}</xmp:CreateDate><xmp:ModifyDate>{date}</xmp:ModifyDate>\n"
        f"{'<pdfuaid:part>1</pdfuaid:part>' if ua else ''}\n"
        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return text.encode("utf-8")


_BFCHAR = re.compile(rb"(\d+) beginbfchar\n(.*?)endbfchar", re.S)
_NULL_TARGET = re.compile(rb"<[0-9A-Fa-f]+> <(?:0000|FEFF|FFFE|feff|fffe)>\n")


def clean_to_unicode(data: bytes) -> bytes | None:
    """A ToUnicode CMap without mappings to U+0000/U+FEFF/U+FFFE (PDF/UA forbids them).

    None when there was nothing to remove. reportlab maps code 0 of its subsets (.notdef) to
    U+0000.
    """

    def fix(match: re.Match[bytes]) -> bytes:
        body = _NULL_TARGET.sub(b"", match[2])
        count = body.count(b"\n")
        return b"%d beginbfchar\n" % count + body + b"endbfchar"

    fixed = _BFCHAR.sub(fix, data)
    return None if fixed == data else fixed.replace(b"0 beginbfchar\nendbfchar\n", b"")


def _fix_fonts(pdf: pikepdf.Pdf, pages: Iterable[pikepdf.Page]) -> None:
    seen: set[tuple[int, int]] = set()
    for page in pages:
        fonts = page.obj.get("/Resources", Dictionary()).get("/Font", Dictionary())
        for font in fonts.values():
            to_unicode = font.get("/ToUnicode")
            if to_unicode is None or to_unicode.objgen in seen:
                continue
            seen.add(to_unicode.objgen)
            fixed = clean_to_unicode(to_unicode.read_bytes())
            if fixed is not None:
                to_unicode.write(fixed)


class _TreeWriter:
    """Writes a tagger's nodes as structure elements of ``pdf``."""

    def __init__(self, pdf: pikepdf.Pdf, tagger: Tagger) -> None:
        self.pdf = pdf
        self.page_refs = [page.obj for page in pdf.pages]
        self.annots = [page.obj.get("/Annots") for page in pdf.pages]
        self.refs: dict[int, pikepdf.Object] = {}  # id(node) → element
        self.ids: list[tuple[str, pikepdf.Object]] = []
        self.tagger = tagger

    def element(self, node: _Node, parent: pikepdf.Object) -> pikepdf.Object:
        tag = node.tag
        element = self.pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name("/" + tag.role), P=parent)
        )
        self.refs[id(node)] = element
        if tag.alt:
            element.Alt = pikepdf.String(tag.alt)
        if tag.ident:
            element.ID = pikepdf.String(tag.ident)
            self.ids.append((tag.ident, element))
        attributes: list[Dictionary] = []
        if tag.attrs:
            owner = "Table" if "Scope" in tag.attrs else "List"
            a = Dictionary(O=Name("/" + owner))
            for key, value in tag.attrs.items():
                a[Name("/" + key)] = Name("/" + value)
            attributes.append(a)
        if node.bbox is not None:
            box = Array([round(v, 2) for v in node.bbox[1]])
            attributes.append(Dictionary(O=Name.Layout, BBox=box, Placement=Name.Block))
        if len(attributes) == 1:
            element.A = attributes[0]
        elif attributes:
            element.A = Array(attributes)
        kids: list[Any] = []
        page: int | None = None
        for kid in node.kids:
            if isinstance(kid, _Node):
                kids.append(self.element(kid, element))
            elif isinstance(kid, tuple):
                kid_page, mcid = kid
                if page is None:
                    page = kid_page
                    element.Pg = self.page_refs[kid_page]
                if kid_page == page:
                    kids.append(mcid)
                else:
                    kids.append(Dictionary(Type=Name.MCR, Pg=self.page_refs[kid_page], MCID=mcid))
            else:
                annots = self.annots[kid.page]
                assert annots is not None, "an annotation was recorded on a page without any"
                kids.append(
                    Dictionary(Type=Name.OBJR, Obj=annots[kid.index], Pg=self.page_refs[kid.page])
                )
        if len(kids) == 1:
            element.K = kids[0]
        elif kids:
            element.K = Array(kids)
        return element


def _number_tree(entries: list[tuple[int, Any]]) -> Dictionary:
    nums: list[Any] = []
    for key, value in sorted(entries, key=lambda e: e[0]):
        nums += [key, value]
    return Dictionary(Nums=Array(nums))


def finish(
    data: bytes,
    tagger: Tagger,
    info: DocumentInfo,
    object_streams: bool = True,
) -> bytes:
    """Write ``tagger``'s structure into the PDF ``data`` (drawn on its canvas); return the bytes.

    Also: the parent tree and /StructParents, link annotations' /StructParent, /Contents
    and print flag, /Tabs /S, /MarkInfo, XMP metadata with the PDF/UA identifier, ToUnicode
    maps without U+0000. Saved with object streams (the tree is many small objects) and a
    deterministic file identifier.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if len(pdf.pages) != len(tagger.parents):
            raise RuntimeError(
                f"the tagger saw {len(tagger.parents)} pages, the PDF has {len(pdf.pages)}"
            )
        root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        writer = _TreeWriter(pdf, tagger)
        document = writer.element(tagger.root, root)
        root.K = document
        entries: list[tuple[int, Any]] = []
        key = 0
        for number, page in enumerate(pdf.pages):
            nodes = tagger.parents[number]
            page.obj.StructParents = key
            entries.append((key, Array([writer.refs[id(n)] for n in nodes])))
            page.obj.Tabs = Name.S
            key += 1
        for number, page in enumerate(pdf.pages):
            annots = page.obj.get("/Annots")
            for index, node in sorted(tagger.annots[number].items()):
                assert annots is not None
                annot = annots[index]
                annot.StructParent = key
                annot.F = 4
                annot.Contents = pikepdf.String(node.tag.contents or _text_hint(node))
                entries.append((key, writer.refs[id(node)]))
                key += 1
        root.ParentTree = pdf.make_indirect(_number_tree(entries))
        root.ParentTreeNextKey = key
        if writer.ids:
            names: list[Any] = []
            for ident, element in sorted(writer.ids, key=lambda e: e[0]):
                names += [pikepdf.String(ident), element]
            root.IDTree = Dictionary(Names=Array(names))
        catalog = pdf.Root
        catalog.StructTreeRoot = root
        catalog.MarkInfo = Dictionary(Marked=True)
        catalog.Lang = pikepdf.String(info.language)
        prefs = catalog.get("/ViewerPreferences", Dictionary())
        prefs.DisplayDocTitle = True
        catalog.ViewerPreferences = prefs
        producer = str(pdf.docinfo.get("/Producer", "reportgen"))
        metadata = pdf.make_stream(xmp_packet(info, producer))
        metadata.Type = Name.Metadata
        metadata.Subtype = Name.XML
        catalog.Metadata = metadata
        _fix_fonts(pdf, pdf.pages)
        out = io.BytesIO()
        pdf.save(
            out,
            object_stream_mode=(
                pikepdf.ObjectStreamMode.generate
                if object_streams
                else pikepdf.ObjectStreamMode.preserve
            ),
            deterministic_id=True,
            compress_streams=True,
        )
        return out.getvalue()


def compact(data: bytes) -> bytes:
    """The PDF ``data`` stored with object streams (a structure tree is many small objects)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
        return out.getvalue()


# --- binding tagged PDFs: their structure trees merged into the book's ------------------------


@dataclass(frozen=True, slots=True)
class TreeSource:
    """A tagged PDF whose pages were bound into a book: ``pages[i]`` is the book's page of its
    page ``i``; its annotations are on those pages in the same order."""

    data: bytes
    pages: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Graft:
    """An element of source ``source`` placed in the book: the one whose /ID is ``ident``
    (None: the source's document element), optionally with a new ``role`` ("Art")."""

    source: int
    ident: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """A new element of the book (``role``) holding ``kids``."""

    role: str
    kids: tuple[Graft | Group, ...]


@dataclass(frozen=True, slots=True)
class BookLink:
    """A link annotation made for the book (annotation ``index`` of page ``page``) that belongs
    to the ``Link`` element of source ``source`` whose /ID is ``ident``."""

    page: int
    index: int
    source: int
    ident: str


def _is_int(obj: Any) -> bool:
    return isinstance(obj, int) or (
        isinstance(obj, pikepdf.Object) and obj._type_code == pikepdf.ObjectType.integer
    )


def _kid_list(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


class _Prepared:
    """A source opened with pikepdf, its page references replaced by the book's page numbers
    (and link annotations by their index on the page), so that copying its elements into the
    book copies no page."""

    def __init__(self, source: TreeSource) -> None:
        self.pdf = pikepdf.open(io.BytesIO(source.data))
        root = self.pdf.Root.get("/StructTreeRoot")
        if root is None or "/K" not in root:
            raise ValueError("the source is not tagged")
        self.root = root
        pages = {page.obj.objgen: source.pages[i] for i, page in enumerate(self.pdf.pages)}
        annots: dict[tuple[int, int], int] = {}
        for page in self.pdf.pages:
            for index, annot in enumerate(page.obj.get("/Annots", [])):
                annots[annot.objgen] = index
        self.ids: dict[str, Any] = {}
        names = root.get("/IDTree", Dictionary()).get("/Names", Array())
        for i in range(0, len(names) - 1, 2):
            self.ids[str(names[i])] = names[i + 1]
        stack = [root.K]
        seen: set[tuple[int, int]] = set()
        while stack:
            element = stack.pop()
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
            if "/ID" in element:
                del element["/ID"]
            page_ref: Any = element.get("/Pg")
            if page_ref is not None:
                element.Pg = pages[page_ref.objgen]
            for kid in _kid_list(element):
                if not isinstance(kid, Dictionary):
                    continue
                kind = kid.get("/Type")
                if kind == "/MCR":
                    kid.Pg = pages[kid.Pg.objgen]
                elif kind == "/OBJR":
                    kid.Pg = pages[kid.Pg.objgen]
                    kid.Obj = annots[kid.Obj.objgen]
                elif kid.is_indirect:
                    stack.append(kid)
        self.source = source

    def element(self, ident: str | None) -> Any:
        return self.root.K if ident is None else self.ids[ident]


def merge_structure(
    book: bytes,
    sources: list[TreeSource],
    document: Group,
    links: list[BookLink],
) -> bytes:
    """The ``book`` (bound from ``sources``' pages) with one structure tree made of theirs.

    ``document`` says where each source's elements go; every source's parent-tree entries and
    its pages' and annotations' keys are renumbered into the book's one parent tree; the
    book's own link annotations (``links``) become children of their ``Link`` elements. The
    elements are copied with qpdf (fast, in C++), their page references restored after.
    Saved with object streams.
    """
    with pikepdf.open(io.BytesIO(book)) as pdf:
        tree = _BookTree(pdf, sources, document, links)
        try:
            top = tree.place(document, tree.root)
        finally:
            tree.close()
        tree.restore(top)
        tree.finish(top)
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
        return out.getvalue()


def _grafts(item: Graft | Group) -> Iterator[Graft]:
    if isinstance(item, Graft):
        yield item
    else:
        for kid in item.kids:
            yield from _grafts(kid)


class _BookTree:
    """The book's structure tree while it is put together: one source open at a time (the
    reports are opened, copied from and closed in turn; memory stays that of one report)."""

    def __init__(
        self,
        pdf: pikepdf.Pdf,
        sources: list[TreeSource],
        document: Group,
        links: list[BookLink],
    ) -> None:
        self.pdf, self.sources, self.links = pdf, sources, links
        self.page_objs = [page.obj for page in pdf.pages]
        self.root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        self.entries: list[tuple[int, Any]] = []
        self.key = 0
        self.opened: dict[int, tuple[_Prepared, int]] = {}  # source → (it, its key offset)
        self.remaining: dict[int, int] = {}  # source → grafts still to place
        for graft in _grafts(document):
            self.remaining[graft.source] = self.remaining.get(graft.source, 0) + 1

    def source(self, index: int) -> _Prepared:
        if index not in self.opened:
            prepared = _Prepared(self.sources[index])
            self.opened[index] = (prepared, self.key)
            self.key += int(prepared.root.get("/ParentTreeNextKey", 0))
        return self.opened[index][0]

    def place(self, item: Graft | Group, parent: Any) -> Any:
        """Copy or make ``item`` under ``parent``; return its element."""
        if isinstance(item, Group):
            group = self.pdf.make_indirect(
                Dictionary(Type=Name.StructElem, S=Name("/" + item.role), P=parent)
            )
            group.K = Array([self.place(kid, group) for kid in item.kids])
            return group
        source = self.source(item.source)
        element = source.element(item.ident)
        if "/P" in element:
            del element["/P"]  # the source's parent is not copied along
        if item.role is not None:
            element.S = Name("/" + item.role)
        copy = self.pdf.copy_foreign(element)
        copy.P = parent
        self.remaining[item.source] -= 1
        if not self.remaining[item.source]:
            self.adopt(item.source)
        return copy

    def adopt(self, index: int) -> None:
        """Renumber a source's parent-tree entries into the book's; attach its links; close it."""
        source, offset = self.opened.pop(index)
        pdf, pages = self.pdf, self.page_objs
        nums = source.root.get("/ParentTree", Dictionary()).get("/Nums", Array())
        for i in range(0, len(nums) - 1, 2):
            value = nums[i + 1]
            if isinstance(value, Array):  # a page's elements, by MCID
                copied: Any = Array([pdf.copy_foreign(e) for e in value])
            else:  # an annotation's element
                copied = pdf.copy_foreign(value)
            self.entries.append((offset + int(nums[i]), copied))
        for i, page in enumerate(source.pdf.pages):
            ours: Any = pages[source.source.pages[i]]
            if "/StructParents" in page.obj:
                ours.StructParents = offset + int(page.obj.StructParents)
            # the annotations the book copied from this page keep their keys: renumber
            book_annots: Any = ours.get("/Annots", Array())
            for n, annot in enumerate(page.obj.get("/Annots", Array())):
                if "/StructParent" in annot and n < len(book_annots):
                    book_annots[n].StructParent = offset + int(annot.StructParent)
        for link in self.links:
            if link.source != index:
                continue
            element = pdf.copy_foreign(source.ids[link.ident])
            page_obj = pages[link.page]
            annot = page_obj.Annots[link.index]
            annot.StructParent = self.key
            self.entries.append((self.key, element))
            self.key += 1
            kids = _kid_list(element)
            kids.append(Dictionary(Type=Name.OBJR, Obj=annot, Pg=page_obj))
            element.K = Array(kids)
        source.pdf.close()

    def close(self) -> None:
        for source, _ in self.opened.values():
            source.pdf.close()

    def restore(self, top: Any) -> None:
        """Page (and annotation) references back in the copied elements."""
        pages = self.page_objs
        stack = [top]
        seen: set[tuple[int, int]] = set()
        while stack:
            element = stack.pop()
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
            if _is_int(element.get("/Pg")):
                element.Pg = pages[int(element.Pg)]
            for kid in _kid_list(element):
                if not isinstance(kid, Dictionary):
                    continue
                kind = kid.get("/Type")
                if kind in ("/MCR", "/OBJR") and _is_int(kid.get("/Pg")):
                    page_obj = pages[int(kid.Pg)]
                    kid.Pg = page_obj
                    if kind == "/OBJR" and _is_int(kid.get("/Obj")):
                        kid.Obj = page_obj.Annots[int(kid.Obj)]
                elif kid.is_indirect:
                    stack.append(kid)

    def finish(self, top: Any) -> None:
        self.root.K = top
        self.root.ParentTree = self.pdf.make_indirect(_number_tree(self.entries))
        self.root.ParentTreeNextKey = self.key
        self.pdf.Root.StructTreeRoot = self.root
        self.pdf.Root.MarkInfo = Dictionary(Marked=True)


def _text_hint(node: _Node) -> str:
    return node.tag.alt or node.tag.role
