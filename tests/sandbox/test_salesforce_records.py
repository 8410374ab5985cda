"""Metadata resources and single records through the unmodified simple-salesforce SDK. Expected
shapes: reference/salesforce/recorded-nango (list-available-resources, get-limits, describe-global,
describe-sobject, get-sobject-basic-info, create-record, get-record, update-record, delete-record,
upsert-record, update-record-by-external-id, get-record-by-external-id) and fixtures-restforce
(sobject_find_error_response, upsert_multiple_error_response, write_error_response)."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from tests.sandbox import salesforce_support
from tests.sandbox.salesforce_support import Sf, content, missing, trusting_session

salesforce_session, sf = salesforce_support.salesforce_session, salesforce_support.sf  # the fixtures

NOT_FOUND = [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
# docs/ARCHITECTURE.md, "Salesforce objects", plus CreatedById / LastModifiedById everywhere
FIELDS = {
    "User": "Id Username FirstName LastName Name Email Title Department IsActive UserType ManagerId CreatedDate "
    "LastModifiedDate SystemModstamp",
    "Account": "Id Name Type Industry Website OwnerId Alliance_Tier__c Executive_Sponsor__c Sponsor_Health__c "
    "Sponsor_Last_Touch__c Sponsor_Health_Reason__c Sponsor_Sync_Stamp__c Sponsor_Covered__c IsDeleted CreatedDate "
    "LastModifiedDate SystemModstamp",
    "Contact": "Id AccountId FirstName LastName Name Title Email Phone Department OwnerId IsDeleted CreatedDate "
    "LastModifiedDate SystemModstamp",
    "Task": "Id Subject Description Status Priority ActivityDate OwnerId WhoId WhatId AccountId TaskSubtype Type "
    "IsClosed CompletedDateTime IsArchived IsDeleted Sponsor_Sync_Key__c Sponsor_Sync_Stamp__c CreatedDate "
    "LastModifiedDate SystemModstamp",
    "Event": "Id Subject Description StartDateTime EndDateTime ActivityDateTime ActivityDate DurationInMinutes "
    "OwnerId WhoId WhatId AccountId Type EventSubtype IsArchived IsDeleted CreatedDate LastModifiedDate "
    "SystemModstamp",
    "AccountTeamMember": "Id AccountId UserId TeamMemberRole IsDeleted CreatedDate LastModifiedDate SystemModstamp",
    # Salesforce's object reference (Shared Activities on): EventRelation / TaskRelation.
    "EventRelation": "Id RelationId EventId Status RespondedDate Response IsInvitee IsParent IsWhat AccountId "
    "IsDeleted CreatedDate LastModifiedDate SystemModstamp",
    "TaskRelation": "Id RelationId TaskId IsWhat AccountId IsDeleted CreatedDate LastModifiedDate SystemModstamp",
    # Salesforce's object reference, AccountHistory (StandardObjectNameHistory): rows never change.
    "AccountHistory": "Id IsDeleted AccountId Field DataType OldValue NewValue CreatedDate",
    # the partner pipeline and partner cases (issue 13)
    "Opportunity": "Id AccountId Name Description StageName Amount CloseDate Type IsClosed IsWon OwnerId IsDeleted "
    "CreatedDate LastModifiedDate SystemModstamp",
    "Case": "Id AccountId ContactId Subject Description Status Priority Origin IsClosed IsEscalated ClosedDate "
    "OwnerId IsDeleted CreatedDate LastModifiedDate SystemModstamp",
    "OpportunityPartner": "Id OpportunityId AccountToId Role IsPrimary IsDeleted CreatedDate LastModifiedDate "
    "SystemModstamp",
    # Access (what `sponsorsync setup` writes): Salesforce's object reference, the fields used.
    "PermissionSet": "Id Name Label Description IsOwnedByProfile CreatedDate CreatedById LastModifiedDate "
    "LastModifiedById SystemModstamp",
    "FieldPermissions": "Id ParentId SobjectType Field PermissionsRead PermissionsEdit CreatedDate CreatedById "
    "LastModifiedDate LastModifiedById SystemModstamp",
    "PermissionSetAssignment": "Id PermissionSetId AssigneeId CreatedDate CreatedById LastModifiedDate "
    "LastModifiedById SystemModstamp",
    # The org itself (Salesforce's object reference, Organization): the fields sponsorsync reads and a few.
    "Organization": "Id Name TimeZoneSidKey LanguageLocaleKey DefaultLocaleSidKey CreatedDate LastModifiedDate "
    "SystemModstamp",
}


def words(text: str) -> set[str]:
    return set(text.split())


# the keys of a field entry in reference describe-sobject.test.json
FIELD_KEYS = words(
    "aggregatable aiPredictionField autoNumber byteLength calculated calculatedFormula cascadeDelete caseSensitive "
    "compoundFieldName controllerName createable custom defaultValue defaultValueFormula defaultedOnCreate "
    "dependentPicklist deprecatedAndHidden digits displayLocationInDecimal encrypted externalId extraTypeInfo "
    "filterable filteredLookupInfo formulaTreatNullNumberAsZero groupable highScaleNumber htmlFormatted idLookup "
    "inlineHelpText label length mask maskType name nameField namePointing nillable permissionable picklistValues "
    "polymorphicForeignKey precision queryByDistance referenceTargetField referenceTo relationshipName "
    "relationshipOrder restrictedDelete restrictedPicklist scale searchPrefilterable soapType sortable type unique "
    "updateable writeRequiresMasterRead"
)
# the keys of an entry of reference describe-global.test.json
GLOBAL_KEYS = words(
    "activateable associateEntityType associateParentEntity createable custom customSetting deepCloneable deletable "
    "deprecatedAndHidden feedEnabled hasSubtypes isInterface isSubtype keyPrefix label labelPlural layoutable "
    "mergeable mruEnabled name queryable replicateable retrieveable searchable triggerable undeletable updateable "
    "urls"
)


# -- metadata ------------------------------------------------------------------------------------
def test_versions_list_needs_no_session_and_has_no_usage_header(sf: Sf) -> None:
    response = trusting_session(sf.sandbox.ca_path).get(f"{sf.url}/services/data/", timeout=30)
    assert response.status_code == 200
    assert "Sforce-Limit-Info" not in response.headers
    versions = response.json()
    assert versions[0] == {"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"}
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions


def test_version_resources_list_the_endpoints(sf: Sf) -> None:
    resources = sf.get("").json()
    assert resources["sobjects"] == "/services/data/v59.0/sobjects"
    assert resources["query"] == "/services/data/v59.0/query"
    assert resources["composite"] == "/services/data/v59.0/composite"
    api_user = sf.ids("SELECT Id FROM User WHERE Username = 'integration@northwind.example'")[0]
    assert resources["identity"] == f"{sf.url}/id/00DNw0000009XyZMAU/{api_user}"


def test_limits_report_the_daily_api_quota(sf: Sf) -> None:
    limits = sf.sdk.limits()
    assert limits["DailyApiRequests"] == {"Max": 100_000, "Remaining": 100_000 - 1}
    assert limits["PermissionSets"]["CreateCustom"] == {"Max": 1000, "Remaining": 998}
    assert len(limits) >= 20
    assert all({"Max", "Remaining"} <= set(entry) for entry in limits.values())


def test_describe_global_lists_the_sixteen_objects(sf: Sf) -> None:
    result = sf.sdk.describe()
    assert (result["encoding"], result["maxBatchSize"]) == ("UTF-8", 200)
    assert sorted(o["name"] for o in result["sobjects"]) == sorted(FIELDS)
    account = next(o for o in result["sobjects"] if o["name"] == "Account")
    assert set(account) == GLOBAL_KEYS
    assert account["keyPrefix"] == "001"
    assert account["urls"]["describe"] == "/services/data/v59.0/sobjects/Account/describe"


@pytest.mark.parametrize("sobject", sorted(FIELDS))
def test_describe_has_the_architecture_fields_with_every_describe_key(sf: Sf, sobject: str) -> None:
    result = getattr(sf.sdk, sobject).describe()
    names = {f["name"] for f in result["fields"]}
    audit = {"CreatedById"} if sobject.endswith("History") else {"CreatedById", "LastModifiedById"}
    assert names == words(FIELDS[sobject]) | audit
    assert all(set(f) == FIELD_KEYS for f in result["fields"])
    assert result["name"] == sobject
    assert result["recordTypeInfos"][0]["master"] is True


def _field(sf: Sf, sobject: str, name: str) -> dict[str, Any]:
    fields: list[dict[str, Any]] = getattr(sf.sdk, sobject).describe()["fields"]
    return next(f for f in fields if f["name"] == name)


@pytest.mark.parametrize(
    ("sobject", "name", "expected"),
    [
        ("Account", "Executive_Sponsor__c", {"type": "reference", "referenceTo": ["User"], "relationshipName": "Executive_Sponsor__r", "custom": True, "soapType": "tns:ID", "length": 18}),
        ("Account", "Sponsor_Last_Touch__c", {"type": "date", "soapType": "xsd:date", "custom": True, "nillable": True}),
        ("Account", "Sponsor_Health_Reason__c", {"type": "string", "length": 255, "byteLength": 765, "custom": True}),
        # an activity custom field: External ID, not Unique (docs/salesforce-activity-keys.md)
        ("Task", "Sponsor_Sync_Key__c", {"externalId": True, "unique": False, "caseSensitive": False, "idLookup": True, "length": 255}),
        ("Task", "IsClosed", {"type": "boolean", "createable": False, "updateable": False}),
        ("Task", "AccountId", {"createable": False, "updateable": False, "referenceTo": ["Account"]}),
        ("Task", "WhoId", {"referenceTo": ["Contact", "Lead"], "polymorphicForeignKey": True, "namePointing": True, "relationshipName": "Who"}),
        ("Contact", "Id", {"type": "id", "createable": False, "idLookup": True, "soapType": "tns:ID", "nillable": False}),
        ("Contact", "CreatedDate", {"type": "datetime", "soapType": "xsd:dateTime", "createable": False, "groupable": False}),
        ("Contact", "Name", {"createable": False, "updateable": False, "nameField": True}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_describe_field_properties(sf: Sf, sobject: str, name: str, expected: dict[str, Any]) -> None:
    field = _field(sf, sobject, name)
    assert {key: field[key] for key in expected} == expected


def test_restricted_picklists_list_their_values(sf: Sf) -> None:
    tier = _field(sf, "Account", "Alliance_Tier__c")
    assert tier["restrictedPicklist"] is True
    assert [v["value"] for v in tier["picklistValues"]] == ["Strategic", "Key", "Standard"]
    assert tier["picklistValues"][0] == {
        "active": True,
        "defaultValue": False,
        "label": "Strategic",
        "validFor": None,
        "value": "Strategic",
    }


def test_basic_info_has_the_object_and_the_latest_records(sf: Sf) -> None:
    # reference: recorded-nango get-sobject-basic-info.test.json
    result = sf.sdk.Account.metadata()
    assert result["objectDescribe"]["name"] == "Account"
    assert result["objectDescribe"]["keyPrefix"] == "001"
    assert [item["Name"] for item in result["recentItems"]] == [
        "Umbrella Health",
        "Initech",
        "Globex",
        "Acme Corporation",
    ]
    assert result["recentItems"][0]["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{sf.id('umbrella')}",
    }


def test_unknown_objects_are_not_found(sf: Sf) -> None:
    with pytest.raises(SalesforceResourceNotFound) as raised:
        sf.sdk.Lead.describe()
    assert content(raised.value) == NOT_FOUND


# -- reading -------------------------------------------------------------------------------------
def test_get_returns_every_field_with_attributes(sf: Sf) -> None:
    # reference: recorded-nango get-record.test.json
    record = sf.sdk.Contact.get(sf.id("jane"))
    assert record["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v59.0/sobjects/Contact/{sf.id('jane')}",
    }
    assert set(record) == {"attributes", "CreatedById", "LastModifiedById"} | words(FIELDS["Contact"])
    assert (record["Name"], record["AccountId"], record["IsDeleted"]) == ("Jane Roe", sf.id("acme"), False)
    assert record["SystemModstamp"].endswith(".000+0000")


def test_get_takes_15_character_ids_and_a_field_list(sf: Sf) -> None:
    response = sf.get(f"sobjects/Contact/{sf.id('jane')[:15]}", params={"fields": "LastName,Email"})
    assert response.json() == {
        "attributes": {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{sf.id('jane')}"},
        "LastName": "Roe",
        "Email": "jane.roe@acme.example",
    }


@pytest.mark.parametrize(
    ("sobject", "label", "body"),
    [
        ("Contact", "gone", [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED"}]),
        ("Account", "jane", NOT_FOUND),  # a contact's id under Account
        ("Contact", None, NOT_FOUND),
    ],
    ids=["deleted", "other-object", "unknown"],
)
def test_get_of_missing_or_deleted_records_is_404(sf: Sf, sobject: str, label: str | None, body: Any) -> None:
    record_id = sf.id(label) if label else missing("003")
    with pytest.raises(SalesforceResourceNotFound) as raised:
        getattr(sf.sdk, sobject).get(record_id)
    assert raised.value.status == 404
    assert content(raised.value) == body


# -- writing -------------------------------------------------------------------------------------
def test_create_answers_201_with_the_id_and_location(sf: Sf) -> None:
    # reference: recorded-nango create-record.test.json
    response = sf.http.post(
        sf.data("sobjects/Contact/"), json={"LastName": "Ng", "FirstName": "Mei"}, timeout=30
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "success": True, "errors": []}
    assert response.headers["Location"] == f"/services/data/v59.0/sobjects/Contact/{body['id']}"
    assert body["id"].startswith("003")
    assert len(body["id"]) == 18
    record = sf.sdk.Contact.get(body["id"])
    api_user = sf.ids("SELECT Id FROM User WHERE Username = 'integration@northwind.example'")[0]
    assert (record["Name"], record["OwnerId"], record["CreatedById"]) == ("Mei Ng", api_user, api_user)
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"]


def test_update_answers_204_and_moves_the_modstamp(sf: Sf) -> None:
    before = sf.sdk.Contact.get(sf.id("jane"))
    sf.admin.advance_clock(seconds=90)
    assert sf.sdk.Contact.update(sf.id("jane"), {"FirstName": "Janet", "Title": "CEO"}) == 204
    after = sf.sdk.Contact.get(sf.id("jane"))
    assert (after["Name"], after["Title"]) == ("Janet Roe", "CEO")
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["CreatedDate"] == before["CreatedDate"]
    assert sf.labels("SELECT Id FROM Contact ORDER BY SystemModstamp DESC LIMIT 1") == ["jane"]


def test_delete_answers_204_and_leaves_the_record_to_query_all(sf: Sf) -> None:
    # reference: recorded-nango delete-record.test.json
    assert sf.sdk.Contact.delete(sf.id("john")) == 204
    assert "john" not in sf.labels("SELECT Id FROM Contact")
    assert sf.labels(
        "SELECT Id FROM Contact WHERE IsDeleted = true ORDER BY SystemModstamp", include_deleted=True
    ) == [
        "gone",
        "john",
    ]
    with pytest.raises(SalesforceResourceNotFound) as raised:
        sf.sdk.Contact.delete(sf.id("john"))
    assert content(raised.value) == [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED"}]


CREATE_ERRORS = [
    ({"LastName": "X", "Foo": 1}, "INVALID_FIELD", None, "No such column 'Foo' on sobject of type Contact"),
    ({"LastName": "X", "Name": "Y"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"], "Unable to create/update fields: Name."),
    ({"LastName": "X", "Id": "{jane}"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Id"], "Unable to create/update fields: Id."),
    ({"FirstName": "X"}, "REQUIRED_FIELD_MISSING", ["LastName"], "Required fields are missing: [LastName]"),
    ({"LastName": "X", "AccountId": missing("001")}, "INVALID_CROSS_REFERENCE_KEY", ["AccountId"], "invalid cross reference id"),
    ({"LastName": "X", "OwnerId": "{jane}"}, "INVALID_CROSS_REFERENCE_KEY", ["OwnerId"], "invalid cross reference id"),
    ({"LastName": "X", "AccountId": "{hooli}"}, "ENTITY_IS_DELETED", ["AccountId"], "entity is deleted"),
    ({"LastName": "X", "Email": "not-an-address"}, "INVALID_EMAIL_ADDRESS", ["Email"], "Email: invalid email address: not-an-address"),
    ({"LastName": "X" * 81}, "STRING_TOO_LONG", ["LastName"], "Last Name: data value too large:"),
    ({"LastName": ["X"]}, "JSON_PARSER_ERROR", ["LastName"], "Cannot deserialize instance of string"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "code", "fields", "message"),
    CREATE_ERRORS,
    ids=[e[1] + "-" + str(i) for i, e in enumerate(CREATE_ERRORS)],
)
def test_create_refuses_invalid_records_with_400(sf: Sf, body: dict[str, Any], code: str, fields: list[str] | None, message: str) -> None:  # fmt: skip
    resolved = {
        k: v.format(jane=sf.id("jane"), hooli=sf.id("hooli")) if isinstance(v, str) else v
        for k, v in body.items()
    }
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.sdk.Contact.create(resolved)
    (error,) = content(raised.value)
    assert error["errorCode"] == code
    assert error["message"].startswith(message)
    assert error.get("fields") == fields
    assert sf.sdk.query("SELECT COUNT() FROM Contact")["totalSize"] == 5  # nothing written


def test_tasks_derive_closed_completion_and_account(sf: Sf) -> None:
    created = sf.sdk.Task.create({"Subject": "Debrief", "WhoId": sf.id("jane"), "Status": "Completed"})
    task = sf.sdk.Task.get(created["id"])
    assert (task["IsClosed"], task["AccountId"], task["Priority"], task["TaskSubtype"]) == (
        True,
        sf.id("acme"),
        "Normal",
        "Task",
    )
    assert task["CompletedDateTime"] == task["CreatedDate"]
    sf.sdk.Task.update(created["id"], {"Status": "In Progress", "WhatId": sf.id("globex")})
    task = sf.sdk.Task.get(created["id"])
    assert (task["IsClosed"], task["CompletedDateTime"], task["AccountId"]) == (False, None, sf.id("globex"))


def test_events_derive_their_times(sf: Sf) -> None:
    created = sf.sdk.Event.create(
        {"Subject": "QBR", "StartDateTime": "2026-03-02T09:30:00.000+0100", "DurationInMinutes": 45}
    )
    event = sf.sdk.Event.get(created["id"])
    assert event["StartDateTime"] == event["ActivityDateTime"] == "2026-03-02T08:30:00.000+0000"
    assert (event["EndDateTime"], event["ActivityDate"]) == ("2026-03-02T09:15:00.000+0000", "2026-03-02")


def test_an_activity_external_id_may_repeat_and_then_an_upsert_by_it_creates_nothing(sf: Sf) -> None:
    """Not Unique (as on a real org): a second task may hold the key (a person cloned the task); an
    upsert by the key then matches two records and is refused with both, creating no third."""
    clone = sf.sdk.Task.create({"Subject": "Cloned", "Sponsor_Sync_Key__c": "GLOBEX:update:2026-Q3"})["id"]
    with pytest.raises(SalesforceMoreThanOneRecord) as raised:
        sf.sdk.Task.upsert("Sponsor_Sync_Key__c/globex:update:2026-Q3", {"Subject": "x"})
    assert content(raised.value) == [
        f"/services/data/v59.0/sobjects/Task/{sf.id('email-obrien')}",
        f"/services/data/v59.0/sobjects/Task/{clone}",
    ]
    found = sf.sdk.query("SELECT Id FROM Task WHERE Sponsor_Sync_Key__c = 'globex:update:2026-q3'")
    assert sorted(r["Id"] for r in found["records"]) == sorted([sf.id("email-obrien"), clone])


# -- upsert and external ids ---------------------------------------------------------------------
def test_upsert_creates_then_updates_with_created_flag_and_location(sf: Sf) -> None:
    # reference: recorded-nango upsert-record.test.json (201) and update-record-by-external-id (200)
    first = sf.sdk.Task.upsert(
        "Sponsor_Sync_Key__c/acme:update:Q1", {"Subject": "Q1 update"}, raw_response=True
    )
    assert first.status_code == 201
    record_id = first.json()["id"]
    assert first.json() == {"id": record_id, "success": True, "errors": [], "created": True}
    assert first.headers["Location"] == f"/services/data/v59.0/sobjects/Task/{record_id}"
    second = sf.sdk.Task.upsert(
        "Sponsor_Sync_Key__c/acme:update:Q1", {"Subject": "Q1 update, v2"}, raw_response=True
    )
    assert second.status_code == 200
    assert second.json() == {"id": record_id, "success": True, "errors": [], "created": False}
    assert sf.sdk.Task.get_by_custom_id("Sponsor_Sync_Key__c", "acme:update:Q1")["Subject"] == "Q1 update, v2"


def test_upsert_by_id_updates(sf: Sf) -> None:
    response = sf.http.patch(sf.data(f"sobjects/Account/Id/{sf.id('acme')}"), json={"Sponsor_Health__c": "Red"}, params={"updateOnly": "true"}, timeout=30)  # fmt: skip
    assert response.status_code == 200
    assert response.json() == {"id": sf.id("acme"), "success": True, "errors": [], "created": False}


def test_update_only_upsert_of_an_unknown_key_is_404(sf: Sf) -> None:
    response = sf.http.patch(sf.data("sobjects/Task/Sponsor_Sync_Key__c/nope"), json={"Subject": "x"}, params={"updateOnly": "true"}, timeout=30)  # fmt: skip
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_upsert_on_a_field_that_is_not_an_external_id_is_404(sf: Sf) -> None:
    # reference: fixtures-restforce upsert_error_response.json
    with pytest.raises(SalesforceResourceNotFound) as raised:
        sf.sdk.Account.upsert("Name/Acme", {"Website": "https://acme.example"})
    assert content(raised.value) == [
        {
            "message": "Provided external ID field does not exist or is not accessible: Name",
            "errorCode": "NOT_FOUND",
        }
    ]


def test_several_matches_answer_300_with_the_record_urls(sf: Sf) -> None:
    # reference: fixtures-restforce upsert_multiple_error_response.json
    twin = sf.sdk.Contact.create({"LastName": "Twin", "Email": "jane.roe@acme.example"})["id"]
    with pytest.raises(SalesforceMoreThanOneRecord) as raised:
        sf.sdk.Contact.upsert("Email/jane.roe@acme.example", {"Title": "x"})
    assert content(raised.value) == [
        f"/services/data/v59.0/sobjects/Contact/{sf.id('jane')}",
        f"/services/data/v59.0/sobjects/Contact/{twin}",
    ]


def test_get_and_delete_by_external_id(sf: Sf) -> None:
    # reference: recorded-nango get-record-by-external-id.test.json
    record = sf.sdk.Task.get_by_custom_id("Sponsor_Sync_Key__c", "globex:update:2026-Q3")
    assert record["Id"] == sf.id("email-obrien")
    assert (
        sf.sdk.User.get_by_custom_id("Username", "ada.lovelace@northwind.example")["Title"]
        == "Chief Executive Officer"
    )
    assert (
        sf.http.delete(
            sf.data("sobjects/Task/Sponsor_Sync_Key__c/globex:update:2026-Q3"), timeout=30
        ).status_code
        == 204
    )
    with pytest.raises(SalesforceResourceNotFound):
        sf.sdk.Task.get_by_custom_id("Sponsor_Sync_Key__c", "globex:update:2026-Q3")


# -- transport-level errors ----------------------------------------------------------------------
def test_unknown_paths_and_methods_answer_in_salesforce_style(sf: Sf) -> None:
    missing = sf.get("nothing/here")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    wrong = sf.http.put(sf.data(f"sobjects/Account/{sf.id('acme')}"), json={}, timeout=30)
    assert wrong.status_code == 405
    assert wrong.json() == [
        {
            "message": "HTTP Method 'PUT' not allowed. Allowed are GET,PATCH,DELETE",
            "errorCode": "METHOD_NOT_ALLOWED",
        }
    ]


def test_a_body_that_is_not_json_is_415(sf: Sf) -> None:
    response = sf.http.post(sf.data("sobjects/Contact/"), data="LastName=X", headers={"Content-Type": "text/plain"}, timeout=30)  # fmt: skip
    assert response.status_code == 415
    assert response.json() == [
        {"message": "Content-Type header specified in HTTP request is not supported: text/plain", "errorCode": "UNSUPPORTED_MEDIA_TYPE"}
    ]  # fmt: skip
