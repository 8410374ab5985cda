"""``objects``: which CRM object and fields feed each canonical record.

Each object section names the CRM object, its watermark field, and ``fields``: canonical field ->
where its value comes from (a CRM field name, or ``{association: <object type>}`` for HubSpot
associations). ``value_maps`` translate CRM values into canonical ones; ``defaults`` fill fields
that are not read or come back empty. :mod:`mappings.records` applies all of this to a record.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, Tag

from sponsorsync.mappings.base import ApiName, Scalar, Strict, ValueMap

FieldKind = Literal[
    "id", "reference", "references", "text", "email", "boolean", "date", "datetime", "picklist", "number"
]


class AssociationSource(Strict):
    """The value comes from the record's HubSpot associations, not from a property."""

    association: str = Field(
        description="HubSpot object type whose associated record ids fill this field (contacts, companies, "
        "...). It must also be listed in this object's `associations`. A single-valued field takes the "
        "first associated id."
    )


def _source_kind(value: Any) -> str:
    return "association" if isinstance(value, dict | AssociationSource) else "field"


FieldSource = Annotated[
    Annotated[ApiName, Tag("field")] | Annotated[AssociationSource, Tag("association")],
    Discriminator(_source_kind),
]


def _source(description: str) -> Any:
    return Field(default=None, description=description + " A CRM field name or {association: <type>}.")


class FieldMap(Strict):
    """Canonical field -> source. Subclasses list the canonical fields of one record kind."""

    KINDS: ClassVar[dict[str, FieldKind]] = {}

    def sources(self) -> dict[str, str | AssociationSource]:
        """The canonical fields that are read, with their source."""
        return {name: value for name, value in self if value is not None}


class UserFieldMap(FieldMap):
    KINDS: ClassVar[dict[str, FieldKind]] = {
        "id": "id",
        "first_name": "text",
        "last_name": "text",
        "name": "text",
        "email": "email",
        "title": "text",
        "active": "boolean",
        "executive": "boolean",
        "manager_id": "reference",
    }
    id: FieldSource = Field(description="Record id of the internal user / owner.")
    first_name: FieldSource | None = _source("First name.")
    last_name: FieldSource | None = _source("Last name.")
    name: FieldSource | None = _source("Full name, when the CRM keeps one (else first + last name).")
    email: FieldSource | None = _source("Email; matches users to `roster.executives`.")
    title: FieldSource | None = _source("Job title, classified by `titles.rules`.")
    active: FieldSource | None = _source(
        "True while the user can log in (an inactive sponsor raises an alert)."
    )
    executive: FieldSource | None = _source(
        "Admin override: true marks the user as an internal executive who can sponsor (HubSpot owners "
        "carry no titles), false keeps them off the candidate lists; empty: decided by the title and "
        "`roster`. Map CRM values to true / false with `value_maps`."
    )
    manager_id: FieldSource | None = _source(
        "The user's manager (Salesforce ManagerId): the escalation ladder's owner_manager step. "
        "Where the CRM has none, `roster.managers` says."
    )


class AccountFieldMap(FieldMap):
    KINDS: ClassVar[dict[str, FieldKind]] = {
        "id": "id",
        "name": "text",
        "owner_id": "reference",
        "type": "picklist",
        "tier": "picklist",
        "sponsor_id": "reference",
        "focus": "picklist",
    }
    id: FieldSource = Field(description="Record id of the account / company.")
    name: FieldSource = Field(description="Account name, used in task subjects.")
    owner_id: FieldSource | None = _source("Owner (user id): the alliance manager who gets alliance tasks.")
    type: FieldSource | None = _source("Account type, usually part of the `alliances` filter.")
    tier: FieldSource | None = _source(
        "Alliance tier; after `value_maps` it must name a `cadence.tiers` entry."
    )
    sponsor_id: FieldSource | None = _source(
        "Executive sponsor (user / owner id), when `sponsor.source` is account_field."
    )
    focus: FieldSource | None = _source(
        "Optional alliance focus; after `value_maps` a key of `matching.focus_functions` (e.g. technology, "
        "go_to_market). Sponsor candidates whose function serves the focus rank higher."
    )


