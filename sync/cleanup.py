"""``sponsorsync cleanup plan|apply [--delete]``: take back what sponsorsync wrote.

- Every OPEN task carrying a sync key is closed with the mapping's ``status_not_needed`` (a closed
  status that does not mean done), or deleted with ``--delete``. The tasks are found in the CRM by a
  query on the key field, not from local state, so cleanup works with a lost state directory. With
  no ``status_not_needed`` and no ``--delete`` they are left open and listed: marking them
  Completed would say someone did work nobody did.
- The account fields sponsorsync wrote (``writeback.account``) are cleared where the CRM still holds
  the value sponsorsync wrote last (the ledger in the state). A value a person changed since, or one
  the state has no record of, is left and listed.

:func:`plan_cleanup` is pure; :func:`apply_cleanup` sends the plan through the connector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sponsorsync.connectors.base import JsonValue, Record, WriteItem, WriteResult
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.ledger import LedgerEntry


@dataclass(frozen=True)
class TaskAction:
    id: str
    key: str
    subject: str | None


@dataclass(frozen=True)
class FieldClear:
    account_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Left:
    what: str  # "Task 00T... (key ...)" / "Account 001....Sponsor_Health__c"
    why: str


@dataclass
class CleanupPlan:
    task_object: str
    account_object: str | None
    delete: bool
    close_status: str | None
    tasks: list[TaskAction] = field(default_factory=list)
    clears: list[FieldClear] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.tasks and not self.clears

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": {
                "action": "delete" if self.delete else f"close as {self.close_status}",
                "object": self.task_object,
                "records": [{"id": t.id, "key": t.key, "subject": t.subject} for t in self.tasks],
            },
            "account_fields": [{"id": c.account_id, "fields": list(c.fields)} for c in self.clears],
            "left": [{"what": x.what, "why": x.why} for x in self.left],
        }


def task_fields(mapping: Mapping) -> list[str]:
    """What cleanup reads of each keyed task: the key, status and subject fields."""
    fields = mapping.writeback.task.fields
    return [mapping.writeback.task.key_field, fields.status.field, fields.subject.field]


def account_fields(mapping: Mapping) -> list[str]:
    """The account fields sponsorsync writes (its stamp included)."""
    account = mapping.writeback.account
    if account is None:
        return []
    names = [spec.field for _, spec in account.fields.items()]
    return [*names, *([account.stamp_field] if account.stamp_field else [])]


def plan_cleanup(
    mapping: Mapping,
    keyed_tasks: Sequence[Record],
    accounts: Sequence[Record],
    ledger: Iterable[LedgerEntry],
    *,
    delete: bool,
) -> CleanupPlan:
    """What cleanup does: ``keyed_tasks`` are the CRM's tasks with a sync key, ``accounts`` the CRM's
    accounts holding a value in any field of :func:`account_fields`, ``ledger`` the state's entries."""
    task = mapping.writeback.task
    values = task.values
    closed = {values.status_completed, *filter(None, [values.status_not_needed])}
    account = mapping.writeback.account
    plan = CleanupPlan(
        task.object, account.object if account else None, delete, None if delete else values.status_not_needed
    )
    status_field, subject_field = task.fields.status.field, task.fields.subject.field
    for record in sorted(keyed_tasks, key=lambda r: r.id):
        if record.fields.get(status_field) in closed:
            continue
        key = str(record.fields.get(task.key_field))
        subject = record.fields.get(subject_field)
        if not delete and values.status_not_needed is None:
            plan.left.append(
                Left(
                    f"{task.object} {record.id} ({key})",
                    "open: the mapping has no writeback.task.values.status_not_needed, and marking it "
                    f"{values.status_completed} would say someone did it; use --delete, or set "
                    "status_not_needed",
                )
            )
            continue
        plan.tasks.append(TaskAction(record.id, key, None if subject is None else str(subject)))
    plan.clears, left = _account_clears(mapping, accounts, ledger)
    plan.left += left
    return plan


def _account_clears(
    mapping: Mapping, accounts: Sequence[Record], ledger: Iterable[LedgerEntry]
) -> tuple[list[FieldClear], list[Left]]:
    account = mapping.writeback.account
    if account is None:
        return [], []
    written: dict[str, dict[str, Any]] = {}
    for entry in ledger:
        if entry.kind == "account" and entry.crm_id:
            written.setdefault(entry.crm_id, {}).update(entry.fields)
    clears: list[FieldClear] = []
    left: list[Left] = []
    names = account_fields(mapping)
    for record in sorted(accounts, key=lambda r: r.id):
        ours = written.get(record.id)
        cleared: list[str] = []
        for name in names:
            current = record.fields.get(name)
            if _blank(current):
                continue
            where = f"{account.object} {record.id} {name}"
            if ours is None or name not in ours:
                left.append(Left(where, "the state has no record of sponsorsync writing it: left as it is"))
            elif _same(current, ours[name]):
                cleared.append(name)
            else:
                left.append(Left(where, "changed by a person since sponsorsync wrote it: left as it is"))
        if cleared:
            clears.append(FieldClear(record.id, tuple(cleared)))
    return clears, left


def _blank(value: JsonValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same(current: JsonValue, written: Any) -> bool:
    """The CRM's value is the one written (dates compared as dates: a CRM may add a time part)."""
    a, b = str(current).strip(), str(written).strip()
    if a == b:
        return True
    return len(b) == 10 and b[4:5] == "-" and a[:10] == b and a[10:11] in ("T", " ")


@dataclass
class CleanupResult:
    tasks_done: int = 0
    fields_cleared: int = 0
    refused: list[WriteResult] = field(default_factory=list)


def apply_cleanup(
    plan: CleanupPlan,
    mapping: Mapping,
    update: Callable[[str, Sequence[WriteItem]], Iterator[list[WriteResult]]],
    delete: Callable[[str, Sequence[str]], list[WriteResult]],
) -> CleanupResult:
    result = CleanupResult()
    if plan.tasks:
        if plan.delete:
            answers = [delete(plan.task_object, [t.id for t in plan.tasks])]
        else:
            status = mapping.writeback.task.fields.status.field
            items = [WriteItem(t.id, {status: plan.close_status}) for t in plan.tasks]
            answers = list(update(plan.task_object, items))
        for batch in answers:
            result.tasks_done += sum(1 for r in batch if r.ok)
            result.refused += [r for r in batch if not r.ok]
    if plan.clears and plan.account_object:
        by_id = {c.account_id: c for c in plan.clears}
        items = [WriteItem(c.account_id, dict.fromkeys(c.fields)) for c in plan.clears]
        for batch in update(plan.account_object, items):
            result.fields_cleared += sum(len(by_id[r.key].fields) for r in batch if r.ok)
            result.refused += [r for r in batch if not r.ok]
    return result
