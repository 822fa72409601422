"""Bad input never changes a report silently (issue 12): each class of broken release, built
from a small copy of the demo release, is one clear error naming file, spreadsheet row (header =
row 1), column, value and fix; `validate` exits 1 with it and no traceback; `build` refuses;
and batch mode fails only the country of a bad row, while any other error stops the load.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from reportgen.cli import main
from reportgen.errors import DataValidationError, Problem
from reportgen.load import LISTED, Dataset, load_release

Row = dict[str, str]
DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
CPR, ESR, RISK = "cpr-scores*.csv", "esr-scores*.csv", "people-at-risk*.csv"
COUNTRIES, NAMES = "countries*.csv", "country-names*.csv"
TABLE = {CPR: "cpr", ESR: "esr", RISK: "risk"}  # score files: their Dataset table
BOM = b"\xef\xbb\xbf"
THIS_YEAR = date.today().year
FILL_SCORE = "A missing score has no row in an HRMI release: delete the row rather than leave"
NOT_A_NUMBER = "delete the row rather than write NaN or NA."


# --- editing a release ---------------------------------------------------------------------


def _path(release: Path, pattern: str) -> Path:
    return sorted(release.glob(pattern))[0]


def _read(path: Path) -> tuple[list[str], list[Row]]:
    reader = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""))
    return list(reader.fieldnames or []), list(reader)


def _write(path: Path, fields: list[str], rows: list[Row]) -> None:
    """Write rows as the file was (keeping its leading BOM, if it had one)."""
    bom = path.read_bytes().startswith(BOM)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes((BOM if bom else b"") + buffer.getvalue().encode())


def _set(release: Path, pattern: str, index: int, column: str, value: str) -> Row:
    """Write ``value`` in ``column`` of data row ``index`` (spreadsheet row index + 2)."""
    path = _path(release, pattern)
    fields, rows = _read(path)
    rows[index][column] = value
    _write(path, fields, rows)
    return rows[index]


def _edit(release: Path, pattern: str, edit: Callable[[list[Row]], list[Row]]) -> Path:
    path = _path(release, pattern)
    fields, rows = _read(path)
    _write(path, fields, edit(rows))
    return path


def _set_meta(release: Path, line: str | None, drop: str = "publication_year") -> None:
    """Replace release.toml's ``drop`` line by ``line`` (None: leave it out)."""
    path = release / "release.toml"
    lines = [x for x in path.read_text().splitlines() if not x.startswith(f"{drop} ")]
    path.write_text("\n".join(lines + ([line] if line else [])) + "\n")


# A small release: six countries of the demo release, every file, every year. Each test
# breaks its own copy (``release``); ``small`` is the copy as loaded unbroken.
SMALL = ("XAA", "XAB", "XAD", "XAQ", "XAT", "XDK")


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("small") / "release"
    shutil.copytree(DEMO_DIR, target)
    for path in target.glob("*.csv"):
        fields, rows = _read(path)
        _write(path, fields, [r for r in rows if r["country_code"] in SMALL])
    return target


@pytest.fixture(scope="session")
def small(small_dir: Path) -> Dataset:
    return load_release(small_dir)