class ContactFieldMap(FieldMap):
    KINDS: ClassVar[dict[str, FieldKind]] = {
        "id": "id",
        "account_id": "reference",
        "first_name": "text",
        "last_name": "text",
        "title": "text",
        "email": "email",
        "partner_executive": "boolean",
    }
    id: FieldSource = Field(description="Record id of the partner contact.")
    account_id: FieldSource = Field(description="The contact's account / company id.")
    first_name: FieldSource | None = _source("First name.")
    last_name: FieldSource | None = _source("Last name.")
    title: FieldSource | None = _source("Job title, classified by `titles.rules`.")
    email: FieldSource | None = _source("Email.")
    partner_executive: FieldSource | None = _source(
        "Admin override: true makes the contact a partner executive whatever the title says, false "
        "excludes them; empty: decided by the title. Map CRM values to true / false with `value_maps`."
    )


class AccountTeamFieldMap(FieldMap):
    KINDS: ClassVar[dict[str, FieldKind]] = {
        "id": "id",
        "account_id": "reference",
        "user_id": "reference",
        "role": "picklist",
    }
    id: FieldSource = Field(description="Record id of the team membership.")
    account_id: FieldSource = Field(description="The account.")
    user_id: FieldSource = Field(description="The team member (user id).")
    role: FieldSource = Field(description="The member's role, compared with `sponsor.role`.")


class ActivityFieldMap(FieldMap):
    KINDS: ClassVar[dict[str, FieldKind]] = {
        "id": "id",
        "owner_id": "reference",
        "contact_ids": "references",
        "account_id": "reference",
        "occurred_at": "datetime",
        "kind": "picklist",
        "completed": "boolean",
        "subject": "text",
        "sync_key": "text",
        "attendee_ids": "references",
    }
    id: FieldSource = Field(description="Record id of the activity.")
    owner_id: FieldSource = Field(description="Internal user who did it (the sponsor, for a sponsor touch).")
    occurred_at: FieldSource = Field(description="When it happened (or is due, for tasks).")
    contact_ids: FieldSource | None = _source("Partner contacts involved (a list; a lookup gives one).")
    account_id: FieldSource | None = _source("The account it is about.")
    kind: FieldSource | None = _source("Kind after `value_maps`: meeting, call, email, task, note, ...")
    completed: FieldSource | None = _source("True once done; map status values with `value_maps`.")
    subject: FieldSource | None = _source("Subject line.")
    sync_key: FieldSource | None = _source(
        "The sponsorsync key of tasks it wrote itself (same field as `writeback.task.key_field`)."
    )
    attendee_ids: FieldSource | None = _source(
        "Internal users / owners who attended besides the owner (HubSpot hs_attendee_owner_ids; values "
        "separated by ';' are split). Each counts the activity as their own touch."
    )


class ParticipantFieldMap(FieldMap):
    KINDS: ClassVar[dict[str, FieldKind]] = {
        "id": "id",
        "activity_id": "reference",
        "person_id": "reference",
        "is_record": "boolean",
        "declined": "boolean",
    }
    id: FieldSource = Field(description="Record id of the relation.")
    activity_id: FieldSource = Field(description="The activity (Salesforce EventId / TaskId).")
    person_id: FieldSource = Field(
        description="The person on the activity: an internal user or a partner contact (Salesforce RelationId)."
    )
    is_record: FieldSource | None = _source(
        "True when the relation is an account or another record, not a person (Salesforce IsWhat): skipped."
    )
    declined: FieldSource | None = _source(
        "True when the invitee declined (map Salesforce Status with `value_maps`): not counted."
    )


