"""Distribution stage: built reports → one email per subscriber, each report sent to them once.

In:  a batch output directory (``manifest.json`` and the PDFs it lists), a recipients CSV
     (name, email, language, countries and/or regions, optional organisation and note; see
     ``docs/recipients.md``), the mail templates of each language
     (``reportgen/i18n/<lang>/mail.toml``), a SQLite ledger of what was already sent, and a
     transport: an SMTP server, or an outbox directory of ``.eml`` files.
Out: emails with the reports attached (split into parts above a size limit), the ledger
     updated before and after each hand-over, and a ``Summary``: sent, skipped as already
     sent, failed with reasons.

The steps, one function each:

1. ``load_reports``: read the manifest (what was built, its files' SHA-256, headline scores);
2. ``load_recipients``: read and check the recipients file; every bad row is reported with
   file, row, column, value and fix, and the run is refused (or, with ``skip_bad_rows``,
   the bad rows are left out whole: a row is never half-processed);
3. ``plan_distribution``: decide what each recipient gets, against the ledger, and render
   subjects and bodies (a template error stops the run before anything is sent);
4. ``run_distribution``: compose each message and hand it over, recording it in the ledger
   as 'sending' before and 'sent' (with the server's answer) or 'failed' after.

The ledger outlives the output it describes: the command keeps it in a state directory
(``$XDG_STATE_HOME/reportgen`` or ``~/.local/state/reportgen``), not in ``--reports``, marks
there which recipients file was sent to with which ledger, and refuses to start a new
ledger where the marks show one was used before (``check_new_ledger``); a ledger at the old
place in ``--reports`` is merged in once. A damaged ledger is refused when it is opened.

The unit of idempotence is (recipient email, report SHA-256). A row left 'sending' by a run
that died, or a message whose connection dropped after its final "." was sent, is 'unknown':
it may have been delivered, so it is neither resent silently nor forgotten; the summary
lists it and ``resend_unknown`` sends it again (with the same Message-ID, which lets
receivers that deduplicate by Message-ID drop a copy).

Credentials come from the environment only; the password (and its encodings on the wire)
are masked in every message, ledger answer and exception this module produces.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import fcntl
import hashlib
import io
import ipaddress
import json
import math
import os
import re
import selectors
import smtplib
import sqlite3
import ssl
import time
import tomllib
import unicodedata
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address, AddressHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import IO, Annotated, Any, Literal, Protocol
from urllib.parse import quote

import idna
import jinja2
import typer
from babel.numbers import format_decimal
from jinja2.sandbox import ImmutableSandboxedEnvironment
from rich.console import Console
from rich.table import Table

from reportgen.errors import DataValidationError, Problem, ReportgenError, TemplateError
from reportgen.resources import i18n_dir
from reportgen.rules import CPR_BANDS, ESR_BANDS, BandScale, round_half_away, score_places

MANIFEST = "manifest.json"
LEDGER_NAME = "distribution.sqlite"
MB = 1_000_000  # --max-size counts in SI megabytes, as mail providers state their limits

OutcomeStatus = Literal[
    "sent", "would send", "already sent", "changed", "uncertain", "failed", "unavailable"
]
LedgerStatus = Literal["sending", "sent", "failed", "unknown"]
FailureKind = Literal["temporary", "permanent", "uncertain", "fatal"]
Security = Literal["none", "starttls", "ssl"]


# --- errors --------------------------------------------------------------------------------------


class DistributionError(ReportgenError):
    """Distribution cannot start: missing manifest, bad option, unusable ledger or server."""


class RecipientsError(DataValidationError):
    """The recipients file has errors; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem], skippable: bool = True) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        lines = [f"{len(errors)} problem(s) in the recipients file; nothing was sent:"]
        lines += [f"  - {p}" for p in errors[:50]]
        if len(errors) > 50:
            lines.append(f"  ... and {len(errors) - 50} more.")
        if skippable:
            lines.append(
                "Fix these rows, or pass --skip-bad-rows to send to the other recipients now."
            )
        ReportgenError.__init__(self, "\n".join(lines))


# --- reports: the batch manifest --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    """One built report, as the manifest describes it."""

    country: str
    name: str
    region: str
    language: str
    file: str
    bytes: int
    sha256: str
    empowerment: float | None = None  # /10
    safety: float | None = None  # /10
    quality_of_life: float | None = None  # % of what is possible at the country's income


@dataclass(frozen=True, eq=False)
class Reports:
    """The reports of one batch output directory, by (country, language)."""

    directory: Path
    release: str
    release_year: int
    by_key: Mapping[tuple[str, str], Report]

    def get(self, country: str, language: str) -> Report | None:
        """The report of ``country`` in ``language``, or None when it was not built."""
        return self.by_key.get((country, language))

    def codes(self) -> set[str]:
        """Every country with a report, in any language."""
        return {country for country, _ in self.by_key}

    def regions(self) -> set[str]:
        """Every region code of the reports."""
        return {r.region for r in self.by_key.values()}

    def in_region(self, region: str) -> list[str]:
        """The countries of ``region`` that have a report, sorted."""
        return sorted({r.country for r in self.by_key.values() if r.region == region})

    def path(self, report: Report) -> Path:
        """Where the PDF of ``report`` is."""
        return self.directory / report.file


def _manifest_error(path: Path, what: str) -> DistributionError:
    return DistributionError(
        f"{path}: {what}. Re-run `reportgen batch --out {path.parent}` to rewrite the manifest."
    )


def _score(scores: object, key: str) -> float | None:
    value = scores.get(key) if isinstance(scores, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _report(raw: object, path: Path, index: int) -> Report:
    where = f"report #{index + 1}"
    if not isinstance(raw, dict):
        raise _manifest_error(path, f"{where} is not an object")
    values: dict[str, Any] = {}
    for key, kind in (
        ("country", str),
        ("name", str),
        ("region", str),
        ("language", str),
        ("file", str),
        ("bytes", int),
        ("sha256", str),
    ):
        value = raw.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _manifest_error(path, f"{where} has no valid '{key}' (value: {value!r})")
        values[key] = value
    name = str(values["file"])
    if Path(name).name != name or name.startswith("."):
        raise _manifest_error(path, f"{where} names a file outside the directory ({name!r})")
    if not re.fullmatch(r"[0-9a-f]{64}", str(values["sha256"])):
        raise _manifest_error(path, f"{where} has no valid 'sha256'")
    scores = raw.get("scores")  # added to the manifest later: read defensively
    return Report(
        **values,
        empowerment=_score(scores, "empowerment"),
        safety=_score(scores, "safety"),
        quality_of_life=_score(scores, "quality_of_life"),
    )


def load_reports(directory: Path) -> Reports:
    """Read ``directory/manifest.json``; raise ``DistributionError`` naming what is wrong."""
    path = directory / MANIFEST
    if not path.is_file():
        raise DistributionError(
            f"No {MANIFEST} in {directory}: it holds no reports built by `reportgen batch`. "
            f"Run `reportgen batch --out {directory}` first, or point --reports at its output."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _manifest_error(path, f"not readable JSON ({exc})") from None
    entries = data.get("reports") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise _manifest_error(path, "no list of 'reports'")
    reports = [_report(raw, path, i) for i, raw in enumerate(entries)]
    release = data.get("release")
    year = data.get("release_year")
    return Reports(
        directory=directory,
        release=release if isinstance(release, str) else "HRMI release",
        release_year=year if isinstance(year, int) else 0,
        by_key={(r.country, r.language): r for r in reports},
    )


# --- mail templates -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MailReport:
    """One attached report as a mail template sees it: ``{{ r.name }}``, ``{{ r.safety|score }}``."""

    country: str
    name: str
    file: str
    empowerment: float | None
    safety: float | None
    quality_of_life: float | None


@dataclass(frozen=True, eq=False)
class MailTemplates:
    """The subject and body templates of one language, from its ``mail.toml``."""

    language: str
    path: Path
    subject: jinja2.Template
    body: jinja2.Template

    def render(self, **values: Any) -> tuple[str, str]:
        """Render the subject (one line) and the body; raise ``TemplateError`` naming the key."""
        rendered: list[str] = []
        for key, template in (("subject", self.subject), ("body", self.body)):
            try:
                rendered.append(template.render(**values))
            except jinja2.UndefinedError as exc:
                raise TemplateError(
                    f"{self.path}: mail.{key} uses a value that is not given: {exc.message}. "
                    f"Given: {', '.join(sorted(values))}."
                ) from None
            except jinja2.TemplateError as exc:
                raise TemplateError(f"{self.path}: mail.{key} failed: {exc}.") from None
        subject = " ".join(rendered[0].split())  # one header line, whatever the template did
        body = re.sub(r"[ \t]+\n", "\n", rendered[1])
        body = re.sub(r"\n{3,}", "\n\n", body).strip("\n") + "\n"
        return subject, body


def mail_languages() -> list[str]:
    """The languages that have mail templates (``reportgen/i18n/<lang>/mail.toml``)."""
    return sorted(p.name for p in i18n_dir().iterdir() if (p / "mail.toml").is_file())


@cache
def load_mail_templates(language: str) -> MailTemplates:
    """Load and compile the mail templates of ``language``; raise ``TemplateError`` if broken."""
    path = i18n_dir() / language / "mail.toml"
    if not path.is_file():
        raise TemplateError(
            f"No mail templates for language '{language}' ({path}). "
            f"Available: {', '.join(mail_languages()) or 'none'}."
        )
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path}: not valid TOML ({exc}).") from None
    locale = str(data.get("locale", language))
    fmt = data.get("format", {})
    mail = data.get("mail", {})
    if not isinstance(fmt, dict) or not isinstance(mail, dict):
        raise TemplateError(f"{path}: [format] and [mail] must be tables.")
    missing = str(fmt.get("missing", "–"))
    score_suffix = str(fmt.get("score_suffix", "/10"))
    percent_suffix = str(fmt.get("percent_suffix", "%"))

    def number(value: float | None, suffix: str, bands: BandScale) -> str:
        if value is None:
            return missing
        rounded = round_half_away(value, score_places(value, bands))  # as in the reports
        pattern = "0." + "0" * -int(rounded.as_tuple().exponent)
        return str(format_decimal(rounded, format=pattern, locale=locale)) + suffix

    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        score=lambda v: number(v, score_suffix, CPR_BANDS),
        pct=lambda v: number(v, percent_suffix, ESR_BANDS),
    )
    compiled: dict[str, jinja2.Template] = {}
    for key in ("subject", "body"):
        source = mail.get(key)
        if not isinstance(source, str):
            raise TemplateError(f"{path}: mail.{key} is missing. Add it (see the English file).")
        try:
            compiled[key] = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"{path}: mail.{key} has a template error at line {exc.lineno}: {exc.message}."
            ) from None
    return MailTemplates(language, path, compiled["subject"], compiled["body"])


