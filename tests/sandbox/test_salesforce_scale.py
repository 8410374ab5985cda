"""Scale: the Salesforce sandbox at size 100,000 (100,000 contacts, about a million tasks and events)
must be ready in under 60 s and serve a full page of 2,000 records in well under a second, through
the unmodified SDK over HTTPS. Run with ``pytest -m scale -s`` (the default run deselects it)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
from simple_salesforce.api import Salesforce

from sponsorsync.sandbox.admin import SandboxAdmin
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.salesforce import SalesforceEmulator
from sponsorsync.sandbox.server import SandboxServer
from tests.sandbox.salesforce_support import trusting_session

pytestmark = pytest.mark.scale
SIZE = 100_000
SINCE = "WHERE SystemModstamp >= 2000-01-01T00:00:00Z ORDER BY SystemModstamp ASC, Id ASC"
TASK_QUERY = (
    "SELECT Id, Subject, Status, ActivityDate, OwnerId, WhoId, WhatId, AccountId, IsClosed, SystemModstamp, "
    f"IsDeleted FROM Task {SINCE}"
)
EVENT_QUERY = (
    "SELECT Id, Subject, StartDateTime, EndDateTime, OwnerId, WhoId, WhatId, AccountId, SystemModstamp, IsDeleted "
    f"FROM Event {SINCE}"
)
CONTACT_QUERY = (
    "SELECT Id, FirstName, LastName, Title, Email, AccountId, Account.Name, Owner.Email, SystemModstamp, IsDeleted "
    f"FROM Contact {SINCE}"
)
FIGURES: dict[str, Any] = {}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Salesforce, SandboxAdmin]]:
    started = time.perf_counter()
    clock = Clock()
    emulator = SalesforceEmulator.generated(clock, SIZE, 0)
    server = SandboxServer(emulator, clock, ca_dir=tmp_path_factory.mktemp("salesforce-scale")).start()
    FIGURES["start_seconds"] = round(time.perf_counter() - started, 1)
    FIGURES["rss_mb_after_start"] = round(psutil.Process().memory_info().rss / 1e6)
    sdk = Salesforce(instance_url=server.base_url, session_id=emulator.access_token, session=trusting_session(server.ca_path))  # fmt: skip
    yield sdk, SandboxAdmin(server.base_url, server.ca_path)
    print(f"\nSalesforce sandbox at size {SIZE:,}: {FIGURES}")
    server.stop()


def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def test_ready_in_under_a_minute(big: tuple[Salesforce, SandboxAdmin]) -> None:
    assert FIGURES["start_seconds"] < 60
    assert FIGURES["rss_mb_after_start"] < 2500


@pytest.mark.parametrize(
    ("name", "soql", "include_deleted"),
    [
        ("tasks_query_all", TASK_QUERY, True),
        ("tasks_query", TASK_QUERY, False),
        ("events_query_all", EVENT_QUERY, True),
        ("contacts_query_all", CONTACT_QUERY, True),
    ],
    ids=["tasks-queryAll", "tasks-query", "events-queryAll", "contacts-queryAll"],
)
def test_a_full_page_in_well_under_a_second(
    big: tuple[Salesforce, SandboxAdmin], name: str, soql: str, include_deleted: bool
) -> None:
    sdk, _ = big
    first, first_seconds = _timed(lambda: sdk.query(soql, include_deleted=include_deleted))
    assert len(first["records"]) == 2000
    assert first["totalSize"] > 50_000
    more, more_seconds = _timed(lambda: sdk.query_more(first["nextRecordsUrl"], identifier_is_url=True))
    assert len(more["records"]) == 2000
    FIGURES[f"{name}_first_page_s"] = round(first_seconds, 3)
    FIGURES[f"{name}_next_page_s"] = round(more_seconds, 3)
    FIGURES[f"{name}_total"] = first["totalSize"]
    assert first_seconds < 1.0
    assert more_seconds < 0.5


def test_writes_and_reset_stay_cheap(big: tuple[Salesforce, SandboxAdmin]) -> None:
    sdk, admin = big
    records = [
        {"attributes": {"type": "Task"}, "Subject": f"s{n}", "Sponsor_Sync_Key__c": f"scale:{n}"}
        for n in range(200)
    ]
    _, upsert_seconds = _timed(
        lambda: sdk.restful(
            "composite/sobjects/Task/Sponsor_Sync_Key__c", method="PATCH", json={"records": records}
        )
    )
    _, reset_seconds = _timed(admin.reset)
    FIGURES["upsert_200_s"] = round(upsert_seconds, 3)
    FIGURES["reset_s"] = round(reset_seconds, 3)
    FIGURES["rss_mb_end"] = round(psutil.Process().memory_info().rss / 1e6)
    assert upsert_seconds < 1.0
    assert reset_seconds < 1.0
