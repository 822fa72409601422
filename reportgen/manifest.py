"""The batch manifest: what ``reportgen batch`` built, read back by compendium and distribution.

In:  a reports directory's ``manifest.json`` (``read_manifest``), or the entries of a run
     (``write_manifest``, ``ManifestJournal``).
Out: a ``Manifest`` of frozen values: the ``Release``, one ``Entry`` per built report and one
     ``Failure`` per report that could not be (re)built; or the file, written atomically.

This module is the only place that knows the file's layout. ``batch`` writes it (through a
``ManifestJournal``, as each report finishes), ``compendium`` binds the reports it lists and
``distribute`` sends them; all three read it with ``read_manifest``.

The file (UTF-8 JSON, two-space indent, non-ASCII kept as is, one newline at the end)::

    {
      "generator": "reportgen 1.2.0",          # who wrote it
      "release": "Demonstration release",      # the release's title
      "release_year": 2026,                    # its publication year
      "illustrative": true,                    # synthetic data (every page says so)
      "data_author": "reportgen demo",         # who made the data (credited), optional
      "release_titles": {"fr": "l’édition …"}, # the release as each language's sentences
                                               # name it (the mails say it so), optional
      "reports": [                             # by language, region, country
        {
          "country": "XDK",                    # ISO3 code
          "name": "Ostmere",                   # the country's name in the report
          "region": "sub-saharan-africa",      # region code (the codebook's)
          "survey": true,                      # has civil and political (survey) data
          "language": "en",
          "file": "XDK-ostmere-2026-en.pdf",   # in the same directory: a bare file name
          "pages": 14,
          "bytes": 812345,
          "sha256": "…64 lower-case hex digits…",
          "release": "Demonstration release",  # of this report: the same in every entry
          "release_year": 2026,
          "inputs": "…32 hex digits…",         # what its pages are made of: unchanged → kept
          "scores": {                          # headline scores, unrounded; null: none
            "empowerment": 9.0249,             # /10
            "safety": 8.889,                   # /10
            "quality_of_life": 56.0,           # % of what is possible at the income
            "assembly": 8.71,                  # and each right's (codebook key; optional):
            "food": 91.2                       # /10 or %, as its dimension; absent: none
          },
          "sources": "…32 hex digits…",        # the files it was built from (optional)
          "format": "report"                   # or "profile" (optional: "report")
        }
      ],
      "failures": [                            # by language, country
        {
          "country": "XAQ",
          "language": "en",
          "status": "failed",                  # or "no data"
          "reason": "bad data: …",
          "previous": "stale/XAQ-….pdf",       # its last good report, moved aside; or null
          "sources": "…32 hex digits…",        # the files it was tried with (optional)
          "format": "report"                   # or "profile" (optional: "report")
        }
      ],
      "compendia": [                           # by language, format (optional)
        {
          "language": "en",
          "file": "compendium-2026-en-profile.pdf",  # in the same directory
          "sha256": "…64 lower-case hex digits…",
          "inputs": "…32 hex digits…",         # what it was bound from: unchanged → kept
          "format": "profile"                  # what it binds (optional: "report")
        }
      ],
      "selections": {                          # what a batch's request selected (optional)
        "…32 hex digits…": ["ABW", "AFG"]     # request and files → the countries, in order
      }
    }

``inputs`` and ``sources`` are ``reportgen.batch``'s digests (its docstring says of what);
this module only keeps them. So are the keys of ``selections``: each digests a batch's
request (countries, region, survey-only) with the files it was made from, so that a re-run
with nothing changed knows its countries without reading the release (the newest
``SELECTIONS_KEPT`` are kept; written only when there is one).

Each country has at most one entry per language and format (``Key``): its full report
(``"report"``) and its two-page profile (``"profile"``) are separate files and entries.
Older manifests are read as they are: an entry, failure or compendium without ``format`` is
a full report's (profiles came later); one without ``failures`` (written before failures were
kept) has none; an entry without ``scores``, or with ``{}``, has no scores recorded (the
compendium then says so). Every other key of an entry is required. A score that is not a
finite number reads as None. A malformed ``failures`` record is left out: it only explains a
report that is missing, and the reports themselves are all there.

A missing manifest, a file that is not JSON, and an entry that lacks a key or holds a wrong
value are each one ``ManifestError`` naming the file (and the entry) and saying what to do:
run ``reportgen batch`` again into that directory.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from reportgen import __version__
from reportgen.errors import ReportgenError

MANIFEST = "manifest.json"
Key = tuple[str, str, str]  # (country, language, format)
FORMATS = ("report", "profile")  # what an entry's PDF is: the full report, the profile


class ManifestError(ReportgenError):
    """A manifest is missing, is not readable JSON, or is not one ``reportgen batch`` wrote."""


@dataclass(frozen=True, slots=True)
class Release:
    """The release a manifest's reports were built from."""

    title: str
    year: int
    illustrative: bool = False
    data_author: str = ""  # who made the data (HRMI), not who publishes the reports; "": unknown
    # (language, the release as that language's sentences name it: "l’édition 2020 des
    # données HRMI"), as the reports say it; empty in manifests written before it was kept
    titles: tuple[tuple[str, str], ...] = ()

    def title_in(self, language: str) -> str | None:
        """The release as sentences in ``language`` name it, if the manifest records it."""
        return dict(self.titles).get(language)


