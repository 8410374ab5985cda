"""Applying an object mapping to one pulled record: the canonical values the engine works on.

The semantics, in order, for each canonical field of the record kind:
1. source: a CRM field's value, or the ids of the associated records (``{association: type}``);
   a list field (``contact_ids``) gets a list, a single field the first id; text with ';' in a list
   field (HubSpot multi-value properties such as ``hs_attendee_owner_ids``) is split.
2. value map: when the field has one, the CRM value is looked up as text (case-insensitively;
   booleans as ``true``/``false``); a ';'-separated multi-value takes its first part that is in the
   map; a value missing from the map becomes empty (None).
3. default: an empty value (None or "") takes the object's default for the field, if any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sponsorsync.mappings.base import Scalar, key_text
from sponsorsync.mappings.objects import AssociationSource, ObjectMapping


def canonical_values(
    spec: ObjectMapping,
    fields: Mapping[str, Any],
    associations: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Canonical field -> value for one record (``fields`` keyed by CRM field name)."""
    kinds = type(spec.fields).KINDS
    sources = spec.fields.sources()
    values: dict[str, Any] = {}
    for name, kind in kinds.items():
        source = sources.get(name)
        raw: Any
        if source is None:
            raw = None
        elif isinstance(source, AssociationSource):
            ids = list((associations or {}).get(source.association, ()))
            raw = ids if kind == "references" else (ids[0] if ids else None)
        else:
            raw = fields.get(source)
        if name in spec.value_maps:
            raw = _mapped(spec.value_maps[name], raw)
        if (raw is None or raw == "") and name in spec.defaults:
            raw = spec.defaults[name]
        if kind == "references":
            raw = _references(raw)
        values[name] = raw
    return values


def _references(raw: Any) -> list[Any]:
    """A list of ids: a list stays one; text like HubSpot's multi-value ``"1;2;3"`` is split on ';'."""
    if raw in (None, ""):
        return []
    if isinstance(raw, list | tuple):
        return list(raw)
    if isinstance(raw, str) and ";" in raw:
        return [part.strip() for part in raw.split(";") if part.strip()]
    return [raw]


def crm_fields(spec: ObjectMapping) -> tuple[str, ...]:
    """The CRM fields to read for ``spec``: every mapped field and the watermark, in file order."""
    names = [s for s in spec.fields.sources().values() if isinstance(s, str)]
    return tuple(dict.fromkeys([*names, spec.watermark]))


def _mapped(value_map: Mapping[str, Scalar], raw: Any) -> Scalar:
    if raw is None or raw == "":
        return None
    text = str(key_text(raw))
    found = _lookup(value_map, text)
    if found is None and ";" in text:  # a multi-value ("Sales;Executive"): the first part that maps
        found = next(
            (v for part in text.split(";") if (v := _lookup(value_map, part.strip())) is not None), None
        )
    return found


def _lookup(value_map: Mapping[str, Scalar], text: str) -> Scalar:
    if text in value_map:
        return value_map[text]
    folded = text.casefold()
    for key, value in value_map.items():
        if key.casefold() == folded:
            return value
    return None
