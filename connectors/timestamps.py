"""Parsing and formatting the CRMs' timestamps (values stay strings everywhere else)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

_SF_OFFSET = re.compile(r"([+-]\d\d)(\d\d)$")
UTC_ZONES = ("Z", "+0000", "+00:00")  # how the CRMs end a UTC timestamp


def utc_zone(text: str) -> str | None:
    """The UTC zone a timestamp ends with (one of :data:`UTC_ZONES`), or None."""
    return next((zone for zone in UTC_ZONES if text.endswith(zone)), None)


def parse_instant(value: str) -> datetime:
    """An ISO-8601 / Salesforce (``+0000``) / epoch-milliseconds timestamp, as aware UTC."""
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    text = text.replace("Z", "+00:00")
    # Salesforce's "+0000" (nearly every value) without the regular expression: one per record pulled
    text = text[:-5] + "+00:00" if text.endswith("+0000") else _SF_OFFSET.sub(r"\1:\2", text)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def soql_datetime(value: datetime) -> str:
    """A SOQL dateTime literal (second precision, rounded down: re-reading a little is safe)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def iso_utc(value: datetime) -> str:
    """ISO-8601 in UTC with milliseconds, like HubSpot's own values."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def minus(value: str, delta: timedelta) -> datetime:
    return parse_instant(value) - delta


def to_date(value: str | None) -> date | None:
    """A date from a date or datetime value in any of the CRMs' formats; None for empty/invalid."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return parse_instant(value).date()
    except ValueError:
        return None
