"""A sponsor appointed since the last run: the alliance manager briefs them.

Only an appointment sponsorsync saw happen, or one the CRM's field history dates within
``cadence.new_sponsor_window_days``, counts: on the first run (no memory of the alliance) a sponsor
already in place is not new, so installing sponsorsync does not flood managers with briefings for
sponsors who have held the role for years."""

from __future__ import annotations

from sync.rules.base import Close, Context, Want, make_key, sponsor_change

NAME = "new_sponsor"
ALERT = False
CADENCE = False
SPONSOR_IS_SUBJECT = True  # the task is about the sponsor: the ladder never takes it to them


def decide(ctx: Context) -> list[Want]:
    sponsor = ctx.sponsor
    if sponsor is None:
        return []
    key = make_key(NAME, ctx.alliance.id, sponsor.id)
    memory = ctx.memory
    appointed_now = memory is not None and memory.sponsor_id != sponsor.id
    # First sight: new only where the CRM's history dates the appointment recently.
    recent_in_history = memory is None and ctx.alliance.id in ctx.org.appointed
    if (
        not (appointed_now or recent_in_history)
        and key not in ctx.org.own_tasks
        and key not in ctx.org.pending
    ):
        return []
    appointed_on = ctx.sponsor_since(sponsor.id)
    counterpart = ctx.view.counterpart
    values = {
        "counterpart": counterpart.contact.name if counterpart else "",
        "counterpart_title": (counterpart.contact.title or "") if counterpart else "",
        "appointed_on": appointed_on.isoformat(),
    }
    return [Want(sponsor.id, ctx.view.manager, values, about_sponsor=True)]


def close(ctx: Context, anchor: str) -> Close:
    return sponsor_change(ctx, anchor) or Close("not_needed", "situation_changed")
