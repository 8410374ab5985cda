"""The portfolio's figures match the CRM, on both CRMs: the sandbox with the known-answers org, five
weeks of nobody acting but one sponsor update sent, then the report from local state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from sponsorsync.sync.portfolio_state import load_portfolio
from sponsorsync.sync.store import StateStore
from tests.support import orgs
from tests.support.sandbox import running_sandbox
from tests.sync.test_end_to_end import World


@pytest.fixture(params=["salesforce", "hubspot"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with running_sandbox(
        request.param, tmp_path / "sandbox", data=orgs.render(request.param, orgs.known_answers())
    ) as box:
        yield World(box)


def test_scorecard_coverage_and_overdue_tasks_match_the_crm(world: World) -> None:
    loaded = datetime.fromisoformat(world.box.admin.now().replace("Z", "+00:00"))  # the org's "now"
    world.sync()
    world.box.admin.advance_clock(days=35)
    world.sync()  # the sponsor updates of Acme (strategic, every 30 days) and Hooli come up
    acme = world.account("acme")
    update = next(
        t for t in world.tasks().values() if t.rule == "sponsor_update" and t.key.split(":")[2] == acme
    )
    world.crm.as_person("mia").complete(update.id)  # Mia sends Marcus the update
    last = world.sync()
    assert last.exit_code == 0

    store = StateStore(world.settings.state_dir)
    try:
        portfolio = load_portfolio(store, world.mapping)
    finally:
        store.close()
    assert portfolio.today == last.today
    cards = {c.name: c for c in portfolio.scorecards}
    assert set(cards) == {"Marcus Reid", "Tom Becker"}  # Initech's sponsor Liam is deactivated
    assert (cards["Marcus Reid"].updates_sent, cards["Marcus Reid"].updates_missed) == (1, 0)
    assert cards["Tom Becker"].updates_sent == 0
    # Acme is strategic, touched 95 days ago (every 45); Hooli has no partner executive: nobody covered.
    assert (portfolio.overall.alliances, portfolio.overall.covered) == (4, 0)
    rows = {r.name: r for r in portfolio.alliances}
    # 60 days before the org was loaded, on the org's calendar (a change to or from summer time
    # between then and now can make that 59 or 61 calendar days near midnight).
    assert rows["Acme Corporation"].last_touch == last.calendar.date_of(loaded - timedelta(days=60))
    assert abs((last.today - rows["Acme Corporation"].last_touch).days - 95) <= 1

    # Overdue: exactly the CRM's open tasks of ours whose due date has passed, by owner.
    crm = world.tasks().values()
    expected = sorted(
        t.subject
        for t in crm
        if not t.done and (due := last.calendar.day(t.due)) is not None and due < last.today
    )
    assert expected  # the first run's alerts were due within days, five weeks ago
    found = sorted(t.subject for tasks in portfolio.overdue.values() for t in tasks)
    assert found == expected
    assert "Mia Manager" in portfolio.overdue
    open_by_alliance = {r.name: r.open_tasks for r in portfolio.alliances}
    # Every open task counts for its alliance, but Tom's follow-up list on Mia, which is about a person
    # across alliances (linked to no account).
    assert [t.rule for t in crm if not t.done and t.account_id is None] == ["escalation"]
    assert sum(open_by_alliance.values()) == sum(1 for t in crm if not t.done and t.account_id is not None)


def test_escalations_answered_within_the_sla_and_open_escalations_match_the_crm(world: World) -> None:
    world.sync()  # the baseline
    acme_case = world.crm.create_case("Outage at a joint customer", account="acme", escalated=True)
    hooli_case = world.crm.create_case("Billing dispute", account="hooli", escalated=True)
    world.sync()  # each sponsor gets a high-priority task due within the SLA (2 days)
    tasks = {t.key.split(":")[3]: t for t in world.tasks().values() if t.rule == "partner_escalation"}
    assert set(tasks) == {acme_case, hooli_case}
    world.crm.as_person("marcus").complete(tasks[acme_case].id)  # Marcus answers the same day
    # Tom does not. The next sync comes five days later, past the due date: Marcus's answer counts in
    # time from the CRM's completion date, not from the day the sync saw it.
    world.box.admin.advance_clock(days=5)
    last = world.sync()
    assert last.exit_code == 0

    store = StateStore(world.settings.state_dir)
    try:
        portfolio = load_portfolio(store, world.mapping)
    finally:
        store.close()
    cards = {c.name: c for c in portfolio.scorecards}
    assert (cards["Marcus Reid"].escalations.done, cards["Marcus Reid"].escalations.out_of) == (1, 1)
    assert (cards["Tom Becker"].escalations.done, cards["Tom Becker"].escalations.out_of) == (0, 1)
    assert sorted((e.alliance, e.sponsor, e.age_days) for e in portfolio.escalations) == [
        ("Acme Corporation", "Marcus Reid", 5),
        ("Hooli", "Tom Becker", 5),
    ]
    rows = {r.name: r for r in portfolio.alliances}
    assert (rows["Hooli"].open_escalations, rows["Hooli"].oldest_escalation_days) == (1, 5)
    overdue = {owner: [t.rule for t in found] for owner, found in portfolio.overdue.items()}
    assert "partner_escalation" in overdue["Tom Becker"]
    assert "partner_escalation" not in overdue.get("Marcus Reid", [])
    # Time to sponsor: Marcus answered on the day sponsorsync raised it. Time to close: none closed yet;
    # the partner's case is closed five days after it was opened (the clock moved five days since).
    assert cards["Marcus Reid"].days_to_sponsor == 0
    assert cards["Marcus Reid"].days_to_close is None
    world.crm.close_case(acme_case)
    world.sync()
    store = StateStore(world.settings.state_dir)
    try:
        closed = {c.name: c for c in load_portfolio(store, world.mapping).scorecards}
    finally:
        store.close()
    assert closed["Marcus Reid"].days_to_close == 5
    assert closed["Marcus Reid"].to_json()["escalation_days_to_close"] == 5
