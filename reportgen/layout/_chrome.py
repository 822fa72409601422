"""Page chrome shared by the report and compendium templates: running head, band, mark.

In:  a canvas in a page callback, the page geometry, the style and fonts, the text to show.
Out: drawing on the canvas, each piece marked as an artifact (or, for the illustrative mark
     on a cover, as content under a given tag) so that tagged documents stay PDF/UA-clean.
"""

from __future__ import annotations

from typing import Protocol

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from reportgen.layout._fonts import FontSet
from reportgen.layout.tagging import Tag, artifact, marked
from reportgen.style import Color, Style


class Page(Protocol):
    """The page geometry the chrome needs (points)."""

    @property
    def width(self) -> float: ...
    @property
    def height(self) -> float: ...
    @property
    def left(self) -> float: ...
    @property
    def right(self) -> float: ...
    @property
    def top(self) -> float: ...


def rl_color(color: Color) -> colors.Color:
    """A style colour as a reportlab colour."""
    r, g, b = color.rgb
    return colors.Color(r, g, b)


def running_head(canvas: Canvas, page: Page, style: Style, fonts: FontSet, text: str) -> None:
    """The running head at the top of a body page, with a rule under it."""
    y = page.height - page.top + 10
    with artifact(canvas, "/Type /Pagination /Subtype /Header"):
        canvas.setFont(fonts.regular, style.fonts.small_size)
        canvas.setFillColor(rl_color(style.colors.muted))
        canvas.drawString(page.left, y, text)
        canvas.setStrokeColor(rl_color(style.colors.rule))
        canvas.setLineWidth(0.5)
        canvas.line(page.left, y - 4, page.width - page.right, y - 4)


def band(canvas: Canvas, page: Page, style: Style, share: float) -> None:
    """The accent band across the top ``share`` of a cover or divider page."""
    height = share * page.height
    with artifact(canvas, "/Type /Layout"):
        canvas.setFillColor(rl_color(style.colors.accent))
        canvas.rect(0, page.height - height, page.width, height, stroke=0, fill=1)


def illustrative_mark(
    canvas: Canvas,
    page: Page,
    style: Style,
    fonts: FontSet,
    mark: str | None,
    y: float,
    tag: Tag | None = None,
) -> None:
    """The illustrative-data mark centred at ``y``, on a white label that reads on any
    background. With ``tag`` it is content (the cover says it); elsewhere an artifact."""
    if not mark:
        return
    size = style.fonts.small_size + 0.5
    width = pdfmetrics.stringWidth(mark, fonts.bold, size)
    with artifact(canvas, "/Type /Layout"):
        canvas.setFillColor(colors.white)
        canvas.rect(page.width / 2 - width / 2 - 6, y - 3.5, width + 12, size + 5, stroke=0, fill=1)
    with (
        marked(canvas, tag, tag)
        if tag is not None
        else artifact(canvas, "/Type /Pagination /Subtype /Watermark")
    ):
        canvas.setFillColor(rl_color(style.colors.illustrative))
        canvas.setFont(fonts.bold, size)
        canvas.drawCentredString(page.width / 2, y, mark)
