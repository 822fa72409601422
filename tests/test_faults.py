"""Faults around the files and processes of a run (issue 12): each is met with real files and
real processes, and ends in one clear error, a non-zero exit and nothing the user had lost.

- two batches into one folder: the folder is locked; a second run refuses, naming the folder
  and the other run's pid, or waits with ``--wait``; no manifest entry is lost;
- a killed batch: its pool workers die with it; the manifest is written as reports finish,
  so a re-run builds only what was not finished;
- ``batch`` removes only its own temporaries (``.reportgen-<pid>-<random>.tmp``);
- ``build A B`` is all or nothing;
- a report whose rebuild failed is moved to ``stale/`` and listed under ``failures``;
- a full disk during ``build``, ``batch`` (at the manifest) and ``compendium`` (a real small
  tmpfs, mounted when the platform allows; skipped with the reason otherwise);
- ``compendium --output`` naming a folder; ``check`` on a missing file or a non-PDF.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest

from reportgen.batch import read_failures, read_manifest, run_batch
from reportgen.check import check_command
from reportgen.errors import OutputError
from reportgen.outputs import write_atomic

from .conftest import DEMO_DIR
from .test_batch import _corrupt_first_row

LINUX = sys.platform.startswith("linux")


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "reportgen", *args]


def _reportgen(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args), capture_output=True, text=True, check=False, timeout=timeout
    )


def _batch(
    out: Path, *codes: str, data: Path = DEMO_DIR, jobs: int = 1, wait: bool = False
) -> list[str]:
    """The arguments of a small batch (no compendium) into ``out``."""
    args = ["batch", "--data", str(data), "--out", str(out), "--no-compendium", "-j", str(jobs)]
    for code in codes:
        args += ["-c", code]
    return [*args, "--wait"] if wait else args


def _until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _errors(stderr: str) -> list[str]:
    """The ``error:`` lines a command printed."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def _clean(result: subprocess.CompletedProcess[str]) -> None:
    """Exit 1, exactly one error line, no traceback, no object reprs."""
    printed = result.stdout + result.stderr
    assert result.returncode == 1, printed
    assert "Traceback" not in printed and "object at 0x" not in printed, printed
    assert len(_errors(result.stderr)) == 1, result.stderr


@pytest.fixture(scope="module")
def built_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch's folder with one demo report (read only: tests copy what they change)."""
    out = tmp_path_factory.mktemp("reports")
    assert run_batch(DEMO_DIR, out, ["XAT"]).count("built") == 1
    return out


def _file(reports: Path, code: str) -> str:
    return read_manifest(reports)[(code, "en", "report")].file


# --- two batches into one folder ---------------------------------------------------------------


