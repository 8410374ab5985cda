"""Salesforce login kinds, as a discriminated union: each builds its session from the settings.

sponsorsync logs in itself (with simple-salesforce's own login function) and hands the SDK a
session id, so the SDK never re-logs in on its own: the connector renews a session exactly once
per expired call (``connectors.salesforce``), instead of the SDK's unbounded loop (SDK-NOTES S8).
``SecretStr.get_secret_value()`` is only called here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce.login import SalesforceLogin as sdk_login

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.connectors.salesforce_errors import translate_login
from sponsorsync.connectors.settings import SalesforceSettings

Kind = Literal["access_token", "password", "client_credentials", "jwt"]


@dataclass(frozen=True)
class SalesforceLogin:
    """How to obtain (session id, instance host:port)."""

    kind: Kind
    settings: SalesforceSettings

    @property
    def can_renew(self) -> bool:
        return self.kind != "access_token"

    @property
    def renew_hint(self) -> str:
        if self.kind == "access_token":
            return (
                "the access token expired or was revoked: set a fresh SPONSORSYNC_SALESFORCE__ACCESS_TOKEN, "
                "or use a login kind that renews itself (password, client_credentials, jwt)"
            )
        return "check the integration user's credentials and that it may use the API"

    def login(self, session: requests.Session) -> tuple[str, str]:
        s = self.settings
        if self.kind == "access_token":
            assert s.instance_url is not None
            assert s.access_token is not None
            parts = urlsplit(s.instance_url)
            return s.access_token.get_secret_value(), parts.netloc
        kwargs: dict[str, Any] = {"session": session, "domain": s.domain, "sf_version": s.api_version}
        if self.kind == "password":
            kwargs |= {"username": s.username, "password": _secret(s.password)}
            if s.consumer_key and s.consumer_secret:
                kwargs |= {"consumer_key": s.consumer_key, "consumer_secret": _secret(s.consumer_secret)}
            else:
                kwargs["security_token"] = _secret(s.security_token) or ""
        elif self.kind == "client_credentials":
            kwargs |= {"consumer_key": s.consumer_key, "consumer_secret": _secret(s.consumer_secret)}
        else:  # jwt
            assert s.private_key_file is not None
            kwargs |= {
                "username": s.username,
                "consumer_key": s.consumer_key,
                "privatekey": _read_key(s.private_key_file),
            }
        try:
            session_id, instance = sdk_login(**kwargs)
        except Exception as exc:  # SDK and transport errors become ours here
            raise translate_login(exc, self.kind) from None
        return str(session_id), str(instance)


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return getter() if getter else None


def _read_key(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"SPONSORSYNC_SALESFORCE__PRIVATE_KEY_FILE={path} cannot be read: {exc.strerror or exc}"
        ) from None
    if "PRIVATE KEY" not in text:
        raise ConfigError(f"SPONSORSYNC_SALESFORCE__PRIVATE_KEY_FILE={path} holds no PEM private key")
    _check_key(path, text)
    return text


def _check_key(path: Path, text: str) -> None:
    """Salesforce's JWT bearer flow signs with RS256: an unencrypted RSA private key, read in full."""
    name = f"SPONSORSYNC_SALESFORCE__PRIVATE_KEY_FILE={path}"
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except TypeError:  # "Password was not given but private key is encrypted"
        raise ConfigError(
            f"{name} is encrypted with a passphrase",
            hint="store it unencrypted, readable only by this user (e.g. `openssl pkey -in key.pem -out "
            "plain.pem`, then chmod 600)",
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(
            f"{name} is not a readable PEM private key (truncated or damaged?)",
            hint="copy the connected app certificate's private key file again, whole",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        kind = type(key).__name__.removeprefix("_").replace("PrivateKey", "")
        raise ConfigError(
            f"{name} holds a key of type {kind}; the Salesforce JWT login signs with RS256 and needs an RSA key",
            hint="use the RSA private key of the certificate uploaded to the connected app",
        )


_REQUIRED: dict[Kind, tuple[str, ...]] = {
    "access_token": ("instance_url", "access_token"),
    "password": ("username", "password"),
    "client_credentials": ("consumer_key", "consumer_secret"),
    "jwt": ("username", "consumer_key", "private_key_file"),
}


def login_for(settings: SalesforceSettings) -> SalesforceLogin:
    """The login kind the settings ask for (SPONSORSYNC_SALESFORCE__AUTH) or imply."""
    kind: Kind | None = settings.auth
    if kind is None:
        if settings.access_token is not None:
            kind = "access_token"
        elif settings.private_key_file is not None:
            kind = "jwt"
        elif settings.username and settings.password is not None:
            kind = "password"
        elif settings.consumer_key and settings.consumer_secret is not None:
            kind = "client_credentials"
        else:
            raise ConfigError(
                "No Salesforce credentials are set",
                hint="set SPONSORSYNC_SALESFORCE__INSTANCE_URL and SPONSORSYNC_SALESFORCE__ACCESS_TOKEN, "
                "or the variables of another login kind (see README, 'Settings')",
            )
    missing = [name for name in _REQUIRED[kind] if not getattr(settings, name)]
    if missing:
        names = ", ".join(f"SPONSORSYNC_SALESFORCE__{name.upper()}" for name in missing)
        raise ConfigError(f"The Salesforce {kind} login needs {names}")
    if kind == "client_credentials" and settings.domain in ("login", "test"):
        raise ConfigError(
            "The Salesforce client_credentials login needs your My Domain",
            hint="set SPONSORSYNC_SALESFORCE__DOMAIN to e.g. acme.my (login and test are refused by Salesforce)",
        )
    return SalesforceLogin(kind, settings)
