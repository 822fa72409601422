"""Incremental batches: a report is rebuilt exactly when what its pages show changed.

Each test builds a small real demo batch, changes one input and builds again, then checks
which reports were rebuilt against what the change must reach, worked out from the raw data
(not from the model the digest is made of): the PDFs of the others keep their bytes and their
modification time.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import pytest

from reportgen.batch import BatchResult, run_batch
from reportgen.build import drawing_modules, imported_names
from reportgen.resources import PACKAGE_DIR, styles_dir
from tests.pdfcheck import page_texts

LATEST = 2025  # the demo's latest survey year
CHANGED = "XAQ"  # a survey country whose torture score is edited
SURVEY_WITH_TORTURE = ["XDK", "XAB"]  # surveyed on torture in the latest year, as XAQ
SURVEY_WITHOUT_TORTURE = "XEW"  # surveyed, but no torture score in the latest year
QUALITY_OF_LIFE_ONLY = "XAT"  # no survey data at all
NO_DATA = "XAF"  # in the countries file, without a score
SELECTION = [CHANGED, *SURVEY_WITH_TORTURE, SURVEY_WITHOUT_TORTURE, QUALITY_OF_LIFE_ONLY]

Files = dict[str, tuple[int, str]]  # PDF name → (modification time, SHA-256)


class NoWork(Executor):
    """An executor that fails the test if any report is handed to it."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        raise AssertionError(f"work was submitted: {args!r}")


def _pdfs(out: Path) -> Files:
    return {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(out.glob("*.pdf"))
    }


def _statuses(result: BatchResult) -> dict[tuple[str, str], str]:
    return {(o.code, o.language): o.status for o in result.outcomes}


def _rebuilt(result: BatchResult) -> set[tuple[str, str]]:
    return {key for key, status in _statuses(result).items() if status == "built"}


def _changed_files(before: Files, after: Files) -> set[str]:
    assert set(before) == set(after), "a re-run added or removed a report"
    return {name for name in before if before[name] != after[name]}


def _file_of(out: Path, code: str, language: str) -> str:
    (path,) = out.glob(f"{code}-*-{language}.pdf")
    return path.name


def _edit_cpr_row(release: Path, year: int, country: str, metric: str, shift: float) -> None:
    """Move one CPR row (mean and its 10–90% band) by ``shift``; every other line stays as is."""
    path = next(release.glob("cpr-scores*.csv"))
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    edited = 0
    for index, line in enumerate(lines[1:], start=1):
        row = dict(zip(header, next(csv.reader([line])), strict=True))
        if (row["year"], row["country_code"], row["metric_code"]) == (str(year), country, metric):
            for column in ("mean", "lobound_10", "upbound_90"):
                row[column] = f"{float(row[column]) + shift:.7f}"
            lines[index] = ",".join(row[c] for c in header) + "\n"
            edited += 1
    assert edited == 1, f"{country} {metric} {year}: {edited} rows"
    path.write_text("".join(lines), encoding="utf-8")


def _surveyed_on(release: Path, metric: str, year: int) -> set[str]:
    """The countries with a score for ``metric`` in ``year``, read from the raw CSV."""
    path = next(release.glob("cpr-scores*.csv"))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {
            r["country_code"]
            for r in csv.DictReader(fh)
            if r["metric_code"] == metric and r["year"] == str(year)
        }


def _edit_release_toml(release: Path, key: str, value: str) -> None:
    path = release / "release.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
    lines[index] = f'{key} = "{value}"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _text(pdf: Path) -> str:
    return " ".join(" ".join(page_texts(pdf.read_bytes())).split())


