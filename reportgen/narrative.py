"""Narrative stage: ``CountryFacts`` + phrases (one language) → the ``Report`` model.

In:  a ``Dataset`` (names of other countries, cross-country data for the comparison charts),
     ``CountryFacts``, a ``Style`` (band thresholds), a language.
Out: ``Report``: every section of the country report as frozen data, each sentence chosen by
     the condition it depends on (band, trend class, position class, overlaps, quartile,
     missing data, standard, illustrative data) and rendered from the phrase book.

No drawing happens here: charts are ``ChartSpec`` values carrying their data and words.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from reportgen import __version__
from reportgen.codebook import Codebook, load_codebook
from reportgen.errors import NoDataError
from reportgen.facts import (
    AtRisk,
    Change,
    CountryFacts,
    CprDimension,
    CprRight,
    EsrRight,
    GroupShare,
    QualityOfLife,
    SurveyTrend,
    same_share,
)
from reportgen.load import Dataset
from reportgen.model import (
    AtRiskChart,
    BandScaleSpec,
    Block,
    BulletList,
    Chart,
    ChartTexts,
    ComparisonChart,
    Cover,
    EsrRightItem,
    EsrRightsChart,
    EsrTrendChart,
    HeadlineChart,
    HeadlineItem,
    KeyFigure,
    KeyFigures,
    Metadata,
    Paragraph,
    RangeItem,
    Report,
    RightsChart,
    Section,
    ShareItem,
    Span,
    Table,
    TrendChart,
    TrendSeries,
)
from reportgen.phrases import Country, Phrases, load_phrases
from reportgen.rules import (
    ALL_PEOPLE_HIGH,
    CPR_BANDS,
    ESR_BANDS,
    FREQUENT_RIGHTS,
    FREQUENT_SHARE,
    NAMED_PEERS,
    QOL_GROUP_ROWS,
    QOL_GROUP_ROWS_MAX,
    QOL_TOP_GROUPS,
    QOL_TOP_GROUPS_MAX,
    RISK_TIER_SHARE,
    RISK_TIERS,
    RISK_TIERS_MAX,
    SEX_GAP,
    SUMMARY_GROUPS,
    SUMMARY_GROUPS_MAX,
    TABLE_ROWS,
    TABLE_ROWS_MAX,
    cut_with_ties,
    printed,
)
from reportgen.style import BAND_NAMES, BandName, BandScale, Style


@dataclass(frozen=True)
class _Context:
    """What every section builder needs."""

    dataset: Dataset
    facts: CountryFacts
    style: Style
    book: Codebook
    ph: Phrases
    c: Country

    def country(self, code: str) -> Country:
        return Country.of(self.book.country(code, self.dataset.names))

    def p(self, key: str, role: str = "body", **values: Any) -> Paragraph:
        return Paragraph(self.ph.render(key, c=self.c, **values), role)  # type: ignore[arg-type]

    def t(self, key: str, **values: Any) -> str:
        return self.ph.text(key, c=self.c, **values)

    def alt(self, key: str, **values: Any) -> str:
        """A chart's alternative text: a sentence, so it starts with a capital."""
        return "".join(span.text for span in self.ph.render(key, c=self.c, **values))

    @property
    def release(self) -> str:
        return _release_title(self.dataset, self.ph)

    def source(self) -> str:
        return self.t("chart.source", release=self.release)

    def band_labels(self) -> dict[Any, str]:
        return {b: self.book.bands[b] for b in BAND_NAMES}


def _scale(bands: BandScale, maximum: float) -> BandScaleSpec:
    limits = (0.0, bands.very_bad, bands.bad, bands.fair, maximum)
    return BandScaleSpec(
        tuple((b, limits[i], limits[i + 1]) for i, b in enumerate(BAND_NAMES)), maximum, bands.unit
    )


def _slug(*parts: str) -> str:
    return "-".join(p.replace("_", "-") for p in parts)


def _at_or_worse(band: BandName, of: BandName) -> bool:
    return BAND_NAMES.index(band) <= BAND_NAMES.index(of)


