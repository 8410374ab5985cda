"""A bare HubSpot portal and the properties API's groups, through the unmodified hubspot-api-client:
sponsorsync's custom properties are missing (and their values unseen) until created; a property needs
an existing group; groups are created with 201 and refused as duplicates with 409."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyGroupCreate
from hubspot.crm.properties.exceptions import ApiException

from sponsorsync.sandbox.app import build_sandbox
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.hubspot import HubSpotEmulator
from tests.sandbox.hubspot_support import Sandbox, body_of, start_sandbox, stop_sandbox

TIER = PropertyCreate(
    name="alliance_tier", label="Alliance tier", type="enumeration", field_type="select", group_name="sponsorsync",
    options=[OptionInput(label=v.title(), value=v, display_order=i, hidden=False) for i, v in enumerate(("strategic", "key", "standard"))],
)  # fmt: skip


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Sandbox]:
    clock = Clock()
    sandbox = start_sandbox(HubSpotEmulator.generated(clock, 20, bare=True), clock, tmp_path)
    try:
        yield sandbox
    finally:
        stop_sandbox(sandbox)


def test_a_bare_portal_lacks_the_custom_properties_and_their_values(bare: Sandbox) -> None:
    names = {p.name for p in bare.api.properties.get_all("companies").results}
    assert "alliance_tier" not in names
    assert "name" in names
    assert "sponsorsync" not in {
        g.name for g in bare.client().crm.properties.groups_api.get_all("companies").results
    }
    page = bare.api.objects.get_page("companies", limit=20, properties=["alliance_tier", "name"])
    assert all("alliance_tier" not in c.properties for c in page.results)


def test_a_property_needs_its_group_then_shows_at_once(bare: Sandbox) -> None:
    with pytest.raises(ApiException) as refused:
        bare.api.properties.create("companies", TIER)
    assert refused.value.status == 400
    assert "group 'sponsorsync' does not exist" in body_of(refused.value)["message"]
    groups = bare.client().crm.properties.groups_api
    created = groups.create(
        "companies", PropertyGroupCreate(name="sponsorsync", label="sponsorsync", display_order=-1)
    )
    assert (created.name, created.label, created.archived) == ("sponsorsync", "sponsorsync", False)
    with pytest.raises(ApiException) as duplicate:
        groups.create("companies", PropertyGroupCreate(name="sponsorsync", label="again"))
    assert duplicate.value.status == 409
    prop = bare.api.properties.create("companies", TIER)
    assert (prop.name, prop.group_name, [o.value for o in prop.options]) == (
        "alliance_tier",
        "sponsorsync",
        ["strategic", "key", "standard"],
    )
    page = bare.api.objects.get_page("companies", limit=20, properties=["alliance_tier"])
    assert any(c.properties.get("alliance_tier") for c in page.results)  # the org's tiers, now visible


def test_building_a_bare_sandbox_from_a_data_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--bare applies to a generated org"):
        build_sandbox("hubspot", ca_dir=tmp_path, data=tmp_path / "org.json", bare=True)
