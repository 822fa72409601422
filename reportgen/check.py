"""``reportgen check FILE.pdf``: accessibility and quality checks on any PDF, and a verdict.

In:  a PDF file (ours or anyone's).
Out: ``CheckReport``: one ``Finding`` per check (tagged, language, title, fonts embedded,
     PDF/UA identifier, alternative text on figures, header cells in tables, heading levels,
     no untagged content, marked content referenced exactly once and the parent tree
     consistent with it, annotations tagged); ``check_command`` prints it and returns the
     exit code (0: every check passed, 1: some failed, 2: not a readable PDF).

Also ``read_structure``: the structure tree as ``Element``s with the text of their marked
content, in reading order, for tests and for the checks above. Text is decoded through the
fonts' ToUnicode maps (enough for reportgen's own files; other files get their structure
checked, and their text where their fonts allow).
"""

from __future__ import annotations

import contextlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

__all__ = [
    "CheckReport",
    "Element",
    "Finding",
    "Structure",
    "check_command",
    "check_pdf",
    "read_structure",
]

_PAINTING = frozenset(
    {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "Do", "sh", "BI", "Tj", "TJ", "'", '"'}
)
_SHOW = frozenset({"Tj", "TJ", "'", '"'})
_STANDARD = frozenset(
    [
        "Document",
        "Part",
        "Art",
        "Sect",
        "Div",
        "BlockQuote",
        "Caption",
        "TOC",
        "TOCI",
        "Index",
        "NonStruct",
        "Private",
        "P",
        "H",
        "H1",
        "H2",
        "H3",
        "H4",
        "H5",
        "H6",
        "L",
        "LI",
        "Lbl",
        "LBody",
        "Table",
        "TR",
        "TH",
        "TD",
        "THead",
        "TBody",
        "TFoot",
        "Span",
        "Quote",
        "Note",
        "Reference",
        "BibEntry",
        "Code",
        "Link",
        "Annot",
        "Ruby",
        "RB",
        "RT",
        "RP",
        "Warichu",
        "WT",
        "WP",
        "Figure",
        "Formula",
        "Form",
    ]
)


# --- the structure tree ------------------------------------------------------------------------


@dataclass(eq=False)
class Element:
    """A structure element: its (standard) role, alternative text, attributes and content.

    ``content`` holds, in order, child elements and marked-content references
    (page index, MCID); ``annotations`` the annotations it owns (page index, object id).
    """

    role: str
    alt: str | None
    attrs: dict[str, str]
    content: list[Element | tuple[int, int]] = field(default_factory=list)
    annotations: list[tuple[int, tuple[int, int]]] = field(default_factory=list)
    objgen: tuple[int, int] = (0, 0)
    own_text: list[str] = field(default_factory=list)

    @property
    def kids(self) -> list[Element]:
        """The child elements."""
        return [k for k in self.content if isinstance(k, Element)]

    def walk(self) -> Iterator[Element]:
        """This element and its descendants, depth first (reading order)."""
        yield self
        for kid in self.kids:
            yield from kid.walk()


@dataclass
class Structure:
    """What ``read_structure`` found: the tree, and the marked content of the pages."""

    root: Element | None
    pages: int
    mcids: dict[tuple[int, int], str]  # (page, MCID) → text, for every MCID in the content
    references: Counter[tuple[int, int]]  # (page, MCID) → references from the tree
    owners: dict[tuple[int, int], tuple[int, int]]  # (page, MCID) → objgen of its element
    untagged: list[str]  # painting outside any tag: "page 3: re f"
    parent_tree_errors: list[str]
    annotation_errors: list[str]
    annotations: int

    def elements(self) -> list[Element]:
        """Every element in reading order."""
        return list(self.root.walk()) if self.root is not None else []

    def text(self, element: Element) -> str:
        """The text of ``element`` and its descendants, in reading order."""
        parts: list[str] = []

        def collect(e: Element) -> None:
            for item in e.content:
                if isinstance(item, Element):
                    collect(item)
                else:
                    parts.append(self.mcids.get(item, ""))

        collect(element)
        return re.sub(r"\s+", " ", "".join(parts)).strip()


def _name(obj: Any) -> str:
    return str(obj)[1:] if obj is not None else ""


