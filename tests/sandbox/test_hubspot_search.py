"""HubSpot emulator, ``POST /crm/v3/objects/{objectType}/search`` through the unmodified SDK.
Expected shapes: reference/hubspot/recorded-nango search-companies / search-deals (``total``,
``paging.next.after`` as a numeric offset without ``link``, no paging when everything fits)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest, SimplePublicObjectInput
from hubspot.crm.objects.exceptions import ApiException

from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.hubspot import HubSpotEmulator
from tests.sandbox import hubspot_support
from tests.sandbox.hubspot_support import Sandbox, body_of, start_sandbox, stop_sandbox

hubspot_session, hs = hubspot_support.hubspot_session, hubspot_support.hs  # the fixtures


def ms(when: datetime) -> str:
    return str(int(when.timestamp() * 1000))


def iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def labels_of(hs: Sandbox, ids: list[str]) -> list[str]:
    by_id = {v: k for k, v in hs.emulator.seed.labels.items()}
    return [by_id.get(i, i) for i in ids]


def search(hs: Sandbox, object_type: str, *filters: dict[str, Any], **request: Any) -> Any:
    groups = [FilterGroup(filters=[Filter(**f) for f in filters])] if filters else []
    return hs.api.search.do_search(object_type, PublicObjectSearchRequest(filter_groups=groups, **request))


FilterFor = Callable[[Sandbox], dict[str, Any]]
OPERATOR_TABLE: list[tuple[str, FilterFor, list[str]]] = [
    ("EQ-text-any-case", lambda h: {"property_name": "alliance_tier", "operator": "EQ", "value": "STRATEGIC"}, ["acme"]),
    ("EQ-owner", lambda h: {"property_name": "executive_sponsor", "operator": "EQ", "value": h.id("tom")}, ["acme"]),
    ("EQ-number", lambda h: {"property_name": "hs_object_id", "operator": "EQ", "value": h.id("globex")}, ["globex"]),
    ("EQ-date-as-date", lambda h: {"property_name": "sponsor_last_touch", "operator": "EQ",
                                   "value": (h.now - timedelta(days=10)).date().isoformat()}, ["acme"]),
    ("EQ-date-as-epoch-ms", lambda h: {"property_name": "sponsor_last_touch", "operator": "EQ",
                                       "value": ms(datetime.combine((h.now - timedelta(days=10)).date(),
                                                                    datetime.min.time(), UTC))}, ["acme"]),
    ("NEQ-includes-unset", lambda h: {"property_name": "alliance_tier", "operator": "NEQ", "value": "strategic"},
     ["globex", "initech", "umbrella"]),
    ("LT-datetime-ms", lambda h: {"property_name": "hs_lastmodifieddate", "operator": "LT",
                                  "value": ms(h.now - timedelta(days=15))}, ["acme", "initech"]),
    ("LT-datetime-iso", lambda h: {"property_name": "hs_lastmodifieddate", "operator": "LT",
                                   "value": iso(h.now - timedelta(days=15))}, ["acme", "initech"]),
    ("LTE-exact-instant", lambda h: {"property_name": "hs_lastmodifieddate", "operator": "LTE",
                                     "value": ms(h.now - timedelta(days=20))}, ["acme", "initech"]),
    ("GT-createdate", lambda h: {"property_name": "createdate", "operator": "GT",
                                 "value": iso(h.now - timedelta(days=370))}, ["initech", "umbrella"]),
    ("GTE-text", lambda h: {"property_name": "name", "operator": "GTE", "value": "H"}, ["initech", "umbrella"]),
    ("BETWEEN-datetime", lambda h: {"property_name": "hs_lastmodifieddate", "operator": "BETWEEN",
                                    "value": ms(h.now - timedelta(days=30)),
                                    "high_value": iso(h.now - timedelta(days=10))}, ["acme", "globex"]),
    ("IN-any-case", lambda h: {"property_name": "type", "operator": "IN", "values": ["partner"]},
     ["acme", "globex", "initech"]),
    ("IN-two-values", lambda h: {"property_name": "alliance_tier", "operator": "IN", "values": ["key", "standard"]},
     ["globex", "initech"]),
    ("NOT_IN", lambda h: {"property_name": "alliance_tier", "operator": "NOT_IN", "values": ["strategic", "key"]},
     ["initech", "umbrella"]),
    ("HAS_PROPERTY", lambda h: {"property_name": "executive_sponsor", "operator": "HAS_PROPERTY"}, ["acme", "initech"]),
    ("NOT_HAS_PROPERTY", lambda h: {"property_name": "alliance_tier", "operator": "NOT_HAS_PROPERTY"}, ["umbrella"]),
    ("CONTAINS_TOKEN-word", lambda h: {"property_name": "name", "operator": "CONTAINS_TOKEN", "value": "Cloud"}, ["acme"]),
    ("CONTAINS_TOKEN-wildcard", lambda h: {"property_name": "name", "operator": "CONTAINS_TOKEN", "value": "*tech*"},
     ["initech"]),
    ("CONTAINS_TOKEN-suffix", lambda h: {"property_name": "domain", "operator": "CONTAINS_TOKEN", "value": "*.example"},
     ["acme", "globex", "initech", "umbrella"]),
    ("NOT_CONTAINS_TOKEN", lambda h: {"property_name": "name", "operator": "NOT_CONTAINS_TOKEN", "value": "networks"},
     ["acme", "initech", "umbrella"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "expected"), [(m, e) for _, m, e in OPERATOR_TABLE], ids=[i for i, _, _ in OPERATOR_TABLE]
)
def test_every_operator(hs: Sandbox, make: FilterFor, expected: list[str]) -> None:
    result = search(hs, "companies", make(hs), limit=10)
    assert labels_of(hs, [r.id for r in result.results]) == expected
    assert result.total == len(expected)
    assert result.paging is None


def test_filter_groups_are_ored_and_filters_inside_a_group_anded(hs: Sandbox) -> None:
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(property_name="type", operator="EQ", value="PARTNER"),
                    Filter(property_name="executive_sponsor", operator="NOT_HAS_PROPERTY"),
                ]
            ),
            FilterGroup(filters=[Filter(property_name="name", operator="CONTAINS_TOKEN", value="umbrella")]),
            FilterGroup(filters=[Filter(property_name="type", operator="EQ", value="OTHER")]),
        ],
        limit=10,
    )
    result = hs.api.search.do_search("companies", request)
    assert labels_of(hs, [r.id for r in result.results]) == ["globex", "umbrella"]


@pytest.mark.parametrize(
    ("sorts", "expected"),
    [
        (["hs_lastmodifieddate"], ["initech", "acme", "globex", "umbrella"]),
        (["-hs_lastmodifieddate"], ["umbrella", "globex", "acme", "initech"]),
        ([{"propertyName": "name", "direction": "DESCENDING"}], ["umbrella", "initech", "globex", "acme"]),
        (
            [{"propertyName": "alliance_tier", "direction": "ASCENDING"}],
            ["globex", "initech", "acme", "umbrella"],
        ),
        (
            [{"propertyName": "alliance_tier", "direction": "DESCENDING"}],
            ["acme", "initech", "globex", "umbrella"],
        ),
        ([], ["acme", "globex", "initech", "umbrella"]),
    ],
    ids=[
        "string-ascending",
        "string-descending",
        "object-descending",
        "missing-last-asc",
        "missing-last-desc",
        "default-id",
    ],
)
def test_one_sort_in_any_of_its_forms(hs: Sandbox, sorts: list[Any], expected: list[str]) -> None:
    body = hs.raw("POST", "/crm/v3/objects/companies/search", {"sorts": sorts, "limit": 10}).json()
    assert labels_of(hs, [r["id"] for r in body["results"]]) == expected


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("ASCENDING", [{"jane", "ken", "luis", "petra"}, {"sam", "orla"}]),
        ("DESCENDING", [{"sam", "orla"}, {"jane", "ken", "luis", "petra"}]),
    ],
    ids=["ascending", "descending"],
)
def test_ties_come_in_an_order_of_their_own_stable_while_paging(
    hs: Sandbox, direction: str, expected: list[set[str]]
) -> None:
    """HubSpot promises no order among equal sort values; the sandbox orders them by a seeded
    hash of the query and the id (not by id), the same on every page of one query."""
    sorts = [{"propertyName": "hubspot_owner_id", "direction": direction}]
    result = labels_of(hs, [r.id for r in search(hs, "contacts", sorts=sorts, limit=10).results])
    first = len(expected[0])
    assert [set(result[:first]), set(result[first:])] == expected
    paged = [
        r.id
        for after in ("0", "2", "4")
        for r in search(hs, "contacts", sorts=sorts, limit=2, after=after).results
    ]
    assert labels_of(hs, paged) == result


@pytest.mark.parametrize(
    ("query", "expected"),
    [("acme", ["jane", "ken"]), ("jan", ["jane"]), ("garcía", ["luis"]), ("nobody", [])],
    ids=["company-word", "prefix", "accented", "no-match"],
)
def test_free_text_query(hs: Sandbox, query: str, expected: list[str]) -> None:
    result = search(hs, "contacts", query=query, limit=10)
    assert labels_of(hs, [r.id for r in result.results]) == expected


def test_requested_properties_and_the_default_ones(hs: Sandbox) -> None:
    named = search(hs, "contacts", properties=["jobtitle"], limit=1).results[0]
    assert sorted(named.properties) == ["createdate", "hs_object_id", "jobtitle", "lastmodifieddate"]
    default = search(hs, "contacts", limit=1).results[0]
    assert sorted(default.properties) == [
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ]


def test_paging_to_the_last_page_uses_numeric_offsets_without_link(hs: Sandbox) -> None:
    afters: list[str] = []
    ids: list[str] = []
    after = "0"
    while True:
        page = search(hs, "tasks", limit=1, after=after, sorts=["hs_lastmodifieddate"])
        assert page.total == 3
        ids += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
        afters.append(after)
    assert afters == ["1", "2"]
    assert labels_of(hs, ids) == ["renewal", "appoint", "update"]
    raw = hs.raw("POST", "/crm/v3/objects/tasks/search", {"limit": 2}).json()
    assert raw["paging"] == {"next": {"after": "2"}}
    assert list(raw) == ["total", "results", "paging"]


def test_archived_records_never_appear(hs: Sandbox) -> None:
    hs.api.objects.archive("companies", hs.id("acme"))
    result = search(hs, "companies", {"property_name": "name", "operator": "HAS_PROPERTY"}, limit=10)
    assert (result.total, labels_of(hs, [r.id for r in result.results])) == (
        3,
        ["globex", "initech", "umbrella"],
    )


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"filterGroups": [{"filters": [{"propertyName": "name", "operator": "HAS_PROPERTY"}]}] * 6},
         "Too many filter groups: 6. The maximum is 5."),
        ({"filterGroups": [{"filters": [{"propertyName": "name", "operator": "HAS_PROPERTY"}] * 11}]},
         "Too many filters in a filter group: 11. The maximum is 10."),
        ({"filterGroups": [{"filters": [{"propertyName": "name", "operator": "HAS_PROPERTY"}] * n} for n in (10, 10, 6)]},
         "Too many filters: 26. The maximum is 25 across all filter groups."),
        ({"limit": 201}, "limit must be between 0 and 200, got 201"),
        ({"filterGroups": [{"filters": [{"propertyName": "shoe_size", "operator": "EQ", "value": "9"}]}]},
         'Property "shoe_size" does not exist'),
        ({"filterGroups": [{"filters": [{"propertyName": "name", "operator": "LIKE", "value": "a"}]}]},
         "Unknown filter operator LIKE"),
        ({"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GT", "value": "yesterday"}]}]},
         "yesterday is not a valid date or datetime for createdate"),
        ({"sorts": ["name", "domain"]}, "Only one sort is supported"),
    ],
    ids=["six-groups", "eleven-in-a-group", "twenty-six-in-all", "limit-201", "unknown-property", "unknown-operator",
         "bad-date", "two-sorts"],
)  # fmt: skip
def test_invalid_searches_are_400_validation_errors(
    hs: Sandbox, request_body: dict[str, Any], message: str
) -> None:
    response = hs.raw("POST", "/crm/v3/objects/companies/search", request_body)
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["category"]) == ("error", "VALIDATION_ERROR")
    assert message in body["message"]


def test_with_index_lag_search_misses_new_records_and_shows_old_versions_until_it_catches_up(
    hs: Sandbox,
) -> None:
    assert hs.admin.configure(index_lag_ms=60_000)["index_lag_ms"] == 60_000
    created = hs.raw(
        "POST",
        "/crm/v3/objects/tasks",
        {"properties": {"hs_task_subject": "Fresh", "sponsor_sync_key": "lag"}},
    )
    hs.api.objects.update(
        "companies", hs.id("globex"), SimplePublicObjectInput(properties={"name": "Globex Renamed"})
    )
    by_key = {"property_name": "sponsor_sync_key", "operator": "EQ", "value": "lag"}
    assert search(hs, "tasks", by_key).total == 0
    stale = search(
        hs, "companies", {"property_name": "hs_object_id", "operator": "EQ", "value": hs.id("globex")}
    )
    assert stale.results[0].properties["name"] == "Globex Networks"
    assert hs.api.objects.get_by_id("tasks", created.json()["id"]).properties["hs_task_subject"] == "Fresh"
    assert (
        hs.api.objects.get_by_id("companies", hs.id("globex"), properties=["name"]).properties["name"]
        == "Globex Renamed"
    )
    hs.admin.advance_clock(seconds=61)
    assert search(hs, "tasks", by_key).results[0].id == created.json()["id"]
    fresh = search(
        hs, "companies", {"property_name": "hs_object_id", "operator": "EQ", "value": hs.id("globex")}
    )
    assert fresh.results[0].properties["name"] == "Globex Renamed"


def test_without_index_lag_a_write_is_searchable_at_once(hs: Sandbox) -> None:
    hs.api.objects.update(
        "companies", hs.id("globex"), SimplePublicObjectInput(properties={"sponsor_health": "amber"})
    )
    result = search(hs, "companies", {"property_name": "sponsor_health", "operator": "EQ", "value": "amber"})
    assert labels_of(hs, [r.id for r in result.results]) == ["globex"]


def test_a_search_error_comes_through_the_sdk_as_api_exception(hs: Sandbox) -> None:
    with pytest.raises(ApiException) as caught:
        search(hs, "companies", {"property_name": "shoe_size", "operator": "EQ", "value": "9"})
    assert (caught.value.status, body_of(caught.value)["category"]) == (400, "VALIDATION_ERROR")


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A portal with 10,050 tasks that all share one hs_lastmodifieddate (one @repeat record)."""
    folder = tmp_path_factory.mktemp("crowded")
    bulk = {
        "@repeat": 10_050,
        "createdAt": "@now-2d",
        "updatedAt": "@now-1d",
        "properties": {"hs_task_subject": "Bulk task {n}", "sponsor_sync_key": "bulk-{n}"},
    }
    path = folder / "hubspot-crowded.json"
    path.write_text(json.dumps({"tasks": [bulk]}), encoding="utf-8")
    clock = Clock()
    sandbox = start_sandbox(HubSpotEmulator.from_data(clock, path), clock, folder)
    yield sandbox
    stop_sandbox(sandbox)


