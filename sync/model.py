"""The engagement model: who the partner executives are, who sponsors each alliance, how recently
they engaged. Built from the mirror, the mapping and ``today``; everything downstream (match, plan)
is a pure function of it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.policy import AccountFieldSponsor
from sponsorsync.mappings.vocab import Function, Seniority
from sponsorsync.sync.calendar import UTC_CALENDAR, Calendar
from sponsorsync.sync.mirror import Mirror, OwnTask, TouchAggregate

TIER_ORDER = {"strategic": 0, "key": 1, "standard": 2}
MEETINGS_LOOKBACK_DAYS = 30  # past meetings kept in the model (a critical moment that took place)


@dataclass(frozen=True, slots=True)
class Person:
    """An internal user / owner."""

    id: str
    name: str
    email: str | None
    title: str | None
    active: bool
    seniority: Seniority
    function: Function
    capacity: int
    sponsor_level: bool
    manager_id: str | None = None  # for the escalation ladder (User.ManagerId, else roster.managers)


@dataclass(frozen=True, slots=True)
class PartnerContact:
    id: str
    account_id: str | None
    name: str
    title: str | None
    email: str | None
    seniority: Seniority
    function: Function
    executive: bool
    deleted: bool


@dataclass(frozen=True, slots=True)
class Alliance:
    id: str
    name: str
    tier: str
    owner_id: str | None
    sponsor_id: str | None
    current: dict[str, Any]  # the CRM's current values of the write-back fields
    focus: str | None = None  # the alliance focus (a key of matching.focus_functions), when mapped


@dataclass(frozen=True, slots=True)
class Deal:
    """A partner deal on an alliance (Salesforce Opportunity on the account, HubSpot deal associated
    with the company): the pipeline of the sponsor brief and the large deals of critical moments."""

    id: str
    alliance_id: str
    name: str
    stage: str | None
    amount: float | None
    close_date: date | None
    closed: bool
    won: bool
    owner_id: str | None = None
    closed_on: date | None = None  # when it closed, where the CRM says (else its close date)


@dataclass(frozen=True, slots=True)
class Case:
    """A partner issue on an alliance (Salesforce Case, HubSpot ticket). ``escalated`` is what the
    mapping calls an escalation (Case.IsEscalated; ticket priority HIGH or URGENT)."""

    id: str
    alliance_id: str
    subject: str
    escalated: bool
    closed: bool
    opened_on: date
    closed_on: date | None = None
    priority: str | None = None
    owner_id: str | None = None
    contact_id: str | None = None  # the partner contact who raised it, where the CRM says


@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting on an alliance, recent or coming up (critical moments: who is on it, and whether it
    took place)."""

    id: str
    alliance_id: str
    subject: str
    starts_on: date
    owner_id: str | None
    attendee_ids: frozenset[str]  # internal users on it: the owner, attendees and invitees


@dataclass(frozen=True, slots=True)
class Memory:
    """What the previous run saw for an alliance."""

    sponsor_id: str | None
    counterpart_id: str | None
    seen_on: date


