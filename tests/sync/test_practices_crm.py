"""The sponsorship practices (issue 13) end to end on both CRMs, real SDKs over HTTPS against the
sandbox, on the known-answers org (tests/support/orgs.py: Acme is strategic, sponsored by Marcus,
managed by Mia). What the people should see, written before the runs:

- Escalation: the partner escalates a case (Salesforce IsEscalated, HubSpot ticket priority HIGH)
  on Acme. The next run gives Marcus one high-priority task "Escalation at Acme Corporation: ...",
  due two days later (sponsor_sla_days). Ignored for a week past its due date, it reaches Marcus's
  manager Ava (owner_manager step). When the case is closed, the next run closes Marcus's task as not
  needed, saying the case was closed, and Ava's step with it; nothing is marked completed.
- Critical moment: a QBR with Acme six days ahead that Marcus is not on gives Marcus one task
  'Join "Acme QBR" on <day> (Acme Corporation)', due the day before; the same QBR with Marcus invited
  gives none.
- Brief: when Acme's sponsor update comes up, its body lists the open pipeline the CRM holds (count
  and amount by stage), the open escalation and the QBR, and asks Marcus to own the escalation.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from sponsorsync.connectors.timestamps import to_date
from sponsorsync.mappings.loader import default_mapping_path, load_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.brief import stage_name
from sponsorsync.sync.run import RunReport, execute
from tests.support import orgs
from tests.support.driver import DEAL_STAGES, Driver, HubSpotDriver, TaskView, driver_for
from tests.support.sandbox import Sandbox, running_sandbox
from tests.sync.test_end_to_end import labels

CRMS = ["salesforce", "hubspot"]


def qbr_org(*, with_marcus: bool) -> orgs.Org:
    org = orgs.known_answers()
    invitees = ("marcus",) if with_marcus else ()
    meeting = orgs.Activity("qbr", "meeting", "mia", "jane", "acme", -6, completed=False,
                            subject="Acme QBR", invitees=invitees)  # fmt: skip
    return replace(org, activities=[*org.activities, meeting])


class World:
    def __init__(self, box: Sandbox, home: Path, org: orgs.Org) -> None:
        self.box = box
        users = {u.key: u.email for u in org.users}
        text = default_mapping_path(box.crm).read_text()  # type: ignore[arg-type]
        anchor = "\nroster:\n"
        assert anchor in text
        managers = f"{{{users['mia']}: {users['tom']}, {users['marcus']}: {users['ava']}}}"
        text = text.replace(anchor, f"{anchor}  managers: {managers}\n", 1)
        (home / "mapping.yaml").write_text(text)
        self.settings = box.settings(MAPPING=str(home / "mapping.yaml"))
        self.mapping: Mapping = load_mapping(self.settings.mapping)
        self.crm: Driver = driver_for(box, labels(org))

    def sync(self, days_later: int = 0) -> RunReport:
        if days_later:
            self.box.admin.advance_clock(days=days_later)
        report = execute(self.settings, self.mapping, mode="run")
        assert report.exit_code == 0
        return report

    def user(self, label: str) -> str:
        return self.crm.id_of("user", label)

    def tasks(self, rule: str) -> list[TaskView]:
        return sorted((t for t in self.crm.tasks().values() if t.rule == rule), key=lambda t: t.key)


@pytest.fixture(params=CRMS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    org = qbr_org(with_marcus=False)
    with running_sandbox(request.param, tmp_path / "sandbox", data=orgs.render(request.param, org)) as box:
        yield World(box, tmp_path, org)


def test_an_escalated_case_reaches_the_sponsor_within_the_sla_climbs_when_ignored_and_closes_with_it(
    world: World,
) -> None:
    world.sync()  # the baseline
    case = world.crm.create_case("Data sync outage at Acme", account="acme", escalated=True)
    report = world.sync(days_later=1)
    [task] = world.tasks("partner_escalation")
    assert task.owner_id == world.user("marcus")
    assert task.subject == "Escalation at Acme Corporation: Data sync outage at Acme"
    assert to_date(task.due or "") == report.today + timedelta(days=2)
    assert f"{case}" in task.body
    assert not task.done
    if isinstance(world.crm, HubSpotDriver):  # shown on the ticket too (Salesforce: one WhatId, the account)
        assert world.crm.associated(task.id, "tickets") == [case]

    # Nobody acts: a week past its due date it reaches Marcus's manager, Ava.
    world.sync(days_later=9)
    steps = [t for t in world.tasks("escalation") if "Data sync outage" in t.subject]
    assert [t.owner_id for t in steps] == [world.user("ava")]

    world.crm.close_case(case)
    closed = world.sync(days_later=1)
    [task] = world.tasks("partner_escalation")
    assert task.done
    assert task.status != world.mapping.writeback.task.values.status_completed
    closed_on = (closed.today - timedelta(days=1)).isoformat()  # closed the day before the run
    label = "ticket" if world.box.crm == "hubspot" else "case"
    assert f'the escalated {label} "Data sync outage at Acme" was closed on {closed_on}' in html.unescape(
        task.body
    )
    [step] = [t for t in world.tasks("escalation") if "Data sync outage" in t.subject]
    assert step.done
    assert step.status != world.mapping.writeback.task.values.status_completed


@pytest.mark.parametrize("crm", CRMS)
@pytest.mark.parametrize("with_marcus", [False, True], ids=["sponsor-not-invited", "sponsor-invited"])
def test_a_qbr_next_week_asks_the_sponsor_to_join_unless_invited(
    crm: str, with_marcus: bool, tmp_path: Path
) -> None:
    org = qbr_org(with_marcus=with_marcus)
    with running_sandbox(crm, tmp_path / "sandbox", data=orgs.render(crm, org)) as box:
        world = World(box, tmp_path, org)
        report = world.sync()
        moments = world.tasks("critical_moment")
        if with_marcus:
            assert moments == []
            return
        day = report.today + timedelta(days=6)
        [task] = moments
        assert task.owner_id == world.user("marcus")
        assert task.subject == f'Join "Acme QBR" on {day.isoformat()} (Acme Corporation)'
        # Due the last working day before the QBR (Monday to Friday): the day before, or the Friday
        # before a Sunday or Monday QBR; so the test holds whatever weekday it runs on.
        before = day - timedelta(days=1)
        while before.weekday() >= 5:
            before -= timedelta(days=1)
        assert to_date(task.due or "") == before
        assert "organised by Mia" in task.body


def test_the_brief_lists_the_pipeline_the_escalation_and_the_qbr_the_crm_holds(world: World) -> None:
    first, later = DEAL_STAGES[world.box.crm][:2]
    world.crm.create_deal("acme", "Acme platform renewal", 120_000, close_in_days=60)
    world.crm.create_deal("acme", "Acme EMEA rollout", 30_000, close_in_days=90)
    moved = world.crm.create_deal("acme", "Acme analytics", 45_000, close_in_days=90)
    world.crm.move_deal(moved, later)
    world.crm.create_case("Billing integration broken", account="acme", escalated=True)
    report = world.sync()
    qbr_day = report.today + timedelta(days=6)
    acme = world.crm.id_of("account", "acme")
    for _ in range(30):
        if any(t.account_id == acme for t in world.tasks("sponsor_update")):
            break
        report = world.sync(days_later=1)
    [brief] = [t for t in world.tasks("sponsor_update") if t.account_id == acme]
    body = html.unescape(brief.body)
    # as people see the stages in the CRM (HubSpot: "Appointment Scheduled", not appointmentscheduled)
    first, later = stage_name(first, world.mapping), stage_name(later, world.mapping)
    assert (first, later) == {
        "salesforce": ("Prospecting", "Negotiation/Review"),
        "hubspot": ("Appointment Scheduled", "Contract Sent"),
    }[world.box.crm]
    assert f"Pipeline: 3 deals, 195,000 open ({first}: 2, 150,000; {later}: 1, 45,000)" in body
    assert '"Billing integration broken" open since' in body
    # The QBR is listed while it lies within the look-ahead window of the day the brief was written.
    if report.today <= qbr_day <= report.today + timedelta(days=14):
        assert f"Coming up: Acme QBR on {qbr_day.isoformat()}." in body
    else:
        assert "Coming up" not in body
    assert 'own the escalation "Billing integration broken" with the partner' in body
    assert len(body.splitlines()) <= 12


@pytest.mark.parametrize("crm", CRMS)
def test_coverage_is_written_to_the_mapped_checkbox_and_follows_the_sponsors_touches(
    crm: str, tmp_path: Path
) -> None:
    """With `writeback.account.fields.covered` mapped, Acme is not covered (Marcus last met Jane 60
    days ago; strategic: every 45), then covered once he has met her, and an unchanged next run writes
    nothing."""
    org = orgs.known_answers()
    with running_sandbox(crm, tmp_path / "sandbox", data=orgs.render(crm, org)) as box:
        world = World(box, tmp_path, org)
        field = "Sponsor_Covered__c" if crm == "salesforce" else "sponsor_covered"
        text = (tmp_path / "mapping.yaml").read_text()
        text = text.replace(f"      # covered: {field}", f"      covered: {field}", 1)
        (tmp_path / "mapping.yaml").write_text(text)
        world.mapping = load_mapping(world.settings.mapping)
        assert world.mapping.writeback.account is not None
        assert world.mapping.writeback.account.fields.covered is not None
        acme = world.crm.id_of("account", "acme")
        world.sync()
        assert world.crm.accounts()[acme].covered is False
        world.crm.log_touch("marcus", "jane", "acme", days_ago=1)
        world.sync(days_later=1)
        assert world.crm.accounts()[acme].covered is True
        assert world.sync().writes.accounts == []


def test_a_new_sponsor_gets_a_charter_to_confirm_and_the_manager_a_briefing_carrying_it(world: World) -> None:
    """Ava replaces Marcus on Acme between two runs: Ava gets "Confirm your sponsorship charter for Acme
    Corporation" listing the strategic cadence (every 45 days, update every 30, escalations within 2
    days); Mia's briefing carries the same charter."""
    world.sync()
    assert world.tasks("charter") == []  # a sponsor in place on the first run is not new
    world.crm.appoint_sponsor("acme", "ava")
    world.sync(days_later=1)
    [charter] = world.tasks("charter")
    [briefing] = world.tasks("new_sponsor")
    assert charter.owner_id == world.user("ava")
    assert briefing.owner_id == world.user("mia")
    assert charter.subject == "Confirm your sponsorship charter for Acme Corporation"
    for body in (html.unescape(charter.body), html.unescape(briefing.body)):
        assert "at least every 45 days" in body
        assert "every 30 days" in body
        assert "within 2 days" in body


