"""Hostile and messy CRM data, on both CRMs: quotes and apostrophes (and a name built to break a
SOQL string), emoji and right-to-left text, titles as long as the CRM allows, empty and missing
fields, duplicate e-mails, contacts without an account, activities pointing at deleted records, a
sponsor who is also on record as a partner contact, and an alliance with 500 executives.

One org holds all of it (tests/support/orgs.py renders it for each CRM). A real `sync run` must
complete (exit 0), write exactly the expected tasks with the text intact, and a second run must
find nothing to write (no value the CRM echoes back differently is rewritten forever).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sponsorsync.mappings.loader import default_mapping_path
from tests.support import orgs
from tests.support.cli import CliResult, invoke, run
from tests.support.driver import CrmState, Driver, TaskView, crm_state, driver_for
from tests.support.orgs import AVA, MARCUS, MIA, TOM, Account, Activity, Contact, User
from tests.support.sandbox import Sandbox, running_sandbox

TITLE_LIMIT = {"salesforce": 128, "hubspot": 1000}  # Salesforce's Contact.Title is 128 characters
NAME_LIMIT = 255  # Salesforce's Account.Name
SUBJECT_LIMIT = 255

SHAUN = User("shaun", "Shaun", "O'Brien", "VP Alliances")
NOOR = User("noor", "نور", "الهاشمي", "Chief Revenue Officer", address="noor.alhashimi@northwind.example")

QUOTED = 'O\'Reilly & Sons, "The" Partner'
INJECTION = "Acme' OR Name != '"
ROCKET = "🚀 Rocket Labs 🚀"
LONG = ("Globex Corporation International Holdings " * 10)[:NAME_LIMIT]
SPARSE = "Initrode"
HOOLI = "Hooli XYZ"
MASSIVE = "Massive Dynamic"
DEFUNCT = "Defunct Corp"


def long_title(crm: str) -> str:
    return ("Chief Technology Officer, responsible for platform, cloud, data and partner engineering " * 20)[
        : TITLE_LIMIT[crm]
    ]


def hostile(crm: str) -> orgs.Org:
    executives = ["Chief Executive Officer", "Chief Technology Officer", "SVP Sales", "VP Engineering"]
    return orgs.Org(
        users=[AVA, MARCUS, TOM, MIA, SHAUN, NOOR, User("temp", "Temp", "Worker", "")],
        accounts=[
            Account("quoted", QUOTED, "mia", "strategic", "shaun"),
            Account("injection", INJECTION, "mia", "key", "tom"),
            Account("rocket", ROCKET, "mia", "key", "noor"),
            Account("long", LONG, "mia", "standard", "tom"),
            Account("sparse", SPARSE, "mia", "standard", "ava"),
            Account("hooli", HOOLI, "mia", "key", "marcus"),
            Account("massive", MASSIVE, "mia", "strategic", "ava"),
            Account("defunct", DEFUNCT, "mia", "strategic", "marcus", deleted=True),
        ],
        contacts=[
            Contact("sean", "quoted", "Seán", "O'Brien", 'Chief Technology Officer ("CTO")', "sean.obrien@oreilly.example"),
            Contact("old-cto", "quoted", "Olga", "Gone", "Chief Technology Officer", "olga@oreilly.example", deleted=True),
            Contact("bobby", "injection", "Robert'); DROP TABLE Contact;--", "Tables", "VP Partnerships",
                    "bobby@acme.example"),
            Contact("sarah", "rocket", "שרה", "כהן", "Chief Executive Officer", "sarah.cohen@rocket.example"),
            Contact("emoji", "rocket", "Zoë 🌟", "Ñúñez", "Head of 🤝 Partnerships", "zoe@rocket.example"),
            Contact("longtitle", "long", "Lena", "Long", long_title(crm), "lena@globex.example"),
            Contact("nameless", "sparse", "", "Lumbergh", "CFO", None),
            Contact("blank", "sparse", "", "Nobody", None, None),
            # Salesforce allows two contacts to share an e-mail; HubSpot's contacts are unique by it.
            Contact("dup-a", "injection", "Dana", "Twin", "Partner Manager", "shared@partner.example"),
            Contact("dup-b", "rocket", "Dora", "Twin", "Partner Manager",
                    "shared@partner.example" if crm == "salesforce" else None),
            Contact("marcus-as-contact", "hooli", "Marcus", "Reid", "Chief Technology Officer", MARCUS.email),
            Contact("gavin", "hooli", "Gavin", "Belson", "Chief Executive Officer", "gavin@hooli.example"),
            Contact("free-agent", None, "Free", "Agent", "Chief Executive Officer", "free@agent.example"),
            Contact("defunct-ceo", "defunct", "Dee", "Funct", "Chief Executive Officer", "dee@defunct.example"),
            *(Contact(f"exec-{i}", "massive", "Exec", f"Number {i:03d}", executives[i % 4], f"exec{i}@massive.example")
              for i in range(500)),
        ],
        activities=[
            Activity("with-the-deleted", "meeting", "shaun", "old-cto", "quoted", 5),
            Activity("at-the-deleted-account", "call", "marcus", "defunct-ceo", "defunct", 3),
            Activity("with-the-free-agent", "meeting", "ava", "free-agent", None, 2),
            Activity("met-gavin", "meeting", "marcus", "gavin", "hooli", 400),
        ],
    )  # fmt: skip


@dataclass
class World:
    box: Sandbox
    env_file: Path
    first: CliResult
    second: CliResult
    state: CrmState
    crm: Driver

    def tasks_of(self, account: str) -> list[TaskView]:
        account_id = self.crm.id_of("account", account)
        return sorted(
            (t for t in self.state.tasks.values() if t.account_id == account_id), key=lambda t: t.rule
        )

    def subject(self, account: str, rule: str) -> str:
        [task] = [t for t in self.tasks_of(account) if t.rule == rule]
        return task.subject


def every_update_on_day_one(crm: str, home: Path) -> Path:
    """The default mapping with lead times one day short of each sponsor-update period: every
    sponsored alliance's first update then appears on the first run (its subject names the sponsor,
    whose hostile name is what these tests follow into the CRM). A first run creates no "new
    sponsor" task: sponsors already in place are not new."""
    text = default_mapping_path(crm).read_text()  # type: ignore[arg-type]
    for tier, every in (("strategic", 30), ("key", 60), ("standard", 90)):
        old = f"    {tier}: {{sponsor_update_days: {every}, "
        assert old in text
        text = text.replace(old, f"    {tier}: {{lead_days: {every - 1}, sponsor_update_days: {every}, ")
    # The hostile text is the subject here, not the intake limit: every task on the first run.
    text = text.replace("\ncadence:\n", "\ncadence:\n  intake: {max_new_tasks_per_owner: null}\n", 1)
    if crm == "hubspot":  # owners carry no titles: the admin lists the executives, Noor and Shaun too
        anchor = "\n  executives:\n"
        assert anchor in text
        extra = [f"    - {{email: {u.email}, title: {u.title}}}\n" for u in (NOOR, SHAUN)]
        text = text.replace(anchor, anchor + "".join(extra), 1)
    path = home / "mapping.yaml"
    path.write_text(text)
    return path


