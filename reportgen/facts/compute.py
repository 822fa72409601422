"""The entry points: a country by code or name, and every fact of its report."""

from __future__ import annotations

import difflib

from reportgen.codebook import Codebook, load_codebook
from reportgen.errors import UnknownCountryError
from reportgen.facts._index import _index
from reportgen.facts.people import _at_risk, _frequent
from reportgen.facts.quality import _quality_of_life
from reportgen.facts.survey import _dimension
from reportgen.facts.types import CountryFacts
from reportgen.load import Dataset
from reportgen.rules import FREQUENT_RIGHTS
from reportgen.style import Style

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
    frequent, all_people_rights = _frequent(risks)
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
        all_people_frequent=all_people_rights >= FREQUENT_RIGHTS,
        all_people_rights=all_people_rights,
        answered_rights=len(risks),
    )
