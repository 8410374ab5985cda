"""A bare Salesforce org and the Tooling API's CustomField create, through the unmodified
simple-salesforce SDK: a created field stays invisible to the integration user until a permission set
assigned to it grants access (FieldPermissions), then shows in describe and works in SOQL and writes
at once; duplicate names and bad types are refused with Salesforce's error list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sponsorsync.sandbox.app import build_sandbox
from tests.sandbox.salesforce_support import content, trusting_session

TIER: dict[str, Any] = {
    "FullName": "Account.Alliance_Tier__c",
    "Metadata": {
        "label": "Alliance Tier",
        "type": "Picklist",
        "valueSet": {
            "restricted": True,
            "valueSetDefinition": {
                "sorted": False,
                "value": [{"fullName": v, "label": v} for v in ("Gold", "Silver")],
            },
        },
    },
}


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Any]:
    server = build_sandbox("salesforce", ca_dir=tmp_path, size=20, bare=True).start()
    env = server.env()
    sf = Salesforce(
        instance_url=env["SPONSORSYNC_SALESFORCE__INSTANCE_URL"],
        session_id=env["SPONSORSYNC_SALESFORCE__ACCESS_TOKEN"],
        session=trusting_session(server.ca_path),
    )
    try:
        yield sf
    finally:
        server.stop()


def _fields(sf: Any, sobject: str) -> dict[str, Any]:
    return {f["name"]: f for f in getattr(sf, sobject).describe()["fields"]}


def _grant(sf: Any, *fields: str) -> None:
    user = sf.query("SELECT Id FROM User WHERE Username = 'integration@northwind.example'")["records"][0][
        "Id"
    ]
    pset = sf.PermissionSet.create({"Name": "Test_Set", "Label": "Test set"})["id"]
    for name in fields:
        sf.FieldPermissions.create(
            {
                "ParentId": pset,
                "SobjectType": name.split(".")[0],
                "Field": name,
                "PermissionsRead": True,
                "PermissionsEdit": True,
            }
        )
    sf.PermissionSetAssignment.create({"PermissionSetId": pset, "AssigneeId": user})


def test_a_bare_org_lacks_the_custom_fields(bare: Any) -> None:
    assert not [n for n in _fields(bare, "Account") if n.endswith("__c")]
    assert not [n for n in _fields(bare, "Task") if n.endswith("__c")]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        bare.query("SELECT Id, Alliance_Tier__c FROM Account")
    assert content(refused.value)[0]["errorCode"] == "INVALID_FIELD"


def test_a_created_field_is_invisible_until_granted_then_usable(bare: Any) -> None:
    answer = bare.restful("tooling/sobjects/CustomField", method="POST", json=TIER)
    assert answer is not None
    assert answer["success"] is True
    assert answer["id"].startswith("00N")
    assert (answer["errors"], answer["warnings"], answer["infos"]) == ([], [], [])
    assert "Alliance_Tier__c" not in _fields(bare, "Account")  # no field-level security yet
    account = bare.query("SELECT Id FROM Account LIMIT 1")["records"][0]["Id"]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        bare.Account.update(account, {"Alliance_Tier__c": "Gold"})
    assert content(refused.value)[0]["errorCode"] == "INVALID_FIELD"

    _grant(bare, "Account.Alliance_Tier__c")
    tier = _fields(bare, "Account")["Alliance_Tier__c"]
    assert (tier["type"], tier["label"], tier["custom"]) == ("picklist", "Alliance Tier", True)
    assert [p["value"] for p in tier["picklistValues"]] == ["Gold", "Silver"]
    bare.Account.update(account, {"Alliance_Tier__c": "Gold"})
    found = bare.query(f"SELECT Alliance_Tier__c FROM Account WHERE Id = '{account}'")["records"][0]
    assert found["Alliance_Tier__c"] == "Gold"


def test_activity_fields_are_created_on_activity_and_keep_external_id(bare: Any) -> None:
    key: dict[str, Any] = {"FullName": "Activity.Sponsor_Sync_Key__c",
           "Metadata": {"label": "Sponsor Sync Key", "type": "Text", "length": 255, "externalId": True}}  # fmt: skip
    on_task = {**key, "FullName": "Task.Sponsor_Sync_Key__c"}
    with pytest.raises(SalesforceMalformedRequest) as refused:
        bare.restful("tooling/sobjects/CustomField", method="POST", json=on_task)
    assert "defined on Activity" in content(refused.value)[0]["message"]
    unique = {**key, "Metadata": {**key["Metadata"], "unique": True}}
    with pytest.raises(SalesforceMalformedRequest):
        bare.restful("tooling/sobjects/CustomField", method="POST", json=unique)
    bare.restful("tooling/sobjects/CustomField", method="POST", json=key)
    _grant(bare, "Task.Sponsor_Sync_Key__c")
    field = _fields(bare, "Task")["Sponsor_Sync_Key__c"]
    assert (field["externalId"], field["unique"], field["length"]) == (True, False, 255)
    assert bare.Task.upsert("Sponsor_Sync_Key__c/k1", {"Subject": "Hello"}) == 201


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"Metadata": {**TIER["Metadata"], "type": "Colour"}}, "JSON_PARSER_ERROR"),
        ({"Metadata": {**TIER["Metadata"], "label": ""}}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"Metadata": {**TIER["Metadata"], "valueSet": {}}}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"FullName": "Account.Alliance_Tier"}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"FullName": "Nothing__c.Alliance_Tier__c"}, "FIELD_INTEGRITY_EXCEPTION"),
    ],
    ids=["bad type", "no label", "no values", "not __c", "no such object"],
)
def test_bad_definitions_are_refused_with_salesforces_error_list(
    bare: Any, change: dict[str, Any], code: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as refused:
        bare.restful("tooling/sobjects/CustomField", method="POST", json={**TIER, **change})
    assert refused.value.status == 400
    assert content(refused.value)[0]["errorCode"] == code


def test_a_duplicate_name_is_refused(bare: Any) -> None:
    bare.restful("tooling/sobjects/CustomField", method="POST", json=TIER)
    with pytest.raises(SalesforceMalformedRequest) as refused:
        bare.restful("tooling/sobjects/CustomField", method="POST", json=TIER)
    assert content(refused.value)[0]["errorCode"] == "DUPLICATE_VALUE"
