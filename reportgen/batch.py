"""Batch stage: every (selected) country of a release → PDFs, in parallel, incrementally.

In:  a release directory, a selection (countries, region, survey-only), a style, languages,
     an output directory, and a ``concurrent.futures.Executor`` (a local process pool by
     default; any Executor works, e.g. Dask's ``Client.get_executor()`` for a cluster).
Out: one PDF per country, language and format (the full report, the two-page profile, or
     both; written atomically), ``manifest.json`` describing
     them (country, file, pages, size, SHA-256, release, language, the digests below) and
     the reports that could not be built (``failures``: reason, where the old PDF went), and
     a ``BatchResult`` (built / unchanged / no data / failed, with reasons).

Incremental in two steps: a report is rebuilt exactly when what its pages show changed, and
a re-run with nothing changed does next to nothing.

1. ``sources`` (``source_digest``): the files the reports are made from: every file of the
   release directory, the style's files, the package's code and data (phrases, codebooks),
   the libraries' versions, and the current year (the publication year of a release that
   names none). A report whose manifest entry records the same ``sources``, and whose PDF
   still has the recorded SHA-256, is kept without building anything: no worker starts. A
   country found to have no data with the same ``sources`` is not tried again.
2. ``inputs`` (``reportgen.build.report_digest``): when the sources changed, the workers
   build each report's model (facts → narrative, tens of ms, no drawing) and digest it with
   the style's resolved values, the charts' number formats and the drawing code. An equal
   digest keeps the PDF (and brings the entry's ``sources`` up to date); a different one
   lays the report out again, the costly part. A profile's digest is that of its whole
   (untrimmed) model with the profile's style: how much of it is trimmed to fit two pages
   follows from those.

So a new ``title_fr`` rebuilds the French reports only; a country's latest survey score
rebuilds its report and every report whose comparison charts and ranks include it; a
comment in the style rebuilds nothing. ``force`` rebuilds everything. ``bind_compendium``
likewise binds a compendium again only when what it is bound from changed
(``compendium_digest``) or its file is missing or was changed.

One country's failure (including bad rows in its data) is reported and does not stop the
others; its previous PDF, no longer current, moves to ``stale/``.

Faults: the run holds ``<out>/.reportgen.lock`` (a second run refuses, or waits); the
manifest is rewritten as each report finishes, so a killed run resumes where it stopped;
pool workers die with the batch (``PR_SET_PDEATHSIG`` on Linux, a parent check elsewhere);
a folder that cannot be written (a full disk) stops the run with one clear error.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from reportgen.errors import NoDataError, OutputError, ReportgenError, StyleError
from reportgen.manifest import (
    Compendium,
    Entry,
    Failure,
    Key,
    Manifest,
    ManifestJournal,
    Release,
    previous_manifest,
)
from reportgen.project import NO_PROJECT, Project, branded_style
from reportgen.resources import PACKAGE_DIR
from reportgen.style import Style, load_style

if TYPE_CHECKING:
    from reportgen.build import BuiltReport
    from reportgen.load import Dataset

_log = logging.getLogger("reportgen.batch")
STALE = "stale"  # where a report whose rebuild failed goes: no longer current, not deleted
# The libraries a report or the compendium is made with, whose version is part of the code's.
_LIBRARIES = (
    "reportlab",
    "rl-accel",
    "matplotlib",
    "numpy",
    "pandas",
    "pillow",
    "pikepdf",
    "jinja2",
    "babel",
)
Status = Literal["built", "unchanged", "no data", "failed"]


@dataclass(frozen=True, slots=True)
class Task:
    """One report to build (picklable: sent to worker processes)."""

    data_dir: str
    style: Style  # loaded once by the batch: a style edited since is never read from a cache
    code: str
    language: str
    out_dir: str
    sources: str  # the files the reports are made from (``source_digest``)
    stamp: str = ""  # the release's files as they were when the batch started (release_stamp)
    kept: Entry | None = None  # the report on disk, intact: kept if its model is unchanged
    format: str = "report"  # the full report, or "profile"
    editorial: str = ""  # the folder of editorial files ("": none)
    project: Project = NO_PROJECT  # the publisher's identity and phrase overrides


@dataclass(frozen=True, slots=True)
class Request:
    """What a batch was asked to select, as given (before the release is read): countries
    (codes or names), a region (code or name), survey countries only."""

    countries: tuple[str, ...] = ()
    region: str | None = None
    survey_only: bool = False

    def digest(self, sources: str) -> str:
        """This request of the files ``sources`` (``source_digest``): 32 hex digits. Equal
        digests select the same countries, which the manifest remembers (``selections``)."""
        h = hashlib.sha256(sources.encode())
        _chunk(h, "request", repr((self.countries, self.region, self.survey_only)).encode())
        return h.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one (country, language, format)."""

    code: str
    language: str
    status: Status
    seconds: float = 0.0
    reason: str = ""
    entry: Entry | None = None
    fatal: bool = False  # the output folder cannot be written: the run stops
    previous: str = ""  # where the report it failed to replace went (``stale/<file>``)
    format: str = "report"  # the full report, or "profile"
    detail: str = ""  # an internal error's traceback (``reportgen --verbose`` shows it)

    @property
    def label(self) -> str:
        """How progress lines name it: "KAZ en", "KAZ en profile"."""
        kind = "" if self.format == "report" else f" {self.format}"
        return f"{self.code} {self.language}{kind}"