def _lock_pid(out: Path) -> int | None:
    try:
        text = (out / ".reportgen.lock").read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def test_two_batches_into_one_folder_lock_it_and_lose_no_manifest_entry(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = subprocess.Popen(
        _command(*_batch(out, "XAT")), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    waited_err = tmp_path / "waiting.err"
    try:
        _until(lambda: _lock_pid(out) == first.pid or first.poll() is not None, 60)
        assert first.poll() is None, "the first batch ended without ever holding the folder's lock"
        os.kill(first.pid, signal.SIGSTOP)  # hold the race open: the first run keeps its lock
        refused = _reportgen(*_batch(out, "XGF"))
        with waited_err.open("w") as stderr:
            waiting = subprocess.Popen(
                _command(*_batch(out, "XDK", wait=True)), stdout=subprocess.DEVNULL, stderr=stderr
            )
        assert _until(lambda: "waiting for" in waited_err.read_text(), 60), waited_err.read_text()
        assert waiting.poll() is None  # still waiting while the first run holds the folder
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(first.pid, signal.SIGCONT)
    assert first.wait(timeout=120) == 0
    assert waiting.wait(timeout=120) == 0, waited_err.read_text()
    _clean(refused)
    (message,) = _errors(refused.stderr)
    assert str(out) in message and f"pid {first.pid}" in message and "--wait" in message
    # Nothing lost: both runs' reports are listed, the refused run built nothing.
    assert {code for code, _, _ in read_manifest(out)} == {"XAT", "XDK"}
    assert {e.file for e in read_manifest(out).values()} == {p.name for p in out.glob("*.pdf")}


# --- a killed batch ----------------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str]]:
    """Every process: pid → (parent pid, state), from /proc."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        table[int(stat.parent.name)] = (int(fields[1]), fields[0])
    return table


def _descendants(pid: int) -> set[int]:
    table = _processes()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    table = _processes()
    return {p for p in pids if p in table and table[p][1] != "Z"}  # a zombie has ended


@pytest.mark.skipif(not LINUX, reason="reads the process table from /proc")
def test_killed_batch_takes_its_workers_and_a_rerun_resumes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    codes = ["XAT", "XGF", "XDK"]
    command = _command(*_batch(out, *codes, jobs=2))
    batch = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        _until(lambda: len(read_manifest(out)) >= 1 or batch.poll() is not None, 90)
        assert batch.poll() is None, "no manifest listed a finished report while the batch ran"
        assert len(read_manifest(out)) < len(codes), "the manifest was written only at the end"
        workers = _descendants(batch.pid)
        assert workers, "the batch has no worker processes"
        os.kill(batch.pid, signal.SIGKILL)  # the parent only: its workers must follow
        batch.wait(timeout=30)
        finished = {code for code, _, _ in read_manifest(out)}
        assert _until(lambda: not _alive(workers), 10), f"orphaned workers: {_alive(workers)}"
    finally:
        for pid in _alive(workers | {batch.pid}):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert finished and finished < set(codes)
    rerun = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    status = dict(re.findall(r"\] (X[A-Z]{2}) en (built|unchanged)", rerun.stderr))
    assert {c for c, s in status.items() if s == "unchanged"} == finished
    assert {c for c, s in status.items() if s == "built"} == set(codes) - finished
    assert {c for c, _, _ in read_manifest(out)} == set(codes)


# --- temporaries -------------------------------------------------------------------------------


def test_batch_removes_only_its_own_temporaries(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    notes = out / ".notes.tmp"
    notes.write_text("the user's own notes")
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    leftover = out / f".reportgen-{ended.pid}-k3j2h1g0.tmp"  # an interrupted run's, long gone
    leftover.write_bytes(b"half a report")
    assert run_batch(DEMO_DIR, out, ["XAF"]).count("no data") == 1  # nothing to build: quick
    assert notes.read_text() == "the user's own notes"
    assert not leftover.exists()
    assert not list(out.glob(".reportgen-*.tmp"))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_a_temporary_of_a_worker_that_ended_unreaped_is_removed(tmp_path: Path) -> None:
    # A killed batch's worker whose parent died first stays a zombie until init reaps it (in
    # a container, maybe never): it has ended, and its temporary goes; a running one's stays.
    out = tmp_path / "out"
    out.mkdir()
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        deadline = time.monotonic() + 30  # ended, and not reaped: the kernel says "Z"
        while time.monotonic() < deadline:
            state = Path(f"/proc/{zombie.pid}/stat").read_text().rpartition(")")[2].split()[0]
            if state == "Z":
                break
            time.sleep(0.02)
        assert state == "Z"
        ended = out / f".reportgen-{zombie.pid}-a1b2c3.tmp"
        alive = out / f".reportgen-{running.pid}-d4e5f6.tmp"
        ended.write_bytes(b"half a report")
        alive.write_bytes(b"a report being written")
        assert run_batch(DEMO_DIR, out, ["XAF"]).count("no data") == 1  # nothing to build
        assert not ended.exists()
        assert alive.exists()
    finally:
        running.kill()
        running.wait()
        zombie.wait()


# --- build A B: all or nothing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "said"),
    [("Atlantis", "Unknown country 'Atlantis'"), ("XAF", "has no scores")],
    ids=["unknown country", "fails during build"],
)
def test_build_of_several_countries_writes_none_when_one_fails(
    second: str, said: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = _reportgen("build", "XAT", second, "--out", str(out))
    _clean(result)
    (message,) = _errors(result.stderr)
    assert said in message and "No report was written." in message
    assert not out.exists() or not list(out.glob("*.pdf"))


def test_build_with_a_folder_in_the_way_writes_none(built_reports: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / _file(built_reports, "XAT")).mkdir(parents=True)  # XAT's file name is taken
    result = _reportgen("build", "XGF", "XAT", "--out", str(out))
    _clean(result)
    (message,) = _errors(result.stderr)
    assert "it is a folder" in message and "No report was written." in message
    assert [p.name for p in out.iterdir()] == [_file(built_reports, "XAT")]


# --- a failed rebuild --------------------------------------------------------------------------


def test_failed_rebuild_moves_the_stale_report_aside_and_says_so(
    demo_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_batch(demo_copy, out, ["XAQ"]).count("built") == 1
    file = _file(out, "XAQ")
    good = (out / file).read_bytes()
    cpr = next(demo_copy.glob("cpr-scores*.csv"))
    release = cpr.read_bytes()
    _corrupt_first_row(demo_copy, "XAQ")
    result = _reportgen(*_batch(out, "XAQ", data=demo_copy))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    # Not left next to the manifest as if current; not deleted either.
    assert not (out / file).exists()
    assert (out / "stale" / file).read_bytes() == good
    assert ("XAQ", "en", "report") not in read_manifest(out)
    failure = read_failures(out)[("XAQ", "en", "report")]
    assert failure.status == "failed" and "not a number" in failure.reason
    assert failure.previous == f"stale/{file}"
    assert f"was moved to {out / 'stale' / file}" in result.stdout
    # Fixed data: rebuilt, and the stale copy and the failure are gone.
    cpr.write_bytes(release)
    assert run_batch(demo_copy, out, ["XAQ"]).count("built") == 1
    assert (out / file).exists() and not (out / "stale").exists()
    assert read_failures(out) == {}


# --- a full disk -------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """Mount a tmpfs of the given size (KiB): a real file system that fills up."""
    mounted: list[Path] = []

    def mount(kib: int) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        if not LINUX or shutil.which("mount") is None:
            pytest.skip("a small file system needs Linux tmpfs and mount(8)")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={kib}k,mode=0777", "tmpfs", str(point)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()})")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _fill(disk: Path, leave: int = 0) -> None:
    """Fill ``disk`` until exactly ``leave`` blocks are free."""
    info = os.statvfs(disk)
    size = (info.f_bavail - leave) * info.f_frsize
    with (disk / "filler").open("wb") as fh:
        try:
            fh.write(b"\0" * size)
            fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC and leave == 0
    assert os.statvfs(disk).f_bavail == leave


def test_full_disk_during_build_writes_none_and_keeps_the_old_file(
    small_disk: Callable[[int], Path], built_reports: Path
) -> None:
    out = small_disk(256) / "out"  # room for the first report, not for both
    out.mkdir()
    earlier = out / _file(built_reports, "XAT")
    earlier.write_bytes(b"%PDF-1.7 the report the user had")
    result = _reportgen("build", "XAT", "XGF", "--out", str(out))
    _clean(result)
    (message,) = _errors(result.stderr)
    assert "No space left on device writing " in message
    assert "free space or choose another --out. No report was written." in message
    assert earlier.read_bytes() == b"%PDF-1.7 the report the user had"
    assert [p.name for p in out.iterdir()] == [earlier.name]


def test_full_disk_at_the_manifest_keeps_the_previous_manifest(
    small_disk: Callable[[int], Path], built_reports: Path
) -> None:
    disk = small_disk(512)
    out = disk / "out"
    shutil.copytree(built_reports, out)
    manifest = (out / "manifest.json").read_bytes()
    entry = read_manifest(out)[("XAT", "en", "report")]
    (out / entry.file).unlink()  # XAT is rebuilt; then the manifest must be written
    # Room for the lock file's pid (a block) and XAT's PDF, not for a new manifest as well.
    _fill(disk, leave=1 + math.ceil(entry.bytes / os.statvfs(disk).f_frsize))
    result = _reportgen(*_batch(out, "XAT"))
    _clean(result)
    (message,) = _errors(result.stderr)
    assert message == (
        f"error: No space left on device writing {out / 'manifest.json'}: free space or "
        "choose another --out."
    )
    assert (out / "manifest.json").read_bytes() == manifest  # the previous one, whole
    assert not list(out.glob(".reportgen-*.tmp"))
    with pikepdf.open(out / entry.file) as pdf:  # what was written is complete
        assert len(pdf.pages) == entry.pages


def test_full_disk_during_batch_stops_with_one_error(
    small_disk: Callable[[int], Path], built_reports: Path
) -> None:
    disk = small_disk(512)
    out = disk / "out"
    shutil.copytree(built_reports, out)
    manifest = (out / "manifest.json").read_bytes()
    _fill(disk)
    result = _reportgen(*_batch(out, "XGF", "XDK", jobs=2))
    _clean(result)
    assert result.stderr.count("No space left on device") == 1, result.stderr
    (message,) = _errors(result.stderr)
    assert re.fullmatch(
        rf"error: No space left on device writing {re.escape(str(out))}/X(GF|DK)-[a-z-]+-2026"
        r"-en\.pdf: free space or choose another --out\.",
        message,
    )
    assert (out / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in built_reports.iterdir())


def test_full_disk_during_compendium_keeps_the_old_one(
    small_disk: Callable[[int], Path], built_reports: Path
) -> None:
    disk = small_disk(512)
    target = disk / "compendium.pdf"
    target.write_bytes(b"%PDF-1.7 last year's compendium")
    _fill(disk)
    result = _reportgen(
        "compendium", "--reports", str(built_reports), "--format", "report", "--output", str(target)
    )
    _clean(result)
    (message,) = _errors(result.stderr)
    assert message == (
        f"error: No space left on device writing {target}: free space or choose another --output."
    )
    assert target.read_bytes() == b"%PDF-1.7 last year's compendium"
    assert sorted(p.name for p in disk.iterdir()) == ["compendium.pdf", "filler"]


def test_a_full_disk_is_one_clear_error_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no tmpfs can be mounted: ENOSPC from the OS, simulated in-process."""
    target = tmp_path / "manifest.json"
    target.write_text("the previous manifest")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)  # the os module build writes through
    with pytest.raises(OutputError) as caught:
        write_atomic(target, b"{}")
    assert str(caught.value) == (
        f"No space left on device writing {target}: free space or choose another --out."
    )
    assert target.read_text() == "the previous manifest"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


# --- compendium --output, check ----------------------------------------------------------------


def test_compendium_output_naming_a_folder_is_one_clear_error(
    built_reports: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    result = _reportgen("compendium", "--reports", str(built_reports), "--output", str(folder))
    _clean(result)
    (message,) = _errors(result.stderr)
    assert f"--output {folder} is a folder" in message
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "does not exist"),
        (b"meeting notes, not a report\n", "is not a PDF"),
        (b"%PDF-1.7\nbroken", "is not a readable PDF"),
    ],
    ids=["missing", "not a PDF", "damaged PDF"],
)
def test_check_refuses_a_missing_or_non_pdf_file_in_one_line(
    content: bytes | None, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.pdf"
    if content is not None:
        path.write_bytes(content)
    assert check_command(path) == 1
    printed = capsys.readouterr()
    assert printed.out == "" and "object at 0x" not in printed.err
    (line,) = printed.err.splitlines()
    assert line.startswith(f"error: {path} {said}")


def test_check_command_exit_codes(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("not a PDF")
    _clean(_reportgen("check", str(path)))  # bad input: 1
    assert _reportgen("check").returncode == 2  # usage: 2


def test_manifest_lists_failures_for_readers(built_reports: Path) -> None:
    """The manifest keeps its ``reports`` list as before; failures are a list of their own."""
    data = json.loads((built_reports / "manifest.json").read_text())
    assert data["failures"] == [] and len(data["reports"]) == 1


def test_a_very_long_country_name_still_makes_a_valid_file_name(
    demo_copy: Path, tmp_path: Path
) -> None:
    """A 300-character name validates and builds: the file name's slug is cut at a hyphen."""
    names = next(demo_copy.glob("country-names*.csv"))
    long_name = " ".join(["Very Long Federated Republic of Somewhere"] * 8)[:300]
    rows = names.read_text(encoding="utf-8").splitlines()
    rows = [
        re.sub(r"^XAQ,[^,]*,", f"XAQ,{long_name},", row) if row.startswith("XAQ,") else row
        for row in rows
    ]
    names.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert _reportgen("validate", str(demo_copy)).returncode == 0
    result = _reportgen("build", "XAQ", "--data", str(demo_copy), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    (pdf,) = (tmp_path / "out").glob("XAQ-*.pdf")
    assert len(pdf.name.encode()) <= 100 and pdf.name.startswith("XAQ-very-long-federated")
    assert not pdf.stem.endswith("-")
