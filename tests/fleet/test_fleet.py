"""The fleet with real parts: a PostgreSQL server from pgserver, sandbox orgs of both CRMs over
HTTPS, `sponsorsync fleet` commands and worker processes on Procrastinate."""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.fleet.registry import FleetRun, Registry
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.run import execute
from sponsorsync.sync.settings import load_settings
from sponsorsync.sync.store import StateStore
from tests.support import orgs
from tests.support.cli import ROOT, child_env, invoke
from tests.support.driver import Driver, crm_state, driver_for
from tests.support.postgres import new_database
from tests.support.sandbox import Sandbox, running_sandbox
from tests.sync.test_end_to_end import labels


@pytest.fixture
def fleet_db(postgres_server: str) -> str:
    return new_database(postgres_server, "fleet")


def _sandbox(stack: ExitStack, crm: str, home: Path) -> Sandbox:
    return stack.enter_context(running_sandbox(crm, home, data=orgs.render(crm, orgs.known_answers())))


def _fleet(db: str, *args: str) -> tuple[int, str, str]:
    result = invoke("fleet", *args, env={"SPONSORSYNC_STATE_URL": db})
    return result.exit_code, result.stdout, result.stderr


def test_orgs_are_added_listed_and_removed_and_no_secret_reaches_the_database(
    fleet_db: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        box = _sandbox(stack, "salesforce", tmp_path / "sf")
        env_file = box.env_file(tmp_path / "acme.env")
        code, out, err = _fleet(fleet_db, "add", "acme", "--env-file", str(env_file), "--every", "30m")
        assert code == 0, err
        assert "added acme (salesforce, every 30m" in out
        code, out, err = _fleet(fleet_db, "add", "acme", "--env-file", str(env_file))
        assert code == 2
        assert "error: The fleet already has an org named acme" in err
        code, _, err = _fleet(fleet_db, "add", "Bad-Name", "--env-file", str(env_file))
        assert (code, "error: The org name 'Bad-Name' cannot be used" in err) == (2, True)
        code, _, err = _fleet(fleet_db, "add", "ghost", "--env-file", str(tmp_path / "missing.env"))
        assert (code, "missing.env does not exist" in err) == (2, True)
        code, _, err = _fleet(fleet_db, "add", "slow", "--env-file", str(env_file), "--every", "often")
        assert (code, "--every 'often' is not a period" in err) == (2, True)
        code, out, _ = _fleet(fleet_db, "list")
        assert out.splitlines() == [f"acme  every 30m  env file {env_file.resolve()}"]

        secrets = load_settings(env_file, environment=False).secret_values()
        assert secrets  # the sandbox's credentials
        with psycopg.connect(fleet_db) as conn:
            dump = json.dumps(conn.execute("SELECT * FROM sponsorsync_fleet.orgs").fetchall(), default=str)
        assert not [s for s in secrets if s in dump]

        code, out, _ = _fleet(fleet_db, "remove", "acme")
        assert (code, out.strip()) == (0, "removed acme; its state stays in the database")
        assert _fleet(fleet_db, "list")[1].startswith("no orgs yet")
        assert _fleet(fleet_db, "remove", "acme")[0] == 2


def test_fleet_commands_without_a_state_url_say_what_to_set(tmp_path: Path) -> None:
    result = invoke("fleet", "list")
    assert result.exit_code == 2
    assert result.errors() == [
        "error: The fleet needs a PostgreSQL database and SPONSORSYNC_STATE_URL is not set"
    ]


def test_an_org_imported_from_sqlite_carries_on_without_writing_anything_twice(
    fleet_db: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        box = _sandbox(stack, "hubspot", tmp_path / "hs")
        env_file = box.env_file(tmp_path / "globex.env", state_dir=tmp_path / "sqlite-state")
        mapping = load_mapping(None, "hubspot")
        first = execute(load_settings(env_file, environment=False), mapping)
        assert first.exit_code == 0
        assert first.applied is not None
        assert first.applied.created > 0
        code, out, err = _fleet(
            fleet_db,
            "add",
            "globex",
            "--env-file",
            str(env_file),
            "--import-state",
            str(tmp_path / "sqlite-state"),
        )
        assert code == 0, err
        assert "imported" in out
        assert "ledger" in out
        settings = box.settings(STATE_URL=fleet_db, ORG="globex")
        second = execute(settings, mapping)
        assert second.exit_code == 0
        assert second.applied is not None
        assert (second.applied.created, second.applied.updated, second.applied.closed) == (0, 0, 0)
        store = StateStore(tmp_path, url=fleet_db, org="globex")
        try:
            assert [r.id for r in Ledger(store).runs()] == [second.run_id, first.run_id]
            assert second.run_id == first.run_id + 1
        finally:
            store.close()
        # Importing again into an org with state is refused, and nothing is half-copied.
        code, _, err = _fleet(
            fleet_db,
            "add",
            "globex2",
            "--env-file",
            str(env_file),
            "--import-state",
            str(tmp_path / "nowhere"),
        )
        assert (code, "holds no sponsorsync state" in err) == (2, True)


class Workers:
    """`sponsorsync fleet worker` processes, their output in files."""

    def __init__(self, db: str, logs: Path) -> None:
        self.db, self.logs = db, logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, concurrency: int = 2) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker{len(self.procs)}.log").open("wb")
        env = child_env({"SPONSORSYNC_STATE_URL": self.db, "SPONSORSYNC_FLEET_RETRY_SECONDS": "1"})
        proc = subprocess.Popen(
            [sys.executable, "-m", "sponsorsync.cli", "fleet", "worker", "--concurrency", str(concurrency), "--stalled-after", "4"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("worker*.log")))


@pytest.fixture
def workers(fleet_db: str, tmp_path: Path) -> Iterator[Workers]:
    group = Workers(fleet_db, tmp_path)
    try:
        yield group
    finally:
        group.stop()


def _wait(what: str, check: Callable[[], bool], timeout: float, workers: Workers) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{workers.output()[-4000:]}")


def _runs(db: str) -> list[FleetRun]:
    with Registry(db) as registry:
        return registry.runs()


def _never_overlapping(runs: list[FleetRun], killed_at: float | None = None) -> None:
    """Per org, each run starts after the previous one ended (a killed run ends when it was killed)."""
    by_org: dict[str, list[FleetRun]] = {}
    for run in runs:
        by_org.setdefault(run.org, []).append(run)
    for org, found in by_org.items():
        for before, after in itertools.pairwise(found):
            end = before.ended_at.timestamp() if before.ended_at else killed_at
            assert end is not None, f"{org}: run {before.id} never ended and was not killed"
            assert after.started_at.timestamp() >= end - 0.5, (
                f"{org}: runs {before.id} and {after.id} overlap"
            )


def test_workers_sync_every_org_once_and_a_killed_workers_run_completes_elsewhere(
    fleet_db: str, tmp_path: Path, workers: Workers
) -> None:
    crms = ["salesforce", "hubspot", "salesforce", "hubspot"]
    with ExitStack() as stack:
        boxes = {f"org{i}": _sandbox(stack, crm, tmp_path / f"box{i}") for i, crm in enumerate(crms)}
        for name, box in boxes.items():
            env_file = box.env_file(tmp_path / f"{name}.env")
            code, _, err = _fleet(fleet_db, "add", name, "--env-file", str(env_file), "--every", "1h")
            assert code == 0, err
        slow = boxes["org0"]
        slow.server.latency_ms = 250  # org0's run lasts long enough to be killed in the middle
        drivers: dict[str, Driver] = {
            n: driver_for(b, labels(orgs.known_answers())) for n, b in boxes.items()
        }

        first = workers.start(concurrency=2)
        assert _fleet(fleet_db, "run", "org0")[0] == 0
        _wait("org0's run to write its first task", lambda: bool(drivers["org0"].task_keys()), 60, workers)
        assert [r.ended_at for r in _runs(fleet_db) if r.org == "org0"] == [None]  # truly mid-run
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = time.time()
        second, third = workers.start(concurrency=2), workers.start(concurrency=2)
        for name in ("org1", "org2", "org3"):
            assert _fleet(fleet_db, "run", name)[0] == 0

        def all_done() -> bool:
            runs = _runs(fleet_db)
            return all(any(r.org == n and r.exit_code == 0 for r in runs) for n in boxes)

        _wait("every org to finish a run", all_done, 150, workers)
        slow.server.latency_ms = 0
        runs = _runs(fleet_db)
        org0 = [r for r in runs if r.org == "org0"]
        assert [(r.exit_code, r.outcome) for r in org0] == [(None, "worker lost"), (0, "ok")]
        assert org0[0].worker != org0[1].worker  # another worker finished it
        assert str(first.pid) in org0[0].worker
        assert all(r.exit_code != 5 for r in runs)  # no run ever found its org locked by another
        _never_overlapping(runs, killed_at)
        for name, driver in drivers.items():
            state = crm_state(driver)
            assert state.duplicates() == [], name
            assert state.tasks, name
        code, out, _ = _fleet(fleet_db, "status")
        assert code == 0
        assert all(f"{n}: last run" in out and "exit 0 (ok)" in out for n in boxes), out
        assert second.poll() is None
        assert third.poll() is None


def test_a_configuration_error_is_flagged_not_retried(
    fleet_db: str, tmp_path: Path, workers: Workers
) -> None:
    with ExitStack() as stack:
        box = _sandbox(stack, "salesforce", tmp_path / "sf")
        env_file = box.env_file(tmp_path / "bad.env")
        assert _fleet(fleet_db, "add", "bad", "--env-file", str(env_file))[0] == 0
        env_file.write_text(
            env_file.read_text() + "SPONSORSYNC_SYNC__NO_SUCH_SETTING=1\n"
        )  # broken after adding
        workers.start(concurrency=1)
        assert _fleet(fleet_db, "run", "bad")[0] == 0
        _wait("the run to end", lambda: any(r.exit_code is not None for r in _runs(fleet_db)), 60, workers)
        time.sleep(3)  # a retry would come after 1 s
        assert [r.exit_code for r in _runs(fleet_db)] == [2]
        code, out, _ = _fleet(fleet_db, "status", "--json")
        assert code == 0
        [row] = json.loads(out)
        assert row["flagged"].startswith("configuration error")
        assert row["failures"] == 1
        assert row["queue"] == {"failed": 1}


def test_a_due_org_is_run_by_the_workers_tick_and_its_next_run_moves_one_period_on(
    fleet_db: str, tmp_path: Path, workers: Workers
) -> None:
    with ExitStack() as stack:
        box = _sandbox(stack, "hubspot", tmp_path / "hs")
        assert _fleet(fleet_db, "add", "due", "--env-file", str(box.env_file(tmp_path / "due.env")))[0] == 0
        assert (
            _fleet(fleet_db, "add", "later", "--env-file", str(box.env_file(tmp_path / "later.env")))[0] == 0
        )
        with psycopg.connect(fleet_db, autocommit=True) as conn:
            conn.execute(
                "UPDATE sponsorsync_fleet.orgs SET next_run_at = now() - interval '1 second' WHERE name = 'due'"
            )
        workers.start(concurrency=1)
        _wait(
            "the tick to run the due org", lambda: any(r.exit_code == 0 for r in _runs(fleet_db)), 60, workers
        )
        with Registry(fleet_db) as registry:
            due, later = registry.get("due"), registry.get("later")
            assert registry.claim_due() == []  # claimed once: the next tick finds nothing due
        assert [r.org for r in _runs(fleet_db)] == ["due"]  # "later" waits for its jitter
        assert due.last_ended_at is not None
        assert 3500 < (due.next_run_at - due.last_ended_at).total_seconds() <= 3600
        assert later.next_run_at > due.last_ended_at


def test_a_second_run_asked_for_while_one_runs_waits_for_it_on_any_worker(
    fleet_db: str, tmp_path: Path, workers: Workers
) -> None:
    with ExitStack() as stack:
        box = _sandbox(stack, "salesforce", tmp_path / "sf")
        assert _fleet(fleet_db, "add", "acme", "--env-file", str(box.env_file(tmp_path / "acme.env")))[0] == 0
        box.server.latency_ms = 150
        workers.start(concurrency=2)
        workers.start(concurrency=2)
        assert _fleet(fleet_db, "run", "acme")[0] == 0
        _wait("the first run to start", lambda: bool(_runs(fleet_db)), 30, workers)
        code, out, _ = _fleet(fleet_db, "run", "acme")  # queued behind the running one
        assert (code, out.startswith("queued a run of acme")) == (0, True)
        assert _fleet(fleet_db, "run", "acme")[1] == "a run of acme is already waiting\n"
        _wait("both runs to end", lambda: [r.exit_code for r in _runs(fleet_db)] == [0, 0], 90, workers)
        _never_overlapping(_runs(fleet_db))  # three idle job slots, yet the second run waited
