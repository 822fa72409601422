"""The command line: one entry point, ``reportgen``, over the pipeline's stages.

In:  command-line arguments. Out: files, printed results and an exit code: 0 on success,
1 when the input has errors or an output cannot be written (a full disk, a folder where a
file should be, another run writing to the same folder; printed as one clear message each,
never a traceback), 2 for usage errors (Typer's own).

Commands that write into a folder (``build``, ``batch``, ``compendium``) hold its lock
(``<out>/.reportgen.lock``) while they write: a second one refuses at once, naming the
folder and the other run's pid, or waits for it with ``--wait``.

Each command imports its stage when it runs; ``distribute`` turns its options into a call of
``reportgen.distribute.distribute`` and prints the plan (``--dry-run``), progress and the
summary, exiting 1 when any report failed or is in doubt.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from reportgen import __version__
from reportgen.errors import DataValidationError, ReportgenError
from reportgen.resources import demo_data_dir, docs_dir

if TYPE_CHECKING:
    from concurrent.futures import Executor
    from email.headerregistry import Address

    from reportgen.distribute import LedgerPlace, OutcomeStatus, Plan, PlannedMessage, Summary
    from reportgen.project import Project

app = typer.Typer(
    name="reportgen",
    help=(
        "Publication-quality PDF country reports from HRMI human-rights data.\n\n"
        "Point --data at an HRMI release directory (the data portal's CSV files) "
        "or use the shipped demo release (data/demo)."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
log = logging.getLogger("reportgen")


class _ConsoleHandler(logging.Handler):
    """Log records as the command line prints its messages: on stderr, one per line, a
    record's ``label`` ("note:", "warning:") coloured before it; an error's in red."""

    def emit(self, record: logging.LogRecord) -> None:
        label = getattr(record, "label", None)
        if label is None and record.levelno >= logging.ERROR:
            label = "error:"
        if label:
            colour = "red" if record.levelno >= logging.ERROR else "yellow"
            err.print(f"[bold {colour}]{label}[/bold {colour}]", end=" ")
        err.print(record.getMessage(), markup=False)


def _configure_logging(level: int) -> None:
    """Send the ``reportgen`` loggers' records of ``level`` and above to stderr, once."""
    log.setLevel(level)
    if not any(isinstance(h, _ConsoleHandler) for h in log.handlers):
        log.addHandler(_ConsoleHandler())
    log.propagate = False


_configure_logging(logging.INFO)  # (the root command sets the level of each run)


def _quiet() -> bool:
    return not log.isEnabledFor(logging.INFO)


JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON document on stdout instead of text (schema: docs/json.md).",
    ),
]


def _print_json(document: dict[str, Any]) -> None:
    from reportgen.jsonout import dumps

    sys.stdout.write(dumps(document))
    sys.stdout.flush()


DataOption = Annotated[
    Path,
    typer.Option(
        "--data",
        "-d",
        help="HRMI release directory (CSV files as published).",
        show_default="the shipped demo release",
    ),
]
DEMO = demo_data_dir()  # the default release, wherever the command is run from
StyleOption = Annotated[
    str,
    typer.Option("--style", help="Style name in styles/ or path to a .toml style file."),
]


def _languages(lang: str) -> list[str]:
    """``--lang`` → the languages it names: one code, a comma-separated list, or ``all``."""
    from reportgen.phrases import available_languages

    available = available_languages()
    lang = lang.lower()  # ("--lang EN" is English)
    wanted = available if lang.strip() == "all" else [x.strip() for x in lang.split(",")]
    unknown = [x for x in wanted if x not in available]
    if unknown:
        raise ReportgenError(
            f"Unknown language {', '.join(map(repr, unknown))}: use one of {', '.join(available)} or all."
        )
    return wanted


def _complete_lang(incomplete: str) -> list[str]:
    """Shell completion of ``--lang``: the languages, ``all``, and after a comma the rest."""
    from reportgen.phrases import available_languages

    done, _, last = incomplete.rpartition(",")
    given = set(done.split(",")) if done else set()
    options = [x for x in available_languages() if x not in given]
    prefix = f"{done}," if done else ""
    return [prefix + x for x in [*options, *([] if done else ["all"])] if x.startswith(last)]


