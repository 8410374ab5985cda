"""Crash and resume: `sponsorsync sync run` killed with SIGKILL at many points of its pull, its local
work and its apply, then run again. Afterwards the CRM must hold exactly what a run that was never
killed leaves: no duplicate sync key, nothing missing, the planned values, and no field written
against its overwrite rule.

Two kinds of kill point:
- request i: the sandbox processes the run's i-th request at once but holds its answer back (fault
  ``delay_response``); the test kills the run as soon as the sandbox has counted that request. For a
  write, that is the worst moment: the CRM made the change and the ledger never heard of it.
- call n of a function: the run is started under tests/support/killpoint.py, which SIGKILLs it as
  the n-th call of, say, ``Ledger.record`` begins (the CRM has confirmed a batch, the ledger
  transaction is open) or of the page store, the planner, the memory write. The product runs
  unchanged; a profile hook only watches.

Two scenarios:
- first run: an empty state and a fresh org.
- day two: a first run completed; then people worked in the CRM (edited one task's subject,
  completed another, wrote a health reason the mapping writes only while blank, cleared another)
  and 91 days passed. The run killed creates the new period's tasks, moves due dates, closes
  superseded tasks and rewrites health. After the resume, a day-three run (91 more days) must match
  the reference again: a ledger that lost track of a write made just before the kill shows there.

The default suite kills at a sample of points; `python -m benchmarks` runs every point (marked scale).
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sponsorsync.mappings.loader import default_mapping_path
from sponsorsync.sync.store import DB_NAME, DEFERRED_INDEXES, index_name
from tests.support.cli import CliResult, invoke, spawn
from tests.support.driver import CrmState, Driver, crm_state, driver_for
from tests.support.sandbox import Sandbox, running_sandbox

# Big enough to page (Salesforce: 4,207 activities at 2,000 a page; HubSpot: 100 a page) and to
# leave a dozen tasks and six alliances' health to write.
SIZE = {"salesforce": 300, "hubspot": 100}
NO_LABELS: dict[str, dict[str, str]] = {"user": {}, "contact": {}, "account": {}}
EDITED_SUBJECT = "Sponsor update: call the partner's CTO first (edited by Mia)"
KEPT_REASON = "Managed by the alliance team"
EARLY_REASON = "Reviewed by sales ops before the first sync"
CLOSE_NOTE = "Closed by sponsorsync"
RUN = ("-q", "sync", "run", "--json")


@dataclass(frozen=True)
class KillPoint:
    """The run's n-th request (``request``), or the n-th call of ``function`` (module:qualname)."""

    request: int = 0
    function: str = ""
    nth: int = 1

    @property
    def id(self) -> str:
        return f"request-{self.request}" if self.request else f"{self.function.split(':')[1]}-{self.nth}"


def call(function: str, nth: int = 1) -> KillPoint:
    return KillPoint(function=function, nth=nth)


