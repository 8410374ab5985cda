"""The sponsor gets a concise update on a steady rhythm: the alliance manager sends it.

Each alliance has its own schedule. It starts when sponsorsync first sees the sponsor in place
(the first run, or the appointment) with a first deadline spread over one cadence period by the
alliance's id, so the alliances of a tier do not all fall due on one day and the first update is
never due in the past. Deadlines then follow every ``sponsor_update_days``. A task appears
``lead_days`` before its deadline (earlier where holidays would cut the working days before it
short) and is due on it. The schedule is read back from the tasks already
in the CRM when there are some, so a lost state directory does not move it.

The body is the sponsor brief (:mod:`sync.brief`): a concise draft the manager edits and sends,
with the figures as of the day the task is written; later runs do not rewrite it.

An update not marked done when the next one comes up is closed as missed (never as completed)."""

from __future__ import annotations

import zlib
from datetime import date, timedelta

from sponsorsync.sync.brief import brief_values
from sponsorsync.sync.rules.base import Close, Context, Want, make_key, sponsor_change

NAME = "sponsor_update"
ALERT = False
CADENCE = True
SPONSOR_IS_SUBJECT = False


def first_deadline(ctx: Context, sponsor_id: str) -> date:
    """The deadline the schedule counts from."""
    every, lead = ctx.cadence.sponsor_update_days, ctx.cadence.lead_days
    prefix = make_key(NAME, ctx.alliance.id, f"{sponsor_id}:")
    known = sorted(k[len(prefix) :] for k in ctx.org.own_tasks if k.startswith(prefix))
    for text in reversed(known):
        try:
            return date.fromisoformat(text)
        except ValueError:
            continue
    start = ctx.sponsor_since(sponsor_id)
    spread = zlib.crc32(ctx.alliance.id.encode()) % max(1, every - lead)
    return start + timedelta(days=lead + spread)


def current_deadline(ctx: Context, sponsor_id: str) -> date | None:
    """The latest deadline whose task has appeared, or None before the first. A task appears
    ``lead_days`` before its deadline, or earlier where holidays would leave fewer working days
    before it (:meth:`sync.calendar.WorkWeek.opens`); brought forward, never before the previous
    update's deadline and due date have passed: one that can still be sent is not closed as missed."""
    every, lead = ctx.cadence.sponsor_update_days, ctx.cadence.lead_days
    base = first_deadline(ctx, sponsor_id)
    opened = (ctx.today + timedelta(days=lead) - base).days
    number = opened // every if opened >= 0 else -1  # appeared lead_days before: a lower bound
    while True:
        following = base + timedelta(days=(number + 1) * every)
        appears = ctx.week.opens(following, lead)
        if number >= 0:
            previous = base + timedelta(days=number * every)
            still_due = max(previous, _held_due(ctx, sponsor_id, previous) or previous)
            appears = max(appears, min(following - timedelta(days=lead), still_due + timedelta(days=1)))
        if appears > ctx.today:
            break
        number += 1
    return base + timedelta(days=number * every) if number >= 0 else None


def _held_due(ctx: Context, sponsor_id: str, deadline: date) -> date | None:
    """The due date the CRM holds for the update of ``deadline`` (the working day before it, or later
    if it came late), if it holds that task."""
    own = ctx.org.own_tasks.get(make_key(NAME, ctx.alliance.id, f"{sponsor_id}:{deadline.isoformat()}"))
    held = own.crm_values.get(ctx.mapping.writeback.task.fields.due_date.field) if own else None
    return ctx.org.calendar.day(held)


def decide(ctx: Context) -> list[Want]:
    sponsor = ctx.sponsor
    if sponsor is None:
        return []
    manager = ctx.view.manager
    if manager is not None and manager.id == sponsor.id:
        ctx.view.notes.append(f"{NAME}: the alliance manager is the sponsor; no update to send to oneself")
        return []
    deadline = current_deadline(ctx, sponsor.id)
    if deadline is None:
        return []
    every = ctx.cadence.sponsor_update_days
    counterpart = ctx.view.counterpart
    # The period runs back one cadence from the deadline; for a sponsor sponsorsync saw appointed
    # (it wrote their briefing), not to before they took over.
    period_start = deadline - timedelta(days=every)
    briefing = make_key("new_sponsor", ctx.alliance.id, sponsor.id)
    if briefing in ctx.org.own_tasks or briefing in ctx.desired:
        period_start = max(period_start, ctx.sponsor_since(sponsor.id))
    values = {
        "period_start": period_start.isoformat(),
        "every_days": every,
        "last_touch": ctx.view.last_touch.isoformat() if ctx.view.last_touch else "",
        "counterpart": counterpart.contact.name if counterpart else "",
        **brief_values(ctx, period_start),
    }
    anchor = f"{sponsor.id}:{deadline.isoformat()}"
    # The brief is a draft as of the day it is written: its body is not rewritten on later runs.
    return [Want(anchor, manager, values, deadline=deadline, about_sponsor=True, body_once=True)]


def close(ctx: Context, anchor: str) -> Close:
    sponsor_id, _, deadline_text = anchor.partition(":")
    changed = sponsor_change(ctx, sponsor_id)
    if changed is not None:
        return changed
    try:
        deadline = date.fromisoformat(deadline_text)
    except ValueError:
        return Close("not_needed", "situation_changed")
    current = current_deadline(ctx, sponsor_id)
    if current is not None and current > deadline:
        # The note names the due date the task carries (the deadline, or later if it appeared late).
        due = _held_due(ctx, sponsor_id, deadline)
        return Close("missed", "next_period", {"date": (due or deadline).isoformat()})
    return Close("not_needed", "situation_changed")
