"""Facts stage: ``Dataset`` + one country → ``CountryFacts``, every number a report states.

In:  a loaded ``Dataset``, an ISO3 code, a ``Style`` (its bands are the method's,
     ``reportgen.rules``).
Out: ``CountryFacts``: frozen, typed values (numbers, codes, categories), no prose.

The thresholds and cut-offs are in ``reportgen.rules``; how they are applied is here, each
documented where it is defined (and in the README, "How numbers become words"):

- **Band** of the exact value; a score is printed with the decimals that keep it in its band.
- **Change** between two survey years (``classify_change``): *no change* when the two
  printed scores are equal; otherwise *clearly* when this year's mean lies outside the
  other year's 10th–90th percentile band, *slightly* when inside.
- **Overlap** with another survey country, on bands clipped to the 0–10 scale: a country
  ranked below whose band reaches strictly above this one's lower end is one this country
  "could in fact be doing worse than"; one ranked above whose band starts strictly below
  this one's upper end, one it could be doing better than.
- **Position** (``rules.classify_position``) from the plausible rank range: best plausible
  rank = 1 + countries whose band lies wholly above; worst = 1 + countries whose band reaches
  above this one's lower end (a tie on a degenerate band, 10 with no uncertainty, is not a
  possible loss).
- **Quality of life standard**: HRMI's default by income group (high income: the high-income
  standard; others: core). Each right and the overall score use the default standard when it
  has any figure for them, otherwise the other standard's figure, which is labelled so.
  Each is reported at its own latest year; "missing" means no figure at all in the release.
- **Quartile**: rank among the countries assessed under the same standard for that right
  with a figure that year (ties share the higher rank); top quarter means rank ≤ n/4.
- **Quality of life trend**: printed first and last values; *steady* only when no printed
  year-on-year step moved against the direction; gaps in the years are kept.
- **Groups named**: distinct people codes with at least one expert, "All people" (1) and
  "No one" (0) excluded; ties are equal counts of experts.
- **Frequent groups** (summary): named by ≥ 30 % of experts for at least three rights; "all
  people" likewise.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from reportgen.codebook import Codebook, load_codebook
from reportgen.errors import UnknownCountryError
from reportgen.load import Dataset
from reportgen.rules import (
    CPR_BANDS,
    ESR_BANDS,
    ESR_FLAT,
    FREQUENT_RIGHTS,
    FREQUENT_SHARE,
    BandName,
    Position,
    classify_position,
    competition_rank,
    printed,
    quartile,
)
from reportgen.style import Style

__all__ = ["Position", "classify_change", "classify_position", "compute_facts"]

Direction = Literal["rose", "fell", "flat"]
Size = Literal["slightly", "clearly"]
NO_ONE, ALL_PEOPLE = "0", "1"


@dataclass(frozen=True, slots=True)
class Estimate:
    """A survey score with its 10th–90th percentile band (0–10 scale)."""

    year: int
    mean: float
    lo: float
    hi: float


@dataclass(frozen=True, slots=True)
class Change:
    """How a score moved from ``since`` to the latest year."""

    since: int
    before: float
    after: float
    direction: Direction
    size: Size | None  # None when direction is "flat"

    @property
    def delta(self) -> float:
        """Latest minus earlier score."""
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class SurveyTrend:
    """Scores over the survey years, with the change since the previous and the first year."""

    points: tuple[Estimate, ...]
    since_previous: Change | None
    since_first: Change | None  # None when the first year is the previous year


@dataclass(frozen=True, slots=True)
class Peer:
    """Another survey country in a comparison."""

    code: str
    mean: float
    lo: float
    hi: float


@dataclass(frozen=True, slots=True)
class Standing:
    """One survey country's score on a right, for the chart of every country (raw band)."""

    code: str
    mean: float
    lo: float
    hi: float
    band: BandName


@dataclass(frozen=True, slots=True)
class GroupShare:
    """A group experts named as at risk, and the share of experts who named it."""

    code: str
    share: float
    count: int


