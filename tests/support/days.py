"""Due dates as the people who get the tasks expect them, whatever weekday the suite runs on. The
default mapping's working week is Monday to Friday (``cadence.working_days``): a task due a week on
from a Saturday is due the Monday after; one due the day before a Monday meeting, the Friday before."""

from __future__ import annotations

from datetime import date, timedelta


def on_or_after(day: date) -> date:
    """``day``, or the Monday after it when it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def on_or_before(day: date) -> date:
    """``day``, or the Friday before it when it falls on a weekend."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day
