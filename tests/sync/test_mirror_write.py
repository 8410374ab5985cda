"""Pages written to the SQLite mirror in multi-row statements leave exactly what row-by-row
statements leave (replaced rows, a record twice in one page, deletions without fields, the links of
activities to contacts and users); datetimes take a shortcut only where it gives the same text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sponsorsync.connectors.timestamps import parse_instant
from sponsorsync.sync.mirror import CHUNK_ROWS, Mirror, Row, _instant
from sponsorsync.sync.store import StateStore

TABLES = ("activities", "activity_contacts", "activity_users", "contacts")


def activity(i: int, *, contacts: list[str], when: str) -> Row:
    values = {"kind": "meeting", "owner_id": f"005{i % 7}", "occurred_at": when, "completed": i % 2 == 0,
              "subject": f"Review {i}", "contact_ids": contacts, "attendee_ids": [f"005{i % 3}", ""]}  # fmt: skip
    return Row(f"00U{i:05d}", values)


def pages() -> list[list[Row]]:
    whens = [
        "2026-05-01T10:00:00.000+0000",
        "2026-05-01T10:00:00Z",
        "2026-05-01T12:00:00+0200",
        "2026-05-01",
        None,
    ]
    first = [
        activity(i, contacts=[f"003{i}", f"003{i + 1}", ""], when=str(whens[i % 5] or "")) for i in range(450)
    ]
    first.insert(
        200, activity(7, contacts=["003again"], when="2026-06-01T00:00:00Z")
    )  # a record twice in one page
    first.insert(300, Row("00U00011", {}, deleted=True))  # a deletion without fields, mid-page
    second = [activity(i, contacts=[f"003new{i}"], when=whens[1] or "") for i in range(0, 450, 3)]
    return [first, second]


def mirror_contents(tmp_path: Path, *, chunked: bool) -> dict[str, list[tuple[Any, ...]]]:
    store = StateStore(tmp_path / ("chunked" if chunked else "row-by-row"))
    mirror = Mirror(store)
    mirror._chunked = chunked  # False: the PostgreSQL path, one statement per row
    with store.transaction():
        mirror.write(
            "contacts",
            "Contact",
            [Row(f"003{i}", {"last_name": f"P{i}"}) for i in range(CHUNK_ROWS * 2 + 1)],
            1,
        )
    for run, rows in enumerate(pages(), start=1):
        with store.transaction():
            mirror.write("activities", "Event", rows, run)
    return {t: store.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}


def test_multi_row_statements_leave_what_one_statement_per_row_leaves(tmp_path: Path) -> None:
    chunked = mirror_contents(tmp_path, chunked=True)
    assert chunked == mirror_contents(tmp_path, chunked=False)
    assert len(chunked["activities"]) == 450
    assert len(chunked["contacts"]) == CHUNK_ROWS * 2 + 1
    by_id = {row[0]: row for row in chunked["activities"]}
    assert by_id["00U00011"][-3] == 1  # deleted
    links = {(a, c) for a, c in chunked["activity_contacts"]}
    assert by_id["00U00007"][5] == "2026-06-01T00:00:00Z"  # the later copy of a record twice in a page
    assert ("00U00003", "003new3") in links  # page 2 replaced the links of what it brought again
    assert ("00U00003", "0033") not in links


@pytest.mark.parametrize(
    "text",
    ["2026-05-01T10:00:00.000+0000", "2026-05-01T10:00:00.999Z", "2026-05-01T10:00:00+00:00", "2026-05-01T10:00:00Z",
     "2026-05-01T12:00:00.000+0200", "2026-05-01T10:00:00.1234+0000", "2026-05-01T10:00:00", "1714557600000",
     "2026-W18-5T10:00:00Z", "2026-02-30T10:00:00.000+0000", "2026-05-01", "someday"],
)  # fmt: skip
def test_datetimes_are_stored_as_parsing_them_stores_them(text: str) -> None:
    try:
        expected: str | None = (
            f"{text}T00:00:00Z" if len(text) == 10 else parse_instant(text).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    except ValueError:
        expected = None
    assert _instant(text) == expected


def test_a_page_takes_one_insert_per_chunk_of_rows_not_one_per_row(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    mirror = Mirror(store)
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    rows = [activity(i, contacts=[f"003{i}"], when="2026-05-01T10:00:00Z") for i in range(450)]
    with store.transaction():
        mirror.write("activities", "Event", rows, 1)
    store.db.set_trace_callback(None)  # type: ignore[attr-defined]
    inserts = [s for s in statements if s.startswith("INSERT OR REPLACE INTO activities")]
    assert len(inserts) == -(-450 // CHUNK_ROWS)  # 3 statements for 450 rows
    assert len([s for s in statements if s.startswith("DELETE FROM activity_contacts")]) == 3
