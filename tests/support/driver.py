"""A CRM-neutral view of the sandbox for end-to-end assertions and for what people do in the CRM
(log a meeting, complete or edit a task), through each CRM's own SDK over HTTPS."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import requests
from hubspot import HubSpot
from simple_salesforce.api import Salesforce
from urllib3.util.retry import Retry

from tests.support.sandbox import Sandbox


@dataclass(frozen=True)
class TaskView:
    key: str
    id: str
    subject: str
    body: str
    done: bool
    owner_id: str
    contact_id: str | None
    account_id: str | None
    due: str | None
    rule: str
    status: str = ""  # the CRM's status value (Completed, Not Needed, DEFERRED, ...)


class Driver(Protocol):
    def id_of(self, kind: str, label: str) -> str: ...
    def tasks(self) -> dict[str, TaskView]: ...
    def task_keys(self) -> list[str]:
        """Every sync key on a task in the CRM, repeats included (a duplicate shows twice)."""
        ...

    def log_touch(self, owner: str, contact: str, account: str, days_ago: int = 0) -> None: ...
    def add_contact(self, account: str, first: str, last: str, title: str) -> str:
        """A person adds a contact to an account; returns its id."""
        ...

    def remove_invitee(self, subject: str, user: str) -> None:
        """A person takes an internal attendee off the meeting with this subject."""
        ...

    def complete(self, task_id: str) -> None: ...
    def as_person(self, user: str) -> Driver:
        """The same CRM as a person sees it in the UI: changes are recorded as theirs (Salesforce
        LastModifiedById; HubSpot hs_updated_by_user_id)."""
        ...

    def reassign(self, task_id: str, user: str) -> None: ...
    def delete(self, task_id: str) -> None:
        """A person deletes a task (Salesforce: to the recycle bin; HubSpot: archived)."""
        ...

    def edit_subject(self, task_id: str, subject: str) -> None: ...
    def health(self, account: str) -> tuple[str | None, str | None]: ...
    def accounts(self) -> dict[str, AccountView]:
        """The write-back fields of every account, by account id."""
        ...

    def set_health_reason(self, account_id: str, reason: str | None) -> None:
        """A person edits (or, with None, clears) the health reason of an account."""
        ...

    def appoint_sponsor(self, account: str, user: str) -> None:
        """A person records ``user`` (label) as the executive sponsor of ``account`` (label)."""
        ...

    def create_deal(self, account: str, name: str, amount: float, close_in_days: int = 30) -> str:
        """A person opens a deal on an account (first stage of the pipeline); returns its id."""
        ...

    def move_deal(self, deal_id: str, stage: str) -> None:
        """A person moves a deal to another open stage (the CRM's own stage value)."""
        ...

    def close_deal(self, deal_id: str, *, won: bool) -> None: ...
    def create_case(
        self, subject: str, *, account: str | None = None, contact: str | None = None, escalated: bool = False
    ) -> str:
        """A person opens a case / ticket on an account or only a contact (labels); returns its id.
        Escalated: Salesforce IsEscalated; HubSpot priority HIGH (else MEDIUM)."""
        ...

    def escalate_case(self, case_id: str) -> None: ...
    def close_case(self, case_id: str) -> None: ...
    def delete_record(self, kind: str, record_id: str) -> None:
        """A person deletes a deal or a case (kind: deal | case)."""
        ...


# The CRM's own values for a deal's stages: the first open one, another open one, closed won / lost.
DEAL_STAGES = {
    "salesforce": ("Prospecting", "Negotiation/Review", "Closed Won", "Closed Lost"),
    "hubspot": ("appointmentscheduled", "contractsent", "closedwon", "closedlost"),
}


@dataclass(frozen=True)
class AccountView:
    """The health fields sponsorsync writes on an account (CRM values; dates as the CRM shows them)."""

    health: str | None
    last_touch: str | None
    reason: str | None
    covered: bool | None = None  # the coverage checkbox (written where the mapping maps it)


@dataclass(frozen=True)
class CrmState:
    """What sponsorsync is responsible for in the CRM: its tasks (by sync key, CRM ids left out, since
    a task recreated under the same key is the same task) and the accounts' health fields."""

    tasks: dict[str, TaskView]
    accounts: dict[str, AccountView]
    keys: list[str]  # every sync key on a task, repeats included

    def duplicates(self) -> list[str]:
        return sorted({key for key in self.keys if self.keys.count(key) > 1})


def crm_state(crm: Driver) -> CrmState:
    tasks = {key: replace(task, id="") for key, task in crm.tasks().items()}
    return CrmState(tasks, crm.accounts(), crm.task_keys())


CLOSED_HUBSPOT = ("COMPLETED", "DEFERRED")  # DEFERRED: the default mapping's closed-not-done status


def _rule(key: str) -> str:
    return key.split(":")[1]


class SalesforceDriver:
    def __init__(self, box: Sandbox, labels: dict[str, dict[str, str]], token: str | None = None) -> None:
        self.box = box
        env = box.server.env()
        session = requests.Session()
        session.trust_env = False
        session.verify = str(box.server.ca_path)
        self.sf = Salesforce(
            instance_url=env["SPONSORSYNC_SALESFORCE__INSTANCE_URL"],
            session_id=token or env["SPONSORSYNC_SALESFORCE__ACCESS_TOKEN"],
            session=session,
            object_pairs_hook=dict,
        )
        self.labels = labels  # kind -> label -> the value to find the record by (email or name)
        self._ids: dict[tuple[str, str], str] = {}

    def id_of(self, kind: str, label: str) -> str:
        if (kind, label) not in self._ids:
            value = self.labels[kind][label].replace("'", "\\'")
            soql = {
                "user": f"SELECT Id FROM User WHERE Email = '{value}'",
                "contact": f"SELECT Id FROM Contact WHERE Email = '{value}'",
                "account": f"SELECT Id FROM Account WHERE Name = '{value}'",
            }[kind]
            self._ids[(kind, label)] = self.sf.query(soql)["records"][0]["Id"]
        return self._ids[(kind, label)]

    def task_keys(self) -> list[str]:
        rows = self.sf.query_all("SELECT Sponsor_Sync_Key__c FROM Task WHERE Sponsor_Sync_Key__c != null")[
            "records"
        ]
        return [r["Sponsor_Sync_Key__c"] for r in rows]

    def tasks(self) -> dict[str, TaskView]:
        rows = self.sf.query_all(
            "SELECT Id, Sponsor_Sync_Key__c, Subject, Description, IsClosed, OwnerId, WhoId, WhatId, ActivityDate, "
            "Status "
            "FROM Task WHERE Sponsor_Sync_Key__c != null"
        )["records"]
        return {
            r["Sponsor_Sync_Key__c"]: TaskView(
                r["Sponsor_Sync_Key__c"], r["Id"], r["Subject"], r["Description"] or "", bool(r["IsClosed"]),
                r["OwnerId"], r["WhoId"], r["WhatId"], r["ActivityDate"], _rule(r["Sponsor_Sync_Key__c"]),
                r["Status"] or "",
            )
            for r in rows
        }  # fmt: skip

    def log_touch(self, owner: str, contact: str, account: str, days_ago: int = 0) -> None:
        start = (_now(self.box) - timedelta(days=days_ago, hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        self.sf.restful("sobjects/Event/", method="POST", json=
            {"Subject": "Met in person", "OwnerId": self.id_of("user", owner), "WhoId": self.id_of("contact", contact),
             "WhatId": self.id_of("account", account), "StartDateTime": start, "DurationInMinutes": 30}
        )  # fmt: skip

    def add_contact(self, account: str, first: str, last: str, title: str) -> str:
        email = f"{first}.{last}@partner.example".lower()
        body = {"FirstName": first, "LastName": last, "Title": title, "Email": email,
                "AccountId": self.id_of("account", account)}  # fmt: skip
        created: dict[str, Any] = self.sf.restful("sobjects/Contact/", method="POST", json=body) or {}
        return str(created["id"])

    def remove_invitee(self, subject: str, user: str) -> None:
        (event,) = self.sf.query(f"SELECT Id FROM Event WHERE Subject = '{subject}'")["records"]
        soql = f"SELECT Id FROM EventRelation WHERE EventId = '{event['Id']}' AND RelationId = '{self.id_of('user', user)}'"
        (relation,) = self.sf.query(soql)["records"]
        self.sf.restful(f"sobjects/EventRelation/{relation['Id']}", method="DELETE")

    def complete(self, task_id: str) -> None:
        self.sf.restful(f"sobjects/Task/{task_id}", method="PATCH", json={"Status": "Completed"})

    def delete(self, task_id: str) -> None:
        self.sf.restful(f"sobjects/Task/{task_id}", method="DELETE")

    def as_person(self, user: str) -> SalesforceDriver:
        # The sandbox's OAuth username-password flow logs in any of its users (one shared password).
        env = self.box.server.env()
        form = {"grant_type": "password", "client_id": "3MVG9sandbox.sponsorsync.consumer.key",
                "client_secret": "sandbox-consumer-secret", "username": self.labels["user"][user],
                "password": "sandbox-password" + "SandboxSecurityToken"}  # fmt: skip
        answer = requests.post(
            env["SPONSORSYNC_SALESFORCE__INSTANCE_URL"] + "/services/oauth2/token", data=form,
            verify=str(self.box.server.ca_path), timeout=30,
        )  # fmt: skip
        answer.raise_for_status()
        return SalesforceDriver(self.box, self.labels, token=answer.json()["access_token"])

    def reassign(self, task_id: str, user: str) -> None:
        self.sf.restful(
            f"sobjects/Task/{task_id}", method="PATCH", json={"OwnerId": self.id_of("user", user)}
        )

    def edit_subject(self, task_id: str, subject: str) -> None:
        self.sf.restful(f"sobjects/Task/{task_id}", method="PATCH", json={"Subject": subject})

    def health(self, account: str) -> tuple[str | None, str | None]:
        row: dict[str, Any] = self.sf.restful(f"sobjects/Account/{self.id_of('account', account)}") or {}
        return row.get("Sponsor_Health__c"), row.get("Sponsor_Last_Touch__c")

    def set_health_reason(self, account_id: str, reason: str | None) -> None:
        self.sf.restful(
            f"sobjects/Account/{account_id}", method="PATCH", json={"Sponsor_Health_Reason__c": reason}
        )

    def appoint_sponsor(self, account: str, user: str) -> None:
        body = {"Executive_Sponsor__c": self.id_of("user", user)}
        self.sf.restful(f"sobjects/Account/{self.id_of('account', account)}", method="PATCH", json=body)

    def create_deal(self, account: str, name: str, amount: float, close_in_days: int = 30) -> str:
        # A person picks the close date (a date field) on the org's calendar: its default time zone.
        zone = ZoneInfo(
            self.sf.query("SELECT TimeZoneSidKey FROM Organization")["records"][0]["TimeZoneSidKey"]
        )
        close = (_now(self.box).astimezone(zone) + timedelta(days=close_in_days)).date().isoformat()
        body = {"Name": name, "AccountId": self.id_of("account", account), "Amount": amount, "CloseDate": close,
                "StageName": DEAL_STAGES["salesforce"][0]}  # fmt: skip
        created: dict[str, Any] = self.sf.restful("sobjects/Opportunity/", method="POST", json=body) or {}
        return str(created["id"])

    def move_deal(self, deal_id: str, stage: str) -> None:
        self.sf.restful(f"sobjects/Opportunity/{deal_id}", method="PATCH", json={"StageName": stage})

    def close_deal(self, deal_id: str, *, won: bool) -> None:
        self.move_deal(deal_id, DEAL_STAGES["salesforce"][2 if won else 3])

    def create_case(
        self, subject: str, *, account: str | None = None, contact: str | None = None, escalated: bool = False
    ) -> str:
        body: dict[str, Any] = {"Subject": subject, "IsEscalated": escalated,
                                "Priority": "High" if escalated else "Medium"}  # fmt: skip
        if account is not None:
            body["AccountId"] = self.id_of("account", account)
        if contact is not None:
            body["ContactId"] = self.id_of("contact", contact)
        created: dict[str, Any] = self.sf.restful("sobjects/Case/", method="POST", json=body) or {}
        return str(created["id"])

    def escalate_case(self, case_id: str) -> None:
        self.sf.restful(f"sobjects/Case/{case_id}", method="PATCH", json={"IsEscalated": True})

    def close_case(self, case_id: str) -> None:
        self.sf.restful(f"sobjects/Case/{case_id}", method="PATCH", json={"Status": "Closed"})

    def delete_record(self, kind: str, record_id: str) -> None:
        sobject = {"deal": "Opportunity", "case": "Case"}[kind]
        self.sf.restful(f"sobjects/{sobject}/{record_id}", method="DELETE")

    def accounts(self) -> dict[str, AccountView]:
        rows = self.sf.query_all(
            "SELECT Id, Sponsor_Health__c, Sponsor_Last_Touch__c, Sponsor_Health_Reason__c, Sponsor_Covered__c "
            "FROM Account"
        )["records"]
        return {
            r["Id"]: AccountView(
                r["Sponsor_Health__c"],
                r["Sponsor_Last_Touch__c"],
                r["Sponsor_Health_Reason__c"],
                bool(r["Sponsor_Covered__c"]),
            )
            for r in rows
        }


class HubSpotDriver:
    def __init__(self, box: Sandbox, labels: dict[str, dict[str, str]], token: str | None = None) -> None:
        self.box = box
        env = box.server.env()
        self.client = HubSpot(
            access_token=token or env["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"],
            host=env["SPONSORSYNC_HUBSPOT__BASE_URL"],
            ssl_ca_cert=str(box.server.ca_path),
            retry=Retry(0),
        )
        self.objects = self.client.crm.objects.basic_api
        self.owners = self.client.crm.owners.owners_api
        self.labels = labels
        self._ids: dict[tuple[str, str], str] = {}

    def _all(
        self, object_type: str, properties: list[str], associations: list[str] | None = None
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after = None
        while True:
            kwargs: dict[str, Any] = {"limit": 100, "properties": properties, "_preload_content": False}
            if associations:
                kwargs["associations"] = associations
            if after:
                kwargs["after"] = after
            page = json.loads(self.objects.get_page(object_type, **kwargs).data)
            found += page["results"]
            after = page.get("paging", {}).get("next", {}).get("after")
            if not after:
                return found

    def id_of(self, kind: str, label: str) -> str:
        if (kind, label) not in self._ids:
            value = self.labels[kind][label]
            if kind == "user":
                owners = json.loads(
                    self.owners.get_page(limit=500, archived=False, _preload_content=False).data
                )["results"]
                owners += json.loads(
                    self.owners.get_page(limit=500, archived=True, _preload_content=False).data
                )["results"]
                self._ids[(kind, label)] = next(str(o["id"]) for o in owners if o["email"] == value)
            else:
                object_type, prop = ("contacts", "email") if kind == "contact" else ("companies", "name")
                rows = self._all(object_type, [prop])
                self._ids[(kind, label)] = next(r["id"] for r in rows if r["properties"].get(prop) == value)
        return self._ids[(kind, label)]

    def task_keys(self) -> list[str]:
        rows = self._all("tasks", ["sponsor_sync_key"])
        return [r["properties"]["sponsor_sync_key"] for r in rows if r["properties"].get("sponsor_sync_key")]

    def associated(self, object_id: str, to_type: str, from_type: str = "tasks") -> list[str]:
        """The ids of the ``to_type`` records associated with a record (as HubSpot's v4 API lists them)."""
        page = self.client.crm.associations.v4.basic_api.get_page(from_type, object_id, to_type, limit=500)
        return sorted(str(r.to_object_id) for r in page.results)

    def tasks(self) -> dict[str, TaskView]:
        props = [
            "sponsor_sync_key",
            "hs_task_subject",
            "hs_task_body",
            "hs_task_status",
            "hubspot_owner_id",
            "hs_timestamp",
        ]
        found = {}
        for r in self._all("tasks", props, ["contacts", "companies"]):
            p = r["properties"]
            key = p.get("sponsor_sync_key")
            if not key:
                continue
            links = r.get("associations") or {}
            contact = next((a["id"] for a in links.get("contacts", {}).get("results", [])), None)
            company = next((a["id"] for a in links.get("companies", {}).get("results", [])), None)
            found[key] = TaskView(key, r["id"], p.get("hs_task_subject") or "", p.get("hs_task_body") or "",
                                  p.get("hs_task_status") in CLOSED_HUBSPOT, p.get("hubspot_owner_id") or "", contact, company,
                                  p.get("hs_timestamp"), _rule(key), p.get("hs_task_status") or "")  # fmt: skip
        return found

    def log_touch(self, owner: str, contact: str, account: str, days_ago: int = 0) -> None:
        when = (
            (_now(self.box) - timedelta(days=days_ago, hours=1))
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
        body = {
            "properties": {"hs_meeting_title": "Met in person", "hs_timestamp": when, "hs_meeting_outcome": "COMPLETED",
                           "hubspot_owner_id": self.id_of("user", owner)},
            "associations": [
                {"to": {"id": self.id_of("contact", contact)}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 200}]},
                {"to": {"id": self.id_of("account", account)}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 188}]},
            ],
        }  # fmt: skip
        self.objects.create("meetings", body, _preload_content=False)

    def add_contact(self, account: str, first: str, last: str, title: str) -> str:
        email = f"{first}.{last}@partner.example".lower()
        body = {
            "properties": {"firstname": first, "lastname": last, "jobtitle": title, "email": email},
            "associations": [{"to": {"id": self.id_of("account", account)},
                              "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}],
        }  # fmt: skip
        created = json.loads(self.objects.create("contacts", body, _preload_content=False).data)
        return str(created["id"])

    def remove_invitee(self, subject: str, user: str) -> None:
        rows = self._all("meetings", ["hs_meeting_title", "hs_attendee_owner_ids"])
        (meeting,) = [r for r in rows if r["properties"].get("hs_meeting_title") == subject]
        owner = self.id_of("user", user)
        kept = [
            o
            for o in (meeting["properties"].get("hs_attendee_owner_ids") or "").split(";")
            if o and o != owner
        ]
        body = {"properties": {"hs_attendee_owner_ids": ";".join(kept)}}
        self.objects.update("meetings", meeting["id"], body, _preload_content=False)

    def complete(self, task_id: str) -> None:
        self.objects.update(
            "tasks", task_id, {"properties": {"hs_task_status": "COMPLETED"}}, _preload_content=False
        )

    def delete(self, task_id: str) -> None:
        self.objects.archive("tasks", task_id, _preload_content=False)

    def as_person(self, user: str) -> HubSpotDriver:
        # The sandbox's stand-in for a person in HubSpot's UI: the app token marked with a user id.
        owner = self.owners.get_by_id(self.id_of("user", user), id_property="id")
        token = self.box.server.env()["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"] + f"~user-{owner.user_id}"
        return HubSpotDriver(self.box, self.labels, token=token)

    def reassign(self, task_id: str, user: str) -> None:
        body = {"properties": {"hubspot_owner_id": self.id_of("user", user)}}
        self.objects.update("tasks", task_id, body, _preload_content=False)

    def edit_subject(self, task_id: str, subject: str) -> None:
        self.objects.update(
            "tasks", task_id, {"properties": {"hs_task_subject": subject}}, _preload_content=False
        )

    def health(self, account: str) -> tuple[str | None, str | None]:
        row = json.loads(
            self.objects.get_by_id("companies", self.id_of("account", account),
                                   properties=["sponsor_health", "sponsor_last_touch"], _preload_content=False).data
        )  # fmt: skip
        return row["properties"].get("sponsor_health"), row["properties"].get("sponsor_last_touch")

    def set_health_reason(self, account_id: str, reason: str | None) -> None:
        self.objects.update(
            "companies",
            account_id,
            {"properties": {"sponsor_health_reason": reason or ""}},
            _preload_content=False,
        )

    def appoint_sponsor(self, account: str, user: str) -> None:
        self.objects.update(
            "companies",
            self.id_of("account", account),
            {"properties": {"executive_sponsor": self.id_of("user", user)}},
            _preload_content=False,
        )

    def create_deal(self, account: str, name: str, amount: float, close_in_days: int = 30) -> str:
        close = (_now(self.box) + timedelta(days=close_in_days)).isoformat(timespec="milliseconds")
        body = {
            "properties": {"dealname": name, "amount": str(amount), "closedate": close.replace("+00:00", "Z"),
                           "pipeline": "default", "dealstage": DEAL_STAGES["hubspot"][0]},
            "associations": [{"to": {"id": self.id_of("account", account)},
                              "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341}]}],
        }  # fmt: skip
        created = json.loads(self.objects.create("deals", body, _preload_content=False).data)
        return str(created["id"])

    def move_deal(self, deal_id: str, stage: str) -> None:
        self.objects.update("deals", deal_id, {"properties": {"dealstage": stage}}, _preload_content=False)

    def close_deal(self, deal_id: str, *, won: bool) -> None:
        self.move_deal(deal_id, DEAL_STAGES["hubspot"][2 if won else 3])

    def create_case(
        self, subject: str, *, account: str | None = None, contact: str | None = None, escalated: bool = False
    ) -> str:
        links = []
        if account is not None:
            links.append({"to": {"id": self.id_of("account", account)},
                          "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 339}]})  # fmt: skip
        if contact is not None:
            links.append({"to": {"id": self.id_of("contact", contact)},
                          "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]})  # fmt: skip
        properties = {"subject": subject, "hs_pipeline": "0", "hs_pipeline_stage": "1",
                      "hs_ticket_priority": "HIGH" if escalated else "MEDIUM"}  # fmt: skip
        created = json.loads(
            self.objects.create(
                "tickets", {"properties": properties, "associations": links}, _preload_content=False
            ).data
        )
        return str(created["id"])

    def escalate_case(self, case_id: str) -> None:
        body = {"properties": {"hs_ticket_priority": "URGENT"}}
        self.objects.update("tickets", case_id, body, _preload_content=False)

    def close_case(self, case_id: str) -> None:
        body = {"properties": {"hs_pipeline_stage": "4"}}
        self.objects.update("tickets", case_id, body, _preload_content=False)

    def delete_record(self, kind: str, record_id: str) -> None:
        self.objects.archive({"deal": "deals", "case": "tickets"}[kind], record_id, _preload_content=False)

    def accounts(self) -> dict[str, AccountView]:
        names = ["sponsor_health", "sponsor_last_touch", "sponsor_health_reason", "sponsor_covered"]
        rows = self._all("companies", names)
        return {
            r["id"]: AccountView(
                r["properties"].get("sponsor_health") or None,
                r["properties"].get("sponsor_last_touch") or None,
                r["properties"].get("sponsor_health_reason") or None,
                r["properties"].get("sponsor_covered") == "true",
            )
            for r in rows
        }


def _now(box: Sandbox) -> datetime:
    """The sandbox's clock (tests move it forward to simulate weeks)."""
    return datetime.fromisoformat(box.admin.now().replace("Z", "+00:00")).astimezone(UTC)


def driver_for(box: Sandbox, labels: dict[str, dict[str, str]]) -> Driver:
    return SalesforceDriver(box, labels) if box.crm == "salesforce" else HubSpotDriver(box, labels)
