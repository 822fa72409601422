"""Tagging while the layout draws: structure descriptors, the tagging canvas, tagged flowables.

In:  flowables carrying ``Tag`` descriptors, drawn on a ``TaggingCanvas`` (reportlab).
Out: marked content around every piece of real content, artifacts around page furniture, and
     the pass's ``Tagger``: one structure node per tag, in drawing order, with its content
     (page, MCID) and link annotations, for ``tagging.tree.finish`` to write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, ListFlowable
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable
from reportlab.platypus.flowables import BulletDrawer
from reportlab.platypus.tables import TableRenderCB

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
    links: Mapping[str, Tag] = field(default_factory=dict)  # URL → Link child (inline links)

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

    def annotation(self, canvas: Canvas, annotation: Any = None) -> None:
        """Record the annotation being added to the page as a child of the open Link, or of
        the open element's Link for the annotation's URL (a link inside a paragraph: the
        paragraph's text stays its own, the Link holds the annotation)."""
        index = len(canvas._annotationrefs)
        node = self._stack[-1] if self._stack else None
        if node is not None and node.tag.role != "Link" and node.tag.links:
            link = node.tag.links.get(_uri(annotation))
            node = self.node(link) if link is not None else node
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
            self.tagger.annotation(self, annotation)
        super()._addAnnotation(annotation, name, addtopage)


def _uri(annotation: Any) -> str:
    """The URL a reportlab link annotation opens ("" for any other annotation)."""
    try:
        return str(annotation["A"]["URI"].s)
    except (KeyError, TypeError, AttributeError):
        return ""


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


# What reportlab's Paragraph.wrap (and its breakLines) sets on the paragraph (reportlab 4–5).
_WRAP_STATE = (
    "width",
    "height",
    "_wrapWidths",
    "blPara",
    "_width_max",
    "_splitLongWordCount",
    "_hyphenations",
)


# Parsed markup, by text and style values: reportlab parses every paragraph's markup anew
# (about 6% of a report's time), and a report's headings, captions, table heads and method
# are those of the report before it. A hit gets copies of the fragments, never the same ones.
_PARSED: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}
_PARSED_MAX = 8192  # entries (cleared when full: a few megabytes at most)
_STYLE_KEYS: dict[int, tuple[Any, tuple[Any, ...]]] = {}  # id → (the style, kept alive; key)
PARSE_MEMO = True  # (off: every paragraph parsed, as reportlab does: benchmarks/bench_memos.py)


def _style_key(style: Any) -> tuple[Any, ...]:
    """Every value of a paragraph style (what the parser may read), as a hashable key."""
    known = _STYLE_KEYS.get(id(style))
    if known is not None and known[0] is style:
        return known[1]
    key = tuple(
        (name, value if isinstance(value, str | int | float | None) else repr(value))
        for name, value in sorted(style.__dict__.items())
        if name != "parent"
    )
    if len(_STYLE_KEYS) >= 4096:
        _STYLE_KEYS.clear()
    _STYLE_KEYS[id(style)] = (style, key)
    return key


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
        self._wrapped: tuple[float, dict[str, Any]] | None = None

    def _setup(self, text: Any, style: Any, bulletText: Any, frags: Any, cleaner: Any) -> None:  # noqa: N803
        """reportlab's ``_setup``, with the markup parsed once per text and style values."""
        if frags is not None or bulletText is not None or not isinstance(text, str):
            super()._setup(text, style, bulletText, frags, cleaner)
            return
        key = (text, self.caseSensitive, _style_key(style)) if PARSE_MEMO else None
        hit = _PARSED.get(key) if key is not None else None
        if hit is not None:
            cleaned, parsed = hit
            super()._setup(cleaned, style, None, [f.clone() for f in parsed], cleaner)
            return
        super()._setup(text, style, None, None, cleaner)
        # (kept only when the parse changed neither the style nor the bullet)
        if key is not None and self.style is style and self.bulletText is None:
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = (self.text, tuple(f.clone() for f in self.frags))

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        """reportlab's ``wrap``, whose line breaking depends on the width alone: a paragraph
        measured again at the width it was last measured at (a frame after a KeepTogether,
        a split that measures first: about half of all calls) keeps its lines."""
        if self._wrapped is not None and self._wrapped[0] == availWidth:
            self.__dict__.update(self._wrapped[1])
            return self.width, self.height
        size: tuple[float, float] = super().wrap(availWidth, availHeight)
        state = self.__dict__
        self._wrapped = (availWidth, {key: state[key] for key in _WRAP_STATE if key in state})
        return size

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
