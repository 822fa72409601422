"""An independent second implementation of the rules that turn HRMI numbers into words.

This module recomputes, straight from the raw CSV files of a release, every figure and category a
country report states, following the written rules of issue 11 (``rules_spec.md``): rounding and
printing, the civil-and-political ranks and plausible ranges, the people-at-risk tables, the
quality-of-life standards, ranks and trends, and the summary's frequent groups.

It deliberately imports nothing from ``reportgen`` and uses only the standard library, so that the
tests can compare the real implementation against it. All rows are indexed once in :func:`load`;
every other function is a cheap look-up over those indexes.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Literal, TypeVar

__all__ = [
    "CPR_DIMENSIONS",
    "CPR_RIGHTS",
    "ESR_RIGHTS",
    "ESR_RISK_METRICS",
    "QOL_METRICS",
    "RISK_METRICS",
    "Change",
    "CprDimension",
    "CprExpect",
    "QolExpect",
    "QolMetric",
    "QolTrend",
    "Release",
    "RiskExpect",
    "all_people_frequent",
    "all_people_rights",
    "at_risk",
    "band_cpr",
    "band_esr",
    "cpr_dimension",
    "cpr_means",
    "cpr_position",
    "cpr_right",
    "cpr_series",
    "cut_ties",
    "esr_latest_year",
    "frequent_groups",
    "has_risk",
    "load",
    "printed_pct",
    "printed_score",
    "printed_share",
    "qol",
    "qol_risk_groups",
    "quartile",
    "round_half_away",
    "table_cut",
]

Band = Literal["very_bad", "bad", "fair", "good"]
Direction = Literal["rose", "fell", "flat"]
Size = Literal["slightly", "clearly"]
Position = Literal["very_worst", "very_best", "bottom_half", "top_half", "unplaced", "middle"]
Standard = Literal["Core", "HiY"]
_T = TypeVar("_T")

#: The two civil-and-political dimensions and their rights.
CPR_DIMENSIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "empower": ("assem", "express", "polpart"),
        "physint": ("arrest", "disap", "dpex", "exkill", "tort"),
    }
)
CPR_RIGHTS: tuple[str, ...] = tuple(r for rights in CPR_DIMENSIONS.values() for r in rights)
#: Quality-of-life rights and the overall score.
ESR_RIGHTS: tuple[str, ...] = ("Education", "Food", "Health", "Housing", "Work")
QOL_METRICS: tuple[str, ...] = (*ESR_RIGHTS, "SER_Average")
#: The at-risk metric prefixes (``<prefix>_atrisk``): civil and political first, then ESR.
ESR_RISK_METRICS: tuple[str, ...] = ("educ", "food", "health", "house", "job")
RISK_METRICS: tuple[str, ...] = (*CPR_RIGHTS, *ESR_RISK_METRICS)

NO_ONE = 0
ALL_PEOPLE = 1
TABLE_ROWS = 8
TABLE_MAX_ROWS = 12
FREQUENT_SHARE = 0.30
FREQUENT_RIGHTS = 3
MAX_PLACES = 4

_STANDARDS: tuple[Standard, Standard] = ("Core", "HiY")


# --------------------------------------------------------------------------- rounding, printing


def round_half_away(x: float, places: int) -> Decimal:
    """Round ``x`` half away from zero to ``places`` decimals, on the float's shortest repr."""
    return Decimal(repr(float(x))).quantize(Decimal(10) ** -places, rounding=ROUND_HALF_UP)


def band_cpr(x: float | Decimal) -> Band:
    """The band of a civil-and-political score (0-10), decided on the exact value."""
    if x < Decimal("3.5"):
        return "very_bad"
    if x < 6:
        return "bad"
    if x < 8:
        return "fair"
    return "good"


def band_esr(x: float | Decimal) -> Band:
    """The band of a quality-of-life percentage, decided on the exact value."""
    if x < 75:
        return "very_bad"
    if x < 85:
        return "bad"
    if x < 95:
        return "fair"
    return "good"


def _band_safe(x: float, band_of: Callable[[float | Decimal], Band]) -> Decimal:
    """Fewest decimals (1 to 4) whose rounded value keeps the band of the exact value."""
    band = band_of(x)
    for places in range(1, MAX_PLACES):
        rounded = round_half_away(x, places)
        if band_of(rounded) == band:
            return rounded
    return round_half_away(x, MAX_PLACES)


