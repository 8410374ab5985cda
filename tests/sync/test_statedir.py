"""The default state directory: absolute, per user and CRM org under the XDG state home; the old
``./.sponsorsync`` found and moved there; SPONSORSYNC_STATE_DIR still wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sponsorsync.connectors.settings import HubSpotSettings, SalesforceSettings
from sponsorsync.sync.settings import load_settings, state_dir_of_unloadable
from sponsorsync.sync.statedir import instance_key
from sponsorsync.sync.store import DB_NAME, StateStore
from tests.support.cli import invoke
from tests.support.sandbox import running_sandbox


@pytest.mark.parametrize(
    ("crm", "salesforce", "hubspot", "expected"),
    [
        (
            "salesforce",
            {"instance_url": "https://Acme.my.salesforce.com"},
            {},
            "salesforce-acme.my.salesforce.com",
        ),
        (
            "salesforce",
            {"username": "sync@acme.example", "domain": "test"},
            {},
            "salesforce-sync@acme.example",
        ),
        ("salesforce", {}, {}, "salesforce-login"),
        ("hubspot", {}, {}, "hubspot-api.hubapi.com"),
        ("hubspot", {}, {"base_url": "https://127.0.0.1:8443/hs"}, "hubspot-127.0.0.1_8443"),
        (None, {}, {}, "no-crm"),
    ],
    ids=["sf-my-domain", "sf-username", "sf-login", "hs-default", "hs-sandbox", "no-crm"],
)
def test_the_directory_is_keyed_by_crm_and_instance(
    crm: str | None, salesforce: dict[str, str], hubspot: dict[str, str], expected: str
) -> None:
    assert instance_key(crm, SalesforceSettings(**salesforce), HubSpotSettings(**hubspot)) == expected


def test_the_default_is_absolute_under_the_xdg_state_home(tmp_path: Path) -> None:
    env = tmp_path / "x.env"
    env.write_text(
        "SPONSORSYNC_CRM=salesforce\nSPONSORSYNC_SALESFORCE__INSTANCE_URL=https://acme.my.salesforce.com\n"
    )
    settings = load_settings(env)
    assert settings.state_dir == tmp_path / "xdg-state" / "sponsorsync" / "salesforce-acme.my.salesforce.com"
    assert settings.state_dir.is_absolute()
    assert settings.state_dir_defaulted
    assert state_dir_of_unloadable(env) == settings.state_dir  # the refused-run record finds it too


def test_without_xdg_state_home_it_is_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")  # the XDG spec: relative values are ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SPONSORSYNC_CRM", "hubspot")
    assert (
        load_settings().state_dir
        == tmp_path / "home" / ".local" / "state" / "sponsorsync" / "hubspot-api.hubapi.com"
    )


def test_sponsorsync_state_dir_still_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPONSORSYNC_CRM", "hubspot")
    monkeypatch.setenv("SPONSORSYNC_STATE_DIR", str(tmp_path / "mine"))
    settings = load_settings()
    assert settings.state_dir == tmp_path / "mine"
    assert not settings.state_dir_defaulted


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_a_sync_keeps_its_state_in_the_default_directory_and_an_old_one_is_moved_there(
    crm: str, tmp_path: Path
) -> None:
    with running_sandbox(crm, tmp_path / "box") as box:
        legacy = tmp_path / ".sponsorsync"  # the old default, relative to the working directory
        old_env = box.env_file(tmp_path / "old.env", state_dir=Path(".sponsorsync"))
        first = invoke("sync", "run", env_file=old_env)
        assert first.exit_code == 0, first.output
        assert (legacy / DB_NAME).is_file()
        (legacy / "sandbox-ca.pem").write_text("not ours to move")

        env = box.env_file(tmp_path / "new.env", {"STATE_DIR": ""})  # no SPONSORSYNC_STATE_DIR
        status = invoke("sync", "status", "--json", env_file=env)
        assert status.exit_code == 0, status.output
        target = load_settings(env).state_dir
        assert target.is_absolute()
        assert target.parent == tmp_path / "xdg-state" / "sponsorsync"
        assert f"moved the state from {legacy} to {target}" in status.stderr
        assert (target / DB_NAME).is_file()
        assert not (legacy / DB_NAME).exists()
        assert (legacy / "sandbox-ca.pem").read_text() == "not ours to move"
        assert json.loads(status.stdout)["last_run"]["id"] == 1  # the history came along

        again = invoke("sync", "run", env_file=env)  # the moved state is the one used: nothing to write
        assert again.exit_code == 0, again.output
        assert "moved the state" not in again.stderr
        store = StateStore(target)
        try:
            assert [r[0] for r in store.db.execute("SELECT id FROM runs")] == [1, 2]
        finally:
            store.close()


def test_an_old_state_of_another_crm_is_left_where_it_is(tmp_path: Path) -> None:
    legacy = tmp_path / ".sponsorsync"
    store = StateStore(legacy)
    store.set_meta("crm", "salesforce")
    store.db.commit()
    store.close()
    env = tmp_path / "x.env"
    env.write_text("SPONSORSYNC_CRM=hubspot\n")
    result = invoke("config", "show", env_file=env)
    assert result.exit_code == 0, result.output
    assert "belongs to a salesforce org, not hubspot: left where it is" in result.stderr
    assert (legacy / DB_NAME).is_file()