class OpportunityFieldMap(FieldMap):
    KINDS: ClassVar[dict[str, FieldKind]] = {
        "id": "id",
        "account_id": "reference",
        "name": "text",
        "stage": "picklist",
        "amount": "number",
        "close_date": "date",
        "closed": "boolean",
        "won": "boolean",
        "owner_id": "reference",
        "closed_at": "datetime",
    }
    id: FieldSource = Field(description="Record id of the deal / opportunity.")
    account_id: FieldSource = Field(
        description="The alliance account / company it belongs to (Salesforce AccountId; HubSpot "
        "{association: companies})."
    )
    name: FieldSource | None = _source("Deal name.")
    stage: FieldSource | None = _source("Pipeline stage (the sponsor brief counts deals by stage).")
    amount: FieldSource | None = _source("Amount (a number).")
    close_date: FieldSource | None = _source("Expected or actual close date.")
    closed: FieldSource | None = _source("True once the deal is closed (won or lost).")
    won: FieldSource | None = _source("True when the deal closed won.")
    owner_id: FieldSource | None = _source("Owner (user id).")
    closed_at: FieldSource | None = _source(
        "When it closed, where the CRM keeps it; unmapped: the close date of a closed deal."
    )


class CaseFieldMap(FieldMap):
    KINDS: ClassVar[dict[str, FieldKind]] = {
        "id": "id",
        "account_id": "reference",
        "contact_id": "reference",
        "subject": "text",
        "priority": "picklist",
        "escalated": "boolean",
        "closed": "boolean",
        "opened_at": "datetime",
        "closed_at": "datetime",
        "owner_id": "reference",
    }
    id: FieldSource = Field(description="Record id of the case / ticket.")
    account_id: FieldSource | None = _source(
        "The account / company it is about (Salesforce AccountId; HubSpot {association: companies})."
    )
    contact_id: FieldSource | None = _source(
        "The partner contact who raised it: a case with only a contact of an alliance belongs to that alliance."
    )
    subject: FieldSource | None = _source("Subject line.")
    priority: FieldSource | None = _source("Priority as the CRM names it.")
    escalated: FieldSource | None = _source(
        "True when the case is an escalation: the mapping says what an escalation is (Salesforce "
        "IsEscalated; HubSpot hs_ticket_priority with value_maps {HIGH: true, URGENT: true}). The same CRM "
        "field may feed priority too."
    )
    closed: FieldSource | None = _source("True once closed; map status or stage values with `value_maps`.")
    opened_at: FieldSource | None = _source("When it was opened (created).")
    closed_at: FieldSource | None = _source("When it was closed.")
    owner_id: FieldSource | None = _source("Owner (user id) of the case / ticket.")


class OpportunityPartnerFieldMap(FieldMap):
    KINDS: ClassVar[dict[str, FieldKind]] = {
        "id": "id",
        "opportunity_id": "reference",
        "account_id": "reference",
        "role": "picklist",
    }
    id: FieldSource = Field(description="Record id of the partner link.")
    opportunity_id: FieldSource = Field(description="The opportunity (Salesforce OpportunityId).")
    account_id: FieldSource = Field(
        description="The partner account (Salesforce AccountToId): an alliance named here counts the deal in "
        "its pipeline, whatever account the deal is on."
    )
    role: FieldSource | None = _source("The partner's role on the deal (System Integrator, Reseller, ...).")


class ObjectMapping(Strict):
    """One CRM object feeding one kind of canonical record."""

    object: ApiName = Field(
        description="CRM object API name: Account, Task, ...; on HubSpot companies, tasks, ..."
    )
    watermark: ApiName = Field(
        description="Field that orders changes, for incremental pulls (Salesforce SystemModstamp, HubSpot "
        "hs_lastmodifieddate; contacts use lastmodifieddate)."
    )
    fields: FieldMap
    associations: list[str] = Field(
        default_factory=list,
        description="HubSpot only: object types whose associated ids are pulled with each record "
        "(e.g. [contacts, companies]); needed by {association: ...} field sources.",
    )
    value_maps: dict[str, ValueMap] = Field(
        default_factory=dict,
        description="Canonical field -> {CRM value: canonical value}. CRM values are compared as text, "
        "case-insensitively (booleans as true/false); a value missing from the map becomes empty.",
    )
    defaults: dict[str, Scalar] = Field(
        default_factory=dict,
        description="Canonical field -> value used when the field is not read or comes back empty "
        "(e.g. kind: meeting for a meetings object).",
    )
    labels: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Canonical field -> {CRM value: the name people see in the CRM}, for text people "
        "read (the deal stages in the sponsor brief and in deal tasks; HubSpot's API returns stage ids "
        "such as contractsent, or numbers in custom pipelines). Unlike value_maps, a value not listed "
        "is shown as the CRM returns it.",
    )