def _score_decimal(x: float) -> Decimal:
    return _band_safe(x, band_cpr)


def _pct_decimal(x: float) -> Decimal:
    return _band_safe(x, band_esr)


def printed_score(x: float) -> str:
    """A CPR score as printed: 1 decimal, more (up to 4) when rounding would change its band."""
    return format(_score_decimal(x), "f")


def printed_pct(x: float) -> str:
    """A quality-of-life percentage as printed (without the % sign), band-safe like scores."""
    return format(_pct_decimal(x), "f")


def printed_share(p: float) -> str:
    """An expert share (proportion 0-1) as a whole per cent, without the % sign."""
    return format(round_half_away(p * 100, 0), "f")


def quartile(rank: int, n: int) -> int:
    """Quartile ``ceil(4 * rank / n)`` in exact integer arithmetic (1 = top quarter)."""
    return -((-4 * rank) // n)


def cpr_position(best_rank: int, worst_rank: int, n: int) -> Position:
    """Where a plausible rank range [best_rank, worst_rank] of n countries places a country."""
    if 5 * best_rank > 4 * n:
        return "very_worst"
    if 5 * worst_rank <= n:
        return "very_best"
    if 2 * best_rank > n:
        return "bottom_half"
    if 2 * worst_rank <= n:
        return "top_half"
    if best_rank == 1 or worst_rank == n:
        return "unplaced"
    return "middle"


# --------------------------------------------------------------------------- the release


@dataclass(frozen=True)
class _Cpr:
    mean: float
    lo: float
    hi: float

    @property
    def lo_clipped(self) -> float:
        return min(max(self.lo, 0.0), 10.0)

    @property
    def hi_clipped(self) -> float:
        return min(max(self.hi, 0.0), 10.0)


@dataclass(frozen=True)
class _Risk:
    people_code: int
    count: int
    proportion: float
    respondents: int


@dataclass(frozen=True)
class _Esr:
    value: float
    global_best: float | None


@dataclass(frozen=True)
class Release:
    """A release's raw rows, indexed once for fast look-ups.

    ``survey_year`` is the latest CPR year, ``risk_year`` the latest people-at-risk year and
    ``countries`` the codes of the countries file, sorted. ``cpr_years`` and ``esr_years`` are
    every year of a row of the CPR and ESR score files (any metric, with or without a value):
    the years a report's data sources name.
    """

    directory: Path
    survey_year: int
    risk_year: int
    countries: tuple[str, ...]
    cpr_years: tuple[int, ...]
    esr_years: tuple[int, ...]
    _high_income: Mapping[str, bool] = field(repr=False, compare=False)
    # (metric, year) -> code -> row
    _cpr: Mapping[tuple[str, int], Mapping[str, _Cpr]] = field(repr=False, compare=False)
    # (code, metric) -> sorted years
    _cpr_years: Mapping[tuple[str, str], tuple[int, ...]] = field(repr=False, compare=False)
    # (code, metric_code) -> rows of the risk year, in file order
    _risk: Mapping[tuple[str, str], tuple[_Risk, ...]] = field(repr=False, compare=False)
    # (code, metric, standard, group) -> year -> value
    _esr: Mapping[tuple[str, str, str, str], Mapping[int, _Esr]] = field(repr=False, compare=False)
    # (code, metric) -> standard used
    _esr_used: Mapping[tuple[str, str], Standard] = field(repr=False, compare=False)
    # (metric, year, standard) -> ascending values of the rank pool
    _esr_pool: Mapping[tuple[str, int, str], tuple[float, ...]] = field(repr=False, compare=False)

    def high_income(self, code: str) -> bool:
        """Whether the countries file marks ``code`` as high income (unknown codes: False)."""
        return self._high_income.get(code, False)

    def default_standard(self, code: str) -> Standard:
        """HiY for high-income countries, else Core."""
        return "HiY" if self.high_income(code) else "Core"

    @property
    def esr_countries(self) -> tuple[str, ...]:
        """Codes with at least one quality-of-life value, sorted."""
        return tuple(sorted({code for code, _ in self._esr_used}))

    @property
    def cpr_countries(self) -> tuple[str, ...]:
        """Codes with at least one civil-and-political row, sorted."""
        return tuple(sorted({code for code, _ in self._cpr_years}))

    @property
    def risk_countries(self) -> tuple[str, ...]:
        """Codes with at least one people-at-risk row in the risk year, sorted."""
        return tuple(sorted({code for code, _ in self._risk}))


def _files(directory: Path, pattern: str, exclude: str | None = None) -> list[Path]:
    found = sorted(
        p for p in directory.glob(pattern) if exclude is None or not p.name.startswith(exclude)
    )
    if not found:
        raise FileNotFoundError(f"no {pattern} in {directory}")
    return found


def _rows(paths: list[Path]) -> Iterator[dict[str, str]]:
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)


