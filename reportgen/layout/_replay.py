"""Replay a recorded ``VectorDrawing`` onto a reportlab canvas.

In:  ``reportgen.vector.VectorDrawing`` (from the charts stage), a reportlab canvas, the
     registered ``FontSet``.
Out: PDF drawing operators on the canvas; ``VectorFlowable`` wraps a drawing for platypus.

Paths, colours and line state are written as raw PDF operators into the canvas's content
stream (``canvas._code``): several times faster than reportlab's path objects and colour
setters, which build an object per call. Everything that needs reportlab's bookkeeping goes
through the public API: graphics-state save/restore (which tracks alpha), alpha (ExtGState
resources), text (TrueType subsetting and font resources) and images (XObjects).

A drawing is replayed once per build pass (multiBuild draws each flowable on every pass); a
replay costs well under a millisecond per hundred operations.
"""

from __future__ import annotations

import math

from PIL import Image
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus.flowables import Flowable

from reportgen.layout._fonts import FontSet, register_fonts
from reportgen.vector import RGBA, ClipRect, ImageOp, PathOp, TextOp, VectorDrawing

__all__ = ["VectorFlowable", "draw_vector"]

_CAP = {"butt": "0 J", "round": "1 J", "projecting": "2 J"}
_JOIN = {"miter": "0 j", "round": "1 j", "bevel": "2 j"}


_TRACKED = (
    "fill",
    "stroke",
    "fill_alpha",
    "stroke_alpha",
    "width",
    "cap",
    "join",
    "dash",
    "face",
    "size",
)


class _Replay:
    """Operator writer that skips redundant state changes."""

    __slots__ = (
        "canvas",
        "cap",
        "code",
        "dash",
        "face",
        "fill",
        "fill_alpha",
        "fonts",
        "join",
        "saved",
        "size",
        "stroke",
        "stroke_alpha",
        "text",
        "width",
    )

    def __init__(self, canvas: Canvas, fonts: FontSet) -> None:
        self.canvas = canvas
        self.code: list[str] = canvas._code
        self.fonts = fonts
        self.text: PDFTextObject | None = None
        self.saved: dict[str, object] = {}
        self.reset()

    def reset(self) -> None:
        """Forget the tracked state (after a restoreState the values are unknown)."""
        self.fill: tuple[float, float, float] | None = None
        self.stroke: tuple[float, float, float] | None = None
        self.fill_alpha = 1.0
        self.stroke_alpha = 1.0
        self.width: float | None = None
        self.cap: str | None = None
        self.join: str | None = None
        self.dash: tuple[float, ...] | None = None
        self.face: str | None = None
        self.size = 0.0

    # -- state -----------------------------------------------------------------------
    def set_fill_alpha(self, alpha: float) -> None:
        if alpha != self.fill_alpha:
            self.end_text()
            self.canvas.setFillAlpha(alpha)
            self.fill_alpha = alpha

    def set_stroke_alpha(self, alpha: float) -> None:
        if alpha != self.stroke_alpha:
            self.end_text()
            self.canvas.setStrokeAlpha(alpha)
            self.stroke_alpha = alpha

    def set_fill(self, color: RGBA, code: list[str]) -> None:
        rgb = (color[0], color[1], color[2])
        if rgb != self.fill:
            code.append(f"{fp_str(*rgb)} rg")
            self.fill = rgb

    def set_stroke(self, op: PathOp, color: RGBA) -> None:
        code = self.code
        rgb = (color[0], color[1], color[2])
        if rgb != self.stroke:
            code.append(f"{fp_str(*rgb)} RG")
            self.stroke = rgb
        if op.line_width != self.width:
            code.append(f"{fp_str(op.line_width)} w")
            self.width = op.line_width
        if op.line_cap != self.cap:
            code.append(_CAP[op.line_cap])
            self.cap = op.line_cap
        if op.line_join != self.join:
            code.append(_JOIN[op.line_join])
            self.join = op.line_join
        if op.dash != self.dash:
            code.append(f"[{fp_str(*op.dash) if op.dash else ''}] 0 d")
            self.dash = op.dash

    # -- operations ----------------------------------------------------------------------
    def path(self, op: PathOp) -> None:
        self.end_text()
        fill, stroke = op.fill, op.stroke
        if fill is not None:
            self.set_fill_alpha(fill[3])
            self.set_fill(fill, self.code)
        if stroke is not None:
            self.set_stroke_alpha(stroke[3])
            self.set_stroke(op, stroke)
        parts: list[str] = []
        add = parts.append
        for seg in op.segments:
            code = seg.code
            if code == "L":
                add(f"{fp_str(*seg.points[0])} l")
            elif code == "M":
                add(f"{fp_str(*seg.points[0])} m")
            elif code == "C":
                (x1, y1), (x2, y2), (x3, y3) = seg.points
                add(f"{fp_str(x1, y1, x2, y2, x3, y3)} c")
            else:
                add("h")
        if fill is not None:
            add("B" if stroke is not None else "f")
        else:
            add("S")
        self.code.append(" ".join(parts))

    def draw_text(self, op: TextOp) -> None:
        self.set_fill_alpha(op.color[3])
        text = self.text
        if text is None:
            text = self.text = self.canvas.beginText()
        self.set_fill(op.color, text._code)
        face = self.fonts.face_for(op.font)
        if face != self.face or op.size != self.size:
            text.setFont(face, op.size)
            self.face, self.size = face, op.size
        if op.angle:
            rad = math.radians(op.angle)
            cos, sin = math.cos(rad), math.sin(rad)
            text.setTextTransform(cos, sin, -sin, cos, op.x, op.y)
        else:
            text.setTextOrigin(op.x, op.y)
        text.textOut(op.text)

    def end_text(self) -> None:
        if self.text is not None:
            self.canvas.drawText(self.text)
            self.text = None
            # Tf is re-emitted per text object by reportlab's TrueType subset switching.
            self.face = None

    def image(self, op: ImageOp) -> None:
        self.end_text()
        self.set_fill_alpha(1.0)
        image = Image.frombytes("RGBA", (op.pixels_width, op.pixels_height), op.rgba)
        self.canvas.drawImage(ImageReader(image), op.x, op.y, op.width, op.height, mask="auto")

    def begin_clip(self, clip: ClipRect) -> None:
        self.end_text()
        # restoreState at the end of the clip brings back the PDF's state of now: remember
        # what we know of it, so that tracking stays true after the clip.
        self.saved = {name: getattr(self, name) for name in _TRACKED}
        self.canvas.saveState()
        self.code.append(f"{fp_str(clip.x, clip.y, clip.width, clip.height)} re W n")

    def end_clip(self) -> None:
        self.end_text()
        self.canvas.restoreState()
        for name, value in self.saved.items():
            setattr(self, name, value)


