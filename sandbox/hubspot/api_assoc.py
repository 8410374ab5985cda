"""Associations v4: ``/crm/v4/objects/{type}/{id}/associations/...`` and
``/crm/v4/associations/{from}/{to}/batch/{read,create,archive,associate/default}``."""

from __future__ import annotations

from typing import Any

from sponsorsync.sandbox.http import Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.hubspot.api_common import Batch, inputs, limit_arg, next_link, paging
from sponsorsync.sandbox.hubspot.api_objects import not_found
from sponsorsync.sandbox.hubspot.errors import HubSpotError, bad_request, json_response
from sponsorsync.sandbox.hubspot.objects import (
    ASSOCIATION_TYPES,
    DEFAULT_TYPE,
    ObjectType,
    resolve,
)
from sponsorsync.sandbox.hubspot.portal import Portal, parse_id
from sponsorsync.sandbox.hubspot.values import iso, to_ms
from sponsorsync.sandbox.hubspot.writes import Writer

ONE = "/crm/v4/objects/{objectType}/{objectId}/associations"
BATCH = "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/"
PAGE_MAX, READ_MAX, WRITE_MAX = 500, 1000, 2000


def _type_json(type_id: int) -> dict[str, Any]:
    return {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": ASSOCIATION_TYPES[type_id].label}


def _default(source: ObjectType, target: ObjectType) -> int:
    found = DEFAULT_TYPE.get((source.name, target.name))
    if found is None:
        raise bad_request(f"No association type is defined from {source.singular} to {target.singular}")
    return found


class AssociationsApi:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def routes(self) -> list[Route]:
        return [
            Route("GET", ONE + "/{toObjectType}", self.get_page),
            Route("PUT", ONE + "/default/{toObjectType}/{toObjectId}", self.create_default),
            Route("PUT", ONE + "/{toObjectType}/{toObjectId}", self.create),
            Route("DELETE", ONE + "/{toObjectType}/{toObjectId}", self.archive),
            Route("POST", BATCH + "read", self.batch_read),
            Route("POST", BATCH + "create", self.batch_create),
            Route("POST", BATCH + "archive", self.batch_archive),
            Route("POST", BATCH + "associate/default", self.batch_default),
        ]

    # -- helpers -------------------------------------------------------------------------------
    def _live(self, otype: ObjectType, key: str) -> int:
        object_id = parse_id(key)
        if object_id is None or not self.portal.store(otype).is_live(object_id):
            raise not_found(key)
        return object_id

    def _targets(self, source: ObjectType, source_id: int, target: ObjectType) -> list[dict[str, Any]]:
        store = self.portal.store(target)
        return [
            {"toObjectId": str(target_id), "associationTypes": [_type_json(t) for t in sorted(types)]}
            for target_id, types in sorted(self.portal.links.row(source.name, source_id, target.name).items())
            if store.is_live(target_id)
        ]

    def _pair_json(
        self, source: ObjectType, source_id: int, target: ObjectType, target_id: int
    ) -> dict[str, Any]:
        types = self.portal.links.types(source.name, source_id, target.name, target_id)
        return {
            "fromObjectTypeId": source.type_id,
            "fromObjectId": str(source_id),
            "toObjectTypeId": target.type_id,
            "toObjectId": str(target_id),
            "labels": sorted({label for t in types if (label := ASSOCIATION_TYPES[t].label)}),
        }

    @staticmethod
    def _default_json(source_id: int, target_id: int, type_id: int) -> dict[str, Any]:
        return {
            "from": {"id": str(source_id)},
            "to": {"id": str(target_id)},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id},
        }

    # -- one record ----------------------------------------------------------------------------
    def get_page(self, request: SandboxRequest) -> SandboxResponse:
        source, target = resolve(request.params["objectType"]), resolve(request.params["toObjectType"])
        source_id = self._live(source, request.params["objectId"])
        limit = limit_arg(request, PAGE_MAX, PAGE_MAX)
        after = request.arg("after") or ""
        start = int(after) if after.isdigit() else 0
        rows = self._targets(source, source_id, target)
        body: dict[str, Any] = {"results": rows[start : start + limit]}
        if start + limit < len(rows):
            cursor = str(start + limit)
            body["paging"] = paging(cursor, next_link(request, cursor))
        return json_response(200, body)

    def create(self, request: SandboxRequest) -> SandboxResponse:
        source, target = resolve(request.params["objectType"]), resolve(request.params["toObjectType"])
        source_id = self._live(source, request.params["objectId"])
        target_id = self._live(target, request.params["toObjectId"])
        specs = request.json()
        if not isinstance(specs, list) or not specs:
            raise bad_request("The request body must be a list of association types")
        writer = Writer(self.portal, request.now)
        type_ids = frozenset(writer.type_id(source, spec, target) for spec in specs)
        writer.associate(source, source_id, target, target_id, type_ids)
        location = f"/crm/v4/objects/{source.name}/{source_id}/associations/{target.name}/{target_id}"
        return json_response(
            201, self._pair_json(source, source_id, target, target_id), {"Location": location}
        )

    def create_default(self, request: SandboxRequest) -> SandboxResponse:
        source, target = resolve(request.params["objectType"]), resolve(request.params["toObjectType"])
        source_id = self._live(source, request.params["objectId"])
        target_id = self._live(target, request.params["toObjectId"])
        type_id = _default(source, target)
        Writer(self.portal, request.now).associate(source, source_id, target, target_id, frozenset({type_id}))
        now = iso(to_ms(request.now))
        body = {
            "status": "COMPLETE",
            "results": [self._default_json(source_id, target_id, type_id)],
            "startedAt": now,
            "completedAt": now,
        }
        return json_response(200, body)

    def archive(self, request: SandboxRequest) -> SandboxResponse:
        source, target = resolve(request.params["objectType"]), resolve(request.params["toObjectType"])
        source_id, target_id = parse_id(request.params["objectId"]), parse_id(request.params["toObjectId"])
        if source_id is not None and target_id is not None:
            Writer(self.portal, request.now).dissociate(source, source_id, target, target_id, None)
        return SandboxResponse.empty(204)

    # -- batches -------------------------------------------------------------------------------
    def _types(self, request: SandboxRequest) -> tuple[ObjectType, ObjectType]:
        return resolve(request.params["fromObjectType"]), resolve(request.params["toObjectType"])

    def batch_read(self, request: SandboxRequest) -> SandboxResponse:
        source, target = self._types(request)
        items = inputs(request, READ_MAX)
        batch = Batch(request, faults=False)
        for index, item in enumerate(items):
            key = str(item.get("id", "")) if isinstance(item, dict) else ""
            after = item.get("after") if isinstance(item, dict) else None

            def apply(key: str = key, after: Any = after) -> dict[str, Any]:
                source_id = parse_id(key)
                rows = []
                if source_id is not None and self.portal.store(source).is_live(source_id):
                    rows = self._targets(source, source_id, target)
                if not rows:
                    raise HubSpotError(
                        404,
                        "OBJECT_NOT_FOUND",
                        f"No {target.singular} is associated with {source.singular} {key}.",
                        {"fromObjectId": [key]},
                        "crm.associations.NO_ASSOCIATIONS_FOUND",
                    )
                start = int(str(after)) if str(after or "").isdigit() else 0
                result: dict[str, Any] = {"from": {"id": key}, "to": rows[start : start + PAGE_MAX]}
                if start + PAGE_MAX < len(rows):
                    result["paging"] = paging(str(start + PAGE_MAX), None)
                return result

            batch.run(index, {}, apply)
        return batch.response(200)

    def batch_create(self, request: SandboxRequest) -> SandboxResponse:
        source, target = self._types(request)
        items = inputs(request, WRITE_MAX)
        writer = Writer(self.portal, request.now)
        batch = Batch(request)
        for index, item in enumerate(items):

            def apply(item: Any = item) -> dict[str, Any]:
                if not isinstance(item, dict) or not isinstance(item.get("types"), list):
                    raise bad_request("Each input needs from.id, to.id and types")
                source_id = self._live(source, str((item.get("from") or {}).get("id", "")))
                target_id = self._live(target, str((item.get("to") or {}).get("id", "")))
                type_ids = frozenset(writer.type_id(source, spec, target) for spec in item["types"])
                writer.associate(source, source_id, target, target_id, type_ids)
                return self._pair_json(source, source_id, target, target_id)

            batch.run(index, _ids(item), apply)
        return batch.response(201)

    def batch_archive(self, request: SandboxRequest) -> SandboxResponse:
        source, target = self._types(request)
        items = inputs(request, WRITE_MAX)
        writer = Writer(self.portal, request.now)
        batch = Batch(request)
        for index, item in enumerate(items):

            def apply(item: Any = item) -> None:
                source_id = (
                    parse_id(str((item.get("from") or {}).get("id", ""))) if isinstance(item, dict) else None
                )
                for to in item.get("to") or [] if isinstance(item, dict) else []:
                    target_id = parse_id(str((to or {}).get("id", "")))
                    if source_id is not None and target_id is not None:
                        writer.dissociate(source, source_id, target, target_id, None)

            batch.run(index, _ids(item), apply)
        return batch.response(204) if batch.errors else SandboxResponse.empty(204)

    def batch_default(self, request: SandboxRequest) -> SandboxResponse:
        source, target = self._types(request)
        items = inputs(request, WRITE_MAX)
        type_id = _default(source, target)
        writer = Writer(self.portal, request.now)
        batch = Batch(request)
        for index, item in enumerate(items):

            def apply(item: Any = item) -> dict[str, Any]:
                if not isinstance(item, dict):
                    raise bad_request("Each input needs from.id and to.id")
                source_id = self._live(source, str((item.get("from") or {}).get("id", "")))
                target_id = self._live(target, str((item.get("to") or {}).get("id", "")))
                writer.associate(source, source_id, target, target_id, frozenset({type_id}))
                return self._default_json(source_id, target_id, type_id)

            batch.run(index, _ids(item), apply)
        return batch.response(200)


def _ids(item: Any) -> dict[str, list[str]]:
    if not isinstance(item, dict):
        return {}
    context = {"fromObjectId": [str((item.get("from") or {}).get("id", ""))]}
    to = item.get("to")
    if isinstance(to, dict):
        context["toObjectId"] = [str(to.get("id", ""))]
    return context