def _num(cell: str | None) -> float | None:
    if cell is None or not cell.strip():
        return None
    return float(cell)


def _int(cell: str) -> int:
    return int(float(cell)) if "." in cell else int(cell)


def load(directory: Path) -> Release:
    """Read the four file kinds of a release directory and index their rows."""
    directory = Path(directory)

    high_income: dict[str, bool] = {}
    for row in _rows(_files(directory, "countries*.csv", exclude="countries_grammar")):
        high_income[row["country_code"]] = (row.get("high_income_country") or "").strip() == "1"

    cpr: dict[tuple[str, int], dict[str, _Cpr]] = defaultdict(dict)
    cpr_years: dict[tuple[str, str], list[int]] = defaultdict(list)
    survey_year: int | None = None
    cpr_file_years: set[int] = set()
    for row in _rows(_files(directory, "cpr-scores*.csv")):
        year = _int(row["year"])
        cpr_file_years.add(year)
        survey_year = year if survey_year is None else max(survey_year, year)
        mean = _num(row["mean"])
        if mean is None:
            continue
        lo, hi = _num(row["lobound_10"]), _num(row["upbound_90"])
        if lo is None or hi is None:
            raise ValueError(f"CPR row without bounds: {row}")
        code, metric = row["country_code"], row["metric_code"]
        cpr[(metric, year)][code] = _Cpr(mean, lo, hi)
        cpr_years[(code, metric)].append(year)
    if survey_year is None:
        raise ValueError("empty cpr-scores file")

    raw_risk: list[tuple[int, str, str, _Risk]] = []
    for row in _rows(_files(directory, "people-at-risk*.csv")):
        count = _num(row["count"])
        proportion = _num(row["proportion"])
        respondents = _num(row["total_respondents"])
        raw_risk.append(
            (
                _int(row["year"]),
                row["country_code"],
                row["metric_code"],
                _Risk(
                    _int(row["people_code"]),
                    0 if count is None else round(count),
                    0.0 if proportion is None else proportion,
                    0 if respondents is None else round(respondents),
                ),
            )
        )
    if not raw_risk:
        raise ValueError("empty people-at-risk file")
    risk_year = max(year for year, *_ in raw_risk)
    risk: dict[tuple[str, str], list[_Risk]] = defaultdict(list)
    for year, code, metric, item in raw_risk:
        if year == risk_year:
            risk[(code, metric)].append(item)

    esr: dict[tuple[str, str, str, str], dict[int, _Esr]] = defaultdict(dict)
    esr_file_years: set[int] = set()
    for row in _rows(_files(directory, "esr-scores*.csv")):
        esr_file_years.add(_int(row["year"]))
        if row["metric_code"] not in QOL_METRICS:
            continue
        value = _num(row["score_wrt_immediate_duty"])
        if value is None:
            continue
        key = (row["country_code"], row["metric_code"], row["standard"], row["group"])
        esr[key][_int(row["year"])] = _Esr(value, _num(row["score_wrt_global_best"]))

    esr_used: dict[tuple[str, str], Standard] = {}
    for code, metric in sorted({(c, m) for c, m, _, g in esr if g == "All"}):
        default: Standard = "HiY" if high_income.get(code, False) else "Core"
        other: Standard = "Core" if default == "HiY" else "HiY"
        for standard in (default, other):
            if esr.get((code, metric, standard, "All")):
                esr_used[(code, metric)] = standard
                break
    pool: dict[tuple[str, int, str], list[float]] = defaultdict(list)
    for (code, metric), standard in esr_used.items():
        for year, cell in esr[(code, metric, standard, "All")].items():
            pool[(metric, year, standard)].append(cell.value)

    return Release(
        directory=directory,
        survey_year=survey_year,
        risk_year=risk_year,
        countries=tuple(sorted(high_income)),
        cpr_years=tuple(sorted(cpr_file_years)),
        esr_years=tuple(sorted(esr_file_years)),
        _high_income=MappingProxyType(high_income),
        _cpr=MappingProxyType({k: MappingProxyType(v) for k, v in cpr.items()}),
        _cpr_years=MappingProxyType({k: tuple(sorted(v)) for k, v in cpr_years.items()}),
        _risk=MappingProxyType({k: tuple(v) for k, v in risk.items()}),
        _esr=MappingProxyType({k: MappingProxyType(v) for k, v in esr.items()}),
        _esr_used=MappingProxyType(esr_used),
        _esr_pool=MappingProxyType({k: tuple(sorted(v)) for k, v in pool.items()}),
    )


