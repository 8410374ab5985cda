"""Failures found in the middle of a run, each a clean stop: one `error:` line, the documented exit
code, no traceback, and the run recorded as failed (with that code) in `sync history`.

- the disk fills while the run writes its state: the child runs under a real file size limit
  (RLIMIT_FSIZE, SIGXFSZ ignored, so writes past it fail as on a full disk); exit 7;
- the database is damaged in a page that opening does not read; exit 7 with the --full remedy;
- an unusable JWT key (encrypted, EC, truncated) found when logging in; exit 2;
- a bug (an unexpected exception) is one line and exit 70, never exit 1 ("records rejected").
"""

from __future__ import annotations

import re
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sponsorsync.commands.base import Group
from sponsorsync.connectors.errors import ExitCode, StateError
from sponsorsync.sync.ledger import Ledger, RunRecord
from sponsorsync.sync.state_errors import state_error
from sponsorsync.sync.store import DB_NAME, StateStore
from tests.reliability.keys import KEY_FILES
from tests.support.cli import ROOT, CliResult, child_env, invoke
from tests.support.sandbox import Sandbox, running_sandbox

WRITES = ("PATCH", "POST", "DELETE")


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    # 300 contacts, about 4,500 records: a first run writes well over a megabyte of state.
    with running_sandbox("salesforce", tmp_path_factory.mktemp("sf"), size=300) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def fresh(box: Sandbox) -> None:
    box.admin.reset()
    box.admin.reset_stats()


def history(state_dir: Path) -> list[RunRecord]:
    store = StateStore(state_dir)
    try:
        return Ledger(store).runs()
    finally:
        store.close()


