"""Record what a matplotlib ``Figure`` draws into a library-neutral ``VectorDrawing``.

In:  a ``matplotlib.figure.Figure`` (never pyplot), drawn at 72 dpi so that matplotlib's
     display units are PDF points.
Out: ``reportgen.vector.VectorDrawing`` (paths, text, images in points, origin bottom-left).

The recording renderer subclasses matplotlib's ``RendererBase``: matplotlib lays the figure out
and calls ``draw_path`` / ``draw_text`` / ``draw_image``; we keep the calls as plain data. Text
is recorded as strings (searchable in the PDF), measured as ``reportgen.charts._primitives``
measures it. The charts themselves are recorded without drawing (``_kit.Sheet``): this module
is what they are tested against, and what ad-hoc figures (``record(new_figure(...))``) use; it
is imported only when one of those is drawn.

One renderer is kept alive per process (``record`` reuses it) so that matplotlib's text-metrics
cache, keyed on the renderer, survives from one chart to the next. The renderer is not
thread-safe; use one process per worker.

This module relies on matplotlib internals (the renderer API, ``Text._get_layout``'s private
``_get_font_height_metrics`` hook): matplotlib is pinned and an image-comparison test guards it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any, Literal, cast

import matplotlib as mpl
import numpy as np
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, weight_dict
from matplotlib.path import Path
from matplotlib.transforms import Affine2DBase, Transform

from reportgen.charts._primitives import (
    _FACE_FILES,
    DPI,
    _height_metrics,
    _measure,
    segments,
)
from reportgen.vector import (
    RGBA,
    ClipRect,
    FontRef,
    ImageOp,
    Op,
    PathOp,
    PathSegment,
    TextOp,
    VectorDrawing,
)

__all__ = ["IMAGE_DPI", "font_ref", "new_figure", "record"]

IMAGE_DPI = 150.0
"""Resolution at which raster artists (``imshow`` and the like) are resampled."""

_CAPS: dict[str, Literal["butt", "round", "projecting"]] = {
    "butt": "butt",
    "round": "round",
    "projecting": "projecting",
}
_JOINS: dict[str, Literal["miter", "round", "bevel"]] = {
    "miter": "miter",
    "round": "round",
    "bevel": "bevel",
}

_REF_TABLE = {(r.bold, r.italic): r for r in _FACE_FILES}


@functools.lru_cache(maxsize=64)
def _ref_for(weight: str | int, style: str) -> FontRef:
    numeric = weight if isinstance(weight, int) else weight_dict.get(weight, 400)
    return _REF_TABLE[(numeric >= 600, style in ("italic", "oblique"))]


def font_ref(prop: FontProperties) -> FontRef:
    """Map matplotlib font properties to the face the PDF uses (weight >= 600 is bold)."""
    return _ref_for(prop.get_weight(), prop.get_style())


def _plain(s: str) -> str:
    """Mathtext source shown as plain text: unescaped ``$`` delimiters dropped."""
    return s.replace(r"\$", "\0").replace("$", "").replace("\0", "$")


def _rgba(rgb: Sequence[float], alpha: float | None) -> RGBA:
    """RGBA from a colour and an alpha that, when given, overrides the colour's own."""
    if alpha is None:
        alpha = float(rgb[3]) if len(rgb) > 3 else 1.0
    return (float(rgb[0]), float(rgb[1]), float(rgb[2]), float(alpha))


def _stroke_rgba(gc: GraphicsContextBase) -> RGBA:
    rgb = gc.get_rgb()
    forced = gc.get_forced_alpha() or len(rgb) == 3
    return _rgba(rgb, gc.get_alpha() if forced else None)


