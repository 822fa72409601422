"""Load stage: an HRMI release directory → a validated, typed ``Dataset``.

In:  a directory in the data portal's published CSV format (``cpr-scores*.csv``,
     ``esr-scores*.csv``, ``people-at-risk*.csv``, ``countries*.csv``; optional
     ``country-names*.csv`` and ``release.toml`` of our own), any release year.
Out: ``Dataset`` with four tidy tables under fixed column names, the release metadata,
     and every note found. Any error raises ``DataValidationError`` listing **all**
     problems at once, each naming file, row (as a spreadsheet counts: header = row 1),
     column, value and what to do. Past ``LISTED`` rows with the same problem in one file,
     the rest are counted, not listed: the error count is always the true one.

Nothing is invented and nothing is dropped without a word. The rules:

- Files: each file matching a pattern must be a readable regular file (a folder, a broken
  link, a named pipe or an unreadable file is one error, and a pipe is never opened for
  reading), UTF-8, comma-separated, with one header row whose names are unique and rows no
  longer than it. No cell holds a control character (C0 or C1, but tab; a line break inside
  a cell; U+2028/U+2029). Rows left wholly empty are skipped; row numbers stay the
  spreadsheet's. The same row (same key columns) may be given once, across all files of a
  kind.
- Cells: every cell the reports use is filled in. HRMI releases leave out the row of a
  missing score, so an empty cell or ``NaN``/``NA`` written as text is an error, never a gap
  (nor a value borrowed from another column). Numbers are finite; years whole and from
  ``FIRST_YEAR`` to the release's publication year (``release.toml``), or to the current
  year when the release does not give one.
- Codes: every country code is in the countries file; ``high_income_country`` (it picks
  a country's standard) is 0 or 1, never empty (no default is assumed); ``group``,
  ``standard`` and the people codes (codebook ``[groups]``) are known; the country-names
  file's flags are yes/no. Metric and region codes the codebook does not know are kept and
  named in a note, with their file and first row.
- Scores: civil and political means and bands on 0–10 (bands may reach past it: a note),
  the 10th percentile not above the 90th, the mean inside its own band, standard deviations
  ≥ 0; quality of life scores 0–100, the score against the income-adjusted benchmark not
  below the one against the global best.
- People at risk: counts and respondents whole (respondents ≥ 1), count ≤ respondents,
  the proportion count/respondents to the decimals written (at least two: reports print
  whole percentages; up to 1e-7 of single-precision noise, as HRMI writes .071428575 for
  1/14), one number of respondents per country, year and right; and the answers belong to
  the latest survey year: every year is a civil and political year, and no civil and
  political year is later than the latest people-at-risk year. The release and survey years
  therefore never come from one stray row.

Batch mode (``isolate_bad_rows``) leaves out the rows of the score files that have an
error and refuses their countries (``Dataset.rejected``); any other error (a file, a
header, the countries or names file, release.toml, an unknown country code) stops the load.

Past this module the data is trusted: numbers are floats, years and counts ints, codes
strings.
"""

from __future__ import annotations

import io
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.codebook import NAME_COLUMN, CountryName, load_codebook, release_country_name
from reportgen.errors import DataValidationError, Problem

FIRST_YEAR = (
    1990  # before any HRMI data: quality of life series start in the 2000s, the survey in 2017
)
LISTED = 200  # rows listed per problem and file; the others are counted in one line
# Single-precision noise in HRMI's proportions (.071428575 for 1/14 is 3.6e-9 off; at most 3.2e-8).
PROPORTION_NOISE = 1e-7
BAND_NOISE = 1e-6  # means and percentiles are written to 7–8 significant digits

# In a cell: C0 and C1 controls but tab, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
# In a file's text: the same, but line ends (they end rows; one inside a cell needs quotes).
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
# A yes/no flag of a names file, as reportgen.codebook reads it (empty: not given).
_FLAGS = frozenset({"", "1", "0", "true", "false", "yes", "no", "y", "n"})


@dataclass(frozen=True, slots=True)
class TableSpec:
    """How one kind of release file is found, named and checked."""

    kind: str
    pattern: str
    columns: dict[str, str]  # release column → our column
    numeric: tuple[str, ...]  # release columns that must be numbers
    key: tuple[str, ...]  # release columns that identify a row
    required: bool = True
    exclude: str | None = None
    extra: re.Pattern[str] | None = None  # optional columns kept as they are
    optional: tuple[str, ...] = ()  # columns that may be left empty
    isolate: bool = False  # batch mode: a row with an error fails only its country


