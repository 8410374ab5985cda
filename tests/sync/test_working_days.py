"""No task is due on a day its owner does not work (``cadence.working_days``, Monday to Friday by
default).

Written from the reader's side before the code: a sponsor who opens the CRM on Monday morning must
not find a task created over the weekend already overdue, and a deadline that falls on a Saturday
(a sponsor update, a meeting on Monday the day after which the sponsor should be briefed) is work
for the Friday before, not for the Monday after. A task that is already in the CRM keeps the date
it has (sponsorsync never moves a due date), and an org whose people work Sunday to Thursday
lists those days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from sponsorsync.connectors.timestamps import parse_instant
from sponsorsync.mappings.loader import load_mapping, parse_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.calendar import WorkWeek, work_week
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.mirror import OwnTask
from sponsorsync.sync.model import Case, Memory
from sponsorsync.sync.plan import plan
from sponsorsync.sync.report import explain
from sponsorsync.sync.run import execute
from sponsorsync.sync.store import StateStore
from tests.mappings.support import edited, line_of, problems
from tests.support import orgs
from tests.support.driver import driver_for
from tests.support.sandbox import running_sandbox
from tests.sync.builders import TODAY, alliance, org, own_task, salesforce_mapping, touch
from tests.sync.test_end_to_end import labels

MON_FRI = frozenset(range(5))
SUN_THU = frozenset({6, 0, 1, 2, 3})
SAT, SUN, MON = date(2026, 12, 12), date(2026, 12, 13), date(2026, 12, 14)


@pytest.mark.parametrize(
    ("candidate", "today", "working", "deadline", "due"),
    [
        (date(2026, 12, 9), date(2026, 12, 7), MON_FRI, True, date(2026, 12, 9)),  # a Wednesday stays
        (date(2026, 12, 9), date(2026, 12, 7), MON_FRI, False, date(2026, 12, 9)),
        (SAT, date(2026, 12, 7), MON_FRI, True, date(2026, 12, 11)),  # deadline Saturday: the Friday before
        (SUN, date(2026, 12, 7), MON_FRI, True, date(2026, 12, 11)),  # deadline Sunday: the Friday too
        (SAT, date(2026, 12, 11), MON_FRI, True, date(2026, 12, 11)),  # run on Friday: due that day
        (SAT, SAT, MON_FRI, True, MON),  # run on the Saturday itself: Friday is past, so Monday
        (SUN, SAT, MON_FRI, True, MON),
        (SAT, date(2026, 12, 5), MON_FRI, False, MON),  # a week from a Saturday: Monday after
        (SUN, date(2026, 12, 6), MON_FRI, False, MON),
        (date(2026, 12, 11), date(2026, 12, 7), SUN_THU, True, date(2026, 12, 10)),  # Friday off: Thursday
        (SAT, date(2026, 12, 5), SUN_THU, False, SUN),  # Saturday off: Sunday is a working day there
        (SAT, SAT, frozenset(range(7)), True, SAT),  # every day a working day: any date as it is
        (SUN, date(2026, 12, 6), frozenset(range(7)), False, SUN),
    ],
)
def test_a_due_date_falls_on_a_working_day(
    candidate: date, today: date, working: frozenset[int], deadline: bool, due: date
) -> None:
    assert WorkWeek(working).due(candidate, today=today, deadline=deadline) == due


CHRISTMAS, NEW_YEAR = date(2026, 12, 25), date(2027, 1, 1)  # both Fridays


@pytest.mark.parametrize(
    ("candidate", "today", "deadline", "due"),
    [
        (CHRISTMAS, date(2026, 12, 21), True, date(2026, 12, 24)),  # a deadline on Christmas: the day before
        (date(2026, 12, 26), date(2026, 12, 21), True, date(2026, 12, 24)),  # on the Saturday after it too
        (NEW_YEAR, date(2026, 12, 25), False, date(2027, 1, 4)),  # a week from Christmas: the Monday after
        (date(2026, 12, 24), date(2026, 12, 21), False, date(2026, 12, 24)),  # Christmas Eve is worked
        (NEW_YEAR, NEW_YEAR, True, date(2027, 1, 4)),  # the run on New Year's Day itself: Monday
    ],
)
def test_a_holiday_is_a_day_off_like_a_weekend(
    candidate: date, today: date, deadline: bool, due: date
) -> None:
    week = WorkWeek(MON_FRI, frozenset({CHRISTMAS, NEW_YEAR}))
    assert week.due(candidate, today=today, deadline=deadline) == due


def test_a_week_with_no_working_day_is_refused() -> None:
    with pytest.raises(ValueError, match="no working day"):
        WorkWeek(frozenset())


def test_the_default_week_is_monday_to_friday_and_an_org_can_list_its_own() -> None:
    assert salesforce_mapping().cadence.working_days == ["mon", "tue", "wed", "thu", "fri"]
    assert salesforce_mapping().cadence.working_weekdays == MON_FRI
    assert _week("[sun, mon, tue, wed, thu]").cadence.working_weekdays == SUN_THU
    assert work_week(salesforce_mapping().cadence, TODAY) == WorkWeek(MON_FRI)  # no holidays unless listed
    listed = _week("[mon, tue, wed, thu, fri]", "[2026-12-25, '2027-01-01']")
    assert work_week(listed.cadence, TODAY) == WorkWeek(MON_FRI, frozenset({CHRISTMAS, NEW_YEAR}))


@pytest.mark.parametrize(
    ("days", "holidays", "expected"),
    [
        ("[mon, tue, mon]", "[]", "cadence.working_days: mon listed more than once; list each working day once"),
        ("[]", "[]", "cadence.working_days: list should have at least 1 item after validation, not 0"),
        ("[monday, tue]", "[]", "cadence.working_days[0]: 'monday' is not allowed; did you mean 'mon'?"),
        ("[mon]", "[2026-12-25, christmas]", "cadence.holidays[1]: input should be a valid date"),
        ("[mon]", "[2026-13-01]", "'2026-13-01' is not a date (month must be in 1..12); write a day as YYYY-MM-DD"),
    ],
    ids=["twice", "none", "long-name", "holiday-name", "no-such-day"],
)  # fmt: skip
def test_a_wrong_working_week_names_its_line_and_what_to_write(
    days: str, holidays: str, expected: str
) -> None:
    text = _week_text(days, holidays)
    (got,) = problems(text)
    where, _, rest = got.partition(": ")
    marker = f"working_days: {days}" if rest.startswith("cadence.working_days") else f"holidays: {holidays}"
    assert where.split(":")[:2] == ["m.yaml", str(line_of(text, marker))]
    assert rest.startswith(expected), rest


def _week_text(days: str, holidays: str = "[]", public: str | None = None) -> str:
    """The default Salesforce mapping with this working week, these holidays and this region's."""
    text = edited("salesforce")
    start = text.index("  working_days:")
    end = text.index("\n", text.index("  public_holidays:", start)) + 1
    region = f"  public_holidays: {public if public is not None else 'null'}\n"
    return f"{text[:start]}  working_days: {days}\n  holidays: {holidays}\n{region}{text[end:]}"