@pytest.fixture
def release(small_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the small release, for a test to break."""
    return Path(shutil.copytree(small_dir, tmp_path / "release"))


# --- what a user sees ----------------------------------------------------------------------


def _errors(release: Path, *, isolate: bool = False) -> list[Problem]:
    with pytest.raises(DataValidationError) as caught:
        load_release(release, isolate_bad_rows=isolate)
    return [p for p in caught.value.problems if p.severity == "error"]


def _the_error(release: Path) -> Problem:
    errors = _errors(release)
    assert len(errors) == 1, [str(p) for p in errors]
    return errors[0]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


Cli = Callable[..., Run]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run ``reportgen ARGS`` in this process (as the console script does: ``main()``).

    An exception other than the exit would be a traceback for a user: it fails the test.
    """

    def run(*args: object) -> Run:
        monkeypatch.setattr(sys, "argv", ["reportgen", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def _refused(cli: Cli, release: Path, problems: list[Problem], country: str, out: Path) -> None:
    """`validate` exits 1 listing exactly ``problems``; `build` refuses and writes nothing."""
    run = cli("validate", release)
    assert run.code == 1, run.out + run.err
    listed = [line for line in run.out.splitlines() if line.startswith("error ")]
    assert listed == [f"error {p}" for p in problems]
    count = sum(p.count for p in problems)
    assert f"{count} error(s): the release cannot be used as it is." in run.err
    assert "Traceback" not in run.out + run.err
    run = cli("build", country, "--data", release, "--out", out)
    assert run.code == 1, run.out + run.err
    assert run.err.startswith(f"error: {count:,} problem(s) in the data:")
    assert str(problems[0]) in run.err and "Traceback" not in run.err
    assert not list(out.glob("*.pdf"))


def _batch_rejects(
    release: Path, clean: Dataset, pattern: str, country: str, problem: Problem
) -> None:
    """Batch mode: the bad row's country alone is refused and the row alone left out."""
    dataset = load_release(release, isolate_bad_rows=True)
    assert dataset.rejected == {country: (problem,)}
    table = TABLE[pattern]
    assert len(getattr(dataset, table)) == len(getattr(clean, table)) - 1
    for other in (t for t in TABLE.values() if t != table):
        assert len(getattr(dataset, other)) == len(getattr(clean, other))


def _batch_stops(release: Path, problem: Problem) -> None:
    """Batch mode: a problem outside the score files' rows stops the whole load."""
    assert problem in _errors(release, isolate=True)


# --- one cell: years, rule columns, people at risk, missing values, control characters ------


@dataclass(frozen=True)
class Cell:
    """A cell written wrong and the one error it must give."""

    pattern: str
    index: int  # data row (spreadsheet row index + 2)
    column: str
    value: str
    message: str  # the message starts so
    fix: str  # the fix contains this
    column_named: str | None = None  # the column the error names, when not the one written
    value_named: str | None = None  # the value the error shows, when not the one written

    @property
    def id(self) -> str:
        return f"{self.pattern.split('*')[0]}-{self.column}-{self.value!r}"


YEARS = "HRMI data years run from 1990 to 2026 (the publication year in release.toml)"
CELLS = [
    # Years outside a plausible range, or not years at all, in every file with a year.
    Cell(CPR, 0, "year", "2099", "year outside 1990–2026", YEARS),
    Cell(CPR, 0, "year", "1989", "year outside 1990–2026", YEARS),
    Cell(ESR, 0, "year", "-2019", "year outside 1990–2026", YEARS),
    Cell(RISK, 0, "year", "2099", "year outside 1990–2026", YEARS),
    Cell(RISK, 0, "year", "2019.6", "not a whole year", "Write the year as a whole number"),
    Cell(ESR, 0, "year", "inf", "not a finite number", "Write the value as a plain number."),
    Cell(CPR, 0, "year", "", "empty cell", "Write the year of the data, e.g. 2019."),
    Cell(RISK, 0, "year", "NaN", "not a number", NOT_A_NUMBER),
    # A plausible year that would become every report's survey year, or empty every other
    # country's "who is at risk": the two files of the survey disagree.
    Cell(
        CPR,
        0,
        "year",
        "2026",
        "later than 2025, the latest year of the people-at-risk answers",
        "The latest survey year has people-at-risk answers too",
    ),
    Cell(
        RISK,
        0,
        "year",
        "2022",
        "no civil and political scores for this year",
        "(years 2023, 2024, 2025): check the year.",
    ),
    # Columns that select rules.
    Cell(COUNTRIES, 0, "high_income_country", "7", "unknown high-income flag", "Write 1 for"),
    Cell(COUNTRIES, 0, "high_income_country", "", "empty cell", "it picks the standard"),
    Cell(COUNTRIES, 0, "region_code", "", "empty cell", "Write the region code"),
    Cell(CPR, 0, "metric_code", "", "empty cell", "Write the metric code"),
    Cell(RISK, 0, "metric_code", "", "empty cell", "Write the metric code"),
    Cell(RISK, 1, "people_code", "777", "unknown people code", "HRMI codebook (0–33; see"),
    Cell(RISK, 1, "people_code", "", "empty cell", "Write the people code of the group"),
    Cell(ESR, 0, "standard", "hiy", "unknown standard", "Use one of: Core, HiY."),
    Cell(ESR, 0, "group", "", "empty cell", "Write All, Female or Male."),
    Cell(NAMES, 0, "en_article", "maybe", "not a yes/no flag", "Write 1 or 0"),
    # People at risk, cross-checked (XAB, arrest: 2 of 17 experts, .11764706).
    Cell(
        RISK,
        0,
        "proportion",
        ".95",
        "proportion is not count/total_respondents (2/17 = 0.1176)",
        "Write count divided by total_respondents",
    ),
    Cell(RISK, 0, "proportion", ".1", "proportion is not count/total_respondents", "at least two"),
    Cell(
        RISK,
        0,
        "total_respondents",
        "400",
        "total_respondents differs from the 17 of the other rows of XAB, 2025, arrest_atrisk",
        "A right has one number of respondents",
    ),
    Cell(RISK, 0, "count", "2.5", "not a whole number", "A count of experts is a whole number."),
    Cell(RISK, 0, "total_respondents", "16.5", "not a whole number", "is a whole number."),
    Cell(RISK, 0, "total_respondents", "0", "no respondents", "at least one respondent"),
    Cell(RISK, 0, "count", "-1", "negative count", "Counts are ≥ 0."),
    Cell(RISK, 0, "count", "", "empty cell", FILL_SCORE),
    Cell(RISK, 0, "proportion", "", "empty cell", FILL_SCORE),
    Cell(RISK, 0, "total_respondents", "", "empty cell", "Write the number of experts"),
    # Missing values are never invented (XAB, disap 2023: 4.6935506 in 4.4315616–4.9555396).
    Cell(CPR, 0, "lobound_10", "", "empty cell", FILL_SCORE),
    Cell(CPR, 0, "upbound_90", "", "empty cell", FILL_SCORE),
    Cell(CPR, 0, "mean", "", "empty cell", FILL_SCORE),
    Cell(ESR, 0, "score_wrt_immediate_duty", "", "empty cell", FILL_SCORE),
    Cell(
        CPR,
        0,
        "mean",
        "5.5",
        "mean outside its own uncertainty band (4.4315616 to 4.9555396)",
        "The mean lies between the 10th and 90th percentiles",
    ),
    Cell(CPR, 0, "mean", "NaN", "not a number", NOT_A_NUMBER),
    Cell(ESR, 0, "score_wrt_global_best", "NA", "not a number", NOT_A_NUMBER),
    Cell(CPR, 0, "lobound_10", "-inf", "not a finite number", "as a plain number"),
    Cell(CPR, 0, "sd", "-0.1", "negative standard deviation", "A standard deviation is ≥ 0"),
    Cell(
        ESR,
        0,
        "score_wrt_global_best",
        "80",
        "score against the income-adjusted benchmark below the score against the global best (80)",
        "check the two values and the column order",
        column_named="score_wrt_immediate_duty",
        value_named="78.4",
    ),
    # Malformed cells: a blank name, control characters (NUL, ESC, C1, a line break).
    Cell(NAMES, 0, "name_en", "", "empty cell", "Write the country's English name"),
    Cell(NAMES, 0, "name_en", "\x1b[31mIstrella", "control character U+001B", "Delete the char"),
    Cell(NAMES, 0, "name_en", "Istrella\nRepublic", "control character U+000A", "Delete the"),
    Cell(CPR, 0, "metric_code", "di\x00sap", "control character U+0000", "Delete the character"),
    Cell(COUNTRIES, 0, "region_code", "americas\x85", "control character U+0085", "Delete"),
    Cell(
        ESR,
        0,
        "average_immediate_duty_wrt_global_best",
        "99.7\x07",
        "control character U+0007",
        "Delete the character",
    ),
]


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_one_bad_cell_is_one_clear_error(
    cell: Cell, release: Path, small: Dataset, cli: Cli, tmp_path: Path
) -> None:
    row = _set(release, cell.pattern, cell.index, cell.column, cell.value)
    problem = _the_error(release)
    assert (Path(problem.file).name, problem.row, problem.column, problem.value) == (
        _path(release, cell.pattern).name,
        cell.index + 2,
        cell.column_named or cell.column,
        cell.value_named if cell.value_named is not None else cell.value,
    )
    assert problem.message.startswith(cell.message), problem.message
    assert cell.fix in problem.fix, problem.fix
    _refused(cli, release, [problem], row["country_code"], tmp_path / "out")
    if cell.pattern in TABLE:
        _batch_rejects(release, small, cell.pattern, row["country_code"], problem)
    else:
        _batch_stops(release, problem)


def test_proportions_within_the_rounding_of_their_decimals_load(release: Path) -> None:
    """2/17 = .1176470…: written .12, .118 or .11764706 (HRMI's single precision) is right."""
    for written in (".12", ".118", "0.11764706", "1.1765e-1"):
        _set(release, RISK, 0, "proportion", written)
        dataset = load_release(release)
        assert dataset.risk.at[0, "proportion"] == pytest.approx(float(written))


def test_a_whole_right_without_respondents_is_refused(
    release: Path, cli: Cli, tmp_path: Path
) -> None:
    """Every row of XAB's arrest answers without total_respondents: 34 errors, not a crash."""

    def blank(rows: list[Row]) -> list[Row]:
        for r in rows:
            if (r["country_code"], r["metric_code"]) == ("XAB", "arrest_atrisk"):
                r["total_respondents"] = ""
        return rows

    _edit(release, RISK, blank)
    errors = _errors(release)
    assert [(p.row, p.column, p.value, p.message) for p in errors] == [
        (row, "total_respondents", "", "empty cell") for row in range(2, 36)
    ]
    _refused(cli, release, errors, "XAB", tmp_path / "out")
    dataset = load_release(release, isolate_bad_rows=True)
    assert set(dataset.rejected) == {"XAB"} and len(dataset.rejected["XAB"]) == 34
    assert not (
        (dataset.risk["country"] == "XAB") & (dataset.risk["metric"] == "arrest_atrisk")
    ).any()


# --- release and survey years --------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "message", "fix"),
    [
        (
            "2099",
            f"year outside 1990–{THIS_YEAR}",
            f"HRMI data years run from 1990 to {THIS_YEAR} (the current year; release.toml "
            "gives no publication_year); check the year.",
        ),
        (
            str(THIS_YEAR),
            "later than 2025, the latest year of the people-at-risk answers",
            "The latest survey year has people-at-risk answers too: check the year, or add "
            "that year's people-at-risk file.",
        ),
    ],
)
def test_release_year_never_comes_from_one_stray_row(
    year: str, message: str, fix: str, release: Path
) -> None:
    """Without a publication year, the release year is the survey year + 1: one row of 2099,
    or of this year, is an error, and batch mode leaves the release's years as they are."""
    _set_meta(release, None)
    assert load_release(release).info.publication_year == 2026
    _set(release, CPR, 0, "year", year)
    problem = _the_error(release)
    assert (problem.row, problem.column, problem.value) == (2, "year", year)
    assert (problem.message, problem.fix) == (message, fix)
    dataset = load_release(release, isolate_bad_rows=True)
    assert (dataset.info.publication_year, dataset.info.cpr_years) == (2026, (2023, 2024, 2025))
    assert dataset.info.title == "Demonstration release"
    assert set(dataset.rejected) == {"XAB"}


@pytest.mark.parametrize(
    ("line", "key", "message"),
    [
        ("publication_year = 2099", "publication_year", f"year outside 1990–{THIS_YEAR + 1}"),
        ("publication_year = 1066", "publication_year", f"year outside 1990–{THIS_YEAR + 1}"),
        ("publication_year = true", "publication_year", "not a whole number"),
        ('publication_year = "2026"', "publication_year", "not a whole number"),
        ('illustrative = "no"', "illustrative", "not true or false"),
        ("title = 5", "title", "not one line of text"),
    ],
)
def test_release_toml_values_are_checked(
    line: str, key: str, message: str, release: Path, cli: Cli, tmp_path: Path
) -> None:
    _set_meta(release, line, drop=key)
    problem = _the_error(release)
    assert (Path(problem.file).name, problem.column, problem.message) == (
        "release.toml",
        key,
        message,
    )
    _refused(cli, release, [problem], "XAB", tmp_path / "out")
    _batch_stops(release, problem)


def test_an_unknown_release_toml_key_is_refused_naming_the_nearest(
    release: Path, cli: Cli, tmp_path: Path
) -> None:
    _set_meta(release, "ilustrative = false", drop="ilustrative")
    problem = _the_error(release)
    assert (Path(problem.file).name, problem.column, problem.message) == (
        "release.toml",
        "ilustrative",
        "unknown key (did you mean 'illustrative'?)",
    )
    _refused(cli, release, [problem], "XAB", tmp_path / "out")


# --- notes name the file -------------------------------------------------------------------


def test_notes_name_the_file_and_row(release: Path) -> None:
    """An unknown metric, region or nameless country: a note naming its file and first row."""

    def add(rows: list[Row]) -> list[Row]:
        return [
            *rows,
            {**rows[0], "metric_code": "execution"},
            {**rows[1], "metric_code": "execution"},
        ]

    cpr = _edit(release, CPR, add)
    _set(release, COUNTRIES, 3, "region_code", "atlantis")
    _edit(release, NAMES, lambda rows: [r for r in rows if r["country_code"] != "XAA"])
    notes = {(Path(p.file).name, p.row, p.column, p.value): p for p in load_release(release).notes}
    rows = len(_read(cpr)[1])
    metric = notes[(cpr.name, rows, "metric_code", "execution")]
    assert "kept in the data, left out of reports (2 row(s), the first here)" in metric.message
    countries = _path(release, COUNTRIES).name
    assert "region not in our codebook" in notes[(countries, 5, "region_code", "atlantis")].message
    assert notes[(countries, 2, "country_code", "XAA")].message == "no name known for this country"
    assert not any(Path(p.file).name == release.name for p in load_release(release).notes)


# --- malformed files -----------------------------------------------------------------------


def test_duplicate_header_names_both_positions(release: Path, cli: Cli, tmp_path: Path) -> None:
    path = _path(release, CPR)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",mean"] + [x + ",9.9" for x in lines[1:]]) + "\n")
    problem = _the_error(release)
    assert str(problem) == (
        f"{path.name}, row 1, column 'mean': the header names two columns 'mean': column 4 (D) "
        "and column 8 (H). Delete or rename one of them (only one would be read)."
    )
    _refused(cli, release, [problem], "XAB", tmp_path / "out")
    _batch_stops(release, problem)


