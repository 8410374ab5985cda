"""Numbers given to the admin API, checked: a negative, huge, fractional where whole, boolean, NaN
or non-numeric value is refused (400 with the setting's name and range) instead of being stored
and breaking a later request."""

from __future__ import annotations

import math
from typing import Any

DAY_MS = 86_400_000
MAX_COUNT = 1_000_000_000  # rate limits, quotas, counts: far above any real edition


def number(value: Any, name: str, low: float, high: float, *, whole: bool = False) -> float:
    """``value`` as a number in ``[low, high]`` (an integer when ``whole``), or ValueError."""
    kind = "an integer" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be {kind} between {low:g} and {high:g}, not {value!r}")
    if not math.isfinite(value) or not low <= value <= high or (whole and value != int(value)):
        raise ValueError(f"{name} must be {kind} between {low:g} and {high:g}, not {value!r}")
    return float(value)


def whole(value: Any, name: str, low: int, high: int) -> int:
    return int(number(value, name, low, high, whole=True))