# --- recipients ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recipient:
    """One subscriber: who, in which language, and what they follow."""

    row: int
    name: str
    email: str  # as sent: domain in lower-case ASCII (IDNA)
    language: str
    countries: tuple[str, ...]  # ISO3 codes as given
    regions: tuple[str, ...]  # region codes
    organisation: str = ""
    note: str = ""

    @property
    def key(self) -> str:
        """The address as the ledger knows it (case-insensitive)."""
        return self.email.lower()


@dataclass(frozen=True, slots=True)
class RecipientList:
    """The usable recipients of a file, and the problems found (errors of skipped rows, notes)."""

    path: Path
    recipients: tuple[Recipient, ...]
    problems: tuple[Problem, ...] = ()


COLUMNS = ("name", "email", "language", "countries", "regions", "organisation", "note")
_ALIASES = {"organization": "organisation", "country": "countries", "region": "regions"}
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# Characters that break a one-line value: controls (C0, C1 such as U+0085, DEL), line and
# paragraph separators (U+2028, U+2029), surrogates, and the bidirectional embeddings,
# overrides and isolates, which reorder the text around them ("Dear \u202eAna" prints reversed).
_BREAKS_LINE = frozenset({"Cc", "Zl", "Zp", "Cs"})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MAX_NAME_LENGTH = 200  # characters; longer is a pasted paragraph, not a name (docs/recipients.md)


def line_problem(text: str) -> str | None:
    """The first character of ``text`` that does not belong on one line, described; or None."""
    for char in text:
        if unicodedata.category(char) in _BREAKS_LINE or char in _BIDI_CONTROLS:
            label = unicodedata.name(char, "control character")
            return f"U+{ord(char):04X} {label}"
    return None


class AddressError(ValueError):
    """An email address we cannot send to; ``reason`` says why, ``fix`` what to write."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


_ADDRESS_FIX = "Write one address such as ana.perez@example.org (no name, no spaces)."
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_domain(domain: str) -> str:
    """``domain`` as it goes on the wire: IDNA 2008 A-labels (RFC 5891), lower-case ASCII.

    Strict IDNA 2008 (the ``idna`` package, no UTS 46 mapping): "faß.de" is "xn--fa-hia.de",
    never the IDNA 2003 "fass.de". The only mappings are NFC (canonical equivalence, which
    IDNA 2008 requires) and ASCII lower case (DNS ignores ASCII case); anything else IDNA 2008
    refuses, such as an upper-case "Ü", a symbol or a misplaced joiner, raises
    ``AddressError``: guessing a mapping is how mail reaches the wrong domain.
    """
    text = unicodedata.normalize("NFC", domain).translate(_ASCII_LOWER)
    try:
        encoded = idna.encode(text, uts46=False).decode("ascii")
    except UnicodeError as exc:  # idna.IDNAError and its kinds are UnicodeErrors
        detail = str(exc) or type(exc).__name__
        fix = (
            "Upper-case letters are not allowed in international domain names: write the "
            "domain in lower case."
            if any(c.isupper() for c in text)
            else "Check the address with its owner: IDNA 2008 (RFC 5891) does not allow this "
            "domain, and software that converts it anyway may deliver to another domain."
        )
        raise AddressError(
            f"the domain is not a valid international domain name ({detail})", fix
        ) from None
    labels = encoded.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise AddressError("not a valid email address", _ADDRESS_FIX)
    if labels[-1].isdigit() or len(encoded) > 253:
        raise AddressError("not a valid email address", _ADDRESS_FIX)
    return encoded


def to_ascii_address(text: str) -> str:
    """``text`` as an address we can send to (domain per ``ascii_domain``).

    Local parts must be ASCII (no SMTPUTF8); international domain names are accepted.
    Raises ``AddressError`` with the reason and the fix.
    """
    text = text.strip()
    if not text:
        raise AddressError("no email address", _ADDRESS_FIX)
    if text.count("@") != 1:
        raise AddressError("not a valid email address", _ADDRESS_FIX)
    local, domain = text.split("@")
    if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        raise AddressError("not a valid email address", _ADDRESS_FIX)
    return f"{local}@{ascii_domain(domain)}"


def normalise_email(text: str) -> str | None:
    """``text`` as an address we can send to (see ``to_ascii_address``), or None if invalid."""
    try:
        return to_ascii_address(text)
    except AddressError:
        return None


def _region_index(reports: Reports) -> dict[str, str]:
    """Region codes and English region names (case-insensitive) → region code."""
    from reportgen.codebook import load_codebook

    index: dict[str, str] = {}
    for code, name in load_codebook("en").regions.items():
        index[code.casefold()] = code
        index[name.casefold()] = code
    for code in reports.regions():
        index[code.casefold()] = code
    return index


class _Rows:
    """Collects the problems of a recipients file, as the data loader does."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(
        self,
        severity: str,
        row: int | None,
        column: str | None,
        value: str | None,
        message: str,
        fix: str,
    ) -> None:
        self.problems.append(Problem(severity, self.path, row, column, value, message, fix))


