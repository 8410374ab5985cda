"""Query paging through the unmodified simple-salesforce SDK: nextRecordsUrl, batch sizes, snapshots,
locator expiry, the incremental cursor query sync engines send, and faults in the middle of paging.
Expected shapes: reference/salesforce/recorded-nango accounts.test.json (first and last page) and
fixtures-restforce query_paginated_first_page_response / _last_page_response."""

from __future__ import annotations

import re
from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceMalformedRequest

from tests.sandbox import salesforce_support
from tests.sandbox.salesforce_support import Sf, content, trusting_session

salesforce_session, sf = salesforce_support.salesforce_session, salesforce_support.sf  # the fixtures

SMALL_PAGES = {"Sforce-Query-Options": "batchSize=200"}
ALL_TASKS = "SELECT Id FROM Task ORDER BY SystemModstamp ASC, Id ASC"
LOCATOR = re.compile(r"/services/data/v59\.0/(query|queryAll)/0r8\w{15}-(\d+)\Z")


def add_tasks(sf: Sf, count: int, prefix: str = "bulk") -> list[str]:
    ids: list[str] = []
    for start in range(0, count, 200):
        records = [
            {
                "attributes": {"type": "Task"},
                "Subject": f"{prefix} {n}",
                "Sponsor_Sync_Key__c": f"{prefix}:{n}",
            }
            for n in range(start, min(count, start + 200))
        ]
        ids += [
            r["id"] for r in sf.sdk.restful("composite/sobjects", method="POST", json={"records": records})
        ]
    return ids


def test_pages_follow_next_records_url_to_a_last_page_without_it(sf: Sf) -> None:
    add_tasks(sf, 450)  # 453 visible tasks with the example's three
    first = sf.sdk.query(ALL_TASKS, headers=SMALL_PAGES)
    assert list(first) == ["totalSize", "done", "nextRecordsUrl", "records"]
    assert (first["totalSize"], first["done"], len(first["records"])) == (453, False, 200)
    assert LOCATOR.match(first["nextRecordsUrl"]).group(1, 2) == ("query", "200")  # type: ignore[union-attr]
    second = sf.sdk.query_more(first["nextRecordsUrl"], identifier_is_url=True, headers=SMALL_PAGES)
    assert (second["totalSize"], second["done"], len(second["records"])) == (453, False, 200)
    assert second["nextRecordsUrl"].endswith("-400")
    last = sf.sdk.query_more(second["nextRecordsUrl"], identifier_is_url=True, headers=SMALL_PAGES)
    assert (last["totalSize"], last["done"], len(last["records"])) == (453, True, 53)
    assert "nextRecordsUrl" not in last


def test_query_all_iter_reads_every_page_once(sf: Sf) -> None:
    created = add_tasks(sf, 450)
    seen = [r["Id"] for r in sf.sdk.query_all_iter(ALL_TASKS, headers=SMALL_PAGES)]
    assert len(seen) == len(set(seen)) == 453
    assert seen[-450:] == sorted(created)  # one request, one SystemModstamp: ties ordered by Id
    assert [r["route"] for r in sf.admin.requests(limit=3)] == [
        "GET /services/data/{version}/query{slash}",
        "GET /services/data/{version}/query/{locator}",
        "GET /services/data/{version}/query/{locator}",
    ]


@pytest.mark.parametrize(("header", "page"), [(None, 2000), ("batchSize=200", 200), ("batchSize=50", 200), ("batchSize=500", 500), ("batchSize=5000", 2000)], ids=["default", "200", "below-min", "500", "above-max"])  # fmt: skip
def test_batch_size_is_clamped_to_200_through_2000(sf: Sf, header: str | None, page: int) -> None:
    add_tasks(sf, 600)
    headers = {"Sforce-Query-Options": header} if header else {}
    result = sf.sdk.query(ALL_TASKS, headers=headers)
    assert len(result["records"]) == min(page, 603)
    assert result["done"] is (page >= 603)


def test_query_all_pages_under_query_all(sf: Sf) -> None:
    add_tasks(sf, 300)
    first = sf.sdk.query(ALL_TASKS, include_deleted=True, headers=SMALL_PAGES)
    assert first["totalSize"] == 305  # with the deleted and the archived task
    assert LOCATOR.match(first["nextRecordsUrl"]).group(1) == "queryAll"  # type: ignore[union-attr]
    rest = sf.sdk.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(first["records"]) + len(rest["records"]) == 305


