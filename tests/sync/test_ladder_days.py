"""The escalation ladder counts the days its owner was at work (``after_working_days_overdue``).

Written from the readers' side before the code. Mia Manager's "Appoint an executive sponsor for
Acme Inc" was due on Wednesday 23 December 2026, and the company is closed from the 24th to
1 January. Her manager Hana must not be told to chase Mia on Wednesday 30 December (seven calendar
days, all of them days off): the grace of five working days is Mia's to use when she is back, from
Monday 4 to Friday 8 January, so Hana's follow-up list comes with Friday 8 January's run, and says
what is true: the task was due on 2026-12-23 and is still open 16 days later. Without holidays the
ladder fires on the very days it did when it counted calendar days (a task due on a Friday reaches
Hana the next Friday, "7 days later"), so upgrading moves nothing. An admin who wants calendar days
writes ``after_days_overdue`` on every step and gets them. ``sync explain`` says which day each step
comes and how it was counted. A ladder that mixes the two units, or a step with both or neither, is
refused with its line and what to write.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from sponsorsync.mappings.loader import parse_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.calendar import WorkWeek
from sponsorsync.sync.plan import Plan, plan
from sponsorsync.sync.rules import make_key
from tests.mappings.support import edited, line_of, problems
from tests.sync.builders import alliance, org, own_task, person

MON_FRI = frozenset(range(5))
SHUTDOWN = frozenset(date(2026, 12, d) for d in range(24, 32)) | {date(2027, 1, 1)}
DUE = date(2026, 12, 23)  # a Wednesday, the last working day before the shutdown
USERS = [
    person("ceo", "Ava Chen", seniority="c_suite"),
    replace(person("manager", "Mia Manager", seniority="manager"), manager_id="head"),
    person("head", "Hana Head", seniority="vp"),
]
DEFAULT_STEPS = (
    "    steps:                            # an overdue task reaches the next person up; working days, so a weekend or\n"
    "      - {to: owner_manager, after_working_days_overdue: 5}   # a holiday does not count against its owner\n"
    "      - {to: sponsor, after_working_days_overdue: 10}\n"
)


@pytest.mark.parametrize(
    ("day", "working", "days_off", "count", "expected"),
    [
        (date(2026, 12, 4), MON_FRI, frozenset(), 5, date(2026, 12, 11)),  # Friday: the next Friday
        (date(2026, 12, 7), MON_FRI, frozenset(), 5, date(2026, 12, 14)),  # Monday: the next Monday
        (date(2026, 12, 5), MON_FRI, frozenset(), 5, date(2026, 12, 11)),  # Saturday (moved there): Friday
        (date(2026, 12, 4), MON_FRI, frozenset(), 10, date(2026, 12, 18)),
        (DUE, MON_FRI, SHUTDOWN, 5, date(2027, 1, 8)),  # the shutdown does not count
        (DUE, MON_FRI, SHUTDOWN, 1, date(2027, 1, 4)),
        (date(2026, 12, 10), frozenset({6, 0, 1, 2, 3}), frozenset(), 5, date(2026, 12, 17)),  # Sun-Thu
        (date(2026, 12, 5), frozenset(range(7)), frozenset(), 5, date(2026, 12, 10)),  # every day
    ],
)
def test_working_days_after_a_due_date_skip_the_days_off(
    day: date, working: frozenset[int], days_off: frozenset[date], count: int, expected: date
) -> None:
    assert WorkWeek(working, days_off).after(day, count) == expected


def _mapping(steps: str = DEFAULT_STEPS, holidays: str = "[]") -> Mapping:
    text = edited(
        "salesforce",
        ("  holidays: []", f"  holidays: {holidays}"),
        (DEFAULT_STEPS, steps),
    )
    return parse_mapping(text, "m.yaml")


SHUTDOWN_LIST = "[2026-12-24, 2026-12-25, 2026-12-28, 2026-12-29, 2026-12-30, 2026-12-31, 2027-01-01]"


def _run(today: date, due: date, mapping: Mapping) -> Plan:
    """Mia's no_sponsor task, due on ``due`` and still open, planned on ``today``."""
    key = make_key("no_sponsor", "acme", "e1")
    values = {"ActivityDate": due.isoformat(), "OwnerId": "manager", "Status": "Not Started",
              "Subject": "Appoint an executive sponsor for Acme Inc"}  # fmt: skip
    world = org(
        users=USERS, alliances=[alliance(sponsor=None)], own=[own_task(key, values=values)], today=today
    )
    return plan(world, mapping)


def _lists(result: Plan) -> list[tuple[str, str]]:
    return [(t.owner_id, t.key) for t in result.tasks if t.rule == "escalation"]


