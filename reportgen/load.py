"""Load stage: an HRMI release directory → a validated, typed ``Dataset``.

In:  a directory in the data portal's published CSV format (``cpr-scores*.csv``,
     ``esr-scores*.csv``, ``people-at-risk*.csv``, ``countries*.csv``; optional
     ``country-names*.csv`` and ``release.toml`` of our own), any release year.
Out: ``Dataset`` with four tidy tables under fixed column names, the release metadata,
     and every note found. Any error raises ``DataValidationError`` listing **all**
     problems at once, each naming file, row (as a spreadsheet counts: header = row 1),
     column, value and what to do.

Past this module the data is trusted: numbers are floats, years ints, codes strings.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reportgen.codebook import NAME_COLUMN, CountryName, load_codebook, release_country_name
from reportgen.errors import DataValidationError, Problem


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
)
COUNTRIES = TableSpec(
    "countries",
    "countries*.csv",
    {"country_code": "country", "region_code": "region", "high_income_country": "high_income"},
    ("high_income_country",),
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
)

ESR_GROUPS = ("All", "Female", "Male")
ESR_STANDARDS = ("Core", "HiY")


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


class _Collector:
    """Gathers problems so that every one is reported, not only the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # Rows with an error, by file: {index: country code}; used when bad rows are isolated.
        self.bad_rows: dict[Path, dict[int, str]] = {}

    def add(
        self,
        severity: str,
        file: Path,
        row: int | None,
        column: str | None,
        value: object,
        message: str,
        fix: str,
    ) -> None:
        shown = None if value is None else str(value)
        self.problems.append(Problem(severity, file, row, column, shown, message, fix))

    def rows(
        self,
        severity: str,
        file: Path,
        frame: pd.DataFrame,
        mask: pd.Series,
        column: str,
        message: str,
        fix: str,
        limit: int = 200,
    ) -> None:
        """Add one problem per row of ``frame`` selected by ``mask`` (at most ``limit``)."""
        indices = frame.index[mask.to_numpy()]
        if severity == "error" and "country_code" in frame.columns:
            bad = self.bad_rows.setdefault(file, {})
            for index in indices:
                bad[int(index)] = str(frame.at[index, "country_code"])
        for index in indices[:limit]:
            self.add(severity, file, int(index) + 2, column, frame.at[index, column], message, fix)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


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


def _read(path: Path, spec: TableSpec, out: _Collector) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        out.add(
            "error",
            path,
            None,
            None,
            None,
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            "Save the file as UTF-8 CSV.",
        )
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        out.add(
            "error",
            path,
            None,
            None,
            None,
            f"not a readable CSV file ({exc})",
            "Check the file is comma-separated with one header row.",
        )
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in spec.columns if c not in frame.columns]
    for column in missing:
        out.add(
            "error",
            path,
            1,
            column,
            None,
            "required column is missing",
            f"Add the column '{column}' to the header (columns found: {', '.join(frame.columns)}).",
        )
    if missing:
        return None
    extra = [
        c for c in frame.columns if spec.extra and spec.extra.match(c) and c not in spec.columns
    ]
    frame = frame[list(spec.columns) + extra].copy()
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    for column in spec.numeric:
        raw = frame[column]
        number = pd.to_numeric(raw.where(~raw.str.upper().isin(["", "NA", "NAN"])), errors="coerce")
        bad = number.isna() & ~raw.str.upper().isin(["", "NA", "NAN"])
        out.rows(
            "error",
            path,
            frame,
            bad,
            column,
            "not a number",
            "Write a plain number such as 2.5 or .5469, or leave the cell empty if missing.",
        )
        frame[column] = number
    frame.attrs["path"] = path
    return frame


def _duplicates(frame: pd.DataFrame, path: Path, spec: TableSpec, out: _Collector) -> None:
    dup = frame.duplicated(list(spec.key), keep="first")
    for index in frame.index[dup.to_numpy()][:200]:
        first = frame.index[
            (frame[list(spec.key)] == frame.loc[index, list(spec.key)]).all(axis=1)
        ][0]
        if "country_code" in frame.columns:
            out.bad_rows.setdefault(path, {})[int(index)] = str(frame.at[index, "country_code"])
        key = ", ".join(f"{c}={frame.at[index, c]}" for c in spec.key)
        out.add(
            "error",
            path,
            int(index) + 2,
            spec.key[-1],
            frame.at[index, spec.key[-1]],
            f"duplicated row ({key}) already given at row {int(first) + 2}",
            "Keep one row per combination and delete the other.",
        )


def _range(
    frame: pd.DataFrame,
    path: Path,
    column: str,
    low: float,
    high: float,
    out: _Collector,
    what: str,
    fix: str,
) -> None:
    values = frame[column]
    bad = values.notna() & ((values < low) | (values > high))
    out.rows("error", path, frame, bad, column, f"{what} outside {low:g}–{high:g}", fix)