def _week(days: str, holidays: str = "[]", public: str | None = None) -> Mapping:
    return parse_mapping(_week_text(days, holidays, public), "m.yaml")


def test_a_country_s_public_holidays_are_days_off_without_listing_them() -> None:
    # A US org: an alert raised on Thursday 19 November would be due on Thanksgiving, a week later:
    # it is due the Friday after. In Britain, Boxing Day falls on a Saturday in 2026 and its holiday
    # is the Monday after: an alert due then goes to the Tuesday.
    us = _week("[mon, tue, wed, thu, fri]", public="us")
    assert us.cadence.public_holidays == "US"
    (task,) = plan(org(alliances=[alliance(sponsor=None)], today=date(2026, 11, 19)), us).tasks
    assert task.due == date(2026, 11, 27)
    britain = work_week(_week("[mon, tue, wed, thu, fri]", public="GB-ENG").cadence, date(2026, 12, 21))
    assert britain.due(date(2026, 12, 28), today=date(2026, 12, 21), deadline=False) == date(2026, 12, 29)
    assert britain.due(date(2026, 12, 28), today=date(2026, 12, 21), deadline=True) == date(2026, 12, 24)
    # Listed days add to the region's.
    both = work_week(
        _week("[mon, tue, wed, thu, fri]", "[2026-12-24]", public="GB").cadence, date(2026, 12, 21)
    )
    assert both.due(date(2026, 12, 28), today=date(2026, 12, 21), deadline=True) == date(2026, 12, 23)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("XX", "cadence.public_holidays: 'XX' is not a country the public-holiday data knows; give an ISO 3166 code"),
        ("US-ZZ", "cadence.public_holidays: 'ZZ' is not a subdivision of US the public-holiday data knows; use one of"),
    ],
    ids=["country", "subdivision"],
)  # fmt: skip
def test_an_unknown_region_names_its_line_and_what_to_give(region: str, expected: str) -> None:
    text = _week_text("[mon, tue, wed, thu, fri]", public=region)
    (got,) = problems(text)
    where, _, rest = got.partition(": ")
    assert where.split(":")[:2] == ["m.yaml", str(line_of(text, f"public_holidays: {region}"))]
    assert rest.startswith(expected), rest


