"""HubSpot answers turned into connector records (pure functions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sponsorsync.connectors.base import (
    ObjectSpec,
    Record,
)
from sponsorsync.connectors.timestamps import parse_instant


def to_record(
    raw: dict[str, Any], spec: ObjectSpec, associations: dict[str, tuple[str, ...]] | None = None
) -> Record:
    fields: dict[str, Any] = dict(raw.get("properties") or {})
    fields["id"] = str(raw["id"])
    if associations is not None:  # read separately (search results carry none)
        associations = {to_type: associations.get(to_type, ()) for to_type in spec.associations}
    else:
        associations = {
            to_type: tuple(
                dict.fromkeys(
                    str(a["id"]) for a in (raw.get("associations") or {}).get(to_type, {}).get("results", [])
                )
            )
            for to_type in spec.associations
        }
    return Record(
        id=str(raw["id"]), fields=fields, deleted=bool(raw.get("archived")), associations=associations
    )


def last_change(raw: dict[str, Any], field: str) -> datetime | None:
    """When ``field`` of one batch-read record got its current value: the newest version's time,
    if that version holds the current value (HubSpot records a cleared value as ``""``)."""
    current = (raw.get("properties") or {}).get(field) or ""
    history = (raw.get("propertiesWithHistory") or {}).get(field) or []
    versions = [v for v in history if isinstance(v, dict)]
    dated: list[tuple[datetime, dict[str, Any]]] = []
    for version in versions:
        try:
            dated.append((parse_instant(str(version.get("timestamp") or "")), version))
        except ValueError:  # an unreadable time says nothing about when the value was set
            continue
    if not dated:
        return None
    when, newest = max(dated, key=lambda pair: pair[0])
    return when if (newest.get("value") or "") == current else None
