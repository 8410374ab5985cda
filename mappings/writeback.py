"""``writeback``: what sponsorsync writes into the CRM, where, and whether it may overwrite."""

from __future__ import annotations

import html
from datetime import time
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from sponsorsync.mappings.base import ApiName, Strict
from sponsorsync.mappings.vocab import Overwrite

DUE_TIME = time(17, 0)  # a due date written as a date and time: the end of the working day


class WriteField(Strict):
    """A CRM field sponsorsync writes, and when it may overwrite what is there."""

    field: ApiName = Field(description="CRM field API name.")
    overwrite: Overwrite = Field(
        default="always",
        description="always: write every time the value changes; if_blank: only while the CRM field is "
        "empty (admins' edits win); never: write on create only.",
    )
    rich_text: bool = Field(
        default=False,
        description="The field holds HTML (HubSpot hs_task_body): text is HTML-escaped, line breaks become <br>.",
    )


def encode(spec: WriteField, text: str) -> str:
    """Plain text as the field stores it: HTML-escaped, line breaks kept, for a rich-text field."""
    if not spec.rich_text:
        return text
    return "<br>".join(html.escape(line, quote=True) for line in text.split("\n"))


def decode(spec: WriteField, stored: str) -> str:
    """What :func:`encode` stored, as plain text again (a rich-text field's line breaks and entities)."""
    if not spec.rich_text:
        return stored
    return html.unescape(stored.replace("<br>", "\n"))


def _shorthand(value: Any) -> Any:
    return {"field": value} if isinstance(value, str) else value


#: ``Subject`` is short for ``{field: Subject, overwrite: always}``.
WriteFieldSpec = Annotated[WriteField, BeforeValidator(_shorthand, json_schema_input_type=str | WriteField)]


class TaskFields(Strict):
    """Canonical task field -> CRM field."""

    subject: WriteFieldSpec = Field(description="Task subject.")
    due_date: WriteFieldSpec = Field(description="Due date (Salesforce ActivityDate, HubSpot hs_timestamp).")
    owner_id: WriteFieldSpec = Field(description="Who must do it (user / owner id).")
    status: WriteFieldSpec = Field(description="Status; values from writeback.task.values.")
    body: WriteFieldSpec | None = Field(default=None, description="Task description: why, and what to do.")
    priority: WriteFieldSpec | None = Field(
        default=None, description="Priority; values from writeback.task.values."
    )
    contact_id: WriteFieldSpec | None = Field(
        default=None, description="Salesforce: the partner contact (WhoId). HubSpot uses associations."
    )
    account_id: WriteFieldSpec | None = Field(
        default=None, description="Salesforce: the account (WhatId). HubSpot uses associations."
    )

    def items(self) -> list[tuple[str, WriteField]]:
        return [(name, value) for name, value in self if isinstance(value, WriteField)]


class TaskValues(Strict):
    """The CRM's own picklist values for task status and priority."""

    status_open: str = Field(
        description="Status of a new task (Salesforce Not Started, HubSpot NOT_STARTED)."
    )
    status_completed: str = Field(description="Status of a done task (Completed, COMPLETED).")
    status_not_needed: str | None = Field(
        default=None,
        description="A closed status that does not mean done, for tasks sponsorsync closes because they are "
        "no longer needed or were missed (Salesforce: a Task status marked closed, e.g. Not Needed; HubSpot: "
        "DEFERRED). None: such tasks stay open with a note, never marked Completed.",
    )
    priority_high: str = Field(default="High", description="Priority of urgent tasks (High, HIGH).")
    priority_normal: str = Field(default="Normal", description="Priority of other tasks (Normal, MEDIUM).")


class Association(Strict):
    """A HubSpot association written with each task."""

    to: str = Field(description="Object type associated to: contacts, companies.")
    type_id: int = Field(
        ge=1, description="HUBSPOT_DEFINED association type id (task->contact 204, task->company 192)."
    )


