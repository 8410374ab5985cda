"""HubSpot emulator, ``/crm/v3/objects/{objectType}/batch/*`` through the unmodified SDK. Expected
shapes: reference/hubspot/recorded-nango batch-create-/batch-update-companies and FIDELITY.md
(207 with ``numErrors``/``errors``; a duplicate in batch create fails the whole batch with 409)."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.objects import (
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
)
from hubspot.crm.objects.exceptions import ApiException

from tests.sandbox import hubspot_support
from tests.sandbox.hubspot_support import Sandbox, body_of

hubspot_session, hs = hubspot_support.hubspot_session, hubspot_support.hs  # the fixtures


def read_input(*ids: str, properties: list[str] | None = None, id_property: str | None = None) -> Any:
    return BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in ids],
        properties=properties or [],
        properties_with_history=[],
        id_property=id_property,
    )


def new_task(subject: str, key: str | None = None, contact: str | None = None) -> Any:
    props = {
        "hs_task_subject": subject,
        "hs_task_status": "NOT_STARTED",
        "hs_timestamp": "2026-06-01T09:00:00Z",
    }
    if key:
        props["sponsor_sync_key"] = key
    links = None
    if contact:
        spec = AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=204)
        links = [PublicAssociationsForObject(to=PublicObjectId(id=contact), types=[spec])]
    return SimplePublicObjectBatchInputForCreate(properties=props, associations=links)


def test_batch_read_answers_200_with_the_named_properties(hs: Sandbox) -> None:
    result = hs.api.batch.read(
        "companies", read_input(hs.id("acme"), hs.id("globex"), properties=["alliance_tier"])
    )
    assert result.status == "COMPLETE"
    assert {r.id: r.properties["alliance_tier"] for r in result.results} == {
        hs.id("acme"): "strategic",
        hs.id("globex"): "key",
    }
    assert result.started_at is not None
    assert result.completed_at is not None


def test_batch_read_with_missing_ids_answers_207_with_results_and_one_error(hs: Sandbox) -> None:
    response = hs.raw(
        "POST",
        "/crm/v3/objects/contacts/batch/read",
        {
            "inputs": [{"id": hs.id("jane")}, {"id": "10000000777"}, {"id": "10000000778"}],
            "properties": ["email"],
        },
    )
    body = response.json()
    assert response.status_code == 207
    assert [r["id"] for r in body["results"]] == [hs.id("jane")]
    assert body["numErrors"] == 1
    (error,) = body["errors"]
    assert (error["status"], error["category"]) == ("error", "OBJECT_NOT_FOUND")
    assert (
        error["message"]
        == "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid."
    )
    assert error["context"] == {"ids": ["10000000777", "10000000778"]}
    sdk = hs.api.batch.read("contacts", read_input(hs.id("jane"), "10000000777"))
    assert (sdk.num_errors, sdk.errors[0].category) == (1, "OBJECT_NOT_FOUND")


def test_batch_read_by_a_unique_property(hs: Sandbox) -> None:
    result = hs.api.batch.read(
        "tasks",
        read_input("acme:sponsor-update:q1", "globex:appoint-sponsor", id_property="sponsor_sync_key"),
    )
    assert sorted(r.properties["sponsor_sync_key"] for r in result.results) == [
        "acme:sponsor-update:q1",
        "globex:appoint-sponsor",
    ]


def test_batch_create_answers_201_and_associates_each_input(hs: Sandbox) -> None:
    result = hs.api.batch.create(
        "tasks",
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[new_task("Call Jane", "k1", hs.id("jane")), new_task("Call Ken", "k2", hs.id("ken"))]
        ),
    )
    assert result is not None, "the SDK returns None unless batch create answers 201"
    assert result.status == "COMPLETE"
    assert [r.properties["hs_task_subject"] for r in result.results] == ["Call Jane", "Call Ken"]
    created = result.results[0]
    linked = hs.api.associations.get_page("tasks", created.id, "contacts")
    assert [(r.to_object_id, r.association_types[0].type_id) for r in linked.results] == [
        (hs.id("jane"), 204)
    ]


def test_injected_record_failures_answer_207_and_apply_the_other_inputs(hs: Sandbox) -> None:
    hs.admin.add_faults(
        {
            "method": "POST",
            "path": "/crm/v3/objects/tasks/batch/create",
            "action": "record_failure",
            "records": [1],
            "error_code": "LOCKED",
            "message": "The object is locked by another update.",
        }
    )
    result = hs.api.batch.create(
        "tasks",
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[new_task("one", "f1"), new_task("two", "f2"), new_task("three", "f3")]
        ),
    )
    assert result.num_errors == 1
    assert (result.errors[0].category, result.errors[0].message) == (
        "LOCKED",
        "The object is locked by another update.",
    )
    assert [r.properties["hs_task_subject"] for r in result.results] == ["one", "three"]
    stored = hs.api.batch.read("tasks", read_input("f1", "f2", "f3", id_property="sponsor_sync_key"))
    assert sorted(r.properties["sponsor_sync_key"] for r in stored.results) == ["f1", "f3"]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (["fresh", "acme:sponsor-update:q1", "globex:appoint-sponsor"], "{update} already has that value"),
        (
            ["same", "other", "same"],
            "Duplicate value for the unique property sponsor_sync_key in batch inputs 0 and 2",
        ),
    ],
    ids=["existing-value-first-named", "duplicate-inside-the-batch"],
)
def test_a_duplicate_unique_value_fails_the_whole_batch_create_with_409(
    hs: Sandbox, keys: list[str], message: str
) -> None:
    with pytest.raises(ApiException) as caught:
        hs.api.batch.create(
            "tasks", BatchInputSimplePublicObjectBatchInputForCreate(inputs=[new_task(k, k) for k in keys])
        )
    body = body_of(caught.value)
    assert (caught.value.status, body["category"]) == (409, "CONFLICT")
    assert message.format(update=hs.id("update")) in body["message"]
    assert len(hs.api.objects.get_page("tasks", limit=100).results) == 3, "nothing was created"


def test_an_archived_record_keeps_its_unique_value(hs: Sandbox) -> None:
    """A create with the unique value of an archived record answers 409, while a read by that
    property finds nothing (what the connector must not loop on)."""
    assert hs.raw("DELETE", f"/crm/v3/objects/tasks/{hs.id('update')}").status_code == 204
    with pytest.raises(ApiException) as caught:
        hs.api.batch.create(
            "tasks",
            BatchInputSimplePublicObjectBatchInputForCreate(
                inputs=[new_task("again", "acme:sponsor-update:q1")]
            ),
        )
    assert (caught.value.status, body_of(caught.value)["category"]) == (409, "CONFLICT")
    read = hs.raw(
        "POST",
        "/crm/v3/objects/tasks/batch/read",
        {"inputs": [{"id": "acme:sponsor-update:q1"}], "idProperty": "sponsor_sync_key", "properties": []},
    )
    assert (read.status_code, read.json()["results"]) == (207, [])


def test_batch_update_answers_200(hs: Sandbox) -> None:
    ok = hs.api.batch.update(
        "companies",
        BatchInputSimplePublicObjectBatchInput(
            inputs=[SimplePublicObjectBatchInput(id=hs.id("acme"), properties={"sponsor_health": "green"})]
        ),
    )
    assert (ok.status, ok.results[0].properties["sponsor_health"]) == ("COMPLETE", "green")


@pytest.mark.parametrize(
    ("bad", "status", "category"),
    [
        ({"id": "20000000999", "properties": {"sponsor_health": "red"}}, 404, "OBJECT_NOT_FOUND"),
        ({"id": "@initech", "properties": {"sponsor_health": "purple"}}, 400, "VALIDATION_ERROR"),
        ({"id": "@initech", "properties": {"hubspot_owner_id": "99999"}}, 400, "VALIDATION_ERROR"),
    ],
    ids=["deleted-record", "invalid-option", "unknown-owner"],
)
def test_one_bad_input_fails_the_whole_batch_update(
    hs: Sandbox, bad: dict[str, Any], status: int, category: str
) -> None:
    """Multi-status is documented for batch create only: an update batch with one bad input is
    refused as a whole, and nothing in it is applied."""
    bad = {**bad, "id": hs.id("initech") if bad["id"] == "@initech" else bad["id"]}
    response = hs.raw(
        "POST",
        "/crm/v3/objects/companies/batch/update",
        {"inputs": [{"id": hs.id("globex"), "properties": {"sponsor_health": "amber"}}, bad]},
    )
    body = response.json()
    assert (response.status_code, body["category"]) == (status, category)
    if status == 404:
        assert body["context"] == {"ids": ["20000000999"]}
        assert body["message"].startswith("Could not update some COMPANY objects")
    else:
        assert body["message"].startswith("Property values were not valid: ")
    globex = hs.api.objects.get_by_id("companies", hs.id("globex"), properties=["sponsor_health"])
    assert globex.properties["sponsor_health"] != "amber", "nothing in a refused batch is applied"


def test_batch_update_refuses_duplicate_ids(hs: Sandbox) -> None:
    response = hs.raw(
        "POST",
        "/crm/v3/objects/companies/batch/update",
        {"inputs": [{"id": hs.id("acme"), "properties": {}}, {"id": hs.id("acme"), "properties": {}}]},
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("Duplicate IDs found in batch input")


def test_batch_upsert_creates_or_updates_by_the_unique_key_and_says_which(hs: Sandbox) -> None:
    result = hs.api.batch.upsert(
        "tasks",
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id="acme:sponsor-update:q1",
                    id_property="sponsor_sync_key",
                    properties={"hs_task_status": "COMPLETED"},
                ),
                SimplePublicObjectBatchInputUpsert(
                    id="initech:sponsor-gone",
                    id_property="sponsor_sync_key",
                    properties={"hs_task_subject": "Replace the sponsor"},
                ),
            ]
        ),
    )
    assert result.status == "COMPLETE"
    by_key = {r.properties["sponsor_sync_key"]: r for r in result.results}
    assert (by_key["acme:sponsor-update:q1"].new, by_key["acme:sponsor-update:q1"].id) == (
        False,
        hs.id("update"),
    )
    assert by_key["acme:sponsor-update:q1"].properties["hs_task_status"] == "COMPLETED"
    assert by_key["acme:sponsor-update:q1"].properties["hs_task_completion_date"] is not None
    assert by_key["initech:sponsor-gone"].new is True
    again = hs.raw(
        "POST",
        "/crm/v3/objects/tasks/batch/upsert",
        {
            "inputs": [
                {
                    "id": "initech:sponsor-gone",
                    "idProperty": "sponsor_sync_key",
                    "properties": {"hs_task_priority": "HIGH"},
                }
            ]
        },
    ).json()
    assert again["results"][0]["new"] is False
    assert again["results"][0]["id"] == by_key["initech:sponsor-gone"].id


def test_contacts_upsert_by_email(hs: Sandbox) -> None:
    body = hs.raw(
        "POST",
        "/crm/v3/objects/contacts/batch/upsert",
        {
            "inputs": [
                {"id": "jane.roe@acme.example", "idProperty": "email", "properties": {"jobtitle": "CTO"}},
                {"id": "nia.obi@acme.example", "idProperty": "email", "properties": {"firstname": "Nia"}},
            ]
        },
    ).json()
    assert [(r["id"] == hs.id("jane"), r["new"]) for r in body["results"]] == [(True, False), (False, True)]
    assert body["results"][1]["properties"]["email"] == "nia.obi@acme.example"


@pytest.mark.parametrize("id_property", ["hs_task_subject", None], ids=["not-unique", "missing"])
def test_upsert_needs_a_unique_id_property(hs: Sandbox, id_property: str | None) -> None:
    response = hs.raw(
        "POST",
        "/crm/v3/objects/tasks/batch/upsert",
        {"inputs": [{"id": "x", "idProperty": id_property, "properties": {}}]},
    )
    assert response.status_code == 400
    assert "sponsor_sync_key" in response.json()["message"]


def test_upsert_validation_failures_are_per_input(hs: Sandbox) -> None:
    body = hs.raw(
        "POST",
        "/crm/v3/objects/tasks/batch/upsert",
        {
            "inputs": [
                {"id": "good", "idProperty": "sponsor_sync_key", "properties": {"hs_task_subject": "Fine"}},
                {"id": "bad", "idProperty": "sponsor_sync_key", "properties": {"hs_task_priority": "URGENT"}},
            ]
        },
    )
    assert body.status_code == 207
    payload = body.json()
    assert [r["properties"]["sponsor_sync_key"] for r in payload["results"]] == ["good"]
    assert payload["errors"][0]["category"] == "VALIDATION_ERROR"
    assert payload["errors"][0]["context"] == {"id": ["bad"]}


def test_batch_archive_answers_204(hs: Sandbox) -> None:
    result = hs.api.batch.archive(
        "tasks",
        BatchInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=hs.id("update")), SimplePublicObjectId(id="30000000999")]
        ),
    )
    assert result is None
    assert [t.id for t in hs.api.objects.get_page("tasks", limit=10).results] == [
        hs.id("appoint"),
        hs.id("renewal"),
    ]


@pytest.mark.parametrize("endpoint", ["read", "create", "update", "upsert", "archive"])
def test_more_than_100_inputs_is_a_validation_error(hs: Sandbox, endpoint: str) -> None:
    inputs = [
        {"id": str(30_000_000_001 + i), "idProperty": "sponsor_sync_key", "properties": {}}
        for i in range(101)
    ]
    response = hs.raw("POST", f"/crm/v3/objects/tasks/batch/{endpoint}", {"inputs": inputs})
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert "the maximum batch size is 100" in body["message"]
