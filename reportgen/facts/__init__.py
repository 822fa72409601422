"""Facts stage: ``Dataset`` + one country → ``CountryFacts``, every number a report states.

In:  a loaded ``Dataset``, an ISO3 code, a ``Style`` (its bands are the method's,
     ``reportgen.rules``).
Out: ``CountryFacts``: frozen, typed values (numbers, codes, categories), no prose.

One module per job: ``types`` (the frozen values), ``_index`` (per-release indexes),
``survey``, ``people`` (at risk), ``quality`` (quality of life), ``compute`` (the entry points).

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

from reportgen.facts.compute import compute_facts, resolve_country
from reportgen.facts.people import ALL_PEOPLE, NO_ONE, same_share
from reportgen.facts.types import (
    AtRisk,
    Change,
    CountryFacts,
    CprDimension,
    CprRight,
    Direction,
    EsrRight,
    EsrTrend,
    Estimate,
    FrequentGroup,
    GroupShare,
    Peer,
    QualityOfLife,
    Sexes,
    Size,
    Standing,
    SurveyTrend,
    classify_change,
)
from reportgen.rules import Position, classify_position

__all__ = [
    "ALL_PEOPLE",
    "NO_ONE",
    "AtRisk",
    "Change",
    "CountryFacts",
    "CprDimension",
    "CprRight",
    "Direction",
    "EsrRight",
    "EsrTrend",
    "Estimate",
    "FrequentGroup",
    "GroupShare",
    "Peer",
    "Position",
    "QualityOfLife",
    "Sexes",
    "Size",
    "Standing",
    "SurveyTrend",
    "classify_change",
    "classify_position",
    "compute_facts",
    "resolve_country",
    "same_share",
]
