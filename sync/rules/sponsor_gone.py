"""The sponsor is no longer an active user: the alliance manager appoints a successor.

A task marked done with no successor recorded comes back after the tier's ``sponsor_update_days``
(:func:`~sponsorsync.sync.rules.base.after_marked`)."""

from __future__ import annotations

from sponsorsync.sync.rules.base import Close, Context, Want, after_marked, candidate_values

NAME = "sponsor_gone"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = False


def decide(ctx: Context) -> list[Want]:
    if ctx.view.sponsor_state != "gone":
        return []
    wanted = after_marked(ctx, NAME, str(ctx.alliance.sponsor_id))
    if wanted is None:
        return []
    anchor, marked = wanted
    values = {"sponsor": ctx.name_of(ctx.alliance.sponsor_id), **candidate_values(ctx), "marked_done": marked}
    return [Want(anchor, ctx.view.manager, values)]


def close(ctx: Context, anchor: str) -> Close:
    anchor = anchor.partition("+")[0]  # the n-th task about the same sponsor
    sponsor = ctx.view.sponsor
    if ctx.view.sponsor_state == "ok" and sponsor is not None:
        if sponsor.id == anchor:
            return Close("not_needed", "sponsor_active")
        return Close("done", "appointed", {"sponsor": sponsor.name})
    if ctx.view.sponsor_state == "none":
        return Close("not_needed", "sponsor_removed")
    return Close("not_needed", "situation_changed")
