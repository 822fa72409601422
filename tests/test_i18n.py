"""Reports in every language: complete phrase books and codebooks, grammar, number formats,
golden text, every country of the release, and no English left in a translated report.

Refresh the snapshots after an intended change of wording:

    REPORTGEN_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_i18n.py

then read the diff (``git diff tests/snapshots``) before committing it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from jinja2 import meta

from reportgen.codebook import CountryName, load_codebook, release_country_name
from reportgen.errors import NoDataError
from reportgen.facts import CountryFacts, compute_facts
from reportgen.load import Dataset
from reportgen.model import Chart, Report
from reportgen.narrative import build_report
from reportgen.phrases import Country, available_languages, load_phrases
from reportgen.resources import i18n_dir
from reportgen.style import Style
from reportgen.textrender import render_text
from tests.snapshot import check_text_snapshots
from tests.test_narrative import country_facts

LANGUAGES = available_languages()
OTHERS = [lang for lang in LANGUAGES if lang != "en"]
METADATA_LANGUAGE = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES", "pt": "pt-PT"}


NNBSP = "\u202f"  # narrow no-break space: French "86,5 %"


def _toml(lang: str, name: str) -> dict[str, Any]:
    with (i18n_dir() / lang / name).open("rb") as fh:
        return tomllib.load(fh)


def _flat(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


# --- every language has every key ----------------------------------------------------------


def test_english_and_three_more_languages_are_shipped() -> None:
    assert {"en", "fr", "es", "pt"} <= set(LANGUAGES)


# A variant ``<key>_2``, ``<key>_3`` … of a phrase ``<key>`` rewords one sentence the report says
# of several rights; the narrative takes the variants in turn (``Context.variant``). How many
# wordings read well is a matter of each language, so variants are outside the rule that every
# language has the same keys: any language may have its own, as long as the base key exists.
_VARIANT = re.compile(r"^(?P<base>.+)_(?P<n>[2-9]|[1-9][0-9]+)$")


def _phrase_keys(lang: str) -> set[str]:
    return set(_flat({k: v for k, v in _toml(lang, "phrases.toml").items() if k != "grammar"}))


def _base(key: str, keys: set[str]) -> str | None:
    """The phrase ``key`` is a variant of (``right.score`` for ``right.score_2``), or None."""
    m = _VARIANT.match(key)
    return m["base"] if m is not None and m["base"] in keys else None


def _without_variants(keys: set[str]) -> set[str]:
    return {k for k in keys if _base(k, keys) is None}


@pytest.mark.parametrize("lang", OTHERS)
def test_phrase_keys_match_english(lang: str) -> None:
    """Every phrase of the English book, no more: a missing translation fails here, by name.
    Variant keys (``<key>_N`` of an existing ``<key>``) are each language's own."""
    english = _without_variants(_phrase_keys("en"))
    other = _without_variants(_phrase_keys(lang))
    missing = sorted(english - other)
    extra = sorted(other - english)
    assert not missing, f"{lang}/phrases.toml lacks {missing}"
    assert not extra, f"{lang}/phrases.toml has keys English does not: {extra}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_variants_are_numbered_without_gaps(lang: str) -> None:
    """``Context.variant`` stops at the first missing number: a ``_4`` after no ``_3`` is dead."""
    keys = _phrase_keys(lang)
    for key in sorted(keys):
        base = _base(key, keys)
        if base is not None:
            n = int(key.rsplit("_", 1)[1])
            gaps = [f"{base}_{i}" for i in range(2, n) if f"{base}_{i}" not in keys]
            assert not gaps, f"{lang}: {key} follows no {gaps[0]}"


