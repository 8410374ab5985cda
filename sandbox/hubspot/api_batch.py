"""``/crm/v3/objects/{objectType}/batch/{read,create,update,upsert,archive}``: at most 100 inputs.
Create and upsert have partial success: per-input failures (validation, injected record faults)
give 207 with ``errors`` while the other inputs are applied; a duplicate unique value in a batch
create fails the whole batch with 409, naming the first duplicate. Update has none: one missing
record or invalid value fails the whole request (HubSpot's error-handling guide documents
multi-status for batch create only)."""

from __future__ import annotations

from typing import Any

from sponsorsync.sandbox.http import Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.hubspot.api_common import Batch, body_object, flag, inputs
from sponsorsync.sandbox.hubspot.api_objects import OBJECTS
from sponsorsync.sandbox.hubspot.errors import HubSpotError, bad_request, json_response
from sponsorsync.sandbox.hubspot.objects import ObjectType, resolve
from sponsorsync.sandbox.hubspot.portal import Portal, parse_id
from sponsorsync.sandbox.hubspot.table import Version
from sponsorsync.sandbox.hubspot.values import iso, to_ms
from sponsorsync.sandbox.hubspot.writes import Writer, duplicate, holds_archived

BATCH_MAX = 100


def _trace(item: Any, result: dict[str, Any]) -> dict[str, Any]:
    if isinstance(item, dict) and item.get("objectWriteTraceId"):
        result["objectWriteTraceId"] = str(item["objectWriteTraceId"])
    return result


def _context(item: Any, key: str = "id") -> dict[str, list[str]]:
    context: dict[str, list[str]] = {}
    if isinstance(item, dict):
        if item.get("id") is not None:
            context[key] = [str(item["id"])]
        if item.get("objectWriteTraceId"):
            context["objectWriteTraceId"] = [str(item["objectWriteTraceId"])]
    return context


def _no_duplicate_ids(items: list[Any]) -> None:
    seen: set[str] = set()
    dupes: list[str] = []
    for item in items:
        key = str(item.get("id")) if isinstance(item, dict) else ""
        if key in seen:
            dupes.append(key)
        seen.add(key)
    if dupes:
        raise bad_request(f"Duplicate IDs found in batch input: {dupes}. IDs must be unique", ids=dupes)


