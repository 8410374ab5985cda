"""The sponsor and the partner executive counterpart connect often enough: a task for the sponsor.

The deadline is the last touch plus the tier's ``executive_touch_days``; the task appears
``lead_days`` before it (earlier where holidays would cut the working days before it short) and is
due on it. With no touch on record, or a deadline already past, the
task is due ``task_due_days`` after it appears: never in the past. The anchor is the last touch, so
the task is the same task until the two meet again.

A sponsor who marks the task done with no touch logged since (a call from a mobile, a dinner) is
taken at their word: the cadence runs on from the day they marked it, and the next task comes one
``executive_touch_days`` later, as it would have after a logged meeting, saying no meeting is logged
(anchor ``<last touch>+<n>``, the n-th task since that touch). Never sooner, and never not at all."""

from __future__ import annotations

from datetime import timedelta

from sponsorsync.sync.rules.base import Close, Context, Want, marked_chain, sponsor_change

NAME = "executive_touch"
ALERT = False
CADENCE = True
SPONSOR_IS_SUBJECT = False


def decide(ctx: Context) -> list[Want]:
    sponsor, counterpart = ctx.sponsor, ctx.view.counterpart
    if sponsor is None or counterpart is None:
        return []
    every = ctx.cadence.executive_touch_days
    last = ctx.view.last_touch
    contact = counterpart.contact
    base = f"{sponsor.id}:{contact.id}:{last.isoformat() if last else 'never'}"
    anchor, marked = marked_chain(ctx, NAME, base)
    since = max(last, marked) if last and marked else last or marked  # the last touch, or the last mark
    deadline = since + timedelta(days=every) if since else None
    if deadline is not None and ctx.today < ctx.week.opens(deadline, ctx.cadence.lead_days):
        return []
    values = {
        "counterpart": contact.name,
        "counterpart_title": contact.title or "",
        "last_touch": last.isoformat() if last else "",
        # whom the last touch was with: not always the counterpart (any partner executive counts)
        "last_touch_with": ctx.view.last_touch_with or "",
        # the last touch with the counterpart themselves (empty if never): said when it differs
        "counterpart_last_touch": counterpart.last_touch.isoformat() if counterpart.last_touch else "",
        "every_days": every,
        # A better fit on paper the sponsor has not met regularly: suggested, never forced.
        "suggested": counterpart.suggested.name if counterpart.suggested else "",
        "suggested_title": (counterpart.suggested.title or "") if counterpart.suggested else "",
        # the day the sponsor marked the last of these tasks done with no touch logged since (empty if not)
        "marked_done": marked.isoformat() if marked else "",
    }
    return [Want(anchor, sponsor, values, contact_id=contact.id, deadline=deadline)]


def close(ctx: Context, anchor: str) -> Close:
    sponsor_id, contact_id, since = ([*anchor.split(":", 2), "", ""])[:3]
    since = since.partition("+")[0]  # the n-th task since that touch: the same touch
    changed = sponsor_change(ctx, sponsor_id)
    if changed is not None:
        return changed
    counterpart = ctx.view.counterpart
    last = ctx.view.last_touch
    old = ctx.org.contacts.get(contact_id)
    if last is not None and last.isoformat() != since:
        # They met: name whom the sponsor met (the executive of the last touch).
        name = ctx.view.last_touch_with or (old.name if old else contact_id)
        sponsor = ctx.view.sponsor.name if ctx.view.sponsor else ""
        return Close("done", "met", {"sponsor": sponsor, "counterpart": name, "date": last.isoformat()})
    if counterpart is None or counterpart.contact.id != contact_id:
        if counterpart is None:
            return Close("not_needed", "counterpart_gone", {"counterpart": old.name if old else contact_id})
        return Close("not_needed", "counterpart_changed", {"replacement": counterpart.contact.name})
    return Close("not_needed", "situation_changed")