@pytest.mark.parametrize("lang", OTHERS)
def test_mail_templates_match_english(lang: str) -> None:
    """`distribute` writes to each recipient in their language: same keys, same values."""
    english, other = _toml("en", "mail.toml"), _toml(lang, "mail.toml")
    assert set(_flat(other)) == set(_flat(english))
    env = jinja2.Environment()
    env.filters.update(score=str, pct=str)  # distribute's own filters
    given = set()  # the values distribute gives: those the English templates use
    for key in ("subject", "body"):
        given |= set(meta.find_undeclared_variables(env.parse(english["mail"][key])))
    for key in ("subject", "body"):
        used = set(meta.find_undeclared_variables(env.parse(other["mail"][key])))
        assert used <= given, f"{lang} mail.{key} uses {sorted(used - given)}"


# Country names and their grammar are per language (CLDR gives most names); the rest of the
# codebook has the same shape in every language, and the same data codes.
_PER_LANGUAGE = ("countries.",)
_CODES = re.compile(r"(^|\.)(kind|metric|at_risk|rights)$|^language$|^locale$")


@pytest.mark.parametrize("lang", OTHERS)
def test_codebook_keys_match_english(lang: str) -> None:
    english = _flat(_toml("en", "codebook.toml"))
    other = _flat(_toml(lang, "codebook.toml"))
    shared_en = {k for k in english if not k.startswith(_PER_LANGUAGE)}
    shared_other = {k for k in other if not k.startswith(_PER_LANGUAGE)}
    assert sorted(shared_en - shared_other) == [], f"{lang}/codebook.toml lacks keys"
    assert sorted(shared_other - shared_en) == [], f"{lang}/codebook.toml has extra keys"
    for key in shared_en:
        if _CODES.search(key) and key not in ("language", "locale"):
            assert other[key] == english[key], f"{lang}: {key} is a data code, not a word"
    book = load_codebook(lang)
    assert book.language == lang and book.locale.startswith(lang)


def _variables(lang: str, key: str) -> set[str]:
    ph = load_phrases(lang)
    return set(meta.find_undeclared_variables(ph._env.parse(ph.source(key))))


@pytest.mark.parametrize("lang", OTHERS)
def test_translations_use_only_the_values_english_is_given(lang: str) -> None:
    """A template that names a value the narrative does not pass would fail only on its branch.
    A variant is given the values of its base phrase: what the English base or any of its
    English variants uses."""
    english = load_phrases("en")
    en_keys, keys = english.keys(), load_phrases(lang).keys()
    allowed_extra = {"c"}  # every phrase is rendered with the country
    for key in sorted(keys):
        base = _base(key, keys) or key
        family = [k for k in en_keys if k == base or _base(k, en_keys) == base]
        assert family, f"{lang} phrase {key} is not in the English phrase book"
        given = set().union(*(_variables("en", k) for k in family))
        unknown = _variables(lang, key) - given - allowed_extra
        assert not unknown, f"{lang} phrase {key} uses {sorted(unknown)}, never given"


# --- grammar -------------------------------------------------------------------------------


def _country(lang: str, code: str) -> Country:
    return Country.of(load_codebook(lang).country(code))


