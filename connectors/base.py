"""The one narrow interface between the sync engine and a CRM.

``sync/`` depends only on what is defined here. Each CRM module (``connectors/salesforce.py``,
``connectors/hubspot.py``) implements :class:`Connector` on its SDK and translates every SDK type
and exception at the boundary. Values in records are JSON-compatible (str, int, float, bool,
None); dates and datetimes stay the ISO strings the CRM sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, overload

CrmName = Literal["salesforce", "hubspot"]
JsonValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """One CRM object to pull: its name, the fields to read and the field that orders changes."""

    name: str
    fields: tuple[str, ...]
    watermark: str
    associations: tuple[str, ...] = ()
    # Fields of ``fields`` needed only on the records whose ``key_field`` is set (sponsorsync's own
    # tasks: what the CRM holds of what was written). A pull may read them for those records alone:
    # a Bulk API 2.0 pull leaves them out for the others, whose Description can hold a whole e-mail.
    key_field: str | None = None
    keyed_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the last pull of an object stopped: the watermark value reached and the ids already
    seen at exactly that value (so a ``>=`` query can drop them instead of skipping ties)."""

    field: str
    last_value: str
    ids_at_last: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "last_value": self.last_value, "ids_at_last": sorted(self.ids_at_last)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Cursor:
        return cls(str(data["field"]), str(data["last_value"]), frozenset(data.get("ids_at_last", ())))


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    fields: dict[str, JsonValue]
    deleted: bool = False
    associations: dict[str, tuple[str, ...]] = field(default_factory=dict)


Cell = Callable[[str], JsonValue]  # one column's text cell as the CRM's JSON API sends the value


def text_cell(text: str) -> JsonValue:
    """A text column's cell: empty is null (Salesforce keeps no empty strings)."""
    return text or None


class RecordTable(Sequence[Record]):
    """Records that arrived as rows of text cells (a Bulk API 2.0 CSV result set): ``columns`` names
    each cell and ``cells`` types it (:data:`Cell`), so that reading the table as a sequence gives
    the very :class:`Record` s the JSON API would have given. The sync projects the rows without
    building them (:meth:`sync.sources.Source.project_page`): a million records are a million
    lists of text, not a million dictionaries. ``deleted_column``: the boolean column that marks a
    deleted record (``IsDeleted``), if the object has one; ``Id`` is the record id."""

    __slots__ = ("cells", "columns", "deleted_index", "id_index", "rows")

    def __init__(
        self,
        columns: Sequence[str],
        cells: Sequence[Cell],
        rows: list[list[str]],
        deleted_column: str | None = None,
    ) -> None:
        if len(cells) != len(columns):
            raise ValueError(f"{len(columns)} columns but {len(cells)} cell types")
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"a row of {len(row)} cells under {len(columns)} columns")
        self.columns = tuple(columns)
        self.cells = tuple(cells)
        self.rows = rows
        self.id_index = self.columns.index("Id")
        self.deleted_index = self.columns.index(deleted_column) if deleted_column is not None else None

    def record(self, row: Sequence[str]) -> Record:
        fields = {name: cell(text) for name, text, cell in zip(self.columns, row, self.cells, strict=True)}
        return Record(id=str(fields["Id"]), fields=fields, deleted=self.deleted(row))

    def deleted(self, row: Sequence[str]) -> bool:
        index = self.deleted_index
        return False if index is None else bool(self.cells[index](row[index]))

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            return [self.record(row) for row in self.rows[index]]
        return self.record(self.rows[index])

    def __iter__(self) -> Iterator[Record]:
        return map(self.record, self.rows)


@dataclass(frozen=True, slots=True)
class Page:
    """Records, and the cursor that is safe to store once this page and every earlier one are stored
    (None: nothing may be stored yet). ``complete`` is true on the last page of a pull.
    ``snapshot`` pages hold every live record of the object (HubSpot owners, which have no change
    feed): a record missing from a complete snapshot is gone. ``expected``, on the first page of a
    pull when the CRM said so (Salesforce ``totalSize``, a HubSpot search's ``total``): how many
    records the whole pull reads, for progress only (look-back re-reads and records changed
    meanwhile make it approximate)."""

    records: Sequence[Record]  # a list, or a RecordTable
    cursor: Cursor | None
    complete: bool = False
    snapshot: bool = False
    expected: int | None = None


@dataclass(frozen=True, slots=True)
class WriteItem:
    """One record to write. ``key``: the external sync key (upsert) or the record id (update)."""

    key: str
    fields: dict[str, JsonValue]
    associations: tuple[tuple[str, str, int], ...] = ()  # (to object type, to id, association type id)


@dataclass(frozen=True, slots=True)
class WriteResult:
    key: str
    ok: bool
    id: str | None = None
    created: bool = False
    error_code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class FieldSchema:
    name: str
    type: str  # the CRM's own type name (string, reference, picklist, date, enumeration, ...)
    label: str = ""
    createable: bool = False
    updateable: bool = False
    external_id: bool = False
    unique: bool = False
    picklist_values: tuple[str, ...] = ()
    reference_to: tuple[str, ...] = ()


FieldKind = Literal["text", "picklist", "reference", "date", "boolean"]


