"""A new sponsor confirms their charter: what sponsoring this alliance means, from the tier's cadence
(connect with the counterpart every N days, read the update every M days, answer escalations within
K days, attend critical moments). One task for the sponsor, alongside the manager's briefing; the
same appointments count as new (:func:`sync.rules.base.newly_appointed`)."""

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

NAME = "charter"
ALERT = False
CADENCE = False
SPONSOR_IS_SUBJECT = False  # the sponsor's own task: overdue, it climbs to their manager


def decide(ctx: Context) -> list[Want]:
    sponsor = ctx.sponsor
    if sponsor is None or not newly_appointed(ctx, NAME, sponsor):
        return []
    values = {
        **counterpart_values(ctx),
        **charter_values(ctx),
        "appointed_on": ctx.sponsor_since(sponsor.id).isoformat(),
    }
    return [Want(sponsor.id, sponsor, values)]


def close(ctx: Context, anchor: str) -> Close:
    return sponsor_change(ctx, anchor) or Close("not_needed", "situation_changed")