FORMS = [
    # French: article, elision, contraction, "en"/"au"/"aux"/"à"
    ("fr", "name", "KAZ", "le Kazakhstan"),
    ("fr", "name", "FRA", "la France"),
    ("fr", "name", "USA", "les États-Unis"),
    ("fr", "name", "UZB", "l’Ouzbékistan"),
    ("fr", "name", "IND", "l’Inde"),
    ("fr", "name", "CUB", "Cuba"),
    ("fr", "de", "KAZ", "du Kazakhstan"),
    ("fr", "de", "FRA", "de la France"),
    ("fr", "de", "USA", "des États-Unis"),
    ("fr", "de", "HTI", "d’Haïti"),
    ("fr", "de", "IND", "de l’Inde"),
    ("fr", "de", "HND", "du Honduras"),
    ("fr", "de", "YEM", "du Yémen"),
    ("fr", "a", "KAZ", "au Kazakhstan"),
    ("fr", "a", "USA", "aux États-Unis"),
    ("fr", "en", "KAZ", "au Kazakhstan"),
    ("fr", "en", "FRA", "en France"),
    ("fr", "en", "USA", "aux États-Unis"),
    ("fr", "en", "IRN", "en Iran"),
    ("fr", "en", "ISR", "en Israël"),
    ("fr", "en", "HTI", "en Haïti"),
    ("fr", "en", "CUB", "à Cuba"),
    ("fr", "en", "ABW", "à Aruba"),
    ("fr", "que", "ISR", "qu’Israël"),
    # Spanish
    ("es", "name", "GBR", "el Reino Unido"),
    ("es", "name", "USA", "los Estados Unidos"),
    ("es", "name", "KAZ", "Kazajistán"),
    ("es", "name", "SLV", "El Salvador"),
    ("es", "de", "GBR", "del Reino Unido"),
    ("es", "de", "SLV", "de El Salvador"),
    ("es", "a", "GBR", "al Reino Unido"),
    ("es", "en", "GBR", "en el Reino Unido"),
    ("es", "de", "SLB", "de las Islas Salomón"),
    # Portuguese
    ("pt", "name", "BRA", "o Brasil"),
    ("pt", "name", "USA", "os Estados Unidos"),
    ("pt", "name", "PRT", "Portugal"),
    ("pt", "de", "BRA", "do Brasil"),
    ("pt", "de", "FRA", "da França"),
    ("pt", "em", "BRA", "no Brasil"),
    ("pt", "em", "FRA", "na França"),
    ("pt", "em", "USA", "nos Estados Unidos"),
    ("pt", "em", "PHL", "nas Filipinas"),
    ("pt", "em", "PRT", "em Portugal"),
    ("pt", "a", "FRA", "à França"),
    ("pt", "por", "USA", "pelos Estados Unidos"),
    # English keeps its one article
    ("en", "name", "USA", "the United States"),
    ("en", "name", "KAZ", "Kazakhstan"),
]


@pytest.mark.parametrize(("lang", "form", "code", "expected"), FORMS)
def test_country_in_context(lang: str, form: str, code: str, expected: str) -> None:
    assert load_phrases(lang).form(form, _country(lang, code)) == expected


@pytest.mark.parametrize(
    ("lang", "form", "phrase", "expected"),
    [
        ("fr", "de", "le droit au travail", "du droit au travail"),
        ("fr", "de", "l’éducation", "de l’éducation"),
        ("fr", "a", "les exécutions extrajudiciaires", "aux exécutions extrajudiciaires"),
        ("fr", "de", "autonomisation", "d’autonomisation"),
        ("fr", "que", "un grand nombre", "qu’un grand nombre"),
        ("fr", "que", "les droits", "que les droits"),
        ("es", "a", "el derecho al trabajo", "al derecho al trabajo"),
        ("es", "de", "la salud", "de la salud"),
        ("pt", "em", "o direito à saúde", "no direito à saúde"),
        ("pt", "em", "a liberdade de reunião", "na liberdade de reunião"),
        ("pt", "a", "as pessoas", "às pessoas"),
        ("pt", "de", "os jornalistas", "dos jornalistas"),
    ],
)
def test_phrase_in_context(lang: str, form: str, phrase: str, expected: str) -> None:
    """Text with its article contracts too: the same forms serve rights and groups."""
    assert load_phrases(lang).form(form, phrase) == expected


def test_sentences_agree_with_the_country() -> None:
    fr = load_phrases("fr")
    kaz, usa, fra = (_country("fr", c) for c in ("KAZ", "USA", "FRA"))
    assert fr.text("dimension.all_poor", c=kaz, n=3).startswith("Le Kazakhstan doit")
    assert fr.text("dimension.all_poor", c=usa, n=3).startswith("Les États-Unis doivent")
    assert "la France est évaluée" in fr.text("qol.standard_hiy", c=fra)
    assert "les États-Unis sont évalués" in fr.text("qol.standard_hiy", c=usa)
    assert "dont ils disposent" in fr.text("qol.doing", c=usa, v=70.0, year=2017)
    es = load_phrases("es")
    assert es.text("dimension.all_poor", c=_country("es", "USA"), n=2).startswith(
        "Los Estados Unidos necesitan"
    )
    pt = load_phrases("pt")
    assert pt.text("dimension.all_poor", c=_country("pt", "BRA"), n=2) == (
        "O Brasil precisa de introduzir grandes melhorias nos dois direitos deste grupo."
    )