def test_row_longer_than_the_header_is_named(release: Path, cli: Cli, tmp_path: Path) -> None:
    """Cells past the header used to shift the whole file by one column (the first became an index)."""
    path = _path(release, CPR)
    lines = path.read_text().splitlines()
    lines[1] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    problem = _the_error(release)
    assert (problem.row, problem.message) == (2, "8 cells in a row under a header of 7 columns")
    assert problem.fix == "Delete the extra cells, or quote a cell that contains a comma."
    _refused(cli, release, [problem], "XAB", tmp_path / "out")


def test_empty_lines_keep_the_spreadsheet_row_numbers(release: Path, small: Dataset) -> None:
    """Empty rows are skipped but still counted, as a spreadsheet shows them."""
    path = _path(release, CPR)
    header, *lines = path.read_text().splitlines()
    assert len(load_release(release).cpr) == len(lines)
    cells = lines[5].split(",")
    cells[3] = "abc"  # the mean of the sixth data row, spreadsheet row 9 below
    rows = [header, "", *lines[:4], ",,,,,,", lines[4], ",".join(cells), *lines[6:]]
    path.write_text("\n".join(rows) + "\n")
    problem = _the_error(release)
    assert (problem.row, problem.column, problem.value) == (9, "mean", "abc")
    rows[9 - 1] = lines[5]
    path.write_text("\n".join(rows) + "\n")
    assert load_release(release).cpr.equals(small.cpr)  # and the empty rows left no trace


