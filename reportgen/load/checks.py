"""Checks: of each file (ranges, codes, cross-checks within a file) and across rows and files."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from reportgen.codebook import NAME_COLUMN, load_codebook
from reportgen.load.files import _per_value
from reportgen.load.tables import (
    _FILL,
    _FLAGS,
    BAND_NOISE,
    COUNTRIES,
    CPR,
    ESR,
    ESR_GROUPS,
    ESR_STANDARDS,
    FIRST_YEAR,
    HIGH_INCOME,
    LISTED,
    NAMES,
    PROPORTION_NOISE,
    RISK,
    TableSpec,
    _Collector,
    _Table,
    _YearBound,
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
