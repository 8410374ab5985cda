"""``sponsorsync setup``: the custom fields / properties a mapping needs, and which of them a CRM lacks.

Pure: :func:`needed_fields` reads only the mapping; :func:`missing_fields` compares that with the
CRM's descriptions (the ``describe`` results :func:`mappings.live.describe_objects` gathers). Only the
fields that hold sponsorsync's own data are ever proposed (the alliance tier and focus, the sponsor,
the health fields, the sync key and the provenance stamps); a missing standard field is a mapping
problem that ``check`` reports, never something setup creates.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from sponsorsync.connectors.base import FieldDefinition, FieldKind, ObjectSchema
from sponsorsync.mappings.model import Mapping

#: The HubSpot property group setup puts sponsorsync's properties in.
HUBSPOT_GROUP = "sponsorsync"
#: How close to an existing field a missing name must be to count as its typo, not a new field.
TYPO_CUTOFF = 0.9
#: Salesforce objects whose custom fields are defined on Activity (shared by Task and Event).
ACTIVITY_OBJECTS = frozenset({"task", "event"})


def needed_fields(mapping: Mapping) -> list[FieldDefinition]:
    """Every custom field the mapping reads or writes that holds sponsorsync's data, defined from the
    mapping (picklist values from ``value_maps`` and the health values), once per object and name."""
    found: dict[tuple[str, str], FieldDefinition] = {}
    for definition in _candidates(mapping):
        if _is_custom(mapping.crm, definition.name):
            found.setdefault((definition.object.casefold(), definition.name.casefold()), definition)
    return list(found.values())


def missing_fields(mapping: Mapping, schemas: dict[str, ObjectSchema]) -> list[FieldDefinition]:
    """The :func:`needed_fields` the CRM does not show. Left to ``check`` (which says "did you
    mean"): an object the CRM does not show (setup creates fields, not objects), and a name within a
    typo of a field the object has (``Sponsor_Helth__c`` beside ``Sponsor_Health__c``)."""
    missing = []
    for definition in needed_fields(mapping):
        schema = schemas.get(definition.object)
        if schema is None:
            continue
        names = {n.casefold() for n in schema.fields} if mapping.crm == "salesforce" else set(schema.fields)
        wanted = definition.name.casefold() if mapping.crm == "salesforce" else definition.name
        if wanted in names or difflib.get_close_matches(wanted, list(names), n=1, cutoff=TYPO_CUTOFF):
            continue
        missing.append(definition)
    return missing


def label_for(name: str) -> str:
    """``Alliance_Tier__c`` -> ``Alliance Tier``; ``alliance_tier`` -> ``Alliance tier``."""
    base = name.removesuffix("__c")
    if "__" in base:  # a namespace prefix (ns__Field)
        base = base.split("__", 1)[1]
    words = base.replace("_", " ").split()
    if name.endswith("__c"):
        return " ".join(w[:1].upper() + w[1:] for w in words)
    return " ".join(words).capitalize()


def _is_custom(crm: str, name: str) -> bool:
    if crm == "salesforce":
        return name.endswith("__c")
    return not name.startswith(("hs_", "hubspot_"))


def _define(
    mapping: Mapping,
    object_name: str,
    name: str,
    kind: FieldKind,
    purpose: str,
    *,
    options: tuple[str, ...] = (),
    key: bool = False,
) -> FieldDefinition:
    hubspot = mapping.crm == "hubspot"
    reference_to = ("OWNER" if hubspot else "User") if kind == "reference" else None
    activity = object_name.casefold() in ACTIVITY_OBJECTS
    return FieldDefinition(
        object=object_name,
        name=name,
        kind=kind,
        label=label_for(name),
        length=255 if kind == "text" else 0,
        options=options,
        reference_to=reference_to,
        # Salesforce: an upsert key must be an External ID; Unique is not offered on activity fields
        # (docs/salesforce-activity-keys.md). HubSpot: unique values (hasUniqueValue).
        external_id=key and not hubspot,
        unique=key and (hubspot or not activity),
        group=HUBSPOT_GROUP if hubspot else None,
        purpose=purpose,
    )


def _candidates(mapping: Mapping) -> Iterator[FieldDefinition]:
    accounts = mapping.objects.accounts
    sources = accounts.fields.sources()
    account_fields: tuple[tuple[str, FieldKind], ...] = (
        ("tier", "picklist"),
        ("focus", "picklist"),
        ("sponsor_id", "reference"),
    )
    for canonical, kind in account_fields:
        source = sources.get(canonical)
        if not isinstance(source, str) or "." in source:
            continue
        if canonical == "sponsor_id" and mapping.sponsor.source != "account_field":
            continue
        options = tuple(accounts.value_maps.get(canonical, {}))
        if canonical == "tier" and not options:
            options = tuple(mapping.cadence.tiers)
        yield _define(
            mapping,
            accounts.object,
            source,
            kind,
            f"objects.accounts.fields.{canonical}",
            options=options,
        )
    task = mapping.writeback.task
    yield _define(mapping, task.object, task.key_field, "text", "writeback.task.key_field", key=True)
    for index, activity in enumerate(mapping.objects.activities):
        key = activity.fields.sources().get("sync_key")
        if isinstance(key, str) and "." not in key:
            path = f"objects.activities[{index}].fields.sync_key"
            yield _define(mapping, activity.object, key, "text", path, key=True)
    if task.stamp_field:
        yield _define(mapping, task.object, task.stamp_field, "text", "writeback.task.stamp_field")
    account = mapping.writeback.account
    if account is None:
        return
    fields = account.fields
    if fields.health is not None:
        values = fields.health.values
        yield _define(
            mapping, account.object, fields.health.field, "picklist", "writeback.account.fields.health",
            options=tuple(dict.fromkeys((values.green, values.amber, values.red))),
        )  # fmt: skip
    if fields.last_touch is not None:
        yield _define(
            mapping, account.object, fields.last_touch.field, "date", "writeback.account.fields.last_touch"
        )
    if fields.health_reason is not None:
        path = "writeback.account.fields.health_reason"
        yield _define(mapping, account.object, fields.health_reason.field, "text", path)
    if fields.covered is not None:
        path = "writeback.account.fields.covered"
        yield _define(mapping, account.object, fields.covered.field, "boolean", path)
    if account.stamp_field:
        yield _define(mapping, account.object, account.stamp_field, "text", "writeback.account.stamp_field")


def crm_type(crm: str, definition: FieldDefinition) -> str:
    """How the CRM's own setup screens name the field's type, with its options."""
    if crm == "salesforce":
        text = {
            "text": f"Text({definition.length})",
            "picklist": f"Picklist ({', '.join(definition.options)})",
            "reference": f"Lookup({definition.reference_to})",
            "date": "Date",
            "boolean": "Checkbox",
        }[definition.kind]
        flags = [
            n for n, on in (("External ID", definition.external_id), ("Unique", definition.unique)) if on
        ]
    else:
        text = {
            "text": "string (single-line text)",
            "picklist": f"enumeration ({', '.join(definition.options)})",
            "reference": "enumeration (HubSpot user / owner)",
            "date": "date",
            "boolean": "bool (single checkbox)",
        }[definition.kind]
        flags = ["unique values"] if definition.unique else []
    return ", ".join([text, *flags])


def missing_message(crm: str, missing: list[FieldDefinition]) -> str:
    """The one-line (per field) report of what a CRM lacks, for ``check``."""
    lines = [f"the CRM lacks {len(missing)} custom {noun_for(crm, len(missing))} the mapping needs:"]
    lines += [f"  {d.object}.{d.name}: {crm_type(crm, d)} ({d.purpose})" for d in missing]
    return "\n".join(lines)


def noun_for(crm: str, count: int) -> str:
    """field / fields (Salesforce), property / properties (HubSpot)."""
    if crm == "salesforce":
        return "field" if count == 1 else "fields"
    return "property" if count == 1 else "properties"
