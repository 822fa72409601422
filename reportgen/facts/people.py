"""People at risk: the experts' answers for each right, and the groups named across rights."""

from __future__ import annotations

import math
from functools import lru_cache

from reportgen.facts._index import _Index
from reportgen.facts.types import AtRisk, FrequentGroup, GroupShare
from reportgen.rules import FREQUENT_RIGHTS, FREQUENT_SHARE

NO_ONE, ALL_PEOPLE = "0", "1"


# --- people at risk ------------------------------------------------------------------------


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (10**6, code)


@lru_cache(maxsize=8192)
def _at_risk(index: _Index, code: str, right: str, metric: str) -> AtRisk | None:
    """The answers for one right: groups by experts naming them (ties: equal counts, by code).

    Cached per release index: the rights' sections, the quality of life groups and the
    summary's frequent groups all ask for the same answers."""
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


def _frequent(rights: list[AtRisk]) -> tuple[tuple[FrequentGroup, ...], int]:
    """Groups named by ≥ 30% of experts for at least three rights (every group, ties kept),
    and the number of rights for which ≥ 30% named everyone ("All people")."""
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
    all_people = sum((r.all_people or 0) >= FREQUENT_SHARE for r in rights)
    return tuple(frequent), all_people