@dataclass
class Org:
    """Everything planning needs, for one ``today``."""

    today: date
    users: dict[str, Person]
    alliances: list[Alliance]
    contacts: dict[str, PartnerContact]  # contacts of alliances, plus remembered counterparts
    executives: dict[str, list[PartnerContact]]  # alliance id -> partner executives, best first by id
    touches: dict[tuple[str | None, str], TouchAggregate]
    own_tasks: dict[str, OwnTask]
    memory: dict[str, Memory]
    sponsorships: Counter[str] = field(default_factory=Counter)
    pending: frozenset[str] = frozenset()  # keys the CRM rejected last time: planned again until written
    # First sight of an alliance: when the CRM's field history says its sponsor was appointed (recent only).
    appointed: dict[str, date] = field(default_factory=dict)
    deals: dict[str, list[Deal]] = field(default_factory=dict)  # alliance id -> its deals (open and closed)
    cases: dict[str, list[Case]] = field(default_factory=dict)  # alliance id -> its cases / tickets
    meetings: dict[str, list[Meeting]] = field(
        default_factory=dict
    )  # alliance id -> recent and upcoming meetings
    # alliance id -> (day, health) each time the health sponsorsync wrote changed, oldest first
    health_history: dict[str, list[tuple[date, str]]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    calendar: Calendar = UTC_CALENDAR  # the org's: days of the CRM's instants (mirror rows are on it)
    memo: dict[str, Any] = field(default_factory=dict)  # results pure functions derive once per org

    def touch(self, owner_id: str | None, contact_id: str) -> TouchAggregate | None:
        return self.touches.get((owner_id, contact_id))

    def health_on(self, alliance_id: str, day: date) -> str | None:
        """The alliance's health as sponsorsync last saw it on or before ``day`` (None: not seen then)."""
        found = None
        for seen_on, health in self.health_history.get(alliance_id, []):
            if seen_on > day:
                break
            found = health
        return found


def _display(row: dict[str, Any]) -> str:
    parts = [str(row[k]) for k in ("first_name", "last_name") if row.get(k)]
    return " ".join(parts) or str(row.get("name") or row.get("email") or row["id"])


def build_org(
    mirror: Mirror,
    mapping: Mapping,
    today: date,
    memory: dict[str, Memory],
    pending: frozenset[str] = frozenset(),
    calendar: Calendar = UTC_CALENDAR,
) -> Org:
    titles = mapping.titles
    roster = {e.email.casefold(): e for e in mapping.roster.executives}
    users: dict[str, Person] = {}
    for row in mirror.rows("users"):
        entry = roster.get((row["email"] or "").casefold())
        title = row["title"] or (entry.title if entry else None)
        klass = titles.classify(title)
        seniority = entry.seniority if entry and entry.seniority else klass.seniority
        function = entry.function if entry and entry.function else klass.function
        flag = row.get("executive")  # the admin's override field: 1 executive, 0 excluded, None: titles
        if flag and not titles.is_sponsor_level(seniority):
            seniority = titles.sponsor_threshold
        capacity = entry.capacity if entry and entry.capacity is not None else mapping.roster.default_capacity
        users[row["id"]] = Person(
            id=row["id"],
            name=str(row["name"] or row["email"] or row["id"]),
            email=row["email"],
            title=title,
            active=bool(row["active"]) and not row["deleted"],
            seniority=seniority,
            function=function,
            capacity=capacity,
            sponsor_level=titles.is_sponsor_level(seniority) and flag != 0,
            manager_id=row.get("manager_id"),  # Salesforce User.ManagerId, where mapped
        )
    users = _with_roster_managers(users, mapping.roster.managers)

    team_sponsors: dict[str, str] = {}
    if not isinstance(mapping.sponsor, AccountFieldSponsor):
        role = mapping.sponsor.role.casefold()
        for row in mirror.rows("account_team"):
            if not row["deleted"] and (row["role"] or "").casefold() == role and row["account_id"]:
                team_sponsors.setdefault(row["account_id"], row["user_id"])

    alliances: list[Alliance] = []
    for row in mirror.rows("accounts"):
        if row["deleted"] or not mapping.alliances.is_alliance(row):
            continue
        tier = row["tier"] if row["tier"] in mapping.cadence.tiers else None
        if tier is None:
            continue  # not a tier the policy knows: the mapping check warns about value maps
        if isinstance(mapping.sponsor, AccountFieldSponsor):
            sponsor = row.get(mapping.sponsor.field) or None
        else:
            sponsor = team_sponsors.get(row["id"])
        alliances.append(
            Alliance(
                id=row["id"],
                name=str(row["name"] or row["id"]),
                tier=tier,
                owner_id=row["owner_id"],
                sponsor_id=sponsor,
                current=json.loads(row["extra"] or "{}"),
                focus=row.get("focus"),
            )
        )
    alliances.sort(key=lambda a: (TIER_ORDER.get(a.tier, 9), a.name.casefold(), a.id))
    alliance_ids = {a.id for a in alliances}

    contacts: dict[str, PartnerContact] = {}
    executives: dict[str, list[PartnerContact]] = {a.id: [] for a in alliances}
    remembered = {m.counterpart_id for m in memory.values() if m.counterpart_id}
    # A contact with an internal user's e-mail is one of us on record at the partner (a sponsor
    # added to an event, say): never a partner executive, so never a sponsor's own counterpart.
    internal = {p.email.casefold() for p in users.values() if p.email}
    for row in mirror.contacts_of(alliance_ids):
        contact = _contact(row, mapping)
        contacts[contact.id] = contact
        ours = (contact.email or "").casefold() in internal
        if contact.executive and not contact.deleted and not ours and contact.account_id in executives:
            executives[contact.account_id].append(contact)
    for row in mirror.rows_by_id("contacts", remembered - contacts.keys()):
        contacts[row["id"]] = _contact(row, mapping)

    touch = mapping.cadence.touch
    wanted = [c.id for c in contacts.values() if not c.deleted]
    touches = {
        (t.owner_id, t.contact_id): t
        for t in mirror.touches(
            wanted, touch.kinds, today, by_owner=touch.owner == "sponsor", completed_only=touch.completed_only
        )
    }
    sponsorships: Counter[str] = Counter(a.sponsor_id for a in alliances if a.sponsor_id)
    own = {t.sync_key: t for t in mirror.own_tasks()}
    deals: dict[str, list[Deal]] = {}
    if mapping.objects.opportunities is not None:  # no section: no deal, whatever an older mapping pulled
        for row in mirror.opportunities_of(alliance_ids):
            deals.setdefault(row["alliance_id"], []).append(_deal(row))
    cases: dict[str, list[Case]] = {}
    if mapping.objects.cases is not None:
        for row in mirror.cases_of(alliance_ids):
            cases.setdefault(row["alliance_id"], []).append(_case(row, today))
    meetings: dict[str, list[Meeting]] = {}
    # Recent ones too: a critical-moment task closes saying whether the meeting took place with the sponsor.
    since = today - timedelta(days=MEETINGS_LOOKBACK_DAYS)
    until = today + timedelta(days=mapping.cadence.critical.lookahead_days)
    for mid, account_id, subject, day, owner_id, on_it in mirror.meetings(alliance_ids, since, until):
        meetings.setdefault(account_id, []).append(
            Meeting(mid, account_id, subject or "", day, owner_id, on_it)
        )
    return Org(
        today=today,
        users=users,
        alliances=alliances,
        contacts=contacts,
        executives=executives,
        touches=touches,
        own_tasks=own,
        meetings=meetings,
        memory=memory,
        sponsorships=sponsorships,
        pending=pending,
        deals=deals,
        cases=cases,
        calendar=calendar,
        stats={
            "users": len(users),
            "alliances": len(alliances),
            "alliance_contacts": len(contacts),
            "deals": sum(map(len, deals.values())),
            "cases": sum(map(len, cases.values())),
        },
    )


def _day(text: str | None) -> date | None:
    """The day of a mirror date or instant (``YYYY-MM-DD...``, on the org's calendar)."""
    return date.fromisoformat(text[:10]) if text else None


def _deal(row: dict[str, Any]) -> Deal:
    closed = bool(row["closed"])
    close_date = _day(row["close_date"])
    return Deal(
        id=row["id"],
        alliance_id=row["alliance_id"],
        name=str(row["name"] or row["id"]),
        stage=row["stage"],
        amount=row["amount"],
        close_date=close_date,
        closed=closed,
        won=closed and bool(row["won"]),
        owner_id=row["owner_id"],
        closed_on=(_day(row["closed_at"]) or close_date) if closed else None,
    )


def _case(row: dict[str, Any], today: date) -> Case:
    closed = bool(row["closed"])
    return Case(
        id=row["id"],
        alliance_id=row["alliance_id"],
        subject=str(row["subject"] or ""),
        escalated=bool(row["escalated"]),
        closed=closed,
        opened_on=_day(row["opened_at"]) or today,  # not mapped: counted as opened today
        closed_on=_day(row["closed_at"]) if closed else None,
        priority=row["priority"],
        owner_id=row["owner_id"],
        contact_id=row["contact_id"],
    )


def _contact(row: dict[str, Any], mapping: Mapping) -> PartnerContact:
    klass = mapping.titles.classify(row["title"])
    flag = row.get("executive")  # the admin's override field: 1 executive, 0 excluded, None: titles
    executive = mapping.titles.is_executive(klass.seniority) if flag is None else bool(flag)
    return PartnerContact(
        id=row["id"],
        account_id=row["account_id"],
        name=_display(row),
        title=row["title"],
        email=row["email"],
        seniority=klass.seniority,
        function=klass.function,
        executive=executive,
        deleted=bool(row["deleted"]),
    )


def _with_roster_managers(users: dict[str, Person], managers: dict[str, str]) -> dict[str, Person]:
    """Where the CRM names no manager, the roster's (``roster.managers``: e-mail -> e-mail)."""
    if not managers:
        return users
    by_email = {p.email.casefold(): p.id for p in users.values() if p.email}
    named = {k.casefold(): v.casefold() for k, v in managers.items()}
    result = {}
    for person in users.values():
        manager = person.manager_id or by_email.get(named.get((person.email or "").casefold(), ""))
        result[person.id] = replace(person, manager_id=manager) if manager else person
    return result
