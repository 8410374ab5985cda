"""The seeded records of one object type, stored by column: ids are contiguous
(``first_id + position``), datetime properties are epoch-millisecond arrays, other values are
(shared) strings. Immutable once built; :class:`Version` dicts are materialised only on demand,
so a 1,000,000-activity org costs a few hundred bytes per record."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sponsorsync.sandbox.hubspot.objects import ObjectType
from sponsorsync.sandbox.hubspot.values import NULL_MS, iso

Column = list[str | None] | array  # type: ignore[type-arg]


@dataclass(frozen=True, slots=True)
class Version:
    """One state of one record. Immutable: a write makes a new Version, never edits one."""

    id: int
    props: Mapping[str, str | None]
    created_ms: int
    updated_ms: int
    archived_ms: int | None = None

    @property
    def archived(self) -> bool:
        return self.archived_ms is not None


@dataclass(frozen=True, slots=True)
class PropVersion:
    """One entry of a property's history (``propertiesWithHistory``): the value set, when, and by
    what: ``INTEGRATION`` (an app; ``source_id`` is its id), ``CRM_UI`` (a person; ``user_id``)
    or ``IMPORT`` (the seeded org)."""

    value: str
    timestamp_ms: int
    source_type: str
    source_id: str | None = None
    user_id: int | None = None

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.source_id is not None:
            data["sourceId"] = self.source_id
        data["sourceType"] = self.source_type
        if self.user_id is not None:
            data["updatedByUserId"] = self.user_id
        data["value"] = self.value
        data["timestamp"] = iso(self.timestamp_ms)
        return data


class _IdColumn:
    """hs_object_id of a seeded record, as a number (search compares it numerically)."""

    def __init__(self, first_id: int) -> None:
        self.first_id = first_id

    def __getitem__(self, pos: int) -> int:
        return self.first_id + pos


class _NoColumn:
    def __getitem__(self, pos: int) -> None:
        return None


NO_COLUMN = _NoColumn()


class BaseTable:
    def __init__(
        self,
        otype: ObjectType,
        first_id: int,
        columns: dict[str, Column],
        ms_columns: frozenset[str],
        created: array,  # type: ignore[type-arg]
        modified: array,  # type: ignore[type-arg]
        archived: Mapping[int, int],
    ) -> None:
        self.otype = otype
        self.first_id = first_id
        self.n = len(created)
        self.columns = columns
        self.ms_columns = ms_columns
        self.created = created
        self.modified = modified
        self.archived = dict(archived)  # position -> archived at (ms); seeded archives are rare
        self._by_name: dict[str, Any] = {**columns, "hs_object_id": _IdColumn(first_id)}
        self._by_name[otype.created_prop] = created
        for prop in otype.modified_props:
            self._by_name[prop] = modified
        if otype.name == "companies":
            self._by_name["hs_createdate"] = created
        # positions ordered by (last modified, id), and the sorted modstamps, for range searches
        order = sorted(range(self.n), key=modified.__getitem__)
        self.mod_order = array("q", order)
        self.mod_keys = array("q", (modified[p] for p in order))

    @property
    def last_id(self) -> int:
        return self.first_id + self.n - 1

    def pos(self, object_id: int) -> int | None:
        pos = object_id - self.first_id
        return pos if 0 <= pos < self.n else None

    def column(self, prop: str) -> Any:
        """Something indexable by position giving the stored value (str, epoch ms or None)."""
        return self._by_name.get(prop, NO_COLUMN)

    def version(self, pos: int) -> Version:
        props: dict[str, str | None] = {}
        for name, col in self.columns.items():
            value = col[pos]
            if name in self.ms_columns:
                if value != NULL_MS:
                    props[name] = iso(value)  # type: ignore[arg-type]
            elif value is not None:
                props[name] = value
        created, modified = self.created[pos], self.modified[pos]
        props["hs_object_id"] = str(self.first_id + pos)
        props[self.otype.created_prop] = iso(created)
        if self.otype.name == "companies":
            props["hs_createdate"] = props["createdate"]
        for prop in self.otype.modified_props:
            props[prop] = iso(modified)
        return Version(self.first_id + pos, props, created, modified, self.archived.get(pos))


class TableBuilder:
    """Collects seeded records row by row; ``ms_props`` are the datetime properties."""

    def __init__(self, otype: ObjectType, ms_props: Iterable[str]) -> None:
        self.otype = otype
        self.first_id = otype.id_base + 1
        self.ms_props = frozenset(ms_props)
        self.columns: dict[str, Column] = {}
        self.created: array = array("q")  # type: ignore[type-arg]
        self.modified: array = array("q")  # type: ignore[type-arg]
        self.archived: dict[int, int] = {}

    @property
    def next_id(self) -> int:
        return self.first_id + len(self.created)

    def add(
        self,
        props: Mapping[str, str | int | None],
        created_ms: int,
        modified_ms: int,
        archived_ms: int | None = None,
    ) -> int:
        """Append a record; datetime properties as epoch ms (int), others as str. Returns its id."""
        row = len(self.created)
        for name in props.keys() - self.columns.keys():
            self.columns[name] = self._new_column(name, row)
        for name, col in self.columns.items():
            value = props.get(name)
            if name in self.ms_props:
                col.append(NULL_MS if value is None else value)  # type: ignore[arg-type]
            else:
                col.append(value)  # type: ignore[arg-type]
        self.created.append(created_ms)
        self.modified.append(modified_ms)
        if archived_ms is not None:
            self.archived[row] = archived_ms
        return self.first_id + row

    def _new_column(self, name: str, rows: int) -> Column:
        if name in self.ms_props:
            return array("q", [NULL_MS]) * rows
        filler: list[str | None] = [None] * rows
        return filler

    def build(self) -> BaseTable:
        return BaseTable(
            self.otype,
            self.first_id,
            self.columns,
            self.ms_props,
            self.created,
            self.modified,
            self.archived,
        )
