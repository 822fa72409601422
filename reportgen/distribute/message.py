"""Composing: a planned message, the sender and the PDFs → a MIME email ready to hand over.

In:  a ``PlannedMessage`` (recipient, subject, body, Message-ID, unsubscribe link), the
     sender (``parse_sender`` checks ``--from``) and each attached report's bytes.
Out: an ``EmailMessage`` (SMTP policy): UTF-8 quoted-printable text with an HTML
     alternative made from it (``html_body``), the PDFs attached under their file names
     (RFC 2231 for non-ASCII names), Date, Message-ID, List-Unsubscribe (with RFC 8058's
     one-click List-Unsubscribe-Post for an https link) and Auto-Submitted set.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.headerregistry import Address, AddressHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime

from reportgen.distribute.errors import DistributionError
from reportgen.distribute.plan import MailLogo, PlannedMessage
from reportgen.distribute.recipients import AddressError, line_problem, to_ascii_address


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
        if message.unsubscribe_url.startswith("https://"):
            # RFC 8058: the mail client may unsubscribe with one POST to the link.
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body, charset="utf-8", cte="quoted-printable")
    logo = message.logo
    mail.add_alternative(
        html_body(message.subject, message.body, recipient.language, logo),
        subtype="html",
        charset="utf-8",
        cte="quoted-printable",
    )
    if logo is not None:  # the image inside the HTML part (multipart/related), by Content-ID
        html_part = mail.get_body(("html",))
        assert html_part is not None and isinstance(html_part, EmailMessage)
        html_part.add_related(
            logo.data, maintype="image", subtype="png", cid=f"<{LOGO_CID}>", filename="logo.png"
        )
        related = mail.get_body(("related",))
        if related is not None:
            image = next(p for p in related.iter_parts() if p.get_content_type() == "image/png")
            image.replace_header("Content-Disposition", 'inline; filename="logo.png"')
    for report in message.reports:
        mail.add_attachment(
            attachments[report.file], maintype="application", subtype="pdf", filename=report.file
        )
    for part in mail.iter_parts():
        del part["MIME-Version"]  # the email package repeats it in parts; it belongs on top only
    return mail


_LINK = re.compile(r"(https?://[^\s<>\"]+[^\s<>\".,;:!?)»])|(mailto:[^\s<>\"]+[^\s<>\".,;:!?)»])")


def _inline(text: str) -> str:
    """One line of the plain text as HTML: escaped, its web and mail links made links."""
    out: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        url = match.group(0)
        out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


LOGO_CID = "logo@reportgen"
LOGO_WIDTH = 160  # CSS pixels the logo is shown at (at most)


def html_body(subject: str, body: str, language: str, logo: MailLogo | None = None) -> str:
    """The HTML alternative of a mail whose plain text is ``body``: the same words, escaped.

    The subject is the page's title and its one heading; each paragraph of the text (lines
    between blank lines) is a ``<p>``, lines within it kept with ``<br>``; a paragraph whose
    lines all start with "- " is a list. Links are links. No layout tables, no styles a
    reader's client must understand: it reads the same in every client and to a screen reader,
    in the recipient's ``language`` (``lang``). The one image is the publisher's ``logo``
    (``cid:`` + ``LOGO_CID``, a related part), above the heading, with its alt text and its
    size (at most ``LOGO_WIDTH`` wide), so that a client that blocks images keeps the layout.
    """
    blocks: list[str] = []
    if logo is not None:
        width = min(LOGO_WIDTH, logo.width)
        height = max(1, round(logo.height * width / logo.width))
        blocks.append(
            f'<p><img src="cid:{LOGO_CID}" alt="{html.escape(logo.alt)}" width="{width}" '
            f'height="{height}"></p>'
        )
    blocks.append(f"<h1>{html.escape(subject)}</h1>")
    for paragraph in re.split(r"\n\s*\n", body.strip("\n")):
        lines = [line.rstrip() for line in paragraph.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append("<p>" + "<br>\n".join(_inline(line) for line in lines) + "</p>")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n<body>\n"
        + "\n".join(blocks)
        + "\n</body>\n</html>\n"
    )