def test_an_alert_raised_on_a_sunday_is_due_on_the_monday_a_week_later() -> None:
    assert TODAY.weekday() == 6  # the builders' day is a Sunday
    (task,) = plan(org(alliances=[alliance(sponsor=None)]), salesforce_mapping()).tasks
    assert task.rule == "no_sponsor"
    assert task.due == TODAY + timedelta(days=8)  # a week on is a Sunday: the Monday after
    week_of_seven = _week("[mon, tue, wed, thu, fri, sat, sun]")
    (anyday,) = plan(org(alliances=[alliance(sponsor=None)]), week_of_seven).tasks
    assert anyday.due == TODAY + timedelta(days=7)
    # That Monday is a holiday where the org works: the Tuesday.
    holiday = _week("[mon, tue, wed, thu, fri]", "[2026-12-07]")
    (after,) = plan(org(alliances=[alliance(sponsor=None)]), holiday).tasks
    assert after.due == TODAY + timedelta(days=9)


SHUTDOWN = "[2026-12-24, 2026-12-25, 2026-12-28, 2026-12-29, 2026-12-30, 2026-12-31, 2027-01-01]"


@pytest.mark.parametrize(
    "working", [MON_FRI, SUN_THU, frozenset(range(7))], ids=["mon-fri", "sun-thu", "all"]
)
@pytest.mark.parametrize("days", [0, 1, 2, 5, 7, 14])
def test_without_holidays_notice_is_the_next_working_day_from_so_many_days_on(
    working: frozenset[int], days: int
) -> None:
    # The rule for holidays changes nothing in an ordinary week, from any day of it.
    for start in range(7):
        today = date(2026, 12, 7) + timedelta(days=start)
        week = WorkWeek(working)
        assert week.notice(today, days) == week.due(today + timedelta(days=days), today=today, deadline=False)


@pytest.mark.parametrize(
    ("today", "days", "due"),
    [
        (date(2026, 12, 24), 7, date(2027, 1, 8)),  # raised as the shutdown starts: Jan 4 to 8 to act
        (date(2026, 12, 26), 7, date(2027, 1, 8)),  # a Saturday in it: the same five days
        (date(2026, 12, 21), 7, date(2027, 1, 6)),  # two days before it, three after
        (date(2026, 12, 23), 2, date(2027, 1, 5)),  # a 2-day SLA seen the day before: two days back
        (date(2027, 1, 4), 7, date(2027, 1, 11)),  # after it: an ordinary week
    ],
)
def test_holidays_in_between_do_not_shorten_a_task_s_notice(today: date, days: int, due: date) -> None:
    week = work_week(_week("[mon, tue, wed, thu, fri]", SHUTDOWN).cadence, today)
    assert week.notice(today, days) == due


def test_an_alert_raised_in_a_shutdown_gives_its_owner_a_working_week_and_says_why() -> None:
    # Globex loses its sponsor on Thursday 24 December, the first day of the company's shutdown.
    # Mia reads "Appoint an executive sponsor" on Monday 4 January: due Friday the 8th, the five
    # working days any week gives her, not that Monday (a week on is the 31st, a holiday).
    # Her escalated case seen on the 23rd, a 2-day SLA, is due on her second day back.
    mapping = _week("[mon, tue, wed, thu, fri]", SHUTDOWN)
    christmas_eve = date(2026, 12, 24)
    result = plan(org(alliances=[alliance(sponsor=None)], today=christmas_eve), mapping)
    (task,) = result.tasks
    assert (task.rule, task.due) == ("no_sponsor", date(2027, 1, 8))
    why = (
        "no_sponsor: due 2027-01-08 (Friday), not 2026-12-31 (Thursday): holidays before it would leave "
        "fewer working days than an ordinary week"
    )
    assert any(note.startswith(why) for note in result.views["acme"].notes), result.views["acme"].notes
    case = Case("500A", "acme", "Outage", escalated=True, closed=False, opened_on=date(2026, 12, 22))
    world = org(today=date(2026, 12, 23), memory={"acme": Memory("ceo", "jane_roe", date(2025, 11, 1))})
    world.cases = {"acme": [case]}
    (sla,) = [t for t in plan(world, mapping).tasks if t.rule == "partner_escalation"]
    assert sla.due == date(2027, 1, 5)


