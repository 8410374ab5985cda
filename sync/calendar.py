"""The org's calendar: on which day an instant falls where the org works.

The CRMs send instants in UTC (a meeting at 18:00 in New York arrives as 23:00Z, one at 19:00 as the
next day's 00:00Z) and show them to people in the org's time zone. Every day sponsorsync counts
(today, the day two people met, the day a task was completed, a due date read back) is a day of
that zone, so a task never says two people met on a day their calendars do not show, and a due
date written to a datetime field (HubSpot ``hs_timestamp``) shows as the same day in the CRM.

The mirror keeps instants as the org's wall-clock time (:meth:`Calendar.wall`), in the sortable
form ``YYYY-MM-DDTHH:MM:SSZ`` it always had, so a date-only value (Salesforce ``ActivityDate``,
stored as that day's ``T00:00:00Z``) and a datetime compare on one calendar and a day is the text's
first ten characters. On a UTC calendar the text is the UTC instant, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sponsorsync.connectors.timestamps import parse_instant

if TYPE_CHECKING:
    from sponsorsync.mappings.policy import Cadence

UTC_NAME = "UTC"
_LAST_SECOND = timedelta(minutes=59, seconds=59)


class UnknownTimeZone(ValueError):
    """A time zone name the time zone database does not know."""


def zone_info(name: str) -> tzinfo:
    """The zone of an IANA name (``America/New_York``, ``GMT``, ``UTC``); UnknownTimeZone if none."""
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZone(name) from exc


@dataclass(frozen=True)
class Calendar:
    zone: str = UTC_NAME
    _tz: tzinfo = field(init=False, repr=False, compare=False)
    _offsets: dict[str, timedelta | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tz", zone_info(self.zone))
        if self._tz is UTC:
            object.__setattr__(self, "zone", UTC_NAME)  # "utc", "Etc/UTC": one name, one stored calendar
        object.__setattr__(self, "_offsets", {})

    @property
    def is_utc(self) -> bool:
        return self._tz is UTC

    def date_of(self, instant: datetime) -> date:
        """The org's date at an (aware) instant: ``date_of(now)`` is today."""
        return instant.astimezone(self._tz).date()

    def day(self, value: object) -> date | None:
        """The org's day of a CRM value: a date (``YYYY-MM-DD``) as it is, an instant (ISO-8601,
        Salesforce ``+0000``, epoch milliseconds) on the org's calendar; None for empty or invalid."""
        if value is None:
            return None
        text = str(value).strip()
        if not text:
            return None
        try:
            if len(text) == 10 and not text.isdigit():
                return date.fromisoformat(text)
            return parse_instant(text).astimezone(self._tz).date()
        except ValueError:
            return None

    def wall(self, utc_text: str) -> str:
        """A UTC instant as ``YYYY-MM-DDTHH:MM:SSZ`` -> the org's wall-clock time in the same form.
        The offset is looked up once per UTC hour (the mirror's hot path parses no time zone); an
        hour in which the zone changes its offset is converted value by value."""
        if self._tz is UTC:
            return utc_text
        hour = utc_text[:13]
        if hour in self._offsets:
            offset = self._offsets[hour]
        else:
            start = datetime.fromisoformat(f"{hour}:00:00+00:00")
            first, last = (t.astimezone(self._tz).utcoffset() for t in (start, start + _LAST_SECOND))
            offset = self._offsets[hour] = first if first == last else None
        instant = datetime.fromisoformat(utc_text[:19])
        if offset is None:
            offset = instant.replace(tzinfo=UTC).astimezone(self._tz).utcoffset()
        return f"{(instant + offset).isoformat()}Z" if offset else utc_text

    def at(self, day: date, clock: time) -> datetime:
        """The instant (aware, UTC) of ``clock`` on ``day`` in the org's zone (a time a change of
        offset skips is taken after the change, one it repeats at its first occurrence)."""
        local = datetime.combine(day, clock).replace(tzinfo=self._tz)
        return local.astimezone(UTC)


UTC_CALENDAR = Calendar()


