"""The task lifecycle people can trust (issue 11), as specifications on the pure planner: fixed due
dates, nothing born overdue, staggered per-alliance schedules, a first run that is a baseline,
honest closes, no day counts in stored text, the escalation ladder, self-addressed tasks, the
intake limit and editable wording. Each test states what the reader of the CRM would see."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sponsorsync.mappings.loader import default_mapping_path, parse_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.mirror import OwnTask
from sponsorsync.sync.model import Alliance, Memory, PartnerContact
from sponsorsync.sync.plan import DesiredTask, Plan, make_key, plan
from tests.sync.builders import TODAY, alliance, contact, org, own_task, person, salesforce_mapping, touch


def mapping_with(replacements: dict[str, str]) -> Mapping:
    text = default_mapping_path("salesforce").read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return parse_mapping(text, "test.yaml")


def by_rule(result: Plan) -> dict[str, list[DesiredTask]]:
    found: dict[str, list[DesiredTask]] = {}
    for task in result.tasks:
        found.setdefault(task.rule, []).append(task)
    return found


def portfolio(n: int) -> list[Alliance]:
    return [alliance(f"a{i:02d}") for i in range(n)]


def contacts_for(n: int) -> list[PartnerContact]:
    return [contact(f"c{i:02d}", f"a{i:02d}") for i in range(n)]


SPONSORS = [
    person("ceo", "Ava Chen", seniority="c_suite", function="general_management", capacity=100),
    person("manager", "Mia Manager", seniority="manager", function="partnerships"),
]


# -- 1. due dates do not slide ---------------------------------------------------------------------
def test_an_open_task_keeps_the_due_date_the_crm_holds_on_every_later_day() -> None:
    key = make_key("executive_touch", "acme", "ceo:jane_roe:never")
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=30))}
    held = own_task(key, values={"ActivityDate": "2026-12-01"})
    for later in (0, 5, 40):
        result = plan(
            org(memory=memory, own=[held], today=TODAY + timedelta(days=later)), salesforce_mapping()
        )
        task = next(t for t in result.tasks if t.key == key)
        assert task.due == date(2026, 12, 1)


# -- 2. nothing born overdue; schedules staggered ---------------------------------------------------
def test_first_run_on_a_portfolio_creates_nothing_overdue_and_staggers_sponsor_updates() -> None:
    alliances = portfolio(30)
    deadlines = set()
    for day in range(30):  # a month of daily runs, nobody acting
        memory = {a.id: Memory("ceo", f"c{a.id[1:]}", TODAY) for a in alliances}
        today = TODAY + timedelta(days=day)
        result = plan(
            org(users=SPONSORS, alliances=alliances, contacts=contacts_for(30), memory=memory, today=today,
                touches=[touch("ceo", f"c{i:02d}", -day + 1) for i in range(30)]),
            mapping_with({}),
        )  # fmt: skip
        for task in result.tasks:
            assert task.due >= today, f"{task.subject} is born overdue"
        deadlines |= {t.due for t in by_rule(result).get("sponsor_update", [])}
    assert len(deadlines) >= 10  # thirty strategic alliances do not all fall due on one day


def test_the_first_sponsor_update_is_due_in_the_future_lead_days_after_it_appears() -> None:
    memory = {"acme": Memory("ceo", "jane_roe", TODAY)}
    for day in range(31):
        today = TODAY + timedelta(days=day)
        result = plan(
            org(memory=memory, today=today, touches=[touch("ceo", "jane_roe", 1 - day)]), salesforce_mapping()
        )
        updates = by_rule(result).get("sponsor_update", [])
        if updates:
            assert updates[0].due == today + timedelta(days=7)  # strategic lead_days: 7
            assert (
                updates[0].subject
                == f"Send Ava Chen the Acme Inc sponsor update by {updates[0].due.isoformat()}"
            )
            return
    raise AssertionError("no sponsor update within the first period")


# -- 3. no "new sponsor" flood on install ----------------------------------------------------------
def test_first_run_treats_sponsors_in_place_as_established() -> None:
    result = plan(
        org(users=SPONSORS, alliances=portfolio(10), contacts=contacts_for(10)), salesforce_mapping()
    )
    assert "new_sponsor" not in by_rule(result)
    assert result.first_run


def test_an_appointment_seen_between_runs_is_new() -> None:
    memory = {"acme": Memory(None, None, TODAY - timedelta(days=20))}
    result = plan(org(memory=memory), salesforce_mapping())
    assert [t.subject for t in by_rule(result)["new_sponsor"]] == ["Brief Ava Chen on sponsoring Acme Inc"]


# -- 4. honest closes -------------------------------------------------------------------------------
def test_a_missed_sponsor_update_is_closed_as_missed_not_completed() -> None:
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=200))}
    setting = org(memory=memory, touches=[touch("ceo", "jane_roe", 1)])
    first = by_rule(plan(setting, salesforce_mapping()))["sponsor_update"][0]
    held = own_task(first.key, values={"ActivityDate": first.due.isoformat()})
    later = org(
        memory=memory, touches=[touch("ceo", "jane_roe", 1)], today=first.due + timedelta(days=30), own=[held]
    )
    result = plan(later, salesforce_mapping())
    assert [(c.key, c.outcome) for c in result.closures] == [(first.key, "missed")]
    assert f"the update due on {first.due.isoformat()} was not marked done" in result.closures[0].reason


def test_a_changed_counterpart_is_not_reported_as_a_meeting() -> None:
    old = make_key("executive_touch", "acme", "ceo:jane_roe:never")
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=30))}
    contacts = [contact("jane_roe", seniority="manager", title="Product Manager"), contact("john_doe")]
    result = plan(org(memory=memory, contacts=contacts, own=[own_task(old)]), salesforce_mapping())
    closure = next(c for c in result.closures if c.key == old)
    assert closure.outcome == "not_needed"
    assert closure.reason == "the executive counterpart is now John Doe"


def marked_done(key: str, on: date) -> OwnTask:
    """A touch task its sponsor marked done on ``on`` (the CRM's completion date), due two days before."""
    return own_task(key, completed=True, values={"Status": "Completed",
                                                 "ActivityDate": (on - timedelta(days=2)).isoformat(),
                                                 "CompletedDateTime": f"{on}T17:05:00.000+0000"})  # fmt: skip


def test_a_touch_task_marked_done_with_no_meeting_logged_comes_back_one_cadence_later() -> None:
    # Ava last logged a meeting with Jane Roe 60 days ago; she marked her "Connect with Jane Roe"
    # task done 10 days ago, with nothing logged (a call from her phone, say). She is taken at her
    # word: no new task until the strategic cadence (45 days) from that day is 7 days away, on day
    # 28; then one, due on day 35, saying no meeting is logged. She marks that one done on day 30
    # without logging either: the next comes 45 days after that, never sooner.
    met = TODAY - timedelta(days=60)
    first = make_key("executive_touch", "acme", f"ceo:jane_roe:{met}")
    touches = [touch("ceo", "jane_roe", 60)]

    def touch_tasks(day: int, own: list[OwnTask]) -> list[DesiredTask]:
        today = TODAY + timedelta(days=day)
        result = plan(org(touches=touches, own=own, today=today), salesforce_mapping())
        assert not [c for c in result.closures if c.rule == "executive_touch"]  # hers stay as she left them
        return by_rule(result).get("executive_touch", [])

    own = [marked_done(first, TODAY - timedelta(days=10))]
    assert touch_tasks(0, own) == []
    assert touch_tasks(27, own) == []
    [again] = touch_tasks(28, own)
    assert again.key == f"{first}+1"
    # 45 days after she marked the last one done is Sunday 3 January: due the Friday before.
    assert again.due == TODAY + timedelta(days=33)
    assert again.subject.startswith("Connect with Jane Roe")
    assert f"Your last logged meeting, call or e-mail with Jane Roe was on {met}." in again.body
    assert (
        f"You marked the last reminder done on {TODAY - timedelta(days=10)}, and none is logged since"
        in again.body
    )
    own.append(marked_done(again.key, TODAY + timedelta(days=30)))
    assert touch_tasks(67, own) == []
    [third] = touch_tasks(68, own)
    assert (third.key, third.due) == (f"{first}+2", TODAY + timedelta(days=75))


def test_a_marked_touch_task_for_a_pair_that_never_met_says_so_once() -> None:
    first = make_key("executive_touch", "acme", "ceo:jane_roe:never")
    [again] = by_rule(plan(org(own=[marked_done(first, TODAY - timedelta(days=50))]), salesforce_mapping()))[
        "executive_touch"
    ]
    assert again.key == f"{first}+1"
    assert again.body.startswith(
        "There is no logged meeting, call or e-mail between you and Jane Roe yet. You marked the last "
        f"reminder done on {TODAY - timedelta(days=50)}: log the next one in the CRM"
    )


def test_a_touch_task_sponsorsync_closed_or_its_sponsor_deleted_does_not_start_a_cadence() -> None:
    met = TODAY - timedelta(days=60)
    first = make_key("executive_touch", "acme", f"ceo:jane_roe:{met}")
    touches = [touch("ceo", "jane_roe", 60)]
    # Deleted: the deleted task stays the one wanted, and a deleted task is never recreated (the diff).
    deleted = replace(marked_done(first, TODAY - timedelta(days=10)), deleted=True)
    result = plan(org(touches=touches, own=[deleted]), salesforce_mapping())
    assert [t.key for t in by_rule(result)["executive_touch"]] == [first]
    closed = own_task(first, completed=True, values={"Status": "Completed"})
    result = plan(org(touches=touches, own=[closed]), salesforce_mapping(), closed_by_us=frozenset({first}))
    assert [t.key for t in by_rule(result)["executive_touch"]] == [first]  # as before: no "+1"


def test_the_task_after_a_marked_one_closes_as_done_when_they_meet() -> None:
    met = TODAY - timedelta(days=60)
    first = make_key("executive_touch", "acme", f"ceo:jane_roe:{met}")
    own = [marked_done(first, TODAY - timedelta(days=50)), own_task(f"{first}+1")]
    result = plan(org(touches=[touch("ceo", "jane_roe", 2)], own=own), salesforce_mapping())
    [closure] = [c for c in result.closures if c.rule == "executive_touch"]
    assert (closure.key, closure.outcome) == (f"{first}+1", "done")
    assert closure.reason.startswith("Ava Chen and Jane Roe connected on")
    still = plan(org(touches=[touch("ceo", "jane_roe", 60)], own=own), salesforce_mapping())
    assert not [c for c in still.closures if c.rule == "executive_touch"]  # nothing new: it stays open


def test_a_gap_task_marked_done_with_the_gap_still_there_comes_back_at_the_tiers_rhythm() -> None:
    # Mia marked "Appoint an executive sponsor for Acme" done 10 days ago, and the CRM still names no
    # sponsor; she also marked "Identify a partner executive" done, with none recorded. Taken at her
    # word for the strategic tier's 30 days (its sponsor update rhythm): nothing until day 20, then
    # each comes back once, as a new task saying when the last was marked done.
    marked_on = TODAY - timedelta(days=10)
    own = [marked_done(make_key("no_sponsor", "acme", "e1"), marked_on),
           marked_done(make_key("no_partner_executive", "acme", "e1"), marked_on)]  # fmt: skip

    def gap_tasks(day: int) -> dict[str, list[DesiredTask]]:
        setting = org(alliances=[alliance(sponsor=None)], contacts=[contact("pm", seniority="manager")], own=own,
                      today=TODAY + timedelta(days=day))  # fmt: skip
        found = by_rule(plan(setting, salesforce_mapping()))
        return {rule: found[rule] for rule in ("no_sponsor", "no_partner_executive") if rule in found}

    assert gap_tasks(0) == {}
    assert gap_tasks(19) == {}
    back = gap_tasks(20)
    [sponsor], [executive] = back["no_sponsor"], back["no_partner_executive"]
    assert sponsor.key == make_key("no_sponsor", "acme", "e2")
    assert executive.key == make_key("no_partner_executive", "acme", "e2")
    assert sponsor.body.startswith(
        f"Acme Inc (strategic alliance) has no executive sponsor: the last reminder was marked done on {marked_on}, "
        "and the CRM still names none."
    )
    assert f"though the last reminder was marked done on {marked_on}." in executive.body
    # task_due_days after it appears is Saturday 26 December: due the next working day, the Monday.
    assert sponsor.due == executive.due == TODAY + timedelta(days=29)


def test_a_replace_the_sponsor_task_marked_done_with_no_successor_comes_back_at_the_tiers_rhythm() -> None:
    # Ava left the company; Mia marked "Replace Ava Chen as executive sponsor of Acme" done 10 days
    # ago and recorded no successor. Nothing until day 20 (strategic: 30 days), then once more.
    users = [person("ceo", "Ava Chen", seniority="c_suite", active=False),
             person("cto", "Marcus Reid", seniority="c_suite", function="technology"),
             person("manager", "Mia Manager", seniority="manager")]  # fmt: skip
    marked_on = TODAY - timedelta(days=10)
    own = [marked_done(make_key("sponsor_gone", "acme", "ceo"), marked_on)]

    def replace_tasks(day: int) -> list[DesiredTask]:
        setting = org(users=users, own=own, today=TODAY + timedelta(days=day))
        return by_rule(plan(setting, salesforce_mapping())).get("sponsor_gone", [])

    assert replace_tasks(19) == []
    [again] = replace_tasks(20)
    assert again.key == make_key("sponsor_gone", "acme", "ceo+1")
    assert again.subject == "Replace Ava Chen as executive sponsor of Acme Inc"
    assert again.body.startswith(
        "Ava Chen, the executive sponsor of Acme Inc, is no longer an active user, and the CRM still names no "
        f"successor, though the last reminder was marked done on {marked_on}."
    )
    # Marcus is appointed: the open one closes as done, naming him.
    appointed = org(users=users, alliances=[alliance(sponsor="cto")], own=[*own, own_task(again.key)],
                    today=TODAY + timedelta(days=21))  # fmt: skip
    [closure] = [c for c in plan(appointed, salesforce_mapping()).closures if c.rule == "sponsor_gone"]
    assert (closure.key, closure.outcome) == (again.key, "done")
    # Ava is back instead: not needed, and not reported as an appointment.
    back = [replace(users[0], active=True), *users[1:]]
    returned = org(users=back, own=[*own, own_task(again.key)], today=TODAY + timedelta(days=21))
    [closure] = [c for c in plan(returned, salesforce_mapping()).closures if c.rule == "sponsor_gone"]
    assert (closure.key, closure.outcome) == (again.key, "not_needed")


def test_switching_a_rule_off_leaves_its_open_tasks_alone() -> None:
    key = make_key("executive_touch", "acme", "ceo:jane_roe:never")
    off = mapping_with({"    executive_touch: true\n": "    executive_touch: false\n"})
    result = plan(org(own=[own_task(key)]), off)
    assert result.closures == []
    assert result.switched_off == [key]


def test_a_new_sponsor_closes_the_old_sponsors_tasks_as_not_needed() -> None:
    key = make_key("executive_touch", "acme", "cto:jane_roe:never")
    users = [*SPONSORS, person("cto", "Marcus Reid", seniority="c_suite")]
    result = plan(org(users=users, own=[own_task(key)]), salesforce_mapping())
    assert [(c.outcome, c.reason) for c in result.closures] == [
        ("not_needed", "the alliance's sponsor is now Ava Chen")
    ]


# -- 5. no daily rewrites ---------------------------------------------------------------------------
def test_health_reason_holds_dates_not_day_counts_and_is_the_same_on_later_days() -> None:
    reasons = set()
    for later in range(20):
        today = TODAY + timedelta(days=later)
        result = plan(org(today=today, touches=[touch("ceo", "jane_roe", 60)]), salesforce_mapping())
        reasons.add((result.accounts[0].health, result.accounts[0].health_reason))
    # 60 days after the last touch on a 45-day cadence the touch is overdue, and the reason says so
    # (amber: past the interval, not yet past twice it).
    assert reasons == {
        (
            "amber",
            f"last contact with Jane Roe on {(TODAY - timedelta(days=60)).isoformat()}; overdue (every 45 days)",
        )
    }


def test_an_amber_that_comes_before_the_due_date_says_when_it_is_due() -> None:
    # An admin who wants amber early (amber_after_days_factor 0.8 of 45 days = 36): at 40 days the
    # touch is not yet overdue, and the reason does not claim it is.
    early = mapping_with({"amber_after_days_factor: 1.0": "amber_after_days_factor: 0.8"})
    result = plan(org(touches=[touch("ceo", "jane_roe", 40)]), early)
    assert (result.accounts[0].health, result.accounts[0].health_reason) == (
        "amber",
        f"last contact with Jane Roe on {(TODAY - timedelta(days=40)).isoformat()}; due every 45 days",
    )


def test_task_text_is_the_same_on_every_day_it_stays_open() -> None:
    """What is written stays put: subjects, owners and due dates never change while a task is open,
    nor do bodies, except the sponsor brief's, which is a dated snapshot written on creation only
    (the diff never rewrites it: test_diff)."""
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=200))}
    texts: dict[str, set[tuple[str, str, str, date]]] = {}
    in_crm: dict[str, OwnTask] = {}  # what the CRM holds: each task as created, with its due date
    snapshots = set()
    for later in range(10):
        result = plan(org(memory=memory, today=TODAY + timedelta(days=later), own=list(in_crm.values())),
                      salesforce_mapping())  # fmt: skip
        for task in result.tasks:
            if task.body_once:
                snapshots.add(task.key)
            body = "" if task.body_once else task.body
            texts.setdefault(task.key, set()).add((task.subject, body, task.owner_id, task.due))
            in_crm.setdefault(task.key, own_task(task.key, values={"ActivityDate": task.due.isoformat()}))
    assert texts
    assert snapshots == {k for k in texts if ":sponsor_update:" in k}
    assert {key: len(variants) for key, variants in texts.items()} == dict.fromkeys(texts, 1)


