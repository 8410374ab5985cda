"""Thirty days on the sandbox clock, one sync a day, on both CRMs (real SDKs over HTTPS), read as
the alliance manager Mia, her manager Tom and the sponsor Marcus would read their CRM.

What they should see, written before the run (the known-answers org, tests/support/orgs.py; day 0
is a Monday, so the scenario's weekends fall on the same days whatever day the suite runs):
- Day 0 (the first run, a baseline): Mia gets "Appoint an executive sponsor for Globex", "Replace
  Liam O'Connor as executive sponsor of Initech" and "Identify a partner executive at Hooli", each due
  a week later; Marcus gets "Connect with Jane Roe ..." (last met 60 days ago, strategic: every 45),
  due a week later. Nobody is briefed as a "new" sponsor: Marcus and Tom have sponsored all along.
- Nothing ever arrives overdue, no due date ever moves, and an account is written only on a day its
  health actually changes. The only task rewritten after day 0 is Tom's follow-up list, when a task
  joins or leaves it; no other task is.
- Sponsor updates for Acme (strategic, every 30 days) and Hooli (key, every 60) appear on their own
  schedules, each lead_days (7) before its deadline, due on it (on the Friday before when it is a
  Saturday or Sunday). Nothing is due on a weekend.
- Day 14 (a week overdue): Tom, Mia's manager in the roster, gets one task, not one per overdue task:
  "Follow up with Mia ...: 3 overdue tasks", listing her three day-0 tasks with their alliances and
  due dates. It is about Mia, so it is linked to no account. Its due date stays the one it was
  written with. Marcus's own overdue task does not escalate to Marcus himself.
- Day 20: Mia completes the Globex task in the morning; the next run that sees it (HubSpot's search
  index may lag a few seconds) takes it off Tom's list, which stays open for her other tasks. Nothing
  is marked done that nobody did: the Globex task is the only task of ours completed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from benchmarks.cadence import simulate
from sponsorsync.connectors.timestamps import to_date
from sponsorsync.mappings.loader import default_mapping_path, load_mapping
from sponsorsync.mappings.writeback import decode
from sponsorsync.sync.run import RunReport, execute
from tests.support import orgs
from tests.support.cli import invoke
from tests.support.days import on_or_before
from tests.support.driver import TaskView, driver_for
from tests.support.sandbox import Sandbox, running_sandbox
from tests.sync.test_end_to_end import labels


@pytest.fixture(params=["salesforce", "hubspot"])
def box(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    with running_sandbox(
        request.param, tmp_path / "sandbox", data=orgs.render(request.param, orgs.known_answers())
    ) as sandbox:
        now = date.fromisoformat(sandbox.admin.now()[:10])
        monday = now + timedelta(days=7 - now.weekday())
        sandbox.admin.set_clock(f"{monday.isoformat()}T17:00:00Z")  # the morning in the Americas
        yield sandbox


def mapping_file(box: Sandbox, home: Path) -> Path:
    """The default mapping, with Tom named as Mia's manager (HubSpot owners carry no manager)."""
    users = {u.key: u.email for u in orgs.known_answers().users}
    text = default_mapping_path(box.crm).read_text()  # type: ignore[arg-type]
    anchor = "\nroster:\n"
    assert anchor in text
    text = text.replace(anchor, f"{anchor}  managers: {{{users['mia']}: {users['tom']}}}\n", 1)
    path = home / "mapping.yaml"
    path.write_text(text)
    return path


