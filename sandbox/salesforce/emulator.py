"""The Salesforce REST API emulator: the ``Emulator`` protocol of sandbox/http.py over
the org store, with Salesforce's authentication, daily quota, headers and error bodies."""

from __future__ import annotations

import gc
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.http import Route, Router, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.salesforce.api_bulk import BulkQueryApi
from sponsorsync.sandbox.salesforce.api_collections import CollectionsApi
from sponsorsync.sandbox.salesforce.api_composite import CompositeApi
from sponsorsync.sandbox.salesforce.api_meta import MetaApi
from sponsorsync.sandbox.salesforce.api_query import QueryApi
from sponsorsync.sandbox.salesforce.api_records import RecordApi
from sponsorsync.sandbox.salesforce.api_tooling import ToolingApi
from sponsorsync.sandbox.salesforce.auth import Auth
from sponsorsync.sandbox.salesforce.custom_fields import CustomFields
from sponsorsync.sandbox.salesforce.errors import (
    SESSION_EXPIRED,
    default_error,
    edge_page,
    oauth_error,
    sf_error,
    soap_fault,
)
from sponsorsync.sandbox.salesforce.loader import load
from sponsorsync.sandbox.salesforce.schema import ORGANIZATION, TIME_ZONES, USER
from sponsorsync.sandbox.salesforce.seed import Seed
from sponsorsync.sandbox.salesforce.state import OrgState
from sponsorsync.sandbox.salesforce.store import Row, Store, Table
from sponsorsync.sandbox.salesforce.values import second_stamp
from sponsorsync.sandbox.salesforce.writes import Writer

_LOGIN_PREFIX = r"{prefix:/[^/]+\.salesforce\.com}"
FREEZE_ABOVE_ROWS = 200_000
_SETTINGS = (
    "daily_api_requests", "credentials", "jwt_public_keys", "expire_sessions", "shared_activities",
    "bulk_job_seconds", "fail_bulk_jobs", "time_zone",
)  # fmt: skip
_TIME_ZONE = ORGANIZATION.slot("TimeZoneSidKey")
_CHANGED = (ORGANIZATION.slot("LastModifiedDate"), ORGANIZATION.slot("SystemModstamp"))


