"""The generated org (sandbox/orggen.py) rendered into Salesforce records.

- the org -> its one Organization record (id ``ids.org_id(seed)``, the defaults of seed.py);
- users -> User (executives keep their titles; username = e-mail); the integration user comes first;
- accounts -> Account (kind -> Type, tier -> Alliance_Tier__c, sponsor -> Executive_Sponsor__c and an
  AccountTeamMember with TeamMemberRole "Executive Sponsor", owner -> OwnerId); a sponsor appointed
  recently (``sponsor_since``) -> an AccountHistory row for Executive_Sponsor__c at that time, by the owner;
- contacts -> Contact;
- activities: call/email/task -> Task (TaskSubtype Call/Email/Task; Status Completed or Not Started),
  note -> Task with Type Other, meeting -> Event (StartDateTime/EndDateTime); WhoId = the contact,
  WhatId = the account.

Rows are built as tuples directly (a million activities at size 100,000), in the field order the
schema declares; ``_check_order`` keeps the two in step.
"""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Any, Protocol

from sponsorsync.sandbox.salesforce.ids import id_maker, org_id
from sponsorsync.sandbox.salesforce.schema import (
    ACCOUNT,
    ACCOUNT_HISTORY,
    ACCOUNT_TEAM_MEMBER,
    CASE,
    CONTACT,
    EVENT,
    EVENT_RELATION,
    OPPORTUNITY,
    OPPORTUNITY_PARTNER,
    TASK,
    USER,
    SObject,
)
from sponsorsync.sandbox.salesforce.seed import Seed, api_user_row, organization_row
from sponsorsync.sandbox.salesforce.store import FIRST_NUMBER, Row
from sponsorsync.sandbox.salesforce.values import to_ms

