"""`sponsorsync setup export --format sfdx DIR`: a Salesforce DX source project whose XML parses and
matches the mapping (every custom field with its type and options, and a permission set granting them)."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.mappings.setup import needed_fields
from tests.support.cli import invoke

NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
DEFAULT = Path("force-app/main/default")


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, NS)
    return None if found is None else found.text


def test_export_writes_every_field_and_the_permission_set_of_the_mapping(tmp_path: Path) -> None:
    out = tmp_path / "sfdx"
    result = invoke("setup", "export", "--format", "sfdx", str(out), env={"SPONSORSYNC_CRM": "salesforce"})
    assert result.exit_code == 0, result.output
    project = json.loads((out / "sfdx-project.json").read_text())
    assert project["packageDirectories"] == [{"path": "force-app", "default": True}]
    assert project["sourceApiVersion"] == "59.0"

    mapping = load_mapping(None, "salesforce")
    expected = needed_fields(mapping)
    files = sorted((out / DEFAULT / "objects").glob("*/fields/*.field-meta.xml"))
    names = {f"{p.parts[-3]}.{p.name.removesuffix('.field-meta.xml')}" for p in files}
    owner = {"Task": "Activity"}
    assert names == {f"{owner.get(d.object, d.object)}.{d.name}" for d in expected}
    for definition in expected:
        path = out / DEFAULT / "objects" / owner.get(definition.object, definition.object) / "fields"
        root = ET.parse(path / f"{definition.name}.field-meta.xml").getroot()
        assert root.tag == f"{{{NS['md']}}}CustomField"
        assert _text(root, "md:fullName") == definition.name
        assert _text(root, "md:label") == definition.label
        kind = _text(root, "md:type")
        if definition.kind == "picklist":
            assert kind == "Picklist"
            values = [
                v.text for v in root.findall("md:valueSet/md:valueSetDefinition/md:value/md:fullName", NS)
            ]
            assert values == list(definition.options)
            assert _text(root, "md:valueSet/md:restricted") == "true"
        elif definition.kind == "reference":
            assert (kind, _text(root, "md:referenceTo")) == ("Lookup", "User")
            assert _text(root, "md:relationshipName") == definition.name.removesuffix("__c")
        elif definition.kind == "text":
            assert (kind, _text(root, "md:length")) == ("Text", "255")
            assert _text(root, "md:externalId") == ("true" if definition.external_id else "false")
        else:
            assert kind == "Date"
    # the key: External ID, not Unique (not offered on activity fields)
    key = ET.parse(out / DEFAULT / "objects/Activity/fields/Sponsor_Sync_Key__c.field-meta.xml").getroot()
    assert (_text(key, "md:externalId"), _text(key, "md:unique")) == ("true", None)
    tier = ET.parse(out / DEFAULT / "objects/Account/fields/Alliance_Tier__c.field-meta.xml").getroot()
    assert [v.text for v in tier.findall(".//md:value/md:fullName", NS)] == ["Strategic", "Key", "Standard"]

    permset = ET.parse(
        out / DEFAULT / "permissionsets/Sponsorsync_Integration.permissionset-meta.xml"
    ).getroot()
    assert permset.tag == f"{{{NS['md']}}}PermissionSet"
    granted = {
        (_text(p, "md:field"), _text(p, "md:readable"), _text(p, "md:editable"))
        for p in permset.findall("md:fieldPermissions", NS)
    }
    assert granted == {(n, "true", "true") for n in names}


def test_export_follows_a_mapping_with_other_names_and_values(tmp_path: Path) -> None:
    from sponsorsync.mappings.commands import default_text

    text = (
        default_text("salesforce")
        .replace("Alliance_Tier__c", "Partner_Level__c")
        .replace("Strategic: strategic", "Platinum: strategic")
    )
    mapping_file = tmp_path / "m.yaml"
    mapping_file.write_text(text)
    out = tmp_path / "sfdx"
    env = {"SPONSORSYNC_CRM": "salesforce", "SPONSORSYNC_MAPPING": str(mapping_file)}
    result = invoke("setup", "export", "--format", "sfdx", str(out), env=env)
    assert result.exit_code == 0, result.output
    level = ET.parse(out / DEFAULT / "objects/Account/fields/Partner_Level__c.field-meta.xml").getroot()
    assert [v.text for v in level.findall(".//md:value/md:fullName", NS)] == ["Platinum", "Key", "Standard"]
    assert not (out / DEFAULT / "objects/Account/fields/Alliance_Tier__c.field-meta.xml").exists()


def test_export_refuses_a_hubspot_mapping_in_one_line(tmp_path: Path) -> None:
    result = invoke("setup", "export", str(tmp_path / "x"), env={"SPONSORSYNC_CRM": "hubspot"})
    assert result.exit_code == 2, result.output
    assert result.errors() == [
        "error: setup export --format sfdx writes Salesforce metadata; the mapping is for hubspot"
    ]


def test_export_into_an_unwritable_place_is_one_error_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("setup", "export", str(blocker / "sub"), env={"SPONSORSYNC_CRM": "salesforce"})
    assert result.exit_code == 2, result.output
    assert len(result.errors()) == 1
    assert result.errors()[0].startswith(f"error: cannot write the project into {blocker / 'sub'}")
