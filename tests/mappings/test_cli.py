"""The ``mappings`` and ``titles`` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sponsorsync.cli import app
from sponsorsync.mappings.loader import load_mapping, parse_mapping
from sponsorsync.mappings.model import mapping_json_schema
from tests.mappings.support import default_text, edited, line_of

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_init_writes_the_commented_default(crm: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["mappings", "init", "--crm", crm])
    assert result.exit_code == 0, result.output
    written = Path(f"sponsorsync.{crm}.yaml")
    assert written.read_text() == default_text(crm)  # type: ignore[arg-type]
    assert "# " in written.read_text()


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("mine\n")
    result = runner.invoke(app, ["mappings", "init", "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert f"error: {target} already exists" in result.output
    assert target.read_text() == "mine\n"
    assert runner.invoke(app, ["mappings", "init", "--out", str(target), "--force"]).exit_code == 0
    assert target.read_text() == default_text("salesforce")


def test_init_to_stdout() -> None:
    result = runner.invoke(app, ["mappings", "init", "--crm", "hubspot", "--out", "-"])
    assert result.exit_code == 0, result.output
    assert result.output == default_text("hubspot")


def test_validate_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(default_text("hubspot"))
    result = runner.invoke(app, ["mappings", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"{path}: valid hubspot mapping; objects: owners, companies, contacts, tasks"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"SPONSORSYNC_CRM": "hubspot"}, "hubspot.yaml: valid hubspot"), ({}, "error: No CRM chosen")],
    ids=["crm-from-settings", "no-crm"],
)
def test_validate_without_a_file_uses_the_settings(
    env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["mappings", "validate"])
    assert expected in result.output


def test_validate_uses_the_mapping_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(default_text("salesforce"))
    monkeypatch.setenv("SPONSORSYNC_MAPPING", str(path))
    result = runner.invoke(app, ["mappings", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{path}: valid salesforce mapping")


def test_validate_a_bad_file_exits_2_with_one_line_per_problem_and_no_traceback(tmp_path: Path) -> None:
    text = edited(
        "salesforce",
        ("      tier: Alliance_Tier__c", "      teir: Alliance_Tier__c"),
        ("    kinds: [meeting, call, email]", "    kinds: [meeting, cal, email]"),
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "sponsorsync.cli", "mappings", "validate", str(path)],
        env={k: v for k, v in os.environ.items() if not k.startswith("SPONSORSYNC_")},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: {path}: 2 problems in the mapping file",
        f"{path}:{line_of(text, 'teir:')}:7: objects.accounts.fields.teir: unknown key; did you mean 'tier'? "
        "(valid keys here: id, name, owner_id, type, tier, sponsor_id, focus)",
        f"{path}:{line_of(text, 'kinds: [meeting, cal')}:22: cadence.touch.kinds[1]: no activity object produces "
        "kind 'cal'; did you mean 'call'? (kinds produced: call, email, meeting, task)",
        f"  hint: fix them, then check with `sponsorsync mappings validate {path}`",
    ]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "error: No HubSpot access token is set"),
        (
            {"SPONSORSYNC_CRM": "salesforce"},
            "error: The mapping is for hubspot but the settings connect to salesforce",
        ),
    ],
    ids=["no-credentials", "other-crm"],
)
def test_validate_live_needs_a_connection_to_the_mappings_crm(
    env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = Path("m.yaml")
    path.write_text(default_text("hubspot"))
    result = runner.invoke(app, ["mappings", "validate", str(path), "--live"])
    assert result.exit_code == 2, result.output
    assert expected in result.output


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_show_prints_the_effective_mapping_which_loads_back_the_same(crm: str) -> None:
    result = runner.invoke(app, ["mappings", "show", "--crm", crm])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"version: 1\ncrm: {crm}\nobjects:\n")
    shown = parse_mapping(result.output, "shown.yaml")
    assert shown.model_dump() == load_mapping(None, crm).model_dump()  # type: ignore[arg-type]


def test_schema_prints_the_json_schema() -> None:
    result = runner.invoke(app, ["mappings", "schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == mapping_json_schema()


def test_classify_titles_given_as_arguments() -> None:
    result = runner.invoke(app, ["titles", "classify", "SVP & Chief Revenue Officer", "Chief of Staff"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.output.splitlines()] == [
        {
            "title": "SVP & Chief Revenue Officer",
            "seniority": "c_suite",
            "function": "sales",
            "is_executive": True,
            "confidence": "high",
        },
        {
            "title": "Chief of Staff",
            "seniority": "director",
            "function": "general_management",
            "is_executive": False,
            "confidence": "high",
        },
    ]


def test_classify_titles_from_stdin_one_per_line() -> None:
    result = runner.invoke(app, ["titles", "classify"], input="VP Sales, EMEA\n\nDirecteur Général\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["title"], r["seniority"], r["is_executive"]) for r in rows] == [
        ("VP Sales, EMEA", "vp", True),
        ("Directeur Général", "c_suite", True),
    ]


def test_classify_explains_which_rules_decided() -> None:
    result = runner.invoke(app, ["titles", "classify", "--explain", "Sr. V.P. Alliances"])
    row = json.loads(result.output)
    assert row["normalized"] == "senior vp alliances"
    assert row["seniority"] == "evp"
    assert isinstance(row["seniority_rule"], int)
    assert isinstance(row["function_rule"], int)
    assert row["seniority_from"].startswith("titles.rules[")


def test_classify_says_where_a_pack_rule_is_written_and_why_an_answer_is_uncertain() -> None:
    result = runner.invoke(
        app, ["titles", "classify", "--explain", "社長秘書", "CSO", "Distinguished Fellow"]
    )
    assert result.exit_code == 0, result.output
    secretary, cso, fellow = (json.loads(line) for line in result.output.splitlines())
    assert (secretary["seniority"], secretary["confidence"]) == ("individual", "high")
    assert secretary["seniority_from"].startswith("titles.packs.ja[")
    assert "not executives" in secretary["seniority_note"]
    assert (cso["seniority"], cso["function"], cso["confidence"]) == ("c_suite", "other", "low")
    assert "marked confidence: low" in cso["low_because"]
    assert (fellow["seniority"], fellow["confidence"]) == ("individual", "low")
    assert "looks senior" in fellow["low_because"]


def test_classify_uses_the_given_mapping_and_its_threshold(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(edited("salesforce", ("  executive_threshold: vp", "  executive_threshold: director")))
    result = runner.invoke(app, ["titles", "classify", "--mapping", str(path), "Director of Sales"])
    assert json.loads(result.output)["is_executive"] is True


def test_validate_refuses_a_yaml_alias_bomb_with_exit_2_fast(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    lines = ["version: 1", "crm: salesforce", 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
    bomb.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["mappings", "validate", str(bomb)])
    assert result.exit_code == 2, result.output
    assert f"{bomb}:4:8: (YAML syntax): YAML aliases (*a) are not allowed" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("edit", "key", "expected"),
    [
        (
            ("        Key: key\n", "        Key: key\n        'Strategic ': strategic\n"),
            "'Strategic '",
            "objects.accounts.value_maps.tier.Strategic : 'Strategic ' has blanks around it (or is empty), so "
            "no CRM value ever matches it and accounts with that value get no tier and are not alliances; "
            "write the CRM value exactly, e.g. 'Strategic'",
        ),
        (
            ("        Key: key\n", "        Key: key\n        KEY: strategic\n"),
            "KEY: strategic",
            "objects.accounts.value_maps.tier.KEY: differs from the earlier key 'Key' only in case; CRM values "
            "are compared case-insensitively, so one of the two never matches: keep one",
        ),
    ],
    ids=["blanks", "case-twin"],
)
def test_validate_warns_about_a_tier_key_that_never_matches(
    edit: tuple[str, str], key: str, expected: str, tmp_path: Path
) -> None:
    text = edited("salesforce", edit)
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["mappings", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"warning: {path}:{line_of(text, key)}:9: {expected}" in result.output.splitlines()
    clean = tmp_path / "clean.yaml"
    clean.write_text(default_text("salesforce"))
    assert "warning" not in runner.invoke(app, ["mappings", "validate", str(clean)]).output


def test_validate_warns_when_a_sponsor_is_inactive_before_a_touch_is_due(tmp_path: Path) -> None:
    old = "    key: {sponsor_update_days: 60, executive_touch_days: 90, inactive_after_days: 180}"
    text = edited("hubspot", (old, old.replace("180", "60")))
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["mappings", "validate", str(path)])
    assert result.exit_code == 0, result.output
    line = line_of(text, old.replace("180", "60"))
    column = old.index("inactive_after_days: 180") + len("inactive_after_days: ") + 1
    assert (
        f"warning: {path}:{line}:{column}: cadence.tiers.key.inactive_after_days: 60 days is shorter than "
        "executive_touch_days (90): a sponsor is called inactive before a touch with the partner is even due; "
        "make it at least 90 (the default files use twice)"
    ) in result.output.splitlines(), result.output
