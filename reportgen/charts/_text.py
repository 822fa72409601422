"""Text and numbers on charts: measuring and fitting words, the report's number formats,
band labels along an axis."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextvars import ContextVar

from reportgen.charts._record import BOLD, REGULAR, _measure
from reportgen.rules import CPR_BANDS, ESR_BANDS, printed_share, round_half_away, score_places

# DejaVu Sans vertical metrics, as fractions of the font size (hhea ascender/descender and the
# height of capitals and digits). Text is placed by its baseline; these turn sizes into room.
ASCENT = 0.93
DESCENT = 0.24
CAP = 0.73

ELLIPSIS = "…"
MAX_LABEL_CHARS = 34
"""Row labels longer than this are shortened with an ellipsis (country names, mostly)."""


# --- text ----------------------------------------------------------------------------------------


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in points as the recorder measures it (matplotlib aligns by it)."""
    return _measure(text, BOLD if bold else REGULAR, float(size))[0]


def text_ink(text: str, size: float, bold: bool = False) -> tuple[float, float, float]:
    """(width, height, descent) of ``text``'s ink box in points, as the recorder measures it."""
    return _measure(text, BOLD if bold else REGULAR, float(size))


def line_height(size: float) -> float:
    """Baseline-to-baseline distance of wrapped lines."""
    return size * 1.18


def baseline_for_centre(y_centre: float, size: float) -> float:
    """Baseline that centres capitals and digits of ``size`` on ``y_centre``."""
    return y_centre - CAP * size / 2


def shorten(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``label`` cut to ``limit`` characters, the last being an ellipsis, if it is longer."""
    if len(label) <= limit:
        return label
    return label[: limit - 1].rstrip(" ,;:-–—/(") + ELLIPSIS


@functools.lru_cache(maxsize=4096)
def truncate(text: str, size: float, max_width: float, bold: bool = False) -> str:
    """``text``, cut and ended with an ellipsis if wider than ``max_width`` points."""
    if text_width(text, size, bold) <= max_width:
        return text
    cut = len(text)
    while cut > 1:
        cut -= 1
        candidate = text[:cut].rstrip(" ,;:-–—/(") + ELLIPSIS
        if text_width(candidate, size, bold) <= max_width:
            return candidate
    return ELLIPSIS


@functools.lru_cache(maxsize=4096)
def wrap(
    text: str, size: float, max_width: float, bold: bool = False, max_lines: int = 2
) -> tuple[str, ...]:
    """Break ``text`` at spaces into at most ``max_lines`` lines no wider than ``max_width``.

    Two lines are balanced (the break that makes the longer line shortest), which reads better
    than filling the first line; what still does not fit is cut with an ellipsis.
    """
    if text_width(text, size, bold) <= max_width or max_lines <= 1:
        return (truncate(text, size, max_width, bold),)
    words = text.split()
    if len(words) > 1:
        best: tuple[float, tuple[str, str]] | None = None
        for k in range(1, len(words)):
            first, second = " ".join(words[:k]), " ".join(words[k:])
            widest = max(text_width(first, size, bold), text_width(second, size, bold))
            if widest <= max_width and (best is None or widest < best[0]):
                best = (widest, (first, second))
        if best is not None:
            return best[1]
    # Greedy fill, the last line taking the rest (cut if needed).
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if current and text_width(trial, size, bold) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return tuple(truncate(line, size, max_width, bold) for line in lines)


def widest(texts: Sequence[str], size: float, bold: bool = False) -> float:
    """Width of the widest of ``texts`` (0 for none)."""
    return max((text_width(t, size, bold) for t in texts), default=0.0)


# --- numbers ---------------------------------------------------------------------------------------


# The report language's decimal sign and percent pattern ("." and "{}%"; French "," and
# "{}\u202f%"), set by ``render_chart`` for the chart being drawn.
NUMBER_FORMAT: ContextVar[tuple[str, str]] = ContextVar("number_format", default=(".", "{}%"))


def _localise(text: str) -> str:
    decimal = NUMBER_FORMAT.get()[0]
    return text if decimal == "." else text.replace(".", decimal)


def _percent(number: str) -> str:
    return NUMBER_FORMAT.get()[1].format(number)


def _decimal(value: float, places: int) -> str:
    # The narrative's rounding (half away from zero, reportgen.rules), so a chart never prints
    # 0.3 where the text says 0.4.
    return str(round_half_away(value, places))


def fmt_score(value: float) -> str:
    """A 0–10 score as printed on charts: ``9.5`` (``9,5`` in French); ``7.96`` where one
    decimal would cross a band boundary, as in the text."""
    return _localise(_decimal(value, score_places(value, CPR_BANDS)))


def fmt_pct(value: float) -> str:
    """A quality of life score given 0–100: ``52.6%`` (``52,6 %`` in French), band-safe."""
    return _percent(_localise(_decimal(value, score_places(value, ESR_BANDS))))


def fmt_share(share: float) -> str:
    """A proportion given 0–1, as the report's tables print it: ``78%`` (5 of 8: ``63%``)."""
    return _percent(str(printed_share(share)))


def fmt_tick(value: float) -> str:
    """An axis tick: integers without decimals."""
    return str(round(value)) if abs(value - round(value)) < 1e-9 else _localise(_decimal(value, 1))


# --- band labels along an axis -------------------------------------------------------------------


def place_band_labels(
    spans: Sequence[tuple[str, float, float]],
    size: float,
    lo: float,
    hi: float,
    gap: float = 4.0,
) -> list[tuple[str, float]]:
    """Centre each label on its span (points), kept inside [lo, hi] and apart by ``gap``.

    In:  (label, start, end) per band in axis order. Out: (label, centre) of the labels that
    fit: a label is pushed aside when its neighbour needs room, and dropped if it would then
    sit mostly outside its own span (it would name the wrong band).
    """
    items = [(s, max(a, lo), min(b, hi)) for s, a, b in spans if min(b, hi) - max(a, lo) > 0.5]
    widths = [text_width(s, size) for s, _a, _b in items]
    centres = [(a + b) / 2 for _s, a, b in items]
    n = len(items)
    for _ in range(3):
        for i in range(n):  # push right, inside [lo, hi]
            left = (
                lo + widths[i] / 2
                if i == 0
                else centres[i - 1] + (widths[i - 1] + widths[i]) / 2 + gap
            )
            centres[i] = max(centres[i], left)
        for i in reversed(range(n)):  # push left
            right = (
                hi - widths[i] / 2
                if i == n - 1
                else centres[i + 1] - (widths[i + 1] + widths[i]) / 2 - gap
            )
            centres[i] = min(centres[i], right)
    out: list[tuple[str, float]] = []
    last_right = -1e9
    for (label, a, b), w, c in zip(items, widths, centres, strict=True):
        if not a - 1.0 <= c <= b + 1.0:
            continue
        if c - w / 2 < lo - 0.01 or c + w / 2 > hi + 0.01 or c - w / 2 < last_right + gap - 0.01:
            continue
        out.append((label, c))
        last_right = c + w / 2
    return out