def _complete_country(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion of a country: the ISO3 codes of the ``--data`` release (default: the
    demo's) that start with what was typed, each with its name."""
    from reportgen.codebook import load_codebook
    from reportgen.load import load_release

    try:
        dataset = load_release(Path(ctx.params.get("data") or DEMO))
    except ReportgenError:
        return []
    book = load_codebook("en")
    return [
        (code, book.country(code, dataset.names).name)
        for code in dataset.country_codes()
        if code.startswith(incomplete.upper())
    ]


def _complete_format(incomplete: str) -> list[str]:
    return [f for f in ("report", "profile", "report,profile") if f.startswith(incomplete)]


def _complete_page_size(incomplete: str) -> list[str]:
    return [x for x in ("A4", "Letter") if x.lower().startswith(incomplete.lower())]


def _complete_executor(incomplete: str) -> list[str]:
    return [x for x in ("process", "dask") if x.startswith(incomplete)]


LangOption = Annotated[
    str,
    typer.Option(
        "--lang",
        help="Report language: en, es, fr, pt, a comma-separated list, or all.",
        autocompletion=_complete_lang,
    ),
]
PageSizeOption = Annotated[
    str | None,
    typer.Option(
        "--page-size",
        help="A4 or Letter (default: the style's).",
        autocompletion=_complete_page_size,
    ),
]
WaitOption = Annotated[
    bool,
    typer.Option(
        "--wait",
        help="When another reportgen run is writing to the same folder, wait for it to "
        "finish instead of stopping.",
    ),
]


EditorialOption = Annotated[
    Path | None,
    typer.Option(
        "--editorial",
        help="Folder of editorial Markdown files (KAZ.md, KAZ.fr.md) placed in the reports.",
    ),
]


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Project file: the publisher's name, logo, colours, citation and defaults "
        "(default: reportgen.toml in the working directory, if there is one).",
    ),
]
_PROJECT_KEYS = {"out_dir": "out", "fmt": "format"}  # parameter → the project's [defaults] key


def _project(config: Path | None) -> Project:
    """The project file of this run (``--config``, else ./reportgen.toml, else none)."""
    from reportgen.project import load_project

    return load_project(config)


def _with_project(
    ctx: typer.Context, config: Path | None, **values: Any
) -> tuple[Project, tuple[Any, ...]]:
    """The run's project file and the options ``values`` (in their order) as ``_defaults``
    gives them."""
    project = _project(config)
    return project, tuple(_defaults(ctx, project, values).values())


def _defaults(ctx: typer.Context, project: Project, values: dict[str, Any]) -> dict[str, Any]:
    """Each option's value: as given on the command line, else the project's default for it,
    else the option's own default."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        key = _PROJECT_KEYS.get(name, name)
        source = ctx.get_parameter_source(name)  # (click's: COMMANDLINE, ENVIRONMENT, DEFAULT…)
        given = source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")
        out[name] = value if given else project.default(key, None, value)
        if not given and key in ("data", "editorial", "out") and key in project.defaults:
            out[name] = Path(out[name])
    return out


def _waiting(message: str) -> None:
    log.warning(message)


def _version(value: bool) -> None:
    if value:
        out.print(f"reportgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print only warnings, errors and what a command answers (no progress lines, "
            "no summaries). Anywhere on the command line.",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also print details of the run, and the traceback of an internal error. "
            "Anywhere on the command line.",
        ),
    ] = False,
) -> None:
    """Publication-quality PDF country reports from HRMI human-rights data."""
    if quiet and verbose:
        raise typer.BadParameter("give --quiet or --verbose, not both", param_hint="--quiet")
    _configure_logging(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)


@app.command()
def validate(
    release: Annotated[
        Path | None, typer.Argument(help="HRMI release directory to check (or --data).")
    ] = None,
    data_option: Annotated[
        Path | None,
        typer.Option("--data", "-d", help="HRMI release directory to check, as elsewhere."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a release directory and list every problem (file, row, column, value, fix).
    Exits 1 when the release has errors (notes alone do not stop it)."""
    from reportgen import jsonout
    from reportgen.load import load_release

    if release is not None and data_option is not None and release != data_option:
        raise ReportgenError(
            f"Two release directories given ({release} and --data {data_option}): give one."
        )
    given = release if release is not None else data_option
    if given is None:
        raise ReportgenError(
            "Give the release directory to check: `reportgen validate --data DIR`."
        )
    data = given

    try:
        dataset = load_release(data)
    except DataValidationError as exc:
        if as_json:
            _print_json(jsonout.validate(data, exc.problems, None, exc.error_count))
            raise typer.Exit(1) from None
        for problem in exc.problems:
            label = "[red]error[/red]" if problem.severity == "error" else "[yellow]note[/yellow]"
            out.print(label, end=" ")
            out.print(str(problem), markup=False)
        err.print(f"[red]{exc.error_count:,} error(s): the release cannot be used as it is.[/red]")
        raise typer.Exit(1) from None
    if as_json:
        _print_json(jsonout.validate(data, list(dataset.notes), dataset, 0))
        return
    for problem in dataset.notes:
        out.print("[yellow]note[/yellow]", end=" ")
        out.print(str(problem), markup=False)
    info = dataset.info
    out.print(
        f"[green]OK[/green] {info.title}: {len(dataset.countries)} countries, "
        f"{len(dataset.survey_countries())} with survey data "
        f"({', '.join(map(str, info.cpr_years)) or 'none'}), quality of life "
        f"{info.esr_years[0] if info.esr_years else '-'}–{info.esr_years[-1] if info.esr_years else '-'}"
        f"{'; illustrative data' if info.illustrative else ''}."
    )


def _is_tty(console: Console) -> bool:
    """Whether ``console`` writes to a terminal (FORCE_COLOR makes Rich say so for a pipe)."""
    isatty = getattr(console.file, "isatty", None)
    return bool(isatty is not None and isatty())


