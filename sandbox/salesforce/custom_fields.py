"""Custom fields added through the Tooling API, a bare org, and field-level security.

A bare org (``sandbox serve --bare``) starts without the custom fields of the data model (the ones
the shipped mappings use). ``POST /tooling/sobjects/CustomField`` creates one; as in Salesforce, a
field created through the API is invisible to the integration user (describe, SOQL, writes) until a
permission set assigned to that user grants it read access (``FieldPermissions`` +
``PermissionSetAssignment``, ordinary sObjects here). Custom fields on Task and Event are defined on
``Activity`` (``FullName: Activity.Field__c``) and appear on both.

Limit: rows keep one slot per field of the model, so only the model's own custom fields can be
created, with the model's type; another name is refused with a message saying so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sponsorsync.sandbox.salesforce.ids import make_id
from sponsorsync.sandbox.salesforce.schema import (
    FIELD_PERMISSIONS,
    OBJECTS,
    PERMISSION_SET_ASSIGNMENT,
    Field,
    SObject,
)
from sponsorsync.sandbox.salesforce.store import Store

#: Tooling ``Metadata.type`` -> the describe type of the field it creates.
METADATA_TYPES = {
    "Text": "string",
    "TextArea": "textarea",
    "LongTextArea": "textarea",
    "Picklist": "picklist",
    "Lookup": "reference",
    "Date": "date",
    "DateTime": "datetime",
    "Checkbox": "boolean",
    "Email": "email",
    "Phone": "phone",
    "Url": "url",
    "Number": "double",
}
ACTIVITY = ("task", "event")
_FIELD_ID_PREFIX = "00N"


class ToolingError(Exception):
    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields


def _model_custom() -> dict[str, frozenset[str]]:
    return {
        key: frozenset(f.name.lower() for f in obj.fields if f.custom)
        for key, obj in OBJECTS.items()
        if any(f.custom for f in obj.fields)
    }


class CustomFields:
    """Which custom fields exist (created or seeded) and which the integration user can see."""

    def __init__(self, store: Store, api_user_id: str, *, bare: bool = False) -> None:
        self.store = store
        self.api_user_id = api_user_id
        self.bare = bare
        self.absent: dict[str, set[str]] = {}
        self.created: dict[str, dict[str, Field]] = {}
        self._next = 1
        self._version = 0  # bumped by every create
        self._cache: dict[str, tuple[tuple[Any, ...], SObject]] = {}
        self.reset()

    def reset(self) -> None:
        self.absent = {k: set(v) for k, v in _model_custom().items()} if self.bare else {}
        self.created = {}
        self._next = 1
        self._version += 1

    @property
    def active(self) -> bool:
        return bool(self.absent) or bool(self.created)

    # -- what the integration user sees --------------------------------------------------------
    def hidden(self) -> dict[str, set[str]]:
        """object (lower case) -> its custom fields (lower case) this org's API user cannot see."""
        granted = self._granted()
        found = {key: set(names) for key, names in self.absent.items() if names}
        for key, fields in self.created.items():
            unseen = {name for name in fields if f"{key}.{name}" not in granted}
            if unseen:
                found.setdefault(key, set()).update(unseen)
        return found

    def apply(self, objects: dict[str, SObject]) -> dict[str, SObject]:
        """``objects`` as the API user sees them: absent and ungranted fields hidden, created
        fields with the definition they were created with."""
        if not self.active:
            return objects
        shown = dict(objects)
        hidden = self.hidden()
        for key in set(hidden) | set(self.created):
            obj = shown.get(key)
            if obj is None:
                continue
            unseen = frozenset(hidden.get(key, ()))
            signature = (key, obj.hidden, unseen, self._version)
            cached = self._cache.get(key)
            if cached is None or cached[0] != signature:  # the same object while nothing changed
                defined = self.created.get(key, {})
                fields = tuple(defined.get(f.name.lower(), f) for f in obj.fields) if defined else obj.fields
                cached = (signature, replace(obj, fields=fields, hidden=obj.hidden | unseen))
                self._cache[key] = cached
            shown[key] = cached[1]
        return shown

    def _granted(self) -> set[str]:
        assignments = self.store.table(PERMISSION_SET_ASSIGNMENT.name)
        permissions = self.store.table(FIELD_PERMISSIONS.name)
        if assignments is None or permissions is None:
            return set()
        set_slot, user_slot = (PERMISSION_SET_ASSIGNMENT.slot(n) for n in ("PermissionSetId", "AssigneeId"))
        sets = {row[set_slot] for row in assignments.rows() if row[user_slot] == self.api_user_id}
        parent, field, read = (FIELD_PERMISSIONS.slot(n) for n in ("ParentId", "Field", "PermissionsRead"))
        granted: set[str] = set()
        for row in permissions.rows():
            if row[parent] in sets and row[read]:
                object_name, _, name = str(row[field]).lower().partition(".")
                for key in ACTIVITY if object_name == "activity" else (object_name,):
                    granted.add(f"{key}.{name}")
        return granted

    # -- Tooling API: CustomField create --------------------------------------------------------
    def create(self, payload: Any) -> str:
        """Create the field ``payload`` describes (``FullName`` and ``Metadata``); its id."""
        if not isinstance(payload, dict) or not isinstance(payload.get("Metadata"), dict):
            raise ToolingError("JSON_PARSER_ERROR", "Metadata: required field is missing")
        full_name = str(payload.get("FullName") or "")
        object_name, _, name = full_name.partition(".")
        if not name:
            raise ToolingError(
                "FIELD_INTEGRITY_EXCEPTION", "FullName: must be Object.Field__c", ("FullName",)
            )
        if not name.endswith("__c"):
            raise ToolingError(
                "FIELD_INTEGRITY_EXCEPTION", f"Field Name: a custom field's name ends in __c ({name})"
            )
        keys = ACTIVITY if object_name.lower() == "activity" else (object_name.lower(),)
        models = [(key, OBJECTS[key]) for key in keys if key in OBJECTS]
        if len(models) > 1:  # an Activity field: on the activity objects whose model has it
            has = [
                (k, o)
                for k, o in models
                if any(f.custom and f.name.lower() == name.lower() for f in o.fields)
            ]
            models = has or models[:1]
        if not models:
            raise ToolingError("FIELD_INTEGRITY_EXCEPTION", f"Cannot find entity: {object_name}")
        if any(key in ACTIVITY for key in keys) and object_name.lower() != "activity":
            raise ToolingError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"Custom fields of {object_name} are defined on Activity: use FullName Activity.{name}",
            )
        metadata: dict[str, Any] = payload["Metadata"]
        definitions = [(key, self._define(obj, name, metadata)) for key, obj in models]
        for key, definition in definitions:
            if definition.name.lower() not in self.absent.get(key, set()):
                raise ToolingError(
                    "DUPLICATE_VALUE",
                    "duplicate value found: <unknown> duplicates value on record with id: <unknown>",
                )
        for key, definition in definitions:
            self.absent[key].discard(definition.name.lower())
            self.created.setdefault(key, {})[definition.name.lower()] = definition
        field_id = make_id(_FIELD_ID_PREFIX, 4_000_000 + self._next)
        self._next += 1
        self._version += 1
        return field_id

    def _define(self, obj: SObject, name: str, metadata: dict[str, Any]) -> Field:
        kind = metadata.get("type")
        if kind not in METADATA_TYPES:
            raise ToolingError(
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of FieldType from VALUE_STRING value {kind} or request may be "
                "missing a required field",
            )
        label = str(metadata.get("label") or "")
        if not label:
            raise ToolingError("FIELD_INTEGRITY_EXCEPTION", "Field Label: You must enter a value", ("label",))
        model = next((f for f in obj.fields if f.name.lower() == name.lower() and f.custom), None)
        if model is None:
            known = ", ".join(sorted(f.name for f in obj.fields if f.custom)) or "none"
            raise ToolingError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"The sandbox can add only the custom fields of its data model to {obj.name} ({known}), "
                f"not {name}",
            )
        if METADATA_TYPES[kind] != model.type:
            raise ToolingError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"The sandbox's data model has {obj.name}.{model.name} as a {model.type} field, not {kind}",
            )
        changes: dict[str, Any] = {"label": label, "external_id": bool(metadata.get("externalId"))}
        unique = bool(metadata.get("unique"))
        if unique and obj.is_activity:
            raise ToolingError(
                "FIELD_INTEGRITY_EXCEPTION", "Unique: this option is not available on activity custom fields"
            )
        changes["unique"] = unique
        changes["id_lookup"] = changes["external_id"] or unique
        if kind in ("Text", "TextArea", "LongTextArea"):
            length = metadata.get("length")
            if not isinstance(length, int) or not 1 <= length <= (255 if kind == "Text" else 131072):
                raise ToolingError("FIELD_INTEGRITY_EXCEPTION", "Length: You must enter a value", ("length",))
            changes["length"] = length
        if kind == "Picklist":
            changes["picklist"], changes["restricted"] = _value_set(metadata)
        if kind == "Lookup":
            target, relationship = metadata.get("referenceTo"), metadata.get("relationshipName")
            if (
                str(target).lower() not in OBJECTS
                or OBJECTS[str(target).lower()].name not in model.reference_to
            ):
                raise ToolingError(
                    "FIELD_INTEGRITY_EXCEPTION", f"referenceTo: {target} is not a valid lookup target here"
                )
            if not relationship:
                raise ToolingError(
                    "FIELD_INTEGRITY_EXCEPTION", "Child Relationship Name: You must enter a value"
                )
        return replace(model, **changes)


def _value_set(metadata: dict[str, Any]) -> tuple[tuple[str, ...], bool]:
    value_set = metadata.get("valueSet")
    definition = value_set.get("valueSetDefinition") if isinstance(value_set, dict) else None
    values = definition.get("value") if isinstance(definition, dict) else None
    if not isinstance(values, list) or not values:
        raise ToolingError(
            "FIELD_INTEGRITY_EXCEPTION", "Values: a picklist needs at least one value", ("valueSet",)
        )
    names = tuple(str(v.get("fullName") or v.get("label") or "") for v in values if isinstance(v, dict))
    if not all(names):
        raise ToolingError("FIELD_INTEGRITY_EXCEPTION", "Values: each value needs a fullName", ("valueSet",))
    assert isinstance(value_set, dict)
    return names, bool(value_set.get("restricted"))
