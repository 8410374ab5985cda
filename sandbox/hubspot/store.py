"""One object type's records: the immutable seeded table plus an overlay of written versions.

Reads (list, get, batch read) see each record's latest version. Search sees, for each record, the
latest version that has become visible to the search index (``index_lag_ms`` after the write),
so with a lag a new record is missing and an updated one shows its previous version. ``reset``
drops the overlay: O(changes).

Property history (``propertiesWithHistory``): every write appends a :class:`PropVersion` for each
property it changes; a seeded record's history before that is one version per property at its
creation time, computed on demand, unless the seed gives that property's versions explicitly."""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sponsorsync.sandbox.hubspot.objects import ObjectType
from sponsorsync.sandbox.hubspot.table import BaseTable, PropVersion, Version

# Who made a write: (sourceType, sourceId, updatedByUserId)
Source = tuple[str, str | None, int | None]
SEEDED: Source = ("IMPORT", None, None)


@dataclass(frozen=True)
class SearchView:
    """What the search index holds at one moment."""

    hidden: frozenset[int]  # seeded ids whose seeded version the index no longer shows
    overlay: tuple[Version, ...]  # visible, unarchived overlay versions


class UniqueIndex:
    """value -> record id for one unique property, seeded part plus an overlay."""

    def __init__(self, table: BaseTable, prop: str, fold: bool) -> None:
        self.fold = fold
        self._base: dict[str, int] = {}
        col = table.column(prop)
        for pos in range(table.n):
            value = col[pos]
            if isinstance(value, str) and value:
                self._base[self.key(value)] = table.first_id + pos
        self._overlay: dict[str, int] = {}

    def key(self, value: str) -> str:
        return value.lower() if self.fold else value

    def candidates(self, value: str) -> Iterator[int]:
        key = self.key(value)
        if key in self._overlay:
            yield self._overlay[key]
        if key in self._base:
            yield self._base[key]

    def note(self, value: str, object_id: int) -> None:
        self._overlay[self.key(value)] = object_id

    def reset(self) -> None:
        self._overlay.clear()