@app.command()
def countries(data: DataOption = DEMO, as_json: JsonOption = False) -> None:
    """List the countries of a release with their codes, regions and what data they have
    (a table on a terminal; piped, tab-separated lines with a header, never wrapped)."""
    from reportgen import jsonout
    from reportgen.load import load_release

    document = jsonout.countries(load_release(data))
    if as_json:
        _print_json(document)
        return
    header = ("code", "country", "region", "survey", "quality of life")
    rows = [
        (
            c["code"],
            c["name"],
            c["region_name"],
            "yes" if c["survey"] else "",
            "yes" if c["quality_of_life"] else "",
        )
        for c in document["countries"]
    ]
    if not _is_tty(out):
        sys.stdout.write("".join("\t".join(row) + "\n" for row in [header, *rows]))
        return
    table = Table(*header)
    for row in rows:
        table.add_row(*row)
    out.print(table)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


@app.command()
def facts(
    country: Annotated[str, typer.Argument(help="ISO3 code or English name, any case.")],
    data: DataOption = DEMO,
    style: StyleOption = "base",
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Print every fact a report on COUNTRY states, so its numbers can be audited."""
    from reportgen.facts import compute_facts, resolve_country
    from reportgen.factsview import render_facts
    from reportgen.load import load_release
    from reportgen.style import load_style

    dataset = load_release(data)
    code = resolve_country(dataset, country)
    result = compute_facts(dataset, code, load_style(style))
    if as_json:
        out.print_json(json.dumps(_jsonable(result), ensure_ascii=False))
    else:
        out.print(render_facts(result, dataset), markup=False)


@app.command()
def text(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(help="ISO3 code or English name, any case.")],
    data: DataOption = DEMO,
    style: StyleOption = "base",
    lang: LangOption = "en",
    editorial: EditorialOption = None,
    config: ConfigOption = None,
) -> None:
    """Print the whole report on COUNTRY as plain text (Markdown headings), for review and diffs
    (several languages: one after the other)."""
    from reportgen.build import build_model
    from reportgen.facts import resolve_country
    from reportgen.load import load_release
    from reportgen.project import branded_style
    from reportgen.style import load_style
    from reportgen.textrender import render_text

    project, (data, style, editorial) = _with_project(
        ctx, config, data=data, style=style, editorial=editorial
    )
    dataset = load_release(data)
    the_style = branded_style(load_style(style), project)
    code = resolve_country(dataset, country)
    texts = [
        render_text(build_model(dataset, code, the_style, language, editorial, project)[1])
        for language in _languages(lang)
    ]
    out.print("\n".join(texts), markup=False, end="")


@app.command()
def anchors(
    country: Annotated[str, typer.Argument(help="ISO3 code or English name, any case.")],
    data: DataOption = DEMO,
    style: StyleOption = "base",
    lang: Annotated[
        str,
        typer.Option(
            "--lang", help="Report language: en, es, fr or pt.", autocompletion=_complete_lang
        ),
    ] = "en",
) -> None:
    """List the anchors of COUNTRY's report: where an editorial file's `## after: ANCHOR` and
    `## before: ANCHOR` blocks may go (those the profile also has are marked)."""
    from reportgen.build import build_model, profile_model
    from reportgen.editorial import anchors as list_anchors
    from reportgen.facts import resolve_country
    from reportgen.load import load_release
    from reportgen.style import load_style

    languages = _languages(lang)
    if len(languages) != 1:
        raise ReportgenError(f"--lang {lang}: anchors lists one language's; give one.")
    lang = languages[0]
    dataset = load_release(data)
    the_style = load_style(style)
    code = resolve_country(dataset, country)
    facts, report = build_model(dataset, code, the_style, lang)
    in_profile = {a.name for a in list_anchors(profile_model(dataset, facts, the_style, lang))}
    for anchor in list_anchors(report):
        mark = "  (also in the profile)" if anchor.name in in_profile else ""
        out.print(
            f"{'  ' * (anchor.level - 1)}{anchor.name:<{36 - 2 * anchor.level}} {anchor.title}{mark}",
            markup=False,
        )


def _written_in(path: Path) -> str:
    """The ``language`` an editorial file's front matter gives, else "en"."""
    import tomllib

    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if lines and lines[0].strip() == "+++" and "+++" in (line.strip() for line in lines[1:]):
        end = [line.strip() for line in lines].index("+++", 1)
        try:
            value = tomllib.loads("\n".join(lines[1:end])).get("language", "en")
        except tomllib.TOMLDecodeError:
            return "en"  # (the check itself reports it)
        return str(value).lower()
    return "en"


@app.command("check-editorial")
def check_editorial(
    folder: Annotated[Path, typer.Argument(help="Folder of editorial Markdown files.")],
    data: DataOption = DEMO,
    style: StyleOption = "base",
) -> None:
    """Check every editorial file of FOLDER against the data, without building anything:
    file names, front matter, anchors, placeholders, and every number written beside a right's
    or a dimension's name. Prints each problem with its file and line; exits 1 if any."""
    from reportgen.build import build_model, profile_model
    from reportgen.editorial import editorial_files
    from reportgen.load import load_release
    from reportgen.style import load_style

    dataset = load_release(data)
    the_style = load_style(style)
    files = editorial_files(folder, dataset.country_codes())
    problems: list[str] = []
    for code, language in files:
        # a file for every language is checked in the language it says it is in (or English)
        for lang in [language or _written_in(files[(code, language)])]:
            try:
                build_model(dataset, code, the_style, lang, folder)
                facts, _ = build_model(dataset, code, the_style, lang)
                profile_model(dataset, facts, the_style, lang, editorial=folder)
            except ReportgenError as exc:  # (an editorial file's, or a country without data)
                message = str(exc)
                if message not in problems:
                    problems.append(message)
    for message in problems:
        err.print(message, markup=False)
    if problems:
        raise typer.Exit(1)
    out.print(f"{len(files)} editorial file(s) checked: no problem.")


FORMATS = ("report", "profile")


def _formats(value: str) -> list[str]:
    """``--format``: one format or a comma-separated list (``report,profile``), any case."""
    asked = [v.strip().lower() for v in value.split(",") if v.strip()]
    wrong = [v for v in asked if v not in FORMATS]
    if wrong or not asked:
        raise ReportgenError(f"--format must be report, profile or report,profile, not {value!r}.")
    return list(dict.fromkeys(asked))


FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="report (the full publication), profile (two pages), or report,profile.",
        autocompletion=_complete_format,
    ),
]


