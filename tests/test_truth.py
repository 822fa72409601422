"""Every sentence class of the report, for every country, against the independent checker.

Each country's report is built the way the CLI builds it (``compute_facts`` → ``build_report`` →
``render_text``), then its *text* is parsed and every figure, category and list it states is compared
with ``tests/independent.py``, which recomputes them from the raw CSV files by the written rules
(``rules_spec.md``, issue 11) without importing reportgen. ``compute_facts`` is only the pipeline
that produces the text here: no expected value is ever read from reportgen's facts.

What the test reads from reportgen besides the text: country *names* (``load_codebook("en")``, the
display names of a release) and the English codebook as data (right, group and band words). The
English words around the figures (band adjectives, quartiles, trend clauses …) are written out
here, as the test's own reading of the English phrase book.

Covered, per country of the real release (``HRMI_DATA_DIR``) and of the demo release:
cover and headline figures, the overview's sentences and headline chart, each dimension (score,
suggestion lists, missing rights, all-poor / mixed, trend, charts), each right (score and band,
comparison, ties, overlap lists, position, trend, comparison chart), people at risk (shares, tiers,
"no one", named count, table and its cut), quality of life (value, year, standard, fallbacks, years,
missing figures, position, best / lowest, rights chart, trend class, sexes, groups at risk), and the
summary (safety lists, frequent groups, all people). For the real release the French, Spanish and
Portuguese reports are checked for every score and the overall quality of life value in the locale's
format, with no decimal point left. Synthetic releases pin the edge rules on the text.
"""

from __future__ import annotations

import csv
import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.numbers import format_decimal

from reportgen import __version__
from reportgen.codebook import load_codebook
from reportgen.errors import NoDataError
from reportgen.facts import compute_facts
from reportgen.load import Dataset, load_release
from reportgen.narrative import build_report
from reportgen.style import Style, load_style
from reportgen.textrender import render_text
from tests import independent as ind
from tests.conftest import DEMO_DIR
from tests.test_independent import (
    COUNTRIES_HEADER,
    CPR_HEADER,
    ESR_HEADER,
    RISK_HEADER,
    Row,
    _esr,
    _risk_rows,
    _write,
)

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "reportgen" / "i18n"


def _toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


# --------------------------------------------------------------------------- English words

CODEBOOK = _toml(I18N / "en" / "codebook.toml")
PHRASES = _toml(I18N / "en" / "phrases.toml")
GRAMMAR = PHRASES["grammar"]
RIGHTS: dict[str, dict[str, str]] = {r["metric"]: r for r in CODEBOOK["rights"].values()}
RISK_PREFIX = {m: r["at_risk"].removesuffix("_atrisk") for m, r in RIGHTS.items()}
DIMS: dict[str, dict[str, Any]] = {d["metric"]: d for d in CODEBOOK["dimensions"].values()}
GROUPS: dict[str, dict[str, str]] = CODEBOOK["groups"]
BANDS: dict[str, str] = CODEBOOK["bands"]
BAND_ORDER = ("very_bad", "bad", "fair", "good")

OVERVIEW_CPR = {"very_bad": "a very low", "bad": "a low", "fair": "a fair", "good": "a good"}
OVERVIEW_ESR = {
    "very_bad": "is doing far less for quality of life than its resources allow",
    "bad": "has much room to improve in quality of life rights",
    "fair": "also has room to improve in quality of life rights",
    "good": "is close to doing all it can with its resources for quality of life",
}
EMPOWER_SUGGEST = {
    "very_bad": "a large number of people are not enjoying their civil liberties and political "
    "freedoms",
    "bad": "many people are not enjoying all of their civil liberties and political freedoms",
    "fair": "some people are not enjoying all of their civil liberties and political freedoms",
    "good": "most people enjoy their civil liberties and political freedoms, though some still "
    "do not",
}
# The summary names the empowerment rights by verbs ("assemble"), words of the phrase book.
SUMMARY_RIGHTS = {
    r["metric"]: PHRASES["summary"]["empowerment_rights"][key]
    for key, r in CODEBOOK["rights"].items()
    if key in PHRASES["summary"].get("empowerment_rights", {})
}
SUMMARY_QOL = {
    "very_bad": "is far from meeting",
    "bad": "is not meeting",
    "fair": "is not yet fully meeting",
    "good": "comes close to meeting",
}
QUARTILE = {1: "top quarter", 2: "second quarter", 3: "third quarter", 4: "bottom quarter"}
STANDARD_NAME = {"Core": "the core standard", "HiY": "the high-income standard"}
STANDARD_SHORT = {"Core": "core", "HiY": "high-income"}
DISTANCE = {
    "good": "only a short way",
    "fair": "some way",
    "bad": "a long way",
    "very_bad": "a very long way",
}
PREVIOUS = {
    "rose_clearly": "has risen clearly from the previous year ({before} in {since})",
    "rose_slightly": "has gone up slightly from the previous year",
    "flat": "is unchanged from the previous year",
    "fell_slightly": "has gone down slightly from the previous year",
    "fell_clearly": "has fallen clearly from the previous year ({before} in {since})",
}
SINCE_FIRST = {
    "rose_clearly": "has improved since {since}",
    "rose_slightly": "is slightly higher than in {since}",
    "flat": "is about where it was in {since}",
    "fell_slightly": "is slightly lower than in {since}",
    "fell_clearly": "has worsened since {since}",
}
POSITION = {
    "very_worst": "What is certain is that {name} is performing among the very worst of the {n} "
    "countries with {short} data for {year}.",
    "bottom_half": "Even allowing for uncertainty, {name} is in the bottom half of the {n} countries "
    "with {short} data for {year}.",
    "middle": "Allowing for uncertainty, {name} sits in the middle range of the {n} countries with "
    "{short} data for {year}.",
    "unplaced": "Allowing for uncertainty, {name} cannot be placed with confidence among the {n} "
    "countries with {short} data for {year}: its plausible rank runs from {best} to {worst}.",
    "top_half": "Even allowing for uncertainty, {name} is in the top half of the {n} countries with "
    "{short} data for {year}.",
    "very_best": "What is certain is that {name} is performing among the very best of the {n} "
    "countries with {short} data for {year}.",
}
RISK_VIOLATED = "as being at risk of having this right violated"
# Narrative rules of the people-at-risk sentence and the lists (reportgen.narrative): tiers of
# equal counts, three and up to five while at least 40% named them; the quality-of-life groups:
# two "most at risk" (ties kept up to four) and a list of twelve (ties kept up to sixteen); the
# summary: eight frequent groups, ties kept up to ten.
TOP_TIERS, TOP_TIERS_MAX, TOP_TIERS_SHARE = 3, 5, 0.4
QOL_TOP, QOL_TOP_MAX, QOL_ROWS, QOL_ROWS_MAX = 2, 4, 12, 16
SUMMARY_ROWS, SUMMARY_ROWS_MAX = 8, 10
MAX_PEERS = 4


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def words(n: int) -> str:
    numbers = GRAMMAR["numbers"]
    return numbers[n] if 0 <= n < len(numbers) else f"{n:,}"


def ordinal(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n}st"
    if n % 10 == 2 and n % 100 != 12:
        return f"{n}nd"
    if n % 10 == 3 and n % 100 != 13:
        return f"{n}rd"
    return f"{n}th"


def join(items: Iterable[str], conj: str = "and") -> str:
    """ "A, B and C"; a serial comma when an item holds the conjunction itself."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    joiner = f" {conj} "
    if any(joiner in item for item in items):
        joiner = "," + joiner
    return ", ".join(items[:-1]) + joiner + items[-1]


def plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def score(x: float) -> str:
    return f"{ind.printed_score(x)}/10"


def pct(x: float) -> str:
    return f"{ind.printed_pct(x)}%"


def share(p: float) -> str:
    return f"{ind.printed_share(p)}%"


def group_label(people: int) -> str:
    g = GROUPS.get(str(people))
    return g["label"] if g else str(people)


def group_phrase(people: int) -> str:
    g = GROUPS.get(str(people))
    return g["phrase"] if g else str(people)


def year_ranges(years: Sequence[int]) -> list[str]:
    out: list[list[int]] = []
    for y in years:
        if out and out[-1][-1] == y - 1:
            out[-1].append(y)
        else:
            out.append([y])
    return [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in out]


@dataclass(frozen=True)
class Name:
    """A country's English name and how a sentence uses it (display data from the codebook)."""

    bare: str
    article: bool
    plural: bool

    @property
    def name(self) -> str:
        return f"the {self.bare}" if self.article else self.bare

    @property
    def Name(self) -> str:  # noqa: N802 - the phrase book's filter name
        return cap(self.name)

    @property
    def poss(self) -> str:
        name = self.name
        last = name.rsplit(" ", 1)[-1]
        if name.endswith("s") and (self.plural or last in GRAMMAR["possessive_plural_words"]):
            return name + str(GRAMMAR["possessive_plural"])
        return name + str(GRAMMAR["possessive"])


# --------------------------------------------------------------------------- the text, parsed


@dataclass
class Sec:
    """A section of the text report: its heading and lines (paragraphs, bullets, table rows)."""

    level: int
    title: str
    lines: list[str] = field(default_factory=list)
    children: list[Sec] = field(default_factory=list)

    def sub(self, title: str) -> Sec | None:
        return next((c for c in self.children if c.title == title), None)

    def bullets(self) -> list[str]:
        return [line for line in self.lines if line.startswith("- ")]

    def rows(self) -> list[str]:
        """Table body rows (after the header and its rule)."""
        lines = [line for line in self.lines if " | " in line]
        return lines[2:] if len(lines) >= 2 else []

    def chart(self, title_prefix: str) -> str | None:
        found = [line for line in self.lines if line.startswith(f"[Chart: {title_prefix}")]
        return found[0] if found else None


_HEADING = re.compile(r"^(#+) (.*)$")


