"""The vector route: matplotlib Figure → recorded VectorDrawing → replayed on a reportlab page.

Pins behaviour: searchable text with the right Unicode, embedded fonts only, pages that look
like matplotlib's own rendering, byte-identical output. Needs no network and no data.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pypdfium2 as pdfium
import pytest
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from reportgen.charts import new_figure, record
from reportgen.layout._fonts import register_fonts
from reportgen.layout._replay import VectorFlowable, draw_vector
from reportgen.vector import ImageOp, TextOp, VectorDrawing

FAILURES = Path(__file__).parent / "_failures"
DPI = 100
GREY_TOLERANCE = 64  # per-pixel difference (0..255) still counted as equal
MAX_DIFF_FRACTION = 0.02

COUNTRIES = [
    "Côte d'Ivoire",
    "Türkiye",
    "São Tomé and Príncipe",
    "Curaçao",
    "Réunion",
    "Åland",
    "Ísland",
    "Łódź Province",
    "Việt Nam",
    "Bosnia and Herzegovina",
    "Guinea-Bissau",
    "Timor-Leste",
    "Ελλάδα",
    "Україна",
    "Österreich",
    "Luxembourg",
    "Moçambique",
    "Perú",
    "México",
    "Panamá",
    "Norway",
    "Chile",
    "Kenya",
    "Ghana",
    "Nepal",
    "Fiji",
    "Samoa",
    "Tonga",
    "Zambia",
    "Malawi",
]
HIGHLIGHT = "Türkiye"
BAR_TITLE = "Quality of life: a score for each country, 2024"
LINE_TITLE = "Right to food — Türkiye, 2014–2024"
ROTATED_TITLE = "Safety from the state, by group at risk"
GROUPS = [
    "Human-rights defenders",
    "Journalists",
    "Indigenous peoples",
    "LGBTQIA+ people",
    "Refugees & asylum seekers",
    "People with disabilities",
    "Women and girls",
    "Ethnic minorities",
    "Religious minorities",
    "Low social status",
]


def _bars() -> Figure:
    rng = np.random.default_rng(7)
    values = np.sort(rng.uniform(35, 95, len(COUNTRIES)))
    err = rng.uniform(2, 6, len(COUNTRIES))
    fig = new_figure(468, 540)
    ax = fig.add_axes((0.34, 0.08, 0.62, 0.86))
    colors = ["#c0392b" if c == HIGHLIGHT else "#9aa5b1" for c in COUNTRIES]
    ax.barh(
        np.arange(len(COUNTRIES)),
        values,
        xerr=err,
        color=colors,
        height=0.7,
        error_kw={"ecolor": "#333333", "elinewidth": 0.8, "capsize": 2},
    )
    ax.set_yticks(np.arange(len(COUNTRIES)), COUNTRIES, fontsize=8)
    for label in ax.get_yticklabels():
        if label.get_text() == HIGHLIGHT:
            label.set_fontweight("bold")
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, len(COUNTRIES) - 0.4)
    ax.set_xlabel("Score (% of the benchmark)", fontsize=8)
    ax.set_title(BAR_TITLE, fontsize=10, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _line() -> Figure:
    years = np.arange(2014, 2025)
    mean = 70 + 8 * np.sin((years - 2014) / 3.0)
    fig = new_figure(468, 252)
    ax = fig.add_axes((0.1, 0.14, 0.86, 0.74))
    ax.fill_between(
        years,
        mean - 6,
        mean + 6,
        color="#2e86c1",
        alpha=0.25,
        linewidth=0,
        label="80% credible interval",
    )
    ax.plot(years, mean, color="#1b4f72", marker="o", markersize=3, label="Türkiye")
    ax.axhline(60, color="#7f8c8d", linestyle="--", linewidth=0.8, label="Regional average")
    ax.set_xlim(2013.5, 2024.5)
    ax.set_ylim(40, 100)
    ax.set_xticks(years, [str(y) for y in years], fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(LINE_TITLE, fontsize=10, fontweight="bold")
    ax.legend(loc="lower left", fontsize=7, frameon=False, ncols=3)
    ax.grid(axis="y", color="#e5e7e9", linewidth=0.6)
    return fig


def _rotated() -> Figure:
    values = np.linspace(22, 81, len(GROUPS))
    fig = new_figure(468, 288)
    ax = fig.add_axes((0.1, 0.42, 0.86, 0.5))
    ax.bar(np.arange(len(GROUPS)), values, color="#16a085")
    ax.set_xticks(
        np.arange(len(GROUPS)),
        GROUPS,
        rotation=40,
        ha="right",
        rotation_mode="anchor",
        fontsize=7.5,
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel("Share of experts (%)", fontsize=8)
    ax.set_title(ROTATED_TITLE, fontsize=10, fontstyle="italic")
    for i, v in enumerate(values):
        ax.text(i, v + 2, f"{v:.0f}%", ha="center", fontsize=7)
    return fig


IMAGE_TITLE = "Raster artists: resampled and unsampled"


def _images() -> Figure:
    """Rasters keep their orientation, placement and alpha (a heat-map style chart)."""
    z = np.arange(20.0).reshape(4, 5)
    fig = new_figure(468, 216)
    left = fig.add_axes((0.06, 0.12, 0.4, 0.72))
    right = fig.add_axes((0.56, 0.12, 0.4, 0.72))
    left.imshow(z, interpolation="nearest", cmap="viridis", aspect="auto")
    right.imshow(z, interpolation="none", cmap="magma", origin="lower", alpha=0.7, aspect="auto")
    fig.suptitle(IMAGE_TITLE, fontsize=10)
    return fig


BUILDERS: dict[str, Callable[[], Figure]] = {
    "bars": _bars,
    "line": _line,
    "rotated": _rotated,
    "images": _images,
}
TITLES = {"bars": BAR_TITLE, "line": LINE_TITLE, "rotated": ROTATED_TITLE, "images": IMAGE_TITLE}


@pytest.fixture(scope="module")
def drawings() -> dict[str, VectorDrawing]:
    return {name: record(build()) for name, build in BUILDERS.items()}


def _pages_pdf(drawings: dict[str, VectorDrawing]) -> bytes:
    """One page per chart, page size = chart size, chart at the origin."""
    fonts = register_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1, initialFontName=fonts.regular)
    for drawing in drawings.values():
        canvas.setPageSize((drawing.width, drawing.height))
        draw_vector(canvas, drawing, 0, 0, fonts)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _story_pdf(drawings: dict[str, VectorDrawing]) -> bytes:
    """The charts as flowables in a platypus document, scaled to the text width."""
    fonts = register_fonts()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, invariant=1, initialFontName=fonts.regular, title="Vector route"
    )
    style = ParagraphStyle("body", fontName=fonts.regular, fontSize=10)
    story: list[object] = [Paragraph("Charts for <b>Türkiye</b> and <i>Côte d'Ivoire</i>", style)]
    for drawing in drawings.values():
        story += [Spacer(1, 12), VectorFlowable(drawing, width=doc.width)]
    doc.multiBuild(story)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pages_pdf(drawings: dict[str, VectorDrawing]) -> bytes:
    return _pages_pdf(drawings)


@pytest.fixture(scope="module")
def story_pdf(drawings: dict[str, VectorDrawing]) -> bytes:
    return _story_pdf(drawings)


def _page_texts(pdf: bytes) -> Iterator[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            yield page.get_textpage().get_text_range()
    finally:
        doc.close()


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# -- (i) searchable text with the right Unicode ------------------------------------------------
def test_recording_keeps_text_as_strings(drawings: dict[str, VectorDrawing]) -> None:
    bars = drawings["bars"].texts()
    assert BAR_TITLE in bars
    assert set(COUNTRIES) <= set(bars)
    assert set(GROUPS) <= set(drawings["rotated"].texts())
    bold = [op for op in drawings["bars"].ops if isinstance(op, TextOp) and op.font.bold]
    assert {op.text for op in bold} == {BAR_TITLE, HIGHLIGHT}
    rotated = [op for op in drawings["rotated"].ops if isinstance(op, TextOp) and op.text in GROUPS]
    assert all(op.angle == pytest.approx(40) for op in rotated)


def test_page_text_is_extractable(drawings: dict[str, VectorDrawing], pages_pdf: bytes) -> None:
    texts = [_collapse(t) for t in _page_texts(pages_pdf)]
    assert len(texts) == len(drawings)
    for text, (name, drawing) in zip(texts, drawings.items(), strict=True):
        assert TITLES[name] in text
        for label in drawing.texts():
            assert _collapse(label) in text, f"{label!r} not extractable from the {name} page"
    for country in COUNTRIES:
        assert country in texts[0]
    for group in GROUPS:
        assert group in texts[2]


def test_story_text_is_extractable(story_pdf: bytes) -> None:
    text = _collapse(" ".join(_page_texts(story_pdf)))
    for expected in [
        BAR_TITLE,
        LINE_TITLE,
        ROTATED_TITLE,
        *COUNTRIES,
        *GROUPS,
        "Charts for Türkiye and Côte d'Ivoire",
    ]:
        assert expected in text


# -- (ii) every font embedded -------------------------------------------------------------------
def _font_dicts(resources: DictionaryObject | None, seen: set[int]) -> Iterator[DictionaryObject]:
    """Font dictionaries used by a page (descendants of Type0 fonts and forms included)."""
    if resources is None:
        return
    resolved = resources.get_object()
    assert isinstance(resolved, DictionaryObject)
    for font in (resolved.get("/Font") or {}).values():
        font = font.get_object()
        yield font
        for descendant in font.get("/DescendantFonts") or []:
            yield descendant.get_object()
    for xobject in (resolved.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if id(xobject) not in seen and xobject.get("/Subtype") == "/Form":
            seen.add(id(xobject))
            yield from _font_dicts(xobject.get("/Resources"), seen)


@pytest.mark.parametrize("which", ["pages", "story"])
def test_all_fonts_embedded(which: str, pages_pdf: bytes, story_pdf: bytes) -> None:
    pdf = pages_pdf if which == "pages" else story_pdf
    reader = PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for font in _font_dicts(page.get("/Resources"), set()):
            if font.get("/Subtype") == "/Type0":
                continue  # checked through its descendant
            name = str(font.get("/BaseFont"))
            names.add(name)
            descriptor = font.get("/FontDescriptor")
            assert descriptor is not None, f"{name} has no font descriptor (standard 14 font?)"
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
                f"{name} is not embedded"
            )
    assert names, "no fonts found"
    assert all("DejaVuSans" in n for n in names), names
    for standard in (b"/Helvetica", b"/Times-Roman", b"/Courier", b"/Symbol", b"/ZapfDingbats"):
        assert standard not in pdf


# -- (iii) looks like matplotlib's own rendering ------------------------------------------------
# PDF viewers neither hint glyphs nor snap lines to the pixel grid, so the reference is Agg's
# rendering with hinting and snapping off: the comparison is about geometry (positions, sizes,
# faces, colours), not about two rasterisers' choices. What remains is anti-aliasing and the
# kerning Agg applies and the PDF does not (reportlab draws nominal advances; the recording
# measures text the same way).
AGG_REFERENCE_RC: dict[RcKeyType, Any] = {"text.hinting": "no_hinting", "path.snap": False}


def _agg_grey(figure: Figure) -> np.ndarray:
    buf = io.BytesIO()
    with mpl.rc_context(AGG_REFERENCE_RC):
        figure.savefig(buf, format="png", dpi=DPI)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("L"), dtype=np.int16)


def _pdf_greys(pdf: bytes) -> list[np.ndarray]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [
            np.asarray(page.render(scale=DPI / 72).to_pil().convert("L"), dtype=np.int16)
            for page in doc
        ]
    finally:
        doc.close()


def _compare(name: str, pdf: bytes) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Fraction of differing pixels between page ``name`` of ``pdf`` and matplotlib's Agg."""
    expected = _agg_grey(BUILDERS[name]())
    actual = _pdf_greys(pdf)[list(BUILDERS).index(name)]
    assert abs(actual.shape[0] - expected.shape[0]) <= 1
    assert abs(actual.shape[1] - expected.shape[1]) <= 1
    h = min(actual.shape[0], expected.shape[0])
    w = min(actual.shape[1], expected.shape[1])
    actual, expected = actual[:h, :w], expected[:h, :w]
    diff = np.abs(actual - expected)
    return float((diff > GREY_TOLERANCE).mean()), actual, expected, diff


