"""The codebook: what the release's codes mean, in one language.

In:  a language code (``"en"``); reads ``reportgen/i18n/<lang>/codebook.toml``.
Out: ``Codebook``: dimensions and rights in report order, at-risk group labels, region
     names, band labels, and country names with their grammar.

Country names start from the locale's territory names (CLDR data shipped with Babel, so
every language gets proper names without us typing 200 of them) and are corrected by the
codebook's ``[countries.names]``. How a name behaves in a sentence is the codebook's
``[countries.grammar]``: which names take the definite article (``article``, or
``article_default = true`` with exceptions in ``no_article``), which are grammatically
``feminine`` or ``plural``, which elide although their first letter says otherwise
(``elision``: French "d’Haïti"; ``no_elision``), and ``[countries.forms]`` for the odd name
whose phrase with a preposition follows no rule ("à Aruba"). ``reportgen.phrases`` turns
these facts into words.

A release may add names for countries no codebook knows (the demo release does, for its
fictional countries): ``release_country_name`` reads one row of its ``country-names*.csv``,
English columns (``name_en``, ``en_article``, ``en_plural``) and, optionally, the same per
language (``name_fr``, ``fr_article``, ``fr_plural``, ``fr_feminine``, ``fr_elision``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

import pycountry
from babel import Locale

from reportgen.errors import ReportgenError
from reportgen.resources import i18n_dir

Kind = Literal["cpr", "esr"]

# Columns of a release's country-names file: name_<lang> and <lang>_<flag>.
NAME_COLUMN = re.compile(
    r"^(?:name_(?P<name>[a-z]{2,3})|(?P<lang>[a-z]{2,3})_(?P<flag>article|plural|feminine|elision))$"
)
_TRUE = frozenset({"1", "true", "yes", "y"})
_FALSE = frozenset({"0", "false", "no", "n"})


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
    """A dimension (empowerment, safety from the state, quality of life) and its rights.

    ``name`` is a heading; ``phrase`` sits in a sentence where a right's ``phrase`` would
    ("the right to work" / "empowerment"; French "l’autonomisation"); ``short`` is the bare
    noun ("scores 2.5/10 for empowerment"; French "2,5/10 en autonomisation").
    """

    key: str
    kind: Kind
    metric: str
    name: str
    rights: tuple[str, ...]
    phrase: str = ""
    short: str = ""


@dataclass(frozen=True, slots=True)
class Group:
    """A group experts may name as at risk: a label for lists, a phrase for sentences."""

    code: str
    label: str
    phrase: str


@dataclass(frozen=True, slots=True)
class CountryName:
    """A country's name in one language and how sentences use it.

    ``elision``: None lets the language decide from the first letter. ``forms`` holds
    phrases that follow no rule, by preposition (``(("en", "à Aruba"),)``). A name supplied
    by a release is English; ``translations`` holds what the release gives for other
    languages.
    """

    code: str
    name: str
    article: bool = False
    plural: bool = False
    feminine: bool = False
    elision: bool | None = None
    forms: tuple[tuple[str, str], ...] = ()
    translations: tuple[tuple[str, CountryName], ...] = ()

    def in_language(self, language: str) -> CountryName | None:
        """The release's own name for ``language``, if it gives one."""
        return next((n for lang, n in self.translations if lang == language), None)


