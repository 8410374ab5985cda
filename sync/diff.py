"""Plan -> writes: compare the desired tasks and health values with what the CRM holds now (the
mirror) and what sponsorsync wrote before (the ledger), and keep only the difference.

- A desired task the CRM does not have is created.
- A desired task the CRM has and that is open and unedited is updated, field by field, under each
  field's overwrite rule; a task a person completed or edited is left alone, never reopened. Its due
  date is never updated: it was set when the task was created.
- An open task of ours whose condition cleared is closed with the status its outcome calls for
  (Completed only when the thing was done; else the mapping's closed-not-done status, or left open
  with a note when there is none) and a note saying why. A task a person edited is not closed: it
  gets one note and is listed as stale.
- Account health fields are written when they differ, under their overwrite rules.
- Text inserted into a rich-text field (``rich_text: true`` in the mapping, HubSpot's task body) is
  HTML-escaped, so no markup from partner data reaches a browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Any

from sponsorsync.connectors.base import JsonValue
from sponsorsync.connectors.timestamps import iso_utc
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.writeback import DUE_TIME, WriteField, encode
from sponsorsync.sync.calendar import UTC_CALENDAR, Calendar
from sponsorsync.sync.ledger import CLOSED, MISSED, OPEN, SETTLED, STALE, LedgerEntry
from sponsorsync.sync.mirror import OwnTask
from sponsorsync.sync.plan import AccountValues, Closure, DesiredTask, Plan

DATE_FIELDS = frozenset({"due_date", "last_touch"})
BOOLEAN_FIELDS = frozenset({"covered"})
CREATE_ONLY = frozenset({"due_date"})  # set when the task is created, never moved by sponsorsync


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
    ledger_status: str = ""  # what the ledger records once the CRM confirms (default: open / closed)


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
    notes: list[TaskWrite] = field(
        default_factory=list
    )  # a note on a task left open (stale, no closed status)
    adopt: list[LedgerEntry] = field(default_factory=list)  # ours in the CRM but not in the ledger
    left_alone: dict[str, int] = field(default_factory=dict)

    def count(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.closes) + len(self.notes) + len(self.accounts)


def format_value(
    crm: str, canonical: str, value: Any, calendar: Calendar = UTC_CALENDAR, due_time: time = DUE_TIME
) -> JsonValue:
    """A canonical value as the CRM field wants it. HubSpot's due date (``hs_timestamp``) is a date
    and time, shown in the account's time zone: the due day at ``due_time`` on the org's calendar,
    so the task shows as due on its day (midnight UTC is the evening before in the Americas)."""
    if isinstance(value, date):
        if crm == "hubspot" and canonical == "due_date":
            return iso_utc(calendar.at(value, due_time))
        return value.isoformat()
    if isinstance(value, bool) and crm == "hubspot":
        return "true" if value else "false"  # a bool property takes the option values as text
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def same(canonical: str, a: Any, b: Any, calendar: Calendar = UTC_CALENDAR) -> bool:
    """Whether two values of a field are the same to its reader: dates and due dates by their day on
    the org's calendar, checkboxes by truth, text without surrounding blanks."""
    if canonical in BOOLEAN_FIELDS:
        return _truth(a) == _truth(b)
    if canonical in DATE_FIELDS:
        return calendar.day(a or None) == calendar.day(b or None)
    return ("" if a is None else str(a).strip()) == ("" if b is None else str(b).strip())


def _truth(value: Any) -> bool:
    """A checkbox value as the CRMs return it (Salesforce true/false, HubSpot "true"/"false"/empty)."""
    return value is True or str(value).strip().lower() == "true"


