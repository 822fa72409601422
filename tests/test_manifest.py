"""The batch manifest (``reportgen.manifest``): its schema on disk, and one reader for all.

Pinned here: the file's keys and their order, byte for byte as batch has always written it;
a round trip; manifests written before ``failures`` and ``scores`` existed still read; a
damaged file is one clear error naming it, the same from every stage; a save merges in what
another writer added; and a real demo batch's manifest is the one compendium and
distribution read (the files they bind and attach are the ones it lists).
"""

from __future__ import annotations

import email
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from reportgen import __version__
from reportgen.batch import read_failures
from reportgen.batch import read_manifest as batch_entries
from reportgen.compendium import build_compendium
from reportgen.distribute import DistributionError, load_reports
from reportgen.errors import ReportgenError
from reportgen.manifest import (
    MANIFEST,
    Entry,
    Failure,
    ManifestError,
    ManifestJournal,
    Release,
    manifest_bytes,
    previous_manifest,
    read_manifest,
    write_manifest,
)

from .conftest import DEMO_DIR
from .pdfcheck import outline

RELEASE = Release("Demonstration release", 2026, illustrative=True, data_author="reportgen demo")
SHA = "7604885b01302c585616db598a08affaea119ced24eefa14ef1619b45f3b67a8"


def _entry(country: str = "XAQ", language: str = "en", **changes: Any) -> Entry:
    values: dict[str, Any] = {
        "country": country,
        "name": "Kestrel Islands",
        "region": "east-asia-pacific",
        "survey": True,
        "language": language,
        "file": f"{country}-kestrel-islands-2026-{language}.pdf",
        "pages": 27,
        "bytes": 243188,
        "sha256": SHA,
        "release": "Demonstration release",
        "release_year": 2026,
        "inputs": "54710dc2c5b05cfc2bc4367cfb146cc4",
        "scores": {"empowerment": 5.333922, "safety": 4.1381243, "quality_of_life": 93.9},
    }
    values.update(changes)
    return Entry(**values)


# The manifest as batch wrote it before this module existed (reportgen at commit d91debc),
# copied from a real run: the format the code must go on reading and writing.
WRITTEN_BY_BATCH = """{
  "generator": "reportgen VERSION",
  "release": "Demonstration release",
  "release_year": 2026,
  "illustrative": true,
  "data_author": "reportgen demo",
  "release_titles": {},
  "reports": [
    {
      "country": "XAQ",
      "name": "Kestrel Islands",
      "region": "east-asia-pacific",
      "survey": true,
      "language": "en",
      "file": "XAQ-kestrel-islands-2026-en.pdf",
      "pages": 27,
      "bytes": 243188,
      "sha256": "7604885b01302c585616db598a08affaea119ced24eefa14ef1619b45f3b67a8",
      "release": "Demonstration release",
      "release_year": 2026,
      "inputs": "54710dc2c5b05cfc2bc4367cfb146cc4",
      "scores": {
        "empowerment": 5.333922,
        "safety": 4.1381243,
        "quality_of_life": 93.9
      }
    },
    {
      "country": "XAT",
      "name": "United Lowland Provinces of Erevandia",
      "region": "europe-central-asia",
      "survey": false,
      "language": "en",
      "file": "XAT-united-lowland-provinces-of-erevandia-2026-en.pdf",
      "pages": 5,
      "bytes": 109611,
      "sha256": "800dd948bf7d5a25824a9c54890072ba531e63cf3ef2d2fa92dabf2b58c1abd5",
      "release": "Demonstration release",
      "release_year": 2026,
      "inputs": "335ef81aeb65b165c58c61bbbfd0a893",
      "scores": {
        "empowerment": null,
        "safety": null,
        "quality_of_life": 77.3
      }
    }
  ],
  "failures": [
    {
      "country": "XDK",
      "language": "en",
      "status": "failed",
      "reason": "bad data: cpr-scores.csv, row 2, column 'mean': not a number ('abc')",
      "previous": "stale/XDK-ostmere-2026-en.pdf"
    }
  ]
}
""".replace("VERSION", __version__)
# The keys of that format, in its order; later versions may add keys after these.
TOP_KEYS = [
    "generator",
    "release",
    "release_year",
    "illustrative",
    "data_author",
    "release_titles",
    "reports",
    "failures",
]
ENTRY_KEYS = [
    "country",
    "name",
    "region",
    "survey",
    "language",
    "file",
    "pages",
    "bytes",
    "sha256",
    "release",
    "release_year",
    "inputs",
    "scores",
]
FAILURE_KEYS = ["country", "language", "status", "reason", "previous"]


