"""API calls as the sandbox counted them (``GET /__sandbox__/stats``), by endpoint and by kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ASSOCIATION_READ = "/associations/{fromObjectType}/{toObjectType}/batch/read"
# POSTs that read: HubSpot searches and batch reads; Salesforce Bulk API 2.0 query jobs and the
# composite/batch call that describes the objects a bulk pull reads (sponsorsync sends no write in one).
READ_POSTS = ("/search", "/batch/read", "/search{slash}", "/jobs/query{slash}", "/composite/batch{slash}")


def kind_of(route: str) -> str:
    """``read``, ``write`` or ``association`` (HubSpot association batch reads) for a route name
    such as ``GET /crm/v3/objects/{objectType}``."""
    method, _, path = route.partition(" ")
    if path.endswith(ASSOCIATION_READ):
        return "association"
    if method == "GET" or path.endswith(READ_POSTS):
        return "read"
    return "write"


@dataclass
class Calls:
    """One run's requests: every answered request counts, a 429 included (it spent a slot)."""

    by_route: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_stats(cls, stats: dict[str, Any]) -> Calls:
        return cls(dict(stats.get("by_route", {})), dict(stats.get("by_status", {})))

    @property
    def total(self) -> int:
        return sum(self.by_route.values())

    def of_kind(self, kind: str) -> int:
        return sum(n for route, n in self.by_route.items() if kind_of(route) == kind)

    @property
    def reads(self) -> int:
        return self.of_kind("read")

    @property
    def writes(self) -> int:
        return self.of_kind("write")

    @property
    def association_reads(self) -> int:
        return self.of_kind("association")

    @property
    def throttled(self) -> int:
        """Requests the CRM refused with 429."""
        return self.by_status.get("429", 0)

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.by_status.items() if not status.startswith("2"))

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "reads": self.reads,
            "writes": self.writes,
            "association_reads": self.association_reads,
            "throttled": self.throttled,
            "by_route": dict(sorted(self.by_route.items())),
            "by_status": dict(sorted(self.by_status.items())),
        }


def archived_lists(requests: list[dict[str, Any]]) -> int:
    """HubSpot requests listing archived records or owners (the deletion sweep), from a request log."""
    return sum(
        1 for r in requests if r["route"].startswith("GET ") and "archived=true" in r["target"].lower()
    )
