"""Binding tagged PDFs: their structure trees merged into one book's (the compendium).

In:  a bound book and, per bound part, where its pages went (``TreeSource``, ``Graft``,
     ``Group``, ``BookLink``).
Out: one structure tree made of the parts' trees: qpdf copies the elements (their page
     references first replaced by the book's page numbers, so that no page is copied along),
     and every parent-tree key is renumbered.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from reportgen.layout.tagging.tree import _number_tree

# --- binding tagged PDFs: their structure trees merged into the book's ------------------------


@dataclass(frozen=True, slots=True)
class TreeSource:
    """A tagged PDF whose pages were bound into a book: ``pages[i]`` is the book's page of its
    page ``i``; its annotations are on those pages in the same order. ``data``: its bytes, or
    the PDF itself, open (the one its pages were copied from: merging rewrites its structure
    elements in place, after which it is of no other use)."""

    data: bytes | pikepdf.Pdf
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
        data = source.data
        self.owned = not isinstance(data, pikepdf.Pdf)  # (opened here: closed here)
        self.pdf = pikepdf.open(io.BytesIO(data)) if not isinstance(data, pikepdf.Pdf) else data
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


def merge_into(
    pdf: pikepdf.Pdf,
    sources: list[TreeSource],
    document: Group,
    links: list[BookLink],
) -> None:
    """Give the book ``pdf`` (bound from ``sources``' pages, open, to be saved after) one
    structure tree made of theirs, in place.

    ``document`` says where each source's elements go; every source's parent-tree entries and
    its pages' and annotations' keys are renumbered into the book's one parent tree; the
    book's own link annotations (``links``) become children of their ``Link`` elements. The
    elements are copied with qpdf (fast, in C++), their page references restored after.
    """
    tree = _BookTree(pdf, sources, document, links)
    try:
        top = tree.place(document, tree.root)
    finally:
        tree.close()
    tree.restore(top)
    tree.finish(top)


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
        if source.owned:
            source.pdf.close()

    def close(self) -> None:
        for source, _ in self.opened.values():
            if source.owned:
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
