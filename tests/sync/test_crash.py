"""Crash and resume: `sponsorsync sync run` killed with SIGKILL at many points of its pull and apply,
then run again; afterwards the CRM must hold exactly the planned tasks (no duplicate sync key,
nothing missing, the planned field values).

Kill point i: the sandbox processes the run's i-th request at once but holds its answer back
(fault ``delay_response``); the test kills the run as soon as the sandbox has counted that request.
For a write, that is the worst moment: the CRM made the change and the ledger never heard of it.
The default suite kills at a sample of points; `python -m benchmarks` runs every point (marked scale).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.driver import Driver, driver_for
from tests.support.sandbox import Sandbox, running_sandbox

ROOT = Path(__file__).resolve().parents[2]
SIZE = 300


@dataclass
class Reference:
    requests: int  # requests a clean first run makes
    tasks: dict[str, tuple[str, str, bool]]  # key -> (subject, owner, done)


def run_sync(box: Sandbox, home: Path) -> subprocess.Popen[str]:
    settings_file = home / "run.env"
    if not settings_file.exists():
        home.mkdir(parents=True, exist_ok=True)
        box.settings()  # writes test.env with the sandbox's settings and a state dir under home
        settings_file.write_text(
            (box.home / "test.env").read_text().replace(str(box.home / "state"), str(home / "state"))
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPONSORSYNC_")}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "-q", "--env-file", str(settings_file), "sync", "run", "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def snapshot(crm: Driver) -> dict[str, tuple[str, str, bool]]:
    return {key: (t.subject, t.owner_id, t.done) for key, t in crm.tasks().items()}


def labels() -> dict[str, dict[str, str]]:
    return {"user": {}, "contact": {}, "account": {}}


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def box(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(request.param, tmp_path_factory.mktemp(request.param), size=SIZE) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def reference(box: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    box.admin.reset()
    box.admin.reset_stats()
    child = run_sync(box, tmp_path_factory.mktemp("reference"))
    _, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    return Reference(box.total_calls(), snapshot(driver_for(box, labels())))


def kill_at(box: Sandbox, home: Path, index: int) -> bool:
    """Run, kill at the index-th request; False when the run finished first."""
    box.admin.add_faults({"after": index - 1, "count": 1, "action": "delay_response", "delay_ms": 60_000})
    child = run_sync(box, home)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if child.poll() is not None:
                return False
            if box.total_calls() >= index:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
                return True
            time.sleep(0.02)
        raise AssertionError(f"request {index} never arrived")
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
        box.admin.clear_faults()


def crash_and_resume(box: Sandbox, reference: Reference, home: Path, index: int) -> None:
    box.admin.reset()
    box.admin.reset_stats()
    killed = kill_at(box, home, index)
    assert killed, f"the run finished before request {index}"
    child = run_sync(box, home)
    _, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    crm = driver_for(box, labels())
    keys = crm.task_keys()
    assert len(keys) == len(set(keys)), "a sync key appears twice in the CRM"
    assert snapshot(crm) == reference.tasks
    # And a further run has nothing left to do.
    again = run_sync(box, home)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert '"created": 0' in out
    assert '"updated": 0' in out


def sample(total: int, every: int) -> list[int]:
    """Every `every`-th request, plus the last five (the writes at the end of the run)."""
    return sorted({*range(1, total + 1, every), *range(max(1, total - 4), total + 1)})


@pytest.mark.parametrize("part", [0, 1, 2, 3])
def test_killed_runs_resume_without_duplicates_or_losses(
    box: Sandbox, reference: Reference, tmp_path: Path, part: int
) -> None:
    points = sample(reference.requests, every=12)
    mine = points[part::4]
    assert reference.tasks, "the reference run planned no task"
    for index in mine:
        crash_and_resume(box, reference, tmp_path / f"kill-{index}", index)


@pytest.mark.scale
def test_every_kill_point(box: Sandbox, reference: Reference, tmp_path: Path) -> None:
    for index in range(1, reference.requests + 1):
        crash_and_resume(box, reference, tmp_path / f"kill-{index}", index)