@dataclass
class BatchResult:
    """All outcomes and the manifest written."""

    outcomes: list[Outcome] = field(default_factory=list)
    manifest: Path | None = None
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        """How many outcomes have ``status``."""
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        """The failures, in country order."""
        return sorted(
            (o for o in self.outcomes if o.status == "failed"),
            key=lambda o: (o.code, o.language, o.format),
        )


# --- selection and input digests --------------------------------------------------------------


def select_countries(
    dataset: Dataset,
    countries: Sequence[str] = (),
    region: str | None = None,
    survey_only: bool = False,
) -> list[str]:
    """The ISO3 codes to build: given countries (codes or names) or all, filtered."""
    from reportgen.codebook import load_codebook
    from reportgen.facts import resolve_country

    book = load_codebook("en")
    codes = (
        [resolve_country(dataset, c, book) for c in countries]
        if countries
        else dataset.country_codes()
    )
    if region is not None:
        regions = {r: r for r in set(dataset.countries["region"])}
        regions.update({name.casefold(): code for code, name in book.regions.items()})
        key = regions.get(region) or regions.get(region.casefold())
        if key is None:
            known = ", ".join(sorted(set(dataset.countries["region"])))
            raise ReportgenError(f"Unknown region '{region}'. Use one of: {known}.")
        in_region = set(dataset.countries.loc[dataset.countries["region"] == key, "country"])
        codes = [c for c in codes if c in in_region]
    if survey_only:
        survey = set(dataset.survey_countries())
        codes = [c for c in codes if c in survey]
    return list(dict.fromkeys(codes))


def _chunk(digest: hashlib._Hash, label: str, data: bytes) -> None:
    """Add ``data`` under ``label``, length first: no two sequences of chunks hash alike."""
    digest.update(f"{label}\0{len(data)}\0".encode())
    digest.update(data)


