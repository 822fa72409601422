"""Transports: a composed message's bytes → handed to an SMTP server, or written as ``.eml``.

In:  ``SmtpSettings`` (``smtp_settings``: ``--smtp HOST[:PORT]``, the TLS flags, credentials
     from ``REPORTGEN_SMTP_USER`` and ``REPORTGEN_SMTP_PASSWORD`` only), or an outbox folder.
Out: the server's answer for each message, or a ``DeliveryError`` that says whether the
     failure is temporary (retry), permanent (this message), fatal (stop the run) or
     uncertain (the connection was lost after the final "." and before the answer: it may
     have been delivered). ``in_doubt`` tells a run interrupted mid-hand-over which it was.

The password, and the forms it takes on the wire, are masked (``Secrets``) in every answer,
reason and exception this module produces. One SMTP connection is reused and reopened after
an error; UTF-8 credentials log in with AUTH PLAIN.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import os
import re
import selectors
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import quote

from reportgen.distribute.errors import DistributionError
from reportgen.errors import ReportgenError

FailureKind = Literal["temporary", "permanent", "uncertain", "fatal"]
Security = Literal["none", "starttls", "ssl"]


def _fix_eols(data: bytes) -> bytes:
    return re.sub(rb"\r\n|\n|\r", b"\r\n", data)


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
        from reportgen.outputs import write_atomic

        self.in_doubt = False
        path = self.directory / f"{name}.eml"
        try:
            write_atomic(path, data)
        except ReportgenError as exc:
            raise DeliveryError("fatal", str(exc), connection=True) from None
        return f"written to {path}"

    def close(self) -> None:
        """Nothing to release."""
