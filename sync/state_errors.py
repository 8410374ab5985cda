"""Failures of the local state (the SQLite database and its directory) found while a command runs,
translated into one :class:`connectors.errors.StateError` (exit 7) that says what to do.

Opening checks the file; damage elsewhere in it, a full disk, a file size limit or an I/O error
show up only when a page is read or written, in the middle of a run.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from sponsorsync.connectors.errors import StateError

# Local I/O failures that are about the disk, not about sponsorsync or the CRM.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})


def state_error(exc: BaseException, database: Path | str) -> StateError | None:
    """The user-facing error for ``exc``, or None when it is not a failure of the local state.
    ``database``: the SQLite file, or the PostgreSQL state's label (URL without password, org)."""
    if type(exc).__module__.startswith("psycopg"):
        return _postgres(exc, str(database))
    database = Path(database)
    if isinstance(exc, sqlite3.DatabaseError):
        name = str(getattr(exc, "sqlite_errorname", "") or "")
        detail = str(exc).splitlines()[0][:200] if str(exc) else name
        if name == "SQLITE_FULL" or name.startswith("SQLITE_IOERR") or "disk is full" in detail:
            return _disk(database, detail)
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in detail:
            return _damaged(database, detail)
        if name.startswith("SQLITE_READONLY") or "readonly" in detail:
            return StateError(
                f"The state database {database} is read-only ({detail})",
                hint="let this user write the state directory and its files, or point SPONSORSYNC_STATE_DIR "
                "at one it can write",
            )
        return _damaged(database, detail)
    if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
        return _disk(database, exc.strerror or str(exc))
    return None


def _postgres(exc: BaseException, label: str) -> StateError | None:
    import psycopg

    detail = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return StateError(
            f"The state database {label} cannot be reached: {detail}",
            hint="check SPONSORSYNC_STATE_URL and that the PostgreSQL server is up, then run again: "
            "what reached the CRM is kept and the run resumes",
        )
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return StateError(
            f"The state database {label} refused sponsorsync: {detail}",
            hint="grant the SPONSORSYNC_STATE_URL user CREATE on the database (it creates one schema per org)",
        )
    if isinstance(exc, psycopg.errors.DiskFull | psycopg.errors.OutOfMemory):
        return StateError(
            f"The state database {label} could not be written: {detail}",
            hint="free space on the PostgreSQL server and run again: what reached the CRM is kept and the run resumes",
        )
    if isinstance(exc, psycopg.DatabaseError):
        return StateError(
            f"The state database {label} failed: {detail}", hint="see the PostgreSQL server's log"
        )
    return None


def _disk(database: Path, detail: str) -> StateError:
    return StateError(
        f"The state database {database} could not be written: {detail} (disk full, a file size limit "
        "or a disk error)",
        hint=f"free space on the disk of {database.parent} (or raise the limit, or point SPONSORSYNC_STATE_DIR "
        "elsewhere) and run again: what reached the CRM is kept and the run resumes",
    )


def _damaged(database: Path, detail: str) -> StateError:
    return StateError(
        f"The state database {database} is damaged ({detail})",
        hint=f"move {database} and its -wal and -shm files aside (keep them for support), then run "
        "`sponsorsync sync run --full`: the new state pulls everything again and, writing by sync key, "
        "creates no task twice",
    )
