"""The CRM object types the HubSpot emulator serves and the HUBSPOT_DEFINED association types
between them (ids as in HubSpot's association type table)."""

from __future__ import annotations

from dataclasses import dataclass

from sponsorsync.sandbox.hubspot.errors import HubSpotError


@dataclass(frozen=True)
class ObjectType:
    name: str  # the plural API name, e.g. "contacts"
    type_id: str  # e.g. "0-1"
    singular: str  # e.g. "contact" (association type names, error messages)
    id_base: int  # ids of this type are id_base + n (distinct ranges per type)
    created_prop: str
    modified_props: tuple[str, ...]  # the last-modified properties, all set on every write
    default_props: tuple[str, ...]  # returned when a read names no properties
    query_props: tuple[str, ...]  # searched by the search endpoint's free-text "query"

    @property
    def modified_prop(self) -> str:
        """The property incremental pulls watch (contacts: lastmodifieddate)."""
        return self.modified_props[0]

    def url(self, portal_id: int, object_id: str) -> str:
        if self.name in ("contacts", "companies", "deals", "tickets"):
            return f"https://app.hubspot.com/contacts/{portal_id}/record/{self.type_id}/{object_id}"
        if self.name == "tasks":
            return f"https://app.hubspot.com/tasks/{portal_id}/view/all/task/{object_id}"
        return f"https://app.hubspot.com/contacts/{portal_id}/objects/{self.type_id}/{object_id}"


def _engagement(name: str, type_id: str, singular: str, id_base: int, subject: str) -> ObjectType:
    return ObjectType(
        name=name,
        type_id=type_id,
        singular=singular,
        id_base=id_base,
        created_prop="hs_createdate",
        modified_props=("hs_lastmodifieddate",),
        default_props=("hs_createdate", "hs_lastmodifieddate", "hs_object_id", "hs_timestamp", subject),
        query_props=(subject,),
    )


