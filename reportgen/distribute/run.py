"""The run: a plan → each message composed, handed over and recorded; and the whole stage.

In:  a ``Plan``, a transport (or none: a dry run), the ledger, the sender, the manifest and
     a ``SendPolicy`` (retries, backoff, rate limit).
Out: a ``Summary``: every report's outcome (sent, would send, already sent, changed,
     uncertain, failed, unavailable) with its reason, the number of messages, why the run
     stopped early if it did, and the recipients file's skipped rows and notes.

Each message is recorded in the ledger as 'sending' before it is handed over and as 'sent'
(with the server's answer), 'failed' or 'unknown' after. Temporary failures are retried with
exponential backoff; a permanent one fails that message only; a server that cannot be
reached or refuses the login stops the run, and the rest is reported as not attempted.

``distribute`` is the stage from end to end: manifest and recipients → the ledger (checked,
an older one merged in) → plan → sent (or, dry, what would be sent).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from pathlib import Path

from reportgen.distribute.errors import DistributionError
from reportgen.distribute.ledger import Ledger
from reportgen.distribute.message import compose
from reportgen.distribute.plan import (
    MB,
    Outcome,
    OutcomeStatus,
    Plan,
    PlannedMessage,
    load_reports,
    plan_distribution,
)
from reportgen.distribute.recipients import load_recipients
from reportgen.distribute.state import LedgerPlace, check_new_ledger, mark_ledger_use
from reportgen.distribute.transport import DeliveryError, Transport
from reportgen.errors import Problem
from reportgen.manifest import Manifest
from reportgen.project import NO_PROJECT, Project


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


def _attachments(message: PlannedMessage, reports: Manifest) -> dict[str, bytes] | str:
    """The PDFs of ``message`` by file name, or why they cannot be attached."""
    files: dict[str, bytes] = {}
    for report in message.reports:
        try:
            data = reports.file(report).read_bytes()
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
    reports: Manifest,
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
                Outcome.for_report(message.recipient, r, status, detail, message.message_id)
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
    reports: Manifest,
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
            Outcome.for_report(message.recipient, r, "would send", "", message.message_id)
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
    project: Project = NO_PROJECT,
) -> Summary:
    """The whole stage: manifest and recipients → plan against the ledger → sent messages.

    ``transport`` None is a dry run: the ledger is only read (and not created), nothing is
    sent, and the summary says what would be sent. ``on_plan`` sees the plan before sending.
    ``ledger_path`` is a path, or a ``LedgerPlace`` with the checks of a new ledger and an
    older ledger to merge in; ``notify`` is told what was done to the ledgers; ``project``:
    the publisher's mail templates, name and contact line.
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
            project=project,
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
