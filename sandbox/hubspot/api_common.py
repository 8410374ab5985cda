"""Request parsing and response shapes shared by the HubSpot handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sponsorsync.sandbox.faults import RecordFault
from sponsorsync.sandbox.http import SandboxRequest, SandboxResponse
from sponsorsync.sandbox.hubspot.errors import HubSpotError, bad_request, json_response
from sponsorsync.sandbox.hubspot.values import iso, to_ms


def flag(request: SandboxRequest, name: str, default: bool = False) -> bool:
    """A boolean query parameter, as the SDK sends it (``True``/``False``) or lower-case."""
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_request(f"Invalid value for query parameter {name}: {raw!r} is not a boolean")


def limit_arg(request: SandboxRequest, default: int, maximum: int) -> int:
    raw = request.arg("limit")
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"Invalid value for query parameter limit: {raw!r}") from None
    if not 1 <= limit <= maximum:
        raise bad_request(f"limit must be between 1 and {maximum}, got {limit}")
    return limit


def body_object(request: SandboxRequest) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise bad_request("Invalid input JSON: expected an object")
    return body


def inputs(request: SandboxRequest, maximum: int) -> list[Any]:
    """The ``inputs`` of a batch request, at most ``maximum`` of them."""
    body = body_object(request)
    items = body.get("inputs")
    if not isinstance(items, list):
        raise bad_request("Invalid input JSON: inputs must be a list")
    if len(items) > maximum:
        raise bad_request(
            f"Batch input of {len(items)} items is too large; the maximum batch size is {maximum}.",
        )
    return items


def record_fault(request: SandboxRequest, index: int) -> RecordFault | None:
    return next((f for f in request.record_faults if f.applies_to(index)), None)


def fault_error(fault: RecordFault, context: dict[str, list[str]]) -> dict[str, Any]:
    return HubSpotError(500, fault.error_code, fault.message, context).batch_error()


class Batch:
    """Runs the inputs of a batch write one by one, collecting results and per-input errors."""

    def __init__(self, request: SandboxRequest, faults: bool = True) -> None:
        self.request = request
        self.faults = faults  # injected record faults apply to writes only
        self.started = iso(to_ms(request.now))
        self.results: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def run(
        self, index: int, context: dict[str, list[str]], apply: Callable[[], dict[str, Any] | None]
    ) -> None:
        fault = record_fault(self.request, index) if self.faults else None
        if fault is not None:
            self.errors.append(fault_error(fault, context))
            return
        try:
            result = apply()
        except HubSpotError as exc:
            if exc.context is None:
                exc.context = context
            self.errors.append(exc.batch_error())
            return
        if result is not None:
            self.results.append(result)

    def response(self, ok_status: int) -> SandboxResponse:
        body: dict[str, Any] = {
            "status": "COMPLETE",
            "results": self.results,
            "startedAt": self.started,
            "completedAt": iso(to_ms(self.request.now)),
        }
        if self.errors:
            body["numErrors"] = len(self.errors)
            body["errors"] = self.errors
            return json_response(207, body)
        return json_response(ok_status, body)


def paging(after: str, link: str | None) -> dict[str, Any]:
    nxt: dict[str, Any] = {"after": after}
    if link is not None:
        nxt["link"] = link
    return {"next": nxt}


def next_link(request: SandboxRequest, after: str) -> str:
    """``paging.next.link``: the same request with the new cursor (relative, as in the spec)."""
    kept = [(k, v) for k, values in request.query.items() if k != "after" for v in values]
    return f"{request.raw_path}?{urlencode([*kept, ('after', after)])}"
