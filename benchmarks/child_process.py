"""Starts a sync child (:mod:`benchmarks.child`), waits for it and reads what it reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class SyncFailed(RuntimeError):
    pass


@dataclass
class ChildRun:
    result: dict[str, Any]
    peak_rss_mb: float
    wall_seconds: float


def child_env() -> dict[str, str]:
    """This environment without SPONSORSYNC_* (the env file is the only source of settings), with
    the repository on the path (``benchmarks`` is not an installed package)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SPONSORSYNC_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def run_sync(env_file: Path, workdir: Path, label: str, *, dry_run: bool = False) -> ChildRun:
    """One sync as a child process (``dry_run``: pull and plan only); its wall time is the whole
    process's."""
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / f"{label}.json"
    log = workdir / f"{label}.log"
    started = time.monotonic()
    with log.open("wb") as handle:
        process = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.child",
                str(env_file),
                str(out),
                *(["dry_run"] if dry_run else []),
            ],
            cwd=workdir,
            env=child_env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        )
    wall = time.monotonic() - started
    if process.returncode != 0 or not out.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SyncFailed(f"sync {label} exited with {process.returncode}:\n{tail}")
    result = json.loads(out.read_text(encoding="utf-8"))
    return ChildRun(result, float(result["peak_rss_mb"]), wall)
