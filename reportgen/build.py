"""Build orchestration for one country: release + country → PDF file, written atomically.

In:  a loaded ``Dataset``, an ISO3 code, a ``Style``, a language, an output directory.
Out: the PDF's path. The pipeline runs one way (facts → narrative → charts → layout); this
module only sequences the stages and writes the result so that a failed or interrupted
run never leaves a half-written file or replaces a good one.

What every command that writes into an output folder shares (``write_atomic``,
``StagedFiles``, the temporaries' names, ``output_lock``) is ``reportgen.outputs``'s.

And what a report is made of: ``report_digest`` (its model, the style's resolved values, the
charts' number formats, the drawing code's version), which ``reportgen.batch`` compares with
the manifest's to lay out again only the reports whose pages would change.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache, partial
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.digests import canonical_json, style_values
from reportgen.editorial import Editorial, apply_editorial, editorial_file, read_editorial
from reportgen.errors import LayoutError
from reportgen.facts import CountryFacts, compute_facts
from reportgen.load import Dataset
from reportgen.model import Report
from reportgen.narrative import build_report
from reportgen.phrases import load_phrases
from reportgen.project import NO_PROJECT, Project
from reportgen.resources import PACKAGE_DIR
from reportgen.style import Style, profile_style

if TYPE_CHECKING:
    from reportgen.charts import ChartNumbers


@dataclass(frozen=True, slots=True)
class BuiltReport:
    """A report, its PDF bytes and its number of pages."""

    report: Report
    pdf: bytes
    pages: int
    scores: dict[
        str, float | None
    ]  # headline scores: empowerment, safety (/10), quality_of_life (%)
    # the facts it was built from, when its builder had them (``build_country``,
    # ``build_profile``): whoever records it need not compute them again
    facts: CountryFacts | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def filename(self) -> str:
        """``KAZ-kazakhstan-2020-en.pdf``: code, ASCII slug of the name, release year, language."""
        return report_filename(self.report)


def report_filename(r: Report) -> str:
    """``KAZ-kazakhstan-2020-en.pdf``: code, ASCII slug of the name, release year, language;
    ``KAZ-kazakhstan-2020-en-profile.pdf`` for a profile."""
    suffix = "-profile" if r.format == "profile" else ""
    return f"{r.country}-{slugify(r.country_name)}-{r.release_year}-{r.language}{suffix}.pdf"


SLUG_MAX = 80  # a file name stays far below the 255 bytes file systems allow


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: "São Tomé and Príncipe" → "sao-tome-and-principe";
    at most ``SLUG_MAX`` characters, cut at a hyphen, so any name makes a valid file name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("-", 1)[0] if "-" in slug[:SLUG_MAX] else slug[:SLUG_MAX]
    return slug or "country"


def build_country(
    dataset: Dataset,
    code: str,
    style: Style,
    language: str = "en",
    editorial: Path | None = None,
    project: Project = NO_PROJECT,
) -> BuiltReport:
    """Run facts → narrative → editorial → charts → layout for one country; return the report
    and PDF bytes. ``editorial``: a folder of editorial files (``reportgen.editorial``);
    ``project``: the publisher's identity and phrase overrides (``style`` carries its
    colours: ``project.branded_style``)."""
    facts, report = build_model(dataset, code, style, language, editorial, project)
    return replace(render_report(report, style, headline_scores(facts)), facts=facts)


def country_editorial(
    directory: Path | None, facts: CountryFacts, language: str, country_name: str
) -> Editorial | None:
    """The checked editorial file of ``facts``' country for ``language`` in ``directory`` (None:
    no folder given, or no file for the country); ``EditorialError`` if it cannot be used."""
    if directory is None:
        return None
    path = editorial_file(directory, facts.code, language)
    return None if path is None else read_editorial(path, facts, language, country_name)


def build_profile(
    dataset: Dataset,
    code: str,
    style: Style,
    language: str = "en",
    editorial: Path | None = None,
    facts: CountryFacts | None = None,
    project: Project = NO_PROJECT,
    untrimmed: Report | None = None,
) -> BuiltReport:
    """The two-page profile of one country: the same facts and rules as its report, its charts
    in their compact form (``facts``: the country's, when already computed; ``untrimmed``: its
    ``profile_model`` with nothing trimmed, when already made; ``editorial``: a folder of
    editorial files, whose blocks at the profile's anchors are placed).
    ``LayoutError`` if it does not fit two pages (no generated profile of the real or the demo
    release does: the tests build every one; editorial text can make one too long)."""
    from reportgen.narrative.profile import PROFILE_TRIMS

    facts = facts if facts is not None else compute_facts(dataset, code, style)
    dense = profile_style(style)
    for trim in range(PROFILE_TRIMS + 1):  # the whole first; less only where it does not fit
        profile = (
            untrimmed
            if trim == 0 and untrimmed is not None
            else profile_model(dataset, facts, style, language, trim, editorial, project)
        )
        built = render_report(profile, dense, headline_scores(facts), compact_charts=True)
        if built.pages <= PROFILE_PAGES:
            built = replace(built, facts=facts)
            break
    if built.pages > PROFILE_PAGES:
        placed = editorial is not None and editorial_file(editorial, code, language)
        raise LayoutError(
            f"The profile of {profile.country_name} ({code}, {language}) takes {built.pages} "
            f"pages, not {PROFILE_PAGES}: its content does not fit. "
            + (
                f"Shorten the editorial text of {placed} that the profile shows, or anchor it "
                "to sections only the full report has."
                if placed
                else "Report this as a bug; build its full report (--format report) meanwhile."
            )
        )
    return built


def profile_model(
    dataset: Dataset,
    facts: CountryFacts,
    style: Style,
    language: str,
    trim: int = 0,
    editorial: Path | None = None,
    project: Project = NO_PROJECT,
) -> Report:
    """What the profile of ``facts``' country says, with ``trim`` of its parts left out
    (``reportgen.narrative.profile.PROFILE_TRIMS``), and the blocks of its editorial file (in
    the folder ``editorial``) whose anchors the profile has. The untrimmed model decides the
    whole profile (how much is trimmed follows from it and the style), so its digest is the
    profile's. An editorial file is checked against the full report's anchors."""
    from reportgen.narrative.profile import build_profile as profile_narrative
    from reportgen.narrative.report import report_context

    name = report_context(dataset, facts, style, language).c.bare
    year = dataset.info.publication_year
    report_file = f"{facts.code}-{slugify(name)}-{year}-{language}.pdf"  # (as report_filename)
    profile = profile_narrative(dataset, facts, style, language, report_file, trim, project)
    placed = country_editorial(editorial, facts, language, name)
    if placed is None:
        return profile
    apply_editorial(build_report(dataset, facts, style, language, project), placed)  # (anchors)
    return apply_editorial(profile, placed, strict=False)


PROFILE_PAGES = 2


def build_model(
    dataset: Dataset,
    code: str,
    style: Style,
    language: str = "en",
    editorial: Path | None = None,
    project: Project = NO_PROJECT,
) -> tuple[CountryFacts, Report]:
    """Facts → narrative → editorial: what one country's report says (tens of ms; no drawing).
    ``editorial``: a folder of editorial files, whose file for the country is placed;
    ``project``: the publisher's identity and phrase overrides."""
    facts = compute_facts(dataset, code, style)
    report = build_report(dataset, facts, style, language, project)
    placed = country_editorial(editorial, facts, language, report.country_name)
    return facts, apply_editorial(report, placed)


def render_report(
    report: Report,
    style: Style,
    scores: Mapping[str, float | None],
    *,
    compact_charts: bool = False,
) -> BuiltReport:
    """Charts → layout: the pages of ``report`` (the costly part: a few tenths of a second).

    ``compact_charts`` draws every chart that has a compact form in it (the profile)."""
    # Imported here: a batch that finds its reports unchanged never loads matplotlib or reportlab.
    from reportgen.charts import compactable, render_chart
    from reportgen.layout.document import chart_width, render_pdf

    numbers = chart_numbers(report.language)
    drawings = {
        chart.id: render_chart(
            chart.spec,
            style,
            chart_width(style, chart),
            **numbers,
            compact=compact_charts and compactable(chart.spec),
        )
        for chart in report.charts()
    }
    # The compact form of the charts whose height is free: set where a page has room for it
    # but not for the chart, instead of leaving the rest of the page blank.
    # (drawn only where the layout asks for one)
    compact = {
        chart.id: partial(
            render_chart, chart.spec, style, chart_width(style, chart), **numbers, compact=True
        )
        for chart in report.charts()
        if compactable(chart.spec) and not compact_charts
    }
    rendered = render_pdf(report, drawings, style, compact=compact)
    return BuiltReport(report, rendered.data, rendered.pages, dict(scores))


def chart_numbers(language: str) -> ChartNumbers:
    """How the charts of ``language`` print numbers: decimal symbol, percent pattern."""
    phrases = load_phrases(language)
    return {"decimal": phrases.decimal_symbol, "percent": phrases.percent_template}


def headline_scores(facts: CountryFacts) -> dict[str, float | None]:
    """The three headline scores of a country (None where not produced)."""
    q = facts.quality_of_life
    return {
        "empowerment": facts.empowerment.score.mean
        if facts.empowerment and facts.empowerment.score
        else None,
        "safety": facts.safety.score.mean if facts.safety and facts.safety.score else None,
        "quality_of_life": q.income_adjusted if q else None,
    }


def recorded_scores(facts: CountryFacts) -> dict[str, float | None]:
    """What a batch manifest records of a country: its three headline scores
    (``headline_scores``) and each right's, by the codebook's right key (/10 for the civil and
    political rights, % of feasible at the country's income for the quality of life rights;
    a right without a figure is left out), unrounded."""
    scores = headline_scores(facts)
    for dim in (facts.empowerment, facts.safety):
        for right in dim.rights if dim is not None else ():
            scores[right.key] = right.score.mean
    for esr in facts.quality_of_life.rights if facts.quality_of_life is not None else ():
        scores[esr.key] = esr.income_adjusted
    return scores


# --- what a report is made of: its digest ------------------------------------------------------

# The drawing side of the pipeline (model → PDF bytes) is these modules and every module of the
# package they import, followed at any depth: a new drawing module counts without being listed.
# This module, which sequences them, counts too. The building side (the release, facts,
# narrative, phrases, codebooks) changes a report only through its model, which the digest holds.
_DRAWING_ROOTS = ("reportgen.layout.document", "reportgen.charts")
# What the drawing code draws with: another version may change the bytes of a page.
_DRAWING_LIBRARIES = ("reportlab", "rl-accel", "matplotlib", "numpy", "pillow", "pikepdf")


def report_digest(report: Report, style: Style) -> str:
    """What the pages of ``report`` are made of, as 32 hex digits of SHA-256.

    The built model (every word, figure and chart value a page shows, the metadata, running
    head and illustrative mark), the style's resolved values (not its files: a comment or a
    reordered key changes nothing), how the charts print numbers in the report's language,
    and the version of the drawing code (``drawing_digest``). The output is reproducible, so
    an equal digest means an identical PDF, and anything that changes what a page shows
    changes the digest: ``reportgen batch`` rebuilds exactly the reports whose digest changed.
    """
    made_of = {
        "model": report,
        "style": style_values(style),
        "numbers": chart_numbers(report.language),
        # a publisher's own text face: its bytes (the style has only the paths)
        "faces": [_file_sha256(f, Path(f).stat().st_mtime_ns) for f in style.fonts.text_faces],
    }
    digest = hashlib.sha256(drawing_digest().encode())
    digest.update(canonical_json(made_of))
    return digest.hexdigest()[:32]


@functools.lru_cache(maxsize=16)
def _file_sha256(path: str, mtime_ns: int) -> str:
    """A file's SHA-256, read once per version (a batch digests every report with the same
    font files: reading them each time would read megabytes per report)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@cache
def drawing_digest() -> str:
    """The version of the code that draws a report: its modules' source and its libraries."""
    digest = hashlib.sha256()
    for path in drawing_modules():
        digest.update(f"{path.relative_to(PACKAGE_DIR.parent).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    for library in _DRAWING_LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = ""
        digest.update(f"{library}=={version}\n".encode())
    return digest.hexdigest()


def drawing_modules() -> list[Path]:
    """The source files of the drawing side: ``_DRAWING_ROOTS``, the package modules they
    import (read from their source, imports inside functions included, those only for type
    checkers left out), and this module."""
    found: dict[str, Path] = {}
    todo = [*_DRAWING_ROOTS]
    while todo:
        name = todo.pop()
        path = _module_file(name)
        if name in found or path is None:  # None: a name imported from a module, not a module
            continue
        found[name] = path
        todo += [name.rpartition(".")[0]] if "." in name else []  # its package runs first
        todo += imported_names(path.read_text(encoding="utf-8"))
    return sorted({*found.values(), Path(__file__).resolve()})


# Read as text, not parsed (parsing the drawing side's thirty modules took a tenth of a second
# of every process that builds; the tests check these against Python's own parser on every
# module of the package): triple-quoted strings, then blocks under ``if TYPE_CHECKING:``, are
# taken out; what is left of each import statement names its modules.
_TRIPLE_QUOTED = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'')
_TYPING_ONLY = re.compile(r"^([ \t]*)if TYPE_CHECKING:[^\n]*\n(?:(?:\1[ \t]+[^\n]*)?\n)*", re.M)
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
    r"|import[ \t]+([^\n]*))",
    re.M,
)


def imported_names(source: str) -> list[str]:
    """What the absolute imports of ``source`` name, typing-only ones left out: each
    ``import a.b`` gives "a.b", each ``from a import b`` gives "a" and "a.b" (``b`` may be a
    module or a name in ``a``)."""
    code = _TYPING_ONLY.sub("", _TRIPLE_QUOTED.sub('""', source))
    names: list[str] = []
    for match in _IMPORT.finditer(code):
        module, imported, plain = match.groups()
        words = [
            word.split("#")[0].strip().split(" as ")[0].strip()
            for line in (imported if module else plain).strip("()").splitlines()
            for word in line.split("#")[0].split(",")
        ]
        words = [w for w in words if w]
        names += [module, *(f"{module}.{w}" for w in words)] if module else words
    return names


def _module_file(name: str) -> Path | None:
    """The source file of package module ``name`` (``reportgen.x.y``), or None."""
    top, _, rest = name.partition(".")
    if top != PACKAGE_DIR.name:
        return None
    base = PACKAGE_DIR.joinpath(*rest.split(".")) if rest else PACKAGE_DIR
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None
