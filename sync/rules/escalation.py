"""The escalation ladder: a task overdue by a step's ``after_working_days_overdue`` (or calendar
``after_days_overdue``) reaches the next person up (the owner's manager, the alliance manager, the
sponsor or a named person).

Each person gets one follow-up list per owner they are to follow up with, across alliances: the
overdue tasks of that owner which reached them on the ladder (``decide`` gives one :class:`Want`
per overdue task and step; :func:`followups` groups them). A list is one keyed task,
``ss1:escalation:@<person>:<owner>:<day it was opened>``, due ``task_due_days`` after it is opened
(never moved). It is kept current: a task that reaches the step later joins it, a task that is
closed leaves it, and it closes as not needed when none is left (it never claims the follow-up
happened). A list the person closes or deletes themselves stays closed: only tasks that reach the
step after the day they closed it start a new one. With a single task in it, it reads as before the
lists: "Overdue since <due>: <subject>".

A step whose person is missing, inactive, the original's owner or already on an earlier step passes
to the next step, from the day the skipped step would have come. Days overdue are working days
(``cadence.working_days`` less holidays) for ``after_working_days_overdue``, calendar days for
``after_days_overdue``. The due date the ladder counts from is the one in the CRM: a person who
moves the original's due date moves the ladder with it.

Escalations written one per overdue task by earlier versions
(``ss1:escalation:<alliance>:<step>:<rule>:<anchor>``) stay open as they are while their task is
overdue (:func:`earlier_escalation`; the task is not listed as well) and close with it, as before."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.policy import EscalationStep
from sponsorsync.sync.calendar import Calendar
from sponsorsync.sync.mirror import OwnTask
from sponsorsync.sync.model import Org, Person
from sponsorsync.sync.rules.base import Close, Context, Want, make_key
from sponsorsync.sync.task_facts import completion_date

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


@dataclass(frozen=True, slots=True)
class Rung:
    """One step of the ladder for one overdue task: from which day it reaches whom (None: nobody,
    it passes on), after how many days overdue, counted in working days or calendar days."""

    number: int
    fires_on: date
    days: int
    working: bool
    person: Person | None


def ladder(ctx: Context, rule: str, owner: Person | None, due: date) -> list[Rung]:
    """The steps a task of ``rule`` owned by ``owner`` and due on ``due`` climbs, in order. A step's
    day is ``due`` plus its days overdue: working days (``cadence.working_days`` less holidays, so a
    weekend or a shutdown does not count against the owner) or calendar days, as the step says. A
    step that passes on hands its day to the next one."""
    found: list[Rung] = []
    carry: Rung | None = None
    from sponsorsync.sync.rules import REGISTRY

    seen = {owner.id} if owner else set()
    if REGISTRY[rule].SPONSOR_IS_SUBJECT and ctx.sponsor is not None:
        seen.add(ctx.sponsor.id)  # "check in with Elena" never climbs to Elena
    for number, step in enumerate(ctx.mapping.cadence.escalation.steps, 1):
        if step.rules is not None and rule not in step.rules:
            continue
        if carry is None:
            fires_on = ctx.week.after(due, step.days) if step.working else due + timedelta(days=step.days)
            rung = Rung(number, fires_on, step.days, step.working, None)
        else:
            rung = replace(carry, number=number)  # the passed-on step's day and count
        person = _person(ctx, step, owner)
        if person is None or not person.active or person.id in seen:
            carry = rung
            found.append(rung)
            continue
        carry = None
        seen.add(person.id)
        found.append(replace(rung, person=person))
    return found


def decide(ctx: Context) -> list[Want]:
    """One want per overdue task of this alliance and ladder step it reached, for that step's
    person; the plan groups them across alliances with :func:`followups`."""
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
        due = ctx.org.calendar.day(own.crm_values.get(fields.due_date.field))
        if due is None:
            continue
        owner_id = _text(own.crm_values.get(fields.owner_id.field)) or ""
        owner = ctx.org.users.get(owner_id)
        subject = _text(own.crm_values.get(fields.subject.field)) or rule
        for rung in ladder(ctx, rule, owner, due):
            if ctx.today < rung.fires_on:
                break
            if rung.person is None:
                continue
            person = rung.person
            values: dict[str, Any] = {
                "alliance": ctx.alliance.name,
                "original_key": key,
                "original_owner_id": owner_id,
                "fired_on": rung.fires_on,
                "original_subject": subject,
                "original_owner": owner.name if owner else "nobody",
                "original_due": due.isoformat(),
                # Calendar days from the due date to the step ("still open 7 days later"), however
                # the step counts them: true as written, and the same text as before working days.
                "after_days": (rung.fires_on - due).days,
                "step_person": person.name,
                # The sponsor hearing that the update meant for them is late: worded to them, not
                # "Send <them> the update" in the third person.
                "your_update": rule == "sponsor_update" and person.id == getattr(ctx.sponsor, "id", None),
            }
            wants.append(Want(f"{rung.number}:{rule}:{anchor}", person, values))
    return wants


LIST_MARK = "@"  # the alliance part of a follow-up list's key: the person it is for


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One person's list of overdue tasks of one owner, across alliances (oldest due first)."""

    key: str
    person: Person
    items: tuple[Want, ...]