CPR = TableSpec(
    "civil and political scores",
    "cpr-scores*.csv",
    {
        "year": "year",
        "country_code": "country",
        "metric_code": "metric",
        "mean": "mean",
        "sd": "sd",
        "lobound_10": "lo",
        "upbound_90": "hi",
    },
    ("year", "mean", "sd", "lobound_10", "upbound_90"),
    ("country_code", "year", "metric_code"),
    isolate=True,
)
ESR = TableSpec(
    "quality of life scores",
    "esr-scores*.csv",
    {
        "country_code": "country",
        "year": "year",
        "metric_code": "metric",
        "group": "group",
        "standard": "standard",
        "score_wrt_immediate_duty": "adj",
        "score_wrt_global_best": "best",
    },
    ("year", "score_wrt_immediate_duty", "score_wrt_global_best"),
    ("country_code", "year", "metric_code", "group", "standard"),
    isolate=True,
)
RISK = TableSpec(
    "people at risk",
    "people-at-risk*.csv",
    {
        "year": "year",
        "country_code": "country",
        "metric_code": "metric",
        "people_code": "people",
        "count": "count",
        "proportion": "proportion",
        "total_respondents": "total",
    },
    ("year", "count", "proportion", "total_respondents"),
    ("country_code", "year", "metric_code", "people_code"),
    isolate=True,
)
COUNTRIES = TableSpec(
    "countries",
    "countries*.csv",
    {"country_code": "country", "region_code": "region", "high_income_country": "high_income"},
    (),
    ("country_code",),
    exclude="grammar",
)
NAMES = TableSpec(
    "country names",
    "country-names*.csv",
    {"country_code": "country", "name_en": "name", "en_article": "article", "en_plural": "plural"},
    (),
    ("country_code",),
    required=False,
    extra=NAME_COLUMN,  # name_fr, fr_article, fr_plural, fr_feminine, fr_elision, …
    optional=("en_article", "en_plural"),
)
SPECS = (CPR, ESR, RISK, COUNTRIES, NAMES)

ESR_GROUPS = ("All", "Female", "Male")
ESR_STANDARDS = ("Core", "HiY")
HIGH_INCOME = ("0", "1")

# What to write in an empty cell, by column.
_FILL = {
    "year": "Write the year of the data, e.g. 2019.",
    "country_code": "Write the country's ISO3 code, as in the countries file.",
    "metric_code": "Write the metric code (e.g. tort, Education, tort_atrisk).",
    "people_code": "Write the people code of the group (0–33, as in the HRMI codebook).",
    "region_code": "Write the region code (e.g. europe-central-asia).",
    "group": "Write All, Female or Male.",
    "standard": "Write Core or HiY.",
    "high_income_country": "Write 1 for a high-income country or 0 for any other: it picks "
    "the standard of its quality of life scores.",
    "name_en": "Write the country's English name (else reports would show its code).",
    "total_respondents": "Write the number of experts who answered for this right.",
}
_FILL_SCORE = (
    "Write the value. A missing score has no row in an HRMI release: delete the row rather "
    "than leave a cell empty."
)


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    """What a release is: its title and year, and whether its data is illustrative."""

    path: Path
    title: str
    publication_year: int
    illustrative: bool
    publisher: str
    note: str
    cpr_years: tuple[int, ...]
    esr_years: tuple[int, ...]
    files: tuple[Path, ...]
    title_given: bool = False  # False: the title is our English default, not the release's
    titles: tuple[tuple[str, str], ...] = ()  # (language, title in that language's sentences)

    def title_in(self, language: str) -> str | None:
        """The release's own title for sentences in ``language``, if it gives one."""
        if language in dict(self.titles):
            return dict(self.titles)[language]
        return self.title if self.title_given else None


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded release. Tables (pandas, read-only by convention):

    - ``cpr``: year, country, metric, mean, sd, lo, hi (10th/90th percentiles)
    - ``esr``: country, year, metric, group, standard, adj (income-adjusted %), best (global best %)
    - ``risk``: year, country, metric, people, count, proportion, total
    - ``countries``: country, region, high_income (bool)
    """

    info: ReleaseInfo
    cpr: pd.DataFrame
    esr: pd.DataFrame
    risk: pd.DataFrame
    countries: pd.DataFrame
    names: dict[str, CountryName]
    notes: tuple[Problem, ...] = field(default=())
    unknown_metrics: tuple[str, ...] = field(default=())
    rejected: dict[str, tuple[Problem, ...]] = field(default_factory=dict)  # batch mode only

    def country_codes(self) -> list[str]:
        """Every country of the release, sorted by code."""
        return sorted(self.countries["country"])

    def survey_countries(self, year: int | None = None) -> list[str]:
        """Countries with civil and political scores (in ``year``, or in any year)."""
        cpr = self.cpr if year is None else self.cpr[self.cpr["year"] == year]
        return sorted(set(cpr["country"]))


@dataclass(eq=False)
class _Table:
    """One file being checked. Both frames are indexed by spreadsheet row − 2.

    ``text`` holds the cells as written (stripped); ``data`` the same with the numeric
    columns as floats, where a cell found wrong becomes NaN so that later checks skip it.
    """

    spec: TableSpec
    path: Path
    text: pd.DataFrame
    data: pd.DataFrame

    def invalidate(self, mask: pd.Series, column: str) -> None:
        if column in self.spec.numeric and mask.any():
            self.data.loc[mask.to_numpy(), column] = np.nan


@dataclass(frozen=True, slots=True)
class _YearBound:
    last: int
    why: str


class _Collector:
    """Gathers problems so that every one is reported, not only the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # Errors that fail only one country in batch mode: position in ``problems`` → its
        # country (None: a count of rows of several countries). Any other error stops the load.
        self.isolable: dict[int, str | None] = {}
        # Rows of the score files with such errors, by file (labels of ``_Table`` frames).
        self.bad_rows: dict[Path, list[np.ndarray]] = {}

    def add(
        self,
        severity: str,
        file: Path,
        row: int | None,
        column: str | None,
        value: object,
        message: str,
        fix: str,
        *,
        count: int = 1,
    ) -> None:
        shown = None if value is None else str(value)
        self.problems.append(Problem(severity, file, row, column, shown, message, fix, count))

    def rows(
        self,
        table: _Table,
        mask: pd.Series,
        column: str,
        message: str | Callable[[int], str],
        fix: str,
        *,
        severity: str = "error",
        summary: str = "",
        values: pd.Series | None = None,
    ) -> None:
        """One problem per row of ``table`` selected by ``mask``: the first ``LISTED`` listed,
        the rest in one line that counts them. The cell found wrong is not checked again.

        ``values``: the cells to show (default: the column's stripped text)."""
        selected = mask.to_numpy(dtype=bool, na_value=False)
        shown = table.text[column] if values is None else values
        labels = table.text.index[selected]
        if not len(labels):
            return
        isolate = severity == "error" and table.spec.isolate
        if isolate:
            self.bad_rows.setdefault(table.path, []).append(labels.to_numpy())
        for label in labels[:LISTED]:
            country = str(table.text.at[label, "country_code"]) if isolate else ""
            if isolate and country:
                self.isolable[len(self.problems)] = country
            text = message(int(label)) if callable(message) else message
            self.add(severity, table.path, int(label) + 2, column, shown.at[label], text, fix)
        if len(labels) > LISTED:
            if isolate:
                self.isolable[len(self.problems)] = None
            what = summary or (
                f"rows with this problem ({message})"
                if isinstance(message, str)
                else "rows like these"
            )
            self.add(
                severity,
                table.path,
                None,
                column,
                None,
                f"{len(labels):,} {what} in all; the first {LISTED} are listed above",
                fix,
                count=len(labels) - LISTED,
            )
        if severity == "error":
            table.invalidate(pd.Series(selected, index=table.data.index), column)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def fatal(self) -> list[Problem]:
        """Errors that stop the load even in batch mode."""
        return [
            p
            for i, p in enumerate(self.problems)
            if p.severity == "error" and i not in self.isolable
        ]


