"""The HubSpot full-pull plan (pure): which objects are listed and which searched, so that the
ten-second limit and the search limit work at once."""

from __future__ import annotations

import itertools

import pytest

from sponsorsync.connectors.hubspot_plan import (
    ObjectLoad,
    Rates,
    association_calls,
    choose,
    estimate,
    id_ranges,
    list_calls,
    range_count,
    search_calls,
)

# The generated org at 100,000 contacts (seed 0, BENCHMARKS.md): activities carry contacts and companies.
ORG_100K = {
    "companies": ObjectLoad(5_000, 0),
    "contacts": ObjectLoad(100_000, 0),
    "tasks": ObjectLoad(222_968, 2),
    "meetings": ObjectLoad(162_221, 2),
    "calls": ObjectLoad(183_045, 2),
    "emails": ObjectLoad(345_652, 2),
    "notes": ObjectLoad(101_306, 2),
    "deals": ObjectLoad(183, 1),
    "tickets": ObjectLoad(139, 2),
}
BENCHMARK = Rates.paced(106, 4, 0.3)  # 97% of the advertised 110


def test_paced_rates_follow_the_limiters_slots() -> None:
    # 106 slots turning over every 10.3 s; 4 search slots every 1.3 s; one list page per 0.3 s
    assert BENCHMARK.general == pytest.approx(106 / 10.3)
    assert BENCHMARK.search == pytest.approx(4 / 1.3)
    assert BENCHMARK.list_stream == pytest.approx(1 / 0.3)


def test_a_large_org_is_split_between_list_and_search_and_goes_much_faster() -> None:
    schedule = choose(ORG_100K, BENCHMARK, 4)
    assert schedule.searched == {"emails", "contacts"}
    assert schedule.list_seconds == pytest.approx(11_209 / BENCHMARK.general)  # every page listed
    assert schedule.seconds == pytest.approx(727.0, abs=0.5)  # measured: 726.9 s (BENCHMARKS.md)
    assert schedule.seconds < 0.7 * schedule.list_seconds
    # every other assignment is no quicker
    for name in ORG_100K:
        flipped = schedule.searched ^ {name}
        assert estimate(ORG_100K, flipped, BENCHMARK, 4) >= schedule.seconds


def test_the_longest_listed_object_bounds_the_estimate() -> None:
    """One object's list pages come one after another: a huge object alone is searched in ranges."""
    one = {"emails": ObjectLoad(345_652, 2)}
    listed = estimate(one, frozenset(), BENCHMARK, 4)
    assert listed == pytest.approx(3_457 / BENCHMARK.list_stream)
    assert choose(one, BENCHMARK, 4).searched == {"emails"}


def test_small_objects_stay_listed() -> None:
    """A list page or two costs less than a count, a search and association reads."""
    small = {"companies": ObjectLoad(40, 0), "tasks": ObjectLoad(90, 2), "empty": ObjectLoad(0, 2)}
    schedule = choose(small, BENCHMARK, 4)
    assert schedule.searched == frozenset()
    assert schedule.seconds == schedule.list_seconds


def test_calls_of_each_way() -> None:
    load = ObjectLoad(100_001, 2)
    assert list_calls(load) == 1_001
    assert search_calls(load) == 501 + 1  # the pages and the search for the highest id
    assert search_calls(load, 4) == 501 + 1 + 3  # each range's last page may be partial
    assert association_calls(load) == 2 * 101
    assert association_calls(load, 4) == 2 * (101 + 3)
    assert association_calls(ObjectLoad(0, 2)) == 0
    assert list_calls(ObjectLoad(0, 0)) == search_calls(ObjectLoad(0, 0)) - 1 == 1


@pytest.mark.parametrize(("records", "expected"), [(0, 1), (3_999, 1), (4_000, 2), (100_000, 4)])
def test_a_range_holds_at_least_ten_search_pages(records: int, expected: int) -> None:
    assert range_count(records, 4) == expected


@pytest.mark.parametrize(
    ("low", "high", "parts"), [(1, 100, 4), (7, 7, 4), (1000, 1003, 8), (5, 1_000_000, 3)]
)
def test_id_ranges_cover_every_id_once_and_leave_the_top_open(low: int, high: int, parts: int) -> None:
    ranges = id_ranges(low, high, parts)
    assert ranges[0][0] == low
    assert ranges[-1][1] is None  # ids created above the highest are not left out
    assert len(ranges) == min(parts, high - low + 1)
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert end == start  # consecutive: no gap, no overlap
    sizes = [(end or high + 1) - start for start, end in ranges]
    assert max(sizes) - min(sizes) <= 1