@dataclass(frozen=True, slots=True)
class AtRisk:
    """People-at-risk answers for one right."""

    right: str
    year: int
    respondents: int
    groups: tuple[GroupShare, ...]  # named at least once, most experts first; All/No one excluded
    all_people: float | None  # share who thought everyone at risk (None: nobody did)
    no_one: float | None  # share who answered that no one is at risk (None: nobody did)

    @property
    def named_count(self) -> int:
        """Distinct groups named, "All people" and "No one" excluded."""
        return len(self.groups)


@dataclass(frozen=True, slots=True)
class CprRight:
    """One civil or political right in the latest survey year."""

    key: str
    score: Estimate
    band: BandName
    rank: int
    of: int
    could_be_worse_than: tuple[Peer, ...]  # ranked below, overlapping band; nearest first
    could_be_better_than: tuple[Peer, ...]  # ranked above, overlapping band; nearest first
    tied_with: int  # other countries with exactly the same score
    certainly_above: int  # countries whose band lies wholly above this one's
    certainly_below: int  # countries that cannot be above this one
    position: Position
    trend: SurveyTrend
    at_risk: AtRisk | None
    standings: tuple[Standing, ...] = ()  # every country with this right that year, best first


@dataclass(frozen=True, slots=True)
class CprDimension:
    """Empowerment or safety from the state in the latest survey year."""

    key: str
    score: Estimate | None
    band: BandName | None
    rights: tuple[CprRight, ...]
    missing_rights: tuple[str, ...]
    trend: SurveyTrend | None


@dataclass(frozen=True, slots=True)
class Sexes:
    """Income-adjusted scores of women/girls and men/boys, where published."""

    female: float | None
    male: float | None


@dataclass(frozen=True, slots=True)
class EsrTrend:
    """Income-adjusted scores over the years and how they moved, first to last."""

    years: tuple[int, ...]
    income_adjusted: tuple[float, ...]
    global_best: tuple[float, ...]
    direction: Direction  # printed last − printed first: under 1 point either way is "flat"
    steady: bool  # no printed year-on-year step moved against the direction
    delta: float
    gaps: tuple[int, ...]  # years between the first and the last without a figure
    turn: int | None  # rose/fell but not steady: the year of the extreme after which it reversed


@dataclass(frozen=True, slots=True)
class EsrRight:
    """One quality of life right at its latest year with a figure."""

    key: str
    year: int
    standard: str  # "Core" or "HiY": the standard of this figure
    fallback: bool  # the country's default standard has no figure: the other one's is shown
    income_adjusted: float
    global_best: float | None
    band: BandName
    rank: int
    of: int
    quartile: int  # 1 = top quarter
    sexes: Sexes
    at_risk: AtRisk | None


@dataclass(frozen=True, slots=True)
class QualityOfLife:
    """Quality of life (economic and social rights) for one country."""

    year: int  # of the overall score (without one: the latest year of any right)
    standard: str  # the country's default standard by income group: "Core" or "HiY"
    overall_standard: str | None  # the standard of the overall score (None: no overall score)
    income_adjusted: float | None  # None when the release has no overall score
    global_best: float | None
    band: BandName | None
    rank: int | None
    of: int | None
    quartile: int | None
    rights: tuple[EsrRight, ...]
    missing_rights: tuple[str, ...]  # no figure at all in the release, under either standard
    best_rights: tuple[str, ...]  # the rights sharing the highest printed score (ties kept)
    worst_rights: tuple[str, ...]  # … the lowest; both empty when fewer than two differ
    sexes: Sexes
    trend: EsrTrend | None
    at_risk_groups: tuple[GroupShare, ...]  # across the quality of life rights, by mean share
    at_risk_rights: tuple[str, ...]  # the quality of life rights with people-at-risk answers

    @property
    def overall_fallback(self) -> bool:
        """The overall score comes from the other standard than the default."""
        return self.overall_standard is not None and self.overall_standard != self.standard


