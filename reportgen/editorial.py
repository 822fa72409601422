"""Editorial files: the publisher's own words, placed at anchors of a report, numbers checked.

In:  a folder of Markdown files, one per country (``KAZ.md``, for every language) or per
     country and language (``KAZ.fr.md``, which wins for French); a country's facts and its
     report (or profile) model.
Out: ``Editorial`` (the file read and checked: its front matter and blocks) and
     ``apply_editorial`` → the model with the editor's title, lede and blocks in place;
     ``anchors`` lists the places of a model where blocks may go.

The file::

    +++
    title = "Kazakhstan: a promise to keep"      # replaces the report's title (optional)
    subtitle = "..."                             # under it (default: the generated title)
    lede = "A short paragraph for the cover."    # on the cover, after the generated lede
    language = "en"                              # apply only to reports in this language
    +++

    ## after: key-findings
    ### A president's promise                    (optional: the blocks form a new section)
    Paragraphs, *emphasis*, **strong**, [links](https://example.org), bullet lists.

    > A quote from another organisation.

    — Human Rights Watch, 2019

    ## before: assembly
    Kazakhstan scores {{ score("assembly") }} for assembly and association.

``## after: ANCHOR`` and ``## before: ANCHOR`` open a block; ANCHOR is a section of the
report (``reportgen anchors`` lists a country's). Without a ``###`` heading the blocks go at
the end (after) or the start (before) of the section's own text, under its heading; with one
they form a new section, a sibling of the anchor's, right after it (with its subsections) or
right before it. A block anchored to a section the profile does not have is left out of the
profile. A block quote must be followed by its source, a line starting with "—" (or "--").

Placeholders print the data as the report does: ``{{ score("empowerment") }}`` (a dimension's
or a right's score, or quality of life's), ``{{ share("assembly", "journalists") }}`` (the
share of experts naming a group, by its code or its name), ``{{ band("torture") }}`` and
``{{ year("assembly") }}``. Nothing else runs: there is no template language, raw HTML is
printed as text, and only http, https and mailto links are kept.

A number written in the text with a unit (2.7/10, 86.5%) beside the name of a right or a
dimension (the nearest name in its sentence, in any of the languages) must be a value the data
has for it: a score of any year or the ends of its uncertainty band (out of 10); a quality of
life score under either benchmark, of women or men, or a share of experts naming a group
(per cent). Otherwise the file is refused with its line, the value written and the data's
value. Quotes are not checked (they are other people's words); numbers without a unit are not.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

from reportgen.codebook import load_codebook
from reportgen.errors import ReportgenError
from reportgen.facts import CountryFacts, CprDimension, CprRight
from reportgen.model import Block, BulletList, Paragraph, Quote, Report, Section, Span
from reportgen.phrases import Phrases, available_languages, load_phrases

__all__ = [
    "FRONT_MATTER_KEYS",
    "PLACEHOLDERS",
    "Anchor",
    "Editorial",
    "EditorialError",
    "anchors",
    "apply_editorial",
    "editorial_file",
    "editorial_files",
    "read_editorial",
]

FRONT_MATTER_KEYS = ("title", "subtitle", "lede", "language")
PLACEHOLDERS = ("score", "share", "band", "year")
QUOTE_WORDS = 120  # a pull quote is short: longer quotes are refused
LINK_SCHEMES = ("http://", "https://", "mailto:")
ALIASES = {"overview": "key-findings"}  # other names of anchors

_OPEN, _CLOSE = "\ue000", "\ue001"  # around a placeholder's value: set as a key figure
_FILLED = re.compile(f"{_OPEN}[^{_CLOSE}]*{_CLOSE}")
_ANCHOR_LINE = re.compile(r"^##\s+(?P<where>[A-Za-z]+)\s*:\s*(?P<anchor>\S*)\s*$")
_PLACEHOLDER = re.compile(r"\{\{(?P<body>.*?)\}\}")
_CALL = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*)\s*\((?P<args>.*)\)\s*$")
_ARG = re.compile(r"""\s*(?:"(?P<d>[^"]*)"|'(?P<s>[^']*)')\s*(?:,|$)""")
# a number with a unit: "2.7/10", "2,7 / 10", "86.5%", "86,5 %", "86.5 per cent"
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<value>\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>/\s*10(?![\d.,]*\d)|%|\s?per\s?cent\b|\s?percent\b|\s?pour\s?cent\b|"
    r"\s?por\s?ciento\b|\s?por\s?cento\b)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_EXPERTS = re.compile(r"expert|especialista", re.IGNORECASE)


