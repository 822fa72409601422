"""Distribution: recipients checked like data; each report emailed once, through a real server.

The SMTP server is aiosmtpd, started in-process on 127.0.0.1 (an ephemeral port) by each
test that needs it; what it received is parsed back and compared with what the recipients
file and the manifest say each person should get.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import hashlib
import json
import random
import re
import shutil
import sqlite3
import ssl
import subprocess
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest
import typer
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from typer.testing import CliRunner, Result

from reportgen import distribute as dist
from reportgen.cli import distribute_command
from reportgen.distribute import (
    DistributionError,
    Ledger,
    OutboxTransport,
    RateLimiter,
    RecipientsError,
    Secrets,
    SendPolicy,
    SmtpSettings,
    SmtpTransport,
    Summary,
    distribute,
    load_recipients,
    load_reports,
    normalise_email,
    parse_sender,
    smtp_settings,
)
from reportgen.distribute import templates as mail_templates
from reportgen.errors import TemplateError
from reportgen.resources import i18n_dir

FIXTURES = Path(__file__).parent / "fixtures" / "recipients"
GOOD = FIXTURES / "good.csv"
BAD = FIXTURES / "bad.csv"
SENDER = "HRMI Reports <reports@example.org>"
PASSWORD = "s3cr3t-Pa55word-Ωmega"  # a fake credential that must never be shown or stored
USER = "mailer@example.org"

# country, name, region, raw PDF size, scores (None: the manifest entry has no "scores")
COUNTRIES: list[tuple[str, str, str, int, dict[str, float | None] | None]] = [
    ("XDK", "Ostmere", "sub-saharan-africa", 20_000, {"empowerment": 9.0249, "safety": 8.889, "quality_of_life": 56.0}),
    ("XAQ", "Kestrel Islands", "east-asia-pacific", 25_000, {"empowerment": 5.3339, "safety": 4.1381, "quality_of_life": 93.9}),
    ("XAT", "United Lowland Provinces of Erevandia", "europe-central-asia", 30_000, {"empowerment": None, "safety": None, "quality_of_life": 77.3}),
    ("XGF", "Lantern Cays", "americas", 35_000, None),
    ("XEZ", "Sérène République d’Ondavia", "europe-central-asia", 40_000, {"empowerment": 7.6807, "safety": 8.8809, "quality_of_life": 71.6}),
]  # fmt: skip
FILES = {
    "XDK": "XDK-ostmere-2026-en.pdf",
    "XAQ": "XAQ-kestrel-islands-2026-en.pdf",
    "XAT": "XAT-united-lowland-provinces-of-erevandia-2026-en.pdf",
    "XGF": "XGF-lantern-cays-2026-en.pdf",
    "XEZ": "XEZ-sérène-république-d’ondavia-2026-en.pdf",  # non-ASCII: RFC 2231 file name
}
# Who should get what from good.csv, worked out by hand from the file and COUNTRIES.
EXPECTED = {
    "ana.perez@example.org": {"XDK", "XAQ"},
    "bruno@example.net": {"XAT", "XEZ"},
    "chloe@example.com": {"XGF", "XAT", "XEZ"},
    "dmitri@example.org": {"XDK"},
}
FAST = SendPolicy(retries=2, backoff=0.01, rate=1000.0)


# --- a reports directory like `reportgen batch` writes ------------------------------------------


def _pdf(code: str, size: int) -> bytes:
    body = random.Random(code).randbytes(size - 40)
    return b"%PDF-1.4\n%" + code.encode() + b"\n" + body + b"\n%%EOF\n"


def _write_manifest(directory: Path, entries: list[dict[str, Any]]) -> None:
    manifest = {
        "generator": "reportgen test",
        "release": "Demonstration release",
        "release_year": 2026,
        "illustrative": True,
        "reports": entries,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The state directory of every test (the default ledger, the marks): never the real one."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "reportgen"


def state_ledger() -> Path:
    """Where the command keeps the ledger when it sends and no --ledger is given."""
    return dist.state_directory() / "distribution.sqlite"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """Five reports with small stand-in PDFs and a manifest in batch's format."""
    return make_reports(tmp_path / "reports")


def make_reports(directory: Path) -> Path:
    """Write the five reports of COUNTRIES and their manifest into ``directory``."""
    directory.mkdir()
    entries = []
    for code, name, region, size, scores in COUNTRIES:
        data = _pdf(code, size)
        (directory / FILES[code]).write_bytes(data)
        entry: dict[str, Any] = {
            "country": code,
            "name": name,
            "region": region,
            "survey": True,
            "language": "en",
            "file": FILES[code],
            "pages": 3,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "release": "Demonstration release",
            "release_year": 2026,
            "inputs": "0" * 32,
        }
        if scores is not None:
            entry["scores"] = scores
        entries.append(entry)
    _write_manifest(directory, entries)
    return directory


def _sha(directory: Path, code: str) -> str:
    return hashlib.sha256((directory / FILES[code]).read_bytes()).hexdigest()


# --- a real SMTP server on loopback ----------------------------------------------------------


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    tls: bool

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def attachments(self) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for part in self.message.iter_attachments():
            assert part.get_content_type() == "application/pdf"
            name = part.get_filename()
            assert name is not None
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[name] = payload
        return found


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and misbehaves on cue."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient → reply to RCPT
    data_replies: list[str] = field(default_factory=list)  # replies to the next DATA, in turn
    drop_after_data: int = 0  # the next N messages: cut the connection instead of answering
    keep_dropped: bool = False  # ... having stored the message (the answer is what was lost)
    cut_after: int | None = None  # after this many messages: cut the connection once
    down_after: int | None = None  # after this many messages: stop listening, cut connections
    stop_listening: Callable[[], None] = lambda: None
    down: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _store(self, envelope: Any, server: Any) -> None:
        tls = server.transport.get_extra_info("sslcontext") is not None
        content = envelope.original_content or envelope.content
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(content), tls)
            )

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.cut_after is not None and len(self.received) >= self.cut_after:
            self.cut_after = None
            server.transport.abort()
            return "421 4.3.2 gone"
        if self.down:
            server.transport.abort()
            return "421 4.3.2 gone"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        if self.drop_after_data:
            self.drop_after_data -= 1
            if self.keep_dropped:
                self._store(envelope, server)
            server.transport.abort()  # no answer reaches the client
            return "250 OK"
        self._store(envelope, server)
        if self.down_after is not None and len(self.received) >= self.down_after:
            self.down = True
            self.stop_listening()
        return "250 2.0.0 OK queued"

    # What the tests check
    def by_recipient(self) -> dict[str, list[str]]:
        """Recipient → country codes of every attachment received, repeats included."""
        found: dict[str, list[str]] = {}
        for message in self.received:
            for rcpt in message.rcpt_tos:
                found.setdefault(rcpt, []).extend(n[:3] for n in message.attachments())
        return found


