"""Every sentence class of the report, for every country, against the independent checker.

Each country's report is built the way the CLI builds it (``compute_facts`` → ``build_report`` →
``render_text``), then its *text* is parsed and every figure, category and list it states is compared
with ``tests/independent.py``, which recomputes them from the raw CSV files by the written rules
(``rules_spec.md``, issue 11) without importing reportgen. ``compute_facts`` is only the pipeline
that produces the text here: no expected value is ever read from reportgen's facts.

What the test reads from reportgen besides the text: country *names* (``load_codebook("en")``, the
display names of a release) and the English codebook as data (right, group and band words). The
English words around the figures (band adjectives, quartiles, trend clauses, the wordings of each
varied sentence …) are written out here, as the test's own reading of the English phrase book.

Covered, per country of the real release (``HRMI_DATA_DIR``) and of the demo release: the order of
the chapters (a chapter without data is left out); the cover (subtitle, the lede's headline scores,
headline figures); the key findings (band counts, extremes, positions, the largest clear change or
the quality of life trend, the most frequent groups) and every row of the scorecard; each dimension
(score, suggestion lists, missing rights, all-poor / mixed, trend, charts); each right (score and
band, comparison, ties, overlap lists, position, trend, comparison chart); people at risk (shares,
tiers, "no one", named count, chart); quality of life (value, year, standard, fallbacks, years,
missing figures, position, best / lowest, rights chart, trend class, sexes, groups at risk); the
summary (safety lists, frequent groups, all people); how to read the report (the method, once) and
the data sources.

Said once, worded in turn: a thing the report explains once (what the comparison chart compares, the
captions of the comparison, trend and people-at-risk charts) must be at its first occasion and
nowhere else; a sentence said of many rights must use exactly the wording due at that point: each
sentence class counts its own uses in reading order and takes its wordings in turn (``Said``).

For the real release the French, Spanish and Portuguese reports are checked for every score and the
overall quality of life value in the locale's format, with no decimal point left. Synthetic releases
pin the edge rules on the text.
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
from typing import Any, TypeVar

import pytest
from babel.numbers import format_decimal

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
_T = TypeVar("_T")
_Alt = TypeVar("_Alt", bound=str | None)


def _toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


# --------------------------------------------------------------------------- English words

CODEBOOK = _toml(I18N / "en" / "codebook.toml")
PHRASES = _toml(I18N / "en" / "phrases.toml")
GRAMMAR = PHRASES["grammar"]
RIGHTS: dict[str, dict[str, str]] = {r["metric"]: r for r in CODEBOOK["rights"].values()}
# The codebook's key of each right ("assembly"): the order reportgen breaks an exact tie by.
RIGHT_KEY = {r["metric"]: key for key, r in CODEBOOK["rights"].items()}
RISK_PREFIX = {m: r["at_risk"].removesuffix("_atrisk") for m, r in RIGHTS.items()}
DIMS: dict[str, dict[str, Any]] = {d["metric"]: d for d in CODEBOOK["dimensions"].values()}
GROUPS: dict[str, dict[str, str]] = CODEBOOK["groups"]
BANDS: dict[str, str] = CODEBOOK["bands"]
STANDARDS: dict[str, str] = CODEBOOK["standards"]
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
SUBTITLE = {
    "both": "Civil and political rights, quality of life, and who is at risk",
    "cpr": "Civil and political rights, and who is at risk",
    "qol": "Quality of life: the rights to education, food, health, housing and work",
}
ILLUSTRATIVE_MARK = "**ILLUSTRATIVE DATA — fictional countries, not real measurements**"
QUARTILE = {1: "top quarter", 2: "second quarter", 3: "third quarter", 4: "bottom quarter"}
STANDARD_NAME = {"Core": "the core standard", "HiY": "the high-income standard"}
STANDARD_SHORT = {"Core": "core", "HiY": "high-income"}
DISTANCE = {
    "good": "only a short way",
    "fair": "some way",
    "bad": "a long way",
    "very_bad": "a very long way",
}
# The wordings of each trend clause, in the order the report takes them (per clause).
PREVIOUS = {
    "rose_clearly": [
        "has risen clearly from the previous year ({before} in {since})",
        "has gone up clearly since the previous year ({before} in {since})",
        "has clearly risen from the {before} of the previous year ({since})",
    ],
    "rose_slightly": [
        "has gone up slightly from the previous year",
        "has risen slightly since the previous year",
        "has edged up slightly since the previous year",
    ],
    "flat": [
        "is unchanged from the previous year",
        "has not changed since the previous year",
        "is the same as in the previous year",
    ],
    "fell_slightly": [
        "has gone down slightly from the previous year",
        "has fallen slightly since the previous year",
        "has slipped slightly since the previous year",
    ],
    "fell_clearly": [
        "has fallen clearly from the previous year ({before} in {since})",
        "has gone down clearly since the previous year ({before} in {since})",
        "has clearly fallen from the {before} of the previous year ({since})",
    ],
}
SINCE_FIRST = {
    "rose_clearly": ["has improved since {since}", "is clearly better than in {since}"],
    "rose_slightly": ["is slightly higher than in {since}", "is slightly better than in {since}"],
    "flat": ["is about where it was in {since}", "is much the same as in {since}"],
    "fell_slightly": ["is slightly lower than in {since}", "is slightly worse than in {since}"],
    "fell_clearly": ["has worsened since {since}", "is clearly worse than in {since}"],
}
# The wordings of the position sentence, in the order the report takes them (per position).
_IN_RANGE = "of the {n} countries with {short} data for {year}."
POSITION: dict[str, list[str]] = {
    "very_worst": [
        "What is certain is that {name} is performing among the very worst " + _IN_RANGE,
        "Even with the uncertainty taken into account, {name} ranks among the very worst "
        + _IN_RANGE,
        "Even at the best rank the uncertainty allows, {name} is among the very worst " + _IN_RANGE,
        "Whatever the uncertainty, {name} is among the very worst " + _IN_RANGE,
        "The uncertainty leaves no doubt that {name} is among the very worst " + _IN_RANGE,
    ],
    "bottom_half": [
        "Even allowing for uncertainty, {name} is in the bottom half " + _IN_RANGE,
        "Whatever the uncertainty, {name} ranks in the bottom half " + _IN_RANGE,
        "The uncertainty does not lift {name} out of the bottom half " + _IN_RANGE,
        "Even at the best rank the uncertainty allows, {name} is in the bottom half " + _IN_RANGE,
        "Among the {n} countries with {short} data for {year}, {name} is in the bottom half, "
        "even allowing for uncertainty.",
    ],
    "middle": [
        "Allowing for uncertainty, {name} sits in the middle range " + _IN_RANGE,
        "Taking the uncertainty into account, {name} ranks in the middle range " + _IN_RANGE,
        "With the uncertainty allowed for, {name} falls in the middle range " + _IN_RANGE,
        "Given the uncertainty, {name} belongs in the middle range " + _IN_RANGE,
        "Among the {n} countries with {short} data for {year}, {name} sits in the middle range "
        "once uncertainty is allowed for.",
        "Once uncertainty is taken into account, {name} is in the middle range " + _IN_RANGE,
        "Of the {n} countries with {short} data for {year}, {name} ranks in the middle range, "
        "allowing for uncertainty.",
    ],
    "unplaced": [
        "Allowing for uncertainty, {name} cannot be placed with confidence among the {n} "
        "countries with {short} data for {year}: its plausible rank runs from {best} to {worst}.",
        "Taking the uncertainty into account, {name} could rank anywhere from {best} to {worst} "
        "of the {n} countries with {short} data for {year}.",
        "The uncertainty is too wide to place {name} with confidence among the {n} countries "
        "with {short} data for {year}: it could be anywhere from {best} to {worst}.",
        "{Poss} plausible rank among the {n} countries with {short} data for {year} runs from "
        "{best} to {worst}, so it cannot be placed with confidence.",
        "Once uncertainty is allowed for, {name} could be anywhere from {best} to {worst} among "
        "the {n} countries with {short} data for {year}.",
    ],
    "top_half": [
        "Even allowing for uncertainty, {name} is in the top half " + _IN_RANGE,
        "Whatever the uncertainty, {name} ranks in the top half " + _IN_RANGE,
        "The uncertainty does not take {name} out of the top half " + _IN_RANGE,
        "Even at the worst rank the uncertainty allows, {name} is in the top half " + _IN_RANGE,
        "Among the {n} countries with {short} data for {year}, {name} is in the top half, even "
        "allowing for uncertainty.",
    ],
    "very_best": [
        "What is certain is that {name} is performing among the very best " + _IN_RANGE,
        "Even with the uncertainty taken into account, {name} ranks among the very best "
        + _IN_RANGE,
        "Even at the worst rank the uncertainty allows, {name} is among the very best " + _IN_RANGE,
        "Whatever the uncertainty, {name} is among the very best " + _IN_RANGE,
        "The uncertainty leaves no doubt that {name} is among the very best " + _IN_RANGE,
    ],
}
# Every wording says where among "the N countries with … data for YEAR" the country stands.
POSITION_LIKE = r" countries with .+ data for \d{4}"
RISK_VIOLATED = "as being at risk of having this right violated"
CAPTION = {
    "comparison": "Every country surveyed, best first, {name} highlighted: a dot is a score, its "
    "line the uncertainty band (see How to read this report).",
    "trend": "Scores with their uncertainty bands, by survey year.",
    "risk": "Share of the {n} experts who answered for this right naming each group; each expert "
    "could name several groups.",
    "scorecard": "The dot is the score and, for civil and political rights, the line its "
    "uncertainty band; the change column gives the earlier score it is compared with (see How "
    "to read this report).",
    "scorecard_qol": "The dot is the score; the shading shows the four bands (see How to read "
    "this report).",
}
# Narrative rules of the people-at-risk sentence and the lists (reportgen.narrative): tiers of
# equal counts, three and up to five while at least 40% named them; the quality-of-life groups:
# two "most at risk" (ties kept up to four) and a list of twelve (ties kept up to sixteen); the
# summary: eight frequent groups, ties kept up to ten.
TOP_TIERS, TOP_TIERS_MAX, TOP_TIERS_SHARE = 3, 5, 0.4
QOL_TOP, QOL_TOP_MAX, QOL_ROWS, QOL_ROWS_MAX = 2, 4, 12, 16
SUMMARY_ROWS, SUMMARY_ROWS_MAX = 8, 10
MAX_PEERS = 4
ALL_PEOPLE_HIGH = 0.30  # "Disturbingly, …" from this share of experts thinking everyone at risk
# The key findings' rules (README "Key findings"): "‘good’ on two …" names the rights of the best
# band reached when at most this many; a quality of life position needs this many countries.
FINDINGS_NAMED_MAX = 3
FINDINGS_QOL_POSITION_MIN = 4
FINDINGS_GROUPS_MAX = 3


# Narrative bugs already reported: the checker expects the correct sentence and recognises
# exactly the reported wrong one (see the module docstring).
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
    """A section of the text report: its heading, lines (paragraphs, bullets, table rows) and
    charts (each chart's line with its caption, None when it has none)."""

    level: int
    title: str
    lines: list[str] = field(default_factory=list)
    children: list[Sec] = field(default_factory=list)
    charts: list[tuple[str, str | None]] = field(default_factory=list)

    def sub(self, title: str) -> Sec | None:
        return next((c for c in self.children if c.title == title), None)

    def bullets(self) -> list[str]:
        return [line for line in self.lines if line.startswith("- ")]

    def rows(self) -> list[str]:
        """Table lines (the report has no table left: this must stay empty)."""
        return [line for line in self.lines if " | " in line]

    def chart(self, title_prefix: str) -> str | None:
        found = [line for line in self.lines if line.startswith(f"[Chart: {title_prefix}")]
        return found[0] if found else None

    def chart_block(self, title_prefix: str) -> tuple[str, str | None] | None:
        found = [c for c in self.charts if c[0].startswith(f"[Chart: {title_prefix}")]
        return found[0] if found else None


_HEADING = re.compile(r"^(#+) (.*)$")


def parse(text: str) -> Sec:
    """Blocks are separated by blank lines (a chart without a caption may leave more than one)."""
    root = Sec(0, "")
    stack = [root]
    for block in re.split(r"\n{2,}", text.strip("\n")):
        lines = [line for line in block.split("\n") if line]
        if not lines:
            continue
        match = _HEADING.match(lines[0])
        if match and len(lines) == 1:
            level = len(match.group(1))
            sec = Sec(level, match.group(2))
            while stack[-1].level >= level:
                stack.pop()
            stack[-1].children.append(sec)
            stack.append(sec)
            continue
        stack[-1].lines.extend(lines)
        if lines[0].startswith("[Chart: "):
            stack[-1].charts.append((lines[0], lines[1] if len(lines) > 1 else None))
    return root


def walk(sec: Sec) -> Iterable[Sec]:
    yield sec
    for child in sec.children:
        yield from walk(child)


# --------------------------------------------------------------------------- failures


class Check:
    """Collects every disagreement of one report, each with its sentence class."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.failures: list[str] = []

    def fail(self, cls: str, message: str) -> None:
        self.failures.append(f"[{cls}] {message}")

    def one(
        self,
        sec: Sec | None,
        cls: str,
        like: str,
        expected: str | None,
    ) -> int | None:
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

    def caption(self, sec: Sec | None, cls: str, title_prefix: str, expected: str | None) -> None:
        """The caption of the section's chart ``title_prefix`` (None: the chart has none). A
        missing chart is left to the chart's own check."""
        block = sec.chart_block(title_prefix) if sec is not None else None
        if sec is None or block is None or block[1] == expected:
            return
        self.fail(
            cls,
            f"§{sec.title}: caption of the chart {title_prefix!r}:\n    expected: "
            f"{expected or '(no caption)'}\n    found:    {block[1] or '(no caption)'}",
        )

    def order(self, cls: str, what: str, first: int | None, then: int | None) -> None:
        if first is not None and then is not None and not first < then:
            self.fail(cls, what)

    def raise_if_any(self) -> None:
        """Fail on any disagreement."""
        if self.failures:
            pytest.fail(
                f"{self.where}: {len(self.failures)} statement(s) disagree with "
                "tests/independent.py:\n" + "\n".join(self.failures),
                pytrace=False,
            )


class Said:
    """The checker's own account of what the report has said so far, in reading order.

    The narrative explains some things once (``first``: true at the first occasion only) and
    words a sentence said of many rights in turn (``due``: each sentence class, e.g.
    ``right.position.bottom_half``, counts its own uses and takes its wordings in order,
    cycling). ``charts`` counts the charts the checks expect, to find any chart not expected.
    """

    def __init__(self) -> None:
        self._said: set[str] = set()
        self._turns: dict[str, int] = {}
        self.charts = 0

    def first(self, what: str) -> bool:
        if what in self._said:
            return False
        self._said.add(what)
        return True

    def due(self, key: str, forms: Sequence[_T]) -> _T:
        turn = self._turns.get(key, 0)
        self._turns[key] = turn + 1
        return forms[turn % len(forms)]

    def chart(self, expected: _Alt) -> _Alt:
        """Count an expected chart (None: no chart expected) and pass its text on."""
        if expected is not None:
            self.charts += 1
        return expected


# --------------------------------------------------------------------------- releases


@dataclass(frozen=True, eq=False)
class Rel:
    label: str
    dataset: Dataset
    ind: ind.Release
    names: Mapping[str, Name]
    style: Style
    illustrative: bool = False

    def name(self, code: str) -> Name:
        return self.names[code]


def _names(dataset: Dataset) -> dict[str, Name]:
    book = load_codebook("en")
    out = {}
    for code in dataset.country_codes():
        n = book.country(code, dataset.names)
        out[code] = Name(n.name, n.article, n.plural)
    return out


def open_release(label: str, directory: Path, illustrative: bool = False) -> Rel:
    dataset = load_release(directory)
    return Rel(
        label, dataset, ind.load(directory), _names(dataset), load_style("base"), illustrative
    )


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
    # The demo release is the fictional one (its release.toml says so; its reports are marked).
    return open_release(label, directory, illustrative=label == "demo")


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
    def cpr_rights(self) -> list[ind.CprExpect]:
        """Every civil and political right with a score, in reading order."""
        return [r for dim in ind.CPR_DIMENSIONS for r in self.dim_rights(dim)]

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
    def kind(self) -> str:
        """What the report covers: "both", "cpr" (survey only) or "qol" (quality of life only)."""
        if self.has_survey and self.q is not None:
            return "both"
        return "cpr" if self.has_survey else "qol"

    @property
    def asked(self) -> int:
        """The rights the experts answered people-at-risk questions for (scored or not)."""
        return sum(ind.has_risk(self.rel.ind, self.code, p) for p in ind.RISK_METRICS)


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
    said = Said()
    _check_cover(ck, c, doc)
    findings = _check_findings(ck, c, doc.sub("Key findings"), said)
    scorecard = _check_scorecard(ck, c, doc.sub("Every right at a glance"), said)
    _check_cpr(ck, c, doc.sub("Civil and political rights"), said)
    _check_qol(ck, c, doc.sub("Quality of life"), said)
    summary = _check_summary(ck, c, doc.sub("Summary"))
    _check_how(ck, c, doc.sub("How to read this report"))
    _check_sources(ck, c, doc.sub("Data sources and citation"))
    chapters = [c.n.bare]
    chapters += ["Key findings"] if findings else []
    chapters += ["Every right at a glance"] if scorecard else []
    chapters += ["Civil and political rights"] if c.has_survey else []
    chapters += ["Quality of life"] if c.q is not None else []
    chapters += ["Summary"] if summary else []
    chapters += ["How to read this report", "Data sources and citation"]
    ck.lines(doc, "chapters", chapters, [s.title for s in doc.children])
    # Every chart of the report is one a check expected: no chart said twice or left behind.
    charts = sum(line.startswith("[Chart: ") for s in walk(doc) for line in s.lines)
    if charts != said.charts:
        ck.fail("charts", f"{charts} charts in the text, {said.charts} expected")
    rows = [row for s in walk(doc) for row in s.rows()]
    if rows:
        ck.fail("tables", "the report has no table any more, found:\n    " + "\n    ".join(rows))
    return ck


# --------------------------------------------------------------------------- cover


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


def _lede(c: Country) -> str:
    """The cover's statement: the headline scores in words."""
    n, parts = c.n, []
    cpr = [
        f"{OVERVIEW_CPR[d.band]} {score(d.mean)} for {DIMS[dim]['short']}"
        for dim in ind.CPR_DIMENSIONS
        if (d := c.dims[dim]) is not None
    ]
    if cpr:
        parts.append(f"{n.Name} scores {join(cpr)}.")
    overall = c.q.overall if c.q else None
    if overall is not None:
        when = f"{overall.year}" + (
            f", {STANDARD_NAME[overall.standard]}" if overall.fallback else ""
        )
        verb = OVERVIEW_ESR[overall.band]
        if not cpr:  # "also" is said after the civil and political scores only
            verb = verb.removeprefix("also ")
        parts.append(f"At {pct(overall.value)} ({when}), {n.name} {verb}: ")
        parts[-1] += f"{_qol_suggestion(c, overall.band)}."
    rights = [m for m in ind.ESR_RIGHTS if c.q and c.q[m] is not None]
    five = words(len(ind.ESR_RIGHTS))
    if not parts and len(rights) == 1 and c.q and (only := c.q[rights[0]]) is not None:
        # no headline score: what the data have (and a single right's score, which no
        # findings or scorecard give)
        when = f"{only.year}" + (f", {STANDARD_NAME[only.standard]}" if only.fallback else "")
        parts.append(
            f"The data give a score for only one of the {five} quality of life rights in "
            f"{n.name}: {pct(only.value)} for {RIGHTS[rights[0]]['phrase']} ({when}), and no "
            "overall quality of life score."
        )
    elif not parts and rights:
        parts.append(
            f"The data give scores for {words(len(rights))} of the {five} quality of life "
            f"rights in {n.name}, and no overall quality of life score."
        )
    return " ".join(parts)


def _check_cover(ck: Check, c: Country, doc: Sec) -> None:
    cover = doc.children[0] if doc.children else None
    if cover is None or cover.title != c.n.bare:
        ck.fail("cover", f"the report does not open with the country's name {c.n.bare!r}")
        return
    kicker = cover.lines[0] if cover.lines else ""
    if not re.fullmatch(r"Human rights country report · \d{4}", kicker):
        ck.fail(
            "cover.kicker", f"expected 'Human rights country report · <year>', found {kicker!r}"
        )

    def lines(lede: str) -> list[str]:
        return (
            [kicker, SUBTITLE[c.kind]]
            + ([lede] if lede else [])
            + ([ILLUSTRATIVE_MARK] if c.rel.illustrative else [])
            + _figures(c)
        )

    ck.lines(cover, "cover (kicker, subtitle, lede, figures)", lines(_lede(c)), cover.lines)


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
    """What the overall quality of life band suggests of the rights at that band (good: the
    rights scored good)."""
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
        it = "they" if len(rights) != 1 else "it"
        return f"{subject} not yet fulfilled as {it} could be"
    if band == "fair":
        if rights:
            return f"the {plural(len(rights), 'right', 'rights')} to {join(rights)} could be better fulfilled"
        return "these rights could be better fulfilled"
    return f"{subject} largely fulfilled for what its income allows"


# --------------------------------------------------------------------------- key findings


def _band_finding(c: Country) -> str | None:
    """How many rights fall in each band, best first, naming those of the best band reached."""
    rated = [(RIGHTS[r.metric]["phrase"], r.band) for r in c.cpr_rights]
    rated += [(RIGHTS[m.metric]["phrase"], m.band) for m in c.qol_rights]
    if len(rated) < 2:
        return None
    counts = {b: [p for p, band in rated if band == b] for b in reversed(BAND_ORDER)}
    top = next(b for b, rights in counts.items() if rights)
    parts = [f"‘{BANDS[b]}’ on {words(len(rights))}" for b, rights in counts.items() if rights]
    kind = {"both": "", "cpr": "civil and political ", "qol": "quality of life "}[c.kind]
    text = f"Of the {words(len(rated))} {kind}rights measured, {c.n.name} scores "
    if len(counts[top]) == len(rated):
        return text + f"‘{BANDS[top]}’ on every one."
    text += join(parts)
    named = counts[top]
    if len(named) <= FINDINGS_NAMED_MAX:
        text += (
            f": {join(named)} {plural(len(named), 'is', 'are')} the only "
            f"{plural(len(named), 'right', 'rights')} in the ‘{BANDS[top]}’ range"
        )
    return text + "."


def _extremes_finding(c: Country) -> str | None:
    """The lowest and highest civil and political right (ties on the printed score together);
    without survey scores, the lowest and highest quality of life right."""
    rights = c.cpr_rights
    if len(rights) >= 2:
        shown = {r.metric: Decimal(r.printed) for r in rights}
        hi, lo = max(shown.values()), min(shown.values())
        if hi == lo:
            return None
        best = [r for r in rights if shown[r.metric] == hi]
        worst = [r for r in rights if shown[r.metric] == lo]
        each_w, each_b = " each" if len(worst) > 1 else "", " each" if len(best) > 1 else ""
        return (
            "Its lowest civil and political score is for "
            f"{join(RIGHTS[r.metric]['phrase'] for r in worst)} ({score(worst[0].mean)}{each_w}), "
            f"its highest for {join(RIGHTS[r.metric]['phrase'] for r in best)} "
            f"({score(best[0].mean)}{each_b})."
        )
    q = c.q
    if c.has_survey or q is None or not q.best or not q.worst:
        return None
    worst_m = [m for k in q.worst if (m := q[k]) is not None]
    best_m = [m for k in q.best if (m := q[k]) is not None]
    each_w, each_b = " each" if len(worst_m) > 1 else "", " each" if len(best_m) > 1 else ""
    return (
        "Its lowest quality of life score is for "
        f"{join(RIGHTS[m.metric]['phrase'] for m in worst_m)} ({pct(worst_m[0].value)}{each_w}), "
        f"its highest for {join(RIGHTS[m.metric]['phrase'] for m in best_m)} "
        f"({pct(best_m[0].value)}{each_b})."
    )


def _position_finding(c: Country) -> str | None:
    """For how many rights the country is, even allowing for uncertainty, in the bottom (or top)
    half; without survey scores, the overall quality of life score's quarter."""
    compared = [r for r in c.cpr_rights if r.n > 1]
    bottom = sum(r.position in ("bottom_half", "very_worst") for r in compared)
    top = sum(r.position in ("top_half", "very_best") for r in compared)

    def of(k: int) -> str:
        whole = len(compared)
        count = (
            f"every one of its {words(whole)}"
            if k == whole
            else f"{words(k)} of its {words(whole)}"
        )
        return f"{count} civil and political rights"

    if bottom >= 2:
        tail = f", and in the top half for {words(top)}" if top >= 2 else ""
        return (
            f"Even allowing for uncertainty, {c.n.name} is in the bottom half of the countries "
            f"surveyed for {of(bottom)}{tail}."
        )
    if top >= 2:
        return (
            f"Even allowing for uncertainty, {c.n.name} is in the top half of the countries "
            f"surveyed for {of(top)}."
        )
    overall = c.q.overall if c.q else None
    if c.has_survey or overall is None or overall.n < FINDINGS_QOL_POSITION_MIN:
        return None
    return (
        f"Its overall quality of life score is in the {QUARTILE[overall.quartile]} of the "
        f"{overall.n} countries assessed against {STANDARD_NAME[overall.standard]} in "
        f"{overall.year}."
    )


def _change_finding(c: Country) -> str | None:
    """The largest clear change since the previous survey; without one, the quality of life
    trend when it rose or fell."""
    changed = [r for r in c.cpr_rights if r.since_previous is not None]
    clear = [r for r in changed if r.since_previous and r.since_previous.size == "clearly"]
    if clear:

        def size(r: ind.CprExpect) -> tuple[float, str]:
            ch = r.since_previous
            assert ch is not None
            return abs(ch.after - ch.before), RIGHT_KEY[r.metric]

        top = max(clear, key=size)
        ch = top.since_previous
        assert ch is not None
        phrase = RIGHTS[top.metric]["phrase"]
        count = (
            f"All {words(len(changed))}"
            if len(clear) == len(changed)
            else f"{cap(words(len(clear)))} of the {words(len(changed))}"
        )
        lead = (
            f"{count} civil and political scores have changed clearly since the previous "
            f"survey; the largest change is for {phrase}"
            if len(clear) > 1
            else f"The one clear change since the previous survey is for {phrase}"
        )
        return (
            f"{lead}, which {'rose' if ch.direction == 'rose' else 'fell'} from "
            f"{score(ch.before)} in {ch.since} to {score(ch.after)} in {top.year}."
        )
    tr = c.q.trend if c.q else None
    if tr is None or tr.direction == "flat":
        return None
    return (
        f"Quality of life has {'risen' if tr.direction == 'rose' else 'fallen'} from "
        f"{pct(tr.values[0])} in {tr.years[0]} to {pct(tr.values[-1])} in {tr.years[-1]}."
    )


def _groups_finding(c: Country) -> str | None:
    """The groups named at risk by at least 30% of the experts for the most rights."""
    frequent = sorted(
        ind.frequent_groups(c.rel.ind, c.code), key=lambda g: (-g[1], -round(g[2], 9), g[0])
    )
    if not frequent or frequent[0][1] < ind.FREQUENT_RIGHTS:
        return None
    most = frequent[0][1]
    top = [g for g in frequent if g[1] == most]
    names = [group_phrase(g[0]) for g in top]
    count = (
        f"every one of the {words(c.asked)}"
        if most == c.asked
        else f"{words(most)} of the {words(c.asked)}"
    )
    of = (
        f"named at risk by at least {share(ind.FREQUENT_SHARE)} of the experts for {count} "
        "rights they were asked about"
    )
    if len(top) <= FINDINGS_GROUPS_MAX:
        return f"{cap(join(names))} were {of}, more than any other group."
    return (
        f"{cap(words(len(top)))} groups were each {of}, more than any other group, "
        f"led by {join(names[:2])}."
    )


def _findings(c: Country) -> list[tuple[str, str]]:
    """The key findings, in order: (class, bullet)."""
    out: list[tuple[str, str]] = []
    for cls, finding in (
        ("findings.bands", _band_finding(c)),
        ("findings.extremes", _extremes_finding(c)),
        ("findings.position", _position_finding(c)),
        ("findings.change", _change_finding(c)),
        ("findings.groups", _groups_finding(c)),
    ):
        if finding is not None:
            out.append((cls, f"- {finding}"))
    return out


def _scorecard(c: Country) -> str | None:
    """The scorecard's alternative text: every dimension, right and the overall quality of life
    score, each with its printed value and band, in the report's order."""
    items: list[str] = []
    for dim in ind.CPR_DIMENSIONS:
        d = c.dims[dim]
        if d is not None:
            items.append(f"{DIMS[dim]['name']} {d.printed} ({BANDS[d.band]})")
        items += [
            f"{RIGHTS[r.metric]['name']} {r.printed} ({BANDS[r.band]})" for r in c.dim_rights(dim)
        ]
    overall = c.q.overall if c.q else None
    if overall is not None:
        # an overall score of the other standard than the rights' says so (Argentina's core)
        note = f" ({STANDARD_SHORT[overall.standard]})" if overall.fallback else ""
        label = DIMS["SER_Average"]["name"] + note
        items.append(f"{label} {pct(overall.value)} ({BANDS[overall.band]})")
    rights = c.qol_rights
    mixed = len({m.year for m in rights}) > 1
    for m in rights:
        notes = [str(m.year)] if mixed or m.year != c.qol_year else []
        if m.fallback:
            notes.append(STANDARD_SHORT[m.standard])
        label = RIGHTS[m.metric]["name"] + (f" ({', '.join(notes)})" if notes else "")
        items.append(f"{label} {pct(m.value)} ({BANDS[m.band]})")
    if len(items) < 2:
        return None
    return f"[Chart: Every right at a glance] Scores of {c.n.name}: " + "; ".join(items) + "."


def _check_findings(ck: Check, c: Country, sec: Sec | None, said: Said) -> bool:
    """The key findings and the scorecard; returns whether the section is due."""
    findings = _findings(c)
    # A survey country's scorecard is a chapter of its own (``_check_scorecard``); a quality
    # of life country's few rows end the findings.
    alt = None if c.has_survey else said.chart(_scorecard(c))
    if not findings and alt is None:
        if sec is not None:
            ck.fail("findings", "a Key findings section without any finding or scorecard")
        return False
    if sec is None:
        ck.fail("findings", "no Key findings section")
        return True
    found = sec.bullets()
    if len(found) != len(findings):
        ck.lines(sec, "findings", [f for _, f in findings], found)
    else:
        for (cls, expected), line in zip(findings, found, strict=True):
            if line != expected:
                ck.fail(cls, f"§{sec.title}:\n    expected: {expected}\n    found:    {line}")
    caption = None
    if not c.has_survey:
        ck.one(sec, "alt.scorecard", r"^\[Chart: Every right at a glance\]", alt)
        caption = CAPTION["scorecard_qol"]
        ck.caption(sec, "caption.scorecard", "Every right at a glance", caption)
    others = [
        line for line in sec.lines if not line.startswith("- ") and line != alt and line != caption
    ]
    if others:
        ck.fail("findings", f"§{sec.title}: lines of no finding:\n    " + "\n    ".join(others))
    return True


def _check_scorecard(ck: Check, c: Country, sec: Sec | None, said: Said) -> bool:
    """A survey country's scorecard, a chapter of its own after the findings (every right at
    a glance, its caption and nothing else); returns whether the chapter is due."""
    alt = said.chart(_scorecard(c)) if c.has_survey else None
    if alt is None:
        if sec is not None:
            ck.fail("scorecard", "an 'Every right at a glance' chapter without a scorecard")
        return False
    if sec is None:
        ck.fail("scorecard", "no 'Every right at a glance' chapter")
        return True
    ck.one(sec, "alt.scorecard", r"^\[Chart: Every right at a glance\]", alt)
    caption = CAPTION["scorecard"]
    ck.caption(sec, "caption.scorecard", "Every right at a glance", caption)
    others = [line for line in sec.lines if line not in (alt, caption)]
    if others:
        ck.fail("scorecard", f"§{sec.title}: lines of no scorecard:\n    " + "\n    ".join(others))
    return True


# --------------------------------------------------------------------------- civil and political


def _trend_sentence(
    c: Country,
    years: Sequence[int],
    prev: ind.Change | None,
    first: ind.Change | None,
    phrase: str,
    said: Said,
) -> str:
    if prev is None:
        return f"This is the first year with a score for {phrase}, so no trend can be shown yet."
    n, poss = words(len(years)), c.n.poss
    if first is not None:
        if prev.direction == "flat" and first.direction == "flat":
            return said.due(
                "trend.stable",
                [
                    f"This score has stayed about the same over the last {n} years.",
                    f"Over the last {n} years, this score has stayed about the same.",
                    f"{cap(poss)} score has changed little over the last {n} years.",
                    f"{cap(poss)} score for {phrase} has remained about the same over the last "
                    f"{n} years.",
                    f"There has been little change in this score over the last {n} years.",
                ],
            )
        if "rose" not in (prev.direction, first.direction) and "clearly" not in (
            prev.size,
            first.size,
        ):
            # the latest score is the sentence's section's own: not said again here
            b, since = score(first.before), first.since
            return said.due(
                "trend.no_improvement",
                [
                    f"{cap(poss)} score on {phrase} shows no improvement over the last {n} years "
                    f"(it was {b} in {since}).",
                    f"Over the last {n} years, {poss} score on {phrase} shows no improvement: in "
                    f"{since} it was {b}.",
                    f"{cap(poss)} score on {phrase} has not improved in {n} years: it stood at {b} "
                    f"in {since}.",
                    f"There has been no improvement in {poss} score on {phrase} over the last {n} "
                    f"years, from {b} in {since}.",
                ],
            )

    def key(ch: ind.Change) -> str:
        return "flat" if ch.direction == "flat" else f"{ch.direction}_{ch.size}"

    # each clause takes its wordings in turn; the sentence takes its own per previous change
    change = key(prev)
    clause = said.due(f"trend.previous.{change}", PREVIOUS[change])
    clause = clause.format(before=score(prev.before), since=prev.since)
    if first is not None:
        joiner = (
            said.due("trend.and", ["and"])
            if first.direction == prev.direction
            else said.due("trend.but", ["but", "though it"])
        )
        wording = said.due(f"trend.first.{key(first)}", SINCE_FIRST[key(first)])
        clause += f", {joiner} " + wording.format(since=first.since)
    poss = cap(c.n.poss)
    return said.due(
        f"trend.sentence per {change}",
        [
            f"This score {clause}.",
            f"{poss} score {clause}.",
            f"{poss} score for {phrase} {clause}.",
            f"{poss} {years[-1]} score {clause}.",
        ],
    )


TREND_LIKE = (
    r"(the previous year|^This score |^This is the first year with a score|this score has stayed"
    r"| shows no improvement| has not improved in |^There has been no improvement in | over the "
    r"last \w+ years\.$)"
)


def _check_cpr(ck: Check, c: Country, sec: Sec | None, said: Said) -> None:
    if not c.has_survey:
        if sec is not None:
            ck.fail("cpr", "a civil and political rights chapter for a country the survey missed")
        return
    if sec is None:
        ck.fail("cpr", "no civil and political rights chapter")
        return
    # the chapter's own text: only that a dimension without any score was not produced
    expected = [_score_missing(c, dim, said) for dim in ind.CPR_DIMENSIONS if not c.dim_exists(dim)]
    ck.lines(sec, "cpr (missing dimensions)", expected, sec.lines)
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
        _check_dimension(ck, c, dim, dsec, said)


def _score_missing(c: Country, dim: str, said: Said) -> str:
    short = DIMS[dim]["short"]
    return said.due(
        "dimension.score_missing",
        [
            f"No {short} score was produced for {c.n.name} in {c.year}.",
            f"The survey produced no {short} score for {c.n.name} in {c.year}.",
        ],
    )


def _check_dimension(ck: Check, c: Country, dim: str, sec: Sec, said: Said) -> None:
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
    ck.one(
        sec,
        "dimension.score_missing",
        r"^(No .* score was produced for |The survey produced no )",
        _score_missing(c, dim, said) if d is None else None,
    )
    missing = [RIGHTS[m]["phrase"] for m in ind.CPR_DIMENSIONS[dim] if c.rights[m] is None]
    ck.one(
        sec,
        "dimension.missing_rights",
        r"^(No score was produced for |This section leaves out )",
        said.due(
            "dimension.missing_rights",
            [
                f"No score was produced for {join(missing)} in {c.year}, so "
                f"{'it is' if len(missing) == 1 else 'they are'} left out of this section.",
                f"This section leaves out {join(missing)}, for which no score was produced in "
                f"{c.year}.",
            ],
        )
        if missing
        else None,
    )
    # Said once, in "How to read this report" and the scorecard: not per dimension.
    ck.one(sec, "dimension.covers", r" covers the right", None)
    ck.one(sec, "alt.rights", r"^\[Chart: .*: each right, ", None)
    bands = {r.band for r in rights}
    like = (
        r"(needs to make major improvements on|has major improvements to make\.$|scores in the "
        r"good range on every right|^On every right of this group, |does best on|^Of these "
        r"rights, .* scores highest on)"
    )
    expected = None
    if rights and bands <= {"very_bad", "bad"} and len(rights) > 1:
        areas = "both rights" if len(rights) == 2 else f"all {words(len(rights))} rights"
        expected = said.due(
            "dimension.all_poor",
            [
                f"{n.Name} needs to make major improvements on {areas} of this group.",
                f"On {areas} of this group, {n.name} has major improvements to make.",
            ],
        )
    elif rights and bands == {"good"}:
        expected = said.due(
            "dimension.all_good",
            [
                f"{n.Name} scores in the good range on every right of this group.",
                f"On every right of this group, {n.name} scores in the good range.",
            ],
        )
    elif len(rights) > 1:
        shown = {r.metric: Decimal(r.printed) for r in rights}
        top, bottom = max(shown.values()), min(shown.values())
        if top != bottom:
            # the scores themselves are the rights' sections' (and the extremes key findings)
            best = join(RIGHTS[r.metric]["phrase"] for r in rights if shown[r.metric] == top)
            worst = join(RIGHTS[r.metric]["phrase"] for r in rights if shown[r.metric] == bottom)
            expected = said.due(
                "dimension.mixed",
                [
                    f"{n.Name} does best on {best} and worst on {worst}.",
                    f"Of these rights, {n.name} scores highest on {best} and lowest on {worst}.",
                ],
            )
    ck.one(sec, "dimension.all_poor/all_good/mixed", like, expected)
    # the dimension's trend and its chart
    with_trend = d is not None and len(d.years) > 1
    ck.one(
        sec,
        "dimension.trend",
        TREND_LIKE,
        _trend_sentence(c, d.years, d.since_previous, d.since_first, info["phrase"], said)
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
    ck.one(sec, "alt.trend", r"^\[Chart: .* over time\]", said.chart(expected))
    if expected is not None:
        caption = CAPTION["trend"] if said.first("caption.trend") else None
        ck.caption(sec, "caption.trend", f"{info['name']} over time", caption)
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
        _check_right(ck, c, r, rsec, said)
        # beside the comparison chart (a row of two) when there is one, else in its section
        risk_sec = rsec.sub(f"{RIGHTS[metric]['name']}: who is at risk?")
        _check_risk(ck, c, metric, risk_sec, said, rsec if r.n > 1 else risk_sec)


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


def _score_forms(c: Country, r: ind.CprExpect) -> list[str]:
    """The wordings of a right's score sentence, in the order the report takes them."""
    n, phrase, v, y, band = c.n, RIGHTS[r.metric]["phrase"], score(r.mean), r.year, BANDS[r.band]
    return [
        f"{n.Name} scores {v} for {phrase} in {y}, in the ‘{band}’ range.",
        f"For {phrase}, {n.name} scores {v} in {y}, which is in the ‘{band}’ range.",
        f"On {phrase}, {n.poss} {y} score is {v}, in the ‘{band}’ range.",
        f"{cap(n.poss)} score for {phrase} in {y} is {v}, in the ‘{band}’ range.",
        f"With {v} for {phrase} in {y}, {n.name} is in the ‘{band}’ range.",
        f"{n.Name} is in the ‘{band}’ range for {phrase}, with a score of {v} in {y}.",
        f"In {y}, {n.name} scored {v} for {phrase}, a score in the ‘{band}’ range.",
        f"{n.Name} receives a score of {v} for {phrase} in {y}, which places it in the ‘{band}’ "
        "range.",
    ]


def _check_right(ck: Check, c: Country, r: ind.CprExpect, sec: Sec, said: Said) -> None:
    n, info, y = c.n, RIGHTS[r.metric], r.year
    phrase, short = info["phrase"], info["short"]
    cls = f" ({r.metric})"
    ck.one(
        sec,
        "right.score" + cls,
        r"/10.*‘[^’]+’ range|‘[^’]+’ range.*/10",
        said.due("right.score", _score_forms(c, r)),
    )
    alone = r.n == 1
    ck.one(
        sec,
        "right.compare" + cls,
        r"^The chart compares ",
        # what the chart compares is said at the first comparison chart of the report only
        None
        if alone or not said.first("right.compare")
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
    ck.one(
        sec, "alt.comparison" + cls, r"^\[Chart: .*: all countries surveyed, ", said.chart(expected)
    )
    if not alone:
        caption = (
            CAPTION["comparison"].format(name=n.name) if said.first("caption.comparison") else None
        )
        ck.caption(sec, "caption.comparison" + cls, f"{info['name']}: all countries", caption)
        _check_overlap(ck, c, r, sec, said)
        form = said.due(f"right.position.{r.position}", POSITION[r.position])
        ck.one(
            sec,
            "right.position" + cls,
            POSITION_LIKE,
            form.format(
                name=n.name,
                Poss=cap(n.poss),
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
        _trend_sentence(c, r.years, r.since_previous, r.since_first, phrase, said),
    )


def _overlap_forms(c: Country, phrase: str) -> dict[str, list[str]]:
    """Patterns of the overlap sentence's wordings, per class, in the order the report takes
    them: ``w`` / ``b`` the lists of countries it could be worse / better than (joined by "or"),
    ``w2`` the one country of the worse_one wording (joined by "and")."""
    nm, ph, poss = re.escape(c.n.name), re.escape(phrase), re.escape(c.n.poss)
    return {
        "both": [
            rf"^Because the uncertainty bands overlap, {nm} could in fact be performing worse than (?P<w>.+), or better than (?P<b>.+), for {ph}\.$",
            rf"^Allowing for the uncertainty bands, {nm} might rank below (?P<w>.+), or above (?P<b>.+), on {ph}\.$",
            rf"^The uncertainty bands leave room for {nm} to be doing worse than (?P<w>.+), or better than (?P<b>.+), on {ph}\.$",
            rf"^For {ph}, {nm} could in fact be doing worse than (?P<w>.+), or better than (?P<b>.+): the uncertainty bands overlap\.$",
            rf"^With overlapping uncertainty bands, {nm} may in reality rank below (?P<w>.+), or above (?P<b>.+), on {ph}\.$",
            rf"^Given the uncertainty, {nm} could actually be behind (?P<w>.+), or ahead of (?P<b>.+), on {ph}\.$",
            rf"^On {ph}, the uncertainty bands overlap, so {nm} could be faring worse than (?P<w>.+), or better than (?P<b>.+)\.$",
            rf"^The overlap of the uncertainty bands means that {nm} could in fact rank below (?P<w>.+), or above (?P<b>.+), on {ph}\.$",
        ],
        "worse_one": [
            rf"^Because the uncertainty bands for {nm} and (?P<w2>.+) overlap, {nm} could in fact be performing worse than (?P<w>.+) for {ph}\.$",
        ],
        "worse": [
            rf"^Because their uncertainty bands overlap with {poss}, {nm} could in fact be performing worse than (?P<w>.+) for {ph}\.$",
            rf"^The uncertainty bands leave room for (?P<w>.+) to be doing better than {nm} on {ph}\.$",
            rf"^Allowing for the uncertainty bands, {nm} might rank below (?P<w>.+) on {ph}\.$",
            rf"^Given the uncertainty, {nm} could actually be behind (?P<w>.+) on {ph}\.$",
        ],
        "better": [
            rf"^Because their uncertainty bands overlap with {poss}, {nm} could in fact be performing better than (?P<b>.+) for {ph}\.$",
            rf"^The uncertainty bands leave room for {nm} to be doing better than (?P<b>.+) on {ph}\.$",
            rf"^Allowing for the uncertainty bands, {nm} might rank above (?P<b>.+) on {ph}\.$",
            rf"^Given the uncertainty, {nm} could actually be ahead of (?P<b>.+) on {ph}\.$",
        ],
    }


def _check_overlap(ck: Check, c: Country, r: ind.CprExpect, sec: Sec, said: Said) -> None:
    n, phrase = c.n, RIGHTS[r.metric]["phrase"]
    cls = f"right.overlap ({r.metric})"
    forms = _overlap_forms(c, phrase)
    like = "|".join(
        [
            r"^Apart from the .* with the same score",
            r".* uncertainty band overlaps with no other",
            *(
                "(?:" + re.sub(r"\(\?P<\w+>", "(?:", p) + ")"
                for wordings in forms.values()
                for p in wordings
            ),
        ]
    )
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
    if worse and better:
        key = "both"
    elif worse:
        key = "worse_one" if len(worse) == 1 else "worse"
    else:
        key = "better"
    wordings = forms[key]
    pattern = said.due(f"right.overlap_{key}", wordings)
    if len(found) != 1:
        ck.fail(cls, f"expected one overlap sentence, found {found}")
        return
    line = found[0]
    match = re.match(pattern, line)
    if match is None:
        ck.fail(
            f"{cls} {key}",
            f"expected wording {wordings.index(pattern) + 1} of {len(wordings)} of the "
            f"overlap_{key} "
            f"sentence ({len(worse)} could-be-worse-than: {list(worse[:6])}, {len(better)} "
            f"could-be-better-than: {list(better[:6])}), found:\n    {line}",
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


def _all_people_forms(c: Country, v: float) -> list[str]:
    n, s = c.n.name, share(v)
    everyone = f"everyone in {n} is at real risk"
    violated = "of having this right violated"
    if v >= ALL_PEOPLE_HIGH:
        return [
            f"Disturbingly, {s} of the experts thought that {everyone} {violated}.",
            f"Disturbingly, {s} of the experts thought that {everyone}, not only particular groups.",
            f"As many as {s} of the experts said that {everyone} {violated}.",
            f"Worryingly, {s} of the experts said that {everyone} {violated}.",
            f"A troubling {s} of the experts thought that {everyone}, not only particular groups.",
            f"No fewer than {s} of the experts considered everyone in {n} to be at real risk "
            f"{violated}.",
        ]
    return [
        f"{s} of the experts thought that {everyone} {violated}.",
        f"{s} of the experts thought that {everyone}, not only particular groups.",
        f"According to {s} of the experts, {everyone} {violated}.",
        f"{cap(everyone)} {violated}, according to {s} of the experts.",
        f"{s} of the experts said that {everyone} {violated}.",
        f"For {s} of the experts, {everyone} {violated}.",
        f"{s} of the experts considered everyone in {n} to be at real risk {violated}.",
        f"In the view of {s} of the experts, {everyone}, not only particular groups.",
    ]


def _no_one_forms(c: Country, v: float) -> list[str]:
    n, s = c.n.name, share(v)
    at_risk = f"no one in {n} is at risk of having this right violated"
    return [
        f"{s} of the experts answered that {at_risk}.",
        f"{s} of the experts said that {at_risk}.",
        f"According to {s} of the experts, {at_risk}.",
        f"For {s} of the experts, {at_risk}.",
        f"{cap(at_risk)}, according to {s} of the experts.",
        f"{s} of the experts saw no one in {n} as at risk of having this right violated.",
        f"{s} of the experts considered that {at_risk}.",
        f"In the view of {s} of the experts, {at_risk}.",
    ]


def _no_one_all_forms(c: Country, k: int) -> list[str]:
    at_risk = f"no one in {c.n.name} is at risk of having this right violated"
    return [
        f"All {k} experts who answered said that {at_risk}.",
        f"Every one of the {k} experts who answered said that {at_risk}.",
        f"{cap(at_risk)}, according to all {k} experts who answered.",
        f"The {k} experts who answered were unanimous: {at_risk}.",
        f"Each of the {k} experts who answered said that {at_risk}.",
    ]


def _top_forms(tiers: list[tuple[float, list[int]]]) -> list[str]:
    """The wordings of the "who is named most" sentence, in the order the report takes them
    (one class for a single tier, another for several)."""
    (s0, g0), rest = tiers[0], tiers[1:]
    first = join(group_phrase(g) for g in g0)
    if not rest:
        return [
            f"{share(s0)} of the experts identified {first} {RISK_VIOLATED}.",
            f"{cap(first)} were named at risk by {share(s0)} of the experts.",
            f"{share(s0)} of the experts said that {first} are at risk of having this right "
            "violated.",
            f"According to {share(s0)} of the experts, {first} are at risk of having this right "
            "violated.",
        ]

    def names(g: list[int]) -> str:
        return join(group_phrase(x) for x in g)

    def listed(first_sep: str, item: str = "{names} ({share})") -> str:
        """The tiers after the first: ``first_sep`` before the first, " and " before the
        last, ", " between; each ``item`` with its names and share."""
        out = ""
        for i, (s, g) in enumerate(rest):
            sep = first_sep if i == 0 else (" and " if i == len(rest) - 1 else ", ")
            out += sep + item.format(names=names(g), share=share(s))
        return out

    # When a later tier names several groups, its share cannot be told from the names with
    # commas and "and": tiers are then set apart by semicolons.
    if any(len(g) > 1 for _, g in rest):
        by_share = "".join(
            ("; and " if i == len(rest) - 1 and i > 0 else "; ") + f"{names(g)} by {share(s)}"
            for i, (s, g) in enumerate(rest)
        )
    else:
        by_share = listed(", ", "{names} by {share}")
    identified = f"{share(s0)} of the experts identified {first} {RISK_VIOLATED}"
    saw = f"{share(s0)} of the experts saw {first} as at risk of having this right violated"
    for i, (s, g) in enumerate(rest):
        lead = ", while" if i == 0 else (", and" if i == len(rest) - 1 else ",")
        identified += f"{lead} {share(s)} identified {names(g)}"
        lead = (
            "; {} said the same of"
            if i == 0
            else (", and {} of" if i == len(rest) - 1 else ", {} of")
        )
        saw += lead.format(share(s)) + f" {names(g)}"
    return [
        identified + ".",
        f"{share(s0)} of the experts named {first} as at risk{listed(', followed by ')}.",
        f"Most often named at risk were {first}, by {share(s0)} of the experts{listed('; then ')}.",
        f"{cap(first)} were named at risk by {share(s0)} of the experts" + by_share + ".",
        f"{cap(first)} top the list of groups at risk, named by {share(s0)} of the experts"
        + listed(", ahead of ")
        + ".",
        f"Of the groups at risk, {first} were named most often, by {share(s0)} of the experts"
        + listed(", followed by ")
        + ".",
        saw + ".",
        f"Heading the list of groups at risk are {first}, named by {share(s0)} of the experts"
        + listed("; next come ")
        + ".",
    ]


def _named_forms(count: int) -> list[str]:
    return [
        f"In total, there were {count} groups of people identified by the experts as being at "
        "risk of having this right violated.",
        f"In total, the experts named {count} groups of people as at risk of having this right "
        "violated.",
        f"Altogether, {count} groups of people were named.",
        f"The experts named {count} groups in all.",
        f"All told, {count} groups of people were named at risk for this right.",
        f"The experts’ answers named {count} groups of people in total.",
        f"Counting every answer, {count} groups of people were named.",
        f"Between them, the experts named {count} groups of people as at risk of having this "
        "right violated.",
    ]


def _check_risk(
    ck: Check, c: Country, metric: str, sec: Sec | None, said: Said, chart_sec: Sec | None
) -> None:
    """The right's "Who is at risk?" section ``sec``; its chart is drawn in ``chart_sec``."""
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
    # Said once, in "How to read this report".
    ck.one(sec, "risk.intro" + cls, r"^We asked the human rights experts", None)
    if rk is None:
        return
    no_one = None
    if rk.no_one:
        if rk.no_one >= 1.0:
            no_one = said.due("risk.no_one_all", _no_one_all_forms(c, rk.respondents))
        else:
            no_one = said.due("risk.no_one", _no_one_forms(c, rk.no_one))
    i_no_one = ck.one(sec, "risk.no_one" + cls, r"[Nn]o one in .+ at risk", no_one)
    all_people = None
    if rk.all_people:
        high = rk.all_people >= ALL_PEOPLE_HIGH
        key = "risk.all_people_high" if high else "risk.all_people"
        all_people = said.due(key, _all_people_forms(c, rk.all_people))
    i_all = ck.one(
        sec,
        "risk.all_people" + cls,
        r"[Ee]veryone in .+ at real risk",
        all_people,
    )
    tiers = _tiers(rk.groups)
    top = None
    if tiers:
        top = said.due("risk.top" if len(tiers) > 1 else "risk.top_one", _top_forms(tiers))
    i_top = ck.one(
        sec,
        "risk.top" + cls,
        r"(^\d+% of the experts (identified|named|saw(?! no one)) |^Most often named at risk were | were "
        r"named at risk by \d+% of the experts| top the list of groups at risk|^Of the groups at "
        r"risk, |^Heading the list of groups at risk |^\d+% of the experts said that (?!no one"
        r"|everyone)|^According to \d+% of the experts, (?!no one|everyone))",
        top,
    )
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
            else said.due(
                "risk.none",
                [
                    "No expert identified any group as being at risk of having this right "
                    "violated.",
                    "Not one of the experts named any group as at risk of having this right violated.",
                    "The experts did not identify any group as being at risk of having this right "
                    "violated.",
                ],
            )
        )
    elif rk.named_count == 1:
        named = said.due(
            "risk.named_one",
            [
                "Only one group of people was identified by the experts as being at risk of "
                "having this right violated.",
                "The experts identified only one group of people as at risk of having this right "
                "violated.",
            ],
        )
    else:
        named = said.due("risk.named", _named_forms(rk.named_count))
    ck.one(
        sec,
        "risk.named" + cls,
        r"^(In total, |Only one group of people was|No expert identified any|Altogether, \d+ "
        r"groups|The experts named \d+ groups|All told, \d+ groups|The experts’ answers named|"
        r"Counting every answer, |Between them, |The experts identified only one group|Not one of "
        r"the experts named any|The experts did not identify any)",
        named,
    )
    by_code = {people: p for people, _, p in rk.groups}
    bars = ", ".join(f"{group_label(g)} {share(by_code[g])}" for g in rk.table_rows)
    # no chart when the first tier is too wide to list
    expected = (
        f"[Chart: {info['name']}: who is at risk, {rk.year}] Groups at risk for {info['short']} "
        f"in {n.name}: {bars}."
        if rk.table_rows
        else None
    )
    ck.one(chart_sec, "alt.risk" + cls, r"^\[Chart: .*: who is at risk, ", said.chart(expected))
    if chart_sec is not sec:
        ck.one(sec, "alt.risk (in its section)" + cls, r"^\[Chart: .*: who is at risk, ", None)
    if expected is not None:
        caption = CAPTION["risk"].format(n=rk.respondents) if said.first("caption.risk") else None
        ck.caption(chart_sec, "caption.risk" + cls, f"{info['name']}: who is at risk", caption)


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


def _check_qol(ck: Check, c: Country, sec: Sec | None, said: Said) -> None:
    n, q = c.n, c.q
    if q is None:
        if sec is not None:
            ck.fail("qol", "a Quality of life chapter for a country without any figure")
        return
    if sec is None:
        ck.fail("qol", "no Quality of life chapter")
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
        # (what the chart of each right shows, in words, follows it in its section)
        _check_best(ck, c, rsec)
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
            said.chart(
                f"[Chart: {title}] Quality of life rights for {n.name}"
                + ("" if mixed else f" in {qyear}")
                + f", income-adjusted: {values}."
            ),
        )
        # Said once, in "How to read this report".
        ck.one(rsec, "qol.benchmarks", r"^Two benchmarks are used", None)
        ck.one(rsec, "qol.chart_intro", r"^The chart shows each right under both", None)
    _check_qol_trend(ck, c, sec.sub("Quality of life over time"), said)
    _check_sexes(ck, c, sec.sub("Women and men"), said)
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


def _check_qol_trend(ck: Check, c: Country, sec: Sec | None, said: Said) -> None:
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
    overall = q.overall
    # the overall series of the other standard than the country's says so in its title
    note = f" ({STANDARD_SHORT[overall.standard]})" if overall and overall.fallback else ""
    expected = said.chart(
        f"[Chart: Quality of life, {fy}–{ly}{note}] {poss} quality of life score, income-adjusted, went "
        f"from {first} in {fy} to {last} in {ly}."
    )
    if alt != expected:
        ck.fail("alt.esr_trend", f"§{sec.title}:\n    expected: {expected}\n    found:    {alt}")


def _check_sexes(ck: Check, c: Country, sec: Sec | None, said: Said) -> None:
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
    expected["basis"] = (
        "Scores by sex use only the indicators published for women and men separately, so the "
        "overall score of a right need not lie between them."
    )
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
        "basis": r"^Scores by sex use only the indicators",
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
        said.chart(
            f"[Chart: {title}] Quality of life by sex for {n.name}"
            + ("" if mixed else f" in {c.qol_year}")
            + f": {values}."
        ),
    )


def _check_qol_risk(ck: Check, c: Country, sec: Sec | None) -> None:
    # Means of shares equal but for floating-point noise are equal: ties are ordered by code.
    groups = tuple(
        sorted(ind.qol_risk_groups(c.rel.ind, c.code), key=lambda g: (-round(g[1], 9), g[0]))
    )
    answered = any(ind.has_risk(c.rel.ind, c.code, p) for p in ind.ESR_RISK_METRICS)
    if not groups and not answered:  # a section that would report nothing is left out
        if sec is not None:
            ck.fail("qol.risk", "a people-at-risk section without any answer")
        return
    if sec is None:
        ck.fail("qol.risk", "no section 'Who is least likely to enjoy these rights?'")
        return
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


def _check_summary(ck: Check, c: Country, sec: Sec | None) -> bool:
    """The summary's sentences; returns whether the section is due (it has any)."""
    n = c.n
    expect: dict[str, tuple[str, str | None]] = {}  # class -> (like, sentence)
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
    expect["summary.empowerment"] = (
        r"^Our data show that (?!.* quality of life obligations under international law)",
        expected,
    )
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
    expect["summary.safety"] = (r"(safe from the state|largely protects people from)", expected)
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
            "30% of the experts for at least three rights, with the number of those rights and the "
            f"average share of the experts naming each for them{count}:"
        )
    expect["summary.groups"] = (r"consistently identified by high numbers of our experts", lead)
    expect["summary.no_groups"] = (
        r"^No group was named by a large share",
        "No group was named by a large share of experts across several rights."
        if not frequent and c.has_survey
        else None,
    )
    k = ind.all_people_rights(c.rel.ind, c.code)
    count = (
        f"every one of the {words(c.asked)}"
        if k == c.asked
        else f"{words(k)} of the {words(c.asked)}"
    )
    expect["summary.all_people"] = (
        r"^Everyone in .*, not only particular groups, was named at risk",
        f"Everyone in {n.name}, not only particular groups, was named at risk by at least "
        f"{share(ind.FREQUENT_SHARE)} of the experts for {count} rights they were asked about."
        if ind.all_people_frequent(c.rel.ind, c.code)
        else None,
    )
    overall = c.q.overall if c.q else None
    expect["summary.quality_of_life"] = (
        r"quality of life obligations under international law",
        f"Our data show that {n.name} {SUMMARY_QOL[overall.band]} its quality of life "
        "obligations under international law."
        if overall
        else None,
    )
    latest = ind.esr_latest_year(c.rel.ind)
    expect["summary.qol_old"] = (
        r"^The overall quality of life score is from ",
        f"The overall quality of life score is from {overall.year}, the latest the release has "
        f"for {n.name}."
        if overall and latest is not None and overall.year < latest
        else None,
    )
    due = any(sentence is not None for _, sentence in expect.values())
    if not due:
        if sec is not None:
            ck.fail("summary", "a Summary section with nothing to sum up")
        return False
    if sec is None:
        ck.fail("summary", "no Summary section")
        return True
    for cls, (like, sentence) in expect.items():
        ck.one(sec, cls, like, sentence)
    items = [f"- {group_label(g[0])} ({words(g[1])} rights, {share(g[2])})" for g in shown]
    ck.lines(sec, "summary.groups list", items, sec.bullets())
    return True


# --------------------------------------------------------------------------- method and sources


@dataclass(frozen=True)
class Starts:
    """A paragraph of fixed wording, recognised by its opening words."""

    text: str


def _paragraphs(ck: Check, sec: Sec | None, cls: str, expected: list[str | Starts]) -> None:
    """The section's paragraphs are exactly ``expected``, in order."""
    if sec is None:
        ck.fail(cls, "no section")
        return
    found = sec.lines
    ok = len(found) == len(expected) and all(
        line.startswith(e.text) if isinstance(e, Starts) else line == e
        for e, line in zip(expected, found, strict=False)
    )
    if not ok:
        want = [f"{e.text}…" if isinstance(e, Starts) else e for e in expected]
        shown = list(found)
        for i, e in enumerate(expected[: len(found)]):
            if isinstance(e, Starts) and found[i].startswith(e.text):
                shown[i] = f"{e.text}…"
        ck.lines(sec, cls, want, shown)


def _check_how(ck: Check, c: Country, sec: Sec | None) -> None:
    """The method, said once: what each band means, what the labels are not, what each
    dimension covers (survey countries), uncertainty, trends and people at risk (survey
    countries), quality of life and its two benchmarks (countries with its figures)."""
    # Each scale only where the report has its scores.
    cpr_scale = (
        " Civil and political rights are scored from 0 to 10: very bad below 3.5, bad from 3.5 "
        "to 6, fair from 6 to 8, and good from 8."
    )
    qol_scale = (
        " Quality of life is scored in per cent of what is feasible: very bad below 75%, bad "
        "from 75% to 85%, fair from 85% to 95%, and good from 95%."
    )
    expected: list[str | Starts] = [
        "Scores are grouped into four bands."
        + (cpr_scale if c.has_survey else "")
        + (qol_scale if c.q is not None else ""),
        "The labels good, fair, bad and very bad give a general indication of how to read the "
        "scores. They are not a full description of a country’s performance on any right.",
    ]
    if c.has_survey:
        covers = [
            f"{DIMS[dim]['phrase']} covers {join(RIGHTS[m]['phrase'] for m in rights)}"
            for dim, rights in ind.CPR_DIMENSIONS.items()
            if c.dim_exists(dim)
        ]
        expected += [
            cap("; ".join(covers)) + ".",
            "Civil and political rights scores come from a survey of human rights experts and "
            "carry uncertainty. The charts draw each score as a dot and its uncertainty band as a "
            "line: the credible range of the score, from its 10th to its 90th percentile, like the "
            "margin of error of an opinion poll. When two countries’ bands overlap, we cannot say "
            "for certain which of them is doing better. A band that reaches past either end of "
            "the 0–10 scale is cut there and ends in an arrowhead. Each chart of a right shows "
            "every country "
            "surveyed that year, best first, with the country of the report highlighted.",
            Starts("A change from one year to another is called clear when"),
            Starts("People at risk: we asked the human rights experts surveyed which groups"),
        ]
    if c.q is not None:
        expected += [
            Starts("Quality of life scores use the SERF Index methodology"),
            Starts("Two benchmarks are used."),
        ]
    if c.rel.illustrative:
        expected.append(Starts("This report was built from a fictional, illustrative release"))
    _paragraphs(ck, sec, "how-to-read", expected)


def _check_sources(ck: Check, c: Country, sec: Sec | None) -> None:
    """Where the figures come from: the survey's years for a survey country, the quality of
    life statistics' years and the country's standard for a country with its figures."""
    rel = c.rel.ind
    # One paragraph of the data ("Data: …", then the survey's and the statistics' lines), then
    # the citation.
    parts = []
    if c.has_survey and rel.cpr_years:
        parts.append(
            "Civil and political rights and people at risk: expert survey, "
            f"{rel.cpr_years[0]}–{rel.cpr_years[-1]}."
        )
    if c.q is not None and rel.esr_years:
        # a figure under the other standard (the rights' and the overall score's): named too
        others = {m.standard for m in c.q.metrics.values() if m is not None and m.fallback}
        other = f", or the {STANDARDS[others.pop()]} where it has no figure" if others else ""
        parts.append(
            f"Quality of life: international statistics, {rel.esr_years[0]}–{rel.esr_years[-1]}; "
            f"{STANDARDS[c.q.default_standard]}{other}."
        )
    expected: list[str | Starts] = [Starts("Data: "), Starts("Cite as: ")]
    _paragraphs(ck, sec, "sources", expected)
    tail = " ".join(parts)
    data = next((line for line in sec.lines if line.startswith("Data: ")), "") if sec else ""
    if not data.endswith(tail) or data.count(": ") != 1 + len(parts):
        ck.fail("sources", f"the data line\n    expected: Data: … {tail}\n    found:    {data}")
    cited = f"). {c.n.bare}: human rights country report. "
    if sec is not None and not any(
        line.startswith("Cite as: ") and cited in line for line in sec.lines
    ):
        ck.fail("sources.citation", f"the citation does not name {c.n.bare!r}")


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
    for line in text.splitlines():
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
    # every sentence class holds here too
    check_report(rel, code, text).raise_if_any()
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
    sec = _find(doc, *TORTURE, "Freedom from torture: who is at risk?")
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
    # the chart stands beside the comparison chart, in the right's section
    assert sec.charts == []
    beside = [ch for ch in _find(doc, *TORTURE).charts if "who is at risk" in ch[0]]
    assert beside == [
        (
            "[Chart: Freedom from torture: who is at risk, 2019] Groups at risk for torture in "
            "Kazakhstan: People of particular nationalities 63%.",
            # the first people-at-risk chart of the report says what the shares are of
            "Share of the 8 experts who answered for this right naming each group; each expert "
            "could name several groups.",
        )
    ]
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


def _eighth_row(tmp_path: Path, counts: dict[int, int]) -> list[str]:
    """The groups the people-at-risk chart shows (its bars), as "Label share"."""
    cpr = [_cpr_rows("KAZ", "tort", 5.0, 4.5, 5.5), _cpr_rows("SAU", "tort", 2.0, 1.5, 2.5)]
    risk = _risk_rows("KAZ", "tort_atrisk", counts, 20)
    rel = _release_dir(tmp_path / "r", countries=(("KAZ", 0), ("SAU", 0)), cpr=cpr, risk=risk)
    doc, _ = _edge_text(rel, "KAZ")
    chart = _find(doc, *TORTURE).chart("Freedom from torture: who is at risk")  # beside its ranking
    assert chart is not None
    return chart.split(" in Kazakhstan: ", 1)[1].removesuffix(".").split(", ")


def test_edge_tie_at_the_eighth_row_is_kept(tmp_path: Path) -> None:
    counts = {2: 9, 3: 8, 4: 7, 5: 6, 6: 5, 7: 4, 8: 3, 12: 2, 10: 2, 11: 2, 9: 1}
    bars = _eighth_row(tmp_path, counts)
    assert len(bars) == 10
    assert bars[-3:] == ["Women and girls 10%", "LGBTQIA+ people 10%", "Children 10%"]


def test_edge_tie_past_twelve_rows_leaves_the_tier_out(tmp_path: Path) -> None:
    counts = {2: 9, 3: 8, 4: 7, 5: 6, 6: 5, 7: 4, 8: 3, 9: 1} | dict.fromkeys(range(10, 16), 2)
    bars = _eighth_row(tmp_path, counts)
    assert len(bars) == 7
    assert bars[-1] == "People in particular places 15%"


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
    # without survey scores the findings are quality of life's: extremes, trend (no position
    # among two countries); the scorecard labels each right with its year
    assert _find(doc, "Key findings").bullets() == [
        "- Of the two quality of life rights measured, Kazakhstan scores ‘fair’ on one and ‘very "
        "bad’ on one: the right to food is the only right in the ‘fair’ range.",
        "- Its lowest quality of life score is for the right to education (72.0%), its highest "
        "for the right to food (90.0%).",
        "- Quality of life has risen from 80.0% in 2014 to 81.1% in 2016.",
    ]
    assert _find(doc, "Key findings").chart("Every right at a glance") == (
        "[Chart: Every right at a glance] Scores of Kazakhstan: Quality of life 81.1% (bad); "
        "Education (2018) 72.0% (very bad); Food (2016) 90.0% (fair)."
    )
    assert [s.title for s in doc.children][:3] == ["Kazakhstan", "Key findings", "Quality of life"]


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
        in _find(doc, "Quality of life", "Each quality of life right").lines
    )
    # one band for all: no right is named; no extremes, position or change to find
    assert _find(doc, "Key findings").bullets() == [
        "- Of the six rights measured, Kazakhstan scores ‘bad’ on every one."
    ]


