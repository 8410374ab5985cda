"""The sponsor shows up at critical moments: a meeting on the alliance in the next
``cadence.critical.lookahead_days`` whose subject matches ``cadence.critical.meeting_patterns`` (QBR,
executive briefing, renewal, steering committee...) and that the sponsor is not on, or a partner
deal of at least ``large_deal_amount`` closing in that window, gives the sponsor one task: join the
meeting, or call the partner executive before the deal closes. Due the day before the meeting (or
two days before the close), never in the past.

It closes as done when the sponsor is on the invitation, as missed when the meeting took place
without them, and as not needed when the meeting is cancelled or the deal closed."""

from __future__ import annotations

from datetime import date, timedelta

from sponsorsync.sync.brief import amount_text, stage_name
from sponsorsync.sync.model import Deal, Meeting
from sponsorsync.sync.rules.base import Close, Context, Want, counterpart_values, sponsor_change

NAME = "critical_moment"
ALERT = False
CADENCE = False
SPONSOR_IS_SUBJECT = False


def _window(ctx: Context) -> tuple[date, date]:
    return ctx.today, ctx.today + timedelta(days=ctx.mapping.cadence.critical.lookahead_days)


def upcoming_meetings(ctx: Context) -> list[Meeting]:
    """The alliance's critical meetings in the look-ahead window, soonest first."""
    critical = ctx.mapping.cadence.critical
    start, end = _window(ctx)
    meetings = ctx.org.meetings.get(ctx.alliance.id, [])
    found = [m for m in meetings if start <= m.starts_on <= end and critical.is_moment(m.subject)]
    return sorted(found, key=lambda m: (m.starts_on, m.id))


def closing_deals(ctx: Context) -> list[Deal]:
    """Open deals of at least the large-deal amount expected to close in the window, soonest first."""
    threshold = ctx.mapping.cadence.critical.large_deal_amount
    if threshold is None:
        return []
    start, end = _window(ctx)
    deals = ctx.org.deals.get(ctx.alliance.id, [])
    found = [
        d
        for d in deals
        if not d.closed and (d.amount or 0) >= threshold and d.close_date and start <= d.close_date <= end
    ]
    return sorted(found, key=lambda d: (d.close_date or start, d.id))


def decide(ctx: Context) -> list[Want]:
    sponsor = ctx.sponsor
    if sponsor is None:
        return []  # no sponsor to ask: the no_sponsor / sponsor_gone alerts say so
    wants = []
    base = counterpart_values(ctx)
    for meeting in upcoming_meetings(ctx):
        if sponsor.id in meeting.attendee_ids:
            ctx.view.notes.append(
                f"{NAME}: {sponsor.name} is already on '{meeting.subject}' ({meeting.starts_on.isoformat()})"
            )
            continue
        values = base | {
            "moment": "meeting",
            "moment_subject": meeting.subject,
            "moment_date": meeting.starts_on.isoformat(),
            "organiser": ctx.name_of(meeting.owner_id) if meeting.owner_id in ctx.org.users else "",
            "amount": "",
            "stage": "",
        }
        due = max(ctx.today, meeting.starts_on - timedelta(days=1))
        wants.append(Want(f"m:{meeting.id}:{sponsor.id}", sponsor, values, deadline=due))
    contact_id = ctx.view.counterpart.contact.id if ctx.view.counterpart else None
    for deal in closing_deals(ctx):
        close_date = deal.close_date or ctx.today
        values = base | {
            "moment": "deal",
            "moment_subject": deal.name,
            "moment_date": close_date.isoformat(),
            "organiser": "",
            "amount": amount_text(deal.amount),
            "stage": stage_name(deal.stage, ctx.mapping) if deal.stage else "",
        }
        due = max(ctx.today, close_date - timedelta(days=2))
        anchor = f"d:{deal.id}:{sponsor.id}"
        wants.append(
            Want(anchor, sponsor, values, contact_id=contact_id, related=("deal", deal.id), deadline=due)
        )
    return wants


def close(ctx: Context, anchor: str) -> Close:
    kind, _, rest = anchor.partition(":")
    record_id, _, sponsor_id = rest.rpartition(":")
    changed = sponsor_change(ctx, sponsor_id)
    if changed is not None:
        return changed
    sponsor = ctx.name_of(sponsor_id)
    if kind == "d":
        return _deal_close(ctx, record_id)
    meeting = next((m for m in ctx.org.meetings.get(ctx.alliance.id, []) if m.id == record_id), None)
    if meeting is None:
        return Close("not_needed", "moment_gone")
    values = {"subject": meeting.subject, "date": meeting.starts_on.isoformat(), "sponsor": sponsor}
    if sponsor_id in meeting.attendee_ids:
        return Close("done", "sponsor_invited", values)
    if meeting.starts_on < ctx.today:
        return Close("missed", "moment_passed", values)
    return Close("not_needed", "situation_changed")  # moved out of the window, or renamed


def _deal_close(ctx: Context, deal_id: str) -> Close:
    """What became of the deal a call task was about, in the words its reader needs."""
    deal = next((d for d in ctx.org.deals.get(ctx.alliance.id, []) if d.id == deal_id), None)
    if deal is None:
        return Close("not_needed", "deal_gone")
    if deal.closed:
        when = deal.closed_on or deal.close_date or ctx.today
        return Close("not_needed", "deal_closed", {"subject": deal.name, "date": when.isoformat()})
    if deal.close_date is None:
        return Close("not_needed", "situation_changed")
    values = {"subject": deal.name, "date": deal.close_date.isoformat()}
    start, end = _window(ctx)
    if deal.close_date < start:  # the day passed with the deal open and the call not marked done
        return Close("missed", "deal_passed", values)
    if deal.close_date > end:
        return Close("not_needed", "deal_moved", values)
    return Close("not_needed", "situation_changed")  # e.g. its amount fell below the large-deal amount
