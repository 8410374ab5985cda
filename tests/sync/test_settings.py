from __future__ import annotations

from pathlib import Path

import pytest

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sync.settings import MASK, SettingRow, Settings, describe_settings, load_settings


def _rows(settings: Settings, env_file: Path | None = None) -> dict[str, SettingRow]:
    return {row.name: row for row in describe_settings(settings, env_file)}


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = load_settings()
    assert settings.crm is None
    assert settings.state_dir == Path.cwd() / "xdg-state" / "sponsorsync" / "no-crm"  # see test_statedir.py
    assert settings.hubspot.base_url == "https://api.hubapi.com"
    assert _rows(settings)["SPONSORSYNC_STATE_DIR"].source == "default"


def test_env_var_beats_env_file_beats_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / "prod.env"
    env_file.write_text("SPONSORSYNC_CRM=hubspot\nSPONSORSYNC_STATE_DIR=/from/file\n")
    monkeypatch.setenv("SPONSORSYNC_STATE_DIR", "/from/env")

    settings = load_settings(env_file)

    assert settings.crm == "hubspot"  # only in the file
    assert settings.state_dir == Path("/from/env")  # env var wins over the file
    rows = _rows(settings, env_file)
    assert rows["SPONSORSYNC_CRM"].source == f"env file {env_file}"
    assert rows["SPONSORSYNC_STATE_DIR"].source == "environment"
    assert rows["SPONSORSYNC_MAPPING"].source == "default"


def test_dot_env_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SPONSORSYNC_CRM=salesforce\n")
    assert load_settings().crm == "salesforce"


def test_nested_values_from_secrets_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "sponsorsync_hubspot__access_token").write_text("pat-from-secret-file\n")
    monkeypatch.setenv("SPONSORSYNC_SECRETS_DIR", str(secrets))

    settings = load_settings()

    assert settings.hubspot.access_token is not None
    assert settings.hubspot.access_token.get_secret_value() == "pat-from-secret-file"
    row = _rows(settings)["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"]
    assert row.source == f"secrets dir {secrets}"
    assert row.value == MASK


def test_every_secret_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SALESFORCE__ACCESS_TOKEN",
        "SALESFORCE__PASSWORD",
        "SALESFORCE__SECURITY_TOKEN",
        "SALESFORCE__CONSUMER_SECRET",
        "HUBSPOT__ACCESS_TOKEN",
    ):
        monkeypatch.setenv(f"SPONSORSYNC_{name}", f"sentinel-{name.lower()}")
    settings = load_settings()
    shown = " ".join(f"{row.name}={row.value}" for row in describe_settings(settings))
    assert "sentinel" not in shown
    assert repr(settings).count("sentinel") == 0
    assert sorted(settings.secret_values()) == sorted(
        f"sentinel-{n.lower()}"
        for n in (
            "SALESFORCE__ACCESS_TOKEN",
            "SALESFORCE__PASSWORD",
            "SALESFORCE__SECURITY_TOKEN",
            "SALESFORCE__CONSUMER_SECRET",
            "HUBSPOT__ACCESS_TOKEN",
        )
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "SPONSORSYNC_CRM",
            "zoho",
            "SPONSORSYNC_CRM: Input should be 'salesforce' or 'hubspot' (got 'zoho')",
        ),
        (
            "SPONSORSYNC_HUBSPOT__BASE_URL",
            "http://api.hubapi.com",
            "SPONSORSYNC_HUBSPOT__BASE_URL: must be an https:// URL",
        ),
        (
            "SPONSORSYNC_SALESFORCE__INSTANCE_URL",
            "http://x.my.salesforce.com",
            "SPONSORSYNC_SALESFORCE__INSTANCE_URL: must be an https:// URL",
        ),
        (
            "SPONSORSYNC_LIMITS__CONCURRENCY",
            "0",
            "SPONSORSYNC_LIMITS__CONCURRENCY: Input should be greater than or equal to 1",
        ),
        (
            "SPONSORSYNC_SALESFORCE__API_VERSION",
            "v59",
            "SPONSORSYNC_SALESFORCE__API_VERSION: must look like 59.0",
        ),
    ],
    ids=["crm", "hubspot-http", "salesforce-http", "concurrency", "api-version"],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert expected in err.value.message


