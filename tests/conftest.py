"""Shared fixtures. Every test runs with a clean SPONSORSYNC_* environment and in a temporary
working directory, so a developer's own .env or state never leaks into a test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SPONSORSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a real PostgreSQL server (pgserver), shared by the session's workers."""
    from tests.support.postgres import start_server

    base = tmp_path_factory.getbasetemp()
    # pytest-xdist gives each worker a directory under the session's: share the session's.
    return start_server((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "postgres")