# --------------------------------------------------------------------------- civil and political


@dataclass(frozen=True)
class Change:
    """A change of a CPR score from an earlier year ``since`` to the survey year."""

    since: int
    before: float
    after: float
    direction: Direction
    size: Size | None  # None when flat


@dataclass(frozen=True)
class CprExpect:
    """What a report states about one civil-and-political right of a country in the survey year."""

    code: str
    metric: str
    year: int
    mean: float
    lo: float  # raw lobound_10
    hi: float  # raw upbound_90
    lo_clipped: float
    hi_clipped: float
    printed: str
    band: Band
    rank: int
    n: int
    tied: int
    could_be_worse_than: tuple[str, ...]  # lower mean, overlapping; nearest mean first
    could_be_better_than: tuple[str, ...]  # higher mean, overlapping; nearest mean first
    best_rank: int
    worst_rank: int
    position: Position
    years: tuple[int, ...]
    since_previous: Change | None
    since_first: Change | None


@dataclass(frozen=True)
class CprDimension:
    """What a report states about a dimension score (empower, physint) of a country."""

    code: str
    metric: str
    year: int
    mean: float
    lo: float
    hi: float
    printed: str
    band: Band
    years: tuple[int, ...]
    since_previous: Change | None
    since_first: Change | None


def _change(rel: Release, code: str, metric: str, since: int, now: _Cpr) -> Change:
    before = rel._cpr[(metric, since)][code]
    old, new = _score_decimal(before.mean), _score_decimal(now.mean)
    if old == new:
        return Change(since, before.mean, now.mean, "flat", None)
    direction: Direction = "rose" if new > old else "fell"
    outside = now.mean < before.lo or now.mean > before.hi
    return Change(since, before.mean, now.mean, direction, "clearly" if outside else "slightly")


def _changes(
    rel: Release, code: str, metric: str, now: _Cpr
) -> tuple[tuple[int, ...], Change | None, Change | None]:
    years = rel._cpr_years.get((code, metric), ())
    earlier = [y for y in years if y < rel.survey_year]
    previous = _change(rel, code, metric, earlier[-1], now) if earlier else None
    first = _change(rel, code, metric, years[0], now) if len(years) >= 3 and earlier else None
    return years, previous, first


def cpr_right(rel: Release, code: str, metric: str) -> CprExpect | None:
    """Rank, plausible range, position and changes of a right; None without a survey-year row."""
    rows = rel._cpr.get((metric, rel.survey_year), {})
    me = rows.get(code)
    if me is None:
        return None
    lo_c, hi_c = me.lo_clipped, me.hi_clipped
    peers = [(c, r) for c, r in rows.items() if c != code]
    greater = sum(1 for _, r in peers if r.mean > me.mean)
    tied = sum(1 for _, r in peers if r.mean == me.mean)
    worse = sorted(
        (me.mean - r.mean, c) for c, r in peers if r.mean < me.mean and r.hi_clipped > lo_c
    )
    better = sorted(
        (r.mean - me.mean, c) for c, r in peers if r.mean > me.mean and r.lo_clipped < hi_c
    )
    certainly_above = sum(1 for _, r in peers if r.lo_clipped > hi_c)
    possibly_above = sum(1 for _, r in peers if r.hi_clipped > lo_c)
    best, worst, n = certainly_above + 1, possibly_above + 1, len(rows)
    years, previous, first = _changes(rel, code, metric, me)
    return CprExpect(
        code=code,
        metric=metric,
        year=rel.survey_year,
        mean=me.mean,
        lo=me.lo,
        hi=me.hi,
        lo_clipped=lo_c,
        hi_clipped=hi_c,
        printed=printed_score(me.mean),
        band=band_cpr(me.mean),
        rank=greater + 1,
        n=n,
        tied=tied,
        could_be_worse_than=tuple(c for _, c in worse),
        could_be_better_than=tuple(c for _, c in better),
        best_rank=best,
        worst_rank=worst,
        position=cpr_position(best, worst, n),
        years=years,
        since_previous=previous,
        since_first=first,
    )


