"""``mappings validate --live``: the mapping checked against hand-built CRM descriptions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from sponsorsync.connectors.base import FieldSchema, ObjectSchema
from sponsorsync.connectors.errors import AuthFailed, CrmRequestError
from sponsorsync.mappings.commands import validate_live
from sponsorsync.mappings.live import HUBSPOT_OWNERS, check_live, describe_objects
from sponsorsync.mappings.loader import load_mapping, parse_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.problems import MappingError, format_path
from sponsorsync.mappings.vocab import CrmName
from tests.mappings import schemas
from tests.mappings.schemas import field, with_field
from tests.mappings.support import edited, line_of

SCHEMAS: dict[str, Callable[[], dict[str, ObjectSchema]]] = {
    "salesforce": schemas.salesforce,
    "hubspot": schemas.hubspot,
}


def _described(crm: CrmName) -> dict[str, ObjectSchema]:
    found = SCHEMAS[crm]()
    if crm == "hubspot":
        found["owners"] = HUBSPOT_OWNERS
    return found


def _found(mapping: Mapping, described: dict[str, ObjectSchema]) -> list[tuple[str, str]]:
    return [(format_path(p.path), p.message) for p in check_live(mapping, described)]


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_the_default_mappings_match_the_sandbox_data_model(crm: CrmName) -> None:
    assert _found(load_mapping(None, crm), _described(crm)) == []


@pytest.mark.parametrize(
    ("crm", "edit", "path", "message"),
    [
        (
            "salesforce",
            ("      tier: Alliance_Tier__c", "      tier: Alliance_Tir__c"),
            "objects.accounts.fields.tier",
            "Account has no field 'Alliance_Tir__c'; did you mean 'Alliance_Tier__c'?",
        ),
        (
            "hubspot",
            ("      title: jobtitle ", "      title: job_title "),
            "objects.contacts.fields.title",
            "contacts has no field 'job_title'; did you mean 'jobtitle'?",
        ),
        (
            "salesforce",
            (
                "      health_reason: {field: Sponsor_Health_Reason__c,",
                "      health_reason: {field: Sponsor_Health_Reasons__c,",
            ),
            "writeback.account.fields.health_reason",
            "Account has no field 'Sponsor_Health_Reasons__c'; did you mean 'Sponsor_Health_Reason__c'?",
        ),
        (
            "hubspot",
            (
                "      health_reason: {field: sponsor_health_reason,",
                "      health_reason: {field: sponsor_health_reasn,",
            ),
            "writeback.account.fields.health_reason",
            "companies has no field 'sponsor_health_reasn'; did you mean 'sponsor_health_reason'?",
        ),
    ],
    ids=[
        "salesforce-read-field",
        "hubspot-read-property",
        "salesforce-written-field",
        "hubspot-written-property",
    ],
)
def test_a_misspelt_field_is_caught_with_the_nearest_name_and_its_line(
    crm: CrmName, edit: tuple[str, str], path: str, message: str
) -> None:
    text = edited(crm, edit)
    mapping = parse_mapping(text, "m.yaml")
    described = _described(crm)
    with pytest.raises(MappingError) as caught:
        validate_live(mapping, lambda name: described[name])
    (line,) = caught.value.lines
    assert line.startswith(f"m.yaml:{line_of(text, edit[1])}:")
    assert line.split(": ", 1)[1] == f"{path}: {message}"


def test_salesforce_field_names_are_case_insensitive() -> None:
    mapping = parse_mapping(
        edited("salesforce", ("      title: Title            #", "      title: TITLE #")), "m.yaml"
    )
    assert _found(mapping, _described("salesforce")) == []


def _sf_with(*changes: tuple[str, str, str, dict[str, object]]) -> dict[str, ObjectSchema]:
    described = _described("salesforce")
    for object_name, name, type_, options in changes:
        described = with_field(described, object_name, field(name, type_, **options))  # type: ignore[arg-type]
    return described


@pytest.mark.parametrize(
    ("described", "expected"),
    [
        (
            {k: v for k, v in _described("salesforce").items() if k != "Event"},
            [
                (
                    "objects.activities[1].object",
                    "the CRM has no object 'Event' (or this user cannot see it); "
                    "check the object's API name and the user's access to it",
                )
            ],
        ),
        (
            _sf_with(("User", "Email", "boolean", {})),
            [
                (
                    "objects.users.fields.email",
                    "User.Email is of type boolean, which cannot hold a email value; "
                    "map a field of type email / string",
                )
            ],
        ),
        (
            _sf_with(("Contact", "SystemModstamp", "string", {})),
            [
                (
                    "objects.contacts.watermark",
                    "Contact.SystemModstamp is of type string, which cannot hold a "
                    "watermark value; map a field of type date / datetime / number",
                )
            ],
        ),
        (
            _sf_with(("Account", "Alliance_Tier__c", "picklist", {"values": ("Strategic", "Key", "Silver")})),
            [
                (
                    "objects.accounts.value_maps.tier.Standard",
                    "Account.Alliance_Tier__c has no value 'Standard', so "
                    "this entry never matches (values: Strategic, Key, Silver); use one of them",
                )
            ],
        ),
        (
            _sf_with(("Account", "Type", "picklist", {"values": ("Partners", "Customer")})),
            [
                (
                    "alliances.where[0].in",
                    "Account.Type has no value 'Partner' (values: Partners, Customer); use one of them",
                )
            ],
        ),
        (
            _sf_with(("Account", "Sponsor_Health__c", "picklist", {"values": ("Green", "Amber", "Red")})),
            [
                (
                    "writeback.account.fields.health",
                    "Account.Sponsor_Health__c is not updateable for this user; "
                    "sponsorsync writes it, so grant edit access (field-level security / property permissions) or "
                    "pick another field",
                )
            ],
        ),
        (
            _sf_with(("Task", "Sponsor_Sync_Key__c", "string", {"write": True})),
            [
                (
                    "writeback.task.key_field",
                    "Task.Sponsor_Sync_Key__c must be an External ID, or upserts could create duplicates; "
                    "tick External ID in the field's setup",
                )
            ],
        ),
        (
            _sf_with(("Task", "Status", "picklist", {"write": True, "values": ("Open", "Completed")})),
            [
                (
                    "writeback.task.values",
                    "Task.Status has no value 'Not Started' (values: Open, Completed); use one of them",
                ),
                # The closed-not-done status must exist too (an admin adds it: README "Closing honestly").
                (
                    "writeback.task.values",
                    "Task.Status has no value 'Not Needed' (values: Open, Completed); use one of them",
                ),
            ],
        ),
        (
            _sf_with(("Account", "Sponsor_Last_Touch__c", "boolean", {"write": True})),
            [
                (
                    "writeback.account.fields.last_touch",
                    "Account.Sponsor_Last_Touch__c is of type boolean, which "
                    "cannot hold a date value; map a field of type date / datetime",
                )
            ],
        ),
    ],
    ids=[
        "object-missing",
        "wrong-type",
        "watermark-not-a-time",
        "value-map-key-not-a-picklist-value",
        "alliance-value-not-a-picklist-value",
        "write-field-read-only",
        "key-field-not-external-id",
        "task-status-value-unknown",
        "health-field-wrong-type",
    ],
)
def test_salesforce_problems(described: dict[str, ObjectSchema], expected: list[tuple[str, str]]) -> None:
    assert _found(load_mapping(None, "salesforce"), described) == expected


def test_hubspot_key_field_needs_unique_values() -> None:
    described = with_field(_described("hubspot"), "tasks", field("sponsor_sync_key", "string", write=True))
    assert _found(load_mapping(None, "hubspot"), described) == [
        (
            "writeback.task.key_field",
            "tasks.sponsor_sync_key must have unique values (hasUniqueValue), or upserts could create "
            "duplicates; create the property with unique values",
        )
    ]


class _Describer:
    """A describe function over fixed answers that records what it was asked."""

    def __init__(self, answers: dict[str, ObjectSchema], fail: Exception | None = None) -> None:
        self.answers, self.fail, self.asked = answers, fail, list[str]()

    def __call__(self, name: str) -> ObjectSchema:
        self.asked.append(name)
        if self.fail is not None:
            raise self.fail
        if name not in self.answers:
            raise CrmRequestError(f"no object {name}", status=404, error_code="NOT_FOUND")
        return self.answers[name]


def test_describe_objects_asks_once_per_object_and_leaves_unknown_ones_out() -> None:
    describer = _Describer({k: v for k, v in schemas.hubspot().items() if k != "notes"})
    found = describe_objects(load_mapping(None, "hubspot"), describer)
    assert describer.asked == [
        "companies", "contacts", "tasks", "meetings", "calls", "emails", "notes", "deals", "tickets"
    ]  # fmt: skip
    assert found["owners"] is HUBSPOT_OWNERS  # the owners API has no properties endpoint
    assert "notes" not in found


def test_describe_objects_lets_other_failures_through() -> None:
    with pytest.raises(AuthFailed):
        describe_objects(load_mapping(None, "salesforce"), _Describer({}, fail=AuthFailed("expired")))


def test_a_salesforce_task_key_that_is_an_external_id_without_unique_is_enough() -> None:
    """Salesforce offers External ID on activity custom fields but not Unique
    (docs/salesforce-activity-keys.md): a real org's key field must pass."""
    key = FieldSchema(
        name="Sponsor_Sync_Key__c",
        type="string",
        createable=True,
        updateable=True,
        external_id=True,
        unique=False,
    )
    described = with_field(_described("salesforce"), "Task", key)
    found = _found(load_mapping(None, "salesforce"), described)
    assert [message for path, message in found if path == "writeback.task.key_field"] == []
    without = with_field(described, "Task", replace(key, external_id=False))
    assert [
        p for p in _found(load_mapping(None, "salesforce"), without) if p[0] == "writeback.task.key_field"
    ]