def parse(text: str) -> Sec:
    root = Sec(0, "")
    stack = [root]
    for block in text.strip("\n").split("\n\n"):
        match = _HEADING.match(block)
        if match and "\n" not in block:
            level = len(match.group(1))
            sec = Sec(level, match.group(2))
            while stack[-1].level >= level:
                stack.pop()
            stack[-1].children.append(sec)
            stack.append(sec)
        else:
            stack[-1].lines.extend(line for line in block.split("\n") if line)
    return root


# --------------------------------------------------------------------------- failures


class Check:
    """Collects every disagreement of one report, each with its sentence class."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.failures: list[str] = []

    def fail(self, cls: str, message: str) -> None:
        self.failures.append(f"[{cls}] {message}")

    def one(self, sec: Sec | None, cls: str, like: str, expected: str | None) -> int | None:
        """The section's sentence of class ``cls`` (lines matching ``like``) is ``expected``
        (None: the class must be absent). Returns the sentence's line index."""
        if sec is None:
            if expected is not None:
                self.fail(cls, f"no section for:\n    expected: {expected}")
            return None
        found = [line for line in sec.lines if re.search(like, line)]
        if expected is None:
            if found:
                self.fail(
                    cls, f"§{sec.title}: should be absent, found:\n    " + "\n    ".join(found)
                )
            return None
        if expected in sec.lines and found in ([], [expected]):
            return sec.lines.index(expected)
        if expected in sec.lines:
            others = list(found)
            if expected in others:
                others.remove(expected)
            self.fail(
                cls, f"§{sec.title}: extra sentence(s) of this class:\n    " + "\n    ".join(others)
            )
            return sec.lines.index(expected)
        self.fail(
            cls,
            f"§{sec.title}:\n    expected: {expected}\n    found:    "
            + ("\n              ".join(found) or "(no such sentence)"),
        )
        return None

    def lines(self, sec: Sec | None, cls: str, expected: list[str], found: list[str]) -> None:
        if expected != found:
            diff = "\n    ".join(
                difflib.unified_diff(expected, found, "expected", "found", lineterm="", n=1)
            )
            self.fail(cls, f"§{sec.title if sec else '?'}:\n    {diff}")

    def order(self, cls: str, what: str, first: int | None, then: int | None) -> None:
        if first is not None and then is not None and not first < then:
            self.fail(cls, what)

    def raise_if_any(self) -> None:
        if self.failures:
            pytest.fail(
                f"{self.where}: {len(self.failures)} statement(s) disagree with "
                "tests/independent.py:\n" + "\n".join(self.failures),
                pytrace=False,
            )


# --------------------------------------------------------------------------- releases


@dataclass(frozen=True, eq=False)
class Rel:
    label: str
    dataset: Dataset
    ind: ind.Release
    names: Mapping[str, Name]
    style: Style

    def name(self, code: str) -> Name:
        return self.names[code]


def _names(dataset: Dataset) -> dict[str, Name]:
    book = load_codebook("en")
    out = {}
    for code in dataset.country_codes():
        n = book.country(code, dataset.names)
        out[code] = Name(n.name, n.article, n.plural)
    return out


def open_release(label: str, directory: Path) -> Rel:
    dataset = load_release(directory)
    return Rel(label, dataset, ind.load(directory), _names(dataset), load_style("base"))


def _hrmi_path() -> Path | None:
    value = os.environ.get("HRMI_DATA_DIR")
    return Path(value) if value and Path(value).is_dir() else None


def _codes(directory: Path | None) -> list[str]:
    """Country codes of a release's countries file, read at collection time."""
    if directory is None:
        return []
    codes: list[str] = []
    for path in sorted(directory.glob("countries*.csv")):
        if path.name.startswith("countries_grammar"):
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            codes += [row["country_code"] for row in csv.DictReader(handle)]
    return sorted(codes)


RELEASE_DIRS: dict[str, Path | None] = {"hrmi": _hrmi_path(), "demo": DEMO_DIR}


@cache
def release(label: str) -> Rel:
    directory = RELEASE_DIRS[label]
    if directory is None:
        pytest.skip("HRMI_DATA_DIR is not set to the real HRMI release (see README, Tests)")
    return open_release(label, directory)


def build_text(rel: Rel, code: str, language: str = "en") -> str | None:
    """The text report of ``code`` (None when reportgen says there is nothing to report)."""
    try:
        facts = compute_facts(rel.dataset, code, rel.style)
        return render_text(build_report(rel.dataset, facts, rel.style, language))
    except NoDataError:
        return None


@cache
def text_of(label: str, code: str, language: str = "en") -> str | None:
    """Each country's text is built once per module (and per worker)."""
    return build_text(release(label), code, language)


# --------------------------------------------------------------------------- one country


@dataclass(frozen=True, eq=False)
class Country:
    """The independent facts of one country, and its words."""

    rel: Rel
    code: str
    rights: Mapping[str, ind.CprExpect | None]
    dims: Mapping[str, ind.CprDimension | None]
    q: ind.QolExpect | None

    @classmethod
    def of(cls, rel: Rel, code: str) -> Country:
        r = rel.ind
        return cls(
            rel,
            code,
            {m: ind.cpr_right(r, code, m) for m in ind.CPR_RIGHTS},
            {m: ind.cpr_dimension(r, code, m) for m in ind.CPR_DIMENSIONS},
            ind.qol(r, code),
        )

    @property
    def n(self) -> Name:
        return self.rel.name(self.code)

    @property
    def year(self) -> int:
        return self.rel.ind.survey_year

    def dim_rights(self, dim: str) -> list[ind.CprExpect]:
        return [r for m in ind.CPR_DIMENSIONS[dim] if (r := self.rights[m]) is not None]

    def dim_exists(self, dim: str) -> bool:
        return self.dims[dim] is not None or bool(self.dim_rights(dim))

    @property
    def has_survey(self) -> bool:
        return any(self.dim_exists(d) for d in ind.CPR_DIMENSIONS)

    @property
    def qol_rights(self) -> list[ind.QolMetric]:
        q = self.q
        return [] if q is None else [m for k in ind.ESR_RIGHTS if (m := q[k]) is not None]

    @property
    def qol_year(self) -> int | None:
        """The year the report's quality of life is "for": the overall score's, else the
        latest year of any right."""
        q = self.q
        if q is None:
            return None
        if q.overall is not None:
            return q.overall.year
        return max(m.year for m in self.qol_rights)

    @property
    def qol_span(self) -> str | None:
        """The years of the quality of life figures the report shows ("2007–2017"): the overall
        score's series and every right's latest year."""
        q = self.q
        if q is None:
            return None
        years = [m.year for m in self.qol_rights]
        years += list(q.trend.years) if q.trend else []
        years += [q.overall.year] if q.overall else []
        first, last = min(years), max(years)
        return str(last) if first == last else f"{first}–{last}"


def check_report(rel: Rel, code: str, text: str | None) -> Check:
    c = Country.of(rel, code)
    ck = Check(f"{rel.label}:{code} ({c.n.bare})")
    if text is None:
        if c.has_survey or c.q is not None:
            ck.fail("report", "reportgen found nothing to report, but the release has data")
        return ck
    if not c.has_survey and c.q is None:
        ck.fail("report", "a report was built for a country without any score")
        return ck
    doc = parse(text)
    _check_cover(ck, c, doc)
    _check_overview(ck, c, doc.sub("Overview"))
    _check_cpr(ck, c, doc.sub("Civil and political rights"))
    _check_qol(ck, c, doc.sub("Quality of life"))
    _check_summary(ck, c, doc.sub("Summary"))
    return ck


# --------------------------------------------------------------------------- overview


def _figures(c: Country) -> list[str]:
    out = []
    for dim in ind.CPR_DIMENSIONS:
        d = c.dims[dim]
        if d is not None:
            out.append(f"- {DIMS[dim]['name']}: {score(d.mean)} ({BANDS[d.band]})")
    overall = c.q.overall if c.q else None
    if overall is not None:
        out.append(f"- {DIMS['SER_Average']['name']}: {pct(overall.value)} ({BANDS[overall.band]})")
    return out


def _check_cover(ck: Check, c: Country, doc: Sec) -> None:
    cover = doc.children[0] if doc.children else None
    if cover is None or cover.title != c.n.bare:
        ck.fail("cover", f"the report does not open with the country's name {c.n.bare!r}")
        return
    ck.lines(cover, "cover.figures", _figures(c), cover.bullets())
    facts = next((line for line in cover.lines if line.endswith(".") and "Data:" in line), "")
    expected = []
    if c.has_survey:
        expected.append(f"Civil and political rights: expert survey, {c.year}.")
    if c.qol_span is not None:
        expected.append(f"Quality of life: international statistics, {c.qol_span}.")
    want = " ".join(expected)
    if not facts.startswith(want + (" " if want else "")):
        ck.fail("cover.data", f"expected the facts line to start {want!r}, found {facts!r}")


def _threats(c: Country, dim: str, band: str) -> tuple[list[str], list[str]]:
    """Rights of the dimension at its band or worse (good: below good), and those scored good."""
    limit = "fair" if band == "good" else band
    rights = c.dim_rights(dim)
    threats = [
        RIGHTS[r.metric]["short"]
        for r in rights
        if BAND_ORDER.index(r.band) <= BAND_ORDER.index(limit)
    ]
    safe = [RIGHTS[r.metric]["short"] for r in rights if r.band == "good"]
    return threats, safe


def _suggestion(c: Country, dim: str, band: str) -> str:
    if dim == "empower":
        return EMPOWER_SUGGEST[band]
    threats, _ = _threats(c, dim, band)
    if band == "very_bad":
        return f"a large number of people are not safe from {join(threats, 'or') or 'the state'}"
    if band == "bad":
        if len(threats) > 1:
            return f"a significant number of people are not safe from all of the following: {join(threats)}"
        return f"a significant number of people are not safe from {join(threats) or 'the state'}"
    if band == "fair":
        return f"some people are not safe from {join(threats, 'or') or 'the state'}"
    tail = f", though some are not safe from {join(threats, 'or')}" if threats else ""
    return f"most people are safe from the state{tail}"


