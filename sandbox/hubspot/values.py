"""Property values: HubSpot keeps every value as a string; datetimes travel as ISO-8601 or epoch
milliseconds, dates as ``YYYY-MM-DD`` (midnight UTC). Writes are validated the way HubSpot does,
one error entry per bad property."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sponsorsync.sandbox.hubspot.errors import property_detail
from sponsorsync.sandbox.hubspot.schema import PropertyDef

NULL_MS = -(1 << 62)  # "no value" in the millisecond columns of the seeded tables
_EPOCH_MS = re.compile(r"-?\d{1,15}\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
DAY_MS = 86_400_000


def to_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000) if when.tzinfo else int(when.replace(tzinfo=UTC).timestamp() * 1000)


def iso(ms: int) -> str:
    """Epoch milliseconds as HubSpot writes timestamps: ``2026-03-12T07:32:42.188Z``."""
    seconds, millis = divmod(ms, 1000)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def iso_date(ms: int) -> str:
    return f"{datetime.fromtimestamp(ms // 1000, UTC):%Y-%m-%d}"


def parse_instant(value: str) -> int | None:
    """Epoch milliseconds for an epoch-ms string, an ISO-8601 datetime or a date; None if neither."""
    text = value.strip()
    if _EPOCH_MS.match(text):
        return int(text)
    try:
        if _DATE.match(text):
            return to_ms(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC))
        return to_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def instant_of(value: object) -> int | None:
    """The instant of a stored value (an int from a seeded millisecond column or a string)."""
    if value is None:
        return None
    if isinstance(value, int):
        return None if value == NULL_MS else value
    return parse_instant(str(value)) if value != "" else None


def number_of(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def text_of(value: object) -> str | None:
    """A stored value as the lower-cased text HubSpot's search compares."""
    if value is None or value == "" or value == NULL_MS:
        return None
    return str(value).lower()


def as_text(value: Any) -> str | None:
    """A value from a request body as HubSpot stores it: strings, with booleans lower-cased."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


OwnerCheck = Callable[[str], bool]


MAX_TEXT = 65_536  # characters a string property value holds (HubSpot's documented cap)


class Validator:
    """Checks and normalises property writes for one portal."""

    def __init__(self, portal_id: int, owner_ok: OwnerCheck) -> None:
        self.portal_id = portal_id
        self.owner_ok = owner_ok

    def clean(
        self, props: Mapping[str, Any], lookup: Callable[[str], PropertyDef | None]
    ) -> tuple[dict[str, str | None], list[dict[str, Any]]]:
        """(normalised values, error details); values are only meaningful when there are no errors."""
        clean: dict[str, str | None] = {}
        errors: list[dict[str, Any]] = []
        for name, raw in props.items():
            prop = lookup(name)
            if prop is None:
                errors.append(
                    self._detail(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
                )
                continue
            if prop.read_only or prop.calculated:
                message = f'"{name}" is a read only property; its value cannot be set.'
                errors.append(self._detail(name, "READ_ONLY_VALUE", message))
                continue
            value = as_text(raw)
            if value is None or value == "":
                clean[name] = value
                continue
            normalised, problem = self._check(prop, value)
            if problem is not None:
                errors.append(self._detail(name, *problem))
            else:
                clean[name] = normalised
        return clean, errors

    def _detail(self, name: str, code: str, message: str) -> dict[str, Any]:
        return property_detail(name, code, message, self.portal_id)

    def _check(self, prop: PropertyDef, value: str) -> tuple[str, tuple[str, str] | None]:
        if prop.is_owner:
            # A multi-select of owners (hs_attendee_owner_ids) holds several ids separated by ';'.
            owners = value.split(";") if prop.field_type == "checkbox" else [value]
            bad = next((o for o in owners if not self.owner_ok(o)), None)
            if bad is not None:
                return value, ("INVALID_OWNER_ID", f"{bad} is not a valid owner id")
            return value, None
        if prop.type == "enumeration":
            chosen = value.split(";") if prop.field_type == "checkbox" else [value]
            unknown = [v for v in chosen if v not in prop.option_values]
            if unknown and not prop.external_options:
                allowed = ", ".join(sorted(prop.option_values))
                return value, (
                    "INVALID_OPTION",
                    f"{unknown[0]} was not one of the allowed options: [{allowed}]",
                )
            return value, None
        if prop.type == "bool":
            if value.lower() not in ("true", "false"):
                return value, ("INVALID_BOOLEAN", f"{value} is not a valid boolean; use true or false")
            return value.lower(), None
        if prop.type == "number":
            if number_of(value) is None:
                return value, ("INVALID_INTEGER", f"{value} is not a valid number")
            return value, None
        if prop.type == "datetime":
            ms = parse_instant(value)
            if ms is None:
                return value, ("INVALID_DATETIME", f"{value} is not a valid datetime")
            return (iso(ms) if _EPOCH_MS.match(value.strip()) else value), None
        if prop.type == "date":
            return _check_date(value)
        if prop.name == "email":
            return value.lower(), None
        if len(value) > MAX_TEXT:
            message = (
                f"{prop.name} is {len(value)} characters long; a property value holds at most {MAX_TEXT}"
            )
            return value, ("MAX_LENGTH_EXCEEDED", message)
        return value, None


def _check_date(value: str) -> tuple[str, tuple[str, str] | None]:
    ms = parse_instant(value)
    if ms is None:
        return value, ("INVALID_DATE", f"{value} is not a valid date")
    if ms % DAY_MS:
        clock = f"{datetime.fromtimestamp(ms / 1000, UTC):%H:%M:%S}.{ms % 1000:03d}"
        return value, ("INVALID_DATE", f"{value} is at {clock} UTC, not midnight!")
    return iso_date(ms), None
