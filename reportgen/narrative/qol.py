"""The quality of life chapter: the overall score, each right, the trend, women and men, at risk."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from reportgen.facts import EsrRight, GroupShare, QualityOfLife
from reportgen.model import (
    BandScaleSpec,
    Block,
    BulletList,
    Chart,
    ChartTexts,
    EsrRightItem,
    EsrRightsChart,
    EsrTrendChart,
    Section,
    Span,
)
from reportgen.narrative._context import Context, band_scale, group_label, standard_note
from reportgen.rules import (
    ESR_BANDS,
    QOL_GROUP_ROWS,
    QOL_GROUP_ROWS_MAX,
    QOL_TOP_GROUPS,
    QOL_TOP_GROUPS_MAX,
    SEX_GAP,
    cut_with_ties,
    printed,
)
from reportgen.style import BAND_NAMES


def _esr_item(ctx: Context, r: EsrRight, year: int, default: str) -> EsrRightItem:
    """One right's bar data for the quality of life charts; its label notes a year other than
    the overall score's and a standard other than the country's default."""
    label = ctx.book.rights[r.key].name
    notes = [str(r.year)] if r.year != year else []
    if r.standard != default:
        notes.append(standard_note(ctx, r.standard))
    if notes:
        label = ctx.t("chart.label_note", label=label, notes=notes)
    return EsrRightItem(
        label,
        r.income_adjusted,
        r.global_best,
        r.band,
        r.sexes.female,
        r.sexes.male,
    )


def _year_ranges(years: Sequence[int]) -> list[str]:
    """2009, 2010, 2011, 2014 → ["2009–2011", "2014"]."""
    out: list[str] = []
    for y in years:
        if out and out[-1].rsplit("–", 1)[-1] == str(y - 1):
            out[-1] = f"{out[-1].split('–')[0]}–{y}"
        else:
            out.append(str(y))
    return out


def _qol_overall(ctx: Context, q: QualityOfLife) -> list[Block]:
    """The overall score, its standard, position, best and worst rights, years and gaps."""
    book = ctx.book
    blocks: list[Block] = [ctx.p("qol.intro", "lead")]
    blocks.append(ctx.p("qol.standard_hiy" if q.standard == "HiY" else "qol.standard_core"))
    fallback = [book.rights[r.key].phrase for r in q.rights if r.fallback]
    if q.overall_fallback:
        fallback.insert(0, ctx.t("qol.fallback_overall"))
    if fallback:
        other = "Core" if q.standard == "HiY" else "HiY"
        blocks.append(
            ctx.p(
                "qol.fallback",
                standard=ctx.t(f"qol.standard_name.{q.standard}"),
                other=ctx.t(f"qol.standard_name.{other}"),
                items=fallback,
            )
        )
    latest = ctx.dataset.info.esr_years[-1] if ctx.dataset.info.esr_years else q.year
    standard_words = (
        ctx.t(f"qol.standard_name.{q.overall_standard}")
        if q.overall_fallback
        else ctx.t("qol.same_standard")
    )
    if q.income_adjusted is not None and q.band is not None:
        key = "qol.doing" if q.year >= latest else "qol.doing_old"
        blocks.append(ctx.p(key, v=q.income_adjusted, year=q.year))
        if q.income_adjusted >= 100:
            blocks.append(ctx.p("qol.duty_full"))
        else:
            blocks.append(ctx.p("qol.duty", distance=ctx.t(f"qol.distance.{q.band}")))
        if q.quartile is not None and q.of:
            blocks.append(
                ctx.p(
                    "qol.position",
                    quartile=ctx.t(f"quartile.{q.quartile}"),
                    n=q.of,
                    year=q.year,
                    standard=standard_words,
                )
            )
    else:
        blocks.append(
            ctx.p("overview.esr.missing", missing=[book.rights[k].phrase for k in q.missing_rights])
        )
    other_years = [r for r in q.rights if r.year != q.year]
    if other_years and q.income_adjusted is not None:
        blocks.append(
            ctx.p(
                "qol.years_differ",
                items=[
                    ctx.t("qol.right_year", right=book.rights[r.key].phrase, year=r.year)
                    for r in other_years
                ],
                year=q.year,
            )
        )
    if q.missing_rights and q.income_adjusted is not None:
        blocks.append(
            ctx.p("qol.missing_rights", missing=[book.rights[k].phrase for k in q.missing_rights])
        )
    return blocks


def _qol_each(ctx: Context, q: QualityOfLife) -> list[Block]:
    """What the chart of each right shows, in words: the best right, the bands of the others,
    the lowest (or the one right, or the one score every right prints)."""
    book = ctx.book
    blocks: list[Block] = []
    rights = {r.key: r for r in q.rights}
    if q.best_rights and q.worst_rights:
        best = [rights[k] for k in q.best_rights]
        if len(best) == 1:
            one = best[0]
            blocks.append(
                ctx.p(
                    "qol.best",
                    right=book.rights[one.key].phrase,
                    v=one.income_adjusted,
                    quartile=ctx.t(f"quartile.{one.quartile}"),
                    year=one.year if one.year != q.year else None,
                    right_year=one.year,
                    standard=ctx.t(f"qol.standard_name.{one.standard}")
                    if one.fallback
                    else ctx.t("qol.same_standard"),
                )
            )
        else:
            blocks.append(
                ctx.p(
                    "qol.best_tied",
                    rights=[book.rights[r.key].phrase for r in best],
                    v=best[0].income_adjusted,
                )
            )
        others = [r for r in q.rights if r.key not in q.best_rights]
        bands = [b for b in BAND_NAMES if any(r.band == b for r in others)]
        blocks.append(
            ctx.p(
                "qol.others",
                rights=[book.rights[r.key].phrase for r in others],
                bands=[ctx.ph.quote(book.bands[b]) for b in bands],
            )
        )
        worst = [rights[k] for k in q.worst_rights]
        years = {r.year for r in worst}
        blocks.append(
            ctx.p(
                "qol.lowest",
                rights=[book.rights[r.key].phrase for r in worst],
                v=worst[0].income_adjusted,
                year=years.pop() if len(years) == 1 and q.year not in years else None,
            )
        )
    elif len(q.rights) == 1:
        only = q.rights[0]
        blocks.append(
            ctx.p(
                "qol.only_one",
                right=book.rights[only.key].phrase,
                v=only.income_adjusted,
                year=only.year,
            )
        )
    elif len(q.rights) > 1:  # every right prints the same score
        blocks.append(
            ctx.p(
                "qol.all_same",
                rights=[book.rights[r.key].phrase for r in q.rights],
                v=q.rights[0].income_adjusted,
            )
        )
    return blocks


def _scale(ctx: Context) -> BandScaleSpec:
    return band_scale(ctx.style.esr_bands, 100.0)


def qol_rights_chart(
    ctx: Context, q: QualityOfLife, size: Literal["full", "half"] = "full"
) -> Chart:
    """Each quality of life right at its latest year under both benchmarks (report, profile)."""
    scale = _scale(ctx)
    items = tuple(_esr_item(ctx, r, q.year, q.standard) for r in q.rights)
    mixed = any(r.year != q.year for r in q.rights)
    texts = ChartTexts(
        ctx.t("chart.esr_rights_title", year=q.year, mixed=mixed),
        ctx.t("chart.axis_pct"),
        ctx.source(),
        ctx.band_labels(),
        {
            "income_adjusted": ctx.t("chart.income_adjusted"),
            "global_best": ctx.t("chart.global_best"),
        },
    )
    alt = ctx.alt(
        "alt.esr_rights",
        year=q.year,
        mixed=mixed,
        items=[{"label": i.label, "value": ctx.ph.format_pct(i.income_adjusted)} for i in items],
    )
    return Chart(
        "chart-qol-rights",
        EsrRightsChart(items, scale, texts),
        ctx.t("caption.esr_rights"),
        alt,
        size=size,
    )


def _qol_rights(ctx: Context, q: QualityOfLife, scale: BandScaleSpec) -> Section:
    blocks: list[Block] = []
    if q.global_best is not None:
        blocks.append(ctx.p("qol.global_best", v=q.global_best))
    blocks.append(qol_rights_chart(ctx, q))
    blocks += _qol_each(ctx, q)
    return Section("qol-rights", ctx.t("headings.qol_rights"), 2, tuple(blocks))


def _trend_values(q: QualityOfLife) -> dict[str, Any]:
    tr = q.trend
    assert tr is not None
    return {
        "first_year": tr.years[0],
        "last_year": tr.years[-1],
        "first": tr.income_adjusted[0],
        "last": tr.income_adjusted[-1],
        "turn": tr.turn,
        "extreme": tr.income_adjusted[tr.years.index(tr.turn)] if tr.turn is not None else None,
    }


def qol_trend_chart(ctx: Context, q: QualityOfLife) -> Chart | None:
    """Quality of life over the years under both benchmarks (None: no trend)."""
    tr = q.trend
    if tr is None:
        return None
    title = ctx.t("chart.esr_trend_title", first=tr.years[0], last=tr.years[-1])
    if q.overall_fallback and q.overall_standard:  # the overall series is the other standard's
        title = ctx.t(
            "chart.label_note", label=title, notes=[standard_note(ctx, q.overall_standard)]
        )
    texts = ChartTexts(
        title,
        ctx.t("chart.axis_pct"),
        ctx.source(),
        ctx.band_labels(),
        {
            "income_adjusted": ctx.t("chart.income_adjusted"),
            "global_best": ctx.t("chart.global_best"),
        },
    )
    return Chart(
        "chart-qol-trend",
        EsrTrendChart(tr.years, tr.income_adjusted, tr.global_best, _scale(ctx), texts),
        ctx.t("caption.esr_trend"),
        ctx.alt("alt.esr_trend", **_trend_values(q)),
        size="wide",
    )


def _qol_trend(ctx: Context, q: QualityOfLife, scale: BandScaleSpec) -> Section | None:
    tr = q.trend
    chart = qol_trend_chart(ctx, q)
    if tr is None or chart is None:
        return None
    key: str = tr.direction
    if tr.steady:
        key = f"{tr.direction}_steady"
    elif tr.turn is not None:
        key = f"{tr.direction}_turn"
    values = _trend_values(q)
    blocks: list[Block] = [ctx.p(f"qol.trend.{key}", **values)]
    if tr.gaps:
        blocks.append(ctx.p("qol.trend.gaps", gaps=_year_ranges(tr.gaps)))
    blocks.append(chart)
    return Section("qol-trend", ctx.t("headings.qol_trend"), 2, tuple(blocks))


def _qol_sexes(ctx: Context, q: QualityOfLife, scale: BandScaleSpec) -> Section | None:
    book = ctx.book
    with_sexes = [r for r in q.rights if r.sexes.female is not None and r.sexes.male is not None]
    if not with_sexes:
        return None

    def gap(r: EsrRight) -> Decimal:
        female, male = r.sexes.female or 0.0, r.sexes.male or 0.0
        return abs(printed(female, ESR_BANDS) - printed(male, ESR_BANDS))

    blocks: list[Block] = []
    if len(with_sexes) == 1:
        one = with_sexes[0]
        blocks.append(
            ctx.p(
                "qol.sexes_one",
                right=book.rights[one.key].phrase,
                f=one.sexes.female,
                m=one.sexes.male,
            )
        )
    else:
        blocks.append(ctx.p("qol.sexes", rights=[book.rights[r.key].phrase for r in with_sexes]))
        widest = max(gap(r) for r in with_sexes)
        top = [r for r in with_sexes if gap(r) == widest]
        if widest <= Decimal(str(SEX_GAP)):
            blocks.append(ctx.p("qol.sexes_even"))
        elif len(top) == 1:
            blocks.append(
                ctx.p(
                    "qol.sexes_gap",
                    right=book.rights[top[0].key].phrase,
                    f=top[0].sexes.female,
                    m=top[0].sexes.male,
                )
            )
        else:
            blocks.append(
                ctx.p(
                    "qol.sexes_gap_tied",
                    rights=[book.rights[r.key].phrase for r in top],
                    gap=float(widest),
                )
            )
    # why a right's overall score need not lie between its women's and men's scores
    blocks.append(ctx.p("qol.sexes_basis"))
    chart = qol_sexes_chart(ctx, q)
    assert chart is not None
    blocks.append(chart)
    return Section("qol-sexes", ctx.t("headings.qol_sexes"), 2, tuple(blocks))


def qol_sexes_chart(ctx: Context, q: QualityOfLife, explain: bool = False) -> Chart | None:
    """Women's and men's scores of the rights published by sex (None: none is). ``explain``:
    the chart has no text of its own (the profile), so when a right's overall score lies
    outside its women's and men's, the caption says why it may."""
    with_sexes = [r for r in q.rights if r.sexes.female is not None and r.sexes.male is not None]
    if not with_sexes:
        return None
    caption = ctx.t("caption.esr_sexes")
    if explain and any(_outside_sexes(r) for r in with_sexes):
        caption = f"{caption} {ctx.t('qol.sexes_basis')}"
    items = tuple(_esr_item(ctx, r, q.year, q.standard) for r in with_sexes)
    mixed = any(r.year != q.year for r in with_sexes)
    texts = ChartTexts(
        ctx.t("chart.esr_sexes_title", year=q.year, mixed=mixed),
        ctx.t("chart.axis_pct"),
        ctx.source(),
        ctx.band_labels(),
        {"female": ctx.t("chart.women"), "male": ctx.t("chart.men")},
    )
    alt = ctx.alt(
        "alt.esr_sexes",
        year=q.year,
        mixed=mixed,
        items=[
            {
                "label": i.label,
                "f": ctx.ph.format_pct(i.female or 0),
                "m": ctx.ph.format_pct(i.male or 0),
            }
            for i in items
        ],
    )
    return Chart(
        "chart-qol-sexes",
        EsrRightsChart(items, _scale(ctx), texts, by_sex=True),
        caption,
        alt,
    )


def _outside_sexes(r: EsrRight) -> bool:
    """Whether the right's overall score lies outside its women's and men's scores."""
    f, m = r.sexes.female, r.sexes.male
    assert f is not None and m is not None
    return not min(f, m) <= r.income_adjusted <= max(f, m)


