"""Draw a chart specification: ``ChartSpec`` + ``Style`` + a width → ``VectorDrawing``.

In:  a chart spec from the report model (its data and every word it prints), the style, and
     the width in points of the column it will fill.
Out: ``reportgen.vector.VectorDrawing`` of that width; its height follows the content (rows,
     panels), never more than ``MAX_HEIGHT``.

The chart types live by subject: ``scores`` (civil and political: headline, rights,
comparison, trend), ``quality`` (quality of life: trend, rights), ``risk`` (people at risk)
and ``scorecard`` (every right of a country in one graphic); ``_common`` has what they share,
``_kit`` the drawing primitives, ``_text`` text and numbers, ``_legend`` legends and change
marks, ``_cloud`` the word cloud, ``_record`` the matplotlib recording. Each chart type has
one ``Sheet`` (reused; it records what a matplotlib figure would draw, see ``_kit``). A chart is built in three steps,
one function per type: measure the words it must fit and derive fixed margins
from them; size the figure; place every mark and word at computed positions in points. There
is no ``tight_layout`` and no autoscaling: limits, ticks and positions are set explicitly, so
the same spec gives the same drawing whatever was drawn before it.

Colours come from the style only, and each means one thing: a band's tint shades the band
behind data and its solid colour marks a value in that band (nothing else is drawn in them);
this country among others is ``highlight`` (a neutral ink), other countries ``others``, the
second benchmark ``global_best``, women and men ``female``/``male``, this country's own series
``accent``, words ``text``/``muted``, gridlines and rules ``rule``. No text is smaller than
7 pt (``_kit.MIN_TEXT``) and no label is cut: labels wrap and the chart grows to hold them.
Style switches (``[charts]``, ``_kit.Options``) reach the charts that have them.

A chart whose height is not set by its words (``compactable``) also has a compact form, for a
page foot where the normal one does not fit: a shorter plot, thinner bars and closer rows,
every word the same and at the same size, as the normal form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from reportgen.charts._common import MIN_WIDTH
from reportgen.charts._kit import Options, Palette, Sizes
from reportgen.charts._primitives import chart_settings
from reportgen.charts._text import NUMBER_FORMAT
from reportgen.charts.quality import _esr_rights, _esr_trend
from reportgen.charts.risk import _at_risk
from reportgen.charts.scorecard import _scorecard
from reportgen.charts.scores import _comparison, _headline, _rights, _trend
from reportgen.model import (
    AtRiskChart,
    ChartSpec,
    ComparisonChart,
    EsrRightsChart,
    EsrTrendChart,
    HeadlineChart,
    RightsChart,
    Scorecard,
    TrendChart,
)
from reportgen.style import Style
from reportgen.vector import VectorDrawing

# --- entry point ------------------------------------------------------------------------------

_DRAW: dict[type, Callable[..., VectorDrawing]] = {
    HeadlineChart: _headline,
    RightsChart: _rights,
    ComparisonChart: _comparison,
    TrendChart: _trend,
    EsrTrendChart: _esr_trend,
    EsrRightsChart: _esr_rights,
    AtRiskChart: _at_risk,
    Scorecard: _scorecard,
}

_WITH_OPTIONS: frozenset[type] = frozenset({AtRiskChart})
"""The chart types that take the style's switches (``Options``) as a fifth argument."""

_COMPACTABLE: frozenset[type] = frozenset({RightsChart, EsrRightsChart, EsrTrendChart, TrendChart})
"""The chart types whose height is not set by their text (rows of bars or dots, plots over
time), which have a lower form (``compact=True``)."""


class ChartNumbers(TypedDict):
    """How a report's charts print numbers: ``render_chart``'s ``decimal`` and ``percent``, as
    keyword arguments (``render_chart(spec, style, width, **numbers)``)."""

    decimal: str
    percent: str


def compactable(spec: ChartSpec) -> bool:
    """Whether ``spec`` has a compact form: a drawing about three quarters as tall or less,
    with the same marks, values and words at the same sizes (a shorter plot, thinner bars,
    closer rows), for a layout to use where the normal form does not fit."""
    return type(spec) in _COMPACTABLE


def render_chart(
    spec: ChartSpec,
    style: Style,
    width: float,
    decimal: str = ".",
    percent: str = "{}%",
    *,
    compact: bool = False,
) -> VectorDrawing:
    """Draw ``spec`` in ``style`` at ``width`` points wide → a recorded ``VectorDrawing``.

    Numbers are printed with the report language's ``decimal`` sign and ``percent`` pattern
    ("{}" stands for the number). The height follows the content (at most ``MAX_HEIGHT``).
    ``compact`` asks for the chart's compact form where it has one (``compactable``): as low
    as it can be while every word keeps its size and nothing collides; other charts are drawn
    as usual. Not thread-safe: figures and the recording renderer are reused within a process.
    """
    if width < MIN_WIDTH:
        raise ValueError(f"chart width {width:.0f} pt is too narrow: use at least {MIN_WIDTH:.0f}")
    draw = _DRAW.get(type(spec))
    if draw is None:
        raise TypeError(f"not a chart specification: {type(spec).__name__}")
    token = NUMBER_FORMAT.set((decimal, percent))
    try:
        pal, sizes = Palette.of(style), Sizes.of(style)
        with chart_settings():  # (matplotlib's settings for this drawing only)
            if type(spec) in _WITH_OPTIONS:
                return draw(spec, pal, sizes, float(width), Options.of(style))
            if compact and compactable(spec):
                return draw(spec, pal, sizes, float(width), compact=True)
            return draw(spec, pal, sizes, float(width))
    finally:
        NUMBER_FORMAT.reset(token)