@app.command()
def build(
    ctx: typer.Context,
    countries: Annotated[
        list[str],
        typer.Argument(
            help="ISO3 codes or English names, any case.", autocompletion=_complete_country
        ),
    ],
    data: DataOption = DEMO,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory for the PDFs.")] = Path(
        "output"
    ),
    style: StyleOption = "base",
    lang: LangOption = "en",
    page_size: PageSizeOption = None,
    wait: WaitOption = False,
    fmt: FormatOption = "report",
    editorial: EditorialOption = None,
    config: ConfigOption = None,
) -> None:
    """Build the PDF report (or profile) of each COUNTRY and print each file's path.

    All or nothing: every country is resolved and every report built before any is
    written; the files are then staged next to their targets and renamed into place together,
    so a failure (an unknown country, a report that cannot be built, a full disk) writes none.
    """
    from reportgen.batch import manifest_entry, prepare_output, release_of, sized_style
    from reportgen.build import BuiltReport, build_country, build_profile
    from reportgen.errors import OutputError
    from reportgen.facts import resolve_country
    from reportgen.load import load_release
    from reportgen.manifest import ManifestJournal
    from reportgen.outputs import StagedFiles, output_lock
    from reportgen.project import branded_style
    from reportgen.style import load_style

    project, (data, style, lang, fmt, editorial, out_dir) = _with_project(
        ctx,
        config,
        data=data,
        style=style,
        lang=lang,
        fmt=fmt,
        editorial=editorial,
        out_dir=out_dir,
    )
    dataset = load_release(data)
    the_style = sized_style(branded_style(load_style(style), project), page_size)
    languages = _languages(lang)
    formats = _formats(fmt)
    builders: dict[str, Callable[..., BuiltReport]] = {
        "report": build_country,
        "profile": build_profile,
    }
    nothing = (
        " No report was written." if len(countries) * len(languages) * len(formats) > 1 else ""
    )
    try:
        # All checked before any is built; a country named twice is built once.
        codes = list(dict.fromkeys(resolve_country(dataset, c) for c in countries))
        if editorial is not None:
            from reportgen.editorial import editorial_files

            editorial_files(editorial, dataset.country_codes())  # (every file named right)
        built = [
            builders[kind](dataset, code, the_style, language, editorial=editorial, project=project)
            for code in codes
            for language in languages
            for kind in formats
        ]
    except DataValidationError:
        raise  # its own message lists every problem
    except ReportgenError as exc:
        raise ReportgenError(f"{exc}{nothing}") from None
    # Recorded in the folder's manifest with the PDFs (as a batch records them), so that
    # `distribute` and `compendium` work after `build` and a batch finds them unchanged.
    entries = [manifest_entry(dataset, r, the_style, editorial, project) for r in built]
    prepare_output(out_dir)
    with output_lock(out_dir, wait=wait, on_wait=_waiting), StagedFiles() as staged:
        journal = ManifestJournal(out_dir, release_of(dataset))
        for entry in entries:
            journal.put(entry)
        try:
            for result in built:
                staged.add(out_dir / result.filename, result.pdf)
            staged.add(journal.path, journal.merged_bytes())
        except OutputError as exc:
            raise OutputError(f"{exc}{nothing}") from None
        written = staged.commit()
    for path in written[:-1]:
        out.print(str(path))