# --- files ---------------------------------------------------------------------------------


def _find(directory: Path, spec: TableSpec, out: _Collector) -> list[Path]:
    files = sorted(
        p for p in directory.glob(spec.pattern) if not (spec.exclude and spec.exclude in p.name)
    )
    if not files and spec.required:
        out.add(
            "error",
            directory / spec.pattern,
            None,
            None,
            None,
            f"no {spec.kind} file matching '{spec.pattern}' in {directory}",
            "Point --data at an HRMI release directory (as published by the data portal).",
        )
    return files


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def _read_bytes(path: Path, out: _Collector, move: str) -> bytes | None:
    """The bytes of ``path`` if it is a readable regular file; else None and one error.

    The file type is checked before the file is opened (a named pipe would block), and
    again on the open file (opened without blocking) in case it changed in between.
    """

    def fail(message: str, fix: str = move) -> None:
        out.add("error", path, None, None, None, message, fix)

    def kind_of(mode: int) -> str | None:
        return None if stat.S_ISREG(mode) else next((k for t, k in _KINDS if t(mode)), "special")

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            fail(
                f"a broken symbolic link (to {path.readlink()}, which does not exist)",
                f"Point the link at the file, or delete it. {move}",
            )
        else:
            fail("disappeared while the release was read", "Run the command again.")
        return None
    except OSError as exc:
        fail(f"cannot be read ({exc.strerror})", "Check the file's permissions.")
        return None
    if (kind := kind_of(mode)) is not None:
        fail(f"{kind}, not a file")
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        fail(
            f"cannot be read ({exc.strerror})",
            "Check the file's permissions: the user running reportgen must be able to read it.",
        )
        return None
    try:
        if (kind := kind_of(os.fstat(fd).st_mode)) is not None:
            fail(f"{kind}, not a file")
            return None
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    except OSError as exc:
        fail(f"cannot be read ({exc.strerror})", "Check the disk and copy the file again.")
        return None
    finally:
        os.close(fd)


