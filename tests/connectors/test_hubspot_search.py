"""The search paging logic on its own, against an in-memory model of HubSpot search that orders ties
randomly (HubSpot does not promise an order for equal sort values) and whose records can be edited
between two pages, as people do while a pull runs."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sponsorsync.connectors.base import ObjectSpec
from sponsorsync.connectors.hubspot_search import MAX_EXCLUDED, SEARCH_CAP, search_changes

SPEC = ObjectSpec("contacts", ("firstname",), "lastmodifieddate")
START = datetime(2026, 1, 1, tzinfo=UTC)


class ModelSearch:
    """filterGroups with one group of EQ/GT/GTE/NOT_IN filters, one ascending sort, limit, numeric
    after. ``edit(call)`` runs before each answer and may change the records (an edit moves a
    record to a later timestamp)."""

    def __init__(self, records: list[tuple[int, int]], seed: int) -> None:
        self.records = records  # (id, epoch ms)
        self.seed = seed
        self.calls = 0
        self.edit: Callable[[int], None] = lambda call: None
        self.honours_not_in = True
        self._index: tuple[list[tuple[int, int]], list[tuple[int, int]], list[int]] | None = None

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        self.edit(self.calls)
        filters = body["filterGroups"][0]["filters"]
        key = body["sorts"][0]["propertyName"]
        offset, wanted = int(body.get("after", 0)), int(body.get("after", 0)) + body["limit"]
        if wanted > SEARCH_CAP:
            raise AssertionError("paged past the 10,000-result cap (HubSpot answers 400)")
        if self._index is None or self._index[0] is not self.records:  # an edit makes a new list
            ordered = sorted(self.records, key=lambda r: (r[1], r[0]))
            self._index = (self.records, ordered, [ms for _, ms in ordered])
        _, ordered, stamps = self._index
        lo, hi = self._stamp_range(filters)
        # Matching rows in timestamp order, run by run of equal timestamps, only as far as the page
        # needs. Ties come back in an order of the index's own, different for a different query.
        shuffle = random.Random(f"{self.seed}:{filters}:{key}").shuffle
        rows: list[tuple[int, int]] = []
        at, end, more = bisect_left(stamps, lo), bisect_right(stamps, hi), False
        while at < end:
            run_end = bisect_right(stamps, stamps[at], at, end)
            if key != SPEC.watermark:  # by id: a run is in id order already, read only what is needed
                floor = max([int(f["value"]) for f in filters if f["operator"] == "GT"] or [0])
                at = bisect_left(ordered, (stamps[at], floor + 1), at, run_end, key=lambda r: (r[1], r[0]))
                run_end = min(run_end, at + wanted + 1 - len(rows))
            run = [r for r in ordered[at:run_end] if all(self._holds(r, f) for f in filters)]
            if key == SPEC.watermark:
                shuffle(run)
            rows.extend(run)
            at = run_end
            if len(rows) > wanted:
                more = True
                break
        page = rows[offset:wanted]
        answer: dict[str, Any] = {
            "total": len(rows),  # a lower bound here; the paging logic never reads it
            "results": [
                {"id": str(i), "properties": {SPEC.watermark: _iso(ms), "hs_object_id": str(i)}}
                for i, ms in page
            ],
        }
        if more:
            answer["paging"] = {"next": {"after": str(wanted)}}
        return answer

    @staticmethod
    def _stamp_range(filters: list[dict[str, Any]]) -> tuple[int, int]:
        lo, hi = 0, 1 << 62
        for f in filters:
            if f["propertyName"] == SPEC.watermark:
                value = int(f["value"])
                lo = max(lo, value + 1 if f["operator"] == "GT" else value)
                hi = min(hi, value if f["operator"] == "EQ" else hi)
        return lo, hi

    def _holds(self, row: tuple[int, int], f: dict[str, Any]) -> bool:
        value = row[1] if f["propertyName"] == SPEC.watermark else row[0]
        if f["operator"] == "NOT_IN":
            assert len(f["values"]) <= MAX_EXCLUDED
            return str(value) not in f["values"] or not self.honours_not_in
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
    if len({ms for _, ms in records}) == len(records):
        assert search.calls == floor  # no tie at a page boundary: one query a page, no overlap


@pytest.mark.parametrize("records", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_records_edited_while_the_search_pages_are_all_received(records: list[tuple[int, int]]) -> None:
    """Before each page, a record already received and one not yet reached are edited (moved
    to now): an offset would skip a record each time, since the result shifts back."""
    search = ModelSearch(list(records), seed=3)
    now = max(ms for _, ms in records) + 1  # edits happen after every record was written
    received: set[int] = set()

    def edit(call: int) -> None:
        for which in (received, {i for i, _ in search.records} - received):
            if which:
                target = min(which)
                search.records = [(i, now + call if i == target else ms) for i, ms in search.records]

    search.edit = edit
    for page in search_changes(search, SPEC, START - timedelta(days=1)):
        received.update(int(raw["id"]) for raw in page)
    assert received == {i for i, _ in records}


@pytest.mark.parametrize("records", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_a_search_that_ignores_the_exclusion_cannot_make_the_feed_loop(
    records: list[tuple[int, int]],
) -> None:
    search = ModelSearch(records, seed=5)
    search.honours_not_in = False  # the ids already received come back at the anchor every time
    ids = [int(raw["id"]) for page in search_changes(search, SPEC, START - timedelta(days=1)) for raw in page]
    assert sorted(ids) == sorted(i for i, _ in records)
    assert search.calls <= 3 * -(-len(records) // 200) + 4
