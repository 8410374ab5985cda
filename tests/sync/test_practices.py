"""The practices of good sponsorship (issue 13) as specifications on the pure planner: an escalated
partner case reaches the sponsor within the SLA and climbs the ladder when ignored, a QBR without
the sponsor asks them to join, a large deal closing asks for a call, a new sponsor confirms a
charter, and the sponsor brief carries the alliance's figures. Each expectation is what the person
reading the CRM would see, written before the code ran."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sponsorsync.mappings.loader import default_mapping_path, parse_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.model import Case, Deal, Meeting, Memory, Org
from sponsorsync.sync.plan import DesiredTask, Plan, make_key, plan
from tests.sync.builders import TODAY, contact, org, own_task, person, salesforce_mapping, touch

ESTABLISHED = {"acme": Memory("ceo", "jane_roe", TODAY - timedelta(days=200))}
USERS = [
    replace(person("ceo", "Ava Chen", seniority="c_suite"), manager_id="chair"),
    person("manager", "Mia Manager", seniority="manager"),
    person("chair", "Carl Chair", seniority="c_suite"),
]


def tasks_of(result: Plan, rule: str) -> list[DesiredTask]:
    return [t for t in result.tasks if t.rule == rule]


def escalated_case(**changes: object) -> Case:
    case = Case("500A", "acme", "Outage in the EU region", escalated=True, closed=False,
                opened_on=TODAY - timedelta(days=1), priority="High", owner_id="manager")  # fmt: skip
    return replace(case, **changes)  # type: ignore[arg-type]


def setting(*, cases: list[Case] | None = None, meetings: list[Meeting] | None = None,
            deals: list[Deal] | None = None, today: date = TODAY, own: list[object] | None = None,
            memory: dict[str, Memory] | None = None) -> Org:  # fmt: skip
    found = org(users=USERS, memory=ESTABLISHED if memory is None else memory, today=today,
                touches=[touch("ceo", "jane_roe", 5)], own=own or [])  # type: ignore[arg-type]  # fmt: skip
    found.cases = {"acme": cases or []}
    found.meetings = {"acme": meetings or []}
    found.deals = {"acme": deals or []}
    return found


def mapping_with(replacements: dict[str, str]) -> Mapping:
    text = default_mapping_path("salesforce").read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return parse_mapping(text, "test.yaml")


# -- fast escalation ------------------------------------------------------------------------------
def test_an_escalated_case_gives_the_sponsor_a_high_priority_task_due_within_the_sla() -> None:
    [task] = tasks_of(plan(setting(cases=[escalated_case()]), salesforce_mapping()), "partner_escalation")
    assert task.owner_id == "ceo"
    assert task.priority == "high"
    assert task.due == TODAY + timedelta(days=2)  # cadence.escalation.sponsor_sla_days, default 2
    assert task.subject == "Escalation at Acme Inc: Outage in the EU region"
    assert "case 500A, priority High, opened on 2026-11-28" in task.body
    assert "within 2 days" in task.body


def test_with_no_active_sponsor_the_manager_gets_the_escalation_without_being_called_the_sponsor() -> None:
    found = setting(cases=[escalated_case()])
    found.alliances = [replace(found.alliances[0], sponsor_id=None)]
    [task] = tasks_of(plan(found, salesforce_mapping()), "partner_escalation")
    assert task.owner_id == "manager"
    assert "As the executive sponsor" not in task.body
    assert "Acme Inc has no active executive sponsor to take this to: within 2 days" in task.body


def test_a_case_that_is_not_escalated_or_already_closed_asks_nothing_of_the_sponsor() -> None:
    quiet = [escalated_case(id="500B", escalated=False), escalated_case(id="500C", closed=True)]
    assert tasks_of(plan(setting(cases=quiet), salesforce_mapping()), "partner_escalation") == []


def test_an_ignored_escalation_climbs_to_the_sponsors_manager() -> None:
    key = make_key("partner_escalation", "acme", "500A")
    held = own_task(key, values={"ActivityDate": (TODAY - timedelta(days=7)).isoformat(), "OwnerId": "ceo",
                                 "Subject": "Escalation at Acme Inc: Outage in the EU region"})  # fmt: skip
    result = plan(setting(cases=[escalated_case()], own=[held]), salesforce_mapping())
    [step] = tasks_of(result, "escalation")
    assert step.owner_id == "chair"
    assert step.subject == "Overdue since 2026-11-22: Escalation at Acme Inc: Outage in the EU region"


def test_the_sponsors_task_closes_when_the_case_closes_or_is_no_longer_escalated() -> None:
    key = make_key("partner_escalation", "acme", "500A")
    held = own_task(key, values={"ActivityDate": TODAY.isoformat()})
    closed = escalated_case(closed=True, closed_on=TODAY - timedelta(days=1))
    [closure] = plan(setting(cases=[closed], own=[held]), salesforce_mapping()).closures
    assert (closure.outcome, closure.reason) == (
        "not_needed",
        'the escalated case "Outage in the EU region" was closed on 2026-11-28',
    )
    calm = escalated_case(escalated=False)
    [closure] = plan(setting(cases=[calm], own=[held]), salesforce_mapping()).closures
    assert closure.reason == 'the case "Outage in the EU region" is no longer escalated'


# -- critical moments -----------------------------------------------------------------------------
def qbr(on_it: frozenset[str] = frozenset({"manager"}), *, days: int = 6, subject: str = "Q1 QBR") -> Meeting:
    return Meeting("00U1", "acme", subject, TODAY + timedelta(days=days), "manager", on_it)


def test_a_qbr_next_week_without_the_sponsor_asks_them_to_join_the_day_before() -> None:
    [task] = tasks_of(plan(setting(meetings=[qbr()]), salesforce_mapping()), "critical_moment")
    assert task.owner_id == "ceo"
    assert task.subject == 'Join "Q1 QBR" on 2026-12-05 (Acme Inc)'
    assert task.due == date(2026, 12, 4)
    assert "organised by Mia Manager" in task.body
    assert "ask Mia Manager to add you" in task.body


def test_with_the_sponsor_invited_or_an_ordinary_meeting_or_beyond_the_window_there_is_no_task() -> None:
    meetings = [
        qbr(frozenset({"manager", "ceo"})),
        replace(qbr(subject="Weekly pipeline sync"), id="00U2"),
        replace(qbr(days=40, subject="Executive briefing"), id="00U3"),
    ]
    assert tasks_of(plan(setting(meetings=meetings), salesforce_mapping()), "critical_moment") == []


def test_german_meeting_names_are_critical_moments_too() -> None:
    meeting = qbr(subject="Lenkungsausschuss Q1")
    assert len(tasks_of(plan(setting(meetings=[meeting]), salesforce_mapping()), "critical_moment")) == 1


def test_the_attend_task_closes_as_done_once_the_sponsor_is_invited_and_as_missed_if_it_passed() -> None:
    key = make_key("critical_moment", "acme", "m:00U1:ceo")
    held = own_task(key, values={"ActivityDate": "2026-12-04"})
    invited = plan(setting(meetings=[qbr(frozenset({"manager", "ceo"}))], own=[held]), salesforce_mapping())
    assert [(c.outcome, c.reason) for c in invited.closures] == [
        ("done", "Ava Chen is now on the invitation to Q1 QBR on 2026-12-05")
    ]
    passed = plan(
        setting(meetings=[qbr()], own=[held], today=TODAY + timedelta(days=8)), salesforce_mapping()
    )
    assert [(c.outcome, c.reason) for c in passed.closures if c.key == key] == [
        ("missed", "Q1 QBR took place on 2026-12-05 without Ava Chen on the invitation")
    ]


def test_a_large_deal_closing_soon_asks_the_sponsor_to_call_the_partner_executive() -> None:
    mapping = salesforce_mapping()  # large_deal_amount: 250000 in the shipped mapping
    big = Deal("006A", "acme", "Acme platform renewal", "Negotiation", 400_000.0, TODAY + timedelta(days=10),
               closed=False, won=False)  # fmt: skip
    small = replace(big, id="006B", amount=20_000.0)
    [task] = tasks_of(plan(setting(deals=[big, small]), mapping), "critical_moment")
    # the deal's name in quotes: deal names often start with the account's ("Acme Inc deal Acme ...")
    assert (
        task.subject == 'Call Jane Roe before the Acme Inc deal "Acme platform renewal" closes (2026-12-09)'
    )
    assert "(400,000, Negotiation)" in task.body
    assert task.due == date(2026, 12, 7)
    assert task.contact_id == "jane_roe"


def test_the_call_task_says_what_became_of_the_deal_when_it_closes() -> None:
    # Ava was asked to call Jane Roe before "Acme platform renewal" closes on 2026-12-09. What her
    # task says when sponsorsync closes it, by what became of the deal (never a vague "the situation
    # changed"): the day passed with the deal still open and the call not marked done (missed); the
    # deal slipped past the look-ahead (not needed, with the new date); the deal was won.
    key = make_key("critical_moment", "acme", "d:006A:ceo")
    held = own_task(key, values={"ActivityDate": "2026-12-07"})
    renewal = Deal("006A", "acme", "Acme platform renewal", "Negotiation", 400_000.0, date(2026, 12, 9),
                   closed=False, won=False)  # fmt: skip

    def closed(deal: Deal | None, days_later: int) -> list[tuple[str, str]]:
        later = setting(deals=[deal] if deal else [], own=[held], today=TODAY + timedelta(days=days_later))
        return [(c.outcome, c.reason) for c in plan(later, salesforce_mapping()).closures if c.key == key]

    assert closed(renewal, 11) == [
        (
            "missed",
            'the deal "Acme platform renewal" was expected to close on 2026-12-09; that day has passed',
        )
    ]
    slipped = replace(renewal, close_date=date(2027, 2, 15))
    assert closed(slipped, 1) == [
        ("not_needed", 'the deal "Acme platform renewal" is now expected to close on 2027-02-15')
    ]
    won = replace(renewal, stage="Closed Won", closed=True, won=True, closed_on=date(2026, 12, 8))
    assert closed(won, 2) == [("not_needed", 'the deal "Acme platform renewal" closed on 2026-12-08')]
    assert closed(None, 1) == [("not_needed", "the deal is no longer in the CRM")]


# -- charter --------------------------------------------------------------------------------------
def test_a_new_sponsor_gets_a_charter_to_confirm_and_the_briefing_carries_it() -> None:
    appointed = {"acme": Memory(None, None, TODAY - timedelta(days=20))}
    result = plan(setting(memory=appointed), salesforce_mapping())
    [charter] = tasks_of(result, "charter")
    [briefing] = tasks_of(result, "new_sponsor")
    assert charter.owner_id == "ceo"
    assert briefing.owner_id == "manager"
    assert charter.subject == "Confirm your sponsorship charter for Acme Inc"
    # strategic tier of the shipped mapping: touch every 45 days, update every 30, escalations in 2
    for text in (charter.body, briefing.body):
        assert "at least every 45 days" in text
        assert "every 30 days" in text
        assert "within 2 days" in text


def test_a_sponsor_in_place_on_the_first_run_gets_no_charter() -> None:
    assert tasks_of(plan(setting(memory={}), salesforce_mapping()), "charter") == []


# -- the sponsor brief ----------------------------------------------------------------------------
def brief_setting(today: date) -> Org:
    deals = [
        Deal("006A", "acme", "Platform", "Negotiation", 400_000.0, today + timedelta(days=40), False, False),
        Deal("006B", "acme", "Services", "Negotiation", 50_000.0, today + timedelta(days=60), False, False),
        Deal("006C", "acme", "Pilot", "Qualification", 20_000.0, today + timedelta(days=90), False, False),
        Deal("006D", "acme", "Expansion", "Closed Won", 75_000.0, today - timedelta(days=3), True, True),
        Deal("006E", "acme", "Old", "Closed Won", 99_000.0, today - timedelta(days=300), True, True),
    ]
    found = setting(cases=[escalated_case()], deals=deals, meetings=[qbr()], today=today)
    # red until two days ago, when a touch made it green
    found.health_history = {
        "acme": [(today - timedelta(days=100), "red"), (today - timedelta(days=2), "green")]
    }
    return found


def first_brief() -> DesiredTask:
    for later in range(31):
        updates = tasks_of(
            plan(brief_setting(TODAY + timedelta(days=later)), salesforce_mapping()), "sponsor_update"
        )
        if updates:
            return updates[0]
    raise AssertionError("no sponsor update in the first period")


def test_the_brief_carries_the_figures_of_the_alliance_in_a_dozen_lines() -> None:
    brief = first_brief()
    lines = brief.body.splitlines()
    assert len(lines) <= 12
    text = brief.body
    # open pipeline by stage, largest first; won this period only (not the deal won 300 days ago)
    assert "Pipeline: 3 deals, 470,000 open (Negotiation: 2, 450,000; Qualification: 1, 20,000)" in text
    assert "won since" in text
    assert ": 1, 75,000." in text
    assert 'Escalations: "Outage in the EU region" open since' in text
    assert "Coming up: Q1 QBR on" in text
    assert "Open alerts" not in text  # the escalation has its line; nothing is overdue
    assert (
        'The one thing we ask of Ava Chen: own the escalation "Outage in the EU region" with the partner.'
        in text
    )
    assert brief.body_once


def test_a_deal_closing_is_in_the_brief_as_a_deal_to_call_about_not_a_meeting_to_attend() -> None:
    # The sponsor reads "Coming up: deal "Acme platform renewal" closing on <date>" and is asked to
    # call Jane Roe before it closes, as the critical-moment task asks; never to "attend" a deal.
    for later in range(31):
        today = TODAY + timedelta(days=later)
        renewal = Deal("006A", "acme", "Acme platform renewal", "Negotiation", 400_000.0,
                       today + timedelta(days=5), closed=False, won=False)  # fmt: skip
        updates = tasks_of(
            plan(setting(deals=[renewal], today=today), salesforce_mapping()), "sponsor_update"
        )
        if updates:
            break
    [brief] = updates
    close = (today + timedelta(days=5)).isoformat()
    assert f'Coming up: deal "Acme platform renewal" closing on {close}.' in brief.body
    assert (
        f'The one thing we ask of Ava Chen: call Jane Roe before the deal "Acme platform renewal" closes on {close}.'
        in brief.body
    )
    assert "attend" not in brief.body


def test_the_brief_asks_a_quiet_sponsor_to_call_their_counterpart_naming_whom_they_last_met() -> None:
    quiet = setting(today=TODAY + timedelta(days=20))
    # Ava's counterpart is Jane Roe (the partner's top executive, met often); her last contact at the
    # partner was a single call with John Doe, a vice president in finance.
    quiet.touches = {("ceo", "jane_roe"): touch("ceo", "jane_roe", 200, count_365=6)}
    john = replace(
        quiet.contacts["jane_roe"], id="john_doe", name="John Doe", seniority="vp", function="finance"
    )
    quiet.contacts["john_doe"] = john
    quiet.executives["acme"].append(john)
    quiet.touches[("ceo", "john_doe")] = touch("ceo", "john_doe", 150, count_365=1)
    [brief] = tasks_of(plan(quiet, salesforce_mapping()), "sponsor_update")
    last = (TODAY - timedelta(days=150)).isoformat()
    assert f"call Jane Roe: the last executive contact was on {last}, with John Doe." in brief.body


def test_the_brief_asks_a_sponsor_with_no_partner_executive_on_record_to_name_one() -> None:
    # Acme's contacts in the CRM hold no executive. "Meet the partner's executive, your counterpart"
    # would ask the sponsor to meet nobody in particular; the one ask is to name whom to meet.
    for later in range(31):
        world = org(
            contacts=[contact("dev", seniority="individual", function="technology")],
            memory={"acme": Memory("ceo", None, TODAY - timedelta(days=400))},
            today=TODAY + timedelta(days=later),
        )
        updates = tasks_of(plan(world, salesforce_mapping()), "sponsor_update")
        if updates:
            break
    [brief] = updates
    assert brief.body.endswith(
        "The one thing we ask of Ava Chen: name the executive at the partner you should meet: none is on "
        "record yet.\nStrategic alliances get an update every 30 days."
    ), brief.body
    assert "meet the partner's executive" not in brief.body


def test_the_brief_shows_the_health_trend_since_the_period_started() -> None:
    brief = first_brief()
    start = brief.body.split("Acme Inc since ", 1)[1][:10]
    assert f"Health: green (was red on {start})" in brief.body
