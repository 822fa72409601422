"""Facts stage: ``Dataset`` + one country → ``CountryFacts``, every number a report states.

In:  a loaded ``Dataset``, an ISO3 code, a ``Style`` (for band thresholds).
Out: ``CountryFacts``: frozen, typed values (numbers, codes, categories), no prose.

The rules that turn numbers into categories live here, each documented where it is
defined, so that the narrative only chooses words:

- **Band**: the style's thresholds (``Style.cpr_bands`` / ``esr_bands``).
- **Change** between two survey years (``classify_change``): *clearly* when this year's
  mean lies outside the other year's 10th–90th percentile band; *slightly* when it lies
  inside but the scores differ once rounded to one decimal (as printed); otherwise *no
  change*. With the 2020 release this says Kazakhstan's participation "went down slightly
  from 2018 but clearly rose since 2017", and torture "fell slightly" on both counts.
- **Overlap** with another survey country: the two 10th–90th percentile bands intersect.
  A country ranked below with an overlapping band is one this country "could in fact be
  doing worse than"; one ranked above, one it could be doing better than.
- **Position** among the survey countries (``classify_position``), from the plausible rank
  range: best plausible rank = 1 + countries whose band lies wholly above; worst plausible
  rank = 1 + countries whose band reaches above this one's lower end (so a tie on a
  degenerate band, 10 with no uncertainty, is not a possible loss). ``very_worst`` when
  even the best plausible rank is in the bottom fifth; ``bottom_half`` when it is in the bottom half;
  ``very_best`` / ``top_half`` mirror these; otherwise ``middle``.
- **Quartile** of a quality of life score: rank among countries of the same standard with
  a score that year (1 = top quarter).
- **Groups named**: distinct people codes with at least one expert, "No one" excluded.
- **Frequent groups** (summary): named by ≥ 30 % of experts, among a right's five most
  named groups, for at least three rights; "all people" is frequent when ≥ 30 % of
  experts chose it for at least three rights.
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
from reportgen.style import BandName, Style

Direction = Literal["rose", "fell", "flat"]
Size = Literal["slightly", "clearly"]
Position = Literal["very_best", "top_half", "middle", "bottom_half", "very_worst"]
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
    groups: tuple[GroupShare, ...]  # named at least once, largest share first; All/No one excluded
    all_people: float | None
    no_one: float | None
    named_count: int  # distinct groups named, "All people" included, "No one" excluded


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
    direction: Direction
    steady: bool  # no year-on-year move against the direction of more than 0.5 points
    delta: float


@dataclass(frozen=True, slots=True)
class EsrRight:
    """One quality of life right in the report year."""

    key: str
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

    year: int
    standard: str  # "Core" or "HiY"
    income_adjusted: float | None  # None when a component right is missing
    global_best: float | None
    band: BandName | None
    rank: int | None
    of: int | None
    quartile: int | None
    rights: tuple[EsrRight, ...]
    missing_rights: tuple[str, ...]
    best_right: str | None
    worst_right: str | None
    sexes: Sexes
    trend: EsrTrend | None
    at_risk_groups: tuple[GroupShare, ...]  # across the quality of life rights, by mean share


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
    if round(after.mean, 1) == round(before.mean, 1):
        return Change(before.year, before.mean, after.mean, "flat", None)
    direction: Direction = "rose" if after.mean > before.mean else "fell"
    size: Size = "clearly" if not before.lo <= after.mean <= before.hi else "slightly"
    return Change(before.year, before.mean, after.mean, direction, size)


def classify_position(certainly_above: int, certainly_below: int, n: int) -> Position:
    """Classify a plausible rank range among ``n`` countries (see the module docstring)."""
    best_rank = certainly_above + 1
    worst_rank = n - certainly_below
    if best_rank > 0.8 * n:
        return "very_worst"
    if worst_rank <= 0.2 * n:
        return "very_best"
    if best_rank > 0.5 * n:
        return "bottom_half"
    if worst_rank <= 0.5 * n:
        return "top_half"
    return "middle"


# --- per-release indexes, built once ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Index:
    cpr: dict[tuple[str, int], pd.DataFrame]  # (metric, year) → rows sorted by mean desc
    cpr_by_country: dict[str, pd.DataFrame]
    esr_all: dict[str, pd.DataFrame]  # country → rows of group All
    esr_sex: dict[tuple[str, str, int, str, str], float]  # (country, metric, year, std, group)
    esr_ranking: dict[tuple[str, int, str], np.ndarray]  # (metric, year, standard) → scores
    risk: dict[tuple[str, str], pd.DataFrame]  # (country, metric) → rows of the latest year
    risk_year: int | None


@lru_cache(maxsize=4)
def _index(dataset: Dataset) -> _Index:
    cpr = dataset.cpr
    esr = dataset.esr
    esr_all = esr[esr["group"] == "All"]
    rankings = {
        (str(m), int(y), str(s)): np.sort(g["adj"].to_numpy())[::-1]
        for (m, y, s), g in esr_all.groupby(["metric", "year", "standard"])
    }
    risk = dataset.risk
    risk_year = int(risk["year"].max()) if len(risk) else None
    latest_risk = risk[risk["year"] == risk_year]
    sexes = esr[esr["group"] != "All"]
    return _Index(
        cpr={
            (str(m), int(y)): g.sort_values("mean", ascending=False, kind="stable")
            for (m, y), g in cpr.groupby(["metric", "year"])
        },
        cpr_by_country={str(c): g for c, g in cpr.groupby("country")},
        esr_all={str(c): g for c, g in esr_all.groupby("country")},
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
        esr_ranking=rankings,
        risk={(str(c), str(m)): g for (c, m), g in latest_risk.groupby(["country", "metric"])},
        risk_year=risk_year,
    )


# --- survey (civil and political) --------------------------------------------------------


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
    own: Estimate | None = None
    peers: list[Peer] = []
    for r in table.itertuples(index=False):
        peer = Peer(str(r.country), float(r.mean), _num(r.lo, r.mean), _num(r.hi, r.mean))
        if r.country == code:
            own = Estimate(int(r.year), peer.mean, peer.lo, peer.hi)
        else:
            peers.append(peer)
    return own, peers


def _cpr_right(
    index: _Index,
    dataset: Dataset,
    code: str,
    key: str,
    metric: str,
    at_risk_metric: str,
    year: int,
    style: Style,
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
    return CprRight(
        key=key,
        score=own,
        band=style.cpr_bands.band_of(own.mean),
        rank=len(above) + 1,
        of=n,
        could_be_worse_than=tuple(
            sorted((p for p in below if p.hi >= own.lo), key=lambda p: -p.mean)
        ),
        could_be_better_than=tuple(
            sorted((p for p in above if p.lo <= own.hi), key=lambda p: p.mean)
        ),
        tied_with=len(peers) - len(above) - len(below),
        certainly_above=certainly_above,
        certainly_below=n - 1 - possibly_above,
        position=classify_position(certainly_above, n - 1 - possibly_above, n),
        trend=_trend(_estimates(rows, metric)),
        at_risk=_at_risk(index, code, key, at_risk_metric),
    )


def _dimension(
    index: _Index, dataset: Dataset, book: Codebook, code: str, key: str, year: int, style: Style
) -> CprDimension | None:
    dim = book.dimensions[key]
    rows = index.cpr_by_country.get(code)
    if rows is None or not (rows["year"] == year).any():
        return None
    rights: list[CprRight] = []
    missing: list[str] = []
    for rkey in dim.rights:
        right = book.rights[rkey]
        fact = _cpr_right(index, dataset, code, rkey, right.metric, right.at_risk, year, style)
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
        band=style.cpr_bands.band_of(latest.mean) if latest else None,
        rights=tuple(rights),
        missing_rights=tuple(missing),
        trend=_trend(points) if latest else None,
    )


# --- people at risk ------------------------------------------------------------------------


def _at_risk(index: _Index, code: str, right: str, metric: str) -> AtRisk | None:
    sel = index.risk.get((code, metric))
    if sel is None or sel.empty or index.risk_year is None:
        return None
    share = dict(zip(sel["people"], sel["proportion"], strict=True))
    named = sel[(sel["count"] > 0) & (sel["people"] != NO_ONE)]
    groups = named[named["people"] != ALL_PEOPLE].sort_values(
        ["proportion", "people"],
        ascending=[False, True],
        kind="stable",
        key=lambda s: s if s.name == "proportion" else s.str.zfill(3),
    )
    return AtRisk(
        right=right,
        year=int(index.risk_year),
        respondents=int(sel["total"].max()),
        groups=tuple(
            GroupShare(str(g.people), float(g.proportion), int(g.count))
            for g in groups.itertuples(index=False)
        ),
        all_people=float(share[ALL_PEOPLE]) if ALL_PEOPLE in share else None,
        no_one=float(share[NO_ONE]) if NO_ONE in share else None,
        named_count=len(named),
    )


def _frequent(rights: list[AtRisk]) -> tuple[tuple[FrequentGroup, ...], bool]:
    """Groups in a right's top five with ≥ 30% of experts, in at least three rights."""
    if not rights:
        return (), False
    tally: dict[str, list[float]] = {}
    for right in rights:
        for group in right.groups[:5]:
            if group.share >= 0.3:
                tally.setdefault(group.code, []).append(group.share)
    need = min(3, len(rights))
    frequent = sorted(
        (FrequentGroup(c, len(s), sum(s) / len(s)) for c, s in tally.items() if len(s) >= need),
        key=lambda g: (-g.rights, -g.mean_share, g.code),
    )
    all_people = sum((r.all_people or 0) >= 0.3 for r in rights) >= need
    return tuple(frequent[:6]), all_people


