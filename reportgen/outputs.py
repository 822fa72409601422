"""Writing outputs safely: atomic writes, files written all or nothing, and one run per folder.

In:  paths and bytes to write; an output folder to hold.
Out: files that are either the old ones or the new ones (never partial), ``OutputError``s
     that say what to do, and the folder's lock (``.reportgen.lock``).

``write_atomic`` (one file: temporary + rename, a full disk or a folder in the way is one
clear ``OutputError``), ``StagedFiles`` (several files, all or nothing), the temporaries' names
(``.reportgen-<pid>-<random>.tmp``, the only ones ``remove_stale_temporaries`` deletes) and
``output_lock`` (``<out>/.reportgen.lock``: one run per folder).

Light on purpose (the standard library only): the batch's check that nothing changed, the
manifest and the mailer use it without importing the data or drawing stages.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from reportgen.errors import OutputError

if sys.platform != "win32":
    import fcntl

# --- writing outputs ------------------------------------------------------------------------------

# Temporaries are named ``.reportgen-<pid>-<random>.tmp``: a name only this tool makes, so that
# cleaning up never touches a user's own ``.notes.tmp``.
TEMP_PREFIX = ".reportgen-"
_TEMP_NAME = re.compile(r"\.reportgen-(\d+)-[a-z0-9_]+\.tmp")
LOCK_NAME = ".reportgen.lock"


def output_error(path: Path, exc: OSError, option: str = "--out") -> OutputError:
    """One clear message for an ``OSError`` met writing ``path``, saying what to do."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{exc.strerror} writing {path}: free space or choose another {option}.")
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return OutputError(
            f"Cannot write {path}: it is a folder. Move it away or choose another {option}."
        )
    return OutputError(f"Cannot write {path}: {exc.strerror or exc}. Choose another {option}.")