@app.command()
def batch(
    ctx: typer.Context,
    data: DataOption = DEMO,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory for the PDFs.")] = Path(
        "output"
    ),
    countries: Annotated[
        list[str] | None,
        typer.Option("--countries", "-c", help="Only these countries (repeat the option)."),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Only this region (code or name).")
    ] = None,
    survey_only: Annotated[
        bool, typer.Option("--survey-only", help="Only countries with survey (CPR) data.")
    ] = False,
    style: StyleOption = "base",
    lang: LangOption = "en",
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes (default: all cores); with --executor dask, the local "
            "cluster's workers.",
        ),
    ] = None,
    executor_name: Annotated[
        str,
        typer.Option(
            "--executor",
            help="process: a pool of worker processes on this machine; dask: a local Dask "
            "cluster (pip install 'reportgen[cluster]').",
            autocompletion=_complete_executor,
        ),
    ] = "process",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Run on the Dask cluster of this scheduler (tcp://host:8786); its workers "
            "must see --data and --out at the same paths.",
        ),
    ] = None,
    page_size: PageSizeOption = None,
    as_json: JsonOption = False,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even unchanged reports.")] = False,
    compendium: Annotated[
        bool, typer.Option("--compendium/--no-compendium", help="Also bind the annual compendium.")
    ] = True,
    wait: WaitOption = False,
    fmt: FormatOption = "report",
    editorial: EditorialOption = None,
    config: ConfigOption = None,
) -> None:
    """Build the report (or profile) of every country of a release (in parallel, incrementally)
    and the compendium.

    The compendium binds the profiles when the run builds them (--format profile or
    report,profile), the full reports otherwise.
    """
    from reportgen import jsonout
    from reportgen.batch import Request, prepare_output, run_batch, settled_batch
    from reportgen.manifest import MANIFEST
    from reportgen.outputs import output_lock
    from reportgen.progress import BatchProgress

    project, (data, style, lang, fmt, editorial, out_dir) = _with_project(
        ctx,
        config,
        data=data,
        style=style,
        lang=lang,
        fmt=fmt,
        editorial=editorial,
        out_dir=out_dir,
    )
    languages = _languages(lang)
    formats = _formats(fmt)
    _dask(executor_name, scheduler, jobs)  # (its options checked before anything runs)
    if page_size is not None:
        from reportgen.batch import sized_style
        from reportgen.style import load_style

        sized_style(load_style(style), page_size)  # (refused before the folder is made)
    request = Request(tuple(countries or ()), region, survey_only)
    books: list[tuple[str, Path, bool]] = []
    # One lock over the reports and the compendium: no other run changes the folder between.
    with ExitStack() as held:
        settled = None
        if not force and (out_dir / MANIFEST).is_file():
            # Nothing to build? Told from the manifest and the files alone (no release read).
            held.enter_context(output_lock(out_dir, wait=wait, on_wait=_waiting))
            settled = settled_batch(
                data, out_dir, request, languages, style, formats, editorial, project, page_size
            )
        codes: list[str] = []
        if settled is None:
            from reportgen.batch import load_batch_release, select_countries

            dataset = load_batch_release(data)  # loaded once: run_batch finds it in its cache
            codes = select_countries(dataset, request.countries, region, survey_only)
        prepare_output(out_dir)
        held.enter_context(output_lock(out_dir, wait=wait, on_wait=_waiting))
        with (
            nullcontext(None)
            if settled is not None
            else _executor(executor_name, scheduler, jobs) as executor,
            BatchProgress(err, quiet=_quiet()) as progress,
        ):
            if settled is not None:
                result = settled
                progress.start(len(result.outcomes))
                for done, outcome in enumerate(result.outcomes, 1):
                    progress.advance(outcome, done, len(result.outcomes))
            else:
                result = run_batch(
                    data,
                    out_dir,
                    codes,
                    tuple(languages),
                    style,
                    None if executor is not None else jobs,
                    force,
                    executor=executor,
                    progress=progress.advance,
                    on_start=progress.start,
                    formats=formats,
                    editorial=editorial,
                    project=project,
                    page_size=page_size,
                    request=request,
                )
        if not as_json and not _quiet():
            BatchProgress.summary(out, result)
        elif not as_json:
            BatchProgress.failures(result)
        if compendium:
            from reportgen.batch import bind_compendium

            book = "profile" if "profile" in formats else "report"
            for language in languages:  # bound again only when what it binds changed
                path, bound = bind_compendium(out_dir, language, style, force, book)
                books.append((language, path, bound))
                if not as_json:
                    out.print(f"compendium: {path}" + ("" if bound else " (unchanged)"))
    if as_json:
        _print_json(jsonout.batch(result, books))
    if result.failed:
        raise typer.Exit(1)


def _dask(name: str, scheduler: str | None, jobs: int | None) -> Any:
    """Dask's ``distributed`` module when ``--executor dask`` or ``--scheduler`` asks for it
    (None: the batch's own process pool). Refuses an unknown executor, ``--jobs`` beside a
    scheduler (its workers are the cluster's), and Dask not installed: before anything runs."""
    import importlib

    name = name.strip().lower()
    if name not in ("process", "dask"):
        raise ReportgenError(f"--executor must be process or dask, not {name!r}.")
    if scheduler is None and name == "process":
        return None
    if scheduler is not None and jobs is not None:
        raise ReportgenError(
            f"--jobs {jobs} with --scheduler: the cluster's workers are its own. Leave out "
            "--jobs (start more workers on the cluster instead)."
        )
    try:
        return importlib.import_module("distributed")  # (its calls are untyped)
    except ImportError:
        raise ReportgenError(
            "--executor dask and --scheduler need Dask: pip install 'reportgen[cluster]'."
        ) from None


