"""SIGTERM, how Kubernetes, systemd and `docker stop` end a job: a real `sponsorsync sync run`
child, signalled while one of its requests is provably in flight (the sandbox has processed it and
holds the answer back), must let that request finish and record it, send no other request, record
the run as interrupted with exit 143, print one message line, and leave nothing for the next run
to repair beyond continuing."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sponsorsync.connectors.base import WriteItem
from sponsorsync.connectors.errors import ExitCode, Interrupted
from sponsorsync.connectors.retry import clear_stop, request_stop
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.store import StateStore
from tests.support import orgs
from tests.support.cli import invoke, spawn
from tests.support.driver import driver_for
from tests.support.sandbox import Sandbox, connector, running_sandbox

LABELS: dict[str, dict[str, str]] = {"user": {}, "contact": {}, "account": {}}
QUERY = "GET /services/data/{version}/queryAll{slash}"
UPSERT = "PATCH /services/data/{version}/composite/sobjects/{sobject}/{field}{slash}"
HOLD_MS = 2_500  # how long the sandbox holds back the answer of the request in flight
WHERE = {
    "pull": ({"method": "GET", "path": "*/queryAll*"}, QUERY),
    "apply": ({"method": "PATCH", "path": "*/composite/sobjects/Task/*"}, UPSERT),
}


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    data = orgs.render("salesforce", orgs.known_answers())
    with running_sandbox("salesforce", tmp_path_factory.mktemp("sf"), data=data) as sandbox:
        yield sandbox


def wait_for(box: Sandbox, route: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while box.calls().get(route, 0) == 0:
        assert time.monotonic() < deadline, f"{route} never came: {box.calls()}"
        time.sleep(0.02)


@pytest.mark.parametrize("phase", ["pull", "apply"])
def test_sigterm_stops_at_a_safe_point_and_is_recorded(box: Sandbox, tmp_path: Path, phase: str) -> None:
    box.admin.reset()
    box.admin.reset_stats()
    where, route = WHERE[phase]
    box.admin.add_faults({**where, "action": "delay_response", "delay_ms": HOLD_MS, "count": 1})
    # One request at a time, so that the one held back is the only one in flight at the signal.
    env_file = box.env_file(tmp_path / "run.env", {"LIMITS__CONCURRENCY": "1"}, state_dir=tmp_path / "state")
    child = spawn("sync", "run", env_file=env_file)
    try:
        wait_for(box, route)  # processed by the sandbox, its answer still held back
        child.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        sent = box.calls()
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    stopped_after = time.monotonic() - signalled

    assert child.returncode == 143, out + err
    assert "Traceback" not in err
    assert err.count("interrupted by SIGTERM; state is saved, run again to continue") == 1, err
    assert [line for line in err.splitlines() if line.startswith("error:")] == []
    assert stopped_after < HOLD_MS / 1000 + 5
    # The request in flight was the last one: nothing was sent after the signal.
    assert box.calls() == sent
    assert sent[route] == 1
    if phase == "apply":
        assert [r for r in sent if r.startswith("PATCH")] == [route], "no account update after the signal"
    store = StateStore(tmp_path / "state")
    try:
        ledger = Ledger(store)
        [run] = ledger.runs()
        recorded = len(ledger.entries())
    finally:
        store.close()
    assert (run.outcome, run.exit_code, run.message) == ("interrupted", 143, "stopped by SIGTERM")
    if phase == "apply":
        assert recorded > 0, "the write in flight finished and is in the ledger"

    # The next run continues: it completes, and the CRM holds every task once.
    box.admin.reset_stats()
    again = invoke("sync", "run", env_file=env_file)
    assert again.exit_code == 0, again.output
    keys = driver_for(box, LABELS).task_keys()
    assert keys
    assert len(keys) == len(set(keys))
    box.admin.reset_stats()
    assert invoke("sync", "run", env_file=env_file).exit_code == 0
    assert not [r for r in box.calls() if r.startswith("PATCH")], "nothing was left to write"


@dataclass(frozen=True)
class Batches:
    """How one CRM's task writes go out: the route, the object, the key field, a task's fields."""

    route: str
    path: str
    method: str
    object: str
    key_field: str
    size: int
    fields: dict[str, str | int | float | bool | None]


BATCHES = {
    "salesforce": Batches(UPSERT, "*/composite/sobjects/Task/*", "PATCH", "Task", "Sponsor_Sync_Key__c", 200,
                          {"Subject": "A task"}),
    "hubspot": Batches("POST /crm/v3/objects/{objectType}/batch/create", "/crm/v3/objects/tasks/batch/create",
                       "POST", "tasks", "sponsor_sync_key", 100,
                       {"hs_task_subject": "A task", "hs_task_status": "NOT_STARTED"}),
}  # fmt: skip


@pytest.fixture(scope="module")
def hubspot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    data = orgs.render("hubspot", orgs.known_answers())
    with running_sandbox("hubspot", tmp_path_factory.mktemp("hs"), data=data) as sandbox:
        yield sandbox


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_a_stop_during_parallel_writes_hands_over_every_batch_in_flight(
    crm: str, box: Sandbox, hubspot: Sandbox
) -> None:
    sandbox = box if crm == "salesforce" else hubspot
    how = BATCHES[crm]
    sandbox.admin.reset()
    client = connector(sandbox, LIMITS__CONCURRENCY="2")
    client.server_time()  # the quota is known: two batches go out together
    sandbox.admin.reset_stats()
    held = {"method": how.method, "path": how.path, "action": "delay_response"}
    sandbox.admin.add_faults(
        {**held, "delay_ms": 300, "count": 1}, {**held, "delay_ms": 2000, "after": 1, "count": 1}
    )
    items = [WriteItem(f"ss1:test:{i:04d}", dict(how.fields)) for i in range(5 * how.size)]
    handed_over: list[int] = []
    stopped: list[BaseException] = []

    def write() -> None:
        try:
            for results in client.upsert(how.object, how.key_field, items):
                handed_over.append(len(results))
        except Interrupted as exc:
            stopped.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        deadline = time.monotonic() + 30
        while sandbox.calls().get(how.route, 0) < 2:  # both first batches are in flight
            assert time.monotonic() < deadline, sandbox.calls()
            time.sleep(0.01)
        request_stop(Interrupted("SIGTERM", ExitCode.TERMINATED))
        writer.join(timeout=30)
    finally:
        clear_stop()

    assert stopped, "the stop reached the caller"
    assert handed_over == [how.size, how.size], "the batch answered after the stop was handed over too"
    assert sandbox.calls() == {how.route: 2}, "no batch was sent after the stop"
