"""Deals and cases through both connectors, with the default mapping's specs, over HTTPS against
the sandbox: Salesforce Opportunity / Case, HubSpot deals / tickets with their company (and
contact) associations; full pulls, incremental pulls that bring a changed record back, deletions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sponsorsync.connectors.base import ObjectSpec
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.mappings.records import canonical_values
from sponsorsync.sync.sources import Source, sources
from tests.support import orgs
from tests.support.driver import DEAL_STAGES, Driver, driver_for
from tests.support.sandbox import Sandbox, connector, drain, running_sandbox
from tests.sync.test_end_to_end import labels
from tests.sync.test_pipeline import with_partners


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def box(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    crm = request.param
    with running_sandbox(
        crm, tmp_path_factory.mktemp(crm), data=orgs.render(crm, orgs.known_answers())
    ) as sandbox:
        yield sandbox


@pytest.fixture
def crm(box: Sandbox) -> Driver:
    box.admin.reset()
    return driver_for(box, labels(orgs.known_answers()))


def _source(box: Sandbox, kind: str) -> Source:
    (found,) = [s for s in sources(load_mapping(None, box.crm)) if s.kind == kind]  # type: ignore[arg-type]
    return found


def _values(source: Source, spec: ObjectSpec, box: Sandbox) -> dict[str, dict[str, object]]:
    records, _ = drain(connector(box).pull(spec, None, sweep_deletions=False))
    return {r.id: canonical_values(source.mapping, r.fields, r.associations) for r in records}


def test_deals_come_with_their_account_stage_amount_and_flags(box: Sandbox, crm: Driver) -> None:
    source = _source(box, "opportunities")
    first, _, _, _ = DEAL_STAGES[box.crm]
    open_id = crm.create_deal("acme", "Acme renewal", 12_500.5, close_in_days=20)
    won_id = crm.create_deal("hooli", "Hooli pilot", 3_000)
    crm.close_deal(won_id, won=True)
    found = _values(source, source.spec, box)
    assert set(found) == {open_id, won_id}
    deal = found[open_id]
    assert deal["account_id"] == crm.id_of("account", "acme")
    assert (deal["name"], deal["stage"], float(str(deal["amount"]))) == ("Acme renewal", first, 12_500.5)
    assert str(deal["closed"]).lower() == "false"
    won = found[won_id]
    assert (str(won["closed"]).lower(), str(won["won"]).lower()) == ("true", "true")
    assert won["account_id"] == crm.id_of("account", "hooli")
    assert won["close_date"]


def test_a_changed_case_comes_back_in_the_next_incremental_pull(box: Sandbox, crm: Driver) -> None:
    source = _source(box, "cases")
    quiet = crm.create_case("Invoice question", account="acme")
    loud = crm.create_case("Outage", contact="luis")
    box.admin.advance_clock(
        seconds=2
    )  # the pull starts a while after (its cursor: the CRM's clock in seconds)
    records, cursor = drain(connector(box).pull(source.spec, None, sweep_deletions=False))
    assert {r.id for r in records} == {quiet, loud}
    assert cursor is not None
    box.admin.advance_clock(seconds=2)  # a later change (watermarks have whole seconds)
    crm.escalate_case(loud)
    crm.close_case(loud)
    changed, _ = drain(connector(box).pull(source.spec, cursor, sweep_deletions=False))
    assert [r.id for r in changed] == [loud]
    values = canonical_values(source.mapping, changed[0].fields, changed[0].associations)
    assert (values["escalated"], values["closed"]) == (True, True)
    assert values["closed_at"]
    assert values["contact_id"] == crm.id_of("contact", "luis")
    assert values["account_id"] is None


def test_a_deleted_deal_and_case_are_seen(box: Sandbox, crm: Driver) -> None:
    deals, cases = _source(box, "opportunities"), _source(box, "cases")
    deal = crm.create_deal("acme", "Acme renewal", 1_000)
    case = crm.create_case("Outage", account="acme", escalated=True)
    cursors = {}
    for source in (deals, cases):
        _, cursors[source.kind] = drain(connector(box).pull(source.spec, None, sweep_deletions=False))
    box.admin.advance_clock(seconds=2)
    crm.delete_record("deal", deal)
    crm.delete_record("case", case)
    for source, gone in ((deals, deal), (cases, case)):
        seen, _ = drain(connector(box).pull(source.spec, cursors[source.kind], sweep_deletions=True))
        assert [(r.id, r.deleted) for r in seen] == [(gone, True)]


def test_opportunity_partners_are_read_only_and_pulled(tmp_path: Path) -> None:
    """Salesforce OpportunityPartner (seeded: Salesforce derives it from Partner records): the
    connector pulls it like any object; the API refuses to write it, as Salesforce does."""
    data = orgs.render("salesforce", orgs.known_answers())
    data["Opportunity"] = [
        {"@id": "joint", "Name": "Joint deal", "AccountId": "@umbrella", "StageName": "Prospecting",
         "CloseDate": "@today+30d"}
    ]  # fmt: skip
    data["OpportunityPartner"] = [
        {"@id": "link", "OpportunityId": "@joint", "AccountToId": "@acme", "Role": "Agency"}
    ]
    with running_sandbox("salesforce", tmp_path / "sf", data=data) as box:
        crm = driver_for(box, labels(orgs.known_answers()))
        (source,) = [s for s in sources(with_partners()) if s.kind == "opportunity_partners"]
        records, _ = drain(connector(box).pull(source.spec, None))
        (values,) = [canonical_values(source.mapping, r.fields) for r in records]
        assert values["account_id"] == crm.id_of("account", "acme")
        assert values["role"] == "Agency"
        assert values["opportunity_id"]
        env = box.server.env()
        refused = requests.post(
            f"{env['SPONSORSYNC_SALESFORCE__INSTANCE_URL']}/services/data/v59.0/sobjects/OpportunityPartner/",
            json={"OpportunityId": values["opportunity_id"], "AccountToId": values["account_id"]},
            headers={"Authorization": f"Bearer {env['SPONSORSYNC_SALESFORCE__ACCESS_TOKEN']}"},
            verify=str(box.server.ca_path),
            timeout=30,
        )
        assert refused.status_code == 400
        assert refused.json()[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