#: Local work of a first run, in the order it happens.
FIRST_RUN_CALLS = [
    call("sponsorsync.sync.pull:_store_page", 1),  # a page is in hand, nothing stored
    call("sponsorsync.sync.mirror:Mirror.write", 2),  # inside a page's transaction
    call("sponsorsync.sync.store:StateStore.save_cursor", 2),  # the page stored, its cursor not yet
    call("sponsorsync.sync.pull:_store_page", 4),
    call("sponsorsync.sync.pull:_finish", 1),  # an object pulled completely, its sweep not recorded
    call("sponsorsync.sync.mirror:Mirror.sweep_unseen", 3),
    call("sponsorsync.sync.store:StateStore.save_sweep", 2),
    call("sponsorsync.sync.model:build_org", 1),
    call("sponsorsync.sync.plan:plan", 1),
    call("sponsorsync.sync.diff:Differ.diff", 1),
    call("sponsorsync.sync.apply:Applier.apply", 1),
    call("sponsorsync.sync.apply:Applier._mirror_task", 1),  # the CRM confirmed the task batch
    call("sponsorsync.sync.apply:Applier._mirror_task", 7),
    call("sponsorsync.sync.ledger:Ledger.record", 1),  # ... and the ledger is about to record it
    call("sponsorsync.sync.ledger:Ledger.clear_rejections", 1),
    call("sponsorsync.sync.mirror:Mirror.patch_account_extra", 1),  # the CRM confirmed the account batch
    call("sponsorsync.sync.ledger:Ledger.record", 2),
    call("sponsorsync.sync.ledger:Ledger.remember", 1),  # everything written, the run's memory not saved
    call("sponsorsync.sync.ledger:Ledger.finish_run", 1),
]
#: Local work of the day-two run.
DAY_TWO_CALLS = [
    call("sponsorsync.sync.pull:_store_page", 1),
    call("sponsorsync.sync.store:StateStore.save_cursor", 2),
    call("sponsorsync.sync.pull:_store_page", 3),
    call("sponsorsync.sync.pull:_finish", 2),
    call("sponsorsync.sync.model:build_org", 1),
    call("sponsorsync.sync.plan:plan", 1),
    call("sponsorsync.sync.diff:Differ.diff", 1),
    call("sponsorsync.sync.apply:Applier.apply", 1),
    call("sponsorsync.sync.ledger:Ledger.record", 1),  # the new period's tasks confirmed, not recorded
    call("sponsorsync.sync.mirror:Mirror.merge_task", 1),  # due dates moved and tasks closed, confirmed
    call("sponsorsync.sync.mirror:Mirror.merge_task", 3),
    call("sponsorsync.sync.ledger:Ledger.record", 2),  # ... and not recorded
    call("sponsorsync.sync.mirror:Mirror.patch_account_extra", 1),
    call("sponsorsync.sync.ledger:Ledger.record", 3),  # health rewritten, not recorded
    call("sponsorsync.sync.ledger:Ledger.remember", 1),
    call("sponsorsync.sync.ledger:Ledger.finish_run", 1),
]
SAMPLED_FIRST_RUN_CALLS = ["_store_page-4", "Ledger.record-1", "Ledger.remember-1"]
SAMPLED_DAY_TWO_CALLS = ["Differ.diff-1", "Mirror.merge_task-1", "Ledger.record-2", "Ledger.record-3"]


@dataclass(frozen=True)
class Picks:
    """What people touch between day one and day two (chosen from a clean first run)."""

    edited: str  # a sponsor-update task whose subject a person rewrote (day two would close it)
    completed: str  # a sponsor-update task a person completed (day two would close it)
    early: str  # an account whose health reason a person wrote before the first sync
    kept: str  # an account whose health reason a person wrote after day one
    cleared: str  # an account whose health reason a person cleared after day one


@dataclass(frozen=True)
class Reference:
    requests: int  # requests the run that gets killed makes when nobody kills it
    state: CrmState  # the CRM after it
    day_three: CrmState | None = None  # day two only: the CRM after a day-three run