@dataclass(frozen=True, slots=True)
class Entry:
    """One built report, as the manifest records it."""

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
    inputs: str  # batch's input digest
    # Headline scores by dimension key (empowerment, safety: /10; quality_of_life: %) and
    # each right's by right key (``reportgen.build.recorded_scores``), unrounded: readers
    # round exactly as the report does. Empty: not recorded.
    scores: Mapping[str, float | None] = field(default_factory=dict)
    sources: str = ""  # batch's digest of the files it was built from; "": not recorded
    format: str = "report"  # "report" (the full report) or "profile"

    @property
    def key(self) -> Key:
        """(country, language, format): one entry each."""
        return (self.country, self.language, self.format)

    @property
    def empowerment(self) -> float | None:
        """The empowerment score (/10), or None."""
        return self.scores.get("empowerment")

    @property
    def safety(self) -> float | None:
        """The safety from the state score (/10), or None."""
        return self.scores.get("safety")

    @property
    def quality_of_life(self) -> float | None:
        """The quality of life score (% of what is possible at the country's income), or None."""
        return self.scores.get("quality_of_life")


@dataclass(frozen=True, slots=True)
class Failure:
    """A report not (re)built, as the manifest's ``failures`` list records it."""

    country: str
    language: str
    status: str  # "failed" or "no data"
    reason: str
    previous: str | None = None  # its last good report, moved to ``stale/<file>``; None: none
    sources: str = ""  # batch's digest of the files it was tried with; "": not recorded
    format: str = "report"  # what was not built: "report" or "profile"

    @property
    def key(self) -> Key:
        """(country, language, format)."""
        return (self.country, self.language, self.format)


@dataclass(frozen=True, slots=True)
class Compendium:
    """A compendium bound from the manifest's reports, as the manifest records it."""

    language: str
    file: str  # in the same directory
    sha256: str  # of the file written: one edited or replaced since is bound again
    inputs: str  # batch's digest of what it was bound from
    format: str = "report"  # what it binds: "report" (full reports) or "profile"

    @property
    def key(self) -> tuple[str, str]:
        """(language, format): one compendium each."""
        return (self.language, self.format)


@dataclass(frozen=True, eq=False)
class Manifest:
    """The manifest of one reports directory."""

    directory: Path
    release: Release
    entries: tuple[Entry, ...]
    failures: tuple[Failure, ...] = ()
    generator: str = ""
    compendia: tuple[Compendium, ...] = ()
    # (request digest, the countries it selected), oldest first (``reportgen.batch``)
    selections: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def selection(self, digest: str) -> tuple[str, ...] | None:
        """The countries the batch request ``digest`` selected, or None when not recorded."""
        return next((codes for key, codes in self.selections if key == digest), None)

    def compendium(self, language: str, format: str = "report") -> Compendium | None:
        """The record of the compendium of ``format`` in ``language``, or None when none was
        bound."""
        return next((c for c in self.compendia if c.key == (language, format)), None)

    @property
    def path(self) -> Path:
        """The manifest file."""
        return self.directory / MANIFEST

    @cached_property
    def _index(self) -> dict[Key, Entry]:
        return {e.key: e for e in self.entries}

    def by_key(self) -> dict[Key, Entry]:
        """The entries by (country, language, format)."""
        return dict(self._index)

    def failures_by_key(self) -> dict[Key, Failure]:
        """The failures by (country, language, format)."""
        return {f.key: f for f in self.failures}

    def of_format(self, format: str = "report") -> list[Entry]:
        """The entries of ``format`` ("report": the full reports; "profile")."""
        return [e for e in self.entries if e.format == format]

    def get(self, country: str, language: str, format: str = "report") -> Entry | None:
        """The PDF of ``format`` of ``country`` in ``language``, or None when it was not built."""
        return self._index.get((country, language, format))

    def languages(self, country: str | None = None, format: str = "report") -> list[str]:
        """The languages with PDFs of ``format`` (of ``country``, when given), sorted."""
        return sorted({e.language for e in self.of_format(format) if country in (None, e.country)})

    def codes(self, format: str = "report") -> set[str]:
        """Every country with a PDF of ``format``, in any language."""
        return {e.country for e in self.of_format(format)}

    def regions(self, format: str = "report") -> set[str]:
        """Every region code of the PDFs of ``format``."""
        return {e.region for e in self.of_format(format)}

    def in_region(self, region: str, format: str = "report") -> list[str]:
        """The countries of ``region`` that have a PDF of ``format``, sorted."""
        return sorted({e.country for e in self.of_format(format) if e.region == region})

    def file(self, entry: Entry) -> Path:
        """Where the PDF of ``entry`` is."""
        return self.directory / entry.file


