"""``/crm/v3/owners/``, ``/crm/v3/properties/{objectType}``, ``/crm/v3/schemas`` (and its alias
``/crm-object-schemas/v3/schemas``) and ``/account-info/v3/details``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.http import Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.hubspot.api_common import flag, limit_arg, next_link, paging
from sponsorsync.sandbox.hubspot.errors import HubSpotError, json_response
from sponsorsync.sandbox.hubspot.objects import resolve
from sponsorsync.sandbox.hubspot.portal import Portal
from sponsorsync.sandbox.hubspot.values import iso, to_ms

OWNERS_MAX = 500


class MetaApi:
    def __init__(self, portal: Portal, clock: Clock) -> None:
        self.portal = portal
        self.clock = clock

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/crm/v3/owners/", self.owners),
            Route("GET", "/crm/v3/owners", self.owners),
            Route("GET", "/crm/v3/owners/{ownerId}", self.owner),
            Route("GET", "/crm/v3/properties/{objectType}", self.properties),
            Route("GET", "/crm/v3/properties/{objectType}/groups", self.groups),
            Route("POST", "/crm/v3/properties/{objectType}/groups", self.create_group),
            Route("POST", "/crm/v3/properties/{objectType}", self.create_property),
            Route("GET", "/crm/v3/properties/{objectType}/{propertyName}", self.property),
            Route("GET", "/account-info/v3/details", self.account_details),
            Route("GET", "/crm/v3/schemas", self.schemas),  # the documented path
            Route("GET", "/crm-object-schemas/v3/schemas", self.schemas),  # the SDK's alias
        ]

    def schemas(self, _request: SandboxRequest) -> SandboxResponse:
        """The portal's custom object schemas (``CollectionResponseObjectSchemaNoPaging``): the
        sandbox portal has none, so ``results`` is empty (also with ``archived=true``)."""
        return json_response(200, {"results": []})

    def account_details(self, _request: SandboxRequest) -> SandboxResponse:
        """The account information API's shape (portalId is an integer; every field required); the
        UTC offset is the time zone's now."""
        offset = self.clock.now().astimezone(ZoneInfo(self.portal.time_zone)).utcoffset()
        offset_ms = int(offset.total_seconds() * 1000) if offset else 0
        sign, minutes = ("-" if offset_ms < 0 else "+"), abs(offset_ms) // 60_000
        return json_response(
            200,
            {
                "portalId": self.portal.portal_id,
                "accountType": "STANDARD",
                "timeZone": self.portal.time_zone,
                "companyCurrency": "USD",
                "additionalCurrencies": [],
                "utcOffset": f"{sign}{minutes // 60:02d}:{minutes % 60:02d}",
                "utcOffsetMilliseconds": offset_ms,
                "uiDomain": "app.hubspot.com",
                "dataHostingLocation": "na1",
            },
        )

    def owners(self, request: SandboxRequest) -> SandboxResponse:
        limit = limit_arg(request, 100, OWNERS_MAX)
        page, cursor = self.portal.owners.page(
            flag(request, "archived"), request.arg("email") or None, request.arg("after"), limit
        )
        body: dict[str, Any] = {"results": [o.to_json() for o in page]}
        if cursor is not None:
            body["paging"] = paging(cursor, next_link(request, cursor))
        return json_response(200, body)

    def owner(self, request: SandboxRequest) -> SandboxResponse:
        key = request.params["ownerId"]
        by_user = (request.arg("idProperty") or "id") == "userId"
        found = self.portal.owners.find(key, by_user, flag(request, "archived"))
        if found is None:
            raise HubSpotError(404, "OBJECT_NOT_FOUND", f"No owner found with id {key}", {"id": [key]})
        return json_response(200, found.to_json())

    def properties(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        return json_response(200, {"results": [p.to_json() for p in self.portal.schema.all(otype)]})

    def groups(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        return json_response(200, {"results": [g.to_json() for g in self.portal.schema.groups(otype)]})

    def create_group(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        return json_response(201, self.portal.schema.create_group(otype, request.json()).to_json())

    def property(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        name = request.params["propertyName"]
        found = self.portal.schema.get(otype, name)
        if found is None:
            raise HubSpotError(
                404, "OBJECT_NOT_FOUND", f"Unable to find property {name} on object type {otype.type_id}"
            )
        return json_response(200, found.to_json())

    def create_property(self, request: SandboxRequest) -> SandboxResponse:
        otype = resolve(request.params["objectType"])
        created = self.portal.schema.create(otype, request.json(), iso(to_ms(request.now)))
        return json_response(201, created.to_json())