def _read_table(path: Path, rows: _Rows) -> tuple[list[str], list[list[str]]]:
    """The header (normalised names) and data rows of a CSV file; file-level errors in ``rows``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DistributionError(
            f"The recipients file {path} does not exist. Give its path with --recipients "
            "(see docs/recipients.md for the format)."
        ) from None
    except UnicodeDecodeError as exc:
        rows.add(
            "error",
            None,
            None,
            None,
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            "Save the file as UTF-8 CSV.",
        )
        return [], []
    except OSError as exc:
        raise DistributionError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        rows.add(
            "error",
            None,
            None,
            None,
            f"not a readable CSV file ({exc})",
            "Check the file is comma-separated with one header row.",
        )
        return [], []
    if not table:
        rows.add("error", None, None, None, "the file is empty", "Add a header row and recipients.")
        return [], []
    header = [_ALIASES.get(h, h) for h in (c.strip().lower().replace(" ", "_") for c in table[0])]
    return header, table[1:]


def load_recipients(
    path: Path,
    reports: Reports,
    *,
    known_codes: Collection[str] = (),
    skip_bad_rows: bool = False,
) -> RecipientList:
    """Read and check the recipients file at ``path``.

    Every problem is collected (file, row as a spreadsheet counts, column, value, fix). With
    any error the file is refused with ``RecipientsError``; with ``skip_bad_rows`` the rows
    with errors are left out whole and their problems returned, while errors about the file
    itself (encoding, missing columns) still refuse it. A country code is an error when it is
    neither in the manifest, nor in ``known_codes`` (e.g. the release's countries), nor an
    ISO 3166 code; a known code without a built report is fine here (the plan reports it).
    """
    from reportgen.codebook import load_codebook

    rows = _Rows(path)
    header, table = _read_table(path, rows)
    if header:
        for column in ("name", "email", "language"):
            if column not in header:
                rows.add(
                    "error",
                    1,
                    column,
                    None,
                    "required column is missing",
                    f"Add the column '{column}' to the header (columns found: {', '.join(header)}).",
                )
        if "countries" not in header and "regions" not in header:
            rows.add(
                "error",
                1,
                "countries",
                None,
                "neither a 'countries' nor a 'regions' column",
                "Add a 'countries' column (ISO3 codes) and/or a 'regions' column.",
            )
        for column in header:
            if column not in COLUMNS:
                rows.add(
                    "note",
                    1,
                    column,
                    None,
                    "unknown column, ignored",
                    f"Known columns: {', '.join(COLUMNS)}.",
                )
    if any(p.severity == "error" for p in rows.problems):
        raise RecipientsError(rows.problems, skippable=False)

    languages = mail_languages()
    book = load_codebook("en")
    in_manifest = reports.codes()
    known = set(known_codes)
    regions = _region_index(reports)
    seen: dict[str, int] = {}
    recipients: list[Recipient] = []
    bad_rows: set[int] = set()
    for index, cells in enumerate(table):
        row = index + 2
        if not any(c.strip() for c in cells):
            continue
        errors_before = sum(p.severity == "error" for p in rows.problems)
        extra = [c for c in cells[len(header) :] if c.strip()]
        if extra:
            rows.add(
                "error",
                row,
                None,
                ", ".join(extra),
                f"{len(cells)} cells for {len(header)} columns (an unquoted comma?)",
                'Separate codes with semicolons (XDK;XAQ) or put the list in quotes ("XDK,XAQ").',
            )
        value = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}

        name = value.get("name", "")
        breaks_line = line_problem(name)
        if not name:
            rows.add("error", row, "name", None, "no name", "Write the recipient's name.")
        elif breaks_line is not None:
            rows.add(
                "error",
                row,
                "name",
                name,
                f"line break or control character in the name ({breaks_line})",
                "Write the name on one line, without control characters.",
            )
        elif len(name) > MAX_NAME_LENGTH:
            rows.add(
                "error",
                row,
                "name",
                f"{name[:40]}…",
                f"the name is {len(name)} characters long (at most {MAX_NAME_LENGTH})",
                "Write only the person's name in this column; put anything else in 'note'.",
            )

        raw_email = value.get("email", "")
        email: str | None = None
        try:
            email = to_ascii_address(raw_email)
        except AddressError as problem:
            rows.add("error", row, "email", raw_email or None, problem.reason, problem.fix)
        if email is not None and email.lower() in seen:
            rows.add(
                "error",
                row,
                "email",
                raw_email,
                f"this address is already given at row {seen[email.lower()]}",
                "Give each person one row; list all their countries and regions there.",
            )
        elif email is not None:
            seen[email.lower()] = row

        language = value.get("language", "").lower()
        if language not in languages:
            rows.add(
                "error",
                row,
                "language",
                value.get("language", ""),
                "unknown language" if language else "no language",
                f"Use a language we have mail templates for: {', '.join(languages)}.",
            )

        countries: list[str] = []
        for code in (c.upper() for c in re.split(r"[\s;,]+", value.get("countries", "")) if c):
            if code in in_manifest or code in known or book.knows_country(code):
                if code not in countries:
                    countries.append(code)
                continue
            rows.add(
                "error",
                row,
                "countries",
                code,
                "unknown country code",
                "Use ISO3 codes (e.g. KEN, NZL) as in the release; "
                f"reports were built for: {', '.join(sorted(in_manifest)) or 'none'}.",
            )
        chosen_regions: list[str] = []
        for text in (r.strip() for r in re.split(r"[;,]", value.get("regions", ""))):
            if not text:
                continue
            code = regions.get(text.casefold())
            if code is None:
                looks_like_country = re.fullmatch(r"[A-Za-z]{3}", text) is not None
                rows.add(
                    "error",
                    row,
                    "regions",
                    text,
                    "unknown region",
                    "This looks like a country code: put it in 'countries', with codes "
                    "separated by semicolons (XDK;XAQ); an unquoted comma moves it into the "
                    "next column."
                    if looks_like_country
                    else "Use a region code or English name: "
                    f"{', '.join(sorted(set(regions.values())))}.",
                )
            elif code not in chosen_regions:
                chosen_regions.append(code)
        errors_now = sum(p.severity == "error" for p in rows.problems)
        if not countries and not chosen_regions and errors_now == errors_before:
            rows.add(
                "error",
                row,
                "countries",
                None,
                "no countries and no regions: this recipient would get nothing",
                "List ISO3 codes in 'countries' and/or regions in 'regions'.",
            )
            errors_now += 1
        if errors_now > errors_before or email is None:
            bad_rows.add(row)
            continue
        recipients.append(
            Recipient(
                row=row,
                name=name,
                email=email,
                language=language,
                countries=tuple(countries),
                regions=tuple(chosen_regions),
                organisation=" ".join(value.get("organisation", "").split()),
                note=value.get("note", "").replace("\r\n", "\n").strip(),
            )
        )
    if bad_rows and not skip_bad_rows:
        raise RecipientsError(rows.problems)
    return RecipientList(path, tuple(recipients), tuple(rows.problems))


# --- the ledger -------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    email      TEXT NOT NULL,     -- recipient address, lower-case
    sha256     TEXT NOT NULL,     -- SHA-256 of the PDF sent
    country    TEXT NOT NULL,
    language   TEXT NOT NULL,
    file       TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'unknown')),
    answer     TEXT NOT NULL,     -- the server's answer, or why it failed
    attempts   INTEGER NOT NULL,
    time       TEXT NOT NULL,     -- of the last change, ISO 8601 UTC
    PRIMARY KEY (email, sha256)
);
CREATE INDEX IF NOT EXISTS deliveries_report ON deliveries (email, country, language);
"""
_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """What the ledger knows about one report and one recipient."""

    email: str
    sha256: str
    country: str
    language: str
    file: str
    message_id: str
    status: LedgerStatus
    answer: str
    attempts: int
    time: str


_COLUMNS = "email, sha256, country, language, file, message_id, status, answer, attempts, time"


def _rank(column: str) -> str:
    """SQL ranking a status by what it tells: sent > in doubt > failed (for merging ledgers)."""
    return f"(CASE {column} WHEN 'sent' THEN 3 WHEN 'failed' THEN 1 ELSE 2 END)"


# Rows of another ledger: a row replaces ours only when it knows more ('sent' over 'failed').
_MERGE = (
    f"INSERT INTO main.deliveries ({_COLUMNS}) SELECT {_COLUMNS} FROM old.deliveries WHERE true "
    "ON CONFLICT (email, sha256) DO UPDATE SET country = excluded.country, "
    "language = excluded.language, file = excluded.file, message_id = excluded.message_id, "
    "status = excluded.status, answer = excluded.answer, attempts = excluded.attempts, "
    f"time = excluded.time WHERE {_rank('excluded.status')} > {_rank('deliveries.status')}"
)
_START_AFRESH = (
    "Restore it from a backup: it is the record of what was sent to whom. Only if there is "
    "none: move it away and run again with --new-ledger, knowing that every report it "
    "recorded may be sent again."
)


def _lock_ledger(path: Path) -> IO[str]:
    """Take the lock file beside ``path``; refuse when another run holds it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = path.with_name(path.name + ".lock").open("w")
    except OSError as exc:
        raise DistributionError(
            f"Cannot create the ledger {path}: {exc.strerror}. Choose another --ledger."
        ) from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise DistributionError(
            f"Another `reportgen distribute` is using the ledger {path}. Wait for it to "
            "finish: two runs at once could send the same report twice."
        ) from None
    return lock


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def _unusable(
    path: Path | None, exc: sqlite3.DatabaseError | str, running: bool = False
) -> DistributionError:
    """The error for a ledger that cannot be read or written, with what to do.

    ``running``: found during a run (what was sent before stays recorded), not on opening.
    """
    if isinstance(exc, str) or _is_damage(exc):
        sent = "The run stopped here." if running else "Nothing was sent."
        return DistributionError(
            f"{path} is not a usable distribution ledger: it is damaged ({exc}). {sent} "
            f"{_START_AFRESH}"
        )
    return DistributionError(
        f"The ledger {path} failed ({exc}). Fix the cause (disk space, permissions) and run "
        "again: what it recorded is kept, and a message being handed over just then is "
        "listed as uncertain."
    )


class Ledger:
    """The SQLite record of what was sent to whom; one writer at a time (a lock file).

    Every database error of its methods comes out as a ``DistributionError`` naming the
    file and what to do; a damaged file is found when it is opened (``integrity_check``),
    before anything is planned or sent.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path | None, lock: IO[str] | None):
        self._db = connection
        self.path = path
        self._lock = lock

    @classmethod
    def open(cls, path: Path) -> Ledger:
        """Open (or create) the ledger at ``path`` for a run that sends; lock it; check it."""
        lock = _lock_ledger(path)
        ledger: Ledger | None = None
        try:
            ledger = cls(sqlite3.connect(path, timeout=10), path, lock)
            ledger._check()
            ledger._prepare()
            return ledger
        except sqlite3.DatabaseError as exc:
            failure = _unusable(path, exc)
        except BaseException:
            if ledger is not None:
                ledger.close()
            else:
                lock.close()
            raise
        if ledger is not None:
            ledger.close()
        else:
            lock.close()
        raise failure

    @classmethod
    def open_readonly(cls, path: Path, merge: Sequence[Path] = ()) -> Ledger:
        """Open the ledger at ``path`` without changing it (an empty one if it does not exist).

        With ``merge``, the result is an in-memory copy of ``path`` and of those ledgers
        together (what a run that sends would see after merging them in).
        """
        current: Path | None = path
        try:
            if not merge and path.exists():
                db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
                ledger = cls(db, path, None)
                ledger._check()
                return ledger
            ledger = cls(sqlite3.connect(":memory:", uri=True), None, None)
            ledger._prepare()
            for other in (path, *merge):
                current = other
                if other.exists():
                    ledger._merge(other, readonly=True)
            return ledger
        except sqlite3.DatabaseError as exc:
            raise _unusable(current, exc) from None

    def _check(self, schema: str = "main", path: Path | None = None) -> None:
        """Refuse a ledger of a newer schema, or one whose pages are damaged."""
        where = path or self.path
        version = int(self._db.execute(f"PRAGMA {schema}.user_version").fetchone()[0])
        if version > _SCHEMA_VERSION:
            raise DistributionError(
                f"The ledger {where} was written by a newer reportgen (schema {version}). "
                "Upgrade reportgen."
            )
        found = [str(r[0]) for r in self._db.execute(f"PRAGMA {schema}.integrity_check(3)")]
        if found != ["ok"]:
            raise _unusable(where, "; ".join(" ".join(f.split()) for f in found))

    def _prepare(self) -> None:
        with self._db:
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    def _merge(self, other: Path, readonly: bool = False) -> int:
        """Read the rows of the ledger at ``other`` into this one; return how many it has."""
        target = other.resolve().as_uri() + "?mode=ro" if readonly else str(other)
        self._db.execute("ATTACH DATABASE ? AS old", (target,))
        try:
            self._check("old", other)
            has_table = self._db.execute(
                "SELECT 1 FROM old.sqlite_master WHERE type = 'table' AND name = 'deliveries'"
            ).fetchone()
            if has_table is None:
                return 0
            with self._db:
                self._db.execute(_MERGE)
            return int(self._db.execute("SELECT count(*) FROM old.deliveries").fetchone()[0])
        finally:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("DETACH DATABASE old")

    def absorb(self, old: Path) -> int:
        """Merge the ledger at ``old`` (an older default place) into this one; return its rows.

        ``old`` is locked meanwhile (an older reportgen may be using it) and renamed to
        ``<name>.moved`` afterwards, so that it is merged once and not used again.
        """
        lock = _lock_ledger(old)
        try:
            try:
                rows = self._merge(old)
            except sqlite3.DatabaseError as exc:
                raise _unusable(old, exc) from None
            try:
                old.replace(old.with_name(old.name + ".moved"))
            except OSError as exc:
                raise DistributionError(
                    f"Merged the ledger {old} into {self.path}, but cannot rename it "
                    f"({exc.strerror}). Rename or remove it yourself before the next run."
                ) from None
        finally:
            lock.close()
        return rows

    def close(self) -> None:
        """Close the database and release the lock."""
        self._db.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn a database error (damage found late, a full disk) into a clear one."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise _unusable(self.path, exc, running=True) from None

    def recover(self) -> int:
        """Turn rows a dead run left 'sending' into 'unknown'; return how many."""
        with self._guard(), self._db:
            cursor = self._db.execute(
                "UPDATE deliveries SET status = 'unknown', answer = ?, time = ? "
                "WHERE status = 'sending'",
                (
                    "a run stopped while handing this message to the server: it may have "
                    "been delivered",
                    _now(),
                ),
            )
        return cursor.rowcount

    def lookup(self, email: str, sha256: str) -> LedgerRow | None:
        """The row of (``email``, ``sha256``), or None when it was never attempted."""
        with self._guard():
            found = self._db.execute(
                "SELECT * FROM deliveries WHERE email = ? AND sha256 = ?", (email.lower(), sha256)
            ).fetchone()
        return LedgerRow(*found) if found else None

    def sent_other_version(self, email: str, country: str, language: str, sha256: str) -> bool:
        """Whether another version of this report was sent to ``email``."""
        with self._guard():
            found = self._db.execute(
                "SELECT 1 FROM deliveries WHERE email = ? AND country = ? AND language = ? "
                "AND sha256 != ? AND status IN ('sent', 'unknown', 'sending') LIMIT 1",
                (email.lower(), country, language, sha256),
            ).fetchone()
        return found is not None

    def record(
        self, message: PlannedMessage, status: LedgerStatus, answer: str, attempt: bool = False
    ) -> None:
        """Set the status of every report of ``message`` (one transaction, committed)."""
        now = _now()
        with self._guard(), self._db:
            self._db.executemany(
                "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (email, sha256) DO UPDATE SET country = excluded.country, "
                "language = excluded.language, file = excluded.file, "
                "message_id = excluded.message_id, status = excluded.status, "
                "answer = excluded.answer, attempts = attempts + excluded.attempts, "
                "time = excluded.time",
                [
                    (
                        message.recipient.key,
                        r.sha256,
                        r.country,
                        r.language,
                        r.file,
                        message.message_id,
                        status,
                        answer,
                        int(attempt),
                        now,
                    )
                    for r in message.reports
                ],
            )

    def rows(self) -> list[LedgerRow]:
        """Every row, by recipient and country."""
        with self._guard():
            return [
                LedgerRow(*r)
                for r in self._db.execute(
                    "SELECT * FROM deliveries ORDER BY email, country, sha256"
                )
            ]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- where the ledger lives ---------------------------------------------------------------------


