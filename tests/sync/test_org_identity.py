"""A state directory belongs to one CRM org: another org's run stops before it reads anything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sponsorsync.connectors.errors import ConfigError, ExitCode
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.run import execute
from sponsorsync.sync.store import StateStore
from tests.support.sandbox import Sandbox, connector, running_sandbox


@pytest.fixture(params=["salesforce", "hubspot"])
def two_orgs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Sandbox, Sandbox]]:
    """Two orgs of the same CRM (sandboxes of different seeds)."""
    crm = request.param
    with (
        running_sandbox(crm, tmp_path / "a", size=20, seed=1) as a,
        running_sandbox(crm, tmp_path / "b", size=20, seed=2) as b,
    ):
        yield a, b


def test_sandboxes_of_different_seeds_are_different_orgs(two_orgs: tuple[Sandbox, Sandbox]) -> None:
    a, b = (connector(box).identity() for box in two_orgs)
    assert a.org_id != b.org_id
    assert a.org_id == connector(two_orgs[0]).identity().org_id  # stable for one org
    assert a.instance_url == two_orgs[0].server.base_url
    if two_orgs[0].crm == "salesforce":
        assert a.org_id.startswith("00D")
        assert len(a.org_id) == 18
    else:
        assert a.org_id.isdigit()


def test_another_org_s_state_is_refused_with_exit_2_naming_both_orgs(
    two_orgs: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    a, b = two_orgs
    state = {"STATE_DIR": str(tmp_path / "state")}
    mapping = load_mapping(None, a.crm)  # type: ignore[arg-type]
    first = execute(a.settings(**state), mapping)
    assert first.exit_code == ExitCode.OK
    org_a, org_b = connector(a).identity().org_id, connector(b).identity().org_id
    store = StateStore(tmp_path / "state")
    cursors_before = store.cursors()
    store.close()
    b.admin.reset_stats()  # count org B's requests from here

    with pytest.raises(ConfigError) as refused:
        execute(b.settings(**state), mapping)

    error = refused.value
    assert error.exit_code == ExitCode.CONFIG
    assert int(error.exit_code) == 2
    assert f"belongs to {a.crm} org {org_a} ({a.server.base_url})" in error.message
    assert f"credentials reach org {org_b} ({b.server.base_url})" in error.message
    assert "separate SPONSORSYNC_STATE_DIR" in (error.hint or "")
    assert b.total_calls() == 1, b.calls()  # the identity question only: nothing of org B was pulled
    store = StateStore(tmp_path / "state")
    try:
        assert store.cursors() == cursors_before
        assert store.meta("org_id") == org_a
        last = Ledger(store).runs(1)[0]
        assert (last.outcome, last.exit_code) == ("failed", 2)
    finally:
        store.close()
    # Org A still runs on its own state.
    assert execute(a.settings(**state), mapping).exit_code == ExitCode.OK