@pytest.mark.parametrize(
    ("deadline", "opens"),
    [
        (date(2027, 1, 2), date(2026, 12, 16)),  # Saturday after the shutdown: 17 to 23 December to act
        (date(2027, 1, 4), date(2026, 12, 17)),  # Monday back: four days before it and that Monday
        (date(2026, 12, 24), date(2026, 12, 16)),  # its first day (off): the week before
        (date(2027, 1, 8), date(2027, 1, 1)),  # a full working week back: lead_days, as ever
    ],
)
def test_a_cadence_task_appears_early_enough_to_be_done_before_a_shutdown(
    deadline: date, opens: date
) -> None:
    week = work_week(_week("[mon, tue, wed, thu, fri]", SHUTDOWN).cadence, deadline)
    assert week.opens(deadline, 7) == opens


@pytest.mark.parametrize(
    "working", [MON_FRI, SUN_THU, frozenset(range(7))], ids=["mon-fri", "sun-thu", "all"]
)
def test_without_holidays_a_cadence_task_appears_lead_days_before_its_deadline(
    working: frozenset[int],
) -> None:
    for offset in range(14):
        deadline = date(2026, 12, 7) + timedelta(days=offset)
        for lead in range(15):
            assert WorkWeek(working).opens(deadline, lead) == deadline - timedelta(days=lead)


def _update_plan(
    today: date, mapping: Mapping, *held: OwnTask
) -> tuple[list[str], list[tuple[str, str]], str]:
    """Acme's sponsor updates (Mia to Ava) planned on ``today``: (key: due) of the tasks wanted,
    (key, outcome) of those closed, and the subjects."""
    memory = {"acme": Memory("ceo", "jane_roe", date(2025, 1, 1))}
    result = plan(org(memory=memory, own=list(held), today=today), mapping)
    tasks = [t for t in result.tasks if t.rule == "sponsor_update"]
    closed: list[tuple[str, str]] = [
        (c.key, c.outcome) for c in result.closures if c.rule == "sponsor_update"
    ]
    return (
        [f"{t.key.rsplit(':', 1)[1]}: {t.due}" for t in tasks],
        closed,
        " | ".join(t.subject for t in tasks),
    )


def test_a_sponsor_update_due_after_a_shutdown_comes_before_it() -> None:
    # Mia sends Ava the Acme update every 30 days; the last was due 3 December (done), the next
    # deadline is Saturday 2 January, after the shutdown. A week before it, 26 December, she is on
    # holiday, and the last working day before it is the 23rd. So the task comes on Wednesday
    # 16 December, due the 23rd: the five working days a week gives her, before she leaves.
    mapping = _week("[mon, tue, wed, thu, fri]", SHUTDOWN)
    done = own_task(
        "ss1:sponsor_update:acme:ceo:2026-12-03", completed=True, values={"ActivityDate": "2026-12-03"}
    )
    assert _update_plan(date(2026, 12, 15), mapping, done)[0] == ["2026-12-03: 2026-12-03"]  # still the last
    wanted, closed, subject = _update_plan(date(2026, 12, 16), mapping, done)
    assert (wanted, closed) == (["2027-01-02: 2026-12-23"], [])
    assert subject == "Send Ava Chen the Acme Inc sponsor update by 2026-12-23"
    # Without the holidays listed, it comes a week before the deadline, as always.
    assert _update_plan(date(2026, 12, 25), salesforce_mapping(), done)[0] == ["2026-12-03: 2026-12-03"]
    assert _update_plan(date(2026, 12, 26), salesforce_mapping(), done)[0] == ["2027-01-02: 2027-01-01"]


