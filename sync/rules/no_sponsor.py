"""An alliance with no executive sponsor: the alliance manager appoints one (ranked candidates).

A task marked done with no sponsor recorded comes back after the tier's ``sponsor_update_days``
(:func:`~sponsorsync.sync.rules.base.wanted_episode`)."""

from __future__ import annotations

from sponsorsync.sync.rules.base import Close, Context, Want, candidate_values, wanted_episode

NAME = "no_sponsor"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = False


def decide(ctx: Context) -> list[Want]:
    if ctx.view.sponsor_state != "none":
        return []
    wanted = wanted_episode(ctx, NAME)
    if wanted is None:
        return []
    anchor, marked = wanted
    return [Want(anchor, ctx.view.manager, candidate_values(ctx) | {"marked_done": marked})]


def close(ctx: Context, anchor: str) -> Close:  # noqa: ARG001  (episodes carry no facts)
    if ctx.view.sponsor is not None:
        return Close("done", "appointed", {"sponsor": ctx.view.sponsor.name})
    return Close("not_needed", "situation_changed")
