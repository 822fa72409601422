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

Only this package knows about tagging: the layout makes tagged flowables and wraps what its page
callbacks draw in ``artifact``; ``finish`` runs once on the bytes of the final pass (pikepdf:
~1 ms per page, and object streams keep the file the size of an untagged one).

The package has one module per job: ``marking`` (reportlab: descriptors, the tagging canvas,
tagged flowables), ``tree`` (pikepdf, after the build: the structure tree and the rest of
PDF/UA), ``merge`` (pikepdf: the structure trees of bound PDFs merged into one book's) and
``trim`` (pikepdf: a tagged report without its closing sections, as a book of reports binds
it; sections are found by their identifiers, ``section:<id>``).

Binding: ``merge_into`` gives a book bound from tagged PDFs (the compendium), open, one structure
tree made of theirs: qpdf copies the elements (their page references first replaced by the
book's page numbers, so that no page is copied along), and every parent-tree key is renumbered.
"""

from reportgen.layout.tagging.marking import (
    Tag,
    TaggedFigure,
    TaggedList,
    TaggedParagraph,
    TaggedStr,
    TaggedTable,
    Tagger,
    TaggingCanvas,
    artifact,
    marked,
    tagger_of,
)
from reportgen.layout.tagging.merge import BookLink, Graft, Group, TreeSource, merge_into
from reportgen.layout.tagging.tree import DocumentInfo, escape, finish, xmp_packet

__all__ = [
    "BookLink",
    "DocumentInfo",
    "Graft",
    "Group",
    "Tag",
    "TaggedFigure",
    "TaggedList",
    "TaggedParagraph",
    "TaggedStr",
    "TaggedTable",
    "Tagger",
    "TaggingCanvas",
    "TreeSource",
    "artifact",
    "escape",
    "finish",
    "marked",
    "merge_into",
    "tagger_of",
    "xmp_packet",
]
