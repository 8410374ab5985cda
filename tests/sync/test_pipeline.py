"""Partner deals and cases pulled like every other object, on both CRMs: after a run the model
gives each alliance the deals and cases the CRM holds (a case reached through a contact of the
alliance included), and a change made in the CRM shows after the next incremental run."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from sponsorsync.mappings.loader import load_mapping, parse_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.sandbox import orggen
from sponsorsync.sandbox.orggen_records import round_half_up
from sponsorsync.sync.mirror import Mirror, Row
from sponsorsync.sync.model import Org, build_org
from sponsorsync.sync.run import RunReport, execute
from sponsorsync.sync.store import StateStore
from tests.mappings.support import default_text
from tests.mappings.test_pipeline_sections import _without
from tests.support import orgs
from tests.support.driver import DEAL_STAGES, Driver, driver_for
from tests.support.sandbox import Sandbox, running_sandbox
from tests.sync.test_end_to_end import labels


class World:
    def __init__(self, box: Sandbox, mapping: Mapping | None = None) -> None:
        self.box = box
        self.settings = box.settings()
        self.mapping = mapping or load_mapping(None, box.crm)  # type: ignore[arg-type]
        self.crm: Driver = driver_for(box, labels(orgs.known_answers()))
        self.stages = DEAL_STAGES[box.crm]

    def sync(self) -> RunReport:
        report = execute(self.settings, self.mapping, mode="run")
        assert report.exit_code == 0, report
        return report

    def org(self, report: RunReport) -> Org:
        store = StateStore(self.settings.state_dir)
        try:
            return build_org(Mirror(store), self.mapping, report.today, {})
        finally:
            store.close()

    def account(self, label: str) -> str:
        return self.crm.id_of("account", label)


@pytest.fixture(params=["salesforce", "hubspot"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with running_sandbox(
        request.param, tmp_path / "sandbox", data=orgs.render(request.param, orgs.known_answers())
    ) as box:
        yield World(box)


def _pipeline(org: Org, alliance_id: str) -> dict[str | None, tuple[int, float]]:
    """Open deals of an alliance: stage -> (count, amount)."""
    found: dict[str | None, tuple[int, float]] = {}
    for deal in org.deals.get(alliance_id, []):
        if not deal.closed:
            count, amount = found.get(deal.stage, (0, 0.0))
            found[deal.stage] = (count + 1, amount + (deal.amount or 0.0))
    return found


def test_each_alliance_gets_the_deals_and_cases_the_crm_holds(world: World) -> None:
    crm, (first, later, _, _) = world.crm, world.stages
    crm.create_deal("acme", "Acme platform renewal", 120_000)
    crm.create_deal("acme", "Acme EMEA rollout", 30_000.5)
    moved = crm.create_deal("acme", "Acme analytics add-on", 45_000)
    crm.move_deal(moved, later)
    crm.close_deal(crm.create_deal("acme", "Acme pilot", 10_000, close_in_days=-5), won=True)
    crm.close_deal(crm.create_deal("hooli", "Hooli bundle", 8_000), won=False)
    crm.create_deal("umbrella", "Umbrella licence", 99_000)  # a customer: not an alliance
    escalated = crm.create_case("Outage at Acme", account="acme", escalated=True)
    crm.create_case("Invoice question", account="acme")
    via_contact = crm.create_case("Globex integration down", contact="luis", escalated=True)
    crm.create_case("Umbrella login", account="umbrella", escalated=True)

    report = world.sync()
    org = world.org(report)
    acme, hooli, globex = world.account("acme"), world.account("hooli"), world.account("globex")
    assert set(org.deals) == {acme, hooli}
    assert _pipeline(org, acme) == {first: (2, 150_000.5), later: (1, 45_000.0)}
    closed = [d for d in org.deals[acme] if d.closed]
    assert [(d.name, d.won, d.amount) for d in closed] == [("Acme pilot", True, 10_000.0)]
    assert closed[0].closed_on is not None
    assert closed[0].closed_on <= report.today
    assert [(d.closed, d.won) for d in org.deals[hooli]] == [(True, False)]
    assert all(d.close_date is not None for d in org.deals[acme])

    assert set(org.cases) == {acme, globex}
    open_escalations = {
        alliance: sorted(c.subject for c in found if c.escalated and not c.closed)
        for alliance, found in org.cases.items()
    }
    assert open_escalations == {acme: ["Outage at Acme"], globex: ["Globex integration down"]}
    assert [(c.id, c.contact_id) for c in org.cases[globex]] == [
        (via_contact, world.crm.id_of("contact", "luis"))
    ]
    assert Counter(c.escalated for c in org.cases[acme]) == Counter({True: 1, False: 1})
    assert all(c.opened_on == report.today and c.closed_on is None for c in org.cases[acme])
    assert report.mirror_counts["opportunities"] == 6
    assert report.mirror_counts["cases"] == 4

    # What people do in the CRM shows after the next (incremental) run.
    world.box.admin.advance_clock(seconds=2)  # later than the last pull (watermarks have whole seconds)
    crm.close_case(escalated)
    crm.close_deal(moved, won=True)
    crm.escalate_case(via_contact)
    again = world.sync()
    org = world.org(again)
    (case,) = [c for c in org.cases[acme] if c.id == escalated]
    assert (case.closed, case.closed_on) == (True, again.today)
    assert _pipeline(org, acme) == {first: (2, 150_000.5)}
    assert sorted(d.name for d in org.deals[acme] if d.won) == ["Acme analytics add-on", "Acme pilot"]
    assert [c.escalated for c in org.cases[globex]] == [True]


def test_a_deleted_deal_or_case_leaves_the_model(world: World) -> None:
    deal = world.crm.create_deal("acme", "Acme renewal", 5_000)
    case = world.crm.create_case("Acme outage", account="acme", escalated=True)
    world.sync()
    world.box.admin.advance_clock(seconds=2)  # later than the last pull (watermarks have whole seconds)
    world.crm.delete_record("deal", deal)
    world.crm.delete_record("case", case)
    world.settings = world.box.settings(SYNC__DELETION_SWEEP_HOURS="0")  # every run looks for deletions
    org = world.org(world.sync())
    assert (org.deals, org.cases) == ({}, {})


def test_a_mapping_without_the_sections_syncs_and_pulls_no_deal_or_case(world: World) -> None:
    text = _without(_without(default_text(world.box.crm), "opportunities"), "cases")  # type: ignore[arg-type]
    bare = World(world.box, parse_mapping(text, "m.yaml"))
    world.crm.create_deal("acme", "Acme renewal", 5_000)
    world.crm.create_case("Acme outage", account="acme", escalated=True)
    world.box.admin.reset_stats()
    report = bare.sync()
    org = bare.org(report)
    assert (org.deals, org.cases) == ({}, {})
    assert (report.mirror_counts["opportunities"], report.mirror_counts["cases"]) == (0, 0)
    pulled = " ".join(world.box.calls())
    assert "deals" not in pulled
    assert "tickets" not in pulled
    assert defaultdict(int, report.mirror_counts)["contacts"] > 0


def test_removing_the_sections_drops_what_they_pulled(world: World) -> None:
    world.crm.create_deal("acme", "Acme renewal", 5_000)
    world.crm.create_case("Acme outage", account="acme", escalated=True)
    first = world.sync()
    assert (first.mirror_counts["opportunities"], first.mirror_counts["cases"]) == (1, 1)
    text = _without(_without(default_text(world.box.crm), "opportunities"), "cases")  # type: ignore[arg-type]
    bare = World(world.box, parse_mapping(text, "m.yaml"))
    report = bare.sync()
    assert (report.mirror_counts["opportunities"], report.mirror_counts["cases"]) == (0, 0)
    assert (bare.org(report).deals, bare.org(report).cases) == ({}, {})


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_the_generated_org_has_a_pipeline_and_open_escalations(crm: str, tmp_path: Path) -> None:
    """The demo org: a handful of deals per strategic alliance, about one alliance in five with an
    open escalated case; the model's figures per alliance are the generated org's."""
    size = 400
    generated = orggen.generate(size)
    with running_sandbox(crm, tmp_path / "sandbox", size=size) as box:
        world = World(box)
        org = world.org(world.sync())
    names = {a.id: a.name for a in org.alliances}
    alliances = [a for a in generated.accounts if a.tier]
    by_key = {a.key: a.name for a in alliances}
    contact_account: dict[int, int | None] = {c.key: c.account for c in generated.contacts}

    def figures(deals: list[tuple[str, str, float, bool]]) -> dict[str, tuple[int, float, int]]:
        found: dict[str, tuple[int, float, int]] = {}
        for name, _, amount, closed in deals:
            count, total, done = found.get(name, (0, 0.0, 0))
            found[name] = (count + 1, total + amount, done + int(closed))
        return found

    expected = figures([(by_key[d.account], d.stage, float(d.amount), d.closed) for d in generated.deals])
    got = figures(
        [
            (names[a], d.stage or "", d.amount or 0.0, d.closed)
            for a, deals in org.deals.items()
            for d in deals
        ]
    )
    assert got == expected
    strategic = [a.name for a in alliances if a.tier == "strategic"]
    assert all(3 <= expected.get(name, (0, 0.0, 0))[0] <= 6 for name in strategic)

    def escalations(pairs: list[tuple[str, bool]]) -> Counter[str]:
        return Counter(name for name, open_escalation in pairs if open_escalation)

    def alliance_of(case: orggen.OrgCase) -> str:
        key = case.account if case.account is not None else contact_account[case.contact or -1]
        assert key is not None
        return by_key[key]

    wanted = escalations([(alliance_of(c), c.escalated and c.closed_at is None) for c in generated.cases])
    seen = escalations(
        [(names[a], c.escalated and not c.closed) for a, cases in org.cases.items() for c in cases]
    )
    assert seen == wanted
    assert len(wanted) == max(1, round_half_up(len(alliances) / 5))
    assert sum(map(len, org.cases.values())) == len(generated.cases)
    assert any(c.closed for cases in org.cases.values() for c in cases)


PARTNERS_SECTION = """  # opportunity_partners:
  #   object: OpportunityPartner
  #   watermark: SystemModstamp
  #   fields:
  #     id: Id
  #     opportunity_id: OpportunityId
  #     account_id: AccountToId
  #     role: Role
