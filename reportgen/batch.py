"""Batch stage: every (selected) country of a release → PDFs, in parallel, incrementally.

In:  a release directory, a selection (countries, region, survey-only), a style, languages,
     an output directory, and a ``concurrent.futures.Executor`` (a local process pool by
     default; any Executor works, e.g. Dask's ``Client.get_executor()`` for a cluster).
Out: one PDF per country and language (written atomically), ``manifest.json`` describing
     them (country, file, pages, size, SHA-256, release, language, input digest), and a
     ``BatchResult`` (built / skipped / failed, with reasons).

A country is rebuilt only when its inputs changed: its own rows, the cross-country tables
its report compares it with, the country names, the style, the phrase books and codebooks,
and the code. One country's failure (including bad rows in its data) is reported and does
not stop the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from reportgen import __version__
from reportgen.codebook import load_codebook
from reportgen.errors import NoDataError, OutputError, ReportgenError
from reportgen.load import Dataset, load_release
from reportgen.resources import PACKAGE_DIR
from reportgen.style import Style, load_style

MANIFEST = "manifest.json"
# Package files that do not shape a report's content: editing them rebuilds nothing.
_NOT_IN_REPORTS = {"mail.toml", "distribute.py", "cli.py", "progress.py", "batch.py"}
Status = Literal["built", "unchanged", "no data", "failed"]


@dataclass(frozen=True, slots=True)
class Task:
    """One report to build (picklable: sent to worker processes)."""

    data_dir: str
    style: str
    code: str
    language: str
    out_dir: str
    digest: str


@dataclass(frozen=True, slots=True)
class Entry:
    """A built report, as recorded in the manifest."""

    country: str
    name: str
    region: str
    survey: bool
    language: str
    file: str
    pages: int
    bytes: int
    sha256: str
    release: str
    release_year: int
    inputs: str
    scores: dict[str, float | None] = field(default_factory=dict)  # headline scores


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one (country, language)."""

    code: str
    language: str
    status: Status
    seconds: float = 0.0
    reason: str = ""
    entry: Entry | None = None


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
            (o for o in self.outcomes if o.status == "failed"), key=lambda o: (o.code, o.language)
        )


# --- selection and input digests --------------------------------------------------------------


def select_countries(
    dataset: Dataset,
    countries: Sequence[str] = (),
    region: str | None = None,
    survey_only: bool = False,
) -> list[str]:
    """The ISO3 codes to build: given countries (codes or names) or all, filtered."""
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


def _hash_frame(frame: Any) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


