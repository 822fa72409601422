"""The ledger: a SQLite record of which report was sent to whom, so nothing is sent twice.

In:  a ledger file (created when missing), and the messages of a run as they are handed over.
Out: for each (recipient email, report SHA-256), the unit of idempotence: its status
     ('sending' before a hand-over; 'sent' with the server's answer, 'failed' with the
     reason, or 'unknown' after), the Message-ID, the attempts and the time.

One writer at a time (a lock file beside the ledger). A damaged ledger, or one of a newer
schema, is refused when it is opened, before anything is planned or sent; every database
error later is one ``DistributionError`` naming the file and what to do. A row left
'sending' by a run that died becomes 'unknown' (``recover``): it may have been delivered.
Another ledger (the one older versions kept in ``--reports``) is merged in with ``absorb``;
where the ledger itself lives is ``reportgen.distribute.state``'s business.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from reportgen.distribute.errors import DistributionError

if TYPE_CHECKING:
    from reportgen.distribute.plan import PlannedMessage

LedgerStatus = Literal["sending", "sent", "failed", "unknown"]

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
                    utc_now(),
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
        now = utc_now()
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


def utc_now() -> str:
    """The time now, ISO 8601 UTC to the second (the ledger's and the marks' times)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
