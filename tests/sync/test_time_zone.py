"""A sync late in the evening, when the UTC date is already tomorrow, read as the people in the org's
time zone read their CRM (real SDKs over HTTPS; a HubSpot portal in New York, a Salesforce org in
Los Angeles, each CRM's own time zone setting).

What they should see, written before the run (the known-answers org, tests/support/orgs.py):
- It is 02:30 UTC, so 21:30 (New York) or 18:30 (Los Angeles) the evening before there. An hour ago
  Marcus met Jane Roe, Acme's CTO. Acme's last touch is that evening's date, and its health reason
  says "last contact with Jane Roe on <that date>": the day in their calendars, not the UTC date.
- Mia's "Appoint an executive sponsor for Globex" is due one week after that date (the Monday after,
  when that is a Saturday or Sunday). In HubSpot (a
  date and time) it is due on that day at 17:00 where the portal is: not at midnight UTC, which New
  York shows as 19:00 the day before. No task is overdue when it arrives.
- A run a minute later writes nothing: the due dates read back are the days written.
- An admin who sets SPONSORSYNC_SYNC__TIMEZONE=UTC is told the days now count in UTC, everything is
  pulled again, and Acme's last touch becomes the UTC date of the meeting.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sponsorsync.connectors.timestamps import parse_instant
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.report import status
from sponsorsync.sync.run import execute
from sponsorsync.sync.store import StateStore
from tests.support import orgs
from tests.support.days import on_or_after
from tests.support.driver import driver_for
from tests.support.sandbox import Sandbox, running_sandbox
from tests.sync.test_end_to_end import labels

ZONES = {"hubspot": "America/New_York", "salesforce": "America/Los_Angeles"}


@pytest.fixture(params=["salesforce", "hubspot"])
def box(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    with running_sandbox(
        request.param, tmp_path / "sandbox", data=orgs.render(request.param, orgs.known_answers())
    ) as sandbox:
        sandbox.admin.configure(time_zone=ZONES[request.param])
        yield sandbox


def evening(box: Sandbox) -> tuple[datetime, date]:
    """Move the sandbox clock to the next 02:30 UTC; that instant and the org's date then."""
    now = datetime.fromisoformat(box.admin.now().replace("Z", "+00:00"))
    at = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC).replace(hour=2, minute=30)
    box.admin.set_clock(at.isoformat().replace("+00:00", "Z"))
    return at, at.astimezone(ZoneInfo(ZONES[box.crm])).date()


def test_an_evening_run_counts_the_days_the_org_sees_and_due_dates_show_on_their_day(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    at, local_day = evening(box)
    assert local_day == at.date() - timedelta(days=1)  # the scenario: the UTC date is already tomorrow
    crm = driver_for(box, labels(orgs.known_answers()))
    crm.log_touch("marcus", "jane", "acme", days_ago=0)  # an hour ago: that evening, where they are
    settings = box.settings()
    mapping = load_mapping(None, box.crm)  # type: ignore[arg-type]

    caplog.set_level(logging.INFO, logger="sponsorsync")
    report = execute(settings, mapping, mode="run")
    assert report.today == local_day
    assert f"days are counted in the time zone {ZONES[box.crm]} (the CRM org's)" in caplog.text
    acme = crm.accounts()[crm.id_of("account", "acme")]
    assert acme.last_touch == local_day.isoformat()
    assert acme.reason is not None
    assert f"last contact with Jane Roe on {local_day.isoformat()}" in acme.reason

    tasks = crm.tasks().values()
    (globex,) = [t for t in tasks if t.subject == "Appoint an executive sponsor for Globex"]
    assert globex.due is not None
    due_day = on_or_after(local_day + timedelta(days=7))  # a week on, or the Monday after a weekend
    if box.crm == "hubspot":
        due = parse_instant(globex.due).astimezone(ZoneInfo(ZONES["hubspot"]))
        assert (due.date(), due.hour, due.minute) == (due_day, 17, 0)
        assert all(parse_instant(t.due or "") > at for t in tasks)  # nothing overdue on arrival
    else:
        assert globex.due == due_day.isoformat()  # Salesforce ActivityDate: a date
        assert all(date.fromisoformat(t.due or "") >= local_day for t in tasks)

    box.admin.advance_clock(seconds=60)
    again = execute(settings, mapping, mode="run")
    assert again.writes.count() == 0
    assert again.today == local_day
    store = StateStore(settings.state_dir)
    try:
        assert status(store)["time_zone"] == ZONES[box.crm]  # `sync status` says which calendar
    finally:
        store.close()

    in_utc = execute(box.settings(SYNC__TIMEZONE="UTC"), mapping, mode="run")
    assert f"days are now counted in the time zone UTC (were {ZONES[box.crm]})" in caplog.text
    assert in_utc.today == at.date()
    assert sorted(in_utc.pull.full) == sorted(report.pull.full)  # everything pulled again
    assert crm.accounts()[crm.id_of("account", "acme")].last_touch == at.date().isoformat()


def test_salesforce_is_asked_for_its_time_zone_once_a_day_and_never_when_it_is_set(tmp_path: Path) -> None:
    # Hourly runs: the first asks (one query), the next ones that day use the zone kept in the state;
    # a day later it is asked again (an admin may have changed it); with the setting, never.
    with running_sandbox(
        "salesforce", tmp_path / "sandbox", data=orgs.render("salesforce", orgs.known_answers())
    ) as box:
        mapping = load_mapping(None, "salesforce")
        settings = box.settings()
        asked = []
        for hours in (0, 1, 2, 23):
            box.admin.advance_clock(seconds=3600 * hours)
            report = execute(settings, mapping, mode="run")
            asked.append(report.zone_asked)
            assert report.calendar.zone == "America/Los_Angeles"
        assert asked == [True, False, False, True]
        # The next day the query is refused (a permission taken away): the zone read before stays.
        box.admin.add_faults(
            {"method": "GET", "path": "*/query/*", "action": "error", "status": 400,
             "error_code": "INVALID_TYPE", "message": "sObject type 'Organization' is not supported.", "count": 1}
        )  # fmt: skip
        box.admin.advance_clock(days=1)
        refused = execute(settings, mapping, mode="run")
        assert (refused.zone_asked, refused.calendar.zone) == (True, "America/Los_Angeles")
        assert refused.pull.full == report.pull.full  # no calendar change: nothing more pulled in full
        box.admin.configure(time_zone="Europe/Berlin")
        box.admin.advance_clock(days=1)
        assert execute(settings, mapping, mode="run").calendar.zone == "Europe/Berlin"
        fixed = execute(box.settings(SYNC__TIMEZONE="Asia/Tokyo"), mapping, mode="run")
        assert (fixed.calendar.zone, fixed.zone_asked) == ("Asia/Tokyo", False)