# -- 6. escalation ladder ---------------------------------------------------------------------------
LADDER_USERS = [
    person("ceo", "Ava Chen", seniority="c_suite"),
    replace(
        person("manager", "Mia Manager", seniority="manager"), manager_id="head"
    ),  # build_org: roster or CRM
    person("head", "Hana Head", seniority="vp"),
]


def ladder_mapping() -> Mapping:
    return salesforce_mapping()


def overdue_task(days: int, *, completed: bool = False) -> tuple[str, OwnTask]:
    key = make_key("no_sponsor", "acme", "e1")
    due = (TODAY - timedelta(days=days)).isoformat()
    values = {"ActivityDate": due, "OwnerId": "manager", "Subject": "Appoint an executive sponsor for Acme Inc",
              "Status": "Completed" if completed else "Not Started"}  # fmt: skip
    return key, own_task(key, completed=completed, values=values)


def test_an_overdue_task_reaches_the_owners_manager_then_the_sponsor_on_the_configured_days() -> None:
    steps = {}
    for days in (6, 7, 13, 14):
        _, held = overdue_task(days)
        setting = org(users=LADDER_USERS, alliances=[alliance(sponsor=None)], own=[held])
        result = plan(setting, ladder_mapping())
        steps[days] = [(t.owner_id, t.key) for t in by_rule(result).get("escalation", [])]
    hana_on_mia = f"ss1:escalation:@head:manager:{TODAY.isoformat()}"  # Hana's follow-up list on Mia
    assert steps[6] == []
    assert steps[7] == [("head", hana_on_mia)]
    assert steps[13] == [("head", hana_on_mia)]
    # No sponsor on this alliance: step 2 (the sponsor) has nobody, so nothing more.
    assert steps[14] == [("head", hana_on_mia)]


