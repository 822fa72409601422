"""The codebook: what the release's codes mean, in one language.

In:  a language code (``"en"``); reads ``reportgen/i18n/<lang>/codebook.toml``.
Out: ``Codebook``: dimensions and rights in report order, at-risk group labels, region
     names, band labels, and country names with their grammar.

Country names start from the locale's territory names (CLDR data shipped with Babel, so
every language gets proper names without us typing 200 of them) and are corrected by the
codebook's ``[countries.names]``; a release may add names for countries no codebook knows
(the demo release does, for its fictional countries).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import pycountry
from babel import Locale

from reportgen.errors import ReportgenError
from reportgen.resources import i18n_dir

Kind = Literal["cpr", "esr"]


@dataclass(frozen=True, slots=True)
class Right:
    """One right: its key, release codes and words."""

    key: str
    metric: str
    at_risk: str
    name: str
    phrase: str
    short: str
    dimension: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Dimension:
    """A dimension (empowerment, safety from the state, quality of life) and its rights."""

    key: str
    kind: Kind
    metric: str
    name: str
    rights: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Group:
    """A group experts may name as at risk: a label for lists, a phrase for sentences."""

    code: str
    label: str
    phrase: str


@dataclass(frozen=True, slots=True)
class CountryName:
    """A country's name in one language and how sentences use it."""

    code: str
    name: str
    article: bool = False
    plural: bool = False


@dataclass(frozen=True, eq=False)
class Codebook:
    """Everything needed to put the release's codes into words, in one language."""

    language: str
    locale: str
    bands: dict[str, str]
    benchmarks: dict[str, str]
    standards: dict[str, str]
    sexes: dict[str, str]
    dimensions: dict[str, Dimension]
    rights: dict[str, Right]
    groups: dict[str, Group]
    regions: dict[str, str]
    _names: dict[str, str] = field(repr=False)
    _article: frozenset[str] = field(repr=False)
    _plural: frozenset[str] = field(repr=False)

    def right_by_metric(self, metric: str) -> Right | None:
        """Return the right whose release metric code is ``metric``, or None."""
        return next((r for r in self.rights.values() if r.metric == metric), None)

    def right_by_at_risk(self, metric: str) -> Right | None:
        """Return the right whose people-at-risk metric code is ``metric``, or None."""
        return next((r for r in self.rights.values() if r.at_risk == metric), None)

    def knows_country(self, code: str) -> bool:
        """Return whether the codebook (or the locale's territory names) names ``code``."""
        return code in self._names or _territory_name(self.locale, code) is not None

    def country(self, code: str, extra: dict[str, CountryName] | None = None) -> CountryName:
        """Return the name of ISO3 ``code``; ``extra`` holds names the release supplies."""
        if extra and code in extra:
            return extra[code]
        name = self._names.get(code) or _territory_name(self.locale, code) or code
        return CountryName(code, name, code in self._article, code in self._plural)

    def dimension_metrics(self) -> set[str]:
        """Return the release metric codes of the dimensions."""
        return {d.metric for d in self.dimensions.values()}


@cache
def _territory_name(locale: str, code: str) -> str | None:
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return None
    name = Locale.parse(locale).territories.get(country.alpha_2)
    return str(name) if name else None


def _table(data: dict[str, Any], key: str, lang: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ReportgenError(
            f"Codebook '{lang}' has no [{key}] table. Add it (see the English codebook)."
        )
    return value


@cache
def load_codebook(language: str = "en") -> Codebook:
    """Load the codebook of ``language``; raise ``ReportgenError`` naming what is missing."""
    path = i18n_dir() / language / "codebook.toml"
    if not path.exists():
        available = sorted(p.name for p in i18n_dir().iterdir() if (p / "codebook.toml").exists())
        raise ReportgenError(
            f"No codebook for language '{language}'. Available: {', '.join(available)}."
        )
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    dims_raw = _table(data, "dimensions", language)
    rights_raw = _table(data, "rights", language)
    dimensions: dict[str, Dimension] = {}
    rights: dict[str, Right] = {}
    for dkey, d in dims_raw.items():
        dimensions[dkey] = Dimension(dkey, d["kind"], d["metric"], d["name"], tuple(d["rights"]))
        for rkey in d["rights"]:
            r = rights_raw[rkey]
            rights[rkey] = Right(
                rkey, r["metric"], r["at_risk"], r["name"], r["phrase"], r["short"], dkey, d["kind"]
            )
    countries = _table(data, "countries", language)
    grammar = countries.get("grammar", {})
    return Codebook(
        language=language,
        locale=str(data.get("locale", language)),
        bands=dict(_table(data, "bands", language)),
        benchmarks=dict(_table(data, "benchmarks", language)),
        standards=dict(_table(data, "standards", language)),
        sexes=dict(_table(data, "sexes", language)),
        dimensions=dimensions,
        rights=rights,
        groups={
            code: Group(code, g["label"], g["phrase"])
            for code, g in _table(data, "groups", language).items()
        },
        regions=dict(_table(data, "regions", language)),
        _names=dict(countries.get("names", {})),
        _article=frozenset(grammar.get("article", [])),
        _plural=frozenset(grammar.get("plural", [])),
    )