# --- files that are not files --------------------------------------------------------------

MOVE = "Move it out of the release folder, or rename it so that it does not match '{}'."


def _make(kind: str, path: Path) -> str:
    """Put a ``kind`` at ``path``; return the message it must give."""
    if kind == "folder":
        path.mkdir()
        return "a folder, not a file"
    if kind == "broken link":
        path.symlink_to("nowhere.csv")
        return "a broken symbolic link (to nowhere.csv, which does not exist)"
    if kind == "device":
        path.symlink_to(os.devnull)
        return "a device, not a file"
    os.mkfifo(path)
    return "a named pipe, not a file"


def _validate(cli: Cli, release: Path, *, own_process: bool) -> Run:
    """`reportgen validate`; ``own_process``: in a process of its own, which must not hang."""
    if not own_process:
        return cli("validate", release)
    result = subprocess.run(
        [sys.executable, "-m", "reportgen", "validate", str(release)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def _one_error_line(run: Run) -> str:
    assert run.code == 1, run.out + run.err
    assert "Traceback" not in run.out + run.err
    errors = [line for line in run.out.splitlines() if line.startswith("error ")]
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    ("kind", "name", "pattern"),
    [
        ("folder", "cpr-scores_extra.csv", CPR),
        ("broken link", "people-at-risk_old.csv", RISK),
        ("device", "countries_null.csv", COUNTRIES),
        ("named pipe", "esr-scores_pipe.csv", ESR),
    ],
)
def test_a_release_file_that_is_not_a_file_is_one_error(
    kind: str, name: str, pattern: str, release: Path, cli: Cli
) -> None:
    """A pipe used to hang `validate` for ever: that case runs in a process of its own."""
    message = _make(kind, release / name)
    link = "Point the link at the file, or delete it. " if kind == "broken link" else ""
    line = _one_error_line(_validate(cli, release, own_process=kind == "named pipe"))
    assert line == f"error {name}: {message}. {link}{MOVE.format(pattern)}"
    if kind != "named pipe":
        run = cli("build", "XAB", "--data", release, "--out", release.parent / "out")
        assert run.code == 1 and line.removeprefix("error ") in run.err


def test_unreadable_file_is_one_error(
    release: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """chmod 000 cannot stop root (these tests may run as root): the refusal is simulated."""
    path = _path(release, ESR)
    real_open = os.open

    def refuse(file: object, flags: int, *args: int) -> int:
        if Path(str(file)) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)
    problem = _the_error(release)
    assert str(problem) == (
        f"{path.name}: cannot be read (Permission denied). Check the file's permissions: the "
        "user running reportgen must be able to read it."
    )
    _refused(cli, release, [problem], "XAB", tmp_path / "out")


def test_file_without_read_permission_is_one_error(release: Path) -> None:
    path = _path(release, ESR)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("this user reads files without read permission (root)")
        assert _the_error(release).message == "cannot be read (Permission denied)"
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize("kind", ["folder", "broken link", "named pipe"])
def test_release_toml_that_is_not_a_file_is_one_error(kind: str, release: Path, cli: Cli) -> None:
    path = release / "release.toml"
    path.unlink()
    message = _make(kind, path)
    line = _one_error_line(_validate(cli, release, own_process=kind == "named pipe"))
    assert line.startswith(f"error release.toml: {message}. "), line
    assert line.endswith("Replace it with a release.toml file, or delete it (it is optional).")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b'[release]\ntitle = "D\xe9mo"\n', "not UTF-8 text"), (b"[release\n", "not valid TOML")],
)
def test_release_toml_that_cannot_be_read_is_one_error(
    content: bytes, message: str, release: Path
) -> None:
    (release / "release.toml").write_bytes(content)
    problem = _the_error(release)
    assert Path(problem.file).name == "release.toml" and problem.message.startswith(message)


