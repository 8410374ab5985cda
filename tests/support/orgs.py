"""Small hand-written orgs with known answers, described once and rendered into each CRM's
``--data`` format, so every end-to-end scenario runs on both CRMs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["meeting", "call", "email", "task"]


@dataclass(frozen=True)
class User:
    key: str
    first: str
    last: str
    title: str
    active: bool = True
    address: str = ""  # e-mail; empty: first.last@northwind.example

    @property
    def email(self) -> str:
        return self.address or f"{self.first}.{self.last}".lower().replace("'", "") + "@northwind.example"


@dataclass(frozen=True)
class Account:
    key: str
    name: str
    owner: str
    tier: str | None = None  # strategic | key | standard; None: not an alliance
    sponsor: str | None = None
    partner: bool = True
    deleted: bool = False


@dataclass(frozen=True)
class Contact:
    key: str
    account: str | None
    first: str
    last: str
    title: str | None
    address: str | None = ""  # e-mail; empty: first.last@partner.example; None: no e-mail
    deleted: bool = False

    @property
    def email(self) -> str | None:
        if self.address is None:
            return None
        return self.address or f"{self.first}.{self.last}@partner.example".lower()


@dataclass(frozen=True)
class Activity:
    key: str
    kind: Kind
    owner: str
    contact: str
    account: str | None
    days_ago: int
    completed: bool = True
    subject: str = "Touch base"
    # Internal users on it besides the owner (Salesforce invitees, HubSpot attendee owners).
    invitees: tuple[str, ...] = ()
    others: tuple[str, ...] = ()  # partner contacts on it besides `contact`

    def at(self, base: str) -> str:
        """When it happens, relative to the sandbox clock (a negative ``days_ago`` is in the future)."""
        return f"@{base}-{self.days_ago}d" if self.days_ago >= 0 else f"@{base}+{-self.days_ago}d"

    @property
    def recorded_days_ago(self) -> int:
        """When it was last changed: a meeting planned for next week was recorded today at the latest."""
        return max(self.days_ago, 0)


@dataclass
class Org:
    users: list[User]
    accounts: list[Account]
    contacts: list[Contact]
    activities: list[Activity] = field(default_factory=list)


# The executives are the sandbox's fixed roster (the default HubSpot mapping lists them by email).
AVA = User("ava", "Ava", "Chen", "Chief Executive Officer")
MARCUS = User("marcus", "Marcus", "Reid", "Chief Technology Officer")
TOM = User("tom", "Tom", "Becker", "EVP, Global Partnerships")
LIAM = User("liam", "Liam", "O'Connor", "VP Operations", active=False)
MIA = User("mia", "Mia", "Manager", "Alliance Manager")


def known_answers() -> Org:
    """Acme: sponsor Marcus met Jane 60 days ago (strategic: touch every 45 days). Globex: no
    sponsor. Initech: its sponsor Liam is deactivated. Hooli: sponsored, but no partner executive.
    Umbrella: a customer, not an alliance."""
    return Org(
        users=[AVA, MARCUS, TOM, LIAM, MIA],
        accounts=[
            Account("acme", "Acme Corporation", "mia", "strategic", "marcus"),
            Account("globex", "Globex", "mia", "key"),
            Account("initech", "Initech", "mia", "standard", "liam"),
            Account("hooli", "Hooli", "mia", "key", "tom"),
            Account("umbrella", "Umbrella Health", "mia", partner=False),
        ],
        contacts=[
            Contact("jane", "acme", "Jane", "Roe", "Chief Technology Officer"),
            Contact("john", "acme", "John", "Smith", "Account Manager"),
            Contact("luis", "globex", "Luis", "Garcia", "Director General"),
            Contact("pierre", "initech", "Pierre", "Dupont", "Directeur Général"),
            Contact("ken", "hooli", "Ken", "Ito", "Alliance Manager"),
            Contact("uma", "umbrella", "Uma", "Tan", "Chief Financial Officer"),
        ],
        activities=[
            Activity("met-jane", "meeting", "marcus", "jane", "acme", 60, subject="Architecture review"),
            Activity("call-luis", "call", "mia", "luis", "globex", 5, subject="Pipeline call"),
        ],
    )


# -- Salesforce ----------------------------------------------------------------------------------
TIER = {"strategic": "Strategic", "key": "Key", "standard": "Standard"}


def salesforce(org: Org) -> dict[str, Any]:
    tasks, events, event_relations, task_relations = [], [], [], []
    for a in org.activities:
        # Shared Activities on: every contact of the activity has a relation (IsParent on events),
        # invitees are users with IsInvitee.
        if a.kind == "meeting":
            event_relations += [
                {"EventId": f"@{a.key}", "RelationId": f"@{c}", "IsParent": True}
                for c in (a.contact, *a.others)
            ]
            event_relations += [
                {"EventId": f"@{a.key}", "RelationId": f"@{u}", "IsInvitee": True, "Status": "Accepted"}
                for u in a.invitees
            ]
        else:
            task_relations += [{"TaskId": f"@{a.key}", "RelationId": f"@{c}"} for c in (a.contact, *a.others)]
        common = {"@id": a.key, "Subject": a.subject, "WhoId": f"@{a.contact}", "OwnerId": f"@{a.owner}",
                  "CreatedDate": f"@now-{a.recorded_days_ago + 1}d", "LastModifiedDate": f"@now-{a.recorded_days_ago}d"}  # fmt: skip
        if a.account:
            common["WhatId"] = f"@{a.account}"
        if a.kind == "meeting":
            events.append(common | {"StartDateTime": a.at("now"), "DurationInMinutes": 60, "Type": "Meeting"})
        else:
            subtype = {"call": "Call", "email": "Email", "task": "Task"}[a.kind]
            tasks.append(common | {"ActivityDate": a.at("today"), "TaskSubtype": subtype,
                                   "Status": "Completed" if a.completed else "Not Started"})  # fmt: skip
    return {
        "User": [
            {"@id": u.key, "FirstName": u.first, "LastName": u.last, "Title": u.title, "Email": u.email,
             "Username": u.email, "IsActive": u.active, "CreatedDate": "@now-400d", "LastModifiedDate": "@now-100d"}
            for u in org.users
        ],
        "Account": [
            {"@id": a.key, "Name": a.name, "OwnerId": f"@{a.owner}", "Type": "Partner" if a.partner else "Customer",
             **({"Alliance_Tier__c": TIER[a.tier]} if a.tier else {}),
             **({"Executive_Sponsor__c": f"@{a.sponsor}"} if a.sponsor else {}),
             **({"IsDeleted": True} if a.deleted else {}),
             "CreatedDate": "@now-300d", "LastModifiedDate": "@now-50d"}
            for a in org.accounts
        ],
        "Contact": [
            {"@id": c.key, **({"FirstName": c.first} if c.first else {}), "LastName": c.last,
             **({"AccountId": f"@{c.account}"} if c.account else {}), **({"Title": c.title} if c.title else {}),
             **({"Email": c.email} if c.email else {}), **({"IsDeleted": True} if c.deleted else {}),
             "CreatedDate": "@now-200d", "LastModifiedDate": "@now-40d"}
            for c in org.contacts
        ],
        "Task": tasks,
        "Event": events,
        "EventRelation": event_relations,
        "TaskRelation": task_relations,
    }  # fmt: skip


# -- HubSpot -------------------------------------------------------------------------------------
HS_OBJECT = {"meeting": "meetings", "call": "calls", "email": "emails", "task": "tasks"}


def hubspot(org: Org) -> dict[str, Any]:
    data: dict[str, Any] = {
        "owners": [
            {"@id": u.key, "email": u.email, "firstName": u.first, "lastName": u.last, "archived": not u.active,
             "createdAt": "@now-400d", "updatedAt": "@now-100d"}
            for u in org.users
        ],
        "companies": [
            {"@id": a.key, "createdAt": "@now-300d", "updatedAt": "@now-50d",
             "properties": {"name": a.name, "hubspot_owner_id": f"@{a.owner}", "type": "PARTNER" if a.partner else "OTHER",
                            **({"alliance_tier": a.tier} if a.tier else {}),
                            **({"executive_sponsor": f"@{a.sponsor}"} if a.sponsor else {})},
             **({"archived": True} if a.deleted else {})}
            for a in org.accounts
        ],
        "contacts": [
            {"@id": c.key, "createdAt": "@now-200d", "updatedAt": "@now-40d",
             "properties": {**({"firstname": c.first} if c.first else {}), "lastname": c.last,
                            **({"jobtitle": c.title} if c.title else {}), **({"email": c.email} if c.email else {})},
             **({"associations": {"companies": [f"@{c.account}"]}} if c.account else {}),
             **({"archived": True} if c.deleted else {})}
            for c in org.contacts
        ],
    }  # fmt: skip
    for a in org.activities:
        obj = HS_OBJECT[a.kind]
        props: dict[str, Any] = {"hs_timestamp": a.at("now"), "hubspot_owner_id": f"@{a.owner}"}
        if a.kind == "meeting":
            props |= {
                "hs_meeting_title": a.subject,
                "hs_meeting_outcome": "COMPLETED" if a.completed else "SCHEDULED",
            }
            if a.invitees:
                props["hs_attendee_owner_ids"] = ";".join(f"@{u}" for u in a.invitees)
        elif a.kind == "call":
            props |= {
                "hs_call_title": a.subject,
                "hs_call_status": "COMPLETED" if a.completed else "SCHEDULED",
            }
        elif a.kind == "email":
            props |= {"hs_email_subject": a.subject}
        else:
            props |= {
                "hs_task_subject": a.subject,
                "hs_task_status": "COMPLETED" if a.completed else "NOT_STARTED",
            }
        links = {
            "contacts": [f"@{c}" for c in (a.contact, *a.others)],
            **({"companies": [f"@{a.account}"]} if a.account else {}),
        }
        data.setdefault(obj, []).append(
            {"@id": a.key, "createdAt": f"@now-{a.recorded_days_ago + 1}d", "updatedAt": f"@now-{a.recorded_days_ago}d",
             "properties": props, "associations": links}
        )  # fmt: skip
    return data


def render(crm: str, org: Org) -> dict[str, Any]:
    return salesforce(org) if crm == "salesforce" else hubspot(org)
