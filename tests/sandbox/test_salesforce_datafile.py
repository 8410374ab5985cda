"""``--data FILE`` for the Salesforce sandbox: labels, relative dates, and errors that name the file,
the record and the field (docs/sandbox-salesforce.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sponsorsync.sandbox.app import create_emulator
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.salesforce import SalesforceEmulator
from sponsorsync.sandbox.salesforce.loader import load
from sponsorsync.sandbox.salesforce.schema import ACCOUNT, CONTACT, EVENT, TASK
from sponsorsync.sandbox.salesforce.values import format_datetime
from tests.sandbox.salesforce_support import EXAMPLE

NOW = datetime(2026, 3, 10, 15, 30, 12, tzinfo=UTC)
USER = {
    "@id": "ceo",
    "LastName": "Lovelace",
    "Email": "ada@northwind.example",
    "Username": "ada@northwind.example",
}


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_example_file_loads_with_its_labels() -> None:
    emulator = SalesforceEmulator.from_data(Clock(), EXAMPLE)
    assert set(emulator.labels) >= {"ceo", "acme", "jane", "call-jane", "meeting"}
    assert emulator.labels["acme"].startswith("001")
    table = emulator.org.store.table("Contact")
    assert table is not None
    assert len(table) == 6


def test_the_app_builds_the_salesforce_emulator_from_a_file() -> None:
    emulator = create_emulator("salesforce", Clock(), size=10, seed=0, data=EXAMPLE)
    assert isinstance(emulator, SalesforceEmulator)


def test_labels_and_relative_dates_resolve_against_the_clock(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "Account": [{"@id": "acme", "Name": "Acme", "OwnerId": "@ceo", "Sponsor_Last_Touch__c": "@today-45d",
                         "CreatedDate": "@now-30d", "LastModifiedDate": "@now+2h"}],
            "user": [USER],
            "Contact": [{"LastName": "Roe", "AccountId": "@acme", "CreatedDate": "@today"}],
            "Event": [{"Subject": "Briefing", "StartDateTime": "@now-90m", "DurationInMinutes": 30}],
        },
    )  # fmt: skip
    seed = load(path, NOW)
    (account,) = seed.rows["Account"]
    ceo = seed.labels["ceo"]
    assert account[ACCOUNT.slot("OwnerId")] == ceo
    assert account[ACCOUNT.slot("Sponsor_Last_Touch__c")] == "2026-01-24"
    assert format_datetime(account[ACCOUNT.slot("CreatedDate")]) == "2026-02-08T15:30:12.000+0000"
    assert format_datetime(account[ACCOUNT.slot("SystemModstamp")]) == "2026-03-10T17:30:12.000+0000"
    (contact,) = seed.rows["Contact"]
    assert contact[CONTACT.slot("AccountId")] == seed.labels["acme"]
    assert format_datetime(contact[CONTACT.slot("CreatedDate")]) == "2026-03-10T00:00:00.000+0000"
    assert [row[0] for row in seed.rows["User"]][1] == ceo  # after the integration user
    (event,) = seed.rows["Event"]
    assert format_datetime(event[EVENT.slot("EndDateTime")]) == "2026-03-10T14:30:12.000+0000"


def test_derived_fields_are_computed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "Account": [{"@id": "acme", "Name": "Acme"}],
            "Contact": [{"@id": "jane", "FirstName": "Jane", "LastName": "Roe", "AccountId": "@acme"}],
            "Task": [
                {"Subject": "Call", "WhoId": "@jane", "Status": "Completed", "ActivityDate": "@today-2d"}
            ],
        },
    )
    seed = load(path, NOW)
    (task,) = seed.rows["Task"]
    assert (task[TASK.slot("IsClosed")], task[TASK.slot("AccountId")]) == (True, seed.labels["acme"])
    assert task[TASK.slot("CompletedDateTime")] == task[TASK.slot("LastModifiedDate")]
    assert seed.rows["Contact"][0][CONTACT.slot("Name")] == "Jane Roe"


BAD_FILES = [
    ({"Lead": []}, "unknown object 'Lead'"),
    ({"Account": {"Name": "x"}}, "Account must be a list of records"),
    ({"Account": ["x"]}, "Account[0]: a record must be an object"),
    ({"Account": [{"Name": "x", "Foo": 1}]}, "Account[0]: field 'Foo': no such field on Account"),
    ({"Account": [{"@id": "a", "Name": "x", "OwnerId": "@nobody"}]}, "Account[0] ('a'): field 'OwnerId': unknown label '@nobody'"),
    ({"Account": [{"@id": "a", "Name": "x"}, {"@id": "a", "Name": "y"}]}, "Account[1]: '@id' 'a' is used twice"),
    ({"Contact": [{"LastName": "Roe", "Name": "Jane Roe"}]}, "Contact[0]: field 'Name': is computed by the emulator"),
    ({"Account": [{"Name": "x", "Alliance_Tier__c": "Gold"}]}, "Account[0]: field 'Alliance_Tier__c': INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"Account": [{"@id": "a", "Name": "x"}], "Contact": [{"LastName": "R", "OwnerId": "@a"}]}, "Contact[0]: field 'OwnerId': INVALID_CROSS_REFERENCE_KEY"),
    ({"Contact": [{"FirstName": "Jane"}]}, "Contact[0]: field 'LastName': required, missing"),
    ({"Task": [{"Subject": "x", "ActivityDate": "soon"}]}, "Task[0]: field 'ActivityDate': JSON_PARSER_ERROR"),
    ({"Event": [{"Subject": "x"}]}, "Event[0]: REQUIRED_FIELD_MISSING"),
    ([], "the top level must be an object"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message"), BAD_FILES, ids=[m.split(":")[0][:40] for _, m in BAD_FILES])
def test_mistakes_name_the_file_the_record_and_the_field(tmp_path: Path, data: Any, message: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ValueError) as raised:
        load(path, NOW)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable JSON file"):
        load(path, NOW)


def test_relative_dates_use_whole_seconds(tmp_path: Path) -> None:
    path = write(tmp_path, {"Account": [{"Name": "x", "CreatedDate": "@now"}]})
    seed = load(path, NOW + timedelta(microseconds=987654))
    assert format_datetime(seed.rows["Account"][0][ACCOUNT.slot("CreatedDate")]).endswith("12.000+0000")