def test_an_update_brought_forward_never_overtakes_the_one_still_due() -> None:
    # Every 14 days: the update due Sunday 20 December (so on Friday the 18th) is open. The next
    # deadline, Sunday 3 January, would open on the 16th for the shutdown, but the 18th's update
    # can still be sent until the 20th: it is not closed as missed before then, and the next one
    # comes on Monday the 21st, due the 23rd.
    text = _week_text("[mon, tue, wed, thu, fri]", SHUTDOWN).replace(
        "strategic: {sponsor_update_days: 30,", "strategic: {sponsor_update_days: 14,", 1
    )
    mapping = parse_mapping(text, "m.yaml")
    key = "ss1:sponsor_update:acme:ceo:2026-12-20"
    open_update = own_task(
        key, values={"ActivityDate": "2026-12-18", "Status": "Not Started", "OwnerId": "manager"}
    )
    for today in (date(2026, 12, 16), date(2026, 12, 18), date(2026, 12, 20)):
        wanted, closed, _ = _update_plan(today, mapping, open_update)
        assert (wanted, closed) == (["2026-12-20: 2026-12-18"], []), today
    wanted, closed, _ = _update_plan(date(2026, 12, 21), mapping, open_update)
    assert (wanted, closed) == (["2027-01-03: 2026-12-23"], [(key, "missed")])


def test_an_update_that_came_late_is_not_closed_as_missed_before_its_own_due_date() -> None:
    # The same, but the update for Sunday 20 December came late (held back by the intake limit) and
    # is due Wednesday the 23rd. Mia can send it until then: the next one comes on the 24th.
    text = _week_text("[mon, tue, wed, thu, fri]", SHUTDOWN).replace(
        "strategic: {sponsor_update_days: 30,", "strategic: {sponsor_update_days: 14,", 1
    )
    mapping = parse_mapping(text, "m.yaml")
    key = "ss1:sponsor_update:acme:ceo:2026-12-20"
    late = own_task(key, values={"ActivityDate": "2026-12-23", "Status": "Not Started", "OwnerId": "manager"})
    for today in (date(2026, 12, 21), date(2026, 12, 23)):
        wanted, closed, _ = _update_plan(today, mapping, late)
        assert (wanted, closed) == (["2026-12-20: 2026-12-23"], []), today
    wanted, closed, _ = _update_plan(date(2026, 12, 24), mapping, late)
    assert (wanted, closed) == (["2027-01-03: 2027-01-04"], [(key, "missed")])


def test_an_executive_touch_due_after_a_shutdown_comes_before_it() -> None:
    # Ava last met Jane Roe on 18 November; strategic: every 45 days, so by Saturday 2 January.
    # The task comes on 16 December, due the 23rd, not in the shutdown.
    mapping = _week("[mon, tue, wed, thu, fri]", SHUTDOWN)
    met = touch("ceo", "jane_roe", (TODAY - date(2026, 11, 18)).days)
    memory = {"acme": Memory("ceo", "jane_roe", date(2025, 1, 1))}
    for today, expected in ((date(2026, 12, 15), []), (date(2026, 12, 16), [date(2026, 12, 23)])):
        result = plan(org(touches=[met], memory=memory, today=today), mapping)
        assert [t.due for t in result.tasks if t.rule == "executive_touch"] == expected, today


def test_a_sponsor_update_due_on_a_saturday_is_due_the_friday_before_and_says_so() -> None:
    # Mia sends Ava the Acme update every 30 days; this period's deadline is a Saturday.
    deadline = date(2026, 12, 5)
    assert deadline.weekday() == 5
    key = f"ss1:sponsor_update:acme:ceo:{(deadline - timedelta(days=30)).isoformat()}"
    held = own_task(key, completed=True, values={"ActivityDate": "2026-11-05", "Status": "Completed"})
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=400))}
    result = plan(org(memory=memory, own=[held]), salesforce_mapping())
    (update,) = [t for t in result.tasks if t.rule == "sponsor_update"]
    # The schedule (the key) keeps the Saturday, so later periods do not drift by a day each time.
    assert update.key == f"ss1:sponsor_update:acme:ceo:{deadline.isoformat()}"
    assert update.due == date(2026, 12, 4)
    assert update.subject == "Send Ava Chen the Acme Inc sponsor update by 2026-12-04"
    # `sync explain` says why (the admin who sees the key's Saturday and the Friday due date).
    why = "sponsor_update: due 2026-12-04 (Friday), not 2026-12-05 (Saturday): a day off"
    assert any(note.startswith(why) for note in result.views["acme"].notes), result.views["acme"].notes
    with Console(width=200, record=True) as console:
        console.print(explain(result.views["acme"], result.tasks))
    assert why in console.export_text()
    # Written, the task keeps that date, and explain still says why.
    written = own_task(update.key, values={"ActivityDate": "2026-12-04", "Status": "Not Started"})
    again = plan(
        org(memory=memory, own=[held, written], today=TODAY + timedelta(days=1)), salesforce_mapping()
    )
    assert [t.due for t in again.tasks if t.key == update.key] == [date(2026, 12, 4)]
    assert any(note.startswith(why) for note in again.views["acme"].notes)


