"""How repetitive a report reads: repeated sentence templates and figures stated again and again.

In:  a ``Report`` (the model), the vocabulary of names it may print (countries, rights,
     dimensions, groups of people), and those of them a figure can be about (rights and
     dimensions).
Out: ``TextMetrics``: the report's visible sentences, how many of them share a template with
     another sentence of the same report, and the figures stated more than twice outside tables.

A sentence's *template* is the sentence with every name (country, right, dimension, group),
every number (digits, with their decimal sign, unit and "/10", and number words up to twenty)
and every year replaced by a placeholder. Two sentences with the same template say the same
thing about different rights: the measure the editor's review used ("half the sentences repeat
one of 23 templates with only the right's name changed"). Visible sentences are those of
paragraphs, bullet items, chart captions and the cover's statement; tables, headings, chart
labels and alternative texts are not counted, nor list items that only name (fewer than three
words besides names and numbers, such as "Journalists (79%)").

Used by ``tests/test_repetition.py`` (which pins the limits) and
``benchmarks/bench_text.py`` (which prints the figures for any country).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from reportgen.codebook import Codebook
from reportgen.load import Dataset
from reportgen.model import BulletList, Chart, Paragraph, Report, Section

_NUMBER_WORDS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9‘“'\"À-Ý¿¡])")
_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?(?:\s?%|/10)?")
_SCORE_OR_SHARE = re.compile(r"\d+(?:[.,]\d+)?(?:\s?%|/10)")


@dataclass(frozen=True, slots=True)
class TextMetrics:
    """The repetition figures of one report."""

    sentences: tuple[str, ...]
    templates: tuple[str, ...]  # one per sentence, same order
    repeated: int  # sentences whose template another sentence shares
    figures_over_twice: tuple[tuple[str, int], ...]  # (figure in its sentence's subject, count)

    @property
    def repeated_share(self) -> float:
        """Share of the visible sentences that belong to a repeated template."""
        return self.repeated / len(self.sentences) if self.sentences else 0.0

    def repeated_templates(self) -> list[tuple[str, int]]:
        """Each template used more than once, with its count, most used first."""
        counts = Counter(self.templates)
        return [(t, n) for t, n in counts.most_common() if n > 1]


def visible_sentences(report: Report) -> list[tuple[str, str]]:
    """Every sentence a reader sees in running text, with the id of its section ("cover" for
    the cover's statement): paragraphs, list items, chart captions."""
    return [(where, s) for where, _, s in _placed_sentences(report, frozenset())]


def _placed_sentences(report: Report, subjects: frozenset[str]) -> list[tuple[str, str, str]]:
    """``visible_sentences``, each also with the subject of its section: the title of the
    nearest section (itself or an ancestor) headed by one of ``subjects`` (lower case), such as
    a right's section and its "Who is at risk?"; "" outside any."""
    texts: list[tuple[str, str, str]] = (
        [("cover", "", report.cover.lede)] if report.cover.lede else []
    )

    def visit(section: Section, subject: str) -> None:
        if section.title.lower() in subjects:
            subject = section.title
        for block in section.blocks:
            if isinstance(block, Paragraph):
                texts.append((section.id, subject, block.text))
            elif isinstance(block, BulletList):
                texts.extend((section.id, subject, t) for t in block.texts)
            elif isinstance(block, Chart) and block.caption:
                texts.append((section.id, subject, block.caption))
        for child in section.children:
            visit(child, subject)

    for top in report.sections:
        visit(top, "")
    out: list[tuple[str, str, str]] = []
    for where, subject, text in texts:
        parts = _SENTENCE_END.split(" ".join(text.split()))
        out += [(where, subject, s.strip()) for s in parts if s.strip()]
    return out


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({n for n in names if len(n) > 2}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(
        r"(?<!\w)(?:the\s+)?(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)",
        re.IGNORECASE,
    )


def template(sentence: str, names: re.Pattern[str] | None) -> str:
    """``sentence`` with names, numbers and number words replaced by placeholders."""
    out = names.sub("‹name›", sentence) if names else sentence
    out = _FIGURE.sub("‹n›", out)
    out = re.sub(
        r"(?<!\w)(?:" + "|".join(_NUMBER_WORDS) + r")(?!\w)", "‹n›", out, flags=re.IGNORECASE
    )
    # a list of names is one slot, however many names it holds
    return re.sub(r"‹name›(?:(?:,\s*|\s+(?:and|or|et|ou|y|o|e)\s+)‹name›)+", "‹name›", out)


def measure(report: Report, names: Iterable[str], subjects: Iterable[str] = ()) -> TextMetrics:
    """The repetition figures of ``report``; ``names`` are every name it may print, ``subjects``
    those of them a figure can be about (rights and dimensions: ``subject_names``)."""
    pattern = _name_pattern(names)
    about = frozenset(n.lower() for n in subjects)
    sentences, templates, places = [], [], []
    for where, subject, s in _placed_sentences(report, about):
        t = template(s, pattern)
        # a list item that only names (a group and its share) is not a sentence
        if len(re.findall(r"[^\W\d_]{2,}", t.replace("‹name›", "").replace("‹n›", ""))) >= 3:
            sentences.append(s)
            templates.append(t)
            places.append((where, subject))
    counts = Counter(templates)
    repeated = sum(1 for t in templates if counts[t] > 1)
    # A figure is a printed score or share with the names its sentence mentions ("2.1/10" said
    # of assembly and association three times is one figure stated three times; 45% of two
    # groups are two figures); a sentence naming only the country is also placed by its
    # section (63% of the experts naming everyone, for two rights, are two figures), and one
    # in a right's section naming no right or dimension ("this right") by that right (22% of
    # the experts answering "no one", for two rights, are two figures).
    figures: Counter[str] = Counter()
    for (where, subject), s in zip(places, sentences, strict=True):
        names = sorted({m.group(0).lower() for m in pattern.finditer(s)}) if pattern else []
        this_right = bool(subject) and not any(n in about or _bare(n) in about for n in names)
        for m in _SCORE_OR_SHARE.finditer(s):
            place = subject if this_right else where if len(names) < 2 else ""
            figures[f"{m.group(0)} [{place}: {', '.join(names)}]"] += 1
    over = tuple((f, n) for f, n in figures.most_common() if n > 2)
    return TextMetrics(tuple(sentences), tuple(templates), repeated, over)


def _bare(name: str) -> str:
    """A matched name without the article the pattern lets it carry ("the right to …")."""
    return re.sub(r"^the\s+", "", name)


def report_names(book: Codebook, dataset: Dataset) -> set[str]:
    """Every name a report in ``book``'s language may print: countries, rights, groups."""
    names: set[str] = set()
    for right in book.rights.values():
        names |= {right.name, right.phrase, right.short}
    for dim in book.dimensions.values():
        names |= {dim.name, dim.phrase, dim.short}
    for group in book.groups.values():
        names |= {group.label, group.phrase}
    for code in dataset.countries["country"]:
        c = book.country(code, dataset.names)
        names.add(c.name)
        names |= {form for _, form in c.forms}
    return {n for n in names if n}


def subject_names(book: Codebook) -> set[str]:
    """The names a figure can be about, in ``book``'s language: rights and dimensions."""
    names: set[str] = set()
    for right in book.rights.values():
        names |= {right.name, right.phrase, right.short}
    for dim in book.dimensions.values():
        names |= {dim.name, dim.phrase, dim.short}
    return {n for n in names if n}