def state_directory(environ: Mapping[str, str] | None = None) -> Path:
    """Where reportgen keeps what must outlive a rebuild of the output: the default ledger
    and the marks of which ledger each recipients file was used with.

    ``$XDG_STATE_HOME/reportgen`` when that variable is an absolute path (the XDG Base
    Directory specification ignores a relative one), else ``~/.local/state/reportgen``.
    """
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "reportgen"


@dataclass(frozen=True, slots=True)
class LedgerPlace:
    """The ledger of a run, and what to check before a run starts a new one.

    ``state`` None: no checks and no marks (an outbox, the Python API with a path). Else
    the run refuses a ledger that does not exist yet when the marks in ``state`` show that
    the recipients file was used with a ledger before, or that this ledger existed before
    (it was deleted or moved), unless ``new_ledger``. ``legacy``: a ledger at the place
    older versions kept it (``distribution.sqlite`` in ``--reports``), merged in once.
    """

    path: Path
    state: Path | None = None
    legacy: Path | None = None
    new_ledger: bool = False


@dataclass(frozen=True, slots=True)
class LedgerUse:
    """A mark: a recipients file was used with a ledger (first and last time, UTC)."""

    recipients: str
    ledger: str
    first: str
    last: str


def _marks_dir(state: Path) -> Path:
    return state / "recipients"


def _mark_path(state: Path, recipients_file: Path) -> Path:
    key = hashlib.sha256(str(recipients_file.resolve()).encode()).hexdigest()[:20]
    return _marks_dir(state) / f"{key}.json"


def _read_mark(path: Path) -> list[LedgerUse]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        recipients = str(data["recipients_file"])
        return [
            LedgerUse(recipients, str(ledger), str(times["first_used"]), str(times["last_used"]))
            for ledger, times in data["ledgers"].items()
        ]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DistributionError(
            f"{path} is damaged ({type(exc).__name__}: {exc}). It records which ledger a "
            "recipients file was used with; delete it only if you are sure the ledger you "
            "give is the right one."
        ) from None


def ledger_uses(state: Path) -> list[LedgerUse]:
    """Every mark in ``state``: which recipients file was used with which ledger, when."""
    directory = _marks_dir(state)
    if not directory.is_dir():
        return []
    return [use for path in sorted(directory.glob("*.json")) for use in _read_mark(path)]


def check_new_ledger(place: LedgerPlace, recipients_file: Path) -> None:
    """Refuse to start a new ledger where the marks say one was used before.

    A new ledger sends every report again to everyone on the list: right the first time,
    wrong when the old ledger was deleted (``rm -rf output``), moved or forgotten. Raises
    ``DistributionError`` saying which ledger was used, and how to go on.
    """
    if place.state is None:
        return
    if place.path.exists():
        if place.new_ledger:
            raise DistributionError(
                f"--new-ledger starts a new ledger, but {place.path} exists. Drop "
                "--new-ledger to go on with it (reports it records as sent are not sent "
                "again), or give another --ledger FILE."
            )
        return
    if place.new_ledger:
        return
    me = str(recipients_file.resolve())
    ledger = str(place.path.resolve())
    uses = ledger_uses(place.state)
    mine = sorted((u for u in uses if u.recipients == me), key=lambda u: u.last)
    if mine:
        last = mine[-1]
        where = (
            f"the ledger {last.ledger}, which exists: give it with --ledger {last.ledger}"
            if Path(last.ledger).exists()
            else f"the ledger {last.ledger}, which no longer exists: restore it from a backup, "
            "or give its new place with --ledger FILE"
        )
        raise DistributionError(
            f"The recipients file {me} was used before (last on {last.last}) with {where}. "
            f"The ledger {ledger} does not exist, and a new one would send every report "
            "again to everyone on the list. To start afresh knowing that, add --new-ledger."
        )
    before = sorted((u for u in uses if u.ledger == ledger), key=lambda u: u.last)
    if before:
        last = before[-1]
        raise DistributionError(
            f"The ledger {ledger} does not exist, but it was used before (last on "
            f"{last.last}, with {last.recipients}): it was deleted or moved, and a new one "
            "would send again every report it recorded. Restore it from a backup, or give "
            "its new place with --ledger FILE; to start afresh knowing that, add --new-ledger."
        )


