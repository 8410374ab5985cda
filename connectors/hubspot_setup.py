"""``sponsorsync setup`` and ``cleanup`` on HubSpot: property groups and custom properties through the
properties API (``/crm/v3/properties/{objectType}`` and ``.../groups``), records found by their sync
key through search, and batch archive. Functions of the connector's own call plumbing, so the retry,
pacing and error translation are the connector's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hubspot.crm.objects import BatchInputSimplePublicObjectId, SimplePublicObjectId
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyGroupCreate

from sponsorsync.connectors.base import FieldDefinition, SetupStep
from sponsorsync.connectors.errors import CrmRequestError

PAGE = 100
ARCHIVE_BATCH = 100

Call = Callable[[str, Callable[[Any], Any]], Any]  # (what, fn(apis) -> SDK response) -> decoded answer
Search = Callable[[str, dict[str, Any]], dict[str, Any]]  # (object type, body) -> one page


def property_create(definition: FieldDefinition) -> PropertyCreate:
    """The properties API's PropertyCreate for ``definition``."""
    kind, field_type, options = "string", "text", None
    extra: dict[str, Any] = {}
    if definition.kind == "picklist":
        kind, field_type = "enumeration", "select"
        options = [
            OptionInput(
                label=value.replace("_", " ").capitalize(), value=value, display_order=i, hidden=False
            )
            for i, value in enumerate(definition.options)
        ]
    elif definition.kind == "reference":  # an owner property: its value is an owner id
        kind, field_type = "enumeration", "select"
        extra = {"referenced_object_type": definition.reference_to or "OWNER", "external_options": True}
    elif definition.kind == "date":
        kind, field_type = "date", "date"
    elif definition.kind == "boolean":
        kind, field_type = "bool", "booleancheckbox"
        options = [
            OptionInput(label="Yes", value="true", display_order=0, hidden=False),
            OptionInput(label="No", value="false", display_order=1, hidden=False),
        ]
    return PropertyCreate(
        name=definition.name,
        label=definition.label,
        type=kind,
        field_type=field_type,
        group_name=definition.group or "sponsorsync",
        description=f"sponsorsync: {definition.purpose}" if definition.purpose else None,
        options=options,
        has_unique_value=definition.unique,
        form_field=False,
        **extra,
    )


def create_fields(call: Call, fields: Sequence[FieldDefinition], kw: dict[str, Any]) -> list[SetupStep]:
    """Each property's group (once per object type), then the property; what exists is a step
    with ``created=False``, a refusal a step with ``ok=False``."""
    steps: list[SetupStep] = []
    groups_ready: set[tuple[str, str]] = set()
    for definition in fields:
        group = definition.group or "sponsorsync"
        if (definition.object, group) not in groups_ready:
            step = _group(call, definition.object, group, kw)
            if step is not None:
                steps.append(step)
                if not step.ok:
                    continue
            groups_ready.add((definition.object, group))
        what = f"property {definition.object}.{definition.name}"
        body = property_create(definition)
        try:

            def send(api: Any, o: str = definition.object, b: PropertyCreate = body) -> Any:
                return api.properties.create(o, b, **kw)

            call(f"creating {what}", send)
        except CrmRequestError as exc:
            if exc.status == 409:
                steps.append(SetupStep(what, ok=True, message="already exists"))
            else:
                steps.append(SetupStep(what, ok=False, error_code=exc.error_code, message=exc.message))
            continue
        steps.append(SetupStep(what, ok=True, created=True))
    return steps


def _group(call: Call, object_type: str, name: str, kw: dict[str, Any]) -> SetupStep | None:
    what = f"property group {object_type}.{name}"
    answer = call(
        f"reading the {object_type} property groups", lambda api: api.groups.get_all(object_type, **kw)
    )
    if any(g.get("name") == name for g in (answer or {}).get("results", [])):
        return None
    body = PropertyGroupCreate(name=name, label=name, display_order=-1)
    try:
        call(f"creating {what}", lambda api: api.groups.create(object_type, body, **kw))
    except CrmRequestError as exc:
        if exc.status == 409:
            return None
        return SetupStep(what, ok=False, error_code=exc.error_code, message=exc.message)
    return SetupStep(what, ok=True, created=True)


def keyed_records(
    search: Search, object_type: str, key_field: str, fields: Sequence[str]
) -> list[dict[str, Any]]:
    """Every record with ``key_field`` set: keyset pages on ``hs_object_id`` (never past search's
    10,000-result cap, never skipping a record)."""
    found: list[dict[str, Any]] = []
    last = 0
    while True:
        filters: list[dict[str, Any]] = [{"propertyName": key_field, "operator": "HAS_PROPERTY"}]
        if last:
            filters.append({"propertyName": "hs_object_id", "operator": "GT", "value": str(last)})
        body = {
            "filterGroups": [{"filters": filters}],
            "properties": list(dict.fromkeys([key_field, *fields])),
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": PAGE,
        }
        page = search(object_type, body).get("results") or []
        found += page
        if len(page) < PAGE:
            return found
        last = max(int(raw["id"]) for raw in page)


def archive(call: Call, object_type: str, ids: Sequence[str], kw: dict[str, Any]) -> None:
    """Archive records in batches (HubSpot answers 204, ignoring ids already gone)."""
    for start in range(0, len(ids), ARCHIVE_BATCH):
        body = BatchInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in ids[start : start + ARCHIVE_BATCH]]
        )

        def send(api: Any, b: BatchInputSimplePublicObjectId = body) -> Any:
            return api.batch.archive(object_type, b, **kw)

        call(f"archiving {object_type}", send)
