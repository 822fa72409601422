"""Text and numbers on charts: measuring and fitting words, the report's number formats."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextvars import ContextVar

from reportgen.charts._primitives import BOLD, REGULAR, _measure
from reportgen.rules import CPR_BANDS, ESR_BANDS, printed_share, round_half_away, score_places

# DejaVu Sans vertical metrics, as fractions of the font size (hhea ascender/descender and the
# height of capitals and digits). Text is placed by its baseline; these turn sizes into room.
ASCENT = 0.93
DESCENT = 0.24
CAP = 0.73

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


@functools.lru_cache(maxsize=4096)
def wrap(text: str, size: float, max_width: float, bold: bool = False) -> tuple[str, ...]:
    """Break ``text`` into as many lines as it needs, each no wider than ``max_width`` points.

    Nothing is ever cut: a chart grows to hold the lines. Breaks fall at spaces (a word wider
    than the line is broken after a hyphen or slash, or, failing that, between letters).
    The lines are balanced: the narrowest width that still needs no more lines than filling
    to ``max_width`` does, so two lines read as a pair rather than a long line and a stub.
    """
    if not text:
        return ()
    if text_width(text, size, bold) <= max_width:
        return (text,)
    # Plain spaces only: a no-break space (French "Source\u00a0:", "52,6\u202f%") holds.
    words = [
        piece
        for word in text.split(" ")
        if word
        for piece in _split_word(word, size, max_width, bold)
    ]
    if not words:
        return ()
    widths = [text_width(w, size, bold) for w in words]
    space = text_width(" ", size, bold)
    lines = _fill(words, widths, space, max_width)
    # Balance: search the narrowest measure that keeps the same number of lines.
    lo, hi = max(widths), max_width
    for _ in range(12):
        if hi - lo < 0.5:
            break
        mid = (lo + hi) / 2
        if len(_fill(words, widths, space, mid)) <= len(lines):
            hi = mid
        else:
            lo = mid
    # Word widths add up to a line's width but for rounding: measure the lines, and narrow
    # the measure in the rare case one is over.
    measure = hi
    while True:
        lines = _fill(words, widths, space, measure)
        if measure <= lo or all(text_width(line, size, bold) <= max_width for line in lines):
            return tuple(lines)
        measure -= 0.5


def _fill(words: Sequence[str], widths: Sequence[float], space: float, measure: float) -> list[str]:
    """Greedy fill of ``words`` into lines of at most ``measure`` points."""
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word, w in zip(words, widths, strict=True):
        if current and used + space + w > measure:
            lines.append(" ".join(current))
            current, used = [word], w
        else:
            used = used + space + w if current else w
            current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


def _split_word(word: str, size: float, max_width: float, bold: bool) -> list[str]:
    """``word`` in pieces no wider than ``max_width``: after hyphens and slashes where that
    suffices, else also between letters (a name longer than the column is never cut)."""
    if text_width(word, size, bold) <= max_width:
        return [word]
    pieces: list[str] = []
    current = ""
    for char in word:
        trial = current + char
        if current and text_width(trial, size, bold) > max_width:
            # Break after the piece's last hyphen or slash if it has one, else here.
            cut = max(current.rfind("-"), current.rfind("/"), current.rfind("–"))
            if 0 < cut < len(current) - 1:
                pieces.append(current[: cut + 1])
                current = current[cut + 1 :] + char
            else:
                pieces.append(current)
                current = char
        else:
            current = trial
    if current:
        pieces.append(current)
    return pieces


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


def fmt_tick_unit(value: float, unit: str) -> str:
    """An axis tick with its scale's unit where it is a percent: ``100%`` (French ``100 %``)."""
    return _percent(fmt_tick(value)) if unit.strip() == "%" else fmt_tick(value)