def test_the_escalation_names_the_task_its_owner_and_due_date() -> None:
    _, held = overdue_task(8)
    result = plan(org(users=LADDER_USERS, alliances=[alliance(sponsor=None)], own=[held]), ladder_mapping())
    task = by_rule(result)["escalation"][0]
    due = (TODAY - timedelta(days=8)).isoformat()
    assert task.subject == f"Overdue since {due}: Appoint an executive sponsor for Acme Inc"
    assert "owned by Mia Manager" in task.body
    assert task.priority == "high"
    assert task.due == TODAY + timedelta(days=8)  # a week from Sunday is a Sunday: the Monday after


def test_a_step_with_nobody_passes_to_the_next_one_and_closes_as_done_with_the_original() -> None:
    key = make_key("executive_touch", "acme", "ceo:jane_roe:never")
    values = {
        "ActivityDate": (TODAY - timedelta(days=15)).isoformat(),
        "OwnerId": "ceo",
        "Subject": "Connect",
    }
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=100))}
    result = plan(
        org(users=LADDER_USERS, memory=memory, own=[own_task(key, values=values)]), ladder_mapping()
    )
    # Ava's own manager is unknown (step 1 has nobody); the sponsor is Ava herself (step 2 skipped).
    assert "escalation" not in by_rule(result)
    escalation = make_key("escalation", "acme", "1:no_sponsor:e1")
    done = own_task(make_key("no_sponsor", "acme", "e1"), completed=True, values={"Status": "Completed"})
    result = plan(org(users=LADDER_USERS, alliances=[alliance(sponsor=None)], own=[done, own_task(escalation)]),
                  ladder_mapping())  # fmt: skip
    assert [(c.key, c.outcome, c.reason) for c in result.closures] == [
        (escalation, "done", "the overdue task was completed")
    ]