def mark_ledger_use(state: Path, recipients_file: Path, ledger_path: Path) -> None:
    """Record in ``state`` that ``recipients_file`` is being sent to with ``ledger_path``."""
    directory = _marks_dir(state)
    path = _mark_path(state, recipients_file)
    me = str(recipients_file.resolve())
    ledger = str(ledger_path.resolve())
    now = _now()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # runs on two recipients files may meet here
            times = {u.ledger: (u.first, u.last) for u in _read_mark(path)}
            first = times.get(ledger, (now, now))[0]
            times[ledger] = (first, now)
            data = {
                "recipients_file": me,
                "ledgers": {k: {"first_used": f, "last_used": t} for k, (f, t) in times.items()},
            }
            temporary = path.with_name(f".{path.name}.reportgen-{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            temporary.replace(path)
    except OSError as exc:
        raise DistributionError(
            f"Cannot write to the state directory {state} ({exc.strerror}); nothing was sent. "
            "Make it writable, or set XDG_STATE_HOME to a directory that is."
        ) from None


def _inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened (or would happen) to one report for one recipient."""

    email: str
    country: str
    language: str
    file: str
    status: OutcomeStatus
    reason: str = ""
    message_id: str = ""


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """One email to send: who, which reports, and its rendered text."""

    recipient: Recipient
    reports: tuple[Report, ...]
    part: int
    parts: int
    subject: str
    body: str
    message_id: str
    unsubscribe_url: str | None
    estimated_bytes: int


@dataclass(frozen=True, slots=True)
class Plan:
    """The messages to send and the reports skipped, with why."""

    messages: tuple[PlannedMessage, ...]
    skipped: tuple[Outcome, ...]


# An allowance for the headers and the text of a message, on top of its attachments.
_TEXT_ALLOWANCE = 16_000


def encoded_size(raw_bytes: int) -> int:
    """How many bytes an attachment of ``raw_bytes`` takes in a message (base64, CRLF, headers)."""
    b64 = 4 * ((raw_bytes + 2) // 3)
    return b64 + 2 * (b64 // 76 + 1) + 400


def message_id(email: str, shas: Sequence[str], domain: str) -> str:
    """A Message-ID that is the same for the same recipient and attachments (see the module doc)."""
    digest = hashlib.sha256("\n".join([email.lower(), *sorted(shas)]).encode()).hexdigest()
    return f"<{digest[:40]}.reportgen@{domain}>"


def _pack(reports: Sequence[Report], max_bytes: int) -> list[list[Report]]:
    """Split ``reports`` into groups whose messages stay within ``max_bytes`` (in order)."""
    groups: list[list[Report]] = []
    size = _TEXT_ALLOWANCE
    for report in reports:
        extra = encoded_size(report.bytes)
        if groups and size + extra <= max_bytes:
            groups[-1].append(report)
            size += extra
        else:  # a report larger than the limit on its own still goes, alone
            groups.append([report])
            size = _TEXT_ALLOWANCE + extra
    return groups


def unsubscribe_link(template: str | None, email: str) -> str | None:
    """The unsubscribe URL of ``email`` (``{email}`` in ``template`` is replaced, URL-quoted)."""
    return template.replace("{email}", quote(email, safe="")) if template else None


def _file_problem(reports: Reports, report: Report) -> str | None:
    path = reports.path(report)
    try:
        data = path.read_bytes()
    except OSError:
        return f"{report.file} is missing from {reports.directory}; re-run `reportgen batch`"
    if len(data) != report.bytes or hashlib.sha256(data).hexdigest() != report.sha256:
        return f"{report.file} differs from the manifest; re-run `reportgen batch`"
    return None


def plan_distribution(
    recipients: Sequence[Recipient],
    reports: Reports,
    ledger: Ledger,
    *,
    sender_domain: str,
    max_bytes: int = 10 * MB,
    unsubscribe_url: str | None = None,
    resend_changed: bool = False,
    resend_unknown: bool = False,
) -> Plan:
    """Decide which reports each recipient gets and render their messages.

    A report is skipped when the ledger has it as sent to this address ("already sent"),
    when its outcome is unknown (unless ``resend_unknown``), or when an earlier version of
    it was sent (unless ``resend_changed``). A country with no report in the recipient's
    language, or whose file does not match the manifest, is "unavailable".
    """
    messages: list[PlannedMessage] = []
    skipped: list[Outcome] = []
    file_problems: dict[str, str | None] = {}
    for recipient in recipients:
        templates = load_mail_templates(recipient.language)
        codes = list(recipient.countries)
        for region in recipient.regions:
            codes += [c for c in reports.in_region(region) if c not in codes]
        wanted: list[Report] = []
        for code in codes:
            report = reports.get(code, recipient.language)
            if report is None:
                other = sorted(lang for c, lang in reports.by_key if c == code)
                why = (
                    f"no '{recipient.language}' report of {code} was built (only: {', '.join(other)})"
                    if other
                    else f"no report of {code} was built"
                )
                skipped.append(
                    Outcome(recipient.email, code, recipient.language, "", "unavailable", why)
                )
                continue
            if report.file not in file_problems:
                file_problems[report.file] = _file_problem(reports, report)
            problem = file_problems[report.file]
            if problem is not None:
                skipped.append(_outcome(recipient, report, "unavailable", problem))
                continue
            row = ledger.lookup(recipient.key, report.sha256)
            if row is not None and row.status == "sent":
                skipped.append(
                    _outcome(recipient, report, "already sent", row.time, row.message_id)
                )
            elif row is not None and row.status in ("unknown", "sending") and not resend_unknown:
                skipped.append(
                    _outcome(
                        recipient,
                        report,
                        "uncertain",
                        f"{row.answer} ({row.time}); if it did not arrive, re-run with --resend-unknown",
                        row.message_id,
                    )
                )
            elif not resend_changed and ledger.sent_other_version(
                recipient.key, report.country, report.language, report.sha256
            ):
                skipped.append(
                    _outcome(
                        recipient,
                        report,
                        "changed",
                        "the report changed since an earlier version was sent; "
                        "pass --resend-changed to send the new one",
                    )
                )
            else:
                wanted.append(report)
        wanted.sort(key=lambda r: (r.name.casefold(), r.country))
        groups = _pack(wanted, max_bytes)
        link = unsubscribe_link(unsubscribe_url, recipient.email)
        for part, group in enumerate(groups, start=1):
            subject, body = templates.render(
                name=recipient.name,
                organisation=recipient.organisation,
                note=recipient.note,
                email=recipient.email,
                language=recipient.language,
                release=reports.release,
                release_year=reports.release_year,
                part=part,
                parts=len(groups),
                unsubscribe_url=link,
                reports=[
                    MailReport(
                        r.country, r.name, r.file, r.empowerment, r.safety, r.quality_of_life
                    )
                    for r in group
                ],
            )
            messages.append(
                PlannedMessage(
                    recipient=recipient,
                    reports=tuple(group),
                    part=part,
                    parts=len(groups),
                    subject=subject,
                    body=body,
                    message_id=message_id(
                        recipient.email, [r.sha256 for r in group], sender_domain
                    ),
                    unsubscribe_url=link,
                    estimated_bytes=_TEXT_ALLOWANCE + sum(encoded_size(r.bytes) for r in group),
                )
            )
    return Plan(tuple(messages), tuple(skipped))


def _outcome(
    recipient: Recipient, report: Report, status: OutcomeStatus, reason: str = "", mid: str = ""
) -> Outcome:
    return Outcome(
        recipient.email, report.country, report.language, report.file, status, reason, mid
    )


# --- composing ------------------------------------------------------------------------------------


def parse_sender(text: str) -> Address:
    """``--from`` ("Name <addr>" or "addr") as an ``Address``; raise ``DistributionError``.

    Exactly one address: a list ("a@x.org, b@y.org"), a group or a second address in
    brackets is refused, not cut down to its first address.
    """
    example = "Write e.g. 'HRMI reports <reports@example.org>' (or set REPORTGEN_MAIL_FROM)."
    breaks_line = line_problem(text)
    if breaks_line is not None:
        raise DistributionError(
            f"--from {text!r} has a line break or control character ({breaks_line}). {example}"
        )
    header = HeaderRegistry()("From", text)
    assert isinstance(header, AddressHeader)
    addresses = header.addresses
    if len(addresses) > 1:
        found = ", ".join(a.addr_spec for a in addresses)
        raise DistributionError(
            f"--from {text!r} gives {len(addresses)} addresses ({found}); the reports go out "
            f"from one sender. {example}"
        )
    if any(g.display_name is not None for g in header.groups):
        raise DistributionError(f"--from {text!r} is a group, not one address. {example}")
    if header.defects or len(addresses) != 1 or not addresses[0].domain:
        raise DistributionError(f"--from {text!r} is not an email address. {example}")
    (given,) = addresses
    try:
        email = to_ascii_address(f"{given.username}@{given.domain}")
    except AddressError as problem:
        raise DistributionError(
            f"--from {text!r} is not an email address we can send from: {problem.reason}. "
            f"{problem.fix}"
        ) from None
    local, domain = email.split("@")
    return Address(display_name=given.display_name, username=local, domain=domain)


def compose(
    message: PlannedMessage, sender: Address, attachments: Mapping[str, bytes], date: datetime
) -> EmailMessage:
    """The MIME message of ``message``: UTF-8 text, PDFs attached, headers set.

    ``attachments`` maps each report's file name to its bytes.
    """
    recipient = message.recipient
    local, domain = recipient.email.split("@")
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = sender
    mail["To"] = Address(display_name=recipient.name, username=local, domain=domain)
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(date)
    mail["Message-ID"] = message.message_id
    if message.unsubscribe_url:
        mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body, charset="utf-8", cte="quoted-printable")
    for report in message.reports:
        mail.add_attachment(
            attachments[report.file], maintype="application", subtype="pdf", filename=report.file
        )
    for part in mail.iter_parts():
        del part["MIME-Version"]  # the email package repeats it in parts; it belongs on top only
    return mail


def _fix_eols(data: bytes) -> bytes:
    return re.sub(rb"\r\n|\n|\r", b"\r\n", data)


# --- transports -----------------------------------------------------------------------------------


class DeliveryError(Exception):
    """A message was not (or maybe not) delivered; ``reason`` is safe to show and store."""

    def __init__(self, kind: FailureKind, reason: str, connection: bool = False) -> None:
        super().__init__(reason)
        self.kind: FailureKind = kind
        self.reason = reason
        self.connection = connection  # the server could not be reached at all


class Transport(Protocol):
    """Hands one message over; ``in_doubt`` is True once it may have been delivered."""

    in_doubt: bool

    def deliver(self, sender: str, recipient: str, data: bytes, name: str) -> str:
        """Hand ``data`` over for ``recipient``; return the answer or raise ``DeliveryError``."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


class Secrets:
    """Masks a password, and the forms it takes on the wire, in any text."""

    def __init__(self, user: str | None, password: str | None) -> None:
        forms: set[str] = set()
        if password and len(password) >= 3:  # masking shorter strings would garble every text
            raw = password.encode()
            forms |= {password, repr(raw)[2:-1], base64.b64encode(raw).decode(), quote(password)}
            forms.add(password.encode("ascii", "backslashreplace").decode())
            # a server may echo it in any escaping: mask its longer ASCII runs on their own too
            forms |= {run for run in re.split(r"[^\x21-\x7e]+", password) if len(run) >= 6}
            if user:
                for blob in (f"\0{user}\0{password}", f"{user}\0{user}\0{password}"):
                    forms.add(base64.b64encode(blob.encode()).decode())
        self._forms = sorted(forms, key=len, reverse=True)

    def clean(self, text: str) -> str:
        """``text`` with every form of the password replaced by ``***``."""
        for form in self._forms:
            text = text.replace(form, "***")
        return text


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the SMTP server; credentials never appear in ``repr``."""

    host: str
    port: int
    security: Security = "none"
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    local_hostname: str | None = None  # the EHLO name (default: this machine's FQDN)
    # Before the final ".", how long to watch for the server hanging up or refusing early: a
    # message it drops then was never delivered and is retried (see SmtpTransport.deliver).
    end_of_data_grace: float = 0.1


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def smtp_settings(
    address: str,
    *,
    starttls: bool = False,
    use_ssl: bool = False,
    timeout: float = 30.0,
    environ: Mapping[str, str] | None = None,
) -> SmtpSettings:
    """Settings from ``--smtp HOST[:PORT]``, the TLS flags and the environment's credentials.

    Raises ``DistributionError`` for a bad address, both TLS flags, half the credentials, or
    credentials over an unencrypted connection to a host other than this machine.
    """
    env = os.environ if environ is None else environ
    if starttls and use_ssl:
        raise DistributionError("Give --starttls or --ssl, not both.")
    security: Security = "ssl" if use_ssl else "starttls" if starttls else "none"
    match = re.fullmatch(
        r"\[(?P<v6>[^\]]+)\](?::(?P<p1>\d+))?|(?P<host>[^:\[\]\s]+)(?::(?P<p2>\d+))?",
        address.strip(),
    )
    if match is None:
        raise DistributionError(
            f"--smtp {address!r} is not HOST:PORT. Write e.g. smtp.example.org:587."
        )
    host = match["v6"] or match["host"]
    given = match["p1"] or match["p2"]
    port = int(given) if given else {"ssl": 465, "starttls": 587, "none": 25}[security]
    if not 0 < port < 65536:
        raise DistributionError(f"--smtp port {port} is not between 1 and 65535.")
    user = env.get("REPORTGEN_SMTP_USER") or None
    password = env.get("REPORTGEN_SMTP_PASSWORD") or None
    if (user is None) != (password is None):
        raise DistributionError(
            "Set both REPORTGEN_SMTP_USER and REPORTGEN_SMTP_PASSWORD to log in, or neither."
        )
    if user is not None and security == "none" and not _is_loopback(host):
        raise DistributionError(
            f"Refusing to send the SMTP password to {host} unencrypted. Add --starttls or --ssl."
        )
    return SmtpSettings(host, port, security, user, password, timeout)


def _login(conn: smtplib.SMTP, user: str, password: str, where: str) -> None:
    """Log in. smtplib's ``login`` is ASCII-only, so UTF-8 credentials go by AUTH PLAIN
    (RFC 4616), the one common mechanism defined over UTF-8."""
    if user.isascii() and password.isascii():
        conn.login(user, password)
        return
    if not conn.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("no AUTH")
    if "PLAIN" not in conn.esmtp_features.get("auth", "").upper().split():
        raise DeliveryError(
            "fatal",
            f"the SMTP user or password has non-ASCII characters, which need AUTH PLAIN, "
            f"and {where} does not offer it",
        )
    blob = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, answer = conn.docmd("AUTH", f"PLAIN {blob}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


class SmtpTransport:
    """Delivers through an SMTP server over one reused connection, reconnecting after errors."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.secrets = Secrets(settings.user, settings.password)
        self.in_doubt = False
        self._conn: smtplib.SMTP | None = None

    def _text(self, value: bytes | str) -> str:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        return self.secrets.clean(" ".join(text.split()))

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        s = self.settings
        where = f"{s.host}:{s.port}"
        context = s.ssl_context or ssl.create_default_context()
        failure: DeliveryError | None = None
        conn: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(
                    s.host,
                    s.port,
                    local_hostname=s.local_hostname,
                    timeout=s.timeout,
                    context=context,
                )
            else:
                conn = smtplib.SMTP(
                    s.host, s.port, local_hostname=s.local_hostname, timeout=s.timeout
                )
            conn.ehlo()
            if s.security == "starttls":
                if not conn.has_extn("starttls"):
                    failure = DeliveryError(
                        "fatal", f"{where} does not offer STARTTLS; use --ssl or another server"
                    )
                else:
                    conn.starttls(context=context)
                    conn.ehlo()
            if failure is None and s.user is not None and s.password is not None:
                _login(conn, s.user, s.password, where)
        except DeliveryError as exc:
            failure = exc
        except smtplib.SMTPAuthenticationError as exc:
            failure = DeliveryError(
                "fatal",
                f"{where} refused the login ({exc.smtp_code} {self._text(exc.smtp_error)}); "
                "check REPORTGEN_SMTP_USER and REPORTGEN_SMTP_PASSWORD",
            )
        except smtplib.SMTPNotSupportedError:
            failure = DeliveryError(
                "fatal",
                f"{where} does not offer login (AUTH); unset the credentials or use --starttls",
            )
        except ssl.SSLCertVerificationError as exc:
            failure = DeliveryError(
                "fatal",
                f"the certificate of {where} is not trusted ({self._text(exc.verify_message or '')})",
            )
        except smtplib.SMTPResponseException as exc:
            kind: FailureKind = "temporary" if 400 <= exc.smtp_code < 500 else "fatal"
            failure = DeliveryError(
                kind,
                f"{where} refused the connection: {exc.smtp_code} {self._text(exc.smtp_error)}",
                True,
            )
        except (smtplib.SMTPException, OSError) as exc:
            failure = DeliveryError(
                "temporary",
                f"cannot reach {where}: {self._text(str(exc) or type(exc).__name__)}",
                True,
            )
        except Exception as exc:  # credentials are in play here: nothing may escape unmasked
            failure = DeliveryError(
                "fatal", f"cannot connect to {where}: {type(exc).__name__}: {self._text(str(exc))}"
            )
        if failure is not None:
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.close()
            raise failure  # outside the except blocks: no smtplib exception is chained to it
        assert conn is not None
        self._conn = conn
        return conn

    def _refused(self, stage: str, code: int, answer: bytes) -> DeliveryError:
        if code == 421:  # the server is closing the connection
            self._drop()
        else:
            try:
                assert self._conn is not None
                self._conn.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()
        kind: FailureKind = "temporary" if 400 <= code < 500 else "permanent"
        return DeliveryError(kind, f"{stage}: {code} {self._text(answer)}")

    def _spoke_during_data(self, conn: smtplib.SMTP) -> DeliveryError | None:
        """Whether the server hung up (or answered) before the end of the message was sent.

        A server says nothing while it receives a message; anything it sends now is a
        refusal or the end of the connection, and either way it never saw the final "."
        (RFC 5321, 4.1.1.4: the mail transaction is processed only once that arrives), so
        the message is not in doubt.
        """
        sock = conn.sock
        assert sock is not None
        if not (isinstance(sock, ssl.SSLSocket) and sock.pending()):
            with selectors.DefaultSelector() as selector:
                selector.register(sock, selectors.EVENT_READ)
                if not selector.select(self.settings.end_of_data_grace):
                    return None
        try:
            code, answer = conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            detail = self._text(str(exc) or type(exc).__name__)
            return DeliveryError(
                "temporary",
                f"the connection was lost before the end of the message was sent ({detail}); "
                "nothing was delivered",
            )
        self._drop()  # mid-message, the connection is in no state to be reused
        kind: FailureKind = "temporary" if 400 <= code < 500 else "permanent"
        return DeliveryError(kind, f"message refused before its end: {code} {self._text(answer)}")

    def deliver(self, sender: str, recipient: str, data: bytes, name: str = "") -> str:
        """Send ``data`` from ``sender`` to ``recipient``; return the server's answer.

        Raises ``DeliveryError``: 'temporary' (4xx, connection lost before the message was
        complete), 'permanent' (5xx), 'uncertain' (connection lost after the whole message,
        its final ".", was sent but before the server answered) or 'fatal' (login refused,
        no TLS). The final "." goes out only after the body, once the server has had
        ``end_of_data_grace`` seconds to hang up or refuse: a server that drops the
        connection while it receives the message is thus seen to have dropped it before
        its end, and the message is retried instead of being left in doubt.
        """
        self.in_doubt = False
        conn = self._connect()
        payload = re.sub(rb"(?m)^\.", b"..", _fix_eols(data))
        payload += b"" if payload.endswith(b"\r\n") else b"\r\n"
        options = [f"SIZE={len(payload)}"] if conn.has_extn("size") else []
        failure: DeliveryError | None = None
        try:
            code, answer = conn.mail(sender, options)
            if code != 250:
                failure = self._refused("sender refused", code, answer)
            if failure is None:
                code, answer = conn.rcpt(recipient)
                if code not in (250, 251):
                    failure = self._refused("recipient refused", code, answer)
            if failure is None:
                code, answer = conn.docmd("DATA")
                if code != 354:
                    failure = self._refused("DATA refused", code, answer)
            if failure is None:
                conn.send(payload)
                failure = self._spoke_during_data(conn)
            if failure is None:
                conn.send(b".\r\n")
                self.in_doubt = True  # the whole message is with the server from here on
                code, answer = conn.getreply()
                self.in_doubt = False
                if code != 250:
                    failure = self._refused("message refused", code, answer)
                else:
                    return f"{code} {self._text(answer)}"
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            detail = self._text(str(exc) or type(exc).__name__)
            if self.in_doubt:
                failure = DeliveryError(
                    "uncertain",
                    f"the connection was lost after the message was sent and before the server "
                    f"answered ({detail}): it may have been delivered",
                )
            else:
                failure = DeliveryError(
                    "temporary",
                    f"the connection was lost before the end of the message was sent ({detail}); "
                    "nothing was delivered",
                )
        assert failure is not None
        raise failure

    def close(self) -> None:
        """Say goodbye to the server."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()


class OutboxTransport:
    """Writes each message as a standard ``.eml`` file into a directory instead of sending it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.in_doubt = False

    def deliver(self, sender: str, recipient: str, data: bytes, name: str = "") -> str:
        """Write ``data`` to ``<directory>/<name>.eml`` atomically; return the file name."""
        from reportgen.build import write_atomic

        self.in_doubt = False
        path = self.directory / f"{name}.eml"
        try:
            write_atomic(path, data)
        except ReportgenError as exc:
            raise DeliveryError("fatal", str(exc), connection=True) from None
        return f"written to {path}"

    def close(self) -> None:
        """Nothing to release."""


# --- the run -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendPolicy:
    """Retries, backoff and rate limit (``sleep`` and ``clock`` are replaceable for tests)."""

    retries: int = 3  # further attempts after a temporary failure
    backoff: float = 2.0  # seconds before the first retry; doubled for each next one
    max_backoff: float = 60.0
    rate: float = 2.0  # messages per second at most
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


class RateLimiter:
    """Spaces calls at least ``1 / rate`` seconds apart."""

    def __init__(self, rate: float, sleep: Callable[[float], None], clock: Callable[[], float]):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None

    def wait(self) -> None:
        """Sleep until the next call is allowed."""
        if self._last is not None:
            remaining = self._last + self.interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()


@dataclass(frozen=True)
class Summary:
    """What a run did (or would do), report by report."""

    outcomes: tuple[Outcome, ...]
    messages: int = 0  # emails sent, written or (dry run) planned
    stopped: str | None = None  # why the run stopped early, if it did
    problems: tuple[Problem, ...] = ()  # recipients-file rows skipped, notes

    def count(self, status: OutcomeStatus) -> int:
        """How many reports have ``status``."""
        return sum(o.status == status for o in self.outcomes)

    def of(self, status: OutcomeStatus) -> list[Outcome]:
        """The outcomes with ``status``, by recipient and country."""
        return sorted(
            (o for o in self.outcomes if o.status == status), key=lambda o: (o.email, o.country)
        )

    @property
    def ok(self) -> bool:
        """Whether nothing failed and nothing is in doubt."""
        return not self.stopped and not any(
            o.status in ("failed", "uncertain") for o in self.outcomes
        )


Progress = Callable[[PlannedMessage, OutcomeStatus, str, int, int], None]
NOT_ATTEMPTED = "not attempted: "


def _file_name(message: PlannedMessage) -> str:
    local = re.sub(r"[^A-Za-z0-9._-]+", "_", message.recipient.email.replace("@", "_at_"))
    digest = hashlib.sha256(message.message_id.encode()).hexdigest()[:12]
    return f"{local[:60]}-{digest}"


def _attachments(message: PlannedMessage, reports: Reports) -> dict[str, bytes] | str:
    """The PDFs of ``message`` by file name, or why they cannot be attached."""
    files: dict[str, bytes] = {}
    for report in message.reports:
        try:
            data = reports.path(report).read_bytes()
        except OSError as exc:
            return f"cannot read {report.file} ({exc.strerror})"
        if hashlib.sha256(data).hexdigest() != report.sha256:
            return f"{report.file} changed during the run; re-run `reportgen batch`, then this"
        files[report.file] = data
    return files


def run_distribution(
    plan: Plan,
    transport: Transport,
    ledger: Ledger,
    sender: Address,
    reports: Reports,
    send_policy: SendPolicy | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Send every message of ``plan`` through ``transport``, recording each in ``ledger``.

    Temporary failures are retried with exponential backoff; a permanent one fails that
    message only; a server that cannot be reached (after the retries) or refuses the login
    stops the run, and the messages not attempted are reported as failed (a re-run sends
    them). Messages are spaced by the rate limit.
    """
    pol = send_policy or SendPolicy()
    limiter = RateLimiter(pol.rate, pol.sleep, pol.clock)
    outcomes = list(plan.skipped)
    stopped: str | None = None
    sent_messages = 0
    total = len(plan.messages)
    try:
        for done, message in enumerate(plan.messages, start=1):
            status: OutcomeStatus
            if stopped is not None:
                status, detail = "failed", f"{NOT_ATTEMPTED}{stopped}"
            else:
                status, detail, fatal = _send_one(
                    message, transport, ledger, sender, reports, pol, limiter
                )
                if fatal:
                    stopped = detail
                if status == "sent":
                    sent_messages += 1
            outcomes += [
                _outcome(message.recipient, r, status, detail, message.message_id)
                for r in message.reports
            ]
            if progress is not None:
                progress(message, status, detail, done, total)
    finally:
        transport.close()
    return Summary(tuple(outcomes), sent_messages, stopped)


def _send_one(
    message: PlannedMessage,
    transport: Transport,
    ledger: Ledger,
    sender: Address,
    reports: Reports,
    pol: SendPolicy,
    limiter: RateLimiter,
) -> tuple[OutcomeStatus, str, bool]:
    """Deliver one message with retries; return (status, answer or reason, stop the run)."""
    files = _attachments(message, reports)
    if isinstance(files, str):
        return "failed", files, False
    data = compose(message, sender, files, datetime.now(UTC)).as_bytes()
    attempts = pol.retries + 1
    for attempt in range(1, attempts + 1):
        limiter.wait()
        ledger.record(message, "sending", "being handed to the server", attempt=True)
        try:
            answer = transport.deliver(
                sender.addr_spec, message.recipient.email, data, _file_name(message)
            )
        except DeliveryError as failure:
            reason = failure.reason
            if failure.kind == "uncertain":
                ledger.record(message, "unknown", reason)
                return "uncertain", reason, False
            if failure.kind == "temporary" and attempt < attempts:
                ledger.record(message, "failed", f"{reason}; retrying")
                pol.sleep(min(pol.backoff * 2 ** (attempt - 1), pol.max_backoff))
                continue
            if failure.kind == "temporary" and attempts > 1:
                reason = f"{reason} (gave up after {attempts} attempts)"
            ledger.record(message, "failed", reason)
            stop = failure.kind == "fatal" or (failure.kind == "temporary" and failure.connection)
            return "failed", reason, stop
        except BaseException:  # interrupted: record what we know before leaving
            if transport.in_doubt:
                ledger.record(message, "unknown", "interrupted after the message was sent")
            else:
                ledger.record(message, "failed", "interrupted before the message was sent")
            raise
        ledger.record(message, "sent", answer)
        return "sent", answer, False
    raise AssertionError("unreachable: the loop returns on its last attempt")


def dry_run(plan: Plan) -> Summary:
    """What a run would do: every planned report as "would send"."""
    outcomes = list(plan.skipped)
    for message in plan.messages:
        outcomes += [
            _outcome(message.recipient, r, "would send", "", message.message_id)
            for r in message.reports
        ]
    return Summary(tuple(outcomes), len(plan.messages))


def distribute(
    recipients_file: Path,
    reports_dir: Path,
    transport: Transport | None,
    ledger_path: Path | LedgerPlace,
    sender: Address,
    *,
    max_bytes: int = 10 * MB,
    unsubscribe_url: str | None = None,
    resend_changed: bool = False,
    resend_unknown: bool = False,
    skip_bad_rows: bool = False,
    known_codes: Collection[str] = (),
    send_policy: SendPolicy | None = None,
    progress: Progress | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Summary:
    """The whole stage: manifest and recipients → plan against the ledger → sent messages.

    ``transport`` None is a dry run: the ledger is only read (and not created), nothing is
    sent, and the summary says what would be sent. ``on_plan`` sees the plan before sending.
    ``ledger_path`` is a path, or a ``LedgerPlace`` with the checks of a new ledger and an
    older ledger to merge in; ``notify`` is told what was done to the ledgers.
    """
    say = notify or (lambda _text: None)
    # 1. what was built; 2. who gets what
    reports = load_reports(reports_dir)
    people = load_recipients(
        recipients_file, reports, known_codes=known_codes, skip_bad_rows=skip_bad_rows
    )
    # 3. the ledger: never a new one silently where one was used before; an old one merged in
    place = ledger_path if isinstance(ledger_path, LedgerPlace) else LedgerPlace(ledger_path)
    legacy = place.legacy
    if legacy is not None and (not legacy.is_file() or legacy.resolve() == place.path.resolve()):
        legacy = None
    check_new_ledger(place, recipients_file)
    dry = transport is None
    if dry:
        ledger = Ledger.open_readonly(place.path, merge=() if legacy is None else (legacy,))
        if legacy is not None:
            say(
                f"{legacy} is a ledger where older versions kept it: read as well. The next "
                f"run that sends merges it into {place.path}."
            )
    else:
        if place.state is not None:  # the ledger holds addresses: the directory is private
            try:
                place.state.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise DistributionError(
                    f"Cannot create the state directory {place.state} ({exc.strerror}). "
                    "Set XDG_STATE_HOME to a directory you can write, or give --ledger FILE."
                ) from None
        ledger = Ledger.open(place.path)
        try:
            if legacy is not None:
                rows = ledger.absorb(legacy)
                say(
                    f"Merged the ledger {legacy} ({rows} row(s); older versions kept it there) "
                    f"into {place.path}, where a rebuild of {reports_dir} cannot remove it. "
                    f"The old file is now {legacy.name}.moved."
                )
        except BaseException:
            ledger.close()
            raise
    with ledger:
        if not dry:
            ledger.recover()
        # 4. against the ledger: the plan (all templates rendered before anything is sent)
        plan = plan_distribution(
            people.recipients,
            reports,
            ledger,
            sender_domain=sender.domain,
            max_bytes=max_bytes,
            unsubscribe_url=unsubscribe_url,
            resend_changed=resend_changed,
            resend_unknown=resend_unknown,
        )
        if on_plan is not None:
            on_plan(plan)
        # 5. send, recording each message in the ledger before and after
        if transport is None:
            summary = dry_run(plan)
        else:
            if place.state is not None and plan.messages:
                mark_ledger_use(place.state, recipients_file, place.path)
            summary = run_distribution(
                plan, transport, ledger, sender, reports, send_policy, progress
            )
    return Summary(summary.outcomes, summary.messages, summary.stopped, people.problems)


# --- the command ----------------------------------------------------------------------------------

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


def _print_plan(plan: Plan, sender: Address) -> None:
    for message in plan.messages:
        r = message.recipient
        part = f" (part {message.part} of {message.parts})" if message.parts > 1 else ""
        _out.print(f"would send{part} to {r.name} <{r.email}> [{r.language}]", markup=False)
        _out.print(f"  from:    {sender}", markup=False)
        _out.print(f"  subject: {message.subject}", markup=False)
        for report in message.reports:
            _out.print(f"  attach:  {report.file} ({report.bytes / 1000:.0f} kB)", markup=False)
        _out.print(f"  size:    about {message.estimated_bytes / MB:.1f} MB", markup=False)


def print_summary(summary: Summary, dry: bool = False) -> None:
    """Print the closing summary: counts, then every failure, doubt and gap with its reason."""
    table = Table(
        "emails" if not dry else "emails to send",
        "sent" if not dry else "to send",
        "already sent",
        "changed",
        "uncertain",
        "failed",
        "unavailable",
        title="distribute" + (" (dry run: nothing sent)" if dry else ""),
    )
    table.add_row(
        str(summary.messages),
        str(summary.count("would send" if dry else "sent")),
        str(summary.count("already sent")),
        str(summary.count("changed")),
        str(summary.count("uncertain")),
        str(summary.count("failed")),
        str(summary.count("unavailable")),
    )
    _out.print(table)
    labels: list[tuple[OutcomeStatus, str]] = [
        ("failed", "[red]failed[/red]"),
        ("uncertain", "[yellow]uncertain[/yellow]"),
        ("changed", "[yellow]changed[/yellow]"),
        ("unavailable", "[yellow]unavailable[/yellow]"),
    ]
    not_attempted = [o for o in summary.of("failed") if o.reason.startswith(NOT_ATTEMPTED)]
    for status, label in labels:
        for o in summary.of(status):
            if o in not_attempted:
                continue
            _out.print(f"{label} ", end="")
            _out.print(f"{o.email} {o.country}: {o.reason}", markup=False)
    if not_attempted:
        people = len({o.email for o in not_attempted})
        _out.print(
            f"[red]not attempted[/red] {len(not_attempted)} report(s) to {people} recipient(s) "
            "after the run stopped; a re-run sends them."
        )
    for problem in summary.problems:
        label = "[red]skipped row[/red]" if problem.severity == "error" else "[yellow]note[/yellow]"
        _out.print(f"{label} ", end="")
        _out.print(str(problem), markup=False)
    if summary.stopped:
        _out.print("[red]stopped:[/red] ", end="")
        _out.print(summary.stopped, markup=False)


def _notify(text: str) -> None:
    _err.print("[yellow]note:[/yellow] ", end="")
    _err.print(text, markup=False)


def _ledger_place(
    reports: Path, outbox: Path | None, ledger: Path | None, new_ledger: bool
) -> LedgerPlace:
    """The ledger of the command: an outbox keeps its own; sending, the state directory's."""
    if outbox is not None:  # writing .eml files never counts as sending to the recipients
        return LedgerPlace(ledger or outbox / LEDGER_NAME)
    state = state_directory()
    path = ledger or state / LEDGER_NAME
    if ledger is not None and _inside(ledger, reports):
        _err.print("[bold yellow]warning:[/bold yellow] ", end="")
        _err.print(
            f"the ledger {ledger} is inside --reports {reports}: deleting that directory to "
            "rebuild it deletes the record of what was sent. The next run then stops, but "
            "the record is lost. Keep the ledger elsewhere, or leave out --ledger.",
            markup=False,
        )
    return LedgerPlace(path, state=state, legacy=reports / LEDGER_NAME, new_ledger=new_ledger)


def distribute_command(
    recipients: Annotated[
        Path,
        typer.Option(
            "--recipients", help="Recipients CSV: name, email, language, countries, regions, …"
        ),
    ],
    reports: Annotated[
        Path, typer.Option("--reports", "-r", help="Directory of reports built by `batch`.")
    ] = Path("output"),
    smtp: Annotated[
        str | None,
        typer.Option("--smtp", metavar="HOST:PORT", help="Send through this SMTP server."),
    ] = None,
    outbox: Annotated[
        Path | None,
        typer.Option("--outbox", help="Write .eml files into this directory instead of sending."),
    ] = None,
    dry_run_only: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent; send and record nothing.")
    ] = False,
    starttls: Annotated[
        bool, typer.Option("--starttls", help="Upgrade the connection with STARTTLS (port 587).")
    ] = False,
    use_ssl: Annotated[
        bool, typer.Option("--ssl", help="Connect over TLS from the start (port 465).")
    ] = False,
    sender: Annotated[
        str | None,
        typer.Option(
            "--from",
            envvar="REPORTGEN_MAIL_FROM",
            help="Sender, e.g. 'HRMI <reports@example.org>' (or REPORTGEN_MAIL_FROM).",
        ),
    ] = None,
    max_size: Annotated[
        float,
        typer.Option("--max-size", min=0.1, help="Split emails larger than this many MB."),
    ] = 10.0,
    rate: Annotated[
        float, typer.Option("--rate", min=0.01, help="Send at most this many emails per second.")
    ] = 2.0,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries after a temporary failure.")
    ] = 3,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1.0, help="Seconds to wait for the server.")
    ] = 30.0,
    unsubscribe_url: Annotated[
        str | None,
        typer.Option(
            "--unsubscribe-url",
            help="Adds List-Unsubscribe; {email} is replaced by the recipient's address.",
        ),
    ] = None,
    ledger_path: Annotated[
        Path | None,
        typer.Option(
            "--ledger",
            help="Ledger of what was sent (default: distribution.sqlite in "
            "$XDG_STATE_HOME/reportgen or ~/.local/state/reportgen; with --outbox, in it).",
        ),
    ] = None,
    new_ledger: Annotated[
        bool,
        typer.Option(
            "--new-ledger",
            help="Start a new ledger although this recipients file (or this ledger) was used "
            "before: everyone may get their reports again.",
        ),
    ] = False,
    resend_changed: Annotated[
        bool,
        typer.Option("--resend-changed", help="Send reports that changed since they were sent."),
    ] = False,
    resend_unknown: Annotated[
        bool,
        typer.Option(
            "--resend-unknown",
            help="Send again messages whose delivery is uncertain (connection lost, crash).",
        ),
    ] = False,
    skip_bad_rows: Annotated[
        bool,
        typer.Option(
            "--skip-bad-rows",
            help="Send to the valid recipients and list the bad rows, instead of refusing.",
        ),
    ] = False,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", "-d", help="Release directory, to recognise its countries without reports."
        ),
    ] = None,
) -> None:
    """Email each recipient the reports of their countries and regions, once (docs/recipients.md).

    SMTP credentials come from REPORTGEN_SMTP_USER and REPORTGEN_SMTP_PASSWORD only.
    """
    if (smtp is None) == (outbox is None):
        raise DistributionError(
            "Give --smtp HOST:PORT to send, or --outbox DIR to write .eml files (one of them)."
        )
    settings = (
        smtp_settings(smtp, starttls=starttls, use_ssl=use_ssl, timeout=timeout)
        if smtp is not None
        else None
    )
    if sender is None:
        raise DistributionError("Give the sender with --from ADDRESS (or set REPORTGEN_MAIL_FROM).")
    from_address = parse_sender(sender)
    if unsubscribe_url is not None and not re.match(r"(https?|mailto):", unsubscribe_url):
        raise DistributionError(
            f"--unsubscribe-url {unsubscribe_url!r} must start with https://, http:// or mailto:."
        )
    place = _ledger_place(reports, outbox, ledger_path, new_ledger)
    transport: Transport | None = None
    if not dry_run_only:
        if settings is not None:
            transport = SmtpTransport(settings)
        else:
            assert outbox is not None  # one of --smtp and --outbox, checked above
            transport = OutboxTransport(outbox)
    known: set[str] = set()
    if data is not None:
        from reportgen.load import load_release

        known = set(load_release(data, isolate_bad_rows=True).country_codes())

    def report_progress(
        message: PlannedMessage, status: OutcomeStatus, detail: str, done: int, total: int
    ) -> None:
        countries = ", ".join(r.country for r in message.reports)
        _err.print(
            f"[{done}/{total}] {status} {message.recipient.email} ({countries}): {detail}",
            markup=False,
        )

    summary = distribute(
        recipients,
        reports,
        transport,
        place,
        from_address,
        max_bytes=int(max_size * MB),
        unsubscribe_url=unsubscribe_url,
        resend_changed=resend_changed,
        resend_unknown=resend_unknown,
        skip_bad_rows=skip_bad_rows,
        known_codes=known,
        send_policy=SendPolicy(retries=retries, rate=rate if settings is not None else 0.0),
        progress=report_progress,
        on_plan=(lambda plan: _print_plan(plan, from_address)) if dry_run_only else None,
        notify=_notify,
    )
    print_summary(summary, dry=dry_run_only)
    if not summary.ok:
        raise typer.Exit(1)
