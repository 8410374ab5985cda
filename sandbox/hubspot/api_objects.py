"""``/crm/v3/objects/{objectType}``: list, get, create, update, archive and search."""

from __future__ import annotations

from typing import Any

from sponsorsync.sandbox.http import Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.hubspot.api_common import body_object, flag, limit_arg, next_link, paging
from sponsorsync.sandbox.hubspot.errors import HubSpotError, bad_request, json_response
from sponsorsync.sandbox.hubspot.objects import ObjectType, resolve
from sponsorsync.sandbox.hubspot.portal import Portal, parse_id
from sponsorsync.sandbox.hubspot.search import MAX_RESULTS, parse
from sponsorsync.sandbox.hubspot.search_run import Searcher, page_of
from sponsorsync.sandbox.hubspot.table import Version
from sponsorsync.sandbox.hubspot.values import to_ms
from sponsorsync.sandbox.hubspot.writes import Writer

OBJECTS = "/crm/v3/objects/{objectType}"
LIST_MAX = 100


def not_found(object_id: str) -> HubSpotError:
    return HubSpotError(
        404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.", {"id": [object_id]}
    )


def associations_arg(request: SandboxRequest) -> list[ObjectType]:
    return [resolve(name) for name in request.args("associations")]


class ObjectsApi:
    def __init__(self, portal: Portal, searcher: Searcher) -> None:
        self.portal = portal
        self.searcher = searcher

    def routes(self) -> list[Route]:
        return [
            Route("GET", OBJECTS, self.list),
            Route("POST", OBJECTS, self.create),
            Route("POST", OBJECTS + "/search", self.search),
            Route("GET", OBJECTS + "/{objectId}", self.get),
            Route("PATCH", OBJECTS + "/{objectId}", self.update),
            Route("DELETE", OBJECTS + "/{objectId}", self.archive),
        ]

    def list(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        limit = limit_arg(request, 10, LIST_MAX)
        props = request.args("properties")
        linked = associations_arg(request)
        after = request.arg("after") or ""
        start = parse_id(after) if after else 0
        if start is None:
            raise bad_request(f"Invalid value for query parameter after: {after!r}")
        store = self.portal.store(otype)
        page: list[Version] = []
        if flag(request, "archived"):
            for object_id in store.archived_ids():
                if object_id >= start:
                    found = store.get(object_id)
                    if found is not None:
                        page.append(found)
                if len(page) > limit:
                    break
        else:
            for object_id in store.ids_from(start):
                found = store.get(object_id)
                if found is not None and not found.archived:
                    page.append(found)
                    if len(page) > limit:
                        break
        history = request.args("propertiesWithHistory")
        body: dict[str, Any] = {
            "results": [
                self.portal.object_json(otype, v, props, linked, history=history) for v in page[:limit]
            ]
        }
        if len(page) > limit:
            cursor = str(page[limit].id)
            body["paging"] = paging(cursor, next_link(request, cursor))
        return json_response(200, body)

    def _find(self, request: SandboxRequest, otype: ObjectType, archived: bool = False) -> Version:
        key = request.params["objectId"]
        id_property = request.arg("idProperty")
        if archived:
            object_id = parse_id(key)
            found = self.portal.store(otype).get(object_id) if object_id is not None else None
            if found is not None and found.archived:
                return found
        else:
            live = self.portal.find(otype, key, id_property)
            if live is not None:
                return live
        raise not_found(key)

    def get(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        found = self._find(request, otype, flag(request, "archived"))
        return json_response(
            200,
            self.portal.object_json(
                otype,
                found,
                request.args("properties"),
                associations_arg(request),
                history=request.args("propertiesWithHistory"),
            ),
        )

    def create(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        body = body_object(request)
        writer = Writer(self.portal, request.now)
        created = writer.create(otype, body.get("properties") or {}, body.get("associations"))
        return json_response(201, self.portal.object_json(otype, created, None, everything=True))

    def update(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        current = self._find(request, otype)
        body = body_object(request)
        updated = Writer(self.portal, request.now).update(otype, current, body.get("properties") or {})
        return json_response(200, self.portal.object_json(otype, updated, None, everything=True))

    def archive(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        object_id = parse_id(request.params["objectId"])
        if object_id is not None:
            Writer(self.portal, request.now).archive(otype, object_id)
        return SandboxResponse.empty(204)

    def search(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        query = parse(self.portal, otype, request.json())
        refs, store = self.searcher.run(self.portal, otype, query, to_ms(request.now))
        end = min(query.after + query.limit, MAX_RESULTS, len(refs))
        table = store.table
        results = []
        for ref in page_of(store, query, refs, end, self.portal.portal_id):
            version = ref if isinstance(ref, Version) else table.version(ref)
            results.append(self.portal.object_json(otype, version, query.properties))
        body: dict[str, Any] = {"total": len(refs), "results": results}
        if end < len(refs) and query.limit:
            body["paging"] = paging(str(end), None)
        return json_response(200, body)
