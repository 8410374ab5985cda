"""Change 1% of the org through the CRM API, as people using the CRM would: 1% of the contacts, of
each activity object and of the accounts, evenly spread over their ids, one harmless field each
(a phone number, a description, a note body: nothing the plan depends on).

The records are chosen from sponsorsync's mirror (its ids are the CRM's; tasks sponsorsync wrote
itself are left out) and changed with plain HTTPS calls to the CRM API, in the largest batches it
takes. These calls are the benchmark's, not the sync's: statistics are reset afterwards.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import requests

from benchmarks.census import SF_VERSION
from benchmarks.sandbox import Sandbox
from sponsorsync.sync.sources import Source

SHARE = 0.01
FIELDS = {
    "salesforce": {"Account": "Website", "Contact": "Phone", "Task": "Description", "Event": "Description"},
    "hubspot": {
        "companies": "description",
        "contacts": "phone",
        "tasks": "hs_task_body",
        "meetings": "hs_meeting_body",
        "calls": "hs_call_body",
        "emails": "hs_email_text",
        "notes": "hs_note_body",
    },
}
CHANGED_KINDS = ("accounts", "contacts", "activities")


def sample(db: Path, source: Source, count: int) -> list[str]:
    """``count`` ids of ``source`` from the mirror, evenly spread (tasks of sponsorsync's excluded)."""
    query = f"SELECT id FROM {source.kind} WHERE deleted = 0"
    args: tuple[str, ...] = ()
    if source.kind == "activities":
        query += " AND source = ? AND sync_key IS NULL"
        args = (source.spec.name,)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        ids = sorted((str(r[0]) for r in conn.execute(query, args)), key=lambda i: (len(i), i))
    count = min(count, len(ids))
    return [ids[(i * len(ids)) // count] for i in range(count)] if count else []


def change_one_percent(
    box: Sandbox, db: Path, sources: list[Source], counts: dict[str, int], tag: str
) -> dict[str, int]:
    """Changes 1% of each changed object's records; returns the records changed per object."""
    changed: dict[str, int] = {}
    with box.http() as http:
        for source in sources:
            name = source.spec.name
            if source.kind not in CHANGED_KINDS:
                continue
            ids = sample(db, source, math.ceil(counts.get(name, 0) * SHARE))
            field = FIELDS[box.crm][name]
            value = f"changed by the benchmark ({tag})"
            if box.crm == "salesforce":
                changed[name] = _salesforce(http, box, name, field, value, ids)
            else:
                changed[name] = _hubspot(http, box, name, field, value, ids)
    return changed


def _salesforce(
    http: requests.Session, box: Sandbox, name: str, field: str, value: str, ids: list[str]
) -> int:
    url = f"{box.env['SPONSORSYNC_SALESFORCE__INSTANCE_URL']}/services/data/{SF_VERSION}/composite/sobjects"
    done = 0
    for i in range(0, len(ids), 200):
        records = [{"attributes": {"type": name}, "id": rid, field: value} for rid in ids[i : i + 200]]
        answer = http.patch(url, json={"allOrNone": False, "records": records})
        answer.raise_for_status()
        done += sum(1 for r in answer.json() if r.get("success"))
    return done


def _hubspot(http: requests.Session, box: Sandbox, name: str, field: str, value: str, ids: list[str]) -> int:
    url = f"{box.env['SPONSORSYNC_HUBSPOT__BASE_URL']}/crm/v3/objects/{name}/batch/update"
    done = 0
    for i in range(0, len(ids), 100):
        inputs = [{"id": rid, "properties": {field: value}} for rid in ids[i : i + 100]]
        answer = http.post(url, json={"inputs": inputs})
        answer.raise_for_status()
        done += len(answer.json().get("results", []))
    return done
