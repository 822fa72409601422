"""Library-neutral vector drawings: the hand-over between the charts and layout stages.

In:  nothing (plain data types).
Out: ``VectorDrawing``, a recorded list of drawing operations in PDF points, origin at the
     bottom-left corner, y upwards (the PDF convention).

The charts stage (the only module importing matplotlib) records a figure into a
``VectorDrawing`` once; the layout stage (the only module importing reportlab) replays it
on the page, once per build pass, without touching matplotlib again. Keeping the format
here, free of both libraries, lets either side be tested alone and keeps each rendering
library behind one module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RGBA = tuple[float, float, float, float]
"""Colour with components in 0..1; alpha 1 is opaque."""

PathCode = Literal["M", "L", "C", "Z"]
"""Move to, line to, cubic Bézier to (three points), close path."""


@dataclass(frozen=True, slots=True)
class PathSegment:
    """One segment of a path: a code and its points (one for M/L, three for C, none for Z)."""

    code: PathCode
    points: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class ClipRect:
    """Axis-aligned clip rectangle in drawing coordinates (x, y, width, height)."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class PathOp:
    """Fill and/or stroke a path. ``fill`` or ``stroke`` is None when not painted."""

    segments: tuple[PathSegment, ...]
    fill: RGBA | None
    stroke: RGBA | None
    line_width: float = 1.0
    dash: tuple[float, ...] = ()
    line_cap: Literal["butt", "round", "projecting"] = "butt"
    line_join: Literal["miter", "round", "bevel"] = "miter"
    clip: ClipRect | None = None


@dataclass(frozen=True, slots=True)
class FontRef:
    """A font by role, resolved to a registered TrueType face by the layout stage."""

    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, slots=True)
class TextOp:
    """Draw a string with its baseline's left end at (x, y), rotated ``angle`` degrees."""

    x: float
    y: float
    text: str
    size: float
    font: FontRef
    color: RGBA
    angle: float = 0.0
    clip: ClipRect | None = None


@dataclass(frozen=True, slots=True)
class ImageOp:
    """An RGBA raster placed in the box (x, y, width, height); rows top to bottom."""

    x: float
    y: float
    width: float
    height: float
    pixels_width: int
    pixels_height: int
    rgba: bytes
    clip: ClipRect | None = None


Op = PathOp | TextOp | ImageOp


@dataclass(frozen=True, slots=True)
class VectorDrawing:
    """A recorded chart: size in points and the operations that draw it, in order."""

    width: float
    height: float
    ops: tuple[Op, ...]

    def texts(self) -> list[str]:
        """Return every string the drawing shows, in drawing order (for tests and alt text)."""
        return [op.text for op in self.ops if isinstance(op, TextOp)]
