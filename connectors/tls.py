"""Which certificates the CRM connection trusts.

``SPONSORSYNC_CA_BUNDLE`` names *extra* CAs: they are added to the system's trusted CAs in one
combined PEM file, because both SDKs take a single file that *replaces* the default trust store.
``REQUESTS_CA_BUNDLE`` and friends in the environment are ignored on purpose (SDK-NOTES S1): the
connection trusts exactly what sponsorsync's settings say.
"""

from __future__ import annotations

import hashlib
import ssl
import tempfile
from pathlib import Path

import certifi

from connectors.errors import ConfigError


def _system_bundle() -> str:
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text(encoding="utf-8", errors="replace")
    return Path(certifi.where()).read_text(encoding="utf-8")


def trust_bundle(extra_ca: Path | None) -> str:
    """Path of a PEM file holding the system CAs plus ``extra_ca`` (or the system CAs alone)."""
    if extra_ca is None:
        return certifi.where()
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
    try:
        ssl.create_default_context(cadata=extra)
    except ssl.SSLError as exc:
        raise ConfigError(
            f"SPONSORSYNC_CA_BUNDLE={extra_ca} is not a valid certificate file: {exc}"
        ) from None
    combined = _system_bundle().rstrip() + "\n" + extra.strip() + "\n"
    digest = hashlib.sha256(combined.encode()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"sponsorsync-ca-{digest}.pem"
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        tmp.write_text(combined, encoding="utf-8")
        tmp.replace(target)
    return str(target)
