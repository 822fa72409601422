"""Planning: what was built, who wants what, and the ledger → the messages to send, rendered.

In:  the manifest of a reports directory (``load_reports``), the checked recipients, the
     ledger (read only) and the mail templates of each recipient's language.
Out: a ``Plan``: one ``PlannedMessage`` per email (recipient, reports, subject and body
     rendered, a stable Message-ID, its estimated size; a recipient's reports are split
     into parts above ``max_bytes``), and an ``Outcome`` for every report skipped, with why
     ("already sent", "uncertain", "changed", "unavailable").

Every template is rendered here, before anything is sent: a template error stops the run
with nothing sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from reportgen.distribute.errors import DistributionError
from reportgen.distribute.ledger import Ledger
from reportgen.distribute.recipients import Recipient
from reportgen.distribute.templates import MailReport, load_mail_templates
from reportgen.manifest import FORMATS, Entry, Manifest, ManifestError, Release, read_manifest
from reportgen.project import NO_PROJECT, Project

MB = 1_000_000  # --max-size counts in SI megabytes, as mail providers state their limits

OutcomeStatus = Literal[
    "sent", "would send", "already sent", "changed", "uncertain", "failed", "unavailable"
]


def load_reports(directory: Path) -> Manifest:
    """The manifest of ``directory``: what was built, its files' SHA-256, headline scores.

    Raises ``DistributionError`` naming the file, what is wrong and what to do.
    """
    try:
        return read_manifest(directory)
    except ManifestError as exc:
        raise DistributionError(str(exc)) from None


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

    @classmethod
    def for_report(
        cls,
        recipient: Recipient,
        report: Entry,
        status: OutcomeStatus,
        reason: str = "",
        message_id: str = "",
    ) -> Outcome:
        """The outcome of ``report`` for ``recipient``."""
        return cls(
            recipient.email,
            report.country,
            report.language,
            report.file,
            status,
            reason,
            message_id,
        )


@dataclass(frozen=True, slots=True)
class MailLogo:
    """The publisher's PNG logo shown at the top of the HTML mail, with its alt text."""

    data: bytes
    alt: str
    width: int  # pixels, from the PNG's header
    height: int

    @classmethod
    def of(cls, project: Project) -> MailLogo | None:
        """The ``project``'s mail logo (``Publisher.mail_image``), or None."""
        mine = project.publisher
        path = mine.mail_image if mine is not None else None
        if mine is None or path is None:
            return None
        data = path.read_bytes()
        if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
            raise DistributionError(f"{path} is not a PNG file: give a PNG as mail_logo.")
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return cls(data, mine.logo_alt or mine.name, width, height)


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """One email to send: who, which reports, and its rendered text."""

    recipient: Recipient
    reports: tuple[Entry, ...]
    part: int
    parts: int
    subject: str
    body: str
    message_id: str
    unsubscribe_url: str | None
    estimated_bytes: int
    logo: MailLogo | None = None  # shown atop the HTML part


@dataclass(frozen=True, slots=True)
class Plan:
    """The messages to send and the reports skipped, with why."""

    messages: tuple[PlannedMessage, ...]
    skipped: tuple[Outcome, ...]


# An allowance for the headers and the text of a message, on top of its attachments.
_TEXT_ALLOWANCE = 16_000


def release_names(release: Release, language: str) -> tuple[str, str]:
    """The release in ``language`` as the reports name it: in a sentence ("l’édition 2020
    des données HRMI", as recorded by the batch) and as a title ("Édition 2020 des données
    HRMI", the compendium cover's). A manifest written before the batch recorded it: the
    release's own title in English, the language's phrase for the release elsewhere."""
    from reportgen.phrases import load_phrases

    phrases = load_phrases(language)
    sentence = release.title_in(language)
    if sentence is None:
        sentence = phrases.release_title(release.title, release.year, language == "en")
    return sentence, phrases.text("compendium.cover_kicker", release=sentence)