def _threats(
    ctx: _Context, dim: CprDimension, words: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """The rights a dimension's sentence may name, so that a list names only what is true:
    ``threats`` scored in its band or worse (for a good band: below good), ``held`` in its
    band or better, ``safe`` scored good. ``words`` turns a right's key into the words the
    sentence uses (default: the codebook's short noun)."""
    word = words or (lambda key: ctx.book.rights[key].short)
    band = dim.band or "very_bad"
    limit: BandName = "fair" if band == "good" else band
    return {
        "threats": [word(r.key) for r in dim.rights if _at_or_worse(r.band, limit)],
        "held": [word(r.key) for r in dim.rights if _at_or_worse(band, r.band)],
        "safe": [word(r.key) for r in dim.rights if r.band == "good"],
    }


def _suggestion(ctx: _Context, dim: CprDimension) -> str:
    assert dim.band is not None
    return ctx.t(f"suggest.{dim.key}.{dim.band}", **_threats(ctx, dim))


def _esr_suggestion(ctx: _Context, q: QualityOfLife) -> str:
    """Quality of life suggestion naming the rights scored in the overall band or worse
    (good: the rights scored good)."""
    assert q.band is not None
    band = q.band
    rights = [
        ctx.book.rights[r.key].short
        for r in q.rights
        if (r.band == "good" if band == "good" else _at_or_worse(r.band, band))
    ]
    return ctx.t(f"suggest.quality_of_life.{band}", rights=rights)


def _esr_span(q: QualityOfLife) -> tuple[int, int]:
    """The first and last year of the quality of life figures the report shows."""
    years = [q.year, *(r.year for r in q.rights), *(q.trend.years if q.trend else ())]
    return min(years), max(years)


def _standard_note(ctx: _Context, standard: str) -> str:
    return ctx.t(f"chart.standard_short_{standard}")


def _when(ctx: _Context, year: int, standard: str | None) -> str:
    """ "2017", or "2017, core standard" for a figure from the other standard."""
    return ctx.t(
        "overview.esr.when",
        year=year,
        standard=ctx.t(f"qol.standard_name.{standard}") if standard else "",
    )


# --- overview -------------------------------------------------------------------------------


def _headline_figures(ctx: _Context) -> KeyFigures:
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
                    target=_slug("cpr", dim.key),
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


def _dim_short(ctx: _Context, key: str) -> str:
    """The dimension's bare noun in a sentence ("a very low 2.5/10 for empowerment")."""
    return ctx.book.dimensions[key].short


def _release_title(dataset: Dataset, ph: Phrases) -> str:
    """The release as this language's sentences name it (its own title, or phrase meta.release)."""
    info = dataset.info
    own = info.title_in(ph.language)
    return own if own is not None else ph.release_title(info.title, info.publication_year, False)


def _overview(ctx: _Context) -> Section:
    f = ctx.facts
    q = f.quality_of_life
    info = ctx.dataset.info
    esr_first, esr_last = _esr_span(q) if q else (None, None)
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
    figures = _headline_figures(ctx)
    if figures.figures:
        blocks.append(figures)
    if not f.has_survey:
        blocks.append(
            ctx.p("overview.no_survey", survey_year=info.cpr_years[-1] if info.cpr_years else None)
        )
    for dim in (f.empowerment, f.safety):
        if dim is None:
            continue
        name = _dim_short(ctx, dim.key)
        if dim.score is None or dim.band is None:
            blocks.append(ctx.p("overview.cpr.missing", dim=name, year=f.survey_year))
        else:
            blocks.append(
                ctx.p(
                    f"overview.cpr.{dim.band}",
                    dim=name,
                    v=dim.score.mean,
                    suggestion=_suggestion(ctx, dim),
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
                when=_when(ctx, q.year, q.overall_standard if q.overall_fallback else None),
                suggestion=_esr_suggestion(ctx, q),
            )
        )
    chart = _headline_chart(ctx)
    if chart is not None:
        blocks.append(chart)
    blocks.append(ctx.p("overview.caveat", "caveat"))
    return Section("overview", ctx.t("headings.overview"), 1, tuple(blocks))


def _headline_chart(ctx: _Context) -> Chart | None:
    f, book = ctx.facts, ctx.book
    items: list[HeadlineItem] = []
    cpr_scale = _scale(ctx.style.cpr_bands, 10.0)
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
                _scale(ctx.style.esr_bands, 100.0),
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


# --- civil and political rights ----------------------------------------------------------


def _change_key(change: Change) -> str:
    return "flat" if change.direction == "flat" else f"{change.direction}_{change.size}"


def _trend_sentence(ctx: _Context, trend: SurveyTrend, right_phrase: str) -> Paragraph:
    prev, first = trend.since_previous, trend.since_first
    year = trend.points[-1].year
    if prev is None:
        return ctx.p("trend.single", right=right_phrase)
    if first is not None:
        if prev.direction == "flat" and first.direction == "flat":
            return ctx.p("trend.stable", years=len(trend.points))
        if "rose" not in (prev.direction, first.direction) and "clearly" not in (
            prev.size,
            first.size,
        ):
            return ctx.p(
                "trend.no_improvement",
                right=right_phrase,
                years=len(trend.points),
                before=first.before,
                after=first.after,
                first_year=first.since,
                year=year,
            )
    previous = ctx.t(f"trend.previous.{_change_key(prev)}", before=prev.before, since=prev.since)
    first_clause = ctx.t(f"trend.first.{_change_key(first)}", since=first.since) if first else ""
    join = (
        ctx.t("trend.and")
        if first is None or first.direction == prev.direction
        else ctx.t("trend.but")
    )
    return ctx.p("trend.sentence", previous=previous, first=first_clause, join=join)


def _peers_named(ctx: _Context, peers: Sequence[Any]) -> list[Country | str]:
    """The nearest peers by name, the rest as "N other countries" (last item of the list)."""
    named: list[Country | str] = [ctx.country(p.code) for p in peers[:NAMED_PEERS]]
    rest = len(peers) - len(named)
    if rest:
        named.append(ctx.t("right.more", n=rest))
    return named


def _overlap_sentence(ctx: _Context, r: CprRight, right_phrase: str) -> Paragraph:
    worse = _peers_named(ctx, r.could_be_worse_than)
    better = _peers_named(ctx, r.could_be_better_than)
    args: dict[str, Any] = {"right": right_phrase, "worse": worse, "better": better}
    if worse and better:
        return ctx.p("right.overlap_both", **args)
    if worse:
        key = (
            "right.overlap_worse_one" if len(r.could_be_worse_than) == 1 else "right.overlap_worse"
        )
        return ctx.p(key, **args)
    if better:
        return ctx.p("right.overlap_better", **args)
    return ctx.p("right.overlap_none", rank=r.rank, n=r.of, tied=r.tied_with)


def _tiers(groups: Sequence[GroupShare], ctx: _Context) -> list[dict[str, Any]]:
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


def _group_label(ctx: _Context, code: str) -> str:
    return ctx.book.groups[code].label if code in ctx.book.groups else code


def _risk_blocks(
    ctx: _Context,
    risk: AtRisk | None,
    right_name: str,
    right_phrase: str,
    short: str,
    chart_id: str,
) -> list[Block]:
    if risk is None:
        return [ctx.p("risk.no_data")]
    blocks: list[Block] = [ctx.p("risk.intro", right=right_phrase)]
    no_one: list[Block] = []
    if risk.no_one:
        if risk.no_one >= 1.0:
            no_one.append(ctx.p("risk.no_one_all", n=risk.respondents))
        else:
            no_one.append(ctx.p("risk.no_one", v=risk.no_one))
    others = [risk.all_people or 0.0, *(g.share for g in risk.groups[:1])]
    no_one_first = bool(risk.no_one) and (risk.no_one or 0.0) >= max(others)
    if no_one_first:  # the most common answer comes first
        blocks += no_one
    if risk.all_people:
        key = "risk.all_people_high" if risk.all_people >= ALL_PEOPLE_HIGH else "risk.all_people"
        blocks.append(ctx.p(key, v=risk.all_people))
    tiers = _tiers(risk.groups, ctx)
    if tiers:
        key = "risk.top" if len(tiers) > 1 else "risk.top_one"
        blocks.append(ctx.p(key, first=tiers[0], rest=tiers[1:]))
    if not no_one_first:
        blocks += no_one
    if risk.named_count == 0:
        if not risk.no_one:
            blocks.append(ctx.p("risk.none"))
    elif risk.named_count == 1:
        blocks.append(ctx.p("risk.named_one"))
    else:
        blocks.append(ctx.p("risk.named", n=risk.named_count))
    if risk.groups:
        shown, rest, _count = cut_with_ties(
            risk.groups, TABLE_ROWS, TABLE_ROWS_MAX, key=lambda g: g.count
        )
        rest_share = risk.groups[len(shown)].share if rest else None
        bars = tuple(ShareItem(_group_label(ctx, g.code), g.share) for g in shown)
        cloud = tuple(ShareItem(_group_label(ctx, g.code), g.share) for g in risk.groups)
        if risk.all_people:
            cloud = (ShareItem(_group_label(ctx, "1"), risk.all_people), *cloud)
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
            blocks.append(
                Chart(chart_id, AtRiskChart(bars, cloud, texts), ctx.t("risk.cloud_note"), alt)
            )
        rows = [(_group_label(ctx, g.code), ctx.ph.format_share(g.share)) for g in shown]
        if rest and rest_share is not None:
            rows.append((ctx.t("risk.table_rest", n=rest), ctx.ph.format_share(rest_share)))
        blocks.append(
            Table(
                (ctx.t("risk.table_group"), ctx.t("risk.table_share")),
                tuple(rows),
                (False, True),
                ctx.t("risk.table_caption", n=risk.respondents, year=risk.year),
            )
        )
    return blocks


def _comparison_chart(ctx: _Context, r: CprRight, right_name: str, short: str) -> Chart:
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
        _slug("chart", "compare", r.key),
        ComparisonChart(metric, year, items, me, _scale(ctx.style.cpr_bands, 10.0), texts),
        ctx.t("caption.comparison"),
        alt,
    )