def test_a_shutdown_does_not_count_against_the_owner_of_an_overdue_task() -> None:
    mapping = _mapping(holidays=SHUTDOWN_LIST)
    # Seven calendar days later, in the shutdown: nothing for Hana. Back at work, Mia has until Friday.
    for today in (date(2026, 12, 30), date(2027, 1, 1), date(2027, 1, 4), date(2027, 1, 7)):
        assert _lists(_run(today, DUE, mapping)) == [], today
    friday = date(2027, 1, 8)
    result = _run(friday, DUE, mapping)
    (task,) = [t for t in result.tasks if t.rule == "escalation"]
    assert (task.owner_id, task.key) == ("head", "ss1:escalation:@head:manager:2027-01-08")
    assert task.subject == "Overdue since 2026-12-23: Appoint an executive sponsor for Acme Inc"
    assert "was due on 2026-12-23 and is still open 16 days later" in task.body
    assert task.due == date(2027, 1, 15)  # task_due_days after it is opened, a Friday
    # sync explain: when each step comes, and how it is counted.
    view = result.views["acme"]
    assert view.ladder == [
        "no_sponsor (due 2026-12-23): step 1 Hana Head from 2027-01-08 (5 working days overdue); "
        "step 2 (nobody: passes on) from 2027-01-15 (10 working days overdue)"
    ]


def test_without_holidays_the_ladder_fires_on_the_days_calendar_days_gave() -> None:
    # Due Friday 4 December: Hana hears on Friday the 11th, as seven calendar days gave, and the list
    # reads as it did ("7 days later"): upgrading neither moves a step nor rewrites a text.
    mapping = _mapping()
    friday = date(2026, 12, 4)
    assert _lists(_run(date(2026, 12, 10), friday, mapping)) == []
    (task,) = [t for t in _run(date(2026, 12, 11), friday, mapping).tasks if t.rule == "escalation"]
    assert task.key == "ss1:escalation:@head:manager:2026-12-11"
    assert "was due on 2026-12-04 and is still open 7 days later" in task.body
    # A due date a person moved to a Saturday: five working days later is the Friday after.
    assert _lists(_run(date(2026, 12, 10), date(2026, 12, 5), mapping)) == []
    assert _lists(_run(date(2026, 12, 11), date(2026, 12, 5), mapping)) == [
        ("head", "ss1:escalation:@head:manager:2026-12-11")
    ]


def test_an_admin_who_wants_calendar_days_gets_them() -> None:
    steps = (
        "    steps:\n"
        "      - {to: owner_manager, after_days_overdue: 7}\n"
        "      - {to: sponsor, after_days_overdue: 14}\n"
    )
    mapping = _mapping(steps, holidays=SHUTDOWN_LIST)
    assert _lists(_run(date(2026, 12, 29), DUE, mapping)) == []
    result = _run(date(2026, 12, 30), DUE, mapping)
    assert _lists(result) == [("head", "ss1:escalation:@head:manager:2026-12-30")]
    (task,) = [t for t in result.tasks if t.rule == "escalation"]
    assert "is still open 7 days later" in task.body
    assert task.due == date(2027, 1, 8)  # opened in the shutdown: a week's five working days from then
    assert result.views["acme"].ladder == [
        "no_sponsor (due 2026-12-23): step 1 Hana Head from 2026-12-30 (7 days overdue); "
        "step 2 (nobody: passes on) from 2027-01-06 (14 days overdue)"
    ]


def test_the_default_ladder_counts_working_days() -> None:
    steps = parse_mapping(edited("salesforce"), "m.yaml").cadence.escalation.steps
    assert [(s.to, s.after_working_days_overdue, s.after_days_overdue) for s in steps] == [
        ("owner_manager", 5, None),
        ("sponsor", 10, None),
    ]
    # A mapping written without steps gets the same ladder.
    text = edited("salesforce", (DEFAULT_STEPS, ""))
    assert parse_mapping(text, "m.yaml").cadence.escalation.steps == steps


@pytest.mark.parametrize(
    ("steps", "marker", "expected"),
    [
        (
            "    steps:\n      - {to: owner_manager, after_days_overdue: 7, after_working_days_overdue: 5}\n",
            "- {to: owner_manager, after_days_overdue: 7",
            "cadence.escalation.steps[0]: give exactly one of `after_working_days_overdue` (working days, the "
            "usual choice) and `after_days_overdue` (calendar days): how long a task is overdue before this step",
        ),
        (
            "    steps:\n      - {to: owner_manager}\n",
            "- {to: owner_manager}",
            "cadence.escalation.steps[0]: give exactly one of `after_working_days_overdue`",
        ),
        (
            "    steps:\n      - {to: owner_manager, after_working_days_overdue: 5}\n"
            "      - {to: sponsor, after_days_overdue: 14}\n",
            "    steps:",
            "cadence.escalation: count every step the same way: all with after_working_days_overdue, or all "
            "with after_days_overdue",
        ),
        (
            "    steps:\n      - {to: owner_manager, after_working_days_overdue: 10}\n"
            "      - {to: sponsor, after_working_days_overdue: 5}\n",
            "    steps:",
            "cadence.escalation: steps must be in increasing after_working_days_overdue order (found [10, 5])",
        ),
    ],
    ids=["both", "neither", "mixed", "decreasing"],
)
def test_a_wrong_ladder_names_its_line_and_what_to_write(steps: str, marker: str, expected: str) -> None:
    text = edited("salesforce", (DEFAULT_STEPS, steps))
    (got,) = problems(text)
    where, _, rest = got.partition(": ")
    assert rest.startswith(expected), rest
    assert where.split(":")[:2] == ["m.yaml", str(line_of(text, marker))], got
