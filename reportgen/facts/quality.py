"""Quality of life: each right and the overall score at their latest year, standards, ranks, trend."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.codebook import Codebook
from reportgen.facts._index import _default_standard, _Index
from reportgen.facts.people import _at_risk, _code_order
from reportgen.facts.types import Direction, EsrRight, EsrTrend, GroupShare, QualityOfLife, Sexes
from reportgen.rules import ESR_BANDS, ESR_FLAT, competition_rank, printed, quartile

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
