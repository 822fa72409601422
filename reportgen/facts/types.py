"""The facts of one country, as frozen values: scores, changes, ranks, at-risk answers, quality of life."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reportgen.rules import CPR_BANDS, BandName, Position, printed

Direction = Literal["rose", "fell", "flat"]
Size = Literal["slightly", "clearly"]


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
    all_people_frequent: bool  # everyone named by ≥ 30% for at least three rights
    answered_rights: int = 0  # rights with people-at-risk answers: the base of frequent_groups
    all_people_rights: int = 0  # rights for which ≥ 30% of the experts named everyone

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
