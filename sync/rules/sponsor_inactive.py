"""The sponsor has had no executive contact on the alliance for too long: an alert for the manager."""

from __future__ import annotations

from sponsorsync.sync.rules.base import Close, Context, Want, sponsor_change

NAME = "sponsor_inactive"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = True  # the task is about the sponsor: the ladder never takes it to them


def decide(ctx: Context) -> list[Want]:
    sponsor, counterpart = ctx.sponsor, ctx.view.counterpart
    if sponsor is None or counterpart is None:
        return []
    last = ctx.view.last_touch
    limit = ctx.cadence.inactive_after_days
    if last is not None:
        if (ctx.today - last).days <= limit:
            return []
    else:
        memory = ctx.memory
        if memory is None or memory.sponsor_id != sponsor.id or (ctx.today - memory.seen_on).days < limit:
            return []
    values = {
        "counterpart": counterpart.contact.name,
        "last_touch": last.isoformat() if last else "",
        "last_touch_with": ctx.view.last_touch_with or "",
        "limit_days": limit,
    }
    anchor = f"{sponsor.id}:{counterpart.contact.id}:{last.isoformat() if last else 'never'}"
    return [Want(anchor, ctx.view.manager, values, about_sponsor=True)]


def close(ctx: Context, anchor: str) -> Close:
    sponsor_id, _, since = ([*anchor.split(":", 2), "", ""])[:3]
    changed = sponsor_change(ctx, sponsor_id)
    if changed is not None:
        return changed
    last = ctx.view.last_touch
    if last is not None and last.isoformat() != since and ctx.view.sponsor is not None:
        return Close("not_needed", "engaged", {"sponsor": ctx.view.sponsor.name, "date": last.isoformat()})
    return Close("not_needed", "situation_changed")