def no_sponsor_overdue(alliance_id: str, days: int, *, completed: bool = False) -> OwnTask:
    """Mia's "Appoint an executive sponsor for <alliance>", ``days`` past its due date on TODAY."""
    values = {"ActivityDate": (TODAY - timedelta(days=days)).isoformat(), "OwnerId": "manager",
              "Subject": f"Appoint an executive sponsor for {alliance_id.title()} Inc",
              "Status": "Completed" if completed else "Not Started"}  # fmt: skip
    return own_task(make_key("no_sponsor", alliance_id, "e1"), completed=completed, values=values)


NO_SPONSORS = [alliance("acme", sponsor=None), alliance("globex", sponsor=None)]


def hana_list(day: date) -> str:
    return f"ss1:escalation:@head:manager:{day.isoformat()}"


def test_a_manager_gets_one_follow_up_list_per_person_not_one_task_per_overdue_task() -> None:
    # Mia let two tasks slide on two alliances. Hana, her manager, gets one task: follow up with Mia,
    # listing both (oldest due first) with their alliances and due dates; it is about Mia, not one
    # account, so it is linked to none.
    own = [no_sponsor_overdue("acme", 8), no_sponsor_overdue("globex", 10)]
    result = plan(org(users=LADDER_USERS, alliances=NO_SPONSORS, own=own), ladder_mapping())
    [task] = by_rule(result)["escalation"]
    assert (task.key, task.owner_id, task.account_id, task.priority) == (hana_list(TODAY), "head", "", "high")
    assert task.subject == "Follow up with Mia Manager: 2 overdue tasks"
    assert task.body.splitlines() == [
        "These tasks owned by Mia Manager are past their due date and still open:",
        f'- "Appoint an executive sponsor for Globex Inc" (Globex Inc), due {TODAY - timedelta(days=10)}',
        f'- "Appoint an executive sponsor for Acme Inc" (Acme Inc), due {TODAY - timedelta(days=8)}',
        "Follow up with Mia Manager, or reassign them. This list is kept up to date: a task leaves it "
        "when it is closed, and the list closes when none is left.",
    ]
    assert task.due == TODAY + timedelta(days=8)  # a week from Sunday is a Sunday: the Monday after
    assert [t.alliance_id for t in result.tasks if t.rule == "escalation"] == [""]