def test_a_large_deal_closing_soon_asks_the_sponsor_to_call_the_partner_executive(world: World) -> None:
    """A 400,000 deal on Acme closing in ten days (shipped threshold 250,000, look-ahead 14 days): Marcus
    gets 'Call Jane Roe before the Acme Corporation deal "Acme platform renewal" closes (<date>)'; a
    20,000 deal closing the same day gives nothing; once the deal is won, the task closes as not needed."""
    world.crm.create_deal("acme", "Acme platform renewal", 400_000, close_in_days=10)
    world.crm.create_deal("acme", "Acme pilot", 20_000, close_in_days=10)
    report = world.sync()
    deals = [t for t in world.tasks("critical_moment") if ":d:" in t.key]
    close = (report.today + timedelta(days=10)).isoformat()
    assert [(t.owner_id, t.subject) for t in deals] == [
        (
            world.user("marcus"),
            f'Call Jane Roe before the Acme Corporation deal "Acme platform renewal" closes ({close})',
        )
    ]
    # the stage as people see it in the CRM (HubSpot's API says appointmentscheduled)
    stage = {"salesforce": "Prospecting", "hubspot": "Appointment Scheduled"}[world.box.crm]
    assert f"(400,000, {stage})" in html.unescape(deals[0].body)
    deal_id = deals[0].key.split(":")[4]
    if isinstance(world.crm, HubSpotDriver):  # shown on the deal too (Salesforce: one WhatId, the account)
        assert world.crm.associated(deals[0].id, "deals") == [deal_id]
    world.crm.close_deal(deal_id, won=True)
    world.sync(days_later=1)
    [task] = [t for t in world.tasks("critical_moment") if ":d:" in t.key]
    assert task.done
    assert task.status != world.mapping.writeback.task.values.status_completed
    assert 'the deal "Acme platform renewal" closed on' in html.unescape(task.body)


def _health_log(world: World) -> dict[str, list[tuple[str, str]]]:
    from sponsorsync.sync.ledger import Ledger
    from sponsorsync.sync.store import open_state

    store = open_state(world.settings)
    try:
        return {k: [(d.isoformat(), h) for d, h in v] for k, v in Ledger(store).health_history().items()}
    finally:
        store.close()


def test_the_health_log_holds_each_alliances_health_once_and_then_only_its_changes(world: World) -> None:
    """The brief's trend reads this log: the first run records every alliance's health; a run a day
    later with nothing changed records nothing; four months with no executive touch change some
    alliances' health, and only those get a second entry, dated that run's day."""
    first = world.sync()
    logged = _health_log(world)
    assert logged
    assert all(entries == [(first.today.isoformat(), entries[0][1])] for entries in logged.values())
    world.sync(days_later=1)
    assert _health_log(world) == logged
    later = world.sync(days_later=120)
    after = _health_log(world)
    changed = {k for k, entries in after.items() if entries[-1][1] != logged[k][-1][1]}
    assert changed, "four months without a touch changes some alliance's health"
    for key, entries in after.items():
        expected = (
            [*logged[key], (later.today.isoformat(), entries[-1][1])] if key in changed else logged[key]
        )
        assert entries == expected
