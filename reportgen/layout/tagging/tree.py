"""After the build: the structure tree and the rest of PDF/UA, written with pikepdf.

In:  the bytes of the final build pass and its ``Tagger`` (``tagging.marking``).
Out: the same PDF with its structure tree, parent tree, ``/MarkInfo``, XMP metadata with the
     PDF/UA identifier, link /Contents, tab order and clean ToUnicode maps.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from reportgen.layout.tagging.marking import Tagger, _Node

# --- after the build: the structure tree and the rest, written with pikepdf ----------------


def escape(text: str) -> str:
    """``text`` with ``&``, ``<`` and ``>`` as entities, for XML: the XMP packet here, the
    paragraph markup of the layout. As ``xml.sax.saxutils.escape`` gives it (whose import
    pulls in ``urllib.request``, ``ssl`` and ``http.client``)."""
    return html.escape(text, quote=False)


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


def _fonts(pages: Iterable[pikepdf.Page]) -> Iterator[Any]:
    """The font dictionaries of ``pages`` and of the forms they draw, each once."""
    seen: set[tuple[int, int]] = set()

    def of(resources: Any) -> Iterator[Any]:
        for font in resources.get("/Font", Dictionary()).values():
            if not font.is_indirect:
                yield font
            elif font.objgen not in seen:
                seen.add(font.objgen)
                yield font
        for xobject in resources.get("/XObject", Dictionary()).values():
            form = xobject.get("/Subtype") == Name.Form and "/Resources" in xobject
            if form and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from of(xobject.Resources)

    for page in pages:
        yield from of(page.obj.get("/Resources", Dictionary()))


def _fix_fonts(pdf: pikepdf.Pdf, pages: Iterable[pikepdf.Page]) -> None:
    seen: set[tuple[int, int]] = set()
    for font in _fonts(pages):
        to_unicode = font.get("/ToUnicode")
        if to_unicode is None or to_unicode.objgen in seen:
            continue
        seen.add(to_unicode.objgen)
        fixed = clean_to_unicode(to_unicode.read_bytes())
        if fixed is not None:
            to_unicode.write(fixed)


# Font files compressed once per process, by the digest of their bytes: every document of a
# run embeds the same seeded subsets of the same faces (``chrome.seed_first_subsets``), which
# qpdf would compress again in each (most of a profile's save).
_COMPRESSED_FONTS: dict[bytes, bytes] = {}
_FONT_LEVEL = 9  # zlib: done once, so the smallest


def _compress_fonts(pages: Iterable[pikepdf.Page]) -> None:
    """Compress the font programs of ``pages``, each distinct one once per process (the same
    bytes as compressing it here every time), so that equal programs are equal streams."""
    seen: set[tuple[int, int]] = set()
    for font in _fonts(pages):
        descriptor = font.get("/FontDescriptor")
        program = descriptor.get("/FontFile2") if descriptor is not None else None
        if program is None or program.objgen in seen:
            continue
        seen.add(program.objgen)
        # (one compressed already, by reportlab, is decoded: the same face, the same bytes)
        raw = program.read_bytes() if "/Filter" in program else program.read_raw_bytes()
        key = hashlib.blake2b(raw, digest_size=16).digest()
        packed = _COMPRESSED_FONTS.get(key)
        if packed is None:
            packed = zlib.compress(raw, _FONT_LEVEL)
            if len(_COMPRESSED_FONTS) >= 64:
                _COMPRESSED_FONTS.clear()
            _COMPRESSED_FONTS[key] = packed
        program.write(packed, filter=Name.FlateDecode)


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
        _compress_fonts(pdf.pages)
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
            # (pikepdf would parse the XMP packet again to set a pdf:PDFVersion it has none of)
            fix_metadata_version=False,
        )
        return out.getvalue()


def _text_hint(node: _Node) -> str:
    return node.tag.alt or node.tag.role
