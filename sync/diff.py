"""Plan -> writes: compare the desired tasks and health values with what the CRM holds now (the
mirror) and what sponsorsync wrote before (the ledger), and keep only the difference.

- A desired task the CRM does not have is created.
- A desired task the CRM has and that is open and unedited is updated, field by field, under each
  field's overwrite rule; a task a person completed or edited is left alone, never reopened.
- An open task of ours whose condition cleared is closed, with a note saying why (unless a person
  edited it).
- Account health fields are written when they differ, under their overwrite rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from connectors.base import JsonValue
from connectors.timestamps import to_date
from mappings.model import Mapping
from mappings.writeback import WriteField
from sync.ledger import CLOSED, OPEN, LedgerEntry
from sync.mirror import OwnTask
from sync.plan import AccountValues, DesiredTask, Plan

DATE_FIELDS = frozenset({"due_date", "last_touch"})


@dataclass(frozen=True, slots=True)
class TaskWrite:
    key: str
    action: str  # create | update | close
    rule: str
    alliance_id: str | None
    owner_id: str | None
    crm_id: str | None
    fields: dict[str, JsonValue]  # CRM field -> value to send
    associations: tuple[tuple[str, str, int], ...] = ()
    summary: str = ""


@dataclass(frozen=True, slots=True)
class AccountWrite:
    account_id: str
    fields: dict[str, JsonValue]


@dataclass
class WritePlan:
    creates: list[TaskWrite] = field(default_factory=list)
    updates: list[TaskWrite] = field(default_factory=list)
    closes: list[TaskWrite] = field(default_factory=list)
    accounts: list[AccountWrite] = field(default_factory=list)
    adopt: list[LedgerEntry] = field(default_factory=list)  # ours in the CRM but not in the ledger
    left_alone: dict[str, int] = field(default_factory=dict)

    def count(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.closes) + len(self.accounts)


def format_value(crm: str, canonical: str, value: Any) -> JsonValue:
    """A canonical value as the CRM field wants it."""
    if isinstance(value, date):
        if crm == "hubspot" and canonical == "due_date":
            return f"{value.isoformat()}T00:00:00.000Z"  # hs_timestamp is a datetime property
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def same(canonical: str, a: Any, b: Any) -> bool:
    if canonical in DATE_FIELDS:
        return to_date(str(a) if a else None) == to_date(str(b) if b else None)
    return ("" if a is None else str(a).strip()) == ("" if b is None else str(b).strip())


def confirm_sent(
    mapping: Mapping, entries: dict[str, LedgerEntry], own: dict[str, OwnTask]
) -> list[LedgerEntry]:
    """Settle the writes an earlier run sent but was killed before recording: the CRM decides.

    Where the task holds every value sent, the write landed and becomes what the ledger records (a
    close closes the entry), so it is not mistaken for a person's edit. Otherwise it never landed, or
    a person has changed the task since; the entry stays as recorded and the diff judges the task as
    usual. Either way the entry is no longer marked sent."""
    names = {spec.field: name for name, spec in mapping.writeback.task.fields.items()}
    settled = []
    for entry in entries.values():
        if entry.sent is None:
            continue
        task = own.get(entry.sync_key)
        sent: dict[str, Any] = entry.sent.get("fields") or {}
        landed = task is not None and all(
            same(names.get(name, ""), task.crm_values.get(name), value) for name, value in sent.items()
        )
        if landed:
            status = CLOSED if entry.sent.get("action") == "close" else entry.status
            settled.append(replace(entry, fields=entry.fields | sent, status=status, sent=None))
        else:
            settled.append(replace(entry, sent=None))
    return settled


def stamp(mapping: Mapping, version: str, run_id: int, when: str) -> str:
    return f"{mapping.writeback.provenance} {version} run {run_id} {when}"[:255]


class Differ:
    def __init__(
        self, mapping: Mapping, ledger: dict[str, LedgerEntry], own: dict[str, OwnTask], stamp_text: str
    ) -> None:
        self.mapping = mapping
        self.crm = mapping.crm
        self.ledger = ledger
        self.own = own
        self.stamp = stamp_text
        self.task = mapping.writeback.task

    def diff(self, plan: Plan, alliances_current: dict[str, dict[str, Any]]) -> WritePlan:
        writes = WritePlan()
        for desired in plan.tasks:
            self._task(desired, writes)
        for closure in plan.closures:
            own = self.own[closure.key]
            entry = self.ledger.get(closure.key)
            if self._edited(entry, own):
                writes.left_alone["edited_by_a_person"] = writes.left_alone.get("edited_by_a_person", 0) + 1
                continue
            fields: dict[str, JsonValue] = {self.task.fields.status.field: self.task.values.status_completed}
            body = self.task.fields.body
            if body is not None:
                current = own.crm_values.get(body.field) or ""
                # The note is a write to the body like any other: only where its overwrite rule allows.
                if body.overwrite == "always" or (body.overwrite == "if_blank" and not current):
                    note = f"Closed by sponsorsync on {plan.today.isoformat()}: {closure.reason}."
                    fields[body.field] = (f"{current}\n\n{note}" if current else note)[:30_000]
            if self.task.stamp_field:
                fields[self.task.stamp_field] = self.stamp
            writes.closes.append(
                TaskWrite(closure.key, "close", closure.rule, entry.alliance_id if entry else None, None, own.id, fields,
                          summary=f"close: {closure.reason}")
            )  # fmt: skip
        if self.mapping.writeback.account is not None:
            for values in plan.accounts:
                write = self._account(values, alliances_current.get(values.account_id, {}))
                if write is not None:
                    writes.accounts.append(write)
        return writes

    # -- tasks ---------------------------------------------------------------------------------
    def _desired_fields(self, desired: DesiredTask) -> dict[str, tuple[WriteField, JsonValue]]:
        values = self.task.values
        canonical: dict[str, Any] = {
            "subject": desired.subject,
            "body": desired.body,
            "due_date": desired.due,
            "owner_id": desired.owner_id,
            "status": values.status_open,
            "priority": values.priority_high if desired.priority == "high" else values.priority_normal,
            "contact_id": desired.contact_id,
            "account_id": desired.account_id,
        }
        return {
            name: (spec, format_value(self.crm, name, canonical[name]))
            for name, spec in self.task.fields.items()
            if not (name == "contact_id" and canonical[name] is None)
        }

    def _associations(self, desired: DesiredTask) -> tuple[tuple[str, str, int], ...]:
        links = self.task.associations
        found = []
        if links.contact is not None and desired.contact_id:
            found.append((links.contact.to, desired.contact_id, links.contact.type_id))
        if links.account is not None:
            found.append((links.account.to, desired.account_id, links.account.type_id))
        return tuple(found)

    def _task(self, desired: DesiredTask, writes: WritePlan) -> None:
        wanted = self._desired_fields(desired)
        own = self.own.get(desired.key)
        entry = self.ledger.get(desired.key)
        if own is None or own.deleted:
            if own is not None and own.deleted:
                writes.left_alone["deleted_by_a_person"] = writes.left_alone.get("deleted_by_a_person", 0) + 1
                return
            fields = {spec.field: value for spec, value in wanted.values()}
            if self.task.stamp_field:
                fields[self.task.stamp_field] = self.stamp
            writes.creates.append(
                TaskWrite(desired.key, "create", desired.rule, desired.alliance_id, desired.owner_id, None, fields,
                          self._associations(desired), desired.subject)
            )  # fmt: skip
            return
        if own.completed:
            writes.left_alone["completed"] = writes.left_alone.get("completed", 0) + 1
            return
        if self._edited(entry, own):
            writes.left_alone["edited_by_a_person"] = writes.left_alone.get("edited_by_a_person", 0) + 1
            return
        if entry is None:
            # Written by an earlier run that stopped before recording it: adopt it with what it holds.
            managed = {spec.field: own.crm_values.get(spec.field) for spec, _ in wanted.values()}
            writes.adopt.append(
                LedgerEntry(desired.key, "task", self.task.object, own.id, desired.alliance_id, desired.rule,
                            OPEN, managed)
            )  # fmt: skip
        changes: dict[str, JsonValue] = {}
        for name, (spec, value) in wanted.items():
            current = own.crm_values.get(spec.field)
            if name == "status" or same(name, current, value):
                continue
            if spec.overwrite == "always" or (spec.overwrite == "if_blank" and current in (None, "")):
                changes[spec.field] = value
        if not changes:
            return
        if self.task.stamp_field:
            changes[self.task.stamp_field] = self.stamp
        writes.updates.append(
            TaskWrite(desired.key, "update", desired.rule, desired.alliance_id, desired.owner_id, own.id, changes,
                      summary=desired.subject)
        )  # fmt: skip

    def _edited(self, entry: LedgerEntry | None, own: OwnTask) -> bool:
        """True when a field sponsorsync wrote now holds something else (a person changed it)."""
        if entry is None or entry.status == CLOSED:
            return False  # not in the ledger (e.g. written just before a crash): adopt it as ours
        names = {spec.field: name for name, spec in self.task.fields.items()}
        for crm_field, written in entry.fields.items():
            if crm_field == self.task.stamp_field or crm_field not in own.crm_values:
                continue
            if not same(names.get(crm_field, ""), own.crm_values.get(crm_field), written):
                return True
        return False

    # -- accounts ------------------------------------------------------------------------------
    def _account(self, values: AccountValues, current: dict[str, Any]) -> AccountWrite | None:
        account = self.mapping.writeback.account
        assert account is not None
        wanted: dict[str, Any] = {
            "health": getattr(account.fields.health.values, values.health) if account.fields.health else None,
            "last_touch": values.last_touch,
            "health_reason": values.health_reason[:255],
        }
        changes: dict[str, JsonValue] = {}
        for name, spec in account.fields.items():
            value = wanted[name]
            if value is None:
                continue  # never blank a field out (e.g. no touch yet)
            formatted = format_value(self.crm, name, value)
            existing = current.get(spec.field)
            if same(name, existing, formatted) or spec.overwrite == "never":
                continue
            if spec.overwrite == "if_blank" and existing not in (None, ""):
                continue
            changes[spec.field] = formatted
        if not changes:
            return None
        if account.stamp_field:
            changes[account.stamp_field] = self.stamp
        return AccountWrite(values.account_id, changes)