def test_the_list_takes_later_overdue_tasks_keeps_its_due_date_and_closes_when_none_is_left() -> None:
    # Day 0: only Acme's task is a week overdue; Hana's list names it alone, as a single escalation did.
    first = plan(org(users=LADDER_USERS, alliances=NO_SPONSORS,
                     own=[no_sponsor_overdue("acme", 8), no_sponsor_overdue("globex", 4)]), ladder_mapping())  # fmt: skip
    [opened] = by_rule(first)["escalation"]
    assert (
        opened.subject
        == f"Overdue since {TODAY - timedelta(days=8)}: Appoint an executive sponsor for Acme Inc"
    )
    assert "Other tasks of theirs that become overdue are added here." in opened.body
    written = own_task(opened.key, values={"ActivityDate": opened.due.isoformat(), "OwnerId": "head"})
    # Day 3: Globex's task reaches the step too: it joins the same list, whose due date stays.
    later = TODAY + timedelta(days=3)
    own = [no_sponsor_overdue("acme", 8), no_sponsor_overdue("globex", 4), written]
    [joined] = by_rule(
        plan(org(users=LADDER_USERS, alliances=NO_SPONSORS, own=own, today=later), ladder_mapping())
    )["escalation"]
    assert (joined.key, joined.due) == (opened.key, opened.due)
    assert joined.subject == "Follow up with Mia Manager: 2 overdue tasks"
    # Day 5: Mia appointed Acme's sponsor and closed that task: it leaves the list.
    acme_done = replace(own[0], completed=True, crm_values={**own[0].crm_values, "Status": "Completed"})
    [left] = by_rule(plan(org(users=LADDER_USERS, alliances=NO_SPONSORS, own=[acme_done, own[1], written],
                              today=later + timedelta(days=2)), ladder_mapping()))["escalation"]  # fmt: skip
    assert left.key == opened.key
    assert left.subject.endswith("Appoint an executive sponsor for Globex Inc")
    # Day 6: Globex's is closed too. The list closes as not needed: Hana's follow-up is not claimed done.
    globex_done = replace(own[1], completed=True, crm_values={**own[1].crm_values, "Status": "Completed"})
    result = plan(org(users=LADDER_USERS, alliances=NO_SPONSORS, own=[acme_done, globex_done, written],
                      today=later + timedelta(days=3)), ladder_mapping())  # fmt: skip
    assert "escalation" not in by_rule(result)
    assert [(c.key, c.outcome, c.reason) for c in result.closures] == [
        (opened.key, "not_needed", "no task on this list is still open, overdue and with Mia Manager")
    ]


def test_a_list_its_person_closed_stays_closed_and_only_later_arrivals_open_a_new_one() -> None:
    # Hana marked her list on Mia done on its first day, with Acme's task on it. Acme's task, still
    # overdue, is not listed again; Globex's, which reaches the step two days later, opens a new list.
    closed = own_task(hana_list(TODAY), completed=True, values={"Status": "Completed"})
    own = [no_sponsor_overdue("acme", 8), no_sponsor_overdue("globex", 5), closed]
    assert "escalation" not in by_rule(
        plan(org(users=LADDER_USERS, alliances=NO_SPONSORS, own=own), ladder_mapping())
    )
    two_days_on = org(users=LADDER_USERS, alliances=NO_SPONSORS, own=own, today=TODAY + timedelta(days=2))
    [new] = by_rule(plan(two_days_on, ladder_mapping()))["escalation"]
    assert new.key == hana_list(TODAY + timedelta(days=2))
    assert new.subject.endswith("Appoint an executive sponsor for Globex Inc")
    # A list sponsorsync closed (nothing was left on it) is no bar: a task overdue again is listed anew.
    result = plan(org(users=LADDER_USERS, alliances=NO_SPONSORS, own=[no_sponsor_overdue("acme", 8),
                                                                     own_task(hana_list(TODAY - timedelta(days=20)))]),
                  ladder_mapping(), closed_by_us=frozenset({hana_list(TODAY - timedelta(days=20))}))  # fmt: skip
    assert [t.key for t in by_rule(result)["escalation"]] == [hana_list(TODAY)]


def test_tasks_that_joined_a_list_before_its_person_completed_it_do_not_come_back() -> None:
    # Hana's list opened on day 0 with Acme's task; Globex's joined on day 2; Hana completed the list
    # on day 3 (the CRM's completion date). Day 4: both still overdue, nothing comes back to her. Day 6:
    # Initech's task reaches the step, after she completed the list: a new list, with it alone.
    alliances = [*NO_SPONSORS, alliance("initech", sponsor=None)]
    completed = own_task(hana_list(TODAY), completed=True,
                         values={"Status": "Completed", "ActivityDate": (TODAY + timedelta(days=7)).isoformat(),
                                 "CompletedDateTime": f"{TODAY + timedelta(days=3)}T16:20:00.000+0000"})  # fmt: skip
    own = [
        no_sponsor_overdue("acme", 8),
        no_sponsor_overdue("globex", 5),
        no_sponsor_overdue("initech", 1),
        completed,
    ]
    day4 = org(users=LADDER_USERS, alliances=alliances, own=own, today=TODAY + timedelta(days=4))
    assert "escalation" not in by_rule(plan(day4, ladder_mapping()))
    day6 = org(users=LADDER_USERS, alliances=alliances, own=own, today=TODAY + timedelta(days=6))
    [new] = by_rule(plan(day6, ladder_mapping()))["escalation"]
    assert new.key == hana_list(TODAY + timedelta(days=6))
    assert new.subject.endswith("Appoint an executive sponsor for Initech Inc")


def test_an_escalation_of_an_earlier_version_stays_until_its_task_closes_and_is_not_listed_again() -> None:
    # Before the lists, Hana got one escalation per overdue task; she has the one about Acme's. After
    # the upgrade it stays as it is (no close, no note, no rewrite) and Acme's task is not put on a
    # list too; Globex's, overdue since, is on her new list alone. When Acme's task is done, its
    # escalation closes with it, as escalations always did.
    old = own_task(make_key("escalation", "acme", "1:no_sponsor:e1"))
    own = [no_sponsor_overdue("acme", 9), no_sponsor_overdue("globex", 8), old]
    result = plan(org(users=LADDER_USERS, alliances=NO_SPONSORS, own=own), ladder_mapping())
    assert result.closures == []
    [listed] = by_rule(result)["escalation"]
    assert listed.key == hana_list(TODAY)
    assert listed.subject.endswith("Appoint an executive sponsor for Globex Inc")
    acme_done = replace(own[0], completed=True, crm_values={**own[0].crm_values, "Status": "Completed"})
    later = plan(
        org(users=LADDER_USERS, alliances=NO_SPONSORS, own=[acme_done, own[1], old]), ladder_mapping()
    )
    assert [(c.key, c.outcome, c.reason) for c in later.closures] == [
        (old.sync_key, "done", "the overdue task was completed")
    ]