def _qol_suggestion(c: Country, band: str) -> str:
    rights = [
        RIGHTS[m.metric]["short"]
        for m in c.qol_rights
        if (
            m.band == "good"
            if band == "good"
            else BAND_ORDER.index(m.band) <= BAND_ORDER.index(band)
        )
    ]
    subject = (
        f"the {plural(len(rights), 'right', 'rights')} to {join(rights)} "
        f"{plural(len(rights), 'is', 'are')}"
        if rights
        else "these rights are"
    )
    if band == "very_bad":
        return f"{subject} far from fulfilled"
    if band == "bad":
        return f"{subject} not yet fulfilled as they could be"
    if band == "fair":
        if rights:
            return f"the {plural(len(rights), 'right', 'rights')} to {join(rights)} could be better fulfilled"
        return "these rights could be better fulfilled"
    return f"{subject} largely fulfilled for what its income allows"


def _check_overview(ck: Check, c: Country, ov: Sec | None) -> None:
    if ov is None:
        ck.fail("overview", "no Overview section")
        return
    n, q = c.n, c.q
    overall = q.overall if q else None
    ck.lines(ov, "overview.figures", _figures(c), ov.bullets())
    # intro: the survey year and the quality of life years
    intro = ov.lines[0] if ov.lines else ""
    if c.has_survey and f"a survey of human rights experts in {c.year}" not in intro:
        ck.fail("overview.intro", f"survey year {c.year} not in: {intro}")
    if q is not None and f"international statistics for {c.qol_span}." not in intro:
        ck.fail("overview.intro", f"quality of life years {c.qol_span} not in: {intro}")
    ck.one(
        ov,
        "overview.no_survey",
        r"^Civil and political rights data have not been produced",
        None
        if c.has_survey
        else f"Civil and political rights data have not been produced for {n.name}: it was not "
        f"part of the expert survey in {c.year}. This report covers quality of life only.",
    )
    for dim in ind.CPR_DIMENSIONS:
        short = DIMS[dim]["short"]
        d = c.dims[dim]
        if not c.dim_exists(dim):
            expected = None
        elif d is None:
            expected = f"No {short} score was produced for {n.name} in {c.year}."
        else:
            expected = (
                f"{n.Name} scores {OVERVIEW_CPR[d.band]} {score(d.mean)} for {short}, which "
                f"suggests that {_suggestion(c, dim, d.band)}."
            )
        like = rf"^(No {re.escape(short)} score was produced|.* for {re.escape(short)}, which suggests)"
        ck.one(ov, f"overview.cpr ({short})", like, expected)
    like = r"^(At .*\(\d{4}.*\), .*: |The release has no overall quality of life score|Quality of life scores have not been produced)"
    if q is None:
        expected = f"Quality of life scores have not been produced for {n.name}."
    elif overall is None:
        missing = [RIGHTS[k]["phrase"] for k in ind.ESR_RIGHTS if q[k] is None]
        tail = f", and no figure for {join(missing)}" if missing else ""
        expected = f"The release has no overall quality of life score for {n.name}{tail}."
    else:
        when = f"{overall.year}" + (
            f", {STANDARD_NAME[overall.standard]}" if overall.fallback else ""
        )
        expected = (
            f"At {pct(overall.value)} ({when}), {n.name} {OVERVIEW_ESR[overall.band]}: "
            f"{_qol_suggestion(c, overall.band)}."
        )
    ck.one(ov, "overview.esr", like, expected)
    # the headline chart
    items = []
    for dim in ind.CPR_DIMENSIONS:
        d = c.dims[dim]
        if d is not None:
            items.append(f"{DIMS[dim]['name']} {score(d.mean)} ({BANDS[d.band]})")
    if overall is not None:
        items.append(f"{DIMS['SER_Average']['name']} {pct(overall.value)} ({BANDS[overall.band]})")
    survey = c.year if c.has_survey else None
    esr_year = overall.year if overall else None
    if survey and esr_year and survey != esr_year:
        title = f"Headline scores, survey {survey}, quality of life {esr_year}"
    else:
        title = f"Headline scores, {survey or esr_year}"
    ck.one(
        ov,
        "chart.headline",
        r"^\[Chart: Headline scores",
        f"[Chart: {title}] " + "; ".join(items) + "." if items else None,
    )


# --------------------------------------------------------------------------- civil and political


def _trend_sentence(
    c: Country, years: int, prev: ind.Change | None, first: ind.Change | None, phrase: str
) -> str:
    if prev is None:
        return f"This is the first year with a score for {phrase}, so no trend can be shown yet."
    if first is not None:
        if prev.direction == "flat" and first.direction == "flat":
            return f"This score has stayed about the same over the last {words(years)} years."
        if "rose" not in (prev.direction, first.direction) and "clearly" not in (
            prev.size,
            first.size,
        ):
            return (
                f"{cap(c.n.poss)} score on {phrase} shows no improvement over the last "
                f"{words(years)} years ({score(first.before)} in {first.since}, "
                f"{score(first.after)} in {c.year})."
            )

    def key(ch: ind.Change) -> str:
        return "flat" if ch.direction == "flat" else f"{ch.direction}_{ch.size}"

    clause = PREVIOUS[key(prev)].format(before=score(prev.before), since=prev.since)
    if first is not None:
        joiner = "and" if first.direction == prev.direction else "but"
        clause += f", {joiner} " + SINCE_FIRST[key(first)].format(since=first.since)
    return f"This score {clause}."


TREND_LIKE = (
    r"^(This score |This is the first year with a score|.* shows no improvement over the last)"
)


def _check_cpr(ck: Check, c: Country, sec: Sec | None) -> None:
    n = c.n
    if sec is None:
        ck.fail("cpr", "no civil and political rights section")
        return
    ck.one(
        sec,
        "overview.cpr_none",
        r"^The expert survey behind these scores did not cover",
        None
        if c.has_survey
        else f"The expert survey behind these scores did not cover {n.name} in {c.year}, so this "
        "section has no scores; quality of life is covered below.",
    )
    for dim in ind.CPR_DIMENSIONS:
        title = DIMS[dim]["name"]
        dsec = sec.sub(title)
        if not c.dim_exists(dim):
            if dsec is not None:
                ck.fail("dimension", f"section {title!r} for a dimension without any score")
            continue
        if dsec is None:
            ck.fail("dimension", f"no section {title!r}")
            continue
        _check_dimension(ck, c, dim, dsec)


def _check_dimension(ck: Check, c: Country, dim: str, sec: Sec) -> None:
    n, d, info = c.n, c.dims[dim], DIMS[dim]
    rights = c.dim_rights(dim)
    ck.one(
        sec,
        "dimension.score",
        rf"^{re.escape(cap(n.poss))} {re.escape(info['short'])} score of ",
        None
        if d is None
        else f"{cap(n.poss)} {info['short']} score of {score(d.mean)} suggests that "
        f"{_suggestion(c, dim, d.band)}.",
    )
    missing = [RIGHTS[m]["phrase"] for m in ind.CPR_DIMENSIONS[dim] if c.rights[m] is None]
    ck.one(
        sec,
        "dimension.missing_rights",
        r"^No score was produced for ",
        f"No score was produced for {join(missing)} in {c.year}, so "
        f"{'it is' if len(missing) == 1 else 'they are'} left out of this section."
        if missing
        else None,
    )
    items = ", ".join(f"{RIGHTS[r.metric]['name']} {score(r.mean)}" for r in rights)
    ck.one(
        sec,
        "alt.rights",
        r"^\[Chart: .*: each right, ",
        f"[Chart: {info['name']}: each right, {c.year}] {info['name']} rights for {n.name} in "
        f"{c.year}: {items}."
        if rights
        else None,
    )
    bands = {r.band for r in rights}
    like = r"^.* (needs to make major improvements in|scores in the good range on every right|does best on)"
    expected = None
    if rights and bands <= {"very_bad", "bad"} and len(rights) > 1:
        areas = "both areas" if len(rights) == 2 else f"all {words(len(rights))} areas"
        expected = f"{n.Name} needs to make major improvements in {areas}."
    elif rights and bands == {"good"}:
        expected = f"{n.Name} scores in the good range on every right of this group."
    elif len(rights) > 1:
        shown = {r.metric: Decimal(r.printed) for r in rights}
        top, bottom = max(shown.values()), min(shown.values())
        if top != bottom:
            best = [r for r in rights if shown[r.metric] == top]
            worst = [r for r in rights if shown[r.metric] == bottom]
            expected = (
                f"{n.Name} does best on {join(RIGHTS[r.metric]['phrase'] for r in best)} "
                f"({score(best[0].mean)}{' each' if len(best) > 1 else ''}) and worst on "
                f"{join(RIGHTS[r.metric]['phrase'] for r in worst)} "
                f"({score(worst[0].mean)}{' each' if len(worst) > 1 else ''})."
            )
    ck.one(sec, "dimension.all_poor/all_good/mixed", like, expected)
    # the dimension's trend and its chart
    with_trend = d is not None and len(d.years) > 1
    ck.one(
        sec,
        "dimension.trend",
        TREND_LIKE,
        _trend_sentence(c, len(d.years), d.since_previous, d.since_first, info["phrase"])
        if with_trend and d is not None
        else None,
    )
    expected = None
    if with_trend and d is not None:
        series = [(info["name"], ind.cpr_series(c.rel.ind, c.code, dim))]
        series += [
            (RIGHTS[r.metric]["name"], ind.cpr_series(c.rel.ind, c.code, r.metric)) for r in rights
        ]
        parts = "; ".join(
            f"{label} from {score(s[0][1])} to {score(s[-1][1])}" for label, s in series
        )
        expected = (
            f"[Chart: {info['name']} over time] {info['name']} for {n.name}, {d.years[0]} to "
            f"{c.year}: {parts}."
        )
    ck.one(sec, "alt.trend", r"^\[Chart: .* over time\]", expected)
    for metric in ind.CPR_DIMENSIONS[dim]:
        r = c.rights[metric]
        rsec = sec.sub(RIGHTS[metric]["name"])
        if r is None:
            if rsec is not None:
                ck.fail("right", f"section for {metric} without a {c.year} score")
            continue
        if rsec is None:
            ck.fail("right", f"no section {RIGHTS[metric]['name']!r}")
            continue
        _check_right(ck, c, r, rsec)
        _check_risk(ck, c, metric, rsec.sub("Who is at risk?"))


