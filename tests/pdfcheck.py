"""Helpers to read what a PDF shows, for tests: text per page, fonts, outline, rendering."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf
import pypdfium2 as pdfium
from PIL import Image


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, whitespace collapsed."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return [re.sub(r"\s+", " ", page.get_textpage().get_text_range()) for page in doc]
    finally:
        doc.close()


def unembedded_fonts(pdf: bytes) -> list[str]:
    """Names of fonts used anywhere in the file that are not embedded."""
    missing: set[str] = set()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
                subtype = obj.get("/Subtype")
                if subtype == "/Type0":
                    descendant = obj["/DescendantFonts"][0]
                    descriptor = descendant.get("/FontDescriptor")
                else:
                    descriptor = obj.get("/FontDescriptor")
                if descriptor is None or not any(
                    k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    missing.add(str(obj.get("/BaseFont")))
    return sorted(missing)


@dataclass(frozen=True)
class OutlineItem:
    title: str
    level: int
    page: int  # 0-based


def outline(pdf: bytes) -> list[OutlineItem]:
    """The bookmarks, depth-first, with their levels and target pages."""
    from pypdf import PdfReader
    from pypdf.generic import Destination

    reader = PdfReader(io.BytesIO(pdf))
    items: list[OutlineItem] = []

    def walk(nodes: Sequence[object], level: int) -> None:
        for node in nodes:
            if isinstance(node, list):
                walk(node, level + 1)
            else:
                assert isinstance(node, Destination)
                page = reader.get_destination_page_number(node)
                assert page is not None, node.title
                items.append(OutlineItem(str(node.title), level, page))

    walk(reader.outline, 0)
    return items


def render(pdf: bytes, page: int, dpi: int = 50) -> Image.Image:
    """Render one page (0-based) to an RGB image."""
    doc = pdfium.PdfDocument(pdf)
    try:
        bitmap = doc[page].render(scale=dpi / 72)
        image: Image.Image = bitmap.to_pil().convert("RGB")
        return image
    finally:
        doc.close()


def char_boxes(
    pdf: bytes, page: int
) -> tuple[tuple[float, float], list[tuple[str, tuple[float, float, float, float]]]]:
    """Page size and every character's box (left, bottom, right, top) in points."""
    doc = pdfium.PdfDocument(pdf)
    try:
        p = doc[page]
        size = p.get_size()
        text = p.get_textpage()
        boxes = []
        for i in range(text.count_chars()):
            ch = text.get_text_range(i, 1)
            if ch.strip():
                boxes.append((ch, text.get_charbox(i)))
        return size, boxes
    finally:
        doc.close()


def blank_below(image: Image.Image, threshold: int = 235) -> float:
    """Share of a page's body height left blank below its last ink: the body lies between the
    running head (the last band of ink in the top 12% of the page) and the footer (the first
    band in the bottom 12%). 1.0 for an empty page."""
    gray = image.convert("L")
    width, height = gray.size
    data = gray.tobytes()
    inked = [min(data[y * width : (y + 1) * width]) < threshold for y in range(height)]
    bands: list[tuple[int, int]] = []
    start: int | None = None
    for y, ink in enumerate([*inked, False]):
        if ink and start is None:
            start = y
        elif not ink and start is not None:
            bands.append((start, y - 1))
            start = None
    if not bands:
        return 1.0
    heads = [b for b in bands if b[1] < 0.12 * height]
    feet = [b for b in bands if b[0] > 0.88 * height]
    top = heads[-1][1] + 1 if heads else 0
    bottom = feet[0][0] - 1 if feet else height - 1
    body = [b for b in bands if b[0] >= top and b[1] <= bottom]
    last = body[-1][1] if body else top
    return max(0.0, (bottom - last) / (bottom - top)) if bottom > top else 0.0


def chapter_ends(pdf: bytes) -> set[int]:
    """0-based pages that end a chapter: the last page, and each page before one on which a
    top-level bookmark (a chapter) starts."""
    count = len(page_texts(pdf))
    return {count - 1} | {item.page - 1 for item in outline(pdf) if item.level == 0}
