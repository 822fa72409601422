"""The command line: one entry point, ``reportgen``, over the pipeline's stages.

In:  command-line arguments. Out: files, printed results and an exit code: 0 on success,
1 when the input has errors or an output cannot be written (a full disk, a folder where a
file should be, another run writing to the same folder; printed as one clear message each,
never a traceback), 2 for usage errors (Typer's own).

Commands that write into a folder (``build``, ``batch``, ``compendium``) hold its lock
(``<out>/.reportgen.lock``) while they write: a second one refuses at once, naming the
folder and the other run's pid, or waits for it with ``--wait``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from reportgen import __version__
from reportgen.errors import DataValidationError, ReportgenError
from reportgen.resources import demo_data_dir

app = typer.Typer(
    name="reportgen",
    help=(
        "Publication-quality PDF country reports from HRMI human-rights data.\n\n"
        "Point --data at an HRMI release directory (the data portal's CSV files) "
        "or use the shipped demo release (data/demo)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

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
    wanted = available if lang.strip().lower() == "all" else [x.strip() for x in lang.split(",")]
    unknown = [x for x in wanted if x not in available]
    if unknown:
        raise ReportgenError(
            f"Unknown language {', '.join(map(repr, unknown))}: use one of {', '.join(available)} or all."
        )
    return wanted


LangOption = Annotated[
    str,
    typer.Option("--lang", help="Report language: en, es, fr, pt, a comma-separated list, or all."),
]
WaitOption = Annotated[
    bool,
    typer.Option(
        "--wait",
        help="When another reportgen run is writing to the same folder, wait for it to "
        "finish instead of stopping.",
    ),
]


def _waiting(message: str) -> None:
    err.print(message, markup=False)


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
) -> None:
    """Publication-quality PDF country reports from HRMI human-rights data."""


@app.command()
def validate(
    data: Annotated[Path, typer.Argument(help="HRMI release directory to check.")],
) -> None:
    """Check a release directory and list every problem (file, row, column, value, fix)."""
    from reportgen.load import load_release

    try:
        dataset = load_release(data)
    except DataValidationError as exc:
        for problem in exc.problems:
            label = "[red]error[/red]" if problem.severity == "error" else "[yellow]note[/yellow]"
            out.print(label, end=" ")
            out.print(str(problem), markup=False)
        err.print(f"[red]{exc.error_count:,} error(s): the release cannot be used as it is.[/red]")
        raise typer.Exit(1) from None
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


@app.command()
def countries(data: DataOption = DEMO) -> None:
    """List the countries of a release with their codes, regions and what data they have."""
    from reportgen.codebook import load_codebook
    from reportgen.load import load_release

    dataset = load_release(data)
    book = load_codebook("en")
    survey = set(dataset.survey_countries())
    esr = set(dataset.esr["country"])
    table = Table("code", "country", "region", "survey", "quality of life")
    for row in dataset.countries.sort_values("country").itertuples(index=False):
        code = str(row.country)
        table.add_row(
            code,
            book.country(code, dataset.names).name,
            book.regions.get(str(row.region), str(row.region)),
            "yes" if code in survey else "",
            "yes" if code in esr else "",
        )
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
    country: Annotated[str, typer.Argument(help="ISO3 code or English name, any case.")],
    data: DataOption = DEMO,
    style: StyleOption = "base",
    lang: Annotated[str, typer.Option("--lang", help="Report language: en, es, fr or pt.")] = "en",
) -> None:
    """Print the whole report on COUNTRY as plain text (Markdown headings), for review and diffs."""
    from reportgen.facts import compute_facts, resolve_country
    from reportgen.load import load_release
    from reportgen.narrative import build_report
    from reportgen.style import load_style
    from reportgen.textrender import render_text

    dataset = load_release(data)
    the_style = load_style(style)
    code = resolve_country(dataset, country)
    report = build_report(dataset, compute_facts(dataset, code, the_style), the_style, lang)
    out.print(render_text(report), markup=False, end="")


@app.command()
def build(
    countries: Annotated[list[str], typer.Argument(help="ISO3 codes or English names, any case.")],
    data: DataOption = DEMO,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory for the PDFs.")] = Path(
        "output"
    ),
    style: StyleOption = "base",
    lang: LangOption = "en",
    page_size: Annotated[
        str | None, typer.Option("--page-size", help="A4 or Letter (default: the style's).")
    ] = None,
    wait: WaitOption = False,
) -> None:
    """Build the PDF report of each COUNTRY and print each file's path.

    All or nothing: every country is resolved and every report built before any is
    written; the files are then staged next to their targets and renamed into place together,
    so a failure (an unknown country, a report that cannot be built, a full disk) writes none.
    """
    from dataclasses import replace

    from reportgen.batch import prepare_output
    from reportgen.build import StagedFiles, build_country, output_lock
    from reportgen.errors import OutputError, StyleError
    from reportgen.facts import resolve_country
    from reportgen.load import load_release
    from reportgen.style import load_style

    dataset = load_release(data)
    the_style = load_style(style)
    if page_size is not None:
        sizes: dict[str, Literal["A4", "Letter"]] = {"a4": "A4", "letter": "Letter"}
        size = sizes.get(page_size.lower())
        if size is None:
            raise StyleError(f"--page-size must be A4 or Letter, not {page_size!r}.")
        the_style = replace(the_style, page=replace(the_style.page, size=size))
    languages = _languages(lang)
    nothing = " No report was written." if len(countries) * len(languages) > 1 else ""
    try:
        # All checked before any is built; a country named twice is built once.
        codes = list(dict.fromkeys(resolve_country(dataset, c) for c in countries))
        built = [
            build_country(dataset, code, the_style, language)
            for code in codes
            for language in languages
        ]
    except DataValidationError:
        raise  # its own message lists every problem
    except ReportgenError as exc:
        raise ReportgenError(f"{exc}{nothing}") from None
    prepare_output(out_dir)
    with output_lock(out_dir, wait=wait, on_wait=_waiting), StagedFiles() as staged:
        try:
            for result in built:
                staged.add(out_dir / result.filename, result.pdf)
        except OutputError as exc:
            raise OutputError(f"{exc}{nothing}") from None
        written = staged.commit()
    for path in written:
        out.print(str(path))


@app.command()
def batch(
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
        typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even unchanged reports.")] = False,
    compendium: Annotated[
        bool, typer.Option("--compendium/--no-compendium", help="Also bind the annual compendium.")
    ] = True,
    wait: WaitOption = False,
) -> None:
    """Build the report of every country of a release (in parallel, incrementally) and the compendium."""
    from reportgen.batch import prepare_output, run_batch, select_countries
    from reportgen.build import output_lock
    from reportgen.load import load_release
    from reportgen.progress import BatchProgress

    languages = _languages(lang)
    dataset = load_release(data, isolate_bad_rows=True)
    codes = select_countries(dataset, countries or (), region, survey_only)
    prepare_output(out_dir)
    # One lock over the reports and the compendium: no other run changes the folder between.
    with output_lock(out_dir, wait=wait, on_wait=_waiting):
        with BatchProgress(err) as progress:
            result = run_batch(
                data,
                out_dir,
                codes,
                tuple(languages),
                style,
                jobs,
                force,
                progress=progress.advance,
                on_start=progress.start,
            )
        BatchProgress.summary(out, result)
        if compendium:
            from reportgen.compendium import build_compendium

            for language in languages:
                path = build_compendium(out_dir, language, style=style)
                out.print(f"compendium: {path}")
    if result.failed:
        raise typer.Exit(1)


@app.command()
def compendium(
    reports: Annotated[
        Path, typer.Option("--reports", "-r", help="Directory of reports built by `batch`.")
    ] = Path("output"),
    lang: LangOption = "en",
    style: StyleOption = "base",
    output: Annotated[
        Path | None, typer.Option("--output", help="Compendium file (default: in --reports).")
    ] = None,
    wait: WaitOption = False,
) -> None:
    """Bind the reports listed in a batch manifest into the annual compendium."""
    from contextlib import AbstractContextManager, nullcontext

    from reportgen.build import output_lock
    from reportgen.compendium import build_compendium

    languages = _languages(lang)
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
            out.print(str(build_compendium(reports, language, output=output, style=style)))


@app.command()
def check(file: Annotated[Path, typer.Argument(help="PDF file to check.")]) -> None:
    """Check a PDF: tagged, fonts embedded, language, title, alt text, no untagged content."""
    from reportgen.check import check_command

    raise typer.Exit(check_command(file))


def _register_distribute() -> None:
    from reportgen.distribute import distribute_command

    app.command("distribute")(distribute_command)


_register_distribute()


def main() -> None:
    """Run the CLI, turning every input error into one clear message and exit code 1."""
    try:
        app()
    except ReportgenError as exc:
        err.print("error:", style="bold red", end=" ")
        err.print(str(exc), markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted: nothing half-written was left behind.")
        sys.exit(130)