class SalesforceEmulator:
    crm = "salesforce"

    def __init__(self, clock: Clock, seed: Seed, *, bare: bool = False) -> None:
        """``bare``: the org starts without the data model's custom fields (see custom_fields.py)."""
        self.clock = clock
        self.labels = dict(seed.labels)  # the data file's "@id" labels -> ids, for tests and demos
        self.generated_org = seed.generated  # the orggen.Org behind a generated org (ground truth)
        store = Store(seed.rows, seed.next_numbers)
        self.org = OrgState(
            clock,
            store,
            Writer(store, seed.api_user_id),
            seed.api_user_id,
            custom=CustomFields(store, seed.api_user_id, bare=bare),
        )
        self.org_id = seed.org_id
        self.auth = Auth(seed.api_user_id, self._usernames, seed.org_id)
        self.queries = QueryApi(self.org)
        self.bulk = BulkQueryApi(self.org)
        records = RecordApi(self.org)
        collections = CollectionsApi(self.org)
        self._routes = [
            *self._login_routes(),
            *MetaApi(self.org, self._usage, seed.org_id, self.bulk.jobs_used).routes(),
            *self.queries.routes(),
            *self.bulk.routes(),
            *records.routes(),
            *collections.routes(),
            *ToolingApi(self.org).routes(),
        ]
        self._routes.extend(CompositeApi(self.org, list(self._routes)).routes())
        self._counted: dict[int, int] = {}

    @classmethod
    def generated(cls, clock: Clock, size: int, seed: int = 0, *, bare: bool = False) -> SalesforceEmulator:
        """A synthetic org from sandbox/orggen.py, rendered into Salesforce's objects."""
        from sponsorsync.sandbox.orggen import generate
        from sponsorsync.sandbox.salesforce.render import render

        emulator = cls(clock, render(generate(size, seed=seed, now=clock.now())), bare=bare)
        if sum(len(table) for table in emulator.org.store.tables.values()) > FREEZE_ABOVE_ROWS:
            gc.freeze()  # the seeded rows live forever: keep full collections from walking them (page latency)
        return emulator

    @classmethod
    def from_data(cls, clock: Clock, path: Path | str) -> SalesforceEmulator:
        """A hand-written org (docs/sandbox-salesforce.md); ValueError names what is wrong in the file."""
        return cls(clock, load(Path(path), clock.now()))

    @property
    def access_token(self) -> str:
        """The session issued at start (still valid after reset; not after ``expire_sessions``)."""
        return self.auth.static_token

    # -- Emulator protocol -----------------------------------------------------------------------
    def routes(self) -> list[Route]:
        return list(self._routes)

    def reset(self) -> None:
        self.org.store.reset()
        assert self.org.custom is not None
        self.org.custom.reset()
        self.org.last_stamp = 0
        self.queries.reset()
        self.bulk.reset()
        self.auth.reset()
        self._counted.clear()

    def env(self, base_url: str, ca_path: str) -> dict[str, str]:
        return {
            "SPONSORSYNC_CRM": "salesforce",
            "SPONSORSYNC_SALESFORCE__INSTANCE_URL": base_url,
            "SPONSORSYNC_SALESFORCE__ACCESS_TOKEN": self.auth.static_token,
            "SPONSORSYNC_CA_BUNDLE": ca_path,
        }

    def error_response(
        self, status: int, error_code: str | None, message: str | None, request: SandboxRequest
    ) -> SandboxResponse:
        path = request.raw_path
        if status >= 502 and status <= 504:
            return edge_page(status)
        if "/services/oauth2/" in path:
            return oauth_error(error_code or "invalid_grant", message or "authentication failure", status)
        if "/services/Soap/" in path:
            return soap_fault(
                error_code or "UNKNOWN_EXCEPTION", message or "An unexpected error occurred", status
            )
        if status == 405 and error_code == "METHOD_NOT_ALLOWED":
            allowed = [r.method for r in self._routes if Router([r]).match(r.method, path)[0] is not None]
            message = f"HTTP Method '{request.method}' not allowed. Allowed are {','.join(allowed)}"
        return default_error(status, error_code, message)

    def admit(self, request: SandboxRequest) -> SandboxResponse | None:
        path = request.raw_path
        if not path.startswith("/services/data/") or path.rstrip("/") == "/services/data":
            return None  # logins, the versions list and unknown paths need no session
        user = self.auth.session(request)
        if user is None:
            return sf_error(401, *SESSION_EXPIRED)
        self.org.writer.act_as(user)  # writes record who made them, as Salesforce does
        used = self.auth.count(request.now)
        if used is None:
            self._counted[id(request)] = self.auth.used(request.now)
            return sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        self._counted[id(request)] = used
        content_type = request.header("content-type") or ""
        if request.method in ("POST", "PATCH", "PUT") and request.body and "json" not in content_type.lower():
            message = f"Content-Type header specified in HTTP request is not supported: {content_type}"
            return sf_error(415, "UNSUPPORTED_MEDIA_TYPE", message)
        return None

    def decorate(self, request: SandboxRequest, response: SandboxResponse) -> None:
        used = self._counted.pop(id(request), None)
        if used is not None:
            response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{self.auth.daily_limit}"
        if request.raw_path.startswith("/services/") or "/services/" in request.raw_path:
            response.headers["x-sfdc-request-id"] = secrets.token_hex(16)

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        unknown = set(settings) - set(_SETTINGS)
        if unknown:
            raise ValueError(f"unknown Salesforce settings {sorted(unknown)}; known: {list(_SETTINGS)}")
        zone = settings.get("time_zone")
        if "time_zone" in settings and (not isinstance(zone, str) or zone not in TIME_ZONES):
            raise ValueError(
                f"time_zone must be one of the org's time zones (Organization.TimeZoneSidKey), not {zone!r}: "
                + ", ".join(TIME_ZONES)
            )
        rest = {
            k: v
            for k, v in settings.items()
            if not k.startswith(("bulk_", "fail_bulk_")) and k != "time_zone"
        }
        bulk = self.bulk.configure(settings)
        if isinstance(zone, str):
            self._set_time_zone(zone)
        if "shared_activities" in rest:  # off: no TaskRelation, EventRelation lists invitees only
            value = rest.pop("shared_activities")
            if not isinstance(value, bool):
                raise ValueError("shared_activities must be true or false")
            self.org.shared_activities = value
        return {
            **self.auth.configure(rest, self.clock.now()),
            "shared_activities": self.org.shared_activities,
            "time_zone": self.time_zone,
            **bulk,
        }

    @property
    def time_zone(self) -> str:
        """The org's default time zone: its Organization record's TimeZoneSidKey."""
        return str(self._organization()[1][_TIME_ZONE])

    def _organization(self) -> tuple[Table, Row]:
        table = self.org.store.table(ORGANIZATION.name)
        assert table is not None
        row = table.get(self.org_id)
        assert row is not None, "every org has its Organization record"
        return table, row

    def _set_time_zone(self, zone: str) -> None:
        """Change the org's default time zone, as an admin does in Setup (Company Information): the
        Organization record's TimeZoneSidKey, LastModifiedDate and SystemModstamp. A reset restores
        the seeded record."""
        table, row = self._organization()
        if row[_TIME_ZONE] == zone:
            return
        self.org.last_stamp = max(self.org.last_stamp, second_stamp(self.clock.now()))
        changed = list(row)
        changed[_TIME_ZONE] = zone
        for slot in _CHANGED:
            changed[slot] = self.org.last_stamp
        table.put(tuple(changed))

    # -- helpers ---------------------------------------------------------------------------------
    def _login_routes(self) -> list[Route]:
        soap = r"/services/Soap/u/{version:\d+\.\d+}{rest:(/.*)?}"
        return [
            Route("POST", "/services/oauth2/token", self.auth.token),
            Route("POST", f"{_LOGIN_PREFIX}/services/oauth2/token", self.auth.token),
            Route("POST", soap, self.auth.soap_login),
            Route("POST", f"{_LOGIN_PREFIX}{soap}", self.auth.soap_login),
        ]

    def _usage(self, now: datetime) -> tuple[int, int]:
        return self.auth.used(now), self.auth.daily_limit

    def _usernames(self) -> dict[str, str]:
        table = self.org.store.table("User")
        assert table is not None
        username, active = USER.slot("Username"), USER.slot("IsActive")
        return {row[username].lower(): row[0] for row in table.rows() if row[active] and row[username]}