def _column_name(position: int) -> str:
    """Spreadsheet column letters of a 1-based position: 1 → A, 27 → AA."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _read(path: Path, spec: TableSpec, out: _Collector) -> _Table | None:
    move = f"Move it out of the release folder, or rename it so that it does not match '{spec.pattern}'."
    data = _read_bytes(path, out, move)
    if data is None:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out.add(
            "error",
            path,
            data.count(b"\n", 0, exc.start) + 1,
            None,
            None,
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            "Save the file as UTF-8 CSV.",
        )
        return None
    try:
        # header=None: a row longer than the header is an error, not a shifted index column.
        frame = pd.read_csv(
            io.BytesIO(data),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError:
        out.add("error", path, None, None, None, "empty file", "Copy the release file again.")
        return None
    except pd.errors.ParserError as exc:
        fields = _FIELDS.search(str(exc))
        if fields:
            expected, line, saw = fields.groups()
            out.add(
                "error",
                path,
                int(line),
                None,
                None,
                f"{saw} cells in a row under a header of {expected} columns",
                "Delete the extra cells, or quote a cell that contains a comma.",
            )
        else:
            out.add(
                "error",
                path,
                None,
                None,
                None,
                f"not a readable CSV file ({str(exc).strip()})",
                "Check the file is comma-separated with one header row.",
            )
        return None
    header = [str(c).strip() for c in frame.iloc[0]]
    frame = frame.iloc[1:]
    frame.index = frame.index - 1
    seen: dict[str, int] = {}
    duplicated = False
    for position, name in enumerate(header, start=1):
        if name and name in seen:
            duplicated = True
            first = seen[name]
            out.add(
                "error",
                path,
                1,
                name,
                None,
                f"the header names two columns '{name}': column {first} ({_column_name(first)}) "
                f"and column {position} ({_column_name(position)})",
                "Delete or rename one of them (only one would be read).",
            )
        seen.setdefault(name, position)
    if duplicated:
        return None
    frame.columns = [name or f"(column {_column_name(i)})" for i, name in enumerate(header, 1)]
    missing = [c for c in spec.columns if c not in frame.columns]
    for column in missing:
        out.add(
            "error",
            path,
            1,
            column,
            None,
            "required column is missing",
            f"Add the column '{column}' to the header (columns found: {', '.join(header)}).",
        )
    if missing:
        return None
    extra = [
        c for c in frame.columns if spec.extra and spec.extra.match(c) and c not in spec.columns
    ]
    stripped, empty = _stripped(frame)
    kept = stripped.loc[~empty, list(spec.columns) + extra]  # a wholly empty row says nothing
    table = _Table(spec, path, kept, kept.copy())
    # A control character is in a cell; so is a line end inside quotes: look if the text has one.
    if _CONTROL_IN_TEXT.search(text) is not None or '"' in text:
        cells = frame.loc[kept.index]
        for column in cells.columns:
            cell = cells[column]

            def control(label: int, cell: pd.Series = cell) -> str:
                found = _CONTROL.search(str(cell.at[label]))
                return f"control character U+{ord(found.group()) if found else 0:04X} in the cell"

            out.rows(
                table,
                cell.str.contains(_CONTROL.pattern, regex=True),
                column,
                control,
                "Delete the character (it would reach the cover, the PDF's title or the "
                "terminal); retype the cell if you cannot see it.",
                summary="cells with a control character",
                values=cell,
            )
    for column in spec.columns:
        if column not in spec.numeric and column not in spec.optional:
            out.rows(
                table,
                table.text[column] == "",
                column,
                "empty cell",
                _FILL.get(column, "Fill in the cell."),
            )
    for column in spec.numeric:
        _numbers(table, column, out)
    return table


def _per_value(column: pd.Series, change: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``change`` applied once to each distinct cell of ``column`` (a file pasted twice
    repeats its cells: this keeps the time of a check linear in the distinct ones)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return change(pd.Series(uniques, dtype=column.dtype)).take(codes).set_axis(column.index)


def _stripped(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Every cell without its surrounding spaces, and which rows are wholly empty."""
    columns: dict[str, pd.Series] = {}
    empty = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        # Each distinct cell once, as in _per_value.
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        clean = pd.Series(uniques, dtype=frame[column].dtype).str.strip()
        columns[column] = clean.take(codes).set_axis(frame.index)
        empty &= (clean == "").to_numpy(dtype=bool)[codes]
    return pd.DataFrame(columns, index=frame.index), empty


def _numbers(table: _Table, column: str, out: _Collector) -> None:
    text = table.text[column]
    number = _per_value(text, lambda u: pd.to_numeric(u, errors="coerce").astype(float))
    table.data[column] = number
    empty = text == ""
    out.rows(table, empty, column, "empty cell", _FILL.get(column, _FILL_SCORE))
    out.rows(
        table,
        number.isna() & ~empty,
        column,
        "not a number",
        "Write a plain number such as 2.5 or .5469. A missing score has no row in an HRMI "
        "release: delete the row rather than write NaN or NA.",
    )
    out.rows(
        table,
        pd.Series(np.isinf(number.to_numpy()), index=number.index),
        column,
        "not a finite number",
        "Write the value as a plain number.",
    )


# --- checks of one file --------------------------------------------------------------------


def _whole(table: _Table, column: str, out: _Collector, what: str, fix: str) -> None:
    values = table.data[column]
    out.rows(table, values.notna() & (values % 1 != 0), column, f"not a whole {what}", fix)


def _years(table: _Table, bound: _YearBound, out: _Collector) -> None:
    _whole(table, "year", out, "year", "Write the year as a whole number, e.g. 2019.")
    year = table.data["year"]
    out.rows(
        table,
        year.notna() & ((year < FIRST_YEAR) | (year > bound.last)),
        "year",
        f"year outside {FIRST_YEAR}–{bound.last}",
        f"HRMI data years run from {FIRST_YEAR} to {bound.last} ({bound.why}); check the year.",
    )


def _range(
    table: _Table, column: str, low: float, high: float, out: _Collector, what: str, fix: str
) -> None:
    values = table.data[column]
    bad = values.notna() & ((values < low) | (values > high))
    out.rows(table, bad, column, f"{what} outside {low:g}–{high:g}", fix)


def _choice(
    table: _Table, column: str, allowed: Iterable[str], out: _Collector, what: str, fix: str
) -> None:
    values = table.text[column]
    out.rows(table, (values != "") & ~values.isin(list(allowed)), column, f"unknown {what}", fix)


