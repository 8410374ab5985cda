"""``python -m benchmarks.fleet``: the fleet's throughput. N sandbox orgs (both CRMs, mixed sizes, the
same latency on every request) are synced once each by 1, 2 and 4 ``sponsorsync fleet worker``
processes against one PostgreSQL server (from the ``pgserver`` wheel): orgs synced per minute, the
scaling ratio against one worker, and memory per worker (peak RSS of the worker process and of the
sync run it starts). Every round has fresh sandboxes and a fresh database, so each run is a first run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
import psycopg

from benchmarks.child_process import ROOT, child_env
from benchmarks.machine import machine
from benchmarks.sandbox import Sandbox, sandbox
from sponsorsync.connectors.base import CrmName

SIZES = (50, 200, 800)  # contacts per org, in turn
CRMS: tuple[CrmName, ...] = ("salesforce", "hubspot")


@dataclass(frozen=True)
class Round:
    workers: int
    orgs: int
    seconds: float
    orgs_per_minute: float
    scaling: float  # orgs per minute against one worker's
    failed: int
    worker_rss_mb: float  # peak RSS of a worker process (Procrastinate, psycopg, the registry)
    run_rss_mb: float  # peak RSS of one org's sync run (the worker's child)


@contextmanager
def postgres(root: Path) -> Iterator[str]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "run").mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(root / "run"))
    from pgserver.postgres_server import get_server

    server = get_server(root / "pgdata", cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def _database(url: str) -> str:
    name = f"fleet_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.replace("/postgres?", f"/{name}?", 1)


def _rss_mb(process: psutil.Process) -> tuple[float, float]:
    """(the worker's RSS, its largest child's RSS) in MB."""
    try:
        own = process.memory_info().rss
        children = [c.memory_info().rss for c in process.children(recursive=True)]
    except psutil.Error:
        return 0.0, 0.0
    return own / 2**20, max(children, default=0) / 2**20


def one_round(
    base_url: str, workers: int, orgs: int, latency_ms: float, home: Path, log: Callable[[str], None]
) -> tuple[float, int, float, float]:
    from sponsorsync.sync.fleet.registry import Registry
    from sponsorsync.sync.fleet.worker import defer_run, ensure_queue_schema, make_app

    url = _database(base_url)
    with ExitStack() as stack:
        boxes: dict[str, Sandbox] = {}
        for i in range(orgs):
            crm, size = CRMS[i % 2], SIZES[(i // 2) % len(SIZES)]
            boxes[f"org{i:03d}"] = stack.enter_context(
                sandbox(crm, size, home / f"w{workers}" / f"org{i:03d}", seed=i)
            )
        with Registry(url) as registry:
            for name, box in boxes.items():
                box.server.latency_ms = latency_ms
                registry.add(name, box.write_env(f"{name}.env", box.home / "unused-state"), None, 86400)
        ensure_queue_schema(url)
        env = child_env() | {"SPONSORSYNC_STATE_URL": url}
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sponsorsync.cli",
                    "--log-format",
                    "json",
                    "-q",
                    "fleet",
                    "worker",
                    "--concurrency",
                    "1",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                while True:  # every worker ready before the clock starts
                    row = conn.execute("SELECT COUNT(*) FROM procrastinate_workers").fetchone()
                    if row is not None and row[0] >= workers:
                        break
                    time.sleep(0.2)
            app = make_app(url)
            started = time.monotonic()
            with app.open():
                for name in boxes:
                    defer_run(app, name)
            peak_worker = peak_run = 0.0
            handles = [psutil.Process(p.pid) for p in procs]
            while True:
                for handle in handles:
                    own, child = _rss_mb(handle)
                    peak_worker, peak_run = max(peak_worker, own), max(peak_run, child)
                with Registry(url) as registry:
                    ended = [r for r in registry.runs() if r.exit_code is not None]
                if len({r.org for r in ended}) >= orgs:
                    break
                time.sleep(0.25)
            seconds = time.monotonic() - started
            failed = sum(1 for r in ended if r.exit_code not in (0, 1))
            log(f"{workers} worker(s): {orgs} orgs in {seconds:.1f} s, {failed} failed")
            return seconds, failed, peak_worker, peak_run
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()


def run_fleet(
    orgs: int, workers: list[int], latency_ms: float, home: Path, log: Callable[[str], None]
) -> list[Round]:
    rounds: list[Round] = []
    # The server's data outside ``home``: pytest keeps its temporary directory 0700, and as root the
    # server runs as pgserver's own user.
    with tempfile.TemporaryDirectory(prefix="sponsorsync-pg-") as pg_root, postgres(Path(pg_root)) as url:
        for count in workers:
            seconds, failed, worker_mb, run_mb = one_round(url, count, orgs, latency_ms, home, log)
            rate = orgs / seconds * 60
            base = rounds[0].orgs_per_minute if rounds else rate
            rounds.append(
                Round(count, orgs, round(seconds, 1), round(rate, 1), round(rate / base, 2), failed,
                      round(worker_mb, 1), round(run_mb, 1))
            )  # fmt: skip
    return rounds


def markdown(rounds: list[Round], latency_ms: float) -> str:
    lines = [
        f"Fleet: {rounds[0].orgs} sandbox orgs (Salesforce and HubSpot in turn, {', '.join(map(str, SIZES))} "
        f"contacts in turn, {latency_ms:g} ms latency), one first run each; workers with --concurrency 1.",
        "",
        "| workers | seconds | orgs per minute | scaling vs 1 | failed | worker RSS (MB) | run RSS (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rounds:
        lines.append(
            f"| {r.workers} | {r.seconds} | {r.orgs_per_minute} | {r.scaling} | {r.failed} | "
            f"{r.worker_rss_mb} | {r.run_rss_mb} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet", description=__doc__)
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="sponsorsync-fleet-") as tmp:
        rounds = run_fleet(
            args.orgs, workers, args.latency_ms, Path(tmp), lambda m: print(m, file=sys.stderr)
        )
    text = markdown(rounds, args.latency_ms)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fleet.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "fleet.json").write_text(
        json.dumps({"machine": machine(), "rounds": [asdict(r) for r in rounds]}, indent=2), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