def _split_names(text: str, conj: str, vocabulary: Mapping[str, str]) -> list[str] | None:
    """Items of an English list ("A, B or N other countries"), countries matched by name."""
    names = sorted(vocabulary, key=len, reverse=True)
    items: list[str] = []
    rest = text
    while rest:
        other = re.match(r"^(\w+) other countr(?:y|ies)", rest)
        hit = next((name for name in names if rest.startswith(name)), None)
        if hit is not None:
            items.append(vocabulary[hit])
            rest = rest[len(hit) :]
        elif other:
            items.append(f"+{other.group(1)}")
            rest = rest[other.end() :]
        else:
            return None
        for sep in (f", {conj} ", f" {conj} ", ", "):
            if rest.startswith(sep):
                rest = rest[len(sep) :]
                break
        else:
            if rest:
                return None
    return items


def _peers_ok(
    c: Country, r: ind.CprExpect, listed: list[str] | None, peers: tuple[str, ...]
) -> str | None:
    """Whether a parsed overlap list names the nearest peers (ties at the cut in any order) and
    counts the rest; returns what is wrong, or None."""
    if listed is None:
        return "could not read the list"
    means = ind.cpr_means(c.rel.ind, r.metric, r.year)
    dist = {p: abs(means[p] - r.mean) for p in peers}
    k = min(MAX_PEERS, len(peers))
    named = [x for x in listed if not x.startswith("+")]
    rest = [x for x in listed if x.startswith("+")]
    want_rest = [f"+{words(len(peers) - k)}"] if len(peers) > k else []
    if rest != want_rest or len(named) != k or listed[len(named) :] != rest:
        return f"expected {k} names and {want_rest or 'no rest'}, found {listed}"
    if not set(named) <= set(peers):
        return f"names a country outside the overlap list: {sorted(set(named) - set(peers))}"
    if k:
        edge = sorted(dist.values())[k - 1]
        nearer = {p for p in peers if dist[p] < edge}
        if not nearer <= set(named) or any(dist[p] > edge for p in named):
            return f"not the {k} nearest: expected {list(peers[:k])} (ties at the cut in any order)"
        if [dist[p] for p in named] != sorted(dist[p] for p in named):
            return "not nearest first"
    return None


def _check_right(ck: Check, c: Country, r: ind.CprExpect, sec: Sec) -> None:
    n, info, y = c.n, RIGHTS[r.metric], r.year
    phrase, short = info["phrase"], info["short"]
    cls = f" ({r.metric})"
    ck.one(
        sec,
        "right.score" + cls,
        r" scores .*/10 for .* in \d{4}, in the ‘",
        f"{n.Name} scores {score(r.mean)} for {phrase} in {y}, in the ‘{BANDS[r.band]}’ range.",
    )
    alone = r.n == 1
    ck.one(
        sec,
        "right.compare" + cls,
        r"^The chart compares ",
        None
        if alone
        else f"The chart compares {n.poss} score with the scores of the {r.n - 1} other countries "
        f"surveyed in {y}, each with its uncertainty band: the credible range of the score, like "
        "the margin of error of an opinion poll.",
    )
    ck.one(
        sec,
        "right.alone" + cls,
        r" was the only country with a score for ",
        f"{n.Name} was the only country with a score for {phrase} in {y}." if alone else None,
    )
    ck.one(
        sec,
        "right.tied" + cls,
        r" shares this score with ",
        f"{n.Name} shares this score with {words(r.tied)} other "
        f"{plural(r.tied, 'country', 'countries')}."
        if r.tied and not alone
        else None,
    )
    # the comparison chart: rank, joint rank, the countries scoring lower
    expected = None
    if not alone:
        means = ind.cpr_means(c.rel.ind, r.metric, y)
        lower = sorted(
            (code for code, m in means.items() if m < r.mean), key=lambda k: (-means[k], k)
        )
        tail = ""
        if not lower:
            tail = "; no country scores lower"
        elif len(lower) <= 3:
            tail = (
                f"; only {join(c.rel.name(k).name for k in lower)} "
                f"{plural(len(lower), 'scores', 'score')} lower"
            )
        expected = (
            f"[Chart: {info['name']}: all countries surveyed, {y}] {n.Name} scores "
            f"{ind.printed_score(r.mean)} out of 10 on {short}, {'joint ' if r.tied else ''}"
            f"{ordinal(r.rank)} of {r.n} countries{tail}."
        )
    ck.one(sec, "alt.comparison" + cls, r"^\[Chart: .*: all countries surveyed, ", expected)
    if not alone:
        _check_overlap(ck, c, r, sec)
        ck.one(
            sec,
            "right.position" + cls,
            r"^(What is certain is that|Even allowing for uncertainty|Allowing for uncertainty)",
            POSITION[r.position].format(
                name=n.name,
                n=r.n,
                short=short,
                year=y,
                best=ordinal(r.best_rank),
                worst=ordinal(r.worst_rank),
            ),
        )
    ck.one(
        sec,
        "trend" + cls,
        TREND_LIKE,
        _trend_sentence(c, len(r.years), r.since_previous, r.since_first, phrase),
    )


def _check_overlap(ck: Check, c: Country, r: ind.CprExpect, sec: Sec) -> None:
    n, phrase = c.n, RIGHTS[r.metric]["phrase"]
    cls = f"right.overlap ({r.metric})"
    like = r"^(Because .*uncertainty bands|Apart from the .* with the same score|.* uncertainty band overlaps with no other)"
    found = [line for line in sec.lines if re.search(like, line)]
    worse, better = r.could_be_worse_than, r.could_be_better_than
    if not worse and not better:
        if r.tied:
            expected = (
                f"Apart from the {words(r.tied)} {plural(r.tied, 'country', 'countries')} with the "
                f"same score, {n.poss} uncertainty band overlaps with no other country’s, so its "
                f"joint rank of {r.rank} out of {r.n} is clear."
            )
        else:
            expected = (
                f"{cap(n.poss)} uncertainty band overlaps with no other country’s, so its rank of "
                f"{r.rank} out of {r.n} is clear."
            )
        ck.one(sec, cls + " none", like, expected)
        return
    if len(found) != 1:
        ck.fail(cls, f"expected one overlap sentence, found {found}")
        return
    line = found[0]
    nm, ph = re.escape(n.name), re.escape(phrase)
    if worse and better:
        key = "both"
        pattern = rf"^Because the uncertainty bands overlap, {nm} could in fact be performing worse than (?P<w>.+), or better than (?P<b>.+), for {ph}\.$"
    elif worse and len(worse) == 1:
        key = "worse_one"
        pattern = rf"^Because the uncertainty bands for {nm} and (?P<w2>.+) overlap, {nm} could in fact be performing worse than (?P<w>.+) for {ph}\.$"
    elif worse:
        key = "worse"
        pattern = rf"^Because their uncertainty bands overlap with {re.escape(n.poss)}, {nm} could in fact be performing worse than (?P<w>.+) for {ph}\.$"
    else:
        key = "better"
        pattern = rf"^Because their uncertainty bands overlap with {re.escape(n.poss)}, {nm} could in fact be performing better than (?P<b>.+) for {ph}\.$"
    match = re.match(pattern, line)
    if match is None:
        ck.fail(
            f"{cls} {key}",
            f"expected the overlap_{key} sentence ({len(worse)} could-be-worse-than: "
            f"{list(worse[:6])}, {len(better)} could-be-better-than: {list(better[:6])}), found:\n    {line}",
        )
        return
    vocabulary = {c.rel.name(k).name: k for k in c.rel.names}
    for group, peers, conj in (("w", worse, "or"), ("b", better, "or"), ("w2", worse, "and")):
        if group not in match.groupdict():
            continue
        wrong = _peers_ok(c, r, _split_names(match.group(group), conj, vocabulary), peers)
        if wrong:
            side = "worse than" if group != "b" else "better than"
            ck.fail(f"{cls} {key}", f"could be {side}: {wrong}; in:\n    {line}")


# --------------------------------------------------------------------------- people at risk


def _tiers(groups: tuple[tuple[int, int, float], ...]) -> list[tuple[float, list[int]]]:
    tiers: list[tuple[int, float, list[int]]] = []
    for people, count, proportion in groups:
        if tiers and tiers[-1][0] == count:
            tiers[-1][2].append(people)
        elif len(tiers) < TOP_TIERS or (
            len(tiers) < TOP_TIERS_MAX and proportion >= TOP_TIERS_SHARE
        ):
            tiers.append((count, proportion, [people]))
        else:
            break
    return [(p, codes) for _, p, codes in tiers]


