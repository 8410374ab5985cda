"""hubspot-api-client and urllib3 exceptions, translated by one table into sponsorsync's errors.

The SDK raises a different ``ApiException`` class per generated sub-package, with no common base
but ``Exception`` (SDK-NOTES), so errors are recognised by their ``status`` attribute; transport
failures arrive as urllib3 exceptions (the SDK's own retries are off, so as ``MaxRetryError``
wrapping the cause).
"""

from __future__ import annotations

import json
from typing import Any

import urllib3

from sponsorsync.connectors.errors import (
    AuthFailed,
    CrmRequestError,
    CrmUnreachable,
    QuotaExhausted,
    SponsorsyncError,
    TransientError,
)

TRANSIENT_STATUSES = frozenset({408, 423, 500, 502, 503, 504})
POLICY_WAIT_SECONDS = {"TEN_SECONDLY_ROLLING": 10.0, "SECONDLY": 1.0}


# Property errors that hold for every record of a batch: the mapping names a property the portal
# lacks or cannot write. Splitting the batch would only reject each record in turn.
MAPPING_ERRORS = frozenset({"PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE"})


class HubSpotRejected(CrmRequestError):
    """A 4xx refusal of a request (not auth, not a rate limit), with the record ids HubSpot's
    error context names, if any (``context.ids`` / ``context.id``), so a refused batch can be
    narrowed down to the inputs at fault, and the property error codes of a validation error
    (``PROPERTY_DOESNT_EXIST``...: codes only, never the values they quote)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_code: str | None,
        ids: frozenset[str],
        property_errors: frozenset[str] = frozenset(),
    ) -> None:
        mapping = bool(property_errors & MAPPING_ERRORS)
        hint = (
            "a mapped property is missing or read-only: run sponsorsync mappings validate --live"
            if mapping
            else "nothing of this batch was written; check the mapping against the portal with "
            "`sponsorsync mappings validate --live`, then run again"
        )
        super().__init__(message, status=status, error_code=error_code, hint=hint)
        self.ids = ids
        self.property_errors = property_errors

    @property
    def about_the_mapping(self) -> bool:
        """True when the refusal would hold for any record (a property missing or read-only)."""
        return bool(self.property_errors & MAPPING_ERRORS)


def _property_errors(message: str) -> frozenset[str]:
    """The ``error`` codes of the JSON list HubSpot embeds in a validation message."""
    _, found, rest = message.partition(": [")
    if not found:
        return frozenset()
    try:
        details = json.loads("[" + rest)
    except ValueError:
        return frozenset()
    if not isinstance(details, list):
        return frozenset()
    return frozenset(str(d["error"]) for d in details if isinstance(d, dict) and d.get("error"))


def _context_ids(body: dict[str, Any]) -> frozenset[str]:
    context = body.get("context")
    if not isinstance(context, dict):
        return frozenset()
    named = [value for key in ("ids", "id") if isinstance(value := context.get(key), list)]
    return frozenset(str(i) for values in named for i in values if isinstance(i, str | int))


def _body(exc: Any) -> dict[str, Any]:
    raw = getattr(exc, "body", None)
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _header(exc: Any, name: str) -> str | None:
    headers = getattr(exc, "headers", None)
    if headers is None:
        return None
    value = headers.get(name)
    return str(value) if value is not None else None


def _status_error(exc: Any, status: int, what: str) -> Exception:
    body = _body(exc)
    category = str(body.get("category") or body.get("errorType") or "")
    if status == 401:
        return AuthFailed(
            f"HubSpot rejected the access token while {what} (401 {category})".rstrip(),
            hint="check SPONSORSYNC_HUBSPOT__ACCESS_TOKEN (a private app token, pat-...)",
        )
    if status == 403:
        return AuthFailed(
            f"HubSpot refused {what} (403 {category})".rstrip(),
            hint="the private app lacks a scope: it needs crm.objects.*.read/write and crm.schemas.*.read",
        )
    if status == 429:
        policy = str(body.get("policyName", ""))
        if policy == "DAILY":
            return QuotaExhausted(
                "HubSpot's daily API limit is reached",
                hint="state is kept; the next run after midnight (portal time zone) continues",
            )
        retry_after = _header(exc, "Retry-After")
        wait = (
            float(retry_after)
            if retry_after and retry_after.isdigit()
            else POLICY_WAIT_SECONDS.get(policy, 10.0)
        )
        return TransientError(
            f"HubSpot answered 429 ({policy or 'rate limit'})", status=429, retry_after=wait
        )
    if status in TRANSIENT_STATUSES:
        return TransientError(
            f"HubSpot answered {status} {category}".rstrip(), status=status, retry_after=None
        )
    message = str(body.get("message", ""))
    first = message.split(": [", 1)[0][:200]  # property-validation detail may quote record values
    return HubSpotRejected(
        f"HubSpot rejected {what}: {status} {category} {first}".rstrip(),
        status=status,
        error_code=category or None,
        ids=_context_ids(body),
        property_errors=_property_errors(message),
    )


def translate(exc: BaseException, what: str) -> Exception:
    if isinstance(exc, SponsorsyncError):
        return exc
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status >= 100:
        return _status_error(exc, status, what)
    cause: BaseException = exc
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        cause = exc.reason
    if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "CERTIFICATE_VERIFY_FAILED" in str(cause):
        return CrmUnreachable(
            f"The TLS certificate of HubSpot could not be verified while {what}",
            hint="if your network inspects TLS, add its CA with SPONSORSYNC_CA_BUNDLE",
        )
    # Any other TLS failure (a handshake cut short, an EOF under load) is the connection's, not the
    # certificate's: retried like a dropped connection.
    if isinstance(cause, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError):
        return TransientError(f"connection to HubSpot failed while {what} ({type(cause).__name__})")
    if isinstance(exc, ValueError):  # an answer that is not the JSON we expect
        return TransientError(f"HubSpot sent an unreadable answer while {what}")
    raise exc
