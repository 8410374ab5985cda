"""The floor model's arithmetic (benchmarks/floor.py): REST pages, or Bulk API 2.0 where cheaper;
HubSpot full pulls listed or searched; the wall-time floor of both HubSpot limits (benchmarks/pace.py)."""

from __future__ import annotations

from benchmarks.calls import kind_of
from benchmarks.floor import (
    BULK_DESCRIBE,
    IDENTITY,
    LIMITS,
    PLAN_COUNTS,
    SEARCHED_ASSOCIATIONS,
    Floor,
    Writes,
    bulk_calls,
    full_floor,
    incremental_floor,
)
from benchmarks.pace import pace


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


def test_a_hubspot_full_floor_counts_each_object_the_way_the_run_took() -> None:
    records = {"contacts": 100_000, "emails": 345_001, "tasks": 223_000}
    associations = {"contacts": 0, "emails": 2, "tasks": 2}
    listed = full_floor("hubspot", records, (10, 2), Writes(), associations=associations)
    assert listed.reads[PLAN_COUNTS] == 3  # every object counted before the plan
    assert (listed.reads["emails"], listed.reads[SEARCHED_ASSOCIATIONS]) == (3_451, 0)
    split = full_floor(
        "hubspot",
        records,
        (10, 2),
        Writes(),
        searched=frozenset({"contacts", "emails"}),
        associations=associations,
    )
    # search pages of 200 and the search for the highest id; emails' associations 2 x 346 batch reads
    assert (split.reads["contacts"], split.reads["emails"], split.reads["tasks"]) == (501, 1_727, 2_230)
    assert split.reads[SEARCHED_ASSOCIATIONS] == 2 * 346
    assert split.read_calls < listed.read_calls


def test_the_hubspot_wall_floor_is_the_busier_of_both_limits() -> None:
    log = [
        {
            "at": str(i / 8),
            "route": "GET /crm/v3/objects/{objectType}",
            "target": "/crm/v3/objects/tasks",
            "status": "200",
        }
        for i in range(220)
    ]
    log += [
        {
            "at": str(i / 10),
            "route": "POST /crm/v3/objects/{objectType}/search",
            "target": "/crm/v3/objects/emails/search",
            "status": "200",
        }
        for i in range(120)
    ]
    p = pace("hubspot", log, 340, 25.0, Floor(), 4)
    assert (p.requests, p.searches) == (340, 120)
    assert p.floor_seconds == max(220 / 11, 120 / 4)  # 30 s: searches are the busier limit here
    assert p.busiest_window == 80  # 8 a second: the ten-second limit counts no search


def test_bulk_query_jobs_and_describes_count_as_reads_not_writes() -> None:
    assert kind_of("POST /services/data/{version}/jobs/query{slash}") == "read"
    assert kind_of("POST /services/data/{version}/composite/batch{slash}") == "read"
    assert kind_of("PATCH /services/data/{version}/composite/sobjects{slash}") == "write"
    assert kind_of("PATCH /services/data/{version}/composite/sobjects/{sobject}/{field}{slash}") == "write"
    assert kind_of("POST /crm/v3/objects/{objectType}/batch/create") == "write"