def _check_risk(ck: Check, c: Country, metric: str, sec: Sec | None) -> None:
    n, info = c.n, RIGHTS[metric]
    cls = f" ({metric})"
    if sec is None:
        ck.fail("risk" + cls, "no 'Who is at risk?' section")
        return
    rk = ind.at_risk(c.rel.ind, c.code, RISK_PREFIX[metric])
    ck.one(
        sec,
        "risk.no_data" + cls,
        r"^No people-at-risk answers were collected",
        "No people-at-risk answers were collected for this right." if rk is None else None,
    )
    if rk is None:
        return
    no_one = None
    if rk.no_one:
        if rk.no_one >= 1.0:
            no_one = (
                f"All {rk.respondents} experts who answered said that no one in {n.name} is at "
                "risk of having this right violated."
            )
        else:
            no_one = (
                f"{share(rk.no_one)} of the experts answered that no one in {n.name} is at risk "
                "of having this right violated."
            )
    i_no_one = ck.one(sec, "risk.no_one" + cls, r" that no one in .* is at risk", no_one)
    all_people = None
    if rk.all_people:
        lead = "Disturbingly, " if rk.all_people >= 0.30 else ""
        all_people = (
            f"{lead}{share(rk.all_people)} of the experts thought that everyone in {n.name} is at "
            "real risk of having this right violated."
        )
    i_all = ck.one(sec, "risk.all_people" + cls, r"thought that everyone in ", all_people)
    tiers = _tiers(rk.groups)
    top = None
    if tiers:
        (s0, g0), rest = tiers[0], tiers[1:]
        top = f"{share(s0)} of the experts identified {join(group_phrase(g) for g in g0)} {RISK_VIOLATED}"
        for i, (s, g) in enumerate(rest):
            lead = ", while" if i == 0 else (", and" if i == len(rest) - 1 else ",")
            top += f"{lead} {share(s)} identified {join(group_phrase(x) for x in g)}"
        top += "."
    i_top = ck.one(sec, "risk.top" + cls, r"^\d+% of the experts identified ", top)
    others = [rk.all_people or 0.0, *(p for _, _, p in rk.groups[:1])]
    if rk.no_one and rk.no_one >= max(others):
        ck.order(
            "risk.no_one" + cls,
            "the no-one share is the most common answer but is not first",
            i_no_one,
            i_all,
        )
        ck.order(
            "risk.no_one" + cls,
            "the no-one share is the most common answer but is not first",
            i_no_one,
            i_top,
        )
    else:
        ck.order(
            "risk.no_one" + cls,
            "the no-one sentence comes before a more common answer",
            i_all,
            i_no_one,
        )
        ck.order(
            "risk.no_one" + cls,
            "the no-one sentence comes before a more common answer",
            i_top,
            i_no_one,
        )
    named = None
    if rk.named_count == 0:
        named = (
            None
            if rk.no_one
            else "No expert identified any group as being at risk of having this right violated."
        )
    elif rk.named_count == 1:
        named = "Only one group of people was identified by the experts as being at risk of having this right violated."
    else:
        named = f"In total, there were {rk.named_count} groups of people identified by the experts as being at risk of having this right violated."
    ck.one(
        sec,
        "risk.named" + cls,
        r"^(In total, there were|Only one group of people was|No expert identified any)",
        named,
    )
    by_code = {people: p for people, _, p in rk.groups}
    bars = ", ".join(f"{group_label(g)} {share(by_code[g])}" for g in rk.table_rows)
    ck.one(
        sec,
        "alt.risk" + cls,
        r"^\[Chart: .*: who is at risk, ",
        # no chart when the first tier is too wide to list (the table says "N other groups")
        f"[Chart: {info['name']}: who is at risk, {rk.year}] Groups at risk for {info['short']} "
        f"in {n.name}: {bars}."
        if rk.table_rows
        else None,
    )
    rows = [f"{group_label(g)} | {share(by_code[g])}" for g in rk.table_rows]
    if rk.rest is not None:
        rows.append(f"{rk.rest[0]} other groups, each | {share(rk.rest[1])}")
    ck.lines(sec, "risk.table" + cls, rows if rk.groups else [], sec.rows())
    ck.one(
        sec,
        "risk.table_caption" + cls,
        r"^Share of the .* experts surveyed who identified",
        f"Share of the {rk.respondents} experts surveyed who identified each group as at risk "
        f"({rk.year})."
        if rk.groups
        else None,
    )


# --------------------------------------------------------------------------- quality of life


def _label(c: Country, m: ind.QolMetric) -> str:
    """A right's label in the quality of life charts: its year when not the overall score's, its
    standard when not the country's default."""
    q, label = c.q, RIGHTS[m.metric]["name"]
    assert q is not None
    notes = [str(m.year)] if m.year != c.qol_year else []
    if m.fallback:
        notes.append(STANDARD_SHORT[m.standard])
    return f"{label} ({', '.join(notes)})" if notes else label


def _check_qol(ck: Check, c: Country, sec: Sec | None) -> None:
    n, q = c.n, c.q
    if sec is None:
        ck.fail("qol", "no Quality of life section")
        return
    if q is None:
        ck.one(
            sec,
            "overview.no_qol",
            r"^Quality of life scores have not been produced",
            f"Quality of life scores have not been produced for {n.name}.",
        )
        return
    overall, rights, qyear = q.overall, c.qol_rights, c.qol_year
    ck.one(
        sec,
        "qol.standard",
        r" is assessed against the ",
        f"As a high-income country, {n.name} is assessed against the high-income standard, which "
        "uses indicators suited to richer countries and sets a higher bar."
        if q.default_standard == "HiY"
        else f"{n.Name} is assessed against the core standard, used for low- and middle-income "
        "countries.",
    )
    items = (["the overall score"] if overall and overall.fallback else []) + [
        RIGHTS[m.metric]["phrase"] for m in rights if m.fallback
    ]
    other = "Core" if q.default_standard == "HiY" else "HiY"
    ck.one(
        sec,
        "qol.fallback",
        r" has no figure for .*; the figures? of ",
        f"{cap(STANDARD_NAME[q.default_standard])} has no figure for {join(items)}; "
        f"{plural(len(items), 'the figure', 'the figures')} of {STANDARD_NAME[other]} "
        f"{plural(len(items), 'is', 'are')} shown instead, marked as such."
        if items
        else None,
    )
    latest = ind.esr_latest_year(c.rel.ind)
    doing = doing_old = duty = position = None
    if overall is not None:
        if latest is not None and overall.year >= latest:
            doing = (
                f"This score tells us that {n.name} is doing {pct(overall.value)} of what should be "
                f"possible right now with the resources it has ({overall.year} figures)."
            )
        else:
            doing_old = (
                f"The latest figure, from {overall.year}, shows {n.name} doing {pct(overall.value)} "
                "of what was possible with the resources it had then."
            )
        if overall.value >= 100:
            duty = f"At 100%, {n.name} is meeting its current duty under international human rights law on these rights."
        else:
            duty = (
                "Since anything less than 100% indicates that a country is not meeting its current "
                f"duty under international human rights law, our assessment is that {n.name} has "
                f"{DISTANCE[overall.band]} to go to meet its immediate economic and social rights duty."
            )
        std = STANDARD_NAME[overall.standard] if overall.fallback else "the same standard"
        position = (
            f"This puts {n.poss} overall score in the {QUARTILE[overall.quartile]} of the "
            f"{overall.n} countries assessed against {std} in {overall.year}."
        )
    ck.one(sec, "qol.doing", r"^This score tells us that ", doing)
    ck.one(sec, "qol.doing_old", r"^The latest figure, from ", doing_old)
    ck.one(sec, "qol.duty", r"(is meeting its current duty|to meet its immediate economic)", duty)
    ck.one(sec, "qol.position", r" overall score in the .* of the \d+ countries assessed", position)
    missing = [RIGHTS[k]["phrase"] for k in ind.ESR_RIGHTS if q[k] is None]
    ck.one(
        sec,
        "overview.esr.missing (qol)",
        r"^The release has no overall quality of life score",
        None
        if overall is not None
        else f"The release has no overall quality of life score for {n.name}"
        + (f", and no figure for {join(missing)}" if missing else "")
        + ".",
    )
    _check_best(ck, c, sec)
    differ = [m for m in rights if overall is not None and m.year != overall.year]
    ck.one(
        sec,
        "qol.years_differ",
        r"^Each right is shown at its latest year",
        f"Each right is shown at its latest year with a figure: "
        f"{join(RIGHTS[m.metric]['phrase'] + f' ({m.year})' for m in differ)}; the overall score is "
        f"for {overall.year}."
        if differ and overall is not None
        else None,
    )
    ck.one(
        sec,
        "qol.missing_rights",
        r"^The release has no figure for ",
        f"The release has no figure for {join(missing)}."
        if missing and overall is not None
        else None,
    )
    # Each quality of life right
    rsec = sec.sub("Each quality of life right")
    if rights and rsec is None:
        ck.fail("qol.rights", "no section 'Each quality of life right'")
    if rsec is not None:
        gb = overall.global_best if overall else None
        ck.one(
            rsec,
            "qol.global_best",
            r"^Against the global-best benchmark",
            f"Against the global-best benchmark, {n.name} scores {pct(gb)} overall."
            if gb is not None
            else None,
        )
        mixed = any(m.year != qyear for m in rights)
        title = "Quality of life rights, " + ("latest year of each" if mixed else str(qyear))
        values = ", ".join(f"{_label(c, m)} {pct(m.value)}" for m in rights)
        ck.one(
            rsec,
            "alt.esr_rights",
            r"^\[Chart: Quality of life rights, ",
            f"[Chart: {title}] Quality of life rights for {n.name}"
            + ("" if mixed else f" in {qyear}")
            + f", income-adjusted: {values}.",
        )
    _check_qol_trend(ck, c, sec.sub("Quality of life over time"))
    _check_sexes(ck, c, sec.sub("Women and men"))
    _check_qol_risk(ck, c, sec.sub("Who is least likely to enjoy these rights?"))


