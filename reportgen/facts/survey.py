"""Civil and political rights: each right's rank, overlaps, plausible position and change."""

from __future__ import annotations

from reportgen.codebook import Codebook
from reportgen.facts._index import _Index
from reportgen.facts.people import _at_risk
from reportgen.facts.types import (
    CprDimension,
    CprRight,
    Estimate,
    Peer,
    SurveyTrend,
    classify_change,
)
from reportgen.rules import CPR_BANDS, classify_position

# --- survey (civil and political) --------------------------------------------------------


def _trend(points: tuple[Estimate, ...]) -> SurveyTrend:
    latest = points[-1]
    previous = classify_change(points[-2], latest) if len(points) >= 2 else None
    first = classify_change(points[0], latest) if len(points) >= 3 else None
    return SurveyTrend(points, previous, first)


def _peers(index: _Index, metric: str, year: int, code: str) -> tuple[Estimate, list[Peer]] | None:
    """This country's estimate of ``metric`` in ``year`` and every other country's (None: it
    has none)."""
    own: Estimate | None = None
    peers: list[Peer] = []
    for peer in index.cpr_peers.get((metric, year), ()):
        if peer.code == code:
            own = Estimate(year, peer.mean, peer.lo, peer.hi)
        else:
            peers.append(peer)
    return None if own is None else (own, peers)


def _cpr_right(
    index: _Index,
    code: str,
    key: str,
    metric: str,
    at_risk_metric: str,
    year: int,
) -> CprRight | None:
    found = _peers(index, metric, year, code)
    if found is None:
        return None
    own, peers = found
    above = [p for p in peers if p.mean > own.mean]
    below = [p for p in peers if p.mean < own.mean]
    n = len(peers) + 1
    certainly_above = sum(p.lo > own.hi for p in peers)
    # Not "certainly below" is not enough to be possibly above: a tie on a degenerate band
    # (e.g. 10 with sd 0 for abolitionist countries) can be neither.
    possibly_above = sum(p.hi > own.lo for p in peers)
    points = index.cpr_estimates.get((code, metric), ())
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
    points = index.cpr_estimates.get((code, dim.metric), ())
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