def _number_tree(node: Any, out: dict[int, Any], depth: int = 0) -> None:
    if node is None or depth > 32:
        return
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums) - 1, 2):
            out[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", []):
        _number_tree(kid, out, depth + 1)


class _TreeReader:
    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        root = pdf.Root.get("/StructTreeRoot")
        self.role_map = {
            _name(k): _name(v) for k, v in (root.get("/RoleMap", {}) if root else {}).items()
        }
        self.references: Counter[tuple[int, int]] = Counter()
        self.owners: dict[tuple[int, int], tuple[int, int]] = {}
        self.seen: set[tuple[int, int]] = set()

    def role(self, raw: str) -> str:
        for _ in range(8):
            if raw in _STANDARD or raw not in self.role_map:
                return raw
            raw = self.role_map[raw]
        return raw

    def page_of(self, obj: Any, inherited: int | None) -> int | None:
        page = obj.get("/Pg")
        if page is None:
            return inherited
        return self.pages.get(page.objgen, inherited)

    def element(self, obj: Any, inherited_page: int | None) -> Element:
        attrs: dict[str, str] = {}
        a = obj.get("/A")
        for attr in [a] if isinstance(a, pikepdf.Dictionary) else list(a or []):
            if isinstance(attr, pikepdf.Dictionary):
                for key, value in attr.items():
                    attrs[key[1:]] = str(value).lstrip("/")
        alt = obj.get("/Alt")
        element = Element(
            self.role(_name(obj.get("/S"))),
            str(alt) if alt is not None else None,
            attrs,
            objgen=obj.objgen,
        )
        self.seen.add(obj.objgen)
        page = self.page_of(obj, inherited_page)
        kids = obj.get("/K")
        items = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
        for kid in items:
            if isinstance(kid, int) or (
                isinstance(kid, pikepdf.Object) and kid._type_code == pikepdf.ObjectType.integer
            ):
                self._content(element, page, int(kid))
            elif isinstance(kid, pikepdf.Dictionary):
                kind = kid.get("/Type")
                if kind == "/MCR":
                    self._content(element, self.page_of(kid, page), int(kid.MCID))
                elif kind == "/OBJR":
                    target = kid.get("/Obj")
                    kid_page = self.page_of(kid, page)
                    if target is not None and kid_page is not None:
                        element.annotations.append((kid_page, target.objgen))
                elif kid.is_indirect and kid.objgen not in self.seen:
                    element.content.append(self.element(kid, page))
        return element

    def _content(self, element: Element, page: int | None, mcid: int) -> None:
        if page is None:
            return
        key = (page, mcid)
        element.content.append(key)
        self.references[key] += 1
        self.owners[key] = element.objgen


class _Font:
    """Decodes a simple or composite font's strings through its ToUnicode map."""

    def __init__(self, font: Any) -> None:
        self.two_bytes = font.get("/Subtype") == "/Type0"
        self.map: dict[int, str] = {}
        to_unicode = font.get("/ToUnicode")
        if to_unicode is not None:
            with contextlib.suppress(pikepdf.PdfError):
                self._parse(to_unicode.read_bytes())

    def _parse(self, cmap: bytes) -> None:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
                self.map[int(src, 16)] = _utf16(dst)
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
            for lo, hi, dst in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                start = int(dst, 16)
                for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    self.map[code] = chr(start + offset) if start + offset < 0x110000 else ""

    def decode(self, data: bytes) -> str:
        if self.two_bytes:
            codes = [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)]
        else:
            codes = list(data)
        if not self.map:
            return data.decode("latin-1")
        return "".join(self.map.get(code, "") for code in codes)


def _utf16(hexdigits: bytes) -> str:
    try:
        return bytes.fromhex(hexdigits.decode()).decode("utf-16-be")
    except ValueError:
        return ""