# --- scale: a file pasted twice ------------------------------------------------------------


def test_two_million_duplicated_rows_are_all_counted(demo_copy: Path) -> None:
    """The CPR file with 2,000,000 rows repeated: every one counted, the first LISTED listed.
    (benchmarks/bench_validate.py times this; this test checks the count.)"""
    path = _path(demo_copy, CPR)
    header, *rows = path.read_text().splitlines(keepends=True)
    extra = 2_000_000
    repeats, rest = divmod(extra, len(rows))
    path.write_text(header + "".join(rows) * (repeats + 1) + "".join(rows[:rest]))
    with pytest.raises(DataValidationError) as caught:
        load_release(demo_copy)
    error = caught.value
    assert error.error_count == extra
    assert str(error).startswith("2,000,000 problem(s) in the data:")
    listed = [p for p in error.problems if p.severity == "error" and p.row is not None]
    assert len(listed) == LISTED
    assert listed[0].row == len(rows) + 2 and "already given at row 2" in listed[0].message
    (summary,) = [p for p in error.problems if p.severity == "error" and p.row is None]
    assert (
        summary.message == f"2,000,000 duplicated rows in all; the first {LISTED} are listed above"
    )
    assert summary.count == extra - LISTED


# --- batch mode: what one bad row may stop -------------------------------------------------


