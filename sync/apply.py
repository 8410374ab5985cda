"""Apply: send the write plan to the CRM in the largest batches the API allows, and record each
batch in the ledger (and the mirror) in one transaction as soon as the CRM confirms it. Killed at
any moment and run again, a run finds in the ledger or, failing that, in the CRM itself (upsert by
sync key) everything already written: nothing is duplicated, nothing lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sponsorsync.connectors.base import Connector, WriteItem, WriteResult
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.diff import TaskWrite, WritePlan
from sponsorsync.sync.ledger import ACCOUNT, CLOSED, DELETED, OPEN, Ledger, LedgerEntry
from sponsorsync.sync.mirror import Mirror, Row
from sponsorsync.sync.store import StateStore

Progress = Callable[[str, int], None]  # (phase, records done)
#: Error codes that mean the record is not there any more (a person deleted our task).
NOT_FOUND = frozenset({"NOT_FOUND", "OBJECT_NOT_FOUND", "ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"})


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    closed: int = 0
    noted: int = 0
    deleted: int = 0  # our tasks a person deleted, found when writing to them
    accounts: int = 0
    rejected: list[WriteResult] = field(default_factory=list)


class Applier:
    def __init__(
        self,
        connector: Connector,
        store: StateStore,
        mapping: Mapping,
        run_id: int,
        progress: Progress | None = None,
    ) -> None:
        self.connector = connector
        self.store = store
        self.ledger = Ledger(store)
        self.mirror = Mirror(store)
        self.mapping = mapping
        self.run_id = run_id
        self.progress = progress
        self.task = mapping.writeback.task

    def apply(self, writes: WritePlan, today: date) -> ApplyResult:
        result = ApplyResult()
        if writes.adopt:
            with self.store.transaction():
                self.ledger.record(writes.adopt)
        if writes.creates:
            items = [WriteItem(w.key, w.fields, w.associations) for w in writes.creates]
            batches = self.connector.upsert(self.task.object, self.task.key_field, items)
            result.created = len(self._tasks(batches, writes.creates, "create", today, result))
        updates = [*writes.updates, *writes.closes, *writes.notes]
        if updates:
            # Write ahead: if the run dies after the CRM made these changes and before the ledger
            # records them, the next run finds them here and does not take them for a person's edits.
            with self.store.transaction():
                self.ledger.mark_sent(
                    {w.key: {"action": w.action, "fields": self._recorded(w)} for w in updates}
                )
            by_id = {w.crm_id: w for w in updates}
            items = [WriteItem(str(w.crm_id), w.fields) for w in updates]
            batches = self._rekey(self.connector.update(self.task.object, items), by_id)
            done = self._tasks(batches, updates, "update", today, result)
            result.closed = sum(1 for w in writes.closes if w.key in done)
            result.noted = sum(1 for w in writes.notes if w.key in done)
            result.updated = len(done) - result.closed - result.noted
        if writes.accounts:
            result.accounts = self._accounts(writes, result)
        return result

    @staticmethod
    def _rekey(
        batches: Iterator[list[WriteResult]], by_id: dict[str | None, TaskWrite]
    ) -> Iterator[list[WriteResult]]:
        """Results of updates by id, keyed back to the sync key."""
        for results in batches:
            yield [
                WriteResult(by_id[r.key].key, r.ok, r.key, r.created, r.error_code, r.message)
                for r in results
            ]

    def _tasks(
        self,
        batches: Iterator[list[WriteResult]],
        writes: list[TaskWrite],
        phase: str,
        today: date,
        result: ApplyResult,
    ) -> set[str]:
        """Send task writes; returns the sync keys the CRM confirmed."""
        by_key = {w.key: w for w in writes}
        entries = self.ledger.entries()
        done: set[str] = set()
        for results in batches:
            ok = [r for r in results if r.ok]
            # Updating or closing a task of ours that a person deleted: record it deleted, no rejection.
            gone = [
                r
                for r in results
                if not r.ok and r.error_code in NOT_FOUND and by_key[r.key].action != "create"
            ]
            failed = [r for r in results if not r.ok and r not in gone]
            with self.store.transaction():
                records = []
                for r in gone:
                    write = by_key[r.key]
                    previous = entries.get(r.key)
                    records.append(
                        LedgerEntry(r.key, "task", self.task.object, write.crm_id, write.alliance_id, write.rule,
                                    DELETED, dict(previous.fields) if previous else {}, self.run_id)
                    )  # fmt: skip
                    if write.crm_id:
                        self.mirror.mark_deleted("activities", write.crm_id)
                result.deleted += len(gone)
                for r in ok:
                    write = by_key[r.key]
                    previous = entries.get(r.key)
                    fields = dict(previous.fields) if previous and write.action != "create" else {}
                    fields |= self._recorded(write)
                    records.append(
                        LedgerEntry(r.key, "task", self.task.object, r.id or write.crm_id, write.alliance_id,
                                    write.rule, write.ledger_status or (CLOSED if write.action == "close" else OPEN),
                                    fields, self.run_id)
                    )  # fmt: skip
                    self._mirror_task(write, r.id or write.crm_id, fields, today)
                    done.add(r.key)
                self.ledger.record(records)
                self.ledger.record_opened((r.key for r in ok if by_key[r.key].action == "create"), today)
                self.ledger.clear_rejections(r.key for r in [*ok, *gone])
                self.ledger.reject(self.run_id, self.task.object, failed)
            result.rejected.extend(failed)
            if self.progress:
                self.progress(phase, len(done))
        return done

    def _recorded(self, write: TaskWrite) -> dict[str, object]:
        """The fields of a task write the ledger keeps (everything but the provenance stamp)."""
        return {k: v for k, v in write.fields.items() if k != self.task.stamp_field}

    def _mirror_task(
        self, write: TaskWrite, crm_id: str | None, fields: dict[str, object], today: date
    ) -> None:
        """Keep the mirror in step with what was just written, so the next run knows the task even
        if the CRM's search index has not caught up with it yet."""
        if crm_id is None:
            return
        closed = write.action == "close"
        if write.action == "create":
            values = {
                "kind": "task",
                "owner_id": write.owner_id,
                "account_id": write.alliance_id or None,
                "occurred_at": today.isoformat(),
                "completed": False,
                "subject": write.summary,
                "sync_key": write.key,
            }
            self.mirror.write(
                "activities", self.task.object, [Row(crm_id, values, extra=dict(fields))], self.run_id
            )
        else:
            self.mirror.merge_task(crm_id, dict(write.fields), completed=closed)

    def _accounts(self, writes: WritePlan, result: ApplyResult) -> int:
        account = self.mapping.writeback.account
        assert account is not None
        by_id = {w.account_id: w for w in writes.accounts}
        items = [WriteItem(w.account_id, w.fields) for w in writes.accounts]
        done = 0
        for results in self.connector.update(account.object, items):
            ok = [r for r in results if r.ok]
            failed = [r for r in results if not r.ok]
            with self.store.transaction():
                self.ledger.record(
                    LedgerEntry(f"account:{r.key}", "account", account.object, r.key, r.key, "health", ACCOUNT,
                                dict(by_id[r.key].fields), self.run_id)
                    for r in ok
                )  # fmt: skip
                for r in ok:
                    self.mirror.patch_account_extra(r.key, dict(by_id[r.key].fields))
                self.ledger.clear_rejections(f"account:{r.key}" for r in ok)
                self.ledger.reject(
                    self.run_id,
                    account.object,
                    [
                        WriteResult(f"account:{r.key}", r.ok, r.id, r.created, r.error_code, r.message)
                        for r in failed
                    ],
                )
            result.rejected.extend(failed)
            done += len(ok)
            if self.progress:
                self.progress("accounts", done)
        return done
