"""The cursor bookkeeping both connectors share (pure)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sponsorsync.connectors.base import Cursor
from sponsorsync.connectors.paging import CursorTracker, same_layout
from sponsorsync.connectors.timestamps import parse_instant

UNTIL = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)  # the CRM's clock when the pull began (Date header)
# A watermark's text in the layouts CRMs send: UTC with and without fractions, and two other zones.
LAYOUTS: list[Callable[[datetime], str]] = [
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda t: t.astimezone(timezone(timedelta(hours=2))).strftime("%Y-%m-%dT%H:%M:%S.000+0200"),
    lambda t: t.astimezone(timezone(timedelta(hours=-5))).strftime("%Y-%m-%dT%H:%M:%S.000-0500"),
]


def test_records_of_the_second_the_pull_began_are_read_again_next_time() -> None:
    """A record changed twice within one second keeps its whole-second watermark: had its id been kept
    at the boundary, the second change would be skipped until the record changed again."""
    tracker = CursorTracker("SystemModstamp", None, UNTIL)
    assert tracker.admit("006A", "2026-12-06T12:00:00.000+0000")
    cursor = tracker.finished()
    assert cursor == Cursor("SystemModstamp", "2026-12-06T12:00:00.000Z", frozenset())
    later = CursorTracker("SystemModstamp", cursor, datetime(2026, 12, 6, 12, 5, tzinfo=UTC))
    assert later.admit("006A", "2026-12-06T12:00:00.000+0000")  # closed in that same second: read


def test_ids_of_a_second_that_had_ended_are_kept_so_ties_are_not_read_twice() -> None:
    tracker = CursorTracker("SystemModstamp", None, UNTIL)
    tracker.admit("006A", "2026-12-06T11:59:58.000+0000")
    tracker.admit("006B", "2026-12-06T11:59:58.000+0000")
    cursor = tracker.cursor()
    assert cursor == Cursor("SystemModstamp", "2026-12-06T11:59:58.000+0000", frozenset({"006A", "006B"}))
    later = CursorTracker("SystemModstamp", cursor, datetime(2026, 12, 6, 12, 5, tzinfo=UTC))
    assert not later.admit("006A", "2026-12-06T11:59:58.000+0000")


def test_a_full_pull_in_no_order_ends_at_the_latest_watermark_whatever_the_layouts() -> None:
    """Watermarks in one UTC layout are compared as text, any other is parsed: the cursor is the
    one a tracker parsing every value would reach (latest instant, every id sharing it)."""
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    layouts = LAYOUTS[:4]
    for mixed in (False, True):
        tracker = CursorTracker("SystemModstamp", None, base + timedelta(days=30))
        seen: list[tuple[datetime, str]] = []
        for n in range(3_000):
            at = base + timedelta(minutes=rng.randrange(2_000))
            text = (rng.choice(layouts) if mixed else layouts[0])(at)
            assert tracker.admit(f"00T{n}", text)
            seen.append((at, f"00T{n}"))
        latest = max(at for at, _ in seen)
        cursor = tracker.cursor()
        assert cursor is not None
        assert parse_instant(cursor.last_value) == latest
        assert cursor.ids_at_last == {record_id for at, record_id in seen if at == latest}


def test_same_layout_is_only_said_of_timestamps_that_sort_as_text() -> None:
    assert same_layout("2026-01-01T10:00:00.000+0000", "2026-01-02T09:00:00.000+0000")
    assert same_layout("2026-01-01T10:00:00Z", "2026-01-02T09:00:00Z")
    assert not same_layout("2026-01-01T10:00:00.000Z", "2026-01-01T10:00:00Z")  # fraction or not
    assert not same_layout("2026-01-01T10:00:00.000+0200", "2026-01-01T10:00:00.000+0200")  # not UTC
    assert not same_layout("1767261600000", "1767261600001")  # epoch milliseconds
    assert not same_layout("2026-01-01T10:00:00.000+0000", "")


def test_a_page_admitted_at_once_moves_the_cursor_as_its_records_admitted_one_by_one() -> None:
    """A Bulk API 2.0 full pull tracks its cursor a page at a time (admit_all): whatever the pages'
    layouts, ties and empty watermarks, the cursor is the one admitting each record gives."""
    rng = random.Random(11)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    layouts = LAYOUTS
    for trial in range(60):
        one_by_one = CursorTracker("SystemModstamp", None, base + timedelta(days=30))
        at_once = CursorTracker("SystemModstamp", None, base + timedelta(days=30))
        assert at_once.admits_all
        for page in range(rng.randrange(1, 6)):
            page_layouts = rng.sample(layouts, rng.randrange(1, 3)) if trial % 2 else layouts[:1]
            ids, values = [], []
            for n in range(rng.randrange(0, 200)):
                at = base + timedelta(minutes=rng.randrange(60))  # many ties
                ids.append(f"00T{page}-{n}")
                values.append(rng.choice([*[layout(at) for layout in page_layouts], "", None]))
            for record_id, value in zip(ids, values, strict=True):
                assert one_by_one.admit(record_id, value)
            at_once.admit_all(ids, values)
        assert at_once.cursor() == one_by_one.cursor()


def test_a_page_is_only_admitted_at_once_without_a_previous_cursor() -> None:
    previous = Cursor("SystemModstamp", "2026-12-06T11:00:00.000+0000", frozenset({"006A"}))
    tracker = CursorTracker("SystemModstamp", previous, UNTIL)
    assert not tracker.admits_all
    with pytest.raises(ValueError, match="without a previous cursor"):
        tracker.admit_all(["006A"], ["2026-12-06T11:00:00.000+0000"])


def test_timestamps_of_one_layout_sort_as_text_whatever_their_last_digits() -> None:
    assert same_layout("2026-01-01T10:00:01.000Z", "2026-01-02T09:00:00.000Z")
    assert same_layout("2026-01-01T10:00:01.000+0000", "2026-01-02T09:00:00.123+0000")
    assert not same_layout("2026-01-01T10:00:01.000+0000", "2026-01-02T09:00:00.0000Z")