def cpr_dimension(rel: Release, code: str, metric: str) -> CprDimension | None:
    """Score, band, years and changes of a dimension (or any metric) in the survey year."""
    me = rel._cpr.get((metric, rel.survey_year), {}).get(code)
    if me is None:
        return None
    years, previous, first = _changes(rel, code, metric, me)
    return CprDimension(
        code=code,
        metric=metric,
        year=rel.survey_year,
        mean=me.mean,
        lo=me.lo,
        hi=me.hi,
        printed=printed_score(me.mean),
        band=band_cpr(me.mean),
        years=years,
        since_previous=previous,
        since_first=first,
    )


# --------------------------------------------------------------------------- people at risk


@dataclass(frozen=True)
class RiskExpect:
    """The people-at-risk facts of one right of a country in the risk year."""

    code: str
    metric: str  # e.g. "assem_atrisk"
    year: int
    respondents: int
    groups: tuple[tuple[int, int, float], ...]  # (people_code, count, proportion), table order
    named_count: int
    no_one: float | None
    all_people: float | None
    table_rows: tuple[int, ...]  # people codes shown as rows
    rest: tuple[int, float] | None  # (number of other groups, their proportion) closing row


def table_cut(
    groups: tuple[tuple[int, int, float], ...],
) -> tuple[tuple[int, ...], tuple[int, float] | None]:
    """The rows of an at-risk table for ordered groups, and the closing "N other groups" row."""
    if len(groups) <= TABLE_ROWS:
        return tuple(g[0] for g in groups), None
    eighth = groups[TABLE_ROWS - 1][1]
    if groups[TABLE_ROWS][1] != eighth:
        return tuple(g[0] for g in groups[:TABLE_ROWS]), None
    through_tier = [g for g in groups if g[1] >= eighth]
    if len(through_tier) <= TABLE_MAX_ROWS:
        return tuple(g[0] for g in through_tier), None
    above = tuple(g[0] for g in groups if g[1] > eighth)
    tier = [g for g in groups if g[1] == eighth]
    return above, (len(tier), tier[0][2])


def at_risk(rel: Release, code: str, metric_prefix: str) -> RiskExpect | None:
    """Groups at risk for ``<metric_prefix>_atrisk``; None when the country has no such rows."""
    metric = f"{metric_prefix}_atrisk"
    rows = rel._risk.get((code, metric))
    if not rows:
        return None
    groups = tuple(
        sorted(
            (
                (r.people_code, r.count, r.proportion)
                for r in rows
                if r.people_code not in (NO_ONE, ALL_PEOPLE) and r.count > 0
            ),
            key=lambda g: (-g[1], g[0]),
        )
    )
    by_code = {r.people_code: r for r in rows}

    def share_of(people: int) -> float | None:
        r = by_code.get(people)
        return r.proportion if r is not None and r.count > 0 else None

    shown, rest = table_cut(groups)
    return RiskExpect(
        code=code,
        metric=metric,
        year=rel.risk_year,
        respondents=rows[0].respondents,
        groups=groups,
        named_count=len(groups),
        no_one=share_of(NO_ONE),
        all_people=share_of(ALL_PEOPLE),
        table_rows=shown,
        rest=rest,
    )


