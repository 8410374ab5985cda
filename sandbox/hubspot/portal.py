"""The sandbox portal: the seeded org (:class:`Seed`, immutable, shared by every reset) and the
mutable state over it (stores, associations, custom properties), plus HubSpot's object JSON."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sponsorsync.sandbox.hubspot.catalog import CATALOG
from sponsorsync.sandbox.hubspot.errors import HubSpotError
from sponsorsync.sandbox.hubspot.links import LinkBuilder, Links, SeededLinks
from sponsorsync.sandbox.hubspot.objects import (
    ASSOCIATION_TYPES,
    BY_NAME,
    DEFAULT_TYPE,
    OBJECT_TYPES,
    PRIMARY_TYPE,
    ObjectType,
)
from sponsorsync.sandbox.hubspot.owners import Owner, Owners
from sponsorsync.sandbox.hubspot.schema import Schema
from sponsorsync.sandbox.hubspot.store import ObjectStore
from sponsorsync.sandbox.hubspot.table import BaseTable, PropVersion, TableBuilder, Version
from sponsorsync.sandbox.hubspot.values import Validator, iso

DEFAULT_PORTAL_ID = 24_681_357


def datetime_props(otype: ObjectType) -> set[str]:
    """The datetime properties a seeded table keeps as epoch-ms columns."""
    fixed = {otype.created_prop, *otype.modified_props, "hs_createdate"}
    return {p.name for p in CATALOG[otype.name] if p.type == "datetime"} - fixed


@dataclass
class Seed:
    portal_id: int
    now: datetime
    owners: list[Owner]
    tables: dict[str, BaseTable]
    links: dict[tuple[str, str], SeededLinks]
    options: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # extra enumeration options
    labels: dict[str, str] = field(default_factory=dict)  # a data file's "@id" labels -> ids
    # object type -> id -> property -> its seeded versions, newest first, for the few records whose
    # history is more than one version at creation time (that one is computed on demand)
    history: dict[str, dict[int, dict[str, tuple[PropVersion, ...]]]] = field(default_factory=dict)


class SeedBuilder:
    """Collects a seeded org (from orggen or a data file) and builds the immutable :class:`Seed`."""

    def __init__(self, now: datetime, portal_id: int = DEFAULT_PORTAL_ID) -> None:
        self.now = now
        self.portal_id = portal_id
        self.owners: list[Owner] = []
        self.tables = {t.name: TableBuilder(t, datetime_props(t)) for t in OBJECT_TYPES}
        self._links: dict[tuple[str, str], LinkBuilder] = {}
        self._special: dict[tuple[str, str], dict[tuple[int, int], frozenset[int]]] = {}
        self.options: dict[tuple[str, str], set[str]] = {}
        self.labels: dict[str, str] = {}
        self.history: dict[str, dict[int, dict[str, tuple[PropVersion, ...]]]] = {}

    def record(
        self,
        otype: ObjectType,
        props: Mapping[str, str | int | None],
        created_ms: int,
        modified_ms: int,
        archived_ms: int | None = None,
    ) -> int:
        return self.tables[otype.name].add(props, created_ms, modified_ms, archived_ms)

    def record_history(
        self, otype: ObjectType, object_id: int, prop: str, versions: tuple[PropVersion, ...]
    ) -> None:
        """A seeded record's history of ``prop``, newest first (the newest holds its value)."""
        self.history.setdefault(otype.name, {}).setdefault(object_id, {})[prop] = versions

    def link(
        self, source: ObjectType, source_id: int, target: ObjectType, target_id: int, primary: bool
    ) -> None:
        """Associate two seeded records (both directions) with the pair's default type (+ primary)."""
        for a, a_id, b, b_id in (
            (source, source_id, target, target_id),
            (target, target_id, source, source_id),
        ):
            builder = self._links.get((a.name, b.name))
            if builder is None:
                builder = self._links[(a.name, b.name)] = LinkBuilder(a.id_base + 1)
            builder.add(a_id, b_id)
            if (a.name, b.name) in PRIMARY_TYPE and not primary:
                self._special.setdefault((a.name, b.name), {})[(a_id, b_id)] = frozenset(
                    {DEFAULT_TYPE[(a.name, b.name)]}
                )

    def build(self) -> Seed:
        tables = {name: builder.build() for name, builder in self.tables.items()}
        links: dict[tuple[str, str], SeededLinks] = {}
        for (source, target), builder in self._links.items():
            types = {DEFAULT_TYPE[(source, target)]}
            if (source, target) in PRIMARY_TYPE:
                types.add(PRIMARY_TYPE[(source, target)])
            links[(source, target)] = builder.build(
                tables[source].n, frozenset(types), self._special.get((source, target), {})
            )
        return Seed(
            self.portal_id, self.now, self.owners, tables, links, self.options, self.labels, self.history
        )