@pytest.mark.parametrize("name", list(BUILDERS))
def test_page_matches_matplotlib(name: str, pages_pdf: bytes) -> None:
    fraction, actual, expected, diff = _compare(name, pages_pdf)
    if fraction >= MAX_DIFF_FRACTION:
        FAILURES.mkdir(exist_ok=True)
        Image.fromarray(expected.astype(np.uint8)).save(FAILURES / f"{name}-matplotlib.png")
        Image.fromarray(actual.astype(np.uint8)).save(FAILURES / f"{name}-pdf.png")
        Image.fromarray((255 - np.minimum(diff * 4, 255)).astype(np.uint8)).save(
            FAILURES / f"{name}-diff.png"
        )
    assert fraction < MAX_DIFF_FRACTION, (
        f"{name}: {fraction:.2%} of pixels differ from matplotlib's rendering; images saved "
        f"in {FAILURES}/{name}-{{matplotlib,pdf,diff}}.png"
    )


def test_comparison_detects_misplaced_text(drawings: dict[str, VectorDrawing]) -> None:
    """Guard against a vacuous comparison: text moved by 3 pt must fail it."""
    moved = {
        name: replace(
            drawing,
            ops=tuple(
                replace(op, x=op.x + 3, y=op.y + 3) if isinstance(op, TextOp) else op
                for op in drawing.ops
            ),
        )
        for name, drawing in drawings.items()
    }
    pdf = _pages_pdf(moved)
    for name in ("bars", "line", "rotated"):
        assert _compare(name, pdf)[0] >= MAX_DIFF_FRACTION, name