def _counting(rel: Release, code: str) -> dict[int, list[float]]:
    """people_code -> shares >= 0.30 over every at-risk right of the country (1 included)."""
    counted: dict[int, list[float]] = defaultdict(list)
    for prefix in RISK_METRICS:
        for r in rel._risk.get((code, f"{prefix}_atrisk"), ()):
            if r.people_code != NO_ONE and r.proportion >= FREQUENT_SHARE:
                counted[r.people_code].append(r.proportion)
    return counted


def frequent_groups(rel: Release, code: str) -> tuple[tuple[int, int, float], ...]:
    """Groups at >= 30 % for >= 3 rights: (people_code, rights, mean share), in summary order."""
    items = [
        (people, len(shares), sum(shares) / len(shares))
        for people, shares in _counting(rel, code).items()
        if people not in (NO_ONE, ALL_PEOPLE) and len(shares) >= FREQUENT_RIGHTS
    ]
    return tuple(sorted(items, key=lambda t: (-t[1], -t[2], t[0])))


def all_people_rights(rel: Release, code: str) -> int:
    """The number of rights for which "All people" is at >= 30 %."""
    return len(_counting(rel, code).get(ALL_PEOPLE, []))


def all_people_frequent(rel: Release, code: str) -> bool:
    """Whether "All people" is at >= 30 % for >= 3 rights."""
    return all_people_rights(rel, code) >= FREQUENT_RIGHTS


def qol_risk_groups(rel: Release, code: str) -> tuple[tuple[int, float], ...]:
    """Quality-of-life at-risk groups: mean proportion over the ESR at-risk metrics with data."""
    sums: dict[int, float] = defaultdict(float)
    with_data = 0
    for prefix in ESR_RISK_METRICS:
        rows = rel._risk.get((code, f"{prefix}_atrisk"), ())
        if not rows:
            continue
        with_data += 1
        for r in rows:
            if r.people_code not in (NO_ONE, ALL_PEOPLE):
                sums[r.people_code] += r.proportion
    if not with_data:
        return ()
    items = [(people, total / with_data) for people, total in sums.items() if total > 0]
    return tuple(sorted(items, key=lambda t: (-t[1], t[0])))


# --------------------------------------------------------------------------- quality of life


@dataclass(frozen=True)
class QolMetric:
    """One quality-of-life metric of a country, at its latest year under the standard used."""

    metric: str
    standard: Standard
    fallback: bool  # the standard used is not the country's default (so it is labelled)
    year: int
    value: float  # income-adjusted (score_wrt_immediate_duty)
    printed: str
    global_best: float | None
    band: Band
    rank: int
    n: int
    quartile: int
    top_quarter: bool
    female: float | None
    male: float | None


@dataclass(frozen=True)
class QolTrend:
    """The overall score (SER_Average) over the years, under its standard used."""

    years: tuple[int, ...]
    values: tuple[float, ...]
    printed: tuple[str, ...]  # 1 decimal, half away from zero
    delta: Decimal  # last printed - first printed
    direction: Direction
    steady: bool
    gaps: tuple[int, ...]


@dataclass(frozen=True)
class QolExpect:
    """The quality-of-life facts of a country."""

    code: str
    default_standard: Standard
    metrics: Mapping[str, QolMetric | None]  # every name of QOL_METRICS; None = missing
    best: tuple[str, ...]
    worst: tuple[str, ...]
    trend: QolTrend | None

    def __getitem__(self, metric: str) -> QolMetric | None:
        return self.metrics[metric]

    @property
    def overall(self) -> QolMetric | None:
        """The SER_Average figure."""
        return self.metrics["SER_Average"]


def _qol_metric(rel: Release, code: str, metric: str, default: Standard) -> QolMetric | None:
    standard = rel._esr_used.get((code, metric))
    if standard is None:
        return None
    series = rel._esr[(code, metric, standard, "All")]
    year = max(series)
    cell = series[year]
    pool = rel._esr_pool[(metric, year, standard)]
    n = len(pool)
    rank = 1 + n - bisect_right(pool, cell.value)
    sexes = [
        rel._esr.get((code, metric, standard, group), {}).get(year) for group in ("Female", "Male")
    ]
    return QolMetric(
        metric=metric,
        standard=standard,
        fallback=standard != default,
        year=year,
        value=cell.value,
        printed=printed_pct(cell.value),
        global_best=cell.global_best,
        band=band_esr(cell.value),
        rank=rank,
        n=n,
        quartile=quartile(rank, n),
        top_quarter=4 * rank <= n,
        female=None if sexes[0] is None else sexes[0].value,
        male=None if sexes[1] is None else sexes[1].value,
    )