@cache
def code_digest() -> str:
    """The code's version: every code and data file of the package (phrases, codebooks,
    templates) and the versions of the libraries reports are made with."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in {".py", ".toml"} and "_bundled" not in path.parts and path.is_file():
            _chunk(h, path.relative_to(PACKAGE_DIR).as_posix(), path.read_bytes())
    for library in _LIBRARIES:
        _chunk(h, library, _version(library).encode())
    return h.hexdigest()


def _version(library: str) -> str:
    """The installed version of ``library``; "" when it is not installed."""
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return ""


def sized_style(style: Style, page_size: str | None) -> Style:
    """``style`` on pages of ``page_size`` ("A4" or "Letter", any case; None: as it is).
    Another value is a ``StyleError`` naming it."""
    if page_size is None:
        return style
    sizes: dict[str, Literal["A4", "Letter"]] = {"a4": "A4", "letter": "Letter"}
    size = sizes.get(page_size.strip().lower())
    if size is None:
        raise StyleError(f"--page-size must be A4 or Letter, not {page_size!r}.")
    return replace(style, page=replace(style.page, size=size))


def source_digest(
    data_dir: Path, style: Style, editorial: Path | None = None, project: Project = NO_PROJECT
) -> str:
    """Step 1: the files every report of a run is made from, as 32 hex digits of SHA-256.

    Every file of the release directory (whatever the loader makes of it), each file of the
    style's ``inherit`` chain, the Markdown files of the ``editorial`` folder, the project
    file and the files it names, the code
    (``code_digest``) and the current year. When it is unchanged since a report was built, so
    is the report: nothing else goes into one.
    """
    h = hashlib.sha256(code_digest().encode())
    _chunk(h, "year", str(date.today().year).encode())
    for path in sorted(data_dir.iterdir()):
        if path.is_file():
            _chunk(h, f"release/{path.name}", path.read_bytes())
    for index, path in enumerate(style.source):
        _chunk(h, f"style/{index}", path.read_bytes())
    if editorial is not None:
        for path in sorted(editorial.glob("*.md")):
            _chunk(h, f"editorial/{path.name}", path.read_bytes())
    _chunk(h, "project", project.digest().encode())
    _chunk(h, "page", style.page.size.encode())  # (a --page-size other than the style's)
    return h.hexdigest()[:32]


# --- the work done in a worker -----------------------------------------------------------------


def release_stamp(data_dir: Path) -> str:
    """Names, sizes and modification times of a release's files: an edited release reloads."""
    h = hashlib.sha256()
    try:
        files = sorted(data_dir.iterdir())
    except OSError:
        return ""
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        h.update(f"{path.name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return h.hexdigest()


@cache
def _release(data_dir: str, stamp: str = "") -> Dataset:
    from reportgen.load import load_release

    return load_release(data_dir, isolate_bad_rows=True)


def load_batch_release(data_dir: Path) -> Dataset:
    """The release in ``data_dir`` as a batch reads it (bad rows set aside), loaded once per
    process for as long as its files are unchanged (``release_stamp``)."""
    resolved = Path(data_dir).resolve()
    return _release(str(resolved), release_stamp(resolved))


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _worker_init(parent: int, method: str) -> None:
    """Tie a pool worker's life to the batch that started it (runs first in each worker).

    On Linux the kernel kills the worker when its parent dies (``PR_SET_PDEATHSIG``); on every
    platform a thread checks ``os.getppid()`` each second as a fallback. A forked worker also
    closes the output lock it inherited: only the batch itself holds the folder.
    """
    from reportgen.outputs import forget_inherited_locks

    forget_inherited_locks()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # A forked or spawned worker is the batch's child; a forkserver's is the server's.
    expected = parent if method in ("fork", "spawn") else os.getppid()
    if os.getppid() != expected:  # the batch died before the kernel was told
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(expected,), name="reportgen-parent", daemon=True
    ).start()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def build_task(task: Task) -> Outcome:
    """Build and write one report or profile, or keep ``task.kept`` when its model is
    unchanged (step 2 of the module docstring); never raises (a failure is an ``Outcome``)."""
    from reportgen.build import (
        build_model,
        build_profile,
        profile_model,
        recorded_scores,
        render_report,
        report_digest,
        report_filename,
    )
    from reportgen.facts import compute_facts
    from reportgen.outputs import write_atomic
    from reportgen.style import profile_style

    start = time.perf_counter()

    def outcome(status: Status, reason: str = "", **more: Any) -> Outcome:
        seconds = time.perf_counter() - start
        return Outcome(
            task.code, task.language, status, seconds, reason, format=task.format, **more
        )

    try:
        dataset = _release(task.data_dir, task.stamp)
        style = task.style
        editorial = Path(task.editorial) if task.editorial else None
        if task.format == "profile":
            facts = compute_facts(dataset, task.code, style)
            # the untrimmed profile decides the whole profile: its digest is the profile's
            report = profile_model(
                dataset, facts, style, task.language, editorial=editorial, project=task.project
            )
            inputs = report_digest(report, profile_style(style))
        else:
            facts, report = build_model(
                dataset, task.code, style, task.language, editorial, task.project
            )
            inputs = report_digest(report, style)
        region = str(
            dataset.countries.loc[dataset.countries["country"] == task.code, "region"].iloc[0]
        )
        entry = Entry(
            country=task.code,
            name=report.country_name,
            region=region,
            survey=facts.has_survey,
            language=task.language,
            file=report_filename(report),
            pages=1,  # set below, from the PDF
            bytes=1,
            sha256="",
            release=dataset.info.title,
            release_year=dataset.info.publication_year,
            inputs=inputs,
            scores=recorded_scores(facts),  # unrounded: readers round exactly as the report does
            sources=task.sources,
            format=task.format,
        )
        kept = task.kept
        if kept is not None and (kept.inputs, kept.file) == (entry.inputs, entry.file):
            entry = replace(entry, pages=kept.pages, bytes=kept.bytes, sha256=kept.sha256)
            return outcome("unchanged", entry=entry)
        if task.format == "profile":
            built = build_profile(
                dataset, task.code, style, task.language, editorial, facts, task.project, report
            )
        else:
            built = render_report(report, style, entry.scores)
        write_atomic(Path(task.out_dir) / entry.file, built.pdf)
        entry = replace(
            entry,
            pages=built.pages,
            bytes=len(built.pdf),
            sha256=hashlib.sha256(built.pdf).hexdigest(),
        )
        return outcome("built", entry=entry)
    except NoDataError as exc:
        return outcome("no data", str(exc))
    except OutputError as exc:  # the folder, not the report: every other report would fail too
        return outcome("failed", str(exc), fatal=True)
    except ReportgenError as exc:
        return outcome("failed", str(exc))
    except Exception as exc:  # a bug for one country must not stop the batch; it is reported
        return replace(
            outcome("failed", f"internal error ({type(exc).__name__}: {exc}); please report it"),
            detail=traceback.format_exc(),
        )


