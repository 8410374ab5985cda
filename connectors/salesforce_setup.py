"""``sponsorsync setup`` on Salesforce: custom fields through the Tooling API, and the permission set
that makes them visible to the integration user (fields created through the API have no field-level
security for anyone until a profile or permission set grants it).

The field definitions are built once, as the Tooling API's ``Metadata`` (:func:`field_metadata`);
the Salesforce DX export (``setup export --format sfdx``) writes the same definitions as XML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sponsorsync.connectors.base import FieldDefinition, SetupStep
from sponsorsync.connectors.errors import CrmRequestError

PERMISSION_SET = "Sponsorsync_Integration"
PERMISSION_SET_LABEL = "sponsorsync integration"
PERMISSION_SET_DESCRIPTION = "Read and edit access to the fields sponsorsync reads and writes."
ACTIVITY_OBJECTS = frozenset({"task", "event"})
ALREADY_THERE = frozenset({"DUPLICATE_VALUE", "DUPLICATE_DEVELOPER_NAME"})
BATCH = 200

Restful = Callable[[str, str, str, Any], Any]  # (what, path, method, payload) -> decoded answer
Query = Callable[[str, str], list[dict[str, Any]]]  # (what, soql) -> every record


def metadata_object(definition: FieldDefinition) -> str:
    """The object a custom field is defined on: Task and Event fields live on Activity."""
    return "Activity" if definition.object.lower() in ACTIVITY_OBJECTS else definition.object


def full_name(definition: FieldDefinition) -> str:
    return f"{metadata_object(definition)}.{definition.name}"


def field_metadata(definition: FieldDefinition) -> dict[str, Any]:
    """The Metadata API's CustomField for ``definition`` (the Tooling API's ``Metadata`` body)."""
    data: dict[str, Any] = {"label": definition.label}
    if definition.purpose:
        data["description"] = f"sponsorsync: {definition.purpose}"
    if definition.kind == "text":
        data.update(type="Text", length=definition.length or 255, externalId=definition.external_id)
        if definition.unique:
            data.update(unique=True, caseSensitive=False)
    elif definition.kind == "picklist":
        data["type"] = "Picklist"
        data["valueSet"] = {
            "restricted": True,
            "valueSetDefinition": {
                "sorted": False,
                "value": [{"fullName": v, "label": v, "default": False} for v in definition.options],
            },
        }
    elif definition.kind == "reference":
        data.update(
            type="Lookup",
            referenceTo=definition.reference_to or "User",
            relationshipName=definition.name.removesuffix("__c"),
            deleteConstraint="SetNull",
        )
    elif definition.kind == "date":
        data["type"] = "Date"
    else:  # boolean
        data.update(type="Checkbox", defaultValue="false")
    return data


def create_fields(
    restful: Restful, query: Query, fields: Sequence[FieldDefinition], user_id: str | None
) -> list[SetupStep]:
    """Create each field, then grant the integration user read and edit on every field that now
    exists through the permission set, and assign it (each step once: a second run creates nothing)."""
    steps: list[SetupStep] = []
    usable: list[FieldDefinition] = []
    for definition in fields:
        what = f"field {definition.object}.{definition.name}"
        body = {"FullName": full_name(definition), "Metadata": field_metadata(definition)}
        try:
            restful(f"creating {what}", "tooling/sobjects/CustomField", "POST", body)
        except CrmRequestError as exc:
            if exc.error_code in ALREADY_THERE:
                steps.append(SetupStep(what, ok=True, message="already exists"))
                usable.append(definition)
            else:
                steps.append(SetupStep(what, ok=False, error_code=exc.error_code, message=exc.message))
            continue
        steps.append(SetupStep(what, ok=True, created=True))
        usable.append(definition)
    if usable:
        try:
            _grant(restful, query, usable, user_id, steps)
        except CrmRequestError as exc:  # what was done so far stays in the steps
            steps.append(SetupStep("field access", ok=False, error_code=exc.error_code, message=exc.message))
    return steps


def _grant(
    restful: Restful,
    query: Query,
    fields: Sequence[FieldDefinition],
    user_id: str | None,
    steps: list[SetupStep],
) -> None:
    what = f"permission set {PERMISSION_SET}"
    found = query(f"reading {what}", f"SELECT Id FROM PermissionSet WHERE Name = '{PERMISSION_SET}'")
    if found:
        set_id = str(found[0]["Id"])
    else:
        body = {
            "Name": PERMISSION_SET,
            "Label": PERMISSION_SET_LABEL,
            "Description": PERMISSION_SET_DESCRIPTION,
        }
        answer = restful(f"creating {what}", "sobjects/PermissionSet/", "POST", body) or {}
        set_id = str(answer.get("id"))
        steps.append(SetupStep(what, ok=True, created=True))
    granted = {
        str(row.get("Field", "")).lower()
        for row in query(
            f"reading the field permissions of {what}",
            f"SELECT Field FROM FieldPermissions WHERE ParentId = '{set_id}'",
        )
    }
    wanted = [d for d in fields if f"{d.object}.{d.name}".lower() not in granted]
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        records = [
            {
                "attributes": {"type": "FieldPermissions"},
                "ParentId": set_id,
                "SobjectType": d.object,
                "Field": f"{d.object}.{d.name}",
                "PermissionsRead": True,
                "PermissionsEdit": True,
            }
            for d in batch
        ]
        answer = restful(
            "granting field access", "composite/sobjects", "POST", {"allOrNone": False, "records": records}
        )
        for definition, result in zip(batch, answer or [], strict=False):
            step = f"access to {definition.object}.{definition.name} in {what}"
            if result.get("success"):
                steps.append(SetupStep(step, ok=True, created=True))
            else:
                error = (result.get("errors") or [{}])[0]
                steps.append(
                    SetupStep(
                        step,
                        ok=False,
                        error_code=error.get("statusCode"),
                        message=str(error.get("message", "")),
                    )
                )
    if user_id is None:
        return
    assigned = query(
        f"reading the assignments of {what}",
        f"SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = '{set_id}' AND AssigneeId = '{user_id}'",
    )
    if not assigned:
        body = {"PermissionSetId": set_id, "AssigneeId": user_id}
        restful(f"assigning {what}", "sobjects/PermissionSetAssignment/", "POST", body)
        steps.append(
            SetupStep(f"assignment of {what} to the integration user {user_id}", ok=True, created=True)
        )
