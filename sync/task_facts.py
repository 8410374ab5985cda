"""What happened to the tasks sponsorsync wrote, pure: the ledger's record joined with the CRM's
copy, as one :class:`TaskFact` each (open, done, missed, not needed, deleted), for the portfolio's
figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.calendar import UTC_CALENDAR, Calendar
from sponsorsync.sync.ledger import CLOSED, DELETED, MISSED, LedgerEntry
from sponsorsync.sync.mirror import OwnTask

TaskState = Literal["open", "done", "missed", "not_needed", "deleted"]


@dataclass(frozen=True, slots=True)
class TaskFact:
    """One task sponsorsync wrote, as the ledger and the CRM have it now."""

    key: str
    rule: str
    alliance_id: str | None
    owner_id: str | None
    subject: str
    due: date | None
    state: TaskState
    # When it was done: the CRM's completion date (writeback.task.completed_at_field), else the date
    # of the sync that first saw it done (an upper bound).
    done_on: date | None = None
    # The day sponsorsync created it, where the state has it (not for tasks created before it kept it).
    opened_on: date | None = None


def completion_date(mapping: Mapping, task: OwnTask, calendar: Calendar) -> date | None:
    """The day the CRM says a task of ours was completed (``writeback.task.completed_at_field``),
    if it says, on the org's calendar."""
    field_name = mapping.writeback.task.completed_at_field
    return calendar.day(task.crm_values.get(field_name)) if field_name else None


def task_facts(
    entries: dict[str, LedgerEntry],
    own: dict[str, OwnTask],
    mapping: Mapping,
    done_on: dict[str, date] | None = None,
    calendar: Calendar = UTC_CALENDAR,
    opened_on: dict[str, date] | None = None,
) -> list[TaskFact]:
    """Every task the ledger recorded (or the CRM holds with our key), with its state now: done only
    when the CRM holds it completed with the completed status; missed as the ledger says. ``done_on``:
    for tasks without a CRM completion date, the date of the sync that saw them done. The CRM's
    dates are read on the org's ``calendar``; ``opened_on``: the day each task was created, where known."""
    task = mapping.writeback.task
    fields, values = task.fields, task.values
    seen = done_on or {}

    facts = []
    for key in sorted({k for k, e in entries.items() if e.kind == "task"} | own.keys()):
        entry = entries.get(key)
        crm = own.get(key)
        parts = key.split(":", 3)
        rule = (entry.rule if entry else None) or (parts[1] if len(parts) == 4 else "unknown")
        # A follow-up list (``ss1:escalation:@<person>:...``) is about no one alliance.
        in_key = parts[2] if len(parts) == 4 and not parts[2].startswith("@") else None
        alliance_id = (entry.alliance_id if entry else None) or in_key
        got = crm.crm_values if crm else {}
        state: TaskState
        status = _text(got.get(fields.status.field))
        if (entry and entry.status == DELETED) or (crm and crm.deleted):
            state = "deleted"
        elif entry and entry.status == MISSED:
            state = "missed"
        elif crm and crm.completed:
            state = "done" if status in (None, values.status_completed) else "not_needed"
        elif entry and entry.status == CLOSED:
            state = "not_needed"  # closed by us without a closed status (kept open with a note)
        else:
            state = "open"
        sent = entry.fields if entry else {}
        facts.append(
            TaskFact(
                key=key,
                rule=rule,
                alliance_id=alliance_id,
                owner_id=_text(got.get(fields.owner_id.field)) or _text(sent.get(fields.owner_id.field)),
                subject=_text(got.get(fields.subject.field)) or _text(sent.get(fields.subject.field)) or rule,
                due=calendar.day(
                    _text(got.get(fields.due_date.field)) or _text(sent.get(fields.due_date.field))
                ),
                state=state,
                done_on=((crm and completion_date(mapping, crm, calendar)) or seen.get(key))
                if state == "done"
                else None,
                opened_on=(opened_on or {}).get(key),
            )
        )
    return facts


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)
