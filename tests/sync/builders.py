"""Builders for engine tests: small, readable orgs without a CRM."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import cache
from typing import Any

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.vocab import Function, Seniority
from sponsorsync.sync.mirror import OwnTask, TouchAggregate
from sponsorsync.sync.model import Alliance, Memory, Org, PartnerContact, Person

TODAY = date(2026, 11, 29)


@cache
def salesforce_mapping() -> Mapping:
    return load_mapping(None, "salesforce")


def person(
    id: str,
    name: str | None = None,
    *,
    seniority: Seniority = "vp",
    function: Function = "partnerships",
    active: bool = True,
    capacity: int = 4,
    title: str | None = None,
) -> Person:
    return Person(
        id=id,
        name=name or id.title(),
        email=f"{id}@northwind.example",
        title=title or f"{seniority} {function}",
        active=active,
        seniority=seniority,
        function=function,
        capacity=capacity,
        sponsor_level=seniority in ("vp", "evp", "c_suite"),
    )


def contact(
    id: str,
    account: str = "acme",
    *,
    seniority: Seniority = "c_suite",
    function: Function = "technology",
    title: str | None = None,
    deleted: bool = False,
) -> PartnerContact:
    return PartnerContact(
        id=id,
        account_id=account,
        name=id.replace("_", " ").title(),
        title=title or f"{seniority} {function}",
        email=f"{id}@partner.example",
        seniority=seniority,
        function=function,
        executive=seniority in ("vp", "evp", "c_suite"),
        deleted=deleted,
    )


def alliance(
    id: str = "acme", *, sponsor: str | None = "ceo", owner: str = "manager", tier: str = "strategic"
) -> Alliance:
    return Alliance(
        id=id, name=id.title() + " Inc", tier=tier, owner_id=owner, sponsor_id=sponsor, current={}
    )


def touch(owner: str | None, contact_id: str, days_ago: int, count_365: int = 3) -> TouchAggregate:
    return TouchAggregate(owner, contact_id, TODAY - timedelta(days=days_ago), min(count_365, 1), count_365)


def own_task(key: str, *, completed: bool = False, values: dict[str, Any] | None = None) -> OwnTask:
    return OwnTask(id=f"00T{abs(hash(key)) % 10**12:012d}", source="Task", sync_key=key, completed=completed,
                   deleted=False, crm_values=dict(values or {}))  # fmt: skip


def org(
    *,
    users: list[Person] | None = None,
    alliances: list[Alliance] | None = None,
    contacts: list[PartnerContact] | None = None,
    touches: list[TouchAggregate] | None = None,
    own: list[OwnTask] | None = None,
    memory: dict[str, Memory] | None = None,
    today: date = TODAY,
) -> Org:
    users = users if users is not None else [
        person("ceo", "Ava Chen", seniority="c_suite", function="general_management"),
        person("manager", "Mia Manager", seniority="manager", function="partnerships"),
    ]  # fmt: skip
    alliances = alliances if alliances is not None else [alliance()]
    contacts = contacts if contacts is not None else [contact("jane_roe")]
    executives: dict[str, list[PartnerContact]] = {a.id: [] for a in alliances}
    for c in contacts:
        if c.executive and not c.deleted and c.account_id in executives:
            executives[c.account_id].append(c)
    return Org(
        today=today,
        users={u.id: u for u in users},
        alliances=alliances,
        contacts={c.id: c for c in contacts},
        executives=executives,
        touches={(t.owner_id, t.contact_id): t for t in touches or []},
        own_tasks={t.sync_key: t for t in own or []},
        memory=memory or {},
        sponsorships=Counter(a.sponsor_id for a in alliances if a.sponsor_id),
    )
