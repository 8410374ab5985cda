"""Bulk API 2.0 query jobs in the emulator, driven over HTTPS through the unmodified SDK's session:
job creation and states, CSV result sets by locator and maxRecords, failure states, the API version
rule and the DailyBulkV2QueryJobs limit. Expected shapes: the Bulk API 2.0 Developer Guide
(query_create_job, query_get_one_job, query_get_job_results, bulk_api_2_limits)."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
import requests

from tests.sandbox import salesforce_support
from tests.sandbox.salesforce_support import Sf
from tests.sandbox.test_salesforce_paging import add_tasks

salesforce_session, sf = salesforce_support.salesforce_session, salesforce_support.sf  # the fixtures

TASKS = "SELECT Id, Subject, IsDeleted, IsClosed, SystemModstamp FROM Task"


def create(sf: Sf, query: str, operation: str = "queryAll", **extra: Any) -> requests.Response:
    return sf.http.post(
        sf.data("jobs/query"), json={"operation": operation, "query": query, **extra}, timeout=30
    )


def complete(sf: Sf, job_id: str) -> dict[str, Any]:
    for _ in range(100):
        info: dict[str, Any] = sf.get(f"jobs/query/{job_id}").json()
        if info["state"] in ("JobComplete", "Failed", "Aborted"):
            return info
        time.sleep(0.05)
    raise AssertionError("the job never finished")


def rows(response: requests.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


def test_a_query_job_runs_then_serves_its_results_as_csv(sf: Sf) -> None:
    sf.admin.configure(bulk_job_seconds=0.3)
    created = create(sf, TASKS, operation="query")
    assert created.status_code == 200
    job = created.json()
    assert job["id"].startswith("750")
    assert len(job["id"]) == 18
    assert (job["operation"], job["object"], job["state"], job["contentType"]) == (
        "query", "Task", "UploadComplete", "CSV",
    )  # fmt: skip
    assert (job["apiVersion"], job["lineEnding"], job["columnDelimiter"]) == (59.0, "LF", "COMMA")
    early = sf.get(f"jobs/query/{job['id']}/results")
    assert early.status_code == 412
    assert early.json()[0]["errorCode"] == "JOB_NOT_COMPLETE"
    info = complete(sf, job["id"])
    assert info["state"] == "JobComplete"
    assert info["jobType"] == "V2Query"
    assert info["numberRecordsProcessed"] == 3  # the example org's visible tasks
    results = sf.get(f"jobs/query/{job['id']}/results")
    assert results.status_code == 200
    assert results.headers["Content-Type"].startswith("text/csv")
    assert results.headers["Sforce-NumberOfRecords"] == "3"
    assert results.headers["Sforce-Locator"] == "null"
    assert results.text.splitlines()[0] == '"Id","Subject","IsDeleted","IsClosed","SystemModstamp"'
    got = rows(results)
    rest = {r["Id"]: r for r in sf.sdk.query_all(TASKS)["records"]}
    assert {r["Id"] for r in got} == set(rest)
    for row in got:
        twin = rest[row["Id"]]
        assert row["IsDeleted"] == ("true" if twin["IsDeleted"] else "false")
        assert row["Subject"] == (twin["Subject"] or "")
        assert row["SystemModstamp"] == twin["SystemModstamp"].replace("+0000", "Z")


def test_results_come_in_sets_by_locator_and_max_records_in_id_order(sf: Sf) -> None:
    sf.admin.configure(bulk_job_seconds=0)
    add_tasks(sf, 450)
    job = create(sf, "SELECT Id FROM Task", operation="query").json()
    complete(sf, job["id"])
    seen: list[str] = []
    locator, sizes = "", []
    while locator != "null":
        params = {"maxRecords": "200", **({"locator": locator} if locator else {})}
        page = sf.get(f"jobs/query/{job['id']}/results", params=params)
        assert page.status_code == 200
        sizes.append(int(page.headers["Sforce-NumberOfRecords"]))
        seen += [r["Id"] for r in rows(page)]
        locator = page.headers["Sforce-Locator"]
    assert sizes == [200, 200, 53]
    assert len(seen) == len(set(seen)) == 453
    assert seen == sorted(seen)  # PK chunking: Id order, not SystemModstamp order
    again = sf.get(f"jobs/query/{job['id']}/results", params={"maxRecords": "200", "locator": "MjAw"})
    assert [r["Id"] for r in rows(again)] == seen[200:400]  # a locator can be read again
    bad = sf.get(f"jobs/query/{job['id']}/results", params={"locator": "bm9wZQ"})
    assert bad.status_code == 400


def test_a_result_set_is_sent_in_chunks_as_it_is_printed(sf: Sf) -> None:
    # Salesforce sends a result it made while the job ran, chunked: its first rows do not wait for
    # the whole set to be printed, as they would if the sandbox printed the set before answering.
    sf.admin.configure(bulk_job_seconds=0)
    add_tasks(sf, 4_500)
    job = create(sf, "SELECT Id, Subject FROM Task", operation="query").json()
    complete(sf, job["id"])
    url = sf.data(f"jobs/query/{job['id']}/results")
    with sf.http.get(url, params={"maxRecords": "4100"}, stream=True, timeout=30) as streamed:
        assert streamed.headers["Transfer-Encoding"] == "chunked"
        assert "Content-Length" not in streamed.headers
        sizes = [len(chunk) for chunk in streamed.raw.read_chunked(decode_content=True)]
    assert len(sizes) == 3  # 2,000 + 2,000 + 100 rows, the header with the first
    whole = sf.get(f"jobs/query/{job['id']}/results", params={"maxRecords": "4100"})
    assert whole.headers["Sforce-NumberOfRecords"] == "4100"
    assert sum(sizes) == len(whole.content)
    assert len(rows(whole)) == 4_100
    assert whole.text.splitlines()[0] == '"Id","Subject"'  # once, at the top


def test_query_all_jobs_return_deleted_records_and_query_jobs_do_not(sf: Sf) -> None:
    sf.admin.configure(bulk_job_seconds=0)
    ids = add_tasks(sf, 3, prefix="gone")
    sf.sdk.Task.delete(ids[0])

    def ids_of(operation: str) -> dict[str, str]:
        job = create(sf, "SELECT Id, IsDeleted FROM Task", operation=operation).json()
        complete(sf, job["id"])
        return {r["Id"]: r["IsDeleted"] for r in rows(sf.get(f"jobs/query/{job['id']}/results"))}

    assert ids_of("queryAll")[ids[0]] == "true"
    assert ids[0] not in ids_of("query")


def test_a_failed_job_says_why_and_serves_no_results(sf: Sf) -> None:
    sf.admin.configure(bulk_job_seconds=0, fail_bulk_jobs=1)
    job = create(sf, TASKS).json()
    info = complete(sf, job["id"])
    assert info["state"] == "Failed"
    assert "timed out" in info["errorMessage"]
    assert sf.get(f"jobs/query/{job['id']}/results").status_code == 412
    assert complete(sf, create(sf, TASKS).json()["id"])["state"] == "JobComplete"  # only the next one


def test_a_running_job_can_be_aborted_and_deleted(sf: Sf) -> None:
    sf.admin.configure(bulk_job_seconds=60)
    job = create(sf, TASKS).json()
    aborted = sf.http.patch(sf.data(f"jobs/query/{job['id']}"), json={"state": "Aborted"}, timeout=30)
    assert aborted.json()["state"] == "Aborted"
    assert sf.get(f"jobs/query/{job['id']}").json()["state"] == "Aborted"
    assert sf.http.delete(sf.data(f"jobs/query/{job['id']}"), timeout=30).status_code == 204
    assert sf.get(f"jobs/query/{job['id']}").status_code == 404


def test_queries_bulk_api_2_does_not_take_are_refused_at_creation(sf: Sf) -> None:
    for query in ("SELECT COUNT() FROM Task", "SELECT Id FROM Task OFFSET 5"):
        refused = create(sf, query)
        assert refused.status_code == 400
        assert refused.json()[0]["errorCode"] == "INVALIDJOB"
    unknown = create(sf, "SELECT Nope__c FROM Task")
    assert (unknown.status_code, unknown.json()[0]["errorCode"]) == (400, "INVALID_FIELD")
    assert create(sf, TASKS, operation="delete").json()[0]["errorCode"] == "INVALIDJOB"


def test_results_need_the_api_version_the_job_was_created_with(sf: Sf) -> None:
    sf.admin.configure(bulk_job_seconds=0)
    job = create(sf, TASKS).json()
    complete(sf, job["id"])
    other = sf.http.get(f"{sf.url}/services/data/v58.0/jobs/query/{job['id']}/results", timeout=30)
    assert other.status_code == 409


def test_every_request_counts_against_the_api_limit_and_each_job_against_the_daily_jobs(sf: Sf) -> None:
    sf.admin.configure(bulk_job_seconds=0)
    before = sf.sdk.limits()
    job = create(sf, TASKS).json()
    complete(sf, job["id"])
    sf.get(f"jobs/query/{job['id']}/results")
    after = sf.sdk.limits()
    assert after["DailyBulkV2QueryJobs"]["Remaining"] == before["DailyBulkV2QueryJobs"]["Remaining"] - 1
    spent = before["DailyApiRequests"]["Remaining"] - after["DailyApiRequests"]["Remaining"]
    assert spent == 4  # create, at least one look, results, and the second limits call itself


def test_a_truncate_response_fault_cuts_the_body_short(sf: Sf) -> None:
    sf.admin.configure(bulk_job_seconds=0)
    add_tasks(sf, 300)
    job = create(sf, TASKS).json()
    complete(sf, job["id"])
    sf.admin.add_faults({"path": "*/results", "action": "truncate_response", "count": 1})
    try:
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            sf.get(f"jobs/query/{job['id']}/results")
        whole = sf.get(f"jobs/query/{job['id']}/results")  # the rule fired once
    finally:
        sf.admin.clear_faults()
    assert len(rows(whole)) == int(whole.headers["Sforce-NumberOfRecords"]) == 305


def test_own_fields_print_the_same_with_or_without_a_parent_field_in_the_query(sf: Sf) -> None:
    """A result set of the object's own fields is printed straight from the stored rows; one with a
    parent's field goes through the REST record's rendering. Both print every own cell alike."""
    sf.admin.configure(bulk_job_seconds=0)
    account = sf.sdk.Account.create({"Name": "Bulk Cells Ltd"})["id"]
    for amount, description in ((1250.5, 'a, "quoted" note'), (None, None), (3, "")):
        sf.sdk.Opportunity.create(
            {"Name": "Cells", "AccountId": account, "StageName": "Prospecting", "CloseDate": "2026-03-01",
             "Amount": amount, "Description": description}
        )  # fmt: skip
    own = "Id, Name, Amount, CloseDate, IsClosed, IsDeleted, SystemModstamp, Description"
    printed = []
    for query in (f"SELECT {own} FROM Opportunity", f"SELECT {own}, Account.Name FROM Opportunity"):
        job = create(sf, query).json()
        complete(sf, job["id"])
        printed.append(rows(sf.get(f"jobs/query/{job['id']}/results")))
    plain, with_parent = printed
    assert [{k: v for k, v in row.items() if k != "Account.Name"} for row in with_parent] == plain
    rest = {r["Id"]: r for r in sf.sdk.query_all(f"SELECT {own} FROM Opportunity")["records"]}
    mine = [row for row in plain if row["Name"] == "Cells"]
    assert sorted(row["Amount"] for row in mine) == ["", "1250.5", "3.0"]
    for row in plain:
        twin = rest[row["Id"]]
        assert row["SystemModstamp"] == twin["SystemModstamp"].replace("+0000", "Z")
        assert row["IsClosed"] == ("true" if twin["IsClosed"] else "false")
        assert row["Description"] == (twin["Description"] or "")