class World:
    """One sandbox with a generated org, a mapping whose account health reason is written only
    while blank and whose task descriptions are written on create only (so a closure adds no note),
    and what runs nobody killed leave."""

    def __init__(self, box: Sandbox, home: Path) -> None:
        self.box = box
        self.home = home
        self.mapping = home / "mapping.yaml"
        text = default_mapping_path(box.crm).read_text()  # type: ignore[arg-type]
        reason, body = (
            ("Sponsor_Health_Reason__c", "Description")
            if box.crm == "salesforce"
            else ("sponsor_health_reason", "hs_task_body")
        )
        for old, new in (
            (f"health_reason: {{field: {reason}, overwrite: always}}", f"health_reason: {{field: {reason}, overwrite: if_blank}}"),
            (f"      body: {body}\n", f"      body: {{field: {body}, overwrite: never}}\n")
            if box.crm == "salesforce"
            else (f"      body: {{field: {body}, rich_text: true}}", f"      body: {{field: {body}, rich_text: true, overwrite: never}}"),
        ):  # fmt: skip
            assert old in text
            text = text.replace(old, new)
        self.mapping.write_text(text)
        self.first = self._first_reference()
        self.picks = self._picks()
        self.day_two = self._day_two_reference()

    def env_file(self, home: Path) -> Path:
        return self.box.env_file(home / "run.env", {"MAPPING": str(self.mapping)}, state_dir=home / "state")

    def crm(self) -> Driver:
        return driver_for(self.box, NO_LABELS)

    def state(self) -> CrmState:
        return crm_state(self.crm())

    # -- references ------------------------------------------------------------------------------
    def _first_reference(self) -> Reference:
        env_file = self.prepare_first_run(self.home / "first")
        sync(env_file)
        reference = Reference(self.box.total_calls(), self.state())
        assert reference.state.tasks, "the reference run planned no task"
        return reference

    def _picks(self) -> Picks:
        # Two tasks of the first run (sponsor updates first, if their schedules brought any on day one)
        # that stay open for six weeks: not a critical moment's, which closes once its meeting is past.
        tasks = self.first.state.tasks
        updates = sorted(
            (k for k in tasks if tasks[k].rule != "critical_moment"),
            key=lambda k: (tasks[k].rule != "sponsor_update", k),
        )
        healthy = sorted(a for a, v in self.first.state.accounts.items() if v.health is not None)
        assert len(updates) >= 2
        assert len(healthy) >= 3
        return Picks(updates[0], updates[1], healthy[0], healthy[1], healthy[2])

    def _day_two_reference(self) -> Reference:
        env_file = self.prepare_day_two(self.home / "day-two")
        sync(env_file)
        requests = self.box.total_calls()
        state = self.state()
        assert sync(env_file)["created"] == 0
        self.box.admin.advance_clock(days=91)
        sync(env_file)
        return Reference(requests, state, self.state())

    # -- scenarios -------------------------------------------------------------------------------
    def prepare_first_run(self, home: Path) -> Path:
        self.box.admin.reset()
        self.box.admin.reset_stats()
        return self.env_file(home)

    def prepare_day_two(self, home: Path) -> Path:
        self.box.admin.reset()
        crm = self.crm()
        crm.set_health_reason(self.picks.early, EARLY_REASON)
        env_file = self.env_file(home)
        sync(env_file)
        # Six weeks on: sponsor updates have come up on their schedules (day two closes them as missed).
        self.box.admin.advance_clock(days=45)
        sync(env_file)
        tasks = crm.tasks()
        crm.edit_subject(tasks[self.picks.edited].id, EDITED_SUBJECT)
        crm.complete(tasks[self.picks.completed].id)
        crm.set_health_reason(self.picks.kept, KEPT_REASON)
        crm.set_health_reason(self.picks.cleared, None)
        self.box.admin.advance_clock(days=91)
        self.box.admin.reset_stats()
        return env_file

    def assert_rules_kept(self, state: CrmState) -> None:
        """Nothing a person did was overwritten, and if_blank and never were obeyed."""
        picks = self.picks
        closed = [t for key, t in state.tasks.items() if t.done and key != picks.completed]
        assert closed, "nothing was closed: the scenario lost its point"
        assert not any(CLOSE_NOTE in t.body for t in state.tasks.values())  # task bodies: never
        edited, completed = state.tasks[picks.edited], state.tasks[picks.completed]
        assert edited.subject == EDITED_SUBJECT
        assert not edited.done
        assert CLOSE_NOTE not in edited.body
        assert completed.done
        assert CLOSE_NOTE not in completed.body
        assert state.accounts[picks.early].reason == EARLY_REASON
        assert state.accounts[picks.kept].reason == KEPT_REASON
        assert state.accounts[picks.cleared].reason  # blank again, so sponsorsync wrote it again


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp(request.param)
    with running_sandbox(request.param, home / "sandbox", size=SIZE[request.param]) as box:
        yield World(box, home)


def sync(env_file: Path) -> dict[str, int]:
    """A run to completion (in this process); its counts."""
    result = invoke(*RUN, env_file=env_file)
    assert result.exit_code == 0, result.output
    counts: dict[str, int] = json.loads(result.stdout)["counts"]
    return counts


def kill(box: Sandbox, env_file: Path, point: KillPoint) -> None:
    """Run `sponsorsync sync run` and SIGKILL it at ``point``; fails if the run ends first."""
    if point.function:
        launcher = ["-m", "tests.support.killpoint", point.function, str(point.nth), "--"]
        child = spawn(*RUN, env_file=env_file, launcher=launcher)
        _, err = child.communicate(timeout=300)
        assert child.returncode == -signal.SIGKILL, f"the run ended before {point.id}: {err}"
        return
    box.admin.add_faults(
        {"after": point.request - 1, "count": 1, "action": "delay_response", "delay_ms": 60_000}
    )
    child = spawn(*RUN, env_file=env_file)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise AssertionError(f"the run ended before request {point.request}")
            if box.total_calls() >= point.request:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
                return
            time.sleep(0.02)
        raise AssertionError(f"request {point.request} never arrived")
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
        box.admin.clear_faults()


def resume_and_check(world: World, env_file: Path, reference: Reference) -> CrmState:
    """Run again after the kill: the CRM holds exactly the reference, and one more run has nothing
    left to write."""
    resumed: CliResult = invoke(*RUN, env_file=env_file)
    assert resumed.exit_code == 0, resumed.output
    state = world.state()
    assert state.duplicates() == [], "a sync key appears twice in the CRM"
    assert state.tasks.keys() == reference.state.tasks.keys(), "a task is missing or extra"
    assert state.tasks == reference.state.tasks
    assert state.accounts == reference.state.accounts
    again = sync(env_file)
    assert (again["created"], again["updated"], again["closed"], again["accounts_written"]) == (0, 0, 0, 0)
    # A run killed during a full pull left the indexes it loads without dropped: they are back.
    assert missing_indexes(env_file) == []
    return state


