"""The closing sections: the summary, how to read this report, data sources and citation."""

from __future__ import annotations

import functools
from typing import Any

from reportgen.facts import FrequentGroup
from reportgen.model import Block, BulletList, Paragraph, Section, Span, Table
from reportgen.narrative._context import Context, group_label, threats
from reportgen.rules import (
    FREQUENT_RIGHTS,
    FREQUENT_SHARE,
    SUMMARY_GROUPS,
    SUMMARY_GROUPS_MAX,
    cut_with_ties,
)


def _summary_words(ctx: Context, dimension: str, key: str) -> str:
    """A right as the summary's sentence names it ("assemble", "speak freely")."""
    return ctx.t(f"summary.{dimension}_rights.{key}")


def summary_groups(
    groups: tuple[FrequentGroup, ...], limit: int = SUMMARY_GROUPS, most: int = SUMMARY_GROUPS_MAX
) -> tuple[FrequentGroup, ...]:
    """The frequent groups the summary (and the profile, with its own limits) name: the
    ``limit`` most often named, a tie at the cut kept up to ``most`` (``cut_with_ties``); the
    first tier alone when a tie is too wide."""
    shown, _rest, _edge = cut_with_ties(
        groups, limit, most, key=lambda g: (g.rights, round(g.mean_share, 9))
    )
    if not shown:  # a tie too wide to list: name the first tier only
        shown = tuple(g for g in groups if g.rights == groups[0].rights)
    return tuple(shown)


def groups_table(ctx: Context, shown: tuple[FrequentGroup, ...]) -> Table:
    """The frequent groups ``shown``, each with the number of rights for which at least 30% of
    the experts named it and its average share over them: the profile's table of the summary's
    list (in its order: by that number, then by share)."""
    rows = tuple(
        (group_label(ctx, g.code), str(g.rights), ctx.ph.format_share(g.mean_share)) for g in shown
    )
    heads = (ctx.t("summary.group_head"), ctx.t("summary.rights_head"), ctx.t("summary.share_head"))
    return Table(heads, rows, (False, True, True))


def summary_section(ctx: Context) -> Section:
    f = ctx.facts
    blocks: list[Block] = []
    for dim in (f.empowerment, f.safety):
        if dim is not None and dim.band is not None:
            words = None
            if ctx.ph.has(f"summary.{dim.key}_rights.{dim.rights[0].key}" if dim.rights else ""):
                words = functools.partial(_summary_words, ctx, dim.key)
            blocks.append(ctx.p(f"summary.{dim.key}.{dim.band}", **threats(ctx, dim, words)))
    if f.frequent_groups:
        shown = summary_groups(f.frequent_groups)
        bar: dict[str, Any] = {"share": FREQUENT_SHARE, "rights": FREQUENT_RIGHTS}
        key = "summary.group_one" if len(f.frequent_groups) == 1 else "summary.groups"
        blocks.append(ctx.p(key, shown=len(shown), total=len(f.frequent_groups), **bar))
        # each with its average share over the rights it was named for (the profile's table)
        blocks.append(
            BulletList(
                tuple(
                    ctx.ph.render(
                        "summary.group_item",
                        c=ctx.c,
                        label=group_label(ctx, g.code),
                        rights=g.rights,
                        share=g.mean_share,
                    )
                    for g in shown
                )
            )
        )
    elif f.has_survey:
        blocks.append(ctx.p("summary.no_groups"))
    if f.all_people_frequent:
        blocks.append(
            ctx.p(
                "summary.all_people",
                share=FREQUENT_SHARE,
                k=f.all_people_rights,
                n=f.answered_rights,
            )
        )
    q = f.quality_of_life
    if q is not None and q.band is not None:
        blocks.append(ctx.p(f"summary.quality_of_life.{q.band}"))
        esr_years = ctx.dataset.info.esr_years
        if esr_years and q.year < esr_years[-1]:  # old data is never presented as current
            blocks.append(ctx.p("summary.qol_old", year=q.year))
    return Section("summary", ctx.t("headings.summary"), 1, tuple(blocks))