def _check_cpr(table: _Table, out: _Collector) -> None:
    frame = table.data
    _range(
        table,
        "mean",
        0,
        10,
        out,
        "civil and political score",
        "Scores are on a 0–10 scale; check the value or the column order.",
    )
    out.rows(
        table,
        frame["sd"] < 0,
        "sd",
        "negative standard deviation",
        "A standard deviation is ≥ 0; check the value or the column order.",
    )
    out.rows(
        table,
        frame["lobound_10"] > frame["upbound_90"],
        "lobound_10",
        "lower bound (10th percentile) is above the upper bound (90th percentile)",
        "Check that lobound_10 and upbound_90 are not swapped.",
    )
    banded = frame["lobound_10"].notna() & frame["upbound_90"].notna()  # and not swapped
    outside = banded & (
        (frame["mean"] < frame["lobound_10"] - BAND_NOISE)
        | (frame["mean"] > frame["upbound_90"] + BAND_NOISE)
    )
    out.rows(
        table,
        outside,
        "mean",
        lambda label: (
            "mean outside its own uncertainty band "
            f"({table.text.at[label, 'lobound_10']} to {table.text.at[label, 'upbound_90']})"
        ),
        "The mean lies between the 10th and 90th percentiles (lobound_10, upbound_90): check "
        "the three values and the column order.",
    )
    beyond = frame["lobound_10"].lt(0) | frame["upbound_90"].gt(10)
    if beyond.any():
        out.add(
            "note",
            table.path,
            None,
            "lobound_10/upbound_90",
            None,
            f"{int(beyond.sum())} uncertainty band(s) reach below 0 or above 10",
            "This is published on purpose (the model's percentiles); charts clip them at the scale.",
        )


def _check_esr(table: _Table, out: _Collector) -> None:
    for column in ("score_wrt_immediate_duty", "score_wrt_global_best"):
        _range(
            table,
            column,
            0,
            100,
            out,
            "percentage",
            "Quality of life scores are percentages from 0 to 100.",
        )
    frame = table.data
    out.rows(
        table,
        frame["score_wrt_immediate_duty"] < frame["score_wrt_global_best"] - BAND_NOISE,
        "score_wrt_immediate_duty",
        lambda label: (
            "score against the income-adjusted benchmark below the score against the "
            f"global best ({table.text.at[label, 'score_wrt_global_best']})"
        ),
        "The income-adjusted benchmark is never above the global best, so the first score is "
        "never below the second: check the two values and the column order.",
    )
    for column, allowed in (("group", ESR_GROUPS), ("standard", ESR_STANDARDS)):
        _choice(table, column, allowed, out, column, f"Use one of: {', '.join(allowed)}.")


def _check_risk(table: _Table, out: _Collector) -> None:
    groups = sorted(load_codebook("en").groups, key=_code_order)
    _choice(
        table,
        "people_code",
        groups,
        out,
        "people code",
        f"Use a people code of the HRMI codebook ({_code_span(groups)}; see "
        "reportgen/i18n/en/codebook.toml, [groups]).",
    )
    _whole(table, "count", out, "number", "A count of experts is a whole number.")
    _whole(table, "total_respondents", out, "number", "A number of experts is a whole number.")
    out.rows(table, table.data["count"] < 0, "count", "negative count", "Counts are ≥ 0.")
    out.rows(
        table,
        table.data["total_respondents"] < 1,
        "total_respondents",
        "no respondents",
        "A right with answers has at least one respondent; check the value.",
    )
    _range(
        table,
        "proportion",
        0,
        1,
        out,
        "proportion",
        "Proportions are shares of respondents from 0 to 1 (not percentages).",
    )
    _one_total(table, out)
    frame = table.data
    out.rows(
        table,
        frame["count"] > frame["total_respondents"],
        "count",
        "count is above total_respondents",
        "A count of experts cannot exceed the number who answered; check both columns.",
    )
    expected = frame["count"] / frame["total_respondents"]
    decimals = np.maximum(_per_value(table.text["proportion"], _decimals), 2)
    tolerance = 0.5 * 10.0**-decimals + PROPORTION_NOISE
    out.rows(
        table,
        (frame["proportion"] - expected).abs() > tolerance,
        "proportion",
        lambda label: (
            "proportion is not count/total_respondents "
            f"({table.text.at[label, 'count']}/{table.text.at[label, 'total_respondents']} "
            f"= {expected.at[label]:.4g})"
        ),
        "Write count divided by total_respondents (at least two decimals), or correct the count.",
    )


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (10**6, code)


def _code_span(codes: list[str]) -> str:
    """'0–33' for the codes 0, 1, …, 33; else the codes listed."""
    if (
        codes
        and all(c.isdigit() for c in codes)
        and [int(c) for c in codes] == list(range(int(codes[0]), int(codes[0]) + len(codes)))
    ):
        return f"{codes[0]}–{codes[-1]}"
    return ", ".join(codes)


def _decimals(text: pd.Series) -> pd.Series:
    """Digits a number is written to after the point: '.125' → 3, '1' → 0, '6.25e-2' → 4."""
    parts = text.str.extract(r"^[+-]?\d*(?:\.(\d*))?(?:[eE]([+-]?\d+))?$")
    written = parts[0].str.len().astype(float).fillna(0)
    exponent = pd.to_numeric(parts[1], errors="coerce").fillna(0)
    return (written - exponent).clip(lower=0)