# -- 7. people --------------------------------------------------------------------------------------
def test_no_task_asks_the_sponsor_to_act_towards_themselves() -> None:
    memory = {"acme": Memory("manager", "jane_roe", TODAY - timedelta(days=200))}
    users = [person("manager", "Mia Manager", seniority="vp")]
    result = plan(
        org(users=users, alliances=[alliance(sponsor="manager")], memory=memory), salesforce_mapping()
    )
    assert "sponsor_update" not in by_rule(result)
    assert any("the alliance manager is the sponsor" in n for n in result.views["acme"].notes)


def test_a_task_about_the_sponsor_goes_to_the_managers_manager_when_the_manager_sponsors() -> None:
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=200))}
    users = [
        replace(person("manager", "Mia Manager", seniority="vp"), manager_id="head"),
        person("head", "Hana Head", seniority="vp"),
    ]
    result = plan(org(users=users, alliances=[alliance(sponsor="manager")], memory=memory), ladder_mapping())
    kickoff = by_rule(result)["new_sponsor"][0]
    assert kickoff.owner_id == "head"


def test_intake_limit_holds_back_the_least_urgent_new_tasks() -> None:
    alliances = [alliance(f"a{i:02d}", sponsor=None) for i in range(8)]
    result = plan(org(users=SPONSORS, alliances=alliances, contacts=contacts_for(8)), salesforce_mapping())
    assert len([t for t in result.tasks if t.owner_id == "manager"]) == 5
    assert len(result.held_back) == 3
    assert all(t.key not in {k.key for k in result.tasks} for t in result.held_back)


# -- wording ----------------------------------------------------------------------------------------
def test_sponsor_facing_text_has_no_scores_or_internal_vocabulary() -> None:
    contacts = [contact("jane_roe", title="CTO")]
    result = plan(org(contacts=contacts, touches=[touch("ceo", "jane_roe", 50)]), salesforce_mapping())
    task = by_rule(result)["executive_touch"][0]
    for internal in ("score", "c_suite", "seniority", "at or above", "You last met"):
        assert internal not in task.body
        assert internal not in task.subject


def test_a_name_ending_in_a_full_stop_gives_no_double_full_stop() -> None:
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=400))}
    named = alliance()
    named = type(named)(named.id, "Acme Inc.", named.tier, named.owner_id, named.sponsor_id, {})
    result = plan(
        org(alliances=[named], memory=memory, touches=[touch("ceo", "jane_roe", 120)]), salesforce_mapping()
    )
    for task in result.tasks:
        assert ".." not in task.body
        assert ".." not in task.subject


def test_an_admin_template_and_the_german_wording() -> None:
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=400))}
    custom = mapping_with({
        "cadence:\n": "templates:\n  language: de\n  overrides:\n    executive_touch:\n"
                      "      subject: 'Bitte {{ counterpart }} anrufen ({{ alliance }})'\ncadence:\n",
    })  # fmt: skip
    result = plan(org(memory=memory, touches=[touch("ceo", "jane_roe", 60)]), custom)
    tasks = by_rule(result)
    assert tasks["executive_touch"][0].subject == "Bitte Jane Roe anrufen (Acme Inc)"
    assert tasks["executive_touch"][0].body.startswith("Ihr letztes erfasstes Meeting")
    assert result.accounts[0].health_reason.startswith("letzter Kontakt mit Jane Roe am")


def test_a_newly_appointed_sponsor_gets_a_briefing_not_an_overdue_update_or_an_inactivity_alert() -> None:
    # The manager reads one coherent picture: brief Ava now; her first update comes on its schedule.
    memory = {"acme": Memory("cto", "jane_roe", TODAY - timedelta(days=300))}
    users = [*SPONSORS, person("cto", "Marcus Reid", seniority="c_suite")]
    for later in range(30):
        today = TODAY + timedelta(days=later)
        seen = memory if later == 0 else {"acme": Memory("ceo", "jane_roe", TODAY)}
        result = plan(org(users=users, memory=seen, today=today), salesforce_mapping())
        rules = {t.rule for t in result.tasks if t.owner_id == "manager"}
        assert "sponsor_inactive" not in rules
        assert all(t.due >= today for t in result.tasks if t.rule == "sponsor_update")
        if later == 0:
            assert "new_sponsor" in rules


def test_a_better_fit_the_sponsor_has_not_met_is_suggested_in_the_touch_task_not_forced() -> None:
    users = [person("cto", "Marcus Reid", seniority="c_suite", function="technology"), SPONSORS[1]]
    contacts = [contact("vp_sales", seniority="vp", function="sales", title="VP Sales"),
                contact("their_cto", seniority="c_suite", function="technology", title="CTO")]  # fmt: skip
    memory = {"acme": Memory("cto", "vp_sales", TODAY - timedelta(days=400))}
    regular = touch("cto", "vp_sales", 40, count_365=6)  # monthly for half a year, last 40 days ago
    result = plan(org(users=users, alliances=[alliance(sponsor="cto")], contacts=contacts, memory=memory,
                      touches=[regular]), salesforce_mapping())  # fmt: skip
    task = by_rule(result)["executive_touch"][0]
    assert task.subject == "Connect with Vp Sales, VP Sales at Acme Inc"  # the relationship is kept
    assert "Their Cto (CTO) may be a closer match for your role: worth an introduction." in task.body


def test_the_counterpart_does_not_switch_the_day_a_habit_lapses() -> None:
    """Ava met Jane Roe five times this year, the last 40 days ago; Sam, the partner's SVP Sales,
    once, months ago: Sam Ceo, the partner's CEO and so a better fit on paper for her. Over the ten
    days in which her 45-day habit with Jane lapses, Ava's touch task is one task: "Connect with
    Jane Roe", with the same due date, never closed as "the counterpart is now Sam" and replaced by
    a task about someone she met once."""
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=400))}
    contacts = [
        contact("jane_roe", title="CTO"),
        contact("sam_ceo", function="general_management", title="CEO"),
    ]
    touches = [touch("ceo", "jane_roe", 40, count_365=5), touch("ceo", "sam_ceo", 200, count_365=1)]
    seen: dict[str, set[tuple[str, date]]] = {}
    in_crm: dict[str, OwnTask] = {}
    for later in range(10):
        today = TODAY + timedelta(days=later)
        model = org(memory=memory, contacts=contacts, touches=touches, today=today, own=list(in_crm.values()))
        result = plan(model, salesforce_mapping())
        assert result.views["acme"].counterpart is not None
        assert result.views["acme"].counterpart.contact.id == "jane_roe"
        for task in by_rule(result).get("executive_touch", []):
            seen.setdefault(task.key, set()).add((task.subject, task.due))
            in_crm.setdefault(task.key, own_task(task.key, values={"ActivityDate": task.due.isoformat()}))
    assert len(seen) == 1, seen
    (variants,) = seen.values()
    due = TODAY - timedelta(days=40) + timedelta(days=45)  # the last touch plus the tier's interval
    assert variants == {("Connect with Jane Roe, CTO at Acme Inc", due)}