def _right_section(ctx: _Context, r: CprRight) -> Section:
    right = ctx.book.rights[r.key]
    year = r.score.year
    blocks: list[Block] = [
        ctx.p(
            "right.score",
            v=r.score.mean,
            right=right.phrase,
            year=year,
            band=ctx.book.bands[r.band],
        ),
    ]
    if r.of > 1:
        blocks.append(ctx.p("right.compare", others=r.of - 1, year=year))
        blocks.append(_comparison_chart(ctx, r, right.name, right.short))
        if r.tied_with:
            blocks.append(ctx.p("right.tied", tied=r.tied_with))
        blocks.append(_overlap_sentence(ctx, r, right.phrase))
        blocks.append(
            ctx.p(
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
        _slug("cpr", r.key, "risk"),
        ctx.t("headings.at_risk"),
        4,
        tuple(
            _risk_blocks(
                ctx, r.at_risk, right.name, right.phrase, right.short, _slug("chart", "risk", r.key)
            )
        ),
    )
    return Section(_slug("cpr", r.key), right.name, 3, tuple(blocks), (risk_section,))


def _dimension_section(ctx: _Context, dim: CprDimension) -> Section:
    book = ctx.book
    d = book.dimensions[dim.key]
    name = _dim_short(ctx, dim.key)
    year = ctx.facts.survey_year
    blocks: list[Block] = []
    if dim.score is not None and dim.band is not None:
        blocks.append(
            ctx.p(
                "dimension.score",
                dim=name,
                v=dim.score.mean,
                suggestion=_suggestion(ctx, dim),
            )
        )
    blocks.append(
        ctx.p(
            "dimension.covers",
            dim_name=d.name,
            dim=d.phrase,
            rights=[book.rights[k].phrase for k in d.rights],
        )
    )
    if dim.missing_rights:
        blocks.append(
            ctx.p(
                "dimension.missing_rights",
                missing=[book.rights[k].phrase for k in dim.missing_rights],
                year=year,
            )
        )
    if dim.rights:
        items = tuple(
            RangeItem(book.rights[r.key].name, r.score.mean, r.score.lo, r.score.hi, r.band)
            for r in dim.rights
        )
        texts = ChartTexts(
            ctx.t("chart.rights_title", dim_name=d.name, year=year),
            ctx.t("chart.axis_score"),
            ctx.source(),
            ctx.band_labels(),
        )
        alt = ctx.alt(
            "alt.rights",
            dim_name=d.name,
            year=year,
            items=[{"label": i.label, "value": ctx.ph.format_score(i.mean)} for i in items],
        )
        blocks.append(
            Chart(
                _slug("chart", "rights", dim.key),
                RightsChart(items, _scale(ctx.style.cpr_bands, 10.0), texts),
                ctx.t("caption.rights"),
                alt,
            )
        )
        bands = {r.band for r in dim.rights}
        if bands <= {"very_bad", "bad"} and len(dim.rights) > 1:
            blocks.append(ctx.p("dimension.all_poor", n=len(dim.rights)))
        elif bands == {"good"}:
            blocks.append(ctx.p("dimension.all_good"))
        elif len(dim.rights) > 1:
            shown = {r.key: printed(r.score.mean, CPR_BANDS) for r in dim.rights}
            top, bottom = max(shown.values()), min(shown.values())
            if top != bottom:  # ties on the printed score are named together
                best = [r for r in dim.rights if shown[r.key] == top]
                worst = [r for r in dim.rights if shown[r.key] == bottom]
                blocks.append(
                    ctx.p(
                        "dimension.mixed",
                        best=[book.rights[r.key].phrase for r in best],
                        best_v=best[0].score.mean,
                        worst=[book.rights[r.key].phrase for r in worst],
                        worst_v=worst[0].score.mean,
                    )
                )
    if dim.trend is not None and len(dim.trend.points) > 1:
        blocks.append(_trend_sentence(ctx, dim.trend, d.phrase))
        blocks.append(_trend_chart(ctx, dim))
    children = tuple(_right_section(ctx, r) for r in dim.rights)
    return Section(_slug("cpr", dim.key), d.name, 2, tuple(blocks), children)


def _trend_chart(ctx: _Context, dim: CprDimension) -> Chart:
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
        _slug("chart", "trend", dim.key),
        TrendChart(tuple(series), _scale(ctx.style.cpr_bands, 10.0), texts),
        ctx.t("caption.trend"),
        alt,
        size="wide",
    )