class ObjectStore:
    def __init__(
        self,
        table: BaseTable,
        seeded_history: Mapping[int, Mapping[str, tuple[PropVersion, ...]]] | None = None,
    ) -> None:
        self.otype: ObjectType = table.otype
        self.table = table
        self._seeded_history = seeded_history or {}
        self._changes: dict[int, dict[str, list[PropVersion]]] = {}  # id -> prop -> versions, oldest first
        self._history: dict[int, list[tuple[int, Version]]] = {}  # id -> [(visible from ms, version)]
        self._created: list[int] = []  # ids created through the API, ascending
        self._pending: list[int] = []  # visible-from times of overlay versions, sorted
        self._unique: dict[str, UniqueIndex] = {}
        self._views: dict[tuple[int, int], SearchView] = {}
        self.generation = 0
        self.next_id = table.first_id + table.n

    def reset(self) -> None:
        self._history.clear()
        self._changes.clear()
        self._created.clear()
        self._pending.clear()
        self._views.clear()
        for index in self._unique.values():
            index.reset()
        self.generation = 0
        self.next_id = self.table.first_id + self.table.n

    # -- reads (latest versions) ------------------------------------------------------------
    def get(self, object_id: int) -> Version | None:
        """The latest version, archived or not; None if the id never existed."""
        history = self._history.get(object_id)
        if history:
            return history[-1][1]
        pos = self.table.pos(object_id)
        return None if pos is None else self.table.version(pos)

    def live(self, object_id: int) -> Version | None:
        found = self.get(object_id)
        return None if found is None or found.archived else found

    def is_live(self, object_id: int) -> bool:
        history = self._history.get(object_id)
        if history:
            return not history[-1][1].archived
        pos = self.table.pos(object_id)
        return pos is not None and pos not in self.table.archived

    def ids_from(self, start: int) -> Iterator[int]:
        """Every id (archived ones too) from ``start`` upwards, in id order."""
        table = self.table
        for object_id in range(max(start, table.first_id), table.first_id + table.n):
            yield object_id
        for object_id in self._created[bisect_right(self._created, start - 1) :]:
            yield object_id

    def archived_ids(self) -> list[int]:
        ids = {self.table.first_id + pos for pos in self.table.archived}
        for object_id, history in self._history.items():
            if history[-1][1].archived:
                ids.add(object_id)
            else:
                ids.discard(object_id)
        return sorted(ids)

    # -- writes --------------------------------------------------------------------------------
    def allocate(self) -> int:
        object_id = self.next_id
        self.next_id += 1
        return object_id

    def put(self, version: Version, now_ms: int, lag_ms: int, source: Source) -> None:
        """Record a new version, written by ``source``; search sees it from ``now_ms + lag_ms`` on."""
        self._note_changes(version, now_ms, source)
        visible = now_ms + lag_ms
        history = self._history.setdefault(version.id, [])
        if not history and self.table.pos(version.id) is None:
            self._created.append(version.id)
        # keep only what search can still see: the newest visible entry and the pending ones
        keep = [entry for entry in history if entry[0] > now_ms]
        older = [entry for entry in history if entry[0] <= now_ms]
        history[:] = [*older[-1:], *keep, (visible, version)]
        insort(self._pending, visible)
        self.generation += 1
        for prop, index in self._unique.items():
            value = version.props.get(prop)
            if value:
                index.note(value, version.id)

    def _note_changes(self, version: Version, now_ms: int, source: Source) -> None:
        previous = self.get(version.id)
        before: Mapping[str, str | None] = previous.props if previous is not None else {}
        changed = [
            name for name in (*version.props, *(n for n in before if n not in version.props))
            if version.props.get(name) != before.get(name)
        ]  # fmt: skip
        if not changed:
            return
        by_prop = self._changes.setdefault(version.id, {})
        for name in changed:
            value = version.props.get(name)
            by_prop.setdefault(name, []).append(PropVersion("" if value is None else value, now_ms, *source))

    # -- property history ----------------------------------------------------------------------
    def history(self, object_id: int, prop: str) -> list[PropVersion]:
        """The versions of ``prop`` of this record, newest first (empty if it never had a value)."""
        versions = list(reversed(self._changes.get(object_id, {}).get(prop, ())))
        pos = self.table.pos(object_id)
        if pos is None:
            return versions
        explicit = self._seeded_history.get(object_id, {}).get(prop)
        if explicit is not None:
            return versions + list(explicit)
        seeded = self.table.version(pos)
        value = seeded.props.get(prop)
        if value is not None:  # last-modified stamps were last set when the record was
            at = seeded.updated_ms if prop in self.otype.modified_props else seeded.created_ms
            versions.append(PropVersion(value, at, *SEEDED))
        return versions

    # -- unique values -------------------------------------------------------------------------
    def find_unique(self, prop: str, value: str, *, archived_too: bool = False) -> int | None:
        """The live record holding ``value`` in unique property ``prop`` (or an archived one too:
        HubSpot keeps an archived record's unique values, so a create with one answers 409 while a
        read by that property finds nothing)."""
        index = self._unique.get(prop)
        if index is None:
            index = self._unique[prop] = UniqueIndex(self.table, prop, fold=prop == "email")
        want = index.key(value)
        for object_id in index.candidates(value):
            found = self.get(object_id) if archived_too else self.live(object_id)
            held = found.props.get(prop) if found else None
            if held and index.key(held) == want:
                return object_id
        return None

    # -- search --------------------------------------------------------------------------------
    def search_view(self, now_ms: int) -> tuple[SearchView, tuple[int, int]]:
        """The index's view at ``now_ms`` and a key that changes whenever the view does."""
        key = (self.generation, bisect_right(self._pending, now_ms))
        view = self._views.get(key)
        if view is None:
            hidden: set[int] = set()
            overlay: list[Version] = []
            for object_id, history in self._history.items():
                visible = [v for at, v in history if at <= now_ms]
                seeded = self.table.pos(object_id) is not None
                if visible:
                    if seeded:
                        hidden.add(object_id)
                    if not visible[-1].archived:
                        overlay.append(visible[-1])
            view = SearchView(frozenset(hidden), tuple(overlay))
            if len(self._views) > 16:
                self._views.clear()
            self._views[key] = view
        return view, key
