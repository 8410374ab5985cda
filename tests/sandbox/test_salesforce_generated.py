"""The generated org (sandbox/orggen.py) as Salesforce serves it: every orggen record
rendered into the right object and fields, read back through the unmodified simple-salesforce SDK."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.orggen import EXECUTIVES, Org
from sponsorsync.sandbox.salesforce import SalesforceEmulator
from sponsorsync.sandbox.server import SandboxServer
from tests.sandbox.salesforce_support import trusting_session

SIZE, SEED = 200, 0
SMALL_PAGES = {"Sforce-Query-Options": "batchSize=200"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Org]]:
    clock = Clock()
    emulator = SalesforceEmulator.generated(clock, SIZE, SEED)
    server = SandboxServer(emulator, clock, ca_dir=tmp_path_factory.mktemp("salesforce-generated")).start()
    sdk = Salesforce(instance_url=server.base_url, session_id=emulator.access_token, session=trusting_session(server.ca_path))  # fmt: skip
    org: Org = emulator.generated_org
    yield sdk, org
    server.stop()


def _all(sdk: Any, soql: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = sdk.query_all(soql, include_deleted=True)["records"]
    return records


def test_users_keep_the_executive_roster(served: tuple[Any, Org]) -> None:
    sdk, org = served
    users = {u["Email"]: u for u in _all(sdk, "SELECT Name, Email, Username, Title, IsActive FROM User")}
    assert len(users) == len(org.users) + 1  # and the Integration User
    for executive in EXECUTIVES:
        user = users[executive.email]
        assert (user["Title"], user["Username"]) == (executive.title, executive.email)
        assert user["Name"] == f"{executive.first_name} {executive.last_name}"
    assert sum(not u["IsActive"] for u in users.values()) == sum(not u.active for u in org.users)


def test_accounts_map_kind_tier_owner_and_sponsor(served: tuple[Any, Org]) -> None:
    sdk, org = served
    accounts = _all(sdk, "SELECT Name, Type, Alliance_Tier__c, Website, Owner.Email, Executive_Sponsor__r.Email FROM Account ORDER BY Id")  # fmt: skip
    emails = {u.key: u.email for u in org.users}
    expected = [
        (a.name, a.kind.capitalize(), a.tier.capitalize() if a.tier else None, f"https://{a.domain}", emails[a.owner],
         emails[a.sponsor] if a.sponsor is not None else None)
        for a in org.accounts
    ]  # fmt: skip
    found = [
        (a["Name"], a["Type"], a["Alliance_Tier__c"], a["Website"], a["Owner"]["Email"],
         a["Executive_Sponsor__r"]["Email"] if a["Executive_Sponsor__r"] else None)
        for a in accounts
    ]  # fmt: skip
    assert found == expected


def test_every_sponsor_is_also_an_account_team_member(served: tuple[Any, Org]) -> None:
    sdk, org = served
    members = _all(sdk, "SELECT AccountId, UserId, TeamMemberRole FROM AccountTeamMember")
    sponsors = {a["Id"]: a["Executive_Sponsor__c"] for a in _all(sdk, "SELECT Id, Executive_Sponsor__c FROM Account WHERE Executive_Sponsor__c != null")}  # fmt: skip
    assert len(sponsors) == sum(a.sponsor is not None for a in org.accounts)
    assert {(m["AccountId"], m["UserId"]) for m in members} == set(sponsors.items())
    assert {m["TeamMemberRole"] for m in members} == {"Executive Sponsor"}


def test_a_recently_appointed_sponsor_has_its_field_history_row(served: tuple[Any, Org]) -> None:
    """One AccountHistory row per alliance whose sponsor was named recently (``sponsor_since``):
    Executive_Sponsor__c set to the sponsor, by the account's owner, at that time; the account was
    modified then too. Sponsors named long ago have no row (before the history reaches)."""
    sdk, org = served
    recent = [a for a in org.accounts if a.sponsor_since is not None]
    assert recent
    rows = _all(sdk, "SELECT Account.Name, Field, DataType, OldValue, NewValue, CreatedBy.Email, CreatedDate, Account.LastModifiedDate FROM AccountHistory")  # fmt: skip
    emails = {u.key: u.email for u in org.users}
    sponsor_ids = {u["Email"]: u["Id"] for u in _all(sdk, "SELECT Id, Email FROM User")}
    assert sorted(
        (r["Account"]["Name"], r["Field"], r["DataType"], r["OldValue"], r["NewValue"], r["CreatedBy"]["Email"], r["CreatedDate"])
        for r in rows
    ) == sorted(
        (a.name, "Executive_Sponsor__c", "EntityId", None, sponsor_ids[emails[a.sponsor or 0]], emails[a.owner],
         a.sponsor_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"))
        for a in recent if a.sponsor_since is not None
    )  # fmt: skip
    assert all(r["Account"]["LastModifiedDate"] >= r["CreatedDate"] for r in rows)


def test_contacts_are_all_there_with_their_accounts(served: tuple[Any, Org]) -> None:
    sdk, org = served
    assert sdk.query("SELECT COUNT() FROM Contact")["totalSize"] == SIZE
    assert sdk.query("SELECT COUNT() FROM Contact WHERE AccountId = null")["totalSize"] == sum(c.account is None for c in org.contacts)  # fmt: skip
    first = org.contacts[0]
    (record,) = sdk.query(
        f"SELECT FirstName, LastName, Title, Email FROM Contact WHERE Email = '{first.email}'"
    )["records"]
    assert (record["FirstName"], record["LastName"], record["Title"]) == (
        first.first_name,
        first.last_name,
        first.title,
    )


def test_activities_become_tasks_and_events(served: tuple[Any, Org]) -> None:
    sdk, org = served
    kinds = Counter(a.kind for a in org.activities())
    tasks = Counter(
        (t["TaskSubtype"], t["Type"])
        for t in sdk.query_all_iter(
            "SELECT TaskSubtype, Type FROM Task", include_deleted=True, headers=SMALL_PAGES
        )
    )
    assert tasks == {
        ("Call", "Call"): kinds["call"],
        ("Email", "Email"): kinds["email"],
        ("Task", None): kinds["task"],
        ("Task", "Other"): kinds["note"],
    }
    assert sdk.query_all("SELECT Id FROM Event", include_deleted=True)["totalSize"] == kinds["meeting"]


def test_an_activity_keeps_its_contact_account_owner_and_times(served: tuple[Any, Org]) -> None:
    sdk, org = served
    meeting = next(a for a in org.activities() if a.kind == "meeting" and a.contact is not None)
    contact, owner = org.contacts[meeting.contact or 0], org.users[meeting.owner]
    start = meeting.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    (event,) = sdk.query_all(
        "SELECT Subject, Who.Name, What.Name, Owner.Email, DurationInMinutes, StartDateTime, EndDateTime FROM Event "
        f"WHERE StartDateTime = {meeting.at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')} AND Who.Name = "
        f"'{contact.first_name} {contact.last_name}'",
        include_deleted=True,
    )["records"]
    assert (event["Subject"], event["Owner"]["Email"], event["StartDateTime"]) == (
        meeting.subject,
        owner.email,
        start,
    )
    assert event["DurationInMinutes"] == meeting.duration_minutes
    if meeting.account is not None:
        assert event["What"]["Name"] == org.accounts[meeting.account].name


def test_closed_tasks_older_than_a_year_are_archived(served: tuple[Any, Org]) -> None:
    sdk, org = served
    cutoff = (org.now.date().toordinal()) - 365
    archived = sum(
        1
        for a in org.activities()
        if a.kind != "meeting" and a.completed and a.at.date().toordinal() < cutoff
    )
    assert archived > 0
    assert (
        sdk.query_all("SELECT Id FROM Task WHERE IsArchived = true", include_deleted=True)["totalSize"]
        == archived
    )
    visible = sdk.query("SELECT COUNT() FROM Task")["totalSize"]
    assert visible == sum(1 for a in org.activities() if a.kind != "meeting") - archived


def test_paging_through_every_task_with_small_pages(served: tuple[Any, Org]) -> None:
    sdk, org = served
    query = "SELECT Id, SystemModstamp FROM Task WHERE SystemModstamp >= 2000-01-01T00:00:00Z ORDER BY SystemModstamp ASC, Id ASC"  # fmt: skip
    first = sdk.query(query, include_deleted=True, headers=SMALL_PAGES)
    total = sum(1 for a in org.activities() if a.kind != "meeting")
    assert (first["totalSize"], len(first["records"])) == (total, 200)
    rows = list(sdk.query_all_iter(query, include_deleted=True, headers=SMALL_PAGES))
    keys = [(r["SystemModstamp"], r["Id"]) for r in rows]
    assert len(keys) == total > 2 * 200
    assert keys == sorted(keys)


def test_the_same_seed_gives_the_same_ids() -> None:
    clock = Clock()
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    one = SalesforceEmulator.generated(clock, 30, 7)
    two = SalesforceEmulator.generated(Clock(), 30, 7)
    for name in ("User", "Account", "Contact", "Task", "Event", "AccountTeamMember"):
        first, second = one.org.store.table(name), two.org.store.table(name)
        assert first is not None
        assert second is not None
        assert sorted(first.base) == sorted(second.base), name


def test_event_invitees_and_extra_contacts_are_event_relations(served: tuple[Any, Org]) -> None:
    sdk, org = served
    meetings = [a for a in org.activities() if a.kind == "meeting"]
    expected = Counter(
        [("user", org.users[u].email) for a in meetings for u in a.invitees]
        + [("contact", org.contacts[c].email) for a in meetings for c in a.others]
    )
    assert expected  # the generated org has invitees and multi-contact meetings
    rows = _all(
        sdk,
        "SELECT RelationId, EventId, IsInvitee, IsParent, IsWhat, Status, AccountId, IsDeleted FROM EventRelation",
    )
    users = {u["Id"]: u["Email"] for u in _all(sdk, "SELECT Id, Email FROM User")}
    contacts = {c["Id"]: c["Email"] for c in _all(sdk, "SELECT Id, Email FROM Contact")}
    found = Counter(
        ("user", users[r["RelationId"]])
        if r["RelationId"].startswith("005")
        else ("contact", contacts[r["RelationId"]])
        for r in rows
    )
    assert found == expected
    for r in rows:
        assert r["EventId"].startswith("00U")
        assert r["IsWhat"] is False
        assert r["IsInvitee"] is r["RelationId"].startswith("005")
        assert r["IsParent"] is r["RelationId"].startswith("003")
        assert (r["AccountId"] is not None) is r["RelationId"].startswith("003")