def earlier_escalation(ctx: Context, want: Want) -> str | None:
    """The key of the open escalation an earlier version wrote for this overdue task and step (one
    task per overdue task), if there is one. It stays as it is, open until its task closes, and the
    task is not listed again: an upgrade neither closes nor repeats what its readers already have."""
    key = make_key(NAME, ctx.alliance.id, want.anchor)
    own = ctx.org.own_tasks.get(key)
    if own is None or own.completed or own.deleted or key in ctx.closed_by_us:
        return None
    return key


def list_prefix(person_id: str, owner_id: str) -> str:
    return make_key(NAME, LIST_MARK + person_id, f"{owner_id}:")


def is_list_key(alliance_part: str) -> bool:
    return alliance_part.startswith(LIST_MARK)


def followups(org: Org, mapping: Mapping, wants: list[Want], closed_by_us: frozenset[str]) -> list[FollowUp]:
    """Group the ladder's wants (one per overdue task and step) into one list per person and owner.

    The list already open keeps its key and takes every overdue task it has now. With none open, a
    list is opened today; after a list its person closed or deleted, only tasks that reached the
    step after it was closed go on the new one (the others were on it: see :func:`_seen_until`)."""
    groups: dict[tuple[str, str], dict[str, Want]] = defaultdict(dict)
    people: dict[str, Person] = {}
    for want in wants:
        assert want.owner is not None
        people[want.owner.id] = want.owner
        group = groups[(want.owner.id, want.values["original_owner_id"])]
        group.setdefault(want.values["original_key"], want)  # one line per task on a person's list
    found = []
    for (person_id, owner_id), by_task in sorted(groups.items()):
        prefix = list_prefix(person_id, owner_id)
        items = sorted(by_task.values(), key=lambda w: (w.values["original_due"], w.values["original_key"]))
        opened = sorted(k for k in org.own_tasks if k.startswith(prefix))
        latest = org.own_tasks[opened[-1]] if opened else None
        key = prefix + org.today.isoformat()
        if (
            latest is not None
            and not (latest.completed or latest.deleted)
            and latest.sync_key not in closed_by_us
        ):
            key = latest.sync_key
        elif latest is not None and latest.sync_key not in closed_by_us:
            # Closed or deleted by its person: what was on it is theirs; later arrivals only.
            since = _seen_until(mapping, org.calendar, latest, _day(latest.sync_key[len(prefix) :]))
            items = [w for w in items if since is None or w.values["fired_on"] > since]
        if items:
            found.append(FollowUp(key, people[person_id], tuple(items)))
    return found


def _seen_until(mapping: Mapping, calendar: Calendar, closed: OwnTask, opened: date | None) -> date | None:
    """The last day a list its person closed held what had reached the step: the day the CRM says it
    was completed (``writeback.task.completed_at_field``), else (deleted, or no completion date) its
    due date, the end of the window it was written for, else the day it was opened."""
    done_on = completion_date(mapping, closed, calendar)
    if done_on is not None and not closed.deleted:
        return done_on
    return calendar.day(closed.crm_values.get(mapping.writeback.task.fields.due_date.field)) or opened


def list_values(follow_up: FollowUp) -> dict[str, Any]:
    """Template values of a list: the first task's (so a list of one reads as a single escalation,
    and wording written for single escalations keeps working) and ``items``, all of them."""
    first = follow_up.items[0].values
    alliances = list(dict.fromkeys(w.values["alliance"] for w in follow_up.items))
    internal = {"original_key", "original_owner_id", "fired_on"}
    return {
        **{k: v for k, v in first.items() if k not in internal},
        "alliance": ", ".join(alliances),
        "items": [
            {
                "subject": w.values["original_subject"],
                "alliance": w.values["alliance"],
                "due": w.values["original_due"],
                "after_days": w.values["after_days"],
                "your_update": w.values["your_update"],
            }
            for w in follow_up.items
        ],
        "your_update": all(w.values["your_update"] for w in follow_up.items),
    }


def close_list(org: Org, anchor: str) -> Close:
    """Why a follow-up list is no longer wanted: nothing of its owner's is overdue at its step."""
    owner_id = anchor.split(":", 1)[0]
    owner = org.users.get(owner_id)
    return Close("not_needed", "list_clear", {"owner": owner.name if owner else owner_id or "nobody"})


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
    if original is None or original.deleted or key in ctx.closed_by_us or key not in ctx.desired:
        gone = original is None or original.deleted
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


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)