def test_bad_secret_value_is_not_echoed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / "x.env"
    env_file.write_text("SPONSORSYNC_HUBSPOT__ACESS_TOKEN=sentinel-typo\n")
    with pytest.raises(ConfigError) as err:
        load_settings(env_file)
    assert "SPONSORSYNC_HUBSPOT__ACESS_TOKEN" in err.value.message
    assert "unknown setting" in err.value.message
    assert "sentinel" not in err.value.message


def test_missing_env_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.env")


def test_require_crm_explains_what_to_set() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings().require_crm()
    assert err.value.hint is not None
    assert "SPONSORSYNC_CRM" in err.value.hint


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SPONSORSYNC_HUBSPOT", '"pat-na1-sentinel-token"'),
        ("SPONSORSYNC_SALESFORCE", '"00Dsentinel!token"'),
        ("SPONSORSYNC_HUBSPOT", "pat-na1-sentinel-token"),
        ("SPONSORSYNC_SALESFORCE", '["00Dsentinel!token"]'),
        ("SPONSORSYNC_SALESFORCE__API_VERSION", "sentinel"),
        ("SPONSORSYNC_HUBSPOT__BASE_URL", "http://sentinel.example"),
    ],
    ids=[
        "hubspot-json-string",
        "salesforce-json-string",
        "hubspot-raw",
        "salesforce-list",
        "sf-part",
        "hs-part",
    ],
)
def test_a_value_given_to_a_group_holding_secrets_is_never_echoed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    for source in ("environment", "env file"):
        monkeypatch.delenv(name, raising=False)
        env_file = None
        if source == "environment":
            monkeypatch.setenv(name, value)
        else:
            env_file = tmp_path / "x.env"
            env_file.write_text(f"{name}='{value}'\n")
        with pytest.raises(ConfigError) as err:
            load_settings(env_file)
        text = f"{err.value.message} {err.value.hint or ''}"
        assert name in text, text
        assert "sentinel" not in text, text


def test_a_bad_value_outside_the_secret_groups_is_shown_with_url_credentials_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPONSORSYNC_LOG_FORMAT", "https://someone:sentinel-pw@proxy.example")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "proxy.example" in err.value.message
    assert "sentinel" not in err.value.message


def test_config_show_masks_credentials_in_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPONSORSYNC_HUBSPOT__BASE_URL", "https://someone:sentinel-pw@hubapi.example")
    monkeypatch.setenv("SPONSORSYNC_SALESFORCE__INSTANCE_URL", "https://sentinel-user@acme.my.salesforce.com")
    rows = _rows(load_settings())
    assert rows["SPONSORSYNC_HUBSPOT__BASE_URL"].value == f"https://{MASK}@hubapi.example"
    assert rows["SPONSORSYNC_SALESFORCE__INSTANCE_URL"].value == f"https://{MASK}@acme.my.salesforce.com"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "SPONSORSYNC_STAT_DIR=/x",
            "SPONSORSYNC_STAT_DIR in {env}: unknown setting; did you mean SPONSORSYNC_STATE_DIR?",
        ),
        (
            "SPONSORSYNC_HUBSPOT__ACESS_TOKEN=sentinel-typo",
            "SPONSORSYNC_HUBSPOT__ACESS_TOKEN in {env}: unknown setting; "
            "did you mean SPONSORSYNC_HUBSPOT__ACCESS_TOKEN?",
        ),
        ("SPONSORSYN_CRM=hubspot", "SPONSORSYN_CRM in {env}: unknown setting; did you mean SPONSORSYNC_CRM?"),
        (
            "SPONSORSYNC_COLOUR=blue",
            "SPONSORSYNC_COLOUR in {env}: unknown setting; see `sponsorsync config show` for the valid names",
        ),
    ],
    ids=["top-level", "nested-secret", "prefix", "nothing-close"],
)
def test_an_env_file_typo_gets_a_did_you_mean(tmp_path: Path, line: str, expected: str) -> None:
    env_file = tmp_path / "x.env"
    env_file.write_text(line + "\n")
    with pytest.raises(ConfigError) as err:
        load_settings(env_file)
    assert err.value.message == "Invalid settings: " + expected.format(env=env_file)
    assert "sentinel" not in err.value.message