def _check_best(ck: Check, c: Country, sec: Sec) -> None:
    n, q, rights, qyear = c.n, c.q, c.qol_rights, c.qol_year
    assert q is not None
    best = [q[k] for k in q.best]
    worst = [q[k] for k in q.worst]
    phrases = {m.metric: RIGHTS[m.metric]["phrase"] for m in rights}
    expected: dict[str, str | None] = {
        "best": None,
        "best_tied": None,
        "others": None,
        "lowest": None,
    }
    expected |= {"only_one": None, "all_same": None}
    if best and worst:
        if len(best) == 1:
            b = best[0]
            assert b is not None
            std = STANDARD_NAME[b.standard] if b.fallback else "the same standard"
            expected["best"] = (
                f"{n.Name} turns in its best performance on {phrases[b.metric]}, scoring "
                f"{pct(b.value)} of what should be possible given its resources"
                + (f" (in {b.year})" if b.year != qyear else "")
                + f". This puts {n.poss} income-adjusted score in the {QUARTILE[b.quartile]} of "
                f"all countries in our sample assessed against {std} in {b.year}."
            )
        else:
            expected["best_tied"] = (
                f"{n.Name} turns in its best performance on "
                f"{join(phrases[m.metric] for m in best if m)}, each scoring "
                f"{pct(best[0].value if best[0] else 0)} of what should be possible given its resources."
            )
        others = [m for m in rights if m.metric not in q.best]
        bands = [b for b in BAND_ORDER if any(m.band == b for m in others)]
        expected["others"] = (
            f"For {join(phrases[m.metric] for m in others)}, {n.poss} "
            f"{plural(len(others), 'score falls', 'scores fall')} in the "
            f"{join((f'‘{BANDS[b]}’' for b in bands), 'or')} {plural(len(bands), 'range', 'ranges')}."
        )
        years = {m.year for m in worst if m}
        one_year = years.pop() if len(years) == 1 else None
        expected["lowest"] = (
            f"{cap(n.poss)} lowest quality of life {plural(len(worst), 'score is', 'scores are')} "
            f"for {join(phrases[m.metric] for m in worst if m)}, at "
            f"{pct(worst[0].value if worst[0] else 0)}{' each' if len(worst) > 1 else ''}"
            + (f" (in {one_year})" if one_year is not None and one_year != qyear else "")
            + "."
        )
    elif len(rights) == 1:
        m = rights[0]
        expected["only_one"] = f"Only {phrases[m.metric]} has a score: {pct(m.value)} in {m.year}."
    elif len(rights) > 1:
        expected["all_same"] = (
            f"{n.Name} scores {pct(rights[0].value)} on each of {join(phrases.values())}."
        )
    like = {
        "best": r" turns in its best performance on .*, scoring ",
        "best_tied": r" turns in its best performance on .*, each scoring ",
        "others": r"^For .*, .* (score falls|scores fall) in the ",
        "lowest": r" lowest quality of life scores? (is|are) for ",
        "only_one": r"^Only .* has a score: ",
        "all_same": r" scores .*% on each of ",
    }
    for key, pattern in like.items():
        ck.one(sec, f"qol.{key}", pattern, expected[key])


def _check_qol_trend(ck: Check, c: Country, sec: Sec | None) -> None:
    n, q = c.n, c.q
    assert q is not None
    tr = q.trend
    if tr is None:
        if sec is not None:
            ck.fail("qol.trend", "a trend section without two years of overall scores")
        return
    if sec is None:
        ck.fail("qol.trend", f"no trend section for the overall scores of {list(tr.years)}")
        return
    first, last = pct(tr.values[0]), pct(tr.values[-1])
    fy, ly = tr.years[0], tr.years[-1]
    shown = [Decimal(p) for p in tr.printed]
    turn = None
    if tr.direction != "flat" and not tr.steady:
        extreme = max(shown) if tr.direction == "rose" else min(shown)
        at = max(i for i, v in enumerate(shown) if v == extreme)
        turn = at if at < len(shown) - 1 else None
    poss = cap(n.poss)
    if tr.direction == "flat":
        key = "flat"
        expected = f"{poss} quality of life score has changed little since {fy}: {first} then, {last} in {ly}."
    elif tr.steady and tr.direction == "rose":
        key = "rose_steady"
        expected = f"The good news is that {n.name} has been increasing its quality of life score since at least {fy}, from {first} to {last} in {ly}."
    elif tr.steady:
        key = "fell_steady"
        expected = f"{poss} quality of life score has been falling since at least {fy}, from {first} to {last} in {ly}."
    elif turn is not None:
        key = f"{tr.direction}_turn"
        ext = pct(tr.values[turn])
        if tr.direction == "rose":
            expected = f"{poss} quality of life score rose from {first} in {fy} to {ext} in {tr.years[turn]}, but has fallen since, to {last} in {ly}."
        else:
            expected = f"{poss} quality of life score fell from {first} in {fy} to {ext} in {tr.years[turn]}, but has risen since, to {last} in {ly}."
    else:
        key = tr.direction
        verb = "risen" if tr.direction == "rose" else "fallen"
        expected = f"{poss} quality of life score has {verb} since {fy}, from {first} to {last} in {ly}, though not in every year."
    like = r"(quality of life score (has|rose|fell)|has been increasing its quality of life score)"
    ck.one(sec, f"qol.trend.{key}", like, expected)
    ck.one(
        sec,
        "qol.trend.gaps",
        r"^The release has no overall score for ",
        f"The release has no overall score for {join(year_ranges(tr.gaps))}." if tr.gaps else None,
    )
    # The alt text's first letter is not checked: reportgen writes "the Netherlands’ …" there
    # (a sentence starting in lower case, reported apart from the figures checked here).
    alt = sec.chart("Quality of life, ")
    alt = (
        alt
        if alt is None
        else re.sub(r"\] (\w)", lambda m: "] " + m.group(1).upper(), alt, count=1)
    )
    expected = (
        f"[Chart: Quality of life, {fy}–{ly}] {poss} quality of life score, income-adjusted, went "
        f"from {first} in {fy} to {last} in {ly}."
    )
    if alt != expected:
        ck.fail("alt.esr_trend", f"§{sec.title}:\n    expected: {expected}\n    found:    {alt}")


def _check_sexes(ck: Check, c: Country, sec: Sec | None) -> None:
    n = c.n
    both = [m for m in c.qol_rights if m.female is not None and m.male is not None]
    if not both:
        if sec is not None:
            ck.fail("qol.sexes", "a women-and-men section without figures for both sexes")
        return
    if sec is None:
        ck.fail("qol.sexes", f"no women-and-men section (figures for {[m.metric for m in both]})")
        return
    phrase = {m.metric: RIGHTS[m.metric]["phrase"] for m in both}

    def gap(m: ind.QolMetric) -> Decimal:
        return abs(Decimal(ind.printed_pct(m.female or 0)) - Decimal(ind.printed_pct(m.male or 0)))

    expected: dict[str, str | None] = dict.fromkeys(("one", "list", "gap", "tied", "even"))
    if len(both) == 1:
        m = both[0]
        expected["one"] = (
            f"For {phrase[m.metric]}, women and girls score {pct(m.female or 0)} and men and boys {pct(m.male or 0)}."
        )
    else:
        expected["list"] = f"Scores for women and men are published for {join(phrase.values())}."
        widest = max(gap(m) for m in both)
        top = [m for m in both if gap(m) == widest]
        if widest <= 1:
            expected["even"] = (
                "On each of these, women and men score within one percentage point of each other."
            )
        elif len(top) == 1:
            m = top[0]
            expected["gap"] = (
                f"The largest gap is for {phrase[m.metric]}: {pct(m.female or 0)} for women and girls against {pct(m.male or 0)} for men and boys."
            )
        else:
            points = format(widest.quantize(Decimal("0.01")).normalize(), "f")
            expected["tied"] = (
                f"The largest gaps, of {points} percentage points each, are for {join(phrase[m.metric] for m in top)}."
            )
    like = {
        "one": r"^For .*, women and girls score ",
        "list": r"^Scores for women and men are published for ",
        "gap": r"^The largest gap is for ",
        "tied": r"^The largest gaps, of ",
        "even": r"^On each of these, women and men score within",
    }
    for key, pattern in like.items():
        ck.one(sec, f"qol.sexes_{key}", pattern, expected[key])
    mixed = any(m.year != c.qol_year for m in both)
    title = "Quality of life rights by sex, " + (
        "latest year of each" if mixed else str(c.qol_year)
    )
    values = "; ".join(
        f"{_label(c, m)}, women {pct(m.female or 0)}, men {pct(m.male or 0)}" for m in both
    )
    ck.one(
        sec,
        "alt.esr_sexes",
        r"^\[Chart: Quality of life rights by sex, ",
        f"[Chart: {title}] Quality of life by sex for {n.name}"
        + ("" if mixed else f" in {c.qol_year}")
        + f": {values}.",
    )
    rows = [f"{_label(c, m)} | {pct(m.female or 0)} | {pct(m.male or 0)}" for m in both]
    ck.lines(sec, "qol.sexes_table", rows, sec.rows())
    # The table's caption names the year of its figures, or, when they are from several years
    # (each at its right's year, shown in the row labels), says so.
    caption = next((x for x in sec.lines if x.startswith("Income-adjusted scores by sex, ")), "")
    years = sorted({m.year for m in both})
    said = f"{years[0]}." if len(years) == 1 else "latest year of each right."
    if caption != f"Income-adjusted scores by sex, {said}":
        ck.fail(
            "qol.sexes_caption",
            f"§{sec.title}: the figures are from {years}, the caption says: {caption or '(none)'}",
        )


def _check_qol_risk(ck: Check, c: Country, sec: Sec | None) -> None:
    if sec is None:
        ck.fail("qol.risk", "no section 'Who is least likely to enjoy these rights?'")
        return
    # Means of shares equal but for floating-point noise are equal: ties are ordered by code.
    groups = tuple(
        sorted(ind.qol_risk_groups(c.rel.ind, c.code), key=lambda g: (-round(g[1], 9), g[0]))
    )
    ck.one(
        sec,
        "qol.risk_none",
        r"^No people-at-risk answers were collected for these rights",
        None if groups else "No people-at-risk answers were collected for these rights.",
    )

    def key(g: tuple[int, float]) -> float:
        return round(g[1], 9)

    top, _ = ind.cut_ties(groups, QOL_TOP, QOL_TOP_MAX, key)
    rights = [
        RIGHTS[m]["short"]
        for m in ind.ESR_RIGHTS
        if ind.has_risk(c.rel.ind, c.code, RISK_PREFIX[m])
    ]
    ck.one(
        sec,
        "qol.risk",
        r"^Experts identified .* as most at risk",
        f"Experts identified {join(group_phrase(g) for g, _ in top)} as most at risk of having "
        + (
            f"their {plural(len(rights), 'right', 'rights')} to {join(rights)}"
            if rights
            else "these rights"
        )
        + " violated."
        if top
        else None,
    )
    shown, rest = ind.cut_ties(groups, QOL_ROWS, QOL_ROWS_MAX, key)
    bullets = [f"- {group_label(g)} ({share(s)})" for g, s in shown]
    if rest:
        bullets.append(f"- {rest} other groups, each ({share(groups[len(shown)][1])})")
    ck.lines(sec, "qol.risk_list", bullets, sec.bullets())