def test_with_no_partner_executive_the_candidate_list_says_how_it_was_ranked() -> None:
    users = [person("ceo", "Ava Chen", seniority="c_suite"), SPONSORS[1]]
    result = plan(org(users=users, alliances=[alliance(sponsor=None)], contacts=[]), salesforce_mapping())
    body = by_rule(result)["no_sponsor"][0].body
    assert "No partner executive is on record yet" in body
    assert "1. Ava Chen" in body


def test_first_run_briefs_a_sponsor_the_crm_history_shows_as_appointed_recently() -> None:
    # The history says Ava was named sponsor of Acme eight days ago; Globex's sponsor has no recent
    # change on record. The first run briefs Ava's manager about Acme only, dated from the history.
    appointed = TODAY - timedelta(days=8)
    setting = org(users=SPONSORS, alliances=[alliance("acme"), alliance("globex")],
                  contacts=[contact("jane_roe"), contact("g_cto", "globex")])  # fmt: skip
    setting.appointed = {"acme": appointed}
    result = plan(setting, salesforce_mapping())
    [kickoff] = by_rule(result)["new_sponsor"]
    assert kickoff.alliance_id == "acme"
    assert f"on {appointed.isoformat()}" in kickoff.body
    assert result.memory["acme"].seen_on == appointed  # the next day reads the same date: no rewrite
    assert result.memory["globex"].seen_on == TODAY
    # The next day, from memory: the same briefing, word for word.
    later = org(users=SPONSORS, alliances=[alliance("acme"), alliance("globex")],
                contacts=[contact("jane_roe"), contact("g_cto", "globex")], memory=result.memory,
                today=TODAY + timedelta(days=1), own=[own_task(kickoff.key)])  # fmt: skip
    assert [t.body for t in by_rule(plan(later, salesforce_mapping()))["new_sponsor"]] == [kickoff.body]


def test_a_task_about_the_sponsor_never_climbs_the_ladder_to_the_sponsor() -> None:
    # "Check in with Ava about Acme", two weeks overdue: Mia's manager Hana hears of it; Ava, whom it
    # is about, never gets "follow up with Mia about checking in with you".
    key = make_key("sponsor_inactive", "acme", "ceo:jane_roe:never")
    values = {"ActivityDate": (TODAY - timedelta(days=20)).isoformat(), "OwnerId": "manager",
              "Subject": "Check in with Ava Chen about Acme Inc"}  # fmt: skip
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=400))}
    result = plan(
        org(users=LADDER_USERS, memory=memory, own=[own_task(key, values=values)]), ladder_mapping()
    )
    escalated = [t for t in by_rule(result).get("escalation", []) if "Check in with" in t.subject]
    assert [t.owner_id for t in escalated] == ["head"]


def test_an_overdue_update_reaching_its_sponsor_is_worded_to_them() -> None:
    # Mia's update to Ava, a week overdue: Mia's manager Hana gets "Overdue since ...: Send Ava Chen the
    # Acme Inc sponsor update ..." (step 1); two weeks overdue, Ava herself hears of it, worded to her:
    # "Your Acme Inc sponsor update from Mia Manager is overdue", never "Send Ava Chen the update".
    # (Ava has been the sponsor since the schedule put this update's deadline on Wednesday 2 December.)
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=196))}
    setting = org(users=LADDER_USERS, memory=memory, touches=[touch("ceo", "jane_roe", 1)])
    first = by_rule(plan(setting, ladder_mapping()))["sponsor_update"][0]
    assert first.due == TODAY + timedelta(days=3)  # its deadline, Wednesday 2 December
    values = {"ActivityDate": first.due.isoformat(), "OwnerId": "manager", "Subject": first.subject}
    late = own_task(first.key, values=values)
    later = org(users=LADDER_USERS, memory=memory, touches=[touch("ceo", "jane_roe", 1)],
                today=first.due + timedelta(days=14), own=[late])  # fmt: skip
    steps = {t.owner_id: t for t in by_rule(plan(later, ladder_mapping()))["escalation"]}
    assert set(steps) == {"head", "ceo"}
    assert steps["head"].subject == f"Overdue since {first.due.isoformat()}: {first.subject}"
    assert steps["ceo"].subject == (
        f"Your Acme Inc sponsor update from Mia Manager is overdue (due {first.due.isoformat()})"
    )
    assert steps["ceo"].body.startswith(
        f"Mia Manager was to send you the Acme Inc sponsor update by {first.due}"
    )
    assert "Ava Chen" not in steps["ceo"].subject + steps["ceo"].body


def test_a_sponsors_list_words_their_own_update_to_them_beside_the_other_tasks() -> None:
    # Two weeks overdue, Mia's update to Ava and Mia's "Identify a partner executive" reach Ava, the
    # sponsor (step 2). One list: the update is "your Acme Inc sponsor update", the other is named.
    memory = {
        "acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=196))
    }  # update due Wednesday 2 December
    setting = org(users=LADDER_USERS, memory=memory, touches=[touch("ceo", "jane_roe", 1)])
    first = by_rule(plan(setting, ladder_mapping()))["sponsor_update"][0]
    assert first.due == TODAY + timedelta(days=3)  # its deadline, Wednesday 2 December
    today = first.due + timedelta(days=14)
    late = own_task(first.key, values={"ActivityDate": first.due.isoformat(), "OwnerId": "manager",
                                       "Subject": first.subject})  # fmt: skip
    finder = own_task(make_key("no_partner_executive", "acme", "e1"),
                      values={"ActivityDate": (first.due - timedelta(days=1)).isoformat(), "OwnerId": "manager",
                              "Subject": "Identify a partner executive at Acme Inc"})  # fmt: skip
    later = org(users=LADDER_USERS, memory=memory, touches=[touch("ceo", "jane_roe", 1)], today=today,
                contacts=[], own=[late, finder])  # fmt: skip
    lists = {t.owner_id: t for t in by_rule(plan(later, ladder_mapping()))["escalation"]}
    assert lists["ceo"].subject == "Follow up with Mia Manager: 2 overdue tasks"
    assert lists["ceo"].body.splitlines()[1:3] == [
        f'- "Identify a partner executive at Acme Inc" (Acme Inc), due {first.due - timedelta(days=1)}',
        f"- your Acme Inc sponsor update, due {first.due}",
    ]
    assert "Ava Chen" not in lists["ceo"].subject + lists["ceo"].body