def test_search_pages_up_to_10000_results_then_refuses_with_400(crowded: Sandbox) -> None:
    stamp = ms(crowded.now - timedelta(days=1))
    same_stamp = {"property_name": "hs_lastmodifieddate", "operator": "GTE", "value": stamp}
    seen: list[str] = []
    after = "0"
    while True:
        page = search(crowded, "tasks", same_stamp, sorts=["hs_lastmodifieddate"], limit=200, after=after)
        assert page.total == 10_050
        seen += [r.id for r in page.results]
        after = page.paging.next.after
        if after == "10000":
            break
    assert len(set(seen)) == len(seen) == 10_000  # ties in an order of their own, stable while paging
    assert seen != sorted(seen, key=int), "HubSpot promises no order among ties: neither does the sandbox"
    with pytest.raises(ApiException) as caught:
        search(crowded, "tasks", same_stamp, sorts=["hs_lastmodifieddate"], limit=200, after=after)
    body = body_of(caught.value)
    assert (caught.value.status, body["category"]) == (400, "VALIDATION_ERROR")
    assert "10000" in body["message"]
    last_id = (
        search(crowded, "tasks", same_stamp, sorts=["hs_object_id"], limit=1, after="9999").results[0].id
    )
    rest = search(
        crowded,
        "tasks",
        same_stamp,
        {"property_name": "hs_object_id", "operator": "GT", "value": last_id},
        sorts=["hs_object_id"],
        limit=200,
    )
    assert (rest.total, len(rest.results), rest.paging) == (50, 50, None)