def _trend(rel: Release, code: str) -> QolTrend | None:
    standard = rel._esr_used.get((code, "SER_Average"))
    if standard is None:
        return None
    series = rel._esr[(code, "SER_Average", standard, "All")]
    years = tuple(sorted(series))
    if len(years) < 2:
        return None
    values = tuple(series[y].value for y in years)
    rounded = [round_half_away(v, 1) for v in values]
    delta = rounded[-1] - rounded[0]
    direction: Direction = "flat" if abs(delta) < 1 else ("rose" if delta > 0 else "fell")
    steps = [b - a for a, b in pairwise(rounded)]
    if direction == "rose":
        steady = all(s >= 0 for s in steps)
    elif direction == "fell":
        steady = all(s <= 0 for s in steps)
    else:
        steady = all(s == 0 for s in steps)
    present = set(years)
    gaps = tuple(y for y in range(years[0], years[-1] + 1) if y not in present)
    return QolTrend(
        years=years,
        values=values,
        printed=tuple(format(r, "f") for r in rounded),
        delta=delta,
        direction=direction,
        steady=steady,
        gaps=gaps,
    )


def qol(rel: Release, code: str) -> QolExpect | None:
    """Quality-of-life facts of a country; None when it has no value for any metric."""
    default = rel.default_standard(code)
    metrics = {m: _qol_metric(rel, code, m, default) for m in QOL_METRICS}
    if all(v is None for v in metrics.values()):
        return None
    printed = {m: _pct_decimal(v.value) for m in ESR_RIGHTS if (v := metrics[m]) is not None}
    best: tuple[str, ...] = ()
    worst: tuple[str, ...] = ()
    if printed and len(set(printed.values())) > 1:
        top, bottom = max(printed.values()), min(printed.values())
        best = tuple(m for m, p in printed.items() if p == top)
        worst = tuple(m for m, p in printed.items() if p == bottom)
    return QolExpect(
        code=code,
        default_standard=default,
        metrics=MappingProxyType(metrics),
        best=best,
        worst=worst,
        trend=_trend(rel, code),
    )


# --------------------------------------------------------------------------- small look-ups


def cpr_means(rel: Release, metric: str, year: int) -> Mapping[str, float]:
    """Every country's mean for ``metric`` in ``year`` (the comparison chart's countries)."""
    return MappingProxyType({code: r.mean for code, r in rel._cpr.get((metric, year), {}).items()})


def cpr_series(rel: Release, code: str, metric: str) -> tuple[tuple[int, float], ...]:
    """(year, mean) of a country's ``metric`` over every year it has, oldest first."""
    return tuple(
        (year, rel._cpr[(metric, year)][code].mean)
        for year in rel._cpr_years.get((code, metric), ())
    )


def esr_latest_year(rel: Release) -> int | None:
    """The latest year with any quality-of-life value in the release (None without any)."""
    years = [year for series in rel._esr.values() for year in series]
    return max(years) if years else None


def has_risk(rel: Release, code: str, metric_prefix: str) -> bool:
    """Whether the country has people-at-risk rows for ``<metric_prefix>_atrisk``."""
    return bool(rel._risk.get((code, f"{metric_prefix}_atrisk")))


def cut_ties(
    items: tuple[_T, ...], n: int, limit: int, key: Callable[[_T], object]
) -> tuple[tuple[_T, ...], int]:
    """The first ``n`` of ``items`` (best first), never splitting a tie at the cut: the items
    tied with the ``n``-th are kept while the list stays within ``limit``; else the whole tied tier
    is left out. Returns (items shown, number of the tied tier's items left out)."""
    if len(items) <= n or key(items[n]) != key(items[n - 1]):
        return items[:n], 0
    edge = key(items[n - 1])
    end = n
    while end < len(items) and key(items[end]) == edge:
        end += 1
    if end <= limit:
        return items[:end], 0
    start = n - 1
    while start > 0 and key(items[start - 1]) == edge:
        start -= 1
    return items[:start], end - start
