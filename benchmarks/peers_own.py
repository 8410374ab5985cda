"""sponsorsync's pull-only run for the peers table, in a child process:
``python -m benchmarks.peers_own ENV_FILE OUT_JSON``. A dry run (``sponsorsync sync run
--dry-run``: pull and plan, nothing written), so its calls are what pulling costs, as the peers'
are; its cursors are kept, so the next one is an unchanged re-run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.child import peak_rss_mb, summary
from benchmarks.child_process import ChildRun, SyncFailed, child_env
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.run import Progress, execute
from sponsorsync.sync.settings import load_settings


def main(argv: list[str]) -> int:
    env_file, out = Path(argv[0]), Path(argv[1])
    settings = load_settings(env_file)
    mapping = load_mapping(settings.mapping, settings.require_crm())
    phases: dict[str, float] = {}
    started = time.monotonic()

    def phase(name: str) -> None:
        phases[name] = time.monotonic() - started

    report = execute(settings, mapping, mode="dry_run", progress=Progress(phase=phase), version="bench")
    phase("end")
    result = summary(report, phases) | {"peak_rss_mb": peak_rss_mb()}
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def run_pull(env_file: Path, workdir: Path, label: str) -> ChildRun:
    """One pull-only run as a child process; its wall time is the whole process's, as a peer's."""
    workdir.mkdir(parents=True, exist_ok=True)
    out, log = workdir / f"{label}.json", workdir / f"{label}.log"
    started = time.monotonic()
    with log.open("wb") as handle:
        process = subprocess.run(
            [sys.executable, "-m", "benchmarks.peers_own", str(env_file), str(out)],
            cwd=workdir, env=child_env(), stdout=handle, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
    wall = time.monotonic() - started
    if process.returncode != 0 or not out.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SyncFailed(f"pull-only run {label} exited with {process.returncode}:\n{tail}")
    result = json.loads(out.read_text(encoding="utf-8"))
    return ChildRun(result, float(result["peak_rss_mb"]), wall)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
