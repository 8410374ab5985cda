"""The README stays true: every setting, exit code and command is documented, and the Quickstart's
test command is exactly what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from sponsorsync.cli import app
from sponsorsync.connectors.errors import ExitCode
from sponsorsync.sync.settings import Settings, describe_settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    names = {row.name for row in describe_settings(Settings())}
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert missing == []


def test_every_exit_code_is_documented() -> None:
    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}
    assert {int(code) for code in ExitCode} <= documented


def test_every_command_is_documented() -> None:
    root = get_command(app)
    commands = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        commands += (
            [f"sponsorsync {name} {sub}" for sub in subcommands] if subcommands else [f"sponsorsync {name}"]
        )
    missing = [
        c
        for c in commands
        if c not in README and c.rsplit(" ", 1)[-1] not in README.split("## Commands", 1)[1]
    ]
    assert missing == []


def test_the_quickstart_test_command_is_what_ci_runs() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", quickstart)
    assert len(commands) == 2
    assert "sponsorsync demo" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
