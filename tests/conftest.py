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
    # The default state directory is under the XDG state home: never the developer's own.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
