"""`sponsorsync setup` and `check` on a bare sandbox org, both CRMs, over real HTTPS: check names every
missing field and points at setup; setup plan lists them; apply creates them (and on Salesforce the
permission set that makes them visible); then check passes and a full sync runs; a second apply
creates nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import invoke
from tests.support.sandbox import running_sandbox

CUSTOM = {
    "salesforce": [
        "Account.Alliance_Tier__c", "Account.Executive_Sponsor__c", "Task.Sponsor_Sync_Key__c",
        "Task.Sponsor_Sync_Stamp__c", "Account.Sponsor_Health__c", "Account.Sponsor_Last_Touch__c",
        "Account.Sponsor_Health_Reason__c", "Account.Sponsor_Sync_Stamp__c",
    ],
    "hubspot": [
        "companies.alliance_tier", "companies.executive_sponsor", "tasks.sponsor_sync_key",
        "tasks.sponsor_sync_stamp", "companies.sponsor_health", "companies.sponsor_last_touch",
        "companies.sponsor_health_reason", "companies.sponsor_sync_stamp",
    ],
}  # fmt: skip
CRMS = ["salesforce", "hubspot"]


@pytest.mark.parametrize("crm", CRMS)
def test_setup_on_a_bare_org_then_check_passes_and_a_sync_runs(crm: str, tmp_path: Path) -> None:
    with running_sandbox(crm, tmp_path / "box", bare=True) as box:
        env = box.env_file(tmp_path / "bare.env")

        before = invoke("check", env_file=env)
        assert before.exit_code == 2, before.output
        assert before.errors()[0].startswith("error: the CRM lacks 8 custom")
        for name in CUSTOM[crm]:
            assert f"  {name}: " in before.stderr, name
        assert "sponsorsync setup plan" in before.stderr

        plan = invoke("setup", "plan", "--json", env_file=env)
        assert plan.exit_code == 0, plan.output
        planned = json.loads(plan.stdout)["create"]
        assert [f"{d['object']}.{d['name']}" for d in planned] == CUSTOM[crm]
        key = next(d for d in planned if d["purpose"] == "writeback.task.key_field")
        assert (key["external_id"], key["unique"]) == (
            (True, False) if crm == "salesforce" else (False, True)
        )

        applied = invoke("setup", "apply", env_file=env)
        assert applied.exit_code == 0, applied.output
        for name in CUSTOM[crm]:
            assert f"created  {'field' if crm == 'salesforce' else 'property'} {name}" in applied.stdout
        if crm == "salesforce":
            assert "created  permission set Sponsorsync_Integration" in applied.stdout
            assert "created  assignment of permission set Sponsorsync_Integration" in applied.stdout

        after = invoke("check", env_file=env)
        assert after.exit_code == 0, after.output
        assert "every mapped field exist" in after.stdout

        run = invoke("sync", "run", "--json", env_file=env)
        assert run.exit_code == 0, run.output
        counts = json.loads(run.stdout)["counts"]
        assert counts["created"] > 0, counts

        again = invoke("setup", "plan", env_file=env)
        assert again.exit_code == 0, again.output
        assert "nothing to do" in again.stdout
        box.admin.reset_stats()
        second = invoke("setup", "apply", env_file=env)
        assert second.exit_code == 0, second.output
        assert "created" not in second.stdout
        assert not [r for r in box.calls() if not r.startswith("GET")], box.calls()


@pytest.mark.parametrize("crm", CRMS)
def test_setup_plan_on_a_complete_org_has_nothing_to_do(crm: str, tmp_path: Path) -> None:
    with running_sandbox(crm, tmp_path / "box") as box:
        env = box.env_file(tmp_path / "full.env")
        plan = invoke("setup", "plan", env_file=env)
        assert plan.exit_code == 0, plan.output
        assert "nothing to do" in plan.stdout
        assert json.loads(invoke("setup", "plan", "--json", env_file=env).stdout)["create"] == []


FIELD_CREATE = {
    "salesforce": "/services/data/*/tooling/sobjects/CustomField",
    "hubspot": "/crm/v3/properties/companies",
}


@pytest.mark.parametrize("crm", CRMS)
def test_a_partly_refused_setup_says_what_was_created_and_what_failed_and_a_rerun_finishes(
    crm: str, tmp_path: Path
) -> None:
    with running_sandbox(crm, tmp_path / "box", bare=True) as box:
        env = box.env_file(tmp_path / "bare.env")
        box.admin.add_faults(
            {"method": "POST", "path": FIELD_CREATE[crm], "after": 1, "count": 1, "status": 400,
             "error_code": "INSUFFICIENT_ACCESS" if crm == "salesforce" else "VALIDATION_ERROR",
             "message": "not allowed here"}
        )  # fmt: skip
        first = invoke("setup", "apply", env_file=env)
        assert first.exit_code == 1, first.output
        failed = [line for line in first.stdout.splitlines() if line.startswith("failed")]
        assert len(failed) == 1, first.stdout
        assert CUSTOM[crm][1] in failed[0]  # the second field create was refused
        assert f"created  {'field' if crm == 'salesforce' else 'property'} {CUSTOM[crm][0]}" in first.stdout
        assert first.errors()[0].startswith("error: setup created ")
        assert "the CRM refused 1:" in first.stderr
        assert "run `sponsorsync setup apply` again" in first.stderr

        plan = json.loads(invoke("setup", "plan", "--json", env_file=env).stdout)["create"]
        assert [f"{d['object']}.{d['name']}" for d in plan] == [CUSTOM[crm][1]]
        second = invoke("setup", "apply", env_file=env)
        assert second.exit_code == 0, second.output
        assert invoke("check", env_file=env).exit_code == 0
