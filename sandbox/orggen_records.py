"""The records of the synthetic org (CRM-neutral) and the internal company's fixed executive team.

Imported through :mod:`sandbox.orggen`; kept apart so the activity stream can build
records without importing the generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

AccountKind = Literal["partner", "customer", "prospect", "other"]
Tier = Literal["strategic", "key", "standard"]
ActivityKind = Literal["call", "meeting", "email", "task", "note"]
RelationshipState = Literal["active", "cooling", "cold", "never"]

DAY = 86_400  # seconds; timestamps are kept as offsets in seconds before `now` while generating

COMPANY_NAME = "Northwind Systems"
COMPANY_DOMAIN = "northwind.example"


def round_half_up(x: float) -> int:
    """Round a non-negative share to a count, halves up (``round`` rounds halves to even)."""
    return int(x + 0.5)


@dataclass(frozen=True, slots=True)
class Executive:
    first_name: str
    last_name: str
    email: str
    title: str
    department: str


def _executive(first_name: str, last_name: str, title: str, department: str) -> Executive:
    local = f"{first_name}.{last_name}".lower().replace("'", "")
    return Executive(first_name, last_name, f"{local}@{COMPANY_DOMAIN}", title, department)


EXECUTIVES: tuple[Executive, ...] = (
    _executive("Ava", "Chen", "Chief Executive Officer", "Executive"),
    _executive("Marcus", "Reid", "Chief Technology Officer", "Engineering"),
    _executive("Priya", "Natarajan", "Chief Revenue Officer", "Sales"),
    _executive("Daniel", "Okafor", "Chief Financial Officer", "Finance"),
    _executive("Sofia", "Lindqvist", "Chief Marketing Officer", "Marketing"),
    _executive("James", "Whitaker", "Chief Operating Officer", "Operations"),
    _executive("Elena", "Petrova", "Chief Product Officer", "Product"),
    _executive("Tom", "Becker", "EVP, Global Partnerships", "Partnerships"),
    _executive("Grace", "Liu", "SVP Engineering", "Engineering"),
    _executive("Rafael", "Ortega", "SVP Sales, Americas", "Sales"),
    _executive("Hannah", "Weiss", "SVP Customer Success", "Customer Success"),
    _executive("Kenji", "Watanabe", "VP Alliances, APAC", "Partnerships"),
    _executive("Olivia", "Brooks", "VP Product Marketing", "Marketing"),
    _executive("Samuel", "Adeyemi", "VP Finance", "Finance"),
    _executive("Claire", "Dubois", "VP Sales, EMEA", "Sales"),
    _executive("Noah", "Fischer", "VP Engineering, Platform", "Engineering"),
    _executive("Isabel", "Moreno", "VP Partnerships, LATAM", "Partnerships"),
    _executive("Liam", "O'Connor", "VP Operations", "Operations"),
)
# The executive who left the company: deactivated in every org, still named as a sponsor.
DEPARTED_EXECUTIVE = len(EXECUTIVES) - 1


@dataclass(frozen=True, slots=True)
class OrgUser:
    key: int
    first_name: str
    last_name: str
    email: str
    title: str
    department: str
    active: bool
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True, slots=True)
class OrgAccount:
    key: int
    name: str
    domain: str
    industry: str
    kind: AccountKind
    tier: Tier | None
    owner: int
    sponsor: int | None
    created_at: datetime
    modified_at: datetime
    # When the current sponsor was named (the field history's last change), for the few alliances
    # whose sponsor was appointed recently; None: named long ago, before the CRM's history reaches.
    sponsor_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrgContact:
    key: int
    account: int | None
    first_name: str
    last_name: str
    email: str
    title: str | None
    phone: str | None
    department: str | None
    owner: int
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True, slots=True)
class OrgActivity:
    key: int
    kind: ActivityKind
    subject: str
    at: datetime
    duration_minutes: int
    owner: int
    contact: int | None
    account: int | None
    completed: bool
    created_at: datetime
    modified_at: datetime
    invitees: tuple[int, ...] = ()  # internal users on it besides the owner (invited / attending)
    others: tuple[int, ...] = ()  # partner contacts on it besides `contact`


@dataclass(frozen=True, slots=True)
class OrgRelationship:
    """Ground truth for one sponsored alliance: the partner executive picked as the sponsor's
    counterpart and how their engagement stands. ``last_touch`` is the latest completed call,
    meeting or e-mail of the sponsor (as owner or invitee) with that contact (None for "never")."""

    account: int
    sponsor: int
    contact: int | None
    state: RelationshipState
    last_touch: datetime | None
