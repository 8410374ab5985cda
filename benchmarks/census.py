"""The org's real counts, asked of the CRM API itself (not of sponsorsync's mirror): the records a
full pull must read, per object. Made before the sync's statistics are reset."""

from __future__ import annotations

from typing import Any

import requests

from benchmarks.sandbox import Sandbox

SF_VERSION = "v59.0"
OWNERS_PAGE = 500
LIST_PAGE = 100


def census(box: Sandbox, objects: list[str]) -> dict[str, int]:
    """Records per object as a full pull sees them (HubSpot: ``owners`` included when listed)."""
    with box.http() as http:
        if box.crm == "salesforce":
            base = box.env["SPONSORSYNC_SALESFORCE__INSTANCE_URL"]
            return {name: _soql_count(http, base, name) for name in objects}
        base = box.env["SPONSORSYNC_HUBSPOT__BASE_URL"]
        return {
            name: _active_owners(http, base) if name == "owners" else _search_total(http, base, name)
            for name in objects
        }


def _soql_count(http: requests.Session, base: str, name: str) -> int:
    """queryAll, as the connector reads: deleted and archived records count too."""
    answer = http.get(
        f"{base}/services/data/{SF_VERSION}/queryAll/", params={"q": f"SELECT COUNT() FROM {name}"}
    )
    answer.raise_for_status()
    return int(answer.json()["totalSize"])


def _search_total(http: requests.Session, base: str, name: str) -> int:
    answer = http.post(f"{base}/crm/v3/objects/{name}/search", json={"limit": 1, "filterGroups": []})
    answer.raise_for_status()
    return int(answer.json()["total"])


def archived(box: Sandbox, objects: list[str]) -> dict[str, int]:
    """HubSpot: archived records per object and archived owners (``owners``), as a sweep lists them."""
    if box.crm != "hubspot":
        return {}
    base = box.env["SPONSORSYNC_HUBSPOT__BASE_URL"]
    with box.http() as http:
        found = {name: _listed(http, f"{base}/crm/v3/objects/{name}", LIST_PAGE) for name in objects}
        found["owners"] = _listed(http, f"{base}/crm/v3/owners/", OWNERS_PAGE)
    return found


def _active_owners(http: requests.Session, base: str) -> int:
    return _listed(http, f"{base}/crm/v3/owners/", OWNERS_PAGE, archived=False)


def _listed(http: requests.Session, url: str, limit: int, archived: bool = True) -> int:
    count, after = 0, None
    while True:
        params: dict[str, Any] = {"limit": limit, "archived": str(archived).lower()}
        if after:
            params["after"] = after
        answer = http.get(url, params=params)
        answer.raise_for_status()
        data = answer.json()
        count += len(data.get("results", []))
        after = ((data.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return count
