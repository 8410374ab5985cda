"""The CRMs' API limits through the real connectors and SDKs over HTTPS against the sandbox:
Salesforce's 24-hour quota and its reserve (calls in flight count against it), its limits on
requests in flight (403 REQUEST_LIMIT_EXCEEDED with a "Concurrent..." message), which are retried
while the daily limit stops the run at once, and HubSpot's daily limit and its reserve."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from sponsorsync.connectors.base import ObjectSpec
from sponsorsync.connectors.errors import QuotaExhausted
from sponsorsync.connectors.throttle import QuotaGuard
from sponsorsync.sandbox.faults import PRESETS
from tests.support import orgs
from tests.support.cli import invoke
from tests.support.sandbox import Sandbox, connector, drain, running_sandbox

QUERY = "GET /services/data/{version}/queryAll{slash}"
CONTACT = ObjectSpec("Contact", ("Id", "LastName", "SystemModstamp"), "SystemModstamp")


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    home = tmp_path_factory.mktemp("sf-limits")
    with running_sandbox("salesforce", home, data=orgs.render("salesforce", orgs.known_answers())) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A generated org whose first run needs more than 8 calls (pages of activities, write batches)."""
    with running_sandbox("salesforce", tmp_path_factory.mktemp("sf-big"), size=1000) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def fresh(box: Sandbox) -> None:
    box.admin.reset()
    box.admin.reset_stats()


@pytest.mark.parametrize("preset", ["salesforce_concurrent_limit", "salesforce_long_requests_limit"])
def test_a_concurrent_request_limit_is_retried(box: Sandbox, preset: str) -> None:
    box.admin.add_faults({"method": "GET", "path": "*/queryAll*", "preset": preset, "count": 2})

    records, _ = drain(connector(box).pull(CONTACT, None))

    assert records, "the pull finished after the limit cleared"
    assert box.calls() == {QUERY: 3}  # two refusals, then the answer
    assert box.admin.stats()["by_status"] == {"403": 2, "200": 1}


def test_a_concurrent_limit_that_never_clears_stops_as_a_rate_limit(box: Sandbox) -> None:
    box.admin.add_faults({"path": "*/queryAll*", "preset": "salesforce_concurrent_limit"})

    with pytest.raises(QuotaExhausted, match="ConcurrentRequests") as err:
        drain(connector(box, LIMITS__MAX_ATTEMPTS="3").pull(CONTACT, None))

    assert err.value.exit_code == 3
    assert box.total_calls() == 3


def test_the_daily_limit_stops_at_once(box: Sandbox) -> None:
    box.admin.add_faults({"path": "*/queryAll*", "preset": "salesforce_daily_limit"})

    with pytest.raises(QuotaExhausted, match="TotalRequests") as err:
        drain(connector(box).pull(CONTACT, None))

    assert err.value.exit_code == 3
    assert box.total_calls() == 1  # never hammered


def test_the_presets_carry_salesforces_own_words() -> None:
    # FIDELITY.md "Error bodies": 403 for every API limit; the message tells them apart.
    assert {p["status"] for p in PRESETS.values() if str(p["error_code"]) == "REQUEST_LIMIT_EXCEEDED"} == {
        403
    }
    assert PRESETS["salesforce_daily_limit"]["message"] == "TotalRequests Limit exceeded."
    assert (
        PRESETS["salesforce_concurrent_limit"]["message"]
        == "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
    )


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_calls_in_flight_count_against_the_quota_reserve(
    big: Sandbox, tmp_path: Path, concurrency: str
) -> None:
    # The case: a quota of 11 with a 20% reserve leaves 8 calls to spend; a run needs more.
    big.admin.reset()
    big.admin.configure(daily_api_requests=11)
    env_file = big.env_file(
        tmp_path / "run.env",
        {"LIMITS__SALESFORCE_QUOTA_RESERVE": "0.2", "LIMITS__CONCURRENCY": concurrency},
        state_dir=tmp_path / "state",
    )

    result = invoke("sync", "run", env_file=env_file)

    assert result.exit_code == 3, result.output
    assert "daily API quota" in result.stderr
    used = big.admin.configure()["api_usage"]
    assert used <= 8, f"{used} of 11 calls used: the 20% reserve (2.2 calls) was touched"


@pytest.fixture(scope="module")
def hubspot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox("hubspot", tmp_path_factory.mktemp("hs"), size=300) as sandbox:
        yield sandbox


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_hubspot_calls_in_flight_count_against_its_daily_reserve(
    hubspot: Sandbox, tmp_path: Path, concurrency: str
) -> None:
    hubspot.admin.reset()
    hubspot.admin.configure(rate_limit={"ten_second_max": 1000, "daily_max": 11, "search_per_second": 100})
    hubspot.admin.reset_stats()
    env_file = hubspot.env_file(
        tmp_path / "run.env",
        {"LIMITS__HUBSPOT_QUOTA_RESERVE": "0.2", "LIMITS__CONCURRENCY": concurrency},
        state_dir=tmp_path / "state",
    )

    result = invoke("sync", "run", env_file=env_file)

    assert result.exit_code == 3, result.output
    assert "daily API quota" in result.stderr
    used = hubspot.total_calls()
    assert used <= 8, f"{used} of 11 calls used: the 20% reserve (2.2 calls) was touched"


def test_the_guard_counts_every_call_in_flight() -> None:
    guard = QuotaGuard(0.2, "SPONSORSYNC_LIMITS__SALESFORCE_QUOTA_RESERVE")
    guard.observe(5, 11)  # 8 may be spent: 3 more calls
    with ExitStack() as in_flight:
        for _ in range(3):
            in_flight.enter_context(guard.slot())
        with pytest.raises(QuotaExhausted, match=r"5/11 used \(\+3 in flight\), at the 80%"), guard.slot():
            pass
    # Answered, they count as used: the answers report the new usage.
    guard.answered(8, 11)
    with pytest.raises(QuotaExhausted, match="8/11 used"), guard.slot():
        pass


def test_answers_without_usage_headers_still_count_against_the_quota() -> None:
    """HubSpot's search answers report no daily usage, yet each search counts against it."""
    guard = QuotaGuard(0.2, "SPONSORSYNC_LIMITS__HUBSPOT_QUOTA_RESERVE")
    guard.observe(5, 11)  # 8 may be spent
    for _ in range(3):
        with guard.slot():
            guard.answered_unreported()
    assert guard.used == 8
    with pytest.raises(QuotaExhausted, match="8/11 used"), guard.slot():
        pass
    guard.answered(7, 11)  # a report that lags the estimate does not lower it
    assert guard.used == 8


def test_answers_arriving_out_of_order_never_lower_the_usage() -> None:
    guard = QuotaGuard(0.5, "SPONSORSYNC_LIMITS__SALESFORCE_QUOTA_RESERVE")
    guard.answered(4, 10)
    guard.answered(3, 10)  # an earlier call's answer, arriving late
    assert guard.used == 4
    with pytest.raises(QuotaExhausted), guard.slot(), guard.slot():
        pass
