"""A sponsor appointed since the last run: the alliance manager briefs them.

Only an appointment sponsorsync saw happen, or one the CRM's field history dates within
``cadence.new_sponsor_window_days``, counts: on the first run (no memory of the alliance) a sponsor
already in place is not new, so installing sponsorsync does not flood managers with briefings for
sponsors who have held the role for years."""

from __future__ import annotations

from sponsorsync.sync.rules.base import (
    Close,
    Context,
    Want,
    charter_values,
    counterpart_values,
    newly_appointed,
    sponsor_change,
)

NAME = "new_sponsor"
ALERT = False
CADENCE = False
SPONSOR_IS_SUBJECT = True  # the task is about the sponsor: the ladder never takes it to them


def decide(ctx: Context) -> list[Want]:
    sponsor = ctx.sponsor
    if sponsor is None or not newly_appointed(ctx, NAME, sponsor):
        return []
    values = {
        **counterpart_values(ctx),
        **charter_values(ctx),
        "appointed_on": ctx.sponsor_since(sponsor.id).isoformat(),
    }
    return [Want(sponsor.id, ctx.view.manager, values, about_sponsor=True)]


def close(ctx: Context, anchor: str) -> Close:
    return sponsor_change(ctx, anchor) or Close("not_needed", "situation_changed")