def test_thirty_days_of_daily_runs_read_as_the_people_who_get_the_tasks(box: Sandbox, tmp_path: Path) -> None:
    settings = box.settings(MAPPING=str(mapping_file(box, tmp_path)))
    mapping = load_mapping(settings.mapping)
    crm = driver_for(box, labels(orgs.known_answers()))
    mia, tom, marcus = crm.id_of("user", "mia"), crm.id_of("user", "tom"), crm.id_of("user", "marcus")

    def people_act(day: int, _: RunReport | None) -> None:
        if day == 20:
            globex = next(t for t in crm.tasks().values() if t.rule == "no_sponsor")
            crm.complete(globex.id)

    run = simulate(settings, mapping, box.admin, 30, people_act)
    summary = run.summary()

    day0 = run.reports[0]
    first = sorted((t.owner_id, t.subject) for t in day0.plan.tasks)
    assert [s for o, s in first if o == mia if "sponsor update" not in s] == [
        "Appoint an executive sponsor for Globex",
        "Identify a partner executive at Hooli",
        "Replace Liam O'Connor as executive sponsor of Initech",
    ]
    assert [s for o, s in first if o == marcus] == [
        "Connect with Jane Roe, Chief Technology Officer at Acme Corporation"
    ]
    assert all(t.rule != "new_sponsor" for r in run.reports for t in r.plan.tasks)

    assert summary["due_moves"] == 0
    assert summary["born_overdue"] == 0
    assert summary["due_on_day_off"] == 0  # 30 days hold four weekends: nothing is due on one
    assert summary["idle_account_writes"] == 0
    # The tasks rewritten after day 0 are Tom's follow-up lists only (a task joined or left one).
    updated = {w.rule for r in run.reports[1:] for w in r.writes.updates}
    assert updated <= {"escalation"}, updated
    assert summary["task_updates_after_day_0"] == sum(len(r.writes.updates) for r in run.reports[1:])

    # Sponsor updates come on their own schedules: Acme at least once, each due 7 days after it appeared.
    tasks = crm.tasks()
    updates = [t for t in tasks.values() if t.rule == "sponsor_update"]
    assert any(t.account_id == crm.id_of("account", "acme") for t in updates)
    created_on = {w.key: r.today for r in run.reports for w in r.writes.creates}
    for task in updates:
        deadline = date.fromisoformat(task.key.rsplit(":", 1)[1])
        assert task.owner_id == mia
        assert (deadline - created_on[task.key]).days == 7
        assert to_day(task.due) == on_or_before(deadline)

    # Escalations: on day 14, to Tom, one follow-up list on Mia, none to Marcus about himself.
    assert run.first_day_of("escalation") == 14
    escalations = [t for t in tasks.values() if t.rule == "escalation"]
    assert [(t.owner_id, t.account_id) for t in escalations] == [(tom, None)]
    [on_mia] = escalations
    created = next(r.today for r in run.reports for w in r.writes.creates if w.key == on_mia.key)
    assert (created - run.reports[0].today).days == 14
    assert (to_day(on_mia.due) - created).days == 7  # task_due_days, set once
    assert not on_mia.done
    body_field = mapping.writeback.task.fields.body
    assert body_field is not None
    body = decode(body_field, on_mia.body)  # HubSpot's is rich text
    listed = [line for line in body.splitlines() if line.startswith("- ")]
    # Globex left the list when Mia completed it; Initech's and Hooli's tasks are still on it.
    assert not any("Globex" in line for line in listed), body
    assert any(
        line.startswith('- "Replace Liam O\'Connor as executive sponsor of Initech" (Initech')
        for line in listed
    )
    assert any(line.startswith('- "Identify a partner executive at Hooli" (Hooli') for line in listed)
    assert on_mia.subject == f"Follow up with Mia Manager: {len(listed)} overdue tasks"
    # Globex left on day 20, or 21 where the CRM's search index had not caught up with her yet.
    rewritten = {
        d.day
        for d, r in zip(run.days, run.reports, strict=True)
        for w in r.writes.updates
        if w.key == on_mia.key
    }
    assert rewritten & {20, 21}, rewritten
    # Nothing nobody did is marked done: the only completed task of ours is the Globex task.
    completed = [t for t in tasks.values() if t.status in ("Completed", "COMPLETED")]
    assert sorted(t.rule for t in completed) == ["no_sponsor"]


def test_tasks_marked_done_without_the_work_come_back_at_their_rhythm(box: Sandbox, tmp_path: Path) -> None:
    """Written before the run. Marcus gets "Connect with Jane Roe ..." on day 0 (last met 60 days ago;
    strategic: every 45 days), Mia "Appoint an executive sponsor for Globex" (key tier: updates every
    60 days). On day 3 both mark theirs done in the CRM; no meeting is logged, no sponsor named. Both
    are taken at their word, and nothing comes back sooner than their rhythm: on day 41 a new
    "Connect with Jane Roe ..." arrives for Marcus, due on day 46 (day 48, the deadline, is a Sunday:
    the Friday before), saying he marked the last one done
    on day 3 and nothing is logged since; on day 63 a new "Appoint an executive sponsor for Globex"
    arrives for Mia, due on day 70, saying the last was marked done on day 3. The completed tasks stay
    as they were left."""
    settings = box.settings(MAPPING=str(mapping_file(box, tmp_path)))
    mapping = load_mapping(settings.mapping)
    crm = driver_for(box, labels(orgs.known_answers()))
    marcus, mia = crm.id_of("user", "marcus"), crm.id_of("user", "mia")
    globex = crm.id_of("account", "globex")
    body_field = mapping.writeback.task.fields.body
    assert body_field is not None

    def ours() -> tuple[list[TaskView], list[TaskView]]:
        tasks = sorted(crm.tasks().values(), key=lambda t: t.key)
        touches = [t for t in tasks if t.rule == "executive_touch"]
        return touches, [t for t in tasks if t.rule == "no_sponsor" and t.account_id == globex]

    day0 = execute(settings, mapping, mode="run").today
    assert day0.weekday() == 0  # a Monday (the fixture's clock)
    [touch], [appoint] = ours()
    box.admin.advance_clock(days=3)
    crm.as_person("marcus").complete(touch.id)
    crm.as_person("mia").complete(appoint.id)
    days_on = 3
    for day in (3, 4, 40, 41, 62, 63):
        box.admin.advance_clock(days=day - days_on)
        days_on = day
        report = execute(settings, mapping, mode="run")
        assert report.exit_code == 0
        assert (report.today - day0).days == day
        touches, appoints = ours()
        if day < 41:
            assert [(t.key, t.done) for t in touches] == [(touch.key, True)], day
        if day < 63:
            assert [(t.key, t.done) for t in appoints] == [(appoint.key, True)], day
    marked = (day0 + timedelta(days=3)).isoformat()
    for (first, owner, due_day, says), (done, again) in [
        ((touch, marcus, 46, f"You marked the last reminder done on {marked}, and none is logged since"), touches),
        ((appoint, mia, 70, f"the last reminder was marked done on {marked}, and the CRM still names none"), appoints),
    ]:  # fmt: skip
        assert (done.key, done.done, done.due) == (first.key, True, first.due)
        assert (again.owner_id, again.done, again.subject) == (owner, False, first.subject)
        assert to_day(again.due) == day0 + timedelta(days=due_day)
        assert says in decode(body_field, again.body)