@dataclass(frozen=True, slots=True)
class FrequentGroup:
    """A group named by many experts across many rights."""

    code: str
    rights: int
    mean_share: float


@dataclass(frozen=True, slots=True)
class CountryFacts:
    """Everything a report on one country states, as numbers and categories."""

    code: str
    region: str
    high_income: bool
    release_year: int
    illustrative: bool
    survey_year: int | None
    survey_countries: int
    empowerment: CprDimension | None
    safety: CprDimension | None
    quality_of_life: QualityOfLife | None
    frequent_groups: tuple[FrequentGroup, ...]
    all_people_frequent: bool

    @property
    def has_survey(self) -> bool:
        """Whether civil and political data exist for this country."""
        return self.empowerment is not None or self.safety is not None


# --- rules ------------------------------------------------------------------------------


def classify_change(before: Estimate, after: Estimate) -> Change:
    """Classify the move from ``before`` to ``after`` (see the module docstring)."""
    if printed(after.mean, CPR_BANDS) == printed(before.mean, CPR_BANDS):
        return Change(before.year, before.mean, after.mean, "flat", None)
    direction: Direction = "rose" if after.mean > before.mean else "fell"
    size: Size = "clearly" if not before.lo <= after.mean <= before.hi else "slightly"
    return Change(before.year, before.mean, after.mean, direction, size)


# --- per-release indexes, built once ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Index:
    cpr: dict[tuple[str, int], pd.DataFrame]  # (metric, year) → rows sorted by mean desc
    standings: dict[tuple[str, int], tuple[Standing, ...]]  # (metric, year) → best first
    cpr_by_country: dict[str, pd.DataFrame]
    esr: dict[tuple[str, str, str], pd.DataFrame]  # (country, metric, standard) → All, by year
    esr_sex: dict[tuple[str, str, int, str, str], float]  # (country, metric, year, std, group)
    esr_used: dict[tuple[str, str], str]  # (country, metric) → the standard its figures use
    esr_pool: dict[tuple[str, int, str], np.ndarray]  # (metric, year, standard) → pool's scores
    risk: dict[tuple[str, str], pd.DataFrame]  # (country, metric) → rows of the latest year
    risk_year: int | None


def _default_standard(high_income: bool) -> str:
    """HRMI's default by income group: high-income countries under the high-income standard."""
    return "HiY" if high_income else "Core"


@lru_cache(maxsize=4)
def _index(dataset: Dataset) -> _Index:
    cpr = dataset.cpr
    esr = dataset.esr
    esr_all = esr[esr["group"] == "All"].sort_values("year", kind="stable")
    by_cms = {
        (str(c), str(m), str(s)): g
        for (c, m, s), g in esr_all.groupby(["country", "metric", "standard"])
    }
    high = dict(zip(dataset.countries["country"], dataset.countries["high_income"], strict=True))
    used: dict[tuple[str, str], str] = {}
    for country, metric, standard in by_cms:
        default = _default_standard(bool(high.get(country, False)))
        if standard == default or (country, metric, default) not in by_cms:
            used[(country, metric)] = default if (country, metric, default) in by_cms else standard
    # A country enters a ranking only under the standard its report uses for that right.
    in_pool = [
        used.get((str(c), str(m))) == str(s)
        for c, m, s in zip(esr_all["country"], esr_all["metric"], esr_all["standard"], strict=True)
    ]
    pooled = esr_all[pd.Series(in_pool, index=esr_all.index, dtype=bool)]
    pools = (
        {
            (str(m), int(y), str(s)): g["adj"].to_numpy(dtype=float)
            for (m, y, s), g in pooled.groupby(["metric", "year", "standard"])
        }
        if len(pooled)
        else {}
    )
    risk = dataset.risk
    risk_year = int(risk["year"].max()) if len(risk) else None
    latest_risk = risk[risk["year"] == risk_year]
    sexes = esr[esr["group"] != "All"]
    by_metric_year = {
        (str(m), int(y)): g.sort_values("mean", ascending=False, kind="stable")
        for (m, y), g in cpr.groupby(["metric", "year"])
    }
    return _Index(
        cpr=by_metric_year,
        standings={key: _standings(table) for key, table in by_metric_year.items()},
        cpr_by_country={str(c): g for c, g in cpr.groupby("country")},
        esr=by_cms,
        esr_sex={
            (str(c), str(m), int(y), str(st), str(g)): float(v)
            for c, m, y, st, g, v in zip(
                sexes["country"],
                sexes["metric"],
                sexes["year"],
                sexes["standard"],
                sexes["group"],
                sexes["adj"],
                strict=True,
            )
        },
        esr_used=used,
        esr_pool=pools,
        risk={(str(c), str(m)): g for (c, m), g in latest_risk.groupby(["country", "metric"])},
        risk_year=risk_year,
    )


