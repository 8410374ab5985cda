"""simple-salesforce and requests exceptions, translated by one table into sponsorsync's errors.

Messages carry the call, the HTTP status and Salesforce's error code, never record bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from sponsorsync.connectors.errors import (
    AuthFailed,
    CrmRequestError,
    CrmUnreachable,
    QuotaExhausted,
    SponsorsyncError,
    TransientError,
)

TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class SessionExpired(Exception):
    """401 INVALID_SESSION_ID: the connector renews the session once, where it can."""


class LocatorExpired(Exception):
    """400 INVALID_QUERY_LOCATOR: the query cursor is gone; re-query from the last safe cursor."""


def error_code(exc: SalesforceError) -> tuple[str, str]:
    """(errorCode, message) from the decoded body (a list of errors, a dict, or text)."""
    content: Any = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", "")), str(content[0].get("message", ""))
    if isinstance(content, dict):
        return str(content.get("errorCode") or content.get("error") or ""), str(content.get("message", ""))
    return "", ""


# REQUEST_LIMIT_EXCEEDED covers the 24-hour quota ("TotalRequests Limit exceeded.") and the limits on
# requests in flight ("ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
# "ConcurrentPerOrgLongTxn Limit exceeded."), which clear within seconds: those are retried.
CONCURRENT_LIMITS = ("ConcurrentRequests", "ConcurrentPerOrgLongTxn")


def _refused(exc: SalesforceRefusedRequest, what: str) -> Exception:
    code, message = error_code(exc)
    if code == "REQUEST_LIMIT_EXCEEDED" and any(name in message for name in CONCURRENT_LIMITS):
        return TransientError(
            f"Salesforce's limit on requests in flight, REQUEST_LIMIT_EXCEEDED ({message[:120]})",
            status=403,
            rate_limited=True,
        )
    if code == "REQUEST_LIMIT_EXCEEDED":
        return QuotaExhausted(
            f"Salesforce refused {what}: REQUEST_LIMIT_EXCEEDED ({message or 'the API request limit is spent'})",
            hint="the org's 24-hour API quota is used up; state is kept, run again once it recovers",
        )
    return AuthFailed(
        f"Salesforce refused {what}: 403 {code or 'FORBIDDEN'}",
        hint="the integration user lacks a permission (object or field access, API Enabled)",
    )


def _malformed(exc: SalesforceMalformedRequest, what: str) -> Exception:
    code, message = error_code(exc)
    if code == "INVALID_QUERY_LOCATOR":
        return LocatorExpired(message)
    first_line = next((line for line in message.splitlines() if line.strip() and "^" not in line), message)
    return CrmRequestError(
        f"Salesforce rejected {what}: 400 {code}: {first_line.strip()[:300]}",
        status=400,
        error_code=code,
        hint="check the mapping's object and field names with `sponsorsync mappings validate --live`",
    )


def _not_found(exc: SalesforceResourceNotFound, what: str) -> Exception:
    code, _ = error_code(exc)
    return CrmRequestError(
        f"Salesforce found no resource for {what}: 404 {code}", status=404, error_code=code
    )


def _general(exc: SalesforceGeneralError, what: str) -> Exception:
    code, _ = error_code(exc)
    if exc.status in TRANSIENT_STATUSES:
        return TransientError(f"Salesforce answered {exc.status} {code}".rstrip(), status=exc.status)
    return CrmRequestError(
        f"Salesforce rejected {what}: {exc.status} {code}".rstrip(), status=exc.status, error_code=code
    )


def _ssl(exc: requests.exceptions.SSLError, what: str) -> Exception:
    if "CERTIFICATE_VERIFY_FAILED" not in str(exc):
        # A handshake cut short or an EOF under load: the connection's failure, retried.
        return TransientError(f"the TLS connection to Salesforce failed while {what}")
    return CrmUnreachable(
        f"The TLS certificate of Salesforce could not be verified while {what}",
        hint="if your network inspects TLS, add its CA with SPONSORSYNC_CA_BUNDLE",
    )


_TABLE: list[tuple[type[BaseException], Callable[[Any, str], Exception]]] = [
    (SponsorsyncError, lambda exc, what: exc),
    (SalesforceExpiredSession, lambda exc, what: SessionExpired()),
    (SalesforceRefusedRequest, _refused),
    (SalesforceMalformedRequest, _malformed),
    (SalesforceResourceNotFound, _not_found),
    (SalesforceGeneralError, _general),
    (SalesforceAuthenticationFailed, lambda exc, what: AuthFailed(f"Salesforce login failed: {exc.code}")),
    (requests.exceptions.SSLError, _ssl),
    (requests.exceptions.Timeout, lambda exc, what: TransientError(f"timed out {what}")),
    (requests.exceptions.ConnectionError, lambda exc, what: TransientError(f"connection failed {what}")),
    (requests.exceptions.ChunkedEncodingError, lambda exc, what: TransientError(f"connection broke {what}")),
    (SalesforceError, lambda exc, what: CrmRequestError(f"Salesforce rejected {what}", status=exc.status)),
]


def translate(exc: BaseException, what: str) -> Exception:
    for kind, make in _TABLE:
        if isinstance(exc, kind):
            return make(exc, what)
    if isinstance(exc, ValueError | KeyError):  # a body the SDK could not decode
        return TransientError(f"Salesforce sent an unreadable answer {what}")
    raise exc


def translate_login(exc: BaseException, kind: str) -> Exception:
    if isinstance(exc, SalesforceAuthenticationFailed):
        return AuthFailed(
            f"Salesforce refused the {kind} login: {exc.code}",
            hint="check the SPONSORSYNC_SALESFORCE__* credentials and SPONSORSYNC_SALESFORCE__DOMAIN",
        )
    translated = translate(exc, f"logging in ({kind})")
    if isinstance(translated, TransientError):
        return CrmUnreachable(
            f"Salesforce could not be reached to log in ({kind}): {translated}",
            hint="check SPONSORSYNC_SALESFORCE__DOMAIN and your network",
        )
    return translated
