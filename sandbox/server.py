"""The sandbox's HTTPS server: TLS on loopback with a throwaway CA, routing to one CRM emulator,
latency, fault injection, request statistics, a movable clock and the ``/__sandbox__/`` admin API.

TLS is negotiated per accepted connection in the handler thread, so one client that never sends a
ClientHello cannot stall the others (see SDK-NOTES.md, section 1).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme

from sponsorsync.sandbox.bounds import number
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.faults import FaultInjector
from sponsorsync.sandbox.http import BadJson, Emulator, Router, SandboxRequest, SandboxResponse

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/__sandbox__/"
IDLE_TIMEOUT_SECONDS = 60


def require_loopback(host: str) -> None:
    """The sandbox never listens beyond this machine."""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"the sandbox only listens on loopback (127.0.0.1, ::1 or localhost), not {host!r}")


class Stats:
    """Request counts by route template and by status, plus a bounded log of recent requests."""

    def __init__(self, log_size: int = 20_000) -> None:
        self._lock = threading.Lock()
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.by_route_status: Counter[str] = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=log_size)

    def record(self, route: str, status: str, target: str) -> None:
        with self._lock:
            self.by_route[route] += 1
            self.by_status[status] += 1
            self.by_route_status[f"{route} -> {status}"] += 1
            self.recent.append({"route": route, "status": status, "target": target, "at": time.time()})

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self.by_route.values()),
                "by_route": dict(sorted(self.by_route.items())),
                "by_status": dict(sorted(self.by_status.items())),
                "by_route_status": dict(sorted(self.by_route_status.items())),
            }

    def requests(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.recent)[-limit:]

    def clear(self) -> None:
        with self._lock:
            self.by_route.clear()
            self.by_status.clear()
            self.by_route_status.clear()
            self.recent.clear()


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        sock.settimeout(IDLE_TIMEOUT_SECONDS)
        wrapped = self.sandbox.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return wrapped, addr

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ARG002
        # Failed handshakes (an untrusting client says TLSV1_ALERT_UNKNOWN_CA) and resets are normal here.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)
        self.sandbox.tls_failures += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TLSServer

    def setup(self) -> None:
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the sandbox clock, so clients can read the CRM's notion of now.
        if timestamp is not None:
            return super().date_time_string(timestamp)
        return format_datetime(self.server.sandbox.clock.now(), usegmt=True)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        sandbox = self.server.sandbox
        request = SandboxRequest(
            method=self.command,
            target=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            now=sandbox.clock.now(),
        )
        response = sandbox.handle(request)
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if response.parts is not None and (response.truncate or self.command == "HEAD"):
            response.body, response.parts = sandbox.whole(response.parts), None
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.parts is not None:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while (part := sandbox.next_part(response.parts)) is not None:
                if part:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.truncate:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.wfile.write(response.body[: len(response.body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve


class SandboxServer:
    """Serves one emulator over HTTPS on loopback."""

    def __init__(
        self,
        emulator: Emulator,
        clock: Clock,
        *,
        ca_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        fault_seed: int = 0,
        on_reset: Callable[[], None] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """``settings``: emulator settings (as ``POST /__sandbox__/config`` takes them) that replace
        the emulator's production-like defaults from the start; a reset restores these, and the
        latency, again."""
        require_loopback(host)
        self.emulator = emulator
        self.clock = clock
        self.latency_ms = bounded_latency(latency_ms)
        self._startup = (self.latency_ms, dict(settings or {}))
        if settings:
            emulator.configure(dict(settings))
        self.faults = FaultInjector(fault_seed)
        self.stats = Stats()
        self.tls_failures = 0
        self._router = Router(emulator.routes())
        self._lock = threading.RLock()
        self._on_reset = on_reset
        self._thread: threading.Thread | None = None

        ca = trustme.CA(organization_name="sponsorsync sandbox")
        leaf = ca.issue_cert("127.0.0.1", "localhost", "::1")
        self.ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf.configure_cert(self.ssl_context)

        self._httpd = _TLSServer((host, port), _Handler)
        self._httpd.sandbox = self
        bound_host, bound_port = self._httpd.server_address[:2]
        host_text = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
        shown = f"[{host_text}]" if ":" in host_text else host_text
        self.base_url = f"https://{shown}:{bound_port}"
        self.port = int(bound_port)
        # Absolute (an env file must work from any directory) and named by the port, so sandboxes
        # sharing a folder (two CRMs, or two of one) never overwrite each other's CA.
        ca_dir.mkdir(parents=True, exist_ok=True)
        self.ca_path = ca_dir.resolve() / f"sandbox-{emulator.crm}-{self.port}-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        return self.emulator.env(self.base_url, str(self.ca_path))

    def write_env_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{key}={value}" for key, value in self.env().items()]
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(path)

    # -- request handling ----------------------------------------------------------------------
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        if request.raw_path.startswith(ADMIN_PREFIX):
            return self._admin(request)
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        decision = self.faults.decide(request.method, request.raw_path)
        if decision.delay_ms:
            time.sleep(decision.delay_ms / 1000)
        route, params, path_known = self._router.match(request.method, request.raw_path)
        route_name = route.name if route else f"{request.method} (unmatched)"
        if decision.drop:
            self.stats.record(route_name, "dropped", request.target)
            return SandboxResponse(0, drop=True)
        request.params, request.route = params, route_name
        request.record_faults = decision.record_faults
        if decision.error is not None:
            rule = decision.error
            assert rule.status is not None
            with self._lock:
                response = self.emulator.error_response(rule.status, rule.error_code, rule.message, request)
                self.emulator.decorate(request, response)
            if rule.retry_after is not None:
                response.headers["Retry-After"] = str(rule.retry_after)
        else:
            response = self._dispatch(request, route, path_known)
        if decision.drop_response:
            self.stats.record(route_name, "dropped-response", request.target)
            return SandboxResponse(0, drop=True)
        if decision.truncate_response:
            self.stats.record(route_name, "truncated", request.target)
            response.truncate = True
            return response
        self.stats.record(route_name, str(response.status), request.target)
        if decision.response_delay_ms:
            time.sleep(decision.response_delay_ms / 1000)
        return response

    def next_part(self, parts: Iterator[bytes]) -> bytes | None:
        """The next part of a streamed body (:attr:`SandboxResponse.parts`), made under the lock the
        emulator's handlers run under; None after the last."""
        with self._lock:
            return next(parts, None)

    def whole(self, parts: Iterator[bytes]) -> bytes:
        """A streamed body made at once (a response cut short by a fault, or a HEAD)."""
        with self._lock:
            return b"".join(parts)

    def _dispatch(self, request: SandboxRequest, route: Any, path_known: bool) -> SandboxResponse:
        with self._lock:
            try:
                refused = self.emulator.admit(request)
                if refused is not None:
                    response = refused
                elif route is None:
                    status = 405 if path_known else 404
                    code = "METHOD_NOT_ALLOWED" if path_known else "NOT_FOUND"
                    message = (
                        f"HTTP Method '{request.method}' not allowed"
                        if path_known
                        else "The requested resource does not exist"
                    )
                    response = self.emulator.error_response(status, code, message, request)
                else:
                    response = route.handler(request)
            except BadJson as exc:
                response = self.emulator.error_response(400, "JSON_PARSER_ERROR", str(exc), request)
            except Exception:
                log.exception("sandbox handler failed for %s %s", request.method, request.raw_path)
                response = self.emulator.error_response(
                    500, "UNKNOWN_EXCEPTION", "internal sandbox error", request
                )
            self.emulator.decorate(request, response)
            return response

    # -- admin API -----------------------------------------------------------------------------
    def _admin(self, request: SandboxRequest) -> SandboxResponse:
        name = request.raw_path[len(ADMIN_PREFIX) :].strip("/")
        key = f"{request.method} {name}"
        try:
            with self._lock:
                return self._admin_action(key, request)
        except (BadJson, ValueError, TypeError, KeyError) as exc:
            return SandboxResponse.json(400, {"error": str(exc)})

    def _admin_action(self, key: str, request: SandboxRequest) -> SandboxResponse:
        ok = SandboxResponse.json
        if key == "GET health":
            return ok(200, {"crm": self.emulator.crm, "now": _iso(self.clock.now())})
        if key == "GET stats":
            return ok(200, self.stats.snapshot())
        if key == "DELETE stats":
            self.stats.clear()
            return SandboxResponse.empty()
        if key == "GET requests":
            return ok(200, self.stats.requests(int(request.arg("limit") or 1000)))
        if key == "GET faults":
            return ok(200, {"rules": self.faults.describe()})
        if key == "POST faults":
            payload = request.json()
            rules = payload.get("rules", [payload]) if isinstance(payload, dict) else payload
            installed = self.faults.install(rules if isinstance(rules, list) else [rules])
            return ok(201, {"rules": [rule.to_json() for rule in installed]})
        if key == "DELETE faults":
            self.faults.clear()
            return SandboxResponse.empty()
        if key == "POST reset":
            self.faults.clear()
            self.clock.reset()
            self.emulator.reset()
            self.latency_ms, startup = self._startup[0], self._startup[1]
            if startup:
                self.emulator.configure(dict(startup))
            if self._on_reset is not None:
                self._on_reset()
            return ok(200, {"reset": True, "now": _iso(self.clock.now())})
        if key == "GET clock":
            return ok(200, {"now": _iso(self.clock.now())})
        if key == "POST clock":
            return ok(200, {"now": _iso(self._move_clock(request.json()))})
        if key == "GET config":
            return ok(200, {"latency_ms": self.latency_ms, **self.emulator.configure({})})
        if key == "POST config":
            settings = dict(request.json())
            if "latency_ms" in settings:
                self.latency_ms = bounded_latency(settings.pop("latency_ms"))
            return ok(200, {"latency_ms": self.latency_ms, **self.emulator.configure(settings)})
        return ok(404, {"error": f"no admin endpoint {key!r}", "endpoints": ADMIN_ENDPOINTS})

    def _move_clock(self, payload: Any) -> datetime:
        if not isinstance(payload, dict):
            raise ValueError("send {advance_days|advance_seconds: N} or {set: ISO-8601}")
        if "set" in payload:
            return self.clock.set(datetime.fromisoformat(str(payload["set"]).replace("Z", "+00:00")))
        delta = timedelta(
            days=number(payload.get("advance_days", 0), "advance_days", -MAX_CLOCK_DAYS, MAX_CLOCK_DAYS),
            seconds=number(
                payload.get("advance_seconds", 0),
                "advance_seconds",
                -MAX_CLOCK_DAYS * 86_400,
                MAX_CLOCK_DAYS * 86_400,
            ),
        )
        return self.clock.advance(delta)


ADMIN_ENDPOINTS = [
    "GET health",
    "GET stats",
    "DELETE stats",
    "GET requests?limit=N",
    "GET faults",
    "POST faults",
    "DELETE faults",
    "POST reset",
    "GET clock",
    "POST clock",
    "GET config",
    "POST config",
]


MAX_LATENCY_MS = 60_000
MAX_CLOCK_DAYS = 3_650  # ten years either way


def bounded_latency(value: Any) -> float:
    return number(value, "latency_ms", 0, MAX_LATENCY_MS)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)
