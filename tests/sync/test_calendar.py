"""Days on the org's calendar: what a person in the org's time zone sees in the CRM.

Written from the reader's side before the code: a call at 20:30 in New York on 7 December arrives
from the CRM as 01:30Z on the 8th and must count as the 7th there; a date (Salesforce ActivityDate)
is the day it says in any zone; a HubSpot due date for the 14th shows on the 14th in New York (17:00
there), also in summer time; a time zone nobody has heard of is refused with the name."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from pydantic import ValidationError

from sponsorsync.sync.calendar import UTC_CALENDAR, Calendar, UnknownTimeZone
from sponsorsync.sync.diff import format_value, same
from sponsorsync.sync.mirror import Mirror, Row
from sponsorsync.sync.settings import SyncSettings
from sponsorsync.sync.store import StateStore

NEW_YORK = Calendar("America/New_York")


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-12-08T01:30:00.000+0000", date(2026, 12, 7)),  # Salesforce's form
        ("2026-12-08T01:30:00Z", date(2026, 12, 7)),
        ("2026-12-08T05:00:00Z", date(2026, 12, 8)),  # midnight in New York
        ("1796693400000", date(2026, 12, 7)),  # epoch milliseconds: 2026-12-08T01:30:00Z
        ("2026-12-08", date(2026, 12, 8)),  # a date is the day it says
        ("", None),
        (None, None),
        ("someday", None),
    ],
)
def test_an_instant_counts_on_the_day_it_is_in_the_org_and_a_date_on_its_own_day(
    value: str | None, day: date | None
) -> None:
    assert NEW_YORK.day(value) == day


def test_today_is_the_org_date_not_the_utc_date() -> None:
    evening = datetime(2026, 12, 8, 2, 30, tzinfo=UTC)  # 21:30 in New York on the 7th
    assert NEW_YORK.date_of(evening) == date(2026, 12, 7)
    assert Calendar("Asia/Tokyo").date_of(datetime(2026, 12, 7, 22, 0, tzinfo=UTC)) == date(2026, 12, 8)
    assert UTC_CALENDAR.date_of(evening) == date(2026, 12, 8)
    assert Calendar("utc") == Calendar("Etc/UTC") == UTC_CALENDAR  # one name: no re-pull for a spelling


def test_a_due_date_is_the_due_day_at_the_due_time_where_the_org_works_in_winter_and_summer() -> None:
    assert NEW_YORK.at(date(2026, 12, 14), time(17)) == datetime(2026, 12, 14, 22, tzinfo=UTC)
    assert NEW_YORK.at(date(2026, 7, 14), time(17)) == datetime(2026, 7, 14, 21, tzinfo=UTC)
    written = format_value("hubspot", "due_date", date(2026, 12, 14), NEW_YORK, time(17))
    assert written == "2026-12-14T22:00:00.000Z"
    assert NEW_YORK.day(written) == date(2026, 12, 14)  # read back: the same day, so never "moved"
    # The old form, midnight UTC, is 19:00 the day before in New York: the day the CRM showed.
    assert NEW_YORK.day("2026-12-14T00:00:00.000Z") == date(2026, 12, 13)
    assert format_value("salesforce", "due_date", date(2026, 12, 14), NEW_YORK) == "2026-12-14"


def test_a_due_date_a_person_moved_within_its_day_is_the_same_date() -> None:
    assert same("due_date", "2026-12-14T14:00:00.000Z", "2026-12-14T22:00:00.000Z", NEW_YORK)
    assert not same("due_date", "2026-12-15T14:00:00.000Z", "2026-12-14T22:00:00.000Z", NEW_YORK)
    # 23:00 in New York is the next UTC day: the same date there, another one in UTC.
    assert same("due_date", "2026-12-15T04:00:00.000Z", "2026-12-14T22:00:00.000Z", NEW_YORK)
    assert not same("due_date", "2026-12-15T04:00:00.000Z", "2026-12-14T22:00:00.000Z", UTC_CALENDAR)


@pytest.mark.parametrize(
    ("zone", "utc", "wall"),
    [
        ("America/New_York", "2026-12-08T01:30:00Z", "2026-12-07T20:30:00Z"),
        ("America/New_York", "2026-03-08T06:59:59Z", "2026-03-08T01:59:59Z"),  # the last second of EST
        ("America/New_York", "2026-03-08T07:00:00Z", "2026-03-08T03:00:00Z"),  # the first of EDT
        ("America/St_Johns", "2026-03-08T05:29:00Z", "2026-03-08T01:59:00Z"),  # changes at half past
        ("America/St_Johns", "2026-03-08T05:31:00Z", "2026-03-08T03:01:00Z"),
        ("Asia/Kolkata", "2026-12-07T20:00:00Z", "2026-12-08T01:30:00Z"),
        ("UTC", "2026-12-08T01:30:00Z", "2026-12-08T01:30:00Z"),
    ],
)
def test_the_wall_time_of_an_instant_follows_the_zone_through_its_offset_changes(
    zone: str, utc: str, wall: str
) -> None:
    calendar = Calendar(zone)
    assert calendar.wall(utc) == wall
    assert calendar.wall(utc) == wall  # again, from the hour's remembered offset


def test_the_mirror_keeps_instants_as_the_org_wall_time_and_dates_as_they_are(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    mirror = Mirror(store, NEW_YORK)
    rows = [
        Row("evening", {"kind": "meeting", "occurred_at": "2026-12-08T01:30:00.000+0000"}),
        Row("task", {"kind": "task", "occurred_at": "2026-12-08"}),  # Salesforce ActivityDate
        Row("epoch", {"kind": "meeting", "occurred_at": "1796693400000"}),
    ]
    with store.transaction():
        mirror.write("activities", "Event", rows, 1)
    stored = dict(store.db.execute("SELECT id, occurred_at FROM activities").fetchall())
    assert stored == {
        "evening": "2026-12-07T20:30:00Z",
        "task": "2026-12-08T00:00:00Z",
        "epoch": "2026-12-07T20:30:00Z",
    }


def test_an_unknown_time_zone_is_refused_with_its_name_and_what_to_give() -> None:
    with pytest.raises(UnknownTimeZone):
        Calendar("Mars/Olympus_Mons")
    with pytest.raises(ValidationError) as raised:
        SyncSettings(timezone="Mars/Olympus_Mons")
    message = str(raised.value)
    assert "unknown time zone 'Mars/Olympus_Mons'" in message
    assert "America/New_York" in message
    assert SyncSettings(timezone=" Europe/Berlin ").timezone == "Europe/Berlin"
    assert SyncSettings().timezone == ""  # the CRM org's own
