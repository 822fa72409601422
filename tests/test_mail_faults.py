"""Distribution under faults: wrong domains, lost ledgers, dropped connections, damaged files.

Each test builds the broken input for real (a recipients file on disk, a deleted output
folder, a ledger with a damaged page, an aiosmtpd server on 127.0.0.1 that hangs up in the
middle of a message) and checks what the recipient, the server and the user see. The
reports, the server and the helpers are those of ``test_distribute``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AnyStr

import pytest
from aiosmtpd.smtp import SMTP

from reportgen import distribute as dist
from reportgen.distribute import (
    DistributionError,
    Ledger,
    LedgerPlace,
    OutboxTransport,
    RecipientsError,
    SmtpSettings,
    SmtpTransport,
    distribute,
    load_recipients,
    load_reports,
    parse_sender,
)
from tests.test_distribute import (
    EXPECTED,
    FAST,
    GOOD,
    SENDER,
    LoopbackSMTP,
    Mailbox,
    cli,
    ledger_rows,
    make_reports,
    send,
    servers,
    state_ledger,
)

Serve = Callable[..., LoopbackSMTP]


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The state directory of every test: never the real one."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "reportgen"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    return make_reports(tmp_path / "output")


@pytest.fixture
def serve() -> Iterator[Serve]:
    with servers() as start:
        yield start


def _recipients(tmp_path: Path, rows: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text("name,email,language,countries\n" + rows, encoding="utf-8")
    return path


def _smtp_args(recipients: Path, reports: Path, server: LoopbackSMTP, *extra: str) -> list[str]:
    return [
        "--recipients", str(recipients), "--reports", str(reports), "--smtp", server.address,
        "--from", SENDER, "--rate", "1000", *extra,
    ]  # fmt: skip


def _error(result: Any) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, DistributionError), result.output
    return str(result.exception)


# --- mail to the right domain: IDNA 2008 -------------------------------------------------------


def test_international_domains_are_encoded_by_idna_2008(reports: Path, tmp_path: Path) -> None:
    path = _recipients(
        tmp_path,
        "Sabine,s@faß.de,en,XDK\n"  # IDNA 2003 would make this fass.de: another domain
        "Jos,jos@Bücher.Example,en,XDK\n",  # ASCII case is no problem
    )
    people = load_recipients(path, load_reports(reports)).recipients
    assert [p.email for p in people] == ["s@xn--fa-hia.de", "jos@xn--bcher-kva.example"]
    assert parse_sender("HRMI <reports@faß.de>").domain == "xn--fa-hia.de"


@pytest.mark.parametrize(
    ("address", "fix"),
    [
        ("snow@☃.net", "IDNA 2008 (RFC 5891) does not allow this domain"),  # IDNA 2003: xn--n3h
        ("ana@BÜCHER.de", "write the domain in lower case"),  # no guessing at a mapping
        ("zw@a\u200db.org", "IDNA 2008 (RFC 5891) does not allow this domain"),  # a lone joiner
    ],
)
def test_domains_idna_2008_refuses_are_row_errors(
    reports: Path, tmp_path: Path, address: str, fix: str
) -> None:
    path = _recipients(tmp_path, f"Ana,ana@example.org,en,XDK\nBad,{address},en,XDK\n")
    with pytest.raises(RecipientsError) as info:
        load_recipients(path, load_reports(reports))
    (problem,) = [p for p in info.value.problems if p.severity == "error"]
    assert (problem.file, problem.row, problem.column, problem.value) == (path, 3, "email", address)
    assert "not a valid international domain name" in problem.message
    assert fix in problem.fix
    assert "people.csv, row 3, column 'email': the domain is not a valid" in str(info.value)


def test_the_smtp_envelope_goes_to_the_idna_2008_domain(
    reports: Path, tmp_path: Path, serve: Serve
) -> None:
    server = serve()
    path = _recipients(tmp_path, "Sabine Faß,s@faß.de,en,XDK\n")
    summary = distribute(
        path,
        reports,
        SmtpTransport(SmtpSettings("127.0.0.1", server.port, timeout=5)),
        tmp_path / "ledger.sqlite",
        parse_sender("HRMI <reports@faß.de>"),
        send_policy=FAST,
    )
    assert summary.ok
    (received,) = server.handler.received
    assert received.rcpt_tos == ["s@xn--fa-hia.de"]  # the envelope the server acted on
    assert received.mail_from == "reports@xn--fa-hia.de"
    assert received.message["To"].addresses[0].domain == "xn--fa-hia.de"
    assert str(received.message["To"].addresses[0].display_name) == "Sabine Faß"


# --- the ledger outlives a rebuild -------------------------------------------------------------


def test_rebuilding_the_output_does_not_mail_everyone_again(
    reports: Path, serve: Serve, state_home: Path
) -> None:
    server = serve()
    first = cli(*_smtp_args(GOOD, reports, server))
    assert first.exit_code == 0, first.output
    assert len(server.handler.received) == 4
    # rm -rf output && reportgen batch … (the same PDFs again) && reportgen distribute …
    shutil.rmtree(reports)
    make_reports(reports)
    again = cli(*_smtp_args(GOOD, reports, server))
    assert again.exit_code == 0, again.output
    assert len(server.handler.received) == 4  # nobody got anything twice
    assert state_ledger() == state_home / "distribution.sqlite" and state_ledger().is_file()
    assert {(e, s) for e, _, s in ledger_rows(state_ledger())} == {(e, "sent") for e in EXPECTED}


def test_a_new_ledger_for_a_list_used_before_is_refused(
    reports: Path, tmp_path: Path, serve: Serve
) -> None:
    server = serve()
    ledger = tmp_path / "kept" / "ledger.sqlite"
    assert cli(*_smtp_args(GOOD, reports, server, "--ledger", str(ledger))).exit_code == 0
    sent = len(server.handler.received)
    ledger.unlink()  # lost: deleted, or moved away
    message = _error(cli(*_smtp_args(GOOD, reports, server, "--ledger", str(ledger))))
    assert f"The recipients file {GOOD.resolve()} was used before" in message
    assert str(ledger) in message and "no longer exists" in message
    assert "restore it from a backup" in message and "--new-ledger" in message
    # the default ledger is new too: refused, naming the ledger the list was used with
    message = _error(cli(*_smtp_args(GOOD, reports, server)))
    assert str(ledger) in message and "--new-ledger" in message
    assert len(server.handler.received) == sent  # nothing was sent
    # starting afresh is a decision the user states
    fresh = cli(*_smtp_args(GOOD, reports, server, "--ledger", str(ledger), "--new-ledger"))
    assert fresh.exit_code == 0, fresh.output
    assert len(server.handler.received) == 2 * sent
    # ... once: --new-ledger on a ledger that exists is a mistake, not a habit
    message = _error(
        cli(*_smtp_args(GOOD, reports, server, "--ledger", str(ledger), "--new-ledger"))
    )
    assert "--new-ledger starts a new ledger" in message and str(ledger) in message


def test_a_deleted_default_ledger_is_noticed_whatever_the_list(
    reports: Path, tmp_path: Path, serve: Serve
) -> None:
    server = serve()
    assert cli(*_smtp_args(GOOD, reports, server)).exit_code == 0
    sent = len(server.handler.received)
    state_ledger().unlink()
    other = tmp_path / "renamed.csv"
    shutil.copy(GOOD, other)  # the same people under another name
    message = _error(cli(*_smtp_args(other, reports, server)))
    assert f"The ledger {state_ledger()} does not exist, but it was used before" in message
    assert str(GOOD.resolve()) in message and "--new-ledger" in message
    dry = cli(*_smtp_args(other, reports, server, "--dry-run"))  # a dry run says the same
    assert "does not exist, but it was used before" in _error(dry)
    assert len(server.handler.received) == sent


def test_a_ledger_inside_the_reports_folder_is_warned_about(reports: Path, serve: Serve) -> None:
    server = serve()
    result = cli(*_smtp_args(GOOD, reports, server, "--ledger", str(reports / "mine.sqlite")))
    assert result.exit_code == 0, result.output
    assert "warning: the ledger" in result.stderr and "is inside --reports" in result.stderr


def test_an_old_ledger_in_the_output_folder_is_merged_once_and_says_so(
    reports: Path, serve: Serve
) -> None:
    server = serve()
    old = reports / "distribution.sqlite"  # where older versions kept it
    assert send(reports, server).ok  # the Python API with that path: as an old version did
    sent = len(server.handler.received)
    dry = cli(*_smtp_args(GOOD, reports, server, "--dry-run"))
    assert dry.exit_code == 0, dry.output
    assert "read as well" in dry.stderr and old.is_file()  # a dry run moves nothing
    assert "would send" not in dry.stdout
    result = cli(*_smtp_args(GOOD, reports, server))
    assert result.exit_code == 0, result.output
    assert f"Merged the ledger {old} (8 row(s)" in " ".join(result.stderr.split())
    assert len(server.handler.received) == sent  # nothing was sent again
    assert not old.exists() and (reports / "distribution.sqlite.moved").is_file()
    assert {(e, s) for e, _, s in ledger_rows(state_ledger())} == {(e, "sent") for e in EXPECTED}
    shutil.rmtree(reports)  # and now a rebuild cannot lose it
    make_reports(reports)
    assert cli(*_smtp_args(GOOD, reports, server)).exit_code == 0
    assert len(server.handler.received) == sent


def test_merging_keeps_what_each_ledger_knows_best(reports: Path, tmp_path: Path) -> None:
    plans: list[dist.Plan] = []
    distribute(
        GOOD, reports, None, tmp_path / "x.sqlite", parse_sender(SENDER), on_plan=plans.append
    )
    first, second = plans[0].messages[:2]
    ours, theirs = tmp_path / "ours.sqlite", tmp_path / "theirs.sqlite"
    with Ledger.open(ours) as ledger:
        ledger.record(first, "failed", "451")
        ledger.record(second, "sent", "250")
    with Ledger.open(theirs) as ledger:
        ledger.record(first, "sent", "250 old")
        ledger.record(second, "failed", "451 old")
    with Ledger.open(ours) as ledger:
        assert ledger.absorb(theirs) == len(first.reports) + len(second.reports)
        rows = {(r.email, r.country): (r.status, r.answer) for r in ledger.rows()}
    assert {rows[(first.recipient.key, r.country)] for r in first.reports} == {("sent", "250 old")}
    assert {rows[(second.recipient.key, r.country)] for r in second.reports} == {("sent", "250")}


# --- a connection dropped in the middle of DATA ---------------------------------------------------


@dataclass
class DroppingMailbox(Mailbox):
    """A mailbox whose server hangs up while receiving the next ``drop_mid_data`` messages."""

    drop_mid_data: int = 0
    reply_mid_data: str | None = None  # said before hanging up (None: just hang up)
    dropped: list[bytes] = field(default_factory=list)  # what had arrived of each


class HangUpMidData(SMTP):
    """aiosmtpd, but it closes the connection on the first bytes of a message's content."""

    receiving = False

    async def push(self, status: AnyStr) -> None:
        text = status.decode() if isinstance(status, bytes) else status
        self.receiving = text.startswith("354")  # before the client can answer it
        await super().push(status)

    def data_received(self, data: bytes) -> None:
        box = self.event_handler
        assert isinstance(box, DroppingMailbox)
        if self.receiving and box.drop_mid_data > 0:
            box.drop_mid_data -= 1
            box.dropped.append(bytes(data))
            self.receiving = False
            assert isinstance(self.transport, asyncio.Transport)
            if box.reply_mid_data is not None:
                self.transport.write(box.reply_mid_data.encode() + b"\r\n")
            self.transport.close()  # what it had is thrown away
            return
        super().data_received(data)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (None, "the connection was lost before the end of the message was sent"),
        ("452 4.3.1 out of space", "message refused before its end: 452 4.3.1 out of space"),
    ],
)
def test_connection_dropped_mid_data_is_retried_and_delivered_once(
    reports: Path, tmp_path: Path, serve: Serve, reply: str | None, reason: str
) -> None:
    box = DroppingMailbox(drop_mid_data=1, reply_mid_data=reply)
    server = serve(box, protocol=HangUpMidData)
    path = _recipients(tmp_path, "Ana Pérez,ana@example.org,en,XDK\n")
    ledger = tmp_path / "ledger.sqlite"
    settings = SmtpSettings("127.0.0.1", server.port, timeout=5, end_of_data_grace=0.5)
    summary = distribute(
        path,
        reports,
        SmtpTransport(settings),
        ledger,
        parse_sender(SENDER),
        send_policy=FAST,
    )
    assert summary.count("uncertain") == 0 and summary.count("sent") == 1 and summary.ok
    assert [m.rcpt_tos for m in box.received] == [["ana@example.org"]]  # delivered once
    (dropped,) = box.dropped
    assert dropped and b"\r\n.\r\n" not in dropped  # it hung up before the end of the message
    (row,) = Ledger.open_readonly(ledger).rows()
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.answer.startswith("250")
    # what the first attempt said, from the transport itself
    box.drop_mid_data = 1
    transport = SmtpTransport(settings)
    message = b"Subject: x\r\n\r\n" + b"a line of the message\r\n" * 2000
    with pytest.raises(dist.DeliveryError) as info:
        transport.deliver("reports@example.org", "ana@example.org", message)
    assert info.value.kind == "temporary" and reason in info.value.reason
    assert not transport.in_doubt
    assert transport.deliver("reports@example.org", "ana@example.org", message).startswith("250")
    transport.close()
    assert len(box.received) == 2 and len(box.dropped) == 2