# --- manifest ------------------------------------------------------------------------------------


def manifest_entry(
    dataset: Dataset,
    built: BuiltReport,
    style: Style,
    editorial: Path | None = None,
    project: Project = NO_PROJECT,
) -> Entry:
    """The manifest's record of ``built`` (a report or profile built outside a batch, by
    ``reportgen build``), as ``build_task`` would record it: a later batch finds it unchanged
    when its model is, and ``distribute`` sends it."""
    from reportgen.build import profile_model, recorded_scores, report_digest
    from reportgen.facts import compute_facts
    from reportgen.style import profile_style

    report = built.report
    code, language = report.country, report.language
    # (the scores and survey flag it records)
    facts = built.facts if built.facts is not None else compute_facts(dataset, code, style)
    if report.format == "profile":
        # A profile's digest is its untrimmed model's (``build_task``); ``built`` may be trimmed.
        untrimmed = profile_model(
            dataset, facts, style, language, editorial=editorial, project=project
        )
        inputs = report_digest(untrimmed, profile_style(style))
    else:
        inputs = report_digest(report, style)  # the model it was rendered from
    region = str(dataset.countries.loc[dataset.countries["country"] == code, "region"].iloc[0])
    return Entry(
        country=code,
        name=report.country_name,
        region=region,
        survey=facts.has_survey,
        language=language,
        file=built.filename,
        pages=built.pages,
        bytes=len(built.pdf),
        sha256=hashlib.sha256(built.pdf).hexdigest(),
        release=dataset.info.title,
        release_year=dataset.info.publication_year,
        inputs=inputs,
        scores=recorded_scores(facts),
        format=report.format,
    )


# The file's schema, reading and writing are ``reportgen.manifest``'s; here, what a run records.


def read_manifest(out_dir: Path) -> dict[Key, Entry]:
    """The entries of ``out_dir/manifest.json`` by (country, language); empty if none."""
    manifest = previous_manifest(out_dir)
    return manifest.by_key() if manifest is not None else {}