def missing_indexes(env_file: Path) -> list[str]:
    """The deferred indexes (sync/store.py) that the state beside ``env_file`` lacks (World keeps
    its run's state in ``state`` next to ``run.env``)."""
    with contextlib.closing(sqlite3.connect(env_file.parent / "state" / DB_NAME)) as db:
        present = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    return sorted(
        index_name(sql)
        for group in DEFERRED_INDEXES.values()
        for sql in group
        if index_name(sql) not in present
    )


def crash_first_run(world: World, home: Path, point: KillPoint) -> None:
    env_file = world.prepare_first_run(home)
    kill(world.box, env_file, point)
    resume_and_check(world, env_file, world.first)


def crash_day_two(world: World, home: Path, point: KillPoint) -> None:
    env_file = world.prepare_day_two(home)
    kill(world.box, env_file, point)
    state = resume_and_check(world, env_file, world.day_two)
    world.assert_rules_kept(state)
    world.box.admin.advance_clock(days=91)
    sync(env_file)
    day_three, expected = world.state(), world.day_two.day_three
    assert expected is not None
    assert day_three.duplicates() == []
    assert day_three.tasks == expected.tasks
    assert day_three.accounts == expected.accounts
    world.assert_rules_kept(day_three)


def sample(total: int, every: int) -> list[int]:
    """Every `every`-th request, plus the last three (the writes at the end of the run)."""
    return sorted({*range(1, total + 1, every), *range(max(1, total - 2), total + 1)})


# -- the default suite: a sample ---------------------------------------------------------------
@pytest.mark.parametrize("part", [0, 1])
def test_killed_first_runs_resume_without_duplicates_or_losses(
    world: World, tmp_path: Path, part: int
) -> None:
    points = sample(world.first.requests, every=10)
    for index in points[part::2]:
        crash_first_run(world, tmp_path / f"kill-{index}", KillPoint(request=index))


@pytest.mark.parametrize(
    "point", [p for p in FIRST_RUN_CALLS if p.id in SAMPLED_FIRST_RUN_CALLS], ids=lambda p: p.id
)
def test_a_first_run_killed_in_its_local_work_resumes(world: World, tmp_path: Path, point: KillPoint) -> None:
    crash_first_run(world, tmp_path, point)


def test_killed_day_two_writes_resume_without_overwriting_people(world: World, tmp_path: Path) -> None:
    """Killed on each of the day-two run's last three requests (its writes)."""
    total = world.day_two.requests
    for index in range(total - 2, total + 1):
        crash_day_two(world, tmp_path / f"kill-{index}", KillPoint(request=index))


@pytest.mark.parametrize(
    "point", [p for p in DAY_TWO_CALLS if p.id in SAMPLED_DAY_TWO_CALLS], ids=lambda p: p.id
)
def test_a_day_two_run_killed_in_its_local_work_resumes_without_overwriting_people(
    world: World, tmp_path: Path, point: KillPoint
) -> None:
    crash_day_two(world, tmp_path, point)


# -- `python -m benchmarks`: every point ------------------------------------------------------
@pytest.mark.scale
def test_every_request_of_a_first_run(world: World, tmp_path: Path) -> None:
    for index in range(1, world.first.requests + 1):
        crash_first_run(world, tmp_path / f"kill-{index}", KillPoint(request=index))


@pytest.mark.scale
@pytest.mark.parametrize("point", FIRST_RUN_CALLS, ids=lambda p: p.id)
def test_every_local_kill_point_of_a_first_run(world: World, tmp_path: Path, point: KillPoint) -> None:
    crash_first_run(world, tmp_path, point)


@pytest.mark.scale
def test_every_request_of_a_day_two_run(world: World, tmp_path: Path) -> None:
    for index in range(1, world.day_two.requests + 1):
        crash_day_two(world, tmp_path / f"kill-{index}", KillPoint(request=index))


@pytest.mark.scale
@pytest.mark.parametrize("point", DAY_TWO_CALLS, ids=lambda p: p.id)
def test_every_local_kill_point_of_a_day_two_run(world: World, tmp_path: Path, point: KillPoint) -> None:
    crash_day_two(world, tmp_path, point)
