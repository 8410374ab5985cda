"""HubSpot emulator: authentication, rate limits (headers and the three 429 policies), injected
faults. Expected bodies and headers: FIDELITY.md "Error bodies" and "Rate limits (429)", and the
recorded x-hubspot-* headers in reference/hubspot/recorded-nango/contacts.test.json."""

from __future__ import annotations

import pytest
import requests
from hubspot.crm.objects import PublicObjectSearchRequest
from hubspot.crm.objects.exceptions import ApiException, ServiceException, UnauthorizedException

from sponsorsync.sandbox.hubspot.limits import AUTH_MESSAGE
from tests.sandbox import hubspot_support
from tests.sandbox.hubspot_support import Sandbox, body_of

hubspot_session, hs = hubspot_support.hubspot_session, hubspot_support.hs  # the fixtures

RATE_HEADERS = (
    "X-HubSpot-RateLimit-Interval-Milliseconds", "X-HubSpot-RateLimit-Max", "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Secondly", "X-HubSpot-RateLimit-Secondly-Remaining", "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
)  # fmt: skip
SEARCH = "/crm/v3/objects/companies/search"


def get(hs: Sandbox) -> requests.Response:
    return hs.raw("GET", "/crm/v3/objects/companies?limit=1")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer pat-na1-not-the-token", "Basic dXNlcjpwYXNz"],
    ids=["missing", "unknown", "not-bearer"],
)
def test_requests_without_the_token_are_401_invalid_authentication(
    hs: Sandbox, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    session = requests.Session()
    session.trust_env, session.verify = False, str(hs.server.ca_path)
    response = session.get(f"{hs.url}/crm/v3/objects/contacts", headers=headers, timeout=30)
    body = response.json()
    assert response.status_code == 401
    assert list(body) == ["status", "message", "correlationId", "category"]
    assert (body["status"], body["message"], body["category"]) == (
        "error",
        AUTH_MESSAGE,
        "INVALID_AUTHENTICATION",
    )
    assert response.headers["X-HubSpot-Correlation-Id"] == body["correlationId"]


def test_the_sdk_raises_unauthorized_for_a_bad_token(hs: Sandbox) -> None:
    api = hs.client(access_token="pat-na1-wrong").crm.objects.basic_api
    with pytest.raises(UnauthorizedException) as caught:
        api.get_page("contacts")
    assert body_of(caught.value)["category"] == "INVALID_AUTHENTICATION"


def test_expired_tokens_say_how_long_ago(hs: Sandbox) -> None:
    assert hs.admin.configure(expire_tokens=True)["expire_tokens"] is True
    hs.admin.advance_clock(seconds=30)
    response = get(hs)
    body = response.json()
    assert (response.status_code, body["category"]) == (401, "EXPIRED_AUTHENTICATION")
    assert body["message"] in {
        f"The OAuth token used to make this call expired {n} second(s) ago." for n in (30, 31)
    }
    hs.admin.configure(expire_tokens=False)
    assert get(hs).status_code == 200


def test_every_response_has_a_correlation_id_and_no_rate_headers_while_limits_are_off(hs: Sandbox) -> None:
    responses = [get(hs), hs.raw("DELETE", "/crm/v3/objects/tasks/1"), hs.raw("POST", SEARCH, {})]
    assert [r.status_code for r in responses] == [200, 204, 200]
    for response in responses:
        assert len(response.headers["X-HubSpot-Correlation-Id"]) == 36
        assert not [h for h in response.headers if h.lower().startswith("x-hubspot-ratelimit")]


def test_with_limits_on_non_search_responses_carry_the_rate_headers(hs: Sandbox) -> None:
    settings = hs.admin.configure(
        rate_limit={"ten_second_max": 110, "daily_max": 1000, "search_per_second": 4}
    )
    assert settings["rate_limit"] == {"ten_second_max": 110, "daily_max": 1000, "search_per_second": 4}
    first, second = get(hs), get(hs)
    assert {h: first.headers[h] for h in RATE_HEADERS} == {
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Max": "110",
        "X-HubSpot-RateLimit-Remaining": "109",
        "X-HubSpot-RateLimit-Secondly": "11",
        "X-HubSpot-RateLimit-Secondly-Remaining": "10",
        "X-HubSpot-RateLimit-Daily": "1000",
        "X-HubSpot-RateLimit-Daily-Remaining": "999",
    }
    assert (
        second.headers["X-HubSpot-RateLimit-Remaining"],
        second.headers["X-HubSpot-RateLimit-Daily-Remaining"],
    ) == (
        "108",
        "998",
    )
    searched = hs.raw("POST", SEARCH, {})
    assert not [h for h in searched.headers if h.lower().startswith("x-hubspot-ratelimit")]
    assert get(hs).headers["X-HubSpot-RateLimit-Daily-Remaining"] == "996", "search counts against the day"
    hs.admin.configure(rate_limit=None)
    assert "X-HubSpot-RateLimit-Max" not in get(hs).headers


def test_the_ten_second_window_rolls_and_refused_requests_do_not_count(hs: Sandbox) -> None:
    hs.admin.configure(rate_limit={"ten_second_max": 3})
    assert [get(hs).status_code for _ in range(3)] == [200, 200, 200]
    hs.admin.advance_clock(seconds=5)
    refused = [get(hs) for _ in range(2)]
    assert [r.status_code for r in refused] == [429, 429]
    body = refused[0].json()
    assert body == {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": body["correlationId"],
        "policyName": "TEN_SECONDLY_ROLLING",
        "groupName": "publicapi:private_app-api-calls-ten-secondly:24681357:3141592",
    }
    assert "Retry-After" not in refused[0].headers
    assert refused[0].headers["X-HubSpot-RateLimit-Remaining"] == "0"
    hs.admin.advance_clock(seconds=5.5)
    assert [get(hs).status_code for _ in range(3)] == [200, 200, 200]


def test_the_daily_quota_refuses_every_kind_of_request(hs: Sandbox) -> None:
    hs.admin.configure(rate_limit={"daily_max": 2})
    assert [get(hs).status_code, hs.raw("POST", SEARCH, {}).status_code] == [200, 200]
    for response in (get(hs), hs.raw("POST", SEARCH, {})):
        body = response.json()
        assert response.status_code == 429
        assert (body["message"], body["policyName"], body["errorType"]) == (
            "You have reached your daily limit.",
            "DAILY",
            "RATE_LIMIT",
        )
        assert len(body["requestId"]) == 36


def test_search_has_its_own_per_second_limit(hs: Sandbox) -> None:
    hs.admin.configure(rate_limit={"search_per_second": 2, "ten_second_max": 100})
    api = hs.api.search
    for _ in range(2):
        api.do_search("companies", PublicObjectSearchRequest(limit=1))
    with pytest.raises(ApiException) as caught:
        api.do_search("companies", PublicObjectSearchRequest(limit=1))
    body = body_of(caught.value)
    assert caught.value.status == 429
    assert (body["policyName"], body["message"]) == ("SECONDLY", "You have reached your secondly limit.")
    assert get(hs).status_code == 200, "other endpoints are not held back"
    hs.admin.advance_clock(seconds=1.1)
    assert api.do_search("companies", PublicObjectSearchRequest(limit=1)).total == 4
    assert hs.admin.stats()["by_route_status"]["POST /crm/v3/objects/{objectType}/search -> 429"] == 1


def test_the_sdk_makes_one_request_for_a_429_with_retry_off(hs: Sandbox) -> None:
    hs.admin.configure(rate_limit={"ten_second_max": 1})
    hs.api.objects.get_page("companies", limit=1)
    hs.admin.reset_stats()
    with pytest.raises(ApiException) as caught:
        hs.api.objects.get_page("companies", limit=1)
    assert caught.value.status == 429
    assert hs.admin.stats()["total"] == 1


@pytest.mark.parametrize(
    ("status", "category", "message"),
    [
        (400, "VALIDATION_ERROR", "Validation error"),
        (404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric."),
        (423, "LOCKED", "The object is locked by another update. Please retry later."),
        (500, "INTERNAL_ERROR", "internal error"),
    ],
    ids=["400", "404", "423", "500"],
)
def test_injected_errors_get_hubspots_json_body(
    hs: Sandbox, status: int, category: str, message: str
) -> None:
    hs.admin.add_faults({"method": "PATCH", "path": "/crm/v3/objects/*", "status": status, "count": 1})
    response = hs.raw("PATCH", f"/crm/v3/objects/companies/{hs.id('acme')}", {"properties": {}})
    body = response.json()
    assert response.status_code == status
    assert (body["status"], body["category"], body["message"]) == ("error", category, message)
    assert response.headers["X-HubSpot-Correlation-Id"] == body["correlationId"]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_come_as_the_edges_html_page(hs: Sandbox, status: int) -> None:
    hs.admin.add_faults({"path": "/crm/v3/objects/*", "status": status, "count": 1})
    with pytest.raises(ServiceException) as caught:
        hs.api.objects.get_page("companies")
    assert caught.value.status == status
    assert caught.value.headers["Content-Type"] == "text/html"
    assert f"<title>{status} " in caught.value.body
    assert "cloudflare" in caught.value.body


def test_an_error_code_on_a_fault_rule_becomes_the_category(hs: Sandbox) -> None:
    hs.admin.add_faults(
        {"status": 503, "error_code": "SERVICE_UNAVAILABLE", "message": "Try later", "count": 1}
    )
    body = get(hs).json()
    assert (body["category"], body["message"]) == ("SERVICE_UNAVAILABLE", "Try later")


@pytest.mark.parametrize(
    ("error_code", "policy"), [(None, "TEN_SECONDLY_ROLLING"), ("DAILY", "DAILY"), ("SECONDLY", "SECONDLY")]
)
def test_injected_429s_use_the_rate_limit_bodies(hs: Sandbox, error_code: str | None, policy: str) -> None:
    hs.admin.add_faults({"status": 429, "error_code": error_code, "count": 1})
    response = get(hs)
    assert (response.status_code, response.json()["policyName"], response.json()["errorType"]) == (
        429,
        policy,
        "RATE_LIMIT",
    )


@pytest.mark.parametrize(
    "settings",
    [
        {"index_lag": 5},
        {"rate_limit": {"ten_second": 5}},
        {"rate_limit": {"daily_max": 0}},
        {"index_lag_ms": -1},
    ],
    ids=["unknown-setting", "unknown-limit", "zero-limit", "negative-lag"],
)
def test_bad_settings_are_refused(hs: Sandbox, settings: dict[str, object]) -> None:
    with pytest.raises(RuntimeError, match="400"):
        hs.admin.configure(**settings)


def test_reset_turns_limits_and_expiry_off(hs: Sandbox) -> None:
    hs.admin.configure(
        rate_limit={"ten_second_max": 1}, expire_tokens=True, index_lag_ms=10, time_zone="Europe/Berlin"
    )
    hs.admin.reset()
    assert hs.admin.configure() == {
        "latency_ms": 0.0,
        "index_lag_ms": 0,
        "time_zone": "US/Eastern",
        "rate_limit": None,
        "expire_tokens": False,
    }
