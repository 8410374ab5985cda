"""An escalated partner issue reaches the sponsor fast: each escalated, open case (Salesforce Case
with IsEscalated) or ticket (HubSpot, priority HIGH or URGENT), as the mapping's ``objects.cases``
defines it, gives the sponsor one high-priority task due ``cadence.escalation.sponsor_sla_days``
after sponsorsync first sees it, or the next working day after that (the due date is then fixed). Not done in time, it climbs the
escalation ladder like any task. It closes, as not needed, when the case closes or is no longer
escalated; the sponsor marking it done is the answer the scorecard counts."""

from __future__ import annotations

from sponsorsync.sync.model import Case
from sponsorsync.sync.rules.base import Close, Context, Want, counterpart_values

NAME = "partner_escalation"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = False


def open_escalations(ctx: Context) -> list[Case]:
    """The alliance's escalated cases that are still open, oldest first."""
    cases = ctx.org.cases.get(ctx.alliance.id, [])
    return sorted((c for c in cases if c.escalated and not c.closed), key=lambda c: (c.opened_on, c.id))


def label(ctx: Context) -> str:
    return ctx.wording.render("brief", "ticket" if ctx.mapping.crm == "hubspot" else "case")


def decide(ctx: Context) -> list[Want]:
    sla = ctx.mapping.cadence.escalation.sponsor_sla_days
    wants = []
    for case in open_escalations(ctx):
        values = {
            **counterpart_values(ctx),
            "case_subject": case.subject,
            "case_id": case.id,
            "case_label": label(ctx),
            "priority": case.priority or "",
            "opened_on": case.opened_on.isoformat(),
            "sla_days": sla,
            "for_sponsor": ctx.sponsor is not None,
        }
        # The sponsor; with no active sponsor the planner gives it to the alliance manager.
        wants.append(Want(case.id, ctx.sponsor, values, related=("case", case.id), due_in=sla))
    return wants


def close(ctx: Context, anchor: str) -> Close:
    case = next((c for c in ctx.org.cases.get(ctx.alliance.id, []) if c.id == anchor), None)
    if case is None:
        return Close("not_needed", "case_gone", {"subject": label(ctx)})
    subject = f'{label(ctx)} "{case.subject}"'
    if case.closed:
        when = case.closed_on or ctx.today
        return Close("not_needed", "case_closed", {"subject": subject, "date": when.isoformat()})
    if not case.escalated:
        return Close("not_needed", "case_deescalated", {"subject": subject})
    return Close("not_needed", "situation_changed")