# --- quality of life -----------------------------------------------------------------------


def _rank(
    index: _Index, metric: str, year: int, standard: str, value: float
) -> tuple[int, int, int]:
    scores = index.esr_ranking.get((metric, year, standard), np.array([value]))
    rank = int((scores > value).sum()) + 1
    n = len(scores)
    quartile = min(4, int((rank - 1) * 4 // n) + 1)
    return rank, n, quartile


def _quality_of_life(
    index: _Index, book: Codebook, code: str, high_income: bool, style: Style
) -> QualityOfLife | None:
    rows = index.esr_all.get(code)
    if rows is None or rows.empty:
        return None
    standards = set(rows["standard"])
    standard = "HiY" if high_income and "HiY" in standards else "Core"
    rows = rows[rows["standard"] == standard]
    if rows.empty:
        return None
    dim = book.dimensions["quality_of_life"]
    overall = rows[rows["metric"] == dim.metric].sort_values("year")
    right_metrics = {book.rights[k].metric for k in dim.rights}
    with_rights = rows[rows["metric"].isin(right_metrics)]
    year = int(overall["year"].max()) if not overall.empty else int(with_rights["year"].max())
    this_year = rows[rows["year"] == year].set_index("metric")

    def sexes(metric: str) -> Sexes:
        return Sexes(
            index.esr_sex.get((code, metric, year, standard, "Female")),
            index.esr_sex.get((code, metric, year, standard, "Male")),
        )

    rights: list[EsrRight] = []
    missing: list[str] = []
    for key in dim.rights:
        metric = book.rights[key].metric
        if metric not in this_year.index:
            missing.append(key)
            continue
        adj = float(this_year.at[metric, "adj"])
        best = float(this_year.at[metric, "best"])
        rank, n, quartile = _rank(index, metric, year, standard, adj)
        rights.append(
            EsrRight(
                key=key,
                income_adjusted=adj,
                global_best=None if math.isnan(best) else best,
                band=style.esr_bands.band_of(adj),
                rank=rank,
                of=n,
                quartile=quartile,
                sexes=sexes(metric),
                at_risk=_at_risk(index, code, key, book.rights[key].at_risk),
            )
        )
    adj_overall: float | None = None
    best_overall: float | None = None
    rank_o = n_o = quart_o = None
    if dim.metric in this_year.index:
        adj_overall = float(this_year.at[dim.metric, "adj"])
        best_value = float(this_year.at[dim.metric, "best"])
        best_overall = None if math.isnan(best_value) else best_value
        rank_o, n_o, quart_o = _rank(index, dim.metric, year, standard, adj_overall)
    trend = None
    if len(overall) >= 2:
        values = overall["adj"].to_numpy(dtype=float)
        delta = float(values[-1] - values[0])
        direction: Direction = "flat" if abs(delta) < 1.0 else ("rose" if delta > 0 else "fell")
        steps = np.diff(values)
        steady = bool(
            direction != "flat"
            and ((steps >= -0.5).all() if direction == "rose" else (steps <= 0.5).all())
        )
        trend = EsrTrend(
            tuple(int(y) for y in overall["year"]),
            tuple(float(v) for v in values),
            tuple(float(v) for v in overall["best"]),
            direction,
            steady,
            delta,
        )
    ordered = sorted(rights, key=lambda r: (-r.income_adjusted, r.key))
    esr_risk = [r.at_risk for r in rights if r.at_risk is not None]
    shares: dict[str, list[float]] = {}
    for risk in esr_risk:
        for group in risk.groups:
            shares.setdefault(group.code, []).append(group.share)
    combined = sorted(
        (GroupShare(c, sum(s) / len(esr_risk), len(s)) for c, s in shares.items()),
        key=lambda g: (-g.share, int(g.code) if g.code.isdigit() else 999),
    )
    return QualityOfLife(
        year=year,
        standard=standard,
        income_adjusted=adj_overall,
        global_best=best_overall,
        band=style.esr_bands.band_of(adj_overall) if adj_overall is not None else None,
        rank=rank_o,
        of=n_o,
        quartile=quart_o,
        rights=tuple(rights),
        missing_rights=tuple(missing),
        best_right=ordered[0].key if len(ordered) >= 2 else None,
        worst_right=ordered[-1].key if len(ordered) >= 2 else None,
        sexes=sexes(dim.metric),
        trend=trend,
        at_risk_groups=tuple(combined),
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
        empowerment = _dimension(index, dataset, book, code, "empowerment", survey_year, style)
        safety = _dimension(index, dataset, book, code, "safety", survey_year, style)
    qol = _quality_of_life(index, book, code, high_income, style)
    risks = [r.at_risk for d in (empowerment, safety) if d for r in d.rights if r.at_risk]
    risks += [r.at_risk for r in (qol.rights if qol else ()) if r.at_risk]
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
