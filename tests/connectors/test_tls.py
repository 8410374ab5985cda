"""The CRM connection's trust: the system CAs plus SPONSORSYNC_CA_BUNDLE, built in memory, over
real HTTPS against both sandboxes with the unmodified SDKs."""

from __future__ import annotations

import hashlib
import ssl
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import trustme

from sponsorsync.connectors.errors import CrmUnreachable
from sponsorsync.connectors.factory import connect
from sponsorsync.connectors.tls import trust_context
from tests.support.sandbox import Sandbox, running_sandbox


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def box(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(request.param, tmp_path_factory.mktemp(request.param), size=5) as sandbox:
        yield sandbox


@pytest.fixture
def private_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The process's temporary directory, empty and watched."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def test_connecting_with_an_extra_ca_writes_no_file(box: Sandbox, private_tmp: Path) -> None:
    settings = box.settings()
    assert settings.ca_bundle is not None
    connector = connect(settings)
    try:
        assert connector.check().crm == box.crm  # a real call over TLS, trusting the sandbox's CA
    finally:
        connector.close()
    assert sorted(private_tmp.rglob("*")) == []


def test_a_trust_file_planted_in_the_temp_dir_is_never_used(box: Sandbox, private_tmp: Path) -> None:
    """Another local user plants a bundle under the predictable name the product once wrote
    (sponsorsync-ca-<sha256 of system CAs + extra CA>.pem): here it holds only a foreign CA, so using
    it would fail the handshake; with an attacker's CA added it would let them intercept."""
    settings = box.settings()
    assert settings.ca_bundle is not None
    paths = ssl.get_default_verify_paths()
    system = next(Path(p) for p in (paths.cafile, paths.openssl_cafile) if p and Path(p).is_file())
    combined = system.read_text(encoding="utf-8", errors="replace").rstrip() + "\n"
    combined += settings.ca_bundle.read_text(encoding="utf-8").strip() + "\n"
    planted = private_tmp / f"sponsorsync-ca-{hashlib.sha256(combined.encode()).hexdigest()[:16]}.pem"
    planted.write_text(trustme.CA().cert_pem.bytes().decode())
    connector = connect(settings)
    try:
        assert connector.check().crm == box.crm
    finally:
        connector.close()
    assert sorted(private_tmp.iterdir()) == [planted]


def test_concurrent_first_use_needs_no_shared_file(box: Sandbox, private_tmp: Path) -> None:
    settings = box.settings()

    def one(_: int) -> str:
        connector = connect(settings)
        try:
            return connector.check().crm
        finally:
            connector.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(one, range(16))) == [box.crm] * 16
    assert sorted(private_tmp.rglob("*")) == []


def test_without_the_extra_ca_the_sandbox_is_not_trusted(box: Sandbox) -> None:
    connector = connect(box.settings(CA_BUNDLE=""))
    try:
        with pytest.raises(CrmUnreachable, match="TLS certificate"):
            connector.check()
    finally:
        connector.close()


def test_the_context_trusts_the_system_cas_and_the_extra_one(tmp_path: Path) -> None:
    ca = trustme.CA()
    extra = tmp_path / "extra.pem"
    extra.write_bytes(ca.cert_pem.bytes())
    [mine] = ssl.create_default_context(cadata=ca.cert_pem.bytes().decode()).get_ca_certs()
    plain, combined = trust_context(None), trust_context(extra)
    assert mine in combined.get_ca_certs()
    assert len(combined.get_ca_certs()) > 1  # the system store is there too
    assert mine not in plain.get_ca_certs()
    assert combined.verify_mode == ssl.CERT_REQUIRED
    assert combined.check_hostname