@dataclass(frozen=True, slots=True)
class FieldDefinition:
    """A custom field (Salesforce) or property (HubSpot) sponsorsync needs, described CRM-neutrally;
    each connector turns it into its CRM's own definition (``sponsorsync setup``). ``reference_to``:
    ``User`` (Salesforce lookup) or ``OWNER`` (HubSpot owner property); ``group``: HubSpot's property
    group; ``purpose``: where the mapping uses it (``writeback.task.key_field``)."""

    object: str
    name: str
    kind: FieldKind
    label: str
    length: int = 255
    options: tuple[str, ...] = ()
    reference_to: str | None = None
    external_id: bool = False
    unique: bool = False
    group: str | None = None
    purpose: str = ""


@dataclass(frozen=True, slots=True)
class SetupStep:
    """One thing ``setup apply`` did or tried: created, found already there (``created=False``), or
    refused by the CRM (``ok=False`` with the CRM's code and message)."""

    what: str  # "field Account.Alliance_Tier__c", "permission set Sponsorsync_Integration", ...
    ok: bool
    created: bool = False
    error_code: str | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class ObjectSchema:
    name: str
    fields: dict[str, FieldSchema]
    createable: bool = False
    updateable: bool = False


@dataclass(frozen=True, slots=True)
class OrgIdentity:
    """Which CRM org the credentials reach: the Salesforce organization id (00D...) or the HubSpot
    portal id, and the API base URL. Recorded with the state, so that one org's state is never
    used for another."""

    org_id: str
    instance_url: str
    # The user the credentials act as (Salesforce); None where writes carry no user (a HubSpot
    # private app). Tells sponsorsync's own changes from a person's (LastModifiedById).
    user_id: str | None = None
    # The org's own time zone where the identity call tells it (HubSpot's account time zone; None on
    # Salesforce, whose default time zone takes a query: Connector.org_time_zone).
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class CheckReport:
    crm: CrmName
    identity: str  # org id / portal id and the user, for the operator (no secrets)
    api_used: int | None
    api_limit: int | None
    notes: tuple[str, ...] = ()


class Connector(Protocol):
    crm: CrmName

    def server_time(self) -> datetime:
        """The CRM's clock (from the ``Date`` header of its last response), timezone-aware UTC."""
        ...

    def check(self) -> CheckReport: ...

    def identity(self) -> OrgIdentity:
        """The org the credentials reach (one API call)."""
        ...

    def org_time_zone(self) -> str | None:
        """The org's own time zone (an IANA name; one API call), None where the CRM will not say.
        HubSpot's identity carries it already; Salesforce reads its Organization record."""
        ...

    def describe(self, object_name: str) -> ObjectSchema: ...

    def field_history(
        self, object_name: str, field: str, ids: Sequence[str], since: datetime
    ) -> dict[str, datetime]:
        """When ``field`` of each record among ``ids`` was last changed, for the records whose last
        change lies on or after ``since``, from the CRM's own field history (Salesforce: the object's
        history records, e.g. ``AccountHistory`` rows with ``Field = field``; HubSpot:
        ``propertiesWithHistory`` on a batch read). Records with no such change are absent. Cost:
        Salesforce one query (paged); HubSpot one batch read per 100 ids."""
        ...

    def pull(
        self, spec: ObjectSpec, cursor: Cursor | None, *, sweep_deletions: bool = True
    ) -> Iterator[Page]:
        """Stream the records of ``spec`` changed since ``cursor`` (all of them when None), with
        deletions (``Record.deleted``; on HubSpot only when ``sweep_deletions``). Cursors never
        pass the CRM's clock at the start of the pull."""
        ...

    def upsert(
        self, object_name: str, key_field: str, items: Sequence[WriteItem]
    ) -> Iterator[list[WriteResult]]:
        """Create or update by external key, in the largest batches the API allows, yielding each
        batch's results as soon as the CRM confirms them. Per-record failures are results, not
        exceptions; a repeated or retried write never creates a second record."""
        ...

    def update(self, object_name: str, items: Sequence[WriteItem]) -> Iterator[list[WriteResult]]:
        """Update existing records by id (``WriteItem.key``), batched like :meth:`upsert`."""
        ...

    def api_calls(self) -> int:
        """HTTP requests this connector has sent so far (retries included)."""
        ...

    def close(self) -> None: ...


class SchemaAdmin(Protocol):
    """What ``sponsorsync setup`` and ``cleanup`` need beyond the sync: creating fields, finding
    every record carrying a sync key, deleting records. Both CRM connectors implement it."""

    def create_fields(self, fields: Sequence[FieldDefinition]) -> list[SetupStep]:
        """Create ``fields`` (and what makes them usable: HubSpot's property group; Salesforce's
        permission set granting the integration user access). A field that already exists is a step
        with ``created=False``; a refusal is a step with ``ok=False``, never an exception."""
        ...

    def keyed_records(self, object_name: str, key_field: str, fields: Sequence[str]) -> list[Record]:
        """Every live record of ``object_name`` whose ``key_field`` is set, with ``fields``: found by a
        query in the CRM, not from local state."""
        ...

    def delete(self, object_name: str, ids: Sequence[str]) -> list[WriteResult]:
        """Delete records by id (Salesforce: to the recycle bin; HubSpot: archive), batched."""
        ...


class AdminConnector(Connector, SchemaAdmin, Protocol):
    """A connector that can also set up and clean up (both CRM connectors are)."""
