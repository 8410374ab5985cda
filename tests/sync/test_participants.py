"""The mirror and the model without a CRM: everyone on an activity counts, and the admin's override
fields decide who is an executive."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from sponsorsync.sync.mirror import Mirror, Row
from sponsorsync.sync.model import Org, build_org
from sponsorsync.sync.store import StateStore
from tests.sync.builders import salesforce_mapping

TODAY = date(2026, 11, 29)


@pytest.fixture(params=["sqlite", "postgresql"])
def mirror(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mirror]:
    if request.param == "postgresql":
        from tests.support.postgres import new_org

        store = StateStore(tmp_path, url=request.getfixturevalue("postgres_server"), org=new_org())
    else:
        store = StateStore(tmp_path)
    try:
        yield Mirror(store)
    finally:
        store.db.close()


def _user(id: str, title: str | None, executive: bool | None = None) -> Row:
    return Row(id, {"id": id, "name": id.title(), "email": f"{id}@northwind.example", "title": title,
                    "active": True, "executive": executive})  # fmt: skip


def _contact(id: str, title: str, executive: bool | None = None) -> Row:
    return Row(id, {"id": id, "account_id": "001A", "first_name": id.title(), "last_name": "X", "title": title,
                    "email": f"{id}@partner.example", "partner_executive": executive})  # fmt: skip


def _activity(id: str, owner: str, contacts: list[str], attendees: list[str] | None = None, *,
              deleted: bool = False) -> Row:  # fmt: skip
    return Row(
        id,
        {"id": id, "owner_id": owner, "contact_ids": contacts, "account_id": "001A", "occurred_at": "2026-11-20",
         "kind": "meeting", "completed": True, "subject": "Review", "attendee_ids": attendees or []},
        deleted=deleted,
    )  # fmt: skip


def _relation(id: str, activity: str, person: str, *, is_record: bool = False, declined: bool = False) -> Row:
    return Row(id, {"id": id, "activity_id": activity, "person_id": person, "is_record": is_record,
                    "declined": declined})  # fmt: skip


def _org(mirror: Mirror) -> Org:
    with mirror.store.transaction():
        mirror.write(
            "users",
            "User",
            [
                _user("sponsor", "Chief Financial Officer"),
                _user("manager", "Alliance Manager"),
                _user("owner_no_title", None, executive=True),
                _user("vp_excluded", "VP Finance", executive=False),
            ],
            1,
        )
        account = {
            "id": "001A",
            "name": "Acme",
            "type": "Partner",
            "tier": "strategic",
            "sponsor_id": "sponsor",
        }
        mirror.write("accounts", "Account", [Row("001A", account)], 1)
        mirror.write(
            "contacts",
            "Contact",
            [
                _contact("cfo", "Chief Financial Officer"),
                _contact("am", "Account Manager", executive=True),
                _contact("ceo", "Chief Executive Officer", executive=False),
            ],
            1,
        )
        mirror.write(
            "activities",
            "Event",
            [
                _activity("e1", "manager", ["cfo"]),
                _activity("e2", "manager", ["ceo"], deleted=True),
                _activity("m1", "manager", ["am", "ceo"], attendees=["owner_no_title"]),
            ],
            1,
        )
        mirror.write(
            "participants",
            "EventRelation",
            [
                _relation("r1", "e1", "sponsor"),  # an invitee
                _relation("r2", "e1", "am"),  # a second contact (Shared Activities)
                _relation("r3", "e1", "001A", is_record=True),  # the account: not a person
                _relation("r4", "e1", "vp_excluded", declined=True),  # declined: did not attend
                _relation("r5", "e2", "sponsor"),  # on a deleted event
            ],
            1,
        )
    return build_org(mirror, salesforce_mapping(), TODAY, {})


def test_a_touch_counts_for_every_internal_user_and_partner_contact_on_it(mirror: Mirror) -> None:
    org = _org(mirror)
    counted = {key for key, t in org.touches.items() if t.count_365}
    assert counted == {
        ("manager", "cfo"), ("manager", "am"), ("sponsor", "cfo"), ("sponsor", "am"),  # e1
        ("manager", "ceo"), ("owner_no_title", "am"), ("owner_no_title", "ceo"),  # m1 (attendee owner)
    }  # fmt: skip
    assert org.touch("sponsor", "cfo") is not None
    assert org.touch("sponsor", "cfo").last_at == date(2026, 11, 20)  # type: ignore[union-attr]
    assert org.touch("vp_excluded", "cfo") is None  # declined


def test_override_fields_decide_who_is_an_executive(mirror: Mirror) -> None:
    org = _org(mirror)
    assert [c.id for c in org.executives["001A"]] == ["am", "cfo"]  # the CEO is excluded by the admin
    assert org.users["owner_no_title"].sponsor_level  # no title, marked executive
    assert not org.users["vp_excluded"].sponsor_level  # a VP by title, excluded
    assert org.users["sponsor"].sponsor_level
