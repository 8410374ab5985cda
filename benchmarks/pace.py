"""How fast a full sync went against the limit it had: achieved request rate, the busiest ten
seconds, 429s, and the floor wall time the limits (HubSpot: the ten-second limit for every call
but search, and search's own per-second limit, whichever is spent last) or the latency
(Salesforce) set."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks.floor import Floor
from benchmarks.sandbox import LATENCY_MS, RATE_LIMIT

WINDOW_SECONDS = 10.0


@dataclass(frozen=True)
class Pace:
    requests: int  # answered requests in the log (429s included)
    span_seconds: float  # first to last request arrival
    wall_seconds: float  # the whole sync (pull, plan, apply), as the run measured it
    floor_seconds: float  # the least time the limit (HubSpot) or the latency (Salesforce) allows
    rate: float  # requests per second over the span
    allowed_rate: float | None  # HubSpot: 110 per 10 s; Salesforce: no burst limit
    busiest_window: int  # most requests but searches that arrived within any 10 seconds
    throttled: int  # 429 answers
    log_complete: bool
    searches: int = 0  # HubSpot: of the requests, searches (their own limit, not the ten-second one)
    windows: list[int] = field(default_factory=list)  # requests in each 10 s from the first
    objects: dict[str, list[float]] = field(default_factory=dict)  # object -> [first s, last s, requests]

    @property
    def share(self) -> float:
        """floor / span: the achieved share of the allowed rate (HubSpot), of the latency's best
        (Salesforce)."""
        return self.floor_seconds / self.span_seconds if self.span_seconds else 1.0

    @property
    def measurable(self) -> bool:
        """Under two windows the rolling limit's initial burst decides the rate, not the pacing."""
        return self.allowed_rate is None or self.requests > 2 * RATE_LIMIT["ten_second_max"]

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"share": self.share, "measurable": self.measurable}


def busiest(times: list[float], window: float = WINDOW_SECONDS) -> int:
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def windows(times: list[float], window: float = WINDOW_SECONDS) -> list[int]:
    if not times:
        return []
    counts = Counter(int((at - times[0]) // window) for at in times)
    return [counts[i] for i in range(max(counts) + 1)]


def objects(log: list[dict[str, Any]], start: float) -> dict[str, list[float]]:
    """When each object's requests began and ended, and how many there were (from the targets)."""
    found: dict[str, list[float]] = {}
    for r in log:
        parts = r["target"].split("?", 1)[0].strip("/").split("/")
        name = parts[3] if len(parts) > 3 and parts[2] == "objects" else r["route"].split(" ", 1)[1]
        if "queryAll" in name or "query" in name:
            name = "query" if "{locator}" not in r["route"] else "query (next pages)"
        at = round(float(r["at"]) - start, 1)
        entry = found.setdefault(name, [at, at, 0])
        entry[1] = at
        entry[2] += 1
    return found


def salesforce_floor_seconds(floor: Floor, concurrency: int) -> float:
    """Latency alone: a query's pages come one after another (each needs the previous locator) and
    at most ``concurrency`` requests are in flight; the writes follow the pull, one kind at a time.
    The CRM's own processing time is not counted."""
    latency = LATENCY_MS / 1000
    chain = max(floor.reads.values(), default=0)
    spread = math.ceil(floor.read_calls / concurrency)
    writes = sum(math.ceil(n / concurrency) for n in floor.writes.values())
    return (max(chain, spread) + writes) * latency


def pace(
    crm: str,
    log: list[dict[str, Any]],
    expected: int,
    wall_seconds: float,
    floor: Floor,
    concurrency: int,
) -> Pace:
    log = sorted(log, key=lambda r: float(r["at"]))
    times = [float(r["at"]) for r in log]
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    allowed: float | None = None
    searched = [r for r in log if r["route"].rstrip("/").endswith("/search")]
    limited = [float(r["at"]) for r in log if not r["route"].rstrip("/").endswith("/search")]
    if crm == "hubspot":
        # Both limits at once: the ten-second one for every call but search, search's own for searches.
        allowed = RATE_LIMIT["ten_second_max"] / WINDOW_SECONDS
        floor_seconds = max(len(limited) / allowed, len(searched) / RATE_LIMIT["search_per_second"])
    else:
        floor_seconds = salesforce_floor_seconds(floor, concurrency)
    return Pace(
        requests=len(times),
        span_seconds=span,
        wall_seconds=wall_seconds,
        floor_seconds=floor_seconds,
        rate=len(times) / span if span else 0.0,
        allowed_rate=allowed,
        busiest_window=busiest(limited),
        throttled=sum(1 for r in log if r["status"] == "429"),
        log_complete=len(times) >= expected,
        searches=len(searched),
        windows=windows(times),
        objects=objects(log, times[0]) if times else {},
    )
