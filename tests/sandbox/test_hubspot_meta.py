"""HubSpot emulator, owners and property definitions through the unmodified SDK. Expected shapes:
reference/hubspot/recorded-nango owners / get-owner / fetch-properties / create-property."""

from __future__ import annotations

import pytest
from hubspot.crm.owners.exceptions import NotFoundException as OwnerNotFound
from hubspot.crm.properties import OptionInput, PropertyCreate
from hubspot.crm.properties.exceptions import ApiException as PropertyApiException

from tests.sandbox import hubspot_support
from tests.sandbox.hubspot_support import Sandbox, body_of

hubspot_session, hs = hubspot_support.hubspot_session, hubspot_support.hs  # the fixtures

# docs/ARCHITECTURE.md, "HubSpot objects"
ARCHITECTURE_PROPERTIES = {
    "companies": "name domain industry type hubspot_owner_id alliance_tier executive_sponsor sponsor_health "
    "sponsor_last_touch sponsor_health_reason sponsor_sync_stamp createdate hs_lastmodifieddate hs_object_id",
    "contacts": "firstname lastname email jobtitle phone hubspot_owner_id associatedcompanyid createdate "
    "lastmodifieddate hs_object_id",
    "tasks": "hs_task_subject hs_task_body hs_task_status hs_task_priority hs_task_type hs_timestamp hubspot_owner_id "
    "hs_task_completion_date sponsor_sync_key sponsor_sync_stamp hs_createdate hs_lastmodifieddate hs_object_id",
    "meetings": "hs_meeting_title hs_meeting_body hs_meeting_start_time hs_meeting_end_time hs_meeting_outcome "
    "hs_timestamp hubspot_owner_id hs_lastmodifieddate",
    "calls": "hs_call_title hs_call_body hs_call_direction hs_call_status hs_call_duration hs_timestamp "
    "hubspot_owner_id hs_lastmodifieddate",
    "emails": "hs_email_subject hs_email_text hs_email_direction hs_email_status hs_timestamp hubspot_owner_id "
    "hs_lastmodifieddate",
    "notes": "hs_note_body hs_timestamp hubspot_owner_id hs_lastmodifieddate",
}