def _cpr(ctx: _Context) -> Section:
    f = ctx.facts
    info = ctx.dataset.info
    if not f.has_survey:
        blocks: tuple[Block, ...] = (
            ctx.p("overview.cpr_none", survey_year=info.cpr_years[-1] if info.cpr_years else None),
        )
        return Section("cpr", ctx.t("headings.cpr"), 1, blocks)
    children = tuple(_dimension_section(ctx, d) for d in (f.empowerment, f.safety) if d is not None)
    return Section("cpr", ctx.t("headings.cpr"), 1, (), children)


# --- quality of life ----------------------------------------------------------------------


def _esr_item(ctx: _Context, r: EsrRight, year: int, default: str) -> EsrRightItem:
    """One right's bar data for the quality of life charts; its label notes a year other than
    the overall score's and a standard other than the country's default."""
    label = ctx.book.rights[r.key].name
    notes = [str(r.year)] if r.year != year else []
    if r.standard != default:
        notes.append(_standard_note(ctx, r.standard))
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


def _qol_overall(ctx: _Context, q: QualityOfLife) -> list[Block]:
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


def _qol_rights(ctx: _Context, q: QualityOfLife, scale: BandScaleSpec) -> Section:
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
    blocks: list[Block] = [ctx.p("qol.benchmarks")]
    if q.global_best is not None:
        blocks.append(ctx.p("qol.global_best", v=q.global_best))
    blocks.append(ctx.p("qol.chart_intro"))
    blocks.append(
        Chart(
            "chart-qol-rights",
            EsrRightsChart(items, scale, texts),
            ctx.t("caption.esr_rights"),
            alt,
        )
    )
    return Section("qol-rights", ctx.t("headings.qol_rights"), 2, tuple(blocks))