# --- reading ------------------------------------------------------------------------------------


SELECTIONS_KEPT = 8  # batch requests whose countries a manifest remembers (``selections``)


def _error(path: Path, what: str) -> ManifestError:
    return ManifestError(
        f"{path}: {what}. Re-run `reportgen batch --out {path.parent}` to write the manifest again."
    )


# An entry's keys and their JSON types, in the order batch writes them (all but ``scores``).
_ENTRY_KEYS: tuple[tuple[str, type], ...] = (
    ("country", str),
    ("name", str),
    ("region", str),
    ("survey", bool),
    ("language", str),
    ("file", str),
    ("pages", int),
    ("bytes", int),
    ("sha256", str),
    ("release", str),
    ("release_year", int),
    ("inputs", str),
)


def _titles(raw: object) -> tuple[tuple[str, str], ...]:
    """``release_titles`` ({language: title}); anything else (absent, older files) is none."""
    if not isinstance(raw, dict):
        return ()
    return tuple(
        sorted((k, v) for k, v in raw.items() if isinstance(k, str) and isinstance(v, str))
    )


def _is(value: object, kind: type) -> bool:
    """Whether a JSON value is of ``kind`` (a bool is not an int here)."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _score(value: object) -> float | None:
    if not _is(value, int) and not _is(value, float):
        return None
    number = float(value)  # type: ignore[arg-type]  # an int or a float, checked above
    return number if math.isfinite(number) else None


def _entry(raw: object, path: Path, index: int) -> Entry:
    where = f"report #{index + 1}"
    if not isinstance(raw, dict):
        raise _error(path, f"{where} is not an object")
    values: dict[str, Any] = {}
    for key, kind in _ENTRY_KEYS:
        value = raw.get(key)
        if not _is(value, kind):
            raise _error(path, f"{where} has no valid '{key}' (value: {value!r})")
        values[key] = value
    file = str(values["file"])
    if Path(file).name != file or file.startswith("."):
        raise _error(path, f"{where} names a file outside the directory ({file!r})")
    if not re.fullmatch(r"[0-9a-f]{64}", str(values["sha256"])):
        raise _error(path, f"{where} has no valid 'sha256' (value: {values['sha256']!r})")
    if int(values["pages"]) < 1 or int(values["bytes"]) < 1:
        raise _error(path, f"{where} has no pages or no bytes")
    scores = raw.get("scores")  # absent in manifests written before scores were kept
    if scores is not None and not isinstance(scores, dict):
        raise _error(path, f"{where} has 'scores' that are not an object ({scores!r})")
    sources = raw.get("sources")  # absent in manifests written before it was kept
    fmt = raw.get("format", "report")  # absent in manifests written before profiles
    if fmt not in FORMATS:
        raise _error(path, f"{where} has no valid 'format' (value: {fmt!r}; one of {FORMATS})")
    return Entry(
        **values,
        scores={str(k): _score(v) for k, v in (scores or {}).items()},
        sources=sources if isinstance(sources, str) else "",
        format=str(fmt),
    )


def _failure(raw: object) -> Failure | None:
    if not isinstance(raw, dict):
        return None
    texts = [raw.get(key) for key in ("country", "language", "status", "reason")]
    previous = raw.get("previous")
    if not all(isinstance(t, str) for t in texts) or not isinstance(previous, str | None):
        return None
    country, language, status, reason = (str(t) for t in texts)
    sources = raw.get("sources")
    fmt = raw.get("format", "report")
    if fmt not in FORMATS:
        return None
    return Failure(
        country,
        language,
        status,
        reason,
        previous,
        sources if isinstance(sources, str) else "",
        str(fmt),
    )


def _compendium(raw: object) -> Compendium | None:
    """A ``compendia`` record, or None when malformed (that only costs binding it again)."""
    if not isinstance(raw, dict):
        return None
    values = [raw.get(key) for key in ("language", "file", "sha256", "inputs")]
    if not all(isinstance(v, str) for v in values):
        return None
    language, file, sha256, inputs = (str(v) for v in values)
    fmt = raw.get("format", "report")
    if fmt not in FORMATS:
        return None
    return Compendium(language, file, sha256, inputs, str(fmt))


def read_manifest(directory: Path) -> Manifest:
    """Read ``directory/manifest.json``; raise ``ManifestError`` naming what is wrong and the fix."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ManifestError(
            f"No {MANIFEST} in {directory}: it holds no reports built by `reportgen batch` or "
            f"`reportgen build`. Run `reportgen batch --out {directory}` first, or point "
            "--reports at its output."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _error(path, f"not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _error(path, "not a JSON object")
    title, year = data.get("release"), data.get("release_year")
    if not isinstance(title, str) or not isinstance(year, int) or isinstance(year, bool):
        raise _error(path, f"no valid 'release' and 'release_year' (values: {title!r}, {year!r})")
    entries = data.get("reports")
    if not isinstance(entries, list):
        raise _error(path, "no list of 'reports'")
    listed = data.get("failures")  # absent in manifests written before failures were kept
    failures = (_failure(raw) for raw in (listed if isinstance(listed, list) else ()))
    generator = data.get("generator")
    bound = data.get("compendia")  # absent in manifests written before it was kept
    compendia = (_compendium(raw) for raw in (bound if isinstance(bound, list) else ()))
    chosen = data.get("selections")  # absent in manifests written before it was kept
    selections = tuple(
        (key, tuple(codes))
        for key, codes in (chosen.items() if isinstance(chosen, dict) else ())
        if isinstance(codes, list) and all(isinstance(c, str) for c in codes)
    )
    return Manifest(
        directory=Path(directory),
        release=Release(
            title,
            year,
            data.get("illustrative") is True,
            str(data.get("data_author") or ""),  # (absent from manifests written before it)
            _titles(data.get("release_titles")),
        ),
        entries=tuple(_entry(raw, path, i) for i, raw in enumerate(entries)),
        failures=tuple(f for f in failures if f is not None),
        generator=generator if isinstance(generator, str) else "",
        compendia=tuple(c for c in compendia if c is not None),
        selections=selections,
    )


def previous_manifest(directory: Path) -> Manifest | None:
    """The manifest a new batch run builds on, or None when there is none or it is unreadable.

    A batch only uses it to skip unchanged reports, so a manifest it cannot read costs a
    rebuild, not an error; the run then writes a good one.
    """
    try:
        return read_manifest(directory)
    except ManifestError:
        return None


# --- writing ------------------------------------------------------------------------------------


def manifest_bytes(
    release: Release,
    entries: Iterable[Entry],
    failures: Iterable[Failure] = (),
    compendia: Iterable[Compendium] = (),
    rendered: dict[int, tuple[object, str]] | None = None,
    selections: Sequence[tuple[str, Sequence[str]]] = (),
) -> bytes:
    """The file's bytes: entries by language, region, country and format; failures by language,
    country and format; compendia by language and format (a full report before its profile).

    The bytes are ``json.dumps(…, indent=2)`` of the whole; each record is rendered on its own
    and joined (a batch rewrites the file after every report: rendering all of it each time
    took 30 ms for 203 reports). ``rendered`` keeps the records' texts between calls (by
    object: records are immutable), for a writer that saves the same records again and again.
    """
    cache: dict[int, tuple[object, str]] = {} if rendered is None else rendered

    def record(value: Entry | Failure | Compendium) -> str:
        kept = cache.get(id(value))
        if kept is not None and kept[0] is value:
            return kept[1]
        data = {f.name: getattr(value, f.name) for f in fields(value)}
        if isinstance(value, Entry):
            data["scores"] = dict(value.scores)
        text = json.dumps(data, indent=2, ensure_ascii=False).replace("\n", "\n    ")
        cache[id(value)] = (value, text)
        return text

    def records(values: Sequence[Entry] | Sequence[Failure] | Sequence[Compendium]) -> str:
        texts = [record(v) for v in values]
        return "[\n    " + ",\n    ".join(texts) + "\n  ]" if texts else "[]"

    def plain(value: object) -> str:
        return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")

    parts = {
        "generator": plain(f"reportgen {__version__}"),
        "release": plain(release.title),
        "release_year": plain(release.year),
        "illustrative": plain(release.illustrative),
        "data_author": plain(release.data_author),
        "release_titles": plain(dict(release.titles)),
        "reports": records(
            sorted(
                entries, key=lambda e: (e.language, e.region, e.country, FORMATS.index(e.format))
            )
        ),
        "failures": records(
            sorted(failures, key=lambda f: (f.language, f.country, FORMATS.index(f.format)))
        ),
        "compendia": records(sorted(compendia, key=lambda c: c.key)),
    }
    if selections:
        parts["selections"] = plain({key: list(codes) for key, codes in selections})
    body = ",\n".join(f"  {json.dumps(key)}: {text}" for key, text in parts.items())
    return ("{\n" + body + "\n}\n").encode()


def write_manifest(
    directory: Path,
    release: Release,
    entries: Iterable[Entry],
    failures: Iterable[Failure] = (),
    compendia: Iterable[Compendium] = (),
) -> Path:
    """Write the manifest of ``directory`` atomically (it holds exactly these); return its path.

    Raises ``OutputError`` (a full disk, no permission) and leaves the previous file whole.
    """
    from reportgen.outputs import write_atomic

    path = Path(directory) / MANIFEST
    write_atomic(path, manifest_bytes(release, entries, failures, compendia))
    return path


class ManifestJournal:
    """One run's changes to a manifest, merged into the file on disk at each ``save``.

    It starts from the manifest on disk (``previous_manifest``: none or unreadable is empty).
    Each ``put`` records a report built (an ``Entry``, which clears its failure) or not built
    (a ``Failure``, which drops its entry); ``save`` writes the file atomically. The writer
    holds the folder's lock, so nobody else writes the file; should it change all the same (a
    writer without the lock), it is read again and this run's changes are merged in, so that
    the entries of other runs are kept.
    """

    def __init__(self, directory: Path, release: Release) -> None:
        self.directory = Path(directory)
        self.release = release
        self.path = self.directory / MANIFEST
        self.entries, self.failures, self.compendia, self.selections = self._read()
        self._ours: dict[Key, Entry | Failure] = {}
        self._books: dict[tuple[str, str], Compendium] = {}
        self._chosen: dict[str, tuple[str, ...]] = {}
        self._seen = self._signature()
        self._rendered: dict[int, tuple[object, str]] = {}  # records' texts (manifest_bytes)

    def _read(
        self,
    ) -> tuple[
        dict[Key, Entry],
        dict[Key, Failure],
        dict[tuple[str, str], Compendium],
        dict[str, tuple[str, ...]],
    ]:
        manifest = previous_manifest(self.directory)
        if manifest is None:
            return {}, {}, {}, {}
        books = {c.key: c for c in manifest.compendia}
        return manifest.by_key(), manifest.failures_by_key(), books, dict(manifest.selections)

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)

    def put(self, value: Entry | Failure) -> None:
        """Record a report built or not built by this run (written at the next ``save``)."""
        self._ours[value.key] = value

    def put_compendium(self, value: Compendium) -> None:
        """Record a compendium bound by this run (written at the next ``save``)."""
        self._books[value.key] = value

    def put_selection(self, digest: str, codes: Sequence[str]) -> None:
        """Record the countries the batch request ``digest`` selected (written at the next
        ``save``; the newest ``SELECTIONS_KEPT`` are kept)."""
        self._chosen[digest] = tuple(codes)

    def _merge(self) -> None:
        if self._signature() != self._seen:
            self.entries, self.failures, self.compendia, self.selections = self._read()
        for key, value in self._ours.items():
            if isinstance(value, Entry):
                self.entries[key] = value
                self.failures.pop(key, None)
            else:
                self.entries.pop(key, None)
                self.failures[key] = value
        self.compendia.update(self._books)
        for digest, codes in self._chosen.items():  # ours the newest: last
            self.selections.pop(digest, None)
            self.selections[digest] = codes
        while len(self.selections) > SELECTIONS_KEPT:
            del self.selections[next(iter(self.selections))]

    def merged_bytes(self) -> bytes:
        """The manifest file's bytes with this run's changes merged in (to write it together
        with other files: ``reportgen.outputs.StagedFiles``)."""
        self._merge()
        return manifest_bytes(
            self.release,
            self.entries.values(),
            self.failures.values(),
            self.compendia.values(),
            self._rendered,
            list(self.selections.items()),
        )

    def save(self) -> None:
        """Merge this run's changes into the manifest on disk and write it atomically."""
        from reportgen.outputs import write_atomic

        write_atomic(self.path, self.merged_bytes())
        self._seen = self._signature()
