"""The org's records: per object an immutable base (the seeded org) plus an overlay of the rows
written since the last reset, so ``reset()`` costs O(changes).

A row is a tuple in the object's field order and is never mutated: a write replaces it. Query
snapshots therefore keep plain references. Rows are kept ordered by (SystemModstamp, Id) for the
incremental queries sync engines send, and unique external ids are indexed.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sponsorsync.sandbox.salesforce.ids import make_id
from sponsorsync.sandbox.salesforce.schema import OBJECTS, Field, SObject

Row = tuple[Any, ...]
_MISSING: Any = object()
FIRST_NUMBER = 4_000_000  # ids start here so they look like an org's, not like 0000000001


def ext_key(field: Field, value: Any) -> Any:
    return value if field.case_sensitive or not isinstance(value, str) else value.lower()


class Table:
    def __init__(self, obj: SObject, rows: Iterable[Row], next_number: int) -> None:
        self.obj = obj
        self.ms_slot = obj.slot(obj.order_field)  # SystemModstamp (CreatedDate on history objects)
        ms = self.ms_slot
        self.order_key: Callable[[Row], tuple[int, str]] = lambda row: (row[ms], row[0])
        self.base: dict[str, Row] = {row[0]: row for row in rows}
        self.base_sorted: list[Row] = sorted(self.base.values(), key=self.order_key)
        self.base_next = next_number
        self.unique_fields = [f for f in obj.fields if f.unique and f.name != "Id"]
        # External ids without Unique (an activity's) may repeat: indexed value -> the live ids holding it.
        self.shared_fields = [f for f in obj.fields if f.external_id and not f.unique]
        self._deleted = obj.slot("IsDeleted") if obj.has_is_deleted else None
        self._base_index: dict[int, dict[Any, str]] = {f.slot: {} for f in self.unique_fields}
        self._base_shared: dict[int, dict[Any, frozenset[str]]] = {f.slot: {} for f in self.shared_fields}
        for row in self.base_sorted:
            self._reindex_into(self._base_index, None, row)
            self._reshare_into(self._base_shared, None, row)
        self.overlay: dict[str, Row] = {}
        self.index: dict[int, dict[Any, str]] = {}
        self.shared: dict[int, dict[Any, frozenset[str]]] = {}
        self.next_number = next_number
        self._overlay_sorted: list[Row] | None = None
        self.reset()

    def reset(self) -> None:
        self.overlay = {}
        self._overlay_sorted = None
        self.index = {slot: dict(values) for slot, values in self._base_index.items()}
        self.shared = {slot: dict(values) for slot, values in self._base_shared.items()}
        self.next_number = self.base_next

    def __len__(self) -> int:
        return len(self.base) + sum(1 for key in self.overlay if key not in self.base)

    def get(self, record_id: str) -> Row | None:
        row = self.overlay.get(record_id)
        return row if row is not None else self.base.get(record_id)

    def lookup_unique(self, field: Field, value: Any) -> str | None:
        return self.index[field.slot].get(ext_key(field, value))

    def lookup_external(self, field: Field, value: Any) -> list[str]:
        """The live records holding ``value`` in an external id field (unique or not), sorted."""
        if field.unique:
            found = self.lookup_unique(field, value)
            return [found] if found else []
        return sorted(self.shared[field.slot].get(ext_key(field, value), ()))

    def put(self, row: Row) -> Row | None:
        """Store ``row`` (new or replacing the row with its id); returns the previous row."""
        previous = self.get(row[0])
        self._reindex(previous, row)
        self.overlay[row[0]] = row
        self._overlay_sorted = None
        return previous

    def restore(self, record_id: str, overlay_row: Row | None) -> None:
        """Undo a put: put back the overlay entry (None: no overlay entry) that was there before."""
        current = self.get(record_id)
        if overlay_row is None:
            self.overlay.pop(record_id, None)
        else:
            self.overlay[record_id] = overlay_row
        self._overlay_sorted = None
        self._reindex(current, self.get(record_id))

    def _reindex(self, old: Row | None, new: Row | None) -> None:
        self._reindex_into(self.index, old, new)
        self._reshare_into(self.shared, old, new)

    def _reshare_into(
        self, index: dict[int, dict[Any, frozenset[str]]], old: Row | None, new: Row | None
    ) -> None:
        deleted = self._deleted
        for f in self.shared_fields:
            values = index[f.slot]
            if old is not None and old[f.slot] is not None:
                key = ext_key(f, old[f.slot])
                rest = values.get(key, frozenset()) - {old[0]}
                if rest:
                    values[key] = rest
                else:
                    values.pop(key, None)
            if new is not None and new[f.slot] is not None and (deleted is None or not new[deleted]):
                key = ext_key(f, new[f.slot])
                values[key] = values.get(key, frozenset()) | {new[0]}

    def _reindex_into(self, index: dict[int, dict[Any, str]], old: Row | None, new: Row | None) -> None:
        """Unique values of live rows (a deleted record frees its value, as in the recycle bin)."""
        deleted = self._deleted
        for f in self.unique_fields:
            values = index[f.slot]
            if old is not None and old[f.slot] is not None:
                key = ext_key(f, old[f.slot])
                if values.get(key) == old[0]:
                    del values[key]
            if new is not None and new[f.slot] is not None and (deleted is None or not new[deleted]):
                values[ext_key(f, new[f.slot])] = new[0]

    def new_id(self) -> str:
        record_id = make_id(self.obj.key_prefix, self.next_number)
        self.next_number += 1
        return record_id

    def rows(self) -> Iterator[Row]:
        """Every row, in no particular order."""
        overlay = self.overlay
        if not overlay:
            yield from self.base.values()
            return
        for key, row in self.base.items():
            if key not in overlay:
                yield row
        yield from overlay.values()

    def ordered(self, low: int | None = None, *, strict: bool = False) -> Iterable[Row]:
        """Rows ordered by (SystemModstamp, Id), from the first with SystemModstamp >= low (> if strict)."""
        ms = self.ms_slot
        base = self.base_sorted
        start = 0
        if low is not None:
            finder = bisect_right if strict else bisect_left
            start = finder(base, low, key=lambda row: row[ms])
        base_part = base[start:] if start else base
        if not self.overlay:
            return base_part
        if self._overlay_sorted is None:
            self._overlay_sorted = sorted(self.overlay.values(), key=self.order_key)
        extra = self._overlay_sorted
        if low is not None:
            extra = [row for row in extra if row[ms] > low or (row[ms] == low and not strict)]
        overlay = self.overlay
        return heapq.merge((row for row in base_part if row[0] not in overlay), extra, key=self.order_key)


@dataclass
class _Undo:
    table: Table
    record_id: str
    overlay_row: Row | None


class Store:
    """All tables, plus an undo journal so a request can roll back (allOrNone, composite)."""

    def __init__(self, rows: dict[str, list[Row]], next_numbers: dict[str, int] | None = None) -> None:
        numbers = next_numbers or {}
        self.tables: dict[str, Table] = {
            key: Table(obj, rows.get(obj.name, []), numbers.get(obj.name, FIRST_NUMBER))
            for key, obj in OBJECTS.items()
        }
        self._by_prefix = {table.obj.key_prefix: table for table in self.tables.values()}
        self._journal: list[_Undo] = []
        self._counters: dict[str, int] = {}
        self._depth = 0

    def reset(self) -> None:
        for table in self.tables.values():
            table.reset()
        self._journal.clear()
        self._depth = 0

    def table(self, name: str) -> Table | None:
        return self.tables.get(name.lower())

    def table_of(self, record_id: str) -> Table | None:
        return self._by_prefix.get(record_id[:3])

    def find(self, record_id: str) -> tuple[Table, Row] | None:
        table = self._by_prefix.get(record_id[:3])
        if table is None:
            return None
        row = table.get(record_id)
        return (table, row) if row is not None else None

    def get(self, record_id: str | None) -> Row | None:
        if record_id is None:
            return None
        table = self._by_prefix.get(record_id[:3])
        return table.get(record_id) if table is not None else None

    # -- transactions ------------------------------------------------------------------------------
    def begin(self) -> int:
        """Start a (possibly nested) transaction; returns the token ``rollback`` takes."""
        if self._depth == 0:
            self._journal.clear()
            self._counters = {key: table.next_number for key, table in self.tables.items()}
        self._depth += 1
        return len(self._journal)

    def put(self, table: Table, row: Row) -> None:
        self._journal.append(_Undo(table, row[0], table.overlay.get(row[0])))
        table.put(row)

    def savepoint(self) -> int:
        return len(self._journal)

    def undo(self, savepoint: int) -> None:
        """Take back the writes made since ``savepoint``, staying in the transaction."""
        while len(self._journal) > savepoint:
            entry = self._journal.pop()
            entry.table.restore(entry.record_id, entry.overlay_row)

    def rollback(self, token: int) -> None:
        """End the transaction begun with ``token``, taking back everything it wrote."""
        self.undo(token)
        self._end()
        if self._depth == 0:
            for key, number in self._counters.items():
                self.tables[key].next_number = number

    def commit(self) -> None:
        self._end()

    def _end(self) -> None:
        self._depth = max(0, self._depth - 1)
        if self._depth == 0:
            self._journal.clear()