def labels(org: orgs.Org) -> dict[str, dict[str, str]]:
    return {
        "user": {u.key: u.email for u in org.users},
        "contact": {c.key: c.email or "" for c in org.contacts},
        "account": {a.key: a.name for a in org.accounts},
    }


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    crm: str = request.param
    home = tmp_path_factory.mktemp(crm)
    org = hostile(crm)
    with running_sandbox(crm, home / "sandbox", data=orgs.render(crm, org)) as box:
        env_file = box.env_file(home / "run.env", {"MAPPING": str(every_update_on_day_one(crm, home))},
                                state_dir=home / "state")  # fmt: skip
        first = invoke("sync", "run", "--json", env_file=env_file)
        second = invoke("sync", "run", "--json", env_file=env_file)
        driver = driver_for(box, labels(org))
        yield World(box, env_file, first, second, crm_state(driver), driver)


def test_the_run_completes_and_a_second_run_writes_nothing(world: World) -> None:
    assert world.first.exit_code == 0, world.first.output
    assert "Traceback" not in world.first.output
    assert world.second.exit_code == 0, world.second.output
    counts = json.loads(world.second.stdout)["counts"]
    assert (counts["created"], counts["updated"], counts["closed"], counts["accounts_written"]) == (
        0,
        0,
        0,
        0,
    )
    assert world.state.duplicates() == []


def test_quotes_and_apostrophes_are_written_as_they_are(world: World) -> None:
    assert world.subject("quoted", "executive_touch") == (
        f'Connect with Seán O\'Brien, Chief Technology Officer ("CTO") at {QUOTED}'
    )
    assert world.subject("quoted", "sponsor_update").startswith(
        f"Send Shaun O'Brien the {QUOTED} sponsor update by "
    )