def test_lists_join_as_each_language_does() -> None:
    es = load_phrases("es")
    spain, italy, oman = (
        Country(c, n, False, False)
        for c, n in [("ESP", "España"), ("ITA", "Italia"), ("OMN", "Omán")]
    )
    assert es.form("name", spain) == "España"
    assert es._names([spain, italy]) == "España e Italia"
    assert es._names([spain, oman], "or") == "España u Omán"
    fr = load_phrases("fr")
    israel, saudi = _country("fr", "ISR"), _country("fr", "SAU")
    assert fr._names([israel, saudi], "or", "que", True) == "qu’Israël ou l’Arabie saoudite"
    assert fr._names([saudi, _country("fr", "KAZ")], "and", "de") == (
        "de l’Arabie saoudite et du Kazakhstan"
    )
    # items that contain "and" themselves: English adds a comma, French "ainsi que"
    assert fr._names(["b", "c"]) == "b et c"
    assert fr._names(["a et b", "c"]) == "a et b, ainsi que c"
    assert es._names(["a y b", "c"]) == "a y b, así como c"
    assert load_phrases("en")._names(["a and b", "c"]) == "a and b, and c"


def test_release_names_in_other_languages() -> None:
    """A release names its fictional countries per language (name_fr, fr_feminine …)."""
    row = {
        "country_code": "XBL",
        "name_en": "Republic of Vessaria",
        "en_article": "1",
        "en_plural": "0",
        "name_fr": "République de Vessaria",
        "fr_article": "1",
        "fr_feminine": "1",
        "es_article": "1",
        "es_feminine": "1",
        "pt_article": "",
    }
    name = release_country_name(row)
    assert (name.name, name.article, name.plural) == ("Republic of Vessaria", True, False)
    extra = {"XBL": name}
    fr = Country.of(load_codebook("fr").country("XBL", extra))
    assert load_phrases("fr").form("de", fr) == "de la République de Vessaria"
    es = Country.of(load_codebook("es").country("XBL", extra))
    assert load_phrases("es").form("de", es) == "de la Republic of Vessaria"
    # nothing given for Portuguese: the English name and its English article
    pt = Country.of(load_codebook("pt").country("XBL", extra))
    assert load_phrases("pt").form("de", pt) == "do Republic of Vessaria"
    assert load_codebook("en").country("XBL", extra) == name


def test_a_release_name_does_not_hide_our_translation() -> None:
    extra = {"KAZ": CountryName("KAZ", "Kazakhstan (release spelling)")}
    assert load_codebook("fr").country("KAZ", extra).name == "Kazakhstan"
    assert load_codebook("en").country("KAZ", extra).name == "Kazakhstan (release spelling)"


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "score", "pct", "share", "ordinals"),
    [
        ("en", "2.5/10", "86.5%", "38%", ["1st", "2nd", "3rd", "11th", "21st", "28th"]),
        ("fr", "2,5/10", f"86,5{NNBSP}%", f"38{NNBSP}%", ["1er", "2e", "3e", "11e", "21e", "28e"]),
        ("es", "2,5/10", "86,5%", "38%", ["1.º", "2.º", "3.º", "11.º", "21.º", "28.º"]),
        ("pt", "2,5/10", "86,5%", "38%", ["1.º", "2.º", "3.º", "11.º", "21.º", "28.º"]),
    ],
)
def test_number_formats(lang: str, score: str, pct: str, share: str, ordinals: list[str]) -> None:
    ph = load_phrases(lang)
    assert ph.format_score(2.5) == score
    assert ph.format_pct(86.5) == pct
    assert ph.format_share(0.38) == share
    assert [ph._ordinal(n) for n in (1, 2, 3, 11, 21, 28)] == ordinals


