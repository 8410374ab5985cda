"""``sponsorsync setup export --format sfdx DIR``: the custom fields and the permission set as a
Salesforce DX source project, for admins who deploy metadata with the Salesforce CLI
(``sf project deploy start --source-dir force-app``).

The field definitions are those the Tooling API gets (:func:`connectors.salesforce_setup.field_metadata`),
written as Metadata API XML: elements in the schema's order (``fullName`` first, then alphabetical,
which is the order of the Metadata API's XSD for these types).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from sponsorsync.connectors.base import FieldDefinition
from sponsorsync.connectors.salesforce_setup import (
    PERMISSION_SET,
    PERMISSION_SET_DESCRIPTION,
    PERMISSION_SET_LABEL,
    field_metadata,
    metadata_object,
)

NAMESPACE = "http://soap.sforce.com/2006/04/metadata"
SOURCE = Path("force-app") / "main" / "default"


def export_sfdx(fields: Sequence[FieldDefinition], directory: Path, api_version: str) -> list[Path]:
    """Write the project into ``directory`` (created if needed; files of the same names replaced);
    the paths written, relative to ``directory``."""
    written: list[Path] = []

    def write(relative: Path, text: str) -> None:
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(relative)

    project = {
        "packageDirectories": [{"path": "force-app", "default": True}],
        "name": "sponsorsync-setup",
        "namespace": "",
        "sfdcLoginUrl": "https://login.salesforce.com",
        "sourceApiVersion": api_version,
    }
    write(Path("sfdx-project.json"), json.dumps(project, indent=2) + "\n")
    seen: set[str] = set()
    for definition in fields:
        owner = metadata_object(definition)
        if f"{owner}.{definition.name}".lower() in seen:  # Task and Event share Activity's fields
            continue
        seen.add(f"{owner}.{definition.name}".lower())
        body = {"fullName": definition.name, **field_metadata(definition)}
        path = SOURCE / "objects" / owner / "fields" / f"{definition.name}.field-meta.xml"
        write(path, _document("CustomField", body))
    permissions = {
        "description": PERMISSION_SET_DESCRIPTION,
        "fieldPermissions": [
            {"editable": True, "field": name, "readable": True} for name in sorted(seen_names(fields))
        ],
        "hasActivationRequired": False,
        "label": PERMISSION_SET_LABEL,
    }
    path = SOURCE / "permissionsets" / f"{PERMISSION_SET}.permissionset-meta.xml"
    write(path, _document("PermissionSet", permissions))
    return written


def seen_names(fields: Sequence[FieldDefinition]) -> set[str]:
    """``Object.Field__c`` names as permission metadata names them (Activity for Task and Event)."""
    return {f"{metadata_object(d)}.{d.name}" for d in fields}


def _document(root_tag: str, body: dict[str, Any]) -> str:
    root = ET.Element(root_tag, xmlns=NAMESPACE)
    _fill(root, body)
    ET.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _fill(parent: ET.Element, body: dict[str, Any]) -> None:
    for key in sorted(body, key=lambda k: (k != "fullName", k)):
        values = body[key] if isinstance(body[key], list) else [body[key]]
        for value in values:
            child = ET.SubElement(parent, key)
            if isinstance(value, dict):
                _fill(child, value)
            elif isinstance(value, bool):
                child.text = "true" if value else "false"
            else:
                child.text = str(value)
