"""Planning rules, as specifications: which tasks and alerts a situation produces, for whom, under
which key. Pure: no CRM, no database (see builders.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sponsorsync.sync.model import Memory, PartnerContact
from sponsorsync.sync.plan import DesiredTask, make_key, parse_key, plan
from tests.sync.builders import TODAY, alliance, contact, org, own_task, person, salesforce_mapping, touch


def rules_of(result_tasks: list[DesiredTask]) -> dict[str, DesiredTask]:
    return {t.rule: t for t in result_tasks}


def test_no_sponsor_alerts_the_manager_with_three_ranked_candidates() -> None:
    users = [
        person("ceo", "Ava Chen", seniority="c_suite", function="general_management"),
        person("cto", "Marcus Reid", seniority="c_suite", function="technology"),
        person("vp_alliances", "Kenji Watanabe", seniority="vp", function="partnerships"),
        person("vp_fin", "Sam Adeyemi", seniority="vp", function="finance"),
        person("rep", "Rita Rep", seniority="individual", function="sales"),
        person("manager", "Mia Manager", seniority="manager"),
    ]
    result = plan(org(users=users, alliances=[alliance(sponsor=None)]), salesforce_mapping())

    task = rules_of(result.tasks)["no_sponsor"]
    assert task.key == "ss1:no_sponsor:acme:e1"
    assert task.owner_id == "manager"
    assert task.priority == "high"
    assert task.subject == "Appoint an executive sponsor for Acme Inc"
    names = [c.person.name for c in result.views["acme"].candidates]
    assert names == ["Marcus Reid", "Ava Chen", "Kenji Watanabe"]  # CTO fits the partner CTO best
    for i, name in enumerate(names, 1):
        assert f"{i}. {name}" in task.body
    assert "score" not in task.body  # the arithmetic is for `sync explain`, not for the CRM
    assert "Rita Rep" not in task.body  # below the sponsor threshold
    assert result.views["acme"].health == "red"


def test_candidates_respect_capacity() -> None:
    users = [
        person("cto", "Marcus Reid", seniority="c_suite", function="technology", capacity=1),
        person("ceo", "Ava Chen", seniority="c_suite", function="general_management"),
        person("manager", "Mia Manager", seniority="manager"),
    ]
    alliances = [alliance("acme", sponsor=None), alliance("globex", sponsor="cto")]
    result = plan(org(users=users, alliances=alliances, contacts=[contact("jane_roe"), contact("g_cto", "globex")]),
                  salesforce_mapping())  # fmt: skip
    assert [c.person.id for c in result.views["acme"].candidates] == ["ceo"]  # cto is full


def test_a_sponsor_appointed_since_the_last_run_gets_a_kickoff() -> None:
    memory = {"acme": Memory("cto", "jane_roe", TODAY - timedelta(days=200))}
    users = [person("ceo", "Ava Chen", seniority="c_suite"), person("cto", "Marcus Reid", seniority="c_suite"),
             person("manager", "Mia Manager", seniority="manager")]  # fmt: skip
    result = plan(org(users=users, memory=memory), salesforce_mapping())
    tasks = rules_of(result.tasks)
    assert tasks["new_sponsor"].owner_id == "manager"
    assert tasks["new_sponsor"].subject == "Brief Ava Chen on sponsoring Acme Inc"
    assert f"on {TODAY.isoformat()}" in tasks["new_sponsor"].body
    assert "unblock issues" in tasks["new_sponsor"].body
    touch_task = tasks["executive_touch"]
    assert touch_task.owner_id == "ceo"
    assert touch_task.contact_id == "jane_roe"
    assert touch_task.subject == "Connect with Jane Roe, c_suite technology at Acme Inc"
    assert "no logged meeting, call or e-mail between you and Jane Roe" in touch_task.body
    assert touch_task.key == "ss1:executive_touch:acme:ceo:jane_roe:never"


def test_a_known_sponsor_gets_no_second_kickoff() -> None:
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=10))}
    result = plan(org(memory=memory, touches=[touch("ceo", "jane_roe", 5)]), salesforce_mapping())
    assert set(rules_of(result.tasks)) <= {"sponsor_update"}


def test_an_open_kickoff_stays_planned_while_the_sponsor_is_the_same() -> None:
    key = make_key("new_sponsor", "acme", "ceo")
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=10))}
    result = plan(
        org(memory=memory, own=[own_task(key)], touches=[touch("ceo", "jane_roe", 5)]), salesforce_mapping()
    )
    assert key in {t.key for t in result.tasks}
    assert result.closures == []


@pytest.mark.parametrize(
    ("days_ago", "expected", "due"),
    [
        (37, set(), None),
        (38, {"executive_touch"}, date(2026, 12, 4)),  # the deadline, Sunday 6 December: the Friday before
        (45, {"executive_touch"}, date(2026, 11, 30)),  # the deadline is today, a Sunday: Monday
        (46, {"executive_touch"}, date(2026, 12, 7)),  # missed: a week on is a Sunday, so the Monday
        (90, {"executive_touch"}, date(2026, 12, 7)),
        (91, {"executive_touch", "sponsor_inactive"}, date(2026, 12, 7)),
    ],
    ids=[
        "before-lead",
        "lead-days-before",
        "on-the-day",
        "one-day-late",
        "at-inactive-limit",
        "past-inactive-limit",
    ],
)
def test_touch_and_inactivity_thresholds_for_a_strategic_alliance(
    days_ago: int, expected: set[str], due: date | None
) -> None:
    assert TODAY.weekday() == 6  # a Sunday: the due dates are on working days (Monday to Friday)
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=400))}
    result = plan(org(memory=memory, touches=[touch("ceo", "jane_roe", days_ago)]), salesforce_mapping())
    assert set(rules_of(result.tasks)) - {"sponsor_update"} == expected
    if expected:
        last = (TODAY - timedelta(days=days_ago)).isoformat()
        assert (
            rules_of(result.tasks)["executive_touch"].key == f"ss1:executive_touch:acme:ceo:jane_roe:{last}"
        )
        task = rules_of(result.tasks)["executive_touch"]
        assert f"Your last logged meeting, call or e-mail with Jane Roe was on {last}." in task.body
        assert task.due == due


def test_the_touch_task_names_whom_the_sponsor_last_met_not_always_the_counterpart() -> None:
    # Ava meets Jane Roe regularly (3 touches, the last 44 days ago): Jane stays her counterpart. Her
    # latest touch with the partner, though, was a call with Sam 40 days ago: the task must not claim
    # she last spoke with Jane then.
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=400))}
    contacts = [contact("jane_roe"), contact("sam_svp", seniority="evp", function="sales")]
    touches = [touch("ceo", "jane_roe", 44, count_365=3), touch("ceo", "sam_svp", 40, count_365=1)]
    result = plan(org(memory=memory, contacts=contacts, touches=touches), salesforce_mapping())
    task = rules_of(result.tasks)["executive_touch"]
    assert task.subject.startswith("Connect with Jane Roe")
    # She reads whom she last met and when, and when she last met Jane, the one the task names.
    last, jane = ((TODAY - timedelta(days=d)).isoformat() for d in (40, 44))
    assert (
        f"Your latest logged meeting, call or e-mail at Acme Inc was with Sam Svp on {last}; "
        f"with Jane Roe, on {jane}." in task.body
    )


def test_a_sponsor_who_met_an_executive_long_ago_is_asked_to_reconnect_with_them_not_a_stranger() -> None:
    # Ava, the CEO, had one call with John Doe, Acme's finance VP, 500 days ago, and has never met
    # Jane Roe, Acme's CTO, a closer match for her role on paper. What she reads: "Connect with John
    # Doe", her last call with him and its date, and Jane suggested as worth an introduction; never
    # a task to connect with Jane that then talks about her call with John.
    contacts = [contact("jane_roe"), contact("john_doe", seniority="vp", function="finance")]
    result = plan(
        org(contacts=contacts, touches=[touch("ceo", "john_doe", 500, count_365=0)]), salesforce_mapping()
    )
    task = rules_of(result.tasks)["executive_touch"]
    assert task.subject.startswith("Connect with John Doe")
    last = (TODAY - timedelta(days=500)).isoformat()
    assert task.body.startswith(f"Your last logged meeting, call or e-mail with John Doe was on {last}.")
    assert task.body.endswith(
        "Jane Roe (c_suite technology) may be a closer match for your role: worth an introduction."
    )


def test_a_sponsor_whose_habit_lapsed_keeps_the_executive_they_know_and_the_alert_says_so() -> None:
    # Ava met Jane Roe twice this year, the last time 100 days ago (no established relationship any
    # more); the partner's CEO, a better fit on paper, she has never met. Her task is still about Jane
    # (the CEO only suggested), and Mia's alert names the alliance's silence, not a stranger.
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=400))}
    contacts = [contact("jane_roe"), contact("pat_ceo", function="general_management")]
    touches = [touch("ceo", "jane_roe", 100, count_365=2)]
    result = plan(org(memory=memory, contacts=contacts, touches=touches), salesforce_mapping())
    tasks = rules_of(result.tasks)
    last = (TODAY - timedelta(days=100)).isoformat()
    assert tasks["executive_touch"].subject.startswith("Connect with Jane Roe")
    assert f"with Jane Roe was on {last}." in tasks["executive_touch"].body
    assert "Pat Ceo" in tasks["executive_touch"].body  # suggested: worth an introduction
    assert tasks["sponsor_inactive"].body.startswith(
        f"Ava Chen has had no logged contact with an executive at Acme Inc since {last} (then with Jane Roe)"
    )


@pytest.mark.parametrize(
    ("days_ago", "health"), [(10, "green"), (50, "amber"), (91, "red")], ids=["green", "amber", "red"]
)
def test_health_follows_days_since_the_last_touch(days_ago: int, health: str) -> None:
    result = plan(org(touches=[touch("ceo", "jane_roe", days_ago)]), salesforce_mapping())
    assert result.views["acme"].health == health
    assert result.accounts[0].health == health
    assert result.accounts[0].last_touch == TODAY - timedelta(days=days_ago)


def test_only_the_sponsors_own_touches_count() -> None:
    result = plan(org(touches=[touch("manager", "jane_roe", 3)]), salesforce_mapping())
    assert result.views["acme"].last_touch is None
    assert "executive_touch" in rules_of(result.tasks)


def test_never_met_sponsor_is_inactive_only_after_the_limit_since_first_seen() -> None:
    fresh = {"acme": Memory("ceo", None, TODAY - timedelta(days=30))}
    old = {"acme": Memory("ceo", None, TODAY - timedelta(days=120))}
    assert "sponsor_inactive" not in rules_of(plan(org(memory=fresh), salesforce_mapping()).tasks)
    assert "sponsor_inactive" in rules_of(plan(org(memory=old), salesforce_mapping()).tasks)


def test_no_partner_executive_alert() -> None:
    result = plan(org(contacts=[contact("pm", seniority="manager")]), salesforce_mapping())
    task = rules_of(result.tasks)["no_partner_executive"]
    assert task.subject == "Identify a partner executive at Acme Inc"
    assert task.key == "ss1:no_partner_executive:acme:e1"
    assert result.views["acme"].counterpart is None


@pytest.mark.parametrize(
    ("old", "why"),
    [
        (contact("jane_roe", deleted=True), "was removed from the CRM"),
        (contact("jane_roe", account="globex"), "moved to another account"),
        (
            contact("jane_roe", seniority="manager", title="Product Manager"),
            "is no longer on record as an executive (title now: Product Manager)",
        ),
    ],
    ids=["deleted", "moved", "demoted"],
)
def test_counterpart_gone(old: PartnerContact, why: str) -> None:
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=100))}
    contacts = [old, contact("john_doe", function="sales")]
    result = plan(org(memory=memory, contacts=contacts), salesforce_mapping())
    task = rules_of(result.tasks)["counterpart_gone"]
    assert task.key == "ss1:counterpart_gone:acme:jane_roe"
    assert why in task.body
    assert "The next partner executive on record is John Doe." in task.body


def test_sponsor_gone_when_the_user_is_deactivated() -> None:
    users = [person("ceo", "Ava Chen", seniority="c_suite", active=False), person("cto", "Marcus Reid", seniority="c_suite", function="technology"),
             person("manager", "Mia Manager", seniority="manager")]  # fmt: skip
    result = plan(org(users=users), salesforce_mapping())
    tasks = rules_of(result.tasks)
    assert set(tasks) == {"sponsor_gone"}
    assert tasks["sponsor_gone"].subject == "Replace Ava Chen as executive sponsor of Acme Inc"
    assert "1. Marcus Reid" in tasks["sponsor_gone"].body
    assert result.views["acme"].health == "red"


def test_a_cleared_condition_closes_our_open_task_with_the_reason() -> None:
    stale = make_key("executive_touch", "acme", "ceo:jane_roe:never")
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=100))}
    result = plan(
        org(memory=memory, own=[own_task(stale)], touches=[touch("ceo", "jane_roe", 2)]), salesforce_mapping()
    )
    assert [(c.key, c.outcome, c.reason) for c in result.closures] == [
        (stale, "done", f"Ava Chen and Jane Roe connected on {(TODAY - timedelta(days=2)).isoformat()}")
    ]


def test_completed_tasks_are_never_closed_or_replanned_by_us() -> None:
    done = make_key("executive_touch", "acme", "ceo:jane_roe:never")
    result = plan(org(own=[own_task(done, completed=True)]), salesforce_mapping())
    assert result.closures == []
    # Not wanted again either: the sponsor marked it done (with no date in the CRM: today), so the
    # next touch task comes a cadence later (tests/sync/test_lifecycle.py).
    assert "executive_touch" not in {t.rule for t in result.tasks}


def test_episode_advances_only_after_we_closed_the_previous_one() -> None:
    first = make_key("no_sponsor", "acme", "e1")
    setting = org(alliances=[alliance(sponsor=None)], own=[own_task(first)])
    assert rules_of(plan(setting, salesforce_mapping()).tasks)["no_sponsor"].key == first  # still open
    closed = org(alliances=[alliance(sponsor=None)], own=[own_task(first, completed=True)])
    again = plan(closed, salesforce_mapping(), closed_by_us=frozenset({first}))
    assert rules_of(again.tasks)["no_sponsor"].key == make_key("no_sponsor", "acme", "e2")
    # Marked done by a person today (no date in the CRM), the condition still there: nothing now
    # (tests/sync/test_lifecycle.py has when it comes back).
    assert "no_sponsor" not in rules_of(plan(closed, salesforce_mapping()).tasks)


def test_sponsor_update_moves_to_the_next_period() -> None:
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=100))}
    now = plan(org(memory=memory, touches=[touch("ceo", "jane_roe", 1)]), salesforce_mapping())
    later = plan(org(memory=memory, touches=[touch("ceo", "jane_roe", 1)], today=TODAY + timedelta(days=30)),
                 salesforce_mapping())  # fmt: skip
    first, second = rules_of(now.tasks)["sponsor_update"], rules_of(later.tasks)["sponsor_update"]
    assert first.key != second.key
    assert parse_key(first.key) is not None
    deadlines = [date.fromisoformat(k.rsplit(":", 1)[1]) for k in (first.key, second.key)]
    assert (deadlines[1] - deadlines[0]).days == 30  # the schedule: one update every 30 days
    # Both deadlines already past when each run sees them: due a week on, on a working day (a week
    # from Sunday 29 November is a Sunday: the Monday; from Tuesday 29 December, a Tuesday).
    assert (first.due, second.due) == (date(2026, 12, 7), date(2027, 1, 5))


def test_planning_is_deterministic() -> None:
    setting = org(alliances=[alliance("acme"), alliance("globex", sponsor=None)])
    assert plan(setting, salesforce_mapping()).tasks == plan(setting, salesforce_mapping()).tasks


def test_counterpart_fits_function_then_relationship_breaks_ties() -> None:
    contacts = [
        contact("cfo", function="finance"),
        contact("cto_a", function="technology"),
        contact("cto_b", function="technology"),
    ]
    users = [
        person("ceo", "Marcus Reid", seniority="c_suite", function="technology"),
        person("manager", "Mia", seniority="manager"),
    ]
    result = plan(
        org(users=users, contacts=contacts, touches=[touch("ceo", "cto_b", 3, count_365=5)]),
        salesforce_mapping(),
    )
    assert result.views["acme"].counterpart is not None
    assert result.views["acme"].counterpart.contact.id == "cto_b"


def test_tasks_for_an_inactive_manager_go_to_the_sponsor() -> None:
    users = [
        person("ceo", "Ava Chen", seniority="c_suite"),
        person("manager", "Mia", seniority="manager", active=False),
    ]
    result = plan(org(users=users), salesforce_mapping())
    assert {t.owner_id for t in result.tasks} == {"ceo"}


def test_a_kickoff_the_crm_rejected_is_planned_again() -> None:
    key = make_key("new_sponsor", "acme", "ceo")
    memory = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=1))}
    setting = org(memory=memory, touches=[touch("ceo", "jane_roe", 5)])
    assert key not in {t.key for t in plan(setting, salesforce_mapping()).tasks}
    setting.pending = frozenset({key})
    assert key in {t.key for t in plan(setting, salesforce_mapping()).tasks}