def test_a_task_already_in_the_crm_keeps_its_weekend_due_date() -> None:
    # Written by an earlier version (or moved there by a person): sponsorsync never moves it.
    key = "ss1:no_sponsor:acme:e1"
    sunday = (TODAY + timedelta(days=7)).isoformat()
    held = own_task(key, values={"ActivityDate": sunday, "Status": "Not Started", "OwnerId": "manager"})
    (task,) = plan(org(alliances=[alliance(sponsor=None)], own=[held]), salesforce_mapping()).tasks
    assert task.key == key
    assert task.due.isoformat() == sunday


def test_an_escalation_seen_on_a_friday_gives_the_sponsor_until_monday_not_the_weekend() -> None:
    # Acme escalates a case; the sponsor has 2 days (cadence.escalation.sponsor_sla_days). Seen on a
    # Wednesday: due Friday. Seen on a Friday: Sunday is no working day, so Monday.
    case = Case("500A", "acme", "Outage", escalated=True, closed=False, opened_on=date(2026, 12, 1))
    dues = {}
    for today in (date(2026, 12, 2), date(2026, 12, 4)):
        world = org(today=today, memory={"acme": Memory("ceo", "jane_roe", today - timedelta(days=400))})
        world.cases = {"acme": [case]}
        (task,) = [t for t in plan(world, salesforce_mapping()).tasks if t.rule == "partner_escalation"]
        dues[today.strftime("%a")] = task.due
    assert dues == {"Wed": date(2026, 12, 4), "Fri": date(2026, 12, 7)}


# -- both CRMs, over HTTPS ------------------------------------------------------------------------
ZONES = {"hubspot": "America/New_York", "salesforce": "America/Los_Angeles"}


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_a_saturday_run_writes_nothing_due_on_the_weekend(crm: str, tmp_path: Path) -> None:
    # The sync runs every day, weekends too. On Saturday morning (where the org is) it raises Mia's
    # alerts (Globex has no sponsor, Initech's sponsor left, Hooli has no partner executive) and
    # Marcus's overdue "Connect with Jane Roe". A week from Saturday is a Saturday: they are due the
    # Monday after, and in HubSpot at 17:00 that Monday where the portal is. Nothing is due on a
    # Saturday or Sunday. Sunday's run writes nothing, and the state knows the day each was opened.
    with running_sandbox(crm, tmp_path / "sandbox", data=orgs.render(crm, orgs.known_answers())) as box:
        box.admin.configure(time_zone=ZONES[crm])
        now = datetime.fromisoformat(box.admin.now().replace("Z", "+00:00"))
        saturday = now.date() + timedelta(days=(5 - now.weekday()) % 7 or 7)
        box.admin.set_clock(f"{saturday.isoformat()}T17:00:00Z")  # 09:00 / 12:00 there
        crm_view = driver_for(box, labels(orgs.known_answers()))
        settings, mapping = box.settings(), load_mapping(None, box.crm)  # type: ignore[arg-type]

        report = execute(settings, mapping, mode="run")
        assert report.today == saturday
        tasks = crm_view.tasks()
        monday = saturday + timedelta(days=9)
        (globex,) = [t for t in tasks.values() if t.subject == "Appoint an executive sponsor for Globex"]
        dues = {key: _local_day(t.due or "", crm) for key, t in tasks.items()}
        assert dues[globex.key] == monday
        assert all(day.weekday() < 5 and day >= saturday for day in dues.values()), dues
        if crm == "hubspot":
            due = parse_instant(globex.due or "").astimezone(ZoneInfo(ZONES[crm]))
            assert (due.date(), due.hour) == (monday, 17)

        box.admin.advance_clock(days=1)
        assert execute(settings, mapping, mode="run").writes.count() == 0
        store = StateStore(settings.state_dir)
        try:
            assert Ledger(store).opened_on() == dict.fromkeys(tasks, saturday)
        finally:
            store.close()


def _local_day(due: str, crm: str) -> date:
    if crm == "salesforce":
        return date.fromisoformat(due)  # ActivityDate: a date
    return parse_instant(due).astimezone(ZoneInfo(ZONES[crm])).date()
