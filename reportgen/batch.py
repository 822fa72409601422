"""Batch stage: every (selected) country of a release → PDFs, in parallel, incrementally.

In:  a release directory, a selection (countries, region, survey-only), a style, languages,
     an output directory, and a ``concurrent.futures.Executor`` (a local process pool by
     default; any Executor works, e.g. Dask's ``Client.get_executor()`` for a cluster).
Out: one PDF per country and language (written atomically), ``manifest.json`` describing
     them (country, file, pages, size, SHA-256, release, language, input digest) and the
     reports that could not be built (``failures``: reason, where the old PDF went), and a
     ``BatchResult`` (built / skipped / failed, with reasons).

A country is rebuilt only when its inputs changed: its own rows, the cross-country tables
its report compares it with, the country names, the style, the phrase books and codebooks,
and the code. One country's failure (including bad rows in its data) is reported and does
not stop the others; its previous PDF, no longer current, moves to ``stale/``.

Faults: the run holds ``<out>/.reportgen.lock`` (a second run refuses, or waits); the
manifest is rewritten as each report finishes, so a killed run resumes where it stopped;
pool workers die with the batch (``PR_SET_PDEATHSIG`` on Linux, a parent check elsewhere);
a folder that cannot be written (a full disk) stops the run with one clear error.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
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
STALE = "stale"  # where a report whose rebuild failed goes: no longer current, not deleted
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
    stamp: str = ""  # the release's files as they were when the batch started (release_stamp)


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
    fatal: bool = False  # the output folder cannot be written: the run stops
    previous: str = ""  # where the report it failed to replace went (``stale/<file>``)


@dataclass(frozen=True, slots=True)
class Failure:
    """A report not (re)built, as the manifest's ``failures`` list records it."""

    country: str
    language: str
    status: str  # "failed" or "no data"
    reason: str
    previous: str | None = None  # its last good report, moved to ``stale/<file>``; None: none


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
    return load_release(data_dir, isolate_bad_rows=True)


@cache
def _style(name: str) -> Style:
    return load_style(name)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _worker_init(parent: int, method: str) -> None:
    """Tie a pool worker's life to the batch that started it (runs first in each worker).

    On Linux the kernel kills the worker when its parent dies (``PR_SET_PDEATHSIG``); on every
    platform a thread checks ``os.getppid()`` each second as a fallback. A forked worker also
    closes the output lock it inherited: only the batch itself holds the folder.
    """
    from reportgen.build import forget_inherited_locks

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
    """Build and write one report; never raises (a failure is an ``Outcome``)."""
    from reportgen.build import build_country, write_atomic

    start = time.perf_counter()
    try:
        dataset = _release(task.data_dir, task.stamp)
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
    except OutputError as exc:  # the folder, not the report: every other report would fail too
        seconds = time.perf_counter() - start
        return Outcome(task.code, task.language, "failed", seconds, str(exc), fatal=True)
    except ReportgenError as exc:
        return Outcome(task.code, task.language, "failed", time.perf_counter() - start, str(exc))
    except Exception as exc:  # a bug for one country must not stop the batch; it is reported
        reason = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return Outcome(task.code, task.language, "failed", time.perf_counter() - start, reason)


# --- manifest ------------------------------------------------------------------------------------

Key = tuple[str, str]  # (country, language)