def test_owners_page_through_the_active_owners_with_the_trailing_slash_path(hs: Sandbox) -> None:
    emails: list[str] = []
    after = None
    while True:
        page = hs.api.owners.get_page(limit=2, after=after)
        emails += [o.email for o in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    assert emails == [
        "ava.chen@northwind.example",
        "tom.becker@northwind.example",
        "maria.santos@northwind.example",
        "raj.patel@northwind.example",
    ]
    targets = [r["target"] for r in hs.admin.requests()]
    assert targets[0] == "/crm/v3/owners/?limit=2"


def test_an_owner_has_the_recorded_shape(hs: Sandbox) -> None:
    body = hs.raw("GET", f"/crm/v3/owners/{hs.id('tom')}").json()
    assert list(body) == [
        "id", "email", "type", "firstName", "lastName", "userId", "userIdIncludingInactive",
        "createdAt", "updatedAt", "archived", "teams",
    ]  # fmt: skip
    assert body["id"] == hs.id("tom")
    assert (body["type"], body["firstName"], body["archived"]) == ("PERSON", "Tom", False)
    assert isinstance(body["userId"], int)
    assert body["userId"] == body["userIdIncludingInactive"]
    assert body["teams"] == [{"id": body["teams"][0]["id"], "name": "Partnerships", "primary": True}]
    owner = hs.api.owners.get_by_id(int(hs.id("tom")))
    assert (owner.id, owner.email, owner.user_id) == (
        hs.id("tom"),
        "tom.becker@northwind.example",
        body["userId"],
    )


def test_deactivated_users_are_archived_owners(hs: Sandbox) -> None:
    archived = hs.api.owners.get_page(archived=True)
    assert [o.email for o in archived.results] == ["liam.oconnor@northwind.example"]
    liam = archived.results[0]
    assert (liam.archived, liam.user_id, isinstance(liam.user_id_including_inactive, int)) == (
        True,
        None,
        True,
    )
    with pytest.raises(OwnerNotFound):
        hs.api.owners.get_by_id(int(hs.id("liam")))
    assert hs.api.owners.get_by_id(int(hs.id("liam")), archived=True).id == hs.id("liam")


def test_owners_filter_by_email_and_find_by_user_id(hs: Sandbox) -> None:
    found = hs.api.owners.get_page(email="MARIA.SANTOS@northwind.example")
    assert [o.id for o in found.results] == [hs.id("maria")]
    by_user = hs.api.owners.get_by_id(found.results[0].user_id, id_property="userId")
    assert by_user.id == hs.id("maria")


def test_owners_limit_over_500_is_400(hs: Sandbox) -> None:
    response = hs.raw("GET", "/crm/v3/owners/?limit=501")
    assert (response.status_code, response.json()["category"]) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize("object_type", sorted(ARCHITECTURE_PROPERTIES))
def test_every_property_of_the_architecture_table_exists(hs: Sandbox, object_type: str) -> None:
    names = {p.name for p in hs.api.properties.get_all(object_type).results}
    assert set(ARCHITECTURE_PROPERTIES[object_type].split()) <= names


@pytest.mark.parametrize(
    ("object_type", "name", "expected"),
    [
        ("companies", "executive_sponsor", {"type": "enumeration", "fieldType": "select", "referencedObjectType": "OWNER",
                                            "externalOptions": True, "hasUniqueValue": False}),
        ("companies", "alliance_tier", {"type": "enumeration", "options": [
            {"label": "Strategic", "value": "strategic", "displayOrder": 0, "hidden": False},
            {"label": "Key", "value": "key", "displayOrder": 1, "hidden": False},
            {"label": "Standard", "value": "standard", "displayOrder": 2, "hidden": False}]}),
        ("companies", "sponsor_last_touch", {"type": "date", "fieldType": "date", "groupName": "sponsorsync"}),
        ("companies", "hubspot_owner_id", {"referencedObjectType": "OWNER", "hubspotDefined": True,
                                           "modificationMetadata": {"archivable": True, "readOnlyDefinition": True,
                                                                    "readOnlyValue": False}}),
        ("companies", "hs_lastmodifieddate", {"type": "datetime", "modificationMetadata": {
            "archivable": True, "readOnlyDefinition": True, "readOnlyValue": True}}),
        ("tasks", "sponsor_sync_key", {"type": "string", "hasUniqueValue": True, "archived": False}),
        ("contacts", "email", {"type": "string", "fieldType": "text", "formField": True}),
    ],
    ids=["owner-enumeration", "custom-options", "custom-date", "standard-owner", "read-only", "unique", "email"],
)  # fmt: skip
def test_property_definitions_have_hubspots_shape(
    hs: Sandbox, object_type: str, name: str, expected: dict[str, object]
) -> None:
    body = hs.raw("GET", f"/crm/v3/properties/{object_type}/{name}").json()
    assert {k: body[k] for k in expected} == expected
    assert ("hubspotDefined" in body) is (not name.startswith(("alliance", "executive", "sponsor")))
    model = hs.api.properties.get_by_name(object_type, name)
    assert (model.name, model.type) == (name, body["type"])


def test_a_missing_property_is_404(hs: Sandbox) -> None:
    with pytest.raises(PropertyApiException) as caught:
        hs.api.properties.get_by_name("companies", "shoe_size")
    assert (caught.value.status, body_of(caught.value)["category"]) == (404, "OBJECT_NOT_FOUND")


def test_create_property_answers_201_then_409_and_the_property_is_usable_until_reset(hs: Sandbox) -> None:
    spec = PropertyCreate(
        name="partner_program",
        label="Partner program",
        type="enumeration",
        field_type="select",
        group_name="sponsorsync",
        options=[OptionInput(label="Gold", value="gold", display_order=0, hidden=False)],
        has_unique_value=False,
    )
    created = hs.api.properties.create("companies", spec)
    assert created is not None, "the SDK returns None unless create answers 201"
    assert (created.name, created.options[0].value, created.archived) == ("partner_program", "gold", False)
    with pytest.raises(PropertyApiException) as caught:
        hs.api.properties.create("companies", spec)
    assert (caught.value.status, body_of(caught.value)["category"]) == (409, "OBJECT_ALREADY_EXISTS")
    ok = hs.raw(
        "PATCH", f"/crm/v3/objects/companies/{hs.id('acme')}", {"properties": {"partner_program": "gold"}}
    )
    bad = hs.raw(
        "PATCH", f"/crm/v3/objects/companies/{hs.id('acme')}", {"properties": {"partner_program": "tin"}}
    )
    assert (ok.status_code, bad.status_code) == (200, 400)
    hs.admin.reset()
    assert hs.raw("GET", "/crm/v3/properties/companies/partner_program").status_code == 404


def test_a_created_unique_property_can_key_an_upsert(hs: Sandbox) -> None:
    created = hs.raw(
        "POST",
        "/crm/v3/properties/contacts",
        {"name": "partner_uid", "label": "Partner UID", "type": "string", "fieldType": "text",
         "groupName": "contactinformation", "hasUniqueValue": True},
    )  # fmt: skip
    assert created.status_code == 201
    body = hs.raw(
        "POST",
        "/crm/v3/objects/contacts/batch/upsert",
        {"inputs": [{"id": "P-1", "idProperty": "partner_uid", "properties": {"firstname": "Pat"}}]},
    ).json()
    assert (body["results"][0]["new"], body["results"][0]["properties"]["partner_uid"]) == (True, "P-1")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "x", "label": "X", "type": "string"}, "Missing required fields: fieldType, groupName"),
        (
            {"name": "Bad Name", "label": "X", "type": "string", "fieldType": "text", "groupName": "g"},
            "is invalid",
        ),
        (
            {"name": "x", "label": "X", "type": "money", "fieldType": "text", "groupName": "g"},
            "Invalid property type",
        ),
        (
            {"name": "x", "label": "X", "type": "number", "fieldType": "select", "groupName": "g"},
            "is not valid",
        ),
    ],
    ids=["missing-fields", "bad-name", "bad-type", "bad-field-type"],
)
def test_invalid_property_definitions_are_400(hs: Sandbox, spec: dict[str, str], message: str) -> None:
    response = hs.raw("POST", "/crm/v3/properties/companies", spec)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_account_details_have_the_documented_shape_and_the_portal_id(hs: Sandbox) -> None:
    """GET /account-info/v3/details: every documented field, portalId an integer."""
    response = hs.raw("GET", "/account-info/v3/details")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "portalId", "accountType", "timeZone", "companyCurrency", "additionalCurrencies", "utcOffset",
        "utcOffsetMilliseconds", "uiDomain", "dataHostingLocation",
    }  # fmt: skip
    assert body["portalId"] == 24681357
    assert body["accountType"] in ("APP_DEVELOPER", "DEVELOPER_TEST", "SANDBOX", "STANDARD")


