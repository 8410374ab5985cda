"""``python -m benchmarks``: every scenario against the sandbox, the engine timings and the scale
tests; the results as markdown and JSON in ``--out`` (default ``benchmarks/results``).
``python -m benchmarks --peers``: the open-source peers side by side with sponsorsync instead."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.cadence import cadence_markdown, run_cadence
from benchmarks.child_process import ROOT
from benchmarks.engine import EngineTime, engine_time
from benchmarks.machine import machine
from benchmarks.peers import run_peers
from benchmarks.peers_specs import PEERS
from benchmarks.peers_table import as_json as peers_json
from benchmarks.peers_table import markdown as peers_markdown
from benchmarks.report import as_json, markdown
from benchmarks.scale_tests import ScaleTests, run_scale_tests
from benchmarks.scenario import Scenario, run_scenario
from benchmarks.targets import check
from sponsorsync.connectors.base import CrmName

CRMS: tuple[CrmName, ...] = ("salesforce", "hubspot")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("give contact counts separated by commas, e.g. 1000,10000") from None
    if not sizes or min(sizes) < 10:
        raise argparse.ArgumentTypeError("sizes must be at least 10 contacts")
    return sizes


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="contacts per org (default 1000,10000,100000; --peers: 1000,10000)",
    )
    parser.add_argument("--crm", choices=[*CRMS, "both"], default="both")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="results directory")
    parser.add_argument(
        "--with-scale-tests",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run `pytest -m scale` and report its outcome (default: on)",
    )
    parser.add_argument(
        "--throttle",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="full syncs with 100 ms latency and HubSpot's rate limit on (default: on)",
    )
    parser.add_argument(
        "--interval", type=float, default=15.0, help="minutes the sandbox clock moves on between two runs"
    )
    parser.add_argument("--keep", action="store_true", help="keep the sandboxes' state directories")
    parser.add_argument(
        "--cadence-days",
        type=_sizes,
        default=[30, 120],
        help="lengths of the daily cadence simulations, in days (default 30,120; each at least 10)",
    )
    parser.add_argument("--cadence-size", type=int, default=5000, help="contacts of the simulated org")
    parser.add_argument(
        "--peers",
        action="store_true",
        help="run only the peers comparison: each peer installed in its own cached venv, against "
        "the same sandbox org as sponsorsync's pull-only run (writes peers.md and peers.json)",
    )
    parser.add_argument(
        "--peer-source",
        type=_peer_source,
        action="append",
        default=[],
        metavar="KEY=PATH",
        help="install a peer from a local checkout instead of its pinned requirement",
    )
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [1000, 10_000] if args.peers else [1000, 10_000, 100_000]
    return args


def _peer_source(text: str) -> tuple[str, Path]:
    key, sep, path = text.partition("=")
    if not sep or not key or not path:
        raise argparse.ArgumentTypeError("give KEY=PATH, e.g. meltanolabs-tap-salesforce=../tap-salesforce")
    return key, Path(path)


def _commit() -> str:
    try:
        found = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return found.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str]) -> int:
    args = parse(argv)
    crms = tuple(c for c in CRMS if args.crm in (c, "both"))
    if args.peers:
        return peers_main(args, crms, argv)
    started, started_at = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")
    scenarios: list[Scenario] = []
    engines: dict[tuple[str, int], EngineTime] = {}
    with _work_dir("sponsorsync-bench-", keep=args.keep) as work:
        for size in args.sizes:
            for crm in crms:
                print(f"{crm}, {size:,} contacts", flush=True)
                scenario = run_scenario(
                    crm, size, work / f"{crm}-{size}", throttle=args.throttle, interval=args.interval
                )
                scenarios.append(scenario)
                engines[(crm, size)] = engine_time(scenario.state_dir, crm)
                e = engines[(crm, size)]
                print(f"  engine: {e.contacts_per_second:,.0f} contacts/s", flush=True)
        cadence = []
        for days in args.cadence_days:
            for crm in crms:
                print(f"cadence simulation: {crm}, {args.cadence_size:,} contacts, {days} days", flush=True)
                cadence.append(run_cadence(crm, args.cadence_size, days, work / f"cadence-{crm}-{days}"))
                print(f"  {cadence[-1]['summary']}", flush=True)
        scale: ScaleTests | None = None
        if args.with_scale_tests:
            print("scale tests (pytest -m scale)", flush=True)
            scale = run_scale_tests()
            print(f"  {scale.summary}", flush=True)
    verdicts = check(scenarios, engines)
    meta = _meta(argv, started, started_at)
    text = markdown(scenarios, engines, verdicts, scale, meta) + "\n" + cadence_markdown(cadence)
    data = as_json(scenarios, engines, verdicts, scale, meta) | {"cadence": cadence}
    _write(args.out, "results", text, data)
    return 0


def peers_main(args: argparse.Namespace, crms: tuple[CrmName, ...], argv: list[str]) -> int:
    started, started_at = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")
    load = _load()
    with _work_dir("sponsorsync-peers-", keep=args.keep) as work:
        figures, results = run_peers(args.sizes, crms, work, dict(args.peer_source))
    meta = _meta(argv, started, started_at) | {
        "load": load,
        "peers": {
            p.key: {"label": p.label, "version": p.version, "requirement": p.requirement} for p in PEERS
        },
    }
    data = peers_json(figures, meta) | {"runs": [r.to_json() for r in results]}
    _write(args.out, "peers", peers_markdown(figures, meta), data)
    return 0


@contextmanager
def _work_dir(prefix: str, *, keep: bool) -> Iterator[Path]:
    """A temporary directory for the runs' state, removed at the end unless ``keep``."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        if keep:
            print(f"state kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _meta(argv: list[str], started: float, started_at: str) -> dict[str, Any]:
    return {
        "command": "python -m benchmarks " + " ".join(argv),
        "started": started_at,
        "seconds": time.monotonic() - started,
        "commit": _commit(),
        "machine": machine(),
    }


def _write(out: Path, name: str, text: str, data: dict[str, Any]) -> None:
    """``NAME.md`` and ``NAME.json`` in ``out``; the markdown printed too."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(text, encoding="utf-8")
    (out / f"{name}.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    print(text)
    print(f"written: {out / f'{name}.md'} and {out / f'{name}.json'}")


def _load() -> str:
    try:
        return " ".join(f"{n:.2f}" for n in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