def test_comparison_detects_flipped_images(drawings: dict[str, VectorDrawing]) -> None:
    def flipped(op: ImageOp) -> ImageOp:
        pixels = np.frombuffer(op.rgba, np.uint8).reshape(op.pixels_height, op.pixels_width, 4)
        return replace(op, rgba=pixels[::-1].tobytes())

    upside_down = {
        name: replace(
            drawing, ops=tuple(flipped(op) if isinstance(op, ImageOp) else op for op in drawing.ops)
        )
        for name, drawing in drawings.items()
    }
    assert _compare("images", _pages_pdf(upside_down))[0] >= MAX_DIFF_FRACTION


# -- (iv) deterministic output --------------------------------------------------------------------
def test_byte_identical_twice(
    drawings: dict[str, VectorDrawing], pages_pdf: bytes, story_pdf: bytes
) -> None:
    again = {name: record(build()) for name, build in BUILDERS.items()}
    assert again == drawings
    assert _pages_pdf(again) == pages_pdf
    assert _story_pdf(again) == story_pdf


def test_flowable_scales_to_width(drawings: dict[str, VectorDrawing]) -> None:
    drawing = drawings["line"]
    flowable = VectorFlowable(drawing, width=drawing.width / 2)
    assert flowable.wrap(1000, 1000) == pytest.approx((drawing.width / 2, drawing.height / 2))
    assert VectorFlowable(drawing).wrap(1000, 1000) == (drawing.width, drawing.height)


