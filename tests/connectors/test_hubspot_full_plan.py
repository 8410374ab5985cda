"""A HubSpot full pull on both limits (issue 16): counted, planned, the chosen objects searched by
``hs_object_id`` ranges side by side, the rest listed: exactly the records, associations and
cursors of the all-list pull, over HTTPS against the sandbox's generated org."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from sponsorsync.connectors.base import ObjectSpec, Record
from sponsorsync.connectors.timestamps import parse_instant
from sponsorsync.mappings.loader import default_mapping_path, load_mapping
from sponsorsync.sync.sources import sources
from tests.support.sandbox import Sandbox, connector, drain, running_sandbox

SEARCH = "POST /crm/v3/objects/{objectType}/search"
LIST = "GET /crm/v3/objects/{objectType}"
# Plenty of ten-second calls, four searches a second: the plan searches only where a long list
# would run alone (the largest activity object), and lists the rest.
RATES = {"LIMITS__HUBSPOT_REQUESTS_PER_10S": "20000", "LIMITS__HUBSPOT_SEARCH_PER_SECOND": "4"}
SPECS = [s.spec for s in sources(load_mapping(default_mapping_path("hubspot"))) if s.spec.name != "owners"]


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox("hubspot", tmp_path_factory.mktemp("plan"), size=2500) as sandbox:
        yield sandbox


def by_id(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: int(r.id))


def test_a_planned_full_pull_reads_exactly_what_lists_read(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    listed = {spec.name: drain(connector(box).pull(spec, None, sweep_deletions=False)) for spec in SPECS}
    box.admin.reset_stats()
    planned_connector = connector(box, **RATES)
    with caplog.at_level(logging.INFO, logger="sponsorsync.connectors.hubspot_pull"):
        plan = planned_connector.plan_full_pulls([*SPECS, ObjectSpec("owners", ("id",), "updatedAt")])  # type: ignore[attr-defined]
    searched = {name for name, (_, way) in plan.items() if way}
    assert plan.keys() == {spec.name for spec in SPECS}  # the owners are not planned
    assert {name: n for name, (n, _) in plan.items()} == {name: len(listed[name][0]) for name in plan}
    assert "emails" in searched, plan  # both ways in one pull
    assert "tasks" not in searched, plan
    assert box.calls() == {SEARCH: len(SPECS) + len(searched)}  # a count each, a highest id each searched
    messages = [r.getMessage() for r in caplog.records]
    emails = len(listed["emails"][0])
    assert f"full pull of emails ({emails:,} records): search (4 id ranges)" in messages  # split
    assert f"full pull of tasks ({len(listed['tasks'][0]):,} records): list" in messages
    box.admin.reset_stats()
    for spec in SPECS:
        records, cursor = drain(planned_connector.pull(spec, None, sweep_deletions=False))
        old_records, old_cursor = listed[spec.name]
        assert by_id(records) == by_id(old_records), spec.name  # fields, associations, nothing twice
        assert len({r.id for r in records}) == len(records)
        assert cursor is not None
        assert old_cursor is not None
        assert cursor.field == old_cursor.field
        assert cursor.ids_at_last == old_cursor.ids_at_last == frozenset()
        assert parse_instant(cursor.last_value) >= parse_instant(old_cursor.last_value)  # the pull's start
    calls = box.calls()
    assert calls[SEARCH] >= -(-emails // 200)  # searched in pages of 200
    assert calls[LIST] == sum(-(-len(listed[name][0]) // 100) or 1 for name in plan if name not in searched)
