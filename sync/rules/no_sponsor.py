"""An alliance with no executive sponsor: the alliance manager appoints one (ranked candidates)."""

from __future__ import annotations

from sponsorsync.sync.rules.base import Close, Context, Want, candidate_values, episode

NAME = "no_sponsor"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = False


def decide(ctx: Context) -> list[Want]:
    if ctx.view.sponsor_state != "none":
        return []
    return [Want(episode(ctx, NAME), ctx.view.manager, candidate_values(ctx))]


def close(ctx: Context, anchor: str) -> Close:  # noqa: ARG001  (episodes carry no facts)
    if ctx.view.sponsor is not None:
        return Close("done", "appointed", {"sponsor": ctx.view.sponsor.name})
    return Close("not_needed", "situation_changed")