def _qol_trend(ctx: _Context, q: QualityOfLife, scale: BandScaleSpec) -> Section | None:
    tr = q.trend
    if tr is None:
        return None
    key: str = tr.direction
    if tr.steady:
        key = f"{tr.direction}_steady"
    elif tr.turn is not None:
        key = f"{tr.direction}_turn"
    values: dict[str, Any] = {
        "first_year": tr.years[0],
        "last_year": tr.years[-1],
        "first": tr.income_adjusted[0],
        "last": tr.income_adjusted[-1],
        "turn": tr.turn,
        "extreme": tr.income_adjusted[tr.years.index(tr.turn)] if tr.turn is not None else None,
    }
    texts = ChartTexts(
        ctx.t("chart.esr_trend_title", first=tr.years[0], last=tr.years[-1]),
        ctx.t("chart.axis_pct"),
        ctx.source(),
        ctx.band_labels(),
        {
            "income_adjusted": ctx.t("chart.income_adjusted"),
            "global_best": ctx.t("chart.global_best"),
        },
    )
    chart = Chart(
        "chart-qol-trend",
        EsrTrendChart(tr.years, tr.income_adjusted, tr.global_best, scale, texts),
        ctx.t("caption.esr_trend"),
        ctx.alt("alt.esr_trend", **values),
        size="wide",
    )
    blocks: list[Block] = [ctx.p(f"qol.trend.{key}", **values)]
    if tr.gaps:
        blocks.append(ctx.p("qol.trend.gaps", gaps=_year_ranges(tr.gaps)))
    blocks.append(chart)
    return Section("qol-trend", ctx.t("headings.qol_trend"), 2, tuple(blocks))