# --------------------------------------------------------------------------- summary


def _check_summary(ck: Check, c: Country, sec: Sec | None) -> None:
    n = c.n
    if sec is None:
        ck.fail("summary", "no Summary section")
        return
    e = c.dims["empower"]
    expected = None
    if e is not None:
        # very bad / bad: the rights at the band or worse; fair: at the band or better; good:
        # the rights scored good. Never a right the sentence is not true of.
        rights = c.dim_rights("empower")
        at = BAND_ORDER.index(e.band)
        if e.band in ("very_bad", "bad"):
            named = [SUMMARY_RIGHTS[r.metric] for r in rights if BAND_ORDER.index(r.band) <= at]
        elif e.band == "fair":
            named = [SUMMARY_RIGHTS[r.metric] for r in rights if BAND_ORDER.index(r.band) >= at]
        else:
            named = [SUMMARY_RIGHTS[r.metric] for r in rights if r.band == "good"]
        their = f"their {plural(len(named), 'right', 'rights')} to {join(named)}"
        the = f"the {plural(len(named), 'right', 'rights')} to {join(named)}"
        expected = {
            "very_bad": f"has a long way to go before its people can fully enjoy "
            f"{their if named else 'their civil and political rights'}",
            "bad": f"has much to do before its people can fully enjoy "
            f"{their if named else 'their civil and political rights'}",
            "fair": f"respects {the if named else 'some civil and political rights'} for many, but "
            "not all, of its people",
            "good": f"largely respects {the if named else 'civil and political rights'}",
        }[e.band]
        expected = f"Our data show that {n.name} {expected}."
    ck.one(sec, "summary.empowerment", r"^Our data show that ", expected)
    s = c.dims["physint"]
    expected = None
    if s is not None:
        threats, safe = _threats(c, "physint", s.band)
        if s.band == "very_bad":
            tail = (
                f": {join(threats)} {plural(len(threats), 'remains a serious concern', 'remain serious concerns')}"
                if threats
                else ""
            )
            expected = f"Many people in {n.name} are not safe from the state{tail}."
        elif s.band == "bad":
            expected = f"A significant number of people in {n.name} are not safe from the state, and respect for physical integrity rights needs to improve."
        elif s.band == "fair":
            expected = f"Most people in {n.name} are safe from the state, but not everyone is."
        else:
            expected = f"{n.Name} largely protects people from {join(safe) or 'the state'}."
    ck.one(sec, "summary.safety", r"(safe from the state|largely protects people from)", expected)
    frequent = tuple(
        sorted(ind.frequent_groups(c.rel.ind, c.code), key=lambda g: (-g[1], -round(g[2], 9), g[0]))
    )
    shown, _ = ind.cut_ties(
        frequent, SUMMARY_ROWS, SUMMARY_ROWS_MAX, lambda g: (g[1], round(g[2], 9))
    )
    if frequent and not shown:
        shown = tuple(g for g in frequent if g[1] == frequent[0][1])
    lead = None
    if len(frequent) == 1:
        lead = (
            "One group of people was consistently identified by high numbers of our experts as "
            "being at risk of having its rights violated, named by at least 30% of the experts for "
            "at least three rights:"
        )
    elif frequent:
        count = (
            f" (the {words(len(shown))} named most often of {words(len(frequent))})"
            if len(frequent) > len(shown)
            else ""
        )
        lead = (
            "Several groups of people were consistently identified by high numbers of our experts "
            "as being at risk of having their rights violated: each of these was named by at least "
            f"30% of the experts for at least three rights{count}:"
        )
    ck.one(sec, "summary.groups", r"consistently identified by high numbers of our experts", lead)
    ck.lines(sec, "summary.groups list", [f"- {group_label(g[0])}" for g in shown], sec.bullets())
    ck.one(
        sec,
        "summary.no_groups",
        r"^No group was named by a large share",
        "No group was named by a large share of experts across several rights."
        if not frequent and c.has_survey
        else None,
    )
    ck.one(
        sec,
        "summary.all_people",
        r"all people were frequently identified",
        "Furthermore, all people were frequently identified as being at risk."
        if ind.all_people_frequent(c.rel.ind, c.code)
        else None,
    )
    overall = c.q.overall if c.q else None
    ck.one(
        sec,
        "summary.quality_of_life",
        r"^Our data also show that ",
        f"Our data also show that {n.name} {SUMMARY_QOL[overall.band]} its quality of life "
        "obligations under international law."
        if overall
        else None,
    )
    latest = ind.esr_latest_year(c.rel.ind)
    ck.one(
        sec,
        "summary.qol_old",
        r"^The overall quality of life score is from ",
        f"The overall quality of life score is from {overall.year}, the latest the release has "
        f"for {n.name}."
        if overall and latest is not None and overall.year < latest
        else None,
    )


# --------------------------------------------------------------------------- the tests

HRMI_CODES = _codes(RELEASE_DIRS["hrmi"])
DEMO_CODES = _codes(DEMO_DIR)


@pytest.mark.parametrize("code", HRMI_CODES or ["(HRMI_DATA_DIR unset)"])
def test_real_release_text_is_true(code: str) -> None:
    rel = release("hrmi")
    check_report(rel, code, text_of("hrmi", code)).raise_if_any()


@pytest.mark.parametrize("code", DEMO_CODES)
def test_demo_release_text_is_true(code: str) -> None:
    rel = release("demo")
    check_report(rel, code, text_of("demo", code)).raise_if_any()


# --------------------------------------------------------------------------- fr, es, pt numbers

# How each language writes a percentage (read off its texts): French with a narrow no-break
# space before the sign, Spanish and Portuguese without a space.
LOCALES = {"fr": ("fr_FR", "\u202f%"), "es": ("es_ES", "%"), "pt": ("pt_PT", "%")}
_DOT_DECIMAL = re.compile(r"\d\.\d")


def local_number(printed: str, locale: str) -> str:
    """An independently printed decimal ("2.5") in the locale's format ("2,5")."""
    value = Decimal(printed)
    places = -int(value.as_tuple().exponent)
    pattern = "#,##0." + "0" * places if places > 0 else "#,##0"
    return str(format_decimal(value, format=pattern, locale=locale))


@pytest.mark.parametrize("language", sorted(LOCALES))
@pytest.mark.parametrize("code", HRMI_CODES or ["(HRMI_DATA_DIR unset)"])
def test_real_release_numbers_in_language(code: str, language: str) -> None:
    rel = release("hrmi")
    c = Country.of(rel, code)
    text = text_of("hrmi", code, language)
    ck = Check(f"hrmi:{code} ({c.n.bare}) in {language}")
    if text is None:
        if c.has_survey or c.q is not None:
            ck.fail("report", "nothing to report, but the release has data")
        ck.raise_if_any()
        return
    locale, percent = LOCALES[language]
    for metric, r in c.rights.items():
        if r is not None and f"{local_number(r.printed, locale)}/10" not in text:
            ck.fail(
                f"score ({metric})",
                f"{local_number(r.printed, locale)}/10 (= {r.printed}) not in the text",
            )
    for metric, d in c.dims.items():
        if d is not None and f"{local_number(d.printed, locale)}/10" not in text:
            ck.fail(
                f"score ({metric})",
                f"{local_number(d.printed, locale)}/10 (= {d.printed}) not in the text",
            )
    overall = c.q.overall if c.q else None
    if overall is not None:
        want = f"{local_number(overall.printed, locale)}{percent}"
        if want not in text:
            ck.fail("qol overall", f"{want!r} (= {overall.printed}%) not in the text")
    for m in c.qol_rights:
        want = f"{local_number(m.printed, locale)}{percent}"
        if want not in text:
            ck.fail(f"qol ({m.metric})", f"{want!r} (= {m.printed}%) not in the text")
    for line in text.replace(f"reportgen {__version__}", "reportgen").splitlines():
        if _DOT_DECIMAL.search(line):
            ck.fail("decimal point", f"a number written with '.': {line}")
    ck.raise_if_any()


# --------------------------------------------------------------------------- edge releases