# --- survey (civil and political) --------------------------------------------------------


def _standings(table: pd.DataFrame) -> tuple[Standing, ...]:
    """Every country's score on one right in one year, best first (ties by code)."""
    rows = [
        Standing(str(c), float(m), _num(lo, m), _num(hi, m), CPR_BANDS.band_of(float(m)))
        for c, m, lo, hi in zip(
            table["country"], table["mean"], table["lo"], table["hi"], strict=True
        )
    ]
    return tuple(sorted(rows, key=lambda r: (-r.mean, r.code)))


def _estimates(rows: pd.DataFrame, metric: str) -> tuple[Estimate, ...]:
    sel = rows[rows["metric"] == metric].sort_values("year")
    return tuple(
        Estimate(int(r.year), float(r.mean), _num(r.lo, r.mean), _num(r.hi, r.mean))
        for r in sel.itertuples(index=False)
    )


def _num(value: object, fallback: object) -> float:
    number = float(value)  # type: ignore[arg-type]
    return float(fallback) if math.isnan(number) else number  # type: ignore[arg-type]


def _trend(points: tuple[Estimate, ...]) -> SurveyTrend:
    latest = points[-1]
    previous = classify_change(points[-2], latest) if len(points) >= 2 else None
    first = classify_change(points[0], latest) if len(points) >= 3 else None
    return SurveyTrend(points, previous, first)


def _peers(table: pd.DataFrame, code: str) -> tuple[Estimate | None, list[Peer]]:
    """This country's estimate and every other country's, bands clipped to the 0–10 scale."""
    own: Estimate | None = None
    peers: list[Peer] = []
    clip = CPR_BANDS.clip
    for r in table.itertuples(index=False):
        mean = float(r.mean)
        peer = Peer(str(r.country), mean, clip(_num(r.lo, mean)), clip(_num(r.hi, mean)))
        if r.country == code:
            own = Estimate(int(r.year), peer.mean, peer.lo, peer.hi)
        else:
            peers.append(peer)
    return own, peers


def _cpr_right(
    index: _Index,
    code: str,
    key: str,
    metric: str,
    at_risk_metric: str,
    year: int,
) -> CprRight | None:
    table = index.cpr.get((metric, year))
    if table is None or code not in set(table["country"]):
        return None
    own, peers = _peers(table, code)
    assert own is not None
    above = [p for p in peers if p.mean > own.mean]
    below = [p for p in peers if p.mean < own.mean]
    n = len(peers) + 1
    certainly_above = sum(p.lo > own.hi for p in peers)
    # Not "certainly below" is not enough to be possibly above: a tie on a degenerate band
    # (e.g. 10 with sd 0 for abolitionist countries) can be neither.
    possibly_above = sum(p.hi > own.lo for p in peers)
    rows = index.cpr_by_country[code]
    points = _estimates(rows, metric)
    return CprRight(
        key=key,
        score=points[-1] if points and points[-1].year == year else own,
        band=CPR_BANDS.band_of(own.mean),
        rank=len(above) + 1,
        of=n,
        could_be_worse_than=tuple(
            sorted((p for p in below if p.hi > own.lo), key=lambda p: -p.mean)
        ),
        could_be_better_than=tuple(
            sorted((p for p in above if p.lo < own.hi), key=lambda p: p.mean)
        ),
        tied_with=len(peers) - len(above) - len(below),
        certainly_above=certainly_above,
        certainly_below=n - 1 - possibly_above,
        position=classify_position(certainly_above + 1, possibly_above + 1, n),
        trend=_trend(points),
        at_risk=_at_risk(index, code, key, at_risk_metric),
        standings=index.standings[(metric, year)],
    )


