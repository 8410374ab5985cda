"""The state store: one SQLite database in the state directory (WAL, versioned schema), or one
schema per org in a PostgreSQL database (``SPONSORSYNC_STATE_URL``, see :mod:`sync.pgstate`).

It holds the mirror (the slice of the CRM the engine needs, already projected onto canonical
columns by the mapping), the cursors, the ledger of what sponsorsync wrote, the run history, the
rejections and a small memory of the previous run (sponsor and counterpart per alliance). Callers use
:class:`StateStore` and its parts (:class:`sync.mirror.Mirror`, :class:`sync.ledger.Ledger`,
:class:`sync.runlog.RunLog`); SQL stays in those modules, so a server database can replace SQLite
behind the same methods.

A run holds an exclusive lock (``flock`` on a file beside the database; on PostgreSQL, an advisory
lock on the org); a second run on the same state fails at once with
:class:`connectors.errors.LockHeld` (exit 5).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from sponsorsync.connectors.base import Cursor
from sponsorsync.connectors.errors import ConfigError, LockHeld, StateError

if TYPE_CHECKING:
    from sponsorsync.sync.pgstate import PgDatabase
    from sponsorsync.sync.settings import Settings

DB_NAME = "state.sqlite3"
LOCK_NAME = "sync.lock"
OPEN_LOCK_NAME = "open.lock"  # held only while a process opens (and migrates) the database

log = logging.getLogger(__name__)
DEFAULT_ORG = "default"


class Rows(Protocol):
    """A cursor, as the store's modules use it (sqlite3's, or :class:`sync.pgstate.PgCursor`)."""

    @property
    def description(self) -> Any: ...
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Database(Protocol):
    """A connection in autocommit mode (sqlite3's, or :class:`sync.pgstate.PgDatabase`)."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Rows: ...
    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Rows: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...


MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE cursors (object TEXT PRIMARY KEY, cursor TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE sweeps (object TEXT PRIMARY KEY, swept_at TEXT NOT NULL);
    CREATE TABLE users (
        id TEXT PRIMARY KEY, name TEXT, email TEXT, title TEXT, active INTEGER NOT NULL DEFAULT 1,
        deleted INTEGER NOT NULL DEFAULT 0, seen_run INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE accounts (
        id TEXT PRIMARY KEY, name TEXT, owner_id TEXT, type TEXT, tier TEXT, sponsor_id TEXT,
        deleted INTEGER NOT NULL DEFAULT 0, extra TEXT NOT NULL DEFAULT '{}', seen_run INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE contacts (
        id TEXT PRIMARY KEY, account_id TEXT, first_name TEXT, last_name TEXT, title TEXT, email TEXT,
        deleted INTEGER NOT NULL DEFAULT 0, seen_run INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX contacts_account ON contacts(account_id);
    CREATE TABLE account_team (
        id TEXT PRIMARY KEY, account_id TEXT, user_id TEXT, role TEXT, deleted INTEGER NOT NULL DEFAULT 0, seen_run INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE activities (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT, owner_id TEXT, account_id TEXT,
        occurred_at TEXT, completed INTEGER, subject TEXT, sync_key TEXT,
        deleted INTEGER NOT NULL DEFAULT 0, extra TEXT, seen_run INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX activities_sync_key ON activities(sync_key) WHERE sync_key IS NOT NULL;
    CREATE TABLE activity_contacts (
        activity_id TEXT NOT NULL, contact_id TEXT NOT NULL, PRIMARY KEY (activity_id, contact_id)
    ) WITHOUT ROWID;
    CREATE INDEX activity_contacts_contact ON activity_contacts(contact_id);
    CREATE TABLE ledger (
        sync_key TEXT PRIMARY KEY, kind TEXT NOT NULL, object TEXT NOT NULL, crm_id TEXT,
        alliance_id TEXT, rule TEXT, status TEXT NOT NULL, fields TEXT NOT NULL,
        run_id INTEGER, written_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE rejections (
        sync_key TEXT PRIMARY KEY, run_id INTEGER, object TEXT, error_code TEXT, message TEXT,
        attempts INTEGER NOT NULL DEFAULT 1, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, ended_at TEXT, mode TEXT NOT NULL,
        crm TEXT, outcome TEXT NOT NULL, exit_code INTEGER, api_calls INTEGER, counts TEXT, message TEXT
    );
    CREATE TABLE memory (
        alliance_id TEXT PRIMARY KEY, sponsor_id TEXT, counterpart_id TEXT, seen_on TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 2: a write sent to the CRM and not yet confirmed (sync.ledger.LedgerEntry.sent)
    "ALTER TABLE ledger ADD COLUMN sent TEXT",
    # 3: everyone on an activity (issue 12): attendee users from the activity record, relation
    # records (Salesforce EventRelation / TaskRelation), admin overrides and the alliance focus
    """
    CREATE TABLE activity_users (
        activity_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (activity_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE participants (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, activity_id TEXT, person_id TEXT,
        counted INTEGER NOT NULL DEFAULT 1, deleted INTEGER NOT NULL DEFAULT 0, seen_run INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX participants_activity ON participants(activity_id);
    CREATE INDEX participants_person ON participants(person_id);
    ALTER TABLE users ADD COLUMN executive INTEGER;
    ALTER TABLE contacts ADD COLUMN executive INTEGER;
    ALTER TABLE accounts ADD COLUMN focus TEXT
    """,
    # 4: each user's manager, for the escalation ladder (issue 11)
    "ALTER TABLE users ADD COLUMN manager_id TEXT",
    # 5: the partner pipeline and partner cases (issue 13): Salesforce Opportunity / HubSpot deals,
    # Salesforce Case / HubSpot tickets
    """
    CREATE TABLE opportunities (
        id TEXT PRIMARY KEY, account_id TEXT, name TEXT, stage TEXT, amount REAL, close_date TEXT,
        closed INTEGER, won INTEGER, owner_id TEXT, closed_at TEXT,
        deleted INTEGER NOT NULL DEFAULT 0, seen_run INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX opportunities_account ON opportunities(account_id);
    CREATE TABLE cases (
        id TEXT PRIMARY KEY, account_id TEXT, contact_id TEXT, subject TEXT, priority TEXT,
        escalated INTEGER, closed INTEGER, opened_at TEXT, closed_at TEXT, owner_id TEXT,
        deleted INTEGER NOT NULL DEFAULT 0, seen_run INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX cases_account ON cases(account_id);
    CREATE INDEX cases_contact ON cases(contact_id)
    """,
    # 6: each alliance's health whenever it changed (the sponsor brief's trend, issue 13)
    """
    CREATE TABLE health_log (
        alliance_id TEXT NOT NULL, day TEXT NOT NULL, health TEXT NOT NULL, PRIMARY KEY (alliance_id, day)
    ) WITHOUT ROWID
    """,
    # 7: the partner accounts of opportunities (Salesforce OpportunityPartner)
    """
    CREATE TABLE opportunity_partners (
        id TEXT PRIMARY KEY, opportunity_id TEXT, account_id TEXT, role TEXT,
        deleted INTEGER NOT NULL DEFAULT 0, seen_run INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX opportunity_partners_account ON opportunity_partners(account_id)
    """,
    # 8: the day each task of ours was created (due dates fall on working days, so a due date no
    # longer tells the day a task was opened: the sponsor scorecard's response time reads it here)
    "CREATE TABLE task_opened (sync_key TEXT PRIMARY KEY, opened_on TEXT NOT NULL) WITHOUT ROWID",
]


def _warn_if_wider(path: Path, allowed: int) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & ~allowed:
        log.warning(
            "%s is readable by other users (mode %04o): it holds CRM contacts' names and e-mails; "
            "restrict it with `chmod %o %s`",
            path,
            mode,
            allowed,
            path,
        )


#: Secondary indexes whose keys do not follow the order a full pull's rows arrive in, per mirror kind
#: (as the migrations create them; `tests/sync/test_store.py` checks they match): dropped while a
#: full pull of that kind loads, built afterwards (:meth:`StateStore.indexes_deferred`).
DEFERRED_INDEXES: dict[str, tuple[str, ...]] = {
    "contacts": ("CREATE INDEX contacts_account ON contacts(account_id)",),
    "activities": ("CREATE INDEX activity_contacts_contact ON activity_contacts(contact_id)",),
    "participants": (
        "CREATE INDEX participants_activity ON participants(activity_id)",
        "CREATE INDEX participants_person ON participants(person_id)",
    ),
}


def index_name(sql: str) -> str:
    """The name a ``CREATE INDEX <name> ON ...`` statement gives."""
    return sql.split()[2]


def _private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) as 0700 whatever the umask; warn when it exists wider."""
    try:
        path.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        if path.is_dir():
            _warn_if_wider(path, 0o700)
            return
        raise
    os.chmod(path, 0o700)  # mkdir's mode is reduced by the umask, never widened


def _private_file(path: Path, mode: str, *, warn: bool = False) -> IO[Any]:
    """Open ``path``, creating it 0600 whatever the umask (``warn``: when it exists wider)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        if warn:
            _warn_if_wider(path, 0o600)
        return path.open(mode)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, mode)


class StateStore:
    """The database connection and the run lock."""

    db: Database
    path: Path | str  # the SQLite file, or the PostgreSQL label

    def __init__(self, state_dir: Path, *, url: str | None = None, org: str = DEFAULT_ORG) -> None:
        self.state_dir = state_dir
        self._lock_file: Any = None
        self._pg: PgDatabase | None = None
        self._locked = False
        if url:
            self._open_postgres(url, org)
            return
        self.label = str(state_dir)
        try:
            _private_dir(state_dir)
            # A probe of its own: two processes starting together must not delete each other's.
            with tempfile.NamedTemporaryFile(dir=state_dir, prefix=".write-test-"):
                pass
        except OSError as exc:
            raise ConfigError(
                f"The state directory {state_dir} is not writable: {exc.strerror or exc}",
                hint="set SPONSORSYNC_STATE_DIR to a directory this user can write",
            ) from None
        database = self.path = state_dir / DB_NAME
        try:
            # Opening is serialised between processes: SQLite answers "database is locked" at once,
            # without waiting, when two connections switch a new database to WAL together.
            with _private_file(state_dir / OPEN_LOCK_NAME, "a") as opening:
                fcntl.flock(opening, fcntl.LOCK_EX)
                # SQLite gives the -wal and -shm files the database file's mode.
                _private_file(database, "ab", warn=True).close()
                sqlite = sqlite3.connect(database, isolation_level=None, timeout=30)
                self.db = sqlite
                sqlite.execute("PRAGMA journal_mode=WAL")
                sqlite.execute("PRAGMA synchronous=NORMAL")
                sqlite.execute("PRAGMA foreign_keys=ON")
                self._migrate()
                self._restore_indexes(on_open=True)
        except sqlite3.DatabaseError as exc:
            raise StateError(
                f"The state database {self.path} cannot be used: {exc}",
                hint="move the file (and its -wal and -shm files) aside and run `sponsorsync sync run --full`: "
                "the new state pulls everything again and, writing by sync key, creates no task twice",
            ) from None

    def _open_postgres(self, url: str, org: str) -> None:
        try:
            from sponsorsync.sync.pgstate import ORG_NAME, PgDatabase, masked, schema_of
        except ImportError:
            raise ConfigError(
                "SPONSORSYNC_STATE_URL is set but the PostgreSQL driver is not installed",
                hint="install sponsorsync with its fleet extra: pip install 'sponsorsync[fleet]'",
            ) from None
        if not ORG_NAME.match(org):
            raise ConfigError(
                f"The org name {org!r} (SPONSORSYNC_ORG) is not usable as a PostgreSQL schema name",
                hint="use lower-case letters, digits and _, starting with a letter, at most 48 characters",
            )
        self.label = f"{masked(url)} (org {org}, schema {schema_of(org)})"
        self.path = self.label
        try:
            self._pg = PgDatabase(url, org)
        except Exception as exc:
            from sponsorsync.sync.state_errors import state_error

            raise (state_error(exc, self.label) or exc) from None
        self.db = self._pg
        try:
            self._migrate()
        except BaseException:
            self._pg.close()
            raise

    def _schema_version(self) -> int:
        if self._pg is not None:
            version = self._pg.schema_version()
        else:
            version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise ConfigError(
                f"The state database {self.label} was written by a newer sponsorsync (schema {version})",
                hint="upgrade sponsorsync, or point SPONSORSYNC_STATE_DIR elsewhere",
            )
        return version

    def _migrate(self) -> None:
        if self._schema_version() == len(MIGRATIONS):
            if self._pg is not None:
                self._pg.use_schema()
            return
        # Read the version again under the write lock: two processes opening a new database at the
        # same moment (two runs started together) must not both create the tables.
        with self.transaction():
            if self._pg is not None:
                self._pg.prepare_schema()
            version = self._schema_version()
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    self.db.execute(statement)
                if self._pg is not None:
                    self._pg.set_version(number)
                else:
                    self.db.execute(f"PRAGMA user_version = {number}")

    @contextlib.contextmanager
    def indexes_deferred(self, kinds: Iterable[str]) -> Iterator[None]:
        """While full pulls load these kinds: SQLite without their tables' secondary indexes
        (:data:`DEFERRED_INDEXES`), built once the pull has stored everything. A key that does not
        follow the order rows arrive in (the contact of each of a million tasks) costs a random B-tree
        leaf per row, written again at every page's commit: 4-5x the time of the row itself
        (BENCHMARKS.md). A pull that fails, or a run killed meanwhile, leaves them to the next open
        (:meth:`_restore_indexes`): a failing run (a full disk) must still record how it ended.
        PostgreSQL keeps its indexes."""
        statements = [sql for kind in sorted(set(kinds)) for sql in DEFERRED_INDEXES.get(kind, ())]
        if self._pg is not None or not statements:
            yield
            return
        with self.transaction():
            for sql in statements:
                self.db.execute(f"DROP INDEX IF EXISTS {index_name(sql)}")
        yield
        self._restore_indexes()

    def _restore_indexes(self, *, on_open: bool = False) -> None:
        """Build any deferred index that is missing (after a full pull, or a run that failed or was
        killed during one). On opening, one that cannot be built now (a full disk, another process
        writing) is logged and left to a later open: the state works without it, only slower."""
        present = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        missing = [
            sql for group in DEFERRED_INDEXES.values() for sql in group if index_name(sql) not in present
        ]
        if not missing:
            return  # nothing to write: opening takes no write lock
        try:
            with self.transaction():
                for sql in missing:
                    self.db.execute(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        except sqlite3.OperationalError as exc:
            if not on_open:
                raise
            log.warning(
                "could not rebuild the state's indexes (%s): reads are slower until a later command does",
                exc,
                extra={"indexes": [index_name(sql) for sql in missing]},
            )

    def reclaim_log(self) -> None:
        """SQLite: copy the write-ahead log into the database and empty it. After a write failed for
        want of space it is the log that could not grow, and the database file needs fewer bytes than
        the log held (a page the log holds many times is written once). PostgreSQL: nothing to do."""
        if self._pg is None:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        self.db.execute("BEGIN" if self._pg is not None else "BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.release()
        self.db.close()

    # -- the run lock --------------------------------------------------------------------------
    def acquire(self) -> None:
        if self._pg is not None:
            if not self._pg.try_lock():
                holder = self._pg.lock_holder() or "another process"
                raise LockHeld(
                    f"Another sponsorsync run holds the lock on {self.label} ({holder})",
                    hint="wait for it to finish; a scheduler should not start overlapping runs",
                )
            self._locked = True
            return
        handle = _private_file(self.state_dir / LOCK_NAME, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise LockHeld(
                f"Another sponsorsync run holds the lock on {self.state_dir} ({holder})",
                hint="wait for it to finish; a scheduler should not start overlapping runs",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._lock_file = handle

    def release(self) -> None:
        if self._pg is not None and self._locked:
            self._locked = False
            self._pg.unlock()
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    # -- meta, cursors, sweeps -----------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def cursor(self, object_key: str) -> Cursor | None:
        row = self.db.execute("SELECT cursor FROM cursors WHERE object = ?", (object_key,)).fetchone()
        return None if row is None else Cursor.from_json(json.loads(row[0]))

    def save_cursor(self, object_key: str, cursor: Cursor, now: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO cursors(object, cursor, updated_at) VALUES (?, ?, ?)",
            (object_key, json.dumps(cursor.to_json()), now),
        )

    def cursors(self) -> dict[str, tuple[Cursor, str]]:
        rows = self.db.execute("SELECT object, cursor, updated_at FROM cursors ORDER BY object")
        return {obj: (Cursor.from_json(json.loads(raw)), at) for obj, raw, at in rows}

    def forget_cursors(self) -> None:
        self.db.execute("DELETE FROM cursors")
        self.db.execute("DELETE FROM sweeps")

    def swept_at(self, object_key: str) -> str | None:
        row = self.db.execute("SELECT swept_at FROM sweeps WHERE object = ?", (object_key,)).fetchone()
        return None if row is None else str(row[0])

    def save_sweep(self, object_key: str, when: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO sweeps(object, swept_at) VALUES (?, ?)", (object_key, when))


def open_state(settings: Settings) -> StateStore:
    """The state the settings point at: PostgreSQL when SPONSORSYNC_STATE_URL is set, else SQLite."""
    if settings.state_url is not None and settings.state_url.get_secret_value():
        return StateStore(settings.state_dir, url=settings.state_url.get_secret_value(), org=settings.org)
    return StateStore(settings.state_dir)