class LoopbackSMTP:
    """aiosmtpd on 127.0.0.1, port chosen by the system, in a thread of its own."""

    def __init__(
        self,
        handler: Mailbox,
        ssl_context: ssl.SSLContext | None = None,
        protocol: type[SMTP] = SMTP,
        **smtp: Any,
    ):
        self.handler = handler
        self.protocol = protocol
        self.smtp_options = smtp
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        create = self.loop.create_server(self._protocol, "127.0.0.1", 0, ssl=ssl_context)
        self.server = asyncio.run_coroutine_threadsafe(create, self.loop).result(timeout=5)
        self.port: int = self.server.sockets[0].getsockname()[1]
        handler.stop_listening = self.server.close

    def _protocol(self) -> SMTP:
        return self.protocol(
            self.handler, hostname="mail.test", loop=self.loop, **self.smtp_options
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        async def close() -> None:
            self.server.close()
            await self.server.wait_closed()
            sessions = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in sessions:
                task.cancel()
            await asyncio.gather(*sessions, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@contextlib.contextmanager
def servers() -> Iterator[Callable[..., LoopbackSMTP]]:
    """A function that starts loopback SMTP servers; all are stopped on leaving."""
    started: list[LoopbackSMTP] = []

    def start(
        handler: Mailbox | None = None,
        ssl_context: ssl.SSLContext | None = None,
        protocol: type[SMTP] = SMTP,
        **smtp: Any,
    ) -> LoopbackSMTP:
        server = LoopbackSMTP(handler or Mailbox(), ssl_context, protocol, **smtp)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def serve() -> Iterator[Callable[..., LoopbackSMTP]]:
    """Start loopback SMTP servers; all are stopped after the test."""
    with servers() as start:
        yield start


# --- running it --------------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run `reportgen distribute ARGS` as the CLI will (the lead registers the command)."""
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("distribute")(distribute_command)
    return CliRunner().invoke(app, ["distribute", *args], env=env)


def send(
    reports: Path,
    server: LoopbackSMTP,
    recipients: Path = GOOD,
    policy: SendPolicy = FAST,
    settings: SmtpSettings | None = None,
    **options: Any,
) -> Summary:
    """Run the whole stage through the Python API (fast retries) against ``server``."""
    return distribute(
        recipients,
        reports,
        SmtpTransport(
            settings or SmtpSettings("127.0.0.1", server.port, timeout=5, end_of_data_grace=0.01)
        ),
        reports / "distribution.sqlite",
        parse_sender(SENDER),
        send_policy=policy,
        **options,
    )


def ledger_rows(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute("SELECT email, country, status FROM deliveries"))


def _exactly_once(*mailboxes: Mailbox) -> dict[str, list[str]]:
    combined: dict[str, list[str]] = {}
    for box in mailboxes:
        for rcpt, codes in box.by_recipient().items():
            combined.setdefault(rcpt, []).extend(codes)
    return combined


# --- recipients file ---------------------------------------------------------------------------


def test_recipients_file_is_read_into_typed_rows(reports: Path) -> None:
    people = load_recipients(GOOD, load_reports(reports)).recipients
    by_email = {p.email: p for p in people}
    assert list(by_email) == list(EXPECTED)
    assert by_email["ana.perez@example.org"].name == "Ana Pérez"
    assert by_email["ana.perez@example.org"].organisation == "Derechos Ya"
    assert "discussed in March" in by_email["ana.perez@example.org"].note
    assert by_email["bruno@example.net"].regions == ("europe-central-asia",)  # English name
    assert by_email["chloe@example.com"].regions == ("americas", "europe-central-asia")
    assert by_email["dmitri@example.org"].language == "en"  # "EN" in the file
    assert by_email["dmitri@example.org"].countries == ("XDK", "FRA")  # space-separated


def test_bad_rows_are_named_with_row_column_and_value(reports: Path) -> None:
    with pytest.raises(RecipientsError) as info:
        load_recipients(BAD, load_reports(reports))
    errors = {(p.row, p.column, p.value) for p in info.value.problems if p.severity == "error"}
    assert errors == {
        (3, "email", "not-an-address"),
        (4, "countries", "QQQ"),
        (5, "language", "xx"),
        (6, "email", "Ana.Perez@example.org"),
        (7, "regions", "XAQ"),
        (8, "countries", None),
        (10, "regions", "atlantis"),
    }
    message = str(info.value)
    assert "bad.csv, row 3, column 'email': not a valid email address" in message
    assert "row 4, column 'countries': unknown country code (value: 'QQQ')" in message
    assert "row 5, column 'language': unknown language (value: 'xx')" in message
    assert "already given at row 2" in message
    assert "looks like a country code" in message  # the unquoted comma
    assert "--skip-bad-rows" in message


def test_bad_rows_refuse_the_run_before_anything_is_sent(reports: Path, serve: Any) -> None:
    server = serve()
    with pytest.raises(RecipientsError):
        send(reports, server, recipients=BAD)
    assert server.handler.received == []
    assert not (reports / "distribution.sqlite").exists()


def test_skip_bad_rows_sends_to_whole_good_rows_only(reports: Path, serve: Any) -> None:
    server = serve()
    summary = send(reports, server, recipients=BAD, skip_bad_rows=True)
    assert server.handler.by_recipient() == {"ana.perez@example.org": ["XAQ", "XDK"]}
    assert [o.status for o in summary.outcomes if o.email == "gina@example.org"] == ["unavailable"]
    assert sorted(p.row or 0 for p in summary.problems if p.severity == "error") == [
        3,
        4,
        5,
        6,
        7,
        8,
        10,
    ]


def test_file_level_errors_refuse_even_when_skipping_rows(reports: Path, tmp_path: Path) -> None:
    no_email = tmp_path / "no-email.csv"
    no_email.write_text("name,language,countries\nAna,en,XDK\n", encoding="utf-8")
    with pytest.raises(RecipientsError) as info:
        load_recipients(no_email, load_reports(reports), skip_bad_rows=True)
    assert "row 1, column 'email': required column is missing" in str(info.value)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        "name,email,language,countries\nAna Pérez,a@example.org,en,XDK\n".encode("latin-1")
    )
    with pytest.raises(RecipientsError, match="not UTF-8"):
        load_recipients(latin1, load_reports(reports), skip_bad_rows=True)


def test_known_codes_from_the_release_are_accepted(reports: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("name,email,language,countries\nAna,a@example.org,en,XAA\n", encoding="utf-8")
    with pytest.raises(RecipientsError, match="XAA"):
        load_recipients(path, load_reports(reports))
    people = load_recipients(path, load_reports(reports), known_codes={"XAA"})
    assert people.recipients[0].countries == ("XAA",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ana@example.org", "ana@example.org"),
        (" Ana.Perez+hrmi@Example.ORG ", "Ana.Perez+hrmi@example.org"),
        ("jose@bücher.example", "jose@xn--bcher-kva.example"),
        ("ana@localhost", None),
        ("Ana <ana@example.org>", None),
        ("ana@@example.org", None),
        ("ana..b@example.org", None),
        ("ana@example.org\r\nBcc: x@example.org", None),
        ("", None),
    ],
)
def test_email_addresses(text: str, expected: str | None) -> None:
    assert normalise_email(text) == expected


# --- delivery through a real SMTP server --------------------------------------------------------


def _expected_line(code: str) -> str:
    """The body line of a country, from COUNTRIES (not from the code under test)."""
    _, name, _, _, scores = next(c for c in COUNTRIES if c[0] == code)
    s = scores or {}

    def fmt(key: str, suffix: str) -> str:
        value = s.get(key)
        return "–" if value is None else f"{value:.1f}{suffix}"

    return (
        f"- {name}: empowerment {fmt('empowerment', '/10')}, safety from the state "
        f"{fmt('safety', '/10')}, quality of life {fmt('quality_of_life', '%')}"
    )


def test_each_recipient_gets_their_reports_once_with_proper_headers(
    reports: Path, serve: Any
) -> None:
    server = serve()
    result = cli(
        "--recipients", str(GOOD), "--reports", str(reports), "--smtp", server.address,
        "--from", SENDER, "--unsubscribe-url", "https://example.org/unsubscribe?who={email}",
        "--rate", "100",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    box: Mailbox = server.handler
    assert {r: sorted(c) for r, c in box.by_recipient().items()} == {
        r: sorted(c) for r, c in EXPECTED.items()
    }
    for received in box.received:
        (rcpt,) = received.rcpt_tos
        msg = received.message
        assert received.mail_from == "reports@example.org"
        assert msg["From"].addresses[0].addr_spec == "reports@example.org"
        assert msg["To"].addresses[0].addr_spec == rcpt
        assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@example.org>")
        assert msg["Date"].datetime is not None
        assert msg["List-Unsubscribe"].strip() == (  # folded after the colon when long
            f"<https://example.org/unsubscribe?who={rcpt.replace('@', '%40')}>"
        )
        assert msg.get_content_type() == "multipart/mixed"
        assert b"\r\n.\r\n" not in received.raw  # no stray end-of-data in what was stored
        # the attachments are the files of the manifest, byte for byte
        for name, data in received.attachments().items():
            assert hashlib.sha256(data).hexdigest() == _sha(reports, name[:3])
            assert name == FILES[name[:3]]
        body = msg.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        for code in {n[:3] for n in received.attachments()}:
            assert _expected_line(code) in text
    chloe = next(r for r in box.received if r.rcpt_tos == ["chloe@example.com"])
    assert str(chloe.message["To"]) == "Chloé Martin <chloe@example.com>"  # UTF-8 name
    assert b"=?utf-8?" in chloe.raw.split(b"\r\n\r\n")[0]  # encoded as RFC 2047
    assert re.search(r"filename\*(0\*)?=utf-8''XEZ-s%C3%A9r%C3%A8ne", chloe.raw.decode("ascii"))
    ana = next(r for r in box.received if r.rcpt_tos == ["ana.perez@example.org"])
    ana_text = ana.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Dear Ana Pérez," in ana_text and "discussed in March" in ana_text
    assert "Derechos Ya" in ana_text
    assert "unavailable dmitri@example.org FRA: no report of FRA was built" in result.stdout
    # the ledger knows each (recipient, report) as sent, with the server's answer
    assert not (reports / "distribution.sqlite").exists()  # a rebuild cannot delete it
    with Ledger.open_readonly(state_ledger()) as ledger:
        rows = ledger.rows()
    assert {(r.email, r.country) for r in rows} == {
        (e, c) for e, codes in EXPECTED.items() for c in codes
    }
    assert all(r.status == "sent" and r.answer.startswith("250") for r in rows)
    assert all(r.sha256 == _sha(reports, r.country) for r in rows)

    again = cli(
        "--recipients", str(GOOD), "--reports", str(reports), "--smtp", server.address,
        "--from", SENDER,
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert len(box.received) == 4  # the second run sent nothing
    assert re.search(r"│\s*0\s*│\s*0\s*│\s*8\s*│", again.stdout)  # emails, sent, already sent


def test_large_attachments_are_split_within_the_limit(reports: Path, serve: Any) -> None:
    server = serve()
    summary = send(reports, server, max_bytes=100_000)
    box: Mailbox = server.handler
    assert {r: sorted(c) for r, c in box.by_recipient().items()} == {
        r: sorted(c) for r, c in EXPECTED.items()
    }
    assert all(len(r.raw) <= 100_000 for r in box.received)
    chloe = [r.message for r in box.received if r.rcpt_tos == ["chloe@example.com"]]
    assert len(chloe) == 3
    assert [str(m["Subject"])[-8:] for m in chloe] == ["(1 of 3)", "(2 of 3)", "(3 of 3)"]
    assert len({m["Message-ID"] for m in chloe}) == 3
    assert summary.messages == len(box.received)


def test_temporary_errors_are_retried_and_permanent_ones_reported(
    reports: Path, serve: Any
) -> None:
    box = Mailbox(
        data_replies=["451 4.3.0 try again later", "452 4.3.1 busy"],
        refuse={"bruno@example.net": "550 5.1.1 no such mailbox"},
    )
    server = serve(box)
    summary = send(reports, server)
    got = box.by_recipient()
    assert "bruno@example.net" not in got
    assert {r: sorted(c) for r, c in got.items()} == {
        r: sorted(c) for r, c in EXPECTED.items() if r != "bruno@example.net"
    }
    failed = summary.of("failed")
    assert {(o.email, o.country) for o in failed} == {
        ("bruno@example.net", "XAT"),
        ("bruno@example.net", "XEZ"),
    }
    assert all("550 5.1.1 no such mailbox" in o.reason for o in failed)
    assert not summary.ok
    rows = {
        (r.email, r.country): r
        for r in Ledger.open_readonly(reports / "distribution.sqlite").rows()
    }
    assert rows[("ana.perez@example.org", "XAQ")].attempts == 3  # 451, 452, then accepted
    assert rows[("ana.perez@example.org", "XAQ")].status == "sent"
    assert rows[("bruno@example.net", "XAT")].status == "failed"


def test_temporary_errors_give_up_after_the_retries(reports: Path, serve: Any) -> None:
    box = Mailbox(data_replies=["451 4.3.0 try again later"] * 3)
    server = serve(box)
    sleeps: list[float] = []
    policy = SendPolicy(retries=2, backoff=0.5, rate=1000.0, sleep=sleeps.append)
    summary = send(reports, server, policy=policy)
    first = summary.of("failed")
    assert {o.email for o in first} == {"ana.perez@example.org"}
    assert "451 4.3.0 try again later (gave up after 3 attempts)" in first[0].reason
    assert [s for s in sleeps if s >= 0.5] == [0.5, 1.0]  # exponential backoff
    assert len(box.received) == 3  # the others went through


def test_server_going_down_mid_run_leaves_a_consistent_ledger(reports: Path, serve: Any) -> None:
    first = serve(Mailbox(down_after=2))
    summary = send(reports, first)
    assert len(first.handler.received) == 2
    assert summary.stopped is not None and "cannot reach" in summary.stopped
    assert summary.count("sent") + summary.count("failed") == 8
    statuses = ledger_rows(reports / "distribution.sqlite")
    assert not [s for s in statuses if s[2] not in ("sent", "failed")]  # nothing left 'sending'
    sent_before = {(e, c) for e, c, s in statuses if s == "sent"}
    assert sent_before == {
        (r, c)
        for m in first.handler.received
        for r in m.rcpt_tos
        for c in (n[:3] for n in m.attachments())
    }
    # the server is back (elsewhere): the re-run delivers the rest, exactly once overall
    second = serve()
    again = send(reports, second)
    assert again.ok and again.count("already sent") == len(sent_before)
    combined = _exactly_once(first.handler, second.handler)
    assert {r: sorted(c) for r, c in combined.items()} == {
        r: sorted(c) for r, c in EXPECTED.items()
    }
    assert all(s == "sent" for _, _, s in ledger_rows(reports / "distribution.sqlite"))


def test_connection_cut_mid_run_is_retried_on_a_new_connection(reports: Path, serve: Any) -> None:
    box = Mailbox(cut_after=2)  # after two messages the server drops the connection, once
    server = serve(box)
    summary = send(reports, server)
    assert summary.ok and summary.count("sent") == 8
    assert {r: sorted(c) for r, c in box.by_recipient().items()} == {
        r: sorted(c) for r, c in EXPECTED.items()
    }
    attempts = {
        (r.email, r.country): r.attempts
        for r in Ledger.open_readonly(reports / "distribution.sqlite").rows()
    }
    assert attempts[("chloe@example.com", "XGF")] == 2  # the third message needed a second go


def test_421_closes_the_connection_and_the_rest_go_on_a_new_one(reports: Path, serve: Any) -> None:
    box = Mailbox(refuse={"bruno@example.net": "421 4.4.2 closing, come back later"})
    server = serve(box)
    summary = send(reports, server, policy=SendPolicy(retries=0, backoff=0.01, rate=1000.0))
    assert {o.email for o in summary.of("failed")} == {"bruno@example.net"}
    assert "421 4.4.2" in summary.of("failed")[0].reason
    box.refuse.clear()
    again = send(reports, server)
    assert again.ok and again.count("sent") == 2 and again.count("already sent") == 6
    assert {r: sorted(c) for r, c in box.by_recipient().items()} == {
        r: sorted(c) for r, c in EXPECTED.items()
    }


def test_message_whose_answer_was_lost_is_not_resent_silently(reports: Path, serve: Any) -> None:
    box = Mailbox(drop_after_data=1, keep_dropped=True)  # the first message arrived, unanswered
    server = serve(box)
    summary = send(reports, server)
    uncertain = summary.of("uncertain")
    assert {(o.email, o.country) for o in uncertain} == {
        ("ana.perez@example.org", "XAQ"),
        ("ana.perez@example.org", "XDK"),
    }
    assert "may have been delivered" in uncertain[0].reason
    assert not summary.ok
    assert ("ana.perez@example.org", "XAQ", "unknown") in ledger_rows(
        reports / "distribution.sqlite"
    )
    assert len(box.received) == 4  # the dropped one (stored) and the three others

    again = send(reports, server)  # not sent again, still reported
    assert len(box.received) == 4
    assert again.count("uncertain") == 2 and "--resend-unknown" in again.of("uncertain")[0].reason

    resent = send(reports, server, resend_unknown=True)
    assert resent.ok and resent.count("sent") == 2
    ana = [r.message for r in box.received if r.rcpt_tos == ["ana.perez@example.org"]]
    assert len(ana) == 2 and ana[0]["Message-ID"] == ana[1]["Message-ID"]  # a receiver may dedupe


def test_a_run_that_died_while_sending_leaves_unknown_rows(reports: Path, serve: Any) -> None:
    server = serve()
    plan_holder: list[dist.Plan] = []
    distribute(
        GOOD,
        reports,
        None,
        reports / "distribution.sqlite",
        parse_sender(SENDER),
        on_plan=plan_holder.append,
    )  # a dry run, to get the plan
    with Ledger.open(reports / "distribution.sqlite") as ledger:  # the crash: 'sending' stays
        ledger.record(plan_holder[0].messages[0], "sending", "being handed over", attempt=True)
    summary = send(reports, server)
    assert summary.count("uncertain") == 2 and summary.count("sent") == 6
    assert "ana.perez@example.org" not in server.handler.by_recipient()


def test_changed_report_is_sent_again_only_when_asked(reports: Path, serve: Any) -> None:
    server = serve()
    assert send(reports, server).ok
    data = _pdf("XDK", 21_000)  # XDK was rebuilt
    (reports / FILES["XDK"]).write_bytes(data)
    manifest = json.loads((reports / "manifest.json").read_text())
    for entry in manifest["reports"]:
        if entry["country"] == "XDK":
            entry["bytes"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    _write_manifest(reports, manifest["reports"])
    box: Mailbox = server.handler
    before = len(box.received)
    summary = send(reports, server)
    assert len(box.received) == before
    assert {(o.email, o.country) for o in summary.of("changed")} == {
        ("ana.perez@example.org", "XDK"),
        ("dmitri@example.org", "XDK"),
    }
    summary = send(reports, server, resend_changed=True)
    new = box.received[before:]
    assert {r.rcpt_tos[0]: list(r.attachments()) for r in new} == {
        "ana.perez@example.org": [FILES["XDK"]],
        "dmitri@example.org": [FILES["XDK"]],
    }
    assert all(
        hashlib.sha256(r.attachments()[FILES["XDK"]]).hexdigest()
        == hashlib.sha256(data).hexdigest()
        for r in new
    )


def test_report_file_that_differs_from_the_manifest_is_not_sent(reports: Path, serve: Any) -> None:
    server = serve()
    (reports / FILES["XAQ"]).write_bytes(b"%PDF-1.4 half-written")
    summary = send(reports, server)
    assert "XAQ" not in {c for codes in server.handler.by_recipient().values() for c in codes}
    reasons = {(o.email, o.country): o.reason for o in summary.of("unavailable")}
    assert (
        "XAQ-kestrel-islands-2026-en.pdf differs from the manifest"
        in reasons[("ana.perez@example.org", "XAQ")]
    )
    assert summary.count("sent") == 7  # the others went


# --- TLS and credentials -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


def _contexts(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def _authenticator(expected_password: str, echo: bool = False) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        if data.password.decode() == expected_password and data.login.decode() == USER:
            return AuthResult(success=True)
        if echo:  # a careless server that repeats what it was sent (as ASCII, as SMTP must)
            text = f"{data.login.decode()} / {data.password.decode()}"
            text = text.encode("ascii", "backslashreplace").decode()
            return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad: {text}")
        return AuthResult(success=False, handled=False, message="535 5.7.8 bad credentials")

    return check


@pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS"
)  # aiosmtpd, implicit TLS
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login(
    reports: Path, serve: Any, certificate: tuple[Path, Path], security: dist.Security
) -> None:
    server_ctx, client_ctx = _contexts(certificate)
    options: dict[str, Any] = {"authenticator": _authenticator(PASSWORD), "auth_required": True}
    if security == "starttls":
        server = serve(Mailbox(), tls_context=server_ctx, require_starttls=True, **options)
    else:
        server = serve(Mailbox(), ssl_context=server_ctx, auth_require_tls=False, **options)
    settings = SmtpSettings(
        "127.0.0.1", server.port, security, USER, PASSWORD, timeout=5, ssl_context=client_ctx
    )
    summary = send(reports, server, settings=settings)
    assert summary.ok
    assert all(m.tls for m in server.handler.received)
    assert len(server.handler.received) == 4
    assert PASSWORD not in repr(settings)


def test_untrusted_certificate_stops_the_run(
    reports: Path, serve: Any, certificate: tuple[Path, Path]
) -> None:
    server_ctx, _ = _contexts(certificate)
    server = serve(Mailbox(), tls_context=server_ctx)
    settings = SmtpSettings("127.0.0.1", server.port, "starttls", timeout=5)
    summary = send(reports, server, settings=settings)
    assert summary.stopped is not None and "not trusted" in summary.stopped
    assert summary.count("failed") == 8 and server.handler.received == []


def _no_password(text: str | bytes, password: str = PASSWORD) -> None:
    data = text.encode() if isinstance(text, str) else text
    for form in (password.encode(), password.encode("unicode_escape"), b"s3cr3t-Pa55word"):
        assert form not in data


@pytest.mark.parametrize("password", [PASSWORD, "s3cr3t-Pa55word-ascii"])
def test_no_credential_in_output_ledger_or_exceptions(
    reports: Path, serve: Any, password: str
) -> None:
    server = serve(
        Mailbox(), authenticator=_authenticator("another password", echo=True),
        auth_require_tls=False,
    )  # fmt: skip
    env = {"REPORTGEN_SMTP_USER": USER, "REPORTGEN_SMTP_PASSWORD": password}
    result = cli(
        "--recipients", str(GOOD), "--reports", str(reports), "--smtp", server.address,
        "--from", SENDER, env=env,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "refused the login (535" in result.output and "REPORTGEN_SMTP_PASSWORD" in result.output
    _no_password(result.output, password)
    _no_password(state_ledger().read_bytes(), password)
    assert server.handler.received == []
    # the transport's own exception, as a caller would see it
    transport = SmtpTransport(smtp_settings(server.address, environ=env, timeout=5))
    with pytest.raises(dist.DeliveryError) as info:
        transport.deliver(
            "reports@example.org", "ana.perez@example.org", b"Subject: x\r\n\r\nx\r\n"
        )
    exc = info.value
    assert exc.__context__ is None and exc.__cause__ is None  # no smtplib error chained
    _no_password(str(exc) + repr(exc) + "".join(traceback.format_exception(exc)), password)
    assert "***" in str(exc)  # the echo was there, masked


def test_secrets_are_masked_in_every_wire_form() -> None:
    import base64

    secrets = Secrets(USER, PASSWORD)
    plain = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    login = base64.b64encode(PASSWORD.encode()).decode()
    escaped = repr(PASSWORD.encode())[2:-1]
    text = f"535 {PASSWORD} {plain} {login} b'{escaped}'"
    _no_password(secrets.clean(text))
    assert plain not in secrets.clean(text) and login not in secrets.clean(text)


def test_smtp_settings_from_options_and_environment() -> None:
    assert smtp_settings("smtp.example.org", starttls=True, environ={}).port == 587
    assert smtp_settings("smtp.example.org", use_ssl=True, environ={}).port == 465
    assert smtp_settings("[::1]:2525", environ={}).host == "::1"
    creds = {"REPORTGEN_SMTP_USER": USER, "REPORTGEN_SMTP_PASSWORD": PASSWORD}
    with pytest.raises(DistributionError, match="unencrypted") as info:
        smtp_settings("smtp.example.org:25", environ=creds)
    _no_password(str(info.value))
    assert smtp_settings("127.0.0.1:25", environ=creds).user == USER  # a local relay
    with pytest.raises(DistributionError, match="both"):
        smtp_settings("smtp.example.org", environ={"REPORTGEN_SMTP_USER": USER})
    with pytest.raises(DistributionError, match="not both"):
        smtp_settings("smtp.example.org", starttls=True, use_ssl=True, environ={})
    with pytest.raises(DistributionError, match="HOST:PORT"):
        smtp_settings("smtp.example.org:25:25", environ={})


# --- outbox, dry run, options ------------------------------------------------------------------


def test_outbox_writes_standard_eml_files_with_a_ledger_of_its_own(
    reports: Path, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    args = ["--recipients", str(GOOD), "--reports", str(reports), "--outbox", str(outbox)]
    result = cli(*args, "--from", SENDER)
    assert result.exit_code == 0, result.output
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 4
    got: dict[str, set[str]] = {}
    for path in files:
        msg = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        got[msg["To"].addresses[0].addr_spec] = {
            str(p.get_filename())[:3] for p in msg.iter_attachments()
        }
    assert got == EXPECTED
    assert (outbox / "distribution.sqlite").exists()
    assert not (reports / "distribution.sqlite").exists()  # the real recipients got nothing
    assert not state_ledger().exists()
    again = cli(*args, "--from", SENDER)
    assert again.exit_code == 0 and len(list(outbox.glob("*.eml"))) == 4


def test_dry_run_prints_the_plan_and_sends_nothing(reports: Path, serve: Any) -> None:
    server = serve()
    result = cli(
        "--recipients", str(GOOD), "--reports", str(reports), "--smtp", server.address,
        "--from", SENDER, "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "would send to Chloé Martin <chloe@example.com> [en]" in result.stdout
    assert f"attach:  {FILES['XEZ']}" in result.stdout
    assert "dry run: nothing sent" in result.stdout
    assert server.handler.received == []
    assert not state_ledger().exists() and not (reports / "distribution.sqlite").exists()


def test_countries_with_only_a_profile_are_named_unavailable_not_unknown(
    reports: Path, tmp_path: Path
) -> None:
    """A folder where only profiles of XAQ and of the Europe countries were built (the
    manifest says so): the recipient's row is valid, and each of those countries is reported
    unavailable because distribute sends full reports (not "unknown country code")."""
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["reports"]:
        if entry["country"] in ("XAQ", "XAT", "XEZ"):
            entry["format"] = "profile"
    _write_manifest(reports, manifest["reports"])
    recipients = tmp_path / "one.csv"
    recipients.write_text(
        "name,email,language,countries,regions\n"
        "Ana,ana@example.org,en,XAQ;XDK,europe-central-asia\n",
        encoding="utf-8",
    )
    result = cli(
        "--recipients", str(recipients), "--reports", str(reports), "--outbox",
        str(tmp_path / "box"), "--from", SENDER, "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "unknown" not in result.output
    for code in ("XAQ", "XAT", "XEZ"):
        assert (
            f"unavailable ana@example.org {code}: only profiles of {code} were built (en); "
            "distribute sends full reports" in " ".join(result.stdout.split())
        )
    assert f"attach:  {FILES['XDK']}" in result.stdout
    assert f"attach:  {FILES['XAQ']}" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "one of them"),
        (["--smtp", "127.0.0.1:1", "--outbox", "x"], "one of them"),
        (["--outbox", "x", "--from", "not an address"], "not an email address"),
        (["--outbox", "x"], "--from"),
        (["--outbox", "x", "--from", SENDER, "--unsubscribe-url", "javascript:x"], "https://"),
    ],
)
def test_option_errors_are_clear(reports: Path, args: list[str], message: str) -> None:
    result = cli("--recipients", str(GOOD), "--reports", str(reports), *args)
    assert isinstance(result.exception, DistributionError)
    assert message in str(result.exception)


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DistributionError, match=r"No manifest.json in .*`reportgen batch`"):
        load_reports(tmp_path)


def test_manifest_without_scores_prints_a_dash(reports: Path) -> None:
    loaded = load_reports(reports)
    lantern = loaded.get("XGF", "en")
    assert lantern is not None and lantern.empowerment is None and lantern.quality_of_life is None
    ostmere = loaded.get("XDK", "en")
    assert ostmere is not None and ostmere.safety == 8.889


def test_languages_come_from_mail_templates_and_missing_reports_are_per_recipient(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    i18n = tmp_path / "i18n"
    (i18n / "en").mkdir(parents=True)
    (i18n / "fr").mkdir()
    shutil.copy(i18n_dir() / "en" / "mail.toml", i18n / "en" / "mail.toml")
    shutil.copy(i18n_dir() / "en" / "mail.toml", i18n / "fr" / "mail.toml")
    monkeypatch.setattr(mail_templates, "i18n_dir", lambda: i18n)
    mail_templates._load_mail_templates.cache_clear()
    try:
        path = tmp_path / "r.csv"
        path.write_text(
            "name,email,language,countries\nAnaïs,anais@example.org,fr,XDK;XAQ\n", encoding="utf-8"
        )
        summary = distribute(path, reports, None, tmp_path / "l.sqlite", parse_sender(SENDER))
        reasons = {o.country: o.reason for o in summary.of("unavailable")}
        assert reasons == {
            "XAQ": "no 'fr' report of XAQ was built (only: en)",
            "XDK": "no 'fr' report of XDK was built (only: en)",
        }
        assert summary.messages == 0
        # a template that uses a value not given stops the run before anything is sent
        broken = (i18n / "fr" / "mail.toml").read_text().replace("{{ name }}", "{{ nom }}")
        (i18n / "fr" / "mail.toml").write_text(broken)
        mail_templates._load_mail_templates.cache_clear()
        manifest = json.loads((reports / "manifest.json").read_text())
        manifest["reports"].append(dict(manifest["reports"][0], language="fr"))
        _write_manifest(reports, manifest["reports"])
        with pytest.raises(TemplateError, match=r"mail.body uses a value that is not given.*nom"):
            distribute(path, reports, None, tmp_path / "l.sqlite", parse_sender(SENDER))
    finally:
        mail_templates._load_mail_templates.cache_clear()


def test_rate_limit_spaces_messages() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2.0, sleep, lambda: now[0])
    for _ in range(4):
        limiter.wait()
        now[0] += 0.1  # the message itself takes 0.1 s
    assert slept == pytest.approx([0.4, 0.4, 0.4])


def test_second_run_on_the_same_ledger_is_refused_while_one_runs(tmp_path: Path) -> None:
    with (
        Ledger.open(tmp_path / "l.sqlite"),
        pytest.raises(DistributionError, match="Another `reportgen distribute`"),
    ):
        Ledger.open(tmp_path / "l.sqlite")
    Ledger.open(tmp_path / "l.sqlite").close()  # free again


def test_outbox_transport_names_files_after_the_message(tmp_path: Path) -> None:
    transport = OutboxTransport(tmp_path)
    answer = transport.deliver("a@example.org", "b@example.org", b"Subject: x\r\n\r\nx\r\n", "b-1")
    assert answer.endswith("b-1.eml") and (tmp_path / "b-1.eml").exists()


def test_outcome_counts(reports: Path) -> None:
    summary = distribute(GOOD, reports, None, reports / "none.sqlite", parse_sender(SENDER))
    assert Counter(o.status for o in summary.outcomes) == {"would send": 8, "unavailable": 1}
    assert summary.ok


class _Interrupting:
    """A transport that is interrupted (Ctrl-C) before or after the message was handed over."""

    def __init__(self, after_handover: bool) -> None:
        self.after_handover = after_handover
        self.in_doubt = False

    def deliver(self, sender: str, recipient: str, data: bytes, name: str) -> str:
        self.in_doubt = self.after_handover
        raise KeyboardInterrupt

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("after_handover", "status"), [(False, "failed"), (True, "unknown")])
def test_interrupted_run_records_what_it_knows(
    reports: Path, after_handover: bool, status: str
) -> None:
    with pytest.raises(KeyboardInterrupt):
        distribute(
            GOOD,
            reports,
            _Interrupting(after_handover),
            reports / "distribution.sqlite",
            parse_sender(SENDER),
            send_policy=FAST,
        )
    assert ledger_rows(reports / "distribution.sqlite") == [
        ("ana.perez@example.org", "XAQ", status),
        ("ana.perez@example.org", "XDK", status),
    ]


def test_dry_run_reads_the_ledger_without_changing_it(reports: Path, serve: Any) -> None:
    server = serve()
    assert send(reports, server).ok
    ledger = reports / "distribution.sqlite"
    before = ledger.read_bytes()
    summary = distribute(GOOD, reports, None, ledger, parse_sender(SENDER))
    assert summary.count("already sent") == 8 and summary.messages == 0
    assert ledger.read_bytes() == before


def test_values_from_the_recipients_file_never_execute(reports: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        'name,email,language,countries,note\n"{{ 7*7 }}",a@example.org,en,XDK,"{{ name.__class__ }}"\n',
        encoding="utf-8",
    )
    plans: list[dist.Plan] = []
    distribute(
        path, reports, None, tmp_path / "l.sqlite", parse_sender(SENDER), on_plan=plans.append
    )
    body = plans[0].messages[0].body
    assert "Dear {{ 7*7 }}," in body and "{{ name.__class__ }}" in body


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    path.write_bytes(b"not a database, but something else entirely" * 100)
    with pytest.raises(DistributionError, match="not a usable distribution ledger"):
        Ledger.open(path)
    Ledger.open(tmp_path / "other.sqlite").close()
    with pytest.raises(DistributionError):  # the lock was released: the error is the same
        Ledger.open(path)


# --- the HTML part, one-click unsubscribe, the release and counts in the recipient's words -----


class _Words(HTMLParser):
    """The words of an HTML body (outside <title>), its tags, and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.tags: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._skip += tag in ("title", "h1")
        if tag == "a":
            self.links.append(dict(attrs)["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("title", "h1")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.words += data.split()


def test_each_mail_has_an_html_part_saying_what_the_text_says(reports: Path, serve: Any) -> None:
    """Parsed off the wire: text/plain and text/html alternatives with the same words (the
    HTML's list items are the text's "- " lines), real structure, no layout tables, and
    RFC 8058's one-click unsubscribe beside an https link."""
    server = serve()
    send(reports, server, unsubscribe_url="https://example.org/stop?who={email}")
    box: Mailbox = server.handler
    assert len(box.received) == 4
    for received in box.received:
        msg = received.message
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        (alternative,) = [p for p in msg.iter_parts() if p.get_content_type() != "application/pdf"]
        assert alternative.get_content_type() == "multipart/alternative"
        plain_part, html_part = alternative.iter_parts()
        assert (plain_part.get_content_type(), html_part.get_content_type()) == (
            "text/plain",
            "text/html",
        )
        plain, page = plain_part.get_content(), html_part.get_content()
        parsed = _Words()
        parsed.feed(page)
        expected = [w for w in plain.split() if w != "-"]  # (list marks become <li>)
        assert parsed.words == expected
        assert '<html lang="en">' in page
        heading = re.search(r"<h1>(.*)</h1>", page)
        assert heading is not None and f"<title>{heading.group(1)}</title>" in page
        # (the parsed header loses spaces between RFC 2047 words: compare without them)
        assert "".join(heading.group(1).split()) == "".join(escape(str(msg["Subject"])).split())
        assert "table" not in parsed.tags and "img" not in parsed.tags
        assert parsed.tags.count("li") == len(received.attachments())  # a score line each
        rcpt = received.rcpt_tos[0].replace("@", "%40")
        assert parsed.links == [f"https://example.org/stop?who={rcpt}"]


def _png(width: int, height: int) -> bytes:
    """A real PNG of ``width`` × ``height`` pixels, one colour (written here, not by the code)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes([122, 31, 92]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_the_html_mail_shows_the_publishers_logo_with_its_alt_text(
    reports: Path, serve: Any, tmp_path: Path
) -> None:
    """A PNG logo (or mail_logo) is the one image of the HTML part: a related part named by
    Content-ID, above the heading, with the project's alt text and its size; the words and
    the attachments are unchanged. An SVG logo alone gives no image (mail clients do not show
    SVG), and a mail_logo that is no PNG is refused in the project file."""
    from reportgen.project import ProjectError, load_project

    logo = _png(400, 100)
    (tmp_path / "logo.png").write_bytes(logo)
    config = tmp_path / "reportgen.toml"
    config.write_text(
        '[publisher]\nname = "Derechos Ya"\nlogo = "logo.png"\n'
        'logo_alt = "Derechos Ya: human rights now & always"\n',
        encoding="utf-8",
    )
    server = serve()
    send(reports, server, project=load_project(config))
    for received in server.handler.received:
        msg = received.message
        related = msg.get_body(("related",))
        assert related is not None and related.get_content_type() == "multipart/related"
        page_part, image = related.iter_parts()
        assert image.get_content_type() == "image/png"
        assert image.get_payload(decode=True) == logo
        cid = str(image["Content-ID"]).strip("<>")
        page = page_part.get_content()
        img = re.search(r"<img ([^>]*)>", page)
        assert img is not None and page.index("<img") < page.index("<h1>")
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', img.group(1)))
        assert attrs == {
            "src": f"cid:{cid}",
            "alt": "Derechos Ya: human rights now &amp; always",
            "width": "160",  # at most 160 wide, the height in proportion: 400 × 100 → 160 × 40
            "height": "40",
        }
        parsed = _Words()
        parsed.feed(page)
        plain = msg.get_body(("plain",)).get_content()
        assert parsed.words == [w for w in plain.split() if w != "-"]
        assert parsed.tags.count("li") == len(received.attachments()) >= 1  # (PDFs only)
    # An SVG logo only: no image in the mail.
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                       'height="10"><rect width="10" height="10"/></svg>')  # fmt: skip
    config.write_text(
        '[publisher]\nname = "Derechos Ya"\nlogo = "logo.svg"\nlogo_alt = "Derechos Ya"\n',
        encoding="utf-8",
    )
    assert load_project(config).publisher.mail_image is None  # type: ignore[union-attr]
    # A mail_logo that is not a PNG is refused, saying what to give.
    config.write_text(
        '[publisher]\nname = "D"\nlogo = "logo.svg"\nlogo_alt = "D"\nmail_logo = "logo.svg"\n',
        encoding="utf-8",
    )
    with pytest.raises(ProjectError, match=r"mail_logo logo\.svg is not a PNG file"):
        load_project(config)


def test_html_escapes_what_the_recipients_file_says(reports: Path, serve: Any) -> None:
    from reportgen.distribute.message import html_body

    page = html_body("A <b> & co", "Dear <script>x</script>,\n\n- one & two\n", "fr")
    assert "<script>" not in page and "&lt;script&gt;" in page and "one &amp; two" in page
    assert '<html lang="fr">' in page and "<title>A &lt;b&gt; &amp; co</title>" in page


def test_a_split_mail_counts_every_country_followed(reports: Path, serve: Any) -> None:
    # Chloé follows three countries; 120 kB holds Lantern Cays and Sérène République (47 and
    # 53 kB encoded, with 16 kB for the text) but not the third: two emails, 2 + 1.
    server = serve()
    send(reports, server, max_bytes=120_000)
    chloe = [r for r in server.handler.received if r.rcpt_tos == ["chloe@example.com"]]
    assert [len(r.attachments()) for r in chloe] == [2, 1]
    first = chloe[0].message.get_body(("plain",)).get_content()
    assert "reports for 2 of the 3 countries you follow" in " ".join(first.split())
    assert "come in 2 emails; this is email 1" in " ".join(first.split())


def test_the_release_is_named_in_the_recipients_language(tmp_path: Path) -> None:
    """A French recipient of real built reports: the subject and the text name the release
    as the French report does ("l’édition de démonstration", capitalised as a title), never
    its English title."""
    from typer.testing import CliRunner

    from reportgen.cli import app

    out = tmp_path / "out"
    built = CliRunner().invoke(
        app, ["build", "XAQ", "--data", "data/demo", "--out", str(out), "--lang", "en,fr"]
    )
    assert built.exit_code == 0, built.output
    french_pdf = pypdf.PdfReader(out / "XAQ-kestrel-islands-2026-fr.pdf")
    assert french_pdf.metadata is not None
    assert "l’édition de démonstration" in str(french_pdf.metadata["/Subject"])
    people = tmp_path / "people.csv"
    people.write_text(
        "name,email,language,countries\nLéa,lea@example.org,fr,XAQ\nAl,al@example.org,en,XAQ\n",
        encoding="utf-8",
    )
    result = cli("--recipients", str(people), "--reports", str(out), "--outbox",
                 str(tmp_path / "box"), "--from", SENDER)  # fmt: skip
    assert result.exit_code == 0, result.output
    mails = {}
    for eml in (tmp_path / "box").glob("*.eml"):
        msg = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
        mails[msg["To"].addresses[0].addr_spec] = msg
    lea, al = mails["lea@example.org"], mails["al@example.org"]
    assert str(lea["Subject"]).startswith("Édition de démonstration\u00a0: rapport")
    french = lea.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "«\u202fÉdition de démonstration\u202f»" in french
    assert "Demonstration" not in french + str(lea["Subject"])
    assert str(al["Subject"]).startswith("Demonstration release: human rights report")
