"""The load itself: find, read and check every file, then assemble the validated ``Dataset``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.codebook import CountryName, load_codebook, release_country_name
from reportgen.errors import DataValidationError, Problem
from reportgen.load.checks import _CHECKS, _duplicates, _survey_years, _unknown_countries, _years
from reportgen.load.files import _find, _read
from reportgen.load.release import _release_info, _release_meta, _year_bound
from reportgen.load.tables import (
    COUNTRIES,
    CPR,
    ESR,
    NAMES,
    RISK,
    SPECS,
    Dataset,
    TableSpec,
    _Collector,
    _Table,
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
