"""The two-page country profile: the report's facts and findings, for a ten-minute meeting.

In:  a country's facts (the same as the full report's), the style, a language.
Out: a ``Report`` of ``format="profile"``, in reading order: the cover band with the report's
     statement and the headline figures; the key findings (the report's own, word for word);
     for a survey country, the groups most often named at risk with their average share (the
     report's summary list); the two dimensions over time; every right at a glance (the
     scorecard, quality of life rights under the country's standard); the data, the bands,
     the citation and the full report's file. The layout fills page one and lets the rest
     flow to page two. A quality-of-life-only country's profile has its scorecard with the
     findings, then, in the same chapter (no heading that would only repeat "quality of
     life"), the trend and women and men (one page, when that is all). Its scorecard gives
     each right's score, band and change; the full report's chart of the rights under both
     benchmarks is not repeated under it (the same scores twice, and the room of the
     sources, which it sent alone to a second page: 42 profiles of the 2020 release).

Every number comes from the same builders as the full report's (findings, scorecard, charts,
the summary's groups), so a figure in the profile is the figure in the report.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from reportgen.facts import CountryFacts, FrequentGroup
from reportgen.load import Dataset
from reportgen.model import (
    Block,
    Chart,
    Cover,
    Paragraph,
    Report,
    Section,
    Span,
)
from reportgen.narrative._context import Context
from reportgen.narrative.closing import (
    groups_table,
    how_to_read_section,
    sources_section,
    summary_groups,
)
from reportgen.narrative.cpr import dimensions_trend_chart, has_trend
from reportgen.narrative.findings import key_findings_section, lede, scorecard_section
from reportgen.narrative.overview import headline_figures
from reportgen.narrative.qol import qol_sexes_chart, qol_trend_chart
from reportgen.narrative.report import assemble, published_by, report_context
from reportgen.project import NO_PROJECT, Project
from reportgen.rules import FREQUENT_RIGHTS, FREQUENT_SHARE, cut_with_ties
from reportgen.style import Style

# The groups page one names: the most often named, a tie at the cut kept up to the maximum.
PROFILE_GROUPS = 5
PROFILE_GROUPS_MAX = 6


def _at_risk(ctx: Context, trim: int) -> Section | None:
    """The groups most often named at risk, each with its average share over the rights for
    which at least 30% of the experts named it (the report's summary list, cut shorter)."""
    f = ctx.facts
    if not f.has_survey:
        return None
    if not f.frequent_groups:
        return Section("at-risk", ctx.t("profile.at_risk"), 1, (ctx.p("summary.no_groups"),))
    limit, most = (PROFILE_GROUPS, PROFILE_GROUPS_MAX) if trim < 2 else (3, 3)
    shown = _table_groups(f.frequent_groups, limit, most)
    intro = ctx.p(
        "profile.at_risk_intro",
        share=FREQUENT_SHARE,
        rights=FREQUENT_RIGHTS,
        shown=len(shown),
        total=len(f.frequent_groups),
    )
    table = groups_table(ctx, shown)
    return Section("at-risk", ctx.t("profile.at_risk"), 1, (intro, table))


def _table_groups(
    groups: tuple[FrequentGroup, ...], limit: int, most: int
) -> tuple[FrequentGroup, ...]:
    """The groups of the profile's table: the ``limit`` named for the most rights, with every
    group tied with the last on that number while they stay within ``most`` (the key findings
    count the groups of the first tier: "Six groups were each named …" keeps all six in the
    table); when that tie is too wide, the summary's cut, which breaks it on the share."""
    shown, _left, edge = cut_with_ties(groups, limit, most, key=lambda g: g.rights)
    if edge is None and shown:
        return shown
    return summary_groups(groups, limit, most)


def _over_time(ctx: Context) -> Section | None:
    """The chart after the findings of a survey country: the two dimensions over the survey
    years (the quality of life rights are in the scorecard, under the country's standard)."""
    if not ctx.facts.has_survey:
        return None
    trend = dimensions_trend_chart(ctx, size="full")
    if trend is None:
        return None
    return Section("over-time", ctx.t("profile.over_time"), 1, (trend,))


def _qol_charts(ctx: Context) -> tuple[Block, ...]:
    """The charts of a quality-of-life-only profile under its scorecard: the trend, women and
    men (each titled; those the data have)."""
    q = ctx.facts.quality_of_life
    if ctx.facts.has_survey or q is None:
        return ()
    made: list[Chart | None] = [
        qol_trend_chart(ctx, q),
        qol_sexes_chart(ctx, q, explain=True),
    ]
    return tuple(c for c in made if c is not None)


def _joined(paragraphs: list[Paragraph], role: Literal["body", "note"]) -> Paragraph:
    """Paragraphs run together into one (the profile's page has no room for short lines)."""
    spans: list[Span] = []
    for p in paragraphs:
        spans += [Span(" "), *p.spans] if spans else list(p.spans)
    return Paragraph(tuple(spans), role)


def _sources(ctx: Context, report_file: str, trim: int) -> Section:
    """The report's sources in one paragraph; the bands (the profile has no "How to read"),
    its citation and where the full report is in another."""
    sources = sources_section(ctx, profile=True)
    paragraphs = [b for b in sources.blocks if isinstance(b, Paragraph)]
    data, cite = paragraphs[:-1], paragraphs[-1]
    bands = how_to_read_section(ctx).blocks[0]
    assert isinstance(bands, Paragraph)
    f = ctx.facts
    # (what the full report has: a survey country's per-right charts, ranks and people at
    # risk, and its trend from a second survey on; else each right under both benchmarks)
    trend = has_trend(f.empowerment) or has_trend(f.safety)
    full = ctx.p("profile.full_report", file=report_file, survey=f.has_survey, trend=trend)
    notes = [bands, cite, full] if trim < 1 else [cite, full]
    blocks = (_joined(data, "body"), _joined(notes, "note"))
    return Section(sources.id, sources.title, 1, blocks)


def _without_references(section: Section | None, ctx: Context) -> Section | None:
    """``section`` with the scorecard's caption that does not send the reader to a "How to
    read" section the profile does not have."""
    if section is None:
        return None
    blocks = tuple(
        replace(b, caption=ctx.t(f"profile.{_caption_key(ctx)}_caption"))
        if isinstance(b, Chart) and b.id == "chart-scorecard"
        else b
        for b in section.blocks
    )
    return replace(section, blocks=blocks)


def _caption_key(ctx: Context) -> str:
    return "scorecard" if ctx.facts.has_survey else "scorecard_qol"


# How much a profile may leave out to fit two pages, in order: 1 the bands' note, 2 the at-risk
# table's groups beyond three, 3 the trend graphic (the full report has them all).
PROFILE_TRIMS = 3


def build_profile(
    dataset: Dataset,
    facts: CountryFacts,
    style: Style,
    language: str,
    report_file: str,
    trim: int = 0,
    project: Project = NO_PROJECT,
) -> Report:
    """The profile model of one country in ``language``; ``report_file`` is the file name of
    its full report (the profile refers the reader to it); ``trim`` (0 to ``PROFILE_TRIMS``)
    how much it leaves out where the whole does not fit two pages; ``project``: the
    publisher's identity and phrase overrides."""
    ctx = report_context(dataset, facts, style, language, project)
    c, info = ctx.c, dataset.info
    year = info.publication_year
    cover = Cover(
        kicker=ctx.t("profile.kicker", year=year),
        title=c.bare,
        subtitle="",  # (the page has no room for it: the kicker and findings say what it covers)
        lede=lede(ctx),
        figures=headline_figures(ctx),
        publisher=published_by(ctx),
    )
    scorecard = _without_references(scorecard_section(ctx), ctx)
    findings = _without_references(key_findings_section(ctx), ctx)
    if findings is not None and trim < 3:
        # Quality of life only: its charts follow the findings' scorecard in the same
        # chapter (flowing on: a country with few figures needs one page only). A heading
        # "Quality of life" over a profile that is all quality of life would say nothing,
        # and would take the room the first chart needs on the first page.
        findings = replace(findings, blocks=findings.blocks + _qol_charts(ctx))
    chapters: list[Section | None] = [
        findings,
        _at_risk(ctx, trim),
        _over_time(ctx) if trim < 3 else None,
        scorecard,
        _sources(ctx, report_file, trim),
    ]
    return assemble(ctx, cover, chapters, "profile")