def _stage(path: Path, data: bytes, option: str) -> Path:
    """Write ``data`` to a fresh temporary next to ``path`` (flushed to disk); return its path."""
    if path.is_dir():
        raise OutputError(
            f"Cannot write {path}: it is a folder. Move it away or choose another {option}."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise output_error(path, exc, option) from None
        raise OutputError(
            f"Cannot write to {path.parent}: {exc.strerror}. Choose another {option}."
        ) from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(path, exc, option) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_atomic(path: Path, data: bytes, option: str = "--out") -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename.

    A reader sees the old file or the new one, never a partial one; an interruption leaves at
    most a temporary file (``.reportgen-<pid>-<random>.tmp``), which later runs remove. A
    failure (a full disk, a folder in the way) raises ``OutputError`` naming ``path`` and
    ``option`` and leaves the old file as it was.
    """
    tmp = _stage(path, data, option)
    try:
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(path, exc, option) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class StagedFiles:
    """Files written together, all or nothing: staged as temporaries, then renamed into place.

    ``add`` writes each file's bytes to a temporary next to it (this is where a full disk is
    met); ``commit`` renames them all. Leaving the ``with`` block without ``commit`` (an
    error) removes every temporary, so no target is touched. A rename that fails after others
    succeeded (which needs the folder to change under the run) says which files were written.
    """

    def __init__(self, option: str = "--out") -> None:
        self.option = option
        self._staged: list[tuple[Path, Path]] = []

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        for _, tmp in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged = []

    def add(self, path: Path, data: bytes) -> None:
        """Stage ``data`` for ``path``."""
        if any(path == target for target, _ in self._staged):
            raise OutputError(f"Two outputs would be written to {path}.")
        self._staged.append((path, _stage(path, data, self.option)))

    def commit(self) -> list[Path]:
        """Move every staged file into place; return the paths written."""
        written: list[Path] = []
        while self._staged:
            path, tmp = self._staged[0]
            try:
                tmp.replace(path)
            except OSError as exc:
                error = output_error(path, exc, self.option)
                if written:
                    names = ", ".join(str(p) for p in written)
                    error = OutputError(f"{error} Only these were written: {names}.")
                raise error from None
            self._staged.pop(0)
            written.append(path)
        return written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs: a zombie (ended, not yet reaped: a killed batch's
    worker whose parent died first, until init reaps it) has ended (Linux's /proc says so)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:  # "pid (name) S …": the state follows the name, which may hold spaces and ")"
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (macOS, Windows): as the signal said
    return state not in ("Z", "X")


def remove_stale_temporaries(directory: Path) -> None:
    """Delete the temporaries that interrupted reportgen runs left behind in ``directory``.

    Only names this tool makes (``.reportgen-<pid>-<random>.tmp``) whose process has ended;
    a user's own ``.notes.tmp`` is never touched.
    """
    if not directory.is_dir():
        return
    for leftover in directory.glob(f"{TEMP_PREFIX}*.tmp"):
        match = _TEMP_NAME.fullmatch(leftover.name)
        if match and int(match[1]) != os.getpid() and not _alive(int(match[1])):
            leftover.unlink(missing_ok=True)


# --- the output folder lock -----------------------------------------------------------------------

_held: dict[str, list[int]] = {}  # real path of a locked folder → [descriptor, depth]


def forget_inherited_locks() -> None:
    """In a forked child: close the output locks inherited from the parent, which keeps them.

    Closing a copy does not release the parent's lock (``flock`` ends when the last copy is
    closed), but a child that outlived its parent would otherwise keep the folder locked.
    """
    for fd, _ in _held.values():
        with suppress(OSError):
            os.close(fd)
    _held.clear()


@contextmanager
def output_lock(
    directory: Path,
    wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
    required: bool = True,
) -> Iterator[None]:
    """Hold ``directory/.reportgen.lock`` (an OS lock) while the block runs: one run per folder.

    A second run refuses at once with ``OutputError`` naming the folder and the pid of the
    run that holds it, or, with ``wait``, waits for it (``on_wait`` is told once why). The
    lock is re-entrant within a process. The OS releases it when the process ends, however it
    ends, so a killed run never leaves the folder locked (only, at most, the file, which the
    next run takes over); a run that ends normally removes the file. ``required=False`` goes
    on without the lock when the file cannot be created (a read-only folder only read from).
    """
    if sys.platform == "win32":  # no flock: one run per folder is not enforced there
        yield
        return
    key = os.path.realpath(directory)
    if key in _held:
        _held[key][1] += 1
        try:
            yield
        finally:
            _held[key][1] -= 1
        return
    path = Path(directory) / LOCK_NAME
    fd = _acquire(path, Path(directory), wait, on_wait, required)
    if fd is None:
        yield
        return
    _held[key] = [fd, 1]
    try:
        yield
    finally:
        del _held[key]
        with suppress(OSError):
            path.unlink()  # while still holding it: a waiter then finds the file gone, retries
        os.close(fd)  # releases the lock


def _acquire(
    path: Path,
    directory: Path,
    wait: bool,
    on_wait: Callable[[str], None] | None,
    required: bool,
) -> int | None:
    """Open and lock ``path``; return its descriptor (None: no lock, and none required)."""
    told = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            if not required:
                return None
            raise OutputError(
                f"Cannot lock {directory} (creating {path}): {exc.strerror}. Choose another --out."
            ) from None
        try:
            if not _try_lock(fd):
                holder = _holder(fd)
                if not wait:
                    raise OutputError(
                        f"Another reportgen run ({holder}) is writing to {directory}. Wait for "
                        "it to finish, or run again with --wait to wait for it."
                    )
                if on_wait is not None and not told:
                    on_wait(f"waiting for the reportgen run ({holder}) writing to {directory} ...")
                    told = True
                _lock(fd)
            if _same_file(fd, path):  # not removed by the run that just let go of it
                _write_pid(fd)
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = path.stat()
    except OSError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # no flock: one run per folder is not enforced
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _lock(fd: int) -> None:
    if sys.platform != "win32":
        fcntl.flock(fd, fcntl.LOCK_EX)


def _holder(fd: int) -> str:
    """``pid 1234`` of the run holding the lock, as it wrote it into the lock file."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "pid unknown"


def _write_pid(fd: int) -> None:
    with suppress(OSError):  # a full disk: the lock holds all the same, only its pid is not shown
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
