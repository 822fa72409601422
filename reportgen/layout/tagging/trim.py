"""A tagged PDF without its closing sections: what a book of reports leaves out (pikepdf).

In:  a tagged report, open with pikepdf (``finish``'s output: sections identified
     ``section:<id>``), the identifiers of the sections to leave out and their bookmark titles.
Out: ``leave_out_sections`` edits it in place — the pages that held only them removed, their
     marked content cut from the page where they begin, their structure elements, parent-tree
     entries, annotations and bookmarks gone — and gives the pages it keeps; or None, the PDF
     untouched, when they are not its closing part (content of another section on or after
     their first page): the book then binds the report whole.

Only trailing sections can go: every page before the first one stays as it is, so a bound
report's pages keep their places and their own folios ("page 3 of 14"), which the book
renumbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

__all__ = ["leave_out_sections"]


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _content(element: Any, pages: dict[tuple[int, int], int]) -> Iterator[tuple[int, int]]:
    """(page index, MCID) of every piece of marked content of ``element`` and its descendants."""
    page = element.get("/Pg")
    for kid in _kids(element):
        if isinstance(kid, int) or (
            isinstance(kid, pikepdf.Object) and kid._type_code == pikepdf.ObjectType.integer
        ):
            if page is not None:
                yield pages[page.objgen], int(kid)
        elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
            yield pages[kid.Pg.objgen], int(kid.MCID)
        elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
            continue  # an annotation: removed with its page, or kept (links point elsewhere)
        elif isinstance(kid, Dictionary):
            yield from _content(kid, pages)


def _by_id(root: Any) -> dict[str, Any]:
    tree = root.get("/IDTree")
    names = list(tree.get("/Names", [])) if tree is not None else []
    return {str(names[i]): names[i + 1] for i in range(0, len(names) - 1, 2)}


def _mcid_of(operands: Any) -> int | None:
    """The MCID of a BDC's property list, or None."""
    if len(operands) == 2 and isinstance(operands[1], Dictionary) and "/MCID" in operands[1]:
        return int(operands[1].MCID)
    return None


def _cut(pdf: pikepdf.Pdf, page: Any, dropped: set[int]) -> None:
    """Remove the marked-content sequences ``dropped`` (MCIDs) from ``page``'s content."""
    kept: list[Any] = []
    skipping = 0  # depth of marked content inside a dropped sequence
    for instruction in pikepdf.parse_content_stream(page):
        operands, operator = instruction.operands, instruction.operator
        op = str(operator)
        if skipping:
            if op in ("BDC", "BMC"):
                skipping += 1
            elif op == "EMC":
                skipping -= 1
            continue
        if op == "BDC" and _mcid_of(operands) in dropped:
            skipping = 1
            continue
        kept.append(instruction)
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(kept))


def leave_out_sections(
    pdf: pikepdf.Pdf, idents: Sequence[str], titles: Sequence[str]
) -> int | None:
    """Leave the sections whose structure /ID is in ``idents`` (and the top-level bookmarks
    titled ``titles``) out of ``pdf``, in place; return the pages it keeps. None, with ``pdf``
    untouched, when they are not its closing part or are missing."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return None  # untagged (built before tagging): bound whole
    found = _by_id(root)
    elements = [found[i] for i in idents if i in found]
    if len(elements) != len(idents):
        return None
    pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    drop = {piece for element in elements for piece in _content(element, pages)}
    if not drop:
        return None
    first = min(page for page, _ in drop)
    start = min(mcid for page, mcid in drop if page == first)
    # Every piece of content after their first one must be theirs: what comes before it on
    # that page (the end of the previous section) stays. (The parent tree lists each
    # page's marked content, by MCID, in drawing order.)
    nums = list(root.ParentTree.Nums)
    entries = {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)}
    for index in range(first, len(pdf.pages)):
        key = int(pdf.pages[index].obj.StructParents)
        marked = entries.get(key)
        count = len(marked) if isinstance(marked, Array) else 0
        after = range(start, count) if index == first else range(count)
        if any((index, mcid) not in drop for mcid in after):
            return None
    # The content: cut on their first page, the later pages removed (and that page too
    # when they begin at its top).
    keep = first + 1 if start > 0 else first
    if start > 0:
        _cut(pdf, pdf.pages[first], {mcid for page, mcid in drop if page == first})
    gone_keys: set[int] = set()
    for index in range(keep, len(pdf.pages)):
        page = pdf.pages[index]
        gone_keys.add(int(page.obj.StructParents))
        for annot in page.obj.get("/Annots", []):
            if "/StructParent" in annot:
                gone_keys.add(int(annot.StructParent))
    del pdf.pages[keep:]
    # The structure: the elements out of their parents, their parent-tree entries gone.
    for element in elements:
        parent = element.P
        kids = [k for k in _kids(parent) if not (isinstance(k, Dictionary) and k == element)]
        parent.K = Array(kids) if len(kids) != 1 else kids[0]
    if start > 0:  # (every MCID of that page from ``start`` on was theirs: its list ends)
        first_key = int(pdf.pages[first].obj.StructParents)
        entries[first_key] = Array(list(entries[first_key])[:start])
    kept_nums: list[Any] = []
    for key in sorted(entries):
        if key not in gone_keys:
            kept_nums += [key, entries[key]]
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=Array(kept_nums)))
    names = list(root.IDTree.Names)
    left: list[Any] = []
    for i in range(0, len(names) - 1, 2):
        if str(names[i]) not in idents:
            left += [names[i], names[i + 1]]
    root.IDTree = Dictionary(Names=Array(left))
    # The bookmarks of the sections left out.
    with pdf.open_outline() as outline:
        outline.root[:] = [item for item in outline.root if item.title not in titles]
    return keep
