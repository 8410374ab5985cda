"""The HubSpot connector's call layer: every request goes through :meth:`HubSpotCalls._call`.

Calls go through the SDK's generated APIs with ``_preload_content=False``: the SDK builds and sends
the request; we read the status, headers (rate limits, ``Date``) and JSON ourselves, which also
avoids the SDK's slow model deserialisation. The SDK's urllib3 retries are off: the one retry layer
is :mod:`connectors.retry`. Each call is paced to the rolling ten-second limit the portal advertises
(search calls to the search limit instead) and held against the daily reserve while in flight.
"""

from __future__ import annotations

import hashlib
import json
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hubspot import HubSpot
from urllib3.util.retry import Retry

from sponsorsync.connectors.base import ObjectSpec
from sponsorsync.connectors.hubspot_errors import translate
from sponsorsync.connectors.retry import RetryPolicy, call_with_retry, check_stop
from sponsorsync.connectors.throttle import CallBudget, QuotaGuard, WindowLimiter, shared_limiter
from sponsorsync.connectors.timestamps import parse_http_date
from sponsorsync.connectors.tls import verify_with

log = logging.getLogger(__name__)

LIST_LIMIT = 100
BATCH_SIZE = 100
OWNERS_LIMIT = 500
ASSOCIATION_READ_LIMIT = 1000
OWNERS = "owners"
OWNER_FIELDS = ("id", "email", "firstName", "lastName", "userId", "archived", "createdAt", "updatedAt")


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any


class Apis:
    """The generated API objects one thread uses (each holds its own connection pool)."""

    def __init__(self, client: HubSpot, trust: ssl.SSLContext | None) -> None:
        crm = client.crm
        self.objects = crm.objects.basic_api
        self.search = crm.objects.search_api
        self.batch = crm.objects.batch_api
        self.owners = crm.owners.owners_api
        self.properties = crm.properties.core_api
        self.groups = crm.properties.groups_api
        self.associations = crm.associations.v4.batch_api
        if trust is not None:
            for api in (
                self.objects,
                self.search,
                self.batch,
                self.owners,
                self.properties,
                self.groups,
                self.associations,
            ):
                verify_with(api, trust)


class HubSpotCalls:
    """Sending calls: pacing to both rate limits, the daily reserve, the call budget, retries."""

    def __init__(
        self,
        *,
        access_token: str,
        base_url: str,
        verify: ssl.SSLContext | None,
        timeout: float,
        concurrency: int,
        requests_per_10s: int,
        search_per_second: int,
        quota_reserve: float,
        lookback: timedelta,
        budget: CallBudget,
        retry: RetryPolicy,
    ) -> None:
        options: dict[str, Any] = {
            "access_token": access_token,
            "host": base_url,
            "retry": Retry(total=0, connect=0, read=0, redirect=0, status=0, other=0, raise_on_status=False),
        }
        if verify is None:  # verification turned off (SPONSORSYNC_INSECURE_SKIP_TLS_VERIFY)
            options["verify_ssl"] = False
        self._trust = verify
        self._client = HubSpot(**options)
        self._base_url = base_url
        self._timeout = timeout
        self._concurrency = concurrency
        self._lookback = lookback
        self._budget = budget
        self._retry = retry
        self._limiter = WindowLimiter(requests_per_10s, 10.0)
        # Search answers advertise no limit, so nothing tells a new connector about the searches
        # the last one made a moment ago with the same token: the search window is per process.
        quota = hashlib.sha256(f"{base_url}\0{access_token}".encode()).hexdigest()
        self._search_limiter = shared_limiter(f"hubspot-search:{quota}", search_per_second, 1.0)
        self._guard = QuotaGuard(quota_reserve, "SPONSORSYNC_LIMITS__HUBSPOT_QUOTA_RESERVE")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._calls = 0
        self._server_time: datetime | None = None

    # -- plumbing ------------------------------------------------------------------------------
    def _apis(self) -> Apis:
        apis = getattr(self._local, "apis", None)
        if apis is None:
            apis = self._local.apis = Apis(self._client, self._trust)
        assert isinstance(apis, Apis)
        return apis

    def _observe(self, headers: Any) -> None:
        if headers is None:
            return

        def number(name: str) -> int | None:
            value = headers.get(name)
            return int(value) if value is not None and str(value).isdigit() else None

        when = parse_http_date(headers.get("Date"))
        with self._lock:
            if when is not None:
                self._server_time = when
        self._limiter.observe(
            number("X-HubSpot-RateLimit-Max"),
            number("X-HubSpot-RateLimit-Interval-Milliseconds"),
            number("X-HubSpot-RateLimit-Remaining"),
        )
        daily, daily_left = number("X-HubSpot-RateLimit-Daily"), number("X-HubSpot-RateLimit-Daily-Remaining")
        if daily is not None and daily_left is not None:
            self._guard.answered(daily - daily_left, daily)  # this call no longer counts as in flight
        else:  # a search answer: it counts against the daily quota, but says nothing of it
            self._guard.answered_unreported()

    def _call(self, what: str, fn: Callable[[Apis], Any], *, search: bool = False) -> Answer:
        def attempt() -> Answer:
            self._budget.spend()
            # In flight against the daily reserve until answered; paced to the search limit or to
            # the ten-second one: HubSpot meters search apart (its answers carry no ten-second
            # headers), so a search holds no ten-second slot.
            with self._guard.slot(), (self._search_limiter if search else self._limiter).slot():
                check_stop()  # a stop requested while this call waited for its turn
                with self._lock:
                    self._calls += 1
                try:
                    response = fn(self._apis())
                except Exception as exc:  # translated at the boundary: no SDK exception leaves
                    self._observe(getattr(exc, "headers", None))
                    raise translate(exc, what) from None
                self._observe(response.headers)  # in the slot: the usage it reports now counts this call
            raw = response.data
            try:
                return Answer(response.status, json.loads(raw) if raw else None)
            except ValueError as exc:
                raise translate(exc, what) from None

        return call_with_retry(attempt, self._retry, what=what)

    def _kw(self) -> dict[str, Any]:
        return {"_preload_content": False, "_request_timeout": self._timeout}

    # -- protocol ------------------------------------------------------------------------------
    def api_calls(self) -> int:
        return self._calls

    def server_time(self) -> datetime:
        if self._server_time is None:
            self._call("reading the owners", self._owners_page(None, False))
        return self._server_time or datetime.now(UTC)

    def close(self) -> None:
        """Connection pools belong to the per-thread API objects; nothing to release explicitly."""

    def _batch_read(self, object_name: str, body: Any) -> Callable[[Apis], Any]:
        kwargs = self._kw()
        return lambda api: api.batch.read(object_name, body, **kwargs)

    def _owners_page(self, after: str | None, archived: bool) -> Callable[[Apis], Any]:
        kwargs: dict[str, Any] = {"limit": OWNERS_LIMIT, "archived": archived, **self._kw()}
        if after:
            kwargs["after"] = after
        return lambda api: api.owners.get_page(**kwargs)

    def _search(self, spec: ObjectSpec, body: dict[str, Any]) -> dict[str, Any]:
        answer = self._call(
            f"searching {spec.name}",
            lambda api: api.search.do_search(spec.name, body, **self._kw()),
            search=True,
        )
        data = answer.data or {}
        assert isinstance(data, dict)
        return data

    def _now(self) -> datetime:
        return self._server_time or datetime.now(UTC)