def test_edge_first_comparison_explained_once_and_wordings_in_turn(tmp_path: Path) -> None:
    """Two rights compared: the first says what the chart compares and has the caption; the
    second takes the score sentence's second wording and has neither."""
    cpr = [
        _cpr_rows("KAZ", "arrest", 3.0, 2.8, 3.2),
        _cpr_rows("SAU", "arrest", 6.0, 5.8, 6.2),
        _cpr_rows("KAZ", "tort", 5.0, 4.8, 5.2),
        _cpr_rows("SAU", "tort", 2.0, 1.8, 2.2),
    ]
    rel = _release_dir(tmp_path / "r", countries=(("KAZ", 0), ("SAU", 0)), cpr=cpr)
    doc, _ = _edge_text(rel, "KAZ")
    safety = ("Civil and political rights", "Safety from the state")
    arrest = _find(doc, *safety, "Freedom from arbitrary arrest")
    torture = _find(doc, *safety, "Freedom from torture")
    assert arrest.lines[0] == (
        "Kazakhstan scores 3.0/10 for the right to freedom from arbitrary arrest in 2019, in the "
        "‘very bad’ range."
    )
    assert arrest.lines[1].startswith(
        "The chart compares Kazakhstan’s score with the scores of the 1"
    )
    assert arrest.charts[0][1] == (
        "Every country surveyed, best first, Kazakhstan highlighted: a dot is a score, its line "
        "the uncertainty band (see How to read this report)."
    )
    assert torture.lines[0] == (
        "For the right to freedom from torture and ill-treatment, Kazakhstan scores 5.0/10 in "
        "2019, which is in the ‘bad’ range."
    )
    assert not any(line.startswith("The chart compares") for line in torture.lines)
    assert torture.charts[0][1] is None
    assert _find(doc, "Key findings").bullets()[1] == (
        "- Its lowest civil and political score is for the right to freedom from arbitrary "
        "arrest (3.0/10), its highest for the right to freedom from torture and ill-treatment "
        "(5.0/10)."
    )


# --------------------------------------------------------------------------- the parser itself


def test_parse_reads_charts_with_and_without_caption() -> None:
    text = (
        "# A\n\n## B\n\n[Chart: One] alt one.\nCaption one.\n\n[Chart: Two] alt two.\n\n\n"
        "Para.\n\n### C\n\n- x\n- y\n"
    )
    doc = parse(text)
    b = _find(doc, "A", "B")
    assert b.charts == [("[Chart: One] alt one.", "Caption one."), ("[Chart: Two] alt two.", None)]
    assert b.lines == ["[Chart: One] alt one.", "Caption one.", "[Chart: Two] alt two.", "Para."]
    assert _find(doc, "A", "B", "C").bullets() == ["- x", "- y"]


def test_said_turns_count_per_class_and_first_is_once() -> None:
    said = Said()
    forms = ["a", "b", "c"]
    assert [said.due("k", forms) for _ in range(4)] == ["a", "b", "c", "a"]
    assert said.due("other", forms) == "a"  # each class counts its own uses
    assert said.first("x") and not said.first("x") and said.first("y")


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
