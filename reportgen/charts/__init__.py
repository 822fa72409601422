"""Charts: the only package that imports matplotlib.

In:  a chart specification from the report model (``reportgen.model.ChartSpec``), the style
     and the width of the text column in points.
Out: ``reportgen.vector.VectorDrawing`` recordings, via ``render_chart`` (or, for ad-hoc
     figures, ``record(figure)`` of a ``new_figure``); ``compactable`` says which charts also
     have a lower form (``render_chart(..., compact=True)``) for where the normal one does not
     fit.

The charts are recorded without drawing (``_kit.Sheet``), so importing this package imports
matplotlib's FreeType binding, settings and paths only; ``new_figure``, ``record`` and
``font_ref`` (matplotlib's figures and renderer) are imported when first used.
"""

from typing import TYPE_CHECKING, Any

from reportgen.charts._common import MAX_HEIGHT
from reportgen.charts.figures import ChartNumbers, compactable, render_chart

if TYPE_CHECKING:
    from reportgen.charts._record import font_ref, new_figure, record

__all__ = [
    "MAX_HEIGHT",
    "ChartNumbers",
    "compactable",
    "font_ref",
    "new_figure",
    "record",
    "render_chart",
]


def __getattr__(name: str) -> Any:
    """``font_ref``, ``new_figure`` and ``record``, from ``_record`` on first use."""
    if name in ("font_ref", "new_figure", "record"):
        from reportgen.charts import _record

        return getattr(_record, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