def _scan_page(
    page: pikepdf.Page, index: int, mcids: dict[tuple[int, int], str], untagged: list[str]
) -> None:
    """Find the page's MCIDs with their text, and painting outside any tag."""
    resources: Any = page.obj.get("/Resources", pikepdf.Dictionary())
    fonts_dict: Any = resources.get("/Font", pikepdf.Dictionary())
    properties: Any = resources.get("/Properties", pikepdf.Dictionary())
    fonts: dict[str, _Font] = {}
    stack: list[tuple[str, int | None]] = []  # ("artifact" | "content" | "other", mcid)
    font: _Font | None = None
    for instruction in pikepdf.parse_content_stream(page):
        operands: Any
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            operands, op = [], "BI"
        else:
            operands, op = instruction.operands, str(instruction.operator)
        if op in ("BDC", "BMC"):
            tag = str(operands[0])
            mcid: int | None = None
            if op == "BDC":
                props = operands[1]
                if isinstance(props, pikepdf.Name):
                    props = properties.get(props)
                if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                    mcid = int(props.MCID)
            kind = "artifact" if tag == "/Artifact" else "content" if mcid is not None else "other"
            stack.append((kind, mcid))
            if mcid is not None:
                mcids.setdefault((index, mcid), "")
            continue
        if op == "EMC":
            if stack:
                stack.pop()
            continue
        if op == "Tf" and operands:
            name = str(operands[0])
            if name not in fonts:
                raw = fonts_dict.get(name)
                fonts[name] = _Font(raw if raw is not None else pikepdf.Dictionary())
            font = fonts[name]
            continue
        if op not in _PAINTING:
            continue
        tagged = any(kind != "other" for kind, _ in stack)
        if not tagged:
            untagged.append(f"page {index + 1}: {op}")
            continue
        if op in _SHOW and font is not None:
            owner = next((m for kind, m in reversed(stack) if kind == "content"), None)
            if owner is None:
                continue
            strings = operands[-1] if op != "TJ" else operands[0]
            items = strings if isinstance(strings, pikepdf.Array) else [strings]
            text = "".join(
                font.decode(bytes(item)) for item in items if isinstance(item, pikepdf.String)
            )
            mcids[(index, owner)] = mcids.get((index, owner), "") + text


def read_structure(pdf: pikepdf.Pdf) -> Structure:
    """The structure tree of ``pdf`` and the marked content of its pages, cross-checked."""
    tree = _TreeReader(pdf)
    root_dict = pdf.Root.get("/StructTreeRoot")
    root: Element | None = None
    if root_dict is not None:
        root = Element("StructTreeRoot", None, {})
        kids = root_dict.get("/K")
        for kid in (
            list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
        ):
            if isinstance(kid, pikepdf.Dictionary):
                root.content.append(tree.element(kid, None))
    mcids: dict[tuple[int, int], str] = {}
    untagged: list[str] = []
    for index, page in enumerate(pdf.pages):
        _scan_page(page, index, mcids, untagged)
    parent_tree: dict[int, Any] = {}
    if root_dict is not None:
        _number_tree(root_dict.get("/ParentTree"), parent_tree)
    errors: list[str] = []
    by_page: dict[int, list[int]] = {}
    for page_index, mcid in mcids:
        by_page.setdefault(page_index, []).append(mcid)
    for index, page in enumerate(pdf.pages):
        ids = sorted(by_page.get(index, []))
        if not ids:
            continue
        key = page.obj.get("/StructParents")
        entry = parent_tree.get(int(key)) if key is not None else None
        if entry is None:
            errors.append(f"page {index + 1}: no parent tree entry for its marked content")
            continue
        for mcid in ids:
            element_id = tree.owners.get((index, mcid))
            if mcid >= len(entry) or element_id is None or entry[mcid].objgen != element_id:
                errors.append(f"page {index + 1}: MCID {mcid} and its parent tree entry differ")
    owned = {
        (page_index, objgen): e
        for e in (root.walk() if root is not None else [])
        for page_index, objgen in e.annotations
    }
    annotation_errors: list[str] = []
    count = 0
    for index, page in enumerate(pdf.pages):
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") in ("/Popup", "/PrinterMark"):
                continue
            count += 1
            owner: Element | None = owned.get((index, annot.objgen))
            if owner is None:
                annotation_errors.append(f"page {index + 1}: an annotation outside the tree")
                continue
            key = annot.get("/StructParent")
            entry = parent_tree.get(int(key)) if key is not None else None
            if entry is None or entry.objgen != owner.objgen:
                annotation_errors.append(f"page {index + 1}: an annotation's /StructParent")
            if annot.get("/Subtype") == "/Link" and not str(annot.get("/Contents", "")).strip():
                annotation_errors.append(f"page {index + 1}: a link without /Contents")
    return Structure(
        root,
        len(pdf.pages),
        mcids,
        tree.references,
        tree.owners,
        untagged,
        errors,
        annotation_errors,
        count,
    )