def read_failures(out_dir: Path) -> dict[Key, Failure]:
    """The manifest's ``failures``: reports not (re)built, with the reason, by key."""
    manifest = previous_manifest(out_dir)
    return manifest.failures_by_key() if manifest is not None else {}


def release_of(dataset: Dataset) -> Release:
    """The release of ``dataset``, as a manifest records it."""
    from reportgen.narrative._context import release_title
    from reportgen.phrases import available_languages, load_phrases

    info = dataset.info
    titles = tuple(
        (language, release_title(dataset, load_phrases(language)))
        for language in available_languages()
    )
    return Release(info.title, info.publication_year, info.illustrative, info.publisher, titles)


class _Manifest(ManifestJournal):
    """The manifest of one run, rewritten as each report finishes (``ManifestJournal``), and
    the stale reports it sets aside."""

    def __init__(self, out_dir: Path, dataset: Dataset, sources: str = "") -> None:
        super().__init__(out_dir, release_of(dataset))
        self.sources = sources
        self.unsaved = False  # entries kept and brought up to date, to write at the next save

    def save(self) -> None:
        """Merge this run's changes into the manifest on disk and write it atomically."""
        super().save()
        self.unsaved = False

    def record(self, outcome: Outcome) -> Outcome:
        """Write what ``outcome`` changes; return it, saying where a stale report went."""
        key = (outcome.code, outcome.language, outcome.format)
        if outcome.fatal:
            return outcome  # a folder that cannot be written: leave the manifest as it is
        if outcome.status == "unchanged":
            # Kept, its entry brought up to date (``sources``): written with the next report
            # or at the end; should the run be killed first, the next one checks it again.
            if outcome.entry is not None and self.entries.get(key) != outcome.entry:
                self.put(outcome.entry)
                self.unsaved = True
            return outcome
        if outcome.entry is not None:
            stale = self.failures.get(key)
            self.put(outcome.entry)
            self.save()
            if stale is not None and stale.previous:
                self._discard(stale.previous)
            return outcome
        entry = self.entries.get(key)
        moved = self._set_aside(entry.file) if entry is not None else None
        earlier = self.failures.get(key)
        previous = moved or (earlier.previous if earlier is not None else None)
        self.put(
            Failure(
                outcome.code,
                outcome.language,
                outcome.status,
                outcome.reason,
                previous,
                self.sources,
                outcome.format,
            )
        )
        try:
            self.save()
        except ReportgenError:
            if moved is not None and entry is not None:  # put it back: the manifest lists it
                with contextlib.suppress(OSError):
                    (self.directory / moved).replace(self.directory / entry.file)
            raise
        return replace(outcome, previous=moved or "")

    def _set_aside(self, file: str) -> str | None:
        """Move a report that is no longer current to ``stale/``; return its new name."""
        from reportgen.outputs import output_error

        source = self.directory / file
        if not source.is_file():
            return None
        target = self.directory / STALE / file
        try:
            target.parent.mkdir(exist_ok=True)
            source.replace(target)
        except OSError as exc:
            raise output_error(target, exc) from None
        return f"{STALE}/{file}"

    def _discard(self, previous: str) -> None:
        stale = self.directory / previous
        with contextlib.suppress(OSError):
            stale.unlink(missing_ok=True)
            stale.parent.rmdir()  # only when empty


def _intact(entry: Entry | None, out_dir: Path) -> Entry | None:
    """``entry`` when its PDF is there as the manifest describes it (size and SHA-256)."""
    if entry is None or _sha256(out_dir / entry.file, entry.bytes) != entry.sha256:
        return None
    return entry


def _sha256(path: Path, size: int | None = None) -> str:
    """The SHA-256 of the file at ``path``; "" when it is missing or not ``size`` bytes long."""
    try:
        if size is not None and path.stat().st_size != size:
            return ""
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


# --- the run ---------------------------------------------------------------------------------


Progress = Callable[[Outcome, int, int], None]


