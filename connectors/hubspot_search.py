"""HubSpot search paging past the 10,000-result cap, as pure functions of a search callable.

A change feed is ``watermark >= start`` sorted ascending, 200 a page. Search answers at most 10,000
results per query; at the cap the query restarts from the last timestamp reached (``>=``, dropping
the ids already seen there), and a timestamp shared by a whole window is walked by
``hs_object_id`` keyset windows instead, so no amount of ties can loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from connectors.base import ObjectSpec
from connectors.timestamps import epoch_ms, parse_instant

SEARCH_LIMIT = 200
SEARCH_CAP = 10_000
Search = Callable[[dict[str, Any]], dict[str, Any]]


def search_changes(search: Search, spec: ObjectSpec, start: datetime) -> Iterator[list[dict[str, Any]]]:
    """Raw result pages of ``watermark >= start``, ascending, past the 10,000-result cap.

    At the cap, the search restarts from the last timestamp reached (``>=``, dropping the ids
    already seen there). If a whole window shares that timestamp, restarting would loop, so
    that timestamp is walked by ``hs_object_id`` instead, and the search goes on after it."""
    anchor, operator, skip = epoch_ms(start), "GTE", set[str]()
    while True:
        offset, window, last_ms, at_last = 0, 0, anchor, set[str]()
        while True:
            data = search(search_body(spec, [(spec.watermark, operator, anchor)], spec.watermark, offset))
            page = []
            for raw in data.get("results", []):
                window += 1
                at, record_id = _ms(raw, spec.watermark), str(raw["id"])
                if at != last_ms:
                    last_ms, at_last = at, set()
                at_last.add(record_id)
                if not (at == anchor and record_id in skip):
                    page.append(raw)
            if page:
                yield page
            after = next_after(data)
            if after is None:
                return
            offset = int(after)
            if offset + SEARCH_LIMIT > SEARCH_CAP:
                break
        if len(at_last) < window and last_ms > anchor:  # moved on: restart at the last timestamp
            anchor, operator, skip = last_ms, "GTE", at_last
            continue
        yield from walk_timestamp(search, spec, last_ms, at_last | skip)
        anchor, operator, skip = last_ms, "GT", set()


def walk_timestamp(
    search: Search, spec: ObjectSpec, at_ms: int, seen: set[str]
) -> Iterator[list[dict[str, Any]]]:
    """Every record modified at exactly ``at_ms`` that is not in ``seen``, by ``hs_object_id``
    keyset windows (ties may come back in any order, so the walk starts at the lowest id)."""
    floor = 0
    while True:
        offset, highest = 0, floor
        while True:
            filters = [(spec.watermark, "EQ", at_ms), ("hs_object_id", "GT", floor)]
            data = search(search_body(spec, filters, "hs_object_id", offset))
            results = data.get("results", [])
            highest = max([highest, *(int(raw["id"]) for raw in results)])
            page = [raw for raw in results if str(raw["id"]) not in seen]
            if page:
                yield page
            after = next_after(data)
            if after is None:
                return
            offset = int(after)
            if offset + SEARCH_LIMIT > SEARCH_CAP:
                break
        floor = highest


def _ms(raw: dict[str, Any], prop: str) -> int:
    value = (raw.get("properties") or {}).get(prop)
    return epoch_ms(parse_instant(str(value))) if value else 0


def search_body(
    spec: ObjectSpec, filters: list[tuple[str, str, int]], sort: str, offset: int
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "filterGroups": [
            {"filters": [{"propertyName": p, "operator": op, "value": str(v)} for p, op, v in filters]}
        ],
        "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
        "properties": list(dict.fromkeys((*spec.fields, spec.watermark, "hs_object_id"))),
        "limit": SEARCH_LIMIT,
    }
    if offset:
        body["after"] = str(offset)
    return body


def next_after(data: dict[str, Any]) -> str | None:
    """The cursor of the next page, or None on the last page."""
    after = ((data.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None