def test_percentages_round_as_the_charts_do() -> None:
    """Exact decimals, half away from zero as in every language: 86.45 is "86,5", 86.44 is
    "86,4", never a float artefact (86.45 is 86.4499999… as a binary float)."""
    assert load_phrases("fr").format_pct(86.45) == f"86,5{NNBSP}%"
    assert load_phrases("fr").format_pct(86.44) == f"86,4{NNBSP}%"
    assert load_phrases("en").format_share(5 / 8) == "63%"
    assert load_phrases("en").format_share(3 / 8) == "38%"
    assert load_phrases("en").format_share(0.125) == "13%"
    # the compendium's appendix cells: a quality of life score keeps its band's decimals
    assert load_phrases("en").text("compendium.value_pct", v=94.97) == "94.97"
    assert load_phrases("fr").text("compendium.value_pct", v=94.97) == "94,97"
    assert load_phrases("en").text("compendium.value", v=7.962) == "7.96"
    assert load_phrases("es").format_pct(86.55) == "86,6%"
    assert load_phrases("pt").format_pct(100) == "100,0%"


# --- no English left -------------------------------------------------------------------------

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")
# Words a reader meets in every language: names of things, not English sentences.
PROPER = {"hrmi", "serf", "lgbtqia", "reportgen", "csv", "pdf"}
COMMON_ENGLISH = ["the", "and", "which", "score", "experts", "country", "people", "rights"]


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _vocabulary(lang: str) -> set[str]:
    """Every word of a language's phrase book and codebook (templates without their code)."""
    phrases = {k: v for k, v in _toml(lang, "phrases.toml").items() if k != "grammar"}
    codebook = {k: v for k, v in _toml(lang, "codebook.toml").items() if k != "countries"}
    words: set[str] = set()
    for text in [*_strings(phrases), *_strings(codebook)]:
        words |= _words(JINJA.sub(" ", text))
        for code in JINJA.findall(text):  # words inside code: verb('figure', 'figurent')
            words |= _words(" ".join(a or b for a, b in QUOTED.findall(code)))
    return words


_ENGLISH_ONLY: dict[str, set[str]] = {}


def english_only(lang: str) -> set[str]:
    """English words that are not also words of ``lang``'s own phrase book ("experts" is French)."""
    if lang not in _ENGLISH_ONLY:
        english = {w for w in _vocabulary("en") if len(w) >= 3} | set(COMMON_ENGLISH)
        _ENGLISH_ONLY[lang] = english - _vocabulary(lang) - PROPER
    return _ENGLISH_ONLY[lang]


def english_words(text: str, lang: str) -> set[str]:
    """The English words in ``text`` (proper names already removed)."""
    return _words(text) & english_only(lang)


@pytest.mark.parametrize("lang", OTHERS)
def test_the_english_check_would_catch_any_untranslated_sentence(lang: str) -> None:
    """Every English phrase of three words or more is flagged if it reaches a report as is."""
    english = load_phrases("en")
    uncaught = [
        key
        for key in sorted(english.keys())
        if len(_words(JINJA.sub(" ", english.source(key)))) >= 3
        and not english_words(JINJA.sub(" ", english.source(key)), lang)
    ]
    assert not uncaught, uncaught


def _report_texts(report: Report) -> str:
    """Every word a reader sees: the text, the charts' words, the running head, the metadata."""
    page_label = report.page_label.format(page=1, pages=9)  # fields the layout fills
    parts = [render_text(report), report.running_head, page_label]
    if report.illustrative_mark:
        parts.append(report.illustrative_mark)
    m = report.metadata
    parts += [m.title, m.subject, *m.keywords]
    for chart in report.charts():
        texts = chart.spec.texts
        parts += [texts.title, texts.axis, texts.source]
        parts += [*texts.band_labels.values(), *texts.legend.values()]
    return "\n".join(parts)