@dataclass(frozen=True)
class CountryGrammar:
    """The codebook's facts about how country names behave in sentences."""

    article: frozenset[str] = frozenset()
    no_article: frozenset[str] = frozenset()
    article_default: bool = False
    plural: frozenset[str] = frozenset()
    feminine: frozenset[str] = frozenset()
    elision: frozenset[str] = frozenset()
    no_elision: frozenset[str] = frozenset()
    forms: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def takes_article(self, code: str) -> bool:
        """Whether the name of ``code`` is written with the definite article."""
        if code in self.article:
            return True
        return self.article_default and code not in self.no_article

    def elides(self, code: str) -> bool | None:
        """True/False when the codebook says so; None to decide from the first letter."""
        if code in self.elision:
            return True
        if code in self.no_elision:
            return False
        return None


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
    _grammar: CountryGrammar = field(repr=False, default_factory=CountryGrammar)

    def knows_country(self, code: str) -> bool:
        """Return whether the codebook (or the locale's territory names) names ``code``."""
        return code in self._names or _territory_name(self.locale, code) is not None

    def country(self, code: str, extra: Mapping[str, CountryName] | None = None) -> CountryName:
        """Return the name of ISO3 ``code`` in this language; ``extra``: names the release supplies.

        English uses the release's name first. Another language uses the release's name in
        that language if it gives one, else ours; a country we cannot name keeps the release's
        English name, with its English article and number (the best guess there is).
        """
        given = extra.get(code) if extra else None
        if given is not None:
            if self.language == "en":
                return given
            local = given.in_language(self.language)
            if local is not None:
                return local
            if not self.knows_country(code):
                return CountryName(code, given.name, given.article, given.plural)
        name = self._names.get(code) or _territory_name(self.locale, code) or code
        g = self._grammar
        return CountryName(
            code,
            name,
            article=g.takes_article(code),
            plural=code in g.plural,
            feminine=code in g.feminine,
            elision=g.elides(code),
            forms=tuple(sorted(g.forms.get(code, {}).items())),
        )


def _flag(value: object) -> bool | None:
    text = str(value).strip().lower() if value is not None else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def release_country_name(row: Mapping[str, Any]) -> CountryName:
    """One row of a release's ``country-names*.csv`` → its ``CountryName`` (English first).

    Columns: ``country_code``, ``name_en``, ``en_article``, ``en_plural`` and, for any other
    language, any of ``name_<lang>``, ``<lang>_article``, ``<lang>_plural``,
    ``<lang>_feminine``, ``<lang>_elision`` (1/0, true/false; empty: not given). A language
    with none of its columns filled is left to the codebook (or to the English name).
    """
    code = str(row["country_code"]).strip()
    per_language: dict[str, dict[str, Any]] = {}
    for column, value in row.items():
        match = NAME_COLUMN.match(str(column))
        if match is None or value is None or str(value).strip() in ("", "nan"):
            continue
        if match["name"]:
            per_language.setdefault(match["name"], {})["name"] = str(value).strip()
        else:
            per_language.setdefault(match["lang"], {})[match["flag"]] = _flag(value)
    english = per_language.pop("en", {})

    def build(values: Mapping[str, Any], fallback: str) -> CountryName:
        return CountryName(
            code,
            values.get("name") or fallback,
            article=bool(values.get("article")),
            plural=bool(values.get("plural")),
            feminine=bool(values.get("feminine")),
            elision=values.get("elision"),
        )

    base = build(english, code)
    translations = tuple(
        (lang, build(values, base.name)) for lang, values in sorted(per_language.items())
    )
    return replace(base, translations=translations)


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


def _codes(grammar: Mapping[str, Any], key: str) -> frozenset[str]:
    return frozenset(str(c) for c in grammar.get(key, []))


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
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ReportgenError(f"{path}: not valid TOML ({exc}).") from None
    dims_raw = _table(data, "dimensions", language)
    rights_raw = _table(data, "rights", language)
    dimensions: dict[str, Dimension] = {}
    rights: dict[str, Right] = {}
    try:
        for dkey, d in dims_raw.items():
            dimensions[dkey] = Dimension(
                dkey,
                d["kind"],
                d["metric"],
                d["name"],
                tuple(d["rights"]),
                d.get("phrase", d["name"]),
                d.get("short", d["name"]),
            )
            for rkey in d["rights"]:
                r = rights_raw[rkey]
                rights[rkey] = Right(
                    rkey,
                    r["metric"],
                    r["at_risk"],
                    r["name"],
                    r["phrase"],
                    r["short"],
                    dkey,
                    d["kind"],
                )
    except KeyError as exc:
        raise ReportgenError(
            f"{path}: a dimension or right lacks {exc} (see the English codebook)."
        ) from None
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
        _grammar=CountryGrammar(
            article=_codes(grammar, "article"),
            no_article=_codes(grammar, "no_article"),
            article_default=bool(grammar.get("article_default", False)),
            plural=_codes(grammar, "plural"),
            feminine=_codes(grammar, "feminine"),
            elision=_codes(grammar, "elision"),
            no_elision=_codes(grammar, "no_elision"),
            forms={str(k): dict(v) for k, v in countries.get("forms", {}).items()},
        ),
    )
