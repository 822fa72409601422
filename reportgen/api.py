"""The public Python API: what ``import reportgen`` offers (see ``docs/api.md``).

In:  a release (a folder of HRMI CSV files, or a ``Dataset`` already loaded), countries,
     a language, a format, a style (name or file), a project file and an editorial folder.
Out: ``BuiltReport`` (the PDF's bytes, its pages and what it says) from ``report``; a file
     from ``write_report``; a ``BatchResult`` from ``run_batch``, which runs on any
     ``concurrent.futures.Executor``.

Everything else in the package is internal and may change. Nothing here changes global
state: matplotlib's settings are the caller's before and after (the charts draw inside their
own settings), and no file is written except where asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Literal

from reportgen.batch import BatchResult
from reportgen.batch import run_batch as _run_batch
from reportgen.build import BuiltReport, build_country, build_profile
from reportgen.facts import resolve_country
from reportgen.load import Dataset, load_release
from reportgen.outputs import write_atomic
from reportgen.project import Project, branded_style, load_project
from reportgen.style import Style, load_style

__all__ = [
    "BatchResult",
    "BuiltReport",
    "Dataset",
    "load_release",
    "report",
    "run_batch",
    "write_report",
]

Format = Literal["report", "profile"]


def _project(config: Path | Project | None) -> Project:
    if isinstance(config, Project):
        return config
    return load_project(Path(config) if config is not None else None)


def report(
    release: Path | str | Dataset,
    country: str,
    *,
    format: Format = "report",
    language: str = "en",
    style: str | Path | Style = "base",
    config: Path | Project | None = None,
    editorial: Path | None = None,
) -> BuiltReport:
    """Build one country's full report or two-page profile; return it (``.pdf`` bytes,
    ``.pages``, ``.filename``, ``.report`` the model of what it says).

    ``country``: an ISO3 code or English name, any case. ``style``: a style name, a style
    file or a loaded ``Style``. ``config``: a ``reportgen.toml`` (publisher, colours, fonts,
    phrases; default: ``reportgen.toml`` in the working directory, if any). ``editorial``:
    a folder of editorial Markdown files. Bad input raises a ``ReportgenError`` subclass
    whose message names the file, row, column and value.
    """
    dataset = release if isinstance(release, Dataset) else load_release(Path(release))
    project = _project(config)
    base = style if isinstance(style, Style) else load_style(str(style))
    the_style = branded_style(base, project)
    code = resolve_country(dataset, country)
    language = language.lower()
    if format == "profile":
        return build_profile(dataset, code, the_style, language, editorial, project=project)
    return build_country(dataset, code, the_style, language, editorial, project)


def write_report(built: BuiltReport, out: Path | str) -> Path:
    """Write ``built`` into the folder ``out`` under its own file name (atomically: a failed
    write leaves any earlier file whole); return the file's path."""
    path = Path(out) / built.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, built.pdf)
    return path


def run_batch(
    release: Path | str,
    out: Path | str,
    *,
    countries: Sequence[str] | None = None,
    languages: Sequence[str] = ("en",),
    formats: Sequence[Format] = ("report",),
    style: str = "base",
    config: Path | Project | None = None,
    editorial: Path | None = None,
    executor: Executor | None = None,
    jobs: int | None = None,
    force: bool = False,
    page_size: str | None = None,
) -> BatchResult:
    """Build every country of the release (or ``countries``: ISO3 codes) into ``out``, as
    ``reportgen batch`` does (incremental, with its manifest; no compendium), on
    ``executor`` (any ``concurrent.futures.Executor``: a process pool, a Dask
    ``distributed.Client.get_executor()``…; default: a process pool of ``jobs`` workers), on
    pages of ``page_size`` ("A4" or "Letter"; default: the style's). Reports that fail are
    in the result's ``failed``, never raised."""
    if executor is not None and jobs is not None:
        raise ValueError("give jobs or an executor, not both: the executor has its own workers")
    data = Path(release)
    codes = None
    if countries is not None:
        dataset = load_release(data)
        codes = [resolve_country(dataset, c) for c in countries]
    return _run_batch(
        data,
        Path(out),
        codes,
        [language.lower() for language in languages],
        style,
        jobs=jobs,
        force=force,
        executor=executor,
        formats=formats,
        editorial=editorial,
        project=_project(config),
        page_size=page_size,
    )
