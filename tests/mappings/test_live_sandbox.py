"""``mappings validate --live`` against the sandbox, through the real connector and SDK over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sponsorsync.cli import app
from sponsorsync.mappings.vocab import CrmName
from sponsorsync.sandbox.app import build_sandbox
from tests.mappings.support import default_text, edited, line_of

runner = CliRunner()

TYPOS = {
    "salesforce": (
        ("      tier: Alliance_Tier__c", "      tier: Alliance_Tir__c"),
        "objects.accounts.fields.tier: Account has no field 'Alliance_Tir__c'; did you mean 'Alliance_Tier__c'?",
    ),
    "hubspot": (
        ("      title: jobtitle ", "      title: job_title "),
        "objects.contacts.fields.title: contacts has no field 'job_title'; did you mean 'jobtitle'?",
    ),
}
# Salesforce with EventRelation and TaskRelation; both with the deals and cases objects
OBJECTS = {"salesforce": 10, "hubspot": 10}


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def sandbox(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[CrmName, dict[str, str]]]:
    crm: CrmName = request.param
    server = build_sandbox(crm, ca_dir=tmp_path_factory.mktemp("ca"), size=50)
    server.start()
    try:
        yield crm, server.env()
    finally:
        server.stop()


def test_the_default_mapping_matches_the_sandbox(
    sandbox: tuple[CrmName, dict[str, str]], tmp_path: Path
) -> None:
    crm, env = sandbox
    path = tmp_path / "m.yaml"
    path.write_text(default_text(crm))
    result = runner.invoke(app, ["mappings", "validate", "--live", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[-1]
        == f"live: {OBJECTS[crm]} objects and all their mapped fields match the CRM"
    )


def test_live_catches_a_misspelt_field(sandbox: tuple[CrmName, dict[str, str]], tmp_path: Path) -> None:
    crm, env = sandbox
    edit, expected = TYPOS[crm]
    text = edited(crm, edit)
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["mappings", "validate", "--live", str(path)], env=env)
    assert result.exit_code == 2, result.output
    problems = [
        line
        for line in result.output.splitlines()
        if line.startswith(f"{path}:") and line[len(f"{path}:")].isdigit()
    ]
    assert len(problems) == 1, result.output
    assert problems[0].startswith(f"{path}:{line_of(text, edit[1])}:")
    assert problems[0].split(": ", 1)[1] == expected


ROSTER_TYPO = {
    "hubspot": (
        ("email: ava.chen@northwind.example", "email: ava.chen@northwind.exmaple"),
        "warning: roster e-mail ava.chen@northwind.exmaple matches no HubSpot owner; fix the e-mail in "
        "roster.executives (or add the owner), or that executive is never proposed",
    ),
    "salesforce": (
        ("  executives: []", "  executives: [{email: ava.chen@northwind.exmaple, capacity: 2}]"),
        "warning: roster e-mail ava.chen@northwind.exmaple matches no Salesforce user; fix the e-mail in "
        "roster.executives (or add the user), or that executive is never proposed",
    ),
}


def test_live_warns_about_a_roster_email_that_matches_no_user(
    sandbox: tuple[CrmName, dict[str, str]], tmp_path: Path
) -> None:
    crm, env = sandbox
    edit, expected = ROSTER_TYPO[crm]
    path = tmp_path / "m.yaml"
    path.write_text(edited(crm, edit))
    result = runner.invoke(app, ["mappings", "validate", "--live", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert expected in result.output.splitlines()
    clean = tmp_path / "clean.yaml"
    clean.write_text(default_text(crm))
    ok = runner.invoke(app, ["mappings", "validate", "--live", str(clean)], env=env)
    assert "warning:" not in ok.output


def test_live_shows_offline_and_live_problems_together_under_one_verdict(
    sandbox: tuple[CrmName, dict[str, str]], tmp_path: Path
) -> None:
    crm, env = sandbox
    edit, expected = TYPOS[crm]
    offline = (
        "    strategic: {sponsor_update_days: 30,",
        "    strategic: {sponsor_update_days: 0,",
    )
    text = edited(crm, edit, offline)
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["mappings", "validate", "--live", str(path)], env=env)
    assert result.exit_code == 2, result.output
    assert not [line for line in result.output.splitlines() if ": valid " in line or line.startswith("live:")]
    problems = [line.split(": ", 1)[1] for line in result.output.splitlines() if line.startswith(f"{path}:")]
    assert expected in problems, result.output  # live
    assert any(p.startswith("cadence.tiers.strategic.sponsor_update_days:") for p in problems), result.output
    assert f"{path}: 2 problems in the mapping file" in result.output