def assert_one_clean_error(result: CliResult, code: int, pattern: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert len(result.errors()) == 1, result.stderr
    assert re.search(pattern, result.stderr[result.stderr.index("error: ") :], re.DOTALL), result.stderr


def run_with_file_size_limit(limit: int, env_file: Path) -> CliResult:
    """`sponsorsync sync run` in a child whose files cannot grow past ``limit`` bytes."""

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    child = subprocess.run(
        [sys.executable, "-m", "sponsorsync.cli", "--env-file", str(env_file), "sync", "run"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit_files,
    )
    return CliResult(child.returncode, child.stdout, child.stderr)


# In a child: a state whose write-ahead log holds a megabyte the database does not yet (checkpoints
# off), then a file size limit at the log's size, so the log cannot grow by one page. A write fails as
# on a full disk; the run's end is still recorded.
FULL_LOG = """
import resource, signal, sys
from pathlib import Path
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.run import _record_end
from sponsorsync.connectors.errors import ExitCode
from sponsorsync.sync.store import DB_NAME, StateStore
state = Path(sys.argv[1])
store = StateStore(state)
ledger = Ledger(store)
store.db.execute("PRAGMA wal_autocheckpoint = 0")
with store.transaction():
    run_id = ledger.start_run("run", "salesforce")
with store.transaction():
    store.db.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", [(f"k{i}", "x" * 1000) for i in range(1000)])
log = state / (DB_NAME + "-wal")
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (log.stat().st_size, log.stat().st_size))
try:
    with store.transaction():
        store.db.execute("INSERT INTO meta(key, value) VALUES ('more', ?)", ("y" * 20000,))
except Exception as exc:
    print("write failed:", type(exc).__name__)
_record_end(store, ledger, run_id, None, "failed", ExitCode.STATE, "the disk is full")
store.close()
"""


def test_a_run_that_fails_on_a_full_disk_is_recorded_by_moving_the_log_into_the_database(
    tmp_path: Path,
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", FULL_LOG, str(tmp_path)], cwd=ROOT, env=child_env(), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr
    assert "write failed" in child.stdout
    assert "could not be recorded" not in child.stderr
    [run] = history(tmp_path)
    assert (run.outcome, run.exit_code, run.message) == ("failed", ExitCode.STATE, "the disk is full")


def test_a_full_disk_during_a_run_stops_cleanly_and_is_in_the_history(box: Sandbox, tmp_path: Path) -> None:
    env_file = box.env_file(tmp_path / "run.env", state_dir=tmp_path / "state")

    result = run_with_file_size_limit(400_000, env_file)

    assert_one_clean_error(
        result, 7, r"state database .*state.sqlite3 could not be written.*hint: free space"
    )
    [run] = history(tmp_path / "state")
    assert (run.outcome, run.exit_code) == ("failed", 7)
    assert run.message
    assert "could not be written" in run.message
    # With room again, the next run completes.
    again = invoke("sync", "run", env_file=env_file)
    assert again.exit_code == 0, again.output
    assert [(r.outcome, r.exit_code) for r in history(tmp_path / "state")] == [("ok", 0), ("failed", 7)]


def damage_table(database: Path, table: str) -> None:
    """Overwrite the root page of one table: opening the database reads only the schema."""
    db = sqlite3.connect(database)
    root, page_size = db.execute(
        "SELECT rootpage, (SELECT page_size FROM pragma_page_size()) FROM sqlite_master WHERE name = ?",
        (table,),
    ).fetchone()
    db.close()
    with database.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def test_a_damaged_database_found_during_a_run_says_what_to_do(box: Sandbox, tmp_path: Path) -> None:
    env_file = box.env_file(tmp_path / "run.env", state_dir=tmp_path / "state")
    assert invoke("sync", "run", env_file=env_file).exit_code == 0
    damage_table(tmp_path / "state" / DB_NAME, "contacts")

    result = invoke("sync", "run", env_file=env_file)

    assert_one_clean_error(result, 7, r"state database .*state.sqlite3 is damaged .*move .* aside.*--full")
    assert [(r.outcome, r.exit_code) for r in history(tmp_path / "state")] == [("failed", 7), ("ok", 0)]
    status = invoke("sync", "status", env_file=env_file)
    assert_one_clean_error(status, 7, r"is damaged")


@pytest.mark.parametrize("key", ["encrypted", "ec", "truncated"])
def test_an_unusable_jwt_key_is_a_configuration_error_in_the_history(
    box: Sandbox, tmp_path: Path, key: str
) -> None:
    (tmp_path / "key.pem").write_bytes(KEY_FILES[key])
    env = {
        "SALESFORCE__INSTANCE_URL": "",
        "SALESFORCE__ACCESS_TOKEN": "",
        "SALESFORCE__USERNAME": "integration@northwind.example",
        "SALESFORCE__CONSUMER_KEY": "3MVG9sandbox.sponsorsync.consumer.key",
        "SALESFORCE__PRIVATE_KEY_FILE": str(tmp_path / "key.pem"),
        "SALESFORCE__DOMAIN": f"127.0.0.1:{box.server.port}/sf",
    }
    env_file = box.env_file(tmp_path / "run.env", env, state_dir=tmp_path / "state")

    result = invoke("sync", "run", env_file=env_file)

    expected = {
        "encrypted": "is encrypted",
        "ec": "holds a key of type EC.*RSA",
        "truncated": "is not a readable PEM",
    }
    assert_one_clean_error(result, 2, rf"SPONSORSYNC_SALESFORCE__PRIVATE_KEY_FILE=.*key.pem {expected[key]}")
    assert [(r.outcome, r.exit_code) for r in history(tmp_path / "state")] == [("failed", 2)]
    assert box.total_calls() == 0  # refused before any login


@pytest.mark.parametrize(
    ("name", "value", "pattern"),
    [
        ("LIMITS__TIMEOUT_SECONDS", "inf", r"SPONSORSYNC_LIMITS__TIMEOUT_SECONDS: .*finite number"),
        ("SALESFORCE__INSTANCE_URL", "https://host: 80", r"SPONSORSYNC_SALESFORCE__INSTANCE_URL"),
    ],
    ids=["infinite-timeout", "malformed-url"],
)
def test_settings_that_do_not_load_are_a_refused_run_in_an_existing_history(
    box: Sandbox, tmp_path: Path, name: str, value: str, pattern: str
) -> None:
    """The settings never load, so no run can start: the state that exists still records the
    refusal, so a scheduler reading `sync history` sees why the job failed. No state is created for
    a configuration that never worked."""
    good = box.env_file(tmp_path / "good.env", state_dir=tmp_path / "state")
    assert invoke("sync", "run", env_file=good).exit_code == 0
    box.admin.reset_stats()
    bad = box.env_file(tmp_path / "bad.env", {name: value}, state_dir=tmp_path / "state")

    result = invoke("sync", "run", env_file=bad)

    assert_one_clean_error(result, 2, pattern)
    runs = history(tmp_path / "state")
    assert [(r.outcome, r.exit_code) for r in runs[:2]] == [("failed", 2), ("ok", 0)]
    assert re.search(pattern, runs[0].message or "")
    assert box.total_calls() == 0
    never = box.env_file(tmp_path / "never.env", {name: value}, state_dir=tmp_path / "no-state")
    assert invoke("sync", "run", env_file=never).exit_code == 2
    assert not (tmp_path / "no-state").exists()


def test_a_bug_is_one_line_and_exit_70_not_1() -> None:
    app = typer.Typer(cls=Group)

    @app.command()
    def broken() -> None:
        raise RuntimeError("something nobody expected")

    @app.command()
    def other() -> None:  # a second command keeps `broken` a subcommand, as in the real app
        """Unused."""

    result = CliRunner().invoke(app, ["broken"])

    assert result.exit_code == 70, result.output
    assert result.stderr.splitlines()[0] == "error: internal error: RuntimeError"
    assert "Traceback" not in result.output
    assert "something nobody expected" not in result.output  # its text may hold CRM data


def full_database_error(tmp_path: Path) -> sqlite3.DatabaseError:
    """A real SQLITE_FULL: a database that may not grow past a few pages."""
    db = sqlite3.connect(tmp_path / "full.sqlite3")
    db.execute("CREATE TABLE t (x TEXT)")
    db.execute("PRAGMA max_page_count = 3")
    try:
        for _ in range(100):
            db.execute("INSERT INTO t VALUES (?)", ("x" * 4000,))
    except sqlite3.DatabaseError as exc:
        return exc
    finally:
        db.close()
    raise AssertionError("the database never filled up")


def test_every_kind_of_state_failure_has_its_own_message(tmp_path: Path) -> None:
    database = tmp_path / DB_NAME
    full = state_error(full_database_error(tmp_path), database)
    assert isinstance(full, StateError)
    assert full.exit_code == 7
    assert "could not be written: database or disk is full" in full.message
    damaged = state_error(sqlite3.DatabaseError("database disk image is malformed"), database)
    assert damaged is not None
    assert "is damaged" in damaged.message
    assert "--full" in (damaged.hint or "")
    no_space = state_error(OSError(28, "No space left on device"), database)
    assert no_space is not None
    assert "No space left on device" in no_space.message
    assert state_error(OSError(2, "No such file or directory"), database) is None
    assert state_error(ValueError("not about the state"), database) is None