def _read(out_dir: Path) -> tuple[dict[Key, Entry], dict[Key, Failure]]:
    path = out_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = {(e["country"], e["language"]): Entry(**e) for e in data["reports"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}, {}  # none, or unreadable: that only costs a rebuild
    failures: dict[Key, Failure] = {}
    listed = data.get("failures")
    for raw in listed if isinstance(listed, list) else ():
        with contextlib.suppress(TypeError, KeyError):
            failure = Failure(**raw)
            failures[(failure.country, failure.language)] = failure
    return entries, failures


def read_manifest(out_dir: Path) -> dict[Key, Entry]:
    """The entries of ``out_dir/manifest.json`` by (country, language); empty if none."""
    return _read(out_dir)[0]


def read_failures(out_dir: Path) -> dict[Key, Failure]:
    """The manifest's ``failures``: reports not (re)built, with the reason, by key."""
    return _read(out_dir)[1]


def write_manifest(
    out_dir: Path, entries: Iterable[Entry], dataset: Dataset, failures: Iterable[Failure] = ()
) -> Path:
    """Write the manifest atomically; return its path."""
    from reportgen.build import write_atomic

    ordered = sorted(entries, key=lambda e: (e.language, e.region, e.country))
    data = {
        "generator": f"reportgen {__version__}",
        "release": dataset.info.title,
        "release_year": dataset.info.publication_year,
        "illustrative": dataset.info.illustrative,
        "reports": [asdict(e) for e in ordered],
        "failures": [asdict(f) for f in sorted(failures, key=lambda f: (f.language, f.country))],
    }
    path = out_dir / MANIFEST
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
    return path


class _Manifest:
    """The manifest of one run, rewritten as each report finishes (read, merge, write).

    The run holds the folder's lock, so nobody else writes the file; should it change all the
    same (a writer without the lock), it is read again and this run's changes are merged in.
    """

    def __init__(self, out_dir: Path, dataset: Dataset) -> None:
        self.out_dir = out_dir
        self.dataset = dataset
        self.path = out_dir / MANIFEST
        self.entries, self.failures = _read(out_dir)
        self._ours: dict[Key, Entry | Failure] = {}
        self._seen = self._signature()

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)

    def save(self) -> None:
        """Merge this run's changes into the manifest on disk and write it atomically."""
        if self._signature() != self._seen:
            self.entries, self.failures = _read(self.out_dir)
        for key, value in self._ours.items():
            if isinstance(value, Entry):
                self.entries[key] = value
                self.failures.pop(key, None)
            else:
                self.entries.pop(key, None)
                self.failures[key] = value
        write_manifest(self.out_dir, self.entries.values(), self.dataset, self.failures.values())
        self._seen = self._signature()

    def record(self, outcome: Outcome) -> Outcome:
        """Write what ``outcome`` changes; return it, saying where a stale report went."""
        key = (outcome.code, outcome.language)
        if outcome.fatal or outcome.status == "unchanged":
            return outcome  # a folder that cannot be written: leave the manifest as it is
        if outcome.entry is not None:
            stale = self.failures.get(key)
            self._ours[key] = outcome.entry
            self.save()
            if stale is not None and stale.previous:
                self._discard(stale.previous)
            return outcome
        entry = self.entries.get(key)
        moved = self._set_aside(entry.file) if entry is not None else None
        earlier = self.failures.get(key)
        previous = moved or (earlier.previous if earlier is not None else None)
        self._ours[key] = Failure(
            outcome.code, outcome.language, outcome.status, outcome.reason, previous
        )
        try:
            self.save()
        except ReportgenError:
            if moved is not None and entry is not None:  # put it back: the manifest lists it
                with contextlib.suppress(OSError):
                    (self.out_dir / moved).replace(self.out_dir / entry.file)
            raise
        return replace(outcome, previous=moved or "")

    def _set_aside(self, file: str) -> str | None:
        """Move a report that is no longer current to ``stale/``; return its new name."""
        from reportgen.build import output_error

        source = self.out_dir / file
        if not source.is_file():
            return None
        target = self.out_dir / STALE / file
        try:
            target.parent.mkdir(exist_ok=True)
            source.replace(target)
        except OSError as exc:
            raise output_error(target, exc) from None
        return f"{STALE}/{file}"

    def _discard(self, previous: str) -> None:
        stale = self.out_dir / previous
        with contextlib.suppress(OSError):
            stale.unlink(missing_ok=True)
            stale.parent.rmdir()  # only when empty


def _unchanged(entry: Entry | None, digest: str, out_dir: Path) -> bool:
    if entry is None or entry.inputs != digest:
        return False
    path = out_dir / entry.file
    if not path.exists() or path.stat().st_size != entry.bytes:
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256


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
) -> BatchResult:
    """Build the reports of ``codes`` (default: every country) in ``languages`` into ``out_dir``.

    Work goes to ``executor`` (default: a process pool of ``jobs`` workers, which die with
    this process). The run holds ``out_dir``'s lock: another run there raises
    ``OutputError`` at once, or is waited for with ``wait``. The manifest is rewritten as each
    report finishes, so a run killed at any point keeps what it finished and a re-run builds
    only the rest. A report that fails is listed under the manifest's ``failures`` and its
    previous PDF, no longer current, is moved to ``stale/``. A folder that cannot be written
    (a full disk) stops the run with one ``OutputError`` once the running reports are done.
    """
    from reportgen.build import output_lock

    started = time.perf_counter()
    data_dir = data_dir.resolve()
    stamp = release_stamp(data_dir)
    dataset = _release(str(data_dir), stamp)
    the_style = _style(style)
    prepare_output(out_dir)
    with output_lock(out_dir, wait=wait, on_wait=on_wait):
        result = _run_locked(
            dataset,
            the_style,
            Task(str(data_dir), style, "", "", str(out_dir), "", stamp),
            codes if codes is not None else dataset.country_codes(),
            languages,
            jobs,
            force,
            executor,
            progress,
            on_start,
        )
    result.seconds = time.perf_counter() - started
    return result


def _run_locked(
    dataset: Dataset,
    the_style: Style,
    template: Task,
    codes: Sequence[str],
    languages: Sequence[str],
    jobs: int | None,
    force: bool,
    executor: Executor | None,
    progress: Progress | None,
    on_start: Callable[[int], None] | None,
) -> BatchResult:
    from reportgen.build import remove_stale_temporaries

    out_dir = Path(template.out_dir)
    remove_stale_temporaries(out_dir)
    manifest = _Manifest(out_dir, dataset)
    previous = dict(manifest.entries)
    digests = _Digests(dataset, the_style)
    result = BatchResult(manifest=manifest.path)
    tasks: list[Task] = []
    for code in codes:
        for language in languages:
            if code in dataset.rejected:
                reasons = (
                    "; ".join(str(p) for p in dataset.rejected[code][:3]) or "rows with errors"
                )
                outcome = Outcome(code, language, "failed", reason=f"bad data: {reasons}")
                result.outcomes.append(manifest.record(outcome))
                continue
            digest = digests.of(code, language)
            if not force and _unchanged(previous.get((code, language)), digest, out_dir):
                result.outcomes.append(
                    Outcome(code, language, "unchanged", entry=previous[(code, language)])
                )
                continue
            tasks.append(replace(template, code=code, language=language, digest=digest))
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
    if not manifest.path.exists():  # nothing to build: still say what the folder holds
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
