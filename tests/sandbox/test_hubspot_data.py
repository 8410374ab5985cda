"""HubSpot emulator: the ``--data`` loader (the example file and its error messages) and the
rendering of the generated org (orggen), checked through the unmodified SDK."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest

from sponsorsync.sandbox.app import build_sandbox
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.hubspot import HubSpotEmulator
from sponsorsync.sandbox.orggen import EXECUTIVES, generate
from tests.sandbox import hubspot_support
from tests.sandbox.hubspot_support import EXAMPLE, Sandbox, start_sandbox, stop_sandbox

hubspot_session, hs = hubspot_support.hubspot_session, hubspot_support.hs  # the fixtures


def test_the_example_file_resolves_labels_and_times_against_the_clock(hs: Sandbox) -> None:
    acme = hs.api.objects.get_by_id(
        "companies", hs.id("acme"), properties=["executive_sponsor", "hubspot_owner_id", "sponsor_last_touch"]
    )
    assert (acme.properties["executive_sponsor"], acme.properties["hubspot_owner_id"]) == (
        hs.id("tom"),
        hs.id("maria"),
    )
    assert acme.properties["sponsor_last_touch"] == (hs.now - timedelta(days=10)).date().isoformat()
    assert abs(acme.updated_at - (hs.now - timedelta(days=20))) < timedelta(milliseconds=2)
    task = hs.api.objects.get_by_id("tasks", hs.id("update"), properties=["hs_timestamp"])
    due = datetime.fromisoformat(task.properties["hs_timestamp"].replace("Z", "+00:00"))
    assert abs(due - (hs.now + timedelta(days=5))) < timedelta(milliseconds=2)
    counts = {
        t: len(hs.api.objects.get_page(t, limit=100).results)
        for t in ("companies", "contacts", "tasks", "notes")
    }
    assert counts == {"companies": 4, "contacts": 6, "tasks": 3, "notes": 1}


def test_ids_follow_file_order_in_one_range_per_type(hs: Sandbox) -> None:
    assert [hs.id(x) for x in ("jane", "ken", "acme", "update", "kickoff", "checkin", "recap", "memo")] == [
        "10000000001", "10000000002", "20000000001", "30000000001", "40000000001", "50000000001",
        "60000000001", "70000000001",
    ]  # fmt: skip
    assert hs.id("ava") == "30000001"


def test_env_points_sponsorsync_at_the_sandbox(hs: Sandbox) -> None:
    env = hs.server.env()
    assert env == {
        "SPONSORSYNC_CRM": "hubspot",
        "SPONSORSYNC_HUBSPOT__BASE_URL": hs.url,
        "SPONSORSYNC_HUBSPOT__ACCESS_TOKEN": hs.emulator.access_token,
        "SPONSORSYNC_CA_BUNDLE": str(hs.server.ca_path),
    }
    assert env["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"].startswith("pat-na1-")


def load(tmp_path: Path, data: Any) -> HubSpotEmulator:
    path = tmp_path / "portal.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return HubSpotEmulator.from_data(Clock(), path)


OWNER = {"@id": "o", "email": "o@northwind.example"}
BAD_FILES: list[tuple[str, Any, str]] = [
    ("not-json", "{", "cannot read the HubSpot sandbox data"),
    ("unknown-section", {"line_items": []}, "unknown top-level keys ['line_items']"),
    ("unknown-property", {"companies": [{"@id": "a", "properties": {"foo": "1"}}]},
     "companies[0] (@id a): field 'properties.foo': Property \"foo\" does not exist"),
    ("bad-option", {"companies": [{"properties": {"alliance_tier": "gold"}}]},
     "companies[0]: field 'properties.alliance_tier': gold was not one of the allowed options"),
    ("unknown-label", {"companies": [{"properties": {"hubspot_owner_id": "@nobody"}}]},
     "companies[0]: field 'properties.hubspot_owner_id': unknown label '@nobody'"),
    ("bad-time-unit", {"owners": [OWNER], "tasks": [{"properties": {"hs_timestamp": "@now-3w"}}]},
     "tasks[0]: field 'properties.hs_timestamp': unknown label '@now-3w'"),
    ("datetime-in-a-date", {"companies": [{"properties": {"sponsor_last_touch": "@now-1d"}}]},
     "field 'properties.sponsor_last_touch':"),
    ("bad-created-at", {"notes": [{"createdAt": "yesterday"}]}, "notes[0]: field 'createdAt': 'yesterday' is not a datetime"),
    ("duplicate-email", {"contacts": [{"properties": {"email": "a@x.example"}}, {"properties": {"email": "A@x.example"}}]},
     "contacts[1]: field 'properties.email': 'a@x.example' is already used by another contact"),
    ("duplicate-label", {"owners": [OWNER, OWNER]}, "owners[1]: field '@id': label 'o' is used twice"),
    ("owner-without-email", {"owners": [{"@id": "x"}]}, "owners[0] (@id x): field 'email': every owner needs an e-mail"),
    ("bad-association", {"calls": [{"@id": "c", "associations": {"notes": []}}]},
     "calls[0] (@id c): field 'associations.notes': calls cannot be associated with 'notes'"),
    ("association-to-wrong-type", {"owners": [OWNER], "calls": [{"@id": "c", "associations": {"contacts": ["@o"]}}]},
     "field 'associations.contacts': '@o' is not a contact of this file"),
    ("labelled-repeat", {"tasks": [{"@id": "t", "@repeat": 2}]}, "tasks[0]: field '@id': a repeated record cannot carry a label"),
    ("unknown-record-key", {"tasks": [{"props": {}}]}, "tasks[0]: unknown keys ['props']"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"), [(d, m) for _, d, m in BAD_FILES], ids=[i for i, _, _ in BAD_FILES]
)
def test_invalid_files_name_the_file_the_record_and_the_field(
    tmp_path: Path, data: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=r"portal\.json") as caught:
        load(tmp_path, data)
    assert message in str(caught.value)


def test_repeat_escape_and_archived_records(tmp_path: Path) -> None:
    emulator = load(
        tmp_path,
        {
            "tasks": [
                {
                    "@repeat": 3,
                    "updatedAt": "@now-1h",
                    "properties": {"hs_task_subject": "Bulk {n}", "sponsor_sync_key": "k{n}"},
                },
                {"archived": True, "properties": {"hs_task_subject": "@@mention"}},
            ]
        },
    )
    store = emulator.portal.stores["tasks"]
    versions = [store.get(30_000_000_001 + i) for i in range(4)]
    assert [v.props["hs_task_subject"] for v in versions if v] == ["Bulk 1", "Bulk 2", "Bulk 3", "@mention"]
    assert [v.archived for v in versions if v] == [False, False, False, True]
    now = emulator.seed.now
    assert abs(versions[0].updated_ms - int((now - timedelta(hours=1)).timestamp() * 1000)) <= 1  # type: ignore[union-attr]


def test_build_sandbox_serves_a_data_file(tmp_path: Path) -> None:
    with build_sandbox("hubspot", ca_dir=tmp_path, data=EXAMPLE) as server:
        assert server.env()["SPONSORSYNC_CRM"] == "hubspot"
        assert server.emulator.crm == "hubspot"


SIZE = 400


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    clock = Clock()
    sandbox = start_sandbox(
        HubSpotEmulator.generated(clock, SIZE, seed=3), clock, tmp_path_factory.mktemp("gen")
    )
    yield sandbox
    stop_sandbox(sandbox)


def every(api: Any, object_type: str, **kwargs: Any) -> list[Any]:
    results: list[Any] = []
    after = None
    while True:
        page = api.get_page(object_type, limit=100, after=after, **kwargs)
        results += page.results
        if page.paging is None:
            return results
        after = page.paging.next.after


def test_the_generated_org_renders_users_as_owners(generated: Sandbox) -> None:
    org = generate(SIZE, seed=3, now=generated.now)
    active = generated.api.owners.get_page(limit=500).results
    archived = generated.api.owners.get_page(limit=500, archived=True).results
    assert len(active) + len(archived) == len(org.users)
    assert sorted(o.email for o in archived) == sorted(u.email for u in org.users if not u.active)
    emails = {o.email for o in active + archived}
    assert {e.email for e in EXECUTIVES} <= emails
    assert all(o.teams for o in active)


def test_the_generated_org_renders_accounts_as_companies_with_tiers_and_sponsors(generated: Sandbox) -> None:
    org = generate(SIZE, seed=3, now=generated.now)
    companies = every(
        generated.api.objects, "companies", properties=["type", "alliance_tier", "executive_sponsor", "name"]
    )
    assert len(companies) == len(org.accounts)
    owners = {o.id: o.email for o in generated.api.owners.get_page(limit=500).results}
    owners |= {o.id: o.email for o in generated.api.owners.get_page(limit=500, archived=True).results}
    users = {u.key: u.email for u in org.users}
    for company, account in zip(companies, org.accounts, strict=True):
        props = company.properties
        assert props["name"] == account.name
        assert props["type"] == {"partner": "PARTNER", "prospect": "PROSPECT"}.get(account.kind, "OTHER")
        assert props["alliance_tier"] == account.tier
        assert (owners.get(props["executive_sponsor"] or "") or None) == (
            users[account.sponsor] if account.sponsor is not None else None
        )
    alliances = generated.api.search.do_search(
        "companies",
        PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[
                        Filter(property_name="type", operator="EQ", value="PARTNER"),
                        Filter(property_name="alliance_tier", operator="HAS_PROPERTY"),
                    ]
                )
            ],
            limit=1,
        ),
    )
    assert alliances.total == sum(1 for a in org.accounts if a.kind == "partner" and a.tier)


def test_the_generated_org_renders_contacts_and_activities_with_their_associations(
    generated: Sandbox,
) -> None:
    org = generate(SIZE, seed=3, now=generated.now)
    contacts = every(generated.api.objects, "contacts", properties=["jobtitle", "associatedcompanyid"])
    assert len(contacts) == SIZE
    with_company = [c for c in contacts if c.properties["associatedcompanyid"]]
    assert len(with_company) == sum(1 for c in org.contacts if c.account is not None)
    kinds = Counter[str](a.kind for a in org.activities())
    for kind, object_type in (
        ("call", "calls"),
        ("meeting", "meetings"),
        ("email", "emails"),
        ("task", "tasks"),
        ("note", "notes"),
    ):
        total = generated.api.search.do_search(object_type, PublicObjectSearchRequest(limit=1)).total
        assert total == kinds[kind], object_type
    first = next(
        a for a in org.activities() if a.kind == "task" and a.contact is not None and a.account is not None
    )
    tasks = generated.api.search.do_search(
        "tasks",
        PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[Filter(property_name="hs_task_subject", operator="EQ", value=first.subject)]
                )
            ],
            properties=["hs_task_status", "hs_timestamp"],
            limit=100,
        ),
    ).results
    task = next(
        t
        for t in tasks
        if t.properties["hs_timestamp"] == first.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    )
    assert task.properties["hs_task_status"] == ("COMPLETED" if first.completed else "NOT_STARTED")
    linked = generated.api.objects.get_by_id(
        "tasks", task.id, associations=["contacts", "companies"]
    ).associations
    assert first.contact is not None
    assert first.account is not None
    contact = contacts[first.contact]
    assert [r.id for r in linked["contacts"].results] == [contact.id]
    companies = every(generated.api.objects, "companies")  # in id order, which is the accounts' order
    assert [r.id for r in linked["companies"].results] == [companies[first.account].id]


def test_generated_meetings_carry_attendee_owners_and_several_contacts(generated: Sandbox) -> None:
    org = generate(SIZE, seed=3, now=generated.now)
    meetings = [a for a in org.activities() if a.kind == "meeting"]
    served = every(
        generated.api.objects, "meetings", properties=["hs_attendee_owner_ids", "hs_timestamp"],
        associations=["contacts"],
    )  # fmt: skip
    attended = [m for m in served if m.properties.get("hs_attendee_owner_ids")]
    assert len(attended) == sum(1 for a in meetings if a.invitees)
    assert attended
    assert all(";" in m.properties["hs_attendee_owner_ids"] or m.properties["hs_attendee_owner_ids"].isdigit()
               for m in attended)  # fmt: skip
    several = [m for m in served if m.associations and len(m.associations["contacts"].results) > 1]
    assert len(several) == sum(1 for a in meetings if a.others)
    assert several
