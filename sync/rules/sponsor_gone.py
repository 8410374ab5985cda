"""The sponsor is no longer an active user: the alliance manager appoints a successor."""

from __future__ import annotations

from sponsorsync.sync.rules.base import Close, Context, Want, candidate_values

NAME = "sponsor_gone"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = False


def decide(ctx: Context) -> list[Want]:
    if ctx.view.sponsor_state != "gone":
        return []
    who = ctx.name_of(ctx.alliance.sponsor_id)
    return [Want(str(ctx.alliance.sponsor_id), ctx.view.manager, {"sponsor": who, **candidate_values(ctx)})]


def close(ctx: Context, anchor: str) -> Close:
    sponsor = ctx.view.sponsor
    if ctx.view.sponsor_state == "ok" and sponsor is not None:
        if sponsor.id == anchor:
            return Close("not_needed", "sponsor_active")
        return Close("done", "appointed", {"sponsor": sponsor.name})
    if ctx.view.sponsor_state == "none":
        return Close("not_needed", "sponsor_removed")
    return Close("not_needed", "situation_changed")
