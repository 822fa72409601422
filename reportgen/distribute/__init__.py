"""Distribution stage: built reports → one email per subscriber, each report sent to them once.

In:  a batch output directory (``manifest.json`` and the PDFs it lists, read through
     ``reportgen.manifest``), a recipients CSV (name, email, language, countries and/or
     regions, optional organisation and note; see ``docs/recipients.md``), the mail
     templates of each language (``reportgen/i18n/<lang>/mail.toml``), a SQLite ledger of
     what was already sent, and a transport: an SMTP server, or an outbox directory of
     ``.eml`` files.
Out: emails with the reports attached (split into parts above a size limit), the ledger
     updated before and after each hand-over, and a ``Summary``: sent, skipped as already
     sent, failed with reasons.

One module per step, in the order a run takes them:

- ``plan.load_reports``: the manifest (what was built, its files' SHA-256, headline scores);
- ``recipients``: read and check the recipients file and its addresses; every bad row is
  reported with file, row, column, value and fix, and the run is refused (or, with
  ``skip_bad_rows``, the bad rows are left out whole: a row is never half-processed);
- ``state``: where the ledger lives, and the refusal to start a new one where one was used;
- ``ledger``: the SQLite record of what was sent to whom;
- ``templates``: each language's subject and body, rendered sandboxed;
- ``plan``: what each recipient gets, against the ledger, with subjects and bodies rendered
  (a template error stops the run before anything is sent);
- ``message``: the MIME message of each planned email (``compose``), from ``--from``;
- ``transport``: SMTP (or an outbox) hands it over;
- ``run``: each message composed and handed over, recorded in the ledger as 'sending'
  before and 'sent' (with the server's answer) or 'failed' after; ``distribute``, the
  whole stage. The command (``reportgen distribute``) is in ``reportgen.cli``.

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
are masked in every message, ledger answer and exception this package produces.

The public names, importable from ``reportgen.distribute``: ``distribute``,
``run_distribution``, ``dry_run``, ``Summary``, ``SendPolicy``, ``RateLimiter``;
``load_reports``, ``plan_distribution``, ``Plan``, ``PlannedMessage``, ``Outcome``;
``load_recipients``, ``Recipient``, ``RecipientList``, ``RecipientsError``,
``normalise_email``, ``to_ascii_address``, ``ascii_domain``; ``load_mail_templates``,
``mail_languages``; ``Ledger``, ``LedgerRow``, ``LedgerPlace``, ``state_directory``,
``check_new_ledger``, ``mark_ledger_use``, ``ledger_uses``; ``compose``, ``parse_sender``;
``SmtpTransport``, ``SmtpSettings``, ``smtp_settings``, ``OutboxTransport``, ``Transport``,
``DeliveryError``, ``Secrets``; ``DistributionError``.
"""

from __future__ import annotations

from reportgen.distribute.errors import DistributionError
from reportgen.distribute.ledger import Ledger, LedgerRow, LedgerStatus
from reportgen.distribute.message import compose, parse_sender
from reportgen.distribute.plan import (
    MB,
    Outcome,
    OutcomeStatus,
    Plan,
    PlannedMessage,
    encoded_size,
    load_reports,
    message_id,
    plan_distribution,
    unsubscribe_link,
)
from reportgen.distribute.recipients import (
    COLUMNS,
    MAX_NAME_LENGTH,
    AddressError,
    Recipient,
    RecipientList,
    RecipientsError,
    ascii_domain,
    line_problem,
    load_recipients,
    normalise_email,
    to_ascii_address,
)
from reportgen.distribute.run import (
    NOT_ATTEMPTED,
    Progress,
    RateLimiter,
    SendPolicy,
    Summary,
    distribute,
    dry_run,
    run_distribution,
)
from reportgen.distribute.state import (
    LEDGER_NAME,
    LedgerPlace,
    LedgerUse,
    check_new_ledger,
    ledger_uses,
    mark_ledger_use,
    state_directory,
)
from reportgen.distribute.templates import (
    MailReport,
    MailTemplates,
    load_mail_templates,
    mail_languages,
)
from reportgen.distribute.transport import (
    DeliveryError,
    FailureKind,
    OutboxTransport,
    Secrets,
    Security,
    SmtpSettings,
    SmtpTransport,
    Transport,
    smtp_settings,
)

__all__ = [
    "COLUMNS",
    "LEDGER_NAME",
    "MAX_NAME_LENGTH",
    "MB",
    "NOT_ATTEMPTED",
    "AddressError",
    "DeliveryError",
    "DistributionError",
    "FailureKind",
    "Ledger",
    "LedgerPlace",
    "LedgerRow",
    "LedgerStatus",
    "LedgerUse",
    "MailReport",
    "MailTemplates",
    "OutboxTransport",
    "Outcome",
    "OutcomeStatus",
    "Plan",
    "PlannedMessage",
    "Progress",
    "RateLimiter",
    "Recipient",
    "RecipientList",
    "RecipientsError",
    "Secrets",
    "Security",
    "SendPolicy",
    "SmtpSettings",
    "SmtpTransport",
    "Summary",
    "Transport",
    "ascii_domain",
    "check_new_ledger",
    "compose",
    "distribute",
    "dry_run",
    "encoded_size",
    "ledger_uses",
    "line_problem",
    "load_mail_templates",
    "load_recipients",
    "load_reports",
    "mail_languages",
    "mark_ledger_use",
    "message_id",
    "normalise_email",
    "parse_sender",
    "plan_distribution",
    "run_distribution",
    "smtp_settings",
    "state_directory",
    "to_ascii_address",
    "unsubscribe_link",
]
