"""Where the ledger lives, and the marks that stop a run from starting a new one by mistake.

In:  the environment (``XDG_STATE_HOME``), a recipients file and the ledger a run means to use.
Out: the state directory (``$XDG_STATE_HOME/reportgen`` or ``~/.local/state/reportgen``),
     which holds the default ledger, where a rebuild of the output cannot remove it; marks
     there of which recipients file was sent to with which ledger (``mark_ledger_use``);
     and a refusal (``check_new_ledger``) to start a new ledger where the marks show that
     one was used before: a new ledger would send every report again to everyone.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reportgen.distribute.errors import DistributionError
from reportgen.distribute.ledger import utc_now

LEDGER_NAME = "distribution.sqlite"


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
    now = utc_now()
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
