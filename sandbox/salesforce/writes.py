"""Creating, updating, deleting and upserting one record: field validation with Salesforce's error
codes and messages, derived fields, audit fields. Every write goes through ``Store.put`` so a request
can roll back (allOrNone, composite)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sponsorsync.sandbox.salesforce.ids import normalize
from sponsorsync.sandbox.salesforce.schema import (
    CLOSED_CASE_STATUSES,
    CLOSED_STAGES,
    CLOSED_TASK_STATUSES,
    CONTACT,
    HISTORY_DATA_TYPES,
    HISTORY_OF,
    TRACKED_FIELDS,
    WON_STAGES,
    Field,
    SObject,
)
from sponsorsync.sandbox.salesforce.seed import row_from
from sponsorsync.sandbox.salesforce.store import Row, Store, Table, ext_key
from sponsorsync.sandbox.salesforce.values import format_datetime, parse_date, parse_datetime

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
_CONTACT_ACCOUNT = CONTACT.slot("AccountId")
_SOAP = {
    "boolean": "boolean", "datetime": "datetime", "date": "date", "int": "int", "double": "double", "currency": "double"
}  # fmt: skip


@dataclass
class WriteError(Exception):
    """One record's failure, as Salesforce reports it (``statusCode`` in collections)."""

    code: str
    message: str
    fields: tuple[str, ...] = ()

    def item(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields)}

    def top_level(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields:
            body["fields"] = list(self.fields)
        return body


class NotFound(WriteError):
    """The record addressed does not exist (404 on the single-record resources)."""


class Gone(WriteError):
    """The record addressed is deleted (404 ENTITY_IS_DELETED on the single-record resources)."""


def not_found() -> NotFound:
    return NotFound("NOT_FOUND", "The requested resource does not exist")


class Writer:
    def __init__(self, store: Store, api_user_id: str) -> None:
        self.store = store
        self.api_user_id = api_user_id
        self._acting = threading.local()
        # An object as the API user sees it (set by the org): without a bare org's fields not created
        # yet or created ones no permission set grants, with created fields' own definitions.
        self.visible: Callable[[SObject], SObject] = lambda obj: obj

    def act_as(self, user_id: str | None) -> None:
        """The user whose session sends the current request (CreatedById, LastModifiedById)."""
        self._acting.user = user_id

    @property
    def actor(self) -> str:
        return getattr(self._acting, "user", None) or self.api_user_id

    # -- operations ------------------------------------------------------------------------------
    def create(self, table: Table, body: dict[str, Any], stamp: int) -> str:
        obj = table.obj
        _refuse_read_only(obj, "insert")
        values = self._coerce(obj, body, creating=True)
        owner = {"OwnerId": self.actor} if obj.field("OwnerId") is not None else {}
        record = row_from(obj, table.new_id(), {**owner, **values})
        record.update(CreatedDate=stamp, CreatedById=self.actor)
        self._finish(table, record, None, stamp)
        return str(record["Id"])

    def update(self, table: Table, record_id: str, body: dict[str, Any], stamp: int) -> None:
        row = self.existing(table, record_id)
        _refuse_read_only(table.obj, "update")
        values = self._coerce(table.obj, body, creating=False)
        record = dict(zip((f.name for f in table.obj.fields), row, strict=True))
        record.update(values)
        self._finish(table, record, row, stamp)
        self._track(table.obj, row, record, stamp)

    def delete(self, table: Table, record_id: str, stamp: int) -> None:
        row = self.existing(table, record_id)
        if not table.obj.has_is_deleted or table.obj.read_only:
            raise WriteError(
                "INVALID_TYPE_FOR_OPERATION", f"entity type {table.obj.name} does not support delete"
            )
        record = dict(zip((f.name for f in table.obj.fields), row, strict=True))
        record.update(IsDeleted=True, LastModifiedDate=stamp, LastModifiedById=self.actor)
        record["SystemModstamp"] = stamp
        self.store.put(table, tuple(record[f.name] for f in table.obj.fields))

    def upsert(
        self, table: Table, key: Field, value: Any, body: dict[str, Any], stamp: int
    ) -> tuple[str, bool]:
        """(id, created) for the record whose ``key`` is ``value``; 300-worthy ambiguity raises Ambiguous."""
        matches = self.matches(table, key, value)
        if len(matches) > 1:
            raise Ambiguous(matches)
        if key.name != "Id":
            sent = next((v for k, v in body.items() if k.lower() == key.name.lower()), value)
            if ext_key(key, sent) != ext_key(key, value):
                raise WriteError(
                    "INVALID_FIELD", f"{key.name}: value in the body differs from the URL", (key.name,)
                )
            body = {k: v for k, v in body.items() if k.lower() != key.name.lower()}
        if matches:
            self.update(table, matches[0], body, stamp)
            return matches[0], False
        if key.name == "Id":
            raise WriteError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        return self.create(table, {**body, key.name: value}, stamp), True

    # -- lookups ---------------------------------------------------------------------------------
    def existing(self, table: Table, record_id: str) -> Row:
        normalized = normalize(record_id)
        row = table.get(normalized) if normalized else None
        if row is None:
            raise not_found()
        if table.obj.has_is_deleted and row[table.obj.slot("IsDeleted")]:
            raise Gone("ENTITY_IS_DELETED", "entity is deleted")
        return row

    def matches(self, table: Table, key: Field, value: Any) -> list[str]:
        if value is None or value == "":
            return []
        if key.name == "Id":
            normalized = normalize(str(value))
            row = table.get(normalized) if normalized else None
            return [normalized] if row is not None and normalized is not None else []
        if key.external_id or key.unique:
            return table.lookup_external(key, value) if key.external_id else _unique(table, key, value)
        wanted = ext_key(key, value)
        deleted = table.obj.slot("IsDeleted") if table.obj.has_is_deleted else None
        return sorted(
            row[0]
            for row in table.rows()
            if row[key.slot] is not None
            and ext_key(key, row[key.slot]) == wanted
            and (deleted is None or not row[deleted])
        )

    def _contact_account(self, contact_id: str) -> str | None:
        row = self.store.get(contact_id)
        return None if row is None else row[_CONTACT_ACCOUNT]

    # -- validation ------------------------------------------------------------------------------
    def _coerce(self, obj: SObject, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        locked: list[str] = []
        obj = self.visible(obj)
        for name, raw in body.items():
            if name == "attributes" or (name.lower() == "id" and not creating):
                continue
            field = obj.field(name)
            if field is None:
                raise WriteError("INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}")
            if not (field.createable if creating else field.updateable):
                locked.append(field.name)
                continue
            values[field.name] = coerce_value(field, raw, self._reference)
        if locked:
            names = ", ".join(locked)
            raise WriteError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {names}. Please check the security settings of this field "
                "and verify that it is read/write for your profile or permission set.",
                tuple(locked),
            )
        return values

    def _reference(self, field: Field, text: str) -> str:
        normalized = normalize(text)
        found = self.store.find(normalized) if normalized else None
        if found is None or found[0].obj.name not in field.reference_to:
            raise WriteError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", (field.name,))
        table, row = found
        if table.obj.has_is_deleted and row[table.obj.slot("IsDeleted")]:
            raise WriteError("ENTITY_IS_DELETED", "entity is deleted", (field.name,))
        return str(normalized)

    # -- field history -------------------------------------------------------------------------------
    def _track(self, obj: SObject, before: Row, after: dict[str, Any], stamp: int) -> None:
        """One history row per tracked field this update changed (in the write's transaction),
        stamped with the write's time and the acting user, as Salesforce's field history tracking."""
        tracked = TRACKED_FIELDS.get(obj.name, ())
        if not tracked:
            return
        history_obj, parent = HISTORY_OF[obj.name]
        history = self.store.table(history_obj.name)
        assert history is not None
        for name in tracked:
            field = obj.by_lower[name.lower()]
            old, new = before[field.slot], after[field.name]
            if old == new:
                continue
            values = {
                parent: after["Id"], "Field": field.name, "DataType": HISTORY_DATA_TYPES.get(field.type, "Text"),
                "OldValue": old, "NewValue": new, "CreatedById": self.actor, "CreatedDate": stamp,
            }  # fmt: skip
            record = row_from(history_obj, history.new_id(), values)
            self.store.put(history, tuple(record[f.name] for f in history_obj.fields))

    # -- derived fields and storing ------------------------------------------------------------------
    def _finish(self, table: Table, record: dict[str, Any], previous: Row | None, stamp: int) -> None:
        obj = table.obj
        was_closed = previous is not None and obj.name == "Task" and bool(previous[obj.slot("IsClosed")])
        derive(obj, record, was_closed, stamp, self._contact_account)
        missing = [f.name for f in obj.fields if f.required and record.get(f.name) in (None, "")]
        if missing:
            raise WriteError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                tuple(missing),
            )
        for field in table.unique_fields:
            value = record[field.name]
            holder = table.lookup_unique(field, value) if value is not None else None
            if holder is not None and holder != record["Id"]:
                message = f"duplicate value found: {field.name} duplicates value on record with id: {holder}"
                raise WriteError("DUPLICATE_VALUE", message)
        record.update(LastModifiedDate=stamp, LastModifiedById=self.actor, SystemModstamp=stamp)
        self.store.put(table, tuple(record[f.name] for f in obj.fields))


