"""``/composite``: up to 25 subrequests run in order against the emulator's own routes, with
``@{ref.path}`` references to earlier results and ``allOrNone`` (everything rolls back; the other
subrequests answer PROCESSING_HALTED). The whole call counts as one API request."""

from __future__ import annotations

import json
import re
from typing import Any

from sponsorsync.sandbox.http import BadJson, Route, Router, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.salesforce.errors import sf_error
from sponsorsync.sandbox.salesforce.state import DATA, OrgState

MAX_SUBREQUESTS = 25
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
_HALTED = [
    {
        "errorCode": "PROCESSING_HALTED",
        "message": "The transaction was rolled back since another operation in the same transaction failed.",
    }
]


class _Unresolved(Exception):
    pass


class CompositeApi:
    def __init__(self, org: OrgState, routes: list[Route]) -> None:
        self.org = org
        self.router = Router(routes)

    def routes(self) -> list[Route]:
        return [
            Route("POST", f"{DATA}/composite{{slash:/?}}", self.composite),
            Route("POST", f"{DATA}/composite/batch{{slash:/?}}", self.batch),
        ]

    def batch(self, request: SandboxRequest) -> SandboxResponse:
        """``/composite/batch``: independent subrequests (urls relative to /services/data/, or the
        full ``/services/data/vXX.X/...`` path, as Salesforce accepts both), each
        committed on its own; ``haltOnError`` answers 412 BATCH_PROCESSING_HALTED after a failure."""
        payload = request.json()
        subrequests = payload.get("batchRequests") if isinstance(payload, dict) else None
        if not isinstance(subrequests, list) or not subrequests:
            return sf_error(400, "JSON_PARSER_ERROR", "batchRequests must be a non-empty list of subrequests")
        if len(subrequests) > MAX_SUBREQUESTS:
            return sf_error(
                400, "LIMIT_EXCEEDED", f"A batch request can have up to {MAX_SUBREQUESTS} subrequests"
            )
        halt = bool(payload.get("haltOnError", False))
        results: list[dict[str, Any]] = []
        failed = False
        for sub in subrequests:
            if failed and halt:
                halted = [
                    {"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}
                ]
                results.append({"statusCode": 412, "result": halted})
                continue
            if isinstance(sub, dict) and isinstance(sub.get("url"), str):
                sub = {**sub, "url": _batch_url(sub["url"]), "body": sub.get("richInput")}
                if sub["body"] is None:
                    del sub["body"]
            response = self._run(request, sub, {})
            failed = failed or response.status >= 400
            results.append(
                {"statusCode": response.status, "result": response.payload() if response.body else None}
            )
        return SandboxResponse.json(200, {"hasErrors": failed, "results": results})

    def composite(self, request: SandboxRequest) -> SandboxResponse:
        payload = request.json()
        subrequests = payload.get("compositeRequest") if isinstance(payload, dict) else None
        if not isinstance(subrequests, list) or not subrequests:
            return sf_error(
                400, "JSON_PARSER_ERROR", "compositeRequest must be a non-empty list of subrequests"
            )
        if len(subrequests) > MAX_SUBREQUESTS:
            return sf_error(
                400, "LIMIT_EXCEEDED", f"A composite request can have up to {MAX_SUBREQUESTS} subrequests"
            )
        all_or_none = bool(payload.get("allOrNone", False))
        store = self.org.store
        token = store.begin()
        results: dict[str, Any] = {}
        answers: list[dict[str, Any]] = []
        failed_at: int | None = None
        for index, sub in enumerate(subrequests):
            reference = str(sub.get("referenceId", "")) if isinstance(sub, dict) else ""
            if failed_at is not None and all_or_none:
                answers.append(_answer(reference, 400, _HALTED, {}))
                continue
            fault = next((f for f in request.record_faults if f.applies_to(index)), None)
            if fault is not None:
                response = sf_error(400, fault.error_code, fault.message)
            else:
                response = self._run(request, sub, results)
            body = response.payload() if response.body else None
            location = response.headers.get("Location")
            answers.append(
                _answer(reference, response.status, body, {"Location": location} if location else {})
            )
            if response.status < 300:
                results[reference] = body
            elif failed_at is None:
                failed_at = index
        if failed_at is not None and all_or_none:
            store.rollback(token)
            answers = [a if i == failed_at else {**a, "body": _HALTED, "httpHeaders": {}, "httpStatusCode": 400}
                       for i, a in enumerate(answers)]  # fmt: skip
        else:
            store.commit()
        return SandboxResponse.json(200, {"compositeResponse": answers})

    def _run(self, request: SandboxRequest, sub: Any, results: dict[str, Any]) -> SandboxResponse:
        if not isinstance(sub, dict) or not isinstance(sub.get("url"), str) or not sub.get("method"):
            return sf_error(400, "JSON_PARSER_ERROR", "each subrequest needs method, url and referenceId")
        try:
            url = _substitute(sub["url"], results)
            body = _substitute(sub["body"], results) if "body" in sub else None
        except _Unresolved as exc:
            return sf_error(
                400, "PROCESSING_HALTED", f"Invalid reference specified. No value for {exc} found."
            )
        method = str(sub["method"]).upper()
        inner = SandboxRequest(
            method=method,
            target=url,
            headers={"host": request.header("host") or "", "content-type": "application/json"},
            body=json.dumps(body).encode() if body is not None else b"",
            now=request.now,
        )
        route, params, known = self.router.match(method, inner.raw_path)
        if route is None:  # (composite and batch themselves are not among the routes: no nesting)
            status = 405 if known else 404
            return sf_error(
                status,
                "METHOD_NOT_ALLOWED" if known else "NOT_FOUND",
                "The requested resource does not exist",
            )
        inner.params, inner.route = params, route.name
        try:
            return route.handler(inner)
        except BadJson as exc:
            return sf_error(400, "JSON_PARSER_ERROR", str(exc))


def _batch_url(url: str) -> str:
    """A batch subrequest's url as a path: ``v59.0/sobjects/...`` is relative to /services/data/;
    ``/services/data/v59.0/sobjects/...`` is already the full path."""
    if url.startswith("/services/data/"):
        return url
    return "/services/data/" + url.lstrip("/")


def _answer(reference: str, status: int, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    return {"body": body, "httpHeaders": headers, "httpStatusCode": status, "referenceId": reference}


def _substitute(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return _lookup(whole, results)
        return _REFERENCE.sub(lambda m: str(_lookup(m, results)), value)
    if isinstance(value, list):
        return [_substitute(v, results) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, results) for k, v in value.items()}
    return value


def _lookup(match: re.Match[str], results: dict[str, Any]) -> Any:
    name, path = match.group(1), match.group(2)
    if name not in results:
        raise _Unresolved(f"{name}{path}")
    value = results[name]
    for key, index in _STEP.findall(path):
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError):
            raise _Unresolved(f"{name}{path}") from None
    return value