@pytest.mark.parametrize(
    ("sorts", "expected"),
    [
        (["hs_lastmodifieddate"], ["acme", "umbrella", "initech", "new"]),
        ([], ["acme", "initech", "umbrella", "new"]),
    ],
    ids=["by-last-modified", "by-id"],
)
@pytest.mark.parametrize("plain", [True, False], ids=["index-only", "with-another-filter"])
def test_incremental_pull_queries_see_writes_in_order(
    hs: Sandbox, sorts: list[str], expected: list[str], plain: bool
) -> None:
    hs.admin.advance_clock(seconds=10)
    hs.api.objects.update(
        "companies", hs.id("initech"), SimplePublicObjectInput(properties={"sponsor_health": "red"})
    )
    hs.admin.advance_clock(seconds=10)
    new = hs.raw("POST", "/crm/v3/objects/companies", {"properties": {"name": "Newco"}}).json()["id"]
    hs.api.objects.archive("companies", hs.id("globex"))
    watermark = {
        "property_name": "hs_lastmodifieddate",
        "operator": "GTE",
        "value": ms(hs.now - timedelta(days=25)),
    }
    extra = [] if plain else [{"property_name": "name", "operator": "HAS_PROPERTY"}]
    result = search(hs, "companies", watermark, *extra, sorts=sorts, limit=10)
    assert labels_of(hs, [r.id for r in result.results]) == [new if x == "new" else x for x in expected]