def _in_that_format(data: bytes) -> str:
    """A manifest as the format above has it: only its keys, in its layout."""
    parsed = json.loads(data)
    kept = {key: parsed[key] for key in TOP_KEYS}
    kept["reports"] = [{k: e[k] for k in ENTRY_KEYS if k in e} for e in parsed["reports"]]
    kept["failures"] = [{k: f[k] for k in FAILURE_KEYS} for f in parsed["failures"]]
    return json.dumps(kept, indent=2, ensure_ascii=False) + "\n"


def _order(keys: list[str], known: list[str]) -> list[str]:
    return [key for key in keys if key in known]


def _write(directory: Path, data: str | dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, indent=2)
    (directory / MANIFEST).write_text(text, encoding="utf-8")
    return directory


# --- the schema -----------------------------------------------------------------------------


def test_a_manifest_batch_wrote_is_read_and_written_again_as_it_was(tmp_path: Path) -> None:
    manifest = read_manifest(_write(tmp_path, WRITTEN_BY_BATCH))
    assert manifest.release == RELEASE
    assert manifest.generator == f"reportgen {__version__}"
    xaq, xat = manifest.entries
    assert xaq == _entry()
    assert (xat.country, xat.survey, xat.pages, xat.bytes) == ("XAT", False, 5, 109611)
    assert (xat.empowerment, xat.safety, xat.quality_of_life) == (None, None, 77.3)
    assert xaq.safety == 4.1381243 and xaq.quality_of_life == 93.9
    assert manifest.failures == (
        Failure(
            "XDK",
            "en",
            "failed",
            "bad data: cpr-scores.csv, row 2, column 'mean': not a number ('abc')",
            "stale/XDK-ostmere-2026-en.pdf",
        ),
    )
    rewritten = manifest_bytes(manifest.release, manifest.entries, manifest.failures)
    assert _in_that_format(rewritten) == WRITTEN_BY_BATCH  # every key and value, in order
    assert rewritten.decode().startswith(WRITTEN_BY_BATCH[:400])  # and laid out alike
    again = read_manifest(_write(tmp_path / "again", rewritten.decode()))
    assert again.entries == manifest.entries and again.failures == manifest.failures
    assert manifest_bytes(again.release, again.entries, again.failures) == rewritten


def test_round_trip_sorts_entries_and_failures(tmp_path: Path) -> None:
    entries = [
        _entry("XGF", "fr", region="americas"),
        _entry("XDK", "en", region="sub-saharan-africa", scores={}),
        _entry("XAQ", "en"),
        _entry("XAT", "fr", region="americas", survey=False),
    ]
    failures = [
        Failure("XEZ", "fr", "no data", "no rows", None),
        Failure("XAA", "en", "failed", "x"),
    ]
    path = write_manifest(tmp_path, RELEASE, entries, failures)
    assert path == tmp_path / MANIFEST
    manifest = read_manifest(tmp_path)
    assert manifest.release == RELEASE
    # by language, region, country; failures by language, country
    assert [e.key for e in manifest.entries] == [
        ("XAQ", "en", "report"),
        ("XDK", "en", "report"),
        ("XAT", "fr", "report"),
        ("XGF", "fr", "report"),
    ]
    assert sorted(manifest.entries, key=lambda e: e.key) == sorted(entries, key=lambda e: e.key)
    assert [f.key for f in manifest.failures] == [("XAA", "en", "report"), ("XEZ", "fr", "report")]
    assert set(manifest.failures) == set(failures)
    assert manifest.get("XDK", "en") == entries[1] and manifest.get("XDK", "fr") is None
    data = json.loads(path.read_text(encoding="utf-8"))
    assert _order(list(data), TOP_KEYS) == TOP_KEYS
    assert _order(list(data["reports"][0]), ENTRY_KEYS) == ENTRY_KEYS
    assert _order(list(data["failures"][0]), FAILURE_KEYS) == FAILURE_KEYS
    assert path.read_bytes() == manifest_bytes(RELEASE, reversed(entries), reversed(failures))


def test_a_manifest_from_before_failures_and_scores_still_reads(tmp_path: Path) -> None:
    data = json.loads(WRITTEN_BY_BATCH)
    del data["failures"]  # before reports that failed were kept
    del data["reports"][0]["scores"]  # before headline scores were kept
    data["reports"][1]["scores"] = {}
    manifest = read_manifest(_write(tmp_path, data))
    assert manifest.failures == ()
    assert [dict(e.scores) for e in manifest.entries] == [{}, {}]
    assert manifest.entries[0].empowerment is None
    assert manifest.entries[0] == _entry(scores={})


