"""The HubSpot CRM API emulator served by :class:`sandbox.server.SandboxServer`."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sponsorsync.sandbox.bounds import DAY_MS, whole
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.http import Handler, Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.hubspot.api_assoc import AssociationsApi
from sponsorsync.sandbox.hubspot.api_batch import BatchApi
from sponsorsync.sandbox.hubspot.api_meta import MetaApi
from sponsorsync.sandbox.hubspot.api_objects import ObjectsApi
from sponsorsync.sandbox.hubspot.errors import HubSpotError, body_response, error_body, to_response
from sponsorsync.sandbox.hubspot.limits import AUTH_MESSAGE, Gate, person
from sponsorsync.sandbox.hubspot.portal import Portal, Seed
from sponsorsync.sandbox.hubspot.search_run import Searcher

CATEGORIES = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    415: "UNSUPPORTED_MEDIA_TYPE",
    423: "LOCKED",
    500: "INTERNAL_ERROR",
}
MESSAGES = {
    401: AUTH_MESSAGE,
    403: "This app hasn't been granted all required scopes to make this call.",
    404: "Object not found.  objectId are usually numeric.",
    423: "The object is locked by another update. Please retry later.",
    500: "internal error",
}
EDGE_STATUS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}
# the server core's own codes (unknown routes, handler crashes) in HubSpot's categories
SERVER_CODES = {"NOT_FOUND": "OBJECT_NOT_FOUND", "UNKNOWN_EXCEPTION": "INTERNAL_ERROR"}
SETTINGS = ("index_lag_ms", "rate_limit", "expire_tokens", "time_zone")


def _guard(handler: Handler) -> Handler:
    def guarded(request: SandboxRequest) -> SandboxResponse:
        try:
            return handler(request)
        except HubSpotError as exc:
            return to_response(exc)

    return guarded


def edge_page(status: int) -> SandboxResponse:
    """What the CDN in front of api.hubapi.com answers when the API behind it is down: HTML."""
    title = f"{status} {EDGE_STATUS[status]}"
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
    )
    return SandboxResponse(status, html.encode(), {"Content-Type": "text/html", "Server": "cloudflare"})


def known_zone(value: Any) -> str:
    """An account time zone the time zone database knows (HubSpot offers only such names)."""
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"time_zone: {value!r} is no IANA time zone name (e.g. US/Eastern, Europe/Berlin)"
        ) from None
    return str(value)


class HubSpotEmulator:
    crm = "hubspot"

    def __init__(self, clock: Clock, seed: Seed, *, bare: bool = False) -> None:
        """``bare``: the portal starts without sponsorsync's custom properties (``serve --bare``)."""
        self.clock = clock
        self.seed = seed
        self.portal = Portal(seed, bare=bare)
        self.searcher = Searcher()
        self.gate = Gate(clock, seed.portal_id)
        self._apis: list[Any] = [
            ObjectsApi(self.portal, self.searcher),
            BatchApi(self.portal),
            AssociationsApi(self.portal),
            MetaApi(self.portal, clock),
        ]

    @classmethod
    def generated(cls, clock: Clock, size: int, seed: int = 0, *, bare: bool = False) -> HubSpotEmulator:
        """A portal holding the synthetic org of ``size`` contacts (:mod:`orggen`)."""
        from sponsorsync.sandbox.hubspot.orgrender import render
        from sponsorsync.sandbox.orggen import generate

        return cls(clock, render(generate(size, seed, now=clock.now())), bare=bare)

    @classmethod
    def from_data(cls, clock: Clock, path: Path) -> HubSpotEmulator:
        """A portal holding the hand-written org in ``path`` (see docs/sandbox-hubspot.md)."""
        from sponsorsync.sandbox.hubspot.datafile import load

        return cls(clock, load(path, clock.now()))

    @property
    def access_token(self) -> str:
        return self.gate.token

    def routes(self) -> list[Route]:
        routes: list[Route] = []
        for api in self._apis:
            routes.extend(Route(r.method, r.template, _guard(r.handler)) for r in api.routes())
        return routes

    def reset(self) -> None:
        self.portal.reset()
        self.searcher.reset()
        self.gate.reset()

    def env(self, base_url: str, ca_path: str) -> dict[str, str]:
        return {
            "SPONSORSYNC_CRM": "hubspot",
            "SPONSORSYNC_HUBSPOT__BASE_URL": base_url,
            "SPONSORSYNC_HUBSPOT__ACCESS_TOKEN": self.gate.token,
            "SPONSORSYNC_CA_BUNDLE": ca_path,
        }

    def error_response(
        self,
        status: int,
        error_code: str | None,
        message: str | None,
        request: SandboxRequest,  # noqa: ARG002
    ) -> SandboxResponse:
        if status in EDGE_STATUS and error_code is None:
            return edge_page(status)
        if status == 429:
            policy = error_code if error_code in ("DAILY", "SECONDLY") else "TEN_SECONDLY_ROLLING"
            return self.gate.refusal(policy)
        if error_code == "JSON_PARSER_ERROR":
            error_code, message = "VALIDATION_ERROR", f"Invalid input JSON on line 1, column 1: {message}"
        error_code = SERVER_CODES.get(error_code or "", error_code)
        category = error_code or CATEGORIES.get(status, "INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST")
        text = message or MESSAGES.get(status, f"{category.replace('_', ' ').capitalize()}")
        return body_response(status, error_body(category, text))

    def admit(self, request: SandboxRequest) -> SandboxResponse | None:
        refused = self.gate.admit(request)
        self.portal.acting.user = person(request) if refused is None else None
        return refused

    def decorate(self, request: SandboxRequest, response: SandboxResponse) -> None:
        self.gate.decorate(request, response)

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown HubSpot sandbox settings {sorted(unknown)}; known: {list(SETTINGS)}")
        if "index_lag_ms" in settings:
            self.portal.index_lag_ms = whole(settings["index_lag_ms"], "index_lag_ms", 0, DAY_MS)
        if "time_zone" in settings:
            self.portal.time_zone = known_zone(settings["time_zone"])
        self.gate.configure({k: v for k, v in settings.items() if k != "time_zone"})
        return {
            "index_lag_ms": self.portal.index_lag_ms,
            "time_zone": self.portal.time_zone,
            **self.gate.settings(),
        }
