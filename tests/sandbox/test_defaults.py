"""The sandbox out of the box looks like production (issue 14, item 16): HubSpot's rate limits and
search index lag on, a real Salesforce edition's daily quota, HubSpot's text limit, admin values
checked, reset restoring every setting, over-nested bodies refused as the vendors refuse them,
and env files that work from anywhere and never share a CA file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import sponsorsync.sandbox
from sponsorsync.sandbox.admin import SandboxAdmin
from sponsorsync.sandbox.app import build_sandbox
from sponsorsync.sandbox.server import SandboxServer
from tests.support.sandbox import UNLIMITED

EXAMPLES = Path(sponsorsync.sandbox.__file__).parent / "examples"
TASK = "/crm/v3/objects/tasks"


class Box:
    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.admin = SandboxAdmin(server.base_url, server.ca_path)
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = str(server.ca_path)
        env = server.env()
        token = env.get("SPONSORSYNC_HUBSPOT__ACCESS_TOKEN") or env["SPONSORSYNC_SALESFORCE__ACCESS_TOKEN"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.server.base_url + path, timeout=30, **kwargs)

    def config(self, **settings: Any) -> requests.Response:
        return self.admin.session.post(
            f"{self.server.base_url}/__sandbox__/config", json=settings, timeout=30
        )


@pytest.fixture(scope="module")
def hubspot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    with build_sandbox(
        "hubspot", ca_dir=tmp_path_factory.mktemp("hs"), data=EXAMPLES / "hubspot-small.json"
    ) as server:
        yield Box(server)


@pytest.fixture(scope="module")
def salesforce(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    with build_sandbox("salesforce", ca_dir=tmp_path_factory.mktemp("sf"), size=20) as server:
        yield Box(server)


@pytest.fixture(autouse=True)
def fresh(request: pytest.FixtureRequest) -> None:
    for name in ("hubspot", "salesforce"):
        if name in request.fixturenames:
            request.getfixturevalue(name).admin.reset()


def test_hubspot_defaults_are_production_like(hubspot: Box) -> None:
    config = hubspot.admin.configure()
    assert config["rate_limit"] == {"ten_second_max": 110, "daily_max": 250_000, "search_per_second": 4}
    assert config["index_lag_ms"] > 0
    listed = hubspot.call("GET", TASK + "?limit=1")
    assert listed.headers["X-HubSpot-RateLimit-Max"] == "110"
    assert int(listed.headers["X-HubSpot-RateLimit-Remaining"]) < 110
    made = hubspot.call(
        "POST", TASK, json={"properties": {"hs_task_subject": "Lagging", "sponsor_sync_key": "lag-1"}}
    )
    assert made.status_code == 201
    query = {
        "filterGroups": [
            {"filters": [{"propertyName": "sponsor_sync_key", "operator": "EQ", "value": "lag-1"}]}
        ]
    }
    assert hubspot.call("POST", TASK + "/search", json=query).json()["total"] == 0  # not indexed yet


def test_salesforce_daily_quota_is_an_enterprise_editions(salesforce: Box) -> None:
    assert salesforce.admin.configure()["daily_api_requests"] == 100_000
    answer = salesforce.call("GET", "/services/data/v59.0/limits/")
    assert answer.json()["DailyApiRequests"]["Max"] == 100_000


@pytest.mark.parametrize(
    ("length", "status"), [(65_536, 201), (65_537, 400)], ids=["at-the-limit", "one-over"]
)
def test_hubspot_text_values_hold_at_most_65536_characters(hubspot: Box, length: int, status: int) -> None:
    made = hubspot.call(
        "POST", TASK, json={"properties": {"hs_task_subject": "Long", "hs_task_body": "x" * length}}
    )
    assert made.status_code == status
    if status == 400:
        body = made.json()
        assert body["category"] == "VALIDATION_ERROR"
        (detail,) = json.loads(body["message"].split(": ", 1)[1])
        assert (detail["name"], detail["error"]) == ("hs_task_body", "MAX_LENGTH_EXCEEDED")


@pytest.mark.parametrize(
    "settings",
    [
        {"latency_ms": -1},
        {"latency_ms": 1e12},
        {"latency_ms": "slow"},
        {"index_lag_ms": -5},
        {"index_lag_ms": 10**15},
        {"index_lag_ms": 1.5},
        {"rate_limit": {"ten_second_max": 10**12}},
        {"rate_limit": {"daily_max": -1}},
    ],
    ids=[
        "latency-negative",
        "latency-huge",
        "latency-text",
        "lag-negative",
        "lag-huge",
        "lag-fraction",
        "rate-huge",
        "daily-negative",
    ],
)
def test_hubspot_admin_refuses_negative_or_huge_values(hubspot: Box, settings: dict[str, Any]) -> None:
    before = hubspot.admin.configure()
    answer = hubspot.config(**settings)
    assert answer.status_code == 400, answer.text
    assert next(iter(settings)) in answer.json()["error"]
    assert hubspot.admin.configure() == before  # nothing was stored


@pytest.mark.parametrize(
    ("endpoint", "payload"),
    [
        ("config", {"daily_api_requests": 10**12}),
        ("config", {"daily_api_requests": -3}),
        ("clock", {"advance_days": 1e9}),
        ("clock", {"advance_seconds": -1e15}),
        ("faults", {"status": 500, "count": -2}),
        ("faults", {"action": "delay", "delay_ms": 10**10}),
        ("faults", {"status": 429, "retry_after": -1}),
    ],
    ids=[
        "quota-huge",
        "quota-negative",
        "clock-huge",
        "clock-negative",
        "fault-count",
        "fault-delay",
        "retry-after",
    ],
)
def test_salesforce_admin_refuses_negative_or_huge_values(
    salesforce: Box, endpoint: str, payload: dict[str, Any]
) -> None:
    answer = salesforce.admin.session.post(
        f"{salesforce.server.base_url}/__sandbox__/{endpoint}", json=payload, timeout=30
    )
    assert answer.status_code == 400, answer.text


def test_reset_restores_every_setting(hubspot: Box) -> None:
    before = hubspot.admin.configure()
    changed = hubspot.admin.configure(latency_ms=20, index_lag_ms=0, rate_limit=None, expire_tokens=True)
    assert changed != before
    hubspot.admin.reset()
    assert hubspot.admin.configure() == before


def test_reset_restores_the_settings_a_sandbox_started_with(tmp_path: Path) -> None:
    with build_sandbox("hubspot", ca_dir=tmp_path, data=EXAMPLES / "hubspot-small.json", latency_ms=5,
                       settings=UNLIMITED["hubspot"]) as server:  # fmt: skip
        box = Box(server)
        started = box.admin.configure()
        assert (started["rate_limit"], started["index_lag_ms"], started["latency_ms"]) == (None, 0, 5)
        box.admin.configure(latency_ms=0, index_lag_ms=9_000, rate_limit={"ten_second_max": 5})
        box.admin.reset()
        assert box.admin.configure() == started
        box.admin.close()


NESTED = "[" * 100_000 + "]" * 100_000


def test_hubspot_answers_an_over_nested_body_with_its_json_error(hubspot: Box) -> None:
    answer = hubspot.call("POST", TASK + "/search", data=NESTED, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    body = answer.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Invalid input JSON")


def test_salesforce_answers_an_over_nested_body_with_json_parser_error(salesforce: Box) -> None:
    answer = salesforce.call(
        "POST",
        "/services/data/v59.0/sobjects/Task/",
        data=NESTED,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_the_env_file_holds_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with build_sandbox("hubspot", ca_dir=Path("relative"), data=EXAMPLES / "hubspot-small.json") as server:
        server.write_env_file(Path("relative/sandbox.env"))
        values = dict(line.split("=", 1) for line in Path("relative/sandbox.env").read_text().splitlines())
    ca = Path(values["SPONSORSYNC_CA_BUNDLE"])
    assert ca.is_absolute()
    assert ca.is_file()


def test_two_sandboxes_in_one_folder_keep_their_own_ca(tmp_path: Path) -> None:
    example = EXAMPLES / "hubspot-small.json"
    with (
        build_sandbox("hubspot", ca_dir=tmp_path, data=example) as first,
        build_sandbox("hubspot", ca_dir=tmp_path, data=example) as second,
    ):
        assert first.ca_path != second.ca_path
        for name, server in (("first", first), ("second", second)):  # each env file trusts its own
            server.write_env_file(tmp_path / f"{name}.env")
        for name, server in (("first", first), ("second", second)):
            env = dict(line.split("=", 1) for line in (tmp_path / f"{name}.env").read_text().splitlines())
            session = requests.Session()
            session.trust_env = False
            session.verify = env["SPONSORSYNC_CA_BUNDLE"]
            assert session.get(f"{server.base_url}/__sandbox__/health", timeout=30).status_code == 200
            session.close()
