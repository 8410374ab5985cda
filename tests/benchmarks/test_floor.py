"""The floor model's arithmetic (benchmarks/floor.py): REST pages, or Bulk API 2.0 where cheaper."""

from __future__ import annotations

from benchmarks.calls import kind_of
from benchmarks.floor import (
    BULK_DESCRIBE,
    IDENTITY,
    LIMITS,
    Writes,
    bulk_calls,
    full_floor,
    incremental_floor,
)


def test_small_objects_stay_on_rest_pages() -> None:
    floor = full_floor("salesforce", {"User": 69, "Contact": 1_000, "Task": 9_240}, (0, 0), Writes())
    assert floor.reads == {IDENTITY: 1, "User": 1, "Contact": 1, "Task": 5}


def test_large_objects_are_counted_as_one_bulk_job_and_one_describe_for_the_run() -> None:
    bulk_set = LIMITS["salesforce"].bulk_set
    assert bulk_set is not None
    records = {"User": 69, "Account": 5_000, "Contact": 100_000, "Task": 918_000}
    floor = full_floor("salesforce", records, (0, 0), Writes(created=300))
    # first REST page + job creation + one look + result sets of bulk_set records
    assert floor.reads["Task"] == bulk_calls(918_000, 2_000, bulk_set) == 3 + -(-916_000 // bulk_set)
    assert floor.reads["Contact"] == 3 + 1
    assert floor.reads["Account"] == 3  # three REST pages cost less than a job
    assert floor.reads[BULK_DESCRIBE] == 1
    assert floor.writes == {"created": 2, "updated": 0, "accounts": 0}


def test_hubspot_has_no_bulk_floor() -> None:
    floor = incremental_floor("hubspot", {"contacts": 100_000}, 10, Writes())
    assert floor.reads["contacts"] == 500
    assert BULK_DESCRIBE not in floor.reads


def test_bulk_query_jobs_and_describes_count_as_reads_not_writes() -> None:
    assert kind_of("POST /services/data/{version}/jobs/query{slash}") == "read"
    assert kind_of("POST /services/data/{version}/composite/batch{slash}") == "read"
    assert kind_of("PATCH /services/data/{version}/composite/sobjects{slash}") == "write"
    assert kind_of("PATCH /services/data/{version}/composite/sobjects/{sobject}/{field}{slash}") == "write"
    assert kind_of("POST /crm/v3/objects/{objectType}/batch/create") == "write"
