"""``mappings validate --live`` against the sandbox, through the real connector and SDK over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from connectors.sandbox.app import build_sandbox
from tests.mappings.support import default_text, edited, line_of

runner = CliRunner()


@pytest.fixture(scope="module")
def hubspot_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    server = build_sandbox("hubspot", ca_dir=tmp_path_factory.mktemp("ca"), size=50)
    server.start()
    try:
        yield server.env()
    finally:
        server.stop()


def test_the_default_hubspot_mapping_matches_the_sandbox(hubspot_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(default_text("hubspot"))
    result = runner.invoke(app, ["mappings", "validate", "--live", str(path)], env=hubspot_env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "live: 8 objects and all their mapped fields match the CRM"


def test_live_catches_a_misspelt_hubspot_property(hubspot_env: dict[str, str], tmp_path: Path) -> None:
    text = edited("hubspot", ("      title: jobtitle ", "      title: job_title "))
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["mappings", "validate", "--live", str(path)], env=hubspot_env)
    assert result.exit_code == 2, result.output
    assert (
        f"{path}:{line_of(text, 'title: job_title')}:14: objects.contacts.fields.title: "
        "contacts has no field 'job_title'; did you mean 'jobtitle'?"
    ) in result.output.splitlines()
