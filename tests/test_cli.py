from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sponsorsync.cli import app

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("config", "demo"):
        assert command in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("sponsorsync ")


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPONSORSYNC_HUBSPOT__ACCESS_TOKEN", "sentinel-123")
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    assert "sentinel-123" not in result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"]["value"] == "********"
    assert rows["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"]["source"] == "environment"


def test_config_show_reads_the_given_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text("SPONSORSYNC_CRM=hubspot\n")
    result = runner.invoke(app, ["--env-file", str(env_file), "config", "show", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["SPONSORSYNC_CRM"] == {
        "name": "SPONSORSYNC_CRM",
        "value": "hubspot",
        "source": f"env file {env_file}",
        "description": "Which CRM to sync: salesforce or hubspot.",
    }


def test_bad_log_format_is_a_usage_error() -> None:
    result = runner.invoke(app, ["--log-format", "xml", "config", "show"])
    assert result.exit_code == 2
    assert "--log-format" in result.output


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a scheduler would run it."""
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("SPONSORSYNC_")}
    return subprocess.run(
        [sys.executable, "-m", "sponsorsync.cli", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_bad_setting_exits_2_with_one_line_and_no_traceback() -> None:
    result = _run("config", "show", env={"SPONSORSYNC_CRM": "zoho"})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "error: Invalid settings: SPONSORSYNC_CRM: Input should be 'salesforce' or 'hubspot' (got 'zoho')"
    ]


def test_config_show_never_prints_a_secret_from_the_real_process() -> None:
    result = _run("config", "show", env={"SPONSORSYNC_HUBSPOT__ACCESS_TOKEN": "sentinel-123"})
    assert result.returncode == 0, result.stderr
    assert "sentinel-123" not in result.stdout + result.stderr
    assert "SPONSORSYNC_HUBSPOT__ACCESS_TOKEN" in result.stdout
