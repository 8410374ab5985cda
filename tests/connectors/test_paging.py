"""The cursor bookkeeping both connectors share (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from sponsorsync.connectors.base import Cursor
from sponsorsync.connectors.paging import CursorTracker

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
