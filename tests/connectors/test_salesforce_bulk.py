"""Large Salesforce pulls through Bulk API 2.0, over HTTPS against the sandbox with the unmodified
SDK: the same records and cursors as the REST path, deletions seen, incremental pulls after a bulk
full pull, the choice logged, failed jobs replaced by REST, result sets read by locator; and the
pure CSV typing."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce

from sponsorsync.connectors import salesforce_bulk
from sponsorsync.connectors.base import Cursor, ObjectSpec, Page, Record, RecordTable
from sponsorsync.connectors.salesforce_bulk import cell_converter, cells_of, eligible, typed
from sponsorsync.connectors.timestamps import parse_instant
from tests.support.sandbox import Sandbox, connector, drain, running_sandbox

CONTACTS = 3_000
CONTACT = ObjectSpec(
    "Contact",
    ("Id", "FirstName", "LastName", "Title", "Email", "AccountId", "CreatedDate", "SystemModstamp"),
    "SystemModstamp",
)
DEALS = 2_600
OPPORTUNITY = ObjectSpec(
    "Opportunity",
    ("Id", "Name", "StageName", "Amount", "CloseDate", "IsClosed", "IsWon", "SystemModstamp"),
    "SystemModstamp",
)
CREATE_JOB = "POST /services/data/{version}/jobs/query{slash}"
RESULTS = "GET /services/data/{version}/jobs/query/{job}/results{slash}"
QUERY_ALL = "GET /services/data/{version}/queryAll{slash}"
QUERY_MORE = "GET /services/data/{version}/queryAll/{locator}"
BULK = {"SALESFORCE__BULK_THRESHOLD": "100"}
REST = {"SALESFORCE__BULK_THRESHOLD": "0"}


def org() -> dict[str, Any]:
    return {
        "User": [{"@id": "u", "FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@northwind.example",
                  "Username": "ada@northwind.example", "Title": "CEO"}],
        "Account": [{"@id": "acme", "Name": "Acme, \"Intl\"\nEMEA", "Type": "Partner", "OwnerId": "@u"}],
        "Contact": [{"LastName": f"Person {i}", "FirstName": None if i % 7 == 0 else f"Al, \"{i}\"",
                     "Title": "VP\nAlliances" if i % 5 == 0 else None, "AccountId": "@acme", "OwnerId": "@u",
                     "Email": f"p{i}@acme.example" if i % 2 else None,
                     "LastModifiedDate": f"@now-{i % 40}d"} for i in range(CONTACTS)],
        "Opportunity": [{"Name": f"Deal {i}", "AccountId": "@acme", "OwnerId": "@u", "CloseDate": "2026-03-01",
                         "StageName": "Closed Won" if i % 4 == 0 else "Prospecting",
                         "Amount": None if i % 3 == 0 else (1250.5 if i % 3 == 1 else 3000)}
                        for i in range(DEALS)],
    }  # fmt: skip


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox("salesforce", tmp_path_factory.mktemp("sf-bulk"), data=org()) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def fresh(box: Sandbox) -> None:
    box.admin.reset()
    box.admin.configure(bulk_job_seconds=0)
    box.admin.advance_clock(seconds=600)  # every record older than the pulls' start (see same_cursor)
    box.admin.reset_stats()


def sdk(box: Sandbox) -> Any:
    """The unmodified SDK, as a person editing the org (Any: its sObject attributes are dynamic)."""
    env = box.server.env()
    session = requests.Session()
    session.trust_env = False
    session.verify = str(box.server.ca_path)
    return Salesforce(
        instance_url=env["SPONSORSYNC_SALESFORCE__INSTANCE_URL"],
        session_id=env["SPONSORSYNC_SALESFORCE__ACCESS_TOKEN"],
        session=session,
    )


def by_id(found: list[Record]) -> dict[str, tuple[dict[str, Any], bool]]:
    assert len({r.id for r in found}) == len(found)  # nothing handed on twice
    return {r.id: (r.fields, r.deleted) for r in found}


def same_cursor(a: Cursor | None, b: Cursor | None) -> bool:
    """Cursors of two pulls of the same records. A complete pull moves its cursor up to the CRM's
    clock when it began (CursorTracker.finished), so two pulls run a second apart differ only there."""
    assert a is not None
    assert b is not None
    if a.ids_at_last or b.ids_at_last:
        return a == b
    gap = abs((parse_instant(a.last_value) - parse_instant(b.last_value)).total_seconds())
    return a.field == b.field and gap <= 5


def pull(
    box: Sandbox, env: dict[str, str], cursor: Cursor | None = None
) -> tuple[list[Page], list[Record], Cursor | None]:
    pages = list(connector(box, **env).pull(CONTACT, cursor))
    found, last = drain(iter(pages))
    return pages, found, last


def pulls_with_a_broken_result_set(box: Sandbox) -> tuple[list[Record], list[Record]]:
    """The records of a REST pull, then of a Bulk pull whose first result set breaks half-way
    (the sandbox's statistics count the Bulk pull's calls only)."""
    _, rest, _ = pull(box, REST)
    box.admin.add_faults({"path": "*/jobs/query/*/results", "action": "truncate_response", "count": 1})
    box.admin.reset_stats()
    try:
        _, bulk, _ = pull(box, BULK)
    finally:
        box.admin.clear_faults()
    return rest, bulk


def test_a_bulk_pull_gives_the_records_and_cursor_of_the_rest_pull(box: Sandbox) -> None:
    _, rest, rest_cursor = pull(box, REST)
    assert box.calls() == {QUERY_ALL: 1, QUERY_MORE: 1}
    box.admin.reset_stats()
    pages, bulk, bulk_cursor = pull(box, BULK)
    calls = box.calls()
    assert calls[CREATE_JOB] == 1
    assert calls[RESULTS] == 1
    assert calls[QUERY_ALL] == 1  # the first page, whose totalSize chose Bulk API 2.0
    assert QUERY_MORE not in calls
    assert len(rest) == CONTACTS
    assert by_id(bulk) == by_id(rest)  # typed alike: booleans, nulls, dates, +0000 datetimes, quotes
    assert same_cursor(bulk_cursor, rest_cursor)
    assert [len(page.records) for page in pages] == [2_000, 1_000]
    assert [page.complete for page in pages] == [False, True]


def test_fields_only_keyed_records_need_are_read_for_those_records_alone(box: Sandbox) -> None:
    # As for sponsorsync's own tasks (their write-back fields, a Description that can hold a whole
    # e-mail): here the contacts with an e-mail are the keyed ones, and Title is read for them alone.
    keyed = replace(CONTACT, key_field="Email", keyed_fields=("Title",))
    rest = by_id(drain(connector(box, **REST).pull(keyed, None))[0])
    box.admin.reset_stats()
    pages = list(connector(box, **BULK).pull(keyed, None))
    bulk = by_id(drain(iter(pages))[0])
    calls = box.calls()
    assert (calls[CREATE_JOB], calls[QUERY_ALL]) == (1, 2)  # the first page, then the keyed records again
    assert set(bulk) == set(rest)
    own = {record_id for record_id, (fields, _) in rest.items() if fields["Email"]}
    assert len(own) == CONTACTS // 2
    assert {i: bulk[i] for i in own} == {i: rest[i] for i in own}  # every field, Title included
    assert any(bulk[i][0]["Title"] for i in own)
    tabled = {r.id for page in pages if isinstance(page.records, RecordTable) for r in page.records}
    others = tabled - own  # read through Bulk API 2.0 (the first REST page has every field)
    assert len(others) > 500
    assert all("Title" not in bulk[i][0] for i in others)  # never read for the others
    assert all({**bulk[i][0], "Title": rest[i][0]["Title"]} == rest[i][0] for i in others)
    assert pages[-1].complete
    assert not any(page.complete for page in pages[:-1])


def test_numbers_dates_and_flags_are_typed_as_rest_types_them(box: Sandbox) -> None:
    rest, _ = drain(connector(box, **REST).pull(OPPORTUNITY, None))
    bulk, _ = drain(connector(box, **BULK).pull(OPPORTUNITY, None))
    assert box.calls()[CREATE_JOB] == 1
    assert len(rest) == DEALS
    assert by_id(bulk) == by_id(rest)
    amounts = {r.fields["Amount"] for r in bulk}
    assert amounts == {None, 1250.5, 3000}
    assert {r.fields["IsWon"] for r in bulk} == {True, False}


def test_deleted_records_come_back_deleted(box: Sandbox) -> None:
    _, before, _ = pull(box, REST)
    client = sdk(box)
    gone = sorted(r.id for r in before)[:5]
    for record_id in gone:
        client.Contact.delete(record_id)
    _, bulk, _ = pull(box, BULK)
    _, rest, _ = pull(box, REST)
    deleted = {r.id for r in bulk if r.deleted}
    assert deleted == set(gone)
    assert by_id(bulk) == by_id(rest)


def test_an_incremental_pull_after_a_bulk_full_pull_reads_only_what_changed(box: Sandbox) -> None:
    _, _, cursor = pull(box, BULK)
    assert cursor is not None
    box.admin.advance_clock(seconds=600)  # past the look-back
    box.admin.reset_stats()
    _, nothing, again = pull(box, BULK, cursor)
    assert nothing == []
    assert box.total_calls() == 1
    assert again is not None
    client = sdk(box)
    changed = sorted(r.id for r in drain(connector(box, **REST).pull(CONTACT, None))[0])[:3]
    for record_id in changed:
        client.Contact.update(record_id, {"Title": "Chief Partner Officer"})
    _, found, _ = pull(box, BULK, again)
    assert {r.id for r in found} == set(changed)
    assert all(r.fields["Title"] == "Chief Partner Officer" for r in found)


def test_a_large_incremental_pull_goes_through_bulk_and_matches_rest(box: Sandbox) -> None:
    _, _, cursor = pull(box, REST)
    box.admin.advance_clock(seconds=600)
    client = sdk(box)
    ids = sorted(r.id for r in drain(connector(box, **REST).pull(CONTACT, None))[0])[:2_500]
    for start in range(0, len(ids), 200):
        batch = [
            {"attributes": {"type": "Contact"}, "id": i, "Title": "Sponsor"} for i in ids[start : start + 200]
        ]
        client.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": batch})
    box.admin.advance_clock(seconds=10)  # the changes older than the pulls' start (see same_cursor)
    box.admin.reset_stats()
    _, bulk, bulk_cursor = pull(box, BULK, cursor)
    assert box.calls()[CREATE_JOB] == 1
    _, rest, rest_cursor = pull(box, REST, cursor)
    assert {r.id for r in bulk} == set(ids)
    assert by_id(bulk) == by_id(rest)
    assert same_cursor(bulk_cursor, rest_cursor)


def test_the_choice_is_said_in_the_log(box: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="sponsorsync.connectors.salesforce"):
        pull(box, BULK)
        pull(box, {"SALESFORCE__BULK_THRESHOLD": "5000"})
    said = [r.getMessage() for r in caplog.records if r.name == "sponsorsync.connectors.salesforce"]
    assert (
        "Salesforce Contact: 3000 records to read, the 1000 after the first page through Bulk API 2.0 (threshold 100)"
        in said
    )
    assert "Salesforce Contact: 3000 records to read, through REST queryAll pages" in said


def test_a_failed_job_is_replaced_by_rest_pages(box: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    _, rest, rest_cursor = pull(box, REST)
    box.admin.configure(fail_bulk_jobs=1)
    box.admin.reset_stats()
    with caplog.at_level(logging.WARNING, logger="sponsorsync.connectors.salesforce"):
        _, bulk, bulk_cursor = pull(box, BULK)
    assert box.calls()[CREATE_JOB] == 1
    assert RESULTS not in box.calls()
    assert by_id(bulk) == by_id(rest)
    assert same_cursor(bulk_cursor, rest_cursor)
    assert any("Bulk API 2.0 could not read Contact" in r.getMessage() for r in caplog.records)


def test_result_sets_are_followed_by_locator_and_handed_on_in_bounded_pages(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(salesforce_bulk, "SET_RECORDS", 300)
    monkeypatch.setattr(salesforce_bulk, "PAGE_RECORDS", 250)
    _, rest, rest_cursor = pull(box, REST)
    box.admin.reset_stats()
    pages, bulk, bulk_cursor = pull(box, BULK)
    assert box.calls()[RESULTS] == 4  # 1,000 records after the first page, in sets of 300
    assert by_id(bulk) == by_id(rest)
    # Pages of at most 250 rows, handed on as each set of 300 is parsed (a page never spans two
    # sets, and leaves out what the first REST page gave); the last one carries the cursor.
    sizes = [len(page.records) for page in pages]
    assert sizes[0] == 2_000
    assert all(0 < size <= 250 for size in sizes[1:])
    assert len(sizes) == 1 + 2 * 3 + 1  # three sets of 300 in two pieces each, and the last 100
    # Unordered rows never move the cursor before the job is read to its end: every bulk page but
    # the last keeps the first page's cursor (a run killed there resumes from it).
    assert all(page.cursor == pages[0].cursor for page in pages[1:-1])
    assert pages[0].cursor != bulk_cursor
    assert same_cursor(bulk_cursor, rest_cursor)


def test_the_next_result_set_is_asked_for_while_the_current_one_is_read(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(salesforce_bulk, "SET_RECORDS", 300)
    monkeypatch.setattr(salesforce_bulk, "PAGE_RECORDS", 250)
    pages = connector(box, **BULK).pull(CONTACT, None)
    next(pages)  # the first REST page
    first = next(pages)  # up to 250 rows of the first set of 300: the pull waits here
    deadline = time.monotonic() + 10
    while box.calls().get(RESULTS, 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert box.calls()[RESULTS] == 2  # the second set is already asked for
    rest = list(pages)
    assert len(first.records) + sum(len(page.records) for page in rest) == 1_000
    assert box.calls()[RESULTS] == 4  # each set asked for once


def test_a_broken_set_is_read_again_while_the_next_one_is_already_asked_for(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(salesforce_bulk, "SET_RECORDS", 300)
    rest, bulk = pulls_with_a_broken_result_set(box)
    assert box.admin.stats()["by_route"][RESULTS] == 5  # 4 sets, the first broken and read again
    assert by_id(bulk) == by_id(rest)


def test_a_job_still_running_is_looked_at_again(box: Sandbox) -> None:
    box.admin.configure(bulk_job_seconds=1.5)
    _, bulk, _ = pull(box, BULK)
    assert len(bulk) == CONTACTS
    assert box.calls()["GET /services/data/{version}/jobs/query/{job}{slash}"] >= 2


# -- pure ----------------------------------------------------------------------------------------
def test_csv_cells_are_typed_as_the_rest_api_sends_them() -> None:
    assert typed("", "string") is None
    assert typed("true", "boolean") is True
    assert typed("false", "boolean") is False
    assert typed("42", "int") == 42
    assert typed("1250.5", "currency") == 1250.5
    assert typed("2024-05-01T10:00:00.000Z", "datetime") == "2024-05-01T10:00:00.000+0000"
    assert typed("2024-05-01", "date") == "2024-05-01"
    assert typed("true", "string") == "true"
    assert typed("007", "string") == "007"


def test_a_column_converter_types_cells_as_typed_does() -> None:
    kinds = ["string", "id", "reference", "picklist", "boolean", "datetime", "date", "int", "double",
             "currency", "percent", "long", "textarea"]  # fmt: skip
    cells = ["", "true", "false", "TRUE", "x", "007", "42", "1250.5", "1e3", "2024-05-01T10:00:00.000Z",
             "2024-05-01T10:00:00.000+0000", "2024-05-01", "Z", "a;b"]  # fmt: skip
    for kind in kinds:
        convert = cell_converter(kind)
        for cell in cells:
            try:
                expected: Any = typed(cell, kind)
            except ValueError as exc:
                expected = type(exc)
            try:
                got: Any = convert(cell)
            except ValueError as exc:
                got = type(exc)
            assert (got, type(got)) == (expected, type(expected)), (kind, cell)


def test_a_csv_row_is_typed_cell_by_cell_as_typed_types_it() -> None:
    header = ["Id", "IsDeleted", "Amount", "SystemModstamp", "CloseDate", "Name", "Count__c", "Rate__c"]
    types = {"id": "id", "isdeleted": "boolean", "amount": "currency", "systemmodstamp": "datetime",
             "closedate": "date", "count__c": "int", "rate__c": "percent"}  # fmt: skip
    rows = [
        ["001A", "false", "1250.5", "2024-05-01T10:00:00.000Z", "2024-05-01", "Acme", "3", "12.5"],
        ["001B", "true", "", "", "", "", "", ""],
    ]
    got = list(RecordTable(header, cells_of(header, types), rows, "IsDeleted"))
    kinds = [types.get(name.lower(), "string") for name in header]
    assert [r.fields for r in got] == [
        {name: typed(text, kind) for name, text, kind in zip(header, row, kinds, strict=True)} for row in rows
    ]
    assert list(got[0].fields) == header
    with pytest.raises(ValueError, match="a row of 2 cells under 8 columns"):
        RecordTable(header, cells_of(header, types), [["001C", "false"]], "IsDeleted")


def test_csv_rows_become_records_with_the_deleted_flag() -> None:
    rows = [["Id", "IsDeleted", "Name"], ["001A", "true", ""], ["001B", "false", "Acme"]]
    types = {"id": "id", "isdeleted": "boolean", "name": "string"}
    got = list(RecordTable(rows[0], cells_of(rows[0], types), rows[1:], "IsDeleted"))
    assert got == [
        Record("001A", {"Id": "001A", "IsDeleted": True, "Name": None}, deleted=True),
        Record("001B", {"Id": "001B", "IsDeleted": False, "Name": "Acme"}, deleted=False),
    ]
    assert list(RecordTable(rows[0], cells_of(rows[0], types), [], "IsDeleted")) == []
    assert not any(
        r.deleted for r in RecordTable(rows[0], cells_of(rows[0], types), rows[1:])
    )  # no IsDeleted


def test_parent_fields_keep_a_pull_on_rest() -> None:
    assert eligible(["Id", "Name"])
    assert not eligible(["Id", "Account.Name"])


def test_a_result_stream_that_breaks_is_read_again_without_handing_a_row_on_twice(box: Sandbox) -> None:
    rest, bulk = pulls_with_a_broken_result_set(box)
    stats = box.admin.stats()
    assert stats["by_route"][RESULTS] == 2  # the set, broken half-way, then read again
    assert by_id(bulk) == by_id(rest)  # by_id fails on a record handed on twice


def test_the_first_page_says_how_many_records_the_pull_reads(box: Sandbox) -> None:
    """The progress a person watching a long pull sees: REST and Bulk alike, the first page carries
    the query's totalSize; no later page repeats it."""
    for env in (REST, BULK):
        pages, found, _ = pull(box, env)
        assert len(pages) >= 2
        assert pages[0].expected == len(found) == CONTACTS
        assert all(page.expected is None for page in pages[1:])
