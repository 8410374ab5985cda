"""The orgs registry: which orgs the fleet syncs, how often, with which settings file, and how their
runs went. It lives in the schema ``sponsorsync_fleet`` of the state database; each org's state is in
its own schema (:mod:`sync.pgstate`). Secrets never reach the database: an org is registered with the
path of its env file (and mapping), read by the worker at each run."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import class_row

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sync.fleet.schedule import jitter
from sponsorsync.sync.pgstate import ORG_NAME, schema_of

SCHEMA = "sponsorsync_fleet"

MIGRATIONS: list[str] = [
    f"""
    CREATE TABLE {SCHEMA}.orgs (
        name TEXT PRIMARY KEY, env_file TEXT NOT NULL, mapping TEXT, every_seconds INTEGER NOT NULL,
        added_at TIMESTAMPTZ NOT NULL DEFAULT now(), next_run_at TIMESTAMPTZ NOT NULL,
        last_started_at TIMESTAMPTZ, last_ended_at TIMESTAMPTZ, last_exit INTEGER, last_outcome TEXT,
        failures INTEGER NOT NULL DEFAULT 0, flagged TEXT
    );
    CREATE TABLE {SCHEMA}.runs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org TEXT NOT NULL, job_id BIGINT,
        attempt INTEGER NOT NULL DEFAULT 0, worker TEXT NOT NULL, started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        ended_at TIMESTAMPTZ, exit_code INTEGER, outcome TEXT
    );
    CREATE INDEX runs_org ON {SCHEMA}.runs(org, started_at)
    """,
]


@dataclass(frozen=True)
class OrgEntry:
    name: str
    env_file: str
    mapping: str | None
    every_seconds: int
    added_at: datetime
    next_run_at: datetime
    last_started_at: datetime | None
    last_ended_at: datetime | None
    last_exit: int | None
    last_outcome: str | None
    failures: int
    flagged: str | None


@dataclass(frozen=True)
class FleetRun:
    id: int
    org: str
    job_id: int | None
    attempt: int
    worker: str
    started_at: datetime
    ended_at: datetime | None
    exit_code: int | None
    outcome: str | None


def check_name(name: str) -> str:
    if not ORG_NAME.match(name):
        raise ConfigError(
            f"The org name {name!r} cannot be used",
            hint="use lower-case letters, digits and _, starting with a letter, at most 48 characters",
        )
    return name


def worker_label() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


class Registry:
    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True, connect_timeout=15)
        self._migrate()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        with self.conn.transaction():
            yield self.conn

    def _migrate(self) -> None:
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('sponsorsync migrate', 0))")
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version (version INTEGER NOT NULL)")
            row = conn.execute(f"SELECT version FROM {SCHEMA}.schema_version").fetchone()
            version = int(row[0]) if row else 0
            if version > len(MIGRATIONS):
                raise ConfigError(
                    f"The fleet registry was written by a newer sponsorsync (schema {version})",
                    hint="upgrade sponsorsync on this machine",
                )
            for script in MIGRATIONS[version:]:
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
            if version < len(MIGRATIONS):
                conn.execute(f"DELETE FROM {SCHEMA}.schema_version")
                conn.execute(f"INSERT INTO {SCHEMA}.schema_version VALUES (%s)", (len(MIGRATIONS),))

    # -- the registry ----------------------------------------------------------------------------
    def add(self, name: str, env_file: Path, mapping: Path | None, every: int) -> OrgEntry:
        check_name(name)
        row = self.conn.execute(
            f"INSERT INTO {SCHEMA}.orgs(name, env_file, mapping, every_seconds, next_run_at) "
            "VALUES (%s, %s, %s, %s, now() + make_interval(secs => %s)) ON CONFLICT (name) DO NOTHING "
            "RETURNING name",
            (name, str(env_file), str(mapping) if mapping else None, every, jitter(name, every)),
        ).fetchone()
        if row is None:
            raise ConfigError(
                f"The fleet already has an org named {name}",
                hint=f"pick another name, or `sponsorsync fleet remove {name}` first",
            )
        return self.get(name)

    def get(self, name: str) -> OrgEntry:
        with self.conn.cursor(row_factory=class_row(OrgEntry)) as cur:
            found = cur.execute(f"SELECT * FROM {SCHEMA}.orgs WHERE name = %s", (name,)).fetchone()
        if found is None:
            raise ConfigError(
                f"The fleet has no org named {name}", hint="`sponsorsync fleet list` shows them"
            )
        return found

    def orgs(self) -> list[OrgEntry]:
        with self.conn.cursor(row_factory=class_row(OrgEntry)) as cur:
            return cur.execute(f"SELECT * FROM {SCHEMA}.orgs ORDER BY name").fetchall()

    def remove(self, name: str, *, drop_state: bool) -> None:
        with self._transaction() as conn:
            cur = conn.execute(f"DELETE FROM {SCHEMA}.orgs WHERE name = %s", (name,))
            if cur.rowcount == 0:
                raise ConfigError(
                    f"The fleet has no org named {name}", hint="`sponsorsync fleet list` shows them"
                )
            if drop_state:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema_of(name)}" CASCADE')

    def has_state(self, name: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema_of(name),)
        ).fetchone()
        return row is not None

    # -- scheduling and outcomes -----------------------------------------------------------------
    def claim_due(self) -> list[str]:
        """Orgs whose next run is due, their next run moved one period on (atomically: two workers
        ticking together never claim one org twice)."""
        rows = self.conn.execute(
            f"UPDATE {SCHEMA}.orgs SET next_run_at = now() + make_interval(secs => every_seconds) "
            "WHERE next_run_at <= now() AND flagged IS NULL RETURNING name"
        ).fetchall()
        return sorted(str(r[0]) for r in rows)

    def started(self, name: str, job_id: int | None, attempt: int) -> int:
        with self._transaction() as conn:
            # Procrastinate runs one job per org at a time: a run still open was its killed worker's.
            conn.execute(
                f"UPDATE {SCHEMA}.runs SET ended_at = now(), outcome = 'worker lost' "
                "WHERE org = %s AND ended_at IS NULL",
                (name,),
            )
            conn.execute(f"UPDATE {SCHEMA}.orgs SET last_started_at = now() WHERE name = %s", (name,))
            row = conn.execute(
                f"INSERT INTO {SCHEMA}.runs(org, job_id, attempt, worker) VALUES (%s, %s, %s, %s) RETURNING id",
                (name, job_id, attempt, worker_label()),
            ).fetchone()
        assert row is not None
        return int(row[0])

    def ended(self, run: int, name: str, exit_code: int, action: str, why: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                f"UPDATE {SCHEMA}.runs SET ended_at = now(), exit_code = %s, outcome = %s WHERE id = %s",
                (exit_code, why, run),
            )
            if action == "skip":
                return
            conn.execute(
                f"UPDATE {SCHEMA}.orgs SET last_ended_at = now(), last_exit = %s, last_outcome = %s, "
                "failures = CASE WHEN %s THEN 0 ELSE failures + 1 END, "
                "flagged = CASE WHEN %s THEN %s ELSE NULL END WHERE name = %s",
                (exit_code, why, action == "done", action == "flag", why, name),
            )

    def runs(self, name: str | None = None) -> list[FleetRun]:
        where, args = ("WHERE org = %s", (name,)) if name else ("", ())
        with self.conn.cursor(row_factory=class_row(FleetRun)) as cur:
            return cur.execute(
                f"SELECT * FROM {SCHEMA}.runs {where} ORDER BY started_at, id", args
            ).fetchall()

    def queued(self) -> dict[str, dict[str, int]]:
        """Procrastinate's jobs per org and status (none before the first worker created its tables)."""
        row = self.conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row is None or row[0] is None:
            return {}
        found: dict[str, dict[str, int]] = {}
        for org, status, count in self.conn.execute(
            "SELECT args->>'org', status::text, COUNT(*) FROM procrastinate_jobs "
            "WHERE task_name = 'sponsorsync.sync_org' AND status IN ('todo', 'doing', 'failed') GROUP BY 1, 2"
        ):
            found.setdefault(str(org), {})[str(status)] = int(count)
        return found

    def unflag(self, name: str) -> None:
        self.conn.execute(f"UPDATE {SCHEMA}.orgs SET flagged = NULL WHERE name = %s", (name,))
