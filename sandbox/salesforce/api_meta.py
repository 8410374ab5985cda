"""Versions, the version's resources, limits, describe global, sObject basic information, describe."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime

from sponsorsync.sandbox.http import Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.salesforce import describe
from sponsorsync.sandbox.salesforce.errors import sf_error
from sponsorsync.sandbox.salesforce.ids import ORG_ID
from sponsorsync.sandbox.salesforce.state import DATA, OrgState

RECENT_ITEMS = 5


class MetaApi:
    def __init__(
        self,
        org: OrgState,
        usage: Callable[[datetime], tuple[int, int]],
        org_id: str = ORG_ID,
        bulk_jobs: Callable[[datetime], int] | None = None,
    ) -> None:
        """``usage(now)`` gives (requests used in the last 24 hours, daily limit); ``bulk_jobs(now)``
        the Bulk API 2.0 query jobs created in the last 24 hours."""
        self.org = org
        self.usage = usage
        self.org_id = org_id
        self.bulk_jobs = bulk_jobs

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/services/data{slash:/?}", self.versions),
            Route("GET", f"{DATA}{{slash:/?}}", self.resources),
            Route("GET", f"{DATA}/limits{{slash:/?}}", self.limits),
            Route("GET", f"{DATA}/sobjects{{slash:/?}}", self.describe_global),
            Route("GET", f"{DATA}/sobjects/{{sobject}}/describe{{slash:/?}}", self.describe),
            Route("GET", f"{DATA}/sobjects/{{sobject}}{{slash:/?}}", self.basic_info),
        ]

    def versions(self, _request: SandboxRequest) -> SandboxResponse:
        return SandboxResponse.json(200, describe.versions())

    def resources(self, request: SandboxRequest) -> SandboxResponse:
        host = request.header("host") or "127.0.0.1"
        identity = f"https://{host}/id/{self.org_id}/{self.org.api_user_id}"
        return SandboxResponse.json(200, describe.resources(request.params["version"], identity))

    def limits(self, request: SandboxRequest) -> SandboxResponse:
        used, limit = self.usage(request.now)
        jobs = self.bulk_jobs(request.now) if self.bulk_jobs is not None else 0
        return SandboxResponse.json(200, describe.limits(limit, used, jobs))

    def describe_global(self, request: SandboxRequest) -> SandboxResponse:
        return SandboxResponse.json(
            200, describe.describe_global(request.params["version"], self.org.objects)
        )

    def describe(self, request: SandboxRequest) -> SandboxResponse:
        obj = self.org.objects.get(request.params["sobject"].lower())
        if obj is None:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return SandboxResponse.json(200, describe.describe(obj, request.params["version"]))

    def basic_info(self, request: SandboxRequest) -> SandboxResponse:
        found = self.org.table(request.params["sobject"])
        if found is None:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        obj, table = found
        version = request.params["version"]
        name = obj.field("Name") or obj.field("Subject")
        deleted = obj.slot("IsDeleted") if obj.has_is_deleted else None
        live = [
            row for row in (*table.overlay.values(), *table.base_sorted[-50:]) if table.get(row[0]) is row
        ]
        if deleted is not None:
            live = [row for row in live if not row[deleted]]
        recent = []
        for row in heapq.nlargest(RECENT_ITEMS, live, key=table.order_key):
            item = {
                "attributes": {
                    "type": obj.name,
                    "url": f"/services/data/{version}/sobjects/{obj.name}/{row[0]}",
                }
            }
            item["Id"] = row[0]
            if name is not None:
                item[name.name] = row[name.slot]
            recent.append(item)
        return SandboxResponse.json(
            200, {"objectDescribe": describe.global_entry(obj, version), "recentItems": recent}
        )
