"""The main job end to end, on both CRMs: the real connectors and SDKs over HTTPS against the
sandbox, loaded with a small hand-written org whose answers are known (tests/support/orgs.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mappings.loader import load_mapping
from sync.run import RunReport, execute
from sync.settings import Settings
from tests.support import orgs
from tests.support.driver import Driver, TaskView, driver_for
from tests.support.sandbox import Sandbox, running_sandbox


def labels(org: orgs.Org) -> dict[str, dict[str, str]]:
    return {
        "user": {u.key: u.email for u in org.users},
        "contact": {c.key: f"{c.first}.{c.last}@partner.example".lower() for c in org.contacts},
        "account": {a.key: a.name for a in org.accounts},
    }


class World:
    """One sandbox with the known-answers org, sponsorsync settings and a driver for the CRM."""

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.settings: Settings = box.settings()
        self.mapping = load_mapping(None, box.crm)  # type: ignore[arg-type]
        self.crm: Driver = driver_for(box, labels(orgs.known_answers()))

    def sync(self, mode: str = "run") -> RunReport:
        return execute(self.settings, self.mapping, mode=mode)  # type: ignore[arg-type]

    def tasks(self) -> dict[str, TaskView]:
        return self.crm.tasks()

    def by_rule(self) -> dict[str, list[TaskView]]:
        found: dict[str, list[TaskView]] = {}
        for task in self.tasks().values():
            found.setdefault(task.rule, []).append(task)
        return found

    def user(self, label: str) -> str:
        return self.crm.id_of("user", label)

    def account(self, label: str) -> str:
        return self.crm.id_of("account", label)

    def contact(self, label: str) -> str:
        return self.crm.id_of("contact", label)


@pytest.fixture(params=["salesforce", "hubspot"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with running_sandbox(
        request.param, tmp_path / "sandbox", data=orgs.render(request.param, orgs.known_answers())
    ) as box:
        yield World(box)


def test_each_rule_fires_exactly_when_it_should_and_names_the_right_people(world: World) -> None:
    report = world.sync()
    assert report.exit_code == 0
    tasks = world.by_rule()
    assert {rule: len(found) for rule, found in tasks.items()} == {
        "new_sponsor": 2,  # acme (Marcus) and hooli (Tom): first seen
        "sponsor_update": 2,
        "executive_touch": 1,  # Marcus met Jane 60 days ago; strategic needs every 45
        "no_sponsor": 1,  # globex
        "sponsor_gone": 1,  # initech: Liam is deactivated
        "no_partner_executive": 1,  # hooli: only an alliance manager on record
    }
    touch = tasks["executive_touch"][0]
    assert touch.subject == "Connect with Jane Roe, Chief Technology Officer at Acme Corporation"
    assert touch.owner_id == world.user("marcus")
    assert touch.contact_id == world.contact("jane")
    assert touch.account_id == world.account("acme")
    assert "You last met on" in touch.body
    appoint = tasks["no_sponsor"][0]
    assert appoint.subject == "Appoint an executive sponsor for Globex"
    assert appoint.owner_id == world.user("mia")
    assert "1. " in appoint.body
    assert "Liam" not in appoint.body  # deactivated users are never candidates
    gone = tasks["sponsor_gone"][0]
    assert gone.subject == "Replace Liam O'Connor as executive sponsor of Initech"
    assert {t.subject for t in tasks["new_sponsor"]} == {
        "Brief Marcus Reid on sponsoring Acme Corporation",
        "Brief Tom Becker on sponsoring Hooli",
    }
    assert all(
        t.owner_id == world.user("mia")
        for rule in ("new_sponsor", "sponsor_update", "no_sponsor")
        for t in tasks[rule]
    )
    assert not any(t.account_id == world.account("umbrella") for found in tasks.values() for t in found)
    assert world.crm.health("acme")[0] in ("Amber", "amber")  # 60 days: amber after 45, red after 90
    assert world.crm.health("globex")[0] in ("Red", "red")


def test_a_second_run_writes_nothing(world: World) -> None:
    world.sync()
    before = world.tasks()
    world.box.admin.reset_stats()
    second = world.sync()
    assert second.applied is not None
    assert (
        second.applied.created,
        second.applied.updated,
        second.applied.closed,
        second.applied.accounts,
    ) == (0, 0, 0, 0)
    assert world.tasks() == before
    writes = [
        route
        for route in world.box.calls()
        if not route.startswith("GET") and "search" not in route and "batch/read" not in route
    ]
    assert writes == []


def test_a_logged_touch_closes_the_open_task_and_turns_health_green(world: World) -> None:
    world.sync()
    key = world.by_rule()["executive_touch"][0].key
    world.crm.log_touch("marcus", "jane", "acme", days_ago=1)
    report = world.sync()
    assert report.applied is not None
    assert report.applied.closed == 1
    closed = world.tasks()[key]
    assert closed.done
    assert "Closed by sponsorsync" in closed.body
    assert "the sponsor and the partner executive have connected since" in closed.body
    assert "executive_touch" not in {t.rule for t in world.tasks().values() if not t.done}
    health, last_touch = world.crm.health("acme")
    assert health in ("Green", "green")
    assert last_touch is not None


def test_a_task_completed_by_a_person_stays_completed(world: World) -> None:
    world.sync()
    kickoff = next(t for t in world.by_rule()["new_sponsor"] if "Acme" in t.subject)
    world.crm.complete(kickoff.id)
    report = world.sync()
    after = world.tasks()[kickoff.key]
    assert after.done
    assert "Closed by sponsorsync" not in after.body
    assert report.applied is not None
    assert (report.applied.created, report.applied.updated, report.applied.closed) == (0, 0, 0)


def test_a_task_edited_by_a_person_is_not_overwritten(world: World) -> None:
    world.sync()
    task = world.by_rule()["no_sponsor"][0]
    world.crm.edit_subject(task.id, "Ask Ava who should sponsor Globex")
    report = world.sync()
    assert world.tasks()[task.key].subject == "Ask Ava who should sponsor Globex"
    assert report.writes.left_alone == {"edited_by_a_person": 1}
    assert report.applied is not None
    assert report.applied.updated == 0


def test_moving_the_clock_forward_plans_the_next_period(world: World) -> None:
    world.sync()
    first = {t.key for t in world.by_rule()["sponsor_update"]}
    world.box.admin.advance_clock(days=91)
    report = world.sync()
    assert report.today.toordinal() - (report.today.toordinal() - 91) == 91
    updates = world.by_rule()["sponsor_update"]
    open_now = {t.key for t in updates if not t.done}
    assert open_now
    assert open_now.isdisjoint(first)  # new periods, new keys
    superseded = [t for t in updates if t.key in first]
    assert superseded
    assert all(t.done and "superseded by the next update period" in t.body for t in superseded)
    # After 91 more days without a touch, Marcus (last met 151 days ago) is inactive on Acme too.
    assert "sponsor_inactive" in world.by_rule()


def test_dry_run_and_plan_write_nothing(world: World) -> None:
    for mode in ("dry_run", "plan"):
        report = world.sync(mode)
        assert report.applied is None
        assert len(report.writes.creates) == 8
    assert world.tasks() == {}
