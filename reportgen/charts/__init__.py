"""Charts: the only package that imports matplotlib.

In:  a chart specification from the report model (``reportgen.model.ChartSpec``), the style
     and the width of the text column in points.
Out: ``reportgen.vector.VectorDrawing`` recordings, via ``render_chart`` (or, for ad-hoc
     figures, ``record(figure)`` of a ``new_figure``); ``compactable`` says which charts also
     have a lower form (``render_chart(..., compact=True)``) for where the normal one does not
     fit.
"""

from reportgen.charts._common import MAX_HEIGHT
from reportgen.charts._record import font_ref, new_figure, record
from reportgen.charts.figures import ChartNumbers, compactable, render_chart

__all__ = [
    "MAX_HEIGHT",
    "ChartNumbers",
    "compactable",
    "font_ref",
    "new_figure",
    "record",
    "render_chart",
]