class TaskAssociations(Strict):
    """HubSpot only: how tasks are linked to the contact, the company and the record they are about."""

    contact: Association | None = Field(default=None, description="Link to the partner contact.")
    account: Association | None = Field(default=None, description="Link to the company.")
    case: Association | None = Field(
        default=None, description="Link to the ticket a partner-escalation task is about (task->ticket 230)."
    )
    deal: Association | None = Field(
        default=None, description="Link to the deal a critical-moment call task is about (task->deal 216)."
    )


class TaskWriteback(Strict):
    """Tasks sponsorsync creates and keeps up to date (upsert by key_field, so never twice)."""

    object: ApiName = Field(description="Task object: Task (Salesforce), tasks (HubSpot).")
    key_field: ApiName = Field(
        description="Unique external-id field holding sponsorsync's key (Salesforce Sponsor_Sync_Key__c, "
        "HubSpot sponsor_sync_key): upserts by it, so a task is never created twice."
    )
    stamp_field: ApiName | None = Field(
        default=None, description="Field receiving the provenance stamp (text); none: no stamp on tasks."
    )
    modified_by_field: ApiName | None = Field(
        default=None,
        description="Read-only field naming who changed a task last (Salesforce LastModifiedById, HubSpot "
        "hs_updated_by_user_id): with a lost or new state directory, a task a person changed is still "
        "recognised as theirs and left alone.",
    )
    completed_at_field: ApiName | None = Field(
        default=None,
        description="Read-only field holding when a task was completed (Salesforce CompletedDateTime, HubSpot "
        "hs_task_completion_date): the scorecard counts a sponsor's escalation answered within its SLA when "
        "the task was completed on or before its due date.",
    )
    due_time: time = Field(
        default=DUE_TIME,
        description="HubSpot: the time of day, in the org's time zone, a due date is written at (hs_timestamp "
        "is a date and time; default 17:00, the end of the working day, so the task shows as due on its day "
        "and turns overdue after it). Salesforce's ActivityDate is a date: not used.",
    )
    fields: TaskFields = Field(description="Canonical task field -> CRM field (with overwrite rule).")
    values: TaskValues = Field(description="Status and priority values.")
    associations: TaskAssociations = Field(
        default_factory=TaskAssociations, description="HubSpot only: associations written with each task."
    )


class HealthValues(Strict):
    """The CRM's values for each health colour."""

    green: str = Field(description="Value written for green.")
    amber: str = Field(description="Value written for amber.")
    red: str = Field(description="Value written for red.")


class HealthField(WriteField):
    values: HealthValues = Field(description="CRM value per health colour.")


class AccountWriteFields(Strict):
    """Health fields on the alliance account; leave one out to not write it."""

    health: HealthField | None = Field(default=None, description="Health colour (picklist).")
    last_touch: WriteFieldSpec | None = Field(default=None, description="Date of the last executive touch.")
    health_reason: WriteFieldSpec | None = Field(
        default=None, description="Why the health is what it is (text)."
    )
    covered: WriteFieldSpec | None = Field(
        default=None,
        description="Checkbox: true while the alliance has an active sponsor who touched their partner "
        "counterpart within the tier's executive_touch_days (the portfolio report's coverage; a CRM report "
        "over this field gives coverage by tier).",
    )

    def items(self) -> list[tuple[str, WriteField]]:
        return [(name, value) for name, value in self if isinstance(value, WriteField)]


class AccountWriteback(Strict):
    """Fields sponsorsync updates on alliance accounts."""

    object: ApiName = Field(
        description="Account object: Account, companies (same as objects.accounts.object)."
    )
    stamp_field: ApiName | None = Field(default=None, description="Field receiving the provenance stamp.")
    fields: AccountWriteFields = Field(description="Health fields.")


class Writeback(Strict):
    """What is written back into the CRM."""

    provenance: str = Field(
        default="sponsorsync",
        min_length=1,
        description="Stamp text written into every stamp_field; the engine appends version, run id and time.",
    )
    task: TaskWriteback = Field(description="Tasks.")
    account: AccountWriteback | None = Field(
        default=None, description="Account health fields; none: not written."
    )
