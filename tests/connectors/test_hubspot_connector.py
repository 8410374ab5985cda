"""The HubSpot connector on the unmodified hubspot-api-client, over HTTPS against the sandbox:
list and search pulls past the 10,000 cap, deletions, batched idempotent writes, faults, pacing."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from sponsorsync.connectors.base import Cursor, ObjectSpec, WriteItem
from sponsorsync.connectors.errors import AuthFailed, CrmRequestError, CrmUnreachable, QuotaExhausted
from sponsorsync.connectors.factory import connect
from sponsorsync.connectors.timestamps import parse_instant
from sponsorsync.sandbox.hubspot import HubSpotEmulator
from sponsorsync.sandbox.orggen import generate
from tests.support.sandbox import Sandbox, connector, drain, running_sandbox

LIST = "GET /crm/v3/objects/{objectType}"
SEARCH = "POST /crm/v3/objects/{objectType}/search"
CREATE = "POST /crm/v3/objects/{objectType}/batch/create"
READ = "POST /crm/v3/objects/{objectType}/batch/read"
UPDATE = "POST /crm/v3/objects/{objectType}/batch/update"
ASSOC_READ = "POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"
CONTACTS = ObjectSpec(
    "contacts",
    ("hs_object_id", "firstname", "lastname", "jobtitle", "associatedcompanyid"),
    "lastmodifieddate",
)
TASKS = ObjectSpec("tasks", ("hs_object_id", "hs_task_subject", "hs_task_status", "sponsor_sync_key"), "hs_lastmodifieddate",
                   ("contacts", "companies"))  # fmt: skip
OWNERS = ObjectSpec("owners", ("id", "email", "firstName", "lastName", "archived"), "updatedAt")
SAME_INSTANT = 10_250  # more contacts than one search can page through, all with one timestamp


def portal() -> dict[str, Any]:
    return {
        "owners": [
            {"@id": "ava", "email": "ava.chen@northwind.example", "firstName": "Ava", "lastName": "Chen"},
            {"@id": "liam", "email": "liam.oconnor@northwind.example", "firstName": "Liam", "lastName": "O'Connor", "archived": True},
        ],
        "companies": [{"@id": "acme", "updatedAt": "@now-3d", "properties": {"name": "Acme", "type": "PARTNER"}}],
        "contacts": [{"@repeat": SAME_INSTANT, "updatedAt": "@now-2d",
                      "properties": {"firstname": "Person", "lastname": "{n}", "jobtitle": "Engineer"}}],
        "tasks": [{"@id": "t1", "updatedAt": "@now-1d", "properties": {"hs_task_subject": "Call", "hs_task_status": "COMPLETED"},
                   "associations": {"companies": ["@acme"]}}],
    }  # fmt: skip


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox("hubspot", tmp_path_factory.mktemp("hs"), data=portal()) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def fresh(box: Sandbox) -> None:
    box.admin.reset()
    box.admin.reset_stats()


def test_a_full_pull_lists_100_a_page_with_associations_inline(box: Sandbox) -> None:
    records, cursor = drain(connector(box).pull(TASKS, None, sweep_deletions=False))
    assert [r.associations["companies"] for r in records] == [(records[0].associations["companies"][0],)]
    assert cursor is not None
    box.admin.reset_stats()
    contacts, _ = drain(connector(box).pull(CONTACTS, None, sweep_deletions=False))
    assert len({r.id for r in contacts}) == SAME_INSTANT
    assert box.calls() == {LIST: -(-SAME_INSTANT // 100)}


def test_an_unchanged_object_costs_one_search(box: Sandbox) -> None:
    _, cursor = drain(connector(box).pull(TASKS, None, sweep_deletions=False))
    box.admin.reset_stats()
    records, again = drain(connector(box).pull(TASKS, cursor, sweep_deletions=False))
    assert records == []
    assert again is not None
    assert cursor is not None
    assert again.last_value >= cursor.last_value  # never backwards; up to the CRM's clock
    assert box.calls() == {SEARCH: 1}


def test_more_than_10000_records_sharing_one_timestamp_arrive_once_each(box: Sandbox) -> None:
    """Search stops at 10,000 results; the pull walks the crowded timestamp by hs_object_id."""
    old = Cursor("lastmodifieddate", "2000-01-01T00:00:00.000Z")
    records, cursor = drain(connector(box).pull(CONTACTS, old, sweep_deletions=False))
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids)) == SAME_INSTANT
    # The first window (10,000) cannot get past the crowded timestamp: it is walked again by id,
    # skipping what was seen, then the search moves past it.
    searches = box.calls()[SEARCH]
    floor = -(-SAME_INSTANT // 200)
    assert floor < searches <= 2 * floor + 2
    assert cursor is not None
    assert cursor.ids_at_last == frozenset()  # complete: moved up to the CRM's clock
    box.admin.reset_stats()
    again, _ = drain(connector(box).pull(CONTACTS, cursor, sweep_deletions=False))
    assert again == []
    assert box.calls() == {SEARCH: 1}


def test_an_incremental_pull_says_its_size_on_its_first_page(box: Sandbox) -> None:
    """For progress: the first search's total, on the first page only (the crowded timestamp is
    walked by id afterwards, and those searches do not say it again)."""
    old = Cursor("lastmodifieddate", "2000-01-01T00:00:00.000Z")
    pages = list(connector(box).pull(CONTACTS, old, sweep_deletions=False))
    assert pages[0].expected == sum(len(page.records) for page in pages) == SAME_INSTANT
    assert [page.expected for page in pages[1:]] == [None] * (len(pages) - 1)
    tasks = list(connector(box).pull(TASKS, old, sweep_deletions=False))  # associations read per batch
    assert [page.expected for page in tasks] == [1, None]


def test_incremental_pulls_read_associations_in_batches(box: Sandbox) -> None:
    old = Cursor("hs_lastmodifieddate", "2000-01-01T00:00:00.000Z")
    records, _ = drain(connector(box).pull(TASKS, old, sweep_deletions=False))
    assert len(records) == 1
    assert records[0].associations["companies"]
    assert box.calls() == {SEARCH: 1, ASSOC_READ: 2}  # one per associated type, for the whole page


def test_deletions_arrive_with_the_archive_sweep(box: Sandbox) -> None:
    _, cursor = drain(connector(box).pull(TASKS, None, sweep_deletions=False))
    task_id = next(iter(drain(connector(box).pull(TASKS, None, sweep_deletions=False))[0])).id
    token = box.server.env()["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"]
    gone = box.admin.session.delete(
        f"{box.server.base_url}/crm/v3/objects/tasks/{task_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert gone.status_code == 204
    quiet, _ = drain(connector(box).pull(TASKS, cursor, sweep_deletions=False))
    assert quiet == []  # search never shows archived records
    swept, _ = drain(connector(box).pull(TASKS, cursor, sweep_deletions=True))
    assert [(r.id, r.deleted) for r in swept] == [(task_id, True)]


def test_owners_are_a_snapshot_and_the_first_pull_includes_deactivated_ones(box: Sandbox) -> None:
    (page,) = list(connector(box).pull(OWNERS, None))
    assert page.snapshot
    assert {(r.fields["email"], r.fields["archived"]) for r in page.records} == {
        ("ava.chen@northwind.example", False),
        ("liam.oconnor@northwind.example", True),
    }
    (later,) = list(connector(box).pull(OWNERS, page.cursor, sweep_deletions=False))
    assert [r.fields["email"] for r in later.records] == ["ava.chen@northwind.example"]


def task_items(count: int, company: str | None = None) -> list[WriteItem]:
    links = (("companies", company, 192),) if company else ()
    return [WriteItem(f"ss1:test:t{i}", {"hs_task_subject": f"Task {i}", "hs_task_status": "NOT_STARTED"}, links)
            for i in range(count)]  # fmt: skip


def created_tasks(box: Sandbox) -> list[Any]:
    records, _ = drain(connector(box).pull(TASKS, None, sweep_deletions=False))
    return [r for r in records if str(r.fields.get("sponsor_sync_key") or "").startswith("ss1:test:")]


def test_writes_go_100_at_a_time_with_associations_and_never_duplicate(box: Sandbox) -> None:
    company = drain(
        connector(box).pull(
            ObjectSpec("companies", ("name",), "hs_lastmodifieddate"), None, sweep_deletions=False
        )
    )[0][0].id
    box.admin.reset_stats()
    client = connector(box)
    results = [
        r for batch in client.upsert("tasks", "sponsor_sync_key", task_items(250, company)) for r in batch
    ]
    assert len(results) == 250
    assert all(r.ok and r.created for r in results)
    assert box.calls() == {CREATE: 3}
    box.admin.reset_stats()
    again = [
        r for batch in client.upsert("tasks", "sponsor_sync_key", task_items(250, company)) for r in batch
    ]
    assert all(r.ok for r in again)
    assert {r.id for r in again} == {r.id for r in results}
    # Each repeated batch: the create is refused (409), the keys are read, the tasks updated.
    assert box.calls() == {CREATE: 3, READ: 3, UPDATE: 3}
    tasks = created_tasks(box)
    assert len(tasks) == 250
    assert all(t.associations["companies"] == (company,) for t in tasks)


def test_per_record_failures_come_back_and_the_rest_lands(box: Sandbox) -> None:
    box.admin.add_faults({"path": "/crm/v3/objects/tasks/batch/create", "action": "record_failure", "records": [2],
                          "error_code": "VALIDATION_ERROR", "message": "Property values were not valid", "count": 1})  # fmt: skip
    results = [
        r for batch in connector(box).upsert("tasks", "sponsor_sync_key", task_items(5)) for r in batch
    ]
    failed = [r for r in results if not r.ok]
    assert [(r.key, r.error_code) for r in failed] == [("ss1:test:t2", "VALIDATION_ERROR")]
    assert len(created_tasks(box)) == 4


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "error_code": "TEN_SECONDLY_ROLLING", "count": 2},
        {"status": 429, "error_code": "SECONDLY", "count": 1},
        {"status": 502, "count": 1},
        {"status": 503, "count": 2},
        {"status": 504, "count": 1},
        {"status": 500, "count": 1},
        {"status": 423, "count": 1},
        {"action": "drop", "count": 1},
        {"action": "delay", "delay_ms": 1500, "count": 1},
    ],
    ids=[
        "429-ten-secondly",
        "429-secondly",
        "502",
        "503",
        "504",
        "500",
        "423-locked",
        "dropped-connection",
        "read-timeout",
    ],
)
def test_transient_faults_are_retried(box: Sandbox, fault: dict[str, Any]) -> None:
    box.admin.add_faults({"method": "GET", "path": "/crm/v3/objects/contacts", "after": 1, **fault})
    pages = connector(box, LIMITS__TIMEOUT_SECONDS="0.5").pull(CONTACTS, None, sweep_deletions=False)
    first_three = list(itertools.islice(pages, 3))  # the fault hits the second page
    assert [len(page.records) for page in first_three] == [100, 100, 100]


def test_the_daily_limit_stops_the_run_cleanly(box: Sandbox) -> None:
    box.admin.configure(rate_limit={"ten_second_max": 1000, "daily_max": 3, "search_per_second": 10})
    with pytest.raises(QuotaExhausted):
        drain(connector(box).pull(CONTACTS, None, sweep_deletions=False))
    assert box.admin.stats()["by_status"].get("429", 0) <= 1


def test_requests_are_paced_to_the_advertised_limit_without_a_429(box: Sandbox) -> None:
    box.admin.configure(rate_limit={"ten_second_max": 10, "daily_max": 100000, "search_per_second": 4})
    started = time.monotonic()
    pages = list(itertools.islice(connector(box).pull(CONTACTS, None, sweep_deletions=False), 12))
    elapsed = time.monotonic() - started
    assert len(pages) == 12
    assert "429" not in box.admin.stats()["by_status"]
    assert elapsed >= 10  # 12 calls at 9 per ten seconds (the limit, less a margin) cannot take less


def test_searches_are_paced_apart_from_the_ten_second_limit(box: Sandbox) -> None:
    """HubSpot meters search on its own limit: 9 list pages (the ten-second limit of 10, less the
    margin) and 8 searches at once take about two seconds, not a second ten-second window."""
    box.admin.configure(rate_limit={"ten_second_max": 10, "daily_max": 100000, "search_per_second": 4})
    client = connector(box, LIMITS__HUBSPOT_SEARCH_PER_SECOND="4")  # search answers advertise no limit
    since = Cursor("lastmodifieddate", "2000-01-01T00:00:00Z", frozenset())
    searched: list[int] = []
    worker = threading.Thread(
        target=lambda: searched.extend(
            len(p.records) for p in itertools.islice(client.pull(CONTACTS, since, sweep_deletions=False), 8)
        )
    )
    started = time.monotonic()
    worker.start()
    listed = list(itertools.islice(client.pull(CONTACTS, None, sweep_deletions=False), 9))
    worker.join()
    elapsed = time.monotonic() - started
    assert [len(page.records) for page in listed] == [100] * 9
    assert len(searched) == 8
    assert box.calls() == {LIST: 9, SEARCH: 8}
    assert "429" not in box.admin.stats()["by_status"]
    assert elapsed < 7  # a search holding a ten-second slot would wait for the window to pass


def test_a_new_connector_for_the_same_token_respects_the_searches_the_last_one_just_made(
    box: Sandbox,
) -> None:
    """HubSpot's limits are per token: two syncs run back to back in one process (the demo, a
    library caller) share them, so the second waits for the first one's searches to age out of the
    window instead of being refused."""
    box.admin.configure(rate_limit={"ten_second_max": 100, "daily_max": 100000, "search_per_second": 4})
    since = Cursor("lastmodifieddate", "2000-01-01T00:00:00Z", frozenset())
    for _ in range(2):
        client = connector(box, LIMITS__HUBSPOT_SEARCH_PER_SECOND="4")
        pages = list(itertools.islice(client.pull(CONTACTS, since, sweep_deletions=False), 4))
        assert len(pages) == 4
    assert box.calls() == {SEARCH: 8}
    assert "429" not in box.admin.stats()["by_status"]


def test_a_rejected_token_is_an_auth_failure(box: Sandbox) -> None:
    with pytest.raises(AuthFailed, match="401") as err:
        drain(connector(box, HUBSPOT__ACCESS_TOKEN="pat-na1-wrong").pull(CONTACTS, None))
    assert err.value.exit_code == 4


def test_an_untrusted_certificate_is_refused(box: Sandbox) -> None:
    settings = box.settings().model_copy(update={"ca_bundle": None})
    with pytest.raises(CrmUnreachable, match="TLS certificate"):
        drain(connect(settings).pull(CONTACTS, None))


def delete_task(box: Sandbox, task_id: str) -> None:
    token = box.server.env()["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"]
    gone = box.admin.session.delete(
        f"{box.server.base_url}/crm/v3/objects/tasks/{task_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert gone.status_code == 204


def test_an_update_batch_with_a_deleted_task_updates_the_rest(box: Sandbox) -> None:
    """HubSpot refuses a whole update batch for one deleted record (404); the connector sets the
    deleted one apart (OBJECT_NOT_FOUND, so the engine can record it deleted) and sends the rest."""
    client = connector(box)
    ids = [str(r.id) for batch in client.upsert("tasks", "sponsor_sync_key", task_items(5)) for r in batch]
    delete_task(box, ids[3])
    box.admin.reset_stats()
    changes = [WriteItem(task_id, {"hs_task_status": "COMPLETED"}) for task_id in ids]
    results = {r.key: r for batch in client.update("tasks", changes) for r in batch}
    assert [(r.ok, r.error_code) for r in (results[i] for i in ids)] == [(True, None)] * 3 + [
        (False, "OBJECT_NOT_FOUND"),
        (True, None),
    ]
    assert "404" in str(results[ids[3]].message)
    assert box.calls() == {UPDATE: 2}  # the refusal names the missing id: no bisection needed
    done = {t.id for t in created_tasks(box) if t.fields["hs_task_status"] == "COMPLETED"}
    assert done == set(ids) - {ids[3]}


def test_an_update_batch_with_an_unknown_owner_updates_the_rest(box: Sandbox) -> None:
    """A value error does not say which input is wrong: the batch is halved until it is found."""
    client = connector(box)
    ids = [str(r.id) for batch in client.upsert("tasks", "sponsor_sync_key", task_items(100)) for r in batch]
    box.admin.reset_stats()
    changes = [WriteItem(task_id, {"hs_task_subject": "Renamed"}) for task_id in ids]
    changes[61] = WriteItem(ids[61], {"hs_task_subject": "Renamed", "hubspot_owner_id": "999999"})
    results = {r.key: r for batch in client.update("tasks", changes) for r in batch}
    assert len(results) == 100
    assert [k for k, r in results.items() if not r.ok] == [ids[61]]
    assert results[ids[61]].error_code == "VALIDATION_ERROR"
    assert box.calls()[UPDATE] <= 1 + 2 * 7  # bisection: two calls a level, log2(100) levels
    renamed = {t.id for t in created_tasks(box) if t.fields["hs_task_subject"] == "Renamed"}
    assert renamed == set(ids) - {ids[61]}


def test_a_conflict_the_read_back_cannot_explain_is_rejected_not_looped(box: Sandbox) -> None:
    """An archived task keeps its sync key: the create answers 409, the read by key finds nothing.
    The write is rejected with HubSpot's message instead of creating and reading forever."""
    client = connector(box)
    (first,) = [r for batch in client.upsert("tasks", "sponsor_sync_key", task_items(1)) for r in batch]
    assert first.id is not None
    delete_task(box, first.id)
    box.admin.reset_stats()
    results = [r for batch in client.upsert("tasks", "sponsor_sync_key", task_items(3)) for r in batch]
    by_key = {r.key: r for r in results}
    assert (by_key["ss1:test:t0"].ok, by_key["ss1:test:t0"].error_code) == (False, "CONFLICT")
    assert "409" in str(by_key["ss1:test:t0"].message)
    assert by_key["ss1:test:t1"].ok
    assert by_key["ss1:test:t2"].ok
    calls = box.calls()
    assert calls[READ] == 1, calls
    assert calls[CREATE] <= 5, calls