def _dimension(
    index: _Index, book: Codebook, code: str, key: str, year: int
) -> CprDimension | None:
    dim = book.dimensions[key]
    rows = index.cpr_by_country.get(code)
    if rows is None or not (rows["year"] == year).any():
        return None
    rights: list[CprRight] = []
    missing: list[str] = []
    for rkey in dim.rights:
        right = book.rights[rkey]
        fact = _cpr_right(index, code, rkey, right.metric, right.at_risk, year)
        if fact is None:
            missing.append(rkey)
        else:
            rights.append(fact)
    points = _estimates(rows, dim.metric)
    latest = points[-1] if points and points[-1].year == year else None
    if latest is None and not rights:
        return None
    return CprDimension(
        key=key,
        score=latest,
        band=CPR_BANDS.band_of(latest.mean) if latest else None,
        rights=tuple(rights),
        missing_rights=tuple(missing),
        trend=_trend(points) if latest else None,
    )


# --- people at risk ------------------------------------------------------------------------


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (10**6, code)


def _at_risk(index: _Index, code: str, right: str, metric: str) -> AtRisk | None:
    """The answers for one right: groups by experts naming them (ties: equal counts, by code)."""
    sel = index.risk.get((code, metric))
    if sel is None or sel.empty or index.risk_year is None:
        return None
    answered = sel[sel["count"] > 0]
    share = dict(zip(answered["people"], answered["proportion"], strict=True))
    named = [
        GroupShare(str(p), float(s), int(n))
        for p, s, n in zip(
            answered["people"], answered["proportion"], answered["count"], strict=True
        )
        if str(p) not in (NO_ONE, ALL_PEOPLE)
    ]
    named.sort(key=lambda g: (-g.count, _code_order(g.code)))
    return AtRisk(
        right=right,
        year=int(index.risk_year),
        respondents=int(sel["total"].max()),
        groups=tuple(named),
        all_people=float(share[ALL_PEOPLE]) if ALL_PEOPLE in share else None,
        no_one=float(share[NO_ONE]) if NO_ONE in share else None,
    )


