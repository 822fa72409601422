"""A plain-text listing of ``CountryFacts`` for auditing (``reportgen facts``).

In:  ``CountryFacts`` and the ``Dataset`` (for country names). Out: text, one fact a line,
numbers at full precision next to the rounded figure the report prints.
"""

from __future__ import annotations

from reportgen.codebook import load_codebook
from reportgen.facts import AtRisk, CountryFacts, CprDimension, SurveyTrend
from reportgen.load import Dataset


def _trend(trend: SurveyTrend | None) -> str:
    if trend is None:
        return "no earlier year"
    parts = []
    for change in (trend.since_previous, trend.since_first):
        if change is not None:
            size = f" {change.size}" if change.size else ""
            parts.append(f"since {change.since}: {change.direction}{size} ({change.delta:+.3f})")
    return "; ".join(parts) or "one year only"


def _risk(risk: AtRisk | None, names: dict[str, str], indent: str) -> list[str]:
    if risk is None:
        return [f"{indent}people at risk: no answers"]
    lines = [
        f"{indent}people at risk ({risk.respondents} experts, {risk.named_count} groups named;"
        f" all people {0 if risk.all_people is None else risk.all_people:.0%}):"
    ]
    lines += [f"{indent}  {g.share:>4.0%}  {names[g.code]} ({g.count})" for g in risk.groups[:8]]
    return lines


def render_facts(facts: CountryFacts, dataset: Dataset) -> str:
    """Return the facts of one country as readable plain text."""
    book = load_codebook("en")
    name = book.country(facts.code, dataset.names).name
    groups = {code: g.label for code, g in book.groups.items()}

    def country(code: str) -> str:
        return book.country(code, dataset.names).name

    lines = [
        f"{name} ({facts.code}) — {book.regions.get(facts.region, facts.region)}; "
        f"release {facts.release_year}{'; ILLUSTRATIVE DATA' if facts.illustrative else ''}"
    ]
    dims: tuple[CprDimension | None, ...] = (facts.empowerment, facts.safety)
    if not facts.has_survey:
        lines.append("civil and political rights: no survey data")
    for dim in dims:
        if dim is None:
            continue
        head = book.dimensions[dim.key].name
        score = (
            f"{dim.score.mean:.4f} [{dim.score.lo:.3f}, {dim.score.hi:.3f}] {dim.band}"
            if dim.score
            else "no score"
        )
        lines.append(f"{head} {facts.survey_year}: {score}; trend: {_trend(dim.trend)}")
        if dim.missing_rights:
            lines.append(f"  missing: {', '.join(book.rights[k].name for k in dim.missing_rights)}")
        for r in dim.rights:
            lines.append(
                f"  {book.rights[r.key].name}: {r.score.mean:.4f} [{r.score.lo:.3f}, {r.score.hi:.3f}]"
                f" {r.band}; rank {r.rank}/{r.of}{f' (tied with {r.tied_with})' if r.tied_with else ''};"
                f" {r.position}"
            )
            if r.could_be_worse_than:
                lines.append(
                    f"    could be worse than: {', '.join(country(p.code) for p in r.could_be_worse_than)}"
                )
            if r.could_be_better_than:
                lines.append(
                    f"    could be better than: {', '.join(country(p.code) for p in r.could_be_better_than)}"
                )
            lines.append(f"    trend: {_trend(r.trend)}")
            lines += _risk(r.at_risk, groups, "    ")
    q = facts.quality_of_life
    if q is None:
        lines.append("quality of life: no data")
    else:
        overall = (
            f"{q.income_adjusted:.1f}% (global best {q.global_best}%) {q.band}; rank {q.rank}/{q.of}, quartile {q.quartile}"
            if q.income_adjusted is not None
            else "no overall score"
        )
        standard = q.overall_standard or q.standard
        lines.append(f"Quality of life {q.year} ({standard}; default {q.standard}): {overall}")
        if q.trend:
            lines.append(
                f"  trend {q.trend.years[0]}–{q.trend.years[-1]}: {q.trend.direction}"
                f"{' steadily' if q.trend.steady else ''} ({q.trend.delta:+.1f} points)"
            )
        for er in q.rights:
            sexes = ""
            if er.sexes.female is not None or er.sexes.male is not None:
                sexes = f"; women {er.sexes.female}, men {er.sexes.male}"
            lines.append(
                f"  {book.rights[er.key].name} {er.year} ({er.standard}): {er.income_adjusted:.1f}% (global best "
                f"{er.global_best}%) {er.band}; rank {er.rank}/{er.of}, quartile {er.quartile}{sexes}"
            )
        if q.missing_rights:
            lines.append(f"  missing: {', '.join(book.rights[k].name for k in q.missing_rights)}")
        if q.best_rights:
            best = ", ".join(book.rights[k].name for k in q.best_rights)
            worst = ", ".join(book.rights[k].name for k in q.worst_rights)
            lines.append(f"  best right: {best}; lowest: {worst}")
    if facts.frequent_groups:
        lines.append(
            "groups named across rights: "
            + "; ".join(
                f"{groups[g.code]} ({g.rights} rights, mean {g.mean_share:.0%})"
                for g in facts.frequent_groups
            )
        )
    lines.append(f"all people frequently named: {'yes' if facts.all_people_frequent else 'no'}")
    return "\n".join(lines)
