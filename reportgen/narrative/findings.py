"""The first page: the report's statement (the cover's lede), key findings and the scorecard.

In:  the narrative ``Context`` of one country.
Out: ``lede(ctx)``: the headline scores in a sentence or two, set on the cover;
     ``key_findings_section(ctx)``: the headline figures, 3–5 findings chosen by the salience
     rule below, and a scorecard of every right (score, band, uncertainty, change).

The salience rule (README "Key findings"): a finding is stated only when the data decide it,
in this order, at most ``MAX_FINDINGS``:

1. **Bands**: how many of the rights measured fall in each band, naming the rights of the best
   band reached when there are at most three of them (every country with two or more rights).
2. **Extremes**: the lowest and the highest civil and political right (ties on the printed
   score named together); for a country without survey scores, the quality of life rights.
3. **Position**: for how many civil and political rights the country is, even allowing for
   uncertainty, in the bottom (or top) half of the countries surveyed — when two or more are.
   Without survey scores: the overall quality of life score's quarter among the countries
   assessed against the same standard.
4. **Change**: the largest clear change since the previous survey (a new score outside the
   earlier uncertainty band), with how many rights changed clearly; without one, the quality
   of life trend over all its years when it rose or fell by a point or more.
5. **Groups**: the groups named at risk by at least ``FREQUENT_SHARE`` of the experts for the
   most rights, when that is ``FREQUENT_RIGHTS`` or more: all of them when at most three tie,
   else how many tie and the two with the highest mean share across the rights.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from reportgen.facts import CprRight, Estimate, QualityOfLife, SurveyTrend
from reportgen.model import (
    Block,
    BulletList,
    Chart,
    ChartTexts,
    Scorecard,
    ScorecardPanel,
    ScorecardRow,
    Section,
    Span,
)
from reportgen.narrative._context import (
    Context,
    band_scale,
    dim_short,
    esr_suggestion,
    standard_note,
    when,
)
from reportgen.rules import (
    CPR_BANDS,
    FREQUENT_RIGHTS,
    FREQUENT_SHARE,
    printed,
)
from reportgen.style import BAND_NAMES, BandName

MAX_FINDINGS = 5
_BEST_FIRST: tuple[BandName, ...] = tuple(reversed(BAND_NAMES))


def _cpr_rights(ctx: Context) -> list[CprRight]:
    f = ctx.facts
    return [r for d in (f.empowerment, f.safety) if d is not None for r in d.rights]


def lede(ctx: Context) -> str:
    """The headline scores in words, for the cover: what a reader should take away first."""
    f, q = ctx.facts, ctx.facts.quality_of_life
    parts: list[str] = []
    cpr = [
        ctx.t(f"findings.lede_cpr.{d.band}", dim=dim_short(ctx, d.key), v=d.score.mean)
        for d in (f.empowerment, f.safety)
        if d is not None and d.score is not None and d.band is not None
    ]
    if cpr:
        parts.append(ctx.t("findings.lede_scores", scores=cpr))
    if q is not None and q.income_adjusted is not None and q.band is not None:
        parts.append(
            ctx.t(
                f"overview.esr.{q.band}",
                v=q.income_adjusted,
                when=when(ctx, q.year, q.overall_standard if q.overall_fallback else None),
                suggestion=esr_suggestion(ctx, q),
                also=bool(cpr),
            )
        )
    if not parts and q is not None and q.rights:
        # No headline score to state: say what the data have, not nothing.
        # (a single right has no findings nor scorecard to give its score: the lede does)
        total, only = len(q.rights) + len(q.missing_rights), q.rights[0]
        parts.append(
            ctx.t(
                "findings.lede_no_overall",
                n=len(q.rights),
                total=total,
                right=ctx.book.rights[only.key].phrase,
                v=only.income_adjusted,
                when=when(ctx, only.year, only.standard if only.fallback else None),
            )
        )
    return " ".join(parts)


def _band_finding(ctx: Context) -> tuple[Span, ...] | None:
    f, q = ctx.facts, ctx.facts.quality_of_life
    rated: list[tuple[str, BandName]] = [(r.key, r.band) for r in _cpr_rights(ctx)]
    if q is not None:
        rated += [(r.key, r.band) for r in q.rights]
    if len(rated) < 2:
        return None
    counts = {b: [k for k, band in rated if band == b] for b in _BEST_FIRST}
    top = next(b for b in _BEST_FIRST if counts[b])
    named = [ctx.book.rights[k].phrase for k in counts[top]] if len(counts[top]) <= 3 else []
    parts = [
        ctx.t("findings.band_part", band=ctx.book.bands[b], n=len(keys))
        for b, keys in counts.items()
        if keys
    ]
    kind = "both" if f.has_survey and q is not None else ("cpr" if f.has_survey else "qol")
    return ctx.ph.render(
        "findings.bands",
        c=ctx.c,
        n=len(rated),
        kind=kind,
        parts=parts,
        top=ctx.book.bands[top],
        named=named,
        only=len(counts[top]) == len(rated),
    )


def _extremes_finding(ctx: Context) -> tuple[Span, ...] | None:
    rights = _cpr_rights(ctx)
    if len(rights) >= 2:
        shown = {r.key: printed(r.score.mean, CPR_BANDS) for r in rights}
        hi, lo = max(shown.values()), min(shown.values())
        if hi == lo:
            return None
        best = [r for r in rights if shown[r.key] == hi]
        worst = [r for r in rights if shown[r.key] == lo]
        return ctx.ph.render(
            "findings.extremes",
            c=ctx.c,
            worst=[ctx.book.rights[r.key].phrase for r in worst],
            worst_v=worst[0].score.mean,
            best=[ctx.book.rights[r.key].phrase for r in best],
            best_v=best[0].score.mean,
        )
    q = ctx.facts.quality_of_life
    if q is None or not q.best_rights or not q.worst_rights or ctx.facts.has_survey:
        return None
    value = {r.key: r.income_adjusted for r in q.rights}
    return ctx.ph.render(
        "findings.qol_extremes",
        c=ctx.c,
        worst=[ctx.book.rights[k].phrase for k in q.worst_rights],
        worst_v=value[q.worst_rights[0]],
        best=[ctx.book.rights[k].phrase for k in q.best_rights],
        best_v=value[q.best_rights[0]],
    )


def _position_finding(ctx: Context) -> tuple[Span, ...] | None:
    rights = _cpr_rights(ctx)
    compared = [r for r in rights if r.of > 1]
    bottom = sum(1 for r in compared if r.position in ("bottom_half", "very_worst"))
    top = sum(1 for r in compared if r.position in ("top_half", "very_best"))
    if max(bottom, top) >= 2:
        return ctx.ph.render("findings.position", c=ctx.c, n=len(compared), bottom=bottom, top=top)
    q = ctx.facts.quality_of_life
    if ctx.facts.has_survey or q is None or q.quartile is None or q.of is None or q.of < 4:
        return None
    return ctx.ph.render(
        "findings.qol_position",
        c=ctx.c,
        quartile=q.quartile,
        n=q.of,
        year=q.year,
        standard=ctx.t(f"qol.standard_name.{q.overall_standard or q.standard}"),
    )


def _change_finding(ctx: Context) -> tuple[Span, ...] | None:
    rights = _cpr_rights(ctx)
    clear = [
        r
        for r in rights
        if r.trend.since_previous is not None and r.trend.since_previous.size == "clearly"
    ]
    if clear:
        top = max(clear, key=lambda r: (abs(_delta(r)), r.key))
        prev = top.trend.since_previous
        assert prev is not None
        return ctx.ph.render(
            "findings.change",
            c=ctx.c,
            right=ctx.book.rights[top.key].phrase,
            rose=prev.direction == "rose",
            before=prev.before,
            after=prev.after,
            since=prev.since,
            year=top.score.year,
            clear=len(clear),
            n=len([r for r in rights if r.trend.since_previous is not None]),
        )
    q = ctx.facts.quality_of_life
    t = q.trend if q is not None else None
    if t is None or t.direction == "flat" or len(t.years) < 2:
        return None
    return ctx.ph.render(
        "findings.qol_trend",
        c=ctx.c,
        rose=t.direction == "rose",
        first=t.income_adjusted[0],
        last=t.income_adjusted[-1],
        first_year=t.years[0],
        year=t.years[-1],
    )


def _delta(r: CprRight) -> float:
    prev = r.trend.since_previous
    return prev.delta if prev is not None else 0.0


def _asked(ctx: Context) -> int:
    """How many rights have people-at-risk answers, scored or not (the base of the groups
    finding, as of the frequent groups it counts)."""
    return ctx.facts.answered_rights


def _groups_finding(ctx: Context) -> tuple[Span, ...] | None:
    groups = ctx.facts.frequent_groups
    if not groups:
        return None
    most = max(g.rights for g in groups)
    if most < FREQUENT_RIGHTS:
        return None
    top = sorted((g for g in groups if g.rights == most), key=lambda g: -g.mean_share)
    names = [ctx.book.groups[g.code].phrase if g.code in ctx.book.groups else g.code for g in top]
    return ctx.ph.render(
        "findings.groups" if len(top) <= 3 else "findings.groups_many",
        c=ctx.c,
        groups=names,
        count=len(top),
        lead=names[:2],
        share=FREQUENT_SHARE,
        k=most,
        n=_asked(ctx),
    )


def findings(ctx: Context) -> list[tuple[Span, ...]]:
    """The key findings, most salient first (the rule in this module's docstring)."""
    out = []
    for rule in (
        _band_finding,
        _extremes_finding,
        _position_finding,
        _change_finding,
        _groups_finding,
    ):
        found = rule(ctx)
        if found:
            out.append(found)
    return out[:MAX_FINDINGS]


# --- the scorecard ------------------------------------------------------------------------


_DIRECTION: dict[str, Literal["up", "down", "flat"]] = {
    "rose": "up",
    "fell": "down",
    "flat": "flat",
}


def _cpr_row(
    ctx: Context, label: str, score: Estimate, band: BandName, trend: SurveyTrend | None
) -> ScorecardRow:
    """A civil and political row: the score, its band and uncertainty, the change since the
    previous survey (the earlier score printed as the text prints it)."""
    prev = trend.since_previous if trend is not None else None
    change, direction, clear = "", "none", False
    if prev is not None:
        change = ctx.t(
            "scorecard.change", before=ctx.ph.format_score_number(prev.before), since=prev.since
        )
        direction = _DIRECTION[prev.direction]
        clear = prev.size == "clearly"
    return ScorecardRow(
        label,
        score.mean,
        ctx.ph.format_score_number(score.mean),
        band,
        ctx.book.bands[band],
        score.lo,
        score.hi,
        change,
        direction,  # type: ignore[arg-type]
        clear,
    )


def _cpr_panel(ctx: Context) -> ScorecardPanel | None:
    f = ctx.facts
    rows: list[ScorecardRow] = []
    for dim in (f.empowerment, f.safety):
        if dim is None:
            continue
        if dim.score is not None and dim.band is not None:
            name = ctx.book.dimensions[dim.key].name
            row = _cpr_row(ctx, name, dim.score, dim.band, dim.trend)
            rows.append(replace(row, headline=True))
        rows += [
            _cpr_row(ctx, ctx.book.rights[r.key].name, r.score, r.band, r.trend) for r in dim.rights
        ]
    if not rows:
        return None
    return ScorecardPanel(
        ctx.t("scorecard.cpr_title", year=f.survey_year),
        tuple(rows),
        band_scale(ctx.style.cpr_bands, 10.0),
    )


def _qol_panel(ctx: Context, q: QualityOfLife) -> ScorecardPanel | None:
    rows: list[ScorecardRow] = []
    if q.income_adjusted is not None and q.band is not None:
        t = q.trend
        change = ""
        if t is not None and len(t.years) > 1:
            change = ctx.t(
                "scorecard.change", before=ctx.ph.format_pct(t.income_adjusted[0]), since=t.years[0]
            )
        label = ctx.book.dimensions["quality_of_life"].name
        if q.overall_fallback and q.overall_standard:
            # scored under the other standard than the rights below it (Argentina's is core,
            # its education high-income): the row says so, as the fallen-back rights do
            label = ctx.t(
                "chart.label_note", label=label, notes=[standard_note(ctx, q.overall_standard)]
            )
        rows.append(
            ScorecardRow(
                label,
                q.income_adjusted,
                ctx.ph.format_pct(q.income_adjusted),
                q.band,
                ctx.book.bands[q.band],
                # the earlier score only, no mark (direction "none"): a civil and political
                # mark says whether a change is clear of the earlier uncertainty (filled) or
                # slight (outlined); a quality of life score has no uncertainty, so either
                # would claim what the data cannot tell (Argentina's rise of 3.9 points, and
                # Kazakhstan's of 7, were marked 'slight')
                change=change,
                headline=True,
            )
        )
    years = {r.year for r in q.rights}
    for r in q.rights:
        # as in the quality of life charts: a year other than the overall score's (every
        # year when they differ), a standard other than the country's default
        label = ctx.book.rights[r.key].name
        notes = [str(r.year)] if len(years) > 1 or r.year != q.year else []
        if r.standard != q.standard:
            notes.append(standard_note(ctx, r.standard))
        if notes:
            label = ctx.t("chart.label_note", label=label, notes=notes)
        rows.append(
            ScorecardRow(
                label,
                r.income_adjusted,
                ctx.ph.format_pct(r.income_adjusted),
                r.band,
                ctx.book.bands[r.band],
            )
        )
    if not rows:
        return None
    return ScorecardPanel(
        ctx.t("scorecard.qol_title", year=q.year),
        tuple(rows),
        band_scale(ctx.style.esr_bands, 100.0),
    )


def scorecard_chart(ctx: Context, titled: bool) -> Chart | None:
    """Every right in one graphic, with its title or untitled (under a heading that names it);
    None for a country with fewer than two scores."""
    q = ctx.facts.quality_of_life
    panels = [p for p in (_cpr_panel(ctx), _qol_panel(ctx, q) if q else None) if p is not None]
    if sum(len(p.rows) for p in panels) < 2:
        return None
    legend = {
        k: ctx.t(f"scorecard.{'change_head' if k == 'change' else k}")
        for k in ("right", "score", "change", "up", "down", "flat", "clear", "slight")
    }
    title = ctx.t("scorecard.title") if titled else ""
    texts = ChartTexts(title, "", ctx.source(), ctx.band_labels(), legend)
    items: list[dict[str, Any]] = [
        {"label": row.label, "value": row.value_text, "band": row.band_text}
        for p in panels
        for row in p.rows
    ]
    alt = ctx.alt("alt.scorecard", items=items)
    caption = ctx.t("caption.scorecard" if ctx.facts.has_survey else "caption.scorecard_qol")
    return Chart("chart-scorecard", Scorecard(tuple(panels), texts), caption, alt)


def key_findings_section(ctx: Context) -> Section:
    """The key findings: the story on the first page, under the cover's headline figures.

    A quality-of-life-only country's few scores fit under the findings: its scorecard ends
    this section (see ``scorecard_section`` for the others)."""
    blocks: list[Block] = []
    found = findings(ctx)
    if found:
        blocks.append(BulletList(tuple(found)))
    chart = None if ctx.facts.has_survey else scorecard_chart(ctx, titled=True)
    if chart is not None:
        blocks.append(chart)
    return Section("key-findings", ctx.t("headings.findings"), 1, tuple(blocks))


def scorecard_section(ctx: Context) -> Section | None:
    """Every right at a glance, for a country with survey scores: the scorecard (twenty rows
    or so, it never fits under the findings) under a heading of its own, so the first page is
    the findings' own and this opens the next (None: no survey, or fewer than two scores)."""
    chart = scorecard_chart(ctx, titled=False) if ctx.facts.has_survey else None
    if chart is None:
        return None
    return Section("scorecard", ctx.t("scorecard.title"), 1, (chart,))
