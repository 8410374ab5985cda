"""The search paging logic on its own, against an in-memory model of HubSpot search that orders ties
randomly (HubSpot does not promise an order for equal sort values; the sandbox uses id order)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.base import ObjectSpec
from connectors.hubspot_search import SEARCH_CAP, search_changes

SPEC = ObjectSpec("contacts", ("firstname",), "lastmodifieddate")
START = datetime(2026, 1, 1, tzinfo=UTC)


class ModelSearch:
    """filterGroups with one group of EQ/GT/GTE filters, one ascending sort, limit, numeric after."""

    def __init__(self, records: list[tuple[int, int]], seed: int) -> None:
        self.records = records  # (id, epoch ms)
        self.seed = seed
        self.calls = 0
        self._answers: dict[str, list[tuple[int, int]]] = {}

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        filters = body["filterGroups"][0]["filters"]
        key = body["sorts"][0]["propertyName"]
        query = f"{self.seed}:{filters}:{key}"
        if query not in self._answers:
            rows = [r for r in self.records if all(self._holds(r, f) for f in filters)]
            # Ties come back in an order of the index's own: stable while paging one query, but
            # different for a different query (so a restarted search sees them in another order).
            random.Random(query).shuffle(rows)
            rows.sort(key=lambda r: r[1] if key == SPEC.watermark else r[0])
            self._answers[query] = rows
        rows = self._answers[query]
        offset = int(body.get("after", 0))
        if offset + body["limit"] > SEARCH_CAP:
            raise AssertionError("paged past the 10,000-result cap (HubSpot answers 400)")
        page = rows[offset : offset + body["limit"]]
        answer: dict[str, Any] = {
            "total": len(rows),
            "results": [
                {"id": str(i), "properties": {SPEC.watermark: _iso(ms), "hs_object_id": str(i)}}
                for i, ms in page
            ],
        }
        if offset + len(page) < len(rows):
            answer["paging"] = {"next": {"after": str(offset + len(page))}}
        return answer

    @staticmethod
    def _holds(row: tuple[int, int], f: dict[str, Any]) -> bool:
        value = row[1] if f["propertyName"] == SPEC.watermark else row[0]
        target = int(f["value"])
        return {"EQ": value == target, "GT": value > target, "GTE": value >= target}[f["operator"]]


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ms(days: float) -> int:
    return int((START + timedelta(days=days)).timestamp() * 1000)


SCENARIOS = {
    "spread-out": [(i, _ms(i / 1000)) for i in range(1, 25_001)],
    "one-crowded-instant": [(i, _ms(1)) for i in range(1, 23_001)],
    "crowd-at-the-cap": [(i, _ms(0.5)) for i in range(1, 9_901)]
    + [(i, _ms(1)) for i in range(9_901, 21_000)],
    "few-ties": [(i, _ms(i // 3)) for i in range(1, 31_001)],
}


@pytest.mark.parametrize("records", SCENARIOS.values(), ids=SCENARIOS.keys())
@pytest.mark.parametrize("seed", [1, 2])
def test_every_record_arrives_exactly_once_in_watermark_order(
    records: list[tuple[int, int]], seed: int
) -> None:
    search = ModelSearch(records, seed)
    pages = list(search_changes(search, SPEC, START - timedelta(days=1)))
    ids = [int(raw["id"]) for page in pages for raw in page]
    assert sorted(ids) == sorted(i for i, _ in records)
    assert len(ids) == len(set(ids))
    stamps = [raw["properties"][SPEC.watermark] for page in pages for raw in page]
    assert stamps == sorted(stamps)  # ascending: a cursor stored after any page is safe
    floor = -(-len(records) // 200)
    assert search.calls <= 2 * floor + 4
