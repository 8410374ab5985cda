"""`sponsorsync cleanup` after a sync, both CRMs, over real HTTPS: open keyed tasks are closed as not
needed (or deleted), the account fields still holding sponsorsync's value are cleared, a value a
person changed is left and reported; apply needs --yes. Plus the pure plan's honest refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import pytest

from sponsorsync.connectors.base import AdminConnector, CrmName, Record, WriteItem
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.cleanup import account_fields, plan_cleanup
from sponsorsync.sync.ledger import LedgerEntry
from tests.support.cli import invoke
from tests.support.sandbox import connector, running_sandbox

CRMS = ["salesforce", "hubspot"]
OTHER_HEALTH = {
    "Green": "Red",
    "Amber": "Red",
    "Red": "Green",
    "green": "red",
    "amber": "red",
    "red": "green",
}


def _open_keyed(admin: AdminConnector, crm: CrmName) -> list[Record]:
    mapping = load_mapping(None, crm)
    task = mapping.writeback.task
    closed = {task.values.status_completed, task.values.status_not_needed}
    status = task.fields.status.field
    records = admin.keyed_records(task.object, task.key_field, [status])
    return [r for r in records if r.fields.get(status) not in closed]


def _ours(admin: AdminConnector, crm: CrmName) -> dict[str, dict[str, object]]:
    """Account id -> the sponsorsync fields holding a value."""
    mapping = load_mapping(None, crm)
    assert mapping.writeback.account is not None
    names = account_fields(mapping)
    found: dict[str, dict[str, object]] = {}
    for name in names:
        for record in admin.keyed_records(mapping.writeback.account.object, name, names):
            found[record.id] = {k: v for k, v in record.fields.items() if v not in (None, "")}
    return found


@pytest.mark.parametrize("crm", CRMS)
@pytest.mark.parametrize("delete", [False, True], ids=["close", "delete"])
def test_cleanup_after_a_sync_leaves_no_open_task_and_no_value_of_ours(
    crm: CrmName, delete: bool, tmp_path: Path
) -> None:
    mapping = load_mapping(None, crm)
    assert mapping.writeback.account is not None
    assert mapping.writeback.account.fields.health is not None
    health = mapping.writeback.account.fields.health.field
    with running_sandbox(crm, tmp_path / "box") as box:
        env = box.env_file(tmp_path / "org.env")
        run = invoke("sync", "run", env_file=env)
        assert run.exit_code == 0, run.output
        admin = cast(AdminConnector, connector(box))
        assert len(_open_keyed(admin, crm)) > 0
        written = _ours(admin, crm)
        assert len(written) >= 2
        # A person changes one account's health after the sync: that value is theirs now.
        changed_id = sorted(written)[0]
        theirs = OTHER_HEALTH[str(written[changed_id][health])]
        list(admin.update(mapping.writeback.account.object, [WriteItem(changed_id, {health: theirs})]))

        flags = ["--delete"] if delete else []
        plan = invoke("cleanup", "plan", *flags, "--json", env_file=env)
        assert plan.exit_code == 0, plan.output
        planned = json.loads(plan.stdout)
        assert len(planned["tasks"]["records"]) == len(_open_keyed(admin, crm))
        assert any(
            x["what"] == f"{mapping.writeback.account.object} {changed_id} {health}"
            and "changed by a person" in x["why"]
            for x in planned["left"]
        ), planned["left"]

        refused = invoke("cleanup", "apply", *flags, env_file=env)
        assert refused.exit_code == 2, refused.output
        assert "--yes" in refused.stderr
        assert len(_open_keyed(admin, crm)) > 0  # nothing changed without --yes

        applied = invoke("cleanup", "apply", *flags, "--yes", env_file=env)
        assert applied.exit_code == 0, applied.output
        assert "changed by a person since sponsorsync wrote it" in applied.stdout

        assert _open_keyed(admin, crm) == []
        assert _ours(admin, crm) == {changed_id: {health: theirs}}
        task = mapping.writeback.task
        remaining = admin.keyed_records(task.object, task.key_field, [task.fields.status.field])
        if delete:
            assert remaining == []
        else:
            assert {r.fields[task.fields.status.field] for r in remaining} <= {
                task.values.status_not_needed,
                task.values.status_completed,
            }

        again = invoke("cleanup", "plan", env_file=env)
        assert again.exit_code == 0, again.output
        assert "0 open" in again.stdout


def _task(key: str, status: str) -> Record:
    return Record(f"id-{key}", {"Sponsor_Sync_Key__c": key, "Status": status, "Subject": f"Do {key}"})


def test_without_a_not_needed_status_open_tasks_are_left_not_marked_completed() -> None:
    mapping = load_mapping(None, "salesforce")
    values = mapping.writeback.task.values.model_copy(update={"status_not_needed": None})
    task = mapping.writeback.task.model_copy(update={"values": values})
    mapping = mapping.model_copy(update={"writeback": mapping.writeback.model_copy(update={"task": task})})
    plan = plan_cleanup(mapping, [_task("a", "Not Started"), _task("b", "Completed")], [], [], delete=False)
    assert plan.tasks == []
    assert [x.what for x in plan.left] == ["Task id-a (a)"]
    assert "would say someone did it" in plan.left[0].why
    deleting = plan_cleanup(mapping, [_task("a", "Not Started")], [], [], delete=True)
    assert [t.id for t in deleting.tasks] == ["id-a"]


def test_account_values_without_a_ledger_record_are_left() -> None:
    mapping = load_mapping(None, "salesforce")
    ours = LedgerEntry("account:001A", "account", "Account", "001A", "001A", "health", "written",
                       {"Sponsor_Health__c": "Red", "Sponsor_Last_Touch__c": "2026-01-02"})  # fmt: skip
    accounts = [
        Record(
            "001A",
            {
                "Sponsor_Health__c": "Red",
                "Sponsor_Last_Touch__c": "2026-01-02",
                "Sponsor_Health_Reason__c": "x",
            },
        ),
        Record("001B", {"Sponsor_Health__c": "Green"}),
    ]
    plan = plan_cleanup(mapping, [], accounts, [ours], delete=False)
    assert [(c.account_id, c.fields) for c in plan.clears] == [
        ("001A", ("Sponsor_Health__c", "Sponsor_Last_Touch__c"))
    ]
    assert [x.what for x in plan.left] == [
        "Account 001A Sponsor_Health_Reason__c",
        "Account 001B Sponsor_Health__c",
    ]
    assert all("no record" in x.why for x in plan.left)


def test_cleanup_apply_waits_for_no_run_it_refuses_while_one_holds_the_lock(tmp_path: Path) -> None:
    from sponsorsync.sync.store import StateStore

    with running_sandbox("salesforce", tmp_path / "box") as box:
        env = box.env_file(tmp_path / "org.env")
        assert invoke("sync", "run", env_file=env).exit_code == 0
        store = StateStore(tmp_path / "box" / "state")
        store.acquire()
        try:
            held = invoke("cleanup", "apply", "--yes", env_file=env)
        finally:
            store.close()
        assert held.exit_code == 5, held.output
        assert held.errors()[0].startswith("error: Another sponsorsync run holds the lock")
        admin = cast(AdminConnector, connector(box))
        assert len(_open_keyed(admin, "salesforce")) > 0