def coerce_value(field: Field, raw: Any, reference: Callable[[Field, str], str]) -> Any:
    """A JSON value as the store keeps it, or the WriteError Salesforce would give for it."""
    if raw is None:
        return None
    kind = field.type
    if isinstance(raw, dict | list) or (kind not in ("boolean", "anyType") and isinstance(raw, bool)):
        raise _parser_error(field, raw)
    if kind == "anyType":  # a history row's OldValue / NewValue: the value as the changed field holds it
        return raw
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise _parser_error(field, raw)
        return raw
    if kind in ("int", "double", "currency"):
        if not isinstance(raw, int | float):
            raise _parser_error(field, raw)
        return int(raw) if kind == "int" else float(raw)
    text = raw if isinstance(raw, str) else str(raw)
    if kind == "datetime":
        ms = parse_datetime(text)
        if ms is None:
            raise _parser_error(field, raw)
        return ms
    if kind == "date":
        day = parse_date(text[:10]) if len(text) == 10 or "T" in text else None
        if day is None:
            raise _parser_error(field, raw)
        return day
    if kind == "reference":
        return reference(field, text)
    if field.length and len(text) > field.length:
        raise WriteError(
            "STRING_TOO_LONG",
            f"{field.label}: data value too large: {text[:80]} (max length={field.length})",
            (field.name,),
        )
    if kind == "picklist" and field.restricted and text not in field.picklist:
        message = f"{field.label}: bad value for restricted picklist field: {text}"
        raise WriteError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message, (field.name,))
    if kind == "email" and text and not _EMAIL.match(text):
        raise WriteError(
            "INVALID_EMAIL_ADDRESS", f"{field.label}: invalid email address: {text}", (field.name,)
        )
    return text