# --- a ledger with a damaged page ---------------------------------------------------------------


def _damage_middle_page(path: Path) -> None:
    """Overwrite the first byte (the b-tree page type) of the page in the middle of the file."""
    with sqlite3.connect(path) as db:
        page_size = int(db.execute("PRAGMA page_size").fetchone()[0])
        pages = int(db.execute("PRAGMA page_count").fetchone()[0])
    db.close()
    assert pages >= 20  # a middle page that is neither the header nor the schema
    data = bytearray(path.read_bytes())
    data[(pages // 2) * page_size] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_ledger_is_one_clear_error_and_nothing_is_sent(
    reports: Path, tmp_path: Path, serve: Serve
) -> None:
    server = serve()
    ledger = tmp_path / "ledger.sqlite"
    assert send(reports, server, policy=FAST).ok  # a ledger that has been used ...
    shutil.move(reports / "distribution.sqlite", ledger)
    with sqlite3.connect(ledger) as db:  # ... for a few thousand reports
        db.executemany(
            "INSERT INTO deliveries VALUES (?, ?, 'XDK', 'en', 'x.pdf', '<m>', 'sent', '250', 1, 't')",
            [(f"p{i}@example.org", hashlib.sha256(b"%d" % i).hexdigest()) for i in range(3000)],
        )
    db.close()
    _damage_middle_page(ledger)
    server.handler.received.clear()
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    run = subprocess.run(
        [sys.executable, "-m", "reportgen", "distribute",
         *_smtp_args(GOOD, reports, server, "--ledger", str(ledger))],
        capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    error = " ".join(run.stderr.split())
    assert error.startswith("error:") and error.count("error:") == 1
    assert f"{ledger} is not a usable distribution ledger: it is damaged" in error
    assert "Restore it from a backup" in error and "--new-ledger" in error
    assert server.handler.received == []
    with pytest.raises(DistributionError, match="damaged"):  # a dry run too
        Ledger.open_readonly(ledger)


# --- small things ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender",
    [
        "reports@example.org, other@example.org",
        "HRMI <reports@example.org>, Other <other@example.org>",
        "HRMI <reports@example.org> <other@example.org>",
    ],
)
def test_a_from_with_two_addresses_is_refused(reports: Path, tmp_path: Path, sender: str) -> None:
    outbox = tmp_path / "outbox"
    result = cli(
        "--recipients", str(GOOD), "--reports", str(reports), "--outbox", str(outbox),
        "--from", sender,
    )  # fmt: skip
    message = _error(result)
    assert "--from" in message and "REPORTGEN_MAIL_FROM" in message
    assert not outbox.exists() or not list(outbox.iterdir())  # nothing written


def test_a_from_with_two_addresses_names_both() -> None:
    with pytest.raises(DistributionError, match=r"gives 2 addresses \(a@x\.org, b@y\.org\)"):
        parse_sender("a@x.org, b@y.org")
    assert parse_sender('"Reports, HRMI" <r@example.org>').addr_spec == "r@example.org"


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\u2028", "U+2028 LINE SEPARATOR"),
        ("\u2029", "U+2029 PARAGRAPH SEPARATOR"),
        ("\u0085", "U+0085"),  # NEXT LINE, a C1 control
        ("\u009b", "U+009B"),  # CSI, the C1 start of a terminal escape
        ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),  # prints the rest of the line reversed
        ("\x0b", "U+000B"),
    ],
)
def test_names_must_be_one_line(reports: Path, tmp_path: Path, char: str, shown: str) -> None:
    path = _recipients(tmp_path, f"Ana{char}Pérez,ana@example.org,en,XDK\n")
    with pytest.raises(RecipientsError) as info:
        load_recipients(path, load_reports(reports))
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "name", f"Ana{char}Pérez")
    assert f"line break or control character in the name ({shown}" in problem.message
    assert char not in str(info.value)  # the message shows it escaped, never raw


