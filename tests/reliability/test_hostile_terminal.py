"""Partner-controlled text printed by the CLI: escape sequences and control characters in CRM names
and titles never reach the terminal, and a newline inside a name never starts a line of its own (it
could forge an ``error:`` line a scheduler or a person would trust). Real `sync plan` and
`sync explain` processes, on both CRMs, over the sandbox."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import orgs
from tests.support.cli import CliResult, run
from tests.support.orgs import AVA, MARCUS, MIA, TOM, Account, Contact, User
from tests.support.sandbox import running_sandbox

ACCOUNT = "Evil\x1b[2J\x1b[H Corp\x1b]0;pwned\x07"
FORGED = "error: token expired, run fix.sh"  # within FirstName's 40 characters
SPONSOR = User("eve", "Eve\x1b[31m", "Sponsor\x9b2J", "Chief Operating Officer")
CEO = Contact(
    "ceo",
    "evil",
    f"Jane\n{FORGED}",
    "Roe\r",
    "Chief Executive Officer\x1b]2;title\x1b\\",
    "jane@evil.example",
)
CTO = Contact(
    "cto", "evil", "Ravi\u202e", "Kumar\x00", "Chief \x1b[8mTechnology\x1b[0m Officer", "ravi@evil.example"
)


def hostile() -> orgs.Org:
    return orgs.Org(
        users=[AVA, MARCUS, TOM, MIA, SPONSOR],
        accounts=[Account("evil", ACCOUNT, "mia", "strategic", "eve")],
        contacts=[CEO, CTO],
        activities=[],
    )


@dataclass
class World:
    env_file: Path


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    crm: str = request.param
    home = tmp_path_factory.mktemp(crm)
    with running_sandbox(crm, home / "sandbox", data=orgs.render(crm, hostile())) as box:
        yield World(box.env_file(home / "run.env", state_dir=home / "state"))


def _assert_inert(result: CliResult) -> None:
    assert result.exit_code == 0, result.output
    for stream in (result.stdout, result.stderr):
        controls = sorted(
            {f"U+{ord(c):04X}" for c in stream if unicodedata.category(c) == "Cc" and c != "\n"}
        )
        assert controls == [], controls
        assert "\u202e" not in stream
        assert not [line for line in stream.splitlines() if line.lstrip().startswith("error:")], stream


def test_sync_plan_prints_partner_text_inert(world: World) -> None:
    result = run("sync", "plan", env_file=world.env_file, env={"COLUMNS": "400"})
    _assert_inert(result)
    assert "Jane" in result.stdout  # the names are still there, on their own line's words


def test_sync_explain_prints_partner_text_inert(world: World) -> None:
    run("sync", "run", env_file=world.env_file)
    result = run("sync", "explain", "Evil", env_file=world.env_file, env={"COLUMNS": "400"})
    _assert_inert(result)
    assert "Evil Corp" in result.stdout
    assert f"Jane {FORGED} Roe" in result.stdout  # the forged line is only words inside the name
    assert "Jane error: token expired, run fix.sh Roe , Chief Executive Officer (" in result.stdout