def _refuse_read_only(obj: SObject, operation: str) -> None:
    if obj.read_only:
        raise WriteError("INVALID_TYPE_FOR_OPERATION", f"entity type {obj.name} does not support {operation}")


class Ambiguous(Exception):
    def __init__(self, ids: list[str]) -> None:
        super().__init__(ids)
        self.ids = ids


def _parser_error(field: Field, raw: Any) -> WriteError:
    token = "VALUE_STRING" if isinstance(raw, str) else "START_OBJECT" if isinstance(raw, dict) else "VALUE"
    message = (
        f"Cannot deserialize instance of {_SOAP.get(field.type, 'string')} from {token} value {raw} "
        "or request may be missing a required field"
    )
    return WriteError("JSON_PARSER_ERROR", message, (field.name,))


def derive(
    obj: SObject,
    record: dict[str, Any],
    was_closed: bool,
    stamp: int,
    contact_account: Callable[[str], str | None],
) -> None:
    """Fill the fields Salesforce computes: Name, IsClosed, CompletedDateTime, AccountId, event times,
    an opportunity's IsClosed / IsWon (from its stage), a case's IsClosed and ClosedDate (from its status)."""
    if obj.name in ("Contact", "User"):
        record["Name"] = " ".join(part for part in (record.get("FirstName"), record.get("LastName")) if part)
    if obj.name == "Task":
        closed = record.get("Status") in CLOSED_TASK_STATUSES
        record["IsClosed"] = closed
        if not closed:
            record["CompletedDateTime"] = None
        elif not was_closed or record.get("CompletedDateTime") is None:
            record["CompletedDateTime"] = stamp
    if obj.name == "Event":
        _derive_event(record)
    if obj.name == "Opportunity":
        stage = record.get("StageName")
        record["IsClosed"], record["IsWon"] = stage in CLOSED_STAGES, stage in WON_STAGES
    if obj.name == "Case":
        closed = record.get("Status") in CLOSED_CASE_STATUSES
        record["IsClosed"] = closed
        if not closed:
            record["ClosedDate"] = None
        elif record.get("ClosedDate") is None:  # closed now (a loaded record may say when)
            record["ClosedDate"] = stamp
    if obj.name in ("EventRelation", "TaskRelation"):
        relation = str(record.get("RelationId") or "")
        record["IsWhat"] = not relation.startswith(("003", "00Q", "005", "023"))  # not a person / resource
        record["AccountId"] = relation if relation.startswith("001") else (
            contact_account(relation) if relation.startswith("003") else None
        )  # fmt: skip
    if obj.is_activity:
        what, who = record.get("WhatId"), record.get("WhoId")
        if what and str(what).startswith("001"):
            record["AccountId"] = what
        else:
            record["AccountId"] = contact_account(str(who)) if who and str(who).startswith("003") else None


def _derive_event(record: dict[str, Any]) -> None:
    start = record.get("StartDateTime") or record.get("ActivityDateTime")
    record["StartDateTime"] = record["ActivityDateTime"] = start
    minutes, end = record.get("DurationInMinutes"), record.get("EndDateTime")
    if start is None or (minutes is None and end is None):
        missing = "ActivityDateTime" if start is None else "DurationInMinutes"
        raise WriteError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{missing}]", (missing,))
    if end is None and minutes is not None:
        end = start + int(minutes) * 60_000
    assert end is not None
    if end < start:
        raise WriteError(
            "FIELD_INTEGRITY_EXCEPTION",
            "End Date Time: End time can't be before start time",
            ("EndDateTime",),
        )
    record["EndDateTime"], record["DurationInMinutes"] = end, (end - start) // 60_000
    record["ActivityDate"] = format_datetime(start)[:10]


def _unique(table: Table, key: Field, value: Any) -> list[str]:
    found = table.lookup_unique(key, value)
    return [found] if found else []
