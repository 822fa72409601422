"""The civil and political rights chapter: each dimension, each right, and who is at risk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

from reportgen.facts import (
    AtRisk,
    Change,
    CprDimension,
    CprRight,
    GroupShare,
    SurveyTrend,
    same_share,
)
from reportgen.model import (
    AtRiskChart,
    Block,
    Chart,
    ChartRow,
    ChartTexts,
    ComparisonChart,
    Paragraph,
    RangeItem,
    Section,
    ShareItem,
    TrendChart,
    TrendSeries,
)
from reportgen.narrative._context import (
    Context,
    band_scale,
    dim_short,
    group_label,
    slug,
    suggestion,
)
from reportgen.phrases import Country
from reportgen.rules import (
    ALL_PEOPLE_HIGH,
    CPR_BANDS,
    NAMED_PEERS,
    RISK_TIER_SHARE,
    RISK_TIERS,
    RISK_TIERS_MAX,
    TABLE_ROWS,
    TABLE_ROWS_MAX,
    cut_with_ties,
    printed,
)


def has_trend(dim: CprDimension | None) -> bool:
    """Whether the dimension has scores of more than one survey year (a trend to state and
    draw: the report's sentence and chart, the profile's graphic)."""
    return dim is not None and dim.trend is not None and len(dim.trend.points) > 1


def _change_key(change: Change) -> str:
    return "flat" if change.direction == "flat" else f"{change.direction}_{change.size}"


def _trend_sentence(ctx: Context, trend: SurveyTrend, right_phrase: str) -> Paragraph:
    prev, first = trend.since_previous, trend.since_first
    year = trend.points[-1].year
    if prev is None:
        return ctx.p("trend.single", right=right_phrase)
    if first is not None:
        if prev.direction == "flat" and first.direction == "flat":
            return ctx.pv("trend.stable", years=len(trend.points), right=right_phrase)
        if "rose" not in (prev.direction, first.direction) and "clearly" not in (
            prev.size,
            first.size,
        ):
            return ctx.pv(
                "trend.no_improvement",
                right=right_phrase,
                years=len(trend.points),
                before=first.before,
                first_year=first.since,
            )
    # Each clause takes its wordings in turn, and the sentence its own for each change since
    # the previous year (Context.variant's ``per``): 4 sentence wordings by 3 clause wordings,
    # so twelve sentences on the same change before one reads like another.
    change = _change_key(prev)
    previous = ctx.t(ctx.variant(f"trend.previous.{change}"), before=prev.before, since=prev.since)
    first_clause, join = "", ""
    if first is not None:
        first_clause = ctx.t(ctx.variant(f"trend.first.{_change_key(first)}"), since=first.since)
        join = ctx.t(ctx.variant("trend.and" if first.direction == prev.direction else "trend.but"))
    return ctx.p(
        ctx.variant("trend.sentence", per=change),
        previous=previous,
        first=first_clause,
        join=join,
        right=right_phrase,
        year=year,
    )


def _peers_named(ctx: Context, peers: Sequence[Any]) -> list[Country | str]:
    """The nearest peers by name, the rest as "N other countries" (last item of the list)."""
    named: list[Country | str] = [ctx.country(p.code) for p in peers[:NAMED_PEERS]]
    rest = len(peers) - len(named)
    if rest:
        named.append(ctx.t("right.more", n=rest))
    return named


def _overlap_sentence(ctx: Context, r: CprRight, right_phrase: str) -> Paragraph:
    worse = _peers_named(ctx, r.could_be_worse_than)
    better = _peers_named(ctx, r.could_be_better_than)
    args: dict[str, Any] = {"right": right_phrase, "worse": worse, "better": better}
    if worse and better:
        return ctx.pv("right.overlap_both", **args)
    if worse:
        key = (
            "right.overlap_worse_one" if len(r.could_be_worse_than) == 1 else "right.overlap_worse"
        )
        return ctx.pv(key, **args)
    if better:
        return ctx.pv("right.overlap_better", **args)
    return ctx.p("right.overlap_none", rank=r.rank, n=r.of, tied=r.tied_with)


def _tiers(groups: Sequence[GroupShare], ctx: Context) -> list[dict[str, Any]]:
    """Group the top shares into tiers of equal share, so a tie is never broken arbitrarily.

    The three largest tiers, and up to two more while at least 40% of experts named them
    (``rules.RISK_TIERS``, ``RISK_TIERS_MAX``, ``RISK_TIER_SHARE``).
    """
    tiers: list[dict[str, Any]] = []
    for g in groups:
        phrase = ctx.book.groups[g.code].phrase if g.code in ctx.book.groups else g.code
        if tiers and same_share(tiers[-1]["share"], g.share):
            tiers[-1]["names"].append(phrase)
        elif len(tiers) < RISK_TIERS or (
            len(tiers) < RISK_TIERS_MAX and g.share >= RISK_TIER_SHARE
        ):
            tiers.append({"share": g.share, "names": [phrase]})
        else:
            break
    return tiers


def _risk_blocks(
    ctx: Context,
    risk: AtRisk | None,
    right_name: str,
    right_phrase: str,
    short: str,
    chart_id: str,
) -> list[Block]:
    if risk is None:
        return [ctx.p("risk.no_data")]
    blocks: list[Block] = []
    no_one: list[Block] = []
    if risk.no_one:
        if risk.no_one >= 1.0:
            no_one.append(ctx.pv("risk.no_one_all", n=risk.respondents))
        else:
            no_one.append(ctx.pv("risk.no_one", v=risk.no_one))
    others = [risk.all_people or 0.0, *(g.share for g in risk.groups[:1])]
    no_one_first = bool(risk.no_one) and (risk.no_one or 0.0) >= max(others)
    if no_one_first:  # the most common answer comes first
        blocks += no_one
    if risk.all_people:
        key = "risk.all_people_high" if risk.all_people >= ALL_PEOPLE_HIGH else "risk.all_people"
        blocks.append(ctx.pv(key, v=risk.all_people))
    tiers = _tiers(risk.groups, ctx)
    if tiers:
        key = "risk.top" if len(tiers) > 1 else "risk.top_one"
        blocks.append(ctx.pv(key, first=tiers[0], rest=tiers[1:]))
    if not no_one_first:
        blocks += no_one
    if risk.named_count == 0:
        if not risk.no_one:
            blocks.append(ctx.pv("risk.none"))
    elif risk.named_count == 1:
        blocks.append(ctx.pv("risk.named_one"))
    else:
        blocks.append(ctx.pv("risk.named", n=risk.named_count))
    if risk.groups:
        shown, _rest, _count = cut_with_ties(
            risk.groups, TABLE_ROWS, TABLE_ROWS_MAX, key=lambda g: g.count
        )
        bars = tuple(ShareItem(group_label(ctx, g.code), g.share) for g in shown)
        cloud = tuple(ShareItem(group_label(ctx, g.code), g.share) for g in risk.groups)
        if risk.all_people:
            cloud = (ShareItem(group_label(ctx, "1"), risk.all_people), *cloud)
        texts = ChartTexts(
            ctx.t("chart.risk_title", right_name=right_name, year=risk.year),
            ctx.t("chart.axis_share"),
            ctx.source(),
        )
        alt = ctx.alt(
            "alt.risk",
            short=short,
            groups=[{"label": b.label, "share": ctx.ph.format_share(b.share)} for b in bars],
        )
        if bars:  # no chart when every group shares one share too widely to list
            caption = ctx.t("caption.risk", n=risk.respondents) if ctx.first("caption.risk") else ""
            blocks.append(Chart(chart_id, AtRiskChart(bars, cloud, texts), caption, alt))
    return blocks


def _comparison_chart(ctx: Context, r: CprRight, right_name: str, short: str) -> Chart:
    metric = ctx.book.rights[r.key].metric
    year = r.score.year
    me = ctx.c.bare
    items = tuple(
        RangeItem(
            ctx.country(s.code).bare,
            s.mean,
            s.lo,
            s.hi,
            s.band,
            highlight=s.code == ctx.facts.code,
        )
        for s in r.standings
    )
    texts = ChartTexts(
        ctx.t("chart.comparison_title", right_name=right_name, year=year),
        ctx.t("chart.axis_score"),
        ctx.source(),
        ctx.band_labels(),
    )
    lower = [ctx.country(s.code) for s in r.standings if s.mean < r.score.mean]
    alt = ctx.alt(
        "alt.comparison",
        v=r.score.mean,
        short=short,
        rank=r.rank,
        n=r.of,
        tied=r.tied_with,
        below=len(lower),
        lower=lower,
    )
    return Chart(
        slug("chart", "compare", r.key),
        ComparisonChart(metric, year, items, me, band_scale(ctx.style.cpr_bands, 10.0), texts),
        ctx.t("caption.comparison") if ctx.first("caption.comparison") else "",
        alt,
    )


def _right_section(ctx: Context, r: CprRight) -> Section:
    right = ctx.book.rights[r.key]
    year = r.score.year
    blocks: list[Block] = [
        ctx.pv(
            "right.score",
            v=r.score.mean,
            right=right.phrase,
            year=year,
            band=ctx.book.bands[r.band],
        ),
    ]
    risk_blocks = _risk_blocks(
        ctx, r.at_risk, right.name, right.phrase, right.short, slug("chart", "risk", r.key)
    )
    if r.of > 1:
        if ctx.first("right.compare"):  # what the chart compares, said at the first one
            blocks.append(ctx.p("right.compare", others=r.of - 1, year=year))
        comparison = _comparison_chart(ctx, r, right.name, right.short)
        risk_chart = next((b for b in risk_blocks if isinstance(b, Chart)), None)
        if risk_chart is None:
            blocks.append(comparison)
        else:  # where the right stands and who is at risk, side by side
            risk_blocks.remove(risk_chart)
            blocks.append(
                ChartRow((replace(comparison, size="half"), replace(risk_chart, size="half")))
            )
        if r.tied_with:
            blocks.append(ctx.p("right.tied", tied=r.tied_with))
        blocks.append(_overlap_sentence(ctx, r, right.phrase))
        blocks.append(
            ctx.pv(
                f"right.position.{r.position}",
                n=r.of,
                short=right.short,
                year=year,
                best=r.certainly_above + 1,
                worst=r.of - r.certainly_below,
            )
        )
    else:
        blocks.append(ctx.p("right.alone", right=right.phrase, year=year))
    blocks.append(_trend_sentence(ctx, r.trend, right.phrase))
    risk_section = Section(
        slug("cpr", r.key, "risk"),
        # (named by its right: a chart set at a page top may come between a right's text
        # and its people at risk, and a reader's list of headings tells them apart)
        ctx.t("headings.at_risk", right=right.name),
        4,
        tuple(risk_blocks),
    )
    return Section(slug("cpr", r.key), right.name, 3, tuple(blocks), (risk_section,))


def _dimension_section(ctx: Context, dim: CprDimension) -> Section:
    book = ctx.book
    d = book.dimensions[dim.key]
    name = dim_short(ctx, dim.key)
    year = ctx.facts.survey_year
    blocks: list[Block] = []
    if dim.score is not None and dim.band is not None:
        blocks.append(
            ctx.p(
                "dimension.score",
                dim=name,
                v=dim.score.mean,
                suggestion=suggestion(ctx, dim),
            )
        )
    else:
        blocks.append(ctx.pv("dimension.score_missing", dim=name, year=year))
    if dim.missing_rights:
        blocks.append(
            ctx.pv(
                "dimension.missing_rights",
                missing=[book.rights[k].phrase for k in dim.missing_rights],
                year=year,
            )
        )
    # the score's trend ("This score has gone up …") next to the score it speaks of; then
    # what the rights of the group have in common, which leads into their sections
    if dim.trend is not None and has_trend(dim):
        blocks.append(_trend_sentence(ctx, dim.trend, d.phrase))
        blocks.append(_trend_chart(ctx, dim))
    if dim.rights:
        bands = {r.band for r in dim.rights}
        if bands <= {"very_bad", "bad"} and len(dim.rights) > 1:
            blocks.append(ctx.pv("dimension.all_poor", n=len(dim.rights)))
        elif bands == {"good"}:
            blocks.append(ctx.pv("dimension.all_good"))
        elif len(dim.rights) > 1:
            shown = {r.key: printed(r.score.mean, CPR_BANDS) for r in dim.rights}
            top, bottom = max(shown.values()), min(shown.values())
            if top != bottom:  # ties on the printed score are named together
                best = [r for r in dim.rights if shown[r.key] == top]
                worst = [r for r in dim.rights if shown[r.key] == bottom]
                blocks.append(
                    ctx.pv(
                        "dimension.mixed",
                        best=[book.rights[r.key].phrase for r in best],
                        worst=[book.rights[r.key].phrase for r in worst],
                    )
                )
    children = tuple(_right_section(ctx, r) for r in dim.rights)
    return Section(slug("cpr", dim.key), d.name, 2, tuple(blocks), children)


def dimensions_trend_chart(ctx: Context, size: Literal["full", "half"] = "half") -> Chart | None:
    """The two dimensions' scores over the survey years, a panel each (the profile's trend
    graphic; None when neither has a trend)."""
    book = ctx.book
    dims = [d for d in (ctx.facts.empowerment, ctx.facts.safety) if d is not None and has_trend(d)]
    if not dims:
        return None
    series = []
    for dim in dims:
        assert dim.trend is not None
        pts = dim.trend.points
        series.append(
            TrendSeries(
                book.dimensions[dim.key].name,
                tuple(p.year for p in pts),
                tuple(p.mean for p in pts),
                tuple(p.lo for p in pts),
                tuple(p.hi for p in pts),
            )
        )
    # (untitled: the profile's heading names it)
    texts = ChartTexts("", ctx.t("chart.axis_score"), ctx.source(), ctx.band_labels())
    alt = ctx.alt(
        "profile.trend_alt",
        first_year=min(s.years[0] for s in series),
        year=max(s.years[-1] for s in series),
        series=[
            {
                "label": s.label,
                "first": ctx.ph.format_score(s.mean[0]),
                "first_year": s.years[0],
                "last": ctx.ph.format_score(s.mean[-1]),
            }
            for s in series
        ],
    )
    return Chart(
        "chart-trend-dimensions",
        TrendChart(tuple(series), band_scale(ctx.style.cpr_bands, 10.0), texts),
        ctx.t("caption.trend"),
        alt,
        size=size,
    )


def _trend_chart(ctx: Context, dim: CprDimension) -> Chart:
    book = ctx.book
    d = book.dimensions[dim.key]
    series = []
    assert dim.trend is not None
    for label, trend in [(d.name, dim.trend)] + [
        (book.rights[r.key].name, r.trend) for r in dim.rights
    ]:
        pts = trend.points
        series.append(
            TrendSeries(
                label,
                tuple(p.year for p in pts),
                tuple(p.mean for p in pts),
                tuple(p.lo for p in pts),
                tuple(p.hi for p in pts),
            )
        )
    texts = ChartTexts(
        ctx.t("chart.trend_title", dim_name=d.name),
        ctx.t("chart.axis_score"),
        ctx.source(),
        ctx.band_labels(),
    )
    alt = ctx.alt(
        "alt.trend",
        dim_name=d.name,
        first_year=dim.trend.points[0].year,
        year=dim.trend.points[-1].year,
        series=[
            {
                "label": s.label,
                "first": ctx.ph.format_score(s.mean[0]),
                "last": ctx.ph.format_score(s.mean[-1]),
            }
            for s in series
        ],
    )
    return Chart(
        slug("chart", "trend", dim.key),
        TrendChart(tuple(series), band_scale(ctx.style.cpr_bands, 10.0), texts),
        ctx.t("caption.trend") if ctx.first("caption.trend") else "",
        alt,
        size="wide",
    )


def cpr_section(ctx: Context) -> Section | None:
    """The civil and political rights chapter; None for a country the survey did not cover."""
    f = ctx.facts
    if not f.has_survey:
        return None
    dims = {"empowerment": f.empowerment, "safety": f.safety}
    # A dimension the survey produced nothing for has no section: the chapter says so.
    blocks = tuple(
        ctx.pv("dimension.score_missing", dim=dim_short(ctx, key), year=f.survey_year)
        for key, dim in dims.items()
        if dim is None
    )
    children = tuple(_dimension_section(ctx, d) for d in dims.values() if d is not None)
    return Section("cpr", ctx.t("headings.cpr"), 1, blocks, children)