def encoded_size(raw_bytes: int) -> int:
    """How many bytes an attachment of ``raw_bytes`` takes in a message (base64, CRLF, headers)."""
    b64 = 4 * ((raw_bytes + 2) // 3)
    return b64 + 2 * (b64 // 76 + 1) + 400


def message_id(email: str, shas: Sequence[str], domain: str) -> str:
    """A Message-ID that is the same for the same recipient and attachments (see the module doc)."""
    digest = hashlib.sha256("\n".join([email.lower(), *sorted(shas)]).encode()).hexdigest()
    return f"<{digest[:40]}.reportgen@{domain}>"


def _pack(reports: Sequence[Entry], max_bytes: int) -> list[list[Entry]]:
    """Split ``reports`` into groups whose messages stay within ``max_bytes`` (in order)."""
    groups: list[list[Entry]] = []
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


def _file_problem(reports: Manifest, report: Entry) -> str | None:
    path = reports.file(report)
    try:
        data = path.read_bytes()
    except OSError:
        return f"{report.file} is missing from {reports.directory}; re-run `reportgen batch`"
    if len(data) != report.bytes or hashlib.sha256(data).hexdigest() != report.sha256:
        return f"{report.file} differs from the manifest; re-run `reportgen batch`"
    return None


def plan_distribution(
    recipients: Sequence[Recipient],
    reports: Manifest,
    ledger: Ledger,
    *,
    sender_domain: str,
    max_bytes: int = 10 * MB,
    unsubscribe_url: str | None = None,
    resend_changed: bool = False,
    resend_unknown: bool = False,
    project: Project = NO_PROJECT,
) -> Plan:
    """Decide which reports each recipient gets and render their messages (in the words of
    the ``project``'s mail templates where it has them, signed by its publisher with its
    contact line).

    A report is skipped when the ledger has it as sent to this address ("already sent"),
    when its outcome is unknown (unless ``resend_unknown``), or when an earlier version of
    it was sent (unless ``resend_changed``). A country with no report in the recipient's
    language, or whose file does not match the manifest, is "unavailable".
    """
    # who sends the reports: the project's publisher, else HRMI
    mine = project.publisher
    publisher = mine.name if mine is not None else "HRMI"
    contact = mine.contact if mine is not None else ""
    logo = MailLogo.of(project)
    messages: list[PlannedMessage] = []
    skipped: list[Outcome] = []
    file_problems: dict[str, str | None] = {}
    for recipient in recipients:
        templates = load_mail_templates(recipient.language, project.mail.get(recipient.language))
        codes = list(recipient.countries)
        for region in recipient.regions:
            built = {c for fmt in FORMATS for c in reports.in_region(region, format=fmt)}
            codes += [c for c in sorted(built) if c not in codes]
        wanted: list[Entry] = []
        for code in codes:
            report = reports.get(code, recipient.language)
            if report is None:
                other = reports.languages(code)
                profiles = reports.languages(code, format="profile")
                why = (
                    f"no '{recipient.language}' report of {code} was built (only: {', '.join(other)})"
                    if other
                    else f"only profiles of {code} were built ({', '.join(profiles)}); distribute "
                    "sends full reports: build them too (batch or build --format report,profile)"
                    if profiles
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
                skipped.append(Outcome.for_report(recipient, report, "unavailable", problem))
                continue
            row = ledger.lookup(recipient.key, report.sha256)
            if row is not None and row.status == "sent":
                skipped.append(
                    Outcome.for_report(recipient, report, "already sent", row.time, row.message_id)
                )
            elif row is not None and row.status in ("unknown", "sending") and not resend_unknown:
                skipped.append(
                    Outcome.for_report(
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
                    Outcome.for_report(
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
        release, release_title = release_names(reports.release, recipient.language)
        for part, group in enumerate(groups, start=1):
            subject, body = templates.render(
                name=recipient.name,
                organisation=recipient.organisation,
                note=recipient.note,
                email=recipient.email,
                language=recipient.language,
                release=release,
                release_title=release_title,
                release_year=reports.release.year,
                part=part,
                parts=len(groups),
                total=len(wanted),
                unsubscribe_url=link,
                publisher=publisher,
                contact=contact,
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
                    estimated_bytes=_TEXT_ALLOWANCE
                    + sum(encoded_size(r.bytes) for r in group)
                    + (encoded_size(len(logo.data)) if logo is not None else 0),
                    logo=logo,
                )
            )
    return Plan(tuple(messages), tuple(skipped))
