"""Authentication and rate limits, checked before routing.

Private-app tokens (``Authorization: Bearer pat-na1-...``). Rate limits are on by default, as in
production (110 a rolling 10 seconds, 250,000 a day, 4 searches a second; ``rate_limit: null``
turns them off): a rolling 10-second window per token, a daily quota (UTC day) and a separate
per-second limit for the search endpoints, which count against the daily quota but not the
10-second window. Non-search responses then carry HubSpot's ``X-HubSpot-RateLimit-*`` headers
(search responses carry none, as recorded from the real API). A refused (429) request counts
against nothing, and no ``Retry-After`` is sent, as HubSpot sends none."""

from __future__ import annotations

import math
import uuid
from collections import deque
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from sponsorsync.sandbox.bounds import MAX_COUNT, whole
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.http import SandboxRequest, SandboxResponse
from sponsorsync.sandbox.hubspot.errors import (
    CORRELATION_HEADER,
    body_response,
    error_body,
    json_response,
)
from sponsorsync.sandbox.hubspot.values import to_ms

AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
    "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
WINDOW_MS = 10_000
APP_ID = 3_141_592


@dataclass
class RateLimit:
    ten_second_max: int = 110
    daily_max: int = 250_000
    search_per_second: int = 4

    @classmethod
    def parse(cls, data: Any) -> RateLimit:
        if not isinstance(data, dict):
            raise ValueError(
                "rate_limit must be an object like {ten_second_max, daily_max, search_per_second} or null"
            )
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown rate_limit keys {sorted(unknown)}; known: {sorted(known)}")
        return cls(**{k: whole(v, f"rate_limit.{k}", 1, MAX_COUNT) for k, v in data.items()})


def is_search(request: SandboxRequest) -> bool:
    return request.method == "POST" and request.raw_path.rstrip("/").endswith("/search")


#: A token ``<the private app's token>~user-<user id>`` acts as that HubSpot user in the UI: the
#: sandbox's stand-in for a person editing a record by hand (``hs_updated_by_user_id`` records them).
PERSON_MARK = "~user-"


def person(request: SandboxRequest) -> str | None:
    """The HubSpot user id a request acts as (see PERSON_MARK), or None for the app itself."""
    header = request.header("authorization") or ""
    _, mark, user = header.partition(PERSON_MARK)
    return user.strip() if mark and user.strip().isdigit() else None


class Gate:
    def __init__(self, clock: Clock, portal_id: int) -> None:
        self.clock = clock
        self.portal_id = portal_id
        self.token = f"pat-na1-{uuid.uuid4()}"
        self.limit: RateLimit | None = RateLimit()
        self.expired_at: datetime | None = None
        self._window: dict[str, deque[int]] = {}
        self._search: dict[str, deque[int]] = {}
        self._daily: dict[tuple[str, str], int] = {}
        self._headers: dict[int, dict[str, str]] = {}

    def reset(self) -> None:
        self.limit = RateLimit()  # on, as in production; tests that need none turn it off
        self.expired_at = None
        self._window.clear()
        self._search.clear()
        self._daily.clear()
        self._headers.clear()

    def settings(self) -> dict[str, Any]:
        return {
            "rate_limit": asdict(self.limit) if self.limit else None,
            "expire_tokens": self.expired_at is not None,
        }

    def configure(self, settings: dict[str, Any]) -> None:
        if "rate_limit" in settings:
            raw = settings["rate_limit"]
            self.limit = None if raw is None else RateLimit.parse(raw)
            self._window.clear()
            self._search.clear()
            self._daily.clear()
        if "expire_tokens" in settings:
            self.expired_at = self.clock.now() if settings["expire_tokens"] else None

    # -- admission -----------------------------------------------------------------------------
    def admit(self, request: SandboxRequest) -> SandboxResponse | None:
        header = request.header("authorization") or ""
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        token, _, person = token.partition(PERSON_MARK)
        if token != self.token or (person and not person.isdigit()):
            return body_response(401, error_body("INVALID_AUTHENTICATION", AUTH_MESSAGE))
        if self.expired_at is not None:
            ago = max(1, int((request.now - self.expired_at).total_seconds()))
            message = f"The OAuth token used to make this call expired {ago} second(s) ago."
            return body_response(401, error_body("EXPIRED_AUTHENTICATION", message))
        if self.limit is None:
            return None
        now = to_ms(request.now)
        day = (token, request.now.strftime("%Y-%m-%d"))
        search = is_search(request)
        window = self._window.setdefault(token, deque())
        searches = self._search.setdefault(token, deque())
        _expire(window, now - WINDOW_MS)
        _expire(searches, now - 1000)
        refused: str | None = None
        if self._daily.get(day, 0) >= self.limit.daily_max:
            refused = "DAILY"
        elif search and len(searches) >= self.limit.search_per_second:
            refused = "SECONDLY"
        elif not search and len(window) >= self.limit.ten_second_max:
            refused = "TEN_SECONDLY_ROLLING"
        if refused is None:
            self._daily[day] = self._daily.get(day, 0) + 1
            (searches if search else window).append(now)
        if not search:
            self._headers[id(request)] = self._rate_headers(window, now, self._daily.get(day, 0))
        return None if refused is None else self.refusal(refused)

    def refusal(self, policy: str) -> SandboxResponse:
        correlation = str(uuid.uuid4())
        message, group = {
            "DAILY": ("You have reached your daily limit.", "private_app-api-calls-daily"),
            "SECONDLY": ("You have reached your secondly limit.", "search-api-calls-secondly"),
            "TEN_SECONDLY_ROLLING": (
                "You have reached your ten_secondly_rolling limit.",
                "private_app-api-calls-ten-secondly",
            ),
        }[policy]
        body: dict[str, Any] = {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": correlation,
            "policyName": policy,
            "groupName": f"publicapi:{group}:{self.portal_id}:{APP_ID}",
        }
        if policy == "DAILY":
            body["requestId"] = str(uuid.uuid4())
        return json_response(429, body, {CORRELATION_HEADER: correlation})

    def _rate_headers(self, window: deque[int], now: int, used_today: int) -> dict[str, str]:
        assert self.limit is not None
        secondly = math.ceil(self.limit.ten_second_max / 10)
        last_second = sum(1 for t in window if t > now - 1000)
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(WINDOW_MS),
            "X-HubSpot-RateLimit-Max": str(self.limit.ten_second_max),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.limit.ten_second_max - len(window))),
            "X-HubSpot-RateLimit-Secondly": str(secondly),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, secondly - last_second)),
            "X-HubSpot-RateLimit-Daily": str(self.limit.daily_max),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.limit.daily_max - used_today)),
        }

    def decorate(self, request: SandboxRequest, response: SandboxResponse) -> None:
        headers = self._headers.pop(id(request), None)
        if headers is None and self.limit is not None and not is_search(request) and response.status != 401:
            now = to_ms(request.now)
            window = self._window.get(self.token, deque())
            _expire(window, now - WINDOW_MS)
            used = self._daily.get((self.token, request.now.strftime("%Y-%m-%d")), 0)
            headers = self._rate_headers(window, now, used)
        if headers:
            response.headers.update(headers)
        response.headers.setdefault(CORRELATION_HEADER, str(uuid.uuid4()))


def _expire(times: deque[int], before: int) -> None:
    while times and times[0] <= before:
        times.popleft()