def test_state_after_a_clipped_op_is_tracked_truly() -> None:
    """After a clip ends, the PDF's transparency is what it was before it: an opaque fill that
    follows a translucent one and a clipped op must still print fully black."""
    import io as _io

    import pypdfium2 as _pdfium
    from reportlab.pdfgen.canvas import Canvas as _Canvas

    from reportgen.vector import ClipRect, PathOp, PathSegment

    def square(x: float) -> tuple[PathSegment, ...]:
        return (
            PathSegment("M", ((x, 10.0),)),
            PathSegment("L", ((x + 30, 10.0),)),
            PathSegment("L", ((x + 30, 40.0),)),
            PathSegment("L", ((x, 40.0),)),
            PathSegment("Z"),
        )

    ops = (
        PathOp(square(0), (1.0, 0.0, 0.0, 0.2), None),
        PathOp(square(40), None, (0.0, 0.0, 0.0, 1.0), clip=ClipRect(0, 0, 200, 50)),
        PathOp(square(80), (0.0, 0.0, 0.0, 1.0), None),
    )
    fonts = register_fonts()
    buffer = _io.BytesIO()
    canvas = _Canvas(buffer, pagesize=(120, 50), initialFontName=fonts.regular)
    draw_vector(canvas, VectorDrawing(120, 50, ops), 0, 0, fonts)
    canvas.showPage()
    canvas.save()
    image = _pdfium.PdfDocument(buffer.getvalue())[0].render(scale=1).to_pil().convert("L")
    assert image.getpixel((95, 25)) < 20
