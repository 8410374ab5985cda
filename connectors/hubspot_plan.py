"""Which objects a HubSpot full pull lists and which it searches (pure arithmetic, no I/O).

HubSpot meters two things separately: the rolling ten-second limit (every call but search) and the
search limit (requests per second). A list page brings 100 records with their associations inline
and costs one call of the ten-second limit; a search page brings 200 records and costs one search
call, but carries no associations: they are read afterwards, 1,000 ids a call per association type,
on the ten-second limit. Using both limits at once, a full pull ends when the busier one is spent:

    time = max(list calls / general rate, search calls / search rate, longest listed object)

where "longest listed object" is the pages of the largest listed object one after another (a list
is paged by an opaque cursor: one object's list cannot be split), at the pace of one stream. A
searched object is split into ``hs_object_id`` ranges searched side by side, so it has no such
term. Every assignment of the (few) objects is tried and the quickest is kept; ties keep lists.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

LIST_PAGE = 100
SEARCH_PAGE = 200
ASSOCIATION_BATCH = 1000
MAX_PLANNED = 14  # objects tried exhaustively (2^14 assignments); beyond that, lists only
RANGE_PAGES = 10  # search pages a range must hold at least to be worth its own stream


@dataclass(frozen=True)
class ObjectLoad:
    records: int
    association_types: int


@dataclass(frozen=True)
class Rates:
    """What each limit lets through, in calls a second, and one list stream's pages a second."""

    general: float
    search: float
    list_stream: float

    @classmethod
    def paced(cls, slots_per_10s: int, search_per_second: int, round_trip: float) -> Rates:
        """The rates the connector's pacing achieves with its limiters' slots (for the ten-second
        limit, 97% of what the portal advertises, or the configured pace): each call holds its slot
        from sending until one window after its answer (see :mod:`connectors.throttle`), so a slot
        turns over once per window plus a round trip."""
        return cls(slots_per_10s / (10 + round_trip), search_per_second / (1 + round_trip), 1 / round_trip)


@dataclass(frozen=True)
class Schedule:
    searched: frozenset[str]
    seconds: float  # the estimate the choice was made on
    list_seconds: float  # the estimate with every object listed


def range_count(records: int, streams: int) -> int:
    """How many ``hs_object_id`` ranges a searched object is cut into."""
    return max(1, min(streams, records // (RANGE_PAGES * SEARCH_PAGE)))


def list_calls(load: ObjectLoad) -> int:
    return max(1, math.ceil(load.records / LIST_PAGE))


def search_calls(load: ObjectLoad, ranges: int = 1) -> int:
    """Search pages of a searched object, at most: each range's last page may be partial, and
    the highest id is asked once (the lowest came with the count)."""
    return max(1, math.ceil(load.records / SEARCH_PAGE)) + ranges - 1 + 1


def association_calls(load: ObjectLoad, ranges: int = 1) -> int:
    """Association reads of a searched object, at most (a batch per range may be partial)."""
    if load.records == 0:
        return 0
    return load.association_types * (math.ceil(load.records / ASSOCIATION_BATCH) + ranges - 1)


def estimate(loads: Mapping[str, ObjectLoad], searched: frozenset[str], rates: Rates, streams: int) -> float:
    def ranges(load: ObjectLoad) -> int:
        return range_count(load.records, streams)

    general = sum(
        association_calls(load, ranges(load)) if name in searched else list_calls(load)
        for name, load in loads.items()
    )
    search = sum(search_calls(load, ranges(load)) for name, load in loads.items() if name in searched)
    longest = max((list_calls(load) for name, load in loads.items() if name not in searched), default=0)
    return max(general / rates.general, search / rates.search, longest / rates.list_stream)


def choose(loads: Mapping[str, ObjectLoad], rates: Rates, streams: int) -> Schedule:
    """The assignment with the shortest estimate (fewest searched objects among equals)."""
    names = sorted(loads)
    everything_listed = estimate(loads, frozenset(), rates, streams)
    best = Schedule(frozenset(), everything_listed, everything_listed)
    if len(names) > MAX_PLANNED:
        return best
    for size in range(1, len(names) + 1):
        for chosen in combinations(names, size):
            searched = frozenset(chosen)
            seconds = estimate(loads, searched, rates, streams)
            if seconds < best.seconds - 1e-9:
                best = Schedule(searched, seconds, everything_listed)
    return best


def id_ranges(low: int, high: int, parts: int) -> list[tuple[int, int | None]]:
    """``[low, high]`` cut into ``parts`` consecutive ranges ``(start, end)`` (end exclusive); the
    last is open (``None``) so that nothing above ``high`` is left out."""
    parts = max(1, min(parts, high - low + 1))
    step = (high - low + 1) / parts
    starts = [low + round(i * step) for i in range(parts)]
    return [(start, starts[i + 1] if i + 1 < parts else None) for i, start in enumerate(starts)]