def _check_cpr(frame: pd.DataFrame, path: Path, out: _Collector) -> None:
    _range(
        frame,
        path,
        "mean",
        0,
        10,
        out,
        "civil and political score",
        "Scores are on a 0–10 scale; check the value or the column order.",
    )
    bad = (
        frame["lobound_10"].notna()
        & frame["upbound_90"].notna()
        & (frame["lobound_10"] > frame["upbound_90"])
    )
    out.rows(
        "error",
        path,
        frame,
        bad,
        "lobound_10",
        "lower bound (10th percentile) is above the upper bound (90th percentile)",
        "Check that lobound_10 and upbound_90 are not swapped.",
    )
    outside = frame["lobound_10"].lt(0) | frame["upbound_90"].gt(10)
    if outside.any():
        out.add(
            "note",
            path,
            None,
            "lobound_10/upbound_90",
            None,
            f"{int(outside.sum())} uncertainty band(s) reach below 0 or above 10",
            "This is published on purpose (the model's percentiles); charts clip them at the scale.",
        )


def _check_esr(frame: pd.DataFrame, path: Path, out: _Collector) -> None:
    for column in ("score_wrt_immediate_duty", "score_wrt_global_best"):
        _range(
            frame,
            path,
            column,
            0,
            100,
            out,
            "percentage",
            "Quality of life scores are percentages from 0 to 100.",
        )
    for column, allowed in (("group", ESR_GROUPS), ("standard", ESR_STANDARDS)):
        bad = ~frame[column].isin(allowed)
        out.rows(
            "error",
            path,
            frame,
            bad,
            column,
            f"unknown {column}",
            f"Use one of: {', '.join(allowed)}.",
        )


def _check_risk(frame: pd.DataFrame, path: Path, out: _Collector) -> None:
    _range(
        frame,
        path,
        "proportion",
        0,
        1,
        out,
        "proportion",
        "Proportions are shares of respondents from 0 to 1 (not percentages).",
    )
    bad = (
        frame["count"].notna()
        & frame["total_respondents"].notna()
        & (frame["count"] > frame["total_respondents"])
    )
    out.rows(
        "error",
        path,
        frame,
        bad,
        "count",
        "count is above total_respondents",
        "A count of experts cannot exceed the number who answered; check both columns.",
    )
    bad = frame["count"].lt(0) | frame["total_respondents"].lt(0)
    out.rows("error", path, frame, bad, "count", "negative count", "Counts are whole numbers ≥ 0.")


def _release_info(
    directory: Path, files: Iterable[Path], cpr: pd.DataFrame, esr: pd.DataFrame, out: _Collector
) -> ReleaseInfo:
    meta: dict[str, object] = {}
    meta_path = directory / "release.toml"
    if meta_path.exists():
        try:
            with meta_path.open("rb") as fh:
                meta = dict(tomllib.load(fh).get("release", {}))
        except tomllib.TOMLDecodeError as exc:
            out.add(
                "error",
                meta_path,
                None,
                None,
                None,
                f"not valid TOML ({exc})",
                "Fix the syntax or delete release.toml (it is optional).",
            )
    cpr_years = tuple(sorted({int(y) for y in cpr["year"].dropna()}))
    esr_years = tuple(sorted({int(y) for y in esr["year"].dropna()}))
    # HRMI publishes a release the year after its survey year (2019 survey → 2020 release).
    inferred = (cpr_years[-1] + 1) if cpr_years else (esr_years[-1] + 3 if esr_years else 0)
    year = meta.get("publication_year", inferred)
    if not isinstance(year, int):
        out.add(
            "error",
            meta_path,
            None,
            "publication_year",
            year,
            "not a whole number",
            "Write the year, e.g. publication_year = 2020.",
        )
        year = inferred
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


