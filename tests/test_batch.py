"""Batch: parallel, incremental, atomic; one bad country never stops the others."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest

from reportgen.batch import read_manifest, run_batch

SELECTION = ["XDK", "XAQ", "XAT", "XGF"]


def _corrupt_first_row(release: Path, country: str) -> int:
    """Write "abc" as the mean of ``country``'s first CPR row; return its spreadsheet row."""
    path = next(release.glob("cpr-scores*.csv"))
    raw = path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    index = next(i for i, r in enumerate(rows) if r["country_code"] == country)
    rows[index]["mean"] = "abc"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode())
    return index + 2


def _valid_pdfs(out: Path) -> list[str]:
    names = []
    for pdf in sorted(out.glob("*.pdf")):
        with pikepdf.open(pdf) as doc:
            assert len(doc.pages) > 0
        names.append(pdf.name)
    return names


def test_failing_country_is_reported_and_others_are_built(demo_copy: Path, tmp_path: Path) -> None:
    row = _corrupt_first_row(demo_copy, "XDK")
    out = tmp_path / "out"
    result = run_batch(demo_copy, out, SELECTION, jobs=2)
    statuses = {o.code: o.status for o in result.outcomes}
    assert statuses == {"XDK": "failed", "XAQ": "built", "XAT": "built", "XGF": "built"}
    reason = result.failed[0].reason
    assert f"row {row}, column 'mean': not a number" in reason and "'abc'" in reason
    manifest = read_manifest(out)
    assert {c for c, _, _ in manifest} == {"XAQ", "XAT", "XGF"}
    assert len(_valid_pdfs(out)) == 3


def test_unchanged_rerun_builds_nothing_and_force_rebuilds(tmp_path: Path) -> None:
    demo = Path(__file__).parent.parent / "data" / "demo"
    out = tmp_path / "out"
    first = run_batch(demo, out, SELECTION[:2], jobs=2)
    assert first.count("built") == 2
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    second = run_batch(demo, out, SELECTION[:2], jobs=2)
    assert second.count("unchanged") == 2 and second.count("built") == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")} == stamps
    third = run_batch(demo, out, SELECTION[:2], force=True)
    assert third.count("built") == 2


