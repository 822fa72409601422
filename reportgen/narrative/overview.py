"""The headline figures: the dimension and overall scores a report opens with (cover panel)."""

from __future__ import annotations

from reportgen.model import (
    KeyFigure,
    KeyFigures,
)
from reportgen.narrative._context import (
    Context,
    slug,
)


def headline_figures(ctx: Context) -> KeyFigures:
    f, book = ctx.facts, ctx.book
    figures: list[KeyFigure] = []
    for dim in (f.empowerment, f.safety):
        if dim is not None and dim.score is not None and dim.band is not None:
            figures.append(
                KeyFigure(
                    book.dimensions[dim.key].name,
                    ctx.ph.format_score(dim.score.mean),
                    dim.band,
                    book.bands[dim.band],
                    target=slug("cpr", dim.key),
                )
            )
    q = f.quality_of_life
    if q is not None and q.income_adjusted is not None and q.band is not None:
        figures.append(
            KeyFigure(
                book.dimensions["quality_of_life"].name,
                ctx.ph.format_pct(q.income_adjusted),
                q.band,
                book.bands[q.band],
                target="qol",
            )
        )
    return KeyFigures(tuple(figures))