def draw_vector(
    canvas: Canvas,
    drawing: VectorDrawing,
    x: float,
    y: float,
    fonts: FontSet,
    scale: float = 1.0,
) -> None:
    """Draw ``drawing`` with its bottom-left corner at (x, y), scaled by ``scale``.

    The canvas's graphics state is saved and restored around the drawing.
    """
    canvas.saveState()
    canvas.transform(scale, 0, 0, scale, x, y)
    replay = _Replay(canvas, fonts)
    clip: ClipRect | None = None
    try:
        for op in drawing.ops:
            op_clip = op.clip
            if op_clip is not clip and op_clip != clip:
                if clip is not None:
                    replay.end_clip()
                if op_clip is not None:
                    replay.begin_clip(op_clip)
                clip = op_clip
            if isinstance(op, PathOp):
                replay.path(op)
            elif isinstance(op, TextOp):
                replay.draw_text(op)
            else:
                replay.image(op)
        replay.end_text()
        if clip is not None:
            replay.end_clip()
    finally:
        canvas.restoreState()


class VectorFlowable(Flowable):  # type: ignore[misc]
    """A platypus flowable showing a recorded chart, scaled to ``width`` (aspect kept).

    With ``width=None`` the chart keeps its recorded size. The recording is replayed on every
    build pass; matplotlib is not involved any more.
    """

    def __init__(
        self,
        drawing: VectorDrawing,
        width: float | None = None,
        fonts: FontSet | None = None,
    ) -> None:
        super().__init__()
        self.drawing = drawing
        self.scale = 1.0 if width is None else width / drawing.width
        self.width = drawing.width * self.scale
        self.height = drawing.height * self.scale
        self._fonts = fonts

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def draw(self) -> None:
        fonts = self._fonts if self._fonts is not None else register_fonts()
        draw_vector(self.canv, self.drawing, 0.0, 0.0, fonts, scale=self.scale)

    def __repr__(self) -> str:
        return f"VectorFlowable({len(self.drawing.ops)} ops, {self.width:.0f}x{self.height:.0f} pt)"