@contextmanager
def _executor(name: str, scheduler: str | None, jobs: int | None) -> Iterator[Executor | None]:
    """The executor of ``--executor`` and ``--scheduler`` (None: the batch's own process
    pool of ``jobs`` workers), shut down (with its local cluster) when the block ends."""
    distributed = _dask(name, scheduler, jobs)
    if distributed is None:
        yield None
        return
    Client, LocalCluster = distributed.Client, distributed.LocalCluster  # noqa: N806
    cluster: Any = None
    try:
        if scheduler is not None:
            log.info(f"connecting to the Dask scheduler at {scheduler}")
            client = Client(scheduler, timeout=15, set_as_default=False)
        else:
            workers = jobs or os.cpu_count() or 1
            log.info(f"starting a local Dask cluster of {workers} worker process(es)")
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        where = f"the Dask scheduler at {scheduler}" if scheduler else "a local Dask cluster"
        raise ReportgenError(f"Cannot reach {where}: {exc}.") from None
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@app.command()
def compendium(
    reports: Annotated[
        Path,
        typer.Option("--reports", "-r", help="Directory of reports built by `batch` or `build`."),
    ] = Path("output"),
    lang: LangOption = "en",
    style: StyleOption = "base",
    output: Annotated[
        Path | None, typer.Option("--output", help="Compendium file (default: in --reports).")
    ] = None,
    wait: WaitOption = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="What to bind: profile (the two-page profiles) or report (full)."
        ),
    ] = "profile",
    page_size: Annotated[
        str | None,
        typer.Option(
            "--page-size",
            help="A4 or Letter: checked against the reports' (default: theirs, which the "
            "book's own pages take).",
        ),
    ] = None,
) -> None:
    """Bind the profiles (or, with --format report, the full reports) listed in a batch
    manifest into the annual compendium."""
    from contextlib import AbstractContextManager, nullcontext

    from reportgen.compendium import build_compendium
    from reportgen.outputs import output_lock

    languages = _languages(lang)
    book = fmt.strip().lower()
    if book not in FORMATS:
        raise ReportgenError(f"--format must be profile or report, not {fmt!r}.")
    if output is not None and len(languages) > 1:
        raise ReportgenError("--output names one file: give one --lang with it.")
    if output is not None and output.is_dir():
        raise ReportgenError(
            f"--output {output} is a folder: give the compendium's file name, for example "
            f"--output {output / 'compendium.pdf'}."
        )
    # The folder's lock: no batch changes the reports while they are bound.
    lock: AbstractContextManager[None] = (
        output_lock(reports, wait=wait, on_wait=_waiting, required=False)
        if reports.is_dir()
        else nullcontext()
    )
    with lock:
        for language in languages:
            path = build_compendium(
                reports, language, output=output, style=style, format=book, page_size=page_size
            )
            out.print(str(path))


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="PDF file to check.")],
    as_json: JsonOption = False,
) -> None:
    """Check a PDF: tagged, fonts embedded, language, title, alt text, no untagged content.
    Exits 1 when a check fails or the file is no readable PDF."""
    from reportgen.check import check_command

    raise typer.Exit(check_command(file, as_json=as_json))


# --- distribute ------------------------------------------------------------------------------


def _print_plan(plan: Plan, sender: Address) -> None:
    from reportgen.distribute import MB

    for message in plan.messages:
        r = message.recipient
        part = f" (part {message.part} of {message.parts})" if message.parts > 1 else ""
        out.print(f"would send{part} to {r.name} <{r.email}> [{r.language}]", markup=False)
        out.print(f"  from:    {sender}", markup=False)
        out.print(f"  subject: {message.subject}", markup=False)
        for report in message.reports:
            out.print(f"  attach:  {report.file} ({report.bytes / 1000:.0f} kB)", markup=False)
        out.print(f"  size:    about {message.estimated_bytes / MB:.1f} MB", markup=False)


