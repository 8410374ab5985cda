"""The committed JSON Schema is the one the models produce, and documents every field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sponsorsync.mappings
from sponsorsync.mappings.commands import schema_text
from sponsorsync.mappings.model import mapping_json_schema

COMMITTED = Path(sponsorsync.mappings.__file__).parent / "schema.json"


def test_the_committed_schema_matches_the_models() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "mappings/schema.json is out of date: run `sponsorsync mappings schema --out mappings/schema.json`"
    )


def _properties(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            found.append((f"{path}.{name}", prop))
        for key, value in node.items():
            found += _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for item in node:
            found += _properties(item, path)
    return found


def test_every_field_has_a_description() -> None:
    undocumented = [path for path, prop in _properties(mapping_json_schema()) if not prop.get("description")]
    assert undocumented == []


def test_every_model_forbids_unknown_keys() -> None:
    schema = mapping_json_schema()
    models = [schema, *schema["$defs"].values()]
    open_models = [
        m.get("title")
        for m in models
        if m.get("type") == "object" and "properties" in m and m.get("additionalProperties") is not False
    ]
    assert open_models == []


def test_the_schema_is_plain_json() -> None:
    assert json.loads(schema_text())["$schema"] == "https://json-schema.org/draft/2020-12/schema"
