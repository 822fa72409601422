"""What both chart recorders share, without matplotlib's figures: the DejaVu Sans faces and
their metrics, the charts' rcParams, and recorded path segments.

In:  strings, font references and sizes; a cleaned matplotlib ``Path``.
Out: measured text (width, height, descent; a one-line text's baseline offset), the faces'
     files, ``PathSegment`` tuples.

Text is measured with the very DejaVu Sans TTF files the layout stage embeds, with kerning and
ligatures off because reportlab draws neither: measured widths and drawn widths agree.

This module imports only matplotlib's FreeType binding, its settings and its paths: the direct
recording (``reportgen.charts._kit.Sheet``) needs nothing else, so a process that draws charts
never imports matplotlib's figures, axes and artists (about half a second) unless it has
matplotlib draw one (``reportgen.charts._record``).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from pathlib import Path as FsPath
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.ft2font import FT2Font, LoadFlags
from matplotlib.path import Path

from reportgen.vector import FontRef, PathSegment

DPI = 72.0
"""Figures are drawn at 72 dpi: one matplotlib display unit is one PDF point."""

FONT_DIR = FsPath(mpl.get_data_path()) / "fonts" / "ttf"
"""matplotlib's bundled DejaVu Sans; the layout stage embeds the same files."""

REGULAR = FontRef(bold=False, italic=False)
BOLD = FontRef(bold=True, italic=False)
ITALIC = FontRef(bold=False, italic=True)
BOLD_ITALIC = FontRef(bold=True, italic=True)

_FACE_FILES: dict[FontRef, str] = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}

# reportlab draws each character with its nominal advance: no kerning, no ligatures.
# (Typed Any: matplotlib's stub says tuple[str], but any number of features is accepted.)
_NO_SHAPING: Any = ("-kern", "-liga", "-clig", "-calt", "-dlig")

_RC: dict[str, Any] = {
    # Every chart uses the DejaVu Sans shipped with matplotlib, which the PDF embeds.
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    # No mathtext: "$" in data labels (currencies) stays a dollar sign.
    "text.parse_math": False,
    # U+2212 exists in DejaVu Sans; the typographic minus reads better in print.
    "axes.unicode_minus": True,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
}


@contextlib.contextmanager
def chart_settings() -> Iterator[None]:
    """The rcParams the charts rely on, for the ``with`` block that draws one: the user's own
    matplotlib settings are never changed (a notebook that imports reportgen keeps its dpi,
    its fonts and its mathtext).

    Only these settings are set and put back, and only those that differ (``rc_context``
    copies all of matplotlib's settings twice: 0.6 ms a chart, 5% of a short report).
    """
    params: Any = mpl.rcParams  # (its stubs know each key as a literal)
    before = {key: params[key] for key in _RC}
    changed = {key: value for key, value in _RC.items() if before[key] != value}
    params.update(changed)
    try:
        yield
    finally:
        params.update({key: before[key] for key in changed})


def font_file(ref: FontRef) -> FsPath:
    """Return the TTF file that draws ``ref`` (the same file the layout stage registers)."""
    return FONT_DIR / _FACE_FILES[ref]


@functools.cache
def _face(ref: FontRef) -> FT2Font:
    return FT2Font(str(font_file(ref)))


# A FreeType face reads its file through an open descriptor. A worker forked after this process
# measured text would share that descriptor, and its file offset, with its parent and siblings:
# concurrent reads then fail ("failed to load glyph"). Each child opens its own faces (as
# matplotlib does for its own font cache).
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_face.cache_clear)


@functools.lru_cache(maxsize=16384)
def _measure(s: str, ref: FontRef, size: float) -> tuple[float, float, float]:
    font = _face(ref)
    font.clear()
    font.set_size(size, DPI)
    font.set_text(s, 0.0, flags=LoadFlags.NO_HINTING, features=_NO_SHAPING)
    w, h = font.get_width_height()
    d = font.get_descent()
    return w / 64.0, h / 64.0, d / 64.0


@functools.lru_cache(maxsize=256)
def _height_metrics(ref: FontRef, size: float) -> tuple[float, float, float]:
    # Same computation as matplotlib's fallback in Text._get_layout (OS/2 typo metrics),
    # done once per face and size instead of once per text.
    font = _face(ref)
    units_per_em = font.get_sfnt_table("head")["unitsPerEm"]  # type: ignore[index]
    scale = size / units_per_em
    for table_name, gap_key, asc_key, desc_key in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)  # type: ignore[call-overload]
        if table is None:
            continue
        return (
            float(table[asc_key]) * scale,
            -float(table[desc_key]) * scale,
            float(table[gap_key]) * scale,
        )
    _w, h, d = _measure("lp", ref, size)
    return h - d, d, 0.0


@functools.lru_cache(maxsize=16384)
def text_layout(s: str, ref: FontRef, size: float) -> tuple[float, float]:
    """(width, baseline offset) of the one-line text ``s`` in ``ref`` at ``size`` points.

    The offset is what matplotlib's ``Text`` adds to the y of a text set with
    ``va="baseline"`` (zero or a rounding residue of its layout arithmetic, repeated here
    step by step so that a drawing recorded without matplotlib is the same to the last bit).
    """
    w, h, d = _measure(s, ref, size)
    min_ascent, min_descent, _gap = _height_metrics(ref, size)
    a = max(h - d, min_ascent) + 0.0
    d = max(d, min_descent) + 0.0
    first = 0.0 - a
    offset_y = (first - d) + d
    return w, first - offset_y


def segments(path: Path) -> tuple[PathSegment, ...]:
    """Convert a cleaned (transformed) path to segments; quadratic curves become cubic."""
    vertices = np.asarray(path.vertices).tolist()
    codes = path.codes
    n = len(vertices)
    if codes is None:
        if not n:
            return ()
        first = PathSegment("M", (tuple(vertices[0]),))
        return (first, *(PathSegment("L", (tuple(v),)) for v in vertices[1:]))
    code_list = np.asarray(codes).tolist()
    out: list[PathSegment] = []
    append = out.append
    last = (0.0, 0.0)
    i = 0
    while i < n:
        code = code_list[i]
        if code == 1:  # MOVETO
            last = (vertices[i][0], vertices[i][1])
            append(PathSegment("M", (last,)))
            i += 1
        elif code == 2:  # LINETO
            last = (vertices[i][0], vertices[i][1])
            append(PathSegment("L", (last,)))
            i += 1
        elif code == 4:  # CURVE4: two control points and the end point
            c1, c2, end = vertices[i], vertices[i + 1], vertices[i + 2]
            last = (end[0], end[1])
            append(PathSegment("C", ((c1[0], c1[1]), (c2[0], c2[1]), last)))
            i += 3
        elif code == 3:  # CURVE3: one control point and the end point
            q, end = vertices[i], vertices[i + 1]
            c1 = (last[0] + 2 / 3 * (q[0] - last[0]), last[1] + 2 / 3 * (q[1] - last[1]))
            c2 = (end[0] + 2 / 3 * (q[0] - end[0]), end[1] + 2 / 3 * (q[1] - end[1]))
            last = (end[0], end[1])
            append(PathSegment("C", (c1, c2, last)))
            i += 2
        elif code == 79:  # CLOSEPOLY
            append(PathSegment("Z"))
            i += 1
        else:  # STOP
            break
    return tuple(out)
