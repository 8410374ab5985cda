"""The portfolio (coverage, scorecards, alliance figures, overdue tasks, open escalations) on small
synthetic orgs; every expected figure is worked out by hand in the comments. Plus the mirror's
monthly touch aggregate on a real state database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sync.ledger import CLOSED, MISSED, OPEN, LedgerEntry
from sponsorsync.sync.mirror import Mirror, OwnTask, Row
from sponsorsync.sync.model import Case, Deal, Org
from sponsorsync.sync.plan import plan
from sponsorsync.sync.portfolio import Portfolio, build_portfolio, months_back
from sponsorsync.sync.report_html import render_html
from sponsorsync.sync.report_text import CSV_COLUMNS, render_csv
from sponsorsync.sync.store import StateStore
from sponsorsync.sync.task_facts import TaskFact, task_facts
from tests.sync.builders import TODAY, alliance, contact, org, own_task, person, salesforce_mapping, touch

MAPPING = salesforce_mapping()


def _entry(key: str, status: str = OPEN) -> LedgerEntry:
    rule, alliance_id = key.split(":")[1:3]
    return LedgerEntry(key, "task", "Task", "00T" + key[-4:], alliance_id, rule, status, {})


def _own(
    key: str, owner: str, due: str, *, status: str = "Not Started", done: bool = False, **more: str
) -> OwnTask:
    values = {"OwnerId": owner, "ActivityDate": due, "Status": status, "Subject": f"subject of {key}"}
    return own_task(key, completed=done, values=values | more)


def _world() -> tuple[Org, list[TaskFact]]:
    """Four alliances; today is 2026-11-29.

    - acme (strategic, every 45 days): sponsor ceo touched Jane 10 days ago (4 touches this year):
      covered, green.
    - globex (key, every 90 days): sponsor ceo touched John 120 days ago (2 touches): not covered, amber.
    - initech (strategic): no sponsor: not covered, red.
    - umbrella (standard, every 180 days): sponsor cto, never touched Kim: not covered.
    """
    users = [
        person("ceo", "Ava Chen", seniority="c_suite", function="general_management"),
        person("cto", "Ben Ode", seniority="evp", function="technology"),
        person("manager", "Mia Manager", seniority="manager"),
    ]
    world = org(
        users=users,
        alliances=[
            alliance("acme"),
            alliance("globex", tier="key"),
            alliance("initech", sponsor=None),
            alliance("umbrella", sponsor="cto", tier="standard"),
        ],
        contacts=[contact("jane", "acme"), contact("john", "globex"), contact("kim", "umbrella")],
        touches=[touch("ceo", "jane", 10, count_365=4), touch("ceo", "john", 120, count_365=2)],
    )
    world.cases = {
        "acme": [
            Case("500A", "acme", "Outage", escalated=True, closed=True, opened_on=date(2026, 11, 1)),
            Case("500E", "acme", "Billing <dispute>", escalated=True, closed=False, opened_on=date(2026, 11, 19),
                 priority="High"),
            Case("500F", "acme", "Question", escalated=False, closed=False, opened_on=date(2026, 10, 1)),
            Case("500H", "acme", "Late", escalated=True, closed=True, opened_on=date(2026, 11, 10),
                 closed_on=date(2026, 11, 15)),
            Case("500I", "acme", "Quick", escalated=True, closed=True, opened_on=date(2026, 11, 24),
                 closed_on=date(2026, 11, 25)),
        ],
        "globex": [Case("500G", "globex", "Data loss", escalated=True, closed=False, opened_on=date(2026, 11, 1))],
    }  # fmt: skip
    world.deals = {
        "acme": [
            Deal(
                "006A", "acme", "Renewal", "Negotiation", 1000.0, date(2026, 12, 15), closed=False, won=False
            ),
            Deal("006B", "acme", "Expansion", "Proposal", 2500.5, date(2027, 1, 15), closed=False, won=False),
            Deal("006C", "acme", "Last year", "Closed Won", 9999.0, date(2026, 1, 15), closed=True, won=True),
        ]
    }
    su = "ss1:sponsor_update"
    esc = "ss1:partner_escalation"
    cm = "ss1:critical_moment"
    own = [
        _own(f"{su}:acme:ceo:2026-10-01", "manager", "2026-10-01", status="Completed", done=True),  # sent
        _own(f"{su}:acme:ceo:2026-10-31", "manager", "2026-10-31", status="Not Needed", done=True),  # missed
        _own(f"{su}:globex:ceo:2026-11-20", "manager", "2026-11-20"),  # open, 9 days overdue
        _own(f"{esc}:acme:500A", "ceo", "2026-11-10", status="Completed", done=True),  # done 11-09: in time
        _own(f"{esc}:acme:500B", "ceo", "2026-11-20", status="Completed", done=True),  # done 11-22: late
        # The CRM's completion date wins over the day a sync saw it done (11-20): in time.
        _own(
            f"{esc}:acme:500J",
            "ceo",
            "2026-11-15",
            status="Completed",
            done=True,
            CompletedDateTime="2026-11-14T16:30:00.000+0000",
        ),
        _own(f"{esc}:globex:500C", "ceo", "2026-11-25"),  # open, came due 4 days ago
        _own(f"{esc}:globex:500D", "ceo", "2026-12-01"),  # open, not due yet
        # Closed by sponsorsync, unanswered, when the case closed: 500H after its due date (a miss),
        # 500I before it (not counted).
        _own(f"{esc}:acme:500H", "ceo", "2026-11-12", status="Not Needed", done=True),
        _own(f"{esc}:acme:500I", "ceo", "2026-11-26", status="Not Needed", done=True),
        _own(f"{cm}:acme:00U1", "ceo", "2026-11-05", status="Completed", done=True),  # attended
        _own(f"{cm}:acme:00U2", "ceo", "2026-11-06", status="Not Needed", done=True),  # closed, not attended
        _own(f"{cm}:globex:00U3", "ceo", "2026-12-05"),  # open: not counted
    ]
    statuses = {f"{su}:acme:ceo:2026-10-31": MISSED, f"{cm}:acme:00U2": CLOSED}
    statuses |= {f"{esc}:acme:500H": CLOSED, f"{esc}:acme:500I": CLOSED}
    entries = {t.sync_key: _entry(t.sync_key, statuses.get(t.sync_key, OPEN)) for t in own}
    world.own_tasks = {t.sync_key: t for t in own}
    done_on = {f"{esc}:acme:500A": date(2026, 11, 9), f"{esc}:acme:500B": date(2026, 11, 22)}
    done_on[f"{esc}:acme:500J"] = date(2026, 11, 20)
    done_on[f"{cm}:acme:00U1"] = date(2026, 11, 5)
    return world, task_facts(entries, world.own_tasks, MAPPING, done_on)


def _portfolio(owner: str | None = None, monthly: dict[str, dict[str, int]] | None = None) -> Portfolio:
    world, facts = _world()
    views = plan(world, MAPPING).views
    return build_portfolio(world, MAPPING, views, facts, monthly, owner_email=owner)


def test_task_states_come_from_the_crm_and_the_ledger() -> None:
    _, facts = _world()
    states = {f.key.split(":", 2)[2]: f.state for f in facts}
    assert states == {
        "acme:ceo:2026-10-01": "done",
        "acme:ceo:2026-10-31": "missed",  # the ledger's MISSED wins over the CRM's closed status
        "globex:ceo:2026-11-20": "open",
        "acme:500A": "done",
        "acme:500B": "done",
        "acme:500J": "done",
        "globex:500C": "open",
        "globex:500D": "open",
        "acme:500H": "not_needed",
        "acme:500I": "not_needed",
        "acme:00U1": "done",
        "acme:00U2": "not_needed",
        "globex:00U3": "open",
    }
    by_key = {f.key: f for f in facts}
    assert by_key["ss1:partner_escalation:acme:500A"].due == date(2026, 11, 10)
    assert by_key["ss1:partner_escalation:acme:500A"].done_on == date(2026, 11, 9)
    assert by_key["ss1:partner_escalation:globex:500C"].owner_id == "ceo"
    assert by_key["ss1:partner_escalation:acme:500J"].done_on == date(2026, 11, 14)


def test_coverage_by_tier_counts_an_active_sponsor_with_an_in_sla_counterpart_pair() -> None:
    p = _portfolio()
    by_tier = {c.tier: (c.alliances, c.covered) for c in p.coverage}
    # strategic: acme covered (10 <= 45 days), initech has no sponsor; key: globex 120 > 90;
    # standard: umbrella never touched.
    assert by_tier == {"strategic": (2, 1), "key": (1, 0), "standard": (1, 0)}
    assert (p.overall.alliances, p.overall.covered, p.overall.share) == (4, 1, 0.25)
    assert p.summary_json()["coverage"]["strategic"] == {"alliances": 2, "covered": 1, "share": 0.5}


def test_scorecard_of_a_sponsor() -> None:
    p = _portfolio()
    cards = {c.sponsor_id: c for c in p.scorecards}
    assert set(cards) == {"ceo", "cto"}  # initech has no sponsor
    ava = cards["ceo"]
    assert (ava.alliances, ava.green, ava.amber, ava.red) == (2, 1, 1, 0)
    assert ava.touches_365 == 4 + 2
    assert ava.expected_touches == pytest.approx(365 / 45 + 365 / 90)  # 12.17
    assert ava.touch_ratio == pytest.approx(6 / (365 / 45 + 365 / 90))
    assert (ava.updates_sent, ava.updates_missed) == (1, 1)
    # 500A and 500J done before their due dates; 500B done late; 500C open past due; 500D not due yet;
    # 500H closed unanswered after its due date (its case closed 11-15, due 11-12); 500I's case closed
    # in time.
    assert (ava.escalations.done, ava.escalations.out_of) == (2, 5)
    assert (ava.moments.done, ava.moments.out_of) == (1, 2)  # 00U1 done, 00U2 closed not attended
    ben = cards["cto"]
    assert (ben.alliances, ben.touches_365, ben.escalations.out_of) == (1, 0, 0)
    assert ben.expected_touches == pytest.approx(365 / 180)
    assert ben.escalations.share is None
    assert p.summary_json()["scorecards"][0]["escalations_within_sla"] == 2  # Ava Chen sorts first
    assert p.summary_json()["scorecards"][0]["escalations_due"] == 5


def test_alliance_figures_escalations_pipeline_and_overdue_tasks() -> None:
    p = _portfolio()
    rows = {r.id: r for r in p.alliances}
    acme, globex = rows["acme"], rows["globex"]
    assert (acme.open_tasks, acme.overdue_tasks) == (0, 0)
    assert (globex.open_tasks, globex.overdue_tasks) == (4, 2)  # the update and 500C are past due
    assert (acme.open_escalations, acme.oldest_escalation_days) == (1, 10)  # 500E since 11-19
    assert (globex.open_escalations, globex.oldest_escalation_days) == (1, 28)  # 500G since 11-01
    assert (acme.open_deals, acme.pipeline) == (2, 3500.5)  # the closed deal is not pipeline
    assert (rows["initech"].sponsor, rows["initech"].health, rows["initech"].covered) == (None, "red", False)
    assert [e.case_id for e in p.escalations] == ["500G", "500E"]  # oldest first
    assert p.escalations[1].subject == "Billing <dispute>"
    overdue = {
        owner: [(t.alliance, t.rule, t.days_overdue) for t in tasks] for owner, tasks in p.overdue.items()
    }
    assert overdue == {
        "Ava Chen": [("Globex Inc", "partner_escalation", 4)],
        "Mia Manager": [("Globex Inc", "sponsor_update", 9)],
    }


def test_months_and_the_monthly_touch_counts() -> None:
    assert months_back(date(2026, 2, 3), 3) == ["2025-12", "2026-01", "2026-02"]
    p = _portfolio(monthly={"acme": {"2026-11": 3, "2025-12": 1, "2025-11": 7}})
    assert (p.months[0], p.months[-1], len(p.months)) == ("2025-12", "2026-11", 12)
    rows = {r.id: r for r in p.alliances}
    assert rows["acme"].months == (1, *[0] * 10, 3)  # 2025-11 is older than the 12 months
    assert rows["globex"].months == (0,) * 12


def test_owner_limits_the_report_to_their_alliances_and_tasks() -> None:
    p = _portfolio(owner="CTO@northwind.example")
    assert [r.id for r in p.alliances] == ["umbrella"]
    assert [c.sponsor_id for c in p.scorecards] == ["cto"]
    assert (p.overdue, p.escalations) == ({}, [])
    mia = _portfolio(owner="manager@northwind.example")  # she manages all four
    assert len(mia.alliances) == 4
    assert list(mia.overdue) == ["Mia Manager"]  # only her own tasks
    ava = _portfolio(owner="ceo@northwind.example")
    assert [r.id for r in ava.alliances] == ["acme", "globex"]
    assert list(ava.overdue) == ["Ava Chen"]  # Mia's overdue update is not Ava's task...
    card = ava.scorecards[0]
    assert (card.updates_sent, card.updates_missed) == (1, 1)  # ...but her scorecard counts the updates
    with pytest.raises(ConfigError, match=r"nobody@northwind\.example"):
        _portfolio(owner="nobody@northwind.example")


# -- the mirror's aggregate -------------------------------------------------------------------------
@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    store = StateStore(tmp_path)
    try:
        yield Mirror(store)
    finally:
        store.db.close()


def _activity(id: str, owner: str | None, contacts: list[str], when: str, **extra: Any) -> Row:
    values = {"id": id, "owner_id": owner, "contact_ids": contacts, "account_id": "001A", "occurred_at": when,
              "kind": "meeting", "completed": True, "subject": "Review"} | extra  # fmt: skip
    return Row(id, values)


def test_monthly_touches_count_activities_with_an_executive_per_alliance_and_month(mirror: Mirror) -> None:
    with mirror.store.transaction():
        mirror.write("users", "User", [Row("u1", {"id": "u1", "name": "Ava", "active": True})], 1)
        mirror.write(
            "activities",
            "Event",
            [
                _activity("a1", "u1", ["jane"], "2026-11-02T10:00:00Z"),
                _activity("a2", "u1", ["jane", "john"], "2026-11-20"),  # one activity, two alliances
                _activity("a3", "u1", ["jane"], "2026-10-15"),
                _activity("a4", "u1", ["jane"], "2025-11-30"),  # before the 12 months
                _activity("a5", "u1", ["jane"], "2026-11-30"),  # after today
                _activity("a6", "u1", ["jane"], "2026-11-03", completed=False),  # not done
                _activity("a7", "u1", ["jane"], "2026-11-04", kind="task"),  # not a touch kind
                _activity("a8", "u1", ["bob"], "2026-11-05"),  # not an executive
                _activity("a9", "stranger", ["jane"], "2026-11-06"),  # no internal user on it
                _activity("a10", "u1", ["jane"], "2026-11-07", sync_key="ss1:x:acme:1"),  # our own task
                _activity("a11", "u1", ["jane"], "2025-12-01"),  # the first of the 12 months
            ],
            1,
        )
    found = mirror.monthly_touches(
        {"acme": ["jane"], "globex": ["john"], "initech": []}, ["meeting", "call"], TODAY, months=12
    )
    assert found == {"acme": {"2026-11": 2, "2026-10": 1, "2025-12": 1}, "globex": {"2026-11": 1}}


def test_csv_and_html_keep_crm_text_inert() -> None:
    p = _portfolio()
    p.alliances[0] = replace(p.alliances[0], name='=HYPERLINK("http://x")', reason="<b>bold</b> & co")
    rows = list(csv.reader(io.StringIO(render_csv(p))))
    assert rows[0][:3] == ["alliance_id", "alliance", "tier"]
    assert len(rows) == 1 + len(p.alliances)
    assert rows[1][1] == '\'=HYPERLINK("http://x")'  # a spreadsheet shows it, never runs it
    assert rows[1][CSV_COLUMNS.index("health_reason")] == "<b>bold</b> & co"
    assert len(rows[1]) == len(CSV_COLUMNS) + 12
    html = render_html(p)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert "<b>bold" not in html


def test_the_sponsors_answer_time_counts_from_the_day_the_escalation_was_opened() -> None:
    # Ava answered 500A, 500B and 500J. Written before sponsorsync kept the day a task was opened, their
    # due dates are the day they were opened plus the 2-day SLA: opened 11-08, 11-18 and 11-13, done
    # 11-09, 11-22 and 11-14: 1, 4 and 1 days, 2 on average.
    world, facts = _world()
    views = plan(world, MAPPING).views
    cards = {c.sponsor_id: c for c in build_portfolio(world, MAPPING, views, facts, None).scorecards}
    assert cards["ceo"].days_to_sponsor == pytest.approx(2)
    # Where the state has the day (due dates now fall on working days, so due - SLA may not be it):
    # 500B opened on 11-19, done 11-22: 3 days; (1 + 3 + 1) / 3 on average.
    recorded = [replace(f, opened_on=date(2026, 11, 19)) if f.key.endswith(":500B") else f for f in facts]
    cards = {c.sponsor_id: c for c in build_portfolio(world, MAPPING, views, recorded, None).scorecards}
    assert cards["ceo"].days_to_sponsor == pytest.approx(5 / 3)
