"""The diff as specifications (pure: no CRM): which status and note a closure writes, that a due
date is never moved, that a person's edit gets a note instead of a close, and that text bound for a
rich-text field is HTML-escaped."""

from __future__ import annotations

from datetime import date
from typing import Any

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.diff import Differ, WritePlan
from sponsorsync.sync.ledger import CLOSED, MISSED, OPEN, STALE, LedgerEntry
from sponsorsync.sync.mirror import OwnTask
from sponsorsync.sync.plan import Closure, DesiredTask, Plan
from tests.sync.builders import TODAY, salesforce_mapping

KEY = "ss1:sponsor_update:acme:ceo:2026-11-20"


def own(values: dict[str, Any], key: str = KEY) -> OwnTask:
    return OwnTask("00T000000000001", "Task", key, False, False, dict(values))


def diff(mapping: Mapping, plan: Plan, owns: list[OwnTask], entries: list[LedgerEntry]) -> WritePlan:
    return Differ(mapping, {e.sync_key: e for e in entries}, {o.sync_key: o for o in owns}, "stamp").diff(
        plan, {}
    )


def closing(outcome: str, reason: str = "the update due on 2026-11-20 was not marked done") -> Plan:
    return Plan(TODAY, [], [Closure(KEY, "sponsor_update", outcome, reason)], [], {}, {})  # type: ignore[arg-type]


WRITTEN = {"Subject": "Send it", "Description": "Body", "Status": "Not Started", "ActivityDate": "2026-11-20"}


def entry(status: str = OPEN, fields: dict[str, Any] | None = None) -> LedgerEntry:
    return LedgerEntry(
        KEY, "task", "Task", "00T000000000001", "acme", "sponsor_update", status, fields or WRITTEN
    )


def test_a_missed_update_is_closed_with_the_not_needed_status_and_recorded_as_missed() -> None:
    writes = diff(salesforce_mapping(), closing("missed"), [own(WRITTEN)], [entry()])
    [close] = writes.closes
    assert close.fields["Status"] == "Not Needed"
    assert close.ledger_status == MISSED
    assert "as missed: the update due on 2026-11-20 was not marked done." in str(close.fields["Description"])


def test_only_work_that_was_done_is_completed() -> None:
    done = diff(salesforce_mapping(), closing("done", "they met"), [own(WRITTEN)], [entry()]).closes[0]
    not_needed = diff(salesforce_mapping(), closing("not_needed", "x"), [own(WRITTEN)], [entry()]).closes[0]
    assert (done.fields["Status"], done.ledger_status) == ("Completed", CLOSED)
    assert (not_needed.fields["Status"], not_needed.ledger_status) == ("Not Needed", CLOSED)


def test_without_a_not_needed_status_the_task_stays_open_with_a_note() -> None:
    text = load_mapping(None, "salesforce").model_dump(by_alias=True, exclude_none=True)
    text["writeback"]["task"]["values"].pop("status_not_needed")
    mapping = Mapping.model_validate(text)
    writes = diff(mapping, closing("missed"), [own(WRITTEN)], [entry()])
    assert writes.closes == []
    [note] = writes.notes
    assert "Status" not in note.fields
    assert "Close it: the mapping names no 'not needed' status" in str(note.fields["Description"])


def test_a_task_a_person_edited_gets_one_note_and_is_recorded_stale_never_closed() -> None:
    edited = own(WRITTEN | {"Subject": "Send it, with the pipeline numbers"})
    writes = diff(salesforce_mapping(), closing("missed"), [edited], [entry()])
    assert writes.closes == []
    [note] = writes.notes
    assert note.ledger_status == STALE
    assert "Status" not in note.fields
    assert "this task no longer seems needed" in str(note.fields["Description"])
    again = diff(salesforce_mapping(), closing("missed"), [edited], [entry(STALE)])
    assert (again.notes, again.closes) == ([], [])
    assert again.left_alone == {"stale_edited_by_a_person": 1}


def test_the_due_date_is_never_moved_on_an_open_task() -> None:
    desired = DesiredTask(KEY, "sponsor_update", "acme", "manager", "Send it", "Body", date(2026, 12, 30), "normal",
                          None, "acme")  # fmt: skip
    held = own(WRITTEN | {"OwnerId": "manager", "Priority": "Normal", "WhatId": "acme"})
    plan = Plan(TODAY, [desired], [], [], {}, {})
    writes = diff(salesforce_mapping(), plan, [held], [entry(fields=held.crm_values)])
    assert writes.updates == []


def test_the_sponsor_brief_body_is_written_on_creation_only_other_bodies_follow_the_plan() -> None:
    held = own(WRITTEN | {"OwnerId": "manager", "Priority": "Normal", "WhatId": "acme"})
    for once, expected in ((True, []), (False, [{"Description": "Figures as of today"}])):
        desired = DesiredTask(KEY, "sponsor_update", "acme", "manager", "Send it", "Figures as of today",
                              date(2026, 11, 20), "normal", None, "acme", body_once=once)  # fmt: skip
        writes = diff(
            salesforce_mapping(),
            Plan(TODAY, [desired], [], [], {}, {}),
            [held],
            [entry(fields=held.crm_values)],
        )
        assert [{k: v for k, v in w.fields.items() if k == "Description"} for w in writes.updates] == expected


def test_partner_text_in_a_rich_text_body_is_html_escaped() -> None:
    mapping = load_mapping(None, "hubspot")
    hostile = 'Acme <img src=x onerror="alert(1)"> & Co\nsecond line'
    desired = DesiredTask(
        KEY, "sponsor_update", "acme", "7", "Send it", hostile, TODAY, "normal", None, "acme"
    )
    writes = diff(mapping, Plan(TODAY, [desired], [], [], {}, {}), [], [])
    body = writes.creates[0].fields["hs_task_body"]
    assert body == "Acme &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co<br>second line"
    assert writes.creates[0].fields["hs_task_subject"] == "Send it"  # subject: plain text property


def test_without_a_ledger_a_task_a_person_changed_last_is_theirs_one_we_changed_last_is_adopted() -> None:
    """The state directory was lost: the CRM's own "last modified by" tells a person's change."""
    desired = DesiredTask(KEY, "sponsor_update", "acme", "manager", "Send it", "Body", date(2026, 11, 20), "normal",
                          None, "acme")  # fmt: skip
    ours = WRITTEN | {
        "OwnerId": "manager",
        "Priority": "Normal",
        "WhatId": "acme",
        "LastModifiedById": "005API",
    }
    by_mia = ours | {"OwnerId": "ava", "LastModifiedById": "005MIA"}  # Mia handed it to Ava
    plan = Plan(TODAY, [desired], [], [], {}, {})

    def run(values: dict[str, Any]) -> WritePlan:
        return Differ(salesforce_mapping(), {}, {KEY: own(values)}, "stamp", "005API").diff(plan, {})

    assert run(by_mia).updates == []
    assert run(by_mia).left_alone == {"edited_by_a_person": 1}
    adopted = run(ours)
    assert (adopted.updates, [e.sync_key for e in adopted.adopt]) == ([], [KEY])