def test_account_details_give_the_configured_time_zone_with_its_offset_at_the_clock(hs: Sandbox) -> None:
    """The account's time zone (default US/Eastern) and its UTC offset now, summer time included; a
    name that is no time zone is refused."""
    details = hs.raw("GET", "/account-info/v3/details").json()
    assert details["timeZone"] == "US/Eastern"
    hs.admin.configure(time_zone="Europe/Berlin")
    try:
        hs.admin.set_clock("2027-01-15T12:00:00Z")
        winter = hs.raw("GET", "/account-info/v3/details").json()
        assert (winter["timeZone"], winter["utcOffset"], winter["utcOffsetMilliseconds"]) == (
            "Europe/Berlin", "+01:00", 3_600_000,
        )  # fmt: skip
        hs.admin.set_clock("2027-07-15T12:00:00Z")
        summer = hs.raw("GET", "/account-info/v3/details").json()
        assert (summer["utcOffset"], summer["utcOffsetMilliseconds"]) == ("+02:00", 7_200_000)
        with pytest.raises(RuntimeError, match="no IANA time zone name"):
            hs.admin.configure(time_zone="Mars/Olympus_Mons")
    finally:
        hs.admin.reset()
    assert hs.raw("GET", "/account-info/v3/details").json()["timeZone"] == "US/Eastern"


def test_schemas_list_no_custom_objects_for_a_portal_without_them(hs: Sandbox) -> None:
    """GET /crm/v3/schemas (CollectionResponseObjectSchemaNoPaging): the sandbox portal has no
    custom objects, so the list is empty; the SDK's schemas API reads it."""
    response = hs.raw("GET", "/crm/v3/schemas")
    assert (response.status_code, response.json()) == (200, {"results": []})
    assert hs.raw("GET", "/crm/v3/schemas?archived=true").json() == {"results": []}
    assert hs.client().crm.schemas.core_api.get_all().results == []
