"""Hand-built CRM descriptions shaped like the sandbox's default org (docs/ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import replace

from sponsorsync.connectors.base import FieldSchema, ObjectSchema


def field(
    name: str, type: str, *, write: bool = False, values: tuple[str, ...] = (), key: bool = False
) -> FieldSchema:
    return FieldSchema(
        name=name,
        type=type,
        createable=write,
        updateable=write,
        external_id=key,
        unique=key,
        picklist_values=values,
    )


def obj(name: str, *fields: FieldSchema) -> ObjectSchema:
    return ObjectSchema(name=name, fields={f.name: f for f in fields}, createable=True, updateable=True)


def with_field(
    schemas: dict[str, ObjectSchema], object_name: str, new: FieldSchema
) -> dict[str, ObjectSchema]:
    """``schemas`` with one field of one object replaced (or added)."""
    changed = replace(schemas[object_name], fields={**schemas[object_name].fields, new.name: new})
    return {**schemas, object_name: changed}


def salesforce() -> dict[str, ObjectSchema]:
    stamp = field("SystemModstamp", "datetime")
    return {
        "User": obj(
            "User",
            field("Id", "id"),
            field("FirstName", "string"),
            field("LastName", "string"),
            field("Email", "email"),
            field("Title", "string"),
            field("IsActive", "boolean"),
            field("ManagerId", "reference"),
            stamp,
        ),
        "Account": obj(
            "Account",
            field("Id", "id"),
            field("Name", "string", write=True),
            field("Type", "picklist", write=True, values=("Partner", "Customer", "Prospect", "Other")),
            field("OwnerId", "reference", write=True),
            field("Alliance_Tier__c", "picklist", write=True, values=("Strategic", "Key", "Standard")),
            field("Executive_Sponsor__c", "reference", write=True),
            field("Sponsor_Health__c", "picklist", write=True, values=("Green", "Amber", "Red")),
            field("Sponsor_Last_Touch__c", "date", write=True),
            field("Sponsor_Health_Reason__c", "string", write=True),
            field("Sponsor_Sync_Stamp__c", "string", write=True),
            stamp,
        ),
        "Contact": obj(
            "Contact",
            field("Id", "id"),
            field("AccountId", "reference", write=True),
            field("FirstName", "string", write=True),
            field("LastName", "string", write=True),
            field("Title", "string", write=True),
            field("Email", "email", write=True),
            stamp,
        ),
        "AccountTeamMember": obj(
            "AccountTeamMember",
            field("Id", "id"),
            field("AccountId", "reference"),
            field("UserId", "reference"),
            field("TeamMemberRole", "picklist", values=("Executive Sponsor", "Account Manager")),
            stamp,
        ),
        "Task": obj(
            "Task",
            field("Id", "id"),
            field("Subject", "combobox", write=True),
            field("Description", "textarea", write=True),
            field(
                "Status",
                "picklist",
                write=True,
                values=(
                    "Not Started",
                    "In Progress",
                    "Completed",
                    "Waiting on someone else",
                    "Deferred",
                    "Not Needed",
                ),
            ),
            field("Priority", "picklist", write=True, values=("High", "Normal", "Low")),
            field("ActivityDate", "date", write=True),
            field("OwnerId", "reference", write=True),
            field("WhoId", "reference", write=True),
            field("WhatId", "reference", write=True),
            field("TaskSubtype", "picklist", values=("Task", "Email", "Call")),
            field("IsClosed", "boolean"),
            field("Sponsor_Sync_Key__c", "string", write=True, key=True),
            field("Sponsor_Sync_Stamp__c", "string", write=True),
            field("LastModifiedById", "reference"),
            field("CompletedDateTime", "datetime"),
            stamp,
        ),
        "Event": obj(
            "Event",
            field("Id", "id"),
            field("Subject", "combobox", write=True),
            field("StartDateTime", "datetime", write=True),
            field("OwnerId", "reference", write=True),
            field("WhoId", "reference", write=True),
            field("WhatId", "reference", write=True),
            stamp,
        ),
        "EventRelation": obj(
            "EventRelation",
            field("Id", "id"),
            field("EventId", "reference", write=True),
            field("RelationId", "reference", write=True),
            field("IsWhat", "boolean"),
            field("Status", "picklist", write=True, values=("New", "Declined", "Accepted")),
            stamp,
        ),
        "TaskRelation": obj(
            "TaskRelation",
            field("Id", "id"),
            field("TaskId", "reference", write=True),
            field("RelationId", "reference", write=True),
            field("IsWhat", "boolean"),
            stamp,
        ),
        "Opportunity": obj(
            "Opportunity",
            field("Id", "id"),
            field("AccountId", "reference", write=True),
            field("Name", "string", write=True),
            field("StageName", "picklist", write=True, values=("Prospecting", "Closed Won", "Closed Lost")),
            field("Amount", "currency", write=True),
            field("CloseDate", "date", write=True),
            field("IsClosed", "boolean"),
            field("IsWon", "boolean"),
            field("OwnerId", "reference", write=True),
            stamp,
        ),
        "Case": obj(
            "Case",
            field("Id", "id"),
            field("AccountId", "reference", write=True),
            field("ContactId", "reference", write=True),
            field("Subject", "string", write=True),
            field("Priority", "picklist", write=True, values=("High", "Medium", "Low")),
            field("IsEscalated", "boolean", write=True),
            field("IsClosed", "boolean"),
            field("CreatedDate", "datetime"),
            field("ClosedDate", "datetime"),
            field("OwnerId", "reference", write=True),
            stamp,
        ),
    }


def hubspot() -> dict[str, ObjectSchema]:
    modified = field("hs_lastmodifieddate", "datetime")
    object_id = field("hs_object_id", "number")
    owner = field("hubspot_owner_id", "enumeration", write=True)
    when = field("hs_timestamp", "datetime", write=True)

    def activity(name: str, *extra: FieldSchema) -> ObjectSchema:
        return obj(name, object_id, owner, when, modified, *extra)

    return {
        "companies": obj(
            "companies",
            object_id,
            modified,
            owner,
            field("name", "string", write=True),
            field(
                "type",
                "enumeration",
                write=True,
                values=("PARTNER", "PROSPECT", "RESELLER", "VENDOR", "OTHER"),
            ),
            field("alliance_tier", "enumeration", write=True, values=("strategic", "key", "standard")),
            field("executive_sponsor", "enumeration", write=True),
            field("sponsor_health", "enumeration", write=True, values=("green", "amber", "red")),
            field("sponsor_last_touch", "date", write=True),
            field("sponsor_health_reason", "string", write=True),
            field("sponsor_sync_stamp", "string", write=True),
        ),
        "contacts": obj(
            "contacts",
            object_id,
            owner,
            field("firstname", "string", write=True),
            field("lastname", "string", write=True),
            field("email", "string", write=True),
            field("jobtitle", "string", write=True),
            field("associatedcompanyid", "number", write=True),
            field("lastmodifieddate", "datetime"),
        ),
        "tasks": activity(
            "tasks",
            field("hs_task_subject", "string", write=True),
            field("hs_task_body", "string", write=True),
            field(
                "hs_task_status",
                "enumeration",
                write=True,
                values=("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
            ),
            field("hs_task_priority", "enumeration", write=True, values=("LOW", "MEDIUM", "HIGH", "NONE")),
            field("sponsor_sync_key", "string", write=True, key=True),
            field("sponsor_sync_stamp", "string", write=True),
            field("hs_updated_by_user_id", "number"),
            field("hs_task_completion_date", "datetime"),
        ),
        "meetings": activity(
            "meetings",
            field("hs_meeting_title", "string", write=True),
            field(
                "hs_meeting_outcome",
                "enumeration",
                write=True,
                values=("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"),
            ),
            field("hs_attendee_owner_ids", "enumeration", write=True),
        ),
        "calls": activity(
            "calls",
            field("hs_call_title", "string", write=True),
            field(
                "hs_call_status",
                "enumeration",
                write=True,
                values=("COMPLETED", "NO_ANSWER", "BUSY", "FAILED"),
            ),
        ),
        "emails": activity("emails", field("hs_email_subject", "string", write=True)),
        "notes": activity("notes", field("hs_note_body", "string", write=True)),
        "deals": obj(
            "deals",
            object_id,
            owner,
            modified,
            field("dealname", "string", write=True),
            field(
                "dealstage",
                "enumeration",
                write=True,
                values=("appointmentscheduled", "closedwon", "closedlost"),
            ),
            field("amount", "number", write=True),
            field("closedate", "datetime", write=True),
            field("hs_is_closed", "bool"),
            field("hs_is_closed_won", "bool"),
        ),
        "tickets": obj(
            "tickets",
            object_id,
            owner,
            modified,
            field("subject", "string", write=True),
            field(
                "hs_ticket_priority", "enumeration", write=True, values=("LOW", "MEDIUM", "HIGH", "URGENT")
            ),
            field("hs_pipeline_stage", "enumeration", write=True, values=("1", "2", "3", "4")),
            field("createdate", "datetime"),
            field("closed_date", "datetime", write=True),
        ),
    }
