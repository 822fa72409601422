"""Phrase templates: per-language sentences, rendered sandboxed, into spans of text.

In:  a language (``reportgen/i18n/<lang>/phrases.toml``), a phrase key and named values.
Out: ``tuple[Span, ...]``: plain text with key figures marked ``strong``.

Templates are Jinja2, rendered in a ``SandboxedEnvironment`` with ``StrictUndefined``: data
never executes, and a missing value raises ``TemplateError`` naming the phrase and the
value. Everything a language does differently is data in its phrase file's ``[grammar]``
table (and, for country names, its codebook), so adding a language adds files, not code.

Numbers (through Babel, for the phrase file's ``locale``)
    ``score`` "2.5/10" · "2,5/10"; ``pct`` "86.5%" · "86,5 %" (the locale's percent pattern
    from CLDR, or ``[grammar] percent_pattern``); ``share`` (a proportion) "38%"; ``num``
    "12,345"; ``decimal`` / ``percent`` the shortest form ("3.5", "75 %"); ``score_plain`` and
    ``pct_plain`` without bold; ``ordinal`` from the CLDR ordinal category of the number
    (``[grammar.ordinal]``: ``one = "{n}st"`` … French ``one = "{n}er"``, ``other = "{n}e"``);
    ``words`` spells small numbers (``numbers``; ``words('f')`` uses ``numbers_feminine``).

Noun phrases in context: the ``[grammar.forms]`` table
    A country (``Country``, the value ``c`` of every template) or a noun phrase given as text
    ("le droit au travail") is put in context by *forms*: ``[grammar.forms.<form>]`` maps a
    *slot* to a pattern in which ``{}`` stands for the bare phrase. The slot says how the
    phrase starts:

    ====== ==========================================  =========================
    slot   phrase                                      French ``de`` form
    ====== ==========================================  =========================
    bare   no article                                  ``de {}`` (de Cuba)
    bare_v no article, elided first sound              ``d’{}`` (d’Haïti)
    m / f  article, singular, masculine / feminine     ``du {}`` / ``de la {}``
    v      article, singular, elided first sound       ``de l’{}`` (de l’Inde)
    mp/fp  article, plural, masculine / feminine       ``des {}``
    ====== ==========================================  =========================

    A slot a form leaves out falls back (``bare_v``→``bare``; ``v``→``f``/``m``;
    ``f``→``m``; ``fp``→``mp``→``m``), so English needs one line and Spanish no elision.
    The form ``name`` gives the article ("le Kazakhstan", "los Estados Unidos"); every other
    form is a filter of that name: French ``{{ c|de }}`` "du Kazakhstan", ``{{ c|a }}``
    "aux États-Unis", ``{{ c|en }}`` "en France" / "au Kazakhstan" / "à Cuba"; Portuguese
    ``{{ c|em }}`` "no Brasil", "na França", ``{{ c|por }}`` "pelos Estados Unidos".
    For a country the slot comes from the codebook's grammar (article, feminine, plural,
    elision; elision otherwise by ``[grammar] elide_initials``); for text it is read off the
    leading article of the ``name`` form ("la santé" → ``f``), so ``{{ right|de }}`` gives
    "du droit au travail" and ``{{ right|bare }}`` "droit au travail". The codebook's
    ``[countries.forms]`` may fix one country's phrase for one form ("à Aruba").

    ``name`` / ``Name`` (capitalised), ``bare``, ``names(conjunction='and', form=None,
    first_only=False)`` ("l’Arabie saoudite ou le Venezuela"; with a form, each item takes it:
    "de la France et du Kazakhstan", or only the first: "qu’Israël ou le Venezuela"), and the
    English ``possessive`` ("Kazakhstan’s", only where the phrase file defines ``possessive``).
    Lists join with ``list_and`` / ``list_or``, which may depend on the next word (Spanish
    "España e Italia", "Venezuela u Omán"), and ``list_and_nested`` when an item contains the
    conjunction itself ("…, ainsi que …"; English adds a serial comma instead).

Agreement
    ``c.feminine``, ``c.plural``, ``c.article`` are there for conditions; ``verb(sg, pl)``
    picks by number (a country, a count or a list: ``{{ c|verb('obtient', 'obtiennent') }}``,
    also for pronouns, ``{{ c|verb('ses', 'leurs') }}``); ``agree(m, f, mp, fp)`` by gender
    and number, the plurals defaulting to ``m``/``f`` + "s"
    (``{{ c|agree('classé', 'classée') }}``).

Typography
    ``quote`` wraps in the language's ``quotes`` ("‘bad’", "« mauvais »"); ``cap``
    capitalises; ``[grammar] no_break`` lists replacements made on the rendered sentence
    (French: a no-break space before ":" and a narrow one before ";", "!", "?", "»").

Figures are marked with two private-use characters that cannot come from data (they are
removed from every value before rendering) and split into spans afterwards.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sized
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from babel.numbers import NumberPattern, format_decimal, get_decimal_symbol, parse_pattern
from jinja2.sandbox import SandboxedEnvironment

from reportgen.codebook import CountryName
from reportgen.errors import TemplateError
from reportgen.model import Span
from reportgen.resources import i18n_dir
from reportgen.rules import CPR_BANDS, ESR_BANDS, printed_share, round_half_away, score_places

EM_OPEN, EM_CLOSE = "\ue000", "\ue001"
_MARKS = re.compile(f"[{EM_OPEN}{EM_CLOSE}]")
_SPACES = re.compile(r"[ \t]+")

SLOTS = ("bare", "bare_v", "m", "f", "v", "mp", "fp")
_FALLBACK = {
    "bare": ("bare",),
    "bare_v": ("bare_v", "bare"),
    "m": ("m",),
    "f": ("f", "m"),
    "v_m": ("v", "m"),
    "v_f": ("v", "f", "m"),
    "mp": ("mp", "m"),
    "fp": ("fp", "mp", "f", "m"),
}
# Filter names the phrase book provides itself; a form may not take one of them.
_RESERVED = frozenset(
    [
        "score",
        "score_plain",
        "pct",
        "pct_plain",
        "pct_number",
        "share",
        "num",
        "decimal",
        "percent",
        "name",
        "Name",
        "bare",
        "possessive",
        "names",
        "verb",
        "agree",
        "quote",
        "cap",
        "ordinal",
        "words",
    ]
)


def clean(text: str) -> str:
    """Remove the emphasis marks from a value that comes from data."""
    return _MARKS.sub("", text)


@dataclass(frozen=True, slots=True)
class Country:
    """A country name as templates see it: ``{{ c|name }}``, ``{{ c|de }}``, ``{{ c.plural }}`` …"""

    code: str
    bare: str
    article: bool
    plural: bool
    feminine: bool = False
    elision: bool | None = None  # None: from the first letter (``[grammar] elide_initials``)
    forms: tuple[tuple[str, str], ...] = ()  # fixed phrases by form: (("en", "à Aruba"),)

    @classmethod
    def of(cls, name: CountryName) -> Country:
        """Wrap a codebook name."""
        return cls(
            name.code,
            clean(name.name),
            name.article,
            name.plural,
            name.feminine,
            name.elision,
            tuple((form, clean(text)) for form, text in name.forms),
        )


def _strong(text: str) -> str:
    return f"{EM_OPEN}{text}{EM_CLOSE}"


def _count(value: Any) -> int:
    """How many a ``verb`` subject is: a country by its grammar, a number, or a list's length."""
    if isinstance(value, Country):
        return 2 if value.plural else 1
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, Sized):
        return len(value)
    raise TypeError(f"verb() needs a country, a number or a list, not {type(value).__name__}")


