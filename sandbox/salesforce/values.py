"""Field values as the emulator keeps them and as Salesforce prints them.

Inside the store a datetime is an int (milliseconds since the epoch, UTC), a date is its ISO string
``2024-05-01`` (which sorts correctly as text), booleans, numbers and text are themselves. Salesforce
prints datetimes as ``2024-05-01T10:00:00.000+0000``.
"""

from __future__ import annotations

import functools
import re
import time
from datetime import UTC, date, datetime, timedelta

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?\Z"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def format_datetime(ms: int, zone: str = "+0000") -> str:
    """As REST prints it; ``zone="Z"``: as Bulk API 2.0 prints it."""
    seconds, millis = divmod(ms, 1000)
    day, second = divmod(seconds, 86_400)
    hour, second = divmod(second, 3_600)
    minute, second = divmod(second, 60)
    return f"{_day(day)}T{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}{zone}"


@functools.lru_cache(maxsize=4_096)
def _day(day: int) -> str:
    """``YYYY-MM-DD`` of a day counted from the epoch (a Bulk result set prints a million datetimes
    over a few hundred days: the calendar is worked out once per day)."""
    t = time.gmtime(day * 86_400)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"


def to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def second_stamp(now: datetime) -> int:
    """Salesforce keeps audit timestamps to the second."""
    return to_ms(now) // 1000 * 1000


def parse_datetime(text: str) -> int | None:
    """Milliseconds for an ISO 8601 datetime (``Z``, ``+0000``, ``+00:00``, fractions); None if invalid."""
    found = _DATETIME.match(text)
    if not found:
        return None
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    except ValueError:
        return None
    ms = to_ms(moment) + (int((fraction or "0").ljust(3, "0")[:3]))
    if zone and zone != "Z":
        sign = -1 if zone[0] == "+" else 1
        digits = zone[1:].replace(":", "")
        ms += sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * 1000
    return ms


def parse_date(text: str) -> str | None:
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def day_start_ms(day: date) -> int:
    return to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
