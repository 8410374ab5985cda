"""Pacing and budgets: a rolling-window limiter (HubSpot's ten-second and search limits), the daily
quota guard (Salesforce ``Sforce-Limit-Info``, HubSpot ``X-HubSpot-RateLimit-Daily*``) and the
per-run call budget (``--max-api-calls``).

The limiter counts a request from the moment it is sent until one window after its answer arrived,
so that however latency varies, no rolling window on the server's side can see more than the
limit: the server counts arrivals, and an arrival lies between send and answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sponsorsync.connectors.errors import QuotaExhausted

INFLIGHT = float("inf")


class WindowLimiter:
    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._expiries: list[float] = []  # one per request counted in the current window
        self._cooldown_until = 0.0
        self._cond = threading.Condition()
        self.waited_seconds = 0.0

    def _prune(self, now: float) -> None:
        self._expiries = [e for e in self._expiries if e > now]

    def _acquire(self) -> None:
        with self._cond:
            while True:
                now = self._clock()
                self._prune(now)
                if now < self._cooldown_until:
                    delay = self._cooldown_until - now
                elif len(self._expiries) < self.limit:
                    self._expiries.append(INFLIGHT)
                    return
                else:
                    finite = [e for e in self._expiries if e != INFLIGHT]
                    delay = (min(finite) - now) if finite else self.window / 10
                self.waited_seconds += max(delay, 0.0)
                self._cond.wait(timeout=max(delay, 0.001))

    def _release(self) -> None:
        with self._cond:
            expiry = self._clock() + self.window
            try:
                self._expiries[self._expiries.index(INFLIGHT)] = expiry
            except ValueError:
                self._expiries.append(expiry)
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[None]:
        self._acquire()
        try:
            yield
        finally:
            self._release()

    def observe(self, limit: int | None, window_ms: int | None, remaining: int | None) -> None:
        """Adopt the CRM's advertised limit (with a little headroom) and back off when it says the
        window is spent (another client shares the quota)."""
        with self._cond:
            if window_ms:
                self.window = window_ms / 1000
            if limit:  # the portal's own limit wins over the configured default
                self.limit = safe_limit(limit)
            if remaining is not None and remaining <= 0:
                self._cooldown_until = self._clock() + self.window


_SHARED: dict[tuple[str, int, float], WindowLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(quota: str, limit: int, window_seconds: float) -> WindowLimiter:
    """The one limiter of this process for ``quota`` (an opaque key, e.g. a hash of the endpoint and
    token): connectors made one after another for the same quota (two syncs back to back in one
    process) count each other's recent calls instead of each starting from an empty window."""
    with _SHARED_LOCK:
        key = (quota, limit, window_seconds)
        found = _SHARED.get(key)
        if found is None:
            found = _SHARED[key] = WindowLimiter(limit, window_seconds)
        return found


def safe_limit(advertised: int) -> int:
    """Leave a little headroom below the advertised limit (other clients, clock edges)."""
    return max(1, int(advertised * 0.97))


class QuotaGuard:
    """Stops the run cleanly before the daily quota used passes ``1 - reserve`` of the total.

    Calls in flight count against the quota from the moment they are sent (:meth:`slot`) until
    their answer reports the new usage (:meth:`answered`), so that concurrent calls never spend the
    reserve between two answers. Until a first answer tells the quota, one call is sent at a time.
    """

    def __init__(self, reserve: float, setting: str) -> None:
        self.reserve = reserve
        self.setting = setting
        self.used: int | None = None
        self.total: int | None = None
        self._in_flight = 0
        self._answers = 0
        self._cond = threading.Condition()
        self._local = threading.local()  # does this thread hold a slot not yet answered?

    def spendable(self) -> int | None:
        """How many calls of the quota sponsorsync may have used, reserve excluded."""
        if self.total is None:
            return None
        return int(self.total * (1 - self.reserve) + 1e-9)

    def _check(self, sending: int) -> None:
        spendable = self.spendable()
        if self.used is None or self.total is None or spendable is None or self.total <= 0:
            return
        in_flight = sending - 1
        if self.used + sending > spendable:
            more = f" (+{in_flight} in flight)" if in_flight else ""
            raise QuotaExhausted(
                f"The CRM's daily API quota is {self.used:,}/{self.total:,} used{more}, at the "
                f"{1 - self.reserve:.0%} sponsorsync may spend",
                hint=f"the run stopped cleanly and resumes next time; {self.setting} sets the reserve",
            )

    def observe(self, used: int | None, total: int | None) -> None:
        """Record the usage the CRM reported, and stop if it is already past the reserve."""
        if used is None or total is None or total <= 0:
            return
        with self._cond:
            self.used, self.total = used, total
            self._check(1)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one call's place against the quota while it is in flight."""
        with self._cond:
            while self.total is None and self._answers == 0 and self._in_flight > 0:  # quota unknown yet
                self._cond.wait(timeout=1.0)
            self._check(self._in_flight + 1)
            self._in_flight += 1
            self._local.holding = True
        try:
            yield
        finally:
            with self._cond:
                if getattr(self._local, "holding", False):
                    self._in_flight -= 1
                    self._local.holding = False
                self._answers += 1
                self._cond.notify_all()

    def answered(self, used: int | None, total: int | None) -> None:
        """An answer arrived (in the calling thread) with the usage that now includes its call."""
        with self._cond:
            if used is not None and total is not None and total > 0:
                # Answers of concurrent calls arrive in any order: the highest count is the latest.
                same_quota = self.total == total and self.used is not None
                self.used = max(self.used, used) if same_quota and self.used is not None else used
                self.total = total
            if getattr(self._local, "holding", False):
                self._in_flight -= 1
                self._local.holding = False
            self._answers += 1
            self._cond.notify_all()

    def answered_unreported(self) -> None:
        """An answer arrived without usage headers (HubSpot's search answers carry none): its call
        counted against the daily quota all the same, so it is added to the usage last reported
        (a later report that includes it replaces the estimate: the highest count wins)."""
        with self._cond:
            if self.used is not None:
                self.used += 1
            if getattr(self._local, "holding", False):
                self._in_flight -= 1
                self._local.holding = False
            self._answers += 1
            self._cond.notify_all()


class CallBudget:
    """Counts API calls; ``--max-api-calls`` / SPONSORSYNC_SYNC__MAX_API_CALLS stops a run at a limit."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.count = 0
        self._lock = threading.Lock()

    def spend(self) -> None:
        with self._lock:
            if self.limit is not None and self.count >= self.limit:
                raise QuotaExhausted(
                    f"The run reached its limit of {self.limit:,} API calls",
                    hint="raise --max-api-calls / SPONSORSYNC_SYNC__MAX_API_CALLS; the next run resumes",
                )
            self.count += 1