CONTACTS = ObjectType(
    name="contacts",
    type_id="0-1",
    singular="contact",
    id_base=10_000_000_000,
    created_prop="createdate",
    modified_props=("lastmodifieddate", "hs_lastmodifieddate"),
    default_props=("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    query_props=("firstname", "lastname", "email", "phone", "company"),
)
COMPANIES = ObjectType(
    name="companies",
    type_id="0-2",
    singular="company",
    id_base=20_000_000_000,
    created_prop="createdate",
    modified_props=("hs_lastmodifieddate",),
    default_props=("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    query_props=("name", "domain", "website"),
)
TASKS = _engagement("tasks", "0-27", "task", 30_000_000_000, "hs_task_subject")
MEETINGS = _engagement("meetings", "0-47", "meeting", 40_000_000_000, "hs_meeting_title")
CALLS = _engagement("calls", "0-48", "call", 50_000_000_000, "hs_call_title")
EMAILS = _engagement("emails", "0-49", "email", 60_000_000_000, "hs_email_subject")
NOTES = _engagement("notes", "0-46", "note", 70_000_000_000, "hs_note_body")

DEALS = ObjectType(
    name="deals",
    type_id="0-3",
    singular="deal",
    id_base=80_000_000_000,
    created_prop="createdate",
    modified_props=("hs_lastmodifieddate",),
    default_props=(
        "amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"
    ),
    query_props=("dealname",),
)  # fmt: skip
TICKETS = ObjectType(
    name="tickets",
    type_id="0-5",
    singular="ticket",
    id_base=90_000_000_000,
    created_prop="createdate",
    modified_props=("hs_lastmodifieddate",),
    default_props=(
        "content", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_pipeline", "hs_pipeline_stage",
        "hs_ticket_category", "hs_ticket_priority", "subject",
    ),
    query_props=("subject", "content"),
)  # fmt: skip

OBJECT_TYPES: tuple[ObjectType, ...] = (
    CONTACTS, COMPANIES, TASKS, MEETINGS, CALLS, EMAILS, NOTES, DEALS, TICKETS
)  # fmt: skip
ENGAGEMENTS: tuple[ObjectType, ...] = (TASKS, MEETINGS, CALLS, EMAILS, NOTES)
BY_NAME: dict[str, ObjectType] = {t.name: t for t in OBJECT_TYPES}
_ALIASES: dict[str, ObjectType] = {
    **{t.name: t for t in OBJECT_TYPES},
    **{t.singular: t for t in OBJECT_TYPES},
    **{t.type_id: t for t in OBJECT_TYPES},
}


def resolve(name: str) -> ObjectType:
    """The object type for a path segment: plural name, singular name or type id (0-1...)."""
    found = _ALIASES.get(name.lower())
    if found is None:
        raise HubSpotError(400, "VALIDATION_ERROR", f"Unable to infer object type from: {name}")
    return found


def type_of_id(object_id: int) -> ObjectType | None:
    """The object type whose id range holds ``object_id`` (ids never collide across types)."""
    for otype in OBJECT_TYPES:
        if otype.id_base < object_id < otype.id_base + 10_000_000_000:
            return otype
    return None


@dataclass(frozen=True)
class AssociationType:
    type_id: int
    source: str  # object type name
    target: str
    label: str | None  # "Primary" for the primary company / contact types
    v3_name: str  # the "type" a v3 GET ?associations= shows


PRIMARY_CONTACT_TO_COMPANY = 1
PRIMARY_COMPANY_TO_CONTACT = 2


def _pair(forward: int, backward: int, source: ObjectType, target: ObjectType) -> list[AssociationType]:
    return [
        AssociationType(forward, source.name, target.name, None, f"{source.singular}_to_{target.singular}"),
        AssociationType(backward, target.name, source.name, None, f"{target.singular}_to_{source.singular}"),
    ]


_TYPES: list[AssociationType] = [
    AssociationType(PRIMARY_CONTACT_TO_COMPANY, "contacts", "companies", "Primary", "contact_to_company"),
    AssociationType(279, "contacts", "companies", None, "contact_to_company_unlabeled"),
    AssociationType(PRIMARY_COMPANY_TO_CONTACT, "companies", "contacts", "Primary", "company_to_contact"),
    AssociationType(280, "companies", "contacts", None, "company_to_contact_unlabeled"),
    *_pair(204, 203, TASKS, CONTACTS),
    *_pair(192, 191, TASKS, COMPANIES),
    *_pair(200, 199, MEETINGS, CONTACTS),
    *_pair(188, 187, MEETINGS, COMPANIES),
    *_pair(194, 193, CALLS, CONTACTS),
    *_pair(182, 181, CALLS, COMPANIES),
    *_pair(198, 197, EMAILS, CONTACTS),
    *_pair(186, 185, EMAILS, COMPANIES),
    *_pair(202, 201, NOTES, CONTACTS),
    *_pair(190, 189, NOTES, COMPANIES),
    # deals and tickets: the unlabeled types (HubSpot's "Primary" deal / ticket to company labels,
    # 5 / 6 and 26 / 25, are not served)
    *_pair(341, 342, DEALS, COMPANIES),
    *_pair(3, 4, DEALS, CONTACTS),
    *_pair(339, 340, TICKETS, COMPANIES),
    *_pair(16, 15, TICKETS, CONTACTS),
    *_pair(230, 229, TASKS, TICKETS),
    *_pair(216, 215, TASKS, DEALS),
]
ASSOCIATION_TYPES: dict[int, AssociationType] = {t.type_id: t for t in _TYPES}
# the unlabeled ("default") type for each directed pair
DEFAULT_TYPE: dict[tuple[str, str], int] = {
    (t.source, t.target): t.type_id for t in _TYPES if t.label is None
}
PRIMARY_TYPE: dict[tuple[str, str], int] = {
    ("contacts", "companies"): PRIMARY_CONTACT_TO_COMPANY,
    ("companies", "contacts"): PRIMARY_COMPANY_TO_CONTACT,
}


def reverse_type(type_id: int) -> int:
    """The type id of the same association seen from the other side."""
    forward = ASSOCIATION_TYPES[type_id]
    if forward.label == "Primary":
        return PRIMARY_TYPE[(forward.target, forward.source)]
    return DEFAULT_TYPE[(forward.target, forward.source)]