def test_manifest_describes_each_file(tmp_path: Path) -> None:
    demo = Path(__file__).parent.parent / "data" / "demo"
    out = tmp_path / "out"
    run_batch(demo, out, ["XAQ"])
    data = json.loads((out / "manifest.json").read_text())
    (entry,) = data["reports"]
    pdf = out / entry["file"]
    assert entry["bytes"] == pdf.stat().st_size
    import hashlib

    assert entry["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    with pikepdf.open(pdf) as doc:
        assert entry["pages"] == len(doc.pages)
    assert (entry["country"], entry["language"], entry["release"]) == (
        "XAQ",
        "en",
        "Demonstration release",
    )
    assert data["illustrative"] is True


def test_any_executor_can_run_the_work(tmp_path: Path) -> None:
    demo = Path(__file__).parent.parent / "data" / "demo"
    with ProcessPoolExecutor(max_workers=1) as pool:
        result = run_batch(demo, tmp_path / "out", ["XAT"], executor=pool)
    assert result.count("built") == 1


def test_killed_batch_leaves_no_partial_file_and_rerun_completes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "reportgen",
        "batch",
        "--out",
        str(out),
        "--no-compendium",
        "--jobs",
        "2",
        "--region",
        "americas",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 3:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    partial = _valid_pdfs(out)  # every PDF present is complete
    assert partial, "the batch was killed before writing anything"
    rerun = subprocess.run(command, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert not list(out.glob(".*.tmp"))
    manifest = read_manifest(out)
    assert {e.file for e in manifest.values()} == set(_valid_pdfs(out))
    assert len(manifest) >= len(partial)


def test_batch_command_reports_failures_with_exit_code(demo_copy: Path, tmp_path: Path) -> None:
    _corrupt_first_row(demo_copy, "XDK")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reportgen",
            "batch",
            "--data",
            str(demo_copy),
            "--out",
            str(tmp_path / "out"),
            "--no-compendium",
            "-c",
            "XDK",
            "-c",
            "XAT",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "XDK en failed" in result.stdout or "failed XDK" in result.stdout
    assert "not a number" in result.stdout


@pytest.mark.parametrize("option", [["--region", "Atlantis"], ["-c", "Atlantis"]])
def test_bad_selection_is_refused(option: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reportgen", "batch", "--out", str(tmp_path / "o"), *option],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_unwritable_output_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = subprocess.run(
        [sys.executable, "-m", "reportgen", "batch", "--out", str(blocker / "out"), "-c", "XAQ"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Choose another --out" in result.stderr


# --- formats: the full report, the profile, or both --------------------------------------------


def test_both_formats_are_built_recorded_and_kept_apart(tmp_path: Path) -> None:
    demo = Path(__file__).parent.parent / "data" / "demo"
    out = tmp_path / "out"
    result = run_batch(demo, out, ["XAQ", "XAT"], formats=("report", "profile"))
    assert result.count("built") == 4 and not result.failed
    data = json.loads((out / "manifest.json").read_text())
    kinds = {(e["country"], e["format"]): e for e in data["reports"]}
    assert set(kinds) == {(c, f) for c in ("XAQ", "XAT") for f in ("report", "profile")}
    for (code, fmt), entry in kinds.items():
        suffix = "-profile.pdf" if fmt == "profile" else "-en.pdf"
        assert entry["file"].startswith(code) and entry["file"].endswith(suffix)
        with pikepdf.open(out / entry["file"]) as doc:
            assert entry["pages"] == len(doc.pages)
            if fmt == "profile":
                assert len(doc.pages) <= 2
        # each format has its own digest: a profile is never taken for its report
        other = kinds[(code, "report" if fmt == "profile" else "profile")]
        assert entry["inputs"] != other["inputs"] and entry["sha256"] != other["sha256"]
        # the same facts: the same scores recorded for both
        assert entry["scores"] == other["scores"]
    # a profile-only run keeps the reports and finds the profiles unchanged
    again = run_batch(demo, out, ["XAQ", "XAT"], formats=("profile",))
    assert again.count("unchanged") == 2 and again.count("built") == 0
    assert {o.format for o in again.outcomes} == {"profile"}
    after = json.loads((out / "manifest.json").read_text())
    assert len(after["reports"]) == 4


def test_a_profile_failure_is_recorded_as_the_profiles(demo_copy: Path, tmp_path: Path) -> None:
    _corrupt_first_row(demo_copy, "XDK")
    out = tmp_path / "out"
    result = run_batch(demo_copy, out, ["XDK"], formats=("report", "profile"))
    assert sorted((o.code, o.format) for o in result.failed) == [
        ("XDK", "profile"),
        ("XDK", "report"),
    ]
    data = json.loads((out / "manifest.json").read_text())
    assert sorted(f["format"] for f in data["failures"]) == ["profile", "report"]


@pytest.mark.parametrize(
    ("formats", "book"),
    [("profile", "compendium-2026-en-profile.pdf"), ("report", "compendium-2026-en.pdf")],
)
def test_batch_command_binds_the_profiles_it_built(tmp_path: Path, formats: str, book: str) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "reportgen", "batch", "--out", str(out)]
    command += ["--format", formats, "-c", "XAQ", "-c", "XAT"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert f"compendium: {out / book}" in result.stdout
    suffix = "-profile.pdf" if formats == "profile" else "-en.pdf"
    files = sorted(p.name for p in out.glob("X*.pdf"))
    assert len(files) == 2 and all(name.endswith(suffix) for name in files), files
    line = "XAQ en profile built" if formats == "profile" else "XAQ en built"
    assert line in result.stderr  # the progress lines


def test_build_records_its_pdfs_in_the_manifest_as_batch_does(tmp_path: Path) -> None:
    """`build` writes the folder's manifest with its PDFs: `distribute` can send them, and a
    batch into the folder finds them unchanged (the same entries a batch writes)."""
    from typer.testing import CliRunner

    from reportgen.cli import app

    out = tmp_path / "out"
    runner = CliRunner()
    built = runner.invoke(app, ["build", "XAQ", "--data", "data/demo", "--out", str(out),
                                "--format", "report,profile"])  # fmt: skip
    assert built.exit_code == 0, built.output
    assert "manifest.json" not in built.stdout  # it prints the PDFs it wrote
    entries = read_manifest(out)
    assert set(entries) == {("XAQ", "en", "report"), ("XAQ", "en", "profile")}
    for entry in entries.values():
        pdf = (out / entry.file).read_bytes()
        assert entry.bytes == len(pdf) and entry.sha256 == hashlib.sha256(pdf).hexdigest()
    # A batch of the same country: nothing to build; its manifest entries are the build's.
    result = run_batch(Path("data/demo"), out, ["XAQ"], formats=("report", "profile"), jobs=1)
    assert {o.status for o in result.outcomes} == {"unchanged"}
    after = read_manifest(out)  # (the batch records its digest of the files: `sources`)
    assert {k: replace(e, sources="") for k, e in after.items()} == entries
    # And a later build adds to the manifest, keeping what is there.
    again = runner.invoke(app, ["build", "XAB", "--data", "data/demo", "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert set(read_manifest(out)) == set(entries) | {("XAB", "en", "report")}
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("name,email,language,countries,regions\nAna,ana@example.org,en,XAB,\n")
    sent = runner.invoke(app, ["distribute", "--recipients", str(recipients), "--reports",
                               str(out), "--outbox", str(tmp_path / "outbox"),
                               "--from", "Desk <desk@example.org>"])  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