def _one_total(table: _Table, out: _Collector) -> None:
    """Every row of one country, year and right gives the same number of respondents."""
    keys = ["country_code", "year", "metric_code"]
    frame = table.data
    distinct = frame.groupby(keys, sort=False)["total_respondents"].transform("nunique")
    mixed = distinct > 1
    if not mixed.any():
        return
    rows = frame.loc[mixed, [*keys, "total_respondents"]]
    usual = rows.groupby(keys)["total_respondents"].agg(lambda s: s.mode().iloc[0])
    expected = rows.join(usual.rename("usual"), on=keys)["usual"]
    odd = pd.Series(False, index=frame.index)
    odd.loc[rows.index] = rows["total_respondents"].notna() & (
        rows["total_respondents"] != expected
    )
    out.rows(
        table,
        odd,
        "total_respondents",
        lambda label: (
            f"total_respondents differs from the {expected.at[label]:g} of the other rows of "
            f"{table.text.at[label, 'country_code']}, {table.text.at[label, 'year']}, "
            f"{table.text.at[label, 'metric_code']}"
        ),
        "A right has one number of respondents: write the same total_respondents in each of "
        "its rows.",
    )


def _check_countries(table: _Table, out: _Collector) -> None:
    _choice(
        table,
        "high_income_country",
        HIGH_INCOME,
        out,
        "high-income flag",
        _FILL["high_income_country"],
    )


def _check_names(table: _Table, out: _Collector) -> None:
    for column in table.text.columns:
        match = NAME_COLUMN.match(column)
        if match is None or not match["flag"]:
            continue
        values = table.text[column]
        out.rows(
            table,
            ~values.str.lower().isin(_FLAGS),
            column,
            "not a yes/no flag",
            "Write 1 or 0 (or true/false), or leave the cell empty if not known.",
        )


_CHECKS: dict[str, Callable[[_Table, _Collector], None]] = {
    CPR.kind: _check_cpr,
    ESR.kind: _check_esr,
    RISK.kind: _check_risk,
    COUNTRIES.kind: _check_countries,
    NAMES.kind: _check_names,
}


# --- checks across rows and files ----------------------------------------------------------


def _duplicates(tables: list[_Table], spec: TableSpec, out: _Collector) -> None:
    """The same key given twice, in one file or in two files of a kind (linear time)."""
    if not tables:
        return
    key = list(spec.key)
    frames = [t.data[key] for t in tables]  # typed: a year 2019 is a year 2019.0
    keys = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    group = keys.groupby(key, sort=False).ngroup()  # NaN: a key cell already found wrong
    keyed = group.notna().to_numpy()
    position = np.arange(len(keys))
    first = position.copy()
    first[keyed] = (
        pd.Series(position[keyed]).groupby(group.to_numpy()[keyed]).transform("min").to_numpy()
    )
    files = np.repeat(np.arange(len(tables)), [len(f) for f in frames])
    labels = np.concatenate([f.index.to_numpy() for f in frames])
    start = 0
    for table, frame in zip(tables, frames, strict=True):
        stop = start + len(frame)
        here = slice(start, stop)
        duplicate = pd.Series(first[here] != position[here], index=frame.index)
        firsts = pd.Series(first[here], index=frame.index)

        def message(label: int, firsts: pd.Series = firsts, table: _Table = table) -> str:
            at = int(firsts.at[label])
            where = f"row {int(labels[at]) + 2}"
            if tables[int(files[at])] is not table:
                where += f" of {tables[int(files[at])].path.name}"
            given = ", ".join(f"{c}={table.text.at[label, c]}" for c in key)
            return f"duplicated row ({given}) already given at {where}"

        out.rows(
            table,
            duplicate,
            spec.key[-1],
            message,
            "Keep one row per combination and delete the other.",
            summary="duplicated rows",
        )
        start = stop


def _unknown_countries(tables: Iterable[_Table], known: set[str], out: _Collector) -> None:
    """Rows of countries the countries file does not list: an error that stops the load."""
    for table in tables:
        codes = table.text["country_code"]
        unknown = (codes != "") & ~codes.isin(list(known))
        labels = table.text.index[unknown.to_numpy()]
        for label in labels[:LISTED]:
            out.add(
                "error",
                table.path,
                int(label) + 2,
                "country_code",
                codes.at[label],
                "unknown country code",
                "Use an ISO3 code listed in the countries file, or add the country there.",
            )
        if len(labels) > LISTED:
            out.add(
                "error",
                table.path,
                None,
                "country_code",
                None,
                f"{len(labels):,} rows with an unknown country code in all; the first "
                f"{LISTED} are listed above",
                "Use ISO3 codes listed in the countries file, or add the countries there.",
                count=len(labels) - LISTED,
            )


def _survey_years(cpr: list[_Table], risk: list[_Table], out: _Collector) -> None:
    """People-at-risk answers belong to the latest survey year of the civil and political scores.

    So a stray row of a later year in either file is an error, and cannot become the survey
    year (and with it the release's year) of every report.
    """
    cpr_years = {int(y) for t in cpr for y in t.data["year"].dropna().unique()}
    risk_years = {int(y) for t in risk for y in t.data["year"].dropna().unique()}
    if not cpr_years or not risk_years:
        return
    listed = ", ".join(map(str, sorted(cpr_years)))
    for table in risk:
        year = table.data["year"]
        out.rows(
            table,
            year.notna() & ~year.isin(list(cpr_years)),
            "year",
            "no civil and political scores for this year",
            f"People at risk come from the survey that gives the civil and political scores "
            f"(years {listed}): check the year.",
        )
    latest = max((int(y) for t in risk for y in t.data["year"].dropna().unique()), default=None)
    if latest is None:
        return
    for table in cpr:
        out.rows(
            table,
            table.data["year"] > latest,
            "year",
            f"later than {latest}, the latest year of the people-at-risk answers",
            "The latest survey year has people-at-risk answers too: check the year, or add "
            "that year's people-at-risk file.",
        )