class EditorialError(ReportgenError):
    """An editorial file cannot be used: where (file, line) and what to do."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """A place of a report where editorial blocks may go: its name, section id and title."""

    name: str
    section: str
    title: str
    level: int


@dataclass(frozen=True, slots=True)
class Placed:
    """Blocks of an editorial file placed at an anchor (``title``: as a section of their own)."""

    anchor: str
    where: Literal["before", "after"]
    title: str | None
    blocks: tuple[Block, ...]
    line: int  # of its ``## after:`` line


@dataclass(frozen=True, slots=True)
class Editorial:
    """An editorial file, read and checked against one country's data."""

    path: Path
    title: str = ""
    subtitle: str = ""
    lede: tuple[Span, ...] = ()
    language: str | None = None
    placed: tuple[Placed, ...] = field(default_factory=tuple)


# --- where the files are ---------------------------------------------------------------------


def editorial_file(directory: Path, code: str, language: str) -> Path | None:
    """The editorial file of country ``code`` for ``language`` in ``directory``: ``CODE.lang.md``
    if there is one, else ``CODE.md``, else None. ``EditorialError`` if the folder is missing."""
    _folder(directory)
    for name in (f"{code}.{language}.md", f"{code}.md"):
        path = directory / name
        if path.is_file():
            return path
    return None


def _folder(directory: Path) -> None:
    """``EditorialError`` unless ``directory`` is a folder."""
    if not directory.is_dir():
        raise EditorialError(
            f"Editorial folder not found: {directory}. Give --editorial a folder of Markdown "
            "files named like KAZ.md or KAZ.fr.md."
        )


def editorial_files(directory: Path, codes: Iterable[str]) -> dict[tuple[str, str | None], Path]:
    """Every editorial file of ``directory`` by (country, language or None for all): each
    ``*.md`` must be named ``CODE.md`` or ``CODE.lang.md`` for a country in ``codes`` and a
    language there are phrases for, else ``EditorialError`` naming the file."""
    _folder(directory)
    known = set(codes)
    languages = available_languages()
    found: dict[tuple[str, str | None], Path] = {}
    for path in sorted(directory.glob("*.md")):
        parts = path.name[: -len(".md")].split(".")
        code, language = parts[0], (parts[1] if len(parts) == 2 else None)
        if len(parts) > 2 or (language is not None and language not in languages):
            raise EditorialError(
                f"{path}: an editorial file is named CODE.md or CODE.LANG.md, LANG one of "
                f"{', '.join(languages)}{_nearest(language or '', languages)}. Rename it."
            )
        if code not in known:
            raise EditorialError(
                f"{path}: '{code}' is not a country of the release{_nearest(code, known)}. "
                "Name the file by the country's ISO3 code (KAZ.md)."
            )
        found[(code, language)] = path
    return found


# --- reading a file --------------------------------------------------------------------------


def read_editorial(
    path: Path, facts: CountryFacts, language: str, country_name: str = ""
) -> Editorial:
    """Read, render and check ``path`` for the country of ``facts`` in ``language``.

    Placeholders are replaced by the values the report prints; every number written beside a
    right's or a dimension's name is compared with the data. ``EditorialError`` names the
    file, the line and what to change. Anchors are checked when the blocks are placed
    (``apply_editorial``), against the sections the report has.
    """
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EditorialError(
            f"{path}: not UTF-8 text (byte {exc.start}). Save the file as UTF-8."
        ) from None
    except OSError as exc:
        raise EditorialError(f"{path}: cannot be read ({exc.strerror}).") from None
    # (an HTML comment is the editor's note to self: removed, its lines kept blank)
    source = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    lines = source.splitlines()
    meta, body_start = _front_matter(path, lines)
    values = _Values(path, facts, load_phrases(language), country_name or facts.code)
    names = _subject_names()
    checker = _NumberCheck(path, values, names)

    def text(value: str, line: int, check: bool = True) -> str:
        """``value`` (placeholders already filled, between markers) with its numbers checked."""
        if check:
            checker.check(value, line)
        return value

    def front(key: str) -> str:
        # (plain text, not Markdown: only its apostrophes made typographic, as the body's)
        return text(values.fill(_APOSTROPHE.sub("’", meta.get(key, "")), 1), 1)

    title = front("title").replace(_OPEN, "").replace(_CLOSE, "")
    subtitle = front("subtitle").replace(_OPEN, "").replace(_CLOSE, "")
    lede = _spans_of_text(front("lede")) if meta.get("lede") else ()
    # placeholders are filled line by line before the Markdown is read: a value is never
    # taken for markup, and a name in one ("__x__") is never read as emphasis
    lines[body_start:] = [
        values.fill(line, number) for number, line in enumerate(lines[body_start:], body_start + 1)
    ]
    placed = _blocks(path, lines, body_start, text, meta.get("language", language))
    return Editorial(path, title, subtitle, lede, meta.get("language"), tuple(placed))


