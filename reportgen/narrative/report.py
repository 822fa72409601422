"""The entry point: a country's facts → the whole report model (cover, sections, metadata)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Literal

from reportgen.codebook import load_codebook
from reportgen.errors import NoDataError
from reportgen.facts import CountryFacts
from reportgen.load import Dataset
from reportgen.model import Brand, Cover, Metadata, Report, Section
from reportgen.narrative._context import Context
from reportgen.narrative.closing import how_to_read_section, sources_section, summary_section
from reportgen.narrative.cpr import cpr_section
from reportgen.narrative.findings import key_findings_section, lede, scorecard_section
from reportgen.narrative.overview import headline_figures
from reportgen.narrative.qol import qol_section
from reportgen.phrases import Country, load_phrases
from reportgen.project import NO_PROJECT, Project
from reportgen.style import Style


def report_context(
    dataset: Dataset,
    facts: CountryFacts,
    style: Style,
    language: str,
    project: Project = NO_PROJECT,
) -> Context:
    """What the builders of one country's report (or profile) share; ``NoDataError`` for a
    country without any score. ``project``: its publisher and phrase overrides."""
    book = load_codebook(language)
    ph = load_phrases(language, project.phrases.get(language))
    c = Country.of(book.country(facts.code, dataset.names))
    if not facts.has_survey and facts.quality_of_life is None:
        raise NoDataError(
            f"{c.bare} ({facts.code}) has no scores in the release '{dataset.info.title}': there is nothing to report."
        )
    return Context(dataset, facts, style, book, ph, c, publisher=project.publisher)


def build_report(
    dataset: Dataset,
    facts: CountryFacts,
    style: Style,
    language: str = "en",
    project: Project = NO_PROJECT,
) -> Report:
    """Build the report model of one country from its facts, in ``language`` (``project``:
    the publisher's identity and phrase overrides)."""
    ctx = report_context(dataset, facts, style, language, project)
    c, info = ctx.c, dataset.info
    year = info.publication_year
    q = facts.quality_of_life
    cover = Cover(
        kicker=ctx.t("cover.kicker", year=year),
        title=c.bare,
        subtitle=ctx.t(
            "cover.subtitle"
            if facts.has_survey and q is not None
            else ("cover.subtitle_cpr" if facts.has_survey else "cover.subtitle_qol")
        ),
        lede=lede(ctx),
        figures=headline_figures(ctx),
        publisher=published_by(ctx),
    )
    # Findings first, then the chapters the data fill, the summary, the method once, sources.
    chapters = (
        key_findings_section(ctx),
        scorecard_section(ctx),
        cpr_section(ctx),
        qol_section(ctx),
        summary_section(ctx),
        how_to_read_section(ctx),
        sources_section(ctx),
    )
    return assemble(ctx, cover, chapters, "report")


def assemble(
    ctx: Context,
    cover: Cover,
    chapters: Sequence[Section | None],
    fmt: Literal["report", "profile"],
) -> Report:
    """A report (or profile) of ``ctx``'s country: ``chapters`` that have something to say,
    the metadata, running head and page label of ``fmt`` (phrases ``meta.*`` or
    ``profile.*``)."""
    info, year = ctx.dataset.info, ctx.dataset.info.publication_year
    key = "meta" if fmt == "report" else "profile"
    # (what the document has: a quality of life country's is not about civil and political
    # rights, nor about people at risk)
    cpr, qol = ctx.facts.has_survey, ctx.facts.quality_of_life is not None
    metadata = Metadata(
        title=ctx.t(f"{key}.{'title' if fmt == 'report' else 'meta_title'}", year=year),
        author=ctx.publisher.name if ctx.publisher is not None else info.publisher,
        subject=ctx.t("meta.subject", release=ctx.release, cpr=cpr, qol=qol),
        keywords=tuple(
            k.strip() for k in ctx.t("meta.keywords", year=year, cpr=cpr, qol=qol).split(";")
        ),
        language=ctx.ph.locale.replace("_", "-"),
        created=date(year, 1, 1).isoformat(),
    )
    return Report(
        country=ctx.facts.code,
        country_name=ctx.c.bare,
        language=ctx.ph.language,
        release_year=year,
        cover=cover,
        sections=tuple(s for s in chapters if s is not None and (s.blocks or s.children)),
        metadata=metadata,
        running_head=ctx.t(f"{key}.running_head", year=year),
        page_label=ctx.t("meta.page", page="{page}", pages="{pages}"),
        illustrative_mark=ctx.t("meta.illustrative") if info.illustrative else None,
        format=fmt,
        brand=_brand(ctx),
    )


def published_by(ctx: Context) -> str:
    """The cover's line naming the publisher, when not the data's author ("" otherwise)."""
    p = ctx.publisher
    if p is None:
        return ""
    return ctx.t("cover.published_by", publisher=p.name, url=p.url, address=p.address)


def _brand(ctx: Context) -> Brand | None:
    p = ctx.publisher
    if p is None or p.logo is None:
        return None
    return Brand(str(p.logo), p.logo_alt, hashlib.sha256(p.logo.read_bytes()).hexdigest())