# --- release.toml --------------------------------------------------------------------------

_META_KEYS = ("title", "publication_year", "illustrative", "publisher", "note")


def _release_meta(directory: Path, out: _Collector) -> dict[str, object]:
    """The ``[release]`` table of ``release.toml`` (optional), every value checked."""
    path = directory / "release.toml"
    if not (path.exists() or path.is_symlink()):
        return {}
    data = _read_bytes(
        path, out, "Replace it with a release.toml file, or delete it (it is optional)."
    )
    if data is None:
        return {}

    def fail(key: str | None, value: object, message: str, fix: str) -> None:
        out.add("error", path, None, key, value, message, fix)

    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        fail(None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})", "Save it as UTF-8.")
        return {}
    except tomllib.TOMLDecodeError as exc:
        fail(
            None,
            None,
            f"not valid TOML ({exc})",
            "Fix the syntax or delete release.toml (it is optional).",
        )
        return {}
    table = document.get("release", {})
    if not isinstance(table, dict):
        fail("release", table, "not a table", "Write the values under a [release] heading.")
        return {}
    meta: dict[str, object] = {}
    this_year = date.today().year
    for key, value in table.items():
        if key == "publication_year":
            if not isinstance(value, int) or isinstance(value, bool):
                fail(
                    key,
                    value,
                    "not a whole number",
                    "Write the year, e.g. publication_year = 2020.",
                )
            elif not FIRST_YEAR <= value <= this_year + 1:
                fail(
                    key,
                    value,
                    f"year outside {FIRST_YEAR}–{this_year + 1}",
                    "Write the year the release is published, e.g. publication_year = 2020.",
                )
            else:
                meta[key] = value
        elif key == "illustrative":
            if not isinstance(value, bool):
                fail(
                    key,
                    value,
                    "not true or false",
                    "Write illustrative = true or false (no quotes).",
                )
            else:
                meta[key] = value
        elif key in _META_KEYS or key.startswith("title_"):
            control = _CONTROL_IN_TEXT if key == "note" else _CONTROL  # a note may have lines
            if not isinstance(value, str) or control.search(value):
                fail(key, value, "not one line of text", f'Write it in quotes: {key} = "…".')
            else:
                meta[key] = value
        else:
            out.add(
                "note",
                path,
                None,
                key,
                None,
                "unknown key, ignored",
                f"Known keys: {', '.join(_META_KEYS)}, title_<language>.",
            )
    return meta


def _year_bound(meta: Mapping[str, object]) -> _YearBound:
    year = meta.get("publication_year")
    if isinstance(year, int):
        return _YearBound(year, "the publication year in release.toml")
    return _YearBound(date.today().year, "the current year; release.toml gives no publication_year")


def _release_info(
    directory: Path,
    meta: Mapping[str, object],
    files: Iterable[Path],
    cpr: pd.DataFrame,
    esr: pd.DataFrame,
) -> ReleaseInfo:
    cpr_years = tuple(sorted({int(y) for y in cpr["year"]}))
    esr_years = tuple(sorted({int(y) for y in esr["year"]}))
    # HRMI publishes a release the year after its survey year (2019 survey → 2020 release).
    inferred = (cpr_years[-1] + 1) if cpr_years else (esr_years[-1] + 3 if esr_years else 0)
    given = meta.get("publication_year")
    year = given if isinstance(given, int) else inferred
    return ReleaseInfo(
        path=directory,
        title=str(meta.get("title", f"HRMI {year} release")),
        publication_year=year,
        illustrative=bool(meta.get("illustrative", False)),
        publisher=str(meta.get("publisher", "Human Rights Measurement Initiative (HRMI)")),
        note=str(meta.get("note", "")),
        cpr_years=cpr_years,
        esr_years=esr_years,
        files=tuple(files),
        title_given="title" in meta,
        titles=tuple(
            sorted(
                (k.removeprefix("title_"), str(v))
                for k, v in meta.items()
                if k.startswith("title_")
            )
        ),
    )


# --- the load ------------------------------------------------------------------------------


def _concat(tables: list[_Table], spec: TableSpec) -> pd.DataFrame:
    """The checked rows of every file of a kind, under our column names."""
    if not tables:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in spec.columns.values()})
    frames = [t.data for t in tables]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return frame.rename(columns=spec.columns).reset_index(drop=True)


def _isolate(tables: dict[str, list[_Table]], out: _Collector) -> dict[str, list[Problem]]:
    """Drop the rows with errors from the score tables; return each affected country's problems.

    Called only when every error is such a row's (``_Collector.fatal`` is empty).
    """
    rejected: dict[str, list[Problem]] = {}
    for spec in (CPR, ESR, RISK):
        for table in tables[spec.kind]:
            bad = out.bad_rows.get(table.path)
            if not bad:
                continue
            labels = np.unique(np.concatenate(bad))
            for code in table.text.loc[labels, "country_code"].unique():
                rejected.setdefault(str(code), [])
            table.text = table.text.drop(index=labels)
            table.data = table.data.drop(index=labels)
    kept: list[Problem] = []
    for position, problem in enumerate(out.problems):
        if position not in out.isolable:
            kept.append(problem)
        elif (country := out.isolable[position]) is not None:
            rejected[country].append(problem)
    out.problems, out.isolable, out.bad_rows = kept, {}, {}
    return rejected


