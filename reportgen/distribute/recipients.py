"""Recipients: a recipients CSV → checked ``Recipient`` values, or every problem in the file.

In:  a UTF-8 CSV with a header (name, email, language, countries and/or regions, optional
     organisation and note; see ``docs/recipients.md``), the manifest of what was built (its
     countries and regions) and the languages that have mail templates.
Out: a ``RecipientList``: the usable recipients and the problems found. Every bad row is
     reported with file, row, column, value and fix, and the file is refused
     (``RecipientsError``), or with ``skip_bad_rows`` the bad rows are left out whole: a row
     is never half-processed.

Addresses are checked here too: ASCII local parts, international domain names in strict
IDNA 2008 (``ascii_domain``), and names that fit on one line (``line_problem``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import idna

from reportgen.distribute.errors import DistributionError
from reportgen.distribute.templates import mail_languages
from reportgen.errors import DataValidationError, Problem, ReportgenError
from reportgen.manifest import FORMATS, Manifest


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


def _region_index(reports: Manifest) -> dict[str, str]:
    """Region codes and English region names (case-insensitive) → region code."""
    from reportgen.codebook import load_codebook

    index: dict[str, str] = {}
    for code, name in load_codebook("en").regions.items():
        index[code.casefold()] = code
        index[name.casefold()] = code
    for code in (region for fmt in FORMATS for region in reports.regions(fmt)):
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
    reports: Manifest,
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
    in_manifest = {code for fmt in FORMATS for code in reports.codes(fmt)}
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