class UsersMapping(ObjectMapping):
    fields: UserFieldMap = Field(description="Canonical user field -> source.")


class AccountsMapping(ObjectMapping):
    fields: AccountFieldMap = Field(description="Canonical account field -> source.")


class ContactsMapping(ObjectMapping):
    fields: ContactFieldMap = Field(description="Canonical contact field -> source.")


class AccountTeamMapping(ObjectMapping):
    fields: AccountTeamFieldMap = Field(description="Canonical account-team field -> source.")


class ActivityMapping(ObjectMapping):
    fields: ActivityFieldMap = Field(description="Canonical activity field -> source.")


class ParticipantMapping(ObjectMapping):
    fields: ParticipantFieldMap = Field(description="Canonical participant field -> source.")


class OpportunitiesMapping(ObjectMapping):
    fields: OpportunityFieldMap = Field(description="Canonical deal field -> source.")


class CasesMapping(ObjectMapping):
    fields: CaseFieldMap = Field(description="Canonical case field -> source.")


class OpportunityPartnersMapping(ObjectMapping):
    fields: OpportunityPartnerFieldMap = Field(description="Canonical partner-link field -> source.")


class Objects(Strict):
    """Where each canonical record comes from."""

    users: UsersMapping = Field(description="Internal users (Salesforce User, HubSpot owners).")
    accounts: AccountsMapping = Field(description="Accounts / companies; `alliances` picks the alliances.")
    contacts: ContactsMapping = Field(description="Contacts of the accounts (partner people).")
    account_team: AccountTeamMapping | None = Field(
        default=None,
        description="Salesforce only: AccountTeamMember, needed when `sponsor.source` is account_team.",
    )
    activities: list[ActivityMapping] = Field(
        min_length=1, description="Activity objects (tasks, events, meetings, calls, emails, notes)."
    )
    participants: list[ParticipantMapping] = Field(
        default_factory=list,
        description="Salesforce: objects listing everyone on an activity besides its owner and WhoId "
        "(EventRelation: invitees, and contacts with Shared Activities; TaskRelation: contacts of a task, "
        "Shared Activities only). Every internal user and partner contact on an activity counts it as a touch.",
    )
    opportunities: OpportunitiesMapping | None = Field(
        default=None,
        description="Optional: the partner pipeline (Salesforce Opportunity on the alliance account, HubSpot "
        "deals associated with the company). Leave the section out and no deal is pulled.",
    )
    cases: CasesMapping | None = Field(
        default=None,
        description="Optional: partner issues and escalations (Salesforce Case on the alliance account or one "
        "of its contacts, HubSpot tickets associated with the company). Leave the section out and no case "
        "is pulled.",
    )
    opportunity_partners: OpportunityPartnersMapping | None = Field(
        default=None,
        description="Optional, Salesforce only: OpportunityPartner, the partner accounts of opportunities. A "
        "deal on another account (a joint customer) with an alliance as its partner counts in that "
        "alliance's pipeline. Needs `opportunities`.",
    )

    def named(self) -> list[tuple[tuple[str | int, ...], ObjectMapping]]:
        """Every object section with its path in the file."""
        found: list[tuple[tuple[str | int, ...], ObjectMapping]] = [
            (("objects", "users"), self.users),
            (("objects", "accounts"), self.accounts),
            (("objects", "contacts"), self.contacts),
        ]
        if self.account_team is not None:
            found.append((("objects", "account_team"), self.account_team))
        found.extend((("objects", "activities", i), a) for i, a in enumerate(self.activities))
        found.extend((("objects", "participants", i), p) for i, p in enumerate(self.participants))
        for name in OPTIONAL_KINDS:
            spec = getattr(self, name)
            if spec is not None:
                found.append((("objects", name), spec))
        return found


#: Optional single-object sections, pulled only when present (in this order).
OPTIONAL_KINDS = ("opportunities", "cases", "opportunity_partners")
