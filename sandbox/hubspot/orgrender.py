"""Renders the CRM-neutral synthetic org (:mod:`sandbox.orggen`) as a HubSpot portal:
users become owners (deactivated ones archived, one team per department), accounts companies
(a sponsor appointed recently, ``sponsor_since``, shows in the company's ``executive_sponsor``
history, set by the account owner), contacts contacts (primary company association), and
activities calls, meetings, e-mails, tasks and notes, each associated with its contact and company;
deals and tickets (the partner pipeline and cases), associated with their company and contact."""

from __future__ import annotations

import re
from datetime import datetime

from sponsorsync.sandbox.hubspot.derived import derive
from sponsorsync.sandbox.hubspot.objects import (
    CALLS,
    COMPANIES,
    CONTACTS,
    DEALS,
    EMAILS,
    MEETINGS,
    NOTES,
    TASKS,
    TICKETS,
)
from sponsorsync.sandbox.hubspot.owners import (
    OWNER_ID_BASE,
    TEAM_ID_BASE,
    USER_ID_BASE,
    Owner,
    Team,
)
from sponsorsync.sandbox.hubspot.portal import DEFAULT_PORTAL_ID, Seed, SeedBuilder
from sponsorsync.sandbox.hubspot.table import PropVersion
from sponsorsync.sandbox.orggen import Org, OrgActivity

COMPANY_TYPES = {"partner": "PARTNER", "prospect": "PROSPECT", "customer": "OTHER", "other": "OTHER"}
INDUSTRIES = {
    "Technology": "INFORMATION_TECHNOLOGY_AND_SERVICES",
    "Software": "COMPUTER_SOFTWARE",
    "Telecommunications": "TELECOMMUNICATIONS",
    "Electronics": "CONSUMER_ELECTRONICS",
    "Healthcare": "HOSPITAL_HEALTH_CARE",
    "Energy": "OIL_ENERGY",
    "Transportation": "TRANSPORTATION_TRUCKING_RAILROAD",
    "Food & Beverage": "FOOD_BEVERAGES",
    "Media": "MEDIA_PRODUCTION",
    "Education": "EDUCATION_MANAGEMENT",
}


def industry(name: str) -> str:
    return INDUSTRIES.get(name) or re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def _ms(when: datetime) -> int:
    return int(when.timestamp()) * 1000 + when.microsecond // 1000


def render(org: Org) -> Seed:
    seed = SeedBuilder(org.now, DEFAULT_PORTAL_ID + org.seed)  # each seed is another portal
    owner_ids: dict[int, str] = {}
    teams: dict[str, Team] = {}
    for user in org.users:
        owner_id = str(OWNER_ID_BASE + user.key + 1)
        owner_ids[user.key] = owner_id
        team = teams.setdefault(user.department, Team(str(TEAM_ID_BASE + len(teams) + 1), user.department))
        seed.owners.append(
            Owner(
                owner_id,
                user.email,
                user.first_name,
                user.last_name,
                USER_ID_BASE + user.key + 1,
                _ms(user.created_at),
                _ms(user.modified_at),
                archived=not user.active,
                team=team,
            )
        )
    company_ids: dict[int, int] = {}
    names: dict[int, str] = {}
    industries: set[str] = set()
    for account in org.accounts:
        code = industry(account.industry)
        industries.add(code)
        props = {
            "name": account.name,
            "domain": account.domain,
            "website": f"https://www.{account.domain}",
            "industry": code,
            "type": COMPANY_TYPES[account.kind],
            "hubspot_owner_id": owner_ids[account.owner],
            "alliance_tier": account.tier,
            "executive_sponsor": None if account.sponsor is None else owner_ids[account.sponsor],
        }
        created, modified = _ms(account.created_at), _ms(account.modified_at)
        company_ids[account.key] = seed.record(COMPANIES, props, created, modified)
        sponsor = props["executive_sponsor"]
        if sponsor is not None and account.sponsor_since is not None:
            # appointed recently, by the account owner in HubSpot: the history shows when
            user_id = USER_ID_BASE + account.owner + 1
            appointed = PropVersion(
                sponsor, _ms(account.sponsor_since), "CRM_UI", f"userId:{user_id}", user_id
            )
            seed.record_history(COMPANIES, company_ids[account.key], "executive_sponsor", (appointed,))
        names[account.key] = account.name
    seed.options[("companies", "industry")] = industries
    contact_ids: dict[int, int] = {}
    for contact in org.contacts:
        company = None if contact.account is None else company_ids[contact.account]
        props = {
            "firstname": contact.first_name,
            "lastname": contact.last_name,
            "email": contact.email.lower(),
            "jobtitle": contact.title,
            "phone": contact.phone,
            "hubspot_owner_id": owner_ids[contact.owner],
            "company": None if contact.account is None else names[contact.account],
            "associatedcompanyid": None if company is None else str(company),
        }
        object_id = seed.record(CONTACTS, props, _ms(contact.created_at), _ms(contact.modified_at))
        contact_ids[contact.key] = object_id
        if company is not None:
            seed.link(CONTACTS, object_id, COMPANIES, company, primary=True)
    for activity in org.activities():
        _activity(seed, activity, owner_ids, contact_ids, company_ids)
    _pipeline(seed, org, owner_ids, contact_ids, company_ids)
    return seed.build()