def _print_summary(summary: Summary, dry: bool = False, counts: bool = True) -> None:
    """Print the closing summary: counts (unless not ``counts``: ``--quiet``), then every
    failure, doubt and gap with its reason."""
    from reportgen.distribute import NOT_ATTEMPTED

    table = Table(
        "emails" if not dry else "emails to send",
        "sent" if not dry else "to send",
        "already sent",
        "changed",
        "uncertain",
        "failed",
        "unavailable",
        title="distribute" + (" (dry run: nothing sent)" if dry else ""),
    )
    table.add_row(
        str(summary.messages),
        str(summary.count("would send" if dry else "sent")),
        str(summary.count("already sent")),
        str(summary.count("changed")),
        str(summary.count("uncertain")),
        str(summary.count("failed")),
        str(summary.count("unavailable")),
    )
    if counts:
        out.print(table)
    labels: list[tuple[OutcomeStatus, str]] = [
        ("failed", "[red]failed[/red]"),
        ("uncertain", "[yellow]uncertain[/yellow]"),
        ("changed", "[yellow]changed[/yellow]"),
        ("unavailable", "[yellow]unavailable[/yellow]"),
    ]
    not_attempted = [o for o in summary.of("failed") if o.reason.startswith(NOT_ATTEMPTED)]
    for status, label in labels:
        for o in summary.of(status):
            if o in not_attempted:
                continue
            out.print(f"{label} ", end="")
            out.print(f"{o.email} {o.country}: {o.reason}", markup=False)
    if not_attempted:
        people = len({o.email for o in not_attempted})
        out.print(
            f"[red]not attempted[/red] {len(not_attempted)} report(s) to {people} recipient(s) "
            "after the run stopped; a re-run sends them."
        )
    for problem in summary.problems:
        label = "[red]skipped row[/red]" if problem.severity == "error" else "[yellow]note[/yellow]"
        out.print(f"{label} ", end="")
        out.print(str(problem), markup=False)
    if summary.stopped:
        out.print("[red]stopped:[/red] ", end="")
        out.print(summary.stopped, markup=False)


def _notify(text: str) -> None:
    log.warning(text, extra={"label": "note:"})


def _ledger_place(
    reports: Path, outbox: Path | None, ledger: Path | None, new_ledger: bool
) -> LedgerPlace:
    """The ledger of the command: an outbox keeps its own; sending, the state directory's."""
    from reportgen.distribute import LEDGER_NAME, LedgerPlace, state_directory

    if outbox is not None:  # writing .eml files never counts as sending to the recipients
        return LedgerPlace(ledger or outbox / LEDGER_NAME)
    state = state_directory()
    path = ledger or state / LEDGER_NAME
    if ledger is not None and ledger.resolve().is_relative_to(reports.resolve()):
        log.warning(
            f"the ledger {ledger} is inside --reports {reports}: deleting that directory to "
            "rebuild it deletes the record of what was sent. The next run then stops, but "
            "the record is lost. Keep the ledger elsewhere, or leave out --ledger.",
            extra={"label": "warning:"},
        )
    return LedgerPlace(path, state=state, legacy=reports / LEDGER_NAME, new_ledger=new_ledger)


