"""HubSpot's error bodies: ``{"status":"error","message","correlationId","context"?,"category"}``
with the correlation id repeated in the ``X-HubSpot-Correlation-Id`` header."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sponsorsync.sandbox.http import SandboxResponse

CORRELATION_HEADER = "X-HubSpot-Correlation-Id"
CONTENT_TYPE = "application/json;charset=utf-8"


class HubSpotError(Exception):
    """An API error a handler raises; the emulator turns it into HubSpot's error body."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        context: Mapping[str, Sequence[str]] | None = None,
        sub_category: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.context = {k: list(v) for k, v in context.items()} if context else None
        self.sub_category = sub_category

    def body(self, correlation_id: str | None = None) -> dict[str, Any]:
        return error_body(self.category, self.message, self.context, self.sub_category, correlation_id)

    def batch_error(self) -> dict[str, Any]:
        """The per-input entry of a batch response's ``errors`` (StandardError)."""
        entry: dict[str, Any] = {"status": "error", "category": self.category}
        if self.sub_category:
            entry["subCategory"] = self.sub_category
        entry["message"] = self.message
        entry["context"] = self.context or {}
        entry["errors"] = []
        entry["links"] = {}
        return entry


def error_body(
    category: str,
    message: str,
    context: Mapping[str, Sequence[str]] | None = None,
    sub_category: str | None = None,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id or str(uuid.uuid4()),
    }
    if context:
        body["context"] = {k: list(v) for k, v in context.items()}
    body["category"] = category
    if sub_category:
        body["subCategory"] = sub_category
    return body


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> SandboxResponse:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return SandboxResponse(status, body, {"Content-Type": CONTENT_TYPE, **(headers or {})})


def body_response(status: int, body: dict[str, Any]) -> SandboxResponse:
    """A JSON error response whose correlation header matches the body."""
    return json_response(status, body, {CORRELATION_HEADER: str(body["correlationId"])})


def to_response(error: HubSpotError) -> SandboxResponse:
    return body_response(error.status, error.body())


def validation_error(details: list[dict[str, Any]]) -> HubSpotError:
    """400 VALIDATION_ERROR with the property errors as a JSON string inside the message."""
    inner = json.dumps(details, ensure_ascii=False, separators=(",", ":"))
    return HubSpotError(400, "VALIDATION_ERROR", f"Property values were not valid: {inner}")


def property_detail(name: str, code: str, message: str, portal_id: int) -> dict[str, Any]:
    return {
        "isValid": False,
        "message": message,
        "error": code,
        "name": name,
        "localizedErrorMessage": message,
        "portalId": portal_id,
    }


def bad_request(message: str, **context: Sequence[str]) -> HubSpotError:
    return HubSpotError(400, "VALIDATION_ERROR", message, context or None)
