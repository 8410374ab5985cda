"""The pull phase: every source pulled concurrently (bounded), pages stored on the main thread.

Workers only talk to the CRM; the main thread projects each page and stores it with its cursor in
one transaction, so a run killed at any moment resumes from the last stored page and memory holds
at most a few pages (the queue is bounded).
"""

from __future__ import annotations

import gc
import logging
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sponsorsync.connectors.base import Connector, Page
from sponsorsync.sync.calendar import UTC_CALENDAR, Calendar
from sponsorsync.sync.ledger import now_text
from sponsorsync.sync.mirror import Mirror
from sponsorsync.sync.sources import Source
from sponsorsync.sync.store import StateStore

log = logging.getLogger(__name__)
QUEUE_PAGES = 8
# While pulling, a thread waiting for the interpreter lock (the main thread back from a database
# write, a pull thread back from a socket read) asks for it after this long instead of CPython's
# 5 ms: both hand it back hundreds of thousands of times in a large pull, and each wait of up to
# 5 ms added up to a third of its wall time (a 100,000-contact Salesforce pull, BENCHMARKS.md).
SWITCH_SECONDS = 0.0005
# Allocations between two young-generation garbage collections while pulling (CPython: 700). A
# pull allocates a few dicts per record, none in a reference cycle (reference counting frees
# them), and each collection walks every young object, the queued pages' records included.
GC_ALLOCATIONS = 100_000
KIND_WEIGHT = {  # typical sizes
    "activities": 3,
    "participants": 2,
    "contacts": 2,
    "accounts": 1,
    "opportunities": 1,
    "cases": 1,
    "opportunity_partners": 0,
    "account_team": 0,
    "users": 0,
}


@dataclass
class PullStats:
    records: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    full: list[str] = field(default_factory=list)
    swept: list[str] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)  # HubSpot: objects a full pull searched


@dataclass(frozen=True)
class _Done:
    source: Source


@dataclass(frozen=True)
class _Failed:
    error: BaseException


Progress = Callable[[str, int, bool], None]  # (source key, records so far, finished)
Expected = Callable[[str, int], None]  # (source key, records the pull is expected to read)


def _sweep_due(store: StateStore, source: Source, hours: float) -> bool:
    last = store.swept_at(source.key)
    if last is None or hours <= 0:
        return True
    return datetime.fromisoformat(last.replace("Z", "+00:00")) <= datetime.now(UTC) - timedelta(hours=hours)