def _qol_sexes(ctx: _Context, q: QualityOfLife, scale: BandScaleSpec) -> Section | None:
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
    items = tuple(_esr_item(ctx, r, q.year, q.standard) for r in with_sexes)
    mixed = any(r.year != q.year for r in with_sexes)
    years = {r.year for r in with_sexes}
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
    blocks.append(
        Chart(
            "chart-qol-sexes",
            EsrRightsChart(items, scale, texts, by_sex=True),
            ctx.t("caption.esr_sexes"),
            alt,
        )
    )
    blocks.append(
        Table(
            (ctx.t("qol.table_right"), ctx.t("qol.table_women"), ctx.t("qol.table_men")),
            tuple(
                (i.label, ctx.ph.format_pct(i.female or 0), ctx.ph.format_pct(i.male or 0))
                for i in items
            ),
            (False, True, True),
            ctx.t("qol.sexes_caption", year=years.pop() if len(years) == 1 else None),
        )
    )
    return Section("qol-sexes", ctx.t("headings.qol_sexes"), 2, tuple(blocks))


def _qol_risk(ctx: _Context, q: QualityOfLife) -> Section:
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
            Span(f"{_group_label(ctx, g.code)} "),
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


def _qol(ctx: _Context) -> Section:
    q = ctx.facts.quality_of_life
    if q is None:
        return Section("qol", ctx.t("headings.qol"), 1, (ctx.p("overview.no_qol"),))
    scale = _scale(ctx.style.esr_bands, 100.0)
    children = [_qol_rights(ctx, q, scale)] if q.rights else []
    children += [s for s in (_qol_trend(ctx, q, scale), _qol_sexes(ctx, q, scale)) if s]
    children.append(_qol_risk(ctx, q))
    return Section("qol", ctx.t("headings.qol"), 1, tuple(_qol_overall(ctx, q)), tuple(children))


# --- summary, how to read, sources ---------------------------------------------------------


def _summary_words(ctx: _Context, dimension: str, key: str) -> str:
    """A right as the summary's sentence names it ("assemble", "speak freely")."""
    return ctx.t(f"summary.{dimension}_rights.{key}")


def _summary(ctx: _Context) -> Section:
    f = ctx.facts
    blocks: list[Block] = []
    for dim in (f.empowerment, f.safety):
        if dim is not None and dim.band is not None:
            words = None
            if ctx.ph.has(f"summary.{dim.key}_rights.{dim.rights[0].key}" if dim.rights else ""):
                words = functools.partial(_summary_words, ctx, dim.key)
            blocks.append(ctx.p(f"summary.{dim.key}.{dim.band}", **_threats(ctx, dim, words)))
    if f.frequent_groups:
        shown, _rest, _edge = cut_with_ties(
            f.frequent_groups,
            SUMMARY_GROUPS,
            SUMMARY_GROUPS_MAX,
            key=lambda g: (g.rights, round(g.mean_share, 9)),
        )
        if not shown:  # a tie too wide to list: name the first tier only
            shown = tuple(g for g in f.frequent_groups if g.rights == f.frequent_groups[0].rights)
        bar: dict[str, Any] = {"share": FREQUENT_SHARE, "rights": FREQUENT_RIGHTS}
        key = "summary.group_one" if len(f.frequent_groups) == 1 else "summary.groups"
        blocks.append(ctx.p(key, shown=len(shown), total=len(f.frequent_groups), **bar))
        blocks.append(BulletList(tuple((Span(_group_label(ctx, g.code)),) for g in shown)))
    elif f.has_survey:
        blocks.append(ctx.p("summary.no_groups"))
    if f.all_people_frequent:
        blocks.append(ctx.p("summary.all_people"))
    q = f.quality_of_life
    if q is not None and q.band is not None:
        blocks.append(ctx.p(f"summary.quality_of_life.{q.band}"))
        esr_years = ctx.dataset.info.esr_years
        if esr_years and q.year < esr_years[-1]:  # old data is never presented as current
            blocks.append(ctx.p("summary.qol_old", year=q.year))
    return Section("summary", ctx.t("headings.summary"), 1, tuple(blocks))