def test_a_name_built_to_break_a_soql_string_is_only_text(world: World) -> None:
    assert world.subject("injection", "executive_touch") == (
        f"Connect with Robert'); DROP TABLE Contact;-- Tables, VP Partnerships at {INJECTION}"
    )
    assert [t.rule for t in world.tasks_of("injection")] == ["executive_touch", "sponsor_update"]
    live = [a for a in hostile(world.box.crm).accounts if not a.deleted]
    assert len(world.state.accounts) == len(live)  # no account lost, none added
    assert sum(1 for a in world.state.accounts.values() if a.health) == len(live)


def test_emoji_and_right_to_left_text_survive_the_round_trip(world: World) -> None:
    assert world.subject("rocket", "sponsor_update").startswith(
        f"Send نور الهاشمي the {ROCKET} sponsor update by "
    )
    touch = next(t for t in world.tasks_of("rocket") if t.rule == "executive_touch")
    assert touch.subject == f"Connect with שרה כהן, Chief Executive Officer at {ROCKET}"
    assert touch.owner_id == world.crm.id_of("user", "noor")
    explained = invoke("sync", "explain", ROCKET, env_file=world.env_file)
    assert explained.exit_code == 0, explained.output
    assert "counterpart: שרה כהן, Chief Executive Officer" in explained.stdout


def test_the_longest_titles_and_names_are_clipped_to_what_the_crm_takes(world: World) -> None:
    touch = next(t for t in world.tasks_of("long") if t.rule == "executive_touch")
    assert len(touch.subject) == SUBJECT_LIMIT
    assert touch.subject.startswith("Connect with Lena Long, Chief Technology Officer, responsible for")
    assert touch.subject.endswith("…")
    assert LONG in touch.body
    account = world.state.accounts[world.crm.id_of("account", "long")]
    assert account.reason is not None
    assert len(account.reason) <= 255


def test_empty_and_missing_fields_are_tolerated(world: World) -> None:
    """Contacts without a first name, a title or an e-mail; a user without a title."""
    assert world.subject("sparse", "executive_touch") == f"Connect with Lumbergh, CFO at {SPARSE}"


def test_duplicate_emails_are_different_people(world: World) -> None:
    explained = invoke("sync", "explain", "Rocket Labs", env_file=world.env_file)
    # Sarah, and Zoë: a company-level "Head of Partnerships" reads as VP (README, titles). Dora, a
    # Partner Manager with Sarah's e-mail, is a different person and no executive.
    assert "partner executives: 2" in explained.stdout
    assert len(world.tasks_of("injection")) == len(world.tasks_of("rocket")) == 2


def test_contacts_without_an_account_and_deleted_records_are_ignored(world: World) -> None:
    """A meeting with a deleted contact is no touch with the live executive; a deleted alliance
    gets nothing; a contact without an account is nobody's executive."""
    alliances = {world.crm.id_of("account", a.key) for a in hostile(world.box.crm).accounts if not a.deleted}
    assert {t.account_id for t in world.state.tasks.values()} == alliances
    assert not any(DEFUNCT in t.subject or "Dee Funct" in t.body for t in world.state.tasks.values())
    explained = invoke("sync", "explain", "O'Reilly", env_file=world.env_file)
    assert "partner executives: 1" in explained.stdout
    assert "last touch: never" in explained.stdout
    assert "Gone" not in explained.stdout


def test_a_sponsor_on_record_as_a_partner_contact_is_not_their_own_counterpart(world: World) -> None:
    touch = next(t for t in world.tasks_of("hooli") if t.rule == "executive_touch")
    assert touch.subject == f"Connect with Gavin Belson, Chief Executive Officer at {HOOLI}"
    assert touch.owner_id == world.crm.id_of("user", "marcus")
    explained = invoke("sync", "explain", HOOLI, env_file=world.env_file)
    assert "partner executives: 1" in explained.stdout


def test_an_alliance_with_500_executives_gets_one_counterpart(world: World) -> None:
    rules = [t.rule for t in world.tasks_of("massive")]
    assert rules == ["executive_touch", "sponsor_update"]
    explained = invoke("sync", "explain", MASSIVE, env_file=world.env_file)
    assert "partner executives: 500" in explained.stdout
    # The CEO fits the CEO sponsor best; ties between the 125 CEOs go to the lowest id.
    assert world.subject("massive", "executive_touch") == (
        f"Connect with Exec Number 000, Chief Executive Officer at {MASSIVE}"
    )


def test_the_commands_print_hostile_text_in_a_plain_c_locale(world: World) -> None:
    """A scheduler's environment often has no UTF-8 locale: output must still not crash."""
    for args in (("sync", "plan"), ("sync", "status"), ("sync", "explain", ROCKET)):
        result = run(*args, env_file=world.env_file, env={"LC_ALL": "C", "LANG": "C"})
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