def test_a_file_copied_beside_itself_is_all_duplicates(
    release: Path, small: Dataset, cli: Cli, tmp_path: Path
) -> None:
    """Two files of one kind are read as one table: their common rows are duplicates."""
    original = _path(release, CPR)
    copy = release / "cpr-scores_demo_copy.csv"
    shutil.copy(original, copy)
    errors = _errors(release)
    assert errors[0].file == copy and errors[0].row == 2
    assert errors[0].message.startswith(
        "duplicated row (country_code=XAB, year=2023, metric_code=disap) already given at "
        f"row 2 of {original.name}"
    )
    assert sum(p.count for p in errors) == len(small.cpr)
    _refused(cli, release, errors, "XAB", tmp_path / "out")
    dataset = load_release(release, isolate_bad_rows=True)
    assert set(dataset.rejected) == set(small.survey_countries())
    assert dataset.cpr.equals(small.cpr)


def test_unknown_country_stops_batch_even_on_a_row_with_another_error(release: Path) -> None:
    """A mistyped code ("XA8") on a row that also has a bad value: the row cannot be left out
    as one country's, since the country it belongs to is not known."""
    _set(release, CPR, 0, "country_code", "XA8")
    _set(release, CPR, 0, "mean", "abc")
    errors = _errors(release, isolate=True)
    assert [(p.row, p.column, p.message) for p in errors] == [
        (2, "mean", "not a number"),
        (2, "country_code", "unknown country code"),
    ]


