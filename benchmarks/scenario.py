"""One org on one CRM, end to end: a full sync, the first incremental (which reads back what the
full sync wrote), an unchanged incremental, on HubSpot the same with the daily deletion sweep due,
then 1% of the org changed and one more incremental. Every run is a child process against the
sandbox; the sandbox counts its calls; the floor comes from the org's real counts.

Between two runs the sandbox clock moves on by ``interval`` minutes, as a scheduler's would: a
sync that re-reads records for as long as they are recent is charged for it.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.calls import Calls, archived_lists
from benchmarks.census import archived, census
from benchmarks.changes import change_one_percent
from benchmarks.child_process import ChildRun, run_sync
from benchmarks.floor import (
    Floor,
    Writes,
    association_floor,
    full_floor,
    incremental_floor,
    ratio,
    sweep_floor,
)
from benchmarks.pace import Pace, pace
from benchmarks.sandbox import RATE_LIMIT, Sandbox, sandbox
from sponsorsync.connectors.base import CrmName
from sponsorsync.connectors.settings import LimitSettings
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.sources import Source, sources
from sponsorsync.sync.store import DB_NAME

OWNERS = "owners"
# Real time a scenario may take besides the clock moves (a rate-limited 100k full sync takes ~20 min).
DAY_MARGIN_MINUTES = 180
RUNS = {
    "full": "full sync",
    "echo": "first incremental (reads back its own writes)",
    "unchanged": "incremental, nothing changed",
    "sweep": "incremental, nothing changed, deletion sweep due",
    "changed": "incremental, 1% changed",
}


@dataclass(frozen=True)
class Cpu:
    """Processor time during one sync: the sync's own process, and this process, which does nothing
    but serve the sandbox meanwhile (what the CRM's servers would spend); the machine's load."""

    sync_seconds: float
    sandbox_seconds: float
    load: float  # one-minute load average at the sync's end (2 shared cores: above 2, runs wait)

    @classmethod
    def around(cls, before: tuple[float, float]) -> Cpu:
        sync, sandbox = cls.now()
        return cls(sync - before[0], sandbox - before[1], os.getloadavg()[0])

    @staticmethod
    def now() -> tuple[float, float]:
        child, own = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
        return child.ru_utime + child.ru_stime, own.ru_utime + own.ru_stime


@dataclass
class Run:
    name: str
    calls: Calls
    floor: Floor  # page and batch floor
    child: ChildRun
    cpu: Cpu | None = None
    needed: dict[str, int] = field(default_factory=dict)  # needed beyond the floor, by kind
    made: dict[str, int] = field(default_factory=dict)  # made beyond the floor, by kind
    changed: dict[str, int] = field(default_factory=dict)
    pace: Pace | None = None

    @property
    def writes(self) -> Writes:
        return writes_of(self.child)

    @property
    def needed_total(self) -> int:
        """The floor plus what the API needs beyond it (association reads, deletion sweep)."""
        return self.floor.total + sum(self.needed.values())

    @property
    def ratio(self) -> float:
        return ratio(self.calls.total, self.floor.total)

    @property
    def needed_ratio(self) -> float:
        return ratio(self.calls.total, self.needed_total)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": RUNS[self.name],
            "calls": self.calls.to_json(),
            "floor": {"total": self.floor.total, "reads": self.floor.reads, "writes": self.floor.writes},
            "beyond_floor": {"needed": self.needed, "made": self.made},
            "ratio": self.ratio,
            "needed_ratio": self.needed_ratio,
            "changed": self.changed,
            "writes": vars(self.writes),
            "peak_rss_mb": self.child.peak_rss_mb,
            "process_seconds": self.child.wall_seconds,
            "sync": self.child.result,
            "pace": self.pace.to_json() if self.pace else None,
            "cpu": vars(self.cpu) if self.cpu else None,
        }


@dataclass
class Scenario:
    crm: str
    size: int
    counts: dict[str, int]
    runs: dict[str, Run]
    archived: dict[str, int]
    state_dir: Path
    seconds: float
    throttled: bool

    @property
    def peak_rss_mb(self) -> float:
        return max(run.child.peak_rss_mb for run in self.runs.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "crm": self.crm,
            "size": self.size,
            "counts": self.counts,
            "archived": self.archived,
            "peak_rss_mb": self.peak_rss_mb,
            "throttled_full_sync": self.throttled,
            "seconds": self.seconds,
            "runs": {name: run.to_json() for name, run in self.runs.items()},
        }


def writes_of(child: ChildRun) -> Writes:
    r = child.result
    return Writes(int(r["created"]), int(r["updated"]), int(r["accounts"]))


class _Runner:
    def __init__(self, box: Sandbox, home: Path, interval: float, log: Callable[[str], None]) -> None:
        self.box = box
        self.home = home
        self.interval = interval
        self.log = log
        self.mapping = load_mapping(None, box.crm)
        self.sources: list[Source] = sources(self.mapping)
        self.state = home / "state"
        self.fast = box.write_env("fast.env", self.state)
        self.counts: dict[str, int] = {}
        self.archived: dict[str, int] = {}
        self.cpu: dict[str, Cpu] = {}

    @property
    def objects(self) -> list[str]:
        return [s.spec.name for s in self.sources if s.spec.name != OWNERS]

    @property
    def associations(self) -> dict[str, int]:
        return {s.spec.name: len(s.spec.associations) for s in self.sources}

    def census(self) -> None:
        names = [OWNERS, *self.objects] if self.box.crm == "hubspot" else self.objects
        self.counts = census(self.box, names)
        self.archived = archived(self.box, self.objects)

    def own_writes(self, previous: Run) -> dict[str, int]:
        """Records the previous run wrote: the next incremental must read them back."""
        echo = dict.fromkeys(self.objects, 0)
        writes = previous.writes
        echo[self.mapping.writeback.task.object] += writes.created + writes.updated
        account = self.mapping.writeback.account
        if account is not None:
            echo[account.object] += writes.accounts
        # HubSpot touches what a created task is associated with (contacts, companies, and the
        # tickets and deals of escalation and deal call tasks): they are read back too. A company
        # both written and linked is one record: at least the larger of the two counts.
        for to_type, n in previous.child.result.get("linked", {}).items():
            if to_type in echo:
                echo[to_type] = max(echo[to_type], int(n))
        return echo

    def sync(self, name: str, env: Path) -> tuple[ChildRun, Calls, list[dict[str, Any]]]:
        self.box.reset_stats()
        started, cpu = time.monotonic(), Cpu.now()
        child = run_sync(env, self.home / "runs", name)
        self.cpu[name] = Cpu.around(cpu)
        calls = Calls.from_stats(self.box.stats())
        log = self.box.requests()
        self.log(
            f"  {self.box.crm} {self.box.size:,} {name}: {calls.total:,} calls, "
            f"{time.monotonic() - started:.1f}s, peak RSS {child.peak_rss_mb:.0f} MB"
        )
        return child, calls, log

    def full(self, throttle: bool) -> Run:
        """The first sync; with ``throttle``, 100 ms per request and HubSpot's rate limit on, the
        connector configured with the portal's limits as an operator would."""
        env = self.fast
        if throttle:
            limited = {
                "SPONSORSYNC_LIMITS__HUBSPOT_REQUESTS_PER_10S": str(RATE_LIMIT["ten_second_max"]),
                "SPONSORSYNC_LIMITS__HUBSPOT_SEARCH_PER_SECOND": str(RATE_LIMIT["search_per_second"]),
            }
            env = self.box.write_env("limited.env", self.state, limited)
        self.box.throttle(throttle)
        try:
            child, calls, log = self.sync("full", env)
        finally:
            self.box.throttle(False)
        records = {name: self.counts[name] for name in self.objects}
        owners = (self.counts.get(OWNERS, 0), self.archived.get(OWNERS, 0))
        asked = int(child.result.get("history_asked", 0))
        searched = frozenset(child.result.get("searched", ()))
        floor = full_floor(
            self.box.crm,
            records,
            owners,
            writes_of(child),
            asked,
            zone_asked=bool(child.result.get("zone_asked")),
            searched=searched,
            associations=self.associations,
        )
        run = Run("full", calls, floor, child, self.cpu.get("full"))
        if throttle:
            seconds = float(child.result["seconds"])
            run.pace = pace(self.box.crm, log, calls.total, seconds, run.floor, LimitSettings().concurrency)
        return run

    def incremental(self, name: str, previous: Run, changed: dict[str, int], env: Path | None = None) -> Run:
        """An incremental run after ``previous``, with ``changed`` records changed in between."""
        self.box.advance(self.interval)
        expected = self.own_writes(previous)
        for obj, n in changed.items():
            expected[obj] += n
        child, calls, log = self.sync(name, env or self.fast)
        crm = self.box.crm
        floor = incremental_floor(
            crm,
            expected,
            self.counts.get(OWNERS, 0),
            writes_of(child),
            zone_asked=bool(child.result.get("zone_asked")),
        )
        run = Run(name, calls, floor, child, changed=changed)
        if crm == "hubspot":
            objects = {k: v for k, v in self.archived.items() if k != OWNERS}
            sweep = sweep_floor(crm, objects, self.archived.get(OWNERS, 0)) if name == "sweep" else 0
            run.needed = {
                "association_reads": association_floor(crm, expected, self.associations),
                "deletion_sweep": sweep,
            }
            run.made = {"association_reads": calls.association_reads, "deletion_sweep": archived_lists(log)}
        return run


def run_scenario(
    crm: CrmName,
    size: int,
    home: Path,
    *,
    throttle: bool = True,
    interval: float = 15.0,
    log: Callable[[str], None] = print,
) -> Scenario:
    started = time.monotonic()
    with sandbox(crm, size, home) as box:
        box.stay_within_one_day(interval * 5 + DAY_MARGIN_MINUTES)
        runner = _Runner(box, home, interval, log)
        runner.census()
        runs = {"full": runner.full(throttle)}
        runs["echo"] = runner.incremental("echo", runs["full"], {})
        runs["unchanged"] = last = runner.incremental("unchanged", runs["echo"], {})
        if crm == "hubspot":
            sweep_env = box.write_env(
                "sweep.env", runner.state, {"SPONSORSYNC_SYNC__DELETION_SWEEP_HOURS": "0"}
            )
            runs["sweep"] = last = runner.incremental("sweep", last, {}, sweep_env)
        changed = change_one_percent(box, runner.state / DB_NAME, runner.sources, runner.counts, "1%")
        runs["changed"] = runner.incremental("changed", last, changed)
    seconds = time.monotonic() - started
    return Scenario(crm, size, runner.counts, runs, runner.archived, runner.state, seconds, throttle)
