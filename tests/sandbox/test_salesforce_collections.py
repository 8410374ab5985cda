"""sObject Collections and /composite through the unmodified simple-salesforce SDK (``restful``).
Expected shapes: reference/salesforce/recorded-nango create-, update-, upsert-, delete-sobject-collection,
fixtures-restforce composite_sobjects_destroy_bad_request_response, fixtures-camel
composite_response_example_success / _failure, and FIDELITY.md "Error bodies"."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.sandbox import salesforce_support
from tests.sandbox.salesforce_support import Sf, content, missing

salesforce_session, sf = salesforce_support.salesforce_session, salesforce_support.sf  # the fixtures

ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
    "fields": [],
}
HALTED = [
    {
        "errorCode": "PROCESSING_HALTED",
        "message": "The transaction was rolled back since another operation in the same transaction failed.",
    }
]


def task(**fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Task"}, **fields}


def collection(sf: Sf, method: str, path: str = "composite/sobjects", **kw: Any) -> Any:
    return sf.sdk.restful(path, method=method, **kw)


def task_count(sf: Sf) -> int:
    count: int = sf.sdk.query("SELECT COUNT() FROM Task")["totalSize"]
    return count


# -- create and update ---------------------------------------------------------------------------
def test_create_writes_every_record_with_one_shared_modstamp(sf: Sf) -> None:
    # reference: recorded-nango create-sobject-collection.test.json
    records = [task(Subject=f"Follow-up {n}", WhoId=sf.id("jane")) for n in range(3)]
    results = collection(sf, "POST", json={"allOrNone": False, "records": records})
    assert [set(r) for r in results] == [{"id", "success", "errors"}] * 3
    assert all(r["success"] and r["errors"] == [] for r in results)
    stamps = {sf.sdk.Task.get(r["id"])["SystemModstamp"] for r in results}
    assert len(stamps) == 1


def test_failed_items_answer_200_with_status_codes(sf: Sf) -> None:
    records = [task(Subject="ok"), task(Subject="bad", Status="Bogus"), task(Subject="ok too")]
    response = sf.http.post(
        sf.data("composite/sobjects"), json={"allOrNone": False, "records": records}, timeout=30
    )
    assert response.status_code == 200
    first, failed, last = response.json()
    assert first["success"] is True
    assert last["success"] is True
    assert failed == {
        "success": False,
        "errors": [
            {
                "statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                "message": "Status: bad value for restricted picklist field: Bogus",
                "fields": ["Status"],
            }
        ],
    }
    assert task_count(sf) == 3 + 2


def test_all_or_none_rolls_every_record_back(sf: Sf) -> None:
    records = [task(Subject="ok"), task(Subject="bad", Status="Bogus"), task(Subject="ok too")]
    first, failed, last = collection(sf, "POST", json={"allOrNone": True, "records": records})
    assert first == last == {"success": False, "errors": [ROLLED_BACK]}
    assert failed["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert task_count(sf) == 3


UPDATE_ERRORS = [
    ({"Foo__c": "x"}, "INVALID_FIELD", "No such column 'Foo__c' on sobject of type Task", []),
    ({"IsClosed": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: IsClosed.", ["IsClosed"]),
    ({"SystemModstamp": "2026-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: SystemModstamp.", ["SystemModstamp"]),
    ({"CreatedDate": "2026-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: CreatedDate.", ["CreatedDate"]),
    ({"AccountId": "{acme}"}, "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: AccountId.", ["AccountId"]),
    ({"WhoId": "{acme}"}, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["WhoId"]),
    ({"WhatId": missing("001")}, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["WhatId"]),
    ({"OwnerId": "{jane}"}, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["OwnerId"]),
    ({"WhoId": "{gone}"}, "ENTITY_IS_DELETED", "entity is deleted", ["WhoId"]),
    ({"Status": "Done"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Status: bad value for restricted picklist field: Done", ["Status"]),
    ({"Subject": "x" * 256}, "STRING_TOO_LONG", "Subject: data value too large: ", ["Subject"]),
    ({"ActivityDate": "tomorrow"}, "JSON_PARSER_ERROR", "Cannot deserialize instance of date from VALUE_STRING value tomorrow", ["ActivityDate"]),
    ({"id": missing("00T")}, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []),
    ({"id": "{deleted-task}"}, "ENTITY_IS_DELETED", "entity is deleted", []),
    ({"id": None}, "MISSING_ARGUMENT", "Id not specified in an update call", []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "code", "message", "fields"),
    UPDATE_ERRORS,
    ids=[f"{i}-{e[1]}" for i, e in enumerate(UPDATE_ERRORS)],
)
def test_update_validates_each_record(sf: Sf, change: dict[str, Any], code: str, message: str, fields: list[str]) -> None:  # fmt: skip
    # reference: recorded-nango update-sobject-collection.test.json (INVALID_CROSS_REFERENCE_KEY item)
    labels = {label: sf.id(label) for label in ("acme", "jane", "gone", "deleted-task")}
    values = {k: v.format(**labels) if isinstance(v, str) else v for k, v in change.items()}
    bad = task(id=sf.id("call-jane"), **values) if "id" not in values else task(**values)
    good = task(id=sf.id("old-open"), Subject="Follow up, again")
    ok, failed = collection(sf, "PATCH", json={"allOrNone": False, "records": [good, bad]})
    assert ok == {"id": sf.id("old-open"), "success": True, "errors": []}
    (error,) = failed["errors"]
    assert (failed["success"], error["statusCode"], error["fields"]) == (False, code, fields)
    assert error["message"].startswith(message)
    assert sf.sdk.Task.get(sf.id("call-jane"))["Subject"] == "Call with Jane Roe"


def test_more_than_200_records_is_refused(sf: Sf) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        collection(sf, "POST", json={"records": [task(Subject=str(n)) for n in range(201)]})
    assert content(raised.value) == [
        {"message": "record limit reached. cannot submit more than 200 records into this call", "errorCode": "EXCEEDED_ID_LIMIT"}
    ]  # fmt: skip


# -- upsert --------------------------------------------------------------------------------------
UPSERT = "composite/sobjects/Task/Sponsor_Sync_Key__c"


def test_upsert_creates_and_updates_by_external_id(sf: Sf) -> None:
    # reference: recorded-nango upsert-sobject-collection.test.json
    records = [
        task(Sponsor_Sync_Key__c="globex:update:2026-Q3", Subject="Send the Q3 update"),
        task(Sponsor_Sync_Key__c="acme:connect:1", Subject="Connect with Jane Roe", WhoId=sf.id("jane")),
        task(Sponsor_Sync_Key__c="initech:appoint:1", Subject="Appoint a sponsor"),
    ]
    first = collection(sf, "PATCH", UPSERT, json={"allOrNone": False, "records": records})
    assert [(r["success"], r["created"], r["errors"]) for r in first] == [
        (True, False, []),
        (True, True, []),
        (True, True, []),
    ]
    assert first[0]["id"] == sf.id("email-obrien")
    again = collection(sf, "PATCH", UPSERT, json={"allOrNone": True, "records": records})
    assert [(r["id"], r["created"]) for r in again] == [(r["id"], False) for r in first]
    assert sf.sdk.Task.get(first[1]["id"])["AccountId"] == sf.id("acme")


def test_upsert_items_without_attributes_fail_like_salesforce(sf: Sf) -> None:
    # reference: recorded-nango upsert-sobject-collection.test.json, verbatim
    results = collection(
        sf, "PATCH", UPSERT, json={"records": [{"Sponsor_Sync_Key__c": "k", "Subject": "x"}]}
    )
    assert results == [
        {
            "success": False,
            "errors": [
                {
                    "statusCode": "JSON_PARSER_ERROR",
                    "message": "Nested object for polymorphic foreign key must have an attributes field before any other fields.",
                    "fields": [],
                }
            ],
            "created": False,
        }
    ]


def test_upsert_refuses_the_same_key_twice_in_one_call(sf: Sf) -> None:
    records = [task(Sponsor_Sync_Key__c="dup", Subject="a"), task(Sponsor_Sync_Key__c="dup", Subject="b")]
    results = collection(sf, "PATCH", UPSERT, json={"records": records})
    assert [r["errors"][0]["statusCode"] for r in results] == ["DUPLICATE_EXTERNAL_ID"] * 2
    assert [r["created"] for r in results] == [False, False]


def test_upsert_of_200_records_in_one_call(sf: Sf) -> None:
    records = [task(Sponsor_Sync_Key__c=f"bulk:{n}", Subject=f"Bulk {n}") for n in range(200)]
    results = collection(sf, "PATCH", UPSERT, json={"records": records})
    assert len(results) == 200
    assert all(r["success"] and r["created"] for r in results)
    assert (
        sf.sdk.query("SELECT COUNT() FROM Task WHERE Sponsor_Sync_Key__c LIKE 'bulk:%'")["totalSize"] == 200
    )


def test_injected_record_faults_fail_those_positions(sf: Sf) -> None:
    sf.admin.add_faults(
        {
            "method": "PATCH",
            "path": "*/composite/sobjects/*",
            "action": "record_failure",
            "records": [1],
            "error_code": "UNABLE_TO_LOCK_ROW",
            "message": "unable to obtain exclusive access to this record",
            "count": 1,
        }
    )
    records = [task(Sponsor_Sync_Key__c=f"lock:{n}", Subject=str(n)) for n in range(3)]
    results = collection(sf, "PATCH", UPSERT, json={"records": records})
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1] == {
        "success": False,
        "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access to this record", "fields": []}],
        "created": False,
    }  # fmt: skip
    assert sf.sdk.query("SELECT COUNT() FROM Task WHERE Sponsor_Sync_Key__c = 'lock:1'")["totalSize"] == 0
    retried = collection(sf, "PATCH", UPSERT, json={"records": records})  # the fault fired once
    assert [r["created"] for r in retried] == [False, True, False]


# -- retrieve and delete -------------------------------------------------------------------------
def test_retrieve_returns_records_and_nulls(sf: Sf) -> None:
    ids = ",".join([sf.id("jane"), sf.id("gone"), missing("003")])
    records = collection(
        sf, "GET", "composite/sobjects/Contact", params={"ids": ids, "fields": "Id,LastName"}
    )
    assert records == [
        {
            "attributes": {
                "type": "Contact",
                "url": f"/services/data/v59.0/sobjects/Contact/{sf.id('jane')}",
            },
            "Id": sf.id("jane"),
            "LastName": "Roe",
        },
        None,
        None,
    ]


def test_delete_reports_each_id(sf: Sf) -> None:
    # reference: recorded-nango delete-sobject-collection.test.json
    ids = [sf.id("john"), sf.id("gone"), missing("003")]
    results = collection(sf, "DELETE", params={"ids": ",".join(ids), "allOrNone": "false"})
    assert results[0] == {"id": sf.id("john"), "success": True, "errors": []}
    assert results[1] == {
        "id": sf.id("gone"),
        "success": False,
        "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}],
    }
    assert results[2]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert "john" not in sf.labels("SELECT Id FROM Contact")


def test_delete_all_or_none_keeps_everything(sf: Sf) -> None:
    results = collection(
        sf, "DELETE", params={"ids": f"{sf.id('john')},{sf.id('gone')}", "allOrNone": "true"}
    )
    assert results[0] == {"success": False, "errors": [ROLLED_BACK]}
    assert "john" in sf.labels("SELECT Id FROM Contact")


def test_delete_without_ids_is_refused(sf: Sf) -> None:
    # reference: fixtures-restforce composite_sobjects_destroy_bad_request_response.json
    response = sf.http.delete(sf.data("composite/sobjects"), timeout=30)
    assert response.status_code == 400
    assert response.json() == [
        {"message": "At least 1 Id is required.", "errorCode": "REQUIRED_FIELD_MISSING"}
    ]


# -- composite -----------------------------------------------------------------------------------
def _sub(method: str, url: str, ref: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    sub: dict[str, Any] = {"method": method, "url": f"/services/data/v59.0/{url}", "referenceId": ref}
    return sub | ({"body": body} if body is not None else {})


def test_composite_runs_subrequests_with_references(sf: Sf) -> None:
    # reference: fixtures-camel composite_response_example_success.json; recorded-nango composite-graph-request
    response = sf.http.post(
        sf.data("composite"),
        json={
            "allOrNone": True,
            "compositeRequest": [
                _sub("POST", "sobjects/Account", "NewAccount", {"Name": "Hooli XYZ", "Type": "Partner"}),
                _sub(
                    "POST",
                    "sobjects/Contact",
                    "NewContact",
                    {"LastName": "Bighetti", "AccountId": "@{NewAccount.id}"},
                ),
                _sub(
                    "GET",
                    "query/?q=SELECT+Id,Account.Name+FROM+Contact+WHERE+AccountId='@{NewAccount.id}'",
                    "Check",
                ),
            ],
        },
        timeout=30,
    )
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/100000"  # one call
    account, contact, check = response.json()["compositeResponse"]
    assert account == {
        "body": {"id": account["body"]["id"], "success": True, "errors": []},
        "httpHeaders": {"Location": f"/services/data/v59.0/sobjects/Account/{account['body']['id']}"},
        "httpStatusCode": 201,
        "referenceId": "NewAccount",
    }
    assert contact["httpStatusCode"] == 201
    assert check["body"]["records"][0]["Account"]["Name"] == "Hooli XYZ"
    assert (check["httpStatusCode"], check["httpHeaders"]) == (200, {})


def test_composite_all_or_none_halts_the_others(sf: Sf) -> None:
    # reference: fixtures-camel composite_response_example_failure.json
    result = collection(
        sf,
        "POST",
        "composite",
        json={
            "allOrNone": True,
            "compositeRequest": [
                _sub("POST", "sobjects/Account", "NewAccount", {"Name": "Pied Piper"}),
                _sub("POST", "sobjects/Contact", "NewContact", {"FirstName": "Richard"}),
                _sub("PATCH", f"sobjects/Account/{sf.id('acme')}", "Touch", {"Sponsor_Health__c": "Red"}),
            ],
        },
    )
    account, contact, touch = result["compositeResponse"]
    assert account == {"body": HALTED, "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "NewAccount"}
    assert touch == {"body": HALTED, "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "Touch"}
    assert contact["body"] == [
        {"message": "Required fields are missing: [LastName]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["LastName"]}
    ]  # fmt: skip
    assert sf.sdk.query("SELECT COUNT() FROM Account WHERE Name = 'Pied Piper'")["totalSize"] == 0
    assert sf.sdk.Account.get(sf.id("acme"))["Sponsor_Health__c"] == "Green"


def test_composite_without_all_or_none_keeps_what_succeeded(sf: Sf) -> None:
    result = collection(
        sf,
        "POST",
        "composite",
        json={
            "compositeRequest": [
                _sub("POST", "sobjects/Contact", "Bad", {"FirstName": "Richard"}),
                _sub("PATCH", "sobjects/Contact/@{Bad.id}", "UsesBad", {"Title": "CEO"}),
                _sub("PATCH", f"sobjects/Account/{sf.id('acme')}", "Touch", {"Sponsor_Health__c": "Amber"}),
            ]
        },
    )
    bad, uses_bad, touch = result["compositeResponse"]
    assert bad["httpStatusCode"] == 400
    assert uses_bad["httpStatusCode"] == 400
    assert uses_bad["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert (touch["httpStatusCode"], touch["body"]) == (204, None)
    assert sf.sdk.Account.get(sf.id("acme"))["Sponsor_Health__c"] == "Amber"


def test_composite_takes_at_most_25_subrequests(sf: Sf) -> None:
    subs = [_sub("GET", f"sobjects/Account/{sf.id('acme')}", f"r{n}") for n in range(26)]
    with pytest.raises(SalesforceMalformedRequest):
        collection(sf, "POST", "composite", json={"compositeRequest": subs})


def test_injected_record_faults_fail_composite_subrequests(sf: Sf) -> None:
    sf.admin.add_faults(
        {
            "path": "*/composite",
            "action": "record_failure",
            "records": [0],
            "error_code": "UNABLE_TO_LOCK_ROW",
            "count": 1,
        }
    )
    subs = [
        _sub("PATCH", f"sobjects/Account/{sf.id('acme')}", "First", {"Sponsor_Health__c": "Red"}),
        _sub("PATCH", f"sobjects/Account/{sf.id('globex')}", "Second", {"Sponsor_Health__c": "Red"}),
    ]
    first, second = collection(sf, "POST", "composite", json={"compositeRequest": subs})["compositeResponse"]
    assert (first["httpStatusCode"], first["body"][0]["errorCode"]) == (400, "UNABLE_TO_LOCK_ROW")
    assert second["httpStatusCode"] == 204
    assert sf.labels("SELECT Id FROM Account WHERE Sponsor_Health__c = 'Red'") == ["globex"]


def test_composite_batch_runs_independent_subrequests(sf: Sf) -> None:
    # reference: recorded-nango composite-batch-request.test.json
    result = collection(
        sf,
        "POST",
        "composite/batch",
        json={
            "haltOnError": True,
            "batchRequests": [
                {"method": "GET", "url": "v59.0/limits"},
                {"method": "PATCH", "url": f"v59.0/sobjects/Account/{sf.id('acme')}", "richInput": {"Sponsor_Health__c": "Red"}},
                {"method": "GET", "url": "v59.0/sobjects/Account/describe/nothing/here"},
                {"method": "GET", "url": "v59.0/sobjects/Account/describe"},
            ],
        },
    )  # fmt: skip
    limits, patch, missing, halted = result["results"]
    assert result["hasErrors"] is True
    assert (limits["statusCode"], "DailyApiRequests" in limits["result"]) == (200, True)
    assert patch == {"statusCode": 204, "result": None}
    assert missing["statusCode"] == 404
    assert halted == {
        "statusCode": 412,
        "result": [
            {"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}
        ],
    }
    assert sf.sdk.Account.get(sf.id("acme"))["Sponsor_Health__c"] == "Red"


def test_composite_batch_accepts_full_services_data_urls(sf: Sf) -> None:
    # Salesforce takes a subrequest url relative to /services/data/ or as the full path (the form
    # MeltanoLabs tap-salesforce sends); both reach the same resource, neither is prefixed twice.
    result = collection(
        sf,
        "POST",
        "composite/batch",
        json={
            "batchRequests": [
                {"method": "GET", "url": "/services/data/v59.0/sobjects/Account/describe"},
                {"method": "GET", "url": "v59.0/sobjects/Account/describe"},
                {"method": "GET", "url": "/v59.0/sobjects/Contact/describe"},
            ]
        },
    )
    full, relative, slashed = result["results"]
    assert result["hasErrors"] is False
    assert [full["statusCode"], relative["statusCode"], slashed["statusCode"]] == [200, 200, 200]
    assert full["result"]["name"] == relative["result"]["name"] == "Account"
    assert slashed["result"]["name"] == "Contact"
