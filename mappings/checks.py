"""Cross-field checks: what each section can only get right together with another.

They run on every section that validated on its own (:class:`Sections`), so a mistake in one
section never hides the problems of another.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sponsorsync.mappings.errors import suggest
from sponsorsync.mappings.objects import (
    OPTIONAL_KINDS,
    AccountFieldMap,
    AccountsMapping,
    AccountTeamMapping,
    ActivityMapping,
    AssociationSource,
    CasesMapping,
    ContactsMapping,
    ObjectMapping,
    OpportunitiesMapping,
    OpportunityPartnersMapping,
    ParticipantMapping,
    UsersMapping,
)
from sponsorsync.mappings.policy import (
    AccountFieldSponsor,
    AccountTeamSponsor,
    Alliances,
    Roster,
    TierCadence,
    Touch,
)
from sponsorsync.mappings.problems import Problem
from sponsorsync.mappings.vocab import CrmName
from sponsorsync.mappings.writeback import AccountWriteback, TaskWriteback

_BOOLEAN_FIELDS = {
    "active",
    "completed",
    "executive",
    "partner_executive",
    "is_record",
    "declined",
    "closed",
    "won",
    "escalated",
}


#: Where each attribute of :class:`Sections` is in the file (and in a Mapping).
_SECTION_PATHS = {
    "crm": "crm",
    "objects.users": "users",
    "objects.accounts": "accounts",
    "objects.contacts": "contacts",
    "objects.account_team": "account_team",
    "objects.activities": "activities",
    "objects.participants": "participants",
    "objects.opportunities": "opportunities",
    "objects.cases": "cases",
    "objects.opportunity_partners": "opportunity_partners",
    "alliances": "alliances",
    "sponsor": "sponsor",
    "roster": "roster",
    "cadence.tiers": "tiers",
    "cadence.touch": "touch",
    "writeback.task": "task",
    "writeback.account": "account_writeback",
}


@dataclass
class Sections:
    """The parts of the file that are valid on their own (None: missing or invalid)."""

    crm: CrmName | None = None
    users: UsersMapping | None = None
    accounts: AccountsMapping | None = None
    contacts: ContactsMapping | None = None
    account_team: AccountTeamMapping | None = None
    account_team_given: bool = False
    activities: list[ActivityMapping] | None = None
    participants: list[ParticipantMapping] | None = None
    opportunities: OpportunitiesMapping | None = None
    cases: CasesMapping | None = None
    opportunity_partners: OpportunityPartnersMapping | None = None
    opportunities_given: bool = False
    alliances: Alliances | None = None
    sponsor: AccountFieldSponsor | AccountTeamSponsor | None = None
    roster: Roster | None = None
    tiers: dict[str, TierCadence] | None = None
    touch: Touch | None = None
    task: TaskWriteback | None = None
    account_writeback: AccountWriteback | None = None

    @classmethod
    def from_parts(cls, parts: dict[str, Any], present: set[str]) -> Sections:
        """``parts``: valid values by dotted path (``objects.accounts``); ``present``: paths given."""
        sections = cls(
            account_team_given="objects.account_team" in present,
            opportunities_given="objects.opportunities" in present,
        )
        for dotted, attribute in _SECTION_PATHS.items():
            if dotted in parts:
                setattr(sections, attribute, parts[dotted])
        return sections

    @classmethod
    def of(cls, mapping: Any) -> Sections:
        """The sections of a whole, valid :class:`~mappings.model.Mapping`."""
        parts: dict[str, Any] = {}
        for dotted in _SECTION_PATHS:
            node = mapping
            for name in dotted.split("."):
                node = getattr(node, name)
            parts[dotted] = node
        present = {
            f"objects.{name}"
            for name in ("account_team", "opportunities")
            if getattr(mapping.objects, name) is not None
        }
        return cls.from_parts(parts, present)

    def named_objects(self) -> list[tuple[tuple[str | int, ...], ObjectMapping]]:
        """Every valid object section with its path in the file."""
        found: list[tuple[tuple[str | int, ...], ObjectMapping]] = []
        for name in ("users", "accounts", "contacts", "account_team"):
            spec = getattr(self, name)
            if spec is not None:
                found.append((("objects", name), spec))
        found.extend((("objects", "activities", i), a) for i, a in enumerate(self.activities or []))
        found.extend((("objects", "participants", i), p) for i, p in enumerate(self.participants or []))
        for name in OPTIONAL_KINDS:
            spec = getattr(self, name)
            if spec is not None:
                found.append((("objects", name), spec))
        return found


def cross_check(s: Sections) -> list[Problem]:
    problems: list[Problem] = [*_object_maps(s.named_objects())]
    if s.crm is not None:
        problems += _crm_specific_objects(s.crm, s)
    if s.sponsor is not None:
        problems += _sponsor(s.sponsor, s)
    if s.alliances is not None and s.accounts is not None:
        problems += _alliances(s.alliances, s.accounts)
    if s.accounts is not None and s.tiers is not None:
        problems += _tiers(s.accounts, s.tiers)
    if s.activities is not None and s.touch is not None:
        problems += _touch_kinds(s.activities, s.touch)
    if s.cases is not None:
        problems += _cases_linked(s.cases)
    if s.opportunity_partners is not None:
        problems += _opportunity_partners(s)
    if s.roster is not None and s.users is not None and s.crm is not None:
        problems += _roster(s.roster, s.users, s.crm)
    if s.task is not None:
        problems += _writeback_vs_objects(s)
        if s.crm is not None:
            problems += _writeback(s.task, s.account_writeback, s.crm)
    return problems


def _object_maps(named: list[tuple[tuple[str | int, ...], ObjectMapping]]) -> Iterator[Problem]:
    seen: dict[str, tuple[str | int, ...]] = {}
    for path, spec in named:
        if path[1] == "activities":
            if spec.object in seen:
                yield Problem(
                    (*path, "object"), f"{spec.object} is already listed as an activity object; list it once"
                )
            seen[spec.object] = path
        canonical = list(type(spec.fields).KINDS)
        sources = spec.fields.sources()
        for section in ("value_maps", "defaults", "labels"):
            for name in getattr(spec, section):
                if name not in canonical:
                    yield Problem(
                        (*path, section, name),
                        f"{name!r} is not a field of this record{suggest(name, canonical)} "
                        f"(fields: {', '.join(canonical)})",
                        at_key=True,
                    )
        for name, mapping in spec.value_maps.items():
            if name in canonical and name not in sources:
                yield Problem(
                    (*path, "value_maps", name),
                    f"{name} is not read from the CRM ({'.'.join(map(str, path))}.fields.{name} is not set); "
                    "map the field or remove this value map",
                    at_key=True,
                )
            if name in _BOOLEAN_FIELDS:
                for crm_value, value in mapping.items():
                    if not isinstance(value, bool):
                        yield Problem(
                            (*path, "value_maps", name, crm_value),
                            f"{name} must map to true or false, not {value!r}",
                        )
        for name, value in spec.defaults.items():
            if name in _BOOLEAN_FIELDS and not isinstance(value, bool):
                yield Problem((*path, "defaults", name), f"{name} must be true or false, not {value!r}")
        for name, source in sources.items():
            if isinstance(source, AssociationSource) and source.association not in spec.associations:
                yield Problem(
                    (*path, "fields", name),
                    f"reads associated {source.association} but {source.association} is not in this object's "
                    f"associations; add it: associations: [{', '.join([*spec.associations, source.association])}]",
                )


def _cases_linked(cases: CasesMapping) -> Iterator[Problem]:
    sources = cases.fields.sources()
    if "account_id" not in sources and "contact_id" not in sources:
        yield Problem(
            ("objects", "cases", "fields"),
            "neither account_id nor contact_id is read, so no case could belong to an alliance; map account_id "
            "(Salesforce AccountId; HubSpot {association: companies}) or contact_id",
        )


def _opportunity_partners(s: Sections) -> Iterator[Problem]:
    path = ("objects", "opportunity_partners")
    if s.crm == "hubspot":
        yield Problem(
            path,
            "Salesforce only (OpportunityPartner); on HubSpot associate the deal with the partner company "
            "and remove this section",
        )
    elif not s.opportunities_given:
        yield Problem(path, "needs objects.opportunities (the deals it links to partners); add that section")


def _crm_specific_objects(crm: CrmName, s: Sections) -> Iterator[Problem]:
    for path, spec in s.named_objects():
        for name, source in spec.fields.sources().items():
            if crm == "salesforce" and isinstance(source, AssociationSource):
                yield Problem(
                    (*path, "fields", name),
                    "{association: ...} reads HubSpot associations; on Salesforce name the lookup field (e.g. WhoId)",
                )
            if crm == "hubspot" and isinstance(source, str):
                yield from _hubspot_name((*path, "fields", name), source)
        if crm == "salesforce" and spec.associations:
            yield Problem((*path, "associations"), "HubSpot only; remove it (Salesforce reads lookup fields)")
        if crm == "hubspot":
            yield from _hubspot_name((*path, "object"), spec.object)
    if crm == "hubspot" and s.account_team_given:
        yield Problem(
            ("objects", "account_team"),
            "Salesforce only (Account Teams); remove it and keep the sponsor in an owner property of the company",
        )


def _hubspot_name(path: tuple[str | int, ...], name: str) -> Iterator[Problem]:
    if name.endswith("__c") or "." in name:
        yield Problem(
            path, f"{name!r} is a Salesforce name; use the HubSpot internal name (e.g. alliance_tier)"
        )


def _sponsor(sponsor: AccountFieldSponsor | AccountTeamSponsor, s: Sections) -> Iterator[Problem]:
    if isinstance(sponsor, AccountTeamSponsor):
        if s.crm == "hubspot":
            yield Problem(
                ("sponsor", "source"),
                "account_team is Salesforce only; on HubSpot use source: account_field with an owner property",
            )
        elif not s.account_team_given:
            yield Problem(
                ("sponsor", "source"),
                "account_team needs objects.account_team (AccountTeamMember); add that section",
            )
        return
    canonical = list(AccountFieldMap.KINDS)
    if sponsor.field not in canonical:
        yield Problem(
            ("sponsor", "field"),
            f"{sponsor.field!r} is not an account field{suggest(sponsor.field, canonical)} "
            f"(fields: {', '.join(canonical)})",
        )
    elif s.accounts is not None and sponsor.field not in s.accounts.fields.sources():
        yield Problem(
            ("sponsor", "field"),
            f"{sponsor.field} is not read: objects.accounts.fields.{sponsor.field} is not set; "
            "map it to the CRM field that holds the sponsor",
        )


def _outputs(spec: ObjectMapping, name: str) -> set[object] | None:
    """Canonical values a field can take, when a value map fixes them (None: any CRM value)."""
    if name in spec.value_maps:
        found: set[object] = set(spec.value_maps[name].values())
    elif name not in spec.fields.sources():
        found = set()
    else:
        return None
    if name in spec.defaults:
        found.add(spec.defaults[name])
    return found


def _alliances(alliances: Alliances, accounts: AccountsMapping) -> Iterator[Problem]:
    canonical = list(AccountFieldMap.KINDS)
    for index, condition in enumerate(alliances.where):
        path = ("alliances", "where", index)
        if condition.field not in canonical:
            yield Problem(
                (*path, "field"),
                f"{condition.field!r} is not an account field{suggest(condition.field, canonical)} "
                f"(fields: {', '.join(canonical)})",
            )
            continue
        if condition.field not in accounts.fields.sources() and condition.field not in accounts.defaults:
            yield Problem(
                (*path, "field"),
                f"{condition.field} is not read: set objects.accounts.fields.{condition.field} or drop this condition",
            )
            continue
        outputs = _outputs(accounts, condition.field)
        if outputs is None:
            continue
        op = condition.operator
        compared = {"equals": [condition.equals], "in": condition.in_, "not_in": condition.not_in}.get(
            op
        ) or []
        for value in compared:
            if value not in outputs:
                yield Problem(
                    (*path, op),
                    f"{value!r} never occurs: objects.accounts.value_maps.{condition.field} gives "
                    f"{', '.join(sorted(map(str, outputs)))}; compare with those",
                )


def _tiers(accounts: AccountsMapping, tiers: dict[str, TierCadence]) -> Iterator[Problem]:
    known = list(tiers)
    for crm_value, tier in accounts.value_maps.get("tier", {}).items():
        if tier is not None and tier not in tiers:
            yield Problem(
                ("objects", "accounts", "value_maps", "tier", crm_value),
                f"tier {tier!r} has no cadence{suggest(str(tier), known)}; add cadence.tiers.{tier} "
                f"or map {crm_value!r} to one of {', '.join(known)}",
            )
    default = accounts.defaults.get("tier")
    if default is not None and default not in tiers:
        yield Problem(
            ("objects", "accounts", "defaults", "tier"),
            f"tier {default!r} has no cadence; add cadence.tiers.{default}",
        )


def _touch_kinds(activities: list[ActivityMapping], touch: Touch) -> Iterator[Problem]:
    produced: set[object] = set()
    for spec in activities:
        outputs = _outputs(spec, "kind")
        if outputs is None:
            return  # a kind read without a value map can be anything: nothing to check
        produced |= outputs
    for index, kind in enumerate(touch.kinds):
        if kind not in produced:
            yield Problem(
                ("cadence", "touch", "kinds", index),
                f"no activity object produces kind {kind!r}{suggest(kind, sorted(map(str, produced)))} "
                f"(kinds produced: {', '.join(sorted(map(str, produced)))})",
            )


def _roster(roster: Roster, users: UsersMapping, crm: CrmName) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, executive in enumerate(roster.executives):
        email = executive.email.casefold()
        if email in seen:
            yield Problem(
                ("roster", "executives", index, "email"), f"{executive.email} is listed twice; list it once"
            )
        seen.add(email)
    user_fields = users.fields.sources()
    if roster.executives and "email" not in user_fields:
        yield Problem(
            ("roster", "executives"),
            "executives are matched to users by email, but objects.users.fields.email is not set; map it",
        )
    if crm == "hubspot" and not roster.executives and "title" not in user_fields:
        yield Problem(
            ("roster", "executives"),
            "HubSpot owners carry no titles, so without executives no sponsor candidate can be found; "
            "list the internal executives (email, title)",
        )


def _writeback_vs_objects(s: Sections) -> Iterator[Problem]:
    task = s.task
    assert task is not None
    wb_account, accounts = s.account_writeback, s.accounts
    if wb_account is not None and accounts is not None and wb_account.object != accounts.object:
        yield Problem(
            ("writeback", "account", "object"),
            f"writes {wb_account.object} but accounts are read from {accounts.object}; use the same object",
        )
    if s.activities is None:
        return
    readers = [(i, a) for i, a in enumerate(s.activities) if a.object == task.object]
    if not readers:
        yield Problem(
            ("writeback", "task", "object"),
            f"{task.object} is not among objects.activities, so sponsorsync would never see its own tasks "
            "completed; add an activities entry for it",
        )
    for index, reader in readers:
        if reader.fields.sync_key != task.key_field:
            yield Problem(
                ("objects", "activities", index, "fields", "sync_key"),
                f"must be {task.key_field} (writeback.task.key_field) so sponsorsync recognises the tasks it wrote; set it",
            )


def _writeback(task: TaskWriteback, account: AccountWriteback | None, crm: CrmName) -> Iterator[Problem]:
    used: dict[str, str] = {task.key_field: "key_field"}
    if task.stamp_field is not None:
        used.setdefault(task.stamp_field, "stamp_field")
        if task.stamp_field == task.key_field:
            yield Problem(("writeback", "task", "stamp_field"), "is the key field; use a separate text field")
    for name, spec in task.fields.items():
        if spec.field in used:
            yield Problem(
                ("writeback", "task", "fields", name),
                f"{spec.field} is already written as {used[spec.field]}; each CRM field can be written once",
            )
        used.setdefault(spec.field, name)
    links = task.associations
    if crm == "hubspot":
        for name in ("contact_id", "account_id"):
            if getattr(task.fields, name) is not None:
                yield Problem(
                    ("writeback", "task", "fields", name),
                    "HubSpot tasks link to records through associations; remove it and use writeback.task.associations",
                )
        for name, target in (("contact", "contacts"), ("account", "companies")):
            if getattr(links, name) is None:
                yield Problem(
                    ("writeback", "task", "associations", name),
                    f"required but missing on HubSpot (tasks would not be linked); add {{to: {target}, type_id: ...}}",
                )
        written: list[tuple[tuple[str, ...], str]] = [(("writeback", "task", "key_field"), task.key_field)]
        written += [(("writeback", "task", "fields", n), f.field) for n, f in task.fields.items()]
        if account is not None:
            written += [(("writeback", "account", "fields", n), f.field) for n, f in account.fields.items()]
        for where, name in written:
            yield from _hubspot_name(where, name)
    else:
        if any(getattr(links, name) is not None for name in ("contact", "account", "case", "deal")):
            yield Problem(
                ("writeback", "task", "associations"),
                "HubSpot only; on Salesforce link tasks with fields.contact_id (WhoId) and fields.account_id (WhatId)",
            )
        for name, field in (("contact_id", "WhoId"), ("account_id", "WhatId")):
            if getattr(task.fields, name) is None:
                yield Problem(
                    ("writeback", "task", "fields", name),
                    f"required but missing on Salesforce (tasks would not be linked); add {name}: {field}",
                )
