"""Runs a parsed search over one object type's search view. The common incremental pull (a range
on the last-modified property, sorted by it ascending or by id) is answered from the seeded
table's modstamp index by slicing, a full pull's ``hs_object_id`` range (sorted by id either way)
by slicing the seeded ids; anything else scans the seeded records once. The full sorted
result of a query is cached until the index view changes, so paging through it costs a slice."""

from __future__ import annotations

import math
import zlib
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence
from itertools import groupby
from typing import Any

from sponsorsync.sandbox.hubspot.objects import ObjectType
from sponsorsync.sandbox.hubspot.portal import Portal
from sponsorsync.sandbox.hubspot.search import Filter, Query, text_match
from sponsorsync.sandbox.hubspot.store import ObjectStore, SearchView
from sponsorsync.sandbox.hubspot.table import BaseTable, Version

Ref = int | Version  # a seeded record's position, or an overlay version
_LOWEST, _HIGHEST = -(1 << 62), 1 << 62


class Searcher:
    """Runs queries; keeps recent full results so that paging through one costs a slice."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[Any, ...], list[Ref]] = OrderedDict()

    def reset(self) -> None:
        self._cache.clear()

    def run(
        self, portal: Portal, otype: ObjectType, query: Query, now_ms: int
    ) -> tuple[list[Ref], ObjectStore]:
        store = portal.store(otype)
        view, view_key = store.search_view(now_ms)
        key = (otype.name, view_key, query.fingerprint)
        found = self._cache.get(key)
        if found is None:
            found = _execute(store, query, view, otype)
            self._cache[key] = found
            while len(self._cache) > 12:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return found, store


def _execute(store: ObjectStore, query: Query, view: SearchView, otype: ObjectType) -> list[Ref]:
    table = store.table
    fast = _id_range(table, query, view) if _id_range_query(query) else _indexed(table, query, view, otype)
    if fast is not None:
        return fast
    refs: list[Ref] = []
    for group in query.groups:
        refs.extend(_base_matches(table, group, query.text, view.hidden, otype))
        refs.extend(v for v in view.overlay if _version_matches(v, group, query.text, otype))
    if len(query.groups) > 1:
        seen: set[int] = set()
        unique: list[Ref] = []
        for ref in refs:
            object_id = ref.id if isinstance(ref, Version) else table.first_id + ref
            if object_id not in seen:
                seen.add(object_id)
                unique.append(ref)
        refs = unique
    first = table.first_id
    refs.sort(key=lambda r: r.id if isinstance(r, Version) else first + r)
    if query.sort is not None:
        refs = _sorted(table, refs, *query.sort)
    return refs


def _id_range_query(query: Query) -> bool:
    """One group of ``hs_object_id`` ranges only, sorted by id (or not at all), no text."""
    if len(query.groups) != 1 or query.text or not query.groups[0]:
        return False
    if query.sort is not None and query.sort[0] != "hs_object_id":
        return False
    return all(f.ids is not None for f in query.groups[0])


def _id_range(table: BaseTable, query: Query, view: SearchView) -> list[Ref]:
    """An id-range query (a full pull split by ``hs_object_id``) by slicing the seeded ids, which
    are consecutive: its cost is the range's size, not the table's."""
    (group,) = query.groups
    lo, hi = _LOWEST, _HIGHEST
    for f in group:
        assert f.ids is not None
        lo, hi = max(lo, math.ceil(f.ids[0])), min(hi, math.floor(f.ids[1]))
    first = table.first_id
    start, end = max(0, lo - first), min(table.n, hi - first + 1)
    hidden = view.hidden
    archived = table.archived
    base = [p for p in range(start, end) if (first + p) not in hidden and p not in archived]
    extra = sorted(
        (v for v in view.overlay if all(f.pred(v.props.get(f.prop)) for f in group)), key=lambda v: v.id
    )
    refs: list[Ref] = []
    at = 0
    for version in extra:
        point = bisect_left(base, version.id - first, at)
        refs.extend(base[at:point])
        refs.append(version)
        at = point
    refs.extend(base[at:])
    if query.sort is not None and query.sort[1]:
        refs.reverse()
    return refs


def _indexed(table: BaseTable, query: Query, view: SearchView, otype: ObjectType) -> list[Ref] | None:
    """The result of a query made only of last-modified ranges (one group, no text), sorted by id
    (or hs_object_id ascending) or by last-modified ascending, by slicing the modstamp index; None
    for any other query."""
    if len(query.groups) != 1 or query.text:
        return None
    (group,) = query.groups
    excluded = [f.excluded for f in group if f.excluded is not None]
    if any(f.bounds is None and f.excluded is None for f in group):
        return None
    ranges = tuple(f for f in group if f.bounds is not None)
    sort = query.sort
    if sort is not None and sort[0] == "hs_object_id" and not sort[1]:
        sort = None  # the same as id order
    if sort is not None and (sort[0] not in otype.modified_props or sort[1]):
        return None
    by_modified = sort is not None
    lo, hi = _bounds_of(ranges)
    keys, order, first = table.mod_keys, table.mod_order, table.first_id
    start, end = bisect_left(keys, lo), bisect_right(keys, hi)
    drop = {i - first for i in view.hidden if table.pos(i) is not None} | table.archived.keys()
    drop |= {i - first for ids in excluded for i in ids if table.pos(i) is not None}
    extra = [v for v in view.overlay if all(f.pred(v.props.get(f.prop)) for f in group)]
    if by_modified:
        extra.sort(key=lambda v: (v.updated_ms, v.id))
        base: Sequence[int] = order
        points = [_modified_point(table, v, start, end) for v in extra]
    else:
        base = sorted(order[start:end])
        start, end = 0, len(base)
        extra.sort(key=lambda v: v.id)
        points = [bisect_left(base, v.id - first) for v in extra]
    refs: list[Ref] = []
    at = start
    for point, version in zip(points, extra, strict=True):
        refs.extend(_kept(base, at, point, drop))
        refs.append(version)
        at = point
    refs.extend(_kept(base, at, end, drop))
    return refs


def page_of(store: ObjectStore, query: Query, refs: list[Ref], end: int, salt: int) -> list[Ref]:
    """``refs[query.after:end]``, each run of equal sort values in an order of the index's own:
    HubSpot promises no order among ties, so the sandbox does not keep id order either. The order
    is seeded (``salt``, the query) and so stable while one query is paged, different for another
    query."""
    start = query.after
    if query.sort is None or start >= end:
        return refs[start:end]
    prop, _, conv = query.sort
    table, first = store.table, store.table.first_id
    column = table.column(prop)

    def value(ref: Ref) -> Any:
        return conv(ref.props.get(prop) if isinstance(ref, Version) else column[ref])

    def rank(ref: Ref) -> int:
        object_id = ref.id if isinstance(ref, Version) else first + ref
        return zlib.crc32(f"{salt}:{query.fingerprint}:{object_id}".encode())

    lo, hi = start, end
    while lo > 0 and value(refs[lo - 1]) == value(refs[start]):
        lo -= 1
    while hi < len(refs) and value(refs[hi]) == value(refs[end - 1]):
        hi += 1
    window: list[Ref] = []
    for _, run in groupby(refs[lo:hi], key=value):
        window.extend(sorted(run, key=rank))
    return window[start - lo : end - lo]


def _bounds_of(group: tuple[Filter, ...]) -> tuple[int, int]:
    lo, hi = _LOWEST, _HIGHEST
    for f in group:
        assert f.bounds is not None
        lo, hi = max(lo, f.bounds[0]), min(hi, f.bounds[1])
    return lo, hi


def _modified_point(table: BaseTable, version: Version, start: int, end: int) -> int:
    """Where an overlay version goes among the index entries [start, end), ordered by (modified, id)."""
    keys, order = table.mod_keys, table.mod_order
    run_start = bisect_left(keys, version.updated_ms, start, end)
    run_end = bisect_right(keys, version.updated_ms, run_start, end)
    return bisect_left(
        order, version.id - table.first_id, run_start, run_end
    )  # positions ascend within a run


def _kept(base: Sequence[int], start: int, end: int, drop: set[int]) -> list[int]:
    chunk = list(base[start:end])
    return [p for p in chunk if p not in drop] if drop else chunk


def _base_matches(
    table: BaseTable,
    group: tuple[Filter, ...],
    words: tuple[str, ...],
    hidden: frozenset[int],
    otype: ObjectType,
) -> list[int]:
    ranged = [f for f in group if f.bounds is not None]
    lo, hi = _bounds_of(tuple(ranged))
    positions: Sequence[int]
    if ranged:
        keys = table.mod_keys
        positions = table.mod_order[bisect_left(keys, lo) : bisect_right(keys, hi)]
    else:
        positions = range(table.n)
    checks = [(table.column(f.prop), f.pred) for f in group if f.bounds is None]
    text_cols = [table.column(p) for p in otype.query_props] if words else []
    first, archived = table.first_id, table.archived
    if not checks and not words and not hidden and not archived:
        return list(positions)
    out: list[int] = []
    for pos in positions:
        if (first + pos) in hidden or pos in archived:
            continue
        if all(pred(col[pos]) for col, pred in checks) and (
            not words or text_match([c[pos] for c in text_cols], words)
        ):
            out.append(pos)
    return out


def _version_matches(
    version: Version, group: tuple[Filter, ...], words: tuple[str, ...], otype: ObjectType
) -> bool:
    props = version.props
    if not all(f.pred(props.get(f.prop)) for f in group):
        return False
    return not words or text_match([props.get(p) for p in otype.query_props], words)


def _sorted(
    table: BaseTable, refs: list[Ref], prop: str, descending: bool, conv: Callable[[object], Any]
) -> list[Ref]:
    """Sort by one property; refs arrive in id order and the sort is stable, so ties stay in id
    order in both directions. Records without a value come last."""
    col = table.column(prop)
    keyed = [(conv(r.props.get(prop) if isinstance(r, Version) else col[r]), r) for r in refs]
    present = [kr for kr in keyed if kr[0] is not None]
    present.sort(key=lambda kr: kr[0], reverse=descending)
    return [r for _, r in present] + [r for k, r in keyed if k is None]
