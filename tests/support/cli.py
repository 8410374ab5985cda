"""Running the ``sponsorsync`` command as a scheduler would: in-process through Typer's CliRunner (fast;
exit code, stdout and stderr apart) or as a real subprocess (``python -m sponsorsync.cli``) with a clean
environment."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from sponsorsync.cli import app

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def errors(self) -> list[str]:
        """The ``error: ...`` lines on stderr."""
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]


def invoke(*args: str, env_file: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
    """``sponsorsync [--env-file F] ARGS`` in this process. An unexpected exception fails the test
    with its traceback instead of passing for an exit code."""
    argv = (["--env-file", str(env_file)] if env_file else []) + list(args)
    try:
        result = CliRunner().invoke(app, argv, env=env, catch_exceptions=False)
    finally:
        _drop_log_handlers()  # they write to the runner's streams, which are gone now
    return CliResult(result.exit_code, result.stdout, result.stderr)


def _drop_log_handlers() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_sponsorsync", False):
            root.removeHandler(handler)


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any SPONSORSYNC_ variable, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SPONSORSYNC_")}
    return base | (env or {})


def spawn(
    *args: str,
    env_file: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    launcher: Sequence[str] = ("-m", "sponsorsync.cli"),
) -> subprocess.Popen[str]:
    """``python -m sponsorsync.cli [--env-file F] ARGS`` as a child process (``launcher``: another way to start
    the command, e.g. tests/support/killpoint.py)."""
    argv = (["--env-file", str(env_file)] if env_file else []) + list(args)
    return subprocess.Popen(
        [sys.executable, *launcher, *argv],
        cwd=cwd,
        env=child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(
    *args: str,
    env_file: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 300,
) -> CliResult:
    """``python -m sponsorsync.cli [--env-file F] ARGS`` to completion."""
    child = spawn(*args, env_file=env_file, env=env, cwd=cwd)
    out, err = child.communicate(timeout=timeout)
    return CliResult(child.returncode, out, err)
