"""Salesforce's error bodies: a JSON list of ``{"message", "errorCode", "fields"?}``, HTML from the
edge for 502/503/504, OAuth's ``{"error", "error_description"}`` and SOAP faults for the logins."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from sponsorsync.sandbox.http import SandboxResponse

DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "Bad request"),
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    404: ("NOT_FOUND", "The requested resource does not exist"),
    405: ("METHOD_NOT_ALLOWED", "HTTP Method not allowed"),
    409: ("CONFLICT", "Conflict"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Content-Type header specified in HTTP request is not supported"),
    429: ("REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests (Concurrent API Requests) Limit exceeded."),
    500: (
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support: 1398127402-28734 (-1185423)",
    ),
}
_EDGE_TITLES = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
SESSION_EXPIRED = ("INVALID_SESSION_ID", "Session expired or invalid")


def sf_error(
    status: int,
    code: str,
    message: str,
    fields: Sequence[str] | None = None,
    headers: dict[str, str] | None = None,
) -> SandboxResponse:
    body: dict[str, object] = {"message": message, "errorCode": code}
    if fields is not None:
        body["fields"] = list(fields)
    return SandboxResponse.json(status, [body], headers)


def default_error(status: int, code: str | None, message: str | None) -> SandboxResponse:
    if status in _EDGE_TITLES:
        return edge_page(status)
    default_code, default_message = DEFAULTS.get(status, ("UNKNOWN_EXCEPTION", f"HTTP {status}"))
    return sf_error(status, code or default_code, message or default_message)


def edge_page(status: int) -> SandboxResponse:
    """What Salesforce's edge (not the API) answers while an instance is unreachable: an HTML page."""
    title = _EDGE_TITLES.get(status, "Error")
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{status} {title}</title></head>\n<body><h1>{title}</h1>\n"
        "<p>The server is temporarily unable to service your request. Please try again later.</p>\n"
        "<hr><p>sfdcedge</p></body></html>\n"
    )
    return SandboxResponse(status, html.encode(), {"Content-Type": "text/html;charset=UTF-8"})


def oauth_error(error: str, description: str, status: int = 400) -> SandboxResponse:
    return SandboxResponse.json(status, {"error": error, "error_description": description})


def soap_fault(code: str, message: str, status: int = 500) -> SandboxResponse:
    text = escape(f"{code}: {message}")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><soapenv:Fault><faultcode>sf:{escape(code)}</faultcode><faultstring>{text}</faultstring>"
        f'<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{escape(code)}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return SandboxResponse(status, xml.encode(), {"Content-Type": "text/xml;charset=UTF-8"})