@cache
def code_digest() -> str:
    """A digest of the package's code and data files (phrases, codebooks): the code version."""
    h = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if (
            path.suffix in {".py", ".toml"}
            and "_bundled" not in path.parts
            and path.name not in _NOT_IN_REPORTS
            and path.is_file()
        ):
            h.update(str(path.relative_to(PACKAGE_DIR)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


class _Digests:
    """Input digests of the countries of one release, sharing the cross-country parts."""

    def __init__(self, dataset: Dataset, style: Style) -> None:
        self.dataset = dataset
        latest = dataset.info.cpr_years[-1] if dataset.info.cpr_years else None
        cpr = dataset.cpr
        shared = hashlib.sha256()
        shared.update(_hash_frame(cpr[cpr["year"] == latest]).encode())  # ranks, comparison charts
        esr = dataset.esr
        shared.update(_hash_frame(esr[esr["group"] == "All"]).encode())  # quartiles
        shared.update(json.dumps(sorted((c, repr(n)) for c, n in dataset.names.items())).encode())
        shared.update(
            json.dumps(
                [
                    dataset.info.title,
                    dataset.info.publication_year,
                    dataset.info.publisher,
                    dataset.info.illustrative,
                ]
            ).encode()
        )
        for source in style.source:
            shared.update(source.read_bytes())
        shared.update(code_digest().encode())
        self.shared = shared.hexdigest()
        self._by_country = {
            name: {str(c): g for c, g in table.groupby("country")}
            for name, table in (("cpr", cpr), ("esr", esr), ("risk", dataset.risk))
        }

    def of(self, code: str, language: str) -> str:
        h = hashlib.sha256(self.shared.encode())
        h.update(language.encode())
        for name, groups in self._by_country.items():
            h.update(name.encode())
            if code in groups:
                h.update(_hash_frame(groups[code]).encode())
        return h.hexdigest()[:32]


# --- the work done in a worker -----------------------------------------------------------------


@cache
def _release(data_dir: str) -> Dataset:
    return load_release(data_dir, isolate_bad_rows=True)


@cache
def _style(name: str) -> Style:
    return load_style(name)


def build_task(task: Task) -> Outcome:
    """Build and write one report; never raises (a failure is an ``Outcome``)."""
    from reportgen.build import build_country, write_atomic

    start = time.perf_counter()
    try:
        dataset = _release(task.data_dir)
        built = build_country(dataset, task.code, _style(task.style), task.language)
        path = Path(task.out_dir) / built.filename
        write_atomic(path, built.pdf)
        report = built.report
        region = str(
            dataset.countries.loc[dataset.countries["country"] == task.code, "region"].iloc[0]
        )
        entry = Entry(
            country=task.code,
            name=report.country_name,
            region=region,
            survey=any(s.id.startswith("cpr-") for s in report.walk()),
            language=task.language,
            file=built.filename,
            pages=built.pages,
            bytes=len(built.pdf),
            sha256=hashlib.sha256(built.pdf).hexdigest(),
            release=dataset.info.title,
            release_year=dataset.info.publication_year,
            inputs=task.digest,
            scores=dict(built.scores),  # unrounded: readers round exactly as the report does
        )
        return Outcome(task.code, task.language, "built", time.perf_counter() - start, entry=entry)
    except NoDataError as exc:
        return Outcome(task.code, task.language, "no data", time.perf_counter() - start, str(exc))
    except ReportgenError as exc:
        return Outcome(task.code, task.language, "failed", time.perf_counter() - start, str(exc))
    except Exception as exc:  # a bug for one country must not stop the batch; it is reported
        reason = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return Outcome(task.code, task.language, "failed", time.perf_counter() - start, reason)


# --- manifest ------------------------------------------------------------------------------------


def read_manifest(out_dir: Path) -> dict[tuple[str, str], Entry]:
    """The entries of ``out_dir/manifest.json`` by (country, language); empty if none."""
    path = out_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {(e["country"], e["language"]): Entry(**e) for e in data["reports"]}
    except (ValueError, KeyError, TypeError):
        return {}  # an unreadable manifest only costs a rebuild


def write_manifest(out_dir: Path, entries: Iterable[Entry], dataset: Dataset) -> Path:
    """Write the manifest atomically; return its path."""
    from reportgen.build import write_atomic

    ordered = sorted(entries, key=lambda e: (e.language, e.region, e.country))
    data = {
        "generator": f"reportgen {__version__}",
        "release": dataset.info.title,
        "release_year": dataset.info.publication_year,
        "illustrative": dataset.info.illustrative,
        "reports": [asdict(e) for e in ordered],
    }
    path = out_dir / MANIFEST
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
    return path


def _unchanged(entry: Entry | None, digest: str, out_dir: Path) -> bool:
    if entry is None or entry.inputs != digest:
        return False
    path = out_dir / entry.file
    if not path.exists() or path.stat().st_size != entry.bytes:
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256


# --- the run ---------------------------------------------------------------------------------


Progress = Callable[[Outcome, int, int], None]


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
) -> BatchResult:
    """Build the reports of ``codes`` (default: every country) in ``languages`` into ``out_dir``.

    Work goes to ``executor`` (default: a process pool of ``jobs`` workers). The manifest is
    rewritten after the run, and also when the run is interrupted, with what was finished.
    """
    from reportgen.build import remove_stale_temporaries

    started = time.perf_counter()
    data_dir = data_dir.resolve()
    dataset = _release(str(data_dir))
    the_style = _style(style)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"Cannot create {out_dir}: {exc.strerror}. Choose another --out."
        ) from None
    remove_stale_temporaries(out_dir)
    previous = read_manifest(out_dir)
    entries = dict(previous)
    digests = _Digests(dataset, the_style)
    result = BatchResult()
    tasks: list[Task] = []
    for code in codes if codes is not None else dataset.country_codes():
        for language in languages:
            if code in dataset.rejected:
                reasons = (
                    "; ".join(str(p) for p in dataset.rejected[code][:3]) or "rows with errors"
                )
                result.outcomes.append(
                    Outcome(code, language, "failed", reason=f"bad data: {reasons}")
                )
                entries.pop((code, language), None)
                continue
            digest = digests.of(code, language)
            if not force and _unchanged(previous.get((code, language)), digest, out_dir):
                result.outcomes.append(
                    Outcome(code, language, "unchanged", entry=previous[(code, language)])
                )
                continue
            tasks.append(Task(str(data_dir), style, code, language, str(out_dir), digest))
    total = len(result.outcomes) + len(tasks)
    if on_start is not None:
        on_start(total)
    done = 0
    for outcome in result.outcomes:
        done += 1
        if progress:
            progress(outcome, done, total)
    own_pool = executor is None and len(tasks) > 1
    pool: Executor | None = executor
    if own_pool:
        pool = ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1)
    try:
        if pool is None:
            outcomes: Iterable[Outcome] = map(build_task, tasks)
        else:
            futures: list[Future[Outcome]] = [pool.submit(build_task, t) for t in tasks]
            outcomes = (f.result() for f in as_completed(futures))
        for outcome in outcomes:
            done += 1
            result.outcomes.append(outcome)
            if outcome.entry is not None:
                entries[(outcome.code, outcome.language)] = outcome.entry
            elif outcome.status in ("failed", "no data"):
                entries.pop((outcome.code, outcome.language), None)
            if progress:
                progress(outcome, done, total)
    finally:
        if own_pool and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        result.manifest = write_manifest(out_dir, entries.values(), dataset)
        result.seconds = time.perf_counter() - started
    return result
