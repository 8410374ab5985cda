"""Lint, format and type checks are part of the test suite, so `.ci/run` fails on any of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "--no-cache", "."],
        ["ruff", "format", "--check", "--no-cache", "."],
        ["mypy", "--no-incremental", "-p", "sponsorsync", "-p", "tests", "-p", "benchmarks"],
    ],
    ids=["ruff-lint", "ruff-format", "mypy"],
)
def test_code_quality(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