"""


def with_partners() -> Mapping:
    """The default Salesforce mapping with its commented opportunity_partners section turned on."""
    text = default_text("salesforce")
    assert PARTNERS_SECTION in text
    return parse_mapping(text.replace(PARTNERS_SECTION, PARTNERS_SECTION.replace("  # ", "  ")), "m.yaml")


def test_a_deal_naming_an_alliance_as_partner_is_in_its_pipeline_where_mapped(tmp_path: Path) -> None:
    """Salesforce OpportunityPartner: a deal on a joint customer (Umbrella) with Acme as its partner
    counts in Acme's pipeline; one on Acme naming Acme too counts once; without the section neither
    partner link counts."""
    data = orgs.render("salesforce", orgs.known_answers())
    data["Opportunity"] = [
        {"@id": "joint", "Name": "Umbrella rollout with Acme", "AccountId": "@umbrella", "StageName": "Prospecting",
         "Amount": 70_000, "CloseDate": "@today+30d"},
        {"@id": "own", "Name": "Acme renewal", "AccountId": "@acme", "StageName": "Prospecting", "Amount": 5_000,
         "CloseDate": "@today+60d"},
    ]  # fmt: skip
    data["OpportunityPartner"] = [
        {"OpportunityId": "@joint", "AccountToId": "@acme", "Role": "System Integrator", "IsPrimary": True},
        {"OpportunityId": "@joint", "AccountToId": "@hooli", "Role": "VAR/Reseller"},
        {"OpportunityId": "@own", "AccountToId": "@acme", "Role": "Consultant"},
    ]  # fmt: skip
    with running_sandbox("salesforce", tmp_path / "sandbox", data=data) as box:
        plain = World(box)
        org = plain.org(plain.sync())
        acme, hooli = plain.account("acme"), plain.account("hooli")
        assert {a: [d.name for d in deals] for a, deals in org.deals.items()} == {acme: ["Acme renewal"]}
        partnered = World(box, with_partners())
        report = partnered.sync()
        assert report.mirror_counts["opportunity_partners"] == 3
        org = partnered.org(report)
        names = {a: sorted(d.name for d in deals) for a, deals in org.deals.items()}
        assert names == {
            acme: ["Acme renewal", "Umbrella rollout with Acme"],
            hooli: ["Umbrella rollout with Acme"],
        }
        assert _pipeline(org, acme) == {"Prospecting": (2, 75_000.0)}
        assert {d.alliance_id for d in org.deals[hooli]} == {hooli}


def test_values_that_are_not_numbers_or_dates_are_left_empty(tmp_path: Path) -> None:
    """What the CRM sends is projected defensively: an amount that is no number, a date that is no
    date become empty; the model still builds."""
    store = StateStore(tmp_path / "state")
    try:
        mirror = Mirror(store)
        with store.transaction():
            mirror.write(
                "opportunities",
                "Opportunity",
                [
                    Row("o1", {"account_id": "a1", "name": "Deal", "amount": "n/a", "close_date": "tomorrow!!",
                               "closed": "true", "won": "yes", "closed_at": "2026-13-45"}),
                ],
                1,
            )  # fmt: skip
            mirror.write(
                "cases",
                "Case",
                [
                    Row(
                        "c1",
                        {"account_id": "a1", "escalated": "1", "opened_at": "yesterday!", "closed_at": ""},
                    )
                ],
                1,
            )
        (deal,) = list(mirror.opportunities_of(["a1"]))
        assert (deal["amount"], deal["close_date"], deal["closed_at"], deal["won"]) == (None, None, None, 1)
        (case,) = list(mirror.cases_of(["a1"]))
        assert (case["opened_at"], case["escalated"]) == (None, 1)
    finally:
        store.close()
