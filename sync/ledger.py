"""The ledger of what sponsorsync wrote, the rejections, the memory of the previous run and the run
history. Each write is recorded as soon as the CRM confirms it (one transaction per batch)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sponsorsync.connectors.base import WriteResult
from sponsorsync.sync.model import Memory
from sponsorsync.sync.store import StateStore

# Ledger statuses
OPEN = "open"  # written by us, open as far as we know
CLOSED = "closed"  # closed by us because its condition cleared (done, or not needed)
MISSED = (
    "missed"  # closed by us as missed: its deadline passed and the next one came (scorecards count these)
)
STALE = "stale"  # its condition cleared but a person had edited it: noted on the task, left open
DELETED = "deleted"  # a person deleted it from the CRM (found when writing to it)
#: Statuses of tasks sponsorsync has settled: never closed or noted again.
SETTLED = frozenset({CLOSED, MISSED, STALE, DELETED})
ACCOUNT = "written"  # account fields


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    sync_key: str
    kind: str  # task | account
    object: str
    crm_id: str | None
    alliance_id: str | None
    rule: str | None
    status: str
    fields: dict[str, Any]
    run_id: int | None = None
    written_at: str = ""
    # A write sent to the CRM whose answer was not recorded yet ({"action": "update" | "close",
    # "fields": {...}}): a run killed in between leaves it for the next run to confirm.
    sent: dict[str, Any] | None = None


def _entry(
    key: str, kind: str, obj: str, crm_id: str | None, alliance_id: str | None, rule: str | None, status: str,
    fields: str, run_id: int | None, written_at: str, sent: str | None,
) -> LedgerEntry:  # fmt: skip
    sent_value = json.loads(sent) if sent else None
    return LedgerEntry(
        key, kind, obj, crm_id, alliance_id, rule, status, json.loads(fields), run_id, written_at, sent_value
    )


@dataclass(frozen=True, slots=True)
class Rejection:
    sync_key: str
    object: str
    error_code: str
    message: str
    attempts: int
    first_seen: str
    last_seen: str


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    started_at: str
    ended_at: str | None
    mode: str
    crm: str | None
    outcome: str
    exit_code: int | None
    api_calls: int | None
    counts: dict[str, Any]
    message: str | None


class Ledger:
    def __init__(self, store: StateStore) -> None:
        self.db = store.db

    # -- ledger --------------------------------------------------------------------------------
    def entries(self) -> dict[str, LedgerEntry]:
        rows = self.db.execute(
            "SELECT sync_key, kind, object, crm_id, alliance_id, rule, status, fields, run_id, written_at, sent "
            "FROM ledger"
        )
        return {row[0]: _entry(*row) for row in rows}

    def record(self, entries: Iterable[LedgerEntry]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO ledger(sync_key, kind, object, crm_id, alliance_id, rule, status, fields, "
            "run_id, written_at, sent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (e.sync_key, e.kind, e.object, e.crm_id, e.alliance_id, e.rule, e.status, json.dumps(e.fields),
                 e.run_id, e.written_at or now_text(), json.dumps(e.sent) if e.sent is not None else None)
                for e in entries
            ],
        )  # fmt: skip

    def record_opened(self, keys: Iterable[str], day: date) -> None:
        """The day these tasks were created in the CRM (the first record of a key stays)."""
        self.db.executemany(
            "INSERT OR IGNORE INTO task_opened(sync_key, opened_on) VALUES (?, ?)",
            [(key, day.isoformat()) for key in keys],
        )

    def opened_on(self) -> dict[str, date]:
        """The day each task sponsorsync created was created (tasks created before this was kept, or
        adopted after a crash, have none)."""
        rows = self.db.execute("SELECT sync_key, opened_on FROM task_opened")
        return {key: date.fromisoformat(day) for key, day in rows}

    def mark_sent(self, sent: dict[str, dict[str, Any]]) -> None:
        """Before sending updates of recorded entries: what is about to be written, per sync key."""
        self.db.executemany(
            "UPDATE ledger SET sent = ? WHERE sync_key = ?", [(json.dumps(v), k) for k, v in sent.items()]
        )

    def closed_by_us(self) -> frozenset[str]:
        """Tasks sponsorsync closed because their condition cleared (as done, not needed or missed)."""
        rows = self.db.execute("SELECT sync_key FROM ledger WHERE status IN (?, ?)", (CLOSED, MISSED))
        return frozenset(r[0] for r in rows)

    def with_status(self, status: str) -> list[LedgerEntry]:
        rows = self.db.execute(
            "SELECT sync_key, kind, object, crm_id, alliance_id, rule, status, fields, run_id, written_at, sent "
            "FROM ledger WHERE status = ? ORDER BY sync_key",
            (status,),
        )
        return [_entry(*row) for row in rows]

    def status_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT kind || ':' || status, COUNT(*) FROM ledger GROUP BY 1")
        return {r[0]: int(r[1]) for r in rows}

    def written_in(self, run_id: int) -> int:
        """Ledger entries last written by run ``run_id``."""
        row = self.db.execute("SELECT COUNT(*) FROM ledger WHERE run_id = ?", (run_id,)).fetchone()
        return int(row[0])

    def rejected_in(self, run_id: int) -> int:
        """Records the CRM refused in run ``run_id``."""
        row = self.db.execute("SELECT COUNT(*) FROM rejections WHERE run_id = ?", (run_id,)).fetchone()
        return int(row[0])

    # -- rejections ----------------------------------------------------------------------------
    def reject(self, run_id: int, object_name: str, results: Iterable[WriteResult]) -> None:
        now = now_text()
        for r in results:
            self.db.execute(
                "INSERT INTO rejections(sync_key, run_id, object, error_code, message, attempts, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT(sync_key) DO UPDATE SET run_id = excluded.run_id, "
                "error_code = excluded.error_code, message = excluded.message, attempts = rejections.attempts + 1, "
                "last_seen = excluded.last_seen",
                (r.key, run_id, object_name, r.error_code or "", (r.message or "")[:500], now, now),
            )

    def clear_rejections(self, keys: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM rejections WHERE sync_key = ?", [(k,) for k in keys])

    def rejections(self) -> list[Rejection]:
        rows = self.db.execute(
            "SELECT sync_key, object, error_code, message, attempts, first_seen, last_seen FROM rejections "
            "ORDER BY last_seen DESC, sync_key"
        )
        return [Rejection(*r) for r in rows]

    # -- memory of the previous run ------------------------------------------------------------
    def memory(self) -> dict[str, Memory]:
        rows = self.db.execute("SELECT alliance_id, sponsor_id, counterpart_id, seen_on FROM memory")
        return {r[0]: Memory(r[1], r[2], date.fromisoformat(r[3])) for r in rows}

    def remember(self, memory: dict[str, Memory]) -> None:
        self.db.execute("DELETE FROM memory")
        self.db.executemany(
            "INSERT INTO memory(alliance_id, sponsor_id, counterpart_id, seen_on) VALUES (?, ?, ?, ?)",
            [(k, m.sponsor_id, m.counterpart_id, m.seen_on.isoformat()) for k, m in memory.items()],
        )

    # -- health over time (the sponsor brief's trend) ----------------------------------------------
    def health_history(self) -> dict[str, list[tuple[date, str]]]:
        found: dict[str, list[tuple[date, str]]] = {}
        for alliance_id, day, health in self.db.execute(
            "SELECT alliance_id, day, health FROM health_log ORDER BY alliance_id, day"
        ):
            found.setdefault(alliance_id, []).append((date.fromisoformat(day), health))
        return found

    def log_health(
        self, day: date, health: Mapping[str, str], history: Mapping[str, list[tuple[date, str]]]
    ) -> None:
        """Record each alliance's health on ``day`` where it differs from the last one in ``history``
        (what :meth:`health_history` returned at the start of this run, which holds the run lock)."""
        last = {k: v[-1][1] for k, v in history.items() if v}
        self.db.executemany(
            "INSERT OR REPLACE INTO health_log(alliance_id, day, health) VALUES (?, ?, ?)",
            [(k, day.isoformat(), h) for k, h in health.items() if last.get(k) != h],
        )

    # -- run history ---------------------------------------------------------------------------
    def start_run(self, mode: str, crm: str | None) -> int:
        row = self.db.execute(
            "INSERT INTO runs(started_at, mode, crm, outcome) VALUES (?, ?, ?, 'running') RETURNING id",
            (now_text(), mode, crm),
        ).fetchone()
        return int(row[0])

    def finish_run(
        self,
        run_id: int,
        outcome: str,
        exit_code: int,
        api_calls: int,
        counts: dict[str, Any],
        message: str | None,
    ) -> None:
        self.db.execute(
            "UPDATE runs SET ended_at = ?, outcome = ?, exit_code = ?, api_calls = ?, counts = ?, message = ? "
            "WHERE id = ?",
            (now_text(), outcome, exit_code, api_calls, json.dumps(counts), message, run_id),
        )

    def runs(self, limit: int = 20) -> list[RunRecord]:
        rows = self.db.execute(
            "SELECT id, started_at, ended_at, mode, crm, outcome, exit_code, api_calls, counts, message "
            "FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            RunRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8] or "{}"), r[9])
            for r in rows
        ]

    def mark_interrupted(self) -> None:
        """Runs still 'running' when a new one starts were killed: say so in the history."""
        self.db.execute(
            "UPDATE runs SET outcome = 'interrupted', ended_at = COALESCE(ended_at, ?) WHERE outcome = 'running'",
            (now_text(),),
        )