def test_a_shutdown_neither_blames_the_owner_nor_springs_tasks_on_them_the_morning_they_return(
    box: Sandbox, tmp_path: Path
) -> None:
    """Written before the run. The company is closed from Thursday of week 2 (day 10) to Friday of
    week 3 (day 18), listed in ``cadence.holidays``. Mia's three day-0 tasks are due on day 7, a
    Monday; she works days 8 and 9, then is off. Tom, her manager, hears about them once she has had
    five working days to catch up: day 23 (days 8, 9, 21, 22, 23), not day 14, in the shutdown. No
    task is due in the shutdown. On day 12, a Saturday in it, Mia records Ava as Globex's sponsor:
    the briefing she gets, and the charter and first "Connect with ..." Ava gets, are not due on
    day 21, the morning everyone is back (a week on is day 19, a day off), but on day 25: the working
    week a task written on any other day gets."""
    start = date.fromisoformat(box.admin.now()[:10])
    off = [start + timedelta(days=d) for d in (10, 11, 14, 15, 16, 17, 18)]
    path = mapping_file(box, tmp_path)
    text = path.read_text()
    assert "  holidays: []" in text
    path.write_text(
        text.replace("  holidays: []", f"  holidays: [{', '.join(d.isoformat() for d in off)}]", 1)
    )
    settings = box.settings(MAPPING=str(path))
    mapping = load_mapping(settings.mapping)
    crm = driver_for(box, labels(orgs.known_answers()))
    tom = crm.id_of("user", "tom")

    def appoint(day: int, _: RunReport | None) -> None:
        if day == 12:
            crm.appoint_sponsor("globex", "ava")

    run = simulate(settings, mapping, box.admin, 24, appoint)
    assert run.reports[0].today == start
    assert start.weekday() == 0
    assert run.summary()["due_on_day_off"] == 0  # weekends and the shutdown
    escalations = [t for t in crm.tasks().values() if t.rule == "escalation"]
    assert [t.owner_id for t in escalations] == [tom]
    created = {w.key: r.today for r in run.reports for w in r.writes.creates}
    assert (created[escalations[0].key] - start).days == 23
    due_field = mapping.writeback.task.fields.due_date.field
    in_shutdown = [
        (w.rule, report.calendar.day(w.fields.get(due_field)))
        for report in run.reports
        if off[0] <= report.today <= off[-1]
        for w in report.writes.creates
    ]
    # Seen by the day-12 run, or the day-13 one where HubSpot's search index had not caught up yet.
    back_week = start + timedelta(days=25)
    assert sorted(in_shutdown) == [
        ("charter", back_week), ("executive_touch", back_week), ("new_sponsor", back_week)
    ]  # fmt: skip


def to_day(value: str | None) -> date:
    found = to_date(value)
    assert found is not None
    return found


def test_sync_plan_shows_the_manager_the_follow_up_list_as_they_will_get_it(
    box: Sandbox, tmp_path: Path
) -> None:
    # Two weeks after the first run, Mia's three tasks are a week overdue: `sync plan --owner` shows
    # Tom one new task, his list on Mia, labelled as a follow-up list (it is on no one alliance).
    env = box.env_file(tmp_path / "run.env", {"MAPPING": str(mapping_file(box, tmp_path))})
    assert invoke("sync", "run", env_file=env).exit_code == 0
    box.admin.advance_clock(days=14)
    tom = next(u.email for u in orgs.known_answers().users if u.key == "tom")
    shown = invoke("sync", "plan", "--owner", tom, "--json", env_file=env)
    assert shown.exit_code == 0, shown.output
    lists = [t for t in json.loads(shown.stdout)["tasks"] if t["rule"] == "escalation"]
    assert [(t["action"], t["alliance"], t["subject"]) for t in lists] == [
        ("create", "(follow-up list)", "Follow up with Mia Manager: 3 overdue tasks")
    ]
