"""Engine time: build the model (classify titles, gather touches), plan (match, cadence) and diff,
in this process, on the mirror a benchmark's syncs left behind; and the HTML portfolio report
(``sponsorsync report``) from the same state. No CRM call is involved."""

from __future__ import annotations

import csv
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sponsorsync.connectors.base import CrmName
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.titles import normalize
from sponsorsync.sync.diff import Differ, stamp
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.mirror import Mirror
from sponsorsync.sync.model import build_org
from sponsorsync.sync.plan import plan
from sponsorsync.sync.portfolio_state import load_portfolio
from sponsorsync.sync.report_html import render_html
from sponsorsync.sync.store import StateStore

#: Real-world titles labelled for the accuracy tests (tests/mappings/data): the speed sample.
LABELLED_TITLES = Path(__file__).resolve().parents[1] / "tests" / "mappings" / "data" / "titles.csv"


@dataclass(frozen=True)
class EngineTime:
    contacts: int
    activities: int
    alliances: int
    model_seconds: float  # build_org: mirror reads, title classification, touch aggregation
    plan_seconds: float  # plan: counterpart matching, sponsor candidates, cadence rules
    diff_seconds: float  # diff against the ledger
    titles: int
    distinct_titles: int
    classify_seconds: float  # every contact title, cold cache
    report_seconds: float = 0.0  # the HTML portfolio report: local state -> portfolio -> HTML text
    report_bytes: int = 0
    # Titles classified per CPU second when none repeats (no cache helps), and how many were timed.
    unrepeated_per_second: float = 0.0
    unrepeated_titles: int = 0

    @property
    def seconds(self) -> float:
        return self.model_seconds + self.plan_seconds + self.diff_seconds

    @property
    def per_1000_contacts_ms(self) -> float:
        return 1000 * self.seconds / self.contacts * 1000 if self.contacts else 0.0

    @property
    def contacts_per_second(self) -> float:
        return self.contacts / self.seconds if self.seconds else 0.0

    @property
    def titles_per_second(self) -> float:
        return self.titles / self.classify_seconds if self.classify_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {
            "seconds": self.seconds,
            "per_1000_contacts_ms": self.per_1000_contacts_ms,
            "contacts_per_second": self.contacts_per_second,
            "titles_per_second": self.titles_per_second,
        }


def engine_time(state_dir: Path, crm: CrmName, repeat: int = 3) -> EngineTime:
    """The best of ``repeat`` passes (the first warms SQLite's page cache, as a real run's pull has)."""
    mapping = load_mapping(None, crm)
    store = StateStore(state_dir)
    try:
        ledger, mirror = Ledger(store), Mirror(store)
        last = store.meta("last_today")
        today = date.fromisoformat(last) if last else date.today()
        counts = mirror.counts()
        best: tuple[float, float, float] | None = None
        alliances = 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            org = build_org(mirror, mapping, today, ledger.memory())
            t1 = time.perf_counter()
            the_plan = plan(org, mapping, ledger.closed_by_us())
            t2 = time.perf_counter()
            current = {a.id: a.current for a in org.alliances}
            Differ(mapping, ledger.entries(), org.own_tasks, stamp(mapping, "bench", 0, "now")).diff(
                the_plan, current
            )
            t3 = time.perf_counter()
            alliances = len(org.alliances)
            times = (t1 - t0, t2 - t1, t3 - t2)
            if best is None or sum(times) < sum(best):
                best = times
        titles = [row["title"] for row in mirror.rows("contacts") if not row["deleted"]]
        report_seconds, report_bytes = report_time(store, mapping, repeat)
    finally:
        store.close()
    normalize.cache_clear()
    mapping.titles.answers.clear()  # cold: neither normalised titles nor answers remembered
    t0 = time.perf_counter()
    for title in titles:
        mapping.titles.classify(title)
    classify = time.perf_counter() - t0
    unrepeated, sample = unrepeated_titles_per_second(mapping)
    assert best is not None
    return EngineTime(
        contacts=counts.get("contacts", 0),
        activities=counts.get("activities", 0),
        alliances=alliances,
        model_seconds=best[0],
        plan_seconds=best[1],
        diff_seconds=best[2],
        titles=len(titles),
        distinct_titles=len(set(titles)),
        classify_seconds=classify,
        report_seconds=report_seconds,
        report_bytes=report_bytes,
        unrepeated_per_second=unrepeated,
        unrepeated_titles=sample,
    )


def unrepeated_titles_per_second(mapping: Mapping, copies: int = 40, repeat: int = 3) -> tuple[float, int]:
    """The worst case of title classification: the labelled real-world titles (``LABELLED_TITLES``),
    numbered ``copies`` times so that none repeats and no cache helps; CPU seconds (other processes
    on a shared machine do not count), best of ``repeat``."""
    with LABELLED_TITLES.open(encoding="utf-8", newline="") as handle:
        base = [row["title"] for row in csv.DictReader(handle)]
    titles = [f"{title} {n}" for n in range(copies) for title in base]
    best = float("inf")
    for _ in range(repeat):
        normalize.cache_clear()
        mapping.titles.answers.clear()
        t0 = time.process_time()
        for title in titles:
            mapping.titles.classify(title)
        best = min(best, time.process_time() - t0)
    return (len(titles) / best if best else 0.0), len(titles)


def report_time(store: StateStore, mapping: Mapping, repeat: int = 3) -> tuple[float, int]:
    """The best of ``repeat`` renderings of the HTML report (what `sponsorsync report` does after
    opening the state), and its size in bytes."""
    best, size = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        html = render_html(load_portfolio(store, mapping), crm=store.meta("crm"))
        best = min(best, time.perf_counter() - t0)
        size = len(html.encode())
    return best, size