@pytest.mark.parametrize(
    "sorts", [[], ["hs_object_id"], [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]]
)
def test_sorting_by_hs_object_id_is_id_order(hs: Sandbox, sorts: list[Any]) -> None:
    hs.api.objects.update(
        "companies", hs.id("acme"), SimplePublicObjectInput(properties={"sponsor_health": "green"})
    )
    watermark = {"property_name": "hs_lastmodifieddate", "operator": "GT", "value": "0"}
    result = search(hs, "companies", watermark, sorts=sorts, limit=10)
    assert labels_of(hs, [r.id for r in result.results]) == ["acme", "globex", "initech", "umbrella"]
    descending = search(hs, "companies", watermark, sorts=["-hs_object_id"], limit=10)
    assert labels_of(hs, [r.id for r in descending.results]) == ["umbrella", "initech", "globex", "acme"]


@pytest.mark.parametrize(
    "sorts", [["hs_object_id"], ["-hs_object_id"], []], ids=["ascending", "descending", "unsorted"]
)
def test_id_range_searches_see_writes_archives_and_new_records(hs: Sandbox, sorts: list[str]) -> None:
    """The id-range path (a full pull split by ``hs_object_id``) answers what a scan would:
    updated records once (their new version), archived ones never, new ones in id order."""
    hs.api.objects.update(
        "companies", hs.id("initech"), SimplePublicObjectInput(properties={"sponsor_health": "red"})
    )
    new = hs.raw("POST", "/crm/v3/objects/companies", {"properties": {"name": "Newco"}}).json()["id"]
    hs.api.objects.archive("companies", hs.id("globex"))
    low = {"property_name": "hs_object_id", "operator": "GTE", "value": hs.id("acme")}
    everything = search(hs, "companies", low, sorts=sorts, limit=10, properties=["sponsor_health"])
    expected = ["acme", "initech", "umbrella", new]
    assert labels_of(hs, [r.id for r in everything.results]) == (
        expected[::-1] if sorts == ["-hs_object_id"] else expected
    )
    assert everything.total == 4
    assert [r.properties["sponsor_health"] for r in everything.results if r.id == hs.id("initech")] == ["red"]
    below_new = {"property_name": "hs_object_id", "operator": "LT", "value": new}
    above_acme = {"property_name": "hs_object_id", "operator": "GT", "value": hs.id("acme")}
    middle = search(hs, "companies", above_acme, below_new, sorts=sorts, limit=1)
    assert (middle.total, middle.paging.next.after) == (2, "1")