def _front_matter(path: Path, lines: list[str]) -> tuple[dict[str, str], int]:
    """The TOML between the first two ``+++`` lines → (its values, the body's first line)."""
    if not lines or lines[0].strip() != "+++":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
    if end is None:
        raise EditorialError(
            f"{path}, line 1: the front matter opened by '+++' is not closed. "
            "Add a line '+++' after it."
        )
    try:
        data = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise EditorialError(f"{path}, front matter: not valid TOML ({exc}).") from None
    meta: dict[str, str] = {}
    for key, value in data.items():
        if key not in FRONT_MATTER_KEYS:
            raise EditorialError(
                f"{path}, front matter: unknown key '{key}'{_nearest(key, FRONT_MATTER_KEYS)}. "
                f"Valid keys: {', '.join(FRONT_MATTER_KEYS)}."
            )
        if not isinstance(value, str):
            raise EditorialError(
                f"{path}, front matter: '{key}' must be text in quotes, not {value!r}."
            )
        meta[key] = value.strip()
    language = meta.get("language")
    if language is not None and language.lower() not in available_languages():
        raise EditorialError(
            f"{path}, front matter: language '{language}' is not one of "
            f"{', '.join(available_languages())}."
        )
    if language is not None:
        meta["language"] = language.lower()
    return meta, end + 1


def _blocks(
    path: Path,
    lines: list[str],
    start: int,
    text: _TextFn,
    language: str = "en",
) -> list[Placed]:
    """The body from line ``start`` (0-based): its ``## after/before:`` blocks."""
    heads: list[tuple[int, str, str]] = []  # (line index, where, anchor)
    for i in range(start, len(lines)):
        line = lines[i]
        if line.startswith("## ") or line.strip() == "##":
            match = _ANCHOR_LINE.match(line.strip())
            where = match.group("where").lower() if match else ""
            anchor = match.group("anchor") if match else ""
            if not match or where not in ("after", "before") or not anchor:
                raise EditorialError(
                    f"{path}, line {i + 1}: {line.strip()!r} is not a place for text. A block "
                    "starts with '## after: ANCHOR' or '## before: ANCHOR' (`reportgen "
                    "anchors` lists the anchors); use '###' for a heading of your own."
                )
            heads.append((i, where, anchor))
    first = heads[0][0] if heads else len(lines)
    stray = next((i for i in range(start, first) if lines[i].strip()), None)
    if stray is not None:
        raise EditorialError(
            f"{path}, line {stray + 1}: text before the first '## after: ANCHOR' or "
            "'## before: ANCHOR' line has no place in the report. Put such a line above it."
        )
    placed: list[Placed] = []
    for n, (i, where, anchor) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        title, blocks = _parse_block(path, lines[i + 1 : end], i + 1, text, language)
        if not blocks and title is None:
            raise EditorialError(
                f"{path}, line {i + 1}: '## {where}: {anchor}' has no text under it. "
                "Write the text under it or remove the line."
            )
        placed.append(Placed(anchor, where, title, tuple(blocks), i + 1))  # type: ignore[arg-type]
    return placed


class _TextFn(Protocol):
    """(text, 1-based line, check numbers?) → the text with its placeholders filled."""

    def __call__(self, value: str, line: int, check: bool = True) -> str: ...


# The typographic quotes of each language (double, then single), for an editor's straight ones.
_QUOTES = {
    "en": ["“", "”", "‘", "’"],
    "fr": ["«\u202f", "\u202f»", "“", "”"],
    "es": ["«", "»", "“", "”"],
    "pt": ["«", "»", "“", "”"],
}


