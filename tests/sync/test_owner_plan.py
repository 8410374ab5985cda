"""``sync plan --owner EMAIL``: one person's tasks as they would see them, and the closes that
name the task and the alliance; against the sandbox with the known-answers org."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import orgs
from tests.support.cli import invoke
from tests.support.driver import driver_for
from tests.support.sandbox import Sandbox, running_sandbox
from tests.sync.test_end_to_end import labels

MIA = "mia.manager@northwind.example"
MARCUS = "marcus.reid@northwind.example"


@pytest.fixture(params=["salesforce", "hubspot"])
def box(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    data = orgs.render(request.param, orgs.known_answers())
    with running_sandbox(request.param, tmp_path / "box", data=data) as sandbox:
        yield sandbox


def test_an_owner_sees_their_tasks_and_the_closes_naming_task_and_alliance(
    box: Sandbox, tmp_path: Path
) -> None:
    env = box.env_file(tmp_path / "run.env")

    mine = invoke("sync", "plan", "--owner", MIA.upper(), env_file=env)  # e-mails match case-insensitively
    assert mine.exit_code == 0, mine.output
    lines = mine.stdout.splitlines()
    assert lines[0] == f"Mia Manager <{MIA}>: 3 task change(s) the next run would make"
    assert "new task: Appoint an executive sponsor for Globex" in lines
    at = lines.index("new task: Appoint an executive sponsor for Globex")
    assert lines[at + 1].startswith("  alliance: Globex")
    assert "  due: 20" in lines[at + 1]
    assert lines[at + 2].startswith("  | ")  # the body, as the task carries it
    assert "(executive_touch)" not in mine.stdout  # the sponsor's touch task is Marcus's, not Mia's
    assert "rule: executive_touch" not in mine.stdout

    as_json = json.loads(invoke("sync", "plan", "--owner", MARCUS, "--json", env_file=env).stdout)
    [touch] = as_json["tasks"]
    assert (touch["action"], touch["rule"], touch["alliance"]) == (
        "create",
        "executive_touch",
        "Acme Corporation",
    )
    assert touch["body"]
    assert touch["due"]

    assert invoke("sync", "run", env_file=env).exit_code == 0
    driver_for(box, labels(orgs.known_answers())).log_touch("marcus", "jane", "acme", days_ago=1)
    closes = invoke("sync", "plan", "--owner", MARCUS, env_file=env)
    assert closes.exit_code == 0, closes.output
    assert f"closes {touch['subject']!r} on Acme Corporation (executive_touch)" in closes.stdout.splitlines()
    assert "  why: done: " in closes.stdout


def test_an_unknown_owner_is_a_clear_error_with_suggestions(box: Sandbox, tmp_path: Path) -> None:
    env = box.env_file(tmp_path / "run.env")
    result = invoke("sync", "plan", "--owner", "mia.manger@northwind.example", env_file=env)
    assert result.exit_code == 2, result.output
    assert result.errors() == [
        "error: No user or owner with the e-mail 'mia.manger@northwind.example' in the CRM"
    ]
    assert f"hint: did you mean {MIA}" in result.stderr
    assert "Traceback" not in result.output
