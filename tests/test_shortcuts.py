"""The speed shortcuts give the output of the code they stand in for, byte for byte.

Each shortcut (``reportgen.layout._fonts``, ``reportgen.layout.chrome.FrameOfPage`` and
``seed_first_subsets``, ``reportgen.layout.tagging.escape``) is checked against that code (reportlab's, the standard
library's), called directly, on inputs that reach every branch of it: new characters,
characters of a later subset, no-break spaces, characters without a glyph; arrays short and
long, of numbers and of anything else.
"""

from __future__ import annotations

import copy
import random

import pytest
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDocument
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Frame

from reportgen.layout import _fonts
from reportgen.layout._fonts import register_fonts
from reportgen.layout.chrome import CANONICAL_CHARACTERS, FrameOfPage, seed_first_subsets

# Latin, Greek and Cyrillic letters (over 256 of them: the later subsets), a no-break space,
# a character DejaVu Sans has no glyph for, and the ASCII the reports mostly print.
_LETTERS = (
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0xC0, 0x180)]
    + [chr(c) for c in range(0x391, 0x3CA)]
    + [chr(c) for c in range(0x410, 0x450)]
    + ["\u00a0", "\u00a0", "\U0001f600"]
)


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    common = [rng.choice(_LETTERS[:95]) for _ in range(40)]
    out = []
    for _ in range(count):
        pool = common if rng.random() < 0.7 else _LETTERS  # mostly known characters
        out.append("".join(rng.choice(pool) for _ in range(rng.randint(0, 30))))
    return out


@pytest.mark.parametrize("memo", [True, False])
def test_a_split_is_reportlabs(memo: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same texts split in two documents, one by reportgen's font (memo and known-code
    shortcut) and one by reportlab's own ``TTFont.splitString``: the same runs and bytes
    each time, and the documents' subsets end up the same."""
    monkeypatch.setattr(_fonts, "SPLIT_MEMO", memo)
    font = pdfmetrics.getFont(register_fonts().regular)
    ours, theirs = PDFDocument(), PDFDocument()
    texts = _texts(7, 3000)
    texts += texts[:500]  # (again: the memo's hits)
    for text in texts:
        assert font.splitString(text, ours) == TTFont.splitString(font, text, theirs), text
    assert font.state[ours].subsets == font.state[theirs].subsets
    assert len(font.state[ours].subsets) > 1  # (the texts reached a later subset)


def test_the_known_code_shortcut_is_taken() -> None:
    """Once its characters have codes, a text is split by the shortcut (not by falling back
    to reportlab's loop), so the test above checks the shortcut's output."""
    font = pdfmetrics.getFont(register_fonts().regular)
    doc = PDFDocument()
    assert _fonts._split_known(font, "Kazakhstan", doc) is None  # (no state yet)
    font.splitString("Kazakhstan", doc)
    assert _fonts._split_known(font, "Kaz\u00a0stan", doc) == TTFont.splitString(
        font, "Kaz\u00a0stan", PDFDocument()
    )
    assert _fonts._split_known(font, "Kazakhstanβ", doc) is None  # a new character


@pytest.mark.parametrize("size", [0, 3, 10, 11, 20, 256, 257])
def test_an_array_is_formatted_as_reportlab_does(size: int) -> None:
    rng = random.Random(size)
    for _ in range(40):
        numbers = [
            rng.choice([rng.randint(-5, 3000), rng.random() * 1000, 0.0, 1.0, -2.5, 1e-7])
            for _ in range(size)
        ]
        mixed = [*numbers, pdfdoc.PDFName("Widths"), "text", True]
        rng.shuffle(mixed)
        for sequence in (numbers, mixed):
            for array in (pdfdoc.PDFArray(sequence), pdfdoc.PDFArrayCompact(sequence)):
                assert array.format(None) == _fonts._REPORTLAB_FORMAT_ARRAY(array, None)


def test_a_frame_copies_as_deepcopy_does() -> None:
    """A copy of a frame of a page holds what ``copy.deepcopy`` of a plain frame holds, its
    lists its own (reportlab's measuring pass adds generated content to the copy)."""
    ours = FrameOfPage(10, 20, 300, 400, id="body", leftPadding=0, topPadding=2)
    plain = Frame(10, 20, 300, 400, id="body", leftPadding=0, topPadding=2)
    for frame in (ours, plain):
        frame.add_generated_content("a flowable")
        frame._y -= 50
    twin, plain_twin = copy.deepcopy(ours), copy.deepcopy(plain)
    assert type(twin) is FrameOfPage
    assert vars(twin) == vars(plain_twin)
    twin.add_generated_content("another")
    assert ours._generated_content == ["a flowable"]


def test_escape_is_saxutils_escape() -> None:
    """Markup escaped without ``xml.sax.saxutils`` (its import costs ``urllib.request``)."""
    from xml.sax.saxutils import escape as sax_escape

    from reportgen.layout.tagging import escape

    for text in ["", "a & b", "<b>x</b>", "&amp;", "l’édition \"1\" 'q' > <", "\u00a0&\u202f"]:
        assert escape(text) == sax_escape(text)
        assert escape(text).replace('"', "&quot;") == sax_escape(text, {'"': "&quot;"})


def test_seeded_subsets_are_reportlabs() -> None:
    """Documents seeded one after another (the first assigns, the others copy it) hold what
    reportlab's loop gives a fresh document for the seed; what they draw next splits as
    reportlab splits it, and seeding copies nothing one document changes."""
    fonts = register_fonts()
    faces = (fonts.regular, fonts.bold, fonts.italic, fonts.bold_italic)
    texts = _texts(11, 400)
    for _ in range(3):
        ours, theirs = PDFDocument(), PDFDocument()
        seed_first_subsets(ours, fonts)
        for face in faces:
            font = pdfmetrics.getFont(face)
            TTFont.splitString(font, CANONICAL_CHARACTERS, theirs)
            mine, reference = font.state[ours], font.state[theirs]
            assert mine.assignments == reference.assignments, face
            assert mine.subsets == reference.subsets, face
            assert mine.nextCode == reference.nextCode, face
        font = pdfmetrics.getFont(fonts.regular)
        for text in texts:  # (new characters change this document's state only)
            assert font.splitString(text, ours) == TTFont.splitString(font, text, theirs), text