def same_share(a: float, b: float) -> bool:
    """Two shares are the same when equal but for floating-point noise (means of shares)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _frequent(rights: list[AtRisk]) -> tuple[tuple[FrequentGroup, ...], bool]:
    """Groups named by ≥ 30% of experts for at least three rights (every group, ties kept)."""
    tally: dict[str, list[float]] = {}
    for right in rights:
        for group in right.groups:
            if group.share >= FREQUENT_SHARE:
                tally.setdefault(group.code, []).append(group.share)
    frequent = sorted(
        (
            FrequentGroup(c, len(s), sum(s) / len(s))
            for c, s in tally.items()
            if len(s) >= FREQUENT_RIGHTS
        ),
        key=lambda g: (-g.rights, -round(g.mean_share, 9), _code_order(g.code)),
    )
    all_people = sum((r.all_people or 0) >= FREQUENT_SHARE for r in rights) >= FREQUENT_RIGHTS
    return tuple(frequent), all_people


# --- quality of life -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _EsrFigure:
    """One quality of life metric of one country: its latest figure under the standard used."""

    standard: str
    year: int
    adj: float
    best: float | None
    rank: int
    of: int
    quartile: int
    series: pd.DataFrame  # every year of this metric under that standard


def _esr_figure(index: _Index, code: str, metric: str) -> _EsrFigure | None:
    standard = index.esr_used.get((code, metric))
    if standard is None:
        return None
    series = index.esr[(code, metric, standard)]
    last = series.iloc[-1]
    year, adj, best = int(last["year"]), float(last["adj"]), float(last["best"])
    pool = index.esr_pool.get((metric, year, standard), np.array([adj]))
    rank = competition_rank(adj, pool.tolist())
    return _EsrFigure(
        standard,
        year,
        adj,
        None if math.isnan(best) else best,
        rank,
        len(pool),
        quartile(rank, len(pool)),
        series,
    )


def _esr_trend(series: pd.DataFrame) -> EsrTrend | None:
    """The overall score over the years, judged on printed values (see the module docstring)."""
    if len(series) < 2:
        return None
    years = tuple(int(y) for y in series["year"])
    values = tuple(float(v) for v in series["adj"])
    shown = [float(printed(v, ESR_BANDS)) for v in values]
    delta = shown[-1] - shown[0]
    direction: Direction = "flat" if abs(delta) < ESR_FLAT else ("rose" if delta > 0 else "fell")
    steps = np.diff(shown)
    against = (steps < 0) if direction == "rose" else (steps > 0)
    steady = direction != "flat" and not bool(against.any())
    turn = None
    if direction != "flat" and not steady:
        extreme = max(shown) if direction == "rose" else min(shown)
        at = max(i for i, v in enumerate(shown) if v == extreme)
        turn = years[at] if at < len(shown) - 1 else None
    gaps = tuple(y for y in range(years[0], years[-1] + 1) if y not in years)
    return EsrTrend(
        years,
        values,
        tuple(float(v) for v in series["best"]),
        direction,
        steady,
        float(values[-1] - values[0]),
        gaps,
        turn,
    )


def _ties(rights: list[EsrRight], highest: bool) -> tuple[str, ...]:
    shown = {r.key: printed(r.income_adjusted, ESR_BANDS) for r in rights}
    if len(set(shown.values())) < 2:
        return ()
    edge = max(shown.values()) if highest else min(shown.values())
    return tuple(r.key for r in rights if shown[r.key] == edge)


def _quality_of_life(
    index: _Index, book: Codebook, code: str, high_income: bool
) -> QualityOfLife | None:
    default = _default_standard(high_income)
    dim = book.dimensions["quality_of_life"]

    def sexes(metric: str, figure: _EsrFigure) -> Sexes:
        key = (code, metric, figure.year, figure.standard)
        return Sexes(index.esr_sex.get((*key, "Female")), index.esr_sex.get((*key, "Male")))

    rights: list[EsrRight] = []
    missing: list[str] = []
    for key in dim.rights:
        metric = book.rights[key].metric
        figure = _esr_figure(index, code, metric)
        if figure is None:
            missing.append(key)
            continue
        rights.append(
            EsrRight(
                key=key,
                year=figure.year,
                standard=figure.standard,
                fallback=figure.standard != default,
                income_adjusted=figure.adj,
                global_best=figure.best,
                band=ESR_BANDS.band_of(figure.adj),
                rank=figure.rank,
                of=figure.of,
                quartile=figure.quartile,
                sexes=sexes(metric, figure),
                at_risk=_at_risk(index, code, key, book.rights[key].at_risk),
            )
        )
    overall = _esr_figure(index, code, dim.metric)
    if overall is None and not rights:
        return None
    # The experts' answers on every quality of life right, whether or not it has a figure.
    esr_risk = [
        risk
        for key in dim.rights
        if (risk := _at_risk(index, code, key, book.rights[key].at_risk)) is not None
    ]
    shares: dict[str, list[float]] = {}
    for risk in esr_risk:
        for group in risk.groups:
            shares.setdefault(group.code, []).append(group.share)
    combined = sorted(
        (GroupShare(c, sum(s) / len(esr_risk), len(s)) for c, s in shares.items()),
        key=lambda g: (-round(g.share, 9), _code_order(g.code)),
    )
    return QualityOfLife(
        year=overall.year if overall else max(r.year for r in rights),
        standard=default,
        overall_standard=overall.standard if overall else None,
        income_adjusted=overall.adj if overall else None,
        global_best=overall.best if overall else None,
        band=ESR_BANDS.band_of(overall.adj) if overall else None,
        rank=overall.rank if overall else None,
        of=overall.of if overall else None,
        quartile=overall.quartile if overall else None,
        rights=tuple(rights),
        missing_rights=tuple(missing),
        best_rights=_ties(rights, highest=True),
        worst_rights=_ties(rights, highest=False),
        sexes=sexes(dim.metric, overall) if overall else Sexes(None, None),
        trend=_esr_trend(overall.series) if overall else None,
        at_risk_groups=tuple(combined),
        at_risk_rights=tuple(r.right for r in esr_risk),
    )


# --- entry points --------------------------------------------------------------------------


def resolve_country(dataset: Dataset, text: str, book: Codebook | None = None) -> str:
    """Return the ISO3 code for ``text`` (code or English name, any case).

    Raises ``UnknownCountryError`` listing close matches.
    """
    book = book or load_codebook("en")
    codes = dataset.country_codes()
    wanted = text.strip()
    if wanted.upper() in codes:
        return wanted.upper()
    names = {book.country(c, dataset.names).name.casefold(): c for c in codes}
    if wanted.casefold() in names:
        return names[wanted.casefold()]
    close = difflib.get_close_matches(wanted.casefold(), list(names), n=4, cutoff=0.6)
    hint = (
        " Did you mean: "
        + ", ".join(f"{book.country(names[c], dataset.names).name} ({names[c]})" for c in close)
        + "?"
        if close
        else " Run `reportgen countries --data DIR` to list them."
    )
    raise UnknownCountryError(f"Unknown country '{text}' in {dataset.info.path}.{hint}")


def compute_facts(dataset: Dataset, code: str, style: Style) -> CountryFacts:
    """Compute every fact of the report on ``code`` (an ISO3 code present in the release)."""
    book = load_codebook("en")
    index = _index(dataset)
    country = dataset.countries[dataset.countries["country"] == code]
    if country.empty:
        raise UnknownCountryError(f"Country code '{code}' is not in {dataset.info.path}.")
    region = str(country["region"].iloc[0])
    high_income = bool(country["high_income"].iloc[0])
    survey_year = dataset.info.cpr_years[-1] if dataset.info.cpr_years else None
    rows = index.cpr_by_country.get(code)
    has_latest = (
        rows is not None and survey_year is not None and bool((rows["year"] == survey_year).any())
    )
    empowerment = safety = None
    if has_latest and survey_year is not None:
        empowerment = _dimension(index, book, code, "empowerment", survey_year)
        safety = _dimension(index, book, code, "safety", survey_year)
    qol = _quality_of_life(index, book, code, high_income)
    # Every right's answers count, whether or not the right has a score.
    risks = [
        risk
        for key, right in book.rights.items()
        if (risk := _at_risk(index, code, key, right.at_risk)) is not None
    ]
    frequent, all_frequent = _frequent(risks)
    n_survey = len(dataset.survey_countries(survey_year)) if survey_year else 0
    return CountryFacts(
        code=code,
        region=region,
        high_income=high_income,
        release_year=dataset.info.publication_year,
        illustrative=dataset.info.illustrative,
        survey_year=survey_year if (empowerment or safety) else None,
        survey_countries=n_survey,
        empowerment=empowerment,
        safety=safety,
        quality_of_life=qol,
        frequent_groups=frequent,
        all_people_frequent=all_frequent,
    )
