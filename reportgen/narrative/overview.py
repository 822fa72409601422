"""The overview section: what the report covers, the headline scores and what they suggest."""

from __future__ import annotations

from reportgen.model import (
    Block,
    Chart,
    ChartTexts,
    HeadlineChart,
    HeadlineItem,
    KeyFigure,
    KeyFigures,
    Section,
)
from reportgen.narrative._context import (
    Context,
    band_scale,
    dim_short,
    esr_span,
    esr_suggestion,
    slug,
    suggestion,
    when,
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


def overview_section(ctx: Context) -> Section:
    f = ctx.facts
    q = f.quality_of_life
    info = ctx.dataset.info
    esr_first, esr_last = esr_span(q) if q else (None, None)
    kind = "both" if f.has_survey and q else ("survey" if f.has_survey else "esr")
    blocks: list[Block] = [
        ctx.p(
            f"overview.intro_{kind}",
            "lead",
            release=ctx.release,
            survey_year=f.survey_year,
            esr_first=esr_first,
            esr_last=esr_last,
        ),
    ]
    figures = headline_figures(ctx)
    if figures.figures:
        blocks.append(figures)
    if not f.has_survey:
        blocks.append(
            ctx.p("overview.no_survey", survey_year=info.cpr_years[-1] if info.cpr_years else None)
        )
    for dim in (f.empowerment, f.safety):
        if dim is None:
            continue
        name = dim_short(ctx, dim.key)
        if dim.score is None or dim.band is None:
            blocks.append(ctx.p("overview.cpr.missing", dim=name, year=f.survey_year))
        else:
            blocks.append(
                ctx.p(
                    f"overview.cpr.{dim.band}",
                    dim=name,
                    v=dim.score.mean,
                    suggestion=suggestion(ctx, dim),
                )
            )
    if q is None:
        blocks.append(ctx.p("overview.no_qol"))
    elif q.income_adjusted is None or q.band is None:
        blocks.append(
            ctx.p(
                "overview.esr.missing",
                missing=[ctx.book.rights[k].phrase for k in q.missing_rights],
            )
        )
    else:
        blocks.append(
            ctx.p(
                f"overview.esr.{q.band}",
                v=q.income_adjusted,
                when=when(ctx, q.year, q.overall_standard if q.overall_fallback else None),
                suggestion=esr_suggestion(ctx, q),
            )
        )
    chart = _headline_chart(ctx)
    if chart is not None:
        blocks.append(chart)
    blocks.append(ctx.p("overview.caveat", "caveat"))
    return Section("overview", ctx.t("headings.overview"), 1, tuple(blocks))


def _headline_chart(ctx: Context) -> Chart | None:
    f, book = ctx.facts, ctx.book
    items: list[HeadlineItem] = []
    cpr_scale = band_scale(ctx.style.cpr_bands, 10.0)
    for dim in (f.empowerment, f.safety):
        if dim is not None and dim.score is not None:
            items.append(
                HeadlineItem(
                    book.dimensions[dim.key].name,
                    dim.score.mean,
                    dim.band,
                    cpr_scale,
                    ctx.ph.format_score(dim.score.mean),
                )
            )
    q = f.quality_of_life
    if q is not None and q.income_adjusted is not None:
        items.append(
            HeadlineItem(
                book.dimensions["quality_of_life"].name,
                q.income_adjusted,
                q.band,
                band_scale(ctx.style.esr_bands, 100.0),
                ctx.ph.format_pct(q.income_adjusted),
            )
        )
    if not items:
        return None
    esr_year = q.year if q is not None and q.income_adjusted is not None else None
    texts = ChartTexts(
        ctx.t("chart.headline_title", survey_year=f.survey_year, esr_year=esr_year),
        "",
        ctx.source(),
        ctx.band_labels(),
    )
    alt = ctx.alt(
        "alt.headline",
        items=[
            {"label": i.label, "value": i.value_text, "band": book.bands[i.band] if i.band else ""}
            for i in items
        ],
    )
    return Chart(
        "chart-headline",
        HeadlineChart(tuple(items), texts),
        ctx.t("caption.headline"),
        alt,
        size="wide",
    )