_TYPES = {"partner": "Partner", "customer": "Customer", "prospect": "Prospect", "other": "Other"}
_SUBTYPES = {
    "call": ("Call", "Call"),
    "email": ("Email", "Email"),
    "task": ("Task", None),
    "note": ("Task", "Other"),
}
_ORDERS = {
    "User": ("Id", "Username", "LastName", "FirstName", "Name", "Email", "Title", "Department", "IsActive",
             "UserType", "ManagerId", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"),
    "Account": ("Id", "IsDeleted", "Name", "Type", "Industry", "Website", "OwnerId", "CreatedDate", "CreatedById",
                "LastModifiedDate", "LastModifiedById", "SystemModstamp", "Alliance_Tier__c",
                "Executive_Sponsor__c", "Sponsor_Health__c", "Sponsor_Last_Touch__c", "Sponsor_Health_Reason__c",
                "Sponsor_Sync_Stamp__c", "Sponsor_Covered__c"),
    "Contact": ("Id", "IsDeleted", "AccountId", "LastName", "FirstName", "Name", "Title", "Phone", "Email",
                "Department", "OwnerId", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
                "SystemModstamp"),
    "Task": ("Id", "WhoId", "WhatId", "Subject", "ActivityDate", "Status", "Priority", "OwnerId", "Description",
             "Type", "IsDeleted", "AccountId", "IsClosed", "CreatedDate", "CreatedById", "LastModifiedDate",
             "LastModifiedById", "SystemModstamp", "IsArchived", "CompletedDateTime", "TaskSubtype",
             "Sponsor_Sync_Key__c", "Sponsor_Sync_Stamp__c"),
    "Event": ("Id", "WhoId", "WhatId", "Subject", "ActivityDateTime", "ActivityDate", "DurationInMinutes",
              "StartDateTime", "EndDateTime", "Description", "AccountId", "OwnerId", "Type", "IsDeleted",
              "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp", "IsArchived",
              "EventSubtype"),
    "AccountTeamMember": ("Id", "AccountId", "UserId", "TeamMemberRole", "CreatedDate", "CreatedById",
                          "LastModifiedDate", "LastModifiedById", "SystemModstamp", "IsDeleted"),
    "EventRelation": ("Id", "RelationId", "EventId", "Status", "RespondedDate", "Response", "IsInvitee", "IsParent",
                      "IsWhat", "AccountId", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                      "LastModifiedById", "SystemModstamp"),
    "AccountHistory": ("Id", "IsDeleted", "AccountId", "CreatedById", "CreatedDate", "Field", "DataType", "OldValue",
                       "NewValue"),
    "Opportunity": ("Id", "IsDeleted", "AccountId", "Name", "Description", "StageName", "Amount", "CloseDate", "Type",
                    "IsClosed", "IsWon", "OwnerId", "CreatedDate", "CreatedById", "LastModifiedDate",
                    "LastModifiedById", "SystemModstamp"),
    "OpportunityPartner": ("Id", "OpportunityId", "AccountToId", "Role", "IsPrimary", "IsDeleted", "CreatedDate",
                           "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"),
    "Case": ("Id", "IsDeleted", "ContactId", "AccountId", "Subject", "Description", "Status", "Priority", "Origin",
             "IsClosed", "IsEscalated", "ClosedDate", "OwnerId", "CreatedDate", "CreatedById", "LastModifiedDate",
             "LastModifiedById", "SystemModstamp"),
}  # fmt: skip


class _User(Protocol):
    key: int
    first_name: str
    last_name: str
    email: str
    title: str
    department: str
    active: bool
    created_at: datetime
    modified_at: datetime


def _check_order(obj: SObject) -> None:
    declared = tuple(f.name for f in obj.fields)
    if declared != _ORDERS[obj.name]:
        raise AssertionError(f"render.py builds {obj.name} rows in an order the schema no longer has")


for _obj in (
    USER, ACCOUNT, CONTACT, TASK, EVENT, ACCOUNT_TEAM_MEMBER, EVENT_RELATION, ACCOUNT_HISTORY, OPPORTUNITY, CASE,
    OPPORTUNITY_PARTNER,
):  # fmt: skip
    _check_order(_obj)


def _managers(people: list[Any], ids: list[str]) -> dict[int, str]:
    """User.ManagerId: the partnerships staff report to the head of partnerships, everyone else (the
    executives included) to the CEO, who reports to nobody."""
    by_title = {u.title: u.key for u in people}
    ceo, partnerships = by_title.get("Chief Executive Officer"), by_title.get("EVP, Global Partnerships")
    found: dict[int, str] = {}
    for u in people:
        boss = partnerships if u.department == "Partnerships" and u.key != partnerships else ceo
        if boss is not None and boss != u.key:
            found[u.key] = ids[boss]
    return found


def render(org: Any) -> Seed:
    """Salesforce rows for an ``orggen.Org``."""
    stamp = to_ms(org.now) // 1000 * 1000
    api_user = api_user_row(stamp)
    me = api_user[0]
    organization = org_id(org.seed)
    user_id, account_id, contact_id = id_maker("005"), id_maker("001"), id_maker("003")
    users = [user_id(FIRST_NUMBER + 1 + u.key) for u in org.users]
    accounts = [account_id(FIRST_NUMBER + a.key) for a in org.accounts]
    contacts = [contact_id(FIRST_NUMBER + c.key) for c in org.contacts]
    rows: dict[str, list[Row]] = {
        "User": [api_user],
        "Organization": [organization_row(organization, stamp, me)],
    }
    managers = _managers(org.users, users)
    for u in org.users:
        created, modified = to_ms(u.created_at), to_ms(u.modified_at)
        rows["User"].append(
            (users[u.key], u.email, u.last_name, u.first_name, f"{u.first_name} {u.last_name}", u.email, u.title,
             u.department, u.active, "Standard", managers.get(u.key), created, me, modified, me, modified)
        )  # fmt: skip
    team_id, history_id = id_maker("01M"), id_maker("017")
    rows["Account"], rows["AccountTeamMember"], rows["AccountHistory"] = [], [], []
    for a in org.accounts:
        created, modified = to_ms(a.created_at), to_ms(a.modified_at)
        sponsor = users[a.sponsor] if a.sponsor is not None else None
        if sponsor is not None and a.sponsor_since is not None:
            # The owner named the sponsor then: the field history's row, and the account changed then.
            since = to_ms(a.sponsor_since) // 1000 * 1000
            modified = max(modified, since)
            rows["AccountHistory"].append(
                (history_id(FIRST_NUMBER + len(rows["AccountHistory"])), False, accounts[a.key], users[a.owner],
                 since, "Executive_Sponsor__c", "EntityId", None, sponsor)
            )  # fmt: skip
        rows["Account"].append(
            (accounts[a.key], False, a.name, _TYPES.get(a.kind, "Other"), a.industry, f"https://{a.domain}",
             users[a.owner], created, me, modified, me, modified, a.tier.capitalize() if a.tier else None,
             sponsor, None, None, None, None, False)
        )  # fmt: skip
        if sponsor is not None:
            number = FIRST_NUMBER + len(rows["AccountTeamMember"])
            rows["AccountTeamMember"].append(
                (team_id(number), accounts[a.key], sponsor, "Executive Sponsor", created, me, created, me, created, False)
            )  # fmt: skip
    contact_accounts: list[str | None] = []
    rows["Contact"] = []
    for c in org.contacts:
        created, modified = to_ms(c.created_at), to_ms(c.modified_at)
        account = accounts[c.account] if c.account is not None else None
        contact_accounts.append(account)
        rows["Contact"].append(
            (contacts[c.key], False, account, c.last_name, c.first_name, f"{c.first_name} {c.last_name}", c.title,
             c.phone, c.email, c.department, users[c.owner], created, me, modified, me, modified)
        )  # fmt: skip
    tasks, events, relations = _activities(org, users, accounts, contacts, contact_accounts, me)
    rows["Task"], rows["Event"], rows["EventRelation"] = tasks, events, relations
    rows["Opportunity"], rows["Case"] = _pipeline(org, users, accounts, contacts, me)
    numbers = {
        "User": FIRST_NUMBER + 1 + len(org.users),
        "Account": FIRST_NUMBER + len(org.accounts),
        "Contact": FIRST_NUMBER + len(org.contacts),
        "Task": FIRST_NUMBER + len(tasks),
        "Event": FIRST_NUMBER + len(events),
        "AccountTeamMember": FIRST_NUMBER + len(rows["AccountTeamMember"]),
        "EventRelation": FIRST_NUMBER + len(relations),
        "AccountHistory": FIRST_NUMBER + len(rows["AccountHistory"]),
        "Opportunity": FIRST_NUMBER + len(rows["Opportunity"]),
        "Case": FIRST_NUMBER + len(rows["Case"]),
    }
    return Seed(rows=rows, next_numbers=numbers, api_user_id=me, generated=org, org_id=organization)


def _activities(
    org: Any,
    users: list[str],
    accounts: list[str],
    contacts: list[str],
    contact_accounts: list[str | None],
    me: str,
) -> tuple[list[Row], list[Row], list[Row]]:
    task_id, event_id, relation_id = id_maker("00T"), id_maker("00U"), id_maker("0RE")
    # Ids are given in the order the records were created, as Salesforce gives them, not in the
    # generator's order (contact by contact): a task's contact does not follow its Id, as in a real
    # org, which is what a full pull's rows look like to the state database.
    pending_tasks: list[tuple[int, Row]] = []
    pending_events: list[tuple[int, Row, list[Row]]] = []  # the event, then its relations, without ids
    days: dict[int, str] = {}  # one shared string per calendar day
    for a in org.activities():
        at = to_ms(a.at)
        day_number = at // 86_400_000
        day = days.get(day_number)
        if day is None:
            day = days[day_number] = a.at.date().isoformat()
        created, modified = to_ms(a.created_at), to_ms(a.modified_at)
        who = contacts[a.contact] if a.contact is not None else None
        what = accounts[a.account] if a.account is not None else None
        account = what or (contact_accounts[a.contact] if a.contact is not None else None)
        owner = users[a.owner]
        if a.kind == "meeting":
            end = at + a.duration_minutes * 60_000
            event = (who, what, a.subject, at, day, a.duration_minutes, at, end,
                     None, account, owner, "Meeting", False, created, me, modified, me, modified, False, "Event")  # fmt: skip
            invited: list[Row] = [
                (users[user], "Accepted", created, None, True, False, False, None, False, created, me, created, me,
                 created)
                for user in a.invitees
            ]  # fmt: skip
            invited += [
                (contacts[other], "New", None, None, False, True, False, contact_accounts[other], False, created, me,
                 created, me, created)
                for other in a.others
            ]  # fmt: skip
            pending_events.append((created, event, invited))
            continue
        subtype, kind = _SUBTYPES[a.kind]
        done = a.completed
        pending_tasks.append(
            (created, (who, what, a.subject, day, "Completed" if done else "Not Started", "Normal", owner, None, kind,
                       False, account, done, created, me, modified, me, modified, False, at if done else None,
                       subtype, None, None))
        )  # fmt: skip
    pending_tasks.sort(key=itemgetter(0))  # stable: records created together keep the generator's order
    pending_events.sort(key=itemgetter(0))
    tasks: list[Row] = [(task_id(FIRST_NUMBER + n), *row) for n, (_, row) in enumerate(pending_tasks)]
    events: list[Row] = []
    relations: list[Row] = []  # invitees and extra contacts of events (not the WhoId / WhatId rows)
    for _, event, invited in pending_events:
        this = event_id(FIRST_NUMBER + len(events))
        events.append((this, *event))
        for person, *rest in invited:
            relations.append((relation_id(FIRST_NUMBER + len(relations)), person, this, *rest))
    return tasks, events, relations


_STAGES = {
    "prospecting": "Prospecting", "qualification": "Qualification", "proposal": "Proposal/Price Quote",
    "negotiation": "Negotiation/Review", "won": "Closed Won", "lost": "Closed Lost",
}  # fmt: skip
_PRIORITIES = {"low": "Low", "medium": "Medium", "high": "High", "urgent": "High"}


def _pipeline(
    org: Any, users: list[str], accounts: list[str], contacts: list[str], me: str
) -> tuple[list[Row], list[Row]]:
    """Opportunities and cases of the generated org (escalated cases: IsEscalated, status Escalated)."""
    deal_id, case_id = id_maker("006"), id_maker("500")
    deals: list[Row] = []
    for d in getattr(org, "deals", ()):
        created, modified = to_ms(d.created_at), to_ms(d.modified_at)
        deals.append(
            (deal_id(FIRST_NUMBER + d.key), False, accounts[d.account], d.name, None, _STAGES[d.stage], float(d.amount),
             d.close_at.date().isoformat(), "New Business", d.closed, d.stage == "won", users[d.owner], created, me,
             modified, me, modified)
        )  # fmt: skip
    cases: list[Row] = []
    for c in getattr(org, "cases", ()):
        created, modified = to_ms(c.created_at), to_ms(c.modified_at)
        closed = c.closed_at is not None
        status = "Closed" if closed else "Escalated" if c.escalated else "Working"
        cases.append(
            (case_id(FIRST_NUMBER + c.key), False, None if c.contact is None else contacts[c.contact],
             None if c.account is None else accounts[c.account], c.subject, None, status, _PRIORITIES[c.priority],
             "Email", closed, c.escalated, to_ms(c.closed_at) if closed else None, users[c.owner], created, me,
             modified, me, modified)
        )  # fmt: skip
    return deals, cases
