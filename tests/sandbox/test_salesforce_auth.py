"""Logins, sessions, the daily quota, Salesforce's headers and injected faults, through the unmodified
simple-salesforce SDK (SDK-NOTES "Login flows pointed at loopback"). Expected shapes: FIDELITY.md
"Limits and headers" and "Error bodies"; fixtures-restforce expired_session_response.json; recorded
Sforce-Limit-Info headers in recorded-nango query-records.test.json."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from tests.sandbox import salesforce_support
from tests.sandbox.salesforce_support import Sf, content, trusting_session

salesforce_session, sf = salesforce_support.salesforce_session, salesforce_support.sf  # the fixtures

CONSUMER_KEY = "3MVG9sandbox.sponsorsync.consumer.key"
CONSUMER_SECRET = "sandbox-consumer-secret"
USERNAME = "integration@northwind.example"
PASSWORD = "sandbox-password"
TOKEN = "SandboxSecurityToken"
EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def _domain(sf: Sf) -> str:
    return f"127.0.0.1:{sf.url.rsplit(':', 1)[1]}/sf"  # the SDK posts to https://{domain}.salesforce.com/...


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _certificate(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sponsorsync connected app")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _login(sf: Sf, **kwargs: Any) -> Salesforce:
    return Salesforce(domain=_domain(sf), session=trusting_session(sf.sandbox.ca_path), **kwargs)


# -- sessions ------------------------------------------------------------------------------------
def test_calls_without_a_valid_session_are_401_with_a_json_list(sf: Sf) -> None:
    anonymous = trusting_session(sf.sandbox.ca_path).get(sf.data("limits/"), timeout=30)
    assert (anonymous.status_code, anonymous.json()) == (401, EXPIRED)
    with pytest.raises(SalesforceExpiredSession) as raised:
        sf.sandbox.client(session_id="00DNw0000009XyZ!bogus").query("SELECT Id FROM Account")
    assert content(raised.value) == EXPIRED


def test_expire_sessions_invalidates_every_issued_token(sf: Sf) -> None:
    logged_in = _login(sf, consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET)
    settings = sf.admin.configure(expire_sessions=True)
    assert settings["sessions"] == 0
    with pytest.raises(SalesforceExpiredSession):
        sf.sdk.query("SELECT Id FROM Account")
    # a client that logged in logs in again on 401 (SDK-NOTES S8)
    assert logged_in.query("SELECT COUNT() FROM Account")["totalSize"] == 4
    sf.admin.reset()
    assert sf.sdk.query("SELECT COUNT() FROM Account")["totalSize"] == 4  # reset restores the start session


# -- logins --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        {"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET},
        {"username": USERNAME, "password": PASSWORD + TOKEN, "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET},
        {"username": USERNAME, "password": PASSWORD, "security_token": TOKEN},
        {"username": "ada.lovelace@northwind.example", "password": PASSWORD, "security_token": TOKEN},
    ],
    ids=["client-credentials", "oauth-password", "soap", "soap-other-user"],
)  # fmt: skip
def test_login_flows_give_a_working_session(sf: Sf, kwargs: dict[str, Any]) -> None:
    client = _login(sf, **kwargs)
    assert client.sf_instance == sf.url.removeprefix("https://")
    assert client.session_id != sf.sandbox.token
    assert client.query("SELECT COUNT() FROM Contact")["totalSize"] == 5


@pytest.mark.parametrize("register", ["certificate", "public-key"])
def test_jwt_bearer_login_verifies_the_signature(sf: Sf, register: str) -> None:
    key = _rsa_key()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sf.admin.configure(jwt_public_keys=[_certificate(key) if register == "certificate" else public.decode()])
    client = _login(sf, username=USERNAME, consumer_key=CONSUMER_KEY, privatekey=_private_pem(key))
    assert client.query("SELECT COUNT() FROM Account")["totalSize"] == 4
    with pytest.raises(SalesforceAuthenticationFailed) as raised:
        _login(sf, username=USERNAME, consumer_key=CONSUMER_KEY, privatekey=_private_pem(_rsa_key()))
    assert (raised.value.code, raised.value.auth_message) == ("invalid_grant", "invalid assertion")


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"consumer_key": CONSUMER_KEY, "consumer_secret": "wrong"}, "invalid_client", "invalid client credentials"),
        ({"consumer_key": "unknown", "consumer_secret": CONSUMER_SECRET}, "invalid_client_id", "client identifier invalid"),
        ({"username": USERNAME, "password": PASSWORD, "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET}, "invalid_grant", "authentication failure"),
        ({"username": "nobody@northwind.example", "password": PASSWORD + TOKEN, "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET}, "invalid_grant", "authentication failure"),
        ({"username": USERNAME, "password": "wrong", "security_token": TOKEN}, "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."),
        ({"username": "alan.turing@northwind.example", "password": PASSWORD, "security_token": TOKEN}, "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."),
    ],
    ids=["bad-secret", "bad-client", "password-without-token", "unknown-user", "soap-bad-password", "soap-inactive-user"],
)  # fmt: skip
def test_failed_logins_say_why(sf: Sf, kwargs: dict[str, Any], code: str, message: str) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as raised:
        _login(sf, **kwargs)
    assert (raised.value.code, raised.value.auth_message) == (code, message)


def test_token_responses_have_salesforces_shape(sf: Sf) -> None:
    session = trusting_session(sf.sandbox.ca_path)
    ok = session.post(
        f"{sf.url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CONSUMER_KEY,
            "client_secret": CONSUMER_SECRET,
        },
        timeout=30,
    )
    body = ok.json()
    assert set(body) == {
        "access_token",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert (body["instance_url"], body["token_type"]) == (sf.url, "Bearer")
    assert "Sforce-Limit-Info" not in ok.headers
    refused = session.post(
        f"{sf.url}/services/oauth2/token", data={"grant_type": "authorization_code"}, timeout=30
    )
    assert (refused.status_code, refused.json()) == (
        400,
        {"error": "unsupported_grant_type", "error_description": "grant type not supported"},
    )


REFRESH_TOKEN = "5Aep861sandbox.sponsorsync.refresh.token"


def _refresh(sf: Sf, **form: str) -> requests.Response:
    data = {"grant_type": "refresh_token", "client_id": CONSUMER_KEY, "client_secret": CONSUMER_SECRET}
    return trusting_session(sf.sandbox.ca_path).post(
        f"{sf.url}/login.salesforce.com/services/oauth2/token", data={**data, **form}, timeout=30
    )


def test_refresh_token_flow_gives_a_working_session_of_the_apps_user(sf: Sf) -> None:
    answer = _refresh(sf, refresh_token=REFRESH_TOKEN)
    body = answer.json()
    assert answer.status_code == 200
    assert set(body) == {
        "access_token",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert (body["scope"], body["token_type"], body["instance_url"]) == (
        "refresh_token api",
        "Bearer",
        sf.url,
    )
    client = sf.sandbox.client(session_id=body["access_token"])
    assert client.query("SELECT COUNT() FROM Contact")["totalSize"] == 5
    assert body["id"].rsplit("/", 1)[1] == sf.sandbox.emulator.auth.api_user_id


@pytest.mark.parametrize(
    ("form", "code", "message"),
    [
        ({"refresh_token": "5Aep861stolen"}, "invalid_grant", "expired access/refresh token"),
        ({}, "invalid_grant", "expired access/refresh token"),
        ({"refresh_token": REFRESH_TOKEN, "client_secret": "wrong"}, "invalid_client", "invalid client credentials"),
        ({"refresh_token": REFRESH_TOKEN, "client_id": "unknown"}, "invalid_client_id", "client identifier invalid"),
    ],
    ids=["unknown-token", "no-token", "bad-secret", "bad-client"],
)  # fmt: skip
def test_refresh_token_flow_refuses_what_it_does_not_know(
    sf: Sf, form: dict[str, str], code: str, message: str
) -> None:
    answer = _refresh(sf, **form)
    assert (answer.status_code, answer.json()) == (400, {"error": code, "error_description": message})


def test_configured_refresh_token_replaces_the_default(sf: Sf) -> None:
    sf.admin.configure(credentials={"refresh_token": "5Aep861rotated"})
    assert _refresh(sf, refresh_token=REFRESH_TOKEN).status_code == 400
    assert _refresh(sf, refresh_token="5Aep861rotated").status_code == 200


def test_configured_credentials_replace_the_defaults(sf: Sf) -> None:
    settings = sf.admin.configure(credentials={"consumer_key": "my-app", "consumer_secret": "s3cret"})
    assert settings["credentials"] == {"consumer_key": "my-app", "username": USERNAME, "secrets": "hidden"}
    assert (
        _login(sf, consumer_key="my-app", consumer_secret="s3cret").query("SELECT COUNT() FROM User")[
            "totalSize"
        ]
        == 5
    )
    with pytest.raises(SalesforceAuthenticationFailed):
        _login(sf, consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET)


# -- usage, quota and headers --------------------------------------------------------------------
def test_every_api_response_reports_usage(sf: Sf) -> None:
    first = sf.get("sobjects/")
    second = sf.get("nothing")
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/100000"
    assert second.headers["Sforce-Limit-Info"] == "api-usage=2/100000"
    assert first.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert len(first.headers["x-sfdc-request-id"]) == 32
    sf.sdk.query("SELECT Id FROM Account LIMIT 1")
    assert sf.sdk.api_usage["api-usage"].used == 3
    assert sf.sdk.api_usage["api-usage"].total == 100_000


def test_a_spent_daily_quota_is_403_until_the_window_moves_on(sf: Sf) -> None:
    sf.admin.configure(daily_api_requests=3)
    for n in (1, 2, 3):
        sf.sdk.query("SELECT Id FROM Account LIMIT 1")
        assert sf.sdk.api_usage["api-usage"].used == n
    with pytest.raises(SalesforceRefusedRequest) as raised:
        sf.sdk.query("SELECT Id FROM Account LIMIT 1")
    assert raised.value.status == 403
    assert content(raised.value) == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert sf.get("limits/").headers["Sforce-Limit-Info"] == "api-usage=3/3"
    sf.admin.advance_clock(days=1, seconds=3600)
    assert sf.sdk.limits()["DailyApiRequests"] == {"Max": 3, "Remaining": 2}


# -- injected faults -----------------------------------------------------------------------------
def test_injected_503_is_the_edges_html_page(sf: Sf) -> None:
    sf.admin.add_faults({"path": "*/query/*", "status": 503, "count": 1})
    with pytest.raises(SalesforceGeneralError) as raised:
        sf.sdk.query("SELECT Id FROM Account")
    assert raised.value.status == 503
    assert "<html" in content(raised.value)  # not JSON: the SDK hands over the text
    assert sf.sdk.query("SELECT COUNT() FROM Account")["totalSize"] == 4


@pytest.mark.parametrize(
    ("rule", "status", "body"),
    [
        ({"status": 500}, 500, "UNKNOWN_EXCEPTION"),
        ({"status": 429, "retry_after": 2}, 429, "REQUEST_LIMIT_EXCEEDED"),
        ({"status": 403, "error_code": "REQUEST_LIMIT_EXCEEDED", "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded."}, 403, "REQUEST_LIMIT_EXCEEDED"),
        ({"status": 502}, 502, None),
        ({"status": 504}, 504, None),
    ],
    ids=["500", "429", "403-concurrent", "502", "504"],
)  # fmt: skip
def test_injected_errors_have_salesforce_bodies(
    sf: Sf, rule: dict[str, Any], status: int, body: str | None
) -> None:
    sf.admin.add_faults({"path": "*/limits/*", "count": 1, **rule})
    response: requests.Response = sf.get("limits/")
    assert response.status_code == status
    if body is None:
        assert response.headers["Content-Type"].startswith("text/html")
    else:
        assert response.json()[0]["errorCode"] == body
    if "retry_after" in rule:
        assert response.headers["Retry-After"] == "2"


def test_env_points_sponsorsync_at_the_sandbox(sf: Sf) -> None:
    assert sf.sandbox.server.env() == {
        "SPONSORSYNC_CRM": "salesforce",
        "SPONSORSYNC_SALESFORCE__INSTANCE_URL": sf.url,
        "SPONSORSYNC_SALESFORCE__ACCESS_TOKEN": sf.sandbox.token,
        "SPONSORSYNC_CA_BUNDLE": str(sf.sandbox.ca_path),
    }


def test_unknown_settings_are_refused_with_the_known_ones(sf: Sf) -> None:
    with pytest.raises(RuntimeError, match="unknown Salesforce settings \\['daily_limit'\\]"):
        sf.admin.configure(daily_limit=5)
