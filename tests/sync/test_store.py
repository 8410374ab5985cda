"""The state store on disk: who may read it, and the indexes a full pull loads without."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sponsorsync.sync.store import DB_NAME, DEFERRED_INDEXES, StateStore, index_name

DEFERRED = sorted(index_name(sql) for group in DEFERRED_INDEXES.values() for sql in group)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask a host can have: nothing is taken away from a created file."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_a_new_state_dir_is_0700_and_every_file_in_it_0600_whatever_the_umask(tmp_path: Path) -> None:
    state_dir = tmp_path / "parent" / "state"
    store = StateStore(state_dir)
    try:
        store.acquire()
        with store.transaction():
            store.set_meta("probe", "x")  # makes SQLite create the -wal and -shm files
        files = sorted(p.name for p in state_dir.iterdir())
        assert {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", "sync.lock", "open.lock"} <= set(files)
        assert _mode(state_dir) == 0o700
        assert {name: _mode(state_dir / name) for name in files} == dict.fromkeys(files, 0o600)
    finally:
        store.close()


def test_an_existing_wider_state_dir_or_database_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state_dir = tmp_path / "state"
    StateStore(state_dir).close()
    state_dir.chmod(0o755)
    (state_dir / DB_NAME).chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="sponsorsync.sync.store"):
        StateStore(state_dir).close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        f"{state_dir} is readable by other users (mode 0755)" in w and "chmod 700" in w for w in warnings
    )
    assert any(f"{state_dir / DB_NAME} is readable by other users (mode 0644)" in w for w in warnings)


def test_a_private_state_dir_gives_no_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    StateStore(tmp_path / "state").close()
    with caplog.at_level(logging.WARNING, logger="sponsorsync.sync.store"):
        StateStore(tmp_path / "state").close()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def indexes(store: StateStore) -> dict[str, str]:
    return dict(
        store.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    )


def test_the_deferred_indexes_are_those_the_migrations_create(tmp_path: Path) -> None:
    found = indexes(StateStore(tmp_path))
    assert {index_name(sql): sql for group in DEFERRED_INDEXES.values() for sql in group} == {
        name: found[name] for name in DEFERRED
    }


def test_a_full_pull_of_a_kind_loads_without_its_indexes_and_builds_them_after(
    tmp_path: Path,
) -> None:
    store = StateStore(tmp_path)
    with store.indexes_deferred(["activities", "accounts"]):
        during = set(indexes(store))
        store.db.execute("INSERT INTO activity_contacts(activity_id, contact_id) VALUES ('00T1', '003A')")
    assert "activity_contacts_contact" not in during
    assert {"contacts_account", "participants_person"} <= during  # other kinds keep theirs
    assert set(DEFERRED) <= set(indexes(store))
    plan = store.db.execute(
        "EXPLAIN QUERY PLAN SELECT activity_id FROM activity_contacts WHERE contact_id = '003A'"
    )
    assert "activity_contacts_contact" in " ".join(str(row) for row in plan)
    # A failed pull leaves its indexes to the next open (a run failing on a full disk must still be
    # able to record how it ended): they are missing until then.
    with pytest.raises(RuntimeError), store.indexes_deferred(["contacts", "participants"]):
        raise RuntimeError("the pull failed")
    assert {"contacts_account", "participants_person"}.isdisjoint(indexes(store))
    store.close()
    assert set(DEFERRED) <= set(indexes(StateStore(tmp_path)))


def test_a_run_killed_while_the_indexes_were_dropped_gets_them_back_when_the_state_is_opened(
    tmp_path: Path,
) -> None:
    store = StateStore(tmp_path)
    for name in DEFERRED:  # what a run SIGKILLed during a full pull leaves
        store.db.execute(f"DROP INDEX {name}")
    store.close()
    assert set(DEFERRED) <= set(indexes(StateStore(tmp_path)))


def test_opening_a_state_whose_indexes_cannot_be_built_now_works_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process holds the write lock (a run storing a page) while this one opens the state,
    # whose indexes a failed full pull left missing: the state opens, with a warning; the next open
    # builds them.
    store = StateStore(tmp_path)
    store.db.execute("DROP INDEX activity_contacts_contact")
    connect = sqlite3.connect

    def impatient(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = connect(*args, **{**kwargs, "timeout": 0})  # no 30 s lock wait
        return connection

    monkeypatch.setattr(sqlite3, "connect", impatient)
    store.db.execute("BEGIN IMMEDIATE")
    try:
        opened = StateStore(tmp_path)
    finally:
        store.db.execute("ROLLBACK")
    assert "could not rebuild the state's indexes" in caplog.text
    assert "activity_contacts_contact" not in indexes(opened)
    opened.close()
    monkeypatch.undo()
    assert "activity_contacts_contact" in indexes(StateStore(tmp_path))
