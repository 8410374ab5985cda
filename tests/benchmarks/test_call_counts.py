"""API calls of real syncs at 1,000 contacts, against the floor the APIs allow (benchmarks/floor.py).

Each CRM's org is synced end to end, as ``python -m benchmarks`` does it but without latency or
rate limits: a full sync, the first incremental (it reads back what the full sync wrote), an
unchanged incremental, on HubSpot one with the deletion sweep due, and one after 1% of the org was
changed through the CRM API. Call counts are deterministic, so a regression fails here; timing and
memory stay in the benchmark.
"""

from __future__ import annotations

import pytest

from benchmarks.floor import HISTORY, LIMITS, history_calls
from benchmarks.scenario import OWNERS, Scenario, run_scenario
from sponsorsync.connectors.base import CrmName

SIZE = 1000


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    crm: CrmName = request.param
    return run_scenario(crm, SIZE, tmp_path_factory.mktemp(crm), throttle=False, log=lambda _: None)


def test_the_floor_counts_what_a_full_sync_reads(scenario: Scenario) -> None:
    pulled = {key.split(":", 1)[1]: n for key, n in scenario.runs["full"].child.result["pulled"].items()}
    expected = dict(scenario.counts)
    if OWNERS in expected:  # a full sync lists the archived owners too
        expected[OWNERS] += scenario.archived[OWNERS]
    assert pulled == expected


def test_a_full_sync_is_within_5_percent_of_the_floor(scenario: Scenario) -> None:
    full = scenario.runs["full"]
    assert full.calls.failed == 0, full.calls.by_status
    assert full.calls.total <= 1.05 * full.floor.total, (full.calls.by_route, full.floor)
    assert full.calls.writes == full.floor.write_calls > 0


def test_writes_go_in_the_largest_batches(scenario: Scenario) -> None:
    for run in scenario.runs.values():
        assert run.calls.writes <= run.floor.write_calls, (run.name, run.calls.by_route, run.floor.writes)


def test_an_unchanged_org_costs_one_call_per_object_and_no_write(scenario: Scenario) -> None:
    unchanged = scenario.runs["unchanged"]
    per_object = dict.fromkeys(unchanged.floor.reads, 1)
    # one call per pulled object, the owners list and the org identity
    assert unchanged.floor.reads == per_object
    assert unchanged.calls.writes == 0
    assert unchanged.calls.total == unchanged.floor.total, unchanged.calls.by_route


def test_incremental_syncs_read_only_what_changed(scenario: Scenario) -> None:
    for name in ("echo", "changed"):
        run = scenario.runs[name]
        assert run.calls.failed == 0, run.calls.by_status
        assert run.calls.total <= run.needed_total, (name, run.calls.by_route, run.floor, run.needed)
    changed = scenario.runs["changed"].changed
    assert all(n > 0 for n in changed.values()), changed  # 1% of each changed object did change


# HubSpot only: Salesforce reads lookups inline and gets deletions with every queryAll.
@pytest.mark.parametrize("scenario", ["hubspot"], indirect=True)
def test_the_association_reads_of_changed_records_are_batched(scenario: Scenario) -> None:
    assert LIMITS[scenario.crm].association_batch is not None
    for name in ("echo", "changed"):
        run = scenario.runs[name]
        assert run.made["association_reads"] == run.needed["association_reads"], name


@pytest.mark.parametrize("scenario", ["hubspot"], indirect=True)
def test_the_deletion_sweep_lists_each_object_once(scenario: Scenario) -> None:
    sweep = scenario.runs["sweep"]
    assert sweep.made["deletion_sweep"] == sweep.needed["deletion_sweep"] > 0
    assert scenario.runs["unchanged"].made["deletion_sweep"] == 0


def test_who_else_was_on_an_activity_costs_two_queries_on_salesforce_and_none_on_hubspot(
    scenario: Scenario,
) -> None:
    unchanged = scenario.runs["unchanged"]
    by_route = unchanged.calls.by_route
    if scenario.crm == "salesforce":
        assert unchanged.floor.reads["EventRelation"] == unchanged.floor.reads["TaskRelation"] == 1
        assert scenario.counts["EventRelation"] > 0  # the generated org has invitees and extra contacts
    else:
        assert not [name for name in unchanged.floor.reads if "Relation" in name]
        assert not [route for route in by_route if "attendee" in route.lower()]
    assert unchanged.calls.total == unchanged.floor.total, by_route


def test_the_first_run_reads_sponsor_history_once_and_later_runs_never(scenario: Scenario) -> None:
    """The first run asks when the sponsors in place were appointed (so only recent ones are briefed
    as new): one query on Salesforce, one batch read per 100 alliances on HubSpot; a run that knows
    every alliance asks nothing."""
    full, unchanged = scenario.runs["full"], scenario.runs["unchanged"]
    asked = int(full.child.result["history_asked"])
    assert asked > 0
    assert full.floor.reads[HISTORY] == history_calls(scenario.crm, asked)
    assert int(unchanged.child.result["history_asked"]) == 0
    assert HISTORY not in unchanged.floor.reads
