"""A full pull through Salesforce Bulk API 2.0 leaves the very mirror a full pull through REST
leaves, on one sandbox org over HTTPS: the Bulk rows are projected straight from their CSV cells
(:class:`connectors.base.RecordTable`), the REST records through the record path, and every table of
the mirror must come out the same, down to the CRM values kept verbatim for sponsorsync's own tasks
(which the Bulk job leaves out, and a REST read of those tasks alone brings) and the deleted flag of a
task a person deleted."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from sponsorsync.connectors.errors import ExitCode
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.mirror import KINDS
from sponsorsync.sync.run import execute
from sponsorsync.sync.store import StateStore
from tests.support.driver import SalesforceDriver
from tests.support.sandbox import running_sandbox

SIZE = 400  # tasks take more than one REST page (2,000 records), so they go through Bulk API 2.0
CREATE_JOB = "POST /services/data/{version}/jobs/query{slash}"
TABLES = (*KINDS, "activity_contacts", "activity_users")


def mirror_of(state_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every mirror table but the run that saw it last (each pull is its own run)."""
    store = StateStore(state_dir)
    try:
        tables = {}
        for table in TABLES:
            columns = [
                row[1] for row in store.db.execute(f"PRAGMA table_info({table})") if row[1] != "seen_run"
            ]
            rows = store.db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1, 2").fetchall()
            tables[table] = [dict(zip(columns, row, strict=True)) for row in rows]
        return tables
    finally:
        store.db.close()


def test_a_bulk_full_pull_leaves_the_mirror_a_rest_full_pull_leaves(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sponsorsync.connectors.salesforce")
    mapping = load_mapping(None, "salesforce")
    with running_sandbox("salesforce", tmp_path / "sandbox", size=SIZE) as box:
        box.admin.configure(bulk_job_seconds=0)
        # Tasks of sponsorsync's own in the CRM (sync keys, values kept verbatim), one deleted.
        writer = execute(box.settings(STATE_DIR=str(tmp_path / "writer")), mapping)
        assert writer.exit_code == ExitCode.OK
        crm = SalesforceDriver(box, {})
        own = sorted(crm.tasks().values(), key=lambda task: task.key)
        assert len(own) >= 2
        crm.delete(own[0].id)
        jobs, mirrors, own_reads = {}, {}, {}
        for way, threshold in (("rest", "0"), ("bulk", "1")):
            box.admin.reset_stats()
            state = tmp_path / way
            report = execute(
                box.settings(STATE_DIR=str(state), SALESFORCE__BULK_THRESHOLD=threshold), mapping, mode="plan"
            )
            assert report.exit_code == ExitCode.OK
            jobs[way] = box.calls().get(CREATE_JOB, 0)
            reads = [unquote_plus(r["target"]) for r in box.admin.requests()]
            own_reads[way] = sum(1 for target in reads if "Sponsor_Sync_Key__c != null" in target)
            mirrors[way] = mirror_of(state)
        # The Bulk job left out what only sponsorsync's own tasks need (a Description can hold a
        # whole e-mail); those tasks came again with every field, in one REST call.
        listed: dict[str, Any] = crm.sf.restful("jobs/query") or {}
        [task_job] = [job for job in listed["records"] if job["object"] == "Task"]
        results = f"{crm.sf.base_url}jobs/query/{task_job['id']}/results"
        header = crm.sf.session.get(results, headers=crm.sf.headers, timeout=30).text.splitlines()[0]
    assert jobs["rest"] == 0
    bulk = {m.split(":")[0].split()[-1] for m in caplog.messages if m.endswith("(threshold 1)")}
    assert bulk == {"Task"}  # the others fit in the first REST page: see tests/sync/test_tables.py
    assert jobs["bulk"] == len(bulk)
    assert '"Sponsor_Sync_Key__c"' in header
    assert not {'"Description"', '"Status"', '"Priority"', '"Sponsor_Sync_Stamp__c"'} & set(header.split(","))
    assert own_reads == {"rest": 0, "bulk": 1}
    for table in TABLES:
        assert mirrors["bulk"][table] == mirrors["rest"][table], table
    assert all(mirrors["bulk"][table] for table in ("users", "accounts", "contacts", "activities"))
    activities = {row["id"]: row for row in mirrors["bulk"]["activities"]}
    gone, live = activities[own[0].id], activities[own[1].id]
    assert (gone["deleted"], live["deleted"]) == (1, 0)
    assert live["sync_key"] == own[1].key
    assert json.loads(live["extra"])["Subject"] == own[1].subject  # the CRM's values, kept verbatim
