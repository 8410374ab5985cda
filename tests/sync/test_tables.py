"""Records that arrive as rows of text cells (Salesforce Bulk API 2.0 CSV results) are projected
straight from their cells (:func:`mappings.records.row_converter`, :meth:`Source.project_page`), and
stored straight from them (:meth:`Source.table_rows`). What must hold: a row gives exactly what the
record built from it gives through the record path (the canonical values, the mirror's row), for
every object of both shipped mappings, whatever the column order, the cells' types and the values
(value-map keys in any case, multi-values, empty cells, numbers that do not parse). The rows are
drawn at random from a fixed seed; the record path is the reference."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest

from sponsorsync.connectors.base import Cell, Record, RecordTable, text_cell
from sponsorsync.connectors.salesforce_bulk import cell_converter
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.mappings.records import converter, row_converter
from sponsorsync.sync.calendar import Calendar
from sponsorsync.sync.mirror import FIELD_COLUMNS, Mirror, Row, _compiled, _text
from sponsorsync.sync.sources import Source, sources
from sponsorsync.sync.store import StateStore

KINDS = ("string", "boolean", "datetime", "date", "int", "double", "reference", "picklist")
PLAIN = ["", "", "true", "false", "TRUE", "x", "007", "42", "1250.5", "2024-05-01T10:00:00.000Z",
         "2024-05-01T10:00:00.000+0000", "2024-05-01", "a;b", " Declined ", "0051;0052"]  # fmt: skip
SHIPPED = [(crm, source) for crm in ("salesforce", "hubspot") for source in sources(load_mapping(None, crm))]


def edited_task() -> Source:
    """The shipped Task with what an admin may write that the shipped mappings do not: a value map
    whose values the default replaces (None, "") or a key that is empty, or that gives a number for
    a text field, a default on a list field, a value map on a boolean and on a list field."""
    task = next(source for _, source in SHIPPED if source.spec.name == "Task")
    mapping = task.mapping.model_copy(
        update={
            "value_maps": {
                "kind": {"Call": "call", "Email": "", "Task": None, "": "blank", "x": "task", "42": 42},
                "completed": {"true": True, "FALSE": False},
                "contact_ids": {"003A": "003B"},
            },
            "defaults": {"kind": "task", "subject": "(none)", "contact_ids": "003default"},
        }
    )
    return dataclasses.replace(task, mapping=mapping)


SOURCES = [*SHIPPED, ("salesforce", edited_task())]
IDS = [f"{crm}:{source.key}" for crm, source in SHIPPED] + ["salesforce:edited Task"]


def strict(value: Any) -> Any:
    """A value with its type, so that True and 1 (equal in Python) are told apart."""
    if isinstance(value, dict):
        return [(key, strict(item)) for key, item in value.items()]
    if isinstance(value, list | tuple):
        return (type(value).__name__, [strict(item) for item in value])
    return (type(value).__name__, value)


def cells_for(source: Source) -> list[str]:
    """Cell texts likely to matter for this object: every value-map key, folded and multi-valued."""
    keys = [str(key) for value_map in source.mapping.value_maps.values() for key in value_map]
    return (
        PLAIN + keys + [key.upper() for key in keys] + [f"nope;{key}" for key in keys] + ["003A", "003A;003C"]
    )


def layout(source: Source, rng: random.Random) -> tuple[list[str], list[Cell]]:
    """The object's fields in a random order, one sometimes left out and one sometimes repeated,
    with ``Id`` and ``IsDeleted``, each column of a random type."""
    columns = list(dict.fromkeys(["Id", *source.spec.fields, *source.keep, "IsDeleted"]))
    rng.shuffle(columns)
    if rng.random() < 0.5 and len(columns) > 3:
        columns.remove(rng.choice([c for c in columns if c not in ("Id", "IsDeleted")]))
    if rng.random() < 0.3:
        columns.append(rng.choice(columns))
    cells = [
        cell_converter("boolean" if name == "IsDeleted" else "id" if name == "Id" else rng.choice(KINDS))
        for name in columns
    ]
    return columns, cells


def typed_or_error(cell: Cell, text: str) -> Any:
    try:
        return cell(text)
    except ValueError:
        return ValueError


def rows_for(
    source: Source, columns: list[str], cells: list[Cell], rng: random.Random, n: int
) -> list[list[str]]:
    """Random rows whose every cell types without error (a number column gets numbers)."""
    pool = cells_for(source)
    rows = []
    for number in range(n):
        row = []
        for name, cell in zip(columns, cells, strict=True):
            if name == "Id":
                row.append(f"REC{number:04d}")
                continue
            text = rng.choice(pool)
            while typed_or_error(cell, text) is ValueError:
                text = rng.choice(pool)
            row.append(text)
        rows.append(row)
    return rows


@pytest.mark.parametrize(("crm", "source"), SOURCES, ids=IDS)
def test_a_row_converts_as_the_record_typed_from_it_converts(crm: str, source: Source) -> None:
    rng = random.Random(f"{source.key}-converter")
    reference = converter(source.mapping)
    for _ in range(12):
        columns, cells = layout(source, rng)
        convert = row_converter(source.mapping, columns, cells)
        for row in rows_for(source, columns, cells, rng, 40):
            fields = {name: cell(text) for name, text, cell in zip(columns, row, cells, strict=True)}
            assert strict(convert(row)) == strict(reference(fields, None)), (columns, row)


@pytest.mark.parametrize(("crm", "source"), SOURCES, ids=IDS)
def test_a_table_projects_to_the_rows_its_records_project_to(crm: str, source: Source) -> None:
    rng = random.Random(f"{source.key}-page")
    for _ in range(6):
        columns, cells = layout(source, rng)
        table = RecordTable(
            columns, cells, rows_for(source, columns, cells, rng, 60), deleted_column="IsDeleted"
        )
        projected = source.project_page(table)
        assert [strict_row(r) for r in projected] == [strict_row(source.project(r)) for r in table]


def strict_row(row: Row) -> Any:
    return (row.id, strict(row.values), row.deleted, strict(row.extra))


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize(("crm", "source"), SOURCES, ids=IDS)
def test_a_table_gives_the_mirror_rows_its_records_give(crm: str, source: Source, zone: str) -> None:
    # The one-step way (Source.table_rows, what a Bulk pull stores) against the record path: each
    # record projected to a Row, its columns by the mirror (_COLUMNS), its links from its lists; on
    # the org's calendar (instants as its wall time) both ways alike.
    rng = random.Random(f"{source.key}-mirror")
    calendar = Calendar(zone)
    if source.kind not in FIELD_COLUMNS:  # users, accounts, participants: always projected
        columns, cells = layout(source, rng)
        assert source.table_rows(RecordTable(columns, cells, [], "IsDeleted"), 7, calendar) is None
        return
    values_of = _compiled(source.kind, calendar)
    for _ in range(6):
        columns, cells = layout(source, rng)
        table = RecordTable(columns, cells, rows_for(source, columns, cells, rng, 60), "IsDeleted")
        made = source.table_rows(table, 7, calendar)
        assert made is not None
        expected = []
        for row in map(source.project, table):
            links = [
                [str(c) for c in row.values.get(field) or [] if c] if source.kind == "activities" else []
                for field in ("contact_ids", "attendee_ids")
            ]
            expected.append(
                strict(((row.id, *values_of(row, source.spec.name), int(row.deleted), 7), *links))
            )
        got = [strict((tuple_, [str(c) for c in contacts or () if c], [str(u) for u in users or () if u]))
               for tuple_, contacts, users in made]  # fmt: skip
        assert got == expected, columns
        # Whatever the value maps give, a text column holds text (the mirror's own rule, checked
        # apart from the shared column code both ways are compiled from).
        texts = [i + 1 for i, (_, convert) in enumerate(FIELD_COLUMNS[source.kind]) if convert is _text]
        assert all(isinstance(made_row[0][i], str | None) for made_row in made for i in texts)


def shipped_task_table(last: str, rows: list[list[str]]) -> tuple[Source, RecordTable]:
    """The shipped Salesforce Task, and a table of its sync key, subject, status and flags, then
    ``last`` (a text column)."""
    task = next(s for s in sources(load_mapping(None, "salesforce")) if s.spec.name == "Task")
    columns = ["Id", "Sponsor_Sync_Key__c", "Subject", "Status", "IsClosed", "IsDeleted", last]
    flag = cell_converter("boolean")
    cells = [text_cell, text_cell, text_cell, text_cell, flag, flag, text_cell]
    return task, RecordTable(columns, cells, rows, deleted_column="IsDeleted")


def test_the_shipped_task_keeps_its_crm_values_only_with_a_sync_key() -> None:
    task, table = shipped_task_table(
        "TaskSubtype",
        [
            ["00T1", "abc", "Brief Ana", "Not Started", "false", "false", "call"],
            ["00T2", "", "Lunch", "Completed", "true", "true", ""],
        ],
    )
    own, other = task.project_page(table)
    assert (own.values["kind"], other.values["kind"]) == ("call", "task")  # folded; the default
    assert own.extra is not None
    assert list(own.extra) == list(task.keep)
    assert (own.extra["Status"], own.extra["Description"]) == ("Not Started", None)  # a column not read: None
    assert other.extra is None
    assert (own.deleted, other.deleted) == (False, True)
    assert own.values["contact_ids"] == other.values["contact_ids"] == []
    assert own.values["contact_ids"] is not other.values["contact_ids"]  # a fresh list per record


def test_a_table_reads_as_its_records_and_refuses_a_ragged_row() -> None:
    columns = ["Id", "IsDeleted", "Amount", "Name"]
    cells = [text_cell, cell_converter("boolean"), cell_converter("currency"), text_cell]
    table = RecordTable(
        columns, cells, [["006A", "true", "", "Big"], ["006B", "false", "1250.5", ""]], "IsDeleted"
    )
    assert list(table) == [
        Record("006A", {"Id": "006A", "IsDeleted": True, "Amount": None, "Name": "Big"}, deleted=True),
        Record("006B", {"Id": "006B", "IsDeleted": False, "Amount": 1250.5, "Name": None}),
    ]
    assert len(table) == 2
    assert table[1] == list(table)[1]
    assert table[:1] == list(table)[:1]
    assert not RecordTable(columns, cells, [["006C", "true", "", ""]])[0].deleted  # no deleted column: live
    with pytest.raises(ValueError, match="a row of 2 cells under 4 columns"):
        RecordTable(columns, cells, [["006C", "false"]], "IsDeleted")


def test_both_ways_of_storing_keep_the_crm_values_of_own_tasks_only(tmp_path: Path) -> None:
    # What the engine reads back (Mirror.own_tasks): sponsorsync's task with its CRM values as the
    # CRM has them, a person's task not at all; the same whether the page came as a table or as
    # records, and the links to the task's contact too.
    rows = [
        ["00T1", "ss1:x", "Brief Ana", "Not Started", "false", "false", "003A"],
        ["00T2", "", "Lunch", "Completed", "true", "false", "003B"],
    ]
    stored = []
    for way in ("table", "records"):
        store = StateStore(tmp_path / way)
        mirror = Mirror(store)
        task, table = shipped_task_table("WhoId", [list(r) for r in rows])
        with store.transaction():
            made = task.table_rows(table, 1) if way == "table" else None
            if made is not None:
                mirror.write_table(task.kind, made)
            else:
                mirror.write(task.kind, task.spec.name, task.project_page(list(table)), 1)
        [own] = list(mirror.own_tasks())
        links = store.db.execute(
            "SELECT activity_id, contact_id FROM activity_contacts ORDER BY 1"
        ).fetchall()
        stored.append((own, [tuple(link) for link in links]))
        store.close()
    (own, links), other = stored
    assert (own, links) == other
    assert (own.id, own.sync_key, own.completed) == ("00T1", "ss1:x", False)
    assert own.crm_values == dict.fromkeys(task.keep) | {
        "Subject": "Brief Ana", "Status": "Not Started", "WhoId": "003A",
        "Sponsor_Sync_Key__c": "ss1:x",
    }  # fmt: skip
    assert links == [("00T1", "003A"), ("00T2", "003B")]
