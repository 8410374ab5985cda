"""The main job end to end, on both CRMs: the real connectors and SDKs over HTTPS against the
sandbox, loaded with a small hand-written org whose answers are known (tests/support/orgs.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.run import RunReport, execute
from sponsorsync.sync.settings import Settings
from tests.support import orgs
from tests.support.days import on_or_after
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
    # The first run is a baseline: Marcus (acme) and Tom (hooli) have been sponsors all along, so no
    # "brief the new sponsor" task; a sponsor update appears only when its own schedule comes up.
    updates = tasks.pop("sponsor_update", [])
    assert {rule: len(found) for rule, found in tasks.items()} == {
        "executive_touch": 1,  # Marcus met Jane 60 days ago; strategic needs every 45
        "no_sponsor": 1,  # globex
        "sponsor_gone": 1,  # initech: Liam is deactivated
        "no_partner_executive": 1,  # hooli: only an alliance manager on record
    }
    assert all(str(t.due)[:10] >= report.today.isoformat() for t in updates)  # never born overdue
    touch = tasks["executive_touch"][0]
    assert touch.subject == "Connect with Jane Roe, Chief Technology Officer at Acme Corporation"
    assert touch.owner_id == world.user("marcus")
    assert touch.contact_id == world.contact("jane")
    assert touch.account_id == world.account("acme")
    assert "Your last logged meeting, call or e-mail with Jane Roe was on" in touch.body
    # The deadline passed: a week from now (the Monday after, when that is a weekend).
    assert str(touch.due)[:10] == on_or_after(report.today + timedelta(days=7)).isoformat()
    appoint = tasks["no_sponsor"][0]
    assert appoint.subject == "Appoint an executive sponsor for Globex"
    assert appoint.owner_id == world.user("mia")
    assert "1. " in appoint.body
    assert "Liam" not in appoint.body  # deactivated users are never candidates
    gone = tasks["sponsor_gone"][0]
    assert gone.subject == "Replace Liam O'Connor as executive sponsor of Initech"
    assert all(t.owner_id == world.user("mia") for t in [*updates, *tasks["no_sponsor"]])
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
    assert closed.status in ("Completed", "COMPLETED")  # they met: the work was done
    assert "Completed (sponsorsync," in closed.body
    assert "Marcus Reid and Jane Roe connected on" in closed.body
    assert "executive_touch" not in {t.rule for t in world.tasks().values() if not t.done}
    health, last_touch = world.crm.health("acme")
    assert health in ("Green", "green")
    assert last_touch is not None


def test_a_task_a_person_deleted_is_recorded_deleted_when_we_write_to_it_not_rejected(world: World) -> None:
    world.sync()
    task = world.by_rule()["executive_touch"][0]
    world.crm.delete(task.id)
    world.crm.log_touch("marcus", "jane", "acme", days_ago=1)  # its condition clears: we would close it
    report = world.sync()
    assert report.exit_code == 0
    assert report.applied is not None
    assert report.applied.rejected == []
    if world.box.crm == "hubspot":
        # HubSpot's incremental search does not show archived tasks (the daily sweep does): the close
        # answered 404, which means a person deleted it. Salesforce's queryAll pull saw the deletion.
        assert report.applied.deleted == 1
    assert task.key not in world.tasks()  # not recreated
    again = world.sync()
    assert again.applied is not None
    assert (again.applied.created, again.applied.closed, again.applied.rejected) == (0, 0, [])


def test_a_lost_state_directory_never_overrides_a_person(world: World, tmp_path: Path) -> None:
    """Mia hands the Globex task to Ava and Marcus rewrites his touch task, in the CRM's UI; then the
    state directory is lost. The next run, on a new state, must not hand the task back, rewrite
    Marcus's subject or close his task: the CRM says a person changed them last."""
    world.sync()
    tasks = world.by_rule()
    appoint, touch = tasks["no_sponsor"][0], tasks["executive_touch"][0]
    world.crm.as_person("mia").reassign(appoint.id, "ava")
    world.crm.as_person("marcus").edit_subject(touch.id, "Dinner with Jane in Lisbon")
    world.crm.log_touch("marcus", "jane", "acme", days_ago=1)  # the touch task's condition clears
    world.settings = world.box.settings(STATE_DIR=str(tmp_path / "new-state"))
    report = world.sync()
    assert report.exit_code == 0
    after = world.tasks()
    assert after[appoint.key].owner_id == world.user("ava")
    assert after[touch.key].subject == "Dinner with Jane in Lisbon"
    assert not after[touch.key].done
    assert report.writes.updates == []
    assert report.writes.closes == []
    # Tasks nobody touched are adopted as sponsorsync's own, unchanged: nothing is written twice.
    assert report.writes.creates == []


def test_a_task_completed_by_a_person_stays_completed(world: World) -> None:
    world.sync()
    kickoff = world.by_rule()["no_sponsor"][0]
    world.crm.complete(kickoff.id)
    report = world.sync()
    after = world.tasks()[kickoff.key]
    assert after.done
    assert "sponsorsync" not in after.body
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


def test_moving_the_clock_forward_plans_the_next_period_and_records_a_missed_update(world: World) -> None:
    report = world.sync()
    start = report.today
    for _ in range(7):  # a run every ten days, nobody acting
        world.box.admin.advance_clock(days=10)
        world.sync()
    updates = sorted(world.by_rule()["sponsor_update"], key=lambda t: str(t.due))
    acme = [t for t in updates if t.account_id == world.account("acme")]
    assert len(acme) >= 2  # strategic: one every 30 days
    # Each period has its own task, due on its own deadline, never before the day it was created.
    assert all(str(t.due)[:10] > start.isoformat() for t in acme)
    missed = [t for t in acme if "as missed" in t.body]
    assert missed  # nobody sent the earlier updates: closed as missed, not as completed
    assert all(t.status in ("Not Needed", "DEFERRED") for t in missed)
    assert not any(t.status in ("Completed", "COMPLETED") for t in acme)
    # After 70 days without a touch, Marcus (last met 130 days ago) is inactive on Acme too.
    assert "sponsor_inactive" in world.by_rule()


def test_dry_run_and_plan_write_nothing(world: World) -> None:
    for mode in ("dry_run", "plan"):
        report = world.sync(mode)
        assert report.applied is None
        assert len(report.writes.creates) == len(report.plan.tasks) >= 4
    assert world.tasks() == {}