def prepare_output(out_dir: Path) -> None:
    """Create ``out_dir`` (and its parents), or say clearly why it cannot be."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"Cannot create {out_dir}: {exc.strerror}. Choose another --out."
        ) from None


def run_batch(
    data_dir: Path,
    out_dir: Path,
    codes: Sequence[str] | None = None,
    languages: Sequence[str] = ("en",),
    style: str = "base",
    jobs: int | None = None,
    force: bool = False,
    executor: Executor | None = None,
    progress: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
    wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
    formats: Sequence[str] = ("report",),
    editorial: Path | None = None,
    project: Project = NO_PROJECT,
    page_size: str | None = None,
    request: Request | None = None,
) -> BatchResult:
    """Build the reports of ``codes`` (default: every country) in ``languages`` into ``out_dir``
    (in each of ``formats``: "report", the full report, and "profile", the two-page profile),
    with the editorial files of the folder ``editorial`` (``reportgen.editorial``): a file
    whose name is no country of the release or no language is an ``EditorialError`` before
    anything is built; a file that cannot be used fails its country's reports; and the
    ``project``'s publisher, colours and phrase overrides (``reportgen.project``), on pages of
    ``page_size`` ("A4" or "Letter", any case; default: the style's).

    Work goes to ``executor`` (default: a process pool of ``jobs`` workers, which die with
    this process). The run holds ``out_dir``'s lock: another run there raises
    ``OutputError`` at once, or is waited for with ``wait``. The manifest is rewritten as each
    report finishes, so a run killed at any point keeps what it finished and a re-run builds
    only the rest. A report that fails is listed under the manifest's ``failures`` and its
    previous PDF, no longer current, is moved to ``stale/``. A folder that cannot be written
    (a full disk) stops the run with one ``OutputError`` once the running reports are done.
    ``request``, what ``codes`` were selected by, is remembered with them in the manifest
    (``selections``), for ``settled_batch``.
    """
    from reportgen.outputs import output_lock

    started = time.perf_counter()
    data_dir = data_dir.resolve()
    the_style = sized_style(branded_style(load_style(style), project), page_size)
    # The files' digest before the data are read: a file edited in between is read as it is
    # now, and the next run, finding another digest, checks the reports again.
    sources = source_digest(data_dir, the_style, editorial, project)
    stamp = release_stamp(data_dir)
    dataset = _release(str(data_dir), stamp)
    if editorial is not None:
        from reportgen.editorial import editorial_files

        editorial = editorial.resolve()
        editorial_files(editorial, dataset.country_codes())  # (names checked before building)
    prepare_output(out_dir)
    with output_lock(out_dir, wait=wait, on_wait=on_wait):
        result = _run_locked(
            dataset,
            Task(
                str(data_dir),
                the_style,
                "",
                "",
                str(out_dir),
                sources,
                stamp,
                editorial=str(editorial) if editorial is not None else "",
                project=project,
            ),
            codes if codes is not None else dataset.country_codes(),
            [(language, fmt) for language in languages for fmt in formats],
            jobs,
            force,
            executor,
            progress,
            on_start,
            request.digest(sources) if request is not None else "",
        )
    result.seconds = time.perf_counter() - started
    return result


def settled_batch(
    data_dir: Path,
    out_dir: Path,
    request: Request,
    languages: Sequence[str] = ("en",),
    style: str = "base",
    formats: Sequence[str] = ("report",),
    editorial: Path | None = None,
    project: Project = NO_PROJECT,
    page_size: str | None = None,
) -> BatchResult | None:
    """The result of a batch that would build nothing, told without reading the release; None
    when it would build something, or cannot tell (then run ``run_batch``).

    It would build nothing when the manifest of ``out_dir`` remembers the countries that
    ``request`` selected from the same files (``Request.digest`` of ``source_digest``), and
    each of their reports in ``languages`` and ``formats`` is kept by step 1 of the module
    docstring (an entry of the same ``sources``, its PDF intact) or had no data with the same
    ``sources``. What a batch would do then is only read: no worker, no pandas, no release.
    The caller holds the folder's lock.
    """
    started = time.perf_counter()
    the_style = sized_style(branded_style(load_style(style), project), page_size)
    sources = source_digest(data_dir.resolve(), the_style, editorial, project)
    manifest = previous_manifest(out_dir)
    codes = manifest.selection(request.digest(sources)) if manifest is not None else None
    if manifest is None or codes is None:
        return None
    entries, failures = manifest.by_key(), manifest.failures_by_key()
    result = BatchResult(manifest=manifest.path)
    for code in codes:
        for language in languages:
            for fmt in formats:
                key = (code, language, fmt)
                kept = _intact(entries.get(key), out_dir)
                failure = failures.get(key)
                if kept is not None and kept.sources == sources:
                    outcome = Outcome(code, language, "unchanged", entry=kept, format=fmt)
                elif failure and failure.status == "no data" and failure.sources == sources:
                    outcome = Outcome(code, language, "no data", reason=failure.reason, format=fmt)
                else:
                    return None
                result.outcomes.append(outcome)
    result.seconds = time.perf_counter() - started
    return result


def _run_locked(
    dataset: Dataset,
    template: Task,
    codes: Sequence[str],
    kinds: Sequence[tuple[str, str]],  # (language, format)
    jobs: int | None,
    force: bool,
    executor: Executor | None,
    progress: Progress | None,
    on_start: Callable[[int], None] | None,
    selection: str = "",
) -> BatchResult:
    from reportgen.outputs import remove_stale_temporaries

    out_dir = Path(template.out_dir)
    remove_stale_temporaries(out_dir)
    sources = template.sources
    manifest = _Manifest(out_dir, dataset, sources)
    previous, tried = dict(manifest.entries), dict(manifest.failures)
    if selection and manifest.selections.get(selection) != tuple(codes):
        manifest.put_selection(selection, codes)  # written with the first report, or at the end
        manifest.unsaved = True
    result = BatchResult(manifest=manifest.path)
    tasks: list[Task] = []
    for code in codes:
        for language, fmt in kinds:
            key = (code, language, fmt)
            if code in dataset.rejected:
                reasons = (
                    "; ".join(str(p) for p in dataset.rejected[code][:3]) or "rows with errors"
                )
                reason = f"bad data: {reasons}"
                outcome = Outcome(code, language, "failed", reason=reason, format=fmt)
                result.outcomes.append(manifest.record(outcome))
                continue
            kept = None if force else _intact(previous.get(key), out_dir)
            if kept is not None and kept.sources == sources:  # step 1: nothing changed
                result.outcomes.append(Outcome(code, language, "unchanged", entry=kept, format=fmt))
                continue
            failure = tried.get(key)
            if not force and failure and failure.status == "no data" and failure.sources == sources:
                reason = failure.reason
                result.outcomes.append(
                    Outcome(code, language, "no data", reason=reason, format=fmt)
                )
                continue
            tasks.append(replace(template, code=code, language=language, kept=kept, format=fmt))
    # The heaviest first, so that no worker is left with a long report at the end while the
    # others wait: a full report of a survey country is about five times the work of another.
    survey = set(dataset.survey_countries())
    tasks.sort(key=lambda t: (t.code not in survey, t.format != "report"))
    total = len(result.outcomes) + len(tasks)
    if on_start is not None:
        on_start(total)
    done = 0
    for outcome in result.outcomes:
        done += 1
        if progress:
            progress(outcome, done, total)
    own_pool = executor is None and len(tasks) > 1
    _log.debug(
        f"{len(tasks)} report(s) to build, {len(result.outcomes)} settled without building; "
        + (
            f"on {executor!r}"
            if executor is not None
            else f"{jobs or os.cpu_count() or 1} worker process(es)"
            if own_pool
            else "in this process"
        )
    )
    pool: Executor | None = executor
    if own_pool:
        context = multiprocessing.get_context()
        pool = ProcessPoolExecutor(
            max_workers=jobs or os.cpu_count() or 1,
            mp_context=context,
            initializer=_worker_init,
            initargs=(os.getpid(), context.get_start_method()),
        )
    fatal: Outcome | None = None
    futures: list[Future[Outcome]] = []
    try:
        if pool is None:
            outcomes: Iterable[Outcome] = map(build_task, tasks)
        else:
            futures = [pool.submit(build_task, t) for t in tasks]
            outcomes = _finished(futures, out_dir, result)
        for outcome in outcomes:
            done += 1
            if outcome.fatal and fatal is None:
                fatal = outcome
                for future in futures:  # what has not started never will
                    future.cancel()
            result.outcomes.append(manifest.record(outcome))
            if progress and not outcome.fatal:  # the run's one error says it, once
                progress(outcome, done, total)
            if fatal is not None and pool is None:
                break
    finally:
        if own_pool and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if fatal is not None:
        raise OutputError(fatal.reason)
    if manifest.unsaved or not manifest.path.exists():  # kept ones; or the folder's first run
        manifest.save()
    return result


def _finished(
    futures: Sequence[Future[Outcome]], out_dir: Path, result: BatchResult
) -> Iterator[Outcome]:
    """The outcomes of ``futures`` as they finish; a dead worker is one clear error."""
    for future in as_completed(futures):
        if future.cancelled():
            continue
        try:
            yield future.result()
        except BrokenExecutor:
            kept = result.count("built") + result.count("unchanged")
            raise ReportgenError(
                f"A worker process ended abruptly (killed, or out of memory) while building "
                f"reports into {out_dir}. The {kept} report(s) finished are kept in the "
                "manifest: run the same command again to build the rest (with fewer --jobs if "
                "memory is short)."
            ) from None


# --- the compendium --------------------------------------------------------------------------


def compendium_digest(manifest: Manifest, language: str, style: Style, fmt: str = "profile") -> str:
    """What the compendium of ``fmt`` in ``language`` is bound from, as 32 hex digits of SHA-256.

    The release, each PDF it binds (its manifest entry: country, name, region, file,
    pages, SHA-256, scores), the style's resolved values, the language, the format and the code
    (``code_digest``: its own pages' words, layout and binding; any edit of the package
    binds it again, which only its developers meet).
    """
    from reportgen.digests import canonical_json, style_values

    not_bound = ("inputs", "sources")  # how a report was decided on, not what it shows
    reports = [
        {k: v for k, v in asdict(e).items() if k not in not_bound}
        for e in sorted(manifest.entries, key=lambda e: e.country)
        if e.language == language and e.format == fmt
    ]
    made_of = {
        "release": manifest.release,
        "reports": reports,
        "style": style_values(style),
        "language": language,
        "format": fmt,
    }
    h = hashlib.sha256(code_digest().encode())
    h.update(canonical_json(made_of))
    return h.hexdigest()[:32]


def bind_compendium(
    out_dir: Path,
    language: str = "en",
    style: str = "base",
    force: bool = False,
    fmt: str = "profile",
) -> tuple[Path, bool]:
    """Bind the compendium of the PDFs of ``fmt`` (profiles, or full reports) in ``out_dir``
    in ``language``, unless it is current.

    Current: the manifest records a compendium of ``fmt`` in ``language`` bound from what it
    would be bound from now (``compendium_digest``), and that file is there with the recorded
    SHA-256.
    Otherwise (or with ``force``) it is bound (``reportgen.compendium.build_compendium``) and
    recorded. Returns its path and whether it was bound. The caller holds the folder's lock.
    """
    manifest = previous_manifest(out_dir)
    if manifest is not None:
        digest = compendium_digest(manifest, language, load_style(style), fmt)
        record = manifest.compendium(language, fmt)
        if (
            not force
            and record is not None
            and record.inputs == digest
            and _sha256(out_dir / record.file) == record.sha256
        ):
            return out_dir / record.file, False
    from reportgen.compendium import build_compendium  # pypdf and reportlab: only to bind

    path = build_compendium(out_dir, language, style=style, format=fmt)  # no manifest: its error
    if manifest is not None:
        journal = ManifestJournal(out_dir, manifest.release)
        journal.put_compendium(Compendium(language, path.name, _sha256(path), digest, fmt))
        journal.save()
    return path, True
