"""HubSpot emulator, property history (``propertiesWithHistory``) through the unmodified SDK: on a
batch read, a single read and a list page each record carries ``propertiesWithHistory`` (property
-> versions newest first, ``{value, timestamp, sourceType, sourceId?, updatedByUserId?}``, as in
HubSpot's ``ValueWithTimestamp``). A seeded record starts with one version per property at its
creation; every write appends one for each property it changes: ``INTEGRATION`` with the app's id
for the private-app token, ``CRM_UI`` with the user for a request acting as a person."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hubspot.crm.objects import (
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.hubspot import HubSpotEmulator
from sponsorsync.sandbox.hubspot.limits import APP_ID, PERSON_MARK
from sponsorsync.sandbox.hubspot.owners import USER_ID_BASE
from sponsorsync.sandbox.hubspot.values import iso, parse_instant, to_ms
from sponsorsync.sandbox.orggen import generate
from tests.sandbox import hubspot_support
from tests.sandbox.hubspot_support import Sandbox

hubspot_session, hs = hubspot_support.hubspot_session, hubspot_support.hs  # the fixtures

MARIA_USER = USER_ID_BASE + 4  # the example portal's fourth owner


def history_of(hs: Sandbox, object_id: str, *props: str) -> dict[str, list[dict[str, Any]]]:
    body = {"inputs": [{"id": object_id}], "properties": list(props), "propertiesWithHistory": list(props)}
    response = hs.raw("POST", "/crm/v3/objects/companies/batch/read", body)
    assert response.status_code == 200, response.text
    found: dict[str, list[dict[str, Any]]] = response.json()["results"][0]["propertiesWithHistory"]
    return found


def test_a_seeded_record_has_one_version_per_property_at_its_creation(hs: Sandbox) -> None:
    created = hs.raw("GET", f"/crm/v3/objects/companies/{hs.id('acme')}").json()["createdAt"]
    versions = history_of(hs, hs.id("acme"), "executive_sponsor", "sponsor_health", "no_such_property")
    assert versions == {
        "executive_sponsor": [{"sourceType": "IMPORT", "value": hs.id("tom"), "timestamp": created}],
        "sponsor_health": [],  # never set
    }  # an unknown name is ignored, as HubSpot ignores it


def test_writes_add_versions_newest_first_by_the_app_or_the_person(hs: Sandbox) -> None:
    acme = hs.id("acme")
    hs.api.objects.update(
        "companies", acme, SimplePublicObjectInput(properties={"executive_sponsor": hs.id("ava")})
    )
    app_time = instant(hs.admin.now())
    hs.admin.advance_clock(seconds=3600)
    person = hs.client(access_token=f"{hs.emulator.access_token}{PERSON_MARK}{MARIA_USER}")
    person.crm.objects.basic_api.update(
        "companies",
        acme,
        SimplePublicObjectInput(properties={"executive_sponsor": hs.id("maria"), "name": "Acme Cloud"}),
    )
    versions = history_of(hs, acme, "executive_sponsor", "name")
    sponsor = versions["executive_sponsor"]
    assert [(v["value"], v["sourceType"]) for v in sponsor] == [
        (hs.id("maria"), "CRM_UI"),
        (hs.id("ava"), "INTEGRATION"),
        (hs.id("tom"), "IMPORT"),
    ]
    assert sponsor[0]["updatedByUserId"] == MARIA_USER
    assert sponsor[0]["sourceId"] == f"userId:{MARIA_USER}"
    assert sponsor[1]["sourceId"] == str(APP_ID)
    assert "updatedByUserId" not in sponsor[1]
    assert abs(to_ms_iso(sponsor[1]["timestamp"]) - app_time) < 2000
    assert to_ms_iso(sponsor[0]["timestamp"]) - to_ms_iso(sponsor[1]["timestamp"]) >= 3_600_000
    assert len(versions["name"]) == 1  # the same name again is no change


def test_single_reads_and_list_pages_carry_history_and_the_sdk_reads_it(hs: Sandbox) -> None:
    acme = hs.id("acme")
    hs.api.objects.update(
        "companies", acme, SimplePublicObjectInput(properties={"sponsor_health_reason": "quiet"})
    )
    hs.api.objects.update(
        "companies", acme, SimplePublicObjectInput(properties={"sponsor_health_reason": ""})
    )
    one = hs.api.objects.get_by_id("companies", acme, properties_with_history=["sponsor_health_reason"])
    cleared, set_ = one.properties_with_history["sponsor_health_reason"]
    assert (cleared.value, set_.value, set_.source_type) == ("", "quiet", "INTEGRATION")
    page = hs.api.objects.get_page("companies", limit=100, properties_with_history=["sponsor_health_reason"])
    by_id = {r.id: r.properties_with_history["sponsor_health_reason"] for r in page.results}
    assert [v.value for v in by_id[acme]] == ["", "quiet"]
    assert by_id[hs.id("globex")] == []
    batch = hs.api.batch.read(
        "companies",
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=acme)],
            properties=[],
            properties_with_history=["sponsor_health_reason"],
        ),
    )
    assert [v.value for v in batch.results[0].properties_with_history["sponsor_health_reason"]] == [
        "",
        "quiet",
    ]
    plain = hs.raw("GET", f"/crm/v3/objects/companies/{acme}").json()
    assert "propertiesWithHistory" not in plain  # only when asked for


def test_a_created_record_starts_with_its_values_and_a_reset_forgets_the_writes(hs: Sandbox) -> None:
    created = hs.api.objects.create(
        "companies", SimplePublicObjectInputForCreate(properties={"name": "Hooli", "alliance_tier": "key"})
    )
    versions = history_of(hs, created.id, "name", "alliance_tier", "executive_sponsor")
    assert [(v["value"], v["sourceType"]) for v in versions["name"]] == [("Hooli", "INTEGRATION")]
    assert versions["alliance_tier"][0]["timestamp"] == created.created_at.isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")
    assert versions["executive_sponsor"] == []
    hs.api.objects.update("companies", hs.id("acme"), SimplePublicObjectInput(properties={"name": "Acme 2"}))
    hs.admin.reset()
    assert [v["value"] for v in history_of(hs, hs.id("acme"), "name")["name"]] == ["Acme Cloud"]


def test_a_generated_org_dates_its_recent_sponsor_appointments() -> None:
    """A generated alliance whose sponsor was appointed recently (orggen ``sponsor_since``) has that
    version of ``executive_sponsor``, by its account owner in the UI; the others one at creation."""
    clock = Clock()
    org = generate(50, 0, now=clock.now())
    portal = HubSpotEmulator.generated(clock, 50).portal
    store = portal.stores["companies"]
    recent = [a for a in org.accounts if a.sponsor_since is not None and a.sponsor is not None]
    assert recent, "the generated org has recently appointed sponsors"
    for index, account in enumerate(org.accounts):
        company_id = store.table.first_id + index
        versions = store.history(company_id, "executive_sponsor")
        if account.sponsor is None:
            assert versions == []
            continue
        (only,) = versions
        if account.sponsor_since is not None:
            assert (only.timestamp_ms, only.source_type) == (to_ms(account.sponsor_since), "CRM_UI")
            assert only.user_id is not None
        else:
            assert (only.timestamp_ms, only.source_type) == (to_ms(account.created_at), "IMPORT")


def instant(text: str) -> int:
    ms = parse_instant(text)
    assert ms is not None, text
    return ms


def to_ms_iso(text: str) -> int:
    """A version's timestamp, which must be HubSpot's ISO-8601 with milliseconds and Z."""
    ms = instant(text)
    assert iso(ms) == text
    return ms


def load(tmp_path: Path, data: Any) -> HubSpotEmulator:
    path = tmp_path / "portal.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return HubSpotEmulator.from_data(Clock(), path)


OWNERS = [{"@id": "ava", "email": "ava@northwind.example"}, {"@id": "tom", "email": "tom@northwind.example"}]


def sponsored(history: Any) -> dict[str, Any]:
    company = {
        "@id": "acme",
        "createdAt": "@now-400d",
        "properties": {"name": "Acme", "executive_sponsor": "@ava"},
    }
    return {"owners": OWNERS, "companies": [{**company, "history": history}]}


def test_a_data_file_may_give_a_property_its_earlier_versions(tmp_path: Path) -> None:
    history = {
        "executive_sponsor": [
            {"value": "@ava", "timestamp": "@now-6d", "updatedByUserId": 70000002},
            {"value": "@tom", "timestamp": "@now-300d", "sourceType": "INTEGRATION"},
        ]
    }
    emulator = load(tmp_path, sponsored(history))
    store, now = emulator.portal.stores["companies"], emulator.seed.now
    ava, tom = emulator.seed.labels["ava"], emulator.seed.labels["tom"]
    versions = store.history(int(emulator.seed.labels["acme"]), "executive_sponsor")
    assert [(v.value, v.source_type, v.user_id) for v in versions] == [
        (ava, "CRM_UI", 70000002),
        (tom, "INTEGRATION", None),
    ]
    assert versions[0].timestamp_ms == to_ms(now - timedelta(days=6))
    name = store.history(int(emulator.seed.labels["acme"]), "name")
    assert [(v.value, v.timestamp_ms) for v in name] == [("Acme", to_ms(now - timedelta(days=400)))]


BAD_HISTORY: list[tuple[str, Any, str]] = [
    ("not-newest-value", {"executive_sponsor": [{"value": "@tom", "timestamp": "@now-1d"}]},
     "field 'history.executive_sponsor': the newest version must hold the value in properties"),
    ("oldest-first", {"executive_sponsor": [{"value": "@ava", "timestamp": "@now-9d"}, {"value": "@tom", "timestamp": "@now-1d"}]},
     "field 'history.executive_sponsor[1].timestamp': versions go newest first"),
    ("no-value", {"alliance_tier": [{"value": "key", "timestamp": "@now-1d"}]},
     "field 'history.alliance_tier': 'alliance_tier' has a history but no value in properties"),
    ("no-timestamp", {"executive_sponsor": [{"value": "@ava"}]},
     "field 'history.executive_sponsor[0].timestamp': every version needs a timestamp"),
    ("bad-source", {"executive_sponsor": [{"value": "@ava", "timestamp": "@now-1d", "sourceType": "EMAIL"}]},
     "field 'history.executive_sponsor[0].sourceType': sourceType must be one of"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("history", "message"), [(h, m) for _, h, m in BAD_HISTORY], ids=[i for i, _, _ in BAD_HISTORY]
)
def test_a_bad_history_names_the_file_the_record_and_the_field(
    tmp_path: Path, history: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=r"portal\.json: companies\[0\] \(@id acme\)") as caught:
        load(tmp_path, sponsored(history))
    assert message in str(caught.value)
