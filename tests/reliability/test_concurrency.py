"""Two runs started together on the same state: one runs, the other stops at once with exit 5 and
says why; nothing is written twice. Real processes (`python -m sponsorsync.cli sync run`) against the sandbox."""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sync.store import DB_NAME, StateStore
from tests.support.cli import CliResult, invoke, run, spawn
from tests.support.driver import CrmState, crm_state, driver_for
from tests.support.sandbox import Sandbox, running_sandbox

SIZE = 60
NO_LABELS: dict[str, dict[str, str]] = {"user": {}, "contact": {}, "account": {}}
WRITE_ROUTES = ("PATCH", "POST /crm/v3/objects/{objectType}/batch/create", "batch/update")


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def box(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(request.param, tmp_path_factory.mktemp(request.param), size=SIZE) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def reference(box: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrmState, dict[str, int]]:
    """The CRM after one run alone, and the writes that run sent."""
    box.admin.reset()
    box.admin.reset_stats()
    home = tmp_path_factory.mktemp("alone")
    result = run("sync", "run", env_file=box.env_file(home / "run.env", state_dir=home / "state"))
    assert result.exit_code == 0, result.stderr
    return crm_state(driver_for(box, NO_LABELS)), writes(box)


def writes(box: Sandbox) -> dict[str, int]:
    return {route: n for route, n in box.calls().items() if any(w in route for w in WRITE_ROUTES)}


def assert_lock_refusal(result: CliResult, state_dir: Path) -> None:
    """Exit 5, one line saying who holds the lock, a hint, no traceback."""
    assert result.exit_code == 5, result.output
    assert "Traceback" not in result.output
    [error] = result.errors()
    assert error.startswith(f"error: Another sponsorsync run holds the lock on {state_dir} (pid "), error
    assert "  hint: wait for it to finish" in result.stderr


@pytest.mark.parametrize("round_", range(3), ids=[f"round-{i}" for i in range(3)])
def test_two_runs_started_together_one_runs_and_the_other_exits_5(
    box: Sandbox, reference: tuple[CrmState, dict[str, int]], tmp_path: Path, round_: int
) -> None:
    """Started in the same instant on a fresh state directory (neither has created the database yet)."""
    expected, expected_writes = reference
    box.admin.reset()
    box.admin.reset_stats()
    box.admin.configure(latency_ms=50)  # the run that wins holds the lock for a while
    env_file = box.env_file(tmp_path / "run.env", state_dir=tmp_path / "state")
    children = [spawn("sync", "run", "--json", env_file=env_file) for _ in range(2)]
    outputs = [c.communicate(timeout=120) for c in children]
    results = [CliResult(c.returncode, out, err) for c, (out, err) in zip(children, outputs, strict=True)]
    box.admin.configure(latency_ms=0)

    assert sorted(r.exit_code for r in results) == [0, 5], [r.output for r in results]
    winner = next(r for r in results if r.exit_code == 0)
    loser = next(r for r in results if r.exit_code == 5)
    assert_lock_refusal(loser, tmp_path / "state")
    assert json.loads(winner.stdout)["counts"]["created"] == len(expected.tasks)
    state = crm_state(driver_for(box, NO_LABELS))
    assert state.duplicates() == []
    assert state.tasks == expected.tasks
    assert writes(box) == expected_writes  # the loser sent nothing


def test_a_run_started_while_another_is_running_exits_5_and_a_later_run_proceeds(
    box: Sandbox, reference: tuple[CrmState, dict[str, int]], tmp_path: Path
) -> None:
    expected, _ = reference
    box.admin.reset()
    box.admin.reset_stats()
    env_file = box.env_file(tmp_path / "run.env", state_dir=tmp_path / "state")
    # The first run stalls on its first write (8 s), holding the lock, until the fault's delay ends.
    box.admin.add_faults({"method": "PATCH" if box.crm == "salesforce" else "POST", "path": "re:/(composite|batch)/",
                          "action": "delay", "delay_ms": 8000, "count": 1})  # fmt: skip
    first = spawn("sync", "run", "--json", env_file=env_file)
    deadline = time.monotonic() + 60
    while not any(r["matched"] for r in box.admin.faults()):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first run never reached its writes"
        time.sleep(0.05)

    second = invoke("sync", "run", env_file=env_file)  # quick: the first run is surely still waiting
    status = invoke("sync", "status", env_file=env_file)

    assert_lock_refusal(second, tmp_path / "state")
    assert f"pid {first.pid}" in second.stderr
    assert status.exit_code == 0, status.output  # status reads the state without the lock
    assert "last run: #1 run running" in status.stdout
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    third = run("sync", "run", "--json", env_file=env_file)
    assert third.exit_code == 0, third.output
    assert json.loads(third.stdout)["counts"]["created"] == 0
    state = crm_state(driver_for(box, NO_LABELS))
    assert state.duplicates() == []
    assert state.tasks == expected.tasks


def test_two_runs_with_separate_state_never_duplicate_a_task(
    box: Sandbox, reference: tuple[CrmState, dict[str, int]], tmp_path: Path
) -> None:
    """Two schedulers (two hosts, each with its own state directory, so no shared lock) started
    together: both run, and the CRM still holds each task once, because every write is keyed."""
    expected, _ = reference
    box.admin.reset()
    box.admin.reset_stats()
    box.admin.configure(latency_ms=20)
    children = [
        spawn(
            "sync", "run", env_file=box.env_file(tmp_path / f"host{i}.env", state_dir=tmp_path / f"host{i}")
        )
        for i in range(2)
    ]
    outputs = [c.communicate(timeout=120) for c in children]
    box.admin.configure(latency_ms=0)

    assert [c.returncode for c in children] == [0, 0], outputs
    state = crm_state(driver_for(box, NO_LABELS))
    assert state.duplicates() == []
    assert state.tasks == expected.tasks
    assert state.accounts == expected.accounts


def _open_each(dirs: list[str], start: Any, failures: Any) -> None:
    for state_dir in dirs:
        start.wait()
        try:
            StateStore(Path(state_dir)).close()
        except ConfigError as exc:
            failures.put(str(exc))


def test_processes_opening_a_new_state_database_together_all_succeed(tmp_path: Path) -> None:
    """Four processes open 50 fresh state databases in lockstep. SQLite refuses a second connection
    switching a new database to WAL with an immediate "database is locked" (seen as a run exiting 2
    instead of 5 when two runs start together); the store serialises opening so none fails."""
    context = multiprocessing.get_context("spawn")  # no fork of a process running sandbox threads
    dirs = [str(tmp_path / f"state-{i}") for i in range(50)]
    start, failures = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_open_each, args=(dirs, start, failures)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    messages = []
    while not failures.empty():
        messages.append(failures.get())
    assert messages == []
    assert all((Path(d) / DB_NAME).exists() for d in dirs)