def confirm_sent(
    mapping: Mapping,
    entries: dict[str, LedgerEntry],
    own: dict[str, OwnTask],
    calendar: Calendar = UTC_CALENDAR,
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
            same(names.get(name, ""), task.crm_values.get(name), value, calendar)
            for name, value in sent.items()
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
        self,
        mapping: Mapping,
        ledger: dict[str, LedgerEntry],
        own: dict[str, OwnTask],
        stamp_text: str,
        integration_user: str | None = None,
        calendar: Calendar = UTC_CALENDAR,
    ) -> None:
        self.mapping = mapping
        self.calendar = calendar
        self.crm = mapping.crm
        self.ledger = ledger
        self.own = own
        self.stamp = stamp_text
        self.task = mapping.writeback.task
        self.wording = mapping.templates.wording()
        self.integration_user = integration_user

    def diff(self, plan: Plan, alliances_current: dict[str, dict[str, Any]]) -> WritePlan:
        writes = WritePlan()
        for desired in plan.tasks:
            self._task(desired, writes)
        for closure in plan.closures:
            self._close(closure, plan.today, writes)
        if self.mapping.writeback.account is not None:
            for values in plan.accounts:
                write = self._account(values, alliances_current.get(values.account_id, {}))
                if write is not None:
                    writes.accounts.append(write)
        return writes

    # -- tasks ---------------------------------------------------------------------------------
    def _close(self, closure: Closure, today: date, writes: WritePlan) -> None:
        own = self.own[closure.key]
        entry = self.ledger.get(closure.key)
        if entry is not None and entry.status in SETTLED:
            if entry.status == STALE:
                _count(writes, "stale_edited_by_a_person")
            return
        values = self.task.values
        edited = self._edited(entry, own)
        if edited:
            note_kind, status, ledger_status, action = "stale", None, STALE, "note"
        elif closure.outcome == "done":
            note_kind, status, ledger_status, action = "done", values.status_completed, CLOSED, "close"
        elif values.status_not_needed is None:
            note_kind, status, ledger_status, action = "kept_open", None, CLOSED, "note"
        else:
            note_kind = closure.outcome
            status, ledger_status, action = (
                values.status_not_needed,
                (MISSED if closure.outcome == "missed" else CLOSED),
                "close",
            )
        fields: dict[str, JsonValue] = {}
        if status is not None:
            fields[self.task.fields.status.field] = status
        body = self.task.fields.body
        if body is not None:
            current = str(own.crm_values.get(body.field) or "")
            # The note is a write to the body like any other: only where its overwrite rule allows.
            if body.overwrite == "always" or (body.overwrite == "if_blank" and not current):
                note = encode(
                    body,
                    self.wording.render("close", note_kind, today=today.isoformat(), reason=closure.reason),
                )
                separator = "<br><br>" if body.rich_text else "\n\n"
                fields[body.field] = (f"{current}{separator}{note}" if current else note)[:30_000]
        if not fields:
            _count(writes, "stale_edited_by_a_person" if edited else "no_closed_status")
            return
        if self.task.stamp_field and not edited:
            fields[self.task.stamp_field] = self.stamp
        if edited:
            writes.left_alone["stale_edited_by_a_person"] = (
                writes.left_alone.get("stale_edited_by_a_person", 0) + 1
            )
        target = writes.closes if action == "close" else writes.notes
        target.append(
            TaskWrite(closure.key, action, closure.rule, entry.alliance_id if entry else None, None, own.id, fields,
                      summary=f"{closure.outcome}: {closure.reason}", ledger_status=ledger_status)
        )  # fmt: skip

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
        wanted: dict[str, tuple[WriteField, JsonValue]] = {}
        for name, spec in self.task.fields.items():
            value = canonical[name]
            if (name == "contact_id" and value is None) or (name == "account_id" and not value):
                continue  # a task about no contact, or about no one account (a follow-up list)
            if name in ("subject", "body") and isinstance(value, str):
                value = encode(spec, value)
            wanted[name] = (spec, format_value(self.crm, name, value, self.calendar, self.task.due_time))
        return wanted

    def _associations(self, desired: DesiredTask) -> tuple[tuple[str, str, int], ...]:
        links = self.task.associations
        found = []
        if links.contact is not None and desired.contact_id:
            found.append((links.contact.to, desired.contact_id, links.contact.type_id))
        if links.account is not None and desired.account_id:
            found.append((links.account.to, desired.account_id, links.account.type_id))
        if desired.related is not None:
            kind, record_id = desired.related
            link = links.case if kind == "case" else links.deal if kind == "deal" else None
            if link is not None:
                found.append((link.to, record_id, link.type_id))
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
            if name == "status" or name in CREATE_ONLY or same(name, current, value, self.calendar):
                continue
            if name == "body" and desired.body_once:  # a dated snapshot, written on creation only
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
        if entry is None:
            # Not in the ledger: written just before a crash (adopt it as ours), or the state was
            # lost. The CRM itself says who changed the task last: a person's change is theirs.
            return self._changed_by_a_person(own)
        if entry.status == CLOSED:
            return False
        names = {spec.field: name for name, spec in self.task.fields.items()}
        for crm_field, written in entry.fields.items():
            if crm_field == self.task.stamp_field or crm_field not in own.crm_values:
                continue
            if not same(names.get(crm_field, ""), own.crm_values.get(crm_field), written, self.calendar):
                return True
        return False

    def _changed_by_a_person(self, own: OwnTask) -> bool:
        field_name = self.task.modified_by_field
        if field_name is None:
            return False
        who = own.crm_values.get(field_name)
        if who in (None, ""):
            return False  # HubSpot: changes through the app's token carry no user
        return self.integration_user is None or str(who) != self.integration_user

    # -- accounts ------------------------------------------------------------------------------
    def _account(self, values: AccountValues, current: dict[str, Any]) -> AccountWrite | None:
        account = self.mapping.writeback.account
        assert account is not None
        wanted: dict[str, Any] = {
            "health": getattr(account.fields.health.values, values.health) if account.fields.health else None,
            "last_touch": values.last_touch,
            "health_reason": values.health_reason[:255],
            "covered": values.covered,
        }
        changes: dict[str, JsonValue] = {}
        for name, spec in account.fields.items():
            value = wanted[name]
            if value is None:
                continue  # never blank a field out (e.g. no touch yet)
            formatted = format_value(self.crm, name, value, self.calendar)
            existing = current.get(spec.field)
            if same(name, existing, formatted, self.calendar) or spec.overwrite == "never":
                continue
            if spec.overwrite == "if_blank" and existing not in (None, ""):
                continue
            changes[spec.field] = formatted
        if not changes:
            return None
        if account.stamp_field:
            changes[account.stamp_field] = self.stamp
        return AccountWrite(values.account_id, changes)


def _count(writes: WritePlan, why: str) -> None:
    writes.left_alone[why] = writes.left_alone.get(why, 0) + 1