def _concat(frames: list[pd.DataFrame], spec: TableSpec) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in spec.columns})
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _isolate(raw: dict[str, list[pd.DataFrame]], out: _Collector) -> dict[str, list[Problem]]:
    """Drop rows with errors from the score tables; return each affected country's problems.

    Errors that belong to no row of a score file (a missing file or column, a bad countries
    file) stay in ``out`` and still stop the load.
    """
    rejected: dict[str, list[Problem]] = {}
    row_files = {frame.attrs["path"] for spec in (CPR, ESR, RISK) for frame in raw[spec.kind]}
    kept: list[Problem] = []
    for problem in out.problems:
        path = Path(problem.file)
        bad = out.bad_rows.get(path, {})
        if problem.severity == "error" and path in row_files and problem.row is not None:
            country = bad.get(problem.row - 2)
            if country is not None:
                rejected.setdefault(country, []).append(problem)
                continue
        kept.append(problem)
    out.problems = kept
    for spec in (CPR, ESR, RISK):
        for i, frame in enumerate(raw[spec.kind]):
            bad = out.bad_rows.get(frame.attrs["path"], {})
            for country in set(bad.values()):
                rejected.setdefault(country, [])
            if bad:
                cleaned = frame.drop(index=list(bad))
                cleaned.attrs = frame.attrs
                raw[spec.kind][i] = cleaned
    return rejected


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

    raw: dict[str, list[pd.DataFrame]] = {}
    all_files: list[Path] = []
    for spec, check in (
        (CPR, _check_cpr),
        (ESR, _check_esr),
        (RISK, _check_risk),
        (COUNTRIES, None),
        (NAMES, None),
    ):
        raw[spec.kind] = []
        for file in _find(directory, spec, out):
            all_files.append(file)
            frame = _read(file, spec, out)
            if frame is None:
                continue
            if check is not None:
                check(frame, file, out)
            _duplicates(frame, file, spec, out)
            raw[spec.kind].append(frame)
    rejected = _isolate(raw, out) if isolate_bad_rows else {}
    if out.errors:
        raise DataValidationError(out.problems)

    countries = _concat(raw[COUNTRIES.kind], COUNTRIES)
    known = set(countries["country_code"])
    for spec in (CPR, ESR, RISK, NAMES):
        for frame in raw[spec.kind]:
            unknown = ~frame["country_code"].isin(known)
            out.rows(
                "error",
                frame.attrs["path"],
                frame,
                unknown,
                "country_code",
                "unknown country code",
                "Use an ISO3 code listed in the countries file, or add the country there.",
            )
    if out.errors:
        raise DataValidationError(out.problems)

    book = load_codebook("en")
    tables = {
        spec.kind: _concat(raw[spec.kind], spec).rename(columns=spec.columns)
        for spec in (CPR, ESR, RISK, NAMES)
    }
    for table in tables.values():
        table.attrs = {}  # the source path rode along for messages; pandas deep-copies attrs
    cpr, esr, risk = tables[CPR.kind], tables[ESR.kind], tables[RISK.kind]
    cpr = cpr.dropna(subset=["year", "mean"]).astype({"year": int})
    esr = esr.dropna(subset=["year", "adj"]).astype({"year": int})
    risk = risk.dropna(subset=["year", "proportion"]).astype({"year": int})

    known_metrics = {r.metric for r in book.rights.values()} | book.dimension_metrics()
    known_risk = {r.at_risk for r in book.rights.values()}
    unknown_metrics = sorted(
        (set(cpr["metric"]) | set(esr["metric"])) - known_metrics
        | (set(risk["metric"]) - known_risk)
    )
    for metric in unknown_metrics:
        out.add(
            "note",
            directory,
            None,
            "metric_code",
            metric,
            "metric not in our codebook: kept in the data, left out of reports",
            "Add it to the codebook (reportgen/i18n/*/codebook.toml) to report on it.",
        )

    names: dict[str, CountryName] = {}
    for row in _concat(raw[NAMES.kind], NAMES).to_dict("records"):
        name = release_country_name(row)
        names[name.code] = name
    countries.attrs = {}
    countries_table = countries.rename(columns=COUNTRIES.columns)[
        ["country", "region", "high_income"]
    ]
    countries_table = countries_table.assign(
        high_income=countries_table["high_income"].fillna(0).astype(float) > 0
    )
    for code in countries_table["country"]:
        if code not in names and not book.knows_country(code):
            out.add(
                "note",
                directory,
                None,
                "country_code",
                code,
                "no name known for this country",
                "Add it to a country-names.csv file in the release (country_code,name_en,"
                "en_article,en_plural); until then reports use the code.",
            )
    unknown_regions = sorted(set(countries_table["region"]) - set(book.regions) - {""})
    for region in unknown_regions:
        out.add(
            "note",
            directory,
            None,
            "region_code",
            region,
            "region not in our codebook",
            "Add it under [regions] in the codebook; until then the code is shown.",
        )

    info = _release_info(directory, all_files, cpr, esr, out)
    if out.errors:
        raise DataValidationError(out.problems)
    return Dataset(
        info=info,
        cpr=cpr.reset_index(drop=True),
        esr=esr.reset_index(drop=True),
        risk=risk.reset_index(drop=True),
        countries=countries_table.reset_index(drop=True),
        names=names,
        notes=tuple(out.problems),
        unknown_metrics=tuple(unknown_metrics),
        rejected={c: tuple(p) for c, p in rejected.items()},
    )


def is_missing(value: float | None) -> bool:
    """Return True for None or NaN (the load stage's only representation of a gap)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
