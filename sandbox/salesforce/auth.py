"""Sessions, the rolling 24-hour API quota and the login flows: OAuth 2.0 token endpoint
(client_credentials, password, JWT bearer, refresh_token) and the SOAP ``login`` call.

Known credentials are configurable (``configure({"credentials": {...}})``); the defaults are in
``DEFAULT_CREDENTIALS`` and documented in docs/sandbox-salesforce.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from cryptography.x509 import load_pem_x509_certificate

from sponsorsync.sandbox.http import SandboxRequest, SandboxResponse
from sponsorsync.sandbox.salesforce.errors import oauth_error, soap_fault
from sponsorsync.sandbox.salesforce.ids import ORG_ID

DEFAULT_DAILY_API_REQUESTS = 100_000  # Enterprise edition's rolling 24-hour base allocation
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_LOGIN_HOSTS = ("https://login.salesforce.com", "https://test.salesforce.com")


@dataclass
class Credentials:
    consumer_key: str = "3MVG9sandbox.sponsorsync.consumer.key"
    consumer_secret: str = "sandbox-consumer-secret"
    username: str = "integration@northwind.example"
    password: str = "sandbox-password"
    security_token: str = "SandboxSecurityToken"
    # The refresh token the connected app holds for ``username`` (as a web server flow would
    # have issued it); the refresh-token flow exchanges it for a session.
    refresh_token: str = "5Aep861sandbox.sponsorsync.refresh.token"

    def public(self) -> dict[str, str]:
        return {"consumer_key": self.consumer_key, "username": self.username, "secrets": "hidden"}


def new_token(org_id: str = ORG_ID) -> str:
    return f"{org_id[:15]}!AR{secrets.token_urlsafe(64)}"


class Auth:
    def __init__(
        self, api_user_id: str, usernames: Callable[[], dict[str, str]], org_id: str = ORG_ID
    ) -> None:
        """``usernames`` gives the org's active users, lower-cased username -> user id."""
        self.api_user_id = api_user_id
        self.usernames = usernames
        self.org_id = org_id
        self.static_token = new_token(org_id)
        self.tokens: dict[str, str] = {}
        self.credentials = Credentials()
        self.jwt_keys: list[RSAPublicKey] = []
        self.daily_limit = DEFAULT_DAILY_API_REQUESTS
        self._hours: dict[int, int] = {}
        self.reset()

    def reset(self) -> None:
        self.tokens = {self.static_token: self.api_user_id}
        self.credentials = Credentials()
        self.jwt_keys = []
        self.daily_limit = DEFAULT_DAILY_API_REQUESTS
        self._hours = {}

    # -- settings --------------------------------------------------------------------------------
    def configure(self, settings: dict[str, Any], now: datetime) -> dict[str, Any]:
        if "daily_api_requests" in settings:
            limit = settings["daily_api_requests"]
            if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1_000_000_000:
                raise ValueError(
                    f"daily_api_requests must be an integer between 1 and 1000000000, not {limit!r}"
                )
            self.daily_limit = limit
        if "credentials" in settings:
            given = settings["credentials"]
            known = {f.name for f in fields(Credentials)}
            if not isinstance(given, dict) or not set(given) <= known:
                raise ValueError(f"credentials must be an object with keys among {sorted(known)}")
            for key, value in given.items():
                setattr(self.credentials, key, str(value))
        if "jwt_public_keys" in settings:
            self.jwt_keys = [_public_key(pem) for pem in settings["jwt_public_keys"]]
        if settings.get("expire_sessions"):
            self.tokens.clear()
        return {
            "daily_api_requests": self.daily_limit,
            "api_usage": self.used(now),
            "credentials": self.credentials.public(),
            "jwt_public_keys": len(self.jwt_keys),
            "sessions": len(self.tokens),
        }

    # -- sessions and quota ----------------------------------------------------------------------
    def session(self, request: SandboxRequest) -> str | None:
        """The user id behind the request's bearer token, or None."""
        header = request.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            return None
        return self.tokens.get(token.strip())

    def used(self, now: datetime) -> int:
        hour = int(now.timestamp()) // 3600
        for old in [h for h in self._hours if h <= hour - 24]:
            del self._hours[old]
        return sum(self._hours.values())

    def count(self, now: datetime) -> int | None:
        """Counts one API request; returns the usage, or None when the 24-hour quota is spent."""
        used = self.used(now)
        if used >= self.daily_limit:
            return None
        hour = int(now.timestamp()) // 3600
        self._hours[hour] = self._hours.get(hour, 0) + 1
        return used + 1

    # -- OAuth token endpoint --------------------------------------------------------------------
    def token(self, request: SandboxRequest) -> SandboxResponse:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type", "")
        creds = self.credentials
        if grant == "client_credentials":
            client_id, client_secret = _basic(request) or (
                form.get("client_id", ""),
                form.get("client_secret", ""),
            )
            if client_id != creds.consumer_key:
                return oauth_error("invalid_client_id", "client identifier invalid")
            if client_secret != creds.consumer_secret:
                return oauth_error("invalid_client", "invalid client credentials")
            return self._issue(request, self.api_user_id, scope=True)
        if grant == "password":
            if form.get("client_id") != creds.consumer_key:
                return oauth_error("invalid_client_id", "client identifier invalid")
            if form.get("client_secret") != creds.consumer_secret:
                return oauth_error("invalid_client", "invalid client credentials")
            user = self._user(form.get("username", ""))
            if user is None or form.get("password") != creds.password + creds.security_token:
                return oauth_error("invalid_grant", "authentication failure")
            return self._issue(request, user, scope=False)
        if grant == JWT_GRANT:
            return self._jwt(request, form.get("assertion", ""))
        if grant == "refresh_token":
            return self._refresh(request, form)
        return oauth_error("unsupported_grant_type", "grant type not supported")

    def _jwt(self, request: SandboxRequest, assertion: str) -> SandboxResponse:
        claims = None
        for key in self.jwt_keys:
            try:
                claims = jwt.decode(
                    assertion, key, algorithms=["RS256"],
                    options={"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False},
                )  # fmt: skip
                break
            except jwt.InvalidTokenError:
                continue
        if claims is None:
            return oauth_error("invalid_grant", "invalid assertion")
        if claims.get("iss") != self.credentials.consumer_key:
            return oauth_error("invalid_client_id", "client identifier invalid")
        if claims.get("aud") not in self._audiences(request):
            return oauth_error("invalid_grant", "audience is invalid")
        try:
            expires = float(claims.get("exp", ""))  # the SDK sends exp as a string
        except (TypeError, ValueError):
            return oauth_error("invalid_grant", "invalid assertion")
        if expires < time.time():  # the client signs with its own clock, not the sandbox's
            return oauth_error("invalid_grant", "expired authorization code")
        user = self._user(str(claims.get("sub", "")))
        if user is None:
            return oauth_error("invalid_grant", "authentication failure")
        return self._issue(request, user, scope=True)

    def _refresh(self, request: SandboxRequest, form: dict[str, str]) -> SandboxResponse:
        """The refresh-token flow: ``client_id`` (or Basic auth), ``client_secret`` (the connected
        app requires it, Salesforce's default) and a refresh token the app was issued; the new
        session belongs to the token's user. No new refresh token (no rotation)."""
        creds = self.credentials
        client_id, client_secret = _basic(request) or (
            form.get("client_id", ""),
            form.get("client_secret", ""),
        )
        if client_id != creds.consumer_key:
            return oauth_error("invalid_client_id", "client identifier invalid")
        if client_secret != creds.consumer_secret:
            return oauth_error("invalid_client", "invalid client credentials")
        if not form.get("refresh_token") or form["refresh_token"] != creds.refresh_token:
            return oauth_error("invalid_grant", "expired access/refresh token")
        user = self._user(creds.username)
        if user is None:
            return oauth_error("invalid_grant", "inactive user")
        return self._issue(request, user, scope=True, scopes="refresh_token api")

    def _audiences(self, request: SandboxRequest) -> set[str]:
        host = request.header("host") or ""
        prefix = request.raw_path.split("/services/")[0]
        return {*_LOGIN_HOSTS, f"https://{host}", f"https://{host}{prefix}"}

    def _user(self, username: str) -> str | None:
        if username.lower() == self.credentials.username.lower():
            return self.usernames().get(username.lower(), self.api_user_id)
        return self.usernames().get(username.lower())

    def _issue(
        self, request: SandboxRequest, user_id: str, *, scope: bool, scopes: str = "api"
    ) -> SandboxResponse:
        token = new_token(self.org_id)
        self.tokens[token] = user_id
        host = f"https://{request.header('host') or '127.0.0.1'}"
        identity = f"{host}/id/{self.org_id}/{user_id}"
        issued = str(int(request.now.timestamp() * 1000))
        digest = hmac.new(
            self.credentials.consumer_secret.encode(), (identity + issued).encode(), hashlib.sha256
        )
        body = {
            "access_token": token,
            **({"scope": scopes} if scope else {}),
            "instance_url": host,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued,
            "signature": base64.b64encode(digest.digest()).decode(),
        }
        return SandboxResponse.json(200, body)

    # -- SOAP login ------------------------------------------------------------------------------
    def soap_login(self, request: SandboxRequest) -> SandboxResponse:
        try:
            root = ElementTree.fromstring(request.body)
        except ElementTree.ParseError:
            return soap_fault(
                "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
            )
        found = {el.tag.rsplit("}", 1)[-1]: (el.text or "") for el in root.iter()}
        creds = self.credentials
        user = self._user(found.get("username", ""))
        if user is None or found.get("password") != creds.password + creds.security_token:
            return soap_fault(
                "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
            )
        token = new_token(self.org_id)
        self.tokens[token] = user
        host = request.header("host") or "127.0.0.1"
        version = request.params.get("version", "59.0")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>'
            f"<metadataServerUrl>https://{host}/services/Soap/m/{version}/{self.org_id[:15]}</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
            f"<serverUrl>https://{host}/services/Soap/u/{version}/{self.org_id[:15]}</serverUrl>"
            f"<sessionId>{token}</sessionId><userId>{user}</userId>"
            f"<userInfo><organizationId>{self.org_id}</organizationId><userId>{user}</userId>"
            f"<userName>{escape(found.get('username', ''))}</userName></userInfo>"
            "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return SandboxResponse(200, xml.encode(), {"Content-Type": "text/xml;charset=UTF-8"})


def _basic(request: SandboxRequest) -> tuple[str, str] | None:
    header = request.header("authorization") or ""
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret


def _public_key(pem: Any) -> RSAPublicKey:
    if not isinstance(pem, str):
        raise ValueError("jwt_public_keys must be a list of PEM strings (certificates or public keys)")
    data = pem.encode()
    key = (
        load_pem_x509_certificate(data).public_key() if b"CERTIFICATE" in data else load_pem_public_key(data)
    )
    if not isinstance(key, RSAPublicKey):
        raise ValueError("jwt_public_keys: only RSA keys are supported (RS256)")
    return key
