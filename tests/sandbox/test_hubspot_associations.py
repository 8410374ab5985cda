"""HubSpot emulator, associations v4 through the unmodified SDK. Expected shapes: HubSpot's v4
associations spec (HubSpot/HubSpot-public-api-spec-collection, CRM/Associations v4) and FIDELITY.md.
Association type ids as in docs/ARCHITECTURE.md."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiArchive,
    PublicAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
    PublicObjectId,
)
from hubspot.crm.associations.v4.exceptions import ApiException

from tests.sandbox import hubspot_support
from tests.sandbox.hubspot_support import Sandbox, body_of

hubspot_session, hs = hubspot_support.hubspot_session, hubspot_support.hs  # the fixtures


def spec(type_id: int) -> AssociationSpec:
    return AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)


def types_of(result: Any) -> list[tuple[str, int, str | None]]:
    return [(t.category, t.type_id, t.label) for t in result.association_types]


def clock_of(hs: Sandbox) -> datetime:
    return datetime.fromisoformat(hs.admin.now().replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("source", "label", "target", "expected"),
    [
        ("companies", "acme", "contacts", {"jane": [2, 280], "ken": [2, 280]}),
        ("contacts", "jane", "companies", {"acme": [1, 279]}),
        ("contacts", "jane", "meetings", {"kickoff": [199]}),
        ("tasks", "update", "contacts", {"jane": [204]}),
        ("tasks", "update", "companies", {"acme": [192]}),
        ("calls", "checkin", "companies", {"acme": [182]}),
        ("emails", "recap", "contacts", {"ken": [198]}),
        ("notes", "memo", "companies", {"globex": [190]}),
        ("companies", "globex", "tasks", {"appoint": [191]}),
        ("0-2", "globex", "0-46", {"memo": [189]}),
    ],
    ids=[
        "company-contacts", "contact-company-primary", "contact-meetings", "task-contact", "task-company",
        "call-company", "email-contact", "note-company", "company-tasks", "by-type-ids",
    ],
)  # fmt: skip
def test_get_page_lists_associated_ids_with_their_types(
    hs: Sandbox, source: str, label: str, target: str, expected: dict[str, list[int]]
) -> None:
    page = hs.api.associations.get_page(source, hs.id(label), target, limit=500)
    got = {r.to_object_id: [t.type_id for t in r.association_types] for r in page.results}
    assert got == {hs.id(k): v for k, v in expected.items()}
    assert page.paging is None


def test_primary_types_carry_the_primary_label(hs: Sandbox) -> None:
    (jane,) = hs.api.associations.get_page("contacts", hs.id("jane"), "companies").results
    assert types_of(jane) == [("HUBSPOT_DEFINED", 1, "Primary"), ("HUBSPOT_DEFINED", 279, None)]
    raw = hs.raw("GET", f"/crm/v4/objects/contacts/{hs.id('jane')}/associations/companies").json()
    assert raw == {
        "results": [
            {
                "toObjectId": hs.id("acme"),
                "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
                    {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
                ],
            }
        ]
    }


def test_get_page_pages_with_after(hs: Sandbox) -> None:
    first = hs.raw("GET", f"/crm/v4/objects/companies/{hs.id('acme')}/associations/contacts?limit=1").json()
    assert first["paging"]["next"]["after"] == "1"
    assert first["paging"]["next"]["link"].endswith("limit=1&after=1")
    second = hs.api.associations.get_page("companies", hs.id("acme"), "contacts", limit=1, after="1")
    assert ([r.to_object_id for r in second.results], second.paging) == ([hs.id("ken")], None)


def test_create_with_labels_answers_201_with_location_and_stamps_both_records(hs: Sandbox) -> None:
    hs.admin.advance_clock(days=1)
    pair = hs.api.associations.create("tasks", hs.id("renewal"), "contacts", hs.id("jane"), [spec(204)])
    assert pair is not None, "the SDK returns None unless create answers 201"
    assert (pair.from_object_type_id, pair.from_object_id, pair.to_object_type_id, pair.to_object_id, pair.labels) == (
        "0-27", hs.id("renewal"), "0-1", hs.id("jane"), []
    )  # fmt: skip
    raw = hs.raw(
        "PUT",
        f"/crm/v4/objects/contacts/{hs.id('orla')}/associations/companies/{hs.id('umbrella')}",
        [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
    )
    assert raw.status_code == 201
    assert (
        raw.headers["Location"]
        == f"/crm/v4/objects/contacts/{hs.id('orla')}/associations/companies/{hs.id('umbrella')}"
    )
    assert raw.json()["labels"] == ["Primary"], "a contact's first company becomes its primary one"
    for object_type, label in (("tasks", "renewal"), ("contacts", "jane")):
        record = hs.api.objects.get_by_id(object_type, hs.id(label))
        assert abs(record.updated_at - clock_of(hs)) < timedelta(seconds=5)
    orla = hs.api.objects.get_by_id("contacts", hs.id("orla"), properties=["associatedcompanyid"])
    assert orla.properties["associatedcompanyid"] == hs.id("umbrella")


def test_a_new_primary_company_replaces_the_old_one(hs: Sandbox) -> None:
    hs.api.associations.create("contacts", hs.id("ken"), "companies", hs.id("globex"), [spec(1)])
    rows = hs.api.associations.get_page("contacts", hs.id("ken"), "companies").results
    assert {r.to_object_id: [t.type_id for t in r.association_types] for r in rows} == {
        hs.id("acme"): [279],
        hs.id("globex"): [1, 279],
    }
    ken = hs.api.objects.get_by_id("contacts", hs.id("ken"), properties=["associatedcompanyid"])
    assert ken.properties["associatedcompanyid"] == hs.id("globex")


@pytest.mark.parametrize(
    ("path_tail", "body", "message"),
    [
        ("contacts/{jane}", [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 192}],
         "HUBSPOT_DEFINED association type 192 is not valid for task to contact"),
        ("contacts/{jane}", [{"associationCategory": "USER_DEFINED", "associationTypeId": 204}],
         "USER_DEFINED association type 204 is not valid for task to contact"),
        ("contacts/{jane}", [], "The request body must be a list of association types"),
    ],
    ids=["type-of-another-pair", "unknown-category", "no-types"],
)  # fmt: skip
def test_create_refuses_types_that_do_not_fit_the_pair(
    hs: Sandbox, path_tail: str, body: Any, message: str
) -> None:
    tail = path_tail.format(jane=hs.id("jane"))
    response = hs.raw("PUT", f"/crm/v4/objects/tasks/{hs.id('renewal')}/associations/{tail}", body)
    assert (response.status_code, response.json()["message"]) == (400, message)


def test_create_on_a_missing_record_is_404(hs: Sandbox) -> None:
    with pytest.raises(ApiException) as caught:
        hs.api.associations.create("tasks", "30000000999", "contacts", hs.id("jane"), [spec(204)])
    assert (caught.value.status, body_of(caught.value)["category"]) == (404, "OBJECT_NOT_FOUND")


def test_create_default_answers_200_with_the_default_type(hs: Sandbox) -> None:
    result = hs.api.associations.create_default("notes", hs.id("memo"), "contacts", hs.id("petra"))
    assert result.status == "COMPLETE"
    (created,) = result.results
    assert (created._from.id, created.to.id) == (hs.id("memo"), hs.id("petra"))
    assert created.association_spec.association_type_id == 202
    back = hs.api.associations.get_page("contacts", hs.id("petra"), "notes").results
    assert [(r.to_object_id, types_of(r)) for r in back] == [
        (hs.id("memo"), [("HUBSPOT_DEFINED", 201, None)])
    ]


def test_delete_answers_204_and_removes_both_directions(hs: Sandbox) -> None:
    assert hs.api.associations.archive("tasks", hs.id("update"), "contacts", hs.id("jane")) is None
    assert hs.api.associations.get_page("tasks", hs.id("update"), "contacts").results == []
    back = hs.api.associations.get_page("contacts", hs.id("jane"), "tasks").results
    assert hs.id("update") not in [r.to_object_id for r in back]


def test_associations_to_archived_records_are_hidden(hs: Sandbox) -> None:
    hs.api.objects.archive("contacts", hs.id("ken"))
    page = hs.api.associations.get_page("companies", hs.id("acme"), "contacts")
    assert [r.to_object_id for r in page.results] == [hs.id("jane")]


def test_batch_read_answers_200_or_207_for_records_without_associations(hs: Sandbox) -> None:
    request = BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[
            PublicFetchAssociationsBatchRequest(id=hs.id("acme")),
            PublicFetchAssociationsBatchRequest(id=hs.id("umbrella")),
        ]
    )
    result = hs.api.association_batch.get_page("companies", "contacts", request)
    assert {r._from.id: [t.to_object_id for t in r.to] for r in result.results} == {
        hs.id("acme"): [hs.id("jane"), hs.id("ken")],
        hs.id("umbrella"): [hs.id("sam")],
    }
    raw = hs.raw(
        "POST",
        "/crm/v4/associations/contacts/companies/batch/read",
        {"inputs": [{"id": hs.id("jane")}, {"id": hs.id("orla")}, {"id": "10000000999"}]},
    )
    body = raw.json()
    assert raw.status_code == 207
    assert [r["from"]["id"] for r in body["results"]] == [hs.id("jane")]
    assert body["numErrors"] == 2
    assert [e["subCategory"] for e in body["errors"]] == ["crm.associations.NO_ASSOCIATIONS_FOUND"] * 2
    assert body["errors"][0]["context"] == {"fromObjectId": [hs.id("orla")]}


def test_batch_create_answers_201_and_207_with_per_input_errors(hs: Sandbox) -> None:
    hs.admin.add_faults(
        {
            "path": "/crm/v4/associations/*/batch/create",
            "action": "record_failure",
            "records": [2],
            "error_code": "LOCKED",
        }
    )
    request = BatchInputPublicAssociationMultiPost(
        inputs=[
            PublicAssociationMultiPost(
                _from=PublicObjectId(id=hs.id("renewal")),
                to=PublicObjectId(id=hs.id("ken")),
                types=[spec(204)],
            ),
            PublicAssociationMultiPost(
                _from=PublicObjectId(id="30000000999"), to=PublicObjectId(id=hs.id("ken")), types=[spec(204)]
            ),
            PublicAssociationMultiPost(
                _from=PublicObjectId(id=hs.id("appoint")),
                to=PublicObjectId(id=hs.id("luis")),
                types=[spec(204)],
            ),
        ]
    )
    result = hs.api.association_batch.create("tasks", "contacts", request)
    assert [(r.from_object_id, r.to_object_id) for r in result.results] == [(hs.id("renewal"), hs.id("ken"))]
    assert [e.category for e in result.errors] == ["OBJECT_NOT_FOUND", "LOCKED"]
    assert hs.api.associations.get_page("tasks", hs.id("appoint"), "contacts").results == []
    hs.admin.clear_faults()
    ok = hs.api.association_batch.create(
        "tasks", "contacts", BatchInputPublicAssociationMultiPost(inputs=[request.inputs[2]])
    )
    assert [r.to_object_id for r in ok.results] == [hs.id("luis")]


def test_batch_archive_answers_204(hs: Sandbox) -> None:
    request = BatchInputPublicAssociationMultiArchive(
        inputs=[
            PublicAssociationMultiArchive(
                _from=PublicObjectId(id=hs.id("acme")),
                to=[PublicObjectId(id=hs.id("jane")), PublicObjectId(id=hs.id("ken"))],
            )
        ]
    )
    assert hs.api.association_batch.archive("companies", "contacts", request) is None
    assert hs.api.associations.get_page("companies", hs.id("acme"), "contacts").results == []
    jane = hs.api.objects.get_by_id("contacts", hs.id("jane"), properties=["associatedcompanyid"])
    assert jane.properties["associatedcompanyid"] is None


def test_batch_read_takes_at_most_1000_inputs(hs: Sandbox) -> None:
    inputs = [{"id": hs.id("jane")}] * 1001
    response = hs.raw("POST", "/crm/v4/associations/contacts/companies/batch/read", {"inputs": inputs})
    assert (response.status_code, response.json()["category"]) == (400, "VALIDATION_ERROR")


def test_batch_read_pages_each_row_after_500_associations(hs: Sandbox) -> None:
    """HubSpot's v4 batch read: at most 500 associations per result row; a row with more carries
    its own ``paging.next.after`` (no ``link``, which HubSpot documents as deprecated), to be sent
    back with that row's id."""
    contacts: list[str] = []
    for start in range(0, 510, 100):
        made = hs.raw("POST", "/crm/v3/objects/contacts/batch/create", {"inputs": [
            {"properties": {"lastname": f"Many {n}"}} for n in range(start, min(start + 100, 510))]})  # fmt: skip
        contacts += [r["id"] for r in made.json()["results"]]
    links = [{"from": {"id": hs.id("update")}, "to": {"id": c}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
              "associationTypeId": 204}]} for c in contacts]  # fmt: skip
    assert (
        hs.raw("POST", "/crm/v4/associations/tasks/contacts/batch/create", {"inputs": links}).status_code
        == 201
    )
    path = "/crm/v4/associations/tasks/contacts/batch/read"
    (many,) = hs.raw("POST", path, {"inputs": [{"id": hs.id("update")}]}).json()["results"]
    assert len(many["to"]) == 500
    assert many["paging"] == {"next": {"after": "500"}}
    rest = hs.raw("POST", path, {"inputs": [{"id": hs.id("update"), "after": "500"}]}).json()
    (row,) = rest["results"]
    assert "paging" not in row
    seen = {t["toObjectId"] for t in many["to"]} | {t["toObjectId"] for t in row["to"]}
    assert seen == set(contacts) | {hs.id("jane")}
