"""From the mapping to what is pulled: one :class:`Source` per mapped CRM object, its
:class:`connectors.base.ObjectSpec`, and the projection of a pulled record onto canonical values.

The objects, their fields and their watermarks all come from the mapping: there is no code per
object (STYLE: table-driven). The write-back fields are pulled too, so the engine knows what the
CRM holds now before it writes (overwrite rules, edits made by people).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from sponsorsync.connectors.base import Cell, ObjectSpec, Record, RecordTable
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.objects import OPTIONAL_KINDS, ObjectMapping
from sponsorsync.mappings.records import (
    Converter,
    RowConverter,
    converter,
    crm_fields,
    row_converter,
    row_expressions,
)
from sponsorsync.sync.calendar import UTC_CALENDAR, Calendar
from sponsorsync.sync.mirror import FIELD_COLUMNS, Row, TableRow, column_code

# One table row to its mirror row; the second argument is the run that stores it (``seen_run``).
TableWriter = Callable[[Sequence[str], int], TableRow]


@dataclass(frozen=True)
class Source:
    kind: str  # a kind of sync.mirror.KINDS
    mapping: ObjectMapping
    spec: ObjectSpec
    keep: tuple[str, ...]  # CRM fields stored verbatim (write-back fields)

    @property
    def key(self) -> str:
        """The state key of this source (cursors, sweeps)."""
        return f"{self.kind}:{self.spec.name}"

    @cached_property
    def _convert(self) -> Converter:
        return converter(self.mapping)

    def project(self, record: Record) -> Row:
        if record.deleted and not record.fields:
            return Row(record.id, {}, deleted=True)
        values = self._convert(record.fields, record.associations)
        record_id = str(values.get("id") or record.id)
        # The mirror keeps an activity's CRM values only for sponsorsync's own tasks (a sync key).
        wanted = self.kind != "activities" or values.get("sync_key") not in (None, "")
        extra = {name: record.fields.get(name) for name in self.keep} if self.keep and wanted else None
        return Row(record_id, values, deleted=record.deleted, extra=extra)

    def project_page(self, records: Sequence[Record]) -> list[Row]:
        """Every record of a page, projected; a :class:`RecordTable` straight from its text cells,
        each row to the very :class:`Row` :meth:`project` gives for its record."""
        if not isinstance(records, RecordTable):
            return [self.project(record) for record in records]
        convert = self._row_converter(records.columns, records.cells)
        at_id = records.id_index
        id_cell = records.cells[at_id]
        kept = self._kept_columns(records)
        every = self.kind != "activities"  # an activity keeps its values only when it has a sync key
        rows = []
        for row in records.rows:
            values = convert(row)
            extra = None
            if kept and (every or values.get("sync_key") not in (None, "")):
                extra = {name: cell(row[index]) for name, index, cell in kept}
            rows.append(
                Row(str(values.get("id") or id_cell(row[at_id])), values, records.deleted(row), extra)
            )
        return rows

    def table_rows(
        self, records: Sequence[Record], run_id: int, calendar: Calendar = UTC_CALENDAR
    ) -> list[TableRow] | None:
        """The mirror rows of a :class:`RecordTable` page, straight from its text cells: exactly what
        :meth:`sync.mirror.Mirror.write` stores for the rows :meth:`project_page` gives, without a
        values dict or a :class:`Row` per record. None for a page of records, and for a kind whose
        mirror columns are not all one field each (users, accounts, participants: projected)."""
        if not isinstance(records, RecordTable) or self.kind not in FIELD_COLUMNS:
            return None
        layout = (records.columns, records.cells, records.deleted_index, calendar.zone)
        write = self._table_writers.get(layout)
        if write is None:
            write = self._table_writers[layout] = self._table_writer(records, calendar)
        return [write(row, run_id) for row in records.rows]

    def _table_writer(self, table: RecordTable, calendar: Calendar) -> TableWriter:
        """Compiled once per table layout: the canonical values' expressions of the mapping
        (:func:`mappings.records.row_expressions`) put through the mirror's column converters
        (:func:`sync.mirror.column_code`); every name and value from the CRM stays data in ``scope``."""
        scope: dict[str, Any] = {"source": self.spec.name, "_id_cell": table.cells[table.id_index]}
        texts: set[str] = set()
        reads = row_expressions(self.mapping, table.columns, table.cells, scope, texts)
        kept = []
        for number, (name, index, cell) in enumerate(self._kept_columns(table)):
            scope[f"_kept{number}"], scope[f"_keep{number}"] = name, cell
            kept.append(f"_kept{number}: _keep{number}(row[{index}])")
        extra = f"{{{', '.join(kept)}}}" if kept else "None"
        lines = column_code(self.kind, lambda field: reads.get(field, "None"), extra, scope, texts, calendar)
        row_id = f"str({reads.get('id', 'None')} or _id_cell(row[{table.id_index}]))"
        deleted = "0"
        if table.deleted_index is not None:
            scope["_deleted"] = table.cells[table.deleted_index]
            deleted = f"(1 if _deleted(row[{table.deleted_index}]) else 0)"
        activity = self.kind == "activities"
        contacts = reads.get("contact_ids", "()") if activity else "()"
        users = reads.get("attendee_ids", "()") if activity else "()"
        columns = ", ".join(f"c{i}" for i in range(len(lines)))
        body = "\n    ".join([*lines, f"return (({row_id}, {columns}, {deleted}, run), {contacts}, {users})"])
        exec(f"def write(row, run):\n    {body}\n", scope)
        compiled: TableWriter = scope["write"]
        return compiled

    @cached_property
    def _table_writers(self) -> dict[tuple[tuple[str, ...], tuple[Cell, ...], int | None, str], TableWriter]:
        return {}  # one per table layout (and calendar)

    def _kept_columns(self, table: RecordTable) -> list[tuple[str, int, Cell]]:
        """The kept CRM values of a table row, in the mapping's order: (name, column, cell type); a
        column the table lacks reads as None, as a record's ``fields.get`` does."""
        where = {name: index for index, name in enumerate(table.columns)}
        return [
            (name, where[name], table.cells[where[name]]) if name in where else (name, 0, _absent)
            for name in self.keep
        ]

    def _row_converter(self, columns: tuple[str, ...], cells: tuple[Cell, ...]) -> RowConverter:
        compiled = self._row_converters.get((columns, cells))
        if compiled is None:
            compiled = self._row_converters[columns, cells] = row_converter(self.mapping, columns, cells)
        return compiled

    @cached_property
    def _row_converters(self) -> dict[tuple[tuple[str, ...], tuple[Cell, ...]], RowConverter]:
        return {}  # one per table layout (a pull's pages share theirs)