def test_results_are_a_snapshot_taken_at_query_time(sf: Sf) -> None:
    created = add_tasks(sf, 400)
    first = sf.sdk.query(ALL_TASKS, headers=SMALL_PAGES)
    sf.sdk.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(created[-200:])})
    add_tasks(sf, 10, prefix="late")
    rest = list(sf.sdk.query_all_iter(ALL_TASKS, headers=SMALL_PAGES))  # a new query sees the changes
    later = sf.sdk.query_more(first["nextRecordsUrl"], identifier_is_url=True, headers=SMALL_PAGES)
    assert later["totalSize"] == 403
    assert [r["Id"] for r in later["records"]][-1] == created[-4]  # 403 - 400: the pages keep their rows
    assert len(rest) == 403 - 200 + 10


def _error(raised: Any) -> Any:
    return content(raised.value)


def test_unknown_and_expired_locators_are_invalid(sf: Sf) -> None:
    add_tasks(sf, 250)
    first = sf.sdk.query(ALL_TASKS, headers=SMALL_PAGES)
    invalid = [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.sdk.query_more("0r8Nw00000ZZZZZAAA-200")
    assert _error(raised) == invalid
    sf.admin.advance_clock(seconds=16 * 60)
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.sdk.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert _error(raised) == invalid


def test_only_ten_cursors_stay_open(sf: Sf) -> None:
    add_tasks(sf, 250)
    urls = [sf.sdk.query(ALL_TASKS, headers=SMALL_PAGES)["nextRecordsUrl"] for _ in range(11)]
    with pytest.raises(SalesforceMalformedRequest):
        sf.sdk.query_more(urls[0], identifier_is_url=True)
    assert len(sf.sdk.query_more(urls[-1], identifier_is_url=True)["records"]) == 53


def test_the_incremental_cursor_query_sees_ties_and_deletions(sf: Sf) -> None:
    created = add_tasks(sf, 5)
    stamp = sf.sdk.Task.get(created[0])["SystemModstamp"]
    literal = stamp.replace(".000+0000", "Z")
    incremental = f"SELECT Id, SystemModstamp, IsDeleted FROM Task WHERE SystemModstamp >= {literal} ORDER BY SystemModstamp ASC, Id ASC"  # fmt: skip
    assert [r["Id"] for r in sf.sdk.query_all(incremental, include_deleted=True)["records"]] == created
    strictly_after = incremental.replace(">=", ">")
    assert sf.sdk.query_all(strictly_after, include_deleted=True)["records"] == []
    sf.admin.advance_clock(seconds=5)
    sf.sdk.Task.delete(created[2])
    rows = sf.sdk.query_all(strictly_after, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(created[2], True)]
    assert rows[0]["SystemModstamp"] > stamp


def _login_client(sf: Sf) -> Salesforce:
    port = sf.url.rsplit(":", 1)[1]
    return Salesforce(
        consumer_key="3MVG9sandbox.sponsorsync.consumer.key",
        consumer_secret="sandbox-consumer-secret",
        domain=f"127.0.0.1:{port}/sf",
        session=trusting_session(sf.sandbox.ca_path),
    )


def test_a_401_in_the_middle_of_paging(sf: Sf) -> None:
    add_tasks(sf, 450)
    sf.admin.add_faults({"method": "GET", "path": "re:/query/0r8", "status": 401, "count": 1})
    with pytest.raises(SalesforceExpiredSession) as raised:
        list(sf.sdk.query_all_iter(ALL_TASKS, headers=SMALL_PAGES))
    assert _error(raised) == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    sf.admin.add_faults({"method": "GET", "path": "re:/query/0r8", "status": 401, "count": 1})
    relogging = _login_client(sf)  # login mode: the SDK logs in again on 401 and repeats the call
    assert len(list(relogging.query_all_iter(ALL_TASKS, headers=SMALL_PAGES))) == 453
    routes = [r["route"] for r in sf.admin.requests(limit=6)]
    assert routes.count("POST {prefix}/services/oauth2/token") == 2
