"""The sandbox's notion of now: real time plus an offset that tests move forward."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta():
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("give a timezone, e.g. 2026-01-01T00:00:00Z")
        with self._lock:
            self._offset = when - datetime.now(UTC)
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta()