def _qol_risk(ctx: Context, q: QualityOfLife) -> Section:
    book = ctx.book
    groups = q.at_risk_groups
    if not groups:
        blocks: list[Block] = [ctx.p("qol.risk_none")]
        return Section("qol-risk", ctx.t("headings.qol_risk"), 2, tuple(blocks))

    def share(g: GroupShare) -> float:
        return round(g.share, 9)

    top, _rest, _value = cut_with_ties(groups, QOL_TOP_GROUPS, QOL_TOP_GROUPS_MAX, key=share)
    rights = [book.rights[key].short for key in q.at_risk_rights]
    blocks = []
    if top:
        blocks.append(
            ctx.p(
                "qol.risk",
                groups=[book.groups[g.code].phrase for g in top if g.code in book.groups],
                rights=rights,
            )
        )
    blocks.append(ctx.p("qol.risk_list"))
    shown, rest, _edge = cut_with_ties(groups, QOL_GROUP_ROWS, QOL_GROUP_ROWS_MAX, key=share)
    items: list[tuple[Span, ...]] = [
        (
            Span(f"{group_label(ctx, g.code)} "),
            Span(f"({ctx.ph.format_share(g.share)})", strong=True),
        )
        for g in shown
    ]
    if rest:
        items.append(
            (
                Span(f"{ctx.t('qol.list_rest', n=rest)} "),
                Span(f"({ctx.ph.format_share(groups[len(shown)].share)})", strong=True),
            )
        )
    blocks.append(BulletList(tuple(items)))
    return Section("qol-risk", ctx.t("headings.qol_risk"), 2, tuple(blocks))


def qol_section(ctx: Context) -> Section | None:
    """The quality of life chapter; None for a country without quality of life figures."""
    q = ctx.facts.quality_of_life
    if q is None:
        return None
    scale = band_scale(ctx.style.esr_bands, 100.0)
    children = [_qol_rights(ctx, q, scale)] if q.rights else []
    children += [s for s in (_qol_trend(ctx, q, scale), _qol_sexes(ctx, q, scale)) if s]
    if q.at_risk_groups or q.at_risk_rights:  # a section that would report nothing is left out
        children.append(_qol_risk(ctx, q))
    return Section("qol", ctx.t("headings.qol"), 1, tuple(_qol_overall(ctx, q)), tuple(children))
