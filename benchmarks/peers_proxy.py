"""A loopback HTTPS CONNECT proxy that sends a peer's fixed CRM hosts to the sandbox.

Peers log in at fixed hosts (``login.salesforce.com``, ``api.hubapi.com``). Run with
``HTTPS_PROXY`` pointing here, they ask ``CONNECT login.salesforce.com:443``; the proxy answers
``200``, terminates TLS itself with a certificate for that host name signed by a throwaway CA
(which the peer trusts through a copy of its CA bundle), and relays the decrypted bytes to the
sandbox over a second TLS connection that verifies the sandbox's own CA. Nothing leaves
127.0.0.1: a CONNECT to a host it does not map, and every plain-HTTP proxy request, is refused
with ``403`` and recorded in :attr:`PeerProxy.refused`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import trustme

HEAD_LIMIT = 16 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Upstream:
    """Where a mapped host's traffic goes: the sandbox's loopback port, verified with its CA."""

    port: int
    ca_path: Path
    host: str = "127.0.0.1"


@dataclass
class ProxyLog:
    tunnels: dict[str, int] = field(default_factory=dict)  # host -> CONNECTs served
    refused: list[str] = field(default_factory=list)  # what was asked and refused


def parse_connect(head: bytes) -> tuple[str, str, int] | None:
    """``(method, host, port)`` of a proxy request's first line, or None when it is not
    ``CONNECT host:port``; the method is returned for the refusal message."""
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    if len(parts) != 3:
        return None
    method, target, _version = parts
    if method.upper() != "CONNECT":
        return (method, target, 0)
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        return None
    return ("CONNECT", host.strip("[]").lower(), int(port))


class PeerProxy:
    """``with PeerProxy({"login.salesforce.com": upstream}, ca_dir) as proxy:`` serves on
    ``proxy.url``; ``proxy.ca_pem`` is the certificate the peer must trust."""

    def __init__(self, routes: Mapping[str, Upstream], ca_dir: Path) -> None:
        if not routes:
            raise ValueError("the proxy needs at least one host to map")
        self.routes = {host.lower(): upstream for host, upstream in routes.items()}
        ca = trustme.CA(organization_name="sponsorsync peer benchmark (throwaway)")
        self.ca_pem = ca_dir / "peer-proxy-ca.pem"
        ca_dir.mkdir(parents=True, exist_ok=True)
        ca.cert_pem.write_to_path(str(self.ca_pem))
        self._server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*self.routes).configure_cert(self._server_ctx)
        self.log = ProxyLog()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> PeerProxy:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="peer-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(30) or self._server is None:
            raise RuntimeError("the peer proxy did not start")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(30)
        self._loop.close()

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = int(self._server.sockets[0].getsockname()[1])
        ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(asyncio.sleep(0))

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._tunnel(reader, writer)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a peer that hangs up mid-request: nothing to relay any more
        finally:
            writer.close()

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > HEAD_LIMIT:
            return
        asked = parse_connect(head)
        upstream = self.routes.get(asked[1]) if asked and asked[0] == "CONNECT" else None
        if asked is None or upstream is None or asked[2] != 443:
            what = f"{asked[0]} {asked[1]}" + (f":{asked[2]}" if asked and asked[2] else "") if asked else "?"
            self.log.refused.append(what)
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        host = asked[1]
        self.log.tunnels[host] = self.log.tunnels.get(host, 0) + 1
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await writer.start_tls(self._server_ctx)
        client_ctx = ssl.create_default_context(cafile=str(upstream.ca_path))
        up_reader, up_writer = await asyncio.open_connection(
            upstream.host, upstream.port, ssl=client_ctx, server_hostname=upstream.host
        )
        try:
            await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        finally:
            up_writer.close()


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(CHUNK):
            sink.write(chunk)
            await sink.drain()
    finally:
        with contextlib.suppress(OSError, RuntimeError, ssl.SSLError):
            if sink.can_write_eof():
                sink.write_eof()
            else:
                sink.close()
