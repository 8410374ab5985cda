"""HubSpot emulator, ``/crm/v3/objects/{objectType}``: list, get, create, update, archive, driven
through the unmodified hubspot-api-client. Expected shapes: reference/hubspot/recorded-nango
(list-contacts, get-contact, create-*, update-*, delete-*) and FIDELITY.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hubspot.crm.objects import (
    AssociationSpec,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.objects.exceptions import ApiException, NotFoundException

from tests.sandbox import hubspot_support
from tests.sandbox.hubspot_support import Sandbox, body_of

hubspot_session, hs = hubspot_support.hubspot_session, hubspot_support.hs  # the fixtures

ISO_MS = "%Y-%m-%dT%H:%M:%S.%fZ"


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, ISO_MS).replace(tzinfo=UTC)


def test_list_pages_through_every_contact_in_id_order_and_omits_paging_on_the_last_page(hs: Sandbox) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = hs.api.objects.get_page("contacts", limit=4, after=after)
        pages += 1
        seen += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
        assert isinstance(after, str)
        assert after
    expected = [hs.id(label) for label in ("jane", "ken", "luis", "petra", "sam", "orla")]
    assert (seen, pages) == (expected, 2)


def test_list_body_has_paging_next_after_and_link_only_while_there_is_a_next_page(hs: Sandbox) -> None:
    first = hs.raw("GET", "/crm/v3/objects/contacts?limit=5").json()
    assert set(first) == {"results", "paging"}
    assert first["paging"]["next"]["after"] == hs.id("orla")
    assert first["paging"]["next"]["link"] == f"/crm/v3/objects/contacts?limit=5&after={hs.id('orla')}"
    last = hs.raw("GET", f"/crm/v3/objects/contacts?limit=5&after={hs.id('orla')}").json()
    assert set(last) == {"results"}
    assert [r["id"] for r in last["results"]] == [hs.id("orla")]


@pytest.mark.parametrize(
    ("object_type", "expected"),
    [
        ("contacts", ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"]),
        ("companies", ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"]),
        (
            "tasks",
            ["hs_createdate", "hs_lastmodifieddate", "hs_object_id", "hs_task_subject", "hs_timestamp"],
        ),
        (
            "0-47",
            ["hs_createdate", "hs_lastmodifieddate", "hs_meeting_title", "hs_object_id", "hs_timestamp"],
        ),
        ("calls", ["hs_call_title", "hs_createdate", "hs_lastmodifieddate", "hs_object_id", "hs_timestamp"]),
        (
            "emails",
            ["hs_createdate", "hs_email_subject", "hs_lastmodifieddate", "hs_object_id", "hs_timestamp"],
        ),
        ("notes", ["hs_createdate", "hs_lastmodifieddate", "hs_note_body", "hs_object_id", "hs_timestamp"]),
    ],
    ids=["contacts", "companies", "tasks", "meetings-by-type-id", "calls", "emails", "notes"],
)
def test_without_properties_a_read_returns_the_types_default_properties(
    hs: Sandbox, object_type: str, expected: list[str]
) -> None:
    page = hs.api.objects.get_page(object_type, limit=1)
    assert sorted(page.results[0].properties) == expected


def test_properties_may_be_repeated_or_comma_separated_and_unset_ones_are_null(hs: Sandbox) -> None:
    repeated = hs.api.objects.get_page("contacts", limit=6, properties=["email", "jobtitle"])
    joined = hs.raw("GET", "/crm/v3/objects/contacts?limit=6&properties=email,jobtitle").json()
    assert [r.properties for r in repeated.results] == [r["properties"] for r in joined["results"]]
    orla = joined["results"][-1]
    assert orla["properties"] == {
        "email": "orla.quinn@example.org",
        "hs_object_id": hs.id("orla"),
        "jobtitle": None,
        "createdate": orla["createdAt"],
        "lastmodifieddate": orla["updatedAt"],
    }


def test_an_object_has_the_recorded_shape_with_string_values(hs: Sandbox) -> None:
    body = hs.raw("GET", f"/crm/v3/objects/companies/{hs.id('acme')}?properties=name,alliance_tier").json()
    assert list(body) == ["id", "properties", "createdAt", "updatedAt", "archived", "url"]
    assert body["id"] == hs.id("acme")
    assert body["properties"]["name"] == "Acme Cloud"
    assert body["properties"]["alliance_tier"] == "strategic"
    assert body["properties"]["hs_object_id"] == hs.id("acme")
    assert body["archived"] is False
    assert body["url"] == f"https://app.hubspot.com/contacts/24681357/record/0-2/{hs.id('acme')}"
    assert parse_iso(body["updatedAt"]) == parse_iso(body["properties"]["hs_lastmodifieddate"])
    assert abs(parse_iso(body["updatedAt"]) - (hs.now - timedelta(days=20))) < timedelta(seconds=1)


def test_get_with_associations_lists_them_by_type_and_omits_types_without_any(hs: Sandbox) -> None:
    task = hs.api.objects.get_by_id("tasks", hs.id("update"), associations=["contacts", "companies", "notes"])
    assert task.associations["contacts"].results[0].to_dict() == {
        "id": hs.id("jane"),
        "type": "task_to_contact",
    }
    assert task.associations["companies"].results[0].id == hs.id("acme")
    assert "notes" not in task.associations
    raw = hs.raw("GET", f"/crm/v3/objects/contacts/{hs.id('jane')}?associations=companies").json()
    assert raw["associations"] == {
        "companies": {
            "results": [
                {"id": hs.id("acme"), "type": "contact_to_company"},
                {"id": hs.id("acme"), "type": "contact_to_company_unlabeled"},
            ]
        }
    }
    orla = hs.raw("GET", f"/crm/v3/objects/contacts/{hs.id('orla')}?associations=companies").json()
    assert "associations" not in orla


def test_get_by_a_unique_property_with_id_property(hs: Sandbox) -> None:
    jane = hs.api.contacts.get_by_id("JANE.ROE@acme.example", id_property="email", properties=["jobtitle"])
    assert (jane.id, jane.properties["jobtitle"]) == (hs.id("jane"), "Chief Technology Officer")
    task = hs.api.objects.get_by_id("tasks", "globex:appoint-sponsor", id_property="sponsor_sync_key")
    assert task.id == hs.id("appoint")


def test_a_missing_object_is_404_with_hubspots_body(hs: Sandbox) -> None:
    with pytest.raises(NotFoundException) as caught:
        hs.api.objects.get_by_id("contacts", "10000000999")
    body = body_of(caught.value)
    assert caught.value.status == 404
    assert body["message"] == "Object not found.  objectId are usually numeric."
    assert (body["status"], body["category"], body["context"]) == (
        "error",
        "OBJECT_NOT_FOUND",
        {"id": ["10000000999"]},
    )
    assert caught.value.headers["X-HubSpot-Correlation-Id"] == body["correlationId"]


@pytest.mark.parametrize(
    ("path", "status", "category", "message"),
    [
        ("/crm/v3/objects/widgets", 400, "VALIDATION_ERROR", "Unable to infer object type from: widgets"),
        (
            "/crm/v3/objects/contacts?limit=101",
            400,
            "VALIDATION_ERROR",
            "limit must be between 1 and 100, got 101",
        ),
        ("/crm/v3/objects/contacts?archived=maybe", 400, "VALIDATION_ERROR", "is not a boolean"),
        ("/crm/v3/nothing", 404, "OBJECT_NOT_FOUND", "The requested resource does not exist"),
    ],
    ids=["unknown-object-type", "limit-over-100", "bad-boolean", "unknown-path"],
)
def test_bad_reads_get_json_error_bodies(
    hs: Sandbox, path: str, status: int, category: str, message: str
) -> None:
    response = hs.raw("GET", path)
    body = response.json()
    assert response.status_code == status
    assert (body["status"], body["category"]) == ("error", category)
    assert message in body["message"]
    assert response.headers["Content-Type"].startswith("application/json")


def test_create_answers_201_with_every_set_property_and_the_sandbox_clock(hs: Sandbox) -> None:
    hs.admin.advance_clock(days=2)
    created = hs.api.objects.create(
        "contacts",
        SimplePublicObjectInputForCreate(
            properties={"email": "New.Person@Acme.example", "firstname": "New", "lastname": "Person"},
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(id=hs.id("acme")),
                    types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=279)],
                )
            ],
        ),
    )
    assert created is not None, "the SDK returns None unless create answers 201"
    assert created.properties["email"] == "new.person@acme.example"
    assert created.properties["hs_object_id"] == created.id
    assert created.properties["associatedcompanyid"] == hs.id("acme")
    assert created.properties["createdate"] == created.properties["lastmodifieddate"]
    clock = datetime.fromisoformat(hs.admin.now().replace("Z", "+00:00"))
    assert abs(created.created_at - clock) < timedelta(seconds=5)
    assert created.archived is False
    company = hs.api.objects.get_by_id("companies", hs.id("acme"), associations=["contacts"])
    assert created.id in {r.id for r in company.associations["contacts"].results}
    assert abs(company.updated_at - clock) < timedelta(seconds=5), "associating bumps the other record"


def test_create_of_an_engagement_keeps_its_own_timestamp_and_associations(hs: Sandbox) -> None:
    note = hs.raw(
        "POST",
        "/crm/v3/objects/notes",
        {
            "properties": {"hs_note_body": "Met at the summit", "hs_timestamp": "2026-03-12T10:00:00Z"},
            "associations": [
                {
                    "to": {"id": hs.id("jane")},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}],
                }
            ],
        },
    )
    assert note.status_code == 201
    props = note.json()["properties"]
    assert (props["hs_timestamp"], props["hs_note_body"]) == ("2026-03-12T10:00:00Z", "Met at the summit")
    assert note.json()["url"].startswith("https://app.hubspot.com/contacts/24681357/objects/0-46/")
    linked = hs.api.associations.get_page("notes", note.json()["id"], "contacts")
    assert [r.to_object_id for r in linked.results] == [hs.id("jane")]


def test_update_changes_the_values_and_stamps_the_last_modified_properties(hs: Sandbox) -> None:
    hs.admin.advance_clock(days=1)
    updated = hs.api.objects.update(
        "companies",
        hs.id("globex"),
        SimplePublicObjectInput(properties={"sponsor_health": "red", "sponsor_last_touch": "2026-01-31"}),
    )
    assert updated.properties["sponsor_health"] == "red"
    assert updated.properties["sponsor_last_touch"] == "2026-01-31"
    clock = datetime.fromisoformat(hs.admin.now().replace("Z", "+00:00"))
    assert abs(parse_iso(updated.properties["hs_lastmodifieddate"]) - clock) < timedelta(seconds=5)
    again = hs.api.objects.get_by_id("companies", hs.id("globex"), properties=["sponsor_health"])
    assert again.properties["sponsor_health"] == "red"
    assert again.updated_at == updated.updated_at


def test_an_update_that_changes_nothing_leaves_the_last_modified_date_alone(hs: Sandbox) -> None:
    before = hs.api.objects.get_by_id("companies", hs.id("acme"))
    same = hs.api.objects.update(
        "companies", hs.id("acme"), SimplePublicObjectInput(properties={"alliance_tier": "strategic"})
    )
    assert same.updated_at == before.updated_at


def test_contacts_update_both_last_modified_properties(hs: Sandbox) -> None:
    updated = hs.api.contacts.update(
        hs.id("ken"), SimplePublicObjectInput(properties={"jobtitle": "Head of Alliances"})
    )
    assert updated.properties["lastmodifieddate"] == updated.properties["hs_lastmodifieddate"]
    assert parse_iso(updated.properties["lastmodifieddate"]) > hs.now - timedelta(minutes=5)


def test_archive_answers_204_hides_the_record_and_lists_it_with_archived_true(hs: Sandbox) -> None:
    assert hs.api.objects.archive("contacts", hs.id("orla")) is None
    with pytest.raises(NotFoundException):
        hs.api.objects.get_by_id("contacts", hs.id("orla"))
    live = hs.api.objects.get_page("contacts", limit=100)
    assert hs.id("orla") not in [r.id for r in live.results]
    archived = hs.api.objects.get_page("contacts", limit=100, archived=True)
    assert [r.id for r in archived.results] == [hs.id("orla")]
    assert archived.results[0].archived is True
    assert archived.results[0].archived_at is not None
    by_id = hs.api.objects.get_by_id("contacts", hs.id("orla"), archived=True)
    assert by_id.archived is True
    again = hs.raw("DELETE", f"/crm/v3/objects/contacts/{hs.id('orla')}")
    assert (again.status_code, again.content) == (204, b"")
    assert hs.raw("DELETE", "/crm/v3/objects/tasks/1234567890").status_code == 204


def _validation(
    hs: Sandbox, object_type: str, object_id: str, properties: dict[str, Any]
) -> list[dict[str, Any]]:
    with pytest.raises(ApiException) as caught:
        hs.api.objects.update(object_type, object_id, SimplePublicObjectInput(properties=properties))
    body = body_of(caught.value)
    assert (caught.value.status, body["category"]) == (400, "VALIDATION_ERROR")
    prefix = "Property values were not valid: "
    assert body["message"].startswith(prefix)
    details: list[dict[str, Any]] = json.loads(body["message"][len(prefix) :])
    return details


@pytest.mark.parametrize(
    ("object_type", "label", "properties", "error", "message"),
    [
        ("companies", "acme", {"foo": "1"}, "PROPERTY_DOESNT_EXIST", 'Property "foo" does not exist'),
        ("companies", "acme", {"hs_object_id": "1"}, "READ_ONLY_VALUE", '"hs_object_id" is a read only property'),
        ("companies", "acme", {"alliance_tier": "platinum"}, "INVALID_OPTION", "platinum was not one of the allowed options"),
        ("companies", "acme", {"executive_sponsor": "123"}, "INVALID_OWNER_ID", "123 is not a valid owner id"),
        ("companies", "acme", {"executive_sponsor": "@liam"}, "INVALID_OWNER_ID", "is not a valid owner id"),
        ("companies", "acme", {"sponsor_last_touch": "2026-01-31T10:00:00Z"}, "INVALID_DATE", "not midnight"),
        ("companies", "acme", {"numberofemployees": "many"}, "INVALID_INTEGER", "many is not a valid number"),
        ("tasks", "update", {"hs_timestamp": "next tuesday"}, "INVALID_DATETIME", "is not a valid datetime"),
        ("tasks", "update", {"hs_task_status": "DONE"}, "INVALID_OPTION", "DONE was not one of the allowed options"),
    ],
    ids=[
        "unknown-property", "read-only", "bad-option", "unknown-owner", "deactivated-owner", "date-not-midnight",
        "not-a-number", "not-a-datetime", "bad-task-status",
    ],
)  # fmt: skip
def test_writes_are_validated_like_hubspot(
    hs: Sandbox, object_type: str, label: str, properties: dict[str, str], error: str, message: str
) -> None:
    if properties.get("executive_sponsor") == "@liam":
        properties = {"executive_sponsor": hs.id("liam")}
    (detail,) = _validation(hs, object_type, hs.id(label), properties)
    name = next(iter(properties))
    assert (detail["isValid"], detail["error"], detail["name"]) == (False, error, name)
    assert message in detail["message"]


def test_every_bad_property_is_reported_at_once_and_nothing_is_written(hs: Sandbox) -> None:
    details = _validation(
        hs, "companies", hs.id("acme"), {"foo": "x", "alliance_tier": "gold", "name": "Renamed"}
    )
    assert [d["error"] for d in details] == ["PROPERTY_DOESNT_EXIST", "INVALID_OPTION"]
    assert hs.api.objects.get_by_id("companies", hs.id("acme")).properties["name"] == "Acme Cloud"


@pytest.mark.parametrize(
    ("object_type", "properties", "message"),
    [
        ("contacts", {"email": "Jane.Roe@acme.example"}, "Contact already exists. Existing ID: {jane}"),
        ("tasks", {"sponsor_sync_key": "acme:sponsor-update:q1"}, "{update} already has that value"),
    ],
    ids=["contact-email", "task-sync-key"],
)
def test_creating_a_duplicate_unique_value_is_409(
    hs: Sandbox, object_type: str, properties: dict[str, str], message: str
) -> None:
    with pytest.raises(ApiException) as caught:
        hs.api.objects.create(object_type, SimplePublicObjectInputForCreate(properties=properties))
    body = body_of(caught.value)
    assert (caught.value.status, body["category"]) == (409, "CONFLICT")
    assert message.format(jane=hs.id("jane"), update=hs.id("update")) in body["message"]


def test_an_association_to_a_missing_record_refuses_the_create(hs: Sandbox) -> None:
    response = hs.raw(
        "POST",
        "/crm/v3/objects/tasks",
        {
            "properties": {"hs_task_subject": "Orphan"},
            "associations": [
                {
                    "to": {"id": "10000000999"},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
                }
            ],
        },
    )
    assert response.status_code == 400
    assert response.json()["message"] == "CONTACT 10000000999 does not exist; cannot create the association"
    assert hs.api.objects.get_page("tasks", limit=100).results[-1].id == hs.id("renewal")


def test_reset_restores_the_seeded_portal(hs: Sandbox) -> None:
    hs.api.objects.archive("companies", hs.id("umbrella"))
    hs.api.objects.create("tasks", SimplePublicObjectInputForCreate(properties={"hs_task_subject": "Temp"}))
    hs.admin.reset()
    companies = hs.api.objects.get_page("companies", limit=10)
    tasks = hs.api.objects.get_page("tasks", limit=10)
    assert len(companies.results) == 4
    assert [t.id for t in tasks.results] == [hs.id("update"), hs.id("appoint"), hs.id("renewal")]


def test_the_sdks_get_all_helpers_follow_the_paging_to_the_end(hs: Sandbox) -> None:
    client = hs.client()
    assert [c.id for c in client.crm.contacts.get_all()] == [
        hs.id(x) for x in ("jane", "ken", "luis", "petra", "sam", "orla")
    ]
    assert len(client.crm.owners.get_all()) == 4