class BatchApi:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def routes(self) -> list[Route]:
        base = OBJECTS + "/batch/"
        return [
            Route("POST", base + "read", self.read),
            Route("POST", base + "create", self.create),
            Route("POST", base + "update", self.update),
            Route("POST", base + "upsert", self.upsert),
            Route("POST", base + "archive", self.archive),
        ]

    def read(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        body = body_object(request)
        items = inputs(request, BATCH_MAX)
        id_property = body.get("idProperty")
        props = body.get("properties") or []
        history = body.get("propertiesWithHistory") or []
        if not isinstance(history, list) or not all(isinstance(name, str) for name in history):
            raise bad_request("Invalid input JSON: propertiesWithHistory must be a list of property names")
        archived = flag(request, "archived")
        results: list[dict[str, Any]] = []
        missing: list[str] = []
        for item in items:
            key = str(item.get("id", "")) if isinstance(item, dict) else ""
            found = self._read_one(otype, key, id_property, archived)
            if found is None:
                missing.append(key)
            else:
                shown = [*props, *([id_property] if id_property else [])]
                results.append(self.portal.object_json(otype, found, shown, history=history))
        now = iso(to_ms(request.now))
        payload: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": now,
            "completedAt": now,
        }
        if not missing:
            return json_response(200, payload)
        message = (
            f"Could not get some {otype.singular.upper()} objects, they may be deleted or not exist. "
            "Check that ids are valid."
        )
        error = HubSpotError(404, "OBJECT_NOT_FOUND", message, {"ids": missing}).batch_error()
        payload.update(numErrors=1, errors=[error])
        return json_response(207, payload)

    def _read_one(
        self, otype: ObjectType, key: str, id_property: str | None, archived: bool
    ) -> Version | None:
        if archived:
            object_id = parse_id(key)
            found = self.portal.store(otype).get(object_id) if object_id is not None else None
            return found if found is not None and found.archived else None
        return self.portal.find(otype, key, id_property)

    def create(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        items = inputs(request, BATCH_MAX)
        writer = Writer(self.portal, request.now)
        self._no_duplicate_values(otype, items)
        batch = Batch(request)
        for index, item in enumerate(items):

            def apply(item: Any = item) -> dict[str, Any]:
                if not isinstance(item, dict):
                    raise bad_request("Each input must be an object with properties")
                created = writer.create(otype, item.get("properties") or {}, item.get("associations"))
                return _trace(item, self.portal.object_json(otype, created, None, everything=True))

            batch.run(index, _context(item), apply)
        return batch.response(201)

    def _no_duplicate_values(self, otype: ObjectType, items: list[Any]) -> None:
        """409 for the first input whose unique value exists already or repeats an earlier input's."""
        unique = self.portal.schema.unique_props(otype)
        store = self.portal.store(otype)
        seen: dict[tuple[str, str], int] = {}
        for index, item in enumerate(items):
            props = item.get("properties") if isinstance(item, dict) else None
            if not isinstance(props, dict):
                continue
            for prop in unique:
                value = props.get(prop)
                if value is None or value == "":
                    continue
                key = (prop, str(value).lower() if prop == "email" else str(value))
                holder = store.find_unique(prop, str(value), archived_too=holds_archived(otype, prop))
                if holder is not None:
                    raise duplicate(otype, prop, holder)
                if key in seen:
                    raise HubSpotError(
                        409,
                        "CONFLICT",
                        f"Duplicate value for the unique property {prop} in batch inputs {seen[key]} and {index}",
                    )
                seen[key] = index

    def update(self, request: SandboxRequest) -> SandboxResponse:
        """Unlike batch create, batch update has no partial success: every input is checked first
        and one missing record (404) or one invalid value (400) fails the whole request, naming
        neither the input nor its index for a value error. Only injected record faults give 207."""
        otype = resolve(request.params["objectType"])
        items = inputs(request, BATCH_MAX)
        _no_duplicate_ids(items)
        writer = Writer(self.portal, request.now)
        found: list[Version] = []
        missing: list[str] = []
        for item in items:
            key = str(item.get("id", "")) if isinstance(item, dict) else ""
            current = self.portal.find(otype, key, item.get("idProperty") if isinstance(item, dict) else None)
            if current is None:
                missing.append(key)
            else:
                found.append(current)
        if missing:
            raise HubSpotError(
                404,
                "OBJECT_NOT_FOUND",
                f"Could not update some {otype.singular.upper()} objects, they may be deleted or not exist. "
                "Check that ids are valid.",
                {"ids": missing},
            )
        for item, current in zip(items, found, strict=True):
            writer.check_unique(otype, writer.clean(otype, item.get("properties") or {}), current.id)
        batch = Batch(request)
        for index, (item, current) in enumerate(zip(items, found, strict=True)):

            def apply(item: Any = item, current: Version = current) -> dict[str, Any]:
                updated = writer.update(otype, current, item.get("properties") or {})
                return _trace(item, self.portal.object_json(otype, updated, None, everything=True))

            batch.run(index, _context(item), apply)
        return batch.response(200)

    def upsert(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        items = inputs(request, BATCH_MAX)
        unique = self.portal.schema.unique_props(otype)
        for item in items:
            id_property = item.get("idProperty") if isinstance(item, dict) else None
            if id_property not in unique:
                raise bad_request(
                    f"idProperty {id_property!r} cannot be used to upsert {otype.name}: "
                    f"use a property with unique values ({', '.join(unique) or 'none defined'})"
                )
        _no_duplicate_ids(items)
        writer = Writer(self.portal, request.now)
        batch = Batch(request)
        for index, item in enumerate(items):

            def apply(item: Any = item) -> dict[str, Any]:
                key = str(item.get("id", ""))
                version, new = writer.upsert(otype, item["idProperty"], key, item.get("properties") or {})
                result = self.portal.object_json(otype, version, None, everything=True)
                result["new"] = new
                return _trace(item, result)

            batch.run(index, _context(item), apply)
        return batch.response(200)

    def archive(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        items = inputs(request, BATCH_MAX)
        writer = Writer(self.portal, request.now)
        batch = Batch(request)
        for index, item in enumerate(items):

            def apply(item: Any = item) -> None:
                object_id = parse_id(str(item.get("id", ""))) if isinstance(item, dict) else None
                if object_id is not None:
                    writer.archive(otype, object_id)

            batch.run(index, _context(item), apply)
        if batch.errors:
            return batch.response(204)
        return SandboxResponse.empty(204)
