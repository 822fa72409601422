"""Register the DejaVu Sans faces (shipped with matplotlib) as embedded reportlab TTFonts.

In:  nothing; the TTF files are found in matplotlib's ``mpl-data`` directory without
     importing matplotlib (the charts stage's business).
Out: ``FontSet``: the registered face names and ``face_for(FontRef)``.

Charts are measured with these very files (see ``reportgen.charts._primitives``), so text
recorded from matplotlib lands where matplotlib put it. Registration costs ~0.1 s and is done
once per process.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from reportgen.vector import FontRef

__all__ = ["FAMILY", "FontSet", "font_dir", "register_fonts", "register_text_faces"]

FAMILY = "DejaVuSans"

_FILES = {
    "regular": ("DejaVuSans", "DejaVuSans.ttf"),
    "bold": ("DejaVuSans-Bold", "DejaVuSans-Bold.ttf"),
    "italic": ("DejaVuSans-Oblique", "DejaVuSans-Oblique.ttf"),
    "bold_italic": ("DejaVuSans-BoldOblique", "DejaVuSans-BoldOblique.ttf"),
}


@dataclass(frozen=True, slots=True)
class FontSet:
    """Names of the registered faces of one family, usable in canvases and Paragraphs."""

    family: str
    regular: str
    bold: str
    italic: str
    bold_italic: str

    def face_for(self, ref: FontRef) -> str:
        """Return the registered face name that draws ``ref``."""
        if ref.bold:
            return self.bold_italic if ref.italic else self.bold
        return self.italic if ref.italic else self.regular


def font_dir() -> Path:
    """Return matplotlib's bundled TTF directory, located without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: its DejaVu Sans fonts are needed")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "mpl-data" / "fonts" / "ttf"
        if (candidate / "DejaVuSans.ttf").is_file():
            return candidate
    raise RuntimeError("DejaVu Sans not found under matplotlib's mpl-data directory")


def _cache_subsets(font: TTFont) -> None:
    """Keep the subsets ``font`` makes, by their characters: every document embeds the same
    seeded first subset of each face (``chrome.seed_first_subsets``), which is then made once
    per process rather than once per document (a subset is a pure function of its codes)."""
    make = font.face.makeSubset

    @functools.lru_cache(maxsize=32)
    def cached(codes: tuple[int, ...]) -> bytes:
        return bytes(make(list(codes)))

    font.face.makeSubset = lambda subset: cached(tuple(subset))


# (off: every string split anew by reportlab's own loop, neither memo nor known-code shortcut:
# benchmarks/bench_memos.py)
SPLIT_MEMO = True


