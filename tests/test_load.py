"""Loading a release: real data loads, and every kind of broken input is reported precisely."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.errors import DataValidationError
from reportgen.load import Dataset, load_release

Row = dict[str, str]


def _edit(
    path: Path, edit: Callable[[list[Row]], list[Row]], drop_column: str | None = None
) -> None:
    """Rewrite a CSV file through ``edit`` (a function of its rows), keeping a leading BOM."""
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    fields = [f for f in (reader.fieldnames or []) if f != drop_column]
    rows = [{k: v for k, v in r.items() if k != drop_column} for r in reader]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(edit(rows))
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode())


def _set(index: int, column: str, value: str) -> Callable[[list[Row]], list[Row]]:
    def edit(rows: list[Row]) -> list[Row]:
        rows[index][column] = value
        return rows

    return edit


def _file(directory: Path, pattern: str) -> Path:
    return sorted(directory.glob(pattern))[0]


def _problems(directory: Path) -> list[str]:
    with pytest.raises(DataValidationError) as caught:
        load_release(directory)
    return [str(p) for p in caught.value.problems if p.severity == "error"]


# (file pattern, data row index (0 = spreadsheet row 2), column, bad value, words expected)
BROKEN_VALUES = [
    ("cpr-scores*.csv", 4, "mean", "2,5", "not a number"),
    ("cpr-scores*.csv", 5, "mean", "12.5", "civil and political score outside 0–10"),
    ("cpr-scores*.csv", 6, "lobound_10", "9.9", "lower bound"),
    ("esr-scores*.csv", 7, "score_wrt_immediate_duty", "104.2", "percentage outside 0–100"),
    ("esr-scores*.csv", 8, "group", "Women", "unknown group"),
    ("people-at-risk*.csv", 9, "proportion", "1.5", "proportion outside 0–1"),
    ("people-at-risk*.csv", 10, "count", "999", "count is above total_respondents"),
    ("cpr-scores*.csv", 11, "country_code", "ZZZ", "unknown country code"),
]


@pytest.mark.parametrize(("pattern", "index", "column", "value", "words"), BROKEN_VALUES)
def test_bad_value_is_named_by_file_row_column_and_value(
    demo_copy: Path, pattern: str, index: int, column: str, value: str, words: str
) -> None:
    path = _file(demo_copy, pattern)
    _edit(path, _set(index, column, value))
    problems = _problems(demo_copy)
    expected = f"{path.name}, row {index + 2}, column '{column}': {words}"
    assert any(p.startswith(expected) for p in problems), problems
    assert any(repr(value) in p for p in problems if p.startswith(expected))


def test_all_problems_are_reported_at_once(demo_copy: Path) -> None:
    _edit(_file(demo_copy, "cpr-scores*.csv"), _set(0, "mean", "abc"))
    _edit(_file(demo_copy, "esr-scores*.csv"), _set(0, "score_wrt_global_best", "-3"))
    _edit(_file(demo_copy, "people-at-risk*.csv"), _set(0, "proportion", "7"))
    problems = _problems(demo_copy)
    assert len(problems) == 3
    assert {p.split(",")[0] for p in problems} == {
        _file(demo_copy, g).name
        for g in ("cpr-scores*.csv", "esr-scores*.csv", "people-at-risk*.csv")
    }


def test_duplicated_row_names_both_rows(demo_copy: Path) -> None:
    path = _file(demo_copy, "cpr-scores*.csv")
    _edit(path, lambda rows: [*rows[:3], rows[1], *rows[3:]])
    problems = _problems(demo_copy)
    assert any(
        p.startswith(f"{path.name}, row 5, column 'metric_code'") and "already given at row 3" in p
        for p in problems
    ), problems


def test_missing_column_is_named(demo_copy: Path) -> None:
    path = _file(demo_copy, "esr-scores*.csv")
    _edit(path, lambda rows: rows, drop_column="standard")
    problems = _problems(demo_copy)
    assert any(
        p.startswith(f"{path.name}, row 1, column 'standard': required column is missing")
        for p in problems
    ), problems


def test_missing_file_is_named(demo_copy: Path) -> None:
    _file(demo_copy, "people-at-risk*.csv").unlink()
    problems = _problems(demo_copy)
    assert any("people-at-risk*.csv" in p and "no people at risk file" in p for p in problems), (
        problems
    )


def test_missing_directory(tmp_path: Path) -> None:
    problems = _problems(tmp_path / "nowhere")
    assert problems and "release directory not found" in problems[0]


def test_bands_outside_scale_are_a_note_not_an_error(demo_copy: Path) -> None:
    _edit(_file(demo_copy, "cpr-scores*.csv"), _set(0, "upbound_90", "10.7"))
    dataset = load_release(demo_copy)
    assert any("below 0 or above 10" in p.message for p in dataset.notes)


def test_unknown_and_retired_metrics_are_kept_and_reported(demo_copy: Path) -> None:
    """An old release's `execution` metric loads, is kept, and is named in a note."""
    path = _file(demo_copy, "cpr-scores*.csv")

    def add_execution(rows: list[Row]) -> list[Row]:
        return [*rows, {**rows[0], "metric_code": "execution"}]

    _edit(path, add_execution)
    dataset = load_release(demo_copy)
    assert "execution" in dataset.unknown_metrics
    assert (dataset.cpr["metric"] == "execution").sum() == 1
    assert any(p.value == "execution" for p in dataset.notes)


def test_other_years_and_country_sets_load(demo_copy: Path) -> None:
    """A release of another year, with fewer countries, loads with no code change."""
    for pattern in ("cpr-scores*.csv", "people-at-risk*.csv"):  # one survey: both files
        _edit(
            _file(demo_copy, pattern),
            lambda rows: [
                {**r, "year": str(int(r["year"]) - 10)} for r in rows if r["country_code"] < "XD"
            ],
        )
    dataset = load_release(demo_copy)
    assert dataset.info.cpr_years == tuple(sorted({int(y) for y in dataset.cpr["year"]}))
    assert max(dataset.info.cpr_years) < 2020


def test_demo_release_is_marked_illustrative(demo: Dataset) -> None:
    assert demo.info.illustrative
    assert len(demo.survey_countries()) >= 40
    assert demo.esr["country"].nunique() >= 150
    assert len(demo.info.cpr_years) == 3 and len(demo.info.esr_years) == 11


def test_real_release_loads_with_its_quirks(hrmi: Dataset) -> None:
    """BOMs, numbers like .5469, bands outside 0–10 and the extra PISA metric all load."""
    assert hrmi.info.publication_year == 2020
    assert hrmi.info.cpr_years == (2017, 2018, 2019)
    assert len(hrmi.survey_countries(2019)) == 33
    assert hrmi.esr["country"].nunique() >= 190
    assert (hrmi.cpr["lo"] < 0).any() or (hrmi.cpr["hi"] > 10).any()
    assert "PISA_Average" in hrmi.unknown_metrics
    assert not hrmi.info.illustrative


def test_validate_command_exits_non_zero_without_traceback(demo_copy: Path) -> None:
    _edit(_file(demo_copy, "cpr-scores*.csv"), _set(2, "sd", "n/a"))
    result = subprocess.run(
        [sys.executable, "-m", "reportgen", "validate", str(demo_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "row 4, column 'sd': not a number (value: 'n/a')" in result.stdout


def test_validate_command_accepts_the_demo_release(demo_copy: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reportgen", "validate", str(demo_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout
