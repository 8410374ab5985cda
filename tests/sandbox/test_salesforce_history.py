"""AccountHistory, Salesforce's field history of accounts (object reference: StandardObjectNameHistory),
through the unmodified simple-salesforce SDK: the org writes one row per change of a tracked field
(Executive_Sponsor__c, Alliance_Tier__c) with the write's time and user; the API only reads it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sponsorsync.sandbox.salesforce.loader import load
from sponsorsync.sandbox.salesforce.schema import ACCOUNT_HISTORY
from sponsorsync.sandbox.salesforce.values import format_datetime
from tests.sandbox import salesforce_support
from tests.sandbox.salesforce_support import Sf, content, trusting_session

salesforce_session, sf = salesforce_support.salesforce_session, salesforce_support.sf  # the fixtures

FIELDS = "AccountId, Field, DataType, OldValue, NewValue, CreatedById, CreatedDate, IsDeleted"


def history(sf: Sf, where: str = "", *, include_deleted: bool = False) -> list[dict[str, Any]]:
    soql = f"SELECT {FIELDS} FROM AccountHistory {where} ORDER BY CreatedDate DESC, Id DESC"
    records: list[dict[str, Any]] = sf.sdk.query_all(soql, include_deleted=include_deleted)["records"]
    return [{k: v for k, v in r.items() if k != "attributes"} for r in records]


def api_user(sf: Sf) -> str:
    return sf.ids("SELECT Id FROM User WHERE Username = 'integration@northwind.example'")[0]


def as_person(sf: Sf, username: str) -> Salesforce:
    """The SDK with a session of that user (the sandbox's OAuth password flow logs in any user)."""
    form = {"grant_type": "password", "client_id": "3MVG9sandbox.sponsorsync.consumer.key",
            "client_secret": "sandbox-consumer-secret", "username": username,
            "password": "sandbox-passwordSandboxSecurityToken"}  # fmt: skip
    answer = requests.post(
        f"{sf.url}/services/oauth2/token", data=form, verify=str(sf.sandbox.ca_path), timeout=30
    )
    answer.raise_for_status()
    session = trusting_session(sf.sandbox.ca_path)
    return Salesforce(instance_url=sf.url, session_id=answer.json()["access_token"], session=session)


def test_changing_the_sponsor_adds_one_history_row_with_the_write_time_and_user(sf: Sf) -> None:
    before = datetime.now(UTC) - timedelta(seconds=2)
    assert history(sf) == []
    sf.sdk.Account.update(sf.id("acme"), {"Executive_Sponsor__c": sf.id("cto")})
    rows = history(sf)
    assert len(rows) == 1
    row = rows[0]
    written = sf.sdk.Account.get(sf.id("acme"))["SystemModstamp"]
    assert row == {
        "AccountId": sf.id("acme"), "Field": "Executive_Sponsor__c", "DataType": "EntityId",
        "OldValue": sf.id("ceo"), "NewValue": sf.id("cto"), "CreatedById": api_user(sf),
        "CreatedDate": written, "IsDeleted": False,
    }  # fmt: skip
    # the query a connector sends: by field and date, newest first; queryAll answers the same
    literal = before.strftime("%Y-%m-%dT%H:%M:%SZ")
    where = f"WHERE Field = 'Executive_Sponsor__c' AND CreatedDate >= {literal}"
    assert history(sf, where) == rows
    assert history(sf, where, include_deleted=True) == rows
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert history(sf, f"WHERE Field = 'Executive_Sponsor__c' AND CreatedDate >= {later}") == []
    assert history(sf, "WHERE Field = 'Alliance_Tier__c'") == []


def test_only_changes_of_tracked_fields_are_recorded(sf: Sf) -> None:
    account = sf.id("acme")
    sf.sdk.Account.update(account, {"Name": "Acme Inc.", "Sponsor_Health__c": "Red"})  # not tracked
    sf.sdk.Account.update(account, {"Executive_Sponsor__c": sf.id("ceo")})  # the same sponsor again
    assert history(sf) == []
    sf.sdk.Account.update(account, {"Alliance_Tier__c": "Key", "Executive_Sponsor__c": None})
    rows = sorted(history(sf), key=lambda r: str(r["Field"]))
    assert [(r["Field"], r["DataType"], r["OldValue"], r["NewValue"]) for r in rows] == [
        ("Alliance_Tier__c", "DynamicEnum", "Strategic", "Key"),
        ("Executive_Sponsor__c", "EntityId", sf.id("ceo"), None),
    ]


def test_a_change_by_a_person_names_that_person(sf: Sf) -> None:
    person: Any = as_person(sf, "mary.jackson@northwind.example")
    person.Account.update(sf.id("globex"), {"Executive_Sponsor__c": sf.id("cto")})
    [row] = history(sf)
    assert (row["AccountId"], row["CreatedById"], row["OldValue"]) == (sf.id("globex"), sf.id("am"), None)


def test_a_write_rolled_back_leaves_no_history(sf: Sf) -> None:
    records = [
        {"attributes": {"type": "Account"}, "id": sf.id("acme"), "Executive_Sponsor__c": sf.id("cto")},
        {"attributes": {"type": "Account"}, "id": sf.id("globex"), "Alliance_Tier__c": "Platinum"},
    ]
    results = sf.sdk.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": True, "records": records}
    )
    assert [r["success"] for r in results] == [False, False]
    assert history(sf) == []


def test_a_reset_takes_the_rows_written_since_away(sf: Sf) -> None:
    sf.sdk.Account.update(sf.id("acme"), {"Executive_Sponsor__c": sf.id("cto")})
    assert len(history(sf)) == 1
    sf.admin.reset()
    assert history(sf) == []


def test_history_cannot_be_created_updated_or_deleted_through_the_api(sf: Sf) -> None:
    sf.sdk.Account.update(sf.id("acme"), {"Executive_Sponsor__c": sf.id("cto")})
    row_id = sf.ids("SELECT Id FROM AccountHistory")[0]
    assert row_id.startswith("017")
    attempts = [
        ("POST", "sobjects/AccountHistory/", {"AccountId": sf.id("acme"), "Field": "Executive_Sponsor__c"}),
        ("PATCH", f"sobjects/AccountHistory/{row_id}", {"NewValue": sf.id("ceo")}),
        ("DELETE", f"sobjects/AccountHistory/{row_id}", None),
    ]
    for method, path, body in attempts:
        response = sf.http.request(method, sf.data(path), json=body, timeout=30)
        assert response.status_code == 400, (method, response.text)
        assert response.json()[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
    created = sf.sdk.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [{"attributes": {"type": "AccountHistory"}, "AccountId": sf.id("acme")}]},
    )
    assert created[0]["errors"][0]["statusCode"] == "INVALID_TYPE_FOR_OPERATION"
    assert len(history(sf)) == 1
    assert sf.sdk.AccountHistory.get(row_id)["Field"] == "Executive_Sponsor__c"


def test_old_and_new_values_cannot_be_filtered(sf: Sf) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.sdk.query("SELECT Id FROM AccountHistory WHERE NewValue = 'x'")
    assert content(raised.value)[0]["errorCode"] == "INVALID_FIELD"
    assert "can not be filtered" in content(raised.value)[0]["message"]


def test_describe_lists_a_read_only_history_object(sf: Sf) -> None:
    entry = next(o for o in sf.sdk.describe()["sobjects"] if o["name"] == "AccountHistory")
    assert entry["keyPrefix"] == "017"
    assert (entry["queryable"], entry["retrieveable"]) == (True, True)
    assert (entry["createable"], entry["updateable"], entry["deletable"]) == (False, False, False)
    fields = {f["name"]: f for f in sf.sdk.AccountHistory.describe()["fields"]}
    assert not any(f["createable"] or f["updateable"] for f in fields.values())
    assert fields["Field"]["type"] == "picklist"
    assert fields["Field"]["restrictedPicklist"] is True
    assert "Executive_Sponsor__c" in [v["value"] for v in fields["Field"]["picklistValues"]]
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    new_value = fields["NewValue"]
    assert (new_value["type"], new_value["soapType"], new_value["length"]) == ("anyType", "xsd:anyType", 255)
    assert (new_value["filterable"], new_value["sortable"]) == (False, True)
    children = sf.sdk.Account.describe()["childRelationships"]
    assert {
        "childSObject": "AccountHistory",
        "field": "AccountId",
        "relationshipName": "Histories",
    }.items() <= next(c for c in children if c["childSObject"] == "AccountHistory").items()


# -- data files ----------------------------------------------------------------------------------
NOW = datetime(2026, 3, 10, 15, 30, 12, tzinfo=UTC)


def _org(*history_rows: dict[str, Any]) -> dict[str, Any]:
    return {
        "User": [{"@id": "ceo", "LastName": "Lovelace", "Email": "ada@northwind.example",
                  "Username": "ada@northwind.example"}],
        "Account": [{"@id": "acme", "Name": "Acme", "Executive_Sponsor__c": "@ceo"}],
        "AccountHistory": list(history_rows),
    }  # fmt: skip


def test_a_data_file_may_hold_history_rows(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    row = {"AccountId": "@acme", "Field": "Executive_Sponsor__c", "NewValue": "@ceo", "CreatedById": "@ceo",
           "CreatedDate": "@now-6d"}  # fmt: skip
    path.write_text(json.dumps(_org(row)), encoding="utf-8")
    seed = load(path, NOW)
    [stored] = seed.rows["AccountHistory"]
    record = dict(zip((f.name for f in ACCOUNT_HISTORY.fields), stored, strict=True))
    assert str(record["Id"]).startswith("017")
    assert record["AccountId"] == seed.labels["acme"]
    assert (record["Field"], record["DataType"], record["OldValue"]) == (
        "Executive_Sponsor__c",
        "EntityId",
        None,
    )
    assert record["NewValue"] == record["CreatedById"] == seed.labels["ceo"]
    assert format_datetime(record["CreatedDate"]) == format_datetime(
        int((NOW - timedelta(days=6)).timestamp()) * 1000
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"Field": "Executive_Sponsor__c"}, "AccountHistory[0]: field 'AccountId': required"),
        ({"AccountId": "@acme"}, "AccountHistory[0]: field 'Field': required"),
        ({"AccountId": "@acme", "Field": "Name"}, "field 'Field': INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        (
            {"AccountId": "@ceo", "Field": "Executive_Sponsor__c"},
            "field 'AccountId': INVALID_CROSS_REFERENCE_KEY",
        ),
    ],
    ids=["no-account", "no-field", "untracked-field", "not-an-account"],
)
def test_a_wrong_history_row_names_the_record_and_field(
    tmp_path: Path, row: dict[str, Any], message: str
) -> None:
    path = tmp_path / "org.json"
    path.write_text(json.dumps(_org(row)), encoding="utf-8")
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(path, NOW)
