"""No partner contact is on record as an executive: the alliance manager adds one."""

from __future__ import annotations

from sponsorsync.sync.rules.base import Close, Context, Want, episode

NAME = "no_partner_executive"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = False


def decide(ctx: Context) -> list[Want]:
    if ctx.view.executives:
        return []
    threshold = ctx.wording.render("seniority", ctx.mapping.titles.executive_threshold)
    sponsor = ctx.sponsor
    values = {"threshold": threshold, "sponsor": sponsor.name if sponsor else ""}
    return [Want(episode(ctx, NAME), ctx.view.manager, values)]


def close(ctx: Context, anchor: str) -> Close:  # noqa: ARG001
    if ctx.view.executives:
        return Close("done", "executive_found")
    return Close("not_needed", "situation_changed")
