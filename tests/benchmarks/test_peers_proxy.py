"""The peers' loopback CONNECT proxy (benchmarks/peers_proxy.py): a mapped host reaches the sandbox
over real TLS with a certificate for that host from the throwaway CA; anything else is refused
before any connection is made, so nothing leaves 127.0.0.1."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from benchmarks.peers_proxy import PeerProxy, Upstream, parse_connect
from sponsorsync.sandbox.salesforce.auth import Credentials
from tests.sandbox import salesforce_support
from tests.sandbox.salesforce_support import Sf

salesforce_session, sf = salesforce_support.salesforce_session, salesforce_support.sf  # the fixtures

HOST = "login.salesforce.com"


@pytest.fixture
def proxy(sf: Sf, tmp_path: Path) -> Iterator[PeerProxy]:
    upstream = Upstream(sf.sandbox.server.port, sf.sandbox.ca_path)
    with PeerProxy({HOST: upstream}, tmp_path) as running:
        yield running


def _through(proxy: PeerProxy, verify: str | bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"https": proxy.url, "http": proxy.url}
    session.verify = verify
    return session


def _connect(proxy: PeerProxy, line: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as raw:
        raw.sendall(line)
        return raw.recv(1024)


def test_a_mapped_host_reaches_the_sandbox_over_tls_with_its_own_name(proxy: PeerProxy) -> None:
    creds = Credentials()
    session = _through(proxy, str(proxy.ca_pem))
    login = session.post(
        f"https://{HOST}/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": creds.consumer_key,
            "client_secret": creds.consumer_secret,
            "refresh_token": creds.refresh_token,
        },
        timeout=30,
    )
    assert login.status_code == 200
    body = login.json()
    assert body["instance_url"] == f"https://{HOST}"  # the sandbox answers for the name asked
    counted = session.get(
        f"{body['instance_url']}/services/data/v59.0/query",
        params={"q": "SELECT COUNT() FROM Contact"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=30,
    )
    assert (counted.status_code, counted.json()["totalSize"]) == (200, 5)
    assert proxy.log.tunnels == {HOST: 1}
    assert proxy.log.refused == []


def test_the_certificate_is_the_throwaway_cas_for_the_real_host_name(proxy: PeerProxy) -> None:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as raw:
        raw.sendall(f"CONNECT {HOST}:443 HTTP/1.1\r\nHost: {HOST}:443\r\n\r\n".encode())
        assert raw.recv(1024).startswith(b"HTTP/1.1 200")
        context = ssl.create_default_context(cafile=str(proxy.ca_pem))
        with context.wrap_socket(raw, server_hostname=HOST) as tls:
            cert = tls.getpeercert()
    assert cert is not None
    alt_names = cert.get("subjectAltName", ())
    assert isinstance(alt_names, tuple)
    names = [entry[1] for entry in alt_names if entry[0] == "DNS"]
    assert names == [HOST]
    # Without the throwaway CA in the bundle, the peer's default trust refuses it.
    with pytest.raises(requests.exceptions.SSLError):
        _through(proxy, True).get(f"https://{HOST}/services/data/", timeout=30)


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        (b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "CONNECT example.com:443"),
        (b"CONNECT test.salesforce.com:443 HTTP/1.1\r\n\r\n", "CONNECT test.salesforce.com:443"),
        (b"CONNECT login.salesforce.com:80 HTTP/1.1\r\n\r\n", "CONNECT login.salesforce.com:80"),
        (b"GET http://login.salesforce.com/ HTTP/1.1\r\nHost: login.salesforce.com\r\n\r\n", "GET http://login.salesforce.com/"),
        (b"CONNECT 93.184.215.14:443 HTTP/1.1\r\n\r\n", "CONNECT 93.184.215.14:443"),
    ],
    ids=["other-host", "unmapped-login-host", "other-port", "plain-http", "an-address"],
)  # fmt: skip
def test_anything_not_mapped_is_refused_with_403(proxy: PeerProxy, line: bytes, refused: str) -> None:
    answer = _connect(proxy, line)
    assert answer.startswith(b"HTTP/1.1 403 Forbidden")
    assert proxy.log.refused == [refused]
    assert proxy.log.tunnels == {}


def test_a_requests_client_cannot_get_past_it(proxy: PeerProxy) -> None:
    with pytest.raises(requests.exceptions.ProxyError):
        _through(proxy, str(proxy.ca_pem)).get("https://api.hubapi.com/crm/v3/owners", timeout=30)
    assert proxy.log.refused == ["CONNECT api.hubapi.com:443"]


def test_connect_lines_are_parsed() -> None:
    assert parse_connect(b"CONNECT Login.Salesforce.com:443 HTTP/1.1\r\n\r\n") == (
        "CONNECT",
        "login.salesforce.com",
        443,
    )
    assert parse_connect(b"CONNECT [::1]:8443 HTTP/1.1\r\n\r\n") == ("CONNECT", "::1", 8443)
    assert parse_connect(b"GET http://x/ HTTP/1.1\r\n\r\n") == ("GET", "http://x/", 0)
    assert parse_connect(b"CONNECT nohost HTTP/1.1\r\n\r\n") is None
    assert parse_connect(b"garbage\r\n\r\n") is None


def test_a_proxy_maps_at_least_one_host(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one host"):
        PeerProxy({}, tmp_path)
