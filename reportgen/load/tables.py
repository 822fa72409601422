"""The shapes of the load stage: what each release file is, the loaded tables, the problem collector."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.codebook import NAME_COLUMN, CountryName
from reportgen.errors import Problem

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