class _RecordingRenderer(RendererBase):
    """A matplotlib renderer that appends ``reportgen.vector`` ops to a list."""

    def __init__(self) -> None:
        super().__init__()
        self.width = 0.0
        self.height = 0.0
        self.ops: list[Op] = []
        self._clips: dict[tuple[float, float, float, float], ClipRect] = {}

    def begin(self, width: float, height: float) -> None:
        self.width = width
        self.height = height
        self.ops = []

    # -- capabilities --------------------------------------------------------------------
    def flipy(self) -> bool:
        return False

    def points_to_pixels(self, points: Any) -> Any:
        return points

    def get_canvas_width_height(self) -> tuple[float, float]:
        return self.width, self.height

    def option_image_nocomposite(self) -> bool:
        return not mpl.rcParams["image.composite_image"]

    def option_scale_image(self) -> bool:
        return True

    def get_image_magnification(self) -> float:
        return IMAGE_DPI / DPI

    # -- text metrics ----------------------------------------------------------------------
    def get_text_width_height_descent(
        self, s: str, prop: FontProperties, ismath: bool | Literal["TeX"]
    ) -> tuple[float, float, float]:
        if ismath:
            s = _plain(s)
        return _measure(s, font_ref(prop), float(prop.get_size_in_points()))

    def _get_font_height_metrics(
        self, prop: FontProperties
    ) -> tuple[float | None, float | None, float | None]:
        # Private hook looked up by matplotlib 3.11's Text._get_layout; without it matplotlib
        # opens the font and reads its OS/2 table for every text it lays out.
        return _height_metrics(font_ref(prop), float(prop.get_size_in_points()))

    # -- state helpers -----------------------------------------------------------------------
    def _clip(self, gc: GraphicsContextBase) -> ClipRect | None:
        bbox = gc.get_clip_rectangle()
        x0: float
        y0: float
        x1: float
        y1: float
        if bbox is not None:
            x0, y0, x1, y1 = (float(v) for v in bbox.extents)
        else:
            x0, y0, x1, y1 = -math.inf, -math.inf, math.inf, math.inf
        tpath, affine = gc.get_clip_path()
        if tpath is not None:
            # Only rectangular clips are recorded: a clip path is reduced to its bounding box
            # (exact for the rectangular axes patches charts use).
            ext = cast(Path, tpath).get_extents(affine).extents
            x0, y0 = max(x0, float(ext[0])), max(y0, float(ext[1]))
            x1, y1 = min(x1, float(ext[2])), min(y1, float(ext[3]))
        if math.isinf(x0) or math.isinf(y0) or math.isinf(x1) or math.isinf(y1):
            return None
        key = (x0, y0, x1, y1)
        clip = self._clips.get(key)
        if clip is None:
            clip = ClipRect(x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))
            if len(self._clips) > 4096:
                self._clips.clear()
            self._clips[key] = clip
        return clip

    def _paint(
        self,
        gc: GraphicsContextBase,
        rgbFace: Any,  # noqa: N803 (matplotlib's name)
    ) -> tuple[RGBA | None, RGBA | None, float]:
        fill: RGBA | None = None
        if rgbFace is not None:
            alpha = gc.get_alpha() if gc.get_forced_alpha() else None
            fill = _rgba(rgbFace, alpha)
            if fill[3] <= 0.0:
                fill = None
        stroke: RGBA | None = None
        lw = float(gc.get_linewidth())
        if lw > 0.0:
            stroke = _stroke_rgba(gc)
            if stroke[3] <= 0.0:
                stroke = None
        return fill, stroke, lw

    def _path_op(
        self,
        gc: GraphicsContextBase,
        segments: tuple[PathSegment, ...],
        fill: RGBA | None,
        stroke: RGBA | None,
        lw: float,
        clip: ClipRect | None,
    ) -> PathOp:
        if stroke is None:
            return PathOp(segments, fill, None, clip=clip)
        _offset, dashes = gc.get_dashes()
        dash = () if dashes is None else tuple(np.asarray(dashes, dtype=float).tolist())
        return PathOp(
            segments,
            fill,
            stroke,
            line_width=lw,
            dash=dash,
            line_cap=_CAPS.get(gc.get_capstyle(), "butt"),
            line_join=_JOINS.get(gc.get_joinstyle(), "miter"),
            clip=clip,
        )

    # -- drawing -------------------------------------------------------------------------------
    def draw_path(
        self,
        gc: GraphicsContextBase,
        path: Path,
        transform: Transform,
        rgbFace: Any = None,  # noqa: N803 (matplotlib's name)
    ) -> None:
        fill, stroke, lw = self._paint(gc, rgbFace)
        if fill is None and stroke is None:
            return
        # As matplotlib's PDF backend: clip and simplify unfilled paths only.
        unfilled = rgbFace is None
        cleaned = path.cleaned(
            transform=transform,
            remove_nans=True,
            clip=(0.0, 0.0, self.width, self.height) if unfilled else None,
            simplify=bool(path.should_simplify and unfilled),
            curves=True,
            sketch=gc.get_sketch_params(),
        )
        path_segments = segments(cleaned)
        if path_segments:
            self.ops.append(self._path_op(gc, path_segments, fill, stroke, lw, self._clip(gc)))

    def draw_markers(
        self,
        gc: GraphicsContextBase,
        marker_path: Path,
        marker_trans: Transform,
        path: Path,
        trans: Transform,
        rgbFace: Any = None,  # noqa: N803 (matplotlib's name)
    ) -> None:
        fill, stroke, lw = self._paint(gc, rgbFace)
        if fill is None and stroke is None:
            return
        marker = segments(marker_path.cleaned(transform=marker_trans, curves=True))
        if not marker:
            return
        clip = self._clip(gc)
        pts = trans.transform(path.vertices)
        for x, y in pts[np.isfinite(pts).all(axis=1)].tolist():
            moved = tuple(
                PathSegment(s.code, tuple((px + x, py + y) for px, py in s.points)) for s in marker
            )
            self.ops.append(self._path_op(gc, moved, fill, stroke, lw, clip))

    def draw_image(
        self,
        gc: GraphicsContextBase,
        x: float,
        y: float,
        im: Any,
        transform: Affine2DBase | None = None,
    ) -> None:
        # matplotlib hands images to y-up renderers bottom row first; ImageOp is top row first.
        arr = np.asarray(im)[::-1]
        if arr.ndim != 3 or arr.shape[2] != 4:
            raise ValueError(f"expected an RGBA image, got shape {arr.shape}")
        h, w = arr.shape[:2]
        if w == 0 or h == 0:
            return
        if transform is None:
            # Resampled at get_image_magnification(); alpha is already in the pixels.
            mag = self.get_image_magnification()
            box = (float(x), float(y), w / mag, h / mag)
        else:
            # Unsampled: the transform maps the unit square onto the image's place relative
            # to (x, y), and the artist's alpha is still to be applied. Only axis-aligned
            # placements are representable; others keep their bounding box.
            a, b, c, d, e, f = (float(v) for v in transform.frozen().to_values())
            corners = np.array([[0.0, 0.0], [a, b], [c, d], [a + c, b + d]])
            if a < 0:
                arr = arr[:, ::-1]
            if d < 0:
                arr = arr[::-1]
            x0, y0 = corners.min(axis=0)
            x1, y1 = corners.max(axis=0)
            box = (float(x) + e + x0, float(y) + f + y0, x1 - x0, y1 - y0)
            alpha = gc.get_alpha()
            if alpha is not None and alpha < 1.0:
                arr = arr.copy()
                arr[..., 3] = np.round(arr[..., 3] * alpha).astype(np.uint8)
        rgba = np.ascontiguousarray(arr, dtype=np.uint8)
        self.ops.append(
            ImageOp(*box, pixels_width=w, pixels_height=h, rgba=rgba.tobytes(), clip=self._clip(gc))
        )

    def draw_text(
        self,
        gc: GraphicsContextBase,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        ismath: bool | Literal["TeX"] = False,
        mtext: Any = None,
    ) -> None:
        if ismath:
            s = _plain(s)
        if not s:
            return
        color = _stroke_rgba(gc)
        if color[3] <= 0.0:
            return
        self.ops.append(
            TextOp(
                float(x),
                float(y),
                s,
                float(prop.get_size_in_points()),
                font_ref(prop),
                color,
                float(angle),
                self._clip(gc),
            )
        )

    def draw_tex(
        self,
        gc: GraphicsContextBase,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        *,
        mtext: Any = None,
    ) -> None:
        self.draw_text(gc, x, y, s, prop, angle, ismath=True, mtext=mtext)


_renderer: _RecordingRenderer | None = None


def _get_renderer() -> _RecordingRenderer:
    global _renderer
    if _renderer is None:
        _renderer = _RecordingRenderer()
    return _renderer


def new_figure(width: float, height: float) -> Figure:
    """Return a pyplot-free ``Figure`` of ``width`` x ``height`` points at 72 dpi."""
    return Figure(figsize=(width / DPI, height / DPI), dpi=DPI)


def record(figure: Figure) -> VectorDrawing:
    """Draw ``figure`` and return its drawing operations (points, origin bottom-left).

    The figure is set to 72 dpi if it is not already (its size in inches is kept). It may be
    changed and recorded again; the returned drawing does not depend on it any more.
    """
    if figure.dpi != DPI:
        figure.set_dpi(DPI)
    renderer = _get_renderer()
    width, height = float(figure.bbox.width), float(figure.bbox.height)
    renderer.begin(width, height)
    try:
        figure.draw(renderer)
        ops = tuple(renderer.ops)
    finally:
        renderer.ops = []
    return VectorDrawing(width=width, height=height, ops=ops)
