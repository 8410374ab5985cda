"""The custom fields a mapping needs (pure): only sponsorsync's own data fields, defined from the
mapping (picklist values from value_maps and the health values, the key's External ID / unique flag),
and which of them a CRM's descriptions lack."""

from __future__ import annotations

import pytest

from sponsorsync.connectors.base import FieldSchema, ObjectSchema
from sponsorsync.mappings.loader import load_mapping, parse_mapping
from sponsorsync.mappings.setup import crm_type, label_for, missing_fields, needed_fields


def test_the_salesforce_mapping_needs_its_eight_custom_fields_defined_from_the_mapping() -> None:
    fields = {(d.object, d.name): d for d in needed_fields(load_mapping(None, "salesforce"))}
    assert len(fields) == 8
    tier = fields[("Account", "Alliance_Tier__c")]
    assert (tier.kind, tier.options, tier.label) == (
        "picklist",
        ("Strategic", "Key", "Standard"),
        "Alliance Tier",
    )
    assert fields[("Account", "Executive_Sponsor__c")].reference_to == "User"
    key = fields[("Task", "Sponsor_Sync_Key__c")]
    assert (key.kind, key.length, key.external_id, key.unique) == ("text", 255, True, False)
    assert fields[("Account", "Sponsor_Health__c")].options == ("Green", "Amber", "Red")
    assert fields[("Account", "Sponsor_Last_Touch__c")].kind == "date"
    assert crm_type("salesforce", key) == "Text(255), External ID"
    assert crm_type("salesforce", tier) == "Picklist (Strategic, Key, Standard)"


def test_the_hubspot_mapping_needs_its_properties_in_the_sponsorsync_group() -> None:
    fields = {(d.object, d.name): d for d in needed_fields(load_mapping(None, "hubspot"))}
    assert len(fields) == 8
    assert {d.group for d in fields.values()} == {"sponsorsync"}
    key = fields[("tasks", "sponsor_sync_key")]
    assert (key.external_id, key.unique) == (False, True)
    assert fields[("companies", "executive_sponsor")].reference_to == "OWNER"
    assert crm_type("hubspot", key) == "string (single-line text), unique values"


def test_values_and_names_follow_an_edited_mapping() -> None:
    from sponsorsync.mappings.commands import default_text

    text = (
        default_text("salesforce")
        .replace("Alliance_Tier__c", "Partner_Level__c")
        .replace("Strategic: strategic", "Platinum: strategic")
    )
    mapping = parse_mapping(text, "edited.yaml")
    names = {d.name: d for d in needed_fields(mapping)}
    assert "Alliance_Tier__c" not in names
    assert names["Partner_Level__c"].options == ("Platinum", "Key", "Standard")


def test_missing_fields_are_the_needed_ones_the_descriptions_lack_case_insensitively_on_salesforce() -> None:
    mapping = load_mapping(None, "salesforce")
    account = ObjectSchema("Account", {"alliance_tier__c": FieldSchema("alliance_tier__c", "picklist")})
    missing = missing_fields(mapping, {"Account": account, "Task": ObjectSchema("Task", {})})
    assert ("Account", "Alliance_Tier__c") not in {(d.object, d.name) for d in missing}
    assert len(missing) == 7
    assert missing_fields(mapping, {}) == []  # objects the CRM does not show are check's business


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Alliance_Tier__c", "Alliance Tier"),
        ("ns__Sponsor_Key__c", "Sponsor Key"),
        ("alliance_tier", "Alliance tier"),
    ],
)
def test_labels_come_from_the_api_name(name: str, label: str) -> None:
    assert label_for(name) == label


def test_a_name_within_a_typo_of_an_existing_field_is_not_proposed() -> None:
    from sponsorsync.mappings.commands import default_text

    mapping = parse_mapping(
        default_text("salesforce").replace("Sponsor_Health__c", "Sponsor_Helth__c"), "m.yaml"
    )
    account = ObjectSchema("Account", {"Sponsor_Health__c": FieldSchema("Sponsor_Health__c", "picklist")})
    names = [d.name for d in missing_fields(mapping, {"Account": account})]
    assert "Sponsor_Helth__c" not in names  # check says "did you mean 'Sponsor_Health__c'"
    assert "Alliance_Tier__c" in names
