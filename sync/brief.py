"""The sponsor brief: the figures the alliance manager's update to the sponsor starts from, as of the
day the task is written (its body is not rewritten afterwards, so the draft the manager edits stays
put). Pure: everything comes from the model already built (no CRM call)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from sponsorsync.mappings.model import Mapping

if TYPE_CHECKING:
    from sponsorsync.sync.rules.base import Context


def stage_name(stage: str | None, mapping: Mapping) -> str:
    """A deal stage as people see it in the CRM: its label from the mapping's
    ``objects.opportunities.labels.stage`` (HubSpot's stage ids), else the value itself."""
    if not stage:
        return "?"
    spec = mapping.objects.opportunities
    return spec.labels.get("stage", {}).get(stage, stage) if spec is not None else stage


def amount_text(amount: float | None) -> str:
    return "" if amount is None else f"{amount:,.0f}"


def pipeline(ctx: Context) -> tuple[list[dict[str, Any]], str]:
    """Open deals by stage (count, amount), largest amount first, and the total line."""
    stages: dict[str, list[float]] = defaultdict(list)
    for deal in ctx.org.deals.get(ctx.alliance.id, []):
        if not deal.closed:
            stages[stage_name(deal.stage, ctx.mapping)].append(deal.amount or 0.0)
    rows = sorted(stages.items(), key=lambda item: (-sum(item[1]), item[0]))
    listed = [{"stage": s, "count": len(a), "amount": amount_text(sum(a))} for s, a in rows]
    total = sum(sum(a) for a in stages.values())
    count = sum(len(a) for a in stages.values())
    return listed, f"{count} deal{'s' if count != 1 else ''}, {amount_text(total)}" if count else ""


def won_since(ctx: Context, start: date) -> str:
    won = [
        d
        for d in ctx.org.deals.get(ctx.alliance.id, [])
        if d.won and start <= (d.closed_on or d.close_date or date.min) <= ctx.today
    ]
    if not won:
        return ""
    return f"{len(won)}, {amount_text(sum(d.amount or 0.0 for d in won))}"


def ask(ctx: Context, escalations: list[dict[str, str]], moments: list[dict[str, str]]) -> str:
    """The one thing the sponsor is asked to do, most pressing first."""
    wording, view = ctx.wording, ctx.view
    counterpart = (
        view.counterpart.contact.name if view.counterpart else wording.render("brief", "no_counterpart")
    )
    blank = {"counterpart": counterpart, "subject": "", "date": "", "person": ""}
    if escalations:
        return wording.render("ask", "escalation", **blank | {"subject": escalations[0]["subject"]})
    if moments:
        first = {"subject": moments[0]["subject"], "date": moments[0]["date"]}
        return wording.render("ask", "deal" if moments[0]["kind"] == "deal" else "moment", **blank | first)
    if view.counterpart is None:  # no partner executive on record: there is nobody to name yet
        return wording.render("ask", "find", **blank)
    if view.last_touch is None:
        return wording.render("ask", "meet", **blank)
    if view.health != "green":
        when = {"date": view.last_touch.isoformat(), "person": view.last_touch_with or ""}
        return wording.render("ask", "reconnect", **blank | when)
    return wording.render("ask", "keep", **blank)


def brief_values(ctx: Context, period_start: date) -> dict[str, Any]:
    """The template values of the sponsor brief (``sponsor_update`` body)."""
    from sponsorsync.sync.rules.critical_moment import closing_deals, upcoming_meetings
    from sponsorsync.sync.rules.partner_escalation import open_escalations

    view = ctx.view
    escalations = [
        {"subject": c.subject, "opened_on": c.opened_on.isoformat()} for c in open_escalations(ctx)
    ]
    moments = [
        {"kind": "meeting", "subject": m.subject, "date": m.starts_on.isoformat()}
        for m in upcoming_meetings(ctx)
    ]
    moments += [
        {"kind": "deal", "subject": d.name, "date": (d.close_date or ctx.today).isoformat()}
        for d in closing_deals(ctx)
    ]
    moments.sort(key=lambda m: m["date"])
    stages, total = pipeline(ctx)
    then = ctx.org.health_on(ctx.alliance.id, period_start)
    return {
        "as_of": ctx.today.isoformat(),
        "health": view.health,
        "health_then": then or "",
        "health_reason": view.reason,
        "touches_90": view.touches_90,
        "last_touch_with": view.last_touch_with or "",
        "pipeline": stages,
        "pipeline_total": total,
        "won": won_since(ctx, period_start),
        "escalations": escalations,
        "moments": moments,
        # Overdue work on the alliance (the escalation ladder's alerts); partner escalations have their
        # own line and an inactive sponsor is the reader of this update.
        "alerts": [t.subject for t in view.tasks if t.rule == "escalation"],
        "ask": ask(ctx, escalations, moments),
    }
