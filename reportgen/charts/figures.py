"""Draw a chart specification: ``ChartSpec`` + ``Style`` + a width → ``VectorDrawing``.

In:  a chart spec from the report model (its data and every word it prints), the style, and
     the width in points of the column it will fill.
Out: ``reportgen.vector.VectorDrawing`` of that width; its height follows the content (rows,
     panels), never more than ``MAX_HEIGHT``.

The chart types live by subject: ``scores`` (civil and political: headline, rights,
comparison, trend), ``quality`` (quality of life: trend, rights) and ``risk`` (people at risk);
``_common`` has what they share, ``_kit`` the drawing primitives, ``_record`` the matplotlib
recording. Each chart type has one ``Sheet`` (a reused matplotlib figure, see ``_kit``). A chart is built
in three steps, one function per type: measure the words it must fit and derive fixed margins
from them; size the figure; place every mark and word at computed positions in points. There
is no ``tight_layout`` and no autoscaling: limits, ticks and positions are set explicitly, so
the same spec gives the same drawing whatever was drawn before it.

Colours come from the style only: bands in their band colour (light shading behind data,
solid for marks), this country in ``highlight``, other countries in ``others``, the second
benchmark in ``global_best``, words in ``text``/``muted``, gridlines in ``rule``.
"""

from __future__ import annotations

from collections.abc import Callable

from reportgen.charts._common import MIN_WIDTH
from reportgen.charts._kit import Palette, Sizes
from reportgen.charts._text import NUMBER_FORMAT
from reportgen.charts.quality import _esr_rights, _esr_trend
from reportgen.charts.risk import _at_risk
from reportgen.charts.scores import _comparison, _headline, _rights, _trend
from reportgen.model import (
    AtRiskChart,
    ChartSpec,
    ComparisonChart,
    EsrRightsChart,
    EsrTrendChart,
    HeadlineChart,
    RightsChart,
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
}


def render_chart(
    spec: ChartSpec,
    style: Style,
    width: float,
    decimal: str = ".",
    percent: str = "{}%",
) -> VectorDrawing:
    """Draw ``spec`` in ``style`` at ``width`` points wide → a recorded ``VectorDrawing``.

    Numbers are printed with the report language's ``decimal`` sign and ``percent`` pattern
    ("{}" stands for the number). The height follows the content (at most ``MAX_HEIGHT``).
    Not thread-safe: figures and the recording renderer are reused within a process.
    """
    if width < MIN_WIDTH:
        raise ValueError(f"chart width {width:.0f} pt is too narrow: use at least {MIN_WIDTH:.0f}")
    draw = _DRAW.get(type(spec))
    if draw is None:
        raise TypeError(f"not a chart specification: {type(spec).__name__}")
    token = NUMBER_FORMAT.set((decimal, percent))
    try:
        return draw(spec, Palette.of(style), Sizes.of(style), float(width))
    finally:
        NUMBER_FORMAT.reset(token)