def _how_to_read(ctx: _Context) -> Section:
    cpr, esr = ctx.style.cpr_bands, ctx.style.esr_bands
    blocks: list[Block] = [
        ctx.p(
            "how.bands",
            cpr={"very_bad": cpr.very_bad, "bad": cpr.bad, "fair": cpr.fair},
            esr={"very_bad": esr.very_bad, "bad": esr.bad, "fair": esr.fair},
        ),
    ]
    if ctx.facts.has_survey:
        blocks += [ctx.p("how.uncertainty"), ctx.p("how.trends"), ctx.p("how.risk")]
    blocks.append(ctx.p("how.qol"))
    if ctx.facts.illustrative:
        blocks.append(ctx.p("how.illustrative", "caveat"))
    return Section("how-to-read", ctx.t("headings.how_to_read"), 1, tuple(blocks))


def _sources(ctx: _Context) -> Section:
    info = ctx.dataset.info
    q = ctx.facts.quality_of_life
    blocks: list[Block] = [ctx.p("sources.release", release=ctx.release, publisher=info.publisher)]
    blocks.append(ctx.p("sources.files", files=[p.name for p in info.files]))
    if info.cpr_years:
        blocks.append(ctx.p("sources.survey", years=f"{info.cpr_years[0]}–{info.cpr_years[-1]}"))
    if q is not None and info.esr_years:
        blocks.append(
            ctx.p(
                "sources.esr",
                first=info.esr_years[0],
                last=info.esr_years[-1],
                standard=ctx.book.standards[q.standard],
            )
        )
    blocks.append(ctx.p("sources.generated", version=__version__))
    blocks.append(
        ctx.p(
            "sources.citation",
            "note",
            publisher=info.publisher,
            year=info.publication_year,
            release=ctx.release,
        )
    )
    return Section("sources", ctx.t("headings.sources"), 1, tuple(blocks))


# --- entry point ---------------------------------------------------------------------------


def build_report(
    dataset: Dataset, facts: CountryFacts, style: Style, language: str = "en"
) -> Report:
    """Build the report model of one country from its facts, in ``language``."""
    book = load_codebook(language)
    ph = load_phrases(language)
    c = Country.of(book.country(facts.code, dataset.names))
    if not facts.has_survey and facts.quality_of_life is None:
        raise NoDataError(
            f"{c.bare} ({facts.code}) has no scores in the release '{dataset.info.title}': there is nothing to report."
        )
    ctx = _Context(dataset, facts, style, book, ph, c)
    info = dataset.info
    year = info.publication_year
    q = facts.quality_of_life
    lines = [ctx.t("cover.data_survey", survey_year=facts.survey_year)] if facts.survey_year else []
    if q is not None:
        first, last = _esr_span(q)
        lines.append(ctx.t("cover.data_esr", first=first, last=last))
    lines.append(ctx.t("cover.data_source", publisher=info.publisher, release=ctx.release))
    cover = Cover(
        kicker=ctx.t("cover.kicker", year=year),
        title=c.bare,
        subtitle=ctx.t("cover.subtitle"),
        figures=_headline_figures(ctx),
        facts_line=" ".join(lines),
        citation=ctx.t("cover.citation", publisher=info.publisher, year=year, release=ctx.release),
    )
    sections = (
        _overview(ctx),
        _cpr(ctx),
        _qol(ctx),
        _summary(ctx),
        _how_to_read(ctx),
        _sources(ctx),
    )
    metadata = Metadata(
        title=ctx.t("meta.title", year=year),
        author=info.publisher,
        subject=ctx.t("meta.subject", release=ctx.release),
        keywords=tuple(k.strip() for k in ctx.t("meta.keywords", year=year).split(";")),
        language=ph.locale.replace("_", "-"),
        created=date(year, 1, 1).isoformat(),
    )
    return Report(
        country=facts.code,
        country_name=c.bare,
        language=language,
        release_year=year,
        cover=cover,
        sections=sections,
        metadata=metadata,
        running_head=ctx.t("meta.running_head", year=year),
        page_label=ctx.t("meta.page", page="{page}", pages="{pages}"),
        illustrative_mark=ctx.t("meta.illustrative") if info.illustrative else None,
    )