_DEAL_STAGES = {
    "prospecting": "appointmentscheduled", "qualification": "qualifiedtobuy", "proposal": "presentationscheduled",
    "negotiation": "contractsent", "won": "closedwon", "lost": "closedlost",
}  # fmt: skip


def _pipeline(
    seed: SeedBuilder,
    org: Org,
    owner_ids: dict[int, str],
    contact_ids: dict[int, int],
    company_ids: dict[int, int],
) -> None:
    """Deals associated with their company; tickets with their company (or only a contact), an
    escalation as priority HIGH or URGENT, a closed one in the default pipeline's Closed stage."""
    for deal in org.deals:
        props: dict[str, str | int | None] = {
            "dealname": deal.name, "amount": str(deal.amount), "closedate": _ms(deal.close_at),
            "dealstage": _DEAL_STAGES[deal.stage], "dealtype": "newbusiness",
            "hubspot_owner_id": owner_ids[deal.owner],
        }  # fmt: skip
        derive(DEALS, props, props, was_closed=False, now=_ms(deal.modified_at))
        object_id = seed.record(DEALS, props, _ms(deal.created_at), _ms(deal.modified_at))
        seed.link(DEALS, object_id, COMPANIES, company_ids[deal.account], primary=False)
    for case in org.cases:
        props = {
            "subject": case.subject, "hs_ticket_priority": case.priority.upper(),
            "hs_pipeline_stage": "4" if case.closed_at is not None else "3" if case.escalated else "1",
            "closed_date": None if case.closed_at is None else _ms(case.closed_at),
            "hubspot_owner_id": owner_ids[case.owner],
        }  # fmt: skip
        derive(TICKETS, props, props, was_closed=False, now=_ms(case.modified_at))
        object_id = seed.record(TICKETS, props, _ms(case.created_at), _ms(case.modified_at))
        if case.account is not None:
            seed.link(TICKETS, object_id, COMPANIES, company_ids[case.account], primary=False)
        if case.contact is not None:
            seed.link(TICKETS, object_id, CONTACTS, contact_ids[case.contact], primary=False)


_TYPES = {"call": CALLS, "meeting": MEETINGS, "email": EMAILS, "task": TASKS, "note": NOTES}


def _activity(
    seed: SeedBuilder,
    activity: OrgActivity,
    owner_ids: dict[int, str],
    contact_ids: dict[int, int],
    company_ids: dict[int, int],
) -> None:
    at = _ms(activity.at)
    done = activity.completed
    kind = activity.kind
    props: dict[str, str | int | None]
    if kind == "call":
        props = {
            "hs_call_title": activity.subject,
            "hs_call_direction": "OUTBOUND",
            "hs_call_status": "COMPLETED" if done else "QUEUED",
            "hs_call_duration": str(activity.duration_minutes * 60_000),
        }
    elif kind == "meeting":
        props = {
            "hs_meeting_title": activity.subject,
            "hs_meeting_start_time": at,
            "hs_meeting_end_time": at + activity.duration_minutes * 60_000,
            "hs_meeting_outcome": "COMPLETED" if done else "SCHEDULED",
        }
    elif kind == "email":
        props = {
            "hs_email_subject": activity.subject,
            "hs_email_direction": "EMAIL",
            "hs_email_status": "SENT" if done else "SCHEDULED",
        }
    elif kind == "task":
        props = {
            "hs_task_subject": activity.subject,
            "hs_task_status": "COMPLETED" if done else "NOT_STARTED",
            "hs_task_priority": "MEDIUM",
            "hs_task_type": "TODO",
            "hs_task_completion_date": at if done else None,
        }
    else:
        props = {"hs_note_body": activity.subject}
    props["hs_timestamp"] = at
    props["hubspot_owner_id"] = owner_ids[activity.owner]
    if activity.invitees and kind == "meeting":
        props["hs_attendee_owner_ids"] = ";".join(owner_ids[u] for u in activity.invitees)
    otype = _TYPES[kind]
    object_id = seed.record(otype, props, _ms(activity.created_at), _ms(activity.modified_at))
    if activity.contact is not None:
        seed.link(otype, object_id, CONTACTS, contact_ids[activity.contact], primary=False)
    for other in activity.others:
        seed.link(otype, object_id, CONTACTS, contact_ids[other], primary=False)
    if activity.account is not None:
        seed.link(otype, object_id, COMPANIES, company_ids[activity.account], primary=False)
