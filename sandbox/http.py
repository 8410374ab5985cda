"""Request, response and routing types shared by the sandbox server and the CRM emulators."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from sponsorsync.sandbox.faults import RecordFault


class BadJson(ValueError):
    """The request body is not the JSON the endpoint needs."""


@dataclass
class SandboxRequest:
    method: str
    target: str  # path and query exactly as sent
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes
    now: datetime
    params: dict[str, str] = field(default_factory=dict)  # filled by the router from the template
    route: str = ""  # the matched route template, e.g. "GET /crm/v3/objects/{type}"
    record_faults: list[RecordFault] = field(default_factory=list)

    @property
    def path(self) -> str:
        return unquote(urlsplit(self.target).path)

    @property
    def raw_path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        """A repeated or comma-separated query parameter, flattened."""
        return [part for value in self.query.get(name, []) for part in value.split(",") if part]

    def json(self) -> Any:
        if not self.body:
            raise BadJson("the request has no body")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadJson(f"the body is not valid JSON: {exc}") from None
        except RecursionError:  # nested deeper than a parser follows: the vendors answer 400 too
            raise BadJson("the body is not valid JSON: nesting depth exceeds the maximum allowed") from None

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@dataclass
class SandboxResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    truncate: bool = False  # send the headers and half the body, then close the connection
    # A body sent as it is made, in HTTP/1.1 chunks, as Salesforce sends a large result: the server
    # makes each part under its lock, so other requests are answered between two parts.
    parts: Iterator[bytes] | None = None

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> SandboxResponse:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, body, {"Content-Type": "application/json;charset=UTF-8", **(headers or {})})

    @classmethod
    def empty(cls, status: int = 204, headers: Mapping[str, str] | None = None) -> SandboxResponse:
        return cls(status, b"", dict(headers or {}))

    def payload(self) -> Any:
        return json.loads(self.body) if self.body else None


Handler = Callable[[SandboxRequest], SandboxResponse]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # "/services/data/{version:v\d+\.\d+}/query/{locator}"; default param pattern [^/]+
    handler: Handler

    @property
    def name(self) -> str:
        return f"{self.method} {_PARAM.sub(lambda m: '{' + m.group(1) + '}', self.template)}"


_PARAM = re.compile(r"\{(\w+)(?::([^{}]*(?:\{[^{}]*\}[^{}]*)*))?\}")


def _compile(template: str) -> re.Pattern[str]:
    pattern, pos = "", 0
    for match in _PARAM.finditer(template):
        pattern += re.escape(template[pos : match.start()])
        pattern += f"(?P<{match.group(1)}>{match.group(2) or '[^/]+'})"
        pos = match.end()
    pattern += re.escape(template[pos:])
    return re.compile(pattern + r"\Z")


class Router:
    """Matches a request against route templates; the first matching template wins."""

    def __init__(self, routes: list[Route]) -> None:
        self._routes = [(route, _compile(route.template)) for route in routes]

    def match(self, method: str, raw_path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_known): path_known is True when the path exists under another method."""
        path_known = False
        for route, regex in self._routes:
            found = regex.match(raw_path)
            if found is None:
                continue
            if route.method == method:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}, True
            path_known = True
        return None, {}, path_known


class Emulator(Protocol):
    """One CRM's API, served by :class:`sandbox.server.SandboxServer`."""

    crm: str

    def routes(self) -> list[Route]: ...

    def reset(self) -> None:
        """Restore the seeded org and the emulator's own configuration."""
        ...

    def env(self, base_url: str, ca_path: str) -> dict[str, str]:
        """The SPONSORSYNC_* settings that point sponsorsync at this emulator."""
        ...

    def error_response(
        self, status: int, error_code: str | None, message: str | None, request: SandboxRequest
    ) -> SandboxResponse:
        """A CRM-shaped error body (used for injected faults, unknown routes and rate limits)."""
        ...

    def admit(self, request: SandboxRequest) -> SandboxResponse | None:
        """Authentication, quotas and rate limits before routing; None lets the request through."""
        ...

    def decorate(self, request: SandboxRequest, response: SandboxResponse) -> None:
        """Add the CRM's usual headers (rate-limit and usage headers) to a response."""
        ...

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Apply ``POST /__sandbox__/config`` settings (rate limits, quotas, index lag); return all."""
        ...