DEFAULT_INDEX_LAG_MS = 2_000  # a write reaches search a moment later, as in HubSpot


DEFAULT_TIME_ZONE = "US/Eastern"  # what the account information API answers unless configured


class Portal:
    """Everything a request can read or change."""

    def __init__(self, seed: Seed, *, bare: bool = False) -> None:
        self.seed = seed
        self.portal_id = seed.portal_id
        self.schema = Schema(CATALOG, bare=bare)
        for (otype, prop), values in seed.options.items():
            self.schema.with_options(BY_NAME[otype], prop, values)
        self.owners = Owners(seed.owners)
        self.stores = {
            name: ObjectStore(table, seed.history.get(name, {})) for name, table in seed.tables.items()
        }
        self.links = Links(seed.links)
        self.validator = Validator(seed.portal_id, self.owners.active)
        self.index_lag_ms = DEFAULT_INDEX_LAG_MS
        self.time_zone = DEFAULT_TIME_ZONE  # the account's (Settings > Account Defaults > Time Zone)
        # The person (HubSpot user id) behind the current request, when it acts as one: see Gate.person.
        self.acting = threading.local()

    def reset(self) -> None:
        self.schema.reset()
        for store in self.stores.values():
            store.reset()
        self.links.reset()
        self.index_lag_ms = DEFAULT_INDEX_LAG_MS
        self.time_zone = DEFAULT_TIME_ZONE

    def store(self, otype: ObjectType) -> ObjectStore:
        return self.stores[otype.name]

    def find(self, otype: ObjectType, key: str, id_property: str | None = None) -> Version | None:
        """The live record with this id (or this value of the unique ``id_property``)."""
        store = self.store(otype)
        if id_property and id_property != "hs_object_id":
            if id_property not in self.schema.unique_props(otype):
                raise HubSpotError(
                    400, "VALIDATION_ERROR", f"{id_property} is not a unique property of {otype.name}"
                )
            object_id = store.find_unique(id_property, key)
            return None if object_id is None else store.live(object_id)
        object_id = parse_id(key)
        return None if object_id is None else store.live(object_id)

    # -- JSON ----------------------------------------------------------------------------------
    def object_json(
        self,
        otype: ObjectType,
        version: Version,
        props: Sequence[str] | None,
        associations: Iterable[ObjectType] = (),
        everything: bool = False,
        history: Sequence[str] = (),
    ) -> dict[str, Any]:
        """HubSpot's SimplePublicObject: the named properties (default ones if none), all string or
        null; ``everything`` shows every property with a value (what create and update return);
        ``history``: properties whose versions to add as ``propertiesWithHistory`` (newest first;
        names the portal does not know are ignored, as HubSpot ignores them)."""
        values = version.props
        withheld = self.schema.withheld(otype)
        shown: dict[str, str | None]
        if everything:
            shown = {k: v for k, v in values.items() if v is not None and k not in withheld}
        else:
            # HubSpot always adds the id, create and last-modified properties to the ones named
            names = (
                [*props, "hs_object_id", otype.created_prop, otype.modified_prop]
                if props
                else otype.default_props
            )
            shown = {
                n: values.get(n)
                for n in names
                if (n in values and n not in withheld) or self.schema.get(otype, n)
            }
        data: dict[str, Any] = {
            "id": str(version.id),
            "properties": dict(sorted(shown.items())),
            "createdAt": iso(version.created_ms),
            "updatedAt": iso(version.updated_ms),
            "archived": version.archived,
        }
        if history:
            store = self.store(otype)
            data["propertiesWithHistory"] = {
                name: [v.json() for v in store.history(version.id, name)]
                for name in dict.fromkeys(history)
                if self.schema.get(otype, name) is not None
            }
        if version.archived_ms is not None:
            data["archivedAt"] = iso(version.archived_ms)
        data["url"] = otype.url(self.portal_id, str(version.id))
        linked: dict[str, Any] = {}
        for target in associations:
            results = [
                {"id": str(target_id), "type": ASSOCIATION_TYPES[type_id].v3_name}
                for target_id, types in sorted(self.links.row(otype.name, version.id, target.name).items())
                if self.store(target).is_live(target_id)
                for type_id in sorted(types)
            ]
            if results:
                linked[target.name] = {"results": results}
        if linked:
            data["associations"] = linked
        return data


def parse_id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 19 else None
