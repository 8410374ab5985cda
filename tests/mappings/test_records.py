"""Applying an object mapping to a pulled record: sources, value maps, defaults."""

from __future__ import annotations

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.mappings.records import canonical_values, converter, crm_fields


def test_a_salesforce_task_becomes_a_canonical_activity() -> None:
    task = load_mapping(None, "salesforce").objects.activities[0]
    values = canonical_values(
        task,
        {
            "Id": "00T1",
            "OwnerId": "0051",
            "WhoId": "0031",
            "WhatId": "0011",
            "ActivityDate": "2026-05-01",
            "TaskSubtype": "call",  # value maps compare case-insensitively
            "IsClosed": True,
            "Subject": "Q3 review",
            "Sponsor_Sync_Key__c": None,
        },
    )
    assert values == {
        "id": "00T1",
        "owner_id": "0051",
        "contact_ids": ["0031"],
        "account_id": "0011",
        "occurred_at": "2026-05-01",
        "kind": "call",
        "completed": True,
        "subject": "Q3 review",
        "sync_key": None,
        "attendee_ids": [],
    }


def test_a_value_missing_from_the_map_is_empty_then_takes_the_default() -> None:
    task = load_mapping(None, "salesforce").objects.activities[0]
    assert canonical_values(task, {"TaskSubtype": "Fax"})["kind"] == "task"
    assert canonical_values(task, {"TaskSubtype": None})["kind"] == "task"
    assert canonical_values(task, {"IsClosed": None})["completed"] is None  # no default: stays empty
    assert canonical_values(task, {})["contact_ids"] == []


def test_hubspot_activities_read_associations_and_fixed_kinds() -> None:
    meeting = load_mapping(None, "hubspot").objects.activities[1]
    values = canonical_values(
        meeting,
        {"hs_object_id": "9", "hs_meeting_outcome": "NO_SHOW", "hs_timestamp": "2026-05-01T10:00:00Z"},
        {"contacts": ("101", "102"), "companies": ("55",)},
    )
    assert (values["contact_ids"], values["account_id"]) == (["101", "102"], "55")
    assert (values["kind"], values["completed"]) == ("meeting", None)  # only COMPLETED counts as completed


def test_hubspot_meeting_attendee_owners_are_split_into_a_list() -> None:
    meeting = load_mapping(None, "hubspot").objects.activities[1]
    values = canonical_values(meeting, {"hs_object_id": "9", "hs_attendee_owner_ids": "11;12; 13"})
    assert values["attendee_ids"] == ["11", "12", "13"]
    assert canonical_values(meeting, {"hs_attendee_owner_ids": "11"})["attendee_ids"] == ["11"]
    assert canonical_values(meeting, {"hs_attendee_owner_ids": ""})["attendee_ids"] == []


def test_salesforce_relation_records_become_participants_and_record_relations_are_marked() -> None:
    event_relation, task_relation = load_mapping(None, "salesforce").objects.participants
    invitee = canonical_values(
        event_relation,
        {"Id": "0RE1", "EventId": "00U1", "RelationId": "0051", "IsWhat": False, "Status": "Accepted"},
    )
    assert invitee == {
        "id": "0RE1", "activity_id": "00U1", "person_id": "0051", "is_record": False, "declined": None,
    }  # fmt: skip
    declined = canonical_values(event_relation, {"Id": "0RE2", "Status": "Declined", "IsWhat": False})
    assert declined["declined"] is True
    account = canonical_values(
        task_relation, {"Id": "0RT1", "TaskId": "00T1", "RelationId": "0011", "IsWhat": True}
    )
    assert (account["activity_id"], account["is_record"]) == ("00T1", True)


def test_an_owner_team_marks_an_internal_executive() -> None:
    users = load_mapping(None, "hubspot").objects.users
    assert canonical_values(users, {"id": "7", "teams": "Sales;Executive"})["executive"] is True
    assert (
        canonical_values(users, {"id": "7", "teams": "Sales"})["executive"] is None
    )  # titles and roster decide
    assert canonical_values(users, {"id": "7", "teams": ""})["executive"] is None


def test_hubspot_owners_are_active_unless_archived() -> None:
    users = load_mapping(None, "hubspot").objects.users
    assert canonical_values(users, {"id": "7", "archived": False})["active"] is True
    assert canonical_values(users, {"id": "7", "archived": True})["active"] is False


def test_crm_fields_lists_every_field_to_read_once_with_the_watermark() -> None:
    hubspot = load_mapping(None, "hubspot").objects
    assert crm_fields(hubspot.users) == (
        "id",
        "firstName",
        "lastName",
        "email",
        "archived",
        "teams",
        "updatedAt",
    )
    assert "hs_lastmodifieddate" in crm_fields(hubspot.activities[0])
    assert not any("association" in str(name) for name in crm_fields(hubspot.activities[0]))


def test_a_converter_built_once_applies_the_mapping_to_every_record() -> None:
    task = load_mapping(None, "salesforce").objects.activities[0]
    convert = converter(task)
    records: list[dict[str, str | None]] = [
        {"Id": "00T1", "TaskSubtype": "Email", "WhoId": "0031"},
        {"Id": "00T2", "TaskSubtype": "EMAIL", "WhoId": None},  # folded to the map's key
        {"Id": "00T3", "TaskSubtype": "Fax"},  # not in the map: empty, then the default
        {"Id": "00T4", "TaskSubtype": ""},
        {"Id": "00T5", "TaskSubtype": "Fax;Call"},  # a multi-value: its first part that maps
    ]
    got = [convert(r, None) for r in records]
    assert [v["kind"] for v in got] == ["email", "email", "task", "task", "call"]
    assert [v["contact_ids"] for v in got] == [["0031"], [], [], [], []]
    assert got == [canonical_values(task, r) for r in records]
    assert got[1]["contact_ids"] is not got[2]["contact_ids"]  # a fresh list per record
    assert list(got[0]) == list(type(task.fields).KINDS)  # every canonical field, in its order


def test_a_converter_folds_value_map_keys_the_first_one_winning() -> None:
    users = load_mapping(None, "hubspot").objects.users
    spec = users.model_copy(update={"value_maps": {"executive": {"Exec": True, "EXEC": False, "exec": None}}})
    convert = converter(spec)
    assert convert({"teams": "EXEC"}, None)["executive"] is False  # an exact key first
    assert convert({"teams": "eXeC"}, None)["executive"] is True  # else the first key that folds alike
    assert convert({"teams": "exec"}, None)["executive"] is None


def test_association_sources_give_the_first_id_or_the_list() -> None:
    meeting = next(a for a in load_mapping(None, "hubspot").objects.activities if a.object == "meetings")
    convert = converter(meeting)
    values = convert({"hs_object_id": "9"}, {"contacts": ("c1", "c2"), "companies": ("a1", "a2")})
    assert values["contact_ids"] == ["c1", "c2"]
    assert values["account_id"] == "a1"
    assert convert({"hs_object_id": "9"}, None)["contact_ids"] == []
