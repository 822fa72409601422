"""Narrative stage: ``CountryFacts`` + phrases (one language) → the ``Report`` model.

In:  a ``Dataset`` (names of other countries, cross-country data for the comparison charts),
     ``CountryFacts``, a ``Style`` (band thresholds), a language.
Out: ``Report``: every section of the country report as frozen data, each sentence chosen by
     the condition it depends on (band, trend class, position class, overlaps, quartile,
     missing data, standard, illustrative data) and rendered from the phrase book.

No drawing happens here: charts are ``ChartSpec`` values carrying their data and words.

One module per part of the report: ``overview``, ``cpr`` (civil and political rights),
``qol`` (quality of life), ``closing`` (summary, how to read, sources); ``report`` puts them
together; ``_context`` holds what every builder shares.
"""

from reportgen.narrative.report import build_report

__all__ = ["build_report"]
