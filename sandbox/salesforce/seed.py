"""What both ways of seeding the org (generated, or loaded from --data) produce, and the records
every org has: the integration user the API writes as, and the Organization record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sponsorsync.sandbox.orggen_records import COMPANY_NAME
from sponsorsync.sandbox.salesforce.ids import ORG_ID, make_id
from sponsorsync.sandbox.salesforce.schema import ORGANIZATION, USER, SObject
from sponsorsync.sandbox.salesforce.store import FIRST_NUMBER, Row

API_USERNAME = "integration@northwind.example"
DEFAULT_TIME_ZONE = "America/Los_Angeles"  # the default time zone a new US org gets
# The Organization record's own values (a data file may give others; the time zone is also the
# sandbox setting ``time_zone``).
ORGANIZATION_DEFAULTS: dict[str, str] = {
    "Name": COMPANY_NAME,
    "TimeZoneSidKey": DEFAULT_TIME_ZONE,
    "LanguageLocaleKey": "en_US",
    "DefaultLocaleSidKey": "en_US",
}
_DEFAULTS: dict[str, dict[str, Any]] = {
    "Task": {"Status": "Not Started", "Priority": "Normal", "TaskSubtype": "Task"},
    "Event": {"EventSubtype": "Event"},
    "User": {"IsActive": True, "UserType": "Standard"},
    "Case": {"Status": "New", "Priority": "Medium"},
}


@dataclass
class Seed:
    rows: dict[str, list[Row]]  # object name -> rows
    next_numbers: dict[str, int]  # object name -> the counter for the next new id
    api_user_id: str
    labels: dict[str, str] = field(default_factory=dict)  # "@id" label -> record id (data files)
    generated: Any = None  # the orggen.Org a generated org was rendered from
    org_id: str = ORG_ID  # the Organization record's id (00D...)


def row_from(obj: SObject, record_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A full record (every field) with Salesforce's defaults, then ``values``."""
    record: dict[str, Any] = {f.name: (False if f.type == "boolean" else None) for f in obj.fields}
    record.update(_DEFAULTS.get(obj.name, {}))
    record.update(values)
    record["Id"] = record_id
    return record


def api_user_row(stamp: int) -> Row:
    """The "Integration User" (005 number FIRST_NUMBER) that creates and modifies through the API."""
    user_id = make_id(USER.key_prefix, FIRST_NUMBER)
    record = row_from(
        USER,
        user_id,
        {
            "Username": API_USERNAME, "FirstName": "Integration", "LastName": "User",
            "Name": "Integration User", "Email": API_USERNAME, "CreatedDate": stamp,
            "CreatedById": user_id, "LastModifiedDate": stamp, "LastModifiedById": user_id,
            "SystemModstamp": stamp,
        },
    )  # fmt: skip
    return tuple(record[f.name] for f in USER.fields)


def organization_row(org_id: str, stamp: int, created_by: str) -> Row:
    """The org's one Organization record (id ``org_id``, 00D...), with ORGANIZATION_DEFAULTS."""
    audit = {"CreatedDate": stamp, "CreatedById": created_by, "LastModifiedDate": stamp,
             "LastModifiedById": created_by, "SystemModstamp": stamp}  # fmt: skip
    record = row_from(ORGANIZATION, org_id, {**ORGANIZATION_DEFAULTS, **audit})
    return tuple(record[f.name] for f in ORGANIZATION.fields)
