"""The Organization sObject: the org's one record (id = the organization id), its default time zone
(TimeZoneSidKey) and the sandbox setting ``time_zone`` that changes it. Salesforce's object reference,
Organization: queryable and retrievable, never created, updated or deleted through the API."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sponsorsync.sandbox.admin import SandboxAdmin
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.salesforce import SalesforceEmulator
from sponsorsync.sandbox.salesforce.ids import ORG_ID, org_id
from sponsorsync.sandbox.salesforce.loader import load
from sponsorsync.sandbox.salesforce.schema import ORGANIZATION
from sponsorsync.sandbox.server import SandboxServer
from tests.sandbox import salesforce_support
from tests.sandbox.salesforce_support import EXAMPLE, Sf, trusting_session
from tests.support.sandbox import running_sandbox

salesforce_session, sf = salesforce_support.salesforce_session, salesforce_support.sf  # the fixtures

# Zones a new org may have (the brief's list): every one is a value of the restricted picklist.
ZONES = (
    "America/Los_Angeles", "America/New_York", "America/Chicago", "America/Denver", "Europe/London",
    "Europe/Berlin", "Europe/Paris", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Pacific/Auckland",
    "Pacific/Honolulu", "GMT",
)  # fmt: skip
NOW = datetime(2026, 3, 10, 15, 30, 12).astimezone()


def _organization(sf: Sf) -> dict[str, Any]:
    records: list[dict[str, Any]] = sf.sdk.query(
        "SELECT Id, Name, TimeZoneSidKey, LanguageLocaleKey, DefaultLocaleSidKey, LastModifiedDate, "
        "SystemModstamp, CreatedBy.Username FROM Organization"
    )["records"]
    assert len(records) == 1
    return records[0]


def test_the_organization_query_returns_the_org_s_one_record(sf: Sf) -> None:
    result = sf.sdk.query("SELECT Id, TimeZoneSidKey FROM Organization")
    assert result["totalSize"] == 1
    [record] = result["records"]
    assert record["Id"] == ORG_ID
    assert record["TimeZoneSidKey"] == "America/Los_Angeles"  # what a new US org gets
    assert record["attributes"]["type"] == "Organization"
    # the same org id as the identity URL the version's resources name
    assert sf.get("").json()["identity"].split("/")[-2] == ORG_ID
    full = _organization(sf)
    assert (full["Name"], full["LanguageLocaleKey"], full["DefaultLocaleSidKey"]) == (
        "Northwind Systems",
        "en_US",
        "en_US",
    )
    assert full["CreatedBy"]["Username"] == "integration@northwind.example"
    assert sf.sdk.query("SELECT COUNT() FROM Organization WHERE TimeZoneSidKey = 'GMT'")["totalSize"] == 0
    assert sf.sdk.Organization.get(ORG_ID)["TimeZoneSidKey"] == "America/Los_Angeles"


def test_describe_lists_organization_as_query_and_retrieve_only(sf: Sf) -> None:
    entry = next(o for o in sf.sdk.describe()["sobjects"] if o["name"] == "Organization")
    assert entry["keyPrefix"] == "00D"
    assert (entry["queryable"], entry["retrieveable"]) == (True, True)
    assert (entry["createable"], entry["updateable"], entry["deletable"]) == (False, False, False)
    described = sf.sdk.Organization.describe()
    assert (described["createable"], described["updateable"], described["deletable"]) == (False, False, False)
    fields = {f["name"]: f for f in described["fields"]}
    assert {"Id", "Name", "TimeZoneSidKey", "LanguageLocaleKey", "DefaultLocaleSidKey", "CreatedDate",
            "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"} == set(fields)  # fmt: skip
    assert not any(f["createable"] or f["updateable"] for f in fields.values())
    zone = fields["TimeZoneSidKey"]
    assert (zone["type"], zone["restrictedPicklist"], zone["nillable"]) == ("picklist", True, False)
    assert set(ZONES) <= {v["value"] for v in zone["picklistValues"]}
    assert fields["LanguageLocaleKey"]["type"] == fields["DefaultLocaleSidKey"]["type"] == "picklist"
    assert fields["Name"]["nameField"] is True


def test_organization_cannot_be_created_updated_or_deleted_through_the_api(sf: Sf) -> None:
    before = _organization(sf)
    attempts = [
        ("POST", "sobjects/Organization/", {"Name": "Another org", "TimeZoneSidKey": "GMT"}),
        ("PATCH", f"sobjects/Organization/{ORG_ID}", {"TimeZoneSidKey": "Europe/Berlin"}),
        ("DELETE", f"sobjects/Organization/{ORG_ID}", None),
    ]
    for method, path, body in attempts:
        response = sf.http.request(method, sf.data(path), json=body, timeout=30)
        assert response.status_code == 400, (method, response.text)
        [error] = response.json()
        assert error["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
        assert error["message"].startswith("entity type Organization does not support")
    updated = sf.sdk.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Organization"}, "id": ORG_ID, "TimeZoneSidKey": "GMT"}]},
    )
    assert updated[0]["success"] is False
    assert updated[0]["errors"][0]["statusCode"] == "INVALID_TYPE_FOR_OPERATION"
    assert _organization(sf) == before


def test_the_time_zone_setting_changes_the_org_s_time_zone_until_a_reset(sf: Sf) -> None:
    before = _organization(sf)
    sf.admin.advance_clock(seconds=5)
    answer = sf.admin.configure(time_zone="Europe/Berlin")
    assert answer["time_zone"] == "Europe/Berlin"
    after = _organization(sf)
    assert after["TimeZoneSidKey"] == "Europe/Berlin"
    assert after["SystemModstamp"] > before["SystemModstamp"]  # changed in Setup, as Salesforce records it
    assert after["LastModifiedDate"] == after["SystemModstamp"]
    assert sf.admin.configure()["time_zone"] == "Europe/Berlin"  # GET config reports it
    assert sf.admin.configure(time_zone="GMT")["time_zone"] == "GMT"
    sf.admin.reset()
    assert _organization(sf)["TimeZoneSidKey"] == "America/Los_Angeles"
    assert sf.admin.configure()["time_zone"] == "America/Los_Angeles"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Berlin ", "", None, 1])
def test_an_unknown_time_zone_is_refused_naming_the_allowed_values(sf: Sf, zone: Any) -> None:
    with pytest.raises(RuntimeError) as refused:
        sf.admin.configure(time_zone=zone)
    message = str(refused.value)
    assert "400" in message
    assert "time_zone must be one of" in message
    assert all(allowed in message for allowed in ZONES)
    assert _organization(sf)["TimeZoneSidKey"] == "America/Los_Angeles"


def test_a_time_zone_given_at_start_is_what_a_reset_restores(tmp_path: Path) -> None:
    clock = Clock()
    server = SandboxServer(
        SalesforceEmulator.from_data(clock, EXAMPLE),
        clock,
        ca_dir=tmp_path,
        settings={"time_zone": "Asia/Kolkata"},
    ).start()
    admin = SandboxAdmin(server.base_url, server.ca_path)
    try:
        assert admin.configure()["time_zone"] == "Asia/Kolkata"
        admin.configure(time_zone="Pacific/Honolulu")
        admin.reset()
        assert admin.configure()["time_zone"] == "Asia/Kolkata"
    finally:
        admin.close()
        server.stop()


def test_a_generated_bare_org_has_its_organization_record(tmp_path: Path) -> None:
    with running_sandbox("salesforce", tmp_path, size=20, seed=2, bare=True) as box:
        session = trusting_session(box.server.ca_path)
        session.headers["Authorization"] = (
            f"Bearer {box.server.env()['SPONSORSYNC_SALESFORCE__ACCESS_TOKEN']}"
        )
        base = f"{box.server.base_url}/services/data/v59.0"
        try:
            result = session.get(f"{base}/query", params={"q": "SELECT Id, TimeZoneSidKey FROM Organization"})
            assert result.status_code == 200, result.text
            assert [(r["Id"], r["TimeZoneSidKey"]) for r in result.json()["records"]] == [
                (org_id(2), "America/Los_Angeles")
            ]
            assert session.get(f"{base}/").json()["identity"].split("/")[-2] == org_id(2)
        finally:
            session.close()


def test_a_data_file_has_the_organization_without_listing_it_and_may_set_its_values(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    path.write_text(json.dumps({"User": []}), encoding="utf-8")
    [row] = load(path, NOW).rows["Organization"]
    record = dict(zip((f.name for f in ORGANIZATION.fields), row, strict=True))
    assert (record["Id"], record["TimeZoneSidKey"], record["Name"]) == (
        ORG_ID,
        "America/Los_Angeles",
        "Northwind Systems",
    )
    path.write_text(
        json.dumps({"Organization": [{"@id": "org", "TimeZoneSidKey": "Asia/Tokyo", "Name": "Acme"}]})
    )
    seed = load(path, NOW)
    [row] = seed.rows["Organization"]
    record = dict(zip((f.name for f in ORGANIZATION.fields), row, strict=True))
    assert (record["Id"], record["TimeZoneSidKey"], record["Name"]) == (ORG_ID, "Asia/Tokyo", "Acme")
    assert record["LanguageLocaleKey"] == "en_US"
    assert seed.labels["org"] == ORG_ID


@pytest.mark.parametrize(
    ("organizations", "message"),
    [
        ([{}, {}], "Organization: an org has one Organization record, not 2"),
        (
            [{"TimeZoneSidKey": "Mars/Olympus_Mons"}],
            "field 'TimeZoneSidKey': INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
        ([{"Id": ORG_ID}], "field 'Id': is computed by the emulator"),
    ],
    ids=["two-records", "unknown-zone", "an-id"],
)
def test_a_wrong_organization_in_a_data_file_is_named(
    tmp_path: Path, organizations: list[dict[str, Any]], message: str
) -> None:
    path = tmp_path / "org.json"
    path.write_text(json.dumps({"Organization": organizations}), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load(path, NOW)