def test_associations_past_500_of_one_record_are_all_read(box: Sandbox) -> None:
    """v4 batch association reads give at most 500 of one record's associations and page per
    result row; the connector follows each row's paging."""
    token = box.server.env()["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"]
    auth = {"Authorization": f"Bearer {token}"}
    base = box.server.base_url
    contacts: list[str] = []
    after = ""
    while len(contacts) < 650:
        page = box.admin.session.get(f"{base}/crm/v3/objects/contacts?limit=100{after}", headers=auth).json()
        contacts += [c["id"] for c in page["results"]]
        after = f"&after={page['paging']['next']['after']}"
    task = drain(connector(box).pull(TASKS, None, sweep_deletions=False))[0][0].id
    links = [{"from": {"id": task}, "to": {"id": c}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
              "associationTypeId": 204}]} for c in contacts[:650]]  # fmt: skip
    made = box.admin.session.post(
        f"{base}/crm/v4/associations/tasks/contacts/batch/create", json={"inputs": links}, headers=auth
    )
    assert made.status_code == 201
    box.admin.reset_stats()
    old = Cursor("hs_lastmodifieddate", "2000-01-01T00:00:00.000Z")
    (record,), _ = drain(connector(box).pull(TASKS, old, sweep_deletions=False))
    assert sorted(record.associations["contacts"]) == sorted(contacts[:650])
    assert box.calls() == {SEARCH: 1, ASSOC_READ: 3}  # contacts: 500 then the row's next page; companies


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A generated org of 1,000 contacts modified at many different times."""
    with running_sandbox("hubspot", tmp_path_factory.mktemp("hs-gen"), size=1000) as sandbox:
        yield sandbox


def test_records_edited_while_a_search_pull_pages_are_all_received(generated: Sandbox) -> None:
    """After each page a person edits a record already received: with offset paging the next
    page started one record late (the edited one moved to the end), so one record was skipped
    per edit. Re-anchored pages receive every record."""
    box = generated
    box.admin.reset()
    box.admin.configure(index_lag_ms=0)  # the edits are searchable at once, as the shift needs
    token = box.server.env()["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"]
    old = Cursor("lastmodifieddate", "2000-01-01T00:00:00.000Z")
    expected = {r.id for r in drain(connector(box).pull(CONTACTS, old, sweep_deletions=False))[0]}
    received: list[str] = []
    for page in connector(box).pull(CONTACTS, old, sweep_deletions=False):
        received += [r.id for r in page.records]
        if page.records:
            edited = box.admin.session.patch(
                f"{box.server.base_url}/crm/v3/objects/contacts/{page.records[0].id}",
                json={"properties": {"jobtitle": f"Edited {len(received)}"}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert edited.status_code == 200
    assert len(expected) > 800
    assert set(received) == expected


def test_an_update_refused_for_a_property_the_portal_lacks_stops_without_splitting(box: Sandbox) -> None:
    """A refusal that holds for every record (the mapping names a missing property) is a mapping
    error: one call, exit 2 with a hint, not a hundred records rejected one by one."""
    client = connector(box)
    ids = [str(r.id) for batch in client.upsert("tasks", "sponsor_sync_key", task_items(8)) for r in batch]
    box.admin.reset_stats()
    changes = [WriteItem(task_id, {"no_such_property": "x"}) for task_id in ids]
    with pytest.raises(CrmRequestError) as refused:
        [r for batch in client.update("tasks", changes) for r in batch]
    assert refused.value.exit_code == 2
    assert "mappings validate --live" in str(refused.value)
    assert box.calls() == {UPDATE: 1}


# -- field history (propertiesWithHistory) ------------------------------------------------------
def emulator_of(box: Sandbox) -> HubSpotEmulator:
    emulator = box.server.emulator
    assert isinstance(emulator, HubSpotEmulator)
    return emulator


def test_field_history_dates_the_sponsors_the_crm_shows_as_appointed_recently(generated: Sandbox) -> None:
    """The generated org names a few sponsors as appointed days ago (orggen ``sponsor_since``):
    those come back with that date; the long-standing ones, set when the company was made, do not."""
    generated.admin.reset()
    seed = emulator_of(generated).seed
    org = generate(1000, 0, now=seed.now)
    first = seed.tables["companies"].first_id
    ids = [str(first + index) for index in range(len(org.accounts))]
    recent = {
        str(first + index): account.sponsor_since
        for index, account in enumerate(org.accounts)
        if account.sponsor is not None and account.sponsor_since is not None
    }
    assert recent, "the generated org has sponsors appointed recently"
    generated.admin.reset_stats()
    found = connector(generated).field_history(
        "companies", "executive_sponsor", ids, seed.now - timedelta(days=30)
    )
    assert found == recent
    assert generated.calls() == {READ: 1}  # 50 companies: one batch read
    everything = connector(generated).field_history(
        "companies", "executive_sponsor", ids, seed.now - timedelta(days=10_000)
    )
    sponsored = {str(first + i) for i, a in enumerate(org.accounts) if a.sponsor is not None}
    assert set(everything) == sponsored  # since long ago: every sponsor, at its appointment


def test_field_history_returns_an_update_made_through_the_api_filtered_by_since_and_ids(box: Sandbox) -> None:
    client = connector(box)
    acme = emulator_of(box).seed.labels["acme"]
    long_ago = datetime.fromisoformat("2000-01-01T00:00:00+00:00")
    assert client.field_history("companies", "executive_sponsor", [acme], long_ago) == {}  # never set
    ava = emulator_of(box).seed.labels["ava"]
    [results] = list(client.update("companies", [WriteItem(acme, {"executive_sponsor": ava})]))
    assert results[0].ok
    written = parse_instant(box.admin.now())
    found = client.field_history("companies", "executive_sponsor", [acme], written - timedelta(hours=1))
    assert list(found) == [acme]
    assert abs(found[acme] - written) < timedelta(seconds=5)
    after = found[acme] + timedelta(milliseconds=1)
    assert client.field_history("companies", "executive_sponsor", [acme], after) == {}
    assert client.field_history("companies", "executive_sponsor", [acme], found[acme]) == found  # on or after
    box.admin.reset_stats()
    assert client.field_history("companies", "executive_sponsor", [], long_ago) == {}
    assert box.calls() == {}  # no ids, no call
    # ids filter: of two contacts changed today, only the one asked about comes back
    box.admin.advance_clock(days=1)
    first = emulator_of(box).seed.tables["contacts"].first_id
    one, two = str(first), str(first + 1)
    changes = [WriteItem(one, {"jobtitle": "CTO"}), WriteItem(two, {"jobtitle": "CFO"})]
    assert all(r.ok for batch in client.update("contacts", changes) for r in batch)
    today = parse_instant(box.admin.now()) - timedelta(hours=1)
    assert list(client.field_history("contacts", "jobtitle", [two], today)) == [two]
    assert set(client.field_history("contacts", "jobtitle", [one, two, str(first + 2)], today)) == {one, two}


def test_field_history_reads_100_ids_a_call(box: Sandbox) -> None:
    first = emulator_of(box).seed.tables["contacts"].first_id
    ids = [str(first + n) for n in range(150)]
    box.admin.reset_stats()
    found = connector(box).field_history(
        "contacts", "jobtitle", ids, datetime.fromisoformat("2000-01-01T00:00Z")
    )
    assert set(found) == set(ids)
    assert box.calls() == {READ: 2}


@pytest.mark.parametrize("status", [400, 403], ids=["refused", "missing-scope"])
def test_a_portal_that_refuses_history_gives_no_dates_and_one_warning(
    box: Sandbox, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    first = emulator_of(box).seed.tables["contacts"].first_id
    ids = [str(first + n) for n in range(250)]
    box.admin.add_faults({"path": "/crm/v3/objects/contacts/batch/read", "action": "error", "status": status})
    client = connector(box)
    with caplog.at_level(logging.WARNING, logger="sponsorsync.connectors.hubspot"):
        found = client.field_history("contacts", "jobtitle", ids, datetime.fromisoformat("2000-01-01T00:00Z"))
    assert found == {}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "history of contacts jobtitle" in warnings[0].getMessage()
    assert box.calls() == {READ: 1}  # not asked again for the other batches
