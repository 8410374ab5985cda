"""Shared fixtures. Every test runs with a clean SPONSORSYNC_* environment and in a temporary
working directory, so a developer's own .env or state never leaks into a test."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SPONSORSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    # The default state directory is under the XDG state home: never the developer's own.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a real PostgreSQL server (pgserver), shared by the session's workers."""
    from tests.support.postgres import running_server

    # Not under pytest's own temporary directory: pytest keeps it 0700, and the server runs as
    # pgserver's unprivileged user when the tests run as root (initdb refuses root).
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
    with running_server(Path(tempfile.gettempdir()) / f"sponsorsync-pg-{run[:16]}") as url:
        yield url