@app.command(
    "distribute",
    help="Email each recipient the reports of their countries and regions, once.\n\n"
    f"The recipients file (CSV) is described in {docs_dir() / 'recipients.md'}.\n\n"
    "SMTP credentials come from REPORTGEN_SMTP_USER and REPORTGEN_SMTP_PASSWORD only.",
)
def distribute_command(
    recipients: Annotated[
        Path,
        typer.Option(
            "--recipients", help="Recipients CSV: name, email, language, countries, regions, …"
        ),
    ],
    reports: Annotated[
        Path,
        typer.Option("--reports", "-r", help="Directory of reports built by `batch` or `build`."),
    ] = Path("output"),
    smtp: Annotated[
        str | None,
        typer.Option("--smtp", metavar="HOST:PORT", help="Send through this SMTP server."),
    ] = None,
    outbox: Annotated[
        Path | None,
        typer.Option("--outbox", help="Write .eml files into this directory instead of sending."),
    ] = None,
    dry_run_only: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent; send and record nothing.")
    ] = False,
    starttls: Annotated[
        bool, typer.Option("--starttls", help="Upgrade the connection with STARTTLS (port 587).")
    ] = False,
    use_ssl: Annotated[
        bool, typer.Option("--ssl", help="Connect over TLS from the start (port 465).")
    ] = False,
    sender: Annotated[
        str | None,
        typer.Option(
            "--from",
            envvar="REPORTGEN_MAIL_FROM",
            help="Sender, e.g. 'HRMI <reports@example.org>' (or REPORTGEN_MAIL_FROM).",
        ),
    ] = None,
    max_size: Annotated[
        float,
        typer.Option("--max-size", min=0.1, help="Split emails larger than this many MB."),
    ] = 10.0,
    rate: Annotated[
        float, typer.Option("--rate", min=0.01, help="Send at most this many emails per second.")
    ] = 2.0,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries after a temporary failure.")
    ] = 3,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1.0, help="Seconds to wait for the server.")
    ] = 30.0,
    unsubscribe_url: Annotated[
        str | None,
        typer.Option(
            "--unsubscribe-url",
            help="Adds List-Unsubscribe; {email} is replaced by the recipient's address.",
        ),
    ] = None,
    ledger_path: Annotated[
        Path | None,
        typer.Option(
            "--ledger",
            help="Ledger of what was sent (default: distribution.sqlite in "
            "$XDG_STATE_HOME/reportgen or ~/.local/state/reportgen; with --outbox, in it).",
        ),
    ] = None,
    new_ledger: Annotated[
        bool,
        typer.Option(
            "--new-ledger",
            help="Start a new ledger although this recipients file (or this ledger) was used "
            "before: everyone may get their reports again.",
        ),
    ] = False,
    resend_changed: Annotated[
        bool,
        typer.Option("--resend-changed", help="Send reports that changed since they were sent."),
    ] = False,
    resend_unknown: Annotated[
        bool,
        typer.Option(
            "--resend-unknown",
            help="Send again messages whose delivery is uncertain (connection lost, crash).",
        ),
    ] = False,
    skip_bad_rows: Annotated[
        bool,
        typer.Option(
            "--skip-bad-rows",
            help="Send to the valid recipients and list the bad rows, instead of refusing.",
        ),
    ] = False,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", "-d", help="Release directory, to recognise its countries without reports."
        ),
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Email each recipient the reports of their countries and regions, once (docs/recipients.md).

    SMTP credentials come from REPORTGEN_SMTP_USER and REPORTGEN_SMTP_PASSWORD only.
    """
    from reportgen.distribute import (
        MB,
        DistributionError,
        OutboxTransport,
        SendPolicy,
        SmtpTransport,
        Transport,
        distribute,
        parse_sender,
        smtp_settings,
    )

    if (smtp is None) == (outbox is None):
        raise DistributionError(
            "Give --smtp HOST:PORT to send, or --outbox DIR to write .eml files (one of them)."
        )
    settings = (
        smtp_settings(smtp, starttls=starttls, use_ssl=use_ssl, timeout=timeout)
        if smtp is not None
        else None
    )
    if sender is None:
        raise DistributionError("Give the sender with --from ADDRESS (or set REPORTGEN_MAIL_FROM).")
    from_address = parse_sender(sender)
    if unsubscribe_url is not None and not re.match(r"(https?|mailto):", unsubscribe_url):
        raise DistributionError(
            f"--unsubscribe-url {unsubscribe_url!r} must start with https://, http:// or mailto:."
        )
    place = _ledger_place(reports, outbox, ledger_path, new_ledger)
    transport: Transport | None = None
    if not dry_run_only:
        if settings is not None:
            transport = SmtpTransport(settings)
        else:
            assert outbox is not None  # one of --smtp and --outbox, checked above
            transport = OutboxTransport(outbox)
    known: set[str] = set()
    if data is not None:
        from reportgen.load import load_release

        known = set(load_release(data, isolate_bad_rows=True).country_codes())

    def report_progress(
        message: PlannedMessage, status: OutcomeStatus, detail: str, done: int, total: int
    ) -> None:
        countries = ", ".join(r.country for r in message.reports)
        log.info(f"[{done}/{total}] {status} {message.recipient.email} ({countries}): {detail}")

    planned: list[Plan] = []

    def on_plan(plan: Plan) -> None:
        planned.append(plan)
        if dry_run_only and not as_json:
            _print_plan(plan, from_address)

    summary = distribute(
        recipients,
        reports,
        transport,
        place,
        from_address,
        max_bytes=int(max_size * MB),
        unsubscribe_url=unsubscribe_url,
        resend_changed=resend_changed,
        resend_unknown=resend_unknown,
        skip_bad_rows=skip_bad_rows,
        known_codes=known,
        project=_project(config),
        send_policy=SendPolicy(retries=retries, rate=rate if settings is not None else 0.0),
        progress=report_progress,
        on_plan=on_plan,
        notify=_notify,
    )
    if as_json:
        from reportgen import jsonout

        plan = planned[0] if planned and dry_run_only else None
        _print_json(jsonout.distribute(plan, from_address, summary, dry_run_only))
    else:
        _print_summary(summary, dry=dry_run_only, counts=not _quiet())
    if not summary.ok:
        raise typer.Exit(1)


_GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose"})


def _global_first(args: list[str]) -> list[str]:
    """``args`` with ``--quiet`` and ``--verbose`` moved before the command, wherever they
    were given (before a ``--``), so that ``reportgen batch -v`` means ``reportgen -v batch``."""
    end = args.index("--") if "--" in args else len(args)
    head, tail = args[:end], args[end:]
    return (
        [a for a in head if a in _GLOBAL_FLAGS] + [a for a in head if a not in _GLOBAL_FLAGS] + tail
    )


def main() -> None:
    """Run the CLI, turning every input error into one clear message and exit code 1, and
    any other exception into one "internal error" line (its traceback with ``--verbose``)."""
    try:
        app(args=_global_first(sys.argv[1:]), prog_name="reportgen")
    except ReportgenError as exc:
        err.print("error:", style="bold red", end=" ")
        err.print(str(exc), markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted: nothing half-written was left behind.")
        sys.exit(130)
    except Exception as exc:  # a bug: said in one line, the traceback only when asked for
        verbose = log.isEnabledFor(logging.DEBUG)
        err.print("internal error:", style="bold red", end=" ")
        err.print(
            f"{type(exc).__name__}: {exc}. This is a bug in reportgen: please report it with "
            "the command you ran"
            + ("." if verbose else " and its traceback (run it again with --verbose)."),
            markup=False,
        )
        if verbose:
            err.print(traceback.format_exc(), markup=False, end="")
        sys.exit(1)