def test_changing_title_fr_rebuilds_only_the_french_reports(
    demo_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    codes = [CHANGED, SURVEY_WITH_TORTURE[0], QUALITY_OF_LIFE_ONLY]
    first = run_batch(demo_copy, out, codes, ("en", "fr"), jobs=2)
    assert first.count("built") == 6
    before = _pdfs(out)
    _edit_release_toml(demo_copy, "title_fr", "l’édition Zorglub")
    second = run_batch(demo_copy, out, codes, ("en", "fr"), jobs=2)
    assert _rebuilt(second) == {(code, "fr") for code in codes}
    assert second.count("unchanged") == 3
    after = _pdfs(out)
    assert _changed_files(before, after) == {_file_of(out, code, "fr") for code in codes}
    for code in codes:
        assert "Zorglub" in _text(out / _file_of(out, code, "fr"))
        assert "Zorglub" not in _text(out / _file_of(out, code, "en"))


@pytest.mark.parametrize("year", [LATEST, 2023])
def test_one_countrys_row_rebuilds_the_reports_that_show_it(
    year: int, demo_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run_batch(demo_copy, out, SELECTION, jobs=2)
    before = _pdfs(out)
    # The latest year's score is in every comparison chart of that right (and its ranks):
    # the report of each country surveyed on it that year shows it. An older year's score is
    # only in the country's own trend.
    surveyed = _surveyed_on(demo_copy, "tort", LATEST)
    assert {CHANGED, *SURVEY_WITH_TORTURE} <= surveyed and SURVEY_WITHOUT_TORTURE not in surveyed
    expected = (surveyed & set(SELECTION)) if year == LATEST else {CHANGED}
    _edit_cpr_row(demo_copy, year, CHANGED, "tort", 0.5)
    second = run_batch(demo_copy, out, SELECTION, jobs=2)
    assert _rebuilt(second) == {(code, "en") for code in expected}
    assert second.count("unchanged") == len(SELECTION) - len(expected)
    assert _changed_files(before, _pdfs(out)) == {_file_of(out, c, "en") for c in expected}


def test_an_unchanged_rerun_hands_out_no_work(tmp_path: Path) -> None:
    demo = Path(__file__).parent.parent / "data" / "demo"
    out = tmp_path / "out"
    codes = [*SELECTION[:3], NO_DATA]
    first = run_batch(demo, out, codes, ("en", "fr"), jobs=2)
    assert {o.code for o in first.outcomes if o.status == "no data"} == {NO_DATA}
    before, manifest = _pdfs(out), (out / "manifest.json").read_bytes()
    # Nor is a country without data tried again: it has none until the release changes.
    again = run_batch(demo, out, codes, ("en", "fr"), executor=NoWork())
    assert _statuses(again) == {
        (code, language): "no data" if code == NO_DATA else "unchanged"
        for code in codes
        for language in ("en", "fr")
    }
    assert _pdfs(out) == before
    assert (out / "manifest.json").read_bytes() == manifest


def test_what_no_page_shows_rebuilds_nothing(demo_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    style = tmp_path / "house.toml"
    style.write_text('inherit = "base"\n\n[colors]\naccent = "#1d4e89"\n', encoding="utf-8")
    run_batch(demo_copy, out, SELECTION[:3], style=str(style), jobs=2)
    before = _pdfs(out)
    # The release's note is not printed; a comment and a setting equal to the inherited
    # value change no resolved setting.
    _edit_release_toml(demo_copy, "note", "Another note, printed nowhere.")
    inherited = _setting(styles_dir() / "base.toml", "text")
    style.write_text(
        f'# the house style\ninherit = "base"\n\n[colors]\naccent = "#1d4e89"\n'
        f'text = "{inherited}"\n',
        encoding="utf-8",
    )
    again = run_batch(demo_copy, out, SELECTION[:3], style=str(style), jobs=2)
    assert set(_statuses(again).values()) == {"unchanged"}
    assert _pdfs(out) == before
    # The entries now record the new files: the next run computes nothing.
    third = run_batch(demo_copy, out, SELECTION[:3], style=str(style), executor=NoWork())
    assert set(_statuses(third).values()) == {"unchanged"}


def _setting(path: Path, key: str) -> str:
    """The ``[colors]`` setting ``key`` of a style file."""
    with path.open("rb") as fh:
        return str(tomllib.load(fh)["colors"][key])


def test_changing_the_accent_colour_rebuilds_every_report(tmp_path: Path) -> None:
    demo = Path(__file__).parent.parent / "data" / "demo"
    out = tmp_path / "out"
    style = tmp_path / "house.toml"
    style.write_text('inherit = "base"\n\n[colors]\naccent = "#1d4e89"\n', encoding="utf-8")
    run_batch(demo, out, SELECTION[:3], ("en", "fr"), style=str(style), jobs=2)
    before = _pdfs(out)
    style.write_text('inherit = "base"\n\n[colors]\naccent = "#7a1f5c"\n', encoding="utf-8")
    again = run_batch(demo, out, SELECTION[:3], ("en", "fr"), style=str(style), jobs=2)
    assert set(_statuses(again).values()) == {"built"}
    assert _changed_files(before, _pdfs(out)) == set(before)


def test_the_drawing_code_is_found_from_its_imports() -> None:
    names = {p.relative_to(PACKAGE_DIR).as_posix() for p in drawing_modules()}
    drawing = {
        p.relative_to(PACKAGE_DIR).as_posix()
        for folder in ("charts", "layout")
        for p in (PACKAGE_DIR / folder).rglob("*.py")
        # the compendium's own pages and its trimming of bound reports: in no report
        if p.name not in ("compendium_pages.py", "trim.py")
    }
    assert drawing | {"build.py", "model.py", "style.py", "vector.py"} <= names
    # What builds the model reaches a page only through the model.
    building = ("narrative", "facts", "load", "phrases", "codebook", "batch", "compendium")
    assert not any(n.startswith(building) for n in names)


def _parsed_imports(source: str) -> set[str]:
    """What the absolute imports of ``source`` name, by Python's parser: every statement,
    in functions, classes and branches, but those under ``if TYPE_CHECKING:``."""
    names: set[str] = set()

    def walk(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                names.update(alias.name for alias in stmt.names)
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
                names.add(stmt.module)
                names.update(f"{stmt.module}.{alias.name}" for alias in stmt.names)
            typing_only = (
                isinstance(stmt, ast.If)
                and isinstance(stmt.test, ast.Name)
                and stmt.test.id == "TYPE_CHECKING"
            )
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(stmt, field, None)
                if not inner or (typing_only and field == "body"):
                    continue
                for block in inner:
                    walk([block] if isinstance(block, ast.stmt) else block.body)

    walk(ast.parse(source).body)
    return names


def test_imports_are_read_as_the_parser_reads_them() -> None:
    """The drawing side's imports are read from the source text (fast); on every module of
    the package and the tests they are what Python's parser finds (docstrings and typing-only
    blocks that name modules, multi-line and aliased imports, imports in functions)."""
    files = [*PACKAGE_DIR.rglob("*.py"), *Path(__file__).parent.glob("*.py")]
    assert len(files) > 100
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert set(imported_names(source)) == _parsed_imports(source), path
    tricky = """
\"\"\"from reportgen.cli import main (a docstring)\"\"\"
import os.path as p, json  # a comment, import sys
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from reportgen.facts import CountryFacts

    import reportgen.narrative
else:
    from reportgen.model import (
        Report,  # the model
        Chart as C,
    )


def f():
    from reportgen.vector import VectorDrawing
"""
    assert _parsed_imports(tricky) == {
        "os.path", "json", "typing", "typing.TYPE_CHECKING", "reportgen.model",
        "reportgen.model.Report", "reportgen.model.Chart", "reportgen.vector",
        "reportgen.vector.VectorDrawing",
    }  # fmt: skip
    assert set(imported_names(tricky)) == _parsed_imports(tricky)


def _cli(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "reportgen", *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_compendium_is_rebound_only_when_its_inputs_change(
    demo_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    command = ["batch", "--data", str(demo_copy), "--out", str(out), "-c", "XAQ", "-c", "XAT"]
    _cli(command)
    book = out / "compendium-2026-en.pdf"
    bound = book.stat().st_mtime_ns
    # Nothing changed: nothing is built, and the compendium is not bound again.
    again = _cli(command)
    assert "unchanged" in again.stdout
    assert book.stat().st_mtime_ns == bound
    # Gone, or edited since: bound again.
    book.unlink()
    _cli(command)
    assert book.is_file()
    bound = book.stat().st_mtime_ns
    book.write_bytes(book.read_bytes() + b"\n% edited\n")
    _cli(command)
    assert book.stat().st_mtime_ns != bound and not book.read_bytes().endswith(b"% edited\n")
    # A report it binds changed: bound again.
    bound = book.stat().st_mtime_ns
    _edit_release_toml(demo_copy, "title", "Demonstration release, revised")
    _cli(command)
    assert book.stat().st_mtime_ns != bound


def test_a_copied_output_folder_is_still_current(tmp_path: Path) -> None:
    """Modification times play no part: a copy (or a restore) of the folder rebuilds nothing."""
    demo = Path(__file__).parent.parent / "data" / "demo"
    out = tmp_path / "out"
    run_batch(demo, out, SELECTION[:2], jobs=2)
    copy = tmp_path / "copy"
    shutil.copytree(out, copy, copy_function=shutil.copy)  # new modification times
    again = run_batch(demo, copy, SELECTION[:2], executor=NoWork())
    assert set(_statuses(again).values()) == {"unchanged"}


def _cli_without_pandas(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """The CLI in a process where importing pandas (the release's reader) fails: it succeeds
    only if the run reads no release."""
    code = (
        "import sys; sys.modules['pandas'] = None; sys.argv = ['reportgen', *sys.argv[1:]]; "
        "from reportgen.cli import main; main()"
    )
    command = [sys.executable, "-c", code, *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_an_unchanged_rerun_is_told_from_the_manifest_without_reading_the_release(
    demo_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    command = ["batch", "--data", str(demo_copy), "--out", str(out), "-c", "XAQ", "-c", NO_DATA]
    command += ["--lang", "en,fr", "--no-compendium", "--json"]
    first = _cli(command)
    before, manifest = _pdfs(out), (out / "manifest.json").read_bytes()
    again = _cli_without_pandas(command)
    assert again.returncode == 0, again.stderr
    # the same result as a run that reads the release: XAQ kept, XAF without data, each language
    shown, was = json.loads(again.stdout), json.loads(first.stdout)
    statuses = {(r["country"], r["language"]): r["status"] for r in shown["reports"]}
    assert statuses == {
        ("XAQ", "en"): "unchanged",
        ("XAQ", "fr"): "unchanged",
        (NO_DATA, "en"): "no data",
        (NO_DATA, "fr"): "no data",
    }
    assert [(r["country"], r["language"]) for r in shown["reports"]] == [
        (r["country"], r["language"]) for r in was["reports"]
    ]
    assert _pdfs(out) == before and (out / "manifest.json").read_bytes() == manifest
    # Whatever could change a report reads the release again (and so fails here): another
    # selection, a report gone, an edited release file; the run that reads it rebuilds.
    other = [c if c != NO_DATA else "XAT" for c in command]
    assert _cli_without_pandas(other).returncode != 0
    (out / _file_of(out, "XAQ", "fr")).unlink()
    assert _cli_without_pandas(command).returncode != 0
    _cli(command)
    assert _cli_without_pandas(command).returncode == 0
    (title,) = [
        line.split("=", 1)[1].strip().strip('"')
        for line in (demo_copy / "release.toml").read_text(encoding="utf-8").splitlines()
        if line.startswith("title =")
    ]
    _edit_release_toml(demo_copy, "title", "Demonstration release, revised")
    assert _cli_without_pandas(command).returncode != 0
    rebuilt = json.loads(_cli(command).stdout)
    built = {(r["country"], r["language"]) for r in rebuilt["reports"] if r["status"] == "built"}
    assert built == {("XAQ", "en")}  # the English title (the French reports have their own)
    # Back to the files of the first run, whose selection the manifest still remembers: the
    # English report now on disk was built from the edited ones, so it is built again.
    _edit_release_toml(demo_copy, "title", title)
    assert _cli_without_pandas(command).returncode != 0
    assert {("XAQ", "en")} == {
        (r["country"], r["language"])
        for r in json.loads(_cli(command).stdout)["reports"]
        if r["status"] == "built"
    }