def test_batch_refuses_only_the_countries_with_bad_rows(release: Path, small: Dataset) -> None:
    _set(release, CPR, 0, "year", "2026")  # XAB: a later survey year
    _set(release, RISK, 1, "people_code", "777")  # XAB
    xdk = next(i for i, r in enumerate(_read(_path(release, ESR))[1]) if r["country_code"] == "XDK")
    _set(release, ESR, xdk, "score_wrt_global_best", "")
    dataset = load_release(release, isolate_bad_rows=True)
    assert {c: {(Path(p.file).name, p.row) for p in ps} for c, ps in dataset.rejected.items()} == {
        "XAB": {("cpr-scores_demo.csv", 2), ("people-at-risk_demo.csv", 3)},
        "XDK": {("esr-scores_demo.csv", xdk + 2)},
    }
    assert dataset.info.cpr_years == small.info.cpr_years
    others = small.cpr[small.cpr["country"] != "XAB"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        dataset.cpr[dataset.cpr["country"] != "XAB"].reset_index(drop=True), others
    )


# --- the real release and the demo still load ----------------------------------------------


def test_real_release_loads_without_errors(hrmi_dir: Path) -> None:
    """Every rule holds on the real 2020 release: its proportions (.071428575 for 1/14), its
    0/1 income flags, its years; its only notes name their files."""
    dataset = load_release(hrmi_dir)
    assert not dataset.rejected
    assert {Path(p.file).name for p in dataset.notes} <= {
        "cpr-scores_v3-1.csv",
        "esr-scores_v3-1.csv",
    }
    assert dataset.risk["count"].dtype.kind == "i" and dataset.risk["total"].dtype.kind == "i"
    assert int(dataset.countries["high_income"].sum()) == 85


def test_demo_release_loads_without_notes_but_its_bands(demo: Dataset) -> None:
    assert [p.column for p in demo.notes] == ["lobound_10/upbound_90"]
