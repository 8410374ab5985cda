"""The minimum number of API calls a sync needs, given the CRMs' page and batch limits and the
org's real counts. Pure arithmetic: the benchmark and the call-count test both use it.

Reads. A full sync reads every record of every pulled object once, in the largest pages the API
allows: ``ceil(n / page)`` calls per object, at least one. An incremental sync reads only what
changed since the last run: ``ceil(changed / page)`` per object, at least one (the CRM has to be
asked). HubSpot's owners have no change feed: every run lists them, ``ceil(owners / 500)``; a full
sync lists the deactivated (archived) owners once too, ``ceil(archived owners / 500)``, at least
one, so that a deactivated sponsor is known by name.

Bulk API 2.0 (Salesforce). An object can instead be read by one Bulk API 2.0 query job: its first
REST page (the cheapest way to learn how many records the pull reads, and it brings 2,000 of
them), the job's creation, at least one look at its state, and ``ceil(rest / set)`` result sets;
the CSV is typed by one describe call for the run (``bulk describe``), whatever the number of
objects. Per object the floor takes the cheaper of the two ways, and the run the cheaper of "all
REST" and "the cheaper way per object plus the describe".

Identity. Every run asks the CRM once which org the credentials reach (Salesforce's resource list
names the organization id, HubSpot's account details the portal id), so that one org's state is
never used for another: one call, ``org identity``.

Org time zone. Days are counted in the org's time zone. HubSpot's account details (the identity
call) tell it; Salesforce's default time zone takes one query of its Organization record, made at
most once a day (and never with ``SPONSORSYNC_SYNC__TIMEZONE`` set): ``org time zone``, 1 on a
run that asked.

Sponsor history. A run that sees alliances for the first time (the first run, new alliances) reads
when their sponsors were appointed from the CRM's field history, once: Salesforce one query (2,000
rows a page; only recent changes come back), HubSpot a batch read per 100 alliances,
``sponsor history``. Runs that know every alliance make no such call.

Writes. Each kind of write (tasks created, tasks updated or closed, accounts updated) goes in the
largest batches the API takes: ``ceil(n / batch)`` calls per kind.

HubSpot full pulls (issue 16). Before a full pull every object is counted (one search each, on
the search limit, ``plan counts``), and the plan (``connectors/hubspot_plan.py``) gives some objects
to search so that both limits work at once. A searched object costs ``ceil(n / 200)`` search pages
plus one search for its highest id, and its associations ``ceil(n / 1000)`` batch reads per
association type (``association reads (searched)``); the others ``ceil(n / 100)`` list pages as
before. The floor of a full sync counts each object the way the run took (the run reports which it
searched); splitting a searched object into ``hs_object_id`` ranges may add a partial page per
range, which the floor does not count.

Not in the floor (shown apart by the benchmark): HubSpot association reads for searched records
(search cannot return associations, so an incremental pull that finds changed activities must read
their contacts and companies separately; the floor of those is ``ceil(changed / 1000)`` per
association type) and HubSpot's deletion sweep (once a day the archived records of every object
are listed, ``ceil(archived / 100)`` per object, at least one, and the archived owners).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from sponsorsync.connectors.salesforce_bulk import SET_RECORDS


@dataclass(frozen=True)
class Limits:
    full_page: int  # records per page of a full read
    change_page: int  # records per page of an incremental read
    batch: int  # records per write call
    owners_page: int | None = None  # HubSpot owners list (read on every run)
    association_batch: int | None = None  # HubSpot v4 association batch read
    bulk_set: int | None = None  # Salesforce Bulk API 2.0 records per result set (maxRecords)


LIMITS: dict[str, Limits] = {
    # query / queryAll pages of 2,000; sObject Collections of 200; Bulk API 2.0 result sets
    "salesforce": Limits(full_page=2000, change_page=2000, batch=200, bulk_set=SET_RECORDS),
    # list pages of 100, search pages of 200, batch writes of 100, owners pages of 500,
    # association batch reads of 1,000 ids
    "hubspot": Limits(full_page=100, change_page=200, batch=100, owners_page=500, association_batch=1000),
}


IDENTITY = "org identity"  # one call a run: which org the credentials reach
BULK_DESCRIBE = "bulk describe"  # one call a run that reads an object through Bulk API 2.0


@dataclass(frozen=True)
class Writes:
    """What a run wrote: tasks created, tasks updated or closed, accounts updated."""

    created: int = 0
    updated: int = 0
    accounts: int = 0

    @property
    def records(self) -> int:
        return self.created + self.updated + self.accounts


@dataclass(frozen=True)
class Floor:
    reads: dict[str, int] = field(default_factory=dict)  # object -> calls
    writes: dict[str, int] = field(default_factory=dict)  # created | updated | accounts -> calls

    @property
    def read_calls(self) -> int:
        return sum(self.reads.values())

    @property
    def write_calls(self) -> int:
        return sum(self.writes.values())

    @property
    def total(self) -> int:
        return self.read_calls + self.write_calls


def pages(records: int, per_page: int) -> int:
    """Calls to read ``records`` records: at least one, since the CRM has to be asked."""
    return max(1, math.ceil(records / per_page))


def batches(records: int, per_batch: int) -> int:
    return math.ceil(records / per_batch)


def bulk_calls(records: int, page: int, bulk_set: int) -> int:
    """Calls to read ``records`` records through a Bulk API 2.0 job, the first REST page included."""
    if records <= page:
        return 1
    return 1 + 2 + pages(records - page, bulk_set)


def read_floor(limits: Limits, records: Mapping[str, int], page: int) -> dict[str, int]:
    """Calls per object, REST pages or Bulk API 2.0 (plus its describe) when that is cheaper."""
    rest = {name: pages(n, page) for name, n in records.items()}
    if limits.bulk_set is None:
        return rest
    bulk_set = limits.bulk_set
    best = {name: min(rest[name], bulk_calls(n, page, bulk_set)) for name, n in records.items()}
    if best == rest or sum(best.values()) + 1 >= sum(rest.values()):
        return rest
    return best | {BULK_DESCRIBE: 1}


def write_floor(crm: str, writes: Writes) -> dict[str, int]:
    size = LIMITS[crm].batch
    return {
        "created": batches(writes.created, size),
        "updated": batches(writes.updated, size),
        "accounts": batches(writes.accounts, size),
    }


HISTORY = "sponsor history"
ZONE = "org time zone"  # one call on a run that asked the CRM for it (Salesforce, once a day)


def history_calls(crm: str, asked: int) -> int:
    """Calls to read the sponsor history of ``asked`` alliances seen for the first time."""
    if not asked:
        return 0
    return 1 if crm == "salesforce" else math.ceil(asked / LIMITS[crm].batch)


PLAN_COUNTS = "plan counts"
SEARCHED_ASSOCIATIONS = "association reads (searched)"


def full_floor(
    crm: str,
    records: Mapping[str, int],
    owners: tuple[int, int],
    writes: Writes,
    history_asked: int = 0,
    *,
    zone_asked: bool = False,
    searched: frozenset[str] = frozenset(),
    associations: Mapping[str, int] | None = None,
) -> Floor:
    """``records``: live records per pulled object (HubSpot) or every record a queryAll returns
    (Salesforce, deleted and archived included); ``owners``: HubSpot's active and archived owners
    ((0, 0) on Salesforce); ``history_asked``: alliances whose sponsor history the run read;
    ``searched``: HubSpot objects the full pull searched; ``associations``: association types read
    per object."""
    limits = LIMITS[crm]
    reads = {IDENTITY: 1} | read_floor(limits, records, limits.full_page)
    if limits.association_batch is not None:  # HubSpot: counted, then listed or searched
        reads[PLAN_COUNTS] = len(records)
        linked = associations or {}
        for name in searched & set(records):
            reads[name] = pages(records[name], limits.change_page) + 1
        reads[SEARCHED_ASSOCIATIONS] = sum(
            batches(records[name], limits.association_batch) * linked.get(name, 0)
            for name in searched & set(records)
        )
    if history_asked:
        reads[HISTORY] = history_calls(crm, history_asked)
    if zone_asked:
        reads[ZONE] = 1
    if limits.owners_page is not None:
        reads["owners"] = pages(owners[0], limits.owners_page)
        reads["owners (archived)"] = pages(owners[1], limits.owners_page)
    return Floor(reads, write_floor(crm, writes))


def incremental_floor(
    crm: str, changed: Mapping[str, int], owners: int, writes: Writes, *, zone_asked: bool = False
) -> Floor:
    """``changed``: records changed since the last run, per pulled object (every pulled object must
    appear, with 0 when nothing changed); ``zone_asked``: the run read the org's time zone."""
    limits = LIMITS[crm]
    reads = {IDENTITY: 1} | read_floor(limits, changed, limits.change_page)
    if zone_asked:
        reads[ZONE] = 1
    if limits.owners_page is not None:
        reads["owners"] = pages(owners, limits.owners_page)
    return Floor(reads, write_floor(crm, writes))


def association_floor(crm: str, changed: Mapping[str, int], associations: Mapping[str, int]) -> int:
    """HubSpot: batch reads of the associations of searched records, outside the floor above.
    ``associations``: association types read per object."""
    size = LIMITS[crm].association_batch
    if size is None:
        return 0
    return sum(batches(n, size) * associations.get(name, 0) for name, n in changed.items())


def sweep_floor(crm: str, archived: Mapping[str, int], archived_owners: int) -> int:
    """HubSpot's deletion sweep: every object's archived records and the archived owners listed."""
    limits = LIMITS[crm]
    if limits.owners_page is None:
        return 0
    listed = sum(pages(n, limits.full_page) for n in archived.values())
    return listed + pages(archived_owners, limits.owners_page)


def ratio(actual: int, floor: int) -> float:
    return actual / floor if floor else float("inf") if actual else 1.0
