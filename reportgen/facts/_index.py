"""Per-release indexes, built once per dataset: rows by right and year, standards used, rankings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from reportgen.facts.types import Estimate, Peer, Standing
from reportgen.load import Dataset
from reportgen.rules import CPR_BANDS

# --- per-release indexes, built once ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Index:
    cpr: dict[tuple[str, int], pd.DataFrame]  # (metric, year) → rows sorted by mean desc
    standings: dict[tuple[str, int], tuple[Standing, ...]]  # (metric, year) → best first
    cpr_by_country: dict[str, pd.DataFrame]
    cpr_peers: dict[tuple[str, int], tuple[Peer, ...]]  # (metric, year) → as ``cpr``, clipped
    cpr_estimates: dict[tuple[str, str], tuple[Estimate, ...]]  # (country, metric) → by year
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
        cpr_peers={key: _peers(table) for key, table in by_metric_year.items()},
        cpr_estimates=_estimates(cpr),
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


def _peers(table: pd.DataFrame) -> tuple[Peer, ...]:
    """The rows of ``table`` (one right, one year) as peers, bands clipped to the 0–10 scale."""
    clip = CPR_BANDS.clip
    return tuple(
        Peer(str(c), float(m), clip(_num(lo, m)), clip(_num(hi, m)))
        for c, m, lo, hi in zip(
            table["country"], table["mean"], table["lo"], table["hi"], strict=True
        )
    )


def _estimates(cpr: pd.DataFrame) -> dict[tuple[str, str], tuple[Estimate, ...]]:
    """Every country's estimates of every civil and political metric, oldest first."""
    ordered = cpr.sort_values("year", kind="stable")
    series: dict[tuple[str, str], list[Estimate]] = {}
    for c, metric, y, m, lo, hi in zip(
        ordered["country"],
        ordered["metric"],
        ordered["year"],
        ordered["mean"],
        ordered["lo"],
        ordered["hi"],
        strict=True,
    ):
        estimate = Estimate(int(y), float(m), _num(lo, m), _num(hi, m))
        series.setdefault((str(c), str(metric)), []).append(estimate)
    return {key: tuple(points) for key, points in series.items()}


def _standings(table: pd.DataFrame) -> tuple[Standing, ...]:
    """Every country's score on one right in one year, best first (ties by code)."""
    rows = [
        Standing(str(c), float(m), _num(lo, m), _num(hi, m), CPR_BANDS.band_of(float(m)))
        for c, m, lo, hi in zip(
            table["country"], table["mean"], table["lo"], table["hi"], strict=True
        )
    ]
    return tuple(sorted(rows, key=lambda r: (-r.mean, r.code)))


def _num(value: object, fallback: object) -> float:
    number = float(value)  # type: ignore[arg-type]
    return float(fallback) if math.isnan(number) else number  # type: ignore[arg-type]