def test_names_in_any_script_are_one_line(reports: Path, tmp_path: Path) -> None:
    names = ["Zoë Ó Briain", "محمد\u200cرضا", "Ngũgĩ wa Thiong’o", "李小龍", "👩\u200d🔬 Ana"]
    rows = "".join(f"{n},p{i}@example.org,en,XDK\n" for i, n in enumerate(names))
    people = load_recipients(_recipients(tmp_path, rows), load_reports(reports)).recipients
    assert [p.name for p in people] == names


def test_a_name_longer_than_the_limit_is_an_error_up_front(reports: Path, tmp_path: Path) -> None:
    limit = dist.MAX_NAME_LENGTH
    assert limit == 200  # documented in docs/recipients.md
    ok, long = "A" * limit, "B" * 300
    path = _recipients(tmp_path, f"{ok},a@example.org,en,XDK\n{long},b@example.org,en,XDK\n")
    with pytest.raises(RecipientsError) as info:
        load_recipients(path, load_reports(reports))
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (3, "name")
    assert "the name is 300 characters long (at most 200)" in problem.message
    people = load_recipients(path, load_reports(reports), skip_bad_rows=True).recipients
    assert [p.name for p in people] == [ok]


def test_the_python_api_with_a_path_leaves_no_marks(reports: Path, tmp_path: Path) -> None:
    """Marks and checks belong to the command (a ``LedgerPlace`` with ``state``), not to a path."""
    outbox = OutboxTransport(tmp_path / "outbox")
    summary = distribute(GOOD, reports, outbox, tmp_path / "api.sqlite", parse_sender(SENDER))
    assert summary.ok and summary.messages == 4
    assert not (tmp_path / "state").exists()
    with pytest.raises(DistributionError, match="--new-ledger starts a new ledger"):
        distribute(
            GOOD,
            reports,
            None,
            LedgerPlace(tmp_path / "api.sqlite", state=tmp_path / "state", new_ledger=True),
            parse_sender(SENDER),
        )