def _without_proper_names(text: str, dataset: Dataset, lang: str) -> str:
    """Remove names that are no one's translation: countries, the publisher, files, commands."""
    book = load_codebook(lang)
    names = {book.country(c, dataset.names).name for c in dataset.country_codes()}
    names |= {n.name for n in dataset.names.values()}  # a fictional name as the release gives it
    names |= {dataset.info.publisher, dataset.info.title} | {p.name for p in dataset.info.files}
    text = re.sub(r"`[^`]*`", " ", text)  # commands
    text = text.replace("[Chart:", "[")  # the text renderer's own marker, not report text
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def _check_text(report: Report, dataset: Dataset, lang: str) -> None:
    text = _report_texts(report)
    found = RESIDUE.search(text)
    assert found is None, (
        f"{lang} {report.country}: residue {found.group()!r} near "
        f"{text[max(0, found.start() - 80) : found.end() + 80]!r}"
    )
    if lang != "en":
        left = english_words(_without_proper_names(text, dataset, lang), lang)
        assert not left, f"{lang} {report.country}: English words {sorted(left)}"


RESIDUE = re.compile(r"\bNone\b|\bnan\b|\{\{|\}\}|\{%|%\}|  |\ue000|\ue001| \.|\.\.|\[\[|\]\]")


def _build(dataset: Dataset, style: Style, code: str, lang: str) -> Report:
    return build_report(dataset, compute_facts(dataset, code, style), style, lang)


# --- Kazakhstan and the demo countries, in every language -------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_kazakhstan_in_every_language(hrmi: Dataset, style: Style, lang: str) -> None:
    report = _build(hrmi, style, "KAZ", lang)
    assert report.metadata.language == METADATA_LANGUAGE[lang]
    assert report.language == lang
    text = render_text(report)
    score, pct = {
        "en": ("2.5/10", "86.5%"),
        "fr": ("2,5/10", f"86,5{NNBSP}%"),
        "es": ("2,5/10", "86,5%"),
        "pt": ("2,5/10", "86,5%"),
    }[lang]
    assert score in text and pct in text
    if lang != "en":
        assert "2.5/10" not in text and "86.5%" not in text
    _check_text(report, hrmi, lang)


def test_kazakhstan_reads_naturally(hrmi: Dataset, style: Style) -> None:
    fr = render_text(_build(hrmi, style, "KAZ", "fr"))
    assert "Le Kazakhstan obtient un score très faible de 2,5/10 en autonomisation" in fr
    assert "les scores du Kazakhstan" in fr and "tout le monde au Kazakhstan" in fr
    assert "# Kazakhstan" in fr
    es = render_text(_build(hrmi, style, "KAZ", "es"))
    assert "Kazajistán obtiene una puntuación muy baja, de 2,5/10, en empoderamiento" in es
    pt = render_text(_build(hrmi, style, "KAZ", "pt"))
    assert "O Cazaquistão obtém uma pontuação muito baixa, de 2,5/10, em empoderamento" in pt
    assert "toda a população do Cazaquistão" in pt


@pytest.mark.parametrize("lang", OTHERS)
def test_every_demo_country_in_every_language(demo: Dataset, style: Style, lang: str) -> None:
    built = 0
    for code in demo.country_codes():
        facts = compute_facts(demo, code, style)
        if not facts.has_survey and facts.quality_of_life is None:
            continue
        _check_text(build_report(demo, facts, style, lang), demo, lang)
        built += 1
    assert built > 100


@pytest.mark.hrmi
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_real_country_in_every_language(hrmi: Dataset, style: Style, lang: str) -> None:
    built = 0
    for code in hrmi.country_codes():
        facts = compute_facts(hrmi, code, style)
        try:
            report = build_report(hrmi, facts, style, lang)
        except NoDataError:
            assert not facts.has_survey and facts.quality_of_life is None
            continue
        _check_text(report, hrmi, lang)
        assert report.metadata.language == METADATA_LANGUAGE[lang]
        built += 1
    assert built >= 190


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=country_facts())
@pytest.mark.parametrize("lang", OTHERS)
def test_any_facts_give_clean_text_in_every_language(
    demo: Dataset, style: Style, lang: str, facts: CountryFacts
) -> None:
    """Every branch of every phrase book renders: rare sentences fail here, not in a report."""
    if not facts.has_survey and facts.quality_of_life is None:
        with pytest.raises(NoDataError):
            build_report(demo, facts, style, lang)
        return
    _check_text(build_report(demo, facts, style, lang), demo, lang)