def pull_all(
    connector: Connector,
    store: StateStore,
    sources: list[Source],
    *,
    run_id: int,
    concurrency: int,
    sweep_hours: float,
    progress: Progress | None = None,
    expected: Expected | None = None,
    calendar: Calendar = UTC_CALENDAR,
) -> PullStats:
    """Pull every source and store it in the mirror, its instants on the org's ``calendar``.
    ``progress`` hears the records stored so far; ``expected``, how many a pull will read where the
    CRM said so (a count before a HubSpot full pull, the first Salesforce page's ``totalSize``)."""
    mirror = Mirror(store, calendar)
    stats = PullStats()
    inbox: queue.Queue[tuple[Source, Page] | _Done | _Failed] = queue.Queue(maxsize=QUEUE_PAGES)
    stop = threading.Event()
    plans = []
    full_sweep: frozenset[str] = getattr(connector, "full_sweep", frozenset())
    for source in sources:
        cursor = store.cursor(source.key)
        sweep = cursor is not None and _sweep_due(store, source, sweep_hours)
        if sweep and source.spec.name.lower() in full_sweep:
            cursor = None  # no deletion trail: the sweep is a full read, the unseen rows are gone
        plans.append((source, cursor, sweep))
        if cursor is None:
            stats.full.append(source.key)
        if sweep:
            stats.swept.append(source.key)

    prepare = getattr(connector, "prepare_pulls", None)  # Salesforce: the objects a bulk pull describes
    if prepare is not None:
        prepare([source.spec for source, _, _ in plans])
    modes = {source.key: (cursor is None, sweep) for source, cursor, sweep in plans}
    # Largest first: a single object's pages come one after another, so the longest stream must
    # start at once for the others to fill the rate limit around it, not be left running alone.
    sizes = {source.key: mirror.size(source.kind, source.spec.name) for source, _, _ in plans}
    # HubSpot: the full pulls are counted and planned (list or search); a searched object's pull
    # runs its own streams, so it gets a worker of its own beside the `concurrency` others.
    planner = getattr(connector, "plan_full_pulls", None)
    planned: dict[str, tuple[int, bool]] = (
        planner([source.spec for source, cursor, _ in plans if cursor is None]) if planner else {}
    )
    own_streams = 0
    for source, cursor, _ in plans:
        if cursor is None and source.spec.name in planned:
            records, searched = planned[source.spec.name]
            sizes[source.key] = records
            own_streams += searched
            if searched:
                stats.searched.append(source.spec.name)
            if expected:
                expected(source.key, records)
    pending = sorted(plans, key=lambda plan: (-sizes[plan[0].key], -KIND_WEIGHT[plan[0].kind]))
    lock = threading.Lock()

    def worker() -> None:
        while not stop.is_set():
            with lock:
                if not pending:
                    return
                source, cursor, sweep = pending.pop(0)
            try:
                for page in connector.pull(source.spec, cursor, sweep_deletions=sweep):
                    while not stop.is_set():
                        try:
                            inbox.put((source, page), timeout=0.2)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                inbox.put(_Done(source))
            except BaseException as exc:  # handed to the main thread, which raises it
                inbox.put(_Failed(exc))
                return

    threads = [
        threading.Thread(target=worker, name=f"pull-{i}", daemon=True)
        for i in range(min(concurrency + own_streams, len(plans)))
    ]
    switch, collect = sys.getswitchinterval(), gc.get_threshold()
    sys.setswitchinterval(min(switch, SWITCH_SECONDS))
    gc.set_threshold(max(collect[0], GC_ALLOCATIONS), *collect[1:])
    # A full pull loads its tables without the indexes its rows' order would scatter (SQLite).
    with store.indexes_deferred(source.kind for source, cursor, _ in plans if cursor is None):
        for thread in threads:
            thread.start()
        remaining = len(plans)
        try:
            while remaining:
                item = inbox.get()
                if isinstance(item, _Failed):
                    raise item.error
                if isinstance(item, _Done):
                    remaining -= 1
                    _finish(store, mirror, item.source, run_id, stats, progress, modes[item.source.key])
                    continue
                source, page = item
                if expected and page.expected is not None:
                    expected(source.key, page.expected)
                _store_page(store, mirror, source, page, run_id, stats)
                if progress:
                    progress(source.key, stats.records.get(source.key, 0), False)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=5)
            sys.setswitchinterval(switch)
            gc.set_threshold(*collect)
    return stats


def _store_page(
    store: StateStore, mirror: Mirror, source: Source, page: Page, run_id: int, stats: PullStats
) -> None:
    # A Bulk API 2.0 table goes to mirror rows in one step; other pages are projected to Rows first.
    table = source.table_rows(page.records, run_id, mirror.calendar)
    rows = source.project_page(page.records) if table is None else []
    with store.transaction():
        if table is None:
            written = mirror.write(source.kind, source.spec.name, rows, run_id)
        else:
            written = mirror.write_table(source.kind, table)
        if page.snapshot and page.complete:
            present = {row.id for row in rows} if table is None else {t[0][0] for t in table}
            gone = mirror.mark_missing(source.kind, present)
            stats.deleted[source.key] = stats.deleted.get(source.key, 0) + gone
        if page.cursor is not None:
            store.save_cursor(source.key, page.cursor, now_text())
    stats.records[source.key] = stats.records.get(source.key, 0) + written
    deleted = sum(1 for row in rows if row.deleted) if table is None else sum(t[0][-2] for t in table)
    if deleted:
        stats.deleted[source.key] = stats.deleted.get(source.key, 0) + deleted


def _finish(
    store: StateStore,
    mirror: Mirror,
    source: Source,
    run_id: int,
    stats: PullStats,
    progress: Progress | None,
    mode: tuple[bool, bool],
) -> None:
    full, swept = mode
    with store.transaction():
        if full:
            # A complete full pull returned every live record: what it did not return is gone.
            gone = mirror.sweep_unseen(source.kind, source.spec.name, run_id)
            if gone:
                stats.deleted[source.key] = stats.deleted.get(source.key, 0) + gone
        if full or swept:
            store.save_sweep(source.key, now_text())
    log.debug(
        "pulled %s",
        source.key,
        extra={"records": stats.records.get(source.key, 0), "deleted": stats.deleted.get(source.key, 0)},
    )
    if progress:
        progress(source.key, stats.records.get(source.key, 0), True)
