"""HubSpot search paging as pure functions of a search callable: a change feed that misses no
record edited while it pages.

A change feed is ``watermark >= start`` sorted ascending, 200 a page. It never pages by offset:
an offset counts positions in a result that moves while it is read (a record edited during the
pull jumps to the end and every later record shifts back one place, so one is skipped), and
HubSpot answers at most 10,000 results per query anyway. Every page is a new query anchored on
the last timestamp reached: ``>=`` that timestamp, minus the ids already received at it
(``hs_object_id NOT_IN``). HubSpot promises no order among equal timestamps, and none is relied
on. A timestamp shared by more records than one ``NOT_IN`` may list is walked by ``hs_object_id``
keyset (``EQ`` the timestamp, ``GT`` the highest id seen), then the feed goes on past it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sponsorsync.connectors.base import ObjectSpec
from sponsorsync.connectors.timestamps import epoch_ms, parse_instant

SEARCH_LIMIT = 200
SEARCH_CAP = 10_000  # results one query can page through (no page here ever uses an offset)
MAX_EXCLUDED = 100  # ids one NOT_IN filter lists
Search = Callable[[dict[str, Any]], dict[str, Any]]
Filter = tuple[str, str, int | list[int]]


def search_changes(search: Search, spec: ObjectSpec, start: datetime) -> Iterator[list[dict[str, Any]]]:
    """Raw result pages of ``watermark >= start``, ascending; each page a query re-anchored on
    the last timestamp reached, so records edited meanwhile are never skipped."""
    anchor, operator, seen = epoch_ms(start), "GTE", set[str]()
    while True:
        filters: list[Filter] = [(spec.watermark, operator, anchor)]
        if seen:
            filters.append(("hs_object_id", "NOT_IN", sorted(int(i) for i in seen)))
        data = search(search_body(spec, filters, spec.watermark))
        page = [
            raw
            for raw in data.get("results", [])
            if not (_ms(raw, spec.watermark) == anchor and str(raw["id"]) in seen)
        ]
        if page:
            yield page
        if next_after(data) is None:
            return
        before = (anchor, operator, len(seen))
        for raw in page:  # ascending: the last timestamp of the page, and the ids received at it
            at = _ms(raw, spec.watermark)
            if at > anchor or operator == "GT":
                anchor, operator, seen = at, "GTE", set()
            seen.add(str(raw["id"]))
        # Too many ids to exclude, or a page that moved nothing on (a search that ignores the
        # exclusion would repeat it forever): walk this timestamp by id, then go past it.
        if len(seen) > MAX_EXCLUDED or (anchor, operator, len(seen)) == before:
            yield from walk_timestamp(search, spec, anchor, seen)
            operator, seen = "GT", set()


def walk_timestamp(
    search: Search, spec: ObjectSpec, at_ms: int, seen: set[str]
) -> Iterator[list[dict[str, Any]]]:
    """Every record modified at exactly ``at_ms`` that is not in ``seen``, by ``hs_object_id``
    keyset pages (each a new query above the highest id so far: ids are unique, so no offset and
    no order among ties is needed)."""
    floor = 0
    while True:
        filters: list[Filter] = [(spec.watermark, "EQ", at_ms), ("hs_object_id", "GT", floor)]
        data = search(search_body(spec, filters, "hs_object_id"))
        results = data.get("results", [])
        page = [raw for raw in results if str(raw["id"]) not in seen]
        if page:
            yield page
        if next_after(data) is None or not results:
            return
        floor = max(floor, *(int(raw["id"]) for raw in results))


def _ms(raw: dict[str, Any], prop: str) -> int:
    value = (raw.get("properties") or {}).get(prop)
    return epoch_ms(parse_instant(str(value))) if value else 0


def search_body(spec: ObjectSpec, filters: list[Filter], sort: str) -> dict[str, Any]:
    return {
        "filterGroups": [{"filters": [_filter(*f) for f in filters]}],
        "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
        "properties": list(dict.fromkeys((*spec.fields, spec.watermark, "hs_object_id"))),
        "limit": SEARCH_LIMIT,
    }


def _filter(prop: str, operator: str, value: int | list[int]) -> dict[str, Any]:
    if isinstance(value, list):
        return {"propertyName": prop, "operator": operator, "values": [str(v) for v in value]}
    return {"propertyName": prop, "operator": operator, "value": str(value)}


def next_after(data: dict[str, Any]) -> str | None:
    """The cursor of the next page, or None on the last page."""
    after = ((data.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None
