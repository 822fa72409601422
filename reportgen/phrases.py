"""Phrase templates: per-language sentences, rendered sandboxed, into spans of text.

In:  a language (``reportgen/i18n/<lang>/phrases.toml``), a phrase key and named values.
Out: ``tuple[Span, ...]``: plain text with key figures marked ``strong``.

Templates are Jinja2, rendered in a ``SandboxedEnvironment`` with ``StrictUndefined``: data
never executes, and a missing value raises ``TemplateError`` naming the phrase and the
value. Filters give our number formats (``score`` → "2.5/10", ``pct`` → "86.5%",
``share`` → "38%", through Babel for the language's locale) and country-name grammar
(``name`` → "the United States", ``Name`` at a sentence start, ``possessive`` →
"Kazakhstan's", ``names`` → "Saudi Arabia or Venezuela").

Figures are marked with two private-use characters that cannot come from data (they are
removed from every value before rendering) and split into spans afterwards.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from babel.numbers import format_decimal
from jinja2.sandbox import SandboxedEnvironment

from reportgen.codebook import CountryName
from reportgen.errors import TemplateError
from reportgen.model import Span
from reportgen.resources import i18n_dir

EM_OPEN, EM_CLOSE = "\ue000", "\ue001"
_MARKS = re.compile(f"[{EM_OPEN}{EM_CLOSE}]")
_SPACES = re.compile(r"[ \t]+")


def clean(text: str) -> str:
    """Remove the emphasis marks from a value that comes from data."""
    return _MARKS.sub("", text)


@dataclass(frozen=True, slots=True)
class Country:
    """A country name as templates see it: ``{{ c|name }}``, ``{{ c.plural }}`` …"""

    code: str
    bare: str
    article: bool
    plural: bool
    feminine: bool = False

    @classmethod
    def of(cls, name: CountryName) -> Country:
        """Wrap a codebook name."""
        return cls(name.code, clean(name.name), name.article, name.plural)


def _strong(text: str) -> str:
    return f"{EM_OPEN}{text}{EM_CLOSE}"


class Phrases:
    """The phrase book of one language."""

    def __init__(
        self, language: str, locale: str, table: Mapping[str, Any], grammar: Mapping[str, Any]
    ):
        self.language = language
        self.locale = locale
        self._templates: dict[str, jinja2.Template] = {}
        self._source = _flatten(table)
        self._grammar = grammar
        env = SandboxedEnvironment(
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        env.filters.update(
            score=self._score,
            score_plain=lambda v: self._number(v, "0.0"),
            pct=self._pct,
            pct_plain=lambda v: self._number(v, "0.0") + self._grammar.get("percent_suffix", "%"),
            share=self._share,
            num=lambda v: self._number(v, "#,##0"),
            name=self._name,
            Name=lambda c: _capitalise(self._name(c)),
            possessive=self._possessive,
            names=self._names,
            verb=lambda c, singular, plural: plural if c.plural else singular,
            cap=_capitalise,
            ordinal=self._ordinal,
            words=self._words,
        )
        self._env = env

    # -- filters ---------------------------------------------------------------------------
    def _number(self, value: float, pattern: str) -> str:
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def _score(self, value: float) -> str:
        return _strong(self._number(value, "0.0") + self._grammar.get("score_suffix", "/10"))

    def _pct(self, value: float) -> str:
        return _strong(self._number(value, "0.0") + self._grammar.get("percent_suffix", "%"))

    def _share(self, value: float) -> str:
        return _strong(
            self._number(round(value * 100), "0") + self._grammar.get("percent_suffix", "%")
        )

    def _ordinal(self, value: int) -> str:
        rule = self._grammar.get("ordinal", ".")
        if rule != "english":
            return f"{value}{rule}"
        if 10 <= value % 100 <= 20:
            return f"{value}th"
        return f"{value}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(value % 10, 'th') }"

    def _name(self, country: Country) -> str:
        article = self._grammar.get("article", "the")
        return f"{article} {country.bare}" if country.article else country.bare

    def _possessive(self, country: Country) -> str:
        name = self._name(country)
        if name.endswith("s") and country.plural:
            return name + str(self._grammar.get("possessive_plural", "'"))
        return name + str(self._grammar.get("possessive", "'s"))

    def _names(self, items: Iterable[Any], conjunction: str = "and") -> str:
        words = [self._name(i) if isinstance(i, Country) else str(i) for i in items]
        joiner = str(self._grammar.get(f"list_{conjunction}", f" {conjunction} "))
        if len(words) <= 1:
            return "".join(words)
        if any(joiner in w for w in words):
            # "children, and detainees and people accused of crimes": a comma keeps items apart
            joiner = "," + joiner
        return ", ".join(words[:-1]) + joiner + words[-1]

    def _words(self, value: int) -> str:
        """Small whole numbers in words ("three"), larger ones in digits."""
        words = self._grammar.get("numbers", [])
        return str(words[value]) if 0 <= value < len(words) else self._number(value, "#,##0")

    # -- plain formats (tables, key figures, chart labels) ----------------------------------
    def format_score(self, value: float) -> str:
        """``2.5/10`` in the language's number format."""
        return clean(self._score(value))

    def format_pct(self, value: float) -> str:
        """``86.5%`` (a percentage given 0–100) in the language's format."""
        return clean(self._pct(value))

    def format_share(self, value: float) -> str:
        """``38%`` (a proportion given 0–1) in the language's format."""
        return clean(self._share(value))

    # -- rendering -------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        """Whether the phrase book defines ``key``."""
        return key in self._source

    def keys(self) -> set[str]:
        """Every phrase key (for completeness checks between languages)."""
        return set(self._source)

    def text(self, key: str, **values: Any) -> str:
        """Render ``key`` to plain text (figures unmarked)."""
        return "".join(s.text for s in self.render(key, sentence=False, **values))

    def render(self, key: str, sentence: bool = True, **values: Any) -> tuple[Span, ...]:
        """Render the phrase ``key`` with ``values``; raise ``TemplateError`` naming what is wrong.

        ``sentence``: capitalise the first letter ("the Lantern Cays’ score" → "The …").
        """
        template = self._template(key)
        safe = {k: _clean_value(v) for k, v in values.items()}
        try:
            raw = template.render(**safe)
        except jinja2.UndefinedError as exc:
            raise TemplateError(
                f"Phrase '{key}' ({self.language}) uses a value that was not given: {exc.message}. "
                f"Given: {', '.join(sorted(values)) or 'nothing'}."
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"Phrase '{key}' ({self.language}) failed: {exc}.") from None
        text = _SPACES.sub(" ", raw.replace("\n", " ")).strip()
        return _spans(_capitalise(text) if sentence else text)

    def _template(self, key: str) -> jinja2.Template:
        template = self._templates.get(key)
        if template is None:
            source = self._source.get(key)
            if source is None:
                raise TemplateError(
                    f"Phrase '{key}' is missing from reportgen/i18n/{self.language}/phrases.toml. "
                    "Add it (see the English phrase file)."
                )
            try:
                template = self._env.from_string(source)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(
                    f"Phrase '{key}' ({self.language}) has a template error at line {exc.lineno}: "
                    f"{exc.message}."
                ) from None
            self._templates[key] = template
        return template


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list | tuple):
        return type(value)(_clean_value(v) for v in value)
    return value


def _spans(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    for part in re.split(f"({EM_OPEN}[^{EM_CLOSE}]*{EM_CLOSE})", text):
        if not part:
            continue
        if part.startswith(EM_OPEN):
            spans.append(Span(part[1:-1], strong=True))
        else:
            spans.append(Span(part))
    return tuple(spans)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


@cache
def load_phrases(language: str = "en") -> Phrases:
    """Load the phrase book of ``language``; raise ``TemplateError`` when it is missing."""
    path = i18n_dir() / language / "phrases.toml"
    if not path.exists():
        raise TemplateError(f"No phrase file for language '{language}' ({path}).")
    with path.open("rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise TemplateError(f"{path}: not valid TOML ({exc}).") from None
    grammar = data.pop("grammar", {})
    return Phrases(language, str(data.pop("locale", language)), data, grammar)
