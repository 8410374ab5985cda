"""Which certificates the CRM connection trusts, built in memory.

``SPONSORSYNC_CA_BUNDLE`` names *extra* CAs: they are added to the system's trusted CAs in one
:class:`ssl.SSLContext` that both SDKs' connection pools use (a requests adapter for
simple-salesforce, the urllib3 pool of each hubspot-api-client API object). Nothing is written to
disk, so no other local user can plant or swap a trust file, concurrent runs share nothing, and
nothing is left behind. ``REQUESTS_CA_BUNDLE`` and friends in the environment are ignored on purpose
(SDK-NOTES S1): the connection trusts exactly what sponsorsync's settings say.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import certifi
import urllib3
from requests.adapters import HTTPAdapter

from sponsorsync.connectors.errors import ConfigError


def _system_cafile() -> str:
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return candidate
    return certifi.where()


def trust_context(extra_ca: Path | None) -> ssl.SSLContext:
    """A verifying TLS context trusting the system CAs plus ``extra_ca`` (or certifi's CAs alone)."""
    if extra_ca is None:
        return ssl.create_default_context(cafile=certifi.where())
    try:
        extra = extra_ca.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"SPONSORSYNC_CA_BUNDLE={extra_ca} cannot be read: {exc.strerror or exc}",
            hint="point it at a readable PEM file of CA certificates, or unset it",
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"SPONSORSYNC_CA_BUNDLE={extra_ca} is not a PEM text file") from None
    if "-----BEGIN CERTIFICATE-----" not in extra:
        raise ConfigError(
            f"SPONSORSYNC_CA_BUNDLE={extra_ca} holds no PEM certificate",
            hint="the file must contain '-----BEGIN CERTIFICATE-----' blocks",
        )
    context = ssl.create_default_context(cafile=_system_cafile())
    try:
        context.load_verify_locations(cadata=extra)
    except ssl.SSLError as exc:
        raise ConfigError(
            f"SPONSORSYNC_CA_BUNDLE={extra_ca} is not a valid certificate file: {exc}"
        ) from None
    return context


class TrustAdapter(HTTPAdapter):
    """A requests adapter whose connections verify with ``context`` (and nothing else)."""

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:  # noqa: ARG002
        # requests would load its own CA file into every connection: the context decides alone.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


def verify_with(api: Any, context: ssl.SSLContext) -> None:
    """Make a hubspot-api-client API object verify with ``context``: its urllib3 pool manager is
    rebuilt with the same settings (retries, pool size, verification required) and the context in
    place of a CA file (the SDK's configuration only takes a file path)."""
    rest = api.api_client.rest_client
    old: urllib3.PoolManager = rest.pool_manager
    settings = {k: v for k, v in old.connection_pool_kw.items() if k not in ("ca_certs", "ca_cert_dir")}
    settings |= {"cert_reqs": ssl.CERT_REQUIRED, "ssl_context": context}
    rest.pool_manager = urllib3.PoolManager(**settings)
    old.clear()