def how_to_read_section(ctx: Context) -> Section:
    """The method, explained once for the whole report; the sections refer to it."""
    cpr, esr = ctx.style.cpr_bands, ctx.style.esr_bands
    f, book = ctx.facts, ctx.book
    blocks: list[Block] = [
        ctx.p(  # (each scale only where the report has its scores)
            "how.bands",
            cpr={"very_bad": cpr.very_bad, "bad": cpr.bad, "fair": cpr.fair}
            if f.has_survey
            else None,
            esr={"very_bad": esr.very_bad, "bad": esr.bad, "fair": esr.fair}
            if f.quality_of_life is not None
            else None,
        ),
        ctx.p("overview.caveat"),
    ]
    if f.has_survey:
        dims = [
            {
                "name": book.dimensions[d.key].phrase,
                "rights": [book.rights[k].phrase for k in book.dimensions[d.key].rights],
            }
            for d in (f.empowerment, f.safety)
            if d is not None
        ]
        blocks += [
            ctx.p("how.dimensions", dims=dims),
            ctx.p("how.uncertainty", charts=True),
            ctx.p("how.trends"),
            ctx.p("how.risk"),
        ]
    if f.quality_of_life is not None:
        blocks += [ctx.p("how.qol"), ctx.p("qol.benchmarks")]
    if f.illustrative:
        blocks.append(ctx.p("how.illustrative", "caveat"))
    return Section("how-to-read", ctx.t("headings.how_to_read"), 1, tuple(blocks))


def sources_section(ctx: Context, profile: bool = False) -> Section:
    """The data's sources and how to cite the document (``profile``: the country's profile,
    cited as a profile, not as its report)."""
    info = ctx.dataset.info
    q = ctx.facts.quality_of_life
    blocks: list[Block] = [ctx.p("sources.release", release=ctx.release, publisher=info.publisher)]
    if info.cpr_years and ctx.facts.has_survey:
        blocks.append(ctx.p("sources.survey", years=f"{info.cpr_years[0]}–{info.cpr_years[-1]}"))
    if q is not None and info.esr_years:
        # (the other standard, where a figure of the report is its: "high-income standard,
        # or the core standard where it has no figure")
        others = {r.standard for r in q.rights if r.standard != q.standard}
        if q.overall_fallback and q.overall_standard is not None:
            others.add(q.overall_standard)
        blocks.append(
            ctx.p(
                "sources.esr",
                first=info.esr_years[0],
                last=info.esr_years[-1],
                standard=ctx.book.standards[q.standard],
                fallback=ctx.book.standards[min(others)] if others else None,
            )
        )
    # (the data's lines in one paragraph: short lines would leave most of the page width blank)
    spans: list[Span] = []
    for block in blocks:
        assert isinstance(block, Paragraph)
        spans += [Span(" "), *block.spans] if spans else list(block.spans)
    citation = _citation(ctx, profile)
    return Section("sources", ctx.t("headings.sources"), 1, (Paragraph(tuple(spans)), citation))


def _citation(ctx: Context, profile: bool = False) -> Paragraph:
    """How to cite the report (``profile``: the profile): by its publisher, the data credited
    to their author (the project's own citation form where it gives one)."""
    info, p = ctx.dataset.info, ctx.publisher
    year = info.publication_year
    if p is None:
        return ctx.p(
            "sources.citation",
            "note",
            publisher=info.publisher,
            year=year,
            release=ctx.release,
            profile=profile,
        )
    if p.citation:
        text = p.citation.format(
            publisher=p.name,
            year=year,
            title=ctx.t("profile.meta_title" if profile else "meta.title", year=year),
            country=ctx.c.bare,
            data=info.publisher,
            release=ctx.release,
            url=p.url,
        )
        return Paragraph((Span(ctx.t("sources.cite_as") + " " + text),), "note")
    return ctx.p(
        "sources.citation_by",
        "note",
        publisher=p.name,
        data=info.publisher,
        year=year,
        release=ctx.release,
        profile=profile,
    )