def _absent(text: str) -> None:  # noqa: ARG001
    return None


def task_fields(mapping: Mapping) -> tuple[str, ...]:
    task = mapping.writeback.task
    names = [f.field for _, f in task.fields.items()]
    if task.stamp_field:
        names.append(task.stamp_field)
    if task.modified_by_field:
        names.append(task.modified_by_field)
    if task.completed_at_field:
        names.append(task.completed_at_field)
    return tuple(dict.fromkeys([*names, task.key_field]))


def account_fields(mapping: Mapping) -> tuple[str, ...]:
    account = mapping.writeback.account
    if account is None:
        return ()
    names = [f.field for _, f in account.fields.items()]
    if account.stamp_field:
        names.append(account.stamp_field)
    return tuple(dict.fromkeys(names))


def sources(mapping: Mapping) -> list[Source]:
    objects = mapping.objects
    listed: list[tuple[str, ObjectMapping]] = [
        ("users", objects.users),
        ("accounts", objects.accounts),
        ("contacts", objects.contacts),
    ]
    if objects.account_team is not None and mapping.sponsor.source == "account_team":
        listed.append(("account_team", objects.account_team))
    listed.extend(("activities", activity) for activity in objects.activities)
    listed.extend(("participants", participant) for participant in objects.participants)
    for kind in OPTIONAL_KINDS:
        optional: ObjectMapping | None = getattr(objects, kind)
        if optional is not None:
            listed.append((kind, optional))
    result = []
    for kind, spec in listed:
        keep: tuple[str, ...] = ()
        if kind == "accounts":
            keep = account_fields(mapping)
        elif kind == "activities" and spec.object == mapping.writeback.task.object:
            keep = task_fields(mapping)
        mapped = crm_fields(spec)
        fields = tuple(dict.fromkeys([*mapped, *keep]))
        pulled = ObjectSpec(spec.object, fields, spec.watermark, tuple(spec.associations))
        if kind == "activities" and keep:  # kept only for sponsorsync's own tasks (Source.project)
            key_field = mapping.writeback.task.key_field
            folded = {name.casefold() for name in mapped}
            keyed = tuple(name for name in keep if name.casefold() not in folded)
            pulled = replace(pulled, key_field=key_field, keyed_fields=keyed)
        result.append(Source(kind, spec, pulled, keep))
    return result


def unmapped_kinds(mapping: Mapping) -> list[str]:
    """The optional kinds (deals, cases) the mapping has no section for: none of their records is pulled."""
    return [kind for kind in OPTIONAL_KINDS if getattr(mapping.objects, kind) is None]


def fingerprint(mapping: Mapping) -> str:
    """Changes whenever what is pulled or how it is projected changes: then cursors are reset and
    the next run pulls everything again, so the mirror never mixes two projections."""
    payload = {
        "objects": mapping.objects.model_dump(mode="json"),
        "task": task_fields(mapping),
        "account": account_fields(mapping),
        "sponsor": mapping.sponsor.model_dump(mode="json"),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
