"""No partner contact is on record as an executive: the alliance manager adds one.

A task marked done with none recorded comes back after the tier's ``sponsor_update_days``
(:func:`~sponsorsync.sync.rules.base.wanted_episode`)."""

from __future__ import annotations

from sponsorsync.sync.rules.base import Close, Context, Want, wanted_episode

NAME = "no_partner_executive"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = False


def decide(ctx: Context) -> list[Want]:
    if ctx.view.executives:
        return []
    threshold = ctx.wording.render("seniority", ctx.mapping.titles.executive_threshold)
    sponsor = ctx.sponsor
    wanted = wanted_episode(ctx, NAME)
    if wanted is None:
        return []
    anchor, marked = wanted
    values = {"threshold": threshold, "sponsor": sponsor.name if sponsor else "", "marked_done": marked}
    return [Want(anchor, ctx.view.manager, values)]


def close(ctx: Context, anchor: str) -> Close:  # noqa: ARG001
    if ctx.view.executives:
        return Close("done", "executive_found")
    return Close("not_needed", "situation_changed")