# --- the checks ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One check: what was checked, whether it passed, and what was found."""

    check: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The findings on one file."""

    path: str
    pages: int
    elements: int
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return all(f.passed for f in self.findings)

    def render(self) -> str:
        """The findings and the verdict as readable lines."""
        lines = [f"{self.path}: {self.pages} pages, {self.elements} structure elements"]
        for f in self.findings:
            lines.append(f"  {'ok  ' if f.passed else 'FAIL'}  {f.check}: {f.detail}")
        failed = [f.check for f in self.findings if not f.passed]
        if failed:
            lines.append(
                f"Verdict: NOT ACCESSIBLE — {len(failed)} check(s) failed: {', '.join(failed)}."
            )
        else:
            lines.append(
                "Verdict: ACCESSIBLE — tagged PDF; every check passed (a PDF/UA validator "
                "checks more, and a person should still read the alternative texts)."
            )
        return "\n".join(lines)


def _sample(items: list[str], n: int = 3) -> str:
    shown = "; ".join(items[:n])
    return shown + (f"; … ({len(items)} in all)" if len(items) > n else "")


def _unembedded(pdf: pikepdf.Pdf) -> tuple[int, list[str]]:
    fonts, missing = 0, []
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
            continue
        subtype = obj.get("/Subtype")
        if subtype == "/Type3":
            continue
        fonts += 1
        if subtype == "/Type0":
            descendants = obj.get("/DescendantFonts")
            descriptor = descendants[0].get("/FontDescriptor") if descendants else None
        else:
            descriptor = obj.get("/FontDescriptor")
        if descriptor is None or not any(
            k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
        ):
            missing.append(str(obj.get("/BaseFont", "?")).lstrip("/"))
    return fonts, sorted(set(missing))


def _xmp(pdf: pikepdf.Pdf) -> str:
    metadata = pdf.Root.get("/Metadata")
    if metadata is None:
        return ""
    try:
        return metadata.read_bytes().decode("utf-8", "replace")
    except pikepdf.PdfError:
        return ""


def _title(pdf: pikepdf.Pdf, xmp: str) -> str:
    title = str(pdf.docinfo.get("/Title", "")).strip() if pdf.trailer.get("/Info") else ""
    if not title:
        match = re.search(r"<dc:title>.*?<rdf:li[^>]*>(.*?)</rdf:li>", xmp, re.S)
        title = match[1].strip() if match else ""
    return title


def check_pdf(data: bytes, path: str = "") -> CheckReport:
    """Run every check on the PDF ``data``."""
    findings: list[Finding] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        mark_info = root.get("/MarkInfo")
        marked = bool(mark_info.get("/Marked", False)) if mark_info is not None else False
        has_tree = "/StructTreeRoot" in root
        findings.append(
            Finding(
                "tagged",
                marked and has_tree,
                "structure tree and /MarkInfo /Marked true"
                if marked and has_tree
                else "no structure tree"
                if not has_tree
                else "/MarkInfo /Marked is not true",
            )
        )
        lang = str(root.get("/Lang", "")).strip()
        findings.append(Finding("language", bool(lang), lang or "no /Lang in the catalog"))
        xmp = _xmp(pdf)
        title = _title(pdf, xmp)
        prefs = root.get("/ViewerPreferences")
        shown = bool(prefs.get("/DisplayDocTitle", False)) if prefs is not None else False
        findings.append(
            Finding(
                "title",
                bool(title) and shown,
                (f"“{title}”" if title else "no title")
                + ("" if shown else "; the viewer shows the file name (no DisplayDocTitle)"),
            )
        )
        fonts, missing = _unembedded(pdf)
        findings.append(
            Finding(
                "fonts embedded",
                not missing,
                f"all {fonts} fonts" if not missing else f"not embedded: {', '.join(missing)}",
            )
        )
        part = re.search(r"pdfuaid:part\s*(?:=\s*\"|>)\s*(\d)", xmp)
        findings.append(
            Finding(
                "PDF/UA identifier",
                part is not None,
                f"XMP declares PDF/UA-{part[1]}" if part else "no pdfuaid:part in XMP metadata",
            )
        )
        structure = read_structure(pdf)
        pages = len(pdf.pages)
    elements = structure.elements()
    findings += _structure_findings(structure, elements)
    return CheckReport(path, pages, len(elements), tuple(findings))


def _structure_findings(structure: Structure, elements: list[Element]) -> list[Finding]:
    findings: list[Finding] = []
    figures = [e for e in elements if e.role == "Figure"]
    bare = [e for e in figures if not (e.alt or "").strip()]
    findings.append(
        Finding(
            "alternative text",
            not bare,
            f"{len(figures) - len(bare)} of {len(figures)} figures have it",
        )
    )
    tables = [e for e in elements if e.role == "Table"]
    headless = [t for t in tables if not any(x.role == "TH" for x in t.walk())]
    findings.append(
        Finding(
            "table headers",
            not headless,
            f"{len(tables) - len(headless)} of {len(tables)} tables have header cells",
        )
    )
    levels = [int(e.role[1]) for e in elements if re.fullmatch(r"H[1-6]", e.role)]
    skips = [f"H{a} then H{b}" for a, b in zip([0, *levels], levels, strict=False) if b > a + 1]
    findings.append(
        Finding(
            "headings",
            not skips,
            f"{len(levels)} headings, no level skipped"
            if not skips
            else f"levels skipped: {_sample(skips)}",
        )
    )
    findings.append(
        Finding(
            "untagged content",
            not structure.untagged,
            "none: all drawing is tagged content or an artifact"
            if not structure.untagged
            else f"{len(structure.untagged)} painting operations outside any tag "
            f"({_sample(structure.untagged)})",
        )
    )
    in_content = set(structure.mcids)
    referenced = set(structure.references)
    problems = [
        f"page {p + 1} MCID {m} not in the tree" for p, m in sorted(in_content - referenced)
    ]
    problems += [
        f"page {p + 1} MCID {m} not on the page" for p, m in sorted(referenced - in_content)
    ]
    problems += [
        f"page {p + 1} MCID {m} referenced {n} times"
        for (p, m), n in sorted(structure.references.items())
        if n > 1
    ]
    problems += structure.parent_tree_errors
    findings.append(
        Finding(
            "marked content",
            not problems,
            f"{len(in_content)} marked-content ids, each referenced exactly once; "
            "parent tree consistent"
            if not problems
            else _sample(problems),
        )
    )
    findings.append(
        Finding(
            "annotations",
            not structure.annotation_errors,
            f"{structure.annotations} annotations, each in the tree"
            if not structure.annotation_errors
            else _sample(structure.annotation_errors),
        )
    )
    return findings


def check_command(file: Path, as_json: bool = False) -> int:
    """Check ``file``, print the findings and the verdict (``as_json``: as the JSON document
    of ``reportgen.jsonout.check``); return the exit code.

    0: every check passed; 1: some check failed, or the file is missing or not a PDF (one
    line on stderr naming the file). Usage errors (exit 2) are the command line's own.
    """
    import sys

    def refuse(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 1

    path = Path(file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return refuse(f"{file} does not exist. Give the path of a PDF file.")
    except IsADirectoryError:
        return refuse(f"{file} is a folder, not a PDF file. Give the path of a PDF file.")
    except OSError as exc:
        return refuse(f"Cannot read {file}: {exc.strerror}.")
    if b"%PDF-" not in data[:1024]:
        return refuse(f"{file} is not a PDF (it does not begin with %PDF-).")
    try:
        report = check_pdf(data, str(file))
    except pikepdf.PdfError as exc:
        # pikepdf names the in-memory stream ("<_io.BytesIO object at 0x…>"): say the file.
        detail = re.sub(
            r"^\s*stream\s*", "", re.sub(r"<[^<>]*\bat 0x[0-9a-fA-F]+>:?", "", str(exc))
        )
        detail = " ".join(detail.split()) or type(exc).__name__
        return refuse(f"{file} is not a readable PDF ({detail}).")
    if as_json:
        from reportgen import jsonout

        sys.stdout.write(jsonout.dumps(jsonout.check(report)))
    else:
        print(report.render())
    return 0 if report.passed else 1
