"""The objects and fields the emulated org has: the Salesforce table of docs/ARCHITECTURE.md.

Each object keeps its records as tuples in the order of its fields (``Field.slot``), so a field's
value is ``row[field.slot]``. Names are matched case-insensitively through ``SObject.field()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

TEXT_TYPES = frozenset(
    {"string", "textarea", "picklist", "combobox", "email", "phone", "url", "id", "reference"}
)
CLOSED_TASK_STATUSES = frozenset({"Completed", "Not Needed"})  # Not Needed: added by the admin, Closed ticked


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # id string textarea picklist reference boolean datetime date email phone url int double
    label: str
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist: tuple[str, ...] = ()
    default_value: str | None = None
    restricted: bool = False
    external_id: bool = False
    id_lookup: bool = False
    unique: bool = False
    case_sensitive: bool = False
    custom: bool = False
    calculated: bool = False  # derived by the emulator (Name, IsClosed, AccountId on activities, ...)
    computed: bool = False  # evaluated at read time against the clock (IsArchived)
    name_field: bool = False
    slot: int = -1

    @property
    def polymorphic(self) -> bool:
        return len(self.reference_to) > 1

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def required(self) -> bool:
        return not self.nillable and self.createable and not self.defaulted_on_create


@dataclass
class SObject:
    name: str
    key_prefix: str
    label: str
    label_plural: str
    fields: tuple[Field, ...]
    by_lower: dict[str, Field] = field(default_factory=dict)
    relationships: dict[str, Field] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()  # fields this org does not have (rows keep their slot)
    read_only: bool = False  # written by the org itself (history, Organization): no API create/update/delete

    def __post_init__(self) -> None:
        self.fields = tuple(replace(f, slot=i) for i, f in enumerate(self.fields))
        self.by_lower = {f.name.lower(): f for f in self.fields if f.name.lower() not in self.hidden}
        self.relationships = {
            f.relationship_name.lower(): f for f in self.fields if f.relationship_name is not None
        }

    def field(self, name: str) -> Field | None:
        return self.by_lower.get(name.lower())

    @property
    def visible_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.name.lower() not in self.hidden)

    def slot(self, name: str) -> int:
        return self.by_lower[name.lower()].slot

    @property
    def has_is_deleted(self) -> bool:
        return "isdeleted" in self.by_lower

    @property
    def is_activity(self) -> bool:
        return self.name in ("Task", "Event")

    @property
    def order_field(self) -> str:
        """The field rows are kept ordered by: SystemModstamp, or CreatedDate where rows never change."""
        return "SystemModstamp" if "systemmodstamp" in self.by_lower else "CreatedDate"


# -- field builders ------------------------------------------------------------------------------
def _id(label: str) -> Field:
    return Field(
        "Id", "id", label, 18, nillable=False, createable=False, updateable=False, defaulted_on_create=True,
        id_lookup=True,
    )  # fmt: skip


def _text(name: str, label: str, length: int = 255, **kw: object) -> Field:
    return Field(name, "string", label, length, **kw)  # type: ignore[arg-type]


def _ref(name: str, label: str, to: tuple[str, ...], rel: str, **kw: object) -> Field:
    return Field(name, "reference", label, 18, reference_to=to, relationship_name=rel, **kw)  # type: ignore[arg-type]


def _pick(name: str, label: str, values: tuple[str, ...], **kw: object) -> Field:
    return Field(name, "picklist", label, 255, picklist=values, **kw)  # type: ignore[arg-type]


def _readonly(f: Field) -> Field:
    return replace(f, createable=False, updateable=False)


def _audit() -> tuple[Field, ...]:
    system = {"nillable": False, "createable": False, "updateable": False, "defaulted_on_create": True}
    return (
        Field("CreatedDate", "datetime", "Created Date", **system),  # type: ignore[arg-type]
        _ref("CreatedById", "Created By ID", ("User",), "CreatedBy", **system),
        Field("LastModifiedDate", "datetime", "Last Modified Date", **system),  # type: ignore[arg-type]
        _ref("LastModifiedById", "Last Modified By ID", ("User",), "LastModifiedBy", **system),
        Field("SystemModstamp", "datetime", "System Modstamp", **system),  # type: ignore[arg-type]
    )


def _is_deleted() -> Field:
    return Field(
        "IsDeleted", "boolean", "Deleted", nillable=False, createable=False, updateable=False,
        defaulted_on_create=True,
    )  # fmt: skip


def _owner(polymorphic_with: str | None = None) -> Field:
    targets = (polymorphic_with, "User") if polymorphic_with else ("User",)
    return _ref("OwnerId", "Owner ID", targets, "Owner", nillable=False, defaulted_on_create=True)


def _name(label: str) -> Field:
    return _readonly(Field("Name", "string", label, 121, calculated=True, name_field=True, id_lookup=True))


INDUSTRIES = (
    "Agriculture", "Apparel", "Automotive", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment",
    "Environmental", "Finance", "Financial Services", "Food & Beverage", "Government", "Healthcare", "Hospitality",
    "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit", "Pharmaceuticals", "Recreation", "Retail",
    "Shipping", "Software", "Technology", "Telecommunications", "Transportation", "Utilities", "Other",
)  # fmt: skip
TASK_STATUSES = (
    "Not Started",
    "In Progress",
    "Completed",
    "Waiting on someone else",
    "Deferred",
    "Not Needed",
)
ACTIVITY_TYPES = ("Call", "Email", "Meeting", "Other")
TEAM_ROLES = (
    "Account Manager", "Channel Manager", "Executive Sponsor", "Lead Qualifier", "Pre-Sales Consultant",
    "Sales Manager", "Sales Rep", "Technical Sales Manager",
)  # fmt: skip
WHAT_TARGETS = ("Account", "Asset", "Campaign", "Case", "Contract", "Opportunity", "Order", "Product2")

USER = SObject(
    "User", "005", "User", "Users",
    (
        _id("User ID"),
        Field("Username", "string", "Username", 80, nillable=False, unique=True, id_lookup=True),
        _text("LastName", "Last Name", 80, nillable=False),
        _text("FirstName", "First Name", 40),
        _name("Full Name"),
        Field("Email", "email", "Email", 128, nillable=False, id_lookup=True),
        _text("Title", "Title", 80),
        _text("Department", "Department", 80),
        Field("IsActive", "boolean", "Active", nillable=False, defaulted_on_create=True),
        _readonly(_pick("UserType", "User Type", ("Standard", "PowerPartner", "CsnOnly", "Guest"))),
        _ref("ManagerId", "Manager ID", ("User",), "Manager"),
        *_audit(),
    ),
)  # fmt: skip

ACCOUNT = SObject(
    "Account", "001", "Account", "Accounts",
    (
        _id("Account ID"),
        _is_deleted(),
        Field("Name", "string", "Account Name", 255, nillable=False, name_field=True),
        _pick("Type", "Account Type", ("Partner", "Customer", "Prospect", "Other")),
        _pick("Industry", "Industry", INDUSTRIES),
        Field("Website", "url", "Website", 255),
        _owner(),
        *_audit(),
        _pick("Alliance_Tier__c", "Alliance Tier", ("Strategic", "Key", "Standard"), custom=True, restricted=True),
        _ref("Executive_Sponsor__c", "Executive Sponsor", ("User",), "Executive_Sponsor__r", custom=True),
        _pick("Sponsor_Health__c", "Sponsor Health", ("Green", "Amber", "Red"), custom=True, restricted=True),
        Field("Sponsor_Last_Touch__c", "date", "Sponsor Last Touch", custom=True),
        _text("Sponsor_Health_Reason__c", "Sponsor Health Reason", custom=True),
        _text("Sponsor_Sync_Stamp__c", "Sponsor Sync Stamp", custom=True),
        Field("Sponsor_Covered__c", "boolean", "Sponsor Covered", nillable=False, defaulted_on_create=True, custom=True),
    ),
)  # fmt: skip

CONTACT = SObject(
    "Contact", "003", "Contact", "Contacts",
    (
        _id("Contact ID"),
        _is_deleted(),
        _ref("AccountId", "Account ID", ("Account",), "Account"),
        _text("LastName", "Last Name", 80, nillable=False),
        _text("FirstName", "First Name", 40),
        _name("Full Name"),
        _text("Title", "Title", 128),
        Field("Phone", "phone", "Business Phone", 40),
        Field("Email", "email", "Email", 80, id_lookup=True),
        _text("Department", "Department", 80),
        _owner(),
        *_audit(),
    ),
)  # fmt: skip

_ACTIVITY_REFS = (
    _ref("WhoId", "Name ID", ("Contact", "Lead"), "Who"),
    _ref("WhatId", "Related To ID", WHAT_TARGETS, "What"),
)
_ARCHIVED = Field(
    "IsArchived", "boolean", "Archived", nillable=False, createable=False, updateable=False,
    defaulted_on_create=True, computed=True,
)  # fmt: skip
_ACTIVITY_ACCOUNT = _readonly(_ref("AccountId", "Account ID", ("Account",), "Account", calculated=True))

TASK = SObject(
    "Task", "00T", "Task", "Tasks",
    (
        _id("Activity ID"),
        *_ACTIVITY_REFS,
        Field("Subject", "combobox", "Subject", 255),
        Field("ActivityDate", "date", "Due Date Only"),
        _pick("Status", "Status", TASK_STATUSES, nillable=False, defaulted_on_create=True,
              default_value="Not Started", restricted=True),
        _pick("Priority", "Priority", ("High", "Normal", "Low"), nillable=False, defaulted_on_create=True,
              default_value="Normal", restricted=True),
        _owner("Group"),
        Field("Description", "textarea", "Description", 32000),
        _pick("Type", "Type", ACTIVITY_TYPES),
        _is_deleted(),
        _ACTIVITY_ACCOUNT,
        _readonly(Field("IsClosed", "boolean", "Closed", nillable=False, defaulted_on_create=True, calculated=True)),
        *_audit(),
        _ARCHIVED,
        Field("CompletedDateTime", "datetime", "Completed Date/Time", createable=False, updateable=False,
              calculated=True),
        _pick("TaskSubtype", "Task Subtype", ("Task", "Email", "Call"), restricted=True, updateable=False),
        # Activity custom fields: External ID yes, Unique not offered (docs/salesforce-activity-keys.md).
        _text("Sponsor_Sync_Key__c", "Sponsor Sync Key", custom=True, external_id=True, id_lookup=True),
        _text("Sponsor_Sync_Stamp__c", "Sponsor Sync Stamp", custom=True),
    ),
)  # fmt: skip

EVENT = SObject(
    "Event", "00U", "Event", "Events",
    (
        _id("Activity ID"),
        *_ACTIVITY_REFS,
        Field("Subject", "combobox", "Subject", 255),
        Field("ActivityDateTime", "datetime", "Due Date Time"),
        _readonly(Field("ActivityDate", "date", "Due Date Only", calculated=True)),
        Field("DurationInMinutes", "int", "Duration"),
        Field("StartDateTime", "datetime", "Start Date Time"),
        Field("EndDateTime", "datetime", "End Date Time"),
        Field("Description", "textarea", "Description", 32000),
        _ACTIVITY_ACCOUNT,
        _owner("Calendar"),
        _pick("Type", "Type", ACTIVITY_TYPES),
        _is_deleted(),
        *_audit(),
        _ARCHIVED,
        _pick("EventSubtype", "Event Subtype", ("Event",), restricted=True, updateable=False),
    ),
)  # fmt: skip

ACCOUNT_TEAM_MEMBER = SObject(
    "AccountTeamMember", "01M", "Account Team Member", "Account Team Members",
    (
        _id("Account Team Member ID"),
        _ref("AccountId", "Account ID", ("Account",), "Account", nillable=False, updateable=False),
        _ref("UserId", "User ID", ("User",), "User", nillable=False, updateable=False),
        _pick("TeamMemberRole", "Team Role", TEAM_ROLES),
        *_audit(),
        _is_deleted(),
    ),
)  # fmt: skip

OPPORTUNITY_STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
)  # fmt: skip
CLOSED_STAGES = frozenset({"Closed Won", "Closed Lost"})
WON_STAGES = frozenset({"Closed Won"})
CASE_STATUSES = ("New", "Working", "Escalated", "Closed")
CLOSED_CASE_STATUSES = frozenset({"Closed"})


def _derived_flag(name: str, label: str) -> Field:
    return _readonly(Field(name, "boolean", label, nillable=False, defaulted_on_create=True, calculated=True))


OPPORTUNITY = SObject(
    "Opportunity", "006", "Opportunity", "Opportunities",
    (
        _id("Opportunity ID"),
        _is_deleted(),
        _ref("AccountId", "Account ID", ("Account",), "Account"),
        Field("Name", "string", "Name", 120, nillable=False, name_field=True),
        Field("Description", "textarea", "Description", 32000),
        _pick("StageName", "Stage", OPPORTUNITY_STAGES, nillable=False),
        Field("Amount", "currency", "Amount"),
        Field("CloseDate", "date", "Close Date", nillable=False),
        _pick("Type", "Opportunity Type", ("Existing Business", "New Business")),
        _derived_flag("IsClosed", "Closed"),
        _derived_flag("IsWon", "Won"),
        _owner(),
        *_audit(),
    ),
)  # fmt: skip

CASE = SObject(
    "Case", "500", "Case", "Cases",
    (
        _id("Case ID"),
        _is_deleted(),
        _ref("ContactId", "Contact ID", ("Contact",), "Contact"),
        _ref("AccountId", "Account ID", ("Account",), "Account"),
        _text("Subject", "Subject"),
        Field("Description", "textarea", "Description", 32000),
        _pick("Status", "Status", CASE_STATUSES, default_value="New", defaulted_on_create=True),
        _pick("Priority", "Priority", ("High", "Medium", "Low"), default_value="Medium", defaulted_on_create=True),
        _pick("Origin", "Case Origin", ("Phone", "Email", "Web")),
        _derived_flag("IsClosed", "Closed"),
        Field("IsEscalated", "boolean", "Escalated", nillable=False, defaulted_on_create=True),
        _readonly(Field("ClosedDate", "datetime", "Closed Date", calculated=True)),
        _owner("Group"),
        *_audit(),
    ),
)  # fmt: skip

PARTNER_ROLES = (
    "System Integrator", "Agency", "Advertiser", "VAR/Reseller", "Distributor", "Developer", "Broker", "Lender",
    "Supplier", "Institution", "Contractor", "Dealer", "Consultant",
)  # fmt: skip
_PARTNER_ONLY = {"createable": False, "updateable": False}
# An opportunity's partner accounts. Read-only through the API, as in Salesforce (which creates
# these rows from Partner records); the sandbox's data files seed them.
OPPORTUNITY_PARTNER = SObject(
    "OpportunityPartner", "00J", "Opportunity Partner", "Opportunity Partners",
    (
        _id("Opportunity Partner ID"),
        _ref("OpportunityId", "Opportunity ID", ("Opportunity",), "Opportunity", nillable=False, **_PARTNER_ONLY),
        _ref("AccountToId", "Account ID", ("Account",), "AccountTo", nillable=False, **_PARTNER_ONLY),
        _pick("Role", "Role", PARTNER_ROLES, **_PARTNER_ONLY),
        Field("IsPrimary", "boolean", "Primary", nillable=False, defaulted_on_create=True, **_PARTNER_ONLY),  # type: ignore[arg-type]
        _is_deleted(),
        *_audit(),
    ),
    read_only=True,
)  # fmt: skip

# Everyone on an activity besides its owner (Shared Activities on): EventRelation holds the invitees
# (IsInvitee: users, contacts, resources) and the related contacts (IsParent) and record (IsWhat) of
# an event; TaskRelation the contacts (up to 50) and the record of a task. AccountId is derived.
_RELATION_TARGETS = ("Account", "Contact", "Lead", "Opportunity", "User")
_RELATION_ACCOUNT = _readonly(_ref("AccountId", "Account ID", ("Account",), "Account", calculated=True))


def _flag(name: str, label: str, **kw: object) -> Field:
    return Field(name, "boolean", label, nillable=False, defaulted_on_create=True, **kw)  # type: ignore[arg-type]


EVENT_RELATION = SObject(
    "EventRelation", "0RE", "Event Relation", "Event Relations",
    (
        _id("Event Relation ID"),
        _ref("RelationId", "Relation ID", _RELATION_TARGETS, "Relation", nillable=False, updateable=False),
        _ref("EventId", "Event ID", ("Event",), "Event", nillable=False, updateable=False),
        _pick("Status", "Status", ("New", "Declined", "Accepted"), default_value="New", restricted=True),
        Field("RespondedDate", "datetime", "Response Date"),
        _text("Response", "Response"),
        _flag("IsInvitee", "Is Invitee"),
        _flag("IsParent", "Is Parent"),
        _flag("IsWhat", "Is What", updateable=False),
        _RELATION_ACCOUNT,
        _is_deleted(),
        *_audit(),
    ),
)  # fmt: skip

TASK_RELATION = SObject(
    "TaskRelation", "0RT", "Task Relation", "Task Relations",
    (
        _id("Task Relation ID"),
        _ref("RelationId", "Relation ID", _RELATION_TARGETS, "Relation", nillable=False, updateable=False),
        _ref("TaskId", "Task ID", ("Task",), "Task", nillable=False, updateable=False),
        _flag("IsWhat", "Is What", updateable=False),
        _RELATION_ACCOUNT,
        _is_deleted(),
        *_audit(),
    ),
)  # fmt: skip
RELATIONS = frozenset({"eventrelation", "taskrelation"})
# Without Shared Activities, TaskRelation does not exist and EventRelation lists invitees only.
SHARED_ACTIVITIES_ONLY = {"eventrelation": frozenset({"isparent", "iswhat", "accountid"})}

# Field history (Salesforce's StandardObjectNameHistory model): one row per change of a tracked
# field, written by the org when an update changes it; never created, updated or deleted through the
# API. A custom field's rows name its API name in Field. DataType is the changed field's kind.
TRACKED_FIELDS: dict[str, tuple[str, ...]] = {"Account": ("Alliance_Tier__c", "Executive_Sponsor__c")}
HISTORY_DATA_TYPES = {"reference": "EntityId", "picklist": "DynamicEnum", "string": "Text", "date": "DateOnly",
                      "datetime": "DateTime", "boolean": "Boolean", "url": "Url", "email": "Email", "phone": "Phone"}  # fmt: skip
_HISTORY_ONLY = {"nillable": False, "createable": False, "updateable": False}
ACCOUNT_HISTORY = SObject(
    "AccountHistory", "017", "Account History", "Account History",
    (
        _id("Account History ID"),
        _is_deleted(),
        _ref("AccountId", "Account ID", ("Account",), "Account", **_HISTORY_ONLY),
        _ref("CreatedById", "Created By ID", ("User",), "CreatedBy", **_HISTORY_ONLY, defaulted_on_create=True),
        Field("CreatedDate", "datetime", "Created Date", defaulted_on_create=True, **_HISTORY_ONLY),  # type: ignore[arg-type]
        _pick("Field", "Changed Field", ("created", *TRACKED_FIELDS["Account"]), restricted=True, **_HISTORY_ONLY),
        _readonly(Field("DataType", "picklist", "Datatype", 40, picklist=tuple(sorted(set(HISTORY_DATA_TYPES.values()))),
                        restricted=True)),
        _readonly(Field("OldValue", "anyType", "Old Value", 255)),
        _readonly(Field("NewValue", "anyType", "New Value", 255)),
    ),
    read_only=True,
)  # fmt: skip
# object name -> (its history object, the history's reference to the record)
HISTORY_OF: dict[str, tuple[SObject, str]] = {"Account": (ACCOUNT_HISTORY, "AccountId")}

# Access: a permission set, the field-level security it grants and who it is assigned to (what
# `sponsorsync setup` creates so that new custom fields become visible to the integration user).
PERMISSION_SET = SObject(
    "PermissionSet", "0PS", "Permission Set", "Permission Sets",
    (
        _id("Permission Set ID"),
        Field("Name", "string", "Name", 80, nillable=False, unique=True, name_field=True),
        _text("Label", "Label", 80, nillable=False),
        Field("Description", "textarea", "Description", 255),
        Field("IsOwnedByProfile", "boolean", "Is Owned By Profile", nillable=False, createable=False,
              updateable=False, defaulted_on_create=True),
        *_audit(),
    ),
)  # fmt: skip
FIELD_PERMISSIONS = SObject(
    "FieldPermissions", "01k", "Field Permissions", "Field Permissions",
    (
        _id("Field Permissions ID"),
        _ref("ParentId", "Parent ID", ("PermissionSet",), "Parent", nillable=False, updateable=False),
        _text("SobjectType", "Sobject Type Name", 40, nillable=False, updateable=False),
        _text("Field", "Field Name", 255, nillable=False, updateable=False),
        _flag("PermissionsRead", "Read Access"),
        _flag("PermissionsEdit", "Edit Access"),
        *_audit(),
    ),
)  # fmt: skip
PERMISSION_SET_ASSIGNMENT = SObject(
    "PermissionSetAssignment", "0Pa", "Permission Set Assignment", "Permission Set Assignments",
    (
        _id("Permission Set Assignment ID"),
        _ref("PermissionSetId", "Permission Set ID", ("PermissionSet",), "PermissionSet", nillable=False,
             updateable=False),
        _ref("AssigneeId", "Assignee ID", ("User",), "Assignee", nillable=False, updateable=False),
        *_audit(),
    ),
)  # fmt: skip

# The org itself: one record, its id the organization id (00D...). Setup changes it, never the API:
# queryable and retrievable, not createable, updateable or deletable. TimeZoneSidKey is the org's
# default time zone (Setup > Company Information), an IANA name or "GMT"; a subset of Salesforce's
# values, each a zone of the time zone database.
TIME_ZONES = (
    "Pacific/Kiritimati", "Pacific/Chatham", "Pacific/Auckland", "Pacific/Tongatapu", "Pacific/Fiji",
    "Asia/Kamchatka", "Pacific/Guadalcanal", "Australia/Lord_Howe", "Australia/Sydney", "Australia/Brisbane",
    "Australia/Adelaide", "Australia/Darwin", "Asia/Seoul", "Asia/Tokyo", "Asia/Hong_Kong", "Asia/Manila",
    "Asia/Shanghai", "Asia/Singapore", "Asia/Taipei", "Australia/Perth", "Asia/Bangkok", "Asia/Ho_Chi_Minh",
    "Asia/Jakarta", "Asia/Rangoon", "Asia/Dhaka", "Asia/Kathmandu", "Asia/Colombo", "Asia/Kolkata",
    "Asia/Karachi", "Asia/Tashkent", "Asia/Yekaterinburg", "Asia/Kabul", "Asia/Dubai", "Asia/Tbilisi",
    "Asia/Yerevan", "Asia/Tehran", "Africa/Nairobi", "Asia/Baghdad", "Asia/Kuwait", "Asia/Riyadh",
    "Europe/Istanbul", "Europe/Moscow", "Africa/Cairo", "Africa/Johannesburg", "Asia/Jerusalem", "Europe/Athens",
    "Europe/Bucharest", "Europe/Helsinki", "Africa/Lagos", "Europe/Amsterdam", "Europe/Berlin", "Europe/Brussels",
    "Europe/Madrid", "Europe/Paris", "Europe/Prague", "Europe/Rome", "Europe/Stockholm", "Europe/Zurich",
    "Europe/Dublin", "Europe/Lisbon", "Europe/London", "GMT", "Atlantic/Cape_Verde", "Atlantic/South_Georgia",
    "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Santiago", "America/St_Johns",
    "America/Halifax", "America/Puerto_Rico", "Atlantic/Bermuda", "America/Caracas", "America/Bogota",
    "America/Indiana/Indianapolis", "America/Lima", "America/New_York", "America/Panama", "America/Chicago",
    "America/El_Salvador", "America/Mexico_City", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Tijuana", "America/Anchorage", "Pacific/Honolulu", "Pacific/Niue", "Pacific/Pago_Pago",
)  # fmt: skip
LANGUAGES = (
    "da", "de", "en_US", "es", "es_MX", "fi", "fr", "it", "ja", "ko", "nl_NL", "no", "pt_BR", "ru", "sv", "th",
    "zh_CN", "zh_TW",
)  # fmt: skip
LOCALES = (
    "de_AT", "de_CH", "de_DE", "en_AU", "en_CA", "en_GB", "en_IE", "en_IN", "en_NZ", "en_US", "es_ES", "es_MX",
    "fr_CA", "fr_FR", "it_IT", "ja_JP", "ko_KR", "nl_NL", "pt_BR", "sv_SE", "zh_CN",
)  # fmt: skip
_SETUP_ONLY = {"nillable": False, "createable": False, "updateable": False}
ORGANIZATION = SObject(
    "Organization", "00D", "Organization", "Organizations",
    (
        _id("Organization ID"),
        Field("Name", "string", "Name", 80, name_field=True, **_SETUP_ONLY),  # type: ignore[arg-type]
        _pick("TimeZoneSidKey", "Default Time Zone", TIME_ZONES, restricted=True, **_SETUP_ONLY),
        _pick("LanguageLocaleKey", "Language", LANGUAGES, restricted=True, **_SETUP_ONLY),
        _pick("DefaultLocaleSidKey", "Locale", LOCALES, restricted=True, **_SETUP_ONLY),
        *_audit(),
    ),
    read_only=True,
)  # fmt: skip

# The pseudo-object a polymorphic relationship (Who, What, Owner on activities) points at.
NAME = SObject(
    "Name", "000", "Name", "Names",
    (
        _id("Name ID"),
        _text("Name", "Name", 255),
        _text("FirstName", "First Name", 40),
        _text("LastName", "Last Name", 80),
        _text("Alias", "Alias", 8),
        Field("Email", "email", "Email", 128),
        Field("IsActive", "boolean", "Active"),
        Field("Phone", "phone", "Phone", 40),
        _text("Title", "Title", 80),
        _pick("Type", "Object Type", ("Account", "Contact", "Lead", "User", "Group", "Calendar")),
        _text("Username", "Username", 80),
    ),
)  # fmt: skip
NAME_USER_ONLY = frozenset({"alias", "email", "isactive", "phone", "title", "username"})

OBJECTS: dict[str, SObject] = {
    o.name.lower(): o
    for o in (
        USER,
        ACCOUNT,
        CONTACT,
        TASK,
        EVENT,
        ACCOUNT_TEAM_MEMBER,
        EVENT_RELATION,
        TASK_RELATION,
        ACCOUNT_HISTORY,
        OPPORTUNITY,
        CASE,
        OPPORTUNITY_PARTNER,
        PERMISSION_SET,
        FIELD_PERMISSIONS,
        PERMISSION_SET_ASSIGNMENT,
        ORGANIZATION,
    )
}
BY_PREFIX: dict[str, SObject] = {o.key_prefix: o for o in OBJECTS.values()}


def find_object(name: str) -> SObject | None:
    return OBJECTS.get(name.lower())


def org_objects(*, shared_activities: bool) -> dict[str, SObject]:
    """The objects an org shows: without Shared Activities there is no TaskRelation, and
    EventRelation has no IsParent, IsWhat or AccountId (it lists invitees only)."""
    if shared_activities:
        return dict(OBJECTS)
    found = {k: o for k, o in OBJECTS.items() if k != "taskrelation"}
    found["eventrelation"] = replace(EVENT_RELATION, hidden=SHARED_ACTIVITIES_ONLY["eventrelation"])
    return found