def _release_dir(
    directory: Path,
    *,
    countries: Sequence[tuple[str, int]],
    cpr: Sequence[Row],
    esr: Sequence[Row] = (),
    risk: Sequence[Row] = (),
) -> Rel:
    """A small release with the real headers, real ISO3 codes and a region reportgen knows.

    An empty score file is filled with one row of Iceland (ISL): reportgen's facts stage fails
    on a release without any quality of life row (KeyError 'metric'), and the independent
    loader refuses an empty people-at-risk file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    countries = [*countries, ("ISL", 0)]
    esr = list(esr) or [_esr("ISL", 2017, "SER_Average", "Core", 90.0)]
    risk = list(risk) or [(2019, "ISL", "assem_atrisk", 0, 1, "1", 1)]
    _write(
        directory / "countries_t.csv",
        COUNTRIES_HEADER,
        [(code, "", "", hi, "europe-central-asia", "", "", "", "", "") for code, hi in countries],
        bom=True,
    )
    _write(directory / "cpr-scores_t.csv", CPR_HEADER, list(cpr))
    _write(directory / "esr-scores_t.csv", ESR_HEADER, list(esr), bom=True)
    _write(directory / "people-at-risk_t.csv", RISK_HEADER, list(risk))
    return open_release(directory.name, directory)


def _edge_text(rel: Rel, code: str) -> tuple[Sec, str]:
    text = build_text(rel, code)
    assert text is not None
    check_report(rel, code, text).raise_if_any()  # every sentence class holds here too
    return parse(text), text


def _find(doc: Sec, *titles: str) -> Sec:
    sec = doc
    for title in titles:
        found = sec.sub(title)
        assert found is not None, f"no section {' › '.join(titles)}"
        sec = found
    return sec


TORTURE = ("Civil and political rights", "Safety from the state", "Freedom from torture")


def _cpr_rows(code: str, metric: str, mean: float, lo: float, hi: float) -> Row:
    return (2019, code, metric, mean, 0.1, lo, hi)


def test_edge_five_eighths_prints_63(tmp_path: Path) -> None:
    cpr = [_cpr_rows("KAZ", "tort", 5.0, 4.5, 5.5), _cpr_rows("SAU", "tort", 2.0, 1.5, 2.5)]
    risk = _risk_rows("KAZ", "tort_atrisk", {0: 1, 1: 3, 7: 5}, 8)
    rel = _release_dir(tmp_path / "r", countries=(("KAZ", 0), ("SAU", 0)), cpr=cpr, risk=risk)
    doc, _ = _edge_text(rel, "KAZ")
    sec = _find(doc, *TORTURE, "Who is at risk?")
    assert (
        "63% of the experts identified people of particular nationalities as being at risk of "
        "having this right violated." in sec.lines
    )
    assert (
        "Disturbingly, 38% of the experts thought that everyone in Kazakhstan is at real risk of "
        "having this right violated." in sec.lines
    )
    assert (
        "13% of the experts answered that no one in Kazakhstan is at risk of having this right violated."
        in sec.lines
    )
    assert sec.rows() == ["People of particular nationalities | 63%"]
    assert (
        "Only one group of people was identified by the experts as being at risk of having this right violated."
        in sec.lines
    )


def test_edge_score_7_96_is_fair(tmp_path: Path) -> None:
    cpr = [_cpr_rows("NZL", "tort", 7.962, 7.5, 8.4), _cpr_rows("JOR", "tort", 4.0, 3.5, 4.5)]
    rel = _release_dir(tmp_path / "r", countries=(("NZL", 1), ("JOR", 0)), cpr=cpr)
    doc, _ = _edge_text(rel, "NZL")
    sec = _find(doc, *TORTURE)
    assert (
        "New Zealand scores 7.96/10 for the right to freedom from torture and ill-treatment in "
        "2019, in the ‘fair’ range." in sec.lines
    )


def _eighth_row(tmp_path: Path, counts: dict[int, int]) -> Sec:
    cpr = [_cpr_rows("KAZ", "tort", 5.0, 4.5, 5.5), _cpr_rows("SAU", "tort", 2.0, 1.5, 2.5)]
    risk = _risk_rows("KAZ", "tort_atrisk", counts, 20)
    rel = _release_dir(tmp_path / "r", countries=(("KAZ", 0), ("SAU", 0)), cpr=cpr, risk=risk)
    doc, _ = _edge_text(rel, "KAZ")
    return _find(doc, *TORTURE, "Who is at risk?")


def test_edge_tie_at_the_eighth_row_is_kept(tmp_path: Path) -> None:
    counts = {2: 9, 3: 8, 4: 7, 5: 6, 6: 5, 7: 4, 8: 3, 12: 2, 10: 2, 11: 2, 9: 1}
    rows = _eighth_row(tmp_path, counts).rows()
    assert len(rows) == 10
    assert rows[-3:] == ["Women and girls | 10%", "LGBTQIA+ people | 10%", "Children | 10%"]
    assert not any("other groups" in row for row in rows)


def test_edge_tie_past_twelve_rows_closes_with_other_groups(tmp_path: Path) -> None:
    counts = {2: 9, 3: 8, 4: 7, 5: 6, 6: 5, 7: 4, 8: 3, 9: 1} | dict.fromkeys(range(10, 16), 2)
    rows = _eighth_row(tmp_path, counts).rows()
    assert len(rows) == 8
    assert rows[-1] == "6 other groups, each | 10%"
    assert rows[-2] == "People in particular places | 15%"


def test_edge_rights_later_than_overall_say_their_years(tmp_path: Path) -> None:
    esr: list[Row] = [
        _esr("KAZ", 2014, "SER_Average", "Core", 80.04),
        _esr("KAZ", 2016, "SER_Average", "Core", 81.05),
        _esr("KAZ", 2015, "Education", "Core", 70.0),
        _esr("KAZ", 2018, "Education", "Core", 72.0),
        _esr("KAZ", 2016, "Food", "Core", 90.0),
        _esr("SAU", 2016, "SER_Average", "Core", 70.0),
    ]
    cpr = [_cpr_rows("SAU", "tort", 2.0, 1.5, 2.5)]
    rel = _release_dir(tmp_path / "r", countries=(("KAZ", 0), ("SAU", 0)), cpr=cpr, esr=esr)
    doc, _ = _edge_text(rel, "KAZ")
    qol = _find(doc, "Quality of life")
    assert (
        "Each right is shown at its latest year with a figure: the right to education (2018); the "
        "overall score is for 2016." in qol.lines
    )
    assert (
        "The release has no figure for the right to health, the right to housing and the right to work."
        in qol.lines
    )
    assert not any(
        line.startswith("This score tells us that") for line in qol.lines
    )  # 2016 is not current
    chart = _find(qol, "Each quality of life right").chart("Quality of life rights")
    assert chart is not None and "Education (2018) 72.0%, Food 90.0%." in chart
    trend = _find(qol, "Quality of life over time")
    assert "The release has no overall score for 2015." in trend.lines


def test_edge_high_income_health_only_gets_core_figures_marked(tmp_path: Path) -> None:
    esr: list[Row] = []
    for metric, value in zip(ind.QOL_METRICS, (80.0, 90.0, 70.0, 96.0, 85.0, 84.2), strict=True):
        esr.append(_esr("NZL", 2017, metric, "Core", value))
        esr.append(_esr("JOR", 2017, metric, "Core", value - 1))
    esr.append(_esr("NZL", 2017, "Health", "HiY", 88.0))
    cpr = [_cpr_rows("JOR", "tort", 4.0, 3.5, 4.5)]
    rel = _release_dir(tmp_path / "r", countries=(("NZL", 1), ("JOR", 0)), cpr=cpr, esr=esr)
    doc, _ = _edge_text(rel, "NZL")
    qol = _find(doc, "Quality of life")
    assert (
        "The high-income standard has no figure for the overall score, the right to education, the "
        "right to food, the right to housing and the right to work; the figures of the core standard "
        "are shown instead, marked as such." in qol.lines
    )
    chart = _find(qol, "Each quality of life right").chart("Quality of life rights")
    assert chart is not None
    assert (
        "Education (core) 80.0%, Food (core) 90.0%, Health 88.0%, Housing (core) 96.0%, Work (core) 85.0%."
        in chart
    )
    assert (
        "This puts New Zealand’s overall score in the second quarter of the 2 countries assessed "
        "against the core standard in 2017." in qol.lines
    )


def test_edge_certain_ten_is_not_worse_than_a_band_reaching_past_ten(tmp_path: Path) -> None:
    cpr = [
        _cpr_rows("NZL", "dpex", 10.0, 10.0, 10.0),
        _cpr_rows("SAU", "dpex", 9.5, 8.62, 10.38),
        _cpr_rows("JOR", "dpex", 5.0, 4.4, 5.6),
    ]
    rel = _release_dir(tmp_path / "r", countries=(("NZL", 1), ("SAU", 1), ("JOR", 0)), cpr=cpr)
    doc, _ = _edge_text(rel, "NZL")
    sec = _find(
        doc, "Civil and political rights", "Safety from the state", "Freedom from the death penalty"
    )
    assert not any("could in fact be performing worse than" in line for line in sec.lines)
    assert (
        "New Zealand’s uncertainty band overlaps with no other country’s, so its rank of 1 out of 3 is clear."
        in sec.lines
    )
    peer, _ = _edge_text(rel, "SAU")
    peer_sec = _find(
        peer,
        "Civil and political rights",
        "Safety from the state",
        "Freedom from the death penalty",
    )
    assert not any("performing better than" in line for line in peer_sec.lines)


def test_edge_only_country_and_every_right_the_same(tmp_path: Path) -> None:
    cpr = [_cpr_rows("KAZ", "polpart", 4.0, 3.6, 4.4), _cpr_rows("SAU", "tort", 2.0, 1.5, 2.5)]
    esr = [_esr("KAZ", 2017, metric, "Core", 80.0) for metric in ind.QOL_METRICS]
    rel = _release_dir(tmp_path / "r", countries=(("KAZ", 0), ("SAU", 0)), cpr=cpr, esr=esr)
    doc, _ = _edge_text(rel, "KAZ")
    sec = _find(doc, "Civil and political rights", "Empowerment", "Participation in government")
    assert (
        "Kazakhstan was the only country with a score for the right to participate in government "
        "in 2019." in sec.lines
    )
    assert not any(line.startswith("The chart compares") for line in sec.lines)
    assert (
        "Kazakhstan scores 80.0% on each of the right to education, the right to food, the right "
        "to health, the right to housing and the right to work."
        in _find(doc, "Quality of life").lines
    )


# --------------------------------------------------------------------------- the parser itself


def test_split_names_reads_country_lists() -> None:
    vocabulary = {"Bosnia and Herzegovina": "BIH", "the United States": "USA", "Chad": "TCD"}
    assert _split_names("Chad, Bosnia and Herzegovina or the United States", "or", vocabulary) == [
        "TCD",
        "BIH",
        "USA",
    ]
    assert _split_names("Chad or four other countries", "or", vocabulary) == ["TCD", "+four"]
    assert _split_names("Chad, France", "or", vocabulary) is None


def test_english_helpers() -> None:
    assert (
        join(["journalists", "detainees and people accused of crimes"])
        == "journalists, and detainees and people accused of crimes"
    )
    assert join(["a", "b", "c"], "or") == "a, b or c"
    assert [ordinal(i) for i in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th",
    ]  # fmt: skip
    assert year_ranges([2009, 2010, 2011, 2014]) == ["2009–2011", "2014"]
    assert local_number("2.5", "fr_FR") == "2,5" and local_number("86.45", "pt_PT") == "86,45"
    assert Name("United States", True, False).poss == "the United States’"
    assert Name("Kazakhstan", False, False).poss == "Kazakhstan’s"
