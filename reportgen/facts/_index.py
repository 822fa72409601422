"""Per-release indexes, built once per dataset: rows by right and year, standards used, rankings."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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
    esr: Mapping[tuple[str, str, str], pd.DataFrame]  # (country, metric, standard) → All, by year
    esr_sex: dict[tuple[str, str, int, str, str], float]  # (country, metric, year, std, group)
    esr_used: dict[tuple[str, str], str]  # (country, metric) → the standard its figures use
    esr_pool: dict[tuple[str, int, str], np.ndarray]  # (metric, year, standard) → pool's scores
    risk: Mapping[tuple[str, str], pd.DataFrame]  # (country, metric) → rows of the latest year
    risk_year: int | None


class _Groups(Mapping[Any, pd.DataFrame]):
    """The rows of ``frame`` grouped by the values of ``columns``, as ``groupby`` yields them
    (keys in sorted order, each group's rows in the frame's order), each group's frame made
    when first asked for: a worker reads a few countries' groups of the thousands a release
    has, and making them all took a tenth of a second of every worker's start."""

    def __init__(self, frame: pd.DataFrame, columns: list[str]) -> None:
        self._frame = frame
        positions: dict[tuple[Any, ...], list[int]] = {}
        for i, key in enumerate(zip(*(frame[c].tolist() for c in columns), strict=True)):
            positions.setdefault(key, []).append(i)
        self._positions = {key: positions[key] for key in sorted(positions)}
        self._made: dict[Hashable, pd.DataFrame] = {}

    def __getitem__(self, key: Any) -> pd.DataFrame:
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._frame.iloc[self._positions[key]]
        return made

    def __contains__(self, key: object) -> bool:
        return key in self._positions

    def __iter__(self) -> Iterator[Any]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


def _default_standard(high_income: bool) -> str:
    """HRMI's default by income group: high-income countries under the high-income standard."""
    return "HiY" if high_income else "Core"


@lru_cache(maxsize=4)
def _index(dataset: Dataset) -> _Index:
    cpr = dataset.cpr
    esr = dataset.esr
    esr_all = esr[esr["group"] == "All"].sort_values("year", kind="stable")
    by_cms = _Groups(esr_all, ["country", "metric", "standard"])
    high = dict(zip(dataset.countries["country"], dataset.countries["high_income"], strict=True))
    used: dict[tuple[str, str], str] = {}
    for country, metric, standard in by_cms:
        default = _default_standard(bool(high.get(country, False)))
        if standard == default or (country, metric, default) not in by_cms:
            used[(country, metric)] = default if (country, metric, default) in by_cms else standard
    # A country enters a ranking only under the standard its report uses for that right.
    in_pool = [
        used.get((str(c), str(m))) == str(s)
        for c, m, s in zip(
            esr_all["country"].tolist(),
            esr_all["metric"].tolist(),
            esr_all["standard"].tolist(),
            strict=True,
        )
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
                sexes["country"].tolist(),
                sexes["metric"].tolist(),
                sexes["year"].tolist(),
                sexes["standard"].tolist(),
                sexes["group"].tolist(),
                sexes["adj"].tolist(),
                strict=True,
            )
        },
        esr_used=used,
        esr_pool=pools,
        risk=_Groups(latest_risk, ["country", "metric"]),
        risk_year=risk_year,
    )


def _peers(table: pd.DataFrame) -> tuple[Peer, ...]:
    """The rows of ``table`` (one right, one year) as peers, bands clipped to the 0–10 scale."""
    clip = CPR_BANDS.clip
    return tuple(
        Peer(str(c), float(m), clip(_num(lo, m)), clip(_num(hi, m)))
        for c, m, lo, hi in zip(
            table["country"].tolist(),
            table["mean"].tolist(),
            table["lo"].tolist(),
            table["hi"].tolist(),
            strict=True,
        )
    )


def _estimates(cpr: pd.DataFrame) -> dict[tuple[str, str], tuple[Estimate, ...]]:
    """Every country's estimates of every civil and political metric, oldest first."""
    ordered = cpr.sort_values("year", kind="stable")
    series: dict[tuple[str, str], list[Estimate]] = {}
    for c, metric, y, m, lo, hi in zip(
        ordered["country"].tolist(),
        ordered["metric"].tolist(),
        ordered["year"].tolist(),
        ordered["mean"].tolist(),
        ordered["lo"].tolist(),
        ordered["hi"].tolist(),
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
            table["country"].tolist(),
            table["mean"].tolist(),
            table["lo"].tolist(),
            table["hi"].tolist(),
            strict=True,
        )
    ]
    return tuple(sorted(rows, key=lambda r: (-r.mean, r.code)))


def _num(value: object, fallback: object) -> float:
    number = float(value)  # type: ignore[arg-type]
    return float(fallback) if math.isnan(number) else number  # type: ignore[arg-type]