class Phrases:
    """The phrase book of one language."""

    def __init__(
        self, language: str, locale: str, table: Mapping[str, Any], grammar: Mapping[str, Any]
    ):
        self.language = language
        self.locale = locale
        self._templates: dict[str, jinja2.Template] = {}
        self._fixed_spans: dict[tuple[str, bool], tuple[Span, ...]] = {}
        self._source = _flatten(table)
        self._grammar = grammar
        self._forms = _forms(grammar, language)
        self._articles = _articles(self._forms.get("name", {}))
        self._elide_initials = str(grammar.get("elide_initials", ""))
        self._no_break = [(str(a), str(b)) for a, b in grammar.get("no_break", [])]
        self._percent_pattern = parse_pattern(
            str(
                grammar.get("percent_pattern") or Locale.parse(locale).percent_formats[None].pattern
            )
        )
        self._ordinal_form = Locale.parse(locale).ordinal_form
        env = SandboxedEnvironment(
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        env.filters.update(
            score=self._score,
            score_plain=self._score_number,
            pct=lambda v: _strong(self.format_pct(v)),
            pct_plain=self.format_pct,
            pct_number=self._pct_number,
            share=self._share,
            num=lambda v: self._number(v, "#,##0"),
            decimal=lambda v: self._number(v, "#,##0.##"),
            percent=lambda v: self._percent(v, 0, 2),
            name=self._name,
            Name=lambda c: _capitalise(self._name(c)),
            bare=self._bare,
            possessive=self._possessive,
            names=self._names,
            verb=lambda c, singular, plural: singular if _count(c) == 1 else plural,
            agree=self._agree,
            quote=self.quote,
            cap=_capitalise,
            ordinal=self._ordinal,
            words=self._words,
        )
        for form in self._forms:
            if form != "name":
                env.filters[form] = self._form_filter(form)
        self._env = env

    # -- numbers ---------------------------------------------------------------------------
    def _number(self, value: float, pattern: str) -> str:
        places = len(pattern.partition(".")[2])  # "#,##0.##": at most two, half away from zero
        return str(
            format_decimal(round_half_away(value, places), format=pattern, locale=self.locale)
        )

    def _fixed(self, value: float, places: int) -> str:
        """``value`` with exactly ``places`` decimals, rounded half away from zero."""
        pattern = "0." + "0" * places if places else "0"
        return str(
            format_decimal(round_half_away(value, places), format=pattern, locale=self.locale)
        )

    def _score_number(self, value: float) -> str:
        """A 0–10 score without its suffix: one decimal, more where one would cross a band."""
        return self._fixed(value, score_places(value, CPR_BANDS))

    def _pct_number(self, value: float) -> str:
        """A quality of life score without its sign ("94,97"): band-safe decimals (tables)."""
        return self._fixed(value, score_places(value, ESR_BANDS))

    def _percent(self, value: float, least: int, most: int) -> str:
        """``value`` (0–100) in the locale's percent pattern with ``least``–``most`` decimals,
        rounded half away from zero."""
        p = self._percent_pattern
        pattern = NumberPattern(
            p.pattern,
            p.prefix,
            p.suffix,
            p.grouping,
            p.int_prec,
            (least, most),
            p.exp_prec,
            p.exp_plus,
            p.number_pattern,
        )
        # Exact decimal arithmetic: the pattern multiplies by 100 again, so 86.45 stays 86.45;
        # rounded here, half away from zero, so the pattern has nothing left to round.
        return str(pattern.apply(round_half_away(value, most).scaleb(-2), self.locale))

    def _score(self, value: float) -> str:
        return _strong(self._score_number(value) + self._grammar.get("score_suffix", "/10"))

    def _share(self, value: float) -> str:
        return _strong(self._percent(float(printed_share(value)), 0, 0))

    def _ordinal(self, value: int) -> str:
        rule = self._grammar.get("ordinal", {})
        if isinstance(rule, str):  # one suffix for every number
            return f"{value}{rule}"
        category = self._ordinal_form(value)
        pattern = rule.get(category, rule.get("other", "{n}"))
        return str(pattern).replace("{n}", str(value))

    def _words(self, value: int, gender: str = "m") -> str:
        """Small whole numbers in words ("three"; ``'f'``: feminine), larger ones in digits."""
        words = self._grammar.get("numbers", [])
        if gender == "f":
            words = self._grammar.get("numbers_feminine", words)
        return str(words[value]) if 0 <= value < len(words) else self._number(value, "#,##0")

    # -- noun phrases in context -----------------------------------------------------------
    def _slot(self, value: Country | str) -> tuple[str, str]:
        """The slot of a country or a phrase, and the phrase without its article."""
        if isinstance(value, Country):
            elided = (
                value.elision
                if value.elision is not None
                else value.bare[:1] in self._elide_initials and value.bare[:1] != ""
            )
            if not value.article:
                return ("bare_v" if elided else "bare"), value.bare
            if value.plural:
                return ("fp" if value.feminine else "mp"), value.bare
            if elided:
                return ("v_f" if value.feminine else "v_m"), value.bare
            return ("f" if value.feminine else "m"), value.bare
        for prefix, slot in self._articles:
            if value.startswith(prefix) and len(value) > len(prefix):
                return slot, value[len(prefix) :]
        elided = value[:1] != "" and value[:1] in self._elide_initials
        return ("bare_v" if elided else "bare"), value

    def _form(self, form: str, value: Country | str) -> str:
        if isinstance(value, Country):
            fixed = dict(value.forms).get(form)
            if fixed is not None:
                return fixed
        slot, bare = self._slot(value)
        patterns = self._forms.get(form, {})
        for candidate in _FALLBACK[slot]:
            if candidate in patterns:
                return patterns[candidate].replace("{}", bare)
        if form == "name":
            return bare
        raise TemplateError(
            f"[grammar.forms.{form}] of reportgen/i18n/{self.language}/phrases.toml has no "
            f"pattern for '{bare}' (slot {slot.removeprefix('v_')}). Add one."
        )

    def form(self, form: str, value: Country | str) -> str:
        """``value`` in ``form`` ("name", or a preposition of ``[grammar.forms]``): French
        ``form("de", kazakhstan)`` → "du Kazakhstan"; ``form("name", "la santé")`` is unchanged."""
        if form not in self._forms and form != "name":
            raise TemplateError(f"No form '{form}' in [grammar.forms] ({self.language}).")
        if form == "name":
            return self._name(value)
        return self._form(form, value)

    def forms(self) -> set[str]:
        """The forms this language defines (``name`` and its prepositions)."""
        return set(self._forms) | {"name"}

    def _form_filter(self, form: str) -> Callable[[Any], str]:
        def apply(value: Any) -> str:
            return self._form(form, value if isinstance(value, Country) else str(value))

        return apply

    def _name(self, value: Country | str) -> str:
        return self._form("name", value) if isinstance(value, Country) else str(value)

    def _bare(self, value: Country | str) -> str:
        return value.bare if isinstance(value, Country) else self._slot(str(value))[1]

    def _possessive(self, country: Country) -> str:
        if "possessive" not in self._grammar:
            raise TemplateError(
                f"The possessive filter is English; the {self.language} phrase file has no "
                "[grammar] possessive. Write the phrase with a form instead ({{ c|de }})."
            )
        name = self._name(country)
        plural_words = self._grammar.get("possessive_plural_words", [])
        last_word = name.rsplit(" ", 1)[-1]
        if name.endswith("s") and (country.plural or last_word in plural_words):
            # "the Lantern Cays’", "the United States’", "Saint Vincent and the Grenadines’"
            return name + str(self._grammar.get("possessive_plural", "'"))
        return name + str(self._grammar["possessive"])

    def _names(
        self,
        items: Iterable[Any],
        conjunction: str = "and",
        form: str | None = None,
        first_only: bool = False,
    ) -> str:
        """ "A, B and C": countries by their ``name`` form, or each item in ``form`` (only the
        first with ``first_only``: French "qu’Israël ou le Venezuela")."""
        if form is not None and form not in self._forms:
            raise TemplateError(f"names(): no form '{form}' in [grammar.forms] ({self.language}).")
        words: list[str] = []
        for i, item in enumerate(items):
            value = item if isinstance(item, Country) else str(item)
            if form is not None and (i == 0 or not first_only):
                words.append(self._form(form, value))
            else:
                words.append(self._name(value))
        if len(words) <= 1:
            return "".join(words)
        joiner = self._conjunction(conjunction, words[-1])
        if any(joiner in w for w in words):
            # "children, and detainees and people accused of crimes": keep the items apart, with
            # a comma or, where the language has one, another joiner ("…, ainsi que …")
            nested = self._grammar.get(f"list_{conjunction}_nested")
            if nested is not None:
                joiner = str(nested)
            elif self._grammar.get("serial_comma", True):
                joiner = "," + joiner
        return ", ".join(words[:-1]) + joiner + words[-1]

    def _conjunction(self, conjunction: str, following: str) -> str:
        """`` and `` / `` or `` in this language, as the next word needs it (Spanish "e Italia",
        "u Omán"): ``list_and = { default = " y ", before = { " e " = ["i", "hi"] } }``;
        ``list_and_nested`` joins items that contain the conjunction themselves."""
        rule = self._grammar.get(f"list_{conjunction}", f" {conjunction} ")
        if isinstance(rule, str):
            return rule
        start = following.lower()
        for joiner, prefixes in rule.get("before", {}).items():
            if any(start.startswith(p) for p in prefixes):
                return str(joiner)
        return str(rule.get("default", f" {conjunction} "))

    @staticmethod
    def _agree(
        country: Country, m: str, f: str, mp: str | None = None, fp: str | None = None
    ) -> str:
        if country.plural:
            return (fp or f + "s") if country.feminine else (mp or m + "s")
        return f if country.feminine else m

    def quote(self, text: str) -> str:
        """``text`` in the language's quotation marks."""
        left, right = self._grammar.get("quotes", ["‘", "’"])
        return f"{left}{text}{right}"

    def release_title(self, title: str, year: int, given: bool = True) -> str:
        """The release as sentences name it: its own ``title``, or, when the release did not
        give one, phrase ``meta.release`` ("HRMI 2020 release", "l’édition 2020 des données HRMI").
        """
        return title if given else self.text("meta.release", year=year)

    # -- plain formats (tables, key figures, chart labels) ----------------------------------
    def format_score(self, value: float) -> str:
        """``2.5/10`` in the language's number format."""
        return clean(self._score(value))

    def format_score_number(self, value: float) -> str:
        """``2.5`` (a 0–10 score without "/10") in the language's number format, band-safe."""
        return clean(self._score_number(value))

    def format_pct(self, value: float) -> str:
        """``86.5%`` (a quality of life score given 0–100) in the language's format: one
        decimal, more where one would cross a band boundary (``94.96%`` is 'fair')."""
        places = score_places(value, ESR_BANDS)
        return self._percent(value, places, places)

    def format_share(self, value: float) -> str:
        """``38%`` (a proportion given 0–1) in the language's format."""
        return clean(self._share(value))

    @property
    def decimal_symbol(self) -> str:
        """The locale's decimal separator ("." or ","), for chart code that formats numbers."""
        return str(get_decimal_symbol(self.locale))

    @property
    def percent_template(self) -> str:
        """Where a number goes in a percentage: "{}%", French "{}\u202f%"."""
        return self._percent(0, 0, 0).replace("0", "{}", 1)

    def format_number(self, value: float, decimals: int = 1) -> str:
        """A plain number with ``decimals`` places ("2,5"), for chart labels and ticks."""
        return self._fixed(value, decimals)

    # -- rendering -------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        """Whether the phrase book defines ``key``."""
        return key in self._source

    def keys(self) -> set[str]:
        """Every phrase key (for completeness checks between languages)."""
        return set(self._source)

    def source(self, key: str) -> str:
        """The template text of ``key`` (for checks between languages)."""
        return self._source[key]

    def text(self, key: str, **values: Any) -> str:
        """Render ``key`` to plain text (figures unmarked)."""
        return "".join(s.text for s in self.render(key, sentence=False, **values))

    def render(self, key: str, sentence: bool = True, **values: Any) -> tuple[Span, ...]:
        """Render the phrase ``key`` with ``values``; raise ``TemplateError`` naming what is wrong.

        ``sentence``: capitalise the first letter ("the Lantern Cays’ score" → "The …").
        """
        fixed = self._fixed_spans.get((key, sentence))
        if fixed is not None:
            return fixed
        source = self._source.get(key)
        if source is not None and "{" not in source:
            # No template syntax: what Jinja renders is the text itself (its line ends made
            # "\n", the last one dropped), the same for any values; made once.
            raw = source.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
            fixed = self._finish(raw, sentence)
            self._fixed_spans[(key, sentence)] = fixed
            return fixed
        template = self._template(key)
        safe = {k: _clean_value(v) for k, v in values.items()}
        try:
            raw = template.render(**safe)
        except jinja2.UndefinedError as exc:
            raise TemplateError(
                f"Phrase '{key}' ({self.language}) uses a value that was not given: {exc.message}. "
                f"Given: {', '.join(sorted(values)) or 'nothing'}."
            ) from None
        except TemplateError as exc:
            raise TemplateError(f"Phrase '{key}' ({self.language}): {exc}") from None
        except (jinja2.TemplateError, TypeError) as exc:
            raise TemplateError(f"Phrase '{key}' ({self.language}) failed: {exc}.") from None
        return self._finish(raw, sentence)

    def _finish(self, raw: str, sentence: bool) -> tuple[Span, ...]:
        """A rendered phrase as spans: one line, single spaces, the language's no-break
        spaces, the first letter capitalised for a ``sentence``, figures marked strong."""
        text = _SPACES.sub(" ", raw.replace("\n", " ")).strip()
        for plain, no_break in self._no_break:
            text = text.replace(plain, no_break)
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


def _forms(grammar: Mapping[str, Any], language: str) -> dict[str, dict[str, str]]:
    """``[grammar.forms]`` checked: known slots, one ``{}`` each, names free for filters."""
    raw = grammar.get("forms", {})
    if not raw and "article" in grammar:  # a phrase file of the first version: one article
        raw = {"name": {"m": f"{grammar['article']} {{}}"}}
    where = f"reportgen/i18n/{language}/phrases.toml [grammar.forms]"
    forms: dict[str, dict[str, str]] = {}
    for form, patterns in raw.items():
        if not str(form).isidentifier() or (form in _RESERVED and form != "name"):
            raise TemplateError(f"{where}: '{form}' cannot be a form name (it must be a new word).")
        if not isinstance(patterns, Mapping):
            raise TemplateError(f"{where}: '{form}' must be a table of slot = pattern.")
        for slot, pattern in patterns.items():
            if slot not in SLOTS or str(pattern).count("{}") != 1:
                raise TemplateError(
                    f"{where}: {form}.{slot} = {pattern!r}: slots are {', '.join(SLOTS)}, "
                    "and each pattern has one {} for the phrase."
                )
        forms[str(form)] = {str(s): str(p) for s, p in patterns.items()}
    return forms


def _articles(name_forms: Mapping[str, str]) -> list[tuple[str, str]]:
    """(leading article, slot) of the ``name`` form, longest first: ("les ", "mp"), ("l’", "v_m")."""
    found: dict[str, str] = {}
    for slot in ("mp", "fp", "v", "m", "f"):
        pattern = name_forms.get(slot)
        if pattern and pattern.endswith("{}") and pattern != "{}":
            found.setdefault(pattern[:-2], "v_m" if slot == "v" else slot)
    return sorted(found.items(), key=lambda item: -len(item[0]))


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


def available_languages() -> list[str]:
    """Every language with a phrase file and a codebook, English first."""
    found = sorted(
        p.name
        for p in i18n_dir().iterdir()
        if (p / "phrases.toml").is_file() and (p / "codebook.toml").is_file()
    )
    return sorted(found, key=lambda lang: (lang != "en", lang))


def load_phrases(language: str = "en", overrides: Path | None = None) -> Phrases:
    """Load the phrase book of ``language``; raise ``TemplateError`` when it is missing.

    ``overrides``: an organisation's file of phrases for this language (a project's
    ``[phrases]``), the same keys as the phrase book's; each replaces the book's phrase. A key
    the book does not have is a ``TemplateError`` naming the nearest one, as is a template
    that does not render with the values the book's phrase is given (tried when used).
    """
    stamp = overrides.stat().st_mtime_ns if overrides is not None else 0
    return _load_phrases(language, overrides, stamp)


@cache
def _load_phrases(language: str, overrides: Path | None, stamp: int) -> Phrases:
    path = i18n_dir() / language / "phrases.toml"
    if not path.exists():
        raise TemplateError(
            f"No phrase file for language '{language}' ({path}). "
            f"Available: {', '.join(available_languages())}."
        )
    data = read_toml(path)
    grammar = data.pop("grammar", {})
    locale = str(data.pop("locale", language))
    if overrides is not None:
        book = _flatten(data)
        own = read_toml(overrides)
        for key in ("grammar", "locale"):
            if key in own:
                raise TemplateError(
                    f"{overrides}: '{key}' is the language's own, not a phrase: remove it."
                )
        for key, value in _flatten(own).items():
            if key not in book:
                near = difflib.get_close_matches(key, list(book), n=1, cutoff=0.6)
                hint = f" Did you mean '{near[0]}'?" if near else ""
                raise TemplateError(
                    f"{overrides}: '{key}' is no phrase of the {language} phrase book.{hint} "
                    f"Its keys are those of {path}."
                )
            try:
                jinja2.Environment().parse(value)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(
                    f"{overrides}: '{key}' is not a valid template ({exc})."
                ) from None
            book[key] = value
        data = book
    return Phrases(language, locale, data, grammar)


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's table; ``TemplateError`` naming the file when it cannot be read."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path}: not valid TOML ({exc}).") from None
    except OSError as exc:
        raise TemplateError(f"{path}: cannot be read ({exc.strerror}).") from None