# --- golden text per language ----------------------------------------------------------------


def _check_snapshots(case: str, report: Report) -> None:
    check_text_snapshots(case, report)


# Demo countries whose names need articles and agreement: a plural with article, and a long
# singular name with article.
DEMO_CASES = {"XAQ": "plural name with article", "XGB": "long singular name with article"}


@pytest.mark.parametrize("lang", OTHERS)
@pytest.mark.parametrize("code", list(DEMO_CASES))
def test_demo_snapshots(demo: Dataset, style: Style, code: str, lang: str) -> None:
    _check_snapshots(f"demo-{code}-{lang}", _build(demo, style, code, lang))


@pytest.mark.parametrize("lang", OTHERS)
def test_kazakhstan_snapshots(hrmi: Dataset, style: Style, lang: str) -> None:
    _check_snapshots(f"hrmi-KAZ-{lang}", _build(hrmi, style, "KAZ", lang))


def test_charts_carry_words_in_the_report_language(demo: Dataset, style: Style) -> None:
    report = _build(demo, style, "XAQ", "fr")
    charts = [b for s in report.walk() for b in s.blocks if isinstance(b, Chart)]
    assert charts
    for chart in charts:
        assert chart.spec.texts.source.startswith("Source\u00a0:")
        assert set(chart.spec.texts.band_labels.values()) <= {
            "très mauvais",
            "mauvais",
            "passable",
            "bon",
        }


def test_demo_names_with_their_grammar(demo: Dataset, style: Style) -> None:
    """With a release's per-language flags, a fictional name agrees like a real one."""
    flags = {
        "XBL": {
            "fr_article": "1",
            "fr_feminine": "1",
            "es_article": "1",
            "es_feminine": "1",
            "pt_article": "1",
            "pt_feminine": "1",
        },
        "XAQ": {
            "fr_article": "1",
            "fr_plural": "1",
            "fr_feminine": "1",
            "es_article": "1",
            "es_plural": "1",
            "es_feminine": "1",
            "pt_article": "1",
            "pt_plural": "1",
            "pt_feminine": "1",
        },
    }
    names = dict(demo.names)
    for code, extra in flags.items():
        given = demo.names[code]
        names[code] = release_country_name(
            {
                "country_code": code,
                "name_en": given.name,
                "en_article": "1",
                "en_plural": "1" if given.plural else "0",
                **extra,
            }
        )
    dataset = replace(demo, names=names)
    fr = render_text(_build(dataset, style, "XBL", "fr"))
    assert "La Republic of Vessaria obtient" in fr and "le Republic" not in fr
    es = render_text(_build(dataset, style, "XAQ", "es"))
    assert "Las Kestrel Islands obtienen" in es
    pt = render_text(_build(dataset, style, "XAQ", "pt"))
    assert "As Kestrel Islands obtêm" in pt and "das Kestrel Islands" in pt


@pytest.mark.parametrize("language", available_languages())
def test_a_phrase_without_template_syntax_reads_as_jinja_renders_it(language: str) -> None:
    """Phrases with no "{" skip Jinja (a third of a report's phrases): each reads exactly as
    its compiled template renders it, as a sentence and not, whatever values are given."""
    phrases = load_phrases(language)
    fixed = [key for key in sorted(phrases.keys()) if "{" not in phrases.source(key)]
    assert len(fixed) > 50
    for key in fixed:
        rendered = phrases._template(key).render()  # (Jinja's own rendering of it)
        for sentence in (True, False):
            expected = phrases._finish(rendered, sentence)
            assert phrases.render(key, sentence, c="ignored") == expected, key
            assert phrases.render(key, sentence) == expected, key
        assert phrases.text(key) == "".join(s.text for s in phrases._finish(rendered, False))