def test_a_manifest_from_before_profiles_reads_as_full_reports(tmp_path: Path) -> None:
    data = json.loads(WRITTEN_BY_BATCH)  # no "format" anywhere: written before profiles
    data["compendia"] = [{"language": "en", "file": "c.pdf", "sha256": SHA, "inputs": "x"}]
    manifest = read_manifest(_write(tmp_path, data))
    assert {e.format for e in manifest.entries} == {"report"}
    assert [f.format for f in manifest.failures] == ["report"]
    assert manifest.compendium("en", "report") is not None
    assert manifest.compendium("en", "profile") is None


def test_a_report_and_a_profile_of_one_country_are_two_entries(tmp_path: Path) -> None:
    report = _entry()
    profile = _entry(file="XAQ-kestrel-islands-2026-en-profile.pdf", pages=2, format="profile")
    failure = Failure("XAT", "en", "failed", "x", None, "", "profile")
    write_manifest(tmp_path, RELEASE, [profile, report], [failure])
    manifest = read_manifest(tmp_path)
    assert manifest.entries == (report, profile)  # the report first, then its profile
    assert manifest.get("XAQ", "en") == report
    assert manifest.get("XAQ", "en", "profile") == profile
    assert manifest.get("XAT", "en", "profile") is None
    assert manifest.failures_by_key() == {("XAT", "en", "profile"): failure}
    # what distribution reads: the full reports only
    assert manifest.codes() == {"XAQ"} and manifest.languages("XAQ") == ["en"]
    assert manifest.of_format("profile") == [profile]
    data = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert [e["format"] for e in data["reports"]] == ["report", "profile"]


def test_an_entry_of_an_unknown_format_is_one_clear_error(tmp_path: Path) -> None:
    data = json.loads(WRITTEN_BY_BATCH)
    data["reports"][1]["format"] = "brochure"
    with pytest.raises(ManifestError, match=r"report #2 has no valid 'format' \(value: 'brochure'"):
        read_manifest(_write(tmp_path, data))


def test_scores_that_are_not_finite_numbers_read_as_none(tmp_path: Path) -> None:
    data = json.loads(WRITTEN_BY_BATCH)
    data["reports"][0]["scores"] = {"empowerment": "5.3", "safety": True, "quality_of_life": 1e999}
    (entry, _) = read_manifest(_write(tmp_path, data)).entries
    assert dict(entry.scores) == {"empowerment": None, "safety": None, "quality_of_life": None}


def test_a_malformed_failure_is_left_out_and_the_reports_kept(tmp_path: Path) -> None:
    data = json.loads(WRITTEN_BY_BATCH)
    data["failures"].append({"country": "XGF", "language": "en"})
    data["failures"].append("XEZ")
    manifest = read_manifest(_write(tmp_path, data))
    assert [f.country for f in manifest.failures] == ["XDK"]
    assert len(manifest.entries) == 2


# --- damaged manifests: one clear error naming the file -------------------------------------


def _report(changes: dict[str, Any]) -> bytes:
    data = json.loads(WRITTEN_BY_BATCH)
    data["reports"][1].update(changes)
    return json.dumps(data).encode()


DAMAGED = {
    "not JSON": (b'{"reports": [', "not readable JSON"),
    "truncated": (WRITTEN_BY_BATCH[:700].encode(), "not readable JSON"),
    "not UTF-8": ('{"release": "Démo"}'.encode("latin-1"), "not readable JSON"),
    "a list": (b"[]", "not a JSON object"),
    "no release": (b'{"reports": []}', "no valid 'release' and 'release_year'"),
    "no reports": (b'{"release": "R", "release_year": 2026}', "no list of 'reports'"),
    "entry not an object": (
        b'{"release": "R", "release_year": 2026, "reports": ["XAQ"]}',
        "report #1 is not an object",
    ),
    "older format": (_report({"pages": None}), "report #2 has no valid 'pages' (value: None)"),
    "bool for a number": (_report({"bytes": True}), "report #2 has no valid 'bytes'"),
    "number for a bool": (_report({"survey": 1}), "report #2 has no valid 'survey'"),
    "path outside": (_report({"file": "../x.pdf"}), "report #2 names a file outside the directory"),
    "hidden file": (_report({"file": ".x.pdf"}), "report #2 names a file outside the directory"),
    "bad checksum": (_report({"sha256": "abc"}), "report #2 has no valid 'sha256'"),
    "no pages": (_report({"pages": 0}), "report #2 has no pages or no bytes"),
    "scores a list": (_report({"scores": [1, 2]}), "report #2 has 'scores' that are not an object"),
}


