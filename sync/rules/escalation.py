"""The escalation ladder: a task overdue by a step's ``after_days_overdue`` gets one task for the
next person up (the owner's manager, the alliance manager, the sponsor or a named person).

Each step is its own keyed task (``ss1:escalation:<alliance>:<step>:<rule>:<anchor of the original>``),
created once, due ``task_due_days`` later, and closed when the original is: as done when the
original was completed or what it asked for happened, as not needed otherwise (saying when the
original was missed). A step whose person is missing, inactive, the
original's owner or already on an earlier step passes to the next step, at its own day. The due date
the ladder counts from is the one in the CRM: a person who moves the original's due date moves the
ladder with it."""

from __future__ import annotations

from typing import Any

from sponsorsync.connectors.timestamps import to_date
from sponsorsync.mappings.policy import EscalationStep
from sponsorsync.sync.model import Person
from sponsorsync.sync.rules.base import Close, Context, Want, make_key

NAME = "escalation"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = False


def _person(ctx: Context, step: EscalationStep, owner: Person | None) -> Person | None:
    users = ctx.org.users
    if step.to == "owner_manager":
        return users.get(owner.manager_id or "") if owner else None
    if step.to == "alliance_manager":
        return users.get(ctx.alliance.owner_id or "")
    if step.to == "sponsor":
        return ctx.sponsor
    wanted = (step.email or "").casefold()
    return next((p for p in users.values() if (p.email or "").casefold() == wanted), None)


def ladder(ctx: Context, rule: str, owner: Person | None) -> list[tuple[int, int, Person | None]]:
    """(step number, days overdue it fires at, person or None) for a task of ``rule`` owned by ``owner``."""
    found: list[tuple[int, int, Person | None]] = []
    carry: int | None = None
    from sponsorsync.sync.rules import REGISTRY

    seen = {owner.id} if owner else set()
    if REGISTRY[rule].SPONSOR_IS_SUBJECT and ctx.sponsor is not None:
        seen.add(ctx.sponsor.id)  # "check in with Elena" never climbs to Elena
    for number, step in enumerate(ctx.mapping.cadence.escalation.steps, 1):
        if step.rules is not None and rule not in step.rules:
            continue
        threshold = step.after_days_overdue if carry is None else carry
        person = _person(ctx, step, owner)
        if person is None or not person.active or person.id in seen:
            carry = threshold
            found.append((number, threshold, None))
            continue
        carry = None
        seen.add(person.id)
        found.append((number, threshold, person))
    return found


def decide(ctx: Context) -> list[Want]:
    from sponsorsync.sync.rules import parse_key

    task = ctx.mapping.writeback.task
    fields = task.fields
    wants = []
    for key in sorted(ctx.desired):
        parsed = parse_key(key)
        own = ctx.org.own_tasks.get(key)
        if parsed is None or parsed[0] == NAME or own is None or own.completed or own.deleted:
            continue
        rule, _, anchor = parsed
        due = to_date(_text(own.crm_values.get(fields.due_date.field)))
        if due is None:
            continue
        overdue = (ctx.today - due).days
        owner = ctx.org.users.get(_text(own.crm_values.get(fields.owner_id.field)) or "")
        subject = _text(own.crm_values.get(fields.subject.field)) or rule
        for number, threshold, person in ladder(ctx, rule, owner):
            if overdue < threshold:
                break
            if person is None:
                continue
            values: dict[str, Any] = {
                "original_subject": subject,
                "original_owner": owner.name if owner else "nobody",
                "original_due": due.isoformat(),
                "after_days": threshold,
                "step_person": person.name,
                # The sponsor hearing that the update meant for them is late: worded to them, not
                # "Send <them> the update" in the third person.
                "your_update": rule == "sponsor_update" and person.id == getattr(ctx.sponsor, "id", None),
            }
            wants.append(Want(f"{number}:{rule}:{anchor}", person, values))
    return wants


def close(ctx: Context, anchor: str) -> Close:
    _, rule, original_anchor = ([*anchor.split(":", 2), "", ""])[:3]
    key = make_key(rule, ctx.alliance.id, original_anchor)
    original = ctx.org.own_tasks.get(key)
    if original is not None and original.completed:
        status = _text(original.crm_values.get(ctx.mapping.writeback.task.fields.status.field))
        if status is None or status == ctx.mapping.writeback.task.values.status_completed:
            return Close("done", "original_done")
        return Close("not_needed", "original_closed")
    # Gone, closed by an earlier run, or no longer wanted (this run ends it).
    gone = original is None or original.deleted
    if gone or key in ctx.closed_by_us or key not in ctx.desired:
        if not gone and key not in ctx.closed_by_us:
            # This run ends the original: say how, without claiming it is closed (a task a person
            # edited only gets a note).
            from sponsorsync.sync.rules import REGISTRY

            outcome = REGISTRY[rule].close(ctx, original_anchor).outcome if rule in REGISTRY else None
            if outcome == "done":
                return Close("done", "original_achieved")
            if outcome == "missed":
                return Close("not_needed", "original_missed")
        return Close("not_needed", "original_closed")
    return Close("not_needed", "situation_changed")


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)
