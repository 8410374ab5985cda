"""Large REST pulls split into watermark ranges read at once, over HTTPS against the sandbox with the
unmodified SDK: the same records and final cursor as one sequential pull, every page's cursor safe
to resume from (a run killed after any page loses nothing), requests in flight within the
concurrency setting; and the pure range arithmetic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sponsorsync.connectors import salesforce_ranges
from sponsorsync.connectors.base import Cursor, ObjectSpec, Page
from sponsorsync.connectors.salesforce_ranges import Progress, ranges_for, split
from sponsorsync.connectors.timestamps import parse_instant
from tests.connectors.test_salesforce_bulk import by_id, same_cursor
from tests.support.sandbox import Sandbox, connector, drain, running_sandbox

TASK = ObjectSpec(
    "Task",
    ("Id", "Subject", "Status", "IsClosed", "WhoId", "WhatId", "ActivityDate", "SystemModstamp"),
    "SystemModstamp",
)
QUERY_ALL = "GET /services/data/{version}/queryAll{slash}"
SEQUENTIAL = {"LIMITS__CONCURRENCY": "1", "SALESFORCE__BULK_THRESHOLD": "0"}
PARALLEL = {"LIMITS__CONCURRENCY": "4", "SALESFORCE__BULK_THRESHOLD": "0"}


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox("salesforce", tmp_path_factory.mktemp("sf-ranges"), size=1000) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def fresh(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(salesforce_ranges, "MIN_PAGES_PER_RANGE", 1)  # 7,711 tasks: 4 pages, 3 ranges
    box.admin.reset()
    box.admin.advance_clock(seconds=600)  # every record older than the pulls' start (see same_cursor)
    box.admin.reset_stats()


def pages(box: Sandbox, env: dict[str, str], cursor: Cursor | None = None) -> list[Page]:
    return list(connector(box, **env).pull(TASK, cursor))


def test_ranges_read_at_once_give_the_records_and_cursor_of_one_sequential_pull(box: Sandbox) -> None:
    sequential = pages(box, SEQUENTIAL)
    assert box.calls()[QUERY_ALL] == 1
    box.admin.reset_stats()
    parallel = pages(box, PARALLEL)
    assert box.calls()[QUERY_ALL] == 1 + 3  # 7,711 tasks: the first page, then a query per range (3)
    records, cursor = drain(iter(parallel))
    expected, expected_cursor = drain(iter(sequential))
    assert len(expected) == 7_711
    assert by_id(records) == by_id(expected)
    assert same_cursor(cursor, expected_cursor)
    assert parallel[-1].complete
    assert not any(page.complete for page in parallel[:-1])


def test_every_page_cursor_is_safe_to_resume_from(box: Sandbox) -> None:
    """A run killed after page k stored resumes from the last cursor stored: the records before the
    kill and the resumed pull's together are every record, whatever k."""
    everything = {r.id for r in drain(iter(pages(box, SEQUENTIAL)))[0]}
    parallel = pages(box, PARALLEL)
    stamps = [parse_instant(p.cursor.last_value) for p in parallel if p.cursor is not None]
    assert stamps == sorted(stamps)  # a cursor never moves backwards
    for killed_after in range(1, len(parallel)):
        before = {r.id for page in parallel[:killed_after] for r in page.records}
        stored = next((p.cursor for p in reversed(parallel[:killed_after]) if p.cursor is not None), None)
        resumed, _ = drain(connector(box, **SEQUENTIAL).pull(TASK, stored))
        assert before | {r.id for r in resumed} == everything, killed_after


def test_small_pulls_stay_sequential(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(salesforce_ranges, "MIN_PAGES_PER_RANGE", 10)
    pages(box, PARALLEL)
    assert box.calls()[QUERY_ALL] == 1


# -- pure ----------------------------------------------------------------------------------------
def test_ranges_split_the_span_in_whole_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(salesforce_ranges, "MIN_PAGES_PER_RANGE", 10)
    low = datetime(2026, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC)
    starts = split(low, low + timedelta(hours=4), 4)
    assert starts == [low.replace(microsecond=0) + timedelta(hours=h) for h in range(4)]
    assert split(low, low + timedelta(seconds=1), 4) == [
        low.replace(microsecond=0),
        low.replace(microsecond=0) + timedelta(seconds=1),
    ]
    assert ranges_for(5, 4) == 1
    assert ranges_for(25, 4) == 2
    assert ranges_for(400, 4) == 4


def test_the_prefix_cursor_waits_for_earlier_ranges() -> None:
    held = Cursor("SystemModstamp", "2026-01-01T00:00:00.000+0000")
    progress = Progress(held, 3)
    progress.reached[1] = Cursor("SystemModstamp", "2026-01-01T10:00:00.000+0000", frozenset({"b"}))
    assert progress.prefix() == held  # range 0 still open: range 1's pages do not count yet
    progress.reached[0] = Cursor("SystemModstamp", "2026-01-01T01:00:00.000+0000", frozenset({"a"}))
    assert progress.prefix() == progress.reached[0]
    progress.done[0] = True
    assert progress.prefix() == progress.reached[1]
    progress.done[1] = True
    assert progress.prefix() == progress.reached[1]  # range 2 handed nothing on yet
