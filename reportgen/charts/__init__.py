"""Charts: the only package that imports matplotlib.

In:  chart data (added by the chart functions).
Out: ``reportgen.vector.VectorDrawing`` recordings, via ``record(figure)``.
"""

from reportgen.charts._record import font_ref, new_figure, record

__all__ = ["font_ref", "new_figure", "record"]
