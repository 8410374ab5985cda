"""The properties each object type has in a fresh sandbox portal: HubSpot's own (the subset a
sponsorship sync touches, named and typed as in HubSpot) and sponsorsync's custom ones."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sponsorsync.sandbox.hubspot.derived import (
    DEAL_PIPELINE,
    DEAL_STAGES,
    TICKET_PIPELINE,
    TICKET_STAGES,
)
from sponsorsync.sandbox.hubspot.schema import Option, PropertyDef

CUSTOM_GROUP = "sponsorsync"
CUSTOM_STAMP = "2024-01-15T09:00:00.000Z"


def _opts(*pairs: tuple[str, str]) -> tuple[Option, ...]:
    return tuple(Option(label, value, i) for i, (label, value) in enumerate(pairs))


def _upper(*values: str) -> tuple[Option, ...]:
    return _opts(*((v.replace("_", " ").title(), v) for v in values))


def text(name: str, label: str, group: str, **kw: Any) -> PropertyDef:
    return PropertyDef(name, label, "string", "text", group, **kw)


def enum(name: str, label: str, group: str, options: tuple[Option, ...], **kw: Any) -> PropertyDef:
    return PropertyDef(name, label, "enumeration", "select", group, options=options, **kw)


def when(name: str, label: str, group: str, **kw: Any) -> PropertyDef:
    return PropertyDef(name, label, "datetime", "date", group, **kw)


def owner(name: str, label: str, group: str, **kw: Any) -> PropertyDef:
    return PropertyDef(
        name, label, "enumeration", "select", group, referenced="OWNER", external_options=True, **kw
    )


def custom(prop: PropertyDef) -> PropertyDef:
    return replace(prop, hubspot_defined=False, created_at=CUSTOM_STAMP, updated_at=CUSTOM_STAMP)


def _record_props(group: str, created: str, owner_label: str) -> list[PropertyDef]:
    return [
        PropertyDef(
            "hs_object_id", "Record ID", "number", "number", group, read_only=True,
            description="The unique ID for this record. This value is set automatically by HubSpot.",
        ),
        when(created, "Create Date", group, read_only=True),
        owner("hubspot_owner_id", owner_label, "sales_properties"),
    ]  # fmt: skip


INDUSTRIES = (
    "ACCOUNTING", "AIRLINES_AVIATION", "BANKING", "BIOTECHNOLOGY", "COMPUTER_HARDWARE",
    "COMPUTER_NETWORKING", "COMPUTER_SOFTWARE", "CONSULTING", "EDUCATION_MANAGEMENT",
    "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE", "INFORMATION_TECHNOLOGY_AND_SERVICES",
    "INSURANCE", "INTERNET", "LOGISTICS_AND_SUPPLY_CHAIN", "MANAGEMENT_CONSULTING", "MARKETING_AND_ADVERTISING",
    "RETAIL", "TELECOMMUNICATIONS", "UTILITIES",
)  # fmt: skip

CONTACT_PROPS = [
    *_record_props("contactinformation", "createdate", "Contact owner"),
    text("firstname", "First Name", "contactinformation", form_field=True),
    text("lastname", "Last Name", "contactinformation", form_field=True),
    text("email", "Email", "contactinformation", form_field=True),
    text("jobtitle", "Job Title", "contactinformation", form_field=True),
    PropertyDef("phone", "Phone Number", "string", "phonenumber", "contactinformation", form_field=True),
    text("company", "Company Name", "contactinformation", form_field=True),
    text("website", "Website URL", "contactinformation"),
    text("city", "City", "contactinformation"),
    text("country", "Country/Region", "contactinformation"),
    enum(
        "lifecyclestage", "Lifecycle Stage", "contactinformation",
        _opts(("Subscriber", "subscriber"), ("Lead", "lead"), ("Marketing Qualified Lead", "marketingqualifiedlead"),
              ("Sales Qualified Lead", "salesqualifiedlead"), ("Opportunity", "opportunity"),
              ("Customer", "customer"), ("Evangelist", "evangelist"), ("Other", "other")),
    ),
    PropertyDef(
        "associatedcompanyid", "Primary Associated Company ID", "number", "number", "contactinformation",
        read_only=True, description="HubSpot defined ID of a contact's primary associated company.",
    ),
    when("lastmodifieddate", "Last Modified Date", "contactinformation", read_only=True),
    when("hs_lastmodifieddate", "Object last modified date/time", "contactinformation", read_only=True, hidden=True),
]  # fmt: skip

COMPANY_PROPS = [
    *_record_props("companyinformation", "createdate", "Company owner"),
    when("hs_createdate", "Object create date/time", "companyinformation", read_only=True, hidden=True),
    text("name", "Company name", "companyinformation", form_field=True),
    text("domain", "Company Domain Name", "companyinformation", form_field=True),
    text("website", "Website URL", "companyinformation"),
    PropertyDef("description", "Description", "string", "textarea", "companyinformation"),
    PropertyDef("phone", "Phone Number", "string", "phonenumber", "companyinformation"),
    text("city", "City", "companyinformation"),
    text("country", "Country/Region", "companyinformation"),
    PropertyDef("numberofemployees", "Number of Employees", "number", "number", "companyinformation"),
    enum("industry", "Industry", "companyinformation", _upper(*INDUSTRIES)),
    PropertyDef(
        "type", "Type", "enumeration", "radio", "companyinformation",
        options=_opts(("Prospect", "PROSPECT"), ("Partner", "PARTNER"), ("Reseller", "RESELLER"),
                      ("Vendor", "VENDOR"), ("Other", "OTHER")),
        description="The optional classification of this company record - prospect, partner, etc.",
    ),
    when("hs_lastmodifieddate", "Last Modified Date", "company_activity", read_only=True),
    custom(enum("alliance_tier", "Alliance tier", CUSTOM_GROUP,
                _opts(("Strategic", "strategic"), ("Key", "key"), ("Standard", "standard")))),
    custom(owner("executive_sponsor", "Executive sponsor", CUSTOM_GROUP)),
    custom(enum("sponsor_health", "Sponsor health", CUSTOM_GROUP,
                _opts(("Green", "green"), ("Amber", "amber"), ("Red", "red")))),
    custom(PropertyDef("sponsor_last_touch", "Sponsor last touch", "date", "date", CUSTOM_GROUP)),
    custom(PropertyDef("sponsor_health_reason", "Sponsor health reason", "string", "textarea", CUSTOM_GROUP)),
    custom(text("sponsor_sync_stamp", "Sponsor sync stamp", CUSTOM_GROUP)),
    custom(PropertyDef("sponsor_covered", "Sponsor covered", "bool", "booleancheckbox", CUSTOM_GROUP,
                       options=_opts(("Yes", "true"), ("No", "false")))),
]  # fmt: skip


def _engagement(created_group: str, *own: PropertyDef) -> list[PropertyDef]:
    return [
        *_record_props(created_group, "hs_createdate", "Activity assigned to"),
        when("hs_lastmodifieddate", "Last Modified Date", created_group, read_only=True),
        # Who last changed it in HubSpot's UI; empty for changes made through a private app's token.
        PropertyDef(
            "hs_updated_by_user_id", "Updated by user ID", "number", "number", created_group, read_only=True
        ),
        when("hs_timestamp", "Activity date", created_group),
        *own,
    ]


TASK_PROPS = _engagement(
    "task",
    text("hs_task_subject", "Task Title", "task"),
    PropertyDef("hs_task_body", "Notes", "string", "html", "task"),
    enum("hs_task_status", "Task Status", "task",
         _opts(("Not Started", "NOT_STARTED"), ("In Progress", "IN_PROGRESS"), ("Waiting", "WAITING"),
               ("Completed", "COMPLETED"), ("Deferred", "DEFERRED"))),
    enum("hs_task_priority", "Priority", "task",
         _opts(("None", "NONE"), ("Low", "LOW"), ("Medium", "MEDIUM"), ("High", "HIGH"))),
    enum("hs_task_type", "Task Type", "task",
         _opts(("Call", "CALL"), ("Email", "EMAIL"), ("LinkedIn", "LINKED_IN"), ("To-do", "TODO"))),
    when("hs_task_completion_date", "Completed at", "task", read_only=True),
    custom(text("sponsor_sync_key", "Sponsor sync key", CUSTOM_GROUP, unique=True)),
    custom(text("sponsor_sync_stamp", "Sponsor sync stamp", CUSTOM_GROUP)),
)  # fmt: skip

MEETING_PROPS = _engagement(
    "meeting",
    text("hs_meeting_title", "Meeting name", "meeting"),
    PropertyDef("hs_meeting_body", "Meeting description", "string", "html", "meeting"),
    when("hs_meeting_start_time", "Start Time", "meeting"),
    when("hs_meeting_end_time", "End Time", "meeting"),
    enum("hs_meeting_outcome", "Meeting outcome", "meeting",
         _opts(("Scheduled", "SCHEDULED"), ("Completed", "COMPLETED"), ("Rescheduled", "RESCHEDULED"),
               ("No Show", "NO_SHOW"), ("Canceled", "CANCELED"))),
    # Internal attendees besides the owner: owner ids separated by ';' (a multi-select of owners).
    replace(owner("hs_attendee_owner_ids", "Attendee owner IDs", "meeting"), field_type="checkbox"),
)  # fmt: skip

CALL_PROPS = _engagement(
    "call",
    text("hs_call_title", "Call Title", "call"),
    PropertyDef("hs_call_body", "Call notes", "string", "html", "call"),
    enum("hs_call_direction", "Call direction", "call", _opts(("Inbound", "INBOUND"), ("Outbound", "OUTBOUND"))),
    enum("hs_call_status", "Call status", "call",
         _upper("BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED",
                "IN_PROGRESS", "NO_ANSWER", "QUEUED", "RINGING")),
    PropertyDef("hs_call_duration", "Call duration (ms)", "number", "number", "call"),
)  # fmt: skip

EMAIL_PROPS = _engagement(
    "email",
    text("hs_email_subject", "Email subject", "email"),
    PropertyDef("hs_email_text", "Email body", "string", "textarea", "email"),
    enum("hs_email_direction", "Email direction", "email",
         _opts(("Sent by CRM user", "EMAIL"), ("Received", "INCOMING_EMAIL"), ("Forwarded", "FORWARDED_EMAIL"))),
    enum("hs_email_status", "Email send status", "email", _upper("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT")),
)  # fmt: skip

NOTE_PROPS = _engagement("note", PropertyDef("hs_note_body", "Note body", "string", "html", "note"))


def _calculated_flag(name: str, label: str, group: str) -> PropertyDef:
    return PropertyDef(name, label, "bool", "calculation_equation", group, calculated=True, read_only=True)


DEAL_PROPS = [
    *_record_props("dealinformation", "createdate", "Deal owner"),
    text("dealname", "Deal Name", "dealinformation", form_field=True),
    PropertyDef("amount", "Amount", "number", "number", "dealinformation"),
    when("closedate", "Close Date", "dealinformation"),
    enum("pipeline", "Pipeline", "dealinformation", _opts(("Sales Pipeline", DEAL_PIPELINE))),
    enum("dealstage", "Deal Stage", "dealinformation", _opts(*DEAL_STAGES)),
    enum("dealtype", "Deal Type", "dealinformation",
         _opts(("New Business", "newbusiness"), ("Existing Business", "existingbusiness"))),
    _calculated_flag("hs_is_closed", "Is Deal Closed?", "dealinformation"),
    _calculated_flag("hs_is_closed_won", "Is Closed Won", "dealinformation"),
    when("hs_lastmodifieddate", "Last Modified Date", "dealinformation", read_only=True),
]  # fmt: skip

TICKET_PROPS = [
    *_record_props("ticketinformation", "createdate", "Ticket owner"),
    text("subject", "Ticket name", "ticketinformation", form_field=True),
    PropertyDef("content", "Ticket description", "string", "textarea", "ticketinformation"),
    enum("hs_pipeline", "Pipeline", "ticketinformation", _opts(("Support Pipeline", TICKET_PIPELINE))),
    enum("hs_pipeline_stage", "Ticket status", "ticketinformation", _opts(*TICKET_STAGES)),
    enum("hs_ticket_priority", "Priority", "ticketinformation",
         _opts(("Low", "LOW"), ("Medium", "MEDIUM"), ("High", "HIGH"), ("Urgent", "URGENT"))),
    enum("hs_ticket_category", "Category", "ticketinformation",
         _upper("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY")),
    when("closed_date", "Close date", "ticketinformation"),
    when("hs_lastmodifieddate", "Last Modified Date", "ticketinformation", read_only=True),
]  # fmt: skip

CATALOG: dict[str, list[PropertyDef]] = {
    "contacts": CONTACT_PROPS,
    "companies": COMPANY_PROPS,
    "tasks": TASK_PROPS,
    "meetings": MEETING_PROPS,
    "calls": CALL_PROPS,
    "emails": EMAIL_PROPS,
    "notes": NOTE_PROPS,
    "deals": DEAL_PROPS,
    "tickets": TICKET_PROPS,
}
