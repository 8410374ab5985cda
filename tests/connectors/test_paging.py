"""The cursor bookkeeping both connectors share (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from sponsorsync.connectors.base import Cursor
from sponsorsync.connectors.paging import CursorTracker, same_layout
from sponsorsync.connectors.timestamps import parse_instant

UNTIL = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)  # the CRM's clock when the pull began (Date header)


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
    layouts = [
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        lambda t: t.astimezone(timezone(timedelta(hours=2))).strftime("%Y-%m-%dT%H:%M:%S.000+0200"),
    ]
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