@pytest.mark.parametrize("damage", DAMAGED)
def test_a_damaged_manifest_is_one_error_naming_it_and_the_fix(tmp_path: Path, damage: str) -> None:
    data, what = DAMAGED[damage]
    path = tmp_path / MANIFEST
    path.write_bytes(data)
    with pytest.raises(ManifestError) as caught:
        read_manifest(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and what in message
    assert message.endswith(
        f"Re-run `reportgen batch --out {tmp_path}` to write the manifest again."
    )
    assert "\n" not in message
    assert previous_manifest(tmp_path) is None  # batch: an unreadable manifest costs a rebuild


def test_a_missing_manifest_says_to_run_batch(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        read_manifest(tmp_path)
    assert str(caught.value) == (
        f"No manifest.json in {tmp_path}: it holds no reports built by `reportgen batch` or "
        f"`reportgen build`. Run `reportgen batch --out {tmp_path}` first, or point --reports "
        "at its output."
    )
    assert isinstance(caught.value, ReportgenError)  # the CLI prints it as one line, exit 1
    assert previous_manifest(tmp_path) is None


# --- writing: read, merge, write --------------------------------------------------------------


def test_a_save_keeps_the_entries_another_writer_added(tmp_path: Path) -> None:
    write_manifest(tmp_path, RELEASE, [_entry("XAQ")], [Failure("XGF", "en", "failed", "x")])
    ours = ManifestJournal(tmp_path, RELEASE)
    theirs = ManifestJournal(tmp_path, RELEASE)  # a writer without the lock, meanwhile
    theirs.put(_entry("XDK"))
    theirs.save()
    ours.put(_entry("XAT"))
    ours.put(Failure("XAQ", "en", "failed", "bad data", "stale/XAQ.pdf"))  # drops XAQ's entry
    ours.save()
    manifest = read_manifest(tmp_path)
    assert {e.country for e in manifest.entries} == {"XAT", "XDK"}
    assert {f.country for f in manifest.failures} == {"XAQ", "XGF"}
    # a report built again clears its failure
    again = ManifestJournal(tmp_path, RELEASE)
    again.put(_entry("XGF"))
    again.save()
    assert set(batch_entries(tmp_path)) == {
        ("XAT", "en", "report"),
        ("XDK", "en", "report"),
        ("XGF", "en", "report"),
    }
    assert set(read_failures(tmp_path)) == {("XAQ", "en", "report")}


def test_a_journal_starts_afresh_over_an_unreadable_manifest(tmp_path: Path) -> None:
    _write(tmp_path, "{not json")
    journal = ManifestJournal(tmp_path, RELEASE)
    assert journal.entries == {} and journal.failures == {}
    journal.put(_entry())
    journal.save()
    assert read_manifest(tmp_path).entries == (_entry(),)


# --- one manifest, three stages: a real demo batch ----------------------------------------------

CODES = ("XAQ", "XAT")


def _reportgen(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportgen", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output of `reportgen batch` for two demo countries, one with survey data, one not:
    their full reports and their profiles."""
    out = tmp_path_factory.mktemp("batch") / "out"
    countries = [arg for code in CODES for arg in ("--countries", code)]
    run = _reportgen(
        "batch",
        "--data",
        str(DEMO_DIR),
        "--out",
        str(out),
        *countries,
        "--format",
        "report,profile",
        "--no-compendium",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def test_batch_writes_the_manifest_every_stage_reads(batch_out: Path) -> None:
    manifest = read_manifest(batch_out)
    assert manifest.release.title == "Demonstration release" and manifest.release.illustrative
    assert {e.country for e in manifest.entries} == set(CODES)
    assert manifest.by_key() == batch_entries(batch_out)  # batch reads it back the same way
    for entry in manifest.entries:
        data = manifest.file(entry).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry.bytes, entry.sha256)
        assert data[:5] == b"%PDF-" and entry.release == manifest.release.title
    survey = {e.country: e.survey for e in manifest.entries}
    assert survey == {"XAQ": True, "XAT": False}  # XAT has no survey data in the demo
    # the file is what manifest_bytes makes of what was read: batch wrote it through this module
    assert manifest.path.read_bytes() == manifest_bytes(
        manifest.release,
        manifest.entries,
        manifest.failures,
        manifest.compendia,
        selections=manifest.selections,
    )
    # and it remembers the countries the batch's request selected (the CLI's selection)
    assert [set(codes) for _, codes in manifest.selections] == [set(CODES)]
    assert load_reports(batch_out).entries == manifest.entries  # distribution's reading


def test_compendium_binds_the_files_the_manifest_lists(batch_out: Path, tmp_path: Path) -> None:
    manifest = read_manifest(batch_out)
    pdf = build_compendium(batch_out, output=tmp_path / "book.pdf").read_bytes()  # profiles
    parts = [item for item in outline(pdf) if item.level <= 1]  # front matter, regions, countries
    countries = {item.title: i for i, item in enumerate(parts) if item.level == 1}
    profiles = manifest.of_format("profile")
    assert sorted(countries) == sorted(e.name for e in profiles)
    # each country's pages run from its bookmark to the next part: the pages its entry records
    for entry in profiles:
        i = countries[entry.name]
        assert parts[i + 1].page - parts[i].page == entry.pages, entry.name


def test_distribution_attaches_the_files_the_manifest_lists(
    batch_out: Path, tmp_path: Path
) -> None:
    recipients = tmp_path / "recipients.csv"
    recipients.write_text(
        f"name,email,language,countries\nAna Pérez,ana@example.org,en,{';'.join(CODES)}\n",
        encoding="utf-8",
    )
    outbox = tmp_path / "outbox"
    run = _reportgen(
        "distribute",
        "--recipients",
        str(recipients),
        "--reports",
        str(batch_out),
        "--outbox",
        str(outbox),
        "--from",
        "HRMI Reports <reports@example.org>",
        env={"XDG_STATE_HOME": str(tmp_path / "state")},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    attached: dict[str, bytes] = {}
    for eml in outbox.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
        assert isinstance(message, EmailMessage)
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes) and part.get_filename() is not None
            attached[str(part.get_filename())] = payload
    manifest = read_manifest(batch_out)
    assert attached == {e.file: manifest.file(e).read_bytes() for e in manifest.of_format("report")}


def test_every_stage_refuses_the_same_damaged_manifest_alike(
    batch_out: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "out"
    shutil.copytree(batch_out, copy)
    data = json.loads((copy / MANIFEST).read_text(encoding="utf-8"))
    data["reports"][0]["file"] = "../elsewhere.pdf"
    (copy / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ManifestError) as direct:
        read_manifest(copy)
    with pytest.raises(ManifestError) as compendium:
        build_compendium(copy)
    with pytest.raises(DistributionError) as distribution:
        load_reports(copy)
    assert str(direct.value) == str(compendium.value) == str(distribution.value)
    assert "report #1 names a file outside the directory ('../elsewhere.pdf')" in str(direct.value)
    # batch builds over it: an unreadable manifest only costs a rebuild, and a good one is written
    assert batch_entries(copy) == {}
    run = _reportgen(
        "batch",
        "--data",
        str(DEMO_DIR),
        "--out",
        str(copy),
        "--countries",
        "XAT",
        "--no-compendium",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert [e.country for e in read_manifest(copy).entries] == ["XAT"]


def test_the_bytes_are_json_dumps_of_the_whole_and_a_journal_renders_each_record_anew() -> None:
    """The file is ``json.dumps(indent=2)`` of the whole, however its records are rendered
    (each on its own, kept between saves); a record replaced by another is rendered anew."""
    from dataclasses import asdict

    from reportgen.manifest import Compendium

    release = Release("Édition de démonstration", 2026, titles=(("fr", "l’édition « démo »"),))
    entries = [_entry("XDK", name="Nørrevik", scores={}), _entry("XAQ", language="fr")]
    failures = [Failure("XAA", "en", "failed", "bad data: “x”", None, "s", "profile")]
    books = [Compendium("en", "compendium-2026-en.pdf", SHA, "abc", "profile")]

    def expected(entries: list[Entry], failures: list[Failure], books: list[Compendium]) -> bytes:
        data = {
            "generator": f"reportgen {__version__}",
            "release": release.title,
            "release_year": release.year,
            "illustrative": release.illustrative,
            "data_author": release.data_author,
            "release_titles": dict(release.titles),
            "reports": [
                asdict(e) for e in sorted(entries, key=lambda e: (e.language, e.region, e.country))
            ],
            "failures": [asdict(f) for f in failures],
            "compendia": [asdict(c) for c in books],
        }
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()

    cache: dict[int, tuple[object, str]] = {}
    assert manifest_bytes(release, entries, failures, books, cache) == expected(
        entries, failures, books
    )
    assert manifest_bytes(release, [], [], []) == expected([], [], [])
    entries[0] = replace(entries[0], pages=3)  # a new record: not the text kept for the old
    assert manifest_bytes(release, entries, failures, books, cache) == expected(
        entries, failures, books
    )
