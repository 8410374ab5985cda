"""``sponsorsync demo`` shows real tasks: a few per owner, as the owner reads them, each with the id
the CRM gave it, and where to look further."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from sponsorsync.sync.demo import run_demo
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.store import StateStore

TASK_LINE = re.compile(
    r"^  (?P<subject>\S.*?)  \(due (?P<due>\d{4}-\d\d-\d\d); (?P<record>.+?) (?P<id>\w+)\)$"
)


@pytest.mark.parametrize(("crm", "record"), [("salesforce", "Salesforce Task"), ("hubspot", "HubSpot tasks")])
def test_the_demo_prints_real_tasks_per_owner_and_where_to_look(
    crm: str, record: str, tmp_path: Path
) -> None:
    buffer = io.StringIO()
    run_demo(crm=crm, size=80, seed=0, root=tmp_path, version="test", console=Console(file=buffer, width=250))
    out = buffer.getvalue()
    shown = out.split("as their owners see them:\n", 1)[1].split("\nSecond sync", 1)[0].splitlines()

    store = StateStore(tmp_path / crm / "state")
    try:
        written = {e.crm_id: e for e in Ledger(store).entries().values() if e.kind == "task"}
    finally:
        store.close()
    owners: dict[str, int] = {}
    owner = ""
    tasks = 0
    for line in shown:
        if line and not line.startswith(" ") and not line.startswith("..."):
            owner = line
            owners[owner] = 0
        found = TASK_LINE.match(line)
        if found is None:
            continue
        tasks += 1
        owners[owner] += 1
        assert found["record"] == record
        entry = written[found["id"]]  # a task the CRM confirmed, under the id it gave
        assert found["subject"] in entry.fields.values()
    assert len(owners) >= 2, out
    assert all(1 <= n <= 3 for n in owners.values()), owners
    assert tasks >= len(owners)
    assert any(line.startswith("    ") and not line.startswith("    ...") for line in shown), "body lines"
    assert re.search(r"sync plan --owner \S+@northwind\.example", out), out
    assert "Sandbox ready at https://127.0.0.1:" in out