@functools.cache
def _markdown(language: str) -> MarkdownIt:
    """CommonMark with raw HTML off (it is printed as text), and an editor's straight quotes
    and apostrophes made typographic as the rest of the report's ("president’s"), in
    ``language``'s quotes; built on first use."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable("smartquotes")
    md.options["quotes"] = _QUOTES.get(language, _QUOTES["en"])
    return md


def _parse_block(
    path: Path, lines: list[str], offset: int, text: _TextFn, language: str = "en"
) -> tuple[str | None, list[Block]]:
    """The Markdown of one block (``offset``: the 0-based index of its first line in the file)
    → (its ``###`` title or None, its blocks)."""
    tokens = _markdown(language).parse("\n".join(lines))
    title: str | None = None
    blocks: list[Block | _PendingQuote] = []
    i = 0

    def line_of(token: Token) -> int:
        return offset + (token.map[0] if token.map else 0) + 1

    def fail(token: Token, what: str) -> EditorialError:
        return EditorialError(f"{path}, line {line_of(token)}: {what}")

    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            inline = tokens[i + 1]
            if tok.tag != "h3":
                raise fail(
                    tok,
                    f"a heading '{'#' * int(tok.tag[1])}' cannot be placed: use '###' for a "
                    "section of your own (one per block, first), or plain text.",
                )
            if title is not None or blocks:
                raise fail(
                    tok,
                    "a '###' heading must come first in its block: start a new "
                    "'## after: ANCHOR' block for another section.",
                )
            title = _plain(_inline(path, inline, line_of(tok), text))
            i += 3
        elif tok.type == "paragraph_open":
            inline = tokens[i + 1]
            spans = _inline(path, inline, line_of(tok), text)
            if blocks and isinstance(blocks[-1], _PendingQuote):
                pending = blocks.pop()
                assert isinstance(pending, _PendingQuote)
                source = _plain(spans).strip()
                if not source.startswith(("—", "--")):
                    raise fail(
                        tok,
                        "a quote needs its source on the line after it, starting with '—' "
                        "(— Human Rights Watch, 2019).",
                    )
                attribution = source.lstrip("—-").strip()
                if not attribution:
                    raise fail(tok, "the quote's source line names no one: write who said it.")
                blocks.append(Quote(pending.paragraphs, attribution))
            else:
                blocks.append(Paragraph(spans))
            i += 3
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            items, i = _list(path, tokens, i, text, offset)
            blocks.append(BulletList(tuple(items)))
        elif tok.type == "blockquote_open":
            depth, j = 1, i + 1
            paragraphs: list[tuple[Span, ...]] = []
            last: Token | None = None
            while depth:
                t = tokens[j]
                if t.type == "blockquote_open":
                    raise fail(t, "a quote inside a quote cannot be set: quote once.")
                if t.type == "blockquote_close":
                    depth -= 1
                elif t.type == "inline":
                    paragraphs.append(_inline(path, t, line_of(t), text, check=False))
                    last = t
                elif t.type not in ("paragraph_open", "paragraph_close"):
                    raise fail(t, "a quote holds paragraphs only (no lists or headings).")
                j += 1
            lazy = _source_line(last)
            if lazy is not None and last is not None:
                # "> quote" then "— Source" on the very next line: Markdown reads the source
                # as part of the quote (a lazy continuation); it is the quote's source
                kept = last.copy()
                kept.children = (last.children or [])[: lazy[0]]
                paragraphs[-1] = _inline(path, kept, line_of(last), text, check=False)
                attribution = lazy[1]
                if not attribution:
                    raise fail(tok, "the quote's source line names no one: write who said it.")
                blocks.append(Quote(tuple(paragraphs), attribution))
                i = j
                continue
            words = sum(len(_plain(p).split()) for p in paragraphs)
            if words > QUOTE_WORDS:
                raise fail(
                    tok,
                    f"a pull quote of {words} words is too long to set apart (at most "
                    f"{QUOTE_WORDS}): quote less, or write it as a paragraph.",
                )
            blocks.append(_PendingQuote(tuple(paragraphs), line_of(tok)))
            i = j
        elif tok.type == "hr":
            raise fail(tok, "a rule ('---') cannot be placed: leave it out.")
        elif tok.type in ("fence", "code_block"):
            raise fail(tok, "code cannot be placed: write it as a paragraph.")
        elif tok.type == "html_block":  # (not produced: HTML is off; kept for safety)
            raise fail(tok, "HTML cannot be placed: write plain Markdown.")
        else:
            raise fail(tok, f"'{tok.type}' cannot be placed.")
    if blocks and isinstance(blocks[-1], _PendingQuote):
        raise EditorialError(
            f"{path}, line {blocks[-1].line}: a quote needs its source on the line after it, "
            "starting with '—' (— Human Rights Watch, 2019)."
        )
    return title, [b for b in blocks if not isinstance(b, _PendingQuote)]


def _source_line(token: Token | None) -> tuple[int, str] | None:
    """The quote's source when it is the last line of its last paragraph (a line break, then
    "— Source") → (the index of that break among the token's children, the source); else
    None."""
    children = list(token.children or []) if token is not None else []
    breaks = [n for n, c in enumerate(children) if c.type in ("softbreak", "hardbreak")]
    if not breaks:
        return None
    after = "".join(c.content for c in children[breaks[-1] + 1 :]).strip()
    if not after.startswith(("—", "--")):
        return None
    return breaks[-1], after.lstrip("—-").strip()


@dataclass(frozen=True, slots=True)
class _PendingQuote:
    """A block quote waiting for its source line."""

    paragraphs: tuple[tuple[Span, ...], ...]
    line: int


def _list(
    path: Path, tokens: list[Token], i: int, text: _TextFn, offset: int
) -> tuple[list[tuple[Span, ...]], int]:
    """The items of the list opening at ``tokens[i]`` (``offset``: the block's first line,
    0-based) → (items, the index after the list)."""
    close = tokens[i].type.replace("_open", "_close")
    items: list[tuple[Span, ...]] = []
    j = i + 1
    current: list[Span] = []
    while tokens[j].type != close:
        t = tokens[j]
        line = offset + (t.map[0] if t.map else 0) + 1
        if t.type in ("bullet_list_open", "ordered_list_open"):
            raise EditorialError(
                f"{path}, line {line}: a list inside a list cannot be set: make it one list."
            )
        if t.type == "inline":
            if current:
                current.append(Span(" "))
            current += _inline(path, t, line, text)
        elif t.type == "list_item_close":
            items.append(_merge(current))
            current = []
        j += 1
    return items, j + 1


def _inline(
    path: Path, token: Token, line: int, text: _TextFn, check: bool = True
) -> tuple[Span, ...]:
    """An inline token → spans: text with placeholders filled (their values strong), bold,
    italic and links; line breaks become spaces. With ``check``, the numbers of the whole
    text (a code span aside: `12%` is printed as written, unchecked) are checked."""
    spans: list[Span] = []
    checked: list[str] = []  # the text as checked: code spans blanked, line breaks kept
    strong = emphasis = 0
    href: str | None = None
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "code_inline", "html_inline"):
            spans += _marked(child.content, strong > 0, emphasis > 0, href)
            checked.append(" " * len(child.content) if kind == "code_inline" else child.content)
        elif kind in ("softbreak", "hardbreak"):
            spans.append(Span(" ", strong > 0, emphasis > 0, href))
            checked.append("\n")
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong -= 1
        elif kind == "em_open":
            emphasis += 1
        elif kind == "em_close":
            emphasis -= 1
        elif kind == "link_open":
            target = str(child.attrs.get("href", ""))
            if not target.lower().startswith(LINK_SCHEMES):
                raise EditorialError(
                    f"{path}, line {line}: the link {target!r} is not a web or mail address: "
                    f"only {', '.join(LINK_SCHEMES)} links are kept."
                )
            href = target
        elif kind == "link_close":
            href = None
        elif kind == "image":
            raise EditorialError(f"{path}, line {line}: images cannot be placed in the text.")
        else:
            spans += _marked(child.content, strong > 0, emphasis > 0, href)
            checked.append(child.content)
    if check:
        text("".join(checked), line, True)
    return _merge(spans)


