"""Pulling HubSpot objects: full lists (100 a page, associations inline), change feeds by search
(200 a page, see :mod:`connectors.hubspot_search`) with their associations read in batches of up
to 1,000 ids, the owners, and archived records for a deletion sweep.

A full pull uses both of HubSpot's limits at once (:mod:`connectors.hubspot_plan`): before it,
each object is counted (one search), and the objects the plan gives to search are read by
``hs_object_id`` ranges searched side by side (keyset pages: ``GT`` the last id, never an offset,
so the 10,000-results cap of one query never applies), their associations read in batches; the
others are listed as before. Ids never change, so a record edited during the pull stays in its
range; both ways end with the same cursor, the pull's start."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any

from sponsorsync.connectors.base import (
    Cursor,
    ObjectSpec,
    Page,
    Record,
)
from sponsorsync.connectors.hubspot_calls import (
    ASSOCIATION_READ_LIMIT,
    LIST_LIMIT,
    OWNER_FIELDS,
    OWNERS,
    Apis,
    HubSpotCalls,
)
from sponsorsync.connectors.hubspot_plan import ObjectLoad, Rates, choose, id_ranges, range_count
from sponsorsync.connectors.hubspot_records import to_record
from sponsorsync.connectors.hubspot_search import SEARCH_LIMIT as SEARCH_PAGE
from sponsorsync.connectors.hubspot_search import next_after, search_changes
from sponsorsync.connectors.paging import CursorTracker, TokenLoopGuard
from sponsorsync.connectors.timestamps import parse_instant

log = logging.getLogger(__name__)
ROUND_TRIP = 0.3  # seconds a list page takes (latency, 100 records rendered and parsed): the plan's pace
QUEUED_PAGES = 4  # pages of a searched object waiting for the store (each up to 1,000 records)


class _Ended:
    """A range's stream has ended (or failed: ``error``)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class HubSpotPulls(HubSpotCalls):
    _searched: dict[str, list[tuple[int, int | None]]]

    def plan_full_pulls(self, specs: Sequence[ObjectSpec]) -> dict[str, tuple[int, bool]]:
        """Count each object to be pulled in full (one search each) and choose which are searched
        (:func:`connectors.hubspot_plan.choose`); those get their ``hs_object_id`` ranges (one more
        search each, for the highest id). Returns each object's count and whether it is searched
        (its pull then runs its own streams)."""
        self._searched = {}
        loads: dict[str, ObjectLoad] = {}
        lowest: dict[str, int] = {}
        for spec in specs:
            if spec.name == OWNERS:
                continue
            data = self._search(spec, _edge_body(descending=False))
            loads[spec.name] = ObjectLoad(int(data.get("total") or 0), len(spec.associations))
            results = data.get("results") or []
            if results:
                lowest[spec.name] = int(results[0]["id"])
        rates = Rates.paced(self._limiter.limit, self._search_limiter.limit, ROUND_TRIP)
        schedule = choose(loads, rates, self._concurrency)
        for spec in specs:
            if spec.name in schedule.searched and spec.name in lowest:
                results = self._search(spec, _edge_body(descending=True)).get("results") or []
                highest = int(results[0]["id"]) if results else lowest[spec.name]
                parts = range_count(loads[spec.name].records, self._concurrency)
                self._searched[spec.name] = id_ranges(lowest[spec.name], highest, parts)
        for name, load in sorted(loads.items()):
            how = f"search ({len(self._searched[name])} id ranges)" if name in self._searched else "list"
            log.info(
                "full pull of %s (%s records): %s",
                name,
                f"{load.records:,}",
                how,
                extra={"object": name, "records": load.records, "way": how},
            )
        if schedule.searched:
            log.info(
                "full pull plan: about %.0f s using list and search limits (lists alone: about %.0f s)",
                schedule.seconds,
                schedule.list_seconds,
            )
        return {name: (load.records, name in self._searched) for name, load in loads.items()}

    def pull(
        self, spec: ObjectSpec, cursor: Cursor | None, *, sweep_deletions: bool = True
    ) -> Iterator[Page]:
        if spec.name == OWNERS:
            yield from self._pull_owners(spec, archived_too=cursor is None or sweep_deletions)
            return
        if cursor is None and spec.name in getattr(self, "_searched", {}):
            last = yield from self._searched_full_pull(spec, self._searched.pop(spec.name))
        elif cursor is None:
            last = yield from self._full_pull(spec)
        else:
            last = yield from self._incremental_pull(spec, cursor)
        if sweep_deletions:
            yield from self._archived(spec, last)

    # -- reads ---------------------------------------------------------------------------------
    def _pull_owners(self, spec: ObjectSpec, *, archived_too: bool) -> Iterator[Page]:
        """The owners API has no change feed: every pull lists the active owners (a snapshot: an
        owner missing from it was deactivated). Deactivated (archived) owners are listed too on a
        first pull and on deletion sweeps, so their names stay known."""
        records: list[Record] = []
        for archived in (False, True) if archived_too else (False,):
            after: str | None = None
            guard = TokenLoopGuard("owners")
            while True:
                answer = self._call("reading the owners", self._owners_page(after, archived))
                data = answer.data or {}
                for owner in data.get("results", []):
                    fields = {k: owner.get(k) for k in (*OWNER_FIELDS, *spec.fields)}
                    fields["archived"] = archived or bool(owner.get("archived"))
                    if "teams" in spec.fields:  # the owner's team names, ';'-separated like multi-values
                        fields["teams"] = ";".join(str(t.get("name")) for t in owner.get("teams") or ())
                    records.append(Record(id=str(owner["id"]), fields=fields))
                after = next_after(data)
                if after is None:
                    break
                guard.check(after)
        started = CursorTracker(spec.watermark, None, self._now()).at_until()
        yield Page(records, started, complete=True, snapshot=True)

    def _full_pull(self, spec: ObjectSpec) -> Generator[Page, None, Cursor | None]:
        properties = list(dict.fromkeys((*spec.fields, spec.watermark)))
        after: str | None = None
        guard = TokenLoopGuard(spec.name)
        tracker: CursorTracker | None = None
        while True:
            answer = self._call(f"reading {spec.name}", self._list(spec, properties, after, archived=False))
            if tracker is None:
                tracker = CursorTracker(spec.watermark, None, self._now())
            data = answer.data or {}
            records = [to_record(raw, spec) for raw in data.get("results", [])]
            after = next_after(data)
            done = after is None
            # A list is not ordered by modification, so only a complete pull leaves a cursor.
            yield Page(records, tracker.at_until() if done else None, complete=done)
            if after is None:
                return tracker.at_until()
            guard.check(after)

    def _searched_full_pull(
        self, spec: ObjectSpec, ranges: list[tuple[int, int | None]]
    ) -> Generator[Page, None, Cursor | None]:
        """Every record by ``hs_object_id`` ranges searched side by side, each range's records in
        batches of up to 1,000 with their associations; the cursor, as for a list, is the pull's
        start (taken now: the counting search has answered)."""
        tracker = CursorTracker(spec.watermark, None, self._now())
        inbox: queue.Queue[Page | _Ended] = queue.Queue(maxsize=QUEUED_PAGES)
        stop = threading.Event()

        def stream(start: int, end: int | None) -> None:
            try:
                for page in self._search_range(spec, start, end, stop):
                    while not stop.is_set():
                        try:
                            inbox.put(page, timeout=0.2)
                            break
                        except queue.Full:
                            continue
                inbox.put(_Ended())
            except BaseException as exc:  # handed to the pulling thread, which raises it
                inbox.put(_Ended(exc))

        threads = [
            threading.Thread(target=stream, args=r, name=f"hs-{spec.name}-{i}", daemon=True)
            for i, r in enumerate(ranges)
        ]
        for thread in threads:
            thread.start()
        running = len(threads)
        try:
            while running:
                item = inbox.get()
                if isinstance(item, _Ended):
                    running -= 1
                    if item.error is not None:
                        raise item.error
                    continue
                yield item
        finally:
            stop.set()
            while True:  # unblock streams waiting to hand over a page
                try:
                    inbox.get_nowait()
                except queue.Empty:
                    break
            for thread in threads:
                thread.join(timeout=5)
        final = tracker.at_until()
        yield Page([], final, complete=True)
        return final

    def _search_range(
        self, spec: ObjectSpec, start: int, end: int | None, stop: threading.Event
    ) -> Iterator[Page]:
        """Records with ``start <= hs_object_id < end`` (no end: to the last), by id keyset pages of
        200, handed over in batches of up to 1,000 with their associations."""
        properties = list(dict.fromkeys((*spec.fields, spec.watermark)))
        floor: tuple[str, int] = ("GTE", start)
        held: list[dict[str, Any]] = []
        while not stop.is_set():
            filters = [{"propertyName": "hs_object_id", "operator": floor[0], "value": str(floor[1])}]
            if end is not None:
                filters.append({"propertyName": "hs_object_id", "operator": "LT", "value": str(end)})
            body = {
                "filterGroups": [{"filters": filters}],
                "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                "properties": properties,
                "limit": SEARCH_PAGE,
            }
            data = self._search(spec, body)
            results = data.get("results") or []
            held.extend(results)
            last = next_after(data) is None or not results
            if len(held) >= ASSOCIATION_READ_LIMIT or (last and held) or not spec.associations:
                ids = [str(raw["id"]) for raw in held]
                linked = self._read_associations(spec, ids) if spec.associations and ids else None
                yield Page(
                    [
                        to_record(raw, spec, None if linked is None else linked.get(str(raw["id"]), {}))
                        for raw in held
                    ],
                    None,
                )
                held = []
            if last:
                return
            floor = ("GT", max(int(raw["id"]) for raw in results))

    def _list(
        self, spec: ObjectSpec, properties: list[str], after: str | None, *, archived: bool
    ) -> Callable[[Apis], Any]:
        kwargs: dict[str, Any] = {
            "limit": LIST_LIMIT,
            "properties": properties,
            "archived": archived,
            **self._kw(),
        }
        if spec.associations and not archived:
            kwargs["associations"] = list(spec.associations)
        if after:
            kwargs["after"] = after
        return lambda api: api.objects.get_page(spec.name, **kwargs)

    def _incremental_pull(self, spec: ObjectSpec, cursor: Cursor) -> Generator[Page, None, Cursor | None]:
        start = parse_instant(cursor.last_value) - self._lookback
        tracker: CursorTracker | None = None
        held: list[tuple[list[dict[str, Any]], Cursor | None]] = []  # pages waiting for their associations
        totals: list[int] = []  # the first search's total: the pull's size
        expected: int | None = None  # carried by the pull's first page, for progress

        def search(body: dict[str, Any]) -> dict[str, Any]:
            data = self._search(spec, body)
            if not totals and isinstance(data.get("total"), int):
                totals.append(int(data["total"]))
            return data

        for raw_page in search_changes(search, spec, start):
            if tracker is None:
                tracker = CursorTracker(spec.watermark, cursor, self._now())
                expected = totals[0] if totals else None
            # Only what is kept: the boundary records seen last time cost no association read.
            admitted = [
                raw
                for raw in raw_page
                if tracker.admit(str(raw["id"]), (raw.get("properties") or {}).get(spec.watermark))
            ]
            held.append((admitted, tracker.cursor()))
            if sum(len(page) for page, _ in held) >= ASSOCIATION_READ_LIMIT or not spec.associations:
                yield from self._with_associations(spec, held, expected)
                expected, held = None, []  # the first page has carried it
        yield from self._with_associations(spec, held, expected)
        # The searches have answered by now, so the CRM's clock is that of this pull.
        final = (tracker or CursorTracker(spec.watermark, cursor, self._now())).finished()
        yield Page([], final, complete=True)
        return final

    def _with_associations(
        self, spec: ObjectSpec, held: list[tuple[list[dict[str, Any]], Cursor | None]], expected: int | None
    ) -> Iterator[Page]:
        """Search pages, their associations read together (up to 1,000 ids a call); the first one
        carries ``expected`` (the pull's size, on the pull's first page)."""
        ids = [str(raw["id"]) for page, _ in held for raw in page]
        associations = self._read_associations(spec, ids) if ids else {}
        for index, (page, page_cursor) in enumerate(held):
            yield Page(
                [to_record(raw, spec, associations.get(str(raw["id"]), {})) for raw in page],
                page_cursor,
                expected=expected if index == 0 else None,
            )

    def _read_associations(self, spec: ObjectSpec, ids: list[str]) -> dict[str, dict[str, tuple[str, ...]]]:
        """Associations of up to 1,000 records a call. Each result row holds at most 500 of one
        record's associations and pages on its own (``paging.next.after`` per row): the rows with
        more are read again together, each input with its ``after``."""
        found: dict[str, dict[str, dict[str, None]]] = {}
        for to_type in spec.associations:
            guard = TokenLoopGuard(f"{spec.name} associations to {to_type}")
            for i in range(0, len(ids), ASSOCIATION_READ_LIMIT):
                pending: list[dict[str, str]] = [
                    {"id": record_id} for record_id in ids[i : i + ASSOCIATION_READ_LIMIT]
                ]
                while pending:
                    answer = self._call(
                        f"reading {spec.name} associations to {to_type}",
                        self._association_page(spec.name, to_type, {"inputs": pending}),
                    )
                    pending = []
                    for row in (answer.data or {}).get("results", []):
                        from_id = str((row.get("from") or {}).get("id"))
                        linked = found.setdefault(from_id, {}).setdefault(to_type, {})
                        linked.update(dict.fromkeys(str(t["toObjectId"]) for t in row.get("to", [])))
                        after = next_after(row)
                        if after is not None:
                            guard.check(f"{from_id}:{after}")
                            pending.append({"id": from_id, "after": after})
        return {
            from_id: {to_type: tuple(linked) for to_type, linked in by_type.items()}
            for from_id, by_type in found.items()
        }

    def _association_page(self, from_type: str, to_type: str, body: dict[str, Any]) -> Callable[[Apis], Any]:
        kwargs = self._kw()
        return lambda api: api.associations.get_page(from_type, to_type, body, **kwargs)

    def _archived(self, spec: ObjectSpec, cursor: Cursor | None) -> Iterator[Page]:
        after: str | None = None
        guard = TokenLoopGuard(f"archived {spec.name}")
        properties = [spec.watermark]
        while True:
            answer = self._call(
                f"reading archived {spec.name}", self._list(spec, properties, after, archived=True)
            )
            data = answer.data or {}
            records = [Record(id=str(raw["id"]), fields={}, deleted=True) for raw in data.get("results", [])]
            after = next_after(data)
            yield Page(records, cursor, complete=after is None)
            if after is None:
                return
            guard.check(after)


def _edge_body(*, descending: bool) -> dict[str, Any]:
    """A search for the lowest (or highest) id, whose answer also holds the object's total."""
    return {
        "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "GTE", "value": "0"}]}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "DESCENDING" if descending else "ASCENDING"}],
        "properties": ["hs_object_id"],
        "limit": 1,
    }
