"""Associations between records. Seeded ones are kept per directed pair of object types in
compressed rows (``offsets``/``targets`` arrays indexed by the source record's position, about 8
bytes per association); a changed row moves into an overlay dict that ``reset`` drops. Every
association is stored in both directions; each carries its set of association type ids."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sponsorsync.sandbox.hubspot.objects import DEFAULT_TYPE, PRIMARY_TYPE, reverse_type

Row = dict[int, frozenset[int]]  # target id -> association type ids


@dataclass
class SeededLinks:
    """Seeded associations from one object type to another."""

    source_first_id: int
    targets: array  # type: ignore[type-arg]
    offsets: array  # type: ignore[type-arg]
    types: frozenset[int]  # the type ids seeded associations of this pair carry...
    special: Mapping[tuple[int, int], frozenset[int]]  # ...except these (source, target) pairs

    def row(self, source_id: int) -> Row:
        pos = source_id - self.source_first_id
        if not 0 <= pos < len(self.offsets) - 1:
            return {}
        start, end = self.offsets[pos], self.offsets[pos + 1]
        if not self.special:
            return dict.fromkeys(self.targets[start:end], self.types)
        special = self.special
        return {t: special.get((source_id, t), self.types) for t in self.targets[start:end]}


class LinkBuilder:
    """Collects seeded (source id, target id) pairs for one directed pair of object types."""

    def __init__(self, source_first_id: int) -> None:
        self.source_first_id = source_first_id
        self.sources: array = array("q")  # type: ignore[type-arg]
        self.targets: array = array("q")  # type: ignore[type-arg]

    def add(self, source_id: int, target_id: int) -> None:
        self.sources.append(source_id)
        self.targets.append(target_id)

    def build(
        self, source_count: int, types: frozenset[int], special: Mapping[tuple[int, int], frozenset[int]]
    ) -> SeededLinks:
        first = self.source_first_id
        offsets = array("q", bytes(8 * (source_count + 1)))
        for source in self.sources:
            offsets[source - first + 1] += 1
        for i in range(1, len(offsets)):
            offsets[i] += offsets[i - 1]
        cursor = array("q", offsets)
        targets = array("q", bytes(8 * len(self.targets)))
        for source, target in zip(self.sources, self.targets, strict=True):
            pos = source - first
            targets[cursor[pos]] = target
            cursor[pos] += 1
        return SeededLinks(first, targets, offsets, types, dict(special))


class Links:
    def __init__(self, seeded: Mapping[tuple[str, str], SeededLinks]) -> None:
        self._seeded = dict(seeded)
        self._overlay: dict[tuple[str, str, int], Row] = {}

    def reset(self) -> None:
        self._overlay.clear()

    def row(self, source: str, source_id: int, target: str) -> Row:
        """Every association from one record to records of ``target`` type."""
        found = self._overlay.get((source, target, source_id))
        if found is not None:
            return found
        seeded = self._seeded.get((source, target))
        return seeded.row(source_id) if seeded else {}

    def types(self, source: str, source_id: int, target: str, target_id: int) -> frozenset[int]:
        return self.row(source, source_id, target).get(target_id, frozenset())

    def add(self, source: str, source_id: int, target: str, target_id: int, type_ids: Iterable[int]) -> bool:
        """Add association types (both directions); True if anything changed."""
        forward = frozenset(type_ids)
        if forward <= self.types(source, source_id, target, target_id):
            return False
        self._merge(source, source_id, target, target_id, forward)
        self._merge(target, target_id, source, source_id, frozenset(reverse_type(t) for t in forward))
        return True

    def remove(
        self, source: str, source_id: int, target: str, target_id: int, type_ids: Iterable[int] | None = None
    ) -> bool:
        """Remove some (or, by default, all) association types between two records."""
        current = self.types(source, source_id, target, target_id)
        drop = current if type_ids is None else current & frozenset(type_ids)
        if not drop:
            return False
        if DEFAULT_TYPE.get((source, target)) in drop:
            drop = current  # removing the unlabeled association removes the labeled ones too
        self._drop(source, source_id, target, target_id, drop)
        self._drop(target, target_id, source, source_id, frozenset(reverse_type(t) for t in drop))
        return True

    def primary(self, source: str, source_id: int, target: str) -> int | None:
        """The primary associated record (contact -> company), if any."""
        primary = PRIMARY_TYPE.get((source, target))
        if primary is None:
            return None
        for target_id, types in self.row(source, source_id, target).items():
            if primary in types:
                return target_id
        return None

    def _editable(self, source: str, source_id: int, target: str) -> Row:
        """The overlay row of one record (a copy of its seeded row the first time)."""
        key = (source, target, source_id)
        row = self._overlay.get(key)
        if row is None:
            seeded = self._seeded.get((source, target))
            row = self._overlay[key] = seeded.row(source_id) if seeded else {}
        return row

    def _merge(self, source: str, source_id: int, target: str, target_id: int, types: frozenset[int]) -> None:
        row = self._editable(source, source_id, target)
        row[target_id] = row.get(target_id, frozenset()) | types

    def _drop(self, source: str, source_id: int, target: str, target_id: int, types: frozenset[int]) -> None:
        row = self._editable(source, source_id, target)
        left = row.get(target_id, frozenset()) - types
        if left:
            row[target_id] = left
        else:
            row.pop(target_id, None)