@dataclass(frozen=True)
class WorkWeek:
    """The days the people who get the tasks work: ``weekdays`` (``date.weekday()`` numbers, Monday
    0) less ``days_off`` (public holidays, a shutdown). Every day by default."""

    weekdays: frozenset[int] = frozenset(range(7))
    days_off: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.weekdays:
            raise ValueError("no working day in the week")

    def works_on(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.days_off

    def due(self, candidate: date, *, today: date, deadline: bool) -> date:
        """The due date for a task that would be due on ``candidate``, on a working day.

        A deadline (``deadline=True``) that falls on a day off brings the task forward to the last
        working day before it, so the work is due while people are at work and before the deadline;
        if that day is already past, the task is due on the first working day from today. Any other
        date (so many days from today) goes to the next working day on or after it: a task is never
        due on a day its owner does not work, and so never arrives overdue on their next working
        morning."""
        if self.works_on(candidate):
            return candidate
        if deadline:
            before = candidate
            while not self.works_on(before):
                before -= timedelta(days=1)
            if before >= today:
                return before
            candidate = today
        while not self.works_on(candidate):
            candidate += timedelta(days=1)
        return candidate

    def notice(self, today: date, days: int) -> date:
        """The due date of a task written ``today`` that gives its owner ``days`` of notice: on the
        next working day from ``today + days`` (:meth:`due`), and never with fewer working days
        before it than those days hold in an ordinary week: holidays in between add to it. A week
        from Thursday 24 December, with the 25th to 1 January off, is Friday 8 January (five working
        days, as a week from any Thursday gives), not Monday 4 January, the owner's first day back."""
        candidate = today + timedelta(days=days)
        return max(
            self.due(candidate, today=today, deadline=False), self.after(today, self._ordinary(today, days))
        )

    def opens(self, deadline: date, lead: int) -> date:
        """The day a task due by ``deadline`` appears, given ``lead`` days of notice: ``lead`` days
        before it, or earlier where holidays in between would leave fewer working days before the
        deadline than an ordinary week does. A deadline on Saturday 2 January, with the 24th to
        1 January off, appears on Wednesday 16 December (17 to 23 December to do the work), not on
        the 26th, in the shutdown. Without holidays: always ``lead`` days before."""
        day = deadline - timedelta(days=lead)
        ordinary = self._ordinary(day, lead)
        found = sum(1 for n in range(1, lead + 1) if self.works_on(day + timedelta(days=n)))
        while found < ordinary:
            found += self.works_on(day)
            day -= timedelta(days=1)
        return day

    def _ordinary(self, day: date, days: int) -> int:
        """The working days the ``days`` days after ``day`` hold in an ordinary week (no holidays)."""
        return sum(1 for n in range(1, days + 1) if (day + timedelta(days=n)).weekday() in self.weekdays)

    def after(self, day: date, working_days: int) -> date:
        """The ``working_days``-th working day after ``day`` (``day`` itself not counted): five
        working days after a Friday due date is the next Friday; after Wednesday 23 December,
        with the 24th to 1 January off, Friday 8 January."""
        found = day
        for _ in range(working_days):
            found += timedelta(days=1)
            while not self.works_on(found):
                found += timedelta(days=1)
        return found


def work_week(cadence: Cadence, today: date) -> WorkWeek:
    """The mapping's working days around ``today``: ``cadence.working_days`` less the listed
    ``cadence.holidays`` and the ``cadence.public_holidays`` of its region."""
    days_off = frozenset(cadence.holidays) | public_holidays(cadence.public_holidays, today.year)
    return WorkWeek(cadence.working_weekdays, days_off)


def holiday_region(zone: str) -> str | None:
    """The country of an IANA time zone (``America/New_York`` -> ``US``, from the time zone
    database's ``zone.tab``; an older alias such as HubSpot's ``US/Eastern`` by the zone it is a
    copy of) when the holidays library knows its public holidays; None for UTC, a zone no one
    country has, or a country it does not cover. A suggestion for ``cadence.public_holidays``,
    never applied by itself."""
    by_name, by_data = _zone_countries()
    country = by_name.get(zone)
    if country is None:
        try:
            zone_info(zone)  # a real zone name, not a path
            country = by_data.get(_zone_file(zone))
        except (UnknownTimeZone, OSError, ValueError):
            return None
    if country is None:
        return None
    import holidays  # only where a suggestion is asked for

    return country if country in holidays.list_supported_countries() else None


def _zone_file(zone: str) -> bytes:
    from importlib.resources import files

    return files("tzdata").joinpath("zoneinfo", *zone.split("/")).read_bytes()


@lru_cache(maxsize=1)
def _zone_countries() -> tuple[dict[str, str], dict[bytes, str | None]]:
    """``zone.tab``: zone name -> country, and the zone's compiled data -> its country (None where
    zones of two countries share it: no guess then)."""
    from importlib.resources import files

    text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    by_name: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            country, _, zone = line.split("\t")[:3]
            by_name[zone] = country
    by_data: dict[bytes, str | None] = {}
    for zone, country in by_name.items():
        try:
            data = _zone_file(zone)
        except OSError:
            continue
        by_data[data] = country if by_data.get(data, country) == country else None
    return by_name, by_data


@lru_cache(maxsize=32)
def public_holidays(region: str | None, year: int) -> frozenset[date]:
    """The public holidays of ``region`` (``US``, ``DE-BY``) from the year before ``year`` to two years
    after it (every due date a run sets is within that), from the holidays library; none for None."""
    if region is None:
        return frozenset()
    import holidays  # 40 ms: only where a mapping names a region

    country, _, part = region.partition("-")
    found = holidays.country_holidays(country, subdiv=part or None, years=range(year - 1, year + 3))
    return frozenset(found)