def test_a_written_update_is_shown_as_its_reader_has_it_not_as_it_would_be_written_today() -> None:
    # Mia's update was written a week ago with that day's figures; the CRM keeps that draft (she may be
    # editing it). Today's plan, `sync plan --owner` and `sync explain` show the CRM's text, not a
    # brief re-rendered with today's figures that nobody will ever see.
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=200))}
    setting = org(users=LADDER_USERS, memory=memory, touches=[touch("ceo", "jane_roe", 1)])
    first = by_rule(plan(setting, ladder_mapping()))["sponsor_update"][0]
    draft = "Draft update for Ava Chen on Acme Inc, as of last week.\nHealth: green (edited by Mia)."
    written = own_task(first.key, values={"ActivityDate": first.due.isoformat(), "OwnerId": "manager",
                                          "Subject": first.subject, "Description": draft})  # fmt: skip
    later = org(users=LADDER_USERS, memory=memory, touches=[touch("ceo", "jane_roe", 1)],
                today=TODAY + timedelta(days=1), own=[written])  # fmt: skip
    [update] = by_rule(plan(later, ladder_mapping()))["sponsor_update"]
    assert update.key == first.key
    assert update.body == draft


def test_the_first_update_of_a_new_sponsor_covers_only_their_time() -> None:
    appointed = TODAY - timedelta(days=8)
    for later in range(30):
        # Seen appointed: sponsorsync wrote Ava's briefing.
        briefing = own_task(make_key("new_sponsor", "acme", "ceo"))
        setting = org(users=SPONSORS, today=appointed + timedelta(days=later), own=[briefing])
        setting.memory = {"acme": Memory("ceo", "jane_roe", appointed)}
        updates = by_rule(plan(setting, salesforce_mapping())).get("sponsor_update", [])
        if updates:
            assert f"Acme Inc since {appointed.isoformat()}," in updates[0].body
            return
    raise AssertionError("no first update within the first period")


def test_an_escalation_closes_saying_the_overdue_task_is_closed_when_this_run_closes_it() -> None:
    # The update Mia never sent is closed as missed today; its escalation says why it goes too.
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=200))}
    setting = org(users=LADDER_USERS, memory=memory, touches=[touch("ceo", "jane_roe", 1)])
    first = by_rule(plan(setting, ladder_mapping()))["sponsor_update"][0]
    missed = own_task(first.key, values={"ActivityDate": first.due.isoformat(), "OwnerId": "manager"})
    escalation = own_task(make_key("escalation", "acme", f"1:sponsor_update:{first.key.split(':', 3)[3]}"))
    later = org(users=LADDER_USERS, memory=memory, touches=[touch("ceo", "jane_roe", 1)],
                today=first.due + timedelta(days=30), own=[missed, escalation])  # fmt: skip
    closures = {c.key: (c.outcome, c.reason) for c in plan(later, ladder_mapping()).closures}
    assert closures[first.key][0] == "missed"
    # Ava reads that the update was not done, not "closed or no longer needed", which could mean sent.
    assert closures[escalation.sync_key] == ("not_needed", "the overdue task was not done in time (missed)")


def test_an_escalation_closes_as_done_when_this_run_finds_what_the_overdue_task_asked_for() -> None:
    # Hana was told Mia's "Appoint an executive sponsor" is overdue. Today a sponsor is on record, so
    # the overdue task closes as done (appointed), and Hana's follow-up task with it, saying so.
    key, held = overdue_task(9)
    escalation = own_task(make_key("escalation", "acme", "1:no_sponsor:e1"))
    result = plan(org(users=LADDER_USERS, own=[held, escalation]), ladder_mapping())
    closures = {c.key: (c.outcome, c.reason) for c in result.closures}
    assert closures[key] == ("done", "Ava Chen is now the executive sponsor")
    assert closures[escalation.sync_key] == ("done", "what the overdue task asked for happened")


def test_a_long_standing_sponsors_update_covers_the_whole_period() -> None:
    memory = {"acme": Memory("ceo", "jane_roe", TODAY)}  # first seen today, sponsor all along
    for later in range(30):
        setting = org(today=TODAY + timedelta(days=later), memory=memory)
        updates = by_rule(plan(setting, salesforce_mapping())).get("sponsor_update", [])
        if updates:
            start = date.fromisoformat(updates[0].body.split("Acme Inc since ", 1)[1][:10])
            assert (updates[0].due - start).days == 30
            return
    raise AssertionError("no update within the first period")


def test_the_german_touch_task_names_whom_the_sponsor_last_met_and_when_they_met_the_counterpart() -> None:
    # Ava meets Jane Roe regularly; her latest call at Acme was with Sam, 40 days ago. The German
    # wording says both, as the English one does.
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=400))}
    german = mapping_with({"cadence:\n": "templates:\n  language: de\ncadence:\n"})
    contacts = [contact("jane_roe"), contact("sam_svp", seniority="evp", function="sales")]
    touches = [touch("ceo", "jane_roe", 44, count_365=3), touch("ceo", "sam_svp", 40, count_365=1)]
    result = plan(org(memory=memory, contacts=contacts, touches=touches), german)
    [task] = by_rule(result)["executive_touch"]
    last, jane = ((TODAY - timedelta(days=d)).isoformat() for d in (40, 44))
    assert task.body.startswith(
        f"Ihr letztes erfasstes Meeting, Telefonat oder E-Mail bei Acme Inc war mit Sam Svp am {last}; "
        f"mit Jane Roe am {jane}."
    )