def _notes(tables: dict[str, list[_Table]], out: _Collector) -> list[str]:
    """Notes on codes the codebook does not know; return the unknown metric codes."""
    book = load_codebook("en")
    by_kind = {
        CPR.kind: {r.metric for r in book.rights.values() if r.kind == "cpr"}
        | {d.metric for d in book.dimensions.values() if d.kind == "cpr"},
        ESR.kind: {r.metric for r in book.rights.values() if r.kind == "esr"}
        | {d.metric for d in book.dimensions.values() if d.kind == "esr"},
        RISK.kind: {r.at_risk for r in book.rights.values()},
    }
    unknown: set[str] = set()
    for spec in (CPR, ESR, RISK):
        for table in tables[spec.kind]:
            metrics = table.text["metric_code"]
            for metric, rows in metrics[~metrics.isin(list(by_kind[spec.kind]))].groupby(
                metrics, sort=True
            ):
                unknown.add(str(metric))
                out.add(
                    "note",
                    table.path,
                    int(rows.index[0]) + 2,
                    "metric_code",
                    metric,
                    f"not a metric of the {spec.kind} in our codebook: kept in the data, left "
                    f"out of reports ({len(rows):,} row(s), the first here)",
                    "Add it to the codebook (reportgen/i18n/*/codebook.toml) to report on it.",
                )
    names = {c for t in tables[NAMES.kind] for c in t.text["country_code"]}
    for table in tables[COUNTRIES.kind]:
        for label, code in table.text["country_code"].items():
            if code not in names and not book.knows_country(str(code)):
                out.add(
                    "note",
                    table.path,
                    int(label) + 2,
                    "country_code",
                    code,
                    "no name known for this country",
                    "Add it to a country-names.csv file in the release (country_code,name_en,"
                    "en_article,en_plural); until then reports use the code.",
                )
        regions = table.text["region_code"]
        for region, rows in regions[~regions.isin(list(book.regions))].groupby(regions, sort=True):
            out.add(
                "note",
                table.path,
                int(rows.index[0]) + 2,
                "region_code",
                region,
                f"region not in our codebook ({len(rows):,} row(s), the first here)",
                "Add it under [regions] in the codebook; until then the code is shown.",
            )
    return sorted(unknown)


def load_release(path: str | Path, *, isolate_bad_rows: bool = False) -> Dataset:
    """Read and validate the release in ``path``; raise ``DataValidationError`` on any error.

    With ``isolate_bad_rows`` (batch mode), rows of the score files that have errors are left
    out and their countries listed in ``Dataset.rejected`` with the problems, so that one
    country's bad data stops only that country's report; other errors still raise.
    """
    directory = Path(path)
    out = _Collector()
    if not directory.is_dir():
        out.add(
            "error",
            directory,
            None,
            None,
            None,
            "release directory not found",
            "Give the folder holding cpr-scores*.csv, esr-scores*.csv, people-at-risk*.csv "
            "and countries*.csv.",
        )
        raise DataValidationError(out.problems)

    meta = _release_meta(directory, out)
    bound = _year_bound(meta)
    tables: dict[str, list[_Table]] = {}
    all_files: list[Path] = []
    # Each file on its own: cells, codes, ranges and the rules between its columns.
    for spec in SPECS:
        tables[spec.kind] = []
        for file in _find(directory, spec, out):
            all_files.append(file)
            table = _read(file, spec, out)
            if table is None:
                continue
            if "year" in spec.columns:
                _years(table, bound, out)
            _CHECKS[spec.kind](table, out)
            tables[spec.kind].append(table)
    # Across rows and files: one row per key, known countries, one survey year.
    for spec in SPECS:
        _duplicates(tables[spec.kind], spec, out)
    known = {c for t in tables[COUNTRIES.kind] for c in t.text["country_code"]} - {""}
    _unknown_countries(
        [t for spec in (CPR, ESR, RISK, NAMES) for t in tables[spec.kind]], known, out
    )
    _survey_years(tables[CPR.kind], tables[RISK.kind], out)
    if out.fatal or (out.errors and not isolate_bad_rows):
        raise DataValidationError(out.problems)
    rejected = _isolate(tables, out) if isolate_bad_rows else {}

    cpr = _concat(tables[CPR.kind], CPR).astype({"year": int})
    esr = _concat(tables[ESR.kind], ESR).astype({"year": int})
    risk = _concat(tables[RISK.kind], RISK).astype({"year": int, "count": int, "total": int})
    unknown_metrics = _notes(tables, out)
    names: dict[str, CountryName] = {}
    for table in tables[NAMES.kind]:
        for row in table.text.to_dict("records"):
            name = release_country_name(row)
            names[name.code] = name
    countries = pd.concat(
        [t.text[list(COUNTRIES.columns)] for t in tables[COUNTRIES.kind]], ignore_index=True
    ).rename(columns=COUNTRIES.columns)
    countries = countries.assign(high_income=countries["high_income"] == "1")
    return Dataset(
        info=_release_info(directory, meta, all_files, cpr, esr),
        cpr=cpr,
        esr=esr,
        risk=risk,
        countries=countries.reset_index(drop=True),
        names=names,
        notes=tuple(out.problems),
        unknown_metrics=tuple(unknown_metrics),
        rejected={c: tuple(p) for c, p in rejected.items()},
    )


def is_missing(value: float | None) -> bool:
    """Return True for None or NaN (the load stage's only representation of a gap)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