def _memo_splits(font: TTFont) -> None:
    """Keep what ``font.splitString`` gives each text in a document: reportlab maps a string's
    characters to the document's subset codes one by one in Python on every draw, and a
    report draws the same strings again (labels, ticks, bands). A character's code never
    changes once given in a document, so a text split once splits the same way after."""
    split = font.splitString

    def memoized(text: Any, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        state = font.state.get(doc)
        memo = getattr(state, "_reportgen_splits", None) if SPLIT_MEMO else None
        if memo is not None:
            hit = memo.get(text)
            if hit is not None:
                return list(hit)
        result = _split_known(font, text, doc) if SPLIT_MEMO else None
        if result is None:
            result = split(text, doc, encoding)
        if SPLIT_MEMO:
            state = font.state[doc]
            if memo is None:
                memo = state._reportgen_splits = {}
            memo[text] = tuple(result)
        return result

    font.splitString = memoized


def _split_known(font: TTFont, text: Any, doc: Any) -> list[tuple[int, bytes]] | None:
    """What ``font.splitString(text, doc)`` gives when every character of ``text`` already
    has a code of the document's first subset (most texts after the first few): one run,
    its bytes the codes, mapped in C (``str.translate``) instead of a Python loop over the
    characters; None when a character is new to the document, has no glyph or lies in a
    later subset (reportlab's loop then assigns and splits it)."""
    state = font.state.get(doc)
    if state is None or not isinstance(text, str) or not text:
        return None
    assignments = state.assignments
    table: dict[int, int] | None = getattr(state, "_reportgen_codes", None)
    if table is None or len(assignments) != getattr(state, "_reportgen_seen", -1):
        # (re)made when the document's codes grew: codes never change once given
        table = {code: n for code, n in assignments.items() if n < 256}
        if 32 in table:
            table[0xA0] = table[32]  # reportlab draws a no-break space as a space
        state._reportgen_codes, state._reportgen_seen = table, len(assignments)
        state._reportgen_chars = frozenset(map(chr, table))
    if not state._reportgen_chars.issuperset(text):
        return None
    return [(0, text.translate(table).encode("latin-1"))]


_NUMBER_TYPES = (int, float)  # (the exact types reportlab's ``pdfdoc.format`` prints as numbers)


def _format_array(self: pdfdoc.PDFArray, document: Any, IND: bytes = b"\n ") -> bytes:  # noqa: N803
    """``PDFArray.format``, numbers formatted in one call: an array of numbers only (each
    subset's /Widths: 256 of them, four or more subsets a document) is printed by one
    ``fp_str`` call instead of one ``pdfdoc.format`` dispatch and encoding per number. Byte
    for byte reportlab's output (its own code for any other array)."""
    sequence = self.sequence
    if len(sequence) <= 10 or not all(type(e) in _NUMBER_TYPES for e in sequence):
        formatted: bytes = _REPORTLAB_FORMAT_ARRAY(self, document, IND)
        return formatted
    items: list[bytes] = fp_str(*sequence).encode("ascii").split(b" ")
    if (self.multiline and rl_config.pdfMultiLine) or self.multiline == "forced":
        joined = IND.join(items)
    else:
        for i in reversed(range(10, len(items), 10)):  # broken up every 10 elements
            items.insert(i, b"\n ")
        joined = b" ".join(items)
    return b"[ " + joined + b" ]"


_REPORTLAB_FORMAT_ARRAY = pdfdoc.PDFArray.format
pdfdoc.PDFArray.format = _format_array

_lock = threading.Lock()
_registered: FontSet | None = None


def register_fonts() -> FontSet:
    """Register the four DejaVu Sans faces and their family once per process; return names."""
    global _registered
    with _lock:
        if _registered is not None:
            return _registered
        directory = font_dir()
        known = set(pdfmetrics.getRegisteredFontNames())
        for name, filename in _FILES.values():
            if name not in known:
                font = TTFont(name, str(directory / filename))
                _cache_subsets(font)
                _memo_splits(font)
                pdfmetrics.registerFont(font)
        fonts = FontSet(
            family=FAMILY,
            regular=_FILES["regular"][0],
            bold=_FILES["bold"][0],
            italic=_FILES["italic"][0],
            bold_italic=_FILES["bold_italic"][0],
        )
        # The family name is also the regular face's name, so <b>/<i> work in Paragraphs whose
        # fontName is either.
        pdfmetrics.registerFontFamily(
            FAMILY,
            normal=fonts.regular,
            bold=fonts.bold,
            italic=fonts.italic,
            boldItalic=fonts.bold_italic,
        )
        _registered = fonts
        return fonts


@functools.lru_cache(maxsize=8)
def register_text_faces(files: tuple[str, ...]) -> FontSet:
    """Register a publisher's TrueType faces (regular, bold, italic, bold italic: the paths;
    a missing one takes the regular's) as a family of their own; return its names. The
    names carry the files' digest, so two fonts of the same name never collide."""
    with _lock:
        paths = [Path(f) for f in files]
        while len(paths) < 4:
            paths.append(paths[0])
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()[:8]
        stem = "".join(c for c in paths[0].stem.split("-")[0] if c.isalnum())[:24] or "Text"
        names = [f"{stem}{digest}-{kind}" for kind in ("Regular", "Bold", "Italic", "BoldItalic")]
        known = set(pdfmetrics.getRegisteredFontNames())
        for name, path in zip(names, paths, strict=True):
            if name not in known:
                font = TTFont(name, str(path))
                _cache_subsets(font)
                _memo_splits(font)
                pdfmetrics.registerFont(font)
        # (the family is named as its regular face, so <b>/<i> in Paragraphs set in it work)
        pdfmetrics.registerFontFamily(
            names[0], normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3]
        )
        return FontSet(names[0], *names)