def _marked(value: str, strong: bool, emphasis: bool, href: str | None) -> list[Span]:
    """Text with placeholder values between the markers → spans, the values strong."""
    out: list[Span] = []
    for n, piece in enumerate(re.split(f"[{_OPEN}{_CLOSE}]", value)):
        if piece:
            out.append(Span(piece, strong or n % 2 == 1, emphasis, href))
    return out


def _merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Neighbouring spans of the same kind joined."""
    out: list[Span] = []
    for s in spans:
        if out and (out[-1].strong, out[-1].emphasis, out[-1].href) == (
            s.strong,
            s.emphasis,
            s.href,
        ):
            out[-1] = Span(out[-1].text + s.text, s.strong, s.emphasis, s.href)
        else:
            out.append(s)
    return tuple(out)


def _spans_of_text(value: str) -> tuple[Span, ...]:
    return _merge(_marked(value, False, False, None))


def _plain(spans: Sequence[Span]) -> str:
    return "".join(s.text for s in spans)


def _nearest(word: str, choices: Iterable[str]) -> str:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{found[0]}'?)" if found else ""


# --- what placeholders print -------------------------------------------------------------------

_DIMENSIONS = ("empowerment", "safety", "quality_of_life")


def _key(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


class _Values:
    """The data of one country as the report prints it, for placeholders and checks."""

    def __init__(self, path: Path, facts: CountryFacts, ph: Phrases, country: str) -> None:
        self.path, self.facts, self.ph, self.country = path, facts, ph, country
        self.book = load_codebook(ph.language)
        self.cpr: dict[str, CprDimension | CprRight] = {}
        for dim in (facts.empowerment, facts.safety):
            if dim is None:
                continue
            self.cpr[dim.key] = dim
            for right in dim.rights:
                self.cpr[right.key] = right
        self.subjects = set(_DIMENSIONS) | set(self.book.rights) | set(self.book.dimensions)
        self.rights_at_risk = {k for k, v in self.cpr.items() if isinstance(v, CprRight)}

    # -- placeholders ---------------------------------------------------------------------
    def fill(self, value: str, line: int) -> str:
        """``value`` with every ``{{ name("arg") }}`` replaced by what it prints (marked)."""
        if "{%" in value or "{#" in value:
            raise EditorialError(
                f"{self.path}, line {line}: template code ('{{%' or '{{#') is not allowed: "
                f"only the placeholders {', '.join(p + '(…)' for p in PLACEHOLDERS)}."
            )

        def one(match: re.Match[str]) -> str:
            return _OPEN + self._call(match.group("body"), line) + _CLOSE

        filled = _PLACEHOLDER.sub(one, value)
        if "{{" in filled or "}}" in filled:
            raise EditorialError(
                f"{self.path}, line {line}: an unclosed placeholder ('{{{{' without '}}}}')."
            )
        return filled

    def _call(self, body: str, line: int) -> str:
        where = f"{self.path}, line {line}"
        call = _CALL.match(body)
        if call is None:
            raise EditorialError(
                f"{where}: '{{{{{body}}}}}' is not a placeholder. Write one of "
                f'{", ".join(p + "(…)" for p in PLACEHOLDERS)}, e.g. {{{{ score("empowerment") }}}}.'
            )
        name, raw = call.group("name"), call.group("args")
        args = [
            m.group("d") if m.group("d") is not None else m.group("s") for m in _ARG.finditer(raw)
        ]
        if (
            not raw.strip()
            or "".join(m.group(0) for m in _ARG.finditer(raw)).strip() != raw.strip()
        ):
            raise EditorialError(
                f"{where}: the arguments of {name}(…) must be names in quotes, e.g. "
                f'{name}("assembly").'
            )
        if name not in PLACEHOLDERS:
            raise EditorialError(
                f"{where}: unknown placeholder '{name}'{_nearest(name, PLACEHOLDERS)}. "
                f"Placeholders: {', '.join(PLACEHOLDERS)}."
            )
        wanted = 2 if name == "share" else 1
        if len(args) != wanted:
            raise EditorialError(
                f"{where}: {name}() takes {wanted} name{'s' if wanted > 1 else ''} in quotes, "
                f"not {len(args)}."
            )
        subject = self._subject(args[0], where)
        if name == "share":
            return self._share(subject, args[1], where)
        return self._value(name, subject, where)

    def _subject(self, raw: str, where: str) -> str:
        key = _key(raw)
        if key not in self.subjects:
            raise EditorialError(
                f"{where}: '{raw}' is not a right or a dimension"
                f"{_nearest(key, sorted(self.subjects))}. Names: {', '.join(sorted(self.subjects))}."
            )
        return key

    def _missing(self, subject: str, where: str) -> EditorialError:
        return EditorialError(
            f"{where}: the release has no score of {self.country} for '{subject}': "
            "leave the placeholder out."
        )

    def _value(self, name: str, subject: str, where: str) -> str:
        ph, book = self.ph, self.book
        if subject in self.cpr:
            item = self.cpr[subject]
            score = item.score
            if score is None:
                raise self._missing(subject, where)
            band = item.band
            if name == "score":
                return ph.format_score(score.mean)
            if name == "band":
                return ph.quote(book.bands[band]) if band else ""
            return str(score.year)
        q = self.facts.quality_of_life
        if q is not None and subject == "quality_of_life" and q.income_adjusted is not None:
            if name == "score":
                return ph.format_pct(q.income_adjusted)
            if name == "band":
                return ph.quote(book.bands[q.band]) if q.band else ""
            return str(q.year)
        right = next((r for r in (q.rights if q else ()) if r.key == subject), None)
        if right is None:
            raise self._missing(subject, where)
        if name == "score":
            return ph.format_pct(right.income_adjusted)
        if name == "band":
            return ph.quote(book.bands[right.band])
        return str(right.year)

    def _share(self, subject: str, group: str, where: str) -> str:
        item = self.cpr.get(subject)
        at_risk = item.at_risk if isinstance(item, CprRight) else None
        if at_risk is None:
            q = self.facts.quality_of_life
            right = next((r for r in (q.rights if q else ()) if r.key == subject), None)
            at_risk = right.at_risk if right is not None else None
        if at_risk is None:
            raise EditorialError(
                f"{where}: the release has no answers on who is at risk for '{subject}' in "
                f"{self.country}."
            )
        wanted = _key(group)
        special = {"everyone": at_risk.all_people, "all": at_risk.all_people}
        special |= {"no_one": at_risk.no_one}
        if wanted in special:
            share = special[wanted]
            return self.ph.format_share(share or 0.0)
        by_name = {_key(g.code): g for g in at_risk.groups}
        for language in available_languages():  # a group by its name in any language
            groups = load_codebook(language).groups
            for g in at_risk.groups:
                words = groups.get(g.code)
                if words is not None:
                    by_name.setdefault(_key(words.label), g)
        found = by_name.get(wanted)
        if found is None:
            english = load_codebook("en").groups
            names = sorted(_key(english[g.code].label) for g in at_risk.groups if g.code in english)
            raise EditorialError(
                f"{where}: no expert named the group '{group}' for '{subject}' in "
                f"{self.country}{_nearest(wanted, names)}. Groups named: {', '.join(names)}."
            )
        return self.ph.format_share(found.share)

    # -- what a written number may be -----------------------------------------------------
    def accepted(self, subject: str, unit: str) -> tuple[list[float], str]:
        """The values the data has for ``subject`` in ``unit`` ("/10" or "%"), and how the
        report prints its main one (for the message); ([], "") when the data has none."""
        if subject in self.cpr:
            item = self.cpr[subject]
            if unit == "/10":
                points = list(item.trend.points) if item.trend is not None else []
                if item.score is not None:
                    points.append(item.score)
                values = [v for p in points for v in (p.mean, p.lo, p.hi)]
                main = (
                    f"{self.ph.format_score(item.score.mean)} in {item.score.year}"
                    if item.score is not None
                    else ""
                )
                return values, main
            at_risk = item.at_risk if isinstance(item, CprRight) else None
            if at_risk is None:
                return [], ""
            shares = [g.share for g in at_risk.groups]
            shares += [s for s in (at_risk.all_people, at_risk.no_one) if s is not None]
            return [100 * s for s in shares], "a share of the experts asked about it"
        q = self.facts.quality_of_life
        if q is None or unit != "%":
            return [], ""
        if subject == "quality_of_life":
            values = [v for v in (q.income_adjusted, q.global_best) if v is not None]
            if q.trend is not None:
                values += list(q.trend.income_adjusted) + list(q.trend.global_best)
            values += [v for v in (q.sexes.female, q.sexes.male) if v is not None]
            main = (
                f"{self.ph.format_pct(q.income_adjusted)} in {q.year}"
                if q.income_adjusted is not None
                else ""
            )
            return values, main
        right = next((r for r in q.rights if r.key == subject), None)
        if right is None:
            return [], ""
        values = [right.income_adjusted]
        values += [
            v for v in (right.global_best, right.sexes.female, right.sexes.male) if v is not None
        ]
        if right.at_risk is not None:
            values += [100 * g.share for g in right.at_risk.groups]
        return values, f"{self.ph.format_pct(right.income_adjusted)} in {right.year}"


# --- literal numbers beside names ------------------------------------------------------------


def _subject_names() -> list[tuple[str, str]]:
    """(lower-case name, subject key) of every right and dimension in every language, the
    longest first (so "the right to food" wins over "food")."""
    found: dict[str, str] = {}
    for language in available_languages():
        book = load_codebook(language)
        for key, dim in book.dimensions.items():
            for name in (dim.name, dim.phrase, dim.short):
                if name:
                    found.setdefault(name.lower(), key)
        for key, right in book.rights.items():
            for name in (right.name, right.phrase, right.short):
                if name:
                    found.setdefault(name.lower(), key)
    return sorted(found.items(), key=lambda item: -len(item[0]))


class _NumberCheck:
    """Checks the numbers an editor wrote beside names against the data."""

    def __init__(self, path: Path, values: _Values, names: list[tuple[str, str]]) -> None:
        self.path, self.values = path, values
        alternatives = "|".join(re.escape(n) for n, _ in names)
        self._names = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        self._keys = dict(names)

    def check(self, text: str, line: int) -> None:
        """Raise ``EditorialError`` for a number in ``text`` (placeholders aside) that
        disagrees with the data for the right or dimension named nearest to it."""
        plain = _FILLED.sub(lambda m: " " * len(m.group(0)), text)  # (values are the data's)
        start = 0
        for end_match in [*_SENTENCE_END.finditer(plain), None]:
            end = end_match.end() if end_match is not None else len(plain)
            sentence = plain[start:end]
            self._sentence(sentence, text, start, line)
            start = end
            if end_match is None:
                break

    def _sentence(self, sentence: str, text: str, offset: int, line: int) -> None:
        mentions = [(m.start(), m.end(), m.group(0)) for m in self._names.finditer(sentence)]
        if not mentions:
            return
        for number in _NUMBER.finditer(sentence):
            a, b = number.start(), number.end()
            name = _subject_of(sentence, mentions, a, b)
            subject = self._keys[name.lower()]
            unit = "/10" if number.group("unit").strip().startswith("/") else "%"
            written = number.group("value").replace(",", ".")
            if (
                unit == "%"
                and "." not in written
                and not (subject in self.values.rights_at_risk and _EXPERTS.search(sentence))
            ):
                # a whole per cent is a share of experts only where the sentence says so
                # (HRMI's quality of life scores have a decimal): other figures pass
                continue
            values, main = self.values.accepted(subject, unit)
            if not values:
                if unit == "/10" and subject in ("quality_of_life", *_QOL_RIGHTS):
                    raise self._error(
                        text,
                        offset + a,
                        line,
                        number.group(0),
                        name,
                        "quality of life is scored in per cent, not out of 10",
                    )
                continue
            if any(_same(written, v) for v in values):
                continue
            what = f"{self.values.country}'s score for {name} is {main}" if main else ""
            raise self._error(
                text,
                offset + a,
                line,
                number.group(0).strip(),
                name,
                what or "no value in the data for it is that number",
                subject,
            )

    def _error(
        self,
        text: str,
        at: int,
        line: int,
        written: str,
        name: str,
        data: str,
        subject: str = "",
    ) -> EditorialError:
        line += text.count("\n", 0, at)
        hint = (
            f' Write {{{{ score("{subject}") }}}} to print the value, or correct the number'
            f" (a figure that is not HRMI's may be written in backticks, `{written}`, and is"
            " printed as written)."
            if subject
            else ""
        )
        return EditorialError(
            f"{self.path}, line {line}: {written!r} beside '{name}' disagrees with the data: "
            f"{data}.{hint}"
        )


_FOLLOWED_BY = re.compile(
    r"^\s*(?:for|on|in|of|at|pour|sur|en|de|du|des|para|por|en|em|no|na|nos|nas)\s+"
    r"(?:the\s+|le\s+|la\s+|l’|l'|el\s+|o\s+|a\s+)?(?:right\s+to\s+|droit\s+|derecho\s+|direito\s+)?$",
    re.IGNORECASE,
)


def _subject_of(sentence: str, mentions: list[tuple[int, int, str]], a: int, b: int) -> str:
    """The name a number (at ``a``:``b`` of ``sentence``) is written beside: the name just
    after it when only a preposition comes between ("2.5/10 for empowerment"), else the
    nearest name before it ("Empowerment scores 2.5/10"), else the nearest after it."""
    before = [m for m in mentions if m[1] <= a]
    after = [m for m in mentions if m[0] >= b]
    if after and _FOLLOWED_BY.match(sentence[b : after[0][0]]):
        return after[0][2]
    if before:
        return before[-1][2]
    return after[0][2] if after else mentions[0][2]


_QOL_RIGHTS = ("education", "food", "health", "housing", "work")


def _same(written: str, value: float) -> bool:
    """Whether ``value`` printed to the decimals of ``written`` is ``written`` (either way of
    rounding a half)."""
    places = Decimal(10) ** -(len(written.split(".")[1]) if "." in written else 0)
    target = Decimal(written)
    exact = Decimal(repr(float(value)))
    return any(
        exact.quantize(places, rounding=r) == target for r in (ROUND_HALF_UP, ROUND_HALF_EVEN)
    )


# --- placing the blocks ----------------------------------------------------------------------


def anchor_name(section_id: str) -> str:
    """A section's anchor name: its id without the chapter prefix ("cpr-assembly" →
    "assembly"; "qol" → "quality-of-life"; "qol-trend" → "quality-of-life-trend")."""
    if section_id == "cpr":
        return "civil-political"
    if section_id.startswith("cpr-"):
        return section_id[4:]
    if section_id == "qol":
        return "quality-of-life"
    if section_id.startswith("qol-"):
        return "quality-of-life-" + section_id[4:]
    return section_id


def anchors(report: Report) -> list[Anchor]:
    """Every place of ``report`` where editorial blocks may go, in reading order."""
    return [
        Anchor(anchor_name(s.id), s.id, s.title, s.level)
        for top in report.sections
        for s in top.walk()
        if not s.id.startswith("editorial-")
    ]


def apply_editorial(report: Report, editorial: Editorial | None, *, strict: bool = True) -> Report:
    """``report`` with ``editorial``'s title, lede and blocks in place (``editorial`` None,
    or written for another language: ``report`` itself).

    ``strict``: an anchor the report does not have is an ``EditorialError`` naming the
    nearest; otherwise (a profile, which has fewer sections) such blocks are left out.
    """
    if editorial is None or (
        editorial.language is not None and editorial.language != report.language
    ):
        return report
    known = {a.name: a.section for a in anchors(report)}
    by_section: dict[str, list[Placed]] = {}
    for placed in editorial.placed:
        name = ALIASES.get(placed.anchor.lower(), placed.anchor.lower())
        section = known.get(name)
        if section is None:
            if strict:
                raise EditorialError(
                    f"{editorial.path}, line {placed.line}: anchor '{placed.anchor}' is not a "
                    f"section of {report.country_name}'s report{_nearest(name, known)}. "
                    f"Its anchors: {', '.join(known)} (`reportgen anchors {report.country}`)."
                )
            continue
        by_section.setdefault(section, []).append(placed)
    counter = [0]

    def new_section(placed: Placed, level: int) -> Section:
        counter[0] += 1
        assert placed.title is not None
        return Section(f"editorial-{counter[0]}", placed.title, level, placed.blocks)

    def rebuild(section: Section) -> list[Section]:
        here = by_section.get(section.id, [])
        before = [p for p in here if p.where == "before" and p.title is None]
        after = [p for p in here if p.where == "after" and p.title is None]
        blocks = (
            *(b for p in before for b in p.blocks),
            *section.blocks,
            *(b for p in after for b in p.blocks),
        )
        children = tuple(c for child in section.children for c in rebuild(child))
        made = replace(section, blocks=blocks, children=children)
        return [
            *(new_section(p, section.level) for p in here if p.where == "before" and p.title),
            made,
            *(new_section(p, section.level) for p in here if p.where == "after" and p.title),
        ]

    sections = tuple(s for top in report.sections for s in rebuild(top))
    cover = report.cover
    if editorial.title:
        cover = replace(
            cover, title=editorial.title, subtitle=editorial.subtitle or report.cover.title
        )
    elif editorial.subtitle:
        cover = replace(cover, subtitle=editorial.subtitle)
    if editorial.lede:
        cover = replace(cover, intro=editorial.lede)
    return replace(report, cover=cover, sections=sections)
