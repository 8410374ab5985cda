"""``SalesforceConnector.field_history`` on the unmodified simple-salesforce SDK, over HTTPS against
the sandbox's generated org: AccountHistory rows of the sponsor field, filtered by date and ids."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sandbox.orggen import Org
from tests.support.sandbox import Sandbox, connector, running_sandbox

QUERY = "GET /services/data/{version}/query{slash}"
QUERY_MORE = "GET /services/data/{version}/query/{locator}"
SPONSOR = "Executive_Sponsor__c"


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox("salesforce", tmp_path_factory.mktemp("sf-history"), size=50) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def fresh(box: Sandbox) -> None:
    box.admin.reset()
    box.admin.reset_stats()


def sdk(box: Sandbox) -> Any:
    """The SDK as a person at the CRM would use it (the sandbox's own session)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(box.server.ca_path)
    env = box.server.env()
    return Salesforce(
        instance_url=env["SPONSORSYNC_SALESFORCE__INSTANCE_URL"],
        session_id=env["SPONSORSYNC_SALESFORCE__ACCESS_TOKEN"],
        session=session,
    )


def org(box: Sandbox) -> Org:
    generated: Org = getattr(box.server.emulator, "generated_org")  # noqa: B009 (the protocol has no such attribute)
    return generated


def account_ids(box: Sandbox) -> dict[str, str]:
    """Account name -> id, for every account with a sponsor."""
    records = sdk(box).query_all(f"SELECT Id, Name FROM Account WHERE {SPONSOR} != null")["records"]
    return {r["Name"]: r["Id"] for r in records}


def test_recently_appointed_sponsors_come_back_with_their_dates(box: Sandbox) -> None:
    ids = account_ids(box)
    recent = {a.name: a.sponsor_since for a in org(box).accounts if a.sponsor_since is not None}
    assert recent  # some sponsors are new, most are long-standing
    assert len(recent) < len(ids)
    since = org(box).now - timedelta(days=30)
    box.admin.reset_stats()
    found = connector(box).field_history("Account", SPONSOR, list(ids.values()), since)
    assert found == {
        ids[name]: when.astimezone(UTC).replace(microsecond=0) for name, when in recent.items() if when
    }
    assert box.calls() == {QUERY: 1}


def test_a_sponsor_changed_through_the_api_comes_back(box: Sandbox) -> None:
    ids = account_ids(box)
    recent = {a.name for a in org(box).accounts if a.sponsor_since is not None}
    name, account = next((n, i) for n, i in ids.items() if n not in recent)
    user = sdk(box).query("SELECT Id FROM User WHERE IsActive = true AND Title LIKE 'Chief%' LIMIT 1")
    before = datetime.now(UTC) - timedelta(seconds=1)
    sdk(box).Account.update(account, {SPONSOR: user["records"][0]["Id"]})
    written = sdk(box).Account.get(account)["SystemModstamp"]

    found = connector(box).field_history("Account", SPONSOR, [account], before - timedelta(days=30))

    assert list(found) == [account], name
    assert found[account] == datetime.strptime(written, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_since_leaves_older_changes_out(box: Sandbox) -> None:
    ids = list(account_ids(box).values())
    client = connector(box)
    assert client.field_history("Account", SPONSOR, ids, org(box).now - timedelta(days=30))
    # the generated appointments are days old: a window starting after them finds none
    assert client.field_history("Account", SPONSOR, ids, org(box).now - timedelta(days=1)) == {}
    # a change made now is inside that window
    sdk(box).Account.update(ids[0], {SPONSOR: None})
    assert list(client.field_history("Account", SPONSOR, ids, org(box).now - timedelta(days=1))) == [ids[0]]


def test_only_the_ids_asked_about_come_back(box: Sandbox) -> None:
    ids = account_ids(box)
    recent = [ids[a.name] for a in org(box).accounts if a.sponsor_since is not None]
    others = [i for i in ids.values() if i not in recent]
    since = org(box).now - timedelta(days=30)
    client = connector(box)
    box.admin.reset_stats()
    assert client.field_history("Account", SPONSOR, others, since) == {}
    assert client.field_history("Account", SPONSOR, [], since) == {}
    assert box.calls() == {QUERY: 1}  # no call for an empty list
    # a 15-character id finds the record, and the answer keeps the id as asked
    assert list(client.field_history("Account", SPONSOR, [recent[0][:15]], since)) == [recent[0][:15]]


def many_accounts() -> dict[str, Any]:
    users = [
        {
            "@id": f"u{i}",
            "LastName": f"Exec {i}",
            "Email": f"exec{i}@northwind.example",
            "Username": f"exec{i}@northwind.example",
        }
        for i in range(2)
    ]
    accounts = [
        {"Name": f"Alliance {i}", "Type": "Partner", "Alliance_Tier__c": "Key", "Executive_Sponsor__c": "@u0"}
        for i in range(200)
    ]
    return {"User": users, "Account": accounts}  # fmt: skip


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, dict[str, datetime]]]:
    """200 alliances whose sponsor changed 11 times (2,200 history rows, more than a page of 2,000),
    and each one's latest change (the account's SystemModstamp)."""
    with running_sandbox("salesforce", tmp_path_factory.mktemp("sf-many"), data=many_accounts()) as sandbox:
        client = sdk(sandbox)
        ids = [r["Id"] for r in client.query_all("SELECT Id FROM Account")["records"]]
        users = [r["Id"] for r in client.query_all("SELECT Id FROM User WHERE Email LIKE 'exec%'")["records"]]
        for n in range(11):
            sandbox.admin.advance_clock(seconds=5)
            records = [{"attributes": {"type": "Account"}, "id": i, SPONSOR: users[(n + 1) % 2]} for i in ids]
            answer = client.restful(
                "composite/sobjects", method="PATCH", json={"allOrNone": True, "records": records}
            )
            assert all(r["success"] for r in answer)
        stamps = client.query_all("SELECT Id, SystemModstamp FROM Account")["records"]
        yield (
            sandbox,
            {r["Id"]: datetime.strptime(r["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z") for r in stamps},
        )


def test_the_latest_change_counts_across_pages(many: tuple[Sandbox, dict[str, datetime]]) -> None:
    sandbox, latest = many
    sandbox.admin.reset_stats()
    found = connector(sandbox).field_history(
        "Account", SPONSOR, list(latest), datetime.now(UTC) - timedelta(days=1)
    )
    assert found == latest
    assert sandbox.calls() == {QUERY: 1, QUERY_MORE: 1}


def test_an_expired_query_cursor_reads_the_history_again(many: tuple[Sandbox, dict[str, datetime]]) -> None:
    sandbox, latest = many
    sandbox.admin.reset_stats()
    sandbox.admin.add_faults(
        {"method": "GET", "path": "re:/query/0r8", "status": 400, "error_code": "INVALID_QUERY_LOCATOR",
         "message": "invalid query locator", "count": 1}
    )  # fmt: skip
    found = connector(sandbox).field_history(
        "Account", SPONSOR, list(latest), datetime.now(UTC) - timedelta(days=1)
    )
    assert found == latest
    assert sandbox.calls() == {QUERY: 2, QUERY_MORE: 2}


def test_a_field_without_history_tracking_has_none(box: Sandbox) -> None:
    ids = list(account_ids(box).values())
    sdk(box).Account.update(ids[0], {"Sponsor_Health__c": "Red"})  # not a tracked field
    assert (
        connector(box).field_history("Account", "Sponsor_Health__c", ids, org(box).now - timedelta(days=30))
        == {}
    )


def test_a_history_object_the_user_cannot_see_gives_nothing_and_one_warning(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The org has no ContactHistory (400 INVALID_TYPE, as for a user without access): no failure."""
    contact = sdk(box).query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    box.admin.reset_stats()
    with caplog.at_level(logging.WARNING, logger="sponsorsync.connectors.salesforce"):
        found = connector(box).field_history("Contact", "Title", [contact], org(box).now - timedelta(days=30))
    assert found == {}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "field history is unavailable" in warnings[0].getMessage()
    assert "ContactHistory" in warnings[0].getMessage()
    assert box.calls() == {QUERY: 1}


@pytest.mark.parametrize(
    ("object_name", "field"), [("Account", "Name' OR Field != '"), ("Account History", "Name")]
)
def test_a_name_that_is_not_an_api_name_is_a_config_error(box: Sandbox, object_name: str, field: str) -> None:
    with pytest.raises(ConfigError, match="is not a Salesforce API name"):
        connector(box).field_history(object_name, field, ["001Nw000000GmaCIAS"], datetime.now(UTC))
    assert box.calls() == {}
